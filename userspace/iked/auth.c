// SPDX-License-Identifier: GPL-2.0
/*
 * IKEv2 authentication: AUTH payload values, signatures and certificates.
 * See auth.h.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "auth.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------------
 * Signed octets and PSK.
 */

int auth_id_body(const struct iked_id *id, uint8_t *out, size_t cap)
{
	if (id->len > IKED_ID_MAX || cap < 4u + id->len)
		return -EMSGSIZE;
	out[0] = id->type;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + 4, id->data, id->len);
	return 4 + id->len;
}

int auth_octets(const struct ike_prf_alg *prf, const uint8_t *sk_p,
		const uint8_t *msg, size_t msg_len,
		const uint8_t *nonce, size_t nonce_len,
		const uint8_t *id_body, size_t id_len,
		uint8_t **out, size_t *out_len)
{
	size_t len = msg_len + nonce_len + prf->out_len;
	uint8_t *o;
	int ret;

	o = malloc(len);
	if (!o)
		return -ENOMEM;
	memcpy(o, msg, msg_len);
	memcpy(o + msg_len, nonce, nonce_len);
	ret = crypto_prf_run(prf, sk_p, prf->out_len, id_body, id_len,
			     o + msg_len + nonce_len);
	if (ret) {
		free(o);
		return ret;
	}
	*out = o;
	*out_len = len;
	return 0;
}

static const uint8_t key_pad[] = "Key Pad for IKEv2";

int auth_psk(const struct ike_prf_alg *prf, const uint8_t *psk, size_t psk_len,
	     const uint8_t *octets, size_t len, uint8_t *out)
{
	uint8_t k[IKE_PRF_MAX];
	int ret;

	ret = crypto_prf_run(prf, psk, psk_len, key_pad, sizeof(key_pad) - 1,
			     k);
	if (!ret)
		ret = crypto_prf_run(prf, k, prf->out_len, octets, len, out);
	crypto_cleanse(k, sizeof(k));
	return ret;
}

bool auth_psk_verify(const struct ike_prf_alg *prf, const uint8_t *psk,
		     size_t psk_len, const uint8_t *octets, size_t len,
		     const uint8_t *auth, size_t auth_len)
{
	uint8_t want[IKE_PRF_MAX];
	bool ok;

	if (auth_len != prf->out_len ||
	    auth_psk(prf, psk, psk_len, octets, len, want))
		return false;
	ok = crypto_memeq(want, auth, auth_len);
	crypto_cleanse(want, sizeof(want));
	return ok;
}

/* ---------------------------------------------------------------------------
 * Credentials and CAs.
 */

static void log_ssl(const char *what, const char *path)
{
	char buf[256];
	unsigned long e = ERR_get_error();

	ERR_error_string_n(e, buf, sizeof(buf));
	iked_log(LOG_ERR, "%s %s: %s", what, path, e ? buf : "no data");
	ERR_clear_error();
}

int auth_cred_load(struct auth_cred *c, const char *cert_path,
		   const char *key_path)
{
	X509 *x;
	FILE *f;
	int err;

	memset(c, 0, sizeof(*c));
	f = fopen(cert_path, "r");
	if (!f) {
		err = -errno;
		iked_log(LOG_ERR, "certificate %s: %m", cert_path);
		return err;
	}
	c->cert = PEM_read_X509(f, NULL, NULL, NULL);
	c->chain = sk_X509_new_null();
	while (c->cert && c->chain && (x = PEM_read_X509(f, NULL, NULL, NULL)))
		if (!sk_X509_push(c->chain, x)) {
			X509_free(x);
			break;
		}
	fclose(f);
	ERR_clear_error();	/* the end of the file */
	if (!c->cert || !c->chain) {
		log_ssl("no certificate in", cert_path);
		goto fail;
	}
	f = fopen(key_path, "r");
	if (!f) {
		iked_log(LOG_ERR, "private key %s: %m", key_path);
		goto fail;
	}
	c->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!c->key) {
		log_ssl("no private key in", key_path);
		goto fail;
	}
	if (X509_check_private_key(c->cert, c->key) != 1) {
		log_ssl("key does not match the certificate", cert_path);
		goto fail;
	}
	return 0;
