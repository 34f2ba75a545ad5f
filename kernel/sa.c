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

struct vtun_sa *vtun_sa_get_out(struct vtun_dev *vd)
{
	struct vtun_sa *sa = rcu_dereference_bh(vd->tx_sa);

	if (sa && !refcount_inc_not_zero(&sa->refcnt))
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

void vtun_sa_count(struct vtun_sa *sa, enum vtun_sa_counter c, u64 n)
{
	vtun_counters_add(sa->stats, c, n);
}

static void vtun_sa_read_stats(struct vtun_sa *sa, u64 v[VTUN_SA_COUNTER_MAX])
{
	vtun_counters_read(sa->stats, VTUN_SA_COUNTER_MAX, v);
}

static struct vtun_sa *vtun_sa_find(struct vtun_dev *vd, u8 dir, __be32 spi)
{
	struct vtun_sa *sa;

	list_for_each_entry(sa, &vd->sas, dev_node)
		if (sa->dir == dir && sa->spi == spi)
			return sa;
	return NULL;
}

/* A proxy ID's newest outbound SA carries its traffic: make before break. */
static void vtun_sa_update_tx(struct vtun_dev *vd, u16 proxy_id)
{
	struct vtun_sa *sa, *tx = NULL;

	list_for_each_entry(sa, &vd->sas, dev_node)
		if (sa->dir == VTUN_DIR_OUT && sa->proxy_id == proxy_id)
			tx = sa;
	if (proxy_id)
		vtun_proxy_id_set_tx(vd, proxy_id, tx);
	else
		rcu_assign_pointer(vd->tx_sa, tx);
}

static void vtun_sa_unlink(struct vtun_sa *sa)
{
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
}

void vtun_sa_flush_proxy_id(struct vtun_dev *vd, u16 id)
{
	struct vtun_sa *sa, *tmp;

	ASSERT_RTNL();
	list_for_each_entry_safe(sa, tmp, &vd->sas, dev_node)
		if (sa->proxy_id == id)
			vtun_sa_unlink(sa);
}

static int vtun_sa_parse(struct genl_info *info, struct nlattr **tb)
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
	sa->dir = nla_get_u8(tb[VTUN_A_SA_DIR]);
	sa->spi = cpu_to_be32(nla_get_u32(tb[VTUN_A_SA_SPI]));
	sa->proto = tb[VTUN_A_SA_PROTO] ? nla_get_u8(tb[VTUN_A_SA_PROTO]) :
					  VTUN_PROTO_ESP;
	sa->esn = tb[VTUN_A_SA_ESN] && nla_get_u8(tb[VTUN_A_SA_ESN]);
	sa->stats = vtun_counters_alloc(VTUN_SA_COUNTER_MAX);
	err = -ENOMEM;
	if (!sa->stats)
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
	err = vtun_proxy_id_bind(vd, sa, tb[VTUN_A_SA_PROXY_ID], info->extack);
	if (err)
		goto err_unlock;
	list_add_tail(&sa->dev_node, &vd->sas);
	hash_add_rcu(vtun_net(vd->net)->spi_table, &sa->spi_node,
		     vtun_spi_hash(sa->spi, sa->proto, sa->dir));
	if (sa->dir == VTUN_DIR_OUT)
		vtun_sa_update_tx(vd, sa->proxy_id);
	rtnl_unlock();
	return 0;

err_unlock:
	rtnl_unlock();
	vtun_sa_put(sa);
	return err;
}

static struct vtun_sa *vtun_sa_find_req(struct vtun_dev *vd, struct nlattr **tb,
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
	if (sa)
		vtun_sa_unlink(sa);
	rtnl_unlock();
	return sa ? 0 : -ENOENT;
}

static int vtun_sa_put_stats(struct sk_buff *skb, struct vtun_sa *sa)
{
	struct nlattr *nest = nla_nest_start(skb, VTUN_A_SA_STATS);
	u64 v[VTUN_SA_COUNTER_MAX];
	u64 seq;
	int i;

	if (!nest)
		return -EMSGSIZE;
	vtun_sa_read_stats(sa, v);
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

/* Keys are write-only: never put here. */
static int vtun_sa_put_msg(struct sk_buff *skb, struct vtun_sa *sa,
			   u32 portid, u32 seq, int flags)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &vtun_nl_family, flags,
			  VTUN_CMD_SA_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, VTUN_A_IFINDEX, sa->vd->dev->ifindex))
		goto cancel;
	nest = nla_nest_start(skb, VTUN_A_SA);
	if (!nest ||
	    nla_put_u8(skb, VTUN_A_SA_DIR, sa->dir) ||
	    nla_put_u32(skb, VTUN_A_SA_SPI, be32_to_cpu(sa->spi)) ||
	    nla_put_u8(skb, VTUN_A_SA_PROTO, sa->proto) ||
	    vtun_sa_put_alg(skb, sa) ||
	    nla_put_u32(skb, VTUN_A_SA_REPLAY_WINDOW, sa->replay.window) ||
	    nla_put_u8(skb, VTUN_A_SA_ESN, sa->esn) ||
	    nla_put_u16(skb, VTUN_A_SA_PROXY_ID, sa->proxy_id) ||
	    vtun_sa_put_stats(skb, sa))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

int vtun_sa_get(struct vtun_dev *vd, struct genl_info *info)
{
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
	err = sa ? vtun_sa_put_msg(msg, sa, info->snd_portid, info->snd_seq, 0) :
		   -ENOENT;
	rtnl_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* Dumps one device's SAs, resuming by position. */
int vtun_sa_dump(struct sk_buff *skb, struct netlink_callback *cb)
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
				      cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (err) {
			idx--;
			break;
		}
	}
	rtnl_unlock();
	return vtun_dump_done(skb, cb, idx, err);
}
