// SPDX-License-Identifier: GPL-2.0
/*
 * The IKEv2 engine between two instances in one process: fake daemon
 * services (a virtual clock, timers, an in-memory network that can drop,
 * duplicate or corrupt datagrams) and a fake kernel that records SAs.
 *
 *	engine_test [-v]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "ikesa.h"
#include "ikev2.h"
#include "msg.h"
#include "fake_services.h"

static int verbose;
static int failures, checks;

#define CHECK(cond, ...) do {						\
	checks++;							\
	if (!(cond)) {							\
		failures++;						\
		printf("not ok: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

/* ---- two engines -------------------------------------------------------- */

struct kern_sa {
	struct iked_kernel_sa sa;
	uint8_t enc[64], auth[64];
	char aead[48], enc_alg[48], auth_alg[48];
};

struct node {
	const char *name;
	struct ike_engine *eng;
	struct sockaddr_storage addr;
	struct kern_sa ksa[64];
	int n_ksa;
	uint32_t next_spi;
	int fail_sa_add;
	bool busy;			/* inbound SAs in use (last-used) */
	struct iked_kernel_path path;	/* last iked_kernel_path_set() */
	int n_path;
	struct sockaddr_storage peer_set;	/* last iked_kernel_peer_set() */
	uint32_t peer_set_spi;
	int n_peer_set;
	char log[16384];
	size_t log_len;
};

static struct node A = { .name = "A" }, B = { .name = "B" };
static struct node *cur;

static void use(struct node *n)
{
	if (cur != n) {
		ike_engine_switch(n->eng);
		cur = n;
		fake_timer_owner = n;
	}
}

/* ---- fake daemon services ----------------------------------------------- */

static uint64_t now;

void iked_log(int level, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (verbose || level <= LOG_ERR)
		printf("  [%6llu %s] %s\n", (unsigned long long)now,
		       cur ? cur->name : "-", line);
	if (cur && cur->log_len + strlen(line) + 2 < sizeof(cur->log)) {
		memcpy(cur->log + cur->log_len, line, strlen(line));
		cur->log_len += strlen(line);
		cur->log[cur->log_len++] = '\n';
		cur->log[cur->log_len] = 0;
	}
}

uint64_t iked_now_ms(void)
{
	return now;
}

/* ---- network ------------------------------------------------------------ */

struct dgram {
	struct node *from, *to;
	struct sockaddr_storage src, dst;
	uint8_t *data;
	size_t len;
};

#define QUEUE_MAX 64
static struct dgram queue[QUEUE_MAX];
static int n_queue;

/* Every datagram sent, for assertions: exchange, flags, first notify. */
struct sent {
	struct node *from;
	uint8_t exch, flags;
	uint32_t msgid;
	uint16_t notify;	/* unencrypted messages only */
	uint8_t first;		/* first payload */
	size_t len;
};
static struct sent sent[512];
static int n_sent;

/*
 * A NAT in front of A (when on): what A sends leaves from nat.pub, port
 * nat.base (A's port 500) or nat.base + 1 (A's 4500); what reaches those
 * goes to A, anything for another port of nat.pub is dropped. Changing
 * nat.base is a mapping change.
 */
static struct {
	bool on;
	struct sockaddr_storage pub;
	uint16_t base;
} nat;

/* Test hook: return 0 to deliver, 1 to drop, 2 to deliver twice. */
static int (*filter)(const struct dgram *d, int index);

static struct node *node_at(const struct sockaddr_storage *a)
{
	const struct sockaddr_in *x = (const void *)a;
	const struct sockaddr_in *ya = (const void *)&A.addr;
	const struct sockaddr_in *yb = (const void *)&B.addr;

	if (x->sin_addr.s_addr == ya->sin_addr.s_addr)
		return &A;
	if (x->sin_addr.s_addr == yb->sin_addr.s_addr)
		return &B;
	if (nat.on && addr_eq(a, &nat.pub) &&
	    (addr_port(a) == nat.base || addr_port(a) == nat.base + 1))
		return &A;
	return NULL;
}

int iked_send(const struct sockaddr_storage *local,
	      const struct sockaddr_storage *peer,
	      const uint8_t *msg, size_t len)
{
	struct dgram *d;
	struct ike_parsed p;

	if (n_sent < (int)(sizeof(sent) / sizeof(sent[0]))) {
		struct sent *s = &sent[n_sent++];

		memset(s, 0, sizeof(*s));
		s->from = cur;
		s->len = len;
		if (len >= IKEV2_HDR_LEN) {
			s->exch = msg[18];
			s->flags = msg[19];
			s->msgid = (uint32_t)msg[20] << 24 | msg[21] << 16 |
				   msg[22] << 8 | msg[23];
			s->first = msg[16];
		}
		if (!msg_parse(&p, msg, len) && p.n_notify)
			s->notify = p.notify[0].type;
		msg_parsed_free(&p);
	}
	if (n_queue == QUEUE_MAX)
		return -ENOBUFS;
	d = &queue[n_queue++];
	d->from = cur;
	d->to = node_at(peer);
	d->src = local->ss_family ? *local : cur->addr;
	d->dst = *peer;
	if (nat.on && cur == &A) {
		uint16_t sport = addr_port(&d->src);

		d->src = nat.pub;
		addr_set_port(&d->src, nat.base + (sport == IKEV2_NATT_PORT));
	}
	if (nat.on && d->to == &A && addr_eq(&d->dst, &nat.pub)) {
		uint16_t dport = addr_port(&d->dst);

		d->dst = A.addr;
		addr_set_port(&d->dst, dport == nat.base ? IKEV2_PORT :
			      IKEV2_NATT_PORT);
	}
	d->data = malloc(len);
	memcpy(d->data, msg, len);
	d->len = len;
	return 0;
}

/* ---- fake kernel -------------------------------------------------------- */

/* Every kernel SA operation in order: 'a'dd, 'd'elete, 's'witch. */
struct kop {
	struct node *n;
	char op;
	bool out, standby;
	uint32_t spi;
};
static struct kop kops[1024];
static int n_kops;

static void kop(char op, bool out, uint32_t spi, bool standby)
{
	if (n_kops < (int)(sizeof(kops) / sizeof(kops[0])))
		kops[n_kops++] = (struct kop){ cur, op, out, standby, spi };
}

static int kern_spi_alloc(int ifindex, uint32_t *spi)
{
	(void)ifindex;
	*spi = cur->next_spi++;
	return 0;
}

static void copy_str(char *dst, const char *src, size_t n)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/*
 * Every key given to the kernel, and free() of the engine's objects
 * (linked with --wrap=free) looking for them: memory that held a key is
 * cleansed before it is freed.
 */
#define KEYS_SEEN 512
static uint8_t keys_seen[KEYS_SEEN][16];
static int n_keys_seen, key_leaks;

static void key_seen(const uint8_t *key, size_t len)
{
	if (len >= 16)
		memcpy(keys_seen[n_keys_seen++ % KEYS_SEEN], key, 16);
}

void __real_free(void *p);
void __wrap_free(void *p);
void __wrap_free(void *p)
{
	size_t n = p ? malloc_usable_size(p) : 0;
	int i, k = n_keys_seen < KEYS_SEEN ? n_keys_seen : KEYS_SEEN;

	for (i = 0; i < k && n >= 16; i++)
		if (memmem(p, n, keys_seen[i], 16))
			key_leaks++;
	__real_free(p);
}

static int kern_sa_add(const struct iked_kernel_sa *sa)
{
	struct kern_sa *k;

	if (cur->fail_sa_add)
		return -EINVAL;
	if (cur->n_ksa == 64)
		return -ENOSPC;
	key_seen(sa->enc_key, sa->enc_key_len);
	key_seen(sa->auth_key, sa->auth_key_len);
	k = &cur->ksa[cur->n_ksa++];
	k->sa = *sa;
	kop('a', sa->out, sa->spi, sa->standby);
	if (sa->enc_key_len)
		memcpy(k->enc, sa->enc_key, sa->enc_key_len);
	if (sa->auth_key_len)
		memcpy(k->auth, sa->auth_key, sa->auth_key_len);
	copy_str(k->aead, sa->aead_alg, sizeof(k->aead));
	copy_str(k->enc_alg, sa->enc_alg, sizeof(k->enc_alg));
	copy_str(k->auth_alg, sa->auth_alg, sizeof(k->auth_alg));
	k->sa.enc_key = k->enc;
	k->sa.auth_key = k->auth;
	k->sa.aead_alg = k->aead;
	k->sa.enc_alg = k->enc_alg;
	k->sa.auth_alg = k->auth_alg;
	return 0;
}

static int kern_sa_del(int ifindex, bool out, uint32_t spi)
{
	int i;

	for (i = 0; i < cur->n_ksa; i++)
		if (cur->ksa[i].sa.ifindex == ifindex &&
		    cur->ksa[i].sa.out == out && cur->ksa[i].sa.spi == spi) {
			cur->ksa[i] = cur->ksa[--cur->n_ksa];
			kop('d', out, spi, false);
			return 0;
		}
	return -ENOENT;
}

/* Like vtun: the proxy ID's other outbound SAs become standby. */
static int kern_sa_activate(int ifindex, uint32_t spi)
{
	struct kern_sa *k = NULL;
	int i;

	for (i = 0; i < cur->n_ksa; i++)
		if (cur->ksa[i].sa.ifindex == ifindex && cur->ksa[i].sa.out &&
		    cur->ksa[i].sa.spi == spi)
			k = &cur->ksa[i];
	if (!k)
		return -ENOENT;
	for (i = 0; i < cur->n_ksa; i++)
		if (cur->ksa[i].sa.ifindex == ifindex && cur->ksa[i].sa.out &&
		    cur->ksa[i].sa.proxy_id == k->sa.proxy_id)
			cur->ksa[i].sa.standby = true;
	k->sa.standby = false;
	kop('s', true, spi, false);
	return 0;
}

static int kern_sa_last_used(int ifindex, bool out, uint32_t spi,
			     uint64_t *when)
{
	(void)ifindex;
	(void)out;
	(void)spi;
	/* a busy tunnel: its inbound SAs carried a packet just now */
	*when = cur->busy ? (uint64_t)time(NULL) : 0;
	return 0;
}

static int kern_path_set(const struct iked_kernel_path *p)
{
	cur->path = *p;
	cur->n_path++;
	return 0;
}

static int kern_peer_set(int ifindex, uint32_t spi_out,
			 const struct sockaddr_storage *peer, bool encap)
{
	(void)ifindex;
	(void)encap;
	cur->peer_set = *peer;
	cur->peer_set_spi = spi_out;
	cur->n_peer_set++;
	return 0;
}

static const struct fake_kernel_ops fake_kernel = {
	.spi_alloc = kern_spi_alloc,
	.sa_add = kern_sa_add,
	.sa_del = kern_sa_del,
	.sa_activate = kern_sa_activate,
	.sa_last_used = kern_sa_last_used,
	.path_set = kern_path_set,
	.peer_set = kern_peer_set,
};

static struct kern_sa *ksa_find(struct node *n, bool out, uint32_t spi)
{
	int i;

	for (i = 0; i < n->n_ksa; i++)
		if (n->ksa[i].sa.out == out && n->ksa[i].sa.spi == spi)
			return &n->ksa[i];
	return NULL;
}

/* ---- the loop ----------------------------------------------------------- */

static int delivered;

/* Delivers queued datagrams; advances the clock to the next timer when the
 * network is quiet. Stops at @until or when nothing is left to do. */
static void run(uint64_t until)
{
	for (;;) {
		if (n_queue) {
			struct dgram d = queue[0];
			int act = filter ? filter(&d, delivered) : 0;

			memmove(queue, queue + 1, (size_t)--n_queue *
				sizeof(queue[0]));
			delivered++;
			if (act != 1 && d.to) {
				use(d.to);
				ike_recv(&d.dst, &d.src, d.data, d.len);
				if (act == 2)
					ike_recv(&d.dst, &d.src, d.data, d.len);
			}
			free(d.data);
			continue;
		}
		{
			int slot = fake_timer_next(until);
			struct iked_timer *t;
			void *owner;

			if (slot < 0)
				return;
			if (fake_timers[slot].t->when > now)
				now = fake_timers[slot].t->when;
			t = fake_timer_take(slot, &owner);
			use(owner);
			t->fn(t);
		}
	}
}

