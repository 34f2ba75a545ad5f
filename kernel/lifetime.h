/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_LIFETIME_H
#define _VTUN_LIFETIME_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <uapi/linux/vtun.h>

struct net;
struct vtun_dev;
struct vtun_sa;

/* Limits with soft and hard values, indexed by enum vtun_expire_limit. */
#define VTUN_LT_LIMITS (VTUN_EXPIRE_LIMIT_PACKETS + 1)
#define VTUN_LT_SEQ_MARGIN_DEFAULT BIT_ULL(20)

struct vtun_lifetime {
	u64 soft[VTUN_LT_LIMITS];	/* 0: none */
	u64 hard[VTUN_LT_LIMITS];
	u64 seq_margin;
};

struct vtun_lt_budget {
	long bytes;
	long packets;
};

/* Lifetime state of an SA (in struct vtun_sa). */
struct vtun_sa_lt {
	spinlock_t lock;		/* limits and what was reached */
	struct vtun_lifetime lim;
	/* Per CPU: what may be counted before the totals are checked. */
	struct vtun_lt_budget __percpu *budget;
	u64 seq_soft;			/* outbound seq of the soft seq expiry */
	u64 seq_hard;			/* the last sequence number */
	u64 add_real, add_boot;		/* seconds */
	u64 use_real, use_boot;
	unsigned long last_used;	/* jiffies */
	unsigned long flags;		/* VTUN_LT_* */
	u8 soft_limit, hard_limit;	/* enum vtun_expire_limit reached */
};

enum {
	VTUN_LT_USED,		/* carried a packet */
	VTUN_LT_SOFT,		/* a soft limit was reached */
	VTUN_LT_SOFT_SENT,	/* and its event sent */
	VTUN_LT_HARD,		/* a hard limit was reached */
	VTUN_LT_UNLINKED,	/* no longer in its device's list */
};

int vtun_lt_init(struct vtun_sa *sa, const struct vtun_lifetime *lt);
void vtun_lt_free(struct vtun_sa *sa);
void vtun_lt_set(struct vtun_sa *sa, const struct vtun_lifetime *lt);
void vtun_lt_count(struct vtun_sa *sa, unsigned int c, u64 n);

/* What an SA reports: its limits and times in seconds (0: not yet). */
struct vtun_lt_info {
	struct vtun_lifetime lim;
	u64 add, use, last;
};

void vtun_lt_snapshot(struct vtun_sa *sa, struct vtun_lt_info *info);

static inline bool vtun_lt_hard(const struct vtun_sa_lt *lt)
{
	return test_bit(VTUN_LT_HARD, &lt->flags);
}

/* What the periodic check found: soft and hard limits reached. */
struct vtun_lt_verdict {
	int soft;	/* enum vtun_expire_limit, or -1 */
	int hard;
};

void vtun_lt_eval(struct vtun_sa *sa, u64 now, u64 *next,
		  struct vtun_lt_verdict *v);
void vtun_lt_kick(struct net *net);

/* SPIs reserved by spi-alloc, per namespace. */
int vtun_spi_reserve(struct vtun_dev *vd, u32 min, u32 max, u32 timeout,
		     u32 *spi);
struct vtun_dev *vtun_spi_reserved(struct net *net, __be32 spi);
void vtun_spi_release(struct net *net, __be32 spi);
void vtun_spi_flush_dev(struct vtun_dev *vd);

int vtun_lt_register(void);
void vtun_lt_unregister(void);

#endif /* _VTUN_LIFETIME_H */
