#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vtun links: creation and deletion; every parameter through vtunctl,
# ip(8) and its link_vtun.so plugin; IPv6; rejection of every invalid
# parameter (errno and extack message, nothing left behind, nothing
# changed); VRF enslavement and VRF underlay; moving between namespaces;
# namespace deletion; module unload; dev-get dumps; MTU.
#
# vtun-timeout: 600

. "$(dirname "$0")/lib.sh"

PY=$(command -v python3) || skip_all "python3 is needed to read JSON"

vt() { "$VTUNCTL" "$@"; }

# jq-like reader: "json_get PATH..." prints, one line each, the value at
# each PATH (keys and array indices separated by dots; "len" gives a length)
# of the JSON on stdin: strings raw, other values as JSON, "<absent>" if
# there is no such key.
json_get() {
	"$PY" -c '
import json, sys
try:
    doc = json.load(sys.stdin)
except ValueError as e:
    sys.exit("invalid JSON: %s" % e)
for path in sys.argv[1:]:
    v = doc
    for k in path.split(".") if path else []:
        if k == "len":
            v = len(v)
        elif isinstance(v, list):
            v = v[int(k)] if int(k) < len(v) else None
        elif isinstance(v, dict) and k in v:
            v = v[k]
        else:
            v = None
        if v is None:
            v = "<absent>"
            break
    print(v if isinstance(v, str) else json.dumps(v))
' "$@"
}

# dev_field NS DEV FIELD: a field of "vtunctl -j show DEV".
dev_field() {
	vt -n "$1" -j show "$2" | json_get "0.$3"
}

# dev_params NS DEV: the parameters (no counters) as one JSON line.
dev_params() {
	vt -n "$1" -j show "$2" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)[0]
d.pop("stats", None); d.pop("drops", None)
print(json.dumps(d, sort_keys=True))'
}

# check_fields DESC PREFIX JSON FIELD=VALUE...: each FIELD under PREFIX of
# the JSON document has its VALUE.
check_fields() {
	local desc=$1 prefix=$2 json=$3 kv keys=() vals=() got=() i
	shift 3
	for kv in "$@"; do
		keys+=("$prefix${kv%%=*}")
		vals+=("${kv#*=}")
	done
	# Not JSON: show what came instead (an error message).
	json_get "${keys[@]}" <<<"$json" >fields.out 2>/dev/null &&
		mapfile -t got <fields.out
	for i in "${!keys[@]}"; do
		check_eq "$desc: ${keys[i]#"$prefix"}" "${vals[i]}" \
			"${got[i]-${json:0:300}}"
	done
}

# check_dev DESC NS DEV FIELD=VALUE...: in "vtunctl -j show DEV".
check_dev() {
	local desc=$1 ns=$2 dev=$3
	shift 3
	check_fields "$desc" 0. "$(vt -n "$ns" -j show "$dev" 2>&1)" "$@"
}

# check_ip DESC NS DEV FIELD=VALUE...: in info_data of "ip -j -d link show".
check_ip() {
	local desc=$1 ns=$2 dev=$3
	shift 3
	check_fields "$desc: ip" 0.linkinfo.info_data. \
		"$(ip -n "$ns" -j -d link show dev "$dev" 2>&1)" "$@"
}

