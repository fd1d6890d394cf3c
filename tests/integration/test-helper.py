#!/usr/bin/env python3
# test-helper.py — ntk-helper on a real bus with a real polkitd inside a throw-away system (run it through
# ntk-sysrig): every op kind read back from the kernel, every refusal leaves the kernel unchanged, callers
# are checked, the ledger survives a restart. Must not: run outside a rig (it changes its namespace).
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ntktest import (CLIENT, SRC, Helper, Tap, apply, call, eq, ipj, kernel_snapshot, run, same_kernel,  # noqa: E402
                     sh)

MAC_G = "00:16:3E:5B:78:D5"
TABLE_G = f"ntk_from_{MAC_G}"
RT_NTK = '(echo; echo "251 ntk # xxx_table_ntk_xxx") | tee -a /etc/iproute2/rt_tables >/dev/null'
RT_G = f'(echo; echo "250 {TABLE_G} # xxx_table_{TABLE_G}_xxx") | tee -a /etc/iproute2/rt_tables >/dev/null'


def iptables_rules(table, netns=None):
    pre = ["ip", "netns", "exec", netns] if netns else []
    out = run(*pre, "iptables-legacy-save", "-t", table).stdout
    return [l for l in out.splitlines() if l.startswith("-A ")]


def setup_links():
    sh("ip link add eth1 type veth peer name eth1p; ip link set eth1p up; ip link add eth9 type veth peer name eth9p")
    sh("ip link set dev eth1 address 00:16:3E:EC:A3:E1")


# ---------------------------------------------------------------- the interface is the documented one

def introspection_matches_xml():
    doc = ET.parse(os.path.join(SRC, "dbus/org.netsukuku.Helper1.xml")).getroot()
    live = ET.fromstring(run("busctl", "--system", "introspect", "--xml-interface", "org.netsukuku.Helper1",
                             "/org/netsukuku/Helper1").stdout)

    def members(root):
        iface = [i for i in root.iter("interface") if i.get("name") == "org.netsukuku.Helper1"]
        assert iface, "interface org.netsukuku.Helper1 not found"
        out = {}
        for m in iface[0]:
            if m.tag == "method":
                out["method " + m.get("name")] = [(a.get("name"), a.get("type"), a.get("direction") or "in")
                                                  for a in m.iter("arg")]
            elif m.tag == "property":
                out["property " + m.get("name")] = [(m.get("type"), m.get("access"))]
        return out
    eq(members(live), members(doc), "introspected interface vs dbus/org.netsukuku.Helper1.xml")


# ---------------------------------------------------------------- each op kind, read back

