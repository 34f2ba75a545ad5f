// SPDX-License-Identifier: GPL-2.0
/*
 * The iked.conf parser. A file is a list of statements: a keyword, values
 * (words or "quoted strings") and either ';' or a { block } of statements.
 * '#' starts a comment. Profiles and gateways may be referred to before
 * they are defined. The first error stops the parse with FILE:LINE.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "addr.h"
#include "config.h"
#include "crypto.h"
#include "hex.h"

#define TOK_MAX		1024
#define VALS_MAX	32

/* Lifetimes and other ranges. */
#define IKE_LIFE_MIN	10u		/* short ones are for tests */
#define IKE_LIFE_MAX	(30u * 86400)	/* 30 days */
#define IPSEC_LIFE_MIN	10u
#define IPSEC_LIFE_MAX	(7u * 86400)
#define LIFE_BYTES_MIN	(1ull << 20)
#define REPLAY_MAX	4096u
#define MON_INTERVAL_MIN	100u	/* ms, as the kernel's monitor */
#define MON_INTERVAL_MAX	10000u
#define MON_THRESHOLD_MAX	10u

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------------
 * Lexer
 */

enum tok_type { T_EOF, T_WORD, T_STRING, T_LBRACE, T_RBRACE, T_SEMI };

struct tok {
	enum tok_type type;
	int line;
	char text[TOK_MAX];
};

/* A reference to a profile or gateway, resolved at the end of the file. */
enum ref_kind { REF_IKE, REF_IPSEC, REF_GW };

struct ref {
	enum ref_kind kind;
	const void **slot;
	char name[IKED_NAME_MAX];
	int line;
};

struct parser {
	const char *file;
	const char *p;
	int line;
	bool have_peek;
	struct tok peek;
	char *err;
	size_t errlen;
	bool failed;
	struct iked_config *conf;
	struct ref *refs;
	int n_refs;
	int *start_lines;	/* of each tunnel's "start", 0 if none */
};

static int __attribute__((format(printf, 3, 4)))
perr(struct parser *ps, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->failed)
		return -1;
	ps->failed = true;
	n = snprintf(ps->err, ps->errlen, "%s:%d: ", ps->file, line);
	if (n < 0 || (size_t)n >= ps->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

static bool word_char(int c)
{
	return c > ' ' && c < 0x7f && !strchr("{};#\"", c);
}

static int lex(struct parser *ps, struct tok *t)
{
	size_t n = 0;

	for (;;) {
		while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' ||
		       *ps->p == '\n') {
			if (*ps->p == '\n')
				ps->line++;
			ps->p++;
		}
		if (*ps->p != '#')
			break;
		while (*ps->p && *ps->p != '\n')
			ps->p++;
	}
	t->line = ps->line;
	t->text[0] = '\0';
	switch (*ps->p) {
	case '\0':
		t->type = T_EOF;
		return 0;
	case '{':
	case '}':
	case ';':
		t->type = *ps->p == '{' ? T_LBRACE : *ps->p == '}' ? T_RBRACE :
			  T_SEMI;
		t->text[0] = *ps->p++;
		t->text[1] = '\0';
		return 0;
	}
	/*
	 * Word characters and quoted parts with nothing between them make one
	 * token: dn:"CN=a b". Only a lone quoted string is a T_STRING.
	 */
	t->type = *ps->p == '"' ? T_STRING : T_WORD;
	while (word_char((unsigned char)*ps->p) || *ps->p == '"') {
		if (*ps->p != '"') {
			if (n + 1 >= TOK_MAX)
				return perr(ps, t->line, "word too long");
			t->text[n++] = *ps->p++;
			continue;
		}
		if (n)
			t->type = T_WORD;
		for (ps->p++; *ps->p != '"'; ps->p++) {
			if (!*ps->p || *ps->p == '\n')
				return perr(ps, t->line, "unterminated string");
			if (*ps->p == '\\' && (ps->p[1] == '"' ||
						ps->p[1] == '\\'))
				ps->p++;
			if (n + 1 >= TOK_MAX)
				return perr(ps, t->line, "string too long");
			t->text[n++] = *ps->p;
		}
		ps->p++;
		if (word_char((unsigned char)*ps->p))
			t->type = T_WORD;
	}
	t->text[n] = '\0';
	if (!n && t->type == T_WORD)
		return perr(ps, t->line, "unexpected character 0x%02x",
			    (unsigned char)*ps->p);
	return 0;
}

static int next(struct parser *ps, struct tok *t)
{
	if (ps->have_peek) {
		*t = ps->peek;
		ps->have_peek = false;
		return 0;
	}
	return lex(ps, t);
}

static int peek(struct parser *ps, struct tok **t)
{
	if (!ps->have_peek) {
		if (lex(ps, &ps->peek))
			return -1;
		ps->have_peek = true;
	}
	*t = &ps->peek;
	return 0;
}

/*
 * One statement: KEY VALUE... followed by ';' or '{' (the block is left for
 * the caller: st->block). Returns 1 at the closing '}' (or EOF at the top
 * level, st->key.type says which), 0 for a statement, -1 on error.
 */
struct stmt {
	struct tok key;
	struct tok val[VALS_MAX];
	int n;
	bool block;
};

static int read_values(struct parser *ps, struct stmt *st, struct tok *t)
{
	for (;;) {
		if (next(ps, t))
			return -1;
		switch (t->type) {
		case T_SEMI:
			return 0;
		case T_LBRACE:
			st->block = true;
			return 0;
		case T_EOF:
		case T_RBRACE:
			return perr(ps, st->key.line, "missing ';' after \"%s\"",
				    st->key.text);
		default:
			if (st->n == VALS_MAX)
				return perr(ps, t->line, "too many values");
			st->val[st->n++] = *t;
		}
	}
}

static int read_stmt(struct parser *ps, struct stmt *st, bool top)
{
	struct tok t;
	int r;

	st->n = 0;
	st->block = false;
	if (next(ps, &st->key))
		return -1;
	if (st->key.type == T_EOF) {
		if (!top)
			return perr(ps, st->key.line, "missing '}'");
		return 1;
	}
	if (st->key.type == T_RBRACE) {
		if (top)
			return perr(ps, st->key.line, "unexpected '}'");
		return 1;
	}
	if (st->key.type != T_WORD)
		return perr(ps, st->key.line, "expected a keyword, not '%s'",
			    st->key.text);
	r = read_values(ps, st, &t);
	/* Values may be secrets (PSKs): no copy stays on the stack. */
	OPENSSL_cleanse(&t, sizeof(t));
	return r;
}

/* After a block's '}': an optional ';'. */
static int end_block(struct parser *ps)
{
	struct tok *t, skip;

	if (peek(ps, &t))
		return -1;
	if (t->type == T_SEMI)
		return next(ps, &skip);
	return 0;
}

/* "KEYWORD NAME {" */
static int block_header(struct parser *ps, const struct stmt *hdr)
{
	if (hdr->n != 1 || !hdr->block)
		return perr(ps, hdr->key.line, "expected \"%s NAME { ... }\"",
			    hdr->key.text);
	return 0;
}

/* ---------------------------------------------------------------------------
 * Values
 */

static int want_values(struct parser *ps, const struct stmt *st, int min,
		       int max)
{
	if (st->block)
		return perr(ps, st->key.line, "\"%s\" takes no block",
			    st->key.text);
	if (st->n < min)
		return perr(ps, st->key.line, "\"%s\" needs a value",
			    st->key.text);
	if (st->n > max)
		return perr(ps, st->val[max].line, "too many values for \"%s\"",
			    st->key.text);
	return 0;
}

static int once(struct parser *ps, const struct stmt *st, bool *seen)
{
	if (*seen)
		return perr(ps, st->key.line, "duplicate \"%s\"", st->key.text);
	*seen = true;
	return 0;
}

static int parse_name(struct parser *ps, const struct tok *t, char *name)
{
	size_t i, n = strlen(t->text);

	if (!n || n >= IKED_NAME_MAX)
		return perr(ps, t->line, "bad name \"%s\" (1 to %d characters)",
			    t->text, IKED_NAME_MAX - 1);
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)t->text[i]) &&
		    !strchr("-_.", t->text[i]))
			return perr(ps, t->line,
				    "bad name \"%s\" (letters, digits, - _ .)",
				    t->text);
	memcpy(name, t->text, n + 1);
	return 0;
}

static int parse_uint(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || *end || *v > max)
		return -1;
	return 0;
}

