// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kernel/replay.c, built in userspace through shim/.
 *
 *   replay_test [-s SEED] [-n PACKETS]
 *
 * Deterministic cases for each edge of the window, then a randomised run per
 * window size and ESN setting against a model that keeps every sequence
 * number it accepted: PACKETS packets each (default 2000000), from SEED
 * (default 1). Prints TAP, then "N passed, N failed"; exits 1 on failure.
 */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "replay.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define TWO32		(1ULL << 32)

/* Not a verdict: check() placed the packet at another sequence number. */
#define MISPLACED	100

static const u32 case_windows[] = { 0, 32, 64, 128, 1024, 4096 };
static const u32 all_windows[] = { 0, 32, 64, 128, 256, 512, 1024, 2048,
				   4096 };

static unsigned int passed, failed;

static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u - ", ok ? "ok" : "not ok", passed + failed + 1);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (ok)
		passed++;
	else
		failed++;
}

#define EXPECT(cond) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
		return false;						\
	}								\
} while (0)

#define EXPECT_EQ(a, b) do {						\
	u64 _a = (a), _b = (b);						\
	if (_a != _b) {							\
		printf("# %s:%d: %s == %s: %#" PRIx64 " != %#" PRIx64 "\n", \
		       __FILE__, __LINE__, #a, #b, _a, _b);		\
		return false;						\
	}								\
} while (0)

/* Receive a packet the peer sent as @sent, its ICV verifying. */
static int rx(struct vtun_replay *r, u64 sent)
{
	u64 seq;
	int v = vtun_replay_check(r, (u32)sent, &seq);

	if (v != VTUN_REPLAY_OK)
		return v;
	if (seq != sent)
		return MISPLACED;
	return vtun_replay_advance(r, seq);
}

/* Where check() places @sent, or ~0 if it refuses it. */
static u64 placed(const struct vtun_replay *r, u64 sent)
{
	u64 seq;

	if (vtun_replay_check(r, (u32)sent, &seq) != VTUN_REPLAY_OK)
		return ~0ULL;
	return seq;
}

/* What a packet left of the window gets: refused, or with ESN misplaced. */
static int expect_old(u32 w, bool esn)
{
	if (!w)
		return VTUN_REPLAY_OK;
	return esn ? MISPLACED : VTUN_REPLAY_OLD;
}

static int expect_dup(u32 w)
{
	return w ? VTUN_REPLAY_DUP : VTUN_REPLAY_OK;
}

/* A span that exercises the window, also when there is none. */
static u64 span(u32 w)
{
	return w ?: 1000;
}

static bool init_rejects(void)
{
	static const u32 bad[] = { 1, 2, 16, 31, 33, 48, 96, 1000, 1023,
				   1025, 3072, 8192, 1U << 31, U32_MAX };
	struct vtun_replay r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(vtun_replay_init(&r, bad[i], false, 0), -EINVAL);
		EXPECT_EQ(vtun_replay_init(&r, bad[i], true, 0), -EINVAL);
		EXPECT(!vtun_replay_window_valid(bad[i]));
	}
	for (i = 0; i < ARRAY_SIZE(all_windows); i++) {
		EXPECT_EQ(vtun_replay_init(&r, all_windows[i], false, 0), 0);
		EXPECT(vtun_replay_window_valid(all_windows[i]));
	}
	EXPECT_EQ(vtun_replay_init(&r, 64, false, TWO32), -EINVAL);
	EXPECT_EQ(vtun_replay_init(&r, 64, false, TWO32 - 1), 0);
	EXPECT_EQ(vtun_replay_init(&r, 64, true, 1ULL << 40), 0);
	EXPECT_EQ(vtun_replay_init(&r, VTUN_REPLAY_DEFAULT, true, 0), 0);
	EXPECT_EQ(r.nblocks, VTUN_REPLAY_DEFAULT / BITS_PER_LONG + 1);
	EXPECT_EQ(vtun_replay_init(&r, 32, true, 0), 0);
	EXPECT_EQ(r.nblocks, 2);
	return true;
}

