#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh ENVFILE -- runs as root inside the guest, in the host root.
#
# Runs each test named in VTUN_TESTS with a timeout and reports on the
# second serial port (/dev/ttyS1), one record a line:
#   VTUN-BOOT <init> <uptime>     guest is up (uptime at /init, now)
#   VTUN-BOOTLOG <line>           suspicious kernel log line during boot
#   VTUN-BEGIN <name>             test starts; its output follows verbatim
#   VTUN-KLOG <line>              suspicious kernel log line during test
#   VTUN-TAINT <old> <new>        kernel taint gained a bad flag
#   VTUN-END <name> <rc> <secs> <limit>  test finished (124/137: timed out)
#   VTUN-DONE <uptime>            all done
# The kernel log of each test is copied to the console (ttyS0).
# Without udev, nothing loads the CPU's accelerated crypto drivers: load
# them as a real machine would, so tests see AES-NI, CLMUL, SSSE3, AVX.

set -u
# shellcheck source=/dev/null
. "$1"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
export VTUN_TOP VTUN_KO VTUN_KERNEL
export VTUN_GUEST=1

# KLOG_BAD: kernel log lines that fail the test they appear in.
# shellcheck source=selftests/vm/klog.sh
. "$(dirname "$0")/klog.sh"
# Taint flags that mean trouble: B bad page, D die, W warn, L soft lockup.
TAINT_BAD=$(((1 << 5) | (1 << 7) | (1 << 9) | (1 << 14)))

CPU_CRYPTO="aesni_intel ghash_clmulni_intel sha1_ssse3 sha256_ssse3
sha512_ssse3 crc32c_intel chacha_x86_64 poly1305_x86_64"

out() { echo "$*" >&3; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }

open_channel() {
	exec 3>/dev/ttyS1
	stty -F /dev/ttyS1 raw -echo 2>/dev/null
}

# kmemleak (debug kernel): scan now and print what it suspects
# ("unreferenced object ..."), then forget that so that each leak is
# reported once, by the test that made it. kmemleak does not report an
# object younger than 5 s: wait that long first. (Not through /dev/kmsg:
# it takes 1 KiB a write and rate-limits writers.)
kmemleak_scan() {
	local f=/sys/kernel/debug/kmemleak
	[ -w $f ] || return 0
	# no scans of its own in between: they take minutes in a TCG guest
	echo scan=off >$f
	sleep 6
	echo scan >$f
	cat $f
	echo clear >$f
}

# Copy new kernel log lines (and kmemleak's report) to the console and
# flag the bad ones.
scan_klog() {
	local log=/tmp/vtun-klog leaks=/tmp/vtun-kmemleak
	kmemleak_scan >"$leaks"
	dmesg -c >"$log" 2>/dev/null || return
	cat "$leaks" >>"$log"
	cat "$log"
	grep -E "$KLOG_BAD" "$log" | head -n 40 | sed 's/^/VTUN-KLOG /' >&3
}

check_taint() {
	local now
	now=$(cat /proc/sys/kernel/tainted)
	if (((now & ~taint) & TAINT_BAD)); then
		out "VTUN-TAINT $taint $now"
	fi
	taint=$now
}

# Per-test timeout: "# vtun-timeout: N" in the script overrides.
test_timeout() {
	local t
	t=$(sed -n 's/^# vtun-timeout: *\([0-9]\+\).*/\1/p' "$1" | head -n 1)
	echo "$((${t:-$VTUN_TIMEOUT} * ${VTUN_TIMEOUT_SCALE:-1}))"
}

run_one() {
	local path=$1 name t0 rc dir limit
	name=$(basename "$path" .sh)
	dir=$(mktemp -d "/tmp/$name.XXXX")
	limit=$(test_timeout "$path")
	out "VTUN-BEGIN $name"
	echo "vtun-guest: begin $name" >/dev/kmsg
	t0=$(date +%s)
	(cd "$dir" && exec timeout -k 10 "$limit" bash "$path") \
		</dev/null >&3 2>&1
	rc=$?
	echo "vtun-guest: end $name rc=$rc" >/dev/kmsg
	scan_klog
	check_taint
	out "VTUN-END $name $rc $(($(date +%s) - t0)) $limit"
}

# After all tests the module must unload cleanly (no leaked references).
unload_check() {
	[ -d /sys/module/vtun ] || return 0
	out "VTUN-BEGIN unload"
	rmmod vtun >&3 2>&1
	local rc=$?
	[ $rc -eq 0 ] && echo "ok 1 - rmmod vtun" >&3 ||
		echo "not ok 1 - rmmod vtun" >&3
	sleep 1
	scan_klog
	check_taint
	out "VTUN-END unload $rc 0 0"
}

# Packet timestamps on from the start: every ping turns them on and off,
# and each change patches the receive path's code (a static key), which
# a TCG guest with more than one CPU has been seen to trip over (an int3
# oops in netif_rx_internal). One socket asking for them, kept open,
# leaves that code alone for the rest of the run.
hold_netstamp() {
	python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 29, 1)  # SO_TIMESTAMP, not in Python
assert s.getsockopt(socket.SOL_SOCKET, 29)
time.sleep(1 << 30)' </dev/null >/dev/null 2>&1 &
}

main() {
	local t taint
	open_channel
	# shellcheck disable=SC2086 # a list
	modprobe -qa $CPU_CRYPTO
	out "VTUN-BOOT $(cat /run/vtun-init-uptime 2>/dev/null || echo ?) $(uptime_s)"
	kmemleak_scan >/tmp/vtun-boot-leaks
	dmesg -c >/tmp/vtun-boot.log
	cat /tmp/vtun-boot-leaks >>/tmp/vtun-boot.log
	cat /tmp/vtun-boot.log
	grep -E "$KLOG_BAD" /tmp/vtun-boot.log | head -n 20 | sed 's/^/VTUN-BOOTLOG /' >&3
	taint=$(cat /proc/sys/kernel/tainted)
	hold_netstamp
	for t in $VTUN_TESTS; do
		run_one "$t"
	done
	[ "$VTUN_MODE" = tests ] && unload_check
	out "VTUN-DONE $(uptime_s)"
	exec 3>&-
}

main
