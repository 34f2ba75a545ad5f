#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes the hand-made seeds of the fuzz corpus (corpus/<harness>/seed-*):
well-formed IKE_SA_INIT, IKE_AUTH-shaped, INFORMATIONAL and CREATE_CHILD_SA
payload chains, so that the fuzzers start deep. Run from selftests/fuzz."""
import os
import struct

SA, KE, IDI, IDR, CERT, CERTREQ, AUTH, NONCE, N, D, V, TSI, TSR, SK = \
    33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46


def chain(pls):
    """pls: list of (type, body); returns (first type, bytes)."""
    out = b""
    for i, (t, body) in enumerate(pls):
        nxt = pls[i + 1][0] if i + 1 < len(pls) else 0
        out += struct.pack("!BBH", nxt, 0, 4 + len(body)) + body
    return (pls[0][0] if pls else 0), out


def xf(last, t, tid, keylen=None):
    attr = struct.pack("!HH", 0x800e, keylen) if keylen else b""
    return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attr), t, 0,
                       tid) + attr


def prop(last, num, proto, spi, xfs):
    body = b"".join(xfs)
    return struct.pack("!BBHBBBB", 0 if last else 2, 0, 8 + len(spi) + len(body),
                       num, proto, len(spi), len(xfs)) + spi + body


def ike_sa():
    p1 = prop(False, 1, 1, b"", [xf(False, 1, 20, 256), xf(False, 2, 5),
                                 xf(True, 4, 31)])
    p2 = prop(True, 2, 1, b"", [xf(False, 1, 12, 128), xf(False, 3, 12),
                                xf(False, 2, 5), xf(True, 4, 19)])
    return p1 + p2


def esp_sa(spi=b"\xc0\x00\x00\x01"):
    return prop(True, 1, 3, spi, [xf(False, 1, 20, 128), xf(False, 5, 0),
                                  xf(True, 5, 1)])


def ts4():
    t = struct.pack("!BBHHH", 7, 0, 16, 0, 65535) + bytes(4) + b"\xff" * 4
    return struct.pack("!BBH", 1, 0, 0) + t


def ts6():
    t = struct.pack("!BBHHH", 8, 6, 40, 80, 80) + bytes(16) + b"\xff" * 16
    return struct.pack("!BBH", 1, 0, 0) + t


def notify(ntype, data=b"", proto=0, spi=b""):
    return struct.pack("!BBH", proto, len(spi), ntype) + spi + data


def hdr(spi_i, spi_r, first, exch, flags, msgid, body):
    return struct.pack("!8s8sBBBBII", spi_i, spi_r, first, 0x20, exch, flags,
                       msgid, 28 + len(body)) + body


SPI_I = b"\x11" * 8
INIT = [(N, notify(16390, b"c" * 32)), (SA, ike_sa()),
        (KE, struct.pack("!HH", 31, 0) + b"\x09" * 32), (NONCE, b"n" * 32),
        (N, notify(16431, b"\x00\x02\x00\x03\x00\x04")),
        (N, notify(16388, b"\x00" * 20)), (V, b"vendor")]
AUTHC = [(IDI, b"\x02\x00\x00\x00" + b"moon.example"),
         (CERT, b"\x04" + b"\x30\x03\x02\x01\x00"),
         (CERTREQ, b"\x04" + b"\x00" * 20),
         (N, notify(16384)), (IDR, b"\x01\x00\x00\x00\xc0\x00\x02\x01"),
         (AUTH, b"\x02\x00\x00\x00" + b"a" * 32),
         (SA, esp_sa()), (TSI, ts4()), (TSR, ts6()),
         (N, notify(16393, b"", 3, b"\xc0\x00\x00\x02"))]
INFO = [(D, struct.pack("!BBH", 3, 4, 2) + b"\xc0\x00\x00\x01\xc0\x00\x00\x02"),
        (D, struct.pack("!BBH", 1, 0, 0)), (N, notify(16385))]
CHILD = [(N, notify(16393, b"", 3, b"\xc0\x00\x00\x05")), (SA, esp_sa()),
         (NONCE, b"m" * 32), (KE, struct.pack("!HH", 31, 0) + b"\x07" * 32),
         (TSI, ts4()), (TSR, ts4())]


def outer(pls, exch, flags=8, msgid=0, spi_r=bytes(8)):
    first, body = chain(pls)
    return hdr(SPI_I, spi_r, first, exch, flags, msgid, body)


def write(harness, name, data):
    d = os.path.join("corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def main():
    msgs = {
        "init": outer(INIT, 34),
        "auth": outer(AUTHC, 35, msgid=1, spi_r=b"\x22" * 8),
        "info": outer(INFO, 37, flags=0x20, msgid=2, spi_r=b"\x22" * 8),
        "child": outer(CHILD, 36, msgid=3, spi_r=b"\x22" * 8),
        "sk": outer([(SK, b"\x00" * 16 + b"x" * 32 + b"\x00" * 16)], 35,
                    msgid=1, spi_r=b"\x22" * 8),
    }
    for k, m in msgs.items():
        write("fuzz_msg", k, m)
    for suite in range(3):
        for k, pls, exch in (("auth", AUTHC, 35), ("info", INFO, 37),
                             ("child", CHILD, 36)):
            first, body = chain(pls)
            write("fuzz_sk", "%s-%d" % (k, suite),
                  bytes([4 | suite, first, exch]) + body + b"\x00")
        write("fuzz_sk", "raw-%d" % suite, bytes([suite]) + msgs["sk"])

    def rec(op, m):
        return struct.pack("!BH", op, len(m)) + m
    write("fuzz_ike", "init", rec(0, msgs["init"]))
    write("fuzz_ike", "init-auth", rec(0, msgs["init"]) +
          rec(0x80, msgs["sk"]) + rec(0x80 | 0x40 | 0x09, msgs["sk"]))
    # an answer to our own IKE_SA_INIT (peer 3): COOKIE, then a real one
    cookie = outer([(N, notify(16390, b"k" * 16))], 34, flags=0x20)
    resp = outer(INIT[1:], 34, flags=0x20, spi_r=b"\x33" * 8)
    write("fuzz_ike", "cookie", rec(0x86, cookie) + rec(0x86, resp))
    write("fuzz_ike", "timeout", rec(0, msgs["init"]) + rec(0x79, b""))
    # sealed by the harness with the keys of the IKE SA it makes itself
    first, body = chain(AUTHC)
    write("fuzz_ike", "sealed-auth", rec(0x20, bytes([35, first, 1, 0, 0]) + body))
    third = (len(body) + 2) // 3
    parts = [body[i:i + third] for i in range(0, len(body), third)]
    write("fuzz_ike", "sealed-frag", b"".join(
        rec(0x20, bytes([35, first if i == 0 else 0, 1, i + 1, len(parts)]) + part)
        for i, part in enumerate(parts)))
    first, body = chain(INFO)
    write("fuzz_ike", "sealed-info", rec(0x20, bytes([37, first, 0, 0, 0]) + body))


if __name__ == "__main__":
    main()
