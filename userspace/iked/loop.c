// SPDX-License-Identifier: GPL-2.0
/*
 * vtun-iked's services for the engine (log, clock, timers) and its epoll
 * set: one thread, timers in a list sorted by deadline.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "daemon.h"

int iked_log_level = LOG_INFO;

static int epfd = -1;
static bool journal;
static struct iked_timer *timers;

void iked_log_stream(bool to_journal)
{
	journal = to_journal;
}

void iked_log(int level, const char *fmt, ...)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "error", "warning", "notice", "info",
		"debug",
	};
	va_list ap;

	if (level > iked_log_level)
		return;
	if (level < LOG_EMERG || level > LOG_DEBUG)
		level = LOG_DEBUG;
	/* journald reads "<N>" as the priority of a line. */
	if (journal)
		fprintf(stderr, "<%d>", level);
	else
		fprintf(stderr, "vtun-iked: %s: ", names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

uint64_t iked_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void iked_timer_del(struct iked_timer *t)
{
	struct iked_timer **p;

	if (!t->armed)
		return;
	for (p = &timers; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	t->next = NULL;
	t->armed = false;
}

void iked_timer_add(struct iked_timer *t, uint32_t ms)
{
	struct iked_timer **p;

	iked_timer_del(t);
	t->when = iked_now_ms() + ms;
	/* After timers of the same deadline: they run in the order added. */
	for (p = &timers; *p && (*p)->when <= t->when; p = &(*p)->next)
		;
	t->next = *p;
	*p = t;
	t->armed = true;
}

int iked_timers_run(void)
{
	uint64_t now = iked_now_ms();

	while (timers && timers->when <= now) {
		struct iked_timer *t = timers;

		timers = t->next;
		t->next = NULL;
		t->armed = false;
		t->fn(t);	/* may add timers, this one included */
		now = iked_now_ms();
	}
	if (!timers)
		return -1;
	return timers->when - now > 60000 ? 60000 : (int)(timers->when - now);
}


int iked_fd_add(struct iked_fd *f)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = f };

	if (epoll_ctl(epfd, EPOLL_CTL_ADD, f->fd, &ev)) {
		iked_log(LOG_ERR, "epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void iked_fd_del(struct iked_fd *f)
{
	if (f->fd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_DEL, f->fd, NULL);
}

int iked_loop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	return epfd < 0 ? -1 : 0;
}

void iked_loop_fini(void)
{
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
}

int iked_loop_once(int timeout)
{
	struct epoll_event ev[16];
	int n, i;

	n = epoll_wait(epfd, ev, 16, timeout);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		iked_log(LOG_ERR, "epoll_wait: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct iked_fd *f = ev[i].data.ptr;

		f->fn(f, ev[i].events);
	}
	return n;
}
