// SPDX-License-Identifier: GPL-2.0
/*
 * Liveness (RFC 7296 2.4): an established IKE SA from which nothing came
 * for the gateway's dpd-delay gets an empty INFORMATIONAL request. Nothing
 * means no authenticated IKE message and no packet on any of its inbound
 * CHILD SAs, as the kernel's last-used times tell, so a busy tunnel sends
 * none. A request that gets no answer through the retransmission schedule
 * (this one or any other) declares the peer dead: its SAs go, and the
 * dpd-action says what follows: nothing (clear), a new IKE SA at once
 * (restart), or one when traffic asks for it (trap: the device is
 * on-demand, the next acquire initiates).
 */

#include <stddef.h>
#include <syslog.h>
#include <time.h>

#include "ikesa.h"

#define dpd_sa(t, member) \
	((struct ike_sa *)((char *)(t) - offsetof(struct ike_sa, member)))

static const char *const action_names[] = {
	[IKED_DPD_CLEAR] = "clear",
	[IKED_DPD_RESTART] = "restart",
	[IKED_DPD_TRAP] = "trap",
};

/* Milliseconds since the kernel last saw a packet on an inbound SA of @sa. */
static uint64_t kernel_idle_ms(const struct ike_sa *sa, uint64_t idle)
{
	uint64_t now = (uint64_t)time(NULL), when;
	const struct child_sa *c;

	for (c = sa->child; c; c = c->next) {
		if (!c->installed ||
		    iked_kernel_sa_last_used(c->tun->ifindex, false, c->spi_in,
					     &when) || !when)
			continue;
		if (when >= now)
			return 0;
		if ((now - when) * 1000 < idle)
			idle = (now - when) * 1000;
	}
	return idle;
}

static void dpd_fire(struct iked_timer *t)
{
	struct ike_sa *sa = dpd_sa(t, dpd);
	uint32_t delay = sa->gw->dpd_delay_ms;
	uint64_t idle;

	if (sa->state != IKE_S_ESTABLISHED || !delay)
		return;
	if (!sa->req_busy)
		sa->dpd_sent = false;
	idle = iked_now_ms() - sa->last_rx;
	if (idle >= delay)
		idle = kernel_idle_ms(sa, idle);
	if (idle < delay) {
		iked_timer_add(t, (uint32_t)(delay - idle));
		return;
	}
	/* a request is out already: its retransmissions tell */
	if (!sa->req_busy) {
		iked_log(LOG_DEBUG, "%s: nothing from the peer for %llu ms, DPD",
			 sa->tun ? sa->tun->name : sa->gw->name,
			 (unsigned long long)idle);
		sa->dpd_sent = true;
		ike_send_informational(sa);
	}
	iked_timer_add(t, delay);
}

void dpd_start(struct ike_sa *sa)
{
	sa->last_rx = iked_now_ms();
	sa->dpd.fn = dpd_fire;
	if (sa->gw->dpd_delay_ms)
		iked_timer_add(&sa->dpd, sa->gw->dpd_delay_ms);
}

void dpd_stop(struct ike_sa *sa)
{
	iked_timer_del(&sa->dpd);
}

static void restart_fire(struct iked_timer *t)
{
	struct ike_sa *sa = dpd_sa(t, dpd);

	iked_log(LOG_NOTICE, "%s: dpd-action restart: initiating",
		 sa->tun->name);
	ike_tunnel_up(sa->tun);
}

/*
 * Tunnels whose peer died under dpd-action clear: not initiated again, not
 * even by traffic (acquire), until ike_tunnel_up() or ike_tunnel_down().
 * Tunnels are configuration objects: distinct across engines.
 */
static const struct iked_tunnel *cleared[IKED_PROXY_MAX];
static int n_cleared;

bool dpd_cleared(const struct iked_tunnel *t)
{
	int i;

	for (i = 0; i < n_cleared; i++)
		if (cleared[i] == t)
			return true;
	return false;
}

void dpd_uncleared(const struct iked_tunnel *t)
{
	int i;

	for (i = 0; i < n_cleared; i++)
		if (cleared[i] == t)
			cleared[i] = cleared[--n_cleared];
}

void dpd_dead(struct ike_sa *sa)
{
	const struct iked_gateway *gw = sa->gw;
	uint64_t quiet = iked_now_ms() - sa->last_rx;

	if (!gw->dpd_delay_ms || !sa->tun)
		return;
	iked_log(LOG_NOTICE, "%s: peer dead (%s unanswered, nothing heard for %llu ms), dpd-action %s",
		 sa->tun->name,
		 sa->dpd_sent ? "DPD" : "request",
		 (unsigned long long)(sa->last_rx ? quiet : 0),
		 action_names[gw->dpd_action]);
	/* the action, not the 5 s restart of "start" tunnels, follows */
	sa->no_restart = true;
	dpd_stop(sa);
	if (gw->dpd_action == IKED_DPD_CLEAR && !dpd_cleared(sa->tun) &&
	    n_cleared < IKED_PROXY_MAX)
		cleared[n_cleared++] = sa->tun;
	if (gw->dpd_action == IKED_DPD_RESTART) {
		/* once this SA is failed: 0 ms from the main loop */
		sa->dpd.fn = restart_fire;
		iked_timer_add(&sa->dpd, 0);
	}
}
