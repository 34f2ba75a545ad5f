// SPDX-License-Identifier: GPL-2.0
/*
 * The IKEv2 engine (RFC 7296): IKE SAs and their exchanges.
 *
 * Every SA has a window of one in each direction: one request of ours
 * outstanding (retransmitted with exponential backoff as strongSwan does:
 * 4 s * 1.8^n, five retransmissions, 165 s in all) and one response of ours
 * cached for the peer's last request, resent when that request comes again.
 * A datagram is parsed, matched to an SA and to the window, and decrypted
 * before anything changes: what fails one of those steps is counted in
 * ike_drops under one reason and changes nothing.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <arpa/inet.h>
#include <openssl/crypto.h>

#include "ikesa.h"

#define HALF_OPEN_MS	30000	/* responder: IKE_AUTH must follow */
#define DEAD_MS		10000	/* failed SA: answers retransmissions */
#define KE_RETRIES	3
#define COOKIE_TRIES	3	/* N(COOKIE) answers followed */
#define RESTART_MS	5000	/* "start" tunnels: after the SA is gone */

#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))

uint64_t ike_drops[IKE_DROP_MAX];
const char *const ike_drop_names[IKE_DROP_MAX] = {
	[IKE_DROP_SHORT] = "short",
	[IKE_DROP_VERSION] = "version",
	[IKE_DROP_MALFORMED] = "malformed",
	[IKE_DROP_NO_SA] = "no-sa",
	[IKE_DROP_MSGID] = "msgid",
	[IKE_DROP_INTEGRITY] = "integrity",
	[IKE_DROP_UNEXPECTED] = "unexpected",
};

/* Certificates and CAs of one gateway, loaded when first used. */
struct gw_cred {
	const struct iked_gateway *gw;
	struct auth_cred cred;
	struct auth_ca ca;
	bool ok;
};

static struct ike_engine engine0;
static struct ike_engine *eng = &engine0;

struct ike_engine *ike_engine_current(void)
{
	return eng;
}

void ike_engine_switch(struct ike_engine *e)
{
	memcpy(eng->drops, ike_drops, sizeof(ike_drops));
	eng = e;
	memcpy(ike_drops, eng->drops, sizeof(ike_drops));
}

void ike_drop(enum ike_drop why)
{
	ike_drops[why]++;
}

static void drop_log(enum ike_drop why, const struct sockaddr_storage *peer,
		     const char *what)
{
	char a[INET6_ADDRSTRLEN];

	ike_drop(why);
	iked_log(LOG_DEBUG, "dropped from %s: %s (%s)",
		 addr_ip(peer, NULL) ? addr_str(peer, a, sizeof(a)) : "?",
		 ike_drop_names[why], what);
}

/* Our ID: configured, else the local address. */
static void local_id(const struct ike_sa *sa, struct iked_id *id)
{
	const struct iked_gateway *gw = sa->gw;

	if (gw->local_id.type) {
		*id = gw->local_id;
		return;
	}
	if (!addr_id(&sa->local, id)) {
		/* no address known yet: say who we are by name */
		id->type = IKEV2_ID_FQDN;
		id->len = (uint16_t)strlen(sa->gw->name);
		memcpy(id->data, sa->gw->name, id->len);
	}
}

/* ---- credentials ---------------------------------------------------------- */

static struct gw_cred *gw_cred(const struct iked_gateway *gw)
{
	struct gw_cred *c, *n;
	int i;

	for (i = 0; i < eng->n_creds; i++)
		if (eng->creds[i].gw == gw)
			return eng->creds[i].ok ? &eng->creds[i] : NULL;
	n = realloc(eng->creds, (size_t)(eng->n_creds + 1) * sizeof(*n));
	if (!n)
		return NULL;
	eng->creds = n;
	c = &n[eng->n_creds++];
	memset(c, 0, sizeof(*c));
	c->gw = gw;
	if (auth_cred_load(&c->cred, gw->cert, gw->key) ||
	    auth_ca_load(&c->ca, gw->ca)) {
		iked_log(LOG_ERR, "%s: cannot load certificates", gw->name);
		return NULL;
	}
	c->ok = true;
	return c;
}

static void creds_free(void)
{
	int i;

	for (i = 0; i < eng->n_creds; i++) {
		auth_cred_free(&eng->creds[i].cred);
		auth_ca_free(&eng->creds[i].ca);
	}
	free(eng->creds);
	eng->creds = NULL;
	eng->n_creds = 0;
}

/* ---- SA table ------------------------------------------------------------- */

static void rtx_fire(struct iked_timer *t);
static void life_fire(struct iked_timer *t);
static void start_fire(struct iked_timer *t);

static const char *state_name(enum ike_state s)
{
	switch (s) {
	case IKE_S_INIT_I:
	case IKE_S_AUTH_I:
	case IKE_S_INIT_R:
		return "connecting";
	case IKE_S_ESTABLISHED:
		return "established";
	case IKE_S_DELETING:
		return "deleting";
	case IKE_S_DEAD:
		return "failed";
	}
	return "?";
}

uint64_t new_spi(void)
{
	uint64_t spi = 0;

	while (!spi)
		if (crypto_random(&spi, sizeof(spi)))
			return 0;
	return spi;
}

struct ike_sa *sa_new(const struct iked_gateway *gw,
		      const struct iked_tunnel *t, bool initiator)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	if (!sa)
		return NULL;
	sa->gw = gw;
	sa->tun = t;
	sa->initiator = initiator;
	sa->rtx.fn = rtx_fire;
	sa->life.fn = life_fire;
	sa->req_proxy = -1;
	sa->next = eng->sas;
	eng->sas = sa;
	return sa;
}

static void free_buf(uint8_t **p, size_t *len)
{
	free(*p);
	*p = NULL;
	*len = 0;
}

static bool tunnel_is_down(const struct iked_tunnel *t)
{
	int i;

	for (i = 0; i < eng->n_down; i++)
		if (eng->down[i] == t)
			return true;
	return false;
}

static void set_down(const struct iked_tunnel *t, bool down)
{
	int i;

	for (i = 0; i < eng->n_down; i++)
		if (eng->down[i] == t) {
			if (!down)
				eng->down[i] = eng->down[--eng->n_down];
			return;
		}
	if (down && eng->n_down < IKED_PROXY_MAX)
		eng->down[eng->n_down++] = t;
}

static void sa_free(struct ike_sa *sa)
{
	struct ike_sa **pp;

	pace_done(sa);
	/* an always-up tunnel that lost its SA comes up again */
	if (sa->tun && sa->tun->start == IKED_START_START && !eng->stopping &&
	    !tunnel_is_down(sa->tun) && !eng->start.armed && !sa->no_restart)
		iked_timer_add(&eng->start, RESTART_MS);

	for (pp = &eng->sas; *pp; pp = &(*pp)->next)
		if (*pp == sa) {
			*pp = sa->next;
			break;
		}
	iked_timer_del(&sa->rtx);
	iked_timer_del(&sa->life);
	rekey_sa_free(sa);
	dpd_stop(sa);
	while (sa->child)
		child_free(sa->child, true);
	crypto_dh_free(sa->dh);
	crypto_ike_keys_clear(&sa->keys);
	free_buf(&sa->init_i, &sa->init_i_len);
	free_buf(&sa->init_r, &sa->init_r_len);
	free_buf(&sa->req, &sa->req_len);
	free_buf(&sa->resp, &sa->resp_len);
	free_buf(&sa->last_req, &sa->last_req_len);
	free(sa->info);
	frag_free(sa);
	OPENSSL_cleanse(sa, sizeof(*sa));
	free(sa);
}

/*
 * A failed SA: its kernel SAs go now, the SA itself a little later so that
 * a retransmitted request still gets the cached answer.
 */
static void sa_fail(struct ike_sa *sa, const char *why)
{
	iked_log(LOG_WARNING, "%s: IKE SA %016llx failed: %s",
		 sa->tun ? sa->tun->name : sa->gw->name,
		 (unsigned long long)sa->spi_i, why);
	while (sa->child)
		child_free(sa->child, true);
	iked_timer_del(&sa->rtx);
	sa->req_busy = false;
	pace_done(sa);
	sa->state = IKE_S_DEAD;
	iked_timer_add(&sa->life, DEAD_MS);
}

static void life_fire(struct iked_timer *t)
{
	struct ike_sa *sa = container_of(t, struct ike_sa, life);

	if (sa->state == IKE_S_INIT_R)
		iked_log(LOG_INFO, "%s: half-open IKE SA %016llx timed out",
			 sa->gw->name, (unsigned long long)sa->spi_i);
	if (sa->state != IKE_S_ESTABLISHED)
		sa_free(sa);
}

static struct ike_sa *sa_find(const struct ike_hdr *h,
			      const struct sockaddr_storage *peer)
{
	bool from_i = h->flags & IKEV2_FLAG_INITIATOR;
	struct ike_sa *sa;

	for (sa = eng->sas; sa; sa = sa->next) {
		if (sa->spi_i != h->spi_i || sa->initiator == from_i)
			continue;
		if (sa->spi_r == h->spi_r)
			return sa;
		/* the IKE_SA_INIT response gives us the responder's SPI */
		if (sa->initiator && sa->state == IKE_S_INIT_I &&
		    h->exchange == IKEV2_EXCH_IKE_SA_INIT &&
		    (h->flags & IKEV2_FLAG_RESPONSE) && !sa->spi_r)
			return sa;
		/* a retransmitted IKE_SA_INIT request */
		if (!sa->initiator && !h->spi_r && addr_eq(&sa->peer, peer) &&
		    h->exchange == IKEV2_EXCH_IKE_SA_INIT)
			return sa;
	}
	return NULL;
}

struct ike_sa *ike_sa_lookup(const struct ike_hdr *h,
			     const struct sockaddr_storage *peer)
{
	return sa_find(h, peer);
}

static struct ike_sa *sa_of_tunnel(const struct iked_tunnel *t)
{
	struct ike_sa *sa;

	for (sa = eng->sas; sa; sa = sa->next)
		if (sa->tun == t && sa->state != IKE_S_DEAD)
			return sa;
	return NULL;
}

static const struct iked_tunnel *tunnel_by_ifindex(int ifindex)
{
	int i;

	if (!eng->conf)
		return NULL;
	for (i = 0; i < eng->conf->n_tun; i++)
		if (eng->conf->tun[i]->ifindex == ifindex)
			return eng->conf->tun[i];
	return NULL;
}

/* ---- sending -------------------------------------------------------------- */

struct ike_sk *sk_out(struct ike_sa *sa)
{
	return sa->initiator ? &sa->keys.i2r : &sa->keys.r2i;
}

