// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of userspace/iked/msg.c: every payload type built and parsed
 * back, byte-exact encodings checked by hand against RFC 7296 section 3,
 * and malformed messages (truncated, bad lengths, overlong, bad chains),
 * each rejected without reading outside the datagram: the test copies each
 * one into a buffer of exactly its length, so ASan catches any overread.
 */
#include <errno.h>
#include <arpa/inet.h>

#include "crypto.h"
#include "msg.h"
#include "test.h"

static const struct ike_hdr hdr = {
	.spi_i = 0x0102030405060708ull, .spi_r = 0,
	.exchange = IKEV2_EXCH_IKE_SA_INIT, .flags = IKEV2_FLAG_INITIATOR,
	.msgid = 0,
};

/* Parses @len bytes from an exact-size heap copy (overreads hit ASan). */
static int parse_exact(struct ike_parsed *p, const uint8_t *m, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);
	int r;

	CHECK(c);
	memcpy(c, m, len);
	r = msg_parse(p, c, len);
	free(c);
	return r;
}

static bool prop_eq(const struct ike_proposal *a, const struct ike_proposal *b)
{
	int i;

	if (a->num != b->num || a->proto != b->proto ||
	    a->spi_len != b->spi_len || a->spi != b->spi || a->n_xf != b->n_xf)
		return false;
	for (i = 0; i < a->n_xf; i++)
		if (a->xf[i].type != b->xf[i].type ||
		    a->xf[i].id != b->xf[i].id ||
		    a->xf[i].keylen != b->xf[i].keylen)
			return false;
	return true;
}

static bool ts_eq(const struct ike_ts *a, const struct ike_ts *b)
{
	return a->type == b->type && a->ip_proto == b->ip_proto &&
	       a->port_lo == b->port_lo && a->port_hi == b->port_hi &&
	       !memcmp(&a->lo, &b->lo, sizeof(a->lo)) &&
	       !memcmp(&a->hi, &b->hi, sizeof(a->hi));
}

/* A hand-written IKE_SA_INIT request: header + SA(1 proposal, 4
 * transforms) + KE + Nonce, as in RFC 7296 section 3.
 */
static const uint8_t sa_init[] = {
	/* header */
	1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0,
	IKEV2_PL_SA, 0x20, 34, 0x08, 0, 0, 0, 0, 0, 0, 0, 28 + 48 + 72 + 20,
	/* SA: 4 + proposal (8 + 12 + 8 + 8 + 8 = 44) = 48 */
	IKEV2_PL_KE, 0, 0, 48,
	0, 0, 0, 44, 1, IKEV2_PROTO_IKE, 0, 4,
	3, 0, 0, 12, IKEV2_XFORM_ENCR, 0, 0, 20, 0x80, 14, 0, 128,
	3, 0, 0, 8, IKEV2_XFORM_PRF, 0, 0, 5,
	3, 0, 0, 8, IKEV2_XFORM_INTEG, 0, 0, 12,
	0, 0, 0, 8, IKEV2_XFORM_DH, 0, 0, 19,
	/* KE: 4 + 4 + 64 */
	IKEV2_PL_NONCE, 0, 0, 72, 0, 19, 0, 0,
	[28 + 48 + 8 ... 28 + 48 + 71] = 0xaa,
	/* Nonce: 4 + 16 */
	0, 0, 0, 20,
	[28 + 48 + 72 + 4 ... 28 + 48 + 72 + 19] = 0x55,
};

