#!/usr/bin/env python3
# test-ntkd.py — ntkd over real links: three lab systems (own bus, polkitd, ntk-helper, ntkd as user ntkd) on
# one segment discover each other, accept arcs, duplicate and remove an identity, survive bad packets.
# Must not: send traffic anywhere but inside the lab's namespaces (root; skips otherwise).
import json
import os
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "lab"))
from lab import Lab  # noqa: E402
from ntktest import BUILD, SHARED, Tap, eq  # noqa: E402

NTKCTL = os.path.join(BUILD, "clients/ntkctl/ntkctl")
KDUMP = os.path.join(SHARED, "conformance", "kdump")
PORT = 60269
MACS = ["00:16:3E:FD:E2:AA", "00:16:3E:EC:A3:E1", "00:16:3E:5B:78:D5"]  # α, β, γ of the documents


def wait_for(what, fn, timeout=20.0):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        last = fn()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


class Mesh:
    def __init__(self, lab):
        self.lab = lab

    def start(self, i):
        self.lab.start_ntk(i, BUILD, port=PORT)

    def stop_ntkd(self, i):
        self.lab.sh(i, "pkill -TERM -x ntkd; for n in $(seq 50); do pgrep -x ntkd >/dev/null || exit 0; "
                       "sleep 0.1; done; exit 1")

    def ctl(self, i, *args, user=None, check=True):
        p = self.lab.run(i, [NTKCTL, *args], user=user, check=False)
        if check and p.returncode != 0:
            raise AssertionError(f"sys{i}: ntkctl {' '.join(args)} failed: {p.stderr.strip()}")
        return p

    def json(self, i, verb):
        return json.loads(self.ctl(i, verb, "--json").stdout)

    def main_identity(self, i):
        return [x for x in self.json(i, "identities") if x["Main"]][0]

    def linklocal(self, i):
        return self.json(i, "interfaces")[0]["linklocal"]

    def sh(self, i, script, check=True):
        return self.lab.sh(i, script, check=check)


def discover(m):
    for i in (1, 2, 3):
        wait_for(f"sys{i} to see two arcs", lambda i=i: len(m.json(i, "arcs")) == 2)
    arcs = m.json(1, "arcs")
    eq(sorted(a["PeerMac"] for a in arcs), sorted(MACS[1:]), "sys1's neighbours")
    for a in arcs:
        assert 0 < a["Cost"] < 1_000_000, f"insane cost {a['Cost']} µs"
        assert a["Accepted"] is False
    routes = m.sh(1, "ip -4 route show table main").stdout
    for j in (2, 3):
        assert f"{m.linklocal(j)} dev eth1 proto ntk scope link src {m.linklocal(1)}" in routes, routes


def accept_on_both_ends(m):
    for i, j in ((1, 2), (2, 1), (1, 3), (3, 1), (2, 3), (3, 2)):
        m.ctl(i, "arc", "accept", "eth1", MACS[j - 1])
    for i in (1, 2, 3):
        wait_for(f"sys{i}'s identity arcs", lambda i=i: len(m.json(i, "identity-arcs")) == 2)
    mains = {i: m.main_identity(i)["Id"] for i in (1, 2, 3)}
    peers = sorted(a["PeerId"] for a in m.json(1, "identity-arcs"))
    eq(peers, sorted([mains[2], mains[3]]), "sys1's identity arcs point at the peers' main identities")
    for a in m.json(1, "arcs"):
        assert a["Accepted"] is True and 0 < a["Cost"] < 1_000_000, a


def cost_change_is_seen(m):
    m.ctl(1, "arc", "cost", "eth1", MACS[1], "5000")
    costs = {a["PeerMac"]: a["Cost"] for a in m.json(1, "arcs")}
    eq(costs[MACS[1]], 5000, "the fixed cost")
    assert costs[MACS[2]] != 5000
    m.ctl(1, "arc", "cost", "eth1", MACS[1], "0")  # back to the measured cost
    back = {a["PeerMac"]: a["Cost"] for a in m.json(1, "arcs")}[MACS[1]]
    assert back != 5000 and 0 < back < 1_000_000, f"cost after returning to the measured one: {back}"


