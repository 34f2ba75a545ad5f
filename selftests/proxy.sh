#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Proxy IDs against a policy-based Linux XFRM peer: site A is one vtun
# device with three proxy IDs (two IPv4 subnet pairs, one IPv6), each
# with its own SA pair; site B has one XFRM policy pair and SA pair per
# selector (tunnel mode, reqids). Each subnet pair works both ways on
# its own SAs; a spoofed inner source on the wrong SA is dropped as
# rx-selector-mismatch; unmatched traffic is tx-no-proxy-id; a proxy ID
# without an outbound SA raises rate-limited acquire events (a device
# without any needs on-demand to keep its carrier); malformed
# requests fail with an errno and extack and change nothing; the limit
# of 250; deleting a proxy ID deletes its SAs; transport mode refuses
# proxy IDs.
# vtun-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

vtun_load || skip_all "cannot load vtun"
need_modules veth esp4 esp6 xfrm_user

EV=$(mktemp /tmp/vtun-ev.XXXXXX)
defer rm -f "$EV"
VA() { ns_exec "$A" "$VTUNCTL" "$@"; }
GCM="aead rfc4106(gcm(aes)) $K20 128"
XGCM=(aead "rfc4106(gcm(aes))" "$K20" 128)
LA=${UL4[0]} LB=${UL4[1]}

# Selectors as seen from A: id, A's subnet, B's subnet, a host in each.
PID=(1 2 3)
NETA=(10.1.1.0/24 10.1.2.0/24 fd01:1::/64)
NETB=(10.2.1.0/24 10.2.2.0/24 fd02:1::/64)
HOSTA=(10.1.1.1 10.1.2.1 fd01:1::1)
HOSTB=(10.2.1.1 10.2.2.1 fd02:1::1)

# vsa DIR SPI: packets of a vtun SA at A
vsa() {
	VA -j sa show vtun0 | python3 -c "import json,sys
for sa in json.load(sys.stdin):
    if sa['dir'] == '$1' and sa['spi'] == $2: print(sa['stats']['packets'])"
}

# xsa SRC DST SPI: packets of an XFRM state at B
xsa() {
	ip -n "$B" -s xfrm state get src "$1" dst "$2" proto esp spi "$3" |
		grep -o '[0-9]*(packets)' | tr -d -c 0-9
}

npid() { VA -j proxy-id show "${1:-vtun0}" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

topo_underlay
ip netns exec "$A" sysctl -qw net.ipv6.conf.default.addr_gen_mode=1
VA link add vtun0 local "$LA" remote "$LB"
ip -n "$A" link set vtun0 up
for i in 0 1 2; do
	ip -n "$A" addr add "${HOSTA[$i]}" dev lo
	ip -n "$B" addr add "${HOSTB[$i]}" dev lo
done
ip -n "$A" route add 10.2.0.0/16 dev vtun0
ip -n "$A" route add 10.2.1.0/24 dev vtun0 src 10.1.1.1
ip -n "$A" route add 10.2.2.0/24 dev vtun0 src 10.1.2.1
ip -n "$A" -6 route add fd02::/16 dev vtun0
ip -n "$B" route add 10.1.0.0/16 dev ul0
ip -n "$B" -6 route add fd01::/16 dev ul0

for i in 0 1 2; do
	id=${PID[$i]} out=$((0x1000 + PID[i])) in=$((0x2000 + PID[i]))
	check "proxy ID $id added" VA proxy-id add vtun0 id "$id" \
		local "${NETA[$i]}" remote "${NETB[$i]}"
	check "proxy ID $id: outbound SA" VA sa add vtun0 dir out spi $out \
		proto esp $GCM proxy-id "$id"
	check "proxy ID $id: inbound SA" VA sa add vtun0 dir in spi $in \
		proto esp $GCM proxy-id "$id"
	ip -n "$B" xfrm state add src "$LA" dst "$LB" proto esp spi $out \
		reqid "$id" mode tunnel flag af-unspec "${XGCM[@]}"
	ip -n "$B" xfrm state add src "$LB" dst "$LA" proto esp spi $in \
		reqid "$id" mode tunnel flag af-unspec "${XGCM[@]}"
	ip -n "$B" xfrm policy add src "${NETB[$i]}" dst "${NETA[$i]}" dir out \
		tmpl src "$LB" dst "$LA" proto esp mode tunnel reqid "$id"
	ip -n "$B" xfrm policy add src "${NETA[$i]}" dst "${NETB[$i]}" dir in \
		tmpl src "$LA" dst "$LB" proto esp mode tunnel reqid "$id"
done

check_eq "proxy-id show (text)" \
	"vtun0 id 1 local 10.1.1.0/24 remote 10.2.1.0/24" \
	"$(VA proxy-id show vtun0 | head -n 1)"
check_eq "proxy-id show -j: match order" "1 2 3" "$(VA -j proxy-id show vtun0 |
	python3 -c 'import json,sys; print(*[p["id"] for p in json.load(sys.stdin)])')"
