// SPDX-License-Identifier: GPL-2.0
/*
 * The vtun network device and its rtnetlink link type.
 */

#include <linux/ctype.h>
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/ip.h>
#include <crypto/sha2.h>
#include <net/addrconf.h>
#include <net/esp.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/netns/generic.h>
#include <net/route.h>

#include "ah.h"
#include "compat.h"
#include "device.h"
#include "monitor.h"
#include "netlink.h"
#include "sa.h"
#include "selector.h"
#include "tx.h"
#include "udp.h"

/*
 * Encapsulation overhead beyond the outer IP header: UDP for NAT
 * traversal, GRE, the ESP header, a 16-byte IV, up to 15 bytes of padding
 * plus pad length and next header, and the ICV: 32 bytes (HMAC-SHA-256
 * untruncated) for the derived MTU, the largest vtun accepts (HMAC-SHA-512
 * untruncated, larger than any AH header) for the largest MTU, so that
 * no inner packet of the device MTU makes an outer packet over 64 KiB.
 */
#define VTUN_ESP_OVERHEAD_ICV(icv) (sizeof(struct udphdr) + 4 + \
				    sizeof(struct ip_esp_hdr) + 16 + 15 + 2 + \
				    (icv))
#define VTUN_ESP_OVERHEAD	VTUN_ESP_OVERHEAD_ICV(32)
#define VTUN_ESP_OVERHEAD_MAX	VTUN_ESP_OVERHEAD_ICV(SHA512_DIGEST_SIZE)

static unsigned int vtun_net_id __read_mostly;

struct vtun_net *vtun_net(struct net *net)
{
	return net_generic(net, vtun_net_id);
}

unsigned int vtun_addr_len(sa_family_t family)
{
	switch (family) {
	case AF_INET:
		return sizeof(struct in_addr);
	case AF_INET6:
		return sizeof(struct in6_addr);
	}
	return 0;
}

static unsigned int vtun_ip_hlen(const struct vtun_params *p)
{
	return p->family == AF_INET6 ? sizeof(struct ipv6hdr) :
				       sizeof(struct iphdr);
}

static unsigned int vtun_overhead(struct vtun_dev *vd,
				  const struct vtun_params *p)
{
	unsigned int ip = vtun_ip_hlen(p);
	struct vtun_sa *sa = rtnl_dereference(vd->tx_sa);

	/* AH: its header and padded ICV, and GRE (no NAT traversal). */
	if (sa && sa->proto == VTUN_PROTO_AH)
		return ip + 4 + vtun_ah_hlen(sa, p->family);
	return ip + VTUN_ESP_OVERHEAD;
}

void vtun_count_drop(struct vtun_dev *vd, enum vtun_drop reason)
{
	vtun_counters_add(vd->drops, reason, 1);
}

void vtun_read_drops(struct vtun_dev *vd, u64 drops[VTUN_DROP_MAX])
{
	vtun_counters_read(vd->drops, VTUN_DROP_MAX, drops);
}

static void vtun_get_stats64(struct net_device *dev,
			     struct rtnl_link_stats64 *stats)
{
	struct vtun_dev *vd = netdev_priv(dev);
	u64 drops[VTUN_DROP_MAX];
	int i;

	dev_get_tstats64(dev, stats);
	vtun_read_drops(vd, drops);
	for (i = 0; i < VTUN_DROP_MAX; i++) {
		if (i < VTUN_DROP_FIRST_RX)
			stats->tx_dropped += drops[i];
		else
			stats->rx_dropped += drops[i];
	}
}

static int vtun_dev_init(struct net_device *dev)
{
	struct vtun_dev *vd = netdev_priv(dev);
	int err = -ENOMEM;

	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return -ENOMEM;
	vd->drops = vtun_counters_alloc(VTUN_DROP_MAX);
	if (!vd->drops)
		goto err_tstats;
	err = gro_cells_init(&vd->gro_cells, dev);
	if (err)
		goto err_drops;
	err = dst_cache_init(&vd->dst_cache, GFP_KERNEL);
	if (err)
		goto err_gro;
	err = vtun_monitor_init(vd);
	if (err)
		goto err_dst;
	return 0;

err_dst:
	dst_cache_destroy(&vd->dst_cache);
err_gro:
	gro_cells_destroy(&vd->gro_cells);
err_drops:
	free_percpu(vd->drops);
	vd->drops = NULL;
err_tstats:
	free_percpu(dev->tstats);
	dev->tstats = NULL;
	return err;
}

