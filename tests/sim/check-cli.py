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
    ({**EXAMPLE, "identities": EXAMPLE["identities"] + [{"name": "a", "address": "1.0.0.0"}]},
     "duplicate identity name 'a'"),
    ("{not json", "near 'not'"),
]
for scen, needle in BAD:
    p = run(scen)
    err = p.stderr.strip()
    check(p.returncode == 2 and needle in err and "\n" not in err and p.stdout == "",
          "rejected naming '%s' (rc %d: %s)" % (needle, p.returncode, err))

# --- enter, migrate, make_connectivity, dismiss ---------------------------------------------------

BASE = {k: v for k, v in EXAMPLE.items() if k != "events"}


def with_events(*events):
    return {**BASE, "events": list(events)}


def coord(mine, other):
    """The coordinate (lvl, pos) under which the identity at address `mine` sees address `other`."""
    m = [int(x) for x in reversed(mine.split("."))]
    o = [int(x) for x in reversed(other.split("."))]
    for lvl in reversed(range(len(m))):
        if m[lvl] != o[lvl]:
            return (lvl, o[lvl])
    return None


def simulate(scenario, what, seed="3"):
    """Runs a scenario that must succeed; checks the output shape; returns {name: identity}."""
    p = run(scenario, "--seed", seed)
    check(p.returncode == 0, "%s: exits 0 (rc %d: %s)" % (what, p.returncode, p.stderr.strip()))
    if p.returncode != 0:
        return {}
    lines = p.stdout.strip().split("\n")
    check(re.fullmatch(r"quiescent after \d+ ms, \d+ ETPs, \d+ bytes", lines[-1]) is not None,
          "%s: final line format" % what)
    ids = {}
    for line in lines[:-1]:
        o = json.loads(line)
        check(list(o.keys()) == ["name", "address", "destinations"] and o["name"] not in ids,
              "%s: identity keys, each name once (%s)" % (what, o.get("name")))
        ids[o["name"]] = o
    for o in ids.values():
        for d in o["destinations"]:
            costs = [x["cost"] for x in d["paths"]]
            check(costs == sorted(costs) and all(x["hops"][-1] == [d["lvl"], d["pos"]] for x in d["paths"]),
                  "%s: %s's paths to (%d,%d) are best first and end there" % (what, o["name"], d["lvl"], d["pos"]))
            bad = [x["gateway"] for x in d["paths"] if x["gateway"] not in ids or x["gateway"] == o["name"]]
            check(not bad, "%s: %s's gateways to (%d,%d) are live neighbours (%s)"
                  % (what, o["name"], d["lvl"], d["pos"], bad))
    return ids


def dests(o):
    return {(d["lvl"], d["pos"]): d for d in o["destinations"]}


def best(o, c):
    d = dests(o).get(c)
    return d["paths"][0] if d and d["paths"] else None


def path(cost, hops, gateway):
    return {"cost": cost, "hops": hops, "gateway": gateway}


def reaches(ids, a, b):
    return coord(ids[a]["address"], ids[b]["address"]) in dests(ids[a])


base = simulate(BASE, "no events")

# (1) a lone newcomer in a new level-2 g-node 3.1, through c
ENTER = with_events({"at": 0, "kind": "enter", "name": "e", "address": "3.1.0.0",
                     "arcs": [{"peer": "c", "cost": 500}]})
ids = simulate(ENTER, "enter")
if ids:
    check("e" in ids and ids["e"]["address"] == "3.1.0.0", "enter: the newcomer is printed with its address")
    for n in "abcd":
        check(reaches(ids, "e", n), "enter: e has a destination for %s" % n)
        check(reaches(ids, n, "e"), "enter: %s has a destination for e" % n)
    for n in "abc":
        check((2, 1) not in dests(base[n]) and (2, 1) in dests(ids[n]),
              "enter: %s gained the destination (2,1)" % n)
    check(best(ids["c"], (2, 1)) == path(500, [[2, 1]], "e"), "enter: c reaches e over their arc")
    check(best(ids["e"], (2, 0)) == path(500, [[2, 0]], "c"), "enter: e reaches 3.0 through c")
    check(set(ids) - {"e"} == set(base), "enter: nobody else appears or disappears")

