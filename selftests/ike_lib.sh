# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# ike_lib.sh -- strongSwan (charon + swanctl) in test namespaces, the IKE
# peer of vtun-iked. Sourced by tests after lib.sh and topo.sh.
#
# One charon per network namespace. Each has a state directory
# /run/sw-<ns> (sw_dir) holding its strongswan.conf, vici socket,
# pid file, log and swanctl directory. charon always writes
# /var/run/charon.pid (= /run/charon.pid) and refuses to start while
# another charon's is there, so it runs in a mount namespace of its own
# (ip netns exec makes one; nothing propagates back) where its state
# directory is bound over /run: it sees /run/charon.pid, /run/charon.vici,
# /run/charon.log, the rest of the system sees /run/sw-<ns>/... swanctl
# runs outside, talking to that socket. No file of /etc is read: plugins
# are listed explicitly (load_modular = no), from Debian's
# libstrongswan-standard-plugins (openssl: AES-GCM, ChaCha20-Poly1305,
# ECDH, X25519; gcm) and libstrongswan (x509, pem, pkcs1, pkcs8, ...).
# charon installs no routes: the tests route through an xfrm interface
# (route-based, if_id SW_IF_ID), as topo.sh's site_xfrm does by hand.
#
#   sw_start NS...              start charon in each NS (stopped at exit)
#   sw_stop NS                  stop it, remove its state directory
#   sw_dir NS                   its state directory (swanctl dir: .../swanctl)
#   sw_conf NS                  stdin -> its swanctl.conf
#   sw_conf_route NS NAME KEY=VALUE...
#                               a route-based connection NAME (see there)
#   sw_certs NS CERTDIR SITE KIND
#                               give NS the CA and SITE's KIND certificate
#   sw_load NS                  swanctl --load-all
#   sw_initiate NS CHILD [IKE]  initiate CHILD, wait for the result
#   sw_terminate NS IKE         delete the IKE SA IKE (and its CHILD SAs)
#   sw_sas NS                   the SAs, one normalised line each (see there)
#   sw_swanctl NS ARGS...       any other swanctl command
#   sw_xfrmi NS I               xfrm interface xfrm0 (if_id SW_IF_ID) on ul0
#                               with site I's overlay addresses and routes
#   sw_mkcerts DIR [KIND...]    a CA and certificates for sites a and b
#                               (KIND: rsa, p256, p384; default all)
#   sw_log NS [LINES]           print the end of its log (diagnostics)
#   sw_log_mark NS, sw_log_grep NS STRING
#                               STRING in its log since the mark
#   sw_id I TYPE                site I's identity (fqdn, email, dn, ip, ip6)
#   sw_notify NAME              a notify's name as charon logs it
#   sw_to_iked WORD             a word of sw_sas in vtun-iked's terms
#   sas_get LINES KIND KEY      a value from sw_sas (or iked_sas) output
#   xfrm_spis NS                the SPIs of the kernel's XFRM states in NS
#   none_left NS FN             FN NS (xfrm_spis, vtun_spis) lists nothing
#   none_of NS FN OLD           FN NS lists none of OLD's lines
#   check_ok DESC CMD...        check, and return whether it passed
#   iked_up NS, sw_up NS        an established IKE SA with a CHILD SA
# and vtun-iked's (iked_*, below).

SW_CHARON=${SW_CHARON:-/usr/lib/ipsec/charon}
SW_IF_ID=42
# The test CA and site identities; site I of topo.sh is SW_SITE[I].
SW_SITE=(a b)
SW_DOMAIN=vtun.test
SW_CA_DN="C=CH, O=vtun, CN=vtun test CA"
# Plugins: charon, swanctl (credential parsing), pki (making them).
SW_PLUGINS_CHARON="random nonce openssl gcm kdf pem pkcs1 pkcs8 x509 pubkey
constraints kernel-netlink socket-default vici"
SW_PLUGINS_TOOLS="random openssl kdf pem pkcs1 pkcs8 x509 pubkey"
# More charon { } settings (KEY = VALUE lines) for the next sw_start
SW_CHARON_OPTS=${SW_CHARON_OPTS:-}