/* NUMBER[ms|s|m|h|d], seconds when bare; in milliseconds. */
static int parse_duration_ms(const char *s, uint64_t *ms)
{
	static const struct { const char *unit; uint64_t ms; } units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	uint64_t v;
	char *end;
	size_t i;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || v > UINT32_MAX)
		return -1;
	for (i = 0; i < ARRAY_SIZE(units); i++)
		if (!strcmp(end, units[i].unit)) {
			*ms = v * units[i].ms;
			return 0;
		}
	return -1;
}

static int parse_seconds(struct parser *ps, const struct tok *t,
			 uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t ms;

	if (parse_duration_ms(t->text, &ms) || ms % 1000)
		return perr(ps, t->line, "bad duration \"%s\" (N[s|m|h|d])",
			    t->text);
	if (ms / 1000 < min || ms / 1000 > max)
		return perr(ps, t->line,
			    "\"%s\" out of range (%us to %us)", t->text, min,
			    max);
	*out = ms / 1000;
	return 0;
}

/* NUMBER[k|m|g|t], powers of 1024. */
static int parse_bytes(const char *s, uint64_t *v)
{
	static const char units[] = "kmgt";
	const char *u;
	char *end;
	int shift;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (!*end)
		return 0;
	u = strchr(units, tolower((unsigned char)*end));
	if (!u || end[1])
		return -1;
	shift = 10 * (int)(u - units + 1);
	if (*v > (UINT64_MAX >> shift))
		return -1;
	*v <<= shift;
	return 0;
}

static int parse_bool(struct parser *ps, const struct tok *t, bool *v)
{
	if (!strcmp(t->text, "yes") || !strcmp(t->text, "on")) {
		*v = true;
	} else if (!strcmp(t->text, "no") || !strcmp(t->text, "off")) {
		*v = false;
	} else {
		return perr(ps, t->line, "expected yes or no, not \"%s\"",
			    t->text);
	}
	return 0;
}

/* An address, into @ss with @port; AF_UNSPEC for "any" if @any_ok. */
static int parse_addr(struct parser *ps, const struct tok *t, bool any_ok,
		      uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (any_ok && !strcmp(t->text, "any")) {
		ss->ss_family = AF_UNSPEC;
	} else if (inet_pton(AF_INET, t->text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
	} else if (inet_pton(AF_INET6, t->text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
	} else {
		return perr(ps, t->line, "bad address \"%s\"", t->text);
	}
	return 0;
}

/* ADDR[/LEN], host bits clear. */
static int parse_prefix(struct parser *ps, const struct tok *t,
			uint8_t *family, struct in6_addr *addr, uint8_t *len)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	int max, i;
	uint64_t v;
	uint8_t *b = (uint8_t *)addr;

	if (strlen(t->text) >= sizeof(buf))
		return perr(ps, t->line, "bad prefix \"%s\"", t->text);
	strcpy(buf, t->text);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family = AF_INET6;
		max = 128;
	} else {
		return perr(ps, t->line, "bad prefix \"%s\"", t->text);
	}
	v = max;
	if (slash && parse_uint(slash, max, &v))
		return perr(ps, t->line, "bad prefix length in \"%s\"",
			    t->text);
	*len = v;
	for (i = v; i < max; i++)
		if (b[i / 8] & (0x80 >> (i % 8)))
			return perr(ps, t->line, "host bits set in \"%s\"",
				    t->text);
	return 0;
}

/* PORT or PORT-PORT */
static int parse_ports(struct parser *ps, const struct tok *t, uint16_t *min,
		       uint16_t *max)
{
	char buf[16], *dash;
	uint64_t lo, hi;

	if (strlen(t->text) >= sizeof(buf))
		goto bad;
	strcpy(buf, t->text);
	dash = strchr(buf, '-');
	if (dash)
		*dash++ = '\0';
	if (parse_uint(buf, 65535, &lo))
		goto bad;
	hi = lo;
	if (dash && parse_uint(dash, 65535, &hi))
		goto bad;
	if (hi < lo)
		goto bad;
	*min = lo;
	*max = hi;
	return 0;
bad:
	return perr(ps, t->line, "bad port or range \"%s\"", t->text);
}

static int parse_ip_proto(struct parser *ps, const struct tok *t,
			  uint8_t *proto)
{
	static const struct { const char *name; uint8_t num; } names[] = {
		{ "any", 0 }, { "icmp", IPPROTO_ICMP }, { "tcp", IPPROTO_TCP },
		{ "udp", IPPROTO_UDP }, { "gre", IPPROTO_GRE },
		{ "icmpv6", IPPROTO_ICMPV6 }, { "sctp", IPPROTO_SCTP },
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(t->text, names[i].name)) {
			*proto = names[i].num;
			return 0;
		}
	if (parse_uint(t->text, 255, &v))
		return perr(ps, t->line, "bad protocol \"%s\"", t->text);
	*proto = v;
	return 0;
}

static bool proto_has_ports(uint8_t p)
{
	return p == IPPROTO_TCP || p == IPPROTO_UDP || p == IPPROTO_SCTP ||
	       p == IPPROTO_UDPLITE;
}

/* "C=CH, O=Example, CN=host" as DER. */
static int parse_dn(struct parser *ps, const struct tok *t, const char *s,
		    struct iked_id *id)
{
	X509_NAME *name = X509_NAME_new();
	char buf[TOK_MAX], *rdn, *save = NULL;
	unsigned char *p;
	int len, ret = -1;

	if (!name)
		return perr(ps, t->line, "out of memory");
	snprintf(buf, sizeof(buf), "%s", s);
	for (rdn = strtok_r(buf, ",", &save); rdn;
	     rdn = strtok_r(NULL, ",", &save)) {
		char *eq, *end;

		while (*rdn == ' ')
			rdn++;
		eq = strchr(rdn, '=');
		if (!eq || eq == rdn || !eq[1]) {
			perr(ps, t->line, "bad DN component \"%s\"", rdn);
			goto out;
		}
		*eq++ = '\0';
		end = eq + strlen(eq);
		while (end > eq && end[-1] == ' ')
			*--end = '\0';
		if (!X509_NAME_add_entry_by_txt(name, rdn, MBSTRING_UTF8,
						(unsigned char *)eq, -1, -1, 0)) {
			ERR_clear_error();
			perr(ps, t->line, "unknown DN attribute \"%s\"", rdn);
			goto out;
		}
	}
	if (X509_NAME_entry_count(name) == 0) {
		perr(ps, t->line, "empty DN");
		goto out;
	}
	len = i2d_X509_NAME(name, NULL);
	if (len <= 0 || len > IKED_ID_MAX) {
		perr(ps, t->line, "DN too long");
		goto out;
	}
	p = id->data;
	i2d_X509_NAME(name, &p);
	id->type = IKEV2_ID_DER_ASN1_DN;
	id->len = len;
	ret = 0;
out:
	X509_NAME_free(name);
	return ret;
}

static int id_string(struct parser *ps, const struct tok *t, uint8_t type,
		     const char *s, struct iked_id *id)
{
	size_t n = strlen(s);

	if (!n || n > IKED_ID_MAX)
		return perr(ps, t->line, "bad identity \"%s\"", t->text);
	if (type == IKEV2_ID_RFC822_ADDR && !strchr(s, '@'))
		return perr(ps, t->line, "bad email identity \"%s\"", s);
	if (type == IKEV2_ID_FQDN && (strchr(s, '@') || strchr(s, '=') ||
				strchr(s, ' ')))
		return perr(ps, t->line, "bad fqdn identity \"%s\"", s);
	id->type = type;
	id->len = n;
	memcpy(id->data, s, n);
	return 0;
}

