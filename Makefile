# SPDX-License-Identifier: GPL-2.0
#
# make              build the module (against KDIR) and the userspace tools
# make check        the test suite: unit tests, then the selftests in QEMU
#                   guests on 6.1 and 6.12 (installs what it needs)
# make check-debug  the selftests on a 6.12 debug kernel (KASAN, lockdep,
#                   kmemleak, UBSAN, ...), built once and cached; TESTS=...
# make demo         show a tunnel carrying traffic between two sites
# make soak         selftests/soak.sh for SOAK_SECS (3600) on KERNELS (6.12)
# make fuzz-packets the packet fuzzer (selftests/pktfuzz.sh) with 10^5
#                   datagrams, IPv4 and IPv6 outer, on the 6.12 debug kernel
#                   (KERNELS=, PKTFUZZ_COUNT=, PKTFUZZ_V6=0 for IPv4 only)
# make bench        compare throughput with xfrm interfaces and WireGuard
# make bench-ike    IKE at scale: 200 tunnels, vtun-iked beside strongSwan
# make lint         checkpatch, sparse and W=1 on the module
# make fuzz         fuzz vtun-iked's parser, SK decryption and ike_recv (clang
#                   libFuzzer, ASan+UBSan; RUNS=n TIME=s, selftests/fuzz)
# make spec         regenerate uapi and policies from the netlink spec

KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(lastword $(sort $(wildcard /var/cache/vtun/kernels/*/usr/src/linux-headers-*-amd64))))

all: module tools

module:
	@test -n "$(KDIR)" || { echo "no kernel build tree: set KDIR or run 'make deps'"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tools:
	$(MAKE) -C userspace

deps:
	bash selftests/vm/deps.sh

check:
	$(MAKE) -C selftests/unit
	bash selftests/vm/run.sh

check-debug:
	KERNELS=6.12-debug bash selftests/vm/run.sh

# What CI runs on the debug kernel: a set that between them reaches every
# file of the module (selftests/vm/README.md lists which test reaches
# which), with small counts, in about 10 minutes of guest time.
DEBUG_CI_TESTS := smoke nlfuzz pktfuzz
check-debug-ci:
	KERNELS=6.12-debug NLFUZZ_CHECKED=$${NLFUZZ_CHECKED:-200} \
		NLFUZZ_COUNT=$${NLFUZZ_COUNT:-600} \
		PKTFUZZ_COUNT=$${PKTFUZZ_COUNT:-1500} PKTFUZZ_V6=$${PKTFUZZ_V6:-1} \
		bash selftests/vm/run.sh $(DEBUG_CI_TESTS)

# 10^5 netlink requests: 2 x 25000 checked one by one (a namespace each),
# then 2 x 25000 from two processes at once, on the debug kernel unless
# KERNELS says otherwise.
fuzz-netlink:
	KERNELS=$${KERNELS:-6.12-debug} NLFUZZ_CHECKED=$${NLFUZZ_CHECKED:-25000} \
		NLFUZZ_COUNT=$${NLFUZZ_COUNT:-25000} \
		TIMEOUT_SCALE=$${TIMEOUT_SCALE:-60} bash selftests/vm/run.sh nlfuzz

demo:
	bash selftests/vm/run.sh --demo

# The time limit of soak.sh (150 s) scaled to SOAK_SECS.
soak:
	s=$${SOAK_SECS:-3600}; SOAK_SECS=$$s KERNELS=$${KERNELS:-6.12} \
		TIMEOUT_SCALE=$$((s / 100 + 1)) bash selftests/vm/run.sh soak

fuzz-packets:
	KERNELS=$${KERNELS:-6.12-debug} PKTFUZZ_COUNT=$${PKTFUZZ_COUNT:-100000} \
		PKTFUZZ_V6=$${PKTFUZZ_V6:-1} TIMEOUT_SCALE=$${TIMEOUT_SCALE:-20} bash selftests/vm/run.sh pktfuzz

bench:
	KERNELS=$${KERNELS:-6.12} bash selftests/vm/run.sh --bench

bench-ike:
	KERNELS=$${KERNELS:-6.12} bash selftests/vm/run.sh --script selftests/bench_ike.sh

lint:
	bash scripts/lint.sh

fuzz:
	$(MAKE) -C selftests/fuzz fuzz

spec:
	bash scripts/ynl-gen.sh

spec-check:
	bash scripts/ynl-gen.sh --check

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean || true
	$(MAKE) -C userspace clean

.PHONY: all module tools deps check check-debug check-debug-ci fuzz fuzz-netlink \
	fuzz-packets demo soak bench bench-ike lint spec spec-check clean