sw_dir() { echo "/run/sw-$1"; }

# IDs of site I: sw_id I fqdn|email|dn|ip|ip6
sw_id() {
	local s=${SW_SITE[$1]}
	case $2 in
	fqdn) echo "$s.$SW_DOMAIN" ;;
	email) echo "$s@$SW_DOMAIN" ;;
	dn) echo "C=CH, O=vtun, CN=$s.$SW_DOMAIN" ;;
	ip) echo "${UL4[$1]}" ;;
	ip6) echo "${UL6[$1]}" ;;
	esac
}

# _sw_conf_file PLUGINS...: a strongswan.conf (paths as charon sees them)
_sw_conf_file() {
	cat <<-EOF
	charon {
		load_modular = no
		load = $(echo $SW_PLUGINS_CHARON)
		install_routes = no
		install_virtual_ip = no
		send_vendor_id = no
		threads = 8
		${SW_CHARON_OPTS:-}
		syslog {
			daemon {
				default = -1
			}
		}
		filelog {
			log {
				path = /run/charon.log
				time_format = %T
				ike_name = yes
				append = no
				flush_line = yes
				default = 1
				cfg = 2
				ike = 2
				enc = 1
			}
		}
		plugins {
			vici {
				socket = unix:///run/charon.vici
			}
			openssl {
				fips_mode = 0
			}
		}
	}
	swanctl {
		load = $(echo $SW_PLUGINS_TOOLS)
	}
	pki {
		load = $(echo $SW_PLUGINS_TOOLS)
	}
	EOF
}

# sw_start NS...: start one charon in each NS (side by side), wait for all
sw_start() {
	local ns d rc=0
	for ns in "$@"; do
		d=$(sw_dir "$ns")
		rm -rf "$d"
		# Every directory swanctl --load-all reads, so that it does not complain.
		mkdir -p "$d"/swanctl/{x509,x509ca,x509ocsp,x509aa,x509ac,x509crl,pubkey} \
			"$d"/swanctl/{private,rsa,ecdsa,bliss,pkcs8,pkcs12} || return
		_sw_conf_file >"$d/strongswan.conf"
		: >"$d/swanctl/swanctl.conf"
		# $d is bound over /run in charon's own mount namespace.
		STRONGSWAN_CONF=/run/strongswan.conf ip netns exec "$ns" \
			sh -c 'mount --bind "$1" /run && exec "$2"' \
			sh "$d" "$SW_CHARON" >"$d/charon.out" 2>&1 &
		echo "$!" >"$d/pid"
		defer sw_stop "$ns"
	done
	for ns in "$@"; do
		d=$(sw_dir "$ns")
		retry 10 test -S "$d/charon.vici" && continue
		diag "charon in $ns did not start"
		sw_log "$ns"
		rc=1
	done
	return $rc
}

sw_stop() {
	local d pid
	d=$(sw_dir "$1")
	[ -d "$d" ] || return 0
	pid=$(cat "$d/pid" 2>/dev/null)
	if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
		retry 5 _sw_gone "$pid" || kill -9 "$pid" 2>/dev/null
	fi
	rm -rf "$d"
}

_sw_gone() { ! kill -0 "$1" 2>/dev/null; }

sw_log() {
	local d
	d=$(sw_dir "$1")
	tail -n "${2:-30}" "$d/charon.log" "$d/charon.out" 2>/dev/null | sed 's/^/#   /'
}

sw_swanctl() {
	local d
	d=$(sw_dir "$1")
	shift
	SWANCTL_DIR=$d/swanctl STRONGSWAN_CONF=$d/strongswan.conf \
		swanctl "$@" --uri "unix://$d/charon.vici"
}

sw_conf() { cat >"$(sw_dir "$1")/swanctl/swanctl.conf"; }

sw_load() { sw_swanctl "$1" --load-all --noprompt; }

sw_initiate() {
	sw_swanctl "$1" --initiate --child "$2" ${3:+--ike "$3"} --timeout 20
}

sw_terminate() { sw_swanctl "$1" --terminate --ike "$2" --timeout 20; }

