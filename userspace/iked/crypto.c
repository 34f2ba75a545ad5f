// SPDX-License-Identifier: GPL-2.0
/*
 * IKEv2 cryptography on OpenSSL 3 EVP. See crypto.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "crypto.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------------
 * Transform tables.
 */

static const struct ike_encr_alg encr_algs[] = {
	{ IKEV2_ENCR_AES_CBC, 128, "aes-cbc-128", false, true,
	  16, 0, 16, 16, 0, "AES-128-CBC", "cbc(aes)", false },
	{ IKEV2_ENCR_AES_CBC, 192, "aes-cbc-192", false, true,
	  24, 0, 16, 16, 0, "AES-192-CBC", "cbc(aes)", false },
	{ IKEV2_ENCR_AES_CBC, 256, "aes-cbc-256", false, true,
	  32, 0, 16, 16, 0, "AES-256-CBC", "cbc(aes)", false },
	{ IKEV2_ENCR_AES_GCM_8, 128, "aes-gcm-8-128", true, true,
	  16, 4, 8, 1, 8, "AES-128-GCM", "rfc4106(gcm(aes))", false },
	{ IKEV2_ENCR_AES_GCM_8, 256, "aes-gcm-8-256", true, true,
	  32, 4, 8, 1, 8, "AES-256-GCM", "rfc4106(gcm(aes))", false },
	{ IKEV2_ENCR_AES_GCM_8, 192, "aes-gcm-8-192", true, true,
	  24, 4, 8, 1, 8, "AES-192-GCM", "rfc4106(gcm(aes))", false },
	{ IKEV2_ENCR_AES_GCM_12, 128, "aes-gcm-12-128", true, true,
	  16, 4, 8, 1, 12, "AES-128-GCM", "rfc4106(gcm(aes))", false },
	{ IKEV2_ENCR_AES_GCM_12, 192, "aes-gcm-12-192", true, true,
	  24, 4, 8, 1, 12, "AES-192-GCM", "rfc4106(gcm(aes))", false },
	{ IKEV2_ENCR_AES_GCM_12, 256, "aes-gcm-12-256", true, true,
	  32, 4, 8, 1, 12, "AES-256-GCM", "rfc4106(gcm(aes))", false },
	{ IKEV2_ENCR_AES_GCM_16, 128, "aes-gcm-16-128", true, true,
	  16, 4, 8, 1, 16, "AES-128-GCM", "rfc4106(gcm(aes))", false },
	{ IKEV2_ENCR_AES_GCM_16, 192, "aes-gcm-16-192", true, true,
	  24, 4, 8, 1, 16, "AES-192-GCM", "rfc4106(gcm(aes))", false },
	{ IKEV2_ENCR_AES_GCM_16, 256, "aes-gcm-16-256", true, true,
	  32, 4, 8, 1, 16, "AES-256-GCM", "rfc4106(gcm(aes))", false },
	{ IKEV2_ENCR_CHACHA20_POLY1305, 0, "chacha20-poly1305", true, true,
	  32, 4, 8, 1, 16, "ChaCha20-Poly1305",
	  "rfc7539esp(chacha20,poly1305)", false },
	/* ESP only */
	{ IKEV2_ENCR_AES_CTR, 128, "aes-ctr-128", false, false,
	  16, 4, 8, 4, 0, NULL, "rfc3686(ctr(aes))", false },
	{ IKEV2_ENCR_AES_CTR, 192, "aes-ctr-192", false, false,
	  24, 4, 8, 4, 0, NULL, "rfc3686(ctr(aes))", false },
	{ IKEV2_ENCR_AES_CTR, 256, "aes-ctr-256", false, false,
	  32, 4, 8, 4, 0, NULL, "rfc3686(ctr(aes))", false },
	{ IKEV2_ENCR_AES_CCM_8, 128, "aes-ccm-8-128", true, false,
	  16, 3, 8, 4, 8, NULL, "rfc4309(ccm(aes))", false },
	{ IKEV2_ENCR_AES_CCM_8, 192, "aes-ccm-8-192", true, false,
	  24, 3, 8, 4, 8, NULL, "rfc4309(ccm(aes))", true },
	{ IKEV2_ENCR_AES_CCM_8, 256, "aes-ccm-8-256", true, false,
	  32, 3, 8, 4, 8, NULL, "rfc4309(ccm(aes))", false },
	{ IKEV2_ENCR_AES_CCM_12, 128, "aes-ccm-12-128", true, false,
	  16, 3, 8, 4, 12, NULL, "rfc4309(ccm(aes))", false },
	{ IKEV2_ENCR_AES_CCM_12, 192, "aes-ccm-12-192", true, false,
	  24, 3, 8, 4, 12, NULL, "rfc4309(ccm(aes))", true },
	{ IKEV2_ENCR_AES_CCM_12, 256, "aes-ccm-12-256", true, false,
	  32, 3, 8, 4, 12, NULL, "rfc4309(ccm(aes))", false },
	{ IKEV2_ENCR_AES_CCM_16, 128, "aes-ccm-16-128", true, false,
	  16, 3, 8, 4, 16, NULL, "rfc4309(ccm(aes))", false },
	{ IKEV2_ENCR_AES_CCM_16, 192, "aes-ccm-16-192", true, false,
	  24, 3, 8, 4, 16, NULL, "rfc4309(ccm(aes))", true },
	{ IKEV2_ENCR_AES_CCM_16, 256, "aes-ccm-16-256", true, false,
	  32, 3, 8, 4, 16, NULL, "rfc4309(ccm(aes))", false },
	{ IKEV2_ENCR_NULL_AUTH_AES_GMAC, 128, "aes-gmac-128", true, false,
	  16, 4, 8, 4, 16, NULL, "rfc4543(gcm(aes))", false },
	{ IKEV2_ENCR_NULL_AUTH_AES_GMAC, 192, "aes-gmac-192", true, false,
	  24, 4, 8, 4, 16, NULL, "rfc4543(gcm(aes))", false },
	{ IKEV2_ENCR_NULL_AUTH_AES_GMAC, 256, "aes-gmac-256", true, false,
	  32, 4, 8, 4, 16, NULL, "rfc4543(gcm(aes))", false },
	{ IKEV2_ENCR_3DES, 0, "3des", false, false,
	  24, 0, 8, 8, 0, NULL, "cbc(des3_ede)", false },
	{ IKEV2_ENCR_NULL, 0, "null", false, false,
	  0, 0, 0, 4, 0, NULL, "ecb(cipher_null)", false },
};