/* ---- configuration ------------------------------------------------------ */

struct conf {
	struct iked_config c;
	struct iked_ike_profile ike;
	struct iked_ipsec_profile ipsec;
	struct iked_gateway gw;
	struct iked_tunnel tun;
	struct iked_ike_profile *ikes[1];
	struct iked_ipsec_profile *ipsecs[1];
	struct iked_gateway *gws[1];
	struct iked_tunnel *tuns[1];
};

static struct conf ca, cb;

static void conf_default(struct conf *k, const char *local, const char *peer,
			 int ifindex, enum iked_start start)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->ike.name, sizeof(k->ike.name), "ike");
	k->ike.encr[0] = (struct iked_xform){ IKEV2_ENCR_AES_GCM_16, 256 };
	k->ike.encr[1] = (struct iked_xform){ IKEV2_ENCR_AES_CBC, 128 };
	k->ike.n_encr = 2;
	k->ike.integ[0] = IKEV2_AUTH_HMAC_SHA2_256_128;
	k->ike.n_integ = 1;
	k->ike.prf[0] = IKEV2_PRF_HMAC_SHA2_256;
	k->ike.n_prf = 1;
	k->ike.dh[0] = IKEV2_DH_ECP_256;
	k->ike.dh[1] = IKEV2_DH_MODP_2048;
	k->ike.n_dh = 2;
	k->ike.lifetime = 28800;

	snprintf(k->ipsec.name, sizeof(k->ipsec.name), "esp");
	k->ipsec.protocol = IKEV2_PROTO_ESP;
	k->ipsec.encr[0] = (struct iked_xform){ IKEV2_ENCR_AES_GCM_16, 128 };
	k->ipsec.n_encr = 1;
	k->ipsec.esn = IKED_ESN_BOTH;
	k->ipsec.lifetime = 3600;

	snprintf(k->gw.name, sizeof(k->gw.name), "gw");
	fake_addr4(&k->gw.local, local, 500);
	fake_addr4(&k->gw.peer, peer, 500);
	k->gw.auth = IKED_AUTH_PSK;
	memcpy(k->gw.psk, "secret-psk-of-the-test", 22);
	k->gw.psk_len = 22;
	k->gw.ike = &k->ike;

	snprintf(k->tun.name, sizeof(k->tun.name), "t%d", ifindex);
	snprintf(k->tun.dev, sizeof(k->tun.dev), "vtun%d", ifindex);
	k->tun.gw = &k->gw;
	k->tun.ipsec = &k->ipsec;
	k->tun.replay_window = 1024;
	k->tun.start = start;
	k->tun.ifindex = ifindex;

	k->ikes[0] = &k->ike;
	k->ipsecs[0] = &k->ipsec;
	k->gws[0] = &k->gw;
	k->tuns[0] = &k->tun;
	k->c.ike = k->ikes;
	k->c.n_ike = 1;
	k->c.ipsec = k->ipsecs;
	k->c.n_ipsec = 1;
	k->c.gw = k->gws;
	k->c.n_gw = 1;
	k->c.tun = k->tuns;
	k->c.n_tun = 1;
}

static void reset(void)
{
	int i;

	for (i = 0; i < n_queue; i++)
		free(queue[i].data);
	n_queue = 0;
	n_sent = 0;
	n_kops = 0;
	delivered = 0;
	filter = NULL;
	nat.on = false;
	conf_default(&ca, "192.0.2.1", "192.0.2.2", 10, IKED_START_NONE);
	conf_default(&cb, "192.0.2.2", "192.0.2.1", 20, IKED_START_NONE);
	cb.gw.peer.ss_family = AF_UNSPEC;	/* responder: any peer */
}

/* Starts both engines on the configurations as they are now. */
static void start(void)
{
	int i;

	fake_timers_clear();
	for (i = 0; i < 2; i++) {
		struct node *n = i ? &B : &A;

		if (!n->eng)
			n->eng = calloc(1, sizeof(*n->eng));
		use(n);
		memset(ike_drops, 0, sizeof(ike_drops));
		n->n_ksa = 0;
		n->next_spi = i ? 0xb0000001 : 0xa0000001;
		n->fail_sa_add = 0;
		n->busy = false;
		n->n_path = 0;
		n->n_peer_set = 0;
		n->log_len = 0;
		n->log[0] = 0;
		ike_engine_init(i ? &cb.c : &ca.c);
	}
	fake_addr4(&A.addr, "192.0.2.1", 500);
	fake_addr4(&B.addr, "192.0.2.2", 500);
	run(now);	/* start timers */
}

static void stop(void)
{
	use(&A);
	ike_engine_fini();
	use(&B);
	ike_engine_fini();
	run(now);
	reset();
}

/* ---- views -------------------------------------------------------------- */

struct view {
	int n;
	struct ike_sa_info sa;
	struct ike_child_info child[8];
};

static int collect(const struct ike_sa_info *sa, void *arg)
{
	struct view *v = arg;

	if (!v->n) {
		int i;

		v->sa = *sa;
		for (i = 0; i < sa->n_child && i < 8; i++)
			v->child[i] = sa->child[i];
	}
	v->n++;
	return 0;
}

static struct view view(struct node *n)
{
	struct view v = { 0 };

	use(n);
	ike_foreach_sa(collect, &v);
	return v;
}

static uint64_t drops(struct node *n, enum ike_drop why)
{
	use(n);
	return ike_drops[why];
}

static uint64_t drops_all(struct node *n)
{
	uint64_t s = 0;
	int i;

	use(n);
	for (i = 0; i < IKE_DROP_MAX; i++)
		s += ike_drops[i];
	return s;
}

static int count_sent(struct node *from, uint8_t exch, bool response)
{
	int i, k = 0;

	for (i = 0; i < n_sent; i++)
		if (sent[i].from == from && sent[i].exch == exch &&
		    !!(sent[i].flags & IKEV2_FLAG_RESPONSE) == response)
			k++;
	return k;
}

static bool sent_notify(struct node *from, uint16_t type)
{
	int i;

	for (i = 0; i < n_sent; i++)
		if (sent[i].from == from && sent[i].notify == type)
			return true;
	return false;
}

/* Both kernels hold matching SAs: A's outbound is B's inbound, same keys. */
static void check_pair(uint32_t proxy_id)
{
	int i, pairs = 0;

	for (i = 0; i < A.n_ksa; i++) {
		struct kern_sa *a = &A.ksa[i], *b;

		if (a->sa.proxy_id != proxy_id)
			continue;
		b = ksa_find(&B, !a->sa.out, a->sa.spi);
		CHECK(b, "A %s SPI 0x%08x has no peer in B",
		      a->sa.out ? "out" : "in", a->sa.spi);
		if (!b)
			continue;
		pairs++;
		CHECK(a->sa.enc_key_len == b->sa.enc_key_len &&
		      !memcmp(a->enc, b->enc, a->sa.enc_key_len),
		      "encryption keys differ");
		CHECK(a->sa.auth_key_len == b->sa.auth_key_len &&
		      !memcmp(a->auth, b->auth, a->sa.auth_key_len),
		      "integrity keys differ");
		CHECK(!strcmp(a->aead, b->aead) &&
		      !strcmp(a->enc_alg, b->enc_alg) &&
		      !strcmp(a->auth_alg, b->auth_alg), "algorithms differ");
		CHECK(a->sa.esn == b->sa.esn, "ESN differs");
		CHECK(b->sa.proxy_id == proxy_id, "proxy ID %u vs %u",
		      b->sa.proxy_id, proxy_id);
	}
	CHECK(pairs == 2, "%d SA pairs for proxy ID %u", pairs, proxy_id);
}

/* The in and out SAs of one side use different keys (directions). */
static void check_directions(struct node *n)
{
	int i, j;

	for (i = 0; i < n->n_ksa; i++)
		for (j = 0; j < n->n_ksa; j++)
			if (n->ksa[i].sa.out && !n->ksa[j].sa.out &&
			    n->ksa[i].sa.proxy_id == n->ksa[j].sa.proxy_id)
				CHECK(memcmp(n->ksa[i].enc, n->ksa[j].enc,
					     n->ksa[i].sa.enc_key_len),
				      "%s: same key both ways", n->name);
}

/* ---- tests -------------------------------------------------------------- */

static void test_psk(void)
{
	struct view va, vb;

	printf("# PSK: initiator and responder establish\n");
	start();
	use(&A);
	CHECK(ike_tunnel_up(&ca.tun) == 0, "tunnel up");
	run(now + 1000);
	va = view(&A);
	vb = view(&B);
	CHECK(va.n == 1 && !strcmp(va.sa.state, "established"), "A: %d %s",
	      va.n, va.n ? va.sa.state : "-");
	CHECK(vb.n == 1 && !strcmp(vb.sa.state, "established"), "B: %d %s",
	      vb.n, vb.n ? vb.sa.state : "-");
	CHECK(va.sa.initiator && !vb.sa.initiator, "roles");
	CHECK(va.sa.spi_i == vb.sa.spi_i && va.sa.spi_r == vb.sa.spi_r &&
	      va.sa.spi_r, "IKE SPIs %llx/%llx vs %llx/%llx",
	      (unsigned long long)va.sa.spi_i, (unsigned long long)va.sa.spi_r,
	      (unsigned long long)vb.sa.spi_i, (unsigned long long)vb.sa.spi_r);
	CHECK(!strcmp(va.sa.encr, "aes-gcm-16-256") &&
	      !strcmp(vb.sa.encr, va.sa.encr), "IKE encr %s/%s", va.sa.encr,
	      vb.sa.encr);
	CHECK(!strcmp(va.sa.dh, vb.sa.dh) && va.sa.dh[0], "dh %s/%s",
	      va.sa.dh, vb.sa.dh);
	CHECK(!strcmp(va.sa.peer_id, "192.0.2.2") &&
	      !strcmp(vb.sa.peer_id, "192.0.2.1"), "IDs %s %s",
	      va.sa.peer_id, vb.sa.peer_id);
	CHECK(A.n_ksa == 2 && B.n_ksa == 2, "kernel SAs %d %d", A.n_ksa,
	      B.n_ksa);
	/* inbound installed first */
	CHECK(A.n_ksa == 2 && !A.ksa[0].sa.out && A.ksa[1].sa.out,
	      "A: inbound first");
	CHECK(B.n_ksa == 2 && !B.ksa[0].sa.out && B.ksa[1].sa.out,
	      "B: inbound first");
	check_pair(0);
	check_directions(&A);
	CHECK(A.n_ksa == 2 && !strcmp(A.ksa[0].aead, "rfc4106(gcm(aes))") &&
	      A.ksa[0].sa.enc_key_len == 20 && A.ksa[0].sa.icv_bits == 128,
	      "ESP AES-GCM-16-128: %s %zu", A.ksa[0].aead,
	      A.ksa[0].sa.enc_key_len);
	CHECK(A.n_ksa == 2 && A.ksa[0].sa.esn, "ESN yes preferred");
	CHECK(A.n_ksa == 2 && A.ksa[0].sa.replay_window == 1024 &&
	      A.ksa[0].sa.ifindex == 10 && B.ksa[0].sa.ifindex == 20,
	      "window, ifindex");
	CHECK(va.sa.n_child == 1 && vb.sa.n_child == 1 &&
	      va.child[0].spi_in == vb.child[0].spi_out &&
	      va.child[0].spi_out == vb.child[0].spi_in, "child views");
	CHECK(va.sa.n_child == 1 &&
	      !strcmp(va.child[0].local_ts, "0.0.0.0/0,::/0") &&
	      !strcmp(va.child[0].remote_ts, "0.0.0.0/0,::/0"),
	      "route-based TS: %s | %s", va.child[0].local_ts,
	      va.child[0].remote_ts);
	CHECK(count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false) == 1 &&
	      count_sent(&A, IKEV2_EXCH_IKE_AUTH, false) == 1,
	      "one request each");
	CHECK(drops_all(&A) == 0 && drops_all(&B) == 0, "no drops");
	CHECK(ike_tunnel_up(&ca.tun) == 0 && view(&A).n == 1,
	      "up again: nothing new");
	stop();
}

