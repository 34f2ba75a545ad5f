/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_COUNTERS_H
#define _VTUN_COUNTERS_H

#include <linux/percpu.h>
#include <linux/u64_stats_sync.h>

/* A set of per-CPU u64 counters, summed over the CPUs when read. */
struct vtun_counters {
	struct u64_stats_sync syncp;
	u64_stats_t count[];
};

struct vtun_counters __percpu *vtun_counters_alloc(unsigned int n);
void vtun_counters_add(struct vtun_counters __percpu *c, unsigned int i,
		       u64 n);
void vtun_counters_read(struct vtun_counters __percpu *c, unsigned int n,
			u64 *sum);

#endif /* _VTUN_COUNTERS_H */
