// SPDX-License-Identifier: GPL-2.0
/*
 * The "vtun" family's SA operations and events: requests parsed into
 * plain values for sa.c and lifetime.c, replies and notifications filled
 * from what they report.
 */

#include <net/genetlink.h>

#include "ah.h"
#include "compat.h"
#include "counters.h"
#include "device.h"
#include "esp.h"
#include "lifetime.h"
#include "sa.h"
#include "udp.h"
#include "netlink-gen.h"
#include "netlink.h"

static const int vtun_lt_attr[VTUN_LT_LIMITS][2] = {
	[VTUN_EXPIRE_LIMIT_SECONDS] = { VTUN_A_SA_LIFETIME_SOFT_SECONDS,
					VTUN_A_SA_LIFETIME_HARD_SECONDS },
	[VTUN_EXPIRE_LIMIT_USE_SECONDS] = { VTUN_A_SA_LIFETIME_SOFT_USE_SECONDS,
					    VTUN_A_SA_LIFETIME_HARD_USE_SECONDS },
	[VTUN_EXPIRE_LIMIT_BYTES] = { VTUN_A_SA_LIFETIME_SOFT_BYTES,
				      VTUN_A_SA_LIFETIME_HARD_BYTES },
	[VTUN_EXPIRE_LIMIT_PACKETS] = { VTUN_A_SA_LIFETIME_SOFT_PACKETS,
					VTUN_A_SA_LIFETIME_HARD_PACKETS },
};

/* Extack messages must be literals on older kernels. */
#define VTUN_LT_ZERO(t, name)						\
	case t:								\
		NL_SET_ERR_MSG_ATTR(extack, a,				\
				    name ": 0 is no limit (leave it out)"); \
		break
#define VTUN_LT_ORDER(t, soft, hard)					\
	case t:								\
		NL_SET_ERR_MSG_ATTR(extack, a, soft ": must be below " hard); \
		break

static void vtun_lt_err(struct netlink_ext_ack *extack,
			const struct nlattr *a, bool zero)
{
	if (zero) {
		switch (nla_type(a)) {
		VTUN_LT_ZERO(VTUN_A_SA_LIFETIME_SOFT_SECONDS, "soft-seconds");
		VTUN_LT_ZERO(VTUN_A_SA_LIFETIME_HARD_SECONDS, "hard-seconds");
		VTUN_LT_ZERO(VTUN_A_SA_LIFETIME_SOFT_USE_SECONDS,
			     "soft-use-seconds");
		VTUN_LT_ZERO(VTUN_A_SA_LIFETIME_HARD_USE_SECONDS,
			     "hard-use-seconds");
		VTUN_LT_ZERO(VTUN_A_SA_LIFETIME_SOFT_BYTES, "soft-bytes");
		VTUN_LT_ZERO(VTUN_A_SA_LIFETIME_HARD_BYTES, "hard-bytes");
		VTUN_LT_ZERO(VTUN_A_SA_LIFETIME_SOFT_PACKETS, "soft-packets");
		VTUN_LT_ZERO(VTUN_A_SA_LIFETIME_HARD_PACKETS, "hard-packets");
		}
		return;
	}
	switch (nla_type(a)) {
	VTUN_LT_ORDER(VTUN_A_SA_LIFETIME_SOFT_SECONDS, "soft-seconds",
		      "hard-seconds");
	VTUN_LT_ORDER(VTUN_A_SA_LIFETIME_SOFT_USE_SECONDS, "soft-use-seconds",
		      "hard-use-seconds");
	VTUN_LT_ORDER(VTUN_A_SA_LIFETIME_SOFT_BYTES, "soft-bytes",
		      "hard-bytes");
	VTUN_LT_ORDER(VTUN_A_SA_LIFETIME_SOFT_PACKETS, "soft-packets",
		      "hard-packets");
	}
}

