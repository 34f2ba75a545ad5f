// SPDX-License-Identifier: GPL-2.0
/*
 * IKE's UDP sockets: ports 500 and 4500, IPv4 and IPv6, either wildcard
 * ones (when a gateway has local-address any) or one per configured local
 * address. IP_PKTINFO / IPV6_RECVPKTINFO tell the engine the address a
 * request went to, and replies leave from it. On 4500 every IKE message
 * carries the 4-byte zero non-ESP marker (RFC 3948); this file adds and
 * strips it.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "daemon.h"

#define NET_SOCKS_MAX	64
#define NET_MSG_MAX	65536
#define NET_RCVBUF	(2 << 20)

struct net_sock {
	struct iked_fd efd;		/* first: the loop hands it back */
	struct sockaddr_storage addr;	/* bound address and port */
	uint16_t port;
};

/* Variables for the unit tests, which cannot bind ports below 1024. */
static uint16_t ike_port = 500, natt_port = 4500;
static struct net_sock socks[NET_SOCKS_MAX];
static int n_socks;
static bool wildcard;
static uint8_t rxbuf[NET_MSG_MAX];

void net_set_ports(uint16_t ike, uint16_t natt)
{
	ike_port = ike;
	natt_port = natt;
}

enum net_rx net_classify_4500(const uint8_t *buf, size_t len)
{
	/* A NAT keepalive is one 0xff byte (RFC 3948 section 2.3). */
	if (len == 1 && buf[0] == 0xff)
		return NET_RX_KEEPALIVE;
	if (len < 4)
		return NET_RX_SHORT;
	if (buf[0] | buf[1] | buf[2] | buf[3])
		return NET_RX_ESP;	/* an SPI: not ours while no encap */
	return NET_RX_IKE;
}

/* The local address of a datagram from its IP_PKTINFO/IPV6_PKTINFO. */
static void local_of(const struct net_sock *s, struct msghdr *mh,
		     struct sockaddr_storage *local)
{
	struct cmsghdr *c;

	*local = s->addr;
	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in *)local)->sin_addr = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
			   c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in6 *)local)->sin6_addr = pi.ipi6_addr;
		}
	}
}

static void net_rx(struct iked_fd *f, uint32_t events)
{
	struct net_sock *s = (struct net_sock *)f;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_storage peer, local;
	struct iovec iov = { rxbuf, sizeof(rxbuf) };
	struct msghdr mh = {
		.msg_name = &peer, .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf,
	};
	const uint8_t *msg = rxbuf;
	ssize_t len;
	int i;

	(void)events;
	/* A bounded batch: other sockets get their turn. */
	for (i = 0; i < 32; i++) {
		mh.msg_namelen = sizeof(peer);
		mh.msg_controllen = sizeof(ctl.buf);
		len = recvmsg(f->fd, &mh, MSG_DONTWAIT);
		if (len < 0) {
			if (errno != EAGAIN && errno != EINTR)
				iked_log(LOG_WARNING, "recv on port %u: %s",
					 s->port, strerror(errno));
			return;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			ike_drops[IKE_DROP_SHORT]++;
			continue;
		}
		msg = rxbuf;
		if (s->port == natt_port) {
			switch (net_classify_4500(rxbuf, len)) {
			case NET_RX_KEEPALIVE:
				continue;
			case NET_RX_SHORT:
				ike_drops[IKE_DROP_SHORT]++;
				continue;
			case NET_RX_ESP:
				/* Until the socket is a device's encap-fd. */
				iked_log(LOG_DEBUG, "ESP in UDP on port 4500 ignored");
				continue;
			case NET_RX_IKE:
				msg += 4;
				len -= 4;
				break;
			}
		}
		local_of(s, &mh, &local);
		ike_recv(&local, &peer, msg, len);
	}
}

static int sock_open(const struct sockaddr_storage *addr, uint16_t port)
{
	struct net_sock *s;
	char buf[INET6_ADDRSTRLEN];
	int fd, one = 1, rcvbuf = NET_RCVBUF;
	socklen_t alen = addr->ss_family == AF_INET ?
			 sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);

	if (n_socks == NET_SOCKS_MAX) {
		iked_log(LOG_ERR, "too many local addresses");
		return -1;
	}
	s = &socks[n_socks];
	memset(s, 0, sizeof(*s));
	s->addr = *addr;
	s->port = port;
	addr_set_port(&s->addr, port);
	fd = socket(addr->ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0)
		goto fail;
	if (addr->ss_family == AF_INET) {
		if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)))
			goto fail;
	} else if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			      sizeof(one)) ||
		   setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
			      sizeof(one))) {
		goto fail;
	}
	/* A restarted daemon binds again at once. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/*
	 * A hub's peers all start (and restart) at once: room for a burst
	 * of IKE_SA_INIT requests from hundreds of them, as root beyond
	 * net.core.rmem_max.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&s->addr, alen))
		goto fail;
	/*
	 * NAT-T hook: ESP in UDP reaches a vtun device through this port
	 * 4500 socket, handed to the device as its encap-fd (net_encap_fd)
	 * once a tunnel's IKE SA detects a NAT; the device then takes the
	 * ESP datagrams and leaves the marked IKE ones here.
	 */
	s->efd.fd = fd;
	s->efd.fn = net_rx;
	if (iked_fd_add(&s->efd)) {
		close(fd);
		return -1;
	}
	n_socks++;
	iked_log(LOG_INFO, "listening on %s port %u",
		 addr_str(addr, buf, sizeof(buf)), port);
	return 0;
