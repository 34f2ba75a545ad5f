/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_MONITOR_H
#define _VTUN_MONITOR_H

#include <linux/types.h>

struct genl_info;
struct sk_buff;
struct vtun_dev;

int vtun_monitor_init(struct vtun_dev *vd);
void vtun_monitor_uninit(struct vtun_dev *vd);
void vtun_carrier_update(struct vtun_dev *vd);
bool vtun_monitor_rx(struct vtun_dev *vd, struct sk_buff *skb);

int vtun_monitor_new(struct vtun_dev *vd, struct genl_info *info);
int vtun_monitor_set(struct vtun_dev *vd, struct genl_info *info);
int vtun_monitor_del(struct vtun_dev *vd, struct genl_info *info);
int vtun_monitor_put(struct sk_buff *skb, struct vtun_dev *vd, int type,
		     int reason);
bool vtun_monitor_exists(struct vtun_dev *vd);

/* netlink.c */
void vtun_nl_monitor_event(struct vtun_dev *vd, bool up, u8 reason);

#endif /* _VTUN_MONITOR_H */