/* The whole set of limits: what the nest leaves out is no limit. */
int vtun_nl_parse_lifetime(struct vtun_lifetime *lt,
			   const struct nlattr *attr,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[VTUN_A_SA_LIFETIME_MAX + 1];
	int i, h, err;

	memset(lt, 0, sizeof(*lt));
	lt->seq_margin = VTUN_LT_SEQ_MARGIN_DEFAULT;
	if (!attr)
		return 0;
	err = nla_parse_nested(tb, VTUN_A_SA_LIFETIME_MAX, attr,
			       vtun_sa_lifetime_nl_policy, extack);
	if (err)
		return err;
	for (i = 0; i < VTUN_LT_LIMITS; i++) {
		for (h = 0; h < 2; h++) {
			struct nlattr *a = tb[vtun_lt_attr[i][h]];
			u64 v = a ? nla_get_u64(a) : 0;

			if (a && !v) {
				vtun_lt_err(extack, a, true);
				return -EINVAL;
			}
			if (h)
				lt->hard[i] = v;
			else
				lt->soft[i] = v;
		}
		if (lt->soft[i] && lt->hard[i] && lt->soft[i] >= lt->hard[i]) {
			vtun_lt_err(extack, tb[vtun_lt_attr[i][0]], false);
			return -EINVAL;
		}
	}
	if (tb[VTUN_A_SA_LIFETIME_SEQ_MARGIN])
		lt->seq_margin = nla_get_u64(tb[VTUN_A_SA_LIFETIME_SEQ_MARGIN]);
	return 0;
}

/* Reported with the SA: its limits (when any) and times. */
static int vtun_nl_put_lifetime(struct sk_buff *skb, struct vtun_sa *sa)
{
	struct vtun_lt_info li;
	struct nlattr *nest;
	bool any = false;
	int i;

	vtun_lt_snapshot(sa, &li);
	if (nla_put_u64_64bit(skb, VTUN_A_SA_ADD_TIME, li.add, VTUN_A_SA_PAD) ||
	    nla_put_u64_64bit(skb, VTUN_A_SA_USE_TIME, li.use, VTUN_A_SA_PAD) ||
	    nla_put_u64_64bit(skb, VTUN_A_SA_LAST_USED, li.last, VTUN_A_SA_PAD))
		return -EMSGSIZE;
	for (i = 0; i < VTUN_LT_LIMITS; i++)
		any |= li.lim.soft[i] || li.lim.hard[i];
	if (sa->dir == VTUN_DIR_OUT)
		any = true;
	if (!any)
		return 0;
	nest = nla_nest_start(skb, VTUN_A_SA_LIFETIME);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < VTUN_LT_LIMITS; i++) {
		if ((li.lim.soft[i] &&
		     nla_put_u64_64bit(skb, vtun_lt_attr[i][0], li.lim.soft[i],
				       VTUN_A_SA_LIFETIME_PAD)) ||
		    (li.lim.hard[i] &&
		     nla_put_u64_64bit(skb, vtun_lt_attr[i][1], li.lim.hard[i],
				       VTUN_A_SA_LIFETIME_PAD)))
			goto cancel;
	}
	if (sa->dir == VTUN_DIR_OUT &&
	    nla_put_u64_64bit(skb, VTUN_A_SA_LIFETIME_SEQ_MARGIN,
			      li.lim.seq_margin, VTUN_A_SA_LIFETIME_PAD))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* The SA nest, with the direction and SPI that name an SA. */
static int vtun_nl_sa_parse(struct genl_info *info, struct nlattr **tb)
{
	int err;

	if (GENL_REQ_ATTR_CHECK(info, VTUN_A_SA))
		return -EINVAL;
	err = nla_parse_nested(tb, VTUN_A_SA_MAX, info->attrs[VTUN_A_SA],
			       vtun_sa_nl_policy, info->extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(info->extack, info->attrs[VTUN_A_SA], tb,
			      VTUN_A_SA_DIR) ||
	    NL_REQ_ATTR_CHECK(info->extack, info->attrs[VTUN_A_SA], tb,
			      VTUN_A_SA_SPI))
		return -EINVAL;
	return 0;
}

/* The SA a request names, or an error naming its SPI. Under RTNL. */
static struct vtun_sa *vtun_nl_sa_find(struct vtun_dev *vd, struct nlattr **tb,
				       struct netlink_ext_ack *extack)
{
	struct vtun_sa *sa;

	sa = vtun_sa_find(vd, nla_get_u8(tb[VTUN_A_SA_DIR]),
			  cpu_to_be32(nla_get_u32(tb[VTUN_A_SA_SPI])));
	if (!sa)
		NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_SPI],
				    "spi: no such SA on this device");
	return sa;
}

/*
 * Integrity floors: 64 bits for AEAD ICVs, 96 for truncated HMAC and other
 * MACs (RFC 2404, RFC 4868), whatever the algorithm would accept.
 */
