// SPDX-License-Identifier: GPL-2.0
/*
 * The "vtun" family's proxy ID operations and the acquire event: requests
 * parsed into a selector for selector.c, replies and notifications filled
 * from a selector.
 */

#include <linux/in.h>
#include <net/genetlink.h>

#include "compat.h"
#include "device.h"
#include "selector.h"
#include "netlink-gen.h"
#include "netlink.h"

static int vtun_put_sel(struct sk_buff *skb, u16 id, const struct vtun_sel *s)
{
	unsigned int alen = vtun_addr_len(s->family);
	struct nlattr *nest = nla_nest_start(skb, VTUN_A_PROXY_ID);

	if (!nest ||
	    nla_put_u16(skb, VTUN_A_PROXY_ID_ID, id) ||
	    nla_put(skb, VTUN_A_PROXY_ID_LOCAL, alen, &s->laddr) ||
	    nla_put_u8(skb, VTUN_A_PROXY_ID_LOCAL_LEN, s->llen) ||
	    nla_put(skb, VTUN_A_PROXY_ID_REMOTE, alen, &s->raddr) ||
	    nla_put_u8(skb, VTUN_A_PROXY_ID_REMOTE_LEN, s->rlen) ||
	    nla_put_u8(skb, VTUN_A_PROXY_ID_IP_PROTO, s->l4.proto))
		return -EMSGSIZE;
	if (s->l4.ports &&
	    (nla_put_u16(skb, VTUN_A_PROXY_ID_LOCAL_PORT_MIN, s->l4.lport_min) ||
	     nla_put_u16(skb, VTUN_A_PROXY_ID_LOCAL_PORT_MAX, s->l4.lport_max) ||
	     nla_put_u16(skb, VTUN_A_PROXY_ID_REMOTE_PORT_MIN, s->l4.rport_min) ||
	     nla_put_u16(skb, VTUN_A_PROXY_ID_REMOTE_PORT_MAX, s->l4.rport_max)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

#define VTUN_ACQUIRE_SIZE (nla_total_size(sizeof(u32)) +		\
			   nla_total_size(0) +				\
			   nla_total_size(sizeof(u32)) +		\
			   2 * nla_total_size(sizeof(struct in6_addr)) + \
			   3 * nla_total_size(sizeof(u8)) +		\
			   4 * nla_total_size(sizeof(u16)))

/*
 * No SA for traffic of proxy ID @id (0: the default pair, @sel the
 * packet's addresses). Runs in the transmit path: atomic allocation,
 * failures are silent.
 */
void vtun_nl_acquire_notify(struct vtun_dev *vd, u16 id,
			    const struct vtun_sel *sel)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(VTUN_ACQUIRE_SIZE, GFP_ATOMIC);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &vtun_nl_family, 0, VTUN_CMD_ACQUIRE_NTF);
	if (!hdr || nla_put_u32(msg, VTUN_A_IFINDEX, vd->dev->ifindex) ||
	    vtun_put_sel(msg, id, sel)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&vtun_nl_family, dev_net(vd->dev), msg, 0,
				VTUN_NLGRP_EVENTS, GFP_ATOMIC);
}

/* The proxy ID nest, with the ID that names one. */
static int vtun_nl_proxy_id_parse(struct genl_info *info, struct nlattr **tb)
{
	struct nlattr *nest = info->attrs[VTUN_A_PROXY_ID];
	int err;

	if (GENL_REQ_ATTR_CHECK(info, VTUN_A_PROXY_ID))
		return -EINVAL;
	err = nla_parse_nested(tb, VTUN_A_PROXY_ID_MAX, nest,
			       vtun_proxy_id_nl_policy, info->extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(info->extack, nest, tb, VTUN_A_PROXY_ID_ID))
		return -EINVAL;
	return 0;
}

static void vtun_prefix_mask(union vtun_addr *mask, u8 len)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mask->v6.s6_addr32); i++) {
		int bits = clamp_t(int, len - 32 * i, 0, 32);

		mask->v6.s6_addr32[i] = bits ? htonl(~0U << (32 - bits)) : 0;
	}
}

static bool vtun_host_bits(const union vtun_addr *addr,
			   const union vtun_addr *mask)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(addr->v6.s6_addr32); i++)
		if (addr->v6.s6_addr32[i] & ~mask->v6.s6_addr32[i])
			return true;
	return false;
}

