#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vtun-iked's NAT traversal against strongSwan, site A behind a
# masquerading NAT (namespace N) that rewrites UDP ports into 40000-40999:
#  1. vtun-iked behind the NAT initiates to strongSwan: NAT found (we are
#     behind one), IKE floats to 4500, vtun0 gets ESP in UDP with the
#     daemon's socket and keepalives, strongSwan's SA is TUNNEL-in-UDP and
#     its XFRM states encap espinudp towards the NAT's port; ike show
#     reports the NAT state. At exit vtun-iked leaves vtun0 with encap none
#     and no SAs.
#  2. vtun0 left with encap udp and keepalives (as by a killed vtun-iked),
#     the NAT removed: the daemon adopts it with encap none, no NAT is
#     found, plain ESP both ways.
#  3. strongSwan behind the NAT initiates to vtun-iked (peer-address any):
#     vtun0's remote is set to the NAT's address, ESP in UDP to its port,
#     no keepalives from the public side. strongSwan sends no DPD: after
#     the mapping change only its ESP comes from the new port, and
#     vtun-iked follows it (the kernel's peer-ntf): its IKE SA moves to the
#     new port and its INFORMATIONAL reaches strongSwan there (time
#     reported).
#  4. NAT66: case 1 over IPv6 (masquerade with port rewriting of IPv6).
# Each time: the same SPIs in both kernels and both daemons, ping both ways
# and verified TCP bytes; then a NAT mapping change (the port range moved
# to 41000-41999, conntrack flushed): traffic recovers (time reported),
# the public side's SAs follow the new port.
# vtun-timeout: 240

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/ike_lib.sh"

command -v swanctl >/dev/null && [ -x "$SW_CHARON" ] ||
	skip_all "strongSwan (charon, swanctl) not installed"
[ -x "$VTUN_IKED" ] || skip_all "vtun-iked not built"
command -v nft >/dev/null || skip_all "nft not installed"
need_modules veth xfrm_interface esp4 xfrm_user nft_masq nf_nat \
	nf_conntrack_netlink || skip_all "missing modules"

NAT=${PUB4[1]}
in_range() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
dev() { # NS KEY: a field of vtun0
	ip netns exec "$1" "$VTUNCTL" -j show vtun0 | jq -r ".[0][\"$2\"] // \"-\""
}
# xfrm_dport NS: the encap destination port of NS's outbound state
xfrm_dport() {
	ip -n "$1" xfrm state list dst "$2" | awk '$1 == "encap" { print $7; exit }'
}

# iked_natt_conf NS SITE PEER START [FAMILY]: vtun-iked with gateway b
# (FQDN IDs of SITE: 0 = A private, 1 = B public)
iked_natt_conf() {
	local i=$2 l
	if [ "${5:-4}" = 6 ]; then
		l=$([ "$i" = 0 ] && echo "${PRIV6[0]}" || echo "${PUB6[0]}")
	else
		l=$([ "$i" = 0 ] && echo "${PRIV4[0]}" || echo "${PUB4[0]}")
	fi
	iked_conf_one "$1" local="$l" peer="$3" start="$4" \
		lid="fqdn:$(sw_id "$i" fqdn)" rid="fqdn:$(sw_id $((1 - i)) fqdn)" \
		gw="nat-keepalive 2; dpd-delay 3s;"
}

# vtun_spi_in NS: the inbound SPI of NS's vtun0 (decimal)
vtun_spi_in() {
	ip netns exec "$1" "$VTUNCTL" -j sa show vtun0 |
		jq -r '.[] | select(.dir == "in") | .spi' | head -n 1
}

# ike_show NS KEY: a key of vtun-iked's first IKE SA
ike_show() {
	iked_ctl "$1" -j show | jq -r ".[\"ike-sas\"][0][\"$2\"] // \"-\""
}

