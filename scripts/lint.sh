#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch (from Debian's linux-source), the netlink spec check, and
# W=1 + sparse builds of the module against each cached Debian kernel.

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${VTUN_CACHE:-/var/cache/vtun}
src=$("$top/scripts/linux-source.sh")
status=0

cd "$top" || exit 1
# compat.h compares kernel versions by design; generated files are the
# generator's.
files=$(ls kernel/*.[ch] | grep -v -e netlink-gen -e compat.h)
perl "$src/scripts/checkpatch.pl" --no-tree --terse --strict \
	--ignore FILE_PATH_CHANGES -f $files || status=1
bash scripts/ynl-gen.sh --check || status=1

for kdir in "$cache"/kernels/*/usr/src/linux-headers-*-amd64; do
	build=$(mktemp -d)
	cp -a Kbuild kernel uapi "$build/"
	echo "== $(basename "$kdir"): W=1 C=1"
	make -s -C "$kdir" M="$build" W=1 C=1 modules 2>&1 |
		grep -E "^$build/.*(warning|error)" && status=1
	rm -rf "$build"
done
exit $status
