# SPDX-License-Identifier: GPL-2.0
#
# lib.sh -- helpers for vtun selftests.
#
# Contract for a test script selftests/<name>.sh:
#  - It is listed in TEST_PROGS in selftests/Makefile and starts with
#        . "$(dirname "$0")/lib.sh"
#  - vm/run.sh runs it as root inside a QEMU guest (whose root is the host's,
#    read-only under a tmpfs overlay), in an empty temporary directory, with
#    stdin from /dev/null and these set:
#        VTUN_TOP     the repository        VTUN_KO      the built vtun.ko
#        VTUN_KERNEL  "6.1" or "6.12"       VTUN_GUEST   1
#  - It prints kselftest lines on stdout: "ok N - desc", "not ok N - desc",
#    "ok N - desc # SKIP reason" and "# diagnostics". Other output is shown
#    as diagnostics. Use the check* helpers below rather than printing.
#  - It ends with "tap_done" (exit status 0 iff nothing failed; 4 if all
#    was skipped). Run-time limit: TIMEOUT (300 s) unless the script has a
#    line "# vtun-timeout: SECONDS".
#  - Kernel log lines with WARNING:, BUG:, Oops, KASAN, UBSAN, lockdep or
#    kmemleak reports (among others) during the test fail it, as do a guest
#    crash or hang. After the last test, "rmmod vtun" must succeed.
#  - It works in namespaces made by ns_new (deleted at exit) and must not
#    change the guest's initial namespace. Register other cleanup with defer.
#  - Anything else it needs from the host (strongswan, nft, iperf3, ...) is
#    there because the guest sees the host root; deps.sh installs it.
#
# Helpers:
#   vtun_load / vtun_unload       insmod $VTUN_KO (with its deps) / rmmod
#   need_modules MOD...           modprobe in-tree modules (vrf, veth, ...)
#   ns_new VAR                    new netns, name stored in $VAR, lo up
#   ns_exec NS CMD...             run in netns
#   veth_pair NS1 IF1 NS2 IF2     veth between namespaces, both ends up
#   check DESC CMD...             ok if CMD succeeds
#   check_fail DESC CMD...        ok if CMD fails
#   check_err DESC SUBSTR CMD...  ok if CMD fails and its output has SUBSTR
#   check_eq DESC EXPECTED ACTUAL ok if equal
#   pass DESC / fail DESC         record a result decided by the test
#   skip DESC REASON              record a skipped check
#   skip_all REASON               skip the whole script and exit
#   diag MSG...                   "# MSG"
#   defer CMD...                  run CMD at exit (last registered first)
#   retry SECONDS CMD...          rerun CMD every 0.1 s until it succeeds,
#                                 for SECONDS times VTUN_SLOW at most
#   par_run CMD...                run CMD (checks in namespaces of its own)
#                                 in the background, at most VTUN_JOBS
#                                 (twice the CPUs) at a time
#   par_wait                      wait for them and report their results,
#                                 in par_run order
#   tap_done                      print the tally, return the exit status
#   kmalloc_kb                    KiB in the kmalloc caches, their free
#                                 slabs given back first (leak checks)
# Variables: VTUNCTL, VTUN_IKED (userspace tools), KSFT_SKIP=4.

