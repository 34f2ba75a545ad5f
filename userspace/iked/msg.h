/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IKEv2 messages: a builder that writes a message payload by payload and
 * seals the SK payload in place, and a parser that validates the whole
 * payload chain once and decodes every payload the engine uses.
 *
 * Building (errors are sticky: check the result of msg_end()/msg_seal_sk()):
 *
 *	struct ike_buf b;
 *	msg_init(&b);
 *	msg_begin(&b, &hdr);
 *	msg_add_sa(&b, props, n);	 or msg_sa_begin/msg_sa_prop/msg_sa_xform
 *	msg_add_ke(&b, group, pub, len);
 *	msg_add_nonce(&b, ni, len);
 *	msg_end(&b);			 b.data, b.len: the datagram
 *	msg_free(&b);
 *
 * An encrypted message: msg_begin(), msg_sk_begin(&b, sk), then the inner
 * payloads with the same msg_add_*() calls, then msg_seal_sk(&b, sk) instead
 * of msg_end().
 *
 * Parsing:
 *
 *	struct ike_parsed p;
 *	if (msg_parse(&p, dgram, len))	 p.drop says why (enum ike_drop)
 *		...
 *	if (p.sk && msg_open_sk(&p, sk)) ...	 decrypts and decodes inner
 *	msg_parsed_free(&p);
 */
#ifndef _VTUN_IKED_MSG_H
#define _VTUN_IKED_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "ikev2.h"
#include "iked.h"

struct ike_sk;		/* crypto.h: one direction's SK_e/SK_a */

/* The fixed IKE header, in host order. */
struct ike_hdr {
	uint64_t spi_i, spi_r;
	uint8_t next;		/* first payload (parser only) */
	uint8_t version;	/* parser only; the builder writes 0x20 */
	uint8_t exchange;	/* IKEV2_EXCH_* */
	uint8_t flags;		/* IKEV2_FLAG_* */
	uint32_t msgid;
	uint32_t length;	/* parser only */
};

/* ---------------------------------------------------------------------------
 * Decoded substructures, shared by the builder and the parser.
 */

#define IKE_PROP_MAX	32	/* proposals decoded from one SA payload */
#define IKE_PROP_XF_MAX	64	/* transforms decoded from one proposal */

struct ike_xf {
	uint8_t type;		/* IKEV2_XFORM_* */
	uint16_t id;		/* transform ID */
	uint16_t keylen;	/* key length attribute (bits), 0: absent */
};

struct ike_proposal {
	uint8_t num;		/* proposal number, 1.. */
	uint8_t proto;		/* IKEV2_PROTO_* */
	uint8_t spi_len;	/* 0, 4 (ESP/AH) or 8 (IKE rekey) */
	uint64_t spi;		/* host order, low spi_len bytes */
	int n_xf;
	struct ike_xf xf[IKE_PROP_XF_MAX];
};

/* One traffic selector, as a range. Addresses as in struct iked_proxy_id:
 * IPv4 in the first 4 bytes of the in6_addr.
 */
struct ike_ts {
	uint8_t type;		/* IKEV2_TS_IPV4/IPV6_ADDR_RANGE */
	uint8_t ip_proto;	/* 0: any */
	uint16_t port_lo, port_hi;
	struct in6_addr lo, hi;
};

#define IKE_TS_MAX	64	/* selectors of one TS payload */

/* ---------------------------------------------------------------------------
 * Builder.
 */

struct ike_buf {
	uint8_t *data;		/* the message; grows, freed by msg_free() */
	size_t len, cap;
	int err;		/* first error (-ENOMEM, -EMSGSIZE, -EINVAL) */
	/* internal state */
	size_t next_off;	/* "next payload" byte to fill with the next type */
	size_t pl_off;		/* open payload's generic header, 0: none */
	uint8_t pl_type;	/* its type */
	size_t sk_off;		/* SK payload's generic header, 0: none */
	size_t prop_off;	/* open proposal, 0: none */
	size_t xf_off;		/* open transform, 0: none */
	uint8_t n_xf;		/* transforms in the open proposal */
};

void msg_init(struct ike_buf *b);
/* Frees the data (it is not key material: sealed or public). */
void msg_free(struct ike_buf *b);
/* Hands the finished message over: *data must be free()d by the caller. */
uint8_t *msg_steal(struct ike_buf *b, size_t *len);

/* Starts a message (drops anything built before) with header @h. */
int msg_begin(struct ike_buf *b, const struct ike_hdr *h);

/*
 * Starts a payload of @type: closes the open one, links it from the previous
 * "next payload" field and writes the generic header. The body is then
 * written with msg_put*().
 */
