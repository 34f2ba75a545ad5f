#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Dump a vtun device's SAs over raw generic netlink and print the reply
bytes in hex, so a test can prove no key material ever leaves the kernel.
sa-dump-intr (dev-dump-intr: the device dump) reads the dump's first
pass, runs CMD, reads the rest and prints "messages N interrupted M": M
counts the messages marked NLM_F_DUMP_INTR (an SA or a device came or
went between the passes).

usage: genl_raw.py sa-dump IFNAME
       genl_raw.py sa-dump-intr IFNAME CMD...
       genl_raw.py dev-dump-intr CMD...
"""

import socket
import struct
import subprocess
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLM_F_DUMP_INTR = 0x10
NLMSG_ERROR, NLMSG_DONE = 2, 3
VTUN_CMD_DEV_GET, VTUN_CMD_SA_GET = 1, 4
VTUN_A_IFINDEX = 1


def attr(atype, payload):
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * ((4 - len(payload) % 4) % 4)


def request(sock, family, cmd, flags, payload, seq):
    body = struct.pack("=BBH", cmd, 1, 0) + payload
    sock.send(struct.pack("=IHHII", 16 + len(body), family,
                          NLM_F_REQUEST | flags, seq, 0) + body)


def replies(sock):
    data = b""
    while True:
        chunk = sock.recv(1 << 20)
        data += chunk
        off = 0
        while off < len(chunk):
            length, mtype = struct.unpack_from("=IH", chunk, off)
            if mtype in (NLMSG_DONE, NLMSG_ERROR):
                return data
            off += (length + 3) & ~3


def family_id(sock):
    request(sock, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0,
            attr(CTRL_ATTR_FAMILY_NAME, b"vtun\0"), 1)
    msg = sock.recv(65536)
    off = 20
    while off < len(msg):
        alen, atype = struct.unpack_from("=HH", msg, off)
        if atype == CTRL_ATTR_FAMILY_ID:
            return struct.unpack_from("=H", msg, off + 4)[0]
        off += (alen + 3) & ~3
    sys.exit("vtun family not found")


def dump_intr(vtun_cmd, payload, cmd):
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                       NETLINK_GENERIC) as ctl:
        fam = family_id(ctl)
    # a socket that never read: the first pass fills one page
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    request(sock, fam, vtun_cmd, NLM_F_DUMP, payload, 2)
    n = intr = passes = 0
    while True:
        chunk = sock.recv(4096)
        passes += 1
        if passes == 1:
            subprocess.run(cmd, check=True)
        off = 0
        while off < len(chunk):
            length, mtype, flags = struct.unpack_from("=IHH", chunk, off)
            if mtype in (NLMSG_DONE, NLMSG_ERROR):
                print("messages %d interrupted %d passes %d" %
                      (n, intr, passes))
                return
            n += 1
            intr += bool(flags & NLM_F_DUMP_INTR)
            off += (length + 3) & ~3


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "sa-dump-intr":
        ifindex = socket.if_nametoindex(sys.argv[2])
        dump_intr(VTUN_CMD_SA_GET,
                  attr(VTUN_A_IFINDEX, struct.pack("=I", ifindex)),
                  sys.argv[3:])
        return
    if len(sys.argv) >= 3 and sys.argv[1] == "dev-dump-intr":
        dump_intr(VTUN_CMD_DEV_GET, b"", sys.argv[2:])
        return
    if len(sys.argv) != 3 or sys.argv[1] != "sa-dump":
        sys.exit(__doc__)
    ifindex = socket.if_nametoindex(sys.argv[2])
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    fam = family_id(sock)
    request(sock, fam, VTUN_CMD_SA_GET, NLM_F_DUMP,
            attr(VTUN_A_IFINDEX, struct.pack("=I", ifindex)), 2)
    print(replies(sock).hex())


if __name__ == "__main__":
    main()
