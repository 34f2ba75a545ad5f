# SPDX-License-Identifier: GPL-2.0
#
# The IKEv2 engine's sources (everything of iked.h's "engine" side, none of
# the daemon's I/O): one list for the daemon and for every unit test and
# fuzz harness that links the engine. Set IKED to this directory first.
IKED_ENGINE_FILES := ikesa.c child.c rekey.c proposal.c natt.c dpd.c \
		     contact.c cookie.c frag.c pace.c msg.c crypto.c auth.c addr.c
IKED_ENGINE_SRCS := $(addprefix $(IKED)/,$(IKED_ENGINE_FILES))
