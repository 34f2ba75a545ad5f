// SPDX-License-Identifier: GPL-2.0
/*
 * The "vtun" generic netlink family: devices, security associations and
 * their events.
 */

#include <net/genetlink.h>
#include <net/sock.h>

#include "compat.h"
#include "device.h"
#include "monitor.h"
#include "selector.h"
#include "udp.h"
#include "netlink-gen.h"
#include "netlink.h"

static const struct vtun_param_attrs vtun_dev_attrs = {
	.local = VTUN_A_DEV_LOCAL, .remote = VTUN_A_DEV_REMOTE,
	.underlay = VTUN_A_DEV_UNDERLAY, .zone = VTUN_A_DEV_ZONE,
	.mode = VTUN_A_DEV_MODE, .gre = VTUN_A_DEV_GRE,
	.copy_tos = VTUN_A_DEV_COPY_TOS, .ttl = VTUN_A_DEV_TTL,
	.df = VTUN_A_DEV_DF, .encap = VTUN_A_DEV_ENCAP,
	.encap_sport = VTUN_A_DEV_ENCAP_SPORT,
	.encap_dport = VTUN_A_DEV_ENCAP_DPORT, .keepalive = VTUN_A_DEV_KEEPALIVE,
	.on_demand = VTUN_A_DEV_ON_DEMAND,
};

/*
 * Events reveal peers and inner flows: joining the group takes
 * CAP_NET_ADMIN in the user namespace owning the network namespace. The
 * generator cannot flag multicast groups, so the family is pointed at
 * this copy of its table before it can be bound.
 */
static const struct genl_multicast_group vtun_nl_mcgrps_admin[] = {
	[VTUN_NLGRP_EVENTS] = {
		.name = "events",
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

/* Whether an event of @vd's namespace would reach anyone. */
bool vtun_nl_has_listeners(struct vtun_dev *vd)
{
	return genl_has_listeners(&vtun_nl_family, dev_net(vd->dev),
				  VTUN_NLGRP_EVENTS);
}

/* Whether anyone listens, and at most one event a second per stamp. */
bool vtun_nl_event_allowed(struct vtun_dev *vd, unsigned long *stamp)
{
	unsigned long now = jiffies, last = READ_ONCE(*stamp);

	if (!vtun_nl_has_listeners(vd))
		return false;
	if (last && time_before(now, last + HZ))
		return false;
	return cmpxchg(stamp, last, now) == last;
}

void vtun_nl_restrict_events(void)
{
	BUILD_BUG_ON(ARRAY_SIZE(vtun_nl_mcgrps_admin) != VTUN_NLGRP_EVENTS + 1);
	vtun_nl_family.mcgrps = vtun_nl_mcgrps_admin;
}

/* Resolve VTUN_A_IFINDEX to a vtun device; holds it until post_doit. */
int vtun_nl_pre_doit(const struct genl_split_ops *ops, struct sk_buff *skb,
		     struct genl_info *info)
{
	struct nlattr *attr = info->attrs[VTUN_A_IFINDEX];
	struct net_device *dev;

	if (GENL_REQ_ATTR_CHECK(info, VTUN_A_IFINDEX))
		return -EINVAL;
	dev = dev_get_by_index(genl_info_net(info), nla_get_u32(attr));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "ifindex: no such device");
		return -ENODEV;
	}
	if (!vtun_is_dev(dev)) {
		dev_put(dev);
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "ifindex: not a vtun device");
		return -EINVAL;
	}
	info->user_ptr[0] = netdev_priv(dev);
	return 0;
}

void vtun_nl_post_doit(const struct genl_split_ops *ops, struct sk_buff *skb,
		       struct genl_info *info)
{
	struct vtun_dev *vd = info->user_ptr[0];

	if (vd)
		dev_put(vd->dev);
}

/* The peer the device sends to: with ESP in UDP, its port too. */
static int vtun_put_peer(struct sk_buff *skb, struct vtun_dev *vd,
			 const struct vtun_params *p)
{
	unsigned int alen = vtun_addr_len(p->family);
	union vtun_addr addr;
	__be16 port;

	vtun_udp_peer(vd, p, &addr, &port);
	if (alen && !ipv6_addr_any(&addr.v6) &&
	    nla_put(skb, VTUN_A_DEV_PEER, alen, &addr))
		return -EMSGSIZE;
	if (vtun_encap_udp(p) &&
	    nla_put_u16(skb, VTUN_A_DEV_PEER_PORT, ntohs(port)))
		return -EMSGSIZE;
	return 0;
}

