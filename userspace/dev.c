// SPDX-License-Identifier: GPL-2.0
/*
 * vtunctl show: vtun devices and their counters (generic netlink dev-get).
 */

#include <arpa/inet.h>
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

static const char *const stats_names[VTUN_A_STATS_MAX + 1] = {
	[VTUN_A_STATS_RX_PACKETS] = "rx-packets",
	[VTUN_A_STATS_RX_BYTES] = "rx-bytes",
	[VTUN_A_STATS_TX_PACKETS] = "tx-packets",
	[VTUN_A_STATS_TX_BYTES] = "tx-bytes",
	[VTUN_A_STATS_RX_DROPPED] = "rx-dropped",
	[VTUN_A_STATS_TX_DROPPED] = "tx-dropped",
};

static const char *const drops_names[VTUN_A_DROPS_MAX + 1] = {
	[VTUN_A_DROPS_TX_NO_SA] = "tx-no-sa",
	[VTUN_A_DROPS_TX_NO_PROXY_ID] = "tx-no-proxy-id",
	[VTUN_A_DROPS_TX_SEQ_EXHAUSTED] = "tx-seq-exhausted",
	[VTUN_A_DROPS_TX_NO_ROUTE] = "tx-no-route",
	[VTUN_A_DROPS_TX_TOO_BIG] = "tx-too-big",
	[VTUN_A_DROPS_TX_BAD_INNER] = "tx-bad-inner",
	[VTUN_A_DROPS_TX_ERROR] = "tx-error",
	[VTUN_A_DROPS_RX_MALFORMED] = "rx-malformed",
	[VTUN_A_DROPS_RX_AUTH_FAILED] = "rx-auth-failed",
	[VTUN_A_DROPS_RX_REPLAY] = "rx-replay",
	[VTUN_A_DROPS_RX_TOO_OLD] = "rx-too-old",
	[VTUN_A_DROPS_RX_BAD_TRAILER] = "rx-bad-trailer",
	[VTUN_A_DROPS_RX_SELECTOR_MISMATCH] = "rx-selector-mismatch",
	[VTUN_A_DROPS_RX_ECN] = "rx-ecn",
	[VTUN_A_DROPS_RX_BAD_INNER] = "rx-bad-inner",
	[VTUN_A_DROPS_RX_ERROR] = "rx-error",
	[VTUN_A_DROPS_RX_NO_SA] = "rx-no-sa",
	[VTUN_A_DROPS_RX_BAD_OUTER] = "rx-bad-outer",
};

/* Print a nest of u64 counters named by @names (text: "label: a 1 b 2"). */
void print_counters(const struct nlattr *nest, const char *key,
		    const char *const *names, int max, const char *indent)
{
	const struct nlattr *attr;
	int n = 0;

	if (!nest)
		return;
	if (opt.json)
		json_open_object(key);
	else
		printf("%s%s:", indent, key);
	mnl_attr_for_each_nested(attr, nest) {
		int type = mnl_attr_get_type(attr);
		const char *name = type <= max ? names[type] : NULL;
		uint64_t v;

		if (!name || mnl_attr_validate(attr, MNL_TYPE_U64))
			continue;
		v = mnl_attr_get_u64(attr);
		if (opt.json) {
			json_uint(name, v);
		} else {
			/* Wrap long lists like iproute2's -s output. */
			if (n && !(n % 6))
				printf("\n%s   ", indent);
			printf(" %s %" PRIu64, name, v);
			n++;
		}
	}
	if (opt.json)
		json_close_object();
	else
		putchar('\n');
}

static const char *addr_str(const struct nlattr *attr, char *buf, size_t size)
{
	const char *s;

	s = vtun_addr_ntop(mnl_attr_get_payload(attr),
			   mnl_attr_get_payload_len(attr), buf, size);
	return s ? s : "?";
}

static int dev_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= VTUN_A_DEV_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static uint8_t get_u8(const struct nlattr *attr)
{
	return mnl_attr_validate(attr, MNL_TYPE_U8) ? 0 : mnl_attr_get_u8(attr);
}

static uint16_t get_u16(const struct nlattr *attr)
{
	return mnl_attr_validate(attr, MNL_TYPE_U16) ? 0 : mnl_attr_get_u16(attr);
}

static uint32_t get_u32(const struct nlattr *attr)
{
	return mnl_attr_validate(attr, MNL_TYPE_U32) ? 0 : mnl_attr_get_u32(attr);
}

