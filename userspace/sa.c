// SPDX-License-Identifier: GPL-2.0
/*
 * vtunctl sa add | del | show: security associations of vtun devices.
 */

#include <arpa/inet.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/vtun.h>

#include "json.h"
#include "linkopts.h"
#include "nl.h"
#include "vtunctl.h"

static void sa_usage(FILE *f)
{
	fprintf(f,
		"Usage: vtunctl sa add DEV [ dir ] { in | out } spi SPI [ proto ] { esp | ah }\n"
		"                  { aead ALG [ key ] KEY [ icv ] ICVBITS |\n"
		"                    [ enc ALG [ key ] KEY ] [ auth ALG [ key ] KEY [ [ trunc ] TRUNCBITS ] ] }\n"
		"                  [ replay-window N ] [ esn { on | off } ] [ seq N ] [ proxy-id ID ]\n"
		"                  [ standby ] [ LIMIT-LIST ]\n"
		"       vtunctl sa set DEV [ dir ] { in | out } spi SPI [ active | standby ] [ LIMIT-LIST ]\n"
		"                  [ peer ADDR ] [ port PORT ]   (the device's peer, for all its SAs)\n"
		"       vtunctl sa del DEV [ dir ] { in | out } spi SPI\n"
		"       vtunctl sa show [ DEV [ [ dir ] { in | out } spi SPI ] ]\n"
		"SPI := 256..4294967295, decimal or 0x hex\n"
		"ALG := kernel crypto name, e.g. rfc4106(gcm(aes)), cbc(aes), hmac(sha256)\n"
		"ah takes auth only: hmac(sha1|sha256|sha384|sha512), and\n"
		"  [ align8 { on | off } ]: pad its ICV to 8 bytes over IPv4 as Linux XFRM does\n"
		"KEY := 0xHEX | @FILE (hex text or raw bytes; @- reads stdin)\n"
		"LIMIT-LIST := [ LIMIT-LIST ] limit LIMIT (sa set: the whole new list)\n"
		"LIMIT := { time-soft | time-hard | time-use-soft | time-use-hard } SECONDS |\n"
		"         { byte-soft | byte-hard } SIZE | { packet-soft | packet-hard } COUNT |\n"
		"         seq-margin COUNT\n");
}

static const char *const sa_stats_names[VTUN_A_SA_STATS_MAX + 1] = {
	[VTUN_A_SA_STATS_PACKETS] = "packets",
	[VTUN_A_SA_STATS_BYTES] = "bytes",
	[VTUN_A_SA_STATS_REPLAY] = "replay",
	[VTUN_A_SA_STATS_TOO_OLD] = "too-old",
	[VTUN_A_SA_STATS_AUTH_FAILED] = "auth-failed",
	[VTUN_A_SA_STATS_BAD_TRAILER] = "bad-trailer",
	[VTUN_A_SA_STATS_SEQ] = "seq",
};

struct sa_args {
	int dir;		/* -1: not given */
	uint32_t spi;
	bool has_spi;
	int proto;		/* -1: not given */
	const char *aead, *enc, *auth;
	uint8_t aead_key[VTUN_KEY_MAX], enc_key[VTUN_KEY_MAX],
		auth_key[VTUN_KEY_MAX];
	size_t aead_key_len, enc_key_len, auth_key_len;
	uint32_t icv_bits, trunc_bits, replay_window;
	bool has_icv, has_trunc, has_replay;
	int esn;		/* -1: not given */
	int ah_align8;		/* -1: not given */
	uint64_t seq;
	bool has_seq;
	uint32_t proxy_id;
	bool has_proxy_id;
	int active;		/* -1: not given; 0 standby, 1 active */
	uint8_t peer[16];
	int peer_len;		/* 0: not given; 4 or 16 */
	uint32_t port;
	bool has_port;
	uint64_t limit[VTUN_A_SA_LIFETIME_MAX + 1];
	bool has_limit[VTUN_A_SA_LIFETIME_MAX + 1];
	bool has_limits;
};

/* ip xfrm's limit words, and the lifetime attribute each one sets. */
/* The kernel's seq-margin when none is given: not worth a word in text. */
#define SEQ_MARGIN_DEFAULT (1ULL << 20)

static const struct { const char *word; int type; } limit_words[] = {
	{ "time-soft", VTUN_A_SA_LIFETIME_SOFT_SECONDS },
	{ "time-hard", VTUN_A_SA_LIFETIME_HARD_SECONDS },
	{ "time-use-soft", VTUN_A_SA_LIFETIME_SOFT_USE_SECONDS },
	{ "time-use-hard", VTUN_A_SA_LIFETIME_HARD_USE_SECONDS },
	{ "byte-soft", VTUN_A_SA_LIFETIME_SOFT_BYTES },
	{ "byte-hard", VTUN_A_SA_LIFETIME_HARD_BYTES },
	{ "packet-soft", VTUN_A_SA_LIFETIME_SOFT_PACKETS },
	{ "packet-hard", VTUN_A_SA_LIFETIME_HARD_PACKETS },
	{ "seq-margin", VTUN_A_SA_LIFETIME_SEQ_MARGIN },
};

