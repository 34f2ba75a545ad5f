// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of vtun-iked's configuration parser (userspace/iked/config.c):
 * a complete file checked field by field, the defaults, reload sameness,
 * and a table of bad files each with the exact FILE:LINE it must report.
 */

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <netinet/in.h>

#include "config.h"
#include "daemon_check.h"

static char dir[] = "/tmp/iked-config-test.XXXXXX";

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

static void remove_files(void)
{
	static const char *const names[] = {
		"good.conf", "a.pem", "a.key", "ca.pem", "min.conf",
	};
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static const char good[] =
	"# A complete file\n"				/* 1 */
	"control-socket /run/vtun-test.sock;\n"
	"log-level debug;\n"
	"\n"
	"ike-crypto-profile strong {\n"			/* 5 */
	"\tencryption aes-cbc-256 aes-gcm-16-128 chacha20-poly1305;\n"
	"\tintegrity sha384 sha256;\n"
	"\tprf sha512 sha256;\n"
	"\tdh-group 20 modp2048 x25519 5;\n"
	"\tlifetime 4h;\n"				/* 10 */
	"}\n"
	"ipsec-crypto-profile esp-pfs {\n"
	"\tprotocol esp;\n"
	"\tencryption aes-cbc-128 aes-gcm-16-256;\n"
	"\tintegrity sha256 sha1;\n"			/* 15 */
	"\tdh-group 19;\n"
	"\tesn yes;\n"
	"\tlifetime 30m;\n"
	"\tlifetime-bytes 4g;\n"
	"};\n"						/* 20 */
	"ipsec-crypto-profile ah-only { protocol ah; integrity sha512; "
	"esn no; }\n"
	"ike-gateway site-b {\n"
	"\tlocal-address 192.0.2.1;\n"
	"\tpeer-address 198.51.100.2;\n"
	"\tlocal-id fqdn:moon.example.org;\n"		/* 25 */
	"\tpeer-id dn:\"C=CH, O=Example, CN=sun\";\n"
	"\tauthentication certificate {\n"
	"\t\tcert a.pem; key \"a.key\"; ca ca.pem;\n"
	"\t\tmethod rsa-signature;\n"
	"\t}\n"						/* 30 */
	"\tike-crypto-profile strong;\n"
	"\tversion 2;\n"
	"}\n"
	"ike-gateway road {\n"
	"\tpeer-address any;\n"				/* 35 */
	"\tpeer-id email:carol@example.org;\n"
	"\tauthentication psk \"s3cr\\\"et\";\n"
	"}\n"
	"ike-gateway v6 {\n"
	"\tlocal-address 2001:db8::1; peer-address 2001:db8::2;\n" /* 40 */
	"\tauthentication psk 0x00ff10;\n"
	"\tpeer-id 2001:db8::2;\n"
	"}\n"
	"ipsec-tunnel to-b {\n"
	"\tinterface vtun0;\n"				/* 45 */
	"\tike-gateway site-b;\n"
	"\tipsec-crypto-profile esp-pfs;\n"
	"\tproxy-id web {\n"
	"\t\tlocal 10.1.0.0/24; remote 10.2.0.0/16;\n"
	"\t\tprotocol tcp; local-port 1024-65535; remote-port 443;\n" /* 50 */
	"\t}\n"
	"\tproxy-id six { local 2001:db8:1::/48; remote 2001:db8:2::5; }\n"
	"\treplay-window 2048;\n"
	"\tcopy-tos yes;\n"
	"\tstart always;\n"				/* 55 */
	"\tmonitor { destination 10.2.0.1; interval 500ms; threshold 3; "
	"action fail-over; }\n"
	"}\n"
	"ipsec-tunnel roadwarriors { interface vtun1; ike-gateway road; }\n"
	"ipsec-tunnel six { interface vtun2; ike-gateway v6; "
	"ipsec-crypto-profile ah-only; start on-demand; }\n"
	"cookie-threshold 25;\n"
	"initiate-limit 16;\n"
	"fragmentation no;\n"
	"fragment-size 1400;\n";

static const struct iked_ike_profile *find_ike(const struct iked_config *c,
					       const char *name)
{
	int i;

	for (i = 0; i < c->n_ike; i++)
		if (!strcmp(c->ike[i]->name, name))
			return c->ike[i];
	return NULL;
}

static void test_good(void)
{
	const struct iked_ike_profile *ike, *def;
	const struct iked_ipsec_profile *esp, *ah;
	const struct iked_gateway *gw, *road, *v6;
	const struct iked_tunnel *t, *rw, *six;
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;
	const struct iked_proxy_id *p;
	struct iked_config *c;
	char err[512], path[256];
	struct in6_addr a6;

	write_file("good.conf", good);
	write_file("a.pem", "");
	write_file("a.key", "");
	write_file("ca.pem", "");
	snprintf(path, sizeof(path), "%s/good.conf", dir);
	c = iked_config_load(path, err, sizeof(err));
	if (!c) {
		fprintf(stderr, "good.conf: %s\n", err);
		failures++;
		return;
	}
	CHECK(!strcmp(c->control, "/run/vtun-test.sock"));
	CHECK_EQ(c->log_level, LOG_DEBUG);
	CHECK_EQ(c->cookie_threshold, 25);
	CHECK_EQ(c->initiate_limit, 16);
	CHECK(c->no_fragmentation);
	CHECK_EQ(c->fragment_size, 1400);
	CHECK_EQ(c->n_ike, 2);		/* strong, and the default for road */
	CHECK_EQ(c->n_ipsec, 3);	/* esp-pfs, ah-only, default */
	CHECK_EQ(c->n_gw, 3);
	CHECK_EQ(c->n_tun, 3);

	ike = find_ike(c, "strong");
	CHECK(ike != NULL);
	if (ike) {
		CHECK_EQ(ike->n_encr, 3);
		CHECK_EQ(ike->encr[0].id, 12);
		CHECK_EQ(ike->encr[0].keylen, 256);
		CHECK_EQ(ike->encr[1].id, 20);
		CHECK_EQ(ike->encr[1].keylen, 128);
		CHECK_EQ(ike->encr[2].id, 28);
		CHECK_EQ(ike->encr[2].keylen, 0);
		CHECK_EQ(ike->n_integ, 2);
		CHECK_EQ(ike->integ[0], 13);
		CHECK_EQ(ike->integ[1], 12);
		CHECK_EQ(ike->n_prf, 2);
		CHECK_EQ(ike->prf[0], 7);
		CHECK_EQ(ike->prf[1], 5);
		CHECK_EQ(ike->n_dh, 4);
		CHECK_EQ(ike->dh[0], 20);
		CHECK_EQ(ike->dh[1], 14);
		CHECK_EQ(ike->dh[2], 31);
		CHECK_EQ(ike->dh[3], 5);	/* named explicitly: allowed */
		CHECK_EQ(ike->lifetime, 4 * 3600);
	}

	gw = c->gw[0];
	road = c->gw[1];
	v6 = c->gw[2];
	CHECK(!strcmp(gw->name, "site-b"));
	sin = (const struct sockaddr_in *)&gw->local;
	CHECK_EQ(sin->sin_family, AF_INET);
	CHECK_EQ(ntohl(sin->sin_addr.s_addr), 0xc0000201);
	CHECK_EQ(ntohs(sin->sin_port), 500);
	sin = (const struct sockaddr_in *)&gw->peer;
	CHECK_EQ(sin->sin_family, AF_INET);
	CHECK_EQ(ntohl(sin->sin_addr.s_addr), 0xc6336402);
	CHECK_EQ(gw->local_id.type, 2);
	CHECK_EQ(gw->local_id.len, 16);
	CHECK(!memcmp(gw->local_id.data, "moon.example.org", 16));
	/* DER of C=CH, O=Example, CN=sun, as Python's cryptography makes it. */
	{
		static const uint8_t der[] = {
			0x30, 0x2d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55,
			0x04, 0x06, 0x13, 0x02, 0x43, 0x48, 0x31, 0x10, 0x30,
			0x0e, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x0c, 0x07, 0x45,
			0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x31, 0x0c, 0x30,
			0x0a, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x03, 0x73,
			0x75, 0x6e,
		};

		CHECK_EQ(gw->peer_id.type, 9);
		CHECK_EQ(gw->peer_id.len, sizeof(der));
		CHECK(!memcmp(gw->peer_id.data, der, sizeof(der)));
	}
	CHECK_EQ(gw->auth, IKED_AUTH_CERT_RSA1);
	snprintf(path, sizeof(path), "%s/a.pem", dir);
	CHECK(!strcmp(gw->cert, path));
	snprintf(path, sizeof(path), "%s/a.key", dir);
	CHECK(!strcmp(gw->key, path));
	snprintf(path, sizeof(path), "%s/ca.pem", dir);
	CHECK(!strcmp(gw->ca, path));
	CHECK(gw->ike == ike);

	CHECK_EQ(road->local.ss_family, AF_UNSPEC);
	CHECK_EQ(road->peer.ss_family, AF_UNSPEC);
	CHECK_EQ(road->local_id.type, 0);	/* the address used, later */
	CHECK_EQ(road->peer_id.type, 3);
	CHECK_EQ(road->peer_id.len, 17);
	CHECK_EQ(road->auth, IKED_AUTH_PSK);
	CHECK_EQ(road->psk_len, 7);
	CHECK(!memcmp(road->psk, "s3cr\"et", 7));
	def = road->ike;
	CHECK(def && !strcmp(def->name, "default"));
	if (def) {
		/* The default: AEAD only, no weak groups. */
		CHECK_EQ(def->n_encr, 2);
		CHECK_EQ(def->encr[0].id, 20);
		CHECK_EQ(def->encr[0].keylen, 256);
		CHECK_EQ(def->encr[1].id, 20);
		CHECK_EQ(def->encr[1].keylen, 128);
		CHECK_EQ(def->n_integ, 0);
		CHECK_EQ(def->n_prf, 2);
		CHECK_EQ(def->prf[0], 5);
		CHECK_EQ(def->prf[1], 6);
		CHECK_EQ(def->n_dh, 4);
		CHECK_EQ(def->dh[0], 19);
		CHECK_EQ(def->dh[1], 20);
		CHECK_EQ(def->dh[2], 31);
		CHECK_EQ(def->dh[3], 14);
		CHECK_EQ(def->lifetime, 8 * 3600);
	}

	sin6 = (const struct sockaddr_in6 *)&v6->local;
	CHECK_EQ(sin6->sin6_family, AF_INET6);
	inet_pton(AF_INET6, "2001:db8::1", &a6);
	CHECK(!memcmp(&sin6->sin6_addr, &a6, 16));
	CHECK_EQ(ntohs(sin6->sin6_port), 500);
	CHECK_EQ(v6->local_id.type, 5);		/* from local-address */
	CHECK(!memcmp(v6->local_id.data, &a6, 16));
	inet_pton(AF_INET6, "2001:db8::2", &a6);
	CHECK_EQ(v6->peer_id.type, 5);		/* bare: autodetected */
	CHECK(!memcmp(v6->peer_id.data, &a6, 16));
	CHECK_EQ(v6->psk_len, 3);
	CHECK(!memcmp(v6->psk, "\x00\xff\x10", 3));

	t = c->tun[0];
	rw = c->tun[1];
	six = c->tun[2];
	CHECK(!strcmp(t->name, "to-b"));
	CHECK(!strcmp(t->dev, "vtun0"));
	CHECK(t->gw == gw);
	esp = t->ipsec;
	CHECK(esp && !strcmp(esp->name, "esp-pfs"));
	if (esp) {
		CHECK_EQ(esp->protocol, 3);
		CHECK_EQ(esp->n_encr, 2);
		CHECK_EQ(esp->encr[0].id, 12);
		CHECK_EQ(esp->encr[0].keylen, 128);
		CHECK_EQ(esp->encr[1].id, 20);
		CHECK_EQ(esp->encr[1].keylen, 256);
		CHECK_EQ(esp->n_integ, 2);
		CHECK_EQ(esp->integ[0], 12);
		CHECK_EQ(esp->integ[1], 2);
		CHECK_EQ(esp->n_dh, 1);
		CHECK_EQ(esp->dh[0], 19);
		CHECK_EQ(esp->esn, IKED_ESN_YES);
		CHECK_EQ(esp->lifetime, 1800);
		CHECK_EQ(esp->lifetime_bytes, 4ull << 30);
	}
	CHECK_EQ(t->n_proxy, 2);
	p = &t->proxy[0];
	CHECK_EQ(p->id, 1);
	CHECK_EQ(p->family, AF_INET);
	CHECK_EQ(p->ip_proto, 6);
	CHECK_EQ(p->local_len, 24);
	CHECK_EQ(p->remote_len, 16);
	CHECK(!memcmp(&p->local, "\x0a\x01\x00\x00", 4));
	CHECK(!memcmp(&p->remote, "\x0a\x02\x00\x00", 4));
	CHECK_EQ(p->local_port_min, 1024);
	CHECK_EQ(p->local_port_max, 65535);
	CHECK_EQ(p->remote_port_min, 443);
	CHECK_EQ(p->remote_port_max, 443);
	p = &t->proxy[1];
	CHECK_EQ(p->id, 2);
	CHECK_EQ(p->family, AF_INET6);
	CHECK_EQ(p->ip_proto, 0);
	CHECK_EQ(p->local_len, 48);
	CHECK_EQ(p->remote_len, 128);
	CHECK_EQ(p->local_port_min, 0);
	CHECK_EQ(p->local_port_max, 65535);
	CHECK_EQ(t->replay_window, 2048);
	CHECK(t->copy_tos);
	CHECK_EQ(t->start, IKED_START_START);
	sin = (const struct sockaddr_in *)&t->monitor_dst;
	CHECK_EQ(sin->sin_family, AF_INET);
	CHECK_EQ(ntohl(sin->sin_addr.s_addr), 0x0a020001);
	CHECK_EQ(t->monitor_interval_ms, 500);
	CHECK_EQ(t->monitor_threshold, 3);
	CHECK(t->monitor_failover);
	CHECK_EQ(t->ifindex, 0);

	/* Tunnel defaults; a dynamic peer makes a responder. */
	CHECK(!strcmp(rw->dev, "vtun1"));
	CHECK(rw->gw == road);
	CHECK_EQ(rw->start, IKED_START_NONE);
	CHECK_EQ(rw->replay_window, 1024);
	CHECK(!rw->copy_tos);
	CHECK_EQ(rw->n_proxy, 0);
	CHECK_EQ(rw->monitor_dst.ss_family, AF_UNSPEC);
	CHECK(rw->ipsec && !strcmp(rw->ipsec->name, "default"));
	if (rw->ipsec) {
		CHECK_EQ(rw->ipsec->protocol, 3);
		CHECK_EQ(rw->ipsec->n_encr, 2);
		CHECK_EQ(rw->ipsec->encr[0].id, 20);
		CHECK_EQ(rw->ipsec->encr[0].keylen, 256);
		CHECK_EQ(rw->ipsec->encr[1].keylen, 128);
		CHECK_EQ(rw->ipsec->n_integ, 0);
		CHECK_EQ(rw->ipsec->n_dh, 0);
		CHECK_EQ(rw->ipsec->esn, IKED_ESN_BOTH);
		CHECK_EQ(rw->ipsec->lifetime, 3600);
		CHECK_EQ(rw->ipsec->lifetime_bytes, 0);
	}
	CHECK_EQ(six->start, IKED_START_TRAP);
	ah = six->ipsec;
	CHECK(ah && !strcmp(ah->name, "ah-only"));
	if (ah) {
		CHECK_EQ(ah->protocol, 2);
		CHECK_EQ(ah->n_encr, 0);
		CHECK_EQ(ah->n_integ, 1);
		CHECK_EQ(ah->integ[0], 14);
		CHECK_EQ(ah->esn, IKED_ESN_NO);
	}
	CHECK(iked_config_tunnel(c, "six") == six);
	CHECK(iked_config_tunnel(c, "nope") == NULL);
	iked_config_free(c);
}

/* The defaults of a minimal file; forward references. */
static void test_minimal(void)
{
	static const char text[] =
		"ipsec-tunnel t { interface vtun9; ike-gateway g; }\n"
		"ike-gateway g { peer-address 203.0.113.9; "
		"authentication psk \"x\"; }\n";
	struct iked_config *c;
	char err[512];

	c = iked_config_parse_text("min.conf", text, err, sizeof(err));
	CHECK(c != NULL);
	if (!c) {
		fprintf(stderr, "min.conf: %s\n", err);
		return;
	}
	CHECK(!strcmp(c->control, IKED_CONTROL_DEFAULT));
	CHECK_EQ(c->log_level, LOG_INFO);
	CHECK_EQ(c->cookie_threshold, IKED_COOKIE_THRESHOLD);
	CHECK_EQ(c->initiate_limit, IKED_INITIATE_LIMIT);
	CHECK(!c->no_fragmentation);
	CHECK_EQ(c->fragment_size, IKED_FRAGMENT_SIZE);
	CHECK(c->tun[0]->gw == c->gw[0]);
	CHECK_EQ(c->tun[0]->start, IKED_START_TRAP);
	CHECK_EQ(c->gw[0]->local_id.type, 0);
	CHECK_EQ(c->gw[0]->peer_id.type, 0);
	/* no DPD, the engine's retransmission schedule, keepalives 20 s */
	CHECK_EQ(c->gw[0]->dpd_delay_ms, 0);
	CHECK_EQ(c->gw[0]->dpd_action, IKED_DPD_CLEAR);
	CHECK_EQ(c->gw[0]->rtx_base_ms, 0);
	CHECK_EQ(c->gw[0]->rtx_tries, 0);
	CHECK_EQ(c->gw[0]->nat_keepalive, 20);
	iked_config_free(c);
}

/* Liveness and NAT traversal settings of a gateway. */
static void test_liveness(void)
{
	static const char text[] =
		"ipsec-tunnel t { interface vtun9; ike-gateway g; }\n"
		"ike-gateway g { peer-address 203.0.113.9; "
		"authentication psk \"x\";\n"
		" dpd-delay 30s; dpd-action restart;\n"
		" retransmit-timeout 500ms; retransmit-tries 3;\n"
		" nat-keepalive 0; }\n"
		"ike-gateway h { peer-address 203.0.113.8; "
		"authentication psk \"y\"; dpd-delay 2m; dpd-action trap; "
		"nat-keepalive 1m; }\n";
	struct iked_config *c;
	char err[512];

	c = iked_config_parse_text("live.conf", text, err, sizeof(err));
	CHECK(c != NULL);
	if (!c) {
		fprintf(stderr, "live.conf: %s\n", err);
		return;
	}
	CHECK_EQ(c->gw[0]->dpd_delay_ms, 30000);
	CHECK_EQ(c->gw[0]->dpd_action, IKED_DPD_RESTART);
	CHECK_EQ(c->gw[0]->rtx_base_ms, 500);
	CHECK_EQ(c->gw[0]->rtx_tries, 3);
	CHECK_EQ(c->gw[0]->nat_keepalive, 0);
	CHECK_EQ(c->gw[1]->dpd_delay_ms, 120000);
	CHECK_EQ(c->gw[1]->dpd_action, IKED_DPD_TRAP);
	CHECK_EQ(c->gw[1]->nat_keepalive, 60);
	iked_config_free(c);
}

/* The names vtunctl ike show prints are accepted too, as are D-H numbers. */
static void test_names(void)
{
	static const char text[] =
		"ike-crypto-profile p {\n encryption aes-cbc-256;\n"
		" integrity hmac-sha2-256-128 sha384;\n"
		" prf prf-hmac-sha2-384 sha512;\n"
		" dh-group x25519 modp3072 21 ecp256;\n}\n"
		"ipsec-crypto-profile q {\n"
		" encryption aes-ccm-16-256 aes-ctr-128;\n"
		" integrity hmac-sha1-96 aes-cmac-96 md5;\n"
		" dh-group curve25519 14;\n}\n";
	struct iked_config *c;
	char err[512];

	c = iked_config_parse_text("names.conf", text, err, sizeof(err));
	CHECK(c != NULL);
	if (!c) {
		fprintf(stderr, "names.conf: %s\n", err);
		return;
	}
	CHECK_EQ(c->n_ike, 1);
	CHECK_EQ(c->ike[0]->integ[0], 12);
	CHECK_EQ(c->ike[0]->integ[1], 13);
	CHECK_EQ(c->ike[0]->n_integ, 2);
	CHECK_EQ(c->ike[0]->prf[0], 6);
	CHECK_EQ(c->ike[0]->prf[1], 7);
	CHECK_EQ(c->ike[0]->dh[0], 31);
	CHECK_EQ(c->ike[0]->dh[1], 15);
	CHECK_EQ(c->ike[0]->dh[2], 21);
	CHECK_EQ(c->ike[0]->dh[3], 19);
	CHECK_EQ(c->n_ipsec, 1);
	CHECK_EQ(c->ipsec[0]->encr[0].id, 16);
	CHECK_EQ(c->ipsec[0]->encr[0].keylen, 256);
	CHECK_EQ(c->ipsec[0]->integ[0], 2);
	CHECK_EQ(c->ipsec[0]->integ[1], 8);
	CHECK_EQ(c->ipsec[0]->integ[2], 1);
	CHECK_EQ(c->ipsec[0]->dh[0], 31);
	CHECK_EQ(c->ipsec[0]->dh[1], 14);
	iked_config_free(c);
}

/* What a reload compares. */
static void test_same(void)
{
	static const char base[] =
		"ike-gateway g { peer-address 203.0.113.9; "
		"authentication psk \"x\"; }\n"
		"ipsec-tunnel t { interface vtun9; ike-gateway g; }\n"
		"ipsec-tunnel u { interface vtun8; ike-gateway g; }\n";
	static const char psk[] =
		"ike-gateway g { peer-address 203.0.113.9; "
		"authentication psk \"y\"; }\n"
		"ipsec-tunnel t { interface vtun9; ike-gateway g; }\n"
		"ipsec-tunnel u { interface vtun8; ike-gateway g; }\n";
	static const char tos[] =
		"# comment lines move nothing\n"
		"ike-gateway g { peer-address 203.0.113.9; "
		"authentication psk \"x\"; }\n"
		"ipsec-tunnel t { interface vtun9; ike-gateway g; copy-tos yes; }\n"
		"ipsec-tunnel u { interface vtun8; ike-gateway g; }\n";
	struct iked_config *a, *b, *c;
	char err[512];

	a = iked_config_parse_text("a.conf", base, err, sizeof(err));
	b = iked_config_parse_text("b.conf", psk, err, sizeof(err));
	c = iked_config_parse_text("c.conf", tos, err, sizeof(err));
	CHECK(a && b && c);
	if (a && b && c) {
		CHECK(iked_tunnel_same(a->tun[0], a->tun[0]));
		CHECK(!iked_tunnel_same(a->tun[0], b->tun[0]));
		CHECK(!iked_tunnel_same(a->tun[0], c->tun[0]));
		CHECK(iked_tunnel_same(a->tun[1], c->tun[1]));
		a->tun[1]->ifindex = 7;		/* runtime state is not config */
		CHECK(iked_tunnel_same(a->tun[1], c->tun[1]));
	}
	iked_config_free(a);
	iked_config_free(b);
	iked_config_free(c);
}

/* A reload keeps the objects of unchanged tunnels, and only those. */
static void test_adopt(void)
{
	static const char before[] =
		"ike-crypto-profile p { prf sha384; }\n"
		"ike-gateway g { peer-address 203.0.113.9; ike-crypto-profile p; "
		"authentication psk \"x\"; }\n"
		"ike-gateway h { peer-address 203.0.113.10; "
		"authentication psk \"x\"; }\n"
		"ipsec-tunnel same { interface vtun1; ike-gateway g; }\n"
		"ipsec-tunnel changed { interface vtun2; ike-gateway g; }\n"
		"ipsec-tunnel gone { interface vtun3; ike-gateway h; }\n"
		"ipsec-tunnel newgw { interface vtun4; ike-gateway h; }\n";
	static const char after[] =
		"ike-gateway h { peer-address 203.0.113.11; "
		"authentication psk \"x\"; }\n"
		"ipsec-tunnel fresh { interface vtun5; ike-gateway g; }\n"
		"ipsec-tunnel newgw { interface vtun4; ike-gateway h; }\n"
		"ipsec-tunnel changed { interface vtun2; ike-gateway g; "
		"copy-tos yes; }\n"
		"ipsec-tunnel same { interface vtun1; ike-gateway g; }\n"
		"ike-gateway g { peer-address 203.0.113.9; ike-crypto-profile p; "
		"authentication psk \"x\"; }\n"
		"ike-crypto-profile p { prf sha384; }\n";
	const struct iked_tunnel *same, *changed;
	const struct iked_gateway *g;
	struct iked_config *old, *nw;
	bool kept[4];
	char err[512];

	old = iked_config_parse_text("old.conf", before, err, sizeof(err));
	nw = iked_config_parse_text("new.conf", after, err, sizeof(err));
	CHECK(old && nw);
	if (!old || !nw) {
		iked_config_free(old);
		iked_config_free(nw);
		return;
	}
	same = iked_config_tunnel(old, "same");
	changed = iked_config_tunnel(old, "changed");
	g = old->gw[0];
	old->tun[0]->ifindex = 11;
	iked_config_adopt(nw, old, kept);
	CHECK(!kept[0]);			/* fresh */
	CHECK(!kept[1]);			/* newgw: its gateway changed */
	CHECK(!kept[2]);			/* changed */
	CHECK(kept[3]);				/* same */
	CHECK(nw->tun[3] == same);
	CHECK_EQ(nw->tun[3]->ifindex, 11);
	CHECK(nw->tun[2] != changed);
	CHECK(nw->gw[1] == g);			/* unchanged gateway kept */
	CHECK(nw->tun[0]->gw == g);		/* and referred to */
	CHECK(nw->tun[2]->gw == g);
	CHECK(g->ike == nw->ike[0]);
	CHECK(iked_config_tunnel(old, "same") == NULL);
	CHECK(iked_config_tunnel(old, "gone") != NULL);	/* to bring down */
	CHECK(old->tun[1] == changed);
	iked_config_free(old);			/* no double free (ASan) */
	CHECK(!strcmp(nw->tun[3]->gw->name, "g"));
	iked_config_free(nw);
}

/*
 * A certificate gateway's choice of RSA signature, and a reload that finds
 * its files (same names) with other contents: the gateway and its tunnels
 * count as changed; with the same contents they are kept.
 */
static void test_cred_files(void)
{
	static const char *const files[] = { "r.pem", "r.key", "rca.pem" };
	char text[1024], path[256], err[512];
	struct iked_config *old, *nw;
	bool kept[1];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		write_file(files[i], "-----BEGIN X-----\n");
	snprintf(text, sizeof(text),
		 "ike-gateway g { peer-address 203.0.113.9;\n"
		 " authentication certificate {\n"
		 "  cert %s/r.pem; key %s/r.key; ca %s/rca.pem;%s\n"
		 " }\n}\n"
		 "ipsec-tunnel t { interface vtun9; ike-gateway g; }\n",
		 dir, dir, dir, "");
	old = iked_config_parse_text("c.conf", text, err, sizeof(err));
	CHECK(old && !old->gw[0]->rsa_pss);	/* pkcs1 by default */
	nw = iked_config_parse_text("c.conf", text, err, sizeof(err));
	CHECK(nw);
	if (old && nw) {
		iked_config_adopt(nw, old, kept);
		CHECK(kept[0]);			/* same contents: kept */
	}
	iked_config_free(old);
	old = nw;
	write_file("r.key", "-----BEGIN Y-----\n");
	nw = iked_config_parse_text("c.conf", text, err, sizeof(err));
	CHECK(nw);
	if (old && nw) {
		CHECK(!iked_tunnel_same(old->tun[0], nw->tun[0]));
		iked_config_adopt(nw, old, kept);
		CHECK(!kept[0]);		/* the key changed */
		CHECK(old->tun[0] != NULL);	/* the old one goes down */
	}
	iked_config_free(old);
	iked_config_free(nw);

	snprintf(text, sizeof(text),
		 "ike-gateway g { peer-address 203.0.113.9;\n"
		 " authentication certificate {\n"
		 "  cert %s/r.pem; key %s/r.key; ca %s/rca.pem;%s\n"
		 " }\n}\n", dir, dir, dir, " signature rsa-pss;");
	nw = iked_config_parse_text("c.conf", text, err, sizeof(err));
	CHECK(nw && nw->gw[0]->rsa_pss && nw->gw[0]->auth == IKED_AUTH_CERT);
	iked_config_free(nw);
	snprintf(text, sizeof(text),
		 "ike-gateway g { peer-address 203.0.113.9;\n"
		 " authentication certificate {\n"
		 "  cert %s/r.pem; key %s/r.key; ca %s/rca.pem;%s\n"
		 " }\n}\n", dir, dir, dir, " signature pkcs1;");
	nw = iked_config_parse_text("c.conf", text, err, sizeof(err));
	CHECK(nw && !nw->gw[0]->rsa_pss);
	iked_config_free(nw);
	snprintf(text, sizeof(text),
		 "ike-gateway g { peer-address 203.0.113.9;\n"
		 " authentication certificate {\n"
		 "  cert %s/r.pem; key %s/r.key; ca %s/rca.pem;%s\n"
		 " }\n}\n", dir, dir, dir,
		 " signature rsa-pss; method rsa-signature;");
	nw = iked_config_parse_text("c.conf", text, err, sizeof(err));
	CHECK(!nw && !strcmp(err, "c.conf:2: signature rsa-pss needs method "
			     "digital-signature"));
	snprintf(text, sizeof(text),
		 "ike-gateway g { peer-address 203.0.113.9;\n"
		 " authentication certificate {\n"
		 "  cert %s/r.pem; key %s/r.key; ca %s/rca.pem;%s\n"
		 " }\n}\n", dir, dir, dir, " signature pss;");
	nw = iked_config_parse_text("c.conf", text, err, sizeof(err));
	CHECK(!nw && !strcmp(err, "c.conf:3: expected rsa-pss or pkcs1, not "
			     "\"pss\""));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
}

#define GW "ike-gateway g { peer-address 192.0.2.2; authentication psk \"k\"; }\n"
#define TUN "ipsec-tunnel t { interface vtun0; ike-gateway g; }\n"

static const struct bad {
	const char *text;
	const char *error;	/* exact */
} bads[] = {
	{ "bogus;\n", "bad.conf:1: unknown statement \"bogus\"" },
	{ "\n\nlog-level loud;\n",
	  "bad.conf:3: unknown log-level \"loud\" (err, warning, notice, info, debug)" },
	{ "cookie-threshold 0;\n",
	  "bad.conf:1: bad cookie-threshold \"0\" (1 to 1000000 half-open IKE SAs)" },
	{ "fragment-size 500;\n",
	  "bad.conf:1: bad fragment-size \"500\" (576 to 65535 bytes)" },
	{ "cookie-threshold 5;\ncookie-threshold 6;\n",
	  "bad.conf:2: duplicate \"cookie-threshold\"" },
	{ "initiate-limit 0;\n",
	  "bad.conf:1: bad initiate-limit \"0\" (1 to 10000 half-open IKE SAs)" },
	{ "log-level info;\nlog-level info;\n",
	  "bad.conf:2: duplicate \"log-level\"" },
	{ "control-socket run/x;\n",
	  "bad.conf:1: control-socket needs an absolute path of at most 107 characters" },
	{ "ike-gateway g {\n peer-address 192.0.2.2\n}\n",
	  "bad.conf:2: missing ';' after \"peer-address\"" },
	{ "ike-gateway g {\n peer-address 192.0.2.2;\n",
	  "bad.conf:3: missing '}'" },
	{ "}\n", "bad.conf:1: unexpected '}'" },
	{ "ike-gateway g {\n authentication psk \"open\n}\n",
	  "bad.conf:2: unterminated string" },
	{ "ike-gateway {\n}\n", "bad.conf:1: expected \"ike-gateway NAME { ... }\"" },
	{ "ike-gateway a/b {\n}\n",
	  "bad.conf:1: bad name \"a/b\" (letters, digits, - _ .)" },
	/* Addresses, prefixes, ports */
	{ "ike-gateway g {\n peer-address 1.2.3;\n}\n",
	  "bad.conf:2: bad address \"1.2.3\"" },
	{ "ike-gateway g {\n peer-address 192.0.2.2; local-address 2001:db8::1;\n"
	  " authentication psk \"k\";\n}\n",
	  "bad.conf:1: ike-gateway g: local and peer address families differ" },
	{ GW "ipsec-tunnel t {\n interface vtun0; ike-gateway g;\n"
	  " proxy-id a {\n  local 10.1.0.1/24;\n  remote 10.2.0.0/24;\n }\n}\n",
	  "bad.conf:5: host bits set in \"10.1.0.1/24\"" },
	{ GW "ipsec-tunnel t {\n interface vtun0; ike-gateway g;\n"
	  " proxy-id a {\n  local 10.1.0.0/33;\n  remote 10.2.0.0/24;\n }\n}\n",
	  "bad.conf:5: bad prefix length in \"10.1.0.0/33\"" },
	{ GW "ipsec-tunnel t {\n interface vtun0; ike-gateway g;\n"
	  " proxy-id a {\n  local 10.1.0.0/24;\n  remote 2001:db8::/32;\n }\n}\n",
	  "bad.conf:4: proxy-id a: local and remote families differ" },
	{ GW "ipsec-tunnel t {\n interface vtun0; ike-gateway g;\n"
	  " proxy-id a {\n  local 10.1.0.0/24;\n  remote 10.2.0.0/24;\n"
	  "  remote-port 80;\n }\n}\n",
	  "bad.conf:4: proxy-id a: ports need protocol tcp, udp or sctp" },
	{ GW "ipsec-tunnel t {\n interface vtun0; ike-gateway g;\n"
	  " proxy-id a {\n  local 10.1.0.0/24; remote 10.2.0.0/24; protocol tcp;\n"
	  "  remote-port 90-80;\n }\n}\n",
	  "bad.conf:6: bad port or range \"90-80\"" },
	{ GW "ipsec-tunnel t {\n interface vtun0; ike-gateway g;\n"
	  " proxy-id a { local 10.1.0.0/24; remote 10.2.0.0/24; }\n"
	  " proxy-id a { local 10.3.0.0/24; remote 10.4.0.0/24; }\n}\n",
	  "bad.conf:5: duplicate proxy-id \"a\"" },
	{ GW "ipsec-tunnel t {\n interface vtun0; ike-gateway g;\n"
	  " proxy-id a { remote 10.2.0.0/24; }\n}\n",
	  "bad.conf:4: proxy-id a: local and remote are needed" },
	/* Algorithms */
	{ "ike-crypto-profile p {\n encryption aes-cbc-128 des;\n}\n",
	  "bad.conf:2: unknown IKE encryption \"des\"" },
	{ "ike-crypto-profile p {\n encryption aes-ctr-128;\n}\n",
	  "bad.conf:2: unknown IKE encryption \"aes-ctr-128\"" },
	{ "ike-crypto-profile p {\n integrity sha1;\n}\n",
	  "bad.conf:2: unknown IKE integrity \"sha1\"" },
	{ "ike-crypto-profile p {\n prf md5;\n}\n",
	  "bad.conf:2: unknown prf \"md5\"" },
	{ "ike-crypto-profile p {\n dh-group 19 1;\n}\n",
	  "bad.conf:2: unknown dh-group \"1\"" },
	{ "ike-crypto-profile p {\n dh-group none;\n}\n",
	  "bad.conf:2: unknown dh-group \"none\"" },
	{ "ike-crypto-profile p {\n dh-group 19 ecp256;\n}\n",
	  "bad.conf:2: \"ecp256\" listed twice" },
	/* Known to the engine, but not offered by the configuration. */
	{ "ipsec-crypto-profile p {\n encryption aes-ccm-8-192;\n}\n",
	  "bad.conf:2: unknown ESP encryption \"aes-ccm-8-192\"" },
	{ "ike-crypto-profile p {\n prf prf-hmac-sha1;\n}\n",
	  "bad.conf:2: unknown prf \"prf-hmac-sha1\"" },
	{ "ike-crypto-profile p {\n dh-group 16;\n}\n",
	  "bad.conf:2: unknown dh-group \"16\"" },
	{ "ike-crypto-profile p {\n dh-group modp4096;\n}\n",
	  "bad.conf:2: unknown dh-group \"modp4096\"" },
	{ "ike-crypto-profile p {\n dh-group 014;\n}\n",
	  "bad.conf:2: unknown dh-group \"014\"" },
	{ "ike-crypto-profile p {\n integrity hmac-sha1-96;\n}\n",
	  "bad.conf:2: unknown IKE integrity \"hmac-sha1-96\"" },
	{ "ike-crypto-profile p {\n dh-group modp2048 14;\n}\n",
	  "bad.conf:2: \"14\" listed twice" },
	{ "ike-crypto-profile p {\n dh-group curve25519 x25519;\n}\n",
	  "bad.conf:2: \"x25519\" listed twice" },
	{ "ike-crypto-profile p {\n encryption aes-cbc-128;\n}\n",
	  "bad.conf:1: a non-AEAD encryption needs integrity" },
	{ "ike-crypto-profile p {\n integrity sha256;\n}\n",
	  "bad.conf:1: integrity is not used with AEAD encryption only" },
	{ "ike-crypto-profile p {\n lifetime 9s;\n}\n",
	  "bad.conf:2: \"9s\" out of range (10s to 2592000s)" },
	{ "ike-crypto-profile p {\n lifetime 8x;\n}\n",
	  "bad.conf:2: bad duration \"8x\" (N[s|m|h|d])" },
	{ "ike-crypto-profile p {\n colour blue;\n}\n",
	  "bad.conf:2: unknown ike-crypto-profile setting \"colour\"" },
	{ "ike-crypto-profile p {\n}\nike-crypto-profile p {\n}\n",
	  "bad.conf:3: duplicate ike-crypto-profile p" },
	{ "ipsec-crypto-profile p {\n protocol gre;\n}\n",
	  "bad.conf:2: expected esp or ah, not \"gre\"" },
	{ "ipsec-crypto-profile p {\n protocol ah;\n encryption aes-cbc-128;\n"
	  " integrity sha256;\n}\n",
	  "bad.conf:1: AH has no encryption" },
	{ "ipsec-crypto-profile p {\n protocol ah;\n}\n",
	  "bad.conf:1: AH needs integrity" },
	{ "ipsec-crypto-profile p {\n dh-group none 19;\n}\n",
	  "bad.conf:2: too many values for \"dh-group\"" },
	{ "ipsec-crypto-profile p {\n esn maybe;\n}\n",
	  "bad.conf:2: expected yes, no or both, not \"maybe\"" },
	{ "ipsec-crypto-profile p {\n lifetime 8d;\n}\n",
	  "bad.conf:2: \"8d\" out of range (10s to 604800s)" },
	{ "ipsec-crypto-profile p {\n lifetime-bytes 1k;\n}\n",
	  "bad.conf:2: bad lifetime-bytes \"1k\" (1m or more)" },
	{ "ipsec-crypto-profile p {\n encryption aes-gcm-16-128 aes-gcm-16-128;\n}\n",
	  "bad.conf:2: \"aes-gcm-16-128\" listed twice" },
	/* Gateways */
	{ "ike-gateway g {\n authentication psk \"k\";\n}\n",
	  "bad.conf:1: ike-gateway g: peer-address is missing" },
	{ "ike-gateway g {\n peer-address 192.0.2.2;\n}\n",
	  "bad.conf:1: ike-gateway g: authentication is missing" },
	{ "ike-gateway g {\n peer-address 192.0.2.2;\n version 1;\n}\n",
	  "bad.conf:3: only IKE version 2 is supported" },
	{ "ike-gateway g {\n authentication psk \"\";\n}\n",
	  "bad.conf:2: the PSK must have 1 to 256 bytes" },
	{ "ike-gateway g {\n authentication psk secret;\n}\n",
	  "bad.conf:2: the PSK is a \"quoted string\" or 0x and hex digits" },
	{ "ike-gateway g {\n authentication psk 0x0g;\n}\n",
	  "bad.conf:2: bad hex digit in the PSK" },
	{ "ike-gateway g {\n authentication password \"k\";\n}\n",
	  "bad.conf:2: expected authentication psk \"SECRET\"; or authentication certificate { ... }" },
	{ "ike-gateway g {\n authentication certificate {\n  cert /nonexistent/c.pem;\n }\n}\n",
	  "bad.conf:3: cannot read \"/nonexistent/c.pem\": No such file or directory" },
	{ "ike-gateway g {\n authentication certificate {\n }\n}\n",
	  "bad.conf:2: certificate needs cert, key and ca" },
	{ "ike-gateway g {\n local-id ipv4:1.2.3.400;\n}\n",
	  "bad.conf:2: bad IPv4 identity \"1.2.3.400\"" },
	{ "ike-gateway g {\n local-id email:nobody;\n}\n",
	  "bad.conf:2: bad email identity \"nobody\"" },
	{ "ike-gateway g {\n peer-id dn:\"CN=a, XX=b\";\n}\n",
	  "bad.conf:2: unknown DN attribute \"XX\"" },
	{ "ike-gateway g {\n peer-id dn:\"CN\";\n}\n",
	  "bad.conf:2: bad DN component \"CN\"" },
	{ "ike-gateway g {\n ike-crypto-profile nope;\n peer-address 192.0.2.2;\n"
	  " authentication psk \"k\";\n}\n",
	  "bad.conf:2: undefined ike-crypto-profile nope" },
	{ GW GW, "bad.conf:2: duplicate ike-gateway g" },
	/* Tunnels */
	{ GW "ipsec-tunnel t {\n ike-gateway g;\n}\n",
	  "bad.conf:2: ipsec-tunnel t: interface is missing" },
	{ GW "ipsec-tunnel t {\n interface vtun0;\n}\n",
	  "bad.conf:2: ipsec-tunnel t: ike-gateway is missing" },
	{ GW "ipsec-tunnel t {\n interface vtun0;\n ike-gateway h;\n}\n",
	  "bad.conf:4: undefined ike-gateway h" },
	{ GW "ipsec-tunnel t {\n interface vtun0; ike-gateway g;\n"
	  " ipsec-crypto-profile x;\n}\n",
	  "bad.conf:4: undefined ipsec-crypto-profile x" },
	{ GW "ipsec-tunnel t {\n interface a-very-long-name0;\n}\n",
	  "bad.conf:3: bad interface name \"a-very-long-name0\"" },
	{ GW TUN "ipsec-tunnel u {\n ike-gateway g;\n interface vtun0;\n}\n",
	  "bad.conf:5: interface vtun0 is already that of ipsec-tunnel t" },
	{ GW TUN TUN, "bad.conf:3: duplicate ipsec-tunnel t" },
	{ GW "ipsec-tunnel t {\n interface vtun0; ike-gateway g;\n"
	  " replay-window 100;\n}\n",
	  "bad.conf:4: bad replay-window \"100\" (0, or a power of two from 32 to 4096)" },
	{ GW "ipsec-tunnel t {\n interface vtun0; ike-gateway g;\n"
	  " replay-window 8192;\n}\n",
	  "bad.conf:4: bad replay-window \"8192\" (0, or a power of two from 32 to 4096)" },
	{ GW "ipsec-tunnel t {\n interface vtun0; ike-gateway g;\n"
	  " copy-tos sometimes;\n}\n",
	  "bad.conf:4: expected yes or no, not \"sometimes\"" },
	{ GW "ipsec-tunnel t {\n interface vtun0; ike-gateway g;\n"
	  " start never;\n}\n",
	  "bad.conf:4: expected always, on-demand or responder, not \"never\"" },
	{ "ike-gateway g { peer-address any; authentication psk \"k\"; }\n"
	  "ipsec-tunnel t {\n interface vtun0; ike-gateway g;\n"
	  " start always;\n}\n",
	  "bad.conf:4: ipsec-tunnel t: start must be responder with peer-address any" },
	{ GW "ipsec-tunnel t {\n interface vtun0; ike-gateway g;\n"
	  " monitor {\n  interval 3s;\n }\n}\n",
	  "bad.conf:4: monitor: destination is missing" },
	{ GW "ipsec-tunnel t {\n interface vtun0; ike-gateway g;\n"
	  " monitor {\n  destination 10.0.0.1;\n  interval 20s;\n }\n}\n",
	  "bad.conf:6: bad interval \"20s\" (100ms to 10s)" },
	{ GW "ipsec-tunnel t {\n interface vtun0; ike-gateway g;\n"
	  " monitor {\n  destination 10.0.0.1;\n  threshold 11;\n }\n}\n",
	  "bad.conf:6: bad threshold \"11\" (1 to 10)" },
	{ GW "ipsec-tunnel t {\n interface vtun0; ike-gateway g;\n"
	  " monitor {\n  destination 10.0.0.1;\n  action panic;\n }\n}\n",
	  "bad.conf:6: expected fail-over or wait-recover, not \"panic\"" },
	{ GW "ipsec-tunnel t {\n interface vtun0 { }\n}\n",
	  "bad.conf:3: \"interface\" takes no block" },
	/* Liveness and NAT traversal */
	{ "ike-gateway g {\n peer-address 192.0.2.2;\n dpd-delay soon;\n}\n",
	  "bad.conf:3: bad dpd-delay \"soon\"" },
	{ "ike-gateway g {\n dpd-delay 1s;\n dpd-delay 2s;\n}\n",
	  "bad.conf:3: duplicate \"dpd-delay\"" },
	{ "ike-gateway g {\n dpd-action\n hold;\n}\n",
	  "bad.conf:3: expected clear, restart or trap, not \"hold\"" },
	{ "ike-gateway g {\n dpd-action clear;\n dpd-action trap;\n}\n",
	  "bad.conf:3: duplicate \"dpd-action\"" },
	{ "ike-gateway g {\n retransmit-timeout 50ms;\n}\n",
	  "bad.conf:2: bad retransmit-timeout \"50ms\"" },
	{ "ike-gateway g {\n retransmit-tries 0;\n}\n",
	  "bad.conf:2: bad retransmit-tries \"0\" (1 to 20)" },
	{ "ike-gateway g {\n\n nat-keepalive 1500ms;\n}\n",
	  "bad.conf:3: bad nat-keepalive \"1500ms\" (whole seconds, up to 1h)" },
	{ "ike-gateway g {\n nat-keepalive 20 30;\n}\n",
	  "bad.conf:2: too many values for \"nat-keepalive\"" },
};

static void test_bad(void)
{
	size_t i;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct iked_config *c;
		char err[512];

		c = iked_config_parse_text("bad.conf", bads[i].text, err,
					   sizeof(err));
		checks++;
		if (c || strcmp(err, bads[i].error)) {
			failures++;
			fprintf(stderr, "FAIL: bad config %zu:\n%s\n  expected: %s\n  got:      %s\n",
				i, bads[i].text, bads[i].error,
				c ? "(accepted)" : err);
		}
		iked_config_free(c);
	}
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	test_good();
	test_minimal();
	test_liveness();
	test_names();
	test_same();
	test_adopt();
	test_cred_files();
	test_bad();
	remove_files();
	printf("config_test: %d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
