// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/vtun.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netlink-gen.h"

#include <uapi/linux/vtun.h>

/* Common nested types */
const struct nla_policy vtun_monitor_nl_policy[VTUN_A_MONITOR_RTT + 1] = {
	[VTUN_A_MONITOR_DST] = { .type = NLA_BINARY, },
	[VTUN_A_MONITOR_SRC] = { .type = NLA_BINARY, },
	[VTUN_A_MONITOR_INTERVAL] = { .type = NLA_U32, },
	[VTUN_A_MONITOR_THRESHOLD] = { .type = NLA_U8, },
	[VTUN_A_MONITOR_ACTION] = { .type = NLA_U8, },
	[VTUN_A_MONITOR_HOLD_DOWN] = { .type = NLA_U32, },
	[VTUN_A_MONITOR_OPTIMIZED] = { .type = NLA_U8, },
	[VTUN_A_MONITOR_STATE] = NLA_POLICY_MAX(NLA_U8, 1),
	[VTUN_A_MONITOR_REASON] = NLA_POLICY_MAX(NLA_U8, 1),
	[VTUN_A_MONITOR_SENT] = { .type = NLA_U64, },
	[VTUN_A_MONITOR_RECEIVED] = { .type = NLA_U64, },
	[VTUN_A_MONITOR_LOST] = { .type = NLA_U64, },
	[VTUN_A_MONITOR_MISSES] = { .type = NLA_U32, },
	[VTUN_A_MONITOR_RTT] = { .type = NLA_U32, },
};