static void wipe_keys(struct sa_args *a)
{
	explicit_bzero(a->aead_key, sizeof(a->aead_key));
	explicit_bzero(a->enc_key, sizeof(a->enc_key));
	explicit_bzero(a->auth_key, sizeof(a->auth_key));
}

/* Leaves the keys wiped before any exit. */
static void __attribute__((noreturn)) sa_usage_error(struct sa_args *a,
						     const char *msg,
						     const char *arg)
{
	wipe_keys(a);
	if (arg)
		usage_error("%s: \"%s\"", msg, arg);
	usage_error("%s", msg);
}

static bool is_number(const char *s)
{
	uint32_t v;

	return !parse_u32(s, &v);
}

static int parse_dir(const char *s)
{
	if (!strcmp(s, "in"))
		return VTUN_DIR_IN;
	if (!strcmp(s, "out"))
		return VTUN_DIR_OUT;
	return -1;
}

static int parse_proto(const char *s)
{
	if (!strcmp(s, "esp"))
		return VTUN_PROTO_ESP;
	if (!strcmp(s, "ah"))
		return VTUN_PROTO_AH;
	return -1;
}

/* "[key] KEY" after an algorithm name; returns the arguments used. */
static int take_key(struct sa_args *a, int argc, char **argv, uint8_t *key,
		    size_t *len)
{
	int i = 0;

	if (i < argc && !strcmp(argv[i], "key"))
		i++;
	if (i >= argc)
		sa_usage_error(a, "a key is missing after", argv[-1]);
	if (parse_key(argv[i], key, len)) {
		wipe_keys(a);
		exit(EXIT_USAGE);
	}
	return i + 1;
}

/* "[word] N": an optional number; returns the arguments used. */
static int take_bits(struct sa_args *a, int argc, char **argv,
		     const char *word, uint32_t *v, bool *has, bool required)
{
	int i = 0;

	if (i < argc && !strcmp(argv[i], word)) {
		i++;
		if (i >= argc)
			sa_usage_error(a, "a number is missing after", word);
	} else if (!(i < argc && is_number(argv[i]))) {
		if (required)
			sa_usage_error(a, "a number of bits is missing after",
				       argv[-1]);
		return 0;
	}
	if (parse_u32(argv[i], v))
		sa_usage_error(a, "invalid number", argv[i]);
	*has = true;
	return i + 1;
}

/* Parse "[dir] in|out spi SPI" and, if @full, the rest of "sa add". */
/* "limit WORD N": returns the words used. */
static int take_limit(struct sa_args *a, int argc, char **argv)
{
	unsigned int i;

	if (argc < 3)
		sa_usage_error(a, "limit needs a kind and a value", NULL);
	for (i = 0; i < sizeof(limit_words) / sizeof(limit_words[0]); i++) {
		int t = limit_words[i].type;

		if (strcmp(argv[1], limit_words[i].word))
			continue;
		if (a->has_limit[t])
			sa_usage_error(a, "duplicate limit", argv[1]);
		if (parse_u64(argv[2], &a->limit[t]))
			sa_usage_error(a, "invalid limit value", argv[2]);
		a->has_limit[t] = true;
		a->has_limits = true;
		return 3;
	}
	sa_usage_error(a, "unknown limit", argv[1]);
}

enum sa_cmd { SA_ID, SA_ADD, SA_SET };

static void parse_sa_args(int argc, char **argv, struct sa_args *a,
			  enum sa_cmd cmd)
{
	bool full = cmd == SA_ADD;

	memset(a, 0, sizeof(*a));
	a->dir = a->proto = a->esn = a->ah_align8 = a->active = -1;

