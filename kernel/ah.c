// SPDX-License-Identifier: GPL-2.0
/*
 * AH (RFC 4302): algorithm set-up, and computing and verifying the ICV
 * of one packet, synchronous or not. The ICV covers the IP header with
 * its mutable fields zeroed, the AH header with its ICV field zeroed,
 * the payload and, with ESN, the high 32 bits of the sequence number.
 */

#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/scatterlist.h>
#include <net/ah.h>
#include <net/ip.h>

#include <uapi/linux/vtun.h>

#include "ah.h"
#include "compat.h"
#include "esp.h"
#include "sa.h"

struct vtun_ah_alg {
	const char *name;
	u32 trunc_bits;		/* default: RFC 2404, RFC 4868 */
};

static const struct vtun_ah_alg vtun_ah_algs[] = {
	{ "hmac(sha1)", 96 },
	{ "hmac(sha256)", 128 },
	{ "hmac(sha384)", 192 },
	{ "hmac(sha512)", 256 },
};

/*
 * Per-packet scratch, followed by the hash request and the scatterlist
 * (one entry more than the packet needs, for the ESN high bits), laid
 * out as ah4 does.
 */
struct vtun_ah_tmp {
	u8 iph[60];		/* the IP header as it was (IPv4 options too) */
	u8 icv[HASH_MAX_DIGESTSIZE];	/* inbound: the ICV received */
	u8 digest[HASH_MAX_DIGESTSIZE];
	__be32 seqhi;
};

static const struct vtun_ah_alg *vtun_ah_find_alg(const struct nlattr *attr)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vtun_ah_algs); i++)
		if (!nla_strcmp(attr, vtun_ah_algs[i].name))
			return &vtun_ah_algs[i];
	return NULL;
}

/* AH has no cipher: refuse any. */
static int vtun_ah_no_cipher(struct nlattr **tb, struct netlink_ext_ack *extack)
{
	if (tb[VTUN_A_SA_AEAD_ALG]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_AEAD_ALG],
				    "aead-alg: not allowed with proto ah");
		return -EINVAL;
	}
	if (tb[VTUN_A_SA_ENC_ALG]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_ENC_ALG],
				    "enc-alg: not allowed with proto ah");
		return -EINVAL;
	}
	return 0;
}

int vtun_ah_init(struct vtun_sa *sa, struct nlattr **tb,
		 struct netlink_ext_ack *extack)
{
	struct nlattr *trunc = tb[VTUN_A_SA_AUTH_TRUNC_BITS];
	struct nlattr *key = tb[VTUN_A_SA_AUTH_KEY];
	const struct vtun_ah_alg *alg;
	struct crypto_ahash *ahash;
	u32 bits;
	int err;

	err = vtun_ah_no_cipher(tb, extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, NULL, tb, VTUN_A_SA_AUTH_ALG) ||
	    NL_REQ_ATTR_CHECK(extack, NULL, tb, VTUN_A_SA_AUTH_KEY))
		return -EINVAL;
	alg = vtun_ah_find_alg(tb[VTUN_A_SA_AUTH_ALG]);
	if (!alg) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_AUTH_ALG],
				    "auth-alg: not supported with proto ah");
		return -ENOENT;
	}
	ahash = crypto_alloc_ahash(alg->name, 0, 0);
	if (IS_ERR(ahash)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_AUTH_ALG],
				    "auth-alg: not available in this kernel");
		return PTR_ERR(ahash);
	}
	/* Freed with the SA, which zeroizes the key. */
	sa->ahash = ahash;
	bits = trunc ? nla_get_u32(trunc) : alg->trunc_bits;
	if (!bits || bits % 32 || bits / 8 > crypto_ahash_digestsize(ahash)) {
		NL_SET_ERR_MSG_ATTR(extack, trunc,
				    "auth-trunc-bits: must be a multiple of 32 up to the digest size");
		return -EINVAL;
	}
	err = crypto_ahash_setkey(ahash, nla_data(key), nla_len(key));
	if (err) {
		NL_SET_ERR_MSG_ATTR(extack, key,
				    "auth-key: invalid for the algorithm");
		return err;
	}
	strscpy(sa->auth_alg, alg->name, sizeof(sa->auth_alg));
	sa->auth_trunc_bits = bits;
	sa->icvlen = bits / 8;
	sa->ah_align8 = tb[VTUN_A_SA_AH_ALIGN8] &&
			nla_get_u8(tb[VTUN_A_SA_AH_ALIGN8]);
	return 0;
}