# nlraw NS [--set] NAME ATTR=VALUE...: send RTM_NEWLINK for kind vtun with
# raw IFLA_VTUN_* values that vtunctl would never produce. ATTR is local,
# remote (hex bytes), underlay (u32), zone (string, sent with its NUL),
# mode, gre, copy_tos, ttl, df (u8). Prints "Error: MESSAGE (strerror)"
# and fails if the kernel refuses.
nlraw() {
	local ns=$1
	shift
	ip netns exec "$ns" "$PY" -c '
import errno, os, socket, struct, sys

TYPES = {"local": (1, "hex"), "remote": (2, "hex"), "underlay": (3, "u32"),
         "zone": (4, "str"), "mode": (5, "u8"), "gre": (6, "u8"),
         "copy_tos": (7, "u8"), "ttl": (8, "u8"), "df": (9, "u8")}

def attr(t, data):
    a = struct.pack("HH", 4 + len(data), t) + data
    return a + b"\0" * (-len(a) % 4)

args = sys.argv[1:]
change = args[0] == "--set"
if change:
    args = args[1:]
name, data = args[0], b""
for kv in args[1:]:
    k, v = kv.split("=", 1)
    t, kind = TYPES[k]
    if kind == "hex":
        data += attr(t, bytes.fromhex(v))
    elif kind == "u32":
        data += attr(t, struct.pack("I", int(v, 0)))
    elif kind == "str":
        data += attr(t, v.encode() + b"\0")
    else:
        data += attr(t, struct.pack("B", int(v, 0)))
linkinfo = attr(1, b"vtun\0") + attr(2, data)
flags = 0x1 | 0x4                                  # REQUEST | ACK
if change:
    index, body = socket.if_nametoindex(name), b""
else:
    index, body = 0, attr(3, name.encode() + b"\0")
    flags |= 0x400 | 0x200                         # CREATE | EXCL
body += attr(18, linkinfo)
msg = struct.pack("BBHiII", 0, 0, 0, index, 0, 0) + body
hdr = struct.pack("IHHII", 16 + len(msg), 16, flags, 1, 0)

s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
s.setsockopt(270, 11, 1)                           # NETLINK_EXT_ACK
s.setsockopt(270, 10, 1)                           # NETLINK_CAP_ACK
s.send(hdr + msg)
r = s.recv(65536)
length, mtype, mflags = struct.unpack_from("IHH", r)
if mtype != 2:
    sys.exit("unexpected reply type %d" % mtype)
err = -struct.unpack_from("i", r, 16)[0]
text, off = "", 16 + 4 + 16
while mflags & 0x200 and off + 4 <= length:
    alen, atype = struct.unpack_from("HH", r, off)
    if alen < 4:
        break
    if atype == 1:
        text = r[off + 4:off + alen].split(b"\0")[0].decode()
    off += (alen + 3) & ~3
if err:
    print("Error: %s (%s) [%s]" % (text, os.strerror(err),
                                   errno.errorcode.get(err, err)))
    sys.exit(1)
' "$@"
}

# The link is not there (after a refused request).
no_link() { ! ip -n "$1" link show dev "$2" >/dev/null 2>&1; }

check "module loads" vtun_load
need_modules veth vrf >/dev/null 2>&1

# --- the tool itself -------------------------------------------------------

check "vtunctl -V" vt -V
check "vtunctl help" vt help
_t_run vt link add
check_eq "usage error exits 255" 255 "$_T_RC"
_t_run vt sa add lo out esp aead 'rfc4106(gcm(aes))' 0x00 128
check_eq "sa add without spi is a usage error" 255 "$_T_RC"
_t_run vt link add vtun0 mode sideways
check_eq "bad keyword value is a usage error" 255 "$_T_RC"

# --- create and delete -----------------------------------------------------

ns_new ns
check "vtunctl link add" vt -n "$ns" link add vtun0
check "ip -d link shows kind vtun" \
	sh -c "ip -n $ns -d link show dev vtun0 | grep -qw vtun"
check_dev "defaults" "$ns" vtun0 ifname=vtun0 mode=tunnel gre=false \
	copy-tos=false ttl=0 df=inherit underlay=0 local="<absent>" \
	remote="<absent>" zone="<absent>" mtu=1395 on-demand=false carrier=false
check_eq "ifindex in JSON" \
	"$(ip netns exec "$ns" cat /sys/class/net/vtun0/ifindex)" \
	"$(dev_field "$ns" vtun0 ifindex)"
has_all_counters() {
	vt -n "$1" -j show "$2" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)[0]
assert set(d["stats"]) == {"rx-packets", "rx-bytes", "tx-packets",
                           "tx-bytes", "rx-dropped", "tx-dropped"}, d["stats"]
assert set(d["drops"]) == {"tx-no-sa", "tx-no-proxy-id", "tx-seq-exhausted", "tx-no-route",
    "tx-too-big", "tx-bad-inner", "tx-error", "rx-malformed",
    "rx-auth-failed", "rx-replay", "rx-too-old", "rx-bad-trailer",
    "rx-selector-mismatch", "rx-ecn", "rx-bad-inner", "rx-error", "rx-no-sa", "rx-bad-outer"}, d["drops"]'
}
check "JSON has every counter" has_all_counters "$ns" vtun0
check "text show -s has counters" \
	sh -c "$VTUNCTL -n $ns -s show vtun0 | grep -q 'rx-selector-mismatch 0'"