static const struct ike_integ_alg integ_algs[] = {
	{ IKEV2_AUTH_HMAC_SHA2_256_128, "hmac-sha2-256-128", true,
	  32, 16, "SHA256", "hmac(sha256)", "sha256" },
	{ IKEV2_AUTH_HMAC_SHA2_384_192, "hmac-sha2-384-192", true,
	  48, 24, "SHA384", "hmac(sha384)", "sha384" },
	{ IKEV2_AUTH_HMAC_SHA2_512_256, "hmac-sha2-512-256", true,
	  64, 32, "SHA512", "hmac(sha512)", "sha512" },
	/* ESP only */
	{ IKEV2_AUTH_HMAC_SHA1_96, "hmac-sha1-96", false,
	  20, 12, "SHA1", "hmac(sha1)", "sha1" },
	{ IKEV2_AUTH_HMAC_MD5_96, "hmac-md5-96", false,
	  16, 12, "MD5", "hmac(md5)", "md5" },
	{ IKEV2_AUTH_AES_XCBC_96, "aes-xcbc-96", false,
	  16, 12, NULL, "xcbc(aes)", "aes-xcbc" },
	{ IKEV2_AUTH_AES_CMAC_96, "aes-cmac-96", false,
	  16, 12, NULL, "cmac(aes)", "aes-cmac" },
};

static const struct ike_prf_alg prf_algs[] = {
	{ IKEV2_PRF_HMAC_SHA2_256, "prf-hmac-sha2-256", 32, "SHA256",
	  "sha256", false },
	{ IKEV2_PRF_HMAC_SHA2_384, "prf-hmac-sha2-384", 48, "SHA384",
	  "sha384", false },
	{ IKEV2_PRF_HMAC_SHA2_512, "prf-hmac-sha2-512", 64, "SHA512",
	  "sha512", false },
	{ IKEV2_PRF_HMAC_SHA1, "prf-hmac-sha1", 20, "SHA1",
	  NULL, true },
};

/* MODP groups 5, 14, 15 are OpenSSL's RFC 3526 named groups; group 2 (RFC
 * 2409) has no name there and is built from BN_get_rfc2409_prime_1024().
 */
static const struct ike_dh_alg dh_algs[] = {
	{ IKEV2_DH_MODP_1024, "modp1024", IKE_DH_MODP, 128, 128, NULL,
	  NULL, false },
	{ IKEV2_DH_MODP_1536, "modp1536", IKE_DH_MODP, 192, 192, "modp_1536",
	  NULL, false },
	{ IKEV2_DH_MODP_2048, "modp2048", IKE_DH_MODP, 256, 256, "modp_2048",
	  NULL, false },
	{ IKEV2_DH_MODP_3072, "modp3072", IKE_DH_MODP, 384, 384, "modp_3072",
	  NULL, false },
	{ IKEV2_DH_MODP_4096, "modp4096", IKE_DH_MODP, 512, 512, "modp_4096",
	  NULL, true },
	{ IKEV2_DH_ECP_256, "ecp256", IKE_DH_ECP, 64, 32, "P-256",
	  NULL, false },
	{ IKEV2_DH_ECP_384, "ecp384", IKE_DH_ECP, 96, 48, "P-384",
	  NULL, false },
	{ IKEV2_DH_ECP_521, "ecp521", IKE_DH_ECP, 132, 66, "P-521",
	  NULL, false },
	{ IKEV2_DH_CURVE25519, "curve25519", IKE_DH_X25519, 32, 32, "X25519",
	  "x25519", false },
};

