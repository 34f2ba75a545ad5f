// SPDX-License-Identifier: GPL-2.0
/*
 * Proxy IDs (traffic selectors): which SA pair carries which traffic.
 *
 * A device without proxy IDs sends everything with its default pair.
 * With proxy IDs, a packet goes out on the newest outbound SA of the
 * first proxy ID (in insertion order) that matches it, and an inbound
 * SA bound to a proxy ID only delivers what its selector allows.
 *
 * The transmit path reads an array of precomputed, masked entries, one
 * array per family, that is rebuilt and replaced under RTNL on every
 * change and read under RCU without locks. The proxy IDs themselves
 * (their outbound SA and acquire rate limit) live outside the array so
 * that they survive a rebuild.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/moduleparam.h>
#include <linux/rtnetlink.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "compat.h"
#include "device.h"
#include "netlink.h"
#include "sa.h"
#include "selector.h"

static unsigned int max_proxy_ids = 250;
module_param(max_proxy_ids, uint, 0644);
MODULE_PARM_DESC(max_proxy_ids,
		 "Most proxy IDs per device (default 250, at most 65535)");

struct vtun_proxy_id {
	struct vtun_sel sel;
	u16 id;
	struct vtun_sa __rcu *tx_sa;	/* newest outbound SA */
	unsigned long acquire_stamp;	/* jiffies of the last acquire */
	struct rcu_head rcu;
};

/* Match entries; idx is the position in vtun_proxy_ids.all. */
struct vtun_sel4 {
	__be32 laddr, lmask, raddr, rmask;
	struct vtun_sel_l4 l4;
	u16 idx;
};

struct vtun_sel6 {
	struct in6_addr laddr, lmask, raddr, rmask;
	struct vtun_sel_l4 l4;
	u16 idx;
};

struct vtun_proxy_ids {
	struct rcu_head rcu;
	unsigned int n, n4, n6;
	struct vtun_proxy_id **all;	/* match order */
	struct vtun_sel4 *v4;
	struct vtun_sel6 *v6;
};

/* What a packet offers to selectors, seen from this gateway. */
struct vtun_flow {
	union vtun_addr laddr, raddr;
	u16 lport, rport;
	u8 proto;
	bool ports;		/* known: first fragment of a port protocol */
	sa_family_t family;
};

bool vtun_proto_has_ports(u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP || proto == IPPROTO_UDPLITE;
}

/* Reads the headers without changing the packet. @out: we send it. */
static bool vtun_flow_parse(const struct sk_buff *skb, struct vtun_flow *f,
			    bool out)
{
	int off = skb_network_offset(skb);
	union vtun_addr src, dst;
	bool first;
	u8 proto;

	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph;
		struct iphdr _iph;

		iph = skb_header_pointer(skb, off, sizeof(_iph), &_iph);
		if (!iph || iph->version != 4 || iph->ihl < 5)
			return false;
		f->family = AF_INET;
		src.v4 = iph->saddr;
		dst.v4 = iph->daddr;
		proto = iph->protocol;
		first = !(iph->frag_off & htons(IP_OFFSET));
		off += iph->ihl * 4;
	} else if (skb->protocol == htons(ETH_P_IPV6)) {
		const struct ipv6hdr *ip6h;
		struct ipv6hdr _ip6h;
		__be16 frag_off = 0;

		ip6h = skb_header_pointer(skb, off, sizeof(_ip6h), &_ip6h);
		if (!ip6h || ip6h->version != 6)
			return false;
		f->family = AF_INET6;
		src.v6 = ip6h->saddr;
		dst.v6 = ip6h->daddr;
		proto = ip6h->nexthdr;
		off = ipv6_skip_exthdr(skb, off + sizeof(*ip6h), &proto,
				       &frag_off);
		/* No next header is a packet; a truncated chain is not. */
		if (off < 0 && proto != NEXTHDR_NONE)
			return false;
		first = off >= 0 && !(frag_off & htons(IP6_OFFSET));
	} else {
		return false;
	}
	f->proto = proto;
	f->laddr = out ? src : dst;
	f->raddr = out ? dst : src;
	f->ports = false;
	if (first && vtun_proto_has_ports(proto)) {
		const __be16 *p;
		__be16 _p[2];

		p = skb_header_pointer(skb, off, sizeof(_p), _p);
		if (p) {
			f->lport = ntohs(out ? p[0] : p[1]);
			f->rport = ntohs(out ? p[1] : p[0]);
			f->ports = true;
		}
	}
	return true;
}