static const struct ike_sk *sk_in(const struct ike_sa *sa)
{
	return sa->initiator ? &sa->keys.r2i : &sa->keys.i2r;
}

static void hdr_init(const struct ike_sa *sa, struct ike_hdr *h, uint8_t exch,
		     bool response, uint32_t msgid)
{
	memset(h, 0, sizeof(*h));
	h->spi_i = sa->spi_i;
	h->spi_r = sa->spi_r;
	h->exchange = exch;
	h->flags = (sa->initiator ? IKEV2_FLAG_INITIATOR : 0) |
		   (response ? IKEV2_FLAG_RESPONSE : 0);
	h->msgid = msgid;
}

/* Starts an encrypted message of ours. */
void sk_begin(struct ike_sa *sa, struct ike_buf *b, uint8_t exch,
	      bool response, uint32_t msgid)
{
	struct ike_hdr h;

	hdr_init(sa, &h, exch, response, msgid);
	msg_init(b);
	msg_begin(b, &h);
	msg_sk_begin(b, sk_out(sa));
}

uint32_t ike_rtx_ms(const struct ike_sa *sa, int tries)
{
	double ms = sa->gw->rtx_base_ms ? sa->gw->rtx_base_ms : IKE_RTX_BASE_MS;
	int i;

	for (i = 0; i < tries; i++)
		ms *= 1.8;
	return (uint32_t)ms;
}

int ike_rtx_tries(const struct ike_sa *sa)
{
	return sa->gw->rtx_tries ? (int)sa->gw->rtx_tries : IKE_RTX_TRIES;
}

/* Sends a finished request and keeps it for retransmission. */
int send_request(struct ike_sa *sa, struct ike_buf *b, uint8_t exch)
{
	size_t len;
	uint8_t *m;

	if (b->err) {
		int err = b->err;

		msg_free(b);
		return err;
	}
	m = msg_steal(b, &len);
	msg_free(b);
	if (!m)
		return -ENOMEM;
	free(sa->req);
	sa->req = m;
	sa->req_len = len;
	sa->req_exch = exch;
	sa->req_busy = true;
	sa->req_tries = 0;
	frag_send(sa, m, len);
	iked_timer_add(&sa->rtx, ike_rtx_ms(sa, 0));
	return 0;
}

/* The response to the peer's request @req: sent and cached. */
static int send_response(struct ike_sa *sa, struct ike_buf *b,
			 const uint8_t *req, size_t req_len)
{
	uint8_t *m, *r;
	size_t len;

	if (b->err) {
		int err = b->err;

		msg_free(b);
		return err;
	}
	m = msg_steal(b, &len);
	msg_free(b);
	r = malloc(req_len);
	if (!m || !r) {
		free(m);
		free(r);
		return -ENOMEM;
	}
	memcpy(r, req, req_len);
	free(sa->resp);
	free(sa->last_req);
	sa->resp = m;
	sa->resp_len = len;
	sa->last_req = r;
	sa->last_req_len = req_len;
	sa->resp_msgid++;
	frag_send(sa, m, len);
	return 0;
}

int seal_and_respond(struct ike_sa *sa, struct ike_buf *b,
		     const uint8_t *req, size_t req_len)
{
	msg_seal_sk(b, sk_out(sa));
	return send_response(sa, b, req, req_len);
}

void request_done(struct ike_sa *sa)
{
	iked_timer_del(&sa->rtx);
	free_buf(&sa->req, &sa->req_len);
	sa->req_busy = false;
	sa->req_msgid++;
	sa->req_child = NULL;
	sa->req_rekey = NULL;
	sa->req_proxy = -1;
}

static void rtx_fire(struct iked_timer *t)
{
	struct ike_sa *sa = container_of(t, struct ike_sa, rtx);

	if (!sa->req_busy)
		return;
	if (sa->req_tries >= ike_rtx_tries(sa)) {
		if (sa->state == IKE_S_DELETING) {
			sa_free(sa);
			return;
		}
		dpd_dead(sa);
		sa_fail(sa, "peer not responding");
		return;
	}
	sa->req_tries++;
	iked_log(LOG_DEBUG, "%s: retransmit %s #%u (%d)",
		 sa->tun ? sa->tun->name : sa->gw->name,
		 msg_exchange_name(sa->req_exch), sa->req_msgid, sa->req_tries);
	frag_send(sa, sa->req, sa->req_len);
	iked_timer_add(&sa->rtx, ike_rtx_ms(sa, sa->req_tries));
}

/* An unencrypted answer to an IKE_SA_INIT request that creates no state. */
void init_notify(const struct ike_hdr *rq,
		 const struct sockaddr_storage *local,
		 const struct sockaddr_storage *peer, uint16_t type,
		 const uint8_t *data, size_t len)
{
	struct ike_hdr h = {
		.spi_i = rq->spi_i,
		.exchange = IKEV2_EXCH_IKE_SA_INIT,
		.flags = IKEV2_FLAG_RESPONSE,
		.msgid = 0,
	};
	struct ike_buf b;

	msg_init(&b);
	msg_begin(&b, &h);
	msg_add_notify(&b, IKEV2_PROTO_NONE, 0, 0, type, data, len);
	if (!msg_end(&b))
		iked_send(local, peer, b.data, b.len);
	msg_free(&b);
}

/* ---- IKE SA keys ---------------------------------------------------------- */

int ike_algs_of(const struct ike_choice *c, struct ike_algs *a)
{
	memset(a, 0, sizeof(*a));
	a->encr = crypto_encr(c->encr, c->encr_keylen);
	a->integ = c->integ ? crypto_integ(c->integ) : NULL;
	a->prf = crypto_prf(c->prf);
	a->dh = crypto_dh(c->dh);
	if (!a->encr || !a->prf || !a->dh || (c->integ && !a->integ) ||
	    (!a->encr->aead && !a->integ) || !a->encr->ike)
		return -EINVAL;
	return 0;
}

static int derive_ike(struct ike_sa *sa, const uint8_t *ke, size_t ke_len)
{
	uint8_t gir[IKE_DH_MAX];
	struct ike_algs a;
	size_t gl;
	int err;

	if (ike_algs_of(&sa->ch, &a))
		return -EINVAL;
	err = crypto_dh_derive(sa->dh, ke, ke_len, gir, sizeof(gir), &gl);
	if (err)
		return err;
	err = crypto_ike_keys(&sa->keys, &a, NULL, gir, gl, sa->ni, sa->ni_len,
			      sa->nr, sa->nr_len, sa->spi_i, sa->spi_r);
	OPENSSL_cleanse(gir, sizeof(gir));
	if (err)
		return err;
	sa->have_keys = true;
	crypto_dh_free(sa->dh);
	sa->dh = NULL;
	return 0;
}

int new_dh(struct ike_dh **dh, uint16_t group, uint8_t *pub,
	   size_t cap, size_t *len)
{
	const struct ike_dh_alg *alg = crypto_dh(group);

	crypto_dh_free(*dh);
	*dh = alg ? crypto_dh_new(alg) : NULL;
	if (!*dh)
		return -EINVAL;
	return crypto_dh_public(*dh, pub, cap, len);
}

/* ---- AUTH ----------------------------------------------------------------- */

/*
 * Our AUTH payload (and CERT payloads before it). @mine: our first message;
 * @nonce: the peer's nonce.
 */
static int add_auth(struct ike_sa *sa, struct ike_buf *b,
		    const struct iked_id *id)
{
	const uint8_t *msg = sa->initiator ? sa->init_i : sa->init_r;
	size_t mlen = sa->initiator ? sa->init_i_len : sa->init_r_len;
	const uint8_t *nonce = sa->initiator ? sa->nr : sa->ni;
	size_t nlen = sa->initiator ? sa->nr_len : sa->ni_len;
	const uint8_t *skp = sa->initiator ? sa->keys.sk_pi : sa->keys.sk_pr;
	uint8_t body[IKED_ID_MAX + 4], *oct, *sig;
	size_t olen, slen;
	int blen, err;

	blen = auth_id_body(id, body, sizeof(body));
	if (blen < 0)
		return blen;
	err = auth_octets(sa->keys.prf, skp, msg, mlen, nonce, nlen, body,
			  (size_t)blen, &oct, &olen);
	if (err)
		return err;
	if (sa->gw->auth == IKED_AUTH_PSK) {
		uint8_t mac[IKE_PRF_MAX];

		err = auth_psk(sa->keys.prf, sa->gw->psk, sa->gw->psk_len, oct,
			       olen, mac);
		if (!err)
			msg_add_auth(b, IKEV2_AUTH_SHARED_KEY_MIC, mac,
				     sa->keys.prf->out_len);
		OPENSSL_cleanse(mac, sizeof(mac));
	} else {
		struct gw_cred *c = gw_cred(sa->gw);
		uint8_t method;

		err = -ENOENT;
		if (c) {
			method = auth_method_for(&c->cred, sa->gw->auth);
			err = auth_sign(&c->cred, method, sa->peer_hashes,
					sa->gw->rsa_pss, oct, olen, &sig,
					&slen);
		}
		if (!err) {
			msg_add_auth(b, method, sig, slen);
			free(sig);
		}
	}
	free(oct);
	return err;
}

static int add_certs(struct ike_sa *sa, struct ike_buf *b)
{
	struct gw_cred *c;
	unsigned char *der = NULL;
	int len, i;

	if (sa->gw->auth == IKED_AUTH_PSK)
		return 0;
	c = gw_cred(sa->gw);
	if (!c)
		return -ENOENT;
	len = i2d_X509(c->cred.cert, &der);
	if (len <= 0)
		return -EINVAL;
	msg_add_cert(b, IKEV2_CERT_X509_SIG, der, (size_t)len);
	OPENSSL_free(der);
	for (i = 0; c->cred.chain && i < sk_X509_num(c->cred.chain); i++) {
		der = NULL;
		len = i2d_X509(sk_X509_value(c->cred.chain, i), &der);
		if (len <= 0)
			return -EINVAL;
		msg_add_cert(b, IKEV2_CERT_X509_SIG, der, (size_t)len);
		OPENSSL_free(der);
	}
	return 0;
}

static void add_certreq(const struct iked_gateway *gw, struct ike_buf *b)
{
	struct gw_cred *c;
	uint8_t ids[20 * 16];
	int n;

	if (gw->auth == IKED_AUTH_PSK)
		return;
	c = gw_cred(gw);
	if (!c)
		return;
	n = auth_ca_keyids(&c->ca, ids, sizeof(ids));
	if (n > 0)
		msg_add_certreq(b, IKEV2_CERT_X509_SIG, ids, (size_t)n);
}