check_eq "proxy-id show one" "fd02:1::/64" "$(VA -j proxy-id show vtun0 id 3 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["remote"])')"
check_eq "sa show carries the proxy ID" 2 "$(VA -j sa show vtun0 |
	python3 -c 'import json,sys
print(*[s["proxy-id"] for s in json.load(sys.stdin) if s["spi"] == 0x2002])')"

# Each pair both ways: 3 pings from each side = 6 packets per SA.
for i in 0 1 2; do
	check "pair ${PID[$i]}: A to B" ns_exec "$A" ping -q -c 3 -i 0.2 -W 2 \
		-I "${HOSTA[$i]}" "${HOSTB[$i]}"
	check "pair ${PID[$i]}: B to A" ns_exec "$B" ping -q -c 3 -i 0.2 -W 2 \
		-I "${HOSTB[$i]}" "${HOSTA[$i]}"
done
for i in 0 1 2; do
	out=$((0x1000 + PID[i])) in=$((0x2000 + PID[i]))
	check_eq "pair ${PID[$i]}: own vtun outbound SA" 6 "$(vsa out $out)"
	check_eq "pair ${PID[$i]}: own vtun inbound SA" 6 "$(vsa in $in)"
	check_eq "pair ${PID[$i]}: own XFRM inbound SA" 6 "$(xsa "$LA" "$LB" $out)"
	check_eq "pair ${PID[$i]}: own XFRM outbound SA" 6 "$(xsa "$LB" "$LA" $in)"
done
check "TCP over pair 2" python3 "$VTUN_TOP/selftests/tcpcheck.py" transfer \
	"$B" "$A" "${HOSTB[1]}" 5001 65536

# B sends 10.2.2.x -> 10.1.1.x through proxy ID 1's SA: a spoofed source.
ip -n "$B" xfrm policy add src 10.2.2.0/24 dst 10.1.1.0/24 dir out \
	tmpl src "$LB" dst "$LA" proto esp mode tunnel reqid 1
before=$(drop "$A" rx-selector-mismatch) vin=$(vsa in $((0x2001)))
xin=$(xsa "$LB" "$LA" $((0x2001)))
check_fail "spoofed inner source is not delivered" ns_exec "$B" ping -q -c 3 \
	-i 0.2 -W 1 -I 10.2.2.1 10.1.1.1
check_eq "spoofed packets went through proxy ID 1's SA" $((xin + 3)) \
	"$(xsa "$LB" "$LA" $((0x2001)))"
check_eq "spoofed packets counted as rx-selector-mismatch" $((before + 3)) \
	"$(drop "$A" rx-selector-mismatch)"
check_eq "spoofed packets not counted as received on the SA" "$vin" \
	"$(vsa in $((0x2001)))"
ip -n "$B" xfrm policy del src 10.2.2.0/24 dst 10.1.1.0/24 dir out

# Traffic outside every selector, crossing pairs or to no pair at all.
before=$(drop "$A" tx-no-proxy-id)
ns_exec "$A" ping -q -c 2 -i 0.2 -W 1 -I 10.1.2.1 10.2.1.1 >/dev/null 2>&1
ns_exec "$A" ping -q -c 2 -i 0.2 -W 1 -I 10.1.1.1 10.2.9.1 >/dev/null 2>&1
check "unmatched packets counted as tx-no-proxy-id" \
	test "$(drop "$A" tx-no-proxy-id)" -ge $((before + 4))
check_eq "unmatched packets used no SA" 6 "$(vsa out $((0x1001)))"

# Match order is insertion order: a broader later proxy ID loses.
check "broader proxy ID added" VA proxy-id add vtun0 id 6 local 10.1.1.0/24 \
	remote 10.2.0.0/16
check "first match still carries its pair" ns_exec "$A" ping -q -c 1 -W 2 \
	-I 10.1.1.1 10.2.1.1
check_eq "first match's SA used" 7 "$(vsa out $((0x1001)))"
before=$(drop "$A" tx-no-sa)
ns_exec "$A" ping -q -c 1 -W 1 -I 10.1.1.1 10.2.9.1 >/dev/null 2>&1
check_eq "broader proxy ID matches the rest (no SA)" $((before + 1)) "$(drop "$A" tx-no-sa)"
VA proxy-id del vtun0 id 6

