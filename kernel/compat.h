/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences, in one place. Supported: 6.1 LTS, 6.12 LTS
 * and the newest.
 */
#ifndef _VTUN_COMPAT_H
#define _VTUN_COMPAT_H

#include <linux/version.h>
#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <net/inet_sock.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
/*
 * No split genetlink ops before 6.2: the generated ops table is
 * translated into classic genl_ops at registration (compat.c). The type
 * stays incomplete outside compat.c.
 */
struct genl_split_ops;
#define VTUN_COMPAT_GENL_SPLIT_OPS 1
#endif

int vtun_genl_register(void);
void vtun_genl_unregister(void);

static inline struct nlattr **vtun_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
	return genl_dumpit_info(cb)->attrs;
#else
	return genl_info_dump(cb)->attrs;
#endif
}

static inline void vtun_set_lltx(struct net_device *dev)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
	dev->features |= NETIF_F_LLTX;
#else
	dev->lltx = true;
#endif
}

/* Completion callbacks take the request's data since 6.3. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
#define VTUN_CRYPTO_CB_ARG struct crypto_async_request *base, int err
#define vtun_crypto_cb_data(base) ((base)->data)
#else
#define VTUN_CRYPTO_CB_ARG void *base, int err
#define vtun_crypto_cb_data(base) (base)
#endif

/* Undo setup_udp_tunnel_sock() on a socket given back to its owner. */
static inline void vtun_udp_sk_restore(struct sock *sk)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
	inet_sk(sk)->mc_loop = 1;
#else
	inet_set_bit(MC_LOOP, sk);
#endif
	inet_dec_convert_csum(sk);
}

#endif /* _VTUN_COMPAT_H */
