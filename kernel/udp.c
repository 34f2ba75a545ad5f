// SPDX-License-Identifier: GPL-2.0
/*
 * ESP in UDP (RFC 3948) for NAT traversal: the UDP sockets ESP arrives
 * on, the UDP header on transmit, the remote gateway's translated address
 * and port learned from authenticated packets, and NAT keepalives.
 *
 * ICMP errors about our datagrams reach the socket's error path
 * (__udp4_lib_err, __udp6_lib_err), which updates the path MTU for
 * encapsulation sockets as the ESP error handlers in rx.c do.
 */

#include <linux/file.h>
#include <linux/net.h>
#include <net/dsfield.h>
#include <net/esp.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "compat.h"
#include "device.h"
#include "netlink.h"
#include "rx.h"
#include "sa.h"
#include "tx.h"
#include "udp.h"

/*
 * A UDP socket ESP arrives on. Either vtun opened it for a (family, local
 * address or any, port) and the devices of the namespace that ask for the
 * same share it, or a caller (an IKE daemon) passed its own socket, which
 * keeps everything vtun does not take. All fields change under RTNL.
 */
struct vtun_udp_sock {
	struct sock *sk;
	struct socket *sock;		/* opened by vtun; NULL: the caller's */
	struct list_head net_node;	/* vtun_net.udp_socks (vtun's only) */
	struct list_head users;		/* devices attached */
	unsigned int refs;		/* devices and prepared changes */
	struct vtun_dev __rcu *count_dev; /* counts ESP nobody owns */
	sa_family_t family;
	union vtun_addr addr;
	u16 port;
	struct rcu_head rcu;
};

/*
 * ESP (a non-zero SPI where the non-ESP marker would be) for an SA of a
 * device attached to this socket is taken; a NAT keepalive is absorbed.
 * The rest (IKE behind the non-ESP marker, other SPIs) stays on a
 * caller's socket and is dropped on vtun's own: an SPI no device of the
 * socket has an SA for as rx-no-sa, anything else as rx-malformed. Which
 * device it was meant for is unknown: the first one attached to the
 * socket counts it, so that each drop is counted once.
 */
static int vtun_udp_encap_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct vtun_udp_sock *us = rcu_dereference_sk_user_data(sk);
	unsigned int len = skb->len - sizeof(struct udphdr);
	enum vtun_drop reason = VTUN_DROP_RX_MALFORMED;
	const struct ip_esp_hdr *esph;
	struct vtun_dev *vd;
	struct vtun_sa *sa;

	/* The owner of a caller's socket may have given it to XFRM or L2TP. */
	if (!us || READ_ONCE(udp_sk(sk)->encap_type) != UDP_ENCAP_ESPINUDP)
		return 1;
	if (!pskb_may_pull(skb, sizeof(struct udphdr) + min(len, 8U)))
		goto not_ours;
	esph = (const struct ip_esp_hdr *)(skb->data + sizeof(struct udphdr));
	if (len == 1 && *(const u8 *)esph == 0xff) {
		consume_skb(skb);
		return 0;
	}
	if (len <= sizeof(*esph) || !esph->spi)
		goto not_ours;
	reason = VTUN_DROP_RX_NO_SA;
	sa = vtun_sa_lookup_in(sock_net(sk), esph->spi, VTUN_PROTO_ESP);
	if (!sa)
		goto not_ours;
	if (rcu_access_pointer(sa->vd->natt.sock) != us) {
		vtun_sa_put(sa);
		goto not_ours;
	}
	/* The UDP header stays in the headroom for vtun_udp_learn(). */
	skb_reset_transport_header(skb);
	__skb_pull(skb, sizeof(struct udphdr));
	vtun_esp_input(skb, sa, vtun_skb_dsfield(skb), true);
	return 0;

not_ours:
	if (!us->sock)
		return 1;
	vd = rcu_dereference(us->count_dev);
	if (vd)
		vtun_count_drop(vd, reason);
	kfree_skb(skb);
	return 0;
}

static bool vtun_udp_match(const struct vtun_udp_sock *us,
			   const struct vtun_params *p)
{
	return us->sock && us->family == p->family &&
	       us->port == p->encap_sport &&
	       !memcmp(&us->addr, &p->local, sizeof(us->addr));
}

static struct vtun_udp_sock *vtun_udp_alloc(sa_family_t family, u16 port)
{
	struct vtun_udp_sock *us = kzalloc(sizeof(*us), GFP_KERNEL);

