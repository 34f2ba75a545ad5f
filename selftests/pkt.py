#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Capture ESP or AH frames on an interface and send altered copies back
onto the wire, for replay and forgery tests. Run inside the namespace.

usage: pkt.py capture IFACE SRC_IP COUNT FILE [MINLEN]
                            (ESP, AH or UDP from SRC_IP, IPv4 or IPv6,
                             frames of at least MINLEN bytes; prints
                             "ready" once the socket is bound)
       pkt.py inject IFACE FILE INDEX[,INDEX...] MODE [SEQ]
       pkt.py tap IFACE SECONDS   (a packet socket that reads nothing)
       pkt.py outer IFACE SRC_IP MINLEN   (ttl, tos, df of the next one of
                                           at least MINLEN bytes)
       pkt.py keepalive IFACE SRC_IP      (the next 1-byte IPv4 UDP datagram
                                           from SRC_IP: ports and payload)
MODE: replay | forge (new SEQ, one ciphertext bit flipped) | truncate |
      garbage (new SEQ, random body) | badspi (unknown SPI) |
      ipid (new SEQ, IPv4 identification changed: immutable for AH) |
      fragneeded (ICMP "fragmentation needed", next-hop MTU SEQ, back to
      the sender, quoting its IP header and 8 bytes) | strayneeded (the
      same, the quoted destination changed to .66 of its /24) |
      frag (two fragments, the first ending right after the ESP or AH
      header, or after UDP and ESP headers; IPv6 AH: 8 bytes later)
"""

import os
import socket
import struct
import sys
import time

# How much slower the guest's kernel is than Debian's (selftests/lib.sh).
SLOW = int(os.environ.get("VTUN_SLOW", "1"))

ETH_P_ALL = 0x0003


def ip_packet(frame, src):
    """IP version and upper protocol of FRAME if it is from SRC, else None."""
    if ":" in src:
        if frame[12:14] == b"\x86\xdd" and len(frame) >= 54 and \
                frame[22:38] == socket.inet_pton(socket.AF_INET6, src):
            return 6, frame[20]
    elif frame[12:14] == b"\x08\x00" and len(frame) >= 34 and \
            frame[26:30] == socket.inet_aton(src):
        return 4, frame[23]
    return None


def capture(iface, src, count, path, minlen=0):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.settimeout(20 * SLOW)
    print("ready", flush=True)
    frames = []
    while len(frames) < count:
        frame = s.recv(65535)
        what = ip_packet(frame, src)
        if what and what[1] in (17, 50, 51) and len(frame) >= minlen:
            frames.append(frame)
    with open(path, "w") as f:
        for frame in frames:
            f.write(frame.hex() + "\n")


def tap(iface, seconds):
    """Hold a packet socket on IFACE: received packets are cloned for it."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    print("ready", flush=True)
    time.sleep(seconds)


def first_len(proto, body, v6):
    """What the first fragment carries: the ESP header (SPI and sequence
    number), UDP and ESP headers, or the AH header with its ICV; over
    IPv6, where AH is an extension header, also the first 8 bytes after
    it (RFC 8200 4.5: the first fragment holds the headers up to the
    upper-layer one, of which Linux wants a byte)."""
    if proto == 51:
        return (body[1] + 2) * 4 + (8 if v6 else 0)
    return 16 if proto == 17 else 8


