// SPDX-License-Identifier: GPL-2.0
/*
 * CHILD SAs: traffic selectors (ours from the tunnel, narrowing RFC 7296
 * 2.9), KEYMAT split into the two kernel SAs (RFC 7296 2.17: initiator to
 * responder first, encryption key before integrity key), installation
 * inbound first then outbound, and removal.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <openssl/crypto.h>

#include "ikesa.h"
#include "ikev2.h"
#include "crypto.h"

/* ---- traffic selectors --------------------------------------------------- */

static size_t ts_alen(uint8_t type)
{
	return type == IKEV2_TS_IPV4_ADDR_RANGE ? 4 : 16;
}

static void ts_prefix(struct ike_ts *ts, uint8_t family,
		      const struct in6_addr *a, uint8_t plen)
{
	size_t alen = family == AF_INET ? 4 : 16, i;

	ts->type = family == AF_INET ? IKEV2_TS_IPV4_ADDR_RANGE :
				       IKEV2_TS_IPV6_ADDR_RANGE;
	memset(&ts->lo, 0, sizeof(ts->lo));
	memset(&ts->hi, 0, sizeof(ts->hi));
	for (i = 0; i < alen; i++) {
		int bits = (int)plen - (int)i * 8;
		uint8_t mask = bits >= 8 ? 0xff :
			       bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));

		ts->lo.s6_addr[i] = a->s6_addr[i] & mask;
		ts->hi.s6_addr[i] = a->s6_addr[i] | (uint8_t)~mask;
	}
}

static void ts_add(struct ike_ts_set *s, const struct ike_ts *ts)
{
	if (s->n < IKE_TS_MAX)
		s->ts[s->n++] = *ts;
}

static void ts_add_any(struct ike_ts_set *s, uint8_t family)
{
	struct ike_ts ts = { .port_lo = 0, .port_hi = 65535 };
	struct in6_addr zero = IN6ADDR_ANY_INIT;

	ts_prefix(&ts, family, &zero, 0);
	ts_add(s, &ts);
}

static void ts_proxy(struct ike_ts_set *s, const struct iked_proxy_id *p,
		     bool local)
{
	struct ike_ts ts = { .ip_proto = p->ip_proto };

	ts_prefix(&ts, p->family, local ? &p->local : &p->remote,
		  local ? p->local_len : p->remote_len);
	ts.port_lo = local ? p->local_port_min : p->remote_port_min;
	ts.port_hi = local ? p->local_port_max : p->remote_port_max;
	ts_add(s, &ts);
}

/* What a tunnel (or one of its proxy IDs) allows, local and remote. */
static void tun_ts(const struct iked_tunnel *t, int proxy,
		   struct ike_ts_set *l, struct ike_ts_set *r)
{
	l->n = r->n = 0;
	if (proxy < 0) {
		ts_add_any(l, AF_INET);
		ts_add_any(l, AF_INET6);
		ts_add_any(r, AF_INET);
		ts_add_any(r, AF_INET6);
		return;
	}
	ts_proxy(l, &t->proxy[proxy], true);
	ts_proxy(r, &t->proxy[proxy], false);
}

void child_ts_ours(const struct child_sa *c, struct ike_ts_set *l,
		   struct ike_ts_set *r)
{
	tun_ts(c->tun, c->proxy, l, r);
}

static int addr_cmp(const struct in6_addr *a, const struct in6_addr *b,
		    size_t alen)
{
	return memcmp(a, b, alen);
}

/* a ∩ b into *out; false if empty. */
static bool ts_intersect(const struct ike_ts *a, const struct ike_ts *b,
			 struct ike_ts *out)
{
	size_t alen = ts_alen(a->type);