	if (!us)
		return NULL;
	INIT_LIST_HEAD(&us->net_node);
	INIT_LIST_HEAD(&us->users);
	us->family = family;
	us->port = port;
	us->refs = 1;
	return us;
}

static void vtun_udp_encap_destroy(struct sock *sk);

/*
 * A caller's socket tells vtun when its owner closes it; vtun's own are
 * closed by vtun, under RTNL.
 */
static void vtun_udp_setup_sock(struct vtun_udp_sock *us,
				struct socket *sock)
{
	struct udp_tunnel_sock_cfg cfg = {
		.sk_user_data	= us,
		.encap_type	= UDP_ENCAP_ESPINUDP,
		.encap_rcv	= vtun_udp_encap_rcv,
		.encap_destroy	= us->sock ? NULL : vtun_udp_encap_destroy,
	};

	us->sk = sock->sk;
	vtun_setup_udp_tunnel_sock(sock, &cfg);
}

/* vtun's own socket for the parameters' family, local address and port. */
static struct vtun_udp_sock *vtun_udp_get(struct vtun_dev *vd,
					  const struct vtun_params *p,
					  const struct nlattr *attr,
					  struct netlink_ext_ack *extack)
{
	struct vtun_net *vn = vtun_net(vd->net);
	struct udp_port_cfg cfg = {
		.family = p->family,
		.local_udp_port = htons(p->encap_sport),
	};
	struct vtun_udp_sock *us;
	struct socket *sock;
	int err;

	list_for_each_entry(us, &vn->udp_socks, net_node) {
		if (vtun_udp_match(us, p)) {
			us->refs++;
			return us;
		}
	}
	if (p->family == AF_INET) {
		cfg.local_ip.s_addr = p->local.v4;
	} else {
		cfg.local_ip6 = p->local.v6;
		cfg.ipv6_v6only = 1;
		cfg.use_udp6_rx_checksums = 1;
		cfg.use_udp6_tx_checksums = 1;
	}
	us = vtun_udp_alloc(p->family, p->encap_sport);
	if (!us)
		return ERR_PTR(-ENOMEM);
	err = udp_sock_create(vd->net, &cfg, &sock);
	if (err) {
		kfree(us);
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "encap-sport: cannot bind the UDP port on the local address");
		return ERR_PTR(err);
	}
	us->sock = sock;
	us->addr = p->local;
	vtun_udp_setup_sock(us, sock);
	list_add(&us->net_node, &vn->udp_socks);
	return us;
}

static int vtun_udp_check_fd(struct vtun_dev *vd, const struct vtun_params *p,
			     struct sock *sk, const struct nlattr *attr,
			     struct netlink_ext_ack *extack)
{
	if (sk->sk_type != SOCK_DGRAM || sk->sk_protocol != IPPROTO_UDP ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "encap-fd: not a UDP socket");
		return -EINVAL;
	}
	if (sk->sk_family != p->family) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "encap-fd: socket family differs from the tunnel's");
		return -EINVAL;
	}
	if (!net_eq(sock_net(sk), vd->net)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "encap-fd: socket is in another network namespace");
		return -EINVAL;
	}
	if (!inet_sk(sk)->inet_num) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "encap-fd: socket is not bound");
		return -EINVAL;
	}
	/*
	 * A dual-stack socket would hand IPv4 datagrams (as v4-mapped
	 * addresses) to an IPv6 tunnel. IPV6_V6ONLY cannot change once the
	 * socket is bound.
	 */
	if (sk->sk_family == AF_INET6 && !sk->sk_ipv6only) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "encap-fd: IPv6 socket without IPV6_V6ONLY");
		return -EINVAL;
	}
	return 0;
}

/*
 * The caller's socket, attached as drivers/net/ovpn does: vtun becomes its
 * UDP encapsulation, shared by the vtun devices given the same socket. It
 * holds the sock, not the file: closing the socket stops reception, and
 * the attachment goes when the last device lets it go.
 */
static struct vtun_udp_sock *vtun_udp_attach_fd(struct vtun_dev *vd,
						const struct vtun_params *p,
						const struct nlattr *attr,
						struct netlink_ext_ack *extack)
{
	struct vtun_udp_sock *us;
	struct socket *sock;
	struct sock *sk;
	int err;

