// SPDX-License-Identifier: GPL-2.0
/*
 * IKEv2 message builder and parser. See msg.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "msg.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t getn(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void putn(uint8_t *p, uint64_t v, size_t n)
{
	while (n--) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

/* ---------------------------------------------------------------------------
 * Builder.
 */

void msg_init(struct ike_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void msg_free(struct ike_buf *b)
{
	free(b->data);
	msg_init(b);
}

uint8_t *msg_steal(struct ike_buf *b, size_t *len)
{
	uint8_t *d = b->data;

	*len = b->len;
	msg_init(b);
	return d;
}

static int buf_fail(struct ike_buf *b, int err)
{
	if (!b->err)
		b->err = err;
	return b->err;
}

/* Room for @len more bytes; returns where they go, or NULL. */
static uint8_t *buf_grow(struct ike_buf *b, size_t len)
{
	uint8_t *p;
	size_t cap;

	if (b->err)
		return NULL;
	if (len > IKEV2_MSG_MAX || b->len + len > IKEV2_MSG_MAX) {
		buf_fail(b, -EMSGSIZE);
		return NULL;
	}
	if (b->len + len > b->cap) {
		cap = b->cap ? b->cap : 512;
		while (cap < b->len + len)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p) {
			buf_fail(b, -ENOMEM);
			return NULL;
		}
		b->data = p;
		b->cap = cap;
	}
	p = b->data + b->len;
	memset(p, 0, len);
	b->len += len;
	return p;
}

static void close_xform(struct ike_buf *b)
{
	if (!b->xf_off)
		return;
	put16(b->data + b->xf_off + 2, (uint16_t)(b->len - b->xf_off));
	b->xf_off = 0;
}

static void close_prop(struct ike_buf *b)
{
	close_xform(b);
	if (!b->prop_off)
		return;
	put16(b->data + b->prop_off + 2, (uint16_t)(b->len - b->prop_off));
	b->data[b->prop_off + 7] = b->n_xf;
	b->prop_off = 0;
	b->n_xf = 0;
}

static void close_payload(struct ike_buf *b)
{
	if (b->err)
		return;
	close_prop(b);
	if (!b->pl_off)
		return;
	put16(b->data + b->pl_off + 2, (uint16_t)(b->len - b->pl_off));
	b->pl_off = 0;
}

int msg_begin(struct ike_buf *b, const struct ike_hdr *h)
{
	uint8_t *p;

	free(b->data);
	msg_init(b);
	p = buf_grow(b, IKEV2_HDR_LEN);
	if (!p)
		return b->err;
	putn(p, h->spi_i, 8);
	putn(p + 8, h->spi_r, 8);
	p[17] = IKEV2_VERSION;
	p[18] = h->exchange;
	p[19] = h->flags;
	put32(p + 20, h->msgid);
	b->next_off = 16;
	return 0;
}

int msg_add_payload(struct ike_buf *b, uint8_t type, bool critical)
{
	uint8_t *p;

	if (b->err)
		return b->err;
	if (!b->next_off)
		return buf_fail(b, -EINVAL);	/* after msg_begin only */
	close_payload(b);
	p = buf_grow(b, IKEV2_GEN_HDR_LEN);
	if (!p)
		return b->err;
	b->data[b->next_off] = type;
	b->next_off = b->len - IKEV2_GEN_HDR_LEN;
	b->pl_off = b->next_off;
	b->pl_type = type;
	p[1] = critical ? IKEV2_CRITICAL : 0;
	return 0;
}

uint8_t *msg_put(struct ike_buf *b, size_t len)
{
	if (!b->err && !b->pl_off) {
		buf_fail(b, -EINVAL);
		return NULL;
	}
	return buf_grow(b, len);
}

int msg_put_bytes(struct ike_buf *b, const void *data, size_t len)
{
	uint8_t *p = msg_put(b, len);

	if (!p)
		return b->err;
	if (len)
		memcpy(p, data, len);
	return 0;
}

int msg_put_u8(struct ike_buf *b, uint8_t v)
{
	return msg_put_bytes(b, &v, 1);
}

int msg_put_u16(struct ike_buf *b, uint16_t v)
{
	uint8_t d[2];

	put16(d, v);
	return msg_put_bytes(b, d, 2);
}

int msg_put_u32(struct ike_buf *b, uint32_t v)
{
	uint8_t d[4];

	put32(d, v);
	return msg_put_bytes(b, d, 4);
}

int msg_put_u64(struct ike_buf *b, uint64_t v)
{
	uint8_t d[8];

	putn(d, v, 8);
	return msg_put_bytes(b, d, 8);
}

int msg_sa_begin(struct ike_buf *b)
{
	return msg_add_payload(b, IKEV2_PL_SA, false);
}

