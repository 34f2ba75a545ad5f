// SPDX-License-Identifier: GPL-2.0
/*
 * Security associations: lifetime, lookup, and their netlink operations.
 *
 * Every SA belongs to one device and sits on its list; inbound SAs are
 * also in the SPI table of the device's underlay namespace. Both are
 * changed under RTNL and read under RCU. A packet in flight holds a
 * reference, since asynchronous crypto may outlive a grace period.
 */

#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "ah.h"
#include "compat.h"
#include "device.h"
#include "esp.h"
#include "monitor.h"
#include "netlink-gen.h"
#include "netlink.h"
#include "sa.h"
#include "udp.h"

static u32 vtun_spi_hash(__be32 spi, u8 proto, u8 dir)
{
	return (__force u32)spi ^ proto ^ (dir << 8);
}

/*
 * Inbound SAs by SPI receive; outbound ones are found for ICMP errors
 * about the packets they sent.
 */
struct vtun_sa *vtun_sa_lookup(struct net *net, __be32 spi, u8 proto, u8 dir)
{
	struct vtun_net *vn = vtun_net(net);
	struct vtun_sa *sa;

	hash_for_each_possible_rcu(vn->spi_table, sa, spi_node,
				   vtun_spi_hash(spi, proto, dir))
		if (sa->spi == spi && sa->proto == proto && sa->dir == dir &&
		    refcount_inc_not_zero(&sa->refcnt))
			return sa;
	return NULL;
}

struct vtun_sa *vtun_sa_lookup_in(struct net *net, __be32 spi, u8 proto)
{
	return vtun_sa_lookup(net, spi, proto, VTUN_DIR_IN);
}

/* An SA past a hard limit carries nothing while it is being deleted. */
struct vtun_sa *vtun_sa_get_out(struct vtun_dev *vd)
{
	struct vtun_sa *sa = rcu_dereference_bh(vd->tx_sa);

	if (sa && (vtun_lt_hard(&sa->lt) || !refcount_inc_not_zero(&sa->refcnt)))
		sa = NULL;
	return sa;
}

/*
 * The last reference may go in softirq, but freeing a transform may sleep
 * in some drivers: free after a grace period from a workqueue, as XFRM
 * does. Module exit waits for both (vtun_sa_exit()).
 */
static struct workqueue_struct *vtun_sa_wq;

static void vtun_sa_free_work(struct work_struct *work)
{
	struct vtun_sa *sa = container_of(to_rcu_work(work), struct vtun_sa,
					  free_work);

	/* Freeing the transform zeroizes its key schedule. */
	if (!IS_ERR_OR_NULL(sa->aead))
		crypto_free_aead(sa->aead);
	if (!IS_ERR_OR_NULL(sa->ahash))
		crypto_free_ahash(sa->ahash);
	free_percpu(sa->stats);
	vtun_lt_free(sa);
	netdev_put(sa->vd->dev, &sa->dev_tracker);
	kfree_sensitive(sa);
}

void vtun_sa_put(struct vtun_sa *sa)
{
	if (refcount_dec_and_test(&sa->refcnt))
		queue_rcu_work(vtun_sa_wq, &sa->free_work);
}

int vtun_sa_init(void)
{
	vtun_sa_wq = alloc_workqueue("vtun_sa", 0, 0);
	return vtun_sa_wq ? 0 : -ENOMEM;
}

/* After the devices are gone: wait for the grace periods, then the frees. */
void vtun_sa_exit(void)
{
	rcu_barrier();
	destroy_workqueue(vtun_sa_wq);
}

/* Traffic counters also drive the byte and packet lifetimes. */
void vtun_sa_count(struct vtun_sa *sa, enum vtun_sa_counter c, u64 n)
{
	vtun_counters_add(sa->stats, c, n);
	if (c == VTUN_SA_PACKETS || c == VTUN_SA_BYTES)
		vtun_lt_count(sa, c, n);
}

static struct vtun_sa *vtun_sa_find(struct vtun_dev *vd, u8 dir, __be32 spi)
{
	struct vtun_sa *sa;

	list_for_each_entry(sa, &vd->sas, dev_node)
		if (sa->dir == dir && sa->spi == spi)
			return sa;
	return NULL;
}

/*
 * A proxy ID's newest outbound SA that is not standby carries its traffic:
 * make before break.
 */
static void vtun_sa_update_tx(struct vtun_dev *vd, u16 proxy_id)
{
	struct vtun_sa *sa, *tx = NULL;

	list_for_each_entry(sa, &vd->sas, dev_node)
		if (sa->dir == VTUN_DIR_OUT && sa->proxy_id == proxy_id &&
		    !sa->standby)
			tx = sa;
	if (proxy_id)
		vtun_proxy_id_set_tx(vd, proxy_id, tx);
	else
		rcu_assign_pointer(vd->tx_sa, tx);
	vtun_carrier_update(vd);
}

