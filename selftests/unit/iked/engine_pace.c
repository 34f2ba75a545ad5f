// SPDX-License-Identifier: GPL-2.0
/*
 * Pacing of the IKE SAs A initiates (pace.c), between the two engines of
 * engine_test.c (included there): a hub A with PACE_N "start" tunnels,
 * each its own gateway and ID, brought up by the start timer, by
 * ike_tunnel_up() (as the daemon does) and by acquires, to one responder B
 * holding as many, which
 * demands cookies (as strongSwan does per address) from 3 half-open IKE
 * SAs on. All come up, never more than initiate-limit of A's half-open at
 * once, and no cookie is asked for.
 */

#define PACE_N	12

static struct iked_gateway pace_gw[2][PACE_N];
static struct iked_tunnel pace_tun[2][PACE_N];
static struct iked_gateway *pace_gws[2][PACE_N];
static struct iked_tunnel *pace_tuns[2][PACE_N];
static int pace_max;		/* most of A's SAs half-open at once */

static void pace_id(struct iked_id *id, int i)
{
	id->type = IKEV2_ID_FQDN;
	id->len = (uint16_t)snprintf((char *)id->data, sizeof(id->data),
				     "s%d.example", i);
}

/* PACE_N copies of ca's (k 0) or cb's (k 1) gateway and tunnel */
static void pace_conf(struct conf *c, int k)
{
	int i;

	for (i = 0; i < PACE_N; i++) {
		struct iked_gateway *g = &pace_gw[k][i];
		struct iked_tunnel *t = &pace_tun[k][i];

		*g = c->gw;
		snprintf(g->name, sizeof(g->name), "g%d", i);
		pace_id(k ? &g->peer_id : &g->local_id, i);
		*t = c->tun;
		snprintf(t->name, sizeof(t->name), "t%d", i);
		snprintf(t->dev, sizeof(t->dev), "vtun%d", i);
		t->gw = g;
		t->ifindex = (k ? 100 : 200) + i;
		pace_gws[k][i] = g;
		pace_tuns[k][i] = t;
	}
	c->c.gw = pace_gws[k];
	c->c.n_gw = PACE_N;
	c->c.tun = pace_tuns[k];
	c->c.n_tun = PACE_N;
}

static int pace_count(struct node *n, bool half_open)
{
	const struct ike_sa *sa;
	int k = 0;

	use(n);
	for (sa = ike_engine_current()->sas; sa; sa = sa->next)
		if (half_open ? sa->initiator && (sa->state == IKE_S_INIT_I ||
						  sa->state == IKE_S_AUTH_I) :
		    sa->state == IKE_S_ESTABLISHED && sa->child)
			k++;
	return k;
}

static int pace_watch(const struct dgram *d, int i)
{
	int k, t;

	(void)d;
	/* at once, as the daemon does at start-up, and traffic on the devices */
	if (!i) {
		use(&A);
		for (t = 0; t < PACE_N; t++) {
			ike_tunnel_up(&pace_tun[0][t]);
			ike_acquire(pace_tun[0][t].ifindex, 0);
		}
	}
	k = pace_count(&A, true);
	if (k > pace_max)
		pace_max = k;
	return 0;
}

static void pace_run(uint32_t limit, int expect_max)
{
	pace_max = 0;
	conf_default(&ca, "192.0.2.1", "192.0.2.2", 10, IKED_START_START);
	ca.c.initiate_limit = limit;
	cb.c.cookie_threshold = 3;
	pace_conf(&ca, 0);
	pace_conf(&cb, 1);
	filter = pace_watch;
	start();
	run(now + 10000);
	CHECK(pace_count(&A, false) == PACE_N && pace_count(&B, false) == PACE_N,
	      "limit %u: %d and %d of %d up", limit, pace_count(&A, false),
	      pace_count(&B, false), PACE_N);
	CHECK(pace_max == expect_max, "limit %u: at most %d half-open, not %d",
	      limit, expect_max, pace_max);
	CHECK(!sent_notify(&B, IKEV2_N_COOKIE), "limit %u: no cookie asked for",
	      limit);
	CHECK(count_sent(&A, IKEV2_EXCH_IKE_SA_INIT, false) == PACE_N,
	      "limit %u: one IKE_SA_INIT each", limit);
	stop();
}

static void test_pace(void)
{
	printf("# pacing: %d tunnels, at most initiate-limit half-open\n",
	       PACE_N);
	pace_run(0, IKED_INITIATE_LIMIT);	/* the default */
	pace_run(3, 3);
}
