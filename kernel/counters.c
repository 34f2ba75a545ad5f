// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU counters: drop reasons of a device, traffic of an SA.
 */

#include <linux/string.h>

#include "counters.h"

struct vtun_counters __percpu *vtun_counters_alloc(unsigned int n)
{
	struct vtun_counters __percpu *c;
	int cpu;

	c = __alloc_percpu(sizeof(struct vtun_counters) +
			   n * sizeof(u64_stats_t),
			   __alignof__(struct vtun_counters));
	if (!c)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(c, cpu)->syncp);
	return c;
}

void vtun_counters_add(struct vtun_counters __percpu *c, unsigned int i,
		       u64 n)
{
	struct vtun_counters *s = get_cpu_ptr(c);

	u64_stats_update_begin(&s->syncp);
	u64_stats_add(&s->count[i], n);
	u64_stats_update_end(&s->syncp);
	put_cpu_ptr(c);
}

void vtun_counters_read(struct vtun_counters __percpu *c, unsigned int n,
			u64 *sum)
{
	unsigned int start, i;
	int cpu;

	memset(sum, 0, n * sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct vtun_counters *s = per_cpu_ptr(c, cpu);
		u64 v;

		for (i = 0; i < n; i++) {
			do {
				start = u64_stats_fetch_begin(&s->syncp);
				v = u64_stats_read(&s->count[i]);
			} while (u64_stats_fetch_retry(&s->syncp, start));
			sum[i] += v;
		}
	}
}