static void vtun_dev_uninit(struct net_device *dev)
{
	struct vtun_dev *vd = netdev_priv(dev);

	vtun_monitor_uninit(vd);
	vtun_sa_flush(vd);
	vtun_proxy_id_flush(vd);
	vtun_udp_uninit(vd);
	gro_cells_destroy(&vd->gro_cells);
	dst_cache_destroy(&vd->dst_cache);
	list_del_init(&vd->net_list);
	vtun_dump_changed();
}

static void vtun_dev_free(struct net_device *dev)
{
	struct vtun_dev *vd = netdev_priv(dev);

	free_percpu(vd->drops);
	vd->drops = NULL;
	free_percpu(dev->tstats);
	dev->tstats = NULL;
	kfree(rcu_dereference_protected(vd->params, true));
	RCU_INIT_POINTER(vd->params, NULL);
}

static const struct net_device_ops vtun_netdev_ops = {
	.ndo_init		= vtun_dev_init,
	.ndo_uninit		= vtun_dev_uninit,
	.ndo_start_xmit		= vtun_xmit,
	.ndo_get_stats64	= vtun_get_stats64,
};

static void vtun_setup(struct net_device *dev)
{
	struct vtun_dev *vd = netdev_priv(dev);

	dev->netdev_ops = &vtun_netdev_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP | IFF_MULTICAST;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->needed_headroom = LL_MAX_HEADER + sizeof(struct ipv6hdr) +
			       VTUN_ESP_OVERHEAD;
	dev->needed_tailroom = 15 + 2 + SHA512_DIGEST_SIZE;
	dev->mtu = ETH_DATA_LEN - sizeof(struct iphdr) - VTUN_ESP_OVERHEAD;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = IP_MAX_MTU - sizeof(struct ipv6hdr) -
		       VTUN_ESP_OVERHEAD_MAX;
	dev->needs_free_netdev = true;
	vtun_set_lltx(dev);
	netif_keep_dst(dev);
	/* No SA yet: vtun_carrier_update() decides once registered. */
	netif_carrier_off(dev);

	vd->dev = dev;
	INIT_LIST_HEAD(&vd->net_list);
	INIT_LIST_HEAD(&vd->sas);
	vtun_udp_setup(vd);
}

/* MTU of the device that reaches the remote gateway through the underlay. */
static unsigned int vtun_path_mtu(struct net *net, const struct vtun_params *p)
{
	struct net_device *tdev = NULL;
	unsigned int mtu = ETH_DATA_LEN;
	struct dst_entry *dst = NULL;

	if (p->family == AF_INET) {
		struct flowi4 fl4 = {
			.daddr = p->remote.v4,
			.saddr = p->local.v4,
			.flowi4_oif = p->underlay,
		};
		struct rtable *rt = ip_route_output_key(net, &fl4);

		if (!IS_ERR(rt))
			dst = &rt->dst;
	} else if (p->family == AF_INET6) {
		struct flowi6 fl6 = {
			.daddr = p->remote.v6,
			.saddr = p->local.v6,
			.flowi6_oif = p->underlay,
		};

		dst = ip6_route_output(net, NULL, &fl6);
		if (dst->error) {
			dst_release(dst);
			dst = NULL;
		}
	}
	if (dst) {
		tdev = dst->dev;
		if (tdev && !netif_is_l3_master(tdev))
			mtu = tdev->mtu;
		dst_release(dst);
	} else if (p->underlay) {
		tdev = __dev_get_by_index(net, p->underlay);
		if (tdev && !netif_is_l3_master(tdev))
			mtu = tdev->mtu;
	}
	return mtu;
}

/* Limits always follow the parameters; the MTU itself unless it was given. */
static void vtun_update_mtu(struct vtun_dev *vd, const struct vtun_params *p,
			    bool derive)
{
	struct net_device *dev = vd->dev;
	unsigned int overhead = vtun_overhead(vd, p);
	int mtu = derive ? vtun_path_mtu(vd->net, p) - overhead : dev->mtu;

	dev->max_mtu = IP_MAX_MTU - vtun_ip_hlen(p) - VTUN_ESP_OVERHEAD_MAX;
	mtu = clamp_t(int, mtu, ETH_MIN_MTU, dev->max_mtu);
	if (dev->reg_state == NETREG_REGISTERED)
		dev_set_mtu(dev, mtu);
	else
		dev->mtu = mtu;
}

