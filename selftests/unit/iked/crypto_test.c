// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of userspace/iked/crypto.c: transform tables, prf+, IKE and
 * CHILD SA key derivation against values computed with Python (vectors.h),
 * Diffie-Hellman against an independently built OpenSSL peer, SK payload
 * protection against Python-built messages, round trips and tampering.
 */
#include <arpa/inet.h>
#include <errno.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "crypto.h"
#include "msg.h"
#include "test.h"
#include "vectors.h"

static uint8_t ni[32], nr[32], gir[256];
#define SPI_I 0x0102030405060708ull
#define SPI_R 0x1112131415161718ull

static void test_tables(void)
{
	const struct ike_encr_alg *e;
	const struct ike_integ_alg *a;

	e = crypto_encr(IKEV2_ENCR_AES_GCM_16, 128);
	CHECK(e && e->aead && e->key_len == 16 && e->salt_len == 4 &&
	      e->iv_len == 8 && e->icv_len == 16 &&
	      !strcmp(e->kernel, "rfc4106(gcm(aes))"));
	e = crypto_encr(IKEV2_ENCR_AES_GCM_8, 256);
	CHECK(e && e->icv_len == 8 && e->key_len == 32);
	e = crypto_encr(IKEV2_ENCR_AES_GCM_12, 256);
	CHECK(e && e->icv_len == 12);
	e = crypto_encr(IKEV2_ENCR_CHACHA20_POLY1305, 0);
	CHECK(e && e->key_len == 32 && e->salt_len == 4 &&
	      !strcmp(e->kernel, "rfc7539esp(chacha20,poly1305)"));
	e = crypto_encr(IKEV2_ENCR_AES_CBC, 256);
	CHECK(e && !e->aead && e->iv_len == 16 && e->block_len == 16 &&
	      !strcmp(e->kernel, "cbc(aes)"));
	/* AES-CBC needs a key length attribute, ChaCha20 has none */
	CHECK(!crypto_encr(IKEV2_ENCR_AES_CBC, 0));
	CHECK(!crypto_encr(IKEV2_ENCR_AES_CBC, 64));
	CHECK(!crypto_encr(IKEV2_ENCR_CHACHA20_POLY1305, 256));
	e = crypto_encr(IKEV2_ENCR_NULL, 0);
	CHECK(e && !e->ike && !strcmp(e->kernel, "ecb(cipher_null)"));
	/* ESP-only transforms the kernel knows */
	e = crypto_encr(IKEV2_ENCR_AES_CCM_8, 192);
	CHECK(e && !e->ike && e->aead && e->salt_len == 3 && e->icv_len == 8 &&
	      !strcmp(e->kernel, "rfc4309(ccm(aes))"));
	e = crypto_encr(IKEV2_ENCR_AES_CTR, 192);
	CHECK(e && !e->aead && e->salt_len == 4 &&
	      !strcmp(e->kernel, "rfc3686(ctr(aes))"));
	e = crypto_encr(IKEV2_ENCR_NULL_AUTH_AES_GMAC, 256);
	CHECK(e && e->aead && !strcmp(e->kernel, "rfc4543(gcm(aes))"));
	e = crypto_encr(IKEV2_ENCR_3DES, 0);
	CHECK(e && e->key_len == 24 && e->iv_len == 8 &&
	      !strcmp(e->kernel, "cbc(des3_ede)"));
	CHECK(crypto_encr(IKEV2_ENCR_AES_GCM_12, 192)->ike);
	a = crypto_integ(IKEV2_AUTH_HMAC_MD5_96);
	CHECK(a && !a->ike && !strcmp(a->kernel, "hmac(md5)"));
	a = crypto_integ(IKEV2_AUTH_HMAC_SHA2_256_128);
	CHECK(a && a->key_len == 32 && a->icv_len == 16 &&
	      !strcmp(a->kernel, "hmac(sha256)"));
	a = crypto_integ(IKEV2_AUTH_HMAC_SHA2_384_192);
	CHECK(a && a->key_len == 48 && a->icv_len == 24);
	a = crypto_integ(IKEV2_AUTH_HMAC_SHA2_512_256);
	CHECK(a && a->key_len == 64 && a->icv_len == 32);
	a = crypto_integ(IKEV2_AUTH_HMAC_SHA1_96);
	CHECK(a && !a->ike && a->key_len == 20 && a->icv_len == 12);
	CHECK(crypto_prf(IKEV2_PRF_HMAC_SHA2_384)->out_len == 48);
	CHECK(crypto_dh(IKEV2_DH_ECP_256)->pub_len == 64);
	CHECK(crypto_dh(IKEV2_DH_ECP_521)->pub_len == 132);
	CHECK(crypto_dh(IKEV2_DH_MODP_3072)->pub_len == 384);
	CHECK(!crypto_dh(IKEV2_DH_CURVE448));
	CHECK(crypto_encr_by_name("aes-gcm-16-256") ==
	      crypto_encr(IKEV2_ENCR_AES_GCM_16, 256));
	CHECK(crypto_dh_by_name("curve25519") ==
	      crypto_dh(IKEV2_DH_CURVE25519));
	CHECK(crypto_integ_by_name("hmac-sha2-512-256") ==
	      crypto_integ(IKEV2_AUTH_HMAC_SHA2_512_256));
	CHECK(crypto_prf_by_name("prf-hmac-sha2-256") ==
	      crypto_prf(IKEV2_PRF_HMAC_SHA2_256));
	CHECK(!crypto_encr_by_name("aes-gcm-17-128"));
	/* iked.conf's names: aliases and D-H numbers */
	CHECK(crypto_integ_by_name("sha256") ==
	      crypto_integ(IKEV2_AUTH_HMAC_SHA2_256_128));
	CHECK(crypto_integ_by_name("aes-xcbc") ==
	      crypto_integ(IKEV2_AUTH_AES_XCBC_96));
	CHECK(crypto_prf_by_name("sha512") ==
	      crypto_prf(IKEV2_PRF_HMAC_SHA2_512));
	CHECK(crypto_dh_by_name("x25519") ==
	      crypto_dh(IKEV2_DH_CURVE25519));
	CHECK(crypto_dh_by_name("14") == crypto_dh(IKEV2_DH_MODP_2048));
	CHECK(crypto_dh_by_name("31") == crypto_dh(IKEV2_DH_CURVE25519));
	CHECK(!crypto_dh_by_name("014"));
	CHECK(!crypto_dh_by_name(""));
	CHECK(!crypto_prf_by_name("md5"));
	CHECK(crypto_dh(IKEV2_DH_MODP_4096)->no_config);
	CHECK(crypto_prf(IKEV2_PRF_HMAC_SHA1)->no_config);
	CHECK(crypto_encr(IKEV2_ENCR_AES_CCM_8, 192)->no_config);
	CHECK(!crypto_encr(IKEV2_ENCR_AES_CCM_8, 256)->no_config);
}