int msg_add_payload(struct ike_buf *b, uint8_t type, bool critical);
/* Appends @len bytes to the open payload; returns where, or NULL on error.
 * The pointer is valid until the next msg_* call.
 */
uint8_t *msg_put(struct ike_buf *b, size_t len);
int msg_put_bytes(struct ike_buf *b, const void *p, size_t len);
int msg_put_u8(struct ike_buf *b, uint8_t v);
int msg_put_u16(struct ike_buf *b, uint16_t v);	/* written big endian */
int msg_put_u32(struct ike_buf *b, uint32_t v);
int msg_put_u64(struct ike_buf *b, uint64_t v);

/* SA payload, nested writers: msg_sa_begin, then per proposal msg_sa_prop
 * and its msg_sa_xform()s. The next msg_add_*() or msg_end() closes them.
 */
int msg_sa_begin(struct ike_buf *b);
int msg_sa_prop(struct ike_buf *b, uint8_t num, uint8_t proto,
		uint8_t spi_len, uint64_t spi);
int msg_sa_xform(struct ike_buf *b, uint8_t type, uint16_t id,
		 uint16_t keylen);
/* Whole SA payload from decoded proposals (numbers taken from .num). */
int msg_add_sa(struct ike_buf *b, const struct ike_proposal *props, int n);

int msg_add_ke(struct ike_buf *b, uint16_t group, const uint8_t *pub,
	       size_t len);
int msg_add_nonce(struct ike_buf *b, const uint8_t *nonce, size_t len);
/* @pltype IKEV2_PL_IDI or IKEV2_PL_IDR. */
int msg_add_id(struct ike_buf *b, uint8_t pltype, const struct iked_id *id);
int msg_add_auth(struct ike_buf *b, uint8_t method, const uint8_t *data,
		 size_t len);
int msg_add_cert(struct ike_buf *b, uint8_t enc, const uint8_t *der,
		 size_t len);
int msg_add_certreq(struct ike_buf *b, uint8_t enc, const uint8_t *data,
		    size_t len);
/* @spi_len 0, 4 or 8 bytes of @spi (host order). */
int msg_add_notify(struct ike_buf *b, uint8_t proto, uint8_t spi_len,
		   uint64_t spi, uint16_t type, const uint8_t *data,
		   size_t len);
/* IKE SA delete: proto IKEV2_PROTO_IKE, n 0. ESP/AH: n 4-byte SPIs
 * (host order).
 */
int msg_add_delete(struct ike_buf *b, uint8_t proto, const uint32_t *spis,
		   int n);
/* @pltype IKEV2_PL_TSI or IKEV2_PL_TSR. */
int msg_add_ts(struct ike_buf *b, uint8_t pltype, const struct ike_ts *ts,
	       int n);
int msg_add_vendor(struct ike_buf *b, const uint8_t *vid, size_t len);

/*
 * Starts the SK payload: payloads added after this are the encrypted ones.
 * @sk gives the IV length (crypto.h).
 */
int msg_sk_begin(struct ike_buf *b, const struct ike_sk *sk);
/*
 * Pads, encrypts and authenticates the inner payloads in place with @sk and
 * fixes every length: the message is then ready to send. Returns 0 or the
 * first error met while building.
 */
int msg_seal_sk(struct ike_buf *b, struct ike_sk *sk);
/* Finishes a message without SK payload. Returns 0 or the first error. */
int msg_end(struct ike_buf *b);

/* ---------------------------------------------------------------------------
 * Parser. Every pointer points into p->buf, a private copy of the message
 * (msg_open_sk() decrypts in that copy).
 */

#define IKE_PL_MAX	64	/* payloads in one message, outer + inner */
#define IKE_NOTIFY_MAX	32
#define IKE_CERT_MAX	8
#define IKE_DELETE_MAX	8

/* One payload of the chain. */
struct ike_pl {
	uint8_t type;
	bool critical;
	bool inner;		/* inside the SK payload */
	const uint8_t *body;	/* after the generic header */
	size_t len;		/* body length */
};

struct ike_notify {
	uint8_t proto;
	uint8_t spi_len;
	uint64_t spi;		/* host order, spi_len bytes */
	uint16_t type;		/* IKEV2_N_* */
	const uint8_t *data;
	size_t len;
};

struct ike_delete {
	uint8_t proto;
	uint8_t spi_len;	/* 0 (IKE) or 4 */
	uint16_t n_spi;
	const uint8_t *spis;	/* n_spi * spi_len bytes, network order */
};

