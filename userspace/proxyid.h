/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Proxy IDs, shared by "proxy-id show" and "events".
 */
#ifndef _VTUN_PROXYID_H
#define _VTUN_PROXYID_H

#include <stdint.h>

struct nlattr;

/* The members of one proxy-id nest: JSON members or text words. */
void print_proxy_id(uint32_t ifindex, const char *ifname,
		    const struct nlattr *nest);

#endif /* _VTUN_PROXYID_H */