static bool zero(u32 w, bool esn)
{
	struct vtun_replay r;
	u64 seq;

	EXPECT_EQ(vtun_replay_init(&r, w, esn, 0), 0);
	EXPECT_EQ(vtun_replay_check(&r, 0, &seq), VTUN_REPLAY_ZERO);
	EXPECT_EQ(vtun_replay_advance(&r, 0), VTUN_REPLAY_ZERO);
	EXPECT_EQ(rx(&r, 5), VTUN_REPLAY_OK);
	EXPECT_EQ(vtun_replay_check(&r, 0, &seq), VTUN_REPLAY_ZERO);
	if (!esn)
		return true;
	/* Past a wrap, a low half of 0 is an ordinary packet. */
	EXPECT_EQ(vtun_replay_init(&r, w, esn, TWO32 + 10), 0);
	EXPECT_EQ(rx(&r, TWO32), VTUN_REPLAY_OK);
	EXPECT_EQ(rx(&r, TWO32), expect_dup(w));
	return true;
}

static bool in_order(u32 w, bool esn)
{
	u64 n = 3 * span(w) + 100, s;
	struct vtun_replay r;

	EXPECT_EQ(vtun_replay_init(&r, w, esn, 0), 0);
	for (s = 1; s <= n; s++)
		EXPECT_EQ(rx(&r, s), VTUN_REPLAY_OK);
	EXPECT_EQ(r.top, n);
	for (s = n; s > n - span(w); s--)
		EXPECT_EQ(rx(&r, s), expect_dup(w));
	EXPECT_EQ(rx(&r, n - span(w)), expect_old(w, esn));
	return true;
}

static bool left_edge(u32 w, bool esn)
{
	u64 top = 3 * span(w) + 7;
	struct vtun_replay r;

	EXPECT_EQ(vtun_replay_init(&r, w, esn, 0), 0);
	EXPECT_EQ(rx(&r, top), VTUN_REPLAY_OK);
	EXPECT_EQ(rx(&r, top - span(w)), expect_old(w, esn));
	if (esn && w)
		EXPECT_EQ(placed(&r, top - w), top - w + TWO32);
	EXPECT_EQ(rx(&r, top - span(w) + 1), VTUN_REPLAY_OK);
	EXPECT_EQ(rx(&r, top - span(w) + 1), expect_dup(w));
	EXPECT_EQ(rx(&r, top), expect_dup(w));
	EXPECT_EQ(rx(&r, top + 1), VTUN_REPLAY_OK);
	EXPECT_EQ(rx(&r, top - span(w) + 1), expect_old(w, esn));
	EXPECT_EQ(rx(&r, top - span(w) + 2), VTUN_REPLAY_OK);
	return true;
}

static bool reorder(u32 w, bool esn)
{
	u64 top = 2 * span(w) + 5, s;
	struct vtun_replay r;

	EXPECT_EQ(vtun_replay_init(&r, w, esn, 0), 0);
	EXPECT_EQ(rx(&r, top), VTUN_REPLAY_OK);
	for (s = top - 1; s > top - span(w); s--)
		EXPECT_EQ(rx(&r, s), VTUN_REPLAY_OK);
	for (s = top; s > top - span(w); s--)
		EXPECT_EQ(rx(&r, s), expect_dup(w));
	/* Every other one, out of order across block boundaries. */
	for (s = top + 2; s < top + 4 * span(w); s += 2)
		EXPECT_EQ(rx(&r, s), VTUN_REPLAY_OK);
	for (s = top + 4 * span(w) - 1; s > top + 3 * span(w); s -= 2)
		EXPECT_EQ(rx(&r, s), VTUN_REPLAY_OK);
	for (s = top + 4 * span(w) - 2; s > top + 3 * span(w); s--)
		EXPECT_EQ(rx(&r, s), expect_dup(w));
	return true;
}

/* Jumps ahead of about, exactly and far more than the window. */
static bool jump(u32 w, bool esn)
{
	const u64 nbits = (u64)(w ? w / BITS_PER_LONG + 2 : 2) *
			  BITS_PER_LONG;
	const u64 steps[] = { 1, 2, span(w) - 1, span(w), span(w) + 1,
			      nbits - 1, nbits, nbits + 1, 3 * nbits + 5,
			      1U << 20, (1U << 31) - 1 };
	struct vtun_replay r;
	unsigned int i;
	u64 from, to;

	EXPECT_EQ(vtun_replay_init(&r, w, esn, 0), 0);
	for (from = 1; from <= span(w) / 2; from++)
		EXPECT_EQ(rx(&r, from), VTUN_REPLAY_OK);
	from--;
	for (i = 0; i < ARRAY_SIZE(steps); i++, from = to) {
		to = from + steps[i];
		EXPECT_EQ(rx(&r, to), VTUN_REPLAY_OK);
		EXPECT_EQ(rx(&r, from), steps[i] < w ? VTUN_REPLAY_DUP :
					expect_old(w, esn));
		if (steps[i] > 1)
			EXPECT_EQ(rx(&r, to - 1), VTUN_REPLAY_OK);
		if (w && steps[i] > w)
			EXPECT_EQ(rx(&r, to - w + 1), VTUN_REPLAY_OK);
		EXPECT_EQ(r.top, to);
	}
	if (!esn)
		return true;
	/* Beyond what the low half can say, as an authenticated seq would. */
	for (i = 0; i < 100000; i++) {
		to = from + (1ULL << 40) + i;
		EXPECT_EQ(vtun_replay_advance(&r, to), VTUN_REPLAY_OK);
		EXPECT_EQ(vtun_replay_advance(&r, from), w ? VTUN_REPLAY_OLD
							   : VTUN_REPLAY_OK);
		from = to;
	}
	EXPECT_EQ(rx(&r, to - 1), VTUN_REPLAY_OK);
	EXPECT_EQ(rx(&r, to), expect_dup(w));
	return true;
}