static void vtun_sa_unlink(struct vtun_sa *sa)
{
	set_bit(VTUN_LT_UNLINKED, &sa->lt.flags);
	hash_del_rcu(&sa->spi_node);
	list_del(&sa->dev_node);
	vtun_sa_update_tx(sa->vd, sa->proxy_id);
	vtun_sa_put(sa);
}

void vtun_sa_flush(struct vtun_dev *vd)
{
	struct vtun_sa *sa, *tmp;

	ASSERT_RTNL();
	list_for_each_entry_safe(sa, tmp, &vd->sas, dev_node)
		vtun_sa_unlink(sa);
	vtun_spi_flush_dev(vd);
}

void vtun_sa_flush_proxy_id(struct vtun_dev *vd, u16 id)
{
	struct vtun_sa *sa, *tmp;

	ASSERT_RTNL();
	list_for_each_entry_safe(sa, tmp, &vd->sas, dev_node)
		if (sa->proxy_id == id)
			vtun_sa_unlink(sa);
}

int vtun_sa_parse(struct genl_info *info, struct nlattr **tb)
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

static int vtun_sa_init_replay(struct vtun_sa *sa, struct nlattr **tb,
			       struct netlink_ext_ack *extack)
{
	struct nlattr *attr = tb[VTUN_A_SA_REPLAY_WINDOW];
	u32 window = attr ? nla_get_u32(attr) : VTUN_REPLAY_DEFAULT;
	u64 seq = tb[VTUN_A_SA_SEQ] ? nla_get_u64(tb[VTUN_A_SA_SEQ]) : 0;

	if (!vtun_replay_window_valid(window)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "replay-window: must be 0 or a power of two from 32 to 4096");
		return -EINVAL;
	}
	if (!sa->esn && seq > U32_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_SEQ],
				    "seq: above 2^32-1 needs esn");
		return -EINVAL;
	}
	atomic64_set(&sa->seq, seq);
	spin_lock_init(&sa->replay_lock);
	return vtun_replay_init(&sa->replay, window, sa->esn, seq);
}

/*
 * Integrity floors: 64 bits for AEAD ICVs, 96 for truncated HMAC and other
 * MACs (RFC 2404, RFC 4868), whatever the algorithm would accept.
 */
static int vtun_sa_check_icv(struct nlattr **tb,
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

static struct vtun_sa *vtun_sa_create(struct vtun_dev *vd, struct nlattr **tb,
				      struct netlink_ext_ack *extack)
{
	struct vtun_lifetime lt;
	struct vtun_sa *sa;
	int err;

	err = vtun_nl_parse_lifetime(&lt, tb[VTUN_A_SA_LIFETIME], extack);
	if (err)
		return ERR_PTR(err);
	if (tb[VTUN_A_SA_ACTIVE]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_ACTIVE],
				    "active: only for sa-set (sa-new takes standby)");
		return ERR_PTR(-EINVAL);
	}
	if (tb[VTUN_A_SA_STANDBY] &&
	    nla_get_u8(tb[VTUN_A_SA_DIR]) != VTUN_DIR_OUT) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_STANDBY],
				    "standby: only for outbound SAs");
		return ERR_PTR(-EINVAL);
	}

	sa = kzalloc(sizeof(*sa), GFP_KERNEL);
	if (!sa)
		return ERR_PTR(-ENOMEM);
	refcount_set(&sa->refcnt, 1);
	INIT_RCU_WORK(&sa->free_work, vtun_sa_free_work);
	/* Packets in flight may outlive the device's unregistration. */
	netdev_hold(vd->dev, &sa->dev_tracker, GFP_KERNEL);
	sa->vd = vd;
	sa->dir = nla_get_u8(tb[VTUN_A_SA_DIR]);
	sa->spi = cpu_to_be32(nla_get_u32(tb[VTUN_A_SA_SPI]));
	sa->proto = tb[VTUN_A_SA_PROTO] ? nla_get_u8(tb[VTUN_A_SA_PROTO]) :
					  VTUN_PROTO_ESP;
	sa->esn = tb[VTUN_A_SA_ESN] && nla_get_u8(tb[VTUN_A_SA_ESN]);
	sa->standby = tb[VTUN_A_SA_STANDBY] && nla_get_u8(tb[VTUN_A_SA_STANDBY]);
	sa->stats = vtun_counters_alloc(VTUN_SA_COUNTER_MAX);
	err = -ENOMEM;
	if (!sa->stats)
		goto err;
	err = vtun_lt_init(sa, &lt);
	if (err)
		goto err;
	err = vtun_sa_init_replay(sa, tb, extack);
	if (err)
		goto err;
	err = vtun_sa_check_icv(tb, extack);
	if (err)
		goto err;
	err = -EINVAL;
	if (sa->proto == VTUN_PROTO_AH)
		err = vtun_ah_init(sa, tb, extack);
	else if (tb[VTUN_A_SA_AH_ALIGN8])
		NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_AH_ALIGN8],
				    "ah-align8: only for proto ah");
	else
		err = vtun_esp_init(sa, tb, extack);
	if (err)
		goto err;
	return sa;
