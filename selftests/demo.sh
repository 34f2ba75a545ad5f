#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Demo: two sites joined by a vtun tunnel keyed by IKE. Each site has a
# LAN host behind its gateway; the gateways' vtun-iked negotiate the SAs.
# The LAN hosts talk across the tunnel, and the counters show what
# crossed it.
# vtun-timeout: 300

. "$(dirname "$0")/lib.sh"

run() { echo "\$ $*"; "$@"; }

vtun_load || { echo "cannot load vtun"; exit 1; }
need_modules veth
ns_new GWA; ns_new GWB; ns_new HOSTA; ns_new HOSTB

# Underlay: 203.0.113.1 (site A) <-> 203.0.113.2 (site B).
veth_pair "$GWA" wan "$GWB" wan
ip -n "$GWA" addr add 203.0.113.1/24 dev wan
ip -n "$GWB" addr add 203.0.113.2/24 dev wan
# LANs: 10.1.0.0/24 at site A, 10.2.0.0/24 at site B.
veth_pair "$HOSTA" eth0 "$GWA" lan
veth_pair "$HOSTB" eth0 "$GWB" lan
ip -n "$HOSTA" addr add 10.1.0.10/24 dev eth0
ip -n "$GWA" addr add 10.1.0.1/24 dev lan
ip -n "$HOSTB" addr add 10.2.0.10/24 dev eth0
ip -n "$GWB" addr add 10.2.0.1/24 dev lan
ip -n "$HOSTA" route add default via 10.1.0.1
ip -n "$HOSTB" route add default via 10.2.0.1
for gw in "$GWA" "$GWB"; do ip netns exec "$gw" sysctl -qw net.ipv4.ip_forward=1; done

# Each gateway runs vtun-iked: IKEv2 with a pre-shared key negotiates the
# SAs (AES-256-GCM, X25519) and programs them into vtun0; A initiates.
DIR=$(mktemp -d /tmp/vtun-demo.XXXXXX)
defer rm -rf "$DIR"
gateway() { # NS NAME LOCAL PEER START PEER_LAN
	cat >"$DIR/$2.conf" <<-EOF
	control-socket $DIR/$2.sock;
	ike-crypto-profile ike { encryption aes-gcm-16-256; prf sha256; dh-group 31; }
	ipsec-crypto-profile esp { encryption aes-gcm-16-256; esn yes; lifetime 1h; }
	ike-gateway peer {
		local-address $3; peer-address $4;
		authentication psk "demo: a long random secret";
		ike-crypto-profile ike;
	}
	ipsec-tunnel site { interface vtun0; ike-gateway peer;
		ipsec-crypto-profile esp; start $5; }
	EOF
	echo "== gateway $3: $DIR/$2.conf"
	sed 's/^/   /' "$DIR/$2.conf"
	run "$VTUN_IKED" -t -f "$DIR/$2.conf" || return 1
	ip netns exec "$1" "$VTUN_IKED" -f "$DIR/$2.conf" 2>"$DIR/$2.log" &
	defer kill $!
	retry 10 test -S "$DIR/$2.sock" || return 1
	run ip -n "$1" route add "$6" dev vtun0
}
ike() { "$VTUNCTL" ike socket "$DIR/$1.sock" "${@:2}"; }
gateway "$GWB" b 203.0.113.2 203.0.113.1 responder 10.1.0.0/24
gateway "$GWA" a 203.0.113.1 203.0.113.2 always 10.2.0.0/24
retry 20 sh -c "ip netns exec $GWA $VTUNCTL -j sa show vtun0 | grep -q spi" ||
	{ echo "demo: no SA negotiated"; cat "$DIR"/*.log; exit 1; }
echo "== vtun-iked at gateway A"
run ike a show

echo "== host 10.1.0.10 (site A) pings host 10.2.0.10 (site B) through the tunnel"
run ip netns exec "$HOSTA" ping -c 3 -i 0.2 10.2.0.10
status=$?
echo "== what went over the underlay is ESP"
ip netns exec "$GWB" timeout 3 tcpdump -c 2 -n -i wan esp 2>/dev/null &
dump=$!
sleep 1
ip netns exec "$HOSTA" ping -q -c 2 -i 0.2 10.2.0.10 >/dev/null
wait "$dump"
echo "== gateway A"
run ip netns exec "$GWA" "$VTUNCTL" -s show vtun0
run ip netns exec "$GWA" "$VTUNCTL" sa show vtun0
run ip -n "$GWA" -s link show vtun0
[ $status = 0 ] && echo "demo: tunnel carried traffic between the two sites" ||
	echo "demo: FAILED"
exit $status
