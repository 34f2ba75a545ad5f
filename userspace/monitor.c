// SPDX-License-Identifier: GPL-2.0
/*
 * vtunctl monitor add | set | del | show: tunnel monitors (ICMP echo
 * probes across the tunnel) of vtun devices.
 *
 * Only the syntax is checked here; the kernel judges ranges, families and
 * addresses and says what is wrong.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/vtun.h>

#include "json.h"
#include "linkopts.h"
#include "monitor.h"
#include "nl.h"
#include "vtunctl.h"

static void monitor_usage(FILE *f)
{
	fprintf(f,
		"Usage: vtunctl monitor add DEV dst ADDR [ OPTIONS ]\n"
		"       vtunctl monitor set DEV [ dst ADDR ] [ OPTIONS ]\n"
		"       vtunctl monitor del DEV\n"
		"       vtunctl monitor show [ DEV ]\n"
		"       vtunctl monitor [ count N ]   (the same as \"events\")\n"
		"OPTIONS := [ src ADDR ] [ interval MS ] [ threshold N ]\n"
		"           [ action { wait-recover | fail-over } ] [ hold-down MS ]\n"
		"           [ optimized { on | off } ]\n"
		"MS: 100..10000 for interval (default 3000), 0..600000 for hold-down\n"
		"N: 1..10 (default 5)\n");
}

static const char *const action_names[] = {
	[VTUN_MONITOR_ACTION_WAIT_RECOVER] = "wait-recover",
	[VTUN_MONITOR_ACTION_FAIL_OVER] = "fail-over",
};

static const char *const reason_names[] = {
	[VTUN_MONITOR_REASON_PROBES_LOST] = "probes-lost",
	[VTUN_MONITOR_REASON_PROBES_ANSWERED] = "probes-answered",
};

#define NAME(names, i) ((i) < sizeof(names) / sizeof(names[0]) ? names[i] : "?")

static void put_addr(struct nlmsghdr *nlh, int type, const char *kw,
		     const char *s)
{
	uint8_t a[16];

	if (inet_pton(AF_INET, s, a) == 1)
		mnl_attr_put(nlh, type, 4, a);
	else if (inet_pton(AF_INET6, s, a) == 1)
		mnl_attr_put(nlh, type, 16, a);
	else
		invarg(kw, s);
}

static uint32_t get_num(const char *kw, const char *s, uint32_t max)
{
	uint32_t v;

	if (parse_u32(s, &v) || v > max)
		invarg(kw, s);
	return v;
}

static void put_args(struct nlmsghdr *nlh, int argc, char **argv, bool add)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, VTUN_A_MONITOR);
	bool dst = false;

	for (; argc > 0; argc--, argv++) {
		const char *kw = argv[0];

		if (!strcmp(kw, "dst")) {
			NEXT_ARG(kw);
			put_addr(nlh, VTUN_A_MONITOR_DST, "dst is an address",
				 argv[0]);
			dst = true;
		} else if (!strcmp(kw, "src")) {
			NEXT_ARG(kw);
			put_addr(nlh, VTUN_A_MONITOR_SRC, "src is an address",
				 argv[0]);
		} else if (!strcmp(kw, "interval")) {
			NEXT_ARG(kw);
			mnl_attr_put_u32(nlh, VTUN_A_MONITOR_INTERVAL,
					 get_num("interval is in ms", argv[0],
						 UINT32_MAX));
		} else if (!strcmp(kw, "threshold")) {
			NEXT_ARG(kw);
			mnl_attr_put_u8(nlh, VTUN_A_MONITOR_THRESHOLD,
					get_num("threshold is a number", argv[0],
						255));
		} else if (!strcmp(kw, "hold-down")) {
			NEXT_ARG(kw);
			mnl_attr_put_u32(nlh, VTUN_A_MONITOR_HOLD_DOWN,
					 get_num("hold-down is in ms", argv[0],
						 UINT32_MAX));
		} else if (!strcmp(kw, "action")) {
			NEXT_ARG(kw);
			if (!strcmp(argv[0], "wait-recover"))
				mnl_attr_put_u8(nlh, VTUN_A_MONITOR_ACTION,
						VTUN_MONITOR_ACTION_WAIT_RECOVER);
			else if (!strcmp(argv[0], "fail-over"))
				mnl_attr_put_u8(nlh, VTUN_A_MONITOR_ACTION,
						VTUN_MONITOR_ACTION_FAIL_OVER);
			else
				invarg("action is wait-recover or fail-over",
				       argv[0]);
		} else if (!strcmp(kw, "optimized")) {
			NEXT_ARG(kw);
			if (strcmp(argv[0], "on") && strcmp(argv[0], "off"))
				invarg("optimized is on or off", argv[0]);
			mnl_attr_put_u8(nlh, VTUN_A_MONITOR_OPTIMIZED,
					!strcmp(argv[0], "on"));
		} else {
			usage_error("unknown monitor option \"%s\"", kw);
		}
	}
	if (add && !dst)
		usage_error("\"monitor add\" needs \"dst ADDR\"");
	mnl_attr_nest_end(nlh, nest);
}

static int mon_attr_cb(const struct nlattr *attr, void *data)
{
	static const enum mnl_attr_data_type types[VTUN_A_MONITOR_MAX + 1] = {
		[VTUN_A_MONITOR_DST] = MNL_TYPE_BINARY,
		[VTUN_A_MONITOR_SRC] = MNL_TYPE_BINARY,
		[VTUN_A_MONITOR_INTERVAL] = MNL_TYPE_U32,
		[VTUN_A_MONITOR_THRESHOLD] = MNL_TYPE_U8,
		[VTUN_A_MONITOR_ACTION] = MNL_TYPE_U8,
		[VTUN_A_MONITOR_HOLD_DOWN] = MNL_TYPE_U32,
		[VTUN_A_MONITOR_OPTIMIZED] = MNL_TYPE_U8,
		[VTUN_A_MONITOR_STATE] = MNL_TYPE_U8,
		[VTUN_A_MONITOR_REASON] = MNL_TYPE_U8,
		[VTUN_A_MONITOR_SENT] = MNL_TYPE_U64,
		[VTUN_A_MONITOR_RECEIVED] = MNL_TYPE_U64,
		[VTUN_A_MONITOR_LOST] = MNL_TYPE_U64,
		[VTUN_A_MONITOR_MISSES] = MNL_TYPE_U32,
		[VTUN_A_MONITOR_RTT] = MNL_TYPE_U32,
	};
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= VTUN_A_MONITOR_MAX && types[type] &&
	    !mnl_attr_validate(attr, types[type]))
		tb[type] = attr;
	return MNL_CB_OK;
}

static void put_str(const char *key, const char *v)
{
	if (opt.json)
		json_string(key, v);
	else
		printf(" %s %s", key, v);
}

static void put_uint(const char *key, uint64_t v)
{
	if (opt.json)
		json_uint(key, v);
	else
		printf(" %s %" PRIu64, key, v);
}

static void put_addr_str(const char *key, const struct nlattr *attr)
{
	char buf[INET6_ADDRSTRLEN];
	const char *s;

	if (!attr)
		return;
	s = vtun_addr_ntop(mnl_attr_get_payload(attr),
			   mnl_attr_get_payload_len(attr), buf, sizeof(buf));
	put_str(key, s ? s : "?");
}

void print_monitor(const struct nlattr *nest)
{
	const struct nlattr *tb[VTUN_A_MONITOR_MAX + 1] = { NULL };
	static const struct { int type; const char *key; } u32s[] = {
		{ VTUN_A_MONITOR_INTERVAL, "interval" },
		{ VTUN_A_MONITOR_THRESHOLD, "threshold" },
	};
	static const struct { int type; const char *key; } cnts[] = {
		{ VTUN_A_MONITOR_SENT, "sent" },
		{ VTUN_A_MONITOR_RECEIVED, "received" },
		{ VTUN_A_MONITOR_LOST, "lost" },
	};
	unsigned int i;

	mnl_attr_parse_nested(nest, mon_attr_cb, tb);
	if (tb[VTUN_A_MONITOR_STATE])
		put_str("state", mnl_attr_get_u8(tb[VTUN_A_MONITOR_STATE]) ==
				 VTUN_MONITOR_STATE_DOWN ? "down" : "up");
	if (tb[VTUN_A_MONITOR_REASON])
		put_str("reason", NAME(reason_names,
				       mnl_attr_get_u8(tb[VTUN_A_MONITOR_REASON])));
	put_addr_str("dst", tb[VTUN_A_MONITOR_DST]);
	put_addr_str("src", tb[VTUN_A_MONITOR_SRC]);
	for (i = 0; i < sizeof(u32s) / sizeof(u32s[0]); i++)
		if (tb[u32s[i].type])
			put_uint(u32s[i].key, u32s[i].type == VTUN_A_MONITOR_THRESHOLD ?
				 mnl_attr_get_u8(tb[u32s[i].type]) :
				 mnl_attr_get_u32(tb[u32s[i].type]));
	if (tb[VTUN_A_MONITOR_ACTION])
		put_str("action", NAME(action_names,
				       mnl_attr_get_u8(tb[VTUN_A_MONITOR_ACTION])));
	if (tb[VTUN_A_MONITOR_HOLD_DOWN])
		put_uint("hold-down", mnl_attr_get_u32(tb[VTUN_A_MONITOR_HOLD_DOWN]));
	if (tb[VTUN_A_MONITOR_OPTIMIZED]) {
		bool on = mnl_attr_get_u8(tb[VTUN_A_MONITOR_OPTIMIZED]);

		if (opt.json)
			json_bool("optimized", on);
		else
			printf(" optimized %s", on ? "on" : "off");
	}
	for (i = 0; i < sizeof(cnts) / sizeof(cnts[0]); i++)
		if (tb[cnts[i].type])
			put_uint(cnts[i].key, mnl_attr_get_u64(tb[cnts[i].type]));
	if (tb[VTUN_A_MONITOR_MISSES])
		put_uint("misses", mnl_attr_get_u32(tb[VTUN_A_MONITOR_MISSES]));
	if (tb[VTUN_A_MONITOR_RTT])
		put_uint("rtt", mnl_attr_get_u32(tb[VTUN_A_MONITOR_RTT]));
}

/* "monitor-down vtun0 state down reason probes-lost ..." */
int print_monitor_event(const struct nlmsghdr *nlh, uint8_t cmd)
{
	const struct nlattr *attr, *nest = NULL;
	char name[IF_NAMESIZE] = "?";
	const char *ev;
	uint32_t ifindex = 0;

	if (cmd == VTUN_CMD_MONITOR_DOWN_NTF)
		ev = "monitor-down";
	else if (cmd == VTUN_CMD_MONITOR_UP_NTF)
		ev = "monitor-up";
	else
		return 0;
	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) == VTUN_A_IFINDEX &&
		    !mnl_attr_validate(attr, MNL_TYPE_U32))
			ifindex = mnl_attr_get_u32(attr);
		else if (mnl_attr_get_type(attr) == VTUN_A_MONITOR &&
			 !mnl_attr_validate(attr, MNL_TYPE_NESTED))
			nest = attr;
	}
	ifname_of(ifindex, name);
	if (opt.json) {
		json_begin(false);
		json_open_object(NULL);
		json_string("event", ev);
		json_uint("ifindex", ifindex);
		json_string("ifname", name);
	} else {
		printf("%s %s", ev, name);
	}
	if (nest)
		print_monitor(nest);
	if (opt.json) {
		json_close_object();
		json_end();
	} else {
		putchar('\n');
		fflush(stdout);
	}
	return 1;
}

