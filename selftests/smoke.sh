#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module loads, a vtun link can be made and removed, the module unloads.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

check "module loads" vtun_load
check "module is live" test "$(cat /sys/module/vtun/initstate 2>/dev/null)" = live

ns=
ns_new ns
if ! err=$(ns_exec "$ns" ip link add vtun0 type vtun 2>&1); then
	case $err in
	*"Unknown device type"* | *"not supported"*)
		skip "ip link add type vtun" "module has no vtun link type" ;;
	*) fail "ip link add type vtun"; diag "$err" ;;
	esac
else
	pass "ip link add type vtun"
	check "link is listed with kind vtun" \
		sh -c "ip -n $ns -d link show vtun0 | grep -qw vtun"
	check "link goes up" ns_exec "$ns" ip link set vtun0 up
	check "link is deleted" ns_exec "$ns" ip link del vtun0
	check_fail "link is gone" ns_exec "$ns" ip link show vtun0
fi

check "module unloads" vtun_unload
check "module loads again" vtun_load
tap_done
