#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and testing vtun needs on a Debian 12 host, and
# unpack the guest kernels (image, headers, kbuild) into a cache without
# installing them on the host. Idempotent; quick when everything is there.
#
# Also unpacks the headers of the newest kernel Debian ships (sid or
# trixie-backports, whichever is newer) for a compile check. Those come
# from a private apt configuration under $CACHE/apt used only to download;
# the host's sources and packages are untouched. When that kernel's kbuild
# tools need a newer C library or its compiler (gcc-N) is not on the host,
# the tools are rebuilt from Debian's linux-source of the same version and
# the compiler-dependent part of its config is derived again for the host
# compiler; the result is cached with the headers.
#
# Prints shell assignments for the kernels it prepared when called with
# --print (used by the runner): K61_VER=... K612_VER=... KNEW_VER=...

set -eu

CACHE=${VTUN_CACHE:-/var/cache/vtun}
HOST_PKGS="build-essential pkg-config libmnl-dev libssl-dev qemu-system-x86
busybox-static cpio xz-utils zstd kmod iproute2 rsync nftables iperf3 tcpdump
wireguard-tools strongswan strongswan-swanctl libstrongswan-standard-plugins
strongswan-pki dwarves sparse bc flex bison
libelf-dev python3 python3-yaml python3-jsonschema python3-cryptography python3-docutils iputils-ping
socat bird2 jq clang libclang-rt-dev"
# clang and its libFuzzer runtime (libclang-rt-dev) for `make fuzz`.
# strongSwan for the IKE tests (ike_lib.sh): charon alone has neither
# AES-GCM nor ECDH nor X25519; the openssl and gcm plugins of
# libstrongswan-standard-plugins bring them, strongswan-pki makes the
# test certificates. The guest runs them from the host root as they are:
# plugins from /usr/lib/ipsec/plugins, no file of /etc is read (ike_lib.sh
# writes each charon's strongswan.conf).

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
# absolute path. A package may be named PKG=VERSION. BASE: another
# directory than $CACHE/kernels.
unpack_kernel() {
	local ver=$1 pkgs=$2 root=${3:-$CACHE/kernels}/$1 dl=$CACHE/debs p
	[ -f "$root/.done" ] && return
	log "preparing kernel $ver"
	mkdir -p "$dl" "$root"
	for p in $pkgs; do
		ls "$dl/${p%%=*}_"*.deb >/dev/null 2>&1 && continue
		(cd "$dl" && "${APT_GET[@]}" download -qq "$p" >&2) || {
			[ -n "${APT_PRIVATE:-}" ] || apt_update_once
			(cd "$dl" && "${APT_GET[@]}" download -qq "$p" >&2)
		}
	done
	for p in $pkgs; do
		dpkg -x "$(ls "$dl/${p%%=*}_"*.deb | sort -V | tail -n 1)" "$root"
	done
	sed -i "s|/usr/src/|$root/usr/src/|g" \
		"$root/usr/src/linux-headers-$ver/Makefile"
	[ -d "$root/lib/modules/$ver" ] && depmod -b "$root" "$ver"
	touch "$root/.done"
}

APT_GET=(apt-get)
APT_CACHE=(apt-cache)

# A private apt configuration for Debian's newest kernels: lists in
# $CACHE/apt, no host status, download only.
NEW_SUITES="sid trixie-backports"
# Not in $CACHE/kernels: those are the guest kernels, this is compile-only.
NEW_ROOT=$CACHE/newest
private_apt() {
	local dir=$CACHE/apt s opts
	mkdir -p "$dir/lists/partial" "$dir/archives/partial"
	for s in $NEW_SUITES; do
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $s main"
	done >"$dir/sources.list"
	opts=(-o "Dir::Etc::SourceList=$dir/sources.list"
		-o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir"
		-o Dir::State::status=/dev/null -o APT::Architecture=amd64
		-o Acquire::Languages=none -o APT::Sandbox::User=root)
	APT_GET=(apt-get "${opts[@]}")
	APT_CACHE=(apt-cache "${opts[@]}")
	APT_PRIVATE=1
	# Refresh daily; offline, the last lists (and kernel) still serve.
	if [ -z "$(find "$dir/lists" -name '*_Packages' -mtime -1 2>/dev/null)" ]; then
		"${APT_GET[@]}" update -qq >&2 || log "cannot refresh $dir"
	fi
}