static int vtun_nl_sa_check_icv(struct nlattr **tb,
				struct netlink_ext_ack *extack)
{
	struct nlattr *icv = tb[VTUN_A_SA_ICV_BITS];
	struct nlattr *trunc = tb[VTUN_A_SA_AUTH_TRUNC_BITS];

	if (icv && nla_get_u32(icv) < 64) {
		NL_SET_ERR_MSG_ATTR(extack, icv, "icv-bits: at least 64");
		return -EINVAL;
	}
	if (trunc && nla_get_u32(trunc) < 96) {
		NL_SET_ERR_MSG_ATTR(extack, trunc,
				    "auth-trunc-bits: at least 96");
		return -EINVAL;
	}
	return 0;
}

/* What sa-new asks for, checked; the transform is left to its setup. */
static int vtun_nl_sa_cfg(struct vtun_sa_cfg *c, struct nlattr **tb,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *attr = tb[VTUN_A_SA_REPLAY_WINDOW];
	int err;

	err = vtun_nl_parse_lifetime(&c->lt, tb[VTUN_A_SA_LIFETIME], extack);
	if (err)
		return err;
	if (tb[VTUN_A_SA_ACTIVE]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_ACTIVE],
				    "active: only for sa-set (sa-new takes standby)");
		return -EINVAL;
	}
	c->dir = nla_get_u8(tb[VTUN_A_SA_DIR]);
	if (tb[VTUN_A_SA_STANDBY] && c->dir != VTUN_DIR_OUT) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_STANDBY],
				    "standby: only for outbound SAs");
		return -EINVAL;
	}
	c->spi = cpu_to_be32(nla_get_u32(tb[VTUN_A_SA_SPI]));
	c->proto = tb[VTUN_A_SA_PROTO] ? nla_get_u8(tb[VTUN_A_SA_PROTO]) :
					 VTUN_PROTO_ESP;
	c->esn = tb[VTUN_A_SA_ESN] && nla_get_u8(tb[VTUN_A_SA_ESN]);
	c->standby = tb[VTUN_A_SA_STANDBY] && nla_get_u8(tb[VTUN_A_SA_STANDBY]);
	c->replay_window = attr ? nla_get_u32(attr) : VTUN_REPLAY_DEFAULT;
	c->seq = tb[VTUN_A_SA_SEQ] ? nla_get_u64(tb[VTUN_A_SA_SEQ]) : 0;
	if (!vtun_replay_window_valid(c->replay_window)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "replay-window: must be 0 or a power of two from 32 to 4096");
		return -EINVAL;
	}
	if (!c->esn && c->seq > U32_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_SEQ],
				    "seq: above 2^32-1 needs esn");
		return -EINVAL;
	}
	return vtun_nl_sa_check_icv(tb, extack);
}

/* The request's SA with its transform, not yet on the device. */
static struct vtun_sa *vtun_nl_sa_create(struct vtun_dev *vd,
					 struct nlattr **tb,
					 struct netlink_ext_ack *extack)
{
	struct vtun_sa_cfg c = { };
	struct vtun_sa *sa;
	int err;

	err = vtun_nl_sa_cfg(&c, tb, extack);
	if (err)
		return ERR_PTR(err);
	sa = vtun_sa_alloc(vd, &c);
	if (IS_ERR(sa))
		return sa;
	err = -EINVAL;
	if (sa->proto == VTUN_PROTO_AH)
		err = vtun_ah_init(sa, tb, extack);
	else if (tb[VTUN_A_SA_AH_ALIGN8])
		NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_AH_ALIGN8],
				    "ah-align8: only for proto ah");
	else
		err = vtun_esp_init(sa, tb, extack);
	if (err) {
		vtun_sa_put(sa);
		return ERR_PTR(err);
	}
	return sa;
}

/* The attribute of each part of a request vtun_sa_add() may refuse. */
static const int vtun_nl_sa_field_attr[] = {
	[VTUN_SA_FIELD_SPI] = VTUN_A_SA_SPI,
	[VTUN_SA_FIELD_PROTO] = VTUN_A_SA_PROTO,
	[VTUN_SA_FIELD_PROXY_ID] = VTUN_A_SA_PROXY_ID,
};

