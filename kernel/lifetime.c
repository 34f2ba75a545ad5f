// SPDX-License-Identifier: GPL-2.0
/*
 * SA lifetimes: soft and hard limits in seconds since add, seconds since
 * first use, bytes and packets, and the outbound sequence number space;
 * and the inbound SPIs reserved by spi-alloc.
 *
 * Bytes and packets are the SA's own per-CPU counters. Each CPU counts
 * down a small budget (at most VTUN_LT_BATCH_* and a share of what is
 * left to the next limit) without touching shared memory, and sums the
 * counters only when it runs out; so a limit is passed by at most one
 * budget per CPU. Time limits and the events are handled by one delayed
 * work per namespace, which runs at the next deadline or when the packet
 * path saw a limit.
 */

#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/timekeeping.h>
#include <net/netns/generic.h>

#include "compat.h"
#include "device.h"
#include "lifetime.h"
#include "sa.h"

#define VTUN_LT_BATCH_BYTES	(64 * 1024)
#define VTUN_LT_BATCH_PACKETS	64

struct vtun_spi_res {
	struct list_head node;
	__be32 spi;
	struct vtun_dev *vd;
	unsigned long expires;	/* jiffies */
};

struct vtun_lt_net {
	struct net *net;
	struct delayed_work work;
	struct list_head spis;	/* struct vtun_spi_res, under RTNL */
	bool dying;
};

static unsigned int vtun_lt_net_id __read_mostly;

static struct vtun_lt_net *vtun_lt_net(struct net *net)
{
	return net_generic(net, vtun_lt_net_id);
}

/* Run the namespace's check now. Safe in any context but hard IRQ. */
void vtun_lt_kick(struct net *net)
{
	struct vtun_lt_net *ln = vtun_lt_net(net);

	if (!READ_ONCE(ln->dying))
		mod_delayed_work(system_wq, &ln->work, 0);
}

static void vtun_lt_kick_sa(struct vtun_sa *sa)
{
	/* Namespace teardown waits for readers after unlinking all SAs. */
	rcu_read_lock();
	if (!test_bit(VTUN_LT_UNLINKED, &sa->lt.flags))
		vtun_lt_kick(sa->vd->net);
	rcu_read_unlock();
}

static void vtun_lt_reset_budgets(struct vtun_sa *sa)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct vtun_lt_budget *b = per_cpu_ptr(sa->lt.budget, cpu);

		WRITE_ONCE(b->bytes, 0);
		WRITE_ONCE(b->packets, 0);
	}
}

/* Under the lock or before the SA is visible. */
static void vtun_lt_apply(struct vtun_sa *sa, const struct vtun_lifetime *lt)
{
	struct vtun_sa_lt *l = &sa->lt;

	l->lim = *lt;
	l->seq_hard = sa->esn ? U64_MAX : U32_MAX;
	l->seq_soft = lt->seq_margin >= l->seq_hard ? 0 :
		      l->seq_hard - lt->seq_margin;
	if (sa->dir != VTUN_DIR_OUT) {
		l->seq_soft = U64_MAX;
		l->seq_hard = U64_MAX;
	}
}

int vtun_lt_init(struct vtun_sa *sa, const struct vtun_lifetime *lt)
{
	struct vtun_sa_lt *l = &sa->lt;

	spin_lock_init(&l->lock);
	l->budget = alloc_percpu(struct vtun_lt_budget);
	if (!l->budget)
		return -ENOMEM;
	l->add_real = ktime_get_real_seconds();
	l->add_boot = ktime_get_boottime_seconds();
	vtun_lt_apply(sa, lt);
	return 0;
}

void vtun_lt_free(struct vtun_sa *sa)
{
	free_percpu(sa->lt.budget);
}

/* sa-set: new limits; what was reached stays reached. */
void vtun_lt_set(struct vtun_sa *sa, const struct vtun_lifetime *lt)
{
	spin_lock_bh(&sa->lt.lock);
	vtun_lt_apply(sa, lt);
	spin_unlock_bh(&sa->lt.lock);
	vtun_lt_reset_budgets(sa);
	vtun_lt_kick(sa->vd->net);
}

