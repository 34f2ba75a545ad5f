// SPDX-License-Identifier: GPL-2.0
/*
 * ESP (RFC 4303) transforms: algorithm set-up and the encryption and
 * decryption of one packet, synchronous or not.
 */

#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <linux/rtnetlink.h>
#include <linux/scatterlist.h>
#include <linux/ip.h>
#include <net/esp.h>

#include <uapi/linux/vtun.h>

#include "compat.h"
#include "esp.h"
#include "sa.h"

struct vtun_alg {
	const char *name;
	const char *geniv;	/* IV generator template, if the cipher has IVs */
};

/* IVs come from sequence numbers (seqiv) or from encrypting them (echainiv). */
static const struct vtun_alg vtun_aead_algs[] = {
	{ "rfc4106(gcm(aes))", "seqiv" },
	{ "rfc4309(ccm(aes))", "seqiv" },
	{ "rfc4543(gcm(aes))", "seqiv" },
	{ "rfc7539esp(chacha20,poly1305)", "seqiv" },
};

static const struct vtun_alg vtun_enc_algs[] = {
	{ "cbc(aes)", "echainiv" },
	{ "rfc3686(ctr(aes))", "seqiv" },
	{ "cbc(des3_ede)", "echainiv" },
	{ "ecb(cipher_null)", NULL },
};

static const struct vtun_alg vtun_auth_algs[] = {
	{ "hmac(sha1)" }, { "hmac(sha256)" }, { "hmac(sha384)" },
	{ "hmac(sha512)" }, { "hmac(md5)" }, { "xcbc(aes)" }, { "cmac(aes)" },
};

static const struct vtun_alg *vtun_find_alg(const struct vtun_alg *algs,
					    size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(algs[i].name, name))
			return &algs[i];
	return NULL;
}

/* The transform @inner, behind the IV generator @geniv if it has one. */
static struct crypto_aead *vtun_alloc_aead(const char *geniv, const char *inner)
{
	char name[CRYPTO_MAX_ALG_NAME];

	if (geniv)
		snprintf(name, sizeof(name), "%s(%s)", geniv, inner);
	else
		strscpy(name, inner, sizeof(name));
	return crypto_alloc_aead(name, 0, 0);
}

static int vtun_setauthsize(struct crypto_aead *aead, u32 bits,
			    const struct nlattr *attr,
			    struct netlink_ext_ack *extack)
{
	if (bits % 8 || crypto_aead_setauthsize(aead, bits / 8)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "icv length not supported by the algorithm");
		return -EINVAL;
	}
	return 0;
}

static int vtun_esp_init_aead(struct vtun_sa *sa, struct nlattr **tb,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *alg_attr = tb[VTUN_A_SA_AEAD_ALG];
	const struct vtun_alg *alg;
	struct crypto_aead *aead;
	int err;

	if (NL_REQ_ATTR_CHECK(extack, NULL, tb, VTUN_A_SA_AEAD_KEY) ||
	    NL_REQ_ATTR_CHECK(extack, NULL, tb, VTUN_A_SA_ICV_BITS))
		return -EINVAL;
	alg = vtun_find_alg(vtun_aead_algs, ARRAY_SIZE(vtun_aead_algs),
			    nla_data(alg_attr));
	if (!alg) {
		NL_SET_ERR_MSG_ATTR(extack, alg_attr, "aead-alg: unknown algorithm");
		return -ENOENT;
	}
	aead = vtun_alloc_aead(alg->geniv, alg->name);
	if (IS_ERR(aead)) {
		NL_SET_ERR_MSG_ATTR(extack, alg_attr,
				    "aead-alg: not available in this kernel");
		return PTR_ERR(aead);
	}
	sa->aead = aead;
	strscpy(sa->aead_alg, alg->name, sizeof(sa->aead_alg));
	sa->icv_bits = nla_get_u32(tb[VTUN_A_SA_ICV_BITS]);
	err = vtun_setauthsize(aead, sa->icv_bits, tb[VTUN_A_SA_ICV_BITS],
			       extack);
	if (err)
		return err;
	err = crypto_aead_setkey(aead, nla_data(tb[VTUN_A_SA_AEAD_KEY]),
				 nla_len(tb[VTUN_A_SA_AEAD_KEY]));
	if (err)
		NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_AEAD_KEY],
				    "aead-key: invalid length for the algorithm");
	return err;
}

