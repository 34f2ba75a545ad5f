// SPDX-License-Identifier: GPL-2.0
/*
 * iproute2 plugin for "ip link ... type vtun": the same link keywords as
 * "vtunctl link add", and the parameters in "ip -d link show".
 */

#include <arpa/inet.h>
#include <string.h>
#include <linux/vtun.h>

#include "iproute2.h"
#include "linkopts.h"

static void vtun_print_help(struct link_util *lu, int argc, char **argv,
			    FILE *f)
{
	(void)lu, (void)argc, (void)argv;
	fprintf(f, "Usage: ... vtun\n");
	vtun_link_opts_usage(f, "\t");
}

static int vtun_put(void *ctx, unsigned short type, const void *data,
		    size_t len)
{
	return addattr_l(ctx, IPLINK_REQ_SIZE, type, data, len) ? -1 : 0;
}

static int vtun_parse_opt(struct link_util *lu, int argc, char **argv,
			  struct nlmsghdr *n)
{
	if (argc > 0 && (!strcmp(argv[0], "help") || !strcmp(argv[0], "-h"))) {
		vtun_print_help(lu, argc, argv, stderr);
		return -1;
	}
	return vtun_parse_link_opts(argc, argv, vtun_put, n);
}

static unsigned int get_u8(const struct rtattr *rta)
{
	return RTA_PAYLOAD(rta) >= 1 ? *(const unsigned char *)RTA_DATA(rta) : 0;
}

static unsigned int get_u16(const struct rtattr *rta)
{
	return RTA_PAYLOAD(rta) >= 2 ? *(const __u16 *)RTA_DATA(rta) : 0;
}

static void print_addr(const char *key, const struct rtattr *rta)
{
	char buf[INET6_ADDRSTRLEN];
	const char *s;
	char fmt[32];

	s = vtun_addr_ntop(RTA_DATA(rta), RTA_PAYLOAD(rta), buf, sizeof(buf));
	snprintf(fmt, sizeof(fmt), "%s %%s ", key);
	print_string(PRINT_ANY, key, fmt, s ? s : "?");
}

static void print_on_off(const char *key, unsigned int v)
{
	char fmt[32];

	snprintf(fmt, sizeof(fmt), "%s %%s ", key);
	print_bool(PRINT_JSON, key, NULL, v);
	print_string(PRINT_FP, NULL, fmt, v ? "on" : "off");
}

static void vtun_print_opt(struct link_util *lu, FILE *f, struct rtattr *tb[])
{
	(void)lu, (void)f;
	if (!tb)
		return;
	if (tb[IFLA_VTUN_LOCAL])
		print_addr("local", tb[IFLA_VTUN_LOCAL]);
	if (tb[IFLA_VTUN_REMOTE])
		print_addr("remote", tb[IFLA_VTUN_REMOTE]);
	if (tb[IFLA_VTUN_UNDERLAY] &&
	    RTA_PAYLOAD(tb[IFLA_VTUN_UNDERLAY]) >= sizeof(__u32)) {
		__u32 ifindex = *(__u32 *)RTA_DATA(tb[IFLA_VTUN_UNDERLAY]);

		if (ifindex)
			print_string(PRINT_ANY, "underlay", "underlay %s ",
				     ll_index_to_name(ifindex));
		else
			print_string(PRINT_FP, NULL, "underlay %s ", "none");
	}
	if (tb[IFLA_VTUN_ZONE] && RTA_PAYLOAD(tb[IFLA_VTUN_ZONE]) > 0) {
		char zone[VTUN_ZONE_MAX_LEN];

		snprintf(zone, sizeof(zone), "%.*s",
			 (int)RTA_PAYLOAD(tb[IFLA_VTUN_ZONE]),
			 (const char *)RTA_DATA(tb[IFLA_VTUN_ZONE]));
		print_string(PRINT_ANY, "zone", "zone %s ", zone);
	}
	if (tb[IFLA_VTUN_MODE])
		print_string(PRINT_ANY, "mode", "mode %s ",
			     vtun_mode_name(get_u8(tb[IFLA_VTUN_MODE])));
	if (tb[IFLA_VTUN_GRE])
		print_on_off("gre", get_u8(tb[IFLA_VTUN_GRE]));
	if (tb[IFLA_VTUN_COPY_TOS])
		print_on_off("copy-tos", get_u8(tb[IFLA_VTUN_COPY_TOS]));
	if (tb[IFLA_VTUN_TTL]) {
		unsigned int ttl = get_u8(tb[IFLA_VTUN_TTL]);

		print_uint(PRINT_JSON, "ttl", NULL, ttl);
		if (ttl)
			print_uint(PRINT_FP, NULL, "ttl %u ", ttl);
		else
			print_string(PRINT_FP, NULL, "ttl %s ", "inherit");
	}
	if (tb[IFLA_VTUN_DF])
		print_string(PRINT_ANY, "df", "df %s ",
			     vtun_df_name(get_u8(tb[IFLA_VTUN_DF])));
	if (tb[IFLA_VTUN_ENCAP])
		print_string(PRINT_ANY, "encap", "encap %s ",
			     vtun_encap_name(get_u8(tb[IFLA_VTUN_ENCAP])));
	if (tb[IFLA_VTUN_ENCAP_SPORT])
		print_uint(PRINT_ANY, "encap_sport", "encap-sport %u ",
			   get_u16(tb[IFLA_VTUN_ENCAP_SPORT]));
	if (tb[IFLA_VTUN_ENCAP_DPORT])
		print_uint(PRINT_ANY, "encap_dport", "encap-dport %u ",
			   get_u16(tb[IFLA_VTUN_ENCAP_DPORT]));
	if (tb[IFLA_VTUN_KEEPALIVE])
		print_uint(PRINT_ANY, "keepalive", "keepalive %u ",
			   get_u16(tb[IFLA_VTUN_KEEPALIVE]));
	if (tb[IFLA_VTUN_ON_DEMAND])
		print_on_off("on-demand", get_u8(tb[IFLA_VTUN_ON_DEMAND]));
}

__attribute__((visibility("default")))
struct link_util vtun_link_util = {
	.id		= "vtun",
	.maxattr	= IFLA_VTUN_MAX,
	.parse_opt	= vtun_parse_opt,
	.print_opt	= vtun_print_opt,
	.print_help	= vtun_print_help,
};