static void test_handmade(void)
{
	struct ike_proposal prop = {
		.num = 1, .proto = IKEV2_PROTO_IKE, .n_xf = 4,
		.xf = {
			{ IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_16, 128 },
			{ IKEV2_XFORM_PRF, IKEV2_PRF_HMAC_SHA2_256, 0 },
			{ IKEV2_XFORM_INTEG, IKEV2_AUTH_HMAC_SHA2_256_128, 0 },
			{ IKEV2_XFORM_DH, IKEV2_DH_ECP_256, 0 },
		},
	};
	uint8_t ke[64], nonce[16];
	struct ike_parsed p;
	struct ike_buf b;

	/* parse */
	CHECK(!parse_exact(&p, sa_init, sizeof(sa_init)));
	CHECK(p.hdr.spi_i == 0x0102030405060708ull && p.hdr.spi_r == 0);
	CHECK(p.hdr.exchange == IKEV2_EXCH_IKE_SA_INIT &&
	      p.hdr.flags == IKEV2_FLAG_INITIATOR && p.hdr.msgid == 0 &&
	      p.hdr.length == sizeof(sa_init));
	CHECK(p.n_pl == 3 && p.pl[0].type == IKEV2_PL_SA &&
	      p.pl[1].type == IKEV2_PL_KE && p.pl[2].type == IKEV2_PL_NONCE);
	CHECK(p.has_sa && p.n_prop == 1 && p.prop[0].n_xf == 4);
	CHECK(prop_eq(&p.prop[0], &prop));
	CHECK(p.has_ke && p.ke_group == 19 && p.ke_len == 64 &&
	      p.ke[0] == 0xaa && p.ke[63] == 0xaa);
	CHECK(p.nonce_len == 16 && p.nonce[0] == 0x55 && p.nonce[15] == 0x55);
	CHECK(msg_has(&p, IKEV2_PL_KE) && !msg_has(&p, IKEV2_PL_AUTH));
	CHECK(!p.sk);
	msg_parsed_free(&p);

	/* build the same bytes */
	memset(ke, 0xaa, sizeof(ke));
	memset(nonce, 0x55, sizeof(nonce));
	msg_init(&b);
	msg_begin(&b, &hdr);
	msg_add_sa(&b, &prop, 1);
	msg_add_ke(&b, IKEV2_DH_ECP_256, ke, sizeof(ke));
	msg_add_nonce(&b, nonce, sizeof(nonce));
	CHECK(!msg_end(&b));
	CHECK(b.len == sizeof(sa_init));
	CHECK_MEM(b.data, sa_init, sizeof(sa_init));
	msg_free(&b);
}

