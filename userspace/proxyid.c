// SPDX-License-Identifier: GPL-2.0
/*
 * vtunctl proxy-id add | del | show: traffic selectors of vtun devices.
 *
 * Only the syntax is checked here; the kernel judges the meaning (prefix
 * lengths, host bits, families, port ranges) and says what is wrong.
 */

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/vtun.h>

#include "json.h"
#include "linkopts.h"
#include "nl.h"
#include "proxyid.h"
#include "vtunctl.h"

static void proxy_id_usage(FILE *f)
{
	fprintf(f,
		"Usage: vtunctl proxy-id add DEV id ID local PREFIX remote PREFIX\n"
		"                        [ proto { tcp | udp | icmp | ipv6-icmp | sctp | udplite | N } ]\n"
		"                        [ local-port PORT[-PORT] ] [ remote-port PORT[-PORT] ]\n"
		"       vtunctl proxy-id del DEV id ID\n"
		"       vtunctl proxy-id show [ DEV [ id ID ] ]\n"
		"ID := 1..65535\n"
		"PREFIX := ADDR[/LEN] (IPv4 or IPv6, both of one family)\n");
}

struct proxy_id_args {
	uint32_t id;
	bool has_id;
	uint8_t local[16], remote[16];
	size_t local_len, remote_len;	/* address bytes; 0: not given */
	uint32_t local_plen, remote_plen;
	bool has_local_plen, has_remote_plen;
	int proto;			/* -1: not given */
	uint32_t lport[2], rport[2];
	bool has_lport, has_rport;
};

static const struct { const char *name; int proto; } protos[] = {
	{ "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "ipv6-icmp", 58 },
	{ "icmpv6", 58 }, { "sctp", 132 }, { "udplite", 136 }, { "gre", 47 },
	{ "any", 0 },
};

static const char *proto_name(unsigned int proto)
{
	unsigned int i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if ((unsigned int)protos[i].proto == proto &&
		    strcmp(protos[i].name, "icmpv6"))
			return protos[i].name;
	return NULL;
}

static int parse_proto(const char *s)
{
	unsigned int i;
	uint32_t v;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcmp(s, protos[i].name))
			return protos[i].proto;
	if (parse_u32(s, &v) || v > 255)
		invarg("protocol is a name or 0..255", s);
	return v;
}

/* "ADDR[/LEN]"; the length is checked by the kernel, up to 255 here. */
static void parse_prefix(const char *arg, uint8_t *addr, size_t *alen,
			 uint32_t *plen, bool *has_plen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;

	if (strlen(arg) >= sizeof(buf))
		invarg("not an address prefix", arg);
	strcpy(buf, arg);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (parse_u32(slash + 1, plen) || *plen > 255)
			invarg("invalid prefix length", arg);
		*has_plen = true;
	}
	if (inet_pton(AF_INET, buf, addr) == 1)
		*alen = 4;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*alen = 16;
	else
		invarg("not an IPv4 or IPv6 address", arg);
}

/* "PORT" or "MIN-MAX"; order is checked by the kernel. */
static void parse_port_range(const char *arg, uint32_t range[2])
{
	char buf[16], *dash;

	if (strlen(arg) >= sizeof(buf))
		invarg("not a port or port range", arg);
	strcpy(buf, arg);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (parse_u32(buf, &range[0]) || range[0] > 65535 ||
	    (dash && (parse_u32(dash + 1, &range[1]) || range[1] > 65535)))
		invarg("not a port or port range", arg);
	if (!dash)
		range[1] = range[0];
}