err:
	vtun_sa_put(sa);
	return ERR_PTR(err);
}

/* Any inbound SA of the namespace, ESP or AH, has the SPI. Under RTNL. */
bool vtun_sa_spi_in_use(struct net *net, __be32 spi)
{
	struct vtun_net *vn = vtun_net(net);
	struct vtun_sa *sa;
	u8 proto;

	for (proto = VTUN_PROTO_ESP; proto <= VTUN_PROTO_AH; proto++)
		hash_for_each_possible(vn->spi_table, sa, spi_node,
				       vtun_spi_hash(spi, proto, VTUN_DIR_IN))
			if (sa->spi == spi && sa->dir == VTUN_DIR_IN)
				return true;
	return false;
}

/* Inbound SPIs are unique in the namespace, outbound ones per device. */
static bool vtun_sa_spi_taken(struct vtun_dev *vd, struct vtun_sa *sa)
{
	struct vtun_net *vn = vtun_net(vd->net);
	struct vtun_sa *other;

	if (sa->dir == VTUN_DIR_OUT)
		return vtun_sa_find(vd, VTUN_DIR_OUT, sa->spi);
	hash_for_each_possible(vn->spi_table, other, spi_node,
			       vtun_spi_hash(sa->spi, sa->proto, sa->dir))
		if (other->spi == sa->spi && other->proto == sa->proto &&
		    other->dir == sa->dir)
			return true;
	return false;
}

/* AH authenticates the outer addresses, so it cannot traverse NAT. */
static bool vtun_sa_encap_ok(struct vtun_dev *vd, struct vtun_sa *sa,
			     struct nlattr **tb, struct netlink_ext_ack *extack)
{
	if (sa->proto != VTUN_PROTO_AH ||
	    !vtun_encap_udp(rtnl_dereference(vd->params)))
		return true;
	NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_PROTO],
			    "proto: AH cannot traverse NAT (the link has encap udp)");
	return false;
}

/* The other way round: no ESP in UDP on a device that has AH SAs. */
int vtun_sa_check_encap(struct vtun_dev *vd, const struct vtun_params *p,
			const struct nlattr *attr,
			struct netlink_ext_ack *extack)
{
	struct vtun_sa *sa;

	ASSERT_RTNL();
	if (!vtun_encap_udp(p))
		return 0;
	list_for_each_entry(sa, &vd->sas, dev_node) {
		if (sa->proto == VTUN_PROTO_AH) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "encap: AH cannot traverse NAT (the device has AH SAs)");
			return -EINVAL;
		}
	}
	return 0;
}

int vtun_sa_new(struct vtun_dev *vd, struct genl_info *info)
{
	struct nlattr *tb[VTUN_A_SA_MAX + 1];
	struct vtun_dev *owner;
	struct vtun_sa *sa;
	int err;

	err = vtun_sa_parse(info, tb);
	if (err)
		return err;
	/* Transforms are allocated outside RTNL: it may sleep for modules. */
	sa = vtun_sa_create(vd, tb, info->extack);
	if (IS_ERR(sa))
		return PTR_ERR(sa);

	rtnl_lock();
	err = -ENODEV;
	if (vd->dev->reg_state != NETREG_REGISTERED)
		goto err_unlock;
	err = -EINVAL;
	if (!vtun_sa_encap_ok(vd, sa, tb, info->extack))
		goto err_unlock;
	err = -EEXIST;
	if (vtun_sa_spi_taken(vd, sa)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[VTUN_A_SA_SPI],
				    "spi: already in use");
		goto err_unlock;
	}
	owner = sa->dir == VTUN_DIR_IN ? vtun_spi_reserved(vd->net, sa->spi) :
					 NULL;
	if (owner && owner != vd) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[VTUN_A_SA_SPI],
				    "spi: reserved by another device");
		goto err_unlock;
	}
	err = vtun_proxy_id_bind(vd, sa, tb[VTUN_A_SA_PROXY_ID], info->extack);
	if (err)
		goto err_unlock;
	if (owner)
		vtun_spi_release(vd->net, sa->spi);
	list_add_tail(&sa->dev_node, &vd->sas);
	hash_add_rcu(vtun_net(vd->net)->spi_table, &sa->spi_node,
		     vtun_spi_hash(sa->spi, sa->proto, sa->dir));
	if (sa->dir == VTUN_DIR_OUT)
		vtun_sa_update_tx(vd, sa->proxy_id);
	vtun_nl_sa_notify(sa, VTUN_CMD_SA_NEW_NTF, NULL);
	vtun_lt_kick(vd->net);
	rtnl_unlock();
	return 0;

