// SPDX-License-Identifier: GPL-2.0
/*
 * The IKEv2 engine on a real UDP socket with a recording fake kernel, for
 * interoperability runs against another IKE implementation (strongSwan in a
 * network namespace: engine_swan.sh).
 *
 *	engine_udp -l LOCAL -r PEER -k PSK [-i] [-I ike] [-E esp] [-P pfs]
 *		   [-p L/n=R/n]... [-t seconds] [-d] [-K keyfile]
 *		   [-C certdir -N name [-1]] [-n tunnels [-L limit]]
 *
 * -i initiates (else responds only); -I aes-gcm|aes-cbc|chacha and -g GROUP
 * choose the IKE proposal, -E the ESP one (aes-gcm|aes-cbc); -d deletes the
 * IKE SA once established and exits when that is done; without -d it exits
 * when the IKE SA is gone (peer's DELETE) or after -t seconds. -K writes
 * each kernel SA as "dir spi alg key" lines for comparison with the peer's
 * XFRM states (test use only). Prints "ESTABLISHED", "CHILD ..." and
 * "DELETED" lines for the script. -n N (with -i) initiates N tunnels to
 * PEER, PEER + 1, ... (initiate-limit -L, default the daemon's), prints
 * "UP count ms" as they come up and exits once all are (0) or after -t
 * seconds (3): engine_swan_scale.sh.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <sys/uio.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "ikesa.h"
#include "ikev2.h"

#define FAKE_TIMERS_MAX 4096	/* -n: timers of 256 IKE SAs */
#include "fake_services.h"

static int sock = -1, sock_natt = -1;	/* ports 500 and 4500 */
static FILE *keyfile;
static int n_sa;
static int verbose;
static int print_now;

void iked_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > LOG_INFO && !verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "iked: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

uint64_t iked_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int iked_send(const struct sockaddr_storage *local,
	      const struct sockaddr_storage *peer,
	      const uint8_t *msg, size_t len)
{
	static const uint8_t marker[4];
	struct iovec iov[2] = {
		{ (void *)marker, sizeof(marker) }, { (void *)msg, len },
	};
	struct msghdr mh = {
		.msg_name = (void *)peer,
		.msg_namelen = sizeof(struct sockaddr_in),
		.msg_iov = iov, .msg_iovlen = 2,
	};
	bool natt = addr_port(local) == IKEV2_NATT_PORT;

	/* on 4500 behind the non-ESP marker (RFC 3948), as net.c does */
	if (!natt) {
		mh.msg_iov = iov + 1;
		mh.msg_iovlen = 1;
	}
	if (sendmsg(natt ? sock_natt : sock, &mh, 0) < 0)
		return -errno;
	return 0;
}

