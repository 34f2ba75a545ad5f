#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh [--config]
#
# Build, once, the debug guest kernel: Debian's linux-source of the 6.12
# series with KASAN, UBSAN, kmemleak, lockdep, and the other detectors of
# debug-kernel.config, on Debian's 6.12 config trimmed by localmodconfig
# to the modules of debug-kernel.modules. The result is installed like a
# Debian guest kernel, in $VTUN_CACHE/kernels/<release> (vmlinux, bzImage,
# modules) with its build tree as the headers the module is built against,
# and reused while the source version and the config are the same (the key
# is a hash of both). Prints KDBG_VER=<release> (the kernel's uname -r).
#
# --config: only generate the config, print its path and key.
# --cached: no build from scratch; succeed (printing KDBG_VER) only if the
#           kernel for the current source and config is built, or if a
#           build tree of this source is there to bring up to date (a
#           config change: minutes, not the half hour of a first build).
#
# Environment: VTUN_CACHE (default /var/cache/vtun); DEBUG_JOBS (make -j,
# default: the number of CPUs); K612_VER (Debian's 6.12 guest kernel whose
# config is the base; default: the newest in the cache).

set -eu

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${VTUN_CACHE:-/var/cache/vtun}
DBG=$CACHE/debug
SERIES=6.12
TARBALL=/usr/src/linux-source-$SERIES.tar.xz

log() { echo "debug-kernel: $*" >&2; }

# Debian's linux-source package: its version and an unpacked tree.
source_tree() {
	if [ ! -f "$TARBALL" ]; then
		log "installing linux-source-$SERIES"
		apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends "linux-source-$SERIES" >&2
	fi
	SRCVER=$(dpkg-query -W -f='${Version}' "linux-source-$SERIES")
	SRC=$DBG/src-$SRCVER/linux-source-$SERIES
	[ -f "$SRC/.done" ] && return
	log "unpacking linux-source-$SERIES $SRCVER"
	rm -rf "$DBG/src-$SRCVER"
	mkdir -p "$DBG/src-$SRCVER"
	tar -C "$DBG/src-$SRCVER" -xJf "$TARBALL"
	touch "$SRC/.done"
}

base_config() {
	local k=${K612_VER:-}
	[ -n "$k" ] || k=$(find "$CACHE/kernels" -maxdepth 1 -name '6.12.*+deb*-amd64' \
		-printf '%f\n' | sort -V | tail -n 1)
	BASE=$CACHE/kernels/$k/boot/config-$k
	[ -f "$BASE" ] || { log "no Debian 6.12 config (run deps.sh): $BASE"; exit 1; }
}

# Every line of the fragment must hold in the final config.
check_fragment() {
	local cfg=$1 line name bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF "$line" "$cfg" || { log "not in config: $line"; bad=1; } ;;
		"# CONFIG_"*" is not set")
			name=${line#\# }
			name=${name%% *}
			! grep -qE "^$name=[ym]" "$cfg" || { log "still set: $name"; bad=1; } ;;
		esac
	done <"$HERE/debug-kernel.config"
	return $bad
}

# Debian's built-in options of the kernel's networking and crypto.
debian_net_y() {
	local syms
	syms=$(cd "$SRC" && find net crypto arch/x86/crypto lib/crypto drivers/net \
		-maxdepth 2 -name 'Kconfig*' -print0 | xargs -0 sed -n \
		's/^\(menu\)\{0,1\}config \([A-Z0-9_]*\).*/\2/p' | sort -u)
	grep -E '^CONFIG_[A-Z0-9_]+=y$' "$1" |
		awk -F'[_=]' 'NR == FNR { want["CONFIG_" $0] = 1; next }
			{ s = $0; sub(/=.*/, "", s); if (s in want) print }' \
			<(echo "$syms") -
}

