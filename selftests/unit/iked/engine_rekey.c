// SPDX-License-Identifier: GPL-2.0
/*
 * Rekeying between the two engines of engine_test.c (included there):
 * CHILD SAs from soft expiry on either side, with and without PFS, with
 * INVALID_KE_PAYLOAD; IKE SAs from their lifetime on either side; both
 * kinds of collisions (RFC 7296 2.8.1); the order of kernel SA operations.
 */

#define GRACE_WAIT	6000	/* > rekey.c's GRACE_MS */

static struct ike_sa *first_sa(struct node *n)
{
	use(n);
	return ike_engine_current()->sas;
}

/* The soft expiry of @n's inbound CHILD SA, as kernel.c reports it. */
static void soft_expire(struct node *n)
{
	struct view v = view(n);

	use(n);
	if (v.n && v.sa.n_child)
		ike_expire(n == &A ? 10 : 20, false, v.child[0].spi_in, false);
}

static int ksa_active_out(struct node *n)
{
	int i, k = 0;

	for (i = 0; i < n->n_ksa; i++)
		if (n->ksa[i].sa.out && !n->ksa[i].sa.standby)
			k++;
	return k;
}

/* Index of @n's first kernel operation @op on (@out, @spi), -1: none. */
static int kop_at(struct node *n, char op, bool out, uint32_t spi)
{
	int i;

	for (i = 0; i < n_kops; i++)
		if (kops[i].n == n && kops[i].op == op && kops[i].out == out &&
		    kops[i].spi == spi)
			return i;
	return -1;
}

/*
 * Make before break on @n: new inbound added, new outbound added standby,
 * switched to, old outbound deleted, then (after the grace) old inbound.
 */
static void check_order(struct node *n, uint32_t old_in, uint32_t old_out,
			uint32_t new_in, uint32_t new_out)
{
	int ai = kop_at(n, 'a', false, new_in);
	int ao = kop_at(n, 'a', true, new_out);
	int sw = kop_at(n, 's', true, new_out);
	int dout = kop_at(n, 'd', true, old_out);
	int din = kop_at(n, 'd', false, old_in);

	CHECK(ai >= 0 && ao > ai && sw > ao && dout > sw && din > dout,
	      "%s: kernel order add-in %d add-out %d switch %d del-out %d "
	      "del-in %d", n->name, ai, ao, sw, dout, din);
	CHECK(ao >= 0 && kops[ao].standby, "%s: new outbound standby",
	      n->name);
}

static void up(void)
{
	use(&A);
	ike_tunnel_up(&ca.tun);
	run(now + 1000);
}

/* One rekey of the CHILD SA started by @by's soft expiry. */
static void child_rekey(struct node *by, bool pfs)
{
	struct view a0, b0, a1, b1;

	printf("# CHILD SA rekey by %s, %s\n", by == &A ? "initiator" :
	       "responder", pfs ? "PFS" : "no PFS");
	if (pfs) {
		ca.ipsec.dh[0] = cb.ipsec.dh[0] = IKEV2_DH_ECP_256;
		ca.ipsec.n_dh = cb.ipsec.n_dh = 1;
	}
	start();
	up();
	a0 = view(&A);
	b0 = view(&B);
	CHECK(a0.n == 1 && a0.sa.n_child == 1 && A.n_ksa == 2, "up");
	n_kops = 0;
	soft_expire(by);
	run(now + 1000);
	a1 = view(&A);
	b1 = view(&B);
	CHECK(count_sent(by, IKEV2_EXCH_CREATE_CHILD_SA, false) == 1 &&
	      count_sent(by == &A ? &B : &A, IKEV2_EXCH_CREATE_CHILD_SA,
			 false) == 0, "one CREATE_CHILD_SA, by %s", by->name);
	CHECK(a1.n == 1 && a1.sa.n_child == 1 && b1.sa.n_child == 1,
	      "one CHILD SA each: %d %d", a1.sa.n_child, b1.sa.n_child);
	CHECK(a1.child[0].spi_in != a0.child[0].spi_in &&
	      a1.child[0].spi_out != a0.child[0].spi_out,
	      "new SPIs 0x%08x/0x%08x", a1.child[0].spi_in,
	      a1.child[0].spi_out);
	CHECK(a1.child[0].spi_in == b1.child[0].spi_out &&
	      a1.child[0].spi_out == b1.child[0].spi_in, "SPIs match");
	CHECK(!strcmp(a1.child[0].dh, pfs ? "ecp256" : "") &&
	      !strcmp(b1.child[0].dh, a1.child[0].dh), "PFS group '%s'",
	      a1.child[0].dh);
	/* old inbound kept for the grace time, nothing else of the old */
	CHECK(A.n_ksa == 3 && B.n_ksa == 3, "kernel SAs in grace %d %d",
	      A.n_ksa, B.n_ksa);
	CHECK(ksa_find(&A, false, a0.child[0].spi_in) &&
	      !ksa_find(&A, true, a0.child[0].spi_out) &&
	      ksa_find(&B, false, b0.child[0].spi_in) &&
	      !ksa_find(&B, true, b0.child[0].spi_out), "old inbound kept");
	CHECK(ksa_active_out(&A) == 1 && ksa_active_out(&B) == 1,
	      "one active outbound SA each");
	run(now + GRACE_WAIT);
	CHECK(A.n_ksa == 2 && B.n_ksa == 2, "after the grace %d %d",
	      A.n_ksa, B.n_ksa);
	check_pair(0);
	check_directions(&A);
	check_order(&A, a0.child[0].spi_in, a0.child[0].spi_out,
		    a1.child[0].spi_in, a1.child[0].spi_out);
	check_order(&B, b0.child[0].spi_in, b0.child[0].spi_out,
		    b1.child[0].spi_in, b1.child[0].spi_out);
	CHECK(drops_all(&A) == 0 && drops_all(&B) == 0, "no drops");

	/* and again: the rekeyed SA rekeys too */
	soft_expire(by == &A ? &B : &A);
	run(now + 1000 + GRACE_WAIT);
	a0 = view(&A);
	CHECK(a0.sa.n_child == 1 && a0.child[0].spi_in != a1.child[0].spi_in &&
	      A.n_ksa == 2 && B.n_ksa == 2, "second rekey by the other side");
	check_pair(0);
	stop();
}

