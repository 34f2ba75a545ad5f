#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Many tunnels: one vtun-iked hub (A, 192.0.2.1) with SCALE_N tunnels
# (vtun1..vtunN, each its own ipsec-tunnel and ike-gateway) to one
# strongSwan (B) holding SCALE_N connections, each from its own address
# 192.0.2.10... on B's ul0 (each connection's local_addrs), its own if_id.
# Jobs (SCALE_JOBS, default "sw iked"):
#   sw    strongSwan initiates all (start_action = start) and rekeys every
#         CHILD SA after SCALE_LIFE s (rand_time 0); vtun-iked responds
#   iked  vtun-iked initiates all (start always), ESP lifetime SCALE_LIFE
#         (it rekeys at 85-95 % of it); strongSwan never rekeys
#   swsw  strongSwan at A (charon) instead of vtun-iked, initiating and
#         rekeying as in "sw" (the reference; bench_ike.sh only)
# Each job: all tunnels up, all CHILD SAs rekeyed once with every IKE SA
# kept, then every CHILD SA's SPIs the same at both ends (vtunctl ike
# show / swanctl --list-sas) and present in both kernels (vtun devices,
# XFRM). With SCALE_TABLE=1 it prints the figures (selftests/bench_ike.sh):
# setup and rekey wall time and rate, each daemon's CPU time per tunnel
# and rekey (busy-machine proof), and its RSS growth per IKE SA.
# vtun-iked demands no cookies and charon blocks no half-open IKE SAs of
# one peer address: a hub's burst is the job here. charon at B keeps its
# per-address cookie threshold (3) against vtun-iked initiating, which
# paces itself (initiate-limit 1): the check that B demanded no cookie
# fails on a burst. SCALE_IKE_LIFE (bench: 180 s) adds a round of IKE SA
# rekeys; SCALE_DIAG=1 prints where the setup time went.
# CI default: 20 tunnels, SCALE_LIFE 12 s.
# vtun-kernels: 6.12
# vtun-timeout: 240

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/ike_lib.sh"

command -v swanctl >/dev/null && [ -x "$SW_CHARON" ] ||
	skip_all "strongSwan (charon, swanctl) not installed"
need_modules veth xfrm_user esp4 || skip_all "missing modules"
[ -x "$VTUN_IKED" ] || skip_all "vtun-iked not built"
command -v jq >/dev/null || skip_all "jq not installed"
vtun_load || skip_all "cannot load vtun"

SCALE_N=${SCALE_N:-20}
SCALE_LIFE=${SCALE_LIFE:-12}
SCALE_IKE_LIFE=${SCALE_IKE_LIFE:-0}
SCALE_JOBS=${SCALE_JOBS:-sw iked}
SCALE_TABLE=${SCALE_TABLE:-0}
SCALE_DIAG=${SCALE_DIAG:-0}
[ "$SCALE_N" -le 240 ] || skip_all "SCALE_N is at most 240"
TMP=$(mktemp -d)
defer rm -rf "$TMP"
PSK=vtun-test-psk
HZ=$(getconf CLK_TCK)
WARN0=$(dmesg 2>/dev/null | grep -cE '(WARNING|BUG):')

# One initiator's hundreds of half-open IKE SAs are the job here, not an
# attack: neither side blocks that peer. strongSwan at B keeps its own
# per-address cookie threshold (cookie_threshold_ip, 3) against vtun-iked,
# which paces its initiation (initiate-limit) to stay under it; against
# strongSwan at A (swsw), which does not pace, B demands no cookies.
SW_OPTS="cookie_threshold = 100000
		block_threshold = 100000"
SW_OPTS_NOCOOKIE="$SW_OPTS
		cookie_threshold_ip = 100000"

peer() { echo "192.0.2.$((9 + $1))"; }	# B's address of tunnel I

