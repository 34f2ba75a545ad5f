#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Simultaneous rekeys (RFC 7296 2.8.1) between vtun-iked (site A, vtun0)
# and strongSwan (site B, xfrm0): REKEY_COLLISIONS (2) collisions of CHILD
# SA rekeys, then as many of IKE SA rekeys. Each time strongSwan starts the
# rekey (swanctl --rekey) and, once charon has sent its CREATE_CHILD_SA,
# vtun-iked is told to rekey the same SA (vtunctl ike rekey ab child|ike)
# before that request arrives: B's underlay delays its packets by
# REKEY_DELAY_MS (400, netem), so the two requests cross. Each time, under
# a 100 pps ping A->B: both logs show the collision, no ping is lost, and
# 10 s later exactly one CHILD SA pair is left, the same in vtun-iked,
# strongSwan, vtun's kernel (vtunctl -j sa show) and XFRM (ip xfrm state),
# one IKE SA on each side with the same SPIs; a CHILD SA collision leaves
# new CHILD SPIs, an IKE SA collision new IKE SPIs. No kernel warning.
# vtun-timeout: 300
# vtun-kernels: 6.12

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/ike_lib.sh"

command -v swanctl >/dev/null && [ -x "$SW_CHARON" ] ||
	skip_all "strongSwan (charon, swanctl) not installed"
need_modules veth xfrm_interface esp4 xfrm_user sch_netem ||
	skip_all "missing modules"
[ -x "$VTUN_IKED" ] || skip_all "vtun-iked not built"
command -v jq >/dev/null || skip_all "jq not installed"
vtun_load || skip_all "cannot load vtun"

COLLIDE_N=${REKEY_COLLISIONS:-2}
DELAY_MS=${REKEY_DELAY_MS:-400}
TMP=$(mktemp -d)
defer rm -rf "$TMP"
WARN0=$(dmesg 2>/dev/null | grep -cE '(WARNING|BUG):')

# count_installed LINES: CHILD SA lines of LINES in state INSTALLED
count_installed() { grep -c '^child .* state=INSTALLED ' <<<"$1"; }

# one_pair: one IKE SA and one CHILD SA on each side, the same SPIs in
# both daemons and both kernels; sets $la $lb
one_pair() {
	la=$(iked_sas "$A") && lb=$(sw_sas "$B") || return
	[ "$(grep -c '^ike ' <<<"$la") $(grep -c '^ike ' <<<"$lb")" = "1 1" ] &&
	[ "$(count_installed "$la") $(count_installed "$lb")" = "1 1" ] &&
	[ "$(grep -c '^child ' <<<"$lb")" = 1 ] &&
	[ "$(sas_get "$la" ike spi_i) $(sas_get "$la" ike spi_r)" = \
		"$(sas_get "$lb" ike spi_i) $(sas_get "$lb" ike spi_r)" ] &&
	[ "$(sas_get "$la" child spi_in) $(sas_get "$la" child spi_out)" = \
		"$(sas_get "$lb" child spi_out) $(sas_get "$lb" child spi_in)" ] &&
	[ "$(printf '%s\n' "$(sas_get "$la" child spi_in)" \
		"$(sas_get "$la" child spi_out)" | sort)" = "$(vtun_spis "$A")" ] &&
	[ "$(printf '%s\n' "$(sas_get "$lb" child spi_in)" \
		"$(sas_get "$lb" child spi_out)" | sort)" = "$(xfrm_spis "$B")" ]
}

# sent_requests: how many CREATE_CHILD_SA requests charon sent (one
# process: this is polled, and the delay is all the time there is)
sent_requests() { grep -c 'generating CREATE_CHILD_SA request' "$SWLOG"; }
sent_request() { [ "$(sent_requests)" -gt "$1" ]; }

# collide_try KIND TAG: start a rekey of KIND at both ends, under a
# ping; sets LOST_TRY; true if either side saw the requests cross
collide_try() {
	local kind=$1 tag=$2 sw n0
	mark=$(stat -c %s "$LOG")
	sw_log_mark "$B"
	n0=$(sent_requests)
	ip netns exec "$A" ping -q -i 0.01 -c 1000 -W 3 "${OV4[1]}" \
		>"$TMP/ping" 2>&1 &
	local ping=$!
	sleep 0.5
	sw_swanctl "$B" --rekey "--$kind" ab >"$TMP/swanctl" 2>&1 &
	sw=$!
	retry_fast 250 sent_request "$n0" ||
		diag "$tag: charon sent no CREATE_CHILD_SA in time"
	check "$tag: vtunctl ike rekey ab $kind" iked_ctl "$A" rekey ab "$kind"
	wait "$sw"
	wait "$ping"
	LOST_TRY=$(awk '/packets transmitted/ { print $1 - $4 }' "$TMP/ping")
	diag "$tag: $(grep 'packets transmitted' "$TMP/ping")"
	tail -c +$((mark + 1)) "$LOG" | grep -q "$KIND SA rekey collision" ||
		sw_log_grep "$B" "${KIND}_SA rekey collision"
}

