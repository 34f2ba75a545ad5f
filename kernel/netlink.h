/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_NETLINK_H
#define _VTUN_NETLINK_H

#include <linux/types.h>

struct netlink_callback;
struct netlink_ext_ack;
struct nlattr;
struct sk_buff;
struct vtun_dev;
struct vtun_lifetime;
struct vtun_sa;
struct vtun_sel;

/*
 * Events: the objects say what happened, the netlink side builds and
 * sends the notification to the events group of the device's namespace.
 */

/* What an expire-ntf reports. */
struct vtun_expiry {
	bool hard;
	u8 limit;	/* enum vtun_expire_limit */
};

/* Under RTNL. */
void vtun_nl_sa_notify(struct vtun_sa *sa, u8 cmd,
		       const struct vtun_expiry *exp);
/* From timers and receive: atomic. */
void vtun_nl_monitor_notify(struct vtun_dev *vd, bool up, u8 reason);

/* From the transmit path: atomic. */
void vtun_nl_acquire_notify(struct vtun_dev *vd, u16 id,
			    const struct vtun_sel *sel);
bool vtun_nl_has_listeners(struct vtun_dev *vd);
bool vtun_nl_event_allowed(struct vtun_dev *vd, unsigned long *stamp);

/* From receive: atomic. */
bool vtun_nl_peer_notify(struct vtun_sa *sa, const void *addr,
			 unsigned int alen, __be16 port);

void vtun_nl_restrict_events(void);

void vtun_dump_changed(void);

/* Shared by the netlink-*.c files. */
void vtun_dump_begin(struct netlink_callback *cb);
void vtun_dump_mark(struct netlink_callback *cb, struct sk_buff *skb,
		    int start);
struct vtun_dev *vtun_dump_dev_lock(struct netlink_callback *cb);
int vtun_dump_done(struct sk_buff *skb, struct netlink_callback *cb,
		   long idx, int err);
int vtun_nl_parse_lifetime(struct vtun_lifetime *lt,
			   const struct nlattr *attr,
			   struct netlink_ext_ack *extack);
int vtun_nl_put_monitor(struct sk_buff *skb, struct vtun_dev *vd, int type,
			int reason);

#endif /* _VTUN_NETLINK_H */
