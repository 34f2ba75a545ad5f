// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of userspace/iked/auth.c: PSK AUTH against values computed
 * with Python (vectors.h); signatures made and checked with freshly made
 * RSA-2048 and P-256/P-384 keys for every AUTH method, and forgeries
 * refused; certificate chains (CA -> intermediate -> leaf, made here)
 * verified or refused; IDs taken from and matched against certificates.
 */
#include <errno.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "auth.h"
#include "test.h"
#include "vectors.h"

static void test_psk(void)
{
	const struct ike_prf_alg *prf = crypto_prf(IKEV2_PRF_HMAC_SHA2_256);
	const struct iked_id id = { .type = IKEV2_ID_IPV4_ADDR, .len = 4,
				    .data = { 192, 0, 2, 1 } };
	static const char psk[] = "vtun shared secret";
	uint8_t msg[100], nr[32], sk_pi[64], body[16], auth[IKE_PRF_MAX];
	uint8_t *oct;
	size_t olen;
	int n;

	pat(msg, sizeof(msg), 29, 0x01);
	pat(nr, sizeof(nr), 3, 0x22);
	pat(sk_pi, 32, 31, 0x02);
	n = auth_id_body(&id, body, sizeof(body));
	CHECK(n == 8 && !memcmp(body, "\x01\0\0\0\xc0\x00\x02\x01", 8));
	CHECK(auth_id_body(&id, body, 7) == -EMSGSIZE);
	CHECK(!auth_octets(prf, sk_pi, msg, sizeof(msg), nr, sizeof(nr),
			   body, (size_t)n, &oct, &olen));
	CHECK(olen == 100 + 32 + 32);
	CHECK_MEM(oct, msg, 100);
	CHECK_MEM(oct + 100, nr, 32);
	CHECK_MEM(oct + 132, v_psk_maced_id, 32);
	CHECK(!auth_psk(prf, (const uint8_t *)psk, strlen(psk), oct, olen,
			auth));
	CHECK_MEM(auth, v_psk_auth_sha256, 32);
	CHECK(auth_psk_verify(prf, (const uint8_t *)psk, strlen(psk), oct,
			      olen, v_psk_auth_sha256, 32));
	/* a wrong PSK, a changed message, a short AUTH */
	CHECK(!auth_psk_verify(prf, (const uint8_t *)psk, strlen(psk) - 1,
			       oct, olen, v_psk_auth_sha256, 32));
	oct[5] ^= 1;
	CHECK(!auth_psk_verify(prf, (const uint8_t *)psk, strlen(psk), oct,
			       olen, v_psk_auth_sha256, 32));
	oct[5] ^= 1;
	CHECK(!auth_psk_verify(prf, (const uint8_t *)psk, strlen(psk), oct,
			       olen, v_psk_auth_sha256, 31));
	free(oct);

	prf = crypto_prf(IKEV2_PRF_HMAC_SHA2_512);
	pat(sk_pi, 64, 31, 0x02);
	CHECK(!auth_octets(prf, sk_pi, msg, sizeof(msg), nr, sizeof(nr),
			   body, (size_t)n, &oct, &olen));
	CHECK(olen == 100 + 32 + 64);
	CHECK(auth_psk_verify(prf, (const uint8_t *)psk, strlen(psk), oct,
			      olen, v_psk_auth_sha512, 64));
	free(oct);
}

/* ------------------------------------------------------------------------- */

static EVP_PKEY *rsa_key(unsigned int bits)
{
	EVP_PKEY *k = EVP_RSA_gen(bits);

	CHECK(k);
	return k;
}

static EVP_PKEY *ec_key(const char *curve)
{
	EVP_PKEY *k = EVP_EC_gen(curve);

	CHECK(k);
	return k;
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	CHECK(ext && X509_add_ext(cert, ext, -1));
	X509_EXTENSION_free(ext);
}

/* A certificate for @key named @cn, signed by @ikey (self-signed if NULL). */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer,
		       EVP_PKEY *ikey, bool ca, const char *san, long days)
{
	static long serial = 1;
	X509 *c = X509_new();
	X509_NAME *n;

	CHECK(c);
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), serial++);
	X509_gmtime_adj(X509_getm_notBefore(c), -3600);
	X509_gmtime_adj(X509_getm_notAfter(c), days * 86400);
	CHECK(X509_set_pubkey(c, key));
	n = X509_get_subject_name(c);
	X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC,
				   (const unsigned char *)"CH", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
				   (const unsigned char *)"vtun test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	if (!issuer) {
		issuer = c;
		ikey = key;
	}
	X509_set_issuer_name(c, X509_get_subject_name(issuer));
	add_ext(c, issuer, NID_basic_constraints,
		ca ? "critical,CA:TRUE" : "CA:FALSE");
	if (ca)
		add_ext(c, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
	add_ext(c, issuer, NID_subject_key_identifier, "hash");
	if (san)
		add_ext(c, issuer, NID_subject_alt_name, san);
	CHECK(X509_sign(c, ikey, EVP_sha256()) > 0);
	return c;
}

