#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vtun-iked's liveness checks (dpd-delay) against strongSwan, vtun-iked
# initiating at A (vtun0), charon at B (xfrm0). dpd-delay 2 s, retransmit
# timeout 500 ms with 2 tries: a dead peer is found within about 6 s.
#  1. dpd-action clear, with a vtun tunnel monitor on the same tunnel:
#     the monitor's probes keep the inbound SA busy, so no DPD is sent;
#     charon killed (SIGKILL) and B's kernel SAs flushed as after a crash:
#     the peer is declared dead in the configured time, A's kernel SAs go,
#     nothing is initiated again; the monitor reports the loss.
#  2. dpd-action restart: an idle tunnel sends DPDs that charon answers
#     (no death); charon killed: re-initiation attempts; charon back: the
#     tunnel comes up again by itself, traffic flows.
#  3. dpd-action trap (on-demand tunnel): after the death nothing is
#     initiated until traffic into vtun0 (acquire) brings it up again.
# Detection times are reported (diag).
# vtun-timeout: 180
# vtun-kernels: 6.12

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/ike_lib.sh"

command -v swanctl >/dev/null && [ -x "$SW_CHARON" ] ||
	skip_all "strongSwan (charon, swanctl) not installed"
[ -x "$VTUN_IKED" ] || skip_all "vtun-iked not built"
need_modules veth xfrm_interface esp4 esp6 xfrm_user || skip_all "missing modules"

DPD_DELAY=2		# s
DPD_BOUND=10		# s: 2 + 0.5 + 0.9 + 1.62, last-used in whole seconds, TCG

LOG() { echo "$(iked_dir "$A")/iked.log"; }
check_ok() { check "$@"; [ "$_T_RC" = 0 ]; }

# dpd_conf ACTION START [MONITOR]: vtun-iked at A
dpd_conf() {
	local mon=''
	[ -n "${3:-}" ] &&
		mon="monitor { destination ${OV4[1]}; interval 500ms; threshold 3; }"
	iked_conf_one "$A" start="$2" tunnel="$mon" gw="dpd-delay ${DPD_DELAY}s;
		dpd-action $1; retransmit-timeout 500ms; retransmit-tries 2;"
}

# charon_crash: B's charon killed, its kernel SAs gone as after a reboot
charon_crash() {
	local d pid
	d=$(sw_dir "$B")
	pid=$(cat "$d/pid")
	kill -9 "$pid" && retry 5 _sw_gone "$pid" && rm -f "$d/charon.vici" &&
		ip -n "$B" xfrm state flush
}

# charon_back: charon in B again with the connection loaded
charon_back() {
	sw_start "$B" &&
		sw_conf_route "$B" ab local="${UL4[1]}" remote="${UL4[0]}" \
			lid="$(sw_id 1 fqdn)" rid="$(sw_id 0 fqdn)" &&
		sw_load "$B" >/dev/null
}

