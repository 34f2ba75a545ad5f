/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_RX_H
#define _VTUN_RX_H

#include <linux/skbuff.h>

struct vtun_sa;

void vtun_esp_input(struct sk_buff *skb, struct vtun_sa *sa, u8 outer_tos,
		    bool udp);
int vtun_rx_init(void);
void vtun_rx_exit(void);

#endif /* _VTUN_RX_H */
