/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netlink requests over libmnl: one request, its replies, its ACK and the
 * kernel's extended ACK message.
 */
#ifndef _VTUN_NL_H
#define _VTUN_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	uint16_t family;	/* generic netlink family id */
	char errmsg[256];	/* extack message of the last request */
	int miss_type;		/* extack: type of a missing attribute, or -1 */
	bool dump_intr;		/* the last dump changed between its passes */
};

/* Called for each reply message that is not an ACK or DONE. */
typedef int (*nl_reply_fn)(const struct nlmsghdr *nlh, void *data);

int nl_open(struct nl *nl, int bus);
void nl_close(struct nl *nl);

/* Start a request in @buf (of NL_BUF_SIZE bytes). */
#define NL_BUF_SIZE 8192
struct nlmsghdr *nl_msg(struct nl *nl, void *buf, uint16_t type,
			uint16_t flags);

/*
 * Send @nlh (NLM_F_REQUEST | NLM_F_ACK added) and process replies until the
 * ACK or the end of the dump. Returns 0 or a negative errno, from the
 * kernel (its message, if any, in nl->errmsg) or from a local failure. A
 * negative return of @cb is returned once the request is complete.
 */
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, nl_reply_fn cb, void *data);

/* Warn on stderr if the last dump was marked interrupted. */
void nl_warn_dump(const struct nl *nl);
/* Print "Error: MESSAGE (strerror)" for a failed nl_talk. */
void nl_perror(const struct nl *nl, int err, const char *what);

/* Generic netlink: open and resolve @name; prints an error on failure. */
int genl_open(struct nl *nl, const char *name);
struct nlmsghdr *genl_msg(struct nl *nl, void *buf, uint8_t cmd,
			  uint16_t flags);
/* Join the multicast group @name of @family_name; prints why not. */
int genl_join_group(struct nl *nl, const char *family_name,
		    const char *name);

/*
 * A reply callback: the u32 or u64 attribute @inner of the nest @outer of
 * a generic netlink reply (an allocated SPI, an SA's last-used time).
 */
struct genl_nested_query {
	uint16_t outer, inner;
	bool found;
	uint64_t value;
};
int genl_nested_cb(const struct nlmsghdr *nlh, void *data);

/* A reply callback: IFLA_INFO_KIND of an RTM_GETLINK reply into char[32]. */
#define RTNL_KIND_MAX 32
int rtnl_link_kind_cb(const struct nlmsghdr *nlh, void *data);

#endif /* _VTUN_NL_H */
