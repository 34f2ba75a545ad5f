#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IKEv2 with strongSwan, route-based on both sides (an xfrm interface on
# the strongSwan side, if_id bound policies and SAs).
#  1. strongSwan <-> strongSwan: proves the harness (ike_lib.sh) itself:
#     PSK, then ECDSA certificates (P-256 <-> P-384, DN and email IDs)
#     with PFS; AES-GCM and X25519; ping and a verified TCP transfer
#     through the xfrm interfaces; both charons and both kernels report
#     the same SPIs and algorithms; a wrong PSK is AUTHENTICATION_FAILED
#     and leaves no SA in either kernel.
#  2. vtun-iked (vtun0) <-> strongSwan (xfrm0), skipped while vtun-iked
#     is not built with its engine: strongSwan as initiator and as
#     responder, PSK then ECDSA/RSA certificates with DN, email, IP and
#     FQDN IDs, an INVALID_KE_PAYLOAD retry, rounds of IKE and ESP
#     algorithms (IKE_ALGS); each time SPIs and algorithms the same in
#     "vtunctl -j ike show", swanctl --list-sas and both kernels, traffic
#     both ways, teardown from either side removes the other's SAs; a
#     wrong PSK (either side initiating), a wrong peer ID and no common
#     proposal fail with the right notify and install nothing; on demand,
#     the first ping into vtun0 brings the tunnel up (time reported).
# vtun-timeout: 240

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/ike_lib.sh"

command -v swanctl >/dev/null && [ -x "$SW_CHARON" ] ||
	skip_all "strongSwan (charon, swanctl) not installed"
command -v pki >/dev/null || skip_all "strongswan-pki not installed"
need_modules veth xfrm_interface esp4 esp6 xfrm_user || skip_all "missing modules"

CERTS=$PWD/certs

# check_ok DESC CMD...: check, and return whether it passed
check_ok() { check "$@"; [ "$_T_RC" = 0 ]; }

# agree TAG LA LB INIT MAP: SA lines LA (site A) and LB (site B, from
# sw_sas or iked_sas) tell of one IKE SA, initiated by site INIT (A, B),
# and one CHILD SA, seen from either end; MAP turns B's words into A's
# (echo, or sw_to_iked when A is vtun-iked).
agree() {
	local tag=$1 la=$2 lb=$3 init=$4 map=$5 k want
	diag "A: ${la//$'\n'/$'\n'# A: }"
	diag "B: ${lb//$'\n'/$'\n'# B: }"
	check_eq "$tag: IKE SA established on both" "ESTABLISHED ESTABLISHED" \
		"$(sas_get "$la" ike state) $(sas_get "$lb" ike state)"
	if [ "$init" = A ]; then want="yes no"; else want="no yes"; fi
	check_eq "$tag: $init initiated" "$want" \
		"$(sas_get "$la" ike initiator) $(sas_get "$lb" ike initiator)"
	for k in spi_i spi_r encr integ prf dh; do
		check_eq "$tag: IKE SA $k the same on both" \
			"$(sas_get "$la" ike "$k")" "$($map "$(sas_get "$lb" ike "$k")")"
	done
	for k in encr integ dh esn; do
		check_eq "$tag: CHILD SA $k the same on both" \
			"$(sas_get "$la" child "$k")" "$($map "$(sas_get "$lb" child "$k")")"
	done
	check_eq "$tag: A's inbound SPI is B's outbound" \
		"$(sas_get "$la" child spi_in)" "$(sas_get "$lb" child spi_out)"
	check_eq "$tag: A's outbound SPI is B's inbound" \
		"$(sas_get "$la" child spi_out)" "$(sas_get "$lb" child spi_in)"
}

# in_kernel TAG SITE NS SPIS LINES: NS's kernel (SPIS: xfrm_spis,
# vtun_spis) holds exactly the SPIs of the CHILD SA in LINES
in_kernel() {
	local want
	want=$(printf '%s\n' "$(sas_get "$5" child spi_in)" \
		"$(sas_get "$5" child spi_out)" | sort)
	check_eq "$1: $2's kernel holds the CHILD SA's SPIs" "$want" "$($4 "$3")"
}