check "text show without -s has none" \
	sh -c "! $VTUNCTL -n $ns show vtun0 | grep -q 'tx-no-sa'"
check "pretty JSON parses" sh -c "$VTUNCTL -n $ns -j -p show | $PY -m json.tool >/dev/null"
check_err "duplicate add refused" "File exists" vt -n "$ns" link add vtun0
check "link goes up" ip -n "$ns" link set vtun0 up
check "vtunctl link del" vt -n "$ns" link del vtun0
check "link is gone" no_link "$ns" vtun0
check_err "del of a missing link" 'Cannot find device "vtun0"' \
	vt -n "$ns" link del vtun0
check_err "del of a non-vtun link refused" "not a vtun device" \
	vt -n "$ns" link del lo
check "plain ip link add type vtun" ip -n "$ns" link add vtun1 type vtun
check "plain ip link del" ip -n "$ns" link del vtun1
check_eq "empty dump" "0" "$(vt -n "$ns" -j show | json_get len)"

# --- every parameter round-trips -------------------------------------------

ns_new ns
ip -n "$ns" link add ul0 type veth peer name ul1
ip -n "$ns" link add ul2 type veth peer name ul3
ul0=$(ip netns exec "$ns" cat /sys/class/net/ul0/ifindex)
ul2=$(ip netns exec "$ns" cat /sys/class/net/ul2/ifindex)
check "add with every parameter" vt -n "$ns" link add vtun0 \
	local 192.0.2.1 remote 198.51.100.1 underlay ul0 zone trust \
	mode transport gre on copy-tos on ttl 64 df set on-demand on
check_dev "add" "$ns" vtun0 local=192.0.2.1 remote=198.51.100.1 \
	underlay="$ul0" zone=trust mode=transport gre=true copy-tos=true \
	ttl=64 df=set on-demand=true carrier=true
check_ip "add" "$ns" vtun0 local=192.0.2.1 remote=198.51.100.1 \
	underlay=ul0 zone=trust mode=transport gre=true copy-tos=true \
	ttl=64 df=set on-demand=true
check "ip -d link text" sh -c "ip -n $ns -d link show dev vtun0 | grep -q \
'local 192.0.2.1 remote 198.51.100.1 underlay ul0 zone trust mode transport gre on copy-tos on ttl 64 df set'"
check "vtunctl show text" sh -c "$VTUNCTL -n $ns show vtun0 | grep -q \
'local 192.0.2.1 remote 198.51.100.1 underlay ul0 zone trust'"

check "link set changes every parameter" vt -n "$ns" link set vtun0 \
	local 203.0.113.1 remote 203.0.113.2 underlay ul2 zone untrust \
	mode tunnel gre off copy-tos off ttl inherit df clear on-demand off
check_dev "set" "$ns" vtun0 local=203.0.113.1 remote=203.0.113.2 \
	underlay="$ul2" zone=untrust mode=tunnel gre=false copy-tos=false \
	ttl=0 df=clear on-demand=false carrier=false
check_ip "set" "$ns" vtun0 local=203.0.113.1 remote=203.0.113.2 \
	underlay=ul2 zone=untrust mode=tunnel gre=false copy-tos=false \
	ttl=0 df=clear on-demand=false

check "link set of one parameter" vt -n "$ns" link set vtun0 ttl 7
check_dev "one parameter" "$ns" vtun0 ttl=7 zone=untrust \
	local=203.0.113.1 remote=203.0.113.2 underlay="$ul2" df=clear
check "underlay none" vt -n "$ns" link set vtun0 underlay none
check_dev "underlay none" "$ns" vtun0 underlay=0
check "empty zone clears it" vt -n "$ns" link set vtun0 zone ""
check_dev "empty zone" "$ns" vtun0 zone="<absent>"

check "ip link add type vtun with parameters" ip -n "$ns" link add vtun1 \
	type vtun local 192.0.2.7 remote 192.0.2.8 underlay ul0 zone dmz \
	mode transport gre on copy-tos on ttl 3 df clear
check_dev "ip add" "$ns" vtun1 local=192.0.2.7 remote=192.0.2.8 \
	underlay="$ul0" zone=dmz mode=transport gre=true copy-tos=true \
	ttl=3 df=clear
check "ip link set type vtun" ip -n "$ns" link set vtun1 type vtun \
	zone dmz2 df inherit on-demand on
