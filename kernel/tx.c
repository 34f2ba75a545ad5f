// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit: what is routed into the device is protected with the
 * outbound SA and sent to the remote gateway through the underlay.
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <net/dsfield.h>
#include <linux/ip.h>
#include <net/esp.h>
#include <net/gre.h>
#include <net/icmp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ip6_tunnel.h>
#include <net/route.h>

#include "ah.h"
#include "device.h"
#include "esp.h"
#include "sa.h"
#include "tx.h"
#include "udp.h"

/* Outer header fields decided before the inner header is encrypted. */
struct vtun_outer {
	struct dst_entry *dst;
	union vtun_addr saddr;
	union vtun_addr daddr;
	__be16 dport;		/* ESP in UDP */
	u8 proto;
	u8 tos;
	u8 ttl;
	bool df;
	/* Transport mode: the packet's own IP header, put back after ESP. */
	u8 hlen;
	u8 hdr[MAX_IPOPTLEN + sizeof(struct iphdr)];
};

static struct dst_entry *vtun_route4(struct vtun_dev *vd,
				     const struct vtun_params *p,
				     struct vtun_outer *o)
{
	struct flowi4 fl4 = {
		.daddr = o->daddr.v4,
		.saddr = p->local.v4,
		.flowi4_oif = p->underlay,
		.flowi4_proto = IPPROTO_ESP,
	};
	struct rtable *rt;

	rt = dst_cache_get_ip4(&vd->dst_cache, &o->saddr.v4);
	if (rt)
		return &rt->dst;
	rt = ip_route_output_key(vd->net, &fl4);
	if (IS_ERR(rt))
		return NULL;
	o->saddr.v4 = fl4.saddr;
	dst_cache_set_ip4(&vd->dst_cache, &rt->dst, fl4.saddr);
	return &rt->dst;
}

static struct dst_entry *vtun_route6(struct vtun_dev *vd,
				     const struct vtun_params *p,
				     struct vtun_outer *o)
{
	struct flowi6 fl6 = {
		.daddr = o->daddr.v6,
		.flowi6_oif = p->underlay,
		.flowi6_proto = IPPROTO_ESP,
	};
	struct dst_entry *dst;

	/*
	 * With an underlay, no source address makes the lookup strict about
	 * the device, as IPv4's is: routes through vtun itself never match.
	 */
	if (!p->underlay)
		fl6.saddr = p->local.v6;
	dst = dst_cache_get_ip6(&vd->dst_cache, &o->saddr.v6);
	if (dst)
		return dst;
	dst = ip6_dst_lookup_flow(vd->net, NULL, &fl6, NULL);
	if (IS_ERR(dst))
		return NULL;
	if (p->underlay && !ipv6_addr_any(&p->local.v6))
		fl6.saddr = p->local.v6;
	o->saddr.v6 = fl6.saddr;
	dst_cache_set_ip6(&vd->dst_cache, dst, &fl6.saddr);
	return dst;
}

/* A route through the device itself would loop. */
static bool vtun_route(struct vtun_dev *vd, const struct vtun_params *p,
		       struct vtun_outer *o)
{
	vtun_udp_peer(vd, p, &o->daddr, &o->dport);
	o->proto = vtun_encap_udp(p) ? IPPROTO_UDP : IPPROTO_ESP;
	if (p->family == AF_INET)
		o->dst = vtun_route4(vd, p, o);
	else if (p->family == AF_INET6)
		o->dst = vtun_route6(vd, p, o);
	else
		o->dst = NULL;
	if (o->dst && o->dst->dev == vd->dev) {
		dst_release(o->dst);
		o->dst = NULL;
	}
	return o->dst;
}

static unsigned int vtun_outer_hlen(const struct vtun_params *p)
{
	return p->family == AF_INET6 ? sizeof(struct ipv6hdr) :
				       sizeof(struct iphdr);
}