# Acquire: a proxy ID without an outbound SA, 40 packets in 2 s.
ip -n "$A" addr add 10.1.4.1 dev lo
VA proxy-id add vtun0 id 4 local 10.1.4.0/24 remote 10.2.4.0/24 proto icmp
ip netns exec "$A" "$VTUNCTL" -j events >"$EV" 2>&1 &
evpid=$!
sleep 1
before=$(drop "$A" tx-no-sa)
ns_exec "$A" ping -q -c 40 -i 0.05 -W 1 -I 10.1.4.1 10.2.4.1 >/dev/null 2>&1
sleep 0.5
kill -TERM $evpid
check "events exits cleanly on SIGTERM" wait $evpid
check "packets without an outbound SA counted as tx-no-sa" \
	test "$(drop "$A" tx-no-sa)" -ge $((before + 40))
n=$(grep -c '"event":"acquire"' "$EV")
check "acquire events are rate-limited (got $n for 40 packets)" \
	test "$n" -ge 1 -a "$n" -le 4
check_eq "acquire event carries the selector" \
	"vtun0 4 10.1.4.0/24 10.2.4.0/24 1" "$(head -n 1 "$EV" | python3 -c '
import json,sys; e=json.load(sys.stdin)
print(e["ifname"], e["id"], e["local"], e["remote"], e["ip-proto"])')"

# Ports select: UDP from port 1500 to 53 matches, from 999 does not.
ip -n "$A" addr add 10.1.5.1 dev lo
VA proxy-id add vtun0 id 5 local 10.1.5.0/24 remote 10.2.5.0/24 proto udp \
	local-port 1000-2000 remote-port 53
udp() { ns_exec "$A" python3 -c "import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('10.1.5.1', $1)); s.sendto(b'x', ('10.2.5.1', 53))"; }
before=$(drop "$A" tx-no-proxy-id)
udp 999
check_eq "UDP outside the port range: tx-no-proxy-id" $((before + 1)) \
	"$(drop "$A" tx-no-proxy-id)"
timeout 20 ip netns exec "$A" "$VTUNCTL" events count 1 >"$EV" 2>&1 &
evpid=$!
sleep 1
udp 1500
check "events count 1 exits after one event" wait $evpid
check_eq "acquire event (text) with ports" \
	"acquire vtun0 id 5 local 10.1.5.0/24 remote 10.2.5.0/24 proto udp local-port 1000-2000 remote-port 53" \
	"$(cat "$EV")"

# The default pair: id 0 and the packet's own addresses. Without an SA
# the device has no carrier; on-demand keeps it so that traffic raises
# acquires (an IKE daemon's on-demand tunnels).
VA link add vtun1 local "$LA" remote 192.0.2.9
ip netns exec "$A" sysctl -qw net.ipv6.conf.vtun1.disable_ipv6=1
ip -n "$A" link set vtun1 up
ip -n "$A" route add 10.9.9.0/24 dev vtun1
no_carrier() { ip -n "$A" link show vtun1 | grep -q NO-CARRIER; }
check "default pair without SA: NO-CARRIER" retry 3 no_carrier
check "on-demand on" VA link set vtun1 on-demand on
check "on-demand: carrier on" retry 3 eval '! no_carrier'
timeout 20 ip netns exec "$A" "$VTUNCTL" -j events count 1 >"$EV" 2>&1 &
evpid=$!
sleep 1
ns_exec "$A" ping -q -c 1 -W 1 -I 10.1.1.1 10.9.9.9 >/dev/null 2>&1
check "default pair without SA: acquire event" wait $evpid
check_eq "default pair acquire: id 0, /32 addresses" \
	"vtun1 0 10.1.1.1/32 10.9.9.9/32" "$(python3 -c '
import json,sys; e=json.load(sys.stdin)
print(e["ifname"], e["id"], e["local"], e["remote"])' <"$EV")"

# bad DESC EXPECTED-TEXT ARGS...: refused, nothing changed
bad() {
	local desc=$1 want=$2 n
	shift 2
	n=$(npid)
	check_err "$desc" "$want" VA proxy-id add vtun0 "$@"
	check_eq "$desc: nothing changed" "$n" "$(npid)"
}
bad "family mismatch" "remote: address family differs from the other side (Invalid argument)" \
	id 9 local 10.1.9.0/24 remote fd00::/64
