/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_RX_H
#define _VTUN_RX_H

int vtun_rx_init(void);
void vtun_rx_exit(void);

#endif /* _VTUN_RX_H */
