/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_ESP_H
#define _VTUN_ESP_H

#include <linux/skbuff.h>
#include <net/netlink.h>

struct vtun_sa;

typedef void (*vtun_esp_done_t)(struct sk_buff *skb, int err);

/* Packet state across asynchronous crypto, in skb->cb. */
struct vtun_esp_cb {
	void *tmp;
	struct vtun_sa *sa;
	vtun_esp_done_t done;
	u64 seq;
	__be32 saved;
	union {
		unsigned int len;	/* transmit: inner length */
		struct {		/* receive: the outer IP header */
			u16 hlen;	/* its length up to the ESP header */
			u16 nhoff;	/* offset of its next header field */
		};
	};
	u8 outer_tos;
	bool udp;		/* arrived in UDP; its header is in front */
};

#define VTUN_ESP_CB(skb) ((struct vtun_esp_cb *)(skb)->cb)

int vtun_esp_init(struct vtun_sa *sa, struct nlattr **tb,
		  struct netlink_ext_ack *extack);
int vtun_esp_prepare(struct sk_buff *skb, struct vtun_sa *sa, u64 seq,
		     u8 nexthdr);
int vtun_esp_encrypt(struct sk_buff *skb, struct vtun_sa *sa, u64 seq,
		     int nfrags, vtun_esp_done_t done);
int vtun_esp_decrypt(struct sk_buff *skb, struct vtun_sa *sa, u64 seq,
		     vtun_esp_done_t done);

#endif /* _VTUN_ESP_H */