def op_kinds_read_back():
    apply("", [RT_NTK, RT_G, "ip rule add table ntk", "sysctl net.ipv4.ip_forward=1",
               "sysctl net.ipv4.conf.all.rp_filter=0", "sysctl net.ipv4.conf.eth1.rp_filter=0",
               "sysctl net.ipv4.conf.eth1.arp_ignore=1", "sysctl net.ipv4.conf.eth1.arp_announce=2",
               "ip link set dev eth1 up", "ip address add 10.0.0.32 dev lo", "ip address add 169.254.96.141 dev eth1",
               "ip address add 10.0.0.10 dev eth1", "ip route add 169.254.94.223 dev eth1 src 169.254.96.141",
               "ip route add unreachable 10.0.0.0/29 table ntk", "ip route add unreachable 10.0.0.16/29 table ntk",
               "ip route change 10.0.0.16/29 table ntk via 169.254.94.223 dev eth1 src 10.0.0.10",
               f"ip route add unreachable 10.0.0.40/32 table {TABLE_G}",
               f"ip route change blackhole 10.0.0.40/32 table {TABLE_G}",
               f"iptables -t mangle -A PREROUTING -m mac --mac-source {MAC_G} -j MARK --set-mark 250",
               f"ip rule add fwmark 250 table {TABLE_G}",
               "iptables -t nat -A POSTROUTING -d 10.0.0.64/27 -j SNAT --to 10.0.0.10",
               "iptables -t nat -A PREROUTING -d 10.0.0.48/31 -j NETMAP --to 10.0.0.40/31",
               "iptables -t nat -A POSTROUTING -d 10.0.0.48/30 -s 10.0.0.40/31 -j NETMAP --to 10.0.0.48/31"])

    eq(open("/etc/iproute2/rt_tables.d/ntk.conf").read().split("\n")[1:3], ["251 ntk", f"250 {TABLE_G}"],
       "rt_tables drop-in")
    eq(run("sysctl", "-n", "net.ipv4.conf.eth1.arp_announce").stdout.strip(), "2", "arp_announce")
    eq(run("sysctl", "-n", "net.ipv4.conf.eth1.arp_ignore").stdout.strip(), "1", "arp_ignore")
    assert "UP" in ipj("link", "show", "eth1")[0]["flags"], "eth1 is not up"
    addrs = [a["local"] for a in ipj("-4", "addr", "show", "dev", "eth1")[0]["addr_info"]]
    eq(addrs, ["169.254.96.141", "10.0.0.10"], "eth1 addresses")
    assert any(a["local"] == "10.0.0.32" for a in ipj("-4", "addr", "show", "dev", "lo")[0]["addr_info"])

    ntk = {r["dst"]: r for r in ipj("-4", "route", "show", "table", "ntk")}
    eq(ntk["10.0.0.0/29"]["type"], "unreachable", "unreachable route")
    eq((ntk["10.0.0.16/29"].get("gateway"), ntk["10.0.0.16/29"].get("dev"), ntk["10.0.0.16/29"].get("prefsrc")),
       ("169.254.94.223", "eth1", "10.0.0.10"), "changed route")
    eq(ntk["10.0.0.16/29"].get("protocol"), "ntk", "routes carry protocol ntk")
    eq(ipj("-4", "route", "show", "table", TABLE_G)[0]["type"], "blackhole", "blackhole route")
    main = [r for r in ipj("-4", "route", "show", "table", "main") if r["dst"] == "169.254.94.223"]
    eq((main[0]["dev"], main[0]["prefsrc"]), ("eth1", "169.254.96.141"), "host route to the neighbour")

    rules = ipj("-4", "rule")
    eq([(r.get("fwmark"), r["table"]) for r in rules if r["table"] not in ("local", "main", "default")],
       [("0xfa", TABLE_G), (None, "ntk")], "rules, later ones first")
    eq(iptables_rules("mangle"), ["-A PREROUTING -m comment --comment ntk -j ntk-PREROUTING",
                                  "-A ntk-PREROUTING -m mac --mac-source 00:16:3e:5b:78:d5 -m comment --comment ntk "
                                  "-j MARK --set-xmark 0xfa/0xffffffff"], "mangle")
    nat = iptables_rules("nat")
    for want in ("-A ntk-POSTROUTING -d 10.0.0.64/27 -m comment --comment ntk -j SNAT --to-source 10.0.0.10",
                 "-A ntk-PREROUTING -d 10.0.0.48/31 -m comment --comment ntk -j NETMAP --to 10.0.0.40/31",
                 "-A ntk-POSTROUTING -s 10.0.0.40/31 -d 10.0.0.48/30 -m comment --comment ntk -j NETMAP "
                 "--to 10.0.0.48/31"):
        assert want in nat, f"missing nat rule {want!r} in {nat}"

    # and the removals
    apply("", [f"ip rule del fwmark 250 table {TABLE_G}", f"ip route flush table {TABLE_G}",
               f"iptables -t mangle -D PREROUTING -m mac --mac-source {MAC_G} -j MARK --set-mark 250",
               "iptables -t nat -D POSTROUTING -d 10.0.0.64/27 -j SNAT --to 10.0.0.10",
               "ip route del 10.0.0.16/29 table ntk", "ip address del 10.0.0.10/32 dev eth1",
               "ip route del 169.254.94.223 dev eth1 src 169.254.96.141",
               f"sed -i '/xxx_table_{TABLE_G}_xxx/d' /etc/iproute2/rt_tables"])
    eq(ipj("-4", "route", "show", "table", "250"), [], "flushed table")
    eq([r["dst"] for r in ipj("-4", "route", "show", "table", "ntk")], ["10.0.0.0/29"], "table ntk after del")
    eq(iptables_rules("mangle"), [], "mangle after deleting the only mark (chain and jump removed)")
    assert TABLE_G not in open("/etc/iproute2/rt_tables.d/ntk.conf").read(), "table name not released"