/* Under the lock: note a limit reached; the work sends the event. */
static bool vtun_lt_reach(struct vtun_sa_lt *l, bool hard, int limit)
{
	if (test_bit(VTUN_LT_HARD, &l->flags))
		return false;
	if (hard) {
		l->hard_limit = limit;
		set_bit(VTUN_LT_HARD, &l->flags);
		return true;
	}
	if (test_bit(VTUN_LT_SOFT, &l->flags))
		return false;
	l->soft_limit = limit;
	set_bit(VTUN_LT_SOFT, &l->flags);
	return true;
}

/*
 * Compare a counted total with its limits and return the budget until
 * the next one. Under the lock.
 */
static long vtun_lt_check_one(struct vtun_sa_lt *l, int i, u64 total,
			      long batch, bool *kick)
{
	u64 soft = l->lim.soft[i], hard = l->lim.hard[i], next = 0, left;

	if (hard && total >= hard)
		*kick |= vtun_lt_reach(l, true, i);
	else if (soft && total >= soft)
		*kick |= vtun_lt_reach(l, false, i);
	if (soft && total < soft)
		next = soft;
	else if (hard && total < hard)
		next = hard;
	if (!next)
		return LONG_MAX;
	left = div_u64(next - total, num_possible_cpus());
	return clamp_t(u64, left, 1, batch);
}

static void vtun_lt_recount(struct vtun_sa *sa)
{
	struct vtun_sa_lt *l = &sa->lt;
	u64 v[VTUN_SA_COUNTER_MAX];
	struct vtun_lt_budget *b;
	bool kick = false;
	long bytes, packets;

	vtun_counters_read(sa->stats, VTUN_SA_COUNTER_MAX, v);
	spin_lock_bh(&l->lock);
	bytes = vtun_lt_check_one(l, VTUN_EXPIRE_LIMIT_BYTES,
				  v[VTUN_SA_BYTES], VTUN_LT_BATCH_BYTES, &kick);
	packets = vtun_lt_check_one(l, VTUN_EXPIRE_LIMIT_PACKETS,
				    v[VTUN_SA_PACKETS], VTUN_LT_BATCH_PACKETS,
				    &kick);
	b = this_cpu_ptr(l->budget);
	WRITE_ONCE(b->bytes, bytes);
	WRITE_ONCE(b->packets, packets);
	spin_unlock_bh(&l->lock);
	if (kick)
		vtun_lt_kick_sa(sa);
}

static void vtun_lt_first_use(struct vtun_sa *sa)
{
	struct vtun_sa_lt *l = &sa->lt;
	bool kick;

	spin_lock_bh(&l->lock);
	kick = !test_bit(VTUN_LT_USED, &l->flags);
	if (kick) {
		l->use_real = ktime_get_real_seconds();
		l->use_boot = ktime_get_boottime_seconds();
		l->last_used = jiffies;
		set_bit(VTUN_LT_USED, &l->flags);
		kick = l->lim.soft[VTUN_EXPIRE_LIMIT_USE_SECONDS] ||
		       l->lim.hard[VTUN_EXPIRE_LIMIT_USE_SECONDS];
	}
	spin_unlock_bh(&l->lock);
	if (kick)
		vtun_lt_kick_sa(sa);
}

static void vtun_lt_seq(struct vtun_sa *sa, u64 seq)
{
	struct vtun_sa_lt *l = &sa->lt;
	bool kick;

	spin_lock_bh(&l->lock);
	kick = vtun_lt_reach(l, seq >= l->seq_hard, VTUN_EXPIRE_LIMIT_SEQ);
	spin_unlock_bh(&l->lock);
	if (kick)
		vtun_lt_kick_sa(sa);
}

/*
 * Packet path, after the SA's counter was added to: first and last use,
 * the sequence number space (outbound), and the byte and packet budgets.
 * No lock, no shared write but last-used once a second.
 */
void vtun_lt_count(struct vtun_sa *sa, unsigned int c, u64 n)
{
	struct vtun_sa_lt *l = &sa->lt;
	unsigned long now;
	long left;

	if (c == VTUN_SA_BYTES) {
		left = this_cpu_sub_return(l->budget->bytes, (long)n);
	} else {
		if (unlikely(!test_bit(VTUN_LT_USED, &l->flags)))
			vtun_lt_first_use(sa);
		now = jiffies;
		if (unlikely(now - READ_ONCE(l->last_used) >= HZ))
			WRITE_ONCE(l->last_used, now);
		if (sa->dir == VTUN_DIR_OUT) {
			u64 seq = atomic64_read(&sa->seq);

			if (unlikely(seq >= READ_ONCE(l->seq_soft)))
				vtun_lt_seq(sa, seq);
		}
		left = this_cpu_sub_return(l->budget->packets, (long)n);
	}
	if (unlikely(left <= 0))
		vtun_lt_recount(sa);
}