static void parse_args(int argc, char **argv, struct proxy_id_args *a,
		       bool full)
{
	memset(a, 0, sizeof(*a));
	a->proto = -1;
	for (; argc > 0; argc--, argv++) {
		const char *kw = argv[0];

		if (!strcmp(kw, "id")) {
			NEXT_ARG(kw);
			if (a->has_id)
				duparg(kw);
			if (parse_u32(argv[0], &a->id) || a->id > 65535)
				invarg("id is a number up to 65535", argv[0]);
			a->has_id = true;
		} else if (!full) {
			usage_error("unexpected argument \"%s\"", kw);
		} else if (!strcmp(kw, "local")) {
			NEXT_ARG(kw);
			if (a->local_len)
				duparg(kw);
			parse_prefix(argv[0], a->local, &a->local_len,
				     &a->local_plen, &a->has_local_plen);
		} else if (!strcmp(kw, "remote")) {
			NEXT_ARG(kw);
			if (a->remote_len)
				duparg(kw);
			parse_prefix(argv[0], a->remote, &a->remote_len,
				     &a->remote_plen, &a->has_remote_plen);
		} else if (!strcmp(kw, "proto") || !strcmp(kw, "ip-proto")) {
			NEXT_ARG(kw);
			if (a->proto >= 0)
				duparg(kw);
			a->proto = parse_proto(argv[0]);
		} else if (!strcmp(kw, "local-port") || !strcmp(kw, "lport")) {
			NEXT_ARG(kw);
			if (a->has_lport)
				duparg(kw);
			parse_port_range(argv[0], a->lport);
			a->has_lport = true;
		} else if (!strcmp(kw, "remote-port") || !strcmp(kw, "rport")) {
			NEXT_ARG(kw);
			if (a->has_rport)
				duparg(kw);
			parse_port_range(argv[0], a->rport);
			a->has_rport = true;
		} else {
			usage_error("unknown proxy-id option \"%s\"", kw);
		}
	}
	if (!a->has_id)
		usage_error("\"id ID\" is missing");
	if (!full)
		return;
	if (!a->local_len)
		usage_error("\"local PREFIX\" is missing");
	if (!a->remote_len)
		usage_error("\"remote PREFIX\" is missing");
}

static void put_args(struct nlmsghdr *nlh, const struct proxy_id_args *a,
		     bool full)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, VTUN_A_PROXY_ID);

	mnl_attr_put_u16(nlh, VTUN_A_PROXY_ID_ID, a->id);
	if (full) {
		mnl_attr_put(nlh, VTUN_A_PROXY_ID_LOCAL, a->local_len, a->local);
		if (a->has_local_plen)
			mnl_attr_put_u8(nlh, VTUN_A_PROXY_ID_LOCAL_LEN,
					a->local_plen);
		mnl_attr_put(nlh, VTUN_A_PROXY_ID_REMOTE, a->remote_len,
			     a->remote);
		if (a->has_remote_plen)
			mnl_attr_put_u8(nlh, VTUN_A_PROXY_ID_REMOTE_LEN,
					a->remote_plen);
		if (a->proto >= 0)
			mnl_attr_put_u8(nlh, VTUN_A_PROXY_ID_IP_PROTO, a->proto);
		if (a->has_lport) {
			mnl_attr_put_u16(nlh, VTUN_A_PROXY_ID_LOCAL_PORT_MIN,
					 a->lport[0]);
			mnl_attr_put_u16(nlh, VTUN_A_PROXY_ID_LOCAL_PORT_MAX,
					 a->lport[1]);
		}
		if (a->has_rport) {
			mnl_attr_put_u16(nlh, VTUN_A_PROXY_ID_REMOTE_PORT_MIN,
					 a->rport[0]);
			mnl_attr_put_u16(nlh, VTUN_A_PROXY_ID_REMOTE_PORT_MAX,
					 a->rport[1]);
		}
	}
	mnl_attr_nest_end(nlh, nest);
}

