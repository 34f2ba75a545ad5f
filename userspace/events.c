// SPDX-License-Identifier: GPL-2.0
/*
 * vtunctl events: print the vtun family's multicast events (acquires,
 * SA expiries, SAs added and deleted, peer moves) as they come, one line (or one
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
		case VTUN_CMD_PEER_NTF:
			print_sa_event("peer", nlh);
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
	if (genl_join_group(&nl, VTUN_FAMILY_NAME, VTUN_MCGRP_EVENTS)) {
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
