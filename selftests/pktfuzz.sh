#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Packet fuzzing (pktfuzz.py): PKTFUZZ_COUNT mutated ESP, AH, ESP in UDP,
# NAT keepalive, IKE-marker and IPv4 fragment datagrams, many of them
# validly authenticated with malformed inner packets, sent at site B
# (vtun0 with its real SA pair and fuzz SAs of its own, vtun1 with ESP in
# UDP, with PKTFUZZ_V6=1 vtun2 with an IPv6 outer header) while a ping
# and TCP transfers from a Linux XFRM site A cross the tunnel. Asserts:
# every datagram vtun owns is accepted or counted under the one drop
# reason its kind expects (the sum of the rx drop counters' deltas plus
# the fuzz SAs' packets equals the number sent), the real
# traffic loses nothing, the kernel reports nothing (the runner's checks).
# PKTFUZZ_COUNT: datagrams (default 12000, 3000 on the debug kernel;
# make fuzz-packets: 100000),
# PKTFUZZ_SEED: the random seed (default: a new one, printed),
# PKTFUZZ_V6=1: also IPv6 outer ESP, AH and fragments (vtun2).
# vtun-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

vtun_load || skip_all "cannot load vtun"
need_modules veth xfrm_interface esp4 ah4 esp6 ah6 xfrm_user ||
	skip_all "missing modules"
python3 -c 'from cryptography.hazmat.primitives.ciphers.aead import AESGCM' ||
	skip_all "python3 cryptography not installed"

# The debug kernel is several times slower: fewer by default.
COUNT=12000
[ "$VTUN_KERNEL" = 6.12-debug ] && COUNT=3000
COUNT=${PKTFUZZ_COUNT:-$COUNT}
SEED=${PKTFUZZ_SEED:-$RANDOM$RANDOM}
KFUZZ=0xa0a1a2a3a4a5a6a7a8a9aaabacadaeaf73616c74	# pktfuzz.py ESP_KEY
KAH=0x$(printf '%02x' $(seq 64 95) | tr -d '\n')	# pktfuzz.py AH_KEY
OUT=$(mktemp /tmp/vtun-fuzz.XXXXXX)
PINGS=$(mktemp /tmp/vtun-fuzz.XXXXXX)
TCPS=$(mktemp /tmp/vtun-fuzz.XXXXXX)
defer rm -f "$OUT" "$PINGS" "$TCPS"
vt() { local ns=$1; shift; ns_exec "$ns" "$VTUNCTL" "$@"; }

configure() {
	site_xfrm "$A" 0 4 gcm128-16 && site_vtun "$B" 1 4 gcm128-16 &&
	vt "$B" sa add vtun0 dir in spi 0xf001 proto esp aead 'rfc4106(gcm(aes))' \
		"$KFUZZ" 128 replay-window 128 &&
	vt "$B" sa add vtun0 dir in spi 0xf002 proto ah auth 'hmac(sha256)' "$KAH" 128 \
		replay-window 128 &&
	vt "$B" link add vtun1 local "${UL4[1]}" remote "${UL4[0]}" encap udp keepalive 0 &&
	vt "$B" sa add vtun1 dir out spi 0xf013 proto esp aead 'rfc4106(gcm(aes))' "$KFUZZ" 128 &&
	vt "$B" sa add vtun1 dir in spi 0xf003 proto esp aead 'rfc4106(gcm(aes))' \
		"$KFUZZ" 128 replay-window 128 &&
	ip -n "$B" link set vtun1 up &&
	ip -n "$B" addr add 192.0.2.3/24 dev ul0 || return
	[ "${PKTFUZZ_V6:-}" = 1 ] || return 0
	vt "$B" link add vtun2 local "${UL6[1]}" remote "${UL6[0]}" &&
	vt "$B" sa add vtun2 dir out spi 0xf014 proto esp aead 'rfc4106(gcm(aes))' "$KFUZZ" 128 &&
	vt "$B" sa add vtun2 dir in spi 0xf004 proto esp aead 'rfc4106(gcm(aes))' \
		"$KFUZZ" 128 replay-window 128 &&
	vt "$B" sa add vtun2 dir in spi 0xf005 proto ah auth 'hmac(sha256)' "$KAH" 128 \
		replay-window 128 &&
	ip -n "$B" link set vtun2 up &&
	ip -n "$B" addr add 2001:db8:ff::3/64 dev ul0 nodad
}
topo_underlay
check "configure: XFRM site A, vtun site B with fuzz SAs and an ESP-in-UDP device" configure
# Incomplete fragment sets wait out their 30 s without crowding out others.
ns_exec "$B" sysctl -qw net.ipv4.ipfrag_high_thresh=67108864
check "real traffic before fuzzing" overlay_ping "$A" 0 4

# Real traffic while the fuzzer runs: pings at a fixed rate, TCP transfers.
fuzz_running() { [ ! -e "$OUT.done" ]; }
(while fuzz_running; do
	ns_exec "$A" ping -q -n -c 20 -i 0.05 -W 2 "${OV4[1]}" |
		sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p'
done) >"$PINGS" &
pinger=$!
(while fuzz_running; do
	overlay_tcp "$B" 1 "$A" 4 1048576 && echo ok || echo fail
done) >"$TCPS" 2>&1 &
tcper=$!

mac=$(ip -n "$B" -j link show ul0 | jq -r '.[0].address')
diag "pktfuzz: $COUNT datagrams, seed $SEED"
start=$SECONDS
ns_exec "$A" env VTUNCTL="$VTUNCTL" python3 "$VTUN_TOP/selftests/pktfuzz.py" \
	ul0 "$mac" "$B" "$COUNT" "$SEED" >"$OUT" 2>&1
rc=$?
touch "$OUT.done"
defer rm -f "$OUT.done"
wait $pinger $tcper
sed 's/^# //; s/^/# /' "$OUT"
diag "fuzzing took $((SECONDS - start)) s"
check_eq "every datagram vtun owns accepted or counted under its one reason" 0 "$rc"

read -r tx rx <<<"$(awk '{ t += $1; r += $2 } END { print t + 0, r + 0 }' "$PINGS")"
diag "real traffic: $rx of $tx pings answered, $(grep -c ok "$TCPS") TCP transfers of 1 MiB verified"
check "real traffic: pings sent while fuzzing" test "$tx" -gt 0
check_eq "real traffic: no ping lost" "$tx" "$rx"
check "real traffic: TCP transfers while fuzzing" grep -q ok "$TCPS"
check_eq "real traffic: every TCP transfer verified" 0 "$(grep -vc '^ok$' "$TCPS")"
check "tunnel still carries traffic" overlay_ping "$A" 0 4

tap_done