/* Text: "encap udp encap-sport 4500 ... peer ADDR peer-port N". */
static void print_encap(const struct nlattr **tb)
{
	char abuf[INET6_ADDRSTRLEN];
	uint8_t encap = tb[VTUN_A_DEV_ENCAP] ? get_u8(tb[VTUN_A_DEV_ENCAP]) : 0;

	if (!tb[VTUN_A_DEV_ENCAP] && !tb[VTUN_A_DEV_PEER])
		return;
	printf("   ");
	if (tb[VTUN_A_DEV_ENCAP])
		printf(" encap %s", vtun_encap_name(encap));
	if (encap && tb[VTUN_A_DEV_ENCAP_SPORT])
		printf(" encap-sport %u", get_u16(tb[VTUN_A_DEV_ENCAP_SPORT]));
	if (encap && tb[VTUN_A_DEV_ENCAP_DPORT])
		printf(" encap-dport %u", get_u16(tb[VTUN_A_DEV_ENCAP_DPORT]));
	if (encap && tb[VTUN_A_DEV_KEEPALIVE])
		printf(" keepalive %u", get_u16(tb[VTUN_A_DEV_KEEPALIVE]));
	if (tb[VTUN_A_DEV_PEER])
		printf(" peer %s", addr_str(tb[VTUN_A_DEV_PEER], abuf, sizeof(abuf)));
	if (tb[VTUN_A_DEV_PEER_PORT])
		printf(" peer-port %u", get_u16(tb[VTUN_A_DEV_PEER_PORT]));
	putchar('\n');
}