# sw_conf_route NS NAME KEY=VALUE...: write swanctl.conf with one
# route-based connection NAME (child NAME too): traffic selectors 0.0.0.0/0
# and ::/0, policies and SAs bound to if_id SW_IF_ID. Keys (defaults):
#   local=, remote=     addresses (%any)
#   lid=, rid=          local and remote IDs (the addresses)
#   auth=psk|pubkey     psk (with psk=SECRET) or certificates (cert=FILE
#                       in x509/, the remote's from its CA in x509ca/)
#   ike=                IKE proposals (aes128gcm16-prfsha256-x25519)
#   esp=                ESP proposals (aes128gcm16: no PFS)
#   start=none|trap|start   start_action (none)
#   rekey=              rekey_time of the IKE and CHILD SAs (0: never)
#   ike_rekey=, child_rekey=    the one or the other (default: rekey=)
#   dpd=                dpd_delay (0: none)
sw_conf_route() {
	local ns=$1 name=$2 kv
	local local=%any remote=%any lid='' rid='' auth=psk psk=vtun-test-psk cert=''
	local ike=aes128gcm16-prfsha256-x25519 esp=aes128gcm16 start=none rekey=0
	local dpd=0
	local l_id='' r_id='' l_cert='' s_l='' s_r='' ike_rekey='' child_rekey=''
	shift 2
	for kv in "$@"; do
		case ${kv%%=*} in
		local | remote | lid | rid | auth | psk | cert | ike | esp | start | rekey | \
		ike_rekey | child_rekey | dpd)
			printf -v "${kv%%=*}" %s "${kv#*=}" ;;
		*) diag "sw_conf_route: unknown key $kv"; return 1 ;;
		esac
	done
	[ -n "$lid" ] && l_id="id = \"$lid\"" s_l="id-l = \"$lid\""
	[ -n "$rid" ] && r_id="id = \"$rid\"" s_r="id-r = \"$rid\""
	[ -n "$cert" ] && l_cert="certs = $cert"
	sw_conf "$ns" <<-EOF
	connections {
		$name {
			version = 2
			local_addrs = $local
			remote_addrs = $remote
			proposals = $ike
			rekey_time = ${ike_rekey:-$rekey}
			dpd_delay = $dpd
			mobike = no
			local {
				auth = $auth
				$l_id
				$l_cert
			}
			remote {
				auth = $auth
				$r_id
			}
			children {
				$name {
					mode = tunnel
					local_ts = 0.0.0.0/0, ::/0
					remote_ts = 0.0.0.0/0, ::/0
					esp_proposals = $esp
					if_id_in = $SW_IF_ID
					if_id_out = $SW_IF_ID
					rekey_time = ${child_rekey:-$rekey}
					start_action = $start
				}
			}
		}
	}
	secrets {
		ike-$name {
			$s_l
			$s_r
			secret = "$psk"
		}
	}
	EOF
}

# sw_certs NS CERTDIR SITE KIND: CERTDIR's CA as trusted, and the
# certificate and key of SITE (a, b) of KIND as NS's own (cert=SITE-KIND.pem)
sw_certs() {
	local d
	d=$(sw_dir "$1")/swanctl
	cp "$2/ca.pem" "$d/x509ca/" &&
		cp "$2/$3-$4.pem" "$d/x509/" &&
		cp "$2/$3-$4.key" "$d/private/"
}

# sw_xfrmi NS I: the strongSwan side's xfrm interface, then site I's overlay
sw_xfrmi() {
	ip -n "$1" link add xfrm0 type xfrm dev ul0 if_id "$SW_IF_ID" &&
		site_overlay "$1" "$2" xfrm0
}

# _sw_pki ARGS...: pki with only the plugins it needs
_sw_pki() { STRONGSWAN_CONF=$_SW_PKI_CONF pki "$@"; }

_sw_key() { # KIND: pki --gen arguments
	case $1 in
	rsa) echo "--type rsa --size 2048" ;;
	p256) echo "--type ecdsa --size 256" ;;
	p384) echo "--type ecdsa --size 384" ;;
	esac
}

