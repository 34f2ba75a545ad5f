#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The IKEv2 engine (engine_udp, fake kernel) against strongSwan's charon in
# network namespaces on the host: IKE_SA_INIT + IKE_AUTH with PSK both ways,
# several IKE suites and DH groups, INVALID_KE_PAYLOAD from charon, wrong
# PSK, DELETE both ways, certificates (RSASSA-PSS both ways too), and CHILD
# SA keys compared with the ones charon
# derives (charon's debug log, level 4). Needs root, charon with the openssl,
# gcm and kdf plugins (libstrongswan-standard-plugins), and veth.
#
# Without XFRM algorithms in the host kernel charon cannot install its CHILD
# SAs: it derives and logs them, then gives up on the CHILD SA (as
# responder: NO_PROPOSAL_CHOSEN; as initiator: a DELETE), which this test
# expects. With a usable kernel XFRM it still passes.
#
#	sudo ./engine_swan.sh [-v]

set -u
cd "$(dirname "$0")"
DIR=$(mktemp -d /tmp/engine_swan.XXXXXX)
NS_S=swan-$$
NS_V=vt-$$
PSK=interop-$$-secret
VERBOSE=${1:-}
PASS=0
FAIL=0
CHARON_PID=
UDP_PID=

ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
nok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }

cleanup() {
	[ -n "$UDP_PID" ] && kill "$UDP_PID" 2>/dev/null
	[ -n "$CHARON_PID" ] && kill "$CHARON_PID" 2>/dev/null
	sleep 0.5
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_V" 2>/dev/null
	[ -z "$VERBOSE" ] && rm -rf "$DIR"
}
trap cleanup EXIT

# shellcheck source=engine_swan_lib.sh
. ./engine_swan_lib.sh
swan_build || exit 1
swan_netns 192.0.2.2 || exit 1

cat > "$DIR/strongswan.conf" <<EOF
charon {
	load_modular = no
	load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey kernel-libipsec kernel-netlink socket-default vici sha1 sha2 hmac gcm aes kdf
	install_routes = no
	retransmit_tries = 2
	filelog {
		charon {
			path = $DIR/charon.log
			default = 1
			flush_line = yes
			ike = 2
			chd = 4
		}
	}
	plugins {
		vici {
			socket = unix://$DIR/charon.vici
		}
	}
}
EOF

swan() {
	ip netns exec "$NS_S" env STRONGSWAN_CONF="$DIR/strongswan.conf" \
		swanctl "$1" --uri "unix://$DIR/charon.vici" "${@:2}"
}

# swan_conf IKE_PROPOSALS ESP_PROPOSALS PSK
swan_conf() {
	cat > "$DIR/swanctl.conf" <<EOF
connections {
	vt {
		version = 2
		local_addrs = 192.0.2.2
		remote_addrs = 192.0.2.1
		proposals = $1
		local {
			auth = psk
			id = 192.0.2.2
		}
		remote {
			auth = psk
			id = 192.0.2.1
		}
		children {
			net {
				local_ts = 0.0.0.0/0,::/0
				remote_ts = 0.0.0.0/0,::/0
				esp_proposals = $2
				start_action = none
			}
		}
	}
}
secrets {
	ike-vt {
		id-1 = 192.0.2.1
		id-2 = 192.0.2.2
		secret = "$3"
	}
}
EOF
	swan --load-all --file "$DIR/swanctl.conf" >"$DIR/load.out" 2>&1 || cat "$DIR/load.out"
}

swan_charon || exit 1

# run_udp OUT ARGS...: engine_udp in the background
run_udp() {
	local out=$1; shift
	ip netns exec "$NS_V" "$DIR/engine_udp" -l 192.0.2.1 -r 192.0.2.2 \
		-K "$out.keys" "$@" >"$out" 2>&1 &
	UDP_PID=$!
}

wait_udp() {
	wait "$UDP_PID"
	local rc=$?
	UDP_PID=
	[ -n "$VERBOSE" ] && sed 's/^/    /' "$1"
	return $rc
}

# charon's SPIs of its IKE SA, as "spi_i spi_r" (lowercase hex)
swan_spis() {
	swan --list-sas 2>/dev/null |
		sed -n 's/.*, \([0-9a-f]\{16\}\)_i\*\? \([0-9a-f]\{16\}\)_r\*\?.*/\1 \2/p' |
		head -1
}

# our IKE SPIs from engine_udp's IKE line
our_spis() {
	sed -n 's/^IKE established spi_i=\([0-9a-f]*\) spi_r=\([0-9a-f]*\).*/\1 \2/p' "$1" | head -1
}

