/* test-confine.c — ntk-helper's confinement without root: what is ntk's is accepted, everything else is
 * refused with a message naming it, and a refused batch leaves the ledger state untouched. */
#include <errno.h>
#include <glib.h>

#include "confine.h"

static HelperConfig config(void)
{
        HelperConfig c;
        NtkErr e;
        if (helper_config_parse("[Helper]\nManagedInterfaces=eth1 eth2\nNetsukukuRange=10.0.0.0/8\nPorts=269\n", &c,
                    &e) < 0)
                g_error("%s", e.msg);
        return c;
}

/* State after the documented start-up and one forwarding table plus a connectivity namespace. */
static HelperState documented_state(void)
{
        HelperState s = {};
        const char *setup[] = {
                "(echo; echo \"251 ntk # xxx_table_ntk_xxx\") | tee -a /etc/iproute2/rt_tables >/dev/null",
                "(echo; echo \"250 ntk_from_00:16:3E:5B:78:D5 # xxx_table_ntk_from_00:16:3E:5B:78:D5_xxx\") | "
                "tee -a /etc/iproute2/rt_tables >/dev/null",
                "ip netns add migr01",
                "ip link add dev migr01_eth1 link eth1 type macvlan",
                "ip link set dev migr01_eth1 netns migr01",
        };
        for (size_t i = 0; i < G_N_ELEMENTS(setup); i++) {
                NtkOp op;
                char ns[NTK_NAME_MAX];
                g_assert_cmpint(ntk_op_parse(setup[i], ns, &op, NULL), ==, 0);
                g_assert_cmpint(state_record(&s, ns, &op), ==, 0);
        }
        return s;
}

static ConfineVerdict check(const char *netns, const char *line, NtkErr *e)
{
        HelperConfig c = config();
        HelperState s = documented_state();
        NtkOp op;
        char ns[NTK_NAME_MAX];
        NtkErr pe;

        if (ntk_op_parse(line, ns, &op, &pe) < 0)
                g_error("test line does not parse: %s: %s", line, pe.msg);
        return confine_op(&c, &s, netns, &op, e);
}

static void assert_ok(const char *netns, const char *line)
{
        NtkErr e = { "" };
        if (check(netns, line, &e) != CONFINE_OK)
                g_error("refused '%s' in '%s': %s", line, netns, e.msg);
}

static void assert_refused(const char *netns, const char *line, ConfineVerdict want, const char *needle)
{
        NtkErr e = { "" };
        ConfineVerdict v = check(netns, line, &e);
        if (v != want)
                g_error("'%s' in '%s': verdict %d, want %d (%s)", line, netns, v, want, e.msg);
        if (!strstr(e.msg, needle))
                g_error("'%s': message '%s' does not repeat '%s'", line, e.msg, needle);
}

static void test_confine_accepts_the_documented_operations(void)
{
        assert_ok("", "ip route add unreachable 10.0.0.0/29 table ntk");
        assert_ok("", "ip route change 10.0.0.22/32 table ntk via 169.254.94.223 dev eth1 src 10.0.0.23");
        assert_ok("", "ip route change blackhole 10.0.0.41/32 table ntk_from_00:16:3E:5B:78:D5");
        assert_ok("", "ip route add 169.254.94.223 dev eth1 src 169.254.96.141");
        assert_ok("", "ip route del 169.254.215.29 dev eth1 src 169.254.94.223");
        assert_ok("", "ip rule add table ntk");
        assert_ok("", "ip rule add fwmark 250 table ntk_from_00:16:3E:5B:78:D5");
        assert_ok("", "ip address add 10.0.0.32 dev lo");
        assert_ok("", "ip address add 169.254.69.30 dev eth1");
        assert_ok("", "ip address del 10.0.0.10/32 dev eth1");
        assert_ok("", "sysctl net.ipv4.ip_forward=1");
        assert_ok("", "sysctl net.ipv4.conf.eth1.arp_announce=2");
        assert_ok("", "ip link set dev eth1 up");
        assert_ok("", "iptables -t mangle -A PREROUTING -m mac --mac-source 00:16:3E:5B:78:D5 -j MARK --set-mark 250");
        assert_ok("", "iptables -t nat -A POSTROUTING -d 10.0.0.64/27 -j SNAT --to 10.0.0.26");
        assert_ok("", "iptables -t nat -A POSTROUTING -d 10.0.0.48/30 -s 10.0.0.40/31 -j NETMAP --to 10.0.0.48/31");
        assert_ok("", "ip route flush table ntk_from_00:16:3E:5B:78:D5");
        /* inside the connectivity namespace, on its pseudo-interface (D3 fixed: sysctls there) */
        assert_ok("migr01", "sysctl net.ipv4.ip_forward=1");
        assert_ok("migr01", "sysctl net.ipv4.conf.migr01_eth1.rp_filter=0");
        assert_ok("migr01", "ip link set dev migr01_eth1 up");
        assert_ok("migr01", "ip address add 169.254.27.218 dev migr01_eth1");
        assert_ok("migr01", "ip route add 169.254.69.30 dev migr01_eth1 src 169.254.27.218");
        assert_ok("migr01",
                "ip route change 10.0.0.16/30 table ntk_from_00:16:3E:5B:78:D5 via 169.254.69.30 dev migr01_eth1");
        assert_ok("migr01", "ip route flush table main");
        assert_ok("migr01", "ip link delete migr01_eth1 type macvlan");
        /* not while it still holds our macvlan (an open socket could keep it, and the macvlan, alive) */
        assert_refused("", "ip netns del migr01", CONFINE_INVALID, "still holds pseudo-interfaces");
}