fail:
	auth_cred_free(c);
	return -EINVAL;
}

void auth_cred_free(struct auth_cred *c)
{
	EVP_PKEY_free(c->key);
	X509_free(c->cert);
	sk_X509_pop_free(c->chain, X509_free);
	memset(c, 0, sizeof(*c));
}

int auth_ca_load(struct auth_ca *ca, const char *path)
{
	X509 *x;
	FILE *f;
	int err;

	memset(ca, 0, sizeof(*ca));
	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		iked_log(LOG_ERR, "CA %s: %m", path);
		return err;
	}
	ca->store = X509_STORE_new();
	ca->certs = sk_X509_new_null();
	while (ca->store && ca->certs &&
	       (x = PEM_read_X509(f, NULL, NULL, NULL))) {
		if (!X509_STORE_add_cert(ca->store, x) ||
		    !sk_X509_push(ca->certs, x)) {
			X509_free(x);
			fclose(f);
			goto fail;
		}
	}
	fclose(f);
	ERR_clear_error();
	if (!ca->store || !ca->certs || !sk_X509_num(ca->certs)) {
		iked_log(LOG_ERR, "CA %s: no certificate", path);
		goto fail;
	}
	return 0;
fail:
	auth_ca_free(ca);
	return -EINVAL;
}

void auth_ca_free(struct auth_ca *ca)
{
	X509_STORE_free(ca->store);
	sk_X509_pop_free(ca->certs, X509_free);
	memset(ca, 0, sizeof(*ca));
}

int auth_ca_keyids(const struct auth_ca *ca, uint8_t *out, size_t cap)
{
	size_t len = 0;
	int i, n;

	for (i = 0; i < sk_X509_num(ca->certs); i++) {
		X509_PUBKEY *pk = X509_get_X509_PUBKEY(sk_X509_value(ca->certs,
								     i));
		unsigned char *der = NULL;
		unsigned int md_len;

		if (cap - len < 20)
			return -EMSGSIZE;
		n = i2d_X509_PUBKEY(pk, &der);
		if (n <= 0)
			return -EINVAL;
		if (!EVP_Digest(der, (size_t)n, out + len, &md_len,
				EVP_sha1(), NULL) || md_len != 20) {
			OPENSSL_free(der);
			return -EIO;
		}
		OPENSSL_free(der);
		len += 20;
	}
	return (int)len;
}

int auth_cert_verify(const struct auth_ca *ca, const uint8_t *const der[],
		     const size_t der_len[], int n, X509 **leaf)
{
	STACK_OF(X509) *untrusted = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509 *certs[AUTH_CHAIN_MAX] = { NULL };
	const unsigned char *p;
	int i, ret = -EINVAL, err;

	if (n <= 0 || n > AUTH_CHAIN_MAX || !ca->store)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		p = der[i];
		certs[i] = d2i_X509(NULL, &p, (long)der_len[i]);
		if (!certs[i] || p != der[i] + der_len[i]) {
			iked_log(LOG_NOTICE, "peer certificate %d: not DER", i);
			goto out;
		}
	}
	untrusted = sk_X509_new_null();
	ctx = X509_STORE_CTX_new();
	if (!untrusted || !ctx)
		goto out;
	for (i = 1; i < n; i++) {
		if (!sk_X509_push(untrusted, certs[i]))
			goto out;
		certs[i] = NULL;
	}
	if (!X509_STORE_CTX_init(ctx, ca->store, certs[0], untrusted))
		goto out;
	/* intermediates in the chain besides the leaf and the trust anchor */
	X509_STORE_CTX_set_depth(ctx, AUTH_CHAIN_MAX - 1);
	if (X509_verify_cert(ctx) != 1) {
		err = X509_STORE_CTX_get_error(ctx);
		iked_log(LOG_NOTICE, "peer certificate not trusted: %s",
			 X509_verify_cert_error_string(err));
		ret = -EACCES;
		goto out;
	}
	*leaf = certs[0];
	certs[0] = NULL;
	ret = 0;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(untrusted, X509_free);
	for (i = 0; i < n; i++)
		X509_free(certs[i]);
	return ret;
}