/* The authenc key blob: a parameter rtattr, the auth key, the enc key. */
static int vtun_authenc_setkey(struct crypto_aead *aead,
			       const struct nlattr *akey,
			       const struct nlattr *ekey)
{
	unsigned int keylen = RTA_SPACE(sizeof(struct crypto_authenc_key_param)) +
			      nla_len(akey) + nla_len(ekey);
	struct crypto_authenc_key_param *param;
	struct rtattr *rta;
	u8 *key, *p;
	int err;

	key = kmalloc(keylen, GFP_KERNEL);
	if (!key)
		return -ENOMEM;
	rta = (struct rtattr *)key;
	rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
	rta->rta_len = RTA_LENGTH(sizeof(*param));
	param = RTA_DATA(rta);
	param->enckeylen = cpu_to_be32(nla_len(ekey));
	p = key + RTA_SPACE(sizeof(*param));
	memcpy(p, nla_data(akey), nla_len(akey));
	memcpy(p + nla_len(akey), nla_data(ekey), nla_len(ekey));
	err = crypto_aead_setkey(aead, key, keylen);
	kfree_sensitive(key);
	return err;
}

static int vtun_esp_init_authenc(struct vtun_sa *sa, struct nlattr **tb,
				 struct netlink_ext_ack *extack)
{
	const struct vtun_alg *enc, *auth;
	char inner[CRYPTO_MAX_ALG_NAME];
	struct crypto_aead *aead;
	int err;

	if (NL_REQ_ATTR_CHECK(extack, NULL, tb, VTUN_A_SA_ENC_KEY) ||
	    NL_REQ_ATTR_CHECK(extack, NULL, tb, VTUN_A_SA_AUTH_ALG) ||
	    NL_REQ_ATTR_CHECK(extack, NULL, tb, VTUN_A_SA_AUTH_KEY) ||
	    NL_REQ_ATTR_CHECK(extack, NULL, tb, VTUN_A_SA_AUTH_TRUNC_BITS))
		return -EINVAL;
	enc = vtun_find_alg(vtun_enc_algs, ARRAY_SIZE(vtun_enc_algs),
			    nla_data(tb[VTUN_A_SA_ENC_ALG]));
	if (!enc) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_ENC_ALG],
				    "enc-alg: unknown algorithm");
		return -ENOENT;
	}
	auth = vtun_find_alg(vtun_auth_algs, ARRAY_SIZE(vtun_auth_algs),
			     nla_data(tb[VTUN_A_SA_AUTH_ALG]));
	if (!auth) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_AUTH_ALG],
				    "auth-alg: unknown algorithm");
		return -ENOENT;
	}
	snprintf(inner, sizeof(inner), "%s(%s,%s)",
		 sa->esn ? "authencesn" : "authenc", auth->name, enc->name);
	aead = vtun_alloc_aead(enc->geniv, inner);
	if (IS_ERR(aead)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_ENC_ALG],
				    "enc-alg: not available in this kernel");
		return PTR_ERR(aead);
	}
	sa->aead = aead;
	strscpy(sa->enc_alg, enc->name, sizeof(sa->enc_alg));
	strscpy(sa->auth_alg, auth->name, sizeof(sa->auth_alg));
	sa->auth_trunc_bits = nla_get_u32(tb[VTUN_A_SA_AUTH_TRUNC_BITS]);
	err = vtun_setauthsize(aead, sa->auth_trunc_bits,
			       tb[VTUN_A_SA_AUTH_TRUNC_BITS], extack);
	if (err)
		return err;
	err = vtun_authenc_setkey(aead, tb[VTUN_A_SA_AUTH_KEY],
				  tb[VTUN_A_SA_ENC_KEY]);
	if (err)
		NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_ENC_KEY],
				    "enc-key: invalid length for the algorithm");
	return err;
}

