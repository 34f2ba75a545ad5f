#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh KROOT KVER OUT
#
# Build a small initramfs for a guest kernel unpacked at KROOT: static
# busybox, selftests/vm/init, and the modules (decompressed, in load
# order) needed to mount the host root over virtio-9p under an overlay.

set -eu

KROOT=$1
KVER=$2
OUT=$3
HERE=$(cd "$(dirname "$0")" && pwd)
WANT="virtio_pci 9pnet_virtio 9p overlay"
MODDIR=$KROOT/lib/modules/$KVER

# Print a module's path relative to MODDIR, or nothing if built in.
mod_path() {
	local name=${1//-/_}
	awk -F: -v n="$name" '{
		f = $1; sub(/.*\//, "", f); sub(/\.ko(\.[a-z]+)?$/, "", f)
		gsub(/-/, "_", f)
		if (f == n) { print $1; exit }
	}' "$MODDIR/modules.dep"
}

# Print the dependencies of a module (path) then itself, in load order.
mod_chain() {
	local path=$1 deps d i
	deps=$(awk -F: -v p="$path" '$1 == p { print $2; exit }' "$MODDIR/modules.dep")
	read -ra d <<<"$deps"
	for ((i = ${#d[@]} - 1; i >= 0; i--)); do
		echo "${d[i]}"
	done
	echo "$path"
}

decompress() {
	case $1 in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -qdc "$1" ;;
	*.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}

main() {
	local m p base
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp"/{bin,dev,proc,sys,mods}
	cp /bin/busybox "$tmp/bin/busybox"
	cp "$HERE/init" "$tmp/init"
	chmod 755 "$tmp/init"
	for m in $WANT; do
		p=$(mod_path "$m")
		[ -n "$p" ] || continue # built in
		mod_chain "$p"
	done | awk '!seen[$0]++' | while read -r p; do
		base=$(basename "$p")
		base=${base%.xz}
		base=${base%.zst}
		base=${base%.gz}
		decompress "$MODDIR/$p" >"$tmp/mods/$base"
		echo "$base" >>"$tmp/mods/list"
	done
	touch "$tmp/mods/list"
	(cd "$tmp" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --quiet --reproducible) |
		gzip -1 >"$OUT.tmp"
	mv "$OUT.tmp" "$OUT"
}

main