def unprivileged_caller_cannot_accept(m):
    before = m.json(1, "arcs")
    p = m.ctl(1, "arc", "remove", "eth1", MACS[1], user="daemon", check=False)
    eq(p.returncode, 1, "exit status of a refused call")
    assert "denie" in p.stderr.lower() or "not authorized" in p.stderr.lower(), p.stderr
    p = m.ctl(1, "arc", "accept", "eth1", MACS[1], user="daemon", check=False)
    eq(p.returncode, 1, "exit status of a refused accept")
    eq(m.json(1, "arcs"), before, "arcs after refused calls")
    # reading is open to everybody
    eq(m.ctl(1, "arcs", "--json", user="daemon").returncode, 0, "read as nobody")


def bad_arguments_are_refused(m):
    """Ntkd1 refuses malformed or unknown arguments with their value named, and nothing changes."""
    before = (m.json(1, "arcs"), m.json(1, "identities"), m.json(1, "identity-arcs"))
    for args, needle in ((("arc", "accept", "eth1", "zz:zz"), "'zz:zz'"),
                         (("arc", "accept", "eth9", MACS[1]), "'eth9'"),
                         (("arc", "accept", "eth1", "02:00:00:00:00:99"), "02:00:00:00:00:99"),
                         (("arc", "cost", "eth1", MACS[1], "4000000000"), "4000000000"),
                         (("identity", "remove", m.main_identity(1)["Id"]), m.main_identity(1)["Id"]),
                         (("identity", "remove", "00000000000000ab"), "00000000000000ab"),
                         (("identity", "add", "99", m.main_identity(1)["Id"]), "migration 99 of")):
        p = m.ctl(1, *args, check=False)
        eq(p.returncode, 1, f"exit status of ntkctl {' '.join(args)}")
        assert needle in p.stderr, f"ntkctl {' '.join(args)}: {p.stderr.strip()!r} does not name {needle!r}"
    eq((m.json(1, "arcs"), m.json(1, "identities"), m.json(1, "identity-arcs")), before, "state after refusals")


def bad_packets_are_dropped(m):
    before_arcs = m.json(1, "arcs")
    ll1 = m.linklocal(1)
    junk = [b"", b"\x00", b"\xff" * 100, os.urandom(2000), b"\x08\x02" + b"\x10" * 50,
            bytes([0x08, 0x09]),                      # version 9, no body
            b"\x0a" + b"\xff\xff\xff\xff\x0f" + b"x"]  # length-delimited field claiming 4 GiB
    script = ("import socket,sys\n"
              "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
              f"s.setsockopt(socket.SOL_SOCKET,socket.SO_BINDTODEVICE,b'eth1')\n"
              f"for p in {junk!r}: s.sendto(p,('{ll1}',{PORT}))\n"
              # TCP: an oversized frame, then a truncated one
              f"t=socket.create_connection(('{ll1}',{PORT}),timeout=3)\n"
              "t.sendall(b'\\xff\\xff\\xff\\xff'+b'x'*64)\n"
              "t.close()\n"
              f"t=socket.create_connection(('{ll1}',{PORT}),timeout=3)\n"
              "t.sendall(b'\\x00\\x00\\x01\\x00abc')\n"
              "t.close()\n")
    m.lab.run(2, [sys.executable, "-c", script])
    time.sleep(1)
    assert m.sh(1, "pgrep -x ntkd >/dev/null", check=False).returncode == 0, "ntkd died"
    c = json.loads(m.lab.run(1, ["busctl", "--system", "--json=short", "get-property", "org.netsukuku.Ntkd1",
                                 "/org/netsukuku/Ntkd1", "org.netsukuku.Ntkd1.Manager", "Counters"]).stdout)["data"]
    dropped = sum(v for k, v in c.items() if k.startswith("rx-dropped-"))
    assert dropped >= 6, f"only {dropped} datagrams counted as dropped: {c}"
    eq([(a["PeerMac"], a["Accepted"]) for a in m.json(1, "arcs")],
       [(a["PeerMac"], a["Accepted"]) for a in before_arcs], "arcs after bad packets")