const struct ike_encr_alg *crypto_encr(uint16_t id, uint16_t keybits)
{
	const struct ike_encr_alg *found = NULL;
	size_t i;
	int n = 0;

	for (i = 0; i < ARRAY_SIZE(encr_algs); i++) {
		if (encr_algs[i].id != id)
			continue;
		if (encr_algs[i].keybits == keybits)
			return &encr_algs[i];
		found = &encr_algs[i];
		n++;
	}
	/* no key length attribute: only for ids with one size */
	if (!keybits && n == 1 && !found->keybits)
		return found;
	return NULL;
}

const struct ike_integ_alg *crypto_integ(uint16_t id)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(integ_algs); i++)
		if (integ_algs[i].id == id)
			return &integ_algs[i];
	return NULL;
}

const struct ike_prf_alg *crypto_prf(uint16_t id)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(prf_algs); i++)
		if (prf_algs[i].id == id)
			return &prf_algs[i];
	return NULL;
}

const struct ike_dh_alg *crypto_dh(uint16_t id)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dh_algs); i++)
		if (dh_algs[i].id == id)
			return &dh_algs[i];
	return NULL;
}

static bool named(const char *name, const char *alias, const char *s)
{
	return !strcmp(name, s) || (alias && !strcmp(alias, s));
}

const struct ike_encr_alg *crypto_encr_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(encr_algs); i++)
		if (named(encr_algs[i].name, NULL, name))
			return &encr_algs[i];
	return NULL;
}

const struct ike_integ_alg *crypto_integ_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(integ_algs); i++)
		if (named(integ_algs[i].name, integ_algs[i].alias, name))
			return &integ_algs[i];
	return NULL;
}

const struct ike_prf_alg *crypto_prf_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(prf_algs); i++)
		if (named(prf_algs[i].name, prf_algs[i].alias, name))
			return &prf_algs[i];
	return NULL;
}

const struct ike_dh_alg *crypto_dh_by_name(const char *name)
{
	char num[8];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dh_algs); i++) {
		snprintf(num, sizeof(num), "%u", dh_algs[i].id);
		if (named(dh_algs[i].name, dh_algs[i].alias, name) ||
		    !strcmp(num, name))
			return &dh_algs[i];
	}
	return NULL;
}

/* ---------------------------------------------------------------------------
 * Randomness and comparisons.
 */

int crypto_random(void *buf, size_t len)
{
	if (len > INT_MAX || RAND_bytes(buf, (int)len) != 1)
		return -EIO;
	return 0;
}

bool crypto_memeq(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

void crypto_cleanse(void *p, size_t len)
{
	OPENSSL_cleanse(p, len);
}

int crypto_natd_hash(uint64_t spi_i, uint64_t spi_r,
		     const struct sockaddr_storage *addr, uint8_t *out)
{
	const struct sockaddr_in6 *s6 = (const void *)addr;
	const struct sockaddr_in *s4 = (const void *)addr;
	uint8_t buf[16 + 16 + 2];
	size_t len = 16;
	unsigned int n;
	int i;

	for (i = 0; i < 8; i++) {
		buf[i] = (uint8_t)(spi_i >> (56 - 8 * i));
		buf[8 + i] = (uint8_t)(spi_r >> (56 - 8 * i));
	}
	if (addr->ss_family == AF_INET) {
		memcpy(buf + len, &s4->sin_addr, 4);
		memcpy(buf + len + 4, &s4->sin_port, 2);
		len += 6;
	} else if (addr->ss_family == AF_INET6) {
		memcpy(buf + len, &s6->sin6_addr, 16);
		memcpy(buf + len + 16, &s6->sin6_port, 2);
		len += 18;
	} else {
		return -EINVAL;
	}
	if (!EVP_Digest(buf, len, out, &n, EVP_sha1(), NULL) ||
	    n != IKE_NATD_LEN)
		return -EIO;
	return 0;
}

/* ---------------------------------------------------------------------------
 * Diffie-Hellman.
 */

struct ike_dh {
	const struct ike_dh_alg *alg;
	EVP_PKEY *key;
};

const struct ike_dh_alg *crypto_dh_alg(const struct ike_dh *dh)
{
	return dh->alg;
}

/* Domain parameters of a MODP group without an OpenSSL name (group 2). */
static EVP_PKEY *dh_params_modp1024(void)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *p = NULL, *g = NULL;

	if (!bld)
		return NULL;
	p = BN_get_rfc2409_prime_1024(NULL);
	g = BN_new();
	if (!p || !g || !BN_set_word(g, 2) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEY_PARAMETERS, params) <= 0)
		pkey = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(p);
	BN_free(g);
	return pkey;
}

