/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_UDP_H
#define _VTUN_UDP_H

#include <linux/udp.h>
#include <net/netlink.h>

#include "device.h"

#define VTUN_ENCAP_PORT		4500	/* RFC 3948 */
#define VTUN_KEEPALIVE_DEFAULT	20	/* seconds */

struct vtun_udp_sock;

/*
 * ESP in UDP is on. AH cannot be carried in UDP (RFC 3948 encapsulates
 * ESP only): AH SAs and encap udp exclude each other on a device.
 */
static inline bool vtun_encap_udp(const struct vtun_params *p)
{
	return p->encap == VTUN_ENCAP_UDP;
}

static inline unsigned int vtun_udp_hlen(const struct vtun_params *p)
{
	return vtun_encap_udp(p) ? sizeof(struct udphdr) : 0;
}

/* A socket change prepared by vtun_udp_prepare(), applied or undone. */
struct vtun_udp_change {
	struct vtun_udp_sock *sock;
	bool replace;
};

int vtun_udp_parse(struct vtun_params *p, struct nlattr *data[],
		   struct netlink_ext_ack *extack);
int vtun_udp_prepare(struct vtun_dev *vd, struct vtun_params *p,
		     struct nlattr *data[], struct vtun_udp_change *chg,
		     struct netlink_ext_ack *extack);
void vtun_udp_commit(struct vtun_dev *vd, const struct vtun_params *old,
		     const struct vtun_params *p, struct vtun_udp_change *chg);
void vtun_udp_abort(struct vtun_udp_change *chg);
/* A peer change by sa-set, prepared by vtun_udp_peer_prepare(). */
struct vtun_peer_change {
	struct vtun_params *params;	/* no ESP in UDP: the new remote */
	union vtun_addr addr;		/* ESP in UDP: the peer to use */
	__be16 port;
	bool natt;
};

/* What sa-set asks of the peer. */
struct vtun_peer_req {
	const void *addr;	/* NULL: the current one */
	unsigned int addr_len;
	bool has_port;
	u16 port;
};

int vtun_udp_peer_prepare(struct vtun_dev *vd, const struct vtun_peer_req *r,
			  struct vtun_peer_change *c,
			  struct netlink_ext_ack *extack, bool *port_bad);
void vtun_udp_peer_commit(struct vtun_dev *vd, struct vtun_peer_change *c);
void vtun_udp_setup(struct vtun_dev *vd);
void vtun_udp_uninit(struct vtun_dev *vd);

void vtun_udp_peer(struct vtun_dev *vd, const struct vtun_params *p,
		   union vtun_addr *addr, __be16 *port);
void vtun_udp_learn(struct vtun_sa *sa, const struct sk_buff *skb);
void vtun_udp_push(struct sk_buff *skb, const struct vtun_params *p,
		   __be16 dport);
void vtun_udp_csum6(struct sk_buff *skb);

#endif /* _VTUN_UDP_H */
