#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vtun-iked's kernel side, whatever engine it is built with: it creates a
# tunnel's vtun device (or adopts an existing one) and sets it up, programs
# its proxy IDs and monitor, listens on UDP 500 and 4500 of the gateway's
# address, keeps only CAP_NET_ADMIN and CAP_NET_BIND_SERVICE, says READY=1
# on $NOTIFY_SOCKET, turns the kernel's acquire and expire events into
# engine calls, reloads on SIGHUP (unchanged tunnels untouched, removed
# ones down, new ones set up), answers its control socket, and on SIGTERM
# exits removing the socket. A bad file fails -t with FILE:LINE. The SA
# operations the engine calls (spi-alloc, sa-new with standby, activate,
# last-used, sa-del), driven by a helper built on kernel.c, do what
# vtunctl then shows. SAs on its devices that no IKE SA keys are removed
# at start-up (a previous instance's) and at exit.
# vtun-timeout: 90

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

vtun_load || skip_all "cannot load vtun"
need_modules veth || skip_all "missing modules"
[ -x "$VTUN_IKED" ] || skip_all "no $VTUN_IKED"
topo_underlay || skip_all "cannot build the underlay"

V() { ip netns exec "$A" "$VTUNCTL" "$@"; }
CTL=$PWD/ctl.sock
CONF=$PWD/iked.conf
LOG=$PWD/iked.log

write_conf() { # TUNNEL-BLOCKS...
	{
		cat <<-EOF
		control-socket $CTL;
		log-level debug;
		ike-gateway b {
			local-address ${UL4[0]};
			peer-address ${UL4[1]};
			authentication psk "not a secret";
		}
		EOF
		printf '%s\n' "$@"
	} >"$CONF"
}

T1='ipsec-tunnel t1 {
	interface vtun0; ike-gateway b;
	proxy-id lan { local 10.1.0.0/24; remote 10.2.0.0/24; }
	proxy-id web { local 10.1.0.0/24; remote 10.3.0.0/24; protocol tcp; remote-port 443; }
}'
T2='ipsec-tunnel t2 {
	interface vtun1; ike-gateway b; start responder;
	monitor { destination 10.2.0.1; interval 1s; threshold 3; }
}'
T3='ipsec-tunnel t3 { interface vtun2; ike-gateway b; }'

# -t: good and bad files.
write_conf "$T1" "$T2"
check "-t accepts the file" "$VTUN_IKED" -t -f "$CONF"
printf 'ike-gateway g {\n\tpeer-address 192.0.2.300;\n}\n' >bad.conf
check_err "-t: FILE:LINE of the error" "bad.conf:2: bad address" \
	"$VTUN_IKED" -t -f bad.conf

# An existing, down vtun1 (with the address its monitor probes from) is
# adopted; vtun0 is created.
V link add vtun1 local "${UL4[0]}" remote "${UL4[1]}"
ip -n "$A" addr add 10.1.1.1/32 dev vtun1
V proxy-id add vtun1 id 7 local 10.7.0.0/24 remote 10.8.0.0/24
# and SAs on it, as a previous instance killed with its SAs up leaves.
# no_sa DEV: vtunctl shows no SA on DEV
no_sa() { local o; o=$(V -j sa show "$1") && ! grep -q '"spi"' <<<"$o"; }
# shellcheck disable=SC2016 # eval'd
check "an orphan SA pair on vtun1" eval '
	V sa add vtun1 dir out spi 0x7001 proto esp $(alg_vtun gcm128-16) &&
	V sa add vtun1 dir in spi 0x7002 proto esp $(alg_vtun gcm128-16)'
python3 - "$PWD/notify.sock" >notify.out 2>&1 <<-'EOF' &
	import socket, sys
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	s.bind(sys.argv[1])
	s.settimeout(30)
	print(s.recv(64).decode(), flush=True)
EOF
NPID=$!
retry 10 test -S notify.sock
NOTIFY_SOCKET=$PWD/notify.sock ip netns exec "$A" "$VTUN_IKED" -f "$CONF" \
	>"$LOG" 2>&1 &
DPID=$!
defer kill "$DPID"
wait "$NPID"
check_eq "READY=1 on NOTIFY_SOCKET" "READY=1" "$(cat notify.out)"

dev_up() { ip -n "$A" link show dev "$1" | grep -q '[<,]UP[,>]'; }
check "vtun0 created and up" dev_up vtun0
check "vtun0 is a vtun device" V show dev vtun0
check "vtun1 adopted and set up" dev_up vtun1
check "start-up: the SAs a previous instance left on vtun1 removed" no_sa vtun1
check "start-up: their removal logged" grep -q "t2: 2 SAs removed from vtun1" "$LOG"
pids=$(V -j proxy-id show vtun0)
check "proxy-id 1 programmed" grep -q '"id":1,[^}]*"remote":"10.2.0.0/24"' <<<"$pids"
check "proxy-id 2 with protocol and port" grep -q '"id":2,[^}]*"remote":"10.3.0.0/24".*"ip-proto":6' <<<"$pids"
check_fail "adopted device: a proxy ID not configured is removed" \
	V proxy-id show vtun1 id 7
check "monitor programmed" grep -q '"dst":"10.2.0.1"' <<<"$(V -j monitor show vtun1)"
socks=$(ip netns exec "$A" ss -Huln)
check "UDP ${UL4[0]}:500" grep -q "${UL4[0]}:500 " <<<"$socks"
check "UDP ${UL4[0]}:4500" grep -q "${UL4[0]}:4500 " <<<"$socks"
check_eq "capabilities: NET_ADMIN and NET_BIND_SERVICE only" \
	"0000000000001400" "$(awk '/^CapEff/ { print $2 }' /proc/$DPID/status)"
