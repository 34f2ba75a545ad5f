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
#  2. vtun-iked <-> strongSwan (skipped while vtun-iked is not built).
# vtun-timeout: 240

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/ike_lib.sh"

command -v swanctl >/dev/null && [ -x "$SW_CHARON" ] ||
	skip_all "strongSwan (charon, swanctl) not installed"
command -v pki >/dev/null || skip_all "strongswan-pki not installed"
need_modules veth xfrm_interface esp4 esp6 xfrm_user || skip_all "missing modules"

CERTS=$PWD/certs

# same_sas TAG: A's and B's charon agree on the IKE SA and the CHILD SA
# (SPIs crossed for the CHILD SA) and the kernels hold exactly those SPIs.
same_sas() {
	local tag=$1 a b k
	a=$(sw_sas "$A")
	b=$(sw_sas "$B")
	diag "A: $a"
	diag "B: $b"
	for k in state spi_i spi_r encr integ prf dh; do
		check_eq "$tag: IKE SA $k the same on both" \
			"$(sas_get "$a" ike "$k")" "$(sas_get "$b" ike "$k")"
	done
	check_eq "$tag: A initiated" "yes no" \
		"$(sas_get "$a" ike initiator) $(sas_get "$b" ike initiator)"
	for k in state encr integ dh esn; do
		check_eq "$tag: CHILD SA $k the same on both" \
			"$(sas_get "$a" child "$k")" "$(sas_get "$b" child "$k")"
	done
	check_eq "$tag: A's inbound SPI is B's outbound" \
		"$(sas_get "$a" child spi_in)" "$(sas_get "$b" child spi_out)"
	check_eq "$tag: A's outbound SPI is B's inbound" \
		"$(sas_get "$a" child spi_out)" "$(sas_get "$b" child spi_in)"
	k=$(printf '%s\n' "$(sas_get "$a" child spi_in)" \
		"$(sas_get "$a" child spi_out)" | sort)
	check_eq "$tag: A's kernel has the CHILD SA's SPIs" "$k" "$(xfrm_spis "$A")"
	check_eq "$tag: B's kernel has the CHILD SA's SPIs" "$k" "$(xfrm_spis "$B")"
}

# traffic TAG: ping both ways (IPv4 and IPv6 inside), TCP both ways.
traffic() {
	local inner
	for inner in 4 6; do
		check "$1: ping A->B inner v$inner" overlay_ping "$A" 0 "$inner"
		check "$1: ping B->A inner v$inner" overlay_ping "$B" 1 "$inner"
	done
	check "$1: TCP A->B bytes verified" overlay_tcp "$B" 1 "$A" 4 65536
	check "$1: TCP B->A bytes verified" overlay_tcp "$A" 0 "$B" 6 65536
}

# no_sas TAG NS...: no XFRM state left in any NS
no_sas() {
	local tag=$1 ns
	shift
	for ns in "$@"; do
		check_eq "$tag: no SA in the kernel of ${ns%%-[0-9]*}" "" "$(xfrm_spis "$ns")"
	done
}

# sw_pair_conf AUTH [KEY=VALUE...]: the connection "ab" on both charons,
# A with site 0's, B with site 1's identities (fqdn unless lid_type= /
# rid_type= say otherwise), then loaded.
sw_pair_conf() {
	local i ns kv lt=fqdn rt=fqdn ca=() cb=()
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
	sw_conf_route "$B" ab local="${UL4[1]}" remote="${UL4[0]}" \
		lid="$(sw_id 1 "$rt")" rid="$(sw_id 0 "$lt")" "${cb[@]}" || return
	for ns in "$A" "$B"; do
		sw_load "$ns" >/dev/null || return
	done
}

