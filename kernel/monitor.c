// SPDX-License-Identifier: GPL-2.0
/*
 * Tunnel monitors: ICMP or ICMPv6 echo probes that vtun builds and sends
 * through its own encrypt-and-send path to an address across the tunnel,
 * one timer per monitored device. Answers are recognised on receive by
 * identifier and sequence number and consumed. After "threshold" probes
 * in a row go unanswered the monitor is down; with the fail-over action
 * the carrier goes off, so routes through the device become linkdown and
 * are ignored (ignore_routes_with_linkdown), and a backup route wins.
 *
 * The carrier is decided here for every device, monitored or not: on
 * when the device has a usable outbound SA (not standby, not past a hard
 * limit) or on-demand is set, and no fail-over monitor is down. Without
 * carrier the qdisc drops what is routed into the device; probes go out
 * anyway, through vtun_xmit() directly.
 *
 * The configuration is replaced as a whole under RTNL and read under RCU;
 * the state and counters are under the monitor's lock. In transport mode
 * the probes go from gateway to gateway, to wherever the remote is now
 * (a changed remote, a peer moved by sa-set or learned behind a NAT).
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/random.h>
#include <net/addrconf.h>
#include <net/ip6_checksum.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "compat.h"
#include "device.h"
#include "monitor.h"
#include "netlink.h"
#include "sa.h"
#include "tx.h"
#include "udp.h"

#define VTUN_MON_DATA_LEN	16

struct vtun_monitor {
	struct vtun_dev *vd;
	struct vtun_monitor_cfg __rcu *cfg;	/* NULL: none; under RTNL */
	struct timer_list timer;
	spinlock_t lock;		/* the fields below */
	bool have_sa;			/* a usable outbound SA exists */
	bool on_demand;			/* the link's on-demand */
	bool down;
	bool waiting;			/* the last probe is unanswered */
	bool holding;			/* answered again, in the hold-down */
	bool linkdown_set;		/* ignore_routes_with_linkdown is ours */
	u16 id;
	u16 seq;
	u32 misses;
	u32 rtt;			/* us */
	ktime_t sent_at;
	unsigned long up_at;		/* end of the hold-down */
	unsigned long last_rx;		/* jiffies of the last inbound packet */
	u64 sent, received, lost;
	struct rcu_head rcu;
};

enum { VTUN_MON_NONE, VTUN_MON_DOWN, VTUN_MON_UP };

/* Carrier = a usable outbound SA or on-demand, and no fail-over down. */
static void vtun_monitor_carrier(struct vtun_monitor *m,
				 const struct vtun_monitor_cfg *cfg)
{
	struct net_device *dev = m->vd->dev;
	bool on = (m->have_sa || m->on_demand) &&
		  !(cfg && m->down &&
		    cfg->action == VTUN_MONITOR_ACTION_FAIL_OVER);

	if (on)
		netif_carrier_on(dev);
	else
		netif_carrier_off(dev);
}

/* An answer (or, optimized, any inbound packet): maybe up again. */
static int vtun_monitor_alive(struct vtun_monitor *m,
			      const struct vtun_monitor_cfg *cfg)
{
	m->misses = 0;
	if (!m->down)
		return VTUN_MON_NONE;
	if (cfg->hold_down) {
		if (!m->holding) {
			m->holding = true;
			m->up_at = jiffies + msecs_to_jiffies(cfg->hold_down);
			return VTUN_MON_NONE;
		}
		if (time_before(jiffies, m->up_at))
			return VTUN_MON_NONE;
	}
	m->down = false;
	m->holding = false;
	vtun_monitor_carrier(m, cfg);
	return VTUN_MON_UP;
}

static void vtun_monitor_event(struct vtun_dev *vd, int ev)
{
	if (ev == VTUN_MON_DOWN)
		vtun_nl_monitor_notify(vd, false,
				       VTUN_MONITOR_REASON_PROBES_LOST);
	else if (ev == VTUN_MON_UP)
		vtun_nl_monitor_notify(vd, true,
				       VTUN_MONITOR_REASON_PROBES_ANSWERED);
}