static void test_wrong_psk(void)
{
	struct view va, vb;

	printf("# wrong PSK: AUTHENTICATION_FAILED, nothing installed\n");
	memcpy(cb.gw.psk, "another-psk", 11);
	cb.gw.psk_len = 11;
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	va = view(&A);
	vb = view(&B);
	CHECK(A.n_ksa == 0 && B.n_ksa == 0, "kernel SAs %d %d", A.n_ksa,
	      B.n_ksa);
	CHECK(va.n == 0 && vb.n == 0, "no IKE SA shown: %d %d", va.n, vb.n);
	CHECK(strstr(B.log, "authentication failed") != NULL, "B logs it");
	CHECK(strstr(A.log, "AUTHENTICATION_FAILED") != NULL,
	      "A got AUTHENTICATION_FAILED: %s", A.log);
	stop();
}

static void test_no_proposal(void)
{
	printf("# no common proposal: NO_PROPOSAL_CHOSEN\n");
	cb.ike.encr[0] = (struct iked_xform){ IKEV2_ENCR_CHACHA20_POLY1305, 0 };
	cb.ike.n_encr = 1;
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(sent_notify(&B, IKEV2_N_NO_PROPOSAL_CHOSEN), "on the wire");
	CHECK(strstr(A.log, "NO_PROPOSAL_CHOSEN") != NULL, "A: %s", A.log);
	CHECK(view(&A).n == 0 && view(&B).n == 0, "no SAs");
	CHECK(A.n_ksa == 0 && B.n_ksa == 0, "no kernel SAs");
	stop();

	printf("# no common ESP proposal: IKE SA up, no CHILD SA\n");
	cb.ipsec.encr[0] = (struct iked_xform){ IKEV2_ENCR_AES_CBC, 256 };
	cb.ipsec.integ[0] = IKEV2_AUTH_HMAC_SHA2_256_128;
	cb.ipsec.n_integ = 1;
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(strstr(A.log, "NO_PROPOSAL_CHOSEN") != NULL, "A: %s", A.log);
	CHECK(A.n_ksa == 0 && B.n_ksa == 0, "no kernel SAs");
	CHECK(view(&A).n == 0 && view(&B).n == 0, "IKE SA deleted by A");
	stop();
}

static void test_invalid_ke(void)
{
	struct view va;

	printf("# INVALID_KE_PAYLOAD: the initiator retries with the group\n");
	cb.ike.dh[0] = IKEV2_DH_MODP_2048;
	cb.ike.n_dh = 1;
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	va = view(&A);
	CHECK(sent_notify(&B, IKEV2_N_INVALID_KE_PAYLOAD), "on the wire");
	CHECK(count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false) == 2,
	      "two IKE_SA_INIT requests: %d",
	      count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false));
	CHECK(va.n == 1 && !strcmp(va.sa.state, "established") &&
	      !strcmp(va.sa.dh, "modp2048"), "established with %s",
	      va.sa.dh);
	check_pair(0);
	stop();

	printf("# INVALID_KE_PAYLOAD for a group not offered: fails\n");
	cb.ike.dh[0] = IKEV2_DH_MODP_3072;
	cb.ike.n_dh = 1;
	ca.ike.n_dh = 1;
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(sent_notify(&B, IKEV2_N_NO_PROPOSAL_CHOSEN), "B: no proposal");
	CHECK(view(&A).n == 0 && A.n_ksa == 0, "A failed");
	stop();

	printf("# responder accepts the KE group when it is acceptable\n");
	cb.ike.dh[0] = IKEV2_DH_MODP_2048;
	cb.ike.dh[1] = IKEV2_DH_ECP_256;
	cb.ike.n_dh = 2;
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false) == 1,
	      "one IKE_SA_INIT");
	CHECK(!strcmp(view(&B).sa.dh, "ecp256"), "ecp256: %s",
	      view(&B).sa.dh);
	stop();
}

static void test_delete(void)
{
	printf("# DELETE from the initiator\n");
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(A.n_ksa == 2 && B.n_ksa == 2, "up");
	use(&A);
	CHECK(ike_tunnel_down(&ca.tun) == 0, "down");
	CHECK(A.n_ksa == 0, "A's kernel SAs removed at once");
	run(now + 1000);
	CHECK(B.n_ksa == 0 && view(&B).n == 0, "B removed its SAs: %d %d",
	      B.n_ksa, view(&B).n);
	CHECK(view(&A).n == 0, "A's IKE SA gone after the answer");
	CHECK(count_sent(&B, IKEV2_EXCH_INFORMATIONAL, true) == 1,
	      "answered");
	stop();

	printf("# DELETE from the responder\n");
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	use(&B);
	CHECK(ike_tunnel_down(&cb.tun) == 0, "down on B");
	run(now + 1000);
	CHECK(A.n_ksa == 0 && B.n_ksa == 0 && view(&A).n == 0 &&
	      view(&B).n == 0, "all gone");
	stop();

	printf("# hard expiry of a CHILD SA: DELETE of that CHILD SA\n");
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	use(&A);
	ike_expire(10, false, A.ksa[0].sa.spi, true);
	run(now + 1000);
	CHECK(A.n_ksa == 0 && B.n_ksa == 0, "CHILD SAs gone: %d %d",
	      A.n_ksa, B.n_ksa);
	CHECK(view(&A).n == 1 && view(&B).n == 1 &&
	      !strcmp(view(&B).sa.state, "established"), "IKE SA stays");
	stop();
}

static int drop_first_auth(const struct dgram *d, int i)
{
	static int dropped;

	if (i == 0)
		dropped = 0;
	if (d->len > 18 && d->data[18] == IKEV2_EXCH_IKE_AUTH &&
	    !(d->data[19] & IKEV2_FLAG_RESPONSE) && !dropped) {
		dropped = 1;
		return 1;
	}
	return 0;
}

static int drop_auth_response(const struct dgram *d, int i)
{
	static int dropped;

	if (i == 0)
		dropped = 0;
	if (d->len > 18 && d->data[18] == IKEV2_EXCH_IKE_AUTH &&
	    (d->data[19] & IKEV2_FLAG_RESPONSE) && !dropped) {
		dropped = 1;
		return 1;
	}
	return 0;
}

static int dup_auth(const struct dgram *d, int i)
{
	(void)i;
	if (d->len > 18 && d->data[18] == IKEV2_EXCH_IKE_AUTH &&
	    !(d->data[19] & IKEV2_FLAG_RESPONSE))
		return 2;
	return 0;
}

static int dup_init(const struct dgram *d, int i)
{
	(void)i;
	if (d->len > 18 && d->data[18] == IKEV2_EXCH_IKE_SA_INIT &&
	    !(d->data[19] & IKEV2_FLAG_RESPONSE))
		return 2;
	return 0;
}

static int drop_from_a(const struct dgram *d, int i)
{
	(void)i;
	return d->from == &A;
}

static int drop_from_b(const struct dgram *d, int i)
{
	(void)i;
	return d->from == &B;
}

static void test_retransmit(void)
{
	uint64_t t0;
	int i, k;

	printf("# a lost request is retransmitted after 4 s\n");
	start();
	filter = drop_first_auth;
	use(&A);
	t0 = now;
	ike_tunnel_up(&ca.tun);
	run(now + 3999);
	CHECK(view(&A).n == 1 && strcmp(view(&A).sa.state, "established"),
	      "not yet");
	run(now + 10000);
	CHECK(!strcmp(view(&A).sa.state, "established") && A.n_ksa == 2 &&
	      B.n_ksa == 2, "established after the retransmission");
	CHECK(count_sent(&A, IKEV2_EXCH_IKE_AUTH, false) == 2,
	      "two IKE_AUTH requests");
	CHECK(now - t0 == 4000, "retransmitted at %llu ms",
	      (unsigned long long)(now - t0));
	check_pair(0);
	stop();

	printf("# a lost response: the cached response is resent\n");
	start();
	filter = drop_auth_response;
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 10000);
	CHECK(!strcmp(view(&A).sa.state, "established") && A.n_ksa == 2 &&
	      B.n_ksa == 2, "established");
	CHECK(count_sent(&B, IKEV2_EXCH_IKE_AUTH, true) == 2,
	      "B answered twice");
	CHECK(B.n_ksa == 2, "B installed once");
	{
		int first = -1, second = -1;

		for (i = 0; i < n_sent; i++)
			if (sent[i].from == &B &&
			    sent[i].exch == IKEV2_EXCH_IKE_AUTH)
				{
				if (first < 0)
					first = i;
				else
					second = i;
			}
		CHECK(first >= 0 && second >= 0 &&
		      sent[first].len == sent[second].len, "same response");
	}
	check_pair(0);
	stop();

	printf("# a duplicated request is answered from the cache\n");
	start();
	filter = dup_auth;
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(!strcmp(view(&A).sa.state, "established"), "established");
	CHECK(count_sent(&B, IKEV2_EXCH_IKE_AUTH, true) == 2,
	      "B answered twice: %d",
	      count_sent(&B, IKEV2_EXCH_IKE_AUTH, true));
	CHECK(B.n_ksa == 2 && A.n_ksa == 2, "one CHILD SA each");
	CHECK(drops(&A, IKE_DROP_MSGID) == 1,
	      "A dropped the second answer: %llu",
	      (unsigned long long)drops(&A, IKE_DROP_MSGID));
	check_pair(0);
	stop();

	printf("# a duplicated IKE_SA_INIT request is answered from the cache\n");
	start();
	filter = dup_init;
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(count_sent(&B, IKEV2_EXCH_IKE_SA_INIT, true) == 2,
	      "B answered twice");
	CHECK(view(&B).n == 1 && B.n_ksa == 2 && A.n_ksa == 2,
	      "one SA: %d", view(&B).n);
	{
		int first = -1, second = -1;

		for (i = 0; i < n_sent; i++)
			if (sent[i].from == &B &&
			    sent[i].exch == IKEV2_EXCH_IKE_SA_INIT) {
				if (first < 0)
					first = i;
				else
					second = i;
			}
		CHECK(first >= 0 && second >= 0 &&
		      sent[first].len == sent[second].len, "same answer");
	}
	stop();

	printf("# no answer: 5 retransmissions with backoff, then give up\n");
	start();
	filter = drop_from_b;
	use(&A);
	t0 = now;
	ike_tunnel_up(&ca.tun);
	run(now + 200000);
	k = count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false);
	CHECK(k == 6, "6 transmissions: %d", k);
	CHECK(view(&A).n == 0, "given up");
	CHECK(strstr(A.log, "not responding") != NULL, "logged");
	stop();
}

/* The backoff schedule, timed send by send. */
static uint64_t send_times[16];
static int n_send_times;
static int record_a_init(const struct dgram *d, int i)
{
	(void)i;
	if (d->from == &A && d->len > 18 &&
	    d->data[18] == IKEV2_EXCH_IKE_SA_INIT && n_send_times < 16)
		send_times[n_send_times++] = now;
	return d->from == &B;
}

