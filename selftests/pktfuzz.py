#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Packet fuzzer: send mutated ESP, AH and ESP in UDP packets (IPv4 and
IPv6 outer), NAT keepalives, IKE-marker datagrams and IPv4 and IPv6
fragments at a vtun device, and check that each one vtun owns is either
accepted or counted under the one drop reason expected for its kind. Run
in the sending site's namespace.

usage: pktfuzz.py IFACE DST_MAC DUT_NS COUNT SEED

The device under test (in namespace DUT_NS, reached through IFACE) is set
up by pktfuzz.sh: vtun0 (ESP, tunnel mode, remote SRC, local DST) with
the fuzz SAs below besides its real SA pair, vtun1 (ESP in UDP on port
4500, same addresses) with one inbound fuzz SA, with PKTFUZZ_V6=1 vtun2
(IPv6 outer, SRC6 to DST6) with an ESP and an AH fuzz SA, and OTHER and
OTHER6, second local addresses of DUT_NS. Validly-authenticated packets are made here
with the SAs' keys: AES-GCM (RFC 4106: nonce salt || IV, AAD SPI || seq) for ESP,
HMAC-SHA-256-128 for AH (RFC 4302, mutable fields zeroed).

After every quarter of COUNT datagrams (1000 to 10000; reassembled
fragments count once) the fuzzer reads the device counters: for the packets vtun owns (valid outer header, one
of vtun's SPIs), the rx drop counters' deltas plus the fuzz SAs' packet
counters must equal what was sent, reason by reason. Packets vtun does not
own (an unknown SPI, left to XFRM; a broken outer header, an incomplete or
overlapping fragment set, dropped by the IP stack) and absorbed NAT
keepalives are counted here only; they must change none of vtun's
counters. Prints a table per kind and per reason; exits 1 on a mismatch.
"""

import hashlib
import hmac
import json
import os
import random
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pkt  # noqa: E402

from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402

SRC = "192.0.2.1"
DST = "192.0.2.2"
OTHER = "192.0.2.3"	# another local address of the device's namespace
STRAY = "192.0.2.9"	# not the remote gateway
NOT_LOCAL = "192.0.2.77"
REAL_SPI = 0x1001	# the real inbound SA of vtun0 (topo.sh SPI_AB)
OUT_SPI = 0x2001	# vtun0's outbound SA: not an inbound SPI
ESP_SPI, AH_SPI, UDP_SPI = 0xF001, 0xF002, 0xF003
ESP6_SPI, AH6_SPI = 0xF004, 0xF005	# vtun2, IPv6 outer
FUZZ_SPIS = (ESP_SPI, AH_SPI, UDP_SPI, ESP6_SPI, AH6_SPI)
SRC6 = "2001:db8:ff::1"
DST6 = "2001:db8:ff::2"
OTHER6 = "2001:db8:ff::3"
STRAY6 = "2001:db8:ff::9"
ESP_KEY = bytes.fromhex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf") + b"salt"
AH_KEY = bytes(range(0x40, 0x60))
ICV = 16
WINDOW = 128
NATT_PORT = 4500

# Outcomes: ("acc", dev) accepted, ("drop", dev, reason), ("ip", why)
# not vtun's (IP stack or XFRM), ("absorbed",) a NAT keepalive.
B0, B1, B2 = "vtun0", "vtun1", "vtun2"


def drop(dev, reason):
    return ("drop", dev, reason)


class SA:
    """The receive state of one fuzz SA as vtun keeps it (replay.c)."""

    def __init__(self, spi, dev):
        self.spi, self.dev = spi, dev
        self.top = 0
        self.marked = set()

    def verdict(self, seq):
        if seq == 0:
            return "rx-malformed"
        if seq > self.top:
            return None
        if self.top - seq >= WINDOW:
            return "rx-too-old"
        return "rx-replay" if seq in self.marked else None

    def advance(self, seq):
        self.marked.add(seq)
        if seq > self.top:
            self.top = seq
            self.marked = {s for s in self.marked if self.top - s < WINDOW}

    def fresh(self, rnd):
        """A sequence number the window takes: mostly the next one."""
        r = rnd.random()
        if r < 0.1:
            return self.top + rnd.randint(2, 3 * WINDOW)
        if r < 0.2 and self.top > WINDOW:
            # A late one inside the window (margin for packets in flight).
            for _ in range(4):
                s = self.top - rnd.randint(8, WINDOW - 8)
                if s not in self.marked:
                    return s
        return self.top + 1

    def ahead(self, rnd):
        """For packets that fail before the window moves."""
        return self.top + rnd.randint(1, 1000)

    def outcome(self, seq, post=None, pre=None):
        """The outcome of an authentic packet with SEQ: PRE is a drop
        decided before the window moves (trailer), POST one after it
        (inner packet), neither: accepted."""
        v = self.verdict(seq)
        if v:
            return drop(self.dev, v)
        if pre:
            return drop(self.dev, pre)
        self.advance(seq)
        return drop(self.dev, post) if post else ("acc", self.dev)


def ipv4(src, dst, proto, payload, ident, tos=0, ttl=64, frag=0, opts=b"",
         tot_len=None):
    ihl = 5 + len(opts) // 4
    h = bytearray(struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos,
                              tot_len or ihl * 4 + len(payload), ident, frag,
                              ttl, proto, 0, socket.inet_aton(src),
                              socket.inet_aton(dst)) + opts)
    struct.pack_into("!H", h, 10, pkt.ip_checksum(bytes(h)))
    return bytes(h) + payload


def ipv6(src, dst, nh, payload, tc=0, hlim=64):
    return (struct.pack("!IHBB", 0x60000000 | tc << 20, len(payload), nh, hlim) +
            socket.inet_pton(socket.AF_INET6, src) +
            socket.inet_pton(socket.AF_INET6, dst) + payload)


def inner4(rnd, size=None, tos=0):
    """A valid inner IPv4 UDP packet to an address the site does not own
    (dropped by its IP stack, forwarding being off)."""
    data = rnd.randbytes(rnd.randint(0, 200) if size is None else size)
    udp = struct.pack("!HHHH", rnd.randint(1024, 65535), 9, 8 + len(data), 0)
    return ipv4("10.99.0.1", "198.18.0.1", 17, udp + data,
                rnd.getrandbits(16), tos=tos)


def inner6(rnd, size=None):
    data = rnd.randbytes(rnd.randint(0, 200) if size is None else size)
    udp = struct.pack("!HHHH", rnd.randint(1024, 65535), 9, 8 + len(data), 0)
    return (struct.pack("!IHBB", 0x60000000, len(udp) + len(data), 17, 64) +
            socket.inet_pton(socket.AF_INET6, "fd99::1") +
            socket.inet_pton(socket.AF_INET6, "2001:db8:99::1") + udp + data)


class Fuzzer:
    def __init__(self, iface, dst_mac, dut_ns, seed):
        self.rnd = random.Random(seed)
        self.dut_ns = dut_ns
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.sock.bind((iface, 0))
        src_mac = open(f"/sys/class/net/{iface}/address").read().strip()
        self.eth = (bytes.fromhex(dst_mac.replace(":", "")) +
                    bytes.fromhex(src_mac.replace(":", "")))
        self.ident = self.rnd.getrandbits(16)
        self.frag_ident = 0
        self.gcm = AESGCM(ESP_KEY[:16])
        self.esp = SA(ESP_SPI, B0)
        self.ah = SA(AH_SPI, B0)
        self.udp = SA(UDP_SPI, B1)
        self.esp6 = SA(ESP6_SPI, B2)
        self.ah6 = SA(AH6_SPI, B2)
        self.kinds = {}		# kind: [datagrams, frames, outcome counts]
        self.expect = {}	# outcome: count since the last checkpoint
        self.frames = 0
        self.kind_table = [(w, name, getattr(self, "k_" + name.replace("-", "_")))
                           for w, name in KINDS]
        self.total_w = sum(w for w, _, _ in self.kind_table)

    # --- building blocks ---------------------------------------------------

    def next_id(self):
        self.ident = (self.ident + 1) & 0xFFFF
        return self.ident

    def esp_payload(self, spi, seq, inner, nh, padlen=None, pad=None,
                    key=None):
        rnd = self.rnd
        if padlen is None:
            padlen = (-(len(inner) + 2)) % 4 + 4 * rnd.randint(0, 3)
        if pad is None:
            pad = bytes(range(1, padlen + 1))
        head = struct.pack("!II", spi, seq)
        iv = rnd.randbytes(8)
        pt = inner + pad + bytes([padlen & 0xFF, nh])
        gcm = self.gcm if key is None else AESGCM(key[:16])
        salt = (ESP_KEY if key is None else key)[16:]
        return head + iv + gcm.encrypt(salt + iv, pt, head)

    def ah_packet(self, seq, inner, nh, src=SRC, tos=0, opts=b"", pad8=False,
                  ident=None):
        """An IPv4 packet with AH (tunnel mode) whose ICV is valid."""
        ident = self.next_id() if ident is None else ident
        ahlen = 12 + ICV + (4 if pad8 else 0)
        tot = 20 + len(opts) + ahlen + len(inner)
        zero = struct.pack("!BBHII", nh, ahlen // 4 - 2, 0, AH_SPI, seq)
        zero += bytes(ahlen - 12)
        hdr = ipv4(src, DST, 51, b"", ident, opts=opts, tot_len=tot)
        # Mutable fields hashed as zeros: TOS, flags and offset, TTL, sum.
        mut = bytearray(hdr)
        mut[1] = 0
        mut[6:9] = bytes(3)
        mut[10:12] = bytes(2)
        mac = hmac.new(AH_KEY, bytes(mut) + zero + inner,
                       hashlib.sha256).digest()[:ICV]
        ah = zero[:12] + mac + zero[12 + ICV:]
        return ipv4(src, DST, 51, ah + inner, ident, tos=tos, opts=opts)

    def esp_packet(self, sa, seq, inner, nh):
        """An authentic packet of SA that the model does not see."""
        p = self.esp_payload(sa.spi, seq, inner, nh)
        return self.udp_ip(p) if sa is self.udp else self.esp_ip(p)

    def esp_ip(self, payload, src=SRC, dst=DST, tos=0, proto=50):
        return ipv4(src, dst, proto, payload, self.next_id(), tos=tos)

    def udp_ip(self, payload, sport=NATT_PORT, dport=NATT_PORT, tos=0):
        udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
        return ipv4(SRC, DST, 17, udp + payload, self.next_id(), tos=tos)

    def next_frag_id(self):
        """Fragmented datagrams have identifications of their own, unique
        over a run, so that no set joins another's reassembly queue."""
        self.frag_ident += 1
        assert self.frag_ident < 0x10000, "too many fragmented datagrams"
        return self.frag_ident

    def fragments(self, ip, cuts, order=None, ident=None):
        """IPv4 fragments of the packet IP cut at the offsets CUTS
        (multiples of 8 into its payload), sent in ORDER. The
        identification is a new one unless IDENT (AH covers it)."""
        ihl = (ip[0] & 0x0F) * 4
        hdr, body = ip[:ihl], ip[ihl:]
        ident = self.next_frag_id() if ident is None else ident
        edges = [0] + list(cuts) + [len(body)]
        out = []
        for a, b in zip(edges, edges[1:]):
            more = 0x2000 if b < len(body) else 0
            out.append(self.refrag(hdr, body[a:b], ident, more | a // 8))
        return [out[i] for i in order] if order else out

    @staticmethod
    def refrag(hdr, part, ident, frag):
        h = bytearray(hdr)
        struct.pack_into("!HHH", h, 2, len(h) + len(part), ident, frag)
        struct.pack_into("!H", h, 10, 0)
        struct.pack_into("!H", h, 10, pkt.ip_checksum(bytes(h)))
        return bytes(h) + part

    # --- kinds: each returns (IP packets, outcome) ----------------------------
    # ESP at vtun0's fuzz SA.

    def authentic(self, sa, inner, nh, post=None, pad=None, padlen=None,
                  pre=None, tos=0, src=SRC, dst=DST, seq=None):
        seq = sa.fresh(self.rnd) if seq is None else seq
        p = self.esp_payload(sa.spi, seq, inner, nh, padlen=padlen, pad=pad)
        if sa is self.udp:
            ip = self.udp_ip(p, sport=self.rnd.choice((NATT_PORT, 4501, 34567)),
                             tos=tos)
        elif sa is self.esp6:
            ip = ipv6(STRAY6 if src == STRAY else SRC6,
                      OTHER6 if dst == OTHER else DST6, 50, p, tc=tos)
        else:
            ip = self.esp_ip(p, src=src, dst=dst, tos=tos)
        return [ip], sa.outcome(seq, post=post, pre=pre)

    def k_esp_ok4(self):
        return self.authentic(self.esp, inner4(self.rnd), 4)

    def k_esp_ok6(self):
        return self.authentic(self.esp, inner6(self.rnd), 41)

    def k_esp_inner_padded(self):
        # Inner packet shorter than what the trailer leaves: trimmed.
        return self.authentic(self.esp, inner4(self.rnd) +
                              self.rnd.randbytes(self.rnd.randint(1, 40)), 4)

    def k_esp_outer_tos(self):
        # Outer TOS and ECT are not covered; not-ECT inner: no CE here.
        return self.authentic(self.esp, inner4(self.rnd), 4,
                              tos=self.rnd.choice((0x00, 0x01, 0x02, 0xB8, 0x2a)))

    def k_esp_ce_ect(self):
        return self.authentic(self.esp, inner4(self.rnd, tos=0x02), 4, tos=0x03)

    def k_esp_ecn(self):
        # CE outside, not-ECT inside (RFC 6040): dropped.
        return self.authentic(self.esp, inner4(self.rnd), 4, tos=0x03,
                              post="rx-ecn")

    def k_esp_bad_nexthdr(self):
        nh = self.rnd.choice((0, 1, 6, 17, 47, 50, 51, 59, 97, 255))
        return self.authentic(self.esp, inner4(self.rnd), nh, post="rx-bad-inner")

    def k_esp_bad_pad(self):
        padlen = self.rnd.randint(1, 40)
        pad = bytearray(range(1, padlen + 1))
        i = self.rnd.randrange(padlen)
        pad[i] ^= self.rnd.randint(1, 255)
        return self.authentic(self.esp, inner4(self.rnd), 4, padlen=padlen,
                              pad=bytes(pad), pre="rx-bad-trailer")

    def k_esp_padlen_big(self):
        inner = inner4(self.rnd, size=self.rnd.randint(0, 40))
        padlen = self.rnd.randint(len(inner), 255)
        pad = bytes(range(1, 4))
        return self.authentic(self.esp, inner, 4, padlen=padlen, pad=pad,
                              pre="rx-bad-trailer")

    def k_esp_inner4_trunc(self):
        inner = inner4(self.rnd)[:self.rnd.randint(1, 19)]
        return self.authentic(self.esp, inner, 4, padlen=0, post="rx-malformed")

    def k_esp_inner4_garbage(self):
        h = bytearray(inner4(self.rnd))
        r = self.rnd.randrange(3)
        if r == 0:
            h[0] = (self.rnd.choice((0, 1, 5, 6, 7, 15)) << 4) | (h[0] & 0x0F)
        elif r == 1:
            h[0] = 0x40 | self.rnd.randint(0, 4)
        else:
            h[0] = 0x40 | self.rnd.randint(6, 15)	# header beyond tot_len
            struct.pack_into("!H", h, 2, 20)
        return self.authentic(self.esp, bytes(h), 4, padlen=0, post="rx-malformed")

    def k_esp_inner4_len(self):
        h = bytearray(inner4(self.rnd))
        if self.rnd.random() < 0.5:
            tot = len(h) + self.rnd.randint(1, 2000)
        else:
            tot = self.rnd.randint(0, 19)
        struct.pack_into("!H", h, 2, tot)
        return self.authentic(self.esp, bytes(h), 4, padlen=0, post="rx-malformed")

    def k_esp_inner6_bad(self):
        h = bytearray(inner6(self.rnd))
        r = self.rnd.randrange(3)
        if r == 0:
            h = h[:self.rnd.randint(1, 39)]
        elif r == 1:
            h[0] = (self.rnd.choice((0, 4, 5, 7, 15)) << 4) | (h[0] & 0x0F)
        else:
            struct.pack_into("!H", h, 4, len(h) - 40 + self.rnd.randint(1, 3000))
        return self.authentic(self.esp, bytes(h), 41, padlen=0, post="rx-malformed")

    def k_esp_mode_mismatch(self):
        # The next header announces the other IP version, or GRE (transport).
        r = self.rnd.randrange(3)
        if r == 0:
            return self.authentic(self.esp, inner6(self.rnd), 4, padlen=0,
                                  post="rx-malformed")
        if r == 1:
            return self.authentic(self.esp, inner4(self.rnd), 41, padlen=0,
                                  post="rx-malformed")
        gre = struct.pack("!HH", 0, 0x0800) + inner4(self.rnd)
        return self.authentic(self.esp, gre, 47, post="rx-bad-inner")

    def k_esp_replay(self):
        sa = self.esp
        if not sa.marked:
            return self.k_esp_ok4()
        seq = self.rnd.choice(sorted(sa.marked)[-WINDOW // 2:])
        return self.authentic(sa, inner4(self.rnd), 4, seq=seq)

    def k_esp_too_old(self):
        sa = self.esp
        if sa.top < 2 * WINDOW + 100:
            return self.k_esp_ok4()
        seq = self.rnd.randint(1, sa.top - WINDOW - 64)
        return self.authentic(sa, inner4(self.rnd), 4, seq=seq)

    def k_esp_seq0(self):
        return self.authentic(self.esp, inner4(self.rnd), 4, seq=0)

    def k_esp_bad_outer(self):
        # Authentic, but from a stray source or to another local address.
        seq = self.esp.fresh(self.rnd)
        p = self.esp_payload(ESP_SPI, seq, inner4(self.rnd), 4)
        if self.rnd.random() < 0.5:
            ip = self.esp_ip(p, src=STRAY)
        else:
            ip = self.esp_ip(p, dst=OTHER)
        return [ip], drop(B0, "rx-bad-outer")

    def forged(self, sa, mutate):
        """An authentic packet of SA, MUTATE(esp bytes) after its sequence
        number: the ICV fails (the window does not move)."""
        seq = sa.ahead(self.rnd)
        p = bytearray(self.esp_payload(sa.spi, seq, inner4(self.rnd), 4))
        p = mutate(p)
        ip = self.udp_ip(bytes(p)) if sa is self.udp else self.esp_ip(bytes(p))
        return ip, len(p)

    def flip(self, p):
        # Distinct bits: two flips of one bit would undo each other and
        # leave an authentic packet.
        bits = self.rnd.sample(range(8 * 8, 8 * len(p)), self.rnd.randint(1, 8))
        for b in bits:
            p[b // 8] ^= 1 << (b % 8)
        return p

    def k_esp_flip(self):
        ip, _ = self.forged(self.esp, self.flip)
        return [ip], drop(B0, "rx-auth-failed")

    def k_esp_garbage(self):
        # A random body after SPI and sequence number, any length.
        n = self.rnd.randint(0, 300)
        ip, n = self.forged(self.esp, lambda p: p[:8] + self.rnd.randbytes(n))
        return [ip], drop(B0, "rx-auth-failed" if n >= 8 + 8 + 2 + ICV
                          else "rx-malformed")

    def k_esp_trunc(self):
        # Truncated, by the frame or by a shorter IP total length.
        cut = [0]

        def trunc(p):
            cut[0] = self.rnd.randint(8, len(p) - 1)
            return p[:cut[0]]
        ip, n = self.forged(self.esp, trunc)
        if self.rnd.random() < 0.5:
            ip = bytearray(ip + self.rnd.randbytes(self.rnd.randint(1, 30)))
            struct.pack_into("!H", ip, 2, 20 + n)
            struct.pack_into("!H", ip, 10, 0)
            struct.pack_into("!H", ip, 10, pkt.ip_checksum(bytes(ip[:20])))
            ip = bytes(ip)
        return [ip], drop(B0, "rx-auth-failed" if n >= 8 + 8 + 2 + ICV
                          else "rx-malformed")

    def k_esp_extend(self):
        ip, _ = self.forged(self.esp, lambda p: p + self.rnd.randbytes(
            self.rnd.randint(1, 64)))
        return [ip], drop(B0, "rx-auth-failed")

    def k_esp_wrong_key(self):
        seq = self.esp.ahead(self.rnd)
        p = self.esp_payload(ESP_SPI, seq, inner4(self.rnd), 4,
                             key=self.rnd.randbytes(20))
        return [self.esp_ip(p)], drop(B0, "rx-auth-failed")

    def k_esp_short(self):
        # ESP shorter than its header is not vtun's (XFRM's); up to
        # header + IV + trailer + ICV it is malformed.
        n = self.rnd.randint(0, 8 + 8 + 2 + ICV - 1)
        p = struct.pack("!II", ESP_SPI, self.esp.ahead(self.rnd))[:n]
        p += self.rnd.randbytes(max(0, n - 8))
        return [self.esp_ip(p)], (("ip", "esp-header-short") if n < 8 else
                                  drop(B0, "rx-malformed"))

    def k_esp_real_spi(self):
        # Forged at the real SA's SPI, far ahead of its traffic.
        seq = self.rnd.randint(1 << 31, (1 << 32) - 1)
        p = struct.pack("!II", REAL_SPI, seq) + self.rnd.randbytes(
            self.rnd.randint(40, 200))
        return [self.esp_ip(p)], drop(B0, "rx-auth-failed")

    def k_esp_udp_sa(self):
        # Plain ESP for the SA of the ESP-in-UDP device.
        p = self.esp_payload(UDP_SPI, self.udp.ahead(self.rnd), inner4(self.rnd), 4)
        return [self.esp_ip(p)], drop(B1, "rx-malformed")

    def k_esp_not_ours(self):
        # Unknown SPI, AH's SPI, an outbound SPI: XFRM's.
        spi = self.rnd.choice((0x7EADBEEF, AH_SPI, OUT_SPI, 0, 1, 0xFFFFFFFF))
        p = struct.pack("!II", spi, 1) + self.rnd.randbytes(self.rnd.randint(0, 100))
        return [self.esp_ip(p)], ("ip", "xfrm")

    def k_outer_broken(self):
        # One bit of the outer IPv4 header flipped, checksum not fixed;
        # or a total length beyond the frame; or to a foreign address.
        ip = bytearray(self.esp_packet(self.esp, self.esp.top + 1,
                                       inner4(self.rnd), 4))
        r = self.rnd.randrange(3)
        if r == 0:
            i = self.rnd.randrange(20)
            ip[i] ^= 1 << self.rnd.randrange(8)
        elif r == 1:
            struct.pack_into("!H", ip, 2, len(ip) + self.rnd.randint(1, 100))
            struct.pack_into("!H", ip, 10, 0)
            struct.pack_into("!H", ip, 10, pkt.ip_checksum(bytes(ip[:20])))
        else:
            ip = bytearray(ipv4(SRC, NOT_LOCAL, 50, bytes(ip[20:]), self.next_id()))
        return [bytes(ip)], ("ip", "outer")

    # AH at vtun0's fuzz AH SA.

    def ah_authentic(self, inner, nh, post=None, seq=None, **kw):
        sa = self.ah
        seq = sa.fresh(self.rnd) if seq is None else seq
        return [self.ah_packet(seq, inner, nh, **kw)], sa.outcome(seq, post=post)

    def k_ah_ok(self):
        r = self.rnd.randrange(4)
        if r == 0:
            return self.ah_authentic(inner6(self.rnd), 41)
        if r == 1:
            # NOPs and a router alert are immutable options.
            opts = self.rnd.choice((b"\x01\x01\x01\x01", b"\x94\x04\x00\x00"))
            return self.ah_authentic(inner4(self.rnd), 4, opts=opts)
        if r == 2:
            return self.ah_authentic(inner4(self.rnd), 4, pad8=True)
        return self.ah_authentic(inner4(self.rnd), 4,
                                 tos=self.rnd.choice((0, 0x01, 0xB8)))

    def k_ah_bad_inner(self):
        r = self.rnd.randrange(3)
        if r == 0:
            return self.ah_authentic(inner4(self.rnd), self.rnd.choice((0, 6, 17, 59)),
                                     post="rx-bad-inner")
        if r == 1:
            return self.ah_authentic(inner4(self.rnd)[:self.rnd.randint(1, 19)], 4,
                                     post="rx-malformed")
        return self.ah_authentic(inner4(self.rnd), 41, post="rx-malformed")

    def k_ah_ecn(self):
        return self.ah_authentic(inner4(self.rnd), 4, tos=0x03, post="rx-ecn")

    def k_ah_replay(self):
        sa = self.ah
        if sa.top < 2 * WINDOW + 100:
            return self.k_ah_ok()
        if self.rnd.random() < 0.5:
            seq = self.rnd.choice(sorted(sa.marked)[-WINDOW // 2:])
        else:
            seq = self.rnd.randint(1, sa.top - WINDOW - 64)
        return self.ah_authentic(inner4(self.rnd), 4, seq=seq)

    def k_ah_forged(self):
        # A bit of the payload, ICV or an immutable outer field changed.
        ip = bytearray(self.ah_packet(self.ah.ahead(self.rnd), inner4(self.rnd), 4))
        r = self.rnd.randrange(3)
        if r == 0:
            i = self.rnd.randrange(32, len(ip))
        elif r == 1:
            i = self.rnd.choice((4, 5))	# identification
        else:
            i = self.rnd.randrange(20 + 12, 20 + 12 + ICV)
        ip[i] ^= 1 << self.rnd.randrange(8)
        struct.pack_into("!H", ip, 10, 0)
        struct.pack_into("!H", ip, 10, pkt.ip_checksum(bytes(ip[:20])))
        return [bytes(ip)], drop(B0, "rx-auth-failed")

    def k_ah_bad_len(self):
        # AH length field not that of the SA's ICV, or AH cut short.
        ip = bytearray(self.ah_packet(self.ah.ahead(self.rnd), inner4(self.rnd), 4))
        if self.rnd.random() < 0.5:
            ip[21] = self.rnd.choice([v for v in range(256) if v not in (5, 6)])
            ip = bytes(ip)
            return [ipv4(SRC, DST, 51, ip[20:], self.next_id())], drop(B0, "rx-malformed")
        n = self.rnd.randint(0, 27)
        what = ("ip", "ah-header-short") if n < 12 else drop(B0, "rx-malformed")
        return [ipv4(SRC, DST, 51, bytes(ip[20:20 + n]), self.next_id())], what

    def k_ah_seq0(self):
        return [self.ah_packet(0, inner4(self.rnd), 4)], drop(B0, "rx-malformed")

    def k_ah_bad_outer(self):
        return ([self.ah_packet(self.ah.fresh(self.rnd), inner4(self.rnd), 4,
                                src=STRAY)], drop(B0, "rx-bad-outer"))

    # ESP in UDP at vtun1, port 4500 (vtun's own socket).

    def k_udp_ok(self):
        if self.rnd.random() < 0.3:
            return self.authentic(self.udp, inner6(self.rnd), 41)
        return self.authentic(self.udp, inner4(self.rnd), 4)

    def k_udp_bad_inner(self):
        r = self.rnd.randrange(3)
        if r == 0:
            return self.authentic(self.udp, inner4(self.rnd), 17, post="rx-bad-inner")
        if r == 1:
            return self.authentic(self.udp, inner4(self.rnd)[:10], 4, padlen=0,
                                  post="rx-malformed")
        return self.authentic(self.udp, inner4(self.rnd), 4, padlen=2,
                              pad=b"\x02\x01", pre="rx-bad-trailer")

    def k_udp_replay(self):
        sa = self.udp
        if not sa.marked:
            return self.k_udp_ok()
        seq = self.rnd.choice(sorted(sa.marked)[-WINDOW // 2:])
        return self.authentic(sa, inner4(self.rnd), 4, seq=seq)

    def k_udp_forged(self):
        ip, _ = self.forged(self.udp, self.flip)
        return [ip], drop(B1, "rx-auth-failed")

    def k_udp_keepalive(self):
        return [self.udp_ip(b"\xff", sport=self.rnd.choice((NATT_PORT, 1025)))], \
            ("absorbed",)

    def k_udp_short(self):
        # 0 to 8 bytes that are not a keepalive: malformed.
        n = self.rnd.randint(0, 8)
        data = self.rnd.randbytes(n)
        if data == b"\xff":
            data = b"\xfe"
        return [self.udp_ip(data)], drop(B1, "rx-malformed")

    def k_udp_ike(self):
        # The non-ESP marker and an IKE header: no IKE daemon has the socket.
        ike = (bytes(4) + self.rnd.randbytes(16) +
               bytes([33, 0x20, 34, 0x08]) + bytes(4) +
               struct.pack("!I", 28 + 8) + self.rnd.randbytes(8))
        return [self.udp_ip(ike[:self.rnd.randint(9, len(ike))])], \
            drop(B1, "rx-malformed")

    def k_udp_no_sa(self):
        # An SPI nobody has, or vtun0's (not on this socket).
        spi = self.rnd.choice((0x7EADBEEF, ESP_SPI, REAL_SPI, 1))
        p = struct.pack("!II", spi, 1) + self.rnd.randbytes(self.rnd.randint(1, 80))
        return [self.udp_ip(p)], drop(B1, "rx-no-sa")

    def k_udp_other_port(self):
        p = self.esp_payload(UDP_SPI, self.udp.ahead(self.rnd), inner4(self.rnd), 4)
        return [self.udp_ip(p, dport=4501)], ("ip", "udp-port")

    # IPv4 fragments (reassembled by the IP stack before vtun sees them).

    def k_frag_ok(self):
        r = self.rnd.randrange(4)
        ident = None
        if r == 0:
            ident = self.next_frag_id()
            ips, what = self.ah_authentic(inner4(self.rnd, size=200), 4,
                                          ident=ident)
        elif r == 1:
            ips, what = self.authentic(self.udp, inner4(self.rnd, size=200), 4)
        else:
            ips, what = self.authentic(self.esp, inner4(self.rnd, size=200), 4)
        ip = ips[0]
        body = len(ip) - 20
        if self.rnd.random() < 0.5:
            cuts = [8]			# first fragment: part of the header
        else:
            cuts = sorted(self.rnd.sample(range(8, body, 8), self.rnd.randint(1, 3)))
        n = len(cuts) + 1
        order = list(range(n))
        if self.rnd.random() < 0.5:
            self.rnd.shuffle(order)
        return self.fragments(ip, cuts, order, ident), what

    def k_frag_forged(self):
        ip, n = self.forged(self.esp, self.flip)
        return self.fragments(ip, [8 * self.rnd.randint(1, (n - 1) // 8)]), \
            drop(B0, "rx-auth-failed")

    def k_frag_short(self):
        # A whole datagram too short for ESP, in two fragments.
        p = struct.pack("!II", ESP_SPI, self.esp.ahead(self.rnd)) + self.rnd.randbytes(12)
        return self.fragments(self.esp_ip(p), [8]), drop(B0, "rx-malformed")

    def k_frag_overlap(self):
        # Overlapping fragments: the IP stack discards the datagram.
        ip = self.esp_packet(self.esp, self.esp.ahead(self.rnd),
                             inner4(self.rnd, size=200), 4)
        hdr, body = ip[:20], ip[20:]
        ident = self.next_frag_id()
        a = self.refrag(hdr, body[:24], ident, 0x2000)
        b = self.refrag(hdr, body[16:], ident, 16 // 8)
        return ([a, b] if self.rnd.random() < 0.5 else [b, a]), ("ip", "overlap")

    def k_frag_incomplete(self):
        ip, _ = self.forged(self.esp, lambda p: p)
        frags = self.fragments(ip, [8, 16])
        return [self.rnd.choice(frags[:2]) if self.rnd.random() < 0.7
                else frags[2]], ("ip", "incomplete")

    # IPv6 outer at vtun2: ESP and AH (RFC 4302: traffic class, flow
    # label and hop limit are mutable; no extension header before AH).

    def ah6_packet(self, seq, inner, nh, src=SRC6, tc=0, hbh=False):
        sa_hdr = struct.pack("!BBHII", nh, 32 // 4 - 2, 0, AH6_SPI, seq)
        zero = sa_hdr + bytes(32 - 12)
        ext = b""
        if hbh:		# hop-by-hop options, PadN: AH after an extension
            ext = bytes([51, 0, 1, 4, 0, 0, 0, 0])
        plen = len(ext) + 32 + len(inner)
        mut = ipv6(src, DST6, 0 if hbh else 51, b"", hlim=0)
        mut = mut[:4] + struct.pack("!H", plen) + mut[6:]
        mac = hmac.new(AH_KEY, mut + ext + zero + inner,
                       hashlib.sha256).digest()[:ICV]
        ah = sa_hdr + mac + bytes(32 - 12 - ICV)
        return ipv6(src, DST6, 0 if hbh else 51, ext + ah + inner, tc=tc,
                    hlim=self.rnd.choice((1, 64, 255)))

    def k_esp6_ok(self):
        if self.rnd.random() < 0.5:
            return self.authentic(self.esp6, inner6(self.rnd), 41)
        return self.authentic(self.esp6, inner4(self.rnd), 4,
                              tos=self.rnd.choice((0, 0x01, 0xB8)))

    def k_esp6_hbh(self):
        # ESP after a hop-by-hop options header: taken.
        seq = self.esp6.fresh(self.rnd)
        p = self.esp_payload(ESP6_SPI, seq, inner4(self.rnd), 4)
        ip = ipv6(SRC6, DST6, 0, bytes([50, 0, 1, 4, 0, 0, 0, 0]) + p)
        return [ip], self.esp6.outcome(seq)

    def k_esp6_bad_inner(self):
        r = self.rnd.randrange(4)
        if r == 0:
            return self.authentic(self.esp6, inner4(self.rnd), 17, post="rx-bad-inner")
        if r == 1:
            return self.authentic(self.esp6, inner6(self.rnd)[:30], 41, padlen=0,
                                  post="rx-malformed")
        if r == 2:
            return self.authentic(self.esp6, inner6(self.rnd), 4, padlen=0,
                                  post="rx-malformed")
        return self.authentic(self.esp6, inner4(self.rnd), 4, tos=0x03,
                              post="rx-ecn")

    def k_esp6_replay(self):
        sa = self.esp6
        if sa.top < 2 * WINDOW + 100:
            return self.k_esp6_ok()
        if self.rnd.random() < 0.5:
            seq = self.rnd.choice(sorted(sa.marked)[-WINDOW // 2:])
        else:
            seq = self.rnd.randint(1, sa.top - WINDOW - 64)
        return self.authentic(sa, inner4(self.rnd), 4, seq=seq)

    def k_esp6_forged(self):
        seq = self.esp6.ahead(self.rnd)
        p = self.flip(bytearray(self.esp_payload(ESP6_SPI, seq, inner4(self.rnd), 4)))
        if self.rnd.random() < 0.2:
            p = p[:self.rnd.randint(8, 8 + 8 + 2 + ICV - 1)]
            return [ipv6(SRC6, DST6, 50, bytes(p))], drop(B2, "rx-malformed")
        return [ipv6(SRC6, DST6, 50, bytes(p))], drop(B2, "rx-auth-failed")

    def k_esp6_bad_outer(self):
        seq = self.esp6.fresh(self.rnd)
        p = self.esp_payload(ESP6_SPI, seq, inner4(self.rnd), 4)
        src, dst = (STRAY6, DST6) if self.rnd.random() < 0.5 else (SRC6, OTHER6)
        return [ipv6(src, dst, 50, p)], drop(B2, "rx-bad-outer")

    def k_esp6_frag(self):
        ips, what = self.authentic(self.esp6, inner4(self.rnd, size=200), 4)
        ip = ips[0]
        body = ip[40:]
        first = 8 * self.rnd.randint(1, 4)
        ident = self.next_frag_id()
        out = []
        for off, part, more in ((0, body[:first], 1), (first, body[first:], 0)):
            fh = struct.pack("!BBHI", 50, 0, off | more, ident)
            out.append(ipv6(SRC6, DST6, 44, fh + part))
        if self.rnd.random() < 0.5:
            out.reverse()
        return out, what

    def ah6_authentic(self, inner, nh, post=None, seq=None, **kw):
        sa = self.ah6
        seq = sa.fresh(self.rnd) if seq is None else seq
        return [self.ah6_packet(seq, inner, nh, **kw)], sa.outcome(seq, post=post)

    def k_ah6_ok(self):
        if self.rnd.random() < 0.5:
            return self.ah6_authentic(inner6(self.rnd), 41)
        return self.ah6_authentic(inner4(self.rnd), 4,
                                  tc=self.rnd.choice((0, 0x01, 0xB8)))

    def k_ah6_bad(self):
        r = self.rnd.randrange(5)
        if r == 0:
            return self.ah6_authentic(inner4(self.rnd), 6, post="rx-bad-inner")
        if r == 1:
            return self.ah6_authentic(inner4(self.rnd), 4, tc=0x03, post="rx-ecn")
        if r == 2:
            return self.ah6_authentic(inner6(self.rnd)[:20], 41, post="rx-malformed")
        ip = bytearray(self.ah6_packet(self.ah6.ahead(self.rnd), inner4(self.rnd), 4,
                                       hbh=(r == 3)))
        if r == 3:	# an extension header in front of AH
            return [bytes(ip)], drop(B2, "rx-malformed")
        i = self.rnd.randrange(40 + 12, len(ip))	# ICV or payload
        ip[i] ^= 1 << self.rnd.randrange(8)
        return [bytes(ip)], drop(B2, "rx-auth-failed")

    def k_ah6_bad_len(self):
        ip = bytearray(self.ah6_packet(self.ah6.ahead(self.rnd), inner4(self.rnd), 4))
        ip[41] = self.rnd.choice((0, 1, 4, 5, 7, 8, 200, 255))
        return [bytes(ip)], drop(B2, "rx-malformed")

    # --- running --------------------------------------------------------------

    def one(self):
        x = self.rnd.uniform(0, self.total_w)
        for w, name, fn in self.kind_table:
            x -= w
            if x <= 0:
                break
        ips, what = fn()
        for ip in ips:
            self.sock.send(self.eth + (b"\x86\xdd" if ip[0] >> 4 == 6
                                       else b"\x08\x00") + ip)
        self.frames += len(ips)
        k = self.kinds.setdefault(name, [0, 0, {}])
        k[0] += 1
        k[1] += len(ips)
        k[2][what] = k[2].get(what, 0) + 1
        self.expect[what] = self.expect.get(what, 0) + 1

    def vtunctl(self, *args):
        out = subprocess.run(["ip", "netns", "exec", self.dut_ns, VTUNCTL, "-j"] +
                             list(args), check=True, capture_output=True,
                             text=True).stdout
        return json.loads(out)

    def counters(self):
        c = {}
        for dev in (B0, B1, B2) if V6 else (B0, B1):
            for reason, n in self.vtunctl("show", dev)[0]["drops"].items():
                if reason.startswith("rx-"):
                    c[("drop", dev, reason)] = n
            for sa in self.vtunctl("sa", "show", dev):
                if sa["dir"] == "in" and sa["spi"] in FUZZ_SPIS:
                    c[("acc", dev)] = c.get(("acc", dev), 0) + sa["stats"]["packets"]
        return c


VTUNCTL = os.environ.get("VTUNCTL", "vtunctl")

# (weight, kind)
KINDS = [
    (6, "esp-ok4"), (3, "esp-ok6"), (1, "esp-inner-padded"), (1, "esp-outer-tos"),
    (1, "esp-ce-ect"), (1, "esp-ecn"), (2, "esp-bad-nexthdr"), (2, "esp-bad-pad"),
    (1, "esp-padlen-big"), (2, "esp-inner4-trunc"), (2, "esp-inner4-garbage"),
    (2, "esp-inner4-len"), (2, "esp-inner6-bad"), (2, "esp-mode-mismatch"),
    (2, "esp-replay"), (1, "esp-too-old"), (1, "esp-seq0"), (1, "esp-bad-outer"),
    (3, "esp-flip"), (2, "esp-garbage"), (2, "esp-trunc"), (1, "esp-extend"),
    (1, "esp-wrong-key"), (1, "esp-short"), (1, "esp-real-spi"), (1, "esp-udp-sa"),
    (1, "esp-not-ours"), (2, "outer-broken"),
    (4, "ah-ok"), (2, "ah-bad-inner"), (1, "ah-ecn"), (1, "ah-replay"),
    (2, "ah-forged"), (1, "ah-bad-len"), (1, "ah-seq0"), (1, "ah-bad-outer"),
    (4, "udp-ok"), (2, "udp-bad-inner"), (1, "udp-replay"), (2, "udp-forged"),
    (2, "udp-keepalive"), (1, "udp-short"), (2, "udp-ike"), (1, "udp-no-sa"),
    (1, "udp-other-port"),
    (3, "frag-ok"), (1, "frag-forged"), (1, "frag-short"), (1, "frag-overlap"),
    (1, "frag-incomplete"),
]
# IPv6 outer (vtun2), with PKTFUZZ_V6=1 (pktfuzz.sh then makes vtun2).
V6 = os.environ.get("PKTFUZZ_V6") == "1"
if V6:
    KINDS += [
        (3, "esp6-ok"), (1, "esp6-hbh"), (2, "esp6-bad-inner"), (1, "esp6-replay"),
        (2, "esp6-forged"), (1, "esp6-bad-outer"), (1, "esp6-frag"),
        (2, "ah6-ok"), (2, "ah6-bad"), (1, "ah6-bad-len"),
    ]


def fmt(what):
    if what[0] == "acc":
        return f"accepted {what[1]}"
    if what[0] == "drop":
        return f"{what[2]} {what[1]}"
    return " ".join(what)


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    iface, dst_mac, dut_ns = sys.argv[1:4]
    count, seed = int(sys.argv[4]), int(sys.argv[5])
    fz = Fuzzer(iface, dst_mac, dut_ns, seed)
    every = max(1000, min(10000, count // 4))
    start = fz.counters()
    base = dict(start)
    totals, bad = {}, []
    t0 = time.time()
    sent = 0
    while sent < count:
        n = min(every, count - sent)
        for _ in range(n):
            fz.one()
        sent += n
        time.sleep(0.5)
        now = fz.counters()
        got = {k: now.get(k, 0) - base.get(k, 0) for k in set(now) | set(base)}
        want = {k: v for k, v in fz.expect.items() if k[0] in ("acc", "drop")}
        for k in set(got) | set(want):
            if got.get(k, 0) != want.get(k, 0):
                bad.append(f"after {sent}: {fmt(k)}: expected {want.get(k, 0)}, "
                           f"counted {got.get(k, 0)}")
        for k, v in fz.expect.items():
            totals[k] = totals.get(k, 0) + v
        fz.expect = {}
        base = now
        print(f"# {sent} datagrams, {fz.frames} frames, "
              f"{time.time() - t0:.1f} s", flush=True)
    final = fz.counters()
    print(f"# {'kind':18} {'sent':>7} {'frames':>7}  outcomes")
    for name in sorted(fz.kinds):
        d, f, outs = fz.kinds[name]
        o = ", ".join(f"{fmt(k)} {v}" for k, v in sorted(outs.items(), key=str))
        print(f"# {name:18} {d:7} {f:7}  {o}")
    owned = sum(v for k, v in totals.items() if k[0] in ("acc", "drop"))
    print(f"# {'reason':28} {'expected':>8} {'counted':>8}")
    counted = 0
    for k in sorted(set(totals) | set(final), key=str):
        if k[0] not in ("acc", "drop"):
            continue
        c = final.get(k, 0) - start.get(k, 0)
        counted += c
        if c or totals.get(k):
            print(f"# {fmt(k):28} {totals.get(k, 0):8} {c:8}")
    for k in sorted(totals, key=str):
        if k[0] in ("ip", "absorbed"):
            print(f"# {'not vtun: ' + fmt(k):28} {totals[k]:8}")
    print(f"# owned by vtun: {owned} sent, {counted} counted (drops + accepted); "
          f"{sent - owned} not vtun's; {sent} datagrams in {fz.frames} frames")
    for b in bad:
        print(f"# MISMATCH {b}")
    if bad or owned != counted:
        sys.exit(1)


if __name__ == "__main__":
    main()