check_dev "ip set" "$ns" vtun1 zone=dmz2 df=inherit local=192.0.2.7 \
	mode=transport gre=true ttl=3 on-demand=true
check_err "ip refuses an unknown keyword" 'unknown vtun link option "bogus"' \
	ip -n "$ns" link set vtun1 type vtun bogus 1
check_eq "dump lists both" 2 "$(vt -n "$ns" -j show | json_get len)"

# --- IPv6 ------------------------------------------------------------------

check "add IPv6" vt -n "$ns" link add vtun6 local 2001:db8::1 \
	remote 2001:db8:1::1
check_dev "IPv6" "$ns" vtun6 local=2001:db8::1 remote=2001:db8:1::1
check_ip "IPv6" "$ns" vtun6 local=2001:db8::1 remote=2001:db8:1::1
check "set IPv6 remote" vt -n "$ns" link set vtun6 remote 2001:db8:2::2
check_dev "IPv6 set" "$ns" vtun6 local=2001:db8::1 remote=2001:db8:2::2
check_dev "IPv6 MTU" "$ns" vtun6 mtu=$((1500 - 40 - 85))
check "unset both addresses" vt -n "$ns" link set vtun6 local any remote any
check_dev "unset" "$ns" vtun6 local="<absent>" remote="<absent>"
check "then IPv4 is accepted" vt -n "$ns" link set vtun6 local 192.0.2.9 \
	remote 192.0.2.10
check_dev "family changed" "$ns" vtun6 local=192.0.2.9 remote=192.0.2.10

# --- invalid parameters ----------------------------------------------------

ns_new ns
ip -n "$ns" link add ul0 type veth peer name ul1
# check_bad DESC EXPECTED CMD...: refused with EXPECTED, no bad0 left.
check_bad() {
	local desc=$1 want=$2
	shift 2
	check_err "$desc" "$want" "$@"
	check "$desc: no device left" no_link "$ns" bad0
}
check_bad "mixed families" \
	"remote: address family differs from local (Invalid argument)" \
	vt -n "$ns" link add bad0 local 192.0.2.1 remote 2001:db8::1
check_bad "mixed families (ip)" "remote: address family differs from local" \
	ip -n "$ns" link add bad0 type vtun local 2001:db8::1 remote 192.0.2.1
check_bad "5-byte local" \
	"local: address must be 4 (IPv4) or 16 (IPv6) bytes (Invalid argument)" \
	nlraw "$ns" bad0 local=c000020101
check_bad "3-byte remote" \
	"remote: address must be 4 (IPv4) or 16 (IPv6) bytes (Invalid argument)" \
	nlraw "$ns" bad0 remote=c00002
check_bad "empty local" "local: address must be 4 (IPv4) or 16 (IPv6) bytes" \
	nlraw "$ns" bad0 local=
check_bad "17-byte remote" "[ERANGE]" \
	nlraw "$ns" bad0 remote=20010db8000000000000000000000001ff
check_bad "unknown underlay ifindex" \
	"underlay: no such device (No such device)" \
	nlraw "$ns" bad0 underlay=999999
check_bad "gre without transport mode" \
	"gre: requires transport mode (Invalid argument)" \
	vt -n "$ns" link add bad0 gre on
check_bad "gre with tunnel mode" "gre: requires transport mode" \
	vt -n "$ns" link add bad0 gre on mode tunnel
check_bad "zone with a space" \
	"zone: only letters, digits, '-', '_' and '.' allowed (Invalid argument)" \
	vt -n "$ns" link add bad0 zone "a b"
check_bad "zone with a slash" "zone: only letters" \
	vt -n "$ns" link add bad0 zone "a/b"
check_bad "zone of 32 characters" "(Invalid argument)" \
	vt -n "$ns" link add bad0 zone "$(printf 'z%.0s' {1..32})"
check_bad "mode 2" "[ERANGE]" nlraw "$ns" bad0 mode=2
check_bad "df 3" "[ERANGE]" nlraw "$ns" bad0 df=3
check_bad "gre 2" "[ERANGE]" nlraw "$ns" bad0 mode=1 gre=2
check_bad "copy-tos 2" "[ERANGE]" nlraw "$ns" bad0 copy_tos=2
check "zone of 31 characters" vt -n "$ns" link add ok0 \
	zone "$(printf 'z%.0s' {1..31})"
