// SPDX-License-Identifier: GPL-2.0
/*
 * Rekeying (RFC 7296 2.8): CHILD SAs with CREATE_CHILD_SA and N(REKEY_SA),
 * IKE SAs with CREATE_CHILD_SA carrying an IKE proposal, and collisions
 * (2.8.1).
 *
 * CHILD SAs: the kernel's soft expiry (time, bytes, packets, sequence
 * space) starts a rekey. Soft limits are a random 85-95 % of the hard ones,
 * so that the two ends rarely start together. Make before break: the new
 * inbound SA is installed first and the new outbound one standby; the
 * initiator switches to it (sa-set active) when the answer arrives, the
 * responder when the initiator deletes the old SA. The old outbound SA goes
 * at the switch, the old inbound one GRACE_MS later for packets in flight.
 *
 * IKE SAs: the profile's lifetime (85-95 % of it) starts a rekey; SKEYSEED
 * comes from the old SK_d (2.18), the CHILD SAs move to the new IKE SA and
 * the initiator deletes the old one.
 *
 * Collisions: both ends rekeyed the same SA. Of the two new SAs, the one
 * whose exchange carried the lowest of the four nonces is deleted by the
 * end that initiated that exchange; the other end deletes the old SA.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <openssl/crypto.h>

#include "ikesa.h"
#include "ikev2.h"

#define GRACE_MS	5000	/* old inbound SA after the switch */
#define OLD_IKE_MS	30000	/* rekeyed IKE SA the peer does not delete */
#define KE_TRIES	3

#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))

/* ---- soft limits ---------------------------------------------------------- */

static unsigned int jitter_pct(void)
{
	uint8_t r = 0;

	crypto_random(&r, sizeof(r));
	return 85 + r % 11;
}

uint32_t rekey_soft_seconds(uint32_t hard)
{
	uint32_t soft;

	if (!hard)
		return 0;
	soft = (uint32_t)((uint64_t)hard * jitter_pct() / 100);
	return soft ? soft : 1;
}

uint64_t rekey_soft_bytes(uint64_t hard)
{
	return hard / 100 * jitter_pct();
}

/* ---- nonces (2.8.1) ------------------------------------------------------- */

static int nonce_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int r = memcmp(a, b, al < bl ? al : bl);

	if (r)
		return r;
	return (al > bl) - (al < bl);
}

/* The lower of an exchange's two nonces into @out. */
static void nonce_min(uint8_t *out, size_t *out_len, const uint8_t *a,
		      size_t al, const uint8_t *b, size_t bl)
{
	if (nonce_cmp(a, al, b, bl) > 0) {
		a = b;
		al = bl;
	}
	if (al > IKEV2_NONCE_MAX)
		al = IKEV2_NONCE_MAX;
	memcpy(out, a, al);
	*out_len = al;
}

/* ---- old inbound SAs kept for packets in flight --------------------------- */

struct grace {
	struct iked_timer t;
	struct ike_engine *eng;
	struct grace *next;
	int ifindex;
	uint32_t spi;
};

static struct grace *graces;