static void vtun_lt_deadline(u64 base, u64 limit, u64 now, u64 *next,
			     bool *reached)
{
	if (!limit)
		return;
	if (now >= base + limit)
		*reached = true;
	else if (base + limit < *next)
		*next = base + limit;
}

/*
 * The periodic check of one SA, under RTNL: time limits, and the totals
 * (also when no packet comes). Reports what is due for an event; the
 * soft event is reported once.
 */
void vtun_lt_eval(struct vtun_sa *sa, u64 now, u64 *next,
		  struct vtun_lt_verdict *v)
{
	struct vtun_sa_lt *l = &sa->lt;
	u64 c[VTUN_SA_COUNTER_MAX];
	bool kick = false;
	int i, h;

	vtun_counters_read(sa->stats, VTUN_SA_COUNTER_MAX, c);
	spin_lock_bh(&l->lock);
	for (i = 0; i < VTUN_LT_LIMITS; i++) {
		for (h = 1; h >= 0; h--) {
			u64 limit = h ? l->lim.hard[i] : l->lim.soft[i];
			bool reached = false;

			switch (i) {
			case VTUN_EXPIRE_LIMIT_SECONDS:
				vtun_lt_deadline(l->add_boot, limit, now, next,
						 &reached);
				break;
			case VTUN_EXPIRE_LIMIT_USE_SECONDS:
				if (test_bit(VTUN_LT_USED, &l->flags))
					vtun_lt_deadline(l->use_boot, limit,
							 now, next, &reached);
				break;
			case VTUN_EXPIRE_LIMIT_BYTES:
				reached = limit && c[VTUN_SA_BYTES] >= limit;
				break;
			case VTUN_EXPIRE_LIMIT_PACKETS:
				reached = limit && c[VTUN_SA_PACKETS] >= limit;
				break;
			}
			if (reached)
				kick |= vtun_lt_reach(l, h, i);
		}
	}
	v->soft = -1;
	v->hard = -1;
	if (test_bit(VTUN_LT_SOFT, &l->flags) &&
	    !test_and_set_bit(VTUN_LT_SOFT_SENT, &l->flags))
		v->soft = l->soft_limit;
	if (test_bit(VTUN_LT_HARD, &l->flags))
		v->hard = l->hard_limit;
	spin_unlock_bh(&l->lock);
}

/* Its limits, add time, first use and last use (under the SA lock). */
void vtun_lt_snapshot(struct vtun_sa *sa, struct vtun_lt_info *info)
{
	struct vtun_sa_lt *l = &sa->lt;

	info->use = 0;
	info->last = 0;
	spin_lock_bh(&l->lock);
	info->lim = l->lim;
	if (test_bit(VTUN_LT_USED, &l->flags)) {
		info->use = l->use_real;
		info->last = ktime_get_real_seconds() -
			     (jiffies - READ_ONCE(l->last_used)) / HZ;
	}
	spin_unlock_bh(&l->lock);
	info->add = l->add_real;
}

/* SPI reservations */

static struct vtun_spi_res *vtun_spi_find(struct vtun_lt_net *ln, __be32 spi)
{
	struct vtun_spi_res *r;

	list_for_each_entry(r, &ln->spis, node)
		if (r->spi == spi)
			return r;
	return NULL;
}

struct vtun_dev *vtun_spi_reserved(struct net *net, __be32 spi)
{
	struct vtun_spi_res *r;

	ASSERT_RTNL();
	r = vtun_spi_find(vtun_lt_net(net), spi);
	return r ? r->vd : NULL;
}

void vtun_spi_release(struct net *net, __be32 spi)
{
	struct vtun_spi_res *r;

	ASSERT_RTNL();
	r = vtun_spi_find(vtun_lt_net(net), spi);
	if (r) {
		list_del(&r->node);
		kfree(r);
	}
}