/*
 * Transport mode without GRE carries only the gateways' own traffic: no
 * IPv6 link-local address, hence no router solicitations, neighbour
 * discovery or MLD reports of the stack's own that the device would have
 * to refuse (as for ipip devices). Other modes get the namespace default.
 */
static void vtun_update_addrconf(struct vtun_dev *vd,
				 const struct vtun_params *p)
{
	struct inet6_dev *idev = __in6_dev_get(vd->dev);
	bool transport = p->mode == VTUN_MODE_TRANSPORT && !p->gre;
	int mode;

	if (!idev)
		return;
	if (transport)
		mode = IN6_ADDR_GEN_MODE_NONE;
	else if (idev->cnf.addr_gen_mode == IN6_ADDR_GEN_MODE_NONE)
		mode = READ_ONCE(dev_net(vd->dev)->ipv6.devconf_dflt->addr_gen_mode);
	else
		return;
	WRITE_ONCE(idev->cnf.addr_gen_mode, mode);
}

static const struct nla_policy vtun_link_policy[IFLA_VTUN_MAX + 1] = {
	[IFLA_VTUN_LOCAL]	= { .type = NLA_BINARY, .len = sizeof(struct in6_addr) },
	[IFLA_VTUN_REMOTE]	= { .type = NLA_BINARY, .len = sizeof(struct in6_addr) },
	[IFLA_VTUN_UNDERLAY]	= { .type = NLA_U32 },
	[IFLA_VTUN_ZONE]	= { .type = NLA_NUL_STRING, .len = VTUN_ZONE_MAX_LEN - 1 },
	[IFLA_VTUN_MODE]	= NLA_POLICY_MAX(NLA_U8, VTUN_MODE_TRANSPORT),
	[IFLA_VTUN_GRE]		= NLA_POLICY_MAX(NLA_U8, 1),
	[IFLA_VTUN_COPY_TOS]	= NLA_POLICY_MAX(NLA_U8, 1),
	[IFLA_VTUN_TTL]		= { .type = NLA_U8 },
	[IFLA_VTUN_DF]		= NLA_POLICY_MAX(NLA_U8, VTUN_DF_CLEAR),
	[IFLA_VTUN_ENCAP]	= NLA_POLICY_MAX(NLA_U8, VTUN_ENCAP_UDP),
	[IFLA_VTUN_ENCAP_SPORT]	= { .type = NLA_U16 },
	[IFLA_VTUN_ENCAP_DPORT]	= { .type = NLA_U16 },
	[IFLA_VTUN_ENCAP_FD]	= { .type = NLA_S32 },
	[IFLA_VTUN_KEEPALIVE]	= { .type = NLA_U16 },
	[IFLA_VTUN_ON_DEMAND]	= NLA_POLICY_MAX(NLA_U8, 1),
};

static sa_family_t vtun_attr_family(const struct nlattr *attr)
{
	switch (nla_len(attr)) {
	case sizeof(struct in_addr):
		return AF_INET;
	case sizeof(struct in6_addr):
		return AF_INET6;
	}
	return AF_UNSPEC;
}

static bool vtun_zone_valid(const char *zone)
{
	for (; *zone; zone++)
		if (!isalnum(*zone) && !strchr("-_.", *zone))
			return false;
	return true;
}

/* Checks that need no device state. */
static int vtun_validate(struct nlattr *tb[], struct nlattr *data[],
			 struct netlink_ext_ack *extack)
{
	struct nlattr *local, *remote;

	if (!data)
		return 0;
	local = data[IFLA_VTUN_LOCAL];
	remote = data[IFLA_VTUN_REMOTE];
	if (local && !vtun_attr_family(local)) {
		NL_SET_ERR_MSG_ATTR(extack, local,
				    "local: address must be 4 (IPv4) or 16 (IPv6) bytes");
		return -EINVAL;
	}
	if (remote && !vtun_attr_family(remote)) {
		NL_SET_ERR_MSG_ATTR(extack, remote,
				    "remote: address must be 4 (IPv4) or 16 (IPv6) bytes");
		return -EINVAL;
	}
	if (local && remote && nla_len(local) != nla_len(remote)) {
		NL_SET_ERR_MSG_ATTR(extack, remote,
				    "remote: address family differs from local");
		return -EINVAL;
	}
	if (data[IFLA_VTUN_ZONE] &&
	    !vtun_zone_valid(nla_data(data[IFLA_VTUN_ZONE]))) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_VTUN_ZONE],
				    "zone: only letters, digits, '-', '_' and '.' allowed");
		return -EINVAL;
	}
	return 0;
}

