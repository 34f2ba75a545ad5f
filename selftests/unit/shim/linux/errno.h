/* SPDX-License-Identifier: GPL-2.0 */
/* The libc needs the real one, which has all replay.c wants. */
#include_next <linux/errno.h>