static void test_backoff(void)
{
	static const uint64_t want[] = { 0, 4000, 11200, 24160, 47488, 89478 };
	uint64_t t0;
	int i;

	printf("# backoff 4 s * 1.8^n, 165 s in all\n");
	start();
	n_send_times = 0;
	filter = record_a_init;
	use(&A);
	t0 = now;
	ike_tunnel_up(&ca.tun);
	run(now + 200000);
	CHECK(n_send_times == 6, "%d sends", n_send_times);
	for (i = 0; i < n_send_times && i < 6; i++)
		CHECK(send_times[i] - t0 + 1 >= want[i] &&
		      send_times[i] - t0 <= want[i] + 1, "send %d at %llu", i,
		      (unsigned long long)(send_times[i] - t0));
	CHECK(strstr(A.log, "not responding") != NULL, "given up");
	stop();
}

static int drop_child_response(const struct dgram *d, int i)
{
	static int dropped;

	if (i == 0)
		dropped = 0;
	if (d->len > 18 && d->data[18] == IKEV2_EXCH_CREATE_CHILD_SA &&
	    (d->data[19] & IKEV2_FLAG_RESPONSE) && !dropped) {
		dropped = 1;
		return 1;
	}
	return 0;
}

static struct dgram saved;
static int save_auth(const struct dgram *d, int i)
{
	(void)i;
	if (d->len > 18 && d->data[18] == IKEV2_EXCH_IKE_AUTH &&
	    !(d->data[19] & IKEV2_FLAG_RESPONSE) && !saved.data) {
		saved = *d;
		saved.data = malloc(d->len);
		memcpy(saved.data, d->data, d->len);
		return 1;
	}
	return 0;
}

static void inject(struct node *to, const uint8_t *m, size_t len)
{
	struct sockaddr_storage src = to == &B ? A.addr : B.addr;

	use(to);
	ike_recv(&to->addr, &src, m, len);
}

static void test_garbage(void)
{
	uint8_t junk[300], *m;
	uint64_t before;
	size_t i;

	printf("# garbage, truncated and forged messages: counted, ignored\n");
	start();
	filter = save_auth;
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 100);
	CHECK(saved.data != NULL, "IKE_AUTH request captured");
	if (!saved.data) {
		stop();
		return;
	}
	filter = NULL;
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	inject(&B, junk, 10);
	CHECK(drops(&B, IKE_DROP_SHORT) == 1, "short");
	inject(&B, junk, sizeof(junk));
	CHECK(drops_all(&B) == 2, "junk: %llu",
	      (unsigned long long)drops_all(&B));
	/* truncated */
	inject(&B, saved.data, saved.len - 5);
	CHECK(drops_all(&B) == 3, "truncated");
	/* version */
	m = malloc(saved.len);
	memcpy(m, saved.data, saved.len);
	m[17] = 0x30;
	before = drops(&B, IKE_DROP_VERSION);
	inject(&B, m, saved.len);
	CHECK(drops(&B, IKE_DROP_VERSION) == before + 1, "version");
	/* flipped bit in the ciphertext */
	memcpy(m, saved.data, saved.len);
	m[saved.len - 20] ^= 1;
	inject(&B, m, saved.len);
	CHECK(drops(&B, IKE_DROP_INTEGRITY) == 1, "integrity: %llu",
	      (unsigned long long)drops(&B, IKE_DROP_INTEGRITY));
	/* unknown SPI */
	memcpy(m, saved.data, saved.len);
	m[9] ^= 0xff;
	inject(&B, m, saved.len);
	CHECK(drops(&B, IKE_DROP_NO_SA) == 1, "no SA");
	/* future message ID */
	memcpy(m, saved.data, saved.len);
	m[23] = 5;
	inject(&B, m, saved.len);
	CHECK(drops(&B, IKE_DROP_MSGID) == 1, "msgid");
	/* a response the initiator did not ask for */
	memcpy(m, saved.data, saved.len);
	m[19] = IKEV2_FLAG_RESPONSE;
	inject(&A, m, saved.len);
	CHECK(drops_all(&A) == 1, "A: unasked response");
	before = drops_all(&B);
	CHECK(B.n_ksa == 0 && n_queue == 0, "nothing happened");
	CHECK(!strcmp(view(&B).sa.state, "connecting"), "B still waits");
	/* the genuine one still works */
	inject(&B, saved.data, saved.len);
	run(now + 1000);
	CHECK(!strcmp(view(&A).sa.state, "established") && A.n_ksa == 2 &&
	      B.n_ksa == 2, "established after all");
	CHECK(drops_all(&B) == before, "no new drops");
	/* a replay of the request after the window moved on: cached answer */
	inject(&B, saved.data, saved.len);
	CHECK(n_queue == 1 && queue[0].from == &B, "answered from cache");
	run(now + 1000);
	CHECK(B.n_ksa == 2, "nothing new installed");
	free(m);
	free(saved.data);
	saved.data = NULL;
	stop();
}

static void test_critical(void)
{
	struct ike_hdr h = {
		.spi_i = 0x1122334455667788ull,
		.exchange = IKEV2_EXCH_IKE_SA_INIT,
		.flags = IKEV2_FLAG_INITIATOR,
	};
	struct ike_buf b;
	uint8_t x[4] = { 1, 2, 3, 4 };

	printf("# unknown critical payload: UNSUPPORTED_CRITICAL_PAYLOAD\n");
	start();
	msg_init(&b);
	msg_begin(&b, &h);
	msg_add_payload(&b, 200, true);
	msg_put_bytes(&b, x, sizeof(x));
	CHECK(msg_end(&b) == 0, "built");
	inject(&B, b.data, b.len);
	CHECK(n_queue == 1 && sent[n_sent - 1].notify ==
	      IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD, "answered: %u",
	      n_sent ? sent[n_sent - 1].notify : 0);
	CHECK(view(&B).n == 0, "no state");
	msg_free(&b);
	stop();
}

static void test_proxy_ids(void)
{
	struct view va, vb;

	printf("# proxy IDs: IKE_AUTH for the first, CREATE_CHILD_SA (PFS) "
	       "for the others, narrowing\n");
	fake_proxy4(&ca.tun.proxy[0], 1, "10.1.0.0", 16, "10.2.0.0", 16);
	fake_proxy4(&ca.tun.proxy[1], 2, "10.1.1.0", 24, "10.3.0.0", 16);
	fake_proxy4(&ca.tun.proxy[2], 3, "10.1.2.0", 24, "10.4.0.0", 16);
	ca.tun.n_proxy = 3;
	ca.ipsec.dh[0] = IKEV2_DH_ECP_256;
	ca.ipsec.n_dh = 1;
	/* B allows less for the first, more for the second */
	fake_proxy4(&cb.tun.proxy[0], 7, "10.2.5.0", 24, "10.1.0.0", 16);
	fake_proxy4(&cb.tun.proxy[1], 8, "10.3.0.0", 16, "10.0.0.0", 8);
	fake_proxy4(&cb.tun.proxy[2], 9, "10.4.0.0", 16, "10.1.2.0", 24);
	cb.tun.n_proxy = 3;
	cb.ipsec.dh[0] = IKEV2_DH_ECP_256;
	cb.ipsec.n_dh = 1;
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	va = view(&A);
	vb = view(&B);
	CHECK(va.sa.n_child == 3 && vb.sa.n_child == 3, "3 CHILD SAs: %d %d",
	      va.sa.n_child, vb.sa.n_child);
	CHECK(A.n_ksa == 6 && B.n_ksa == 6, "kernel SAs %d %d", A.n_ksa,
	      B.n_ksa);
	CHECK(count_sent(&A, IKEV2_EXCH_CREATE_CHILD_SA, false) == 2,
	      "two CREATE_CHILD_SA");
	{
		int i, narrowed = 0, pfs = 0;

		for (i = 0; i < va.sa.n_child; i++) {
			if (!strcmp(va.child[i].remote_ts, "10.2.5.0/24"))
				narrowed++;
			if (!strcmp(va.child[i].dh, "ecp256"))
				pfs++;
		}
		CHECK(narrowed == 1, "narrowed to 10.2.5.0/24");
		CHECK(pfs == 2, "PFS on CREATE_CHILD_SA: %d", pfs);
	}
	{
		int i, j, ok = 0;

		/* A's proxy n pairs with B's proxy n + 6 */
		for (i = 0; i < A.n_ksa; i++)
			for (j = 0; j < B.n_ksa; j++)
				if (A.ksa[i].sa.spi == B.ksa[j].sa.spi &&
				    A.ksa[i].sa.out != B.ksa[j].sa.out &&
				    B.ksa[j].sa.proxy_id ==
				    A.ksa[i].sa.proxy_id + 6 &&
				    !memcmp(A.ksa[i].enc, B.ksa[j].enc, 20))
					ok++;
		CHECK(ok == 6, "pairs with equal keys: %d", ok);
	}
	stop();

	printf("# down while a CREATE_CHILD_SA is outstanding\n");
	fake_proxy4(&ca.tun.proxy[0], 1, "10.1.0.0", 16, "10.2.0.0", 16);
	fake_proxy4(&ca.tun.proxy[1], 2, "10.1.1.0", 24, "10.3.0.0", 16);
	ca.tun.n_proxy = 2;
	fake_proxy4(&cb.tun.proxy[0], 7, "10.2.0.0", 16, "10.1.0.0", 16);
	fake_proxy4(&cb.tun.proxy[1], 8, "10.3.0.0", 16, "10.1.1.0", 24);
	cb.tun.n_proxy = 2;
	start();
	filter = drop_child_response;
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(A.n_ksa == 2 && B.n_ksa == 4, "first CHILD SA up, second "
	      "waiting: %d %d", A.n_ksa, B.n_ksa);
	use(&A);
	ike_tunnel_down(&ca.tun);
	CHECK(A.n_ksa == 0, "A's kernel SAs gone at once");
	run(now + 30000);
	CHECK(B.n_ksa == 0 && view(&B).n == 0 && view(&A).n == 0,
	      "B's gone after the DELETE: %d", B.n_ksa);
	stop();

	printf("# PFS: INVALID_KE_PAYLOAD in CREATE_CHILD_SA, retried\n");
	fake_proxy4(&ca.tun.proxy[0], 1, "10.1.0.0", 16, "10.2.0.0", 16);
	fake_proxy4(&ca.tun.proxy[1], 2, "10.1.1.0", 24, "10.3.0.0", 16);
	ca.tun.n_proxy = 2;
	ca.ipsec.dh[0] = IKEV2_DH_ECP_256;
	ca.ipsec.dh[1] = IKEV2_DH_MODP_2048;
	ca.ipsec.n_dh = 2;
	fake_proxy4(&cb.tun.proxy[0], 7, "10.2.0.0", 16, "10.1.0.0", 16);
	fake_proxy4(&cb.tun.proxy[1], 8, "10.3.0.0", 16, "10.1.1.0", 24);
	cb.tun.n_proxy = 2;
	cb.ipsec.dh[0] = IKEV2_DH_MODP_2048;
	cb.ipsec.n_dh = 1;
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	va = view(&A);
	CHECK(count_sent(&A, IKEV2_EXCH_CREATE_CHILD_SA, false) == 2,
	      "two CREATE_CHILD_SA requests");
	CHECK(va.sa.n_child == 2 && A.n_ksa == 4 && B.n_ksa == 4,
	      "both CHILD SAs: %d", va.sa.n_child);
	CHECK((va.sa.n_child == 2 && !strcmp(va.child[0].dh, "modp2048")) ||
	      !strcmp(va.child[1].dh, "modp2048"), "PFS with modp2048");
	stop();

	printf("# proxy IDs without PFS: CREATE_CHILD_SA nonces only\n");
	fake_proxy4(&ca.tun.proxy[0], 1, "10.1.0.0", 16, "10.2.0.0", 16);
	fake_proxy4(&ca.tun.proxy[1], 2, "10.1.1.0", 24, "10.3.0.0", 16);
	ca.tun.n_proxy = 2;
	fake_proxy4(&cb.tun.proxy[0], 1, "10.2.0.0", 16, "10.1.0.0", 16);
	fake_proxy4(&cb.tun.proxy[1], 2, "10.3.0.0", 16, "10.1.1.0", 24);
	cb.tun.n_proxy = 2;
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(A.n_ksa == 4 && B.n_ksa == 4, "two CHILD SAs: %d %d", A.n_ksa,
	      B.n_ksa);
	check_pair(1);
	check_pair(2);
	{
		struct kern_sa *a1 = NULL, *a2 = NULL;
		int i;

		for (i = 0; i < A.n_ksa; i++)
			if (A.ksa[i].sa.out)
				*(A.ksa[i].sa.proxy_id == 1 ? &a1 : &a2) =
					&A.ksa[i];
		CHECK(a1 && a2 && memcmp(a1->enc, a2->enc, 20),
		      "different keys for the two");
	}
	stop();

	printf("# TS_UNACCEPTABLE: nothing installed\n");
	fake_proxy4(&ca.tun.proxy[0], 1, "10.1.0.0", 16, "10.2.0.0", 16);
	ca.tun.n_proxy = 1;
	fake_proxy4(&cb.tun.proxy[0], 1, "10.9.0.0", 16, "10.1.0.0", 16);
	cb.tun.n_proxy = 1;
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(strstr(A.log, "TS_UNACCEPTABLE") != NULL, "A: %s", A.log);
	CHECK(A.n_ksa == 0 && B.n_ksa == 0, "no kernel SAs");
	CHECK(view(&A).n == 0 && view(&B).n == 0, "IKE SA deleted");
	stop();
}

