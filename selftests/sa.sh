#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SA configuration over netlink: every malformed request fails with an
# errno and an extack message naming the attribute, and changes nothing;
# keys never come back; ICVs below 64 bits (AEAD) or 96 bits (MACs) are
# refused; sa-set moves the device's peer (the remote address, or with
# ESP in UDP the current peer address and port); a dump whose SAs or
# devices change between its passes (a device moved to another namespace
# too) is marked NLM_F_DUMP_INTR; a 32-bit SA stops at the
# end of its sequence space instead of wrapping.
# vtun-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

vtun_load || skip_all "cannot load vtun"
need_modules veth

ns_new N
V() { ns_exec "$N" "$VTUNCTL" "$@"; }
nsa() { V -j sa show vtun0 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
GCM="aead rfc4106(gcm(aes)) $K20 128"

V link add vtun0 local 192.0.2.1 remote 192.0.2.2
V link add vtun1 local 192.0.2.1 remote 192.0.2.3
check "add inbound SA" V sa add vtun0 dir in spi 0x1001 proto esp $GCM
check "add outbound SA" V sa add vtun0 dir out spi 0x2001 proto esp $GCM

# bad DESC EXPECTED-TEXT SA-ARGS...: refused with the text, nothing added
bad() {
	local desc=$1 want=$2 n
	shift 2
	n=$(nsa)
	check_err "$desc" "$want" V sa add vtun0 "$@"
	check_eq "$desc: nothing changed" "$n" "$(nsa)"
}

bad "duplicate inbound SPI" "spi: already in use" dir in spi 0x1001 proto esp $GCM
bad "inbound SPI of another device in the namespace" "spi: already in use" \
	dir in spi 0x1001 proto esp $GCM
check "same inbound SPI on another device is refused too" \
	test "$(V sa add vtun1 dir in spi 0x1001 proto esp $GCM 2>&1 | grep -c 'already in use')" = 1
check "same outbound SPI on another device is fine" \
	V sa add vtun1 dir out spi 0x2001 proto esp $GCM
bad "duplicate outbound SPI" "spi: already in use" dir out spi 0x2001 proto esp $GCM
bad "unknown AEAD" "aead-alg: unknown algorithm" \
	dir in spi 0x1002 proto esp aead "gcm(aes)" "$K20" 128
bad "unknown cipher" "enc-alg: unknown algorithm" \
	dir in spi 0x1002 proto esp enc "cbc(foo)" "$K16" auth "hmac(sha256)" "$K32" 128
bad "unknown integrity algorithm" "auth-alg: unknown algorithm" \
	dir in spi 0x1002 proto esp enc "cbc(aes)" "$K16" auth "hmac(foo)" "$K32" 128
bad "AEAD key of the wrong length" "aead-key: invalid length" \
	dir in spi 0x1002 proto esp aead "rfc4106(gcm(aes))" "$K16" 128
bad "cipher key of the wrong length" "enc-key: invalid length" \
	dir in spi 0x1002 proto esp enc "cbc(aes)" 0x0011 auth "hmac(sha256)" "$K32" 128
bad "unsupported ICV length" "icv length not supported" \
	dir in spi 0x1002 proto esp aead "rfc4106(gcm(aes))" "$K20" 100
bad "truncation longer than the digest" "icv length not supported" \
	dir in spi 0x1002 proto esp enc "cbc(aes)" "$K16" auth "hmac(sha1)" "$K20" 256
bad "replay window not a power of two" "replay-window: must be 0 or a power of two" \
	dir in spi 0x1002 proto esp $GCM replay-window 100
bad "replay window below 32" "replay-window: must be 0 or a power of two" \
	dir in spi 0x1002 proto esp $GCM replay-window 16
bad "replay window above 4096" "replay-window: must be 0 or a power of two" \
	dir in spi 0x1002 proto esp $GCM replay-window 8192
bad "64-bit initial sequence number without ESN" "seq: above 2^32-1 needs esn" \
	dir out spi 0x2002 proto esp $GCM seq 0x100000000
bad "AEAD and cipher together" "aead excludes enc and auth" \
	dir in spi 0x1002 proto esp $GCM enc "cbc(aes)" "$K16"
bad "AH with a cipher" "enc-alg: not allowed with proto ah" \
	dir in spi 0x1002 proto ah enc "cbc(aes)" "$K16" auth "hmac(sha256)" "$K32" 128
bad "reserved SPI" "" dir in spi 255 proto esp $GCM
# Integrity floors: 64-bit AEAD ICVs, 96-bit truncated MACs (RFC 4868).
bad "AEAD ICV below 64 bits" "icv-bits: at least 64" \
	dir in spi 0x1002 proto esp aead "rfc4106(gcm(aes))" "$K20" 32
bad "HMAC truncated to 8 bits" "auth-trunc-bits: at least 96" \
	dir in spi 0x1002 proto esp enc "cbc(aes)" "$K16" auth "hmac(sha256)" "$K32" 8
bad "HMAC truncated to 64 bits" "auth-trunc-bits: at least 96" \
	dir in spi 0x1002 proto esp enc "cbc(aes)" "$K16" auth "hmac(sha256)" "$K32" 64
bad "AH ICV truncated to 64 bits" "auth-trunc-bits: at least 96" \
	dir in spi 0x1002 proto ah auth "hmac(sha256)" "$K32" 64
for b in 96 128; do
	check "HMAC truncated to $b bits accepted" V sa add vtun0 dir in \
		spi $((0x4000 + b)) proto esp enc "cbc(aes)" "$K16" auth "hmac(sha256)" "$K32" $b
done
for b in 64 96 128; do
	check "AEAD ICV of $b bits accepted" V sa add vtun0 dir in \
		spi $((0x5000 + b)) proto esp aead "rfc4106(gcm(aes))" "$K20" $b
done
for w in 0 32 64 128 256 512 1024 2048 4096; do
	check "replay window $w accepted" V sa add vtun0 dir in spi $((0x3000 + w)) \
		proto esp $GCM replay-window $w
done
check_err "delete of a missing SA" "spi: no such SA" V sa del vtun0 dir in spi 0x7777

# sa-set peer: the device's, checked against its family and encapsulation.
peer() { V -j show "$1" | jq -r '.[0] | "\(.remote) \(.peer) \(."peer-port")"'; }
badpeer() { # DESC TEXT DEV SA-SET-ARGS...: refused, peer unchanged
	local desc=$1 want=$2 dev=$3 before
	shift 3
	before=$(peer "$dev")
	check_err "$desc" "$want" V sa set "$dev" "$@"
	check_eq "$desc: nothing changed" "$before" "$(peer "$dev")"
}
badpeer "sa set peer-port without encap udp" "peer-port: requires encap udp" \
	vtun0 dir out spi 0x2001 port 4501
badpeer "sa set peer of another family" "peer: address family differs from the tunnel's" \
	vtun0 dir out spi 0x2001 peer 2001:db8::1
badpeer "sa set peer 0.0.0.0" "peer: the unspecified address" \
	vtun0 dir out spi 0x2001 peer 0.0.0.0
badpeer "sa set peer with a bad lifetime: all or nothing" "soft-packets: must be below" \
	vtun0 dir out spi 0x2001 peer 192.0.2.9 limit packet-soft 9 limit packet-hard 8
check "sa set peer" V sa set vtun0 dir in spi 0x1001 peer 192.0.2.9
check_eq "sa set peer: the remote moved" "192.0.2.9 192.0.2.9 null" "$(peer vtun0)"
V link add vtun2 local 127.0.0.1 encap udp keepalive 0
V sa add vtun2 dir out spi 0x2002 proto esp $GCM
badpeer "sa set port without any peer address" "peer: missing, the device knows no peer address yet" \
	vtun2 dir out spi 0x2002 port 4501
check "sa set peer and port (encap udp)" V sa set vtun2 dir out spi 0x2002 peer 192.0.2.7 port 4501
check_eq "encap udp: the current peer moved, no remote" "null 192.0.2.7 4501" "$(peer vtun2)"
check "sa set port alone" V sa set vtun2 dir out spi 0x2002 port 4600
check_eq "encap udp: port changed, address kept" "null 192.0.2.7 4600" "$(peer vtun2)"
V link del vtun2

# Keys never leave the kernel, in any reply.
raw=$(ns_exec "$N" python3 "$VTUN_TOP/selftests/genl_raw.py" sa-dump vtun0)
check "SA dump carries the SAs" test "${#raw}" -gt 200
check "SA dump holds no key bytes" \
	test "$(grep -c "${K16#0x}" <<<"$raw")" = 0
check "vtunctl output holds no key bytes" \
	test "$(V -j -s sa show vtun0 | grep -c "${K16#0x}")" = 0
check "delete an SA" V sa del vtun0 dir in spi 0x1001
check_eq "deleted SA is gone" "" "$(V sa show vtun0 | grep 0x00001001)"

# A dump over several passes: an SA deleted between two marks the rest of
# it NLM_F_DUMP_INTR, so that a reader dumps again; unchanged, nothing is.
for ((i = 0; i < 60; i++)); do
	V sa add vtun0 dir in spi $((0x5a000 + i)) proto esp $GCM || break
done
intr() { ns_exec "$N" python3 "$VTUN_TOP/selftests/genl_raw.py" sa-dump-intr vtun0 "$@"; }
out=$(intr "$VTUNCTL" sa del vtun0 dir in spi 0x5a000)
check "dump in passes, an SA deleted in between: marked interrupted" \
	eval '[[ "$out" =~ interrupted\ [1-9].*passes\ ([2-9]|[1-9][0-9]) ]]'
out=$(intr true)
check "dump in passes, nothing changed: not marked" \
	eval '[[ "$out" =~ interrupted\ 0\ passes\ ([2-9]|[1-9][0-9]) ]]'
diag "dumps: $out"
# The device dump: a device moved to another namespace between two passes.
ns_new M
for ((i = 0; i < 30; i++)); do
	V link add vd$i local 192.0.2.1 remote 198.51.100.$((i + 1)) || break
done
dintr() { ns_exec "$N" python3 "$VTUN_TOP/selftests/genl_raw.py" dev-dump-intr "$@"; }
out=$(dintr ip link set vd0 netns "$M")
check "device dump in passes, a device moved out in between: marked interrupted" \
	eval '[[ "$out" =~ interrupted\ [1-9].*passes\ ([2-9]|[1-9][0-9]) ]]'
out=$(dintr true)
check "device dump in passes, nothing changed: not marked" \
	eval '[[ "$out" =~ interrupted\ 0\ passes\ ([2-9]|[1-9][0-9]) ]]'
diag "device dumps: $out"
printf 'link del vd%d\n' $(seq 1 29) | ip -n "$N" -batch -
ip -n "$M" link del vd0
topo_reset

# A 32-bit SA never wraps: the last sequence number is 2^32-1, then the
# SA expires (hard).
topo_underlay
site_vtun "$A" 0 4 gcm128-16 seq 0xffffff00
site_vtun "$B" 1 4 gcm128-16 seq 0xffffff00
# Once the SA is gone, traffic still reaches vtun: tx-no-sa counts it.
ns_exec "$A" "$VTUNCTL" link set vtun0 on-demand on
check "traffic flows near the end of the sequence space" \
	ns_exec "$A" ping -q -c 2 -i 0.2 "${OV4[1]}"
ns_exec "$A" ping -q -c 300 -i 0.01 -W 1 "${OV4[1]}" >/dev/null 2>&1
check_fail "after 2^32-1 nothing is sent" \
	ns_exec "$A" ping -q -c 2 -i 0.2 -W 1 "${OV4[1]}"
# Exhaustion is a hard expiry: the SA goes, later packets find none.
check "exhaustion counted as tx-seq-exhausted or, once the SA is gone, tx-no-sa" \
	test $(($(drop "$A" tx-seq-exhausted) + $(drop "$A" tx-no-sa))) -ge 2
check_fail "the exhausted outbound SA is deleted" \
	ns_exec "$A" "$VTUNCTL" sa show vtun0 dir out spi "$SPI_AB"
check_eq "the peer saw 2^32-1 last, no wrap" 4294967295 "$(ns_exec "$B" "$VTUNCTL" -j -s sa show vtun0 |
	python3 -c 'import json,sys
for sa in json.load(sys.stdin):
    if sa["dir"] == "in": print(sa["stats"]["seq"])')"

tap_done
