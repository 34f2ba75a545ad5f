#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ESP tunnel mode on the wire: vtun against Linux XFRM (an xfrm interface
# with the same keys) and against vtun, for every algorithm and all four
# inner/outer address family combinations, both directions: ping and a
# TCP transfer whose bytes are verified.
# vtun-timeout: 2700

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

vtun_load || skip_all "cannot load vtun"
need_modules veth xfrm_interface esp4 esp6 xfrm_user

ALGS_RUN=${ESP_ALGS:-$ALG_NAMES}

# run_pair PEER ALG OUTER: set up A (vtun) and B (PEER), test both inners.
run_pair() {
	local peer=$1 alg=$2 outer=$3 inner tag
	topo_underlay || { fail "$peer $alg: underlay"; return; }
	if ! site_vtun "$A" 0 "$outer" "$alg" ||
	   ! "site_$peer" "$B" 1 "$outer" "$alg"; then
		fail "$peer $alg outer v$outer: configure"
		topo_reset
		return
	fi
	for inner in 4 6; do
		tag="vtun-$peer $alg inner v$inner outer v$outer"
		check "$tag: ping A->B" overlay_ping "$A" 0 "$inner"
		check "$tag: ping B->A" overlay_ping "$B" 1 "$inner"
		check "$tag: TCP A->B bytes verified" overlay_tcp "$B" 1 "$A" "$inner" 65536
		check "$tag: TCP B->A bytes verified" overlay_tcp "$A" 0 "$B" "$inner" 65536
	done
	topo_reset
}

# Each pair has namespaces of its own: run them side by side.
for alg in $ALGS_RUN; do
	for outer in 4 6; do
		par_run run_pair xfrm "$alg" "$outer"
		par_run run_pair vtun "$alg" "$outer"
	done
done
par_wait

tap_done