# collide KIND I: collision I of KIND (child, ike). The requests cross
# only if vtun-iked's leaves before charon's arrives, REKEY_DELAY_MS after
# it left: on a loaded guest vtunctl may start later than that. A try in
# which neither side saw a collision is tried again with the delay
# doubled; what one side alone saw is a failure.
collide() {
	local kind=$1 tag="$1 collision $2" mark lost child0 ike0 KIND f0 try ms
	KIND=${kind^^}
	f0=$_T_FAIL lost=0 ms=$DELAY_MS
	for try in 1 2 3; do
		child0=$(sas_get "$la" child spi_in) ike0=$(sas_get "$la" ike spi_i)
		collide_try "$kind" "$tag"
		local crossed=$?
		lost=$((lost + ${LOST_TRY:-1000}))
		[ "$crossed" = 0 ] || [ "$try" = 3 ] && break
		ms=$((ms * 2))
		diag "$tag: the requests did not cross; again, B's underlay delaying by ${ms}ms"
		tail -c +$((mark + 1)) "$LOG" | grep -E 'rekey|CREATE_CHILD' |
			head -n 8 | sed 's/^/#   A: /'
		retry 10 one_pair && tc -n "$B" qdisc change dev ul0 root netem delay "${ms}ms" ||
			break
	done
	[ "$ms" = "$DELAY_MS" ] ||
		tc -n "$B" qdisc change dev ul0 root netem delay "${DELAY_MS}ms"
	check "$tag: vtun-iked saw the collision" retry 10 eval \
		'tail -c +$((mark + 1)) "$LOG" | grep -q "$KIND SA rekey collision"'
	check "$tag: charon saw the collision" \
		sw_log_grep "$B" "${KIND}_SA rekey collision"
	if [ "$_T_FAIL" != "$f0" ]; then
		tail -c +$((mark + 1)) "$LOG" |
			grep -E 'collision|DELETE|rekey|CREATE_CHILD' |
			head -n 20 | sed 's/^/#   A: /'
		tail -c +$(($(cat "$(sw_dir "$B")/mark") + 1)) "$SWLOG" |
			grep -E 'collision|DELETE|CREATE_CHILD|REKEY|rekey' |
			head -n 20 | sed 's/^/#   B: /'
	fi
	check_eq "$tag: no ping lost" 0 "$lost"
	LOST=$((LOST + lost))
	# 10 s after the collision: nothing stale left
	if check_ok "$tag: one SA pair left, the same everywhere" retry 3 one_pair; then
		if [ "$kind" = child ]; then
			check "$tag: new CHILD SPIs" \
				test "$(sas_get "$la" child spi_in)" != "$child0"
		else
			check "$tag: new IKE SPIs" \
				test "$(sas_get "$la" ike spi_i)" != "$ike0"
		fi
		SURVIVED=$((SURVIVED + 1))
	else
		diag "A: ${la//$'\n'/$'\n'# A: }"
		diag "B: ${lb//$'\n'/$'\n'# B: }"
		diag "vtun0: $(vtun_spis "$A" | tr '\n' ' ') xfrm: $(xfrm_spis "$B" | tr '\n' ' ')"
		iked_log "$A" 40
		sw_log "$B" 40
	fi
}

# retry_fast N CMD...: CMD up to N times 20 ms apart
retry_fast() {
	local n=$1
	shift
	while ! "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.02
	done
}

topo_underlay || { fail "underlay"; tap_done; exit 1; }
LOG=$(iked_dir "$A")/iked.log SWLOG=$(sw_dir "$B")/charon.log
check "vtun0 at A, xfrm0 at B" eval '
	ip netns exec "$A" "$VTUNCTL" link add vtun0 local "${UL4[0]}" \
		remote "${UL4[1]}" && site_overlay "$A" 0 vtun0 && sw_xfrmi "$B" 1'
check "B's underlay delays by ${DELAY_MS}ms" \
	tc -n "$B" qdisc add dev ul0 root netem delay "${DELAY_MS}ms"
check "charon starts in B" sw_start "$B"
check "strongSwan's connection" eval 'sw_conf_route "$B" ab local="${UL4[1]}" \
	remote="${UL4[0]}" lid="$(sw_id 1 fqdn)" rid="$(sw_id 0 fqdn)" \
	>/dev/null && sw_load "$B" >/dev/null'
check "vtun-iked's tunnel" iked_conf_one "$A" start=always \
	esp='dh-group none; esn no;'
check_ok "vtun-iked starts" iked_start "$A" &&
	check_ok "the tunnel is up" retry 20 one_pair || {
	iked_log "$A"
	sw_log "$B"
	tap_done
	exit
}
check_fail "vtunctl ike rekey: unknown tunnel refused" \
	iked_ctl "$A" rekey nope child

LOST=0 SURVIVED=0
for kind in child ike; do
	for ((i = 1; i <= COLLIDE_N; i++)); do
		collide "$kind" "$i"
	done
done
made=$(grep -c 'SA rekey collision' "$LOG")
diag "figures: $made collisions seen by vtun-iked, $SURVIVED of $((2 * COLLIDE_N))" \
	"left one SA pair, $LOST pings lost"
check_eq "no kernel warning" "$WARN0" "$(dmesg 2>/dev/null | grep -cE '(WARNING|BUG):')"
iked_stop "$A"
topo_reset
tap_done