# (2) b is dismissed: nobody keeps a path through it, and a forgets its coordinate (0,1)
ids = simulate(with_events({"at": 0, "kind": "dismiss", "identity": "b"}), "dismiss")
if ids:
    check(set(ids) == {"a", "c", "d"}, "dismiss: b is no longer printed")
    check(all(x["gateway"] != "b" for o in ids.values() for d in o["destinations"] for x in d["paths"]),
          "dismiss: no path has gateway b")
    check((0, 1) in dests(base["a"]) and (0, 1) not in dests(ids["a"]),
          "dismiss: a lost the destination (0,1) of b")
    check(best(ids["a"], (3, 2)) == path(9000, [[3, 2]], "d"), "dismiss: a still reaches d")

# an address is free again once its identity is dismissed
ids = simulate(with_events({"at": 0, "kind": "dismiss", "identity": "b"},
                           {"at": 20000, "kind": "enter", "name": "b3", "address": "3.0.1.1",
                            "arcs": [{"peer": "a", "cost": 100}, {"peer": "c", "cost": 100}]}),
               "enter at a freed address")
if ids:
    check(ids.get("b3", {}).get("address") == "3.0.1.1" and "b" not in ids,
          "enter at a freed address: b3 holds 3.0.1.1")
    check(best(ids["a"], (0, 1)) == path(100, [[0, 1]], "b3"), "enter at a freed address: a reaches b3")

# (3) d migrates alone into a new level-2 g-node 3.1 (host level 3); the old d is dropped 2 s later
MIGRATE = with_events({"at": 0, "kind": "migrate", "guest_level": 0, "host_level": 3,
                       "members": [{"old": "d", "name": "d2", "address": "3.1.0.0"}],
                       "arcs": [{"member": "d2", "peer": "c", "cost": 2000}], "dismiss_after": 2000})
ids = simulate(MIGRATE, "migrate")
if ids:
    check(set(ids) == {"a", "b", "c", "d2"}, "migrate: d2 replaces d")
    check(ids["d2"]["address"] == "3.1.0.0", "migrate: d2 has the new address")
    for n in "abc":
        check(reaches(ids, n, "d2") and reaches(ids, "d2", n), "migrate: %s and d2 reach each other" % n)
        check((3, 2) in dests(base[n]) and (3, 2) not in dests(ids[n]),
              "migrate: %s forgot d's old g-node (3,2)" % n)
    check(best(ids["c"], (2, 1)) == path(2000, [[2, 1]], "d2"), "migrate: c reaches d2 over their arc")
# without dismiss_after the old identity stays
ids = simulate({**MIGRATE, "events": [{k: v for k, v in MIGRATE["events"][0].items() if k != "dismiss_after"}]},
               "migrate, old identity kept")
if ids:
    check(set(ids) == {"a", "b", "c", "d", "d2"} and ids["d"]["address"] == "2.1.0.0",
          "migrate without dismiss_after: d stays beside d2")

# a whole level-1 g-node (a, b) migrates: the arc a-b becomes internal by itself
ids = simulate(with_events({"at": 0, "kind": "migrate", "guest_level": 1, "host_level": 3,
                            "members": [{"old": "a", "name": "a2", "address": "3.1.0.0"},
                                        {"old": "b", "name": "b2", "address": "3.1.0.1"}],
                            "arcs": [{"member": "a2", "peer": "c", "cost": 700},
                                     {"member": "b2", "peer": "d", "cost": 300}],
                            "dismiss_after": 2000}), "migrate a level-1 g-node")
if ids:
    check(set(ids) == {"a2", "b2", "c", "d"}, "migrate a g-node: a2 and b2 replace a and b")
    check(best(ids["a2"], (0, 1)) == path(1000, [[0, 1]], "b2"),
          "migrate a g-node: a2 reaches b2 over the inherited internal arc")
    check(best(ids["c"], (2, 1)) == path(700, [[2, 1]], "a2"), "migrate a g-node: c reaches 3.1")
    check((1, 1) not in dests(ids["c"]), "migrate a g-node: c forgot the old g-node 3.0.1")

# (4) b migrates (and stays), becomes of connectivity at level 1 with virtual position 2, then is dismissed
MC = [{"at": 0, "kind": "migrate", "guest_level": 0, "host_level": 3,
       "members": [{"old": "b", "name": "b2", "address": "3.1.0.0"}],
       "arcs": [{"member": "b2", "peer": "c", "cost": 700}]},
      {"at": 30000, "kind": "make_connectivity", "identity": "b", "from": 1, "to": 2, "virtual_pos": 2}]
