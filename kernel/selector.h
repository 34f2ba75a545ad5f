/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_SELECTOR_H
#define _VTUN_SELECTOR_H

#include <linux/in6.h>
#include <linux/skbuff.h>

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

/* Which part of a request a proxy ID operation refused. */
enum vtun_proxy_id_field {
	VTUN_PROXY_ID_FIELD_NONE,
	VTUN_PROXY_ID_FIELD_DEV,	/* the device */
	VTUN_PROXY_ID_FIELD_ID,
	VTUN_PROXY_ID_FIELD_ALL,	/* the proxy ID as a whole */
};

bool vtun_proto_has_ports(u8 proto);

/* Under RTNL. */
int vtun_proxy_id_add(struct vtun_dev *vd, u16 id, const struct vtun_sel *sel,
		      struct netlink_ext_ack *extack,
		      enum vtun_proxy_id_field *bad);
int vtun_proxy_id_remove(struct vtun_dev *vd, u16 id);
bool vtun_proxy_id_lookup(struct vtun_dev *vd, u16 id, struct vtun_sel *sel);
bool vtun_proxy_id_at(struct vtun_dev *vd, unsigned long pos, u16 *id,
		      struct vtun_sel *sel);
int vtun_proxy_id_check_mode(struct vtun_dev *vd, const struct vtun_params *p,
			     struct netlink_ext_ack *extack);
int vtun_proxy_id_bind(struct vtun_dev *vd, struct vtun_sa *sa, u16 id);
void vtun_proxy_id_set_tx(struct vtun_dev *vd, u16 id, struct vtun_sa *sa);
void vtun_proxy_id_flush(struct vtun_dev *vd);

/* Packet path, under rcu_read_lock_bh(); returns a referenced SA. */
struct vtun_sa *vtun_select_out(struct vtun_dev *vd, struct sk_buff *skb,
				enum vtun_drop *reason);
bool vtun_select_in(struct vtun_sa *sa, const struct sk_buff *skb);

#endif /* _VTUN_SELECTOR_H */