/* ipv4:, ipv6:, fqdn:, email:, dn:, keyid: or autodetected. */
static int parse_id(struct parser *ps, const struct tok *t, struct iked_id *id)
{
	static const struct { const char *prefix; uint8_t type; } kinds[] = {
		{ "ipv4:", IKEV2_ID_IPV4_ADDR }, { "ipv6:", IKEV2_ID_IPV6_ADDR },
		{ "fqdn:", IKEV2_ID_FQDN }, { "email:", IKEV2_ID_RFC822_ADDR },
		{ "dn:", IKEV2_ID_DER_ASN1_DN }, { "keyid:", IKEV2_ID_KEY_ID },
	};
	const char *s = t->text;
	uint8_t type = 0;
	size_t i;

	memset(id, 0, sizeof(*id));
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strncmp(s, kinds[i].prefix, strlen(kinds[i].prefix))) {
			type = kinds[i].type;
			s += strlen(kinds[i].prefix);
			break;
		}
	if (!type) {
		struct in6_addr a;

		if (inet_pton(AF_INET, s, &a) == 1)
			type = IKEV2_ID_IPV4_ADDR;
		else if (inet_pton(AF_INET6, s, &a) == 1)
			type = IKEV2_ID_IPV6_ADDR;
		else if (strchr(s, '='))
			type = IKEV2_ID_DER_ASN1_DN;
		else if (strchr(s, '@'))
			type = IKEV2_ID_RFC822_ADDR;
		else
			type = IKEV2_ID_FQDN;
	}
	switch (type) {
	case IKEV2_ID_IPV4_ADDR:
		if (inet_pton(AF_INET, s, id->data) != 1)
			return perr(ps, t->line, "bad IPv4 identity \"%s\"", s);
		id->type = type;
		id->len = 4;
		return 0;
	case IKEV2_ID_IPV6_ADDR:
		if (inet_pton(AF_INET6, s, id->data) != 1)
			return perr(ps, t->line, "bad IPv6 identity \"%s\"", s);
		id->type = type;
		id->len = 16;
		return 0;
	case IKEV2_ID_DER_ASN1_DN:
		return parse_dn(ps, t, s, id);
	}
	return id_string(ps, t, type, s, id);
}

/* A file name, relative ones to the configuration file's directory. */
static int parse_file(struct parser *ps, const struct tok *t, char *out)
{
	const char *slash = strrchr(ps->file, '/');
	int n;

	if (t->text[0] == '/' || !slash)
		n = snprintf(out, PATH_MAX, "%s", t->text);
	else
		n = snprintf(out, PATH_MAX, "%.*s/%s",
			     (int)(slash - ps->file), ps->file, t->text);
	if (n <= 0 || n >= PATH_MAX)
		return perr(ps, t->line, "bad file name \"%s\"", t->text);
	if (access(out, R_OK))
		return perr(ps, t->line, "cannot read \"%s\": %s", out,
			    strerror(errno));
	return 0;
}

static int add_ref(struct parser *ps, enum ref_kind kind, const void **slot,
		   const char *name, int line)
{
	struct ref *r = realloc(ps->refs, (ps->n_refs + 1) * sizeof(*r));

	if (!r)
		return perr(ps, line, "out of memory");
	ps->refs = r;
	r += ps->n_refs++;
	r->kind = kind;
	r->slot = slot;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->line = line;
	return 0;
}

static int ref_stmt(struct parser *ps, const struct stmt *st, bool *seen,
		    enum ref_kind kind, const void **slot)
{
	char name[IKED_NAME_MAX];

	if (once(ps, st, seen) || want_values(ps, st, 1, 1) ||
	    parse_name(ps, &st->val[0], name))
		return -1;
	return add_ref(ps, kind, slot, name, st->val[0].line);
}

static int grow(struct parser *ps, void ***arr, int *n, size_t size,
		void **obj, int line)
{
	void **a = realloc(*arr, (*n + 1) * sizeof(*a));

	if (!a)
		return perr(ps, line, "out of memory");
	*arr = a;
	*obj = a[*n] = calloc(1, size);
	if (!*obj)
		return perr(ps, line, "out of memory");
	(*n)++;
	return 0;
}

/* The object just added (the last of @n) has a name no other one has. */
static int unique(struct parser *ps, const struct stmt *hdr, void **objs,
		  int n, size_t name_off)
{
	const struct tok *t = &hdr->val[0];
	int i;

	for (i = 0; i < n - 1; i++)
		if (!strcmp((char *)objs[i] + name_off, t->text))
			return perr(ps, t->line, "duplicate %s %s",
				    hdr->key.text, t->text);
	return 0;
}

/* ---------------------------------------------------------------------------
 * Transforms
 */

static int encr_list(struct parser *ps, const struct stmt *st, bool ike,
		     struct iked_xform *x, int *n, bool *aead, bool *plain)
{
	int i;
	size_t j;

	if (want_values(ps, st, 1, IKED_XFORM_MAX))
		return -1;
	for (i = 0; i < st->n; i++) {
		const struct ike_encr_alg *d;

		d = crypto_encr_by_name(st->val[i].text);
		if (!d || d->no_config || (ike && !d->ike))
			return perr(ps, st->val[i].line,
				    "unknown %s encryption \"%s\"",
				    ike ? "IKE" : "ESP", st->val[i].text);
		for (j = 0; j < (size_t)i; j++)
			if (x[j].id == d->id && x[j].keylen == d->keybits)
				return perr(ps, st->val[i].line,
					    "\"%s\" listed twice", d->name);
		x[i].id = d->id;
		x[i].keylen = d->keybits;
		if (d->aead)
			*aead = true;
		else
			*plain = true;
	}
	*n = st->n;
	return 0;
}

/* The IANA number of a configured transform name, -1 if unknown. */
typedef int xform_id_fn(const char *name, bool ike);

static int integ_id(const char *name, bool ike)
{
	const struct ike_integ_alg *a = crypto_integ_by_name(name);

	return a && (!ike || a->ike) ? a->id : -1;
}

static int prf_id(const char *name, bool ike)
{
	const struct ike_prf_alg *a = crypto_prf_by_name(name);

	(void)ike;		/* every prf is for the IKE SA */
	return a && !a->no_config ? a->id : -1;
}

/* 2 and 5 are weak and never defaults, but accepted when listed. */
static int dh_id(const char *name, bool ike)
{
	const struct ike_dh_alg *a = crypto_dh_by_name(name);

	(void)ike;
	return a && !a->no_config ? a->id : -1;
}

static int num_list(struct parser *ps, const struct stmt *st,
		    xform_id_fn *find, bool ike, const char *what,
		    uint16_t *ids, int *n)
{
	int i, k, id;

	if (want_values(ps, st, 1, IKED_XFORM_MAX))
		return -1;
	for (i = 0; i < st->n; i++) {
		id = find(st->val[i].text, ike);
		if (id < 0)
			return perr(ps, st->val[i].line, "unknown %s \"%s\"",
				    what, st->val[i].text);
		for (k = 0; k < i; k++)
			if (ids[k] == id)
				return perr(ps, st->val[i].line,
					    "\"%s\" listed twice",
					    st->val[i].text);
		ids[i] = id;
	}
	*n = st->n;
	return 0;
}

static int dh_list(struct parser *ps, const struct stmt *st, bool none_ok,
		   uint16_t *ids, int *n)
{
	if (none_ok && st->n >= 1 && !strcmp(st->val[0].text, "none")) {
		if (want_values(ps, st, 1, 1))
			return -1;
		*n = 0;
		return 0;
	}
	return num_list(ps, st, dh_id, false, "dh-group", ids, n);
}

/* Defaults: modern AEAD proposals; PFS off for CHILD SAs. */
static void default_ike(struct iked_ike_profile *p)
{
	snprintf(p->name, sizeof(p->name), "default");
	p->encr[0] = (struct iked_xform){ IKEV2_ENCR_AES_GCM_16, 256 };
	p->encr[1] = (struct iked_xform){ IKEV2_ENCR_AES_GCM_16, 128 };
	p->n_encr = 2;
	p->prf[0] = IKEV2_PRF_HMAC_SHA2_256;
	p->prf[1] = IKEV2_PRF_HMAC_SHA2_384;
	p->n_prf = 2;
	p->dh[0] = 19;
	p->dh[1] = 20;
	p->dh[2] = 31;
	p->dh[3] = 14;
	p->n_dh = 4;
	p->lifetime = 8 * 3600;
}

static void default_ipsec(struct iked_ipsec_profile *p)
{
	snprintf(p->name, sizeof(p->name), "default");
	p->protocol = IKEV2_PROTO_ESP;
	p->encr[0] = (struct iked_xform){ IKEV2_ENCR_AES_GCM_16, 256 };
	p->encr[1] = (struct iked_xform){ IKEV2_ENCR_AES_GCM_16, 128 };
	p->n_encr = 2;
	p->esn = IKED_ESN_BOTH;
	p->lifetime = 3600;
}

static int integ_rules(struct parser *ps, int line, bool aead, bool plain,
		       int n_integ)
{
	if (plain && !n_integ)
		return perr(ps, line, "a non-AEAD encryption needs integrity");
	if (aead && !plain && n_integ)
		return perr(ps, line,
			    "integrity is not used with AEAD encryption only");
	return 0;
}