static void test_prf_plus(void)
{
	uint8_t key[64], out[300];

	pat(key, 32, 5, 1);
	CHECK(!crypto_prf_plus(crypto_prf(IKEV2_PRF_HMAC_SHA2_256), key, 32,
			       (const uint8_t *)"vtun prf+ seed", 14, out, 100));
	CHECK_MEM(out, v_prfplus_sha256, 100);
	pat(key, 64, 5, 1);
	CHECK(!crypto_prf_plus(crypto_prf(IKEV2_PRF_HMAC_SHA2_512), key, 64,
			       (const uint8_t *)"vtun prf+ seed", 14, out, 300));
	CHECK_MEM(out, v_prfplus_sha512, 300);
	/* at most 255 blocks */
	CHECK(crypto_prf_plus(crypto_prf(IKEV2_PRF_HMAC_SHA2_256), key, 32,
			      key, 1, out, 255 * 32 + 1) == -EINVAL);
}

static void test_ike_keys(struct ike_keys *k)
{
	struct ike_algs algs = {
		.encr = crypto_encr(IKEV2_ENCR_AES_CBC, 256),
		.integ = crypto_integ(IKEV2_AUTH_HMAC_SHA2_256_128),
		.prf = crypto_prf(IKEV2_PRF_HMAC_SHA2_256),
	};
	const uint8_t *v = v_ikekm_cbc256_sha256;
	uint8_t skeyseed[IKE_PRF_MAX];
	struct ike_keys k2, rk;

	CHECK(!crypto_skeyseed(algs.prf, NULL, gir, sizeof(gir), ni, 32,
			       nr, 32, skeyseed));
	CHECK_MEM(skeyseed, v_skeyseed_sha256, 32);
	CHECK(!crypto_ike_keys(k, &algs, NULL, gir, sizeof(gir), ni, 32,
			       nr, 32, SPI_I, SPI_R));
	/* SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr */
	CHECK_MEM(k->sk_d, v, 32);
	CHECK_MEM(k->i2r.ak, v + 32, 32);
	CHECK_MEM(k->r2i.ak, v + 64, 32);
	CHECK_MEM(k->i2r.ek, v + 96, 32);
	CHECK_MEM(k->r2i.ek, v + 128, 32);
	CHECK_MEM(k->sk_pi, v + 160, 32);
	CHECK_MEM(k->sk_pr, v + 192, 32);
	CHECK(k->i2r.encr == algs.encr && k->r2i.integ == algs.integ);

	/* AEAD: no SK_a, SK_e carries the 4-byte salt */
	algs.encr = crypto_encr(IKEV2_ENCR_AES_GCM_16, 256);
	algs.integ = NULL;
	algs.prf = crypto_prf(IKEV2_PRF_HMAC_SHA2_384);
	v = v_ikekm_gcm256_sha384;
	CHECK(!crypto_ike_keys(&k2, &algs, NULL, gir, sizeof(gir), ni, 32,
			       nr, 32, SPI_I, SPI_R));
	CHECK_MEM(k2.sk_d, v, 48);
	CHECK_MEM(k2.i2r.ek, v + 48, 36);
	CHECK_MEM(k2.r2i.ek, v + 84, 36);
	CHECK_MEM(k2.sk_pi, v + 120, 48);
	CHECK_MEM(k2.sk_pr, v + 168, 48);
	CHECK(!k2.i2r.integ);
	crypto_ike_keys_clear(&k2);
	CHECK(!k2.prf && !k2.sk_d[0] && !k2.sk_d[47]);

	/* rekey: SKEYSEED from the old SA's prf and SK_d, new prf after */
	CHECK(!crypto_skeyseed(algs.prf, k, gir, sizeof(gir), ni, 32, nr, 32,
			       skeyseed));
	CHECK_MEM(skeyseed, v_rekey_skeyseed, 32);
	algs.encr = crypto_encr(IKEV2_ENCR_AES_GCM_16, 128);
	algs.prf = crypto_prf(IKEV2_PRF_HMAC_SHA2_512);
	v = v_rekey_km_sha512_gcm128;
	CHECK(!crypto_ike_keys(&rk, &algs, k, gir, sizeof(gir), ni, 32,
			       nr, 32, SPI_I, SPI_R));
	CHECK_MEM(rk.sk_d, v, 64);
	CHECK_MEM(rk.i2r.ek, v + 64, 20);
	CHECK_MEM(rk.r2i.ek, v + 84, 20);
	CHECK_MEM(rk.sk_pi, v + 104, 64);
	CHECK_MEM(rk.sk_pr, v + 168, 64);
	crypto_ike_keys_clear(&rk);

	/* a cipher without integrity is refused for the IKE SA, and so are
	 * ESP-only transforms
	 */
	algs.encr = crypto_encr(IKEV2_ENCR_AES_CBC, 128);
	algs.integ = NULL;
	CHECK(crypto_ike_keys(&rk, &algs, NULL, gir, 256, ni, 32, nr, 32,
			      1, 2) == -EINVAL);
	algs.integ = crypto_integ(IKEV2_AUTH_HMAC_SHA1_96);
	CHECK(crypto_ike_keys(&rk, &algs, NULL, gir, 256, ni, 32, nr, 32,
			      1, 2) == -EINVAL);
}

