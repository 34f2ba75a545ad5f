#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# NAT traversal, ESP in UDP (RFC 3948): site A behind a masquerading NAT
# (namespace N), site B public; vtun against vtun and against Linux XFRM
# (encap espinudp), IPv4 and IPv6 (NAT66) outer. B learns A's translated
# address and port from authenticated packets only; NAT keepalives on the
# wire and absorbed; a socket passed with encap-fd keeps IKE for its
# owner; a NAT mapping change that B is told of by sa-set (peer address
# and port), counters and replay state kept; the configuration rules and
# their messages.
# vtun-timeout: 300

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

vtun_load || skip_all "cannot load vtun"
need_modules veth xfrm_interface esp4 esp6 xfrm_user nft_masq nf_nat \
	nf_conntrack_netlink ||
	skip_all "missing modules"
command -v nft >/dev/null || skip_all "nft not installed"

ALG=gcm128-16
ENCAP_SOCK=$VTUN_TOP/selftests/encap_fd.py

a_addr() { if [ "$1" = 6 ]; then echo "${PRIV6[0]}"; else echo "${PRIV4[0]}"; fi; }
b_addr() { if [ "$1" = 6 ]; then echo "${PUB6[0]}"; else echo "${PUB4[0]}"; fi; }
nat_addr() { if [ "$1" = 6 ]; then echo "${PUB6[1]}"; else echo "${PUB4[1]}"; fi; }

natt_sas() { # NS I: the SA pair of site I (0 = A)
	local out=$SPI_AB in=$SPI_BA
	[ "$2" = 1 ] && { out=$SPI_BA; in=$SPI_AB; }
	# shellcheck disable=SC2046
	ns_exec "$1" "$VTUNCTL" sa add vtun0 dir out spi "$out" proto esp $(alg_vtun $ALG) &&
	ns_exec "$1" "$VTUNCTL" sa add vtun0 dir in spi "$in" proto esp $(alg_vtun $ALG)
}

# natt_vtun NS I FAMILY [LINK-OPTIONS...]: vtun0 with ESP in UDP. A knows
# B; B knows nothing of A (no remote) until A's packets arrive.
natt_vtun() {
	local ns=$1 i=$2 fam=$3
	local -a where=(local "$(b_addr "$fam")")
	shift 3
	[ "$i" = 0 ] && where=(local "$(a_addr "$fam")" remote "$(b_addr "$fam")")
	ns_exec "$ns" "$VTUNCTL" link add vtun0 "${where[@]}" encap udp "$@" &&
	natt_sas "$ns" "$i" && site_overlay "$ns" "$i" vtun0
}

# encap_listener NS FAMILY: a UDP socket on 4500 with UDP_ENCAP_ESPINUDP,
# which XFRM needs to receive ESP in UDP; it lives until the namespace goes.
encap_listener() {
	local out
	out=$(mktemp /tmp/vtun-encap.XXXXXX)
	ns_exec "$1" python3 -c '
import socket, sys, time
fam = socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # for udp_send
s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", 4500))
s.setsockopt(socket.IPPROTO_UDP, 100, 2)  # UDP_ENCAP, UDP_ENCAP_ESPINUDP
print("ready", flush=True)
time.sleep(600)' "$2" >"$out" 2>&1 &
	retry 5 grep -q ready "$out"
	local rc=$?
	rm -f "$out"
	return $rc
}

# natt_xfrm NS I FAMILY LOCAL REMOTE: XFRM with encap espinudp at site I
natt_xfrm() {
	local ns=$1 i=$2 fam=$3 l=$4 r=$5 out=$SPI_AB in=$SPI_BA sel any=0.0.0.0 w
	local -a a
	[ "$i" = 1 ] && { out=$SPI_BA; in=$SPI_AB; }
	[ "$fam" = 6 ] && any=::
	for w in $(alg_xfrm $ALG); do a+=("$w"); done
	encap_listener "$ns" "$fam" &&
	ip -n "$ns" link add xfrm0 type xfrm dev ul0 if_id 42 &&
	ip -n "$ns" xfrm state add src "$l" dst "$r" proto esp spi "$out" \
		mode tunnel reqid 1 if_id 42 flag af-unspec "${a[@]}" \
		encap espinudp 4500 4500 "$any" &&
	ip -n "$ns" xfrm state add src "$r" dst "$l" proto esp spi "$in" \
		mode tunnel reqid 1 if_id 42 flag af-unspec "${a[@]}" \
		encap espinudp 4500 4500 "$any" || return
	for sel in "0.0.0.0/0" "::/0"; do
		ip -n "$ns" xfrm policy add src "$sel" dst "$sel" dir out \
			if_id 42 tmpl src "$l" dst "$r" proto esp mode tunnel reqid 1 &&
		ip -n "$ns" xfrm policy add src "$sel" dst "$sel" dir in \
			if_id 42 tmpl src "$r" dst "$l" proto esp mode tunnel reqid 1 ||
			return
	done
	site_overlay "$ns" "$i" xfrm0
}