bad "IPv4 prefix longer than 32" "local-len: longer than the address (Invalid argument)" \
	id 9 local 10.1.9.0/33 remote 10.2.9.0/24
bad "IPv6 prefix longer than 128" "out of range (Numerical result out of range)" \
	id 9 local fd01:9::/64 remote fd02:9::/129
bad "host bits set" "local: host bits set beyond the prefix length (Invalid argument)" \
	id 9 local 10.1.9.1/24 remote 10.2.9.0/24
bad "IPv6 host bits set" "remote: host bits set beyond the prefix length (Invalid argument)" \
	id 9 local fd01:9::/64 remote fd02:9::1/64
bad "port range reversed" "local-port-max: below the minimum port (Invalid argument)" \
	id 9 local 10.1.9.0/24 remote 10.2.9.0/24 proto tcp local-port 90-80
bad "ports without a protocol" "local-port-min: ports need ip-proto" \
	id 9 local 10.1.9.0/24 remote 10.2.9.0/24 local-port 80
bad "ports with ICMP" "remote-port-min: ports need ip-proto" \
	id 9 local 10.1.9.0/24 remote 10.2.9.0/24 proto icmp remote-port 80
bad "duplicate id" "id: already in use on this device (File exists)" \
	id 1 local 10.1.9.0/24 remote 10.2.9.0/24
bad "id 0" "out of range" id 0 local 10.1.9.0/24 remote 10.2.9.0/24
check_err "SA bound to a missing proxy ID" \
	"proxy-id: no such proxy ID on this device (No such file or directory)" \
	VA sa add vtun0 dir out spi 0x1009 proto esp $GCM proxy-id 9
check_err "delete of a missing proxy ID" "id: no such proxy ID on this device" \
	VA proxy-id del vtun0 id 9

# Deleting a proxy ID deletes its SAs; its traffic is then unmatched.
check "delete proxy ID 2" VA proxy-id del vtun0 id 2
check_eq "its SAs are gone" "" "$(VA -j sa show vtun0 | python3 -c 'import json,sys
print(*[s["spi"] for s in json.load(sys.stdin) if s["proxy-id"] == 2])')"
check_eq "other SAs stay" 4 "$(VA -j sa show vtun0 | python3 -c 'import json,sys
print(len(json.load(sys.stdin)))')"
before=$(drop "$A" tx-no-proxy-id)
ns_exec "$A" ping -q -c 1 -W 1 -I 10.1.2.1 10.2.2.1 >/dev/null 2>&1
check_eq "its traffic is unmatched now" $((before + 1)) "$(drop "$A" tx-no-proxy-id)"
check "remaining pairs still work" ns_exec "$A" ping -q -c 1 -W 2 -I 10.1.1.1 10.2.1.1

# Transport mode and proxy IDs exclude each other.
check_err "no transport mode with proxy IDs" "transport mode rejects proxy IDs" \
	VA link set vtun0 mode transport
check_eq "device still in tunnel mode" tunnel "$(VA -j show vtun0 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["mode"])')"
VA link add vtunt local "$LA" remote 192.0.2.8 mode transport
check_err "no proxy IDs on a transport-mode device" "transport mode rejects proxy IDs" \
	VA proxy-id add vtunt id 1 local 10.1.1.0/24 remote 10.2.1.0/24
check_eq "transport device has none" 0 "$(npid vtunt)"

# 250 proxy IDs fit, the 251st does not; the limit is a module parameter.
VA link add vtun2 local "$LA" remote 192.0.2.7
ok=0
for i in $(seq 1 250); do
	VA proxy-id add vtun2 id "$i" local "10.100.$i.0/24" \
		remote "10.200.$i.0/24" && ok=$((ok + 1))
done
check_eq "250 proxy IDs added" 250 "$ok"
check_err "the 251st is refused" "(No space left on device)" \
	VA proxy-id add vtun2 id 251 local 10.100.251.0/24 remote 10.200.251.0/24
check_eq "250 proxy IDs listed" 250 "$(npid vtun2)"
par=/sys/module/vtun/parameters/max_proxy_ids
if [ -w $par ]; then
	defer sh -c "echo 250 >$par"
	echo 3 >$par
	check_err "max_proxy_ids=3 refuses a 4th" "(No space left on device)" \
		VA proxy-id add vtun0 id 7 local 10.1.7.0/24 remote 10.2.7.0/24
	echo 250 >$par
else
	skip "max_proxy_ids parameter" "not writable"
fi
check "a device with proxy IDs and SAs goes away cleanly" VA link del vtun0
check "so does one with 250 proxy IDs" VA link del vtun2

tap_done