	while (argc > 0) {
		const char *kw = argv[0];
		int used = 1;

		if (!strcmp(kw, "dir")) {
			if (argc < 2)
				sa_usage_error(a, "argument is missing after", kw);
			if (a->dir >= 0)
				sa_usage_error(a, "duplicate", kw);
			a->dir = parse_dir(argv[1]);
			if (a->dir < 0)
				sa_usage_error(a, "dir is \"in\" or \"out\", not", argv[1]);
			used = 2;
		} else if (parse_dir(kw) >= 0) {
			if (a->dir >= 0)
				sa_usage_error(a, "duplicate direction", kw);
			a->dir = parse_dir(kw);
		} else if (!strcmp(kw, "spi")) {
			if (argc < 2)
				sa_usage_error(a, "argument is missing after", kw);
			if (a->has_spi)
				sa_usage_error(a, "duplicate", kw);
			if (parse_u32(argv[1], &a->spi))
				sa_usage_error(a, "invalid SPI", argv[1]);
			a->has_spi = true;
			used = 2;
		} else if (cmd != SA_ID && !strcmp(kw, "limit")) {
			used = take_limit(a, argc, argv);
		} else if ((cmd == SA_ADD && !strcmp(kw, "standby")) ||
			   (cmd == SA_SET && (!strcmp(kw, "standby") ||
					      !strcmp(kw, "active")))) {
			if (a->active >= 0)
				sa_usage_error(a, "duplicate", kw);
			a->active = kw[0] == 'a';
		} else if (cmd == SA_SET && !strcmp(kw, "peer")) {
			if (argc < 2)
				sa_usage_error(a, "argument is missing after", kw);
			if (a->peer_len)
				sa_usage_error(a, "duplicate", kw);
			if (inet_pton(AF_INET, argv[1], a->peer) == 1)
				a->peer_len = 4;
			else if (inet_pton(AF_INET6, argv[1], a->peer) == 1)
				a->peer_len = 16;
			else
				sa_usage_error(a, "peer is an IPv4 or IPv6 address, not", argv[1]);
			used = 2;
		} else if (cmd == SA_SET && !strcmp(kw, "port")) {
			if (argc < 2)
				sa_usage_error(a, "argument is missing after", kw);
			if (a->has_port)
				sa_usage_error(a, "duplicate", kw);
			if (parse_u32(argv[1], &a->port) || !a->port ||
			    a->port > 65535)
				sa_usage_error(a, "port is 1..65535, not", argv[1]);
			a->has_port = true;
			used = 2;
		} else if (!full) {
			sa_usage_error(a, "unexpected argument", kw);
		} else if (!strcmp(kw, "proto") || parse_proto(kw) >= 0) {
			const char *p = kw;

			if (!strcmp(kw, "proto")) {
				if (argc < 2)
					sa_usage_error(a, "argument is missing after", kw);
				p = argv[1];
				used = 2;
			}
			if (a->proto >= 0)
				sa_usage_error(a, "duplicate", "proto");
			a->proto = parse_proto(p);
			if (a->proto < 0)
				sa_usage_error(a, "proto is \"esp\" or \"ah\", not", p);
		} else if (!strcmp(kw, "aead")) {
			if (argc < 2)
				sa_usage_error(a, "argument is missing after", kw);
			if (a->aead)
				sa_usage_error(a, "duplicate", kw);
			a->aead = argv[1];
			used = 2;
			used += take_key(a, argc - used, argv + used,
					 a->aead_key, &a->aead_key_len);
			used += take_bits(a, argc - used, argv + used, "icv",
					  &a->icv_bits, &a->has_icv, true);
		} else if (!strcmp(kw, "enc")) {
			if (argc < 2)
				sa_usage_error(a, "argument is missing after", kw);
			if (a->enc)
				sa_usage_error(a, "duplicate", kw);
			a->enc = argv[1];
			used = 2;
			used += take_key(a, argc - used, argv + used,
					 a->enc_key, &a->enc_key_len);
		} else if (!strcmp(kw, "auth")) {
			if (argc < 2)
				sa_usage_error(a, "argument is missing after", kw);
			if (a->auth)
				sa_usage_error(a, "duplicate", kw);
			a->auth = argv[1];
			used = 2;
			used += take_key(a, argc - used, argv + used,
					 a->auth_key, &a->auth_key_len);
			used += take_bits(a, argc - used, argv + used, "trunc",
					  &a->trunc_bits, &a->has_trunc, false);
		} else if (!strcmp(kw, "replay-window")) {
			if (argc < 2)
				sa_usage_error(a, "argument is missing after", kw);
			if (a->has_replay)
				sa_usage_error(a, "duplicate", kw);
			if (parse_u32(argv[1], &a->replay_window))
				sa_usage_error(a, "invalid replay-window", argv[1]);
			a->has_replay = true;
			used = 2;
		} else if (!strcmp(kw, "esn") || !strcmp(kw, "align8")) {
			int *v = kw[0] == 'e' ? &a->esn : &a->ah_align8;

			if (argc < 2)
				sa_usage_error(a, "argument is missing after", kw);
			if (*v >= 0)
				sa_usage_error(a, "duplicate", kw);
			if (!strcmp(argv[1], "on"))
				*v = 1;
			else if (!strcmp(argv[1], "off"))
				*v = 0;
			else
				sa_usage_error(a, "expected \"on\" or \"off\", not", argv[1]);
			used = 2;
		} else if (!strcmp(kw, "seq")) {
			if (argc < 2)
				sa_usage_error(a, "argument is missing after", kw);
			if (a->has_seq)
				sa_usage_error(a, "duplicate", kw);
			if (parse_u64(argv[1], &a->seq))
				sa_usage_error(a, "invalid seq", argv[1]);
			a->has_seq = true;
			used = 2;
		} else if (!strcmp(kw, "proxy-id")) {
			if (argc < 2)
				sa_usage_error(a, "argument is missing after", kw);
			if (a->has_proxy_id)
				sa_usage_error(a, "duplicate", kw);
			if (parse_u32(argv[1], &a->proxy_id) ||
			    a->proxy_id > 65535)
				sa_usage_error(a, "invalid proxy-id", argv[1]);
			a->has_proxy_id = true;
			used = 2;
		} else {
			sa_usage_error(a, "unknown sa option", kw);
		}
		argc -= used;
		argv += used;
	}
	if (a->dir < 0)
		sa_usage_error(a, "the direction (in or out) is missing", NULL);
	if (!a->has_spi)
		sa_usage_error(a, "\"spi SPI\" is missing", NULL);
	if (!full)
		return;
	if (a->proto < 0)
		sa_usage_error(a, "the protocol (esp or ah) is missing", NULL);
	if (a->aead && (a->enc || a->auth))
		sa_usage_error(a, "aead excludes enc and auth", NULL);
	if (!a->aead && !a->enc && !a->auth)
		sa_usage_error(a, "an algorithm (aead, enc or auth) is missing", NULL);
}

