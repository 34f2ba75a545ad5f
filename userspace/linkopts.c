// SPDX-License-Identifier: GPL-2.0
/*
 * Link keywords shared by vtunctl and the iproute2 plugin.
 */

#include <arpa/inet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vtun.h>

#include "linkopts.h"

static const char *const mode_names[] = {
	[VTUN_MODE_TUNNEL] = "tunnel", [VTUN_MODE_TRANSPORT] = "transport",
};
static const char *const df_names[] = {
	[VTUN_DF_INHERIT] = "inherit", [VTUN_DF_SET] = "set",
	[VTUN_DF_CLEAR] = "clear",
};
static const char *const encap_names[] = {
	[VTUN_ENCAP_NONE] = "none", [VTUN_ENCAP_UDP] = "udp",
};
static const char *const dir_names[] = {
	[VTUN_DIR_IN] = "in", [VTUN_DIR_OUT] = "out",
};
static const char *const proto_names[] = {
	[VTUN_PROTO_ESP] = "esp", [VTUN_PROTO_AH] = "ah",
};

#define NAME_OF(names, v) \
	((v) < sizeof(names) / sizeof(names[0]) ? names[v] : "unknown")

const char *vtun_mode_name(unsigned int mode) { return NAME_OF(mode_names, mode); }
const char *vtun_df_name(unsigned int df) { return NAME_OF(df_names, df); }
const char *vtun_encap_name(unsigned int encap) { return NAME_OF(encap_names, encap); }
const char *vtun_dir_name(unsigned int dir) { return NAME_OF(dir_names, dir); }
const char *vtun_proto_name(unsigned int proto) { return NAME_OF(proto_names, proto); }

const char *vtun_addr_ntop(const void *addr, size_t len, char *buf,
			   size_t size)
{
	int af = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;

	if (!af || !inet_ntop(af, addr, buf, size))
		return NULL;
	return buf;
}

void vtun_link_opts_usage(FILE *f, const char *in)
{
	fprintf(f,
		"%s[ local ADDR ] [ remote ADDR ]    (IPv4 or IPv6; \"any\" unsets)\n"
		"%s[ underlay DEV | none ] [ zone NAME ]\n"
		"%s[ mode { tunnel | transport } ] [ gre { on | off } ]\n"
		"%s[ copy-tos { on | off } ] [ ttl { 1..255 | inherit } ]\n"
		"%s[ df { inherit | set | clear } ]\n"
		"%s[ encap { udp | none } ] [ encap-sport PORT ] [ encap-dport PORT ]\n"
		"%s[ keepalive SECONDS ] [ on-demand { on | off } ]\n",
		in, in, in, in, in, in, in);
}

static int lookup(const char *arg, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(arg, names[i]))
			return i;
	return -1;
}

static int on_off(const char *kw, const char *arg)
{
	if (!strcmp(arg, "on"))
		return 1;
	if (!strcmp(arg, "off"))
		return 0;
	fprintf(stderr, "Error: argument of \"%s\" must be \"on\" or \"off\", not \"%s\"\n",
		kw, arg);
	return -1;
}

struct addr_arg {
	const char *text;
	uint8_t addr[16];
	int len;		/* 0: not given; 4 or 16; -1: "any" */
};

static int parse_addr(const char *kw, const char *arg, struct addr_arg *a)
{
	a->text = arg;
	if (!strcmp(arg, "any") || !strcmp(arg, "none")) {
		a->len = -1;
		return 0;
	}
	if (inet_pton(AF_INET, arg, a->addr) == 1) {
		a->len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, arg, a->addr) == 1) {
		a->len = 16;
		return 0;
	}
	fprintf(stderr, "Error: \"%s\" is not a valid IPv4 or IPv6 address for \"%s\"\n",
		arg, kw);
	return -1;
}

/* "any" takes the length of the other address given, IPv4 by default. */
static int put_addr(vtun_put_attr_fn put, void *ctx, unsigned short type,
		    struct addr_arg *a, const struct addr_arg *other)
{
	if (!a->len)
		return 0;
	if (a->len < 0) {
		memset(a->addr, 0, sizeof(a->addr));
		a->len = other->len == 16 ? 16 : 4;
	}
	return put(ctx, type, a->addr, a->len);
}

