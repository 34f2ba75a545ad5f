#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A hub of N tunnels (engine_udp -n, fake kernel) initiating to one native
# charon at its defaults holding N connections, each from its own address
# (as selftests/ike_scale.sh, at native speed): paced by the default
# initiate-limit all come up within a second and charon demands no cookie;
# then the unpaced burst (-L 10000), for comparison only (at 100 tunnels:
# 61 up after 60 s, 448 cookies). Needs root, charon with the openssl,
# gcm and kdf plugins, kernel-libipsec (no XFRM needed), and veth.
#
#	sudo ./engine_swan_scale.sh [N [BURST_SECONDS]]

set -u
cd "$(dirname "$0")" || exit 1
N=${1:-100}
BURST_T=${2:-20}
DIR=$(mktemp -d /tmp/engine_swan_scale.XXXXXX)
NS_S=swsc-$$
NS_V=vtsc-$$
PSK=scale-$$-secret
PASS=0
FAIL=0
CHARON_PID=

ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
nok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }

cleanup() {
	[ -n "$CHARON_PID" ] && kill "$CHARON_PID" 2>/dev/null
	sleep 0.5
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_V" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT

# shellcheck source=engine_swan_lib.sh
. ./engine_swan_lib.sh
swan_build || exit 1
# shellcheck disable=SC2046 # one word per address
swan_netns $(for ((i = 0; i < N; i++)); do echo "192.0.2.$((10 + i))"; done) || exit 1

cat >"$DIR/strongswan.conf" <<EOF
charon {
	load_modular = no
	load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey kernel-libipsec kernel-netlink socket-default vici sha1 sha2 hmac gcm aes kdf
	install_routes = no
	filelog {
		charon {
			path = $DIR/charon.log
			default = 1
			flush_line = yes
			ike = 2
		}
	}
	plugins {
		vici {
			socket = unix://$DIR/charon.vici
		}
	}
}
swanctl {
	load = random openssl kdf pem pkcs1 pkcs8 x509 pubkey
}
EOF
{
	echo "connections {"
	for ((i = 0; i < N; i++)); do
		cat <<-EOF
		t$i {
			local_addrs = 192.0.2.$((10 + i))
			remote_addrs = 192.0.2.1
			proposals = aes256gcm16-prfsha256-ecp256
			local {
				auth = psk
				id = 192.0.2.$((10 + i))
			}
			remote {
				auth = psk
				id = 192.0.2.1
			}
			children {
				c {
					local_ts = 0.0.0.0/0
					remote_ts = 0.0.0.0/0
					esp_proposals = aes128gcm16
				}
			}
		}
		EOF
	done
	echo "}"
	printf 'secrets {\n\tike-all {\n\t\tsecret = "%s"\n\t}\n}\n' "$PSK"
} >"$DIR/swanctl.conf"

swan_charon || exit 1

swan() {
	ip netns exec "$NS_S" env STRONGSWAN_CONF="$DIR/strongswan.conf" \
		swanctl "$@" --uri "unix://$DIR/charon.vici" </dev/null
}
swan --load-all --noprompt --file "$DIR/swanctl.conf" >"$DIR/load.out" 2>&1 ||
	{ cat "$DIR/load.out"; exit 1; }

# hub T LIMIT...: engine_udp -n N for T s; prints "UP ms" of the last tunnel
hub() {
	local t=$1
	shift
	: >"$DIR/charon.log"
	ip netns exec "$NS_V" "$DIR/engine_udp" -l 192.0.2.1 -r 192.0.2.10 \
		-k "$PSK" -i -n "$N" -t "$t" "$@" >"$DIR/udp.out" 2>"$DIR/udp.err"
}
cookies() { grep -c 'N(COOKIE)' "$DIR/charon.log"; }
last_up() { awk '$1 == "UP" { n = $2; t = $3 } END { print n + 0, t + 0 }' "$DIR/udp.out"; }

hub 10
read -r n ms < <(last_up)
if [ "$n" = "$N" ] && [ "$ms" -lt 1000 ]; then
	ok "paced: $N tunnels up in $ms ms"
else
	nok "paced: $n of $N tunnels up (last after $ms ms)"
fi
c=$(cookies)
if [ "$c" = 0 ]; then ok "paced: charon demanded no cookie"; else nok "paced: $c cookie lines"; fi
sleep 1
for ((i = 0; i < N; i++)); do swan --terminate --ike "t$i" --force --timeout 1 >/dev/null 2>&1; done

hub "$BURST_T" -L 10000
read -r n ms < <(last_up)
echo "# burst (no limit): $n of $N up after $BURST_T s (last after $ms ms), $(cookies) cookie lines"

echo "# $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