/* Headers in front of the IPsec header that the inner packet does not have. */
static unsigned int vtun_encap_hlen(const struct vtun_params *p)
{
	if (p->mode == VTUN_MODE_TUNNEL)
		return vtun_outer_hlen(p) + vtun_udp_hlen(p);
	if (p->gre)
		return vtun_outer_hlen(p) + sizeof(struct gre_base_hdr);
	return 0;
}

/* Largest inner packet whose IPsec encapsulation fits the path MTU. */
static int vtun_inner_mtu(const struct vtun_params *p, struct vtun_sa *sa,
			  unsigned int path_mtu)
{
	int room = path_mtu - vtun_encap_hlen(p);

	if (sa->proto == VTUN_PROTO_AH)
		return room - vtun_ah_hlen(sa, p->family);
	room -= sizeof(struct ip_esp_hdr) + sa->ivlen + sa->icvlen;
	return round_down(room, sa->blocksize) - 2;
}

/* Room for the IPsec header in front of the inner packet. */
static unsigned int vtun_ipsec_hlen(const struct vtun_params *p,
				    struct vtun_sa *sa)
{
	if (sa->proto == VTUN_PROTO_AH)
		return vtun_ah_hlen(sa, p->family);
	/* ESN: the high bits go in front of the ESP header while encrypting. */
	return sizeof(struct ip_esp_hdr) + sa->ivlen + 4;
}

static bool vtun_transport(const struct vtun_params *p)
{
	return p->mode == VTUN_MODE_TRANSPORT && !p->gre;
}

static void vtun_decide_outer(struct sk_buff *skb, const struct vtun_params *p,
			      struct vtun_outer *o)
{
	u8 inner_tos = vtun_ip_dsfield(skb);

	o->tos = INET_ECN_encapsulate(p->copy_tos ? inner_tos : 0, inner_tos);
	o->ttl = p->ttl;
	/* Transport mode sends the packet's own header, DF bit included. */
	switch (vtun_transport(p) ? VTUN_DF_INHERIT : p->df) {
	case VTUN_DF_SET:
		o->df = true;
		break;
	case VTUN_DF_CLEAR:
		o->df = false;
		break;
	default:
		o->df = skb->protocol != htons(ETH_P_IP) ||
			(ip_hdr(skb)->frag_off & htons(IP_DF));
	}
}

/*
 * Inner packets too big for the path are refused with an ICMP error
 * carrying the inner MTU, so that senders adapt instead of fragmenting.
 * Those that may be fragmented are sent, the outer packet fragmented,
 * as long as it stays within the largest IP packet.
 */
static bool vtun_too_big(struct sk_buff *skb, const struct vtun_params *p,
			 struct vtun_sa *sa, struct vtun_outer *o)
{
	int max = vtun_inner_mtu(p, sa, IP_MAX_MTU);
	int mtu = min(vtun_inner_mtu(p, sa, dst_mtu(o->dst)), max);

	if (skb->len <= mtu)
		return false;
	if (skb->protocol == htons(ETH_P_IP)) {
		if (!o->df && skb->len <= max)
			return false;
		mtu = max(mtu, IPV4_MIN_MTU);
		skb_dst_update_pmtu_no_confirm(skb, mtu);
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
			      htonl(mtu));
		return true;
	}
	if (mtu < IPV6_MIN_MTU && skb->len <= max) {
		/* IPv6 cannot go lower: fragment the outer packet instead. */
		o->df = false;
		return false;
	}
	mtu = max(mtu, IPV6_MIN_MTU);
	skb_dst_update_pmtu_no_confirm(skb, mtu);
	icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
	return true;
}

static void vtun_push_outer4(struct sk_buff *skb, struct vtun_outer *o)
{
	struct iphdr *iph = skb_push(skb, sizeof(*iph));

	skb_reset_network_header(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) >> 2;
	iph->tos = o->tos;
	iph->frag_off = o->df ? htons(IP_DF) : 0;
	iph->ttl = o->ttl ?: ip4_dst_hoplimit(skb_dst(skb));
	iph->protocol = o->proto;
	iph->saddr = o->saddr.v4;
	iph->daddr = o->daddr.v4;
	iph->tot_len = htons(skb->len);
	skb->protocol = htons(ETH_P_IP);
	/* Before the ICV: AH authenticates the identification. */
	ip_select_ident(dev_net(skb_dst(skb)->dev), skb, NULL);
}

