// SPDX-License-Identifier: GPL-2.0
/*
 * vtun-iked: pacing of the IKE SAs we initiate.
 *
 * A hub whose tunnels all start at once would send every IKE_SA_INIT in
 * one burst, and a responder counts that burst as half-open IKE SAs from
 * one address: strongSwan demands cookies from its third (cookie_threshold_ip,
 * default 3) and drops IKE_SA_INIT requests from its fifth (block_threshold).
 * A cookie answered by a request the responder then takes more than its
 * cookie lifetime to process (10 s in strongSwan) is answered with another
 * cookie, and the tunnels stall in that loop until their retransmissions
 * give up. So at most initiate-limit IKE SAs of ours are half-open
 * (IKE_SA_INIT or IKE_AUTH sent, not yet answered) at once; the tunnels
 * left waiting start as those finish, either way. strongSwan takes an IKE
 * SA out of its half-open count a moment after it has sent the IKE_AUTH
 * answer, and our next IKE_SA_INIT can arrive before: with the default,
 * 1, it sees at most 2 of ours, under its threshold.
 */
#include "ikesa.h"

static uint32_t pace_limit(const struct ike_engine *e)
{
	return e->conf && e->conf->initiate_limit ?
	       e->conf->initiate_limit : IKED_INITIATE_LIMIT;
}

static bool half_open(const struct ike_sa *sa)
{
	return sa->initiator && (sa->state == IKE_S_INIT_I ||
				 sa->state == IKE_S_AUTH_I);
}

/* Whether another IKE SA may be initiated now; if not, it waits. */
bool pace_may_initiate(void)
{
	struct ike_engine *e = ike_engine_current();
	const struct ike_sa *sa;
	uint32_t n = 0;

	for (sa = e->sas; sa; sa = sa->next)
		if (half_open(sa) && ++n >= pace_limit(e)) {
			e->pace_wait = true;
			return false;
		}
	return true;
}

/* @sa leaves half-open (established, failed or freed): the next may go. */
void pace_done(const struct ike_sa *sa)
{
	struct ike_engine *e = ike_engine_current();

	if (half_open(sa) && e->pace_wait && !e->stopping) {
		e->pace_wait = false;
		iked_timer_add(&e->pace, 0);
	}
}