static void test_confine_refuses_foreign_objects(void)
{
        assert_refused("", "ip route add unreachable 10.0.0.0/29 table local", CONFINE_NOT_OURS, "'local'");
        assert_refused("", "ip route add unreachable 10.0.0.0/29 table default", CONFINE_NOT_OURS, "'default'");
        assert_refused("", "ip route add unreachable 10.0.0.0/29 table 100", CONFINE_NOT_OURS, "'100'");
        assert_refused("", "ip route add 10.0.0.0/29 dev eth1", CONFINE_NOT_OURS, "10.0.0.0/29 in table main");
        assert_refused("", "ip route add 169.254.0.0/16 dev eth1", CONFINE_NOT_OURS, "169.254.0.0/16");
        assert_refused("", "ip route add 169.254.9.9 via 169.254.1.1 dev eth1", CONFINE_NOT_OURS, "169.254.9.9/32");
        assert_refused("", "ip route flush table main", CONFINE_NOT_OURS, "table main");
        assert_refused("", "ip rule add fwmark 5 table main", CONFINE_NOT_OURS, "'main'");
        assert_refused("", "ip rule add fwmark 251 table ntk_from_00:16:3E:5B:78:D5", CONFINE_NOT_OURS, "251");
        assert_refused("", "ip rule add table ntk_from_00:16:3E:5B:78:D5", CONFINE_NOT_OURS, "ntk_from_00:16:3E:5B:78:D5");
        assert_refused("elsewhere", "ip route add unreachable 10.0.0.0/29 table ntk", CONFINE_NOT_OURS, "'elsewhere'");
        assert_refused("", "ip netns del someone", CONFINE_NOT_OURS, "'someone'");
        assert_refused("", "ip link set dev eth0 up", CONFINE_NOT_OURS, "'eth0'");
        assert_refused("", "ip address add 10.0.0.26 dev eth0", CONFINE_NOT_OURS, "'eth0'");
        assert_refused("", "ip link delete eth1 type macvlan", CONFINE_NOT_OURS, "'eth1'");
        assert_refused("", "ip link add dev mv0 link eth0 type macvlan", CONFINE_NOT_OURS, "'eth0'");
        assert_refused("", "ip link add dev eth2 link eth1 type macvlan", CONFINE_INVALID, "'eth2'");
        assert_refused("migr01", "ip link set dev eth1 up", CONFINE_NOT_OURS, "'eth1'"); /* eth1 is not in migr01 */
        assert_refused("", "ip address add 192.168.1.1 dev eth1", CONFINE_NOT_OURS, "192.168.1.1/32");
        assert_refused("", "ip address add 169.254.1.1 dev lo", CONFINE_NOT_OURS, "169.254.1.1/32");
        assert_refused("", "ip address add 10.0.0.0/8 dev eth1", CONFINE_INVALID, "10.0.0.0/8");
        assert_refused("", "ip route add unreachable 192.168.0.0/24 table ntk", CONFINE_NOT_OURS, "192.168.0.0/24");
        assert_refused("", "ip route add unreachable 0.0.0.0/0 table ntk", CONFINE_NOT_OURS, "0.0.0.0/0");
        assert_refused("", "ip route change 10.0.0.0/29 table ntk via 192.168.1.1 dev eth1", CONFINE_NOT_OURS,
                "192.168.1.1");
        assert_refused("", "sysctl net.ipv4.conf.all.forwarding=1", CONFINE_NOT_OURS, "net.ipv4.conf.all.forwarding");
        assert_refused("", "sysctl net.core.rmem_max=1", CONFINE_NOT_OURS, "net.core.rmem_max");
        assert_refused("", "sysctl net.ipv4.conf.eth0.rp_filter=0", CONFINE_NOT_OURS, "'eth0'");
        assert_refused("", "sysctl net.ipv4.ip_forward=7", CONFINE_INVALID, "'7'");
        assert_refused("", "iptables -t mangle -A PREROUTING -m mac --mac-source 00:16:3E:5B:78:D5 -j MARK --set-mark 1",
                CONFINE_NOT_OURS, "mark 1");
        assert_refused("", "iptables -t nat -A POSTROUTING -d 0.0.0.0/0 -j SNAT --to 10.0.0.26", CONFINE_NOT_OURS,
                "0.0.0.0/0");
        assert_refused("", "iptables -t nat -A POSTROUTING -d 10.0.0.64/27 -j SNAT --to 192.168.0.1",
                CONFINE_NOT_OURS, "192.168.0.1");
        assert_refused("", "(echo; echo \"100 mytable # xxx_table_mytable_xxx\") | tee -a /etc/iproute2/rt_tables >/dev/null",
                CONFINE_NOT_OURS, "'mytable'");
        assert_refused("", "(echo; echo \"251 ntk_from_00:16:3E:00:00:01 # xxx_table_ntk_from_00:16:3E:00:00:01_xxx\") | tee -a /etc/iproute2/rt_tables >/dev/null",
                CONFINE_NOT_OURS, "251");
        assert_refused("", "(echo; echo \"250 ntk_from_00:16:3E:00:00:01 # xxx_table_ntk_from_00:16:3E:00:00:01_xxx\") | tee -a /etc/iproute2/rt_tables >/dev/null",
                CONFINE_INVALID, "already used by 'ntk_from_00:16:3E:5B:78:D5'");
        assert_refused("", "(echo; echo \"249 ntk_from_00:16:3e:00:00:01 # xxx_table_ntk_from_00:16:3e:00:00:01_xxx\") | tee -a /etc/iproute2/rt_tables >/dev/null",
                CONFINE_NOT_OURS, "upper case");
        assert_refused("migr01", "ip link set dev migr01_eth1 address 01:00:5E:00:00:01", CONFINE_INVALID,
                "01:00:5E:00:00:01");
}

