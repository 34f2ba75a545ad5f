#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SA lifetimes against Linux XFRM: soft limits raise one expire event and
# traffic goes on; hard limits delete the SA with an expire event, after
# which the device has no carrier (with on-demand, traffic reaches vtun
# and is dropped as tx-no-sa); by seconds, bytes, packets and the
# sequence number space. sa-get reports the SA's times; sa-new and sa-del
# are announced; spi-alloc reserves inbound SPIs. Malformed requests fail
# with an extack naming the attribute and change nothing.
# vtun-timeout: 120

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

vtun_load || skip_all "cannot load vtun"
need_modules veth xfrm_interface

ALG=gcm128-16
topo_underlay
site_vtun "$A" 0 4 $ALG
site_xfrm "$B" 1 4 $ALG
# Only the pings of the test use the SAs (no IPv6 neighbour discovery).
ip netns exec "$A" sysctl -qw net.ipv6.conf.vtun0.disable_ipv6=1
xfrm_alg_args $ALG
V() { ns_exec "$A" "$VTUNCTL" "$@"; }
GCM=$(alg_vtun $ALG)
EV=$PWD/events
ns_exec "$A" "$VTUNCTL" -j events >"$EV" 2>&1 &
evpid=$!
defer kill $evpid
sleep 0.5

