#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Generate the uapi header and the kernel policies from the netlink spec
# with the kernel's own YNL generator (tools/net/ynl from linux-source).
# With --check, only verify that the committed files are up to date.

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
spec=Documentation/netlink/specs/vtun.yaml
src=$("$top/scripts/linux-source.sh")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The generator finds the schema and the tree root relative to the spec.
mkdir -p "$work/Documentation/netlink/specs" "$work/out"
touch "$work/MAINTAINERS"
cp "$src/Documentation/netlink/genetlink.yaml" "$work/Documentation/netlink/"
# Ops are flagged uns-admin-perm (CAP_NET_ADMIN in the user namespace that
# owns the network namespace, as WireGuard does); the kernel's generator
# emits it, only its genetlink schema (unlike genetlink-legacy) lacks it.
sed -i 's/enum: \[ admin-perm \]/enum: [ admin-perm, uns-admin-perm ]/' \
	"$work/Documentation/netlink/genetlink.yaml"
cp "$top/$spec" "$work/$spec"

gen() {
	python3 "$src/tools/net/ynl/ynl-gen-c.py" --spec "$work/$spec" \
		--mode "$1" "$2" -o "$work/out/$3"
}
gen uapi --header vtun.h
gen kernel --header netlink-gen.h
gen kernel --source netlink-gen.c

status=0
for f in uapi/linux/vtun.h kernel/netlink-gen.h kernel/netlink-gen.c; do
	new=$work/out/$(basename "$f")
	if [ "${1:-}" = --check ]; then
		diff -u "$top/$f" "$new" || status=1
	else
		cp "$new" "$top/$f"
	fi
done
[ $status = 0 ] || echo "spec and generated files differ: run 'make spec'" >&2
exit $status