int msg_sa_prop(struct ike_buf *b, uint8_t num, uint8_t proto,
		uint8_t spi_len, uint64_t spi)
{
	size_t off;
	uint8_t *p;

	if (b->err)
		return b->err;
	if (!b->pl_off || b->pl_type != IKEV2_PL_SA || spi_len > 8)
		return buf_fail(b, -EINVAL);
	if (b->prop_off) {
		b->data[b->prop_off] = IKEV2_PROP_MORE;
		close_prop(b);
	}
	off = b->len;
	p = msg_put(b, IKEV2_PROP_HDR_LEN + spi_len);
	if (!p)
		return b->err;
	p[4] = num;
	p[5] = proto;
	p[6] = spi_len;
	putn(p + 8, spi, spi_len);
	b->prop_off = off;
	b->n_xf = 0;
	return 0;
}

int msg_sa_xform(struct ike_buf *b, uint8_t type, uint16_t id,
		 uint16_t keylen)
{
	size_t off;
	uint8_t *p;

	if (b->err)
		return b->err;
	if (!b->prop_off || b->n_xf == 255)
		return buf_fail(b, -EINVAL);
	if (b->xf_off) {
		b->data[b->xf_off] = IKEV2_XFORM_MORE;
		close_xform(b);
	}
	off = b->len;
	p = msg_put(b, IKEV2_XFORM_HDR_LEN + (keylen ? 4 : 0));
	if (!p)
		return b->err;
	p[4] = type;
	put16(p + 6, id);
	if (keylen) {
		put16(p + 8, IKEV2_ATTR_TV | IKEV2_ATTR_KEYLEN);
		put16(p + 10, keylen);
	}
	b->xf_off = off;
	b->n_xf++;
	return 0;
}

int msg_add_sa(struct ike_buf *b, const struct ike_proposal *props, int n)
{
	int i, j;

	if (n <= 0)
		return buf_fail(b, -EINVAL);
	msg_sa_begin(b);
	for (i = 0; i < n; i++) {
		const struct ike_proposal *pr = &props[i];

		msg_sa_prop(b, pr->num, pr->proto, pr->spi_len, pr->spi);
		for (j = 0; j < pr->n_xf; j++)
			msg_sa_xform(b, pr->xf[j].type, pr->xf[j].id,
				     pr->xf[j].keylen);
	}
	return b->err;
}

/* A payload with a small fixed header then data. */
static int add_simple(struct ike_buf *b, uint8_t type, const uint8_t *hdr,
		      size_t hlen, const uint8_t *data, size_t len)
{
	msg_add_payload(b, type, false);
	msg_put_bytes(b, hdr, hlen);
	msg_put_bytes(b, data, len);
	return b->err;
}

int msg_add_ke(struct ike_buf *b, uint16_t group, const uint8_t *pub,
	       size_t len)
{
	uint8_t h[4] = { 0 };

	put16(h, group);
	return add_simple(b, IKEV2_PL_KE, h, 4, pub, len);
}

int msg_add_nonce(struct ike_buf *b, const uint8_t *nonce, size_t len)
{
	return add_simple(b, IKEV2_PL_NONCE, NULL, 0, nonce, len);
}

int msg_add_id(struct ike_buf *b, uint8_t pltype, const struct iked_id *id)
{
	uint8_t h[4] = { id->type, 0, 0, 0 };

	if ((pltype != IKEV2_PL_IDI && pltype != IKEV2_PL_IDR) ||
	    id->len > IKED_ID_MAX)
		return buf_fail(b, -EINVAL);
	return add_simple(b, pltype, h, 4, id->data, id->len);
}

int msg_add_auth(struct ike_buf *b, uint8_t method, const uint8_t *data,
		 size_t len)
{
	uint8_t h[4] = { method, 0, 0, 0 };

	return add_simple(b, IKEV2_PL_AUTH, h, 4, data, len);
}

int msg_add_cert(struct ike_buf *b, uint8_t enc, const uint8_t *der,
		 size_t len)
{
	return add_simple(b, IKEV2_PL_CERT, &enc, 1, der, len);
}

int msg_add_certreq(struct ike_buf *b, uint8_t enc, const uint8_t *data,
		    size_t len)
{
	return add_simple(b, IKEV2_PL_CERTREQ, &enc, 1, data, len);
}

int msg_add_notify(struct ike_buf *b, uint8_t proto, uint8_t spi_len,
		   uint64_t spi, uint16_t type, const uint8_t *data,
		   size_t len)
{
	uint8_t h[4 + 8] = { proto, spi_len };

	if (spi_len > 8)
		return buf_fail(b, -EINVAL);
	put16(h + 2, type);
	putn(h + 4, spi, spi_len);
	return add_simple(b, IKEV2_PL_NOTIFY, h, 4u + spi_len, data, len);
}

