// SPDX-License-Identifier: GPL-2.0
/*
 * Security associations: lifetime, lookup, and the operations on them.
 *
 * Every SA belongs to one device and sits on its list; inbound SAs are
 * also in the SPI table of the device's underlay namespace. Both are
 * changed under RTNL and read under RCU. A packet in flight holds a
 * reference, since asynchronous crypto may outlive a grace period.
 */

#include <linux/rtnetlink.h>
#include <net/sock.h>

#include "compat.h"
#include "device.h"
#include "monitor.h"
#include "netlink.h"
#include "sa.h"
#include "udp.h"

static u32 vtun_spi_hash(__be32 spi, u8 proto, u8 dir)
{
	return (__force u32)spi ^ proto ^ (dir << 8);
}

/* Inbound SAs by SPI receive. */
struct vtun_sa *vtun_sa_lookup_in(struct net *net, __be32 spi, u8 proto)
{
	struct vtun_net *vn = vtun_net(net);
	struct vtun_sa *sa;

	hash_for_each_possible_rcu(vn->spi_table, sa, spi_node,
				   vtun_spi_hash(spi, proto, VTUN_DIR_IN))
		if (sa->spi == spi && sa->proto == proto &&
		    sa->dir == VTUN_DIR_IN && refcount_inc_not_zero(&sa->refcnt))
			return sa;
	return NULL;
}

/*
 * Whether an outbound SA with @spi sent plain ESP or AH to @daddr, as an
 * ICMP error quoting the packet says. Outbound SPIs are unique per device
 * only: the remote gateway tells devices with the same one apart, as
 * esp4 and esp6 look their state up by destination and SPI. Under RCU.
 */