static int parse_ike_profile(struct parser *ps, const struct stmt *hdr)
{
	struct iked_ike_profile *p;
	bool s_encr = false, s_integ = false, s_prf = false, s_dh = false;
	bool s_life = false, aead = false, plain = false;
	struct stmt st;
	int r;

	if (block_header(ps, hdr))
		return -1;
	if (grow(ps, (void ***)&ps->conf->ike, &ps->conf->n_ike, sizeof(*p),
		 (void **)&p, hdr->key.line))
		return -1;
	default_ike(p);
	memset(p->name, 0, sizeof(p->name));
	if (parse_name(ps, &hdr->val[0], p->name) ||
	    unique(ps, hdr, (void **)ps->conf->ike, ps->conf->n_ike,
		   offsetof(struct iked_ike_profile, name)))
		return -1;
	p->n_integ = 0;
	while (!(r = read_stmt(ps, &st, false))) {
		const char *k = st.key.text;

		if (!strcmp(k, "encryption")) {
			r = once(ps, &st, &s_encr) ||
			    encr_list(ps, &st, true, p->encr, &p->n_encr,
				      &aead, &plain);
		} else if (!strcmp(k, "integrity")) {
			r = once(ps, &st, &s_integ) ||
			    num_list(ps, &st, integ_id, true, "IKE integrity",
				     p->integ, &p->n_integ);
		} else if (!strcmp(k, "prf")) {
			r = once(ps, &st, &s_prf) ||
			    num_list(ps, &st, prf_id, true, "prf", p->prf,
				     &p->n_prf);
		} else if (!strcmp(k, "dh-group")) {
			r = once(ps, &st, &s_dh) ||
			    dh_list(ps, &st, false, p->dh, &p->n_dh);
		} else if (!strcmp(k, "lifetime")) {
			r = once(ps, &st, &s_life) ||
			    want_values(ps, &st, 1, 1) ||
			    parse_seconds(ps, &st.val[0], IKE_LIFE_MIN,
					  IKE_LIFE_MAX, &p->lifetime);
		} else {
			r = perr(ps, st.key.line,
				 "unknown ike-crypto-profile setting \"%s\"", k);
		}
		if (r)
			return -1;
	}
	if (r < 0)
		return -1;
	if (!s_encr)
		aead = true;	/* the default ciphers */
	if (integ_rules(ps, hdr->key.line, aead, plain, p->n_integ))
		return -1;
	return end_block(ps);
}

static int parse_ipsec_profile(struct parser *ps, const struct stmt *hdr)
{
	struct iked_ipsec_profile *p;
	bool s_proto = false, s_encr = false, s_integ = false, s_dh = false;
	bool s_esn = false, s_life = false, s_bytes = false;
	bool aead = false, plain = false;
	struct stmt st;
	int r;

	if (block_header(ps, hdr))
		return -1;
	if (grow(ps, (void ***)&ps->conf->ipsec, &ps->conf->n_ipsec,
		 sizeof(*p), (void **)&p, hdr->key.line))
		return -1;
	default_ipsec(p);
	memset(p->name, 0, sizeof(p->name));
	if (parse_name(ps, &hdr->val[0], p->name) ||
	    unique(ps, hdr, (void **)ps->conf->ipsec,
		   ps->conf->n_ipsec,
		   offsetof(struct iked_ipsec_profile, name)))
		return -1;
	while (!(r = read_stmt(ps, &st, false))) {
		const char *k = st.key.text;

		if (!strcmp(k, "protocol")) {
			r = once(ps, &st, &s_proto) ||
			    want_values(ps, &st, 1, 1);
			if (!r && !strcmp(st.val[0].text, "esp"))
				p->protocol = IKEV2_PROTO_ESP;
			else if (!r && !strcmp(st.val[0].text, "ah"))
				p->protocol = IKEV2_PROTO_AH;
			else if (!r)
				r = perr(ps, st.val[0].line,
					 "expected esp or ah, not \"%s\"",
					 st.val[0].text);
		} else if (!strcmp(k, "encryption")) {
			r = once(ps, &st, &s_encr) ||
			    encr_list(ps, &st, false, p->encr, &p->n_encr,
				      &aead, &plain);
		} else if (!strcmp(k, "integrity")) {
			r = once(ps, &st, &s_integ) ||
			    num_list(ps, &st, integ_id, false, "integrity",
				     p->integ, &p->n_integ);
		} else if (!strcmp(k, "dh-group")) {
			r = once(ps, &st, &s_dh) ||
			    dh_list(ps, &st, true, p->dh, &p->n_dh);
		} else if (!strcmp(k, "esn")) {
			r = once(ps, &st, &s_esn) || want_values(ps, &st, 1, 1);
			if (!r && !strcmp(st.val[0].text, "yes"))
				p->esn = IKED_ESN_YES;
			else if (!r && !strcmp(st.val[0].text, "no"))
				p->esn = IKED_ESN_NO;
			else if (!r && !strcmp(st.val[0].text, "both"))
				p->esn = IKED_ESN_BOTH;
			else if (!r)
				r = perr(ps, st.val[0].line,
					 "expected yes, no or both, not \"%s\"",
					 st.val[0].text);
		} else if (!strcmp(k, "lifetime")) {
			r = once(ps, &st, &s_life) ||
			    want_values(ps, &st, 1, 1) ||
			    parse_seconds(ps, &st.val[0], IPSEC_LIFE_MIN,
					  IPSEC_LIFE_MAX, &p->lifetime);
		} else if (!strcmp(k, "lifetime-bytes")) {
			r = once(ps, &st, &s_bytes) ||
			    want_values(ps, &st, 1, 1);
			if (!r && (parse_bytes(st.val[0].text,
					       &p->lifetime_bytes) ||
				   p->lifetime_bytes < LIFE_BYTES_MIN))
				r = perr(ps, st.val[0].line,
					 "bad lifetime-bytes \"%s\" (1m or more)",
					 st.val[0].text);
		} else {
			r = perr(ps, st.key.line,
				 "unknown ipsec-crypto-profile setting \"%s\"",
				 k);
		}
		if (r)
			return -1;
	}
	if (r < 0)
		return -1;
	if (p->protocol == IKEV2_PROTO_AH) {
		if (s_encr)
			return perr(ps, hdr->key.line,
				    "AH has no encryption");
		p->n_encr = 0;
		if (!p->n_integ)
			return perr(ps, hdr->key.line, "AH needs integrity");
		return end_block(ps);
	}
	if (!s_encr)
		aead = true;
	if (integ_rules(ps, hdr->key.line, aead, plain, p->n_integ))
		return -1;
	return end_block(ps);
}

/* ---------------------------------------------------------------------------
 * Gateways
 */

/*
 * SHA-256 over the contents of the certificate, key and CA files, so that
 * a reload sees a gateway whose files changed under the same names as
 * changed.
 */
static int cred_digest(struct parser *ps, int line, struct iked_gateway *g)
{
	const char *const files[] = { g->cert, g->key, g->ca };
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char buf[4096];
	unsigned int n = 0;
	size_t i, got;
	bool ok;
	FILE *f;

	ok = ctx && EVP_DigestInit_ex2(ctx, EVP_sha256(), NULL) == 1;
	for (i = 0; ok && i < sizeof(files) / sizeof(files[0]); i++) {
		f = fopen(files[i], "rb");
		if (!f) {
			EVP_MD_CTX_free(ctx);
			return perr(ps, line, "cannot read \"%s\": %s",
				    files[i], strerror(errno));
		}
		while (ok && (got = fread(buf, 1, sizeof(buf), f)) > 0)
			ok = EVP_DigestUpdate(ctx, buf, got) == 1;
		ok = ok && !ferror(f);
		fclose(f);
		/* a separator, so that moving bytes between files counts */
		ok = ok && EVP_DigestUpdate(ctx, &i, sizeof(i)) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, g->cred_digest, &n) == 1 &&
	     n == sizeof(g->cred_digest);
	OPENSSL_cleanse(buf, sizeof(buf));
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return perr(ps, line, "cannot read the certificate files");
	return 0;
}