# sw_mkcerts DIR [KIND...]: DIR/ca.{pem,key} (ECDSA P-256 CA) and for
# each site a, b and KIND (rsa: RSA-2048, p256, p384) DIR/SITE-KIND.{pem,key},
# subject sw_id's DN, subjectAltNames its FQDN, email and both addresses.
# PEM throughout; keys are PKCS#1 (RSA) or SEC1 (EC).
sw_mkcerts() {
	local dir=$1 kind i s
	shift
	[ $# -gt 0 ] || set -- rsa p256 p384
	mkdir -p "$dir" || return
	_SW_PKI_CONF=$dir/pki.conf
	_sw_conf_file >"$_SW_PKI_CONF"
	# shellcheck disable=SC2046 # word lists
	_sw_pki --gen $(_sw_key p256) --outform pem >"$dir/ca.key" &&
	_sw_pki --self --ca --in "$dir/ca.key" --dn "$SW_CA_DN" --lifetime 30 \
		--outform pem >"$dir/ca.pem" || return
	for kind in "$@"; do
		for i in 0 1; do
			s=${SW_SITE[$i]}
			# shellcheck disable=SC2046
			_sw_pki --gen $(_sw_key "$kind") --outform pem \
				>"$dir/$s-$kind.key" &&
			_sw_pki --issue --cacert "$dir/ca.pem" --cakey "$dir/ca.key" \
				--type priv --in "$dir/$s-$kind.key" \
				--dn "$(sw_id $i dn)" --san "$(sw_id $i fqdn)" \
				--san "$(sw_id $i email)" --san "$(sw_id $i ip)" \
				--san "$(sw_id $i ip6)" --lifetime 30 \
				--outform pem >"$dir/$s-$kind.pem" || return
		done
	done
}

# sw_sas NS: one line per IKE SA and per CHILD SA, words KEY=VALUE:
#   ike NAME state=ESTABLISHED initiator=yes|no spi_i=HEX spi_r=HEX
#       encr=aes-gcm-16-128 integ=-|hmac-sha2-256-128 prf=prf-hmac-sha2-256
#       dh=curve-25519 local=ADDR remote=ADDR local_id=ID remote_id=ID
#   child NAME ike=NAME state=INSTALLED proto=esp spi_in=HEX spi_out=HEX
#       encr=aes-gcm-16-128 integ=- dh=-|GROUP esn=yes|no
#       local_ts=0.0.0.0/0,::/0 remote_ts=0.0.0.0/0,::/0
# Algorithm names: strongSwan's in lower case with '-' for '_', key size
# appended to the cipher; SPIs in lower-case hex without 0x and leading
# zeros (IKE SPIs 16 digits); IDs without blanks after commas.
# From swanctl --list-sas --pretty: raw vici messages, one item a line.
sw_sas() {
	sw_swanctl "$1" --list-sas --pretty | awk '
	function alg(s) { s = tolower(s); gsub(/_/, "-", s); return s }
	function hex(s) { sub(/^0x/, "", s); sub(/^0+/, "", s); return s == "" ? "0" : s }
	function v(k) { return (k in kv) ? kv[k] : "-" }
	function cipher() { return kv["encr-alg"] == "" ? "-" : \
		alg(kv["encr-alg"]) (kv["encr-keysize"] == "" ? "" : "-" kv["encr-keysize"]) }
	function ike_line() {
		printf "ike %s state=%s initiator=%s spi_i=%s spi_r=%s encr=%s integ=%s prf=%s dh=%s local=%s remote=%s local_id=%s remote_id=%s\n",
			ike, v("state"), (kv["initiator"] == "yes" ? "yes" : "no"),
			kv["initiator-spi"], kv["responder-spi"], cipher(),
			(("integ-alg" in kv) ? alg(kv["integ-alg"]) : "-"),
			alg(v("prf-alg")), alg(v("dh-group")), v("local-host"),
			v("remote-host"), v("local-id"), v("remote-id")
	}
	function child_line() {
		printf "child %s ike=%s state=%s proto=%s spi_in=%s spi_out=%s encr=%s integ=%s dh=%s esn=%s local_ts=%s remote_ts=%s\n",
			v("name"), ike, v("state"), tolower(v("protocol")),
			hex(v("spi-in")), hex(v("spi-out")), cipher(),
			(("integ-alg" in kv) ? alg(kv["integ-alg"]) : "-"),
			(("dh-group" in kv) ? alg(kv["dh-group"]) : "-"),
			(kv["esn"] == "1" ? "yes" : "no"), v("local-ts"), v("remote-ts")
	}
	# depth 1: "list-sa event {", 2: IKE SA, 3: child-sas, 4: a CHILD SA
	/\{$/ {
		depth++
		name = $1
		if (depth == 2) { ike = name; delete kv }
		if (depth == 3 && name == "child-sas") { ike_line(); printed = 1 }
		if (depth == 4) { delete kv }
		next
	}
	/^ *\}$/ {
		if (depth == 4) child_line()
		if (depth == 2 && !printed) ike_line()
		if (depth == 2) printed = 0
		depth--
		next
	}
	/= \[$/ { list = $1; lv = ""; next }
	/^ *\]$/ { kv[list] = lv == "" ? "-" : lv; list = ""; next }
	list != "" { sub(/^ */, ""); lv = lv (lv == "" ? "" : ",") $0; next }
	/ = / {
		k = $1
		val = $0
		sub(/^ *[^ ]+ = /, "", val)
		gsub(/, /, ",", val)
		gsub(/ /, "_", val)
		kv[k] = val
	}'
}

# sas_get LINES KIND KEY: KEY's value in the first KIND (ike, child) line
# of LINES (what sw_sas printed)
sas_get() { # bash only: tests call it often, a process costs in a TCG guest
	local line w words
	while IFS= read -r line; do
		[[ $line == "$2 "* ]] || continue
		read -ra words <<<"$line"
		for w in "${words[@]}"; do
			[[ $w == "$3="* ]] && { echo "${w#*=}"; return; }
		done
		return
	done <<<"$1"
}

# xfrm_spis NS: the SPIs of NS's XFRM states, sorted, hex as in sw_sas
xfrm_spis() {
	ip -n "$1" xfrm state | awk '$1 == "proto" && $3 == "spi" {
		s = $4; sub(/^0x/, "", s); sub(/^0+/, "", s); print s
	}' | sort
}