int vtun_esp_init(struct vtun_sa *sa, struct nlattr **tb,
		  struct netlink_ext_ack *extack)
{
	int err;

	if (tb[VTUN_A_SA_AEAD_ALG] && tb[VTUN_A_SA_ENC_ALG]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VTUN_A_SA_ENC_ALG],
				    "enc-alg: not allowed with aead-alg");
		return -EINVAL;
	}
	if (!tb[VTUN_A_SA_AEAD_ALG] && !tb[VTUN_A_SA_ENC_ALG]) {
		NL_SET_ERR_MSG(extack, "aead-alg or enc-alg is required");
		return -EINVAL;
	}
	err = tb[VTUN_A_SA_AEAD_ALG] ? vtun_esp_init_aead(sa, tb, extack) :
				       vtun_esp_init_authenc(sa, tb, extack);
	if (err)
		return err;
	sa->ivlen = crypto_aead_ivsize(sa->aead);
	sa->icvlen = crypto_aead_authsize(sa->aead);
	sa->blocksize = ALIGN(crypto_aead_blocksize(sa->aead), 4);
	return 0;
}

/*
 * Per-packet scratch: ESN high bits, IV, request, scatterlist, laid out
 * as esp4 does so that alignment constraints of the transform hold.
 */
static void *vtun_esp_alloc_tmp(struct crypto_aead *aead, int nfrags)
{
	unsigned int len = sizeof(__be32) + crypto_aead_ivsize(aead);

	len += crypto_aead_alignmask(aead) & ~(crypto_tfm_ctx_alignment() - 1);
	len = ALIGN(len, crypto_tfm_ctx_alignment());
	len += sizeof(struct aead_request) + crypto_aead_reqsize(aead);
	len = ALIGN(len, __alignof__(struct scatterlist));
	len += sizeof(struct scatterlist) * nfrags;
	return kmalloc(len, GFP_ATOMIC);
}

static u8 *vtun_esp_tmp_iv(struct crypto_aead *aead, void *tmp)
{
	return PTR_ALIGN((u8 *)tmp + sizeof(__be32),
			 crypto_aead_alignmask(aead) + 1);
}

static struct aead_request *vtun_esp_tmp_req(struct crypto_aead *aead, u8 *iv)
{
	struct aead_request *req;

	req = (void *)PTR_ALIGN(iv + crypto_aead_ivsize(aead),
				crypto_tfm_ctx_alignment());
	aead_request_set_tfm(req, aead);
	return req;
}

static struct scatterlist *vtun_esp_req_sg(struct crypto_aead *aead,
					   struct aead_request *req)
{
	return (void *)ALIGN((unsigned long)(req + 1) + crypto_aead_reqsize(aead),
			     __alignof__(struct scatterlist));
}

static void vtun_esp_fill_trailer(u8 *tail, int plen, u8 nexthdr)
{
	int i;

	/* RFC 4303 2.4: monotonic pad bytes 1, 2, 3, ... */
	for (i = 0; i < plen - 2; i++)
		tail[i] = i + 1;
	tail[plen - 2] = plen - 2;
	tail[plen - 1] = nexthdr;
}

static void vtun_esp_encrypt_finish(struct sk_buff *skb)
{
	struct vtun_esp_cb *cb = VTUN_ESP_CB(skb);
	struct ip_esp_hdr *esph = ip_esp_hdr(skb);

	if (cb->sa->esn) {
		*(__be32 *)((u8 *)esph - 4) = cb->saved;
		esph->spi = cb->sa->spi;
	}
	kfree(cb->tmp);
}

static void vtun_esp_encrypt_done(VTUN_CRYPTO_CB_ARG)
{
	struct sk_buff *skb = vtun_crypto_cb_data(base);

	vtun_esp_encrypt_finish(skb);
	VTUN_ESP_CB(skb)->done(skb, err);
}

/*
 * Wrap the packet at skb->data in ESP: header and IV space in front,
 * padding, trailer and ICV space behind. The transport header is set to
 * the ESP header. Returns the number of fragments to encrypt, or an error.
 */