# charon's CHILD keys of the last derivation: "initiator responder" in hex
swan_keys() {
	awk '
	/encryption initiator key =>/ { k = "i"; ki = ""; next }
	/encryption responder key =>/ { k = "r"; kr = ""; next }
	/\[CHD\] +[0-9]+: / && k != "" {
		for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+:$/) break
		for (j = i + 1; j <= i + 16 && j <= NF; j++)
			if ($j ~ /^[0-9A-F][0-9A-F]$/) {
				if (k == "i") ki = ki tolower($j); else kr = kr tolower($j)
			}
		next
	}
	{ k = "" }
	END { print ki, kr }' "$DIR/charon.log"
}

# ---- engine initiates -------------------------------------------------------

# initiate NAME ENGINE_ARGS IKE_PROPOSALS EXPECT_ENCR EXPECT_DH
initiate() {
	local name=$1 args=$2 props=$3 encr=$4 dh=$5 out="$DIR/i.$1"

	swan_conf "$props" "aes128gcm16-esn-noesn,aes128-sha256-esn-noesn" "$PSK"
	# shellcheck disable=SC2086
	run_udp "$out" -i -k "$PSK" -t 10 $args
	wait_udp "$out"
	# without a CHILD SA (see above) we delete the IKE SA at once
	check "initiator $name: established" \
		grep -q "IKE SA .* established with 192.0.2.2" "$out"
	check "initiator $name: $encr $dh" \
		grep -q "established with 192.0.2.2: $encr .* $dh\$" "$out"
	check "initiator $name: charon authenticated us" \
		grep -q "IKE_SA vt\[[0-9]*\] established" "$DIR/charon.log"
	check "initiator $name: charon got our DELETE" \
		grep -q "received DELETE for IKE_SA" "$DIR/charon.log"
	check "initiator $name: no drops" bash -c "! grep -q '^DROPS' '$out'"
	check "initiator $name: nothing left in charon" \
		test -z "$(swan_spis)"
	: > "$DIR/charon.log"
}

initiate gcm-ecp256 "-I aes-gcm -g 19" \
	"aes256gcm16-prfsha256-ecp256" aes-gcm-16-256 ecp256
initiate cbc-modp2048 "-I aes-cbc -g 14" \
	"aes256-sha256-prfsha256-modp2048" aes-cbc-256 modp2048
initiate gcm-ecp384 "-I aes-gcm -g 20" \
	"aes256gcm16-prfsha256-ecp384" aes-gcm-16-256 ecp384
initiate gcm-ecp521 "-I aes-gcm -g 21" \
	"aes256gcm16-prfsha256-ecp521" aes-gcm-16-256 ecp521
initiate gcm-x25519 "-I aes-gcm -g 31" \
	"aes256gcm16-prfsha256-curve25519" aes-gcm-16-256 curve25519
initiate chacha-modp3072 "-I chacha -g 15" \
	"chacha20poly1305-prfsha256-modp3072" chacha20-poly1305 modp3072
# we send KE for x25519 first, charon wants ecp256: INVALID_KE_PAYLOAD
initiate invalid-ke "-I aes-gcm -g 31" \
	"aes256gcm16-prfsha256-ecp256-modp2048" aes-gcm-16-256 ecp256

# wrong PSK as initiator: charon says AUTHENTICATION_FAILED
swan_conf "aes256gcm16-prfsha256-ecp256" "aes128gcm16" "$PSK"
run_udp "$DIR/i.wrong" -i -k "not-$PSK" -t 4
wait_udp "$DIR/i.wrong"
check "initiator wrong PSK: AUTHENTICATION_FAILED" \
	grep -q "AUTHENTICATION_FAILED" "$DIR/i.wrong"
check "initiator wrong PSK: not established" \
	bash -c "! grep -q '^ESTABLISHED' '$DIR/i.wrong'"
check "initiator wrong PSK: no kernel SA" \
	bash -c "! grep -q '^SA-ADD' '$DIR/i.wrong'"

# no common proposal
swan_conf "aes128-sha512-prfsha512-modp4096" "aes128gcm16" "$PSK"
run_udp "$DIR/i.noprop" -i -k "$PSK" -t 4
wait_udp "$DIR/i.noprop"
check "initiator no proposal: NO_PROPOSAL_CHOSEN" \
	grep -q "NO_PROPOSAL_CHOSEN" "$DIR/i.noprop"

# ---- charon initiates -------------------------------------------------------

