// SPDX-License-Identifier: GPL-2.0
/*
 * Receive: ESP and AH for SPIs vtun owns are taken off the XFRM protocol
 * chain, checked against replay, decrypted or verified, and delivered on
 * the device. ESP and AH for any other SPI go on to the next handler (the
 * stack's own XFRM) untouched.
 */

#include <linux/icmp.h>
#include <net/dsfield.h>
#include <linux/ip.h>
#include <linux/if_tunnel.h>
#include <net/esp.h>
#include <net/gre.h>
#include <net/icmp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/xfrm.h>

#include "ah.h"
#include "device.h"
#include "esp.h"
#include "monitor.h"
#include "rx.h"
#include "sa.h"
#include "udp.h"

/* Above the stack's own ESP (0) and xfrm interfaces (10). */
#define VTUN_XFRM_PRIORITY 50

static enum vtun_drop vtun_replay_drop(struct vtun_sa *sa,
				       enum vtun_replay_verdict v)
{
	if (v == VTUN_REPLAY_OLD) {
		vtun_sa_count(sa, VTUN_SA_TOO_OLD, 1);
		return VTUN_DROP_RX_TOO_OLD;
	}
	if (v == VTUN_REPLAY_DUP) {
		vtun_sa_count(sa, VTUN_SA_REPLAY, 1);
		return VTUN_DROP_RX_REPLAY;
	}
	return VTUN_DROP_RX_MALFORMED;
}

static enum vtun_drop vtun_decrypt_drop(struct vtun_sa *sa, int err)
{
	switch (err) {
	case -EBADMSG:
		vtun_sa_count(sa, VTUN_SA_AUTH_FAILED, 1);
		return VTUN_DROP_RX_AUTH_FAILED;
	case -EPROTO:
		vtun_sa_count(sa, VTUN_SA_BAD_TRAILER, 1);
		return VTUN_DROP_RX_BAD_TRAILER;
	case -EINVAL:
		return VTUN_DROP_RX_MALFORMED;
	}
	return VTUN_DROP_RX_ERROR;
}

static bool vtun_inner_rx4(struct sk_buff *skb)
{
	const struct iphdr *iph;

	if (!pskb_may_pull(skb, sizeof(*iph)))
		return false;
	iph = ip_hdr(skb);
	if (iph->version != 4 || iph->ihl < 5 ||
	    ntohs(iph->tot_len) > skb->len ||
	    ntohs(iph->tot_len) < iph->ihl * 4)
		return false;
	skb->protocol = htons(ETH_P_IP);
	return !pskb_trim(skb, ntohs(iph->tot_len));
}

static bool vtun_inner_rx6(struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h;

	if (!pskb_may_pull(skb, sizeof(*ip6h)))
		return false;
	ip6h = ipv6_hdr(skb);
	if (ip6h->version != 6 ||
	    ntohs(ip6h->payload_len) + sizeof(*ip6h) > skb->len)
		return false;
	skb->protocol = htons(ETH_P_IPV6);
	return !pskb_trim(skb, ntohs(ip6h->payload_len) + sizeof(*ip6h));
}

/*
 * The inner packet announced by @nexthdr must be a whole IP packet.
 * Receive steps return true to go on, or false with the drop reason set.
 */
static bool vtun_inner_rx(struct sk_buff *skb, int nexthdr,
			  enum vtun_drop *reason)
{
	bool ok;

	skb_reset_network_header(skb);
	if (nexthdr == IPPROTO_IPIP) {
		ok = vtun_inner_rx4(skb);
	} else if (nexthdr == IPPROTO_IPV6) {
		ok = vtun_inner_rx6(skb);
	} else {
		*reason = VTUN_DROP_RX_BAD_INNER;
		return false;
	}
	if (!ok)
		*reason = VTUN_DROP_RX_MALFORMED;
	return ok;
}

