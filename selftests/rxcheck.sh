#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Receive checks. Reassembled packets whose first fragment ends right
# after the ESP or AH header (ESP in UDP: after UDP and ESP headers), the
# rest in the reassembled packet's frag_list: ESP and AH from Linux XFRM,
# ESP in UDP from vtun, IPv4 and IPv6 outer, with and without a packet
# socket on the underlay, are delivered. Authentic packets whose outer
# source or destination was rewritten on the path are dropped as
# rx-bad-outer (transport and tunnel mode). ICMP errors quoting one of
# vtun's SPIs towards another destination are not vtun's; of two devices
# with the same outbound SPI, each takes those about its own remote.
# vtun-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

vtun_load || skip_all "cannot load vtun"
need_modules veth xfrm_interface esp4 esp6 ah4 ah6 xfrm_user nf_tables ||
	skip_all "missing modules"
command -v nft >/dev/null || skip_all "nft not installed"

ALGS[sha1]="auth hmac(sha1) $K20 96|auth-trunc hmac(sha1) $K20 96"
PKT="python3 $VTUN_TOP/selftests/pkt.py"
CAP=$(mktemp /tmp/vtun-rx.XXXXXX)
TAPOUT=$(mktemp /tmp/vtun-rx.XXXXXX)
defer rm -f "$CAP" "$TAPOUT"

vt() { local ns=$1; shift; ns_exec "$ns" "$VTUNCTL" "$@"; }

sa_pkts() { # NS DIR: packets of vtun0's SAs of direction DIR
	vt "$1" -j sa show vtun0 | python3 -c '
import json, sys
print(sum(s["stats"]["packets"] for s in json.load(sys.stdin) if s["dir"] == sys.argv[1]))' "$2"
}

drops() {
	vt "$1" -j show vtun0 | python3 -c '
import json, sys
print(sum(json.load(sys.stdin)[0]["drops"].values()))'
}

# --- Fragments split right after the IPsec header -------------------------

# echo_count NS: counters of ICMP echo requests delivered on vtun0 and
# of the replies sent back into it
echo_count() {
	ns_exec "$1" nft -f - <<-EOF
	table inet rx {
		counter req { }
		counter rep { }
		chain in {
			type filter hook input priority 0;
			iifname "vtun0" icmp type echo-request counter name req
		}
		chain out {
			type filter hook output priority 0;
			oifname "vtun0" icmp type echo-reply counter name rep
		}
	}
	EOF
}

echos() { # NS NAME: packets of counter NAME
	ns_exec "$1" nft list counter inet rx "$2" | sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# frag_case KIND FAMILY: A sends pings that B cannot take yet (its
# inbound SA is missing), 4 of them captured at B; with the SA back, A's
# side sends them again, each as two fragments: 2 as they are, 2 while a
# packet socket holds clones of what B receives.
frag_case() {
	local kind=$1 fam=$2 alg=gcm128-16 proto=esp tag="frag $1 v$2" in=$SPI_AB
	local cap ping d
	topo_reset
	topo_underlay || { fail "$tag: underlay"; return; }
	[ "$kind" = ah ] && proto=ah alg=sha1
	SITE_PROTO=$proto
	case $kind in
	esp|ah) site_xfrm "$A" 0 "$fam" $alg && site_vtun "$B" 1 "$fam" $alg ;;
	udp) site_vtun "$A" 0 "$fam" $alg && site_vtun "$B" 1 "$fam" $alg &&
		vt "$A" link set vtun0 encap udp keepalive 0 &&
		vt "$B" link set vtun0 encap udp keepalive 0 ;;
	esac && vt "$B" sa del vtun0 dir in spi "$in" && echo_count "$B" ||
		{ fail "$tag: configure"; SITE_PROTO=esp; return; }
	SITE_PROTO=esp
	pkt_capture "$B" ul0 "$(outer_addr 0 "$fam")" 4 "$CAP" 300
	ip netns exec "$A" ping -q -c 50 -i 0.2 -s 300 "${OV4[1]}" >/dev/null &
	ping=$!
	check "$tag: 4 packets captured" wait $CAP_PID
	kill $ping; wait $ping 2>/dev/null
	# shellcheck disable=SC2046
	vt "$B" sa add vtun0 dir in spi "$in" proto $proto $(alg_vtun $alg)
	d=$(drops "$B")
	ns_exec "$A" $PKT inject ul0 "$CAP" 0,1 frag
	retry 3 test "$(echos "$B" req)" = 2
	check_eq "$tag: 2 reassembled packets delivered" 2 "$(echos "$B" req)"
	: >"$TAPOUT"
	ns_exec "$B" $PKT tap ul0 10 >"$TAPOUT" &
	retry 5 grep -q ready "$TAPOUT"
	ns_exec "$A" $PKT inject ul0 "$CAP" 2,3 frag
	retry 3 test "$(echos "$B" req)" = 4
	check_eq "$tag: 2 more delivered with a packet socket on the underlay" \
		4 "$(echos "$B" req)"
	check_eq "$tag: B answered them through the tunnel" 4 "$(echos "$B" rep)"
	check_eq "$tag: nothing dropped" "$d" "$(drops "$B")"
}

for fam in 4 6; do
	for kind in esp udp ah; do
		frag_case $kind $fam
	done
done
topo_reset

# --- Outer addresses ------------------------------------------------------