# respond NAME ENGINE_ARGS IKE_PROPOSALS ESP_PROPOSALS ENCR
respond() {
	local name=$1 args=$2 out="$DIR/r.$1" ours theirs keys

	swan_conf "$3" "$4" "$PSK"
	: > "$DIR/charon.log"
	# shellcheck disable=SC2086
	run_udp "$out" -k "$PSK" -t 8 $args
	sleep 0.3
	swan --initiate --child net --timeout 5 >/dev/null 2>&1
	theirs=$(swan_spis)
	sleep 0.5
	swan --terminate --ike vt --timeout 5 >/dev/null 2>&1
	wait_udp "$out"
	ours=$(our_spis "$out")
	check "responder $name: established" grep -q '^ESTABLISHED' "$out"
	check "responder $name: $5" grep -q "^IKE established .* $5 " "$out"
	check "responder $name: SPIs equal ($ours / $theirs)" \
		test -n "$ours" -a "$ours" = "$theirs"
	keys=$(swan_keys)
	# we are the responder: inbound is initiator->responder
	check "responder $name: CHILD keys equal charon's" test \
		"$(awk '$1 == "in" { i = $3 } $1 == "out" { o = $3 }
		       END { print i, o }' "$out.keys")" = "$keys"
	check "responder $name: charon's DELETE removed the IKE SA" \
		grep -q '^DELETED' "$out"
	check "responder $name: no drops" bash -c "! grep -q '^DROPS' '$out'"
}

respond gcm "-I aes-gcm" "aes256gcm16-prfsha256-ecp256" \
	"aes128gcm16-esn" aes-gcm-16-256
respond cbc "-I aes-cbc -E aes-cbc -g 14" \
	"aes256-sha256-prfsha256-modp2048" "aes128-sha256-noesn" aes-cbc-256
# charon sends KE for ecp256 while proposing x25519 first: we accept
# ecp256 (in our profile) without a round trip
respond ke-accept "-I aes-gcm -g 31" \
	"aes256gcm16-prfsha256-ecp256-curve25519" "aes128gcm16" aes-gcm-16-256

# wrong PSK as responder
swan_conf "aes256gcm16-prfsha256-ecp256" "aes128gcm16" "not-$PSK"
run_udp "$DIR/r.wrong" -k "$PSK" -t 3
sleep 0.3
swan --initiate --child net --timeout 3 > "$DIR/r.wrong.swan" 2>&1
wait_udp "$DIR/r.wrong"
check "responder wrong PSK: charon got AUTHENTICATION_FAILED" \
	grep -q "AUTHENTICATION_FAILED" "$DIR/r.wrong.swan"
check "responder wrong PSK: no kernel SA" \
	bash -c "! grep -q '^SA-ADD' '$DIR/r.wrong'"

# ---- certificates -----------------------------------------------------------

C=$DIR/certs
mkdir -p "$C" "$DIR/x509" "$DIR/x509ca" "$DIR/private"
(
	cd "$C" || exit 1
	printf 'subjectAltName=IP:192.0.2.1\n' > a.ext
	printf 'subjectAltName=IP:192.0.2.2\n' > b.ext
	openssl ecparam -name prime256v1 -genkey -noout -out ca.key &&
	openssl req -x509 -new -key ca.key -subj '/O=vtun/CN=Test CA' \
		-days 30 -out ca.pem &&
	openssl ecparam -name secp384r1 -genkey -noout -out a.key &&
	openssl req -new -key a.key -subj '/O=vtun/CN=a' -out a.csr &&
	openssl x509 -req -in a.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-days 30 -extfile a.ext -out a.pem &&
	openssl genrsa -out b.key 3072 &&
	openssl req -new -key b.key -subj '/O=vtun/CN=b' -out b.csr &&
	openssl x509 -req -in b.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-days 30 -extfile b.ext -out b.pem &&
	openssl genrsa -out a-rsa.key 2048 &&
	openssl req -new -key a-rsa.key -subj '/O=vtun/CN=a' -out a-rsa.csr &&
	openssl x509 -req -in a-rsa.csr -CA ca.pem -CAkey ca.key \
		-CAcreateserial -days 30 -extfile a.ext -out a-rsa.pem &&
	openssl ecparam -name secp384r1 -genkey -noout -out self.key &&
	openssl req -x509 -new -key self.key -subj '/O=vtun/CN=a' \
		-days 30 -out self.pem
) >/dev/null 2>&1 || nok "openssl certificates"
cp "$C/ca.pem" "$DIR/x509ca/"
cp "$C/b.pem" "$DIR/x509/"
cp "$C/b.key" "$DIR/private/"