const struct nla_policy vtun_proxy_id_nl_policy[VTUN_A_PROXY_ID_REMOTE_PORT_MAX + 1] = {
	[VTUN_A_PROXY_ID_ID] = NLA_POLICY_MIN(NLA_U16, 1),
	[VTUN_A_PROXY_ID_LOCAL] = { .type = NLA_BINARY, },
	[VTUN_A_PROXY_ID_LOCAL_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[VTUN_A_PROXY_ID_REMOTE] = { .type = NLA_BINARY, },
	[VTUN_A_PROXY_ID_REMOTE_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[VTUN_A_PROXY_ID_IP_PROTO] = { .type = NLA_U8, },
	[VTUN_A_PROXY_ID_LOCAL_PORT_MIN] = { .type = NLA_U16, },
	[VTUN_A_PROXY_ID_LOCAL_PORT_MAX] = { .type = NLA_U16, },
	[VTUN_A_PROXY_ID_REMOTE_PORT_MIN] = { .type = NLA_U16, },
	[VTUN_A_PROXY_ID_REMOTE_PORT_MAX] = { .type = NLA_U16, },
};

const struct nla_policy vtun_sa_nl_policy[VTUN_A_SA_PEER_PORT + 1] = {
	[VTUN_A_SA_DIR] = NLA_POLICY_MAX(NLA_U8, 1),
	[VTUN_A_SA_SPI] = NLA_POLICY_MIN(NLA_U32, 256),
	[VTUN_A_SA_PROTO] = NLA_POLICY_MAX(NLA_U8, 1),
	[VTUN_A_SA_AEAD_ALG] = { .type = NLA_NUL_STRING, .len = 63, },
	[VTUN_A_SA_AEAD_KEY] = { .type = NLA_BINARY, },
	[VTUN_A_SA_ICV_BITS] = { .type = NLA_U32, },
	[VTUN_A_SA_ENC_ALG] = { .type = NLA_NUL_STRING, .len = 63, },
	[VTUN_A_SA_ENC_KEY] = { .type = NLA_BINARY, },
	[VTUN_A_SA_AUTH_ALG] = { .type = NLA_NUL_STRING, .len = 63, },
	[VTUN_A_SA_AUTH_KEY] = { .type = NLA_BINARY, },
	[VTUN_A_SA_AUTH_TRUNC_BITS] = { .type = NLA_U32, },
	[VTUN_A_SA_REPLAY_WINDOW] = { .type = NLA_U32, },
	[VTUN_A_SA_ESN] = NLA_POLICY_MAX(NLA_U8, 1),
	[VTUN_A_SA_SEQ] = { .type = NLA_U64, },
	[VTUN_A_SA_STATS] = NLA_POLICY_NESTED(vtun_sa_stats_nl_policy),
	[VTUN_A_SA_PROXY_ID] = { .type = NLA_U16, },
	[VTUN_A_SA_AH_ALIGN8] = NLA_POLICY_MAX(NLA_U8, 1),
	[VTUN_A_SA_LIFETIME] = NLA_POLICY_NESTED(vtun_sa_lifetime_nl_policy),
	[VTUN_A_SA_STANDBY] = NLA_POLICY_MAX(NLA_U8, 1),
	[VTUN_A_SA_ACTIVE] = NLA_POLICY_MAX(NLA_U8, 1),
	[VTUN_A_SA_ADD_TIME] = { .type = NLA_U64, },
	[VTUN_A_SA_USE_TIME] = { .type = NLA_U64, },
	[VTUN_A_SA_LAST_USED] = { .type = NLA_U64, },
	[VTUN_A_SA_PEER] = { .type = NLA_BINARY, },
	[VTUN_A_SA_PEER_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
};

const struct nla_policy vtun_sa_lifetime_nl_policy[VTUN_A_SA_LIFETIME_SEQ_MARGIN + 1] = {
	[VTUN_A_SA_LIFETIME_SOFT_SECONDS] = { .type = NLA_U64, },
	[VTUN_A_SA_LIFETIME_HARD_SECONDS] = { .type = NLA_U64, },
	[VTUN_A_SA_LIFETIME_SOFT_USE_SECONDS] = { .type = NLA_U64, },
	[VTUN_A_SA_LIFETIME_HARD_USE_SECONDS] = { .type = NLA_U64, },
	[VTUN_A_SA_LIFETIME_SOFT_BYTES] = { .type = NLA_U64, },
	[VTUN_A_SA_LIFETIME_HARD_BYTES] = { .type = NLA_U64, },
	[VTUN_A_SA_LIFETIME_SOFT_PACKETS] = { .type = NLA_U64, },
	[VTUN_A_SA_LIFETIME_HARD_PACKETS] = { .type = NLA_U64, },
	[VTUN_A_SA_LIFETIME_SEQ_MARGIN] = { .type = NLA_U64, },
};

const struct nla_policy vtun_sa_stats_nl_policy[VTUN_A_SA_STATS_SEQ + 1] = {
	[VTUN_A_SA_STATS_PACKETS] = { .type = NLA_U64, },
	[VTUN_A_SA_STATS_BYTES] = { .type = NLA_U64, },
	[VTUN_A_SA_STATS_REPLAY] = { .type = NLA_U64, },
	[VTUN_A_SA_STATS_TOO_OLD] = { .type = NLA_U64, },
	[VTUN_A_SA_STATS_AUTH_FAILED] = { .type = NLA_U64, },
	[VTUN_A_SA_STATS_BAD_TRAILER] = { .type = NLA_U64, },
	[VTUN_A_SA_STATS_SEQ] = { .type = NLA_U64, },
};

const struct nla_policy vtun_spi_range_nl_policy[VTUN_A_SPI_RANGE_SPI + 1] = {
	[VTUN_A_SPI_RANGE_SPI_MIN] = NLA_POLICY_MIN(NLA_U32, 256),
	[VTUN_A_SPI_RANGE_SPI_MAX] = NLA_POLICY_MIN(NLA_U32, 256),
	[VTUN_A_SPI_RANGE_TIMEOUT] = NLA_POLICY_MIN(NLA_U32, 1),
	[VTUN_A_SPI_RANGE_SPI] = { .type = NLA_U32, },
};

/* VTUN_CMD_DEV_GET - do */
static const struct nla_policy vtun_dev_get_nl_policy[VTUN_A_IFINDEX + 1] = {
	[VTUN_A_IFINDEX] = { .type = NLA_U32, },
};

/* VTUN_CMD_SA_NEW - do */
static const struct nla_policy vtun_sa_new_nl_policy[VTUN_A_SA + 1] = {
	[VTUN_A_IFINDEX] = { .type = NLA_U32, },
	[VTUN_A_SA] = NLA_POLICY_NESTED(vtun_sa_nl_policy),
};

/* VTUN_CMD_SA_DEL - do */
static const struct nla_policy vtun_sa_del_nl_policy[VTUN_A_SA + 1] = {
	[VTUN_A_IFINDEX] = { .type = NLA_U32, },
	[VTUN_A_SA] = NLA_POLICY_NESTED(vtun_sa_nl_policy),
};

/* VTUN_CMD_SA_GET - do */
static const struct nla_policy vtun_sa_get_do_nl_policy[VTUN_A_SA + 1] = {
	[VTUN_A_IFINDEX] = { .type = NLA_U32, },
	[VTUN_A_SA] = NLA_POLICY_NESTED(vtun_sa_nl_policy),
};

/* VTUN_CMD_SA_GET - dump */
static const struct nla_policy vtun_sa_get_dump_nl_policy[VTUN_A_IFINDEX + 1] = {
	[VTUN_A_IFINDEX] = { .type = NLA_U32, },
};

/* VTUN_CMD_PROXY_ID_NEW - do */
static const struct nla_policy vtun_proxy_id_new_nl_policy[VTUN_A_PROXY_ID + 1] = {
	[VTUN_A_IFINDEX] = { .type = NLA_U32, },
	[VTUN_A_PROXY_ID] = NLA_POLICY_NESTED(vtun_proxy_id_nl_policy),
};

/* VTUN_CMD_PROXY_ID_DEL - do */
static const struct nla_policy vtun_proxy_id_del_nl_policy[VTUN_A_PROXY_ID + 1] = {
	[VTUN_A_IFINDEX] = { .type = NLA_U32, },
	[VTUN_A_PROXY_ID] = NLA_POLICY_NESTED(vtun_proxy_id_nl_policy),
};

/* VTUN_CMD_PROXY_ID_GET - do */
static const struct nla_policy vtun_proxy_id_get_do_nl_policy[VTUN_A_PROXY_ID + 1] = {
	[VTUN_A_IFINDEX] = { .type = NLA_U32, },
	[VTUN_A_PROXY_ID] = NLA_POLICY_NESTED(vtun_proxy_id_nl_policy),
};

/* VTUN_CMD_PROXY_ID_GET - dump */
static const struct nla_policy vtun_proxy_id_get_dump_nl_policy[VTUN_A_IFINDEX + 1] = {
	[VTUN_A_IFINDEX] = { .type = NLA_U32, },
};

/* VTUN_CMD_SA_SET - do */
static const struct nla_policy vtun_sa_set_nl_policy[VTUN_A_SA + 1] = {
	[VTUN_A_IFINDEX] = { .type = NLA_U32, },
	[VTUN_A_SA] = NLA_POLICY_NESTED(vtun_sa_nl_policy),
};

/* VTUN_CMD_SPI_ALLOC - do */
static const struct nla_policy vtun_spi_alloc_nl_policy[VTUN_A_SPI_ALLOC + 1] = {
	[VTUN_A_IFINDEX] = { .type = NLA_U32, },
	[VTUN_A_SPI_ALLOC] = NLA_POLICY_NESTED(vtun_spi_range_nl_policy),
};

/* VTUN_CMD_MONITOR_NEW - do */
static const struct nla_policy vtun_monitor_new_nl_policy[VTUN_A_MONITOR + 1] = {
	[VTUN_A_IFINDEX] = { .type = NLA_U32, },
	[VTUN_A_MONITOR] = NLA_POLICY_NESTED(vtun_monitor_nl_policy),
};

/* VTUN_CMD_MONITOR_SET - do */
static const struct nla_policy vtun_monitor_set_nl_policy[VTUN_A_MONITOR + 1] = {
	[VTUN_A_IFINDEX] = { .type = NLA_U32, },
	[VTUN_A_MONITOR] = NLA_POLICY_NESTED(vtun_monitor_nl_policy),
};

/* VTUN_CMD_MONITOR_DEL - do */
static const struct nla_policy vtun_monitor_del_nl_policy[VTUN_A_IFINDEX + 1] = {
	[VTUN_A_IFINDEX] = { .type = NLA_U32, },
};

/* VTUN_CMD_MONITOR_GET - do */
static const struct nla_policy vtun_monitor_get_nl_policy[VTUN_A_IFINDEX + 1] = {
	[VTUN_A_IFINDEX] = { .type = NLA_U32, },
};

/* Ops table for vtun */
static const struct genl_split_ops vtun_nl_ops[] = {
	{
		.cmd		= VTUN_CMD_DEV_GET,
		.pre_doit	= vtun_nl_pre_doit,
		.doit		= vtun_nl_dev_get_doit,
		.post_doit	= vtun_nl_post_doit,
		.policy		= vtun_dev_get_nl_policy,
		.maxattr	= VTUN_A_IFINDEX,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd	= VTUN_CMD_DEV_GET,
		.dumpit	= vtun_nl_dev_get_dumpit,
		.flags	= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= VTUN_CMD_SA_NEW,
		.pre_doit	= vtun_nl_pre_doit,
		.doit		= vtun_nl_sa_new_doit,
		.post_doit	= vtun_nl_post_doit,
		.policy		= vtun_sa_new_nl_policy,
		.maxattr	= VTUN_A_SA,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VTUN_CMD_SA_DEL,
		.pre_doit	= vtun_nl_pre_doit,
		.doit		= vtun_nl_sa_del_doit,
		.post_doit	= vtun_nl_post_doit,
		.policy		= vtun_sa_del_nl_policy,
		.maxattr	= VTUN_A_SA,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VTUN_CMD_SA_GET,
		.pre_doit	= vtun_nl_pre_doit,
		.doit		= vtun_nl_sa_get_doit,
		.post_doit	= vtun_nl_post_doit,
		.policy		= vtun_sa_get_do_nl_policy,
		.maxattr	= VTUN_A_SA,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VTUN_CMD_SA_GET,
		.dumpit		= vtun_nl_sa_get_dumpit,
		.policy		= vtun_sa_get_dump_nl_policy,
		.maxattr	= VTUN_A_IFINDEX,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= VTUN_CMD_PROXY_ID_NEW,
		.pre_doit	= vtun_nl_pre_doit,
		.doit		= vtun_nl_proxy_id_new_doit,
		.post_doit	= vtun_nl_post_doit,
		.policy		= vtun_proxy_id_new_nl_policy,
		.maxattr	= VTUN_A_PROXY_ID,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VTUN_CMD_PROXY_ID_DEL,
		.pre_doit	= vtun_nl_pre_doit,
		.doit		= vtun_nl_proxy_id_del_doit,
		.post_doit	= vtun_nl_post_doit,
		.policy		= vtun_proxy_id_del_nl_policy,
		.maxattr	= VTUN_A_PROXY_ID,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VTUN_CMD_PROXY_ID_GET,
		.pre_doit	= vtun_nl_pre_doit,
		.doit		= vtun_nl_proxy_id_get_doit,
		.post_doit	= vtun_nl_post_doit,
		.policy		= vtun_proxy_id_get_do_nl_policy,
		.maxattr	= VTUN_A_PROXY_ID,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VTUN_CMD_PROXY_ID_GET,
		.dumpit		= vtun_nl_proxy_id_get_dumpit,
		.policy		= vtun_proxy_id_get_dump_nl_policy,
		.maxattr	= VTUN_A_IFINDEX,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= VTUN_CMD_SA_SET,
		.pre_doit	= vtun_nl_pre_doit,
		.doit		= vtun_nl_sa_set_doit,
		.post_doit	= vtun_nl_post_doit,
		.policy		= vtun_sa_set_nl_policy,
		.maxattr	= VTUN_A_SA,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VTUN_CMD_SPI_ALLOC,
		.pre_doit	= vtun_nl_pre_doit,
		.doit		= vtun_nl_spi_alloc_doit,
		.post_doit	= vtun_nl_post_doit,
		.policy		= vtun_spi_alloc_nl_policy,
		.maxattr	= VTUN_A_SPI_ALLOC,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VTUN_CMD_MONITOR_NEW,
		.pre_doit	= vtun_nl_pre_doit,
		.doit		= vtun_nl_monitor_new_doit,
		.post_doit	= vtun_nl_post_doit,
		.policy		= vtun_monitor_new_nl_policy,
		.maxattr	= VTUN_A_MONITOR,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VTUN_CMD_MONITOR_SET,
		.pre_doit	= vtun_nl_pre_doit,
		.doit		= vtun_nl_monitor_set_doit,
		.post_doit	= vtun_nl_post_doit,
		.policy		= vtun_monitor_set_nl_policy,
		.maxattr	= VTUN_A_MONITOR,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VTUN_CMD_MONITOR_DEL,
		.pre_doit	= vtun_nl_pre_doit,
		.doit		= vtun_nl_monitor_del_doit,
		.post_doit	= vtun_nl_post_doit,
		.policy		= vtun_monitor_del_nl_policy,
		.maxattr	= VTUN_A_IFINDEX,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VTUN_CMD_MONITOR_GET,
		.pre_doit	= vtun_nl_pre_doit,
		.doit		= vtun_nl_monitor_get_doit,
		.post_doit	= vtun_nl_post_doit,
		.policy		= vtun_monitor_get_nl_policy,
		.maxattr	= VTUN_A_IFINDEX,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
};

static const struct genl_multicast_group vtun_nl_mcgrps[] = {
	[VTUN_NLGRP_EVENTS] = { "events", },
};

struct genl_family vtun_nl_family __ro_after_init = {
	.name		= VTUN_FAMILY_NAME,
	.version	= VTUN_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= vtun_nl_ops,
	.n_split_ops	= ARRAY_SIZE(vtun_nl_ops),
	.mcgrps		= vtun_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(vtun_nl_mcgrps),
};
