#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make-before-break rekeying under traffic, vtun against Linux XFRM and
# against vtun: new inbound SAs first, then the outbound switch (vtun:
# a standby SA made active by sa set; XFRM: the new state added, the old
# one deleted), old inbound SAs deleted later. A 100 pps ping loses
# nothing and a TCP transfer arrives intact.
# Knobs: REKEYS (default 5), REKEY_BYTES (default 4000000).
# vtun-timeout: 180

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

vtun_load || skip_all "cannot load vtun"
need_modules veth xfrm_interface

REKEYS=${REKEYS:-5}
REKEY_BYTES=${REKEY_BYTES:-4000000}
ALG=gcm128-16
# shellcheck disable=SC2034 # read by rekey (topo.sh)
REKEY_ALG=$ALG

rekey_loop() {
	local kind=$1 n
	for n in $(seq 2 $((REKEYS + 1))); do
		sleep 0.3
		rekey "$kind" "$n" || { echo "rekey $n failed"; return 1; }
	done
}

# drop_diag: where packets were dropped, A's SAs and TCP retransmissions
# (a failed transfer: a stall across a rekey, or only a slow guest?)
drop_diag() {
	diag "$(lost_where "$A" "$B" | tr '\n' ' ')"
	diag "A SAs: $(VA sa show vtun0 | tr '\n' ' ')"
	diag "A TCP: $(ns_exec "$A" nstat -asz TcpRetransSegs TcpExtTCPTimeouts | awk 'NR > 1 { printf "%s %s ", $1, $2 }')"
}

for kind in xfrm vtun; do
	topo_reset
	topo_underlay
	site_vtun "$A" 0 4 $ALG
	if [ $kind = xfrm ]; then site_xfrm "$B" 1 4 $ALG; else site_vtun "$B" 1 4 $ALG; fi
	check "vtun-$kind: tunnel up" overlay_ping "$A" 0 4
	pings=$((REKEYS * 100 + 300))
	ns_exec "$A" ping -q -i 0.01 -c $pings "${OV4[1]}" >ping.out 2>&1 &
	pingpid=$!
	rekey_loop $kind >rekey.out 2>&1 &
	rkpid=$!
	check "vtun-$kind: $REKEY_BYTES bytes by TCP intact across the rekeys" \
		overlay_tcp "$B" 1 "$A" 4 "$REKEY_BYTES"
	[ "$_T_RC" = 0 ] || drop_diag
	check "vtun-$kind: $REKEYS rekeys done" wait $rkpid
	[ -s rekey.out ] && diag "$(cat rekey.out)"
	wait $pingpid
	check_eq "vtun-$kind: ping at 100 pps lost nothing during $REKEYS rekeys" \
		"$pings $pings" "$(awk '/transmitted/ { print $1, $4 }' ping.out)"
	n=$((0x1001 + REKEYS))
	check_eq "vtun-$kind: the last SA pair carries the traffic" \
		"$(printf '0x%08x' $n)" "$(VA sa show vtun0 | awk '/ out / { print $4 }')"
	check_eq "vtun-$kind: no drops at A" 0 "$(drop "$A" tx-no-sa)"
done

tap_done
