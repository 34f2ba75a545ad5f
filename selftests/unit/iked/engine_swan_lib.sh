# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# For engine_swan.sh and engine_swan_scale.sh (sourced, from this
# directory): engine_udp built into $DIR, namespaces $NS_V (the engine,
# 192.0.2.1 on v0) and $NS_S (charon, on s0), charon started there on
# $DIR/strongswan.conf (its vici socket $DIR/charon.vici), its pid in
# CHARON_PID.

# swan_build: $DIR/engine_udp
swan_build() {
	local iked=../../../userspace/iked

	# shellcheck disable=SC2046 # one word per source file
	cc -std=gnu11 -g -O2 -Wall -Wextra -Werror -I$iked -o "$DIR/engine_udp" \
		engine_udp.c $(make -s --no-print-directory -C $iked print-engine-srcs) \
		-lcrypto
}

# swan_netns ADDR...: the two namespaces, ADDRs (/24) on charon's s0
swan_netns() {
	local a ns

	ip netns add "$NS_S" && ip netns add "$NS_V" || return
	ip link add v0 netns "$NS_V" type veth peer name s0 netns "$NS_S" || return
	ip -n "$NS_V" addr add 192.0.2.1/24 dev v0 || return
	for a in "$@"; do echo "addr add $a/24 dev s0"; done | ip -n "$NS_S" -batch - || return
	for ns in "$NS_V" "$NS_S"; do
		ip -n "$ns" link set lo up || return
	done
	ip -n "$NS_V" link set v0 up && ip -n "$NS_S" link set s0 up
}

# swan_charon: charon in $NS_S, once its vici socket is there
swan_charon() {
	# A /run of its own (ip netns exec's mount namespace): charon refuses
	# to start while another one's /run/charon.pid exists.
	ip netns exec "$NS_S" env STRONGSWAN_CONF="$DIR/strongswan.conf" \
		sh -c 'mount -t tmpfs tmpfs /run && exec /usr/lib/ipsec/charon' \
		>"$DIR/charon.out" 2>&1 &
	# shellcheck disable=SC2034 # the caller kills it
	CHARON_PID=$!
	for _ in $(seq 30); do
		[ -S "$DIR/charon.vici" ] && return 0
		sleep 0.3
	done
	echo "charon did not start"
	return 1
}
