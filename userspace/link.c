// SPDX-License-Identifier: GPL-2.0
/*
 * vtunctl link add | set | del: vtun devices over rtnetlink.
 */

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/vtun.h>

#include "linkopts.h"
#include "nl.h"
#include "vtunctl.h"

static void link_usage(FILE *f)
{
	fprintf(f,
		"Usage: vtunctl link add NAME [ OPTIONS ]\n"
		"       vtunctl link set NAME [ OPTIONS ]\n"
		"       vtunctl link del NAME\n"
		"       vtunctl link show [ NAME ]\n"
		"OPTIONS := \n");
	vtun_link_opts_usage(f, "\t");
}

static int put_attr(void *ctx, unsigned short type, const void *data,
		    size_t len)
{
	struct nlmsghdr *nlh = ctx;

	if (!mnl_attr_put_check(nlh, NL_BUF_SIZE, type, len, data)) {
		fprintf(stderr, "Error: request too big\n");
		return -1;
	}
	return 0;
}

/* ifindex of the vtun device @name, or 0 after printing why not. */
static unsigned int vtun_ifindex(struct nl *nl, const char *name)
{
	char buf[NL_BUF_SIZE], kind[RTNL_KIND_MAX] = "";
	unsigned int ifindex = ifindex_of(name);
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int err;

	if (!ifindex) {
		fprintf(stderr, "Cannot find device \"%s\"\n", name);
		return 0;
	}
	nlh = nl_msg(nl, buf, RTM_GETLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	err = nl_talk(nl, nlh, rtnl_link_kind_cb, kind);
	if (err) {
		nl_perror(nl, err, name);
		return 0;
	}
	if (strcmp(kind, "vtun")) {
		fprintf(stderr, "Error: \"%s\" is not a vtun device\n", name);
		return 0;
	}
	return ifindex;
}

/* add (@existing false), set or del (@existing true) NAME [OPTIONS] */
static int link_modify(int cmd, bool existing, int argc, char **argv)
{
	char buf[NL_BUF_SIZE];
	const char *name = argv[0];
	struct nlattr *linkinfo, *data;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	unsigned int ifindex = 0;
	struct nl nl;
	int err;

	if (strlen(name) >= IF_NAMESIZE)
		invarg("device name is too long", name);
	if (nl_open(&nl, NETLINK_ROUTE)) {
		fprintf(stderr, "Error: cannot open a netlink socket: %s\n",
			strerror(errno));
		return 1;
	}
	if (existing) {
		/* Refuse to touch a device of another kind. */
		ifindex = vtun_ifindex(&nl, name);
		if (!ifindex) {
			nl_close(&nl);
			return 1;
		}
	}
	nlh = nl_msg(&nl, buf, cmd, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (!existing) {
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	}
	if (cmd == RTM_NEWLINK) {
		linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vtun");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		if (vtun_parse_link_opts(argc - 1, argv + 1, put_attr, nlh)) {
			nl_close(&nl);
			return EXIT_USAGE;
		}
		mnl_attr_nest_end(nlh, data);
		mnl_attr_nest_end(nlh, linkinfo);
	}
	err = nl_talk(&nl, nlh, NULL, NULL);
	if (err)
		nl_perror(&nl, err, name);
	nl_close(&nl);
	return err ? 1 : 0;
}

int do_link(int argc, char **argv)
{
	const char *cmd;

	if (argc < 1 || matches(argv[0], "show") || matches(argv[0], "list"))
		return do_show(argc ? argc - 1 : 0, argv + 1);
	if (matches(argv[0], "help")) {
		link_usage(stdout);
		return 0;
	}
	cmd = argv[0];
	argc--, argv++;
	if (argc < 1)
		usage_error("\"link %s\" needs a device name", cmd);
	if (matches(cmd, "add"))
		return link_modify(RTM_NEWLINK, false, argc, argv);
	if (matches(cmd, "set") || matches(cmd, "change"))
		return link_modify(RTM_NEWLINK, true, argc, argv);
	if (matches(cmd, "delete")) {
		if (argc > 1)
			usage_error("unexpected \"%s\" after the device name",
				    argv[1]);
		return link_modify(RTM_DELLINK, true, argc, argv);
	}
	usage_error("unknown command \"link %s\"", cmd);
}