# rewrite NS FAMILY-WORD STATEMENT...: nft rewrites arriving ESP on ul0
rewrite() {
	local ns=$1 fam=$2
	shift 2
	ns_exec "$ns" nft -f - <<-EOF
	table netdev rw {
		chain in {
			type filter hook ingress device ul0 priority 0;
			$fam $* counter
		}
	}
	EOF
}

# bad_outer TAG PING...: PING fails, B counts rx-bad-outer, delivers nothing
bad_outer() {
	local tag=$1 bad in
	shift
	bad=$(drop "$B" rx-bad-outer)
	in=$(sa_pkts "$B" in)
	"$@" && fail "$tag: ping answered"
	check "$tag: counted as rx-bad-outer" \
		test "$(drop "$B" rx-bad-outer)" -ge $((bad + 2))
	check_eq "$tag: nothing delivered" "$in" "$(sa_pkts "$B" in)"
	ns_exec "$B" nft delete table netdev rw
}

transport_site() { # NS I FAMILY: vtun0 in transport mode, peer routed in
	local ns=$1 i=$2 fam=$3 out=$SPI_AB in=$SPI_BA l r
	[ "$i" = 1 ] && { out=$SPI_BA; in=$SPI_AB; }
	l=$(outer_addr "$i" "$fam")
	r=$(outer_addr $((1 - i)) "$fam")
	# shellcheck disable=SC2046
	vt "$ns" link add vtun0 local "$l" remote "$r" underlay ul0 mode transport &&
	vt "$ns" sa add vtun0 dir out spi "$out" proto esp $(alg_vtun gcm128-16) &&
	vt "$ns" sa add vtun0 dir in spi "$in" proto esp $(alg_vtun gcm128-16) &&
	ip -n "$ns" link set vtun0 up &&
	ip -n "$ns" route add "$r" dev vtun0 src "$l"
}

gw_ping() { ns_exec "$A" ping -q -c 2 -i 0.2 -W 1 "$(outer_addr 1 "$1")" >/dev/null; }

for fam in 4 6; do
	topo_underlay
	transport_site "$A" 0 "$fam" && transport_site "$B" 1 "$fam" ||
		fail "transport v$fam: configure"
	check "transport v$fam: gateways reach each other" gw_ping "$fam"
	if [ "$fam" = 4 ]; then
		rewrite "$B" ip protocol esp ip saddr set 192.0.2.99
	else
		rewrite "$B" ip6 nexthdr esp ip6 saddr set 2001:db8:ff::99
	fi
	bad_outer "transport v$fam: outer source rewritten" gw_ping "$fam"
	if [ "$fam" = 4 ]; then
		ip -n "$B" addr add 192.0.2.3/24 dev ul0
		rewrite "$B" ip protocol esp ip daddr set 192.0.2.3
		bad_outer "transport v4: outer destination another local address" gw_ping 4
	fi
	check "transport v$fam: real traffic still works" gw_ping "$fam"
	topo_reset
done

topo_underlay
site_xfrm "$A" 0 4 gcm128-16 && site_vtun "$B" 1 4 gcm128-16 || fail "tunnel: configure"
check "tunnel: XFRM to vtun works" overlay_ping "$A" 0 4
rewrite "$B" ip protocol esp ip saddr set 192.0.2.99
bad_outer "tunnel: outer source not the remote gateway" overlay_ping "$A" 0 4
check "tunnel: real traffic still works" overlay_ping "$A" 0 4
topo_reset

# --- ICMP errors ------------------------------------------------------------
# Quoting A's outbound SPI makes an error vtun's only if the quoted packet
# went to A's remote gateway.

topo_underlay
site_vtun "$A" 0 4 gcm128-16 && site_vtun "$B" 1 4 gcm128-16 || fail "icmp: configure"
pkt_capture "$B" ul0 "${UL4[0]}" 1 "$CAP"
ip netns exec "$A" ping -q -c 50 -i 0.2 "${OV4[1]}" >/dev/null &
ping=$!
check "icmp: ESP packet captured" wait $CAP_PID
kill $ping; wait $ping 2>/dev/null
# errs MTU STRAY_MTU: "fragmentation needed" quoting the captured packet,
# to A's remote gateway, and again as if it had gone to 192.0.2.66
errs() {
	ns_exec "$B" $PKT inject ul0 "$CAP" 0 strayneeded "$2"
	ns_exec "$B" $PKT inject ul0 "$CAP" 0 fragneeded "$1"
	sleep 0.3
}
pmtu() { ip -n "$A" route get "$1" | grep -q "mtu $2"; }
errs 1320 1300
check "icmp: error about the remote gateway sets its path MTU" \
	pmtu "${UL4[1]}" 1320
check_fail "icmp: error quoting another destination is not vtun's" \
	pmtu 192.0.2.66 1300
# vtun1 to 192.0.2.66 with vtun0's outbound SPI, added last so that its SA
# is found first: each device claims the errors about its own remote
check "icmp: vtun1 to 192.0.2.66 with the same outbound SPI" eval '
	vt "$A" link add vtun1 local "${UL4[0]}" remote 192.0.2.66 &&
	vt "$A" sa add vtun1 dir out spi "$SPI_AB" proto esp $(alg_vtun gcm128-16)'
errs 1310 1290
check "icmp: shared SPI: error about vtun0's remote sets its path MTU" \
	pmtu "${UL4[1]}" 1310
check "icmp: shared SPI: error about vtun1's remote sets its path MTU" \
	pmtu 192.0.2.66 1290
topo_reset

tap_done
