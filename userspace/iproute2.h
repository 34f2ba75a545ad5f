/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of ip(8)'s plugin interface that link_vtun.so uses, as in
 * iproute2 6.1 (ip/ip_common.h, include/libnetlink.h, include/utils.h,
 * include/json_print.h, include/color.h). ip(8) exports these symbols
 * dynamically; a plugin is found as $IP_LIB_DIR/link_<kind>.so (default
 * /usr/lib/ip) and its "<kind>_link_util" symbol.
 *
 * struct link_util has kept this layout since iproute2 4.x: only the
 * members used here must match, but all are listed to keep the offsets.
 */
#ifndef _VTUN_IPROUTE2_H
#define _VTUN_IPROUTE2_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

struct link_util {
	struct link_util	*next;
	const char		*id;
	int			maxattr;
	int			(*parse_opt)(struct link_util *, int, char **,
					     struct nlmsghdr *);
	void			(*print_opt)(struct link_util *, FILE *,
					     struct rtattr *[]);
	void			(*print_xstats)(struct link_util *, FILE *,
						struct rtattr *);
	void			(*print_help)(struct link_util *, int, char **,
					      FILE *);
	int			(*parse_ifla_xstats)(struct link_util *,
						     int, char **);
	int			(*print_ifla_xstats)(struct nlmsghdr *, void *);
};

/* ip/iplink.c: struct iplink_req { nlmsghdr; ifinfomsg; char buf[1024]; } */
#define IPLINK_REQ_SIZE (NLMSG_ALIGN(sizeof(struct nlmsghdr)) + \
			 sizeof(struct ifinfomsg) + 1024)

/* lib/libnetlink.c */
int addattr_l(struct nlmsghdr *n, int maxlen, int type, const void *data,
	      int alen);

/* lib/ll_map.c */
const char *ll_index_to_name(unsigned int idx);

/* include/color.h */
enum color_attr {
	COLOR_IFNAME,
	COLOR_MAC,
	COLOR_INET,
	COLOR_INET6,
	COLOR_OPERSTATE_UP,
	COLOR_OPERSTATE_DOWN,
	COLOR_NONE
};

/* include/json_print.h */
enum output_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = 4,
};

bool is_json_context(void);
int print_color_string(enum output_type t, enum color_attr color,
		       const char *key, const char *fmt, const char *value);
int print_color_uint(enum output_type t, enum color_attr color,
		     const char *key, const char *fmt, unsigned int value);
int print_color_bool(enum output_type t, enum color_attr color,
		     const char *key, const char *fmt, bool value);

static inline int print_string(enum output_type t, const char *key,
			       const char *fmt, const char *value)
{
	return print_color_string(t, COLOR_NONE, key, fmt, value);
}

static inline int print_uint(enum output_type t, const char *key,
			     const char *fmt, unsigned int value)
{
	return print_color_uint(t, COLOR_NONE, key, fmt, value);
}

static inline int print_bool(enum output_type t, const char *key,
			     const char *fmt, bool value)
{
	return print_color_bool(t, COLOR_NONE, key, fmt, value);
}

#endif /* _VTUN_IPROUTE2_H */
