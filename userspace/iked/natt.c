// SPDX-License-Identifier: GPL-2.0
/*
 * NAT traversal (RFC 7296 2.23, RFC 3948): NAT_DETECTION_SOURCE_IP and
 * NAT_DETECTION_DESTINATION_IP in IKE_SA_INIT, the initiator's float to
 * port 4500 when a NAT is found, the device's path (remote address, ESP in
 * UDP through the daemon's own port 4500 socket, keepalives when we are
 * the one behind the NAT), and the peer's address or port changing under
 * an authenticated message (a NAT mapping change) applied to the kernel
 * SAs at once with sa-set peer, or seen by the kernel on authenticated
 * ESP in UDP (peer-ntf) and followed by IKE.
 */

#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "ikesa.h"
#include "ikev2.h"

static const char *who(const struct ike_sa *sa)
{
	return sa->tun ? sa->tun->name : sa->gw->name;
}

static bool natt_on(const struct ike_sa *sa)
{
	return sa->natd && (sa->nat_local || sa->nat_peer);
}

/*
 * Our two notifies, over the SPIs of the message being built (the
 * responder's is 0 in the request). An initiator that does not know its
 * own address yet (local-address any) sends a source hash that matches
 * nothing: both sides then see a NAT and use ESP in UDP, which works
 * whether there is one or not (strongSwan's encap=yes does the same).
 */
void natt_add_notifies(const struct ike_sa *sa, struct ike_buf *b)
{
	uint8_t src[IKE_NATD_LEN], dst[IKE_NATD_LEN];
	uint64_t spi_r = sa->initiator ? 0 : sa->spi_r;

	if (crypto_natd_hash(sa->spi_i, spi_r, &sa->peer, dst))
		return;
	if (sa->local.ss_family == AF_UNSPEC || addr_is_any(&sa->local)) {
		if (crypto_random(src, sizeof(src)))
			return;
	} else if (crypto_natd_hash(sa->spi_i, spi_r, &sa->local, src)) {
		return;
	}
	msg_add_notify(b, IKEV2_PROTO_NONE, 0, 0,
		       IKEV2_N_NAT_DETECTION_SOURCE_IP, src, sizeof(src));
	msg_add_notify(b, IKEV2_PROTO_NONE, 0, 0,
		       IKEV2_N_NAT_DETECTION_DESTINATION_IP, dst, sizeof(dst));
}

/* Does @n carry the hash of @addr under the SPIs of @p's header? */
static bool natd_match(const struct ike_parsed *p, const struct ike_notify *n,
		       const struct sockaddr_storage *addr)
{
	uint8_t h[IKE_NATD_LEN];

	return n->len == IKE_NATD_LEN &&
	       !crypto_natd_hash(p->hdr.spi_i, p->hdr.spi_r, addr, h) &&
	       crypto_memeq(h, n->data, IKE_NATD_LEN);
}

/*
 * The peer's NAT-D notifies in the IKE_SA_INIT request or answer that came
 * from @peer to @local. Source hashes (one per address the peer may send
 * from) not matching @peer: the peer is behind a NAT; the destination hash
 * not matching @local: we are. Without both kinds the peer does not do NAT
 * traversal, and nothing changes. An initiator that found a NAT moves to
 * port 4500 for IKE_AUTH and everything after it.
 */
void natt_detect(struct ike_sa *sa, const struct ike_parsed *p,
		 const struct sockaddr_storage *local,
		 const struct sockaddr_storage *peer)
{
	bool src = false, dst = false, src_ok = false, dst_ok = false;
	char a[64], b[64];
	int i;

	for (i = 0; i < p->n_notify; i++) {
		const struct ike_notify *n = &p->notify[i];

		if (n->type == IKEV2_N_NAT_DETECTION_SOURCE_IP) {
			src = true;
			src_ok |= natd_match(p, n, peer);
		} else if (n->type == IKEV2_N_NAT_DETECTION_DESTINATION_IP) {
			dst = true;
			dst_ok |= natd_match(p, n, local);
		}
	}
	if (!src || !dst)
		return;
	sa->natd = true;
	sa->nat_peer = !src_ok;
	/* our random source hash (local-address any): as if behind one */
	sa->nat_local = !dst_ok || (sa->initiator &&
				    (sa->gw->local.ss_family == AF_UNSPEC ||
				     addr_is_any(&sa->gw->local)));
	if (!natt_on(sa))
		return;
	iked_log(LOG_INFO, "%s: NAT detected:%s%s (peer %s port %u, local %s)",
		 who(sa), sa->nat_local ? " we are behind one" : "",
		 sa->nat_peer ? " the peer is behind one" : "",
		 addr_str(peer, a, sizeof(a)), addr_port(peer),
		 addr_str(local, b, sizeof(b)));
	if (sa->initiator) {
		addr_set_port(&sa->local, IKEV2_NATT_PORT);
		if (addr_port(&sa->peer) == IKEV2_PORT)
			addr_set_port(&sa->peer, IKEV2_NATT_PORT);
	}
}

/* What ike show reports: what natt_child_path() programs. */
void natt_info(const struct ike_sa *sa, struct ike_sa_info *i)
{
	i->natd = sa->natd;
	i->nat_local = sa->natd && sa->nat_local;
	i->nat_peer = sa->natd && sa->nat_peer;
	i->encap = natt_on(sa);
	i->keepalive = i->encap && sa->nat_local ? sa->gw->nat_keepalive : 0;
}

