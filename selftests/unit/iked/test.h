/* SPDX-License-Identifier: GPL-2.0 */
/* Tiny assertion helpers for the vtun-iked host unit tests. */
#ifndef _IKED_TEST_H
#define _IKED_TEST_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iked.h"

static int test_checks;

#define CHECK(cond) do {						\
	test_checks++;							\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n",	\
			__FILE__, __LINE__, __func__, #cond);		\
		exit(1);						\
	}								\
} while (0)

#define CHECK_MEM(a, b, n) do {						\
	test_checks++;							\
	if (memcmp((a), (b), (n))) {					\
		fprintf(stderr, "%s:%d: %s: %s != %s (%zu bytes)\n",	\
			__FILE__, __LINE__, __func__, #a, #b,		\
			(size_t)(n));					\
		exit(1);						\
	}								\
} while (0)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define TEST_DONE(name) \
	printf("%s: %d checks passed\n", (name), test_checks)

/* The same byte patterns gen_vectors.py's pat() makes. */
static inline void pat(uint8_t *b, size_t n, unsigned int mul,
		       unsigned int add)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(i * mul + add);
}

/* The daemon's log service, quiet unless IKED_TEST_LOG is set. */
void iked_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (!getenv("IKED_TEST_LOG"))
		return;
	va_start(ap, fmt);
	fprintf(stderr, "<%d> ", level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

#endif