static void test_acquire(void)
{
	printf("# acquire starts a trap tunnel once\n");
	ca.tun.start = IKED_START_TRAP;
	start();
	use(&A);
	ike_acquire(10, 0);
	ike_acquire(10, 0);
	ike_acquire(99, 0);
	CHECK(count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false) == 1,
	      "one IKE_SA_INIT");
	run(now + 1000);
	CHECK(A.n_ksa == 2 && B.n_ksa == 2, "up");
	use(&B);
	ike_acquire(20, 0);	/* B's tunnel is responder-only */
	CHECK(count_sent(&B, IKEV2_EXCH_IKE_SA_INIT, false) == 0,
	      "responder only");
	stop();

	printf("# start tunnels initiate from the engine's start timer\n");
	ca.tun.start = IKED_START_START;
	start();
	run(now + 1000);
	CHECK(A.n_ksa == 2 && B.n_ksa == 2, "up");
	printf("# ... and again 5 s after the peer deleted them\n");
	use(&B);
	ike_tunnel_down(&cb.tun);
	run(now + 1000);
	CHECK(A.n_ksa == 0 && B.n_ksa == 0, "down");
	run(now + 5000);
	CHECK(A.n_ksa == 2 && B.n_ksa == 2, "up again");
	printf("# ... INITIAL_CONTACT from a restarted A replaces B's SAs\n");
	/* A stops and its last DELETE is lost; then A starts again */
	filter = drop_from_a;
	use(&A);
	ike_engine_fini();
	run(now);
	filter = NULL;
	CHECK(A.n_ksa == 0 && B.n_ksa == 2 && view(&B).n == 1, "B unaware");
	use(&A);
	ike_engine_init(&ca.c);
	run(now + 1000);
	CHECK(A.n_ksa == 2 && B.n_ksa == 2 && view(&B).n == 1,
	      "one IKE SA in B, two kernel SAs: %d %d", view(&B).n, B.n_ksa);
	CHECK(strstr(B.log, "INITIAL_CONTACT replaces") != NULL,
	      "B logged it");
	check_pair(0);
	printf("# ... but not after ike_tunnel_down() until ike_tunnel_up()\n");
	use(&A);
	ike_tunnel_down(&ca.tun);
	run(now + 60000);
	CHECK(A.n_ksa == 0 && B.n_ksa == 0 && view(&A).n == 0, "stays down");
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(A.n_ksa == 2 && B.n_ksa == 2, "up on request");
	stop();
}

static void test_cbc(void)
{
	struct view va;

	printf("# AES-CBC + HMAC-SHA2 IKE SA and ESP, ESN off\n");
	ca.ike.encr[0] = (struct iked_xform){ IKEV2_ENCR_AES_CBC, 256 };
	ca.ike.n_encr = 1;
	ca.ike.dh[0] = IKEV2_DH_CURVE25519;
	ca.ike.n_dh = 1;
	cb.ike.encr[0] = (struct iked_xform){ IKEV2_ENCR_AES_CBC, 256 };
	cb.ike.dh[0] = IKEV2_DH_CURVE25519;
	cb.ike.n_dh = 1;
	ca.ipsec.encr[0] = (struct iked_xform){ IKEV2_ENCR_AES_CBC, 128 };
	ca.ipsec.integ[0] = IKEV2_AUTH_HMAC_SHA2_256_128;
	ca.ipsec.n_integ = 1;
	ca.ipsec.esn = IKED_ESN_NO;
	cb.ipsec = ca.ipsec;
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	va = view(&A);
	CHECK(va.n && !strcmp(va.sa.state, "established") &&
	      !strcmp(va.sa.encr, "aes-cbc-256") && va.sa.integ[0] &&
	      !strcmp(va.sa.dh, "curve25519"), "IKE %s %s %s", va.sa.encr,
	      va.sa.integ, va.sa.dh);
	check_pair(0);
	CHECK(A.n_ksa == 2 && !strcmp(A.ksa[0].enc_alg, "cbc(aes)") &&
	      !strcmp(A.ksa[0].auth_alg, "hmac(sha256)") &&
	      A.ksa[0].sa.enc_key_len == 16 && A.ksa[0].sa.auth_key_len == 32 &&
	      A.ksa[0].sa.trunc_bits == 128 && !A.ksa[0].sa.esn,
	      "ESP %s %s", A.ksa[0].enc_alg, A.ksa[0].auth_alg);
	stop();
}

/*
 * IKE_AUTH messages as the peer reads them: the peek_auth filter opens the
 * SK payload with the sender's keys. [0]: requests, [1]: responses.
 */
static struct peek {
	int n;
	uint8_t method;			/* of the last one */
	uint8_t algid[96];		/* RFC 7427 AlgorithmIdentifier */
	size_t algid_len;
	int initial_contact;		/* how many carried it */
} peeked[2];

static int peek_auth(const struct dgram *d, int index)
{
	const struct ike_sa *sa;
	struct ike_parsed p;
	struct peek *k;
	struct ike_hdr h;

	(void)index;
	if (msg_peek_hdr(d->data, d->len, &h) ||
	    h.exchange != IKEV2_EXCH_IKE_AUTH)
		return 0;
	for (sa = d->from->eng->sas; sa; sa = sa->next)
		if (sa->spi_i == h.spi_i && sa->have_keys)
			break;
	if (!sa)
		return 0;
	k = &peeked[!!(h.flags & IKEV2_FLAG_RESPONSE)];
	if (!msg_parse(&p, d->data, d->len) &&
	    !msg_open_sk(&p, sa->initiator ? &sa->keys.i2r : &sa->keys.r2i)) {
		k->n++;
		if (msg_find_notify(&p, IKEV2_N_INITIAL_CONTACT))
			k->initial_contact++;
		if (p.has_auth) {
			k->method = p.auth.kind;
			k->algid_len = 0;
			if (p.auth.len && p.auth.data[0] < sizeof(k->algid) &&
			    p.auth.len > 1u + p.auth.data[0]) {
				k->algid_len = p.auth.data[0];
				memcpy(k->algid, p.auth.data + 1, k->algid_len);
			}
		}
	}
	msg_parsed_free(&p);
	return 0;
}

static void peek_start(void)
{
	memset(peeked, 0, sizeof(peeked));
	filter = peek_auth;
}

static char certdir[64];

static int sh(const char *cmd)
{
	char full[2048];

	snprintf(full, sizeof(full), "cd %s && (%s) >/dev/null 2>&1", certdir,
		 cmd);
	return system(full);
}

/* A CA (ECDSA P-256) with an ECDSA leaf for A and an RSA leaf for B, and
 * a second CA nobody trusts with a leaf for B. */
static int make_certs(void)
{
	snprintf(certdir, sizeof(certdir), "/tmp/engine_test.XXXXXX");
	if (!mkdtemp(certdir))
		return -1;
	return sh("printf 'subjectAltName=IP:192.0.2.1,DNS:a.example\\n' > a.ext &&"
		  "printf 'subjectAltName=IP:192.0.2.2,DNS:b.example\\n' > b.ext &&"
		  "openssl ecparam -name prime256v1 -genkey -noout -out ca.key &&"
		  "openssl req -x509 -new -key ca.key -subj '/O=vtun/CN=Test CA'"
		  " -days 30 -out ca.pem &&"
		  "openssl ecparam -name prime256v1 -genkey -noout -out a.key &&"
		  "openssl req -new -key a.key -subj '/O=vtun/CN=a' -out a.csr &&"
		  "openssl x509 -req -in a.csr -CA ca.pem -CAkey ca.key"
		  " -CAcreateserial -days 30 -extfile a.ext -out a.pem &&"
		  "openssl genrsa -out b.key 2048 &&"
		  "openssl req -new -key b.key -subj '/O=vtun/CN=b' -out b.csr &&"
		  "openssl x509 -req -in b.csr -CA ca.pem -CAkey ca.key"
		  " -CAcreateserial -days 30 -extfile b.ext -out b.pem &&"
		  "openssl ecparam -name prime256v1 -genkey -noout -out evil.key &&"
		  "openssl req -x509 -new -key evil.key -subj '/CN=Evil CA'"
		  " -days 30 -out evil.pem &&"
		  "openssl x509 -req -in b.csr -CA evil.pem -CAkey evil.key"
		  " -CAcreateserial -days 30 -extfile b.ext -out b-evil.pem");
}

static void use_certs(struct conf *k, const char *me, const char *cert,
		      enum iked_auth how)
{
	k->gw.auth = how;
	snprintf(k->gw.cert, sizeof(k->gw.cert), "%s/%s", certdir, cert);
	snprintf(k->gw.key, sizeof(k->gw.key), "%s/%s.key", certdir, me);
	snprintf(k->gw.ca, sizeof(k->gw.ca), "%s/ca.pem", certdir);
}

static void id_ip(struct iked_id *id, const char *a)
{
	id->type = IKEV2_ID_IPV4_ADDR;
	id->len = 4;
	inet_pton(AF_INET, a, id->data);
}

