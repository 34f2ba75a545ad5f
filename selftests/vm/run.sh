#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build vtun for Debian's guest kernels and run the selftests in QEMU.
#
# usage: run.sh [TEST...]            selftests (default: TEST_PROGS)
#        run.sh --demo | --bench     run selftests/demo.sh | bench.sh
#        run.sh --script PATH        run one script, its output live
#        run.sh --build-only         compile checks only
#
# Environment:
#   KERNELS="6.1 6.12"    kernels for the full suite (6.1, 6.12, all,
#                         6.12-debug); the others get a compile check only.
#                         Debian's newest kernel always gets a compile check.
#                         6.12-debug: 6.12 with KASAN, lockdep, kmemleak...,
#                         built once by debug-kernel.sh (make check-debug)
#   ALGS_FULL=6.12        kernels that test every algorithm (or all); the
#                         others a representative subset (topo.sh ALG_QUICK)
#   TESTS="link vrf"      tests to run (names or paths; space/comma); the
#                         default, TEST_PROGS, leaves out on each kernel the
#                         scripts whose "# vtun-kernels:" line omits it
#   TIMEOUT=300           per-test timeout in seconds (guest side)
#   VM_TIMEOUT=           whole-guest timeout (default: from the tests)
#   W=1                   kbuild W= level; warnings in vtun fail "build"
#   V=1                   copy the guest console to stderr as it runs
#   VM_APPEND=            extra guest kernel command line
#   VM_FIRST_APPEND=      extra command line for each kernel's first boot
#                         only (to test the reboot after an early crash)
#   TIMEOUT_SCALE=        multiply the time limits of tests and of the boot
#                         (default 1; 6.12-debug: 4)
#   VTUN_SLOW=            multiply the tests' waits for an event and the
#                         slack of their timing checks (default 1;
#                         6.12-debug: 5)
#   VTUN_CACHE            cache dir (default /var/cache/vtun)
#   VTUN_BUILD            module build dirs (default $VTUN_CACHE/build)
#   VTUN_LOGS             guest logs (default selftests/vm/logs)
#
# Prints kselftest TAP on stdout ending with "N passed, N failed";
# exits non-zero on any failure. Guest logs: selftests/vm/logs/<kernel>/.

set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=selftests/vm/klog.sh
. "$HERE/klog.sh"
TOP=$(cd "$HERE/../.." && pwd)
CACHE=${VTUN_CACHE:-/var/cache/vtun}
LOGS=${VTUN_LOGS:-$HERE/logs}
BUILD=${VTUN_BUILD:-$CACHE/build}
TIMEOUT=${TIMEOUT:-300}
W=${W:-1}
MODE=tests
SCRIPT=
N=0 PASS=0 FAIL=0 SKIP=0
FAILED=()
REPORTS=()
SUMMARY_DONE=
GUEST_PID=
SCALE=1 SLOW=1 KAPPEND='' KMEM=2048
# mawk reads pipes in blocks unless told otherwise; we want live output.
AWK_LIVE=()
awk -W version 2>&1 | grep -q mawk && AWK_LIVE=(-W interactive)

usage() { sed -n '4,27s/^# \{0,1\}//p' "$0"; }
diag() { local l; while IFS= read -r l; do echo "# $l"; done <<<"$*"; }

# emit OK DESC [DIRECTIVE]
emit() {
	N=$((N + 1))
	local line
	line="$([ "$1" = 1 ] || echo -n "not ")ok $N $2${3:+ # $3}"
	echo "$line"
	case ${3:-} in
	SKIP*) SKIP=$((SKIP + 1)) ;;
	*) if [ "$1" = 1 ]; then
		PASS=$((PASS + 1))
	else
		FAIL=$((FAIL + 1))
		FAILED+=("$line")
	fi ;;
	esac
}

summary() {
	[ -n "$SUMMARY_DONE" ] && return
	SUMMARY_DONE=1
	echo "1..$N"
	# the failures again, so that the last lines of a long log name them
	# (the tests a dead guest did not run in one line)
	[ "$FAIL" = 0 ] || printf '%s\n' "${FAILED[@]}" | awk '
		/: not run$/ {
			t = $0; sub(/^not ok [0-9]+ /, "", t); sub(/: not run$/, "", t)
			k = t; sub(/ .*/, "", k); sub(/^[^ ]* /, "", t)
			if (k != nrk && nrk != "") flush()
			nrk = k; nr = nr " " t; nn++; next
		}
		{ print "# failed: " $0 }
		function flush() { print "# failed: " nrk ", " nn " not run:" nr; nr = ""; nn = 0 }
		END { if (nn) flush() }'
	# and what the kernel said when a guest died
	[ "${#REPORTS[@]}" = 0 ] || printf '%s\n' "${REPORTS[@]}"
	echo "$PASS passed, $FAIL failed$([ "$SKIP" = 0 ] || echo ", $SKIP skipped")"
}

