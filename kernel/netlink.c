// SPDX-License-Identifier: GPL-2.0
/*
 * The "vtun" generic netlink family: devices, security associations and
 * their events.
 */

#include <net/genetlink.h>
#include <net/sock.h>

#include "compat.h"
#include "counters.h"
#include "device.h"
#include "monitor.h"
#include "sa.h"
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
	    vtun_udp_put_peer(skb, vd, rcu_dereference(vd->params))) {
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

/* Resumes by position among the namespace's vtun devices. */
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

int vtun_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(cb->skb->sk);
	long skip = cb->args[0], idx = 0;
	struct net_device *dev;
	int err = 0;

	rcu_read_lock();
	for_each_netdev_rcu(net, dev) {
		if (!vtun_is_dev(dev))
			continue;
		if (idx++ < skip)
			continue;
		err = vtun_put_dev(skb, netdev_priv(dev),
				   NETLINK_CB(cb->skb).portid,
				   cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (err) {
			idx--;
			break;
		}
	}
	rcu_read_unlock();
	return vtun_dump_done(skb, cb, idx, err);
}

int vtun_nl_sa_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vtun_sa_new(info->user_ptr[0], info);
}

int vtun_nl_sa_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vtun_sa_del(info->user_ptr[0], info);
}

int vtun_nl_sa_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vtun_sa_set(info->user_ptr[0], info);
}

