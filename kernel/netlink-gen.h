/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/vtun.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_VTUN_GEN_H
#define _LINUX_VTUN_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/vtun.h>

/* Common nested types */
extern const struct nla_policy vtun_monitor_nl_policy[VTUN_A_MONITOR_RTT + 1];
extern const struct nla_policy vtun_proxy_id_nl_policy[VTUN_A_PROXY_ID_REMOTE_PORT_MAX + 1];
extern const struct nla_policy vtun_sa_nl_policy[VTUN_A_SA_PEER_PORT + 1];
extern const struct nla_policy vtun_sa_lifetime_nl_policy[VTUN_A_SA_LIFETIME_SEQ_MARGIN + 1];
extern const struct nla_policy vtun_sa_stats_nl_policy[VTUN_A_SA_STATS_SEQ + 1];
extern const struct nla_policy vtun_spi_range_nl_policy[VTUN_A_SPI_RANGE_SPI + 1];

int vtun_nl_pre_doit(const struct genl_split_ops *ops, struct sk_buff *skb,
		     struct genl_info *info);
void
vtun_nl_post_doit(const struct genl_split_ops *ops, struct sk_buff *skb,
		  struct genl_info *info);

int vtun_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info);
int vtun_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int vtun_nl_sa_new_doit(struct sk_buff *skb, struct genl_info *info);
int vtun_nl_sa_del_doit(struct sk_buff *skb, struct genl_info *info);
int vtun_nl_sa_get_doit(struct sk_buff *skb, struct genl_info *info);
int vtun_nl_sa_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int vtun_nl_proxy_id_new_doit(struct sk_buff *skb, struct genl_info *info);
int vtun_nl_proxy_id_del_doit(struct sk_buff *skb, struct genl_info *info);
int vtun_nl_proxy_id_get_doit(struct sk_buff *skb, struct genl_info *info);
int vtun_nl_proxy_id_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb);
int vtun_nl_sa_set_doit(struct sk_buff *skb, struct genl_info *info);
int vtun_nl_spi_alloc_doit(struct sk_buff *skb, struct genl_info *info);
int vtun_nl_monitor_new_doit(struct sk_buff *skb, struct genl_info *info);
int vtun_nl_monitor_set_doit(struct sk_buff *skb, struct genl_info *info);
int vtun_nl_monitor_del_doit(struct sk_buff *skb, struct genl_info *info);
int vtun_nl_monitor_get_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	VTUN_NLGRP_EVENTS,
};

extern struct genl_family vtun_nl_family;

#endif /* _LINUX_VTUN_GEN_H */