/* GRE (RFC 2784/2890) as Linux sends it: no key, no routing. */
static bool vtun_gre_rx(struct sk_buff *skb, enum vtun_drop *reason)
{
	const struct gre_base_hdr *greh;
	unsigned int hlen = sizeof(*greh);
	__be16 proto;

	*reason = VTUN_DROP_RX_MALFORMED;
	if (!pskb_may_pull(skb, hlen))
		return false;
	greh = (const struct gre_base_hdr *)skb->data;
	if (greh->flags & (GRE_VERSION | GRE_ROUTING | GRE_KEY)) {
		*reason = VTUN_DROP_RX_BAD_INNER;
		return false;
	}
	if (greh->flags & GRE_CSUM) {
		if (csum_fold(skb_checksum(skb, 0, skb->len, 0)))
			return false;
		hlen += 4;
	}
	if (greh->flags & GRE_SEQ)
		hlen += 4;
	proto = greh->protocol;
	if (!pskb_may_pull(skb, hlen))
		return false;
	__skb_pull(skb, hlen);
	if (proto == htons(ETH_P_IP))
		return vtun_inner_rx(skb, IPPROTO_IPIP, reason);
	if (proto == htons(ETH_P_IPV6))
		return vtun_inner_rx(skb, IPPROTO_IPV6, reason);
	*reason = VTUN_DROP_RX_BAD_INNER;
	return false;
}

/*
 * Transport mode: the payload follows the received IP header again, which
 * now announces it, as XFRM's transport input does.
 */
static void vtun_transport_rx(struct sk_buff *skb, int nexthdr)
{
	struct vtun_esp_cb *cb = VTUN_ESP_CB(skb);
	unsigned int hlen = cb->hlen;

	memmove(skb->data - hlen, skb_network_header(skb), hlen);
	__skb_push(skb, hlen);
	skb_reset_network_header(skb);
	skb_network_header(skb)[cb->nhoff] = nexthdr;
	if (ip_hdr(skb)->version == 4) {
		ip_hdr(skb)->tot_len = htons(skb->len);
		ip_send_check(ip_hdr(skb));
		skb->protocol = htons(ETH_P_IP);
	} else {
		ipv6_hdr(skb)->payload_len = htons(skb->len -
						   sizeof(struct ipv6hdr));
		skb->protocol = htons(ETH_P_IPV6);
	}
}

/* What the decrypted payload must be depends on the tunnel's mode. */
static bool vtun_payload_rx(struct sk_buff *skb, struct vtun_dev *vd,
			    int nexthdr, enum vtun_drop *reason)
{
	const struct vtun_params *p;
	u8 mode, gre;

	rcu_read_lock();
	p = rcu_dereference(vd->params);
	mode = p->mode;
	gre = p->gre;
	rcu_read_unlock();
	if (mode == VTUN_MODE_TUNNEL)
		return vtun_inner_rx(skb, nexthdr, reason);
	if (!gre) {
		vtun_transport_rx(skb, nexthdr);
		return true;
	}
	if (nexthdr != IPPROTO_GRE) {
		*reason = VTUN_DROP_RX_BAD_INNER;
		return false;
	}
	return vtun_gre_rx(skb, reason);
}

static void vtun_deliver(struct sk_buff *skb, struct vtun_dev *vd)
{
	unsigned int len = skb->len;

	skb_scrub_packet(skb, !net_eq(vd->net, dev_net(vd->dev)));
	skb->dev = vd->dev;
	skb->pkt_type = PACKET_HOST;
	skb_reset_mac_header(skb);
	skb_reset_transport_header(skb);
	dev_sw_netstats_rx_add(vd->dev, len);
	gro_cells_receive(&vd->gro_cells, skb);
}

/* Decryption is done: authenticate the sequence number, then deliver. */
static void vtun_rx_done(struct sk_buff *skb, int nexthdr)
{
	struct vtun_esp_cb *cb = VTUN_ESP_CB(skb);
	struct vtun_sa *sa = cb->sa;
	struct vtun_dev *vd = sa->vd;
	enum vtun_replay_verdict v;
	enum vtun_drop reason;
	u8 outer_tos = cb->outer_tos;
	bool newest;

	if (nexthdr < 0) {
		reason = vtun_decrypt_drop(sa, nexthdr);
		goto drop;
	}
	spin_lock_bh(&sa->replay_lock);
	newest = cb->seq > sa->replay.top;
	v = vtun_replay_advance(&sa->replay, cb->seq);
	spin_unlock_bh(&sa->replay_lock);
	if (v != VTUN_REPLAY_OK) {
		reason = vtun_replay_drop(sa, v);
		goto drop;
	}
	/* Only the newest authenticated packet may move the peer. */
	if (cb->udp && newest)
		vtun_udp_learn(sa, skb);
	if (!vtun_payload_rx(skb, vd, nexthdr, &reason))
		goto drop;
	reason = VTUN_DROP_RX_SELECTOR_MISMATCH;
	if (!vtun_select_in(sa, skb))
		goto drop;
	/* RFC 6040: CE on the outer header of a not-ECT packet drops it. */
	reason = VTUN_DROP_RX_ECN;
	if (INET_ECN_decapsulate(skb, outer_tos, vtun_skb_dsfield(skb)) > 1)
		goto drop;
	vtun_sa_count(sa, VTUN_SA_PACKETS, 1);
	vtun_sa_count(sa, VTUN_SA_BYTES, skb->len);
	if (!vtun_monitor_rx(vd, skb))
		vtun_deliver(skb, vd);
	vtun_sa_put(sa);
	return;
drop:
	vtun_count_drop(vd, reason);
	kfree_skb(skb);
	vtun_sa_put(sa);
}