# ---- forged messages (a few protobuf fields encoded by hand, for the attacker's side of the tests) ----

def _varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def _field(num, wire_type, payload):
    return _varint(num << 3 | wire_type) + payload


def _ll(a):
    x = [int(p) for p in a.split(".")]
    return struct.pack("<I", x[0] << 24 | x[1] << 16 | x[2] << 8 | x[3])


def _mac(m):
    return bytes(int(x, 16) for x in m.split(":"))


def forged_envelope(body_field, your, my):
    """Envelope{version 1, sender my.id, body: ArcEnds(your → my)}; your/my = (node id, MAC, link-local)."""
    ends = (_field(1, 0, _varint(your[0])) + _field(2, 2, _varint(6) + _mac(your[1])) + _field(3, 5, _ll(your[2])) +
            _field(4, 0, _varint(my[0])) + _field(5, 2, _varint(6) + _mac(my[1])) + _field(6, 5, _ll(my[2])))
    return (_field(1, 0, _varint(1)) + _field(2, 0, _varint(my[0])) + _field(body_field, 2, _varint(len(ends)) + ends))


def counters(m, i):
    return json.loads(m.lab.run(i, ["busctl", "--system", "--json=short", "get-property", "org.netsukuku.Ntkd1",
                                    "/org/netsukuku/Ntkd1", "org.netsukuku.Ntkd1.Manager", "Counters"]).stdout)["data"]


def send_from(m, i, datagrams, dst="255.255.255.255"):
    script = ("import socket\n"
              "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
              "s.setsockopt(socket.SOL_SOCKET,socket.SO_BROADCAST,1)\n"
              "s.setsockopt(socket.SOL_SOCKET,socket.SO_BINDTODEVICE,b'eth1')\n"
              f"for p in {datagrams!r}: s.sendto(p,('{dst}',{PORT}))\n")
    m.lab.run(i, [sys.executable, "-c", script])


def node_id(m, i):
    return int(json.loads(m.lab.run(i, ["busctl", "--system", "--json=short", "get-property", "org.netsukuku.Ntkd1",
                                        "/org/netsukuku/Ntkd1", "org.netsukuku.Ntkd1.Manager", "NodeId"]).stdout)
               ["data"])


def forged_remove_arc_is_ignored(m):
    """sys3 claims to be sys2 and tells sys1 to remove their arc: the source address betrays it."""
    me1 = (node_id(m, 1), MACS[0], m.linklocal(1))
    me2 = (node_id(m, 2), MACS[1], m.linklocal(2))
    spoofed_before = counters(m, 1)["rx-spoofed"]
    send_from(m, 3, [forged_envelope(18, me1, me2)])  # field 18: remove_arc
    time.sleep(0.5)
    assert MACS[1] in [a["PeerMac"] for a in m.json(1, "arcs")], "sys1 lost its arc to sys2"
    assert f"{m.linklocal(2)} dev eth1" in m.sh(1, "ip -4 route show table main").stdout, "host route to sys2 gone"
    assert counters(m, 1)["rx-spoofed"] > spoofed_before, "the forged datagram was not counted"