static size_t to_der(X509 *c, uint8_t **der)
{
	int n;

	*der = NULL;
	n = i2d_X509(c, der);
	CHECK(n > 0);
	return (size_t)n;
}

static void sign_verify(const struct auth_cred *c, X509 *cert, X509 *other,
			uint8_t method, uint32_t hashes, size_t expect_len)
{
	uint8_t octets[300], *sig;
	size_t len;

	pat(octets, sizeof(octets), 13, 5);
	CHECK(!auth_sign(c, method, hashes, false, octets, sizeof(octets),
			 &sig, &len));
	if (expect_len)
		CHECK(len == expect_len);
	CHECK(!auth_verify(cert, method, sig, len, octets, sizeof(octets)));
	/* other octets, other key, a changed signature, other method */
	octets[0] ^= 1;
	CHECK(auth_verify(cert, method, sig, len, octets, sizeof(octets)) ==
	      -EACCES);
	octets[0] ^= 1;
	CHECK(auth_verify(other, method, sig, len, octets, sizeof(octets)) ==
	      -EACCES);
	sig[len - 1] ^= 0x40;
	CHECK(auth_verify(cert, method, sig, len, octets, sizeof(octets)) ==
	      -EACCES);
	sig[len - 1] ^= 0x40;
	CHECK(auth_verify(cert, method, sig, len - 1, octets,
			  sizeof(octets)) == -EACCES);
	CHECK(auth_verify(cert, method == IKEV2_AUTH_SIG ?
			  IKEV2_AUTH_RSA_SIG : IKEV2_AUTH_SIG, sig, len,
			  octets, sizeof(octets)) == -EACCES);
	free(sig);
}

/* The AlgorithmIdentifier a method 14 signature starts with. */
static void check_algid(const struct auth_cred *c, uint32_t hashes,
			const uint8_t *want, size_t want_len)
{
	uint8_t *sig;
	size_t len;

	CHECK(!auth_sign(c, IKEV2_AUTH_SIG, hashes, false,
			 (const uint8_t *)"x", 1, &sig, &len));
	CHECK(sig[0] == want_len && len > 1 + want_len);
	CHECK_MEM(sig + 1, want, want_len);
	free(sig);
}

/*
 * RSASSA-PSS, SHA-256, MGF1 with SHA-256, salt 32: the AlgorithmIdentifier
 * `openssl req -x509 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32
 * -sigopt rsa_mgf1_md:sha256` writes (as in RFC 7427 Appendix A.4.3).
 */
static const uint8_t pss_sha256[] = {
	0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
	0x0a, 0x30, 0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48,
	0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a,
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30,
	0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
	0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, 0x20,
};

/* A method 14 AUTH value with a PSS signature made here with OpenSSL. */
static size_t pss_auth(EVP_PKEY *key, int salt, const uint8_t *octets,
		       size_t olen, uint8_t *out)
{
	EVP_PKEY_CTX *pctx;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = 512;

	out[0] = sizeof(pss_sha256);
	memcpy(out + 1, pss_sha256, sizeof(pss_sha256));
	CHECK(ctx && EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL,
					key) == 1);
	CHECK(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
	      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) > 0 &&
	      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) > 0);
	CHECK(EVP_DigestSign(ctx, out + 1 + sizeof(pss_sha256), &n, octets,
			     olen) == 1);
	EVP_MD_CTX_free(ctx);
	return 1 + sizeof(pss_sha256) + n;
}

static void test_pss(EVP_PKEY *key, X509 *cert, X509 *ec_cert)
{
	uint8_t octets[64], auth[600];
	size_t len;

	pat(octets, sizeof(octets), 3, 1);
	len = pss_auth(key, 32, octets, sizeof(octets), auth);
	CHECK(!auth_verify(cert, IKEV2_AUTH_SIG, auth, len, octets,
			   sizeof(octets)));
	octets[1] ^= 1;
	CHECK(auth_verify(cert, IKEV2_AUTH_SIG, auth, len, octets,
			  sizeof(octets)) == -EACCES);
	octets[1] ^= 1;
	CHECK(auth_verify(ec_cert, IKEV2_AUTH_SIG, auth, len, octets,
			  sizeof(octets)) == -EACCES);
	/* the salt length signed is not the one announced */
	len = pss_auth(key, 20, octets, sizeof(octets), auth);
	CHECK(auth_verify(cert, IKEV2_AUTH_SIG, auth, len, octets,
			  sizeof(octets)) == -EACCES);
	/* a hash OID we do not know (2.16.840.1.101.3.4.2.9) is refused */
	len = pss_auth(key, 32, octets, sizeof(octets), auth);
	auth[1 + 29] = 0x09;
	CHECK(auth_verify(cert, IKEV2_AUTH_SIG, auth, len, octets,
			  sizeof(octets)) == -EACCES);
}