/* A probe's source and destination. Under RCU or RTNL. */
static void vtun_monitor_addrs(struct vtun_dev *vd,
			       const struct vtun_monitor_cfg *cfg,
			       union vtun_addr *src, union vtun_addr *dst)
{
	const struct vtun_params *p;
	__be16 port;

	if (!cfg->gateways) {
		*src = cfg->src;
		*dst = cfg->dst;
		return;
	}
	p = rcu_dereference_rtnl(vd->params);
	*src = p->local;
	vtun_udp_peer(vd, p, dst, &port);
}

static struct sk_buff *vtun_monitor_build(struct vtun_dev *vd,
					  const struct vtun_monitor_cfg *cfg,
					  u16 id, u16 seq)
{
	struct net_device *dev = vd->dev;
	union vtun_addr src, dst;
	unsigned int len = sizeof(struct icmphdr) + VTUN_MON_DATA_LEN;
	unsigned int hroom = LL_RESERVED_SPACE(dev);
	struct sk_buff *skb;

	BUILD_BUG_ON(sizeof(struct icmphdr) != sizeof(struct icmp6hdr));
	skb = alloc_skb(hroom + sizeof(struct ipv6hdr) + len +
			dev->needed_tailroom, GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, hroom);
	skb_reset_network_header(skb);
	vtun_monitor_addrs(vd, cfg, &src, &dst);
	if (cfg->family == AF_INET) {
		struct iphdr *iph = skb_put_zero(skb, sizeof(*iph));
		struct icmphdr *icmph;

		skb_set_transport_header(skb, skb->len);
		icmph = skb_put_zero(skb, len);
		icmph->type = ICMP_ECHO;
		icmph->un.echo.id = htons(id);
		icmph->un.echo.sequence = htons(seq);
		icmph->checksum = ip_compute_csum(icmph, len);
		iph->version = 4;
		iph->ihl = sizeof(*iph) >> 2;
		iph->ttl = 64;
		iph->protocol = IPPROTO_ICMP;
		iph->saddr = src.v4;
		iph->daddr = dst.v4;
		iph->tot_len = htons(skb->len);
		ip_send_check(iph);
		skb->protocol = htons(ETH_P_IP);
	} else {
		struct ipv6hdr *ip6h = skb_put_zero(skb, sizeof(*ip6h));
		struct icmp6hdr *icmp6h;

		skb_set_transport_header(skb, skb->len);
		icmp6h = skb_put_zero(skb, len);
		icmp6h->icmp6_type = ICMPV6_ECHO_REQUEST;
		icmp6h->icmp6_identifier = htons(id);
		icmp6h->icmp6_sequence = htons(seq);
		ip6_flow_hdr(ip6h, 0, 0);
		ip6h->payload_len = htons(len);
		ip6h->nexthdr = IPPROTO_ICMPV6;
		ip6h->hop_limit = 64;
		ip6h->saddr = src.v6;
		ip6h->daddr = dst.v6;
		icmp6h->icmp6_cksum = csum_ipv6_magic(&ip6h->saddr,
						      &ip6h->daddr, len,
						      IPPROTO_ICMPV6,
						      csum_partial(icmp6h, len, 0));
		skb->protocol = htons(ETH_P_IPV6);
	}
	skb->dev = dev;
	skb->ip_summed = CHECKSUM_NONE;
	return skb;
}