# no_sas TAG SITE NS SPIS: no SA left in NS's kernel
no_sas() { check_eq "$1: no SA in $2's kernel" "" "$($4 "$3")"; }

# traffic TAG [short]: pings both ways (IPv4 and IPv6 inside) and TCP
# A->B over IPv4 and B->A over IPv6; short: one ping each way, no TCP.
traffic() {
	if [ "${2:-}" = short ]; then
		check "$1: ping A->B inner v4" overlay_ping "$A" 0 4
		check "$1: ping B->A inner v6" overlay_ping "$B" 1 6
		return
	fi
	local inner
	for inner in 4 6; do
		check "$1: ping A->B inner v$inner" overlay_ping "$A" 0 "$inner"
		check "$1: ping B->A inner v$inner" overlay_ping "$B" 1 "$inner"
	done
	check "$1: TCP A->B bytes verified" overlay_tcp "$B" 1 "$A" 4 65536
	check "$1: TCP B->A bytes verified" overlay_tcp "$A" 0 "$B" 6 65536
}

# sw_conf_b [KEY=VALUE...]: strongSwan's connection "ab" at site B (site
# 1's identities, fqdn unless a_type= / b_type= say otherwise), loaded
sw_conf_b() {
	local kv lt=fqdn rt=fqdn args=()
	for kv in "$@"; do
		case $kv in
		a_type=*) lt=${kv#*=} ;;
		b_type=*) rt=${kv#*=} ;;
		*) args+=("$kv") ;;
		esac
	done
	sw_conf_route "$B" ab local="${UL4[1]}" remote="${UL4[0]}" \
		lid="$(sw_id 1 "$rt")" rid="$(sw_id 0 "$lt")" "${args[@]}" &&
		sw_load "$B" >/dev/null
}

# sw_pair_conf [KEY=VALUE...]: the connection "ab" on both charons; a:KEY=
# and b:KEY= apply to one side only
sw_pair_conf() {
	local kv lt=fqdn rt=fqdn ca=() cb=()
	for kv in "$@"; do
		case $kv in
		a_type=*) lt=${kv#*=} ;;
		b_type=*) rt=${kv#*=} ;;
		a:*) ca+=("${kv#a:}") ;;
		b:*) cb+=("${kv#b:}") ;;
		*) ca+=("$kv") cb+=("$kv") ;;
		esac
	done
	sw_conf_route "$A" ab local="${UL4[0]}" remote="${UL4[1]}" \
		lid="$(sw_id 0 "$lt")" rid="$(sw_id 1 "$rt")" "${ca[@]}" &&
		sw_load "$A" >/dev/null &&
		sw_conf_b a_type="$lt" b_type="$rt" "${cb[@]}"
}

# rekeyed SPI_A SPI_B: the old inbound SPIs of A and B are gone from the
# kernels (strongSwan deletes the old CHILD SA once the new one is in)
rekeyed() {
	! ip -n "$A" xfrm state get src "${UL4[1]}" dst "${UL4[0]}" proto esp \
		spi "0x$1" >/dev/null 2>&1 &&
	! ip -n "$B" xfrm state get src "${UL4[0]}" dst "${UL4[1]}" proto esp \
		spi "0x$2" >/dev/null 2>&1
}