static int parse_cert_block(struct parser *ps, struct iked_gateway *g)
{
	bool s_cert = false, s_key = false, s_ca = false, s_method = false;
	bool s_sig = false;
	struct stmt st;
	int r, line = ps->line;

	g->auth = IKED_AUTH_CERT;
	while (!(r = read_stmt(ps, &st, false))) {
		const char *k = st.key.text;

		if (!strcmp(k, "cert")) {
			r = once(ps, &st, &s_cert) ||
			    want_values(ps, &st, 1, 1) ||
			    parse_file(ps, &st.val[0], g->cert);
		} else if (!strcmp(k, "key")) {
			r = once(ps, &st, &s_key) ||
			    want_values(ps, &st, 1, 1) ||
			    parse_file(ps, &st.val[0], g->key);
		} else if (!strcmp(k, "ca")) {
			r = once(ps, &st, &s_ca) ||
			    want_values(ps, &st, 1, 1) ||
			    parse_file(ps, &st.val[0], g->ca);
		} else if (!strcmp(k, "method")) {
			r = once(ps, &st, &s_method) ||
			    want_values(ps, &st, 1, 1);
			if (!r && !strcmp(st.val[0].text, "digital-signature"))
				g->auth = IKED_AUTH_CERT;
			else if (!r && !strcmp(st.val[0].text, "rsa-signature"))
				g->auth = IKED_AUTH_CERT_RSA1;
			else if (!r)
				r = perr(ps, st.val[0].line,
					 "expected digital-signature or rsa-signature, not \"%s\"",
					 st.val[0].text);
		} else if (!strcmp(k, "signature")) {
			r = once(ps, &st, &s_sig) ||
			    want_values(ps, &st, 1, 1);
			if (!r && !strcmp(st.val[0].text, "rsa-pss"))
				g->rsa_pss = true;
			else if (!r && !strcmp(st.val[0].text, "pkcs1"))
				g->rsa_pss = false;
			else if (!r)
				r = perr(ps, st.val[0].line,
					 "expected rsa-pss or pkcs1, not \"%s\"",
					 st.val[0].text);
		} else {
			r = perr(ps, st.key.line,
				 "unknown certificate setting \"%s\"", k);
		}
		if (r)
			return -1;
	}
	if (r < 0)
		return -1;
	if (!s_cert || !s_key || !s_ca)
		return perr(ps, line, "certificate needs cert, key and ca");
	if (g->rsa_pss && g->auth == IKED_AUTH_CERT_RSA1)
		return perr(ps, line,
			    "signature rsa-pss needs method digital-signature");
	if (cred_digest(ps, line, g))
		return -1;
	return end_block(ps);
}

static int parse_psk(struct parser *ps, const struct tok *t,
		     struct iked_gateway *g)
{
	size_t n = strlen(t->text), i;

	if (t->type == T_STRING) {
		if (!n || n > IKED_PSK_MAX)
			return perr(ps, t->line, "the PSK must have 1 to %d bytes",
				    IKED_PSK_MAX);
		memcpy(g->psk, t->text, n);
		g->psk_len = n;
		return 0;
	}
	if (strncmp(t->text, "0x", 2) || n == 2 || n % 2 ||
	    (n - 2) / 2 > IKED_PSK_MAX)
		return perr(ps, t->line,
			    "the PSK is a \"quoted string\" or 0x and hex digits");
	for (i = 2; i < n; i += 2) {
		int hi = hexval((unsigned char)t->text[i]);
		int lo = hexval((unsigned char)t->text[i + 1]);

		if (hi < 0 || lo < 0) {
			OPENSSL_cleanse(g->psk, sizeof(g->psk));
			return perr(ps, t->line, "bad hex digit in the PSK");
		}
		g->psk[(i - 2) / 2] = hi << 4 | lo;
	}
	g->psk_len = (n - 2) / 2;
	return 0;
}

/*
 * dpd-delay (0: none), retransmit-timeout and nat-keepalive (0: none);
 * each once: a bit per key in @seen.
 */
static int gw_duration(struct parser *ps, const struct stmt *st,
		       struct iked_gateway *g, unsigned int *seen)
{
	static const struct {
		const char *key;
		uint64_t min, max;	/* ms */
		bool seconds;		/* whole seconds */
	} keys[] = {
		{ "dpd-delay", 0, 86400000, false },
		{ "retransmit-timeout", 100, 60000, false },
		{ "nat-keepalive", 0, 3600000, true },
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(st->key.text, keys[i].key))
			break;
	if (*seen & (1u << i))
		return perr(ps, st->key.line, "duplicate \"%s\"", st->key.text);
	*seen |= 1u << i;
	if (want_values(ps, st, 1, 1))
		return -1;
	if (parse_duration_ms(st->val[0].text, &v) || v < keys[i].min ||
	    v > keys[i].max || (keys[i].seconds && v % 1000))
		return perr(ps, st->val[0].line, "bad %s \"%s\"%s", keys[i].key,
			    st->val[0].text, keys[i].seconds ?
			    " (whole seconds, up to 1h)" : "");
	if (i == 0)
		g->dpd_delay_ms = v;
	else if (i == 1)
		g->rtx_base_ms = v;
	else
		g->nat_keepalive = v / 1000;
	return 0;
}

static int gw_dpd_action(struct parser *ps, const struct tok *t,
			 struct iked_gateway *g)
{
	if (!strcmp(t->text, "clear"))
		g->dpd_action = IKED_DPD_CLEAR;
	else if (!strcmp(t->text, "restart"))
		g->dpd_action = IKED_DPD_RESTART;
	else if (!strcmp(t->text, "trap"))
		g->dpd_action = IKED_DPD_TRAP;
	else
		return perr(ps, t->line,
			    "expected clear, restart or trap, not \"%s\"",
			    t->text);
	return 0;
}

static int gateway_body(struct parser *ps, const struct stmt *hdr,
			struct stmt *st)
{
	bool s_local = false, s_peer = false, s_lid = false, s_pid = false;
	bool s_auth = false, s_prof = false, s_ver = false;
	bool s_dpda = false, s_tries = false;
	unsigned int s_dur = 0;
	struct iked_gateway *g;
	int r;

	if (block_header(ps, hdr))
		return -1;
	if (grow(ps, (void ***)&ps->conf->gw, &ps->conf->n_gw, sizeof(*g),
		 (void **)&g, hdr->key.line))
		return -1;
	if (parse_name(ps, &hdr->val[0], g->name) ||
	    unique(ps, hdr, (void **)ps->conf->gw, ps->conf->n_gw,
		   offsetof(struct iked_gateway, name)))
		return -1;
	g->nat_keepalive = 20;
	while (!(r = read_stmt(ps, st, false))) {
		const char *k = st->key.text;

		if (!strcmp(k, "local-address")) {
			r = once(ps, st, &s_local) ||
			    want_values(ps, st, 1, 1) ||
			    parse_addr(ps, &st->val[0], true, 500, &g->local);
		} else if (!strcmp(k, "peer-address")) {
			r = once(ps, st, &s_peer) ||
			    want_values(ps, st, 1, 1) ||
			    parse_addr(ps, &st->val[0], true, 500, &g->peer);
		} else if (!strcmp(k, "local-id")) {
			r = once(ps, st, &s_lid) ||
			    want_values(ps, st, 1, 1) ||
			    parse_id(ps, &st->val[0], &g->local_id);
		} else if (!strcmp(k, "peer-id")) {
			r = once(ps, st, &s_pid) ||
			    want_values(ps, st, 1, 1);
			if (!r && strcmp(st->val[0].text, "any"))
				r = parse_id(ps, &st->val[0], &g->peer_id);
		} else if (!strcmp(k, "authentication")) {
			r = once(ps, st, &s_auth);
			if (!r && st->n == 2 && !st->block &&
			    !strcmp(st->val[0].text, "psk")) {
				g->auth = IKED_AUTH_PSK;
				r = parse_psk(ps, &st->val[1], g);
			} else if (!r && st->n == 1 && st->block &&
				   !strcmp(st->val[0].text, "certificate")) {
				r = parse_cert_block(ps, g);
			} else if (!r) {
				r = perr(ps, st->key.line,
					 "expected authentication psk \"SECRET\"; or authentication certificate { ... }");
			}
		} else if (!strcmp(k, "ike-crypto-profile")) {
			r = ref_stmt(ps, st, &s_prof, REF_IKE,
				     (const void **)&g->ike);
		} else if (!strcmp(k, "dpd-delay") ||
			   !strcmp(k, "retransmit-timeout") ||
			   !strcmp(k, "nat-keepalive")) {
			r = gw_duration(ps, st, g, &s_dur);
		} else if (!strcmp(k, "dpd-action")) {
			r = once(ps, st, &s_dpda) ||
			    want_values(ps, st, 1, 1) ||
			    gw_dpd_action(ps, &st->val[0], g);
		} else if (!strcmp(k, "retransmit-tries")) {
			uint64_t v;

			r = once(ps, st, &s_tries) ||
			    want_values(ps, st, 1, 1);
			if (!r && (parse_uint(st->val[0].text, 20, &v) || !v))
				r = perr(ps, st->val[0].line,
					 "bad retransmit-tries \"%s\" (1 to 20)",
					 st->val[0].text);
			if (!r)
				g->rtx_tries = v;
		} else if (!strcmp(k, "version")) {
			r = once(ps, st, &s_ver) ||
			    want_values(ps, st, 1, 1);
			if (!r && strcmp(st->val[0].text, "2"))
				r = perr(ps, st->val[0].line,
					 "only IKE version 2 is supported");
		} else {
			r = perr(ps, st->key.line,
				 "unknown ike-gateway setting \"%s\"", k);
		}
		if (r)
			return -1;
	}
	if (r < 0)
		return -1;
	if (!s_peer)
		return perr(ps, hdr->key.line,
			    "ike-gateway %s: peer-address is missing", g->name);
	if (!s_auth)
		return perr(ps, hdr->key.line,
			    "ike-gateway %s: authentication is missing",
			    g->name);
	if (g->local.ss_family && g->peer.ss_family &&
	    g->local.ss_family != g->peer.ss_family)
		return perr(ps, hdr->key.line,
			    "ike-gateway %s: local and peer address families differ",
			    g->name);
	if (!s_lid)
		addr_id(&g->local, &g->local_id);
	if (!s_prof && add_ref(ps, REF_IKE, (const void **)&g->ike, "default",
			       hdr->key.line))
		return -1;
	return end_block(ps);
}