static void put_sa_id(struct nlmsghdr *nlh, const struct sa_args *a)
{
	mnl_attr_put_u8(nlh, VTUN_A_SA_DIR, a->dir);
	mnl_attr_put_u32(nlh, VTUN_A_SA_SPI, a->spi);
}

static void put_sa(struct nlmsghdr *nlh, const struct sa_args *a)
{
	put_sa_id(nlh, a);
	mnl_attr_put_u8(nlh, VTUN_A_SA_PROTO, a->proto);
	if (a->aead) {
		mnl_attr_put_strz(nlh, VTUN_A_SA_AEAD_ALG, a->aead);
		mnl_attr_put(nlh, VTUN_A_SA_AEAD_KEY, a->aead_key_len, a->aead_key);
		if (a->has_icv)
			mnl_attr_put_u32(nlh, VTUN_A_SA_ICV_BITS, a->icv_bits);
	}
	if (a->enc) {
		mnl_attr_put_strz(nlh, VTUN_A_SA_ENC_ALG, a->enc);
		mnl_attr_put(nlh, VTUN_A_SA_ENC_KEY, a->enc_key_len, a->enc_key);
	}
	if (a->auth) {
		mnl_attr_put_strz(nlh, VTUN_A_SA_AUTH_ALG, a->auth);
		mnl_attr_put(nlh, VTUN_A_SA_AUTH_KEY, a->auth_key_len, a->auth_key);
		if (a->has_trunc)
			mnl_attr_put_u32(nlh, VTUN_A_SA_AUTH_TRUNC_BITS,
					 a->trunc_bits);
	}
	if (a->has_replay)
		mnl_attr_put_u32(nlh, VTUN_A_SA_REPLAY_WINDOW, a->replay_window);
	if (a->esn >= 0)
		mnl_attr_put_u8(nlh, VTUN_A_SA_ESN, a->esn);
	if (a->ah_align8 >= 0)
		mnl_attr_put_u8(nlh, VTUN_A_SA_AH_ALIGN8, a->ah_align8);
	if (a->has_seq)
		mnl_attr_put_u64(nlh, VTUN_A_SA_SEQ, a->seq);
	if (a->has_proxy_id)
		mnl_attr_put_u16(nlh, VTUN_A_SA_PROXY_ID, a->proxy_id);
	if (a->active == 0)
		mnl_attr_put_u8(nlh, VTUN_A_SA_STANDBY, 1);
}

static void put_limits(struct nlmsghdr *nlh, const struct sa_args *a)
{
	struct nlattr *nest;
	int t;

	if (!a->has_limits)
		return;
	nest = mnl_attr_nest_start(nlh, VTUN_A_SA_LIFETIME);
	for (t = 1; t <= VTUN_A_SA_LIFETIME_MAX; t++)
		if (a->has_limit[t])
			mnl_attr_put_u64(nlh, t, a->limit[t]);
	mnl_attr_nest_end(nlh, nest);
}

