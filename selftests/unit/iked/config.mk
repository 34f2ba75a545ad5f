# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of vtun-iked's configuration parser, included by ../Makefile:
# built optimised and under ASan and UBSan, run by `make run`.

IKED ?= ../../userspace/iked
IKED_CONFIG_SRCS := iked/config_test.c $(IKED)/config.c $(IKED)/crypto.c \
		    $(IKED)/addr.c
IKED_CONFIG_DEPS := $(IKED_CONFIG_SRCS) $(IKED)/config.h $(IKED)/iked.h \
		    $(IKED)/crypto.h $(IKED)/ikev2.h $(IKED)/addr.h \
		    ../../userspace/hex.h \
		    iked/daemon_check.h
IKED_CPPFLAGS := -D_GNU_SOURCE -I$(IKED) -I../../userspace -I../../uapi
IKED_LIBS := $(shell pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)

iked/config_test: $(IKED_CONFIG_DEPS)
	$(CC) $(IKED_CPPFLAGS) $(CFLAGS) -O2 -o $@ $(IKED_CONFIG_SRCS) $(IKED_LIBS)

iked/config_test-san: $(IKED_CONFIG_DEPS)
	$(CC) $(IKED_CPPFLAGS) $(CFLAGS) $(SANITIZE) -o $@ $(IKED_CONFIG_SRCS) \
		$(IKED_LIBS)

iked-config-run: iked/config_test iked/config_test-san
	./iked/config_test
	./iked/config_test-san

run: iked-config-run

clean: iked-config-clean
iked-config-clean:
	rm -f iked/config_test iked/config_test-san

.PHONY: iked-config-run iked-config-clean