	sock = sockfd_lookup(nla_get_s32(attr), &err);
	if (!sock) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "encap-fd: not a socket");
		return ERR_PTR(err);
	}
	sk = sock->sk;
	err = vtun_udp_check_fd(vd, p, sk, attr, extack);
	if (err)
		goto out;
	lock_sock(sk);
	rcu_read_lock();
	us = rcu_dereference_sk_user_data(sk);
	rcu_read_unlock();
	if (READ_ONCE(udp_sk(sk)->encap_rcv) == vtun_udp_encap_rcv) {
		/* Ours, under RTNL: it cannot go away meanwhile. */
		us->refs++;
	} else if (READ_ONCE(udp_sk(sk)->encap_type) || us) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "encap-fd: socket already used by another encapsulation");
		err = -EBUSY;
	} else {
		us = vtun_udp_alloc(sk->sk_family, ntohs(inet_sk(sk)->inet_sport));
		if (us) {
			sock_hold(sk);
			vtun_udp_setup_sock(us, sock);
		} else {
			err = -ENOMEM;
		}
	}
	release_sock(sk);
out:
	sockfd_put(sock);
	return err ? ERR_PTR(err) : us;
}

/*
 * Give a caller's socket back as it was, minus the encapsulation flag;
 * an encapsulation its owner set since (UDP_ENCAP) stays.
 */
static void vtun_udp_detach(struct sock *sk)
{
	lock_sock(sk);
	if (READ_ONCE(udp_sk(sk)->encap_rcv) == vtun_udp_encap_rcv) {
		WRITE_ONCE(udp_sk(sk)->encap_type, 0);
		WRITE_ONCE(udp_sk(sk)->encap_rcv, NULL);
	}
	WRITE_ONCE(udp_sk(sk)->encap_destroy, NULL);
	rcu_assign_sk_user_data(sk, NULL);
	vtun_udp_sk_restore(sk);
	release_sock(sk);
	sock_put(sk);
}

static void vtun_udp_put(struct vtun_udp_sock *us)
{
	if (--us->refs)
		return;
	if (us->sock) {
		list_del(&us->net_node);
		/* Clears sk_user_data and waits for readers. */
		vtun_udp_tunnel_sock_release(us->sock);
		kfree(us);
	} else {
		vtun_udp_detach(us->sk);
		kfree_rcu(us, rcu);
	}
}

static void vtun_udp_join(struct vtun_dev *vd, struct vtun_udp_sock *us)
{
	list_add_tail(&vd->natt.sock_node, &us->users);
	if (!rcu_access_pointer(us->count_dev))
		rcu_assign_pointer(us->count_dev, vd);
}

static void vtun_udp_leave(struct vtun_dev *vd, struct vtun_udp_sock *us)
{
	list_del_init(&vd->natt.sock_node);
	if (rcu_access_pointer(us->count_dev) == vd)
		rcu_assign_pointer(us->count_dev,
				   list_first_entry_or_null(&us->users,
							    struct vtun_dev,
							    natt.sock_node));
}

/*
 * The owner closed its socket (udp_destroy_sock(): process context, no
 * socket lock held, as for packet_release(), which takes RTNL too).
 * Every device attached lets it go and says so; they keep encap udp
 * without a socket until encap-fd, encap-sport or encap is given again.
 */
static void vtun_udp_encap_destroy(struct sock *sk)
{
	struct vtun_udp_sock *us;
	struct vtun_dev *vd;

	rtnl_lock();
	rcu_read_lock();
	us = rcu_dereference_sk_user_data(sk);
	rcu_read_unlock();
	/* Attached and detached under RTNL: @us cannot go away meanwhile. */
	if (!us || us->sock || us->sk != sk)
		goto out;
	us->refs++;
	while ((vd = list_first_entry_or_null(&us->users, struct vtun_dev,
					      natt.sock_node))) {
		netdev_info(vd->dev,
			    "encap-fd socket closed by its owner, ESP in UDP no longer received\n");
		vtun_udp_leave(vd, us);
		RCU_INIT_POINTER(vd->natt.sock, NULL);
		vtun_udp_put(us);
	}
	vtun_udp_put(us);
out:
	rtnl_unlock();
}

/*
 * Rules of ESP in UDP: tunnel mode only (transport mode behind a NAT
 * needs the checksum fix-ups of RFC 3948 3.1.2, which vtun does not do),
 * an address family to open the socket in, non-zero ports.
 */
int vtun_udp_parse(struct vtun_params *p, struct nlattr *data[],
		   struct netlink_ext_ack *extack)
{
	struct nlattr *encap = data[IFLA_VTUN_ENCAP];

