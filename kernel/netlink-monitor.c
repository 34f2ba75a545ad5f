// SPDX-License-Identifier: GPL-2.0
/*
 * The "vtun" family's monitor operations and events: requests parsed
 * into a monitor configuration, replies and notifications filled from
 * a monitor's snapshot.
 */

#include <net/genetlink.h>

#include "compat.h"
#include "device.h"
#include "monitor.h"
#include "netlink-gen.h"
#include "netlink.h"

/* A number attribute within [min, max] into @v, else an error naming it. */
#define vtun_monitor_num(attr, get, v, min, max, msg, extack) ({	\
	const struct nlattr *__a = (attr);				\
	int __err = 0;							\
	if (__a) {							\
		u32 __x = get(__a);					\
		if (__x < (min) || __x > (max)) {			\
			NL_SET_ERR_MSG_ATTR(extack, __a, msg);		\
			__err = -ERANGE;				\
		} else {						\
			*(v) = __x;					\
		}							\
	}								\
	__err;								\
})

static int vtun_monitor_addr(struct nlattr *attr, union vtun_addr *addr,
			     sa_family_t *family)
{
	sa_family_t f;

	switch (nla_len(attr)) {
	case sizeof(struct in_addr):
		f = AF_INET;
		break;
	case sizeof(struct in6_addr):
		f = AF_INET6;
		break;
	default:
		return -EINVAL;
	}
	if (*family && *family != f)
		return -EINVAL;
	*family = f;
	memset(addr, 0, sizeof(*addr));
	nla_memcpy(addr, attr, sizeof(*addr));
	return 0;
}

/* The request's values over @c; syntax and ranges only. */
static int vtun_monitor_parse(struct nlattr *nest, struct vtun_monitor_cfg *c,
			      bool create, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[VTUN_A_MONITOR_MAX + 1];
	u32 threshold = c->threshold, action = c->action;
	u32 optimized = c->optimized;
	sa_family_t family;
	int err, type;

	err = nla_parse_nested(tb, VTUN_A_MONITOR_MAX, nest,
			       vtun_monitor_nl_policy, extack);
	if (err)
		return err;
	for (type = VTUN_A_MONITOR_STATE; type <= VTUN_A_MONITOR_MAX; type++) {
		if (tb[type]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[type],
					    "monitor: attribute is read-only");
			return -EINVAL;
		}
	}
	if (create && !tb[VTUN_A_MONITOR_DST]) {
		NL_SET_ERR_ATTR_MISS(extack, nest, VTUN_A_MONITOR_DST);
		NL_SET_ERR_MSG(extack, "dst: missing");
		return -EINVAL;
	}
	if (tb[VTUN_A_MONITOR_DST]) {
		family = AF_UNSPEC;
		err = vtun_monitor_addr(tb[VTUN_A_MONITOR_DST], &c->dst, &family);
		if (err) {
			NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_MONITOR_DST],
					    "dst: address must be 4 (IPv4) or 16 (IPv6) bytes");
			return err;
		}
		if (family != c->family && !tb[VTUN_A_MONITOR_SRC])
			c->src_auto = true;
		c->family = family;
	}
	if (tb[VTUN_A_MONITOR_SRC]) {
		family = c->family;
		err = vtun_monitor_addr(tb[VTUN_A_MONITOR_SRC], &c->src, &family);
		if (err) {
			NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_MONITOR_SRC],
					    "src: address family differs from dst");
			return err;
		}
		c->src_auto = false;
	}
	err = vtun_monitor_num(tb[VTUN_A_MONITOR_INTERVAL], nla_get_u32,
			       &c->interval, VTUN_MON_INTERVAL_MIN,
			       VTUN_MON_INTERVAL_MAX,
			       "interval: must be 100 to 10000 ms", extack) ?:
	      vtun_monitor_num(tb[VTUN_A_MONITOR_THRESHOLD], nla_get_u8,
			       &threshold, VTUN_MON_THRESHOLD_MIN,
			       VTUN_MON_THRESHOLD_MAX,
			       "threshold: must be 1 to 10 probes", extack) ?:
	      vtun_monitor_num(tb[VTUN_A_MONITOR_ACTION], nla_get_u8, &action,
			       0, VTUN_MONITOR_ACTION_FAIL_OVER,
			       "action: must be wait-recover (0) or fail-over (1)",
			       extack) ?:
	      vtun_monitor_num(tb[VTUN_A_MONITOR_HOLD_DOWN], nla_get_u32,
			       &c->hold_down, 0, VTUN_MON_HOLD_DOWN_MAX,
			       "hold-down: must be 0 to 600000 ms", extack) ?:
	      vtun_monitor_num(tb[VTUN_A_MONITOR_OPTIMIZED], nla_get_u8,
			       &optimized, 0, 1, "optimized: must be 0 or 1",
			       extack);
	c->threshold = threshold;
	c->action = action;
	c->optimized = optimized;
	return err;
}

/*
 * monitor-new and monitor-set: the request over the configuration the
 * device starts from; the checks that need the device name the nest.
 */
