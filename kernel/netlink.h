/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_NETLINK_H
#define _VTUN_NETLINK_H

#include <net/genetlink.h>

struct vtun_dev;

int vtun_sa_new(struct vtun_dev *vd, struct genl_info *info);
int vtun_sa_del(struct vtun_dev *vd, struct genl_info *info);
int vtun_sa_get(struct vtun_dev *vd, struct genl_info *info);
int vtun_sa_dump(struct sk_buff *skb, struct netlink_callback *cb);

#endif /* _VTUN_NETLINK_H */