# 1. strongSwan <-> strongSwan
sw_sw() {
	local tag la lb
	topo_underlay || { fail "strongswan: underlay"; return; }
	check "strongswan: charon starts in A and B" sw_start "$A" "$B"
	check "strongswan: xfrm interfaces" eval 'sw_xfrmi "$A" 0 && sw_xfrmi "$B" 1'

	tag="strongswan psk aes-gcm-128 x25519"
	check "$tag: load" sw_pair_conf
	check "$tag: A initiates" sw_initiate "$A" ab
	la=$(sw_sas "$A")
	lb=$(sw_sas "$B")
	agree "$tag" "$la" "$lb" A echo
	in_kernel "$tag" A "$A" xfrm_spis "$la"
	in_kernel "$tag" B "$B" xfrm_spis "$la"
	check_eq "$tag: IKE SA algorithms" \
		"aes-gcm-16-128 - prf-hmac-sha2-256 curve-25519" \
		"$(sas_get "$la" ike encr) $(sas_get "$la" ike integ) $(sas_get "$la" ike prf) $(sas_get "$la" ike dh)"
	check_eq "$tag: CHILD SA algorithms" "esp aes-gcm-16-128 - - no" \
		"$(sas_get "$la" child proto) $(sas_get "$la" child encr) $(sas_get "$la" child integ) $(sas_get "$la" child dh) $(sas_get "$la" child esn)"
	traffic "$tag"
	check "$tag: A terminates" sw_terminate "$A" ab
	no_sas "$tag: after terminate" A "$A" xfrm_spis
	no_sas "$tag: after terminate" B "$B" xfrm_spis

	# Certificates: P-256 at A with a DN ID, P-384 at B with an email ID,
	# AES-GCM-256 + SHA-384 + X25519, ECDH P-384 PFS for the CHILD SA.
	tag="strongswan ecdsa p256/p384 pfs"
	if check_ok "$tag: certificates made with pki" \
		eval 'wait "$CERTS_PID" || { cat certs.log; false; }'; then
		sw_certs "$A" "$CERTS" a p256
		sw_certs "$B" "$CERTS" b p384
		check "$tag: load" sw_pair_conf auth=pubkey a:cert=a-p256.pem \
			b:cert=b-p384.pem a_type=dn b_type=email \
			ike=aes256gcm16-prfsha384-x25519 esp=aes256gcm16-ecp384
		check "$tag: A initiates" sw_initiate "$A" ab
		la=$(sw_sas "$A")
		check_eq "$tag: IDs" "$(sw_id 0 dn | sed 's/, /,/g') $(sw_id 1 email)" \
			"$(sas_get "$la" ike local_id) $(sas_get "$la" ike remote_id)"
		check_eq "$tag: IKE SA algorithms" "aes-gcm-16-256 prf-hmac-sha2-384" \
			"$(sas_get "$la" ike encr) $(sas_get "$la" ike prf)"
		# The CHILD SA of IKE_AUTH has its keys from the IKE SA; its
		# rekey (CREATE_CHILD_SA) does the ECDH of the ESP proposal.
		check_eq "$tag: no PFS in IKE_AUTH" "-" "$(sas_get "$la" child dh)"
		check "$tag: B rekeys the CHILD SA" sw_swanctl "$B" --rekey --child ab
		check "$tag: the new CHILD SA replaces the old" retry 20 rekeyed \
			"$(sas_get "$la" child spi_in)" "$(sas_get "$la" child spi_out)"
		la=$(sw_sas "$A")
		lb=$(sw_sas "$B")
		agree "$tag" "$la" "$lb" A echo
		check_eq "$tag: one CHILD SA, made with ECP-384" "1 ecp-384" \
			"$(grep -c '^child ' <<<"$la") $(sas_get "$la" child dh)"
		in_kernel "$tag" A "$A" xfrm_spis "$la"
		in_kernel "$tag" B "$B" xfrm_spis "$la"
		traffic "$tag" short
		check "$tag: B terminates" sw_terminate "$B" ab
		no_sas "$tag: after terminate" A "$A" xfrm_spis
		no_sas "$tag: after terminate" B "$B" xfrm_spis
	fi

	tag="strongswan wrong psk"
	check "$tag: load" sw_pair_conf b:psk=not-the-psk
	check_err "$tag: A's initiate fails" "AUTHENTICATION_FAILED" sw_initiate "$A" ab
	no_sas "$tag" A "$A" xfrm_spis
	no_sas "$tag" B "$B" xfrm_spis
	topo_reset
}