static void test_certs(void)
{
	struct view va, vb;

	printf("# certificates: ECDSA and RSA, RFC 7427, DN IDs\n");
	if (make_certs()) {
		CHECK(0, "cannot make certificates with openssl");
		return;
	}
	use_certs(&ca, "a", "a.pem", IKED_AUTH_CERT);
	use_certs(&cb, "b", "b.pem", IKED_AUTH_CERT);
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	va = view(&A);
	vb = view(&B);
	CHECK(va.n && !strcmp(va.sa.state, "established") && vb.n &&
	      !strcmp(vb.sa.state, "established"), "established");
	CHECK(strstr(va.sa.peer_id, "CN = b") &&
	      strstr(vb.sa.peer_id, "CN = a"),
	      "DN IDs: %s | %s", va.sa.peer_id, vb.sa.peer_id);
	check_pair(0);
	stop();

	printf("# certificates: B's RSA key signs with RSASSA-PSS\n");
	use_certs(&ca, "a", "a.pem", IKED_AUTH_CERT);
	use_certs(&cb, "b", "b.pem", IKED_AUTH_CERT);
	cb.gw.rsa_pss = true;
	ca.gw.rsa_pss = true;		/* an ECDSA key: no effect */
	start();
	peek_start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(view(&A).n && !strcmp(view(&A).sa.state, "established"),
	      "established");
	CHECK(peeked[1].n == 1 && peeked[1].method == IKEV2_AUTH_SIG &&
	      peeked[1].algid_len == 67 &&
	      !memcmp(peeked[1].algid + 2, "\x06\x09\x2a\x86\x48\x86\xf7"
		      "\x0d\x01\x01\x0a", 11), "B's AUTH: RSASSA-PSS");
	CHECK(peeked[0].method == IKEV2_AUTH_SIG && peeked[0].algid_len == 12,
	      "A's AUTH: ECDSA");
	check_pair(0);
	stop();
	cb.gw.rsa_pss = false;
	ca.gw.rsa_pss = false;

	printf("# certificates: IP IDs in subjectAltName, methods 1 and 9\n");
	use_certs(&ca, "a", "a.pem", IKED_AUTH_CERT_RSA1);
	use_certs(&cb, "b", "b.pem", IKED_AUTH_CERT_RSA1);
	id_ip(&ca.gw.local_id, "192.0.2.1");
	id_ip(&ca.gw.peer_id, "192.0.2.2");
	id_ip(&cb.gw.local_id, "192.0.2.2");
	id_ip(&cb.gw.peer_id, "192.0.2.1");
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	va = view(&A);
	CHECK(va.n && !strcmp(va.sa.state, "established") &&
	      !strcmp(va.sa.peer_id, "192.0.2.2"), "established: %s",
	      va.n ? va.sa.peer_id : "-");
	check_pair(0);
	stop();

	printf("# certificates: wrong peer ID\n");
	use_certs(&ca, "a", "a.pem", IKED_AUTH_CERT);
	use_certs(&cb, "b", "b.pem", IKED_AUTH_CERT);
	id_ip(&ca.gw.peer_id, "192.0.2.99");
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(view(&A).n == 0 && view(&B).n == 0 && A.n_ksa == 0 &&
	      B.n_ksa == 0, "not established, B removed its SAs");
	CHECK(strstr(B.log, "could not authenticate us") != NULL,
	      "B was told: %s", B.log);
	stop();

	printf("# certificates: untrusted CA\n");
	use_certs(&ca, "a", "a.pem", IKED_AUTH_CERT);
	use_certs(&cb, "b", "b-evil.pem", IKED_AUTH_CERT);
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(view(&A).n == 0 && view(&B).n == 0 && A.n_ksa == 0 &&
	      B.n_ksa == 0, "nothing installed");
	CHECK(strstr(B.log, "authentication failed") ||
	      strstr(A.log, "does not verify"), "refused: %s / %s", A.log,
	      B.log);
	stop();
	sh("rm -f *.pem *.key *.csr *.ext *.srl");
	rmdir(certdir);
}

/*
 * INITIAL_CONTACT goes in the first IKE SA with a gateway only: a second
 * tunnel through the same gateway must not make the peer drop the first
 * one's SAs. It replaces the SAs of the other role too.
 */
static void test_contact(void)
{
	struct iked_tunnel t2, *tuns[2];
	struct iked_config c2;

	printf("# INITIAL_CONTACT: only in the first IKE SA with a peer\n");
	t2 = ca.tun;
	snprintf(t2.name, sizeof(t2.name), "t11");
	snprintf(t2.dev, sizeof(t2.dev), "vtun11");
	t2.ifindex = 11;
	tuns[0] = &ca.tun;
	tuns[1] = &t2;
	c2 = ca.c;
	c2.tun = tuns;
	c2.n_tun = 2;
	start();
	use(&A);
	ike_engine_reconf(&c2);
	peek_start();
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(peeked[0].n == 1 && peeked[0].initial_contact == 1,
	      "first IKE_AUTH: %d of %d with INITIAL_CONTACT",
	      peeked[0].initial_contact, peeked[0].n);
	use(&A);
	ike_tunnel_up(&t2);
	run(now + 1000);
	CHECK(peeked[0].n == 2 && peeked[0].initial_contact == 1,
	      "second IKE_AUTH without it: %d of %d",
	      peeked[0].initial_contact, peeked[0].n);
	CHECK(view(&A).n == 2 && view(&B).n == 2 && A.n_ksa == 4 &&
	      B.n_ksa == 4, "both IKE SAs up on both: %d %d, %d %d SAs",
	      view(&A).n, view(&B).n, A.n_ksa, B.n_ksa);
	CHECK(!strstr(B.log, "INITIAL_CONTACT replaces"), "B kept both");
	use(&A);
	ike_engine_reconf(&ca.c);
	stop();

	printf("# INITIAL_CONTACT from a restarted responder, initiating "
	       "now, replaces the SA it initiated\n");
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(view(&A).n == 1 && A.n_ksa == 2, "up");
	/* B restarts, its DELETE lost; A's tunnel starts again */
	filter = drop_from_b;
	use(&B);
	ike_engine_fini();
	run(now);
	filter = NULL;
	use(&B);
	ike_engine_init(&cb.c);
	CHECK(B.n_ksa == 0 && view(&B).n == 0, "B forgot");
	/* B now initiates towards A, with INITIAL_CONTACT */
	cb.gw.peer = A.addr;
	use(&B);
	peek_start();
	ike_tunnel_up(&cb.tun);
	run(now + 1000);
	CHECK(peeked[0].initial_contact == 1, "B sent INITIAL_CONTACT");
	CHECK(view(&A).n == 1 && view(&B).n == 1 && A.n_ksa == 2 &&
	      B.n_ksa == 2, "one IKE SA each, two kernel SAs: %d %d %d %d",
	      view(&A).n, view(&B).n, A.n_ksa, B.n_ksa);
	CHECK(strstr(A.log, "INITIAL_CONTACT replaces") != NULL,
	      "A, the responder now, replaced its SA");
	check_pair(0);
	stop();
}

static void test_empty_informational(void)
{
	struct ike_engine *e;
	struct ike_sa *sa;
	struct ike_hdr h;
	struct ike_buf b;

	printf("# an empty INFORMATIONAL is answered\n");
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	use(&A);
	e = ike_engine_current();
	sa = e->sas;
	CHECK(sa && sa->state == IKE_S_ESTABLISHED, "up");
	if (!sa) {
		stop();
		return;
	}
	memset(&h, 0, sizeof(h));
	h.spi_i = sa->spi_i;
	h.spi_r = sa->spi_r;
	h.exchange = IKEV2_EXCH_INFORMATIONAL;
	h.flags = IKEV2_FLAG_INITIATOR;
	h.msgid = sa->req_msgid;
	msg_init(&b);
	msg_begin(&b, &h);
	msg_sk_begin(&b, &sa->keys.i2r);
	CHECK(msg_seal_sk(&b, &sa->keys.i2r) == 0, "sealed");
	n_sent = 0;
	inject(&B, b.data, b.len);
	CHECK(n_queue == 1 && count_sent(&B, IKEV2_EXCH_INFORMATIONAL, true) == 1,
	      "answered");
	n_queue = 0;
	free(queue[0].data);
	/* the same again: from the cache */
	inject(&B, b.data, b.len);
	CHECK(n_queue == 1 && sent[n_sent - 1].len == sent[0].len,
	      "answered again");
	free(queue[0].data);
	n_queue = 0;
	CHECK(B.n_ksa == 2 && !strcmp(view(&B).sa.state, "established"),
	      "nothing else changed");
	msg_free(&b);
	stop();
}

static void test_reconf(void)
{
	static struct conf cb2;

	printf("# reload: a kept tunnel keeps its SAs, a changed one goes\n");
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	use(&B);
	ike_engine_reconf(&cb.c);
	run(now + 1000);
	CHECK(A.n_ksa == 2 && B.n_ksa == 2 &&
	      !strcmp(view(&B).sa.state, "established"), "kept");
	/* new objects: B's old gateway and tunnel are about to be freed */
	cb2 = cb;
	cb2.gw.ike = &cb2.ike;
	cb2.tun.gw = &cb2.gw;
	cb2.tun.ipsec = &cb2.ipsec;
	cb2.ikes[0] = &cb2.ike;
	cb2.ipsecs[0] = &cb2.ipsec;
	cb2.gws[0] = &cb2.gw;
	cb2.tuns[0] = &cb2.tun;
	cb2.c.ike = cb2.ikes;
	cb2.c.ipsec = cb2.ipsecs;
	cb2.c.gw = cb2.gws;
	cb2.c.tun = cb2.tuns;
	use(&B);
	ike_engine_reconf(&cb2.c);
	memset(&cb.gw, 0xa5, sizeof(cb.gw));	/* "freed" */
	memset(&cb.tun, 0xa5, sizeof(cb.tun));
	CHECK(B.n_ksa == 0 && view(&B).n == 0, "B dropped what was changed");
	run(now + 1000);
	CHECK(A.n_ksa == 0 && view(&A).n == 0, "A was told");
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(A.n_ksa == 2 && B.n_ksa == 2, "up with the new configuration");
	use(&A);
	ike_engine_fini();
	use(&B);
	ike_engine_fini();
	run(now);
	reset();
}

static void test_responder_ids(void)
{
	static struct iked_gateway gw2;
	static struct iked_tunnel tun2;
	static struct iked_gateway *gws[2];
	static struct iked_tunnel *tuns[2];
	struct view vb;

	printf("# responder: the gateway and tunnel named by the peer's ID\n");
	/* B: gateway "gw" for ID 192.0.2.99, "gw2" for A's ID, other PSK */
	id_ip(&cb.gw.peer_id, "192.0.2.99");
	gw2 = cb.gw;
	snprintf(gw2.name, sizeof(gw2.name), "gw2");
	id_ip(&gw2.peer_id, "192.0.2.1");
	memcpy(gw2.psk, "the-second-psk", 14);
	gw2.psk_len = 14;
	tun2 = cb.tun;
	snprintf(tun2.name, sizeof(tun2.name), "second");
	tun2.gw = &gw2;
	tun2.ifindex = 21;
	gws[0] = &cb.gw;
	gws[1] = &gw2;
	tuns[0] = &cb.tun;
	tuns[1] = &tun2;
	cb.c.gw = gws;
	cb.c.n_gw = 2;
	cb.c.tun = tuns;
	cb.c.n_tun = 2;
	memcpy(ca.gw.psk, "the-second-psk", 14);
	ca.gw.psk_len = 14;
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	vb = view(&B);
	CHECK(vb.n == 1 && !strcmp(vb.sa.state, "established") &&
	      !strcmp(vb.sa.tunnel, "second"), "B: %s %s",
	      vb.n ? vb.sa.tunnel : "-", vb.n ? vb.sa.state : "-");
	CHECK(B.n_ksa == 2 && B.ksa[0].sa.ifindex == 21, "on the second "
	      "tunnel's device");
	check_pair(0);
	stop();
}

/* Before each encrypted message: damaged copies of it, each one byte off. */
#define DAMAGED 40
static int n_damaged;
static uint32_t rnd = 12345;

static uint32_t next_rnd(void)
{
	rnd = rnd * 1103515245 + 12345;
	return rnd >> 8;
}

static int damage_sk(const struct dgram *d, int i)
{
	uint8_t *m;
	int k;

	(void)i;
	if (d->len <= IKEV2_HDR_LEN || d->data[18] == IKEV2_EXCH_IKE_SA_INIT ||
	    !d->to)
		return 0;
	m = malloc(d->len);
	for (k = 0; k < DAMAGED; k++) {
		size_t at = next_rnd() % d->len;
		uint8_t x = (uint8_t)(next_rnd() % 255 + 1);

		memcpy(m, d->data, d->len);
		m[at] ^= x;
		use(d->to);
		ike_recv(&d->dst, &d->src, m, d->len);
		n_damaged++;
	}
	/* and truncated ones */
	for (k = 0; k < 4; k++) {
		use(d->to);
		ike_recv(&d->dst, &d->src, d->data, next_rnd() % d->len);
		n_damaged++;
	}
	free(m);
	return 0;
}