bool vtun_sa_sent_to(struct net *net, __be32 spi, u8 proto,
		     sa_family_t family, const void *daddr)
{
	struct vtun_net *vn = vtun_net(net);
	const struct vtun_params *p;
	struct vtun_sa *sa;

	hash_for_each_possible_rcu(vn->spi_table, sa, spi_node,
				   vtun_spi_hash(spi, proto, VTUN_DIR_OUT)) {
		if (sa->spi != spi || sa->proto != proto ||
		    sa->dir != VTUN_DIR_OUT)
			continue;
		p = rcu_dereference(sa->vd->params);
		if (p->family == family && !vtun_encap_udp(p) &&
		    !memcmp(&p->remote, daddr, vtun_addr_len(family)))
			return true;
	}
	return false;
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

/* Under RTNL. */
struct vtun_sa *vtun_sa_find(struct vtun_dev *vd, u8 dir, __be32 spi)
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
	vtun_dump_changed();
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

/*
 * A new SA of @vd, not yet in any table: its identity, lifetime and replay
 * state; the transform is vtun_esp_init()'s or vtun_ah_init()'s. Dropped
 * with vtun_sa_put().
 */
struct vtun_sa *vtun_sa_alloc(struct vtun_dev *vd, const struct vtun_sa_cfg *c)
{
	struct vtun_sa *sa;
	int err;

	sa = kzalloc(sizeof(*sa), GFP_KERNEL);
	if (!sa)
		return ERR_PTR(-ENOMEM);
	refcount_set(&sa->refcnt, 1);
	INIT_RCU_WORK(&sa->free_work, vtun_sa_free_work);
	/* Packets in flight may outlive the device's unregistration. */
	netdev_hold(vd->dev, &sa->dev_tracker, GFP_KERNEL);
	sa->vd = vd;
	sa->dir = c->dir;
	sa->spi = c->spi;
	sa->proto = c->proto;
	sa->esn = c->esn;
	sa->standby = c->standby;
	sa->stats = vtun_counters_alloc(VTUN_SA_COUNTER_MAX);
	err = -ENOMEM;
	if (!sa->stats)
		goto err;
	err = vtun_lt_init(sa, &c->lt);
	if (err)
		goto err;
	atomic64_set(&sa->seq, c->seq);
	spin_lock_init(&sa->replay_lock);
	err = vtun_replay_init(&sa->replay, c->replay_window, sa->esn, c->seq);
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
static bool vtun_sa_encap_ok(struct vtun_dev *vd, struct vtun_sa *sa)
{
	return sa->proto != VTUN_PROTO_AH ||
	       !vtun_encap_udp(rtnl_dereference(vd->params));
}

/* The other way round: no ESP in UDP on a device that has AH SAs. */
int vtun_sa_check_encap(struct vtun_dev *vd, const struct vtun_params *p,
			struct netlink_ext_ack *extack)
{
	struct vtun_sa *sa;

	ASSERT_RTNL();
	if (!vtun_encap_udp(p))
		return 0;
	list_for_each_entry(sa, &vd->sas, dev_node) {
		if (sa->proto == VTUN_PROTO_AH) {
			NL_SET_ERR_MSG(extack,
				       "encap: AH cannot traverse NAT (the device has AH SAs)");
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Install @sa (from vtun_sa_alloc()) on its device, carrying the proxy
 * ID @proxy_id's traffic (0: the default pair); the device owns it then.
 * On error, a message in @extack, the part of the request at fault in
 * @bad, and nothing changed. Under RTNL.
 */
int vtun_sa_add(struct vtun_sa *sa, u16 proxy_id,
		struct netlink_ext_ack *extack, enum vtun_sa_field *bad)
{
	struct vtun_dev *vd = sa->vd;
	struct vtun_dev *owner;

	ASSERT_RTNL();
	if (vd->dev->reg_state != NETREG_REGISTERED)
		return -ENODEV;
	if (!vtun_sa_encap_ok(vd, sa)) {
		NL_SET_ERR_MSG(extack,
			       "proto: AH cannot traverse NAT (the link has encap udp)");
		*bad = VTUN_SA_FIELD_PROTO;
		return -EINVAL;
	}
	*bad = VTUN_SA_FIELD_SPI;
	if (vtun_sa_spi_taken(vd, sa)) {
		NL_SET_ERR_MSG(extack, "spi: already in use");
		return -EEXIST;
	}
	owner = sa->dir == VTUN_DIR_IN ? vtun_spi_reserved(vd->net, sa->spi) :
					 NULL;
	if (owner && owner != vd) {
		NL_SET_ERR_MSG(extack, "spi: reserved by another device");
		return -EEXIST;
	}
	if (vtun_proxy_id_bind(vd, sa, proxy_id)) {
		NL_SET_ERR_MSG(extack,
			       "proxy-id: no such proxy ID on this device");
		*bad = VTUN_SA_FIELD_PROXY_ID;
		return -ENOENT;
	}
	*bad = VTUN_SA_FIELD_NONE;
	if (owner)
		vtun_spi_release(vd->net, sa->spi);
	list_add_tail(&sa->dev_node, &vd->sas);
	vtun_dump_changed();
	hash_add_rcu(vtun_net(vd->net)->spi_table, &sa->spi_node,
		     vtun_spi_hash(sa->spi, sa->proto, sa->dir));
	if (sa->dir == VTUN_DIR_OUT)
		vtun_sa_update_tx(vd, sa->proxy_id);
	vtun_nl_sa_notify(sa, VTUN_CMD_SA_NEW_NTF, NULL);
	vtun_lt_kick(vd->net);
	return 0;
}

/* Remove @sa from its device, announcing it. Under RTNL. */
void vtun_sa_delete(struct vtun_sa *sa)
{
	ASSERT_RTNL();
	vtun_nl_sa_notify(sa, VTUN_CMD_SA_DEL_NTF, NULL);
	vtun_sa_unlink(sa);
}

/*
 * Activating an outbound SA makes the others of its proxy ID standby:
 * one pointer switch, counters and sequence numbers untouched. Under
 * RTNL.
 */
void vtun_sa_set_active(struct vtun_sa *sa, bool active)
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