# 2. vtun-iked (site A, vtun0) <-> strongSwan (site B, xfrm0). Written
# against Documentation/vtun-iked.rst (iked.conf, "vtunctl -j ike show").
# Runs when userspace/vtun-iked is built with its IKEv2 engine.

# iked_id I TYPE: sw_id's identity of site I in iked.conf's words
iked_id() {
	case $2 in
	fqdn | email) echo "$2:$(sw_id "$1" "$2")" ;;
	dn) echo "dn:\"$(sw_id "$1" dn)\"" ;;
	ip) echo "ipv4:$(sw_id "$1" ip)" ;;
	esac
}

# iked_conf_a [KEY=VALUE...]: vtun-iked's iked.conf at site A, tunnel
# "ab" on vtun0 through gateway "b". Keys (defaults):
#   a_type=, b_type=     ID types of A and B (fqdn)
#   auth=psk|cert        psk=SECRET, or cert=FILE key=FILE (ca.pem)
#   encr= integ= prf= dh=                IKE profile (aes-gcm-16-128, none,
#                                        sha256, 31)
#   esp_encr= esp_integ= esp_dh= esn=    IPsec profile (aes-gcm-16-128,
#                                        none, none, no)
#   start=always|on-demand|responder     (responder)
iked_conf_a() {
	local kv a_type=fqdn b_type=fqdn auth=psk psk=vtun-test-psk cert='' key=''
	local encr=aes-gcm-16-128 integ='' prf=sha256 dh=31
	local esp_encr=aes-gcm-16-128 esp_integ='' esp_dh=none esn=no start=responder
	local d authn
	for kv in "$@"; do
		case ${kv%%=*} in
		a_type | b_type | auth | psk | cert | key | encr | integ | prf | dh | \
		esp_encr | esp_integ | esp_dh | esn | start)
			printf -v "${kv%%=*}" %s "${kv#*=}" ;;
		*) diag "iked_conf_a: unknown key $kv"; return 1 ;;
		esac
	done
	d=$(iked_dir "$A")
	if [ "$auth" = psk ]; then
		authn="authentication psk \"$psk\";"
	else
		mkdir -p "$d" && cp "$CERTS/ca.pem" "$CERTS/$cert" "$CERTS/$key" "$d/" || return
		authn="authentication certificate { cert $cert; key $key; ca ca.pem; }"
	fi
	iked_conf "$A" <<-EOC
	log-level debug;
	control-socket $d/iked.sock;

	ike-crypto-profile ike-b {
		encryption $encr;
		${integ:+integrity $integ;}
		prf $prf;
		dh-group $dh;
	}

	ipsec-crypto-profile esp-b {
		protocol esp;
		encryption $esp_encr;
		${esp_integ:+integrity $esp_integ;}
		dh-group $esp_dh;
		esn $esn;
	}

	ike-gateway b {
		local-address ${UL4[0]};
		peer-address ${UL4[1]};
		local-id $(iked_id 0 "$a_type");
		peer-id $(iked_id 1 "$b_type");
		$authn
		ike-crypto-profile ike-b;
		version 2;
	}

	ipsec-tunnel ab {
		interface vtun0;
		ike-gateway b;
		ipsec-crypto-profile esp-b;
		start $start;
	}
	EOC
}

# none_left NS SPIS: no SA in NS's kernel (SPIS: vtun_spis, xfrm_spis)

# iked_begin TAG INIT SW_ARGS -- IKED_ARGS: configure strongSwan at B
# (sw_conf_b SW_ARGS) and vtun-iked at A (iked_conf_a IKED_ARGS, start
# on-demand when A initiates, then "vtunctl ike up"), start vtun-iked
iked_begin() {
	local tag=$1 init=$2 sw=() ik=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do sw+=("$1"); shift; done
	[ "${1:-}" = -- ] && shift
	ik=("$@")
	[ "$init" = A ] && ik+=(start=on-demand)
	sw_log_mark "$B"
	check_ok "$tag: configure" \
		eval 'sw_conf_b "${sw[@]}" && iked_conf_a "${ik[@]}"' &&
		check_ok "$tag: vtun-iked starts" iked_start "$A"
}