# sc_iked START LIFE IKE_LIFE: vtun-iked at A, tunnels t1..tN on vtun1..vtunN
sc_iked() {
	local i d
	d=$(iked_dir "$A")
	{
		echo "log-level $([ "$SCALE_DIAG" = 1 ] && echo debug || echo info);"
		echo "control-socket $d/iked.sock;"
		echo "cookie-threshold 100000;"
		echo "ike-crypto-profile ike { encryption aes-gcm-16-128; prf sha256;"
		echo "	dh-group 31; lifetime $3; }"
		echo "ipsec-crypto-profile esp { protocol esp; encryption aes-gcm-16-128;"
		echo "	dh-group none; esn no; lifetime $2; }"
		for ((i = 1; i <= SCALE_N; i++)); do
			echo "ike-gateway g$i { local-address ${UL4[0]}; peer-address $(peer $i);"
			echo "	local-id fqdn:hub.$SW_DOMAIN; peer-id fqdn:s$i.$SW_DOMAIN;"
			echo "	authentication psk \"$PSK\"; ike-crypto-profile ike; version 2; }"
			echo "ipsec-tunnel t$i { interface vtun$i; ike-gateway g$i;"
			echo "	ipsec-crypto-profile esp; start $1; }"
		done
	} | iked_conf "$A"
}

# sc_sw NS LOCAL|- START REKEY IKE_REKEY: NS's swanctl.conf, connections t1..tN
# (LOCAL -: each its own address, the remote A; else from LOCAL to each)
sc_sw() {
	local ns=$1 i l r lid rid
	{
		echo "connections {"
		for ((i = 1; i <= SCALE_N; i++)); do
			if [ "$2" = - ]; then
				l=$(peer $i) r=${UL4[0]}
				lid=s$i.$SW_DOMAIN rid=hub.$SW_DOMAIN
			else
				l=$2 r=$(peer $i)
				lid=hub.$SW_DOMAIN rid=s$i.$SW_DOMAIN
			fi
			cat <<-EOF
			t$i {
				local_addrs = $l
				remote_addrs = $r
				proposals = aes128gcm16-prfsha256-x25519
				rekey_time = $5
				mobike = no
				local { auth = psk
					id = $lid }
				remote { auth = psk
					id = $rid }
				children { t$i {
					local_ts = 0.0.0.0/0
					remote_ts = 0.0.0.0/0
					esp_proposals = aes128gcm16
					if_id_in = $((100 + i))
					if_id_out = $((100 + i))
					rekey_time = $4
					rand_time = 0
					start_action = $3
				} }
			}
			EOF
		done
		echo "}"
		printf 'secrets {\n\tike-all {\n\t\tsecret = "%s"\n\t}\n}\n' "$PSK"
	} | sw_conf "$ns"
}

pid_of() { # NS KIND(iked|sw): the daemon's pid
	if [ "$2" = iked ]; then cat "$(iked_dir "$1")/pid"; else cat "$(sw_dir "$1")/pid"; fi
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
now() { date +%s.%N; }

# chld NS KIND: "NAME SPI_IN SPI_OUT" of each installed CHILD SA, sorted
chld() {
	local l
	if [ "$2" = iked ]; then l=$(iked_sas "$1"); else l=$(sw_sas "$1"); fi || return
	awk '$1 == "child" && / state=INSTALLED / {
		delete v
		for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		print $2, v["spi_in"], v["spi_out"]
	}' <<<"$l" | sort
}
# ike_spis NS KIND: the initiator SPI of each established IKE SA, sorted
ike_spis() {
	local l
	if [ "$2" = iked ]; then l=$(iked_sas "$1"); else l=$(sw_sas "$1"); fi || return
	awk '$1 == "ike" && / state=ESTABLISHED / {
		for (i = 3; i <= NF; i++) if ($i ~ /^spi_i=/) print substr($i, 7)
	}' <<<"$l" | sort
}
# all_ike_rekeyed NS KIND OLD: SCALE_N IKE SAs, none of them in OLD
all_ike_rekeyed() {
	ike_spis "$1" "$2" >"$TMP/ike-cur" || return
	[ "$(wc -l <"$TMP/ike-cur")" = "$SCALE_N" ] || return
	! grep -qxFf "$3" "$TMP/ike-cur"
}
# nup NS KIND: how many tunnels have an installed CHILD SA
nup() { chld "$1" "$2" | awk '{ print $1 }' | sort -u | wc -l; }
# all_up NS KIND: all SCALE_N
all_up() { [ "$(nup "$1" "$2")" = "$SCALE_N" ]; }
# all_rekeyed NS KIND OLD: every tunnel up with none of the SPIs of OLD
# (files, not <(...): the guest has no /dev/fd)
all_rekeyed() {
	chld "$1" "$2" >"$TMP/cur" || return
	[ "$(wc -l <"$3")" -ge "$SCALE_N" ] || return
	[ "$(awk '{ print $1 }' "$TMP/cur" | sort -u | wc -l)" = "$SCALE_N" ] || return
	awk '{ print $2 }' "$3" >"$TMP/old-spis"
	awk '{ print $2 }' "$TMP/cur" >"$TMP/cur-spis"
	! grep -qxFf "$TMP/old-spis" "$TMP/cur-spis"
}
# n_ike NS KIND: established IKE SAs
n_ike() {
	if [ "$2" = iked ]; then
		iked_ctl "$1" -j show | jq '[.["ike-sas"][] | select(.state == "established")] | length'
	else
		sw_swanctl "$1" --stats | sed -n 's/^IKE_SAs: \([0-9]*\) total.*/\1/p'
	fi
}

