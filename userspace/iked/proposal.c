// SPDX-License-Identifier: GPL-2.0
/*
 * SA payloads (RFC 7296 3.3): our proposals from the configured profiles,
 * parsing the peer's, and choosing one. The responder prefers its own
 * configured order (as strongSwan does by default); the initiator checks
 * that the answer is one of the transforms it offered.
 */
#include <string.h>

#include "ikesa.h"
#include "ikev2.h"
#include "msg.h"

bool ike_encr_aead(uint16_t id)
{
	switch (id) {
	case IKEV2_ENCR_AES_GCM_8:
	case IKEV2_ENCR_AES_GCM_12:
	case IKEV2_ENCR_AES_GCM_16:
	case IKEV2_ENCR_NULL_AUTH_AES_GMAC:
	case IKEV2_ENCR_CHACHA20_POLY1305:
	case 14: case 15: case 16:	/* AES-CCM 8/12/16 */
		return true;
	}
	return false;
}

static void add_xf(struct ike_proposal *p, uint8_t type, uint16_t id,
		   uint16_t keylen)
{
	if (p->n_xf < IKE_PROP_XF_MAX)
		p->xf[p->n_xf++] = (struct ike_xf){ type, id, keylen };
}

/*
 * AEAD and classic ciphers cannot share a proposal (RFC 7296 3.3): a profile
 * with both becomes two proposals, AEAD first if it is listed first.
 */
static int split_encr(const struct iked_xform *encr, int n_encr,
		      bool aead_first, int *order)
{
	int i, k = 0, pass;

	for (pass = 0; pass < 2; pass++) {
		bool want = pass == 0 ? aead_first : !aead_first;
		bool any = false;

		for (i = 0; i < n_encr; i++)
			if (ike_encr_aead(encr[i].id) == want)
				any = true;
		if (any)
			order[k++] = want;
	}
	return k;
}

int ike_props_ike(const struct iked_ike_profile *pr, struct ike_proposal *props,
		  int max)
{
	int order[2], n, k, i;

	if (!pr->n_encr || !pr->n_prf || !pr->n_dh)
		return -1;
	n = split_encr(pr->encr, pr->n_encr, ike_encr_aead(pr->encr[0].id),
		       order);
	for (k = 0; k < n && k < max; k++) {
		struct ike_proposal *p = &props[k];

		memset(p, 0, sizeof(*p));
		p->num = (uint8_t)(k + 1);
		p->proto = IKEV2_PROTO_IKE;
		for (i = 0; i < pr->n_encr; i++)
			if (ike_encr_aead(pr->encr[i].id) == order[k])
				add_xf(p, IKEV2_XFORM_ENCR, pr->encr[i].id,
				       pr->encr[i].keylen);
		for (i = 0; i < pr->n_prf; i++)
			add_xf(p, IKEV2_XFORM_PRF, pr->prf[i], 0);
		if (!order[k])
			for (i = 0; i < pr->n_integ; i++)
				add_xf(p, IKEV2_XFORM_INTEG, pr->integ[i], 0);
		for (i = 0; i < pr->n_dh; i++)
			add_xf(p, IKEV2_XFORM_DH, pr->dh[i], 0);
	}
	return k;
}

int ike_props_child(const struct iked_ipsec_profile *pr, uint32_t spi,
		    bool pfs, struct ike_proposal *props, int max)
{
	int order[2] = { 0 }, n, k, i;

	if (pr->protocol == IKEV2_PROTO_AH)
		n = 1;
	else if (!pr->n_encr)
		return -1;
	else
		n = split_encr(pr->encr, pr->n_encr,
			       ike_encr_aead(pr->encr[0].id), order);
	for (k = 0; k < n && k < max; k++) {
		struct ike_proposal *p = &props[k];

		memset(p, 0, sizeof(*p));
		p->num = (uint8_t)(k + 1);
		p->proto = pr->protocol;
		p->spi_len = 4;
		p->spi = spi;
		if (pr->protocol == IKEV2_PROTO_ESP)
			for (i = 0; i < pr->n_encr; i++)
				if (ike_encr_aead(pr->encr[i].id) == order[k])
					add_xf(p, IKEV2_XFORM_ENCR,
					       pr->encr[i].id,
					       pr->encr[i].keylen);
		if (!order[k])
			for (i = 0; i < pr->n_integ; i++)
				add_xf(p, IKEV2_XFORM_INTEG, pr->integ[i], 0);
		if (pfs)
			for (i = 0; i < pr->n_dh; i++)
				add_xf(p, IKEV2_XFORM_DH, pr->dh[i], 0);
		if (pr->esn != IKED_ESN_NO)
			add_xf(p, IKEV2_XFORM_ESN, IKEV2_ESN_YES, 0);
		if (pr->esn != IKED_ESN_YES)
			add_xf(p, IKEV2_XFORM_ESN, IKEV2_ESN_NO, 0);
	}
	return k;
}

