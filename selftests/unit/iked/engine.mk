# SPDX-License-Identifier: GPL-2.0
#
# The IKEv2 engine between two instances with fake daemon services:
#	make -f engine.mk	(optimised, then ASan + UBSan)
IKED := ../../../userspace/iked
CC ?= cc
CPPFLAGS := -I$(IKED)
CFLAGS := -std=gnu11 -g -Wall -Wextra -Werror -Wshadow \
	  -Wmissing-prototypes -Wstrict-prototypes
SANITIZE := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	    -fno-sanitize-recover=all
ENGINE := $(addprefix $(IKED)/,ikesa.c child.c proposal.c msg.c crypto.c auth.c)
DEPS := engine_test.c $(ENGINE) $(wildcard $(IKED)/*.h)

all: engine-run

engine_test: $(DEPS)
	$(CC) $(CPPFLAGS) $(CFLAGS) -O2 -o $@ engine_test.c $(ENGINE) -lcrypto

engine_test-san: $(DEPS)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANITIZE) -o $@ engine_test.c $(ENGINE) -lcrypto

engine-run: engine_test engine_test-san
	./engine_test
	./engine_test-san

engine-clean:
	rm -f engine_test engine_test-san

.PHONY: all engine-run engine-clean
