/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IKEv2 authentication (RFC 7296 2.15, RFC 7427): the signed octets, PSK
 * AUTH values, signatures (RSA PKCS#1 v1.5 method 1, ECDSA methods 9-11,
 * RFC 7427 method 14), certificates: loading, chain verification against
 * the configured CA, identities from certificates and ID matching.
 */
#ifndef _VTUN_IKED_AUTH_H
#define _VTUN_IKED_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ikev2.h"
#include "iked.h"
#include "crypto.h"

#define AUTH_CHAIN_MAX	5	/* certificates in a peer's chain, leaf included */

/*
 * The octets an AUTH payload signs (RFC 7296 2.15):
 *	<message> | <peer's nonce> | prf(SK_px, <IDx' body>)
 * @msg: the sender's first message (IKE_SA_INIT request for the initiator,
 * response for the responder) as sent; @nonce: the other side's nonce;
 * @sk_p: SK_pi for the initiator's AUTH, SK_pr for the responder's;
 * @id_body: the sender's ID payload body (struct ike_idp.body, or as built:
 * type, 3 reserved bytes, data). *out is malloc()ed; free() it.
 */
int auth_octets(const struct ike_prf_alg *prf, const uint8_t *sk_p,
		const uint8_t *msg, size_t msg_len,
		const uint8_t *nonce, size_t nonce_len,
		const uint8_t *id_body, size_t id_len,
		uint8_t **out, size_t *out_len);
/* The ID payload body for @id: type, 3 zero bytes, data. Returns its length
 * or -EMSGSIZE.
 */
int auth_id_body(const struct iked_id *id, uint8_t *out, size_t cap);

/* PSK AUTH data: prf(prf(psk, "Key Pad for IKEv2"), octets); prf->out_len
 * bytes.
 */
int auth_psk(const struct ike_prf_alg *prf, const uint8_t *psk, size_t psk_len,
	     const uint8_t *octets, size_t len, uint8_t *out);
/* Constant-time check of a received PSK AUTH; true if it matches. */
bool auth_psk_verify(const struct ike_prf_alg *prf, const uint8_t *psk,
		     size_t psk_len, const uint8_t *octets, size_t len,
		     const uint8_t *auth, size_t auth_len);

/* ---------------------------------------------------------------------------
 * Our credentials and the trusted CAs.
 */

struct auth_cred {
	EVP_PKEY *key;
	X509 *cert;			/* end entity */
	STACK_OF(X509) *chain;		/* intermediates sent after it */
};

/* Loads a PEM certificate file (leaf first, then intermediates) and PEM
 * private key; checks that they match. 0 or -errno (logged).
 */
int auth_cred_load(struct auth_cred *c, const char *cert_path,
		   const char *key_path);
void auth_cred_free(struct auth_cred *c);

struct auth_ca {
	X509_STORE *store;
	STACK_OF(X509) *certs;		/* for CERTREQ key IDs */
};

/* Loads CA certificates (PEM, one or more). 0 or -errno. */
int auth_ca_load(struct auth_ca *ca, const char *path);
void auth_ca_free(struct auth_ca *ca);
/* CERTREQ data: the SHA-1 hashes of each CA's SubjectPublicKeyInfo,
 * concatenated. Returns its length or -EMSGSIZE.
 */
int auth_ca_keyids(const struct auth_ca *ca, uint8_t *out, size_t cap);

/*
 * Verifies the peer's chain from CERT payloads (@der[0] the end entity,
 * the rest intermediates, at most AUTH_CHAIN_MAX) against @ca, with the
 * current time and the usual X.509 checks. On success *leaf is the end
 * entity (X509_free() it). 0, -EACCES (not trusted, logged with the
 * reason) or -EINVAL (not DER).
 */
int auth_cert_verify(const struct auth_ca *ca, const uint8_t *const der[],
		     const size_t der_len[], int n, X509 **leaf);

