#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vtun-iked against vtun-iked: ECDSA certificates with DN and FQDN IDs,
# traffic both ways (ping, TCP with verified bytes); a peer whose
# certificate comes from another CA gets AUTHENTICATION_FAILED and nothing
# is installed on either side; the first two IKE_SA_INIT requests dropped
# by nft are retransmitted (4 s, then 7.2 s later) and the tunnel comes up.
# vtun-timeout: 180
# vtun-kernels: 6.12

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/ike_lib.sh"

command -v pki >/dev/null || skip_all "strongswan-pki not installed"
need_modules veth nf_tables || skip_all "missing modules"
[ -x "$VTUN_IKED" ] || skip_all "vtun-iked not built"

CERTS=$(mktemp -d)
defer rm -rf "$CERTS"

# Site a is known by its DN, site b by its FQDN.
pair_id() {
	if [ "$1" = 0 ]; then echo "dn:\"$(sw_id 0 dn)\""; else echo "fqdn:$(sw_id 1 fqdn)"; fi
}

# pair_conf NS I START CADIR: site I's vtun-iked, certificate auth with
# site I's P-256 certificate, trusting CADIR's CA.
pair_conf() {
	local ns=$1 i=$2 p=$((1 - $2)) d
	d=$(iked_dir "$ns")
	mkdir -p "$d" && cp "$4/ca.pem" "$d/ca.pem" &&
		cp "$4/${SW_SITE[$i]}-p256.pem" "$d/cert.pem" &&
		cp "$4/${SW_SITE[$i]}-p256.key" "$d/key.pem" || return
	iked_conf "$ns" <<-EOF
	log-level debug;
	control-socket $d/iked.sock;
	ike-crypto-profile ike { encryption aes-gcm-16-256; prf sha384; dh-group 20; }
	ipsec-crypto-profile esp { encryption chacha20-poly1305; esn yes; }
	ike-gateway peer {
		local-address ${UL4[$i]}; peer-address ${UL4[$p]};
		local-id $(pair_id "$i");
		peer-id $(pair_id "$p");
		authentication certificate { cert cert.pem; key key.pem; ca ca.pem; }
		ike-crypto-profile ike;
	}
	ipsec-tunnel ab { interface vtun0; ike-gateway peer;
		ipsec-crypto-profile esp; start $3; }
	EOF
}

# pair_start START_A CADIR_A CADIR_B: both daemons (B answers only)
pair_start() {
	pair_conf "$B" 1 responder "$3" && iked_start "$B" &&
		pair_conf "$A" 0 "$1" "$2" && iked_start "$A" &&
		retry 10 ip -n "$A" link show vtun0 >/dev/null &&
		retry 10 ip -n "$B" link show vtun0 >/dev/null
}

pair_up() {
	[ "$(vtun_spis "$A" | wc -l)" = 2 ] && [ "$(vtun_spis "$B" | wc -l)" = 2 ]
}

pair_stop() { iked_stop "$A"; iked_stop "$B"; }

topo_underlay || { fail "underlay"; tap_done; exit; }
check "certificates" eval 'sw_mkcerts "$CERTS/ca1" p256 >/dev/null 2>&1 &&
	sw_mkcerts "$CERTS/ca2" p256 >/dev/null 2>&1'

# 1. Certificates from one CA: up, the same SAs on both, traffic.
check "both daemons start" pair_start always "$CERTS/ca1" "$CERTS/ca1"
site_overlay "$A" 0 vtun0
site_overlay "$B" 1 vtun0
check "CHILD SAs in both kernels" retry 20 pair_up
check_eq "A's SPIs are B's" "$(vtun_spis "$A")" "$(vtun_spis "$B")"
check_eq "A: IKE SA established" ESTABLISHED "$(sas_get "$(iked_sas "$A")" ike state)"
peer_cn() {
	local ids
	ids=$(iked_ctl "$B" -j show |
		jq -r '."ike-sas"[] | select(.state == "established") | ."peer-id"')
	echo "established IKE SAs' peer IDs: $ids"
	tr -d ' ' <<<"$ids" | grep -q "CN=$(sw_id 0 dn | sed 's/.*CN=//')"
}
check "B authenticated A by its DN" peer_cn
check "ping A->B inner v4" overlay_ping "$A" 0 4
check "ping B->A inner v6" overlay_ping "$B" 1 6
check "TCP A->B bytes verified" overlay_tcp "$B" 1 "$A" 4 65536
check "vtunctl ike down at A" iked_ctl "$A" down ab
check "B's SAs gone" retry 10 none_left "$B" vtun_spis
pair_stop

# 2. A's certificate is from a CA B does not trust.
check "daemons with different CAs start" pair_start always "$CERTS/ca2" "$CERTS/ca1"
check "B refuses A: AUTHENTICATION_FAILED" \
	retry 15 grep -q AUTHENTICATION_FAILED "$(iked_dir "$B")/iked.log"
check "A is told: AUTHENTICATION_FAILED" \
	retry 5 grep -q AUTHENTICATION_FAILED "$(iked_dir "$A")/iked.log"
check_eq "no SA in A's kernel" "" "$(vtun_spis "$A")"
check_eq "no SA in B's kernel" "" "$(vtun_spis "$B")"
pair_stop

# 3. The first two IKE_SA_INIT requests are lost.
ip netns exec "$B" nft -f - <<-EOF
table inet lossy {
	chain in {
		type filter hook input priority 0;
		udp dport 500 numgen inc mod 1000 lt 2 counter drop
	}
}
EOF
t0=$SECONDS
check "daemons start behind a lossy path" pair_start always "$CERTS/ca1" "$CERTS/ca1"
check "retransmitted: CHILD SAs in both kernels" retry 30 pair_up
diag "up after $((SECONDS - t0)) s with two requests lost"
check_eq "two requests were dropped" 2 \
	"$(ip netns exec "$B" nft -j list table inet lossy |
		jq '[.nftables[].rule.expr[]?.counter.packets // empty] | add')"
check "ping A->B after retransmission" overlay_ping "$A" 0 4
pair_stop
tap_done
