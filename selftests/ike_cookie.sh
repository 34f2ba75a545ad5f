#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Cookies (RFC 7296 2.6) against an IKE_SA_INIT flood. vtun-iked at A
# answers any peer (peer-address any) with cookie-threshold
# COOKIE_THRESHOLD (5). From FLOOD_SRCS (200) source addresses at B
# (ike_flood.py), FLOOD_PER (5) IKE_SA_INIT requests each with fresh SPIs
# and X25519 keys: exactly the threshold's worth get an SA answer (half-open
# SAs), every other answer is a bare N(COOKIE); the half-open count stays
# at the threshold and vtun-iked's RSS grows by at most 4 MiB over the
# first flood (one-time library set-up included) and 256 KiB over the
# second (all reported). strongSwan at B then connects while those SAs are
# half-open: it is asked for a cookie (its charon log shows the IKE_SA_INIT
# answered with N(COOKIE) and sent again with N(COOKIE) first), the IKE SA
# and CHILD SA come up with the same SPIs on both sides, pings go through.
# Two more floods with the tunnel up change nothing of it. Then the other
# way: vtun-iked initiates to a charon with dos_protection and
# cookie_threshold 1 holding one half-open SA; charon's log shows it sent
# N(COOKIE) and got the IKE_SA_INIT again with it; the tunnel comes up with
# the same SPIs in both daemons and both kernels.
# vtun-timeout: 160
# vtun-kernels: 6.12

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/ike_lib.sh"

command -v swanctl >/dev/null && [ -x "$SW_CHARON" ] ||
	skip_all "strongSwan (charon, swanctl) not installed"
[ -x "$VTUN_IKED" ] || skip_all "vtun-iked not built"
command -v jq >/dev/null || skip_all "jq not installed"
need_modules veth xfrm_interface esp4 xfrm_user || skip_all "missing modules"
vtun_load || skip_all "cannot load vtun"

THRESHOLD=${COOKIE_THRESHOLD:-5}
SRCS=${FLOOD_SRCS:-200}
PER=${FLOOD_PER:-5}
FLOOD=$VTUN_TOP/selftests/ike_flood.py

# rss: vtun-iked's resident set at A, in KiB
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$(cat "$(iked_dir "$A")/pid")/status"; }
# half_open: vtun-iked's IKE SAs still connecting
half_open() { iked_sas "$A" | grep -c '^ike .* state=CONNECTING'; }

# flood TAG: FLOOD_SRCS * FLOOD_PER requests; sets $flood (ike_flood.py's line)
flood() {
	flood=$(ip netns exec "$B" python3 "$FLOOD" "${UL4[0]}" 10.99.0 1 "$SRCS" \
		"$PER" 3)
	diag "$1: $flood"
}
field() {
	local v
	v=$(sed -n "s/.*\<$1=\([0-9]*\).*/\1/p" <<<"$flood")
	echo "${v:--1}"
}

topo_underlay || { fail "underlay"; tap_done; exit; }
check "vtun0 at A, xfrm0 at B, flood sources at B" eval '
	ip netns exec "$A" "$VTUNCTL" link add vtun0 local "${UL4[0]}" \
		remote "${UL4[1]}" && site_overlay "$A" 0 vtun0 &&
	sw_xfrmi "$B" 1 &&
	ip -n "$A" route add 10.99.0.0/24 via "${UL4[1]}" &&
	for i in $(seq 1 "$SRCS"); do echo "addr add 10.99.0.$i/32 dev ul0"; done |
		ip -n "$B" -batch -'
check "charon starts in B" sw_start "$B"

d=$(iked_dir "$A")
iked_conf_one "$A" peer=any start=responder global="cookie-threshold $THRESHOLD;" \
	esp='dh-group none; esn no;'
iked_start "$A" || { fail "vtun-iked starts"; tap_done; exit; }
pass "vtun-iked starts"
check "strongSwan's connection" eval 'sw_conf_route "$B" ab local="${UL4[1]}" \
	remote="${UL4[0]}" lid="$(sw_id 1 fqdn)" rid="$(sw_id 0 fqdn)" \
	ike=aes128gcm16-prfsha256-x25519 esp=aes128gcm16 >/dev/null && sw_load "$B" >/dev/null'

rss0=$(rss)
flood "flood 1"
rss1=$(rss)
diag "vtun-iked RSS: ${rss0} KiB before, ${rss1} KiB after the flood"
check_eq "flood: $THRESHOLD half-open SAs made, the threshold" "$THRESHOLD" "$(field sa)"
# what the receive buffer held in a TCG guest was answered: all cookies
check "flood: every other answer a bare N(COOKIE) ($(field cookie) of $(field sent))" \
	test "$(field sent)" -gt 0 -a "$(field cookie)" -gt 0 -a "$(field other)" = 0