ids = simulate(with_events(*MC), "make_connectivity")
if ids:
    check(ids["b"]["address"] == "3.0.1.2", "make_connectivity: b has the virtual address 3.0.1.2")
    check((0, 1) not in dests(ids["a"]) and (best(ids["a"], (0, 2)) or {}).get("gateway") == "b",
          "make_connectivity: a forgot (0,1) and reaches b as (0,2)")
MCD = with_events(*MC, {"at": 60000, "kind": "dismiss", "identity": "b"})
ids = simulate(MCD, "make_connectivity then dismiss")
if ids:
    check(set(ids) == {"a", "c", "d", "b2"}, "make_connectivity then dismiss: b is gone, b2 stays")
    check((0, 1) not in dests(ids["a"]) and (0, 2) not in dests(ids["a"]),
          "make_connectivity then dismiss: a has neither b's real nor its virtual coordinate")
    check(best(ids["c"], (2, 1)) == path(700, [[2, 1]], "b2"),
          "make_connectivity then dismiss: c reaches b2")
for scen, what in [(ENTER, "enter"), (MIGRATE, "migrate"), (MCD, "make_connectivity then dismiss")]:
    p1, p2 = run(scen, "--seed", "5"), run(scen, "--seed", "5")
    check(p1.returncode == 0 and p1.stdout == p2.stdout, "%s: same seed, same output" % what)

# (5) refusals: exit 2, one line naming the value, nothing simulated
E_ENTER = ENTER["events"][0]
E_MIGRATE = MIGRATE["events"][0]
E_MC = MC[1]


def enter(**kw):
    return {**E_ENTER, **kw}


def migrate(**kw):
    return {**E_MIGRATE, **kw}


def member(**kw):
    return [{**E_MIGRATE["members"][0], **kw}]


def mc(**kw):
    return {**E_MC, **kw}


