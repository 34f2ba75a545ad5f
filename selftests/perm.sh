#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Who may use the vtun family: every operation, reads included (they
# reveal peers and selectors), takes CAP_NET_ADMIN in the user namespace
# owning the device's network namespace, as WireGuard does; joining the
# events group (acquires carry inner flow addresses) takes the same.
# Unprivileged users get EPERM for all of it; root of a user namespace
# manages vtun devices in its own network namespace but not the host's;
# no reply ever carries key bytes.
# vtun-timeout: 120

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

vtun_load || skip_all "cannot load vtun"
command -v setpriv >/dev/null || skip_all "no setpriv"
command -v unshare >/dev/null || skip_all "no unshare"

# unchroot CMD...: run CMD where user namespaces can be made. The guest
# runs chrooted, and a chrooted process may not create a user namespace:
# in a private mount namespace, move the chroot's mount over the real root
# (as switch_root does) and enter it.
unchroot() {
	if unshare -Ur true 2>/dev/null; then
		"$@"
		return
	fi
	unshare -m --propagation private python3 -c '
import os, subprocess, sys
top = os.open("/", os.O_RDONLY)
os.makedirs("/tmp/unchroot", exist_ok=True)
os.chroot("/tmp/unchroot")
os.fchdir(top)
for _ in range(64):
    os.chdir("..")
os.chroot(".")
os.fchdir(top)
subprocess.run(["/bin/busybox", "mount", "--move", ".", "/"], check=True)
os.chroot(".")
os.chdir(sys.argv[1])
os.execvp(sys.argv[2], sys.argv[2:])' "$PWD" "$@"
}
unchroot unshare -Ur true || skip_all "cannot create user namespaces"

ns_new N
V() { ns_exec "$N" "$VTUNCTL" "$@"; }
# As nobody, without capabilities.
U() { ns_exec "$N" setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all --bounding-set=-all -- "$VTUNCTL" "$@"; }
# As root of a fresh user namespace, still in N.
R() { ns_exec "$N" bash -c "$(declare -f unchroot); unchroot unshare -Ur -- \"\$@\"" \
	R "$VTUNCTL" "$@"; }
GCM="aead rfc4106(gcm(aes)) $K20 128"
EPERM="Operation not permitted"

V link add vtun0 local 192.0.2.1 remote 192.0.2.2
check "root: outbound SA" V sa add vtun0 dir out spi 0x2001 proto esp $GCM
check "root: proxy ID" V proxy-id add vtun0 id 1 local 10.1.0.0/16 remote 10.2.0.0/16
state() { V -j -s show vtun0 && V -j sa show vtun0 && V -j proxy-id show vtun0; }
before=$(state)

# eperm CMD...: CMD fails with vtunctl's report of EPERM from the kernel
eperm() {
	local out
	out=$("$@" 2>&1) && return 1
	grep -q "^Error: .*$EPERM" <<<"$out" && return
	echo "$out"
	return 1
}
# refused WHO DESC ARGS...: the kernel refuses vtunctl ARGS run as WHO
refused() {
	local who=$1 desc=$2
	shift 2
	check "$desc" eperm "$who" "$@"
}
for who in U R; do
	n="nobody"
	[ $who = R ] && n="user namespace root, host netns"
	refused $who "$n: show" show vtun0
	refused $who "$n: dev dump" show
	refused $who "$n: sa show" sa show vtun0
	refused $who "$n: sa get" sa show vtun0 dir out spi 0x2001
	refused $who "$n: sa add" sa add vtun0 dir in spi 0x1001 proto esp $GCM
	refused $who "$n: sa del" sa del vtun0 dir out spi 0x2001
	refused $who "$n: proxy-id show" proxy-id show vtun0
	refused $who "$n: proxy-id get" proxy-id show vtun0 id 1
	refused $who "$n: proxy-id add" proxy-id add vtun0 id 2 local 10.3.0.0/16 remote 10.4.0.0/16
	refused $who "$n: proxy-id del" proxy-id del vtun0 id 1
	refused $who "$n: events" events count 1
done
check_eq "nothing changed by the refused requests" "$before" "$(state)"

# Root of a user namespace with its own network namespace: vtun devices
# there are its own. Traffic without an SA raises an acquire it may read.
cat >userns.sh <<'EOS'
set -e
V=$1 K=$2
ip link set lo up
"$V" link add vtun0 local 192.0.2.1 remote 192.0.2.2 on-demand on
"$V" sa add vtun0 dir out spi 0x3001 proto esp aead 'rfc4106(gcm(aes))' "$K" 128
"$V" sa add vtun0 dir in spi 0x3002 proto esp aead 'rfc4106(gcm(aes))' "$K" 128
"$V" sa del vtun0 dir out spi 0x3001
"$V" proxy-id add vtun0 id 1 local 10.1.0.0/16 remote 10.2.0.0/16
"$V" proxy-id del vtun0 id 1
"$V" -j -s show vtun0 >/dev/null
echo "sas $("$V" -j sa show vtun0 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
echo "dump $(python3 "$3/selftests/genl_raw.py" sa-dump vtun0)"
ip addr add 10.1.0.1/32 dev lo
ip link set vtun0 up
ip route add 10.2.0.0/16 dev vtun0
timeout 10 "$V" -j events count 1 >ev &
sleep 1
ping -q -c 1 -W 1 -I 10.1.0.1 10.2.0.1 >/dev/null 2>&1 || :
wait $!
echo "event $(cat ev)"
EOS
out=$(unchroot unshare -Urn bash userns.sh "$VTUNCTL" "$K20" "$VTUN_TOP" 2>&1)
rc=$?
check_eq "user namespace root manages its own netns' device" 0 "$rc"
[ $rc = 0 ] || diag "$out"
check_eq "user namespace root: SA added and deleted" "sas 1" "$(grep '^sas' <<<"$out")"
dump=$(grep '^dump' <<<"$out")
check "user namespace root: SA dump carries the SA" test "${#dump}" -gt 100
check "user namespace root: SA dump holds no key bytes" \
	test "$(grep -c "${K16#0x}" <<<"$dump")" = 0
check "user namespace root: acquire event received" \
	grep -q '^event .*"event":"acquire".*"remote":"10.2.0.1/32"' <<<"$out"

tap_done