# iked_case TAG INIT SW_ARGS -- IKED_ARGS: one negotiation started by site
# INIT (A: vtun-iked, vtunctl ike up; B: strongSwan, swanctl --initiate),
# the SAs compared on both ends and in both kernels, traffic both ways,
# then torn down by the initiator and checked gone on the other side.
# SHORT=1: fewer traffic checks (algorithm rounds).
# spis_gone NS FN SPI...: none of SPI... in FN NS (xfrm_spis, vtun_spis)
spis_gone() {
	local ns=$1 fn=$2 spi
	shift 2
	for spi; do $fn "$ns" | grep -qx "$spi" && return 1; done
	return 0
}

# ike_gone NS SPI_I: vtun-iked in NS has no IKE SA of initiator SPI SPI_I
ike_gone() { ! iked_sas "$1" | grep -q "^ike .* spi_i=$2 "; }

iked_case() {
	local tag=$1 init=$2 la lb old
	iked_begin "$@" || return
	if [ "$init" = A ]; then
		check "$tag: vtunctl ike up" iked_ctl "$A" up ab
		check "$tag: vtun-iked initiates, strongSwan has the SAs" retry 20 sw_up "$B"
	else
		check "$tag: strongSwan initiates" sw_initiate "$B" ab
	fi
	if ! check_ok "$tag: vtun-iked reports the SAs" retry 10 iked_up "$A"; then
		iked_log "$A" 40
		sw_log "$B" 40
		iked_stop "$A"
		return
	fi
	la=$(iked_sas "$A")
	lb=$(sw_sas "$B")
	agree "$tag" "$la" "$lb" "$init" sw_to_iked
	in_kernel "$tag" A "$A" vtun_spis "$la"
	in_kernel "$tag" B "$B" xfrm_spis "$lb"
	traffic "$tag" ${SHORT:+short}
	if [ "$init" = A ]; then
		# An on-demand tunnel may start again at the next packet
		# (acquire): what must be gone are these SAs.
		old=$(sas_get "$la" child spi_in; sas_get "$la" child spi_out)
		check "$tag: vtunctl ike down" iked_ctl "$A" down ab
		check "$tag: strongSwan's SAs gone" retry 10 spis_gone "$B" xfrm_spis $old
		check "$tag: vtun's SAs gone" retry 10 spis_gone "$A" vtun_spis $old
		check "$tag: vtun-iked's IKE SA gone" \
			retry 10 ike_gone "$A" "$(sas_get "$la" ike spi_i)"
	else
		check "$tag: strongSwan terminates" sw_terminate "$B" ab
		check "$tag: vtun's SAs gone" retry 10 none_left "$A" vtun_spis
		no_sas "$tag" B "$B" xfrm_spis
		check_eq "$tag: vtun-iked has no IKE SA left" "" \
			"$(iked_sas "$A" | grep '^ike ')"
	fi
	iked_stop "$A"
}

# iked_fail TAG INIT NOTIFY SW_ARGS -- IKED_ARGS: a negotiation that must
# fail with NOTIFY: both ends report it, nothing in either kernel.
iked_fail() {
	local tag=$1 init=$2 notify=$3
	iked_begin "$tag" "$init" "${@:4}" || return
	if [ "$init" = B ]; then
		check_err "$tag: strongSwan's initiate fails with $notify" "$notify" \
			sw_initiate "$B" ab
	else
		iked_ctl "$A" up ab >/dev/null 2>&1
		check "$tag: strongSwan sends $notify" \
			retry 20 sw_log_grep "$B" "N($(sw_notify "$notify"))"
	fi
	check "$tag: vtun-iked logs $notify" \
		retry 10 grep -qi "${notify//_/.}" "$(iked_dir "$A")/iked.log"
	no_sas "$tag" A "$A" vtun_spis
	no_sas "$tag" B "$B" xfrm_spis
	check_eq "$tag: no established IKE SA in vtun-iked" "" \
		"$(iked_sas "$A" | grep '^ike .*state=ESTABLISHED')"
	iked_stop "$A"
}

