// SPDX-License-Identifier: GPL-2.0
/*
 * INITIAL_CONTACT (RFC 7296 2.4). Our first IKE_AUTH with a peer carries
 * it; the peer then drops the SAs it still has of ours (we restarted).
 * Not when we have another IKE SA through the same gateway, established
 * or under way: the peer would drop that one, which is alive.
 */

#include "ikesa.h"

bool ike_contact_initial(const struct ike_sa *sa)
{
	const struct ike_sa *o;

	for (o = ike_engine_current()->sas; o; o = o->next)
		if (o != sa && o->gw == sa->gw && o->state != IKE_S_DEAD)
			return false;
	return true;
}