int msg_add_delete(struct ike_buf *b, uint8_t proto, const uint32_t *spis,
		   int n)
{
	uint8_t h[4] = { proto, proto == IKEV2_PROTO_IKE ? 0 : 4 };
	int i;

	if (n < 0 || n > 0xffff || (proto == IKEV2_PROTO_IKE && n))
		return buf_fail(b, -EINVAL);
	put16(h + 2, (uint16_t)n);
	msg_add_payload(b, IKEV2_PL_DELETE, false);
	msg_put_bytes(b, h, 4);
	for (i = 0; i < n; i++)
		msg_put_u32(b, spis[i]);
	return b->err;
}

int msg_add_ts(struct ike_buf *b, uint8_t pltype, const struct ike_ts *ts,
	       int n)
{
	uint8_t h[4] = { (uint8_t)n };
	uint8_t *p;
	size_t alen;
	int i;

	if ((pltype != IKEV2_PL_TSI && pltype != IKEV2_PL_TSR) ||
	    n <= 0 || n > 255)
		return buf_fail(b, -EINVAL);
	msg_add_payload(b, pltype, false);
	msg_put_bytes(b, h, 4);
	for (i = 0; i < n; i++) {
		if (ts[i].type == IKEV2_TS_IPV4_ADDR_RANGE)
			alen = 4;
		else if (ts[i].type == IKEV2_TS_IPV6_ADDR_RANGE)
			alen = 16;
		else
			return buf_fail(b, -EINVAL);
		p = msg_put(b, 8 + 2 * alen);
		if (!p)
			return b->err;
		p[0] = ts[i].type;
		p[1] = ts[i].ip_proto;
		put16(p + 2, (uint16_t)(8 + 2 * alen));
		put16(p + 4, ts[i].port_lo);
		put16(p + 6, ts[i].port_hi);
		memcpy(p + 8, &ts[i].lo, alen);
		memcpy(p + 8 + alen, &ts[i].hi, alen);
	}
	return b->err;
}

int msg_add_vendor(struct ike_buf *b, const uint8_t *vid, size_t len)
{
	return add_simple(b, IKEV2_PL_VENDOR, NULL, 0, vid, len);
}

int msg_sk_begin(struct ike_buf *b, const struct ike_sk *sk)
{
	if (b->err)
		return b->err;
	if (b->sk_off || !sk->encr)
		return buf_fail(b, -EINVAL);
	msg_add_payload(b, IKEV2_PL_SK, false);
	if (b->err)
		return b->err;
	b->sk_off = b->pl_off;
	msg_put(b, crypto_sk_iv_len(sk));
	/* inner payloads: the SK header's next field points at the first,
	 * and none of them closes the SK payload
	 */
	b->pl_off = 0;
	return b->err;
}

static void fix_lengths(struct ike_buf *b)
{
	put32(b->data + 24, (uint32_t)b->len);
}

int msg_seal_sk(struct ike_buf *b, struct ike_sk *sk)
{
	size_t plain, pad, icv;
	uint8_t *p;
	int ret;

	if (b->err)
		return b->err;
	if (!b->sk_off)
		return buf_fail(b, -EINVAL);
	close_payload(b);
	plain = b->len - b->sk_off - IKEV2_GEN_HDR_LEN - crypto_sk_iv_len(sk);
	pad = crypto_sk_pad_len(sk, plain);
	icv = crypto_sk_icv_len(sk);
	p = buf_grow(b, pad + 1 + icv);
	if (!p)
		return b->err;
	p[pad] = (uint8_t)pad;
	put16(b->data + b->sk_off + 2, (uint16_t)(b->len - b->sk_off));
	fix_lengths(b);
	ret = crypto_sk_encrypt(sk, b->data, b->len, b->sk_off);
	if (ret)
		return buf_fail(b, ret);
	return 0;
}

int msg_end(struct ike_buf *b)
{
	if (b->err)
		return b->err;
	if (b->sk_off || !b->next_off)
		return buf_fail(b, -EINVAL);	/* SK: use msg_seal_sk() */
	close_payload(b);
	fix_lengths(b);
	return b->err;
}

/* ---------------------------------------------------------------------------
 * Parser.
 */

static int bad(struct ike_parsed *p, int drop)
{
	p->drop = drop;
	return -EBADMSG;
}

int msg_peek_hdr(const uint8_t *msg, size_t len, struct ike_hdr *h)
{
	if (len < IKEV2_HDR_LEN)
		return -EBADMSG;
	h->spi_i = getn(msg, 8);
	h->spi_r = getn(msg + 8, 8);
	h->next = msg[16];
	h->version = msg[17];
	h->exchange = msg[18];
	h->flags = msg[19];
	h->msgid = get32(msg + 20);
	h->length = get32(msg + 24);
	return 0;
}

