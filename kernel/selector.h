/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_SELECTOR_H
#define _VTUN_SELECTOR_H

#include <net/genetlink.h>

struct vtun_dev;

int vtun_proxy_id_new(struct vtun_dev *vd, struct genl_info *info);
int vtun_proxy_id_del(struct vtun_dev *vd, struct genl_info *info);
int vtun_proxy_id_get(struct vtun_dev *vd, struct genl_info *info);
int vtun_proxy_id_dump(struct sk_buff *skb, struct netlink_callback *cb);

#endif /* _VTUN_SELECTOR_H */
