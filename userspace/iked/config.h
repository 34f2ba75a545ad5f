/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /etc/vtun/iked.conf: parse it into a struct iked_config (iked.h).
 * Documentation/vtun-iked.rst describes the format.
 */
#ifndef _VTUN_IKED_CONFIG_H
#define _VTUN_IKED_CONFIG_H

#include "iked.h"

#define IKED_CONF_DEFAULT	"/etc/vtun/iked.conf"
#define IKED_CONTROL_DEFAULT	"/run/vtun-iked.sock"

/*
 * Parse @path (or, for parse_text, @text named @path in messages). On error
 * return NULL with "FILE:LINE: message" in @err.
 */
struct iked_config *iked_config_load(const char *path, char *err,
				     size_t errlen);
struct iked_config *iked_config_parse_text(const char *path, const char *text,
					   char *err, size_t errlen);
/* Frees everything; keys (PSKs) are cleansed first. NULL is fine. */
void iked_config_free(struct iked_config *conf);

const struct iked_tunnel *iked_config_tunnel(const struct iked_config *conf,
					     const char *name);

/*
 * Whether two tunnels (of two configurations) are configured alike: the
 * tunnel, its gateway and both profiles. A reload keeps such tunnels up.
 */
bool iked_tunnel_same(const struct iked_tunnel *a,
		      const struct iked_tunnel *b);

/*
 * A reload: objects of @nw equal to objects of @old (profiles, gateways,
 * tunnels) are replaced by those old objects, which move to @nw (and are
 * NULL in @old), so that pointers the engine holds stay valid.
 * @kept[i] says whether @nw's tunnel i is such an old one. Then
 * iked_config_free(@old) frees what is left of it.
 */
void iked_config_adopt(struct iked_config *nw, struct iked_config *old,
		       bool *kept);

#endif /* _VTUN_IKED_CONFIG_H */
