#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Make the kernel's choice for an AEAD asynchronous, over the crypto
user API (NETLINK_CRYPTO, what crconf does): instantiate cryptd(NAME) at a
priority above every other implementation of NAME, then seqiv(NAME) (the
IV generator vtun and ESP ask for) anew over it, so that
crypto_alloc_aead("seqiv(NAME)") returns a transform whose requests
complete from cryptd's workqueue. The instances of seqiv(NAME) there were
are deleted first (they are made again on demand). The crypto user API
takes driver names of at most 63 characters, which the seqiv instance's
may exceed: "off" lowers the cryptd instance's priority, which removes the
instances built on it, then deletes it.

usage: cryptd.py on NAME PRIO      print the cryptd and seqiv driver names
       cryptd.py off CRYPTD_DRIVER  back to the kernel's own choice
       cryptd.py refcnt DRIVER      the reference count of an algorithm
"""

import socket
import struct
import sys
import time

NETLINK_CRYPTO = 21
CRYPTO_MSG_NEWALG, CRYPTO_MSG_DELALG, CRYPTO_MSG_UPDATEALG = 0x10, 0x11, 0x12
CRYPTOCFGA_PRIORITY_VAL = 1
# Templates such as cryptd build the type they are asked for.
CRYPTO_ALG_TYPE_AEAD, CRYPTO_ALG_TYPE_MASK = 0x3, 0xf
NLM_F_REQUEST, NLM_F_ACK = 1, 4


def request(mtype, driver, prio=None, name=""):
    """Send one crypto_user request; return its errno (0 = done)."""
    if len(driver) > 63 or len(name) > 63:
        sys.exit("%s: name too long for the crypto user API" % (driver or name))
    body = struct.pack("=64s64s64sIIII", name.encode(), driver.encode(), b"",
                       CRYPTO_ALG_TYPE_AEAD, CRYPTO_ALG_TYPE_MASK, 0, 0)
    if prio is not None:
        body += struct.pack("=HHI", 8, CRYPTOCFGA_PRIORITY_VAL, prio)
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                       NETLINK_CRYPTO) as sock:
        sock.send(struct.pack("=IHHII", 16 + len(body), mtype,
                              NLM_F_REQUEST | NLM_F_ACK, 1, 0) + body)
        msg = sock.recv(65536)
    return -struct.unpack_from("=i", msg, 16)[0]


def proc_crypto():
    """The entries of /proc/crypto as dicts."""
    entries, cur = [], {}
    with open("/proc/crypto") as f:
        for line in f:
            if not line.strip():
                if cur:
                    entries.append(cur)
                cur = {}
                continue
            key, _, val = line.partition(":")
            cur[key.strip()] = val.strip()
    if cur:
        entries.append(cur)
    return entries


def find(pred):
    return next((e for e in proc_crypto() if pred(e)), None)


def retry(what, fn):
    """Rerun fn while the algorithm is in use (EBUSY), up to 20 s."""
    end = time.time() + 20
    while True:
        err = fn()
        if err != 16 or time.time() > end:
            if err and err != 2:	# ENOENT: gone already
                sys.exit("%s: errno %d" % (what, err))
            return
        time.sleep(0.2)


def on(name, prio):
    outer = "seqiv(%s)" % name
    for e in proc_crypto():
        if e.get("name") == outer:
            retry(e["driver"], lambda d=e["driver"]: request(CRYPTO_MSG_DELALG, d))
    err = request(CRYPTO_MSG_NEWALG, "cryptd(%s)" % name, prio)
    inner = find(lambda e: e.get("name") == name and
                 e.get("driver", "").startswith("cryptd("))
    if not inner:
        sys.exit("cryptd(%s): not instantiated (errno %d)" % (name, err))
    err = request(CRYPTO_MSG_NEWALG, "", name=outer)
    seqiv = find(lambda e: e.get("name") == outer)
    if not seqiv or "cryptd(" not in seqiv["driver"]:
        sys.exit("%s: not over cryptd (errno %d)" % (outer, err))
    print(inner["driver"], seqiv["driver"])


def off(driver):
    retry(driver, lambda: request(CRYPTO_MSG_UPDATEALG, driver, 0))
    retry(driver, lambda: request(CRYPTO_MSG_DELALG, driver))


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "on" and len(sys.argv) == 4:
        on(sys.argv[2], int(sys.argv[3]))
    elif cmd == "off" and len(sys.argv) == 3:
        off(sys.argv[2])
    elif cmd == "refcnt" and len(sys.argv) == 3:
        e = find(lambda e: e.get("driver") == sys.argv[2])
        print(e["refcnt"] if e and "refcnt" in e else 0)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