# none_left NS FN: FN NS (xfrm_spis, vtun_spis) lists nothing
none_left() { [ -z "$($2 "$1")" ]; }

# none_of NS FN OLD: FN NS lists none of the lines of OLD (FN's earlier
# output): those SAs are gone, whatever came since
none_of() { [ -z "$(comm -12 <(echo "$3") <($2 "$1"))" ]; }

# check_ok DESC CMD...: check, and return whether it passed
check_ok() { check "$@"; [ "$_T_RC" = 0 ]; }

# iked_up NS: vtun-iked's tunnel "ab" has an established IKE SA with a CHILD SA
iked_up() {
	local l
	l=$(iked_sas "$1") &&
		[ "$(sas_get "$l" ike state)" = ESTABLISHED ] &&
		[ -n "$(sas_get "$l" child spi_in)" ]
}
# sw_up NS: strongSwan's IKE SA "ab" is established with a CHILD SA
sw_up() {
	local l
	l=$(sw_sas "$1") &&
		[ "$(sas_get "$l" ike state)" = ESTABLISHED ] &&
		[ "$(sas_get "$l" child state)" = INSTALLED ]
}

# sw_to_iked WORD: a value of sw_sas in vtun-iked's words (iked_sas)
sw_to_iked() {
	case $1 in
	modp-*|ecp-*|curve-*) echo "${1/-/}" ;;
	*) echo "${1,,}" ;;
	esac
}

# vtun-iked, the other side. Its files are in /run/iked-<ns> (IKED_DIR):
# iked.conf (written by the test with iked_conf; relative file names in it
# are relative to that directory), iked.sock (its control socket: the
# configuration must say "control-socket $(iked_dir NS)/iked.sock;"),
# iked.log (its stderr, at debug level).
#
#   iked_dir NS                 its directory
#   iked_conf NS                stdin -> its iked.conf
#   iked_start NS               check the configuration, start vtun-iked in
#                               NS, wait for its control socket
#   iked_stop NS                SIGTERM (its tunnels are brought down), wait
#   iked_ctl NS ARGS...         vtunctl [-j] ike socket SOCK ARGS...
#   iked_sas NS                 its SAs in sw_sas's line form (vtun-iked's
#                               algorithm names: sw_to_iked maps them)
#   vtun_spis NS [DEV]          the SPIs of DEV's (vtun0) SAs in the kernel
#   iked_log NS [LINES]         the end of its log

