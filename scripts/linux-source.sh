#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the path of an unpacked Debian linux-source tree holding the YNL
# generator and checkpatch, installing and unpacking it when needed.

set -eu

CACHE=${VTUN_CACHE:-/var/cache/vtun}
ver=6.12
dir=$CACHE/src/linux-source-$ver
tarball=/usr/src/linux-source-$ver.tar.xz

if [ ! -f "$dir/.done" ]; then
	if [ ! -f "$tarball" ]; then
		apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends "linux-source-$ver" >&2
	fi
	mkdir -p "$CACHE/src"
	tar -C "$CACHE/src" -xJf "$tarball" --wildcards \
		"linux-source-$ver/tools/net/ynl/*" \
		"linux-source-$ver/Documentation/netlink/*" \
		"linux-source-$ver/scripts/checkpatch.pl" \
		"linux-source-$ver/scripts/spelling.txt" \
		"linux-source-$ver/scripts/const_structs.checkpatch"
	touch "$dir/.done"
fi
echo "$dir"