# Generate the config in $DBG/config: tinyconfig; the modules that
# debug-kernel.modules names, with their options, from Debian's config
# trimmed by localmodconfig; Debian's built-in networking and crypto; the
# fragment last. Sets CONFIG (its path) and KEY.
make_config() {
	local o=$DBG/config deb=$DBG/config/debian lsmod
	rm -rf "$o"
	mkdir -p "$deb"
	cp "$BASE" "$deb/.config"
	lsmod=$o/lsmod
	grep -vE '^(#|$)' "$HERE/debug-kernel.modules" |
		awk 'BEGIN { print "Module Size Used by" } { gsub(/-/, "_"); print $1, 0, 0 }' >"$lsmod"
	make -s -C "$SRC" O="$deb" LSMOD="$lsmod" localmodconfig </dev/null \
		>"$o/config.log" 2>&1 ||
		{ tail -n 20 "$o/config.log" >&2; exit 1; }
	make -s -C "$SRC" O="$o" tinyconfig >>"$o/config.log" 2>&1
	{
		grep -E '^CONFIG_[A-Z0-9_]+=m$' "$deb/.config"
		debian_net_y "$deb/.config"
		grep -E '^(CONFIG_|# CONFIG_)' "$HERE/debug-kernel.config"
	} >>"$o/.config"
	make -s -C "$SRC" O="$o" olddefconfig >>"$o/config.log" 2>&1
	check_fragment "$o/.config" || { log "config fragment not applied"; exit 1; }
	CONFIG=$o/.config
	KEY=$( (echo "$SRCVER"; grep -v '^#' "$CONFIG"; gcc --version | head -n 1) |
		sha256sum | cut -c1-16)
}

build() {
	local b=$DBG/build-$SRCVER rel root t0=$SECONDS jobs=${DEBUG_JOBS:-$(nproc)}
	mkdir -p "$b"
	cmp -s "$CONFIG" "$b/.config" || cp "$CONFIG" "$b/.config"
	make -s -C "$SRC" O="$b" olddefconfig >/dev/null
	rel=$(make -s -C "$SRC" O="$b" kernelrelease)
	root=$CACHE/kernels/$rel
	if [ "$(cat "$root/.key" 2>/dev/null)" = "$KEY" ]; then
		KDBG_VER=$rel
		return
	fi
	[ "${1:-}" != --cached ] || [ -f "$b/vmlinux" ] || exit 1
	log "building $rel ($KEY) in $b, make -j$jobs at nice 19; log: $b/build.log"
	if ! nice -n 19 make -C "$SRC" O="$b" -j"$jobs" bzImage modules \
		>"$b/build.log" 2>&1; then
		grep -E 'error|Error' "$b/build.log" | head -n 20 >&2
		log "build failed; log: $b/build.log"
		exit 1
	fi
	log "built in $((SECONDS - t0)) s"
	rm -rf "$root"
	mkdir -p "$root/boot" "$root/usr/src"
	nice -n 19 make -s -C "$SRC" O="$b" INSTALL_MOD_PATH="$root" \
		modules_install >&2
	cp "$b/arch/x86/boot/bzImage" "$root/boot/vmlinuz-$rel"
	cp "$b/.config" "$root/boot/config-$rel"
	cp "$b/System.map" "$root/boot/System.map-$rel"
	# PVH entry: an uncompressed vmlinux boots faster under TCG.
	cp "$b/vmlinux" "$root/vmlinux"
	ln -sfn "$b" "$root/usr/src/linux-headers-$rel"
	echo "$((SECONDS - t0))" >"$root/.build-seconds"
	echo "$KEY" >"$root/.key"
	touch "$root/.done"
	# Builds of older sources are stale.
	find "$DBG" -maxdepth 1 -name 'build-*' ! -name "build-$SRCVER" \
		-exec rm -rf {} +
	KDBG_VER=$rel
}

main() {
	mkdir -p "$DBG"
	exec 8>"$DBG/build.lock"
	flock -n 8 || { log "waiting for another debug kernel build"; flock 8; }
	if [ "${1:-}" = --cached ] && [ ! -f "$TARBALL" ]; then
		exit 1
	fi
	source_tree
	base_config
	make_config
	if [ "${1:-}" = --config ]; then
		echo "$CONFIG $KEY"
		return
	fi
	build "$@"
	echo "KDBG_VER=$KDBG_VER"
}

main "$@"
