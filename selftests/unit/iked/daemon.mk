# SPDX-License-Identifier: GPL-2.0
#
# Unit tests of vtun-iked's loop, UDP sockets and control socket with a
# fake engine, included by ../Makefile: optimised and under ASan and UBSan.

IKED ?= ../../userspace/iked
IKED_DAEMON_SRCS := iked/daemon_test.c $(IKED)/loop.c $(IKED)/net.c \
		    $(IKED)/control.c $(IKED)/config.c $(IKED)/crypto.c \
		    $(IKED)/addr.c ../../userspace/json.c
IKED_DAEMON_DEPS := $(IKED_DAEMON_SRCS) $(wildcard $(IKED)/*.h) iked/daemon_check.h
IKED_DAEMON_CPPFLAGS := -D_GNU_SOURCE -I$(IKED) -I../../userspace -I../../uapi
IKED_DAEMON_LIBS := $(shell pkg-config --libs libcrypto 2>/dev/null || \
		      echo -lcrypto)

iked/daemon_test: $(IKED_DAEMON_DEPS)
	$(CC) $(IKED_DAEMON_CPPFLAGS) $(CFLAGS) -O2 -o $@ $(IKED_DAEMON_SRCS) \
		$(IKED_DAEMON_LIBS)

iked/daemon_test-san: $(IKED_DAEMON_DEPS)
	$(CC) $(IKED_DAEMON_CPPFLAGS) $(CFLAGS) $(SANITIZE) -o $@ \
		$(IKED_DAEMON_SRCS) $(IKED_DAEMON_LIBS)

iked-daemon-run: iked/daemon_test iked/daemon_test-san
	./iked/daemon_test
	./iked/daemon_test-san

run: iked-daemon-run

clean: iked-daemon-clean
iked-daemon-clean:
	rm -f iked/daemon_test iked/daemon_test-san

.PHONY: iked-daemon-run iked-daemon-clean
