/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_AH_H
#define _VTUN_AH_H

#include <linux/skbuff.h>
#include <net/netlink.h>

#include "esp.h"
#include "sa.h"

/*
 * AH header: 12 bytes, then the ICV padded to 4 (IPv4) or 8 (IPv6, or
 * IPv4 with ah-align8 as Linux XFRM sends by default) bytes.
 */
#define VTUN_AH_FIXED_LEN 12

static inline unsigned int vtun_ah_hlen(const struct vtun_sa *sa,
					sa_family_t family)
{
	unsigned int len = VTUN_AH_FIXED_LEN + sa->icvlen;

	return family == AF_INET6 || sa->ah_align8 ? ALIGN(len, 8) :
						     ALIGN(len, 4);
}

int vtun_ah_init(struct vtun_sa *sa, struct nlattr **tb,
		 struct netlink_ext_ack *extack);
int vtun_ah_prepare(struct sk_buff *skb, struct vtun_sa *sa, u64 seq,
		    u8 nexthdr, sa_family_t family);
int vtun_ah_output(struct sk_buff *skb, struct vtun_sa *sa, u64 seq,
		   vtun_esp_done_t done);
bool vtun_ah_len_ok(struct sk_buff *skb, struct vtun_sa *sa);
int vtun_ah_input(struct sk_buff *skb, struct vtun_sa *sa, u64 seq,
		  vtun_esp_done_t done);

#endif /* _VTUN_AH_H */