static EVP_PKEY *dh_keygen(const struct ike_dh_alg *alg)
{
	EVP_PKEY *params = NULL, *key = NULL;
	EVP_PKEY_CTX *ctx;

	switch (alg->kind) {
	case IKE_DH_MODP:
		if (!alg->group) {
			params = dh_params_modp1024();
			if (!params)
				return NULL;
			ctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
		} else {
			ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
		}
		break;
	case IKE_DH_ECP:
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
		break;
	case IKE_DH_X25519:
	default:
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "X25519", NULL);
		break;
	}
	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0)
		goto out;
	if (alg->group && alg->kind != IKE_DH_X25519) {
		OSSL_PARAM p[2] = {
			OSSL_PARAM_construct_utf8_string(
				OSSL_PKEY_PARAM_GROUP_NAME,
				(char *)alg->group, 0),
			OSSL_PARAM_construct_end(),
		};

		if (EVP_PKEY_CTX_set_params(ctx, p) <= 0)
			goto out;
	}
	if (EVP_PKEY_generate(ctx, &key) <= 0)
		key = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(params);
	return key;
}

struct ike_dh *crypto_dh_new(const struct ike_dh_alg *alg)
{
	struct ike_dh *dh;

	if (!alg)
		return NULL;
	dh = calloc(1, sizeof(*dh));
	if (!dh)
		return NULL;
	dh->alg = alg;
	dh->key = dh_keygen(alg);
	if (!dh->key) {
		free(dh);
		return NULL;
	}
	return dh;
}

void crypto_dh_free(struct ike_dh *dh)
{
	if (!dh)
		return;
	EVP_PKEY_free(dh->key);	/* clears the private key */
	free(dh);
}

int crypto_dh_public(const struct ike_dh *dh, uint8_t *out, size_t cap,
		     size_t *len)
{
	const struct ike_dh_alg *alg = dh->alg;
	uint8_t pt[1 + 2 * 66];
	BIGNUM *pub = NULL;
	size_t n;
	int ret = -EIO;

	if (cap < alg->pub_len)
		return -EMSGSIZE;
	switch (alg->kind) {
	case IKE_DH_MODP:
		if (!EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY,
					   &pub) ||
		    BN_bn2binpad(pub, out, alg->pub_len) != alg->pub_len)
			break;
		ret = 0;
		break;
	case IKE_DH_ECP:
		/* uncompressed point 04 || x || y; KE data is x || y */
		if (!EVP_PKEY_get_octet_string_param(dh->key,
						     OSSL_PKEY_PARAM_PUB_KEY,
						     pt, sizeof(pt), &n) ||
		    n != 1u + alg->pub_len || pt[0] != 0x04)
			break;
		memcpy(out, pt + 1, alg->pub_len);
		ret = 0;
		break;
	case IKE_DH_X25519:
		n = cap;
		if (EVP_PKEY_get_raw_public_key(dh->key, out, &n) != 1 ||
		    n != alg->pub_len)
			break;
		ret = 0;
		break;
	}
	BN_free(pub);
	if (!ret)
		*len = alg->pub_len;
	return ret;
}

/* The peer's public value as an EVP_PKEY in our key's group. */
static EVP_PKEY *dh_peer_key(const struct ike_dh *dh, const uint8_t *peer,
			     size_t len)
{
	const struct ike_dh_alg *alg = dh->alg;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *y = NULL, *p = NULL, *g = NULL;
	uint8_t pt[1 + 2 * 66];

	if (alg->kind == IKE_DH_X25519)
		return EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL,
						   peer, len);
	bld = OSSL_PARAM_BLD_new();
	if (!bld)
		return NULL;
	if (alg->kind == IKE_DH_ECP) {
		pt[0] = 0x04;
		memcpy(pt + 1, peer, len);
		if (!OSSL_PARAM_BLD_push_utf8_string(bld,
				OSSL_PKEY_PARAM_GROUP_NAME, alg->group, 0) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld,
				OSSL_PKEY_PARAM_PUB_KEY, pt, len + 1))
			goto out;
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	} else {
		y = BN_bin2bn(peer, (int)len, NULL);
		if (!y)
			goto out;
		if (alg->group) {
			if (!OSSL_PARAM_BLD_push_utf8_string(bld,
					OSSL_PKEY_PARAM_GROUP_NAME,
					alg->group, 0))
				goto out;
		} else {
			/* same p and g as our key */
			if (!EVP_PKEY_get_bn_param(dh->key,
						   OSSL_PKEY_PARAM_FFC_P, &p) ||
			    !EVP_PKEY_get_bn_param(dh->key,
						   OSSL_PKEY_PARAM_FFC_G, &g) ||
			    !OSSL_PARAM_BLD_push_BN(bld,
						    OSSL_PKEY_PARAM_FFC_P, p) ||
			    !OSSL_PARAM_BLD_push_BN(bld,
						    OSSL_PKEY_PARAM_FFC_G, g))
				goto out;
		}
		if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
			goto out;
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(y);
	BN_free(p);
	BN_free(g);
	return pkey;
}