	if (a->type != b->type)
		return false;
	if (a->ip_proto && b->ip_proto && a->ip_proto != b->ip_proto)
		return false;
	*out = *a;
	out->ip_proto = a->ip_proto ? a->ip_proto : b->ip_proto;
	out->port_lo = a->port_lo > b->port_lo ? a->port_lo : b->port_lo;
	out->port_hi = a->port_hi < b->port_hi ? a->port_hi : b->port_hi;
	if (out->port_lo > out->port_hi)
		return false;
	out->lo = addr_cmp(&a->lo, &b->lo, alen) > 0 ? a->lo : b->lo;
	out->hi = addr_cmp(&a->hi, &b->hi, alen) < 0 ? a->hi : b->hi;
	return addr_cmp(&out->lo, &out->hi, alen) <= 0;
}

static bool ts_within(const struct ike_ts *a, const struct ike_ts *b)
{
	size_t alen = ts_alen(a->type);

	return a->type == b->type &&
	       (!b->ip_proto || a->ip_proto == b->ip_proto) &&
	       a->port_lo >= b->port_lo && a->port_hi <= b->port_hi &&
	       addr_cmp(&a->lo, &b->lo, alen) >= 0 &&
	       addr_cmp(&a->hi, &b->hi, alen) <= 0;
}

/* Each of @theirs inside one of @ours (the initiator checks the answer). */
int child_ts_accept(const struct ike_ts_set *ours,
		    const struct ike_ts_set *theirs)
{
	int i, j;

	if (!theirs->n)
		return -1;
	for (i = 0; i < theirs->n; i++) {
		for (j = 0; j < ours->n; j++)
			if (ts_within(&theirs->ts[i], &ours->ts[j]))
				break;
		if (j == ours->n)
			return -1;
	}
	return 0;
}

static void ts_narrow_set(const struct ike_ts_set *ours,
			  const struct ike_ts_set *theirs,
			  struct ike_ts_set *out)
{
	struct ike_ts x;
	int i, j;

	out->n = 0;
	for (i = 0; i < theirs->n; i++)
		for (j = 0; j < ours->n; j++)
			if (ts_intersect(&theirs->ts[i], &ours->ts[j], &x))
				ts_add(out, &x);
}

/*
 * Responder (RFC 7296 2.9): what the initiator proposed (its TSi is our
 * remote side, its TSr our local side) narrowed to what the tunnel or proxy
 * ID allows. 0 with both sides non-empty, -1: TS_UNACCEPTABLE.
 */
int child_ts_narrow(const struct iked_tunnel *t, int proxy,
		    const struct ike_ts_set *tsi, const struct ike_ts_set *tsr,
		    struct ike_ts_set *l, struct ike_ts_set *r)
{
	struct ike_ts_set ol, or;
	int i, j, fam = 0;

	tun_ts(t, proxy, &ol, &or);
	ts_narrow_set(&or, tsi, r);
	ts_narrow_set(&ol, tsr, l);
	if (!l->n || !r->n)
		return -1;
	/* both sides must share an address family */
	for (i = 0; i < l->n; i++)
		for (j = 0; j < r->n; j++)
			if (l->ts[i].type == r->ts[j].type)
				fam = 1;
	return fam ? 0 : -1;
}

static void ts_one(const struct ike_ts *ts, char *buf, size_t len)
{
	int af = ts->type == IKEV2_TS_IPV4_ADDR_RANGE ? AF_INET : AF_INET6;
	size_t alen = ts_alen(ts->type), i;
	char lo[INET6_ADDRSTRLEN], hi[INET6_ADDRSTRLEN];
	int plen = -1, n;

	inet_ntop(af, &ts->lo, lo, sizeof(lo));
	inet_ntop(af, &ts->hi, hi, sizeof(hi));
	/* a prefix if lo..hi is one */
	for (i = 0, n = 0; i < alen; i++) {
		uint8_t x = ts->lo.s6_addr[i] ^ ts->hi.s6_addr[i];

		if (ts->lo.s6_addr[i] & x)
			break;
		if (x == 0) {
			if (plen >= 0)
				break;
			n += 8;
			continue;
		}
		if ((uint8_t)(x + 1) & x)
			break;
		if (plen >= 0 && x != 0xff)
			break;
		if (plen < 0) {
			plen = n;
			while (!(x & 0x80)) {
				plen++;
				x <<= 1;
			}
		}
	}
	if (i == alen && plen < 0)
		plen = (int)alen * 8;
	if (i == alen)
		n = snprintf(buf, len, "%s/%d", lo, plen);
	else
		n = snprintf(buf, len, "%s-%s", lo, hi);
	if (n >= 0 && (size_t)n < len &&
	    (ts->ip_proto || ts->port_lo || ts->port_hi != 65535))
		snprintf(buf + n, len - (size_t)n, "[%u/%u-%u]", ts->ip_proto,
			 ts->port_lo, ts->port_hi);
}

