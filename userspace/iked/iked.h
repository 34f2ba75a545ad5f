/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtun-iked: what the configuration, the IKEv2 engine and the daemon's I/O
 * share. The engine (ikesa.c, child.c on msg.c, crypto.c, auth.c) never
 * touches a socket, a clock or netlink itself: it calls the functions under
 * "daemon services" below, which iked.c, net.c and kernel.c implement and
 * unit tests replace with fakes.
 */
#ifndef _VTUN_IKED_H
#define _VTUN_IKED_H

#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define IKED_NAME_MAX	64
#define IKED_XFORM_MAX	16	/* transforms of one kind in a profile */
#define IKED_PROXY_MAX	64	/* proxy IDs of one tunnel */
#define IKED_ID_MAX	512	/* identification data (DER DN included) */
#define IKED_PSK_MAX	256

/* ---------------------------------------------------------------------------
 * Configuration: config.c builds it, nothing changes it afterwards (a reload
 * builds a new one). Numbers are IANA IKEv2 values (ikev2.h).
 */

struct iked_xform {
	uint16_t id;		/* transform ID */
	uint16_t keylen;	/* key length attribute in bits, 0 if none */
};

/* "ike-crypto-profile": proposals for the IKE SA, in preference order. */
struct iked_ike_profile {
	char name[IKED_NAME_MAX];
	struct iked_xform encr[IKED_XFORM_MAX];
	int n_encr;
	uint16_t integ[IKED_XFORM_MAX];	/* none with AEAD ciphers */
	int n_integ;
	uint16_t prf[IKED_XFORM_MAX];
	int n_prf;
	uint16_t dh[IKED_XFORM_MAX];	/* the first one is sent in KEi */
	int n_dh;
	uint32_t lifetime;		/* IKE SA lifetime in seconds */
};

enum iked_esn {
	IKED_ESN_NO,		/* propose/accept ESN "no" only */
	IKED_ESN_YES,		/* ESN "yes" only */
	IKED_ESN_BOTH,		/* propose yes then no; accept either */
};

/* "ipsec-crypto-profile": proposals for CHILD SAs. */
struct iked_ipsec_profile {
	char name[IKED_NAME_MAX];
	uint8_t protocol;		/* IKEV2_PROTO_ESP or IKEV2_PROTO_AH */
	struct iked_xform encr[IKED_XFORM_MAX];	/* empty for AH */
	int n_encr;
	uint16_t integ[IKED_XFORM_MAX];
	int n_integ;
	uint16_t dh[IKED_XFORM_MAX];	/* PFS groups; none: no PFS */
	int n_dh;
	enum iked_esn esn;
	uint32_t lifetime;		/* seconds (hard; soft derived) */
	uint64_t lifetime_bytes;	/* 0: none */
};

struct iked_id {
	uint8_t type;			/* IKEV2_ID_*, 0: any (peer only) */
	uint16_t len;
	uint8_t data[IKED_ID_MAX];	/* as on the wire */
};

enum iked_auth {
	IKED_AUTH_PSK,
	IKED_AUTH_CERT,			/* RFC 7427 signatures */
	IKED_AUTH_CERT_RSA1,		/* RSA PKCS#1 v1.5, method 1 */
};

/* What liveness checking does with a dead peer's SAs (dpd.c). */
enum iked_dpd_action {
	IKED_DPD_CLEAR,		/* delete them, nothing more */
	IKED_DPD_RESTART,	/* and initiate again at once */
	IKED_DPD_TRAP,		/* and again on the next acquire */
};

