/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_NETLINK_H
#define _VTUN_NETLINK_H

#include <net/genetlink.h>

struct vtun_dev;

void vtun_nl_restrict_events(void);
struct vtun_dev *vtun_dump_dev_lock(struct netlink_callback *cb);
int vtun_dump_done(struct sk_buff *skb, struct netlink_callback *cb,
		   long idx, int err);

#endif /* _VTUN_NETLINK_H */