iked_dir() { echo "/run/iked-$1"; }

iked_conf() {
	mkdir -p "$(iked_dir "$1")" && cat >"$(iked_dir "$1")/iked.conf"
}

# iked_conf_one NS KEY=VALUE...: iked.conf with one tunnel "ab" on vtun0
# through gateway "b" (AES-GCM-128, X25519 for IKE; AES-GCM-128 for ESP).
# Keys (defaults):
#   local=, peer=       the gateway's addresses (UL4[0], UL4[1])
#   lid=, rid=          local and peer IDs (site 0's and site 1's FQDN IDs)
#   auth=               the value of the gateway's authentication line
#                       (psk "vtun-test-psk")
#   start=              the tunnel's start (always)
#   global=, gw=, esp=, tunnel=   more lines at the top level, in the
#                       gateway, the IPsec crypto profile, the tunnel
iked_conf_one() {
	local ns=$1 kv
	local local=${UL4[0]} peer=${UL4[1]} lid rid auth='psk "vtun-test-psk"'
	local start=always global='' gw='' esp='' tunnel=''
	lid=fqdn:$(sw_id 0 fqdn) rid=fqdn:$(sw_id 1 fqdn)
	shift
	for kv in "$@"; do
		case ${kv%%=*} in
		local | peer | lid | rid | auth | start | global | gw | esp | tunnel)
			printf -v "${kv%%=*}" %s "${kv#*=}" ;;
		*) diag "iked_conf_one: unknown key $kv"; return 1 ;;
		esac
	done
	iked_conf "$ns" <<-EOC
	log-level debug;
	control-socket $(iked_dir "$ns")/iked.sock;
	$global
	ike-crypto-profile ike-b {
		encryption aes-gcm-16-128;
		prf sha256;
		dh-group 31;
	}
	ipsec-crypto-profile esp-b {
		protocol esp;
		encryption aes-gcm-16-128;
		$esp
	}
	ike-gateway b {
		local-address $local;
		peer-address $peer;
		local-id $lid;
		peer-id $rid;
		authentication $auth;
		ike-crypto-profile ike-b;
		version 2;
		$gw
	}
	ipsec-tunnel ab {
		interface vtun0;
		ike-gateway b;
		ipsec-crypto-profile esp-b;
		start $start;
		$tunnel
	}
	EOC
}

# same_spis TAG NS_IKED NS_SW: the CHILD SA's SPIs agree in vtun-iked,
# strongSwan and both kernels
same_spis() {
	local la lb
	la=$(iked_sas "$2")
	lb=$(sw_sas "$3")
	diag "iked: ${la//$'\n'/$'\n'# iked: }"
	diag "sw: ${lb//$'\n'/$'\n'# sw: }"
	check_eq "$1: vtun-iked's inbound SPI is strongSwan's outbound" \
		"$(sas_get "$la" child spi_in)" "$(sas_get "$lb" child spi_out)"
	check_eq "$1: vtun-iked's outbound SPI is strongSwan's inbound" \
		"$(sas_get "$la" child spi_out)" "$(sas_get "$lb" child spi_in)"
	check_eq "$1: vtun's kernel holds them" \
		"$(printf '%s\n' "$(sas_get "$la" child spi_in)" \
			"$(sas_get "$la" child spi_out)" | sort)" "$(vtun_spis "$2")"
	check_eq "$1: XFRM holds them" \
		"$(printf '%s\n' "$(sas_get "$lb" child spi_in)" \
			"$(sas_get "$lb" child spi_out)" | sort)" "$(xfrm_spis "$3")"
}