/* sa add / sa del */
static int sa_modify(uint8_t cmd, const char *dev, int argc, char **argv)
{
	/* Static: keys never linger on the stack of later calls. */
	static struct sa_args a;
	char buf[NL_BUF_SIZE];
	unsigned int ifindex;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct nl nl;
	int err;

	parse_sa_args(argc, argv, &a, cmd == VTUN_CMD_SA_NEW ? SA_ADD :
				      cmd == VTUN_CMD_SA_SET ? SA_SET : SA_ID);
	if (cmd == VTUN_CMD_SA_SET && a.active < 0 && !a.has_limits &&
	    !a.peer_len && !a.has_port)
		usage_error("sa set: nothing to change (active, standby, limit, peer, port)");
	ifindex = ifindex_of(dev);
	if (!ifindex) {
		wipe_keys(&a);
		fprintf(stderr, "Cannot find device \"%s\"\n", dev);
		return 1;
	}
	if (genl_open(&nl, VTUN_FAMILY_NAME)) {
		wipe_keys(&a);
		return 1;
	}
	nlh = genl_msg(&nl, buf, cmd, 0);
	mnl_attr_put_u32(nlh, VTUN_A_IFINDEX, ifindex);
	nest = mnl_attr_nest_start(nlh, VTUN_A_SA);
	if (cmd == VTUN_CMD_SA_NEW) {
		put_sa(nlh, &a);
	} else {
		put_sa_id(nlh, &a);
		if (cmd == VTUN_CMD_SA_SET && a.active >= 0)
			mnl_attr_put_u8(nlh, VTUN_A_SA_ACTIVE, a.active);
		if (a.peer_len)
			mnl_attr_put(nlh, VTUN_A_SA_PEER, a.peer_len, a.peer);
		if (a.has_port)
			mnl_attr_put_u16(nlh, VTUN_A_SA_PEER_PORT, a.port);
	}
	if (cmd != VTUN_CMD_SA_DEL)
		put_limits(nlh, &a);
	mnl_attr_nest_end(nlh, nest);
	wipe_keys(&a);
	err = nl_talk(&nl, nlh, NULL, NULL);
	explicit_bzero(buf, sizeof(buf));
	if (err)
		nl_perror(&nl, err, cmd == VTUN_CMD_SA_NEW ? "sa add" :
				    cmd == VTUN_CMD_SA_SET ? "sa set" : "sa del");
	nl_close(&nl);
	return err ? 1 : 0;
}

struct sa_ctx {
	uint32_t ifindex;
	const char *ifname;
};

static int sa_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= VTUN_A_SA_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static const char *sa_str(const struct nlattr *attr)
{
	if (!attr || mnl_attr_validate(attr, MNL_TYPE_NUL_STRING))
		return NULL;
	return mnl_attr_get_str(attr);
}

/* A u16 or u32 attribute. */
static bool sa_uint(const struct nlattr *attr, uint32_t *v)
{
	if (attr && !mnl_attr_validate(attr, MNL_TYPE_U32))
		*v = mnl_attr_get_u32(attr);
	else if (attr && !mnl_attr_validate(attr, MNL_TYPE_U16))
		*v = mnl_attr_get_u16(attr);
	else
		return false;
	return true;
}

static bool sa_u8(const struct nlattr *attr, uint8_t *v)
{
	if (!attr || mnl_attr_validate(attr, MNL_TYPE_U8))
		return false;
	*v = mnl_attr_get_u8(attr);
	return true;
}

/* Keys an event puts first in the SA's JSON object. */
static struct {
	const char *name, *type, *limit;
} sa_event;

static int lt_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= VTUN_A_SA_LIFETIME_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static void print_u64(const struct nlattr *attr, const char *key,
		      const char *text)
{
	uint64_t v;

	if (!attr || mnl_attr_validate(attr, MNL_TYPE_U64))
		return;
	v = mnl_attr_get_u64(attr);
	if (opt.json)
		json_uint(key, v);
	else
		printf(" %s %" PRIu64, text, v);
}