def namespace_and_pseudo_interface():
    call("CreateNamespace", "s", "ntkv0")
    mac = call("CreatePseudoInterface", "ssss", "eth1", "ntkv0_eth1", "", "ntkv0")["data"][0]
    assert re.fullmatch(r"([0-9A-F]{2}:){5}[0-9A-F]{2}", mac), f"bad MAC {mac}"
    apply("ntkv0", ["sysctl net.ipv4.ip_forward=1", "sysctl net.ipv4.conf.all.rp_filter=0",
                    "sysctl net.ipv4.conf.ntkv0_eth1.rp_filter=0", "ip link set dev ntkv0_eth1 up",
                    "ip address add 169.254.215.29 dev ntkv0_eth1",
                    "ip route add 169.254.94.223 dev ntkv0_eth1 src 169.254.215.29"])
    links = ipj("-d", "link", "show", "ntkv0_eth1", netns="ntkv0")
    eq(links[0]["address"].upper(), mac, "MAC reported vs kernel")
    eq(links[0]["linkinfo"]["info_kind"], "macvlan", "kind")
    # D3 fixed: the sysctls land in the new namespace, the default one is untouched
    eq(run("ip", "netns", "exec", "ntkv0", "sysctl", "-n", "net.ipv4.conf.all.rp_filter").stdout.strip(), "0",
       "rp_filter inside")
    eq([o for o in call("State", "s", "ntkv0")["data"][0]],
       [["link", "ntkv0_eth1", "parent=eth1 netns=ntkv0"]], "State(ntkv0)")
    assert "ntkv0" in call("ListNamespaces")["data"][0]
    assert "ntkv0" in run("ip", "netns", "list").stdout, "not visible to ip netns"
    # the documented seed MAC can be pinned on our own pseudo-interface
    apply("ntkv0", ["ip link set dev ntkv0_eth1 address 00:16:3E:EE:AF:D1"])
    eq(ipj("link", "show", "ntkv0_eth1", netns="ntkv0")[0]["address"], "00:16:3e:ee:af:d1", "pinned MAC")


def open_socket_in_namespace():
    st = os.stat("/run/netns/ntkv0")
    r = json.loads(run(CLIENT, "open-socket", "ntkv0", "ntkv0_eth1", "udp", "269").stdout)
    eq(r["error"], None, "OpenSocket error")
    eq((r["port"], r["device"], r["type"], r["netns_inode"]), (269, "ntkv0_eth1", "udp", st.st_ino),
       "udp socket inside ntkv0")
    r = json.loads(run(CLIENT, "open-socket", "", "eth1", "tcp-listen", "269").stdout)
    eq((r["error"], r["listening"], r["device"]), (None, True, "eth1"), "listening tcp socket")
    r = json.loads(run(CLIENT, "open-socket", "", "eth1", "udp", "22").stdout)
    assert "NotOurs" in r["error"] and "port 22" in r["error"], r["error"]
    r = json.loads(run(CLIENT, "open-socket", "", "eth9", "udp", "269").stdout)
    assert "NotOurs" in r["error"] and "'eth9'" in r["error"], r["error"]


# ---------------------------------------------------------------- refusals change nothing

