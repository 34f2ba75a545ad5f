# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of vtun-iked's engine (ikesa.c, child.c, proposal.c on the wire
# code), included by ../Makefile like wire.mk: two engine instances with fake
# daemon services, built optimised and under ASan and UBSan, run by
# `make run`. Alone: make -C .. -f iked/engine.mk iked-engine-run
#
# iked/engine_swan.sh (root, charon) is the interoperability run on the host.

IKED ?= ../../userspace/iked
CFLAGS ?= -std=gnu11 -g -Wall -Wextra -Werror -Wshadow \
	  -Wmissing-prototypes -Wstrict-prototypes
SANITIZE ?= -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	    -fno-sanitize-recover=all
include $(IKED)/engine.mk
IKED_ENGINE_DEPS := $(IKED_ENGINE_SRCS) $(wildcard $(IKED)/*.h) \
		    iked/engine_test.c iked/engine_rekey.c iked/engine_pace.c \
		    iked/fake_services.h
IKED_ENGINE_CPPFLAGS := -D_GNU_SOURCE -I$(IKED)
IKED_ENGINE_LIBS := $(shell pkg-config --libs libcrypto 2>/dev/null || \
		      echo -lcrypto) -Wl,--wrap=free

iked/engine_test: $(IKED_ENGINE_DEPS)
	$(CC) $(IKED_ENGINE_CPPFLAGS) $(CFLAGS) -O2 -o $@ iked/engine_test.c \
		$(IKED_ENGINE_SRCS) $(IKED_ENGINE_LIBS)

iked/engine_test-san: $(IKED_ENGINE_DEPS)
	$(CC) $(IKED_ENGINE_CPPFLAGS) $(CFLAGS) $(SANITIZE) -o $@ \
		iked/engine_test.c $(IKED_ENGINE_SRCS) $(IKED_ENGINE_LIBS)

iked-engine-run: iked/engine_test iked/engine_test-san
	./iked/engine_test
	./iked/engine_test-san

run: iked-engine-run

clean: iked-engine-clean
iked-engine-clean:
	rm -f iked/engine_test iked/engine_test-san

.PHONY: iked-engine-run iked-engine-clean