	if (encap)
		p->encap = nla_get_u8(encap);
	if (data[IFLA_VTUN_ENCAP_SPORT])
		p->encap_sport = nla_get_u16(data[IFLA_VTUN_ENCAP_SPORT]);
	if (data[IFLA_VTUN_ENCAP_DPORT])
		p->encap_dport = nla_get_u16(data[IFLA_VTUN_ENCAP_DPORT]);
	if (data[IFLA_VTUN_KEEPALIVE])
		p->keepalive = nla_get_u16(data[IFLA_VTUN_KEEPALIVE]);

	if (!p->encap_sport) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_VTUN_ENCAP_SPORT],
				    "encap-sport: port 0 is not allowed");
		return -EINVAL;
	}
	if (!p->encap_dport) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_VTUN_ENCAP_DPORT],
				    "encap-dport: port 0 is not allowed");
		return -EINVAL;
	}
	if (!vtun_encap_udp(p)) {
		if (data[IFLA_VTUN_ENCAP_FD]) {
			NL_SET_ERR_MSG_ATTR(extack, data[IFLA_VTUN_ENCAP_FD],
					    "encap-fd: requires encap udp");
			return -EINVAL;
		}
		return 0;
	}
	if (p->mode != VTUN_MODE_TUNNEL) {
		NL_SET_ERR_MSG_ATTR(extack, encap ?: data[IFLA_VTUN_MODE],
				    "encap: ESP in UDP requires tunnel mode");
		return -EINVAL;
	}
	if (p->family == AF_UNSPEC) {
		NL_SET_ERR_MSG_ATTR(extack, encap ?: data[IFLA_VTUN_LOCAL] ?:
					    data[IFLA_VTUN_REMOTE],
				    "encap: ESP in UDP requires a local or remote address");
		return -EINVAL;
	}
	return 0;
}

/*
 * Find or open the socket the new parameters need; nothing changes until
 * vtun_udp_commit(). A caller's socket stays attached until encap-fd,
 * encap-sport or encap none replace it or the address family changes.
 */
int vtun_udp_prepare(struct vtun_dev *vd, struct vtun_params *p,
		     struct nlattr *data[], struct vtun_udp_change *chg,
		     struct netlink_ext_ack *extack)
{
	struct vtun_udp_sock *cur = rtnl_dereference(vd->natt.sock), *us;
	const struct vtun_params *old = rtnl_dereference(vd->params);
	struct nlattr *fd = data ? data[IFLA_VTUN_ENCAP_FD] : NULL;
	struct nlattr *sport = data ? data[IFLA_VTUN_ENCAP_SPORT] : NULL;

	chg->sock = NULL;
	chg->replace = cur;
	if (!vtun_encap_udp(p))
		return 0;
	/* The caller's socket was closed: no socket until one is asked for. */
	if (!fd && !cur && !sport && !(data && data[IFLA_VTUN_ENCAP]) && old &&
	    vtun_encap_udp(old) && old->family == p->family)
		return 0;
	if (!fd && cur && !cur->sock && cur->family == p->family && !sport) {
		p->encap_sport = cur->port;
		chg->replace = false;
		return 0;
	}
	if (!fd && cur && vtun_udp_match(cur, p)) {
		chg->replace = false;
		return 0;
	}
	if (fd)
		us = vtun_udp_attach_fd(vd, p, fd, extack);
	else
		us = vtun_udp_get(vd, p, sport ?: (data ? data[IFLA_VTUN_ENCAP] :
					   NULL), extack);
	if (IS_ERR(us))
		return PTR_ERR(us);
	p->encap_sport = us->port;
	chg->sock = us;
	chg->replace = true;
	return 0;
}

static bool vtun_udp_peer_stale(const struct vtun_params *old,
				const struct vtun_params *p)
{
	return !old || old->family != p->family || old->encap != p->encap ||
	       old->encap_dport != p->encap_dport ||
	       memcmp(&old->remote, &p->remote, sizeof(p->remote));
}

