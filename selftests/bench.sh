#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (not a test): single-flow TCP throughput (iperf3) between two
# namespaces over plain veth, vtun and an xfrm interface with AES-256-GCM,
# vtun with ChaCha20-Poly1305, and WireGuard, all in this one guest.
# Then vtun with 250 proxy IDs, the traffic matching the last, against
# one proxy ID. Prints each median and the ratios vtun/xfrmi,
# vtun-chacha/WireGuard and 250/1 proxy IDs. BENCH_ONLY=GLOB runs only
# the cases whose name matches.
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

# iperf_median ADDR: median Mbit/s of REPS runs from A to B's ADDR
iperf_median() {
	local i out=()
	ns_exec "$B" iperf3 -s -D -1 >/dev/null 2>&1
	for i in $(seq "$REPS"); do
		ns_exec "$B" iperf3 -s -D -1 >/dev/null 2>&1
		sleep 0.3
		out+=("$(ns_exec "$A" iperf3 -c "$1" -t "$SECS" -J 2>/dev/null |
			python3 -c 'import json,sys
try: print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))
except Exception: print(0)')")
	done
	printf '%s\n' "${out[@]}" | sort -n | sed -n "$(((REPS + 1) / 2))p"
}

declare -A R
bench() { # NAME SETUP...
	local name=$1
	shift
	# shellcheck disable=SC2053 # a glob
	[[ $name == $ONLY ]] || return 0
	topo_underlay && "$@" || { echo "$name: setup failed"; R[$name]=0; topo_reset; return; }
	R[$name]=$(iperf_median "$ADDR")
	echo "$name: ${R[$name]} Mbit/s"
	topo_reset
}

veth_setup() { ADDR=${UL4[1]}; }
vtun_setup() { site_vtun "$A" 0 4 "$1" && site_vtun "$B" 1 4 "$1" && ADDR=${OV4[1]}; }
xfrm_setup() { site_xfrm "$A" 0 4 "$1" && site_xfrm "$B" 1 4 "$1" && ADDR=${OV4[1]}; }
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
	site_overlay "$A" 0 vtun0 && ADDR=${OV4[1]}
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
	site_overlay "$A" 0 wg0 && site_overlay "$B" 1 wg0 && ADDR=${OV4[1]}
}

bench veth veth_setup
bench vtun-gcm256 vtun_setup gcm256
bench xfrmi-gcm256 xfrm_setup gcm256
bench vtun-chacha vtun_setup chacha
bench wireguard wg_setup
bench vtun-pid1 pid_setup 1
bench vtun-pid250 pid_setup 250

ratio() { python3 -c "print(f'{$1 / $2:.2f}' if $2 else 'n/a')"; }
echo "ratio vtun/xfrmi (AES-256-GCM): $(ratio "${R[vtun-gcm256]:-0}" "${R[xfrmi-gcm256]:-0}")"
echo "ratio vtun-chacha/WireGuard: $(ratio "${R[vtun-chacha]:-0}" "${R[wireguard]:-0}")"
echo "ratio vtun 250/1 proxy IDs (AES-256-GCM): $(ratio "${R[vtun-pid250]:-0}" "${R[vtun-pid1]:-0}")"
