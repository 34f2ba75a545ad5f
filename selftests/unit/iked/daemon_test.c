// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of vtun-iked's loop, UDP and control socket (loop.c, net.c,
 * control.c) on the host, with a fake engine: timer order, the non-ESP
 * marker on port 4500 both ways, NAT keepalives and ESP ignored, replies
 * from the address a request came to (IP_PKTINFO), and the control
 * socket's mode, text, JSON and errors. Ports are high ones: 500 and 4500
 * need privileges.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "config.h"
#include "daemon_check.h"
#include "daemon.h"

/* ---------------------------------------------------------------------------
 * The fake engine and the parts of iked.c the files under test call
 */

uint64_t ike_drops[IKE_DROP_MAX];
const char *const ike_drop_names[IKE_DROP_MAX] = {
	"short", "version", "malformed", "no-sa", "msgid", "integrity",
	"unexpected",
};
struct iked_config *iked_conf;

static struct {
	int calls;
	struct sockaddr_storage local, peer;
	uint8_t msg[64];
	size_t len;
} rx;

void ike_recv(const struct sockaddr_storage *local,
	      const struct sockaddr_storage *peer,
	      const uint8_t *msg, size_t len)
{
	rx.calls++;
	rx.local = *local;
	rx.peer = *peer;
	rx.len = len;
	memcpy(rx.msg, msg, len < sizeof(rx.msg) ? len : sizeof(rx.msg));
}

static const struct ike_child_info child = {
	.spi_in = 0xc1000001, .spi_out = 0xc2000002, .protocol = 50,
	.proxy_id = 1, .encr = "aes-gcm-16-128", .dh = "19", .esn = true,
	.established = 1700000001, .lifetime = 3600,
	.local_ts = "10.1.0.0/24", .remote_ts = "10.2.0.0/24",
};

int ike_foreach_sa(int (*fn)(const struct ike_sa_info *sa, void *arg),
		   void *arg)
{
	struct ike_sa_info sa = {
		.tunnel = "t", .state = "established", .initiator = true,
		.spi_i = 0x0102030405060708ull, .spi_r = 0xa1a2a3a4a5a6a7a8ull,
		.local_id = "a.example.org", .peer_id = "b.example.org",
		.encr = "aes-gcm-16-256", .prf = "sha256", .dh = "31",
		.established = 1700000000, .lifetime = 28800,
		.n_child = 1, .child = &child,
	};
	struct sockaddr_in *l = (struct sockaddr_in *)&sa.local;
	struct sockaddr_in *p = (struct sockaddr_in *)&sa.peer;

	l->sin_family = p->sin_family = AF_INET;
	l->sin_port = p->sin_port = htons(500);
	inet_pton(AF_INET, "192.0.2.1", &l->sin_addr);
	inet_pton(AF_INET, "198.51.100.2", &p->sin_addr);
	return fn(&sa, arg);
}

static char last_up[64];

int iked_tunnel_updown(const char *name, bool up, char *msg, size_t len)
{
	if (up)
		snprintf(last_up, sizeof(last_up), "%s", name);
	if (!iked_config_tunnel(iked_conf, name)) {
		snprintf(msg, len, "no ipsec-tunnel %s", name);
		return -1;
	}
	snprintf(msg, len, "%s: %s", name, up ? "up" : "down");
	return 0;
}

static char last_rekey[72];

int iked_tunnel_rekey(const char *name, bool ike, char *msg, size_t len)
{
	snprintf(last_rekey, sizeof(last_rekey), "%s %s", name,
		 ike ? "ike" : "child");
	if (!iked_config_tunnel(iked_conf, name)) {
		snprintf(msg, len, "no ipsec-tunnel %s", name);
		return -1;
	}
	snprintf(msg, len, "%s: rekeying", name);
	return 0;
}

/* ---------------------------------------------------------------------------
 * Timers
 */

static char order[8];
static int fired;

static void on_timer(struct iked_timer *t);
static struct iked_timer t1 = { .fn = on_timer }, t2 = { .fn = on_timer },
			 t3 = { .fn = on_timer };