static void vtun_monitor_tick(struct timer_list *t)
{
	struct vtun_monitor *m = timer_container_of(m, t, timer);
	const struct vtun_monitor_cfg *cfg;
	int ev = VTUN_MON_NONE;
	bool probe = false;
	u16 id = 0, seq = 0;

	rcu_read_lock();
	cfg = rcu_dereference(m->cfg);
	if (!cfg)
		goto out;
	spin_lock(&m->lock);
	/* Replaced meanwhile: the commit has rearmed the timer. */
	if (unlikely(rcu_access_pointer(m->cfg) != cfg)) {
		spin_unlock(&m->lock);
		goto out;
	}
	if (m->waiting) {
		m->waiting = false;
		m->lost++;
		m->misses++;
		m->holding = false;
	}
	if (cfg->optimized &&
	    time_before(jiffies, READ_ONCE(m->last_rx) +
				 msecs_to_jiffies(cfg->interval))) {
		/* Traffic comes in: the tunnel works, no probe needed. */
		ev = vtun_monitor_alive(m, cfg);
	} else {
		if (!m->down && m->misses >= cfg->threshold) {
			m->down = true;
			vtun_monitor_carrier(m, cfg);
			ev = VTUN_MON_DOWN;
		}
		probe = true;
		id = m->id;
		seq = ++m->seq;
		m->waiting = true;
		m->sent++;
		m->sent_at = ktime_get();
	}
	mod_timer(&m->timer, jiffies + msecs_to_jiffies(cfg->interval));
	spin_unlock(&m->lock);
	if (probe) {
		struct sk_buff *skb = vtun_monitor_build(m->vd, cfg, id, seq);

		/* Through the encrypt-and-send path, carrier or not. */
		if (skb)
			vtun_xmit(skb, m->vd->dev);
	}
out:
	rcu_read_unlock();
	vtun_monitor_event(m->vd, ev);
}

/* An echo reply from dst to src with our identifier: its sequence. */
static bool vtun_monitor_match(struct vtun_dev *vd,
			       const struct vtun_monitor_cfg *cfg, u16 id,
			       struct sk_buff *skb, u16 *seq)
{
	const struct icmp6hdr *icmp6h;
	const struct ipv6hdr *ip6h;
	union vtun_addr src, dst;
	unsigned int off;

	vtun_monitor_addrs(vd, cfg, &src, &dst);
	if (cfg->family == AF_INET) {
		const struct iphdr *iph = ip_hdr(skb);
		const struct icmphdr *icmph;

		if (skb->protocol != htons(ETH_P_IP) ||
		    iph->protocol != IPPROTO_ICMP || ip_is_fragment(iph) ||
		    iph->saddr != dst.v4 || iph->daddr != src.v4)
			return false;
		off = skb_network_offset(skb) + iph->ihl * 4;
		if (!pskb_may_pull(skb, off + sizeof(*icmph)))
			return false;
		icmph = (const struct icmphdr *)(skb->data + off);
		if (icmph->type != ICMP_ECHOREPLY ||
		    icmph->un.echo.id != htons(id))
			return false;
		*seq = ntohs(icmph->un.echo.sequence);
		return true;
	}
	ip6h = ipv6_hdr(skb);
	if (skb->protocol != htons(ETH_P_IPV6) ||
	    ip6h->nexthdr != IPPROTO_ICMPV6 ||
	    !ipv6_addr_equal(&ip6h->saddr, &dst.v6) ||
	    !ipv6_addr_equal(&ip6h->daddr, &src.v6))
		return false;
	off = skb_network_offset(skb) + sizeof(*ip6h);
	if (!pskb_may_pull(skb, off + sizeof(*icmp6h)))
		return false;
	icmp6h = (const struct icmp6hdr *)(skb->data + off);
	if (icmp6h->icmp6_type != ICMPV6_ECHO_REPLY ||
	    icmp6h->icmp6_identifier != htons(id))
		return false;
	*seq = ntohs(icmp6h->icmp6_sequence);
	return true;
}

/* Under the lock: the answer to the last probe, or (optimized) traffic. */
static int vtun_monitor_answer(struct vtun_monitor *m,
			       const struct vtun_monitor_cfg *cfg, bool mine,
			       u16 seq)
{
	if (mine && !(m->waiting && seq == m->seq))
		return VTUN_MON_NONE;
	if (mine) {
		m->received++;
		m->rtt = ktime_us_delta(ktime_get(), m->sent_at);
	}
	m->waiting = false;
	return vtun_monitor_alive(m, cfg);
}