/* ---------------------------------------------------------------------------
 * Identities.
 */

int auth_id_from_cert(X509 *cert, struct iked_id *id)
{
	unsigned char *der = NULL;
	int n;

	n = i2d_X509_NAME(X509_get_subject_name(cert), &der);
	if (n <= 0)
		return -EINVAL;
	if (n > IKED_ID_MAX) {
		OPENSSL_free(der);
		return -EMSGSIZE;
	}
	id->type = IKEV2_ID_DER_ASN1_DN;
	id->len = (uint16_t)n;
	memcpy(id->data, der, (size_t)n);
	OPENSSL_free(der);
	return 0;
}

/* The subjectAltName kind holding IDs of @type, -1 if none. */
static int san_kind(uint8_t type)
{
	switch (type) {
	case IKEV2_ID_IPV4_ADDR:
	case IKEV2_ID_IPV6_ADDR:
		return GEN_IPADD;
	case IKEV2_ID_FQDN:
		return GEN_DNS;
	case IKEV2_ID_RFC822_ADDR:
		return GEN_EMAIL;
	}
	return -1;
}

static const ASN1_STRING *san_value(const GENERAL_NAME *g)
{
	return g->type == GEN_IPADD ? g->d.iPAddress :
	       g->type == GEN_DNS ? g->d.dNSName : g->d.rfc822Name;
}

int auth_id_from_cert_type(X509 *cert, uint8_t type, struct iked_id *id)
{
	size_t want_len = type == IKEV2_ID_IPV4_ADDR ? 4 : 16;
	int kind = san_kind(type), i, ret = -ENOENT;
	GENERAL_NAMES *gens;

	if (type == IKEV2_ID_DER_ASN1_DN)
		return auth_id_from_cert(cert, id);
	if (kind < 0)
		return -EINVAL;
	gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (i = 0; gens && ret && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *v;
		size_t len;

		if (g->type != kind)
			continue;
		v = san_value(g);
		len = (size_t)ASN1_STRING_length(v);
		if ((kind == GEN_IPADD && len != want_len) || !len ||
		    len > IKED_ID_MAX)
			continue;
		id->type = type;
		id->len = (uint16_t)len;
		memcpy(id->data, ASN1_STRING_get0_data(v), len);
		ret = 0;
	}
	GENERAL_NAMES_free(gens);
	return ret;
}

/* DNs compared after decoding, so that string encodings do not matter. */
static bool dn_equal(const uint8_t *a, size_t alen, const X509_NAME *b)
{
	const unsigned char *p = a;
	X509_NAME *n;
	bool eq;

	n = d2i_X509_NAME(NULL, &p, (long)alen);
	if (!n)
		return false;
	eq = p == a + alen && X509_NAME_cmp(n, b) == 0;
	X509_NAME_free(n);
	return eq;
}

static bool text_equal(const uint8_t *a, size_t alen, const uint8_t *b,
		       size_t blen)
{
	return alen == blen && !strncasecmp((const char *)a,
					    (const char *)b, alen) &&
	       !memchr(a, 0, alen);
}

bool auth_id_match_cert(uint8_t type, const uint8_t *data, size_t len,
			X509 *cert)
{
	GENERAL_NAMES *gens;
	bool match = false;
	int i, want;

	if (type == IKEV2_ID_DER_ASN1_DN)
		return dn_equal(data, len, X509_get_subject_name(cert));
	want = san_kind(type);
	if (want < 0)
		return false;
	gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (i = 0; gens && !match && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s;

		if (g->type != want)
			continue;
		s = san_value(g);
		if (want == GEN_IPADD)
			match = (size_t)ASN1_STRING_length(s) == len &&
				!memcmp(ASN1_STRING_get0_data(s), data, len);
		else
			match = text_equal(ASN1_STRING_get0_data(s),
					   (size_t)ASN1_STRING_length(s),
					   data, len);
	}
	GENERAL_NAMES_free(gens);
	return match;
}

