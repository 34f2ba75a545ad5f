#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Capture ESP or AH frames on an interface and send altered copies back
onto the wire, for replay and forgery tests. Run inside the namespace.

usage: pkt.py capture IFACE SRC_IP COUNT FILE   (IPv4 ESP/AH from SRC_IP)
       pkt.py inject IFACE FILE INDEX MODE [SEQ]
       pkt.py outer IFACE SRC_IP MINLEN   (ttl, tos, df of the next one of
                                           at least MINLEN bytes)
       pkt.py keepalive IFACE SRC_IP      (the next 1-byte IPv4 UDP datagram
                                           from SRC_IP: ports and payload)
MODE: replay | forge (new SEQ, one ciphertext bit flipped) | truncate |
      garbage (new SEQ, random body) | badspi (unknown SPI) |
      ipid (new SEQ, IPv4 identification changed: immutable for AH) |
      fragneeded (ICMP "fragmentation needed", next-hop MTU SEQ, back to
      the sender, quoting its IP header and 8 bytes)
"""

import os
import socket
import struct
import sys

ETH_P_ALL = 0x0003


def capture(iface, src, count, path):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.settimeout(20)
    want = socket.inet_aton(src)
    frames = []
    while len(frames) < count:
        frame = s.recv(65535)
        if len(frame) < 34 or frame[12:14] != b"\x08\x00":
            continue
        if frame[23] in (50, 51) and frame[26:30] == want:
            frames.append(frame)
    with open(path, "w") as f:
        for frame in frames:
            f.write(frame.hex() + "\n")


def wait_ipv4(iface, src, proto, minlen, accept=lambda frame: True):
    """Print "ready", then return the first IPv4 frame on IFACE from SRC of
    protocol PROTO, at least MINLEN bytes long, that ACCEPT takes."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.settimeout(10)
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


def frag_needed(frame, mtu):
    quote = frame[14:42]
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
    if mode == "fragneeded":
        return frag_needed(frame, seq)
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


def inject(iface, path, index, mode, seq):
    with open(path) as f:
        frame = bytes.fromhex(f.read().split()[index])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    s.send(alter(frame, mode, seq))


def main():
    if sys.argv[1] == "capture":
        capture(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    elif sys.argv[1] == "keepalive":
        keepalive(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "outer":
        outer(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == "inject":
        seq = int(sys.argv[6], 0) if len(sys.argv) > 6 else 0
        inject(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], seq)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