# shellcheck disable=SC2317 # run by trap
on_exit() {
	local rc=$?
	trap '' PIPE
	[ -n "$GUEST_PID" ] && kill "$GUEST_PID" 2>/dev/null
	[ -n "$SUMMARY_DONE" ] && exit "$rc"
	[ "$N" = 0 ] && emit 0 "runner: stopped before any test ran"
	summary
	[ "$FAIL" = 0 ] && [ "$rc" = 0 ] && exit 0
	exit 1
}

# Host packages and guest kernels; sets K61_VER, K612_VER, KNEW_VER and
# KNEW_KDIR (Debian's newest kernel, compile only; may be empty).
prepare_deps() {
	local out
	mkdir -p "$LOGS"
	if ! out=$("$HERE/deps.sh" --print 2>"$LOGS/deps.log"); then
		emit 0 "runner: deps.sh failed"
		diag "$(tail -n 20 "$LOGS/deps.log")"
		exit 1
	fi
	eval "$out"
}

# The debug kernel: built (once, cached) before the guest lock is taken,
# as its build takes long and needs no guest; sets KDBG_VER.
prepare_debug() {
	local out log=$LOGS/6.12-debug/kernel.log t0=$SECONDS
	mkdir -p "$LOGS/6.12-debug"
	if ! out=$(K612_VER=$K612_VER "$HERE/debug-kernel.sh" 2>"$log"); then
		emit 0 "6.12-debug kernel build"
		diag "$(tail -n 20 "$log")"
		diag "log: $log"
		return 1
	fi
	eval "$out"
	emit 1 "6.12-debug kernel $KDBG_VER"
	diag "6.12-debug kernel: $((SECONDS - t0)) s (build: $(cat "$CACHE/kernels/$KDBG_VER/.build-seconds" 2>/dev/null || echo ?) s, once)"
}

kver_of() {
	case $1 in
	6.1) echo "$K61_VER" ;;
	6.12) echo "$K612_VER" ;;
	6.12-debug) [ -n "${KDBG_VER:-}" ] && echo "$KDBG_VER" ;;
	*) return 1 ;;
	esac
}

# One guest run at a time on this machine (and one build per cache dir).
take_lock() {
	mkdir -p "$CACHE"
	exec 9>"$CACHE/run.lock"
	flock -n 9 && return
	echo "# waiting for another vtun guest run to finish" >&2
	flock 9 || { echo "# cannot take the guest lock" >&2; exit 1; }
}

# Copy the module sources to DST. Files are compared by content and written
# with a new mtime, so make rebuilds exactly what differs from the last
# build, whichever tree that came from.
copy_tree() {
	local dst=$1 f srcs=()
	for f in Kbuild kernel uapi include; do
		[ -e "$TOP/$f" ] && srcs+=("$TOP/$f")
	done
	mkdir -p "$dst"
	if command -v rsync >/dev/null; then
		# Sources only: an in-tree build's objects are for another kernel.
		rsync -rl --checksum --delete --exclude='*.o' --exclude='*.ko' \
			--exclude='*.mod' --exclude='*.mod.c' --exclude='.*.cmd' \
			--exclude='*.a' --exclude='modules.order' \
			--exclude='Module.symvers' --exclude='.tmp_*' \
			"${srcs[@]}" "$dst/"
	else
		rm -rf "$dst"/{Kbuild,kernel,uapi,include}
		cp -r "${srcs[@]}" "$dst/"
	fi
}

# Warnings and errors in vtun's own files (not in kernel headers).
own_warnings() {
	local dst log=$2
	# shellcheck disable=SC2001 # escape regex metacharacters
	dst=$(sed 's/[][\.*^$+?(){}|]/\\&/g' <<<"$1")
	grep -E "^($dst/|(\./)?(kernel|uapi|include)/)[^ :]+:[0-9]+(:[0-9]+)?: (warning|error):|^WARNING: modpost: .*vtun" "$log" |
		sed -E "s|^$dst/||" | head -n 30
}