/* How ESP and AH differ on receive. */
struct vtun_rx_proto {
	u8 proto;		/* VTUN_PROTO_* */
	u8 ipproto;
	u8 hdrlen;		/* fixed part of the header */
	u8 spi_off;		/* offset of the SPI; the sequence number follows */
	bool (*len_ok)(struct sk_buff *skb, struct vtun_sa *sa);
	int (*input)(struct sk_buff *skb, struct vtun_sa *sa, u64 seq,
		     vtun_esp_done_t done);
};

/* Too short to hold IV, trailer and ICV: no window lookup for it. */
static bool vtun_esp_len_ok(struct sk_buff *skb, struct vtun_sa *sa)
{
	return skb->len >= sizeof(struct ip_esp_hdr) + sa->ivlen + 2 +
			   sa->icvlen;
}

static const struct vtun_rx_proto vtun_rx_esp = {
	.proto = VTUN_PROTO_ESP,
	.ipproto = IPPROTO_ESP,
	.hdrlen = sizeof(struct ip_esp_hdr),
	.spi_off = offsetof(struct ip_esp_hdr, spi),
	.len_ok = vtun_esp_len_ok,
	.input = vtun_esp_decrypt,
};

static const struct vtun_rx_proto vtun_rx_ah = {
	.proto = VTUN_PROTO_AH,
	.ipproto = IPPROTO_AH,
	.hdrlen = VTUN_AH_FIXED_LEN,
	.spi_off = offsetof(struct ip_auth_hdr, spi),
	.len_ok = vtun_ah_len_ok,
	.input = vtun_ah_input,
};

static __be32 vtun_rx_spi(const u8 *hdr, const struct vtun_rx_proto *rp)
{
	return *(const __be32 *)(hdr + rp->spi_off);
}

/* Offset of the next header field that announced the ESP or AH header. */
static u16 vtun_outer_nhoff(struct sk_buff *skb)
{
	if (ip_hdr(skb)->version == 4)
		return offsetof(struct iphdr, protocol);
	return IP6CB(skb)->nhoff;
}

/*
 * The outer addresses must be the gateways' (an unset one is any), as
 * XFRM's state lookup checks the destination and its inbound policy the
 * source: ESP does not cover the outer header, and in transport mode it
 * is the header delivered. With ESP in UDP the source is wherever the
 * peer is now (a NAT translates it, and authenticated packets move the
 * peer), so only the destination is checked.
 */
static bool vtun_outer_ok(const struct sk_buff *skb,
			  const struct vtun_params *p)
{
	bool udp = vtun_encap_udp(p);

	if (p->family == AF_UNSPEC)
		return true;
	if (ip_hdr(skb)->version == 4) {
		const struct iphdr *iph = ip_hdr(skb);

		return p->family == AF_INET &&
		       (!p->local.v4 || iph->daddr == p->local.v4) &&
		       (udp || !p->remote.v4 || iph->saddr == p->remote.v4);
	}
	return p->family == AF_INET6 &&
	       (ipv6_addr_any(&p->local.v6) ||
		ipv6_addr_equal(&ipv6_hdr(skb)->daddr, &p->local.v6)) &&
	       (udp || ipv6_addr_any(&p->remote.v6) ||
		ipv6_addr_equal(&ipv6_hdr(skb)->saddr, &p->remote.v6));
}

/*
 * What is checked before the replay window is looked at: a length that
 * fits the SA's transform, ESP in UDP exactly when the device is
 * configured for it, the outer addresses.
 */
static bool vtun_rx_precheck(struct sk_buff *skb, struct vtun_sa *sa,
			     bool udp, const struct vtun_rx_proto *rp,
			     enum vtun_drop *reason)
{
	const struct vtun_params *p = rcu_dereference(sa->vd->params);

	*reason = VTUN_DROP_RX_MALFORMED;
	if (!rp->len_ok(skb, sa) || udp != vtun_encap_udp(p))
		return false;
	*reason = VTUN_DROP_RX_BAD_OUTER;
	return vtun_outer_ok(skb, p);
}

