/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_NETLINK_H
#define _VTUN_NETLINK_H

#include <net/genetlink.h>

struct vtun_dev;
struct vtun_sa;

/* What an expire-ntf reports. */
struct vtun_expiry {
	bool hard;
	u8 limit;	/* enum vtun_expire_limit */
};

void vtun_nl_sa_notify(struct vtun_sa *sa, u8 cmd,
		       const struct vtun_expiry *exp);

void vtun_nl_restrict_events(void);
struct vtun_dev *vtun_dump_dev_lock(struct netlink_callback *cb);
int vtun_dump_done(struct sk_buff *skb, struct netlink_callback *cb,
		   long idx, int err);

#endif /* _VTUN_NETLINK_H */