# build_module NAME KVER [KDIR]: compile vtun; sets KO (empty on failure).
# With KDIR (not a guest kernel) the module is only compiled.
build_module() {
	local name=$1 kver=$2 dst=$BUILD/$2 log=$LOGS/$1/build.log warn
	local kdir=${3:-$CACHE/kernels/$2/usr/src/linux-headers-$2}
	KO=
	mkdir -p "$LOGS/$name"
	if [ ! -f "$TOP/Kbuild" ]; then
		emit 0 "$name build: no Kbuild in $TOP"
		return 1
	fi
	copy_tree "$dst"
	local t0=$SECONDS rc
	make -C "$kdir" M="$dst" W="$W" -j"$(nproc)" modules >"$log" 2>&1
	rc=$?
	[ $rc = 0 ] && KO=$(find "$dst" -name vtun.ko -print -quit)
	warn=$(own_warnings "$dst" "$log")
	if [ -z "$KO" ]; then
		emit 0 "$name build"
		diag "${warn:-$(tail -n 20 "$log")}"
		diag "build log: $log"
	elif [ -n "$warn" ]; then
		emit 0 "$name build: warnings (W=$W)"
		diag "$warn"
	else
		emit 1 "$name build"
	fi
	diag "$name build: $((SECONDS - t0)) s"
	[ -n "$KO" ] && [ -z "${3:-}" ] && install_ko "$kver"
	[ -n "$KO" ]
}

# Compile check against Debian's newest kernel (sid / trixie-backports).
build_newest() {
	if [ -z "${KNEW_VER:-}" ]; then
		emit 1 "newest kernel build" "SKIP deps.sh found no newest Debian kernel"
		return
	fi
	local name
	name=$(grep -oE '^[0-9]+\.[0-9]+' <<<"$KNEW_VER")
	diag "$name: Debian's newest kernel, $KNEW_VER (compile only)"
	build_module "$name" "$KNEW_VER" "$KNEW_KDIR"
}

# Host tools (the guest runs them from the host root).
build_tools() {
	local log=$LOGS/tools.log
	[ -f "$TOP/userspace/Makefile" ] || return 0
	if make -C "$TOP/userspace" -j"$(nproc)" >"$log" 2>&1; then
		emit 1 "userspace build"
	else
		emit 0 "userspace build"
		diag "$(grep -E 'error|Error' "$log" | head -n 20)"
		diag "build log: $log"
	fi
}

# Put vtun.ko where the guest's "modprobe vtun" finds it.
install_ko() {
	local root=$CACHE/kernels/$1 dir
	dir=$root/lib/modules/$1/updates
	mkdir -p "$dir"
	cmp -s "$KO" "$dir/vtun.ko" && return
	cp "$KO" "$dir/vtun.ko"
	depmod -b "$root" "$1"
}

# initramfs KVER: print the path of a cached initramfs for KVER.
initramfs() {
	local kver=$1 key out
	# .key: a self-built kernel's modules change with its config.
	key=$( (echo "$kver"; cat "$HERE/init" "$HERE/mkinitramfs.sh" /bin/busybox \
		"$CACHE/kernels/$kver/.key" 2>/dev/null) |
		sha256sum | cut -c1-16)
	out=$CACHE/initramfs/$kver-$key.cpio.gz
	if [ ! -f "$out" ]; then
		mkdir -p "$CACHE/initramfs"
		rm -f "$CACHE/initramfs/$kver-"*.cpio.gz
		"$HERE/mkinitramfs.sh" "$CACHE/kernels/$kver" "$kver" "$out" >&2 ||
			return 1
	fi
	echo "$out"
}

kernel_image() {
	local root=$CACHE/kernels/$1
	if [ -s "$root/vmlinux" ]; then
		echo "$root/vmlinux"
	else
		echo "$root/boot/vmlinuz-$1"
	fi
}

