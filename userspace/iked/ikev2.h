/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IKEv2 wire constants (RFC 7296 and the IANA "Internet Key Exchange
 * Version 2 (IKEv2) Parameters" registry). Values only, no code.
 */
#ifndef _VTUN_IKEV2_H
#define _VTUN_IKEV2_H

#include <stdint.h>

#define IKEV2_VERSION		0x20	/* major 2, minor 0 */
#define IKEV2_HDR_LEN		28
#define IKEV2_GEN_HDR_LEN	4	/* generic payload header */
#define IKEV2_NON_ESP_MARKER_LEN	4
#define IKEV2_PORT		500
#define IKEV2_NATT_PORT		4500
#define IKEV2_NONCE_MIN		16
#define IKEV2_NONCE_MAX		256
#define IKEV2_SPI_LEN		8	/* IKE SA SPI */
#define IKEV2_MSG_MAX		65535	/* the header's length is 32 bits, UDP is not */

/* Header flags */
#define IKEV2_FLAG_INITIATOR	0x08
#define IKEV2_FLAG_VERSION	0x10
#define IKEV2_FLAG_RESPONSE	0x20

/* Exchange types */
#define IKEV2_EXCH_IKE_SA_INIT		34
#define IKEV2_EXCH_IKE_AUTH		35
#define IKEV2_EXCH_CREATE_CHILD_SA	36
#define IKEV2_EXCH_INFORMATIONAL	37

/* Payload types ("next payload") */
#define IKEV2_PL_NONE		0
#define IKEV2_PL_SA		33
#define IKEV2_PL_KE		34
#define IKEV2_PL_IDI		35
#define IKEV2_PL_IDR		36
#define IKEV2_PL_CERT		37
#define IKEV2_PL_CERTREQ	38
#define IKEV2_PL_AUTH		39
#define IKEV2_PL_NONCE		40
#define IKEV2_PL_NOTIFY		41
#define IKEV2_PL_DELETE		42
#define IKEV2_PL_VENDOR		43
#define IKEV2_PL_TSI		44
#define IKEV2_PL_TSR		45
#define IKEV2_PL_SK		46
#define IKEV2_PL_CP		47
#define IKEV2_PL_EAP		48
#define IKEV2_PL_SKF		53	/* RFC 7383 fragment */

#define IKEV2_CRITICAL		0x80	/* generic header flags byte */

/* Proposal / transform substructures */
#define IKEV2_PROP_LAST		0
#define IKEV2_PROP_MORE		2
#define IKEV2_XFORM_LAST	0
#define IKEV2_XFORM_MORE	3
#define IKEV2_PROP_HDR_LEN	8
#define IKEV2_XFORM_HDR_LEN	8

/* Security protocol IDs */
#define IKEV2_PROTO_NONE	0
#define IKEV2_PROTO_IKE		1
#define IKEV2_PROTO_AH		2
#define IKEV2_PROTO_ESP		3

/* Transform types */
#define IKEV2_XFORM_ENCR	1
#define IKEV2_XFORM_PRF		2
#define IKEV2_XFORM_INTEG	3
#define IKEV2_XFORM_DH		4
#define IKEV2_XFORM_ESN		5

/* Transform attributes */
#define IKEV2_ATTR_TV		0x8000	/* type/value format bit */
#define IKEV2_ATTR_KEYLEN	14

/* Transform type 1: encryption */
#define IKEV2_ENCR_3DES			3
#define IKEV2_ENCR_NULL			11
#define IKEV2_ENCR_AES_CBC		12
#define IKEV2_ENCR_AES_CTR		13
#define IKEV2_ENCR_AES_CCM_8		14
#define IKEV2_ENCR_AES_CCM_12		15
#define IKEV2_ENCR_AES_CCM_16		16
#define IKEV2_ENCR_AES_GCM_8		18
#define IKEV2_ENCR_AES_GCM_12		19
#define IKEV2_ENCR_AES_GCM_16		20
#define IKEV2_ENCR_NULL_AUTH_AES_GMAC	21
#define IKEV2_ENCR_CHACHA20_POLY1305	28

/* Transform type 2: PRF */
#define IKEV2_PRF_HMAC_MD5		1
#define IKEV2_PRF_HMAC_SHA1		2
#define IKEV2_PRF_HMAC_SHA2_256		5
#define IKEV2_PRF_HMAC_SHA2_384		6
#define IKEV2_PRF_HMAC_SHA2_512		7

/* Transform type 3: integrity */
#define IKEV2_AUTH_NONE			0
#define IKEV2_AUTH_HMAC_MD5_96		1
#define IKEV2_AUTH_HMAC_SHA1_96		2
#define IKEV2_AUTH_AES_XCBC_96		5
#define IKEV2_AUTH_AES_CMAC_96		8
#define IKEV2_AUTH_HMAC_SHA2_256_128	12
#define IKEV2_AUTH_HMAC_SHA2_384_192	13
#define IKEV2_AUTH_HMAC_SHA2_512_256	14

/* Transform type 4: Diffie-Hellman groups */
#define IKEV2_DH_NONE			0
#define IKEV2_DH_MODP_1024		2
#define IKEV2_DH_MODP_1536		5
#define IKEV2_DH_MODP_2048		14
#define IKEV2_DH_MODP_3072		15
#define IKEV2_DH_MODP_4096		16
#define IKEV2_DH_ECP_256		19
#define IKEV2_DH_ECP_384		20
#define IKEV2_DH_ECP_521		21
#define IKEV2_DH_CURVE25519		31
#define IKEV2_DH_CURVE448		32

/* Transform type 5: extended sequence numbers */
#define IKEV2_ESN_NO			0
#define IKEV2_ESN_YES			1

/* ID types */
#define IKEV2_ID_IPV4_ADDR	1
#define IKEV2_ID_FQDN		2
#define IKEV2_ID_RFC822_ADDR	3
#define IKEV2_ID_IPV6_ADDR	5
#define IKEV2_ID_DER_ASN1_DN	9
#define IKEV2_ID_DER_ASN1_GN	10
#define IKEV2_ID_KEY_ID		11

/* Certificate encodings */
#define IKEV2_CERT_X509_SIG	4
#define IKEV2_CERT_HASH_URL	12

/* Authentication methods */
#define IKEV2_AUTH_RSA_SIG		1
#define IKEV2_AUTH_SHARED_KEY_MIC	2
#define IKEV2_AUTH_DSS_SIG		3
#define IKEV2_AUTH_ECDSA_256		9
#define IKEV2_AUTH_ECDSA_384		10
#define IKEV2_AUTH_ECDSA_521		11
#define IKEV2_AUTH_SIG			14	/* RFC 7427 */

/* RFC 7427 hash algorithms (SIGNATURE_HASH_ALGORITHMS notify) */
#define IKEV2_HASH_SHA1		1
#define IKEV2_HASH_SHA2_256	2
#define IKEV2_HASH_SHA2_384	3
#define IKEV2_HASH_SHA2_512	4

/* Traffic selector types */
#define IKEV2_TS_IPV4_ADDR_RANGE	7
#define IKEV2_TS_IPV6_ADDR_RANGE	8

/* Configuration payload (CP) types */
#define IKEV2_CP_REQUEST	1
#define IKEV2_CP_REPLY		2
#define IKEV2_CP_SET		3
#define IKEV2_CP_ACK		4

/* Notify message types: errors (< 16384) */
#define IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD	1
#define IKEV2_N_INVALID_IKE_SPI			4
#define IKEV2_N_INVALID_MAJOR_VERSION		5
#define IKEV2_N_INVALID_SYNTAX			7
#define IKEV2_N_INVALID_MESSAGE_ID		9
#define IKEV2_N_INVALID_SPI			11
#define IKEV2_N_NO_PROPOSAL_CHOSEN		14
#define IKEV2_N_INVALID_KE_PAYLOAD		17
#define IKEV2_N_AUTHENTICATION_FAILED		24
#define IKEV2_N_SINGLE_PAIR_REQUIRED		34
#define IKEV2_N_NO_ADDITIONAL_SAS		35
#define IKEV2_N_INTERNAL_ADDRESS_FAILURE	36
#define IKEV2_N_FAILED_CP_REQUIRED		37
#define IKEV2_N_TS_UNACCEPTABLE			38
#define IKEV2_N_INVALID_SELECTORS		39
#define IKEV2_N_TEMPORARY_FAILURE		43
#define IKEV2_N_CHILD_SA_NOT_FOUND		44
#define IKEV2_N_ERROR_MAX			16383	/* error types are below */

/* Notify message types: status (>= 16384) */
#define IKEV2_N_INITIAL_CONTACT			16384
#define IKEV2_N_SET_WINDOW_SIZE			16385
#define IKEV2_N_ADDITIONAL_TS_POSSIBLE		16386
#define IKEV2_N_IPCOMP_SUPPORTED		16387
#define IKEV2_N_NAT_DETECTION_SOURCE_IP		16388
#define IKEV2_N_NAT_DETECTION_DESTINATION_IP	16389
#define IKEV2_N_COOKIE				16390
#define IKEV2_N_USE_TRANSPORT_MODE		16391
#define IKEV2_N_HTTP_CERT_LOOKUP_SUPPORTED	16392
#define IKEV2_N_REKEY_SA			16393
#define IKEV2_N_ESP_TFC_PADDING_NOT_SUPPORTED	16394
#define IKEV2_N_NON_FIRST_FRAGMENTS_ALSO	16395
#define IKEV2_N_MOBIKE_SUPPORTED		16396
#define IKEV2_N_MULTIPLE_AUTH_SUPPORTED		16404
#define IKEV2_N_REDIRECT_SUPPORTED		16406
#define IKEV2_N_IKEV2_MESSAGE_ID_SYNC_SUPPORTED	16420
#define IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED	16430
#define IKEV2_N_SIGNATURE_HASH_ALGORITHMS	16431

#endif /* _VTUN_IKEV2_H */
