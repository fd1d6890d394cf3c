#!/usr/bin/env python3
# selftest.py: owns the proof that the lab (lab.py, ntk-sysrig --link) gives N isolated systems on one
# broadcast segment and always tears down (normal end, exception, failed start, SIGTERM, SIGKILL of its owner).
# Must not: send traffic outside the lab's namespaces or leave anything on the host. TAP; 77 = not root.
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab as labmod  # noqa: E402
from lab import Lab, LabError, check_leftovers  # noqa: E402

PY = os.path.realpath(sys.executable)  # (not a pyenv shim: those need $HOME and are not for other users)
MACS = ["02:11:22:33:44:01", "02:11:22:33:44:02", "02:11:22:33:44:03"]
ADDR = {i: f"169.254.10.{i}" for i in (1, 2, 3)}
PORT = 26901

PING = r"""
import os, socket, struct, sys, time
dst, dev = sys.argv[1], sys.argv[2]
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
s.settimeout(1)
ident = os.getpid() & 0xffff
for seq in range(1, 6):
    body = struct.pack("!HH", ident, seq) + b"ntk-lab-ping-" + bytes([seq])
    hdr = struct.pack("!BBH", 8, 0, 0) + body
    pkt = struct.pack("!BBH", 8, 0, csum(hdr + (b"\0" if len(hdr) % 2 else b""))) + body
    s.sendto(pkt, (dst, 0))
    end = time.time() + 1
    while time.time() < end:
        try:
            data, addr = s.recvfrom(1500)
        except socket.timeout:
            break
        ihl = (data[0] & 15) * 4
        t, _, _, i, q = struct.unpack("!BBHHH", data[ihl:ihl + 8])
        if addr[0] == dst and t == 0 and i == ident and q == seq:
            print(f"echo reply from {dst} seq {seq}")
            sys.exit(0)
sys.exit(1)
"""

RECV = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"eth1")
s.bind(("", int(sys.argv[1])))
s.settimeout(10)
print("ready", flush=True)
data, addr = s.recvfrom(2048)
print(data.decode(), addr[0], flush=True)
"""

SEND = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"eth1")
s.sendto(sys.argv[2].encode(), ("255.255.255.255", int(sys.argv[1])))
"""


class Tap:
    def __init__(self):
        self.n = self.failed = 0

    def case(self, name, fn, *args):
        self.n += 1
        try:
            r = fn(*args)
            print(f"ok {self.n} - {name}" + (f" ({r})" if isinstance(r, str) and r else ""), flush=True)
            return True
        except Exception as e:
            self.failed += 1
            print(f"not ok {self.n} - {name}", flush=True)
            for line in f"{type(e).__name__}: {e}".splitlines():
                print(f"#   {line}", flush=True)
            return False

    def finish(self):
        print(f"1..{self.n}")
        print(f"# {self.n - self.failed} passed, {self.failed} failed", flush=True)
        return 0 if self.failed == 0 else 1


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def link_json(L, i, dev="eth1"):
    return json.loads(L.run(i, ["ip", "-j", "-d", "link", "show", "dev", dev]).stdout)[0]


# ---------- the cases on the 3-system lab ----------
def t_started(L):
    check(len(L) == 3 and all(s.init_pid for s in L), "3 systems with an init pid")
    nets = {s.ns["net"] for s in L} | {L.segment_net, labmod.ns_id("self", "net")}
    check(len(nets) == 5, f"3 system netns + segment + ours all differ: {nets}")
    return ", ".join(f"{s.name}: init {s.init_pid} {s.ns['net']}" for s in L) + f"; segment {L.segment_net}"


def t_eth1(L, i):
    j = link_json(L, i)
    check(j["address"] == MACS[i - 1], f"MAC {j['address']} != {MACS[i - 1]}")
    check("UP" in j["flags"] and "LOWER_UP" in j["flags"], f"eth1 flags {j['flags']}")
    check(j.get("linkinfo", {}).get("info_kind") == "veth", "eth1 is a veth")
    names = sorted(x["ifname"] for x in json.loads(L.run(i, ["ip", "-j", "link"]).stdout))
    check(names == ["eth1", "lo"], f"links {names}")
    check(L.run(i, ["cat", "/sys/class/net/eth1/address"]).stdout.strip() == MACS[i - 1], "sysfs is the system's")
    return f"eth1 {j['address']} {j['operstate']}"


def t_segment(L):
    ports = json.loads(L.segment(["ip", "-j", "link", "show", "master", L.bridge]).stdout)
    names = sorted(p["ifname"] for p in ports)
    check(names == ["sys1", "sys2", "sys3"], f"bridge ports {names}")
    mine = json.loads(subprocess.run(["ip", "-j", "link"], capture_output=True, text=True).stdout)
    bad = [x["ifname"] for x in mine if x["ifname"] in ("seg0", "sys1", "sys2", "sys3")]
    check(not bad, f"lab interfaces in the caller's netns: {bad}")
    return f"{L.bridge}: {' '.join(names)}; none of them in the caller's netns"


