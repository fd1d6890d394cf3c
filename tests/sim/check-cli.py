#!/usr/bin/env python3
# check-cli.py — the ntk-qspn-sim input/output contract: output shape, determinism, exit 2 on unknown
# fields and bad values with a message naming them. Must not: depend on anything but the program.
import json, re, subprocess, sys, tempfile, os

prog = sys.argv[1]
ok = True

EXAMPLE = {
    "topology": "4.2.2.2",
    "identities": [{"name": "a", "address": "3.0.1.0"}, {"name": "b", "address": "3.0.1.1"},
                   {"name": "c", "address": "3.0.0.0"}, {"name": "d", "address": "2.1.0.0"}],
    "arcs": [{"a": "a", "b": "b", "cost": 1000}, {"a": "b", "b": "c", "cost": 1000},
             {"a": "c", "b": "d", "cost": 2000}, {"a": "a", "b": "d", "cost": 9000}],
    "events": [{"at": 20000, "kind": "arc_cost", "a": "a", "b": "b", "cost": 5000},
               {"at": 40000, "kind": "arc_remove", "a": "a", "b": "b"},
               {"at": 60000, "kind": "arc_add", "a": "a", "b": "c", "cost": 800}],
}


def run(scenario, *args):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        if isinstance(scenario, str):
            f.write(scenario)
        else:
            json.dump(scenario, f)
        name = f.name
    try:
        p = subprocess.run([prog, name, *args], capture_output=True, text=True, timeout=120)
    finally:
        os.unlink(name)
    return p


def check(cond, what):
    global ok
    print(("ok - " if cond else "not ok - ") + what)
    ok = ok and cond


p = run(EXAMPLE, "--seed", "3")
check(p.returncode == 0, "example scenario exits 0")
lines = p.stdout.strip().split("\n")
check(len(lines) == 5, "one line per identity plus the final line")
check(re.fullmatch(r"quiescent after \d+ ms, \d+ ETPs, \d+ bytes", lines[-1]) is not None, "final line format")
names = {i["name"] for i in EXAMPLE["identities"]}
for line in lines[:-1]:
    o = json.loads(line)
    check(list(o.keys()) == ["name", "address", "destinations"], "identity keys in order (%s)" % o.get("name"))
    for d in o["destinations"]:
        check(list(d.keys()) == ["lvl", "pos", "paths"], "destination keys")
        costs = [x["cost"] for x in d["paths"]]
        check(costs == sorted(costs), "paths best first")
        for x in d["paths"]:
            check(list(x.keys()) == ["cost", "hops", "gateway"] and x["gateway"] in names, "path keys and gateway")
            check(x["hops"][-1] == [d["lvl"], d["pos"]], "last hop is the destination")
a = json.loads(lines[0])
dest = {(d["lvl"], d["pos"]): d for d in a["destinations"]}
check((1, 0) in dest and dest[(1, 0)]["paths"][0] == {"cost": 800, "hops": [[1, 0]], "gateway": "c"},
      "a reaches 3.0.0 through the added arc a-c")
p2 = run(EXAMPLE, "--seed", "3")
check(p2.stdout == p.stdout, "same seed, same output")

BAD = [
    ({**EXAMPLE, "extra": 1}, "extra"),
    ({**EXAMPLE, "topology": "3.2.2"}, "topology"),
    ({**EXAMPLE, "identities": [{"name": "a", "address": "3.0.1.0", "colour": "red"}]}, "colour"),
    ({**EXAMPLE, "identities": [{"name": "a", "address": "3.0.9.0"}] + EXAMPLE["identities"][1:]}, "address"),
    ({**EXAMPLE, "arcs": [{"a": "a", "b": "b", "cost": -1}]}, "cost"),
    ({**EXAMPLE, "arcs": [{"a": "a", "b": "zz", "cost": 1}]}, "zz"),
    ({**EXAMPLE, "arcs": EXAMPLE["arcs"] + [{"a": "a", "b": "b", "cost": 1, "delay": 3}]}, "delay"),
    ({**EXAMPLE, "events": [{"at": 1, "kind": "explode", "a": "a", "b": "b"}]}, "explode"),
    ({**EXAMPLE, "events": [{"at": 1, "kind": "arc_remove", "a": "a", "b": "b", "cost": 5}]}, "cost"),
    ({**EXAMPLE, "events": [{"at": -5, "kind": "arc_remove", "a": "a", "b": "b"}]}, "at"),
    ({**EXAMPLE, "identities": EXAMPLE["identities"] + [{"name": "a", "address": "1.0.0.0"}]}, "a"),
    ("{not json", "ntk-qspn-sim"),
]
for scen, needle in BAD:
    p = run(scen)
    check(p.returncode == 2 and needle in p.stderr, "rejected naming '%s' (rc %d: %s)" % (needle, p.returncode, p.stderr.strip()))
p = run(EXAMPLE, "--seed", "x")
check(p.returncode == 2 and "--seed" in p.stderr, "bad --seed rejected")
p = run(EXAMPLE, "--what")
check(p.returncode == 2 and "--what" in p.stderr, "unknown option rejected")
sys.exit(0 if ok else 1)