/* Every payload the builder writes, parsed back. */
static void test_roundtrip(void)
{
	struct ike_proposal props[3] = {
		{ .num = 1, .proto = IKEV2_PROTO_ESP, .spi_len = 4,
		  .spi = 0xc0ffee01, .n_xf = 3, .xf = {
			{ IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_GCM_16, 256 },
			{ IKEV2_XFORM_ESN, IKEV2_ESN_YES, 0 },
			{ IKEV2_XFORM_ESN, IKEV2_ESN_NO, 0 } } },
		{ .num = 2, .proto = IKEV2_PROTO_ESP, .spi_len = 4,
		  .spi = 0xc0ffee01, .n_xf = 2, .xf = {
			{ IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_CBC, 128 },
			{ IKEV2_XFORM_INTEG, IKEV2_AUTH_HMAC_SHA2_256_128 } } },
		{ .num = 3, .proto = IKEV2_PROTO_IKE, .spi_len = 8,
		  .spi = 0x1122334455667788ull, .n_xf = 1, .xf = {
			{ IKEV2_XFORM_DH, IKEV2_DH_CURVE25519 } } },
	};
	struct ike_ts ts[2] = {
		{ .type = IKEV2_TS_IPV4_ADDR_RANGE, .ip_proto = 6,
		  .port_lo = 80, .port_hi = 443 },
		{ .type = IKEV2_TS_IPV6_ADDR_RANGE, .ip_proto = 0,
		  .port_lo = 0, .port_hi = 65535 },
	};
	struct iked_id idi = { .type = IKEV2_ID_FQDN, .len = 11 };
	struct iked_id idr = { .type = IKEV2_ID_IPV4_ADDR, .len = 4,
			       .data = { 192, 0, 2, 1 } };
	uint32_t spis[3] = { 0x11111111, 0x22222222, 0x33333333 };
	uint8_t data[300];
	struct ike_parsed p;
	struct ike_buf b;
	struct ike_sk sk;
	uint8_t *out;
	size_t len;
	int i;

	memcpy(idi.data, "gw.example.", 11);
	inet_pton(AF_INET, "10.1.0.0", &ts[0].lo);
	inet_pton(AF_INET, "10.1.255.255", &ts[0].hi);
	inet_pton(AF_INET6, "2001:db8::", &ts[1].lo);
	inet_pton(AF_INET6, "2001:db8::ffff", &ts[1].hi);
	pat(data, sizeof(data), 7, 3);
	memset(&sk, 0, sizeof(sk));
	sk.encr = crypto_encr(IKEV2_ENCR_AES_GCM_16, 256);

	msg_init(&b);
	msg_begin(&b, &(struct ike_hdr){ .spi_i = 1, .spi_r = 2,
		  .exchange = IKEV2_EXCH_IKE_AUTH,
		  .flags = IKEV2_FLAG_RESPONSE, .msgid = 1 });
	msg_sk_begin(&b, &sk);
	msg_add_id(&b, IKEV2_PL_IDI, &idi);
	msg_add_id(&b, IKEV2_PL_IDR, &idr);
	msg_add_cert(&b, IKEV2_CERT_X509_SIG, data, 300);
	msg_add_cert(&b, IKEV2_CERT_X509_SIG, data + 10, 200);
	msg_add_certreq(&b, IKEV2_CERT_X509_SIG, data, 40);
	msg_add_auth(&b, IKEV2_AUTH_SHARED_KEY_MIC, data, 32);
	msg_add_notify(&b, IKEV2_PROTO_ESP, 4, 0xabcdef01,
		       IKEV2_N_REKEY_SA, NULL, 0);
	msg_add_notify(&b, 0, 0, 0, IKEV2_N_SIGNATURE_HASH_ALGORITHMS,
		       data, 6);
	msg_add_notify(&b, IKEV2_PROTO_IKE, 8, 0x0102030405060708ull,
		       IKEV2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
	msg_add_sa(&b, props, 3);
	msg_add_ke(&b, IKEV2_DH_MODP_2048, data, 256);
	msg_add_nonce(&b, data, 32);
	msg_add_ts(&b, IKEV2_PL_TSI, ts, 2);
	msg_add_ts(&b, IKEV2_PL_TSR, ts + 1, 1);
	msg_add_delete(&b, IKEV2_PROTO_ESP, spis, 3);
	msg_add_delete(&b, IKEV2_PROTO_IKE, NULL, 0);
	msg_add_vendor(&b, data, 16);
	/* a payload written by hand: CP, indexed only */
	msg_add_payload(&b, IKEV2_PL_CP, false);
	msg_put_u8(&b, IKEV2_CP_REQUEST);
	msg_put_bytes(&b, "\0\0\0", 3);
	CHECK(!msg_seal_sk(&b, &sk));

	CHECK(!parse_exact(&p, b.data, b.len));
	CHECK(p.sk && p.n_pl == 1 && p.pl[0].type == IKEV2_PL_SK);
	CHECK(!msg_open_sk(&p, &sk));
	CHECK(p.hdr.exchange == IKEV2_EXCH_IKE_AUTH && p.hdr.msgid == 1 &&
	      p.hdr.flags == IKEV2_FLAG_RESPONSE && p.hdr.spi_r == 2);
	CHECK(p.n_pl == 1 + 18);
	CHECK(p.idi.present && p.idi.type == IKEV2_ID_FQDN &&
	      p.idi.len == 11 && !memcmp(p.idi.data, "gw.example.", 11));
	CHECK(p.idi.body_len == 15 && p.idi.body[0] == IKEV2_ID_FQDN &&
	      p.idi.body + 4 == p.idi.data);
	CHECK(p.idr.present && p.idr.type == IKEV2_ID_IPV4_ADDR &&
	      p.idr.len == 4 && !memcmp(p.idr.data, idr.data, 4));
	CHECK(p.n_cert == 2 && p.cert[0].kind == IKEV2_CERT_X509_SIG &&
	      p.cert[0].len == 300 && !memcmp(p.cert[0].data, data, 300) &&
	      p.cert[1].len == 200 && !memcmp(p.cert[1].data, data + 10, 200));
	CHECK(p.n_certreq == 1 && p.certreq[0].len == 40);
	CHECK(p.has_auth && p.auth.kind == IKEV2_AUTH_SHARED_KEY_MIC &&
	      p.auth.len == 32 && !memcmp(p.auth.data, data, 32));
	CHECK(p.n_notify == 3);
	CHECK(p.notify[0].proto == IKEV2_PROTO_ESP &&
	      p.notify[0].spi_len == 4 && p.notify[0].spi == 0xabcdef01 &&
	      p.notify[0].type == IKEV2_N_REKEY_SA && p.notify[0].len == 0);
	CHECK(msg_find_notify(&p, IKEV2_N_SIGNATURE_HASH_ALGORITHMS) ==
	      &p.notify[1] && p.notify[1].len == 6);
	CHECK(p.notify[2].spi == 0x0102030405060708ull &&
	      p.notify[2].spi_len == 8);
	CHECK(msg_find_error(&p) == &p.notify[2]);
	CHECK(!msg_find_notify(&p, IKEV2_N_COOKIE));
	CHECK(p.has_sa && p.n_prop == 3 && p.n_prop_skipped == 0);
	for (i = 0; i < 3; i++)
		CHECK(prop_eq(&p.prop[i], &props[i]));
	CHECK(p.has_ke && p.ke_group == IKEV2_DH_MODP_2048 &&
	      p.ke_len == 256 && !memcmp(p.ke, data, 256));
	CHECK(p.nonce_len == 32);
	CHECK(p.has_tsi && p.n_tsi == 2 && p.has_tsr && p.n_tsr == 1);
	CHECK(ts_eq(&p.tsi[0], &ts[0]) && ts_eq(&p.tsi[1], &ts[1]) &&
	      ts_eq(&p.tsr[0], &ts[1]));
	CHECK(p.n_del == 2 && p.del[0].proto == IKEV2_PROTO_ESP &&
	      p.del[0].n_spi == 3 && p.del[0].spi_len == 4 &&
	      !memcmp(p.del[0].spis, "\x11\x11\x11\x11\x22\x22\x22\x22"
		      "\x33\x33\x33\x33", 12));
	CHECK(p.del[1].proto == IKEV2_PROTO_IKE && p.del[1].n_spi == 0);
	CHECK(msg_has(&p, IKEV2_PL_VENDOR) && msg_has(&p, IKEV2_PL_CP));
	CHECK(p.pl[p.n_pl - 1].type == IKEV2_PL_CP &&
	      p.pl[p.n_pl - 1].len == 4 && p.pl[p.n_pl - 1].inner);
	msg_parsed_free(&p);

	/* msg_steal hands the buffer over */
	out = msg_steal(&b, &len);
	CHECK(out && len > 28 && !b.data && !b.len);
	free(out);
	msg_free(&b);
}

/* Builder misuse is an error, sticky until msg_begin(). */
static void test_builder_errors(void)
{
	uint8_t big[IKEV2_MSG_MAX];
	struct ike_buf b;

	memset(big, 0, sizeof(big));
	msg_init(&b);
	CHECK(msg_add_payload(&b, IKEV2_PL_NONCE, false) == -EINVAL);
	msg_begin(&b, &hdr);
	CHECK(!b.err);
	CHECK(msg_sa_prop(&b, 1, IKEV2_PROTO_IKE, 0, 0) == -EINVAL);
	msg_begin(&b, &hdr);
	msg_add_nonce(&b, big, 16);
	CHECK(msg_sa_xform(&b, 1, 1, 0) == -EINVAL);	/* no proposal */
	msg_begin(&b, &hdr);
	msg_add_nonce(&b, big, sizeof(big));		/* too large */
	CHECK(msg_end(&b) == -EMSGSIZE);
	msg_begin(&b, &hdr);
	CHECK(!msg_put(&b, 1) && b.err == -EINVAL);
	msg_begin(&b, &hdr);
	CHECK(msg_add_ts(&b, IKEV2_PL_TSI, NULL, 0) == -EINVAL);
	CHECK(msg_end(&b) == -EINVAL);
	msg_begin(&b, &hdr);
	CHECK(!msg_end(&b) && b.len == IKEV2_HDR_LEN);	/* empty message */
	msg_free(&b);
}

/* ------------------------------------------------------------------------- */

struct bad_case {
	const char *name;
	size_t len;		/* 0: sizeof(msg) */
	int drop;
	int ret;
	uint8_t msg[96];
};

#define HDR(next, len) 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, \
	(next), 0x20, 34, 0x08, 0, 0, 0, 0, 0, 0, 0, (len)
#define MAL IKE_DROP_MALFORMED

static const struct bad_case bad_cases[] = {
	{ "empty", 1, IKE_DROP_SHORT, -EBADMSG, { 0 } },
	{ "header cut", 27, IKE_DROP_SHORT, -EBADMSG, { HDR(0, 28) } },
	{ "IKEv1", 28, IKE_DROP_VERSION, -EBADMSG,
	  { 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0x10, 34, 8, 0, 0, 0, 0, 0, 0, 0, 28 } },
	{ "length > datagram", 28, IKE_DROP_SHORT, -EBADMSG, { HDR(0, 29) } },
	{ "length < header", 28, IKE_DROP_SHORT, -EBADMSG, { HDR(0, 20) } },
	{ "length < datagram", 32, MAL, -EBADMSG, { HDR(0, 28) } },
	{ "next but nothing", 28, MAL, -EBADMSG, { HDR(IKEV2_PL_NONCE, 28) } },
	{ "payload header cut", 30, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_NONCE, 30), 0, 0 } },
	{ "payload length 0", 32, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_VENDOR, 32), 0, 0, 0, 0 } },
	{ "payload length 3", 32, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_VENDOR, 32), 0, 0, 0, 3 } },
	{ "payload overlong", 36, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_VENDOR, 36), 0, 0, 0, 9, 1, 2, 3, 4 } },
	{ "payload length 65535", 36, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_VENDOR, 36), 0, 0, 0xff, 0xff, 1, 2, 3, 4 } },
	{ "trailing bytes", 36, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_VENDOR, 36), 0, 0, 0, 4, 1, 2, 3, 4 } },
	{ "chain says more", 32, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_VENDOR, 32), IKEV2_PL_VENDOR, 0, 0, 4 } },
	{ "nonce too short", 47, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_NONCE, 47), 0, 0, 0, 19 } },
	{ "two nonces", 28 + 40, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_NONCE, 68), IKEV2_PL_NONCE, 0, 0, 20,
	    [48] = 0, 0, 0, 20 } },
	{ "KE without data", 36, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_KE, 36), 0, 0, 0, 8, 0, 19, 0, 0 } },
	{ "KE cut", 34, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_KE, 34), 0, 0, 0, 6, 0, 19 } },
	{ "ID cut", 34, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_IDI, 34), 0, 0, 0, 6, 1, 0 } },
	{ "AUTH without data", 36, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_AUTH, 36), 0, 0, 0, 8, 2, 0, 0, 0 } },
	{ "notify cut", 34, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_NOTIFY, 34), 0, 0, 0, 6, 0, 0 } },
	{ "notify SPI size 3", 39, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_NOTIFY, 39), 0, 0, 0, 11, 3, 3, 0x40, 0, 1, 2, 3 } },
	{ "notify SPI overlong", 40, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_NOTIFY, 40), 0, 0, 0, 12, 3, 8, 0x40, 0, 1, 2, 3, 4 } },
	{ "delete ESP SPI count", 44, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_DELETE, 44), 0, 0, 0, 16, 3, 4, 0, 3,
	    1, 1, 1, 1, 2, 2, 2, 2 } },
	{ "delete IKE with SPIs", 40, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_DELETE, 40), 0, 0, 0, 12, 1, 4, 0, 1, 1, 1, 1, 1 } },
	{ "delete proto 9", 40, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_DELETE, 40), 0, 0, 0, 12, 9, 4, 0, 1, 1, 1, 1, 1 } },
	{ "TS count 0", 36, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_TSI, 36), 0, 0, 0, 8, 0, 0, 0, 0 } },
	{ "TS count 2, one there", 52, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_TSI, 52), 0, 0, 0, 24, 2, 0, 0, 0,
	    7, 0, 0, 16, 0, 0, 255, 255, 10, 0, 0, 0, 10, 255, 255, 255 } },
	{ "TS length 17", 52, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_TSI, 52), 0, 0, 0, 24, 1, 0, 0, 0,
	    7, 0, 0, 17, 0, 0, 255, 255, 10, 0, 0, 0, 10, 255, 255, 255 } },
	{ "TS IPv6 with IPv4 length", 52, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_TSI, 52), 0, 0, 0, 24, 1, 0, 0, 0,
	    8, 0, 0, 16, 0, 0, 255, 255, 10, 0, 0, 0, 10, 255, 255, 255 } },
	{ "TS type 9 overlong", 52, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_TSI, 52), 0, 0, 0, 24, 1, 0, 0, 0,
	    9, 0, 0, 17, 0, 0, 255, 255, 10, 0, 0, 0, 10, 255, 255, 255 } },
	{ "TS length 3", 40, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_TSI, 40), 0, 0, 0, 12, 1, 0, 0, 0,
	    9, 0, 0, 3, 0, 0, 0, 0 } },
	{ "SA empty", 32, MAL, -EBADMSG, { HDR(IKEV2_PL_SA, 32), 0, 0, 0, 4 } },
	{ "SA proposal cut", 36, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_SA, 36), 0, 0, 0, 8, 0, 0, 0, 8 } },
	{ "SA proposal overlong", 40, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_SA, 40), 0, 0, 0, 12, 0, 0, 0, 9, 1, 1, 0, 0 } },
	{ "SA proposal says more", 40, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_SA, 40), 0, 0, 0, 12, 2, 0, 0, 8, 1, 1, 0, 0 } },
	{ "SA proposal number 0", 40, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_SA, 40), 0, 0, 0, 12, 0, 0, 0, 8, 0, 1, 0, 0 } },
	{ "SA proposals not increasing", 48, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_SA, 48), 0, 0, 0, 20, 2, 0, 0, 8, 2, 1, 0, 0,
	    0, 0, 0, 8, 2, 1, 0, 0 } },
	{ "SA SPI size 5", 45, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_SA, 45), 0, 0, 0, 17, 0, 0, 0, 13, 1, 3, 5, 0,
	    1, 2, 3, 4, 5 } },
	{ "SA more transforms than bytes", 48, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_SA, 48), 0, 0, 0, 20, 0, 0, 0, 16, 1, 1, 0, 2,
	    3, 0, 0, 8, 1, 0, 0, 12 } },
	{ "SA fewer transforms than bytes", 56, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_SA, 56), 0, 0, 0, 28, 0, 0, 0, 24, 1, 1, 0, 1,
	    0, 0, 0, 8, 1, 0, 0, 12, 0, 0, 0, 8, 1, 0, 0, 12 } },
	{ "SA transform overlong", 48, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_SA, 48), 0, 0, 0, 20, 0, 0, 0, 16, 1, 1, 0, 1,
	    0, 0, 0, 9, 1, 0, 0, 12 } },
	{ "SA transform length 7", 48, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_SA, 48), 0, 0, 0, 20, 0, 0, 0, 16, 1, 1, 0, 1,
	    0, 0, 0, 7, 1, 0, 0, 12 } },
	{ "SA last transform says more", 48, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_SA, 48), 0, 0, 0, 20, 0, 0, 0, 16, 1, 1, 0, 1,
	    3, 0, 0, 8, 1, 0, 0, 12 } },
	{ "SA attribute cut", 50, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_SA, 50), 0, 0, 0, 22, 0, 0, 0, 18, 1, 1, 0, 1,
	    0, 0, 0, 10, 1, 0, 0, 12, 0x80, 14 } },
	{ "SA TLV attribute overlong", 56, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_SA, 56), 0, 0, 0, 28, 0, 0, 0, 24, 1, 1, 0, 1,
	    0, 0, 0, 16, 1, 0, 0, 12, 0, 99, 0, 5, 1, 2, 3, 4 } },
	{ "SK not last", 28 + 8 + 20, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_SK, 56), IKEV2_PL_NONCE, 0, 0, 8, 1, 2, 3, 4,
	    0, 0, 0, 20 } },
	{ "unknown critical", 36, 0, -EPROTONOSUPPORT,
	  { HDR(99, 36), 0, 0x80, 0, 8, 1, 2, 3, 4 } },
	{ "unknown critical then bad", 40, MAL, -EBADMSG,
	  { HDR(99, 40), IKEV2_PL_NONCE, 0x80, 0, 8, 1, 2, 3, 4,
	    0, 0, 0, 4 } },
	{ "fragment", 36, MAL, -EBADMSG,
	  { HDR(IKEV2_PL_SKF, 36), 0, 0, 0, 8, 0, 1, 0, 1 } },
};