static void test_child_keys(const struct ike_keys *k)
{
	struct ike_algs algs = {
		.encr = crypto_encr(IKEV2_ENCR_AES_GCM_16, 128),
	};
	struct iked_kernel_sa sa;
	struct ike_child_keys ck;

	CHECK(!crypto_child_keys(&ck, k, &algs, NULL, 0, ni, 32, nr, 32));
	CHECK(ck.enc_len == 20 && ck.auth_len == 0 && !ck.integ);
	CHECK_MEM(ck.ei, v_child_gcm128, 20);
	CHECK_MEM(ck.er, v_child_gcm128 + 20, 20);
	memset(&sa, 0, sizeof(sa));
	crypto_kernel_sa(&sa, &ck, false);
	CHECK(!strcmp(sa.aead_alg, "rfc4106(gcm(aes))") && !sa.enc_alg &&
	      !sa.auth_alg && sa.icv_bits == 128 && sa.enc_key == ck.er &&
	      sa.enc_key_len == 20);

	/* with PFS: g^ir first in the seed; enc i->r, auth i->r, then r->i */
	algs.encr = crypto_encr(IKEV2_ENCR_AES_CBC, 128);
	algs.integ = crypto_integ(IKEV2_AUTH_HMAC_SHA2_256_128);
	CHECK(!crypto_child_keys(&ck, k, &algs, gir, sizeof(gir), ni, 32,
				 nr, 32));
	CHECK(ck.enc_len == 16 && ck.auth_len == 32);
	CHECK_MEM(ck.ei, v_child_cbc128_sha256_pfs, 16);
	CHECK_MEM(ck.ai, v_child_cbc128_sha256_pfs + 16, 32);
	CHECK_MEM(ck.er, v_child_cbc128_sha256_pfs + 48, 16);
	CHECK_MEM(ck.ar, v_child_cbc128_sha256_pfs + 64, 32);
	crypto_kernel_sa(&sa, &ck, true);
	CHECK(!sa.aead_alg && !strcmp(sa.enc_alg, "cbc(aes)") &&
	      !strcmp(sa.auth_alg, "hmac(sha256)") && sa.trunc_bits == 128 &&
	      sa.enc_key == ck.ei && sa.auth_key == ck.ai &&
	      sa.auth_key_len == 32 && sa.icv_bits == 0);

	/* ESP NULL encryption with SHA-1 integrity; AH: integrity only */
	algs.encr = crypto_encr(IKEV2_ENCR_NULL, 0);
	algs.integ = crypto_integ(IKEV2_AUTH_HMAC_SHA1_96);
	CHECK(!crypto_child_keys(&ck, k, &algs, NULL, 0, ni, 32, nr, 32));
	CHECK(ck.enc_len == 0 && ck.auth_len == 20);
	CHECK_MEM(ck.ai, v_child_gcm128, 20);	/* KEYMAT starts the same */
	crypto_kernel_sa(&sa, &ck, true);
	CHECK(!strcmp(sa.enc_alg, "ecb(cipher_null)") && sa.trunc_bits == 96 &&
	      sa.enc_key_len == 0);
	algs.encr = NULL;
	CHECK(!crypto_child_keys(&ck, k, &algs, NULL, 0, ni, 32, nr, 32));
	crypto_kernel_sa(&sa, &ck, false);
	CHECK(!sa.enc_alg && !sa.aead_alg && sa.auth_key == ck.ar);
	/* ESP cipher without integrity: refused */
	algs.encr = crypto_encr(IKEV2_ENCR_AES_CBC, 128);
	algs.integ = NULL;
	CHECK(crypto_child_keys(&ck, k, &algs, NULL, 0, ni, 32, nr, 32) ==
	      -EINVAL);
	crypto_child_keys_clear(&ck);
	CHECK(!ck.encr && !ck.ei[0]);
}