# swan_cert_conf [AUTH]: charon's connection with its RSA certificate
# (AUTH: both rounds' auth, default pubkey)
swan_cert_conf() {
	cat > "$DIR/swanctl.conf" <<EOF
connections {
	vt {
		version = 2
		local_addrs = 192.0.2.2
		remote_addrs = 192.0.2.1
		proposals = aes256gcm16-prfsha256-ecp384
		local {
			auth = ${1:-pubkey}
			certs = b.pem
			id = "O=vtun, CN=b"
		}
		remote {
			auth = ${1:-pubkey}
			id = "O=vtun, CN=a"
		}
		children {
			net {
				local_ts = 0.0.0.0/0,::/0
				remote_ts = 0.0.0.0/0,::/0
				esp_proposals = aes128gcm16
				start_action = none
			}
		}
	}
}
EOF
	swan --load-all --file "$DIR/swanctl.conf" >"$DIR/load.out" 2>&1 ||
		cat "$DIR/load.out"
}

# cert NAME ENGINE_ARGS: charon has an RSA certificate, we an ECDSA P-384 one
cert() {
	local name=$1 out

	swan_cert_conf
	: > "$DIR/charon.log"
	out="$DIR/i.cert-$name"
	# shellcheck disable=SC2086
	run_udp "$out" -i -C "$C" -N a -g 20 -t 6 $2
	wait_udp "$out"
	check "initiator cert $name: established" \
		grep -q "IKE SA .* established with O = vtun, CN = b" "$out"
	check "initiator cert $name: charon verified us" \
		grep -q "authentication of 'O=vtun, CN=a' with .* successful" \
		"$DIR/charon.log"

	: > "$DIR/charon.log"
	out="$DIR/r.cert-$name"
	# shellcheck disable=SC2086
	run_udp "$out" -C "$C" -N a -g 20 -t 6 $2
	sleep 0.3
	swan --initiate --child net --timeout 5 >/dev/null 2>&1
	swan --terminate --ike vt --timeout 5 >/dev/null 2>&1
	wait_udp "$out"
	check "responder cert $name: established" grep -q '^ESTABLISHED' "$out"
	check "responder cert $name: charon verified us" \
		grep -q "authentication of 'O=vtun, CN=a' with .* successful" \
		"$DIR/charon.log"
}

cert rfc7427 ""
cert ecdsa-method "-1"

# RSASSA-PSS both ways: charon signs with it and accepts nothing else
swan_cert_conf ike:rsa/pss-sha256
: > "$DIR/charon.log"
run_udp "$DIR/i.cert-pss" -i -C "$C" -N a-rsa -S -g 20 -t 6
wait_udp "$DIR/i.cert-pss"
check "initiator rsa-pss: established" \
	grep -q "IKE SA .* established with O = vtun, CN = b" "$DIR/i.cert-pss"
check "initiator rsa-pss: charon verified our RSASSA-PSS signature" \
	grep -q "authentication of 'O=vtun, CN=a' with RSA_EMSA_PSS_SHA2_256_SALT_32 successful" \
	"$DIR/charon.log"
check "initiator rsa-pss: charon signed with RSASSA-PSS" \
	grep -q "(myself) with RSA_EMSA_PSS_SHA2_256_SALT_32 successful" \
	"$DIR/charon.log"
: > "$DIR/charon.log"
run_udp "$DIR/i.cert-pkcs1" -i -C "$C" -N a-rsa -g 20 -t 4
wait_udp "$DIR/i.cert-pkcs1"
check "initiator pkcs1 refused by charon's rsa/pss constraint" \
	grep -q "AUTHENTICATION_FAILED" "$DIR/i.cert-pkcs1"

# a self-signed certificate charon does not trust
swan_cert_conf
run_udp "$DIR/i.cert-untrusted" -i -C "$C" -N self -g 20 -t 4
wait_udp "$DIR/i.cert-untrusted"
check "initiator untrusted cert: AUTHENTICATION_FAILED" \
	grep -q "AUTHENTICATION_FAILED" "$DIR/i.cert-untrusted"
check "initiator untrusted cert: no kernel SA" \
	bash -c "! grep -q '^SA-ADD' '$DIR/i.cert-untrusted'"

# ---- proxy IDs: charon policy-based with several subnet pairs ----------------