VTUN_TOP=${VTUN_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
VTUNCTL=${VTUNCTL:-$VTUN_TOP/userspace/vtunctl}
VTUN_IKED=${VTUN_IKED:-$VTUN_TOP/userspace/vtun-iked}
KSFT_SKIP=4
# iproute2 finds the link_vtun.so plugin here.
[ -e "$VTUN_TOP/userspace/link_vtun.so" ] && export IP_LIB_DIR=$VTUN_TOP/userspace

_T_N=0 _T_PASS=0 _T_FAIL=0 _T_SKIP=0
_T_NS=()
_T_DEFER=()
_T_OUT=$(mktemp /tmp/vtun-test.XXXXXX)

diag() { echo "# $*"; }

_t_result() { # OK DESC [DIRECTIVE]
	_T_N=$((_T_N + 1))
	if [ "$1" = 1 ]; then
		echo "ok $_T_N - $2${3:+ # $3}"
	else
		echo "not ok $_T_N - $2"
	fi
}

_t_pass() { _T_PASS=$((_T_PASS + 1)); _t_result 1 "$1"; }
pass() { _t_pass "$1"; }
fail() { : >"$_T_OUT"; _t_fail "$1"; }

_t_fail() { # DESC [CMD...]: report a failure with the command's output
	local desc=$1
	shift
	_T_FAIL=$((_T_FAIL + 1))
	_t_result 0 "$desc"
	[ $# -gt 0 ] && diag "command: $*"
	sed 's/^/#   /' "$_T_OUT" | head -n 50
}

# Run a command, output to $_T_OUT; sets _T_RC.
_t_run() { "$@" >"$_T_OUT" 2>&1; _T_RC=$?; }

check() {
	local desc=$1
	shift
	_t_run "$@"
	if [ $_T_RC = 0 ]; then _t_pass "$desc"; else
		echo "exit status $_T_RC" >>"$_T_OUT"
		_t_fail "$desc" "$@"
	fi
}

check_fail() {
	local desc=$1
	shift
	_t_run "$@"
	if [ $_T_RC != 0 ]; then _t_pass "$desc"; else
		echo "succeeded, expected failure" >>"$_T_OUT"
		_t_fail "$desc" "$@"
	fi
}

check_err() {
	local desc=$1 want=$2
	shift 2
	_t_run "$@"
	if [ $_T_RC != 0 ] && grep -qF -- "$want" "$_T_OUT"; then
		_t_pass "$desc"
	else
		echo "exit status $_T_RC, expected failure with: $want" >>"$_T_OUT"
		_t_fail "$desc" "$@"
	fi
}

check_eq() {
	if [ "$2" = "$3" ]; then _t_pass "$1"; else
		printf 'expected: %s\nactual:   %s\n' "$2" "$3" >"$_T_OUT"
		_t_fail "$1"
	fi
}

skip() {
	_T_SKIP=$((_T_SKIP + 1))
	_t_result 1 "$1" "SKIP $2"
}

skip_all() {
	skip "$(basename "$0" .sh)" "$1"
	tap_done
	exit $KSFT_SKIP
}

tap_done() {
	diag "$_T_PASS passed, $_T_FAIL failed, $_T_SKIP skipped"
	[ "$_T_FAIL" = 0 ] || return 1
	[ "$_T_PASS" = 0 ] && [ "$_T_SKIP" != 0 ] && return $KSFT_SKIP
	return 0
}

# How many times slower than Debian's kernels the guest's kernel is (the
# debug kernel: several, set by vm/run.sh): waits for something to happen
# and the scheduling slack of timing checks are multiplied by it.
VTUN_SLOW=${VTUN_SLOW:-1}
export VTUN_SLOW

retry() {
	local end=$((SECONDS + $1 * VTUN_SLOW))
	shift
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

defer() { _T_DEFER=("$(printf '%q ' "$@")" "${_T_DEFER[@]}"); }

# Independent checks run side by side: a TCG guest is slow but has more
# than one CPU, and much of a check is waiting (programs read over 9p,
# ping intervals). Each job has its own result file, replayed by par_wait.
VTUN_JOBS=${VTUN_JOBS:-$(($(nproc) * 2))}
_T_PAR=() _T_PARPID=()
_t_par_job() { # in a subshell: its own namespaces, deferred commands, output
	_T_NS=() _T_DEFER=() _T_N=0 _T_FAIL=0
	_T_OUT=$(mktemp /tmp/vtun-test.XXXXXX)
	trap _t_cleanup EXIT
	"$@"
}

par_run() {
	local f p n
	f=$(mktemp /tmp/vtun-par.XXXXXX)
	_T_PAR+=("$f")
	(_t_par_job "$@") >"$f" 2>&1 &
	_T_PARPID+=($!)
	while :; do
		n=0
		for p in "${_T_PARPID[@]}"; do
			kill -0 "$p" 2>/dev/null && n=$((n + 1))
		done
		[ "$n" -lt "$VTUN_JOBS" ] && break
		wait -n "${_T_PARPID[@]}" 2>/dev/null || sleep 0.1
	done
}

par_wait() {
	local f line re='^(not )?ok [0-9]+ - (.*)$' desc
	wait "${_T_PARPID[@]}"
	for f in "${_T_PAR[@]}"; do
		while IFS= read -r line; do
			if ! [[ $line =~ $re ]]; then
				echo "$line"
				continue
			fi
			desc=${BASH_REMATCH[2]}
			if [ -n "${BASH_REMATCH[1]}" ]; then
				_T_FAIL=$((_T_FAIL + 1))
				_t_result 0 "$desc"
			elif [[ $desc == *" # SKIP "* ]]; then
				_T_SKIP=$((_T_SKIP + 1))
				_t_result 1 "${desc%% # SKIP *}" "SKIP ${desc#* # SKIP }"
			else
				_t_pass "$desc"
			fi
		done <"$f"
		rm -f "$f"
	done
	_T_PAR=() _T_PARPID=()
}

# Free objects held in per-CPU slabs count as active in slabinfo: shrink
# the caches first so that the sum is what is in use.
kmalloc_kb() {
	local f
	for f in /sys/kernel/slab/kmalloc-*/shrink; do echo 1 >"$f"; done 2>/dev/null
	awk '$1 ~ /kmalloc-/ { s += $2 * $4 } END { print int(s / 1024) }' /proc/slabinfo
}

need_modules() {
	local m rc=0
	for m in "$@"; do
		modprobe "$m" 2>"$_T_OUT" || { diag "modprobe $m failed: $(cat "$_T_OUT")"; rc=1; }
	done
	return $rc
}

vtun_load() {
	[ -d /sys/module/vtun ] && return 0
	if [ -z "${VTUN_KO:-}" ] || [ ! -f "$VTUN_KO" ]; then
		modprobe vtun
		return
	fi
	local deps
	deps=$(modinfo -F depends "$VTUN_KO")
	# shellcheck disable=SC2086 # a list
	[ -z "$deps" ] || need_modules ${deps//,/ } || return
	insmod "$VTUN_KO" "$@"
}

vtun_unload() {
	[ -d /sys/module/vtun ] || return 0
	rmmod vtun
}

# Unique names: the (sub)shell's pid and a counter, not $RANDOM (par_run's
# subshells make hundreds side by side), past any an earlier shell with the
# same pid left.
_T_NSSEQ=0
ns_new() {
	local name
	while :; do
		name=vtun-$1-$BASHPID-$((++_T_NSSEQ))
		[ -e "/run/netns/$name" ] || break
	done
	ip netns add "$name" || return
	_T_NS+=("$name")
	ip -n "$name" link set lo up
	printf -v "$1" %s "$name"
}

ns_exec() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# pkt_capture NS ARGS...: pkt.py capture ARGS in NS, in the background (its
# pid in CAP_PID: wait for it), once its packet socket is bound.
pkt_capture() {
	local ns=$1 out
	shift
	out=$(mktemp /tmp/vtun-cap.XXXXXX)
	ns_exec "$ns" python3 "$VTUN_TOP/selftests/pkt.py" capture "$@" >"$out" &
	CAP_PID=$!
	retry 10 grep -q ready "$out"
	rm -f "$out"
}

veth_pair() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
		ip -n "$1" link set "$2" up &&
		ip -n "$3" link set "$4" up
}

_t_cleanup() {
	local c ns
	for c in "${_T_DEFER[@]}"; do
		eval "$c" >/dev/null 2>&1
	done
	for ns in "${_T_NS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -f "$_T_OUT"
}
trap _t_cleanup EXIT