def fragment(frame):
    """Two fragments of FRAME, the first with the IPsec (and UDP) header
    only."""
    eth = frame[:14]
    if frame[12:14] == b"\x08\x00":
        ihl = (frame[14] & 0x0F) * 4
        tot = struct.unpack_from("!H", frame, 16)[0]
        ip, body = frame[14:14 + ihl], frame[14 + ihl:14 + tot]
        first = first_len(ip[9], body, False)
        out = []
        for off, part, more in ((0, body[:first], 0x2000),
                                (first, body[first:], 0)):
            h = bytearray(ip)
            struct.pack_into("!HHH", h, 2, ihl + len(part),
                             struct.unpack_from("!H", ip, 4)[0],
                             more | off // 8)
            struct.pack_into("!H", h, 10, 0)
            struct.pack_into("!H", h, 10, ip_checksum(bytes(h)))
            out.append(eth + bytes(h) + part)
        return out
    ip, body = frame[14:54], frame[54:54 + struct.unpack_from("!H", frame, 18)[0]]
    first = first_len(ip[6], body, True)
    ident = struct.unpack("!I", os.urandom(4))[0]
    out = []
    for off, part, more in ((0, body[:first], 1), (first, body[first:], 0)):
        h = bytearray(ip)
        struct.pack_into("!H", h, 4, 8 + len(part))
        h[6] = 44
        fh = struct.pack("!BBHI", ip[6], 0, off | more, ident)
        out.append(eth + bytes(h) + fh + part)
    return out


def wait_ipv4(iface, src, proto, minlen, accept=lambda frame: True):
    """Print "ready", then return the first IPv4 frame on IFACE from SRC of
    protocol PROTO, at least MINLEN bytes long, that ACCEPT takes."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.settimeout(10 * SLOW)
    want = socket.inet_aton(src)
    print("ready", flush=True)
    while True:
        frame = s.recv(65535)
        if (len(frame) >= minlen and frame[12:14] == b"\x08\x00"
                and frame[23] == proto and frame[26:30] == want
                and accept(frame)):
            return frame


def outer(iface, src, minlen):
    """Wait for one IPv4 ESP packet from SRC of at least MINLEN bytes (to
    tell the test's packet from others the stack sends); print its outer
    header fields."""
    frame = wait_ipv4(iface, src, 50, max(34, minlen))
    df = 1 if frame[20] & 0x40 else 0
    print(f"ttl={frame[22]} tos={frame[15]:#04x} df={df}", flush=True)


def udp_offset(frame):
    return 14 + (frame[14] & 0x0F) * 4


def keepalive(iface, src):
    """Wait for a NAT keepalive (one byte of UDP payload) from SRC."""
    frame = wait_ipv4(iface, src, 17, 43, lambda f: struct.unpack_from(
        "!H", f, udp_offset(f) + 4)[0] == 9)
    udp = udp_offset(frame)
    sport, dport = struct.unpack_from("!HH", frame, udp)
    print(f"sport={sport} dport={dport} payload={frame[udp + 8]:02x}",
          flush=True)


def ip_checksum(hdr):
    total = sum(struct.unpack(f"!{len(hdr) // 2}H", hdr))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return (~total) & 0xFFFF


def fix_ip(frame):
    ip = bytearray(frame[14:34])
    struct.pack_into("!H", ip, 2, len(frame) - 14)
    struct.pack_into("!H", ip, 10, 0)
    struct.pack_into("!H", ip, 10, ip_checksum(bytes(ip)))
    return frame[:14] + bytes(ip) + frame[34:]


def frag_needed(frame, mtu, stray=False):
    quote = bytearray(frame[14:42])
    if stray:
        quote[19] = 66
        struct.pack_into("!H", quote, 10, 0)
        struct.pack_into("!H", quote, 10, ip_checksum(bytes(quote[:20])))
    quote = bytes(quote)
    icmp = bytearray(struct.pack("!BBHHH", 3, 4, 0, 0, mtu) + quote)
    struct.pack_into("!H", icmp, 2, ip_checksum(bytes(icmp)))
    ip = bytearray(frame[14:34])
    ip[8:10] = b"\x40\x01"  # TTL 64, ICMP
    ip[12:20] = frame[30:34] + frame[26:30]
    return fix_ip(frame[6:12] + frame[0:6] + frame[12:14] + bytes(ip) +
                  bytes(icmp))


def alter(frame, mode, seq):
    esp = 34  # Ethernet + 20-byte IPv4 header
    spi = esp + 4 if frame[23] == 51 else esp  # AH: SPI after 4 bytes
    f = bytearray(frame)
    if mode == "replay":
        return bytes(f)
    if mode in ("fragneeded", "strayneeded"):
        return frag_needed(frame, seq, mode == "strayneeded")
    if mode in ("forge", "garbage", "ipid"):
        struct.pack_into("!I", f, spi + 4, seq)
        if mode == "forge":
            f[esp + 24 if spi == esp else -1] ^= 0x01
        elif mode == "ipid":
            f[19] ^= 0x01
        else:
            f[spi + 8:] = os.urandom(len(f) - spi - 8)
    elif mode == "truncate":
        f = f[:esp + 12]
    elif mode == "badspi":
        struct.pack_into("!I", f, spi, 0x7EADBEEF)
    return fix_ip(bytes(f))


def inject(iface, path, indices, mode, seq):
    with open(path) as f:
        frames = f.read().split()
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for index in indices.split(","):
        frame = bytes.fromhex(frames[int(index)])
        for out in fragment(frame) if mode == "frag" else [alter(frame, mode, seq)]:
            s.send(out)


def main():
    if sys.argv[1] == "capture":
        capture(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5],
                int(sys.argv[6]) if len(sys.argv) > 6 else 0)
    elif sys.argv[1] == "tap":
        tap(sys.argv[2], float(sys.argv[3]))
    elif sys.argv[1] == "keepalive":
        keepalive(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "outer":
        outer(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == "inject":
        seq = int(sys.argv[6], 0) if len(sys.argv) > 6 else 0
        inject(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], seq)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