static bool vtun_addr_set(const union vtun_addr *addr)
{
	return !ipv6_addr_any(&addr->v6);
}

/* Family of an address after a request: from the attribute if any. */
static sa_family_t vtun_update_addr(union vtun_addr *addr, sa_family_t family,
				    const struct nlattr *attr)
{
	if (attr) {
		memset(addr, 0, sizeof(*addr));
		nla_memcpy(addr, attr, sizeof(*addr));
		family = vtun_attr_family(attr);
	}
	return vtun_addr_set(addr) ? family : AF_UNSPEC;
}

/* Apply request attributes over @p, then check the result as a whole. */
static int vtun_parse_params(struct net *net, struct vtun_params *p,
			     struct nlattr *data[],
			     struct netlink_ext_ack *extack)
{
	struct nlattr *attr;
	sa_family_t lf, rf;

	lf = vtun_update_addr(&p->local, p->family, data[IFLA_VTUN_LOCAL]);
	rf = vtun_update_addr(&p->remote, p->family, data[IFLA_VTUN_REMOTE]);
	if (lf && rf && lf != rf) {
		if (data[IFLA_VTUN_LOCAL])
			NL_SET_ERR_MSG_ATTR(extack, data[IFLA_VTUN_LOCAL],
					    "local: address family differs from remote");
		else
			NL_SET_ERR_MSG_ATTR(extack, data[IFLA_VTUN_REMOTE],
					    "remote: address family differs from local");
		return -EINVAL;
	}
	p->family = rf ?: lf;

	attr = data[IFLA_VTUN_UNDERLAY];
	if (attr) {
		p->underlay = nla_get_u32(attr);
		if (p->underlay && !__dev_get_by_index(net, p->underlay)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "underlay: no such device");
			return -ENODEV;
		}
	}
	if (data[IFLA_VTUN_ZONE])
		nla_strscpy(p->zone, data[IFLA_VTUN_ZONE], sizeof(p->zone));
	if (data[IFLA_VTUN_MODE])
		p->mode = nla_get_u8(data[IFLA_VTUN_MODE]);
	if (data[IFLA_VTUN_GRE])
		p->gre = nla_get_u8(data[IFLA_VTUN_GRE]);
	if (data[IFLA_VTUN_COPY_TOS])
		p->copy_tos = nla_get_u8(data[IFLA_VTUN_COPY_TOS]);
	if (data[IFLA_VTUN_TTL])
		p->ttl = nla_get_u8(data[IFLA_VTUN_TTL]);
	if (data[IFLA_VTUN_DF])
		p->df = nla_get_u8(data[IFLA_VTUN_DF]);
	if (data[IFLA_VTUN_ON_DEMAND])
		p->on_demand = nla_get_u8(data[IFLA_VTUN_ON_DEMAND]);

	if (p->gre && p->mode != VTUN_MODE_TRANSPORT) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_VTUN_GRE] ?:
					    data[IFLA_VTUN_MODE],
				    "gre: requires transport mode");
		return -EINVAL;
	}
	return vtun_udp_parse(p, data, extack);
}

static int vtun_newlink(struct net *src_net, struct net_device *dev,
			struct nlattr *tb[], struct nlattr *data[],
			struct netlink_ext_ack *extack)
{
	struct vtun_net *vn = net_generic(src_net, vtun_net_id);
	struct vtun_dev *vd = netdev_priv(dev);
	struct vtun_udp_change chg;
	struct vtun_params *p;
	int err;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->df = VTUN_DF_INHERIT;
	p->encap_sport = VTUN_ENCAP_PORT;
	p->encap_dport = VTUN_ENCAP_PORT;
	p->keepalive = VTUN_KEEPALIVE_DEFAULT;
	vd->net = src_net;
	if (data) {
		err = vtun_parse_params(src_net, p, data, extack) ?:
		      vtun_udp_prepare(vd, p, data, &chg, extack);
		if (err) {
			kfree(p);
			return err;
		}
	} else {
		chg = (struct vtun_udp_change){ };
	}
	rcu_assign_pointer(vd->params, p);
	vtun_update_mtu(vd, p, !tb[IFLA_MTU]);