static bool has_xf(const struct ike_proposal *p, uint8_t type, uint16_t id,
		   uint16_t keylen)
{
	int i;

	for (i = 0; i < p->n_xf; i++)
		if (p->xf[i].type == type && p->xf[i].id == id &&
		    p->xf[i].keylen == keylen)
			return true;
	return false;
}

static bool has_type(const struct ike_proposal *p, uint8_t type)
{
	int i;

	for (i = 0; i < p->n_xf; i++)
		if (p->xf[i].type == type)
			return true;
	return false;
}

/* Unknown transform types make a proposal unacceptable (RFC 7296 3.3.6). */
static bool known_types(const struct ike_proposal *p)
{
	int i;

	for (i = 0; i < p->n_xf; i++)
		if (p->xf[i].type < IKEV2_XFORM_ENCR ||
		    p->xf[i].type > IKEV2_XFORM_ESN)
			return false;
	return true;
}

static bool pick_encr(const struct iked_xform *encr, int n,
		      const struct ike_proposal *p, struct ike_choice *c)
{
	int i;

	for (i = 0; i < n; i++)
		if (has_xf(p, IKEV2_XFORM_ENCR, encr[i].id, encr[i].keylen)) {
			c->encr = encr[i].id;
			c->encr_keylen = encr[i].keylen;
			return true;
		}
	return false;
}

static bool pick16(const uint16_t *ids, int n, uint8_t type,
		   const struct ike_proposal *p, uint16_t *out)
{
	int i;

	for (i = 0; i < n; i++)
		if (has_xf(p, type, ids[i], 0)) {
			*out = ids[i];
			return true;
		}
	return false;
}

/* Integrity with an AEAD cipher: absent or NONE. */
static bool pick_integ(const uint16_t *ids, int n, const struct ike_proposal *p,
		       struct ike_choice *c)
{
	if (ike_encr_aead(c->encr)) {
		int i;

		for (i = 0; i < p->n_xf; i++)
			if (p->xf[i].type == IKEV2_XFORM_INTEG &&
			    p->xf[i].id != IKEV2_AUTH_NONE)
				return false;
		c->integ = 0;
		return true;
	}
	return pick16(ids, n, IKEV2_XFORM_INTEG, p, &c->integ);
}

int ike_select_ike(const struct iked_ike_profile *pr,
		   const struct ike_proposal *props, int n, struct ike_choice *c)
{
	int i;

	for (i = 0; i < n; i++) {
		const struct ike_proposal *p = &props[i];

		memset(c, 0, sizeof(*c));
		if (p->proto != IKEV2_PROTO_IKE || !known_types(p) ||
		    (p->spi_len != 0 && p->spi_len != 8))
			continue;
		if (pick_encr(pr->encr, pr->n_encr, p, c) &&
		    pick_integ(pr->integ, pr->n_integ, p, c) &&
		    pick16(pr->prf, pr->n_prf, IKEV2_XFORM_PRF, p, &c->prf) &&
		    pick16(pr->dh, pr->n_dh, IKEV2_XFORM_DH, p, &c->dh)) {
			c->num = p->num;
			c->proto = p->proto;
			return 0;
		}
	}
	return -1;
}

static bool pick_esn(const struct iked_ipsec_profile *pr,
		     const struct ike_proposal *p, struct ike_choice *c)
{
	bool yes = has_xf(p, IKEV2_XFORM_ESN, IKEV2_ESN_YES, 0);
	bool no = has_xf(p, IKEV2_XFORM_ESN, IKEV2_ESN_NO, 0) ||
		  !has_type(p, IKEV2_XFORM_ESN);

	if (pr->esn != IKED_ESN_NO && yes)
		c->esn = true;
	else if (pr->esn != IKED_ESN_YES && no)
		c->esn = false;
	else
		return false;
	return true;
}

/*
 * @pfs: a KE payload comes with this SA (CREATE_CHILD_SA with PFS); without
 * it DH transforms are ignored (IKE_AUTH: RFC 7296 1.2).
 */