static void hex(FILE *f, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

static int kern_sa_add(const struct iked_kernel_sa *sa)
{
	printf("SA-ADD %s 0x%08x %s%s%s esn=%d\n", sa->out ? "out" : "in",
	       sa->spi, sa->aead_alg ? sa->aead_alg : sa->enc_alg,
	       sa->auth_alg ? " " : "", sa->auth_alg ? sa->auth_alg : "",
	       sa->esn);
	if (keyfile) {
		fprintf(keyfile, "%s 0x%08x ", sa->out ? "out" : "in", sa->spi);
		hex(keyfile, sa->enc_key, sa->enc_key_len);
		fprintf(keyfile, " ");
		if (sa->auth_key_len)
			hex(keyfile, sa->auth_key, sa->auth_key_len);
		else
			fprintf(keyfile, "-");
		fprintf(keyfile, "\n");
		fflush(keyfile);
	}
	fflush(stdout);
	n_sa++;
	return 0;
}

static int kern_sa_del(int ifindex, bool out, uint32_t spi)
{
	(void)ifindex;
	printf("SA-DEL %s 0x%08x\n", out ? "out" : "in", spi);
	fflush(stdout);
	n_sa--;
	return 0;
}

static const struct fake_kernel_ops fake_kernel = {
	.sa_add = kern_sa_add,
	.sa_del = kern_sa_del,
};

static int show(const struct ike_sa_info *sa, void *arg)
{
	int i;

	int st = strcmp(sa->state, "established") ? 1 : 2;

	if (st > *(int *)arg)
		*(int *)arg = st;
	if (st != 2 || !print_now)
		return 0;
	printf("IKE %s spi_i=%016llx spi_r=%016llx %s %s %s %s peer=%s\n",
	       sa->state, (unsigned long long)sa->spi_i,
	       (unsigned long long)sa->spi_r, sa->encr,
	       sa->integ[0] ? sa->integ : "-", sa->prf, sa->dh, sa->peer_id);
	for (i = 0; i < sa->n_child; i++)
		printf("CHILD in=0x%08x out=0x%08x %s %s esn=%d dh=%s "
		       "local=%s remote=%s\n", sa->child[i].spi_in,
		       sa->child[i].spi_out, sa->child[i].encr,
		       sa->child[i].integ[0] ? sa->child[i].integ : "-",
		       sa->child[i].esn, sa->child[i].dh[0] ?
		       sa->child[i].dh : "-", sa->child[i].local_ts,
		       sa->child[i].remote_ts);
	return 0;
}

static void addr(struct sockaddr_storage *ss, const char *a)
{
	if (fake_addr4(ss, a, 500) != 1) {
		fprintf(stderr, "bad address %s\n", a);
		exit(2);
	}
}

static void proxy(struct iked_proxy_id *p, uint32_t id, const char *spec)
{
	char l[64], r[64];
	int ll, rl;

	/* "10.1.0.0/16=10.2.0.0/16" */
	if (sscanf(spec, "%63[^/]/%d=%63[^/]/%d", l, &ll, r, &rl) != 4) {
		fprintf(stderr, "bad proxy ID %s\n", spec);
		exit(2);
	}
	fake_proxy4(p, id, l, ll, r, rl);
}

#define SCALE_MAX 256

static int count_up(const struct ike_sa_info *sa, void *arg)
{
	if (!strcmp(sa->state, "established") && sa->n_child)
		(*(int *)arg)++;
	return 0;
}

/* -n: n copies of gateway and tunnel 0, to consecutive peer addresses */
static void scale_conf(struct iked_config *conf, int n)
{
	static struct iked_gateway gw[SCALE_MAX];
	static struct iked_tunnel tun[SCALE_MAX];
	static struct iked_gateway *gws[SCALE_MAX];
	static struct iked_tunnel *tuns[SCALE_MAX];
	int i;

	for (i = 0; i < n; i++) {
		struct sockaddr_in *p = (struct sockaddr_in *)&gw[i].peer;

		gw[i] = *conf->gw[0];
		snprintf(gw[i].name, sizeof(gw[i].name), "gw%d", i + 1);
		p->sin_addr.s_addr = htonl(ntohl(p->sin_addr.s_addr) + (uint32_t)i);
		tun[i] = *conf->tun[0];
		snprintf(tun[i].name, sizeof(tun[i].name), "t%d", i + 1);
		tun[i].gw = &gw[i];
		tun[i].ifindex = i + 1;
		gws[i] = &gw[i];
		tuns[i] = &tun[i];
	}
	conf->gw = gws;
	conf->n_gw = n;
	conf->tun = tuns;
	conf->n_tun = n;
}

int main(int argc, char **argv)
{
	static struct iked_ike_profile ike;
	static struct iked_ipsec_profile esp;
	static struct iked_gateway gw;
	static struct iked_tunnel tun;
	struct sockaddr_storage local_natt;
	struct iked_ike_profile *ikes[] = { &ike };
	struct iked_ipsec_profile *esps[] = { &esp };
	struct iked_gateway *gws[] = { &gw };
	struct iked_tunnel *tuns[] = { &tun };
	struct iked_config conf = {
		.ike = ikes, .n_ike = 1, .ipsec = esps, .n_ipsec = 1,
		.gw = gws, .n_gw = 1, .tun = tuns, .n_tun = 1,
	};
	const char *local = NULL, *peer = NULL, *psk = "", *ikealg = "aes-gcm";
	const char *espalg = "aes-gcm";
	int initiate = 0, del = 0, timeout = 30, c, group = IKEV2_DH_ECP_256;
	int pfs = 0, was = 0, state = 0, had = 0;
	uint64_t end;

	const char *certdir = NULL, *me = "a";
	int method1 = 0, pss = 0, scale = 0, n_up = 0, lim = 0;
	uint64_t t0;

	fake_next_spi = 0xc1000001;	/* apart from the peer's */
	while ((c = getopt(argc, argv, "l:r:k:iI:E:g:P:t:dK:p:vC:N:1Sn:L:")) != -1) {
		switch (c) {
		case 'l': local = optarg; break;
		case 'r': peer = optarg; break;
		case 'k': psk = optarg; break;
		case 'i': initiate = 1; break;
		case 'I': ikealg = optarg; break;
		case 'E': espalg = optarg; break;
		case 'g': group = atoi(optarg); break;
		case 'P': pfs = atoi(optarg); break;
		case 't': timeout = atoi(optarg); break;
		case 'd': del = 1; break;
		case 'K': keyfile = fopen(optarg, "w"); break;
		case 'p':
			if (tun.n_proxy < IKED_PROXY_MAX)
				proxy(&tun.proxy[tun.n_proxy],
				      (uint32_t)tun.n_proxy + 1, optarg),
				tun.n_proxy++;
			break;
		case 'v': verbose = 1; break;
		case 'C': certdir = optarg; break;
		case 'N': me = optarg; break;
		case '1': method1 = 1; break;
		case 'S': pss = 1; break;
		case 'n': scale = atoi(optarg); break;
		case 'L': lim = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!local || !peer)
		return 2;

	snprintf(ike.name, sizeof(ike.name), "ike");
	if (!strcmp(ikealg, "aes-cbc")) {
		ike.encr[0] = (struct iked_xform){ IKEV2_ENCR_AES_CBC, 256 };
		ike.integ[0] = IKEV2_AUTH_HMAC_SHA2_256_128;
		ike.n_integ = 1;
	} else if (!strcmp(ikealg, "chacha")) {
		ike.encr[0] = (struct iked_xform){ IKEV2_ENCR_CHACHA20_POLY1305, 0 };
	} else {
		ike.encr[0] = (struct iked_xform){ IKEV2_ENCR_AES_GCM_16, 256 };
	}
	ike.n_encr = 1;
	ike.prf[0] = IKEV2_PRF_HMAC_SHA2_256;
	ike.n_prf = 1;
	ike.dh[0] = (uint16_t)group;
	ike.dh[1] = IKEV2_DH_ECP_256;
	ike.dh[2] = IKEV2_DH_MODP_2048;
	ike.dh[3] = IKEV2_DH_CURVE25519;
	ike.n_dh = 4;
	ike.lifetime = 28800;

	snprintf(esp.name, sizeof(esp.name), "esp");
	esp.protocol = IKEV2_PROTO_ESP;
	if (!strcmp(espalg, "aes-cbc")) {
		esp.encr[0] = (struct iked_xform){ IKEV2_ENCR_AES_CBC, 128 };
		esp.integ[0] = IKEV2_AUTH_HMAC_SHA2_256_128;
		esp.n_integ = 1;
	} else {
		esp.encr[0] = (struct iked_xform){ IKEV2_ENCR_AES_GCM_16, 128 };
	}
	esp.n_encr = 1;
	if (pfs) {
		esp.dh[0] = (uint16_t)pfs;
		esp.n_dh = 1;
	}
	esp.esn = IKED_ESN_BOTH;
	esp.lifetime = 3600;

	snprintf(gw.name, sizeof(gw.name), "gw");
	addr(&gw.local, local);
	addr(&gw.peer, peer);
	gw.auth = IKED_AUTH_PSK;
	gw.psk_len = strlen(psk);
	memcpy(gw.psk, psk, gw.psk_len);
	gw.ike = &ike;
	if (certdir) {
		gw.auth = method1 ? IKED_AUTH_CERT_RSA1 : IKED_AUTH_CERT;
		gw.rsa_pss = pss;
		snprintf(gw.cert, sizeof(gw.cert), "%s/%s.pem", certdir, me);
		snprintf(gw.key, sizeof(gw.key), "%s/%s.key", certdir, me);
		snprintf(gw.ca, sizeof(gw.ca), "%s/ca.pem", certdir);
	}

	snprintf(tun.name, sizeof(tun.name), "tun");
	tun.gw = &gw;
	tun.ipsec = &esp;
	tun.replay_window = 64;
	tun.ifindex = 1;
	tun.start = initiate ? IKED_START_START : IKED_START_NONE;

	sock = socket(AF_INET, SOCK_DGRAM, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *)&gw.local,
			     sizeof(struct sockaddr_in))) {
		perror("socket");
		return 1;
	}
	local_natt = gw.local;
	addr_set_port(&local_natt, IKEV2_NATT_PORT);
	sock_natt = socket(AF_INET, SOCK_DGRAM, 0);
	if (sock_natt < 0 || bind(sock_natt, (struct sockaddr *)&local_natt,
				  sizeof(struct sockaddr_in))) {
		perror("socket 4500");
		return 1;
	}
	if (scale < 0 || scale > SCALE_MAX)
		return 2;
	if (scale)
		scale_conf(&conf, scale);
	conf.initiate_limit = (uint32_t)lim;
	ike_engine_init(&conf);
	t0 = iked_now_ms();
	end = t0 + (uint64_t)timeout * 1000;
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = sock, .events = POLLIN },
			{ .fd = sock_natt, .events = POLLIN },
		};
		uint64_t now = iked_now_ms(), next = end;
		int i;

		i = fake_timer_next(UINT64_MAX);
		if (i >= 0 && fake_timers[i].t->when < next)
			next = fake_timers[i].t->when;
		if (now >= end)
			break;
		if (poll(pfd, 2, next > now ? (int)(next - now) : 0) > 0) {
			for (i = 0; i < 2; i++) {
				uint8_t buf[65536];
				struct sockaddr_storage from;
				socklen_t fl = sizeof(from);
				ssize_t n;

				if (!(pfd[i].revents & POLLIN))
					continue;
				n = recvfrom(pfd[i].fd, buf, sizeof(buf), 0,
					     (struct sockaddr *)&from, &fl);
				if (n > 0 && !i)
					ike_recv(&gw.local, &from, buf, (size_t)n);
				/* IKE behind the marker; ESP and keepalives not */
				else if (n > 4 && !(buf[0] | buf[1] | buf[2] | buf[3]))
					ike_recv(&local_natt, &from, buf + 4,
						 (size_t)n - 4);
			}
		}
		fake_timers_run(iked_now_ms());
		if (scale) {
			int up = 0;

			ike_foreach_sa(count_up, &up);
			if (up != n_up) {
				printf("UP %d %llu\n", up, (unsigned long long)
				       (iked_now_ms() - t0));
				fflush(stdout);
				n_up = up;
			}
			if (up == scale)
				break;
			continue;
		}
		state = 0;
		ike_foreach_sa(show, &state);
		if (state == 2 && was != 2) {
			printf("ESTABLISHED\n");
			print_now = 1;
			ike_foreach_sa(show, &state);
			print_now = 0;
			fflush(stdout);
			if (del)
				ike_tunnel_down(&tun);
			was = 2;
		} else if (state != 2 && was == 2) {
			printf("DELETED\n");
			fflush(stdout);
			was = 3;
		}
		/* after our DELETE: until its answer (or the last retry) */
		if (was == 3 && !state)
			break;
		/* an SA that failed or was deleted before it was shown */
		if (state)
			had = 1;
		else if (had && was != 2)
			break;
	}
	{
		uint64_t d[IKE_DROP_MAX];
		int i;

		memcpy(d, ike_drops, sizeof(d));
		for (i = 0; i < IKE_DROP_MAX; i++)
			if (d[i])
				printf("DROPS %s %llu\n", ike_drop_names[i],
				       (unsigned long long)d[i]);
	}
	ike_engine_fini();
	if (keyfile)
		fclose(keyfile);
	if (scale)
		return n_up == scale ? 0 : 3;
	return was >= 2 ? 0 : 3;
}
