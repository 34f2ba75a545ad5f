#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Packets that must not get through: a captured ESP packet re-injected
# (replay), one older than the window (too old), a forged one (auth
# failure), truncated and garbage ones. Each is dropped and counted under
# its reason, and the tunnel keeps working. Then ESN: an SA started just
# below 2^32 carries traffic across the boundary against vtun and XFRM.
# vtun-timeout: 600

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

vtun_load || skip_all "cannot load vtun"
need_modules veth xfrm_interface esp4 xfrm_user

PKT="python3 $VTUN_TOP/selftests/pkt.py"
CAP=$(mktemp /tmp/vtun-esp.XXXXXX)
defer rm -f "$CAP"

# sa_seq NS DIR: the SA's sequence number (out: last sent, in: top)
sa_seq() {
	ip netns exec "$1" "$VTUNCTL" -j -s sa show vtun0 |
		python3 -c "import json,sys
for sa in json.load(sys.stdin):
    if sa['dir'] == '$2': print(sa['stats']['seq'])"
}

# expect_drop DESC REASON MODE INDEX [SEQ]: inject, then see REASON grow
expect_drop() {
	local before after
	before=$(drop "$B" "$2")
	ns_exec "$A" $PKT inject ul0 "$CAP" "$4" "$3" "${5:-0}"
	sleep 0.3
	after=$(drop "$B" "$2")
	check_eq "$1: counted as $2" "$((before + 1))" "$after"
}

topo_underlay
site_vtun "$A" 0 4 gcm128-16
site_vtun "$B" 1 4 gcm128-16 replay-window 32
pkt_capture "$B" ul0 "${UL4[0]}" 40 "$CAP"
ns_exec "$A" ping -q -c 40 -i 0.05 "${OV4[1]}" >/dev/null
check "40 ESP packets captured" wait $CAP_PID

expect_drop "re-injected packet" rx-replay replay 39
expect_drop "packet left of the window" rx-too-old replay 0
expect_drop "forged packet" rx-auth-failed forge 20 1000
expect_drop "garbage body" rx-auth-failed garbage 20 1001
expect_drop "truncated packet" rx-malformed truncate 20
before=$(drop "$B" rx-malformed)
ns_exec "$A" $PKT inject ul0 "$CAP" 20 badspi
check_eq "unknown SPI left to XFRM, not counted by vtun" "$before" "$(drop "$B" rx-malformed)"
check "tunnel still carries traffic" overlay_ping "$A" 0 4
check_eq "replayed seq numbers did not reach the window top" 1 \
	"$([ "$(sa_seq "$B" in)" -lt 1000 ] && echo 1)"
topo_reset

# ESN across 2^32, against vtun and against XFRM.
start=0xffffffe0
for peer in vtun xfrm; do
	topo_underlay
	site_vtun "$A" 0 4 cbc256-sha256 esn on seq $start
	if [ $peer = vtun ]; then
		site_vtun "$B" 1 4 cbc256-sha256 esn on seq $start
	else
		site_xfrm "$B" 1 4 cbc256-sha256 flag esn replay-window 128 \
			replay-seq $start replay-oseq $start
	fi
	check "esn vtun-$peer: 64 pings across 2^32" \
		ns_exec "$A" ping -q -c 64 -i 0.05 -W 2 "${OV4[1]}"
	check "esn vtun-$peer: outbound seq passed 2^32" \
		test "$(sa_seq "$A" out)" -gt 4294967296
	check "esn vtun-$peer: inbound seq passed 2^32" \
		test "$(sa_seq "$A" in)" -gt 4294967296
	check "esn vtun-$peer: TCP bytes verified after the wrap" \
		overlay_tcp "$B" 1 "$A" 4 65536
	topo_reset
done

tap_done