static int vtun_sa_put_stats(struct sk_buff *skb, struct vtun_sa *sa)
{
	struct nlattr *nest = nla_nest_start(skb, VTUN_A_SA_STATS);
	u64 v[VTUN_SA_COUNTER_MAX];
	u64 seq;
	int i;

	if (!nest)
		return -EMSGSIZE;
	vtun_counters_read(sa->stats, VTUN_SA_COUNTER_MAX, v);
	for (i = 0; i < VTUN_SA_COUNTER_MAX; i++)
		if (nla_put_u64_64bit(skb, VTUN_A_SA_STATS_PACKETS + i, v[i],
				      VTUN_A_SA_STATS_PAD))
			return -EMSGSIZE;
	seq = sa->dir == VTUN_DIR_OUT ? atomic64_read(&sa->seq) :
					READ_ONCE(sa->replay.top);
	if (nla_put_u64_64bit(skb, VTUN_A_SA_STATS_SEQ, seq,
			      VTUN_A_SA_STATS_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int vtun_sa_put_alg(struct sk_buff *skb, struct vtun_sa *sa)
{
	if (sa->aead_alg[0])
		return nla_put_string(skb, VTUN_A_SA_AEAD_ALG, sa->aead_alg) ||
		       nla_put_u32(skb, VTUN_A_SA_ICV_BITS, sa->icv_bits);
	return (sa->enc_alg[0] &&
		nla_put_string(skb, VTUN_A_SA_ENC_ALG, sa->enc_alg)) ||
	       nla_put_string(skb, VTUN_A_SA_AUTH_ALG, sa->auth_alg) ||
	       nla_put_u32(skb, VTUN_A_SA_AUTH_TRUNC_BITS, sa->auth_trunc_bits) ||
	       (sa->proto == VTUN_PROTO_AH &&
		nla_put_u8(skb, VTUN_A_SA_AH_ALIGN8, sa->ah_align8));
}

static int vtun_sa_put_full(struct sk_buff *skb, struct vtun_sa *sa)
{
	return vtun_sa_put_alg(skb, sa) ||
	       nla_put_u32(skb, VTUN_A_SA_REPLAY_WINDOW, sa->replay.window) ||
	       nla_put_u8(skb, VTUN_A_SA_ESN, sa->esn) ||
	       (sa->dir == VTUN_DIR_OUT &&
		nla_put_u8(skb, VTUN_A_SA_STANDBY, sa->standby)) ||
	       vtun_lt_put(skb, sa) ||
	       vtun_sa_put_stats(skb, sa);
}

/*
 * An SA as sa-get replies and sa-new-ntf announces it; expire-ntf and
 * sa-del-ntf only name it. Keys are write-only: never put here.
 */
static int vtun_sa_put_msg(struct sk_buff *skb, struct vtun_sa *sa,
			   u32 portid, u32 seq, int flags, u8 cmd,
			   const struct vtun_expiry *exp)
{
	bool full = cmd == VTUN_CMD_SA_GET || cmd == VTUN_CMD_SA_NEW_NTF;
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &vtun_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, VTUN_A_IFINDEX, sa->vd->dev->ifindex))
		goto cancel;
	nest = nla_nest_start(skb, VTUN_A_SA);
	if (!nest ||
	    nla_put_u8(skb, VTUN_A_SA_DIR, sa->dir) ||
	    nla_put_u32(skb, VTUN_A_SA_SPI, be32_to_cpu(sa->spi)) ||
	    nla_put_u8(skb, VTUN_A_SA_PROTO, sa->proto) ||
	    nla_put_u16(skb, VTUN_A_SA_PROXY_ID, sa->proxy_id) ||
	    (full && vtun_sa_put_full(skb, sa)))
		goto cancel;
	nla_nest_end(skb, nest);
	if (exp) {
		nest = nla_nest_start(skb, VTUN_A_EXPIRE);
		if (!nest ||
		    nla_put_u8(skb, VTUN_A_EXPIRE_HARD, exp->hard) ||
		    nla_put_u8(skb, VTUN_A_EXPIRE_LIMIT, exp->limit))
			goto cancel;
		nla_nest_end(skb, nest);
	}
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* To the events group of the device's namespace. Under RTNL. */
void vtun_nl_sa_notify(struct vtun_sa *sa, u8 cmd,
		       const struct vtun_expiry *exp)
{
	struct net *net = dev_net(sa->vd->dev);
	struct sk_buff *msg;

	if (!genl_has_listeners(&vtun_nl_family, net, VTUN_NLGRP_EVENTS))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	if (vtun_sa_put_msg(msg, sa, 0, 0, 0, cmd, exp)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast_netns(&vtun_nl_family, net, msg, 0,
				VTUN_NLGRP_EVENTS, GFP_KERNEL);
}

int vtun_nl_sa_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vtun_dev *vd = info->user_ptr[0];
	struct nlattr *tb[VTUN_A_SA_MAX + 1];
	struct sk_buff *msg;
	struct vtun_sa *sa;
	int err;

	err = vtun_sa_parse(info, tb);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rtnl_lock();
	sa = vtun_sa_find_req(vd, tb, info->extack);
	err = sa ? vtun_sa_put_msg(msg, sa, info->snd_portid, info->snd_seq,
				   0, VTUN_CMD_SA_GET, NULL) : -ENOENT;
	rtnl_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* Dumps one device's SAs, resuming by position. */
int vtun_nl_sa_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vtun_dev *vd = vtun_dump_dev_lock(cb);
	long idx = 0;
	struct vtun_sa *sa;
	int err = 0;

	if (IS_ERR(vd))
		return PTR_ERR(vd);
	list_for_each_entry(sa, &vd->sas, dev_node) {
		if (idx++ < cb->args[0])
			continue;
		err = vtun_sa_put_msg(skb, sa, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI,
				      VTUN_CMD_SA_GET, NULL);
		if (err) {
			idx--;
			break;
		}
	}
	rtnl_unlock();
	return vtun_dump_done(skb, cb, idx, err);
}

/* spi-alloc: defaults as strongSwan's kernel-netlink range. */
#define VTUN_SPI_ALLOC_MIN	0xc0000000U
#define VTUN_SPI_ALLOC_MAX	0xcfffffffU
#define VTUN_SPI_ALLOC_TIMEOUT	165

int vtun_nl_spi_alloc_doit(struct sk_buff *skb, struct genl_info *info)
{
	u32 min = VTUN_SPI_ALLOC_MIN, max = VTUN_SPI_ALLOC_MAX;
	struct nlattr *tb[VTUN_A_SPI_RANGE_MAX + 1] = { };
	struct vtun_dev *vd = info->user_ptr[0];
	u32 timeout = VTUN_SPI_ALLOC_TIMEOUT, spi;
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (info->attrs[VTUN_A_SPI_ALLOC]) {
		err = nla_parse_nested(tb, VTUN_A_SPI_RANGE_MAX,
				       info->attrs[VTUN_A_SPI_ALLOC],
				       vtun_spi_range_nl_policy, info->extack);
		if (err)
			return err;
	}
	if (tb[VTUN_A_SPI_RANGE_SPI]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[VTUN_A_SPI_RANGE_SPI],
				    "spi: chosen by the kernel, give min and max");
		return -EINVAL;
	}
	if (tb[VTUN_A_SPI_RANGE_SPI_MIN])
		min = nla_get_u32(tb[VTUN_A_SPI_RANGE_SPI_MIN]);
	if (tb[VTUN_A_SPI_RANGE_SPI_MAX])
		max = nla_get_u32(tb[VTUN_A_SPI_RANGE_SPI_MAX]);
	if (tb[VTUN_A_SPI_RANGE_TIMEOUT])
		timeout = nla_get_u32(tb[VTUN_A_SPI_RANGE_TIMEOUT]);
	if (min > max) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    tb[VTUN_A_SPI_RANGE_SPI_MAX] ?:
				    tb[VTUN_A_SPI_RANGE_SPI_MIN],
				    "spi-max: below spi-min, the range is empty");
		return -EINVAL;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &vtun_nl_family, 0,
				VTUN_CMD_SPI_ALLOC);
	err = -EMSGSIZE;
	if (!hdr)
		goto err_free;
	rtnl_lock();
	err = vtun_spi_reserve(vd, min, max, timeout, &spi, info->extack);
	rtnl_unlock();
	if (err)
		goto err_free;
	nest = nla_nest_start(msg, VTUN_A_SPI_ALLOC);
	/* The reservation times out if the reply is lost. */
	err = -EMSGSIZE;
	if (nla_put_u32(msg, VTUN_A_IFINDEX, vd->dev->ifindex) || !nest ||
	    nla_put_u32(msg, VTUN_A_SPI_RANGE_SPI, spi) ||
	    nla_put_u32(msg, VTUN_A_SPI_RANGE_SPI_MIN, min) ||
	    nla_put_u32(msg, VTUN_A_SPI_RANGE_SPI_MAX, max) ||
	    nla_put_u32(msg, VTUN_A_SPI_RANGE_TIMEOUT, timeout))
		goto err_free;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
}

int vtun_nl_proxy_id_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vtun_proxy_id_new(info->user_ptr[0], info);
}

int vtun_nl_proxy_id_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vtun_proxy_id_del(info->user_ptr[0], info);
}

int vtun_nl_proxy_id_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vtun_proxy_id_get(info->user_ptr[0], info);
}

int vtun_nl_proxy_id_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	return vtun_proxy_id_dump(skb, cb);
}