# dev_field NS KEY [DEV]: a field of "vtunctl -j show DEV" (default vtun0;
# drops.X for a drop counter)
dev_field() {
	ns_exec "$1" "$VTUNCTL" -j show "${3:-vtun0}" | python3 -c '
import json, sys
v = json.load(sys.stdin)[0]
for k in sys.argv[1].split("."):
    v = v.get(k, "") if isinstance(v, dict) else ""
print(v)' "$2"
}

drops_sum() {
	ns_exec "$1" "$VTUNCTL" -j show vtun0 | python3 -c '
import json, sys
print(sum(json.load(sys.stdin)[0]["drops"].values()))'
}

# udp_send NS SRC DST PORT HEX [SPORT]: one datagram from SRC, port SPORT
# (5555; may be encap_listener's too)
udp_send() {
	ns_exec "$1" python3 -c '
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[5])))
s.sendto(bytes.fromhex(sys.argv[4]), (sys.argv[2], int(sys.argv[3])))' "$2" "$3" "$4" "$5" "${6:-5555}"
}

both_ways() { # TAG INNER...: ping and TCP between the sites, A first
	local tag=$1 inner
	shift
	for inner in "$@"; do
		check "$tag: ping A->B inner v$inner" overlay_ping "$A" 0 "$inner"
		check "$tag: ping B->A inner v$inner" overlay_ping "$B" 1 "$inner"
	done
	check "$tag: TCP A->B bytes verified" overlay_tcp "$B" 1 "$A" 4 65536
	check "$tag: TCP B->A bytes verified" overlay_tcp "$A" 0 "$B" 4 65536
}

in_range() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

# --- Configuration rules ------------------------------------------------
ns_new C
vc() { ns_exec "$C" "$VTUNCTL" "$@"; }
check_err "transport mode with encap udp refused" "encap: ESP in UDP requires tunnel mode" \
	vc link add t0 local 192.0.2.1 remote 192.0.2.9 mode transport encap udp
check_err "encap udp without an address refused" "requires a local or remote address" \
	vc link add t0 encap udp
check_err "encap-sport 0 refused" "encap-sport: port 0" \
	vc link add t0 local 192.0.2.1 encap udp encap-sport 0
check "encap udp, tunnel mode" vc link add t0 local 127.0.0.1 encap udp keepalive 0
check_err "transport mode on an encap udp device refused" "requires tunnel mode" \
	vc link set t0 mode transport
check_eq "refused change left the mode" tunnel "$(dev_field "$C" mode t0)"
check "second device shares the kernel socket on 4500" vc link add t1 local 127.0.0.1 encap udp
check "ports shown" sh -c "'$VTUNCTL' -n '$C' show t1 | grep -q 'encap udp encap-sport 4500 encap-dport 4500 keepalive 20'"
check_err "encap-fd without encap udp refused" "encap-fd: requires encap udp" \
	ns_exec "$C" python3 "$ENCAP_SOCK" t1 4 4600 noencap
check_err "encap-fd: TCP socket refused" "encap-fd: not a UDP socket" \
	ns_exec "$C" python3 "$ENCAP_SOCK" t1 4 4600 tcp
check_err "encap-fd: IPv6 socket for an IPv4 tunnel refused" "socket family differs" \
	ns_exec "$C" python3 "$ENCAP_SOCK" t1 6 4600
check_err "encap-fd: socket with another encapsulation refused" \
	"already used by another encapsulation" \
	ns_exec "$C" python3 "$ENCAP_SOCK" t1 4 4600 encap
check "IPv6 encap udp device" vc link add t6 local ::1 encap udp keepalive 0
check_err "encap-fd: dual-stack IPv6 socket refused" "IPv6 socket without IPV6_V6ONLY" \
	ns_exec "$C" python3 "$ENCAP_SOCK" t6 6 4600 dualstack
check "encap-fd: IPV6_V6ONLY socket taken" sh -c \
	"ip netns exec '$C' python3 '$ENCAP_SOCK' t6 6 4600 | grep -q ready"