void ike_ts_format(const struct ike_ts_set *s, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < s->n && off + 1 < len; i++) {
		if (i)
			buf[off++] = ',';
		ts_one(&s->ts[i], buf + off, len - off);
		off += strlen(buf + off);
	}
	buf[off < len ? off : len - 1] = 0;
}

/* ---- kernel SAs ---------------------------------------------------------- */

/* Whether the kernel side can carry this choice. */
bool child_choice_ok(const struct ike_choice *ch)
{
	const struct ike_encr_alg *e = NULL;

	if (ch->proto == IKEV2_PROTO_ESP) {
		e = crypto_encr(ch->encr, ch->encr_keylen);
		if (!e || !e->kernel)
			return false;
	}
	if (ch->integ && (!crypto_integ(ch->integ) ||
			  !crypto_integ(ch->integ)->kernel))
		return false;
	if (!ch->integ && (!e || !e->aead))
		return false;
	return true;
}

int child_algs(const struct ike_choice *ch, struct ike_algs *a)
{
	memset(a, 0, sizeof(*a));
	if (ch->proto == IKEV2_PROTO_ESP) {
		a->encr = crypto_encr(ch->encr, ch->encr_keylen);
		if (!a->encr)
			return -EINVAL;
	}
	if (ch->integ) {
		a->integ = crypto_integ(ch->integ);
		if (!a->integ)
			return -EINVAL;
	}
	if (ch->dh) {
		a->dh = crypto_dh(ch->dh);
		if (!a->dh)
			return -EINVAL;
	}
	a->esn = ch->esn;
	return 0;
}

static void sa_fill(const struct child_sa *c, bool out,
		    const struct ike_child_keys *ck, struct iked_kernel_sa *k)
{
	const struct iked_ipsec_profile *pr = c->tun->ipsec;
	/* the exchange's initiator sends with the i->r keys */
	bool i2r = out == c->initiator;

	memset(k, 0, sizeof(*k));
	crypto_kernel_sa(k, ck, i2r);
	k->ifindex = c->tun->ifindex;
	k->out = out;
	k->spi = out ? c->spi_out : c->spi_in;
	k->proto = c->protocol == IKEV2_PROTO_AH ? IPPROTO_AH : IPPROTO_ESP;
	k->esn = c->ch.esn;
	k->replay_window = out ? 0 : c->tun->replay_window;
	k->proxy_id = c->proxy >= 0 ? c->tun->proxy[c->proxy].id : 0;
	k->standby = out && c->standby;
	k->hard_seconds = pr->lifetime;
	k->soft_seconds = rekey_soft_seconds(pr->lifetime);
	k->hard_bytes = pr->lifetime_bytes;
	k->soft_bytes = rekey_soft_bytes(pr->lifetime_bytes);
}

/*
 * Inbound first so that the peer's first packet finds its SA; if the
 * outbound one fails the inbound one goes too. The caller clears @ck.
 */
