/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtunctl: configure vtun devices and their security associations.
 */
#ifndef _VTUNCTL_H
#define _VTUNCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VTUNCTL_VERSION "0.1"

/* Exit status of a command line vtunctl does not understand. */
#define EXIT_USAGE 255

struct vtunctl_opts {
	int json;
	int pretty;
	int stats;
	const char *netns;
};

extern struct vtunctl_opts opt;

/* utils.c */
bool matches(const char *arg, const char *word);
void __attribute__((noreturn)) usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
void __attribute__((noreturn)) invarg(const char *what, const char *arg);
void __attribute__((noreturn)) missarg(const char *keyword);
void __attribute__((noreturn)) duparg(const char *keyword);
int parse_u32(const char *s, uint32_t *v);
int parse_u64(const char *s, uint64_t *v);
unsigned int ifindex_of(const char *name);
const char *ifname_of(unsigned int ifindex, char *buf);
int switch_netns(const char *name);

/* Keys: "0x" followed by hex digits, or "@FILE" ("@-": stdin). */
#define VTUN_KEY_MAX 512
int parse_key(const char *arg, uint8_t *key, size_t *len);

/* dev.c, shared with sa.c */
struct nl;
struct nlattr;
int dev_get(struct nl *nl, unsigned int ifindex,
	    void (*fn)(const struct nlattr **tb, void *data), void *data);
typedef int (*dev_show_fn)(struct nl *nl, uint32_t ifindex,
			   const char *ifname, const void *arg);
int show_per_dev(const char *name, dev_show_fn show, const void *arg);
void print_counters(const struct nlattr *nest, const char *key,
		    const char *const *names, int max, const char *indent);

/* Subcommands: each returns the process exit status. */
int do_link(int argc, char **argv);
int do_show(int argc, char **argv);
int do_sa(int argc, char **argv);
int do_proxy_id(int argc, char **argv);
int do_events(int argc, char **argv);
int do_monitor(int argc, char **argv);
int do_spi(int argc, char **argv);
int do_ike(int argc, char **argv);

/* sa.c: an SA event (expire-ntf, sa-new-ntf, sa-del-ntf) as a line */
struct nlmsghdr;
void print_sa_event(const char *event, const struct nlmsghdr *nlh);

#define NEXT_ARG(kw) do {				\
		argc--; argv++;				\
		if (argc <= 0)				\
			missarg(kw);			\
	} while (0)

#endif /* _VTUNCTL_H */