static int parse_gateway(struct parser *ps, const struct stmt *hdr)
{
	struct stmt st;		/* cleansed after: it held the PSK */
	int r = gateway_body(ps, hdr, &st);

	OPENSSL_cleanse(&st, sizeof(st));
	return r;
}

/* ---------------------------------------------------------------------------
 * Tunnels
 */

static int parse_proxy_id(struct parser *ps, const struct stmt *hdr,
			  struct iked_tunnel *t, char names[][IKED_NAME_MAX])
{
	bool s_local = false, s_remote = false, s_proto = false;
	bool s_lport = false, s_rport = false;
	struct iked_proxy_id *p;
	uint8_t rfamily = 0;
	struct stmt st;
	int r, i;

	if (block_header(ps, hdr))
		return -1;
	if (t->n_proxy == IKED_PROXY_MAX)
		return perr(ps, hdr->key.line, "more than %d proxy IDs",
			    IKED_PROXY_MAX);
	if (parse_name(ps, &hdr->val[0], names[t->n_proxy]))
		return -1;
	for (i = 0; i < t->n_proxy; i++)
		if (!strcmp(names[i], names[t->n_proxy]))
			return perr(ps, hdr->val[0].line,
				    "duplicate proxy-id \"%s\"", names[i]);
	p = &t->proxy[t->n_proxy];
	memset(p, 0, sizeof(*p));
	p->id = t->n_proxy + 1;
	p->local_port_max = p->remote_port_max = 65535;
	while (!(r = read_stmt(ps, &st, false))) {
		const char *k = st.key.text;

		if (!strcmp(k, "local")) {
			r = once(ps, &st, &s_local) ||
			    want_values(ps, &st, 1, 1) ||
			    parse_prefix(ps, &st.val[0], &p->family, &p->local,
					 &p->local_len);
		} else if (!strcmp(k, "remote")) {
			r = once(ps, &st, &s_remote) ||
			    want_values(ps, &st, 1, 1) ||
			    parse_prefix(ps, &st.val[0], &rfamily, &p->remote,
					 &p->remote_len);
		} else if (!strcmp(k, "protocol")) {
			r = once(ps, &st, &s_proto) ||
			    want_values(ps, &st, 1, 1) ||
			    parse_ip_proto(ps, &st.val[0], &p->ip_proto);
		} else if (!strcmp(k, "local-port")) {
			r = once(ps, &st, &s_lport) ||
			    want_values(ps, &st, 1, 1) ||
			    parse_ports(ps, &st.val[0], &p->local_port_min,
					&p->local_port_max);
		} else if (!strcmp(k, "remote-port")) {
			r = once(ps, &st, &s_rport) ||
			    want_values(ps, &st, 1, 1) ||
			    parse_ports(ps, &st.val[0], &p->remote_port_min,
					&p->remote_port_max);
		} else {
			r = perr(ps, st.key.line,
				 "unknown proxy-id setting \"%s\"", k);
		}
		if (r)
			return -1;
	}
	if (r < 0)
		return -1;
	if (!s_local || !s_remote)
		return perr(ps, hdr->key.line,
			    "proxy-id %s: local and remote are needed",
			    names[t->n_proxy]);
	if (p->family != rfamily)
		return perr(ps, hdr->key.line,
			    "proxy-id %s: local and remote families differ",
			    names[t->n_proxy]);
	if ((s_lport || s_rport) && !proto_has_ports(p->ip_proto))
		return perr(ps, hdr->key.line,
			    "proxy-id %s: ports need protocol tcp, udp or sctp",
			    names[t->n_proxy]);
	t->n_proxy++;
	return end_block(ps);
}

static int parse_monitor(struct parser *ps, struct iked_tunnel *t, int line)
{
	bool s_dst = false, s_int = false, s_thr = false, s_act = false;
	struct stmt st;
	uint64_t v = 0;
	int r;

	t->monitor_interval_ms = 3000;
	t->monitor_threshold = 5;
	while (!(r = read_stmt(ps, &st, false))) {
		const char *k = st.key.text;

		if (!strcmp(k, "destination")) {
			r = once(ps, &st, &s_dst) ||
			    want_values(ps, &st, 1, 1) ||
			    parse_addr(ps, &st.val[0], false, 0,
				       &t->monitor_dst);
		} else if (!strcmp(k, "interval")) {
			r = once(ps, &st, &s_int) ||
			    want_values(ps, &st, 1, 1);
			if (!r && (parse_duration_ms(st.val[0].text, &v) ||
				   v < MON_INTERVAL_MIN ||
				   v > MON_INTERVAL_MAX))
				r = perr(ps, st.val[0].line,
					 "bad interval \"%s\" (100ms to 10s)",
					 st.val[0].text);
			if (!r)
				t->monitor_interval_ms = v;
		} else if (!strcmp(k, "threshold")) {
			r = once(ps, &st, &s_thr) ||
			    want_values(ps, &st, 1, 1);
			if (!r && (parse_uint(st.val[0].text,
					      MON_THRESHOLD_MAX, &v) || !v))
				r = perr(ps, st.val[0].line,
					 "bad threshold \"%s\" (1 to %u)",
					 st.val[0].text, MON_THRESHOLD_MAX);
			if (!r)
				t->monitor_threshold = v;
		} else if (!strcmp(k, "action")) {
			r = once(ps, &st, &s_act) ||
			    want_values(ps, &st, 1, 1);
			if (!r && !strcmp(st.val[0].text, "fail-over"))
				t->monitor_failover = true;
			else if (!r && !strcmp(st.val[0].text, "wait-recover"))
				t->monitor_failover = false;
			else if (!r)
				r = perr(ps, st.val[0].line,
					 "expected fail-over or wait-recover, not \"%s\"",
					 st.val[0].text);
		} else {
			r = perr(ps, st.key.line,
				 "unknown monitor setting \"%s\"", k);
		}
		if (r)
			return -1;
	}
	if (r < 0)
		return -1;
	if (!s_dst)
		return perr(ps, line, "monitor: destination is missing");
	return end_block(ps);
}

