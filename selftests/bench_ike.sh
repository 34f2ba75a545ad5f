#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IKE at scale (make bench-ike): ike_scale.sh with BENCH_N tunnels (200)
# and CHILD SA lifetimes of BENCH_LIFE s (120: longer than the setup of
# 200 tunnels in a TCG guest, so the rekey round comes after it), IKE SA
# lifetimes of BENCH_IKE_LIFE s (180: a second round, of IKE SA rekeys,
# after that of the CHILD SAs; 0: none), jobs
# BENCH_JOBS ("sw iked swsw": strongSwan initiates to vtun-iked,
# vtun-iked initiates to strongSwan, strongSwan to strongSwan), printing
# the figures table. Wall times depend on how busy the machine is; the
# CPU time per tunnel and per rekey less so.
# vtun-timeout: 2400

export SCALE_N=${BENCH_N:-200} SCALE_LIFE=${BENCH_LIFE:-120}
export SCALE_IKE_LIFE=${BENCH_IKE_LIFE:-180}
export SCALE_JOBS=${BENCH_JOBS:-sw iked swsw} SCALE_TABLE=1 SCALE_DIAG=${BENCH_DIAG:-0}
exec bash "$(dirname "$0")/ike_scale.sh"