/* An OpenSSL key of the same group made here without crypto.c's code. */
static EVP_PKEY *peer_key(const struct ike_dh_alg *alg)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *params = NULL, *key = NULL;
	OSSL_PARAM_BLD *bld;
	OSSL_PARAM *p;
	BIGNUM *prime = NULL, *g = BN_new();

	if (alg->kind == IKE_DH_X25519) {
		ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, NULL);
		CHECK(ctx && EVP_PKEY_keygen_init(ctx) > 0 &&
		      EVP_PKEY_keygen(ctx, &key) > 0);
		EVP_PKEY_CTX_free(ctx);
		BN_free(g);
		return key;
	}
	if (alg->kind == IKE_DH_ECP) {
		key = EVP_EC_gen(alg->group);
		CHECK(key);
		BN_free(g);
		return key;
	}
	/* MODP: the RFC 2409 / 3526 primes, generator 2 */
	switch (alg->id) {
	case IKEV2_DH_MODP_1024:
		prime = BN_get_rfc2409_prime_1024(NULL);
		break;
	case IKEV2_DH_MODP_1536:
		prime = BN_get_rfc3526_prime_1536(NULL);
		break;
	case IKEV2_DH_MODP_2048:
		prime = BN_get_rfc3526_prime_2048(NULL);
		break;
	case IKEV2_DH_MODP_3072:
		prime = BN_get_rfc3526_prime_3072(NULL);
		break;
	default:
		prime = BN_get_rfc3526_prime_4096(NULL);
		break;
	}
	bld = OSSL_PARAM_BLD_new();
	CHECK(prime && g && bld && BN_set_word(g, 2) &&
	      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, prime) &&
	      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g));
	p = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	CHECK(p && ctx && EVP_PKEY_fromdata_init(ctx) > 0 &&
	      EVP_PKEY_fromdata(ctx, &params, EVP_PKEY_KEY_PARAMETERS, p) > 0);
	EVP_PKEY_CTX_free(ctx);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
	CHECK(ctx && EVP_PKEY_keygen_init(ctx) > 0 &&
	      EVP_PKEY_keygen(ctx, &key) > 0);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(params);
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(bld);
	BN_free(prime);
	BN_free(g);
	return key;
}