check "IPv6 device deleted" vc link del t6
check "devices deleted" sh -c "'$VTUNCTL' -n '$C' link del t0 && '$VTUNCTL' -n '$C' link del t1"
check "port 4500 free again" ns_exec "$C" python3 -c '
import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(("127.0.0.1", 4500))'
topo_reset

# --- vtun behind a NAT that rewrites ports, vtun public, IPv4 ----------
natt_topo 40000-40999
natt_vtun "$B" 1 4 || fail "v4 vtun-vtun: configure B"
check_eq "B knows no peer before A's packets" "" "$(dev_field "$B" peer)"
natt_vtun "$A" 0 4 || fail "v4 vtun-vtun: configure A"
both_ways "v4 vtun-vtun behind NAT" 4 6
check_eq "B learned the NAT's address" "${PUB4[1]}" "$(dev_field "$B" peer)"
port=$(dev_field "$B" peer-port)
check "B learned the NAT's port ($port)" in_range "$port" 40000 40999
check_eq "A's peer is B, port 4500" "${PUB4[0]}:4500" \
	"$(dev_field "$A" peer):$(dev_field "$A" peer-port)"

# Path MTU: N's public side drops to 1400 and answers "fragmentation
# needed" about A's UDP datagram; the socket's error path lowers A's path
# MTU, and the next packet gets the inner MTU: 1400 - 20 (IPv4) - 8 (UDP)
# - 8 (ESP) - 8 (IV) - 16 (ICV) = 1340, less 2 trailer bytes = 1338.
ip -n "$N" link set out0 mtu 1400
check_err "ICMP about ESP in UDP lowers the path MTU: inner mtu 1338" 1338 \
	ns_exec "$A" ping -c 3 -i 0.3 -W 2 -M do -s 1350 "${OV4[1]}"
check "1338-byte inner packet fits" ns_exec "$A" ping -q -c 1 -W 2 -M do -s 1310 "${OV4[1]}"
ip -n "$N" link set out0 mtu 1500

# Forged ESP (B's inbound SPI, bad ICV) from another address and port.
ip -n "$N" addr add 192.0.2.99/24 dev out0
auth=$(dev_field "$B" drops.rx-auth-failed)
udp_send "$N" 192.0.2.99 "${PUB4[0]}" 4500 "00001001000f4240$(printf '%064x' 7)"
retry 3 test "$(dev_field "$B" drops.rx-auth-failed)" = $((auth + 1))
check_eq "forged packet counted as rx-auth-failed" $((auth + 1)) "$(dev_field "$B" drops.rx-auth-failed)"
check_eq "forged packet did not move the peer" "${PUB4[1]}:$port" \
	"$(dev_field "$B" peer):$(dev_field "$B" peer-port)"

# Keepalives: on the wire from A every second, absorbed silently by B.
out=$(mktemp /tmp/vtun-ka.XXXXXX)
ns_exec "$B" python3 "$VTUN_TOP/selftests/pkt.py" keepalive ul0 "${PUB4[1]}" >"$out" &
cap=$!
retry 5 grep -q ready "$out"
ns_exec "$A" "$VTUNCTL" link set vtun0 keepalive 1
wait $cap
check_eq "keepalive 1: 0xFF datagram to 4500 on the wire" "sport=$port dport=4500 payload=ff" \
	"$(tail -n 1 "$out")"
rm -f "$out"
ns_exec "$A" "$VTUNCTL" link set vtun0 keepalive 0
before=$(drops_sum "$B")
check "keepalive sent to B" udp_send "$N" 192.0.2.99 "${PUB4[0]}" 4500 ff
sleep 0.3
check_eq "keepalive absorbed, no drop counted" "$before" "$(drops_sum "$B")"
malformed=$(dev_field "$B" drops.rx-malformed)
udp_send "$N" 192.0.2.99 "${PUB4[0]}" 4500 "00000000$(printf '%032x' 1)"
retry 3 test "$(dev_field "$B" drops.rx-malformed)" = $((malformed + 1))
check_eq "IKE datagram on vtun's own socket dropped as rx-malformed" \
	$((malformed + 1)) "$(dev_field "$B" drops.rx-malformed)"
nosa=$(dev_field "$B" drops.rx-no-sa)
udp_send "$N" 192.0.2.99 "${PUB4[0]}" 4500 "7eadbeef00000001$(printf '%032x' 1)"
retry 3 test "$(dev_field "$B" drops.rx-no-sa)" = $((nosa + 1))
check_eq "unknown SPI on vtun's own socket counted as rx-no-sa" \
	$((nosa + 1)) "$(dev_field "$B" drops.rx-no-sa)"
check_eq "and not as rx-malformed" $((malformed + 1)) "$(dev_field "$B" drops.rx-malformed)"

