#!/usr/bin/env python3
# monitor-agent.py LOG SOCKET LIMIT: drives QEMU's monitor for a test guest.
# The guest prints "NBPOOL-MONITOR: <command>" on its console (LOG); each such
# line is sent once to the human monitor at the unix SOCKET, e.g.
# "device_del nic1" (hot-unplug) or "set_link n0 off". If the guest is still
# running after LIMIT seconds, or 30 s after its console reported a hang
# (a soft lockup, a hung task, an RCU stall: a wedged guest may not get as
# far as its panic), the agent injects an NMI (the guest's unknown_nmi_panic
# turns it into a panic that prints every CPU's stack), gives it 15 s to
# write that to LOG, then quits QEMU. Ends with QEMU.
import re
import socket
import sys
import time

log_path, sock_path, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])


def connect():
    for _ in range(600):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sock_path)
            return s
        except OSError:
            time.sleep(0.1)
    sys.exit("monitor-agent: no monitor at " + sock_path)


def send(cmd):
    try:
        mon.sendall(cmd.encode() + b"\n")
    except OSError:
        sys.exit(0)	# QEMU is gone
    print("monitor-agent: " + cmd, file=sys.stderr, flush=True)


HANG = re.compile(r"soft lockup|blocked for more than|detected stall|nbpool-hung:")

mon = connect()
mon.setblocking(False)
start = time.monotonic()
nmi_at = None
pos, partial = 0, b""
while True:
    now = time.monotonic() - start
    if nmi_at is None and now > limit:
        print(f"monitor-agent: time limit of {limit:.0f} s reached", file=sys.stderr, flush=True)
        send("nmi")
        nmi_at = now
    if nmi_at is not None and now > nmi_at + 15:
        send("quit")
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
        if HANG.search(text) and limit > now + 30:
            print("monitor-agent: the guest reported a hang: " + text, file=sys.stderr, flush=True)
            limit = now + 30
        at = text.find("NBPOOL-MONITOR: ")
        if at >= 0:
            send(text[at + len("NBPOOL-MONITOR: "):].strip())
    try:
        # Drain the monitor's replies; a closed socket means QEMU exited.
        if mon.recv(65536) == b"":
            sys.exit(0)
    except BlockingIOError:
        pass
    except OSError:
        sys.exit(0)
    time.sleep(0.1)