static void add_sighash(const struct iked_gateway *gw, struct ike_buf *b)
{
	uint8_t d[16];
	int n;

	if (gw->auth == IKED_AUTH_PSK)
		return;
	n = auth_hash_notify(d, sizeof(d));
	if (n > 0)
		msg_add_notify(b, IKEV2_PROTO_NONE, 0, 0,
			       IKEV2_N_SIGNATURE_HASH_ALGORITHMS, d, (size_t)n);
}

/*
 * Checks the peer's ID against @gw and its AUTH payload. 0 or -EACCES.
 */
static int verify_auth(struct ike_sa *sa, const struct iked_gateway *gw,
		       const struct ike_parsed *p)
{
	const struct ike_idp *id = sa->initiator ? &p->idr : &p->idi;
	const uint8_t *msg = sa->initiator ? sa->init_r : sa->init_i;
	size_t mlen = sa->initiator ? sa->init_r_len : sa->init_i_len;
	const uint8_t *nonce = sa->initiator ? sa->ni : sa->nr;
	size_t nlen = sa->initiator ? sa->ni_len : sa->nr_len;
	const uint8_t *skp = sa->initiator ? sa->keys.sk_pr : sa->keys.sk_pi;
	uint8_t *oct;
	size_t olen;
	int err = -EACCES;

	if (!id->present || !p->has_auth)
		return -EACCES;
	if (!auth_id_equal(&gw->peer_id, id->type, id->data, id->len)) {
		iked_log(LOG_WARNING, "%s: peer ID does not match", gw->name);
		return -EACCES;
	}
	if (auth_octets(sa->keys.prf, skp, msg, mlen, nonce, nlen, id->body,
			id->body_len, &oct, &olen))
		return -ENOMEM;
	if (gw->auth == IKED_AUTH_PSK) {
		if (p->auth.kind == IKEV2_AUTH_SHARED_KEY_MIC &&
		    auth_psk_verify(sa->keys.prf, gw->psk, gw->psk_len, oct,
				    olen, p->auth.data, p->auth.len))
			err = 0;
	} else {
		struct gw_cred *c = gw_cred(gw);
		const uint8_t *der[IKE_CERT_MAX];
		size_t dl[IKE_CERT_MAX];
		X509 *leaf = NULL;
		int i, n = 0;

		for (i = 0; i < p->n_cert; i++)
			if (p->cert[i].kind == IKEV2_CERT_X509_SIG &&
			    n < AUTH_CHAIN_MAX) {
				der[n] = p->cert[i].data;
				dl[n++] = p->cert[i].len;
			}
		if (c && n && !auth_cert_verify(&c->ca, der, dl, n, &leaf)) {
			if (auth_id_match_cert(id->type, id->data, id->len,
					       leaf) &&
			    !auth_verify(leaf, p->auth.kind, p->auth.data,
					 p->auth.len, oct, olen))
				err = 0;
			X509_free(leaf);
		}
	}
	free(oct);
	if (!err) {
		sa->peer_id.type = id->type;
		sa->peer_id.len = (uint16_t)(id->len < IKED_ID_MAX ? id->len :
							     IKED_ID_MAX);
		memcpy(sa->peer_id.data, id->data, sa->peer_id.len);
		auth_id_str(id->type, id->data, id->len, sa->peer_id_s,
			    sizeof(sa->peer_id_s));
	}
	return err;
}