static void print_dev(const struct nlattr **tb)
{
	char abuf[INET6_ADDRSTRLEN], ibuf[IF_NAMESIZE];
	const char *name = tb[VTUN_A_DEV_IFNAME] ?
			   mnl_attr_get_str(tb[VTUN_A_DEV_IFNAME]) : "?";
	uint32_t ifindex = tb[VTUN_A_DEV_IFINDEX] ?
			   get_u32(tb[VTUN_A_DEV_IFINDEX]) : 0;
	uint32_t underlay = tb[VTUN_A_DEV_UNDERLAY] ?
			    get_u32(tb[VTUN_A_DEV_UNDERLAY]) : 0;
	uint8_t ttl = tb[VTUN_A_DEV_TTL] ? get_u8(tb[VTUN_A_DEV_TTL]) : 0;

	if (opt.json) {
		json_open_object(NULL);
		json_uint("ifindex", ifindex);
		json_string("ifname", name);
		if (tb[VTUN_A_DEV_LOCAL])
			json_string("local", addr_str(tb[VTUN_A_DEV_LOCAL],
						      abuf, sizeof(abuf)));
		if (tb[VTUN_A_DEV_REMOTE])
			json_string("remote", addr_str(tb[VTUN_A_DEV_REMOTE],
						       abuf, sizeof(abuf)));
		if (tb[VTUN_A_DEV_UNDERLAY])
			json_uint("underlay", underlay);
		if (tb[VTUN_A_DEV_ZONE])
			json_string("zone", mnl_attr_get_str(tb[VTUN_A_DEV_ZONE]));
		if (tb[VTUN_A_DEV_MODE])
			json_string("mode", vtun_mode_name(get_u8(tb[VTUN_A_DEV_MODE])));
		if (tb[VTUN_A_DEV_GRE])
			json_bool("gre", get_u8(tb[VTUN_A_DEV_GRE]));
		if (tb[VTUN_A_DEV_COPY_TOS])
			json_bool("copy-tos", get_u8(tb[VTUN_A_DEV_COPY_TOS]));
		if (tb[VTUN_A_DEV_TTL])
			json_uint("ttl", ttl);
		if (tb[VTUN_A_DEV_DF])
			json_string("df", vtun_df_name(get_u8(tb[VTUN_A_DEV_DF])));
		if (tb[VTUN_A_DEV_ENCAP])
			json_string("encap", vtun_encap_name(get_u8(tb[VTUN_A_DEV_ENCAP])));
		if (tb[VTUN_A_DEV_ENCAP_SPORT])
			json_uint("encap-sport", get_u16(tb[VTUN_A_DEV_ENCAP_SPORT]));
		if (tb[VTUN_A_DEV_ENCAP_DPORT])
			json_uint("encap-dport", get_u16(tb[VTUN_A_DEV_ENCAP_DPORT]));
		if (tb[VTUN_A_DEV_KEEPALIVE])
			json_uint("keepalive", get_u16(tb[VTUN_A_DEV_KEEPALIVE]));
		if (tb[VTUN_A_DEV_PEER])
			json_string("peer", addr_str(tb[VTUN_A_DEV_PEER],
						     abuf, sizeof(abuf)));
		if (tb[VTUN_A_DEV_PEER_PORT])
			json_uint("peer-port", get_u16(tb[VTUN_A_DEV_PEER_PORT]));
		if (tb[VTUN_A_DEV_MTU])
			json_uint("mtu", get_u32(tb[VTUN_A_DEV_MTU]));
		if (tb[VTUN_A_DEV_ON_DEMAND])
			json_bool("on-demand", get_u8(tb[VTUN_A_DEV_ON_DEMAND]));
		if (tb[VTUN_A_DEV_CARRIER])
			json_bool("carrier", get_u8(tb[VTUN_A_DEV_CARRIER]));
		if (tb[VTUN_A_DEV_MONITOR] &&
		    !mnl_attr_validate(tb[VTUN_A_DEV_MONITOR], MNL_TYPE_NESTED)) {
			json_open_object("monitor");
			print_monitor(tb[VTUN_A_DEV_MONITOR]);
			json_close_object();
		}
	} else {
		printf("%s: ifindex %u", name, ifindex);
		if (tb[VTUN_A_DEV_MTU])
			printf(" mtu %u", get_u32(tb[VTUN_A_DEV_MTU]));
		printf("\n   ");
		if (tb[VTUN_A_DEV_LOCAL])
			printf(" local %s", addr_str(tb[VTUN_A_DEV_LOCAL],
						     abuf, sizeof(abuf)));
		if (tb[VTUN_A_DEV_REMOTE])
			printf(" remote %s", addr_str(tb[VTUN_A_DEV_REMOTE],
						      abuf, sizeof(abuf)));
		printf(" underlay %s",
		       underlay ? ifname_of(underlay, ibuf) : "none");
		if (tb[VTUN_A_DEV_ZONE])
			printf(" zone %s", mnl_attr_get_str(tb[VTUN_A_DEV_ZONE]));
		printf("\n   ");
		if (tb[VTUN_A_DEV_MODE])
			printf(" mode %s", vtun_mode_name(get_u8(tb[VTUN_A_DEV_MODE])));
		if (tb[VTUN_A_DEV_GRE])
			printf(" gre %s", get_u8(tb[VTUN_A_DEV_GRE]) ? "on" : "off");
		if (tb[VTUN_A_DEV_COPY_TOS])
			printf(" copy-tos %s",
			       get_u8(tb[VTUN_A_DEV_COPY_TOS]) ? "on" : "off");
		if (ttl)
			printf(" ttl %u", ttl);
		else if (tb[VTUN_A_DEV_TTL])
			printf(" ttl inherit");
		if (tb[VTUN_A_DEV_DF])
			printf(" df %s", vtun_df_name(get_u8(tb[VTUN_A_DEV_DF])));
		if (tb[VTUN_A_DEV_ON_DEMAND] && get_u8(tb[VTUN_A_DEV_ON_DEMAND]))
			printf(" on-demand on");
		putchar('\n');
		print_encap(tb);
		if (tb[VTUN_A_DEV_MONITOR] &&
		    !mnl_attr_validate(tb[VTUN_A_DEV_MONITOR], MNL_TYPE_NESTED)) {
			printf("    monitor");
			print_monitor(tb[VTUN_A_DEV_MONITOR]);
			putchar('\n');
		}
	}
	/* JSON always has the counters; text only with -s. */
	if (opt.json || opt.stats) {
		print_counters(tb[VTUN_A_DEV_STATS], "stats", stats_names,
			       VTUN_A_STATS_MAX, "    ");
		print_counters(tb[VTUN_A_DEV_DROPS], "drops", drops_names,
			       VTUN_A_DROPS_MAX, "    ");
	}
	if (opt.json)
		json_close_object();
}

/* Hand each device of a dev-get reply to a callback. */
struct dev_walk {
	void (*fn)(const struct nlattr **tb, void *data);
	void *data;
};

static int dev_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VTUN_A_DEV_MAX + 1] = { NULL };
	struct dev_walk *w = data;
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != VTUN_A_DEV ||
		    mnl_attr_validate(attr, MNL_TYPE_NESTED))
			continue;
		if (mnl_attr_parse_nested(attr, dev_attr_cb, tb) != MNL_CB_OK)
			continue;
		if (tb[VTUN_A_DEV_IFNAME] &&
		    mnl_attr_validate(tb[VTUN_A_DEV_IFNAME], MNL_TYPE_NUL_STRING))
			tb[VTUN_A_DEV_IFNAME] = NULL;
		if (tb[VTUN_A_DEV_ZONE] &&
		    mnl_attr_validate(tb[VTUN_A_DEV_ZONE], MNL_TYPE_NUL_STRING))
			tb[VTUN_A_DEV_ZONE] = NULL;
		w->fn(tb, w->data);
	}
	return 0;
}

