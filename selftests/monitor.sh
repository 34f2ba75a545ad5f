#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tunnel monitors: site A has two tunnels to one service address, the
# primary (vtun0, metric 10) to B, a Linux XFRM peer behind an xfrm
# interface, and the backup (vtun1, metric 20) to C, a vtun peer. With
# fail-over, cutting the primary's underlay moves the traffic to the
# backup within interval x threshold (+1 interval, + the kernel's link
# event delay) and raises monitor-down; restoring it brings the traffic
# back after the hold-down and raises monitor-up. wait-recover only
# reports. IPv6 probes (ICMPv6) fail over and recover the same way.
# Optimized monitors send no probes while traffic comes in. The carrier
# follows the SA, monitored or not: none without a usable outbound SA
# (none, or only standby) unless on-demand, which lets traffic reach vtun
# (tx-no-sa); probes still go out without carrier. Malformed requests
# fail with a message naming the attribute and change nothing.
# vtun-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

vtun_load || skip_all "cannot load vtun"
need_modules veth xfrm_interface nf_tables || skip_all "missing modules"
command -v nft >/dev/null || skip_all "no nft"

ALG=gcm128-16
# Slower kernels (lib.sh VTUN_SLOW) get longer probe intervals and slack.
INTERVAL=$((200 * VTUN_SLOW)) THRESHOLD=3 HOLD=$((1500 * VTUN_SLOW))
SLACK=$((1200 * VTUN_SLOW))
SVC=10.9.0.1 SRC=10.1.0.1

topo_underlay || skip_all "cannot build the underlay"
ns_new C
VA() { ip netns exec "$A" "$VTUNCTL" "$@"; }
VC() { ip netns exec "$C" "$VTUNCTL" "$@"; }
site_vtun "$A" 0 4 "$ALG" && site_xfrm "$B" 1 4 "$ALG" ||
	skip_all "cannot build the primary tunnel"
# shellcheck disable=SC2046
veth_pair "$A" ul1 "$C" ul0 &&
	ip -n "$A" addr add 198.51.100.1/24 dev ul1 &&
	ip -n "$C" addr add 198.51.100.2/24 dev ul0 &&
	VA link add vtun1 local 198.51.100.1 remote 198.51.100.2 &&
	VA sa add vtun1 dir out spi 0x3001 proto esp $(alg_vtun $ALG) &&
	VA sa add vtun1 dir in spi 0x4001 proto esp $(alg_vtun $ALG) &&
	VC link add vtun0 local 198.51.100.2 remote 198.51.100.1 &&
	VC sa add vtun0 dir out spi 0x4001 proto esp $(alg_vtun $ALG) &&
	VC sa add vtun0 dir in spi 0x3001 proto esp $(alg_vtun $ALG) &&
	ip -n "$A" addr add 10.0.1.1/32 dev vtun1 &&
	ip -n "$C" addr add 10.0.1.2/32 dev vtun0 &&
	ip -n "$A" link set vtun1 up && ip -n "$C" link set vtun0 up &&
	ip -n "$C" route add 10.0.1.1/32 dev vtun0 ||
	skip_all "cannot build the backup tunnel"
# The service lives at both peers; A reaches it from its loopback address.
ip -n "$A" addr add $SRC/32 dev lo
ip -n "$B" addr add $SVC/32 dev lo
ip -n "$C" addr add $SVC/32 dev lo
ip -n "$B" route add $SRC/32 dev xfrm0
ip -n "$C" route add $SRC/32 dev vtun0
ip -n "$A" route add $SVC/32 dev vtun0 metric 10 src $SRC
ip -n "$A" route add $SVC/32 dev vtun1 metric 20 src $SRC