static void grace_free(struct grace *g)
{
	struct grace **pp;

	for (pp = &graces; *pp; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	iked_timer_del(&g->t);
	iked_kernel_sa_del(g->ifindex, false, g->spi);
	iked_log(LOG_INFO, "old inbound SA 0x%08x deleted", g->spi);
	free(g);
}

static void grace_fire(struct iked_timer *t)
{
	grace_free(container_of(t, struct grace, t));
}

void rekey_engine_fini(void)
{
	struct ike_engine *e = ike_engine_current();
	struct grace *g, *next;

	for (g = graces; g; g = next) {
		next = g->next;
		if (g->eng == e)
			grace_free(g);
	}
}

/*
 * @c was replaced: its outbound SA goes now (the new one carries traffic),
 * its inbound one after GRACE_MS.
 */
static void retire(struct child_sa *c)
{
	struct grace *g = calloc(1, sizeof(*g));

	if (c->installed) {
		iked_kernel_sa_del(c->tun->ifindex, true, c->spi_out);
		if (g) {
			g->t.fn = grace_fire;
			g->eng = ike_engine_current();
			g->ifindex = c->tun->ifindex;
			g->spi = c->spi_in;
			g->next = graces;
			graces = g;
			iked_timer_add(&g->t, GRACE_MS);
			g = NULL;
		} else {
			iked_kernel_sa_del(c->tun->ifindex, false, c->spi_in);
		}
		iked_log(LOG_NOTICE, "%s: CHILD SA in 0x%08x out 0x%08x rekeyed",
			 c->tun->name, c->spi_in, c->spi_out);
		c->installed = false;
	}
	free(g);
	child_free(c, false);
}

/* Traffic to @c's outbound SA (standby until now). */
static void activate(struct child_sa *c)
{
	int err;

	if (!c->standby)
		return;
	err = iked_kernel_sa_activate(c->tun->ifindex, c->spi_out);
	if (err)
		iked_log(LOG_ERR, "%s: activating outbound SA 0x%08x: %s",
			 c->tun->name, c->spi_out, strerror(-err));
	c->standby = false;
}

/* ---- CHILD SAs ------------------------------------------------------------ */

/* The SA the peer's rekey of @c made, waiting for @c's DELETE. */
static struct child_sa *successor(const struct child_sa *c)
{
	struct child_sa *x;

	for (x = c->ike->child; x; x = x->next)
		if (x != c && x->rekey_of == c->spi_in && !x->initiator)
			return x;
	return NULL;
}

void rekey_expire(int ifindex, bool out, uint32_t spi)
{
	struct ike_sa *sa;

	for (sa = ike_engine_current()->sas; sa; sa = sa->next) {
		struct child_sa *c = child_by_spi(sa, out, spi);

		if (!c || c->tun->ifindex != ifindex)
			continue;
		if (sa->state != IKE_S_ESTABLISHED || c->rekey_want ||
		    sa->req_rekey == c || successor(c))
			return;
		iked_log(LOG_INFO, "%s: CHILD SA 0x%08x soft %s expiry: "
			 "rekeying", c->tun->name, spi, out ? "out" : "in");
		c->rekey_want = true;
		run_work(sa);
		return;
	}
}

/*
 * @c reached its hard limit while the peer's replacement still waits for
 * its DELETE: traffic goes to the replacement before @c goes.
 */
void rekey_hard_expire(struct child_sa *c)
{
	struct child_sa *x = successor(c);

	if (x)
		activate(x);
}

/* send_create_child() of a rekey: N(REKEY_SA) first (2.8). */
void rekey_child_begin(struct ike_sa *sa, struct child_sa *c,
		       struct ike_buf *b)
{
	struct child_sa *old = sa->req_rekey;

	msg_add_notify(b, old->protocol, 4, old->spi_in, IKEV2_N_REKEY_SA,
		       NULL, 0);
	c->rekey_of = old->spi_in;
	c->standby = true;
}

static int send_delete_spi(struct ike_sa *sa, uint8_t proto, uint32_t spi)
{
	struct ike_buf b;

	sk_begin(sa, &b, IKEV2_EXCH_INFORMATIONAL, false, sa->req_msgid);
	msg_add_delete(&b, proto, &spi, 1);
	msg_seal_sk(&b, sk_out(sa));
	return send_request(sa, &b, IKEV2_EXCH_INFORMATIONAL);
}

static void queue_delete(struct ike_sa *sa, uint32_t spi_in)
{
	if (sa->n_want_delete < 16)
		sa->want_delete_spi[sa->n_want_delete++] = spi_in;
}

/* Our rekey of sa->req_rekey made @c (installed, outbound standby). */
void rekey_child_done(struct ike_sa *sa, struct child_sa *c,
		      const uint8_t *nr, size_t nr_len)
{
	struct child_sa *old = sa->req_rekey, *x;

	nonce_min(c->nmin, &c->nmin_len, c->nonce, c->nonce_len, nr, nr_len);
	request_done(sa);
	/* the peer rekeyed it too and we answered (2.8.1) */
	x = successor(old);
	if (x && nonce_cmp(c->nmin, c->nmin_len, x->nmin, x->nmin_len) < 0) {
		iked_log(LOG_NOTICE, "%s: CHILD SA rekey collision: ours "
			 "(0x%08x) has the lowest nonce, deleting it",
			 c->tun->name, c->spi_in);
		c->rekey_of = 0;
		queue_delete(sa, c->spi_in);
		run_work(sa);
		return;
	}
	if (x)
		iked_log(LOG_NOTICE, "%s: CHILD SA rekey collision: keeping "
			 "ours (0x%08x), the peer deletes 0x%08x", c->tun->name,
			 c->spi_in, x->spi_out);
	activate(c);
	{
		uint8_t proto = old->protocol;
		uint32_t spi = old->spi_in;

		retire(old);
		if (send_delete_spi(sa, proto, spi))
			iked_log(LOG_ERR, "%s: cannot send DELETE",
				 c->tun->name);
	}
	run_work(sa);
}

/* The peer deleted @c: its successor (if rekeyed) carries traffic now. */
void rekey_deleted(struct child_sa *c)
{
	struct child_sa *x;
	bool rekeyed = false;

	for (x = c->ike->child; x; x = x->next)
		if (x != c && x->rekey_of == c->spi_in && x->installed) {
			activate(x);
			rekeyed = true;
		}
	if (rekeyed)
		retire(c);
	else
		child_free(c, true);
}

static void child_rekey_request(struct ike_sa *sa, const struct ike_parsed *p,
				struct ike_buf *b)
{
	const struct ike_notify *n = msg_find_notify(p, IKEV2_N_REKEY_SA);
	struct child_sa *old = NULL, *c;
	uint8_t nr[IKE_NONCE_LEN];

	if (n && n->spi_len == 4)
		old = child_by_spi(sa, true, (uint32_t)n->spi);
	if (!old) {
		iked_log(LOG_INFO, "%s: rekey of an unknown CHILD SA",
			 sa->tun ? sa->tun->name : sa->gw->name);
		msg_add_notify(b, n ? n->proto : IKEV2_PROTO_ESP,
			       n && n->spi_len == 4 ? 4 : 0, n ? n->spi : 0,
			       IKEV2_N_CHILD_SA_NOT_FOUND, NULL, 0);
		return;
	}
	if (!p->nonce || crypto_random(nr, sizeof(nr))) {
		msg_add_notify(b, IKEV2_PROTO_NONE, 0, 0,
			       IKEV2_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	sa->resp_rekey = old;
	c = child_respond(sa, p, b, true, p->nonce, p->nonce_len, nr,
			  sizeof(nr));
	sa->resp_rekey = NULL;
	if (c) {
		c->rekey_of = old->spi_in;
		nonce_min(c->nmin, &c->nmin_len, p->nonce, p->nonce_len, nr,
			  sizeof(nr));
		iked_log(LOG_INFO, "%s: peer rekeys CHILD SA 0x%08x: 0x%08x",
			 old->tun->name, old->spi_in, c->spi_in);
	}
	OPENSSL_cleanse(nr, sizeof(nr));
}

/* ---- IKE SAs -------------------------------------------------------------- */

struct ike_rekey {
	bool want, sent;
	uint64_t spi;			/* our SPI of the new SA */
	struct ike_dh *dh;
	uint16_t group;
	int ke_tries;
	uint8_t nonce[IKE_NONCE_LEN];
	/* collision: the SA we made answering the peer's rekey */
	struct ike_sa *resp_new;
	uint8_t resp_min[IKEV2_NONCE_MAX];
	size_t resp_min_len;
};

static void rk_free(struct ike_sa *sa)
{
	if (!sa->rk)
		return;
	crypto_dh_free(sa->rk->dh);
	OPENSSL_cleanse(sa->rk, sizeof(*sa->rk));
	free(sa->rk);
	sa->rk = NULL;
}

static void move_children(struct ike_sa *from, struct ike_sa *to)
{
	struct child_sa *c;

	while ((c = from->child)) {
		from->child = c->next;
		c->ike = to;
		c->next = to->child;
		to->child = c;
	}
	to->want_proxy |= from->want_proxy;
	from->want_proxy = 0;
}

void rekey_sa_free(struct ike_sa *sa)
{
	struct ike_sa *s;

	iked_timer_del(&sa->rekey);
	rk_free(sa);
	/* a collision's loser deleted first: its CHILD SAs go back */
	for (s = ike_engine_current()->sas; s; s = s->next)
		if (s->rk && s->rk->resp_new == sa) {
			move_children(sa, s);
			s->rk->resp_new = NULL;
		}
}

/* Rekeyed by the peer: it deletes @sa, or we do after OLD_IKE_MS. */
static void old_wait(struct ike_sa *sa)
{
	iked_timer_del(&sa->rekey);
	sa->state = IKE_S_DELETING;
	iked_timer_add(&sa->life, OLD_IKE_MS);
}

static int ike_rekey_start(struct ike_sa *sa, const char *why)
{
	if (sa->state != IKE_S_ESTABLISHED || sa->rk)
		return -EBUSY;
	sa->rk = calloc(1, sizeof(*sa->rk));
	if (!sa->rk)
		return -ENOMEM;
	iked_log(LOG_INFO, "%s: IKE SA %016llx %s: rekeying",
		 sa->tun ? sa->tun->name : sa->gw->name,
		 (unsigned long long)sa->spi_i, why);
	sa->rk->want = true;
	run_work(sa);
	return 0;
}

static void ike_rekey_fire(struct iked_timer *t)
{
	ike_rekey_start(container_of(t, struct ike_sa, rekey), "lifetime");
}

void rekey_ike_arm(struct ike_sa *sa)
{
	uint32_t life = sa->gw->ike->lifetime;

	if (!life)
		return;
	sa->rekey.fn = ike_rekey_fire;
	iked_timer_add(&sa->rekey, rekey_soft_seconds(life) * 1000u);
}

static int ike_rekey_send(struct ike_sa *sa, uint16_t group)
{
	struct ike_rekey *rk = sa->rk;
	struct ike_proposal props[2];
	uint8_t pub[IKE_DH_MAX];
	struct ike_buf b;
	size_t len;
	int n, i, err;

	n = ike_props_ike(sa->gw->ike, props, 2);
	if (n <= 0)
		return -EINVAL;
	rk->spi = new_spi();
	rk->group = group ? group : sa->ch.dh;
	if (!rk->spi || crypto_random(rk->nonce, sizeof(rk->nonce)) ||
	    new_dh(&rk->dh, rk->group, pub, sizeof(pub), &len))
		return -EIO;
	for (i = 0; i < n; i++) {
		props[i].spi_len = 8;
		props[i].spi = rk->spi;
	}
	sk_begin(sa, &b, IKEV2_EXCH_CREATE_CHILD_SA, false, sa->req_msgid);
	msg_add_sa(&b, props, n);
	msg_add_nonce(&b, rk->nonce, sizeof(rk->nonce));
	msg_add_ke(&b, rk->group, pub, len);
	msg_seal_sk(&b, sk_out(sa));
	err = send_request(sa, &b, IKEV2_EXCH_CREATE_CHILD_SA);
	if (!err)
		rk->sent = true;
	return err;
}

/* Queued rekeys, one request at a time. True if one was tried. */
bool rekey_run(struct ike_sa *sa)
{
	struct child_sa *c;

	if (sa->rk && sa->rk->want) {
		sa->rk->want = false;
		if (ike_rekey_send(sa, 0)) {
			iked_log(LOG_ERR, "%s: cannot build the IKE SA rekey",
				 sa->tun ? sa->tun->name : sa->gw->name);
			rk_free(sa);
		}
		return true;
	}
	for (c = sa->child; c; c = c->next) {
		if (!c->rekey_want)
			continue;
		c->rekey_want = false;
		sa->req_rekey = c;
		if (send_create_child(sa, c->proxy, 0)) {
			sa->req_rekey = NULL;
			iked_log(LOG_ERR, "%s: cannot build the CHILD SA rekey",
				 c->tun->name);
		}
		return true;
	}
	return false;
}

/* The new IKE SA of a rekey of @old, established, keys from old SK_d. */
static struct ike_sa *ike_rekey_new(struct ike_sa *old, bool initiator,
				    uint64_t spi_i, uint64_t spi_r,
				    const struct ike_choice *ch,
				    const uint8_t *gir, size_t gl,
				    const uint8_t *ni, size_t ni_len,
				    const uint8_t *nr, size_t nr_len)
{
	struct ike_algs a;
	struct ike_sa *n;

	if (ike_algs_of(ch, &a))
		return NULL;
	n = sa_new(old->gw, old->tun, initiator);
	if (!n)
		return NULL;
	n->spi_i = spi_i;
	n->spi_r = spi_r;
	n->local = old->local;
	n->peer = old->peer;
	n->ch = *ch;
	n->dh_group = ch->dh;
	if (crypto_ike_keys(&n->keys, &a, &old->keys, gir, gl, ni, ni_len,
			    nr, nr_len, spi_i, spi_r)) {
		n->state = IKE_S_DEAD;
		iked_timer_add(&n->life, 0);
		return NULL;
	}
	n->have_keys = true;
	n->state = IKE_S_ESTABLISHED;
	n->peer_id = old->peer_id;
	n->peer_hashes = old->peer_hashes;
	memcpy(n->local_id_s, old->local_id_s, sizeof(n->local_id_s));
	memcpy(n->peer_id_s, old->peer_id_s, sizeof(n->peer_id_s));
	/* what IKE_SA_INIT negotiated stays: NAT traversal, fragmentation */
	n->natd = old->natd;
	n->nat_local = old->nat_local;
	n->nat_peer = old->nat_peer;
	n->path_set = old->path_set;
	n->path_peer = old->path_peer;
	n->frag_ok = old->frag_ok;
	n->established = (uint64_t)time(NULL);
	log_established(n);
	rekey_ike_arm(n);
	dpd_start(n);
	return n;
}

static const char *sa_name(const struct ike_sa *sa)
{
	return sa->tun ? sa->tun->name : sa->gw->name;
}

/* Our IKE SA rekey's answer. False if it was not one. */
bool rekey_ike_response(struct ike_sa *sa, const struct ike_parsed *p)
{
	struct ike_rekey *rk = sa->rk;
	struct ike_proposal ours[2];
	const struct ike_notify *nt;
	uint8_t gir[IKE_DH_MAX], mine[IKEV2_NONCE_MAX];
	struct ike_choice ch;
	struct ike_sa *n, *x;
	size_t gl = 0, mine_len;
	int np;

	if (!rk || !rk->sent)
		return false;
	rk->sent = false;
	nt = msg_find_notify(p, IKEV2_N_INVALID_KE_PAYLOAD);
	if (nt && nt->len == 2) {
		uint16_t g = (uint16_t)(nt->data[0] << 8 | nt->data[1]);

		request_done(sa);
		if (g != rk->group && rk->ke_tries++ < KE_TRIES &&
		    in_list(sa->gw->ike->dh, sa->gw->ike->n_dh, g) &&
		    !ike_rekey_send(sa, g)) {
			iked_log(LOG_INFO, "%s: peer wants DH group %u for the "
				 "IKE SA rekey", sa_name(sa), g);
			return true;
		}
		goto fail_done;
	}
	np = ike_props_ike(sa->gw->ike, ours, 2);
	if (error_of(p) || !p->has_sa || p->n_prop != 1 || !p->nonce ||
	    !p->has_ke || p->prop[0].spi_len != 8 || !p->prop[0].spi ||
	    ike_prop_choice(&p->prop[0], &ch) || np <= 0 ||
	    !ike_choice_in(&ch, ours, np) || ch.dh != rk->group ||
	    p->ke_group != rk->group ||
	    crypto_dh_derive(rk->dh, p->ke, p->ke_len, gir, sizeof(gir),
			     &gl)) {
		request_done(sa);
		goto fail;
	}
	request_done(sa);
	n = ike_rekey_new(sa, true, rk->spi, p->prop[0].spi, &ch, gir, gl,
			  rk->nonce, sizeof(rk->nonce), p->nonce,
			  p->nonce_len);
	OPENSSL_cleanse(gir, sizeof(gir));
	if (!n)
		goto fail;
	nonce_min(mine, &mine_len, rk->nonce, sizeof(rk->nonce), p->nonce,
		  p->nonce_len);
	x = rk->resp_new;
	if (x && nonce_cmp(mine, mine_len, rk->resp_min,
			   rk->resp_min_len) < 0) {
		/* ours has the lowest nonce: ours goes, the peer's stays and
		 * the peer deletes the old one */
		iked_log(LOG_NOTICE, "%s: IKE SA rekey collision: ours has "
			 "the lowest nonce, deleting %016llx", sa_name(sa),
			 (unsigned long long)n->spi_i);
		rk_free(sa);
		old_wait(sa);
		send_delete_ike(n);
		return true;
	}
	if (x) {
		iked_log(LOG_NOTICE, "%s: IKE SA rekey collision: keeping "
			 "ours, the peer deletes %016llx", sa_name(sa),
			 (unsigned long long)x->spi_i);
		move_children(x, n);
	}
	move_children(sa, n);
	rk_free(sa);
	send_delete_ike(sa);
	run_work(n);
	return true;

fail_done:
	iked_log(LOG_WARNING, "%s: IKE SA not rekeyed: INVALID_KE_PAYLOAD",
		 sa_name(sa));
	goto out;
fail:
	iked_log(LOG_WARNING, "%s: IKE SA not rekeyed%s%s", sa_name(sa),
		 error_of(p) ? ": " : "",
		 error_of(p) ? msg_notify_name(error_of(p)) : "");
out:
	/* the peer's rekey of the same SA made it: that one stays */
	if (rk->resp_new)
		old_wait(sa);
	rk_free(sa);
	run_work(sa);
	return true;
}

static void ike_rekey_request(struct ike_sa *sa, const struct ike_parsed *p,
			      struct ike_buf *b)
{
	uint8_t gir[IKE_DH_MAX], pub[IKE_DH_MAX], nr[IKE_NONCE_LEN];
	struct ike_proposal prop;
	struct ike_dh *dh = NULL;
	struct ike_choice ch;
	struct ike_sa *n;
	size_t gl = 0, pl = 0;
	uint64_t spi_i = 0, spi_r;
	int i;

	if (sa->req_busy && !(sa->rk && sa->rk->sent)) {
		/* our own exchange first (a CHILD SA, a DELETE) */
		msg_add_notify(b, IKEV2_PROTO_NONE, 0, 0,
			       IKEV2_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	if (ike_select_ike(sa->gw->ike, p->prop, p->n_prop, &ch)) {
		msg_add_notify(b, IKEV2_PROTO_NONE, 0, 0,
			       IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	for (i = 0; i < p->n_prop; i++)
		if (p->prop[i].num == ch.num)
			spi_i = p->prop[i].spi;
	if (!p->nonce || !p->has_ke || !spi_i) {
		msg_add_notify(b, IKEV2_PROTO_NONE, 0, 0,
			       IKEV2_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (p->ke_group != ch.dh) {
		uint8_t g[2] = { ch.dh >> 8, ch.dh & 0xff };

		msg_add_notify(b, IKEV2_PROTO_NONE, 0, 0,
			       IKEV2_N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	spi_r = new_spi();
	if (!spi_r || crypto_random(nr, sizeof(nr)) ||
	    new_dh(&dh, ch.dh, pub, sizeof(pub), &pl) ||
	    crypto_dh_derive(dh, p->ke, p->ke_len, gir, sizeof(gir), &gl)) {
		crypto_dh_free(dh);
		msg_add_notify(b, IKEV2_PROTO_NONE, 0, 0,
			       IKEV2_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	crypto_dh_free(dh);
	n = ike_rekey_new(sa, false, spi_i, spi_r, &ch, gir, gl, p->nonce,
			  p->nonce_len, nr, sizeof(nr));
	OPENSSL_cleanse(gir, sizeof(gir));
	if (!n) {
		OPENSSL_cleanse(nr, sizeof(nr));
		msg_add_notify(b, IKEV2_PROTO_NONE, 0, 0,
			       IKEV2_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	ike_choice_prop(&ch, spi_r, 8, &prop);
	msg_add_sa(b, &prop, 1);
	msg_add_nonce(b, nr, sizeof(nr));
	msg_add_ke(b, ch.dh, pub, pl);
	iked_log(LOG_INFO, "%s: peer rekeys IKE SA %016llx: %016llx",
		 sa_name(sa), (unsigned long long)sa->spi_i,
		 (unsigned long long)spi_i);
	move_children(sa, n);
	if (sa->rk && sa->rk->sent) {
		/* collision: decided when our answer comes */
		sa->rk->resp_new = n;
		nonce_min(sa->rk->resp_min, &sa->rk->resp_min_len, p->nonce,
			  p->nonce_len, nr, sizeof(nr));
	} else {
		old_wait(sa);
	}
	OPENSSL_cleanse(nr, sizeof(nr));
}

/* ---- operator's rekey --------------------------------------------------- */

/* @sa carries @t: its tunnel, or one of its CHILD SAs is @t's. */
static bool carries(const struct ike_sa *sa, const struct iked_tunnel *t)
{
	const struct child_sa *c;

	if (sa->tun == t)
		return true;
	for (c = sa->child; c; c = c->next)
		if (c->tun == t)
			return true;
	return false;
}

int ike_tunnel_rekey(const struct iked_tunnel *t, bool ike)
{
	struct ike_sa *sa;
	struct child_sa *c;

	for (sa = ike_engine_current()->sas; sa; sa = sa->next) {
		if (sa->state != IKE_S_ESTABLISHED || !carries(sa, t))
			continue;
		if (ike)
			return ike_rekey_start(sa, "on request");
		for (c = sa->child; c; c = c->next) {
			if (c->tun != t || !c->installed)
				continue;
			if (c->rekey_want || sa->req_rekey == c || successor(c))
				return -EBUSY;
			iked_log(LOG_INFO, "%s: CHILD SA 0x%08x: rekeying on "
				 "request", t->name, c->spi_in);
			c->rekey_want = true;
			run_work(sa);
			return 0;
		}
	}
	return -ENOENT;
}

/* The peer's CREATE_CHILD_SA that rekeys a CHILD or the IKE SA. */
void rekey_request(struct ike_sa *sa, const struct ike_parsed *p,
		   struct ike_buf *b, const uint8_t *msg, size_t len)
{
	struct ike_sa *n = NULL;

	if (p->has_sa && p->n_prop && p->prop[0].proto == IKEV2_PROTO_IKE) {
		struct ike_sa *first = ike_engine_current()->sas;

		ike_rekey_request(sa, p, b);
		if (ike_engine_current()->sas != first)
			n = ike_engine_current()->sas;	/* sa_new() links first */
	} else {
		child_rekey_request(sa, p, b);
	}
	seal_and_respond(sa, b, msg, len);
	if (n && n->state == IKE_S_ESTABLISHED)
		run_work(n);
}
