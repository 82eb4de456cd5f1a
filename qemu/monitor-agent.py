#!/usr/bin/env python3
# monitor-agent.py LOG SOCKET: lets a test guest drive QEMU's monitor.
# The guest prints "NBPOOL-MONITOR: <command>" on its console (LOG); each such
# line is sent once to the human monitor at the unix SOCKET, e.g.
# "device_del nic1" (hot-unplug) or "set_link n0 off". Ends with QEMU.
import os
import socket
import sys
import time

log_path, sock_path = sys.argv[1], sys.argv[2]


def connect():
    for _ in range(600):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sock_path)
            s.settimeout(5)
            return s
        except OSError:
            time.sleep(0.1)
    sys.exit("monitor-agent: no monitor at " + sock_path)


mon = connect()
pos, partial = 0, b""
while True:
    try:
        with open(log_path, "rb") as f:
            f.seek(pos)
            data = f.read()
    except FileNotFoundError:
        data = b""
    pos += len(data)
    lines = (partial + data).split(b"\n")
    partial = lines.pop()
    for line in lines:
        text = line.decode("utf-8", "replace").replace("\r", "")
        at = text.find("NBPOOL-MONITOR: ")
        if at < 0:
            continue
        cmd = text[at + len("NBPOOL-MONITOR: "):].strip()
        try:
            mon.sendall(cmd.encode() + b"\n")
        except OSError:
            sys.exit(0)	# QEMU is gone
        print("monitor-agent: " + cmd, file=sys.stderr, flush=True)
    try:
        # Drain the monitor's replies; a closed socket means QEMU exited.
        mon.setblocking(False)
        if mon.recv(65536) == b"":
            sys.exit(0)
    except BlockingIOError:
        pass
    except OSError:
        sys.exit(0)
    time.sleep(0.1)
