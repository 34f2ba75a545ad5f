// SPDX-License-Identifier: GPL-2.0
/*
 * vtun-iked: the main loop. One thread, one epoll set (UDP sockets,
 * netlink events, the control socket, a signalfd), timers in a sorted list.
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "config.h"
#include "daemon.h"

#define IKED_VERSION "0.1"

struct iked_config *iked_conf;

/* sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET. */
static void notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(sun.sun_path))
		return;
	memcpy(sun.sun_path, path, len);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';	/* abstract namespace */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		   (struct sockaddr *)&sun,
		   offsetof(struct sockaddr_un, sun_path) + len) < 0)
		iked_log(LOG_DEBUG, "sd_notify: %s", strerror(errno));
	close(fd);
}

/*
 * Keep CAP_NET_ADMIN (netlink, encap sockets) and CAP_NET_BIND_SERVICE
 * (sockets of a new local address after a reload), nothing else.
 */
static int drop_caps(void)
{
	const uint64_t keep = 1ull << CAP_NET_ADMIN |
			      1ull << CAP_NET_BIND_SERVICE;
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	int cap;

	if (syscall(SYS_capget, &hdr, data)) {
		iked_log(LOG_ERR, "capget: %s", strerror(errno));
		return -1;
	}
	/* The bounding set needs CAP_SETPCAP: shrink it first, if allowed. */
	for (cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (!(keep & 1ull << cap) &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL &&
		    errno != EPERM)
			iked_log(LOG_WARNING, "dropping capability %d: %s", cap,
				 strerror(errno));
	data[0].permitted &= (uint32_t)keep;
	data[1].permitted &= (uint32_t)(keep >> 32);
	data[0].effective = data[0].permitted;
	data[1].effective = data[1].permitted;
	data[0].inheritable = data[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, data)) {
		iked_log(LOG_ERR, "capset: %s", strerror(errno));
		return -1;
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	return 0;
}

/*
 * @flush at start-up: the device's SAs are a previous instance's (its peer
 * hears of our restart through INITIAL_CONTACT); none may stay.
 */
static int tunnel_start(struct iked_tunnel *t, bool flush)
{
	if (kernel_tunnel_setup(t))
		return -1;
	if (flush)
		kernel_tunnel_flush(t);
	if (t->start == IKED_START_START)
		return ike_tunnel_up(t);
	return 0;
}

int iked_tunnel_updown(const char *name, bool up, char *msg, size_t len)
{
	const struct iked_tunnel *t = iked_config_tunnel(iked_conf, name);

	if (!t) {
		snprintf(msg, len, "no ipsec-tunnel %s", name);
		return -1;
	}
	if (up ? ike_tunnel_up(t) : ike_tunnel_down(t)) {
		snprintf(msg, len, "%s: cannot bring it %s", name,
			 up ? "up" : "down");
		return -1;
	}
	snprintf(msg, len, "%s: %s", name, up ? "up" : "down");
	return 0;
}

int iked_tunnel_rekey(const char *name, bool ike, char *msg, size_t len)
{
	const struct iked_tunnel *t = iked_config_tunnel(iked_conf, name);
	const char *what = ike ? "IKE SA" : "CHILD SA";
	int err;

	if (!t) {
		snprintf(msg, len, "no ipsec-tunnel %s", name);
		return -1;
	}
	err = ike_tunnel_rekey(t, ike);
	if (err == -ENOENT)
		snprintf(msg, len, "%s: no %s established", name, what);
	else if (err == -EBUSY)
		snprintf(msg, len, "%s: %s rekey under way", name, what);
	else if (err)
		snprintf(msg, len, "%s: cannot rekey the %s", name, what);
	else
		snprintf(msg, len, "%s: rekeying the %s", name, what);
	return err ? -1 : 0;
}

static void reload(bool log_from_cmdline)
{
	char err[512];
	struct iked_config *nw, *old = iked_conf;
	bool *kept;
	int i;

	notify("RELOADING=1");
	nw = iked_config_load(old->path, err, sizeof(err));
	if (!nw) {
		iked_log(LOG_ERR, "reload: %s; keeping the running configuration",
			 err);
		notify("READY=1");
		return;
	}
	kept = calloc(nw->n_tun ? nw->n_tun : 1, sizeof(*kept));
	if (!kept) {
		iked_config_free(nw);
		notify("READY=1");
		return;
	}
	iked_config_adopt(nw, old, kept);
	/* What is left in @old was removed or changed. */
	for (i = 0; i < old->n_tun; i++)
		if (old->tun[i]) {
			iked_log(LOG_INFO, "reload: %s removed or changed",
				 old->tun[i]->name);
			ike_tunnel_down(old->tun[i]);
		}
	iked_conf = nw;
	if (!log_from_cmdline)
		iked_log_level = nw->log_level;
	if (net_open(nw))
		iked_log(LOG_ERR, "reload: sockets not all open");
	if (strcmp(nw->control, old->control)) {
		control_close();
		control_open(nw->control);
	}
	ike_engine_reconf(nw);
	iked_config_free(old);
	for (i = 0; i < nw->n_tun; i++)
		if (!kept[i] && tunnel_start(nw->tun[i], false))
			iked_log(LOG_ERR, "%s: not started", nw->tun[i]->name);
	free(kept);
	iked_log(LOG_INFO, "reloaded %s", nw->path);
	notify("READY=1");
}

static bool stop, reload_pending;

static void on_signal(struct iked_fd *f, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(f->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload_pending = true;
		else
			stop = true;
	}
}

static int signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vtun-iked [ -f FILE ] [ -t ] [ -d | -v ] [ -F ]\n"
		"  -f FILE  configuration (default " IKED_CONF_DEFAULT ")\n"
		"  -t       check the configuration and exit\n"
		"  -v       log level info, -d debug (default: log-level of the file)\n"
		"  -F       foreground (the only mode; for compatibility)\n"
		"  -V       version\n");
}