static int vtun_nl_monitor_change(struct vtun_dev *vd, struct genl_info *info,
				  bool create)
{
	struct nlattr *nest = info->attrs[VTUN_A_MONITOR];
	struct vtun_monitor_cfg *c;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, VTUN_A_MONITOR))
		return -EINVAL;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	rtnl_lock();
	err = vtun_monitor_prepare(vd, c, create);
	if (err == -EEXIST)
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "monitor: the device already has one");
	else if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "monitor: the device has none");
	if (err)
		goto err;
	err = vtun_monitor_parse(nest, c, create, info->extack);
	if (err)
		goto err;
	err = vtun_monitor_apply(vd, c, create, info->extack);
	if (err) {
		NL_SET_BAD_ATTR(info->extack, nest);
		goto err;
	}
	rtnl_unlock();
	return 0;
err:
	rtnl_unlock();
	kfree(c);
	return err;
}

int vtun_nl_monitor_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vtun_nl_monitor_change(info->user_ptr[0], info, true);
}

int vtun_nl_monitor_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vtun_nl_monitor_change(info->user_ptr[0], info, false);
}

int vtun_nl_monitor_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	int err;

	rtnl_lock();
	err = vtun_monitor_remove(info->user_ptr[0]);
	rtnl_unlock();
	if (err)
		NL_SET_ERR_MSG(info->extack, "monitor: the device has none");
	return err;
}

static int vtun_nl_put_monitor_info(struct sk_buff *skb,
				    const struct vtun_monitor_info *mi,
				    int type, int reason)
{
	const struct vtun_monitor_cfg *cfg = &mi->cfg;
	unsigned int alen = vtun_addr_len(cfg->family);
	struct nlattr *nest;

	nest = nla_nest_start(skb, type);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put(skb, VTUN_A_MONITOR_DST, alen, &cfg->dst) ||
	    nla_put(skb, VTUN_A_MONITOR_SRC, alen, &cfg->src) ||
	    nla_put_u32(skb, VTUN_A_MONITOR_INTERVAL, cfg->interval) ||
	    nla_put_u8(skb, VTUN_A_MONITOR_THRESHOLD, cfg->threshold) ||
	    nla_put_u8(skb, VTUN_A_MONITOR_ACTION, cfg->action) ||
	    nla_put_u32(skb, VTUN_A_MONITOR_HOLD_DOWN, cfg->hold_down) ||
	    nla_put_u8(skb, VTUN_A_MONITOR_OPTIMIZED, cfg->optimized) ||
	    nla_put_u8(skb, VTUN_A_MONITOR_STATE,
		       mi->down ? VTUN_MONITOR_STATE_DOWN :
				  VTUN_MONITOR_STATE_UP) ||
	    (reason >= 0 && nla_put_u8(skb, VTUN_A_MONITOR_REASON, reason)) ||
	    nla_put_u64_64bit(skb, VTUN_A_MONITOR_SENT, mi->sent,
			      VTUN_A_MONITOR_PAD) ||
	    nla_put_u64_64bit(skb, VTUN_A_MONITOR_RECEIVED, mi->received,
			      VTUN_A_MONITOR_PAD) ||
	    nla_put_u64_64bit(skb, VTUN_A_MONITOR_LOST, mi->lost,
			      VTUN_A_MONITOR_PAD) ||
	    nla_put_u32(skb, VTUN_A_MONITOR_MISSES, mi->misses) ||
	    nla_put_u32(skb, VTUN_A_MONITOR_RTT, mi->rtt)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* The monitor nest, if the device has a monitor; @reason < 0: none. */
int vtun_nl_put_monitor(struct sk_buff *skb, struct vtun_dev *vd, int type,
			int reason)
{
	struct vtun_monitor_info mi;

	if (!vtun_monitor_snapshot(vd, &mi))
		return 0;
	return vtun_nl_put_monitor_info(skb, &mi, type, reason);
}

int vtun_nl_monitor_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vtun_dev *vd = info->user_ptr[0];
	struct vtun_monitor_info mi;
	struct sk_buff *msg;
	void *hdr;

	if (!vtun_monitor_snapshot(vd, &mi)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VTUN_A_IFINDEX],
				    "monitor: the device has none");
		return -ENOENT;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &vtun_nl_family, 0,
				VTUN_CMD_MONITOR_GET);
	if (!hdr || nla_put_u32(msg, VTUN_A_IFINDEX, vd->dev->ifindex) ||
	    vtun_nl_put_monitor_info(msg, &mi, VTUN_A_MONITOR, -1)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* A monitor changed state; from timers and receive: atomic, silent. */
void vtun_nl_monitor_notify(struct vtun_dev *vd, bool up, u8 reason)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &vtun_nl_family, 0,
			  up ? VTUN_CMD_MONITOR_UP_NTF :
			       VTUN_CMD_MONITOR_DOWN_NTF);
	if (!hdr || nla_put_u32(msg, VTUN_A_IFINDEX, vd->dev->ifindex) ||
	    vtun_nl_put_monitor(msg, vd, VTUN_A_MONITOR, reason)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&vtun_nl_family, dev_net(vd->dev), msg, 0,
				VTUN_NLGRP_EVENTS, GFP_ATOMIC);
}
