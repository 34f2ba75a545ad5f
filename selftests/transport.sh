#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Transport mode: ESP between the two gateway addresses, IPv4 and IPv6,
# against Linux XFRM transport-mode SAs and against vtun; traffic for the
# peer gateway routed into the device is protected while the outer lookup
# stays in the underlay. GRE inside transport mode: against an XFRM
# transport SA protecting a GRE device, inner IPv4 and IPv6, and an OSPF
# adjacency (BIRD) that forms across it and installs the peer's routes.
# vtun-timeout: 900

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

vtun_load || skip_all "cannot load vtun"
need_modules veth esp4 esp6 xfrm_user ip_gre ip6_gre

ALGS_RUN=${TRANSPORT_ALGS:-$ALG_NAMES}
GRE4=(10.255.0.1 10.255.0.2)
GRE6=(fd00:255::1 fd00:255::2)

vt() { local ns=$1; shift; ns_exec "$ns" "$VTUNCTL" "$@"; }

# Static neighbours: XFRM transport policies between the gateways would
# otherwise also catch IPv6 neighbour discovery.
static_neigh() {
	local i mac
	for i in 0 1; do
		mac=$(ip -n "${NS[$i]}" -br link show ul0 | awk '{ print $3 }')
		ip -n "${NS[$((1 - i))]}" neigh replace "${UL6[$i]}" lladdr "$mac" \
			dev ul0 nud permanent
	done
}

# vtun_transport NS I FAMILY ALG [gre]: vtun0 in transport mode at site I
vtun_transport() {
	local ns=$1 i=$2 fam=$3 alg=$4 gre=${5:-off} out in l r
	if [ "$i" = 0 ]; then out=$SPI_AB in=$SPI_BA; else out=$SPI_BA in=$SPI_AB; fi
	l=$(outer_addr "$i" "$fam")
	r=$(outer_addr $((1 - i)) "$fam")
	# shellcheck disable=SC2046
	vt "$ns" link add vtun0 local "$l" remote "$r" underlay ul0 \
		mode transport gre "$gre" &&
	vt "$ns" sa add vtun0 dir out spi "$out" proto esp $(alg_vtun "$alg") &&
	vt "$ns" sa add vtun0 dir in spi "$in" proto esp $(alg_vtun "$alg") &&
	ip -n "$ns" link set vtun0 up
}

# xfrm_transport NS I FAMILY ALG [PROTO]: XFRM transport SAs and policies
# between the gateways at site I, for PROTO (default: any)
xfrm_transport() {
	local ns=$1 i=$2 fam=$3 alg=$4 out in l r sel=()
	[ -n "${5:-}" ] && sel=(proto "$5")
	if [ "$i" = 0 ]; then out=$SPI_AB in=$SPI_BA; else out=$SPI_BA in=$SPI_AB; fi
	l=$(outer_addr "$i" "$fam")
	r=$(outer_addr $((1 - i)) "$fam")
	xfrm_alg_args "$alg"
	ip -n "$ns" xfrm state add src "$l" dst "$r" proto esp spi "$out" \
		mode transport reqid 1 "${XFRM_ALG[@]}" &&
	ip -n "$ns" xfrm state add src "$r" dst "$l" proto esp spi "$in" \
		mode transport reqid 1 "${XFRM_ALG[@]}" &&
	ip -n "$ns" xfrm policy add src "$l" dst "$r" "${sel[@]}" dir out \
		tmpl src "$l" dst "$r" proto esp mode transport reqid 1 &&
	ip -n "$ns" xfrm policy add src "$r" dst "$l" "${sel[@]}" dir in \
		tmpl src "$r" dst "$l" proto esp mode transport reqid 1
}

# route_peer NS I FAMILY: the peer gateway's address routed into vtun0
route_peer() {
	local l r
	l=$(outer_addr "$2" "$3")
	r=$(outer_addr $((1 - $2)) "$3")
	ip -n "$1" route add "$r" dev vtun0 src "$l"
}

gw_ping() {
	ns_exec "$1" ping -q -c 2 -i 0.2 -W 2 "$(outer_addr $((1 - $2)) "$3")" >/dev/null
}