static int monitor_modify(uint8_t cmd, const char *dev, int argc, char **argv)
{
	char buf[NL_BUF_SIZE];
	unsigned int ifindex;
	struct nlmsghdr *nlh;
	struct nl nl;
	int err;

	ifindex = ifindex_of(dev);
	if (!ifindex) {
		fprintf(stderr, "Cannot find device \"%s\"\n", dev);
		return 1;
	}
	if (genl_open(&nl, VTUN_FAMILY_NAME))
		return 1;
	nlh = genl_msg(&nl, buf, cmd, 0);
	mnl_attr_put_u32(nlh, VTUN_A_IFINDEX, ifindex);
	if (cmd != VTUN_CMD_MONITOR_DEL)
		put_args(nlh, argc, argv, cmd == VTUN_CMD_MONITOR_NEW);
	else if (argc)
		usage_error("unexpected \"%s\"", argv[0]);
	err = nl_talk(&nl, nlh, NULL, NULL);
	if (err)
		nl_perror(&nl, err, cmd == VTUN_CMD_MONITOR_NEW ? "monitor add" :
			  cmd == VTUN_CMD_MONITOR_SET ? "monitor set" :
			  "monitor del");
	nl_close(&nl);
	return err ? 1 : 0;
}

struct show_ctx {
	const char *ifname;
};

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct show_ctx *c = data;
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != VTUN_A_MONITOR ||
		    mnl_attr_validate(attr, MNL_TYPE_NESTED))
			continue;
		if (opt.json) {
			json_open_object(NULL);
			json_string("ifname", c->ifname);
		} else {
			printf("%s: monitor", c->ifname);
		}
		print_monitor(attr);
		if (opt.json)
			json_close_object();
		else
			putchar('\n');
	}
	return 0;
}