check_dev "31-character zone" "$ns" ok0 zone="$(printf 'z%.0s' {1..31})"
check "zone with - _ ." vt -n "$ns" link set ok0 zone "A-b_c.9"
check "raw request with valid values" nlraw "$ns" raw0 local=c0000201 \
	remote=c0000202 mode=1 gre=1 df=2 ttl=9
check_dev "raw request" "$ns" raw0 local=192.0.2.1 remote=192.0.2.2 \
	mode=transport gre=true df=clear ttl=9

# A refused "link set" changes nothing, not even the valid parts.
check "device for refused sets" vt -n "$ns" link add vtun0 \
	local 192.0.2.1 remote 192.0.2.2 underlay ul0 zone keep ttl 9
before=$(dev_params "$ns" vtun0)
check_err "set: gre in tunnel mode" "gre: requires transport mode" \
	vt -n "$ns" link set vtun0 zone changed ttl 1 gre on
check_err "set: local of another family" \
	"local: address family differs from remote" \
	vt -n "$ns" link set vtun0 local 2001:db8::1 zone changed
check_err "set: bad zone" "zone: only letters" \
	vt -n "$ns" link set vtun0 zone "bad zone" ttl 1
check_err "set: unknown underlay" "underlay: no such device" \
	nlraw "$ns" --set vtun0 underlay=999999 zone=changed ttl=1
check_err "set: mode out of range" "[ERANGE]" \
	nlraw "$ns" --set vtun0 mode=7 zone=changed
check_err "set: bad address length" "address must be 4" \
	nlraw "$ns" --set vtun0 remote=0102030405 zone=changed
check_eq "refused sets changed nothing" "$before" "$(dev_params "$ns" vtun0)"
check "transport mode with gre" vt -n "$ns" link set vtun0 mode transport gre on
check_err "set: tunnel mode while gre is on" "gre: requires transport mode" \
	vt -n "$ns" link set vtun0 mode tunnel
check_dev "still transport" "$ns" vtun0 mode=transport gre=true

# --- genl dev-get on other devices -----------------------------------------

check_err "dev-get on a non-vtun device" "not a vtun device" \
	vt -n "$ns" show lo
check_err "dev-get on a missing device" 'Cannot find device "nope0"' \
	vt -n "$ns" show nope0

# --- VRFs ------------------------------------------------------------------

ns_new ns
if ! ip -n "$ns" link add vrf-a type vrf table 10 2>/dev/null; then
	skip "VRF" "no vrf support"
else
	ip -n "$ns" link set vrf-a up
	vrf=$(ip netns exec "$ns" cat /sys/class/net/vrf-a/ifindex)
	check "vtun in a VRF" vt -n "$ns" link add vtun0 local 192.0.2.1 \
		remote 192.0.2.2
	check "enslave to the VRF" ip -n "$ns" link set vtun0 master vrf-a
	check "ip -d link shows the master" \
		sh -c "ip -n $ns -d link show dev vtun0 | grep -q 'master vrf-a'"
	check "device up in the VRF" ip -n "$ns" link set vtun0 up
	check "route in the VRF via vtun0" ip -n "$ns" route add \
		10.2.0.0/16 dev vtun0 vrf vrf-a
	check "underlay set to the VRF" vt -n "$ns" link set vtun0 underlay vrf-a
	check_dev "VRF underlay" "$ns" vtun0 underlay="$vrf"
	check_ip "VRF underlay" "$ns" vtun0 underlay=vrf-a
	check "second vtun with a VRF underlay" vt -n "$ns" link add vtun1 \
		underlay vrf-a
	check "release from the VRF" ip -n "$ns" link set vtun0 nomaster
	check "delete the VRF underlay" ip -n "$ns" link del vrf-a
	check_dev "devices survive their underlay" "$ns" vtun1 ifname=vtun1
fi

# --- namespaces ------------------------------------------------------------

ns_new nsa
ns_new nsb
check "device for the move" vt -n "$nsa" link add vtun0 local 192.0.2.1 \
	remote 192.0.2.2 zone moving mode transport gre on ttl 12 df set
check "move to another namespace" ip -n "$nsa" link set vtun0 netns "$nsb"
check "gone from the first" no_link "$nsa" vtun0
check_dev "parameters after the move" "$nsb" vtun0 local=192.0.2.1 \
	remote=192.0.2.2 zone=moving mode=transport gre=true ttl=12 df=set
