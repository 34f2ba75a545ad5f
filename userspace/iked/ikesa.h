/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtun-iked engine internals shared by ikesa.c (IKE SAs, exchanges),
 * child.c (CHILD SAs, traffic selectors, kernel SAs) and proposal.c (SA
 * payloads). Nothing here is seen by the daemon: it uses iked.h.
 */
#ifndef _VTUN_IKESA_H
#define _VTUN_IKESA_H

#include "addr.h"
#include "iked.h"
#include "msg.h"
#include "crypto.h"
#include "auth.h"

#define IKE_NONCE_LEN		32
#define IKE_NONCE_MAX		256
#define IKE_RTX_TRIES		5	/* retransmissions after the first send */
#define IKE_RTX_BASE_MS		4000	/* then * 1.8 each time (strongSwan) */

/* ---- proposals (proposal.c) ---------------------------------------------- */

/* What was agreed: one transform of each type (0: none). */
struct ike_choice {
	uint8_t num, proto;
	uint64_t spi;		/* peer's SPI (CHILD: 4 bytes, host order) */
	uint16_t encr, encr_keylen, integ, prf, dh;
	bool esn;
};

int ike_props_ike(const struct iked_ike_profile *pr, struct ike_proposal *props,
		  int max);
int ike_props_child(const struct iked_ipsec_profile *pr, uint32_t spi,
		    bool pfs, struct ike_proposal *props, int max);
int ike_select_ike(const struct iked_ike_profile *pr,
		   const struct ike_proposal *props, int n, struct ike_choice *c);
int ike_select_child(const struct iked_ipsec_profile *pr,
		     const struct ike_proposal *props, int n, bool pfs,
		     struct ike_choice *c);
bool ike_choice_in(const struct ike_choice *c, const struct ike_proposal *props,
		   int n);
void ike_choice_prop(const struct ike_choice *c, uint64_t spi,
		     uint8_t spi_len, struct ike_proposal *p);
bool ike_encr_aead(uint16_t id);
int ike_prop_choice(const struct ike_proposal *p, struct ike_choice *c);

/* ---- traffic selectors (child.c) ----------------------------------------- */

struct ike_ts_set {
	int n;
	struct ike_ts ts[IKE_TS_MAX];
};

void ike_ts_format(const struct ike_ts_set *s, char *buf, size_t len);

/* ---- SAs ------------------------------------------------------------------ */

enum ike_state {
	IKE_S_INIT_I,		/* IKE_SA_INIT sent */
	IKE_S_AUTH_I,		/* IKE_AUTH sent */
	IKE_S_INIT_R,		/* IKE_SA_INIT answered, IKE_AUTH awaited */
	IKE_S_ESTABLISHED,
	IKE_S_DELETING,		/* our DELETE sent */
	IKE_S_DEAD,		/* failed: only answers retransmissions */
};

struct child_sa {
	struct child_sa *next;
	struct ike_sa *ike;
	const struct iked_tunnel *tun;
	int proxy;		/* index into tun->proxy[], -1: route-based */
	bool installed;
	uint8_t protocol;	/* IKEV2_PROTO_ESP or AH */
	uint32_t spi_in, spi_out;
	struct ike_choice ch;
	struct ike_ts_set ts_l, ts_r;	/* local and remote selectors */
	uint64_t established;
	/* CREATE_CHILD_SA we initiate */
	struct ike_dh *dh;
	uint16_t dh_group;
	uint8_t nonce[IKEV2_NONCE_MAX];
	size_t nonce_len;
	struct ike_child_info info;
	/* rekeying (rekey.c) */
	bool initiator;		/* we initiated the exchange that made it */
	bool standby;		/* outbound SA installed standby */
	bool rekey_want;	/* soft expiry seen: rekey when the window is free */
	uint32_t rekey_of;	/* spi_in of the SA it replaces, 0: none */
	uint8_t nmin[IKEV2_NONCE_MAX];	/* lowest nonce of its exchange */
	size_t nmin_len;
};