REFUSALS = [
    ("", ["ip route add unreachable 10.0.0.0/29 table main"], "NotOurs", "table main"),
    ("", ["ip route add unreachable 10.0.0.0/29 table local"], "NotOurs", "'local'"),
    ("", ["ip route add unreachable 10.0.0.0/29 table default"], "NotOurs", "'default'"),
    ("", ["ip rule add fwmark 5 table main"], "NotOurs", "'main'"),
    ("", ["ip rule add fwmark 100 table 100"], "NotOurs", "'100'"),
    ("foreign", ["ip link set dev lo up"], "NotOurs", "'foreign'"),
    ("", ["ip netns del foreign"], "NotOurs", "'foreign'"),
    ("", ["ip link set dev eth9 up"], "NotOurs", "'eth9'"),
    ("", ["ip address add 10.0.0.26 dev eth9"], "NotOurs", "'eth9'"),
    ("", ["ip address add 192.168.7.7 dev eth1"], "NotOurs", "192.168.7.7"),
    ("", ["sysctl net.ipv4.conf.all.forwarding=1"], "NotOurs", "net.ipv4.conf.all.forwarding"),
    ("", ["sysctl net.core.somaxconn=1"], "NotOurs", "net.core.somaxconn"),
    ("", ["ip route add unreachable 10.0.0.1/29 table ntk"], "InvalidArgument", "10.0.0.1/29"),
    ("", ["iptables -t mangle -A PREROUTING -m mac --mac-source 00:16:3E:5B:78 -j MARK --set-mark 250"],
     "InvalidArgument", "00:16:3E:5B:78"),
    ("", ["ip netns add bad/name"], "InvalidArgument", "bad/name"),
    ("", ["ip link add dev waytoolongname0123 link eth1 type macvlan"], "InvalidArgument", "waytoolongname0123"),
    # a good op followed by a bad one: nothing at all happens
    ("", ["ip route add unreachable 10.0.0.8/29 table ntk", "ip route add unreachable 10.0.0.8/29 table local"],
     "NotOurs", "op 1"),
]


def refusal_leaves_kernel_unchanged(netns, ops, error_name, needle):
    before = kernel_snapshot()
    r = apply(netns, ops, check=False)
    assert "error" in r, f"accepted: {ops}"
    assert r["error"].startswith(f"org.netsukuku.Helper1.Error.{error_name}:"), r["error"]
    assert needle in r["error"], f"error {r['error']!r} does not repeat {needle!r}"
    same_kernel(before, kernel_snapshot(), "kernel state after the refusal")


def typed_method_refusals():
    before = kernel_snapshot()
    for method, sig, args, needle in [
            ("CreatePseudoInterface", "ssss", ("eth9", "mv0", "", ""), "'eth9'"),
            ("CreatePseudoInterface", "ssss", ("eth1", "mv0", "01:00:5E:00:00:01", ""), "01:00:5E:00:00:01"),
            ("CreatePseudoInterface", "ssss", ("eth1", "mv0", "", "foreign"), "'foreign'"),
            ("DeleteNamespace", "s", ("foreign",), "'foreign'"),
            ("DeletePseudoInterface", "ss", ("", "eth1"), "'eth1'"),
            ("CreateNamespace", "s", ("a b",), "'a b'")]:
        r = call(method, sig, *args, check=False)
        assert "error" in r, f"{method}{args} accepted"
        assert needle in r["error"], f"{method}: {r['error']!r} does not repeat {needle!r}"
    same_kernel(before, kernel_snapshot(), "kernel state after refused typed calls")


def oversized_batch_refused():
    before = kernel_snapshot()
    r = apply("", ["ip route add unreachable 10.0.0.0/29 table ntk"] * 131073, summary=True, check=False)
    assert "error" in r and "131073" in r["error"] and "InvalidArgument" in r["error"], r
    same_kernel(before, kernel_snapshot(), "kernel state after an oversized batch")


def kernel_error_reported_per_op():
    r = apply("", ["ip route add unreachable 10.0.0.24/29 table ntk",
                   "ip route change unreachable 10.0.0.200/29 table ntk",
                   "ip route add unreachable 10.0.0.32/29 table ntk"], check=False)
    eq(r["results"][0], 0, "first op")
    eq(r["results"][1], -2, "change of a missing route: -ENOENT")
    eq(r["results"][2], 0, "third op still applied")
    assert "op 1" in r["message"] and "10.0.0.200/29" in r["message"], r["message"]
    dsts = [x["dst"] for x in ipj("-4", "route", "show", "table", "ntk")]
    assert "10.0.0.24/29" in dsts and "10.0.0.32/29" in dsts, dsts