/* Address and prefix length of one side; @local picks the attributes. */
static int vtun_parse_prefix(struct nlattr **tb, bool local,
			     union vtun_addr *addr, union vtun_addr *mask,
			     u8 *plen, sa_family_t *family,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *a = tb[local ? VTUN_A_PROXY_ID_LOCAL :
				      VTUN_A_PROXY_ID_REMOTE];
	struct nlattr *l = tb[local ? VTUN_A_PROXY_ID_LOCAL_LEN :
				      VTUN_A_PROXY_ID_REMOTE_LEN];
	sa_family_t fam;

	switch (nla_len(a)) {
	case sizeof(struct in_addr):
		fam = AF_INET;
		break;
	case sizeof(struct in6_addr):
		fam = AF_INET6;
		break;
	default:
		if (local)
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "local: address must be 4 (IPv4) or 16 (IPv6) bytes");
		else
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "remote: address must be 4 (IPv4) or 16 (IPv6) bytes");
		return -EINVAL;
	}
	if (*family && fam != *family) {
		if (local)
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "local: address family differs from the other side");
		else
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "remote: address family differs from the other side");
		return -EINVAL;
	}
	*family = fam;
	*plen = l ? nla_get_u8(l) : vtun_addr_len(fam) * 8;
	if (*plen > vtun_addr_len(fam) * 8) {
		if (local)
			NL_SET_ERR_MSG_ATTR(extack, l,
					    "local-len: longer than the address");
		else
			NL_SET_ERR_MSG_ATTR(extack, l,
					    "remote-len: longer than the address");
		return -EINVAL;
	}
	memset(addr, 0, sizeof(*addr));
	nla_memcpy(addr, a, sizeof(*addr));
	vtun_prefix_mask(mask, *plen);
	if (vtun_host_bits(addr, mask)) {
		if (local)
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "local: host bits set beyond the prefix length");
		else
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "remote: host bits set beyond the prefix length");
		return -EINVAL;
	}
	return 0;
}

/* A port range; one bound alone is a single port. */
static int vtun_parse_ports(struct nlattr **tb, bool local, u8 proto,
			    u16 *min, u16 *max, struct netlink_ext_ack *extack)
{
	struct nlattr *lo = tb[local ? VTUN_A_PROXY_ID_LOCAL_PORT_MIN :
				       VTUN_A_PROXY_ID_REMOTE_PORT_MIN];
	struct nlattr *hi = tb[local ? VTUN_A_PROXY_ID_LOCAL_PORT_MAX :
				       VTUN_A_PROXY_ID_REMOTE_PORT_MAX];

	*min = 0;
	*max = U16_MAX;
	if (!lo && !hi)
		return 0;
	if (!vtun_proto_has_ports(proto)) {
		if (local)
			NL_SET_ERR_MSG_ATTR(extack, lo ?: hi,
					    "local-port-min: ports need ip-proto TCP, UDP, SCTP or UDP-Lite");
		else
			NL_SET_ERR_MSG_ATTR(extack, lo ?: hi,
					    "remote-port-min: ports need ip-proto TCP, UDP, SCTP or UDP-Lite");
		return -EINVAL;
	}
	*min = nla_get_u16(lo ?: hi);
	*max = nla_get_u16(hi ?: lo);
	if (*min > *max) {
		if (local)
			NL_SET_ERR_MSG_ATTR(extack, hi,
					    "local-port-max: below the minimum port");
		else
			NL_SET_ERR_MSG_ATTR(extack, hi,
					    "remote-port-max: below the minimum port");
		return -EINVAL;
	}
	return 0;
}

static int vtun_sel_parse(struct nlattr **tb, struct vtun_sel *s,
			  const struct nlattr *nest,
			  struct netlink_ext_ack *extack)
{
	struct vtun_sel_l4 *l4 = &s->l4;
	int err;

	memset(s, 0, sizeof(*s));
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, VTUN_A_PROXY_ID_LOCAL) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, VTUN_A_PROXY_ID_REMOTE))
		return -EINVAL;
	err = vtun_parse_prefix(tb, true, &s->laddr, &s->lmask, &s->llen,
				&s->family, extack);
	if (err)
		return err;
	err = vtun_parse_prefix(tb, false, &s->raddr, &s->rmask, &s->rlen,
				&s->family, extack);
	if (err)
		return err;
	if (tb[VTUN_A_PROXY_ID_IP_PROTO])
		l4->proto = nla_get_u8(tb[VTUN_A_PROXY_ID_IP_PROTO]);
	err = vtun_parse_ports(tb, true, l4->proto, &l4->lport_min,
			       &l4->lport_max, extack);
	if (err)
		return err;
	err = vtun_parse_ports(tb, false, l4->proto, &l4->rport_min,
			       &l4->rport_max, extack);
	if (err)
		return err;
	l4->ports = l4->lport_min || l4->lport_max != U16_MAX ||
		    l4->rport_min || l4->rport_max != U16_MAX;
	return 0;
}