# Resolve test names to script paths; print "path" lines.
resolve_tests() {
	local t
	for t in ${1//,/ }; do
		case $t in
		*/*) readlink -f "$t" ;;
		*.sh) echo "$TOP/selftests/$t" ;;
		*) echo "$TOP/selftests/$t.sh" ;;
		esac
	done
}

default_tests() {
	make -s --no-print-directory -C "$TOP/selftests" print-tests
}

# kernel_tests KERNEL PATH...: the default tests for KERNEL. A script
# whose "# vtun-kernels: K..." line does not name KERNEL (the IKE daemon's
# long-running interop tests, which exercise no more kernel code than the
# others) runs there only when named in TESTS.
kernel_tests() {
	local k=$1 p ks
	shift
	for p in "$@"; do
		ks=$(sed -n 's/^# vtun-kernels: *//p' "$p" | head -n 1)
		[ -z "$ks" ] || [[ " $ks " == *" $k "* ]] || continue
		echo "$p"
	done
}

script_timeout() {
	local t
	t=$(sed -n 's/^# vtun-timeout: *\([0-9]\+\).*/\1/p' "$1" | head -n 1)
	echo "$((${t:-$TIMEOUT} * SCALE))"
}

# Per-kernel guest settings: SCALE (time limits), SLOW (the tests' waits
# and timing slack, lib.sh VTUN_SLOW), KAPPEND (command line), KMEM (guest
# memory, MiB). The debug kernel runs several times slower and turns every
# WARN into a panic, so that no report goes unseen.
kernel_setup() {
	SCALE=${TIMEOUT_SCALE:-1} SLOW=${VTUN_SLOW:-1} KAPPEND='' KMEM=${VM_MEM:-2048}
	[ "$1" = 6.12-debug ] || return 0
	SCALE=${TIMEOUT_SCALE:-4} SLOW=${VTUN_SLOW:-5}
	# Its ACPI interpreter is too slow to route PCI interrupts before
	# ACPI's loop timeout: use the BIOS's routing table.
	KAPPEND="panic_on_warn=1 pci=noacpi"
	KMEM=${VM_MEM:-3072}
}

write_env() {
	local f=$1 kname=$2
	shift 2
	{
		printf 'VTUN_TOP=%q\n' "$TOP"
		printf 'VTUN_CACHE=%q\n' "$CACHE"
		printf 'VTUN_KO=%q\n' "$KO"
		printf 'VTUN_KERNEL=%q\n' "$kname"
		printf 'VTUN_TIMEOUT=%q\n' "$TIMEOUT"
		printf 'VTUN_TIMEOUT_SCALE=%q\n' "$SCALE"
		printf 'export VTUN_SLOW=%q\n' "$SLOW"
		printf 'VTUN_MODE=%q\n' "$MODE"
		printf 'VTUN_TESTS=%q\n' "$*"
		# topo.sh: every algorithm on ALGS_FULL, a subset elsewhere.
		case " ${ALGS_FULL:-6.12} " in
		*" $kname "* | *" all "*) ;;
		*) echo "export VTUN_ALG_SET=quick" ;;
		esac
		# Test knobs (ESP_ALGS=..., BENCH_ONLY=..., VTUN_JOBS=...) reach
		# the guest.
		local v
		for v in $(compgen -e | grep -E '^([A-Z0-9]+_ALGS|BENCH_[A-Z]+|NLFUZZ_[A-Z]+|PKTFUZZ_[A-Z0-9]+|SOAK_[A-Z_]+|FAULTS_[A-Z_]+|IKE_PARTS|REKEYS|REKEY_[A-Z_]+|VTUN_JOBS)$'); do
			printf 'export %s=%q\n' "$v" "${!v}"
		done
	} >"$f"
}

# qemu_cmd IMAGE INITRD ENV DIR [APPEND]: set QEMU to the guest's command line.
qemu_cmd() {
	local image=$1 initrd=$2 env=$3 dir=$4 append=${VM_APPEND:-}${5:+ $5}
	append=$KAPPEND${append:+ $append}
	QEMU=(qemu-system-x86_64 -accel tcg -cpu max
		-m "$KMEM" -smp "${VM_SMP:-2}"
		-nodefaults -no-user-config -display none -no-reboot
		-kernel "$image" -initrd "$initrd"
		-append "console=ttyS0 panic=-1 quiet mitigations=off $append VTUN_ENV=$env"
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
		-serial "file:$dir/console.log" -serial "file:$dir/results.log")
}