/* 1 < y < p - 1 for MODP (RFC 7296 asks it implicitly, SP 800-56A). */
static bool dh_modp_in_range(const struct ike_dh *dh, const uint8_t *peer,
			     size_t len)
{
	BIGNUM *p = NULL, *y, *pm1 = NULL;
	bool ok = false;

	y = BN_bin2bn(peer, (int)len, NULL);
	if (!y || !EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_FFC_P, &p))
		goto out;
	pm1 = BN_dup(p);
	if (!pm1 || !BN_sub_word(pm1, 1))
		goto out;
	ok = BN_cmp(y, BN_value_one()) > 0 && BN_cmp(y, pm1) < 0;
out:
	BN_free(y);
	BN_free(p);
	BN_free(pm1);
	return ok;
}

int crypto_dh_derive(struct ike_dh *dh, const uint8_t *peer, size_t len,
		     uint8_t *secret, size_t cap, size_t *secret_len)
{
	const struct ike_dh_alg *alg = dh->alg;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey;
	uint8_t zero = 0;
	size_t n, i;
	int ret = -EINVAL;

	if (len != alg->pub_len)
		return -EINVAL;
	if (cap < alg->secret_len)
		return -EMSGSIZE;
	if (alg->kind == IKE_DH_MODP && !dh_modp_in_range(dh, peer, len))
		return -EINVAL;
	pkey = dh_peer_key(dh, peer, len);
	if (!pkey)
		return -EINVAL;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL);
	if (!ctx || EVP_PKEY_derive_init(ctx) <= 0)
		goto out;
	/* g^ir is as long as the prime, leading zeros kept */
	if (alg->kind == IKE_DH_MODP && EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0)
		goto out;
	/* checks the point is on the curve (ECP) */
	if (EVP_PKEY_derive_set_peer_ex(ctx, pkey, 1) <= 0)
		goto out;
	n = cap;
	if (EVP_PKEY_derive(ctx, secret, &n) <= 0 || n != alg->secret_len)
		goto out_clear;
	/* RFC 8031: an all-zero X25519 result is an error */
	for (i = 0; i < n; i++)
		zero |= secret[i];
	if (!zero)
		goto out_clear;
	*secret_len = n;
	ret = 0;
	goto out;
out_clear:
	OPENSSL_cleanse(secret, cap);
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ret;
}

/* ---------------------------------------------------------------------------
 * prf, prf+ and key derivation.
 */

static int hmac(const char *md, const uint8_t *key, size_t key_len,
		const uint8_t *d1, size_t l1, const uint8_t *d2, size_t l2,
		const uint8_t *d3, size_t l3, uint8_t *out, size_t *out_len)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM p[2] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						 (char *)md, 0),
		OSSL_PARAM_construct_end(),
	};
	uint8_t nokey = 0;
	int ret = -EIO;

	if (!mac)
		return -EIO;
	ctx = EVP_MAC_CTX_new(mac);
	/* HMAC with an empty key: OpenSSL wants a non-NULL pointer */
	if (!ctx || !EVP_MAC_init(ctx, key_len ? key : &nokey, key_len, p) ||
	    (l1 && !EVP_MAC_update(ctx, d1, l1)) ||
	    (l2 && !EVP_MAC_update(ctx, d2, l2)) ||
	    (l3 && !EVP_MAC_update(ctx, d3, l3)) ||
	    !EVP_MAC_final(ctx, out, out_len, EVP_MAX_MD_SIZE))
		goto out;
	ret = 0;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ret;
}

int crypto_prf_run(const struct ike_prf_alg *prf, const uint8_t *key,
		   size_t key_len, const uint8_t *data, size_t len,
		   uint8_t *out)
{
	uint8_t buf[EVP_MAX_MD_SIZE];
	size_t n;
	int ret;

	ret = hmac(prf->md, key, key_len, data, len, NULL, 0, NULL, 0,
		   buf, &n);
	if (!ret && n != prf->out_len)
		ret = -EIO;
	if (!ret)
		memcpy(out, buf, prf->out_len);
	OPENSSL_cleanse(buf, sizeof(buf));
	return ret;
}

/* T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n) */
int crypto_prf_plus(const struct ike_prf_alg *prf, const uint8_t *key,
		    size_t key_len, const uint8_t *seed, size_t seed_len,
		    uint8_t *out, size_t out_len)
{
	uint8_t t[EVP_MAX_MD_SIZE];
	size_t t_len = 0, n, done = 0;
	uint8_t ctr;
	int ret = 0;

	if (out_len > 255u * prf->out_len)
		return -EINVAL;
	for (ctr = 1; done < out_len; ctr++) {
		ret = hmac(prf->md, key, key_len, t, t_len, seed, seed_len,
			   &ctr, 1, t, &n);
		if (ret)
			break;
		t_len = n;
		n = out_len - done < t_len ? out_len - done : t_len;
		memcpy(out + done, t, n);
		done += n;
	}
	OPENSSL_cleanse(t, sizeof(t));
	if (ret)
		OPENSSL_cleanse(out, out_len);
	return ret;
}