# traffic_both TAG: pings both ways and TCP both ways, inner IPv4
traffic_both() {
	check "$1: ping A->B" overlay_ping "$A" 0 4
	check "$1: ping B->A" overlay_ping "$B" 1 4
	check "$1: TCP A->B bytes verified" overlay_tcp "$B" 1 "$A" 4 65536
	check "$1: TCP B->A bytes verified" overlay_tcp "$A" 0 "$B" 4 65536
}

# mapping_change TAG: the NAT's ports move, then pings A->B until one is
# answered; MAP_S is how long that took
mapping_change() {
	local t0
	check "$1: NAT ports moved, mappings flushed" \
		eval 'nat_masq 41000-41999 && ct_flush "$N"'
	t0=$EPOCHREALTIME
	if check_ok "$1: traffic recovers" \
		retry 30 ip netns exec "$A" ping -q -c 1 -W 1 "${OV4[1]}"; then
		MAP_S=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
		diag "$1: traffic back $MAP_S s after the mapping change"
	fi
}

check_ok() { check "$@"; [ "$_T_RC" = 0 ]; }

# behind TAG FAMILY: vtun-iked at A behind the NAT initiates to strongSwan
# at B, in the outer FAMILY (4 or 6); the inner traffic is IPv4
behind() {
	local tag=$1 fam=$2 priv pub nat
	# shellcheck disable=SC2034 # priv: used in an eval string
	if [ "$fam" = 6 ]; then
		priv=${PRIV6[0]} pub=${PUB6[0]} nat=${PUB6[1]}
	else
		priv=${PRIV4[0]} pub=${PUB4[0]} nat=${PUB4[1]}
	fi
	natt_topo 40000-40999 || { fail "$tag: NAT topology"; return 1; }
	check "$tag: vtun0 at A, xfrm0 at B" eval '
		ip netns exec "$A" "$VTUNCTL" link add vtun0 local "$priv" \
			remote "$pub" && site_overlay "$A" 0 vtun0 && sw_xfrmi "$B" 1'
	check "$tag: charon starts in B" sw_start "$B"
	check "$tag: strongSwan configured" eval '
		sw_conf_route "$B" ab local="$pub" lid="$(sw_id 1 fqdn)" \
			rid="$(sw_id 0 fqdn)" && sw_load "$B" >/dev/null'
	iked_natt_conf "$A" 0 "$pub" always "$fam"
	check "$tag: vtun-iked starts" iked_start "$A"
	if check_ok "$tag: up through the NAT" retry 20 iked_up "$A" &&
		check_ok "$tag: strongSwan has the SAs" retry 10 sw_up "$B"; then
		same_spis "$tag" "$A" "$B"
		check "$tag: vtun-iked found the NAT in front of it" \
			grep -q "NAT detected: we are behind one" "$(iked_dir "$A")/iked.log"
		check "$tag: strongSwan: ESP in UDP" eval \
			'sw_swanctl "$B" --list-sas | grep -q TUNNEL-in-UDP'
		check "$tag: strongSwan: IKE from the NAT's port on 4500" eval \
			'sw_swanctl "$B" --list-sas | grep -qF "@ $nat[40"'
		check_eq "$tag: vtun0: encap udp" udp "$(dev "$A" encap)"
		check_eq "$tag: vtun0: from 4500" 4500 "$(dev "$A" encap-sport)"
		check_eq "$tag: vtun0: keepalives (behind the NAT)" 2 "$(dev "$A" keepalive)"
		check_eq "$tag: ike show: NAT here, none at the peer, ESP in UDP, keepalive" \
			"true false true 2 4500 4500" \
			"$(iked_ctl "$A" -j show | jq -r '.["ike-sas"][0] |
				"\(.["nat-local"]) \(.["nat-peer"]) \(.["esp-in-udp"])" +
				" \(.["nat-keepalive"]) \(.["local-port"]) \(.["peer-port"])"')"
		check "$tag: ike show (text): the NAT line" eval \
			'iked_ctl "$A" show | grep -q "nat local yes peer no, ike ports 4500 -> 4500, esp in udp, keepalive 2s"'
		check "$tag: XFRM: encap espinudp to the NAT's port" \
			in_range "$(xfrm_dport "$B" "$nat")" 40000 40999
		traffic_both "$tag"
		mapping_change "$tag"
		check "$tag: XFRM follows the new port" retry 15 eval \
			'in_range "$(xfrm_dport "$B" "$nat")" 41000 41999'
		check "$tag after the change: ping B->A" overlay_ping "$B" 1 4
	else
		iked_log "$A" 40
		sw_log "$B" 40
	fi
	iked_stop "$A"
}

