/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_SELECTOR_H
#define _VTUN_SELECTOR_H

#include <linux/in6.h>
#include <net/genetlink.h>

#include "device.h"

struct vtun_sa;

/* Protocol and ports of a selector; ranges are inclusive. */
struct vtun_sel_l4 {
	u16 lport_min, lport_max;
	u16 rport_min, rport_max;
	u8 proto;	/* 0: any */
	u8 ports;	/* the ranges restrict anything */
};

/* A traffic selector as configured; addresses are already masked. */
struct vtun_sel {
	union vtun_addr laddr, lmask;
	union vtun_addr raddr, rmask;
	struct vtun_sel_l4 l4;
	sa_family_t family;
	u8 llen, rlen;
};

int vtun_proxy_id_new(struct vtun_dev *vd, struct genl_info *info);
int vtun_proxy_id_del(struct vtun_dev *vd, struct genl_info *info);
int vtun_proxy_id_get(struct vtun_dev *vd, struct genl_info *info);
int vtun_proxy_id_dump(struct sk_buff *skb, struct netlink_callback *cb);

/* Under RTNL. */
int vtun_proxy_id_check_mode(struct vtun_dev *vd, const struct vtun_params *p,
			     const struct nlattr *attr,
			     struct netlink_ext_ack *extack);
int vtun_proxy_id_bind(struct vtun_dev *vd, struct vtun_sa *sa, u16 id);
void vtun_proxy_id_set_tx(struct vtun_dev *vd, u16 id, struct vtun_sa *sa);
void vtun_proxy_id_flush(struct vtun_dev *vd);

/* Packet path, under rcu_read_lock_bh(); returns a referenced SA. */
struct vtun_sa *vtun_select_out(struct vtun_dev *vd, struct sk_buff *skb,
				enum vtun_drop *reason);
bool vtun_select_in(struct vtun_sa *sa, const struct sk_buff *skb);

#endif /* _VTUN_SELECTOR_H */