/* "ike-gateway": one IKE peer. */
struct iked_gateway {
	char name[IKED_NAME_MAX];
	struct sockaddr_storage local;	/* ss_family AF_UNSPEC: any */
	struct sockaddr_storage peer;	/* AF_UNSPEC: any (responder only) */
	struct iked_id local_id;	/* default: the local address */
	struct iked_id peer_id;		/* type 0: accept any authenticated */
	enum iked_auth auth;
	uint8_t psk[IKED_PSK_MAX];	/* cleansed when the config is freed */
	size_t psk_len;
	char cert[PATH_MAX];		/* PEM: our certificate (+ chain) */
	char key[PATH_MAX];		/* PEM: our private key */
	char ca[PATH_MAX];		/* PEM: CA certificate(s) to trust */
	bool rsa_pss;			/* RFC 7427 RSA: PSS, not PKCS#1 v1.5 */
	/* SHA-256 of the cert, key and ca files' contents when parsed: a
	 * reload that finds other contents sees a changed gateway
	 */
	uint8_t cred_digest[32];
	const struct iked_ike_profile *ike;
	/* liveness (dpd.c) and NAT traversal (natt.c) */
	uint32_t dpd_delay_ms;		/* inbound silence before DPD; 0: none */
	enum iked_dpd_action dpd_action;
	uint32_t rtx_base_ms;		/* first retransmission; 0: 4 s */
	uint32_t rtx_tries;		/* retransmissions; 0: 5 */
	uint16_t nat_keepalive;		/* seconds behind a NAT; 0: none */
};

/* One proxy ID: the traffic selector pair of one CHILD SA. */
struct iked_proxy_id {
	uint32_t id;			/* vtun proxy ID number */
	uint8_t family;			/* AF_INET or AF_INET6 */
	uint8_t ip_proto;		/* 0: any */
	uint8_t local_len, remote_len;	/* prefix lengths */
	struct in6_addr local, remote;	/* IPv4 in the first 4 bytes */
	uint16_t local_port_min, local_port_max;	/* 0-65535: any */
	uint16_t remote_port_min, remote_port_max;
};

enum iked_start {
	IKED_START_NONE,	/* responder only */
	IKED_START_TRAP,	/* on demand: the kernel's acquire starts it */
	IKED_START_START,	/* always up: initiate at start and when lost */
};

/* "ipsec-tunnel": one vtun device keyed through one gateway. */
struct iked_tunnel {
	char name[IKED_NAME_MAX];
	char dev[IF_NAMESIZE];		/* vtun device, created if missing */
	const struct iked_gateway *gw;
	const struct iked_ipsec_profile *ipsec;
	struct iked_proxy_id proxy[IKED_PROXY_MAX];
	int n_proxy;			/* 0: route-based, 0.0.0.0/0 + ::/0 */
	uint32_t replay_window;		/* packets; 0: no anti-replay */
	bool copy_tos;
	enum iked_start start;
	/* optional tunnel monitor, programmed as a vtun monitor */
	struct sockaddr_storage monitor_dst;	/* AF_UNSPEC: none */
	uint32_t monitor_interval_ms;
	uint32_t monitor_threshold;
	bool monitor_failover;
	/* runtime, set by the daemon when the device is created/adopted */
	int ifindex;
};

struct iked_config {
	char path[PATH_MAX];
	struct iked_ike_profile **ike;
	int n_ike;
	struct iked_ipsec_profile **ipsec;
	int n_ipsec;
	struct iked_gateway **gw;
	int n_gw;
	struct iked_tunnel **tun;
	int n_tun;
	char control[PATH_MAX];		/* control socket path */
	int log_level;			/* LOG_ERR .. LOG_DEBUG */
	uint32_t cookie_threshold;	/* half-open IKE SAs from which
					 * cookies are demanded (RFC 7296
					 * 2.6); 0: IKED_COOKIE_THRESHOLD */
	uint32_t fragment_size;		/* RFC 7383: largest IP datagram of
					 * a fragment; 0: IKED_FRAGMENT_SIZE */
	bool no_fragmentation;		/* not offered nor accepted */
	uint32_t initiate_limit;	/* IKE SAs we initiate half-open at
					 * once; 0: IKED_INITIATE_LIMIT */
};