int vtun_nl_sa_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	enum vtun_sa_field bad = VTUN_SA_FIELD_NONE;
	struct vtun_dev *vd = info->user_ptr[0];
	struct nlattr *tb[VTUN_A_SA_MAX + 1];
	struct vtun_sa *sa;
	u16 proxy_id;
	int err;

	err = vtun_nl_sa_parse(info, tb);
	if (err)
		return err;
	/* Transforms are allocated outside RTNL: it may sleep for modules. */
	sa = vtun_nl_sa_create(vd, tb, info->extack);
	if (IS_ERR(sa))
		return PTR_ERR(sa);
	proxy_id = tb[VTUN_A_SA_PROXY_ID] ?
		   nla_get_u16(tb[VTUN_A_SA_PROXY_ID]) : 0;
	rtnl_lock();
	err = vtun_sa_add(sa, proxy_id, info->extack, &bad);
	rtnl_unlock();
	if (err) {
		if (bad != VTUN_SA_FIELD_NONE)
			NL_SET_BAD_ATTR(info->extack,
					tb[vtun_nl_sa_field_attr[bad]]);
		vtun_sa_put(sa);
	}
	return err;
}

int vtun_nl_sa_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vtun_dev *vd = info->user_ptr[0];
	struct nlattr *tb[VTUN_A_SA_MAX + 1];
	struct vtun_sa *sa;
	int err;

	err = vtun_nl_sa_parse(info, tb);
	if (err)
		return err;
	rtnl_lock();
	sa = vtun_nl_sa_find(vd, tb, info->extack);
	if (sa)
		vtun_sa_delete(sa);
	rtnl_unlock();
	return sa ? 0 : -ENOENT;
}

/* What sa-set may change; anything else in the request is refused. */
static const int vtun_sa_set_attrs[] = {
	VTUN_A_SA_DIR, VTUN_A_SA_SPI, VTUN_A_SA_LIFETIME, VTUN_A_SA_ACTIVE,
	VTUN_A_SA_PEER, VTUN_A_SA_PEER_PORT,
};

static int vtun_nl_sa_set_check(struct nlattr **tb,
				struct netlink_ext_ack *extack)
{
	int i, j;

	for (i = 1; i <= VTUN_A_SA_MAX; i++) {
		if (!tb[i])
			continue;
		for (j = 0; j < ARRAY_SIZE(vtun_sa_set_attrs); j++)
			if (vtun_sa_set_attrs[j] == i)
				break;
		if (j == ARRAY_SIZE(vtun_sa_set_attrs)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[i],
					    "sa-set changes only lifetime, active, peer and peer-port");
			return -EINVAL;
		}
	}
	if (tb[VTUN_A_SA_ACTIVE] &&
	    nla_get_u8(tb[VTUN_A_SA_DIR]) != VTUN_DIR_OUT) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_ACTIVE],
				    "active: only for outbound SAs");
		return -EINVAL;
	}
	return 0;
}

/* sa-set's peer and peer-port, for vtun_udp_peer_prepare(). */
static int vtun_nl_sa_peer(struct vtun_dev *vd, struct nlattr **tb,
			   struct vtun_peer_change *peer,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *addr = tb[VTUN_A_SA_PEER], *port = tb[VTUN_A_SA_PEER_PORT];
	struct vtun_peer_req r = { };
	bool port_bad;
	int err;

	if (addr) {
		r.addr = nla_data(addr);
		r.addr_len = nla_len(addr);
	}
	if (port) {
		r.has_port = true;
		r.port = nla_get_u16(port);
	}
	err = vtun_udp_peer_prepare(vd, &r, peer, extack, &port_bad);
	if (err && err != -ENOMEM)
		NL_SET_BAD_ATTR(extack, port_bad ? port : addr);
	return err;
}

