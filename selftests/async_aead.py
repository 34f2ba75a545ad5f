#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Make the kernel's choice for an AEAD asynchronous, over the crypto
user API (NETLINK_CRYPTO, what crconf does): instantiate TMPL(NAME), TMPL
being cryptd or pcrypt, raise its priority above every other
implementation of NAME, then instantiate seqiv(NAME) (the IV generator vtun
and ESP ask for) anew over it, so that crypto_alloc_aead("seqiv(NAME)")
returns a transform whose requests complete from cryptd's workqueue or
from padata. The instances of seqiv(NAME) there were are deleted first
(they are made again on demand).

The instance is asked for by name: its driver name is TMPL(<driver of the
inner algorithm>), not what was asked for, so the request itself fails
once the instance is registered (no larval of that name is satisfied);
the instance is then found in /proc/crypto and its priority set by driver
name. The API takes driver names of at most 63 characters, which the
seqiv instance's may exceed: "off" lowers the TMPL instance's priority,
which removes the instances built on it, then deletes it.

To give one user the asynchronous transform and another the kernel's
synchronous one (vtun and XFRM in the same kernel), "pause" lowers the
TMPL instance's priority between their allocations: the seqiv instance
over it goes (the transforms made from it stay), and the next
crypto_alloc_aead() gets a seqiv instance over the best synchronous
driver. "resume" raises it again and makes a seqiv instance over it by
driver name, which outranks the synchronous one.

usage: async_aead.py on TMPL NAME PRIO   print the two instances' drivers
       async_aead.py pause DRIVER        the TMPL instance DRIVER no more chosen
       async_aead.py resume DRIVER PRIO  chosen again (seqiv over it made anew)
       async_aead.py off DRIVER          back to the kernel's own choice
       async_aead.py refcnt DRIVER       the reference count of an algorithm
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


def on(tmpl, name, prio):
    outer = "seqiv(%s)" % name
    for e in proc_crypto():
        if e.get("name") == outer:
            retry(e["driver"], lambda d=e["driver"]: request(CRYPTO_MSG_DELALG, d))
    err = request(CRYPTO_MSG_NEWALG, "%s(%s)" % (tmpl, name))
    inner = find(lambda e: e.get("name") == name and
                 e.get("driver", "").startswith(tmpl + "("))
    if not inner:
        sys.exit("%s(%s): not instantiated (errno %d)" % (tmpl, name, err))
    if inner.get("selftest") not in (None, "passed", "unknown"):
        sys.exit("%s: self-test %s" % (inner["driver"], inner["selftest"]))
    retry(inner["driver"],
          lambda: request(CRYPTO_MSG_UPDATEALG, inner["driver"], prio))
    err = request(CRYPTO_MSG_NEWALG, "", name=outer)
    seqiv = find(lambda e: e.get("name") == outer)
    if not seqiv or tmpl + "(" not in seqiv["driver"]:
        sys.exit("%s: not over %s (errno %d, %s)" %
                 (outer, inner["driver"], err, seqiv and seqiv["driver"]))
    print(inner["driver"], seqiv["driver"])


def pause(driver):
    retry(driver, lambda: request(CRYPTO_MSG_UPDATEALG, driver, 0))


def resume(driver, prio):
    retry(driver, lambda: request(CRYPTO_MSG_UPDATEALG, driver, prio))
    outer = "seqiv(%s)" % driver
    err = request(CRYPTO_MSG_NEWALG, outer)
    if not find(lambda e: e.get("driver") == outer):
        sys.exit("%s: not instantiated (errno %d)" % (outer, err))


def off(driver):
    retry(driver, lambda: request(CRYPTO_MSG_UPDATEALG, driver, 0))
    retry(driver, lambda: request(CRYPTO_MSG_DELALG, driver))


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "on" and len(sys.argv) == 5:
        on(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "pause" and len(sys.argv) == 3:
        pause(sys.argv[2])
    elif cmd == "resume" and len(sys.argv) == 4:
        resume(sys.argv[2], int(sys.argv[3]))
    elif cmd == "off" and len(sys.argv) == 3:
        off(sys.argv[2])
    elif cmd == "refcnt" and len(sys.argv) == 3:
        e = find(lambda e: e.get("driver") == sys.argv[2])
        print(e["refcnt"] if e and "refcnt" in e else 0)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
