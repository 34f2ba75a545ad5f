// SPDX-License-Identifier: GPL-2.0
/*
 * vtun-iked: IKE message fragmentation (RFC 7383).
 *
 * Both ends announce IKEV2_FRAGMENTATION_SUPPORTED in IKE_SA_INIT. Then an
 * encrypted message (IKE_AUTH and later) whose IP datagram would exceed
 * fragment-size is sent as Encrypted Fragment (SKF) payloads instead: the
 * sealed message is opened again with our own keys, its inner payloads cut
 * into pieces, and each piece sealed on its own (the IKE header, the SKF
 * header and its fragment number and total are the associated data), so
 * every fragment is authenticated. Retransmissions fragment again (new
 * IVs); the receiver only reassembles what it has not seen.
 *
 * Received fragments are checked (message ID in the window, lengths,
 * number and total) and authenticated before anything is kept; at most
 * FRAG_MAX fragments and FRAG_BYTES of plaintext per IKE SA, one message at
 * a time, dropped after FRAG_TIMEOUT_MS. The reassembled message is sealed
 * again as an ordinary SK message with the peer's keys and goes through
 * ike_recv() like any other. A fragment 1 of the request already answered
 * makes the answer go again (RFC 7383 2.6.1); the other fragments of it are
 * ignored.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "ikesa.h"

#define FRAG_MAX		64
#define FRAG_BYTES		65536
#define FRAG_TIMEOUT_MS		30000
#define SKF_HDR			8	/* generic header, number, total */