int child_install(struct child_sa *c, const struct ike_child_keys *ck)
{
	struct iked_kernel_sa in, out;
	int err;

	/* the device's remote and ESP in UDP first (NAT traversal) */
	err = natt_child_path(c->ike, c);
	if (err)
		return err;
	sa_fill(c, false, ck, &in);
	sa_fill(c, true, ck, &out);
	err = iked_kernel_sa_add(&in);
	if (err) {
		iked_log(LOG_ERR, "%s: inbound SA 0x%08x: %s", c->tun->name,
			 c->spi_in, strerror(-err));
		return err;
	}
	err = iked_kernel_sa_add(&out);
	if (err) {
		iked_log(LOG_ERR, "%s: outbound SA 0x%08x: %s", c->tun->name,
			 c->spi_out, strerror(-err));
		iked_kernel_sa_del(c->tun->ifindex, false, c->spi_in);
		return err;
	}
	c->installed = true;
	c->established = (uint64_t)time(NULL);
	child_info(c);
	iked_log(LOG_NOTICE, "%s: CHILD SA in 0x%08x out 0x%08x %s%s%s%s%s "
		 "%s === %s", c->tun->name, c->spi_in, c->spi_out,
		 c->info.encr, c->info.integ[0] ? " " : "", c->info.integ,
		 c->info.dh[0] ? " " : "", c->info.dh, c->info.local_ts,
		 c->info.remote_ts);
	return 0;
}

void child_info(struct child_sa *c)
{
	const struct ike_encr_alg *e = crypto_encr(c->ch.encr,
						   c->ch.encr_keylen);
	const struct ike_integ_alg *a = crypto_integ(c->ch.integ);
	const struct ike_dh_alg *d = crypto_dh(c->ch.dh);
	struct ike_child_info *i = &c->info;

	memset(i, 0, sizeof(*i));
	i->spi_in = c->spi_in;
	i->spi_out = c->spi_out;
	i->protocol = c->protocol;
	i->proxy_id = c->proxy >= 0 ? c->tun->proxy[c->proxy].id : 0;
	if (c->protocol == IKEV2_PROTO_ESP && e)
		snprintf(i->encr, sizeof(i->encr), "%s", e->name);
	if (c->ch.integ && a)
		snprintf(i->integ, sizeof(i->integ), "%s", a->name);
	if (c->ch.dh && d)
		snprintf(i->dh, sizeof(i->dh), "%s", d->name);
	i->esn = c->ch.esn;
	i->established = c->established;
	i->lifetime = c->tun->ipsec->lifetime;
	ike_ts_format(&c->ts_l, i->local_ts, sizeof(i->local_ts));
	ike_ts_format(&c->ts_r, i->remote_ts, sizeof(i->remote_ts));
}

/* ---- lifecycle ----------------------------------------------------------- */

struct child_sa *child_new(struct ike_sa *sa, const struct iked_tunnel *t,
			   int proxy)
{
	struct child_sa *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->ike = sa;
	c->tun = t;
	c->proxy = proxy;
	c->protocol = t->ipsec->protocol;
	c->initiator = sa->initiator;
	if (iked_kernel_spi_alloc(t->ifindex, &c->spi_in)) {
		free(c);
		return NULL;
	}
	c->next = sa->child;
	sa->child = c;
	return c;
}

/* Unlinks and frees @c; @kernel: remove its kernel SAs too. */
void child_free(struct child_sa *c, bool kernel)
{
	struct child_sa **pp;

	if (c->ike->req_child == c)
		c->ike->req_child = NULL;	/* its answer finds nothing */
	if (c->ike->req_rekey == c)
		c->ike->req_rekey = NULL;
	if (c->ike->resp_rekey == c)
		c->ike->resp_rekey = NULL;
	for (pp = &c->ike->child; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (kernel && c->installed) {
		/* outbound first: nothing is sent on an SA the peer dropped */
		iked_kernel_sa_del(c->tun->ifindex, true, c->spi_out);
		iked_kernel_sa_del(c->tun->ifindex, false, c->spi_in);
		iked_log(LOG_NOTICE, "%s: CHILD SA in 0x%08x out 0x%08x deleted",
			 c->tun->name, c->spi_in, c->spi_out);
	}
	crypto_dh_free(c->dh);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}