/* Up, then A's soft expiry and what follows: views before and after. */
static void up_and_rekey(struct view *a0, struct view *a1)
{
	start();
	up();
	*a0 = view(&A);
	soft_expire(&A);
	run(now + 1000 + GRACE_WAIT);
	*a1 = view(&A);
}

static void test_child_invalid_ke(void)
{
	struct view a0, a1;

	printf("# CHILD SA rekey: INVALID_KE_PAYLOAD, retried with the group\n");
	ca.ipsec.dh[0] = IKEV2_DH_MODP_2048;
	ca.ipsec.dh[1] = IKEV2_DH_ECP_256;
	ca.ipsec.n_dh = 2;
	cb.ipsec.dh[0] = IKEV2_DH_ECP_256;
	cb.ipsec.n_dh = 1;
	up_and_rekey(&a0, &a1);
	CHECK(count_sent(&A, IKEV2_EXCH_CREATE_CHILD_SA, false) == 2,
	      "two CREATE_CHILD_SA requests: %d",
	      count_sent(&A, IKEV2_EXCH_CREATE_CHILD_SA, false));
	CHECK(strstr(A.log, "peer wants PFS group 19") != NULL, "A: %s",
	      A.log);
	CHECK(a1.sa.n_child == 1 && a1.child[0].spi_in != a0.child[0].spi_in &&
	      !strcmp(a1.child[0].dh, "ecp256"), "rekeyed with %s",
	      a1.child[0].dh);
	CHECK(A.n_ksa == 2 && B.n_ksa == 2, "kernel SAs %d %d", A.n_ksa,
	      B.n_ksa);
	check_pair(0);
	stop();

	printf("# CHILD SA rekey: PFS required by the responder, none sent\n");
	cb.ipsec.dh[0] = IKEV2_DH_ECP_256;
	cb.ipsec.n_dh = 1;
	up_and_rekey(&a0, &a1);
	CHECK(strstr(A.log, "NO_PROPOSAL_CHOSEN") != NULL, "refused");
	CHECK(a1.sa.n_child == 1 && a1.child[0].spi_in == a0.child[0].spi_in &&
	      A.n_ksa == 2 && B.n_ksa == 2, "the old SA stays");
	check_pair(0);
	stop();
}

static int drop_delete_from_a(const struct dgram *d, int i)
{
	(void)i;
	return d->from == &A && d->data[18] == IKEV2_EXCH_INFORMATIONAL &&
	       !(d->data[19] & IKEV2_FLAG_RESPONSE);
}