# rekeyed GROUP: one CHILD SA left on either side, made with GROUP, and
# only its SAs in the kernels
rekeyed() {
	local ns l
	for ns in "$A" "$B"; do
		l=$(sw_sas "$ns")
		[ "$(grep -c '^child ' <<<"$l")" = 1 ] &&
			[ "$(sas_get "$l" child dh)" = "$1" ] &&
			[ "$(xfrm_spis "$ns" | wc -l)" = 2 ] || return
	done
}

sw_sw() {
	local tag a
	topo_underlay || { fail "strongswan: underlay"; return; }
	check "strongswan: charon starts in A" sw_start "$A"
	check "strongswan: charon starts in B" sw_start "$B"
	check "strongswan: xfrm interfaces" eval 'sw_xfrmi "$A" 0 && sw_xfrmi "$B" 1'

	tag="strongswan psk aes-gcm-128 x25519"
	check "$tag: load" sw_pair_conf psk
	check "$tag: A initiates" sw_initiate "$A" ab
	same_sas "$tag"
	a=$(sw_sas "$A")
	check_eq "$tag: IKE SA algorithms" \
		"aes-gcm-16-128 - prf-hmac-sha2-256 curve-25519" \
		"$(sas_get "$a" ike encr) $(sas_get "$a" ike integ) $(sas_get "$a" ike prf) $(sas_get "$a" ike dh)"
	check_eq "$tag: CHILD SA algorithms" "esp aes-gcm-16-128 - - no" \
		"$(sas_get "$a" child proto) $(sas_get "$a" child encr) $(sas_get "$a" child integ) $(sas_get "$a" child dh) $(sas_get "$a" child esn)"
	traffic "$tag"
	check "$tag: A terminates" sw_terminate "$A" ab
	no_sas "$tag: after terminate" "$A" "$B"

	# Certificates: P-256 at A with a DN ID, P-384 at B with an email ID,
	# AES-GCM-256 + SHA-384 + X25519 and ECDH P-384 PFS for the CHILD SA.
	tag="strongswan ecdsa p256/p384 pfs"
	if check "$tag: certificates made with pki" sw_mkcerts "$CERTS" p256 p384; then
		sw_certs "$A" "$CERTS" a p256
		sw_certs "$B" "$CERTS" b p384
		check "$tag: load" sw_pair_conf auth=pubkey a:cert=a-p256.pem \
			b:cert=b-p384.pem a_type=dn b_type=email \
			ike=aes256gcm16-prfsha384-x25519 esp=aes256gcm16-ecp384
		check "$tag: A initiates" sw_initiate "$A" ab
		same_sas "$tag"
		a=$(sw_sas "$A")
		check_eq "$tag: IDs" "$(sw_id 0 dn | sed 's/, /,/g') $(sw_id 1 email)" \
			"$(sas_get "$a" ike local_id) $(sas_get "$a" ike remote_id)"
		check_eq "$tag: IKE SA algorithms" "aes-gcm-16-256 prf-hmac-sha2-384" \
			"$(sas_get "$a" ike encr) $(sas_get "$a" ike prf)"
		# The CHILD SA of IKE_AUTH has its keys from the IKE SA; its
		# first rekey (CREATE_CHILD_SA) does the ECDH of the ESP proposal.
		check_eq "$tag: no PFS in IKE_AUTH" "-" "$(sas_get "$a" child dh)"
		check "$tag: B rekeys the CHILD SA" sw_swanctl "$B" --rekey --child ab
		check "$tag: rekeyed with ECP-384 on both" retry 20 rekeyed ecp-384
		same_sas "$tag rekeyed"
		traffic "$tag"
		check "$tag: B terminates" sw_terminate "$B" ab
		no_sas "$tag: after terminate" "$A" "$B"
	fi

	tag="strongswan wrong psk"
	check "$tag: load" sw_pair_conf auth=psk b:psk=not-the-psk
	check_err "$tag: A's initiate fails" "AUTHENTICATION_FAILED" sw_initiate "$A" ab
	no_sas "$tag" "$A" "$B"
	topo_reset
}

sw_sw

tap_done