# kernel_has NS KIND PAIRS: both SPIs of each line of PAIRS in NS's kernel
kernel_has() {
	if [ "$2" = iked ]; then
		ip netns exec "$1" "$VTUNCTL" -j sa show | jq -r "$_JQ_HEX"' .[].spi | hex'
	else
		xfrm_spis "$1"
	fi | sort -u >"$TMP/k"
	[ -z "$(awk '{ print $2; print $3 }' "$3" | sort -u | comm -23 - "$TMP/k")" ]
}

# wait_up LIMIT KA: every tunnel up at A (polled each second, each count
# kept in $TMP/timeline as "SECONDS COUNT"), then at B
wait_up() {
	local end=$((SECONDS + $1)) t0=$SECONDS n
	: >"$TMP/timeline"
	while :; do
		n=$(nup "$A" "$2")
		echo "$((SECONDS - t0)) $n" >>"$TMP/timeline"
		[ "$n" = "$SCALE_N" ] && break
		[ $SECONDS -ge $end ] && return 1
		sleep 1
	done
	retry $((end - SECONDS + 5)) all_up "$B" sw
}

# udp_errs NS: "RcvbufErrors InErrors" of NS's UDP
udp_errs() {
	ip netns exec "$1" awk '$1 == "Udp:" && !h { for (i = 2; i <= NF; i++) c[$i] = i; h = 1; next }
		$1 == "Udp:" { print $c["RcvbufErrors"], $c["InErrors"] }' /proc/net/snmp
}

# scale_diag NAME KA: where the time went (SCALE_DIAG=1)
scale_diag() {
	local l
	diag "$1: tunnels up at A over time (s count): $(awk 'NR % 5 == 1 { printf "%s:%s ", $1, $2 }
		END { printf "%s:%s", $1, $2 }' "$TMP/timeline")"
	diag "$1: UDP RcvbufErrors InErrors: A $(udp_errs "$A"), B $(udp_errs "$B")"
	l=$(sw_dir "$B")/charon.log
	diag "$1: charon B: $(for p in 'received packet' 'sending packet' retransmit ignor COOKIE \
		'half.open' 'IKE_SA .* established' 'CHILD_SA .* established' 'INITIAL_CONTACT' \
		delet fail 'no IKE config' 'no matching peer config' 'NO_PROPOSAL' 'invalid'; do
		printf '%s=%s ' "$p" "$(grep -ciE "$p" "$l")"; done)"
	diag "$1: charon B established per second: $(sed -n 's/^\([0-9:]*\) .*IKE_SA .* established.*/\1/p' "$l" |
		uniq -c | awk '{ printf "%s:%s ", $2, $1 }')"
	if [ "$2" = iked ]; then
		l=$(iked_dir "$A")/iked.log
		diag "$1: vtun-iked A: $(for p in initiating retransmit established failed \
			'timed out' dropped INITIAL_CONTACT delet error warning; do
			printf '%s=%s ' "$p" "$(grep -ciE "$p" "$l")"; done)"
		grep -iE 'failed|error|warning' "$l" | sort | uniq -c | sort -rn | head -n 8 | sed 's/^/#   /'
	else
		l=$(sw_dir "$A")/charon.log
		diag "$1: charon A: $(for p in retransmit ignor COOKIE 'IKE_SA .* established'; do
			printf '%s=%s ' "$p" "$(grep -ciE "$p" "$l")"; done)"
	fi
}