static int vtun_put_u64s(struct sk_buff *skb, int type, const u64 *v, int n,
			 int first, int pad)
{
	struct nlattr *nest = nla_nest_start(skb, type);
	int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++)
		if (nla_put_u64_64bit(skb, first + i, v[i], pad))
			goto cancel;
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int vtun_put_dev_stats(struct sk_buff *skb, struct vtun_dev *vd)
{
	struct rtnl_link_stats64 s;
	u64 drops[VTUN_DROP_MAX];
	u64 v[] = { 0, 0, 0, 0, 0, 0 };

	dev_get_stats(vd->dev, &s);
	v[0] = s.rx_packets;
	v[1] = s.rx_bytes;
	v[2] = s.tx_packets;
	v[3] = s.tx_bytes;
	v[4] = s.rx_dropped;
	v[5] = s.tx_dropped;
	if (vtun_put_u64s(skb, VTUN_A_DEV_STATS, v, ARRAY_SIZE(v),
			  VTUN_A_STATS_RX_PACKETS, VTUN_A_STATS_PAD))
		return -EMSGSIZE;
	vtun_read_drops(vd, drops);
	return vtun_put_u64s(skb, VTUN_A_DEV_DROPS, drops, VTUN_DROP_MAX,
			     VTUN_A_DROPS_TX_NO_SA, VTUN_A_DROPS_PAD);
}

static int vtun_put_dev(struct sk_buff *skb, struct vtun_dev *vd, u32 portid,
			u32 seq, int flags)
{
	struct net_device *dev = vd->dev;
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &vtun_nl_family, flags,
			  VTUN_CMD_DEV_GET);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, VTUN_A_DEV);
	if (!nest)
		goto cancel;
	rcu_read_lock();
	if (nla_put_u32(skb, VTUN_A_DEV_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, VTUN_A_DEV_IFNAME, dev->name) ||
	    nla_put_u32(skb, VTUN_A_DEV_MTU, READ_ONCE(dev->mtu)) ||
	    vtun_put_params(skb, rcu_dereference(vd->params), &vtun_dev_attrs) ||
	    vtun_put_peer(skb, vd, rcu_dereference(vd->params))) {
		rcu_read_unlock();
		goto cancel;
	}
	rcu_read_unlock();
	if (vtun_put_dev_stats(skb, vd) ||
	    vtun_nl_put_monitor(skb, vd, VTUN_A_DEV_MONITOR, -1) ||
	    nla_put_u8(skb, VTUN_A_DEV_CARRIER, netif_carrier_ok(dev)))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

int vtun_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vtun_dev *vd = info->user_ptr[0];
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = vtun_put_dev(msg, vd, info->snd_portid, info->snd_seq, 0);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * Dumps resume by position: a device, SA or proxy ID added or removed
 * between two passes marks the messages after it NLM_F_DUMP_INTR, so that
 * a reader knows to dump again. Odd, so never the "no pass yet" 0.
 */
static atomic_t vtun_dump_gen = ATOMIC_INIT(1);

void vtun_dump_changed(void)
{
	atomic_add(2, &vtun_dump_gen);
}

void vtun_dump_begin(struct netlink_callback *cb)
{
	cb->seq = atomic_read(&vtun_dump_gen);
}

/* After a message put at offset @start of @skb. */
void vtun_dump_mark(struct netlink_callback *cb, struct sk_buff *skb,
		    int start)
{
	nl_dump_check_consistent(cb, (struct nlmsghdr *)(skb->data + start));
}

/*
 * Dumps of one device's objects: the device the request names, with RTNL
 * held on success.
 */
struct vtun_dev *vtun_dump_dev_lock(struct netlink_callback *cb)
{
	struct nlattr *attr = vtun_dump_attrs(cb)[VTUN_A_IFINDEX];
	struct net_device *dev;

	if (!attr) {
		NL_SET_ERR_MSG(cb->extack, "ifindex: missing");
		return ERR_PTR(-EINVAL);
	}
	rtnl_lock();
	vtun_dump_begin(cb);
	dev = __dev_get_by_index(sock_net(cb->skb->sk), nla_get_u32(attr));
	if (!dev || !vtun_is_dev(dev)) {
		rtnl_unlock();
		NL_SET_ERR_MSG(cb->extack, "ifindex: not a vtun device");
		return ERR_PTR(-ENODEV);
	}
	return netdev_priv(dev);
}

/*
 * End of a dump pass stopped at position @idx by @err (or at the end):
 * the next pass resumes there. An entry too big for an empty message fails.
 */
int vtun_dump_done(struct sk_buff *skb, struct netlink_callback *cb,
		   long idx, int err)
{
	if (err && idx == cb->args[0])
		return err;
	cb->args[0] = idx;
	return skb->len;
}

/*
 * Resumes by position among the namespace's vtun devices. A device moved
 * in or out of the namespace changes its dev_base_seq, not our generation.
 */
int vtun_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(cb->skb->sk);
	long skip = cb->args[0], idx = 0;
	struct net_device *dev;
	int err = 0, start;

	rcu_read_lock();
	vtun_dump_begin(cb);
	cb->seq += 2 * READ_ONCE(net->dev_base_seq);
	for_each_netdev_rcu(net, dev) {
		if (!vtun_is_dev(dev))
			continue;
		if (idx++ < skip)
			continue;
		start = skb->len;
		err = vtun_put_dev(skb, netdev_priv(dev),
				   NETLINK_CB(cb->skb).portid,
				   cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (err) {
			idx--;
			break;
		}
		vtun_dump_mark(cb, skb, start);
	}
	rcu_read_unlock();
	return vtun_dump_done(skb, cb, idx, err);
}