struct ike_sa {
	struct ike_sa *next;
	enum ike_state state;
	bool initiator;
	const struct iked_gateway *gw;
	const struct iked_tunnel *tun;	/* initiator: asked for; responder: found */
	uint64_t spi_i, spi_r;		/* host order */
	struct sockaddr_storage local, peer;

	/* negotiated IKE SA */
	struct ike_choice ch;
	uint16_t dh_group;		/* group of our KE */
	struct ike_dh *dh;		/* our ephemeral key until keys exist */
	uint8_t ni[IKEV2_NONCE_MAX], nr[IKEV2_NONCE_MAX];
	size_t ni_len, nr_len;
	uint8_t *init_i, *init_r;	/* IKE_SA_INIT messages, for AUTH */
	size_t init_i_len, init_r_len;
	struct ike_keys keys;
	bool have_keys;
	uint32_t peer_hashes;		/* SIGNATURE_HASH_ALGORITHMS */
	uint8_t cookie[256];
	size_t cookie_len;
	int cookie_tries;
	bool frag_ok;			/* RFC 7383 negotiated */
	struct frag_rx *frag;		/* fragments being reassembled */
	int ke_retries;

	/* our requests: window of one */
	uint32_t req_msgid;		/* message ID of the next/outstanding */
	bool req_busy;			/* a request awaits its response */
	uint8_t req_exch;
	uint8_t *req;			/* request sent, for retransmission */
	size_t req_len;
	int req_tries;
	struct iked_timer rtx;
	struct child_sa *req_child;	/* CREATE_CHILD_SA: for this child */
	int req_proxy;			/* CREATE_CHILD_SA: proxy index */
	struct child_sa *req_rekey;	/* CREATE_CHILD_SA: rekeys this one */
	struct child_sa *resp_rekey;	/* answering a rekey of this one */
	struct ike_rekey *rk;		/* IKE SA rekey state (rekey.c) */
	struct iked_timer rekey;	/* IKE SA lifetime: rekey (rekey.c) */
	bool req_delete_ike;

	/* the peer's requests: window of one */
	uint32_t resp_msgid;		/* next message ID we expect */
	uint8_t *last_req;		/* the request answered by resp */
	size_t last_req_len;
	uint8_t *resp;
	size_t resp_len;

	/* queued work for when the window is free */
	uint32_t want_delete_spi[16];	/* CHILD SAs to delete (spi_in) */
	int n_want_delete;
	bool want_delete_ike;
	uint64_t want_proxy;		/* bit i: CREATE_CHILD_SA for proxy i */

	struct child_sa *child;
	uint64_t established;
	struct iked_timer life;		/* half-open and failed SA cleanup */
	struct iked_id peer_id;		/* authenticated */
	char local_id_s[128], peer_id_s[128];
	struct ike_child_info *info;

	/* NAT traversal (natt.c) */
	bool natd;			/* both sent NAT_DETECTION_*_IP */
	bool nat_local, nat_peer;	/* we, the peer, are behind a NAT */
	bool path_set;			/* the device's path programmed */
	struct sockaddr_storage path_peer;	/* ... to this peer */
	/* liveness (dpd.c) */
	struct iked_timer dpd;
	uint64_t last_rx;		/* iked_now_ms() of the last message */
	bool dpd_sent;			/* the request out is a DPD */
	bool no_restart;		/* dead: the DPD action decides */
};

struct ike_engine {
	const struct iked_config *conf;
	struct ike_sa *sas;
	uint64_t drops[IKE_DROP_MAX];
	struct iked_timer start;	/* initiates "start" tunnels */
	struct iked_timer pace;		/* the same, once one is less half-open */
	bool pace_wait;			/* a tunnel waits for pace.c */
	bool stopping;			/* ike_engine_fini() runs */
	const struct iked_tunnel *down[IKED_PROXY_MAX];	/* by ike_tunnel_down */
	int n_down;
	struct gw_cred *creds;
	int n_creds;
};