/*
 * An authenticated inbound packet, about to be delivered. Returns true if
 * it was the answer to a probe: then it is consumed.
 */
bool vtun_monitor_rx(struct vtun_dev *vd, struct sk_buff *skb)
{
	const struct vtun_monitor_cfg *cfg;
	struct vtun_monitor *m;
	int ev = VTUN_MON_NONE;
	unsigned long now;
	bool mine;
	u16 seq;

	rcu_read_lock();
	m = rcu_dereference(vd->monitor);
	cfg = m ? rcu_dereference(m->cfg) : NULL;
	if (!cfg) {
		rcu_read_unlock();
		return false;
	}
	mine = vtun_monitor_match(vd, cfg, READ_ONCE(m->id), skb, &seq);
	/* Once a jiffy at most: no shared write for every packet. */
	now = jiffies;
	if (cfg->optimized && READ_ONCE(m->last_rx) != now)
		WRITE_ONCE(m->last_rx, now);
	if (mine || (cfg->optimized &&
		     (READ_ONCE(m->waiting) || READ_ONCE(m->down)))) {
		spin_lock_bh(&m->lock);
		/* Replaced meanwhile: the commit decided the state anew. */
		if (likely(rcu_access_pointer(m->cfg) == cfg))
			ev = vtun_monitor_answer(m, cfg, mine, seq);
		spin_unlock_bh(&m->lock);
	}
	rcu_read_unlock();
	vtun_monitor_event(vd, ev);
	if (mine)
		consume_skb(skb);
	return mine;
}

/* An outbound SA that may carry traffic: not standby, not past a hard limit. */
static bool vtun_monitor_have_sa(struct vtun_dev *vd)
{
	struct vtun_sa *sa;

	list_for_each_entry(sa, &vd->sas, dev_node)
		if (sa->dir == VTUN_DIR_OUT && !sa->standby &&
		    !vtun_lt_hard(&sa->lt))
			return true;
	return false;
}

/*
 * Under RTNL, once the device is registered and whenever its outbound SAs
 * or its on-demand setting change.
 */
void vtun_carrier_update(struct vtun_dev *vd)
{
	struct vtun_monitor *m = rtnl_dereference(vd->monitor);
	const struct vtun_params *p = rtnl_dereference(vd->params);
	struct vtun_monitor_cfg *cfg;

	if (!m || vd->dev->reg_state != NETREG_REGISTERED)
		return;
	cfg = rtnl_dereference(m->cfg);
	spin_lock_bh(&m->lock);
	m->have_sa = vtun_monitor_have_sa(vd);
	m->on_demand = p->on_demand;
	vtun_monitor_carrier(m, cfg);
	spin_unlock_bh(&m->lock);
}

/* Routes through a linkdown device lose at once to a backup route. */
static void vtun_monitor_linkdown(struct vtun_monitor *m, bool on)
{
	struct net_device *dev = m->vd->dev;
	struct in_device *in_dev = __in_dev_get_rtnl(dev);
	struct inet6_dev *idev = __in6_dev_get(dev);

	if (m->linkdown_set == on)
		return;
	m->linkdown_set = on;
	if (in_dev)
		IN_DEV_CONF_SET(in_dev, IGNORE_ROUTES_WITH_LINKDOWN, on);
	if (idev)
		WRITE_ONCE(idev->cnf.ignore_routes_with_linkdown, on);
	/* As the sysctls do: no cached route outlives the change. */
	rt_genid_bump_all(dev_net(dev));
}

