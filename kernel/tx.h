/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_TX_H
#define _VTUN_TX_H

#include <linux/netdevice.h>

netdev_tx_t vtun_xmit(struct sk_buff *skb, struct net_device *dev);

#endif /* _VTUN_TX_H */