static void test_malformed(void)
{
	struct ike_parsed p;
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];

		r = parse_exact(&p, c->msg, c->len);
		if (r != c->ret || (r == -EBADMSG && p.drop != c->drop)) {
			fprintf(stderr, "malformed case \"%s\": %d drop %d\n",
				c->name, r, p.drop);
			CHECK(0);
		}
		if (r == -EPROTONOSUPPORT)
			CHECK(p.unsupported_critical == 99 &&
			      p.hdr.exchange == IKEV2_EXCH_IKE_SA_INIT);
		msg_parsed_free(&p);
		test_checks++;
	}
}

/* What must still parse. */
static void test_lenient(void)
{
	/* unknown non-critical payload skipped, then a nonce */
	static const uint8_t unk[] = {
		HDR(99, 28 + 8 + 20), IKEV2_PL_NONCE, 0, 0, 8, 1, 2, 3, 4,
		0, 0x7f, 0, 20, [40 ... 55] = 9 };
	/* transforms with an unknown attribute or key length 0 are
	 * ignored, the rest of the proposal is kept; reserved bits too
	 */
	static const uint8_t attrs[] = {
		HDR(IKEV2_PL_SA, 28 + 4 + 8 + 12 + 12 + 8),
		0, 0x01, 0, 44, 0, 0xff, 0, 40, 1, 1, 0, 3,
		3, 0xff, 0, 12, 1, 0, 0, 12, 0x80, 99, 0, 1,
		3, 0, 0, 12, 1, 0, 0, 12, 0x80, 14, 0, 0,
		0, 0, 0, 8, 2, 0xff, 0, 5 };
	/* a response's proposal numbered 2 */
	static const uint8_t resp[] = {
		HDR(IKEV2_PL_SA, 28 + 4 + 8 + 8),
		0, 0, 0, 20, 0, 0, 0, 16, 2, 1, 0, 1,
		0, 0, 0, 8, 4, 0, 0, 31 };
	/* a selector type we do not know, then an IPv4 one */
	static const uint8_t ts9[] = {
		HDR(IKEV2_PL_TSR, 28 + 8 + 8 + 16),
		0, 0, 0, 32, 2, 0, 0, 0,
		9, 0, 0, 8, 1, 2, 3, 4,
		7, 17, 0, 16, 0, 53, 0, 53, 10, 0, 0, 1, 10, 0, 0, 1 };
	struct ike_parsed p;
	struct ike_buf b;
	int i;

	CHECK(!parse_exact(&p, ts9, sizeof(ts9)));
	CHECK(p.has_tsr && p.n_tsr == 1 && p.tsr[0].ip_proto == 17 &&
	      p.tsr[0].port_lo == 53 && p.tsr[0].port_hi == 53);
	msg_parsed_free(&p);
	/* more transforms than IKE_PROP_XF_MAX: the first ones are kept */
	msg_init(&b);
	msg_begin(&b, &hdr);
	msg_sa_begin(&b);
	msg_sa_prop(&b, 1, IKEV2_PROTO_IKE, 0, 0);
	for (i = 0; i < IKE_PROP_XF_MAX + 10; i++)
		msg_sa_xform(&b, IKEV2_XFORM_DH, (uint16_t)(i + 1), 0);
	msg_sa_prop(&b, 2, IKEV2_PROTO_IKE, 0, 0);
	msg_sa_xform(&b, IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_CBC, 128);
	CHECK(!msg_end(&b));
	CHECK(!parse_exact(&p, b.data, b.len));
	CHECK(p.n_prop == 2 && p.prop[0].n_xf == IKE_PROP_XF_MAX &&
	      p.prop[0].xf[IKE_PROP_XF_MAX - 1].id == IKE_PROP_XF_MAX &&
	      p.prop[1].n_xf == 1 && p.prop[1].xf[0].keylen == 128);
	msg_parsed_free(&p);
	msg_free(&b);

	CHECK(!parse_exact(&p, unk, sizeof(unk)));
	CHECK(p.n_pl == 1 && p.nonce_len == 16 && p.nonce[0] == 9);
	msg_parsed_free(&p);
	CHECK(!parse_exact(&p, attrs, sizeof(attrs)));
	CHECK(p.n_prop == 1 && p.prop[0].n_xf == 1 &&
	      p.prop[0].xf[0].type == IKEV2_XFORM_PRF &&
	      p.prop[0].xf[0].id == 5);
	msg_parsed_free(&p);
	CHECK(!parse_exact(&p, resp, sizeof(resp)));
	CHECK(p.n_prop == 1 && p.prop[0].num == 2 &&
	      p.prop[0].xf[0].id == IKEV2_DH_CURVE25519);
	msg_parsed_free(&p);
}