# iked_ondemand TAG: the first packets into vtun0 without SAs make the
# kernel's acquire start the negotiation; prints how long until a ping
# was answered.
iked_ondemand() {
	local tag=$1 t0
	iked_begin "$tag" A || return
	t0=$EPOCHREALTIME
	if check_ok "$tag: a ping is answered within 20 s" \
		retry 20 ip netns exec "$A" ping -q -c 1 -W 1 "${OV4[1]}"; then
		diag "$tag: first answered ping after" \
			"$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f s", b - a }')"
	fi
	check "$tag: strongSwan has the SAs" sw_up "$B"
	check "$tag: vtun-iked reports the SAs" iked_up "$A"
	check "$tag: vtunctl ike down" iked_ctl "$A" down ab
	check "$tag: strongSwan's SAs gone" retry 10 none_left "$B" xfrm_spis
	iked_stop "$A"
}

# Algorithm rounds, strongSwan initiating with PSK: "IKE proposal|ESP
# proposal|iked IKE settings|iked IPsec settings". IKE_ALGS picks
# some by name (default: all below, so every DH group of the issue).
declare -A SUITES=(
	[gcm256-ecp384]="aes256gcm16-prfsha384-ecp384|aes256gcm16|encr=aes-gcm-16-256 prf=sha384 dh=20|esp_encr=aes-gcm-16-256"
	[cbc256-sha256-modp2048]="aes256-sha256-prfsha256-modp2048|aes256-sha256|encr=aes-cbc-256 integ=sha256 prf=sha256 dh=14|esp_encr=aes-cbc-256 esp_integ=sha256"
	[cbc128-sha512-ecp521]="aes128-sha512-prfsha512-ecp521|aes128-sha512|encr=aes-cbc-128 integ=sha512 prf=sha512 dh=21|esp_encr=aes-cbc-128 esp_integ=sha512"
	[cbc128-sha384-modp3072]="aes128-sha384-prfsha384-modp3072|aes128-sha384|encr=aes-cbc-128 integ=sha384 prf=sha384 dh=15|esp_encr=aes-cbc-128 esp_integ=sha384"
	[chacha-x25519]="chacha20poly1305-prfsha256-x25519|chacha20poly1305|encr=chacha20-poly1305 prf=sha256 dh=31|esp_encr=chacha20-poly1305"
	[gcm128-ecp256-esn]="aes128gcm16-prfsha256-ecp256|aes128gcm16-esn|encr=aes-gcm-16-128 prf=sha256 dh=19|esp_encr=aes-gcm-16-128 esn=yes"
)
IKE_ALGS=${IKE_ALGS:-gcm256-ecp384 cbc256-sha256-modp2048 cbc128-sha512-ecp521 cbc128-sha384-modp3072 chacha-x25519 gcm128-ecp256-esn}