static void vtun_push_outer6(struct sk_buff *skb, struct vtun_outer *o)
{
	struct ipv6hdr *ip6h = skb_push(skb, sizeof(*ip6h));

	skb_reset_network_header(skb);
	ip6_flow_hdr(ip6h, o->tos, 0);
	ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
	ip6h->nexthdr = o->proto;
	ip6h->hop_limit = o->ttl ?: ip6_dst_hoplimit(skb_dst(skb));
	ip6h->saddr = o->saddr.v6;
	ip6h->daddr = o->daddr.v6;
	skb->protocol = htons(ETH_P_IPV6);
}

static int vtun_local_out(struct net *net, struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
		return ip_local_out(net, NULL, skb);
	}
	vtun_udp_csum6(skb);
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	return ip6_local_out(net, NULL, skb);
}

/* Encryption is done (or failed): hand the packet to the underlay. */
static void vtun_tx_output(struct sk_buff *skb, int err)
{
	struct vtun_esp_cb *cb = VTUN_ESP_CB(skb);
	struct vtun_sa *sa = cb->sa;
	struct vtun_dev *vd = sa->vd;
	unsigned int len = cb->len;

	if (unlikely(err)) {
		vtun_count_drop(vd, VTUN_DROP_TX_ERROR);
		kfree_skb(skb);
		goto out;
	}
	vtun_sa_count(sa, VTUN_SA_PACKETS, 1);
	vtun_sa_count(sa, VTUN_SA_BYTES, len);
	err = vtun_local_out(vd->net, skb);
	if (likely(net_xmit_eval(err) == 0))
		dev_sw_netstats_tx_add(vd->dev, 1, len);
	else
		vtun_count_drop(vd, VTUN_DROP_TX_ERROR);	/* the underlay refused it */
out:
	vtun_sa_put(sa);
}

static void vtun_push_gre(struct sk_buff *skb)
{
	struct gre_base_hdr *greh = skb_push(skb, sizeof(*greh));

	greh->flags = 0;
	greh->protocol = skb->protocol;
}

/*
 * Transport mode: take the packet's own IP header off, to be put back in
 * front of the ESP header. Returns the protocol it announced.
 */
static u8 vtun_transport_pull(struct sk_buff *skb, struct vtun_outer *o)
{
	u8 nexthdr;

	if (skb->protocol == htons(ETH_P_IP)) {
		o->hlen = ip_hdrlen(skb);
		nexthdr = ip_hdr(skb)->protocol;
	} else {
		o->hlen = sizeof(struct ipv6hdr);
		nexthdr = ipv6_hdr(skb)->nexthdr;
	}
	memcpy(o->hdr, skb->data, o->hlen);
	__skb_pull(skb, o->hlen);
	return nexthdr;
}

static void vtun_transport_push(struct sk_buff *skb, struct vtun_outer *o)
{
	memcpy(skb_push(skb, o->hlen), o->hdr, o->hlen);
	skb_reset_network_header(skb);
	if (skb->protocol == htons(ETH_P_IP)) {
		ip_hdr(skb)->protocol = o->proto;
		ip_hdr(skb)->tot_len = htons(skb->len);
	} else {
		ipv6_hdr(skb)->nexthdr = o->proto;
		ipv6_hdr(skb)->payload_len = htons(skb->len -
						   sizeof(struct ipv6hdr));
	}
}

/* What ESP protects, by mode; returns the ESP next header. */
static u8 vtun_encap_payload(struct sk_buff *skb, const struct vtun_params *p,
			     struct vtun_outer *o)
{
	if (vtun_transport(p))
		return vtun_transport_pull(skb, o);
	if (p->gre) {
		vtun_push_gre(skb);
		return IPPROTO_GRE;
	}
	return skb->protocol == htons(ETH_P_IP) ? IPPROTO_IPIP : IPPROTO_IPV6;
}