/* Known payload types: the parser decodes these (others are skipped if
 * not critical).
 */
static bool known_payload(uint8_t type)
{
	switch (type) {
	case IKEV2_PL_SA: case IKEV2_PL_KE: case IKEV2_PL_IDI:
	case IKEV2_PL_IDR: case IKEV2_PL_CERT: case IKEV2_PL_CERTREQ:
	case IKEV2_PL_AUTH: case IKEV2_PL_NONCE: case IKEV2_PL_NOTIFY:
	case IKEV2_PL_DELETE: case IKEV2_PL_VENDOR: case IKEV2_PL_TSI:
	case IKEV2_PL_TSR: case IKEV2_PL_SK: case IKEV2_PL_CP:
	case IKEV2_PL_EAP: case IKEV2_PL_SKF:
		return true;
	}
	return false;
}

static bool once(struct ike_parsed *p, uint8_t type)
{
	return !msg_has(p, type);
}

/* One transform: header and attributes. *skip when an attribute is not
 * understood or invalid (RFC 7296 3.3.6: the transform is then ignored).
 */
static int parse_xform(const uint8_t *x, size_t len, struct ike_xf *xf,
		       bool *skip)
{
	size_t off = IKEV2_XFORM_HDR_LEN;
	bool have_keylen = false;
	uint16_t at, alen;

	memset(xf, 0, sizeof(*xf));
	xf->type = x[4];
	xf->id = get16(x + 6);
	*skip = false;
	while (off < len) {
		if (len - off < 4)
			return -1;
		at = get16(x + off);
		if (!(at & IKEV2_ATTR_TV)) {
			/* TLV: none is defined for IKEv2 */
			alen = get16(x + off + 2);
			if (len - off - 4 < alen)
				return -1;
			*skip = true;
			off += 4u + alen;
			continue;
		}
		if ((at & ~IKEV2_ATTR_TV) != IKEV2_ATTR_KEYLEN || have_keylen)
			*skip = true;
		have_keylen = true;
		xf->keylen = get16(x + off + 2);
		if (!xf->keylen)
			*skip = true;
		off += 4;
	}
	return 0;
}

static int parse_proposal(struct ike_parsed *p, const uint8_t *pr,
			  size_t len, int prev_num)
{
	struct ike_proposal tmp, *dst;
	size_t off, spi_len, xlen;
	int n_xf, i;
	struct ike_xf xf;
	bool skip;

	if (len < IKEV2_PROP_HDR_LEN)
		return -1;
	spi_len = pr[6];
	n_xf = pr[7];
	/* requests number them 1, 2...; a response's one proposal carries
	 * the number of the one accepted
	 */
	if (pr[4] <= prev_num)
		return -1;
	if (spi_len != 0 && spi_len != 4 && spi_len != 8)
		return -1;
	if (len < IKEV2_PROP_HDR_LEN + spi_len)
		return -1;
	memset(&tmp, 0, sizeof(tmp));
	tmp.num = pr[4];
	tmp.proto = pr[5];
	tmp.spi_len = (uint8_t)spi_len;
	tmp.spi = getn(pr + 8, spi_len);
	off = IKEV2_PROP_HDR_LEN + spi_len;
	for (i = 0; i < n_xf; i++) {
		if (len - off < IKEV2_XFORM_HDR_LEN)
			return -1;
		/* "last" 0 on the last transform only, 3 on the others */
		if (pr[off] != (i == n_xf - 1 ? IKEV2_XFORM_LAST :
				IKEV2_XFORM_MORE))
			return -1;
		xlen = get16(pr + off + 2);
		if (xlen < IKEV2_XFORM_HDR_LEN || xlen > len - off)
			return -1;
		if (parse_xform(pr + off, xlen, &xf, &skip))
			return -1;
		if (!skip && tmp.n_xf < IKE_PROP_XF_MAX)
			tmp.xf[tmp.n_xf++] = xf;
		off += xlen;
	}
	if (off != len)
		return -1;
	if (p->n_prop == IKE_PROP_MAX) {
		p->n_prop_skipped++;
		return 0;
	}
	dst = &p->prop[p->n_prop++];
	*dst = tmp;
	return 0;
}

static int parse_sa(struct ike_parsed *p, const uint8_t *d, size_t len)
{
	size_t off = 0, plen;
	int prev = 0;

	if (!len)
		return -1;
	while (off < len) {
		if (len - off < IKEV2_PROP_HDR_LEN)
			return -1;
		plen = get16(d + off + 2);
		if (plen < IKEV2_PROP_HDR_LEN || plen > len - off)
			return -1;
		if (parse_proposal(p, d + off, plen, prev))
			return -1;
		prev = d[off + 4];
		off += plen;
		if (d[off - plen] == IKEV2_PROP_LAST) {
			if (off != len)
				return -1;
		} else if (d[off - plen] != IKEV2_PROP_MORE || off == len) {
			return -1;
		}
	}
	p->has_sa = true;
	return 0;
}