static void test_child_hard_before_delete(void)
{
	struct view b0, b1;
	struct kern_sa *k;

	printf("# CHILD SA rekey: no DELETE, the hard expiry switches\n");
	start();
	up();
	b0 = view(&B);
	filter = drop_delete_from_a;
	soft_expire(&A);
	run(now + 1000);
	b1 = view(&B);
	k = ksa_find(&B, true, b0.child[0].spi_out);
	CHECK(b1.sa.n_child == 2 && k && !k->sa.standby,
	      "B: old outbound SA still carries traffic");
	use(&B);
	ike_expire(20, false, b0.child[0].spi_in, true);
	run(now + 100);
	b1 = view(&B);
	CHECK(b1.sa.n_child == 1 && b1.child[0].spi_in != b0.child[0].spi_in,
	      "B: the new CHILD SA is left");
	k = ksa_find(&B, true, b1.child[0].spi_out);
	CHECK(k && !k->sa.standby && ksa_active_out(&B) == 1,
	      "B: traffic on the new outbound SA");
	filter = NULL;
	stop();
}

static void test_child_collision(void)
{
	struct view a0, a1, b1;

	printf("# CHILD SA rekey collision: one pair survives\n");
	start();
	up();
	a0 = view(&A);
	soft_expire(&A);
	soft_expire(&B);
	run(now + 1000);
	a1 = view(&A);
	b1 = view(&B);
	CHECK(count_sent(&A, IKEV2_EXCH_CREATE_CHILD_SA, false) == 1 &&
	      count_sent(&B, IKEV2_EXCH_CREATE_CHILD_SA, false) == 1,
	      "both rekeyed");
	CHECK(strstr(A.log, "collision") && strstr(B.log, "collision"),
	      "both saw it");
	CHECK((strstr(A.log, "lowest nonce") != NULL) !=
	      (strstr(B.log, "lowest nonce") != NULL),
	      "exactly one side deletes its own");
	CHECK(a1.sa.n_child == 1 && b1.sa.n_child == 1, "one CHILD SA: %d %d",
	      a1.sa.n_child, b1.sa.n_child);
	CHECK(a1.child[0].spi_in == b1.child[0].spi_out &&
	      a1.child[0].spi_out == b1.child[0].spi_in &&
	      a1.child[0].spi_in != a0.child[0].spi_in, "the survivor");
	CHECK(ksa_active_out(&A) == 1 && ksa_active_out(&B) == 1,
	      "one active outbound each");
	CHECK(ksa_find(&A, true, a1.child[0].spi_out) &&
	      !ksa_find(&A, true, a1.child[0].spi_out)->sa.standby &&
	      !ksa_find(&B, true, b1.child[0].spi_out)->sa.standby,
	      "traffic on the survivor");
	run(now + GRACE_WAIT);
	CHECK(A.n_ksa == 2 && B.n_ksa == 2, "kernel SAs %d %d", A.n_ksa,
	      B.n_ksa);
	check_pair(0);
	CHECK(drops_all(&A) == 0 && drops_all(&B) == 0, "no drops");
	stop();
}

/* The IKE SA rekeyed: one each, new SPIs, CHILD SAs kept and usable. */
static void check_ike_rekeyed(const struct view *a0)
{
	struct view a1 = view(&A), b1 = view(&B), a2;

	CHECK(a1.n == 1 && b1.n == 1 && !strcmp(a1.sa.state, "established") &&
	      !strcmp(b1.sa.state, "established"), "one IKE SA each: %d %d",
	      a1.n, b1.n);
	CHECK(a1.sa.spi_i == b1.sa.spi_i && a1.sa.spi_r == b1.sa.spi_r &&
	      a1.sa.spi_i != a0->sa.spi_i && a1.sa.spi_r != a0->sa.spi_r,
	      "new IKE SPIs");
	CHECK(a1.sa.n_child == 1 && b1.sa.n_child == 1 &&
	      a1.child[0].spi_in == a0->child[0].spi_in &&
	      A.n_ksa == 2 && B.n_ksa == 2, "CHILD SA kept");
	check_pair(0);
	/* the new SK_d is the same on both sides: a CHILD rekey works */
	soft_expire(&A);
	run(now + 1000 + GRACE_WAIT);
	a2 = view(&A);
	CHECK(a2.sa.n_child == 1 && a2.child[0].spi_in != a1.child[0].spi_in,
	      "CHILD SA rekeyed on the new IKE SA");
	check_pair(0);
	CHECK(drops_all(&A) == 0 && drops_all(&B) == 0, "no drops");
}