void vtun_spi_flush_dev(struct vtun_dev *vd)
{
	struct vtun_lt_net *ln = vtun_lt_net(vd->net);
	struct vtun_spi_res *r, *tmp;

	ASSERT_RTNL();
	list_for_each_entry_safe(r, tmp, &ln->spis, node) {
		if (r->vd == vd) {
			list_del(&r->node);
			kfree(r);
		}
	}
}

static bool vtun_spi_free(struct vtun_lt_net *ln, u32 spi)
{
	return !vtun_spi_find(ln, cpu_to_be32(spi)) &&
	       !vtun_sa_spi_in_use(ln->net, cpu_to_be32(spi));
}

/*
 * A random free SPI in [min, max]: random probes, then a scan from a
 * random point, so a nearly full small range is found too; -ENOSPC:
 * none is free. Under RTNL.
 */
int vtun_spi_reserve(struct vtun_dev *vd, u32 min, u32 max, u32 timeout,
		     u32 *spi)
{
	struct vtun_lt_net *ln = vtun_lt_net(vd->net);
	u64 span = (u64)max - min + 1, i;
	struct vtun_spi_res *r;
	u32 cand = 0;
	bool found = false;

	ASSERT_RTNL();
	for (i = 0; i < 64 && !found; i++) {
		cand = min + (u32)get_random_u32_below((u32)min_t(u64, span,
								  U32_MAX));
		found = vtun_spi_free(ln, cand);
	}
	for (i = 0; i < span && i < 65536 && !found; i++) {
		cand = min + (u32)(((u64)cand - min + 1) % span);
		found = vtun_spi_free(ln, cand);
	}
	if (!found)
		return -ENOSPC;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->spi = cpu_to_be32(cand);
	r->vd = vd;
	r->expires = jiffies + (unsigned long)timeout * HZ;
	list_add_tail(&r->node, &ln->spis);
	*spi = cand;
	vtun_lt_kick(vd->net);
	return 0;
}

/* The namespace's check: SA lifetimes, then reservations. */
static void vtun_lt_work(struct work_struct *work)
{
	struct vtun_lt_net *ln = container_of(to_delayed_work(work),
					      struct vtun_lt_net, work);
	u64 now = ktime_get_boottime_seconds(), next = U64_MAX;
	unsigned long delay = MAX_JIFFY_OFFSET;
	struct vtun_spi_res *r, *tmp;
	struct vtun_dev *vd;

	rtnl_lock();
	list_for_each_entry(vd, &vtun_net(ln->net)->devs, net_list)
		vtun_sa_expire(vd, now, &next);
	list_for_each_entry_safe(r, tmp, &ln->spis, node) {
		if (time_after_eq(jiffies, r->expires)) {
			list_del(&r->node);
			kfree(r);
		} else {
			delay = min(delay, r->expires - jiffies);
		}
	}
	rtnl_unlock();
	if (next != U64_MAX)
		delay = min_t(u64, delay, (next - now) * HZ);
	if (delay != MAX_JIFFY_OFFSET && !READ_ONCE(ln->dying))
		queue_delayed_work(system_wq, &ln->work, delay);
}

static int __net_init vtun_lt_net_init(struct net *net)
{
	struct vtun_lt_net *ln = vtun_lt_net(net);

	ln->net = net;
	INIT_DELAYED_WORK(&ln->work, vtun_lt_work);
	INIT_LIST_HEAD(&ln->spis);
	return 0;
}

/* After the devices (and SAs) of the namespace are gone. */
static void __net_exit vtun_lt_net_exit(struct net *net)
{
	struct vtun_lt_net *ln = vtun_lt_net(net);
	struct vtun_spi_res *r, *tmp;

	WRITE_ONCE(ln->dying, true);
	synchronize_rcu();
	cancel_delayed_work_sync(&ln->work);
	list_for_each_entry_safe(r, tmp, &ln->spis, node)
		kfree(r);
}

static struct pernet_operations vtun_lt_net_ops = {
	.init = vtun_lt_net_init,
	.exit = vtun_lt_net_exit,
	.id = &vtun_lt_net_id,
	.size = sizeof(struct vtun_lt_net),
};

/* Subsystem: its exit runs after the devices' (pernet device) exit. */
int vtun_lt_register(void)
{
	return register_pernet_subsys(&vtun_lt_net_ops);
}

void vtun_lt_unregister(void)
{
	unregister_pernet_subsys(&vtun_lt_net_ops);
}
