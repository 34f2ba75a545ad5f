// SPDX-License-Identifier: GPL-2.0
/*
 * Argument parsing helpers.
 */

#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "hex.h"
#include "vtunctl.h"

/* iproute2-style abbreviation: @arg is a non-empty prefix of @word. */
bool matches(const char *arg, const char *word)
{
	size_t n = strlen(arg);

	return n && n <= strlen(word) && !strncmp(arg, word, n);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("Error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs(". Try \"vtunctl help\".\n", stderr);
	va_end(ap);
	exit(EXIT_USAGE);
}

void invarg(const char *what, const char *arg)
{
	usage_error("argument \"%s\" is wrong: %s", arg, what);
}

void missarg(const char *keyword)
{
	usage_error("argument is missing after \"%s\"", keyword);
}

void duparg(const char *keyword)
{
	usage_error("duplicate \"%s\"", keyword);
}

/* Decimal, or hexadecimal with a 0x prefix; never octal. */
int parse_u64(const char *s, uint64_t *v)
{
	unsigned long long x;
	int base = 10;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!isxdigit((unsigned char)*s))
			return -1;
	}
	errno = 0;
	x = strtoull(s, &end, base);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

int parse_u32(const char *s, uint32_t *v)
{
	uint64_t x;

	if (parse_u64(s, &x) || x > UINT32_MAX)
		return -1;
	*v = x;
	return 0;
}

unsigned int ifindex_of(const char *name)
{
	if (!*name || strlen(name) >= IF_NAMESIZE)
		return 0;
	return if_nametoindex(name);
}

/* Name of @ifindex in this namespace, or "ifN" if there is none. */
const char *ifname_of(unsigned int ifindex, char *buf)
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
	return buf;
}

/* Enter the named network namespace, as "ip netns exec" would. */
int switch_netns(const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "Error: cannot open network namespace \"%s\": %s\n",
			name, strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "Error: cannot enter network namespace \"%s\": %s\n",
			name, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Hex digits, whitespace ignored, optional 0x prefix; -1 if not hex. */
static int decode_hex(const char *s, size_t n, uint8_t *out, size_t max,
		      size_t *len)
{
	size_t i = 0, digits = 0;
	int hi = -1;

	while (n && isspace((unsigned char)*s))
		s++, n--;
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2, n -= 2;
	for (; n; s++, n--) {
		int v;

		if (isspace((unsigned char)*s))
			continue;
		v = hexval((unsigned char)*s);
		if (v < 0)
			return -1;
		digits++;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (i == max)
			return -1;
		out[i++] = hi << 4 | v;
		hi = -1;
	}
	if (!digits || hi >= 0)
		return -1;
	*len = i;
	return 0;
}

static int read_key_file(const char *path, uint8_t *key, size_t *len)
{
	/* One byte more than fits, to detect oversized files. */
	char buf[2 * VTUN_KEY_MAX + 64];
	size_t n = 0;
	ssize_t r;
	int fd, err = 0;

	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(0);
	if (fd < 0) {
		fprintf(stderr, "Error: cannot open key file \"%s\": %s\n",
			path, strerror(errno));
		return -1;
	}
	while (n < sizeof(buf)) {
		r = read(fd, buf + n, sizeof(buf) - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "Error: cannot read key file \"%s\": %s\n",
				path, strerror(errno));
			err = -1;
			break;
		}
		if (!r)
			break;
		n += r;
	}
	close(fd);
	if (!err && n == sizeof(buf)) {
		fprintf(stderr, "Error: key file \"%s\" is too big\n", path);
		err = -1;
	}
	if (!err && !n) {
		fprintf(stderr, "Error: key file \"%s\" is empty\n", path);
		err = -1;
	}
	if (!err && decode_hex(buf, n, key, VTUN_KEY_MAX, len)) {
		/* Not hex text: the key is the file's raw bytes. */
		if (n > VTUN_KEY_MAX) {
			fprintf(stderr, "Error: key in \"%s\" is longer than %d bytes\n",
				path, VTUN_KEY_MAX);
			err = -1;
		} else {
			memcpy(key, buf, n);
			*len = n;
		}
	}
	explicit_bzero(buf, sizeof(buf));
	return err;
}

/* A key: "0x..." hex on the command line, or "@FILE" with hex or raw bytes. */
int parse_key(const char *arg, uint8_t *key, size_t *len)
{
	if (arg[0] == '@')
		return read_key_file(arg + 1, key, len);
	/* "0x" alone: the empty key of ecb(cipher_null). */
	if (!strcasecmp(arg, "0x")) {
		*len = 0;
		return 0;
	}
	if (arg[0] != '0' || (arg[1] != 'x' && arg[1] != 'X') ||
	    decode_hex(arg, strlen(arg), key, VTUN_KEY_MAX, len)) {
		fprintf(stderr,
			"Error: a key is 0x followed by an even number of hex digits (at most %d bytes), or @FILE\n",
			VTUN_KEY_MAX);
		return -1;
	}
	return 0;
}
