# SPDX-License-Identifier: GPL-2.0
#
# The fuzz regression corpus (../fuzz/corpus/<harness>, every crash found
# included) replayed through the harnesses built with $(CC) under ASan and
# UBSan and ../fuzz/replay.c instead of libFuzzer; included by ../Makefile.
# `make fuzz` at the top fuzzes with clang (../fuzz/Makefile).

FUZZ ?= ../fuzz
IKED_FUZZ_CPPFLAGS := -D_GNU_SOURCE -I$(IKED) -I$(FUZZ)
IKED_FUZZ_LIBS := $(shell pkg-config --libs libcrypto 2>/dev/null || \
		    echo -lcrypto)
IKED_FUZZ_WIRE := $(IKED)/msg.c $(IKED)/crypto.c
include $(IKED)/engine.mk
IKED_FUZZ_ENGINE := $(IKED_ENGINE_SRCS)
IKED_FUZZ_DEPS := $(wildcard $(IKED)/*.c $(IKED)/*.h) $(FUZZ)/fuzz.h \
		  $(FUZZ)/replay.c iked/fake_services.h
IKED_FUZZ := iked/fuzz_msg-replay iked/fuzz_sk-replay iked/fuzz_ike-replay

iked/fuzz_msg-replay iked/fuzz_sk-replay: iked/%-replay: $(FUZZ)/%.c \
		$(IKED_FUZZ_DEPS)
	$(CC) $(IKED_FUZZ_CPPFLAGS) $(CFLAGS) $(SANITIZE) -o $@ $< \
		$(FUZZ)/replay.c $(IKED_FUZZ_WIRE) $(IKED_FUZZ_LIBS)

iked/fuzz_ike-replay: $(FUZZ)/fuzz_ike.c $(IKED_FUZZ_DEPS)
	$(CC) $(IKED_FUZZ_CPPFLAGS) $(CFLAGS) $(SANITIZE) -o $@ $< \
		$(FUZZ)/replay.c $(IKED_FUZZ_ENGINE) $(IKED_FUZZ_LIBS)

iked-fuzz-run: $(IKED_FUZZ)
	set -e; for t in $(IKED_FUZZ); do \
		h=$${t#iked/}; ./$$t $(FUZZ)/corpus/$${h%-replay}; done

run: iked-fuzz-run

clean: iked-fuzz-clean
iked-fuzz-clean:
	rm -f $(IKED_FUZZ)

.PHONY: iked-fuzz-run iked-fuzz-clean