static int parse_ts(struct ike_ts *out, int *n_out, const uint8_t *d,
		    size_t len)
{
	size_t off = 4, tlen, alen;
	int n, i;

	if (len < 4)
		return -1;
	n = d[0];
	if (!n || n > IKE_TS_MAX)
		return -1;
	*n_out = 0;
	for (i = 0; i < n; i++) {
		struct ike_ts *ts;

		if (len - off < 4)
			return -1;
		tlen = get16(d + off + 2);
		if (tlen < 4 || tlen > len - off)
			return -1;
		if (d[off] == IKEV2_TS_IPV4_ADDR_RANGE) {
			alen = 4;
		} else if (d[off] == IKEV2_TS_IPV6_ADDR_RANGE) {
			alen = 16;
		} else {
			/* other types (Fibre Channel...): not ours to
			 * match, left out as narrowing would leave them
			 */
			off += tlen;
			continue;
		}
		if (tlen != 8 + 2 * alen)
			return -1;
		ts = &out[(*n_out)++];
		memset(ts, 0, sizeof(*ts));
		ts->type = d[off];
		ts->ip_proto = d[off + 1];
		ts->port_lo = get16(d + off + 4);
		ts->port_hi = get16(d + off + 6);
		memcpy(&ts->lo, d + off + 8, alen);
		memcpy(&ts->hi, d + off + 8 + alen, alen);
		off += tlen;
	}
	if (off != len)
		return -1;
	return 0;
}

static int parse_id(struct ike_idp *id, const uint8_t *d, size_t len)
{
	if (len < 4 || len - 4 > IKED_ID_MAX)
		return -1;
	id->present = true;
	id->type = d[0];
	id->data = d + 4;
	id->len = len - 4;
	id->body = d;
	id->body_len = len;
	return 0;
}

static int parse_notify(struct ike_parsed *p, const uint8_t *d, size_t len)
{
	struct ike_notify *n;
	size_t spi_len;

	if (len < 4)
		return -1;
	spi_len = d[1];
	if (spi_len != 0 && spi_len != 4 && spi_len != 8)
		return -1;
	if (len < 4 + spi_len)
		return -1;
	if (p->n_notify == IKE_NOTIFY_MAX)
		return -1;
	n = &p->notify[p->n_notify++];
	n->proto = d[0];
	n->spi_len = (uint8_t)spi_len;
	n->type = get16(d + 2);
	n->spi = getn(d + 4, spi_len);
	n->data = d + 4 + spi_len;
	n->len = len - 4 - spi_len;
	return 0;
}

static int parse_delete(struct ike_parsed *p, const uint8_t *d, size_t len)
{
	struct ike_delete *del;
	size_t spi_len, n;

	if (len < 4 || p->n_del == IKE_DELETE_MAX)
		return -1;
	spi_len = d[1];
	n = get16(d + 2);
	if (d[0] == IKEV2_PROTO_IKE) {
		if (spi_len || n)
			return -1;
	} else if (d[0] == IKEV2_PROTO_ESP || d[0] == IKEV2_PROTO_AH) {
		if (spi_len != 4 || !n)
			return -1;
	} else {
		return -1;
	}
	if (len - 4 != n * spi_len)
		return -1;
	del = &p->del[p->n_del++];
	del->proto = d[0];
	del->spi_len = (uint8_t)spi_len;
	del->n_spi = (uint16_t)n;
	del->spis = d + 4;
	return 0;
}

static int parse_blob(struct ike_blob *b, int *n, int max, const uint8_t *d,
		      size_t len, size_t hlen)
{
	if (len < hlen || *n == max)
		return -1;
	b[*n].kind = d[0];
	b[*n].data = d + hlen;
	b[*n].len = len - hlen;
	(*n)++;
	return 0;
}

