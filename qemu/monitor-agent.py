#!/usr/bin/env python3
# monitor-agent.py LOG SOCKET LIMIT: drives QEMU's monitor for a test guest.
# The guest prints "NBPOOL-MONITOR: <command>" on its console (LOG); each such
# line is sent once to the human monitor at the unix SOCKET, e.g.
# "device_del nic1" (hot-unplug) or "set_link n0 off". A "device_add ...,id=X"
# waits until QEMU has finished deleting the old X: the guest sees its device
# leave before it powers the slot off, and QEMU deletes the device only then,
# so an add sent at once can meet "Duplicate ID" and be lost (a refused add
# is sent again). The monitor's replies go to stderr (the boot's
# monitor.log). If the guest is still running after LIMIT seconds, or 30 s
# after its console reported a hang (a soft lockup, a hung task, an RCU
# stall: a wedged guest may not get as far as its panic), the agent injects
# an NMI (the guest's unknown_nmi_panic turns it into a panic that prints
# every CPU's stack), gives it 15 s to write that to LOG, then quits QEMU.
# The same if the kernel has not started /init (init.sh's first line) within
# INIT_LIMIT seconds: it takes well under a minute, so the kernel is stuck
# in its own boot, where none of nbpool runs yet (check.sh retries such a
# boot once), and its stacks are worth more than the rest of LIMIT.
# Ends with QEMU.
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


def drain():
    """Log what the monitor said since the last call; exit once QEMU has."""
    try:
        data = mon.recv(65536)
    except BlockingIOError:
        return ""
    except OSError:
        sys.exit(0)
    if data == b"":
        sys.exit(0)	# QEMU is gone
    text = data.decode("utf-8", "replace")
    # The monitor echoes each command key by key with terminal escapes: log the rest.
    shown = "".join(ln for ln in text.replace("\r", "").splitlines(True) if "\x1b" not in ln)
    print(shown, end="", file=sys.stderr, flush=True)
    return text


def ask(cmd):
    """Send CMD and return the monitor's reply, up to its next prompt (5 s at most)."""
    send(cmd)
    reply, end = "", time.monotonic() + 5
    while not reply.endswith("(qemu) ") and time.monotonic() < end:
        got = drain()
        reply += got
        if not got:
            time.sleep(0.05)
    return reply


def wait_deleted(dev_id):
    """Until QEMU has no device DEV_ID any more (30 s at most)."""
    for _ in range(300):
        if not re.search(r"^%s \(" % re.escape(dev_id), ask("qom-list /machine/peripheral"), re.M):
            return
        time.sleep(0.1)
    print(f"monitor-agent: {dev_id} still there after 30 s", file=sys.stderr, flush=True)


def add(cmd, dev_id):
    """device_add CMD once the old DEV_ID is gone; a refused add is tried
    again every half second for 30 s, and what QEMU said is logged."""
    wait_deleted(dev_id)
    for _ in range(60):
        reply = ask(cmd)
        if "Error" not in reply and "Duplicate" not in reply:
            return
        print(f"monitor-agent: the add of {dev_id} was refused; trying again", file=sys.stderr, flush=True)
        time.sleep(0.5)
    print(f"monitor-agent: the add of {dev_id} was refused for 30 s", file=sys.stderr, flush=True)


HANG = re.compile(r"soft lockup|blocked for more than|detected stall|nbpool-hung:")
INIT = "nbpool-init: "
INIT_LIMIT = 600

mon = connect()
mon.setblocking(False)
start = time.monotonic()
nmi_at = None
pos, partial = 0, b""
init_seen, last_line = False, "nothing"
while True:
    now = time.monotonic() - start
    why = None
    if not init_seen and now > INIT_LIMIT:
        why = f"the kernel did not start /init within {INIT_LIMIT} s; its console's last line: {last_line}"
    elif now > limit:
        why = f"time limit of {limit:.0f} s reached"
    if nmi_at is None and why:
        print("monitor-agent: " + why, file=sys.stderr, flush=True)
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
        if not init_seen and text.strip():
            init_seen, last_line = INIT in text, text.strip()[:200]
        if HANG.search(text) and limit > now + 30:
            print("monitor-agent: the guest reported a hang: " + text, file=sys.stderr, flush=True)
            limit = now + 30
        at = text.find("NBPOOL-MONITOR: ")
        if at >= 0:
            cmd = text[at + len("NBPOOL-MONITOR: "):].strip()
            dev_id = re.search(r"^device_add .*\bid=([^,\s]+)", cmd)
            if dev_id:
                add(cmd, dev_id.group(1))
            else:
                send(cmd)
    drain()
    time.sleep(0.1)