bool auth_id_equal(const struct iked_id *want, uint8_t type,
		   const uint8_t *data, size_t len)
{
	X509_NAME *n;
	const unsigned char *p;
	bool eq;

	if (!want->type)
		return true;
	if (want->type != type)
		return false;
	switch (type) {
	case IKEV2_ID_FQDN:
	case IKEV2_ID_RFC822_ADDR:
		return text_equal(want->data, want->len, data, len);
	case IKEV2_ID_DER_ASN1_DN:
		p = want->data;
		n = d2i_X509_NAME(NULL, &p, want->len);
		if (!n)
			return false;
		eq = dn_equal(data, len, n);
		X509_NAME_free(n);
		return eq;
	}
	return want->len == len && !memcmp(want->data, data, len);
}

void auth_id_str(uint8_t type, const uint8_t *data, size_t len, char *out,
		 size_t cap)
{
	const unsigned char *p = data;
	X509_NAME *n;
	BIO *bio;
	size_t i, o = 0;
	int r;

	if (!cap)
		return;
	out[0] = 0;
	switch (type) {
	case IKEV2_ID_IPV4_ADDR:
	case IKEV2_ID_IPV6_ADDR:
		if (len == (type == IKEV2_ID_IPV4_ADDR ? 4u : 16u) &&
		    inet_ntop(type == IKEV2_ID_IPV4_ADDR ? AF_INET : AF_INET6,
			      data, out, (socklen_t)cap))
			return;
		break;
	case IKEV2_ID_DER_ASN1_DN:
		n = d2i_X509_NAME(NULL, &p, (long)len);
		bio = BIO_new(BIO_s_mem());
		if (n && bio && X509_NAME_print_ex(bio, n, 0,
				XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
			r = BIO_read(bio, out, (int)cap - 1);
			out[r > 0 ? r : 0] = 0;
		}
		BIO_free(bio);
		X509_NAME_free(n);
		if (out[0])
			return;
		break;
	case IKEV2_ID_FQDN:
	case IKEV2_ID_RFC822_ADDR:
		for (i = 0; i < len && o + 1 < cap; i++)
			out[o++] = isprint(data[i]) ? (char)data[i] : '?';
		out[o] = 0;
		return;
	}
	/* anything else: hex */
	for (i = 0; i < len && o + 3 <= cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%02x", data[i]);
}

/* ---------------------------------------------------------------------------
 * Signatures.
 */

/* RFC 7427 AlgorithmIdentifiers (DER), as Appendix A of the RFC lists them;
 * RSA ones also accepted without the NULL parameters.
 */
struct sig_alg {
	int hash;		/* IKEV2_HASH_* */
	bool ec;
	const char *md;
	uint8_t len;
	uint8_t der[15];
};

static const struct sig_alg sig_algs[] = {
	{ IKEV2_HASH_SHA2_256, false, "SHA256", 15, { 0x30, 0x0d, 0x06, 0x09,
	  0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 } },
	{ IKEV2_HASH_SHA2_384, false, "SHA384", 15, { 0x30, 0x0d, 0x06, 0x09,
	  0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00 } },
	{ IKEV2_HASH_SHA2_512, false, "SHA512", 15, { 0x30, 0x0d, 0x06, 0x09,
	  0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00 } },
	{ IKEV2_HASH_SHA2_256, false, "SHA256", 13, { 0x30, 0x0b, 0x06, 0x09,
	  0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b } },
	{ IKEV2_HASH_SHA2_384, false, "SHA384", 13, { 0x30, 0x0b, 0x06, 0x09,
	  0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c } },
	{ IKEV2_HASH_SHA2_512, false, "SHA512", 13, { 0x30, 0x0b, 0x06, 0x09,
	  0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d } },
	{ IKEV2_HASH_SHA2_256, true, "SHA256", 12, { 0x30, 0x0a, 0x06, 0x08,
	  0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 } },
	{ IKEV2_HASH_SHA2_384, true, "SHA384", 12, { 0x30, 0x0a, 0x06, 0x08,
	  0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03 } },
	{ IKEV2_HASH_SHA2_512, true, "SHA512", 12, { 0x30, 0x0a, 0x06, 0x08,
	  0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04 } },
};

static const struct sig_alg *sig_alg_find(int hash, bool ec)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sig_algs); i++)
		if (sig_algs[i].hash == hash && sig_algs[i].ec == ec)
			return &sig_algs[i];
	return NULL;
}

