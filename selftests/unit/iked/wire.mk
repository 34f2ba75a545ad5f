# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of vtun-iked's wire code (msg.c, crypto.c, auth.c), included by
# ../Makefile: built optimised and under ASan and UBSan, run by `make run`.
# They need OpenSSL 3 (libssl-dev).

IKED ?= ../../userspace/iked
IKED_WIRE_SRCS := $(IKED)/msg.c $(IKED)/crypto.c $(IKED)/auth.c
IKED_WIRE_DEPS := $(IKED_WIRE_SRCS) $(IKED)/ikev2.h $(IKED)/iked.h \
		  $(IKED)/msg.h $(IKED)/crypto.h $(IKED)/auth.h \
		  iked/test.h iked/vectors.h
IKED_WIRE_TESTS := iked/msg_test iked/crypto_test iked/auth_test
IKED_WIRE_CPPFLAGS := -D_GNU_SOURCE -I$(IKED)
IKED_WIRE_LIBS := $(shell pkg-config --libs libcrypto 2>/dev/null || \
		    echo -lcrypto)

$(IKED_WIRE_TESTS): iked/%: iked/%.c $(IKED_WIRE_DEPS)
	$(CC) $(IKED_WIRE_CPPFLAGS) $(CFLAGS) -O2 -o $@ $< $(IKED_WIRE_SRCS) \
		$(IKED_WIRE_LIBS)

$(IKED_WIRE_TESTS:%=%-san): iked/%-san: iked/%.c $(IKED_WIRE_DEPS)
	$(CC) $(IKED_WIRE_CPPFLAGS) $(CFLAGS) $(SANITIZE) -o $@ $< \
		$(IKED_WIRE_SRCS) $(IKED_WIRE_LIBS)

iked-wire-run: $(IKED_WIRE_TESTS) $(IKED_WIRE_TESTS:%=%-san)
	set -e; for t in $(IKED_WIRE_TESTS); do ./$$t; ./$$t-san; done

run: iked-wire-run

clean: iked-wire-clean
iked-wire-clean:
	rm -f $(IKED_WIRE_TESTS) $(IKED_WIRE_TESTS:%=%-san)

.PHONY: iked-wire-run iked-wire-clean