iked_start() {
	local d
	d=$(iked_dir "$1")
	"$VTUN_IKED" -t -f "$d/iked.conf" >"$d/iked.log" 2>&1 || {
		sed 's/^/#   /' "$d/iked.log"
		return 1
	}
	ip netns exec "$1" "$VTUN_IKED" -d -f "$d/iked.conf" >"$d/iked.log" 2>&1 &
	echo "$!" >"$d/pid"
	defer iked_stop "$1"
	retry 10 test -S "$d/iked.sock" || {
		diag "vtun-iked in $1 did not start"
		iked_log "$1"
		return 1
	}
}

iked_stop() {
	local d pid
	d=$(iked_dir "$1")
	pid=$(cat "$d/pid" 2>/dev/null) || return 0
	rm -f "$d/pid"
	kill "$pid" 2>/dev/null && { retry 5 _sw_gone "$pid" || kill -9 "$pid"; }
	wait "$pid" 2>/dev/null
	return 0
}

iked_log() { tail -n "${2:-30}" "$(iked_dir "$1")/iked.log" | sed 's/^/#   /'; }

iked_ctl() {
	local ns=$1 j=''
	shift
	[ "$1" = -j ] && { j=-j; shift; }
	"$VTUNCTL" $j ike socket "$(iked_dir "$ns")/iked.sock" "$@"
}

# jq: a number in lower-case hex, as sw_sas prints SPIs
_JQ_HEX='def hex: if . < 16 then "0123456789abcdef"[.:.+1]
	else (. / 16 | floor | hex) + ("0123456789abcdef"[. % 16:. % 16 + 1]) end;
	def dash: if . == "" or . == null then "-" else tostring end;
	def id: tostring | gsub(", "; ",") | gsub(" "; "_");'

iked_sas() {
	iked_ctl "$1" -j show | jq -r "$_JQ_HEX"'
	.["ike-sas"][] as $s |
	("ike \($s.tunnel) state=\($s.state | ascii_upcase)" +
	 " initiator=\(if $s.initiator then "yes" else "no" end)" +
	 " spi_i=\($s["spi-i"]) spi_r=\($s["spi-r"])" +
	 " encr=\($s.encryption | dash) integ=\($s.integrity | dash)" +
	 " prf=\($s.prf | dash) dh=\($s["dh-group"] | dash)" +
	 " local=\($s.local) remote=\($s.peer)" +
	 " local_id=\($s["local-id"] | id) remote_id=\($s["peer-id"] | id)"),
	($s["child-sas"][] |
	 "child \($s.tunnel) ike=\($s.tunnel) state=INSTALLED" +
	 " proto=\(.protocol) spi_in=\(.["spi-in"] | hex)" +
	 " spi_out=\(.["spi-out"] | hex) encr=\(.encryption | dash)" +
	 " integ=\(.integrity | dash) dh=\(.["dh-group"] | dash)" +
	 " esn=\(if .esn then "yes" else "no" end) proxy_id=\(.["proxy-id"])" +
	 " local_ts=\(.["local-ts"] | if type == "array" then join(",") else . end)" +
	 " remote_ts=\(.["remote-ts"] | if type == "array" then join(",") else . end)")'
}

vtun_spis() {
	ip netns exec "$1" "$VTUNCTL" -j sa show "${2:-vtun0}" |
		jq -r "$_JQ_HEX"' .[].spi | hex' | sort
}

# sw_notify NAME: how charon's log abbreviates notify NAME ("N(...)")
sw_notify() {
	case $1 in
	AUTHENTICATION_FAILED) echo AUTH_FAILED ;;
	NO_PROPOSAL_CHOSEN) echo NO_PROP ;;
	TS_UNACCEPTABLE) echo TS_UNACCEPT ;;
	INVALID_KE_PAYLOAD) echo INVAL_KE ;;
	*) echo "$1" ;;
	esac
}

# sw_log_mark NS: remember where NS's charon log ends; sw_log_grep NS
# STRING: whether STRING was logged since then
sw_log_mark() { stat -c %s "$(sw_dir "$1")/charon.log" >"$(sw_dir "$1")/mark"; }
sw_log_grep() {
	local d
	d=$(sw_dir "$1")
	tail -c +$(($(cat "$d/mark" 2>/dev/null || echo 0) + 1)) "$d/charon.log" |
		grep -qF -- "$2"
}