# Change of encapsulation: none releases the port, udp takes it again.
check "encap none" ns_exec "$B" "$VTUNCTL" link set vtun0 encap none
check "port 4500 free after encap none" ns_exec "$B" python3 -c '
import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(("0.0.0.0", 4500))'
check "encap udp again" ns_exec "$B" "$VTUNCTL" link set vtun0 encap udp
check "tunnel works again" overlay_ping "$A" 0 4

# A socket of ours: ESP goes to vtun, IKE stays on the socket.
closed_before=$(dmesg | grep -c "vtun0: encap-fd socket closed by its owner")
out=$(mktemp /tmp/vtun-fd.XXXXXX)
ns_exec "$B" python3 "$ENCAP_SOCK" vtun0 4 4501 >"$out" 2>&1 &
fd=$!
retry 5 grep -q ready "$out"
check "encap-fd: socket on 4501 attached" grep -q ready "$out"
check_eq "encap-sport follows the socket" 4501 "$(dev_field "$B" encap-sport)"
ns_exec "$A" "$VTUNCTL" link set vtun0 encap-dport 4501
check "ESP through the caller's socket" overlay_ping "$A" 0 4
check "and back" overlay_ping "$B" 1 4
check "IKE datagram sent to the socket" udp_send "$A" "${PRIV4[0]}" "${PUB4[0]}" 4501 000000006b65790a
wait $fd
check_eq "IKE datagram arrived intact at the socket" "got 000000006b65790a" "$(tail -n 1 "$out")"
# The owner has closed it: the device lets it go and says so.
closed() { dmesg | grep -c "vtun0: encap-fd socket closed by its owner"; }
retry 3 test "$(closed)" -gt "$closed_before"
check "owner closed the socket: the device noticed" test "$(closed)" -gt "$closed_before"
check "a later change opens no socket of vtun's on the port" sh -c \
	"'$VTUNCTL' -n '$B' link set vtun0 keepalive 0 && ip netns exec '$B' python3 -c '