# 1. vtun-iked behind the NAT
behind 1 4
check_eq "1: after exit: vtun0 kept, encap none, no SAs" "none " \
	"$(dev "$A" encap) $(vtun_spis "$A")"

# 2. vtun0 left with ESP in UDP and keepalives (as a killed instance
# leaves it; on port 4501, as the daemon binds 4500), no NAT: adopted
# with encap none, plain ESP
check "2: vtun0 left with encap udp, keepalives" \
	ip netns exec "$A" "$VTUNCTL" link set vtun0 encap udp encap-sport 4501 \
		keepalive 2
check "2: the NAT removed, B routes to A's network" eval '
	ns_exec "$N" nft delete table inet nat && ct_flush "$N" &&
	ip -n "$B" route add 172.16.0.0/24 via "${PUB4[1]}"'
iked_natt_conf "$A" 0 "${PUB4[0]}" always
check "2: vtun-iked starts" iked_start "$A"
if check_ok "2: up without NAT" retry 20 iked_up "$A" &&
	check_ok "2: strongSwan has the SAs" retry 10 sw_up "$B"; then
	check "2: vtun-iked adopted vtun0" \
		grep -q "adopted vtun0" "$(iked_dir "$A")/iked.log"
	check "2: no NAT found" eval \
		'! grep -q "NAT detected" "$(iked_dir "$A")/iked.log"'
	check_eq "2: vtun0: encap none" none "$(dev "$A" encap)"
	check_eq "2: ike show: no NAT, plain ESP" "false false false 0" \
		"$(iked_ctl "$A" -j show | jq -r '.["ike-sas"][0] |
			"\(.["nat-local"]) \(.["nat-peer"]) \(.["esp-in-udp"]) \(.["nat-keepalive"])"')"
	check "2: strongSwan: plain ESP" eval \
		'! sw_swanctl "$B" --list-sas | grep -q TUNNEL-in-UDP'
	check "2: ping A->B" overlay_ping "$A" 0 4
	check "2: ping B->A" overlay_ping "$B" 1 4
else
	iked_log "$A" 40
	sw_log "$B" 40
fi
iked_stop "$A"
sw_stop "$B"
topo_reset

# 3. strongSwan behind the NAT, without DPD
natt_topo 40000-40999 || { fail "NAT topology"; tap_done; exit 1; }
check "3: xfrm0 at A, vtun0 at B (no remote)" eval '
	ip netns exec "$B" "$VTUNCTL" link add vtun0 local "${PUB4[0]}" &&
		site_overlay "$B" 1 vtun0 && sw_xfrmi "$A" 0'
check "3: charon starts in A" sw_start "$A"
check "3: strongSwan configured" eval '
	sw_conf_route "$A" ab local="${PRIV4[0]}" remote="${PUB4[0]}" \
		lid="$(sw_id 0 fqdn)" rid="$(sw_id 1 fqdn)" &&
		sw_load "$A" >/dev/null'
