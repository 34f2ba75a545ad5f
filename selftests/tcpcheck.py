#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send pseudo-random bytes over TCP between two network namespaces and
check that the receiver got exactly them (length and SHA-256); or one UDP
datagram (IPv4 without DF), received whole.

usage: tcpcheck.py transfer SRV_NS CLI_NS ADDR PORT BYTES
       tcpcheck.py datagram SRV_NS CLI_NS ADDR PORT BYTES
"""

import ctypes
import hashlib
import os
import signal
import socket
import struct
import sys
import threading


CLONE_NEWNET = 0x40000000
# Seconds without progress before giving up, longer on a slower kernel
# (selftests/lib.sh VTUN_SLOW).
TIMEOUT = 30 * int(os.environ.get("VTUN_SLOW", "1"))
LIBC = ctypes.CDLL(None, use_errno=True)
SOCKETS = []


def abort(signum, _frame):
    """Killed mid-transfer (a test stopping its background traffic): reset
    the connections. A closed socket with unsent data would linger as an
    orphan, retransmitting for minutes over a path that is gone, and keep
    its network namespace alive all that time."""
    for s in SOCKETS:
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
        except OSError:
            pass
    os._exit(128 + signum)


def setns(fd):
    if LIBC.setns(fd, CLONE_NEWNET):
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def socket_in(netns, family, kind=socket.SOCK_STREAM):
    """A socket of network namespace netns (it stays there)."""
    with open("/proc/self/ns/net") as home, \
         open(os.path.join("/run/netns", netns)) as there:
        setns(there.fileno())
        try:
            s = socket.socket(family, kind)
            SOCKETS.append(s)
            return s
        finally:
            setns(home.fileno())


def transfer(srv_ns, cli_ns, addr, port, nbytes):
    """Both ends in this one process: starting Python is what costs most
    in a TCG guest, so no helper processes."""
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    data = os.urandom(nbytes)
    srv = socket_in(srv_ns, family)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(1)
    srv.settimeout(TIMEOUT)
    cli = socket_in(cli_ns, family)
    cli.settimeout(TIMEOUT)
    errors = []

    def send():
        # SIGTERM to the main thread, whose recv() it interrupts
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        try:
            cli.connect((addr, port))
            cli.sendall(data)
            cli.shutdown(socket.SHUT_WR)
        except OSError as e:
            errors.append(f"send: {e}")

    sender = threading.Thread(target=send)
    sender.start()
    digest, total = hashlib.sha256(), 0
    try:
        conn, _ = srv.accept()
        SOCKETS.append(conn)
        conn.settimeout(TIMEOUT)
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            digest.update(chunk)
            total += len(chunk)
        conn.close()
    except OSError as e:
        errors.append(f"receive: {e}")
    sender.join()
    cli.close()
    srv.close()
    sent = f"{len(data)} {hashlib.sha256(data).hexdigest()}"
    got = f"{total} {digest.hexdigest()}"
    if errors or sent != got:
        sys.exit(f"sent [{sent}] received [{got}] {' '.join(errors)}")


def datagram(srv_ns, cli_ns, addr, port, nbytes):
    """One datagram of nbytes, fragmented on the way: both ends here too,
    so the receiver is bound before the sender sends."""
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    data = os.urandom(nbytes)
    srv = socket_in(srv_ns, family, socket.SOCK_DGRAM)
    srv.bind((addr, port))
    srv.settimeout(TIMEOUT)
    cli = socket_in(cli_ns, family, socket.SOCK_DGRAM)
    if family == socket.AF_INET:
        cli.setsockopt(socket.IPPROTO_IP, 10, 0)	# IP_MTU_DISCOVER: DONT
    cli.sendto(data, (addr, port))
    try:
        got = srv.recv(65535)
    except OSError as e:
        sys.exit(f"sent {nbytes} bytes, received nothing: {e}")
    if got != data:
        sys.exit(f"sent {nbytes} bytes, received {len(got)} "
                 f"{'other ' if len(got) == nbytes else ''}bytes")


def main():
    signal.signal(signal.SIGTERM, abort)
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd in ("transfer", "datagram") and len(sys.argv) == 7:
        fn = transfer if cmd == "transfer" else datagram
        fn(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]),
           int(sys.argv[6]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
