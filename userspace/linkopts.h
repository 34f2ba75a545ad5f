/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Link keywords shared by vtunctl and the iproute2 plugin: parsing them
 * into IFLA_VTUN_* attributes, and the names of enumerated values.
 */
#ifndef _VTUN_LINKOPTS_H
#define _VTUN_LINKOPTS_H

#include <stddef.h>
#include <stdio.h>

/* Append one attribute to the request being built. */
typedef int (*vtun_put_attr_fn)(void *ctx, unsigned short type,
				const void *data, size_t len);

/*
 * Parse "local ADDR remote ADDR underlay DEV zone NAME mode M gre on|off
 * copy-tos on|off ttl N|inherit df D encap udp|none encap-sport N
 * encap-dport N keepalive N on-demand on|off" (any subset, any order).
 * Prints a message and returns -1 on a bad or unknown keyword.
 */
int vtun_parse_link_opts(int argc, char **argv, vtun_put_attr_fn put,
			 void *ctx);

/* The keyword list, for help texts. */
void vtun_link_opts_usage(FILE *f, const char *indent);

const char *vtun_mode_name(unsigned int mode);
const char *vtun_df_name(unsigned int df);
const char *vtun_encap_name(unsigned int encap);
const char *vtun_dir_name(unsigned int dir);
const char *vtun_proto_name(unsigned int proto);

/* Format a 4- or 16-byte address; NULL for another length. */
const char *vtun_addr_ntop(const void *addr, size_t len, char *buf,
			   size_t size);

#endif /* _VTUN_LINKOPTS_H */