static void vtun_push_outer(struct sk_buff *skb, const struct vtun_params *p,
			    struct vtun_outer *o)
{
	if (o->hlen) {
		vtun_transport_push(skb, o);
		return;
	}
	if (vtun_encap_udp(p))
		vtun_udp_push(skb, p, o->dport);
	if (p->family == AF_INET)
		vtun_push_outer4(skb, o);
	else
		vtun_push_outer6(skb, o);
}

/* The next outbound sequence number; none past the last: never a wrap. */
static bool vtun_seq_next(struct vtun_sa *sa, u64 *seq)
{
	u64 last = sa->esn ? U64_MAX : U32_MAX;
	s64 old = atomic64_read(&sa->seq);

	do {
		if ((u64)old >= last)
			return false;
	} while (!atomic64_try_cmpxchg(&sa->seq, &old, old + 1));
	*seq = (u64)old + 1;
	return true;
}

/*
 * Protect and send @skb: 0 once the packet (and the SA reference) is on
 * its way, or a negative errno with the reason to count it under; the
 * caller then still owns both.
 */
static int vtun_encap(struct sk_buff *skb, struct vtun_dev *vd,
		      const struct vtun_params *p, struct vtun_sa *sa,
		      struct vtun_outer *o, enum vtun_drop *reason)
{
	bool ah = sa->proto == VTUN_PROTO_AH;
	unsigned int len = skb->len;
	int nfrags, err;
	u8 nexthdr;
	u64 seq;

	if (unlikely(!vtun_seq_next(sa, &seq))) {
		*reason = VTUN_DROP_TX_SEQ_EXHAUSTED;
		return -ENOSPC;
	}

	skb_scrub_packet(skb, !net_eq(vd->net, dev_net(vd->dev)));
	/*
	 * Scrubbing cleared it: without DF the outer packet may be
	 * fragmented, which IPv6 (ip6_fragment()) only does when told.
	 */
	skb->ignore_df = !o->df;
	skb_dst_set(skb, o->dst);
	o->dst = NULL;
	*reason = VTUN_DROP_TX_ERROR;
	if (skb_cow_head(skb, LL_RESERVED_SPACE(skb_dst(skb)->dev) +
			 vtun_encap_hlen(p) + vtun_ipsec_hlen(p, sa)))
		return -ENOMEM;
	nexthdr = vtun_encap_payload(skb, p, o);
	nfrags = ah ? vtun_ah_prepare(skb, sa, seq, nexthdr, p->family) :
		      vtun_esp_prepare(skb, sa, seq, nexthdr);
	if (nfrags < 0)
		return nfrags;
	if (ah)
		o->proto = IPPROTO_AH;
	vtun_push_outer(skb, p, o);

	VTUN_ESP_CB(skb)->len = len;
	err = ah ? vtun_ah_output(skb, sa, seq, vtun_tx_output) :
		   vtun_esp_encrypt(skb, sa, seq, nfrags, vtun_tx_output);
	if (err != -EINPROGRESS)
		vtun_tx_output(skb, err);
	return 0;
}

/* Transport mode without GRE protects traffic between the gateways only. */
static bool vtun_transport_valid(struct sk_buff *skb,
				 const struct vtun_params *p)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);

		return p->family == AF_INET && iph->daddr == p->remote.v4 &&
		       (!p->local.v4 || iph->saddr == p->local.v4) &&
		       pskb_network_may_pull(skb, ip_hdrlen(skb));
	}
	return p->family == AF_INET6 &&
	       ipv6_addr_equal(&ipv6_hdr(skb)->daddr, &p->remote.v6) &&
	       (ipv6_addr_any(&p->local.v6) ||
		ipv6_addr_equal(&ipv6_hdr(skb)->saddr, &p->local.v6));
}

