/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_TX_H
#define _VTUN_TX_H

#include <linux/ip.h>
#include <linux/netdevice.h>
#include <net/dsfield.h>

struct vtun_dev;
struct vtun_params;

/* The DS field (DSCP and ECN) of an IPv4 or IPv6 packet's header. */
static inline u8 vtun_ip_dsfield(const struct sk_buff *skb)
{
	return skb->protocol == htons(ETH_P_IP) ?
	       ip_hdr(skb)->tos : ipv6_get_dsfield(ipv6_hdr(skb));
}

netdev_tx_t vtun_xmit(struct sk_buff *skb, struct net_device *dev);
void vtun_xmit_keepalive(struct vtun_dev *vd, const struct vtun_params *p);

#endif /* _VTUN_TX_H */