/* The peer key's public value in KE format, and g^ir from ours. */
static void peer_side(const struct ike_dh_alg *alg, EVP_PKEY *key,
		      const uint8_t *our_pub, size_t our_len,
		      uint8_t *pub, uint8_t *secret, size_t *secret_len)
{
	EVP_PKEY *ours = NULL;
	EVP_PKEY_CTX *ctx;
	uint8_t pt[1 + 132];
	BIGNUM *y = NULL;
	size_t n;

	if (alg->kind == IKE_DH_X25519) {
		n = 32;
		CHECK(EVP_PKEY_get_raw_public_key(key, pub, &n) && n == 32);
		ours = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL,
						   our_pub, our_len);
	} else if (alg->kind == IKE_DH_ECP) {
		CHECK(EVP_PKEY_get_octet_string_param(key,
				OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &n));
		CHECK(n == 1u + alg->pub_len && pt[0] == 4);
		memcpy(pub, pt + 1, alg->pub_len);
		/* ours, as an uncompressed point */
		pt[0] = 4;
		memcpy(pt + 1, our_pub, our_len);
		ours = EVP_PKEY_new();
		CHECK(ours && EVP_PKEY_copy_parameters(ours, key) &&
		      EVP_PKEY_set1_encoded_public_key(ours, pt, our_len + 1));
	} else {
		CHECK(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PUB_KEY, &y));
		CHECK(BN_bn2binpad(y, pub, alg->pub_len) == alg->pub_len);
		BN_free(y);
		ours = EVP_PKEY_new();
		y = BN_bin2bn(our_pub, (int)our_len, NULL);
		CHECK(ours && y && EVP_PKEY_copy_parameters(ours, key));
		CHECK(EVP_PKEY_set1_encoded_public_key(ours, our_pub,
						       our_len));
		BN_free(y);
	}
	CHECK(ours);
	ctx = EVP_PKEY_CTX_new(key, NULL);
	CHECK(ctx && EVP_PKEY_derive_init(ctx) > 0);
	if (alg->kind == IKE_DH_MODP)
		CHECK(EVP_PKEY_CTX_set_dh_pad(ctx, 1) > 0);
	CHECK(EVP_PKEY_derive_set_peer(ctx, ours) > 0);
	n = IKE_DH_MAX;
	CHECK(EVP_PKEY_derive(ctx, secret, &n) > 0);
	*secret_len = n;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(ours);
}

