#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and testing vtun needs on a Debian 12 host, and
# unpack the guest kernels (image, headers, kbuild) into a cache without
# installing them on the host. Idempotent; quick when everything is there.
#
# Prints shell assignments for the kernels it prepared when called with
# --print (used by the runner):  K_<name>_VER=... K_<name>_ROOT=...

set -eu

CACHE=${VTUN_CACHE:-/var/cache/vtun}
HOST_PKGS="build-essential pkg-config libmnl-dev libssl-dev qemu-system-x86
busybox-static cpio xz-utils zstd kmod iproute2 rsync nftables iperf3 tcpdump
wireguard-tools strongswan strongswan-swanctl dwarves sparse bc flex bison
libelf-dev python3 python3-yaml python3-jsonschema iputils-ping
socat bird2"

log() { echo "deps: $*" >&2; }

apt_updated=
apt_update_once() {
	[ -n "$apt_updated" ] && return
	apt-get update -qq >&2
	apt_updated=1
}

install_host_pkgs() {
	local missing="" p
	for p in $HOST_PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return
	log "installing:$missing"
	apt_update_once
	# shellcheck disable=SC2086 # a list
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >&2
}

# Newest package whose name matches an extended regex.
newest_pkg() {
	apt-cache pkgnames "$1" 2>/dev/null | grep -E "^$2\$" | sort -V | tail -n 1
}

resolve_61() {
	local img
	img=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-6\.1\./ { print $2; exit }')
	if [ -z "$img" ]; then
		apt_update_once
		img=$(newest_pkg linux-image-6.1 'linux-image-6\.1\.0-[0-9]+-amd64')
	fi
	K61_VER=${img#linux-image-}
	K61_PKGS="$img linux-headers-$K61_VER linux-headers-${K61_VER%-amd64}-common linux-kbuild-6.1"
}

resolve_612() {
	local img
	img=$(newest_pkg linux-image-6.12 'linux-image-6\.12\.[0-9]+\+deb12-amd64')
	if [ -z "$img" ]; then
		apt_update_once
		img=$(newest_pkg linux-image-6.12 'linux-image-6\.12\.[0-9]+\+deb12-amd64')
	fi
	K612_VER=${img#linux-image-}
	local base=${K612_VER%-amd64}
	K612_PKGS="$img linux-headers-$K612_VER linux-headers-$base-common linux-kbuild-${base}"
}

# Unpack packages into $CACHE/kernels/$ver and make the headers usable
# from there: the Debian headers Makefile names the -common tree by an
# absolute path.
unpack_kernel() {
	local ver=$1 pkgs=$2 root=$CACHE/kernels/$1 dl=$CACHE/debs p
	[ -f "$root/.done" ] && return
	log "preparing kernel $ver"
	mkdir -p "$dl" "$root"
	for p in $pkgs; do
		ls "$dl/${p}_"*.deb >/dev/null 2>&1 && continue
		(cd "$dl" && apt-get download -qq "$p" >&2) || {
			apt_update_once
			(cd "$dl" && apt-get download -qq "$p" >&2)
		}
	done
	for p in $pkgs; do
		dpkg -x "$(ls "$dl/${p}_"*.deb | sort -V | tail -n 1)" "$root"
	done
	sed -i "s|/usr/src/|$root/usr/src/|g" \
		"$root/usr/src/linux-headers-$ver/Makefile"
	depmod -b "$root" "$ver"
	touch "$root/.done"
}

# Little-endian unsigned integer of $3 bytes at offset $2 of file $1.
le_at() { od -An -tu"$3" -j "$2" -N "$3" "$1" | tr -d ' '; }

# An uncompressed vmlinux boots faster under TCG (PVH entry). The headers
# do not ship scripts/extract-vmlinux: take the payload that the bzImage
# header points at and decompress it.
extract_vmlinux() {
	local root=$CACHE/kernels/$1 z=$CACHE/kernels/$1/boot/vmlinuz-$1
	local out=$root/vmlinux sects off len magic
	[ -s "$out" ] && return
	sects=$(le_at "$z" $((0x1f1)) 1)
	[ "$sects" = 0 ] && sects=4
	off=$(((sects + 1) * 512 + $(le_at "$z" $((0x248)) 4)))
	len=$(le_at "$z" $((0x24c)) 4)
	magic=$(od -An -tx1 -j "$off" -N 4 "$z" | tr -d ' ')
	local unpack
	case $magic in
	fd377a58) unpack="xz -dc --single-stream" ;;
	28b52ffd) unpack="zstd -qdc" ;;
	1f8b*) unpack="gzip -dc" ;;
	*) log "vmlinux: unknown payload $magic in $z"; return 0 ;;
	esac
	tail -c +$((off + 1)) "$z" | head -c "$len" |
		{ $unpack 2>/dev/null || true; } >"$out.tmp"
	if [ "$(od -An -tx1 -N 4 "$out.tmp" | tr -d ' ')" = 7f454c46 ]; then
		mv "$out.tmp" "$out"
	else
		log "vmlinux: extraction failed for $1, using vmlinuz"
		rm -f "$out.tmp"
	fi
}

main() {
	install_host_pkgs
	resolve_61
	resolve_612
	unpack_kernel "$K61_VER" "$K61_PKGS"
	unpack_kernel "$K612_VER" "$K612_PKGS"
	extract_vmlinux "$K61_VER"
	extract_vmlinux "$K612_VER"
	if [ "${1:-}" = --print ]; then
		echo "K61_VER=$K61_VER"
		echo "K612_VER=$K612_VER"
		echo "CACHE=$CACHE"
	fi
}

main "$@"