static int proxy_id_modify(uint8_t cmd, const char *dev, int argc,
			   char **argv)
{
	struct proxy_id_args a;
	char buf[NL_BUF_SIZE];
	unsigned int ifindex;
	struct nlmsghdr *nlh;
	struct nl nl;
	int err;

	parse_args(argc, argv, &a, cmd == VTUN_CMD_PROXY_ID_NEW);
	ifindex = ifindex_of(dev);
	if (!ifindex) {
		fprintf(stderr, "Cannot find device \"%s\"\n", dev);
		return 1;
	}
	if (genl_open(&nl, VTUN_FAMILY_NAME))
		return 1;
	nlh = genl_msg(&nl, buf, cmd, 0);
	mnl_attr_put_u32(nlh, VTUN_A_IFINDEX, ifindex);
	put_args(nlh, &a, cmd == VTUN_CMD_PROXY_ID_NEW);
	err = nl_talk(&nl, nlh, NULL, NULL);
	if (err)
		nl_perror(&nl, err, cmd == VTUN_CMD_PROXY_ID_NEW ?
			  "proxy-id add" : "proxy-id del");
	nl_close(&nl);
	return err ? 1 : 0;
}

static int pid_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);
	static const enum mnl_attr_data_type types[VTUN_A_PROXY_ID_MAX + 1] = {
		[VTUN_A_PROXY_ID_ID] = MNL_TYPE_U16,
		[VTUN_A_PROXY_ID_LOCAL] = MNL_TYPE_BINARY,
		[VTUN_A_PROXY_ID_LOCAL_LEN] = MNL_TYPE_U8,
		[VTUN_A_PROXY_ID_REMOTE] = MNL_TYPE_BINARY,
		[VTUN_A_PROXY_ID_REMOTE_LEN] = MNL_TYPE_U8,
		[VTUN_A_PROXY_ID_IP_PROTO] = MNL_TYPE_U8,
		[VTUN_A_PROXY_ID_LOCAL_PORT_MIN] = MNL_TYPE_U16,
		[VTUN_A_PROXY_ID_LOCAL_PORT_MAX] = MNL_TYPE_U16,
		[VTUN_A_PROXY_ID_REMOTE_PORT_MIN] = MNL_TYPE_U16,
		[VTUN_A_PROXY_ID_REMOTE_PORT_MAX] = MNL_TYPE_U16,
	};

	if (type <= VTUN_A_PROXY_ID_MAX && types[type] &&
	    !mnl_attr_validate(attr, types[type]))
		tb[type] = attr;
	return MNL_CB_OK;
}

static void print_prefix(const char *key, const struct nlattr *addr,
			 const struct nlattr *len)
{
	char abuf[INET6_ADDRSTRLEN], pbuf[INET6_ADDRSTRLEN + 8];
	const char *s = NULL;

	if (addr)
		s = vtun_addr_ntop(mnl_attr_get_payload(addr),
				   mnl_attr_get_payload_len(addr), abuf,
				   sizeof(abuf));
	snprintf(pbuf, sizeof(pbuf), "%s/%u", s ? s : "?",
		 len ? mnl_attr_get_u8(len) : 0);
	if (opt.json)
		json_string(key, pbuf);
	else
		printf(" %s %s", key, pbuf);
}

static void print_ports(const char *key, const struct nlattr *lo,
			const struct nlattr *hi)
{
	unsigned int min, max;
	char buf[16];

	if (!lo || !hi)
		return;
	min = mnl_attr_get_u16(lo);
	max = mnl_attr_get_u16(hi);
	if (min == max)
		snprintf(buf, sizeof(buf), "%u", min);
	else
		snprintf(buf, sizeof(buf), "%u-%u", min, max);
	if (opt.json)
		json_string(key, buf);
	else
		printf(" %s %s", key, buf);
}