static void test_damage(void)
{
	uint64_t before;

	printf("# damaged copies of every encrypted message: all dropped\n");
	fake_proxy4(&ca.tun.proxy[0], 1, "10.1.0.0", 16, "10.2.0.0", 16);
	fake_proxy4(&ca.tun.proxy[1], 2, "10.1.1.0", 24, "10.3.0.0", 16);
	ca.tun.n_proxy = 2;
	ca.ipsec.dh[0] = IKEV2_DH_CURVE25519;
	ca.ipsec.n_dh = 1;
	fake_proxy4(&cb.tun.proxy[0], 1, "10.2.0.0", 16, "10.1.0.0", 16);
	fake_proxy4(&cb.tun.proxy[1], 2, "10.3.0.0", 16, "10.1.1.0", 24);
	cb.tun.n_proxy = 2;
	cb.ipsec.dh[0] = IKEV2_DH_CURVE25519;
	cb.ipsec.n_dh = 1;
	start();
	n_damaged = 0;
	filter = damage_sk;
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(!strcmp(view(&A).sa.state, "established") && A.n_ksa == 4 &&
	      B.n_ksa == 4, "established with both CHILD SAs: %d %d",
	      A.n_ksa, B.n_ksa);
	check_pair(1);
	check_pair(2);
	before = drops_all(&A) + drops_all(&B);
	CHECK(before == (uint64_t)n_damaged, "%llu drops for %d damaged",
	      (unsigned long long)before, n_damaged);
	use(&A);
	ike_tunnel_down(&ca.tun);
	run(now + 1000);
	CHECK(A.n_ksa == 0 && B.n_ksa == 0 && view(&B).n == 0,
	      "deleted through the damage");
	CHECK(drops_all(&A) + drops_all(&B) == (uint64_t)n_damaged,
	      "every damaged one dropped");
	stop();
}

#include "engine_rekey.c"
/* ---- NAT traversal and liveness ------------------------------------------ */

static int count_log(struct node *n, const char *what)
{
	const char *p = n->log;
	int k = 0;

	while ((p = strstr(p, what))) {
		k++;
		p++;
	}
	return k;
}

static void test_natt(void)
{
	struct sockaddr_storage natp;
	struct view va, vb;
	int n_peer;

	printf("# NAT-D without a NAT: no float, B learns its remote\n");
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	va = view(&A);
	vb = view(&B);
	CHECK(va.n == 1 && vb.n == 1 && !strcmp(vb.sa.state, "established"),
	      "up");
	CHECK(sent_notify(&A, IKEV2_N_NAT_DETECTION_SOURCE_IP) ||
	      count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false) == 1, "NAT-D sent");
	CHECK(!strstr(A.log, "NAT detected") && !strstr(B.log, "NAT detected"),
	      "no NAT: %s", B.log);
	CHECK(addr_port(&va.sa.local) == 500 && addr_port(&vb.sa.peer) == 500,
	      "still on 500");
	CHECK(va.sa.natd && !va.sa.nat_local && !va.sa.nat_peer &&
	      !va.sa.encap && !va.sa.keepalive && vb.sa.natd &&
	      !vb.sa.nat_local && !vb.sa.nat_peer && !vb.sa.encap,
	      "show: NAT detection, no NAT, plain ESP");
	CHECK(A.n_path == 0, "A: configured peer, path untouched (%d)",
	      A.n_path);
	CHECK(B.n_path == 1 && !B.path.encap && B.path.ifindex == 20 &&
	      addr_eq(&B.path.peer, &A.addr), "B (peer any): remote set %d",
	      B.n_path);
	stop();

	printf("# NAT in front of A: detected, float to 4500, ESP in UDP\n");
	ca.gw.nat_keepalive = 20;
	cb.gw.nat_keepalive = 20;
	ca.gw.dpd_delay_ms = 10000;
	nat.on = true;
	fake_addr4(&nat.pub, "198.51.100.7", 0);
	nat.base = 31000;
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	va = view(&A);
	vb = view(&B);
	CHECK(va.n == 1 && !strcmp(va.sa.state, "established") && vb.n == 1 &&
	      !strcmp(vb.sa.state, "established"), "up through the NAT");
	CHECK(strstr(A.log, "NAT detected: we are behind one") &&
	      !strstr(A.log, "the peer is behind one"), "A: %s", A.log);
	CHECK(strstr(B.log, "NAT detected: the peer is behind one") &&
	      !strstr(B.log, "we are behind one"), "B: %s", B.log);
	CHECK(addr_port(&va.sa.local) == 4500 && addr_port(&va.sa.peer) == 4500,
	      "A floated: %u -> %u", addr_port(&va.sa.local),
	      addr_port(&va.sa.peer));
	CHECK(addr_port(&vb.sa.local) == 4500 &&
	      addr_eq(&vb.sa.peer, &nat.pub) &&
	      addr_port(&vb.sa.peer) == 31001, "B follows: %u from %u",
	      addr_port(&vb.sa.local), addr_port(&vb.sa.peer));
	CHECK(strstr(B.log, "peer floated"), "B logged the float");
	CHECK(A.n_path == 1 && A.path.encap && A.path.keepalive == 20 &&
	      addr_port(&A.path.local) == 4500 &&
	      addr_port(&A.path.peer) == 4500 && A.path.ifindex == 10,
	      "A: ESP in UDP with keepalives (%d)", A.n_path);
	CHECK(B.n_path == 1 && B.path.encap && B.path.keepalive == 0 &&
	      addr_eq(&B.path.peer, &nat.pub) &&
	      addr_port(&B.path.peer) == 31001,
	      "B: ESP in UDP to the NAT's port, no keepalives");
	CHECK(va.sa.nat_local && !va.sa.nat_peer && va.sa.encap &&
	      va.sa.keepalive == 20 && !vb.sa.nat_local && vb.sa.nat_peer &&
	      vb.sa.encap && vb.sa.keepalive == 0,
	      "show: A behind the NAT with keepalives, B sees it in front of A");
	CHECK(A.n_ksa == 2 && B.n_ksa == 2, "kernel SAs");
	check_pair(0);

	printf("# NAT mapping change: B's kernel SAs follow A's new port\n");
	nat.base = 42000;
	n_peer = B.n_peer_set;
	run(now + 10500);	/* A's DPD leaves through the new mapping */
	vb = view(&B);
	natp = nat.pub;
	addr_set_port(&natp, 42001);
	CHECK(count_sent(&A, IKEV2_EXCH_INFORMATIONAL, false) >= 1 &&
	      count_sent(&B, IKEV2_EXCH_INFORMATIONAL, true) >= 1,
	      "DPD answered");
	CHECK(B.n_peer_set == n_peer + 1 && addr_port(&B.peer_set) == 42001 &&
	      addr_eq(&B.peer_set, &nat.pub) &&
	      B.peer_set_spi == vb.child[0].spi_out,
	      "sa-set peer once, on the outbound SA: %d port %u",
	      B.n_peer_set - n_peer, addr_port(&B.peer_set));
	CHECK(addr_port(&vb.sa.peer) == 42001 && strstr(B.log, "NAT mapping"),
	      "IKE follows too");
	CHECK(!strcmp(view(&A).sa.state, "established") && A.n_ksa == 2 &&
	      B.n_ksa == 2 && B.n_path == 1, "nothing else changed");
	/* a forged message from elsewhere moves nothing */
	{
		struct ike_sa *sb = first_sa(&B);
		struct sockaddr_storage evil;
		struct ike_hdr h;
		struct ike_buf b;
		uint8_t junk[64] = { 0 };

		memset(&h, 0, sizeof(h));
		h.spi_i = sb->spi_i;
		h.spi_r = sb->spi_r;
		h.exchange = IKEV2_EXCH_INFORMATIONAL;
		h.flags = IKEV2_FLAG_INITIATOR;
		h.msgid = sb->resp_msgid;
		msg_init(&b);
		msg_begin(&b, &h);
		msg_add_notify(&b, IKEV2_PROTO_NONE, 0, 0, 16384, junk, 8);
		msg_end(&b);
		fake_addr4(&evil, "203.0.113.66", 4500);
		n_peer = B.n_peer_set;
		use(&B);
		ike_recv(&sb->local, &evil, b.data, b.len);
		CHECK(B.n_peer_set == n_peer && addr_port(&sb->peer) == 42001,
		      "unauthenticated: peer kept");
		msg_free(&b);
	}

	printf("# NAT mapping change seen on ESP (peer-ntf): IKE follows at once\n");
	nat.base = 43000;
	natp = nat.pub;
	addr_set_port(&natp, 43001);
	n_peer = B.n_peer_set;
	{
		int req = count_sent(&B, IKEV2_EXCH_INFORMATIONAL, false);
		int resp = count_sent(&A, IKEV2_EXCH_INFORMATIONAL, true);
		struct sockaddr_storage other = natp;

		use(&B);
		vb = view(&B);
		ike_peer_moved(20, vb.child[0].spi_in ^ 1, &natp);
		ike_peer_moved(21, vb.child[0].spi_in, &natp);
		vb = view(&B);
		CHECK(addr_port(&vb.sa.peer) == 42001,
		      "unknown SPI or device: nothing moves");
		ike_peer_moved(20, vb.child[0].spi_in, &natp);
		vb = view(&B);
		CHECK(addr_port(&vb.sa.peer) == 43001 &&
		      addr_eq(&vb.sa.peer, &nat.pub) &&
		      strstr(B.log, "NAT mapping change seen on ESP"),
		      "IKE SA at the new port at once (%u)",
		      addr_port(&vb.sa.peer));
		run(now + 500);
		CHECK(count_sent(&B, IKEV2_EXCH_INFORMATIONAL, false) == req + 1 &&
		      count_sent(&A, IKEV2_EXCH_INFORMATIONAL, true) == resp + 1,
		      "B's INFORMATIONAL reached A through the new mapping: %d %d",
		      count_sent(&B, IKEV2_EXCH_INFORMATIONAL, false) - req,
		      count_sent(&A, IKEV2_EXCH_INFORMATIONAL, true) - resp);
		CHECK(B.n_peer_set == n_peer && B.n_path == 1 && A.n_ksa == 2 &&
		      B.n_ksa == 2 && !strcmp(view(&B).sa.state, "established"),
		      "no sa-set (the kernel moved first), nothing else changed");
		req = count_sent(&B, IKEV2_EXCH_INFORMATIONAL, false);
		ike_peer_moved(20, vb.child[0].spi_in, &natp);
		run(now + 500);
		CHECK(count_sent(&B, IKEV2_EXCH_INFORMATIONAL, false) == req,
		      "the same peer again: no request");
		/* A's peer (B) is not behind a NAT: A ignores it */
		use(&A);
		va = view(&A);
		fake_addr4(&other, "192.0.2.99", 4500);
		ike_peer_moved(10, va.child[0].spi_in, &other);
		va = view(&A);
		CHECK(!addr_eq(&va.sa.peer, &other),
		      "peer not behind a NAT: not moved");
	}
	stop();
}

static int drop_everything(const struct dgram *d, int i)
{
	(void)d;
	(void)i;
	return 1;
}

/* Establishes A to B with DPD on A: 5 s, retransmissions 1 s, 2 tries. */
static void dpd_up(enum iked_dpd_action action, enum iked_start st)
{
	ca.tun.start = st;
	ca.gw.dpd_delay_ms = 5000;
	ca.gw.dpd_action = action;
	ca.gw.rtx_base_ms = 1000;
	ca.gw.rtx_tries = 2;
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(!strcmp(view(&A).sa.state, "established") && A.n_ksa == 2,
	      "up");
}

/* Drops everything until the peer is declared dead; its time in ms. */
static uint64_t dpd_kill(void)
{
	uint64_t t0 = now;

	filter = drop_everything;
	while (!strstr(A.log, "peer dead") && now < t0 + 60000) {
		run(now + 100);
		now += 100;
	}
	return now - t0;
}