# all CHILD key derivations of charon's log, one "i r" line each
swan_keys_all() {
	awk '
	/encryption initiator key =>/ { k = "i"; ki = ""; next }
	/encryption responder key =>/ { k = "r"; kr = ""; next }
	/\[CHD\] +[0-9]+: / && k != "" {
		for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+:$/) break
		for (j = i + 1; j <= i + 16 && j <= NF; j++)
			if ($j ~ /^[0-9A-F][0-9A-F]$/) {
				if (k == "i") ki = ki tolower($j); else kr = kr tolower($j)
			}
		next
	}
	k == "r" { print ki, kr }
	{ k = "" }' "$DIR/charon.log"
}

cat > "$DIR/swanctl.conf" <<EOF
connections {
	vt {
		version = 2
		local_addrs = 192.0.2.2
		remote_addrs = 192.0.2.1
		proposals = aes256gcm16-prfsha256-ecp256
		local {
			auth = psk
			id = 192.0.2.2
		}
		remote {
			auth = psk
			id = 192.0.2.1
		}
		children {
			net1 {
				local_ts = 10.2.0.0/16
				remote_ts = 10.1.0.0/16
				esp_proposals = aes128gcm16-ecp256
				start_action = none
			}
			net2 {
				local_ts = 10.4.0.0/16
				remote_ts = 10.3.0.0/16
				esp_proposals = aes128gcm16-ecp256
				start_action = none
			}
			net3 {
				local_ts = 10.6.1.0/24
				remote_ts = 10.5.0.0/16
				esp_proposals = aes128gcm16-ecp256
				start_action = none
			}
			net4 {
				local_ts = 10.8.0.0/16
				remote_ts = 10.7.0.0/16
				esp_proposals = aes128gcm16-ecp256
				start_action = none
			}
		}
	}
}
secrets {
	ike-vt {
		id-1 = 192.0.2.1
		id-2 = 192.0.2.2
		secret = "$PSK"
	}
}
EOF
swan --load-all --file "$DIR/swanctl.conf" >/dev/null 2>&1
: > "$DIR/charon.log"
out=$DIR/r.proxy
run_udp "$out" -k "$PSK" -t 10 -P 19 -p 10.1.0.0/16=10.2.0.0/16 \
	-p 10.3.0.0/16=10.4.0.0/16 -p 10.5.0.0/16=10.6.0.0/16
sleep 0.3
for c in net1 net2 net3 net4; do
	swan --initiate --child $c --timeout 5 > "$DIR/r.proxy.$c" 2>&1
done
swan --terminate --ike vt --timeout 5 >/dev/null 2>&1
wait_udp "$out"
check "proxy IDs: three CHILD SAs installed" \
	test "$(grep -c '^SA-ADD in' "$out")" = 3
check "proxy IDs: narrowed to charon's 10.6.1.0/24" \
	grep -q "CHILD SA in .* 10.5.0.0/16 === 10.6.1.0/24" "$out"
check "proxy IDs: PFS on the CREATE_CHILD_SA ones" \
	test "$(grep -c "CHILD SA in .* aes-gcm-16-128 ecp256 " "$out")" = 2
check "proxy IDs: CREATE_CHILD_SA with PFS keys equal charon's" test \
	"$(awk '$1 == "in" { i = $3 } $1 == "out" { print i, $3 }' "$out.keys")" \
	= "$(swan_keys_all)"
check "proxy IDs: the fourth pair refused with TS_UNACCEPTABLE" \
	grep -q "TS_UNACCEPTABLE" "$DIR/r.proxy.net4"
check "proxy IDs: no drops" bash -c "! grep -q '^DROPS' '$out'"

# we initiate: IKE_AUTH for the first, CREATE_CHILD_SA with PFS for the rest
: > "$DIR/charon.log"
out=$DIR/i.proxy
run_udp "$out" -i -k "$PSK" -t 4 -P 19 -p 10.1.0.0/16=10.2.0.0/16 \
	-p 10.3.0.0/16=10.4.0.0/16 -p 10.5.1.0/24=10.6.1.0/24
wait_udp "$out"
check "proxy IDs initiator: charon selected each pair" test \
	"$(grep -c 'CHILD_SA net[123]{[0-9]*} state change: CREATED => INSTALLING' \
	"$DIR/charon.log")" = 3
check "proxy IDs initiator: PFS in CREATE_CHILD_SA" test \
	"$(grep -c 'selected proposal: ESP:AES_GCM_16_128/ECP_256' \
	"$DIR/charon.log")" = 2
check "proxy IDs initiator: no drops" bash -c "! grep -q '^DROPS' '$out'"

echo "# $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
