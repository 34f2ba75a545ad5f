// SPDX-License-Identifier: GPL-2.0
/*
 * A tiny JSON writer for stdout.
 */

#include <inttypes.h>
#include <stdio.h>

#include "json.h"

#define JSON_MAX_DEPTH 16

static struct {
	bool pretty;
	int depth;
	bool first[JSON_MAX_DEPTH];
} jw;

static void indent(void)
{
	int i;

	if (!jw.pretty)
		return;
	putchar('\n');
	for (i = 0; i < jw.depth; i++)
		fputs("    ", stdout);
}

static void put_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		switch (c) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (c < 0x20)
				printf("\\u%04x", c);
			else
				putchar(c);
		}
	}
	putchar('"');
}

/* Separator, indentation and key before a value. */
static void member(const char *key)
{
	if (jw.depth > 0) {
		if (!jw.first[jw.depth])
			putchar(',');
		jw.first[jw.depth] = false;
		indent();
	}
	if (key) {
		put_string(key);
		fputs(jw.pretty ? ": " : ":", stdout);
	}
}

void json_begin(bool pretty)
{
	jw.pretty = pretty;
	jw.depth = 0;
}

void json_end(void)
{
	putchar('\n');
	fflush(stdout);
}

static void json_open(const char *key, char c)
{
	member(key);
	putchar(c);
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
	putchar(c);
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
	printf("%" PRIu64, value);
}

void json_bool(const char *key, bool value)
{
	member(key);
	fputs(value ? "true" : "false", stdout);
}
