// SPDX-License-Identifier: GPL-2.0
/*
 * vtunctl events: print the vtun family's multicast events (acquires,
 * SA expiries, SAs added and deleted) as they come, one line (or one
 * JSON object) each.
 */

#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/vtun.h>

#include "json.h"
#include "monitor.h"
#include "nl.h"
#include "proxyid.h"
#include "vtunctl.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct group_query {
	const char *name;
	uint32_t id;
};

static int group_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= CTRL_ATTR_MCAST_GRP_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

/* Find the group in CTRL_ATTR_MCAST_GROUPS of a getfamily reply. */
static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct group_query *q = data;
	const struct nlattr *attr, *grp;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != CTRL_ATTR_MCAST_GROUPS)
			continue;
		mnl_attr_for_each_nested(grp, attr) {
			const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = { NULL };

			if (mnl_attr_parse_nested(grp, group_attr_cb, tb) != MNL_CB_OK ||
			    !tb[CTRL_ATTR_MCAST_GRP_NAME] || !tb[CTRL_ATTR_MCAST_GRP_ID] ||
			    mnl_attr_validate(tb[CTRL_ATTR_MCAST_GRP_NAME], MNL_TYPE_NUL_STRING) ||
			    mnl_attr_validate(tb[CTRL_ATTR_MCAST_GRP_ID], MNL_TYPE_U32))
				continue;
			if (!strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]), q->name))
				q->id = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
		}
	}
	return 0;
}

static int join_group(struct nl *nl, const char *name)
{
	struct group_query q = { name, 0 };
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	uint16_t family = nl->family;
	int err;

	nl->family = GENL_ID_CTRL;
	nlh = genl_msg(nl, buf, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, VTUN_FAMILY_NAME);
	err = nl_talk(nl, nlh, family_cb, &q);
	nl->family = family;
	if (err) {
		nl_perror(nl, err, "resolving the multicast group");
		return -1;
	}
	if (!q.id) {
		fprintf(stderr, "Error: no multicast group \"%s\"\n", name);
		return -1;
	}
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &q.id,
				  sizeof(q.id)) < 0) {
		fprintf(stderr, "Error: joining \"%s\": %s\n", name,
			strerror(errno));
		return -1;
	}
	return 0;
}

static void print_acquire(const struct nlmsghdr *nlh)
{
	const struct nlattr *attr, *nest = NULL;
	char name[IF_NAMESIZE] = "?";
	uint32_t ifindex = 0;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) == VTUN_A_IFINDEX &&
		    !mnl_attr_validate(attr, MNL_TYPE_U32))
			ifindex = mnl_attr_get_u32(attr);
		else if (mnl_attr_get_type(attr) == VTUN_A_PROXY_ID &&
			 !mnl_attr_validate(attr, MNL_TYPE_NESTED))
			nest = attr;
	}
	if (!nest)
		return;
	ifname_of(ifindex, name);
	if (opt.json) {
		json_begin(false);
		json_open_object(NULL);
		json_string("event", "acquire");
	} else {
		printf("acquire ");
	}
	print_proxy_id(ifindex, name, nest);
	if (opt.json) {
		json_close_object();
		json_end();
	} else {
		putchar('\n');
		fflush(stdout);
	}
}

/* Returns the number of events in the datagram. */
static int handle(struct nl *nl, const char *buf, int len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int n = 0;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		const struct genlmsghdr *g;

		if (nlh->nlmsg_type != nl->family ||
		    mnl_nlmsg_get_payload_len(nlh) < sizeof(*g))
			continue;
		g = mnl_nlmsg_get_payload(nlh);
		if (print_monitor_event(nlh, g->cmd)) {
			n++;
			continue;
		}
		switch (g->cmd) {
		case VTUN_CMD_ACQUIRE_NTF:
			print_acquire(nlh);
			break;
		case VTUN_CMD_EXPIRE_NTF:
			print_sa_event("expire", nlh);
			break;
		case VTUN_CMD_SA_NEW_NTF:
			print_sa_event("sa-new", nlh);
			break;
		case VTUN_CMD_SA_DEL_NTF:
			print_sa_event("sa-del", nlh);
			break;
		default:
			continue;
		}
		n++;
	}
	return n;
}

int do_events(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long count = 0, seen = 0;
	char buf[NL_BUF_SIZE];
	struct nl nl;
	int ret = 0;

	for (; argc > 0; argc--, argv++) {
		uint64_t v;

		if (matches(argv[0], "help")) {
			printf("Usage: vtunctl events [ count N ]\n");
			return 0;
		}
		if (strcmp(argv[0], "count"))
			usage_error("unknown events option \"%s\"", argv[0]);
		NEXT_ARG("count");
		if (parse_u64(argv[0], &v) || !v)
			invarg("count is a positive number", argv[0]);
		count = v;
	}
	/* No SA_RESTART: a signal ends the wait in recv. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (genl_open(&nl, VTUN_FAMILY_NAME))
		return 1;
	if (join_group(&nl, VTUN_MCGRP_EVENTS)) {
		nl_close(&nl);
		return 1;
	}
	while (!stop && (!count || seen < count)) {
		ssize_t len = mnl_socket_recvfrom(nl.sock, buf, sizeof(buf));

		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				fprintf(stderr, "Warning: events lost (ENOBUFS)\n");
				continue;
			}
			fprintf(stderr, "Error: recv: %s\n", strerror(errno));
			ret = 1;
			break;
		}
		seen += handle(&nl, buf, len);
	}
	nl_close(&nl);
	return ret;
}