static int monitor_get(struct nl *nl, uint32_t ifindex, const char *ifname,
		       const void *arg)
{
	struct show_ctx c = { ifname };
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	int err;

	nlh = genl_msg(nl, buf, VTUN_CMD_MONITOR_GET, 0);
	mnl_attr_put_u32(nlh, VTUN_A_IFINDEX, ifindex);
	err = nl_talk(nl, nlh, reply_cb, &c);
	/* Listing all devices: those without a monitor are left out. */
	if (err == -ENOENT && !arg)
		return 0;
	if (err)
		nl_perror(nl, err, ifname);
	return err;
}

int do_monitor(int argc, char **argv)
{
	const char *cmd;

	if (argc < 1 || !strcmp(argv[0], "count"))
		return do_events(argc, argv);
	if (matches(argv[0], "help")) {
		monitor_usage(stdout);
		return 0;
	}
	cmd = argv[0];
	argc--, argv++;
	if (matches(cmd, "show") || matches(cmd, "list")) {
		if (argc > 1)
			usage_error("unexpected \"%s\"", argv[1]);
		return show_per_dev(argc ? argv[0] : NULL, monitor_get,
				    argc ? "" : NULL);
	}
	if (argc < 1)
		usage_error("\"monitor %s\" needs a device name", cmd);
	if (matches(cmd, "add"))
		return monitor_modify(VTUN_CMD_MONITOR_NEW, argv[0], argc - 1,
				      argv + 1);
	if (matches(cmd, "set") || matches(cmd, "change"))
		return monitor_modify(VTUN_CMD_MONITOR_SET, argv[0], argc - 1,
				      argv + 1);
	if (matches(cmd, "delete"))
		return monitor_modify(VTUN_CMD_MONITOR_DEL, argv[0], argc - 1,
				      argv + 1);
	usage_error("unknown command \"monitor %s\"", cmd);
}
