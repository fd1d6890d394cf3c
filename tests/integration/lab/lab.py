# lab.py — owns the multi-system lab (ARCHITECTURE §6): N throw-away systems (each an ntk-sysrig: own
# mount+net+pid namespaces, bus, polkitd) whose eth1 are veth ends on one bridge in a throw-away segment netns.
# Must not: change anything on the host (no interface, netns, file outside its own temp dir; host files only
# read), leave anything behind (teardown on close, exception, signal, atexit; and if this process is
# SIGKILLed, the systems and the segment see EOF on their stdin pipes and tear themselves down).
#
# Python API (systems are numbered from 1, like their names sys1..sysN):
#     with Lab(3) as lab:
#         lab.run(1, ["ip", "-br", "link"]).stdout        # CompletedProcess; check=True by default
#         lab.sh(2, "ip addr add 169.254.1.2/16 dev eth1")
#         p = lab.popen(3, [sys.executable, "-c", ...])   # background process inside system 3
#         lab.put(1, "/host/file", "/run/x"); lab.get(1, "/run/x", "/host/copy")
#         lab.segment(["ip", "-br", "link"])               # inside the segment (the bridge's netns)
#         lab.set_link(2, up=False)                        # cut system 2's cable (segment side)
#         lab.stop_system(3)                               # stop one system; its bridge port goes too
#     assert not lab.leftovers()
import atexit
import hashlib
import json
import os
import pwd
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("NTK_SOURCE_DIR", os.path.abspath(os.path.join(HERE, "../../..")))
RIG = os.path.join(SRC, "tests/integration/rig/ntk-sysrig")
RIG_ARGS = ["--policy-dir", os.path.join(SRC, "dbus"), "--polkit-actions", os.path.join(SRC, "polkit"),
            "--polkit-rules", os.path.join(SRC, "polkit"), "--system-user", "ntkd"]
IFNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")
MAC_RE = re.compile(r"^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$")
READY = "ntk-lab-ready"
# the command each rig runs: say "ready", then live until stdin (a pipe from the lab) reaches EOF
SYSTEM_CMD = ["sh", "-c", f"echo {READY}; read _ || :"]
# the segment holder: a plain `unshare --net` (its own netns, nothing else) with the bridge; lives until
# stdin EOF, then removes the lab's temp dir ($2, unless empty) — also when the lab was SIGKILLed
SEGMENT_SCRIPT = r"""
set -e
ip link set dev lo up
for k in default all; do echo 1 >/proc/sys/net/ipv6/conf/$k/disable_ipv6; done # a quiet segment
ip link add name "$1" type bridge stp_state 0 mcast_snooping 0
ip link set dev "$1" up
echo ntk-lab-ready
read _ || :
[ -z "$2" ] || rm -rf -- "$2"
"""
TICKS = os.sysconf("SC_CLK_TCK")


class LabError(Exception):
    pass


# ---------- /proc helpers ----------
def proc_start(pid):
    """Start time of a process (clock ticks since boot), None if it does not exist."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def alive(pid, start):
    return pid is not None and start is not None and proc_start(pid) == start


def now_ticks():
    with open("/proc/uptime") as f:
        return int(float(f.read().split()[0]) * TICKS) + 1


def ns_id(pid, kind):
    try:
        return os.readlink(f"/proc/{pid}/ns/{kind}")
    except OSError:
        return None


def host_state():
    """What the lab must leave unchanged in the caller's context (its netns and files)."""
    veths = subprocess.run(["ip", "-o", "link", "show", "type", "veth"], capture_output=True, text=True).stdout
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    h = hashlib.sha256()
    for root, dirs, files in sorted(os.walk("/etc/iproute2")):
        dirs.sort()
        for name in sorted(dirs + files):
            p = os.path.join(root, name)
            st = os.lstat(p)
            h.update(f"{p} {st.st_mode} {st.st_uid} {st.st_size}\n".encode())
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as f:
                    h.update(f.read())
    return {"veths": sorted(re.findall(r"^\d+: ([^:@]+)", veths, re.M)), "netns": netns, "iproute2": h.hexdigest()}