check_eq "flood: half-open SAs held" "$THRESHOLD" "$(half_open)"
check "flood: RSS grew by at most 4 MiB ($((rss1 - rss0)) KiB)" \
	test $((rss1 - rss0)) -le 4096
check "vtun-iked logged it demands cookies" \
	grep -q "half-open IKE SAs: demanding cookies" "$d/iked.log"

sw_log_mark "$B"
check "strongSwan connects during the flood" sw_initiate "$B" ab
check "strongSwan was asked for a cookie" \
	sw_log_grep "$B" "parsed IKE_SA_INIT response 0 [ N(COOKIE) ]"
check "strongSwan sent IKE_SA_INIT again with the cookie first" \
	sw_log_grep "$B" "generating IKE_SA_INIT request 0 [ N(COOKIE) SA KE No"
la=$(iked_sas "$A" | grep -v 'state=CONNECTING')
lb=$(sw_sas "$B")
check_eq "IKE SA established on both" "ESTABLISHED ESTABLISHED" \
	"$(sas_get "$la" ike state) $(sas_get "$lb" ike state)"
check_eq "IKE SPIs the same" "$(sas_get "$lb" ike spi_i) $(sas_get "$lb" ike spi_r)" \
	"$(sas_get "$la" ike spi_i) $(sas_get "$la" ike spi_r)"
check "a CHILD SA at A" test -n "$(sas_get "$la" child spi_in)"
same_spis "strongSwan behind cookies" "$A" "$B"
check "ping A->B through the tunnel" overlay_ping "$A" 0 4

flood "flood 2"
rss2=$(rss)
diag "vtun-iked RSS: ${rss2} KiB after the second flood"
check_eq "flood 2: no SA answer (still $THRESHOLD half-open)" 0 "$(field sa)"
flood "flood 3"
rss3=$(rss)
diag "vtun-iked RSS: ${rss3} KiB after the third flood"
check "flood 3: RSS grew by at most 256 KiB ($((rss3 - rss2)) KiB)" \
	test $((rss3 - rss2)) -le 256
check_eq "flood 3: half-open SAs held" "$THRESHOLD" "$(half_open)"
check "the tunnel still carries traffic" overlay_ping "$B" 1 4
check_eq "strongSwan's IKE SA unchanged" "$(sas_get "$lb" ike spi_r)" \
	"$(sas_get "$(sw_sas "$B")" ike spi_r)"

# vtun-iked initiates to a charon that demands cookies (dos_protection,
# cookie_threshold 1), one half-open IKE SA there made by ike_flood.py
# from A's address: charon answers vtun-iked's IKE_SA_INIT with N(COOKIE),
# vtun-iked sends it again with the cookie and the tunnel comes up.
iked_stop "$A"
sw_stop "$B"
ip -n "$B" xfrm state flush
tag="strongSwan demands cookies"
SW_CHARON_OPTS="dos_protection = yes
	cookie_threshold = 1" check "$tag: charon restarts" sw_start "$B"
check "$tag: strongSwan's connection" eval 'sw_conf_route "$B" ab \
	local="${UL4[1]}" remote="${UL4[0]}" lid="$(sw_id 1 fqdn)" \
	rid="$(sw_id 0 fqdn)" >/dev/null && sw_load "$B" >/dev/null'
flood=$(ip netns exec "$A" python3 "$FLOOD" "${UL4[1]}" "${UL4[0]%.*}" \
	"${UL4[0]##*.}" 1 1 2)
diag "$tag: $flood"
check_eq "$tag: one half-open IKE SA at charon" 1 "$(field sa)"
sw_log_mark "$B"
iked_conf_one "$A" esp='dh-group none; esn no;'
check_ok "$tag: vtun-iked starts" iked_start "$A" &&
	check "$tag: the tunnel comes up" retry 30 eval \
		'iked_up "$A" && sw_sas "$B" | grep -q "^child .*state=INSTALLED"'
check "$tag: charon sent N(COOKIE)" \
	sw_log_grep "$B" "generating IKE_SA_INIT response 0 [ N(COOKIE) ]"
check "$tag: vtun-iked sent IKE_SA_INIT again with the cookie first" \
	sw_log_grep "$B" "parsed IKE_SA_INIT request 0 [ N(COOKIE) "
la=$(iked_sas "$A")
lb=$(sw_sas "$B" | grep -v 'state=CONNECTING')
check_eq "$tag: IKE SPIs the same" \
	"$(sas_get "$lb" ike spi_i) $(sas_get "$lb" ike spi_r)" \
	"$(sas_get "$la" ike spi_i) $(sas_get "$la" ike spi_r)"
same_spis "$tag" "$A" "$B"
check "$tag: ping A->B through the tunnel" overlay_ping "$A" 0 4

tap_done
