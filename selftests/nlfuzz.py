#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Fuzz the vtun generic netlink family and the vtun link type.

Messages are built from the family's YAML spec: every request op (and the
notification commands and unknown command numbers, which must be refused),
attributes with random and boundary values, wrong types and sizes, nested
garbage, missing and duplicated attributes, mixed with plausible requests
so that devices, SAs, proxy IDs, monitors and reserved SPIs come and go.
rtnetlink link add/change/del of the "vtun" kind with fuzzed link data runs
in the same stream.

With --check, every refused request is followed by a dump of the whole
configuration (devices, SAs, proxy IDs, monitors, links), which must equal
the one taken before it, counters and clocks left out; an event seen in
between (a lifetime that ran out) only refreshes the reference, and a
dump the kernel marks interrupted (NLM_F_DUMP_INTR) is taken again. Refusals
must carry an extended ack (a message, or the offending attribute).

usage: nlfuzz.py [-n COUNT] [-s SEED] [--check] [--workers N] [--spec PATH]
Prints one summary line per worker and a final line "fuzz: N sent, ...";
exits non-zero if a refused request changed state, a refusal carried no
extack, or a reply could not be parsed.
"""

import argparse
import errno
import os
import random
import socket
import struct
import sys
import time

import yaml

NETLINK_GENERIC = 16
NETLINK_ROUTE = 0
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME = 1
CTRL_ATTR_MCAST_GRP_ID = 2
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLM_F_EXCL, NLM_F_CREATE = 0x200, 0x400
NLM_F_DUMP_INTR = 0x10
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED = 0x8000
NETLINK_ADD_MEMBERSHIP, NETLINK_EXT_ACK = 1, 11
SOL_NETLINK = 270
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSGERR_ATTR_MISS_TYPE = 1, 2, 5
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
IFLA_IFNAME, IFLA_LINKINFO = 3, 18
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2

# Reply fields that move on their own (traffic, probes, clocks).
VOLATILE = {"stats", "drops", "seq", "last-used", "use-time", "state",
            "reason", "sent", "received", "lost", "misses", "rtt",
            "carrier", "peer", "peer-port", "mtu"}

AEADS = [("rfc4106(gcm(aes))", 20, 128), ("rfc4106(gcm(aes))", 36, 64),
         ("rfc7539esp(chacha20,poly1305)", 36, 128)]
CIPHERS = [("cbc(aes)", 16), ("cbc(aes)", 32), ("ecb(cipher_null)", 0)]
AUTHS = [("hmac(sha1)", 20, 96), ("hmac(sha256)", 32, 128),
         ("hmac(sha512)", 64, 256)]
BAD_ALGS = ["", "gcm(aes)", "aes", "x" * 63, "x" * 64, "hmac(md5)",
            "rfc4106(gcm(aes))\0junk", "cbc(aes)", "hmac(sha256)"]


class Spec:
    """Attribute sets and operations of a YNL spec, by name and number."""

    def __init__(self, path):
        doc = yaml.safe_load(open(path))
        self.sets = {}
        for aset in doc["attribute-sets"]:
            by_name, by_num, num = {}, {}, 0
            for a in aset["attributes"]:
                num = a.get("value", num + 1)
                by_name[a["name"]] = (num, a)
                by_num[num] = a
            self.sets[aset["name"]] = (by_name, by_num)
        self.ops, num = {}, 0
        for op in doc["operations"]["list"]:
            num = op.get("value", num + 1)
            self.ops[op["name"]] = (num, op)

    def num(self, aset, name):
        return self.sets[aset][0][name][0]

    def attr(self, aset, name):
        return self.sets[aset][0][name][1]


def nla(atype, payload):
    return (struct.pack("=HH", 4 + len(payload), atype) + payload +
            b"\0" * ((4 - len(payload) % 4) % 4))


def parse_attrs(buf):
    out, off = [], 0
    while off + 4 <= len(buf):
        alen, atype = struct.unpack_from("=HH", buf, off)
        if alen < 4 or off + alen > len(buf):
            raise ValueError("bad attribute length")
        out.append((atype & 0x3fff, buf[off + 4:off + alen]))
        off += (alen + 3) & ~3
    return out


PACK = {"u8": "=B", "u16": "=H", "u32": "=I", "u64": "=Q", "s32": "=i"}
BITS = {"u8": 8, "u16": 16, "u32": 32, "u64": 64, "s32": 32}


class Fuzzer:
    def __init__(self, spec, seed, check):
        self.spec = spec
        self.rnd = random.Random(seed)
        self.check = check
        self.seq = 1
        self.gen = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                 NETLINK_GENERIC)
        self.rt = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                NETLINK_ROUTE)
        for s in (self.gen, self.rt):
            s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self.family, grp = self.resolve()
        self.ev = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                NETLINK_GENERIC)
        self.ev.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, grp)
        self.ev.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self.ev.setblocking(False)
        self.stats = {"sent": 0, "accepted": 0, "refused": 0,
                      "checked": 0, "refreshed": 0, "changed": 0,
                      "no-extack": 0, "bad-reply": 0, "dump-intr": 0}
        self.intr = False
        self.errnos = {}
        self.failures = []
        self.made = 0
        self.target = None

    # --- transport -----------------------------------------------------

    def resolve(self):
        body = struct.pack("=BBH", CTRL_CMD_GETFAMILY, 1, 0) + \
            nla(CTRL_ATTR_FAMILY_NAME, b"vtun\0")
        self.gen.send(struct.pack("=IHHII", 16 + len(body), GENL_ID_CTRL,
                                  NLM_F_REQUEST, self.next_seq(), 0) + body)
        msg = self.gen.recv(65536)
        fam = grp = None
        for atype, val in parse_attrs(msg[20:]):
            if atype == CTRL_ATTR_FAMILY_ID:
                fam = struct.unpack("=H", val)[0]
            elif atype == CTRL_ATTR_MCAST_GROUPS:
                for _, g in parse_attrs(val):
                    d = dict(parse_attrs(g))
                    grp = struct.unpack("=I", d[CTRL_ATTR_MCAST_GRP_ID])[0]
        if fam is None or grp is None:
            sys.exit("vtun family not found")
        return fam, grp

    def transact(self, sock, msg):
        """Send one message; return (errno, extack, replies) of its answer."""
        sock.send(msg)
        seq = struct.unpack_from("=I", msg, 8)[0]
        replies = []
        while True:
            data = sock.recv(1 << 20)
            off = 0
            while off + 16 <= len(data):
                length, mtype, flags, mseq = struct.unpack_from("=IHHI",
                                                                data, off)
                if length < 16 or off + length > len(data):
                    raise ValueError("bad message length")
                body = data[off + 16:off + length]
                off += (length + 3) & ~3
                if mseq != seq:
                    continue
                if flags & NLM_F_DUMP_INTR:
                    self.intr = True
                if mtype == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", body)[0]
                    return err, self.extack(body, flags), replies
                if mtype == NLMSG_DONE:
                    return 0, None, replies
                replies.append(body)

    @staticmethod
    def extack(body, flags):
        if not flags & 0x200:		# NLM_F_ACK_TLVS
            return None
        olen = struct.unpack_from("=I", body, 4)[0]
        capped = flags & 0x100		# NLM_F_CAPPED
        start = 4 + (16 if capped else olen)
        return dict(parse_attrs(body[start:]))

    def genl(self, cmd, attrs, flags=0):
        body = struct.pack("=BBH", cmd, 1, 0) + attrs
        msg = struct.pack("=IHHII", 16 + len(body), self.family,
                          NLM_F_REQUEST | NLM_F_ACK | flags, self.next_seq(),
                          0) + body
        return self.transact(self.gen, msg)

    def rtnl(self, mtype, flags, ifindex, attrs):
        body = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, ifindex, 0, 0)
        body += attrs
        msg = struct.pack("=IHHII", 16 + len(body), mtype,
                          NLM_F_REQUEST | NLM_F_ACK | flags, self.next_seq(),
                          0) + body
        return self.transact(self.rt, msg)

    def next_seq(self):
        self.seq += 1
        return self.seq

    # --- state snapshot ------------------------------------------------

    def decode(self, aset, buf):
        by_num = self.spec.sets[aset][1]
        out = []
        for atype, val in parse_attrs(buf):
            a = by_num.get(atype)
            if a is None:
                out.append((atype, val))
            elif a["name"] in VOLATILE or a["type"] == "pad":
                continue
            elif a["type"] == "nest":
                out.append((a["name"], self.decode(a["nested-attributes"],
                                                   val)))
            else:
                out.append((a["name"], val))
        return tuple(out)

    def dump(self, op, ifindex=None):
        attrs = b"" if ifindex is None else \
            nla(self.spec.num("vtun", "ifindex"), struct.pack("=I", ifindex))
        flags = NLM_F_DUMP if "dump" in self.spec.ops[op][1] else 0
        err, _, replies = self.consistent(
            lambda: self.genl(self.spec.ops[op][0], attrs, flags))
        if err not in (0, errno.ENOENT):
            raise ValueError("%s dump failed: %d" % (op, err))
        return tuple(self.decode("vtun", r[4:]) for r in replies)

    def consistent(self, request):
        """A dump again while the kernel marks it interrupted
        (NLM_F_DUMP_INTR: objects came or went between its passes)."""
        while True:
            self.intr = False
            reply = request()
            if not self.intr:
                return reply
            self.stats["dump-intr"] += 1

    def ifindexes(self):
        _, _, replies = self.consistent(lambda: self.genl(
            self.spec.ops["dev-get"][0], b"", NLM_F_DUMP))
        num = self.spec.num("dev", "ifindex")
        out = []
        for r in replies:
            for atype, val in parse_attrs(r[4:]):
                if atype == self.spec.num("vtun", "dev"):
                    d = dict(parse_attrs(val))
                    out.append(struct.unpack("=I", d[num])[0])
        return sorted(out)

    def part(self, key):
        """One piece of the configuration: the device list, the links, or
        one device's SAs, proxy IDs or monitor."""
        if key == "devs":
            return self.dump("dev-get")
        if key == "links":
            _, _, links = self.consistent(
                lambda: self.rtnl(RTM_GETLINK, NLM_F_DUMP, 0, b""))
            return tuple(sorted(self.link_view(r) for r in links))
        return self.dump(key[1], key[0])

    def keys(self, devs, target=None):
        per_dev = [i for i in devs if target is None or i == target]
        return ["devs", "links"] + [(i, op) for i in per_dev for op in
                                    ("sa-get", "proxy-id-get", "monitor-get")]

    def snapshot(self, devs, target=None):
        return {k: self.part(k) for k in self.keys(devs, target)}

    def refresh(self, ref, devs, target):
        """After an accepted change to @target (None: anything)."""
        now = self.ifindexes()
        if now != devs:
            target = None
        ref = {k: v for k, v in ref.items()
               if k in ("devs", "links") or k[0] in now}
        ref.update(self.snapshot(now, target))
        return ref, now

    @staticmethod
    def link_view(body):
        ifindex, flags = struct.unpack_from("=iI", body, 4)
        keep = []
        for atype, val in parse_attrs(body[16:]):
            if atype in (IFLA_IFNAME, IFLA_LINKINFO):
                keep.append((atype, val))
        return (ifindex, flags & 1, tuple(keep))	# IFF_UP only

    def events_pending(self):
        seen = False
        while True:
            try:
                self.ev.recv(1 << 16)
                seen = True
            except BlockingIOError:
                return seen

    # --- message generation --------------------------------------------

    def boundary(self, kind):
        bits = BITS[kind]
        r = self.rnd.random()
        if r < 0.3:
            v = self.rnd.choice([0, 1, 2, 255, 256, 257, 65535, 65536,
                                 (1 << bits) - 1, (1 << (bits - 1)),
                                 (1 << (bits - 1)) - 1])
        else:
            v = self.rnd.getrandbits(bits)
        v &= (1 << bits) - 1
        if kind == "s32" and v >= 1 << 31:
            v -= 1 << 32
        return struct.pack(PACK[kind], v)

    def rand_bytes(self, n=None):
        if n is None:
            n = self.rnd.choice([0, 1, 3, 4, 5, 8, 15, 16, 17, 32, 64,
                                 self.rnd.randrange(300)])
        return bytes(self.rnd.getrandbits(8) for _ in range(n))

    def random_value(self, a):
        """Any value for attribute spec @a, often of the wrong size."""
        t = a["type"]
        if self.rnd.random() < 0.15:
            return self.rand_bytes()
        if t in PACK:
            return self.boundary(t)
        if t == "string":
            return self.rnd.choice(BAD_ALGS).encode() + \
                self.rnd.choice([b"\0", b""])
        if t == "nest":
            return self.random_nest(a["nested-attributes"], depth=1)
        return self.rand_bytes()

    def random_nest(self, aset, depth=0):
        by_name = self.spec.sets[aset][0]
        out = b""
        for _ in range(self.rnd.randrange(6)):
            name = self.rnd.choice(list(by_name))
            num, a = by_name[name]
            if a["type"] == "nest" and depth > 2:
                continue
            val = self.random_value(a) if depth < 3 else self.rand_bytes()
            flag = NLA_F_NESTED if (a["type"] == "nest") ^ \
                (self.rnd.random() < 0.1) else 0
            out += nla(num | flag, val)
        if self.rnd.random() < 0.05:
            out += nla(self.rnd.randrange(1, 64), self.rand_bytes())
        return out

    def addr(self, family=None):
        family = family or self.rnd.choice([4, 6])
        if family == 4:
            return socket.inet_pton(socket.AF_INET, self.rnd.choice(
                ["192.0.2.2", "10.0.0.1", "0.0.0.0", "255.255.255.255"]))
        return socket.inet_pton(socket.AF_INET6, self.rnd.choice(
            ["2001:db8::2", "::", "fe80::1", "::ffff:192.0.2.2"]))

    def u(self, kind, v):
        return struct.pack(PACK[kind], v)

    def plausible_sa(self, op):
        """A mostly valid SA nest for @op, as a list of (name, bytes)."""
        r = self.rnd
        sa = [("dir", self.u("u8", r.choice([0, 1, 1, 2]))),
              ("spi", self.u("u32", r.choice([256, 257, 300, 0x1000,
                                              r.randrange(256, 320)])))]
        if op == "sa-new":
            sa.append(("proto", self.u("u8", r.choice([0, 0, 0, 1, 2]))))
            if r.random() < 0.5:
                alg, klen, icv = r.choice(AEADS)
                sa += [("aead-alg", alg.encode() + b"\0"),
                       ("aead-key", self.rand_bytes(
                           klen if r.random() < 0.8 else None)),
                       ("icv-bits", self.u("u32", icv))]
            else:
                alg, klen = r.choice(CIPHERS)
                aalg, aklen, trunc = r.choice(AUTHS)
                sa += [("enc-alg", alg.encode() + b"\0"),
                       ("enc-key", self.rand_bytes(klen)),
                       ("auth-alg", aalg.encode() + b"\0"),
                       ("auth-key", self.rand_bytes(
                           aklen if r.random() < 0.8 else None)),
                       ("auth-trunc-bits", self.u("u32", trunc))]
            for name, kind, vals in (("replay-window", "u32",
                                      [0, 32, 64, 4096, 1 << 20]),
                                     ("esn", "u8", [0, 1, 2]),
                                     ("standby", "u8", [0, 1]),
                                     ("ah-align8", "u8", [0, 1]),
                                     ("proxy-id", "u16", [0, 1, 2, 250])):
                if r.random() < 0.3:
                    sa.append((name, self.u(kind, r.choice(vals))))
        if op in ("sa-new", "sa-set") and r.random() < 0.4:
            sa.append(("lifetime", self.plausible_lifetime()))
        if op == "sa-set":
            for name, val in (("active", self.u("u8", 1)),
                              ("peer", self.addr()),
                              ("peer-port", self.u("u16", r.choice(
                                  [0, 1, 4500])))):
                if r.random() < 0.4:
                    sa.append((name, val))
        return sa

    def plausible_lifetime(self):
        names = ["soft-seconds", "hard-seconds", "soft-use-seconds",
                 "hard-use-seconds", "soft-bytes", "hard-bytes",
                 "soft-packets", "hard-packets", "seq-margin"]
        out = b""
        for name in self.rnd.sample(names, self.rnd.randrange(1, 4)):
            v = self.rnd.choice([0, 1, 100, 1000, 1 << 40, (1 << 64) - 1])
            if self.rnd.random() < 0.7:
                v = 100000 + self.rnd.randrange(100000)
            out += nla(self.spec.num("sa-lifetime", name), self.u("u64", v))
        return out

    def plausible_proxy(self):
        r = self.rnd
        fam = r.choice([4, 6])
        return [("id", self.u("u16", r.choice([0, 1, 2, 3, 251]))),
                ("local", self.addr(fam)),
                ("local-len", self.u("u8", r.choice([0, 8, 24, 32, 64,
                                                     129]))),
                ("remote", self.addr(r.choice([fam, fam, 10 - fam]))),
                ("remote-len", self.u("u8", r.choice([0, 16, 32, 128]))),
                ("ip-proto", self.u("u8", r.choice([0, 6, 17]))),
                ("local-port-min", self.u("u16", r.choice([0, 80, 1000]))),
                ("local-port-max", self.u("u16", r.choice([0, 80, 65535])))]

    def plausible_monitor(self):
        r = self.rnd
        return [("dst", self.addr()), ("src", self.addr()),
                ("interval", self.u("u32", r.choice([50, 100, 3000, 10000,
                                                     10001]))),
                ("threshold", self.u("u8", r.choice([0, 1, 5, 10, 11]))),
                ("action", self.u("u8", r.choice([0, 1, 2, 3]))),
                ("hold-down", self.u("u32", r.choice([0, 1000]))),
                ("optimized", self.u("u8", r.choice([0, 1, 2])))]

    def plausible_spi(self):
        r = self.rnd
        lo = r.choice([256, 0xc0000000, 0xffffff00, 1])
        return [("spi-min", self.u("u32", lo)),
                ("spi-max", self.u("u32", r.choice([lo, lo + 16, 255,
                                                    0xffffffff]))),
                ("timeout", self.u("u32", r.choice([0, 1, 165, 3600])))]

    def mutate(self, aset, items):
        """Drop, duplicate, retype or resize some of (name, bytes)."""
        r = self.rnd
        out = []
        rate = 0 if r.random() < 0.5 else 1
        by_name = self.spec.sets[aset][0]
        for name, val in items:
            num, a = by_name[name]
            x = r.random() * rate + (1 - rate)
            if x < 0.05:
                continue
            if x < 0.10:
                val = self.random_value(a)
            elif x < 0.13:
                val = val[:r.randrange(len(val) + 1)]
            elif x < 0.15:
                num = r.randrange(0, 40)
            elif x < 0.17:
                out.append((num, val))
            flag = NLA_F_NESTED if a["type"] == "nest" and \
                (not rate or r.random() < 0.7) else 0
            out.append((num | flag, val))
        if r.random() < 0.1:
            r.shuffle(out)
        return b"".join(nla(n, v) for n, v in out)

    def ifindex_attr(self, devs):
        r = self.rnd
        if not devs or r.random() < 0.08:
            v = r.choice([0, 1, 0xffffffff, r.getrandbits(32)])
        else:
            v = r.choice(devs)
        self.target = v
        return [("ifindex", self.u("u32", v))]

    def genl_request(self, devs):
        r = self.rnd
        ops = ["sa-new", "sa-new", "sa-new", "sa-del", "sa-get", "sa-set",
               "sa-set", "proxy-id-new", "proxy-id-del", "proxy-id-get",
               "spi-alloc", "monitor-new", "monitor-set", "monitor-del",
               "monitor-get", "dev-get"]
        x = r.random()
        if x < 0.03:
            return r.choice([0, 8, 11, 12, 13, 19, 20, 21, 40, 255]), \
                self.random_nest("vtun"), 0, "other"
        op = r.choice(ops)
        cmd = self.spec.ops[op][0]
        top = self.ifindex_attr(devs)
        if op.startswith("sa-"):
            top.append(("sa", self.mutate("sa", self.plausible_sa(op))))
        elif op.startswith("proxy-id-"):
            top.append(("proxy-id", self.mutate("proxy-id",
                                                self.plausible_proxy())))
        elif op.startswith("monitor-") and op != "monitor-del":
            top.append(("monitor", self.mutate("monitor",
                                               self.plausible_monitor())))
        elif op == "spi-alloc":
            top.append(("spi-alloc", self.mutate("spi-range",
                                                 self.plausible_spi())))
        if x < 0.10:
            attrs = self.random_nest("vtun")
        else:
            attrs = self.mutate("vtun", top)
        flags = NLM_F_DUMP if x > 0.98 else 0
        return cmd, attrs, flags, op

    def link_data(self):
        r = self.rnd
        items = [("local", self.addr(4)), ("remote", self.addr(4))]
        if r.random() < 0.5:
            items = [("local", self.addr(6)), ("remote", self.addr(6))]
        for name, kind, vals in (("mode", "u8", [0, 1, 2, 3]),
                                 ("gre", "u8", [0, 1, 2]),
                                 ("ttl", "u8", [0, 1, 64, 255]),
                                 ("df", "u8", [0, 1, 2, 3]),
                                 ("encap", "u8", [0, 1, 2]),
                                 ("encap-sport", "u16", [0, 4500]),
                                 ("encap-dport", "u16", [0, 4500]),
                                 ("encap-fd", "s32", [-1, 0, 1, 9999]),
                                 ("keepalive", "u16", [0, 20, 65535]),
                                 ("on-demand", "u8", [0, 1, 2]),
                                 ("copy-tos", "u8", [0, 1])):
            if r.random() < 0.25:
                items.append((name, self.u(kind, r.choice(vals))))
        if r.random() < 0.2:
            items.append(("zone", r.choice([b"trust\0", b"z" * 40 + b"\0",
                                            b""])))
        if r.random() < 0.2:
            items.append(("underlay", self.u("u32", r.choice([0, 1, 2,
                                                              99999]))))
        return self.mutate("link", items)

    def rtnl_request(self, devs):
        r = self.rnd
        x = r.random()
        linkinfo = nla(IFLA_INFO_KIND, b"vtun\0") + \
            nla(IFLA_INFO_DATA | NLA_F_NESTED, self.link_data())
        attrs = nla(IFLA_LINKINFO | NLA_F_NESTED, linkinfo)
        if x < 0.4 or len(devs) < 2:
            self.made += 1
            name = ("vtfz%d" % (self.made % 4)).encode() + b"\0"
            return RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, \
                nla(IFLA_IFNAME, name) + attrs
        target = r.choice(devs)
        if x < 0.85 or len(devs) < 4:
            return RTM_NEWLINK, 0, target, attrs
        return RTM_DELLINK, 0, target, b""

    # --- the loop ------------------------------------------------------

    def step(self, ref, devs):
        """One request; returns the new (ref, devs)."""
        if self.rnd.random() < 0.12:
            mtype, flags, ifindex, attrs = self.rtnl_request(devs)
            self.target = ifindex or None
            err, ext, _ = self.rtnl(mtype, flags, ifindex, attrs)
            op = {RTM_NEWLINK: "newlink", RTM_DELLINK: "dellink"}[mtype]
        else:
            cmd, attrs, flags, op = self.genl_request(devs)
            err, ext, _ = self.genl(cmd, attrs, flags)
        self.stats["sent"] += 1
        self.errnos[(op, err)] = self.errnos.get((op, err), 0) + 1
        if err == 0:
            self.stats["accepted"] += 1
            if op.endswith("-get") or op == "other":
                return ref, devs
            if not self.check:
                return ref, self.ifindexes()
            return self.refresh(ref, devs, self.target)
        self.stats["refused"] += 1
        if err in (errno.EINVAL, errno.ERANGE) and not ext:
            self.stats["no-extack"] += 1
            self.note("refusal without extack: %s errno %d" % (op, err))
        if not self.check:
            return ref, devs
        # the target's pieces every time, everything every 32nd time
        self.stats["checked"] += 1
        full = self.stats["checked"] % 32 == 0
        now = self.snapshot(devs, None if full else self.target)
        if any(ref.get(k) != v for k, v in now.items()):
            if self.events_pending():
                self.stats["refreshed"] += 1
                return self.refresh(ref, devs, None)
            self.stats["changed"] += 1
            self.note("refused %s (errno %d) changed state" % (op, err))
            return self.refresh(ref, devs, None)
        return ref, devs

    def note(self, what):
        if len(self.failures) < 20:
            self.failures.append(what)

    def run(self, count):
        start = time.monotonic()
        self.events_pending()
        devs = self.ifindexes()
        ref = self.snapshot(devs) if self.check else {}
        for _ in range(count):
            try:
                ref, devs = self.step(ref, devs)
            except ValueError as e:
                self.stats["bad-reply"] += 1
                self.note(str(e))
                devs = self.ifindexes()
                ref = self.snapshot(devs) if self.check else {}
        self.stats["seconds"] = int(time.monotonic() - start)
        return self


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=100000)
    ap.add_argument("-s", "--seed", type=int, default=1)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--spec", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)),
        "../Documentation/netlink/specs/vtun.yaml"))
    args = ap.parse_args()
    spec = Spec(args.spec)
    pids = []
    for w in range(args.workers):
        if args.workers > 1:
            pid = os.fork()
            if pid:
                pids.append(pid)
                continue
        f = Fuzzer(spec, args.seed * 1000 + w, args.check).run(args.n)
        print("worker %d: %s" % (w, " ".join(
            "%s %d" % kv for kv in f.stats.items())))
        top = sorted(f.errnos.items(), key=lambda kv: -kv[1])[:12]
        print("worker %d outcomes: %s" % (w, ", ".join(
            "%s:%s %d" % (op, errno.errorcode.get(e, e) if e else "ok", n)
            for (op, e), n in top)))
        for what in f.failures:
            print("worker %d FAIL: %s" % (w, what))
        bad = f.stats["changed"] + f.stats["no-extack"] + \
            f.stats["bad-reply"]
        if args.workers > 1:
            sys.stdout.flush()
            os._exit(1 if bad else 0)
        sys.exit(1 if bad else 0)
    rc = 0
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        rc |= status != 0
    sys.exit(rc)


if __name__ == "__main__":
    main()
