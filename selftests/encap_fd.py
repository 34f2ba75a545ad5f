#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Give a vtun device a UDP socket of ours for ESP in UDP, as an IKE
daemon does (IFLA_VTUN_ENCAP_FD in a raw RTM_NEWLINK), then print the
first datagram that stays on the socket for us.

usage: encap_fd.py IFNAME FAMILY PORT [KIND]
KIND: udp (default) | tcp | encap (a socket with UDP_ENCAP already set) |
      noencap (asks for encap none along with the socket) |
      dualstack (IPv6 without IPV6_V6ONLY) |
      takeover (after the first datagram, sets UDP_ENCAP_ESPINUDP itself,
      prints "took over", then reports the next datagram)
Prints the kernel's error and extack message and exits 1 if refused;
otherwise "ready", then "got HEX" for the first datagram (10 s at most).
The socket is closed when the program ends.
"""

import os
import socket
import struct
import sys

RTM_NEWLINK = 16
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
SOL_NETLINK, NETLINK_CAP_ACK, NETLINK_EXT_ACK = 270, 10, 11
NLMSGERR_ATTR_MSG = 1
IFLA_LINKINFO, IFLA_INFO_KIND, IFLA_INFO_DATA = 18, 1, 2
IFLA_VTUN_ENCAP, IFLA_VTUN_ENCAP_FD = 10, 13
VTUN_ENCAP_UDP = 1
UDP_ENCAP, UDP_ENCAP_ESPINUDP = 100, 2
NLA_F_NESTED = 0x8000


def attr(atype, payload):
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * ((4 - len(payload) % 4) % 4)


def attach(ifname, fd, encap=VTUN_ENCAP_UDP):
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    nl.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    nl.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    data = (attr(IFLA_VTUN_ENCAP, struct.pack("=B", encap)) +
            attr(IFLA_VTUN_ENCAP_FD, struct.pack("=i", fd)))
    linkinfo = attr(IFLA_INFO_KIND, b"vtun\0") + \
        attr(IFLA_INFO_DATA | NLA_F_NESTED, data)
    body = struct.pack("=BxHiII", socket.AF_UNSPEC, 0,
                       socket.if_nametoindex(ifname), 0, 0) + \
        attr(IFLA_LINKINFO | NLA_F_NESTED, linkinfo)
    nl.send(struct.pack("=IHHII", 16 + len(body), RTM_NEWLINK,
                        NLM_F_REQUEST | NLM_F_ACK, 1, 0) + body)
    msg = nl.recv(65536)
    _, mtype = struct.unpack_from("=IH", msg)
    if mtype != NLMSG_ERROR:
        sys.exit("unexpected netlink reply")
    err = struct.unpack_from("=i", msg, 16)[0]
    if not err:
        return
    text, off = "", 36  # nlmsghdr, error, the request's header
    while off + 4 <= len(msg):
        alen, atype = struct.unpack_from("=HH", msg, off)
        if alen < 4:
            break
        if atype == NLMSGERR_ATTR_MSG:
            text = msg[off + 4:off + alen].rstrip(b"\0").decode()
        off += (alen + 3) & ~3
    print(f"error {err}: {text}", flush=True)
    sys.exit(1)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    ifname, fam, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    kind = sys.argv[4] if len(sys.argv) > 4 else "udp"
    family = socket.AF_INET6 if fam == "6" else socket.AF_INET
    stype = socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(family, stype)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY,
                     0 if kind == "dualstack" else 1)
    s.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", port))
    if kind == "encap":
        s.setsockopt(socket.IPPROTO_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP)
    attach(ifname, s.fileno(), 0 if kind == "noencap" else VTUN_ENCAP_UDP)
    print("ready", flush=True)
    s.settimeout(30 * int(os.environ.get("VTUN_SLOW", "1")))
    data = s.recv(65535)
    if kind == "takeover":
        s.setsockopt(socket.IPPROTO_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP)
        print("took over", flush=True)
        data = s.recv(65535)
    print("got " + data.hex(), flush=True)


if __name__ == "__main__":
    main()