int crypto_skeyseed(const struct ike_prf_alg *prf, const struct ike_keys *old,
		    const uint8_t *gir, size_t gir_len,
		    const uint8_t *ni, size_t ni_len,
		    const uint8_t *nr, size_t nr_len, uint8_t *skeyseed)
{
	uint8_t buf[EVP_MAX_MD_SIZE];
	uint8_t *key;
	size_t n;
	int ret;

	if (old) {
		/* prf_old(SK_d_old, g^ir | Ni | Nr) */
		prf = old->prf;
		ret = hmac(prf->md, old->sk_d, prf->out_len, gir, gir_len,
			   ni, ni_len, nr, nr_len, buf, &n);
	} else {
		/* prf(Ni | Nr, g^ir) */
		key = malloc(ni_len + nr_len + 1);
		if (!key)
			return -ENOMEM;
		memcpy(key, ni, ni_len);
		memcpy(key + ni_len, nr, nr_len);
		ret = hmac(prf->md, key, ni_len + nr_len, gir, gir_len,
			   NULL, 0, NULL, 0, buf, &n);
		OPENSSL_cleanse(key, ni_len + nr_len);
		free(key);
	}
	if (!ret && n != prf->out_len)
		ret = -EIO;
	if (!ret)
		memcpy(skeyseed, buf, n);
	OPENSSL_cleanse(buf, sizeof(buf));
	return ret;
}

static size_t sk_enc_len(const struct ike_encr_alg *e)
{
	return e ? (size_t)e->key_len + e->salt_len : 0;
}

int crypto_ike_keys(struct ike_keys *k, const struct ike_algs *algs,
		    const struct ike_keys *old,
		    const uint8_t *gir, size_t gir_len,
		    const uint8_t *ni, size_t ni_len,
		    const uint8_t *nr, size_t nr_len,
		    uint64_t spi_i, uint64_t spi_r)
{
	const struct ike_prf_alg *prf = algs->prf;
	size_t plen, elen, alen, total, seed_len, off = 0;
	uint8_t skeyseed[IKE_PRF_MAX];
	uint8_t *seed = NULL, *km = NULL;
	int i, ret;

	if (!prf || !algs->encr || (!algs->encr->aead && !algs->integ) ||
	    !algs->encr->ike || (algs->integ && !algs->integ->ike))
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	plen = prf->out_len;
	elen = sk_enc_len(algs->encr);
	alen = algs->encr->aead ? 0 : algs->integ->key_len;
	total = 3 * plen + 2 * elen + 2 * alen;

	ret = crypto_skeyseed(prf, old, gir, gir_len, ni, ni_len, nr, nr_len,
			      skeyseed);
	if (ret)
		return ret;
	seed_len = ni_len + nr_len + 16;
	seed = malloc(seed_len);
	km = malloc(total);
	if (!seed || !km) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(seed, ni, ni_len);
	memcpy(seed + ni_len, nr, nr_len);
	for (i = 0; i < 8; i++) {
		seed[ni_len + nr_len + i] = (uint8_t)(spi_i >> (56 - 8 * i));
		seed[ni_len + nr_len + 8 + i] = (uint8_t)(spi_r >> (56 - 8 * i));
	}
	ret = crypto_prf_plus(prf, skeyseed, plen, seed, seed_len, km, total);
	if (ret)
		goto out;
	k->prf = prf;
	k->i2r.encr = k->r2i.encr = algs->encr;
	k->i2r.integ = k->r2i.integ = algs->encr->aead ? NULL : algs->integ;
	/* SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr */
	memcpy(k->sk_d, km + off, plen);
	off += plen;
	memcpy(k->i2r.ak, km + off, alen);
	off += alen;
	memcpy(k->r2i.ak, km + off, alen);
	off += alen;
	memcpy(k->i2r.ek, km + off, elen);
	off += elen;
	memcpy(k->r2i.ek, km + off, elen);
	off += elen;
	memcpy(k->sk_pi, km + off, plen);
	off += plen;
	memcpy(k->sk_pr, km + off, plen);
out:
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	if (km)
		OPENSSL_cleanse(km, total);
	free(km);
	if (seed)
		OPENSSL_cleanse(seed, seed_len);
	free(seed);
	if (ret)
		crypto_ike_keys_clear(k);
	return ret;
}