int auth_hash_notify(uint8_t *out, size_t cap)
{
	static const uint8_t h[] = { 0, IKEV2_HASH_SHA2_256,
				     0, IKEV2_HASH_SHA2_384,
				     0, IKEV2_HASH_SHA2_512 };

	if (cap < sizeof(h))
		return -EMSGSIZE;
	memcpy(out, h, sizeof(h));
	return sizeof(h);
}

uint32_t auth_hash_parse(const uint8_t *data, size_t len)
{
	uint32_t bits = 0;
	size_t i;
	uint16_t h;

	for (i = 0; i + 1 < len; i += 2) {
		h = (uint16_t)(data[i] << 8 | data[i + 1]);
		if (h < 32)
			bits |= AUTH_HASH_BIT(h);
	}
	return bits;
}

/* Curve bits of an EC key, 0 if not EC. */
static int ec_bits(const EVP_PKEY *key)
{
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
		return 0;
	return EVP_PKEY_get_bits(key);
}

uint8_t auth_method_for(const struct auth_cred *c, enum iked_auth cfg)
{
	switch (cfg) {
	case IKED_AUTH_PSK:
		return IKEV2_AUTH_SHARED_KEY_MIC;
	case IKED_AUTH_CERT:
		return IKEV2_AUTH_SIG;
	case IKED_AUTH_CERT_RSA1:
		break;
	}
	switch (ec_bits(c->key)) {
	case 0:
		return IKEV2_AUTH_RSA_SIG;
	case 256:
		return IKEV2_AUTH_ECDSA_256;
	case 384:
		return IKEV2_AUTH_ECDSA_384;
	default:
		return IKEV2_AUTH_ECDSA_521;
	}
}

/* The hash and curve size of ECDSA methods 9, 10, 11 (RFC 4754). */
static const char *ecdsa_method(uint8_t method, int *bits)
{
	switch (method) {
	case IKEV2_AUTH_ECDSA_256:
		*bits = 256;
		return "SHA256";
	case IKEV2_AUTH_ECDSA_384:
		*bits = 384;
		return "SHA384";
	case IKEV2_AUTH_ECDSA_521:
		*bits = 521;
		return "SHA512";
	}
	return NULL;
}

/* RSASSA-PSS as strongSwan emits it: MGF1 with @md, salt as long as @md. */
static bool pss_params(EVP_PKEY_CTX *pctx, const char *md)
{
	return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
	       EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, md, NULL) > 0 &&
	       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
						RSA_PSS_SALTLEN_DIGEST) > 0;
}

static int do_sign(EVP_PKEY *key, const char *md, bool pss,
		   const uint8_t *data, size_t len, uint8_t **sig,
		   size_t *sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	size_t n = 0;
	uint8_t *s = NULL;
	int ret = -EIO;

	if (!ctx || EVP_DigestSignInit_ex(ctx, &pctx, md, NULL, NULL, key,
					  NULL) != 1 ||
	    (pss && !pss_params(pctx, md)) ||
	    EVP_DigestSign(ctx, NULL, &n, data, len) != 1)
		goto out;
	s = malloc(n);
	if (!s || EVP_DigestSign(ctx, s, &n, data, len) != 1) {
		free(s);
		goto out;
	}
	*sig = s;
	*sig_len = n;
	ret = 0;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	return ret;
}

static int do_verify(EVP_PKEY *key, const char *md, const uint8_t *data,
		     size_t len, const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ret = -EACCES;

	if (ctx && EVP_DigestVerifyInit_ex(ctx, NULL, md, NULL, NULL, key,
					   NULL) == 1 &&
	    EVP_DigestVerify(ctx, sig, sig_len, data, len) == 1)
		ret = 0;
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	return ret;
}

