/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Check macros of the vtun-iked unit tests: count, report, go on.
 */
#ifndef _IKED_TEST_CHECK_H
#define _IKED_TEST_CHECK_H

#include <stdio.h>

static int failures, checks;

#define CHECK(cond) do {						\
		checks++;						\
		if (!(cond)) {						\
			failures++;					\
			fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__,	\
				__LINE__, #cond);			\
		}							\
	} while (0)

#define CHECK_EQ(a, b) do {						\
		long long _a = (long long)(a), _b = (long long)(b);	\
		checks++;						\
		if (_a != _b) {						\
			failures++;					\
			fprintf(stderr, "%s:%d: FAIL: %s == %lld, not %lld\n", \
				__FILE__, __LINE__, #a, _a, _b);	\
		}							\
	} while (0)

#endif /* _IKED_TEST_CHECK_H */