check_ip "after the move" "$nsb" vtun0 local=192.0.2.1 zone=moving
has_link_netnsid() {
	ip -n "$1" -j -d link show dev "$2" | "$PY" -c '
import json, sys
assert "link_netnsid" in json.load(sys.stdin)[0]'
}
check "ip -d link shows a link netns" has_link_netnsid "$nsb" vtun0
check_eq "dump in the first namespace" 0 "$(vt -n "$nsa" -j show | json_get len)"
check_eq "dump in the second namespace" 1 "$(vt -n "$nsb" -j show | json_get len)"
check "link set in the new namespace" vt -n "$nsb" link set vtun0 zone moved
check_dev "set after the move" "$nsb" vtun0 zone=moved local=192.0.2.1

# The device dies with the namespace it was created in.
ns_new nsc
check "device made in a namespace about to go" vt -n "$nsc" link add vtun9 \
	local 192.0.2.1
check "moved out" ip -n "$nsc" link set vtun9 netns "$nsb"
check "delete its creation namespace" ip netns del "$nsc"
check "device goes with it" retry 10 no_link "$nsb" vtun9
check_dev "others untouched" "$nsb" vtun0 zone=moved

# --- a dump of 200 devices -------------------------------------------------

ns_new ns
for i in $(seq 0 199); do echo "link add vt$i type vtun"; done >batch.txt
check "create 200 devices" ip -n "$ns" -batch batch.txt
check_eq "dev-get dump returns 200" 200 "$(vt -n "$ns" -j show | json_get len)"
check_eq "each once" 200 "$(vt -n "$ns" -j show |
	"$PY" -c 'import json,sys; print(len({d["ifname"] for d in json.load(sys.stdin)}))')"
check_eq "text dump returns 200" 200 \
	"$(vt -n "$ns" show | grep -c '^vt[0-9]*: ifindex')"

# --- MTU -------------------------------------------------------------------

OVH4=$((20 + 85)) OVH6=$((40 + 85))
# The largest MTU: a 64-byte ICV (HMAC-SHA-512) instead of 32.
MAX4=$((65535 - OVH4 - 32)) MAX6=$((65535 - OVH6 - 32))
ns_new nsa
ns_new nsb
veth_pair "$nsa" ul0 "$nsb" ul1
ip -n "$nsa" link set ul0 mtu 9000
ip -n "$nsb" link set ul1 mtu 9000
ip -n "$nsa" addr add 192.0.2.1/24 dev ul0
ip -n "$nsb" addr add 192.0.2.2/24 dev ul1
ip -n "$nsa" addr add 2001:db8::1/64 dev ul0 nodad
ip -n "$nsb" addr add 2001:db8::2/64 dev ul1 nodad
check "tunnel over a 9000-byte underlay" vt -n "$nsa" link add vtun0 \
	local 192.0.2.1 remote 192.0.2.2
check_dev "MTU at creation from the route to remote" "$nsa" vtun0 \
	mtu=$((9000 - OVH4))
check "link set recomputes" vt -n "$nsa" link set vtun0 ttl 64
check_dev "MTU after link set" "$nsa" vtun0 mtu=$((9000 - OVH4))
check "IPv6 tunnel" vt -n "$nsa" link add vtun6 local 2001:db8::1 \
	remote 2001:db8::2
check "link set recomputes (IPv6)" vt -n "$nsa" link set vtun6 ttl 64
check_dev "IPv6 MTU" "$nsa" vtun6 mtu=$((9000 - OVH6))
check "tunnel with the underlay device only" vt -n "$nsa" link add vtun1 \
	underlay ul0
check "link set recomputes (underlay)" vt -n "$nsa" link set vtun1 ttl 64
check_dev "MTU from the underlay device" "$nsa" vtun1 mtu=$((9000 - OVH4))
check_fail "mtu 60 refused" ip -n "$nsa" link set vtun0 mtu 60
check "mtu 68 accepted" ip -n "$nsa" link set vtun0 mtu 68
check_eq "max_mtu" "$MAX4" "$(ip -n "$nsa" -d -j link show dev vtun0 | json_get 0.max_mtu)"
check_eq "max_mtu (IPv6)" "$MAX6" \
	"$(ip -n "$nsa" -d -j link show dev vtun6 | json_get 0.max_mtu)"