/* standby, times (with -s or -j) and limits */
static void print_sa_lifetime(const struct nlattr **tb)
{
	const struct nlattr *lt[VTUN_A_SA_LIFETIME_MAX + 1] = { NULL };
	uint8_t standby;
	unsigned int i;

	if (sa_u8(tb[VTUN_A_SA_STANDBY], &standby)) {
		if (opt.json)
			json_bool("standby", standby);
		else if (standby)
			printf(" standby");
	}
	if (opt.json || opt.stats) {
		print_u64(tb[VTUN_A_SA_ADD_TIME], "add-time", "add-time");
		print_u64(tb[VTUN_A_SA_USE_TIME], "use-time", "use-time");
		print_u64(tb[VTUN_A_SA_LAST_USED], "last-used", "last-used");
	}
	if (!tb[VTUN_A_SA_LIFETIME] ||
	    mnl_attr_validate(tb[VTUN_A_SA_LIFETIME], MNL_TYPE_NESTED) ||
	    mnl_attr_parse_nested(tb[VTUN_A_SA_LIFETIME], lt_attr_cb, lt) != MNL_CB_OK)
		return;
	if (opt.json)
		json_open_object("lifetime");
	for (i = 0; i < sizeof(limit_words) / sizeof(limit_words[0]); i++) {
		const struct nlattr *a = lt[limit_words[i].type];

		if (!a || mnl_attr_validate(a, MNL_TYPE_U64))
			continue;
		if (opt.json)
			json_uint(limit_words[i].word, mnl_attr_get_u64(a));
		else if (limit_words[i].type != VTUN_A_SA_LIFETIME_SEQ_MARGIN ||
			 mnl_attr_get_u64(a) != SEQ_MARGIN_DEFAULT)
			printf(" limit %s %" PRIu64, limit_words[i].word,
			       mnl_attr_get_u64(a));
	}
	if (opt.json)
		json_close_object();
}

/* peer-ntf: where the device's peer was seen. */
static void print_sa_peer(const struct nlattr **tb)
{
	const struct nlattr *a = tb[VTUN_A_SA_PEER];
	char buf[INET6_ADDRSTRLEN] = "?";
	uint32_t port;

	if (!a)
		return;
	if (mnl_attr_get_payload_len(a) == 4 || mnl_attr_get_payload_len(a) == 16)
		inet_ntop(mnl_attr_get_payload_len(a) == 4 ? AF_INET : AF_INET6,
			  mnl_attr_get_payload(a), buf, sizeof(buf));
	if (opt.json)
		json_string("peer", buf);
	else
		printf(" peer %s", buf);
	if (!sa_uint(tb[VTUN_A_SA_PEER_PORT], &port))
		return;
	if (opt.json)
		json_uint("peer-port", port);
	else
		printf(" peer-port %u", port);
}

static void print_sa(const struct sa_ctx *c, const struct nlattr **tb)
{
	static const struct { int type; const char *key, *text; } algs[] = {
		{ VTUN_A_SA_AEAD_ALG, "aead-alg", "aead" },
		{ VTUN_A_SA_ENC_ALG, "enc-alg", "enc" },
		{ VTUN_A_SA_AUTH_ALG, "auth-alg", "auth" },
	};
	static const struct { int type; const char *key, *text; } nums[] = {
		{ VTUN_A_SA_ICV_BITS, "icv-bits", "icv" },
		{ VTUN_A_SA_AUTH_TRUNC_BITS, "auth-trunc-bits", "trunc" },
		{ VTUN_A_SA_REPLAY_WINDOW, "replay-window", "replay-window" },
		{ VTUN_A_SA_PROXY_ID, "proxy-id", "proxy-id" },
	};
	uint32_t spi = 0, v32;
	uint8_t dir = 0, proto = 0, esn;
	bool has_dir = sa_u8(tb[VTUN_A_SA_DIR], &dir);
	bool has_proto = sa_u8(tb[VTUN_A_SA_PROTO], &proto);
	unsigned int i;

	sa_uint(tb[VTUN_A_SA_SPI], &spi);
	if (opt.json) {
		json_open_object(NULL);
		if (sa_event.name)
			json_string("event", sa_event.name);
		if (sa_event.type) {
			json_string("type", sa_event.type);
			json_string("limit", sa_event.limit);
		}
		json_uint("ifindex", c->ifindex);
		json_string("ifname", c->ifname);
		if (has_dir)
			json_string("dir", vtun_dir_name(dir));
		json_uint("spi", spi);
		if (has_proto)
			json_string("proto", vtun_proto_name(proto));
	} else {
		printf("%s %s spi 0x%08x", c->ifname,
		       has_dir ? vtun_dir_name(dir) : "?", spi);
		if (has_proto)
			printf(" %s", vtun_proto_name(proto));
	}
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		const char *s = sa_str(tb[algs[i].type]);

		if (!s)
			continue;
		if (opt.json)
			json_string(algs[i].key, s);
		else
			printf(" %s %s", algs[i].text, s);
	}
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (!sa_uint(tb[nums[i].type], &v32))
			continue;
		if (opt.json)
			json_uint(nums[i].key, v32);
		else
			printf(" %s %u", nums[i].text, v32);
	}
	if (sa_u8(tb[VTUN_A_SA_ESN], &esn)) {
		if (opt.json)
			json_bool("esn", esn);
		else
			printf(" esn %s", esn ? "on" : "off");
	}
	if (sa_u8(tb[VTUN_A_SA_AH_ALIGN8], &esn)) {
		if (opt.json)
			json_bool("ah-align8", esn);
		else
			printf(" align8 %s", esn ? "on" : "off");
	}
	if (tb[VTUN_A_SA_SEQ] && !mnl_attr_validate(tb[VTUN_A_SA_SEQ], MNL_TYPE_U64)) {
		uint64_t seq = mnl_attr_get_u64(tb[VTUN_A_SA_SEQ]);

		if (opt.json)
			json_uint("seq", seq);
		else
			printf(" seq %" PRIu64, seq);
	}
	print_sa_peer(tb);
	print_sa_lifetime(tb);
	if (!opt.json)
		putchar('\n');
	if ((opt.json || opt.stats) && tb[VTUN_A_SA_STATS] &&
	    !mnl_attr_validate(tb[VTUN_A_SA_STATS], MNL_TYPE_NESTED))
		print_counters(tb[VTUN_A_SA_STATS], "stats", sa_stats_names,
			       VTUN_A_SA_STATS_MAX, "    ");
	if (opt.json)
		json_close_object();
}