gw_tcp() { # NS_SRV I_SRV NS_CLI FAMILY BYTES
	python3 "$VTUN_TOP/selftests/tcpcheck.py" transfer "$1" "$3" \
		"$(outer_addr "$2" "$4")" 5001 "$5"
}

# gw_udp NS_SRV I_SRV NS_CLI FAMILY BYTES: one datagram of BYTES, without
# DF, from the client to the server gateway, received whole
gw_udp() {
	python3 "$VTUN_TOP/selftests/tcpcheck.py" datagram "$1" "$3" \
		"$(outer_addr "$2" "$4")" 5002 "$5" || { lost_where "$3" "$1"; return 1; }
}

# (jq and awk rather than Python: starting Python is slow in a TCG guest)

sa_packets() { # NS DIR: packets counted by vtun0's SA of direction DIR
	vt "$1" -j sa show vtun0 |
		jq --arg d "$2" '[.[] | select(.dir == $d) | .stats.packets] | add // 0'
}

xfrm_packets() { # NS SPI: packets XFRM counted on the state with SPI
	# "spi 0x00001001(4097)" with -s
	ip -n "$1" -s xfrm state | awk -v spi="$(printf '0x%08x' "$2")" '
		/^src / { mine = 0 }
		$1 == "proto" { for (i = 1; i < NF; i++) if ($i == "spi") mine = (index($(i + 1), spi) == 1) }
		mine && cur { sub(/.*, */, ""); sub(/\(packets\).*/, ""); print; exit }
		{ cur = mine && /lifetime current:/ }'
}

NS=()
transport_pair() { # PEER ALG FAMILY
	local peer=$1 alg=$2 fam=$3 tag="transport vtun-$1 $2 v$3"
	topo_underlay || { fail "$tag: underlay"; return; }
	NS=("$A" "$B")
	static_neigh
	if ! vtun_transport "$A" 0 "$fam" "$alg" || ! route_peer "$A" 0 "$fam"; then
		fail "$tag: configure A"; topo_reset; return
	fi
	if [ "$peer" = xfrm ]; then
		xfrm_transport "$B" 1 "$fam" "$alg"
	else
		vtun_transport "$B" 1 "$fam" "$alg" && route_peer "$B" 1 "$fam"
	fi || { fail "$tag: configure B"; topo_reset; return; }
	check "$tag: ping A->B gateway" gw_ping "$A" 0 "$fam"
	check "$tag: ping B->A gateway" gw_ping "$B" 1 "$fam"
	check "$tag: TCP A->B bytes verified" gw_tcp "$B" 1 "$A" "$fam" 65536
	check "$tag: TCP B->A bytes verified" gw_tcp "$A" 0 "$B" "$fam" 65536
	# Whole datagrams are protected, their ESP packets fragmented.
	check "$tag: 3000-byte ping without DF" ns_exec "$A" ping -q -c 2 -i 0.2 \
		-W 2 -M dont -s 3000 "$(outer_addr 1 "$fam")"
	check "$tag: 3000-byte UDP datagram A->B" gw_udp "$B" 1 "$A" "$fam" 3000
	check "$tag: protected outbound" test "$(sa_packets "$A" out)" -ge 4
	check "$tag: protected inbound" test "$(sa_packets "$A" in)" -ge 4
	if [ "$peer" = xfrm ]; then
		check "$tag: XFRM decrypted them" \
			test "$(xfrm_packets "$B" "$SPI_AB")" -ge 4
	fi
	topo_reset
}

# Each pair has namespaces of its own: run them side by side.
for alg in $ALGS_RUN; do
	for fam in 4 6; do
		par_run transport_pair xfrm "$alg" "$fam"
	done
done
par_run transport_pair vtun gcm128-16 4
par_run transport_pair vtun chacha 6
par_wait

# Only traffic between the gateways; the outer lookup never loops.
topo_underlay
NS=("$A" "$B")
vtun_transport "$A" 0 4 gcm128-16
route_peer "$A" 0 4
xfrm_transport "$B" 1 4 gcm128-16
ip -n "$A" route add 10.99.0.1 dev vtun0
# The stack's own IPv6 autoconfiguration is no traffic to refuse.
sleep 3
check_eq "idle transport device: tx-bad-inner 0" 0 "$(drop "$A" tx-bad-inner)"
check_eq "no IPv6 link-local address" "" \
	"$(ip -n "$A" -6 addr show dev vtun0 scope link)"