now_ms() { echo $(($(date +%s%N) / 1000000)); }
route_dev() { ip -n "$A" route get $SVC | grep -o 'dev [^ ]*' | cut -d' ' -f2; }
route_is() { [ "$(route_dev)" = "$1" ]; }
# mon DEV FIELD: a field of DEV's monitor in "vtunctl -j show"
mon() {
	VA -j show "$1" | python3 -c '
import json, sys; d = json.load(sys.stdin)[0]
print(d["carrier"] if sys.argv[1] == "carrier" else d["monitor"][sys.argv[1]])' "$2"
}
mon_ge() { [ "$(mon "$1" "$2")" -ge "$3" ]; }
txp() { VA -j show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats"]["tx-packets"])'; }
cut_primary() { ip netns exec "$B" nft -f - <<-EOF2
	table inet cut {
		chain in { type filter hook input priority 0; iifname "ul0" meta l4proto esp drop; }
	}
	EOF2
}
restore_primary() { ip netns exec "$B" nft delete table inet cut; }
has_event() { grep -q "\"event\":\"$1\"" "$EV"; }
EV=$PWD/events.json

check "both tunnels carry the service" sh -c "
	ip netns exec $A ping -q -c 1 -W 2 -I $SRC $SVC >/dev/null &&
	ip -n $A route del $SVC/32 dev vtun0 metric 10 &&
	ip netns exec $A ping -q -c 1 -W 2 -I $SRC $SVC >/dev/null"
ip -n "$A" route add $SVC/32 dev vtun0 metric 10 src $SRC

# Malformed requests: an errno, a message naming the attribute, no change.
VA link add vtun3 local 192.0.2.1 remote 192.0.2.77
# The monitors' settings, without the counters that move by themselves.
mon_config() {
	VA -j monitor show | python3 -c 'import json, sys
for m in json.load(sys.stdin):
	print(sorted((k, v) for k, v in m.items() if k not in
		("state", "sent", "received", "lost", "misses", "rtt")))'
}
bad() { # DESC TEXT ARGS...
	local desc=$1 want=$2 before
	shift 2
	before=$(mon_config)
	check_err "$desc" "$want" VA monitor "$@"
	check_eq "$desc: nothing changed" "$before" "$(mon_config)"
}
M0="dst ${OV4[1]}"
bad "interval below 100 ms" "interval: must be 100 to 10000 ms" add vtun0 $M0 interval 99
bad "interval above 10 s" "interval: must be 100 to 10000 ms" add vtun0 $M0 interval 10001
bad "threshold 0" "threshold: must be 1 to 10" add vtun0 $M0 threshold 0
bad "threshold 11" "threshold: must be 1 to 10" add vtun0 $M0 threshold 11
bad "hold-down too long" "hold-down: must be 0 to 600000 ms" add vtun0 $M0 hold-down 600001
bad "src of another family" "src: address family differs from dst" add vtun0 $M0 src fd00::1
bad "src not on the device" "src: not an address of the device" add vtun0 $M0 src 10.0.1.1
bad "device without addresses" "src: the device has no address of the family of dst" \
	add vtun3 dst 10.3.0.2
bad "set without a monitor" "monitor: the device has none" set vtun0 interval 500
bad "del without a monitor" "monitor: the device has none" del vtun0
check_err "show of a device without a monitor" "monitor: the device has none" \
	VA monitor show vtun0
check_err "dst required" "dst" VA monitor add vtun0 interval 500

echo_reps() { ip netns exec "$A" nstat -az IcmpInEchoReps | awk '/IcmpInEchoReps/ {print $2}'; }
reps=$(echo_reps)
ip netns exec "$A" "$VTUNCTL" -j events >"$EV" 2>&1 &
evpid=$!
defer kill $evpid
check "fail-over monitor added" VA monitor add vtun0 $M0 interval $INTERVAL \
	threshold $THRESHOLD action fail-over hold-down $HOLD
bad "second monitor on a device" "monitor: the device already has one" add vtun0 $M0
bad "set: threshold out of range" "threshold: must be 1 to 10" set vtun0 threshold 20
bad "set: interval out of range" "interval: must be 100 to 10000 ms" set vtun0 interval 50
check_eq "show: defaults and values" \
	"10.0.0.1 $INTERVAL $THRESHOLD fail-over $HOLD False up" "$(VA -j monitor show vtun0 |
	python3 -c 'import json,sys; m=json.load(sys.stdin)[0]
print(m["src"], m["interval"], m["threshold"], m["action"], m["hold-down"], m["optimized"], m["state"])')"
check "probes are answered" retry 5 mon_ge vtun0 received 3
check_eq "answers consumed: no ICMP echo reply reaches A's stack" "$reps" "$(echo_reps)"
check_eq "ignore_routes_with_linkdown on (IPv4)" 1 \
	"$(ip netns exec "$A" sysctl -n net.ipv4.conf.vtun0.ignore_routes_with_linkdown)"
check_eq "ignore_routes_with_linkdown on (IPv6)" 1 \
	"$(ip netns exec "$A" sysctl -n net.ipv6.conf.vtun0.ignore_routes_with_linkdown)"
check "primary route in use" route_is vtun0

# Traffic runs; the primary's underlay is cut at B.
ip netns exec "$A" ping -q -i 0.1 -W 1 -I $SRC $SVC >/dev/null 2>&1 &
pingpid=$!
defer kill $pingpid
sleep 1
t0=$(now_ms)
cut_primary
t_cut=$(($(now_ms) - t0))
retry 5 has_event monitor-down
t_event=$(($(now_ms) - t0))
retry 10 route_is vtun1
t_route=$(($(now_ms) - t0))
# Detection: threshold misses, +1 interval (+ polling and scheduling
# slack in a loaded TCG guest) after the cut, which took effect at some
# point while nft ran; the link event up to 1 s more.
limit=$((t_cut + INTERVAL * (THRESHOLD + 1) + SLACK))
diag "cut: nft took ${t_cut} ms, monitor-down after ${t_event} ms, backup route after ${t_route} ms"
check "monitor-down within interval x (threshold + 1) (${t_event} ms)" \
	test "$t_event" -le "$limit"
check "backup route wins within that + the link event (${t_route} ms)" \
	test "$t_route" -le $((limit + SLACK))
check_eq "monitor-down event: reason and device" "vtun0 probes-lost down fail-over" \
	"$(grep '"monitor-down"' "$EV" | head -n1 | python3 -c 'import json,sys; e=json.load(sys.stdin)
print(e["ifname"], e["reason"], e["state"], e["action"])')"
check_eq "carrier off" False "$(mon vtun0 carrier)"
check "device stays up, without carrier, with its address" sh -c "
	ip -n $A link show vtun0 | grep -q 'NO-CARRIER.*,UP' &&
	ip -n $A addr show vtun0 | grep -q 'inet 10.0.0.1/32'"
n=$(txp vtun1)
sleep 0.5
check "traffic flows over the backup" test "$(txp vtun1)" -ge $((n + 3))
check "service answers over the backup" \
	ip netns exec "$A" ping -q -c 2 -i 0.2 -W 1 -I $SRC $SVC
check "lost probes counted" test "$(mon vtun0 lost)" -ge $THRESHOLD

t0=$(now_ms)
restore_primary
t_restore=$(($(now_ms) - t0))
sleep 0.5
# Only a route read within the hold-down of t0 must still be the backup's
# (a loaded guest can take longer than that to get here).
r=$(route_dev) dt=$(($(now_ms) - t0))
if [ "$dt" -lt "$HOLD" ]; then
	check_eq "hold-down: still on the backup ${dt} ms after the restore" vtun1 "$r"
	[ "$r" = vtun1 ] || diag "monitor $(mon vtun0 state), carrier $(mon vtun0 carrier)"
else
	skip "hold-down: still on the backup after the restore" \
		"route read ${dt} ms after it, past the ${HOLD} ms hold-down"
fi
retry 10 route_is vtun0
t_back=$(($(now_ms) - t0))
diag "restore: nft took ${t_restore} ms, primary route after ${t_back} ms"
check "primary back after the hold-down (${t_back} ms)" test "$t_back" -ge "$HOLD" -a \
	"$t_back" -le $((t_restore + HOLD + 3 * INTERVAL + 2 * SLACK + 200))
check "monitor-up event" retry 3 has_event monitor-up
check_eq "monitor-up reason" "probes-answered up" \
	"$(grep '"monitor-up"' "$EV" | head -n1 | python3 -c 'import json,sys; e=json.load(sys.stdin)
print(e["reason"], e["state"])')"
check_eq "carrier on" True "$(mon vtun0 carrier)"
n=$(txp vtun0)
sleep 0.5
check "traffic back on the primary" test "$(txp vtun0)" -ge $((n + 3))
check "rtt reported" test "$(mon vtun0 rtt)" -gt 0

# wait-recover: the event only, no route change.
check "monitor set to wait-recover" VA monitor set vtun0 action wait-recover
check_eq "ignore_routes_with_linkdown given back" 0 \
	"$(ip netns exec "$A" sysctl -n net.ipv4.conf.vtun0.ignore_routes_with_linkdown)"
: >"$EV"
cut_primary
check "wait-recover: monitor-down event" retry 5 has_event monitor-down
check_eq "wait-recover: state down" down "$(mon vtun0 state)"
sleep 1.2
check "wait-recover: route unchanged" route_is vtun0
check_eq "wait-recover: carrier stays on" True "$(mon vtun0 carrier)"
restore_primary
check "wait-recover: monitor-up after the restore" retry 5 has_event monitor-up

# Optimized: answers are the traffic itself; probes only when idle.
check "optimized on" VA monitor set vtun0 optimized on action fail-over hold-down 0
sleep 0.5
n=$(mon vtun0 sent)
sleep 1.5
check_eq "optimized: no probes while traffic comes in" "$n" "$(mon vtun0 sent)"
kill $pingpid 2>/dev/null
wait $pingpid 2>/dev/null
check "optimized: probes when idle" retry 5 mon_ge vtun0 sent $((n + 2))
check_eq "optimized: still up" up "$(mon vtun0 state)"
check "monitor deleted" VA monitor del vtun0
check_eq "no monitor in show" "" "$(VA -j show vtun0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0].get("monitor", ""))')"
check_eq "ignore_routes_with_linkdown off after del" 0 \
	"$(ip netns exec "$A" sysctl -n net.ipv4.conf.vtun0.ignore_routes_with_linkdown)"

# IPv6 probes: ICMPv6 echo to B's IPv6 overlay address, fail-over.
echo6_reps() { ip netns exec "$A" nstat -az Icmp6InEchoReplies | awk '/Icmp6InEchoReplies/ {print $2}'; }
route6_linkdown() { ip -n "$A" -6 route show "${OV6[1]}" | grep -q linkdown; }
reps=$(echo6_reps)
: >"$EV"
check "IPv6 fail-over monitor added" VA monitor add vtun0 dst "${OV6[1]}" \
	interval $((100 * VTUN_SLOW)) threshold 2 action fail-over \
	hold-down $((300 * VTUN_SLOW))
check_eq "IPv6: source from the device" "${OV6[0]}" "$(mon vtun0 src)"
check "IPv6 probes are answered" retry 5 mon_ge vtun0 received 3
check_eq "ICMPv6 answers consumed: no echo reply reaches A's stack" "$reps" "$(echo6_reps)"
cut_primary
check "IPv6: monitor-down event" retry 5 has_event monitor-down
check_eq "IPv6: state down" down "$(mon vtun0 state)"
check_eq "IPv6: carrier off" False "$(mon vtun0 carrier)"
check "IPv6: route through the device linkdown" retry 3 route6_linkdown
check "IPv6: lost probes counted" mon_ge vtun0 lost 2
restore_primary
check "IPv6: monitor-up after the restore" retry 5 has_event monitor-up
check_eq "IPv6: state up" up "$(mon vtun0 state)"
check_eq "IPv6: carrier on" True "$(mon vtun0 carrier)"
route6_up() { ! route6_linkdown; }
check "IPv6: route up again" retry 3 route6_up
check "IPv6 monitor deleted" VA monitor del vtun0

# Carrier follows the SA, without a monitor: none unless a usable
# outbound SA (not standby) exists or on-demand is on.
no_carrier() { ip -n "$A" link show "$1" | grep -q NO-CARRIER; }
has_carrier() { ip -n "$A" link show "$1" | grep -q 'LOWER_UP' && ! no_carrier "$1"; }
tx_no_sa() { drop "$A" tx-no-sa "$1"; }
VA link add vtun2 local 192.0.2.1 remote 192.0.2.99
ip -n "$A" addr add 10.0.2.1/32 dev vtun2
ip -n "$A" link set vtun2 up
ip -n "$A" route add 10.0.2.0/24 dev vtun2
check_eq "no SA: carrier off" False "$(mon vtun2 carrier)"
check "no SA: ip link shows NO-CARRIER" retry 3 no_carrier vtun2
check_eq "on-demand off by default" false \
	"$(VA -j show vtun2 | jq -r '.[0]["on-demand"]')"
n=$(tx_no_sa vtun2)
ip netns exec "$A" ping -q -c 1 -W 1 10.0.2.2 >/dev/null 2>&1
check_eq "no carrier: nothing reaches vtun (no tx-no-sa)" "$n" "$(tx_no_sa vtun2)"
check "inbound SA" VA sa add vtun2 dir in spi 0x6001 proto esp $(alg_vtun $ALG)
check_eq "inbound SA only: carrier off" False "$(mon vtun2 carrier)"
check "standby outbound SA" VA sa add vtun2 dir out spi 0x5002 proto esp \
	$(alg_vtun $ALG) standby
check_eq "standby outbound SA only: carrier off" False "$(mon vtun2 carrier)"
check "outbound SA added" VA sa add vtun2 dir out spi 0x5001 proto esp $(alg_vtun $ALG)
check_eq "outbound SA: carrier on" True "$(mon vtun2 carrier)"
check "outbound SA: ip link shows carrier" retry 3 has_carrier vtun2
check "outbound SA deleted" VA sa del vtun2 dir out spi 0x5001
check_eq "only a standby SA left: carrier off" False "$(mon vtun2 carrier)"
check "SA deleted: ip link shows NO-CARRIER" retry 3 no_carrier vtun2
check "standby SA activated" VA sa set vtun2 dir out spi 0x5002 active
check_eq "activated: carrier on" True "$(mon vtun2 carrier)"
check "made standby again" VA sa set vtun2 dir out spi 0x5002 standby
check_eq "standby: carrier off" False "$(mon vtun2 carrier)"
check "on-demand on" VA link set vtun2 on-demand on
check_eq "on-demand shown" true "$(VA -j show vtun2 | jq -r '.[0]["on-demand"]')"
check_eq "on-demand: carrier on without a usable SA" True "$(mon vtun2 carrier)"
check "on-demand: ip link shows carrier" retry 3 has_carrier vtun2
n=$(tx_no_sa vtun2)
ip netns exec "$A" ping -q -c 2 -i 0.2 -W 1 10.0.2.2 >/dev/null 2>&1
# (and whatever IPv6 sends of its own once the carrier is on)
check "on-demand: traffic reaches vtun, counted as tx-no-sa" \
	test "$(tx_no_sa vtun2)" -ge $((n + 2))
check "on-demand off" VA link set vtun2 on-demand off
check_eq "on-demand off: carrier off" False "$(mon vtun2 carrier)"

# With a monitor: the same; probes go out without carrier.
check "monitor on a device without a usable SA" VA monitor add vtun2 dst 10.0.2.2 interval 100
check_eq "no usable outbound SA: carrier off" False "$(mon vtun2 carrier)"
check "probes sent without carrier" retry 3 mon_ge vtun2 sent 3
check "outbound SA added" VA sa add vtun2 dir out spi 0x5001 proto esp $(alg_vtun $ALG)
check_eq "outbound SA: carrier on" True "$(mon vtun2 carrier)"
check "outbound SA deleted" VA sa del vtun2 dir out spi 0x5001
check_eq "SA gone: carrier off" False "$(mon vtun2 carrier)"
check "device with a running monitor deleted" VA link del vtun2
check "monitor on the backup" VA monitor add vtun1 dst 10.0.1.2 interval 100
check "namespace with a running monitor deleted" ip netns del "$A"
tap_done