# watchdog PID RESULTS WHY: kill the guest when it stops making progress:
# no boot, a test overrunning its limit (a hard hang), or no power-off.
watchdog() {
	local pid=$1 res=$2 why=$3 last=0 n line since=$SECONDS limit t
	while sleep 2 && kill -0 "$pid" 2>/dev/null; do
		# counted, not compared: a test named twice in TESTS (the log
		# may be gone with the guest, in the instant since kill -0)
		read -r n line < <(awk '/^VTUN-(BOOT|BEGIN|END|DONE)/ { n++; l = $0 }
			END { print n + 0, l }' "$res" 2>/dev/null)
		[ "$n" != "$last" ] && last=$n since=$SECONDS
		case $line in
		"") limit=$((180 * SCALE)) ;;
		VTUN-BEGIN*)
			read -r _ t <<<"$line"
			limit=$((${LIMIT[$t]:-$TIMEOUT} + 30)) ;;
		*) limit=$((120 * SCALE)) ;;
		esac
		[ $((SECONDS - since)) -le "$limit" ] && continue
		echo "no progress for $limit s after: ${line:-qemu start}" >"$why"
		kill "$pid"
		return
	done
}

# start_guest NAME KVER DIR APPEND PATH...: start qemu in the background;
# sets GUEST_PID, NAMES (test names) and LIMIT (test name -> time limit).
start_guest() {
	local name=$1 kver=$2 dir=$3 append=$4 initrd p t vmt=$((120 * SCALE))
	shift 4
	LIMIT=() NAMES=()
	for p in "$@"; do
		t=$(script_timeout "$p")
		NAMES+=("$(basename "$p" .sh)")
		LIMIT[${NAMES[-1]}]=$t
		vmt=$((vmt + t + 15))
	done
	initrd=$(initramfs "$kver") || return
	write_env "$dir/guest.env" "$name" "$@"
	: >"$dir/console.log"
	: >"$dir/results.log"
	rm -f "$dir/watchdog"
	qemu_cmd "$(kernel_image "$kver")" "$initrd" "$dir/guest.env" "$dir" "$append"
	printf '%q ' "${QEMU[@]}" >"$dir/qemu.cmd"
	timeout -k 5 "${VM_TIMEOUT:-$vmt}" "${QEMU[@]}" \
		</dev/null >"$dir/qemu.log" 2>&1 &
	GUEST_PID=$!
	watchdog "$GUEST_PID" "$dir/results.log" "$dir/watchdog" &
	[ "${V:-0}" = 0 ] ||
		tail -n +1 -f --pid="$GUEST_PID" "$dir/console.log" >&2 &
}

# Why the guest ended early, and its last words.
guest_post_mortem() {
	local name=$1 dir=$2 qrc=$3
	[ -f "$dir/watchdog" ] && diag "$name: watchdog: $(cat "$dir/watchdog")"
	case $qrc in
	0 | 143) ;;
	124 | 137) diag "$name: guest killed by the overall timeout" ;;
	*) diag "$name: qemu exit status $qrc: $(tail -n 3 "$dir/qemu.log")" ;;
	esac
	grep -q '^VTUN-DONE' "$dir/results.log" && return
	diag "$name: last console lines:"
	diag "$(tail -n 40 "$dir/console.log" | sed 's/^/  /')"
	kernel_report "$name" "$dir/console.log"
}

# kernel_report NAME LOG: the first kernel report (klog.sh) in a dead
# guest's console since its last test began, without the register dump,
# kept for the summary: the end of a log is what is read.
kernel_report() {
	local r
	r=$(awk -v bad="$KLOG_BAD" '
		NR == FNR { if (/vtun-guest: begin /) b = FNR; next }
		FNR < b { next }
		!on && $0 ~ bad { on = 1 }
		!on { next }
		/ (R[A-Z0-9][A-Z0-9]|FS|CS|CR2|PKRU|DR[0-9]): / && !/RIP: / { next }
		/(Code: |Modules linked in:|Hardware name:)/ { next }
		{ sub(/^.*\] /, ""); print; if (++n == 40) exit }' "$2" "$2")
	[ -n "$r" ] || return 0
	REPORTS+=("# $1: kernel report:")
	mapfile -t -O "${#REPORTS[@]}" REPORTS < <(printf '%s\n' "$r" | sed 's/^/#   /')
}

