// SPDX-License-Identifier: GPL-2.0
/*
 * The SK payload decryption path (crypto_sk_decrypt, msg_open_sk and the
 * inner payload chain) of one IKE SA keyed with known keys, for AES-GCM-16,
 * ChaCha20-Poly1305 and AES-CBC with HMAC-SHA2-256-128.
 *
 * Input: byte 0 selects the suite (bits 0-1, mod 3) and the mode (bit 2).
 *   raw:    the rest is a whole datagram, opened with the suite's keys
 *	     (framing, lengths and ICV checks; forgeries must be refused);
 *   sealed: byte 1 is the first inner payload type, byte 2 the exchange,
 *	     and the rest the plaintext of the SK payload, padding and pad
 *	     length byte included as given (zero-filled up to the cipher's
 *	     block). The harness encrypts it with the keys, so that the
 *	     padding checks and the inner chain parser are reached.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "fuzz.h"
#include "msg.h"

void iked_log(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

#define SUITES 3
static struct ike_sk keys[SUITES];
static bool keyed;

static void key_init(void)
{
	int s, i;

	keys[0].encr = crypto_encr(IKEV2_ENCR_AES_GCM_16, 256);
	keys[1].encr = crypto_encr(IKEV2_ENCR_CHACHA20_POLY1305, 0);
	keys[2].encr = crypto_encr(IKEV2_ENCR_AES_CBC, 128);
	keys[2].integ = crypto_integ(IKEV2_AUTH_HMAC_SHA2_256_128);
	for (s = 0; s < SUITES; s++) {
		if (!keys[s].encr)
			abort();
		for (i = 0; i < IKE_KEY_MAX; i++) {
			keys[s].ek[i] = (uint8_t)(0x11 * s + i);
			keys[s].ak[i] = (uint8_t)(0x80 + 0x11 * s + i);
		}
	}
	keyed = true;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void open_one(const struct ike_sk *sk, const uint8_t *msg, size_t len)
{
	struct ike_parsed p;
	int err;

	err = msg_parse(&p, msg, len);
	if (!err && p.sk) {
		err = msg_open_sk(&p, sk);
		if (!err || err == -EPROTONOSUPPORT) {
			msg_find_error(&p);
			msg_has(&p, IKEV2_PL_IDI);
		}
	}
	msg_parsed_free(&p);
}

#define PLAIN_MAX 65000

static void sealed(struct ike_sk *sk, const uint8_t *in, size_t n)
{
	size_t iv = crypto_sk_iv_len(sk), icv = crypto_sk_icv_len(sk);
	size_t blk = sk->encr->block_len ? sk->encr->block_len : 1;
	size_t plain, len, sk_off = IKEV2_HDR_LEN;
	uint8_t *m;

	if (n < 3)
		return;
	plain = n - 3;
	if (plain > PLAIN_MAX)
		plain = PLAIN_MAX;
	plain = (plain + blk) / blk * blk;	/* at least 1: pad length */
	len = sk_off + 4 + iv + plain + icv;
	m = calloc(1, len);
	if (!m)
		return;
	memset(m, 0x5a, 8);			/* SPIi */
	memset(m + 8, 0xa5, 8);			/* SPIr */
	m[16] = IKEV2_PL_SK;
	m[17] = 0x20;
	m[18] = in[2];
	m[19] = IKEV2_FLAG_INITIATOR;
	put32(m + 20, 1);
	put32(m + 24, (uint32_t)len);
	m[sk_off] = in[1];
	m[sk_off + 2] = (uint8_t)((len - sk_off) >> 8);
	m[sk_off + 3] = (uint8_t)(len - sk_off);
	memcpy(m + sk_off + 4 + iv, in + 3, n - 3 < plain ? n - 3 : plain);
	if (!crypto_sk_encrypt(sk, m, len, sk_off))
		open_one(sk, m, len);
	free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_sk *sk;

	if (!keyed)
		key_init();
	if (!size)
		return 0;
	sk = &keys[(data[0] & 3) % SUITES];
	if (data[0] & 4)
		sealed(sk, data, size);
	else
		open_one(sk, data + 1, size - 1);
	return 0;
}
