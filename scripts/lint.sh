#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch (from Debian's linux-source), the netlink spec check, and
# W=1 + sparse (C=1) builds of the module against each cached Debian guest
# kernel and Debian's newest kernel. One "ok N lint: STAGE" or "not ok"
# line per stage (TAP-like, without a plan: CI prints it before the test
# runner's TAP), the findings as "# " lines under it, and a last line
# "lint: N passed, N failed". Exits non-zero on any finding.

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${VTUN_CACHE:-/var/cache/vtun}
n=0 passed=0 failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# stage NAME: report the stage whose findings are in $out (empty: clean)
stage() {
	n=$((n + 1))
	if [ -s "$out" ]; then
		echo "not ok $n lint: $1"
		sed 's/^/#   /' "$out" | head -n 60
		failed=$((failed + 1))
	else
		echo "ok $n lint: $1"
		passed=$((passed + 1))
	fi
}

cd "$top" || exit 1

# Kernels (and sparse, checkpatch's source) as the test runner has them.
if kernels=$(bash selftests/vm/deps.sh --print 2>"$out"); then
	eval "$kernels"
	: >"$out"
else
	stage "deps.sh"
fi
src=$("$top/scripts/linux-source.sh")

# compat.h compares kernel versions by design; generated files are the
# generator's.
files=()
for f in kernel/*.[ch]; do
	case $f in
	*netlink-gen* | */compat.h) ;;
	*) files+=("$f") ;;
	esac
done
perl "$src/scripts/checkpatch.pl" --no-tree --terse --strict --quiet \
	--ignore FILE_PATH_CHANGES -f "${files[@]}" 2>&1 | grep -v '^total: ' >"$out"
stage "checkpatch --strict kernel/ (${#files[@]} files)"

if bash scripts/ynl-gen.sh --check >"$out" 2>&1; then
	: >"$out"
elif [ ! -s "$out" ]; then
	echo "scripts/ynl-gen.sh --check failed" >"$out"
fi
stage "spec-check (generated files match the spec)"

# The documentation: reStructuredText without a warning (docutils; Debian's
# python3-docutils if the python3 on PATH has none).
rst_py=python3
if ! python3 -c 'import docutils' 2>/dev/null; then
	rst_py=/usr/bin/python3
	$rst_py -c 'import docutils' 2>/dev/null ||
		apt-get install -y -qq python3-docutils >/dev/null 2>&1
fi
: >"$out"
for f in Documentation/*.rst; do
	$rst_py -c 'import sys
from docutils.core import publish_cmdline
publish_cmdline(writer_name="null", argv=["--halt=warning", "--report=warning", sys.argv[1]])' \
		"$f" >>"$out" 2>&1 || echo "$f: not valid reStructuredText" >>"$out"
done
stage "Documentation/*.rst: reStructuredText without warnings"

# W=1 C=1 KDIR NAME
build_lint() {
	local kdir=$1 build rc
	build=$(mktemp -d)
	cp -a Kbuild kernel uapi "$build/"
	make -s -C "$kdir" M="$build" W=1 C=1 -j"$(nproc)" modules >"$build.log" 2>&1
	rc=$?
	grep -E "^$build/.*(warning|error)" "$build.log" | sed "s|^$build/||" >"$out"
	if [ "$rc" != 0 ] && [ ! -s "$out" ]; then
		tail -n 20 "$build.log" >"$out"
	fi
	rm -rf "$build" "$build.log"
}

for kdir in "$cache"/kernels/*/usr/src/linux-headers-*-amd64 ${KNEW_KDIR:-}; do
	[ -d "$kdir" ] || continue
	build_lint "$kdir"
	stage "$(basename "$kdir" | sed 's/^linux-headers-//'): W=1 C=1 (sparse)"
done

echo "lint: $passed passed, $failed failed"
[ "$failed" = 0 ]
