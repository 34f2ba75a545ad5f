#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A bounded IKE_SA_INIT flood, as from spoofed sources, for the cookie
test: from each source address (already on a local interface) PER
requests (from an ephemeral port) with fresh SPIs, nonces and X25519 keys (any 32 bytes are a valid
X25519 key, so each one could make the responder create a half-open SA),
then counts the answers. Run inside the namespace.

usage: ike_flood.py DST PREFIX FIRST COUNT PER [WAIT]
       sources PREFIX.FIRST .. PREFIX.(FIRST+COUNT-1), IPv4
prints: "sent=N sa=N cookie=N other=N" (answers carrying an SA payload,
        answers that are one N(COOKIE), anything else)
"""

import os
import select
import socket
import struct
import sys
import time

SA, KE, NONCE, N = 33, 34, 40, 41
IKE_SA_INIT = 34
COOKIE = 16390


def chain(pls):
    out = b""
    for i, (t, body) in enumerate(pls):
        nxt = pls[i + 1][0] if i + 1 < len(pls) else 0
        out += struct.pack("!BBH", nxt, 0, 4 + len(body)) + body
    return pls[0][0], out


def xf(last, t, tid, keylen=None):
    attr = struct.pack("!HH", 0x800e, keylen) if keylen else b""
    return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attr), t, 0,
                       tid) + attr


def request():
    xfs = [xf(False, 1, 20, 128), xf(False, 2, 5), xf(True, 4, 31)]
    body = b"".join(xfs)
    prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(body), 1, 1, 0, 3) + body
    first, pls = chain([(SA, prop),
                        (KE, struct.pack("!HH", 31, 0) + os.urandom(32)),
                        (NONCE, os.urandom(32))])
    return struct.pack("!8s8sBBBBII", os.urandom(8), bytes(8), first, 0x20,
                       IKE_SA_INIT, 0x08, 0, 28 + len(pls)) + pls


def kind(msg):
    """'sa', 'cookie' or 'other' for one answer."""
    if len(msg) < 28:
        return "other"
    nxt, off, seen = msg[16], 28, []
    while nxt and off + 4 <= len(msg):
        t = nxt
        nxt, _, plen = struct.unpack_from("!BBH", msg, off)
        if t == N and plen >= 8:
            seen.append(("N", struct.unpack_from("!H", msg, off + 6)[0]))
        else:
            seen.append((t, 0))
        off += max(plen, 4)
    if (SA, 0) in seen:
        return "sa"
    if seen == [("N", COOKIE)]:
        return "cookie"
    return "other"


def main():
    dst, prefix = sys.argv[1], sys.argv[2]
    first, count, per = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    wait = float(sys.argv[6]) if len(sys.argv) > 6 else 2.0
    socks = []
    for i in range(first, first + count):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("%s.%d" % (prefix, i), 0))	# charon holds port 500
        s.setblocking(False)
        socks.append(s)
    counts = {"sa": 0, "cookie": 0, "other": 0}
    sent = 0
    for _ in range(per):
        for s in socks:
            s.sendto(request(), (dst, 500))
            sent += 1
    end = time.time() + wait
    while time.time() < end:
        r, _, _ = select.select(socks, [], [], max(0, end - time.time()))
        for s in r:
            while True:
                try:
                    msg = s.recv(4096)
                except BlockingIOError:
                    break
                counts[kind(msg)] += 1
    print("sent=%d sa=%d cookie=%d other=%d" %
          (sent, counts["sa"], counts["cookie"], counts["other"]))


if __name__ == "__main__":
    main()