/* One proxy-id nest, from a reply or an acquire event. */
void print_proxy_id(uint32_t ifindex, const char *ifname,
		    const struct nlattr *nest)
{
	const struct nlattr *tb[VTUN_A_PROXY_ID_MAX + 1] = { NULL };
	unsigned int proto = 0;
	const char *pname;

	mnl_attr_parse_nested(nest, pid_attr_cb, tb);
	if (tb[VTUN_A_PROXY_ID_IP_PROTO])
		proto = mnl_attr_get_u8(tb[VTUN_A_PROXY_ID_IP_PROTO]);
	pname = proto_name(proto);
	if (opt.json) {
		json_uint("ifindex", ifindex);
		json_string("ifname", ifname);
		json_uint("id", tb[VTUN_A_PROXY_ID_ID] ?
				mnl_attr_get_u16(tb[VTUN_A_PROXY_ID_ID]) : 0);
	} else {
		printf("%s id %u", ifname, tb[VTUN_A_PROXY_ID_ID] ?
		       mnl_attr_get_u16(tb[VTUN_A_PROXY_ID_ID]) : 0);
	}
	print_prefix("local", tb[VTUN_A_PROXY_ID_LOCAL],
		     tb[VTUN_A_PROXY_ID_LOCAL_LEN]);
	print_prefix("remote", tb[VTUN_A_PROXY_ID_REMOTE],
		     tb[VTUN_A_PROXY_ID_REMOTE_LEN]);
	if (opt.json) {
		json_uint("ip-proto", proto);
	} else if (proto) {
		if (pname)
			printf(" proto %s", pname);
		else
			printf(" proto %u", proto);
	}
	print_ports("local-port", tb[VTUN_A_PROXY_ID_LOCAL_PORT_MIN],
		    tb[VTUN_A_PROXY_ID_LOCAL_PORT_MAX]);
	print_ports("remote-port", tb[VTUN_A_PROXY_ID_REMOTE_PORT_MIN],
		    tb[VTUN_A_PROXY_ID_REMOTE_PORT_MAX]);
}

struct show_ctx {
	uint32_t ifindex;
	const char *ifname;
};

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct show_ctx *c = data;
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != VTUN_A_PROXY_ID ||
		    mnl_attr_validate(attr, MNL_TYPE_NESTED))
			continue;
		if (opt.json)
			json_open_object(NULL);
		print_proxy_id(c->ifindex, c->ifname, attr);
		if (opt.json)
			json_close_object();
		else
			putchar('\n');
	}
	return 0;
}

static int proxy_id_get(struct nl *nl, uint32_t ifindex, const char *ifname,
			const void *arg)
{
	const struct proxy_id_args *id = arg;
	struct show_ctx c = { ifindex, ifname };
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	int err;

	nlh = genl_msg(nl, buf, VTUN_CMD_PROXY_ID_GET, id ? 0 : NLM_F_DUMP);
	mnl_attr_put_u32(nlh, VTUN_A_IFINDEX, ifindex);
	if (id)
		put_args(nlh, id, false);
	err = nl_talk(nl, nlh, reply_cb, &c);
	if (err)
		nl_perror(nl, err, ifname);
	nl_warn_dump(nl);
	return err;
}

static int proxy_id_show(int argc, char **argv)
{
	struct proxy_id_args id;

	if (argc > 1)
		parse_args(argc - 1, argv + 1, &id, false);
	return show_per_dev(argc ? argv[0] : NULL, proxy_id_get,
			    argc > 1 ? &id : NULL);
}

int do_proxy_id(int argc, char **argv)
{
	const char *cmd;

	if (argc < 1 || matches(argv[0], "show") || matches(argv[0], "list"))
		return proxy_id_show(argc ? argc - 1 : 0, argv + 1);
	if (matches(argv[0], "help")) {
		proxy_id_usage(stdout);
		return 0;
	}
	cmd = argv[0];
	argc--, argv++;
	if (argc < 1)
		usage_error("\"proxy-id %s\" needs a device name", cmd);
	if (matches(cmd, "add"))
		return proxy_id_modify(VTUN_CMD_PROXY_ID_NEW, argv[0], argc - 1,
				       argv + 1);
	if (matches(cmd, "delete"))
		return proxy_id_modify(VTUN_CMD_PROXY_ID_DEL, argv[0], argc - 1,
				       argv + 1);
	usage_error("unknown command \"proxy-id %s\"", cmd);
}
