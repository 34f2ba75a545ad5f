/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IKEv2 cryptography on OpenSSL 3 EVP: the transforms vtun-iked knows (with
 * their key sizes and the Linux kernel algorithm names of CHILD SAs), Diffie-
 * Hellman, prf and prf+, the IKE SA and CHILD SA key derivations (RFC 7296
 * 2.13, 2.14, 2.17, 2.18) and SK payload encryption (RFC 7296 3.14, RFC 5282,
 * RFC 7634). Every key buffer here is cleansed when freed.
 */
#ifndef _VTUN_IKED_CRYPTO_H
#define _VTUN_IKED_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ikev2.h"
#include "iked.h"

#define IKE_KEY_MAX	64	/* any one key, salt included */
#define IKE_PRF_MAX	64	/* prf output (SHA-512) */
#define IKE_ICV_MAX	32
#define IKE_IV_MAX	16
#define IKE_DH_MAX	512	/* public value / shared secret (MODP 4096) */

/* ---------------------------------------------------------------------------
 * Transform tables.
 */

struct ike_encr_alg {
	uint16_t id;		/* IKEV2_ENCR_* */
	uint16_t keybits;	/* key length attribute; 0: none sent */
	const char *name;	/* "aes-gcm-16-128", for show and config */
	bool aead;
	bool ike;		/* usable for the IKE SA (not only ESP) */
	uint8_t key_len;	/* cipher key bytes */
	uint8_t salt_len;	/* AEAD salt bytes after the key (4) */
	uint8_t iv_len;		/* IV in the SK payload / ESP packet */
	uint8_t block_len;	/* padding alignment in the SK payload */
	uint8_t icv_len;	/* AEAD ICV bytes, 0 otherwise */
	const char *evp;	/* OpenSSL cipher name, NULL: null cipher */
	const char *kernel;	/* Linux name: "rfc4106(gcm(aes))", "cbc(aes)" */
	bool no_config;		/* not accepted in iked.conf */
};

struct ike_integ_alg {
	uint16_t id;		/* IKEV2_AUTH_* */
	const char *name;	/* "hmac-sha2-256-128" */
	bool ike;		/* usable for the IKE SA */
	uint8_t key_len;
	uint8_t icv_len;	/* truncated output bytes */
	const char *md;		/* OpenSSL digest name */
	const char *kernel;	/* "hmac(sha256)"; trunc bits = icv_len * 8 */
	const char *alias;	/* iked.conf's other name: "sha256" */
};

struct ike_prf_alg {
	uint16_t id;		/* IKEV2_PRF_* */
	const char *name;	/* "prf-hmac-sha2-256" */
	uint8_t out_len;	/* output and preferred key length */
	const char *md;
	const char *alias;	/* iked.conf's other name: "sha256" */
	bool no_config;		/* not accepted in iked.conf */
};

enum ike_dh_kind { IKE_DH_MODP, IKE_DH_ECP, IKE_DH_X25519 };

struct ike_dh_alg {
	uint16_t id;		/* IKEV2_DH_* */
	const char *name;	/* "modp2048", "ecp256", "curve25519" */
	enum ike_dh_kind kind;
	uint16_t pub_len;	/* KE data bytes (ECP: x || y) */
	uint16_t secret_len;	/* g^ir bytes */
	const char *group;	/* OpenSSL group name, NULL: built in */
	const char *alias;	/* iked.conf's other name: "x25519" */
	bool no_config;		/* not accepted in iked.conf */
};

/* Lookups: NULL if unknown. @keybits is the key length attribute, 0 when
 * the transform has none (ChaCha20-Poly1305, 3DES, NULL): AES needs it.
 */
const struct ike_encr_alg *crypto_encr(uint16_t id, uint16_t keybits);
const struct ike_integ_alg *crypto_integ(uint16_t id);
const struct ike_prf_alg *crypto_prf(uint16_t id);
const struct ike_dh_alg *crypto_dh(uint16_t id);
/* By name (config): the name above or the alias, a D-H group also by its
 * number ("14"). NULL if unknown; no_config is the caller's business.
 */