check "largest mtu accepted" ip -n "$nsa" link set vtun0 mtu "$MAX4"
check_fail "larger mtu refused" ip -n "$nsa" link set vtun0 mtu $((MAX4 + 1))
check_fail "largest IPv4 mtu refused for IPv6" \
	ip -n "$nsa" link set vtun6 mtu "$MAX4"
check_dev "mtu refused leaves it" "$nsa" vtun0 mtu="$MAX4"

# A packet of the largest MTU through an HMAC-SHA-512 SA: one outer
# packet of at most 64 KiB on the wire.
ip -n "$nsa" link set ul0 mtu 65535
ip -n "$nsb" link set ul1 mtu 65535
# Only the ping: no IPv6 of the stack's own in vtun0, no ARP on ul0.
ip netns exec "$nsa" sysctl -qw net.ipv6.conf.vtun0.disable_ipv6=1
ip -n "$nsa" link set vtun0 up
ip netns exec "$nsa" ping -q -c 1 -W 1 192.0.2.2 >/dev/null
check "SA with a 64-byte ICV" vt -n "$nsa" sa add vtun0 dir out spi 0x1001 \
	proto esp enc 'cbc(aes)' 0x"$(printf '%064d' 0)" auth 'hmac(sha512)' \
	0x"$(printf '%0128d' 0)" 512
ip -n "$nsa" route add 10.9.9.9/32 dev vtun0
ul_rx() { ip netns exec "$nsb" cat "/sys/class/net/ul1/statistics/rx_$1"; }
rxp=$(ul_rx packets)
txp=$(dev_field "$nsa" vtun0 stats.tx-packets)
ip netns exec "$nsa" ping -q -c 1 -W 1 -M do -s $((MAX4 - 28)) 10.9.9.9 >/dev/null 2>&1
check_eq "largest packet sent" $((txp + 1)) "$(dev_field "$nsa" vtun0 stats.tx-packets)"
check "its outer packet arrived" test "$(ul_rx packets)" -ge $((rxp + 1))

# --- a registration refused before ndo_init leaks nothing ------------------

# The name exists in the target namespace: register_netdevice() fails
# before the device is initialised.
ns_new nsa
ns_new nsb
check "device in the target namespace" ip -n "$nsb" link add dup0 type vtun
check_err "same name from another namespace refused" "File exists" \
	ip -n "$nsa" link add dup0 netns "$nsb" type vtun
# Free objects held in per-CPU slabs count as active in slabinfo: shrink
# the cache first so the count is the objects in use.
kmalloc128() {
	echo 1 >/sys/kernel/slab/kmalloc-128/shrink 2>/dev/null
	awk '$1 == "kmalloc-128" { print $2 }' /proc/slabinfo
}
for i in $(seq 500); do echo "link add dup0 netns $nsb type vtun"; done >dup.txt
ip -n "$nsa" -force -batch dup.txt >/dev/null 2>&1
before=$(kmalloc128)
ip -n "$nsa" -force -batch dup.txt >/dev/null 2>&1
after=$(kmalloc128)
diag "kmalloc-128 objects: $before before, $after after 500 refusals"
# Objects freed after an RCU grace period may still be counted at first.
leak_ok() { [ $(($(kmalloc128) - before)) -lt 250 ]; }
check "500 refusals leak no parameters" retry 5 leak_ok
check_eq "only the first device" 1 "$(vt -n "$nsb" -j show | json_get len)"

# --- module unload with devices in several namespaces ----------------------

ns_new ns1
ns_new ns2
ns_new ns3
check "device in ns1" vt -n "$ns1" link add vtun0 local 192.0.2.1
check "device in ns2" vt -n "$ns2" link add vtun0 local 2001:db8::1
check "device made in ns2, living in ns3" vt -n "$ns2" link add vtun1
ip -n "$ns2" link set vtun1 netns "$ns3"
check "module unloads" vtun_unload
check "devices gone (ns1)" no_link "$ns1" vtun0
check "devices gone (ns2)" no_link "$ns2" vtun0
check "devices gone (ns3)" no_link "$ns3" vtun1
check "module is gone" test ! -d /sys/module/vtun
check "module loads again" vtun_load
check "links work after reload" vt -n "$ns1" link add vtun0 local 192.0.2.1
check_dev "after reload" "$ns1" vtun0 local=192.0.2.1

tap_done