static void write_bytes(const char *path, const uint8_t *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	CHECK(f && fwrite(p, 1, len, f) == len);
	if (f)
		fclose(f);
}

/*
 * Our RSASSA-PSS signatures (method 14): the AlgorithmIdentifier of each
 * hash, verified here, and by the openssl command with the salt length
 * the hash's (a salt of 20 fails there), and ECDSA keys ignore @pss.
 */
static void test_pss_sign(struct auth_cred *rsa, X509 *cert, X509 *other,
			  struct auth_cred *ec)
{
	static const struct {
		uint32_t hashes;
		const char *md;
		int salt;
		uint8_t oid_last;
	} cases[] = {
		{ AUTH_HASHES_SUPPORTED, "sha256", 32, 0x01 },
		{ 0, "sha256", 32, 0x01 },
		{ AUTH_HASH_BIT(IKEV2_HASH_SHA2_384), "sha384", 48, 0x02 },
		{ AUTH_HASH_BIT(IKEV2_HASH_SHA2_512), "sha512", 64, 0x03 },
	};
	char dir[] = "/tmp/iked-pss-test.XXXXXX", cmd[1024];
	uint8_t octets[300], *sig, want[sizeof(pss_sha256)];
	size_t len, i;
	FILE *f;

	CHECK(mkdtemp(dir));
	pat(octets, sizeof(octets), 11, 7);
	snprintf(cmd, sizeof(cmd), "%s/octets", dir);
	write_bytes(cmd, octets, sizeof(octets));
	snprintf(cmd, sizeof(cmd), "%s/pub.pem", dir);
	f = fopen(cmd, "w");
	CHECK(f && PEM_write_PUBKEY(f, rsa->key) == 1);
	if (f)
		fclose(f);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		CHECK(!auth_sign(rsa, IKEV2_AUTH_SIG, cases[i].hashes, true,
				 octets, sizeof(octets), &sig, &len));
		/* sha256 as openssl writes it; the others differ in the
		 * hash OIDs' last byte and the salt
		 */
		memcpy(want, pss_sha256, sizeof(want));
		want[29] = want[59] = cases[i].oid_last;
		want[sizeof(want) - 1] = (uint8_t)cases[i].salt;
		CHECK(len == 1 + sizeof(want) + 256 && sig[0] == sizeof(want));
		CHECK_MEM(sig + 1, want, sizeof(want));
		CHECK(!auth_verify(cert, IKEV2_AUTH_SIG, sig, len, octets,
				   sizeof(octets)));
		CHECK(auth_verify(other, IKEV2_AUTH_SIG, sig, len, octets,
				  sizeof(octets)) == -EACCES);
		snprintf(cmd, sizeof(cmd), "%s/sig", dir);
		write_bytes(cmd, sig + 1 + sizeof(want), 256);
		snprintf(cmd, sizeof(cmd),
			 "cd %s && openssl dgst -%s -sigopt rsa_padding_mode:pss "
			 "-sigopt rsa_pss_saltlen:%d -sigopt rsa_mgf1_md:%s "
			 "-verify pub.pem -signature sig octets >/dev/null",
			 dir, cases[i].md, cases[i].salt, cases[i].md);
		CHECK(system(cmd) == 0);
		snprintf(cmd, sizeof(cmd),
			 "cd %s && openssl dgst -%s -sigopt rsa_padding_mode:pss "
			 "-sigopt rsa_pss_saltlen:20 -sigopt rsa_mgf1_md:%s "
			 "-verify pub.pem -signature sig octets >/dev/null 2>&1",
			 dir, cases[i].md, cases[i].md);
		CHECK(system(cmd) != 0);
		/* PKCS#1 v1.5 does not verify it */
		snprintf(cmd, sizeof(cmd),
			 "cd %s && openssl dgst -%s -verify pub.pem -signature "
			 "sig octets >/dev/null 2>&1", dir, cases[i].md);
		CHECK(system(cmd) != 0);
		free(sig);
	}
	/* ECDSA: @pss changes nothing */
	CHECK(!auth_sign(ec, IKEV2_AUTH_SIG, AUTH_HASHES_SUPPORTED, true,
			 octets, sizeof(octets), &sig, &len));
	CHECK(sig[0] == 12 && sig[12] == 0x02);
	free(sig);
	/* method 1 stays PKCS#1 v1.5 */
	CHECK(!auth_sign(rsa, IKEV2_AUTH_RSA_SIG, 0, true, octets,
			 sizeof(octets), &sig, &len));
	CHECK(len == 256 && !auth_verify(cert, IKEV2_AUTH_RSA_SIG, sig, len,
					 octets, sizeof(octets)));
	free(sig);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