int vtun_nl_sa_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vtun_dev *vd = info->user_ptr[0];
	struct nlattr *tb[VTUN_A_SA_MAX + 1];
	struct vtun_peer_change peer = { };
	struct vtun_lifetime lt;
	struct vtun_sa *sa;
	int err;

	err = vtun_nl_sa_parse(info, tb) ?:
	      vtun_nl_sa_set_check(tb, info->extack);
	if (err)
		return err;
	if (tb[VTUN_A_SA_LIFETIME]) {
		err = vtun_nl_parse_lifetime(&lt, tb[VTUN_A_SA_LIFETIME],
					     info->extack);
		if (err)
			return err;
	}
	rtnl_lock();
	sa = vtun_nl_sa_find(vd, tb, info->extack);
	if (!sa) {
		rtnl_unlock();
		return -ENOENT;
	}
	if (tb[VTUN_A_SA_PEER] || tb[VTUN_A_SA_PEER_PORT]) {
		err = vtun_nl_sa_peer(vd, tb, &peer, info->extack);
		if (err) {
			rtnl_unlock();
			return err;
		}
	}
	/* Nothing below fails: all or nothing. */
	if (tb[VTUN_A_SA_LIFETIME])
		vtun_lt_set(sa, &lt);
	if (tb[VTUN_A_SA_ACTIVE])
		vtun_sa_set_active(sa, nla_get_u8(tb[VTUN_A_SA_ACTIVE]));
	vtun_udp_peer_commit(vd, &peer);
	rtnl_unlock();
	return 0;
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
	       vtun_nl_put_lifetime(skb, sa) ||
	       vtun_sa_put_stats(skb, sa);
}

/* What names an SA in an event: direction, SPI, protocol, proxy ID. */
static int vtun_sa_put_id(struct sk_buff *skb, const struct vtun_sa *sa)
{
	return nla_put_u8(skb, VTUN_A_SA_DIR, sa->dir) ||
	       nla_put_u32(skb, VTUN_A_SA_SPI, be32_to_cpu(sa->spi)) ||
	       nla_put_u8(skb, VTUN_A_SA_PROTO, sa->proto) ||
	       nla_put_u16(skb, VTUN_A_SA_PROXY_ID, sa->proxy_id);
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
	if (!nest || vtun_sa_put_id(skb, sa) ||
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

#define VTUN_PEER_NTF_SIZE (nla_total_size(sizeof(u32)) +		\
			    nla_total_size(0) +				\
			    2 * nla_total_size(sizeof(u8)) +		\
			    nla_total_size(sizeof(u32)) +		\
			    2 * nla_total_size(sizeof(u16)) +		\
			    nla_total_size(sizeof(struct in6_addr)))

/*
 * The device's peer moved to @addr (@alen bytes) and @port under an
 * authenticated packet of @sa. From the receive path: atomic allocation;
 * false if the event could not be made, so that a later packet tries again.
 */
bool vtun_nl_peer_notify(struct vtun_sa *sa, const void *addr,
			 unsigned int alen, __be16 port)
{
	struct net *net = dev_net(sa->vd->dev);
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;

	msg = genlmsg_new(VTUN_PEER_NTF_SIZE, GFP_ATOMIC);
	if (!msg)
		return false;
	hdr = genlmsg_put(msg, 0, 0, &vtun_nl_family, 0, VTUN_CMD_PEER_NTF);
	if (!hdr || nla_put_u32(msg, VTUN_A_IFINDEX, sa->vd->dev->ifindex))
		goto fail;
	nest = nla_nest_start(msg, VTUN_A_SA);
	if (!nest || vtun_sa_put_id(msg, sa) ||
	    nla_put(msg, VTUN_A_SA_PEER, alen, addr) ||
	    nla_put_u16(msg, VTUN_A_SA_PEER_PORT, be16_to_cpu(port)))
		goto fail;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&vtun_nl_family, net, msg, 0,
				VTUN_NLGRP_EVENTS, GFP_ATOMIC);
	return true;
fail:
	nlmsg_free(msg);
	return false;
}

int vtun_nl_sa_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vtun_dev *vd = info->user_ptr[0];
	struct nlattr *tb[VTUN_A_SA_MAX + 1];
	struct sk_buff *msg;
	struct vtun_sa *sa;
	int err;

	err = vtun_nl_sa_parse(info, tb);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rtnl_lock();
	sa = vtun_nl_sa_find(vd, tb, info->extack);
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
	int err = 0, start;

	if (IS_ERR(vd))
		return PTR_ERR(vd);
	list_for_each_entry(sa, &vd->sas, dev_node) {
		if (idx++ < cb->args[0])
			continue;
		start = skb->len;
		err = vtun_sa_put_msg(skb, sa, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI,
				      VTUN_CMD_SA_GET, NULL);
		if (err) {
			idx--;
			break;
		}
		vtun_dump_mark(cb, skb, start);
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
	err = vtun_spi_reserve(vd, min, max, timeout, &spi);
	rtnl_unlock();
	if (err == -ENOSPC)
		NL_SET_ERR_MSG(info->extack,
			       "spi-alloc: no free SPI in the range");
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