static bool vtun_inner_valid(struct sk_buff *skb, const struct vtun_params *p)
{
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		if (!pskb_network_may_pull(skb, sizeof(struct iphdr)) ||
		    ip_hdr(skb)->version != 4 || ip_hdr(skb)->ihl < 5)
			return false;
		break;
	case htons(ETH_P_IPV6):
		if (!pskb_network_may_pull(skb, sizeof(struct ipv6hdr)) ||
		    ipv6_hdr(skb)->version != 6)
			return false;
		break;
	default:
		return false;
	}
	if (vtun_transport(p))
		return vtun_transport_valid(skb, p);
	return true;
}

/*
 * Transport mode protects whole datagrams (RFC 4303 3.3.4): an IPv4
 * datagram the stack fragmented to the device MTU is put back together
 * here, and its ESP packet is fragmented after encryption, as XFRM does.
 * Returns 0 when @skb is the whole datagram, -EINPROGRESS when it was
 * kept for reassembly, another errno when the stack dropped it.
 */
static int vtun_transport_defrag(struct sk_buff *skb,
				 const struct vtun_params *p)
{
	if (!vtun_transport(p) || skb->protocol != htons(ETH_P_IP) ||
	    !ip_is_fragment(ip_hdr(skb)))
		return 0;
	/*
	 * Local delivery never sees these: their source is this host and
	 * their destination the remote gateway.
	 */
	return ip_defrag(dev_net(skb->dev), skb, IP_DEFRAG_LOCAL_DELIVER);
}

netdev_tx_t vtun_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct vtun_dev *vd = netdev_priv(dev);
	struct vtun_outer o = { };
	const struct vtun_params *p;
	struct vtun_sa *sa = NULL;
	enum vtun_drop reason;
	int err;

	rcu_read_lock_bh();
	p = rcu_dereference_bh(vd->params);
	reason = VTUN_DROP_TX_BAD_INNER;
	if (!vtun_inner_valid(skb, p))
		goto drop;
	err = vtun_transport_defrag(skb, p);
	if (err) {
		/* Kept, or freed by the stack (and counted here). */
		if (err != -EINPROGRESS)
			vtun_count_drop(vd, VTUN_DROP_TX_BAD_INNER);
		rcu_read_unlock_bh();
		return NETDEV_TX_OK;
	}
	sa = vtun_select_out(vd, skb, &reason);
	if (!sa)
		goto drop;
	reason = VTUN_DROP_TX_NO_ROUTE;
	if (!vtun_route(vd, p, &o))
		goto drop;
	vtun_decide_outer(skb, p, &o);
	reason = VTUN_DROP_TX_TOO_BIG;
	if (vtun_too_big(skb, p, sa, &o))
		goto drop;
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)) {
		reason = VTUN_DROP_TX_ERROR;
		goto drop;
	}
	/* Once sent, the SA reference travels with the packet. */
	if (!vtun_encap(skb, vd, p, sa, &o, &reason)) {
		rcu_read_unlock_bh();
		return NETDEV_TX_OK;
	}
drop:
	rcu_read_unlock_bh();
	dst_release(o.dst);
	if (sa)
		vtun_sa_put(sa);
	vtun_count_drop(vd, reason);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

/* A NAT keepalive (RFC 3948 2.3): one 0xFF byte to the peer's UDP port. */
void vtun_xmit_keepalive(struct vtun_dev *vd, const struct vtun_params *p)
{
	unsigned int hroom = sizeof(struct ipv6hdr) + sizeof(struct udphdr);
	struct vtun_outer o = { };
	struct sk_buff *skb;

	if (!vtun_route(vd, p, &o))
		return;
	hroom += LL_RESERVED_SPACE(o.dst->dev);
	skb = alloc_skb(hroom + 1, GFP_ATOMIC);
	if (!skb) {
		dst_release(o.dst);
		return;
	}
	skb_reserve(skb, hroom);
	skb_put_u8(skb, 0xff);
	skb_dst_set(skb, o.dst);
	vtun_udp_push(skb, p, o.dport);
	o.ttl = p->ttl;
	if (p->family == AF_INET)
		vtun_push_outer4(skb, &o);
	else
		vtun_push_outer6(skb, &o);
	vtun_local_out(vd->net, skb);
}