static struct vtun_ah_tmp *vtun_ah_alloc_tmp(struct crypto_ahash *ahash,
					     int nsg)
{
	unsigned int len;

	len = ALIGN(sizeof(struct vtun_ah_tmp), crypto_tfm_ctx_alignment());
	len += sizeof(struct ahash_request) + crypto_ahash_reqsize(ahash);
	len = ALIGN(len, __alignof__(struct scatterlist));
	len += sizeof(struct scatterlist) * nsg;
	return kmalloc(len, GFP_ATOMIC);
}

static struct ahash_request *vtun_ah_tmp_req(struct crypto_ahash *ahash,
					     struct vtun_ah_tmp *tmp)
{
	struct ahash_request *req;

	req = (void *)PTR_ALIGN((u8 *)(tmp + 1), crypto_tfm_ctx_alignment());
	ahash_request_set_tfm(req, ahash);
	return req;
}

static struct scatterlist *vtun_ah_req_sg(struct crypto_ahash *ahash,
					  struct ahash_request *req)
{
	return (void *)ALIGN((unsigned long)(req + 1) +
			     crypto_ahash_reqsize(ahash),
			     __alignof__(struct scatterlist));
}

/* The request state is derived from the key: wipe it with the scratch. */
static void vtun_ah_free_tmp(struct vtun_ah_tmp *tmp)
{
	kfree_sensitive(tmp);
}

/*
 * IPv4 options (RFC 4302 Appendix A.1): security, extended security,
 * commercial security, router alert and SDMDD are immutable; all others
 * are hashed as zeros. On output a source route puts its final
 * destination in the hashed destination address.
 */
static int vtun_ah_zero_options4(struct iphdr *iph, bool out)
{
	int left = iph->ihl * 4 - sizeof(*iph);
	u8 *opt = (u8 *)(iph + 1);
	int len;

	while (left > 0) {
		if (opt[0] == IPOPT_END)
			return 0;
		if (opt[0] == IPOPT_NOOP) {
			opt++;
			left--;
			continue;
		}
		if (left < 2)
			return -EINVAL;
		len = opt[1];
		if (len < 2 || len > left)
			return -EINVAL;
		switch (opt[0]) {
		case IPOPT_SEC:
		case 0x85:		/* extended security */
		case IPOPT_CIPSO:	/* commercial security */
		case IPOPT_RA:
		case 0x95:		/* SDMDD, RFC 1770 */
			break;
		case IPOPT_LSRR:
		case IPOPT_SSRR:
			if (len < 7)
				return -EINVAL;
			if (out)
				memcpy(&iph->daddr, opt + len - 4, 4);
			fallthrough;
		default:
			memset(opt, 0, len);
		}
		left -= len;
		opt += len;
	}
	return 0;
}

/*
 * Zero what may change in flight in the IP header at @nh of @hlen bytes:
 * IPv4 TOS, flags and fragment offset, TTL, checksum and mutable
 * options; IPv6 traffic class, flow label and hop limit. IPv6 extension
 * headers are not supported.
 */
static int vtun_ah_zero_mutable(u8 *nh, unsigned int hlen, bool out)
{
	if (nh[0] >> 4 == 4 && hlen >= sizeof(struct iphdr)) {
		struct iphdr *iph = (struct iphdr *)nh;

		if (hlen != iph->ihl * 4)
			return -EINVAL;
		iph->tos = 0;
		iph->frag_off = 0;
		iph->ttl = 0;
		iph->check = 0;
		return vtun_ah_zero_options4(iph, out);
	}
	if (nh[0] >> 4 == 6 && hlen == sizeof(struct ipv6hdr)) {
		struct ipv6hdr *ip6h = (struct ipv6hdr *)nh;

		*(__be32 *)ip6h &= htonl(0xf0000000);
		ip6h->hop_limit = 0;
		return 0;
	}
	return -EINVAL;
}

/*
 * Common start of output and input, for an IP header of @hlen bytes:
 * packet state for @done, writable headers (skb_cow_data() also
 * unclones), and the scratch. Returns the scratch or an error pointer.
 */
