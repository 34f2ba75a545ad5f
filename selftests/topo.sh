# SPDX-License-Identifier: GPL-2.0
#
# topo.sh -- two IPsec gateways, A and B, joined by an underlay veth.
# Sourced by tests after lib.sh. A always runs vtun; B runs vtun
# (site_vtun) or Linux XFRM behind an xfrm interface (site_xfrm).
#
# Underlay: A ul0 192.0.2.1/24 2001:db8:ff::1/64 -- B ul0 .2 / ::2
# Overlay:  A 10.0.0.1 fd00::1 -- B 10.0.0.2 fd00::2 (host routes)

UL4=(192.0.2.1 192.0.2.2)
UL6=(2001:db8:ff::1 2001:db8:ff::2)
OV4=(10.0.0.1 10.0.0.2)
OV6=(fd00::1 fd00::2)
SPI_AB=0x1001	# traffic from A to B
SPI_BA=0x2001	# traffic from B to A

# IPsec protocol of the sites' SAs: esp, or ah with an AH algorithm.
SITE_PROTO=esp

# Algorithms as "vtunctl words|ip xfrm words"; keys are fixed test keys.
K16=0x00112233445566778899aabbccddeeff
K20=${K16}01020304
K32=${K16}${K16#0x}
K36=${K32}01020304
K48=${K32}${K16#0x}
K64=${K32}${K32#0x}
declare -A ALGS=(
	[gcm128-16]="aead rfc4106(gcm(aes)) $K20 128|aead rfc4106(gcm(aes)) $K20 128"
	[gcm128-8]="aead rfc4106(gcm(aes)) $K20 64|aead rfc4106(gcm(aes)) $K20 64"
	[gcm128-12]="aead rfc4106(gcm(aes)) $K20 96|aead rfc4106(gcm(aes)) $K20 96"
	[gcm256]="aead rfc4106(gcm(aes)) $K36 128|aead rfc4106(gcm(aes)) $K36 128"
	[chacha]="aead rfc7539esp(chacha20,poly1305) $K36 128|aead rfc7539esp(chacha20,poly1305) $K36 128"
	[cbc128-sha1]="enc cbc(aes) $K16 auth hmac(sha1) $K20 96|enc cbc(aes) $K16 auth-trunc hmac(sha1) $K20 96"
	[cbc256-sha256]="enc cbc(aes) $K32 auth hmac(sha256) $K32 128|enc cbc(aes) $K32 auth-trunc hmac(sha256) $K32 128"
	[cbc256-sha384]="enc cbc(aes) $K32 auth hmac(sha384) $K48 192|enc cbc(aes) $K32 auth-trunc hmac(sha384) $K48 192"
	[cbc256-sha512]="enc cbc(aes) $K32 auth hmac(sha512) $K64 256|enc cbc(aes) $K32 auth-trunc hmac(sha512) $K64 256"
	[null-sha256]="enc ecb(cipher_null) 0x auth hmac(sha256) $K32 128|enc ecb(cipher_null) \"\" auth-trunc hmac(sha256) $K32 128"
)
ALG_NAMES="gcm128-16 gcm128-8 gcm128-12 gcm256 chacha cbc128-sha1 cbc256-sha256 cbc256-sha384 cbc256-sha512 null-sha256"
# A representative subset: an AEAD of each kind (GCM with a full ICV,
# ChaCha20-Poly1305), an authenc pair with a truncated ICV and a 16-byte
# block (CBC-AES, HMAC-SHA1-96) and the null cipher. The runner selects it
# (VTUN_ALG_SET=quick) on the kernels that do not test every algorithm.
ALG_QUICK="gcm128-16 chacha cbc128-sha1 null-sha256"
[ "${VTUN_ALG_SET:-}" = quick ] && ALG_NAMES=$ALG_QUICK

alg_vtun() { echo "${ALGS[$1]%%|*}"; }
alg_xfrm() { echo "${ALGS[$1]#*|}"; }

# xfrm_alg_args ALG: ip xfrm words of ALG into the array XFRM_ALG
xfrm_alg_args() {
	local w
	XFRM_ALG=()
	for w in $(alg_xfrm "$1"); do
		[ "$w" = '""' ] && w=
		XFRM_ALG+=("$w")
	done
}

# topo_reset: delete the namespaces of the previous topology.
topo_reset() {
	local ns
	for ns in "${_T_NS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	_T_NS=()
}

# One ip process per namespace and step (ip -batch): in a TCG guest
# starting a program costs more than what it does.

# topo_underlay: namespaces A and B with the underlay link.
topo_underlay() {
	ns_new A && ns_new B || return
	ip -n "$A" -batch - <<-EOF || return
	link add ul0 type veth peer name ul0 netns $B
	link set ul0 up
	addr add ${UL4[0]}/24 dev ul0
	addr add ${UL6[0]}/64 dev ul0 nodad
	EOF
	ip -n "$B" -batch - <<-EOF
	link set ul0 up
	addr add ${UL4[1]}/24 dev ul0
	addr add ${UL6[1]}/64 dev ul0 nodad
	EOF
}

# outer_addr I FAMILY: the underlay address of site I (0 = A, 1 = B)
outer_addr() { if [ "$2" = 6 ]; then echo "${UL6[$1]}"; else echo "${UL4[$1]}"; fi; }

# site_overlay NS I DEV: overlay addresses of site I on DEV, routes to the peer
site_overlay() {
	local ns=$1 i=$2 dev=$3 p=$((1 - $2))
	ip -n "$ns" -batch - <<-EOF
	addr add ${OV4[$i]}/32 dev $dev
	addr add ${OV6[$i]}/128 dev $dev nodad
	link set $dev up
	route add ${OV4[$p]}/32 dev $dev
	route add ${OV6[$p]}/128 dev $dev
	EOF
}

# site_vtun NS I FAMILY ALG [sa options...]: vtun0 at site I
site_vtun() {
	local ns=$1 i=$2 fam=$3 alg=$4 out in
	shift 4
	if [ "$i" = 0 ]; then out=$SPI_AB in=$SPI_BA; else out=$SPI_BA in=$SPI_AB; fi
	# shellcheck disable=SC2046
	ip netns exec "$ns" "$VTUNCTL" link add vtun0 \
		local "$(outer_addr "$i" "$fam")" \
		remote "$(outer_addr $((1 - i)) "$fam")" &&
	ip netns exec "$ns" "$VTUNCTL" sa add vtun0 dir out spi "$out" proto "$SITE_PROTO" \
		$(alg_vtun "$alg") "$@" &&
	ip netns exec "$ns" "$VTUNCTL" sa add vtun0 dir in spi "$in" proto "$SITE_PROTO" \
		$(alg_vtun "$alg") "$@" &&
	site_overlay "$ns" "$i" vtun0
}

# site_xfrm NS I FAMILY ALG [state options...]: xfrm interface at site I
site_xfrm() {
	local ns=$1 i=$2 fam=$3 alg=$4 out in l r sel
	shift 4
	if [ "$i" = 0 ]; then out=$SPI_AB in=$SPI_BA; else out=$SPI_BA in=$SPI_AB; fi
	l=$(outer_addr "$i" "$fam")
	r=$(outer_addr $((1 - i)) "$fam")
	# ip -batch takes the words of alg_xfrm as they are ("" = empty key).
	{
		echo "link add xfrm0 type xfrm dev ul0 if_id 42"
		echo "xfrm state add src $l dst $r proto $SITE_PROTO spi $out" \
			"mode tunnel reqid 1 if_id 42 flag af-unspec $(alg_xfrm "$alg") $*"
		echo "xfrm state add src $r dst $l proto $SITE_PROTO spi $in" \
			"mode tunnel reqid 1 if_id 42 flag af-unspec $(alg_xfrm "$alg") $*"
		for sel in "0.0.0.0/0" "::/0"; do
			echo "xfrm policy add src $sel dst $sel dir out if_id 42" \
				"tmpl src $l dst $r proto $SITE_PROTO mode tunnel reqid 1"
			echo "xfrm policy add src $sel dst $sel dir in if_id 42" \
				"tmpl src $r dst $l proto $SITE_PROTO mode tunnel reqid 1"
		done
	} | ip -n "$ns" -batch - || return
	site_overlay "$ns" "$i" xfrm0
}

# drop NS REASON [DEV]: the drop counter for REASON of DEV (vtun0) in NS
drop() {
	ip netns exec "$1" "$VTUNCTL" -j show "${3:-vtun0}" |
		jq -e --arg r "$2" '.[0].drops[$r]'
}

# lost_where NS...: what each namespace counted as dropped (vtun0's
# drops, XFRM's errors, IP reassembly and UDP errors), for a failed
# transfer's diagnosis
lost_where() {
	local ns
	for ns in "$@"; do
		echo "$ns: $(ns_exec "$ns" "$VTUNCTL" -j show vtun0 2>/dev/null |
			jq -c '.[0].drops | with_entries(select(.value > 0))')" \
			"$(ns_exec "$ns" awk '$2 > 0' /proc/net/xfrm_stat | tr '\n' ' ')" \
			"$(ns_exec "$ns" nstat -asz | awk '/Reasm(Fails|Timeout)|InErrors|RcvbufErrors/ && $2 > 0 { printf "%s %s ", $1, $2 }')"
	done
}

# overlay_ping NS I INNER: ping the peer's overlay address from site I
overlay_ping() {
	local peer
	if [ "$3" = 6 ]; then peer=${OV6[$((1 - $2))]}; else peer=${OV4[$((1 - $2))]}; fi
	ip netns exec "$1" ping -q -c 2 -i 0.2 -W 2 "$peer" >/dev/null
}

# overlay_tcp NS_SRV I_SRV NS_CLI INNER BYTES: send BYTES by TCP from the
# client to site I_SRV's overlay address and compare digests.
overlay_tcp() {
	local srv=$1 i=$2 cli=$3 fam=$4 bytes=$5 addr port=5001
	if [ "$fam" = 6 ]; then addr=${OV6[$i]}; else addr=${OV4[$i]}; fi
	python3 "$VTUN_TOP/selftests/tcpcheck.py" transfer "$srv" "$cli" \
		"$addr" "$port" "$bytes"
}

# NAT traversal: site A (private) behind a masquerading NAT in namespace N,
# site B public. A ul0 -- N in0 | N out0 -- B ul0.
PRIV4=(172.16.0.1 172.16.0.254)
PRIV6=(fd99::1 fd99::fe)
PUB4=(192.0.2.2 192.0.2.254)
PUB6=(2001:db8:ff::2 2001:db8:ff::fe)

# natt_topo [PORTS]: A, N, B; N masquerades what leaves out0, UDP into the
# port range PORTS if given (else ports are kept when free).
natt_topo() {
	ns_new A && ns_new N && ns_new B || return
	veth_pair "$A" ul0 "$N" in0 && veth_pair "$N" out0 "$B" ul0 || return
	ip -n "$A" addr add "${PRIV4[0]}/24" dev ul0 &&
	ip -n "$A" addr add "${PRIV6[0]}/64" dev ul0 nodad &&
	ip -n "$N" addr add "${PRIV4[1]}/24" dev in0 &&
	ip -n "$N" addr add "${PRIV6[1]}/64" dev in0 nodad &&
	ip -n "$N" addr add "${PUB4[1]}/24" dev out0 &&
	ip -n "$N" addr add "${PUB6[1]}/64" dev out0 nodad &&
	ip -n "$B" addr add "${PUB4[0]}/24" dev ul0 &&
	ip -n "$B" addr add "${PUB6[0]}/64" dev ul0 nodad &&
	ip -n "$A" route add default via "${PRIV4[1]}" &&
	ip -n "$A" -6 route add default via "${PRIV6[1]}" &&
	ns_exec "$N" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 &&
	nat_masq "$1"
}

# nat_masq [PORTS]: N's masquerade rules (again), UDP into the port range
# PORTS if given; with ct_flush, a NAT mapping change
nat_masq() {
	local udp="meta l4proto udp masquerade${1:+ to :$1}"
	ns_exec "$N" nft -f - <<-EOF
	table inet nat {}
	flush table inet nat
	table inet nat {
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "out0" $udp
			oifname "out0" masquerade
		}
	}
	EOF
}

# ct_flush NS: forget every connection tracking entry (NAT mappings)
ct_flush() {
	ns_exec "$1" python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
body = struct.pack("BBH", socket.AF_UNSPEC, 0, 0)            # nfgenmsg
# IPCTNL_MSG_CT_DELETE of CTNETLINK without a tuple: flush; REQUEST | ACK
s.send(struct.pack("IHHII", 16 + len(body), (1 << 8) | 2, 0x5, 1, 0) + body)
sys.exit(struct.unpack_from("i", s.recv(4096), 16)[0] != 0)'
}

# Make-before-break rekeying, site A (vtun) against site B (vtun or XFRM).
VA() { ns_exec "$A" "$VTUNCTL" "$@"; }
VB() { ns_exec "$B" "$VTUNCTL" "$@"; }
xstate() { # NS SRC DST SPI: an XFRM state of REKEY_ALG
	ip -n "$1" xfrm state add src "$2" dst "$3" proto esp spi "$4" \
		mode tunnel reqid 1 if_id 42 flag af-unspec "${XFRM_ALG[@]}"
}
xdel() { ip -n "$1" xfrm state del src "$2" dst "$3" proto esp spi "$4"; }

# rekey KIND N: from SA pair N-1 to pair N (SPIs 0x1000+N A->B, 0x2000+N
# B->A) of algorithm REKEY_ALG, B being KIND (vtun or xfrm): new inbound
# SAs first, then the outbound switch (vtun: a standby SA made active;
# XFRM: the new state added, the old one deleted), old inbound SAs later.
rekey() {
	local kind=$1 ab=$((0x1000 + $2)) ba=$((0x2000 + $2)) alg
	local oab=$((ab - 1)) oba=$((ba - 1))
	alg=$(alg_vtun "$REKEY_ALG")
	xfrm_alg_args "$REKEY_ALG"
	# New inbound SAs on both sides first.
	# shellcheck disable=SC2086 # alg: words
	VA sa add vtun0 dir in spi $ba proto esp $alg || return
	if [ "$kind" = xfrm ]; then
		xstate "$B" "${UL4[0]}" "${UL4[1]}" $ab || return
	else
		VB sa add vtun0 dir in spi $ab proto esp $alg || return
	fi
	# Outbound switch.
	VA sa add vtun0 dir out spi $ab proto esp $alg standby &&
	VA sa set vtun0 dir out spi $ab active &&
	VA sa del vtun0 dir out spi $oab || return
	if [ "$kind" = xfrm ]; then
		xstate "$B" "${UL4[1]}" "${UL4[0]}" $ba &&
		xdel "$B" "${UL4[1]}" "${UL4[0]}" $oba || return
	else
		VB sa add vtun0 dir out spi $ba proto esp $alg standby &&
		VB sa set vtun0 dir out spi $ba active &&
		VB sa del vtun0 dir out spi $oba || return
	fi
	# Old inbound SAs once nothing uses them any more.
	sleep 0.3
	VA sa del vtun0 dir in spi $oba || return
	if [ "$kind" = xfrm ]; then
		xdel "$B" "${UL4[0]}" "${UL4[1]}" $oab
	else
		VB sa del vtun0 dir in spi $oab
	fi
}