iked_natt_conf "$B" 1 any responder
check "3: vtun-iked starts" iked_start "$B"
check "3: strongSwan initiates" sw_initiate "$A" ab
if check_ok "3: vtun-iked has the SAs" retry 10 iked_up "$B"; then
	same_spis 3 "$B" "$A"
	check "3: vtun-iked found the NAT in front of the peer" \
		grep -q "NAT detected: the peer is behind one" "$(iked_dir "$B")/iked.log"
	check "3: strongSwan: ESP in UDP" eval \
		'sw_swanctl "$A" --list-sas | grep -q TUNNEL-in-UDP'
	check_eq "3: vtun0: remote is the peer's (NAT) address" "$NAT" "$(dev "$B" remote)"
	check_eq "3: vtun0: encap udp" udp "$(dev "$B" encap)"
	check_eq "3: vtun0: no keepalives from the public side" 0 "$(dev "$B" keepalive)"
	check "3: vtun0: to the NAT's port" in_range "$(dev "$B" encap-dport)" 40000 40999
	check_eq "3: ike show: the peer behind a NAT, no keepalive" \
		"false true true 0" \
		"$(iked_ctl "$B" -j show | jq -r '.["ike-sas"][0] |
			"\(.["nat-local"]) \(.["nat-peer"]) \(.["esp-in-udp"]) \(.["nat-keepalive"])"')"
	traffic_both 3
	evf=$(iked_dir "$B")/events
	ip netns exec "$B" timeout 60 "$VTUNCTL" -j events >"$evf" &
	evpid=$!
	sleep 0.5
	sw_log_mark "$A"
	t0=$EPOCHREALTIME
	mapping_change 3
	check "3: kernel: peer event for the inbound SA, at the NAT's new port" \
		retry 5 eval 'jq -r --arg nat "$NAT" "select(.event == \"peer\" and
			.dir == \"in\" and .peer == \$nat and
			.[\"peer-port\"] >= 41000 and .[\"peer-port\"] <= 41999) |
			.spi" "$evf" | grep -qx "$(vtun_spi_in "$B")"'
	kill "$evpid" 2>/dev/null
	wait "$evpid" 2>/dev/null
	check "3: vtun0 follows the new port" \
		in_range "$(dev "$B" peer-port)" 41000 41999
	check "3: vtun-iked: the IKE SA follows ESP from the new port" \
		retry 5 grep -q "NAT mapping change seen on ESP" "$(iked_dir "$B")/iked.log"
	check "3: vtun-iked's IKE SA at the new port" retry 5 eval \
		'in_range "$(ike_show "$B" peer-port)" 41000 41999'
	if check_ok "3: vtun-iked's INFORMATIONAL reached strongSwan at the new port" \
		retry 5 sw_log_grep "$A" "parsed INFORMATIONAL request"; then
		diag "3: IKE at the new port $(awk -v a="$t0" -v b="$EPOCHREALTIME" \
			'BEGIN { printf "%.1f", b - a }') s after the mapping change (DPD delay 3 s)"
	fi
	check "3: no IKE message from strongSwan moved it" eval \
		'! grep -q "moved (NAT mapping change)" "$(iked_dir "$B")/iked.log"'
	check_eq "3: both IKE SAs still up, same CHILD SAs" \
		"ESTABLISHED $(vtun_spis "$B" | tr '\n' ' ')" \
		"$(sas_get "$(sw_sas "$A")" ike state) $(xfrm_spis "$A" | tr '\n' ' ')"
	check "3 after the change: ping B->A" overlay_ping "$B" 1 4
	check "3 after the change: TCP A->B bytes verified" overlay_tcp "$B" 1 "$A" 4 65536
else
	iked_log "$B" 40
	sw_log "$A" 40
fi
iked_stop "$B"
sw_stop "$A"
topo_reset

# 4. NAT66: case 1 over IPv6
if need_modules esp6 && [ "${NATT_V6:-1}" = 1 ]; then
	behind 4 6
	sw_stop "$B"
	topo_reset
else
	diag "4: NAT66 skipped (no esp6 or NATT_V6=0)"
fi

tap_done