def fake_neighbour_flood_takes_nothing(m):
    """200 would-be neighbours announced from sys3's address: no arc, no host route, no call on sys1."""
    me1 = (node_id(m, 1), MACS[0], m.linklocal(1))
    fakes = [forged_envelope(17, me1, (0x7000 + k, f"02:66:00:00:{k >> 8:02x}:{k & 255:02x}",
                                       f"169.254.{200 + k // 250}.{1 + k % 250}")) for k in range(200)]
    before = counters(m, 1)
    routes_before = m.sh(1, "ip -4 route show table main | wc -l").stdout
    send_from(m, 3, fakes)  # field 17: request_arc
    time.sleep(1)
    after = counters(m, 1)
    assert after["rx-spoofed"] - before["rx-spoofed"] >= 150, (before, after)
    eq(after["rpc-calls"], before["rpc-calls"], "calls started by the flood")
    eq(m.sh(1, "ip -4 route show table main | wc -l").stdout, routes_before, "host routes after the flood")
    eq(len(m.json(1, "arcs")), 2, "sys1's arcs")


def strangers_cannot_connect(m):
    """A TCP connection from an address that is no neighbour's is closed at once and counted."""
    m.sh(2, "ip address add 169.254.250.250/32 dev eth1 && ip route add "
            f"{m.linklocal(1)} dev eth1 src 169.254.250.250 table 100 && ip rule add from 169.254.250.250 table 100")
    before = counters(m, 1)["conn-refused"]
    script = ("import socket\n"
              "t=socket.socket(); t.bind(('169.254.250.250',0)); t.settimeout(3)\n"
              f"t.connect(('{m.linklocal(1)}',{PORT})); t.sendall(b'\\x00\\x00\\x00\\x02ab')\n"
              "print(t.recv(10))\n")
    out = m.lab.run(2, [sys.executable, "-c", script], check=False)
    m.sh(2, "ip rule del from 169.254.250.250 table 100; ip route flush table 100; "
            "ip address del 169.254.250.250/32 dev eth1")
    assert counters(m, 1)["conn-refused"] > before, out.stdout + out.stderr


def kernel_of(m, i):
    p = m.sh(i, f"{KDUMP} --out /run/ntk-sysrig/k.json >/dev/null && cat /run/ntk-sysrig/k.json")
    state = json.loads(p.stdout)
    state.pop("meta", None)
    return state


def duplicate_and_remove_identity(m):
    before = kernel_of(m, 1)
    old = m.main_identity(1)["Id"]
    m.ctl(1, "identity", "prepare", "7", old)
    new = m.ctl(1, "identity", "add", "7", old).stdout.strip()
    ids = {x["Id"]: x for x in m.json(1, "identities")}
    assert new in ids and ids[new]["Main"] and not ids[old]["Main"], ids
    eq(ids[old]["Namespace"], "ntkv0", "the old identity's namespace")
    real, pseudo, mac, ll = ids[old]["Interfaces"][0]
    eq((real, pseudo), ("eth1", "ntkv0_eth1"), "the old identity's pseudo-interface")

    ns = "ip netns exec ntkv0 "
    link = json.loads(m.sh(1, ns + "ip -j -d link show ntkv0_eth1").stdout)[0]
    eq(link["address"].upper(), mac, "the pseudo-interface's MAC")
    eq(link["linkinfo"]["info_kind"], "macvlan", "kind")
    for key, want in (("net.ipv4.ip_forward", "1"), ("net.ipv4.conf.all.rp_filter", "0"),
                      ("net.ipv4.conf.ntkv0_eth1.rp_filter", "0"), ("net.ipv4.conf.ntkv0_eth1.arp_ignore", "1"),
                      ("net.ipv4.conf.ntkv0_eth1.arp_announce", "2")):
        eq(m.sh(1, ns + f"sysctl -n {key}").stdout.strip(), want, key)
    routes = m.sh(1, ns + "ip -4 route show table main").stdout
    for j in (2, 3):
        assert f"{m.linklocal(j)} dev ntkv0_eth1 proto ntk scope link src {ll}" in routes, routes

    # the neighbours' identity arcs towards the old identity follow its new MAC and link-local
    for j in (2, 3):
        def moved(j=j):
            arcs = {a["PeerId"]: a for a in m.json(j, "identity-arcs")}
            return old in arcs and arcs[old]["PeerMac"] == mac and arcs[old]["PeerLinklocal"] == ll and \
                new in arcs and arcs[new]["PeerLinklocal"] == m.linklocal(1)
        wait_for(f"sys{j}'s identity arcs to follow", moved)
        assert f"{ll} dev eth1 proto ntk scope link src {m.linklocal(j)}" in \
            m.sh(j, "ip -4 route show table main").stdout, f"sys{j} has no host route to the moved identity"

    # removing it leaves nothing behind (kdump of the whole system as before the duplication)
    m.ctl(1, "identity", "remove", old)
    assert old not in {x["Id"] for x in m.json(1, "identities")}
    after = kernel_of(m, 1)
    eq(sorted(after["netns"].keys()), sorted(before["netns"].keys()), "namespaces after removal")
    eq(after["netns"]["default"], before["netns"]["default"], "default namespace after removal")
    eq(after.get("rt_tables"), before.get("rt_tables"), "rt_tables after removal")
    for j in (2, 3):
        wait_for(f"sys{j} to drop its route to the removed identity",
                 lambda j=j: f"{ll} dev eth1" not in m.sh(j, "ip -4 route show table main").stdout)