void crypto_ike_keys_clear(struct ike_keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

int crypto_child_keys(struct ike_child_keys *ck, const struct ike_keys *ike,
		      const struct ike_algs *algs,
		      const uint8_t *gir, size_t gir_len,
		      const uint8_t *ni, size_t ni_len,
		      const uint8_t *nr, size_t nr_len)
{
	size_t elen, alen, total, seed_len;
	uint8_t *seed = NULL, *km = NULL;
	int ret;

	/* AH: integrity only; ESP: AEAD, or a cipher with integrity */
	if (!ike->prf || (!algs->encr && !algs->integ) ||
	    (algs->encr && !algs->encr->aead && !algs->integ))
		return -EINVAL;
	memset(ck, 0, sizeof(*ck));
	ck->encr = algs->encr;
	ck->integ = algs->encr && algs->encr->aead ? NULL : algs->integ;
	elen = sk_enc_len(ck->encr);
	alen = ck->integ ? ck->integ->key_len : 0;
	total = 2 * (elen + alen);
	seed_len = gir_len + ni_len + nr_len;
	seed = malloc(seed_len + 1);
	km = malloc(total + 1);
	if (!seed || !km) {
		ret = -ENOMEM;
		goto out;
	}
	if (gir_len)
		memcpy(seed, gir, gir_len);
	memcpy(seed + gir_len, ni, ni_len);
	memcpy(seed + gir_len + ni_len, nr, nr_len);
	ret = crypto_prf_plus(ike->prf, ike->sk_d, ike->prf->out_len,
			      seed, seed_len, km, total);
	if (ret)
		goto out;
	memcpy(ck->ei, km, elen);
	memcpy(ck->ai, km + elen, alen);
	memcpy(ck->er, km + elen + alen, elen);
	memcpy(ck->ar, km + 2 * elen + alen, alen);
	ck->enc_len = elen;
	ck->auth_len = alen;
out:
	if (km)
		OPENSSL_cleanse(km, total);
	free(km);
	if (seed)
		OPENSSL_cleanse(seed, seed_len);
	free(seed);
	if (ret)
		crypto_child_keys_clear(ck);
	return ret;
}

void crypto_child_keys_clear(struct ike_child_keys *ck)
{
	OPENSSL_cleanse(ck, sizeof(*ck));
}

void crypto_kernel_sa(struct iked_kernel_sa *sa,
		      const struct ike_child_keys *ck, bool i2r)
{
	const struct ike_encr_alg *e = ck->encr;
	const struct ike_integ_alg *a = ck->integ;

	sa->aead_alg = NULL;
	sa->enc_alg = NULL;
	sa->auth_alg = NULL;
	sa->enc_key = NULL;
	sa->enc_key_len = 0;
	sa->auth_key = NULL;
	sa->auth_key_len = 0;
	sa->icv_bits = 0;
	sa->trunc_bits = 0;
	if (e && e->aead) {
		sa->aead_alg = e->kernel;
		sa->icv_bits = e->icv_len * 8u;
	} else if (e) {
		sa->enc_alg = e->kernel;
	}
	if (e) {
		sa->enc_key = i2r ? ck->ei : ck->er;
		sa->enc_key_len = ck->enc_len;
	}
	if (a) {
		sa->auth_alg = a->kernel;
		sa->auth_key = i2r ? ck->ai : ck->ar;
		sa->auth_key_len = ck->auth_len;
		sa->trunc_bits = a->icv_len * 8u;
	}
}

/* ---------------------------------------------------------------------------
 * SK payload.
 */

size_t crypto_sk_iv_len(const struct ike_sk *sk)
{
	return sk->encr->iv_len;
}

size_t crypto_sk_icv_len(const struct ike_sk *sk)
{
	return sk->encr->aead ? sk->encr->icv_len : sk->integ->icv_len;
}

size_t crypto_sk_pad_len(const struct ike_sk *sk, size_t plain_len)
{
	size_t bl = sk->encr->block_len;

	/* inner payloads + padding + pad length byte: a multiple of bl */
	return (bl - (plain_len + 1) % bl) % bl;
}

size_t crypto_sk_overhead(const struct ike_sk *sk, size_t plain_len)
{
	return crypto_sk_iv_len(sk) + crypto_sk_pad_len(sk, plain_len) + 1 +
	       crypto_sk_icv_len(sk);
}

static EVP_CIPHER *sk_cipher(const struct ike_sk *sk)
{
	if (!sk->encr->evp || !sk->encr->ike)
		return NULL;
	return EVP_CIPHER_fetch(NULL, sk->encr->evp, NULL);
}

/*
 * AEAD (RFC 5282, RFC 7634): nonce = salt | IV, AAD = message from its start
 * through the SK generic header, tag after the ciphertext.
 */
static int sk_aead(const struct ike_sk *sk, bool enc, uint8_t *msg,
		   size_t sk_off, const uint8_t *in, uint8_t *out, size_t len,
		   uint8_t *tag)
{
	const struct ike_encr_alg *e = sk->encr;
	EVP_CIPHER *c = sk_cipher(sk);
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t nonce[12];
	int n, ret = -EIO;

	if (!c)
		return -EINVAL;
	memcpy(nonce, sk->ek + e->key_len, e->salt_len);
	memcpy(nonce + e->salt_len, msg + sk_off + 4, e->iv_len);
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx || !EVP_CipherInit_ex2(ctx, c, NULL, NULL, enc, NULL) ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN,
				e->salt_len + e->iv_len, NULL) <= 0 ||
	    (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
					 e->icv_len, tag) <= 0) ||
	    !EVP_CipherInit_ex2(ctx, NULL, sk->ek, nonce, enc, NULL) ||
	    !EVP_CipherUpdate(ctx, NULL, &n, msg, (int)(sk_off + 4)) ||
	    !EVP_CipherUpdate(ctx, out, &n, in, (int)len))
		goto out;
	if (!EVP_CipherFinal_ex(ctx, out + n, &n)) {
		ret = -EBADMSG;
		goto out;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
				       e->icv_len, tag) <= 0)
		goto out;
	ret = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	OPENSSL_cleanse(nonce, sizeof(nonce));
	return ret;
}

