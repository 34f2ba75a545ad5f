#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Soak: vtun against Linux XFRM for SOAK_SECS seconds with a ping each
# way at a fixed rate, TCP transfers in turn each way (every byte
# checked), a make-before-break rekey every SOAK_REKEY_SECS and extra
# vtun devices made, given SAs and addresses, and deleted in a loop
# alongside. No ping may be lost, no packet dropped for want of an SA,
# and kmalloc usage at the end is that of the start within SOAK_SLAB_KB.
# `make soak` runs it for an hour; the suite's default is short.
# Each loop must have gone round at least once.
# Knobs: SOAK_SECS (45, times lib.sh VTUN_SLOW), SOAK_REKEY_SECS (2), SOAK_PPS (20),
# SOAK_TCP_BYTES (2000000 a transfer), SOAK_SLAB_KB (1024).
# vtun-timeout: 150

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

vtun_load || skip_all "cannot load vtun"
need_modules veth xfrm_interface

SOAK_SECS=${SOAK_SECS:-$((45 * VTUN_SLOW))}
SOAK_REKEY_SECS=${SOAK_REKEY_SECS:-2}
SOAK_PPS=${SOAK_PPS:-20}
SOAK_TCP_BYTES=${SOAK_TCP_BYTES:-2000000}
SOAK_SLAB_KB=${SOAK_SLAB_KB:-1024}
ALG=gcm128-16
# shellcheck disable=SC2034 # read by rekey (topo.sh)
REKEY_ALG=$ALG


topo_underlay
site_vtun "$A" 0 4 $ALG
site_xfrm "$B" 1 4 $ALG
check "tunnel up" retry 10 overlay_ping "$A" 0 4
check "TCP both ways" eval 'overlay_tcp "$B" 1 "$A" 4 100000 && overlay_tcp "$A" 0 "$B" 4 100000'
slab0=$(kmalloc_kb)
END=$((SECONDS + SOAK_SECS))

# A rekey starts every SOAK_REKEY_SECS (at once when the last took longer).
rekey_loop() {
	local n=1 next left
	next=$(date +%s%N)
	while [ $SECONDS -lt $END ]; do
		next=$((next + SOAK_REKEY_SECS * 1000000000))
		left=$((next - $(date +%s%N)))
		[ $left -gt 0 ] && sleep "$(printf '%d.%09d' $((left / 1000000000)) $((left % 1000000000)))"
		n=$((n + 1))
		rekey xfrm $n || { echo "rekey $n failed"; return 1; }
		echo $((n - 1)) >rekeys
	done
}

# Extra devices in A: made, given SAs and an address, up, deleted.
churn_loop() {
	local i=0 spi
	while [ $SECONDS -lt $END ]; do
		i=$((i + 1))
		spi=$((0x7000 + i % 256))
		if ! { VA link add vc0 local "${UL4[0]}" remote 192.0.2.$((100 + i % 100)) &&
			VA sa add vc0 dir out spi $spi proto esp $(alg_vtun $ALG) &&
			VA sa add vc0 dir in spi $spi proto esp $(alg_vtun $ALG) &&
			ip -n "$A" -batch - <<-EOF
			addr add 10.9.$((i % 200)).1/32 dev vc0
			link set vc0 up
			link del vc0
			EOF
		}; then
			echo "churn $i failed"
			return 1
		fi
		echo $i >churns
	done
}

tcp_loop() {
	local n=0
	while [ $SECONDS -lt $END ]; do
		if [ $((n % 2)) = 0 ]; then
			overlay_tcp "$B" 1 "$A" 4 "$SOAK_TCP_BYTES"
		else
			overlay_tcp "$A" 0 "$B" 4 "$SOAK_TCP_BYTES"
		fi || { echo "transfer $n failed"; return 1; }
		n=$((n + 1))
		echo $n >transfers
	done
}

pings=$((SOAK_SECS * SOAK_PPS))
iv=$(awk -v p="$SOAK_PPS" 'BEGIN { printf "%.3f", 1 / p }')
ns_exec "$A" ping -q -i "$iv" -c $pings "${OV4[1]}" >ping.ab 2>&1 &
pab=$!
ns_exec "$B" ping -q -i "$iv" -c $pings "${OV4[0]}" >ping.ba 2>&1 &
pba=$!
echo 0 >rekeys
echo 0 >churns
echo 0 >transfers
rekey_loop >rekey.out 2>&1 &
rk=$!
churn_loop >churn.out 2>&1 &
ch=$!
tcp_loop >tcp.out 2>&1 &
tc=$!

# once_ok RC FILE: the loop ended well and went round at least once (RC
# taken first: a $(...) in the description would set $?)
once_ok() { [ "$1" = 0 ] && [ "$(cat "$2")" -ge 1 ]; }
wait $rk
rc=$?
check "rekeys one after the other, one every ${SOAK_REKEY_SECS} s at most, for $SOAK_SECS s ($(cat rekeys) done)" once_ok $rc rekeys
[ -s rekey.out ] && diag "$(cat rekey.out)"
wait $ch
rc=$?
check "device churn ($(cat churns) devices made and deleted)" once_ok $rc churns
[ -s churn.out ] && diag "$(tail -n 5 churn.out)"
wait $tc
rc=$?
check "TCP transfers of $SOAK_TCP_BYTES bytes each way in turn, every byte checked ($(cat transfers) done)" once_ok $rc transfers
[ -s tcp.out ] && diag "$(tail -n 5 tcp.out)"
wait $pab $pba
for d in ab ba; do
	check_eq "ping $d at $SOAK_PPS pps: nothing lost during $(cat rekeys) rekeys" \
		"$pings $pings" "$(awk '/transmitted/ { print $1, $4 }' ping.$d)"
done
check_eq "no packet without an SA at A" 0 "$(drop "$A" tx-no-sa)"
diag "drops at A: $(VA -j show vtun0 | jq -c '.[0].drops | with_entries(select(.value > 0))')"
slab_flat() { [ $(($(kmalloc_kb) - slab0)) -lt "$SOAK_SLAB_KB" ]; }
retry 10 slab_flat
check "kmalloc usage flat (start $slab0 KiB, end $(kmalloc_kb) KiB, tolerance $SOAK_SLAB_KB)" slab_flat
diag "soak: $SOAK_SECS s, $(cat rekeys) rekeys, $(cat churns) devices churned, $(cat transfers) transfers, pings $pings each way"

tap_done