const struct ike_encr_alg *crypto_encr_by_name(const char *name);
const struct ike_integ_alg *crypto_integ_by_name(const char *name);
const struct ike_prf_alg *crypto_prf_by_name(const char *name);
const struct ike_dh_alg *crypto_dh_by_name(const char *name);

/* ---------------------------------------------------------------------------
 * Randomness and comparisons.
 */

/* RAND_bytes; 0 or -EIO. */
int crypto_random(void *buf, size_t len);
/* Constant time; true if equal. */
bool crypto_memeq(const void *a, const void *b, size_t len);
/* OPENSSL_cleanse. */
void crypto_cleanse(void *p, size_t len);

/*
 * NAT_DETECTION_SOURCE/DESTINATION_IP data (RFC 7296 2.23):
 * SHA-1(SPIi | SPIr | IP address | port) of @addr (AF_INET or AF_INET6,
 * port included). SPIs in host order. 0 or -EINVAL.
 */
#define IKE_NATD_LEN	20
int crypto_natd_hash(uint64_t spi_i, uint64_t spi_r,
		     const struct sockaddr_storage *addr, uint8_t *out);

/* ---------------------------------------------------------------------------
 * Diffie-Hellman (KE payloads).
 */

struct ike_dh;		/* one ephemeral key pair */

/* New ephemeral key for @alg; NULL on failure. */
struct ike_dh *crypto_dh_new(const struct ike_dh_alg *alg);
void crypto_dh_free(struct ike_dh *dh);
const struct ike_dh_alg *crypto_dh_alg(const struct ike_dh *dh);
/* Our public value in KE format (alg->pub_len bytes: MODP padded to the
 * prime, ECP x || y, X25519 raw). 0 or -errno.
 */
int crypto_dh_public(const struct ike_dh *dh, uint8_t *out, size_t cap,
		     size_t *len);
/* g^ir from the peer's KE data, checked (length, range, on the curve,
 * non-zero); padded to alg->secret_len. 0, -EINVAL (bad peer value) or
 * -errno. The caller cleanses @secret.
 */
int crypto_dh_derive(struct ike_dh *dh, const uint8_t *peer, size_t len,
		     uint8_t *secret, size_t cap, size_t *secret_len);

/* ---------------------------------------------------------------------------
 * prf and key derivation.
 */

/* out = prf(key, data); out has prf->out_len bytes. 0 or -errno. */
int crypto_prf_run(const struct ike_prf_alg *prf, const uint8_t *key,
		   size_t key_len, const uint8_t *data, size_t len,
		   uint8_t *out);
/* out = first @out_len bytes of prf+(key, seed) (RFC 7296 2.13);
 * out_len at most 255 * prf->out_len.
 */
int crypto_prf_plus(const struct ike_prf_alg *prf, const uint8_t *key,
		    size_t key_len, const uint8_t *seed, size_t seed_len,
		    uint8_t *out, size_t out_len);

/* One direction's SK payload keys: SK_ei + SK_ai, or SK_er + SK_ar. */
struct ike_sk {
	const struct ike_encr_alg *encr;
	const struct ike_integ_alg *integ;	/* NULL with AEAD */
	uint8_t ek[IKE_KEY_MAX];	/* cipher key then salt */
	uint8_t ak[IKE_KEY_MAX];
	uint64_t iv_seq;		/* AEAD IV counter (sending side) */
};

/* The keys of one IKE SA. */
struct ike_keys {
	const struct ike_prf_alg *prf;
	uint8_t sk_d[IKE_PRF_MAX];
	uint8_t sk_pi[IKE_PRF_MAX];
	uint8_t sk_pr[IKE_PRF_MAX];
	struct ike_sk i2r;	/* SK_ei, SK_ai: initiator sends with these */
	struct ike_sk r2i;	/* SK_er, SK_ar */
};

/* The suite chosen for one SA. */
struct ike_algs {
	const struct ike_encr_alg *encr;
	const struct ike_integ_alg *integ;	/* NULL with AEAD */
	const struct ike_prf_alg *prf;		/* IKE SA only */
	const struct ike_dh_alg *dh;		/* NULL: none (CHILD w/o PFS) */
	bool esn;				/* CHILD SA only */
};

