/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One hex digit's value, shared by vtunctl (key arguments) and vtun-iked
 * (hex PSKs); header-only, so each program takes nothing else with it.
 */
#ifndef _VTUN_HEX_H
#define _VTUN_HEX_H

#include <ctype.h>

/* 0 to 15, or -1 if @c is not a hex digit. */
static inline int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

#endif /* _VTUN_HEX_H */