static int parse_tunnel(struct parser *ps, const struct stmt *hdr)
{
	char names[IKED_PROXY_MAX][IKED_NAME_MAX];
	bool s_if = false, s_gw = false, s_prof = false, s_replay = false;
	bool s_tos = false, s_start = false, s_mon = false;
	struct iked_tunnel *t;
	struct stmt st;
	uint64_t v = 0;
	int r, i, *lines;

	if (block_header(ps, hdr))
		return -1;
	if (grow(ps, (void ***)&ps->conf->tun, &ps->conf->n_tun, sizeof(*t),
		 (void **)&t, hdr->key.line))
		return -1;
	lines = realloc(ps->start_lines, ps->conf->n_tun * sizeof(int));
	if (!lines)
		return perr(ps, hdr->key.line, "out of memory");
	ps->start_lines = lines;
	lines[ps->conf->n_tun - 1] = 0;
	if (parse_name(ps, &hdr->val[0], t->name) ||
	    unique(ps, hdr, (void **)ps->conf->tun, ps->conf->n_tun,
		   offsetof(struct iked_tunnel, name)))
		return -1;
	t->replay_window = 1024;
	t->start = IKED_START_TRAP;
	while (!(r = read_stmt(ps, &st, false))) {
		const char *k = st.key.text;

		if (!strcmp(k, "interface")) {
			r = once(ps, &st, &s_if) || want_values(ps, &st, 1, 1);
			if (!r && (!st.val[0].text[0] ||
				   strlen(st.val[0].text) >= IF_NAMESIZE ||
				   strchr(st.val[0].text, '/')))
				r = perr(ps, st.val[0].line,
					 "bad interface name \"%s\"",
					 st.val[0].text);
			for (i = 0; !r && i < ps->conf->n_tun - 1; i++)
				if (!strcmp(ps->conf->tun[i]->dev,
					    st.val[0].text))
					r = perr(ps, st.val[0].line,
						 "interface %s is already that of ipsec-tunnel %s",
						 st.val[0].text,
						 ps->conf->tun[i]->name);
			if (!r)
				strcpy(t->dev, st.val[0].text);
		} else if (!strcmp(k, "ike-gateway")) {
			r = ref_stmt(ps, &st, &s_gw, REF_GW,
				     (const void **)&t->gw);
		} else if (!strcmp(k, "ipsec-crypto-profile")) {
			r = ref_stmt(ps, &st, &s_prof, REF_IPSEC,
				     (const void **)&t->ipsec);
		} else if (!strcmp(k, "proxy-id")) {
			r = parse_proxy_id(ps, &st, t, names);
		} else if (!strcmp(k, "replay-window")) {
			r = once(ps, &st, &s_replay) ||
			    want_values(ps, &st, 1, 1);
			if (!r && (parse_uint(st.val[0].text, REPLAY_MAX, &v) ||
				   (v && (v < 32 || (v & (v - 1))))))
				r = perr(ps, st.val[0].line,
					 "bad replay-window \"%s\" (0, or a power of two from 32 to 4096)",
					 st.val[0].text);
			if (!r)
				t->replay_window = v;
		} else if (!strcmp(k, "copy-tos")) {
			r = once(ps, &st, &s_tos) || want_values(ps, &st, 1, 1) ||
			    parse_bool(ps, &st.val[0], &t->copy_tos);
		} else if (!strcmp(k, "start")) {
			r = once(ps, &st, &s_start) ||
			    want_values(ps, &st, 1, 1);
			if (!r && !strcmp(st.val[0].text, "always"))
				t->start = IKED_START_START;
			else if (!r && !strcmp(st.val[0].text, "on-demand"))
				t->start = IKED_START_TRAP;
			else if (!r && !strcmp(st.val[0].text, "responder"))
				t->start = IKED_START_NONE;
			else if (!r)
				r = perr(ps, st.val[0].line,
					 "expected always, on-demand or responder, not \"%s\"",
					 st.val[0].text);
			if (!r)
				lines[ps->conf->n_tun - 1] = st.key.line;
		} else if (!strcmp(k, "monitor")) {
			r = once(ps, &st, &s_mon);
			if (!r && (st.n || !st.block))
				r = perr(ps, st.key.line,
					 "expected \"monitor { ... }\"");
			if (!r)
				r = parse_monitor(ps, t, st.key.line);
		} else {
			r = perr(ps, st.key.line,
				 "unknown ipsec-tunnel setting \"%s\"", k);
		}
		if (r)
			return -1;
	}
	if (r < 0)
		return -1;
	if (!s_if)
		return perr(ps, hdr->key.line,
			    "ipsec-tunnel %s: interface is missing", t->name);
	if (!s_gw)
		return perr(ps, hdr->key.line,
			    "ipsec-tunnel %s: ike-gateway is missing", t->name);
	if (!s_prof && add_ref(ps, REF_IPSEC, (const void **)&t->ipsec,
			       "default", hdr->key.line))
		return -1;
	return end_block(ps);
}

/* ---------------------------------------------------------------------------
 * The file
 */

static int parse_top(struct parser *ps)
{
	static const struct { const char *name; int level; } levels[] = {
		{ "err", LOG_ERR }, { "error", LOG_ERR },
		{ "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
		{ "info", LOG_INFO }, { "debug", LOG_DEBUG },
	};
	bool s_ctl = false, s_log = false, s_cookie = false, s_frag = false;
	bool s_init = false;
	bool s_fsize = false;
	struct stmt st;
	size_t i;
	int r;

	while (!(r = read_stmt(ps, &st, true))) {
		const char *k = st.key.text;

		if (!strcmp(k, "ike-crypto-profile")) {
			r = parse_ike_profile(ps, &st);
		} else if (!strcmp(k, "ipsec-crypto-profile")) {
			r = parse_ipsec_profile(ps, &st);
		} else if (!strcmp(k, "ike-gateway")) {
			r = parse_gateway(ps, &st);
		} else if (!strcmp(k, "ipsec-tunnel")) {
			r = parse_tunnel(ps, &st);
		} else if (!strcmp(k, "control-socket")) {
			r = once(ps, &st, &s_ctl) || want_values(ps, &st, 1, 1);
			if (!r && (st.val[0].text[0] != '/' ||
				   strlen(st.val[0].text) >=
				   sizeof(((struct sockaddr_un *)0)->sun_path)))
				r = perr(ps, st.val[0].line,
					 "control-socket needs an absolute path of at most %zu characters",
					 sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
			if (!r)
				strcpy(ps->conf->control, st.val[0].text);
		} else if (!strcmp(k, "log-level")) {
			r = once(ps, &st, &s_log) || want_values(ps, &st, 1, 1);
			for (i = 0; !r && i < ARRAY_SIZE(levels); i++)
				if (!strcmp(st.val[0].text, levels[i].name))
					break;
			if (!r && i == ARRAY_SIZE(levels))
				r = perr(ps, st.val[0].line,
					 "unknown log-level \"%s\" (err, warning, notice, info, debug)",
					 st.val[0].text);
			if (!r)
				ps->conf->log_level = levels[i].level;
		} else if (!strcmp(k, "cookie-threshold")) {
			uint64_t v;

			r = once(ps, &st, &s_cookie) ||
			    want_values(ps, &st, 1, 1);
			if (!r && (parse_uint(st.val[0].text, 1000000, &v) || !v))
				r = perr(ps, st.val[0].line,
					 "bad cookie-threshold \"%s\" (1 to 1000000 half-open IKE SAs)",
					 st.val[0].text);
			if (!r)
				ps->conf->cookie_threshold = (uint32_t)v;
		} else if (!strcmp(k, "initiate-limit")) {
			uint64_t v;

			r = once(ps, &st, &s_init) ||
			    want_values(ps, &st, 1, 1);
			if (!r && (parse_uint(st.val[0].text, 10000, &v) || !v))
				r = perr(ps, st.val[0].line,
					 "bad initiate-limit \"%s\" (1 to 10000 half-open IKE SAs)",
					 st.val[0].text);
			if (!r)
				ps->conf->initiate_limit = (uint32_t)v;
		} else if (!strcmp(k, "fragmentation")) {
			bool on;

			r = once(ps, &st, &s_frag) || want_values(ps, &st, 1, 1) ||
			    parse_bool(ps, &st.val[0], &on);
			if (!r)
				ps->conf->no_fragmentation = !on;
		} else if (!strcmp(k, "fragment-size")) {
			uint64_t v;

			r = once(ps, &st, &s_fsize) ||
			    want_values(ps, &st, 1, 1);
			if (!r && (parse_uint(st.val[0].text, 65535, &v) ||
				   v < 576))
				r = perr(ps, st.val[0].line,
					 "bad fragment-size \"%s\" (576 to 65535 bytes)",
					 st.val[0].text);
			if (!r)
				ps->conf->fragment_size = (uint32_t)v;
		} else {
			r = perr(ps, st.key.line, "unknown statement \"%s\"", k);
		}
		if (r)
			return -1;
	}
	return r < 0 ? -1 : 0;
}

#define FIND(arr, n, nm) ({						\
	int _i, _f = -1;						\
	for (_i = 0; _i < (n); _i++)					\
		if (!strcmp((arr)[_i]->name, (nm)))			\
			_f = _i;					\
	_f; })

static int resolve(struct parser *ps)
{
	struct iked_config *c = ps->conf;
	int i, f;

	for (i = 0; i < ps->n_refs; i++) {
		struct ref *r = &ps->refs[i];
		void *obj;

		switch (r->kind) {
		case REF_IKE:
			f = FIND(c->ike, c->n_ike, r->name);
			if (f < 0 && !strcmp(r->name, "default")) {
				if (grow(ps, (void ***)&c->ike, &c->n_ike,
					 sizeof(struct iked_ike_profile), &obj,
					 r->line))
					return -1;
				default_ike(obj);
				f = c->n_ike - 1;
			}
			if (f < 0)
				return perr(ps, r->line,
					    "undefined ike-crypto-profile %s",
					    r->name);
			*r->slot = c->ike[f];
			break;
		case REF_IPSEC:
			f = FIND(c->ipsec, c->n_ipsec, r->name);
			if (f < 0 && !strcmp(r->name, "default")) {
				if (grow(ps, (void ***)&c->ipsec, &c->n_ipsec,
					 sizeof(struct iked_ipsec_profile), &obj,
					 r->line))
					return -1;
				default_ipsec(obj);
				f = c->n_ipsec - 1;
			}
			if (f < 0)
				return perr(ps, r->line,
					    "undefined ipsec-crypto-profile %s",
					    r->name);
			*r->slot = c->ipsec[f];
			break;
		case REF_GW:
			f = FIND(c->gw, c->n_gw, r->name);
			if (f < 0)
				return perr(ps, r->line,
					    "undefined ike-gateway %s", r->name);
			*r->slot = c->gw[f];
			break;
		}
	}
	return 0;
}

