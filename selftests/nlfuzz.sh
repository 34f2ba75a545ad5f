#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Netlink fuzzing: nlfuzz.py sends generic-netlink requests of every vtun
# op (and rtnetlink link add/change/del of the vtun kind) built from the
# YAML spec with random, boundary and malformed attributes over live
# devices, SAs, proxy IDs and monitors. First one process in each of
# NLFUZZ_NS (2) namespaces at once, with a dump of the configuration after
# every refused request that must equal the one before it, and an extack
# on every EINVAL/ERANGE; then two processes at once in one namespace.
# Afterwards the namespaces go away and the module's reference count is
# back where it started. A kernel report fails the test (the runner
# watches the log). NLFUZZ_CHECKED and NLFUZZ_COUNT set the number of
# messages of each phase per process; `make fuzz-netlink` sends 10^5 in
# all on the debug kernel.
# vtun-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

vtun_load || skip_all "cannot load vtun"
need_modules dummy || skip_all "missing modules"
python3 -c 'import yaml' 2>/dev/null || skip_all "no python3-yaml"

CHECKED=${NLFUZZ_CHECKED:-2500}
COUNT=${NLFUZZ_COUNT:-10000}
NS=${NLFUZZ_NS:-2}
FUZZ="python3 $(dirname "$0")/nlfuzz.py"
refcnt() { cat /sys/module/vtun/refcnt; }
ref0=$(refcnt)
GCM="aead rfc4106(gcm(aes)) $K20 128"

V() { ns_exec "$1" "$VTUNCTL" "${@:2}"; }
del_all() { local f; for f in "${FS[@]}"; do ip netns del "$f" || return; done; }

# fuzz_ns NS: devices with SAs, a proxy ID and a monitor in namespace NS
fuzz_ns() {
	local i
	ip -n "$1" -batch - <<-EOF2 || return
	link add ul0 type dummy
	link set ul0 up
	addr add ${UL4[0]}/24 dev ul0
	addr add ${UL6[0]}/64 dev ul0 nodad
	EOF2
	for i in 0 1 2; do
		V "$1" link add "vtf$i" local "${UL4[0]}" remote "192.0.2.$((10 + i))" &&
		ip -n "$1" link set "vtf$i" up &&
		ip -n "$1" addr add "10.77.$i.1/24" dev "vtf$i" &&
		V "$1" sa add "vtf$i" dir in spi $((0x1000 + i)) proto esp $GCM &&
		V "$1" sa add "vtf$i" dir out spi $((0x2000 + i)) proto esp $GCM ||
			return
	done
	V "$1" link add vtf6 local "${UL6[0]}" remote 2001:db8:ff::9 &&
	V "$1" proxy-id add vtf1 id 1 local 10.1.0.0/16 remote 10.2.0.0/16 &&
	V "$1" monitor add vtf0 dst 10.77.0.2 interval 500 threshold 3 &&
	[ "$(V "$1" -j show | python3 -c \
		'import json,sys; print(len(json.load(sys.stdin)))')" -ge 4 ]
}

FS=()
for ((n = 0; n < NS; n++)); do
	ns_new F || break
	FS+=("$F")
	check "setup: namespace $n, devices with SAs" fuzz_ns "$F"
done
F=${FS[0]}

# The checked phase in each namespace at once (one process each, a CPU
# each): a refusal there may change nothing, in its namespace or another.
LOG=$(mktemp -d /tmp/vtun-nlfuzz.XXXXXX)
defer rm -rf "$LOG"
pids=()
for n in "${!FS[@]}"; do
	ns_exec "${FS[$n]}" $FUZZ --check -n "$CHECKED" -s $((1 + 2 * n)) \
		>"$LOG/$n" 2>&1 &
	pids+=($!)
done
for n in "${!pids[@]}"; do
	wait "${pids[$n]}"
	rc=$?
	sed "s/^/# ns $n: /" "$LOG/$n"
	check_eq "checked phase, namespace $n: $CHECKED requests, no refusal changed state" 0 "$rc"
	check "checked phase, namespace $n: refusals were checked" \
		grep -Eq "checked [0-9]{3,}" "$LOG/$n"
	check "checked phase, namespace $n: some requests were accepted" \
		grep -Eq "accepted [1-9][0-9]+" "$LOG/$n"
done
LOG=$LOG/two

ns_exec "$F" $FUZZ --workers 2 -n "$COUNT" -s 2 >"$LOG" 2>&1
rc=$?
sed 's/^/# /' "$LOG"
check_eq "two processes: $COUNT requests each, replies all well-formed" 0 "$rc"
check_eq "two processes: both finished" 2 "$(grep -c '^worker [01]: sent' "$LOG")"

check "vtun devices still answer a dump" V "$F" -j -s show
check "the namespaces go away" del_all
_T_NS=()
check "module refcount back to its start value" \
	retry 50 sh -c "[ \"\$(cat /sys/module/vtun/refcnt)\" = $ref0 ]"
tap_done