/* Apply a prepared change once @p is the device's parameters. */
void vtun_udp_commit(struct vtun_dev *vd, const struct vtun_params *old,
		     const struct vtun_params *p, struct vtun_udp_change *chg)
{
	struct vtun_natt *n = &vd->natt;

	if (chg->replace) {
		struct vtun_udp_sock *cur = rtnl_dereference(n->sock);

		if (cur)
			vtun_udp_leave(vd, cur);
		if (chg->sock)
			vtun_udp_join(vd, chg->sock);
		rcu_assign_pointer(n->sock, chg->sock);
		if (cur)
			vtun_udp_put(cur);
	}
	if (vtun_udp_peer_stale(old, p)) {
		write_seqlock_bh(&n->peer_lock);
		n->peer_learned = false;
		write_sequnlock_bh(&n->peer_lock);
	}
	if (!vtun_encap_udp(p) || !p->keepalive)
		timer_delete_sync(&n->keepalive);
	else if (!old || !vtun_encap_udp(old) ||
		 old->keepalive != p->keepalive || !timer_pending(&n->keepalive))
		mod_timer(&n->keepalive, jiffies + p->keepalive * HZ);
}

void vtun_udp_abort(struct vtun_udp_change *chg)
{
	if (chg->sock)
		vtun_udp_put(chg->sock);
}

/* RFC 3948 2.3: one 0xFF byte to keep the NAT mapping alive. */
static void vtun_udp_keepalive(struct timer_list *t)
{
	struct vtun_dev *vd = timer_container_of(vd, t, natt.keepalive);
	const struct vtun_params *p;
	unsigned long next = 0;

	rcu_read_lock_bh();
	p = rcu_dereference_bh(vd->params);
	if (vtun_encap_udp(p) && p->keepalive) {
		vtun_xmit_keepalive(vd, p);
		next = p->keepalive * HZ;
	}
	rcu_read_unlock_bh();
	if (next)
		mod_timer(&vd->natt.keepalive, jiffies + next);
}

void vtun_udp_setup(struct vtun_dev *vd)
{
	INIT_LIST_HEAD(&vd->natt.sock_node);
	seqlock_init(&vd->natt.peer_lock);
	timer_setup(&vd->natt.keepalive, vtun_udp_keepalive, 0);
}

void vtun_udp_uninit(struct vtun_dev *vd)
{
	struct vtun_udp_sock *us = rtnl_dereference(vd->natt.sock);

	timer_shutdown_sync(&vd->natt.keepalive);
	if (!us)
		return;
	vtun_udp_leave(vd, us);
	RCU_INIT_POINTER(vd->natt.sock, NULL);
	vtun_udp_put(us);
}

/* Where outer packets go: the learned peer, else the configured remote. */
void vtun_udp_peer(struct vtun_dev *vd, const struct vtun_params *p,
		   union vtun_addr *addr, __be16 *port)
{
	const struct vtun_natt *n = &vd->natt;
	unsigned int seq;

	if (!vtun_encap_udp(p)) {
		*addr = p->remote;
		*port = 0;
		return;
	}
	do {
		seq = read_seqbegin(&n->peer_lock);
		if (n->peer_learned) {
			*addr = n->peer;
			*port = n->peer_port;
		} else {
			*addr = p->remote;
			*port = htons(p->encap_dport);
		}
	} while (read_seqretry(&n->peer_lock, seq));
}

/*
 * Called for an ESP in UDP packet of @sa that passed the ICV and replay
 * checks, with the outer IP and UDP headers still in front of it: its
 * source is where the remote gateway now is (RFC 3948 behind a NAT that
 * rebinds). A change is reported to the IKE daemon (peer-ntf), at most
 * once a second; one held back by that limit goes with a later packet.
 */
void vtun_udp_learn(struct vtun_sa *sa, const struct sk_buff *skb)
{
	const struct udphdr *uh = udp_hdr(skb);
	struct vtun_dev *vd = sa->vd;
	struct vtun_natt *n = &vd->natt;
	union vtun_addr addr = { };
	bool v4 = ip_hdr(skb)->version == 4;
	unsigned int seq;
	bool same;

	if (v4)
		addr.v4 = ip_hdr(skb)->saddr;
	else
		addr.v6 = ipv6_hdr(skb)->saddr;
	do {
		seq = read_seqbegin(&n->peer_lock);
		same = n->peer_learned && n->peer_port == uh->source &&
		       !memcmp(&n->peer, &addr, sizeof(addr));
	} while (read_seqretry(&n->peer_lock, seq));
	if (same && !READ_ONCE(n->peer_ntf))
		return;
	if (!same) {
		write_seqlock_bh(&n->peer_lock);
		n->peer = addr;
		n->peer_port = uh->source;
		n->peer_learned = true;
		write_sequnlock_bh(&n->peer_lock);
		dst_cache_reset(&vd->dst_cache);
		WRITE_ONCE(n->peer_ntf, true);
	}
	if (vtun_nl_event_allowed(vd, &n->peer_ntf_stamp) &&
	    vtun_nl_peer_notify(sa, &addr, v4 ? sizeof(addr.v4) : sizeof(addr.v6),
				uh->source))
		WRITE_ONCE(n->peer_ntf, false);
}

