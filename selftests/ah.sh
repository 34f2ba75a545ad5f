#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# AH (RFC 4302), tunnel and transport mode: SA configuration rules; vtun against Linux
# XFRM AH and against vtun with hmac(sha1), sha256, sha384 and sha512 over
# IPv4 and IPv6, outer and inner (ping both ways, TCP bytes verified); the
# header length on the wire; ESN across 2^32 against XFRM; replayed,
# forged (payload and immutable header) and truncated packets counted,
# foreign SPIs left to XFRM; TTL / hop limit, DSCP and flow label changed
# in flight still verify; ICMP errors about AH packets set the path MTU;
# transport mode against XFRM transport-mode AH, IPv4 and IPv6.
# vtun-timeout: 600

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

vtun_load || skip_all "cannot load vtun"
need_modules veth xfrm_interface ah4 ah6 xfrm_user nf_tables

SITE_PROTO=ah
ALGS[sha1]="auth hmac(sha1) $K20 96|auth-trunc hmac(sha1) $K20 96"
ALGS[sha256]="auth hmac(sha256) $K32 128|auth-trunc hmac(sha256) $K32 128"
ALGS[sha384]="auth hmac(sha384) $K48 192|auth-trunc hmac(sha384) $K48 192"
ALGS[sha512]="auth hmac(sha512) $K64 256|auth-trunc hmac(sha512) $K64 256"

PKT="python3 $VTUN_TOP/selftests/pkt.py"
CAP=$(mktemp /tmp/vtun-ah.XXXXXX)
defer rm -f "$CAP"

# --- Configuration -------------------------------------------------------

