// SPDX-License-Identifier: GPL-2.0
/*
 * The message decoder: header, payload chain and every payload parser of
 * msg.c (msg_parse), then the lookups the engine makes on the result.
 */
#include <errno.h>
#include <stdarg.h>

#include "fuzz.h"
#include "msg.h"

void iked_log(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_parsed p;
	struct ike_hdr h;
	int err;

	msg_peek_hdr(data, size, &h);
	err = msg_parse(&p, data, size);
	if (!err || err == -EPROTONOSUPPORT) {
		int i;

		msg_find_error(&p);
		msg_find_notify(&p, IKEV2_N_COOKIE);
		for (i = 0; i < p.n_pl; i++)
			msg_has(&p, p.pl[i].type);
		/* a decoded message must be one that was fully inside */
		if (p.len != size || p.hdr.length != size)
			__builtin_trap();
	}
	msg_parsed_free(&p);
	return 0;
}