int vtun_esp_prepare(struct sk_buff *skb, struct vtun_sa *sa, u64 seq,
		     u8 nexthdr)
{
	struct ip_esp_hdr *esph;
	struct sk_buff *trailer;
	int plen, nfrags;

	plen = ALIGN(skb->len + 2, sa->blocksize) - skb->len;
	nfrags = skb_cow_data(skb, plen + sa->icvlen, &trailer);
	if (nfrags < 0)
		return nfrags;
	vtun_esp_fill_trailer(skb_tail_pointer(trailer), plen, nexthdr);
	pskb_put(skb, trailer, plen + sa->icvlen);

	esph = skb_push(skb, sizeof(*esph) + sa->ivlen);
	skb_reset_transport_header(skb);
	esph->spi = sa->spi;
	esph->seq_no = htonl(lower_32_bits(seq));
	return nfrags;
}

/*
 * Encrypt in place what vtun_esp_prepare() laid out; headers in front of
 * the ESP header may already be there. Returns -EINPROGRESS when @done
 * will finish the job.
 */
int vtun_esp_encrypt(struct sk_buff *skb, struct vtun_sa *sa, u64 seq,
		     int nfrags, vtun_esp_done_t done)
{
	int assoclen = sizeof(struct ip_esp_hdr) + (sa->esn ? 4 : 0);
	struct ip_esp_hdr *esph = ip_esp_hdr(skb);
	struct vtun_esp_cb *cb = VTUN_ESP_CB(skb);
	int len = skb->len - skb_transport_offset(skb);
	struct aead_request *req;
	struct scatterlist *sg;
	__be64 seqbe;
	void *tmp;
	int err;
	u8 *iv;

	cb->sa = sa;
	cb->done = done;
	tmp = vtun_esp_alloc_tmp(sa->aead, nfrags);
	if (!tmp)
		return -ENOMEM;
	cb->tmp = tmp;
	iv = vtun_esp_tmp_iv(sa->aead, tmp);
	req = vtun_esp_tmp_req(sa->aead, iv);
	sg = vtun_esp_req_sg(sa->aead, req);

	if (sa->esn) {
		/* AAD of authencesn and ESN AEADs: SPI, seq high, seq low. */
		esph = (struct ip_esp_hdr *)((u8 *)esph - 4);
		cb->saved = esph->spi;
		esph->spi = sa->spi;
		esph->seq_no = htonl(upper_32_bits(seq));
		len += 4;
	}

	sg_init_table(sg, nfrags);
	err = skb_to_sgvec(skb, sg, (u8 *)esph - skb->data, len);
	if (unlikely(err < 0))
		goto out;

	seqbe = cpu_to_be64(seq);
	memset(iv, 0, sa->ivlen);
	memcpy(iv + sa->ivlen - min_t(int, sa->ivlen, 8),
	       (u8 *)&seqbe + 8 - min_t(int, sa->ivlen, 8),
	       min_t(int, sa->ivlen, 8));
	aead_request_set_callback(req, 0, vtun_esp_encrypt_done, skb);
	aead_request_set_crypt(req, sg, sg, len - assoclen - sa->icvlen, iv);
	aead_request_set_ad(req, assoclen);

	err = crypto_aead_encrypt(req);
	if (err == -EINPROGRESS)
		return err;
out:
	vtun_esp_encrypt_finish(skb);
	return err;
}

/*
 * Check the padding and strip ESP header, IV, trailer and ICV.
 * Returns the next header, or -EPROTO for a bad trailer.
 */
static int vtun_esp_strip(struct sk_buff *skb, struct vtun_sa *sa)
{
	int hlen = sizeof(struct ip_esp_hdr) + sa->ivlen;
	int elen = skb->len - hlen;
	u8 tail[257];
	int padlen, i;

	if (skb_copy_bits(skb, skb->len - sa->icvlen - 2, tail + 255, 2))
		return -EINVAL;
	padlen = tail[255];
	if (padlen + 2 + sa->icvlen >= elen)
		return -EPROTO;
	if (padlen && skb_copy_bits(skb, skb->len - sa->icvlen - 2 - padlen,
				    tail + 255 - padlen, padlen))
		return -EINVAL;
	for (i = 0; i < padlen; i++)
		if (tail[255 - padlen + i] != i + 1)
			return -EPROTO;
	if (pskb_trim(skb, skb->len - sa->icvlen - padlen - 2))
		return -ENOMEM;
	__skb_pull(skb, hlen);
	return tail[256];
}

