// SPDX-License-Identifier: GPL-2.0
/*
 * vtun-iked: responder cookies (RFC 7296 2.6).
 *
 * While at least cookie-threshold IKE SAs are half-open (IKE_SA_INIT
 * answered, IKE_AUTH not yet received), an IKE_SA_INIT request without a
 * valid cookie is answered with N(COOKIE) and nothing else, and nothing is
 * kept: the cookie is
 *
 *	version (4 bytes) | HMAC-SHA-256(secret[version], Ni | IPi | SPIi)
 *
 * so it can be checked when the initiator sends the request again with the
 * cookie in front, proving that it receives at the address it claims. The
 * secret is replaced every COOKIE_ROTATE_MS; cookies of the previous one are
 * still accepted, so a cookie is good for one to two periods.
 *
 * The initiator side (resending IKE_SA_INIT with the cookie first) is in
 * ikesa.c's init_response().
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ikesa.h"

#define COOKIE_ROTATE_MS	60000
#define COOKIE_SECRET_LEN	32
#define COOKIE_HASH_LEN		32
#define COOKIE_LEN		(4 + COOKIE_HASH_LEN)

struct cookie_secret {
	uint8_t key[COOKIE_SECRET_LEN];
	uint32_t version;
	bool valid;
};

static struct cookie_secret cur, prev;
static uint64_t cur_since;
static bool demanding;		/* for the log: cookies are demanded now */
static struct cookie_stats stats;

const struct cookie_stats *cookie_stats(void)
{
	return &stats;
}

/* A new secret every COOKIE_ROTATE_MS, the previous one kept. */
static int rotate(void)
{
	uint64_t now = iked_now_ms();

	if (cur.valid && now - cur_since < COOKIE_ROTATE_MS)
		return 0;
	if (cur.valid && now - cur_since < 2 * COOKIE_ROTATE_MS)
		prev = cur;
	else
		crypto_cleanse(&prev, sizeof(prev));
	if (crypto_random(cur.key, sizeof(cur.key))) {
		crypto_cleanse(&cur, sizeof(cur));
		return -EIO;
	}
	cur.version = prev.version + 1;
	cur.valid = true;
	cur_since = now;
	return 0;
}

static int cookie_hash(const struct cookie_secret *s, const struct ike_parsed *p,
		       const struct sockaddr_storage *peer, uint8_t *out)
{
	const void *ip;
	size_t ip_len;
	uint8_t buf[IKEV2_NONCE_MAX + 16 + 8];
	unsigned int out_len = COOKIE_HASH_LEN;
	size_t n;
	int i;

	ip = addr_ip(peer, &ip_len);
	if (!ip)
		return -EAFNOSUPPORT;
	if (!p->nonce || p->nonce_len > IKEV2_NONCE_MAX)
		return -EINVAL;
	memcpy(buf, p->nonce, p->nonce_len);
	n = p->nonce_len;
	memcpy(buf + n, ip, ip_len);
	n += ip_len;
	for (i = 0; i < 8; i++)
		buf[n++] = (uint8_t)(p->hdr.spi_i >> (56 - 8 * i));
	if (!HMAC(EVP_sha256(), s->key, sizeof(s->key), buf, n, out, &out_len) ||
	    out_len != COOKIE_HASH_LEN)
		return -EIO;
	return 0;
}

static uint32_t half_open(void)
{
	const struct ike_sa *sa;
	uint32_t n = 0;

	for (sa = ike_engine_current()->sas; sa; sa = sa->next)
		if (sa->state == IKE_S_INIT_R)
			n++;
	return n;
}

/* The cookie of @p is one we gave @peer with the current or last secret. */
static bool cookie_valid(const struct ike_notify *n, const struct ike_parsed *p,
			 const struct sockaddr_storage *peer)
{
	const struct cookie_secret *s;
	uint8_t h[COOKIE_HASH_LEN];
	uint32_t version;
	bool ok;

	if (n->len != COOKIE_LEN)
		return false;
	version = (uint32_t)n->data[0] << 24 | (uint32_t)n->data[1] << 16 |
		  (uint32_t)n->data[2] << 8 | n->data[3];
	if (cur.valid && version == cur.version)
		s = &cur;
	else if (prev.valid && version == prev.version)
		s = &prev;
	else
		return false;
	if (cookie_hash(s, p, peer, h))
		return false;
	ok = crypto_memeq(h, n->data + 4, COOKIE_HASH_LEN);
	crypto_cleanse(h, sizeof(h));
	return ok;
}

bool cookie_check(const struct ike_parsed *p,
		  const struct sockaddr_storage *local,
		  const struct sockaddr_storage *peer)
{
	const struct iked_config *conf = ike_engine_current()->conf;
	uint32_t threshold = conf && conf->cookie_threshold ?
			     conf->cookie_threshold : IKED_COOKIE_THRESHOLD;
	const struct ike_notify *n = msg_find_notify(p, IKEV2_N_COOKIE);
	uint32_t open = half_open();
	uint8_t c[COOKIE_LEN];

	if (open < threshold) {
		if (demanding)
			iked_log(LOG_NOTICE,
				 "%u half-open IKE SAs: no more cookies (%llu sent, %llu valid returned, %llu invalid)",
				 open, (unsigned long long)stats.sent,
				 (unsigned long long)stats.valid,
				 (unsigned long long)stats.invalid);
		demanding = false;
		return true;
	}
	if (!demanding)
		iked_log(LOG_NOTICE,
			 "%u half-open IKE SAs: demanding cookies", open);
	demanding = true;
	if (rotate())
		return false;
	if (n) {
		if (cookie_valid(n, p, peer)) {
			stats.valid++;
			return true;
		}
		/* RFC 7296 2.6: as if it had none, a new cookie */
		stats.invalid++;
	}
	c[0] = (uint8_t)(cur.version >> 24);
	c[1] = (uint8_t)(cur.version >> 16);
	c[2] = (uint8_t)(cur.version >> 8);
	c[3] = (uint8_t)cur.version;
	if (cookie_hash(&cur, p, peer, c + 4))
		return false;
	init_notify(&p->hdr, local, peer, IKEV2_N_COOKIE, c, sizeof(c));
	stats.sent++;
	return false;
}

void cookie_fini(void)
{
	crypto_cleanse(&cur, sizeof(cur));
	crypto_cleanse(&prev, sizeof(prev));
	memset(&stats, 0, sizeof(stats));
	demanding = false;
}