/* Tests run two engines in one process: switch which one is current. */
struct ike_engine *ike_engine_current(void);
void ike_engine_switch(struct ike_engine *e);

void ike_drop(enum ike_drop why);

/* contact.c: whether our IKE_AUTH for @sa carries INITIAL_CONTACT. */
bool ike_contact_initial(const struct ike_sa *sa);

/* SIGHUP (iked.h on the daemon's side declares it too). */
void ike_engine_reconf(const struct iked_config *conf);

/* child.c */
struct child_sa *child_new(struct ike_sa *sa, const struct iked_tunnel *t,
			   int proxy);
void child_free(struct child_sa *c, bool kernel);
void child_ts_ours(const struct child_sa *c, struct ike_ts_set *l,
		   struct ike_ts_set *r);
int child_ts_accept(const struct ike_ts_set *ours,
		    const struct ike_ts_set *theirs);
int child_ts_narrow(const struct iked_tunnel *t, int proxy,
		    const struct ike_ts_set *tsi, const struct ike_ts_set *tsr,
		    struct ike_ts_set *l, struct ike_ts_set *r);
int child_install(struct child_sa *c, const struct ike_child_keys *ck);
bool child_choice_ok(const struct ike_choice *ch);
int child_algs(const struct ike_choice *ch, struct ike_algs *a);
void child_info(struct child_sa *c);

/* ikesa.c, for rekey.c */
uint64_t new_spi(void);
struct ike_sa *sa_new(const struct iked_gateway *gw,
		      const struct iked_tunnel *t, bool initiator);
struct ike_sk *sk_out(struct ike_sa *sa);
void sk_begin(struct ike_sa *sa, struct ike_buf *b, uint8_t exch,
	      bool response, uint32_t msgid);
int send_request(struct ike_sa *sa, struct ike_buf *b, uint8_t exch);
int seal_and_respond(struct ike_sa *sa, struct ike_buf *b,
		     const uint8_t *req, size_t req_len);
void request_done(struct ike_sa *sa);
int ike_algs_of(const struct ike_choice *c, struct ike_algs *a);
int new_dh(struct ike_dh **dh, uint16_t group, uint8_t *pub,
	   size_t cap, size_t *len);
void log_established(const struct ike_sa *sa);
uint16_t error_of(const struct ike_parsed *p);
struct child_sa *child_respond(struct ike_sa *sa, const struct ike_parsed *p,
			       struct ike_buf *b, bool create,
			       const uint8_t *ni, size_t ni_len,
			       const uint8_t *nr, size_t nr_len);
bool in_list(const uint16_t *l, int n, uint16_t v);
int send_create_child(struct ike_sa *sa, int proxy, uint16_t group);
void send_delete_ike(struct ike_sa *sa);
struct child_sa *child_by_spi(struct ike_sa *sa, bool out, uint32_t spi);
void run_work(struct ike_sa *sa);

/* rekey.c: CHILD and IKE SA rekeying (RFC 7296 2.8) */
uint32_t rekey_soft_seconds(uint32_t hard);
uint64_t rekey_soft_bytes(uint64_t hard);
void rekey_expire(int ifindex, bool out, uint32_t spi);
void rekey_hard_expire(struct child_sa *c);
bool rekey_run(struct ike_sa *sa);
void rekey_child_begin(struct ike_sa *sa, struct child_sa *c,
		       struct ike_buf *b);
void rekey_child_done(struct ike_sa *sa, struct child_sa *c,
		      const uint8_t *nr, size_t nr_len);
void rekey_request(struct ike_sa *sa, const struct ike_parsed *p,
		   struct ike_buf *b, const uint8_t *msg, size_t len);