int ike_select_child(const struct iked_ipsec_profile *pr,
		     const struct ike_proposal *props, int n, bool pfs,
		     struct ike_choice *c)
{
	int i;

	for (i = 0; i < n; i++) {
		const struct ike_proposal *p = &props[i];

		memset(c, 0, sizeof(*c));
		if (p->proto != pr->protocol || p->spi_len != 4 ||
		    !known_types(p))
			continue;
		if (pr->protocol == IKEV2_PROTO_ESP &&
		    !pick_encr(pr->encr, pr->n_encr, p, c))
			continue;
		if (pr->protocol == IKEV2_PROTO_AH &&
		    has_type(p, IKEV2_XFORM_ENCR))
			continue;
		if (!pick_integ(pr->integ, pr->n_integ, p, c) ||
		    !pick_esn(pr, p, c))
			continue;
		if (pfs && pr->n_dh &&
		    !pick16(pr->dh, pr->n_dh, IKEV2_XFORM_DH, p, &c->dh))
			continue;
		if (pfs && !pr->n_dh && has_type(p, IKEV2_XFORM_DH) &&
		    !has_xf(p, IKEV2_XFORM_DH, IKEV2_DH_NONE, 0))
			continue;
		c->num = p->num;
		c->proto = p->proto;
		c->spi = p->spi;
		return 0;
	}
	return -1;
}

/* The responder's answer, one proposal with one transform of each type. */
void ike_choice_prop(const struct ike_choice *c, uint64_t spi,
		     uint8_t spi_len, struct ike_proposal *p)
{
	memset(p, 0, sizeof(*p));
	p->num = c->num;
	p->proto = c->proto;
	p->spi_len = spi_len;
	p->spi = spi;
	if (c->proto != IKEV2_PROTO_AH)
		add_xf(p, IKEV2_XFORM_ENCR, c->encr, c->encr_keylen);
	if (c->proto == IKEV2_PROTO_IKE)
		add_xf(p, IKEV2_XFORM_PRF, c->prf, 0);
	if (c->integ)
		add_xf(p, IKEV2_XFORM_INTEG, c->integ, 0);
	if (c->dh)
		add_xf(p, IKEV2_XFORM_DH, c->dh, 0);
	if (c->proto != IKEV2_PROTO_IKE)
		add_xf(p, IKEV2_XFORM_ESN, c->esn ? IKEV2_ESN_YES :
						    IKEV2_ESN_NO, 0);
}

/*
 * The initiator's view of the answer: exactly one proposal, each transform
 * one we offered in the proposal of that number, nothing missing.
 */
bool ike_choice_in(const struct ike_choice *c, const struct ike_proposal *props,
		   int n)
{
	int i, j;

	for (i = 0; i < n; i++) {
		const struct ike_proposal *p = &props[i];
		struct ike_proposal want;

		if (p->num != c->num || p->proto != c->proto)
			continue;
		ike_choice_prop(c, 0, 0, &want);
		for (j = 0; j < want.n_xf; j++) {
			const struct ike_xf *x = &want.xf[j];

			if (x->type == IKEV2_XFORM_ESN &&
			    !has_type(p, IKEV2_XFORM_ESN) && !c->esn)
				continue;
			if (!has_xf(p, x->type, x->id, x->keylen))
				return false;
		}
		return true;
	}
	return false;
}

/* The one proposal of a response: at most one transform of each type. */
int ike_prop_choice(const struct ike_proposal *p, struct ike_choice *c)
{
	bool seen[IKEV2_XFORM_ESN + 1] = { false };
	int i;

	memset(c, 0, sizeof(*c));
	c->num = p->num;
	c->proto = p->proto;
	if (!known_types(p))
		return -1;
	for (i = 0; i < p->n_xf; i++) {
		const struct ike_xf *x = &p->xf[i];

		if (seen[x->type])
			return -1;
		seen[x->type] = true;
		switch (x->type) {
		case IKEV2_XFORM_ENCR:
			c->encr = x->id;
			c->encr_keylen = x->keylen;
			break;
		case IKEV2_XFORM_PRF:
			c->prf = x->id;
			break;
		case IKEV2_XFORM_INTEG:
			c->integ = x->id;
			break;
		case IKEV2_XFORM_DH:
			c->dh = x->id;
			break;
		case IKEV2_XFORM_ESN:
			c->esn = x->id == IKEV2_ESN_YES;
			break;
		}
	}
	c->spi = p->spi;
	return 0;
}
