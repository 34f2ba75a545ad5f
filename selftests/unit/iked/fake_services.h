/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fake daemon services for the engine's host harnesses (unit/iked/
 * engine_test.c, engine_udp.c, fuzz/fuzz_ike.c): a timer table on the
 * harness's own clock (its iked_now_ms()), a kernel whose calls succeed
 * unless the harness hooks them, and the address and proxy ID helpers of
 * their configurations. Included by one file of each program.
 *
 * Hooks: a harness that wants a kernel call to do something defines
 *	static const struct fake_kernel_ops fake_kernel = { .sa_add = ... };
 * after including this file; unset hooks (or no definition) keep the
 * defaults: SPIs counted up from fake_next_spi, SA calls succeed, nothing
 * was ever used.
 */
#ifndef FAKE_SERVICES_H
#define FAKE_SERVICES_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iked.h"

/* ---- timers --------------------------------------------------------------- */

#ifndef FAKE_TIMERS_MAX
#define FAKE_TIMERS_MAX 256
#endif

static struct {
	struct iked_timer *t;
	void *owner;
} fake_timers[FAKE_TIMERS_MAX];

/* Kept with each timer armed (engine_test: the engine that armed it). */
static void *fake_timer_owner;

void iked_timer_add(struct iked_timer *t, uint32_t ms)
{
	int i, slot = -1;

	for (i = 0; i < FAKE_TIMERS_MAX; i++) {
		if (fake_timers[i].t == t) {
			slot = i;
			break;
		}
		if (!fake_timers[i].t && slot < 0)
			slot = i;
	}
	if (slot < 0) {
		fprintf(stderr, "out of timers\n");
		abort();
	}
	fake_timers[slot].t = t;
	fake_timers[slot].owner = fake_timer_owner;
	t->when = iked_now_ms() + ms;
	t->armed = true;
}

void iked_timer_del(struct iked_timer *t)
{
	int i;

	for (i = 0; i < FAKE_TIMERS_MAX; i++)
		if (fake_timers[i].t == t)
			fake_timers[i].t = NULL;
	t->armed = false;
}

static inline void fake_timers_clear(void)
{
	int i;

	for (i = 0; i < FAKE_TIMERS_MAX; i++)
		fake_timers[i].t = NULL;
}

/* The armed timer due first, if due by @until: its slot, or -1. */
static inline int fake_timer_next(uint64_t until)
{
	int i, best = -1;

	for (i = 0; i < FAKE_TIMERS_MAX; i++)
		if (fake_timers[i].t && fake_timers[i].t->armed &&
		    (best < 0 ||
		     fake_timers[i].t->when < fake_timers[best].t->when))
			best = i;
	if (best >= 0 && fake_timers[best].t->when > until)
		return -1;
	return best;
}

/* The timer of @slot, disarmed and taken off the table, to be run. */
static inline struct iked_timer *fake_timer_take(int slot, void **owner)
{
	struct iked_timer *t = fake_timers[slot].t;

	fake_timers[slot].t = NULL;
	t->armed = false;
	if (owner)
		*owner = fake_timers[slot].owner;
	return t;
}

/* Run every timer due by @now, earliest first (also those they arm). */
static inline void fake_timers_run(uint64_t now)
{
	int slot;

	while ((slot = fake_timer_next(now)) >= 0) {
		struct iked_timer *t = fake_timer_take(slot, NULL);

		t->fn(t);
	}
}

/* ---- kernel --------------------------------------------------------------- */

struct fake_kernel_ops {
	int (*spi_alloc)(int ifindex, uint32_t *spi);
	int (*sa_add)(const struct iked_kernel_sa *sa);
	int (*sa_del)(int ifindex, bool out, uint32_t spi);
	int (*sa_activate)(int ifindex, uint32_t spi);
	int (*sa_last_used)(int ifindex, bool out, uint32_t spi,
			    uint64_t *when);
	int (*path_set)(const struct iked_kernel_path *p);
	int (*peer_set)(int ifindex, uint32_t spi_out,
			const struct sockaddr_storage *peer, bool encap);
};

static const struct fake_kernel_ops fake_kernel;
static uint32_t fake_next_spi = 0xc0000001;

int iked_kernel_spi_alloc(int ifindex, uint32_t *spi)
{
	if (fake_kernel.spi_alloc)
		return fake_kernel.spi_alloc(ifindex, spi);
	*spi = fake_next_spi++;
	return 0;
}

int iked_kernel_sa_add(const struct iked_kernel_sa *sa)
{
	return fake_kernel.sa_add ? fake_kernel.sa_add(sa) : 0;
}

int iked_kernel_sa_del(int ifindex, bool out, uint32_t spi)
{
	return fake_kernel.sa_del ? fake_kernel.sa_del(ifindex, out, spi) : 0;
}

int iked_kernel_sa_activate(int ifindex, uint32_t spi)
{
	return fake_kernel.sa_activate ?
	       fake_kernel.sa_activate(ifindex, spi) : 0;
}

int iked_kernel_sa_last_used(int ifindex, bool out, uint32_t spi,
			     uint64_t *when)
{
	if (fake_kernel.sa_last_used)
		return fake_kernel.sa_last_used(ifindex, out, spi, when);
	*when = 0;
	return 0;
}

int iked_kernel_path_set(const struct iked_kernel_path *p)
{
	return fake_kernel.path_set ? fake_kernel.path_set(p) : 0;
}

int iked_kernel_peer_set(int ifindex, uint32_t spi_out,
			 const struct sockaddr_storage *peer, bool encap)
{
	return fake_kernel.peer_set ?
	       fake_kernel.peer_set(ifindex, spi_out, peer, encap) : 0;
}

/* ---- configuration helpers ---------------------------------------------- */

/* IPv4 address @a, port @port into @ss; inet_pton()'s result. */
static inline int fake_addr4(struct sockaddr_storage *ss, const char *a,
			     int port)
{
	struct sockaddr_in *s = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	s->sin_family = AF_INET;
	s->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, a, &s->sin_addr);
}

/* Proxy ID @id: @l/@ll (local) = @r/@rl (remote), any protocol and port. */
static inline void fake_proxy4(struct iked_proxy_id *p, uint32_t id,
			       const char *l, int ll, const char *r, int rl)
{
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->family = AF_INET;
	inet_pton(AF_INET, l, &p->local);
	inet_pton(AF_INET, r, &p->remote);
	p->local_len = (uint8_t)ll;
	p->remote_len = (uint8_t)rl;
	p->local_port_max = p->remote_port_max = 65535;
}

#endif /* FAKE_SERVICES_H */