static int sa_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct sa_ctx *c = data;
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		const struct nlattr *tb[VTUN_A_SA_MAX + 1] = { NULL };

		if (mnl_attr_get_type(attr) != VTUN_A_SA ||
		    mnl_attr_validate(attr, MNL_TYPE_NESTED) ||
		    mnl_attr_parse_nested(attr, sa_attr_cb, tb) != MNL_CB_OK)
			continue;
		print_sa(c, tb);
	}
	return 0;
}

static const char *const limit_names[] = {
	[VTUN_EXPIRE_LIMIT_SECONDS] = "seconds",
	[VTUN_EXPIRE_LIMIT_USE_SECONDS] = "use-seconds",
	[VTUN_EXPIRE_LIMIT_BYTES] = "bytes",
	[VTUN_EXPIRE_LIMIT_PACKETS] = "packets",
	[VTUN_EXPIRE_LIMIT_SEQ] = "seq",
};

static int expire_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= VTUN_A_EXPIRE_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

/* "expire soft bytes " / "sa-new " before the SA as sa show prints it. */
void print_sa_event(const char *event, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[VTUN_A_SA_MAX + 1] = { NULL };
	const struct nlattr *ex[VTUN_A_EXPIRE_MAX + 1] = { NULL };
	const struct nlattr *attr, *sa = NULL, *exp = NULL;
	char name[IF_NAMESIZE] = "?";
	struct sa_ctx c = { 0, name };
	uint8_t hard = 0, limit = 0;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		int type = mnl_attr_get_type(attr);

		if (type == VTUN_A_IFINDEX && !mnl_attr_validate(attr, MNL_TYPE_U32))
			c.ifindex = mnl_attr_get_u32(attr);
		else if (type == VTUN_A_SA && !mnl_attr_validate(attr, MNL_TYPE_NESTED))
			sa = attr;
		else if (type == VTUN_A_EXPIRE && !mnl_attr_validate(attr, MNL_TYPE_NESTED))
			exp = attr;
	}
	if (!sa || mnl_attr_parse_nested(sa, sa_attr_cb, tb) != MNL_CB_OK)
		return;
	if (exp && mnl_attr_parse_nested(exp, expire_attr_cb, ex) == MNL_CB_OK) {
		sa_u8(ex[VTUN_A_EXPIRE_HARD], &hard);
		sa_u8(ex[VTUN_A_EXPIRE_LIMIT], &limit);
	}
	ifname_of(c.ifindex, name);
	if (opt.json) {
		json_begin(false);
		/* print_sa opens the object: the event's keys come first. */
		sa_event.name = event;
		if (exp) {
			sa_event.type = hard ? "hard" : "soft";
			sa_event.limit =
				limit < sizeof(limit_names) / sizeof(limit_names[0]) ?
				limit_names[limit] : "?";
		}
	} else {
		printf("%s ", event);
		if (exp)
			printf("%s %s ", hard ? "hard" : "soft",
			       limit < sizeof(limit_names) / sizeof(limit_names[0]) ?
			       limit_names[limit] : "?");
	}
	print_sa(&c, tb);
	memset(&sa_event, 0, sizeof(sa_event));
	if (opt.json)
		json_end();
	fflush(stdout);
}

static int sa_get(struct nl *nl, uint32_t ifindex, const char *ifname,
		  const void *arg)
{
	const struct sa_args *id = arg;
	struct sa_ctx c = { ifindex, ifname };
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int err;

	nlh = genl_msg(nl, buf, VTUN_CMD_SA_GET, id ? 0 : NLM_F_DUMP);
	mnl_attr_put_u32(nlh, VTUN_A_IFINDEX, ifindex);
	if (id) {
		nest = mnl_attr_nest_start(nlh, VTUN_A_SA);
		put_sa_id(nlh, id);
		mnl_attr_nest_end(nlh, nest);
	}
	err = nl_talk(nl, nlh, sa_reply_cb, &c);
	if (err)
		nl_perror(nl, err, ifname);
	nl_warn_dump(nl);
	return err;
}

