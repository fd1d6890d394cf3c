# ntktest.py — shared pieces of the integration tests: TAP output, running commands, starting ntk-helper
# inside a rig and calling it with busctl. Must not: touch anything outside the rig it runs in.
import difflib
import json
import os
import pwd
import subprocess
import sys
import time

SRC = os.environ.get("NTK_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "../..")))
BUILD = os.environ.get("NTK_BUILD_DIR", os.path.join(SRC, "build"))
SHARED = os.environ.get("NTK_SHARED_DIR", os.path.join(SRC, "..", "shared"))
RIG = os.path.join(SRC, "tests/integration/rig/ntk-sysrig")
HELPER = os.path.join(BUILD, "helper/ntk-helper")
SCRATCH = os.environ.get("NTK_SYSRIG_DIR", "/tmp")

BUS = ["busctl", "--system", "--timeout=300"]
DEST = ["org.netsukuku.Helper1", "/org/netsukuku/Helper1", "org.netsukuku.Helper1"]


class Tap:
    """Collects results; prints TAP at the end; exit status 0 only if all passed."""

    def __init__(self):
        self.results = []

    def case(self, name, fn, *args):
        try:
            fn(*args)
            self.results.append((True, name, ""))
        except AssertionError as e:
            self.results.append((False, name, str(e) or "assertion failed"))
        except Exception as e:  # a crash of the test is a failure of this case, not of the run
            self.results.append((False, name, f"{type(e).__name__}: {e}"))

    def finish(self):
        print(f"1..{len(self.results)}")
        for i, (ok, name, msg) in enumerate(self.results, 1):
            print(f"{'ok' if ok else 'not ok'} {i} {name}")
            for line in msg.splitlines():
                print(f"# {line}")
        sys.stdout.flush()
        return 0 if all(r[0] for r in self.results) else 1


def run(*cmd, check=True, user=None, input=None):
    if user:
        pw = pwd.getpwnam(user)
        cmd = ("setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--clear-groups", *cmd)
    p = subprocess.run(cmd, capture_output=True, text=True, input=input, timeout=600)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)[:300]} failed ({p.returncode}): {p.stderr.strip()[:500]}")
    return p


def sh(script, check=True):
    return run("sh", "-ec", script, check=check)


def eq(got, want, what):
    assert got == want, f"{what}: got {got!r}, want {want!r}"


class Helper:
    """ntk-helper started in the current rig with a config naming the managed interfaces."""

    def __init__(self, managed=("eth1",), ports=(269,)):
        self.conf = os.path.join(SCRATCH, "helper.conf")
        with open(self.conf, "w") as f:
            f.write(f"ManagedInterfaces={' '.join(managed)}\nPorts={' '.join(map(str, ports))}\n")
        self.log = os.path.join(SCRATCH, "helper.log")
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen([HELPER, "--config", self.conf], stdout=subprocess.DEVNULL,
                                     stderr=open(self.log, "a"))
        for _ in range(100):
            if run(*BUS, "status", "org.netsukuku.Helper1", check=False).returncode == 0:
                return
            time.sleep(0.05)
        raise AssertionError("ntk-helper did not appear on the bus")

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        for _ in range(100):
            if run(*BUS, "status", "org.netsukuku.Helper1", check=False).returncode != 0:
                return
            time.sleep(0.05)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def call(method, signature="", *args, user=None, check=True):
    """busctl call; returns the parsed JSON reply ({"type":…, "data": […]}) or raises with the error."""
    p = run(*BUS, "--json=short", "call", *DEST, method, *([signature] if signature else []),
            *map(str, args), check=False, user=user)
    if check and p.returncode != 0:
        raise AssertionError(f"{method} failed: {p.stderr.strip()}")
    if p.returncode != 0:
        return {"error": p.stderr.strip()}
    return json.loads(p.stdout) if p.stdout.strip() else {"data": []}


CLIENT = os.path.join(BUILD, "tests/integration/helper-client")


def apply(netns, ops, user=None, check=True, summary=False):
    """Helper1.Apply through helper-client (which, unlike busctl, reports the D-Bus error name):
    {"results": [...], "message": s} or {"error": "org.…Error.Name: message"}."""
    p = run(CLIENT, "apply", netns, *(["--summary"] if summary else []), input="".join(o + "\n" for o in ops),
            user=user)
    r = json.loads(p.stdout)
    if r.get("error"):
        if check:
            raise AssertionError(f"Apply({netns!r}) refused: {r['error']}")
        return {"error": r["error"]}
    if check and not summary:
        assert all(x == 0 for x in r["results"]), f"Apply({netns!r}) failed: {r['message']} {r['results']}"
    return r


def ipj(*args, netns=None):
    cmd = (["ip", "netns", "exec", netns] if netns else []) + ["ip", "-j", *args]
    out = run(*cmd).stdout
    return json.loads(out) if out.strip() else []


def kernel_snapshot():
    """Everything a refused call must leave unchanged, as text, for the default netns and our namespaces."""
    parts = []
    namespaces = [""] + sorted(os.listdir("/run/netns")) if os.path.isdir("/run/netns") else [""]
    for ns in namespaces:
        pre = ["ip", "netns", "exec", ns] if ns else []
        for cmd in (["ip", "-d", "link"], ["ip", "-4", "addr"], ["ip", "-4", "route", "show", "table", "all"],
                    ["ip", "-4", "rule"], ["iptables-legacy-save"], ["sysctl", "net.ipv4.ip_forward",
                    "net.ipv4.conf.all.rp_filter"]):
            out = run(*pre, *cmd, check=False).stdout
            lines = [l for l in out.splitlines() if not l.startswith("#")]
            parts.append(f"[{ns or 'default'}] {' '.join(cmd)}\n" + "\n".join(lines))
    for path in ("/etc/iproute2/rt_tables.d/ntk.conf", "/run/ntk-helper/ledger.json"):
        parts.append(path + "\n" + (open(path).read() if os.path.exists(path) else "(none)"))
    return "\n".join(parts)


def same_kernel(before, after, what):
    if before != after:
        diff = "\n".join(difflib.unified_diff(before.splitlines(), after.splitlines(), "before", "after",
                                               lineterm="", n=1))
        raise AssertionError(f"{what} changed:\n{diff}")