# ---------------------------------------------------------------- regressions of the security review

def failed_structural_op_cancels_the_rest():
    """A link add that fails (the name is a host interface) must not make that interface ours for the ops
    after it in the same batch (they were confined assuming the add would succeed)."""
    sh("ip link add hostx type veth peer name hostxp")
    mac = ipj("link", "show", "hostx")[0]["address"]
    before = kernel_snapshot()
    r = apply("", ["ip link add dev hostx link eth1 type macvlan", "ip link set dev hostx address 02:11:22:33:44:55",
                   "ip address add 169.254.7.7 dev hostx", "ip link delete hostx type macvlan"], check=False)
    eq(r["results"], [-17, -125, -125, -125], "results (EEXIST, then ECANCELED)")
    eq(ipj("link", "show", "hostx")[0]["address"], mac, "host interface's MAC")
    same_kernel(before, kernel_snapshot(), "kernel state")
    assert "hostx" not in json.dumps(call("State", "s", "*")["data"]), "hostx entered the ledger"
    r = call("CreatePseudoInterface", "ssss", "eth1", "hostx", "02:AA:BB:CC:DD:EE", "", check=False)
    assert "error" in r, r
    eq(ipj("link", "show", "hostx")[0]["address"], mac, "host interface's MAC after CreatePseudoInterface")
    sh("ip link del hostx")


def replaced_namespace_is_not_ours():
    call("CreateNamespace", "s", "ntkd0")
    sh("ip netns del ntkd0; ip netns add ntkd0")  # somebody else's namespace under our name
    r = apply("ntkd0", ["sysctl net.ipv4.ip_forward=1"], check=False)
    assert "error" in r and "Stale" in r["error"], r
    eq(run("ip", "netns", "exec", "ntkd0", "sysctl", "-n", "net.ipv4.ip_forward").stdout.strip(), "0",
       "the impostor's sysctl")
    call("DeleteNamespace", "s", "ntkd0")  # forgets ours, leaves theirs
    assert "ntkd0" in run("ip", "netns", "list").stdout, "the impostor namespace was deleted"
    assert "ntkd0" not in call("ListNamespaces")["data"][0]
    sh("ip netns del ntkd0")


def symlinked_namespace_is_refused():
    call("CreateNamespace", "s", "ntkd1")
    sh("umount /run/netns/ntkd1; rm /run/netns/ntkd1; ln -s /run/netns/foreign /run/netns/ntkd1")
    r = apply("ntkd1", ["sysctl net.ipv4.ip_forward=1"], check=False)
    assert "error" in r, r
    eq(run("ip", "netns", "exec", "foreign", "sysctl", "-n", "net.ipv4.ip_forward").stdout.strip(), "0",
       "the foreign namespace's sysctl")
    call("DeleteNamespace", "s", "ntkd1")
    eq(run("ip", "netns", "exec", "foreign", "true", check=False).returncode, 0, "foreign still usable")
    sh("rm -f /run/netns/ntkd1")


def link_gone_by_hand_does_not_block_deletion():
    call("CreateNamespace", "s", "ntkd2")
    call("CreatePseudoInterface", "ssss", "eth1", "ntkd2_eth1", "", "ntkd2")
    sh("ip netns exec ntkd2 ip link del ntkd2_eth1")
    call("DeleteNamespace", "s", "ntkd2")
    assert "ntkd2" not in json.dumps(call("State", "s", "*")["data"]), "stale entries left"


def unwritable_drop_in_fails_the_call():
    sh("mv /etc/iproute2/rt_tables.d /etc/iproute2/rt_tables.d.saved; touch /etc/iproute2/rt_tables.d")
    try:
        r = apply("", ['(echo; echo "249 ntk_from_00:16:3E:00:00:09 # xxx_table_ntk_from_00:16:3E:00:00:09_xxx")'
                       ' | tee -a /etc/iproute2/rt_tables >/dev/null'], check=False)
        assert "rt_tables.d" in r.get("message", ""), r
    finally:
        sh("rm -f /etc/iproute2/rt_tables.d; mv /etc/iproute2/rt_tables.d.saved /etc/iproute2/rt_tables.d")


