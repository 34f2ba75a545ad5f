/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences, in one place. Supported: 6.1 LTS, 6.12 LTS
 * and the newest (compile-checked against Debian's newest kernel).
 */
#ifndef _VTUN_COMPAT_H
#define _VTUN_COMPAT_H

#include <linux/version.h>
#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <linux/timer.h>
#include <net/inet_sock.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>
#include <net/udp_tunnel.h>

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

/*
 * rtnl_link_ops.newlink takes its arguments packed since 6.15. Write the
 * handler the old way, name it in the ops with VTUN_NEWLINK(fn) and put
 * VTUN_NEWLINK_WRAPPER(fn) after it. The old src_net was the link netns.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 15, 0)
#define VTUN_NEWLINK(fn) fn
#define VTUN_NEWLINK_WRAPPER(fn)
#else
#define VTUN_NEWLINK(fn) fn##_params
#define VTUN_NEWLINK_WRAPPER(fn)					\
static int fn##_params(struct net_device *dev,				\
		       struct rtnl_newlink_params *params,		\
		       struct netlink_ext_ack *extack)			\
{									\
	return fn(rtnl_newlink_link_net(params), dev, params->tb,	\
		  params->data, extack);				\
}
#endif

/*
 * Devices are killed per namespace under RTNL (exit_rtnl) since 6.16, by
 * batch of namespaces (exit_batch_rtnl) before. Write the per-namespace
 * handler, name it with VTUN_PERNET_EXIT_RTNL(fn) in the pernet ops and
 * put VTUN_PERNET_EXIT_RTNL_WRAPPER(fn) after it.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 16, 0)
#define VTUN_PERNET_EXIT_RTNL(fn) .exit_batch_rtnl = fn##_batch
#define VTUN_PERNET_EXIT_RTNL_WRAPPER(fn)				\
static void __net_exit fn##_batch(struct list_head *net_list,		\
				  struct list_head *dev_kill_list)	\
{									\
	struct net *net;						\
									\
	list_for_each_entry(net, net_list, exit_list)			\
		fn(net, dev_kill_list);					\
}
#else
#define VTUN_PERNET_EXIT_RTNL(fn) .exit_rtnl = fn
#define VTUN_PERNET_EXIT_RTNL_WRAPPER(fn)
#endif

/* from_timer() is timer_container_of() since 6.16. */
#ifndef timer_container_of
#define timer_container_of(var, timer, field) from_timer(var, timer, field)
#endif

/*
 * setup_udp_tunnel_sock() and udp_tunnel_sock_release() take the struct
 * sock instead of the struct socket since 7.1 (and in stable updates of
 * older kernels): follow the declaration, not the version.
 */
#define vtun_udp_tunnel_arg(fn, type, sock)				\
	_Generic(&(fn), type : (sock)->sk, default : (sock))

static inline void vtun_setup_udp_tunnel_sock(struct socket *sock,
					      struct udp_tunnel_sock_cfg *cfg)
{
	setup_udp_tunnel_sock(sock_net(sock->sk),
			      vtun_udp_tunnel_arg(setup_udp_tunnel_sock,
						  void (*)(struct net *,
							   struct sock *,
							   struct udp_tunnel_sock_cfg *),
						  sock),
			      cfg);
}

static inline void vtun_udp_tunnel_sock_release(struct socket *sock)
{
	udp_tunnel_sock_release(vtun_udp_tunnel_arg(udp_tunnel_sock_release,
						    void (*)(struct sock *),
						    sock));
}

#endif /* _VTUN_COMPAT_H */