/* What needs the whole file: a dynamic peer can only answer. */
static int check_tunnels(struct parser *ps)
{
	struct iked_config *c = ps->conf;
	int i;

	for (i = 0; i < c->n_tun; i++) {
		struct iked_tunnel *t = c->tun[i];

		if (t->gw->peer.ss_family != AF_UNSPEC)
			continue;
		if (!ps->start_lines[i]) {
			t->start = IKED_START_NONE;
		} else if (t->start != IKED_START_NONE) {
			return perr(ps, ps->start_lines[i],
				    "ipsec-tunnel %s: start must be responder with peer-address any",
				    t->name);
		}
	}
	return 0;
}

struct iked_config *iked_config_parse_text(const char *path, const char *text,
					   char *err, size_t errlen)
{
	struct parser ps = {
		.file = path, .p = text, .line = 1, .err = err,
		.errlen = errlen,
	};

	if (errlen)
		err[0] = '\0';
	ps.conf = calloc(1, sizeof(*ps.conf));
	if (!ps.conf) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	snprintf(ps.conf->path, sizeof(ps.conf->path), "%s", path);
	snprintf(ps.conf->control, sizeof(ps.conf->control), "%s",
		 IKED_CONTROL_DEFAULT);
	ps.conf->log_level = LOG_INFO;
	ps.conf->cookie_threshold = IKED_COOKIE_THRESHOLD;
	ps.conf->initiate_limit = IKED_INITIATE_LIMIT;
	ps.conf->fragment_size = IKED_FRAGMENT_SIZE;
	if (parse_top(&ps) || resolve(&ps) ||
	    check_tunnels(&ps)) {
		iked_config_free(ps.conf);
		ps.conf = NULL;
	}
	OPENSSL_cleanse(&ps.peek, sizeof(ps.peek));
	free(ps.refs);
	free(ps.start_lines);
	return ps.conf;
}

struct iked_config *iked_config_load(const char *path, char *err,
				     size_t errlen)
{
	struct iked_config *conf;
	char *text = NULL;
	size_t len = 0, cap = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t n;

		if (cap - len < 4096) {
			char *t = realloc(text, cap + 65536);

			if (!t) {
				snprintf(err, errlen, "%s: out of memory", path);
				conf = NULL;
				goto out;
			}
			text = t;
			cap += 65536;
		}
		n = fread(text + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		conf = NULL;
		goto out;
	}
	text[len] = '\0';
	if (strlen(text) != len) {
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		conf = NULL;
		goto out;
	}
	conf = iked_config_parse_text(path, text, err, errlen);
out:
	if (text) {
		/* It holds PSKs. */
		OPENSSL_cleanse(text, cap);
		free(text);
	}
	fclose(f);
	return conf;
}

void iked_config_free(struct iked_config *conf)
{
	int i;

	if (!conf)
		return;
	for (i = 0; i < conf->n_ike; i++)
		free(conf->ike[i]);
	for (i = 0; i < conf->n_ipsec; i++)
		free(conf->ipsec[i]);
	for (i = 0; i < conf->n_gw; i++) {
		if (conf->gw[i])
			OPENSSL_cleanse(conf->gw[i], sizeof(*conf->gw[i]));
		free(conf->gw[i]);
	}
	for (i = 0; i < conf->n_tun; i++)
		free(conf->tun[i]);
	free(conf->ike);
	free(conf->ipsec);
	free(conf->gw);
	free(conf->tun);
	free(conf);
}

const struct iked_tunnel *iked_config_tunnel(const struct iked_config *conf,
					     const char *name)
{
	int i;

	for (i = 0; conf && i < conf->n_tun; i++)
		if (conf->tun[i] && !strcmp(conf->tun[i]->name, name))
			return conf->tun[i];
	return NULL;
}

/* The object of @old equal to @obj, taken out of @old; or NULL. */
static void *take_equal(const void *obj, void **old, int n_old, size_t size)
{
	void *o;
	int j;

	for (j = 0; j < n_old; j++) {
		if (!old[j] || memcmp(old[j], obj, size))
			continue;
		o = old[j];
		old[j] = NULL;
		return o;
	}
	return NULL;
}

/*
 * Objects of @nw equal to those of @old are replaced by the old ones, so
 * that what the engine points at stays valid; references are redirected,
 * profiles first, then gateways, then tunnels (compared with the pointers
 * redirected). A tunnel whose old object survives is kept up. What moved
 * is NULL in @old.
 */
void iked_config_adopt(struct iked_config *nw, struct iked_config *old,
		       bool *kept)
{
	int i, k;

	for (i = 0; i < nw->n_ike; i++) {
		struct iked_ike_profile *o = take_equal(nw->ike[i],
			(void **)old->ike, old->n_ike, sizeof(*o));

		if (!o)
			continue;
		for (k = 0; k < nw->n_gw; k++)
			if (nw->gw[k]->ike == nw->ike[i])
				nw->gw[k]->ike = o;
		free(nw->ike[i]);
		nw->ike[i] = o;
	}
	for (i = 0; i < nw->n_ipsec; i++) {
		struct iked_ipsec_profile *o = take_equal(nw->ipsec[i],
			(void **)old->ipsec, old->n_ipsec, sizeof(*o));

		if (!o)
			continue;
		for (k = 0; k < nw->n_tun; k++)
			if (nw->tun[k]->ipsec == nw->ipsec[i])
				nw->tun[k]->ipsec = o;
		free(nw->ipsec[i]);
		nw->ipsec[i] = o;
	}
	for (i = 0; i < nw->n_gw; i++) {
		struct iked_gateway *o = take_equal(nw->gw[i],
			(void **)old->gw, old->n_gw, sizeof(*o));

		if (!o)
			continue;
		for (k = 0; k < nw->n_tun; k++)
			if (nw->tun[k]->gw == nw->gw[i])
				nw->tun[k]->gw = o;
		OPENSSL_cleanse(nw->gw[i], sizeof(*nw->gw[i]));
		free(nw->gw[i]);
		nw->gw[i] = o;
	}
	for (i = 0; i < nw->n_tun; i++) {
		struct iked_tunnel *t = nw->tun[i], *o;

		/* ifindex is state, not configuration. */
		for (k = 0; k < old->n_tun; k++)
			if (old->tun[k] && !strcmp(old->tun[k]->name, t->name))
				t->ifindex = old->tun[k]->ifindex;
		o = take_equal(t, (void **)old->tun, old->n_tun, sizeof(*o));
		kept[i] = o != NULL;
		if (!o) {
			t->ifindex = 0;
			continue;
		}
		free(t);
		nw->tun[i] = o;
	}
}

bool iked_tunnel_same(const struct iked_tunnel *a,
		      const struct iked_tunnel *b)
{
	struct iked_tunnel ta = *a, tb = *b;
	struct iked_gateway *ga, *gb;
	bool same;

	ta.gw = tb.gw = NULL;
	ta.ipsec = tb.ipsec = NULL;
	ta.ifindex = tb.ifindex = 0;
	if (memcmp(&ta, &tb, sizeof(ta)) ||
	    memcmp(a->ipsec, b->ipsec, sizeof(*a->ipsec)) ||
	    memcmp(a->gw->ike, b->gw->ike, sizeof(*a->gw->ike)))
		return false;
	ga = malloc(sizeof(*ga));
	gb = malloc(sizeof(*gb));
	if (!ga || !gb) {
		free(ga);
		free(gb);
		return false;
	}
	*ga = *a->gw;
	*gb = *b->gw;
	ga->ike = gb->ike = NULL;
	same = !memcmp(ga, gb, sizeof(*ga));
	OPENSSL_cleanse(ga, sizeof(*ga));
	OPENSSL_cleanse(gb, sizeof(*gb));
	free(ga);
	free(gb);
	return same;
}
