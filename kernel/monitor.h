/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_MONITOR_H
#define _VTUN_MONITOR_H

#include <linux/rcupdate.h>
#include <linux/types.h>

#include "device.h"

struct netlink_ext_ack;
struct sk_buff;

#define VTUN_MON_INTERVAL_MIN	100
#define VTUN_MON_INTERVAL_MAX	10000
#define VTUN_MON_INTERVAL_DEF	3000
#define VTUN_MON_THRESHOLD_MIN	1
#define VTUN_MON_THRESHOLD_MAX	10
#define VTUN_MON_THRESHOLD_DEF	5
#define VTUN_MON_HOLD_DOWN_MAX	600000

/* A monitor's configuration, replaced as a whole. */
struct vtun_monitor_cfg {
	union vtun_addr dst;
	union vtun_addr src;
	sa_family_t family;
	bool src_auto;		/* src chosen by vtun, not given */
	bool gateways;		/* transport mode: the device's gateways */
	bool optimized;
	u8 threshold;
	u8 action;
	u32 interval;		/* ms */
	u32 hold_down;		/* ms */
	struct rcu_head rcu;
};

/* What a monitor reports. */
struct vtun_monitor_info {
	struct vtun_monitor_cfg cfg;
	bool down;
	u64 sent, received, lost;
	u32 misses;
	u32 rtt;			/* us */
};

int vtun_monitor_init(struct vtun_dev *vd);
void vtun_monitor_uninit(struct vtun_dev *vd);
void vtun_carrier_update(struct vtun_dev *vd);
bool vtun_monitor_rx(struct vtun_dev *vd, struct sk_buff *skb);

/* Under RTNL. */
int vtun_monitor_prepare(struct vtun_dev *vd, struct vtun_monitor_cfg *c,
			 bool create);
int vtun_monitor_apply(struct vtun_dev *vd, struct vtun_monitor_cfg *c,
		       bool create, struct netlink_ext_ack *extack);
int vtun_monitor_remove(struct vtun_dev *vd);
int vtun_monitor_check_params(struct vtun_dev *vd, const struct vtun_params *p,
			      struct netlink_ext_ack *extack);

bool vtun_monitor_snapshot(struct vtun_dev *vd, struct vtun_monitor_info *info);

#endif /* _VTUN_MONITOR_H */