static bool vtun_monitor_dev_addr(struct net_device *dev,
				  struct vtun_monitor_cfg *c)
{
	if (c->family == AF_INET) {
		struct in_device *in_dev = __in_dev_get_rtnl(dev);
		const struct in_ifaddr *ifa;

		if (!in_dev)
			return false;
		in_dev_for_each_ifa_rtnl(ifa, in_dev) {
			if (c->src_auto) {
				c->src.v4 = ifa->ifa_local;
				return true;
			}
			if (ifa->ifa_local == c->src.v4)
				return true;
		}
		return false;
	}
	if (!c->src_auto)
		return ipv6_chk_addr(dev_net(dev), &c->src.v6, dev, 0);
	return !ipv6_dev_get_saddr(dev_net(dev), dev, &c->dst.v6, 0,
				   &c->src.v6) &&
	       ipv6_chk_addr(dev_net(dev), &c->src.v6, dev, 0);
}

/* What the device allows: the source, and the gateways in transport mode. */
static int vtun_monitor_check(struct vtun_dev *vd, struct vtun_monitor_cfg *c,
			      struct netlink_ext_ack *extack)
{
	const struct vtun_params *p = rtnl_dereference(vd->params);

	if (p->mode == VTUN_MODE_TRANSPORT && !p->gre) {
		if (c->family != p->family ||
		    memcmp(&c->dst, &p->remote, sizeof(c->dst))) {
			NL_SET_ERR_MSG(extack,
				       "dst: must be the remote gateway in transport mode");
			return -EINVAL;
		}
		if (c->src_auto)
			c->src = p->local;
		if (memcmp(&c->src, &p->local, sizeof(c->src)) ||
		    ipv6_addr_any(&c->src.v6)) {
			NL_SET_ERR_MSG(extack,
				       "src: must be the local gateway in transport mode");
			return -EINVAL;
		}
		c->gateways = true;
		return 0;
	}
	c->gateways = false;
	if (!vtun_monitor_dev_addr(vd->dev, c)) {
		if (c->src_auto)
			NL_SET_ERR_MSG(extack,
				       "src: the device has no address of the family of dst");
		else
			NL_SET_ERR_MSG(extack,
				       "src: not an address of the device");
		return -EADDRNOTAVAIL;
	}
	return 0;
}

/* Apply @c, or remove the monitor if it is NULL. Under RTNL. */
static void vtun_monitor_commit(struct vtun_monitor *m,
				struct vtun_monitor_cfg *c, bool create)
{
	struct vtun_monitor_cfg *old = rtnl_dereference(m->cfg);

	rcu_assign_pointer(m->cfg, c);
	if (!c)
		timer_delete_sync(&m->timer);
	vtun_monitor_linkdown(m, c && c->action == VTUN_MONITOR_ACTION_FAIL_OVER);
	spin_lock_bh(&m->lock);
	if (create) {
		m->down = false;
		m->waiting = false;
		m->holding = false;
		m->misses = 0;
		m->rtt = 0;
		m->sent = 0;
		m->received = 0;
		m->lost = 0;
		m->id = get_random_u16();
		m->last_rx = jiffies - msecs_to_jiffies(c->interval);
	}
	m->have_sa = vtun_monitor_have_sa(m->vd);
	vtun_monitor_carrier(m, c);
	if (c)
		mod_timer(&m->timer, jiffies + (create ? 1 :
				     msecs_to_jiffies(c->interval)));
	spin_unlock_bh(&m->lock);
	if (old)
		kfree_rcu(old, rcu);
}

/*
 * The configuration a request starts from, into @c: the device's, to
 * change it, or the defaults for a new one. -EEXIST: the device has one
 * already; -ENOENT: it has none. Under RTNL.
 */
int vtun_monitor_prepare(struct vtun_dev *vd, struct vtun_monitor_cfg *c,
			 bool create)
{
	struct vtun_monitor *m = rtnl_dereference(vd->monitor);
	struct vtun_monitor_cfg *old;

	if (!m || vd->dev->reg_state != NETREG_REGISTERED)
		return -ENODEV;
	old = rtnl_dereference(m->cfg);
	if (create && old)
		return -EEXIST;
	if (!create && !old)
		return -ENOENT;
	if (old) {
		memcpy(c, old, sizeof(*c));
	} else {
		c->interval = VTUN_MON_INTERVAL_DEF;
		c->threshold = VTUN_MON_THRESHOLD_DEF;
		c->action = VTUN_MONITOR_ACTION_WAIT_RECOVER;
		c->src_auto = true;
	}
	return 0;
}

