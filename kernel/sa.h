/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _VTUN_SA_H
#define _VTUN_SA_H

#include <linux/refcount.h>
#include <linux/netdevice.h>
#include <linux/spinlock.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <crypto/aead.h>
#include <crypto/hash.h>

#include "counters.h"
#include "lifetime.h"
#include "replay.h"
#include "selector.h"

struct vtun_dev;
struct netlink_ext_ack;

enum vtun_sa_counter {
	VTUN_SA_PACKETS,
	VTUN_SA_BYTES,
	VTUN_SA_REPLAY,
	VTUN_SA_TOO_OLD,
	VTUN_SA_AUTH_FAILED,
	VTUN_SA_BAD_TRAILER,
	VTUN_SA_COUNTER_MAX
};

struct vtun_sa {
	struct hlist_node spi_node;	/* namespace SPI table */
	struct list_head dev_node;	/* the device's SAs, under RTNL */
	struct vtun_dev *vd;
	netdevice_tracker dev_tracker;
	refcount_t refcnt;
	/* Freed in process context after a grace period. */
	struct rcu_work free_work;

	__be32 spi;
	u8 dir;
	u8 proto;
	bool esn;
	bool ah_align8;		/* AH over IPv4: pad the ICV to 8 bytes */
	bool standby;		/* outbound: not to carry traffic yet */

	struct crypto_aead *aead;
	struct crypto_ahash *ahash;	/* AH */
	u8 ivlen;
	u8 icvlen;		/* AH: the truncated ICV, without padding */
	u8 blocksize;		/* padding alignment, at least 4 */

	atomic64_t seq;		/* outbound: last sequence number sent */
	spinlock_t replay_lock;	/* inbound: serializes window updates */
	struct vtun_replay replay;

	struct vtun_counters __percpu *stats;

	/* Proxy ID whose traffic the SA carries (0: default pair). */
	u16 proxy_id;
	struct vtun_sel sel;	/* its selector, copied at bind time */

	/* For reports only: names and lengths, never keys. */
	char aead_alg[64];
	char enc_alg[64];
	char auth_alg[64];
	u32 icv_bits;
	u32 auth_trunc_bits;

	struct vtun_sa_lt lt;	/* lifetime limits and times */
};

struct vtun_sa *vtun_sa_lookup_in(struct net *net, __be32 spi, u8 proto);
bool vtun_sa_sent_to(struct net *net, __be32 spi, u8 proto,
		     sa_family_t family, const void *daddr);
struct vtun_sa *vtun_sa_get_out(struct vtun_dev *vd);
void vtun_sa_put(struct vtun_sa *sa);
void vtun_sa_count(struct vtun_sa *sa, enum vtun_sa_counter c, u64 n);
void vtun_sa_flush(struct vtun_dev *vd);
void vtun_sa_flush_proxy_id(struct vtun_dev *vd, u16 id);

struct vtun_params;
int vtun_sa_check_encap(struct vtun_dev *vd, const struct vtun_params *p,
			struct netlink_ext_ack *extack);

/* What a new SA is, before its transform. */
struct vtun_sa_cfg {
	__be32 spi;
	u8 dir;
	u8 proto;
	bool esn;
	bool standby;
	u32 replay_window;	/* valid (vtun_replay_window_valid()) */
	u64 seq;		/* above 2^32-1 only with esn */
	struct vtun_lifetime lt;
};

/* Which part of a request an SA operation refused. */
enum vtun_sa_field {
	VTUN_SA_FIELD_NONE,
	VTUN_SA_FIELD_SPI,
	VTUN_SA_FIELD_PROTO,
	VTUN_SA_FIELD_PROXY_ID,
};

struct vtun_sa *vtun_sa_alloc(struct vtun_dev *vd, const struct vtun_sa_cfg *c);
/* Under RTNL. */
int vtun_sa_add(struct vtun_sa *sa, u16 proxy_id,
		struct netlink_ext_ack *extack, enum vtun_sa_field *bad);
struct vtun_sa *vtun_sa_find(struct vtun_dev *vd, u8 dir, __be32 spi);
void vtun_sa_delete(struct vtun_sa *sa);
void vtun_sa_set_active(struct vtun_sa *sa, bool active);
bool vtun_sa_spi_in_use(struct net *net, __be32 spi);
void vtun_sa_expire(struct vtun_dev *vd, u64 now, u64 *next);

int vtun_sa_init(void);
void vtun_sa_exit(void);

#endif /* _VTUN_SA_H */
