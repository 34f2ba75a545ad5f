// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket: a unix stream socket (mode 0600), one request line
 * per connection, one reply, then the daemon closes it. Requests:
 *
 *   show [json [pretty]]   IKE SAs and their CHILD SAs, tunnels, drops
 *   stats [json [pretty]]  drop counters
 *   up NAME | down NAME    initiate or delete a tunnel's SAs
 *
 * A failed request's reply starts with "error: ". Keys are never shown.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "daemon.h"
#include "json.h"

#define CONTROL_LINE_MAX 256

static struct iked_fd ctl_fd = { .fd = -1 };
static char ctl_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static const char *start_name(enum iked_start s)
{
	return s == IKED_START_START ? "always" :
	       s == IKED_START_TRAP ? "on-demand" : "responder";
}

static void hex64(char *buf, size_t len, uint64_t v)
{
	snprintf(buf, len, "%016" PRIx64, v);
}

/* ---------------------------------------------------------------------------
 * JSON
 */

static void json_child(const struct ike_child_info *c)
{
	json_open_object(NULL);
	json_uint("spi-in", c->spi_in);
	json_uint("spi-out", c->spi_out);
	json_string("protocol", c->protocol == IPPROTO_AH ? "ah" : "esp");
	json_uint("proxy-id", c->proxy_id);
	json_string("encryption", c->encr);
	json_string("integrity", c->integ);
	json_string("dh-group", c->dh);
	json_bool("esn", c->esn);
	json_uint("established", c->established);
	json_uint("lifetime", c->lifetime);
	json_string("local-ts", c->local_ts);
	json_string("remote-ts", c->remote_ts);
	json_close_object();
}

static int json_sa(const struct ike_sa_info *sa, void *arg)
{
	char buf[INET6_ADDRSTRLEN], spi[20];
	int i;

	(void)arg;
	json_open_object(NULL);
	json_string("tunnel", sa->tunnel);
	json_string("state", sa->state);
	json_bool("initiator", sa->initiator);
	hex64(spi, sizeof(spi), sa->spi_i);
	json_string("spi-i", spi);
	hex64(spi, sizeof(spi), sa->spi_r);
	json_string("spi-r", spi);
	json_string("local", addr_str(&sa->local, buf, sizeof(buf)));
	json_uint("local-port", addr_port(&sa->local));
	json_string("peer", addr_str(&sa->peer, buf, sizeof(buf)));
	json_uint("peer-port", addr_port(&sa->peer));
	json_string("local-id", sa->local_id);
	json_string("peer-id", sa->peer_id);
	json_string("encryption", sa->encr);
	json_string("integrity", sa->integ);
	json_string("prf", sa->prf);
	json_string("dh-group", sa->dh);
	json_uint("established", sa->established);
	json_uint("lifetime", sa->lifetime);
	json_bool("nat-detection", sa->natd);
	json_bool("nat-local", sa->nat_local);
	json_bool("nat-peer", sa->nat_peer);
	json_bool("esp-in-udp", sa->encap);
	json_uint("nat-keepalive", sa->keepalive);
	json_open_array("child-sas");
	for (i = 0; i < sa->n_child; i++)
		json_child(&sa->child[i]);
	json_close_array();
	json_close_object();
	return 0;
}

static void json_drops(void)
{
	int i;

	json_open_object("drops");
	for (i = 0; i < IKE_DROP_MAX; i++)
		json_uint(ike_drop_names[i], ike_drops[i]);
	json_close_object();
}

static void json_tunnels(void)
{
	int i;

	json_open_array("tunnels");
	for (i = 0; iked_conf && i < iked_conf->n_tun; i++) {
		const struct iked_tunnel *t = iked_conf->tun[i];

		json_open_object(NULL);
		json_string("name", t->name);
		json_string("interface", t->dev);
		json_uint("ifindex", t->ifindex);
		json_string("ike-gateway", t->gw->name);
		json_string("start", start_name(t->start));
		json_uint("proxy-ids", t->n_proxy);
		json_close_object();
	}
	json_close_array();
}

static void reply_json(FILE *f, bool show, bool pretty)
{
	json_begin_file(f, pretty);
	json_open_object(NULL);
	if (show) {
		json_open_array("ike-sas");
		ike_foreach_sa(json_sa, NULL);
		json_close_array();
		json_tunnels();
	}
	json_drops();
	json_close_object();
	json_end();
}

/* ---------------------------------------------------------------------------
 * Text
 */

static int text_sa(const struct ike_sa_info *sa, void *arg)
{
	char l[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN];
	FILE *f = arg;
	int i;

	fprintf(f, "%s: %s, %s, %s[%u] %s ... %s[%u] %s\n", sa->tunnel,
		sa->state, sa->initiator ? "initiator" : "responder",
		addr_str(&sa->local, l, sizeof(l)),
		addr_port(&sa->local), sa->local_id,
		addr_str(&sa->peer, p, sizeof(p)), addr_port(&sa->peer),
		sa->peer_id);
	fprintf(f, "  ike spi %016" PRIx64 "_i %016" PRIx64 "_r %s%s%s/%s/%s",
		sa->spi_i, sa->spi_r, sa->encr, sa->integ[0] ? "/" : "",
		sa->integ, sa->prf, sa->dh);
	if (sa->established)
		fprintf(f, " established %" PRIu64 "s ago",
			(uint64_t)time(NULL) - sa->established);
	fprintf(f, " lifetime %us\n", sa->lifetime);
	fprintf(f, "  nat local %s peer %s%s, ike ports %u -> %u, esp %s, keepalive %us\n",
		sa->nat_local ? "yes" : "no", sa->nat_peer ? "yes" : "no",
		sa->natd ? "" : " (no NAT detection)", addr_port(&sa->local),
		addr_port(&sa->peer), sa->encap ? "in udp" : "plain",
		sa->keepalive);
	for (i = 0; i < sa->n_child; i++) {
		const struct ike_child_info *c = &sa->child[i];

		fprintf(f, "  child %s spi in 0x%08x out 0x%08x proxy-id %u %s%s%s%s%s%s lifetime %us\n",
			c->protocol == IPPROTO_AH ? "ah" : "esp", c->spi_in, c->spi_out,
			c->proxy_id, c->encr, c->integ[0] ? "/" : "", c->integ,
			c->dh[0] ? "/" : "", c->dh, c->esn ? " esn" : "",
			c->lifetime);
		fprintf(f, "    %s === %s\n", c->local_ts, c->remote_ts);
	}
	return 0;
}

