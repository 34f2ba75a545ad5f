/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_TX_H
#define _VTUN_TX_H

#include <linux/netdevice.h>

struct vtun_dev;
struct vtun_params;

netdev_tx_t vtun_xmit(struct sk_buff *skb, struct net_device *dev);
void vtun_xmit_keepalive(struct vtun_dev *vd, const struct vtun_params *p);

#endif /* _VTUN_TX_H */