def check_leftovers(desc, pidns_fds=(), timeout=10.0):
    """Problems left by a lab described by Lab.describe() (empty list = nothing left). Waits up to
    timeout for asynchronous teardown (a SIGKILLed lab's systems stop on their own, in a moment).
    pidns_fds: fds on the systems' pid namespaces held by the caller (so that the inodes are not reused)."""
    deadline = time.monotonic() + timeout
    while True:
        problems = _leftovers_once(desc, pidns_fds)
        if not problems or time.monotonic() > deadline:
            return problems
        time.sleep(0.2)


def _leftovers_once(desc, pidns_fds):
    problems = []
    procs = [("segment holder", desc["segment"]["pid"], desc["segment"]["start"])]
    for s in desc["systems"]:
        for what in ("rig", "unshare", "init"):
            procs.append((f"{s['name']} {what}", s[f"{what}_pid"], s[f"{what}_start"]))
    for what, pid, start in procs:
        if alive(pid, start):
            problems.append(f"process {what} (pid {pid}) still runs")
    # any process (created before this check) in, or holding an fd on, one of the lab's namespaces
    ours = {desc["segment"]["net"]: "segment netns"}
    for s in desc["systems"]:
        for kind in ("net", "mnt", "pid"):
            if s.get(kind):
                ours[s[kind]] = f"{s['name']} {kind} namespace"
    ours.pop(None, None)
    held = set()
    for fd in pidns_fds:
        try:
            held.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass
    t = now_ticks()
    me = str(os.getpid())
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        start = proc_start(p)
        if start is None or start > t:
            continue
        refs = set()
        for kind in ("net", "mnt", "pid"):
            n = ns_id(p, kind)
            if n in ours:
                refs.add(n)
        try:
            for fd in os.listdir(f"/proc/{p}/fd"):
                try:
                    n = os.readlink(f"/proc/{p}/fd/{fd}")
                except OSError:
                    continue
                if n in ours and not (p == me and n in held):
                    refs.add(n)
        except OSError:
            pass
        for n in refs:
            comm = open(f"/proc/{p}/comm").read().strip() if os.path.exists(f"/proc/{p}/comm") else "?"
            problems.append(f"process {p} ({comm}) is in or holds the {ours[n]} ({n})")
    if os.path.exists(desc["workdir"]):
        problems.append(f"lab directory {desc['workdir']} still exists")
    base, now = desc["baseline"], host_state()
    new = sorted(set(now["veths"]) - set(base["veths"]))
    if new:
        problems.append(f"new veth interfaces in the caller's netns: {new}")
    if now["netns"] != base["netns"]:
        problems.append(f"`ip netns list` changed: {base['netns']!r} -> {now['netns']!r}")
    if now["iproute2"] != base["iproute2"]:
        problems.append("/etc/iproute2 changed")
    return problems


# ---------- entering a system ----------
def enter_argv(system, cmd, user=None, cwd=None):
    """argv (run from the caller's side) that runs cmd inside a system described by Lab.describe()['systems'][i].
    Same pid namespace as the system's bus (dbus-daemon and polkitd see real pids), its /run, /sys, /etc;
    the command gets SIGKILL if nsenter dies (e.g. on a timeout)."""
    argv = ["nsenter", "-t", str(system["init_pid"]), "-m", "-n", "-p", f"--wd={cwd or system['workdir']}", "--",
            "setpriv", "--pdeathsig", "KILL"]
    if user is not None:
        try:  # the user's own group (nobody's is nogroup); users only inside the rig (ntkd) have a same-name group
            group = str(pwd.getpwnam(user).pw_gid)
        except KeyError:
            group = user
        argv += [f"--reuid={user}", f"--regid={group}", "--clear-groups"]
    return argv + ["--", "env"] + [f"{k}={v}" for k, v in system["env"].items()] + list(cmd)


def enter_env():
    env = dict(os.environ)
    for k in ("DBUS_SESSION_BUS_ADDRESS", "NOTIFY_SOCKET", "XDG_RUNTIME_DIR", "NTK_LAB_DIR"):
        env.pop(k, None)
    return env