static void on_timer(struct iked_timer *t)
{
	order[fired++] = t == &t1 ? '1' : t == &t2 ? '2' : '3';
}

static void test_timers(void)
{
	uint64_t start = iked_now_ms();
	int next;

	CHECK_EQ(iked_timers_run(), -1);
	iked_timer_add(&t1, 60);
	iked_timer_add(&t2, 20);
	iked_timer_add(&t3, 40);
	CHECK(t1.armed && t2.armed && t3.armed);
	iked_timer_add(&t1, 5);		/* rescheduled: first now */
	iked_timer_del(&t3);
	CHECK(!t3.armed);
	next = iked_timers_run();
	CHECK(next >= 0 && next <= 5);
	while ((next = iked_timers_run()) >= 0)
		iked_loop_once(next);
	CHECK_EQ(fired, 2);
	CHECK(!strcmp(order, "12"));
	CHECK(!t1.armed && !t2.armed);
	CHECK(iked_now_ms() - start >= 20);
}

/* ---------------------------------------------------------------------------
 * UDP
 */

static uint16_t ike_port, natt_port;

static int client(const char *addr, struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct timeval tv = { .tv_sec = 1 };

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin->sin_addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)sin, sizeof(*sin)) ||
	    getsockname(fd, (struct sockaddr *)sin, &len)) {
		perror("client socket");
		exit(2);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void send_to(int fd, const char *addr, uint16_t port,
		    const void *buf, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(port) };

	inet_pton(AF_INET, addr, &to.sin_addr);
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		perror("sendto");
	iked_loop_once(200);
}

static uint32_t in4(const struct sockaddr_storage *ss)
{
	return ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr);
}