fail:
	iked_log(LOG_ERR, "socket for %s port %u: %s",
		 addr_str(addr, buf, sizeof(buf)), port, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

void net_close(void)
{
	int i;

	for (i = 0; i < n_socks; i++) {
		iked_fd_del(&socks[i].efd);
		close(socks[i].efd.fd);
	}
	n_socks = 0;
}

/* The local addresses the configuration needs; true: the wildcards. */
static bool wanted(const struct iked_config *conf,
		   struct sockaddr_storage *addrs, int *n)
{
	int i, j;

	*n = 0;
	for (i = 0; i < conf->n_gw; i++)
		if (conf->gw[i]->local.ss_family == AF_UNSPEC)
			return true;
	for (i = 0; i < conf->n_gw && *n < NET_SOCKS_MAX / 2; i++) {
		for (j = 0; j < *n; j++)
			if (addr_eq(&addrs[j], &conf->gw[i]->local))
				break;
		if (j == *n)
			addrs[(*n)++] = conf->gw[i]->local;
	}
	return false;
}

int net_open(const struct iked_config *conf)
{
	struct sockaddr_storage addrs[NET_SOCKS_MAX / 2];
	bool wild;
	int n, i, j, err = 0;

	wild = wanted(conf, addrs, &n);
	if (wild) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&addrs[0];
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&addrs[1];

		memset(addrs, 0, 2 * sizeof(addrs[0]));
		sin->sin_family = AF_INET;
		sin6->sin6_family = AF_INET6;
		n = 2;
	}
	/* A reload that needs the same sockets keeps them. */
	if (n_socks == 2 * n && wild == wildcard) {
		for (i = 0; i < n; i++) {
			for (j = 0; j < n_socks; j++)
				if (addr_eq(&socks[j].addr, &addrs[i]))
					break;
			if (j == n_socks)
				break;
		}
		if (i == n)
			return 0;
	}
	net_close();
	wildcard = wild;
	for (i = 0; i < n; i++) {
		if (sock_open(&addrs[i], ike_port) ||
		    sock_open(&addrs[i], natt_port)) {
			/* IPv6 may be disabled: the IPv4 wildcard suffices. */
			if (!(wild && addrs[i].ss_family == AF_INET6))
				err = -1;
		}
	}
	return err;
}

static struct net_sock *sock_for(const struct sockaddr_storage *local,
				 int family, uint16_t port)
{
	int i;

	for (i = 0; i < n_socks; i++) {
		struct net_sock *s = &socks[i];

		if (s->addr.ss_family != family || s->port != port)
			continue;
		if (wildcard || addr_eq(&s->addr, local))
			return s;
	}
	return NULL;
}

int net_encap_fd(const struct sockaddr_storage *local)
{
	struct net_sock *s = sock_for(local, local->ss_family, natt_port);

	return s ? s->efd.fd : -1;
}

int iked_send(const struct sockaddr_storage *local,
	      const struct sockaddr_storage *peer,
	      const uint8_t *msg, size_t len)
{
	static const uint8_t marker[4];
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	uint16_t port = addr_port(local) ? addr_port(local) : ike_port;
	struct iovec iov[2];
	struct msghdr mh = { 0 };
	struct net_sock *s;
	struct cmsghdr *c;
	int n = 0;

	s = sock_for(local, peer->ss_family, port);
	if (!s) {
		iked_log(LOG_WARNING, "no socket on port %u to send from", port);
		return -ENOTCONN;
	}
	if (port == natt_port)
		iov[n++] = (struct iovec){ (void *)marker, sizeof(marker) };
	iov[n++] = (struct iovec){ (void *)msg, len };
	mh.msg_name = (void *)peer;
	mh.msg_namelen = peer->ss_family == AF_INET ?
			 sizeof(struct sockaddr_in) :
			 sizeof(struct sockaddr_in6);
	mh.msg_iov = iov;
	mh.msg_iovlen = n;
	/* From the address the peer talks to, when the socket is a wildcard. */
	if (wildcard && local->ss_family == peer->ss_family && !addr_is_any(local)) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		c = (struct cmsghdr *)ctl.buf;
		if (local->ss_family == AF_INET) {
			struct in_pktinfo pi = {
				.ipi_spec_dst =
				((const struct sockaddr_in *)local)->sin_addr,
			};

			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		} else {
			struct in6_pktinfo pi = {
				.ipi6_addr =
				((const struct sockaddr_in6 *)local)->sin6_addr,
			};

			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	}
	if (sendmsg(s->efd.fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		int err = errno;
		char buf[INET6_ADDRSTRLEN];

		iked_log(LOG_WARNING, "send to %s port %u: %s",
			 addr_str(peer, buf, sizeof(buf)), addr_port(peer),
			 strerror(err));
		return -err;
	}
	return 0;
}