def t_ping(L):
    for i in (1, 2, 3):
        L.run(i, ["ip", "addr", "add", f"{ADDR[i]}/16", "dev", "eth1"])
    out = L.run(1, [PY, "-c", PING, ADDR[2], "eth1"], check=False)
    check(out.returncode == 0, f"no echo reply: {out.stdout} {out.stderr}")
    neigh = json.loads(L.run(1, ["ip", "-j", "neigh", "show", ADDR[2], "dev", "eth1"]).stdout)
    check(neigh and neigh[0].get("lladdr") == MACS[1], f"sys1's neighbour {ADDR[2]}: {neigh}")
    return f"{out.stdout.strip()}; neighbour {ADDR[2]} lladdr {neigh[0]['lladdr']}"


def t_broadcast(L):
    rx = {}
    for i in (2, 3):
        rx[i] = L.popen(i, [PY, "-c", RECV, str(PORT)], stdout=subprocess.PIPE, text=True)
        check(rx[i].stdout.readline().strip() == "ready", f"receiver in sys{i} not ready")
    L.run(1, [PY, "-c", SEND, str(PORT), "hello-from-sys1"])
    got = []
    for i in (2, 3):
        out, _ = rx[i].communicate(timeout=15)
        check(rx[i].returncode == 0, f"sys{i} received nothing")
        check(out.split() == ["hello-from-sys1", ADDR[1]], f"sys{i} got {out!r}")
        got.append(f"sys{i}: {out.strip()}")
    return "; ".join(got)


def t_bus(L):
    ids = []
    for s in L:
        gid = L.run(s.index, ["busctl", "--system", "call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
                              "org.freedesktop.DBus", "GetId"]).stdout.split()[1]
        pk = L.run(s.index, ["busctl", "--system", "call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
                             "org.freedesktop.DBus", "GetConnectionUnixProcessID", "s",
                             "org.freedesktop.PolicyKit1"]).stdout.split()[1]
        comm = L.run(s.index, ["cat", f"/proc/{pk}/comm"]).stdout.strip()
        check(comm == "polkitd", f"{s.name}: PolicyKit1 is pid {pk} ({comm}) in the system")
        check(L.run(s.index, ["id", "-u", "ntkd"]).returncode == 0, "user ntkd")
        ids.append(gid)
    host = subprocess.run(["busctl", "--system", "call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
                           "org.freedesktop.DBus", "GetId"], capture_output=True, text=True).stdout.split()
    check(len(set(ids)) == 3, f"bus ids {ids}")
    check(not host or host[1] not in ids, "a system uses the host's bus")
    return "bus ids " + " ".join(x.strip('"')[:8] for x in ids) + ", polkitd on each"


def t_files(L):
    src = os.path.join(L.shared, "..", "in.txt")
    with open(src, "w") as f:
        f.write("payload\n")
    L.put(2, src, "/run/ntk-sysrig/x.txt")
    check(L.run(2, ["cat", "/run/ntk-sysrig/x.txt"]).stdout == "payload\n", "put")
    check(L.run(1, ["test", "-e", "/run/ntk-sysrig/x.txt"], check=False).returncode == 1, "other systems' /run")
    check(not os.path.exists("/run/ntk-sysrig/x.txt"), "host /run")
    L.sh(2, "echo more >> /run/ntk-sysrig/x.txt")
    dst = os.path.join(L.shared, "..", "out.txt")
    L.get(2, "/run/ntk-sysrig/x.txt", dst)
    check(open(dst).read() == "payload\nmore\n", "get")
    L.run(3, ["sh", "-c", f"echo from-sys3 > {L.shared}/s3"], user="ntkd")
    check(open(os.path.join(L.shared, "s3")).read() == "from-sys3\n", "shared dir written by ntkd in sys3")


def t_timeout_kills(L):
    try:
        L.run(1, ["sleep", "47"], timeout=1)
        raise AssertionError("no timeout")
    except subprocess.TimeoutExpired:
        pass
    for _ in range(50):
        if "sleep 47" not in L.run(1, ["ps", "-eo", "args"]).stdout:
            return "the command died with its nsenter (pdeathsig)"
        time.sleep(0.1)
    raise AssertionError("sleep 47 still runs in sys1")


def carrier(L, i):
    return L.run(i, ["cat", "/sys/class/net/eth1/carrier"], check=False).stdout.strip()


def t_cable(L):
    L.set_link(2, up=False)
    for _ in range(50):
        if carrier(L, 2) != "1":
            break
        time.sleep(0.05)
    check(carrier(L, 2) != "1", "sys2 still has carrier")
    check(L.run(1, [PY, "-c", PING, ADDR[2], "eth1"], check=False).returncode == 1, "ping with the cable cut")
    L.set_link(2, up=True)
    for _ in range(50):
        if carrier(L, 2) == "1":
            break
        time.sleep(0.05)
    check(L.run(1, [PY, "-c", PING, ADDR[2], "eth1"], check=False).returncode == 0, "ping after replugging")