static uint16_t port4(const struct sockaddr_storage *ss)
{
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static void test_udp(const char *conf_text, const char *server_addr)
{
	struct sockaddr_storage local = { 0 }, peer = { 0 };
	struct iked_config *c;
	struct sockaddr_in me, from;
	socklen_t flen = sizeof(from);
	uint8_t buf[64];
	char err[256];
	ssize_t n;
	int fd;

	c = iked_config_parse_text("udp.conf", conf_text, err, sizeof(err));
	CHECK(c != NULL);
	if (!c)
		return;
	CHECK_EQ(net_open(c), 0);
	fd = client("127.0.0.1", &me);
	memset(&rx, 0, sizeof(rx));

	/* Port 4500: the marker is stripped. */
	send_to(fd, server_addr, natt_port, "\0\0\0\0HELLO", 9);
	CHECK_EQ(rx.calls, 1);
	CHECK_EQ(rx.len, 5);
	CHECK(!memcmp(rx.msg, "HELLO", 5));
	CHECK_EQ(rx.local.ss_family, AF_INET);
	CHECK_EQ(in4(&rx.local), 0x7f000001);	/* from IP_PKTINFO */
	CHECK_EQ(port4(&rx.local), natt_port);
	CHECK_EQ(in4(&rx.peer), 0x7f000001);
	CHECK_EQ(port4(&rx.peer), ntohs(me.sin_port));

	/* A NAT keepalive and ESP are not IKE; short datagrams count. */
	send_to(fd, server_addr, natt_port, "\xff", 1);
	send_to(fd, server_addr, natt_port, "\0\0\1\0\0\0\0\1esp", 11);
	CHECK_EQ(rx.calls, 1);
	ike_drops[IKE_DROP_SHORT] = 0;
	send_to(fd, server_addr, natt_port, "\0\0", 2);
	CHECK_EQ(rx.calls, 1);
	CHECK_EQ(ike_drops[IKE_DROP_SHORT], 1);

	/* Port 500: no marker. */
	send_to(fd, server_addr, ike_port, "\0\0\0\0ABC", 7);
	CHECK_EQ(rx.calls, 2);
	CHECK_EQ(rx.len, 7);
	CHECK_EQ(port4(&rx.local), ike_port);

	/* Replies: the marker added on 4500, from the request's address. */
	local = rx.local;
	peer = rx.peer;
	((struct sockaddr_in *)&local)->sin_port = htons(natt_port);
	CHECK_EQ(iked_send(&local, &peer, (const uint8_t *)"XYZ", 3), 0);
	n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	CHECK_EQ(n, 7);
	CHECK(n == 7 && !memcmp(buf, "\0\0\0\0XYZ", 7));
	CHECK_EQ(ntohs(from.sin_port), natt_port);
	CHECK_EQ(ntohl(from.sin_addr.s_addr), 0x7f000001);
	((struct sockaddr_in *)&local)->sin_port = htons(ike_port);
	CHECK_EQ(iked_send(&local, &peer, (const uint8_t *)"XYZ", 3), 0);
	n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	CHECK_EQ(n, 3);
	CHECK_EQ(ntohs(from.sin_port), ike_port);

	/* The NAT-T hook: the 4500 socket of that address. */
	CHECK(net_encap_fd(&local) >= 0);
	close(fd);
	net_close();
	iked_config_free(c);
}

static void test_classify(void)
{
	CHECK_EQ(net_classify_4500((const uint8_t *)"\xff", 1),
		 NET_RX_KEEPALIVE);
	CHECK_EQ(net_classify_4500((const uint8_t *)"\0", 1), NET_RX_SHORT);
	CHECK_EQ(net_classify_4500((const uint8_t *)"\0\0\0", 3), NET_RX_SHORT);
	CHECK_EQ(net_classify_4500((const uint8_t *)"\0\0\0\0", 4), NET_RX_IKE);
	CHECK_EQ(net_classify_4500((const uint8_t *)"\0\0\0\1", 4), NET_RX_ESP);
	CHECK_EQ(net_classify_4500((const uint8_t *)"\xff\xff", 2),
		 NET_RX_SHORT);
}

/* ---------------------------------------------------------------------------
 * Control socket
 */

static char sock_path[108];

static void request(const char *req, char *reply, size_t len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t got = 0;
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(sun.sun_path, sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		perror("connect");
		reply[0] = '\0';
		return;
	}
	if (write(fd, req, strlen(req)) < 0)
		perror("write");
	iked_loop_once(200);
	while (got < len - 1 && (n = read(fd, reply + got, len - 1 - got)) > 0)
		got += n;
	reply[got] = '\0';
	close(fd);
}

static const char expect_json[] =
	"{\"ike-sas\":[{\"tunnel\":\"t\",\"state\":\"established\","
	"\"initiator\":true,\"spi-i\":\"0102030405060708\","
	"\"spi-r\":\"a1a2a3a4a5a6a7a8\",\"local\":\"192.0.2.1\","
	"\"local-port\":500,\"peer\":\"198.51.100.2\",\"peer-port\":500,"
	"\"local-id\":\"a.example.org\",\"peer-id\":\"b.example.org\","
	"\"encryption\":\"aes-gcm-16-256\",\"integrity\":\"\",\"prf\":\"sha256\","
	"\"dh-group\":\"31\",\"established\":1700000000,\"lifetime\":28800,"
	"\"nat-detection\":false,\"nat-local\":false,\"nat-peer\":false,"
	"\"esp-in-udp\":false,\"nat-keepalive\":0,"
	"\"child-sas\":[{\"spi-in\":3238002689,\"spi-out\":3254779906,"
	"\"protocol\":\"esp\",\"proxy-id\":1,\"encryption\":\"aes-gcm-16-128\","
	"\"integrity\":\"\",\"dh-group\":\"19\",\"esn\":true,"
	"\"established\":1700000001,\"lifetime\":3600,"
	"\"local-ts\":\"10.1.0.0/24\",\"remote-ts\":\"10.2.0.0/24\"}]}],"
	"\"tunnels\":[{\"name\":\"t\",\"interface\":\"vtun0\",\"ifindex\":0,"
	"\"ike-gateway\":\"g\",\"start\":\"on-demand\",\"proxy-ids\":0}],"
	"\"drops\":{\"short\":0,\"version\":0,\"malformed\":3,\"no-sa\":0,"
	"\"msgid\":0,\"integrity\":0,\"unexpected\":0}}\n";

static void test_control(void)
{
	static const char text[] =
		"ike-gateway g { peer-address 198.51.100.2; "
		"authentication psk \"k\"; }\n"
		"ipsec-tunnel t { interface vtun0; ike-gateway g; }\n";
	char reply[4096], err[256];
	struct stat st;

	iked_conf = iked_config_parse_text("ctl.conf", text, err, sizeof(err));
	CHECK(iked_conf != NULL);
	if (!iked_conf)
		return;
	snprintf(sock_path, sizeof(sock_path), "/tmp/iked-test-%d.sock",
		 (int)getpid());
	umask(0);
	CHECK_EQ(control_open(sock_path), 0);
	CHECK(!stat(sock_path, &st) && S_ISSOCK(st.st_mode));
	CHECK_EQ(st.st_mode & 0777, 0600);

	memset(ike_drops, 0, sizeof(ike_drops));
	ike_drops[IKE_DROP_MALFORMED] = 3;
	request("show json\n", reply, sizeof(reply));
	CHECK(!strcmp(reply, expect_json));
	if (strcmp(reply, expect_json))
		fprintf(stderr, "got:\n%s\nexpected:\n%s", reply, expect_json);

	request("stats json\n", reply, sizeof(reply));
	CHECK(!strcmp(reply, "{\"drops\":{\"short\":0,\"version\":0,"
		  "\"malformed\":3,\"no-sa\":0,\"msgid\":0,\"integrity\":0,"
		  "\"unexpected\":0}}\n"));
	request("stats\n", reply, sizeof(reply));
	CHECK(!strcmp(reply, "drops: short 0 version 0 malformed 3 no-sa 0 "
		  "msgid 0 integrity 0 unexpected 0\n"));
	request("show\n", reply, sizeof(reply));
	CHECK(!strncmp(reply, "tunnel t dev vtun0 ike-gateway g start on-demand\n"
		       "t: established, initiator, 192.0.2.1[500] a.example.org"
		       " ... 198.51.100.2[500] b.example.org\n", 119));
	CHECK(strstr(reply, "  child esp spi in 0xc1000001 out 0xc2000002 "
		     "proxy-id 1 aes-gcm-16-128/19 esn lifetime 3600s\n"
		     "    10.1.0.0/24 === 10.2.0.0/24\n") != NULL);
	CHECK(!strstr(reply, "drops"));
	request("show stats\n", reply, sizeof(reply));
	CHECK(strstr(reply, "drops: short 0") != NULL);

	request("up t\n", reply, sizeof(reply));
	CHECK(!strcmp(reply, "t: up\n"));
	CHECK(!strcmp(last_up, "t"));
	request("up nope\n", reply, sizeof(reply));
	CHECK(!strcmp(reply, "error: no ipsec-tunnel nope\n"));
	request("down t\n", reply, sizeof(reply));
	CHECK(!strcmp(reply, "t: down\n"));
	request("rekey t ike\n", reply, sizeof(reply));
	CHECK(!strcmp(reply, "t: rekeying\n"));
	CHECK(!strcmp(last_rekey, "t ike"));
	request("rekey t\n", reply, sizeof(reply));
	CHECK(!strcmp(last_rekey, "t child"));
	request("rekey t child\n", reply, sizeof(reply));
	CHECK(!strcmp(last_rekey, "t child"));
	request("rekey nope ike\n", reply, sizeof(reply));
	CHECK(!strcmp(reply, "error: no ipsec-tunnel nope\n"));
	last_rekey[0] = '\0';
	request("rekey t both\n", reply, sizeof(reply));
	CHECK(!strncmp(reply, "error: ", 7) && !last_rekey[0]);
	request("rekey\n", reply, sizeof(reply));
	CHECK(!strncmp(reply, "error: ", 7) && !last_rekey[0]);
	request("frobnicate\n", reply, sizeof(reply));
	CHECK(!strcmp(reply, "error: unknown request \"frobnicate\"\n"));
	request("show json extra\n", reply, sizeof(reply));
	CHECK(!strcmp(reply, "error: unknown request \"show\"\n"));
	request("up\n", reply, sizeof(reply));
	CHECK(!strncmp(reply, "error: ", 7));
	request("\n", reply, sizeof(reply));
	CHECK(!strcmp(reply, "error: empty request\n"));

	control_close();
	CHECK(stat(sock_path, &st) && errno == ENOENT);
	iked_config_free(iked_conf);
	iked_conf = NULL;
}

/* addr.c, which net.c, control.c, kernel.c, config.c and the engine use. */
static void test_addr(void)
{
	struct sockaddr_storage a = { 0 }, b = { 0 }, none = { 0 };
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&a;
	struct sockaddr_in *b4 = (struct sockaddr_in *)&b;
	struct iked_id id;
	char buf[INET6_ADDRSTRLEN];
	size_t len;

	a6->sin6_family = AF_INET6;
	CHECK(addr_is_any(&a));
	inet_pton(AF_INET6, "2001:db8::1", &a6->sin6_addr);
	addr_set_port(&a, 4500);
	CHECK_EQ(a6->sin6_port, htons(4500));
	CHECK_EQ(addr_port(&a), 4500);
	CHECK(!addr_is_any(&a));
	CHECK(!strcmp(addr_str(&a, buf, sizeof(buf)), "2001:db8::1"));
	CHECK(!strcmp(addr_str(&a, buf, 4), "?"));
	CHECK(addr_ip(&a, &len) == &a6->sin6_addr && len == 16);
	CHECK(addr_id(&a, &id) && id.type == 5 && id.len == 16 &&
	      !memcmp(id.data, &a6->sin6_addr, 16));

	b4->sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.7", &b4->sin_addr);
	CHECK(!addr_eq(&a, &b));
	CHECK_EQ(addr_port(&b), 0);
	CHECK(addr_id(&b, &id) && id.type == 1 && id.len == 4 &&
	      !memcmp(id.data, "\xc0\0\2\7", 4));
	a = b;
	addr_set_port(&a, 500);
	CHECK(addr_eq(&a, &b));		/* ports are not compared */
	b4->sin_addr.s_addr ^= htonl(1);
	CHECK(!addr_eq(&a, &b));

	CHECK(addr_is_any(&none));
	CHECK(!addr_eq(&none, &none));
	CHECK(!addr_ip(&none, &len) && len == 0);
	CHECK(!strcmp(addr_str(&none, buf, sizeof(buf)), "any"));
	addr_set_port(&none, 500);
	CHECK_EQ(addr_port(&none), 0);
	id.type = 9;
	CHECK(!addr_id(&none, &id) && id.type == 0 && id.len == 0);
}

int main(void)
{
	char conf[512];

	iked_log_level = LOG_WARNING;
	if (iked_loop_init()) {
		perror("epoll");
		return 2;
	}
	test_timers();
	test_classify();
	test_addr();
	/* High ports, different for parallel runs. */
	ike_port = 20000 + getpid() % 20000;
	natt_port = ike_port + 1;
	net_set_ports(ike_port, natt_port);
	snprintf(conf, sizeof(conf),
		 "ike-gateway g { local-address 127.0.0.1; peer-address 127.0.0.1; "
		 "authentication psk \"k\"; }\n");
	test_udp(conf, "127.0.0.1");	/* a socket per address */
	snprintf(conf, sizeof(conf),
		 "ike-gateway g { peer-address 127.0.0.1; "
		 "authentication psk \"k\"; }\n");
	test_udp(conf, "127.0.0.1");	/* wildcards and IP_PKTINFO */
	test_control();
	iked_loop_fini();
	printf("daemon_test: %d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
