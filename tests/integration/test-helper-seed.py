#!/usr/bin/env python3
# test-helper-seed.py — the seed (Eventi8, migr01, system β, first two sections) executed through ntk-helper
# in one throw-away system and with ip/iptables in another must give the same kernel state (kdump +
# kcompare). Must not: run the commands anywhere but in the two rigs it creates (root, outside a rig).
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ntktest import RIG, SHARED, SRC, Tap, run  # noqa: E402

SEED = os.path.join(SHARED, "seed", "Eventi8.md")
KDUMP = os.path.join(SHARED, "conformance", "kdump")
KCOMPARE = os.path.join(SHARED, "conformance", "kcompare")

# β before migr01 (systems.json, timeline): its eth1 MAC and the tables its QSPN arcs use.
BETA_MAC = "00:16:3E:EC:A3:E1"
TABLES = [(251, "ntk"), (250, "ntk_from_00:16:3E:5B:78:D5"), (249, "ntk_from_00:16:3E:FD:E2:AA"),
          (248, "ntk_from_00:16:3E:3C:14:33")]
# D4: the documents pin the macvlan's MAC (the kernel would pick a random one); both systems do the same.
PSEUDO_MAC = "00:16:3E:EE:AF:D1"


def seed_commands():
    """β's commands of the seed's first two sections, in order."""
    text = open(SEED, encoding="utf-8").read()
    end = text.index("#### migr01: Aggiornamento dei gateway")
    cmds = []
    for m in re.finditer(r"\*\*sistema (\S+)\*\*\s*```\n(.*?)```", text[:end], re.S):
        if m.group(1) == "\U0001d6fd":  # 𝛽
            cmds += [l.strip() for l in m.group(2).splitlines() if l.strip()]
    return cmds


def with_pinned_mac(cmds):
    out = []
    for c in cmds:
        out.append(c)
        if c.startswith("ip link add dev migr01_eth1 "):
            out.append(f"ip link set dev migr01_eth1 address {PSEUDO_MAC}")
    return out


def rt_line(tid, name):
    return f'(echo; echo "{tid} {name} # xxx_table_{name}_xxx") | tee -a /etc/iproute2/rt_tables >/dev/null'


FIXTURE = f"""
ip link add eth1 type veth peer name eth1p
ip link set dev eth1 address {BETA_MAC}
ip link set dev eth1p address 00:16:3E:00:00:01
ip link set eth1 up; ip link set eth1p up
"""

REFERENCE = r"""
set -e
{fixture}
{rt}
while IFS= read -r line; do sh -c "$line"; done < {cmds}
{kdump} --out {out}
"""

THROUGH_HELPER = r"""
set -e
{fixture}
cd {src}/tests/integration
python3 - {cmds} {out} <<'PY'
import itertools, subprocess, sys
from ntktest import Helper, apply
helper = Helper()
try:
    apply("", {rt!r})
    lines = [l.rstrip("\n") for l in open(sys.argv[1])]
    # consecutive commands of the same namespace go in one Apply (the prefix becomes the netns argument)
    def ns_of(l):
        return l.split()[3] if l.startswith("ip netns exec ") else ""
    for ns, group in itertools.groupby(lines, key=ns_of):
        ops = [l.split(None, 4)[4] if ns else l for l in group]
        apply(ns, ops)
finally:
    helper.stop()
subprocess.run(["{kdump}", "--out", sys.argv[2]], check=True)
PY
"""


def rig(script, extra=()):
    return subprocess.run([RIG, "--policy-dir", os.path.join(SRC, "dbus"), "--polkit-actions",
                           os.path.join(SRC, "polkit"), "--polkit-rules", os.path.join(SRC, "polkit"),
                           "--system-user", "ntkd", *extra, "--", "bash", "-c", script],
                          capture_output=True, text=True, timeout=600)


def main():
    tap = Tap()
    if not os.path.exists(SEED) or not os.path.exists(KDUMP):
        print("1..0 # SKIP no ../shared seed or conformance tools")
        return 0
    cmds = seed_commands()
    tmp = tempfile.mkdtemp(prefix="ntk-seed-")
    cmd_file = os.path.join(tmp, "beta.txt")
    with open(cmd_file, "w") as f:
        f.write("\n".join(with_pinned_mac(cmds)) + "\n")
    ref_out, helper_out = os.path.join(tmp, "reference.json"), os.path.join(tmp, "helper.json")

    def extracted():
        assert len(cmds) > 150, f"only {len(cmds)} commands of β found in the seed"
        assert cmds[0] == "ip netns add migr01", cmds[0]
        assert any("iptables -t mangle -A PREROUTING" in c for c in cmds)
        assert any(" ip route change " in c and " via " in c for c in cmds)

    def reference_runs():
        p = rig(REFERENCE.format(fixture=FIXTURE, rt="\n".join(rt_line(t, n) for t, n in TABLES), cmds=cmd_file,
                                 kdump=KDUMP, out=ref_out))
        assert p.returncode == 0, f"reference system failed: {p.stderr[-2000:]}"

    def helper_runs():
        p = rig(THROUGH_HELPER.format(fixture=FIXTURE, src=SRC, rt=[rt_line(t, n) for t, n in TABLES],
                                      cmds=cmd_file, kdump=KDUMP, out=helper_out))
        assert p.returncode == 0, f"helper system failed: {p.stdout[-1500:]} {p.stderr[-2000:]}"

    def same_state():
        p = run(KCOMPARE, ref_out, helper_out, check=False)
        assert p.returncode == 0, f"kcompare found differences:\n{p.stdout[-3000:]}{p.stderr[-1000:]}"
        ref = json.load(open(ref_out))
        ns = ref["netns"]["migr01"]
        n_routes = sum(len(v) for v in ns["routes"].values())
        assert n_routes == 92, f"reference has {n_routes} routes in migr01, the seed adds 4 x 23"
        assert len(ns["rules"]) >= 4, ns["rules"]

    def lint_clean():
        p = run(KCOMPARE, "--lint", helper_out, check=False)
        assert p.returncode == 0, f"lint findings:\n{p.stdout[-2000:]}"

    tap.case("the seed's first two sections of system beta are extracted", extracted)
    tap.case("reference: the commands run with ip/iptables in a throw-away system", reference_runs)
    tap.case("the same commands through ntk-helper in a second throw-away system", helper_runs)
    tap.case("kcompare: both systems have the same kernel state", same_state)
    tap.case("kcompare --lint: the helper's state has no duplicate rules or stale gateways", lint_clean)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
