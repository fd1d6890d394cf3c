#!/usr/bin/env python3
# test-ntkctl-calc.py — `ntkctl calc` as a user and a script see it (JSON contract, table output), and every
# verb's usage errors: exit codes and one-line errors. Must not: need root or a daemon. Usage: … NTKCTL (TAP).
import json
import subprocess
import sys

NTKCTL = sys.argv[1]
results = []


def run(*args):
    p = subprocess.run([NTKCTL, *args], capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def case(name):
    def wrap(fn):
        try:
            fn()
            results.append((True, name, ""))
        except AssertionError as e:
            results.append((False, name, str(e)))
        return fn
    return wrap


def eq(got, want, what):
    assert got == want, f"{what}: got {got!r}, want {want!r}"


@case("json contract for alpha 3.0.1.0 matches addressing.md")
def _():
    rc, out, err = run("calc", "4.2.2.2", "3.0.1.0", "--json")
    eq(rc, 0, "exit status")
    eq(err, "", "stderr")
    j = json.loads(out)
    for key in ("topology", "address", "global", "anonymous", "internal", "localhost", "destinations",
                "anonymous_range", "snat", "netmap"):
        assert key in j, f"missing field {key}"
    eq(j["topology"], "4.2.2.2", "topology")
    eq(j["address"], "3.0.1.0", "address")
    eq(j["global"], "10.0.0.26", "global")
    eq(j["anonymous"], "10.0.0.90", "anonymous")
    eq(j["internal"], {"1": "10.0.0.40", "2": "10.0.0.50", "3": "10.0.0.58"}, "internal")
    eq(j["localhost"], "10.0.0.32", "localhost")
    eq(j["anonymous_range"], "10.0.0.64/27", "anonymous_range")
    eq(" ".join(j["destinations"]),
       "10.0.0.0/29 10.0.0.64/29 10.0.0.8/29 10.0.0.72/29 10.0.0.16/29 10.0.0.80/29 10.0.0.28/30 "
       "10.0.0.92/30 10.0.0.60/30 10.0.0.24/31 10.0.0.88/31 10.0.0.56/31 10.0.0.48/31 10.0.0.27/32 "
       "10.0.0.91/32 10.0.0.59/32 10.0.0.51/32 10.0.0.41/32", "destinations")
    eq(j["snat"], "iptables -t nat -A POSTROUTING -d 10.0.0.64/27 -j SNAT --to 10.0.0.26", "snat")
    eq(j["netmap"], [], "netmap")
    eq(j["assigned"], ["10.0.0.26", "10.0.0.58", "10.0.0.50", "10.0.0.40"], "assigned without -k")


@case("serve-anonymous adds the anonymizing address to what is assigned")
def _():
    rc, out, _ = run("calc", "4.2.2.2", "3.0.1.0", "--serve-anonymous", "--json")
    eq(rc, 0, "exit status")
    eq(json.loads(out)["assigned"], ["10.0.0.26", "10.0.0.90", "10.0.0.58", "10.0.0.50", "10.0.0.40"],
       "assigned with -k")


@case("virtual address prints null where not computable")
def _():
    rc, out, _ = run("calc", "4.2.2.2", "2.2.1.0", "--json")
    eq(rc, 0, "exit status")
    j = json.loads(out)
    eq(j["global"], None, "global")
    eq(j["anonymous"], None, "anonymous")
    eq(j["internal"], {"1": "10.0.0.40", "2": "10.0.0.50", "3": None}, "internal")
    eq(j["snat"], None, "snat")
    eq(len(j["destinations"]), 15, "destination count")


@case("no-anonymize drops the SNAT rule")
def _():
    rc, out, _ = run("calc", "4.2.2.2", "3.0.1.0", "--no-anonymize", "--json")
    eq(rc, 0, "exit status")
    eq(json.loads(out)["snat"], None, "snat")


@case("lambda with subnet level 1 gets the documented NETMAP lines")
def _():
    rc, out, _ = run("calc", "4.2.2.2", "1.1.0.0", "--subnet-level", "1", "--serve-anonymous", "--json")
    eq(rc, 0, "exit status")
    j = json.loads(out)
    eq(len(j["destinations"]), 13, "destination count")
    eq(j["netmap"], [
        "iptables -t nat -A PREROUTING -d 10.0.0.48/31 -j NETMAP --to 10.0.0.40/31",
        "iptables -t nat -A POSTROUTING -d 10.0.0.48/30 -s 10.0.0.40/31 -j NETMAP --to 10.0.0.48/31",
        "iptables -t nat -A PREROUTING -d 10.0.0.60/31 -j NETMAP --to 10.0.0.40/31",
        "iptables -t nat -A POSTROUTING -d 10.0.0.56/29 -s 10.0.0.40/31 -j NETMAP --to 10.0.0.60/31",
        "iptables -t nat -A PREROUTING -d 10.0.0.12/31 -j NETMAP --to 10.0.0.40/31",
        "iptables -t nat -A POSTROUTING -d 10.0.0.0/27 -s 10.0.0.40/31 -j NETMAP --to 10.0.0.12/31",
        "iptables -t nat -A PREROUTING -d 10.0.0.76/31 -j NETMAP --to 10.0.0.40/31",
        "iptables -t nat -A POSTROUTING -d 10.0.0.64/27 -s 10.0.0.40/31 -j NETMAP --to 10.0.0.12/31",
    ], "netmap")


@case("options may come first and the documents' middle dot is accepted")
def _():
    rc, out, _ = run("calc", "--json", "-s", "1", "4·2·2·2", "1·1·0·0")
    eq(rc, 0, "exit status")
    eq(json.loads(out)["subnet_level"], 1, "subnet level")


@case("table output has headers and every destination")
def _():
    rc, out, err = run("calc", "4.2.2.2", "3.0.1.0")
    eq(rc, 0, "exit status")
    eq(err, "", "stderr")
    for header in ("OWN IP", "DESTINATION", "SNAT", "NETMAP"):
        assert header in out, f"no {header} section"
    assert "10.0.0.41/32" in out and "internal-1" in out, "last destination missing"
    assert "(18 destinations;" in out, "count line missing"


BAD = [
    (("calc", "4.3.2.2", "3.0.1.0"), "not a power of two"),
    (("calc", "4.1.2.2", "3.0.1.0"), "smaller than 2"),
    (("calc", "128.256.256", "1.1.1"), "more than 22 bits"),
    (("calc", "2.2.2.2", "1.0.1.0"), "smaller than the number of levels"),
    (("calc", "4.2.2.2", "3.0.1"), "has 3 fields"),
    (("calc", "4.2.2.2", "3.0.x.0"), "not a number"),
    (("calc", "4.2.2.2", "3..1.0"), "empty field 2"),
    (("calc", "4.2.2.2", "3.0.1.0", "--subnet-level", "4"), "--subnet-level 4"),
    (("calc", "4.2.2.2", "3.0.1.0", "--subnet-level", "one"), "'one'"),
    (("calc", "4.2.2.2", "3.0.1.0", "--subnet-level"), "needs a value"),
    (("calc", "4.2.2.2", "3.0.1.0", "--frobnicate"), "'--frobnicate'"),
    (("calc", "4.2.2.2"), "needs TOPOLOGY and ADDRESS"),
    (("calc", "4.2.2.2", "3.0.1.0", "extra"), "'extra'"),
    (("frob",), "unknown verb 'frob'"),
    (("arcs", "--bogus"), "'--bogus'"),
    (("interfaces", "extra"), "'extra'"),
    (("arc",), "usage: ntkctl arc"),
    (("arc", "accept", "eth1"), "usage: ntkctl arc"),
    (("arc", "frob", "eth1", "00:16:3E:00:00:01"), "usage: ntkctl arc"),
    (("arc", "cost", "eth1", "00:16:3E:00:00:01", "fast"), "'fast'"),
    (("arc", "cost", "eth1", "00:16:3E:00:00:01", "99999999999"), "'99999999999'"),
    (("identity", "add", "x", "7be686d916231f2f"), "'x'"),
    (("identity", "add", "7", "nothex"), "'nothex'"),
    (("identity", "remove", "0"), "'0'"),
    (("identity", "prepare", "7"), "usage: ntkctl identity"),
]

for args, needle in BAD:
    @case(f"bad input {' '.join(args)!r} exits 2 with one line naming it")
    def _(args=args, needle=needle):
        rc, out, err = run(*args)
        eq(rc, 2, "exit status")
        eq(out, "", "stdout")
        eq(err.count("\n"), 1, "stderr lines")
        assert needle in err, f"stderr {err!r} does not mention {needle!r}"

@case("without ntkd on the bus, a read verb fails with one line and exit 1")
def _():
    import os
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS="unix:path=/nonexistent/ntk-test-socket")
    p = subprocess.run([NTKCTL, "arcs"], capture_output=True, text=True, timeout=30, env=env)
    eq(p.returncode, 1, "exit status")
    eq(p.stdout, "", "stdout")
    eq(p.stderr.count("\n"), 1, "stderr lines")


print(f"1..{len(results)}")
for i, (ok, name, msg) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} {name}")
    if msg:
        print(f"# {msg}")
sys.exit(0 if all(r[0] for r in results) else 1)