/* Decodes one payload's body. */
static int parse_body(struct ike_parsed *p, uint8_t type, const uint8_t *d,
		      size_t len)
{
	switch (type) {
	case IKEV2_PL_SA:
		return once(p, type) ? parse_sa(p, d, len) : -1;
	case IKEV2_PL_KE:
		if (!once(p, type) || len < 4)
			return -1;
		p->has_ke = true;
		p->ke_group = get16(d);
		p->ke = d + 4;
		p->ke_len = len - 4;
		return p->ke_len ? 0 : -1;
	case IKEV2_PL_NONCE:
		if (!once(p, type) || len < IKEV2_NONCE_MIN ||
		    len > IKEV2_NONCE_MAX)
			return -1;
		p->nonce = d;
		p->nonce_len = len;
		return 0;
	case IKEV2_PL_IDI:
		return once(p, type) ? parse_id(&p->idi, d, len) : -1;
	case IKEV2_PL_IDR:
		return once(p, type) ? parse_id(&p->idr, d, len) : -1;
	case IKEV2_PL_AUTH:
		if (!once(p, type) || len < 5)
			return -1;
		p->has_auth = true;
		p->auth.kind = d[0];
		p->auth.data = d + 4;
		p->auth.len = len - 4;
		return 0;
	case IKEV2_PL_CERT:
		return parse_blob(p->cert, &p->n_cert, IKE_CERT_MAX, d, len, 1);
	case IKEV2_PL_CERTREQ:
		/* only a hint: more than we keep are ignored */
		if (p->n_certreq == IKE_CERT_MAX)
			return len ? 0 : -1;
		return parse_blob(p->certreq, &p->n_certreq, IKE_CERT_MAX, d,
				  len, 1);
	case IKEV2_PL_NOTIFY:
		return parse_notify(p, d, len);
	case IKEV2_PL_DELETE:
		return parse_delete(p, d, len);
	case IKEV2_PL_TSI:
		if (!once(p, type) || parse_ts(p->tsi, &p->n_tsi, d, len))
			return -1;
		p->has_tsi = true;
		return 0;
	case IKEV2_PL_TSR:
		if (!once(p, type) || parse_ts(p->tsr, &p->n_tsr, d, len))
			return -1;
		p->has_tsr = true;
		return 0;
	}
	return 0;	/* VENDOR, CP, EAP, SKF: indexed only */
}

/*
 * Walks a payload chain of @len bytes at @d whose first type is @next.
 * Stops after an SK payload (it must be the last one, *sk_at set).
 */
static int parse_chain(struct ike_parsed *p, uint8_t next, const uint8_t *d,
		       size_t len, bool inner, size_t *sk_at)
{
	size_t off = 0, plen;
	uint8_t type;
	struct ike_pl *pl;

	while (next != IKEV2_PL_NONE) {
		type = next;
		if (len - off < IKEV2_GEN_HDR_LEN)
			return bad(p, IKE_DROP_MALFORMED);
		next = d[off];
		plen = get16(d + off + 2);
		if (plen < IKEV2_GEN_HDR_LEN || plen > len - off)
			return bad(p, IKE_DROP_MALFORMED);
		if (p->n_pl == IKE_PL_MAX)
			return bad(p, IKE_DROP_MALFORMED);
		if (!known_payload(type)) {
			/* RFC 7296 2.5: skip unknown, refuse unknown critical */
			if ((d[off + 1] & IKEV2_CRITICAL) &&
			    !p->unsupported_critical)
				p->unsupported_critical = type;
			off += plen;
			continue;
		}
		pl = &p->pl[p->n_pl++];
		pl->type = type;
		pl->critical = d[off + 1] & IKEV2_CRITICAL;
		pl->inner = inner;
		pl->body = d + off + IKEV2_GEN_HDR_LEN;
		pl->len = plen - IKEV2_GEN_HDR_LEN;
		if (type == IKEV2_PL_SK) {
			/* last payload; its "next" is the first inner one */
			if (inner || off + plen != len || p->sk)
				return bad(p, IKE_DROP_MALFORMED);
			p->sk = d + off;
			p->sk_len = plen;
			*sk_at = off;
			p->seen |= 1ull << (type - 32);
			return 0;
		}
		if (type == IKEV2_PL_SKF)
			return bad(p, IKE_DROP_MALFORMED);	/* not offered */
		if (parse_body(p, type, pl->body, pl->len))
			return bad(p, IKE_DROP_MALFORMED);
		p->seen |= 1ull << (type - 32);
		off += plen;
	}
	if (off != len)
		return bad(p, IKE_DROP_MALFORMED);
	return 0;
}

int msg_parse(struct ike_parsed *p, const uint8_t *msg, size_t len)
{
	size_t sk_at = 0;
	int ret;

	memset(p, 0, sizeof(*p));
	if (msg_peek_hdr(msg, len, &p->hdr))
		return bad(p, IKE_DROP_SHORT);
	if ((p->hdr.version >> 4) != 2)
		return bad(p, IKE_DROP_VERSION);
	if (p->hdr.length < IKEV2_HDR_LEN || p->hdr.length > len)
		return bad(p, IKE_DROP_SHORT);
	if (p->hdr.length != len)
		return bad(p, IKE_DROP_MALFORMED);
	p->buf = malloc(len);
	if (!p->buf)
		return -ENOMEM;
	memcpy(p->buf, msg, len);
	p->len = len;
	ret = parse_chain(p, p->hdr.next, p->buf + IKEV2_HDR_LEN,
			  len - IKEV2_HDR_LEN, false, &sk_at);
	if (ret)
		return ret;
	if (p->unsupported_critical)
		return -EPROTONOSUPPORT;
	return 0;
}