static int vtun_esp_decrypt_finish(struct sk_buff *skb, int err)
{
	struct vtun_esp_cb *cb = VTUN_ESP_CB(skb);
	struct vtun_sa *sa = cb->sa;

	if (sa->esn) {
		struct ip_esp_hdr *esph = (struct ip_esp_hdr *)skb->data;

		esph->seq_no = esph->spi;
		esph->spi = cb->saved;
		__skb_pull(skb, 4);
	}
	kfree(cb->tmp);
	if (err)
		return err == -EBADMSG ? -EBADMSG : -EIO;
	return vtun_esp_strip(skb, sa);
}

static void vtun_esp_decrypt_done(VTUN_CRYPTO_CB_ARG)
{
	struct sk_buff *skb = vtun_crypto_cb_data(base);

	VTUN_ESP_CB(skb)->done(skb, vtun_esp_decrypt_finish(skb, err));
}

/*
 * Decrypt and verify the ESP packet at skb->data (the ESP header) of
 * which @seq is the full sequence number. Returns the next header, a
 * negative error (-EBADMSG: authentication failed, -EPROTO: bad trailer,
 * -EINVAL: malformed), or -EINPROGRESS when @done will be called with
 * one of those.
 */
int vtun_esp_decrypt(struct sk_buff *skb, struct vtun_sa *sa, u64 seq,
		     vtun_esp_done_t done)
{
	int assoclen = sizeof(struct ip_esp_hdr) + (sa->esn ? 4 : 0);
	int elen = skb->len - sizeof(struct ip_esp_hdr) - sa->ivlen;
	struct vtun_esp_cb *cb = VTUN_ESP_CB(skb);
	struct aead_request *req;
	struct scatterlist *sg;
	struct sk_buff *trailer;
	int nfrags, err;
	void *tmp;
	u8 *iv;

	cb->sa = sa;
	cb->done = done;
	if (elen < sa->icvlen + 2 ||
	    (elen - sa->icvlen) % crypto_aead_blocksize(sa->aead))
		return -EINVAL;
	/*
	 * Header and IV are stripped with __skb_pull(): they must be in the
	 * linear part, also when a reassembled packet's first fragment ends
	 * right after the ESP header (the rest in its frag_list).
	 */
	if (!pskb_may_pull(skb, sizeof(struct ip_esp_hdr) + sa->ivlen))
		return -ENOMEM;
	nfrags = skb_cow_data(skb, 0, &trailer);
	if (nfrags < 0)
		return nfrags;
	tmp = vtun_esp_alloc_tmp(sa->aead, nfrags);
	if (!tmp)
		return -ENOMEM;
	iv = vtun_esp_tmp_iv(sa->aead, tmp);
	req = vtun_esp_tmp_req(sa->aead, iv);
	sg = vtun_esp_req_sg(sa->aead, req);

	cb->tmp = tmp;
	if (sa->esn) {
		struct ip_esp_hdr *esph = skb_push(skb, 4);

		cb->saved = esph->spi;
		esph->spi = esph->seq_no;
		esph->seq_no = htonl(upper_32_bits(seq));
	}

	sg_init_table(sg, nfrags);
	err = skb_to_sgvec(skb, sg, 0, skb->len);
	if (unlikely(err < 0))
		return vtun_esp_decrypt_finish(skb, -ENOMEM);

	skb->ip_summed = CHECKSUM_NONE;
	aead_request_set_callback(req, 0, vtun_esp_decrypt_done, skb);
	aead_request_set_crypt(req, sg, sg, elen + sa->ivlen, iv);
	aead_request_set_ad(req, assoclen);
	err = crypto_aead_decrypt(req);
	if (err == -EINPROGRESS)
		return -EINPROGRESS;
	return vtun_esp_decrypt_finish(skb, err);
}