#define IKED_FRAGMENT_SIZE	1280
#define IKED_COOKIE_THRESHOLD	10
#define IKED_INITIATE_LIMIT	1

/* ---------------------------------------------------------------------------
 * Daemon services the engine calls (iked.c, net.c, kernel.c).
 */

void iked_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Monotonic milliseconds. */
uint64_t iked_now_ms(void);

/* One-shot timers; fn runs from the main loop. Re-adding reschedules. */
struct iked_timer {
	uint64_t when;			/* iked_now_ms() deadline */
	void (*fn)(struct iked_timer *t);
	struct iked_timer *next;	/* owned by the timer list */
	bool armed;
};
void iked_timer_add(struct iked_timer *t, uint32_t ms);
void iked_timer_del(struct iked_timer *t);

/*
 * Send one IKE message from @local to @peer (addresses and ports). On port
 * 4500 the non-ESP marker is added here, not by the caller.
 */
int iked_send(const struct sockaddr_storage *local,
	      const struct sockaddr_storage *peer,
	      const uint8_t *msg, size_t len);

/* One SA for the kernel, in the vtun family's terms (kernel.c). */
struct iked_kernel_sa {
	int ifindex;
	bool out;
	uint32_t spi;			/* host order */
	uint8_t proto;			/* IPPROTO_ESP or IPPROTO_AH */
	const char *aead_alg;		/* "rfc4106(gcm(aes))", or NULL */
	const char *enc_alg;		/* "cbc(aes)", "ecb(cipher_null)"... */
	const char *auth_alg;		/* "hmac(sha256)", or NULL */
	const uint8_t *enc_key;		/* AEAD: key then salt */
	size_t enc_key_len;
	const uint8_t *auth_key;
	size_t auth_key_len;
	uint32_t icv_bits;		/* AEAD ICV */
	uint32_t trunc_bits;		/* HMAC truncation */
	bool esn;
	uint32_t replay_window;
	uint32_t proxy_id;		/* 0: none */
	bool standby;			/* outbound: installed, not active */
	uint32_t soft_seconds, hard_seconds;	/* 0: none */
	uint64_t soft_bytes, hard_bytes;
};

/* Reserve an inbound SPI on the device (vtun spi-alloc). */
int iked_kernel_spi_alloc(int ifindex, uint32_t *spi);
int iked_kernel_sa_add(const struct iked_kernel_sa *sa);
int iked_kernel_sa_del(int ifindex, bool out, uint32_t spi);
/* Make a standby outbound SA the active one (make-before-break). */
int iked_kernel_sa_activate(int ifindex, uint32_t spi);
/* Seconds since epoch the SA last carried a packet, 0 if never. */
int iked_kernel_sa_last_used(int ifindex, bool out, uint32_t spi,
			     uint64_t *when);

/*
 * The device's path to the peer (natt.c): @peer becomes its remote (and
 * peer port); with @encap, ESP in UDP from @local's port through the
 * daemon's own socket on it (encap-fd), NAT keepalives every @keepalive
 * seconds (0: none). Without, encap none.
 */
struct iked_kernel_path {
	int ifindex;
	struct sockaddr_storage local, peer;	/* with ports */
	bool encap;
	uint16_t keepalive;
};
int iked_kernel_path_set(const struct iked_kernel_path *p);
/*
 * The peer moved (a NAT mapping change): sa-set peer (and peer-port with
 * ESP in UDP) on the device's SA @spi_out, for all of its SAs at once.
 */
int iked_kernel_peer_set(int ifindex, uint32_t spi_out,
			 const struct sockaddr_storage *peer, bool encap);

/* ---------------------------------------------------------------------------
 * The engine (ikesa.c, child.c): what the daemon calls.
 */

/* Tunnels that start "always" are initiated from a 0 ms timer. */
int ike_engine_init(const struct iked_config *conf);
void ike_engine_fini(void);