static void test_signatures(void)
{
	/* RFC 7427 Appendix A */
	static const uint8_t sha256_rsa[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a,
		0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 };
	static const uint8_t sha512_rsa[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a,
		0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00 };
	static const uint8_t sha256_ecdsa[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a,
		0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
	static const uint8_t sha384_ecdsa[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a,
		0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03 };
	struct auth_cred rsa = { 0 }, ec = { 0 }, ec384 = { 0 }, small = { 0 };
	X509 *rsa_cert, *ec_cert, *ec384_cert, *small_cert;
	uint8_t octets[16] = { 0 }, *sig;
	size_t len;

	rsa.key = rsa_key(2048);
	ec.key = ec_key("P-256");
	ec384.key = ec_key("P-384");
	small.key = rsa_key(1024);
	rsa_cert = make_cert(rsa.key, "rsa", NULL, NULL, false, NULL, 30);
	ec_cert = make_cert(ec.key, "ec", NULL, NULL, false, NULL, 30);
	ec384_cert = make_cert(ec384.key, "ec384", NULL, NULL, false, NULL, 30);
	small_cert = make_cert(small.key, "small", NULL, NULL, false, NULL, 30);

	CHECK(auth_method_for(&rsa, IKED_AUTH_CERT) == IKEV2_AUTH_SIG);
	CHECK(auth_method_for(&rsa, IKED_AUTH_CERT_RSA1) == IKEV2_AUTH_RSA_SIG);
	CHECK(auth_method_for(&ec, IKED_AUTH_CERT_RSA1) == IKEV2_AUTH_ECDSA_256);
	CHECK(auth_method_for(&ec384, IKED_AUTH_CERT_RSA1) ==
	      IKEV2_AUTH_ECDSA_384);
	CHECK(auth_method_for(&ec, IKED_AUTH_PSK) == IKEV2_AUTH_SHARED_KEY_MIC);

	sign_verify(&rsa, rsa_cert, ec_cert, IKEV2_AUTH_RSA_SIG, 0, 256);
	sign_verify(&rsa, rsa_cert, ec_cert, IKEV2_AUTH_SIG,
		    AUTH_HASHES_SUPPORTED, 1 + 15 + 256);
	sign_verify(&rsa, rsa_cert, ec_cert, IKEV2_AUTH_SIG,
		    AUTH_HASH_BIT(IKEV2_HASH_SHA2_512), 1 + 15 + 256);
	sign_verify(&ec, ec_cert, ec384_cert, IKEV2_AUTH_ECDSA_256, 0, 64);
	sign_verify(&ec384, ec384_cert, ec_cert, IKEV2_AUTH_ECDSA_384, 0, 96);
	sign_verify(&ec, ec_cert, rsa_cert, IKEV2_AUTH_SIG,
		    AUTH_HASHES_SUPPORTED, 0);
	sign_verify(&ec384, ec384_cert, ec_cert, IKEV2_AUTH_SIG,
		    AUTH_HASH_BIT(IKEV2_HASH_SHA2_256), 0);

	test_pss(rsa.key, rsa_cert, ec_cert);
	test_pss_sign(&rsa, rsa_cert, small_cert, &ec);
	check_algid(&rsa, AUTH_HASHES_SUPPORTED, sha256_rsa, 15);
	check_algid(&rsa, AUTH_HASH_BIT(IKEV2_HASH_SHA2_512), sha512_rsa, 15);
	check_algid(&rsa, 0, sha256_rsa, 15);
	check_algid(&ec, AUTH_HASHES_SUPPORTED, sha256_ecdsa, 12);
	check_algid(&ec384, AUTH_HASHES_SUPPORTED, sha384_ecdsa, 12);

	/* the wrong method for the key */
	CHECK(auth_sign(&ec, IKEV2_AUTH_RSA_SIG, 0, false, octets, 16, &sig,
			&len) == -EINVAL);
	CHECK(auth_sign(&ec384, IKEV2_AUTH_ECDSA_256, 0, false, octets, 16, &sig,
			&len) == -EINVAL);
	/* RSA keys under 2048 bits are refused */
	CHECK(!auth_sign(&small, IKEV2_AUTH_SIG, 0, false, octets, 16, &sig,
			 &len));
	CHECK(auth_verify(small_cert, IKEV2_AUTH_SIG, sig, len, octets, 16) ==
	      -EACCES);
	free(sig);
	/* AlgorithmIdentifier length beyond the data, SHA-1 refused */
	CHECK(auth_verify(rsa_cert, IKEV2_AUTH_SIG, (const uint8_t *)"\x40x",
			  2, octets, 16) == -EACCES);
	CHECK(auth_verify(rsa_cert, IKEV2_AUTH_SIG, (const uint8_t *)
			  "\x0f\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01"
			  "\x01\x05\x05\x00\x01\x02", 18, octets, 16) ==
	      -EACCES);
	CHECK(auth_verify(rsa_cert, IKEV2_AUTH_DSS_SIG, octets, 16, octets,
			  16) == -EACCES);

	auth_cred_free(&rsa);
	auth_cred_free(&ec);
	auth_cred_free(&ec384);
	auth_cred_free(&small);
	X509_free(rsa_cert);
	X509_free(ec_cert);
	X509_free(ec384_cert);
	X509_free(small_cert);
}

/* ------------------------------------------------------------------------- */

static char tmpdir[64];

static const char *write_pem(const char *name, X509 *const *certs, int n,
			     EVP_PKEY *key)
{
	static char path[4][128];
	static int slot;
	char *p = path[slot++ % 4];
	FILE *f;
	int i;

	snprintf(p, 128, "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	CHECK(f);
	for (i = 0; i < n; i++)
		CHECK(PEM_write_X509(f, certs[i]));
	if (key)
		CHECK(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL));
	fclose(f);
	return p;
}

static void test_certs(void)
{
	EVP_PKEY *ca_key = ec_key("P-384"), *im_key = rsa_key(2048);
	EVP_PKEY *leaf_key = ec_key("P-256"), *other_key = ec_key("P-256");
	X509 *ca, *im, *leaf, *other_ca, *expired, *ca_leaf, *got;
	uint8_t *der[AUTH_CHAIN_MAX + 1], keyids[64], want[20];
	size_t der_len[AUTH_CHAIN_MAX + 1];
	const uint8_t *dp[AUTH_CHAIN_MAX + 1];
	struct auth_cred cred;
	struct auth_ca store, other_store;
	struct iked_id id;
	unsigned char *spki = NULL;
	uint8_t ip4[4] = { 192, 0, 2, 7 }, ip6[16];
	char str[160];
	int i, n;

	ca = make_cert(ca_key, "vtun CA", NULL, NULL, true, NULL, 365);
	im = make_cert(im_key, "vtun intermediate", ca, ca_key, true, NULL, 365);
	leaf = make_cert(leaf_key, "gw1.example.org", im, im_key, false,
			 "DNS:gw1.example.org,IP:192.0.2.7,IP:2001:db8::7,"
			 "email:ops@example.org", 30);
	other_ca = make_cert(other_key, "other CA", NULL, NULL, true, NULL, 365);
	expired = make_cert(leaf_key, "old", im, im_key, false, NULL, -1);
	ca_leaf = make_cert(leaf_key, "direct", ca, ca_key, false, NULL, 30);

	strcpy(tmpdir, "/tmp/iked-auth-test.XXXXXX");
	CHECK(mkdtemp(tmpdir));

	/* credentials: leaf + intermediate in one file, key in another */
	CHECK(!auth_cred_load(&cred, write_pem("cert.pem",
					       (X509 *[]){ leaf, im }, 2, NULL),
			      write_pem("key.pem", NULL, 0, leaf_key)));
	CHECK(!X509_cmp(cred.cert, leaf) && sk_X509_num(cred.chain) == 1 &&
	      !X509_cmp(sk_X509_value(cred.chain, 0), im));
	auth_cred_free(&cred);
	/* a key that is not the certificate's, files that are not there */
	CHECK(auth_cred_load(&cred, write_pem("cert2.pem", &leaf, 1, NULL),
			     write_pem("key2.pem", NULL, 0, other_key)) ==
	      -EINVAL);
	CHECK(auth_cred_load(&cred, "/nonexistent/cert.pem",
			     write_pem("key3.pem", NULL, 0, leaf_key)) == -ENOENT);
	CHECK(auth_cred_load(&cred, write_pem("empty.pem", NULL, 0, NULL),
			     "/nonexistent") == -EINVAL);

	CHECK(!auth_ca_load(&store, write_pem("ca.pem", &ca, 1, NULL)));
	CHECK(!auth_ca_load(&other_store, write_pem("other.pem", &other_ca, 1,
						    NULL)));
	{
		struct auth_ca none;

		CHECK(auth_ca_load(&none, "/nonexistent/ca.pem") == -ENOENT);
		CHECK(auth_ca_load(&none, write_pem("noca.pem", NULL, 0,
						    NULL)) == -EINVAL);
	}

	/* CERTREQ: SHA-1 of the CA's SubjectPublicKeyInfo */
	n = i2d_PUBKEY(ca_key, &spki);
	CHECK(n > 0 && EVP_Digest(spki, (size_t)n, want, NULL, EVP_sha1(),
				  NULL));
	OPENSSL_free(spki);
	CHECK(auth_ca_keyids(&store, keyids, sizeof(keyids)) == 20);
	CHECK_MEM(keyids, want, 20);
	CHECK(auth_ca_keyids(&store, keyids, 19) == -EMSGSIZE);

	/* chains */
	der_len[0] = to_der(leaf, &der[0]);
	der_len[1] = to_der(im, &der[1]);
	for (i = 0; i < 2; i++)
		dp[i] = der[i];
	CHECK(!auth_cert_verify(&store, dp, der_len, 2, &got));
	CHECK(!X509_cmp(got, leaf));
	X509_free(got);
	CHECK(auth_cert_verify(&store, dp, der_len, 1, &got) == -EACCES);
	CHECK(auth_cert_verify(&other_store, dp, der_len, 2, &got) == -EACCES);
	for (i = 2; i <= AUTH_CHAIN_MAX; i++) {
		der[i] = der[1];
		der_len[i] = der_len[1];
		dp[i] = der[1];
	}
	CHECK(auth_cert_verify(&store, dp, der_len, AUTH_CHAIN_MAX + 1,
			       &got) == -EINVAL);
	/* the same intermediate again does not hurt */
	CHECK(!auth_cert_verify(&store, dp, der_len, 3, &got));
	X509_free(got);
	der_len[1]--;		/* truncated DER */
	CHECK(auth_cert_verify(&store, dp, der_len, 2, &got) == -EINVAL);
	der_len[1]++;
	OPENSSL_free(der[0]);
	der_len[0] = to_der(expired, &der[0]);
	dp[0] = der[0];
	CHECK(auth_cert_verify(&store, dp, der_len, 2, &got) == -EACCES);
	OPENSSL_free(der[0]);
	der_len[0] = to_der(ca_leaf, &der[0]);
	dp[0] = der[0];
	CHECK(!auth_cert_verify(&store, dp, der_len, 1, &got));
	X509_free(got);
	OPENSSL_free(der[0]);
	OPENSSL_free(der[1]);

	/* the longest chain: leaf and four intermediates under the CA */
	{
		EVP_PKEY *k[5];
		X509 *c[5];
		X509 *issuer = ca;
		EVP_PKEY *ikey = ca_key;

		static const char *const names[] = { "im1", "im2", "im3",
						     "im4", "leaf5" };

		for (i = 0; i < 5; i++) {
			k[i] = ec_key("P-256");
			c[4 - i] = make_cert(k[i], names[i], issuer, ikey, i < 4,
					     NULL, 30);
			issuer = c[4 - i];
			ikey = k[i];
		}
		for (i = 0; i < 5; i++) {
			der_len[i] = to_der(c[i], &der[i]);
			dp[i] = der[i];
		}
		CHECK(!auth_cert_verify(&store, dp, der_len, 5, &got));
		CHECK(!X509_cmp(got, c[0]));
		X509_free(got);
		/* one intermediate missing */
		CHECK(auth_cert_verify(&store, dp, der_len, 4, &got) ==
		      -EACCES);
		for (i = 0; i < 5; i++) {
			OPENSSL_free(der[i]);
			X509_free(c[i]);
			EVP_PKEY_free(k[i]);
		}
	}

	/* IDs */
	CHECK(!auth_id_from_cert(leaf, &id));
	CHECK(id.type == IKEV2_ID_DER_ASN1_DN && id.len > 20);
	CHECK(auth_id_match_cert(id.type, id.data, id.len, leaf));
	CHECK(!auth_id_match_cert(id.type, id.data, id.len, im));
	CHECK(!auth_id_match_cert(id.type, id.data, id.len - 1, leaf));
	auth_id_str(id.type, id.data, id.len, str, sizeof(str));
	CHECK(strstr(str, "CN = gw1.example.org") && strstr(str, "C = CH"));
	CHECK(auth_id_equal(&id, id.type, id.data, id.len));
	CHECK(auth_id_equal(&(struct iked_id){ 0 }, IKEV2_ID_FQDN,
			    (const uint8_t *)"x", 1));
	CHECK(auth_id_match_cert(IKEV2_ID_FQDN,
				 (const uint8_t *)"GW1.example.ORG", 15, leaf));
	CHECK(!auth_id_match_cert(IKEV2_ID_FQDN,
				  (const uint8_t *)"gw1.example.or", 14, leaf));
	CHECK(!auth_id_match_cert(IKEV2_ID_FQDN,
				  (const uint8_t *)"gw1.example.org\0", 16,
				  leaf));
	CHECK(auth_id_match_cert(IKEV2_ID_RFC822_ADDR,
				 (const uint8_t *)"ops@example.org", 15, leaf));
	CHECK(auth_id_match_cert(IKEV2_ID_IPV4_ADDR, ip4, 4, leaf));
	ip4[3] = 8;
	CHECK(!auth_id_match_cert(IKEV2_ID_IPV4_ADDR, ip4, 4, leaf));
	inet_pton(AF_INET6, "2001:db8::7", ip6);
	CHECK(auth_id_match_cert(IKEV2_ID_IPV6_ADDR, ip6, 16, leaf));
	CHECK(!auth_id_match_cert(IKEV2_ID_IPV6_ADDR, ip6, 4, leaf));
	CHECK(!auth_id_match_cert(IKEV2_ID_KEY_ID, ip6, 4, leaf));
	CHECK(!auth_id_match_cert(IKEV2_ID_FQDN,
				  (const uint8_t *)"gw1.example.org", 15, im));

	/* IDs of other types from the subjectAltName */
	CHECK(!auth_id_from_cert_type(leaf, IKEV2_ID_FQDN, &id));
	CHECK(id.type == IKEV2_ID_FQDN && id.len == 15 &&
	      !memcmp(id.data, "gw1.example.org", 15));
	CHECK(!auth_id_from_cert_type(leaf, IKEV2_ID_IPV4_ADDR, &id));
	CHECK(id.len == 4 && !memcmp(id.data, "\xc0\x00\x02\x07", 4));
	CHECK(!auth_id_from_cert_type(leaf, IKEV2_ID_IPV6_ADDR, &id));
	CHECK(id.len == 16 && !memcmp(id.data, ip6, 16));
	CHECK(!auth_id_from_cert_type(leaf, IKEV2_ID_RFC822_ADDR, &id));
	CHECK(id.len == 15 && !memcmp(id.data, "ops@example.org", 15));
	CHECK(!auth_id_from_cert_type(leaf, IKEV2_ID_DER_ASN1_DN, &id));
	CHECK(auth_id_match_cert(id.type, id.data, id.len, leaf));
	CHECK(auth_id_from_cert_type(im, IKEV2_ID_FQDN, &id) == -ENOENT);
	CHECK(auth_id_from_cert_type(leaf, IKEV2_ID_KEY_ID, &id) == -EINVAL);

	id.type = IKEV2_ID_FQDN;
	id.len = 11;
	memcpy(id.data, "Gw.Example.", 11);
	CHECK(auth_id_equal(&id, IKEV2_ID_FQDN,
			    (const uint8_t *)"gw.example.", 11));
	CHECK(!auth_id_equal(&id, IKEV2_ID_RFC822_ADDR,
			     (const uint8_t *)"gw.example.", 11));
	CHECK(!auth_id_equal(&id, IKEV2_ID_FQDN,
			     (const uint8_t *)"gw.example", 10));
	auth_id_str(IKEV2_ID_FQDN, (const uint8_t *)"a\nb", 3, str,
		    sizeof(str));
	CHECK(!strcmp(str, "a?b"));
	auth_id_str(IKEV2_ID_IPV6_ADDR, ip6, 16, str, sizeof(str));
	CHECK(!strcmp(str, "2001:db8::7"));
	auth_id_str(IKEV2_ID_KEY_ID, (const uint8_t *)"\x01\xab", 2, str,
		    sizeof(str));
	CHECK(!strcmp(str, "01ab"));
	auth_id_str(IKEV2_ID_IPV4_ADDR, ip6, 3, str, sizeof(str));
	CHECK(!strcmp(str, "20010d"));

	auth_ca_free(&store);
	auth_ca_free(&other_store);
	X509_free(ca);
	X509_free(im);
	X509_free(leaf);
	X509_free(other_ca);
	X509_free(expired);
	X509_free(ca_leaf);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(im_key);
	EVP_PKEY_free(leaf_key);
	EVP_PKEY_free(other_key);
	n = snprintf(str, sizeof(str), "rm -rf '%s'", tmpdir);
	CHECK(n > 0 && system(str) == 0);
}

/* Certificates and signatures made by another implementation (Python's
 * cryptography, vectors.h). */
static void test_python(void)
{
	const uint8_t *der[2] = { v_py_rsa_cert, NULL };
	size_t der_len[2] = { sizeof(v_py_rsa_cert), 0 };
	uint8_t octets[200], bad[sizeof(v_py_auth14_rsa)];
	uint8_t ip[4] = { 198, 51, 100, 1 };
	struct auth_ca ca = { 0 };
	const unsigned char *p = v_py_ca;
	X509 *ca_cert, *rsa, *ec;

	pat(octets, sizeof(octets), 37, 3);
	ca_cert = d2i_X509(NULL, &p, sizeof(v_py_ca));
	CHECK(ca_cert);
	ca.store = X509_STORE_new();
	ca.certs = sk_X509_new_null();
	CHECK(ca.store && ca.certs && X509_STORE_add_cert(ca.store, ca_cert) &&
	      sk_X509_push(ca.certs, ca_cert));

	CHECK(!auth_cert_verify(&ca, der, der_len, 1, &rsa));
	der[0] = v_py_ec_cert;
	der_len[0] = sizeof(v_py_ec_cert);
	CHECK(!auth_cert_verify(&ca, der, der_len, 1, &ec));

	CHECK(!auth_verify(rsa, IKEV2_AUTH_SIG, v_py_auth14_rsa,
			   sizeof(v_py_auth14_rsa), octets, sizeof(octets)));
	CHECK(!auth_verify(rsa, IKEV2_AUTH_RSA_SIG, v_py_auth1_rsa,
			   sizeof(v_py_auth1_rsa), octets, sizeof(octets)));
	CHECK(!auth_verify(ec, IKEV2_AUTH_SIG, v_py_auth14_ec,
			   sizeof(v_py_auth14_ec), octets, sizeof(octets)));
	CHECK(!auth_verify(ec, IKEV2_AUTH_ECDSA_256, v_py_auth9_ec,
			   sizeof(v_py_auth9_ec), octets, sizeof(octets)));
	/* the other key, other octets, a changed signature */
	CHECK(auth_verify(ec, IKEV2_AUTH_SIG, v_py_auth14_rsa,
			  sizeof(v_py_auth14_rsa), octets, sizeof(octets)) ==
	      -EACCES);
	CHECK(auth_verify(rsa, IKEV2_AUTH_RSA_SIG, v_py_auth1_rsa,
			  sizeof(v_py_auth1_rsa), octets, 199) == -EACCES);
	memcpy(bad, v_py_auth14_rsa, sizeof(bad));
	bad[100] ^= 4;
	CHECK(auth_verify(rsa, IKEV2_AUTH_SIG, bad, sizeof(bad), octets,
			  sizeof(octets)) == -EACCES);
	memcpy(bad, v_py_auth9_ec, sizeof(v_py_auth9_ec));
	bad[40] ^= 4;
	CHECK(auth_verify(ec, IKEV2_AUTH_ECDSA_256, bad, 64, octets,
			  sizeof(octets)) == -EACCES);

	/* IDs: the subject DN as Python encodes it, subjectAltNames */
	CHECK(auth_id_match_cert(IKEV2_ID_DER_ASN1_DN, v_py_rsa_dn,
				 sizeof(v_py_rsa_dn), rsa));
	CHECK(!auth_id_match_cert(IKEV2_ID_DER_ASN1_DN, v_py_rsa_dn,
				  sizeof(v_py_rsa_dn), ec));
	CHECK(auth_id_match_cert(IKEV2_ID_FQDN,
				 (const uint8_t *)"gw.python.example", 17, rsa));
	CHECK(auth_id_match_cert(IKEV2_ID_IPV4_ADDR, ip, 4, rsa));
	CHECK(auth_id_match_cert(IKEV2_ID_RFC822_ADDR,
				 (const uint8_t *)"ops@python.example", 18, ec));
	CHECK(!auth_id_match_cert(IKEV2_ID_RFC822_ADDR,
				  (const uint8_t *)"ops@python.example", 18, rsa));

	X509_free(rsa);
	X509_free(ec);
	auth_ca_free(&ca);
}

static void test_hash_notify(void)
{
	uint8_t d[8];

	CHECK(auth_hash_notify(d, sizeof(d)) == 6);
	CHECK_MEM(d, "\0\x02\0\x03\0\x04", 6);
	CHECK(auth_hash_notify(d, 5) == -EMSGSIZE);
	CHECK(auth_hash_parse(d, 6) == AUTH_HASHES_SUPPORTED);
	CHECK(auth_hash_parse((const uint8_t *)"\0\x01\0\x02\x01", 5) ==
	      (AUTH_HASH_BIT(1) | AUTH_HASH_BIT(2)));
	CHECK(auth_hash_parse((const uint8_t *)"\x01\x01", 2) == 0);
}

int main(void)
{
	test_psk();
	test_signatures();
	test_certs();
	test_python();
	test_hash_notify();
	TEST_DONE("auth_test");
	return 0;
}
