// SPDX-License-Identifier: GPL-2.0
/*
 * The whole engine entry, ike_recv(), with fake daemon services: a virtual
 * clock and timers, a network that records what the engine sends, and a
 * kernel that accepts SAs. One engine answers as responder (PSK, any peer;
 * X25519 so that any 32 bytes are a valid KE) and initiates to one peer.
 *
 * Input: records of [op][len_hi][len_lo][len bytes]:
 *   op bit 0:    advance the clock by ((op >> 3) & 15) * 2 s first and run
 *		  the timers due (retransmissions, half-open expiry);
 *   op bits 1-2: source address (one of 4 peers, the last the initiator's);
 *   op bit 7:    copy the SPIs (and bit 6: the message ID) of the last
 *		  message the engine sent into the datagram's header, so that
 *		  it reaches the SA that message belongs to;
 *   op bit 5:    sealed: the harness first makes an IKE SA with the engine
 *		  as an initiator from peer 0 would (its own X25519 key,
 *		  fragmentation offered) and derives that SA's keys; the
 *		  record is then [exchange][first payload][message ID]
 *		  [fragment number][total] and a plaintext, sealed with the
 *		  initiator's keys as an SK payload (number 0) or an SKF
 *		  fragment: IKE_AUTH, CREATE_CHILD_SA, INFORMATIONAL and
 *		  reassembly are reached past the integrity check.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ikesa.h"

#define FAKE_TIMERS_MAX 1024
#include "../unit/iked/fake_services.h"

/* ---- fake daemon services ---------------------------------------------- */

static uint64_t now;

