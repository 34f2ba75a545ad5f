// SPDX-License-Identifier: GPL-2.0
/*
 * Security associations.
 */

#include "device.h"
#include "netlink.h"

int vtun_sa_new(struct vtun_dev *vd, struct genl_info *info)
{
	NL_SET_ERR_MSG(info->extack, "sa: not supported yet");
	return -EOPNOTSUPP;
}

int vtun_sa_del(struct vtun_dev *vd, struct genl_info *info)
{
	NL_SET_ERR_MSG(info->extack, "sa: not supported yet");
	return -EOPNOTSUPP;
}

int vtun_sa_get(struct vtun_dev *vd, struct genl_info *info)
{
	NL_SET_ERR_MSG(info->extack, "sa: not supported yet");
	return -EOPNOTSUPP;
}

int vtun_sa_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return -EOPNOTSUPP;
}