def t_stop_one(L):
    s3 = L[3]
    fd = os.open(f"/proc/{s3.init_pid}/ns/pid", os.O_RDONLY)
    try:
        L.stop_system(3)
        ns = os.readlink(f"/proc/self/fd/{fd}")
        left = [p for p in os.listdir("/proc") if p.isdigit() and labmod.ns_id(p, "pid") == ns]
        check(not left, f"processes left in sys3's pid ns: {left}")
    finally:
        os.close(fd)
    ports = sorted(p["ifname"] for p in json.loads(L.segment(["ip", "-j", "link", "show", "master", L.bridge]).stdout))
    check(ports == ["sys1", "sys2"], f"ports after stopping sys3: {ports}")
    check(L.run(1, [PY, "-c", PING, ADDR[2], "eth1"], check=False).returncode == 0, "sys1 still reaches sys2")
    return "port sys3 left the bridge, no process left"


# ---------- teardown in the bad cases ----------
def t_exception():
    L = Lab(2)
    try:
        with L:
            L.run(1, ["ip", "link", "set", "dev", "eth1", "down"])
            L.popen(2, ["sleep", "300"])
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    left = L.leftovers()
    check(not left, "; ".join(left))


def t_bad_start():
    L = Lab(2, extra_rig_args=["--polkit-actions", "/nonexistent/ntk-lab-selftest"])
    try:
        L.start()
        raise AssertionError("a lab whose systems cannot start did start")
    except LabError as e:
        msg = str(e).splitlines()[0]
    left = L.leftovers()
    check(not left, "; ".join(left))
    return msg


def child(descfile):
    """A process owning a lab, to be killed by the parent."""
    L = Lab(2)
    L.start()
    L.popen(1, ["sleep", "300"])
    tmp = descfile + ".tmp"
    with open(tmp, "w") as f:
        json.dump(L.describe(), f)
    os.rename(tmp, descfile)
    while True:
        time.sleep(1)


def t_owner_killed(sig, want_rc):
    descfile = f"/tmp/ntk-lab-selftest-{os.getpid()}-{sig}.json"
    p = subprocess.Popen([PY, os.path.abspath(__file__), "--child", descfile], stdout=subprocess.DEVNULL)
    fds = []
    try:
        for _ in range(600):
            if os.path.exists(descfile) or p.poll() is not None:
                break
            time.sleep(0.05)
        desc = json.load(open(descfile))
        for s in desc["systems"]:
            fds.append(os.open(f"/proc/{s['init_pid']}/ns/pid", os.O_RDONLY))
        os.kill(p.pid, sig)
        rc = p.wait(30)
        check(rc == want_rc, f"owner exit status {rc}, want {want_rc}")
        left = check_leftovers(desc, fds, timeout=15)
        check(not left, "; ".join(left))
        return f"owner exited {rc}; systems, segment and lab dir gone"
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        for fd in fds:
            os.close(fd)
        if os.path.exists(descfile):
            os.unlink(descfile)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return 0
    if os.geteuid() != 0:
        print("1..0 # SKIP the lab needs root")
        return 77
    tap = Tap()
    L = Lab(3, macs=MACS)
    if tap.case("a lab of 3 systems starts", L.start):
        try:
            tap.case("each system and the segment have their own netns", t_started, L)
            for i in (1, 2, 3):
                tap.case(f"sys{i}: eth1 up with the pinned MAC {MACS[i - 1]}, only lo and eth1", t_eth1, L, i)
            tap.case("segment: the bridge has one port per system, nothing in the caller's netns", t_segment, L)
            tap.case("sys1 pings sys2's eth1 link-local", t_ping, L)
            tap.case("a broadcast datagram from sys1 on eth1 reaches sys2 and sys3", t_broadcast, L)
            tap.case("each system has its own bus with its own polkitd, and user ntkd", t_bus, L)
            tap.case("files: put/get, private /run, shared dir", t_files, L)
            tap.case("a command timing out dies in the system too", t_timeout_kills, L)
            tap.case("unplugging sys2's cable on the segment side drops its carrier; replugging restores", t_cable, L)
            tap.case("stopping sys3 alone removes its processes and its bridge port", t_stop_one, L)
        finally:
            L.close()
    tap.case("after close: no process, namespace, veth, lab dir left; /etc/iproute2 and ip netns unchanged",
             lambda: check(not (left := L.leftovers()), "; ".join(left)))
    tap.case("an exception in the middle of a `with Lab(2)` leaves nothing", t_exception)
    tap.case("a lab whose systems fail to start raises and leaves nothing", t_bad_start)
    tap.case("SIGTERM to the lab's owner: it tears down and exits 143", t_owner_killed, signal.SIGTERM, 143)
    tap.case("SIGKILL to the lab's owner: the systems and the segment go by themselves", t_owner_killed,
             signal.SIGKILL, -9)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