# boot_run NAME KVER PATH...: run the given scripts in one guest. A guest
# that dies before its first test begins (an early boot crash is not the
# tests' doing, and would fail them all) is booted once more; its console
# log is kept as console.boot1.log. A crash after that still fails.
boot_run() {
	local name=$1 kver=$2 dir=$LOGS/$1 t0=$SECONDS wall0 qrc f0=$FAIL p f s
	local attempt=1 append noboot
	local -A LIMIT
	local NAMES
	shift 2
	kernel_setup "$name"
	rm -f "$dir/console.boot1.log"
	while :; do
		wall0=$(date +%s.%N)
		: >"$dir/failed"
		append=
		[ "$attempt" = 1 ] && append=${VM_FIRST_APPEND:-}
		if ! start_guest "$name" "$kver" "$dir" "$append" "$@"; then
			emit 0 "$name boot: cannot build initramfs"
			return
		fi
		tail -n +1 -s 0.2 -f --pid="$GUEST_PID" "$dir/results.log" |
			awk "${AWK_LIVE[@]}" -f "$HERE/tap.awk" -v kernel="$name" \
				-v n="$N" -v mode="$MODE" -v tests="${NAMES[*]}" \
				-v counts="$dir/counts" -v failed="$dir/failed" \
				-v t0="$wall0" \
				-v retry="$((attempt == 1))"
		wait "$GUEST_PID"
		qrc=$?
		GUEST_PID=
		noboot=
		read -r N p f s noboot <"$dir/counts"
		PASS=$((PASS + p)) FAIL=$((FAIL + f)) SKIP=$((SKIP + s))
		mapfile -t -O "${#FAILED[@]}" FAILED <"$dir/failed"
		[ -n "$noboot" ] || break
		guest_post_mortem "$name" "$dir" "$qrc"
		diag "$name: guest died before its first test ($((SECONDS - t0)) s); booting again"
		mv "$dir/console.log" "$dir/console.boot1.log"
		attempt=2
	done
	guest_post_mortem "$name" "$dir" "$qrc"
	diag "$name: guest wall time $((SECONDS - t0)) s"
	[ "$FAIL" = "$f0" ] || diag "$name: guest console log: $dir/console.log"
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--demo) MODE=script SCRIPT=$TOP/selftests/demo.sh ;;
		--bench) MODE=script SCRIPT=$TOP/selftests/bench.sh ;;
		--script) MODE=script SCRIPT=$(readlink -f "${2:?needs a path}") && shift ;;
		--build-only) MODE=build ;;
		-h | --help) usage && exit 0 ;;
		-*) echo "run.sh: unknown option $1" >&2 && exit 2 ;;
		*) TESTS="${TESTS:-} $1" ;;
		esac
		shift
	done
}

main() {
	local full=${KERNELS:-6.1 6.12} k kver paths=() kpaths=() p kernels="6.1 6.12"
	parse_args "$@"
	[ "$full" = all ] && full="6.1 6.12"
	full=${full//,/ }
	trap on_exit EXIT
	trap 'exit 130' INT TERM
	trap 'exit 141' PIPE
	echo "TAP version 13"
	prepare_deps
	case " $full " in
	*" 6.12-debug "*) prepare_debug || exit 1; kernels="$kernels 6.12-debug" ;;
	esac
	take_lock
	if [ "$MODE" = script ]; then
		paths=("$SCRIPT")
	else
		mapfile -t paths < <(resolve_tests "${TESTS:-$(default_tests)}")
	fi
	for p in "${paths[@]}"; do
		[ -f "$p" ] || { emit 0 "test not found: $p"; exit 1; }
	done
	for k in $full; do
		kver_of "$k" >/dev/null || { emit 0 "unknown kernel: $k"; exit 1; }
	done
	build_tools
	[ "$MODE" = tests ] || [ "$MODE" = build ] && build_newest
	for k in $kernels; do
		kver=$(kver_of "$k")
		case " $full " in
		*" $k "*) ;;
		*) [ "$MODE" = tests ] || [ "$MODE" = build ] || continue
			build_module "$k" "$kver"
			continue ;;
		esac
		build_module "$k" "$kver" || continue
		[ "$MODE" = build ] || [ -z "$KO" ] && continue
		if [ -n "${TESTS:-}" ] || [ "$MODE" != tests ]; then
			boot_run "$k" "$kver" "${paths[@]}"
		else
			mapfile -t kpaths < <(kernel_tests "$k" "${paths[@]}")
			[ "${#kpaths[@]}" = "${#paths[@]}" ] ||
				diag "$k: $((${#paths[@]} - ${#kpaths[@]})) tests not for this kernel (vtun-kernels)"
			boot_run "$k" "$kver" "${kpaths[@]}"
		fi
	done
	summary
	[ "$FAIL" = 0 ]
}

main "$@"; exit
