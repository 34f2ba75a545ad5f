#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (not a test): single-flow TCP throughput (iperf3) between two
# namespaces over plain veth, vtun and an xfrm interface with AES-256-GCM,
# vtun with AES-256-GCM and lifetime limits on both SAs (never reached),
# vtun with ChaCha20-Poly1305, and WireGuard; vtun with 250 proxy IDs, the
# traffic matching the last, against one proxy ID. All in this one guest:
# every configuration has its own pair of namespaces, set up once, and
# each round measures every configuration once (in an order rotated by
# one each round), so that a drift of the machine's speed spreads over
# all of them. Every inner link has the same MTU (the smallest of the
# defaults, or BENCH_MTU). Prints each configuration's median over the
# rounds and the ratios vtun/xfrmi, vtun-limits/vtun, vtun-chacha/WireGuard
# and 250/1 proxy IDs.
#
# BENCH_REPS rounds (3) of BENCH_SECS seconds (5); BENCH_ONLY="GLOB..."
# (space or comma separated) measures only the configurations whose name
# matches one of them.
# vtun-timeout: 1200

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

REPS=${BENCH_REPS:-3}
ONLY=${BENCH_ONLY:-*}
SECS=${BENCH_SECS:-5}

vtun_load || { echo "cannot load vtun"; exit 1; }
need_modules veth xfrm_interface esp4 xfrm_user wireguard
# The accelerated transforms, as a router would have them loaded.
need_modules aesni_intel chacha20poly1305 || true

# Limits on both SAs of vtun-limits: soft and hard, by bytes, packets,
# time since add and since first use, none reached during the run.
LIMITS=(limit byte-soft 1000000000000000 limit byte-hard 2000000000000000
	limit packet-soft 1000000000000 limit packet-hard 2000000000000
	limit time-soft 86400 limit time-hard 172800
	limit time-use-soft 86400 limit time-use-hard 172800)

# Per configuration, in measuring order: its namespaces, the address
# iperf3 connects to, the inner device and the throughput of each round.
NAMES=()
declare -A NS_A NS_B ADDR_OF DEV_OF RUNS R

selected() {
	local g gs
	IFS=', ' read -ra gs <<<"$ONLY"
	for g in "${gs[@]}"; do
		# shellcheck disable=SC2053 # a glob
		[[ $1 == $g ]] && return 0
	done
	return 1
}

# config NAME SETUP...: namespaces A and B for NAME, set up by SETUP,
# which sets ADDR and DEV
config() {
	local name=$1
	shift
	selected "$name" || return 0
	ADDR='' DEV=''
	if ! topo_underlay || ! "$@"; then
		echo "$name: setup failed"
		R[$name]=0
		return
	fi
	NAMES+=("$name")
	NS_A[$name]=$A NS_B[$name]=$B ADDR_OF[$name]=$ADDR DEV_OF[$name]=$DEV
}

veth_setup() { ADDR=${UL4[1]} DEV=ul0; }
vtun_setup() {
	site_vtun "$A" 0 4 "$@" && site_vtun "$B" 1 4 "$@" &&
	ADDR=${OV4[1]} DEV=vtun0
}
# limits_setup: vtun_setup with LIMITS, and the SAs show them
limits_setup() {
	vtun_setup gcm256 "${LIMITS[@]}" &&
	ns_exec "$A" "$VTUNCTL" sa show vtun0 | grep -c "limit byte-hard" |
		grep -qx 2 &&
	ns_exec "$B" "$VTUNCTL" sa show vtun0 | grep -c "limit byte-hard" |
		grep -qx 2
}
xfrm_setup() {
	site_xfrm "$A" 0 4 "$1" && site_xfrm "$B" 1 4 "$1" &&
	ADDR=${OV4[1]} DEV=xfrm0
}
# pid_setup N: A matches N proxy IDs, the traffic the last; B plain
pid_setup() {
	local n=$1 i
	site_vtun "$B" 1 4 gcm256 &&
	ns_exec "$A" "$VTUNCTL" link add vtun0 local "${UL4[0]}" remote "${UL4[1]}" || return
	for i in $(seq 1 $((n - 1))); do
		ns_exec "$A" "$VTUNCTL" proxy-id add vtun0 id "$i" \
			local "10.100.$i.0/24" remote "10.200.$i.0/24" || return
	done
	# shellcheck disable=SC2046
	ns_exec "$A" "$VTUNCTL" proxy-id add vtun0 id "$n" \
		local "${OV4[0]}/32" remote "${OV4[1]}/32" &&
	ns_exec "$A" "$VTUNCTL" sa add vtun0 dir out spi "$SPI_AB" proto esp \
		$(alg_vtun gcm256) proxy-id "$n" &&
	ns_exec "$A" "$VTUNCTL" sa add vtun0 dir in spi "$SPI_BA" proto esp \
		$(alg_vtun gcm256) proxy-id "$n" &&
	site_overlay "$A" 0 vtun0 && ADDR=${OV4[1]} DEV=vtun0
}
wg_setup() {
	local ka kb
	ka=$(mktemp /tmp/vtun-wg.XXXXXX) kb=$(mktemp /tmp/vtun-wg.XXXXXX)
	defer rm -f "$ka" "$kb"
	wg genkey >"$ka" && wg genkey >"$kb" &&
	ip -n "$A" link add wg0 type wireguard && ip -n "$B" link add wg0 type wireguard &&
	ns_exec "$A" wg set wg0 private-key "$ka" listen-port 51820 \
		peer "$(wg pubkey <"$kb")" allowed-ips 0.0.0.0/0 endpoint "${UL4[1]}:51820" &&
	ns_exec "$B" wg set wg0 private-key "$kb" listen-port 51820 \
		peer "$(wg pubkey <"$ka")" allowed-ips 0.0.0.0/0 endpoint "${UL4[0]}:51820" &&
	site_overlay "$A" 0 wg0 && site_overlay "$B" 1 wg0 && ADDR=${OV4[1]} DEV=wg0
}