static void test_confine_batch_sees_its_own_earlier_ops(void)
{
        HelperConfig c = config();
        HelperState s = {}, before;
        char *good[] = {
                "(echo; echo \"251 ntk # xxx_table_ntk_xxx\") | tee -a /etc/iproute2/rt_tables >/dev/null",
                "ip rule add table ntk",
                "ip route add unreachable 10.0.0.0/29 table ntk",
                "ip netns add ntkv0",
                "ip link add dev ntkv0_eth1 link eth1 type macvlan",
                "ip link set dev ntkv0_eth1 netns ntkv0",
        };
        char *reversed[] = {
                "ip route add unreachable 10.0.0.0/29 table ntk",
                "(echo; echo \"251 ntk # xxx_table_ntk_xxx\") | tee -a /etc/iproute2/rt_tables >/dev/null",
        };
        g_autofree NtkOp *ops = NULL;
        NtkOp *none = NULL;
        size_t idx = 99;
        NtkErr e = { "" };

        before = s;
        g_assert_cmpint(confine_batch(&c, &s, "", good, G_N_ELEMENTS(good), &ops, &idx, &e), ==, CONFINE_OK);
        g_assert_cmpint(ops[2].kind, ==, NTK_OP_ROUTE_ADD);
        g_assert_cmpmem(&s, sizeof s, &before, sizeof before); /* the caller's state is not touched */

        g_assert_cmpint(confine_batch(&c, &s, "", reversed, 2, &none, &idx, &e), ==, CONFINE_NOT_OURS);
        g_assert_null(none);
        g_assert_cmpuint(idx, ==, 0);
        g_assert_nonnull(strstr(e.msg, "op 0: table 'ntk' is not registered"));
        g_assert_nonnull(strstr(e.msg, "(in 'ip route add unreachable 10.0.0.0/29 table ntk')"));
}