/*
 * ESP or AH for one of our inbound SAs, with skb->data at its header.
 * Consumes the packet and the SA reference.
 */
static void vtun_ipsec_input(struct sk_buff *skb, struct vtun_sa *sa,
			     u8 outer_tos, bool udp,
			     const struct vtun_rx_proto *rp)
{
	/* IP6CB() shares skb->cb with vtun's state: read it first. */
	u16 nhoff = vtun_outer_nhoff(skb);
	u16 hlen = skb->data - skb_network_header(skb);
	struct vtun_esp_cb *cb = VTUN_ESP_CB(skb);
	enum vtun_replay_verdict v;
	enum vtun_drop reason;
	__be32 seq_low;
	int err;
	u64 seq;

	BUILD_BUG_ON(sizeof(struct vtun_esp_cb) > sizeof_field(struct sk_buff, cb));
	if (!vtun_rx_precheck(skb, sa, udp, rp, &reason))
		goto drop;
	seq_low = *(__be32 *)(skb->data + rp->spi_off + 4);
	v = vtun_replay_check(&sa->replay, ntohl(seq_low), &seq);
	if (v != VTUN_REPLAY_OK) {
		reason = vtun_replay_drop(sa, v);
		goto drop;
	}
	cb->seq = seq;
	cb->outer_tos = outer_tos;
	cb->hlen = hlen;
	cb->nhoff = nhoff;
	cb->udp = udp;
	err = rp->input(skb, sa, seq, vtun_rx_done);
	if (err != -EINPROGRESS)
		vtun_rx_done(skb, err);
	return;
drop:
	vtun_count_drop(sa->vd, reason);
	kfree_skb(skb);
	vtun_sa_put(sa);
}

/* ESP, plain or from ESP in UDP. */
void vtun_esp_input(struct sk_buff *skb, struct vtun_sa *sa, u8 outer_tos,
		    bool udp)
{
	vtun_ipsec_input(skb, sa, outer_tos, udp, &vtun_rx_esp);
}

/* Called with skb->data at the ESP or AH header. Returns -EINVAL if not ours. */
static int vtun_ipsec_rcv(struct sk_buff *skb, const struct vtun_rx_proto *rp)
{
	struct vtun_sa *sa;

	if (!pskb_may_pull(skb, rp->hdrlen))
		return -EINVAL;
	sa = vtun_sa_lookup_in(dev_net(skb->dev), vtun_rx_spi(skb->data, rp),
			       rp->proto);
	if (!sa)
		return -EINVAL;
	vtun_ipsec_input(skb, sa, vtun_skb_dsfield(skb), false, rp);
	return 0;
}

/* The IPv4 and IPv6 handlers: the outer header is at the network header. */
static int vtun_esp_rcv(struct sk_buff *skb)
{
	return vtun_ipsec_rcv(skb, &vtun_rx_esp);
}

static int vtun_ah_rcv(struct sk_buff *skb)
{
	return vtun_ipsec_rcv(skb, &vtun_rx_ah);
}

/* Packets XFRM resumes after its own processing are never ours. */
static int vtun_xfrm_input(struct sk_buff *skb, int nexthdr, __be32 spi,
			   int encap_type)
{
	return -EINVAL;
}

static int vtun_xfrm_cb(struct sk_buff *skb, int err)
{
	return 1;
}

/* An ICMP error quotes a packet we sent, to the remote gateway. */
static bool vtun_owns_err(struct net *net, sa_family_t family,
			  const void *daddr, const u8 *hdr,
			  const struct vtun_rx_proto *rp)
{
	bool ours;

	rcu_read_lock();
	ours = vtun_sa_sent_to(net, vtun_rx_spi(hdr, rp), rp->proto, family,
			       daddr);
	rcu_read_unlock();
	return ours;
}

/* ICMP errors about our outer packets update the underlay PMTU. */
static int vtun_ipsec4_err(struct sk_buff *skb, u32 info,
			   const struct vtun_rx_proto *rp)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	struct net *net = dev_net(skb->dev);

	if (!vtun_owns_err(net, AF_INET, &iph->daddr,
			   skb->data + (iph->ihl << 2), rp))
		return -ENOENT;
	if (icmp_hdr(skb)->type == ICMP_DEST_UNREACH &&
	    icmp_hdr(skb)->code == ICMP_FRAG_NEEDED)
		ipv4_update_pmtu(skb, net, info, 0, rp->ipproto);
	else if (icmp_hdr(skb)->type == ICMP_REDIRECT)
		ipv4_redirect(skb, net, 0, rp->ipproto);
	return 0;
}