/* dev-get for @ifindex, or a dump of all vtun devices if it is 0. */
int dev_get(struct nl *nl, unsigned int ifindex,
	    void (*fn)(const struct nlattr **tb, void *data), void *data)
{
	struct dev_walk w = { fn, data };
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	int err;

	nlh = genl_msg(nl, buf, VTUN_CMD_DEV_GET, ifindex ? 0 : NLM_F_DUMP);
	if (ifindex)
		mnl_attr_put_u32(nlh, VTUN_A_IFINDEX, ifindex);
	err = nl_talk(nl, nlh, dev_reply_cb, &w);
	nl_warn_dump(nl);
	return err;
}

static void show_one(const struct nlattr **tb, void *data)
{
	(void)data;
	print_dev(tb);
}

int do_show(int argc, char **argv)
{
	unsigned int ifindex = 0;
	const char *name = NULL;
	struct nl nl;
	int err;

	if (argc > 0 && (matches(argv[0], "dev") && argc > 1))
		argc--, argv++;
	if (argc > 1)
		usage_error("unexpected \"%s\"", argv[1]);
	if (argc == 1) {
		name = argv[0];
		ifindex = ifindex_of(name);
		if (!ifindex) {
			fprintf(stderr, "Cannot find device \"%s\"\n", name);
			return 1;
		}
	}
	if (genl_open(&nl, VTUN_FAMILY_NAME))
		return 1;
	if (opt.json) {
		json_begin(opt.pretty);
		json_open_array(NULL);
	}
	err = dev_get(&nl, ifindex, show_one, NULL);
	if (opt.json) {
		json_close_array();
		json_end();
	}
	if (err)
		nl_perror(&nl, err, name ? name : "dev-get");
	nl_close(&nl);
	return err ? 1 : 0;
}

struct dev_list {
	unsigned int n;
	struct { uint32_t ifindex; char name[IF_NAMESIZE]; } *dev;
};

static void collect_dev(const struct nlattr **tb, void *data)
{
	struct dev_list *l = data;
	void *p;

	if (!tb[VTUN_A_DEV_IFINDEX] || !tb[VTUN_A_DEV_IFNAME] ||
	    mnl_attr_validate(tb[VTUN_A_DEV_IFINDEX], MNL_TYPE_U32))
		return;
	p = realloc(l->dev, (l->n + 1) * sizeof(*l->dev));
	if (!p)
		return;
	l->dev = p;
	l->dev[l->n].ifindex = mnl_attr_get_u32(tb[VTUN_A_DEV_IFINDEX]);
	snprintf(l->dev[l->n].name, IF_NAMESIZE, "%s",
		 mnl_attr_get_str(tb[VTUN_A_DEV_IFNAME]));
	l->n++;
}

/* DEV, or every vtun device when DEV is NULL. */
static int dev_list_get(struct nl *nl, const char *name, struct dev_list *l)
{
	int err;

	if (!name) {
		err = dev_get(nl, 0, collect_dev, l);
		if (err)
			nl_perror(nl, err, "dev-get");
		return err;
	}
	l->dev = calloc(1, sizeof(*l->dev));
	if (!l->dev)
		return -1;
	l->n = 1;
	l->dev[0].ifindex = ifindex_of(name);
	snprintf(l->dev[0].name, IF_NAMESIZE, "%s", name);
	if (!l->dev[0].ifindex) {
		fprintf(stderr, "Cannot find device \"%s\"\n", name);
		return -1;
	}
	return 0;
}

/*
 * "show [DEV]" of a device's objects: @show for DEV or for every vtun
 * device, in one JSON array.
 */
int show_per_dev(const char *name, dev_show_fn show, const void *arg)
{
	struct dev_list l = { 0, NULL };
	unsigned int i;
	struct nl nl;
	int err;

	if (genl_open(&nl, VTUN_FAMILY_NAME))
		return 1;
	err = dev_list_get(&nl, name, &l);
	if (err)
		goto out;
	if (opt.json) {
		json_begin(opt.pretty);
		json_open_array(NULL);
	}
	for (i = 0; i < l.n && !err; i++)
		err = show(&nl, l.dev[i].ifindex, l.dev[i].name, arg);
	if (opt.json) {
		json_close_array();
		json_end();
	}
out:
	free(l.dev);
	nl_close(&nl);
	return err ? 1 : 0;
}
