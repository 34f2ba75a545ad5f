#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The outer header and the path: TTL, DSCP copy, ECN propagation and the
# DF policy as seen on the underlay; ICMP "fragmentation needed" / "packet
# too big" with the inner MTU for oversized packets; and the host's own
# XFRM SAs keep working next to vtun's.
# vtun-timeout: 400

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

vtun_load || skip_all "cannot load vtun"
need_modules veth esp4 esp6 xfrm_user

# outer PINGARGS...: "ttl=N tos=0xNN df=D" of the outer header of a ping
# from A to B's overlay address, seen on B's underlay
outer() {
	local out
	out=$(mktemp /tmp/vtun-cap.XXXXXX)
	ns_exec "$B" python3 "$VTUN_TOP/selftests/pkt.py" outer ul0 "${UL4[0]}" 700 >"$out" &
	local cap=$!
	retry 10 grep -q ready "$out"
	ns_exec "$A" ping -q -c 1 -W 1 -s 700 "$@" "${OV4[1]}" >/dev/null 2>&1
	wait $cap
	tail -n 1 "$out"
	rm -f "$out"
}

topo_underlay
site_vtun "$A" 0 4 gcm128-16
site_vtun "$B" 1 4 gcm128-16
check_eq "default TTL is the route's" "ttl=64 tos=0x00 df=1" "$(outer -M do)"
ns_exec "$A" "$VTUNCTL" link set vtun0 ttl 17
check_eq "ttl 17 on the outer header" "ttl=17 tos=0x00 df=1" "$(outer -M do)"
check_eq "DSCP not copied by default" "ttl=17 tos=0x00 df=1" "$(outer -M do -Q 0xb8)"
ns_exec "$A" "$VTUNCTL" link set vtun0 copy-tos on
check_eq "copy-tos copies DSCP" "ttl=17 tos=0xb8 df=1" "$(outer -M do -Q 0xb8)"
ns_exec "$A" "$VTUNCTL" link set vtun0 copy-tos off
check_eq "ECN ECT(0) propagates without copy-tos" "ttl=17 tos=0x02 df=1" "$(outer -M do -Q 0x02)"
check_eq "ECN CE is encapsulated as ECT(0)" "ttl=17 tos=0x02 df=1" "$(outer -M do -Q 0x03)"
check_eq "no DF when the inner packet has none" "ttl=17 tos=0x00 df=0" "$(outer -M dont)"
ns_exec "$A" "$VTUNCTL" link set vtun0 df set
check_eq "df set forces DF" "ttl=17 tos=0x00 df=1" "$(outer -M dont)"
ns_exec "$A" "$VTUNCTL" link set vtun0 df clear
check_eq "df clear clears DF" "ttl=17 tos=0x00 df=0" "$(outer -M do)"
ns_exec "$A" "$VTUNCTL" link set vtun0 df inherit

# Path MTU: 1400 on the underlay. AES-GCM-128 with a 16-byte ICV leaves
# 1400 - 20 (IPv4) - 8 (ESP) - 8 (IV) - 16 (ICV) = 1348, 4-aligned, less
# 2 trailer bytes: 1346 for the inner packet.
ip -n "$A" link set ul0 mtu 1400
ip -n "$B" link set ul0 mtu 1400
check "1346-byte inner packet fits" ns_exec "$A" ping -q -c 1 -W 2 -M do -s 1318 "${OV4[1]}"
check_err "1347-byte inner packet: frag needed, mtu 1346" "1346" \
	ns_exec "$A" ping -c 2 -i 0.3 -W 2 -M do -s 1319 "${OV4[1]}"
check "counted as tx-too-big" test "$(ns_exec "$A" "$VTUNCTL" -j show vtun0 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["drops"]["tx-too-big"])')" -ge 1
check_err "IPv6 inner: packet too big, mtu 1346" "1346" \
	ns_exec "$A" ping -6 -c 2 -i 0.3 -W 2 -M do -s 1320 "${OV6[1]}"
check "1346-byte IPv6 inner packet fits" ns_exec "$A" ping -6 -q -c 1 -W 2 -M do -s 1298 "${OV6[1]}"

# The host's own XFRM: a transport-mode SA pair between the gateways.
x() { # NS SRC DST SPI_OUT SPI_IN
	ip -n "$1" xfrm state add src "$2" dst "$3" proto esp spi "$4" mode transport \
		aead "rfc4106(gcm(aes))" "$K20" 128 &&
	ip -n "$1" xfrm state add src "$3" dst "$2" proto esp spi "$5" mode transport \
		aead "rfc4106(gcm(aes))" "$K20" 128 &&
	ip -n "$1" xfrm policy add src "$2" dst "$3" proto icmp dir out \
		tmpl src "$2" dst "$3" proto esp mode transport &&
	ip -n "$1" xfrm policy add src "$3" dst "$2" proto icmp dir in \
		tmpl src "$3" dst "$2" proto esp mode transport
}
check "host XFRM SAs next to vtun" x "$A" "${UL4[0]}" "${UL4[1]}" 0x3001 0x3002
check "host XFRM SAs on the peer" x "$B" "${UL4[1]}" "${UL4[0]}" 0x3002 0x3001
check "host XFRM carries the gateways' ping" ns_exec "$A" ping -q -c 3 -i 0.2 -W 2 "${UL4[1]}"
check_eq "XFRM inbound SA counted 3 packets" 3 "$(ip -n "$B" -s xfrm state get src "${UL4[0]}" \
	dst "${UL4[1]}" proto esp spi 0x3001 | sed -n 's/.* \([0-9]*\)(packets).*/\1/p' | head -n 1)"
check "vtun tunnel still works beside it" overlay_ping "$A" 0 4

tap_done
