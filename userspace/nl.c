// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink requests over libmnl, with extended ACKs.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "nl.h"

/* Big enough for any dump message the kernel builds. */
#define NL_RECV_SIZE 65536

int nl_open(struct nl *nl, int bus)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->miss_type = -1;
	nl->sock = mnl_socket_open(bus);
	if (!nl->sock)
		return -1;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return -1;
	}
	/*
	 * Extended ACKs carry the kernel's error message; a capped ACK does
	 * not echo the request back, which may hold key material.
	 */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = time(NULL);
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

struct nlmsghdr *nl_msg(struct nl *nl, void *buf, uint16_t type,
			uint16_t flags)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, NL_BUF_SIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

/* Extended ACK attributes after the error code (and any echoed request). */
static void parse_ext_ack(struct nl *nl, const struct nlmsghdr *nlh,
			  unsigned int offset)
{
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    offset >= nlh->nlmsg_len - MNL_NLMSG_HDRLEN)
		return;
	mnl_attr_for_each(attr, nlh, offset) {
		switch (mnl_attr_get_type(attr)) {
		case NLMSGERR_ATTR_MSG:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
				snprintf(nl->errmsg, sizeof(nl->errmsg), "%s",
					 mnl_attr_get_str(attr));
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				nl->miss_type = mnl_attr_get_u32(attr);
			break;
		}
	}
}

/* 1: request done, 0: more to come, <0: error code of the request. */
static int handle_control(struct nl *nl, const struct nlmsghdr *nlh)
{
	unsigned int offset;
	int err;

	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR: {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
			return -EBADMSG;
		offset = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			offset += e->msg.nlmsg_len - sizeof(e->msg);
		parse_ext_ack(nl, nlh, offset);
		err = e->error;
		if (!err && nl->errmsg[0])
			fprintf(stderr, "Warning: %s\n", nl->errmsg);
		return err ? err : 1;
	}
	case NLMSG_DONE:
		err = 0;
		if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
			err = *(int *)mnl_nlmsg_get_payload(nlh);
		parse_ext_ack(nl, nlh, sizeof(int));
		return err < 0 ? err : 1;
	case NLMSG_NOOP:
	case NLMSG_OVERRUN:
		return 0;
	}
	return 0;
}

int nl_talk(struct nl *nl, struct nlmsghdr *nlh, nl_reply_fn cb, void *data)
{
	unsigned int seq = nlh->nlmsg_seq;
	int ret = 0, cb_err = 0;
	char *buf;

	nl->errmsg[0] = '\0';
	nl->miss_type = -1;
	nl->dump_intr = false;
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	buf = malloc(NL_RECV_SIZE);
	if (!buf)
		return -ENOMEM;
	while (!ret) {
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		ssize_t len = mnl_socket_recvfrom(nl->sock, buf, NL_RECV_SIZE);
		int left;

		if (len < 0) {
			ret = -errno;
			break;
		}
		for (left = len; mnl_nlmsg_ok(m, left) && !ret;
		     m = mnl_nlmsg_next(m, &left)) {
			if (!mnl_nlmsg_portid_ok(m, nl->portid) ||
			    !mnl_nlmsg_seq_ok(m, seq))
				continue;
			if (m->nlmsg_type < NLMSG_MIN_TYPE) {
				ret = handle_control(nl, m);
				continue;
			}
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				nl->dump_intr = true;
			/* Keep reading to the end, even if a reply is bad. */
			if (cb && !cb_err)
				cb_err = cb(m, data);
			if (!(m->nlmsg_flags & NLM_F_MULTI) &&
			    !(nlh->nlmsg_flags & NLM_F_ACK))
				ret = 1;
		}
	}
	free(buf);
	if (ret == 1)
		ret = cb_err < 0 ? cb_err : 0;
	return ret;
}

/* As iproute2 says it of a dump that may have missed or repeated an entry. */
void nl_warn_dump(const struct nl *nl)
{
	if (nl->dump_intr)
		fprintf(stderr, "Dump was interrupted and may be inconsistent.\n");
}

void nl_perror(const struct nl *nl, int err, const char *what)
{
	int e = -err;

	if (nl->errmsg[0]) {
		fprintf(stderr, "Error: %s (%s)\n", nl->errmsg, strerror(e));
	} else if (nl->miss_type >= 0) {
		fprintf(stderr, "Error: %s: missing attribute %d (%s)\n", what,
			nl->miss_type, strerror(e));
	} else {
		fprintf(stderr, "Error: %s: %s\n", what, strerror(e));
	}
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;
	uint16_t *id = data;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
			*id = mnl_attr_get_u16(attr);
	}
	return 0;
}

struct nlmsghdr *genl_msg(struct nl *nl, void *buf, uint8_t cmd,
			  uint16_t flags)
{
	struct nlmsghdr *nlh = nl_msg(nl, buf, nl->family, flags);
	struct genlmsghdr *g;

	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

int genl_open(struct nl *nl, const char *name)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	uint16_t id = 0;
	int err;

	if (nl_open(nl, NETLINK_GENERIC)) {
		fprintf(stderr, "Error: cannot open a netlink socket: %s\n",
			strerror(errno));
		return -1;
	}
	nl->family = GENL_ID_CTRL;
	nlh = genl_msg(nl, buf, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	err = nl_talk(nl, nlh, family_cb, &id);
	if (err == -ENOENT || (!err && !id)) {
		fprintf(stderr, "Error: %s module not loaded\n", name);
	} else if (err) {
		nl_perror(nl, err, "resolving the generic netlink family");
	} else {
		nl->family = id;
		return 0;
	}
	nl_close(nl);
	return -1;
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
static int group_family_cb(const struct nlmsghdr *nlh, void *data)
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

int genl_join_group(struct nl *nl, const char *family_name,
		    const char *name)
{
	struct group_query q = { name, 0 };
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	uint16_t family = nl->family;
	int err;

	nl->family = GENL_ID_CTRL;
	nlh = genl_msg(nl, buf, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family_name);
	err = nl_talk(nl, nlh, group_family_cb, &q);
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

int genl_nested_cb(const struct nlmsghdr *nlh, void *data)
{
	struct genl_nested_query *q = data;
	const struct nlattr *attr, *inner;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != q->outer ||
		    mnl_attr_validate(attr, MNL_TYPE_NESTED))
			continue;
		mnl_attr_for_each_nested(inner, attr) {
			if (mnl_attr_get_type(inner) != q->inner)
				continue;
			if (!mnl_attr_validate(inner, MNL_TYPE_U32)) {
				q->value = mnl_attr_get_u32(inner);
				q->found = true;
			} else if (!mnl_attr_validate(inner, MNL_TYPE_U64)) {
				q->value = mnl_attr_get_u64(inner);
				q->found = true;
			}
		}
	}
	return 0;
}

int rtnl_link_kind_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr, *info;
	char *kind = data;

	mnl_attr_for_each(attr, nlh, sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(attr) != IFLA_LINKINFO)
			continue;
		mnl_attr_for_each_nested(info, attr) {
			if (mnl_attr_get_type(info) == IFLA_INFO_KIND &&
			    mnl_attr_validate(info, MNL_TYPE_STRING) == 0)
				snprintf(kind, RTNL_KIND_MAX, "%.*s",
					 (int)mnl_attr_get_payload_len(info),
					 (const char *)mnl_attr_get_payload(info));
		}
	}
	return 0;
}