int msg_open_sk(struct ike_parsed *p, const struct ike_sk *sk)
{
	size_t sk_off, plain_len, dummy;
	uint8_t *plain;
	int ret;

	if (!p->sk || p->sk_open)
		return bad(p, IKE_DROP_MALFORMED);
	sk_off = (size_t)(p->sk - p->buf);
	ret = crypto_sk_decrypt(sk, p->buf, p->len, sk_off, &plain,
				&plain_len);
	if (ret == -EBADMSG)
		return bad(p, IKE_DROP_INTEGRITY);
	if (ret == -EINVAL)
		return bad(p, IKE_DROP_MALFORMED);
	if (ret)
		return ret;
	p->sk_open = true;
	ret = parse_chain(p, p->sk[0], plain, plain_len, true, &dummy);
	if (ret)
		return ret;
	if (p->unsupported_critical)
		return -EPROTONOSUPPORT;
	return 0;
}

void msg_parsed_free(struct ike_parsed *p)
{
	if (p->buf) {
		/* decrypted inner payloads may hold nonces and KE data */
		crypto_cleanse(p->buf, p->len);
		free(p->buf);
	}
	p->buf = NULL;
	p->len = 0;
}

bool msg_has(const struct ike_parsed *p, uint8_t type)
{
	if (type < 32 || type >= 96)
		return false;
	return p->seen & (1ull << (type - 32));
}

const struct ike_notify *msg_find_notify(const struct ike_parsed *p,
					 uint16_t type)
{
	int i;

	for (i = 0; i < p->n_notify; i++)
		if (p->notify[i].type == type)
			return &p->notify[i];
	return NULL;
}

const struct ike_notify *msg_find_error(const struct ike_parsed *p)
{
	int i;

	for (i = 0; i < p->n_notify; i++)
		if (p->notify[i].type <= IKEV2_N_ERROR_MAX)
			return &p->notify[i];
	return NULL;
}

/* ---------------------------------------------------------------------------
 * Names.
 */

struct name {
	uint16_t v;
	const char *s;
};

static const char *lookup(const struct name *t, size_t n, uint16_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].s;
	return "?";
}

static const struct name payload_names[] = {
	{ IKEV2_PL_SA, "SA" }, { IKEV2_PL_KE, "KE" }, { IKEV2_PL_IDI, "IDi" },
	{ IKEV2_PL_IDR, "IDr" }, { IKEV2_PL_CERT, "CERT" },
	{ IKEV2_PL_CERTREQ, "CERTREQ" }, { IKEV2_PL_AUTH, "AUTH" },
	{ IKEV2_PL_NONCE, "No" }, { IKEV2_PL_NOTIFY, "N" },
	{ IKEV2_PL_DELETE, "D" }, { IKEV2_PL_VENDOR, "V" },
	{ IKEV2_PL_TSI, "TSi" }, { IKEV2_PL_TSR, "TSr" },
	{ IKEV2_PL_SK, "SK" }, { IKEV2_PL_CP, "CP" }, { IKEV2_PL_EAP, "EAP" },
	{ IKEV2_PL_SKF, "SKF" },
};

static const struct name exchange_names[] = {
	{ IKEV2_EXCH_IKE_SA_INIT, "IKE_SA_INIT" },
	{ IKEV2_EXCH_IKE_AUTH, "IKE_AUTH" },
	{ IKEV2_EXCH_CREATE_CHILD_SA, "CREATE_CHILD_SA" },
	{ IKEV2_EXCH_INFORMATIONAL, "INFORMATIONAL" },
};

