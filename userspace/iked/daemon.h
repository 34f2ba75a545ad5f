/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What iked.c, net.c, kernel.c and control.c share: the event loop and the
 * running configuration. The engine sees none of it (iked.h).
 */
#ifndef _VTUN_IKED_DAEMON_H
#define _VTUN_IKED_DAEMON_H

#include <stdint.h>

#include "addr.h"
#include "iked.h"

/* loop.c: the epoll set, file descriptors in it, the log. */
int iked_loop_init(void);
void iked_loop_fini(void);
/* Wait up to @timeout ms (-1: forever), run what is ready: count or -1. */
int iked_loop_once(int timeout);
void iked_log_stream(bool to_journal);	/* "<N>" priority prefixes */
extern int iked_log_level;

struct iked_fd {
	int fd;
	void (*fn)(struct iked_fd *f, uint32_t events);
};
int iked_fd_add(struct iked_fd *f);
void iked_fd_del(struct iked_fd *f);

/* iked.c: the running configuration, and what the control socket asks. */
extern struct iked_config *iked_conf;
int iked_tunnel_updown(const char *name, bool up, char *msg, size_t len);
int iked_tunnel_rekey(const char *name, bool ike, char *msg, size_t len);

/* loop.c: run timers due by now; milliseconds to the next one, or -1. */
int iked_timers_run(void);

/* net.c: the UDP sockets on 500 and 4500 the configuration needs. */
int net_open(const struct iked_config *conf);
void net_close(void);
/*
 * The port 4500 socket of @local's family (and address, if sockets are per
 * address), to hand to a vtun device as its encap-fd for ESP in UDP
 * (NAT-T); -1 if none.
 */
int net_encap_fd(const struct sockaddr_storage *local);
/* Exposed for the unit tests: the non-ESP marker rules of port 4500. */
enum net_rx { NET_RX_IKE, NET_RX_KEEPALIVE, NET_RX_ESP, NET_RX_SHORT };
enum net_rx net_classify_4500(const uint8_t *buf, size_t len);
void net_set_ports(uint16_t ike, uint16_t natt);	/* tests: not 500, 4500 */

/* kernel.c: the vtun family. */
int kernel_open(void);
void kernel_close(void);
/*
 * Create or adopt the tunnel's device, set it up, program its proxy IDs
 * and monitor; fills t->ifindex.
 */
int kernel_tunnel_setup(struct iked_tunnel *t);
/*
 * Delete every SA of the tunnel's device: at start-up those a previous
 * instance left, at exit those the engine lost track of. Returns how many
 * were removed or -errno.
 */
int kernel_tunnel_flush(const struct iked_tunnel *t);
/*
 * The device at @ifindex back to encap none (no ESP in UDP, no
 * keepalives): on adoption and at exit. Its other settings stay.
 */
int kernel_encap_none(int ifindex);

/* control.c */
int control_open(const char *path);
void control_close(void);

#endif /* _VTUN_IKED_DAEMON_H */
