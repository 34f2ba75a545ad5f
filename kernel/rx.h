/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_RX_H
#define _VTUN_RX_H

#include <linux/ip.h>
#include <linux/skbuff.h>
#include <net/dsfield.h>

struct vtun_sa;

/* DSCP and ECN of the IPv4 or IPv6 header at the network header. */
static inline u8 vtun_skb_dsfield(const struct sk_buff *skb)
{
	return skb->protocol == htons(ETH_P_IP) ? ip_hdr(skb)->tos :
						  ipv6_get_dsfield(ipv6_hdr(skb));
}

void vtun_esp_input(struct sk_buff *skb, struct vtun_sa *sa, u8 outer_tos,
		    bool udp);
int vtun_rx_init(void);
void vtun_rx_exit(void);

#endif /* _VTUN_RX_H */