class System:
    def __init__(self, lab, index, name, mac, ifname, peer):
        self.lab, self.index, self.name, self.mac, self.ifname, self.peer = lab, index, name, mac, ifname, peer
        self.proc = None  # the rig (outer stage), ours
        self.log = os.path.join(lab.workdir, f"{name}.log")
        self.pidfile = os.path.join(lab.workdir, f"{name}.pid")
        self.init_pid = self.init_start = self.unshare_pid = self.unshare_start = self.rig_start = None
        self.ns = {}
        self.env = {}
        self.stopped = False

    def info(self):
        return {"index": self.index, "name": self.name, "mac": self.mac, "ifname": self.ifname, "peer": self.peer,
                "rig_pid": self.proc.pid if self.proc else None, "rig_start": self.rig_start,
                "unshare_pid": self.unshare_pid, "unshare_start": self.unshare_start,
                "init_pid": self.init_pid, "init_start": self.init_start, "log": self.log,
                "workdir": self.lab.workdir, "env": self.env, **self.ns}


class Lab:
    """N systems on one segment. Systems are numbered 1..N (lab[1] is sys1)."""

    def __init__(self, n, name_prefix="sys", macs=None, bridge="seg0", ifname="eth1", rig=RIG, rig_args=None,
                 extra_rig_args=(), start_timeout=60.0, keep_workdir=False, handle_signals=True):
        if n < 1:
            raise ValueError("a lab needs at least one system")
        macs = list(macs or [])
        if len(macs) > n:
            raise ValueError("more MACs than systems")
        macs += [f"02:6e:74:6b:{(i >> 8) & 0xff:02x}:{i & 0xff:02x}" for i in range(len(macs) + 1, n + 1)]
        for m in macs:
            if not MAC_RE.match(m):
                raise ValueError(f"bad MAC {m!r}")
        for name in [bridge, ifname] + [f"{name_prefix}{i}" for i in range(1, n + 1)]:
            if not IFNAME_RE.match(name):
                raise ValueError(f"{name!r} is not a valid interface name (the systems' names name their bridge ports)")
        self.n, self.prefix, self.macs, self.bridge, self.ifname = n, name_prefix, macs, bridge, ifname
        self.rig = rig
        self.rig_args = list(RIG_ARGS if rig_args is None else rig_args) + list(extra_rig_args)
        self.start_timeout, self.keep_workdir, self.handle_signals = start_timeout, keep_workdir, handle_signals
        self.workdir = None
        self.systems = []
        self.holder = None
        self.holder_start = None
        self.segment_net = None
        self.baseline = None
        self.children = []  # Popen objects of lab.popen()
        self._pidns_fds = []
        self._closed = True
        self._closing = False
        self._old_handlers = {}
        self._lock = threading.RLock()

    # ---------- lifecycle ----------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def start(self):
        if os.geteuid() != 0:
            raise LabError("the lab needs root")
        self.baseline = host_state()
        self._closed = False
        atexit.register(self.close)
        self._install_signals()
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _start(self):
        self.workdir = tempfile.mkdtemp(prefix="ntk-lab.")
        os.chmod(self.workdir, 0o755)  # so that the system users (ntkd) can read what is put there
        self.shared = os.path.join(self.workdir, "shared")
        os.mkdir(self.shared)
        os.chmod(self.shared, 0o1777)
        with open(os.path.join(self.workdir, "segment.log"), "ab") as log:
            self.holder = subprocess.Popen(
                ["unshare", "--net", "--", "sh", "-c", SEGMENT_SCRIPT, "ntk-lab-segment", self.bridge,
                 "" if self.keep_workdir else self.workdir],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, start_new_session=True)
        self.holder_start = proc_start(self.holder.pid)
        self._wait_ready(self.holder, "the segment", os.path.join(self.workdir, "segment.log"))
        self.segment_net = ns_id(self.holder.pid, "net")
        if self.segment_net is None or self.segment_net == ns_id("self", "net"):
            raise LabError("the segment has no netns of its own")
        for i in range(1, self.n + 1):
            s = System(self, i, f"{self.prefix}{i}", self.macs[i - 1], self.ifname, f"{self.prefix}{i}")
            self.systems.append(s)
            link = f"/proc/{self.holder.pid}/ns/net:{self.bridge}:{self.ifname}@{s.peer}:{s.mac}"
            with open(s.log, "ab") as log:
                s.proc = subprocess.Popen(
                    [self.rig, *self.rig_args, "--log", s.log, "--pidfile", s.pidfile, "--link", link, "--", *SYSTEM_CMD],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, start_new_session=True)
            s.rig_start = proc_start(s.proc.pid)
        for s in self.systems:  # they start in parallel
            self._wait_ready(s.proc, s.name, s.log)
            pid = None
            for _ in range(100):
                try:
                    pid = int(open(s.pidfile).read().strip())
                    break
                except (OSError, ValueError):
                    time.sleep(0.05)
            if pid is None:
                raise LabError(f"{s.name}: no pid in {s.pidfile}")
            s.init_pid, s.init_start = pid, proc_start(pid)
            with open(f"/proc/{pid}/stat") as f:
                s.unshare_pid = int(f.read().rsplit(")", 1)[1].split()[1])
            s.unshare_start = proc_start(s.unshare_pid)
            s.ns = {k: ns_id(pid, k) for k in ("net", "mnt", "pid")}
            self._pidns_fds.append(os.open(f"/proc/{pid}/ns/pid", os.O_RDONLY | os.O_CLOEXEC))
            links = f"{s.ifname}@{s.peer}"
            s.env = {"DBUS_SYSTEM_BUS_ADDRESS": "unix:path=/run/dbus/system_bus_socket", "NTK_SYSRIG": "1",
                     "NTK_SYSRIG_DIR": "/run/ntk-sysrig", "NTK_SYSRIG_LINKS": links, "NTK_LAB_SYSTEM": s.name,
                     "NTK_LAB_SHARED": self.shared}
        self._write_state()

    def _wait_ready(self, proc, what, log):
        deadline = time.monotonic() + self.start_timeout
        buf = b""
        while READY.encode() not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LabError(f"{what} did not start within {self.start_timeout} s; log:\n{self._tail(log)}")
            r, _, _ = select.select([proc.stdout], [], [], min(left, 0.5))
            if r:
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    proc.wait()
                    raise LabError(f"{what} failed (exit {proc.returncode}); log:\n{self._tail(log)}")
                buf += chunk

    @staticmethod
    def _tail(path, n=30):
        try:
            return "".join(open(path, errors="replace").readlines()[-n:])
        except OSError:
            return "(no log)"

    def _write_state(self):
        tmp = os.path.join(self.workdir, "lab.json.tmp")
        with open(tmp, "w") as f:
            json.dump(self.describe(), f, indent=1)
        os.rename(tmp, os.path.join(self.workdir, "lab.json"))

    def describe(self):
        """Everything needed to enter the systems and to check for leftovers (JSON-serialisable)."""
        return {"owner_pid": os.getpid(), "owner_start": proc_start(os.getpid()), "workdir": self.workdir,
                "shared": getattr(self, "shared", None), "bridge": self.bridge, "baseline": self.baseline,
                "segment": {"pid": self.holder.pid if self.holder else None, "start": self.holder_start,
                            "net": self.segment_net},
                "systems": [s.info() for s in self.systems]}

    def close(self):
        """Tear everything down (idempotent; signals are held off meanwhile)."""
        with self._lock:
            if self._closed or self._closing:
                return
            self._closing = True
            blocked = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
            old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
            try:
                for s in self.systems:
                    self._stop(s, wait=False)
                for s in self.systems:
                    self._stop(s, wait=True)
                for p in self.children:
                    self._reap(p, 2.0)
                if self.holder:
                    self._close_stdin(self.holder)
                    self._reap(self.holder, 5.0)
                    for f in (self.holder.stdout,):
                        f and f.close()
                if self.workdir and not self.keep_workdir:
                    shutil.rmtree(self.workdir, ignore_errors=True)  # (the holder did it already, normally)
            finally:
                self._closed, self._closing = True, False
                self._restore_signals()
                atexit.unregister(self.close)
                signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)

    def leftovers(self, timeout=10.0):
        """After close(): what the lab left behind (empty list = nothing)."""
        try:
            return check_leftovers(self.describe(), self._pidns_fds, timeout)
        finally:
            for fd in self._pidns_fds:
                os.close(fd)
            self._pidns_fds = []

    def __del__(self):
        for fd in getattr(self, "_pidns_fds", []):
            try:
                os.close(fd)
            except OSError:
                pass

    # ---------- signals ----------
    def _install_signals(self):
        if not self.handle_signals or threading.current_thread() is not threading.main_thread():
            return  # (atexit and the stdin pipes still tear everything down)

        def handler(sig, frame):
            if self._closing:
                return
            raise SystemExit(128 + sig)  # unwinds through `with` / finally; atexit is the last resort

        for sig in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(sig) in (signal.SIG_DFL, None):
                self._old_handlers[sig] = signal.signal(sig, handler)

    def _restore_signals(self):
        if threading.current_thread() is not threading.main_thread():
            return
        for sig, h in self._old_handlers.items():
            signal.signal(sig, h)
        self._old_handlers = {}

    # ---------- stopping ----------
    @staticmethod
    def _close_stdin(p):
        try:
            if p.stdin and not p.stdin.closed:
                p.stdin.close()
        except OSError:
            pass

    @staticmethod
    def _reap(p, timeout):
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def _stop(self, s, wait):
        if s.proc is None or s.stopped:
            return
        self._close_stdin(s.proc)  # the system's command exits; the rig tears the system down
        if not wait:
            return
        try:
            s.proc.wait(10)
        except subprocess.TimeoutExpired:
            s.proc.terminate()  # the rig's own signal path
            try:
                s.proc.wait(5)
            except subprocess.TimeoutExpired:  # last resort: unshare --kill-child takes the pid ns down
                if alive(s.unshare_pid, s.unshare_start):
                    os.kill(s.unshare_pid, signal.SIGKILL)
                s.proc.kill()
                s.proc.wait()
        if s.proc.stdout:
            s.proc.stdout.close()
        s.stopped = True

    def stop_system(self, i, timeout=10.0):
        """Stop one system; returns once its processes are gone and its bridge port left the segment."""
        s = self[i]
        self._stop(s, wait=False)
        self._stop(s, wait=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.segment(["ip", "link", "show", "dev", s.peer], check=False).returncode != 0:
                return
            time.sleep(0.05)
        raise LabError(f"{s.name}: port {s.peer} still on the segment {timeout} s after the system stopped")

    # ---------- using the systems ----------
    def __getitem__(self, i):
        if isinstance(i, str):
            for s in self.systems:
                if s.name == i:
                    return s
            raise KeyError(i)
        if not 1 <= i <= len(self.systems):
            raise IndexError(f"systems are numbered 1..{len(self.systems)}")
        return self.systems[i - 1]

    def __len__(self):
        return len(self.systems)

    def __iter__(self):
        return iter(self.systems)

    def argv(self, i, cmd, user=None, cwd=None):
        s = self[i]
        if s.stopped or s.init_pid is None:
            raise LabError(f"{s.name} is not running")
        return enter_argv(s.info(), cmd, user=user, cwd=cwd)

    def run(self, i, cmd, check=True, user=None, cwd=None, input=None, timeout=120, text=True):
        """Run cmd (argv list) inside system i; returns CompletedProcess (stdout/stderr captured)."""
        argv = self.argv(i, cmd, user, cwd)
        p = subprocess.run(argv, capture_output=True, text=text, input=input, timeout=timeout, env=enter_env())
        if check and p.returncode != 0:
            raise LabError(f"{self[i].name}: {' '.join(map(str, cmd))[:300]} failed ({p.returncode}): "
                           f"{(p.stderr or '').strip()[:800]}")
        return p

    def sh(self, i, script, **kw):
        return self.run(i, ["sh", "-ec", script], **kw)

    def start_ntk(self, i, build, port=60269, seed=None, timeout=20.0):
        """Start ntk-helper (root) and ntkd (user ntkd) of the build tree `build` in system i, managing eth1;
        logs in /run/ntk-sysrig/{helper,ntkd}.log of the system. Returns when both own their bus names."""
        helper = os.path.join(build, "helper", "ntk-helper")
        ntkd = os.path.join(build, "service", "ntkd")
        seed = seed if seed is not None else 1000 + i
        self.sh(i, "mkdir -p /run/ntk-sysrig && chmod 755 /run/ntk-sysrig && "
                   f"printf 'ManagedInterfaces=eth1\\nPorts={port}\\n' > /run/ntk-sysrig/helper.conf && "
                   f"printf 'ManagedInterfaces=eth1\\nPort={port}\\nSeed={seed}\\n' > /run/ntk-sysrig/ntkd.conf")
        self.sh(i, f"nohup {helper} --config /run/ntk-sysrig/helper.conf >>/run/ntk-sysrig/helper.log 2>&1 &")
        self._wait_bus(i, "org.netsukuku.Helper1", timeout)
        self.sh(i, f"nohup setpriv --reuid=ntkd --regid=ntkd --clear-groups {ntkd} "
                   "--config /run/ntk-sysrig/ntkd.conf >>/run/ntk-sysrig/ntkd.log 2>&1 &")
        self._wait_bus(i, "org.netsukuku.Ntkd1", timeout)

    def _wait_bus(self, i, name, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.run(i, ["busctl", "--system", "status", name], check=False).returncode == 0:
                return
            time.sleep(0.1)
        log = self.sh(i, "tail -20 /run/ntk-sysrig/*.log", check=False).stdout
        raise LabError(f"{self[i].name}: {name} did not appear on the bus within {timeout} s:\n{log}")

    def popen(self, i, cmd, user=None, cwd=None, **kw):
        """Start cmd in the background inside system i (Popen; killed at the latest when the system stops)."""
        kw.setdefault("stdin", subprocess.DEVNULL)
        p = subprocess.Popen(self.argv(i, cmd, user, cwd), env=enter_env(), **kw)
        self.children.append(p)
        return p

    def put(self, i, src, dst, mode=None):
        """Copy a host file into system i (through the lab's shared directory)."""
        tmp = os.path.join(self.shared, f".xfer-{os.urandom(6).hex()}")
        shutil.copyfile(src, tmp)
        try:
            self.run(i, ["cp", "--", tmp, dst])
            if mode is not None:
                self.run(i, ["chmod", f"{mode:o}", "--", dst])
        finally:
            os.unlink(tmp)

    def get(self, i, src, dst):
        """Copy a file of system i to the host (through the lab's shared directory)."""
        tmp = os.path.join(self.shared, f".xfer-{os.urandom(6).hex()}")
        try:
            self.run(i, ["cp", "--", src, tmp])
            shutil.copyfile(tmp, dst)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def segment(self, cmd, check=True, timeout=60):
        """Run cmd in the segment's netns (where the bridge and the systems' cable ends are)."""
        p = subprocess.run(["nsenter", "-t", str(self.holder.pid), "-n", "--", *cmd], capture_output=True,
                           text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise LabError(f"segment: {' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()[:500]}")
        return p

    def set_link(self, i, up):
        """Plug (up=True) or unplug system i's cable, on the segment side (eth1 loses carrier)."""
        self.segment(["ip", "link", "set", "dev", self[i].peer, "up" if up else "down"])


def load_state(labdir=None):
    """The lab.json of a running lab: labdir, else $NTK_LAB_DIR, else the only live one under the temp dir."""
    labdir = labdir or os.environ.get("NTK_LAB_DIR")
    if labdir:
        with open(os.path.join(labdir, "lab.json")) as f:
            return json.load(f)
    tmp = tempfile.gettempdir()
    found = []
    for d in sorted(os.listdir(tmp)):
        p = os.path.join(tmp, d, "lab.json")
        if d.startswith("ntk-lab.") and os.path.exists(p):
            st = json.load(open(p))
            if alive(st["owner_pid"], st["owner_start"]):
                found.append(st)
    if len(found) != 1:
        raise LabError(f"{len(found)} running labs found under {tmp}: name one with --lab DIR or NTK_LAB_DIR")
    return found[0]
