/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_DEVICE_H
#define _VTUN_DEVICE_H

#include <linux/hashtable.h>
#include <linux/netdevice.h>
#include <net/dst_cache.h>
#include <net/gro_cells.h>
#include <linux/u64_stats_sync.h>
#include <linux/in6.h>
#include <net/rtnetlink.h>
#include <linux/seqlock.h>
#include <linux/timer.h>
#include <uapi/linux/vtun.h>

#include "counters.h"

/* One counter per drop reason, in the order of the "drops" attribute set. */
enum vtun_drop {
	VTUN_DROP_TX_NO_SA,
	VTUN_DROP_TX_NO_PROXY_ID,
	VTUN_DROP_TX_SEQ_EXHAUSTED,
	VTUN_DROP_TX_NO_ROUTE,
	VTUN_DROP_TX_TOO_BIG,
	VTUN_DROP_TX_BAD_INNER,
	VTUN_DROP_TX_ERROR,
	VTUN_DROP_RX_MALFORMED,
	VTUN_DROP_RX_AUTH_FAILED,
	VTUN_DROP_RX_REPLAY,
	VTUN_DROP_RX_TOO_OLD,
	VTUN_DROP_RX_BAD_TRAILER,
	VTUN_DROP_RX_SELECTOR_MISMATCH,
	VTUN_DROP_RX_ECN,
	VTUN_DROP_RX_BAD_INNER,
	VTUN_DROP_RX_ERROR,
	VTUN_DROP_RX_NO_SA,
	VTUN_DROP_RX_BAD_OUTER,
	VTUN_DROP_MAX
};

#define VTUN_DROP_FIRST_RX VTUN_DROP_RX_MALFORMED
#define vtun_drop_attr(reason) ((reason) + VTUN_A_DROPS_TX_NO_SA)

union vtun_addr {
	__be32 v4;
	struct in6_addr v6;
};

/* Tunnel parameters; replaced as a whole under RTNL, read under RCU. */
struct vtun_params {
	union vtun_addr local;
	union vtun_addr remote;
	sa_family_t family;	/* AF_UNSPEC until an address is set */
	u32 underlay;
	char zone[VTUN_ZONE_MAX_LEN];
	u8 mode;
	u8 gre;
	u8 copy_tos;
	u8 ttl;
	u8 df;
	u8 encap;
	u16 encap_sport;
	u16 encap_dport;
	u16 keepalive;
	u8 on_demand;		/* carrier on without an SA */
	struct rcu_head rcu;
};

struct vtun_sa;
struct vtun_proxy_ids;
struct vtun_udp_sock;
struct vtun_monitor;

/* ESP in UDP state of a device (udp.c). */
struct vtun_natt {
	struct vtun_udp_sock __rcu *sock;	/* changed under RTNL */
	struct list_head sock_node;	/* the socket's users, under RTNL */
	seqlock_t peer_lock;
	union vtun_addr peer;		/* learned from authenticated packets */
	__be16 peer_port;
	bool peer_learned;
	bool peer_ntf;			/* a change not reported yet */
	unsigned long peer_ntf_stamp;	/* jiffies of the last peer-ntf */
	struct timer_list keepalive;
};

struct vtun_dev {
	struct net_device *dev;
	/* Namespace the device was created in: outer packets live there. */
	struct net *net;
	struct list_head net_list;
	struct vtun_params __rcu *params;
	struct vtun_counters __percpu *drops;
	struct vtun_sa __rcu *tx_sa;	/* newest outbound SA */
	struct list_head sas;		/* all SAs, under RTNL */
	struct vtun_proxy_ids __rcu *proxy_ids;	/* NULL: none */
	unsigned long acquire_stamp;	/* default pair's last acquire */
	struct gro_cells gro_cells;
	struct dst_cache dst_cache;	/* route to the remote gateway */
	struct vtun_natt natt;		/* ESP in UDP */
	struct vtun_monitor __rcu *monitor;	/* tunnel monitor (monitor.c) */
};

#define VTUN_SPI_HASH_BITS 10

/* Per namespace: devices created in it and inbound SAs by SPI. */
struct vtun_net {
	struct list_head devs;
	DECLARE_HASHTABLE(spi_table, VTUN_SPI_HASH_BITS);
	struct list_head udp_socks;	/* ESP in UDP sockets vtun opened */
};

struct vtun_net *vtun_net(struct net *net);

/* Attribute types under which the parameters are reported. */
struct vtun_param_attrs {
	int local, remote, underlay, zone, mode, gre, copy_tos, ttl, df;
	int encap, encap_sport, encap_dport, keepalive, on_demand;
};

extern struct rtnl_link_ops vtun_link_ops;

static inline bool vtun_is_dev(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &vtun_link_ops;
}

void vtun_count_drop(struct vtun_dev *vd, enum vtun_drop reason);
void vtun_read_drops(struct vtun_dev *vd, u64 drops[VTUN_DROP_MAX]);
unsigned int vtun_addr_len(sa_family_t family);
int vtun_put_params(struct sk_buff *skb, const struct vtun_params *p,
		    const struct vtun_param_attrs *a);

int vtun_device_init(void);
void vtun_device_exit(void);

#endif /* _VTUN_DEVICE_H */
