#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vtun-iked's NAT traversal against strongSwan, IPv4, site A behind a
# masquerading NAT (namespace N) that rewrites UDP ports into 40000-40999:
#  1. vtun-iked behind the NAT initiates to strongSwan: NAT found (we are
#     behind one), IKE floats to 4500, vtun0 gets ESP in UDP with the
#     daemon's socket and keepalives, strongSwan's SA is TUNNEL-in-UDP and
#     its XFRM states encap espinudp towards the NAT's port.
#  2. strongSwan behind the NAT initiates to vtun-iked (peer-address any):
#     vtun0's remote is set to the NAT's address, ESP in UDP to its port,
#     no keepalives from the public side.
# Each time: the same SPIs in both kernels and both daemons, ping both ways
# and verified TCP bytes; then a NAT mapping change (the port range moved
# to 41000-41999, conntrack flushed): traffic recovers (time reported),
# the public side's SAs follow the new port (case 2: vtun-iked's sa-set
# peer when strongSwan's DPD arrives from there).
# vtun-timeout: 180

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

# iked_natt_conf NS LOCAL PEER START: vtun-iked with gateway b (fqdn IDs
# of the site at LOCAL's side: 0 = A private, 1 = B public)
iked_natt_conf() {
	local me=$1 i=$2 peer=$3 start=$4
	iked_conf "$me" <<-EOC
	log-level debug;
	control-socket $(iked_dir "$me")/iked.sock;
	ike-crypto-profile ike-b {
		encryption aes-gcm-16-128;
		prf sha256;
		dh-group 31;
	}
	ipsec-crypto-profile esp-b {
		protocol esp;
		encryption aes-gcm-16-128;
	}
	ike-gateway b {
		local-address $([ "$i" = 0 ] && echo "${PRIV4[0]}" || echo "${PUB4[0]}");
		peer-address $peer;
		local-id fqdn:$(sw_id "$i" fqdn);
		peer-id fqdn:$(sw_id $((1 - i)) fqdn);
		authentication psk "vtun-test-psk";
		ike-crypto-profile ike-b;
		nat-keepalive 2;
		dpd-delay 3s;
	}
	ipsec-tunnel ab {
		interface vtun0;
		ike-gateway b;
		ipsec-crypto-profile esp-b;
		start $start;
	}
	EOC
}