declare -a ROWS
# job NAME: one job (see the top); A is KA, B strongSwan
job() {
	local name=$1 ka=iked init rk_a=0 rk_b=0 ik_a=0 ik_b=0 pa pb ra rb ca cb t0 t1 t2 t3 ok=1
	local t4=0 t5=0
	topo_reset
	topo_underlay || { fail "$name: underlay"; return; }
	for ((i = 1; i <= SCALE_N; i++)); do echo "addr add $(peer $i)/24 dev ul0"; done |
		ip -n "$B" -batch - || { fail "$name: addresses"; return; }
	case $name in
	sw) init=B rk_b=$SCALE_LIFE ik_b=$SCALE_IKE_LIFE ;;
	iked) init=A ;;
	swsw) init=A ka=sw rk_a=$SCALE_LIFE ik_a=$SCALE_IKE_LIFE ;;
	esac
	# shellcheck disable=SC2034 # read by ike_lib.sh
	if [ $name = swsw ]; then SW_CHARON_OPTS=$SW_OPTS_NOCOOKIE; else SW_CHARON_OPTS=$SW_OPTS; fi
	check_ok "$name: strongSwan at B starts" sw_start "$B" || return
	[ $ka = sw ] && { check_ok "$name: strongSwan at A starts" sw_start "$A" || return; }
	if [ $ka = iked ]; then
		sc_iked "$([ $init = A ] && echo always || echo responder)" \
			"$([ $init = A ] && echo "$SCALE_LIFE" || echo 1h)" \
			"$([ $init = A ] && [ "$SCALE_IKE_LIFE" != 0 ] && echo "$SCALE_IKE_LIFE" || echo 8h)"
	fi
	sc_sw "$B" - "$([ $init = B ] && echo start || echo none)" "$rk_b" "$ik_b"
	[ $ka = sw ] && sc_sw "$A" "${UL4[0]}" start "$rk_a" "$ik_a"
	pb=$(pid_of "$B" sw)
	if [ $init = B ]; then
		check_ok "$name: vtun-iked starts" iked_start "$A" || return
		# its figures start once every tunnel's device is set up
		retry 60 grep -q "running with" "$(iked_dir "$A")/iked.log"
		pa=$(pid_of "$A" iked)
		ra=$(rss_kb "$pa") rb=$(rss_kb "$pb") ca=$(cpu_ticks "$pa") cb=$(cpu_ticks "$pb")
		t0=$(now)
		check "$name: strongSwan loads and initiates" sw_load "$B"
	else
		check "$name: strongSwan at B loads" sw_load "$B"
		rb=$(rss_kb "$pb") cb=$(cpu_ticks "$pb")
		t0=$(now)
		if [ $ka = iked ]; then
			check_ok "$name: vtun-iked starts" iked_start "$A" || return
		else
			pa=$(pid_of "$A" sw) ra=$(rss_kb "$pa") ca=$(cpu_ticks "$pa")
			check "$name: strongSwan at A loads and initiates" sw_load "$A"
		fi
		# vtun-iked's figures start once it is running with its configuration
		[ $ka = iked ] && { pa=$(pid_of "$A" iked) ra=$(rss_kb "$pa") ca=$(cpu_ticks "$pa"); }
	fi
	check_ok "$name: all $SCALE_N tunnels up at both ends" \
		wait_up $((30 + SCALE_N)) $ka || ok=0
	t1=$(now)
	[ "$SCALE_DIAG" = 1 ] && scale_diag "$name" $ka
	# a burst above B's per-address threshold fetches a cookie for all but
	# the first tunnels; paced by vtun-iked's default limit, none
	[ $init = A ] && [ $ka = iked ] && check_eq "$name: strongSwan demanded no cookie" \
		"$(grep -c 'N(COOKIE)' "$(sw_dir "$B")/charon.log")" 0
	ike_spis "$A" $ka >"$TMP/ike-old"
	local ra1 rb1 ca1 cb1
	ra1=$(rss_kb "$pa") rb1=$(rss_kb "$pb") ca1=$(cpu_ticks "$pa") cb1=$(cpu_ticks "$pb")
	chld "$A" $ka >"$TMP/old"
	check_ok "$name: every CHILD SA rekeyed once" \
		retry $((SCALE_LIFE * 2 + 30 + SCALE_N)) all_rekeyed "$A" $ka "$TMP/old" || ok=0
	t3=$(now)
	# when the first rekey was seen is not polled for: the round starts
	# at the first SA's scheduled rekey, SCALE_LIFE (iked: 85 %) after t0
	t2=$(awk -v t="$t0" -v l="$SCALE_LIFE" -v k="$ka$init" \
		'BEGIN { printf "%.3f", t + l * (k == "ikedA" ? 0.85 : 1) }')
	local ca2 cb2
	ca2=$(cpu_ticks "$pa") cb2=$(cpu_ticks "$pb")
	# IKE SAs (SCALE_IKE_LIFE, bench only): rekeyed once each after the
	# CHILD SAs by the side that initiated, the round from 85 % (vtun-iked)
	# or 90 % (charon's default rand_time) of SCALE_IKE_LIFE after t0 on
	if [ "$SCALE_IKE_LIFE" != 0 ]; then
		check_ok "$name: every IKE SA rekeyed once" \
			retry $((SCALE_IKE_LIFE + 30 + SCALE_N)) all_ike_rekeyed "$A" $ka "$TMP/ike-old" || ok=0
		t5=$(now)
		t4=$(awk -v t="$t0" -v l="$SCALE_IKE_LIFE" -v k="$ka$init" -v t3="$t3" \
			'BEGIN { s = t + l * (k == "ikedA" ? 0.85 : 0.9); printf "%.3f", (s > t3 ? s : t3) }')
	fi
	check_eq "$name: $SCALE_N IKE SAs at A after the rekeys" "$(n_ike "$A" $ka)" "$SCALE_N"
	check_eq "$name: $SCALE_N IKE SAs at B after the rekeys" "$(n_ike "$B" sw)" "$SCALE_N"
	# the same CHILD SAs at both ends (B's in/out are A's out/in), in both kernels
	check_ok "$name: both ends agree on every CHILD SA" retry 10 eval '
		chld "$A" $ka >"$TMP/a" && chld "$B" sw | awk "{ print \$1, \$3, \$2 }" >"$TMP/b" &&
		diff "$TMP/a" "$TMP/b" >/dev/null' || { diff "$TMP/a" "$TMP/b" | head -n 10 | sed 's/^/#   /'; ok=0; }
	check "$name: A's kernel has every SA" kernel_has "$A" $ka "$TMP/a"
	check "$name: B's kernel has every SA" kernel_has "$B" sw "$TMP/b"
	[ $ka = iked ] && check "$name: vtun-iked lost no kernel event" \
		eval '! grep -q "events lost" "$(iked_dir "$A")/iked.log"'
	if [ "$_T_FAIL" != 0 ] && [ $ka = iked ]; then
		grep -E 'error|warning|dropped|lost' "$(iked_dir "$A")/iked.log" | tail -n 20 | sed 's/^/#   /'
	fi
	[ $ok = 1 ] || return 0
	ROWS+=("$(awk -v n="$SCALE_N" -v hz="$HZ" -v name="$name" -v ka=$ka \
		-v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" -v t4="$t4" -v t5="$t5" \
		-v ra="$ra" -v ra1="$ra1" -v rb="$rb" -v rb1="$rb1" \
		-v ca="$ca" -v ca1="$ca1" -v ca2="$ca2" -v cb="$cb" -v cb1="$cb1" -v cb2="$cb2" 'BEGIN {
		su = t1 - t0; rk = t3 - (t2 > t1 ? t2 : t1); ik = t5 - t4
		printf "%-5s %5d %7.1f %7.1f %7.1f %7.1f %7s %6.1f %6.1f %6.1f %6.1f %6.1f %6.1f",
			name, n, su, n / su, rk, n / rk, (ik > 0 ? sprintf("%.1f", n / ik) : "-"),
			(ca1 - ca) * 1000 / hz / n, (ca2 - ca1) * 1000 / hz / n,
			(cb1 - cb) * 1000 / hz / n, (cb2 - cb1) * 1000 / hz / n,
			(ra1 - ra) / n, (rb1 - rb) / n
	}')")
	iked_stop "$A"
}

for j in $SCALE_JOBS; do job "$j"; done
topo_reset
check_eq "no kernel warning" "$(dmesg 2>/dev/null | grep -cE '(WARNING|BUG):')" "$WARN0"
if [ "$SCALE_TABLE" = 1 ]; then
	diag "A: vtun-iked (swsw: charon), B: charon; who initiates and rekeys: see the job"
	diag "job   tunnels setup_s tun/s  rekey_s rek/s  ike_rk/s A_ms/t A_ms/r B_ms/t B_ms/r A_kB/SA B_kB/SA"
	for r in "${ROWS[@]}"; do diag "$r"; done
fi
tap_done