/*
 * SIGHUP: @conf replaces the configuration. Tunnels kept up are the very
 * objects (same pointers, their gateways and profiles too) of the old one;
 * the others were given to ike_tunnel_down() just before, and the old
 * objects are freed when this returns.
 */
void ike_engine_reconf(const struct iked_config *conf);

/*
 * A datagram arrived (non-ESP marker already removed). Anything malformed,
 * forged, replayed or unexpected is dropped, counted, and changes nothing.
 */
void ike_recv(const struct sockaddr_storage *local,
	      const struct sockaddr_storage *peer,
	      const uint8_t *msg, size_t len);

/*
 * Bring a tunnel's SAs up (initiate; nothing if an IKE SA exists) or down:
 * the kernel SAs go at once, then DELETE goes to the peer. An "always"
 * tunnel is initiated again 5 s after its IKE SA is lost, unless it was
 * brought down; ike_tunnel_up() ends that.
 */
int ike_tunnel_up(const struct iked_tunnel *t);
int ike_tunnel_down(const struct iked_tunnel *t);
/*
 * Rekey the IKE SA (@ike) or the CHILD SA carrying a tunnel now, as its
 * lifetime would: -ENOENT if none is established, -EBUSY if one is under way.
 */
int ike_tunnel_rekey(const struct iked_tunnel *t, bool ike);

/* Kernel events (kernel.c decodes them). */
void ike_acquire(int ifindex, uint32_t proxy_id);
void ike_expire(int ifindex, bool out, uint32_t spi, bool hard);
/* ESP in UDP on inbound SA @spi_in came from @peer, the device's new peer. */
void ike_peer_moved(int ifindex, uint32_t spi_in,
		    const struct sockaddr_storage *peer);

/* Why a message was dropped: counted, shown by the control socket. */
enum ike_drop {
	IKE_DROP_SHORT,		/* shorter than its header or lengths */
	IKE_DROP_VERSION,	/* not IKEv2 */
	IKE_DROP_MALFORMED,	/* payload chain, lengths or contents */
	IKE_DROP_NO_SA,		/* unknown SPIs */
	IKE_DROP_MSGID,		/* message ID outside the window */
	IKE_DROP_INTEGRITY,	/* SK payload failed authentication */
	IKE_DROP_UNEXPECTED,	/* exchange not valid in this state */
	IKE_DROP_MAX,
};
extern uint64_t ike_drops[IKE_DROP_MAX];
extern const char *const ike_drop_names[IKE_DROP_MAX];

/* Read-only views for `vtunctl ike show` (never keys). */
struct ike_child_info {
	uint32_t spi_in, spi_out;	/* host order */
	uint8_t protocol;
	uint32_t proxy_id;
	char encr[32], integ[32], dh[16];	/* names, e.g. "aes-gcm-16-128" */
	bool esn;
	uint64_t established;		/* seconds since epoch */
	uint32_t lifetime;
	char local_ts[128], remote_ts[128];	/* "10.1.0.0/16" */
};

struct ike_sa_info {
	const char *tunnel;		/* tunnel name */
	const char *state;		/* "connecting", "established", ... */
	bool initiator;
	uint64_t spi_i, spi_r;		/* host order */
	struct sockaddr_storage local, peer;
	char local_id[128], peer_id[128];
	char encr[32], integ[32], prf[32], dh[16];
	uint64_t established;		/* seconds since epoch, 0 if not */
	uint32_t lifetime;
	/* NAT traversal: NAT-D exchanged, we / the peer behind a NAT, ESP
	 * in UDP on, NAT keepalive seconds programmed (0: none)
	 */
	bool natd, nat_local, nat_peer, encap;
	uint16_t keepalive;
	int n_child;
	const struct ike_child_info *child;
};

/* Call @fn for each IKE SA; stops early if it returns non-zero. */
int ike_foreach_sa(int (*fn)(const struct ike_sa_info *sa, void *arg),
		   void *arg);

#endif /* _VTUN_IKED_H */