struct frag_rx {
	uint32_t msgid;
	bool resp;
	uint8_t exch;
	uint8_t first;		/* next payload of fragment 1 */
	uint16_t total, n;
	size_t bytes;
	uint64_t started;
	uint8_t *part[FRAG_MAX];
	size_t len[FRAG_MAX];
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static bool enabled(void)
{
	const struct iked_config *c = ike_engine_current()->conf;

	return !c || !c->no_fragmentation;
}

static size_t frag_size(void)
{
	const struct iked_config *c = ike_engine_current()->conf;

	return c && c->fragment_size ? c->fragment_size : IKED_FRAGMENT_SIZE;
}

void frag_offer(struct ike_buf *b)
{
	if (enabled())
		msg_add_notify(b, IKEV2_PROTO_NONE, 0, 0,
			       IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
}

void frag_accept(struct ike_sa *sa, const struct ike_parsed *p)
{
	sa->frag_ok = enabled() &&
		msg_find_notify(p, IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED);
}

void frag_answer(struct ike_sa *sa, const struct ike_parsed *p,
		 struct ike_buf *b)
{
	frag_accept(sa, p);
	if (sa->frag_ok)
		frag_offer(b);
}

static struct ike_sk *keys_out(struct ike_sa *sa)
{
	return sa->initiator ? &sa->keys.i2r : &sa->keys.r2i;
}

static const struct ike_sk *keys_in(const struct ike_sa *sa)
{
	return sa->initiator ? &sa->keys.r2i : &sa->keys.i2r;
}

/*
 * @hdr: the 28 bytes of the IKE header to use (length and first payload
 * are set here); @first the SK(F) payload's next payload; @plain the inner
 * payloads. SKF when @total, else SK. The message is in *out (malloc'd).
 */
static int seal(struct ike_sk *sk, const uint8_t *hdr, uint8_t first,
		uint16_t num, uint16_t total, const uint8_t *plain,
		size_t plain_len, uint8_t **out, size_t *out_len)
{
	size_t iv = crypto_sk_iv_len(sk), icv = crypto_sk_icv_len(sk);
	size_t ph = total ? SKF_HDR : 4, pad = crypto_sk_pad_len(sk, plain_len);
	size_t len = IKEV2_HDR_LEN + ph + iv + plain_len + pad + 1 + icv;
	uint8_t *m = calloc(1, len), *pl;
	int err;

	if (!m)
		return -ENOMEM;
	memcpy(m, hdr, IKEV2_HDR_LEN);
	m[16] = total ? IKEV2_PL_SKF : IKEV2_PL_SK;
	put32(m + 24, (uint32_t)len);
	pl = m + IKEV2_HDR_LEN;
	pl[0] = first;
	put16(pl + 2, (uint16_t)(len - IKEV2_HDR_LEN));
	if (total) {
		put16(pl + 4, num);
		put16(pl + 6, total);
	}
	memcpy(pl + ph + iv, plain, plain_len);
	m[len - icv - 1] = (uint8_t)pad;
	err = crypto_sk_encrypt(sk, m, len, IKEV2_HDR_LEN + ph - 4);
	if (err) {
		crypto_cleanse(m, len);
		free(m);
		return err;
	}
	*out = m;
	*out_len = len;
	return 0;
}

int frag_send(struct ike_sa *sa, const uint8_t *msg, size_t len)
{
	struct ike_sk *sk = keys_out(sa);
	size_t ip = sa->peer.ss_family == AF_INET6 ? 40 : 20;
	size_t over = ip + 8 + (addr_port(&sa->peer) == IKEV2_PORT ? 0 : 4);
	size_t max = frag_size(), room, blk, plain_len, off, flen;
	uint8_t *copy, *plain, *f;
	uint16_t total, i;
	int err = 0;

	if (!sa->frag_ok || !sa->have_keys || len + over <= max ||
	    len < IKEV2_HDR_LEN + 4 || msg[16] != IKEV2_PL_SK)
		return iked_send(&sa->local, &sa->peer, msg, len);
	/* what one fragment can carry: whole cipher blocks, pad length */
	blk = sk->encr->block_len ? sk->encr->block_len : 1;
	if (max < over + IKEV2_HDR_LEN + SKF_HDR + crypto_sk_iv_len(sk) +
	    crypto_sk_icv_len(sk) + 2 * blk)
		return iked_send(&sa->local, &sa->peer, msg, len);
	room = max - over - IKEV2_HDR_LEN - SKF_HDR - crypto_sk_iv_len(sk) -
	       crypto_sk_icv_len(sk);
	room = room / blk * blk - 1;
	copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, msg, len);
	err = crypto_sk_decrypt(sk, copy, len, IKEV2_HDR_LEN, &plain,
				&plain_len);
	if (err)
		goto out;
	total = (uint16_t)((plain_len + room - 1) / room);
	if (!total || total > FRAG_MAX) {
		err = -EMSGSIZE;
		goto out;
	}
	for (i = 0, off = 0; i < total && !err; i++, off += room) {
		size_t n = plain_len - off < room ? plain_len - off : room;

		err = seal(sk, msg, i ? 0 : msg[IKEV2_HDR_LEN], i + 1, total,
			   plain + off, n, &f, &flen);
		if (!err) {
			err = iked_send(&sa->local, &sa->peer, f, flen);
			free(f);
		}
	}
	iked_log(LOG_DEBUG, "%s: %s %s of %zu bytes in %u fragments",
		 sa->gw->name, msg_exchange_name(msg[18]),
		 msg[19] & IKEV2_FLAG_RESPONSE ? "response" : "request", len,
		 total);
out:
	crypto_cleanse(copy, len);
	free(copy);
	return err;
}

void frag_free(struct ike_sa *sa)
{
	struct frag_rx *rx = sa->frag;
	int i;

	if (!rx)
		return;
	for (i = 0; i < FRAG_MAX; i++)
		if (rx->part[i]) {
			crypto_cleanse(rx->part[i], rx->len[i]);
			free(rx->part[i]);
		}
	free(rx);
	sa->frag = NULL;
}

static void dropped(enum ike_drop why, const char *what)
{
	ike_drop(why);
	iked_log(LOG_DEBUG, "dropped IKE fragment: %s (%s)", what,
		 ike_drop_names[why]);
}

/* All fragments are in: the message as one SK message, into ike_recv(). */
static void reassembled(struct ike_sa *sa, const uint8_t *hdr,
			const struct sockaddr_storage *local,
			const struct sockaddr_storage *peer)
{
	struct frag_rx *rx = sa->frag;
	struct ike_sk sk = *keys_in(sa);
	uint8_t *plain, *m;
	size_t off = 0, len;
	int i, err;

	plain = malloc(rx->bytes ? rx->bytes : 1);
	if (!plain) {
		frag_free(sa);
		return;
	}
	for (i = 0; i < rx->total; i++) {
		memcpy(plain + off, rx->part[i], rx->len[i]);
		off += rx->len[i];
	}
	err = seal(&sk, hdr, rx->first, 0, 0, plain, off, &m, &len);
	crypto_cleanse(&sk, sizeof(sk));
	crypto_cleanse(plain, off);
	free(plain);
	frag_free(sa);
	if (err)
		return;
	ike_recv(local, peer, m, len);
	free(m);
}

bool frag_recv(const struct sockaddr_storage *local,
	       const struct sockaddr_storage *peer,
	       const uint8_t *msg, size_t len)
{
	size_t plain_len;
	uint16_t num, total;
	struct ike_hdr h;
	struct ike_sa *sa;
	struct frag_rx *rx;
	uint8_t *copy, *plain;
	bool is_resp;
	int err;

	if (msg_peek_hdr(msg, len, &h) || h.next != IKEV2_PL_SKF)
		return false;
	if ((h.version >> 4) != 2) {
		dropped(IKE_DROP_VERSION, "version");
		return true;
	}
	if (h.length != len || len < IKEV2_HDR_LEN + SKF_HDR ||
	    ((size_t)msg[30] << 8 | msg[31]) != len - IKEV2_HDR_LEN) {
		dropped(IKE_DROP_MALFORMED, "lengths");
		return true;
	}
	num = (uint16_t)(msg[32] << 8 | msg[33]);
	total = (uint16_t)(msg[34] << 8 | msg[35]);
	if (!num || num > total || total > FRAG_MAX ||
	    (num > 1 && msg[IKEV2_HDR_LEN])) {
		dropped(IKE_DROP_MALFORMED, "fragment number");
		return true;
	}
	sa = ike_sa_lookup(&h, peer);
	if (!sa) {
		dropped(IKE_DROP_NO_SA, "unknown SPIs");
		return true;
	}
	if (!sa->have_keys || !sa->frag_ok || sa->state == IKE_S_DEAD) {
		dropped(IKE_DROP_UNEXPECTED, "fragmentation not negotiated");
		return true;
	}
	is_resp = h.flags & IKEV2_FLAG_RESPONSE;
	if (is_resp ? !sa->req_busy || h.msgid != sa->req_msgid ||
		      h.exchange != sa->req_exch :
		      h.msgid != sa->resp_msgid &&
		      !(h.msgid + 1 == sa->resp_msgid && sa->resp)) {
		dropped(IKE_DROP_MSGID, "message ID");
		return true;
	}
	copy = malloc(len);
	if (!copy)
		return true;
	memcpy(copy, msg, len);
	err = crypto_sk_decrypt(keys_in(sa), copy, len, IKEV2_HDR_LEN + 4,
				&plain, &plain_len);
	if (err) {
		dropped(err == -EBADMSG ? IKE_DROP_INTEGRITY :
			IKE_DROP_MALFORMED, "SKF payload");
		goto out;
	}
	if (!is_resp && h.msgid + 1 == sa->resp_msgid) {
		/* answered already: fragment 1 asks for the answer again */
		if (num == 1)
			frag_send(sa, sa->resp, sa->resp_len);
		goto out;
	}
	rx = sa->frag;
	if (rx && (rx->msgid != h.msgid || rx->resp != is_resp ||
		   iked_now_ms() - rx->started > FRAG_TIMEOUT_MS)) {
		frag_free(sa);
		rx = NULL;
	}
	if (!rx) {
		rx = calloc(1, sizeof(*rx));
		if (!rx)
			goto out;
		rx->msgid = h.msgid;
		rx->resp = is_resp;
		rx->exch = h.exchange;
		rx->total = total;
		rx->started = iked_now_ms();
		sa->frag = rx;
	}
	if (rx->total != total || rx->exch != h.exchange) {
		dropped(IKE_DROP_MALFORMED, "fragment total");
		goto out;
	}
	if (rx->part[num - 1])
		goto out;	/* a retransmitted fragment */
	if (rx->bytes + plain_len > FRAG_BYTES) {
		dropped(IKE_DROP_MALFORMED, "reassembled size");
		frag_free(sa);
		goto out;
	}
	rx->part[num - 1] = malloc(plain_len ? plain_len : 1);
	if (!rx->part[num - 1])
		goto out;
	memcpy(rx->part[num - 1], plain, plain_len);
	rx->len[num - 1] = plain_len;
	rx->bytes += plain_len;
	if (num == 1)
		rx->first = msg[IKEV2_HDR_LEN];
	if (++rx->n == rx->total)
		reassembled(sa, msg, local, peer);
out:
	crypto_cleanse(copy, len);
	free(copy);
	return true;
}