static void test_dpd(void)
{
	uint64_t t;
	int k;

	printf("# DPD: none while inbound SAs are busy, then one\n");
	dpd_up(IKED_DPD_CLEAR, IKED_START_NONE);
	A.busy = true;
	run(now + 30000);
	CHECK(count_sent(&A, IKEV2_EXCH_INFORMATIONAL, false) == 0,
	      "busy tunnel: no DPD (%d)",
	      count_sent(&A, IKEV2_EXCH_INFORMATIONAL, false));
	A.busy = false;
	run(now + 5100);
	CHECK(count_sent(&A, IKEV2_EXCH_INFORMATIONAL, false) == 1 &&
	      count_sent(&B, IKEV2_EXCH_INFORMATIONAL, true) == 1,
	      "idle: one DPD, answered");
	/* B's messages count as life too: B's DPD resets A's timer */
	run(now + 5100);
	CHECK(count_sent(&A, IKEV2_EXCH_INFORMATIONAL, false) == 2,
	      "one per dpd-delay");

	printf("# DPD: dead peer after the schedule, action clear\n");
	t = dpd_kill();
	/* <= 5 s of silence, then 1 + 1.8 + 3.24 s of retransmissions */
	CHECK(t >= 6000 && t <= 11200, "dead after %llu ms",
	      (unsigned long long)t);
	CHECK(strstr(A.log, "dpd-action clear") && A.n_ksa == 0,
	      "clear: kernel SAs gone (%d)", A.n_ksa);
	k = count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false);
	run(now + 20000);
	CHECK(count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false) == k,
	      "clear: not initiated again");
	stop();

	printf("# DPD: clear on a start tunnel: no 5 s restart either\n");
	dpd_up(IKED_DPD_CLEAR, IKED_START_START);
	dpd_kill();
	filter = NULL;
	k = count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false);
	run(now + 30000);
	CHECK(count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false) == k &&
	      view(&A).n <= 1 && A.n_ksa == 0, "stays down");
	use(&A);
	ike_acquire(10, 0);
	run(now + 1000);
	CHECK(count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false) == k,
	      "not even traffic (acquire) brings it up");
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(!strcmp(view(&A).sa.state, "established") && A.n_ksa == 2,
	      "ike_tunnel_up() does");
	stop();

	printf("# DPD: action restart initiates at once, until it works\n");
	dpd_up(IKED_DPD_RESTART, IKED_START_NONE);
	k = count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false);
	dpd_kill();		/* returns within 100 ms of the death */
	CHECK(count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false) == k + 1 &&
	      strstr(A.log, "dpd-action restart: initiating"),
	      "restart: IKE_SA_INIT at once");
	run(now + 20000);	/* the peer still away: attempts go on */
	CHECK(count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false) >= k + 6 &&
	      count_log(&A, "dpd-action restart") >= 3,
	      "restart: attempts repeated (%d)",
	      count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false) - k);
	filter = NULL;		/* back */
	run(now + 8000);
	CHECK(!strcmp(view(&A).sa.state, "established") && A.n_ksa == 2,
	      "restart: up again");
	stop();

	printf("# DPD: action trap waits for the next acquire\n");
	dpd_up(IKED_DPD_TRAP, IKED_START_START);
	dpd_kill();
	filter = NULL;
	k = count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false);
	run(now + 20000);
	CHECK(count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false) == k &&
	      A.n_ksa == 0, "trap: nothing without traffic");
	use(&A);
	ike_acquire(10, 0);
	run(now + 1000);
	CHECK(count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false) == k + 1 &&
	      !strcmp(view(&A).sa.state, "established") && A.n_ksa == 2,
	      "trap: the acquire brings it up");
	stop();
}

/* An IKE_SA_INIT request as a spoofing flooder would send it from @src,
 * with a real ECP-256 key so that it makes a half-open SA; @cookie first
 * if given.
 */
static void spoof_init(const char *src, uint64_t spi,
		       const uint8_t *cookie, size_t cookie_len)
{
	struct ike_hdr h = { .spi_i = spi, .exchange = IKEV2_EXCH_IKE_SA_INIT,
			     .flags = IKEV2_FLAG_INITIATOR };
	struct ike_proposal props[2];
	uint8_t pub[IKE_DH_MAX], ni[32];
	struct sockaddr_storage from;
	struct ike_dh *dh;
	struct ike_buf b;
	size_t len;
	int n;

	memset(ni, 0x4e, sizeof(ni));
	dh = crypto_dh_new(crypto_dh(IKEV2_DH_ECP_256));
	CHECK(dh && !crypto_dh_public(dh, pub, sizeof(pub), &len), "DH");
	n = ike_props_ike(&cb.ike, props, 2);
	msg_init(&b);
	msg_begin(&b, &h);
	if (cookie)
		msg_add_notify(&b, IKEV2_PROTO_NONE, 0, 0, IKEV2_N_COOKIE,
			       cookie, cookie_len);
	msg_add_sa(&b, props, n);
	msg_add_ke(&b, IKEV2_DH_ECP_256, pub, len);
	msg_add_nonce(&b, ni, sizeof(ni));
	CHECK(!msg_end(&b), "spoofed IKE_SA_INIT");
	fake_addr4(&from, src, 500);
	use(&B);
	ike_recv(&B.addr, &from, b.data, b.len);
	msg_free(&b);
	crypto_dh_free(dh);
}

struct count_arg {
	const char *state;
	int n;
};

static int count_state_one(const struct ike_sa_info *sa, void *arg)
{
	struct count_arg *c = arg;

	if (!strcmp(sa->state, c->state))
		c->n++;
	return 0;
}

static int count_state(struct node *n, const char *state)
{
	struct count_arg c = { state, 0 };

	use(n);
	ike_foreach_sa(count_state_one, &c);
	return c.n;
}

static void test_cookie(void)
{
	const struct cookie_stats *st;
	uint8_t forged[36];
	int i;

	printf("# cookies: above the half-open threshold, N(COOKIE) first\n");
	cb.c.cookie_threshold = 3;
	start();
	for (i = 0; i < 3; i++)
		spoof_init("198.51.100.7", 0x1000 + (uint64_t)i, NULL, 0);
	CHECK(count_state(&B, "connecting") == 3, "3 half-open: %d",
	      count_state(&B, "connecting"));
	n_sent = 0;
	/* a flood from many sources: answered, nothing kept */
	for (i = 0; i < 50; i++) {
		char a[32];

		snprintf(a, sizeof(a), "198.51.100.%d", 10 + i);
		spoof_init(a, 0x2000 + (uint64_t)i, NULL, 0);
	}
	st = cookie_stats();
	CHECK(count_state(&B, "connecting") == 3 && st->sent == 50,
	      "flood: still 3 half-open, %llu cookies sent",
	      (unsigned long long)st->sent);
	CHECK(sent_notify(&B, IKEV2_N_COOKIE), "N(COOKIE) answers");
	run(now);	/* to nobody */
	/* a forged cookie gets a new one and no SA */
	memset(forged, 0, sizeof(forged));
	forged[3] = 1;
	spoof_init("198.51.100.99", 0x3000, forged, sizeof(forged));
	CHECK(st->invalid == 1 && st->sent == 51 &&
	      count_state(&B, "connecting") == 3, "forged cookie refused");
	/* the genuine initiator answers the cookie request and gets in */
	n_sent = 0;
	use(&A);
	CHECK(ike_tunnel_up(&ca.tun) == 0, "tunnel up");
	run(now + 1000);
	CHECK(!strcmp(view(&A).sa.state, "established"), "A established");
	CHECK(sent_notify(&B, IKEV2_N_COOKIE), "B asked A for a cookie");
	CHECK(count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false) == 2 &&
	      sent[0].from == &A && sent[2].from == &A &&
	      sent[2].notify == IKEV2_N_COOKIE, "A: again, cookie first");
	CHECK(st->valid == 1, "one valid cookie: %llu",
	      (unsigned long long)st->valid);
	check_pair(0);
	/* half-open SAs time out; then no more cookies */
	run(now + 31000);
	CHECK(count_state(&B, "connecting") == 0, "half-open timed out: %d",
	      count_state(&B, "connecting"));
	n_sent = 0;
	spoof_init("198.51.100.8", 0x4000, NULL, 0);
	CHECK(!sent_notify(&B, IKEV2_N_COOKIE) &&
	      count_state(&B, "connecting") == 1, "below threshold: no cookie");
	stop();
}

static int count_first(struct node *from, uint8_t type, size_t *max_len)
{
	int i, k = 0;

	for (i = 0; i < n_sent; i++)
		if (sent[i].from == from && sent[i].first == type) {
			k++;
			if (max_len && sent[i].len > *max_len)
				*max_len = sent[i].len;
		}
	return k;
}

/* The second fragment B sends, once. */
static int drop_b_frag2(const struct dgram *d, int i)
{
	static int seen;

	(void)i;
	if (d->from != &B || d->len < 36 || d->data[16] != IKEV2_PL_SKF)
		return 0;
	if (d->data[33] == 2 && !seen++)
		return 1;
	return 0;
}

static void test_frag(void)
{
	size_t max_a = 0, max_b = 0;
	int fa, fb;

	printf("# fragmentation: IKE_AUTH with certificates in 576-byte fragments\n");
	if (make_certs()) {
		CHECK(0, "cannot make certificates with openssl");
		return;
	}
	use_certs(&ca, "a", "a.pem", IKED_AUTH_CERT);
	use_certs(&cb, "b", "b.pem", IKED_AUTH_CERT);
	ca.c.fragment_size = cb.c.fragment_size = 576;
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(!strcmp(view(&A).sa.state, "established") &&
	      !strcmp(view(&B).sa.state, "established"), "established");
	check_pair(0);
	fa = count_first(&A, IKEV2_PL_SKF, &max_a);
	fb = count_first(&B, IKEV2_PL_SKF, &max_b);
	CHECK(fa >= 2 && fb >= 3, "fragments sent: A %d, B %d", fa, fb);
	CHECK(max_a + 28 <= 576 && max_b + 28 <= 576,
	      "each fits in 576 bytes of IP: %zu %zu", max_a, max_b);
	CHECK(drops_all(&A) == 0 && drops_all(&B) == 0, "no drops");
	stop();

	printf("# fragmentation: a lost fragment of the answer\n");
	use_certs(&ca, "a", "a.pem", IKED_AUTH_CERT);
	use_certs(&cb, "b", "b.pem", IKED_AUTH_CERT);
	ca.c.fragment_size = cb.c.fragment_size = 576;
	start();
	filter = drop_b_frag2;
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 30000);
	CHECK(!strcmp(view(&A).sa.state, "established"),
	      "established after the retransmission");
	check_pair(0);
	CHECK(count_sent(&A, IKEV2_EXCH_IKE_AUTH, false) >
	      count_first(&A, IKEV2_PL_SKF, NULL) / 2, "A sent IKE_AUTH again");
	stop();

	printf("# fragmentation: not offered by B, none sent\n");
	use_certs(&ca, "a", "a.pem", IKED_AUTH_CERT);
	use_certs(&cb, "b", "b.pem", IKED_AUTH_CERT);
	ca.c.fragment_size = 576;
	cb.c.no_fragmentation = true;
	start();
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
	CHECK(!strcmp(view(&A).sa.state, "established"), "established");
	CHECK(count_first(&A, IKEV2_PL_SKF, NULL) == 0 &&
	      count_first(&B, IKEV2_PL_SKF, NULL) == 0, "no fragment");
	stop();
	sh("rm -f *.pem *.key *.csr *.ext *.srl");
	rmdir(certdir);
}

#include "engine_pace.c"

int main(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "v")) != -1)
		if (c == 'v')
			verbose = 1;
	reset();
	test_psk();
	test_wrong_psk();
	test_no_proposal();
	test_invalid_ke();
	test_delete();
	test_retransmit();
	test_backoff();
	test_garbage();
	test_critical();
	test_proxy_ids();
	test_acquire();
	test_cbc();
	test_empty_informational();
	test_reconf();
	test_responder_ids();
	test_damage();
	test_certs();
	test_contact();
	test_rekey();
	CHECK(key_leaks == 0 && n_keys_seen > 0,
	      "%d freed blocks held one of %d kernel SA keys", key_leaks,
	      n_keys_seen);
	test_natt();
	test_dpd();
	test_cookie();
	test_frag();
	test_pace();
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