static struct vtun_ah_tmp *vtun_ah_start(struct sk_buff *skb,
					 struct vtun_sa *sa,
					 vtun_esp_done_t done,
					 unsigned int hlen, int *nfrags)
{
	struct vtun_esp_cb *cb = VTUN_ESP_CB(skb);
	struct vtun_ah_tmp *tmp;
	struct sk_buff *trailer;

	cb->sa = sa;
	cb->done = done;
	if (hlen > sizeof(tmp->iph))
		return ERR_PTR(-EINVAL);
	*nfrags = skb_cow_data(skb, 0, &trailer);
	if (*nfrags < 0)
		return ERR_PTR(*nfrags);
	tmp = vtun_ah_alloc_tmp(sa->ahash, *nfrags + 1);
	if (!tmp)
		return ERR_PTR(-ENOMEM);
	cb->tmp = tmp;
	return tmp;
}

/* Hash from skb->data (the IP header) to the end, then ESN high bits. */
static int vtun_ah_hash(struct sk_buff *skb, struct vtun_sa *sa,
			struct vtun_ah_tmp *tmp, int nfrags, u64 seq,
			crypto_completion_t done)
{
	struct ahash_request *req = vtun_ah_tmp_req(sa->ahash, tmp);
	struct scatterlist *sg = vtun_ah_req_sg(sa->ahash, req);
	unsigned int len = skb->len;
	int n;

	sg_init_table(sg, nfrags + 1);
	n = skb_to_sgvec_nomark(skb, sg, 0, skb->len);
	if (unlikely(n <= 0))
		return n ?: -EINVAL;
	if (sa->esn) {
		tmp->seqhi = htonl(upper_32_bits(seq));
		sg_set_buf(&sg[n++], &tmp->seqhi, sizeof(tmp->seqhi));
		len += sizeof(tmp->seqhi);
	}
	sg_mark_end(&sg[n - 1]);
	ahash_request_set_callback(req, 0, done, skb);
	ahash_request_set_crypt(req, sg, tmp->digest, len);
	return crypto_ahash_digest(req);
}

/*
 * Put the AH header and zeroed ICV space (padded for the outer @family)
 * in front of the packet at skb->data, which becomes the transport
 * header. The caller makes the headroom.
 */
int vtun_ah_prepare(struct sk_buff *skb, struct vtun_sa *sa, u64 seq,
		    u8 nexthdr, sa_family_t family)
{
	unsigned int hlen = vtun_ah_hlen(sa, family);
	struct ip_auth_hdr *ah;

	if (skb_headroom(skb) < hlen)
		return -ENOMEM;
	ah = skb_push(skb, hlen);
	skb_reset_transport_header(skb);
	ah->nexthdr = nexthdr;
	ah->hdrlen = (hlen >> 2) - 2;
	ah->reserved = 0;
	ah->spi = sa->spi;
	ah->seq_no = htonl(lower_32_bits(seq));
	/* The ICV and its padding are hashed as zeros. */
	memset(ah->auth_data, 0, hlen - VTUN_AH_FIXED_LEN);
	return 0;
}

static void vtun_ah_output_finish(struct sk_buff *skb, int err)
{
	struct vtun_esp_cb *cb = VTUN_ESP_CB(skb);
	struct vtun_ah_tmp *tmp = cb->tmp;

	if (!err)
		memcpy(ip_auth_hdr(skb)->auth_data, tmp->digest,
		       cb->sa->icvlen);
	memcpy(skb_network_header(skb), tmp->iph, skb_network_header_len(skb));
	vtun_ah_free_tmp(tmp);
}

static void vtun_ah_output_done(VTUN_CRYPTO_CB_ARG)
{
	struct sk_buff *skb = vtun_crypto_cb_data(base);

	vtun_ah_output_finish(skb, err);
	VTUN_ESP_CB(skb)->done(skb, err);
}

/*
 * Compute the ICV of what vtun_ah_prepare() laid out, once the IP header
 * (the network header, directly in front of AH) is complete. The packet
 * then starts at the IP header. Returns -EINPROGRESS when @done will
 * finish the job.
 */