static const struct name notify_names[] = {
	{ IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD, "UNSUPPORTED_CRITICAL_PAYLOAD" },
	{ IKEV2_N_INVALID_IKE_SPI, "INVALID_IKE_SPI" },
	{ IKEV2_N_INVALID_MAJOR_VERSION, "INVALID_MAJOR_VERSION" },
	{ IKEV2_N_INVALID_SYNTAX, "INVALID_SYNTAX" },
	{ IKEV2_N_INVALID_MESSAGE_ID, "INVALID_MESSAGE_ID" },
	{ IKEV2_N_INVALID_SPI, "INVALID_SPI" },
	{ IKEV2_N_NO_PROPOSAL_CHOSEN, "NO_PROPOSAL_CHOSEN" },
	{ IKEV2_N_INVALID_KE_PAYLOAD, "INVALID_KE_PAYLOAD" },
	{ IKEV2_N_AUTHENTICATION_FAILED, "AUTHENTICATION_FAILED" },
	{ IKEV2_N_SINGLE_PAIR_REQUIRED, "SINGLE_PAIR_REQUIRED" },
	{ IKEV2_N_NO_ADDITIONAL_SAS, "NO_ADDITIONAL_SAS" },
	{ IKEV2_N_INTERNAL_ADDRESS_FAILURE, "INTERNAL_ADDRESS_FAILURE" },
	{ IKEV2_N_FAILED_CP_REQUIRED, "FAILED_CP_REQUIRED" },
	{ IKEV2_N_TS_UNACCEPTABLE, "TS_UNACCEPTABLE" },
	{ IKEV2_N_INVALID_SELECTORS, "INVALID_SELECTORS" },
	{ IKEV2_N_TEMPORARY_FAILURE, "TEMPORARY_FAILURE" },
	{ IKEV2_N_CHILD_SA_NOT_FOUND, "CHILD_SA_NOT_FOUND" },
	{ IKEV2_N_INITIAL_CONTACT, "INITIAL_CONTACT" },
	{ IKEV2_N_SET_WINDOW_SIZE, "SET_WINDOW_SIZE" },
	{ IKEV2_N_ADDITIONAL_TS_POSSIBLE, "ADDITIONAL_TS_POSSIBLE" },
	{ IKEV2_N_IPCOMP_SUPPORTED, "IPCOMP_SUPPORTED" },
	{ IKEV2_N_NAT_DETECTION_SOURCE_IP, "NAT_DETECTION_SOURCE_IP" },
	{ IKEV2_N_NAT_DETECTION_DESTINATION_IP,
	  "NAT_DETECTION_DESTINATION_IP" },
	{ IKEV2_N_COOKIE, "COOKIE" },
	{ IKEV2_N_USE_TRANSPORT_MODE, "USE_TRANSPORT_MODE" },
	{ IKEV2_N_HTTP_CERT_LOOKUP_SUPPORTED, "HTTP_CERT_LOOKUP_SUPPORTED" },
	{ IKEV2_N_REKEY_SA, "REKEY_SA" },
	{ IKEV2_N_ESP_TFC_PADDING_NOT_SUPPORTED,
	  "ESP_TFC_PADDING_NOT_SUPPORTED" },
	{ IKEV2_N_NON_FIRST_FRAGMENTS_ALSO, "NON_FIRST_FRAGMENTS_ALSO" },
	{ IKEV2_N_MOBIKE_SUPPORTED, "MOBIKE_SUPPORTED" },
	{ IKEV2_N_ADDITIONAL_IP4_ADDRESS, "ADDITIONAL_IP4_ADDRESS" },
	{ IKEV2_N_ADDITIONAL_IP6_ADDRESS, "ADDITIONAL_IP6_ADDRESS" },
	{ IKEV2_N_NO_ADDITIONAL_ADDRESSES, "NO_ADDITIONAL_ADDRESSES" },
	{ IKEV2_N_UPDATE_SA_ADDRESSES, "UPDATE_SA_ADDRESSES" },
	{ IKEV2_N_COOKIE2, "COOKIE2" },
	{ IKEV2_N_NO_NATS_ALLOWED, "NO_NATS_ALLOWED" },
	{ IKEV2_N_AUTH_LIFETIME, "AUTH_LIFETIME" },
	{ IKEV2_N_MULTIPLE_AUTH_SUPPORTED, "MULTIPLE_AUTH_SUPPORTED" },
	{ IKEV2_N_ANOTHER_AUTH_FOLLOWS, "ANOTHER_AUTH_FOLLOWS" },
	{ IKEV2_N_REDIRECT_SUPPORTED, "REDIRECT_SUPPORTED" },
	{ IKEV2_N_REDIRECT, "REDIRECT" },
	{ IKEV2_N_EAP_ONLY_AUTHENTICATION, "EAP_ONLY_AUTHENTICATION" },
	{ IKEV2_N_CHILDLESS_IKEV2_SUPPORTED, "CHILDLESS_IKEV2_SUPPORTED" },
	{ IKEV2_N_IKEV2_MESSAGE_ID_SYNC_SUPPORTED,
	  "IKEV2_MESSAGE_ID_SYNC_SUPPORTED" },
	{ IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED,
	  "IKEV2_FRAGMENTATION_SUPPORTED" },
	{ IKEV2_N_SIGNATURE_HASH_ALGORITHMS, "SIGNATURE_HASH_ALGORITHMS" },
};

const char *msg_payload_name(uint8_t type)
{
	return lookup(payload_names, ARRAY_SIZE(payload_names), type);
}

const char *msg_exchange_name(uint8_t exch)
{
	return lookup(exchange_names, ARRAY_SIZE(exchange_names), exch);
}

const char *msg_notify_name(uint16_t type)
{
	return lookup(notify_names, ARRAY_SIZE(notify_names), type);
}