/* Every truncation and every length byte changed of a valid message:
 * never a crash or an overread, and never accepted with a wrong length.
 */
static void test_fuzz(void)
{
	uint8_t m[sizeof(sa_init)];
	struct ike_parsed p;
	size_t cut, off;
	int v, r;

	for (cut = 0; cut < sizeof(sa_init); cut++) {
		CHECK(parse_exact(&p, sa_init, cut) == -EBADMSG);
		msg_parsed_free(&p);
	}
	for (off = 0; off < sizeof(sa_init); off++) {
		for (v = 0; v < 256; v += 1) {
			memcpy(m, sa_init, sizeof(m));
			m[off] = (uint8_t)v;
			r = parse_exact(&p, m, sizeof(m));
			CHECK(r == 0 || r == -EBADMSG || r == -EPROTONOSUPPORT);
			msg_parsed_free(&p);
		}
	}
}

/* A message with one of every payload, unencrypted. */
static size_t build_all(uint8_t *out, size_t cap)
{
	struct ike_proposal prop = { .num = 1, .proto = IKEV2_PROTO_ESP,
		.spi_len = 4, .spi = 7, .n_xf = 2, .xf = {
			{ IKEV2_XFORM_ENCR, IKEV2_ENCR_AES_CBC, 128 },
			{ IKEV2_XFORM_INTEG, IKEV2_AUTH_HMAC_SHA2_256_128 } } };
	struct ike_ts ts = { .type = IKEV2_TS_IPV6_ADDR_RANGE, .port_hi = 9 };
	struct iked_id id = { .type = IKEV2_ID_FQDN, .len = 5,
			      .data = "a.org" };
	uint32_t spi = 5;
	uint8_t d[64];
	struct ike_buf b;
	size_t len;

	pat(d, sizeof(d), 5, 5);
	msg_init(&b);
	msg_begin(&b, &hdr);
	msg_add_sa(&b, &prop, 1);
	msg_add_ke(&b, IKEV2_DH_ECP_256, d, 64);
	msg_add_nonce(&b, d, 20);
	msg_add_id(&b, IKEV2_PL_IDI, &id);
	msg_add_id(&b, IKEV2_PL_IDR, &id);
	msg_add_cert(&b, IKEV2_CERT_X509_SIG, d, 30);
	msg_add_certreq(&b, IKEV2_CERT_X509_SIG, d, 20);
	msg_add_auth(&b, IKEV2_AUTH_SIG, d, 40);
	msg_add_notify(&b, IKEV2_PROTO_ESP, 4, 9, IKEV2_N_REKEY_SA, d, 3);
	msg_add_delete(&b, IKEV2_PROTO_ESP, &spi, 1);
	msg_add_ts(&b, IKEV2_PL_TSI, &ts, 1);
	msg_add_ts(&b, IKEV2_PL_TSR, &ts, 1);
	msg_add_vendor(&b, d, 8);
	CHECK(!msg_end(&b) && b.len <= cap);
	memcpy(out, b.data, b.len);
	len = b.len;
	msg_free(&b);
	return len;
}

