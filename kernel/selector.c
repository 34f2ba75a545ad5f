// SPDX-License-Identifier: GPL-2.0
/*
 * Proxy IDs (traffic selectors): which SA pair carries which traffic.
 */

#include "device.h"
#include "selector.h"

int vtun_proxy_id_new(struct vtun_dev *vd, struct genl_info *info)
{
	return -EOPNOTSUPP;
}

int vtun_proxy_id_del(struct vtun_dev *vd, struct genl_info *info)
{
	return -EOPNOTSUPP;
}

int vtun_proxy_id_get(struct vtun_dev *vd, struct genl_info *info)
{
	return -EOPNOTSUPP;
}

int vtun_proxy_id_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return -EOPNOTSUPP;
}