# dead_after T0: seconds from T0 until vtun-iked logged the death
dead_after() {
	retry 20 grep -q "peer dead" "$(LOG)" || return 1
	DEAD_S=$(awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
}

mon_state() {
	ip netns exec "$A" "$VTUNCTL" -j show vtun0 | jq -r '.[0].monitor.state // "-"'
}

topo_underlay || { fail "underlay"; tap_done; exit 1; }
check "vtun0 at A, xfrm0 at B" eval '
	ip netns exec "$A" "$VTUNCTL" link add vtun0 local "${UL4[0]}" \
		remote "${UL4[1]}" && site_overlay "$A" 0 vtun0 && sw_xfrmi "$B" 1'
check "charon starts in B" charon_back

# 1. clear, with a tunnel monitor alongside
dpd_conf clear always monitor
check "clear: vtun-iked starts" iked_start "$A"
check "clear: up" retry 20 iked_up "$A"
check "clear: ping" overlay_ping "$A" 0 4
check "clear: the monitor is up" retry 10 eval '[ "$(mon_state)" = up ]'
sleep $((DPD_DELAY + 2))
check_eq "clear: the monitor keeps the SA busy: no DPD sent" 0 \
	"$(grep -c 'DPD$' "$(LOG)")"
check "clear: still up" iked_up "$A"
t0=$EPOCHREALTIME
check "clear: charon crashes" charon_crash
if check_ok "clear: peer declared dead" dead_after "$t0"; then
	diag "clear: dead peer detected after $DEAD_S s"
	check "clear: within $DPD_BOUND s" awk -v s="$DEAD_S" -v b="$DPD_BOUND" \
		'BEGIN { exit !(s <= b) }'
fi
check "clear: a DPD was sent first" grep -q 'DPD$' "$(LOG)"
check "clear: action logged" grep -q "dpd-action clear" "$(LOG)"
check "clear: A's kernel SAs gone" retry 5 none_left "$A" vtun_spis
sleep 2
# the monitor's probes go on into vtun0 (acquires): cleared, not initiated
check_eq "clear: not initiated again, not even by traffic" 1 \
	"$(grep -c 'initiating IKE SA' "$(LOG)")"
check "clear: the monitor saw the loss" retry 10 eval '[ "$(mon_state)" = down ]'
iked_stop "$A"
check "clear: monitor removed" ip netns exec "$A" "$VTUNCTL" monitor del vtun0

# 2. restart
check "restart: charon back" charon_back
dpd_conf restart always
check "restart: vtun-iked starts" iked_start "$A"
check "restart: up" retry 20 iked_up "$A"
check "restart: idle: DPD sent" retry $((DPD_DELAY + 3)) grep -q 'DPD$' "$(LOG)"
check "restart: ... strongSwan answers it" retry 5 grep -q \
	"generating INFORMATIONAL response" "$(sw_dir "$B")/charon.log"
check "restart: ... no death" eval '! grep -q "peer dead" "$(LOG)"'
check "restart: still up" iked_up "$A"
t0=$EPOCHREALTIME
check "restart: charon crashes" charon_crash
check_ok "restart: peer declared dead" dead_after "$t0" &&
	diag "restart: dead peer detected after $DEAD_S s"
check "restart: re-initiation attempts" \
	retry 15 eval '[ "$(grep -c "initiating IKE SA" "$(LOG)")" -ge 3 ]'
check "restart: charon back" charon_back
t0=$EPOCHREALTIME
if check_ok "restart: up again by itself" retry 20 iked_up "$A"; then
	diag "restart: up again $(awk -v a="$t0" -v b="$EPOCHREALTIME" \
		'BEGIN { printf "%.1f", b - a }') s after charon came back"
fi
check "restart: strongSwan has the SAs" retry 10 sw_up "$B"
check "restart: ping" overlay_ping "$A" 0 4
iked_stop "$A"

# 3. trap
dpd_conf trap on-demand
check "trap: vtun-iked starts" iked_start "$A"
check "trap: a ping brings it up" retry 20 ip netns exec "$A" ping -q -c 1 -W 1 "${OV4[1]}"
check "trap: up" retry 10 iked_up "$A"
t0=$EPOCHREALTIME
check "trap: charon crashes" charon_crash
check_ok "trap: peer declared dead" dead_after "$t0" &&
	diag "trap: dead peer detected after $DEAD_S s"
check "trap: A's kernel SAs gone" retry 5 none_left "$A" vtun_spis
check "trap: charon back" charon_back
sleep 2
check_eq "trap: nothing initiated without traffic" 1 \
	"$(grep -c 'initiating IKE SA' "$(LOG)")"
check "trap: the next packet brings it up" \
	retry 20 ip netns exec "$A" ping -q -c 1 -W 1 "${OV4[1]}"
check "trap: up again" retry 10 iked_up "$A"
check "trap: TCP bytes verified" overlay_tcp "$B" 1 "$A" 4 65536
iked_stop "$A"

tap_done