bool rekey_ike_response(struct ike_sa *sa, const struct ike_parsed *p);
void rekey_deleted(struct child_sa *c);
void rekey_ike_arm(struct ike_sa *sa);
void rekey_sa_free(struct ike_sa *sa);
void rekey_engine_fini(void);

/* ikesa.c, for natt.c and dpd.c */
int ike_send_informational(struct ike_sa *sa);	/* an empty request */
uint32_t ike_rtx_ms(const struct ike_sa *sa, int tries);
int ike_rtx_tries(const struct ike_sa *sa);

/* natt.c: NAT traversal (RFC 7296 2.23) */
void natt_add_notifies(const struct ike_sa *sa, struct ike_buf *b);
void natt_detect(struct ike_sa *sa, const struct ike_parsed *p,
		 const struct sockaddr_storage *local,
		 const struct sockaddr_storage *peer);
void natt_info(const struct ike_sa *sa, struct ike_sa_info *i);
bool natt_rx(struct ike_sa *sa, const struct sockaddr_storage *local,
	     const struct sockaddr_storage *peer);
int natt_child_path(struct ike_sa *sa, const struct child_sa *c);

/* dpd.c: liveness */
void dpd_start(struct ike_sa *sa);
void dpd_stop(struct ike_sa *sa);
/* the peer did not answer: what the gateway's dpd-action says */
void dpd_dead(struct ike_sa *sa);
/* dpd-action clear: the tunnel stays down until brought up or down */
bool dpd_cleared(const struct iked_tunnel *t);
void dpd_uncleared(const struct iked_tunnel *t);

/* ikesa.c: an unencrypted answer to an IKE_SA_INIT request, no state. */
void init_notify(const struct ike_hdr *rq, const struct sockaddr_storage *local,
		 const struct sockaddr_storage *peer, uint16_t type,
		 const uint8_t *data, size_t len);

/* cookie.c (RFC 7296 2.6) */
struct cookie_stats {
	uint64_t sent;		/* N(COOKIE) answers */
	uint64_t valid;		/* requests that came back with a good one */
	uint64_t invalid;	/* with a wrong or stale one */
};

/*
 * Whether IKE_SA_INIT request @p from @peer may create a half-open SA: yes
 * below the cookie threshold or with a valid cookie; otherwise it has been
 * answered with a fresh N(COOKIE) (nothing kept) and must go no further.
 */
bool cookie_check(const struct ike_parsed *p,
		  const struct sockaddr_storage *local,
		  const struct sockaddr_storage *peer);
const struct cookie_stats *cookie_stats(void);

/* pace.c: at most initiate-limit IKE SAs of ours half-open at once */
bool pace_may_initiate(void);
void pace_done(const struct ike_sa *sa);
/* Forgets the secrets (cleansed) and the counters. */
void cookie_fini(void);

/* The IKE SA a message belongs to, or NULL. */
struct ike_sa *ike_sa_lookup(const struct ike_hdr *h,
			     const struct sockaddr_storage *peer);

/* frag.c (RFC 7383) */
/* N(IKEV2_FRAGMENTATION_SUPPORTED) into our IKE_SA_INIT request. */
void frag_offer(struct ike_buf *b);
/* The peer's IKE_SA_INIT answer: whether it supports fragmentation. */
void frag_accept(struct ike_sa *sa, const struct ike_parsed *p);
/* Responder: the same, and the notify into our answer if so. */
void frag_answer(struct ike_sa *sa, const struct ike_parsed *p,
		 struct ike_buf *b);
/* Sends a sealed message, as fragments when negotiated and too big. */
int frag_send(struct ike_sa *sa, const uint8_t *msg, size_t len);
/* An SKF message: checked, kept or reassembled; false if not one. */
bool frag_recv(const struct sockaddr_storage *local,
	       const struct sockaddr_storage *peer,
	       const uint8_t *msg, size_t len);
void frag_free(struct ike_sa *sa);

#endif /* _VTUN_IKESA_H */