ns_new N
V() { ns_exec "$N" "$VTUNCTL" "$@"; }
nsa() { V -j sa show vtun0 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
V link add vtun0 local 192.0.2.1 remote 192.0.2.2

# refused DESC TEXT SA-ARGS...: the kernel says TEXT and adds nothing
refused() {
	local desc=$1 want=$2 n
	shift 2
	n=$(nsa)
	check_err "ah config: $desc" "$want" V sa add vtun0 dir in spi 0x500 proto ah "$@"
	check_eq "ah config: $desc: nothing added" "$n" "$(nsa)"
}

refused "a cipher" "enc-alg: not allowed with proto ah" \
	enc "cbc(aes)" "$K16" auth "hmac(sha256)" "$K32" 128
refused "an AEAD" "aead-alg: not allowed with proto ah" \
	aead "rfc4106(gcm(aes))" "$K20" 128
refused "hmac(md5)" "auth-alg: not supported with proto ah" auth "hmac(md5)" "$K16" 96
refused "truncation not a multiple of 32" "auth-trunc-bits: must be a multiple of 32" \
	auth "hmac(sha256)" "$K32" 100
refused "truncation beyond the digest" "auth-trunc-bits: must be a multiple of 32" \
	auth "hmac(sha1)" "$K20" 192
check "ah config: hmac(sha384) with the default truncation" \
	V sa add vtun0 dir in spi 0x501 proto ah auth "hmac(sha384)" "$K48"
check_eq "ah config: reported as ah, hmac(sha384), 192 bits, no cipher" \
	"ah hmac(sha384) 192 None" \
	"$(V -j sa show vtun0 | python3 -c 'import json,sys
sa = json.load(sys.stdin)[0]
print(sa["proto"], sa["auth-alg"], sa["auth-trunc-bits"], sa.get("enc-alg"))')"
check "ah config: hmac(sha512) truncated to 384 bits, ESN" \
	V sa add vtun0 dir out spi 0x502 proto ah auth "hmac(sha512)" "$K64" 384 esn on
check_err "ah config: align8 is for AH only" "ah-align8: only for proto ah" \
	V sa add vtun0 dir out spi 0x503 proto esp aead "rfc4106(gcm(aes))" "$K20" 128 align8 on
V sa add vtun0 dir out spi 0x504 proto ah auth "hmac(sha256)" "$K32" align8 on
check_eq "ah config: align8 reported" "True False" "$(V -j sa show vtun0 | python3 -c '
import json, sys
sas = {s["spi"]: s for s in json.load(sys.stdin)}
print(sas[0x504]["ah-align8"], sas[0x502]["ah-align8"])')"
V link add vtun1 remote 192.0.2.3 encap udp
check_err "ah config: no AH SA on a device with ESP in UDP" "AH cannot traverse NAT" \
	V sa add vtun1 dir in spi 0x600 proto ah auth "hmac(sha256)" "$K32"
check_err "ah config: no ESP in UDP on a device with AH SAs" "AH cannot traverse NAT" \
	V link set vtun0 encap udp

# --- Interoperability ----------------------------------------------------

# XFRM pads IPv4 AH to 8 bytes unless told to follow RFC 4302 (4 bytes).
xfrm_align() { [ "$1" = 4 ] && echo "flag align4"; }

# pair PEER ALG OUTER [PEER-OPTS...]: A runs vtun, B runs PEER.
pair() {
	local peer=$1 alg=$2 outer=$3
	shift 3
	topo_underlay && site_vtun "$A" 0 "$outer" "$alg" &&
		"site_$peer" "$B" 1 "$outer" "$alg" "$@"
}

# traffic TAG INNER...: ping both ways per inner family, TCP A->B on the first
traffic() {
	local tag=$1 inner
	shift
	for inner in "$@"; do
		check "$tag inner v$inner: ping A->B" overlay_ping "$A" 0 "$inner"
		check "$tag inner v$inner: ping B->A" overlay_ping "$B" 1 "$inner"
	done
	check "$tag inner v$1: TCP A->B bytes verified" overlay_tcp "$B" 1 "$A" "$1" 65536
}

# sa_stat NS DIR KEY: a counter of the device's SA in direction DIR
sa_stat() {
	ip netns exec "$1" "$VTUNCTL" -j -s sa show vtun0 |
		python3 -c "import json,sys
print([sa for sa in json.load(sys.stdin) if sa['dir'] == '$2'][0]['stats']['$3'])"
}

# mangle NS FAMILY WHAT...: rewrite mutable fields of outgoing AH packets
mangle() {
	local ns=$1 fam=$2
	shift 2
	ip netns exec "$ns" nft -f - <<-EOF
		table inet ahtest {
			chain post {
				type filter hook postrouting priority 300;
				meta nfproto $fam meta l4proto ah counter $*
			}
		}
	EOF
}

mangled() {
	ip netns exec "$1" nft list table inet ahtest |
		awk '/counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

for t in "xfrm sha256 4 4 6" "xfrm sha1 6 6 4" "xfrm sha384 4 6" "xfrm sha512 6 4" \
	 "vtun sha384 6 4 6" "vtun sha512 4 6" "vtun sha1 4 4" "vtun sha256 6 6"; do
	read -r peer alg outer inners <<<"$t"
	tag="ah vtun-$peer $alg outer v$outer"
	opts=
	[ "$peer" = xfrm ] && opts=$(xfrm_align "$outer")
	# shellcheck disable=SC2086
	if ! pair "$peer" "$alg" "$outer" $opts; then
		fail "$tag: configure"
		topo_reset
		continue
	fi
	# shellcheck disable=SC2086
	traffic "$tag" $inners
	topo_reset
done

# XFRM's default 8-byte padding of IPv4 AH is accepted; XFRM itself
# drops vtun's RFC 4302 4-byte padded replies, so count at vtun only.
pair xfrm sha512 4
ns_exec "$B" ping -q -c 3 -i 0.2 -W 1 "${OV4[0]}" >/dev/null
check "ah vtun-xfrm sha512: XFRM's 8-byte padded IPv4 AH verified" \
	test "$(sa_stat "$A" in packets)" -ge 3
topo_reset
# With align8 on, vtun pads as XFRM does by default: both ways work.
for alg in sha256 sha512; do
	if topo_underlay && site_vtun "$A" 0 4 "$alg" align8 on &&
	   site_xfrm "$B" 1 4 "$alg"; then
		traffic "ah vtun-xfrm $alg align8, XFRM default padding" 4 6
	else
		fail "ah vtun-xfrm $alg align8: configure"
	fi
	topo_reset
done


# --- The wire, forgery, replay, mutable fields (B: XFRM sends to vtun) ---

pair xfrm sha256 4 flag align4
pkt_capture "$A" ul0 "${UL4[1]}" 20 "$CAP"
ns_exec "$B" ping -q -c 20 -i 0.05 "${OV4[0]}" >/dev/null
check "ah wire: 20 AH packets from XFRM captured" wait $CAP_PID
check_eq "ah wire: IP protocol 51, AH length 28 bytes (hdrlen 5), SPI" \
	"51 5 $((SPI_BA))" "$(python3 -c "import sys
f = bytes.fromhex(open('$CAP').read().split()[0])
print(f[23], f[35], int.from_bytes(f[38:42], 'big'))")"

# expect_drop DESC REASON MODE INDEX [SEQ]: inject towards A, REASON grows
expect_drop() {
	local before
	before=$(drop "$A" "$2")
	ns_exec "$B" $PKT inject ul0 "$CAP" "$4" "$3" "${5:-0}"
	sleep 0.3
	check_eq "ah $1: counted as $2" "$((before + 1))" "$(drop "$A" "$2")"
}

expect_drop "replayed packet" rx-replay replay 19
expect_drop "payload bit flipped" rx-auth-failed forge 10 1000
expect_drop "IPv4 identification changed" rx-auth-failed ipid 10 1001
expect_drop "truncated packet" rx-malformed truncate 10
check_eq "ah: auth failures counted on the SA" 2 "$(sa_stat "$A" in auth-failed)"
nostates() { ip netns exec "$A" awk '$1 == "XfrmInNoStates" { print $2 }' /proc/net/xfrm_stat; }
before=$(nostates)
malformed=$(drop "$A" rx-malformed)
ns_exec "$B" $PKT inject ul0 "$CAP" 10 badspi
sleep 0.3
check_eq "ah: foreign SPI not counted by vtun" "$malformed" "$(drop "$A" rx-malformed)"
check_eq "ah: foreign SPI went on to XFRM (XfrmInNoStates)" "$((before + 1))" "$(nostates)"
check "ah: forged sequence numbers did not move the window" \
	test "$(sa_stat "$A" in seq)" -lt 1000

check "ah mutable v4: nft rewrites TTL and DSCP both ways" \
	eval 'mangle "$A" ipv4 ip ttl set 9 ip dscp set cs5 && mangle "$B" ipv4 ip ttl set 9 ip dscp set cs5'
traffic "ah mutable v4 (TTL, DSCP rewritten)" 4
check "ah mutable v4: packets were rewritten at A" test "$(mangled "$A")" -gt 0
check "ah mutable v4: packets were rewritten at B" test "$(mangled "$B")" -gt 0
topo_reset

pair vtun sha384 6
check "ah mutable v6: nft rewrites hop limit, DSCP and flow label" \
	mangle "$A" ipv6 ip6 hoplimit set 9 ip6 dscp set cs5 ip6 flowlabel set 12345
traffic "ah mutable v6 (hop limit, DSCP, flow label rewritten)" 6
check "ah mutable v6: packets were rewritten" test "$(mangled "$A")" -gt 0
topo_reset

# --- ICMP errors about AH packets set the path MTU ------------------------
# The error quotes A's packet: vtun claims it by A's outbound SPI.

pair vtun sha256 4
pkt_capture "$B" ul0 "${UL4[0]}" 1 "$CAP"
ns_exec "$A" ping -q -c 1 -W 2 "${OV4[1]}" >/dev/null
check "ah pmtu: AH packet captured" wait $CAP_PID
ns_exec "$B" $PKT inject ul0 "$CAP" 0 fragneeded 1300
sleep 0.3
check "ah pmtu: ICMP frag needed about an AH packet sets the path MTU" \
	eval 'ip -n "$A" route get "${UL4[1]}" | grep -q "mtu 1300"'
# 1300 - 20 (IPv4) - 28 (AH with a 16-byte ICV) = 1252 for the inner packet
check "ah pmtu: 1252-byte inner packet fits" \
	ns_exec "$A" ping -q -c 1 -W 2 -M "do" -s 1224 "${OV4[1]}"
check_err "ah pmtu: 1253-byte inner packet: frag needed, mtu 1252" "1252" \
	ns_exec "$A" ping -c 2 -i 0.3 -W 2 -M "do" -s 1225 "${OV4[1]}"
topo_reset

# --- Transport mode against XFRM transport-mode AH ------------------------

VA() { ns_exec "$A" "$VTUNCTL" "$@"; }

# ah_transport FAMILY ALG: A vtun in transport mode, B XFRM transport SAs
# shellcheck disable=SC2046
ah_transport() {
	local fam=$1 alg=$2 l r ma mb
	l=$(outer_addr 0 "$fam")
	r=$(outer_addr 1 "$fam")
	xfrm_alg_args "$alg"
	# shellcheck disable=SC2207
	XFRM_ALG+=($(xfrm_align "$fam"))
	topo_underlay || return
	# Neighbours by hand: B's transport policies would catch ND.
	ma=$(ip netns exec "$A" cat /sys/class/net/ul0/address)
	mb=$(ip netns exec "$B" cat /sys/class/net/ul0/address)
	ip -n "$A" neigh replace "${UL6[1]}" lladdr "$mb" dev ul0 nud permanent &&
	ip -n "$B" neigh replace "${UL6[0]}" lladdr "$ma" dev ul0 nud permanent &&
	VA link add vtun0 local "$l" remote "$r" underlay ul0 mode transport &&
	VA sa add vtun0 dir out spi "$SPI_AB" proto ah $(alg_vtun "$alg") &&
	VA sa add vtun0 dir in spi "$SPI_BA" proto ah $(alg_vtun "$alg") &&
	ip -n "$A" link set vtun0 up &&
	ip -n "$A" route add "$r" dev vtun0 src "$l" &&
	ip -n "$B" xfrm state add src "$r" dst "$l" proto ah spi "$SPI_BA" \
		mode transport "${XFRM_ALG[@]}" &&
	ip -n "$B" xfrm state add src "$l" dst "$r" proto ah spi "$SPI_AB" \
		mode transport "${XFRM_ALG[@]}" &&
	ip -n "$B" xfrm policy add src "$r" dst "$l" dir out \
		tmpl src "$r" dst "$l" proto ah mode transport &&
	ip -n "$B" xfrm policy add src "$l" dst "$r" dir in \
		tmpl src "$l" dst "$r" proto ah mode transport
}

for t in "4 sha256" "6 sha1"; do
	read -r fam alg <<<"$t"
	tag="ah transport vtun-xfrm $alg v$fam"
	if ! ah_transport "$fam" "$alg"; then
		fail "$tag: configure"
		topo_reset
		continue
	fi
	peer=$(outer_addr 1 "$fam")
	check "$tag: ping A->B gateway" ns_exec "$A" ping -q -c 2 -i 0.2 -W 2 "$peer"
	check "$tag: ping B->A gateway" \
		ns_exec "$B" ping -q -c 2 -i 0.2 -W 2 "$(outer_addr 0 "$fam")"
	check "$tag: TCP A->B bytes verified" python3 "$VTUN_TOP/selftests/tcpcheck.py" \
		transfer "$B" "$A" "$peer" 5001 65536
	check "$tag: carried by vtun's AH SAs" \
		test "$(sa_stat "$A" in packets)" -ge 4 -a "$(sa_stat "$A" out packets)" -ge 4
	topo_reset
done

# --- ESN across 2^32 against XFRM ----------------------------------------

start=0xffffffe0
topo_underlay
site_vtun "$A" 0 4 sha256 esn on seq $start
site_xfrm "$B" 1 4 sha256 flag align4 flag esn replay-window 128 \
	replay-seq $start replay-oseq $start
check "ah esn: 64 pings across 2^32" \
	ns_exec "$A" ping -q -c 64 -i 0.05 -W 2 "${OV4[1]}"
check "ah esn: outbound seq passed 2^32" test "$(sa_stat "$A" out seq)" -gt 4294967296
check "ah esn: inbound seq passed 2^32" test "$(sa_stat "$A" in seq)" -gt 4294967296
check "ah esn: TCP bytes verified after the wrap" overlay_tcp "$B" 1 "$A" 4 65536
topo_reset

tap_done