# same_spis TAG NS_IKED NS_SW: the CHILD SA's SPIs agree everywhere
same_spis() {
	local la lb
	la=$(iked_sas "$2")
	lb=$(sw_sas "$3")
	diag "iked: ${la//$'\n'/$'\n'# iked: }"
	diag "sw: ${lb//$'\n'/$'\n'# sw: }"
	check_eq "$1: vtun-iked's inbound SPI is strongSwan's outbound" \
		"$(sas_get "$la" child spi_in)" "$(sas_get "$lb" child spi_out)"
	check_eq "$1: vtun-iked's outbound SPI is strongSwan's inbound" \
		"$(sas_get "$la" child spi_out)" "$(sas_get "$lb" child spi_in)"
	check_eq "$1: vtun's kernel holds them" \
		"$(printf '%s\n' "$(sas_get "$la" child spi_in)" \
			"$(sas_get "$la" child spi_out)" | sort)" "$(vtun_spis "$2")"
	check_eq "$1: XFRM holds them" \
		"$(printf '%s\n' "$(sas_get "$lb" child spi_in)" \
			"$(sas_get "$lb" child spi_out)" | sort)" "$(xfrm_spis "$3")"
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

# 1. vtun-iked behind the NAT
natt_topo 40000-40999 || { fail "NAT topology"; tap_done; exit 1; }
check "1: vtun0 at A, xfrm0 at B" eval '
	ip netns exec "$A" "$VTUNCTL" link add vtun0 local "${PRIV4[0]}" \
		remote "${PUB4[0]}" && site_overlay "$A" 0 vtun0 && sw_xfrmi "$B" 1'
check "1: charon starts in B" sw_start "$B"
check "1: strongSwan configured" eval '
	sw_conf_route "$B" ab local="${PUB4[0]}" lid="$(sw_id 1 fqdn)" \
		rid="$(sw_id 0 fqdn)" && sw_load "$B" >/dev/null'
iked_natt_conf "$A" 0 "${PUB4[0]}" always
check "1: vtun-iked starts" iked_start "$A"
if check_ok "1: up through the NAT" retry 20 iked_up "$A" &&
	check_ok "1: strongSwan has the SAs" retry 10 sw_up "$B"; then
	same_spis 1 "$A" "$B"
	check "1: vtun-iked found the NAT in front of it" \
		grep -q "NAT detected: we are behind one" "$(iked_dir "$A")/iked.log"
	check "1: strongSwan: ESP in UDP" eval \
		'sw_swanctl "$B" --list-sas | grep -q TUNNEL-in-UDP'
	check "1: strongSwan: IKE from the NAT's port on 4500" eval \
		'sw_swanctl "$B" --list-sas | grep -q "@ $NAT\[40[0-9][0-9][0-9]\]"'
	check_eq "1: vtun0: encap udp" udp "$(dev "$A" encap)"
	check_eq "1: vtun0: from 4500" 4500 "$(dev "$A" encap-sport)"
	check_eq "1: vtun0: keepalives (behind the NAT)" 2 "$(dev "$A" keepalive)"
	check "1: XFRM: encap espinudp to the NAT's port" \
		in_range "$(xfrm_dport "$B" "$NAT")" 40000 40999
	traffic_both 1
	mapping_change 1
	check "1: XFRM follows the new port" retry 15 eval \
		'in_range "$(xfrm_dport "$B" "$NAT")" 41000 41999'
	check "1 after the change: ping B->A" overlay_ping "$B" 1 4
else
	iked_log "$A" 40
	sw_log "$B" 40
fi
iked_stop "$A"
sw_stop "$B"
topo_reset

# 2. strongSwan behind the NAT
natt_topo 40000-40999 || { fail "NAT topology"; tap_done; exit 1; }
check "2: xfrm0 at A, vtun0 at B (no remote)" eval '
	ip netns exec "$B" "$VTUNCTL" link add vtun0 local "${PUB4[0]}" &&
		site_overlay "$B" 1 vtun0 && sw_xfrmi "$A" 0'
check "2: charon starts in A" sw_start "$A"
check "2: strongSwan configured" eval '
	sw_conf_route "$A" ab local="${PRIV4[0]}" remote="${PUB4[0]}" \
		lid="$(sw_id 0 fqdn)" rid="$(sw_id 1 fqdn)" dpd=2 &&
		sw_load "$A" >/dev/null'
iked_natt_conf "$B" 1 any responder
check "2: vtun-iked starts" iked_start "$B"
check "2: strongSwan initiates" sw_initiate "$A" ab
if check_ok "2: vtun-iked has the SAs" retry 10 iked_up "$B"; then
	same_spis 2 "$B" "$A"
	check "2: vtun-iked found the NAT in front of the peer" \
		grep -q "NAT detected: the peer is behind one" "$(iked_dir "$B")/iked.log"
	check "2: strongSwan: ESP in UDP" eval \
		'sw_swanctl "$A" --list-sas | grep -q TUNNEL-in-UDP'
	check_eq "2: vtun0: remote is the peer's (NAT) address" "$NAT" "$(dev "$B" remote)"
	check_eq "2: vtun0: encap udp" udp "$(dev "$B" encap)"
	check_eq "2: vtun0: no keepalives from the public side" 0 "$(dev "$B" keepalive)"
	check "2: vtun0: to the NAT's port" in_range "$(dev "$B" encap-dport)" 40000 40999
	traffic_both 2
	mapping_change 2
	check "2: vtun0 follows the new port" \
		in_range "$(dev "$B" peer-port)" 41000 41999
	check "2: vtun-iked: strongSwan's DPD from the new port moves the SAs" \
		retry 15 grep -q "NAT mapping change" "$(iked_dir "$B")/iked.log"
	check "2: vtun-iked's IKE SA at the new port" retry 5 eval \
		'iked_ctl "$B" -j show | jq -e ".[\"ike-sas\"][0][\"peer-port\"] // 0 | . >= 41000"'
	check "2 after the change: ping B->A" overlay_ping "$B" 1 4
	check "2 after the change: TCP A->B bytes verified" overlay_tcp "$B" 1 "$A" 4 65536
else
	iked_log "$B" 40
	sw_log "$A" 40
fi
iked_stop "$B"

tap_done