/* ECDSA DER signature <-> r || s of @flen bytes each. */
static int ecdsa_der_to_raw(uint8_t **sig, size_t *len, int flen)
{
	const unsigned char *p = *sig;
	const BIGNUM *r, *s;
	ECDSA_SIG *es;
	uint8_t *raw;
	int ret = -EIO;

	es = d2i_ECDSA_SIG(NULL, &p, (long)*len);
	raw = malloc(2 * (size_t)flen);
	if (!es || !raw)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, raw, flen) != flen ||
	    BN_bn2binpad(s, raw + flen, flen) != flen)
		goto out;
	free(*sig);
	*sig = raw;
	*len = 2 * (size_t)flen;
	raw = NULL;
	ret = 0;
out:
	free(raw);
	ECDSA_SIG_free(es);
	return ret;
}

static int ecdsa_raw_to_der(const uint8_t *raw, size_t len, uint8_t **der,
			    size_t *der_len)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r, *s;
	unsigned char *d = NULL;
	int n;

	r = BN_bin2bn(raw, (int)(len / 2), NULL);
	s = BN_bin2bn(raw + len / 2, (int)(len / 2), NULL);
	if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return -ENOMEM;
	}
	n = i2d_ECDSA_SIG(es, &d);
	ECDSA_SIG_free(es);
	if (n <= 0)
		return -EIO;
	*der = d;
	*der_len = (size_t)n;
	return 0;
}

/* RFC 7427 hash for our key given what the peer verifies. */
static int pick_hash(const EVP_PKEY *key, uint32_t peer)
{
	static const int order[] = { IKEV2_HASH_SHA2_256, IKEV2_HASH_SHA2_384,
				     IKEV2_HASH_SHA2_512 };
	int bits = ec_bits(key), first = 0;
	size_t i;

	/* an ECDSA key's own hash size first */
	if (bits == 384)
		first = IKEV2_HASH_SHA2_384;
	else if (bits == 521)
		first = IKEV2_HASH_SHA2_512;
	else if (bits == 256)
		first = IKEV2_HASH_SHA2_256;
	if (first && (peer & AUTH_HASH_BIT(first)))
		return first;
	for (i = 0; i < ARRAY_SIZE(order); i++)
		if (peer & AUTH_HASH_BIT(order[i]))
			return order[i];
	return IKEV2_HASH_SHA2_256;
}

/*
 * The RSASSA-PSS AlgorithmIdentifier (RFC 4055) of hash @h: the hash,
 * MGF1 with the same hash, a salt as long as the hash, trailer field
 * absent (1), the hashes' parameters NULL; what strongSwan sends and RFC
 * 7427 Appendix A.4.3 shows for SHA-256. Returns its length (67).
 */
#define PSS_ALGID_LEN	67

static size_t pss_algid(int h, uint8_t *out)
{
	static const uint8_t pss_oid[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
					   0xf7, 0x0d, 0x01, 0x01, 0x0a };
	static const uint8_t mgf1_oid[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
					    0xf7, 0x0d, 0x01, 0x01, 0x08 };
	uint8_t hash[15] = { 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
			     0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00 };
	uint8_t salt = 32;
	size_t o = 0;

	if (h == IKEV2_HASH_SHA2_384) {
		hash[12] = 0x02;
		salt = 48;
	} else if (h == IKEV2_HASH_SHA2_512) {
		hash[12] = 0x03;
		salt = 64;
	}
	out[o++] = 0x30;
	out[o++] = PSS_ALGID_LEN - 2;
	memcpy(out + o, pss_oid, sizeof(pss_oid));
	o += sizeof(pss_oid);
	out[o++] = 0x30;			/* RSASSA-PSS-params */
	out[o++] = 2 + sizeof(hash) + 2 + 2 + sizeof(mgf1_oid) +
		   sizeof(hash) + 5;
	out[o++] = 0xa0;			/* [0] hashAlgorithm */
	out[o++] = sizeof(hash);
	memcpy(out + o, hash, sizeof(hash));
	o += sizeof(hash);
	out[o++] = 0xa1;			/* [1] maskGenAlgorithm */
	out[o++] = 2 + sizeof(mgf1_oid) + sizeof(hash);
	out[o++] = 0x30;
	out[o++] = sizeof(mgf1_oid) + sizeof(hash);
	memcpy(out + o, mgf1_oid, sizeof(mgf1_oid));
	o += sizeof(mgf1_oid);
	memcpy(out + o, hash, sizeof(hash));
	o += sizeof(hash);
	out[o++] = 0xa2;			/* [2] saltLength */
	out[o++] = 3;
	out[o++] = 0x02;
	out[o++] = 1;
	out[o++] = salt;
	return o;
}