/*
 * Check @c (from vtun_monitor_prepare()) against the device and apply it;
 * the monitor owns @c then. On error, a message in @extack and nothing
 * changed. Under RTNL.
 */
int vtun_monitor_apply(struct vtun_dev *vd, struct vtun_monitor_cfg *c,
		       bool create, struct netlink_ext_ack *extack)
{
	int err = vtun_monitor_check(vd, c, extack);

	if (err)
		return err;
	vtun_monitor_commit(rtnl_dereference(vd->monitor), c, create);
	return 0;
}

/* Under RTNL. */
int vtun_monitor_remove(struct vtun_dev *vd)
{
	struct vtun_monitor *m = rtnl_dereference(vd->monitor);

	if (!m || !rtnl_dereference(m->cfg))
		return -ENOENT;
	vtun_monitor_commit(m, NULL, false);
	return 0;
}

/*
 * New parameters @p for the device (link change): a monitor between the
 * gateways stays one, and one across the tunnel too. Under RTNL.
 */
int vtun_monitor_check_params(struct vtun_dev *vd, const struct vtun_params *p,
			      struct netlink_ext_ack *extack)
{
	struct vtun_monitor *m = rtnl_dereference(vd->monitor);
	const struct vtun_monitor_cfg *cfg = m ? rtnl_dereference(m->cfg) : NULL;
	bool gateways = p->mode == VTUN_MODE_TRANSPORT && !p->gre;

	if (!cfg || (cfg->gateways == gateways &&
		     (!gateways || p->family == cfg->family)))
		return 0;
	NL_SET_ERR_MSG(extack,
		       "the device's monitor does not fit the new mode or family: delete it first");
	return -EBUSY;
}

/* The configuration, state and counters; false: the device has none. */
bool vtun_monitor_snapshot(struct vtun_dev *vd, struct vtun_monitor_info *info)
{
	const struct vtun_monitor_cfg *cfg;
	struct vtun_monitor *m;

	rcu_read_lock();
	m = rcu_dereference(vd->monitor);
	cfg = m ? rcu_dereference(m->cfg) : NULL;
	if (!cfg) {
		rcu_read_unlock();
		return false;
	}
	info->cfg = *cfg;
	vtun_monitor_addrs(vd, cfg, &info->cfg.src, &info->cfg.dst);
	spin_lock_bh(&m->lock);
	info->down = m->down;
	info->sent = m->sent;
	info->received = m->received;
	info->lost = m->lost;
	info->misses = m->misses;
	info->rtt = m->rtt;
	spin_unlock_bh(&m->lock);
	rcu_read_unlock();
	return true;
}

int vtun_monitor_init(struct vtun_dev *vd)
{
	struct vtun_monitor *m = kzalloc(sizeof(*m), GFP_KERNEL);

	if (!m)
		return -ENOMEM;
	m->vd = vd;
	spin_lock_init(&m->lock);
	timer_setup(&m->timer, vtun_monitor_tick, 0);
	rcu_assign_pointer(vd->monitor, m);
	return 0;
}

/* Device unregistration, namespace exit and module unload come here. */
void vtun_monitor_uninit(struct vtun_dev *vd)
{
	struct vtun_monitor *m = rtnl_dereference(vd->monitor);
	struct vtun_monitor_cfg *cfg;

	if (!m)
		return;
	cfg = rtnl_dereference(m->cfg);
	RCU_INIT_POINTER(m->cfg, NULL);
	timer_shutdown_sync(&m->timer);
	RCU_INIT_POINTER(vd->monitor, NULL);
	if (cfg)
		kfree_rcu(cfg, rcu);
	kfree_rcu(m, rcu);
}