# out SPI [options]: B accepts SPI; A sends with it (the old one deleted)
cur=$SPI_AB
out() {
	local spi=$1
	shift
	ip -n "$B" xfrm state add src "${UL4[0]}" dst "${UL4[1]}" proto esp \
		spi "$spi" mode tunnel reqid 1 if_id 42 flag af-unspec \
		"${XFRM_ALG[@]}" &&
	V sa add vtun0 dir out spi "$spi" proto esp $GCM "$@" &&
	{ V sa del vtun0 dir out spi "$cur" 2>/dev/null; cur=$spi; }
}
ping_n() { ns_exec "$A" ping -q -c "$1" -i 0.05 -W 1 ${2:+-s $2} "${OV4[1]}" >/dev/null 2>&1; }
# ev SPI TYPE LIMIT: the expire event for SPI, as "ifname dir spi proto proxy-id"
ev() {
	python3 - "$EV" "$1" "$2" "$3" <<'EOP'
import json, sys
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("event") == "expire" and e["spi"] == int(sys.argv[2], 0) and \
            e["type"] == sys.argv[3] and e["limit"] == sys.argv[4]:
        print(e["ifname"], e["dir"], hex(e["spi"]), e["proto"], e["proxy-id"])
EOP
}
nev() { python3 -c 'import json,sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l).get("event") == "expire"))' "$EV"; }
sa_json() { V -j -s sa show vtun0 dir "$1" spi "$2"; }
sa_key() { sa_json "$1" "$2" | python3 -c 'import json,sys
d = json.load(sys.stdin)[0]
for k in sys.argv[1].split("."):
    d = d[k]
print(d)' "$3"; }

# Malformed requests: errno, extack naming the attribute, nothing changed.
bad() {
	local desc=$1 want=$2 before
	shift 2
	before=$(V sa show vtun0)
	check_err "$desc" "$want" V "$@"
	check_eq "$desc: nothing changed" "$before" "$(V sa show vtun0)"
}
bad "soft above hard" "soft-bytes: must be below hard-bytes" \
	sa add vtun0 dir out spi 0x3001 proto esp $GCM limit byte-soft 2000 limit byte-hard 1000
bad "soft equal to hard" "soft-seconds: must be below hard-seconds" \
	sa add vtun0 dir out spi 0x3001 proto esp $GCM limit time-soft 5 limit time-hard 5
bad "zero hard limit" "hard-packets: 0 is no limit" \
	sa add vtun0 dir in spi 0x3001 proto esp $GCM limit packet-hard 0
bad "active on sa-new" "standby: only for outbound SAs" \
	sa add vtun0 dir in spi 0x3001 proto esp $GCM standby
bad "sa set on a missing SA" "spi: no such SA" sa set vtun0 dir out spi 0x7777 active
bad "sa set: soft above hard" "soft-packets: must be below hard-packets" \
	sa set vtun0 dir out spi $SPI_AB limit packet-soft 9 limit packet-hard 8
bad "sa set active on an inbound SA" "active: only for outbound SAs" \
	sa set vtun0 dir in spi $SPI_BA active
bad "spi alloc with an empty range" "spi-max: below spi-min" \
	spi alloc vtun0 min 0x5000 max 0x4fff
bad "spi alloc in a full range" "no free SPI in the range" \
	spi alloc vtun0 min $SPI_BA max $SPI_BA
check_eq "no expire events yet" 0 "$(nev)"

# Times: added now, unused until the first packet.
out 0x3001
now=$(date +%s)
add=$(sa_key out 0x3001 add-time)
check "add-time is now" test $((add - now)) -le 5 -a $((now - add)) -le 60
check_eq "use-time 0 before traffic" 0 "$(sa_key out 0x3001 use-time)"
check "ping through the tunnel" ping_n 3
use=$(sa_key out 0x3001 use-time) last=$(sa_key out 0x3001 last-used)
check "use-time set by the first packet" test "$use" -ge "$add" -a "$use" -le $((now + 60))
check "last-used at or after use-time" test "$last" -ge "$use"
check_eq "packets counted" 3 "$(sa_key out 0x3001 stats.packets)"

# Packets: soft at 5 (traffic goes on), hard at 10 (SA deleted).
out 0x3101 limit packet-soft 5 limit packet-hard 10
check_eq "sa set: lifetime reported" "5 10" "$(sa_key out 0x3101 lifetime.packet-soft) $(sa_key out 0x3101 lifetime.packet-hard)"
ping_n 7
check "traffic goes on after the soft limit" ping_n 2
retry 3 test -n "$(ev 0x3101 soft packets)"
check_eq "soft expire event (packets)" "vtun0 out 0x3101 esp 0" "$(ev 0x3101 soft packets)"
ping_n 5
retry 3 test -n "$(ev 0x3101 hard packets)"
check_eq "hard expire event (packets)" "vtun0 out 0x3101 esp 0" "$(ev 0x3101 hard packets)"
check_fail "hard-expired SA is deleted" V sa show vtun0 dir out spi 0x3101
sent=$(ip -n "$B" -s xfrm state get src "${UL4[0]}" dst "${UL4[1]}" proto esp spi 0x3101 |
	awk '/lifetime current:/ { getline; print $2 }' | tr -d '(packets)')
check "peer got 10 packets (+1 per CPU at most), got $sent" test "$sent" -ge 10 -a "$sent" -le $((10 + $(nproc)))
check_eq "hard-expired: no usable SA, carrier off" false \
	"$(V -j show vtun0 | jq -r '.[0].carrier')"
no_carrier() { ip -n "$A" link show vtun0 | grep -q NO-CARRIER; }
check "hard-expired: ip link shows NO-CARRIER" retry 3 no_carrier
before=$(drop "$A" tx-no-sa)
check "on-demand on" V link set vtun0 on-demand on
ping_n 3
check "on-demand: traffic without an SA counted as tx-no-sa" \
	test "$(drop "$A" tx-no-sa)" -ge $((before + 3))
check "on-demand off" V link set vtun0 on-demand off
check_eq "one soft and one hard event per SA" 2 "$(nev)"

# Bytes: the inner bytes the SA protected.
out 0x3201 limit byte-soft 3000 limit byte-hard 6000
ping_n 4 1000
retry 3 test -n "$(ev 0x3201 soft bytes)"
check_eq "soft expire event (bytes)" "vtun0 out 0x3201 esp 0" "$(ev 0x3201 soft bytes)"
ping_n 4 1000
retry 3 test -n "$(ev 0x3201 hard bytes)"
check_eq "hard expire event (bytes)" "vtun0 out 0x3201 esp 0" "$(ev 0x3201 hard bytes)"

# Seconds since add, changed by sa set (counters kept).
out 0x3301
ping_n 2
# The hard limit leaves a slow guest time to see the soft event first.
check "sa set: time limits" V sa set vtun0 dir out spi 0x3301 limit time-soft 1 \
	limit time-hard $((10 * VTUN_SLOW))
check_eq "sa set keeps the counters" 2 "$(sa_key out 0x3301 stats.packets)"
retry 4 test -n "$(ev 0x3301 soft seconds)"
check_eq "soft expire event (seconds)" "vtun0 out 0x3301 esp 0" "$(ev 0x3301 soft seconds)"
check "traffic after the soft time limit" ping_n 2
retry 12 test -n "$(ev 0x3301 hard seconds)"
check_eq "hard expire event (seconds)" "vtun0 out 0x3301 esp 0" "$(ev 0x3301 hard seconds)"
check_fail "no traffic after the hard time limit" ping_n 1

# Seconds since first use, on an inbound SA.
check "inbound SA with a use-time limit" \
	V sa add vtun0 dir in spi 0x3401 proto esp $GCM limit time-use-hard 1
sleep 2
check_eq "unused: no use-time expiry" "" "$(ev 0x3401 hard use-seconds)"

# Sequence numbers: soft at seq-margin before 2^32-1, hard at it.
out 0x3501 seq 0xffffffe0 limit seq-margin 16
ping_n 40
retry 3 test -n "$(ev 0x3501 hard seq)"
check_eq "soft expire event (seq)" "vtun0 out 0x3501 esp 0" "$(ev 0x3501 soft seq)"
check_eq "hard expire event (seq)" "vtun0 out 0x3501 esp 0" "$(ev 0x3501 hard seq)"
check_fail "sequence-exhausted SA is deleted" V sa show vtun0 dir out spi 0x3501

# sa-new and sa-del notifications.
V sa add vtun0 dir in spi 0x3601 proto esp $GCM
V sa del vtun0 dir in spi 0x3601
check_eq "sa-new and sa-del events" "sa-new in 13825 esp
sa-del in 13825 esp" "$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("spi") == 0x3601: print(e["event"], e["dir"], e["spi"], e["proto"])' "$EV")"

# spi-alloc: in the default range, unique in the namespace, taken only by
# an inbound SA of the device, released by its timeout.
spi=$(V spi alloc vtun0)
check "spi alloc: in 0xc0000000-0xcfffffff ($spi)" test $((spi)) -ge $((0xc0000000)) -a $((spi)) -le $((0xcfffffff))
V link add vtun1 local 192.0.2.1 remote 192.0.2.9
check_err "reserved SPI: not for another device" "spi: reserved by another device" \
	V sa add vtun1 dir in spi "$spi" proto esp $GCM
check "reserved SPI: the device's inbound SA takes it" V sa add vtun0 dir in spi "$spi" proto esp $GCM
check_err "a taken SPI is not reserved again" "no free SPI" V spi alloc vtun1 min "$spi" max "$spi"
spi=$(V spi alloc vtun0 min 0x7000 max 0x7000 timeout $((2 * VTUN_SLOW)))
check_eq "spi alloc of a one-SPI range" 0x00007000 "$spi"
check_err "reservation holds" "reserved by another device" V sa add vtun1 dir in spi 0x7000 proto esp $GCM
sleep $((2 * VTUN_SLOW))
check "expired reservation: the SPI is free" retry 2 V sa add vtun1 dir in spi 0x7000 proto esp $GCM

tap_done
