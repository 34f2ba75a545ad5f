/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inbound anti-replay window of a security association (RFC 4303 3.4.3),
 * kept as a ring of bitmap blocks (RFC 6479) over 64-bit sequence numbers.
 */

#ifndef _VTUN_REPLAY_H
#define _VTUN_REPLAY_H

#include <linux/types.h>
#include <linux/bitops.h>

#define VTUN_REPLAY_DEFAULT	1024
#define VTUN_REPLAY_MIN		32
#define VTUN_REPLAY_MAX		4096

/* One spare block lets the window slide without losing its oldest bits. */
#define VTUN_REPLAY_BLOCKS_MAX	(VTUN_REPLAY_MAX / BITS_PER_LONG + 1)

enum vtun_replay_verdict {
	VTUN_REPLAY_OK,
	VTUN_REPLAY_DUP,	/* already received */
	VTUN_REPLAY_OLD,	/* left of the window */
	VTUN_REPLAY_ZERO,	/* sequence number 0 is never sent */
};

/*
 * The bitmap is embedded at its largest size so that the state can sit
 * anywhere in the SA and needs no allocation of its own.
 */
struct vtun_replay {
	u64 top;		/* highest authenticated sequence number */
	u32 window;		/* 0: no replay check */
	u32 nblocks;		/* blocks in use in the ring, 0 without window */
	u32 top_block;		/* ring index of the block holding top */
	bool esn;
	unsigned long bitmap[VTUN_REPLAY_BLOCKS_MAX];
};

/* 0 turns replay checking off; otherwise a power of two in MIN..MAX. */
static inline bool vtun_replay_window_valid(u32 window)
{
	return !window || (window >= VTUN_REPLAY_MIN &&
			   window <= VTUN_REPLAY_MAX &&
			   !(window & (window - 1)));
}

int vtun_replay_init(struct vtun_replay *r, u32 window, bool esn,
		     u64 last_seq);
enum vtun_replay_verdict vtun_replay_check(const struct vtun_replay *r,
					   u32 seq_lo, u64 *seq);
enum vtun_replay_verdict vtun_replay_advance(struct vtun_replay *r, u64 seq);

#endif /* _VTUN_REPLAY_H */