import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind((\"0.0.0.0\", 4501))'"
# The owner gives its socket to XFRM: vtun, detached, leaves that alone.
ns_exec "$B" python3 "$ENCAP_SOCK" vtun0 4 4501 takeover >"$out" 2>&1 &
fd=$!
retry 5 grep -q ready "$out"
check "encap-fd again after the close" overlay_ping "$A" 0 4
udp_send "$A" "${PRIV4[0]}" "${PUB4[0]}" 4501 0000000001
retry 5 grep -q "took over" "$out"
check "owner set UDP_ENCAP itself" grep -q "took over" "$out"
check "vtun lets the socket go" ns_exec "$B" "$VTUNCTL" link set vtun0 encap-sport 4500
udp_send "$A" "${PRIV4[0]}" "${PUB4[0]}" 4501 "7eadbeef00000001$(printf '%032x' 1)"
udp_send "$A" "${PRIV4[0]}" "${PUB4[0]}" 4501 000000006b65790a
wait $fd
check_eq "the owner's ESP in UDP stayed: ESP went to XFRM, IKE to the socket" \
	"got 000000006b65790a" "$(tail -n 1 "$out")"
rm -f "$out"
topo_reset

# --- vtun behind a NAT against Linux XFRM, IPv4 -------------------------
natt_topo
natt_vtun "$A" 0 4 || fail "v4 vtun-xfrm: configure A"
natt_xfrm "$B" 1 4 "${PUB4[0]}" "${PUB4[1]}" || fail "v4 vtun-xfrm: configure B"
both_ways "v4 vtun behind NAT to XFRM" 4 6
topo_reset

# --- XFRM behind a NAT that rewrites ports against vtun, IPv4 -----------
natt_topo 40000-40999
natt_xfrm "$A" 0 4 "${PRIV4[0]}" "${PUB4[0]}" || fail "v4 xfrm-vtun: configure A"
natt_vtun "$B" 1 4 || fail "v4 xfrm-vtun: configure B"
both_ways "v4 XFRM behind NAT to vtun" 4 6
port=$(dev_field "$B" peer-port)
check_eq "B learned XFRM's NAT address" "${PUB4[1]}" "$(dev_field "$B" peer)"
check "B learned XFRM's NAT port ($port)" in_range "$port" 40000 40999

# The NAT mapping changes: N forgets it and maps UDP into another range.
# A's next datagram, a keepalive (which teaches B nothing), makes the new
# mapping; N holds back A's ESP meanwhile (A's stack may send some of its
# own), so B learns nothing until told by sa set (as an IKE daemon would,
# by NAT detection), and its traffic flows on there, with the SAs'
# counters, sequence numbers and replay windows kept.
sa_stat() { # DIR SPI KEY: a counter of B's SA
	ns_exec "$B" "$VTUNCTL" -j -s sa show vtun0 dir "$1" spi "$2" |
		jq -r ".[0].stats.\"$3\""
}
# An unreplied UDP mapping lasts 30 s: on a slower kernel what follows
# can take longer than that.
ns_exec "$N" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=$((30 * VTUN_SLOW))
ns_exec "$N" nft -f - <<-EOF
	table inet hold {
		chain esp_from_a {
			type filter hook forward priority 0;
			iifname "in0" udp dport 4500 udp length != 9 drop
		}
	}
	flush chain inet nat post
	add rule inet nat post oifname "out0" meta l4proto udp masquerade to :41000-41999
	add rule inet nat post oifname "out0" masquerade
EOF
check "NAT mapping forgotten" ct_flush "$N"
out=$(mktemp /tmp/vtun-ka.XXXXXX)
ns_exec "$B" python3 "$VTUN_TOP/selftests/pkt.py" keepalive ul0 "${PUB4[1]}" >"$out" &
cap=$!
retry 5 grep -q ready "$out"
udp_send "$A" "${PRIV4[0]}" "${PUB4[0]}" 4500 ff 4500
wait $cap
newport=$(sed -n 's/^sport=\([0-9]*\) .*/\1/p' "$out" | tail -n 1)
rm -f "$out"
check "A's keepalive made a new mapping ($newport)" in_range "$newport" 41000 41999
check_eq "the keepalive did not move B's peer" "${PUB4[1]}:$port" \
	"$(dev_field "$B" peer):$(dev_field "$B" peer-port)"
check_fail "B's traffic to the old mapping is lost" overlay_ping "$B" 1 4
pkts=$(sa_stat out "$SPI_BA" packets) seq=$(sa_stat out "$SPI_BA" seq)
top=$(sa_stat in "$SPI_AB" seq)
check_err "sa set peer: family checked" "peer: address family differs" \
	ns_exec "$B" "$VTUNCTL" sa set vtun0 dir out spi "$SPI_BA" peer "${PUB6[1]}" port "$newport"
check "sa set peer and port: the new mapping" ns_exec "$B" "$VTUNCTL" sa set vtun0 \
	dir out spi "$SPI_BA" peer "${PUB4[1]}" port "$newport"
ns_exec "$N" nft delete table inet hold
check_eq "B's peer is the new mapping" "${PUB4[1]}:$newport" \
	"$(dev_field "$B" peer):$(dev_field "$B" peer-port)"
check "B's traffic flows on to XFRM behind the new mapping" overlay_ping "$B" 1 4
check "outbound SA counters kept ($pkts before)" \
	test "$(sa_stat out "$SPI_BA" packets)" -ge $((pkts + 2))
check "outbound sequence numbers go on ($seq before)" \
	test "$(sa_stat out "$SPI_BA" seq)" -ge $((seq + 2))
check "inbound replay window kept, XFRM's answers accepted ($top before)" \
	test "$(sa_stat in "$SPI_AB" seq)" -ge $((top + 2))
check_eq "no replay drops at B" 0 "$(dev_field "$B" drops.rx-replay)"
topo_reset

# --- IPv6 outer through NAT66 --------------------------------------------
natt_topo 40000-40999
natt_vtun "$A" 0 6 || fail "v6 vtun-vtun: configure A"
natt_vtun "$B" 1 6 || fail "v6 vtun-vtun: configure B"
both_ways "v6 vtun-vtun behind NAT66" 4 6
check_eq "B learned the NAT66 address" "${PUB6[1]}" "$(dev_field "$B" peer)"
check "B learned the NAT66 port" in_range "$(dev_field "$B" peer-port)" 40000 40999
topo_reset

natt_topo 40000-40999
natt_xfrm "$A" 0 6 "${PRIV6[0]}" "${PUB6[0]}" || fail "v6 xfrm-vtun: configure A"
natt_vtun "$B" 1 6 || fail "v6 xfrm-vtun: configure B"
both_ways "v6 XFRM behind NAT66 to vtun" 4 6
topo_reset

natt_topo
natt_vtun "$A" 0 6 || fail "v6 vtun-xfrm: configure A"
natt_xfrm "$B" 1 6 "${PUB6[0]}" "${PUB6[1]}" || fail "v6 vtun-xfrm: configure B"
both_ways "v6 vtun behind NAT66 to XFRM" 4 6
topo_reset

tap_done