	/*
	 * The destructor is only set once registered: a failure before
	 * ndo_init() would not call it, one after it calls ndo_uninit()
	 * only, so the parameters and counters are freed here either way.
	 */
	err = register_netdevice(dev);
	if (err) {
		vtun_udp_abort(&chg);
		vtun_dev_free(dev);
		return err;
	}
	dev->priv_destructor = vtun_dev_free;
	vtun_update_addrconf(vd, p);
	vtun_udp_commit(vd, NULL, p, &chg);
	list_add(&vd->net_list, &vn->devs);
	vtun_dump_changed();
	vtun_carrier_update(vd);
	return 0;
}

VTUN_NEWLINK_WRAPPER(vtun_newlink)

/* What the device's proxy IDs and SAs allow of new parameters. */
static int vtun_changelink_check(struct vtun_dev *vd,
				 const struct vtun_params *p,
				 struct nlattr *data[],
				 struct netlink_ext_ack *extack)
{
	int err;

	err = vtun_proxy_id_check_mode(vd, p, extack);
	if (err) {
		NL_SET_BAD_ATTR(extack, data[IFLA_VTUN_MODE]);
		return err;
	}
	err = vtun_sa_check_encap(vd, p, extack);
	if (err) {
		NL_SET_BAD_ATTR(extack, data[IFLA_VTUN_ENCAP]);
		return err;
	}
	err = vtun_monitor_check_params(vd, p, extack);
	if (err)
		NL_SET_BAD_ATTR(extack, data[IFLA_VTUN_MODE] ?: data[IFLA_VTUN_GRE]);
	return err;
}

static int vtun_changelink(struct net_device *dev, struct nlattr *tb[],
			   struct nlattr *data[],
			   struct netlink_ext_ack *extack)
{
	struct vtun_dev *vd = netdev_priv(dev);
	struct vtun_params *old = rtnl_dereference(vd->params), *p;
	struct vtun_udp_change chg;
	int err;

	if (!data)
		return 0;
	p = kmemdup(old, sizeof(*old), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	err = vtun_parse_params(vd->net, p, data, extack) ?:
	      vtun_changelink_check(vd, p, data, extack) ?:
	      vtun_udp_prepare(vd, p, data, &chg, extack);
	if (err) {
		kfree(p);
		return err;
	}
	rcu_assign_pointer(vd->params, p);
	vtun_udp_commit(vd, old, p, &chg);
	kfree_rcu(old, rcu);
	dst_cache_reset(&vd->dst_cache);
	vtun_update_mtu(vd, p, !tb[IFLA_MTU]);
	vtun_update_addrconf(vd, p);
	vtun_carrier_update(vd);
	return 0;
}

static void vtun_dellink(struct net_device *dev, struct list_head *head)
{
	unregister_netdevice_queue(dev, head);
}

static size_t vtun_get_size(const struct net_device *dev)
{
	return 2 * nla_total_size(sizeof(struct in6_addr)) +	/* LOCAL, REMOTE */
	       nla_total_size(sizeof(u32)) +			/* UNDERLAY */
	       nla_total_size(VTUN_ZONE_MAX_LEN) +		/* ZONE */
	       7 * nla_total_size(sizeof(u8)) +	/* MODE..DF, ENCAP, ON_DEMAND */
	       3 * nla_total_size(sizeof(u16));		/* ports, KEEPALIVE */
}

static const struct vtun_param_attrs vtun_ifla_attrs = {
	.local = IFLA_VTUN_LOCAL, .remote = IFLA_VTUN_REMOTE,
	.underlay = IFLA_VTUN_UNDERLAY, .zone = IFLA_VTUN_ZONE,
	.mode = IFLA_VTUN_MODE, .gre = IFLA_VTUN_GRE,
	.copy_tos = IFLA_VTUN_COPY_TOS, .ttl = IFLA_VTUN_TTL,
	.df = IFLA_VTUN_DF, .encap = IFLA_VTUN_ENCAP,
	.encap_sport = IFLA_VTUN_ENCAP_SPORT,
	.encap_dport = IFLA_VTUN_ENCAP_DPORT, .keepalive = IFLA_VTUN_KEEPALIVE,
	.on_demand = IFLA_VTUN_ON_DEMAND,
};

int vtun_put_params(struct sk_buff *skb, const struct vtun_params *p,
		    const struct vtun_param_attrs *a)
{
	unsigned int alen = vtun_addr_len(p->family);

	if (alen && vtun_addr_set(&p->local) &&
	    nla_put(skb, a->local, alen, &p->local))
		return -EMSGSIZE;
	if (alen && vtun_addr_set(&p->remote) &&
	    nla_put(skb, a->remote, alen, &p->remote))
		return -EMSGSIZE;
	if (p->zone[0] && nla_put_string(skb, a->zone, p->zone))
		return -EMSGSIZE;
	if (nla_put_u32(skb, a->underlay, p->underlay) ||
	    nla_put_u8(skb, a->mode, p->mode) ||
	    nla_put_u8(skb, a->gre, p->gre) ||
	    nla_put_u8(skb, a->copy_tos, p->copy_tos) ||
	    nla_put_u8(skb, a->ttl, p->ttl) ||
	    nla_put_u8(skb, a->df, p->df) ||
	    nla_put_u8(skb, a->encap, p->encap) ||
	    nla_put_u16(skb, a->encap_sport, p->encap_sport) ||
	    nla_put_u16(skb, a->encap_dport, p->encap_dport) ||
	    nla_put_u16(skb, a->keepalive, p->keepalive) ||
	    nla_put_u8(skb, a->on_demand, p->on_demand))
		return -EMSGSIZE;
	return 0;
}

static int vtun_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	struct vtun_dev *vd = netdev_priv(dev);