/* Unknown ports (later fragments) only match selectors of any port. */
static bool vtun_l4_match(const struct vtun_sel_l4 *s,
			  const struct vtun_flow *f)
{
	if (s->proto && s->proto != f->proto)
		return false;
	if (!s->ports)
		return true;
	return f->ports &&
	       f->lport >= s->lport_min && f->lport <= s->lport_max &&
	       f->rport >= s->rport_min && f->rport <= s->rport_max;
}

static bool vtun_sel_match(const struct vtun_sel *s, const struct vtun_flow *f)
{
	if (s->family != f->family)
		return false;
	if (s->family == AF_INET) {
		if ((f->laddr.v4 ^ s->laddr.v4) & s->lmask.v4 ||
		    (f->raddr.v4 ^ s->raddr.v4) & s->rmask.v4)
			return false;
	} else if (ipv6_masked_addr_cmp(&s->laddr.v6, &s->lmask.v6,
					&f->laddr.v6) ||
		   ipv6_masked_addr_cmp(&s->raddr.v6, &s->rmask.v6,
					&f->raddr.v6)) {
		return false;
	}
	return vtun_l4_match(&s->l4, f);
}

static struct vtun_proxy_id *vtun_match4(const struct vtun_proxy_ids *t,
					 const struct vtun_flow *f)
{
	__be32 l = f->laddr.v4, r = f->raddr.v4;
	unsigned int i;

	for (i = 0; i < t->n4; i++) {
		const struct vtun_sel4 *e = &t->v4[i];

		if (!((l ^ e->laddr) & e->lmask) &&
		    !((r ^ e->raddr) & e->rmask) && vtun_l4_match(&e->l4, f))
			return t->all[e->idx];
	}
	return NULL;
}

static struct vtun_proxy_id *vtun_match6(const struct vtun_proxy_ids *t,
					 const struct vtun_flow *f)
{
	unsigned int i;

	for (i = 0; i < t->n6; i++) {
		const struct vtun_sel6 *e = &t->v6[i];

		if (!ipv6_masked_addr_cmp(&e->laddr, &e->lmask, &f->laddr.v6) &&
		    !ipv6_masked_addr_cmp(&e->raddr, &e->rmask, &f->raddr.v6) &&
		    vtun_l4_match(&e->l4, f))
			return t->all[e->idx];
	}
	return NULL;
}

/* The default pair's selector is the packet's own pair of addresses. */
static void vtun_acquire_default(struct vtun_dev *vd, struct sk_buff *skb)
{
	struct vtun_sel sel = { };
	struct vtun_flow f;

	if (!vtun_nl_event_allowed(vd, &vd->acquire_stamp) ||
	    !vtun_flow_parse(skb, &f, true))
		return;
	sel.family = f.family;
	sel.laddr = f.laddr;
	sel.raddr = f.raddr;
	sel.llen = vtun_addr_len(f.family) * 8;
	sel.rlen = sel.llen;
	vtun_nl_acquire_notify(vd, 0, &sel);
}

struct vtun_sa *vtun_select_out(struct vtun_dev *vd, struct sk_buff *skb,
				enum vtun_drop *reason)
{
	const struct vtun_proxy_ids *t = rcu_dereference_bh(vd->proxy_ids);
	struct vtun_proxy_id *pid;
	struct vtun_flow f;
	struct vtun_sa *sa;

	if (!t) {
		sa = vtun_sa_get_out(vd);
		if (!sa) {
			*reason = VTUN_DROP_TX_NO_SA;
			vtun_acquire_default(vd, skb);
		}
		return sa;
	}
	if (!vtun_flow_parse(skb, &f, true)) {
		*reason = VTUN_DROP_TX_BAD_INNER;
		return NULL;
	}
	pid = f.family == AF_INET ? vtun_match4(t, &f) : vtun_match6(t, &f);
	if (!pid) {
		*reason = VTUN_DROP_TX_NO_PROXY_ID;
		return NULL;
	}
	sa = rcu_dereference_bh(pid->tx_sa);
	if (sa && !vtun_lt_hard(&sa->lt) && refcount_inc_not_zero(&sa->refcnt))
		return sa;
	*reason = VTUN_DROP_TX_NO_SA;
	if (vtun_nl_event_allowed(vd, &pid->acquire_stamp))
		vtun_nl_acquire_notify(vd, pid->id, &pid->sel);
	return NULL;
}