static void ike_rekey(struct node *by)
{
	struct view a0;

	printf("# IKE SA rekey by %s\n", by == &A ? "initiator" : "responder");
	(by == &A ? &ca : &cb)->ike.lifetime = 100;
	start();
	up();
	a0 = view(&A);
	run(now + 96000);
	CHECK(count_sent(by, IKEV2_EXCH_CREATE_CHILD_SA, false) == 1,
	      "one CREATE_CHILD_SA");
	CHECK(strstr(by->log, "lifetime: rekeying") != NULL, "lifetime");
	check_ike_rekeyed(&a0);
	stop();
}

static void test_ike_invalid_ke(void)
{
	struct view a0;

	printf("# IKE SA rekey: INVALID_KE_PAYLOAD, retried with the group\n");
	cb.ike.dh[0] = IKEV2_DH_MODP_2048;
	cb.ike.dh[1] = IKEV2_DH_ECP_256;
	ca.ike.lifetime = 100;
	start();
	up();
	a0 = view(&A);
	/* B now wants modp2048 only; A rekeys with the SA's ecp256 */
	cb.ike.n_dh = 1;
	run(now + 96000);
	CHECK(count_sent(&A, IKEV2_EXCH_CREATE_CHILD_SA, false) == 2,
	      "two requests: %d",
	      count_sent(&A, IKEV2_EXCH_CREATE_CHILD_SA, false));
	CHECK(!strcmp(view(&A).sa.dh, "modp2048"), "new group %s",
	      view(&A).sa.dh);
	check_ike_rekeyed(&a0);
	stop();
}

static void test_ike_collision(void)
{
	struct ike_sa *sa;
	struct view a0;

	printf("# IKE SA rekey collision: one IKE SA survives\n");
	start();
	up();
	a0 = view(&A);
	sa = first_sa(&A);
	sa->rekey.fn(&sa->rekey);
	sa = first_sa(&B);
	sa->rekey.fn(&sa->rekey);
	run(now + 1000);
	CHECK(count_sent(&A, IKEV2_EXCH_CREATE_CHILD_SA, false) == 1 &&
	      count_sent(&B, IKEV2_EXCH_CREATE_CHILD_SA, false) == 1,
	      "both rekeyed");
	CHECK((strstr(A.log, "lowest nonce") != NULL) !=
	      (strstr(B.log, "lowest nonce") != NULL),
	      "exactly one side deletes its own");
	check_ike_rekeyed(&a0);
	stop();
}

/*
 * The operator's rekey (vtunctl ike rekey) on both sides at once: the same
 * collisions. Refused with nothing established, or with one under way.
 */
static void test_operator_rekey(bool ike)
{
	struct view a0, a1, b1;

	printf("# operator's %s SA rekey on both sides\n", ike ? "IKE" : "CHILD");
	start();
	use(&A);
	CHECK(ike_tunnel_rekey(&ca.tun, ike) == -ENOENT, "nothing to rekey");
	up();
	a0 = view(&A);
	use(&A);
	CHECK(ike_tunnel_rekey(&ca.tun, ike) == 0, "A: rekeying");
	CHECK(ike_tunnel_rekey(&ca.tun, ike) == -EBUSY, "A: under way");
	use(&B);
	CHECK(ike_tunnel_rekey(&cb.tun, ike) == 0, "B: rekeying");
	run(now + 1000);
	CHECK(count_sent(&A, IKEV2_EXCH_CREATE_CHILD_SA, false) == 1 &&
	      count_sent(&B, IKEV2_EXCH_CREATE_CHILD_SA, false) == 1,
	      "both rekeyed");
	CHECK((strstr(A.log, "lowest nonce") != NULL) !=
	      (strstr(B.log, "lowest nonce") != NULL),
	      "exactly one side deletes its own");
	if (ike) {
		check_ike_rekeyed(&a0);
	} else {
		run(now + GRACE_WAIT);
		a1 = view(&A);
		b1 = view(&B);
		CHECK(a1.sa.n_child == 1 && b1.sa.n_child == 1 &&
		      a1.child[0].spi_in != a0.child[0].spi_in,
		      "one new CHILD SA");
		CHECK(A.n_ksa == 2 && B.n_ksa == 2, "kernel SAs %d %d",
		      A.n_ksa, B.n_ksa);
		check_pair(0);
	}
	stop();
}

static void test_rekey(void)
{
	child_rekey(&A, false);
	child_rekey(&B, false);
	child_rekey(&A, true);
	child_rekey(&B, true);
	test_child_invalid_ke();
	test_child_hard_before_delete();
	test_child_collision();
	ike_rekey(&A);
	ike_rekey(&B);
	test_ike_invalid_ke();
	test_ike_collision();
	test_operator_rekey(false);
	test_operator_rekey(true);
}