struct ike_idp {
	bool present;
	uint8_t type;		/* IKEV2_ID_* */
	const uint8_t *data;	/* identification data */
	size_t len;
	const uint8_t *body;	/* the whole body (IDx' of RFC 7296 2.15) */
	size_t body_len;
};

struct ike_blob {
	uint8_t kind;		/* cert encoding, auth method */
	const uint8_t *data;
	size_t len;
};

struct ike_parsed {
	uint8_t *buf;		/* private copy of the whole message */
	size_t len;
	int drop;		/* enum ike_drop when msg_parse/open fails */
	uint8_t unsupported_critical;	/* see msg_parse() */

	struct ike_hdr hdr;
	struct ike_pl pl[IKE_PL_MAX];
	int n_pl;
	uint64_t seen;		/* bit (type - 32): that payload is present */

	/* SA: proposals decoded. Transforms with an unknown attribute are left
	 * out of their proposal (RFC 7296 3.3.6), and so are those past
	 * IKE_PROP_XF_MAX (choosing among fewer offered ones stays right);
	 * proposals past IKE_PROP_MAX are only counted (n_prop_skipped).
	 */
	bool has_sa;
	struct ike_proposal prop[IKE_PROP_MAX];
	int n_prop;
	int n_prop_skipped;

	bool has_ke;
	uint16_t ke_group;
	const uint8_t *ke;
	size_t ke_len;

	const uint8_t *nonce;	/* NULL: none */
	size_t nonce_len;

	struct ike_idp idi, idr;

	bool has_auth;
	struct ike_blob auth;	/* kind: IKEV2_AUTH_* method */

	struct ike_blob cert[IKE_CERT_MAX];	/* kind: IKEV2_CERT_* */
	int n_cert;
	struct ike_blob certreq[IKE_CERT_MAX];
	int n_certreq;

	struct ike_notify notify[IKE_NOTIFY_MAX];
	int n_notify;

	struct ike_delete del[IKE_DELETE_MAX];
	int n_del;

	bool has_tsi, has_tsr;
	struct ike_ts tsi[IKE_TS_MAX], tsr[IKE_TS_MAX];
	int n_tsi, n_tsr;

	/* SK payload, if any (always the last outer payload) */
	const uint8_t *sk;	/* its generic header; NULL: none */
	size_t sk_len;		/* whole payload, generic header included */
	bool sk_open;		/* msg_open_sk() succeeded */
};

/*
 * Copies and parses a datagram (non-ESP marker removed): header, every
 * payload length, the outer chain, and the contents of each outer payload.
 * The inner payloads of an SK payload are parsed by msg_open_sk().
 *
 * Returns 0, or -EBADMSG with p->drop set (IKE_DROP_SHORT, _VERSION or
 * _MALFORMED) and p->hdr valid when at least the header was read, or
 * -EPROTONOSUPPORT when the message is well formed but carries a critical
 * payload of an unknown type (p->unsupported_critical): a request must be
 * answered with UNSUPPORTED_CRITICAL_PAYLOAD carrying that type, a response
 * dropped. -ENOMEM if out of memory. p must be freed with msg_parsed_free()
 * whatever the result.
 */
int msg_parse(struct ike_parsed *p, const uint8_t *msg, size_t len);

/*
 * Checks the ICV of the SK payload and decrypts it with the peer's @sk,
 * then parses the inner payload chain into p like msg_parse() does.
 * Returns 0, -EBADMSG (p->drop IKE_DROP_INTEGRITY: forged or wrong keys;
 * IKE_DROP_MALFORMED: bad padding or inner chain), -EPROTONOSUPPORT
 * as msg_parse(). Nothing of p changes on integrity failure.
 */
int msg_open_sk(struct ike_parsed *p, const struct ike_sk *sk);

void msg_parsed_free(struct ike_parsed *p);

/* Whether payload @type was present (outer or inner). */
bool msg_has(const struct ike_parsed *p, uint8_t type);
/* The first notify of @type, or NULL. */
const struct ike_notify *msg_find_notify(const struct ike_parsed *p,
					 uint16_t type);
/* The first error notify (type < 16384), or NULL. */
const struct ike_notify *msg_find_error(const struct ike_parsed *p);

/* Reads the header only (for SPI lookup before msg_parse); 0 or -EBADMSG. */
int msg_peek_hdr(const uint8_t *msg, size_t len, struct ike_hdr *h);

/* Name of a payload, exchange or notify type, for logs ("N(COOKIE)"). */
const char *msg_payload_name(uint8_t type);
const char *msg_exchange_name(uint8_t exch);
const char *msg_notify_name(uint16_t type);

#endif /* _VTUN_IKED_MSG_H */
