#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Demo: two sites joined by a vtun tunnel. Each site has a LAN host
# behind its gateway; the gateways encrypt with AES-256-GCM. The LAN
# hosts talk across the tunnel, and the counters show what crossed it.
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

# Keys are read from a file, so they never show on a command line.
KEY=$(mktemp /tmp/vtun-demo-key.XXXXXX)
defer rm -f "$KEY"
od -An -tx1 -N36 /dev/urandom | tr -d ' \n' >"$KEY"
tunnel() { # NS LOCAL REMOTE SPI_OUT SPI_IN PEER_LAN
	echo "== gateway $2"
	run ip netns exec "$1" "$VTUNCTL" link add vtun0 local "$2" remote "$3" zone vpn
	run ip netns exec "$1" "$VTUNCTL" sa add vtun0 dir out spi "$4" proto esp \
		aead 'rfc4106(gcm(aes))' "@$KEY" 128
	run ip netns exec "$1" "$VTUNCTL" sa add vtun0 dir in spi "$5" proto esp \
		aead 'rfc4106(gcm(aes))' "@$KEY" 128 replay-window 1024
	run ip -n "$1" link set vtun0 up
	run ip -n "$1" route add "$6" dev vtun0
}
tunnel "$GWA" 203.0.113.1 203.0.113.2 0x1001 0x2001 10.2.0.0/24
tunnel "$GWB" 203.0.113.2 203.0.113.1 0x2001 0x1001 10.1.0.0/24

echo "== host 10.1.0.10 (site A) pings host 10.2.0.10 (site B) through the tunnel"
run ip netns exec "$HOSTA" ping -c 3 -i 0.2 10.2.0.10
status=$?
echo "== what went over the underlay is ESP"
ip netns exec "$GWB" timeout 3 tcpdump -c 2 -n -i wan esp 2>/dev/null &
sleep 1
ip netns exec "$HOSTA" ping -q -c 2 -i 0.2 10.2.0.10 >/dev/null
wait
echo "== gateway A"
run ip netns exec "$GWA" "$VTUNCTL" -s show vtun0
run ip netns exec "$GWA" "$VTUNCTL" sa show vtun0
run ip -n "$GWA" -s link show vtun0
[ $status = 0 ] && echo "demo: tunnel carried traffic between the two sites" ||
	echo "demo: FAILED"
exit $status