def stopped_peer_is_lost(m):
    ll3 = m.linklocal(3)
    m.stop_ntkd(3)
    wait_for("sys1 to lose its arc to sys3", lambda: MACS[2] not in [a["PeerMac"] for a in m.json(1, "arcs")])
    wait_for("sys1's host route to sys3 to go", lambda: ll3 not in m.sh(1, "ip -4 route show table main").stdout)
    assert MACS[2] not in [a["PeerMac"] for a in m.json(2, "arcs")], "sys2 still has an arc to sys3"
    # sys3 withdrew cleanly: no link-local, no host route left
    eq(m.sh(3, "ip -4 -o addr show dev eth1").stdout.strip(), "", "sys3's addresses after stop")
    assert "proto ntk" not in m.sh(3, "ip -4 route show table main").stdout


def main():
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root")
        return 77
    tap = Tap()
    with Lab(3, macs=MACS) as lab:
        m = Mesh(lab)
        try:
            for i in (1, 2, 3):
                m.start(i)
            tap.case("three systems discover each other (arcs, sane costs, host routes)", discover, m)
            tap.case("arcs accepted on both ends get identity arcs to the peers' main identities",
                     accept_on_both_ends, m)
            tap.case("changing a cost on one end is seen", cost_change_is_seen, m)
            tap.case("an unprivileged caller cannot accept or remove arcs", unprivileged_caller_cannot_accept, m)
            tap.case("bad D-Bus arguments are refused, named, and change nothing", bad_arguments_are_refused, m)
            tap.case("malformed, oversized, truncated, unknown-version packets are dropped and counted",
                     bad_packets_are_dropped, m)
            tap.case("a forged remove_arc (wrong source) does not tear down an arc", forged_remove_arc_is_ignored, m)
            tap.case("a flood of forged would-be neighbours takes no arc, route or call",
                     fake_neighbour_flood_takes_nothing, m)
            tap.case("TCP from an address that is no neighbour's is refused", strangers_cannot_connect, m)
            tap.case("duplicating an identity: namespace, macvlan, sysctls, routes; neighbours follow; removal "
                     "leaves nothing", duplicate_and_remove_identity, m)
            tap.case("a stopped peer's arc is lost and its host route removed", stopped_peer_is_lost, m)
        finally:
            for i in (1, 2, 3):
                log = lab.sh(i, "cat /run/ntk-sysrig/ntkd.log /run/ntk-sysrig/helper.log 2>/dev/null",
                             check=False).stdout
                if any(not ok for ok, _, _ in tap.results):
                    for line in log.splitlines()[-25:]:
                        print(f"# sys{i}: {line}")
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