static void test_dh_group(uint16_t id)
{
	const struct ike_dh_alg *alg = crypto_dh(id);
	uint8_t pub[IKE_DH_MAX], ppub[IKE_DH_MAX], bad[IKE_DH_MAX];
	uint8_t s1[IKE_DH_MAX], s2[IKE_DH_MAX], s3[IKE_DH_MAX];
	size_t len, l1, l2, l3;
	struct ike_dh *a, *b;
	EVP_PKEY *peer;
	int round;

	CHECK(alg);
	for (round = 0; round < 2; round++) {
		a = crypto_dh_new(alg);
		b = crypto_dh_new(alg);
		CHECK(a && b && crypto_dh_alg(a) == alg);
		CHECK(!crypto_dh_public(a, pub, sizeof(pub), &len));
		CHECK(len == alg->pub_len);
		CHECK(crypto_dh_public(a, pub, alg->pub_len - 1, &len) ==
		      -EMSGSIZE);
		/* two of ours agree */
		CHECK(!crypto_dh_public(b, ppub, sizeof(ppub), &len));
		CHECK(!crypto_dh_derive(a, ppub, len, s1, sizeof(s1), &l1));
		CHECK(!crypto_dh_public(a, pub, sizeof(pub), &len));
		CHECK(!crypto_dh_derive(b, pub, len, s2, sizeof(s2), &l2));
		CHECK(l1 == alg->secret_len && l2 == l1);
		CHECK_MEM(s1, s2, l1);
		/* and agree with a key made without crypto.c */
		peer = peer_key(alg);
		peer_side(alg, peer, pub, len, ppub, s3, &l3);
		CHECK(!crypto_dh_derive(a, ppub, alg->pub_len, s1, sizeof(s1),
					&l1));
		CHECK(l1 == alg->secret_len && l3 == l1);
		CHECK_MEM(s1, s3, l1);
		EVP_PKEY_free(peer);

		/* bad peer values */
		CHECK(crypto_dh_derive(a, ppub, alg->pub_len - 1, s1,
				       sizeof(s1), &l1) == -EINVAL);
		memset(bad, 0, alg->pub_len);
		CHECK(crypto_dh_derive(a, bad, alg->pub_len, s1, sizeof(s1),
				       &l1) == -EINVAL);
		if (alg->kind == IKE_DH_MODP) {
			bad[alg->pub_len - 1] = 1;		/* y = 1 */
			CHECK(crypto_dh_derive(a, bad, alg->pub_len, s1,
					       sizeof(s1), &l1) == -EINVAL);
			memset(bad, 0xff, alg->pub_len);	/* y > p */
			CHECK(crypto_dh_derive(a, bad, alg->pub_len, s1,
					       sizeof(s1), &l1) == -EINVAL);
		} else if (alg->kind == IKE_DH_ECP) {
			memcpy(bad, ppub, alg->pub_len);	/* off curve */
			bad[alg->pub_len - 1] ^= 1;
			CHECK(crypto_dh_derive(a, bad, alg->pub_len, s1,
					       sizeof(s1), &l1) == -EINVAL);
		}
		crypto_dh_free(a);
		crypto_dh_free(b);
	}
}

static void test_dh(void)
{
	static const uint16_t groups[] = {
		IKEV2_DH_MODP_1024, IKEV2_DH_MODP_1536, IKEV2_DH_MODP_2048,
		IKEV2_DH_MODP_3072, IKEV2_DH_MODP_4096, IKEV2_DH_ECP_256,
		IKEV2_DH_ECP_384,
		IKEV2_DH_ECP_521, IKEV2_DH_CURVE25519,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(groups); i++)
		test_dh_group(groups[i]);
	CHECK(!crypto_dh_new(NULL));
}

static void sk_setup(struct ike_sk *sk, const struct ike_encr_alg *e,
		     const struct ike_integ_alg *a, const uint8_t *ek,
		     const uint8_t *ak)
{
	memset(sk, 0, sizeof(*sk));
	sk->encr = e;
	sk->integ = a;
	memcpy(sk->ek, ek, (size_t)e->key_len + e->salt_len);
	if (a)
		memcpy(sk->ak, ak, a->key_len);
}

static const struct ike_hdr kat_hdr = {
	.spi_i = SPI_I, .spi_r = SPI_R,
	.exchange = IKEV2_EXCH_INFORMATIONAL,
	.flags = IKEV2_FLAG_INITIATOR, .msgid = 2,
};

