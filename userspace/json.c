// SPDX-License-Identifier: GPL-2.0
/*
 * A tiny JSON writer for stdout, or for any stream (the control socket of
 * vtun-iked).
 */

#include <inttypes.h>
#include <stdio.h>

#include "json.h"

#define JSON_MAX_DEPTH 16

static struct {
	FILE *out;
	bool pretty;
	int depth;
	bool first[JSON_MAX_DEPTH];
} jw;

static void indent(void)
{
	int i;

	if (!jw.pretty)
		return;
	fputc('\n', jw.out);
	for (i = 0; i < jw.depth; i++)
		fputs("    ", jw.out);
}

static void put_string(const char *s)
{
	fputc('"', jw.out);
	for (; *s; s++) {
		unsigned char c = *s;

		switch (c) {
		case '"':
			fputs("\\\"", jw.out);
			break;
		case '\\':
			fputs("\\\\", jw.out);
			break;
		case '\n':
			fputs("\\n", jw.out);
			break;
		case '\t':
			fputs("\\t", jw.out);
			break;
		default:
			if (c < 0x20)
				fprintf(jw.out, "\\u%04x", c);
			else
				fputc(c, jw.out);
		}
	}
	fputc('"', jw.out);
}

/* Separator, indentation and key before a value. */
static void member(const char *key)
{
	if (jw.depth > 0) {
		if (!jw.first[jw.depth])
			fputc(',', jw.out);
		jw.first[jw.depth] = false;
		indent();
	}
	if (key) {
		put_string(key);
		fputs(jw.pretty ? ": " : ":", jw.out);
	}
}

void json_begin(bool pretty)
{
	json_begin_file(stdout, pretty);
}

void json_begin_file(FILE *out, bool pretty)
{
	jw.out = out;
	jw.pretty = pretty;
	jw.depth = 0;
}

void json_end(void)
{
	fputc('\n', jw.out);
	fflush(jw.out);
}

static void json_open(const char *key, char c)
{
	member(key);
	fputc(c, jw.out);
	if (jw.depth < JSON_MAX_DEPTH - 1)
		jw.depth++;
	jw.first[jw.depth] = true;
}

static void json_close(char c)
{
	bool empty = jw.first[jw.depth];

	if (jw.depth > 0)
		jw.depth--;
	if (!empty)
		indent();
	fputc(c, jw.out);
}

void json_open_object(const char *key) { json_open(key, '{'); }
void json_close_object(void) { json_close('}'); }
void json_open_array(const char *key) { json_open(key, '['); }
void json_close_array(void) { json_close(']'); }

void json_string(const char *key, const char *value)
{
	member(key);
	put_string(value);
}

void json_uint(const char *key, uint64_t value)
{
	member(key);
	fprintf(jw.out, "%" PRIu64, value);
}

void json_bool(const char *key, bool value)
{
	member(key);
	fputs(value ? "true" : "false", jw.out);
}