static int sa_show(int argc, char **argv)
{
	struct sa_args id;

	if (argc > 1)
		parse_sa_args(argc - 1, argv + 1, &id, SA_ID);
	return show_per_dev(argc ? argv[0] : NULL, sa_get,
			    argc > 1 ? &id : NULL);
}

int do_sa(int argc, char **argv)
{
	const char *cmd;

	if (argc < 1 || matches(argv[0], "show") || matches(argv[0], "list"))
		return sa_show(argc ? argc - 1 : 0, argv + 1);
	if (matches(argv[0], "help")) {
		sa_usage(stdout);
		return 0;
	}
	cmd = argv[0];
	argc--, argv++;
	if (argc < 1)
		usage_error("\"sa %s\" needs a device name", cmd);
	if (matches(cmd, "add"))
		return sa_modify(VTUN_CMD_SA_NEW, argv[0], argc - 1, argv + 1);
	if (matches(cmd, "delete"))
		return sa_modify(VTUN_CMD_SA_DEL, argv[0], argc - 1, argv + 1);
	if (!strcmp(cmd, "set") || !strcmp(cmd, "change"))
		return sa_modify(VTUN_CMD_SA_SET, argv[0], argc - 1, argv + 1);
	usage_error("unknown command \"sa %s\"", cmd);
}

/* spi alloc DEV [ min SPI ] [ max SPI ] [ timeout SECONDS ] */
static int spi_alloc(const char *dev, int argc, char **argv)
{
	static const struct { const char *word; int type; } opts[] = {
		{ "min", VTUN_A_SPI_RANGE_SPI_MIN },
		{ "max", VTUN_A_SPI_RANGE_SPI_MAX },
		{ "timeout", VTUN_A_SPI_RANGE_TIMEOUT },
	};
	struct genl_nested_query q = {
		.outer = VTUN_A_SPI_ALLOC, .inner = VTUN_A_SPI_RANGE_SPI,
	};
	uint32_t val[3], spi;
	bool has[3] = { false };
	char buf[NL_BUF_SIZE];
	unsigned int ifindex, i;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct nl nl;
	int err;

	for (; argc > 0; argc--, argv++) {
		for (i = 0; i < 3; i++)
			if (!strcmp(argv[0], opts[i].word))
				break;
		if (i == 3)
			usage_error("unknown spi alloc option \"%s\"", argv[0]);
		if (has[i])
			duparg(opts[i].word);
		NEXT_ARG(opts[i].word);
		if (parse_u32(argv[0], &val[i]))
			invarg("a number is expected", argv[0]);
		has[i] = true;
	}
	ifindex = ifindex_of(dev);
	if (!ifindex) {
		fprintf(stderr, "Cannot find device \"%s\"\n", dev);
		return 1;
	}
	if (genl_open(&nl, VTUN_FAMILY_NAME))
		return 1;
	nlh = genl_msg(&nl, buf, VTUN_CMD_SPI_ALLOC, 0);
	mnl_attr_put_u32(nlh, VTUN_A_IFINDEX, ifindex);
	nest = mnl_attr_nest_start(nlh, VTUN_A_SPI_ALLOC);
	for (i = 0; i < 3; i++)
		if (has[i])
			mnl_attr_put_u32(nlh, opts[i].type, val[i]);
	mnl_attr_nest_end(nlh, nest);
	err = nl_talk(&nl, nlh, genl_nested_cb, &q);
	spi = q.value;
	if (err) {
		nl_perror(&nl, err, "spi alloc");
	} else if (opt.json) {
		json_begin(opt.pretty);
		json_open_object(NULL);
		json_uint("ifindex", ifindex);
		json_string("ifname", dev);
		json_uint("spi", spi);
		json_close_object();
		json_end();
	} else {
		printf("0x%08x\n", spi);
	}
	nl_close(&nl);
	return err ? 1 : 0;
}

int do_spi(int argc, char **argv)
{
	if (argc < 1 || matches(argv[0], "help")) {
		printf("Usage: vtunctl spi alloc DEV [ min SPI ] [ max SPI ] [ timeout SECONDS ]\n");
		return 0;
	}
	if (strcmp(argv[0], "alloc"))
		usage_error("unknown command \"spi %s\"", argv[0]);
	if (argc < 2)
		usage_error("\"spi alloc\" needs a device name");
	return spi_alloc(argv[1], argc - 2, argv + 2);
}