/* Crossing 2^32: the high half follows with ESN; without, it is the end. */
static bool wrap(u32 w, bool esn)
{
	struct vtun_replay r;
	u64 s;

	if (!esn) {
		EXPECT_EQ(vtun_replay_init(&r, w, esn, TWO32 - 4), 0);
		for (s = TWO32 - 3; s < TWO32; s++)
			EXPECT_EQ(rx(&r, s), VTUN_REPLAY_OK);
		EXPECT_EQ(rx(&r, TWO32 - 1), expect_dup(w));
		EXPECT_EQ(rx(&r, TWO32), VTUN_REPLAY_ZERO);
		EXPECT_EQ(rx(&r, 1), w ? VTUN_REPLAY_OLD
				  : VTUN_REPLAY_OK);
		EXPECT_EQ(rx(&r, TWO32 - 6), VTUN_REPLAY_OK);
		EXPECT_EQ(r.top, TWO32 - 1);
		return true;
	}
	EXPECT_EQ(vtun_replay_init(&r, w, esn, TWO32 - 3), 0);
	for (s = TWO32 - 2; s < TWO32 + 3; s++) {
		EXPECT_EQ(placed(&r, s), s);
		EXPECT_EQ(rx(&r, s), VTUN_REPLAY_OK);
	}
	/* Case B now: the window reaches back into subspace 0. */
	EXPECT_EQ(placed(&r, TWO32 - 6), TWO32 - 6);
	EXPECT_EQ(rx(&r, TWO32 - 6), VTUN_REPLAY_OK);
	EXPECT_EQ(rx(&r, TWO32 - 6), expect_dup(w));
	EXPECT_EQ(rx(&r, TWO32 - 1), expect_dup(w));
	EXPECT_EQ(rx(&r, TWO32), expect_dup(w));
	/* And back to case A once the window left subspace 0. */
	EXPECT_EQ(rx(&r, TWO32 + span(w) + 3), VTUN_REPLAY_OK);
	EXPECT_EQ(rx(&r, TWO32 + 4), VTUN_REPLAY_OK);
	EXPECT_EQ(rx(&r, TWO32 + 3), expect_old(w, esn));
	EXPECT_EQ(placed(&r, TWO32 - 6), w ? 2 * TWO32 - 6 : TWO32 - 6);
	return true;
}

/* ESN only: where the high half is inferred, to the last sequence number. */
static bool esn_bounds(u32 w, bool esn)
{
	u64 ahead = w ? TWO32 - w : 1U << 31;
	u64 behind = w ? w - 1 : (1U << 31) - 1;
	u64 top = 5 * TWO32 + 12345, seq;
	struct vtun_replay r;

	if (!esn)
		return true;
	EXPECT_EQ(vtun_replay_init(&r, w, esn, top), 0);
	EXPECT_EQ(placed(&r, top + ahead), top + ahead);
	EXPECT_EQ(placed(&r, top + ahead + 1), top + ahead + 1 - TWO32);
	EXPECT_EQ(placed(&r, top - behind), top - behind);
	EXPECT_EQ(placed(&r, top - behind - 1), top - behind - 1 + TWO32);
	/* The same where the window spans two subspaces. */
	top = 5 * TWO32 + behind / 2;
	EXPECT_EQ(vtun_replay_init(&r, w, esn, top), 0);
	EXPECT_EQ(placed(&r, top + ahead), top + ahead);
	EXPECT_EQ(placed(&r, top - behind), top - behind);
	EXPECT_EQ(placed(&r, top - behind - 1), top - behind - 1 + TWO32);
	/* Before the first packet. */
	EXPECT_EQ(vtun_replay_init(&r, w, esn, 5), 0);
	EXPECT_EQ(vtun_replay_check(&r, U32_MAX, &seq), VTUN_REPLAY_OLD);
	EXPECT_EQ(rx(&r, 4), VTUN_REPLAY_OK);
	/* After the last one. */
	EXPECT_EQ(vtun_replay_init(&r, w, esn, ~0ULL - 2), 0);
	EXPECT_EQ(rx(&r, ~0ULL), VTUN_REPLAY_OK);
	EXPECT_EQ(rx(&r, ~0ULL - 1), VTUN_REPLAY_OK);
	EXPECT_EQ(rx(&r, ~0ULL), expect_dup(w));
	EXPECT_EQ(vtun_replay_check(&r, 5, &seq), VTUN_REPLAY_OLD);
	return true;
}

