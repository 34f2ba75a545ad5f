// SPDX-License-Identifier: GPL-2.0
/*
 * vtunctl ike: ask vtun-iked, through its control socket, for its IKE SAs
 * and CHILD SAs, to bring a tunnel up or down, or to rekey its SAs. One
 * request line per connection; the reply is text or one JSON document (-j),
 * printed as is.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "vtunctl.h"

#define IKED_SOCKET_DEFAULT "/run/vtun-iked.sock"

static void ike_usage(FILE *f)
{
	fprintf(f,
		"Usage: vtunctl [ -j [ -p ] ] [ -s ] ike [ socket PATH ] show\n"
		"       vtunctl [ -j [ -p ] ] ike [ socket PATH ] stats\n"
		"       vtunctl ike [ socket PATH ] { up | down } TUNNEL\n"
		"       vtunctl ike [ socket PATH ] rekey TUNNEL [ child | ike ]\n"
		"PATH defaults to $VTUN_IKED_SOCKET, then " IKED_SOCKET_DEFAULT "\n");
}

/* Send @req (a line), copy the reply to stdout; 0, or 1 if the daemon refused. */
static int ike_request(const char *path, const char *req)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char buf[4096];
	bool first = true, failed = false;
	ssize_t n;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		invarg("socket path is too long", path);
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		fprintf(stderr, "Error: cannot reach vtun-iked at %s: %s\n",
			path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req)) {
		fprintf(stderr, "Error: writing to vtun-iked: %s\n",
			strerror(errno));
		close(fd);
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		/* "error: ..." is the daemon refusing: to stderr, exit 1. */
		if (first && n >= 7 && !strncmp(buf, "error: ", 7))
			failed = true;
		first = false;
		fwrite(buf, 1, n, failed ? stderr : stdout);
	}
	close(fd);
	if (n < 0) {
		fprintf(stderr, "Error: reading from vtun-iked: %s\n",
			strerror(errno));
		return 1;
	}
	return failed ? 1 : 0;
}

int do_ike(int argc, char **argv)
{
	const char *path = getenv("VTUN_IKED_SOCKET");
	char req[128];

	if (!path || !*path)
		path = IKED_SOCKET_DEFAULT;
	if (argc >= 1 && !strcmp(argv[0], "socket")) {
		NEXT_ARG("socket");
		path = argv[0];
		argc--, argv++;
	}
	if (argc < 1 || matches(argv[0], "show") || matches(argv[0], "list")) {
		if (argc > 1)
			usage_error("unknown ike show argument \"%s\"", argv[1]);
		snprintf(req, sizeof(req), "show%s%s\n",
			 opt.json ? " json" : opt.stats ? " stats" : "",
			 opt.json && opt.pretty ? " pretty" : "");
	} else if (matches(argv[0], "help")) {
		ike_usage(stdout);
		return 0;
	} else if (matches(argv[0], "stats") ||
		   matches(argv[0], "statistics")) {
		if (argc > 1)
			usage_error("unknown ike stats argument \"%s\"", argv[1]);
		snprintf(req, sizeof(req), "stats%s%s\n", opt.json ? " json" : "",
			 opt.json && opt.pretty ? " pretty" : "");
	} else if (!strcmp(argv[0], "up") || !strcmp(argv[0], "down")) {
		const char *cmd = argv[0];

		NEXT_ARG(cmd);
		if (argc > 1)
			usage_error("\"ike %s\" takes one tunnel name", cmd);
		if (strlen(argv[0]) >= 64 || strpbrk(argv[0], " \t\r\n"))
			invarg("bad tunnel name", argv[0]);
		snprintf(req, sizeof(req), "%s %s\n", cmd, argv[0]);
	} else if (!strcmp(argv[0], "rekey")) {
		const char *what = "child";

		NEXT_ARG("rekey");
		if (strlen(argv[0]) >= 64 || strpbrk(argv[0], " \t\r\n"))
			invarg("bad tunnel name", argv[0]);
		if (argc == 2 && (!strcmp(argv[1], "child") ||
				  !strcmp(argv[1], "ike")))
			what = argv[1];
		else if (argc > 1)
			usage_error("\"ike rekey %s\" takes child or ike, not \"%s\"",
				    argv[0], argv[1]);
		snprintf(req, sizeof(req), "rekey %s %s\n", argv[0], what);
	} else {
		usage_error("unknown command \"ike %s\"", argv[0]);
	}
	return ike_request(path, req);
}