/* Random damage (seeded, reproducible) to a message of every payload type,
 * the header length kept equal to the datagram's so the chain is reached. */
static void test_random_damage(void)
{
	uint8_t orig[1024], m[1024];
	struct ike_parsed p;
	unsigned int seed = 1;
	size_t len, n;
	int i, k, r, ok = 0;

	len = build_all(orig, sizeof(orig));
	CHECK(!parse_exact(&p, orig, len) && p.n_pl == 13);
	msg_parsed_free(&p);
	for (i = 0; i < 20000; i++) {
		memcpy(m, orig, len);
		n = len;
		for (k = 0; k <= i % 4; k++)
			m[IKEV2_HDR_LEN + (size_t)rand_r(&seed) %
			  (len - IKEV2_HDR_LEN)] = (uint8_t)rand_r(&seed);
		if (i % 3 == 0)
			n = IKEV2_HDR_LEN + (size_t)rand_r(&seed) %
			    (len - IKEV2_HDR_LEN);
		m[24] = (uint8_t)(n >> 24);
		m[25] = (uint8_t)(n >> 16);
		m[26] = (uint8_t)(n >> 8);
		m[27] = (uint8_t)n;
		r = parse_exact(&p, m, n);
		CHECK(r == 0 || r == -EBADMSG || r == -EPROTONOSUPPORT);
		ok += !r;
		msg_parsed_free(&p);
	}
	/* some damage is harmless (data bytes), most is not */
	CHECK(ok > 100 && ok < 15000);
}