int main(int argc, char **argv)
{
	const char *path = IKED_CONF_DEFAULT;
	struct iked_fd sig_fd = { .fd = -1, .fn = on_signal };
	int c, sfd = -1, level = -1, ret = 1, i;
	bool test = false;
	char err[512];

	while ((c = getopt(argc, argv, "f:tdvFVh")) != -1) {
		switch (c) {
		case 'f':
			path = optarg;
			break;
		case 't':
			test = true;
			break;
		case 'd':
			level = LOG_DEBUG;
			break;
		case 'v':
			level = LOG_INFO;
			break;
		case 'F':
			break;
		case 'V':
			printf("vtun-iked %s\n", IKED_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	iked_log_stream(getenv("JOURNAL_STREAM") != NULL);
	iked_conf = iked_config_load(path, err, sizeof(err));
	if (!iked_conf) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (test) {
		printf("%s: configuration OK (%d tunnels)\n", path,
		       iked_conf->n_tun);
		iked_config_free(iked_conf);
		return 0;
	}
	iked_log_level = level >= 0 ? level : iked_conf->log_level;
	sfd = signals_open();
	if (iked_loop_init() || sfd < 0) {
		iked_log(LOG_ERR, "epoll/signalfd: %s", strerror(errno));
		goto out;
	}
	sig_fd.fd = sfd;
	if (iked_fd_add(&sig_fd) || net_open(iked_conf) || kernel_open() ||
	    control_open(iked_conf->control))
		goto out;
	/*
	 * Under a seccomp filter that refuses capset, systemd's bounding set
	 * already keeps us to these two.
	 */
	if (drop_caps())
		iked_log(LOG_WARNING, "running with the capabilities given");
	if (ike_engine_init(iked_conf))
		goto out;
	for (i = 0; i < iked_conf->n_tun; i++)
		if (tunnel_start(iked_conf->tun[i], true))
			iked_log(LOG_ERR, "%s: not started",
				 iked_conf->tun[i]->name);
	iked_log(LOG_NOTICE, "vtun-iked %s running with %d tunnels",
		 IKED_VERSION, iked_conf->n_tun);
	notify("READY=1");
	while (!stop) {
		if (iked_loop_once(iked_timers_run()) < 0)
			break;
		if (reload_pending) {
			reload_pending = false;
			reload(level >= 0);
		}
	}
	notify("STOPPING=1");
	iked_log(LOG_NOTICE, "stopping");
	for (i = 0; i < iked_conf->n_tun; i++)
		ike_tunnel_down(iked_conf->tun[i]);
	ike_engine_fini();
	for (i = 0; i < iked_conf->n_tun; i++) {
		kernel_tunnel_flush(iked_conf->tun[i]);
		if (iked_conf->tun[i]->ifindex)
			kernel_encap_none(iked_conf->tun[i]->ifindex);
	}
	ret = 0;
out:
	control_close();
	kernel_close();
	net_close();
	iked_config_free(iked_conf);
	if (sfd >= 0)
		close(sfd);
	iked_loop_fini();
	return ret;
}
