// SPDX-License-Identifier: GPL-2.0
/*
 * Anti-replay window (RFC 4303 3.4.3) as a ring of bitmap blocks (RFC 6479):
 * sliding forward clears whole blocks ahead of the top instead of shifting
 * bits, so its cost is bounded by the ring size however far the top jumps.
 *
 * Receiving is two-phase. vtun_replay_check() runs before decryption to drop
 * replays cheaply and to infer the high half of an extended sequence number,
 * which the ICV covers. vtun_replay_advance() runs once the ICV verified and
 * is the one that decides.
 *
 * Locking is the caller's: vtun_replay_advance() must be serialised (the SA
 * lock). vtun_replay_check() may run locklessly beside it; it then sees a
 * window that is moving, which makes its verdict a hint, never a memory
 * hazard (every ring index it computes stays below nblocks), and is why
 * vtun_replay_advance() checks again.
 */

#include "replay.h"

#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>

/*
 * With no window to anchor the ESN inference on, take the candidate nearest
 * to the top: up to 2^31 behind or ahead of it.
 */
#define ESN_SPAN_WITHOUT_WINDOW	BIT(31)

/*
 * RFC 4303 Appendix A3: infer the high half of the sequence number from where
 * its low half falls relative to the bottom of the window. This places seq in
 * [top - window + 1, top - window + 2^32]. Fails when that is outside the
 * 64-bit space: before the first packet, or past the last one.
 */
static bool esn_infer(u64 top, u32 window, u32 seq_lo, u64 *seq)
{
	u32 top_lo = lower_32_bits(top), seq_hi = upper_32_bits(top);
	u32 bottom = top_lo - window + 1;

	if (top_lo >= window - 1) {
		/* Case A: the window lies within one subspace. */
		if (seq_lo < bottom) {
			if (seq_hi == U32_MAX)
				return false;
			seq_hi++;
		}
	} else {
		/* Case B: the window spans two subspaces. */
		if (seq_lo >= bottom) {
			if (!seq_hi)
				return false;
			seq_hi--;
		}
	}
	*seq = (u64)seq_hi << 32 | seq_lo;
	return true;
}

/* Only for seq in the window, which is less than nblocks blocks back. */
static u32 ring_index(const struct vtun_replay *r, u64 top, u64 seq)
{
	u32 back = top / BITS_PER_LONG - seq / BITS_PER_LONG;
	u32 top_block = READ_ONCE(r->top_block);

	return top_block >= back ? top_block - back
				 : top_block + r->nblocks - back;
}

static enum vtun_replay_verdict verdict(const struct vtun_replay *r, u64 top,
					u64 seq)
{
	unsigned long block;

	if (unlikely(!seq))
		return VTUN_REPLAY_ZERO;
	if (likely(seq > top) || !r->window)
		return VTUN_REPLAY_OK;
	if (top - seq >= r->window)
		return VTUN_REPLAY_OLD;
	block = READ_ONCE(r->bitmap[ring_index(r, top, seq)]);
	return block & BIT(seq % BITS_PER_LONG) ? VTUN_REPLAY_DUP
						: VTUN_REPLAY_OK;
}

/* Clears the blocks the window enters; those it leaves are reused for it. */
static void slide(struct vtun_replay *r, u64 seq)
{
	u64 blocks = seq / BITS_PER_LONG - r->top / BITS_PER_LONG;
	u32 n = min_t(u64, blocks, r->nblocks);
	u32 i = r->top_block;

	while (n--) {
		if (++i == r->nblocks)
			i = 0;
		WRITE_ONCE(r->bitmap[i], 0);
	}
	WRITE_ONCE(r->top_block, i);
	WRITE_ONCE(r->top, seq);
}

static void mark(struct vtun_replay *r, u64 seq)
{
	u32 i = ring_index(r, r->top, seq);

	WRITE_ONCE(r->bitmap[i], r->bitmap[i] | BIT(seq % BITS_PER_LONG));
}

/**
 * vtun_replay_init - set up the replay state of an inbound SA
 * @r: state to initialise
 * @window: window size, 0 for none (see vtun_replay_window_valid())
 * @esn: whether the SA uses 64-bit extended sequence numbers
 * @last_seq: sequence number taken as the last one received, usually 0
 *
 * A non-zero @last_seq counts as received; everything at or below
 * @last_seq - @window is old.
 *
 * Return: 0, or -EINVAL for a bad window or a @last_seq beyond 32 bits
 * without @esn.
 */
int vtun_replay_init(struct vtun_replay *r, u32 window, bool esn, u64 last_seq)
{
	if (!vtun_replay_window_valid(window) || (!esn && last_seq > U32_MAX))
		return -EINVAL;

	memset(r, 0, sizeof(*r));
	r->window = window;
	r->esn = esn;
	r->top = last_seq;
	if (!window)
		return 0;
	r->nblocks = DIV_ROUND_UP(window, BITS_PER_LONG) + 1;
	if (last_seq)
		mark(r, last_seq);
	return 0;
}

/**
 * vtun_replay_check - whether a packet is worth decrypting
 * @r: replay state, which may be changing under us
 * @seq_lo: sequence number field of the received packet, in host order
 * @seq: set to the full sequence number on VTUN_REPLAY_OK; its high half is
 *	 what the ICV covers with ESN
 *
 * Without a window, only sequence number 0 is refused, but the high half is
 * still inferred.
 *
 * Return: VTUN_REPLAY_OK or why the packet must be dropped.
 */
enum vtun_replay_verdict vtun_replay_check(const struct vtun_replay *r,
					   u32 seq_lo, u64 *seq)
{
	u64 top = READ_ONCE(r->top);
	u32 span = r->window ?: ESN_SPAN_WITHOUT_WINDOW;

	if (!r->esn)
		*seq = seq_lo;
	else if (unlikely(!esn_infer(top, span, seq_lo, seq)))
		return VTUN_REPLAY_OLD;
	return verdict(r, top, *seq);
}

/**
 * vtun_replay_advance - record a packet whose ICV verified
 * @r: replay state, under the caller's lock
 * @seq: full sequence number from vtun_replay_check()
 *
 * The window may have moved since vtun_replay_check(), so the packet is
 * judged again and only recorded when still acceptable.
 *
 * Return: VTUN_REPLAY_OK if recorded, or why the packet must be dropped.
 */
enum vtun_replay_verdict vtun_replay_advance(struct vtun_replay *r, u64 seq)
{
	enum vtun_replay_verdict v = verdict(r, r->top, seq);

	if (v != VTUN_REPLAY_OK)
		return v;
	if (seq > r->top)
		slide(r, seq);
	if (r->window)
		mark(r, seq);
	return VTUN_REPLAY_OK;
}