static void test_confine_batch_rejects_malformed_and_prefixed_ops(void)
{
        HelperConfig c = config();
        HelperState s = documented_state();
        char *bad_cidr[] = { "ip route add unreachable 10.0.0.1/29 table ntk" };
        char *bad_mac[] = { "iptables -t mangle -A PREROUTING -m mac --mac-source 00:16:3E:5B:78 -j MARK --set-mark 250" };
        char *bad_name[] = { "ip netns add bad/name" };
        char *prefixed[] = { "ip netns exec migr01 ip link set dev migr01_eth1 up" };
        char *long_line[] = { NULL };
        NtkOp *ops = NULL;
        size_t idx;
        NtkErr e;
        g_autofree char *longtext = g_strnfill(600, 'x');

        long_line[0] = longtext;
        g_assert_cmpint(confine_batch(&c, &s, "", bad_cidr, 1, &ops, &idx, &e), ==, CONFINE_INVALID);
        g_assert_nonnull(strstr(e.msg, "10.0.0.1/29"));
        g_assert_cmpint(confine_batch(&c, &s, "", bad_mac, 1, &ops, &idx, &e), ==, CONFINE_INVALID);
        g_assert_nonnull(strstr(e.msg, "00:16:3E:5B:78"));
        g_assert_cmpint(confine_batch(&c, &s, "", bad_name, 1, &ops, &idx, &e), ==, CONFINE_INVALID);
        g_assert_nonnull(strstr(e.msg, "bad/name"));
        g_assert_cmpint(confine_batch(&c, &s, "", prefixed, 1, &ops, &idx, &e), ==, CONFINE_INVALID);
        g_assert_nonnull(strstr(e.msg, "migr01"));
        g_assert_cmpint(confine_batch(&c, &s, "", long_line, 1, &ops, &idx, &e), ==, CONFINE_INVALID);
        g_assert_nonnull(strstr(e.msg, "longer than"));
        g_assert_cmpint(confine_batch(&c, &s, "", bad_cidr, CONFINE_MAX_OPS + 1, &ops, &idx, &e), ==,
                CONFINE_INVALID);
        g_assert_nonnull(strstr(e.msg, "131073"));
        g_assert_null(ops);
}

static void test_confine_state_follows_namespaces_and_links(void)
{
        HelperState s = documented_state();
        NtkOp op;
        char ns[NTK_NAME_MAX];

        g_assert_true(state_has_netns(&s, "migr01"));
        g_assert_nonnull(state_find_link(&s, "migr01", "migr01_eth1"));
        g_assert_null(state_find_link(&s, "", "migr01_eth1"));
        g_assert_nonnull(state_find_table(&s, "ntk"));
        g_assert_cmpuint(state_find_table(&s, "ntk_from_00:16:3E:5B:78:D5")->id, ==, 250);

        g_assert_cmpint(ntk_op_parse("ip netns del migr01", ns, &op, NULL), ==, 0);
        g_assert_cmpint(state_record(&s, ns, &op), ==, 0);
        g_assert_false(state_has_netns(&s, "migr01"));
        g_assert_cmpuint(s.n_links, ==, 0); /* its macvlan went with it */

        g_assert_cmpint(ntk_op_parse("sed -i '/xxx_table_ntk_from_00:16:3E:5B:78:D5_xxx/d' /etc/iproute2/rt_tables", ns,
                                &op, NULL),
                ==, 0);
        g_assert_cmpint(state_record(&s, ns, &op), ==, 0);
        g_assert_null(state_find_table(&s, "ntk_from_00:16:3E:5B:78:D5"));
}

static void test_confine_config_rejects_bad_values(void)
{
        HelperConfig c;
        NtkErr e;

        g_assert_cmpint(helper_config_parse("Frobnicate=1\n", &c, &e), ==, -EINVAL);
        g_assert_nonnull(strstr(e.msg, "'Frobnicate'"));
        g_assert_cmpint(helper_config_parse("\n\nNetsukukuRange=10.0.0.1/8\n", &c, &e), ==, -EINVAL);
        g_assert_nonnull(strstr(e.msg, "line 3"));
        g_assert_cmpint(helper_config_parse("NetsukukuRange=0.0.0.0/0\n", &c, &e), ==, -EINVAL);
        g_assert_cmpint(helper_config_parse("ManagedInterfaces=eth1 bad/name\n", &c, &e), ==, -EINVAL);
        g_assert_nonnull(strstr(e.msg, "'bad/name'"));
        g_assert_cmpint(helper_config_parse("Ports=0\n", &c, &e), ==, -EINVAL);
        g_assert_cmpint(helper_config_parse("Ports=70000\n", &c, &e), ==, -EINVAL);
        g_assert_cmpint(helper_config_parse("just words\n", &c, &e), ==, -EINVAL);
        g_assert_cmpint(helper_config_parse("# nothing\n", &c, &e), ==, 0);
        g_assert_cmpuint(c.range.prefix, ==, 8);
        g_assert_cmpuint(c.n_managed, ==, 0);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/confine/accepts-the-documented-operations", test_confine_accepts_the_documented_operations);
        g_test_add_func("/confine/refuses-foreign-objects", test_confine_refuses_foreign_objects);
        g_test_add_func("/confine/batch-sees-its-own-earlier-ops", test_confine_batch_sees_its_own_earlier_ops);
        g_test_add_func("/confine/batch-rejects-malformed-and-prefixed-ops",
                test_confine_batch_rejects_malformed_and_prefixed_ops);
        g_test_add_func("/confine/state-follows-namespaces-and-links", test_confine_state_follows_namespaces_and_links);
        g_test_add_func("/confine/config-rejects-bad-values", test_confine_config_rejects_bad_values);
        return g_test_run();
}
