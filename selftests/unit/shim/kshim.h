/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What kernel/replay.[ch] take from the kernel, for building them unmodified
 * in userspace. Reached through the <linux/...> headers beside this file.
 */

#ifndef _VTUN_KSHIM_H
#define _VTUN_KSHIM_H

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#ifndef BITS_PER_LONG		/* -DBITS_PER_LONG=32 tests 32-bit blocks */
#define BITS_PER_LONG		(__SIZEOF_LONG__ * 8)
#endif
#define BIT(nr)			(1UL << (nr))
#define U32_MAX			((u32)~0U)
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define lower_32_bits(n)	((u32)((n) & 0xffffffff))
#define upper_32_bits(n)	((u32)((n) >> 32))
#define min_t(type, a, b)	((type)(a) < (type)(b) ? (type)(a) : (type)(b))
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)	(*(volatile __typeof__(x) *)&(x) = (val))

#endif /* _VTUN_KSHIM_H */
