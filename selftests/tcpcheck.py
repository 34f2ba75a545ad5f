#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send pseudo-random bytes over TCP between two network namespaces and
check that the receiver got exactly them (length and SHA-256).

usage: tcpcheck.py transfer SRV_NS CLI_NS ADDR PORT BYTES
"""

import hashlib
import os
import socket
import subprocess
import sys


def serve(addr, port):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(1)
        print("ready", flush=True)
        s.settimeout(30)
        conn, _ = s.accept()
        conn.settimeout(30)
        digest, total = hashlib.sha256(), 0
        while True:
            data = conn.recv(65536)
            if not data:
                break
            digest.update(data)
            total += len(data)
        print(total, digest.hexdigest(), flush=True)


def send(addr, port, nbytes):
    data = os.urandom(nbytes)
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.create_connection((addr, port), timeout=30) as s:
        s.sendall(data)
    print(len(data), hashlib.sha256(data).hexdigest(), flush=True)


def transfer(srv_ns, cli_ns, addr, port, nbytes):
    me = os.path.abspath(__file__)
    srv = subprocess.Popen(["ip", "netns", "exec", srv_ns, sys.executable,
                            me, "serve", addr, str(port)],
                           stdout=subprocess.PIPE, text=True)
    if srv.stdout.readline().strip() != "ready":
        srv.kill()
        sys.exit("server did not start")
    cli = subprocess.run(["ip", "netns", "exec", cli_ns, sys.executable, me,
                          "send", addr, str(port), str(nbytes)],
                         capture_output=True, text=True, timeout=60)
    got = srv.communicate(timeout=60)[0].strip()
    sent = cli.stdout.strip()
    if cli.returncode or not sent or sent != got:
        sys.exit(f"sent [{sent}] received [{got}] {cli.stderr.strip()}")


def main():
    cmd = sys.argv[1]
    if cmd == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    elif cmd == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "transfer":
        transfer(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]),
                 int(sys.argv[6]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