bool vtun_select_in(struct vtun_sa *sa, const struct sk_buff *skb)
{
	struct vtun_flow f;

	if (!sa->proxy_id)
		return true;
	return vtun_flow_parse(skb, &f, false) && vtun_sel_match(&sa->sel, &f);
}

/* Table maintenance, under RTNL. */

static struct vtun_proxy_ids *vtun_table(struct vtun_dev *vd)
{
	return rtnl_dereference(vd->proxy_ids);
}

static struct vtun_proxy_id *vtun_proxy_id_find(struct vtun_dev *vd, u16 id)
{
	struct vtun_proxy_ids *t = vtun_table(vd);
	unsigned int i;

	for (i = 0; t && i < t->n; i++)
		if (t->all[i]->id == id)
			return t->all[i];
	return NULL;
}

static void vtun_table_append(struct vtun_proxy_ids *t,
			      struct vtun_proxy_id *pid)
{
	const struct vtun_sel *s = &pid->sel;
	u16 idx = t->n;

	t->all[t->n++] = pid;
	if (s->family == AF_INET) {
		struct vtun_sel4 *e = &t->v4[t->n4++];

		e->laddr = s->laddr.v4;
		e->lmask = s->lmask.v4;
		e->raddr = s->raddr.v4;
		e->rmask = s->rmask.v4;
		e->l4 = s->l4;
		e->idx = idx;
	} else {
		struct vtun_sel6 *e = &t->v6[t->n6++];

		e->laddr = s->laddr.v6;
		e->lmask = s->lmask.v6;
		e->raddr = s->raddr.v6;
		e->rmask = s->rmask.v6;
		e->l4 = s->l4;
		e->idx = idx;
	}
}

/*
 * The table of @old without @del and with @add at the end, in one
 * allocation; NULL if it would be empty.
 */
static struct vtun_proxy_ids *vtun_table_build(const struct vtun_proxy_ids *old,
					       const struct vtun_proxy_id *del,
					       struct vtun_proxy_id *add)
{
	unsigned int i, n = 0, n4 = 0, n6 = 0, n_old = old ? old->n : 0;
	struct vtun_proxy_ids *t;
	size_t size;

	for (i = 0; i <= n_old; i++) {
		const struct vtun_proxy_id *pid = i < n_old ? old->all[i] : add;

		if (!pid || pid == del)
			continue;
		n++;
		if (pid->sel.family == AF_INET)
			n4++;
		else
			n6++;
	}
	if (!n)
		return NULL;
	size = sizeof(*t) + n * sizeof(*t->all) + n4 * sizeof(*t->v4) +
	       n6 * sizeof(*t->v6);
	t = kvzalloc(size, GFP_KERNEL);
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->all = (struct vtun_proxy_id **)(t + 1);
	t->v4 = (struct vtun_sel4 *)(t->all + n);
	t->v6 = (struct vtun_sel6 *)(t->v4 + n4);
	for (i = 0; i < n_old; i++)
		if (old->all[i] != del)
			vtun_table_append(t, old->all[i]);
	if (add)
		vtun_table_append(t, add);
	return t;
}

static void vtun_table_replace(struct vtun_dev *vd, struct vtun_proxy_ids *t)
{
	struct vtun_proxy_ids *old = vtun_table(vd);

	rcu_assign_pointer(vd->proxy_ids, t);
	vtun_dump_changed();
	if (old)
		kvfree_rcu(old, rcu);
}

static unsigned int vtun_proxy_id_count(struct vtun_dev *vd)
{
	struct vtun_proxy_ids *t = vtun_table(vd);

	return t ? t->n : 0;
}

int vtun_proxy_id_check_mode(struct vtun_dev *vd, const struct vtun_params *p,
			     struct netlink_ext_ack *extack)
{
	if (p->mode != VTUN_MODE_TRANSPORT || !vtun_proxy_id_count(vd))
		return 0;
	NL_SET_ERR_MSG(extack,
		       "mode: transport mode rejects proxy IDs; delete them first");
	return -EBUSY;
}

/* -ENOENT: the device has no proxy ID @id. */
int vtun_proxy_id_bind(struct vtun_dev *vd, struct vtun_sa *sa, u16 id)
{
	struct vtun_proxy_id *pid;

	sa->proxy_id = 0;
	if (!id)
		return 0;
	pid = vtun_proxy_id_find(vd, id);
	if (!pid)
		return -ENOENT;
	sa->proxy_id = id;
	sa->sel = pid->sel;
	return 0;
}