/* The Python-made messages: ours equal them (AEAD) and open (all). */
static void test_sk_kat(void)
{
	struct ike_parsed p;
	struct ike_buf b;
	struct ike_sk sk;

	sk_setup(&sk, crypto_encr(IKEV2_ENCR_AES_GCM_16, 128), NULL,
		 v_sk_gcm128_key, NULL);
	msg_init(&b);
	msg_begin(&b, &kat_hdr);
	msg_sk_begin(&b, &sk);
	msg_add_notify(&b, 0, 0, 0, IKEV2_N_INITIAL_CONTACT,
		       (const uint8_t *)"hello vtun", 10);
	CHECK(!msg_seal_sk(&b, &sk));
	CHECK(b.len == sizeof(v_sk_gcm128_msg));
	CHECK_MEM(b.data, v_sk_gcm128_msg, b.len);
	msg_free(&b);

	sk_setup(&sk, crypto_encr(IKEV2_ENCR_CHACHA20_POLY1305, 0), NULL,
		 v_sk_chacha_key, NULL);
	msg_begin(&b, &kat_hdr);
	msg_sk_begin(&b, &sk);
	msg_add_notify(&b, 0, 0, 0, IKEV2_N_INITIAL_CONTACT,
		       (const uint8_t *)"hello vtun", 10);
	CHECK(!msg_seal_sk(&b, &sk));
	CHECK(b.len == sizeof(v_sk_chacha_msg));
	CHECK_MEM(b.data, v_sk_chacha_msg, b.len);
	msg_free(&b);
	CHECK(!msg_parse(&p, v_sk_chacha_msg, sizeof(v_sk_chacha_msg)));
	CHECK(!msg_open_sk(&p, &sk));
	CHECK(p.n_notify == 1 && p.notify[0].len == 10 &&
	      !memcmp(p.notify[0].data, "hello vtun", 10));
	msg_parsed_free(&p);

	sk_setup(&sk, crypto_encr(IKEV2_ENCR_AES_CBC, 128),
		 crypto_integ(IKEV2_AUTH_HMAC_SHA2_256_128), v_sk_cbc_ek,
		 v_sk_cbc_ak);
	CHECK(!msg_parse(&p, v_sk_cbc_msg, sizeof(v_sk_cbc_msg)));
	CHECK(p.sk && !p.sk_open && p.n_notify == 0);
	CHECK(!msg_open_sk(&p, &sk));
	CHECK(p.sk_open && p.n_notify == 1 &&
	      p.notify[0].type == IKEV2_N_INITIAL_CONTACT &&
	      p.notify[0].len == 10 &&
	      !memcmp(p.notify[0].data, "hello vtun", 10));
	CHECK(p.pl[p.n_pl - 1].inner && p.pl[p.n_pl - 1].type ==
	      IKEV2_PL_NOTIFY);
	msg_parsed_free(&p);
}

/* Every cipher: our messages open, and no bit of them may change. */
static void test_sk_roundtrip(void)
{
	static const struct { uint16_t e, bits, a; } suites[] = {
		{ IKEV2_ENCR_AES_CBC, 128, IKEV2_AUTH_HMAC_SHA2_256_128 },
		{ IKEV2_ENCR_AES_CBC, 256, IKEV2_AUTH_HMAC_SHA2_384_192 },
		{ IKEV2_ENCR_AES_CBC, 256, IKEV2_AUTH_HMAC_SHA2_512_256 },
		{ IKEV2_ENCR_AES_GCM_8, 128, 0 },
		{ IKEV2_ENCR_AES_GCM_12, 256, 0 },
		{ IKEV2_ENCR_AES_GCM_8, 192, 0 },
		{ IKEV2_ENCR_AES_GCM_16, 128, 0 },
		{ IKEV2_ENCR_AES_GCM_16, 256, 0 },
		{ IKEV2_ENCR_CHACHA20_POLY1305, 0, 0 },
	};
	uint8_t ek[IKE_KEY_MAX], ak[IKE_KEY_MAX], nonce[40], *copy;
	struct ike_sk sk, wrong;
	struct ike_parsed p;
	struct ike_buf b;
	size_t i, j, n, plen;

	pat(ek, sizeof(ek), 3, 9);
	pat(ak, sizeof(ak), 5, 7);
	pat(nonce, sizeof(nonce), 1, 1);
	for (i = 0; i < ARRAY_SIZE(suites); i++) {
		sk_setup(&sk, crypto_encr(suites[i].e, suites[i].bits),
			 suites[i].a ? crypto_integ(suites[i].a) : NULL,
			 ek, ak);
		/* inner lengths 0..40 cover every padding length */
		for (plen = 0; plen <= 40; plen += 1) {
			msg_init(&b);
			msg_begin(&b, &kat_hdr);
			msg_sk_begin(&b, &sk);
			if (plen >= IKEV2_NONCE_MIN)
				msg_add_nonce(&b, nonce, plen);
			CHECK(!msg_seal_sk(&b, &sk));
			CHECK(b.len == IKEV2_HDR_LEN + 4 +
			      crypto_sk_overhead(&sk, plen >= 16 ? plen + 4 : 0) +
			      (plen >= 16 ? plen + 4 : 0));
			CHECK(!msg_parse(&p, b.data, b.len));
			CHECK(!msg_open_sk(&p, &sk));
			CHECK(plen < 16 ? !p.nonce :
			      (p.nonce_len == plen &&
			       !memcmp(p.nonce, nonce, plen)));
			msg_parsed_free(&p);
			msg_free(&b);
		}
		/* flip each bit of a message: always an integrity failure,
		 * or caught before that by the length checks
		 */
		msg_init(&b);
		msg_begin(&b, &kat_hdr);
		msg_sk_begin(&b, &sk);
		msg_add_nonce(&b, nonce, 32);
		CHECK(!msg_seal_sk(&b, &sk));
		copy = malloc(b.len);
		CHECK(copy);
		for (j = 0; j < b.len * 8; j++) {
			int r;

			memcpy(copy, b.data, b.len);
			copy[j / 8] ^= (uint8_t)(1u << (j % 8));
			r = msg_parse(&p, copy, b.len);
			if (!r) {
				r = msg_open_sk(&p, &sk);
				CHECK(r == -EBADMSG);
				CHECK(!p.nonce && !p.sk_open);
			}
			CHECK(r != 0);
			msg_parsed_free(&p);
		}
		free(copy);
		/* the wrong key: an integrity failure, nothing decoded */
		wrong = sk;
		wrong.ek[0] ^= 1;
		wrong.ak[0] ^= 1;
		CHECK(!msg_parse(&p, b.data, b.len));
		CHECK(msg_open_sk(&p, &wrong) == -EBADMSG &&
		      p.drop == IKE_DROP_INTEGRITY && !p.nonce);
		/* the right one still opens it afterwards */
		CHECK(!msg_open_sk(&p, &sk) && p.nonce_len == 32);
		CHECK(msg_open_sk(&p, &sk) == -EBADMSG);	/* only once */
		msg_parsed_free(&p);
		/* AEAD IVs count up */
		if (sk.encr->aead) {
			n = IKEV2_HDR_LEN + 4;
			CHECK(b.data[n + 7] != 0 || b.data[n + 6] != 0);
		}
		msg_free(&b);
	}
	/* ESP-only ciphers cannot protect IKE messages */
	sk_setup(&sk, crypto_encr(IKEV2_ENCR_AES_CTR, 128),
		 crypto_integ(IKEV2_AUTH_HMAC_SHA2_256_128), ek, ak);
	msg_init(&b);
	msg_begin(&b, &kat_hdr);
	msg_sk_begin(&b, &sk);
	CHECK(msg_seal_sk(&b, &sk) == -EINVAL);
	msg_free(&b);
}

