#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vtun-iked with three proxy IDs against strongSwan configured
# policy-based with the same three subnet pairs (and a fourth vtun does
# not have): three CHILD SAs (IKE_AUTH, then CREATE_CHILD_SA with PFS),
# each pair's traffic on its own SA, the fourth pair refused both ways;
# then the same tunnel on demand, started by the kernel's acquire.
# vtun-timeout: 240

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/ike_lib.sh"

command -v swanctl >/dev/null || skip_all "strongSwan not installed"
need_modules veth esp4 xfrm_user || skip_all "missing modules"
[ -x "$VTUN_IKED" ] || skip_all "vtun-iked not built"

iked_conf_proxy() { # START
	iked_conf "$A" <<-EOF
	control-socket $(iked_dir "$A")/iked.sock;
	log-level debug;
	ike-crypto-profile p { encryption aes-gcm-16-256; prf sha256; dh-group 31; }
	ipsec-crypto-profile e {
		encryption aes-gcm-16-128; dh-group 19; esn no; lifetime 1h;
	}
	ike-gateway b {
		local-address ${UL4[0]}; peer-address ${UL4[1]};
		authentication psk "vtun-test-psk"; ike-crypto-profile p;
	}
	ipsec-tunnel ab {
		interface vtun0; ike-gateway b; ipsec-crypto-profile e; start $1;
		proxy-id one { local 10.1.1.0/24; remote 10.2.1.0/24; }
		proxy-id two { local 10.1.2.0/24; remote 10.2.2.0/24; }
		proxy-id three { local 10.1.3.0/24; remote 10.2.3.0/24; }
	}
	EOF
}

sw_conf_policy() {
	local i
	{
		cat <<-EOF
		connections { ab {
			version = 2
			local_addrs = ${UL4[1]}
			remote_addrs = ${UL4[0]}
			proposals = aes256gcm16-prfsha256-x25519
			local { auth = psk
				id = ${UL4[1]} }
			remote { auth = psk
				id = ${UL4[0]} }
			children {
		EOF
		for i in 1 2 3 4; do
			echo "pair$i { local_ts = 10.2.$i.0/24"
			echo "remote_ts = 10.1.$i.0/24"
			echo "esp_proposals = aes128gcm16-ecp256 }"
		done
		cat <<-EOF
			}
		} }
		secrets { ike-1 { id-1 = ${UL4[0]}
			id-2 = ${UL4[1]}
			secret = "vtun-test-psk" } }
		EOF
	} | sw_conf "$B"
}

pair_ping() { # I [COUNT]: from A's 10.1.I.1 to B's 10.2.I.1
	ip netns exec "$A" ping -q -c "${2:-2}" -i 0.2 -W 2 -I "10.1.$1.1" \
		"10.2.$1.1" >/dev/null 2>&1
}

installed() { [ "$(sw_sas "$B" | grep -c '^child .*state=INSTALLED')" = "$1" ]; }

# Packets of A's SAs of direction $1, in proxy-ID order.
sa_packets() {
	ip netns exec "$A" "$VTUNCTL" -j sa show vtun0 | jq -r --arg d "$1" \
		'[.[] | select(.dir == $d)] | sort_by(."proxy-id") |
		 map(.stats.packets | tostring) | join(" ")'
}

ts_refused() {
	! sw_initiate "$B" pair4 >"$TMPD/four.log" 2>&1 &&
		grep -q TS_UNACCEPTABLE "$TMPD/four.log"
}

TMPD=$(mktemp -d)
defer rm -rf "$TMPD"
topo_underlay || { fail "underlay"; tap_done; exit; }
{
	for i in 1 2 3 4; do echo "addr add 10.2.$i.1/32 dev lo"; done
	echo "route add 10.1.0.0/16 via ${UL4[0]} dev ul0 src 10.2.1.1"
} | ip -n "$B" -batch -
check "charon starts in B" sw_start "$B"
check "policy-based connection loaded in B" eval 'sw_conf_policy && sw_load "$B"'

iked_conf_proxy always
check "vtun-iked starts" iked_start "$A"
check "vtun0 made" retry 10 ip -n "$A" link show vtun0
{
	for i in 1 2 3 4; do echo "addr add 10.1.$i.1/32 dev lo"; done
	echo "route add 10.2.0.0/16 dev vtun0"
} | ip -n "$A" -batch -
check "three CHILD SAs in strongSwan" retry 30 installed 3
diag "$(sw_sas "$B")"
check_eq "six SAs in each kernel" "6 6" \
	"$(xfrm_spis "$B" | wc -l) $(vtun_spis "$A" | wc -l)"
check_eq "A's SAs have proxy IDs 1 2 3" "1 1 2 2 3 3" \
	"$(ip netns exec "$A" "$VTUNCTL" -j sa show vtun0 |
		jq -r '[.[]."proxy-id"] | sort | map(tostring) | join(" ")')"
for i in 1 2 3; do
	check "pair $i: ping" pair_ping "$i"
done
check_eq "each pair on its own outbound SA" "2 2 2" "$(sa_packets out)"
check_eq "each pair on its own inbound SA" "2 2 2" "$(sa_packets in)"
before=$(drop "$A" tx-no-proxy-id)
check_fail "pair 4: no answer" pair_ping 4 1
check "pair 4: counted as tx-no-proxy-id" \
	test "$(drop "$A" tx-no-proxy-id)" -gt "$before"
check "strongSwan's pair 4: TS_UNACCEPTABLE" ts_refused
check "still three CHILD SAs" installed 3
old=$(vtun_spis "$A")
check "strongSwan terminates" sw_terminate "$B" ab
# Not "none left": "start always" starts the tunnel again 5 s after, which
# a slow guest may see before it sees the old SAs gone.
check "vtun's SAs gone" retry 10 none_of "$A" vtun_spis "$old"
iked_stop "$A"

iked_conf_proxy on-demand
check "vtun-iked on demand" iked_start "$A"
check_eq "no SA before traffic" "" "$(xfrm_spis "$B")"
t0=$(date +%s%N)
until pair_ping 2 1; do
	[ $(( ($(date +%s%N) - t0) / 1000000000 )) -ge 15 ] && break
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "acquire brought pair 2 up" pair_ping 2 1
diag "first packet to first answered ping: $ms ms"
iked_stop "$A"
tap_done