static bool last_seq(u32 w, bool esn)
{
	u64 top = 10 * span(w) + 3;
	struct vtun_replay r;

	EXPECT_EQ(vtun_replay_init(&r, w, esn, top), 0);
	EXPECT_EQ(rx(&r, top), expect_dup(w));
	EXPECT_EQ(rx(&r, top - span(w)), expect_old(w, esn));
	EXPECT_EQ(rx(&r, top - span(w) + 1), VTUN_REPLAY_OK);
	EXPECT_EQ(rx(&r, top - 1), VTUN_REPLAY_OK);
	EXPECT_EQ(rx(&r, top + 1), VTUN_REPLAY_OK);
	EXPECT_EQ(rx(&r, top), expect_dup(w));
	return true;
}

/* The window moves between check and advance, as with async crypto. */
static bool stale_check(u32 w, bool esn)
{
	struct vtun_replay r;
	u64 a, b;

	EXPECT_EQ(vtun_replay_init(&r, w, esn, 100), 0);
	EXPECT_EQ(vtun_replay_check(&r, 90, &a), VTUN_REPLAY_OK);
	EXPECT_EQ(vtun_replay_check(&r, 90, &b), VTUN_REPLAY_OK);
	EXPECT_EQ(vtun_replay_advance(&r, a), VTUN_REPLAY_OK);
	EXPECT_EQ(vtun_replay_advance(&r, b), expect_dup(w));
	EXPECT_EQ(vtun_replay_check(&r, 95, &a), VTUN_REPLAY_OK);
	EXPECT_EQ(vtun_replay_advance(&r, 100 + span(w) + 95), VTUN_REPLAY_OK);
	EXPECT_EQ(vtun_replay_advance(&r, a), w ? VTUN_REPLAY_OLD
				  : VTUN_REPLAY_OK);
	return true;
}

/* Randomised comparison with a model that remembers every accepted seq. */

static u64 rng_state;