void log_established(const struct ike_sa *sa)
{
	const struct ike_encr_alg *e = crypto_encr(sa->ch.encr,
						   sa->ch.encr_keylen);
	const struct ike_integ_alg *a = crypto_integ(sa->ch.integ);
	const struct ike_prf_alg *f = crypto_prf(sa->ch.prf);
	const struct ike_dh_alg *d = crypto_dh(sa->ch.dh);

	iked_log(LOG_NOTICE, "%s: IKE SA %016llx_i %016llx_r established "
		 "with %s: %s%s%s %s %s",
		 sa->tun ? sa->tun->name : sa->gw->name,
		 (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
		 sa->peer_id_s, e ? e->name : "?", sa->ch.integ ? " " : "",
		 sa->ch.integ && a ? a->name : "", f ? f->name : "?",
		 d ? d->name : "?");
}

/* ---- CHILD SAs in IKE_AUTH and CREATE_CHILD_SA ---------------------------- */

static void ts_set(struct ike_ts_set *s, const struct ike_ts *ts, int n)
{
	s->n = n < IKE_TS_MAX ? n : IKE_TS_MAX;
	memcpy(s->ts, ts, (size_t)s->n * sizeof(*ts));
}

/* Our SA, TSi and TSr payloads for a CHILD SA we propose. */
static int add_child_request(struct ike_buf *b, struct child_sa *c, bool pfs,
			     uint16_t group)
{
	struct ike_proposal props[2];
	int n;

	n = ike_props_child(c->tun->ipsec, c->spi_in, pfs, props, 2);
	if (n <= 0)
		return -EINVAL;
	msg_add_sa(b, props, n);
	if (pfs) {
		uint8_t pub[IKE_DH_MAX];
		size_t len;

		if (new_dh(&c->dh, group, pub, sizeof(pub), &len))
			return -EINVAL;
		c->dh_group = group;
		msg_add_nonce(b, c->nonce, c->nonce_len);
		msg_add_ke(b, c->dh_group, pub, len);
	} else if (c->nonce_len) {
		msg_add_nonce(b, c->nonce, c->nonce_len);
	}
	child_ts_ours(c, &c->ts_l, &c->ts_r);
	msg_add_ts(b, IKEV2_PL_TSI, c->ts_l.ts, c->ts_l.n);
	msg_add_ts(b, IKEV2_PL_TSR, c->ts_r.ts, c->ts_r.n);
	return 0;
}

/* The first error notify of a response, 0 if none. */
uint16_t error_of(const struct ike_parsed *p)
{
	const struct ike_notify *n = msg_find_error(p);

	return n ? n->type : 0;
}

/*
 * KEYMAT and kernel SAs for @c with the nonces (and PFS secret) of its
 * exchange. Initiator's and responder's nonces in that order.
 */
static int child_keys_install(struct ike_sa *sa, struct child_sa *c,
			      const uint8_t *gir, size_t gir_len,
			      const uint8_t *ni, size_t ni_len,
			      const uint8_t *nr, size_t nr_len)
{
	struct ike_child_keys ck;
	struct ike_algs a;
	int err;

	if (child_algs(&c->ch, &a))
		return -EINVAL;
	err = crypto_child_keys(&ck, &sa->keys, &a, gir, gir_len, ni, ni_len,
				nr, nr_len);
	if (!err)
		err = child_install(c, &ck);
	crypto_child_keys_clear(&ck);
	return err;
}

/* Initiator: the responder's SA, TSi and TSr for @c. */
static int child_response(struct ike_sa *sa, struct child_sa *c,
			  const struct ike_parsed *p, bool pfs,
			  const uint8_t *ni, size_t ni_len,
			  const uint8_t *nr, size_t nr_len)
{
	struct ike_proposal ours[2];
	struct ike_ts_set l, r, tsi, tsr;
	uint8_t gir[IKE_DH_MAX];
	size_t gl = 0;
	int n, err;

	if (!p->has_sa || p->n_prop != 1 || !p->has_tsi || !p->has_tsr)
		return -EINVAL;
	if (ike_prop_choice(&p->prop[0], &c->ch) || p->prop[0].spi_len != 4)
		return -EINVAL;
	n = ike_props_child(c->tun->ipsec, c->spi_in, pfs, ours, 2);
	if (n <= 0 || !ike_choice_in(&c->ch, ours, n) ||
	    !child_choice_ok(&c->ch))
		return -EINVAL;
	c->spi_out = (uint32_t)p->prop[0].spi;
	child_ts_ours(c, &l, &r);
	ts_set(&tsi, p->tsi, p->n_tsi);
	ts_set(&tsr, p->tsr, p->n_tsr);
	if (child_ts_accept(&l, &tsi) || child_ts_accept(&r, &tsr)) {
		iked_log(LOG_WARNING, "%s: traffic selectors of the answer "
			 "are not within ours", c->tun->name);
		return -EINVAL;
	}
	c->ts_l = tsi;
	c->ts_r = tsr;
	if (pfs) {
		if (!p->has_ke || p->ke_group != c->dh_group ||
		    c->ch.dh != c->dh_group)
			return -EINVAL;
		err = crypto_dh_derive(c->dh, p->ke, p->ke_len, gir,
				       sizeof(gir), &gl);
		if (err)
			return err;
	}
	err = child_keys_install(sa, c, pfs ? gir : NULL, gl, ni, ni_len, nr,
				 nr_len);
	OPENSSL_cleanse(gir, sizeof(gir));
	return err;
}

/* Whether a CHILD SA of @t / @proxy already exists. */
static bool child_exists(const struct ike_sa *sa, const struct iked_tunnel *t,
			 int proxy)
{
	const struct child_sa *c;

	for (c = sa->child; c; c = c->next)
		if (c->tun == t && c->proxy == proxy)
			return true;
	return false;
}

/*
 * Responder: the tunnel and proxy ID of @gw whose selectors the proposed
 * ones narrow to (RFC 7296 2.9). -1 if none: TS_UNACCEPTABLE.
 */
static int find_child_tunnel(const struct ike_sa *sa,
			     const struct ike_parsed *p,
			     const struct iked_tunnel **tp, int *proxy,
			     struct ike_ts_set *l, struct ike_ts_set *r)
{
	struct ike_ts_set tsi, tsr;
	int i, k;

	ts_set(&tsi, p->tsi, p->n_tsi);
	ts_set(&tsr, p->tsr, p->n_tsr);
	if (sa->resp_rekey) {
		/* a rekey: the tunnel and proxy ID of the SA it replaces */
		*tp = sa->resp_rekey->tun;
		*proxy = sa->resp_rekey->proxy;
		return child_ts_narrow(*tp, *proxy, &tsi, &tsr, l, r);
	}
	for (i = 0; i < eng->conf->n_tun; i++) {
		const struct iked_tunnel *t = eng->conf->tun[i];

		if (t->gw != sa->gw)
			continue;
		if (!t->n_proxy) {
			if (child_exists(sa, t, -1))
				continue;
			if (!child_ts_narrow(t, -1, &tsi, &tsr, l, r)) {
				*tp = t;
				*proxy = -1;
				return 0;
			}
			continue;
		}
		for (k = 0; k < t->n_proxy; k++) {
			if (child_exists(sa, t, k))
				continue;
			if (!child_ts_narrow(t, k, &tsi, &tsr, l, r)) {
				*tp = t;
				*proxy = k;
				return 0;
			}
		}
	}
	return -1;
}

/*
 * Responder: a proposed CHILD SA (IKE_AUTH or CREATE_CHILD_SA). Adds the
 * answer's payloads, or the error notify, to @b. @ni/@nr: the nonces of
 * the exchange (IKE_AUTH: the IKE SA's). Returns the child or NULL.
 */
struct child_sa *child_respond(struct ike_sa *sa,
			       const struct ike_parsed *p,
			       struct ike_buf *b, bool create,
			       const uint8_t *ni, size_t ni_len,
			       const uint8_t *nr, size_t nr_len)
{
	const struct iked_tunnel *t = NULL;
	struct ike_ts_set l, r;
	struct ike_proposal prop;
	struct ike_choice ch;
	struct child_sa *c;
	uint8_t gir[IKE_DH_MAX], pub[IKE_DH_MAX];
	struct ike_dh *dh = NULL;
	size_t gl = 0, pl = 0;
	int proxy, err;
	bool pfs = create && p->has_ke;

	if (!p->has_sa || !p->has_tsi || !p->has_tsr) {
		msg_add_notify(b, IKEV2_PROTO_NONE, 0, 0,
			       IKEV2_N_INVALID_SYNTAX, NULL, 0);
		return NULL;
	}
	if (find_child_tunnel(sa, p, &t, &proxy, &l, &r)) {
		iked_log(LOG_WARNING, "%s: traffic selectors unacceptable",
			 sa->gw->name);
		msg_add_notify(b, IKEV2_PROTO_NONE, 0, 0,
			       IKEV2_N_TS_UNACCEPTABLE, NULL, 0);
		return NULL;
	}
	if (ike_select_child(t->ipsec, p->prop, p->n_prop, pfs, &ch) ||
	    !child_choice_ok(&ch) ||
	    (create && t->ipsec->n_dh && !pfs)) {
		iked_log(LOG_WARNING,
			 "%s: no acceptable CHILD SA proposal, NO_PROPOSAL_CHOSEN",
			 t->name);
		msg_add_notify(b, IKEV2_PROTO_NONE, 0, 0,
			       IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return NULL;
	}
	if (!pfs)
		ch.dh = 0;
	if (pfs && p->ke_group != ch.dh) {
		uint8_t g[2] = { ch.dh >> 8, ch.dh & 0xff };

		msg_add_notify(b, IKEV2_PROTO_NONE, 0, 0,
			       IKEV2_N_INVALID_KE_PAYLOAD, g, 2);
		return NULL;
	}
	if (pfs && (new_dh(&dh, ch.dh, pub, sizeof(pub), &pl) ||
		    crypto_dh_derive(dh, p->ke, p->ke_len, gir, sizeof(gir),
				     &gl))) {
		crypto_dh_free(dh);
		msg_add_notify(b, IKEV2_PROTO_NONE, 0, 0,
			       IKEV2_N_INVALID_SYNTAX, NULL, 0);
		return NULL;
	}
	crypto_dh_free(dh);
	c = child_new(sa, t, proxy);
	if (!c) {
		OPENSSL_cleanse(gir, sizeof(gir));
		msg_add_notify(b, IKEV2_PROTO_NONE, 0, 0,
			       IKEV2_N_TEMPORARY_FAILURE, NULL, 0);
		return NULL;
	}
	c->ch = ch;
	c->initiator = false;
	c->standby = sa->resp_rekey != NULL;	/* until the old one goes */
	c->spi_out = (uint32_t)ch.spi;
	c->ts_l = l;
	c->ts_r = r;
	err = child_keys_install(sa, c, pfs ? gir : NULL, gl, ni, ni_len, nr,
				 nr_len);
	OPENSSL_cleanse(gir, sizeof(gir));
	if (err) {
		child_free(c, false);
		msg_add_notify(b, IKEV2_PROTO_NONE, 0, 0,
			       create ? IKEV2_N_TEMPORARY_FAILURE :
					IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return NULL;
	}
	ike_choice_prop(&ch, c->spi_in, 4, &prop);
	msg_add_sa(b, &prop, 1);
	if (create)
		msg_add_nonce(b, nr, nr_len);
	if (pfs)
		msg_add_ke(b, ch.dh, pub, pl);
	/* TSi is the initiator's side: our remote one */
	msg_add_ts(b, IKEV2_PL_TSI, r.ts, r.n);
	msg_add_ts(b, IKEV2_PL_TSR, l.ts, l.n);
	if (!sa->tun)
		sa->tun = t;
	return c;
}

/* ---- initiator: IKE_SA_INIT ----------------------------------------------- */

static int send_init(struct ike_sa *sa)
{
	struct ike_proposal props[2];
	uint8_t pub[IKE_DH_MAX];
	struct ike_hdr h;
	struct ike_buf b;
	size_t len;
	int n, err;

	n = ike_props_ike(sa->gw->ike, props, 2);
	if (n <= 0)
		return -EINVAL;
	err = new_dh(&sa->dh, sa->dh_group, pub, sizeof(pub), &len);
	if (err)
		return err;
	hdr_init(sa, &h, IKEV2_EXCH_IKE_SA_INIT, false, 0);
	msg_init(&b);
	msg_begin(&b, &h);
	if (sa->cookie_len)
		msg_add_notify(&b, IKEV2_PROTO_NONE, 0, 0, IKEV2_N_COOKIE,
			       sa->cookie, sa->cookie_len);
	msg_add_sa(&b, props, n);
	msg_add_ke(&b, sa->dh_group, pub, len);
	msg_add_nonce(&b, sa->ni, sa->ni_len);
	add_sighash(sa->gw, &b);
	natt_add_notifies(sa, &b);
	frag_offer(&b);
	err = msg_end(&b);
	if (err) {
		msg_free(&b);
		return err;
	}
	free(sa->init_i);
	sa->init_i = malloc(b.len);
	if (!sa->init_i) {
		msg_free(&b);
		return -ENOMEM;
	}
	memcpy(sa->init_i, b.data, b.len);
	sa->init_i_len = b.len;
	return send_request(sa, &b, IKEV2_EXCH_IKE_SA_INIT);
}

static int initiate(const struct iked_tunnel *t)
{
	const struct iked_gateway *gw = t->gw;
	struct ike_sa *sa;
	int err;

	if (gw->peer.ss_family != AF_INET && gw->peer.ss_family != AF_INET6) {
		iked_log(LOG_ERR, "%s: no peer address to initiate to",
			 t->name);
		return -EDESTADDRREQ;
	}
	sa = sa_new(gw, t, true);
	if (!sa)
		return -ENOMEM;
	sa->local = gw->local;
	sa->peer = gw->peer;
	if (!addr_port(&sa->peer))
		addr_set_port(&sa->peer, IKEV2_PORT);
	if (sa->local.ss_family != AF_UNSPEC && !addr_port(&sa->local))
		addr_set_port(&sa->local, IKEV2_PORT);
	sa->state = IKE_S_INIT_I;
	sa->spi_i = new_spi();
	sa->dh_group = gw->ike->dh[0];
	sa->ni_len = IKE_NONCE_LEN;
	if (!sa->spi_i || crypto_random(sa->ni, sa->ni_len)) {
		sa_free(sa);
		return -EIO;
	}
	err = send_init(sa);
	if (err) {
		iked_log(LOG_ERR, "%s: cannot build IKE_SA_INIT: %d", t->name,
			 err);
		sa_free(sa);
		return err;
	}
	iked_log(LOG_INFO, "%s: initiating IKE SA %016llx", t->name,
		 (unsigned long long)sa->spi_i);
	return 0;
}

bool in_list(const uint16_t *l, int n, uint16_t v)
{
	int i;

	for (i = 0; i < n; i++)
		if (l[i] == v)
			return true;
	return false;
}

static int send_auth(struct ike_sa *sa);

static void init_response(struct ike_sa *sa, const struct ike_parsed *p,
			  const struct sockaddr_storage *local)
{
	const struct iked_ike_profile *pr = sa->gw->ike;
	const struct ike_notify *n;
	struct ike_proposal ours[2];
	struct ike_choice ch;
	int k;

	n = msg_find_notify(p, IKEV2_N_INVALID_KE_PAYLOAD);
	if (n) {
		uint16_t g = n->len == 2 ? (uint16_t)(n->data[0] << 8 |
						      n->data[1]) : 0;

		if (!in_list(pr->dh, pr->n_dh, g) || g == sa->dh_group ||
		    sa->ke_retries >= KE_RETRIES) {
			sa_fail(sa, "INVALID_KE_PAYLOAD for a group we did "
				"not offer");
			return;
		}
		iked_log(LOG_INFO, "%s: peer wants DH group %u",
			 sa->tun->name, g);
		sa->ke_retries++;
		sa->dh_group = g;
		request_done(sa);
		sa->req_msgid = 0;
		if (send_init(sa))
			sa_fail(sa, "cannot build IKE_SA_INIT");
		return;
	}
	n = msg_find_notify(p, IKEV2_N_COOKIE);
	if (n && n->len >= 1 && n->len <= sizeof(sa->cookie) &&
	    sa->cookie_tries++ < COOKIE_TRIES) {
		/* RFC 7296 2.6: the same request again, the cookie first */
		memcpy(sa->cookie, n->data, n->len);
		sa->cookie_len = n->len;
		request_done(sa);
		sa->req_msgid = 0;
		if (send_init(sa))
			sa_fail(sa, "cannot build IKE_SA_INIT");
		return;
	}
	if (n) {
		/*
		 * Our cookie went stale in the peer's queue, or it keeps
		 * asking: retransmitting the request would only fetch more
		 * cookies until the retransmissions give up. Start again.
		 */
		sa_fail(sa, "peer keeps demanding cookies");
		return;
	}
	if (error_of(p)) {
		char why[64];

		snprintf(why, sizeof(why), "peer sent %s",
			 msg_notify_name(error_of(p)));
		sa_fail(sa, why);
		return;
	}
	/* a well-formed but useless answer: nothing changes */
	k = ike_props_ike(pr, ours, 2);
	if (!p->hdr.spi_r || !p->has_sa || p->n_prop != 1 || !p->has_ke ||
	    !p->nonce || p->nonce_len < IKEV2_NONCE_MIN ||
	    ike_prop_choice(&p->prop[0], &ch) || !ike_choice_in(&ch, ours, k) ||
	    ch.dh != sa->dh_group || p->ke_group != sa->dh_group) {
		drop_log(IKE_DROP_MALFORMED, &sa->peer, "IKE_SA_INIT answer");
		return;
	}
	sa->spi_r = p->hdr.spi_r;
	sa->ch = ch;
	/* a gateway without local address: the one the answer came to */
	if (sa->local.ss_family == AF_UNSPEC)
		sa->local = *local;
	memcpy(sa->nr, p->nonce, p->nonce_len);
	sa->nr_len = p->nonce_len;
	if (derive_ike(sa, p->ke, p->ke_len)) {
		sa->spi_r = 0;
		drop_log(IKE_DROP_MALFORMED, &sa->peer, "KE of the answer");
		return;
	}
	n = msg_find_notify(p, IKEV2_N_SIGNATURE_HASH_ALGORITHMS);
	if (n)
		sa->peer_hashes = auth_hash_parse(n->data, n->len);
	frag_accept(sa, p);
	sa->init_r = malloc(p->len);
	if (!sa->init_r) {
		sa_fail(sa, "out of memory");
		return;
	}
	memcpy(sa->init_r, p->buf, p->len);
	sa->init_r_len = p->len;
	request_done(sa);
	natt_detect(sa, p, local, &sa->peer);
	sa->state = IKE_S_AUTH_I;
	if (send_auth(sa))
		sa_fail(sa, "cannot build IKE_AUTH");
}

/* ---- initiator: IKE_AUTH -------------------------------------------------- */

static int send_auth(struct ike_sa *sa)
{
	const struct iked_tunnel *t = sa->tun;
	struct iked_id id;
	struct child_sa *c;
	struct ike_buf b;
	int err;

	local_id(sa, &id);
	if (sa->gw->auth != IKED_AUTH_PSK && !sa->gw->local_id.type) {
		struct gw_cred *cr = gw_cred(sa->gw);

		if (!cr || auth_id_from_cert(cr->cred.cert, &id))
			return -ENOENT;
	}
	auth_id_str(id.type, id.data, id.len, sa->local_id_s,
		    sizeof(sa->local_id_s));
	c = child_new(sa, t, t->n_proxy ? 0 : -1);
	if (!c)
		return -ENOMEM;
	sk_begin(sa, &b, IKEV2_EXCH_IKE_AUTH, false, sa->req_msgid);
	msg_add_id(&b, IKEV2_PL_IDI, &id);
	err = add_certs(sa, &b);
	if (!err) {
		add_certreq(sa->gw, &b);
		if (sa->gw->peer_id.type)
			msg_add_id(&b, IKEV2_PL_IDR, &sa->gw->peer_id);
		err = add_auth(sa, &b, &id);
	}
	if (!err && ike_contact_initial(sa))
		err = msg_add_notify(&b, IKEV2_PROTO_NONE, 0, 0,
				     IKEV2_N_INITIAL_CONTACT, NULL, 0);
	if (!err)
		err = add_child_request(&b, c, false, 0);
	if (err) {
		msg_free(&b);
		return err;
	}
	msg_seal_sk(&b, sk_out(sa));
	sa->req_child = c;
	for (int i = 1; i < t->n_proxy && i < 64; i++)
		sa->want_proxy |= 1ull << i;
	return send_request(sa, &b, IKEV2_EXCH_IKE_AUTH);
}

static void initial_contact(struct ike_sa *sa);

static void auth_response(struct ike_sa *sa, const struct ike_parsed *p)
{
	struct child_sa *c = sa->req_child;
	uint16_t err = error_of(p);
	char why[80];

	if (!p->has_auth) {
		/* an error before authentication: the IKE SA is gone */
		snprintf(why, sizeof(why), "peer sent %s",
			 err ? msg_notify_name(err) : "no AUTH");
		sa_fail(sa, why);
		return;
	}
	if (verify_auth(sa, sa->gw, p)) {
		struct ike_buf b;

		/*
		 * RFC 7296 2.21.2: tell the responder, which has installed
		 * its SAs, in a new exchange; the DELETE makes it certain.
		 * Not retransmitted: the SA is gone for us.
		 */
		request_done(sa);
		sk_begin(sa, &b, IKEV2_EXCH_INFORMATIONAL, false,
			 sa->req_msgid);
		msg_add_notify(&b, IKEV2_PROTO_NONE, 0, 0,
			       IKEV2_N_AUTHENTICATION_FAILED, NULL, 0);
		msg_add_delete(&b, IKEV2_PROTO_IKE, NULL, 0);
		if (!msg_seal_sk(&b, sk_out(sa)))
			iked_send(&sa->local, &sa->peer, b.data, b.len);
		msg_free(&b);
		sa_fail(sa, "peer's AUTH does not verify");
		return;
	}
	request_done(sa);
	pace_done(sa);
	sa->state = IKE_S_ESTABLISHED;
	dpd_start(sa);
	sa->established = (uint64_t)time(NULL);
	if (msg_find_notify(p, IKEV2_N_INITIAL_CONTACT))
		initial_contact(sa);
	log_established(sa);
	rekey_ike_arm(sa);
	if (!c) {
		run_work(sa);		/* ike_tunnel_down() came first */
		return;
	}
	if (err || child_response(sa, c, p, false, sa->ni, sa->ni_len, sa->nr,
				  sa->nr_len)) {
		iked_log(LOG_WARNING, "%s: CHILD SA not created%s%s",
			 sa->tun->name, err ? ": " : "",
			 err ? msg_notify_name(err) : "");
		child_free(c, true);
		if (!sa->child && !sa->want_proxy) {
			send_delete_ike(sa);
			return;
		}
	}
	run_work(sa);
}

/* ---- initiator: CREATE_CHILD_SA ------------------------------------------- */

/* @group: of our KE with PFS, 0: the profile's first */
int send_create_child(struct ike_sa *sa, int proxy, uint16_t group)
{
	const struct iked_tunnel *t = sa->tun;
	struct child_sa *c;
	struct ike_buf b;
	bool pfs = t->ipsec->n_dh > 0;
	int err;

	c = child_new(sa, t, proxy);
	if (!c)
		return -ENOMEM;
	c->nonce_len = IKE_NONCE_LEN;
	if (crypto_random(c->nonce, c->nonce_len)) {
		child_free(c, false);
		return -EIO;
	}
	c->initiator = true;
	sk_begin(sa, &b, IKEV2_EXCH_CREATE_CHILD_SA, false, sa->req_msgid);
	if (sa->req_rekey)
		rekey_child_begin(sa, c, &b);
	err = add_child_request(&b, c, pfs,
				group ? group : t->ipsec->dh[0]);
	if (err) {
		msg_free(&b);
		child_free(c, false);
		return err;
	}
	msg_seal_sk(&b, sk_out(sa));
	sa->req_child = c;
	sa->req_proxy = proxy;
	err = send_request(sa, &b, IKEV2_EXCH_CREATE_CHILD_SA);
	if (err) {
		sa->req_child = NULL;
		child_free(c, false);
	}
	return err;
}

static void create_child_response(struct ike_sa *sa,
				  const struct ike_parsed *p)
{
	struct child_sa *c = sa->req_child;
	const struct ike_notify *n;
	uint16_t err = error_of(p);
	bool pfs;

	if (!c && rekey_ike_response(sa, p))
		return;
	if (!c) {
		/* ike_tunnel_down() meanwhile: its DELETE of the IKE SA
		 * (queued) takes what the peer made with it */
		request_done(sa);
		run_work(sa);
		return;
	}
	pfs = c->dh != NULL;

	n = msg_find_notify(p, IKEV2_N_INVALID_KE_PAYLOAD);
	if (n && n->len == 2) {
		uint16_t g = (uint16_t)(n->data[0] << 8 | n->data[1]);
		uint16_t had = c->dh_group;
		int proxy = c->proxy;
		struct child_sa *old = sa->req_rekey;

		request_done(sa);
		child_free(c, false);
		if (pfs && g != had &&
		    in_list(sa->tun->ipsec->dh, sa->tun->ipsec->n_dh, g)) {
			iked_log(LOG_INFO, "%s: peer wants PFS group %u",
				 sa->tun->name, g);
			sa->req_rekey = old;	/* the same rekey again */
			if (!send_create_child(sa, proxy, g))
				return;
			sa->req_rekey = NULL;
		}
		iked_log(LOG_WARNING, "%s: CHILD SA not created: "
			 "INVALID_KE_PAYLOAD", sa->tun->name);
		run_work(sa);
		return;
	}
	if (err || !p->nonce ||
	    child_response(sa, c, p, pfs, c->nonce, c->nonce_len, p->nonce,
			   p->nonce_len)) {
		iked_log(LOG_WARNING, "%s: CHILD SA not created%s%s",
			 sa->tun->name, err ? ": " : "",
			 err ? msg_notify_name(err) : "");
		request_done(sa);
		child_free(c, true);
		run_work(sa);
		return;
	}
	crypto_dh_free(c->dh);
	c->dh = NULL;
	if (sa->req_rekey) {
		rekey_child_done(sa, c, p->nonce, p->nonce_len);
		return;
	}
	request_done(sa);
	run_work(sa);
}

/* ---- INFORMATIONAL -------------------------------------------------------- */

void send_delete_ike(struct ike_sa *sa)
{
	struct ike_buf b;

	if (sa->req_busy) {
		sa->want_delete_ike = true;
		return;
	}
	while (sa->child)
		child_free(sa->child, true);
	sk_begin(sa, &b, IKEV2_EXCH_INFORMATIONAL, false, sa->req_msgid);
	msg_add_delete(&b, IKEV2_PROTO_IKE, NULL, 0);
	msg_seal_sk(&b, sk_out(sa));
	sa->state = IKE_S_DELETING;
	if (send_request(sa, &b, IKEV2_EXCH_INFORMATIONAL))
		sa_free(sa);
	else
		iked_log(LOG_NOTICE, "%s: deleting IKE SA %016llx",
			 sa->tun ? sa->tun->name : sa->gw->name,
			 (unsigned long long)sa->spi_i);
}

struct child_sa *child_by_spi(struct ike_sa *sa, bool out,
			      uint32_t spi)
{
	struct child_sa *c;

	for (c = sa->child; c; c = c->next)
		if ((out ? c->spi_out : c->spi_in) == spi)
			return c;
	return NULL;
}

static int send_delete_child(struct ike_sa *sa, uint32_t spi_in)
{
	struct child_sa *c = child_by_spi(sa, false, spi_in);
	struct ike_buf b;
	uint32_t spi;
	uint8_t proto;

	if (!c)
		return 0;
	spi = c->spi_in;
	proto = c->protocol;
	child_free(c, true);
	sk_begin(sa, &b, IKEV2_EXCH_INFORMATIONAL, false, sa->req_msgid);
	msg_add_delete(&b, proto, &spi, 1);
	msg_seal_sk(&b, sk_out(sa));
	return send_request(sa, &b, IKEV2_EXCH_INFORMATIONAL);
}

/* Queued work, one request at a time. */
void run_work(struct ike_sa *sa)
{
	int i;

	while (!sa->req_busy && sa->state == IKE_S_ESTABLISHED) {
		if (sa->want_delete_ike) {
			sa->want_delete_ike = false;
			send_delete_ike(sa);
			return;
		}
		if (sa->n_want_delete) {
			uint32_t spi = sa->want_delete_spi[--sa->n_want_delete];

			send_delete_child(sa, spi);
			continue;
		}
		if (rekey_run(sa))
			continue;
		if (!sa->want_proxy)
			return;
		for (i = 0; i < 64; i++)
			if (sa->want_proxy & (1ull << i))
				break;
		sa->want_proxy &= ~(1ull << i);
		if (i >= sa->tun->n_proxy || child_exists(sa, sa->tun, i))
			continue;
		if (send_create_child(sa, i, 0))
			iked_log(LOG_ERR, "%s: cannot build CREATE_CHILD_SA",
				 sa->tun->name);
	}
}

/* The peer's INFORMATIONAL request. Returns true if @sa was freed. */
static bool informational_request(struct ike_sa *sa,
				  const struct ike_parsed *p,
				  const uint8_t *msg, size_t len)
{
	uint32_t spis[IKE_DELETE_MAX * 8];
	uint8_t proto = IKEV2_PROTO_ESP;
	struct ike_buf b;
	bool del_ike = false;
	int i, j, n = 0;

	for (i = 0; i < p->n_del; i++) {
		const struct ike_delete *d = &p->del[i];

		if (d->proto == IKEV2_PROTO_IKE) {
			del_ike = true;
			continue;
		}
		if (d->spi_len != 4)
			continue;
		for (j = 0; j < d->n_spi; j++) {
			const uint8_t *s = d->spis + 4 * j;
			uint32_t spi = (uint32_t)s[0] << 24 | s[1] << 16 |
				       s[2] << 8 | s[3];
			struct child_sa *c = child_by_spi(sa, true, spi);

			if (!c)
				continue;
			if (n < (int)(sizeof(spis) / sizeof(spis[0])))
				spis[n++] = c->spi_in;
			proto = c->protocol;
			iked_log(LOG_NOTICE, "%s: peer deletes CHILD SA 0x%08x",
				 c->tun->name, spi);
			rekey_deleted(c);
		}
	}
	/* the initiator could not authenticate us (RFC 7296 2.21.2) */
	if (msg_find_notify(p, IKEV2_N_AUTHENTICATION_FAILED)) {
		iked_log(LOG_WARNING, "%s: peer could not authenticate us",
			 sa->tun ? sa->tun->name : sa->gw->name);
		del_ike = true;
	}
	sk_begin(sa, &b, IKEV2_EXCH_INFORMATIONAL, true, p->hdr.msgid);
	if (!del_ike && n)
		msg_add_delete(&b, proto, spis, n);
	seal_and_respond(sa, &b, msg, len);
	if (del_ike) {
		iked_log(LOG_NOTICE, "%s: peer deletes IKE SA %016llx",
			 sa->tun ? sa->tun->name : sa->gw->name,
			 (unsigned long long)sa->spi_i);
		sa_free(sa);
		return true;
	}
	return false;
}

/* An empty INFORMATIONAL request (liveness check). */
int ike_send_informational(struct ike_sa *sa)
{
	struct ike_buf b;

	if (sa->req_busy || sa->state != IKE_S_ESTABLISHED)
		return -EBUSY;
	sk_begin(sa, &b, IKEV2_EXCH_INFORMATIONAL, false, sa->req_msgid);
	msg_seal_sk(&b, sk_out(sa));
	return send_request(sa, &b, IKEV2_EXCH_INFORMATIONAL);
}

/* ---- responder ------------------------------------------------------------ */

static bool gw_matches(const struct iked_gateway *gw,
		       const struct sockaddr_storage *local,
		       const struct sockaddr_storage *peer)
{
	if (gw->peer.ss_family != AF_UNSPEC && !addr_eq(&gw->peer, peer))
		return false;
	if (gw->local.ss_family != AF_UNSPEC && !addr_eq(&gw->local, local))
		return false;
	return true;
}

static const struct iked_gateway *gw_for(const struct sockaddr_storage *local,
					 const struct sockaddr_storage *peer)
{
	int i, pass;

	if (!eng->conf)
		return NULL;
	/* a gateway naming the peer before one accepting any */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < eng->conf->n_gw; i++) {
			const struct iked_gateway *gw = eng->conf->gw[i];

			if ((gw->peer.ss_family == AF_UNSPEC) != pass)
				continue;
			if (gw_matches(gw, local, peer))
				return gw;
		}
	return NULL;
}

static void init_request(const struct ike_parsed *p,
			 const struct sockaddr_storage *local,
			 const struct sockaddr_storage *peer)
{
	const struct iked_gateway *gw = gw_for(local, peer);
	const struct ike_notify *n;
	struct ike_proposal prop;
	struct ike_choice ch;
	uint8_t pub[IKE_DH_MAX];
	struct ike_sa *sa;
	struct ike_buf b;
	struct ike_hdr h;
	size_t len;
	int k;

	if (!gw) {
		drop_log(IKE_DROP_NO_SA, peer, "no gateway for this peer");
		return;
	}
	if (!p->has_sa || !p->has_ke || !p->nonce ||
	    p->nonce_len < IKEV2_NONCE_MIN || p->nonce_len > IKEV2_NONCE_MAX ||
	    p->hdr.msgid != 0) {
		drop_log(IKE_DROP_MALFORMED, peer, "IKE_SA_INIT request");
		return;
	}
	if (ike_select_ike(gw->ike, p->prop, p->n_prop, &ch)) {
		iked_log(LOG_WARNING,
			 "%s: no acceptable IKE SA proposal, NO_PROPOSAL_CHOSEN",
			 gw->name);
		init_notify(&p->hdr, local, peer, IKEV2_N_NO_PROPOSAL_CHOSEN,
			    NULL, 0);
		return;
	}
	/* the peer's KE group if we accept it in the chosen proposal */
	for (k = 0; k < p->n_prop; k++)
		if (p->prop[k].num == ch.num)
			break;
	if (p->ke_group != ch.dh && in_list(gw->ike->dh, gw->ike->n_dh,
					    p->ke_group)) {
		struct ike_proposal tmp = p->prop[k];
		struct ike_choice c2 = ch;

		c2.dh = p->ke_group;
		if (ike_choice_in(&c2, &tmp, 1))
			ch.dh = p->ke_group;
	}
	if (p->ke_group != ch.dh) {
		uint8_t g[2] = { ch.dh >> 8, ch.dh & 0xff };

		init_notify(&p->hdr, local, peer, IKEV2_N_INVALID_KE_PAYLOAD,
			    g, 2);
		return;
	}
	if (!cookie_check(p, local, peer))
		return;
	sa = sa_new(gw, NULL, false);
	if (!sa)
		return;
	sa->state = IKE_S_INIT_R;
	sa->local = *local;
	sa->peer = *peer;
	sa->spi_i = p->hdr.spi_i;
	sa->spi_r = new_spi();
	sa->ch = ch;
	sa->dh_group = ch.dh;
	memcpy(sa->ni, p->nonce, p->nonce_len);
	sa->ni_len = p->nonce_len;
	sa->nr_len = IKE_NONCE_LEN;
	n = msg_find_notify(p, IKEV2_N_SIGNATURE_HASH_ALGORITHMS);
	if (n)
		sa->peer_hashes = auth_hash_parse(n->data, n->len);
	if (!sa->spi_r || crypto_random(sa->nr, sa->nr_len) ||
	    new_dh(&sa->dh, ch.dh, pub, sizeof(pub), &len) ||
	    derive_ike(sa, p->ke, p->ke_len)) {
		sa_free(sa);
		drop_log(IKE_DROP_MALFORMED, peer, "KE of IKE_SA_INIT");
		return;
	}
	sa->init_i = malloc(p->len);
	if (!sa->init_i) {
		sa_free(sa);
		return;
	}
	memcpy(sa->init_i, p->buf, p->len);
	sa->init_i_len = p->len;
	hdr_init(sa, &h, IKEV2_EXCH_IKE_SA_INIT, true, 0);
	msg_init(&b);
	msg_begin(&b, &h);
	ike_choice_prop(&ch, 0, 0, &prop);
	msg_add_sa(&b, &prop, 1);
	msg_add_ke(&b, ch.dh, pub, len);
	msg_add_nonce(&b, sa->nr, sa->nr_len);
	add_certreq(gw, &b);
	add_sighash(gw, &b);
	natt_detect(sa, p, local, peer);
	natt_add_notifies(sa, &b);
	frag_answer(sa, p, &b);
	if (msg_end(&b)) {
		msg_free(&b);
		sa_free(sa);
		return;
	}
	sa->init_r = malloc(b.len);
	if (!sa->init_r) {
		msg_free(&b);
		sa_free(sa);
		return;
	}
	memcpy(sa->init_r, b.data, b.len);
	sa->init_r_len = b.len;
	send_response(sa, &b, p->buf, p->len);
	iked_timer_add(&sa->life, HALF_OPEN_MS);
}

static bool xf_in(const struct iked_xform *l, int n, uint16_t id,
		  uint16_t keylen)
{
	int i;

	for (i = 0; i < n; i++)
		if (l[i].id == id && l[i].keylen == keylen)
			return true;
	return false;
}

/* Whether the IKE SA's suite is one @pr would have chosen as well. */
static bool ike_profile_allows(const struct iked_ike_profile *pr,
			       const struct ike_choice *c)
{
	return xf_in(pr->encr, pr->n_encr, c->encr, c->encr_keylen) &&
	       in_list(pr->prf, pr->n_prf, c->prf) &&
	       in_list(pr->dh, pr->n_dh, c->dh) &&
	       (!c->integ || in_list(pr->integ, pr->n_integ, c->integ));
}

/*
 * The gateway whose peer ID the authenticated-to-be IDi names, among those
 * matching the addresses: one naming it before one accepting any.
 */
static const struct iked_gateway *gw_for_id(const struct ike_sa *sa,
					    const struct ike_idp *id)
{
	int i, pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < eng->conf->n_gw; i++) {
			const struct iked_gateway *gw = eng->conf->gw[i];

			if ((gw->peer_id.type == 0) != pass ||
			    !gw_matches(gw, &sa->local, &sa->peer) ||
			    !ike_profile_allows(gw->ike, &sa->ch))
				continue;
			if (auth_id_equal(&gw->peer_id, id->type, id->data,
					  id->len))
				return gw;
		}
	return sa->gw;
}

/*
 * INITIAL_CONTACT (RFC 7296 2.4): the peer has forgotten every other SA it
 * had with us, so ours with the same gateway and peer ID go, without a
 * DELETE, before the new CHILD SAs are installed.
 */
static void initial_contact(struct ike_sa *sa)
{
	struct ike_sa *o, *next;

	for (o = eng->sas; o; o = next) {
		next = o->next;
		if (o == sa || o->gw != sa->gw ||
		    o->peer_id.type != sa->peer_id.type ||
		    o->peer_id.len != sa->peer_id.len ||
		    memcmp(o->peer_id.data, sa->peer_id.data, o->peer_id.len))
			continue;
		iked_log(LOG_INFO, "%s: INITIAL_CONTACT replaces IKE SA %016llx",
			 o->tun ? o->tun->name : o->gw->name,
			 (unsigned long long)o->spi_i);
		sa_free(o);
	}
}

static void auth_request(struct ike_sa *sa, const struct ike_parsed *p,
			 const uint8_t *msg, size_t len)
{
	const struct iked_gateway *gw = sa->gw;
	struct iked_id id;
	struct ike_buf b;

	if (!p->idi.present || !p->has_auth) {
		drop_log(IKE_DROP_MALFORMED, &sa->peer, "IKE_AUTH without "
			 "IDi or AUTH");
		return;
	}
	sa->gw = gw_for_id(sa, &p->idi);
	if (verify_auth(sa, sa->gw, p)) {
		iked_log(LOG_WARNING, "%s: peer authentication failed",
			 sa->gw->name);
		sk_begin(sa, &b, IKEV2_EXCH_IKE_AUTH, true, p->hdr.msgid);
		msg_add_notify(&b, IKEV2_PROTO_NONE, 0, 0,
			       IKEV2_N_AUTHENTICATION_FAILED, NULL, 0);
		seal_and_respond(sa, &b, msg, len);
		sa->gw = gw;
		sa_fail(sa, "AUTHENTICATION_FAILED");
		return;
	}
	local_id(sa, &id);
	if (sa->gw->auth != IKED_AUTH_PSK && !sa->gw->local_id.type) {
		struct gw_cred *cr = gw_cred(sa->gw);

		if (cr)
			auth_id_from_cert(cr->cred.cert, &id);
	}
	auth_id_str(id.type, id.data, id.len, sa->local_id_s,
		    sizeof(sa->local_id_s));
	sk_begin(sa, &b, IKEV2_EXCH_IKE_AUTH, true, p->hdr.msgid);
	msg_add_id(&b, IKEV2_PL_IDR, &id);
	if (add_certs(sa, &b) || add_auth(sa, &b, &id)) {
		msg_free(&b);
		sk_begin(sa, &b, IKEV2_EXCH_IKE_AUTH, true, p->hdr.msgid);
		msg_add_notify(&b, IKEV2_PROTO_NONE, 0, 0,
			       IKEV2_N_AUTHENTICATION_FAILED, NULL, 0);
		seal_and_respond(sa, &b, msg, len);
		sa_fail(sa, "cannot authenticate ourselves");
		return;
	}
	iked_timer_del(&sa->life);
	sa->state = IKE_S_ESTABLISHED;
	dpd_start(sa);
	sa->established = (uint64_t)time(NULL);
	if (msg_find_notify(p, IKEV2_N_INITIAL_CONTACT))
		initial_contact(sa);
	child_respond(sa, p, &b, false, sa->ni, sa->ni_len, sa->nr,
		      sa->nr_len);
	if (!sa->tun) {
		int i;

		/* for show and later CREATE_CHILD_SA: the gateway's tunnel */
		for (i = 0; i < eng->conf->n_tun; i++)
			if (eng->conf->tun[i]->gw == sa->gw) {
				sa->tun = eng->conf->tun[i];
				break;
			}
	}
	seal_and_respond(sa, &b, msg, len);
	log_established(sa);
	rekey_ike_arm(sa);
}

static void create_child_request(struct ike_sa *sa, const struct ike_parsed *p,
				 const uint8_t *msg, size_t len)
{
	uint8_t nr[IKE_NONCE_LEN];
	struct ike_buf b;

	sk_begin(sa, &b, IKEV2_EXCH_CREATE_CHILD_SA, true, p->hdr.msgid);
	if (msg_find_notify(p, IKEV2_N_REKEY_SA) ||
	    (p->has_sa && p->n_prop && p->prop[0].proto == IKEV2_PROTO_IKE)) {
		rekey_request(sa, p, &b, msg, len);
		return;
	} else if (!p->nonce || crypto_random(nr, sizeof(nr))) {
		msg_add_notify(&b, IKEV2_PROTO_NONE, 0, 0,
			       IKEV2_N_INVALID_SYNTAX, NULL, 0);
	} else {
		child_respond(sa, p, &b, true, p->nonce, p->nonce_len, nr,
			      sizeof(nr));
	}
	seal_and_respond(sa, &b, msg, len);
}

/* ---- dispatch ------------------------------------------------------------- */

/* UNSUPPORTED_CRITICAL_PAYLOAD to a request (RFC 7296 2.5). */
static void unsupported_critical(struct ike_sa *sa, const struct ike_parsed *p,
				 const uint8_t *msg, size_t len)
{
	uint8_t t = p->unsupported_critical;
	struct ike_buf b;

	sk_begin(sa, &b, p->hdr.exchange, true, p->hdr.msgid);
	msg_add_notify(&b, IKEV2_PROTO_NONE, 0, 0,
		       IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD, &t, 1);
	seal_and_respond(sa, &b, msg, len);
}

static void request(struct ike_sa *sa, struct ike_parsed *p,
		    const uint8_t *msg, size_t len)
{
	uint8_t exch = p->hdr.exchange;

	if (sa->state == IKE_S_INIT_R && exch == IKEV2_EXCH_IKE_AUTH) {
		auth_request(sa, p, msg, len);
		return;
	}
	if (sa->state != IKE_S_ESTABLISHED && sa->state != IKE_S_DELETING) {
		drop_log(IKE_DROP_UNEXPECTED, &sa->peer, "request in this "
			 "state");
		return;
	}
	switch (exch) {
	case IKEV2_EXCH_INFORMATIONAL:
		if (informational_request(sa, p, msg, len))
			return;
		break;
	case IKEV2_EXCH_CREATE_CHILD_SA:
		if (sa->state != IKE_S_ESTABLISHED) {
			struct ike_buf b;

			sk_begin(sa, &b, exch, true, p->hdr.msgid);
			msg_add_notify(&b, IKEV2_PROTO_NONE, 0, 0,
				       IKEV2_N_TEMPORARY_FAILURE, NULL, 0);
			seal_and_respond(sa, &b, msg, len);
			break;
		}
		create_child_request(sa, p, msg, len);
		break;
	default:
		drop_log(IKE_DROP_UNEXPECTED, &sa->peer, "exchange");
		return;
	}
	run_work(sa);
}

static void response(struct ike_sa *sa, struct ike_parsed *p)
{
	switch (sa->req_exch) {
	case IKEV2_EXCH_IKE_AUTH:
		auth_response(sa, p);
		break;
	case IKEV2_EXCH_CREATE_CHILD_SA:
		create_child_response(sa, p);
		break;
	case IKEV2_EXCH_INFORMATIONAL:
		request_done(sa);
		if (sa->state == IKE_S_DELETING) {
			iked_log(LOG_INFO, "%s: IKE SA %016llx deleted",
				 sa->tun ? sa->tun->name : sa->gw->name,
				 (unsigned long long)sa->spi_i);
			sa_free(sa);
			return;
		}
		run_work(sa);
		break;
	}
}

/* A message of an SA with keys: window, then integrity, then contents. */
static void recv_sk(struct ike_sa *sa, struct ike_parsed *p,
		    const uint8_t *msg, size_t len,
		    const struct sockaddr_storage *local,
		    const struct sockaddr_storage *peer)
{
	bool is_resp = p->hdr.flags & IKEV2_FLAG_RESPONSE;
	int err;

	if (is_resp) {
		if (!sa->req_busy || p->hdr.msgid != sa->req_msgid) {
			drop_log(IKE_DROP_MSGID, &sa->peer, "not our request");
			return;
		}
		if (p->hdr.exchange != sa->req_exch) {
			drop_log(IKE_DROP_UNEXPECTED, &sa->peer, "exchange "
				 "of the response");
			return;
		}
	} else {
		if (p->hdr.msgid + 1 == sa->resp_msgid && sa->resp) {
			if (sa->last_req_len == len &&
			    !memcmp(sa->last_req, msg, len)) {
				frag_send(sa, sa->resp, sa->resp_len);
				return;
			}
			drop_log(IKE_DROP_MSGID, &sa->peer, "old message ID");
			return;
		}
		if (p->hdr.msgid != sa->resp_msgid) {
			drop_log(IKE_DROP_MSGID, &sa->peer, "message ID");
			return;
		}
	}
	if (sa->state == IKE_S_DEAD) {
		drop_log(IKE_DROP_UNEXPECTED, &sa->peer, "failed SA");
		return;
	}
	if (!p->sk) {
		drop_log(IKE_DROP_MALFORMED, &sa->peer, "no SK payload");
		return;
	}
	err = msg_open_sk(p, sk_in(sa));
	if (err == -EPROTONOSUPPORT) {
		if (!is_resp)
			unsupported_critical(sa, p, msg, len);
		else
			drop_log(IKE_DROP_MALFORMED, &sa->peer,
				 "unsupported critical payload");
		return;
	}
	if (err) {
		drop_log(p->drop ? p->drop : IKE_DROP_MALFORMED, &sa->peer,
			 "SK payload");
		return;
	}
	/* authentic: the peer is alive, and maybe elsewhere (NAT) */
	sa->last_rx = iked_now_ms();
	natt_rx(sa, local, peer);
	if (is_resp)
		response(sa, p);
	else
		request(sa, p, msg, len);
}

void ike_recv(const struct sockaddr_storage *local,
	      const struct sockaddr_storage *peer,
	      const uint8_t *msg, size_t len)
{
	struct ike_parsed p;
	struct ike_sa *sa;
	int err;

	if (frag_recv(local, peer, msg, len))
		return;
	err = msg_parse(&p, msg, len);
	if (err && err != -EPROTONOSUPPORT) {
		drop_log(err == -EBADMSG ? p.drop : IKE_DROP_MALFORMED, peer,
			 "parse");
		goto out;
	}
	sa = sa_find(&p.hdr, peer);
	if (p.hdr.exchange == IKEV2_EXCH_IKE_SA_INIT) {
		bool is_resp = p.hdr.flags & IKEV2_FLAG_RESPONSE;

		if (p.hdr.msgid != 0) {
			drop_log(IKE_DROP_MSGID, peer, "IKE_SA_INIT");
			goto out;
		}
		if (!is_resp && sa) {
			/* retransmission: the same answer again */
			if (sa->resp && sa->last_req_len == len &&
			    !memcmp(sa->last_req, msg, len))
				iked_send(&sa->local, &sa->peer, sa->resp,
					  sa->resp_len);
			else
				drop_log(IKE_DROP_UNEXPECTED, peer,
					 "IKE_SA_INIT for an existing SA");
			goto out;
		}
		if (!is_resp && !(p.hdr.flags & IKEV2_FLAG_INITIATOR)) {
			drop_log(IKE_DROP_MALFORMED, peer, "flags");
			goto out;
		}
		if (!is_resp && p.hdr.spi_r) {
			drop_log(IKE_DROP_NO_SA, peer, "IKE_SA_INIT with SPIr");
			goto out;
		}
		if (!is_resp && err == -EPROTONOSUPPORT) {
			uint8_t t = p.unsupported_critical;

			init_notify(&p.hdr, local, peer,
				    IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD, &t, 1);
			goto out;
		}
		if (err) {
			drop_log(IKE_DROP_MALFORMED, peer, "critical payload");
			goto out;
		}
		if (!is_resp) {
			init_request(&p, local, peer);
			goto out;
		}
		if (!sa || sa->state != IKE_S_INIT_I || !sa->req_busy ||
		    sa->req_exch != IKEV2_EXCH_IKE_SA_INIT) {
			drop_log(sa ? IKE_DROP_UNEXPECTED : IKE_DROP_NO_SA,
				 peer, "IKE_SA_INIT answer");
			goto out;
		}
		init_response(sa, &p, local);
		goto out;
	}
	if (!sa) {
		drop_log(IKE_DROP_NO_SA, peer, "unknown SPIs");
		goto out;
	}
	if (!sa->have_keys) {
		drop_log(IKE_DROP_UNEXPECTED, peer, "no keys yet");
		goto out;
	}
	recv_sk(sa, &p, msg, len, local, peer);
out:
	msg_parsed_free(&p);
}

/* ---- daemon entry points -------------------------------------------------- */

static void start_fire(struct iked_timer *t)
{
	int i;

	(void)t;
	if (!eng->conf)
		return;
	for (i = 0; i < eng->conf->n_tun; i++) {
		const struct iked_tunnel *tn = eng->conf->tun[i];

		if (tn->start == IKED_START_START && tn->ifindex > 0 &&
		    !tunnel_is_down(tn) && !dpd_cleared(tn) &&
		    !sa_of_tunnel(tn)) {
			if (!pace_may_initiate())
				break;
			initiate(tn);
		}
	}
}

int ike_engine_init(const struct iked_config *conf)
{
	eng->conf = conf;
	eng->stopping = false;
	eng->n_down = 0;
	eng->start.fn = start_fire;
	eng->pace.fn = start_fire;
	eng->pace_wait = false;
	/* from the main loop, once the daemon has set everything up */
	iked_timer_add(&eng->start, 0);
	return 0;
}

/* A last DELETE, not waited for, so that the peer drops its SAs; then ours. */
static void sa_goodbye(struct ike_sa *sa)
{
	if (sa->state == IKE_S_ESTABLISHED && !sa->req_busy) {
		struct ike_buf b;

		while (sa->child)
			child_free(sa->child, true);
		sk_begin(sa, &b, IKEV2_EXCH_INFORMATIONAL, false,
			 sa->req_msgid);
		msg_add_delete(&b, IKEV2_PROTO_IKE, NULL, 0);
		if (!msg_seal_sk(&b, sk_out(sa)))
			iked_send(&sa->local, &sa->peer, b.data, b.len);
		msg_free(&b);
	}
	sa_free(sa);
}

void ike_engine_fini(void)
{
	eng->stopping = true;
	iked_timer_del(&eng->start);
	iked_timer_del(&eng->pace);
	while (eng->sas)
		sa_goodbye(eng->sas);
	rekey_engine_fini();
	creds_free();
	cookie_fini();
	eng->conf = NULL;
}

static bool conf_has_gw(const struct iked_config *conf,
			const struct iked_gateway *gw)
{
	int i;

	for (i = 0; i < conf->n_gw; i++)
		if (conf->gw[i] == gw)
			return true;
	return false;
}

static bool conf_has_tun(const struct iked_config *conf,
			 const struct iked_tunnel *t)
{
	int i;

	for (i = 0; i < conf->n_tun; i++)
		if (conf->tun[i] == t)
			return true;
	return false;
}

/*
 * SIGHUP: tunnels kept are the same objects in @conf; whatever still refers
 * to a tunnel or gateway that is not there goes now, before the old
 * configuration is freed (SAs ike_tunnel_down() left waiting for their
 * DELETE answer included).
 */
void ike_engine_reconf(const struct iked_config *conf)
{
	struct ike_sa *sa, *next;
	int i;

	for (sa = eng->sas; sa; sa = next) {
		struct child_sa *c, *cn;

		next = sa->next;
		if (!conf_has_gw(conf, sa->gw) ||
		    (sa->tun && !conf_has_tun(conf, sa->tun))) {
			sa->tun = NULL;		/* no restart of what is gone */
			sa_goodbye(sa);
			continue;
		}
		for (c = sa->child; c; c = cn) {
			cn = c->next;
			if (!conf_has_tun(conf, c->tun)) {
				if (sa->req_child == c)
					sa->req_child = NULL;
				child_free(c, true);
			}
		}
	}
	for (i = 0; i < eng->n_creds;) {
		if (conf_has_gw(conf, eng->creds[i].gw)) {
			i++;
			continue;
		}
		auth_cred_free(&eng->creds[i].cred);
		auth_ca_free(&eng->creds[i].ca);
		eng->creds[i] = eng->creds[--eng->n_creds];
	}
	for (i = 0; i < eng->n_down;) {
		if (conf_has_tun(conf, eng->down[i]))
			i++;
		else
			eng->down[i] = eng->down[--eng->n_down];
	}
	eng->conf = conf;
}

int ike_tunnel_up(const struct iked_tunnel *t)
{
	struct ike_sa *sa = sa_of_tunnel(t);

	set_down(t, false);
	dpd_uncleared(t);
	if (sa)
		return sa->state == IKE_S_DELETING ? -EBUSY : 0;
	/* the daemon brings every "start" tunnel up at once: pace.c */
	if (t->start == IKED_START_START && !pace_may_initiate())
		return 0;
	return initiate(t);
}

int ike_tunnel_down(const struct iked_tunnel *t)
{
	struct ike_sa *sa, *next;

	/* "start" tunnels stay down until ike_tunnel_up(); no SA is fine */
	set_down(t, true);
	dpd_uncleared(t);
	for (sa = eng->sas; sa; sa = next) {
		next = sa->next;
		if (sa->tun != t)
			continue;
		/* the kernel SAs go now, even if the DELETE has to wait */
		while (sa->child)
			child_free(sa->child, true);
		sa->want_proxy = 0;
		if (sa->state == IKE_S_ESTABLISHED)
			send_delete_ike(sa);
		else if (sa->state != IKE_S_DELETING)
			sa_free(sa);
	}
	return 0;
}

void ike_acquire(int ifindex, uint32_t proxy_id)
{
	const struct iked_tunnel *t = tunnel_by_ifindex(ifindex);
	struct ike_sa *sa;
	int i;

	if (!t || t->start == IKED_START_NONE || dpd_cleared(t))
		return;
	sa = sa_of_tunnel(t);
	if (!sa) {
		if (t->start != IKED_START_START || pace_may_initiate())
			initiate(t);
		return;
	}
	/* a proxy ID whose CHILD SA is missing on an established SA */
	if (sa->state != IKE_S_ESTABLISHED || !sa->initiator)
		return;
	for (i = 0; i < t->n_proxy && i < 64; i++)
		if (t->proxy[i].id == proxy_id && !child_exists(sa, t, i) &&
		    sa->req_proxy != i) {
			sa->want_proxy |= 1ull << i;
			run_work(sa);
		}
}

void ike_expire(int ifindex, bool out, uint32_t spi, bool hard)
{
	struct ike_sa *sa;

	if (!hard) {
		rekey_expire(ifindex, out, spi);
		return;
	}
	for (sa = eng->sas; sa; sa = sa->next) {
		struct child_sa *c = child_by_spi(sa, out, spi);

		if (!c || c->tun->ifindex != ifindex)
			continue;
		rekey_hard_expire(c);
		if (sa->state != IKE_S_ESTABLISHED) {
			child_free(c, true);
			return;
		}
		if (sa->n_want_delete < 16)
			sa->want_delete_spi[sa->n_want_delete++] = c->spi_in;
		run_work(sa);
		return;
	}
}

static void sa_info(struct ike_sa *sa, struct ike_sa_info *i)
{
	const struct ike_encr_alg *e = crypto_encr(sa->ch.encr,
						   sa->ch.encr_keylen);
	const struct ike_integ_alg *a = crypto_integ(sa->ch.integ);
	const struct ike_prf_alg *f = crypto_prf(sa->ch.prf);
	const struct ike_dh_alg *d = crypto_dh(sa->ch.dh);
	struct child_sa *c;
	int n = 0;

	memset(i, 0, sizeof(*i));
	i->tunnel = sa->tun ? sa->tun->name : sa->gw->name;
	i->state = state_name(sa->state);
	i->initiator = sa->initiator;
	i->spi_i = sa->spi_i;
	i->spi_r = sa->spi_r;
	i->local = sa->local;
	i->peer = sa->peer;
	snprintf(i->local_id, sizeof(i->local_id), "%s", sa->local_id_s);
	snprintf(i->peer_id, sizeof(i->peer_id), "%s", sa->peer_id_s);
	if (e)
		snprintf(i->encr, sizeof(i->encr), "%s", e->name);
	if (sa->ch.integ && a)
		snprintf(i->integ, sizeof(i->integ), "%s", a->name);
	if (f)
		snprintf(i->prf, sizeof(i->prf), "%s", f->name);
	if (d)
		snprintf(i->dh, sizeof(i->dh), "%s", d->name);
	i->established = sa->established;
	i->lifetime = sa->gw->ike->lifetime;
	natt_info(sa, i);
	for (c = sa->child; c; c = c->next)
		if (c->installed)
			n++;
	free(sa->info);
	sa->info = n ? calloc((size_t)n, sizeof(*sa->info)) : NULL;
	n = 0;
	for (c = sa->child; c && sa->info; c = c->next)
		if (c->installed)
			sa->info[n++] = c->info;
	i->n_child = n;
	i->child = sa->info;
}

int ike_foreach_sa(int (*fn)(const struct ike_sa_info *sa, void *arg),
		   void *arg)
{
	struct ike_sa *sa;
	int ret;

	for (sa = eng->sas; sa; sa = sa->next) {
		struct ike_sa_info i;

		if (sa->state == IKE_S_DEAD)
			continue;
		sa_info(sa, &i);
		ret = fn(&i, arg);
		if (ret)
			return ret;
	}
	return 0;
}