static const char *hash_md(int h)
{
	switch (h) {
	case IKEV2_HASH_SHA2_384:
		return "SHA384";
	case IKEV2_HASH_SHA2_512:
		return "SHA512";
	}
	return "SHA256";
}

int auth_sign(const struct auth_cred *c, uint8_t method, uint32_t peer_hashes,
	      bool pss, const uint8_t *octets, size_t len, uint8_t **sig,
	      size_t *sig_len)
{
	uint8_t algid[PSS_ALGID_LEN];
	const struct sig_alg *a;
	const uint8_t *id;
	const char *md;
	uint8_t *s, *out;
	size_t n, id_len;
	int bits, ret, h;
	bool ec = ec_bits(c->key) != 0;

	switch (method) {
	case IKEV2_AUTH_RSA_SIG:
		if (ec)
			return -EINVAL;
		return do_sign(c->key, "SHA1", false, octets, len, sig,
			       sig_len);
	case IKEV2_AUTH_ECDSA_256:
	case IKEV2_AUTH_ECDSA_384:
	case IKEV2_AUTH_ECDSA_521:
		md = ecdsa_method(method, &bits);
		if (ec_bits(c->key) != bits)
			return -EINVAL;
		ret = do_sign(c->key, md, false, octets, len, sig, sig_len);
		if (!ret)
			ret = ecdsa_der_to_raw(sig, sig_len, (bits + 7) / 8);
		return ret;
	case IKEV2_AUTH_SIG:
		h = pick_hash(c->key, peer_hashes);
		if (pss && !ec) {
			id_len = pss_algid(h, algid);
			id = algid;
			ret = do_sign(c->key, hash_md(h), true, octets, len,
				      &s, &n);
		} else {
			a = sig_alg_find(h, ec);
			id_len = a->len;
			id = a->der;
			ret = do_sign(c->key, a->md, false, octets, len, &s, &n);
		}
		if (ret)
			return ret;
		out = malloc(1 + id_len + n);
		if (!out) {
			free(s);
			return -ENOMEM;
		}
		out[0] = (uint8_t)id_len;
		memcpy(out + 1, id, id_len);
		memcpy(out + 1 + id_len, s, n);
		free(s);
		*sig = out;
		*sig_len = 1 + id_len + n;
		return 0;
	}
	return -EINVAL;
}

/* SHA-2 digests only, by their AlgorithmIdentifier (absent: SHA-1). */
static const char *pss_md(const X509_ALGOR *a)
{
	switch (a ? OBJ_obj2nid(a->algorithm) : NID_sha1) {
	case NID_sha256:
		return "SHA256";
	case NID_sha384:
		return "SHA384";
	case NID_sha512:
		return "SHA512";
	}
	return NULL;
}

/*
 * RFC 7427 with RSASSA-PSS (RFC 4055 parameters): hash, MGF1 hash and salt
 * length come from the AlgorithmIdentifier.
 */