void iked_log(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

uint64_t iked_now_ms(void)
{
	return now;
}

static uint8_t last_hdr[IKEV2_HDR_LEN];
static bool have_last;
static unsigned long n_sent;
static uint8_t last_msg[4096];
static size_t last_len;

int iked_send(const struct sockaddr_storage *local,
	      const struct sockaddr_storage *peer,
	      const uint8_t *msg, size_t len)
{
	(void)local;
	(void)peer;
	n_sent++;
	if (len >= IKEV2_HDR_LEN) {
		memcpy(last_hdr, msg, IKEV2_HDR_LEN);
		have_last = true;
	}
	if (len <= sizeof(last_msg)) {
		memcpy(last_msg, msg, len);
		last_len = len;
	}
	return 0;
}

/* ---- configuration ----------------------------------------------------- */

static struct iked_ike_profile ike;
static struct iked_ipsec_profile esp;
static struct iked_gateway gw_any, gw_init;
static struct iked_tunnel tun_any, tun_init;
static struct iked_ike_profile *ikes[1] = { &ike };
static struct iked_ipsec_profile *esps[1] = { &esp };
static struct iked_gateway *gws[2] = { &gw_init, &gw_any };
static struct iked_tunnel *tuns[2] = { &tun_init, &tun_any };
static struct iked_config conf;
static struct sockaddr_storage local, peers[4];

static void conf_init(void)
{
	snprintf(ike.name, sizeof(ike.name), "ike");
	ike.encr[0] = (struct iked_xform){ IKEV2_ENCR_AES_GCM_16, 256 };
	ike.encr[1] = (struct iked_xform){ IKEV2_ENCR_CHACHA20_POLY1305, 0 };
	ike.encr[2] = (struct iked_xform){ IKEV2_ENCR_AES_CBC, 128 };
	ike.n_encr = 3;
	ike.integ[0] = IKEV2_AUTH_HMAC_SHA2_256_128;
	ike.n_integ = 1;
	ike.prf[0] = IKEV2_PRF_HMAC_SHA2_256;
	ike.n_prf = 1;
	ike.dh[0] = IKEV2_DH_CURVE25519;
	ike.dh[1] = IKEV2_DH_ECP_256;
	ike.n_dh = 2;
	ike.lifetime = 28800;

	snprintf(esp.name, sizeof(esp.name), "esp");
	esp.protocol = IKEV2_PROTO_ESP;
	esp.encr[0] = (struct iked_xform){ IKEV2_ENCR_AES_GCM_16, 128 };
	esp.n_encr = 1;
	esp.esn = IKED_ESN_BOTH;
	esp.lifetime = 3600;

	fake_addr4(&local, "192.0.2.1", 500);
	fake_addr4(&peers[0], "198.51.100.1", 500);
	fake_addr4(&peers[1], "198.51.100.2", 4500);
	{
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&peers[2];

		memset(s6, 0, sizeof(*s6));
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(500);
		inet_pton(AF_INET6, "2001:db8::1", &s6->sin6_addr);
	}
	fake_addr4(&peers[3], "203.0.113.9", 500);

	snprintf(gw_any.name, sizeof(gw_any.name), "any");
	gw_any.local = local;
	gw_any.auth = IKED_AUTH_PSK;
	memcpy(gw_any.psk, "fuzz-psk", 8);
	gw_any.psk_len = 8;
	gw_any.ike = &ike;
	gw_init = gw_any;
	snprintf(gw_init.name, sizeof(gw_init.name), "init");
	gw_init.peer = peers[3];

	snprintf(tun_any.name, sizeof(tun_any.name), "t-any");
	tun_any.gw = &gw_any;
	tun_any.ipsec = &esp;
	tun_any.replay_window = 64;
	tun_any.ifindex = 10;
	tun_init = tun_any;
	snprintf(tun_init.name, sizeof(tun_init.name), "t-init");
	tun_init.gw = &gw_init;
	tun_init.start = IKED_START_START;
	tun_init.ifindex = 11;

	conf.ike = ikes;
	conf.n_ike = 1;
	conf.ipsec = esps;
	conf.n_ipsec = 1;
	conf.gw = gws;
	conf.n_gw = 2;
	conf.tun = tuns;
	conf.n_tun = 2;
}

/* ---- the harness as an initiator with known keys ----------------------- */

static struct {
	bool up;		/* tried for this input */
	bool keyed;
	uint64_t spi_i, spi_r;
	struct ike_keys keys;
} peer_sa;

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void handshake(void)
{
	static const uint8_t ni[32] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ike_hdr h = { .spi_i = 0x1122334455667788ull,
			     .exchange = IKEV2_EXCH_IKE_SA_INIT,
			     .flags = IKEV2_FLAG_INITIATOR };
	struct ike_proposal prop;
	struct ike_choice ch = { .num = 1, .proto = IKEV2_PROTO_IKE,
				 .encr = IKEV2_ENCR_AES_GCM_16,
				 .encr_keylen = 256,
				 .prf = IKEV2_PRF_HMAC_SHA2_256,
				 .dh = IKEV2_DH_CURVE25519 };
	struct ike_algs a = { 0 };
	uint8_t pub[IKE_DH_MAX], gir[IKE_DH_MAX];
	struct ike_parsed p;
	struct ike_dh *dh;
	struct ike_buf b;
	size_t len, gl;

	peer_sa.up = true;
	dh = crypto_dh_new(crypto_dh(IKEV2_DH_CURVE25519));
	if (!dh || crypto_dh_public(dh, pub, sizeof(pub), &len)) {
		crypto_dh_free(dh);
		return;
	}
	ike_choice_prop(&ch, 0, 0, &prop);
	msg_init(&b);
	msg_begin(&b, &h);
	msg_add_sa(&b, &prop, 1);
	msg_add_ke(&b, IKEV2_DH_CURVE25519, pub, len);
	msg_add_nonce(&b, ni, sizeof(ni));
	msg_add_notify(&b, IKEV2_PROTO_NONE, 0, 0,
		       IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	last_len = 0;
	if (!msg_end(&b))
		ike_recv(&local, &peers[0], b.data, b.len);
	msg_free(&b);
	if (last_len && !msg_parse(&p, last_msg, last_len) && p.has_ke &&
	    p.nonce && !crypto_dh_derive(dh, p.ke, p.ke_len, gir, sizeof(gir),
					 &gl)) {
		a.encr = crypto_encr(ch.encr, ch.encr_keylen);
		a.prf = crypto_prf(ch.prf);
		a.dh = crypto_dh(ch.dh);
		peer_sa.spi_i = h.spi_i;
		peer_sa.spi_r = p.hdr.spi_r;
		peer_sa.keyed = !crypto_ike_keys(&peer_sa.keys, &a, NULL, gir,
						 gl, ni, sizeof(ni), p.nonce,
						 p.nonce_len, h.spi_i,
						 p.hdr.spi_r);
		crypto_cleanse(gir, sizeof(gir));
	}
	if (last_len)
		msg_parsed_free(&p);
	crypto_dh_free(dh);
}

/* [exch][first][msgid][num][total] plaintext -> a sealed SK/SKF message */
static void sealed(const uint8_t *in, size_t n)
{
	struct ike_sk *sk = &peer_sa.keys.i2r;
	size_t iv, icv, ph, plain, pad, len, i;
	uint8_t *m, *pl;

	if (!peer_sa.up)
		handshake();
	if (!peer_sa.keyed || n < 5)
		return;
	iv = crypto_sk_iv_len(sk);
	icv = crypto_sk_icv_len(sk);
	ph = in[3] ? 8 : 4;
	plain = n - 5;
	pad = crypto_sk_pad_len(sk, plain);
	len = IKEV2_HDR_LEN + ph + iv + plain + pad + 1 + icv;
	m = calloc(1, len);
	if (!m)
		return;
	for (i = 0; i < 8; i++) {
		m[i] = (uint8_t)(peer_sa.spi_i >> (56 - 8 * i));
		m[8 + i] = (uint8_t)(peer_sa.spi_r >> (56 - 8 * i));
	}
	m[16] = in[3] ? IKEV2_PL_SKF : IKEV2_PL_SK;
	m[17] = 0x20;
	m[18] = in[0];
	m[19] = IKEV2_FLAG_INITIATOR;
	put_u32(m + 20, in[2]);
	put_u32(m + 24, (uint32_t)len);
	pl = m + IKEV2_HDR_LEN;
	pl[0] = in[1];
	pl[2] = (uint8_t)((len - IKEV2_HDR_LEN) >> 8);
	pl[3] = (uint8_t)(len - IKEV2_HDR_LEN);
	if (in[3]) {
		pl[5] = in[3];
		pl[7] = in[4];
	}
	memcpy(pl + ph + iv, in + 5, plain);
	m[len - icv - 1] = (uint8_t)pad;
	if (!crypto_sk_encrypt(sk, m, len, IKEV2_HDR_LEN + ph - 4))
		ike_recv(&local, &peers[0], m, len);
	free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	uint8_t *buf;

	if (!ready) {
		conf_init();
		ready = true;
	}
	now = 1000000;
	have_last = false;
	crypto_ike_keys_clear(&peer_sa.keys);
	memset(&peer_sa, 0, sizeof(peer_sa));
	fake_timers_clear();
	memset(ike_drops, 0, sizeof(ike_drops));
	ike_engine_init(&conf);
	fake_timers_run(now);		/* initiates t-init to peer 3 */

	while (size >= 3) {
		uint8_t op = data[0];
		size_t len = (size_t)data[1] << 8 | data[2];

		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		if (op & 1) {
			now += (uint64_t)((op >> 3) & 15) * 2000;
			fake_timers_run(now);
		}
		if (op & 0x20) {
			sealed(data, len);
			data += len;
			size -= len;
			continue;
		}
		buf = malloc(len ? len : 1);
		if (!buf)
			break;
		memcpy(buf, data, len);
		if ((op & 0x80) && have_last && len >= IKEV2_HDR_LEN) {
			memcpy(buf, last_hdr, 16);
			if (op & 0x40)
				memcpy(buf + 20, last_hdr + 20, 4);
		}
		ike_recv(&local, &peers[(op >> 1) & 3], buf, len);
		free(buf);
		data += len;
		size -= len;
	}
	ike_engine_fini();
	return 0;
}