err_unlock:
	rtnl_unlock();
	vtun_sa_put(sa);
	return err;
}

struct vtun_sa *vtun_sa_find_req(struct vtun_dev *vd, struct nlattr **tb,
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

int vtun_sa_del(struct vtun_dev *vd, struct genl_info *info)
{
	struct nlattr *tb[VTUN_A_SA_MAX + 1];
	struct vtun_sa *sa;
	int err;

	err = vtun_sa_parse(info, tb);
	if (err)
		return err;
	rtnl_lock();
	sa = vtun_sa_find_req(vd, tb, info->extack);
	if (sa) {
		vtun_nl_sa_notify(sa, VTUN_CMD_SA_DEL_NTF, NULL);
		vtun_sa_unlink(sa);
	}
	rtnl_unlock();
	return sa ? 0 : -ENOENT;
}

/* What sa-set may change; anything else in the request is refused. */
static const int vtun_sa_set_attrs[] = {
	VTUN_A_SA_DIR, VTUN_A_SA_SPI, VTUN_A_SA_LIFETIME, VTUN_A_SA_ACTIVE,
	VTUN_A_SA_PEER, VTUN_A_SA_PEER_PORT,
};

static int vtun_sa_set_check(struct nlattr **tb, struct netlink_ext_ack *extack)
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

/*
 * Activating an outbound SA makes the others of its proxy ID standby:
 * one pointer switch, counters and sequence numbers untouched.
 */
static void vtun_sa_set_active(struct vtun_sa *sa, bool active)
{
	struct vtun_dev *vd = sa->vd;
	struct vtun_sa *other;

	if (active)
		list_for_each_entry(other, &vd->sas, dev_node)
			if (other->dir == VTUN_DIR_OUT &&
			    other->proxy_id == sa->proxy_id)
				other->standby = true;
	sa->standby = !active;
	/* Newest non-standby wins: the activated SA is the only one left. */
	vtun_sa_update_tx(vd, sa->proxy_id);
}

int vtun_sa_set(struct vtun_dev *vd, struct genl_info *info)
{
	struct nlattr *tb[VTUN_A_SA_MAX + 1];
	struct vtun_peer_change peer = { };
	struct vtun_lifetime lt;
	struct vtun_sa *sa;
	int err;

	err = vtun_sa_parse(info, tb) ?: vtun_sa_set_check(tb, info->extack);
	if (err)
		return err;
	if (tb[VTUN_A_SA_LIFETIME]) {
		err = vtun_nl_parse_lifetime(&lt, tb[VTUN_A_SA_LIFETIME],
					     info->extack);
		if (err)
			return err;
	}
	rtnl_lock();
	sa = vtun_sa_find_req(vd, tb, info->extack);
	if (!sa) {
		rtnl_unlock();
		return -ENOENT;
	}
	if (tb[VTUN_A_SA_PEER] || tb[VTUN_A_SA_PEER_PORT]) {
		err = vtun_udp_peer_prepare(vd, tb[VTUN_A_SA_PEER],
					    tb[VTUN_A_SA_PEER_PORT], &peer,
					    info->extack);
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

/* The namespace's lifetime check, for one device: events, hard deletes. */
void vtun_sa_expire(struct vtun_dev *vd, u64 now, u64 *next)
{
	struct vtun_lt_verdict v;
	struct vtun_sa *sa, *tmp;

	ASSERT_RTNL();
	list_for_each_entry_safe(sa, tmp, &vd->sas, dev_node) {
		vtun_lt_eval(sa, now, next, &v);
		if (v.soft >= 0)
			vtun_nl_sa_notify(sa, VTUN_CMD_EXPIRE_NTF,
					  &(struct vtun_expiry){ false, v.soft });
		if (v.hard >= 0) {
			vtun_nl_sa_notify(sa, VTUN_CMD_EXPIRE_NTF,
					  &(struct vtun_expiry){ true, v.hard });
			vtun_sa_unlink(sa);
		}
	}
}