before=$(drop "$A" tx-bad-inner)
ns_exec "$A" ping -q -c 3 -i 0.2 -W 1 10.99.0.1 >/dev/null 2>&1
check "other destinations: tx-bad-inner" \
	test "$(drop "$A" tx-bad-inner)" -ge $((before + 3))
check_eq "no loop through the device" 0 "$(drop "$A" tx-no-route)"
# An IPv4 header shorter than 20 bytes (IHL 4) is refused, not sent.
before=$(drop "$A" tx-bad-inner)
ns_exec "$A" python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
src, dst = (socket.inet_aton(a) for a in sys.argv[1:3])
s.sendto(struct.pack("!BBHHHBBH4s4s", 0x44, 0, 40, 0, 0, 64, 17, 0, src, dst) +
         bytes(20), ("vtun0", 0x0800))' "${UL4[0]}" "${UL4[1]}"
check_eq "IHL 4 counted as tx-bad-inner" $((before + 1)) "$(drop "$A" tx-bad-inner)"
vt "$A" link set vtun0 underlay none
ns_exec "$A" ping -q -c 1 -W 1 "${UL4[1]}" >/dev/null 2>&1
check "without an underlay a looping route is refused as tx-no-route" \
	test "$(drop "$A" tx-no-route)" -ge 1
check_err "gre needs transport mode" "gre: requires transport mode" \
	vt "$A" link set vtun0 mode tunnel gre on
topo_reset

# A monitor between the gateways follows the remote: B moves to another
# address (the old one first goes: deleting a primary address deletes
# its secondaries), A's sa-set peer names it, and the probes
# are answered there; a link change that would leave the monitor without
# its gateways is refused.
mon_field() { vt "$A" -j show vtun0 | jq -r ".[0].monitor.$1"; }
mon_received_ge() { [ "$(mon_field received)" -ge "$1" ]; }
MOVED=192.0.2.102
topo_underlay
NS=("$A" "$B")
check "monitor: vtun transport pair, a monitor at A" eval '
	vtun_transport "$A" 0 4 gcm128-16 && route_peer "$A" 0 4 &&
	vtun_transport "$B" 1 4 gcm128-16 && route_peer "$B" 1 4 &&
	vt "$A" monitor add vtun0 dst "${UL4[1]}" interval 200 threshold 3'
check "monitor: probes answered" retry 10 mon_received_ge 3
check_eq "monitor: src is the local gateway" "${UL4[0]} ${UL4[1]}" \
	"$(mon_field src) $(mon_field dst)"
check "monitor: B moves to $MOVED" eval '
	ip -n "$B" addr del "${UL4[1]}/24" dev ul0 &&
	ip -n "$B" addr add "$MOVED/24" dev ul0 &&
	vt "$B" link set vtun0 local "$MOVED" &&
	ip -n "$B" route replace "${UL4[0]}" dev vtun0 src "$MOVED" &&
	vt "$A" sa set vtun0 dir out spi "$SPI_AB" peer "$MOVED" &&
	ip -n "$A" route replace "$MOVED" dev vtun0 src "${UL4[0]}"'
check_eq "monitor: dst follows the peer" "$MOVED" "$(mon_field dst)"
n=$(mon_field received)
check "monitor: probes answered at the new address" retry 10 mon_received_ge $((n + 3))
check_eq "monitor: still up" up "$(mon_field state)"
check_err "monitor: mode tunnel refused while the monitor is between the gateways" \
	"the device's monitor does not fit" vt "$A" link set vtun0 mode tunnel
check_eq "monitor: mode unchanged" transport \
	"$(vt "$A" -j show vtun0 | jq -r '.[0].mode')"
topo_reset

# GRE inside transport mode, against XFRM transport + a GRE device.
gre_site_xfrm() { # FAMILY
	local l=$(outer_addr 1 "$1") r=$(outer_addr 0 "$1") kind=gre
	[ "$1" = 6 ] && kind=ip6gre
	xfrm_transport "$B" 1 "$1" gcm128-16 gre &&
	ip -n "$B" link add gre1 type "$kind" local "$l" remote "$r" ttl 64 &&
	ip -n "$B" link set gre1 multicast on up \
		mtu "$(ns_exec "$A" cat /sys/class/net/vtun0/mtu)" &&
	ip -n "$B" addr add "${GRE4[1]}/30" dev gre1 &&
	ip -n "$B" addr add "${GRE6[1]}/64" dev gre1 nodad
}