iked_sw() {
	local s f ike esp a_ike a_esp
	topo_underlay || { fail "vtun-iked: underlay"; return; }
	check "vtun-iked: vtun0 at A, xfrm0 at B" eval '
		ip netns exec "$A" "$VTUNCTL" link add vtun0 local "${UL4[0]}" \
			remote "${UL4[1]}" && site_overlay "$A" 0 vtun0 &&
		sw_xfrmi "$B" 1'
	check "vtun-iked: charon starts in B" sw_start "$B"

	iked_case "vtun-iked psk, strongSwan initiates" B
	iked_case "vtun-iked psk, vtun-iked initiates" A \
		ike=aes256-sha256-prfsha256-ecp256 esp=aes256-sha256 -- \
		encr=aes-cbc-256 integ=sha256 dh=19 esp_encr=aes-cbc-256 esp_integ=sha256

	# strongSwan proposes ECP-256 first in its KE, vtun-iked wants X25519:
	# INVALID_KE_PAYLOAD, then the retry with X25519.
	iked_case "vtun-iked invalid-ke retry" B \
		ike=aes128gcm16-prfsha256-ecp256-x25519 -- dh=31
	check "vtun-iked invalid-ke retry: strongSwan was asked for X25519" \
		sw_log_grep "$B" "requested CURVE_25519"

	if wait "$CERTS_PID" 2>/dev/null; [ -s "$CERTS/b-rsa.pem" ]; then
		sw_certs "$B" "$CERTS" b rsa
		iked_case "vtun-iked certs: ecdsa p256 dn / rsa email, strongSwan initiates" B \
			auth=pubkey cert=b-rsa.pem a_type=dn b_type=email -- \
			auth=cert cert=a-p256.pem key=a-p256.key a_type=dn b_type=email
		rm -f "$(sw_dir "$B")"/swanctl/{x509,private}/*
		sw_certs "$B" "$CERTS" b p384
		iked_case "vtun-iked certs: rsa ip / ecdsa p384 fqdn, vtun-iked initiates" A \
			auth=pubkey cert=b-p384.pem a_type=ip b_type=fqdn -- \
			auth=cert cert=a-rsa.pem key=a-rsa.key a_type=ip b_type=fqdn
		iked_fail "vtun-iked certs: wrong peer ID" B AUTHENTICATION_FAILED \
			auth=pubkey cert=b-p384.pem b_type=fqdn -- \
			auth=cert cert=a-rsa.pem key=a-rsa.key b_type=email
	else
		fail "vtun-iked certs: certificates made with pki"
	fi

	iked_ondemand "vtun-iked on demand"

	iked_fail "vtun-iked wrong psk, strongSwan initiates" B AUTHENTICATION_FAILED \
		psk=not-the-psk
	iked_fail "vtun-iked wrong psk, vtun-iked initiates" A AUTHENTICATION_FAILED \
		psk=not-the-psk
	iked_fail "vtun-iked no common proposal" B NO_PROPOSAL_CHOSEN \
		ike=aes128-sha1-prfsha1-modp2048 -- encr=aes-gcm-16-256

	SHORT=1
	for s in $IKE_ALGS; do
		f=${SUITES[$s]}
		[ -n "$f" ] || { fail "vtun-iked: unknown suite $s"; continue; }
		IFS='|' read -r ike esp a_ike a_esp <<<"$f"
		# shellcheck disable=SC2086 # word lists
		iked_case "vtun-iked $s" B ike="$ike" esp="$esp" -- $a_ike $a_esp
	done
	unset SHORT
	topo_reset
}

# iked_missing: why the vtun-iked part cannot run, or nothing
iked_missing() {
	[ -x "$VTUN_IKED" ] || { echo "vtun-iked not built"; return; }
	[ -e "$VTUN_TOP/userspace/iked/ikesa.c" ] ||
		{ echo "vtun-iked built without its IKEv2 engine"; return; }
	command -v jq >/dev/null || { echo "jq not installed"; return; }
	vtun_load || echo "cannot load vtun"
}

IKED_SKIP=$(iked_missing)
CERT_KINDS="p256 p384"
[ -z "$IKED_SKIP" ] && CERT_KINDS="$CERT_KINDS rsa"
# pki takes its time in a TCG guest: make the certificates meanwhile.
# shellcheck disable=SC2086 # a list
sw_mkcerts "$CERTS" $CERT_KINDS >certs.log 2>&1 &
CERTS_PID=$!

sw_sw
if [ -n "$IKED_SKIP" ]; then
	skip "vtun-iked <-> strongswan" "$IKED_SKIP"
else
	iked_sw
fi

tap_done
