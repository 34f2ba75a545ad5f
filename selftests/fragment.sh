#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Outer fragmentation in tunnel mode: the path MTU drops below the device
# MTU after the device is made; an IPv4 inner packet without DF that no
# longer fits is sent, its ESP packet fragmented by the underlay (IPv4 and
# IPv6), and a Linux XFRM peer reassembles, decrypts and answers. Nothing
# is lost uncounted: no IPv6 fragmentation failure, no vtun drop.
# (Transport mode fragmentation: transport.sh.)

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

vtun_load || skip_all "cannot load vtun"
need_modules veth esp4 esp6 xfrm_user xfrm_interface

# snmp6 NS FIELD: an IPv6 statistic of NS
snmp6() { ns_exec "$1" awk -v f="$2" '$1 == f { print $2 }' /proc/net/snmp6; }

# tx_drops NS: the sum of vtun0's drop counters
tx_drops() {
	ns_exec "$1" "$VTUNCTL" -j show vtun0 | python3 -c '
import json, sys; print(sum(json.load(sys.stdin)[0]["drops"].values()))'
}

for fam in 4 6; do
	tag="tunnel v$fam underlay"
	topo_underlay
	site_vtun "$A" 0 "$fam" gcm128-16 || fail "$tag: vtun site"
	site_xfrm "$B" 1 "$fam" gcm128-16 || fail "$tag: XFRM site"
	check "$tag: ping before the MTU drops" overlay_ping "$A" 0 4
	# The path shrinks under the device, whose MTU stays as derived.
	ip -n "$A" link set ul0 mtu 1400
	ip -n "$B" link set ul0 mtu 1400
	fails=$(snmp6 "$A" Ip6FragFails)
	drops=$(tx_drops "$A")
	# 1368 bytes: over the 1326 that fit in 1400, under the device MTU.
	check "$tag: 1368-byte inner packet without DF answered" \
		ns_exec "$A" ping -q -c 3 -i 0.2 -W 2 -M dont -s 1340 "${OV4[1]}"
	check_eq "$tag: Ip6FragFails unchanged" "$fails" "$(snmp6 "$A" Ip6FragFails)"
	check_eq "$tag: no vtun drop" "$drops" "$(tx_drops "$A")"
	check "$tag: XFRM decrypted them" test "$(ip -n "$B" -s xfrm state get \
		src "$(outer_addr 0 "$fam")" dst "$(outer_addr 1 "$fam")" \
		proto esp spi "$SPI_AB" |
		sed -n 's/.* \([0-9]*\)(packets).*/\1/p' | head -n 1)" -ge 5
	topo_reset
done

tap_done