static int verify_pss(EVP_PKEY *key, const uint8_t *algid, size_t alen,
		      const uint8_t *sig, size_t sig_len,
		      const uint8_t *octets, size_t olen)
{
	const unsigned char *p = algid;
	RSA_PSS_PARAMS *pss = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD_CTX *ctx = NULL;
	const char *md, *mgf_md;
	X509_ALGOR *alg, *mgf = NULL;
	long salt = 20;
	int ret = -EACCES;

	alg = d2i_X509_ALGOR(NULL, &p, (long)alen);
	if (!alg || p != algid + alen ||
	    OBJ_obj2nid(alg->algorithm) != NID_rsassaPss)
		goto out;
	pss = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS),
					alg->parameter);
	if (!pss)
		goto out;
	md = pss_md(pss->hashAlgorithm);
	/* MGF1's own parameter is the AlgorithmIdentifier of its hash */
	if (!pss->maskGenAlgorithm ||
	    OBJ_obj2nid(pss->maskGenAlgorithm->algorithm) != NID_mgf1)
		goto out;
	mgf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR),
					pss->maskGenAlgorithm->parameter);
	if (!mgf)
		goto out;
	mgf_md = pss_md(mgf);
	if (pss->saltLength)
		salt = ASN1_INTEGER_get(pss->saltLength);
	if (!md || !mgf_md || salt < 0 || salt > 1024 ||
	    (pss->trailerField && ASN1_INTEGER_get(pss->trailerField) != 1))
		goto out;
	ctx = EVP_MD_CTX_new();
	if (ctx && EVP_DigestVerifyInit_ex(ctx, &pctx, md, NULL, NULL, key,
					   NULL) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, mgf_md, NULL) > 0 &&
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, (int)salt) > 0 &&
	    EVP_DigestVerify(ctx, sig, sig_len, octets, olen) == 1)
		ret = 0;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	RSA_PSS_PARAMS_free(pss);
	X509_ALGOR_free(mgf);
	X509_ALGOR_free(alg);
	return ret;
}

/* The peer's key must be one we accept: RSA of 2048 bits or more, or EC. */
static bool key_acceptable(EVP_PKEY *key)
{
	int id = EVP_PKEY_get_base_id(key);

	if (id == EVP_PKEY_RSA)
		return EVP_PKEY_get_bits(key) >= 2048;
	return id == EVP_PKEY_EC;
}

int auth_verify(X509 *cert, uint8_t method, const uint8_t *auth, size_t len,
		const uint8_t *octets, size_t olen)
{
	EVP_PKEY *key = X509_get0_pubkey(cert);
	const struct sig_alg *a = NULL;
	uint8_t *der = NULL;
	size_t der_len, i, alen;
	const char *md;
	int bits, ret;
	bool ec;

	if (!key || !key_acceptable(key) || !len)
		return -EACCES;
	ec = ec_bits(key) != 0;
	switch (method) {
	case IKEV2_AUTH_RSA_SIG:
		if (ec)
			return -EACCES;
		return do_verify(key, "SHA1", octets, olen, auth, len);
	case IKEV2_AUTH_ECDSA_256:
	case IKEV2_AUTH_ECDSA_384:
	case IKEV2_AUTH_ECDSA_521:
		md = ecdsa_method(method, &bits);
		if (ec_bits(key) != bits || len != 2u * ((bits + 7) / 8))
			return -EACCES;
		ret = ecdsa_raw_to_der(auth, len, &der, &der_len);
		if (ret)
			return ret;
		ret = do_verify(key, md, octets, olen, der, der_len);
		OPENSSL_free(der);
		return ret;
	case IKEV2_AUTH_SIG:
		alen = auth[0];
		if (len < 1 + alen + 1)
			return -EACCES;
		for (i = 0; i < ARRAY_SIZE(sig_algs); i++)
			if (sig_algs[i].len == alen &&
			    !memcmp(sig_algs[i].der, auth + 1, alen)) {
				a = &sig_algs[i];
				break;
			}
		if (!a && !ec)
			return verify_pss(key, auth + 1, alen, auth + 1 + alen,
					  len - 1 - alen, octets, olen);
		if (!a || a->ec != ec) {
			iked_log(LOG_NOTICE,
				 "AUTH: signature algorithm not accepted");
			return -EACCES;
		}
		return do_verify(key, a->md, octets, olen, auth + 1 + alen,
				 len - 1 - alen);
	}
	return -EACCES;
}