static int vtun_ipsec6_err(struct sk_buff *skb, u8 type, int offset,
			   __be32 info, const struct vtun_rx_proto *rp)
{
	const struct ipv6hdr *ip6h = (const struct ipv6hdr *)skb->data;
	struct net *net = dev_net(skb->dev);

	if (!vtun_owns_err(net, AF_INET6, &ip6h->daddr, skb->data + offset, rp))
		return -ENOENT;
	if (type == ICMPV6_PKT_TOOBIG)
		ip6_update_pmtu(skb, net, info, 0, 0, sock_net_uid(net, NULL));
	else if (type == NDISC_REDIRECT)
		ip6_redirect(skb, net, 0, 0, sock_net_uid(net, NULL));
	return 0;
}

static int vtun_esp4_err(struct sk_buff *skb, u32 info)
{
	return vtun_ipsec4_err(skb, info, &vtun_rx_esp);
}

static int vtun_ah4_err(struct sk_buff *skb, u32 info)
{
	return vtun_ipsec4_err(skb, info, &vtun_rx_ah);
}

static int vtun_esp6_err(struct sk_buff *skb, struct inet6_skb_parm *opt,
			 u8 type, u8 code, int offset, __be32 info)
{
	return vtun_ipsec6_err(skb, type, offset, info, &vtun_rx_esp);
}

static int vtun_ah6_err(struct sk_buff *skb, struct inet6_skb_parm *opt,
			u8 type, u8 code, int offset, __be32 info)
{
	return vtun_ipsec6_err(skb, type, offset, info, &vtun_rx_ah);
}

static struct xfrm4_protocol vtun_esp4_protocol __read_mostly = {
	.handler	= vtun_esp_rcv,
	.input_handler	= vtun_xfrm_input,
	.cb_handler	= vtun_xfrm_cb,
	.err_handler	= vtun_esp4_err,
	.priority	= VTUN_XFRM_PRIORITY,
};

static struct xfrm6_protocol vtun_esp6_protocol __read_mostly = {
	.handler	= vtun_esp_rcv,
	.input_handler	= vtun_xfrm_input,
	.cb_handler	= vtun_xfrm_cb,
	.err_handler	= vtun_esp6_err,
	.priority	= VTUN_XFRM_PRIORITY,
};

static struct xfrm4_protocol vtun_ah4_protocol __read_mostly = {
	.handler	= vtun_ah_rcv,
	.input_handler	= vtun_xfrm_input,
	.cb_handler	= vtun_xfrm_cb,
	.err_handler	= vtun_ah4_err,
	.priority	= VTUN_XFRM_PRIORITY,
};

static struct xfrm6_protocol vtun_ah6_protocol __read_mostly = {
	.handler	= vtun_ah_rcv,
	.input_handler	= vtun_xfrm_input,
	.cb_handler	= vtun_xfrm_cb,
	.err_handler	= vtun_ah6_err,
	.priority	= VTUN_XFRM_PRIORITY,
};

int vtun_rx_init(void)
{
	int err;

	err = xfrm4_protocol_register(&vtun_esp4_protocol, IPPROTO_ESP);
	if (err)
		return err;
	err = xfrm6_protocol_register(&vtun_esp6_protocol, IPPROTO_ESP);
	if (err)
		goto err_esp6;
	err = xfrm4_protocol_register(&vtun_ah4_protocol, IPPROTO_AH);
	if (err)
		goto err_ah4;
	err = xfrm6_protocol_register(&vtun_ah6_protocol, IPPROTO_AH);
	if (err)
		goto err_ah6;
	return 0;

err_ah6:
	xfrm4_protocol_deregister(&vtun_ah4_protocol, IPPROTO_AH);
err_ah4:
	xfrm6_protocol_deregister(&vtun_esp6_protocol, IPPROTO_ESP);
err_esp6:
	xfrm4_protocol_deregister(&vtun_esp4_protocol, IPPROTO_ESP);
	return err;
}

void vtun_rx_exit(void)
{
	xfrm6_protocol_deregister(&vtun_ah6_protocol, IPPROTO_AH);
	xfrm4_protocol_deregister(&vtun_ah4_protocol, IPPROTO_AH);
	xfrm6_protocol_deregister(&vtun_esp6_protocol, IPPROTO_ESP);
	xfrm4_protocol_deregister(&vtun_esp4_protocol, IPPROTO_ESP);
}