static int put_u8(vtun_put_attr_fn put, void *ctx, unsigned short type,
		  uint8_t v)
{
	return put(ctx, type, &v, sizeof(v));
}

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int vtun_parse_link_opts(int argc, char **argv, vtun_put_attr_fn put,
			 void *ctx)
{
	struct addr_arg local = { 0 }, remote = { 0 };
	int seen[IFLA_VTUN_MAX + 1] = { 0 };
	int err = 0;

	for (; argc > 0 && !err; argc--, argv++) {
		const char *kw = argv[0], *arg = argv[1];
		int type, v;

		if (!strcmp(kw, "local"))
			type = IFLA_VTUN_LOCAL;
		else if (!strcmp(kw, "remote"))
			type = IFLA_VTUN_REMOTE;
		else if (!strcmp(kw, "underlay"))
			type = IFLA_VTUN_UNDERLAY;
		else if (!strcmp(kw, "zone"))
			type = IFLA_VTUN_ZONE;
		else if (!strcmp(kw, "mode"))
			type = IFLA_VTUN_MODE;
		else if (!strcmp(kw, "gre"))
			type = IFLA_VTUN_GRE;
		else if (!strcmp(kw, "copy-tos"))
			type = IFLA_VTUN_COPY_TOS;
		else if (!strcmp(kw, "ttl") || !strcmp(kw, "hoplimit"))
			type = IFLA_VTUN_TTL;
		else if (!strcmp(kw, "df"))
			type = IFLA_VTUN_DF;
		else if (!strcmp(kw, "encap"))
			type = IFLA_VTUN_ENCAP;
		else if (!strcmp(kw, "encap-sport"))
			type = IFLA_VTUN_ENCAP_SPORT;
		else if (!strcmp(kw, "encap-dport"))
			type = IFLA_VTUN_ENCAP_DPORT;
		else if (!strcmp(kw, "keepalive"))
			type = IFLA_VTUN_KEEPALIVE;
		else if (!strcmp(kw, "on-demand"))
			type = IFLA_VTUN_ON_DEMAND;
		else {
			fprintf(stderr, "Error: unknown vtun link option \"%s\"\n", kw);
			return -1;
		}
		if (seen[type]++) {
			fprintf(stderr, "Error: duplicate \"%s\"\n", kw);
			return -1;
		}
		if (argc < 2) {
			fprintf(stderr, "Error: argument is missing after \"%s\"\n", kw);
			return -1;
		}
		argc--, argv++;

		switch (type) {
		case IFLA_VTUN_LOCAL:
			err = parse_addr(kw, arg, &local);
			break;
		case IFLA_VTUN_REMOTE:
			err = parse_addr(kw, arg, &remote);
			break;
		case IFLA_VTUN_UNDERLAY: {
			uint32_t ifindex = 0;

			if (strcmp(arg, "none")) {
				ifindex = strlen(arg) < IF_NAMESIZE ?
					  if_nametoindex(arg) : 0;
				if (!ifindex) {
					fprintf(stderr, "Error: cannot find underlay device \"%s\"\n",
						arg);
					return -1;
				}
			}
			err = put(ctx, type, &ifindex, sizeof(ifindex));
			break;
		}
		case IFLA_VTUN_ZONE:
			/* Length and characters are the kernel's to judge. */
			err = put(ctx, type, arg, strlen(arg) + 1);
			break;
		case IFLA_VTUN_MODE:
			v = lookup(arg, mode_names, N(mode_names));
			if (v < 0) {
				fprintf(stderr, "Error: mode is \"tunnel\" or \"transport\", not \"%s\"\n",
					arg);
				return -1;
			}
			err = put_u8(put, ctx, type, v);
			break;
		case IFLA_VTUN_GRE:
		case IFLA_VTUN_COPY_TOS:
		case IFLA_VTUN_ON_DEMAND:
			v = on_off(kw, arg);
			if (v < 0)
				return -1;
			err = put_u8(put, ctx, type, v);
			break;
		case IFLA_VTUN_TTL: {
			char *end;
			long ttl;

			if (!strcmp(arg, "inherit")) {
				ttl = 0;
			} else {
				ttl = strtol(arg, &end, 10);
				if (!*arg || *end || ttl < 0 || ttl > 255) {
					fprintf(stderr, "Error: ttl is 1..255 or \"inherit\", not \"%s\"\n",
						arg);
					return -1;
				}
			}
			err = put_u8(put, ctx, type, ttl);
			break;
		}
		case IFLA_VTUN_DF:
			v = lookup(arg, df_names, N(df_names));
			if (v < 0) {
				fprintf(stderr, "Error: df is \"inherit\", \"set\" or \"clear\", not \"%s\"\n",
					arg);
				return -1;
			}
			err = put_u8(put, ctx, type, v);
			break;
		case IFLA_VTUN_ENCAP:
			v = lookup(arg, encap_names, N(encap_names));
			if (v < 0) {
				fprintf(stderr, "Error: encap is \"udp\" or \"none\", not \"%s\"\n",
					arg);
				return -1;
			}
			err = put_u8(put, ctx, type, v);
			break;
		case IFLA_VTUN_ENCAP_SPORT:
		case IFLA_VTUN_ENCAP_DPORT:
		case IFLA_VTUN_KEEPALIVE: {
			uint16_t u16;
			char *end;
			long n;

			n = strtol(arg, &end, 10);
			if (!*arg || *end || n < 0 || n > 65535) {
				fprintf(stderr, "Error: \"%s\" is 0..65535, not \"%s\"\n",
					kw, arg);
				return -1;
			}
			u16 = n;
			err = put(ctx, type, &u16, sizeof(u16));
			break;
		}
		}
	}
	if (err)
		return -1;
	/* Address families are checked by the kernel, which has the state. */
	if (put_addr(put, ctx, IFLA_VTUN_LOCAL, &local, &remote) ||
	    put_addr(put, ctx, IFLA_VTUN_REMOTE, &remote, &local))
		return -1;
	return 0;
}