# The newest kernel in NEW_SUITES: sets KNEW_VER, KNEW_DEB (its Debian
# version) and KNEW_PKGS; KNEW_VER stays empty when there is none.
resolve_new() {
	local hdr
	KNEW_VER=
	private_apt
	hdr=$("${APT_CACHE[@]}" pkgnames linux-headers- 2>/dev/null |
		grep -E '^linux-headers-[0-9]+\.[0-9]+\.[0-9]+\+deb[0-9]+-amd64$' |
		sort -V | tail -n 1)
	if [ -z "$hdr" ]; then
		# Offline and never fetched: the last one unpacked, if any.
		KNEW_VER=$(cat "$NEW_ROOT/current" 2>/dev/null) || true
		return 0
	fi
	KNEW_VER=${hdr#linux-headers-}
	KNEW_DEB=$("${APT_CACHE[@]}" show "$hdr" | sed -n 's/^Version: //p' | head -n 1)
	local base=${KNEW_VER%-amd64} d=$KNEW_DEB
	KNEW_PKGS="$hdr=$d linux-headers-$base-common=$d linux-kbuild-$base=$d"
}

# Newest GLIBC_x.y symbol version an ELF file needs.
glibc_needed() {
	objdump -p "$1" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -Vu |
		tail -n 1 | sed 's/GLIBC_//'
}

# ELF files under DIR that the host's C library cannot run.
too_new_elfs() {
	local have f need
	have=$(getconf GNU_LIBC_VERSION | awk '{ print $2 }')
	find "$1" -type f -perm -u+x | while read -r f; do
		[ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] || continue
		need=$(glibc_needed "$f")
		[ -n "$need" ] || continue
		[ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | tail -n 1)" = "$have" ] ||
			echo "$f"
	done
}

# Make the newest kernel's headers work on this host (see the top).
fix_new_kbuild() {
	local ver=$1 root=$NEW_ROOT/$1 base=${1%-amd64}
	local hdr=$NEW_ROOT/$1/usr/src/linux-headers-$1 kb cc bad src f rel
	[ -f "$root/.host-ready" ] && return
	kb=$root/usr/lib/linux-kbuild-$base
	cc=$(sed -n 's/^CC = .*(CROSS_COMPILE)\(gcc-[0-9]*\).*/\1/p' \
		"$hdr/.kernelvariables" 2>/dev/null || true)
	bad=$(too_new_elfs "$kb")
	if [ -n "$bad" ] || { [ -n "$cc" ] && ! command -v "x86_64-linux-gnu-$cc" >/dev/null; }; then
		local series tmp
		series=$(echo "$1" | grep -oE '^[0-9]+\.[0-9]+')
		log "$ver: rebuilding kbuild tools from linux-source-$series (host gcc)"
		tmp=$(mktemp -d "$CACHE/src-$series.XXXX")
		(cd "$tmp" && "${APT_GET[@]}" download -qq "linux-source-$series=$KNEW_DEB" >&2)
		dpkg -x "$tmp"/linux-source-*.deb "$tmp/deb"
		tar -C "$tmp" -xJf "$tmp/deb/usr/src/linux-source-$series.tar.xz"
		src=$tmp/linux-source-$series
		cp "$hdr/.config" "$src/.config"
		make -s -C "$src" CC=gcc olddefconfig >&2
		make -s -C "$src" CC=gcc -j"$(nproc)" modules_prepare >&2
		for f in $bad; do
			rel=${f#"$kb"/}
			rel=${rel%.real-*}
			if [ -x "$src/$rel" ]; then
				cp "$src/$rel" "$f"
			else
				log "$ver: no rebuilt $rel, leaving $f"
			fi
		done
		# Compiler-dependent options (CONFIG_CC_HAS_*, ...) for gcc.
		cp "$src/.config" "$hdr/.config"
		cp "$src/include/config/auto.conf" "$hdr/include/config/auto.conf"
		cp "$src/include/generated/autoconf.h" "$hdr/include/generated/autoconf.h"
		[ -n "$cc" ] && sed -i "s/(CROSS_COMPILE)$cc/(CROSS_COMPILE)gcc/" \
			"$hdr/.kernelvariables"
		f=$root/usr/src/linux-headers-$base-common/scripts/checker-valid.sh
		[ -e "$f" ] || cp "$src/scripts/checker-valid.sh" "$f"
		rm -rf "$tmp"
	fi
	touch "$root/.host-ready"
}

prepare_new() {
	resolve_new
	[ -n "$KNEW_VER" ] || { log "no newest kernel found"; return 0; }
	[ -f "$NEW_ROOT/$KNEW_VER/.done" ] || [ -n "${KNEW_PKGS:-}" ] || {
		KNEW_VER=
		return 0
	}
	unpack_kernel "$KNEW_VER" "${KNEW_PKGS:-}" "$NEW_ROOT"
	fix_new_kbuild "$KNEW_VER"
	echo "$KNEW_VER" >"$NEW_ROOT/current"
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
	if [ "${1:-}" = --newest ]; then
		prepare_new
		echo "KNEW_VER=$KNEW_VER"
		echo "KNEW_KDIR=${KNEW_VER:+$NEW_ROOT/$KNEW_VER/usr/src/linux-headers-$KNEW_VER}"
		return
	fi
	install_host_pkgs
	resolve_61
	resolve_612
	unpack_kernel "$K61_VER" "$K61_PKGS"
	unpack_kernel "$K612_VER" "$K612_PKGS"
	extract_vmlinux "$K61_VER"
	extract_vmlinux "$K612_VER"
	# Its own process, so that a failure there (offline, a Debian change)
	# costs only the newest kernel's compile check, reported as skipped.
	if ! new=$(bash "$0" --newest); then
		log "newest kernel: not prepared"
		new="KNEW_VER= KNEW_KDIR="
	fi
	if [ "${1:-}" = --print ]; then
		echo "K61_VER=$K61_VER"
		echo "K612_VER=$K612_VER"
		echo "$new"
		echo "CACHE=$CACHE"
	fi
}

main "$@"