/* The attribute of each part of a request vtun_proxy_id_add() may refuse. */
static struct nlattr *vtun_nl_proxy_id_field(struct genl_info *info,
					     struct nlattr **tb,
					     enum vtun_proxy_id_field f)
{
	switch (f) {
	case VTUN_PROXY_ID_FIELD_DEV:
		return info->attrs[VTUN_A_IFINDEX];
	case VTUN_PROXY_ID_FIELD_ID:
		return tb[VTUN_A_PROXY_ID_ID];
	case VTUN_PROXY_ID_FIELD_ALL:
		return info->attrs[VTUN_A_PROXY_ID];
	default:
		return NULL;
	}
}

int vtun_nl_proxy_id_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	enum vtun_proxy_id_field bad = VTUN_PROXY_ID_FIELD_NONE;
	struct nlattr *tb[VTUN_A_PROXY_ID_MAX + 1];
	struct vtun_dev *vd = info->user_ptr[0];
	struct vtun_sel sel;
	int err;

	err = vtun_nl_proxy_id_parse(info, tb) ?:
	      vtun_sel_parse(tb, &sel, info->attrs[VTUN_A_PROXY_ID],
			     info->extack);
	if (err)
		return err;
	rtnl_lock();
	err = vtun_proxy_id_add(vd, nla_get_u16(tb[VTUN_A_PROXY_ID_ID]), &sel,
				info->extack, &bad);
	rtnl_unlock();
	if (err && bad != VTUN_PROXY_ID_FIELD_NONE)
		NL_SET_BAD_ATTR(info->extack,
				vtun_nl_proxy_id_field(info, tb, bad));
	return err;
}

static void vtun_nl_proxy_id_none(struct nlattr **tb,
				  struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_PROXY_ID_ID],
			    "id: no such proxy ID on this device");
}

int vtun_nl_proxy_id_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[VTUN_A_PROXY_ID_MAX + 1];
	int err;

	err = vtun_nl_proxy_id_parse(info, tb);
	if (err)
		return err;
	rtnl_lock();
	err = vtun_proxy_id_remove(info->user_ptr[0],
				   nla_get_u16(tb[VTUN_A_PROXY_ID_ID]));
	rtnl_unlock();
	if (err == -ENOENT)
		vtun_nl_proxy_id_none(tb, info->extack);
	return err;
}

static int vtun_nl_proxy_id_put_msg(struct sk_buff *skb, struct vtun_dev *vd,
				    u16 id, const struct vtun_sel *sel,
				    u32 portid, u32 seq, int flags)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &vtun_nl_family, flags,
			  VTUN_CMD_PROXY_ID_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, VTUN_A_IFINDEX, vd->dev->ifindex) ||
	    vtun_put_sel(skb, id, sel)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

int vtun_nl_proxy_id_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[VTUN_A_PROXY_ID_MAX + 1];
	struct vtun_dev *vd = info->user_ptr[0];
	struct sk_buff *msg;
	struct vtun_sel sel;
	bool found;
	int err;
	u16 id;

	err = vtun_nl_proxy_id_parse(info, tb);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	id = nla_get_u16(tb[VTUN_A_PROXY_ID_ID]);
	rtnl_lock();
	found = vtun_proxy_id_lookup(vd, id, &sel);
	rtnl_unlock();
	if (!found) {
		vtun_nl_proxy_id_none(tb, info->extack);
		err = -ENOENT;
	} else {
		err = vtun_nl_proxy_id_put_msg(msg, vd, id, &sel,
					       info->snd_portid,
					       info->snd_seq, 0);
	}
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* Dumps one device's proxy IDs in match order, resuming by position. */
int vtun_nl_proxy_id_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct vtun_dev *vd = vtun_dump_dev_lock(cb);
	long idx = cb->args[0];
	struct vtun_sel sel;
	int err = 0, start;
	u16 id;

	if (IS_ERR(vd))
		return PTR_ERR(vd);
	for (; vtun_proxy_id_at(vd, idx, &id, &sel); idx++) {
		start = skb->len;
		err = vtun_nl_proxy_id_put_msg(skb, vd, id, &sel,
					       NETLINK_CB(cb->skb).portid,
					       cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (err)
			break;
		vtun_dump_mark(cb, skb, start);
	}
	rtnl_unlock();
	return vtun_dump_done(skb, cb, idx, err);
}