config veth veth_setup
config vtun-gcm256 vtun_setup gcm256
config vtun-limits limits_setup
config xfrmi-gcm256 xfrm_setup gcm256
config vtun-chacha vtun_setup chacha
config wireguard wg_setup
config vtun-pid1 pid_setup 1
config vtun-pid250 pid_setup 250

mtu_of() { ns_exec "$1" cat "/sys/class/net/$2/mtu"; }

# One inner MTU for all: BENCH_MTU, or the smallest default.
defaults='' MTU=''
for n in "${NAMES[@]}"; do
	m=$(mtu_of "${NS_A[$n]}" "${DEV_OF[$n]}")
	defaults+=" $n $m"
	[ -n "$MTU" ] && [ "$MTU" -le "$m" ] || MTU=$m
done
MTU=${BENCH_MTU:-$MTU}
# set_mtu NAME: MTU on the inner links of NAME, as both ends show
set_mtu() {
	local ns
	for ns in "${NS_A[$1]}" "${NS_B[$1]}"; do
		ip -n "$ns" link set "${DEV_OF[$1]}" mtu "$MTU" &&
		[ "$(mtu_of "$ns" "${DEV_OF[$1]}")" = "$MTU" ] || return
	done
}
for n in "${NAMES[@]}"; do
	set_mtu "$n" || { echo "$n: cannot set MTU $MTU"; exit 1; }
done
[ ${#NAMES[@]} = 0 ] || echo "inner MTU $MTU on every link (defaults:$defaults)"

# A first packet through each: it works, and the kernel's one-time
# switches (the flow hash secret's static key) flip now, while little
# else runs (a TCG guest patching code under a busy CPU can crash).
for n in "${NAMES[@]}"; do
	ns_exec "${NS_A[$n]}" ping -q -c 1 -W 5 "${ADDR_OF[$n]}" >/dev/null ||
		echo "$n: no ping through it"
	sleep 1
done

# iperf NAME: Mbit/s received from A to B in one run of SECS seconds
iperf() {
	local a=${NS_A[$1]} b=${NS_B[$1]}
	ns_exec "$b" iperf3 -s -D -1 >/dev/null 2>&1
	retry 5 sh -c "ip netns exec $b ss -Hltn 'sport = :5201' | grep -q ." ||
		{ echo 0; return; }
	ns_exec "$a" iperf3 -c "${ADDR_OF[$1]}" -t "$SECS" -J 2>/dev/null |
		python3 -c 'import json,sys
try: print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))
except Exception: print(0)'
}

echo "$REPS rounds of $SECS s, ${#NAMES[@]} configurations each round"
nc=${#NAMES[@]}
for r in $(seq 0 $((REPS - 1))); do
	line=
	for i in $(seq 0 $((nc - 1))); do
		n=${NAMES[$(((i + r) % nc))]}
		v=$(iperf "$n")
		RUNS[$n]+=" $v"
		line+=" $n $v"
	done
	echo "round $((r + 1)):$line"
done

for n in "${NAMES[@]}"; do
	# shellcheck disable=SC2086 # a list
	R[$n]=$(printf '%s\n' ${RUNS[$n]} | sort -n | sed -n "$(((REPS + 1) / 2))p")
	echo "$n: ${R[$n]} Mbit/s (median; rounds:${RUNS[$n]})"
done

# ratio A B: median of A / median of B, n/a unless both were measured;
# then the median of the ratios of the rounds (A and B measured side by
# side, the drift of the machine between rounds cancels) and their mean
# with its 95 % confidence interval (Student's t)
ratio() {
	python3 - "${R[$1]:-0}" "${R[$2]:-0}" "${RUNS[$1]:-}" "${RUNS[$2]:-}" <<-'EOF'
	import statistics, sys
	a, b = int(sys.argv[1]), int(sys.argv[2])
	r = [x / y for x, y in zip(map(int, sys.argv[3].split()),
	                           map(int, sys.argv[4].split())) if y]
	if not (a and b and r):
	    print("n/a")
	    sys.exit()
	out = f"{a / b:.3f} (median of the rounds' ratios {statistics.median(r):.3f}"
	if len(r) > 1:
	    # two-sided 95 % t quantiles for 1..30 degrees of freedom
	    t = [12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23,
	         2.20, 2.18, 2.16, 2.14, 2.13, 2.12, 2.11, 2.10, 2.09, 2.09,
	         2.08, 2.07, 2.07, 2.06, 2.06, 2.06, 2.05, 2.05, 2.05, 2.04]
	    h = t[min(len(r), 31) - 2] * statistics.stdev(r) / len(r) ** 0.5
	    m = statistics.mean(r)
	    out += f"; mean {m:.3f}, 95 % interval {m - h:.3f}..{m + h:.3f}"
	print(out + ")")
	EOF
}
echo "ratio vtun/xfrmi (AES-256-GCM): $(ratio vtun-gcm256 xfrmi-gcm256)"
echo "ratio vtun-limits/vtun (AES-256-GCM): $(ratio vtun-limits vtun-gcm256)"
echo "ratio vtun-chacha/WireGuard: $(ratio vtun-chacha wireguard)"
echo "ratio vtun 250/1 proxy IDs (AES-256-GCM): $(ratio vtun-pid250 vtun-pid1)"