static const struct child_sa *installed(const struct ike_sa *sa)
{
	const struct child_sa *c;

	for (c = sa->child; c; c = c->next)
		if (c->installed)
			return c;
	return NULL;
}

/*
 * An authenticated message from @peer to @local. The responder sees the
 * initiator's float to 4500 here (any NAT or none); with a NAT, a new
 * address or port of the peer is a mapping change: IKE follows it, and so
 * do the kernel SAs, all of the device's in one sa-set. Returns true if
 * the addresses changed.
 */
bool natt_rx(struct ike_sa *sa, const struct sockaddr_storage *local,
	     const struct sockaddr_storage *peer)
{
	bool floated = addr_port(local) == IKEV2_NATT_PORT &&
		       addr_port(&sa->local) != IKEV2_NATT_PORT;
	const struct child_sa *c;
	char a[64];
	int err;

	if (addr_eq(peer, &sa->peer) && addr_port(peer) == addr_port(&sa->peer) &&
	    addr_port(local) == addr_port(&sa->local))
		return false;
	if (!floated && !natt_on(sa))
		return false;
	iked_log(floated ? LOG_INFO : LOG_NOTICE,
		 "%s: peer %s at %s port %u", who(sa),
		 floated ? "floated, now" : "moved (NAT mapping change), now",
		 addr_str(peer, a, sizeof(a)), addr_port(peer));
	sa->peer = *peer;
	if (sa->local.ss_family == AF_UNSPEC || addr_is_any(&sa->local) ||
	    addr_eq(local, &sa->local))
		sa->local = *local;
	else
		addr_set_port(&sa->local, addr_port(local));
	c = installed(sa);
	if (!sa->path_set || !c)
		return true;
	err = iked_kernel_peer_set(c->tun->ifindex, c->spi_out, peer,
				   natt_on(sa));
	if (err)
		iked_log(LOG_ERR, "%s: peer of %s not updated: %s", who(sa),
			 c->tun->dev, strerror(-err));
	else
		sa->path_peer = *peer;
	return true;
}

/*
 * Before the first CHILD SA of @sa goes into the kernel: with a NAT, ESP in
 * UDP on the device with our port 4500 socket and the peer's address and
 * port, keepalives if we are the one behind it; without, the remote
 * address only when the configuration has none (peer-address any).
 */
int natt_child_path(struct ike_sa *sa, const struct child_sa *c)
{
	struct iked_kernel_path p = { .ifindex = c->tun->ifindex };
	int err;

	if (sa->path_set && addr_eq(&sa->path_peer, &sa->peer) &&
	    addr_port(&sa->path_peer) == addr_port(&sa->peer))
		return 0;
	if (!natt_on(sa) && sa->gw->peer.ss_family != AF_UNSPEC) {
		sa->path_set = true;
		sa->path_peer = sa->peer;
		return 0;
	}
	if (natt_on(sa) && c->protocol != IKEV2_PROTO_ESP) {
		iked_log(LOG_ERR, "%s: AH cannot traverse a NAT", who(sa));
		return -EPROTONOSUPPORT;
	}
	p.local = sa->local;
	p.peer = sa->peer;
	p.encap = natt_on(sa);
	p.keepalive = p.encap && sa->nat_local ? sa->gw->nat_keepalive : 0;
	err = iked_kernel_path_set(&p);
	if (err) {
		iked_log(LOG_ERR, "%s: path of %s to the peer: %s", who(sa),
			 c->tun->dev, strerror(-err));
		return err;
	}
	sa->path_set = true;
	sa->path_peer = sa->peer;
	return 0;
}

/*
 * The kernel moved the device's peer: ESP in UDP on inbound CHILD SA
 * @spi_in that passed the ICV and replay checks, the newest of its SA,
 * came from @peer (a NAT in front of the peer gave it a new mapping while
 * no IKE message went through). The packet is authenticated by keys of
 * this IKE SA, so IKE follows at once, as XFRM users follow
 * XFRM_MSG_MAPPING, and only when the peer is behind a NAT: requests and
 * retransmissions go to the new address and port. An empty INFORMATIONAL
 * then checks the path (unless a request is out already, which does the
 * same); its authenticated answer confirms it, no answer through the
 * retransmission schedule declares the peer dead as any lost request
 * does. The kernel SAs are there already: no sa-set.
 */
void ike_peer_moved(int ifindex, uint32_t spi_in,
		    const struct sockaddr_storage *peer)
{
	struct ike_sa *sa;
	char a[64];

	for (sa = ike_engine_current()->sas; sa; sa = sa->next) {
		struct child_sa *c = child_by_spi(sa, false, spi_in);

		if (!c || !c->installed || c->tun->ifindex != ifindex)
			continue;
		if (sa->state != IKE_S_ESTABLISHED || !sa->natd ||
		    !sa->nat_peer || peer->ss_family != sa->peer.ss_family ||
		    (addr_eq(peer, &sa->peer) &&
		     addr_port(peer) == addr_port(&sa->peer)))
			return;
		iked_log(LOG_NOTICE,
			 "%s: peer moved (NAT mapping change seen on ESP), now at %s port %u",
			 who(sa), addr_str(peer, a, sizeof(a)), addr_port(peer));
		sa->peer = *peer;
		sa->path_peer = *peer;
		if (!sa->req_busy)
			ike_send_informational(sa);
		return;
	}
}