/*
 * SKEYSEED (RFC 7296 2.14): prf(Ni | Nr, g^ir), or for an IKE SA rekey
 * (2.18) prf_old(SK_d_old, g^ir | Ni | Nr) when @old is given.
 */
int crypto_skeyseed(const struct ike_prf_alg *prf, const struct ike_keys *old,
		    const uint8_t *gir, size_t gir_len,
		    const uint8_t *ni, size_t ni_len,
		    const uint8_t *nr, size_t nr_len, uint8_t *skeyseed);

/*
 * Derives all keys of an IKE SA: SKEYSEED, then
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} =
 *	prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).
 * @old: NULL for IKE_SA_INIT, the old SA's keys for a rekey (SKEYSEED then
 * uses the old prf and SK_d). SPIs in host order.
 */
int crypto_ike_keys(struct ike_keys *k, const struct ike_algs *algs,
		    const struct ike_keys *old,
		    const uint8_t *gir, size_t gir_len,
		    const uint8_t *ni, size_t ni_len,
		    const uint8_t *nr, size_t nr_len,
		    uint64_t spi_i, uint64_t spi_r);
void crypto_ike_keys_clear(struct ike_keys *k);

/* CHILD SA key material for both directions. */
struct ike_child_keys {
	const struct ike_encr_alg *encr;	/* NULL for AH */
	const struct ike_integ_alg *integ;	/* NULL with AEAD */
	uint8_t ei[IKE_KEY_MAX], ai[IKE_KEY_MAX];	/* initiator->responder */
	uint8_t er[IKE_KEY_MAX], ar[IKE_KEY_MAX];	/* responder->initiator */
	size_t enc_len;		/* key + salt bytes, per direction */
	size_t auth_len;
};

/*
 * KEYMAT = prf+(SK_d, [g^ir (PFS) |] Ni | Nr) (RFC 7296 2.17), taken in the
 * order: i->r encryption key (+salt), i->r integrity key, r->i encryption,
 * r->i integrity. @gir NULL without PFS.
 */
int crypto_child_keys(struct ike_child_keys *ck, const struct ike_keys *ike,
		      const struct ike_algs *algs,
		      const uint8_t *gir, size_t gir_len,
		      const uint8_t *ni, size_t ni_len,
		      const uint8_t *nr, size_t nr_len);
void crypto_child_keys_clear(struct ike_child_keys *ck);

/*
 * Fills the algorithm names, keys and ICV/truncation fields of a kernel SA
 * for one direction of @ck (@i2r: initiator->responder keys). Key pointers
 * point into @ck. Other fields are left as they are.
 */
void crypto_kernel_sa(struct iked_kernel_sa *sa,
		      const struct ike_child_keys *ck, bool i2r);

/* ---------------------------------------------------------------------------
 * SK payload protection. @msg is the whole message, @sk_off the offset of the
 * SK payload's generic header.
 */

/* Bytes the SK payload adds around @plain_len bytes of inner payloads
 * (IV, padding, pad length, ICV).
 */
size_t crypto_sk_overhead(const struct ike_sk *sk, size_t plain_len);
/* Padding bytes (excluding the pad length byte) for @plain_len. */
size_t crypto_sk_pad_len(const struct ike_sk *sk, size_t plain_len);
size_t crypto_sk_iv_len(const struct ike_sk *sk);
size_t crypto_sk_icv_len(const struct ike_sk *sk);

/*
 * Encrypts in place. On entry msg[sk_off + 4 .. len) is IV space (iv_len
 * bytes, filled here), the inner payloads, padding and the pad length byte
 * (plain_end = len - icv), and every length field is final. Fills the IV,
 * encrypts and writes the ICV over the last icv_len bytes.
 */
int crypto_sk_encrypt(struct ike_sk *sk, uint8_t *msg, size_t len,
		      size_t sk_off);
/*
 * Checks the ICV and decrypts in place. On success *plain, *plain_len are the
 * inner payloads (padding removed). -EBADMSG: integrity failure (msg not
 * changed); -EINVAL: bad lengths or padding.
 */
int crypto_sk_decrypt(const struct ike_sk *sk, uint8_t *msg, size_t len,
		      size_t sk_off, uint8_t **plain, size_t *plain_len);

#endif /* _VTUN_IKED_CRYPTO_H */