check "control socket mode 0600" test "$(stat -c %a "$CTL")" = 600

# The control socket.
show=$(V -j ike socket "$CTL" show)
check "ike show -j lists the tunnels" grep -q '"name":"t1","interface":"vtun0".*"name":"t2"' <<<"$show"
check_err "ike up of an unknown tunnel" "no ipsec-tunnel nope" \
	V ike socket "$CTL" up nope

# Kernel events reach the engine.
ifindex=$(ip netns exec "$A" cat /sys/class/net/vtun0/ifindex)
ip -n "$A" route add 10.2.0.0/24 dev vtun0
ip -n "$A" addr add 10.1.0.1/32 dev vtun0
ip netns exec "$A" ping -c 1 -W 1 -I 10.1.0.1 10.2.0.5 >/dev/null 2>&1
check "acquire event for proxy-id 1" retry 5 \
	grep -q "kernel: acquire ifindex $ifindex proxy-id 1" "$LOG"
# vtun9, not the daemon's: soft expiry at the first packet, hard after 3 s
# (times VTUN_SLOW: the packet must come before the hard limit).
V link add vtun9 local "${UL4[0]}" remote "${UL4[1]}"
# No IPv6 of its own: the stack's router solicitations and MLD reports
# once the carrier comes would be traffic before the test's.
ip netns exec "$A" sysctl -qw net.ipv6.conf.vtun9.disable_ipv6=1
ip -n "$A" link set vtun9 up
ip -n "$A" route add 10.9.0.0/24 dev vtun9
ifindex9=$(ip netns exec "$A" cat /sys/class/net/vtun9/ifindex)
# shellcheck disable=SC2046
V sa add vtun9 dir out spi 0x4242 proto esp $(alg_vtun gcm128-16) \
	limit packet-soft 1 limit time-hard $((3 * VTUN_SLOW))
ip netns exec "$A" ping -c 1 -W 1 10.9.0.1 >/dev/null 2>&1
check "soft expire event" retry 10 \
	grep -q "kernel: soft expire ifindex $ifindex9 out spi 0x00004242" "$LOG"
check "hard expire event" retry 10 \
	grep -q "kernel: hard expire ifindex $ifindex9 out spi 0x00004242" "$LOG"

# The SA operations the engine calls: a helper on kernel.c, built with
# vtun-iked (userspace/iked/Makefile).
KT=${IKED_KERNEL_SA:-$VTUN_TOP/selftests/iked_kernel_sa}
if [ -x "$KT" ]; then
	KS() { ip netns exec "$A" "$KT" "$@"; }
	sa_json() { V -j sa show vtun9 dir "$1" spi "$2"; }
	spi=$(KS alloc vtun9)
	check "spi alloc" test $((spi)) -ge 256
	check "sa add in on the allocated SPI" KS add vtun9 in "$spi"
	sa=$(sa_json in "$spi")
	check "in SA: AEAD" grep -q '"aead-alg":"rfc4106(gcm(aes))"' <<<"$sa"
	check "in SA: replay window" grep -q '"replay-window":1024' <<<"$sa"
	check "in SA: lifetimes" grep -q '"time-soft":100,"time-hard":200' <<<"$sa"
	check "sa add out standby" KS add vtun9 out 0x5001 standby
	check "out SA standby" grep -q '"standby":true' <<<"$(sa_json out 0x5001)"
	check "sa activate" KS activate vtun9 0x5001
	check "out SA active" grep -q '"standby":false' <<<"$(sa_json out 0x5001)"
	check_eq "last-used before traffic" 0 "$(KS last-used vtun9 out 0x5001)"
	ip netns exec "$A" ping -c 1 -W 1 10.9.0.1 >/dev/null 2>&1
	check "last-used after traffic" test "$(KS last-used vtun9 out 0x5001)" -gt 0
	check "sa del" KS del vtun9 in "$spi"
	check_fail "in SA gone" V sa show vtun9 dir in spi "$spi"
	check "sa del of a deleted SA succeeds" KS del vtun9 in "$spi"
	KS del vtun9 out 0x5001
else
	fail "SA operations: no $KT (make -C userspace builds it)"
fi

# SIGHUP: t1 unchanged, t2 removed, t3 new.
write_conf "$T1" "$T3"
kill -HUP "$DPID"
check "reload logged" retry 10 grep -q "reloaded $CONF" "$LOG"
check "reload: t2 brought down" grep -q "reload: t2 removed or changed" "$LOG"
check_fail "reload: t1 kept up" grep -q "t1 removed or changed" "$LOG"
check "reload: t3's vtun2 created" dev_up vtun2
# A bad file keeps the running configuration.
echo 'bogus;' >>"$CONF"
kill -HUP "$DPID"
check "reload of a bad file refused with FILE:LINE" retry 10 \
	grep -q "reload: $CONF:[0-9]*: unknown statement" "$LOG"
check "still running" kill -0 "$DPID"

# SIGTERM: tunnels down, socket gone, exit status 0; an SA the engine does
# not know of goes too.
# shellcheck disable=SC2046
check "an SA unknown to the engine on vtun0" \
	V sa add vtun0 dir in spi 0x7003 proto esp $(alg_vtun gcm128-16)
kill -TERM "$DPID"
wait "$DPID"
check_eq "exit status after SIGTERM" 0 $?
check "stopping logged" grep -q "stopping" "$LOG"
check_fail "control socket removed" test -e "$CTL"
check "exit: no SA left on vtun0" no_sa vtun0
[ "$_T_FAIL" = 0 ] || diag "$(cat "$LOG")"

tap_done