gre_site_vtun() {
	vtun_transport "$A" 0 "$1" gcm128-16 on &&
	ip -n "$A" addr add "${GRE4[0]}/30" dev vtun0 &&
	ip -n "$A" addr add "${GRE6[0]}/64" dev vtun0 nodad
}

bird_conf() { # ROUTER-ID IFACE
	cat <<-EOC
	router id $1;
	protocol device { scan time 1; }
	protocol kernel { ipv4 { import none; export all; }; }
	protocol ospf v2 {
		ipv4 { import all; export none; };
		area 0 {
			interface "$2" { type ptp; hello 1; dead 4; };
			interface "stub0" { stub yes; };
		};
	}
	EOC
}

start_bird() { # NS I IFACE
	local dir=$TMP/bird-$2
	mkdir -p "$dir"
	bird_conf "${GRE4[$2]}" "$3" >"$dir/bird.conf"
	ip -n "$1" link add stub0 type dummy &&
	ip -n "$1" addr add "10.9.$2.1/24" dev stub0 &&
	ip -n "$1" link set stub0 up &&
	ns_exec "$1" bird -c "$dir/bird.conf" -s "$dir/ctl" -P "$dir/pid"
}

ospf_route() { # NS I: the other site's stub network learned by OSPF
	ip -n "$1" route show "10.9.$((1 - $2)).0/24" | grep -q "proto bird"
}

gre_pair() { # FAMILY
	local tag="gre-in-transport vtun-xfrm outer v$1"
	topo_underlay || { fail "$tag: underlay"; return; }
	NS=("$A" "$B")
	static_neigh
	if ! gre_site_vtun "$1" || ! gre_site_xfrm "$1"; then
		fail "$tag: configure"; topo_reset; return
	fi
	check "$tag: ping inner v4 A->B" ns_exec "$A" ping -q -c 2 -i 0.2 -W 2 "${GRE4[1]}"
	check "$tag: ping inner v4 B->A" ns_exec "$B" ping -q -c 2 -i 0.2 -W 2 "${GRE4[0]}"
	check "$tag: ping inner v6 A->B" ns_exec "$A" ping -q -c 2 -i 0.2 -W 2 "${GRE6[1]}"
	check "$tag: TCP inner v4 bytes verified" python3 \
		"$VTUN_TOP/selftests/tcpcheck.py" transfer "$B" "$A" "${GRE4[1]}" 5001 65536
	check "$tag: XFRM decrypted GRE" test "$(xfrm_packets "$B" "$SPI_AB")" -ge 4
	if [ "$1" = 4 ]; then
		start_bird "$A" 0 vtun0 && start_bird "$B" 1 gre1 ||
			fail "$tag: start BIRD"
		check "$tag: OSPF route to B's network installed at A" \
			retry 60 ospf_route "$A" 0
		check "$tag: OSPF route to A's network installed at B" \
			retry 30 ospf_route "$B" 1
		check "$tag: OSPF route at A points into vtun0" \
			sh -c "ip -n $A route show 10.9.1.0/24 | grep -q 'dev vtun0'"
		check "$tag: stub to stub across the tunnel" ns_exec "$A" \
			ping -q -c 2 -i 0.2 -W 2 -I 10.9.0.1 10.9.1.1
	fi
	# A plain tunnel-mode peer sends IP, not GRE: refused by name.
	ip -n "$B" xfrm state flush
	ip -n "$B" xfrm policy flush
	ip -n "$B" link del gre1
	site_vtun "$B" 1 "$1" gcm128-16 seq 100000 >/dev/null 2>&1
	ns_exec "$B" ping -q -c 1 -W 1 "${OV4[0]}" >/dev/null 2>&1
	check "$tag: tunnel-mode payload counted as rx-bad-inner" \
		test "$(drop "$A" rx-bad-inner)" -ge 1
	topo_reset
}

TMP=$(mktemp -d /tmp/vtun-transport.XXXXXX)
defer rm -rf "$TMP"
gre_pair 4
gre_pair 6

tap_done