/* CBC without OpenSSL's padding: the SK payload carries its own. */
static int sk_cbc(const struct ike_sk *sk, bool enc, const uint8_t *iv,
		  uint8_t *buf, size_t len)
{
	EVP_CIPHER *c = sk_cipher(sk);
	EVP_CIPHER_CTX *ctx = NULL;
	int n, ret = -EIO;

	if (!c)
		return -EINVAL;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx || !EVP_CipherInit_ex2(ctx, c, sk->ek, iv, enc, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0) ||
	    !EVP_CipherUpdate(ctx, buf, &n, buf, (int)len) ||
	    !EVP_CipherFinal_ex(ctx, buf + n, &n))
		goto out;
	ret = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return ret;
}

/* ICV: truncated HMAC over the message from its first byte up to the ICV. */
static int sk_icv(const struct ike_sk *sk, const uint8_t *msg, size_t len,
		  uint8_t *icv)
{
	uint8_t buf[EVP_MAX_MD_SIZE];
	size_t n;
	int ret;

	ret = hmac(sk->integ->md, sk->ak, sk->integ->key_len, msg, len,
		   NULL, 0, NULL, 0, buf, &n);
	if (!ret)
		memcpy(icv, buf, sk->integ->icv_len);
	OPENSSL_cleanse(buf, sizeof(buf));
	return ret;
}

int crypto_sk_encrypt(struct ike_sk *sk, uint8_t *msg, size_t len,
		      size_t sk_off)
{
	const struct ike_encr_alg *e = sk->encr;
	size_t iv_len, icv_len, body, plain;
	uint8_t *iv;
	int i, ret;

	if (!e || !e->ike || (!e->aead && !sk->integ))
		return -EINVAL;
	iv_len = crypto_sk_iv_len(sk);
	icv_len = crypto_sk_icv_len(sk);
	body = sk_off + 4 + iv_len;
	if (len < body + 1 + icv_len)
		return -EINVAL;
	plain = len - icv_len - body;
	if (plain % e->block_len)
		return -EINVAL;
	iv = msg + sk_off + 4;
	if (e->aead) {
		/* a counter: IVs must never repeat under one key */
		sk->iv_seq++;
		for (i = 0; i < 8; i++)
			iv[i] = (uint8_t)(sk->iv_seq >> (56 - 8 * i));
		return sk_aead(sk, true, msg, sk_off, msg + body, msg + body,
			       plain, msg + len - icv_len);
	}
	/* CBC: an unpredictable IV */
	ret = crypto_random(iv, iv_len);
	if (!ret)
		ret = sk_cbc(sk, true, iv, msg + body, plain);
	if (!ret)
		ret = sk_icv(sk, msg, len - icv_len, msg + len - icv_len);
	return ret;
}

int crypto_sk_decrypt(const struct ike_sk *sk, uint8_t *msg, size_t len,
		      size_t sk_off, uint8_t **plain, size_t *plain_len)
{
	const struct ike_encr_alg *e = sk->encr;
	uint8_t icv[IKE_ICV_MAX];
	size_t iv_len, icv_len, body, clen, pad;
	uint8_t *tmp;
	int ret;

	if (!e || !e->ike || (!e->aead && !sk->integ))
		return -EINVAL;
	iv_len = crypto_sk_iv_len(sk);
	icv_len = crypto_sk_icv_len(sk);
	body = sk_off + 4 + iv_len;
	if (sk_off + 4 > len || len - sk_off - 4 < iv_len + 1 + icv_len)
		return -EINVAL;
	clen = len - icv_len - body;
	if (clen % e->block_len)
		return -EINVAL;
	if (e->aead) {
		/* into a copy: a forgery must leave the message as it was */
		tmp = malloc(clen);
		if (!tmp)
			return -ENOMEM;
		ret = sk_aead(sk, false, msg, sk_off, msg + body, tmp, clen,
			      msg + len - icv_len);
		if (!ret)
			memcpy(msg + body, tmp, clen);
		OPENSSL_cleanse(tmp, clen);
		free(tmp);
		if (ret)
			return ret;
	} else {
		ret = sk_icv(sk, msg, len - icv_len, icv);
		if (ret)
			return ret;
		if (!crypto_memeq(icv, msg + len - icv_len, icv_len))
			return -EBADMSG;
		ret = sk_cbc(sk, false, msg + sk_off + 4, msg + body, clen);
		if (ret)
			return ret;
	}
	pad = msg[body + clen - 1];
	if (pad + 1 > clen)
		return -EINVAL;
	*plain = msg + body;
	*plain_len = clen - pad - 1;
	return 0;
}
