#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IKE fragmentation (RFC 7383) against strongSwan: RSA-4096 certificates in
# chains of four (root CA, two intermediates, site; certs/frag), so that
# IKE_AUTH is about 6 KB each way, over an underlay with MTU 1280 where nft
# drops every IP fragment on ingress at both sites. vtun-iked at A,
# strongSwan (fragmentation = yes, its default) at B, both with 1280-byte
# fragments.
#  1. vtun-iked with "fragmentation no": IKE_AUTH goes as IP fragments,
#     which are dropped (nft counts them): no IKE SA.
#  2. strongSwan initiates: it splits its IKE_AUTH into fragments and
#     reassembles vtun-iked's (both logs tell), the IKE and CHILD SAs are up
#     with the same SPIs on both sides, no IP fragment was sent, pings pass.
#  3. vtun-iked initiates: the same the other way.
# vtun-timeout: 150
# vtun-kernels: 6.12

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/ike_lib.sh"

command -v swanctl >/dev/null && [ -x "$SW_CHARON" ] ||
	skip_all "strongSwan (charon, swanctl) not installed"
[ -x "$VTUN_IKED" ] || skip_all "vtun-iked not built"
command -v jq >/dev/null && command -v nft >/dev/null || skip_all "jq or nft missing"
need_modules veth xfrm_interface esp4 xfrm_user || skip_all "missing modules"
vtun_load || skip_all "cannot load vtun"

CERTS=$VTUN_TOP/selftests/certs/frag

# nofrag NS: drop (and count) IPv4 and IPv6 fragments arriving on ul0
nofrag() {
	ip netns exec "$1" nft -f - <<-EOF
	table netdev nofrag {
		chain in {
			type filter hook ingress device ul0 priority -500;
			ip frag-off & 0x3fff != 0 counter drop
			exthdr frag exists counter drop
		}
	}
	EOF
}
# dropped NS: IP fragments dropped so far
dropped() {
	ip netns exec "$1" nft list table netdev nofrag |
		awk '/counter/ { for (i = 1; i < NF; i++) if ($i == "packets") n += $(i + 1) } END { print n + 0 }'
}

# iked_frag START FRAG: vtun-iked at A, certificate chain, fragmentation FRAG
iked_frag() {
	mkdir -p "$(iked_dir "$A")" &&
	cp "$CERTS/a-chain.pem" "$CERTS/a.key" "$CERTS/root.pem" "$(iked_dir "$A")/" &&
	iked_conf_one "$A" start="$1" global="fragmentation $2;" \
		auth='certificate { cert a-chain.pem; key a.key; ca root.pem; }' \
		esp='dh-group none; esn no;'
}

# up TAG: both ends established with the same SPIs (daemons and kernels),
# pings through
up() {
	local la lb
	la=$(iked_sas "$A")
	lb=$(sw_sas "$B")
	check_eq "$1: IKE SA established on both" "ESTABLISHED ESTABLISHED" \
		"$(sas_get "$la" ike state) $(sas_get "$lb" ike state)"
	check_eq "$1: IKE SPIs the same" \
		"$(sas_get "$lb" ike spi_i) $(sas_get "$lb" ike spi_r)" \
		"$(sas_get "$la" ike spi_i) $(sas_get "$la" ike spi_r)"
	same_spis "$1" "$A" "$B"
	check "$1: ping A->B" overlay_ping "$A" 0 4
	check "$1: ping B->A" overlay_ping "$B" 1 4
}

topo_underlay || { fail "underlay"; tap_done; exit; }
check "vtun0 and xfrm0, then MTU 1280 and IP fragments dropped at A and B" eval '
	ip netns exec "$A" "$VTUNCTL" link add vtun0 local "${UL4[0]}" \
		remote "${UL4[1]}" && site_overlay "$A" 0 vtun0 &&
	sw_xfrmi "$B" 1 &&
	ip -n "$A" link set ul0 mtu 1280 && ip -n "$B" link set ul0 mtu 1280 &&
	nofrag "$A" && nofrag "$B"'
check "charon starts in B" sw_start "$B"
check "strongSwan: chain of four, RSA-4096" eval '
	s=$(sw_dir "$B")/swanctl &&
	cp "$CERTS/root.pem" "$CERTS/int1.pem" "$CERTS/int2.pem" "$s/x509ca/" &&
	cp "$CERTS/b.pem" "$s/x509/" && cp "$CERTS/b.key" "$s/private/" &&
	sw_conf_route "$B" ab local="${UL4[1]}" remote="${UL4[0]}" \
		lid="$(sw_id 1 fqdn)" rid="$(sw_id 0 fqdn)" auth=pubkey \
		cert=b.pem >/dev/null && sw_load "$B" >/dev/null'

# 1. without RFC 7383 the IP fragments are lost
iked_frag responder no && iked_start "$A" ||
	{ fail "vtun-iked starts"; tap_done; exit; }
pass "vtun-iked starts (fragmentation no)"
d0=$(dropped "$A")
check_fail "no fragmentation: strongSwan cannot connect" \
	sw_swanctl "$B" --initiate --child ab --timeout 8
check "no fragmentation: IP fragments were dropped ($(($(dropped "$A") - d0)))" \
	test "$(dropped "$A")" -gt "$d0"
check_eq "no fragmentation: no IKE SA at A" "" "$(iked_sas "$A" | grep 'state=ESTABLISHED')"
sw_swanctl "$B" --terminate --ike ab --force --timeout 5 >/dev/null 2>&1
iked_stop "$A"

# 2. strongSwan initiates
iked_frag responder yes && iked_start "$A" ||
	{ fail "vtun-iked starts"; tap_done; exit; }
pass "vtun-iked starts (fragmentation yes)"
da=$(dropped "$A") db=$(dropped "$B")
sw_log_mark "$B"
check "strongSwan initiates" sw_initiate "$B" ab
check "strongSwan sent its IKE_AUTH in fragments" sw_log_grep "$B" "splitting IKE message"
check "strongSwan reassembled vtun-iked's" sw_log_grep "$B" "reassembled fragmented IKE message"
check "vtun-iked sent fragments" grep -q "IKE_AUTH response of [0-9]* bytes in [0-9]* fragments" \
	"$(iked_dir "$A")/iked.log"
up "strongSwan initiates"
check_eq "strongSwan initiates: no IP fragment on the wire" "0 0" \
	"$(($(dropped "$A") - da)) $(($(dropped "$B") - db))"
grep "fragments" "$(iked_dir "$A")/iked.log" | sed 's/^/# A: /'
sw_terminate "$B" ab >/dev/null
iked_stop "$A"

# 3. vtun-iked initiates
sw_log_mark "$B"
iked_frag always yes && iked_start "$A" ||
	{ fail "vtun-iked starts"; tap_done; exit; }
check "vtun-iked initiates" retry 30 eval 'sw_sas "$B" | grep -q "^child .*state=INSTALLED"'
check "vtun-iked sent IKE_AUTH in fragments" grep -q "IKE_AUTH request of [0-9]* bytes in [0-9]* fragments" \
	"$(iked_dir "$A")/iked.log"
check "strongSwan reassembled it" sw_log_grep "$B" "reassembled fragmented IKE message"
retry 10 eval 'iked_sas "$A" | grep -q "^child"'
up "vtun-iked initiates"

tap_done