/* Inner payload chains get the same checks once decrypted. */
static void test_inner(void)
{
	static const uint8_t small_nonce[4] = { 1, 2, 3, 4 };
	struct ike_parsed p;
	struct ike_buf b;
	struct ike_sk sk;
	int i, r;

	memset(&sk, 0, sizeof(sk));
	sk.encr = crypto_encr(IKEV2_ENCR_CHACHA20_POLY1305, 0);
	for (i = 0; i < 4; i++) {
		msg_init(&b);
		msg_begin(&b, &hdr);
		msg_sk_begin(&b, &sk);
		switch (i) {
		case 0:		/* a nonce too short */
			msg_add_nonce(&b, small_nonce, 4);
			break;
		case 1:		/* SK inside SK */
			msg_add_payload(&b, IKEV2_PL_SK, false);
			msg_put_bytes(&b, small_nonce, 4);
			break;
		case 2:		/* unknown critical */
			msg_add_payload(&b, 77, true);
			break;
		case 3:		/* nothing: an empty INFORMATIONAL */
			break;
		}
		CHECK(!msg_seal_sk(&b, &sk));
		CHECK(!parse_exact(&p, b.data, b.len));
		r = msg_open_sk(&p, &sk);
		if (i < 2)
			CHECK(r == -EBADMSG && p.drop == IKE_DROP_MALFORMED);
		else if (i == 2)
			CHECK(r == -EPROTONOSUPPORT &&
			      p.unsupported_critical == 77);
		else
			CHECK(!r && p.n_pl == 1 && p.sk_open);
		msg_parsed_free(&p);
		msg_free(&b);
	}
	/* a message claiming an SK payload too short for IV and ICV */
	msg_init(&b);
	msg_begin(&b, &hdr);
	msg_add_payload(&b, IKEV2_PL_SK, false);
	msg_put_bytes(&b, small_nonce, 4);
	CHECK(!msg_end(&b));
	CHECK(!parse_exact(&p, b.data, b.len) && p.sk);
	CHECK(msg_open_sk(&p, &sk) == -EBADMSG &&
	      p.drop == IKE_DROP_MALFORMED);
	msg_parsed_free(&p);
	/* msg_end refuses an SK message, msg_seal_sk a plain one */
	msg_begin(&b, &hdr);
	msg_sk_begin(&b, &sk);
	CHECK(msg_end(&b) == -EINVAL);
	msg_begin(&b, &hdr);
	CHECK(msg_seal_sk(&b, &sk) == -EINVAL);
	msg_free(&b);
}

static void test_names(void)
{
	CHECK(!strcmp(msg_payload_name(IKEV2_PL_TSI), "TSi"));
	CHECK(!strcmp(msg_exchange_name(IKEV2_EXCH_IKE_AUTH), "IKE_AUTH"));
	CHECK(!strcmp(msg_notify_name(IKEV2_N_INVALID_KE_PAYLOAD),
		      "INVALID_KE_PAYLOAD"));
	CHECK(!strcmp(msg_notify_name(12345), "?"));
}

int main(void)
{
	test_handmade();
	test_roundtrip();
	test_builder_errors();
	test_malformed();
	test_lenient();
	test_fuzz();
	test_random_damage();
	test_inner();
	test_names();
	TEST_DONE("msg_test");
	return 0;
}