static void text_drops(FILE *f)
{
	int i;

	fprintf(f, "drops:");
	for (i = 0; i < IKE_DROP_MAX; i++)
		fprintf(f, " %s %" PRIu64, ike_drop_names[i], ike_drops[i]);
	fputc('\n', f);
}

static void reply_text(FILE *f, bool stats)
{
	int i;

	for (i = 0; iked_conf && i < iked_conf->n_tun; i++) {
		const struct iked_tunnel *t = iked_conf->tun[i];

		fprintf(f, "tunnel %s dev %s ike-gateway %s start %s\n",
			t->name, t->dev, t->gw->name, start_name(t->start));
	}
	ike_foreach_sa(text_sa, f);
	if (stats)
		text_drops(f);
}

/* ---------------------------------------------------------------------------
 * Requests
 */

/* Words of @line: up to @max, the count returned. */
static int split(char *line, char **w, int max)
{
	char *save = NULL, *t;
	int n = 0;

	for (t = strtok_r(line, " \t\r\n", &save); t && n < max;
	     t = strtok_r(NULL, " \t\r\n", &save))
		w[n++] = t;
	return t ? max + 1 : n;
}

/* Answer @req into @f. Exposed to nothing else: one entry point. */
static void handle(char *req, FILE *f)
{
	char msg[128], *w[4];
	int n = split(req, w, 3);
	bool json = n >= 2 && !strcmp(w[1], "json");
	bool pretty = n == 3 && json && !strcmp(w[2], "pretty");

	if (n < 1) {
		fprintf(f, "error: empty request\n");
	} else if (!strcmp(w[0], "show") &&
		   (n == 1 || (json && (n == 2 || pretty)))) {
		if (json)
			reply_json(f, true, pretty);
		else
			reply_text(f, false);
	} else if (!strcmp(w[0], "show") && n == 2 && !strcmp(w[1], "stats")) {
		reply_text(f, true);
	} else if (!strcmp(w[0], "stats") &&
		   (n == 1 || (json && (n == 2 || pretty)))) {
		if (json)
			reply_json(f, false, pretty);
		else
			text_drops(f);
	} else if ((!strcmp(w[0], "up") || !strcmp(w[0], "down")) && n == 2) {
		int err = iked_tunnel_updown(w[1], w[0][0] == 'u', msg,
					     sizeof(msg));

		fprintf(f, "%s%s\n", err ? "error: " : "", msg);
	} else if (!strcmp(w[0], "rekey") && (n == 2 || n == 3) &&
		   (n == 2 || !strcmp(w[2], "child") || !strcmp(w[2], "ike"))) {
		int err = iked_tunnel_rekey(w[1], n == 3 && w[2][0] == 'i',
					    msg, sizeof(msg));

		fprintf(f, "%s%s\n", err ? "error: " : "", msg);
	} else {
		fprintf(f, "error: unknown request \"%s\"\n", w[0]);
	}
}

static void write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= n;
	}
}

static void serve(int fd)
{
	char line[CONTROL_LINE_MAX + 1];
	struct timeval tv = { .tv_sec = 1 };
	size_t len = 0, rlen = 0;
	char *reply = NULL;
	FILE *f;

	/* A client that says nothing does not hold the daemon for long. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (len < CONTROL_LINE_MAX && !memchr(line, '\n', len)) {
		ssize_t n = recv(fd, line + len, CONTROL_LINE_MAX - len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	line[len] = '\0';
	if (!memchr(line, '\n', len) && len == CONTROL_LINE_MAX) {
		write_all(fd, "error: request too long\n", 24);
		return;
	}
	f = open_memstream(&reply, &rlen);
	if (!f)
		return;
	handle(line, f);
	fclose(f);
	write_all(fd, reply, rlen);
	free(reply);
}

static void control_rx(struct iked_fd *efd, uint32_t events)
{
	int fd;

	(void)events;
	while ((fd = accept4(efd->fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		serve(fd);
		close(fd);
	}
}

int control_open(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t mask;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		iked_log(LOG_ERR, "control socket path too long");
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto fail;
	/* A socket left by a daemon that did not stop cleanly. */
	unlink(path);
	mask = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		umask(mask);
		goto fail;
	}
	umask(mask);
	if (chmod(path, 0600) || listen(fd, 16))
		goto fail;
	ctl_fd.fd = fd;
	ctl_fd.fn = control_rx;
	if (iked_fd_add(&ctl_fd)) {
		ctl_fd.fd = -1;
		close(fd);
		unlink(path);
		return -1;
	}
	strcpy(ctl_path, path);
	return 0;
fail:
	iked_log(LOG_ERR, "control socket %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

void control_close(void)
{
	if (ctl_fd.fd < 0)
		return;
	iked_fd_del(&ctl_fd);
	close(ctl_fd.fd);
	ctl_fd.fd = -1;
	unlink(ctl_path);
}