int vtun_ah_output(struct sk_buff *skb, struct vtun_sa *sa, u64 seq,
		   vtun_esp_done_t done)
{
	unsigned int hlen = skb_network_header_len(skb);
	struct vtun_ah_tmp *tmp;
	int nfrags, err;

	tmp = vtun_ah_start(skb, sa, done, hlen, &nfrags);
	if (IS_ERR(tmp))
		return PTR_ERR(tmp);
	skb_push(skb, -skb_network_offset(skb));
	memcpy(tmp->iph, skb->data, hlen);
	err = vtun_ah_zero_mutable(skb->data, hlen, true);
	if (!err)
		err = vtun_ah_hash(skb, sa, tmp, nfrags, seq,
				   vtun_ah_output_done);
	if (err == -EINPROGRESS)
		return err;
	vtun_ah_output_finish(skb, err);
	return err;
}

/*
 * Called with skb->data at the AH header. Its length must be that of the
 * SA's ICV padded as RFC 4302 says (IPv4: also as Linux XFRM pads without
 * its align4 flag, to 8 bytes); IPv6 extension headers in front of AH
 * are not accepted.
 */
bool vtun_ah_len_ok(struct sk_buff *skb, struct vtun_sa *sa)
{
	const struct ip_auth_hdr *ah = (const struct ip_auth_hdr *)skb->data;
	unsigned int ahlen = (ah->hdrlen + 2) << 2;
	unsigned int len = VTUN_AH_FIXED_LEN + sa->icvlen;
	int nhlen = -skb_network_offset(skb);

	if (ip_hdr(skb)->version == 6) {
		if (nhlen != sizeof(struct ipv6hdr) || ahlen != ALIGN(len, 8))
			return false;
	} else if (ahlen != ALIGN(len, 4) && ahlen != ALIGN(len, 8)) {
		return false;
	}
	return pskb_may_pull(skb, ahlen);
}

/* The IP header is restored; the packet starts after AH. */
static int vtun_ah_input_finish(struct sk_buff *skb, int err)
{
	struct vtun_esp_cb *cb = VTUN_ESP_CB(skb);
	struct ip_auth_hdr *ah = ip_auth_hdr(skb);
	unsigned int hlen = skb_network_header_len(skb);
	struct vtun_ah_tmp *tmp = cb->tmp;

	if (!err && crypto_memneq(tmp->digest, tmp->icv, cb->sa->icvlen))
		err = -EBADMSG;
	if (!err) {
		memcpy(skb_network_header(skb), tmp->iph, hlen);
		__skb_pull(skb, hlen + ((ah->hdrlen + 2) << 2));
		err = ah->nexthdr;
	} else if (err != -EBADMSG && err != -EINVAL) {
		err = -EIO;
	}
	vtun_ah_free_tmp(tmp);
	return err;
}

static void vtun_ah_input_done(VTUN_CRYPTO_CB_ARG)
{
	struct sk_buff *skb = vtun_crypto_cb_data(base);

	VTUN_ESP_CB(skb)->done(skb, vtun_ah_input_finish(skb, err));
}

/*
 * Verify the AH packet at skb->data (the AH header, checked by
 * vtun_ah_len_ok()) of which @seq is the full sequence number, and strip
 * AH. Returns the next header, a negative error (-EBADMSG: ICV mismatch,
 * -EINVAL: malformed), or -EINPROGRESS when @done will be called with
 * one of those.
 */
int vtun_ah_input(struct sk_buff *skb, struct vtun_sa *sa, u64 seq,
		  vtun_esp_done_t done)
{
	unsigned int hlen = -skb_network_offset(skb);
	struct vtun_ah_tmp *tmp;
	struct ip_auth_hdr *ah;
	int nfrags, err;

	/* Headers are zeroed in place while hashing. */
	tmp = vtun_ah_start(skb, sa, done, hlen, &nfrags);
	if (IS_ERR(tmp))
		return PTR_ERR(tmp);
	skb->ip_summed = CHECKSUM_NONE;
	skb_reset_transport_header(skb);
	ah = ip_auth_hdr(skb);
	memcpy(tmp->icv, ah->auth_data, sa->icvlen);
	memset(ah->auth_data, 0, sa->icvlen);
	skb_push(skb, hlen);
	memcpy(tmp->iph, skb->data, hlen);
	err = vtun_ah_zero_mutable(skb->data, hlen, false);
	if (!err)
		err = vtun_ah_hash(skb, sa, tmp, nfrags, seq,
				   vtun_ah_input_done);
	if (err == -EINPROGRESS)
		return err;
	return vtun_ah_input_finish(skb, err);
}
