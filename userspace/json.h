/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny JSON writer for stdout (or another stream): one value per run, keys in objects,
 * none in arrays.
 */
#ifndef _VTUN_JSON_H
#define _VTUN_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

void json_begin(bool pretty);
void json_begin_file(FILE *out, bool pretty);
void json_end(void);
void json_open_object(const char *key);
void json_close_object(void);
void json_open_array(const char *key);
void json_close_array(void);
void json_string(const char *key, const char *value);
void json_uint(const char *key, uint64_t value);
void json_bool(const char *key, bool value);

#endif /* _VTUN_JSON_H */