void vtun_proxy_id_set_tx(struct vtun_dev *vd, u16 id, struct vtun_sa *sa)
{
	struct vtun_proxy_id *pid = vtun_proxy_id_find(vd, id);

	if (pid)
		rcu_assign_pointer(pid->tx_sa, sa);
}

/* Device teardown, after its SAs are gone. */
void vtun_proxy_id_flush(struct vtun_dev *vd)
{
	struct vtun_proxy_ids *t = vtun_table(vd);
	unsigned int i;

	if (!t)
		return;
	RCU_INIT_POINTER(vd->proxy_ids, NULL);
	for (i = 0; i < t->n; i++)
		kfree_rcu(t->all[i], rcu);
	kvfree_rcu(t, rcu);
}

/*
 * Add proxy ID @id with selector @sel, last in match order. On error, a
 * message in @extack, the part of the request at fault in @bad, and
 * nothing changed. Under RTNL.
 */
int vtun_proxy_id_add(struct vtun_dev *vd, u16 id, const struct vtun_sel *sel,
		      struct netlink_ext_ack *extack,
		      enum vtun_proxy_id_field *bad)
{
	unsigned int max = min(READ_ONCE(max_proxy_ids), U16_MAX);
	struct vtun_proxy_ids *t;
	struct vtun_proxy_id *pid;

	*bad = VTUN_PROXY_ID_FIELD_NONE;
	if (vd->dev->reg_state != NETREG_REGISTERED)
		return -ENODEV;
	if (rtnl_dereference(vd->params)->mode == VTUN_MODE_TRANSPORT) {
		NL_SET_ERR_MSG(extack, "ifindex: transport mode rejects proxy IDs");
		*bad = VTUN_PROXY_ID_FIELD_DEV;
		return -EINVAL;
	}
	if (vtun_proxy_id_find(vd, id)) {
		NL_SET_ERR_MSG(extack, "id: already in use on this device");
		*bad = VTUN_PROXY_ID_FIELD_ID;
		return -EEXIST;
	}
	if (vtun_proxy_id_count(vd) >= max) {
		NL_SET_ERR_MSG(extack,
			       "proxy-id: the device has max_proxy_ids proxy IDs already");
		*bad = VTUN_PROXY_ID_FIELD_ALL;
		return -ENOSPC;
	}
	pid = kzalloc(sizeof(*pid), GFP_KERNEL);
	if (!pid)
		return -ENOMEM;
	pid->id = id;
	pid->sel = *sel;
	t = vtun_table_build(vtun_table(vd), NULL, pid);
	if (IS_ERR(t)) {
		kfree(pid);
		return PTR_ERR(t);
	}
	vtun_table_replace(vd, t);
	return 0;
}

/*
 * Its SAs go first; on failure nothing has changed. -ENOENT: no such
 * proxy ID. Under RTNL.
 */
int vtun_proxy_id_remove(struct vtun_dev *vd, u16 id)
{
	struct vtun_proxy_id *pid = vtun_proxy_id_find(vd, id);
	struct vtun_proxy_ids *t;

	if (!pid)
		return -ENOENT;
	t = vtun_table_build(vtun_table(vd), pid, NULL);
	if (IS_ERR(t))
		return PTR_ERR(t);
	vtun_sa_flush_proxy_id(vd, pid->id);
	vtun_table_replace(vd, t);
	kfree_rcu(pid, rcu);
	return 0;
}

/* The selector of proxy ID @id, into @sel; false: none. Under RTNL. */
bool vtun_proxy_id_lookup(struct vtun_dev *vd, u16 id, struct vtun_sel *sel)
{
	struct vtun_proxy_id *pid = vtun_proxy_id_find(vd, id);

	if (pid)
		*sel = pid->sel;
	return pid;
}

/*
 * The proxy ID at position @pos in match order, for dumps; false: past
 * the last. Under RTNL.
 */
bool vtun_proxy_id_at(struct vtun_dev *vd, unsigned long pos, u16 *id,
		      struct vtun_sel *sel)
{
	struct vtun_proxy_ids *t = vtun_table(vd);

	if (!t || pos >= t->n)
		return false;
	*id = t->all[pos]->id;
	*sel = t->all[pos]->sel;
	return true;
}