/* Our default ID from a certificate: the subject as DER_ASN1_DN. */
int auth_id_from_cert(X509 *cert, struct iked_id *id);
/*
 * An ID of @type from a certificate: the subject for DER_ASN1_DN, else the
 * first subjectAltName of that kind (IPV4/IPV6_ADDR, FQDN, RFC822_ADDR).
 * 0, -ENOENT (none in the certificate) or -EINVAL.
 */
int auth_id_from_cert_type(X509 *cert, uint8_t type, struct iked_id *id);
/*
 * Whether @cert proves identity (@type, @data): DER_ASN1_DN equals the
 * subject; IPV4/IPV6_ADDR, FQDN (case-insensitive), RFC822_ADDR appear in
 * the subjectAltName.
 */
bool auth_id_match_cert(uint8_t type, const uint8_t *data, size_t len,
			X509 *cert);
/* Whether a received ID equals a configured one (type 0: any). */
bool auth_id_equal(const struct iked_id *want, uint8_t type,
		   const uint8_t *data, size_t len);
/* Printable ID ("192.0.2.1", "C=CH, O=x, CN=gw"), for logs and show. */
void auth_id_str(uint8_t type, const uint8_t *data, size_t len, char *out,
		 size_t cap);

/* ---------------------------------------------------------------------------
 * Signatures. RFC 7427 hash bits: (1 << IKEV2_HASH_SHA2_256) etc.
 */

#define AUTH_HASH_BIT(h)	(1u << (h))
#define AUTH_HASHES_SUPPORTED	(AUTH_HASH_BIT(IKEV2_HASH_SHA2_256) | \
				 AUTH_HASH_BIT(IKEV2_HASH_SHA2_384) | \
				 AUTH_HASH_BIT(IKEV2_HASH_SHA2_512))

/* SIGNATURE_HASH_ALGORITHMS notify data for what we verify. Returns its
 * length (6).
 */
int auth_hash_notify(uint8_t *out, size_t cap);
/* Hash bits from a peer's SIGNATURE_HASH_ALGORITHMS notify data. */
uint32_t auth_hash_parse(const uint8_t *data, size_t len);

/*
 * The AUTH method for our key with @cfg (IKED_AUTH_CERT: 14;
 * IKED_AUTH_CERT_RSA1: 1 for RSA, 9/10/11 for ECDSA by curve).
 */
uint8_t auth_method_for(const struct auth_cred *c, enum iked_auth cfg);

/*
 * Signs @octets: method 1 (RSA PKCS#1 v1.5 with SHA-1, as RFC 7296 and
 * other implementations use it), 9/10/11 (ECDSA P-256/384/521 with SHA-256/384/512, r||s),
 * 14 (RFC 7427: length-prefixed AlgorithmIdentifier then the signature;
 * the hash is, among @peer_hashes, an ECDSA key's own size, else the
 * first of SHA-256, 384, 512; SHA-256 if the peer sent none). With @pss,
 * an RSA key signs method 14 with RSASSA-PSS (RFC 4055 parameters: that
 * hash, MGF1 with it, salt as long as it), else with PKCS#1 v1.5.
 * *sig is malloc()ed, free() it. 0 or -errno.
 */
int auth_sign(const struct auth_cred *c, uint8_t method, uint32_t peer_hashes,
	      bool pss, const uint8_t *octets, size_t len, uint8_t **sig,
	      size_t *sig_len);
/*
 * Verifies AUTH data of @method with @cert's public key. Method 14 accepts
 * sha256/384/512WithRSAEncryption, RSASSA-PSS with SHA-2 (and MGF1 with
 * SHA-2) and ecdsa-with-SHA256/384/512. 0, or
 * -EACCES (bad signature or algorithm not accepted), -EINVAL.
 */
int auth_verify(X509 *cert, uint8_t method, const uint8_t *auth, size_t len,
		const uint8_t *octets, size_t olen);

#endif /* _VTUN_IKED_AUTH_H */