	return vtun_put_params(skb, rtnl_dereference(vd->params),
			       &vtun_ifla_attrs);
}

static struct net *vtun_get_link_net(const struct net_device *dev)
{
	struct vtun_dev *vd = netdev_priv(dev);

	return vd->net;
}

struct rtnl_link_ops vtun_link_ops __read_mostly = {
	.kind		= "vtun",
	.priv_size	= sizeof(struct vtun_dev),
	.maxtype	= IFLA_VTUN_MAX,
	.policy		= vtun_link_policy,
	.setup		= vtun_setup,
	.validate	= vtun_validate,
	.newlink	= VTUN_NEWLINK(vtun_newlink),
	.changelink	= vtun_changelink,
	.dellink	= vtun_dellink,
	.get_size	= vtun_get_size,
	.fill_info	= vtun_fill_info,
	.get_link_net	= vtun_get_link_net,
};

static int __net_init vtun_net_init(struct net *net)
{
	struct vtun_net *vn = net_generic(net, vtun_net_id);

	INIT_LIST_HEAD(&vn->devs);
	hash_init(vn->spi_table);
	INIT_LIST_HEAD(&vn->udp_socks);
	return 0;
}

/* Devices die with the namespace their outer packets live in. */
static void __net_exit vtun_net_exit_rtnl(struct net *net,
					  struct list_head *dev_kill_list)
{
	struct vtun_net *vn = net_generic(net, vtun_net_id);
	struct vtun_dev *vd, *tmp;

	list_for_each_entry_safe(vd, tmp, &vn->devs, net_list)
		unregister_netdevice_queue(vd->dev, dev_kill_list);
}

VTUN_PERNET_EXIT_RTNL_WRAPPER(vtun_net_exit_rtnl)

static struct pernet_operations vtun_net_ops = {
	.init		 = vtun_net_init,
	VTUN_PERNET_EXIT_RTNL(vtun_net_exit_rtnl),
	.id		 = &vtun_net_id,
	.size		 = sizeof(struct vtun_net),
};

int vtun_device_init(void)
{
	int err;

	err = register_pernet_device(&vtun_net_ops);
	if (err)
		return err;
	err = rtnl_link_register(&vtun_link_ops);
	if (err)
		unregister_pernet_device(&vtun_net_ops);
	return err;
}

void vtun_device_exit(void)
{
	rtnl_link_unregister(&vtun_link_ops);
	unregister_pernet_device(&vtun_net_ops);
}