DISMISS_B = {"at": 0, "kind": "dismiss", "identity": "b"}
REFUSED = [
    ([enter(colour=1)], "'colour'"),
    ([enter(arcs=[{"peer": "c", "cost": 1, "delay": 2}])], "'delay'"),
    ([enter(arcs=[{"peer": "zz", "cost": 1}])], "'zz'"),
    ([enter(arcs=[])], "'arcs'"),
    ([enter(arcs=[{"peer": "c", "cost": 0}])], "0 for 'cost'"),
    ([enter(arcs=[{"peer": "c", "cost": 2 ** 31}])], "2147483648"),
    ([enter(arcs=[{"peer": "c", "cost": 1}, {"peer": "c", "cost": 2}])], "second arc to 'c'"),
    ([enter(name="c")], "duplicate identity name 'c'"),
    ([enter(), enter(at=5, address="3.1.1.0")], "duplicate identity name 'e'"),
    ([enter(address="3.1.0.5")], "'3.1.0.5'"),
    ([enter(address="3.1.0")], "'3.1.0'"),
    ([enter(address="3.0.0.0")], "'3.0.0.0' is used by 'c'"),
    ([enter(address="3.0.1.1"), dict(DISMISS_B, at=10)], "'3.0.1.1' is used by 'b'"),
    ([DISMISS_B, enter(arcs=[{"peer": "b", "cost": 1}])], "identity 'b' is dismissed"),
    ([enter(arcs=[{"peer": "f", "cost": 1}]), enter(at=100, name="f", address="3.1.1.0")],
     "identity 'f' does not exist yet"),
    ([migrate(guest_level=3, host_level=3)], "3 for 'guest_level'"),
    ([migrate(host_level=5)], "5 for 'host_level'"),
    ([migrate(host_level=1)], "1 for 'host_level'"),
    ([migrate(colour=1)], "'colour'"),
    ([migrate(members=[])], "'members'"),
    ([migrate(members=member(colour=1))], "'colour'"),
    ([migrate(members=member(old="zz"))], "'zz'"),
    ([dict(DISMISS_B, identity="d"), migrate()], "identity 'd' is dismissed"),
    ([migrate(members=member(name="a"))], "duplicate identity name 'a'"),
    ([migrate(members=member(address="3.0.0.1"))], "'3.0.0.1' already holds 'a'"),
    ([migrate(members=member(address="3.0.0.0"), host_level=1)], "'3.0.0.0' already holds 'c'"),
    ([migrate(members=member(address="3.1.9.0"))], "'3.1.9.0'"),
    ([migrate(arcs=[{"member": "zz", "peer": "c", "cost": 1}])], "'zz'"),
    ([migrate(arcs=[{"member": "d2", "peer": "d", "cost": 1}])], "'d' migrates"),
    ([migrate(arcs=[{"member": "d2", "peer": "c", "cost": -3}])], "-3 for 'cost'"),
    ([migrate(dismiss_after=-1)], "-1 for 'dismiss_after'"),
    ([migrate(guest_level=1, members=[{"old": "d", "name": "d2", "address": "3.1.0.1"}])], "'3.1.0.1'"),
    ([migrate(guest_level=1, members=[{"old": "a", "name": "a2", "address": "3.1.0.0"},
                                      {"old": "c", "name": "d2", "address": "3.1.0.1"}])], "'c' is not in"),
    ([migrate(arcs=[{"member": "d2", "peer": "d2", "cost": 1}])], "'d2' is a member"),
    ([migrate(members=member(old="e")), enter(at=5)], "identity 'e' does not exist yet"),
    ([mc(at=0), migrate(at=10, members=member(old="b"))], "'b' is of connectivity from level 1"),
    ([mc(identity="zz")], "'zz'"),
    ([mc(colour=1)], "'colour'"),
    ([mc(**{"from": 0})], "0 for 'from'"),
    ([mc(to=5)], "5 for 'to'"),
    ([mc(**{"from": 3, "to": 2})], "2 for 'to'"),
    ([mc(virtual_pos=1)], "1 for 'virtual_pos'"),
    ([mc(at=0), mc(at=10)], "1 for 'from'"),
    ([mc(at=0, identity="a"), mc(at=10)], "'3.0.1.2' is used by 'a'"),
    ([{"at": 0, "kind": "dismiss", "identity": "zz"}], "'zz'"),
    ([DISMISS_B, dict(DISMISS_B, at=10)], "identity 'b' is dismissed"),
    ([dict(DISMISS_B, colour=1)], "'colour'"),
    ([DISMISS_B, {"at": 10, "kind": "arc_cost", "a": "a", "b": "b", "cost": 5}], "identity 'b' is dismissed"),
    ([{"at": 0, "kind": "arc_add", "a": "a", "b": "e", "cost": 5}, enter(at=100)],
     "identity 'e' does not exist yet"),
]
REFUSED_SCENARIOS = [
    ({**ENTER, "arcs": BASE["arcs"] + [{"a": "a", "b": "e", "cost": 5}]}, "'e' is created by an event"),
]
for scen, needle in [(with_events(*events), needle) for events, needle in REFUSED] + REFUSED_SCENARIOS:
    p = run(scen)
    err = p.stderr.strip()
    check(p.returncode == 2 and needle in err and "\n" not in err and p.stdout == "",
          "refused naming %s (rc %d: %s)" % (needle, p.returncode, err))

# arcs exist or not only in the simulation: refused there, still with exit 2, a named event, no output
for events, needle in [
        ([{"at": 10, "kind": "arc_remove", "a": "a", "b": "c"}], "events[0] (a–c): no such arc"),
        ([{"at": 10, "kind": "arc_cost", "a": "a", "b": "c", "cost": 9}], "events[0] (a–c): no such arc"),
        ([{"at": 10, "kind": "arc_add", "a": "a", "b": "b", "cost": 9}], "events[0] (a–b): arc exists"),
        ([{"at": 10, "kind": "arc_remove", "a": "a", "b": "b"},
          {"at": 20, "kind": "arc_remove", "a": "a", "b": "b"}], "events[1] (a–b): no such arc")]:
    p = run(with_events(*events))
    err = p.stderr.strip()
    check(p.returncode == 2 and needle in err and "\n" not in err and p.stdout == "",
          "arc event refused in the simulation: %s (rc %d: %s)" % (needle, p.returncode, err))

p = run(EXAMPLE, "--seed", "x")
check(p.returncode == 2 and "--seed" in p.stderr, "bad --seed rejected")
p = run(EXAMPLE, "--what")
check(p.returncode == 2 and "--what" in p.stderr, "unknown option rejected")
sys.exit(0 if ok else 1)