static u64 rnd(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 below(u64 n)
{
	return n ? rnd() % n : 0;
}

#define SET_BITS	18
#define SET_SIZE	(1U << SET_BITS)
#define RUN_PACKETS	50000	/* keeps the set at most a fifth full */

static u64 set[SET_SIZE];	/* open addressing; 0 is free, never a key */

static u64 *set_slot(u64 key)
{
	u32 i = (u32)((key * 0x9e3779b97f4a7c15ULL) >> (64 - SET_BITS));

	while (set[i] && set[i] != key)
		i = (i + 1) & (SET_SIZE - 1);
	return &set[i];
}

struct model {
	u64 top;
	u32 window;
	bool esn;
};

static void model_init(struct model *m, u32 window, bool esn, u64 last_seq)
{
	m->top = last_seq;
	m->window = window;
	m->esn = esn;
	memset(set, 0, sizeof(set));
	if (last_seq)
		*set_slot(last_seq) = last_seq;
}

/* The one seq with this low half in [top - window + 1, top - window + 2^32]. */
static bool model_place(const struct model *m, u32 lo, u64 *seq)
{
	__int128 base = (__int128)m->top + 1 - (m->window ?: 1U << 31);
	__int128 s = base + (u32)(lo - (u32)base);

	if (!m->esn) {
		*seq = lo;
		return true;
	}
	if (s < 0 || s > (__int128)~0ULL)
		return false;
	*seq = (u64)s;
	return true;
}

static int model_verdict(const struct model *m, u64 seq)
{
	if (!seq)
		return VTUN_REPLAY_ZERO;
	if (!m->window)
		return VTUN_REPLAY_OK;
	if ((__int128)seq <= (__int128)m->top - m->window)
		return VTUN_REPLAY_OLD;
	if (*set_slot(seq))
		return VTUN_REPLAY_DUP;
	return VTUN_REPLAY_OK;
}

static void model_advance(struct model *m, u64 seq)
{
	*set_slot(seq) = seq;
	if (seq > m->top)
		m->top = seq;
}

#define INFLIGHT	16
#define RECENT		64

/* A receiver and the model of it, fed by a sender. */

struct run {
	struct vtun_replay r;
	struct model m;
	u64 inflight[INFLIGHT];
	unsigned int ninflight;
	u64 sender, end, big;
	u64 recent[RECENT];
	u64 packets;
	u64 verdicts[VTUN_REPLAY_ZERO + 1];	/* of check() */
	u64 accepted, misplaced;
};

static bool complete_one(struct run *t)
{
	unsigned int i = below(t->ninflight);
	u64 seq = t->inflight[i];
	int v = vtun_replay_advance(&t->r, seq);
	int mv = model_verdict(&t->m, seq);

	t->inflight[i] = t->inflight[--t->ninflight];
	if (v != mv) {
		printf("# advance %#" PRIx64 ": %d, model %d (top %#" PRIx64
		       ")\n", seq, v, mv, t->m.top);
		return false;
	}
	if (v == VTUN_REPLAY_OK) {
		model_advance(&t->m, seq);
		t->accepted++;
	}
	return t->r.top == t->m.top;
}

static bool receive(struct run *t, u64 sent, bool forged)
{
	u64 seq = 0, mseq = 0;
	int v = vtun_replay_check(&t->r, (u32)sent, &seq);
	int mv = VTUN_REPLAY_OLD;

	t->packets++;
	if (model_place(&t->m, (u32)sent, &mseq))
		mv = model_verdict(&t->m, mseq);
	if (v != mv || (v == VTUN_REPLAY_OK && seq != mseq)) {
		printf("# check %#" PRIx64 ": %d at %#" PRIx64 ", model %d at %#"
		       PRIx64 " (top %#" PRIx64 ")\n",
		       sent, v, seq, mv, mseq, t->m.top);
		return false;
	}
	t->verdicts[v]++;
	/* The ICV fails unless the packet was sent as placed. */
	if (v != VTUN_REPLAY_OK || forged)
		return true;
	if (seq != sent) {
		t->misplaced++;
		return true;
	}
	if (t->ninflight == INFLIGHT && !complete_one(t))
		return false;
	t->inflight[t->ninflight++] = seq;
	return true;
}

/* How far the sender skips ahead: as lost packets, bursts and outages. */
static u64 pick_step(const struct run *t)
{
	u64 r = below(64), scale = t->m.window ?: 1024;

	if (r < 48 || !t->big)
		return 2 + below(3 * scale);
	if (r < 62)
		return below(1U << 16);
	return below(t->big);
}

static u64 next_packet(struct run *t, bool *forged)
{
	u64 scale = t->m.window ?: 1024, r = below(100), back, p;

	*forged = r >= 92 && r < 97;
	if (*forged)
		return t->sender - (u32)t->sender + (u32)rnd();

	if (r < 55 || (r < 62 && t->sender == t->end)) {
		p = t->sender < t->end ? ++t->sender : t->end;
	} else if (r < 62) {
		back = t->end - t->sender;
		t->sender += min_t(u64, pick_step(t), back);
		p = t->sender;
	} else if (r < 82) {
		back = below(2 * scale + 2);
		p = back <= t->sender ? t->sender - back : 0;
	} else if (r < 92) {
		p = t->recent[below(RECENT)];
	} else {
		back = below(1ULL << 34);
		p = back <= t->sender ? t->sender - back : 0;
	}
	t->recent[t->packets % RECENT] = p;
	return p;
}

static bool random_run(struct run *t, u32 w, bool esn, u64 start, u64 n)
{
	unsigned int at_end = 0;
	bool forged;
	u64 i, p;

	if (vtun_replay_init(&t->r, w, esn, start))
		return false;
	model_init(&t->m, w, esn, start);
	t->ninflight = 0;
	t->sender = start;
	t->end = esn ? ~0ULL : U32_MAX;
	for (i = 0; i < RECENT; i++)
		t->recent[i] = start;
	for (i = 0; i < n && (t->sender < t->end || at_end++ < 1000); i++) {
		p = next_packet(t, &forged);
		if (!receive(t, p, forged))
			return false;
		if (t->ninflight && below(4) && !complete_one(t))
			return false;
	}
	while (t->ninflight)
		if (!complete_one(t))
			return false;
	return true;
}

/*
 * Where run k starts and how far its sender may jump at once. Runs at the
 * end of 32 bits (a wrap with ESN) or of 64 bits move in small steps and are
 * short, so that there are many of them.
 */
static u64 run_start(struct run *t, unsigned int k, bool esn, u64 *n)
{
	t->big = esn ? 1U << 30 : 1U << 20;
	switch (k % 5) {
	case 0:
		return 0;
	case 1:
		return below(U32_MAX);
	case 2:
		return esn ? below(1ULL << 48) : 1 + below(1U << 16);
	case 3:
		t->big = 0;
		*n = min_t(u64, *n, RUN_PACKETS / 10);
		return TWO32 - 1 - below(RUN_PACKETS);
	default:
		t->big = 0;
		*n = min_t(u64, *n, RUN_PACKETS / 10);
		return (esn ? ~0ULL : U32_MAX) - below(RUN_PACKETS);
	}
}

static u64 random_test(u32 w, bool esn, u64 seed, u64 packets)
{
	static struct run t;
	unsigned int k;
	u64 n, start;

	rng_state = seed ^ ((u64)w << 1 | esn) * 0xd6e8feb86659fd93ULL;
	memset(&t, 0, sizeof(t));
	for (k = 0; t.packets < packets; k++) {
		n = min_t(u64, packets - t.packets, RUN_PACKETS);
		start = run_start(&t, k, esn, &n);
		if (!random_run(&t, w, esn, start, n)) {
			printf("# run %u from seed %" PRIu64 "\n", k, seed);
			return 0;
		}
	}
	printf("# check: %" PRIu64 " ok, %" PRIu64 " dup, %" PRIu64 " old, %"
	       PRIu64 " zero; %" PRIu64 " misplaced, %" PRIu64 " accepted\n",
	       t.verdicts[VTUN_REPLAY_OK], t.verdicts[VTUN_REPLAY_DUP],
	       t.verdicts[VTUN_REPLAY_OLD], t.verdicts[VTUN_REPLAY_ZERO],
	       t.misplaced, t.accepted);
	return t.packets;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define CASE(fn)	{ fn, #fn }

static const struct {
	bool (*fn)(u32 w, bool esn);
	const char *name;
} cases[] = {
	CASE(zero), CASE(in_order), CASE(left_edge), CASE(reorder),
	CASE(jump), CASE(wrap), CASE(esn_bounds), CASE(last_seq),
	CASE(stale_check),
};

int main(int argc, char **argv)
{
	u64 seed = 1, packets = 2000000, total = 0, n;
	unsigned int i, j, esn;
	double t0;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (opt = 1; opt + 1 < argc; opt += 2) {
		if (!strcmp(argv[opt], "-s"))
			seed = strtoull(argv[opt + 1], NULL, 0);
		else if (!strcmp(argv[opt], "-n"))
			packets = strtoull(argv[opt + 1], NULL, 0);
		else
			break;
	}
	if (opt != argc) {
		fprintf(stderr, "usage: %s [-s SEED] [-n PACKETS]\n", argv[0]);
		return 2;
	}
	printf("# BITS_PER_LONG %d, sizeof(struct vtun_replay) %zu\n",
	       BITS_PER_LONG, sizeof(struct vtun_replay));

	tap(init_rejects(), "init rejects bad windows");
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		for (j = 0; j < ARRAY_SIZE(case_windows); j++)
			for (esn = 0; esn <= 1; esn++)
				tap(cases[i].fn(case_windows[j], esn),
				    "%s: window %u esn %u", cases[i].name,
				    case_windows[j], esn);

	printf("# seed %" PRIu64 ", %" PRIu64 " packets per window and ESN setting (-s, -n)\n",
	       seed, packets);
	t0 = now();
	for (j = 0; j < ARRAY_SIZE(all_windows); j++) {
		for (esn = 0; esn <= 1; esn++) {
			n = random_test(all_windows[j], esn, seed, packets);
			total += n;
			tap(n == packets, "random: window %u esn %u",
			    all_windows[j], esn);
		}
	}
	printf("# %" PRIu64 " packets compared with the model in %.2f s\n",
	       total, now() - t0);

	printf("1..%u\n", passed + failed);
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