static void test_natd(void)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (void *)&ss;
	struct sockaddr_in6 *s6 = (void *)&ss;
	uint8_t h[IKE_NATD_LEN];

	s4->sin_family = AF_INET;
	s4->sin_port = htons(500);
	inet_pton(AF_INET, "192.0.2.1", &s4->sin_addr);
	CHECK(!crypto_natd_hash(SPI_I, SPI_R, &ss, h));
	CHECK_MEM(h, v_natd_v4, IKE_NATD_LEN);
	memset(&ss, 0, sizeof(ss));
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(4500);
	inet_pton(AF_INET6, "2001:db8::1", &s6->sin6_addr);
	CHECK(!crypto_natd_hash(SPI_I, SPI_R, &ss, h));
	CHECK_MEM(h, v_natd_v6, IKE_NATD_LEN);
	ss.ss_family = AF_UNIX;
	CHECK(crypto_natd_hash(SPI_I, SPI_R, &ss, h) == -EINVAL);
}

static void test_misc(void)
{
	uint8_t a[16] = { 1 }, c[16] = { 1 }, r1[32], r2[32];

	CHECK(crypto_memeq(a, c, sizeof(a)));
	c[15] = 1;
	CHECK(!crypto_memeq(a, c, sizeof(a)));
	CHECK(!crypto_random(r1, sizeof(r1)) && !crypto_random(r2, 32));
	CHECK(memcmp(r1, r2, 32));
	crypto_cleanse(r1, sizeof(r1));
	CHECK(!r1[0] && !r1[31]);
}

int main(void)
{
	struct ike_keys k;

	pat(ni, sizeof(ni), 1, 0x11);
	pat(nr, sizeof(nr), 3, 0x22);
	pat(gir, sizeof(gir), 7, 0x33);
	test_tables();
	test_prf_plus();
	test_ike_keys(&k);
	test_child_keys(&k);
	crypto_ike_keys_clear(&k);
	test_dh();
	test_sk_kat();
	test_sk_roundtrip();
	test_natd();
	test_misc();
	TEST_DONE("crypto_test");
	return 0;
}