/*
 * sa-set moves the peer (a NAT mapping change, a peer that moved): with
 * ESP in UDP the current peer address and port, as if learned; else the
 * remote address, in new parameters. Checked and allocated here under
 * RTNL, applied by vtun_udp_peer_commit(), which cannot fail. On error,
 * a message in @extack; @port_bad: the port is at fault, else the address.
 */
int vtun_udp_peer_prepare(struct vtun_dev *vd, const struct vtun_peer_req *r,
			  struct vtun_peer_change *c,
			  struct netlink_ext_ack *extack, bool *port_bad)
{
	const struct vtun_params *p = rtnl_dereference(vd->params);
	unsigned int alen = vtun_addr_len(p->family);
	union vtun_addr a = { };

	memset(c, 0, sizeof(*c));
	*port_bad = false;
	if (r->has_port && !vtun_encap_udp(p)) {
		NL_SET_ERR_MSG(extack, "peer-port: requires encap udp");
		*port_bad = true;
		return -EINVAL;
	}
	if (r->addr) {
		if (!alen) {
			NL_SET_ERR_MSG(extack,
				       "peer: the tunnel has no address family yet (no local or remote)");
			return -EINVAL;
		}
		if (r->addr_len != alen) {
			NL_SET_ERR_MSG(extack,
				       "peer: address family differs from the tunnel's");
			return -EINVAL;
		}
		memcpy(&a, r->addr, alen);
		if (ipv6_addr_any(&a.v6)) {
			NL_SET_ERR_MSG(extack,
				       "peer: the unspecified address is not a peer");
			return -EINVAL;
		}
	}
	if (!vtun_encap_udp(p)) {
		c->params = kmemdup(p, sizeof(*p), GFP_KERNEL);
		if (!c->params)
			return -ENOMEM;
		c->params->remote = a;
		return 0;
	}
	vtun_udp_peer(vd, p, &c->addr, &c->port);
	if (r->addr)
		c->addr = a;
	if (r->has_port)
		c->port = htons(r->port);
	if (ipv6_addr_any(&c->addr.v6)) {
		NL_SET_ERR_MSG(extack,
			       "peer: missing, the device knows no peer address yet");
		*port_bad = true;
		return -EINVAL;
	}
	c->natt = true;
	return 0;
}

/* One atomic change for the transmit path, which reads both together. */
void vtun_udp_peer_commit(struct vtun_dev *vd, struct vtun_peer_change *c)
{
	struct vtun_natt *n = &vd->natt;

	if (c->natt) {
		write_seqlock_bh(&n->peer_lock);
		n->peer = c->addr;
		n->peer_port = c->port;
		n->peer_learned = true;
		write_sequnlock_bh(&n->peer_lock);
	} else if (c->params) {
		struct vtun_params *old = rtnl_dereference(vd->params);

		rcu_assign_pointer(vd->params, c->params);
		kfree_rcu(old, rcu);
		c->params = NULL;
	} else {
		return;
	}
	dst_cache_reset(&vd->dst_cache);
}

/* The UDP header between the outer IP header and ESP; checksum 0 (IPv4). */
void vtun_udp_push(struct sk_buff *skb, const struct vtun_params *p,
		   __be16 dport)
{
	struct udphdr *uh = skb_push(skb, sizeof(*uh));

	uh->source = htons(p->encap_sport);
	uh->dest = dport;
	uh->len = htons(skb->len);
	uh->check = 0;
}

/*
 * IPv6 needs a real UDP checksum (RFC 8200 8.1), over the ciphertext: done
 * once encryption is finished, as esp6.c's esp_output_encap_csum().
 */
void vtun_udp_csum6(struct sk_buff *skb)
{
	struct ipv6hdr *ip6h = ipv6_hdr(skb);
	unsigned int off = skb_network_offset(skb) + sizeof(*ip6h);
	struct udphdr *uh = (struct udphdr *)(ip6h + 1);
	__wsum csum;

	if (ip6h->nexthdr != IPPROTO_UDP)
		return;
	uh->check = 0;
	csum = skb_checksum(skb, off, skb->len - off, 0);
	uh->check = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr,
				    ntohs(uh->len), IPPROTO_UDP, csum);
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
	skb->ip_summed = CHECKSUM_NONE;
}