# ---------------------------------------------------------------- callers

def callers_are_checked():
    before = kernel_snapshot()
    r = apply("", ["ip route add unreachable 10.0.0.40/29 table ntk"], user="nobody", check=False)
    assert "error" in r and r["error"].startswith("org.freedesktop.DBus.Error.AccessDenied"), r
    same_kernel(before, kernel_snapshot(), "kernel state after a call from nobody")
    r = apply("", ["ip route add unreachable 10.0.0.40/29 table ntk"], user="ntkd")
    assert "10.0.0.40/29" in [x["dst"] for x in ipj("-4", "route", "show", "table", "ntk")], "ntkd's route"


def ntkd_denied_without_polkit_grant():
    """Run in a rig without our polkit rules (or without polkitd): ntkd passes the bus policy but
    polkit does not authorize it, and nothing changes."""
    apply("", [RT_NTK])
    before = kernel_snapshot()
    r = apply("", ["ip route add unreachable 10.0.0.0/29 table ntk"], user="ntkd", check=False)
    assert "error" in r and r["error"].startswith("org.freedesktop.DBus.Error.AccessDenied") and \
        "polkit" in r["error"], r
    same_kernel(before, kernel_snapshot(), "kernel state after the denied call")


# ---------------------------------------------------------------- restart

def ledger_survives_restart(helper):
    before = call("State", "s", "*")["data"][0]
    assert ["namespace", "ntkv0", ""] in before, before
    helper.kill()
    helper.start()
    eq(call("State", "s", "*")["data"][0], before, "State after SIGKILL and restart")
    call("DeleteNamespace", "s", "ntkv0")
    assert "ntkv0" not in run("ip", "netns", "list").stdout, "namespace still there"
    eq(ipj("link", "show", "type", "macvlan"), [], "macvlans left behind")
    assert ["namespace", "ntkv0", ""] not in call("State", "s", "*")["data"][0]


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "main"
    tap = Tap()
    setup_links()
    sh("ip netns add foreign")  # somebody else's namespace
    helper = Helper()
    try:
        if mode == "main":
            tap.case("introspection matches dbus/org.netsukuku.Helper1.xml", introspection_matches_xml)
            tap.case("each op kind is applied and read back from the kernel", op_kinds_read_back)
            tap.case("namespace and pseudo-interface with sysctls inside the namespace",
                     namespace_and_pseudo_interface)
            tap.case("OpenSocket passes a socket bound inside the namespace", open_socket_in_namespace)
            for netns, ops, name, needle in REFUSALS:
                tap.case(f"refused without a trace: {ops[-1]} in {netns or 'default'}",
                         refusal_leaves_kernel_unchanged, netns, ops, name, needle)
            tap.case("refused typed calls leave the kernel unchanged", typed_method_refusals)
            tap.case("an oversized batch is refused and changes nothing", oversized_batch_refused)
            tap.case("a kernel error is reported for its op only", kernel_error_reported_per_op)
            tap.case("a failed structural op cancels the rest of its batch", failed_structural_op_cancels_the_rest)
            tap.case("a namespace replaced under our name is not ours", replaced_namespace_is_not_ours)
            tap.case("a symlink in /run/netns is not followed", symlinked_namespace_is_refused)
            tap.case("a link deleted by hand does not block DeleteNamespace",
                     link_gone_by_hand_does_not_block_deletion)
            tap.case("a drop-in that cannot be written fails the call", unwritable_drop_in_fails_the_call)
            tap.case("nobody is refused by the bus, ntkd is allowed by polkit", callers_are_checked)
            tap.case("helper killed and restarted: ledger intact, deletion works", ledger_survives_restart,
                     helper)
        elif mode == "no-grant":
            tap.case("ntkd is denied when polkit does not grant it", ntkd_denied_without_polkit_grant)
        else:
            raise SystemExit(f"unknown mode {mode}")
    finally:
        helper.stop()
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
