/* test-ipmap.c — every worked example of addressing.md and the documented destination lists
 * (α, the seed's connectivity identity 2·1·1·3, entr02, entr03, λ's NETMAP). Must not: need root. */
#include <errno.h>
#include <glib.h>
#include <jansson.h>

#include "ipmap.h"

static NtkTopology topo(const char *s)
{
        NtkTopology t;
        g_assert_cmpint(ntk_topology_parse(s, &t, NULL), ==, 0);
        return t;
}

static NtkAddress addr(const NtkTopology *t, const char *s)
{
        NtkAddress a;
        g_assert_cmpint(ntk_address_parse(t, s, &a, NULL), ==, 0);
        return a;
}

static void assert_ip(uint32_t ip, const char *want)
{
        char buf[NTK_IPV4_STRLEN];
        g_assert_cmpstr(ntk_ipv4_format(ip, buf), ==, want);
}

static void assert_cidr(NtkCidr c, const char *want)
{
        char buf[NTK_CIDR_STRLEN];
        g_assert_cmpstr(ntk_cidr_format(c, buf), ==, want);
}

/* The destination CIDRs of (topology, address, subnet level) joined by spaces. */
static char *dests(const char *tp, const char *a, unsigned s)
{
        NtkTopology t = topo(tp);
        NtkAddress n = addr(&t, a);
        g_autofree NtkDest *d = NULL;
        size_t count;
        GString *out = g_string_new(NULL);

        g_assert_cmpint(ntk_destinations(&t, &n, s, &d, &count), ==, 0);
        for (size_t i = 0; i < count; i++) {
                char buf[NTK_CIDR_STRLEN];
                g_string_append_printf(out, "%s%s", i ? " " : "", ntk_cidr_format(d[i].cidr, buf));
        }
        return g_string_free(out, FALSE);
}

static size_t dest_count(const char *tp, const char *a, unsigned s)
{
        g_autofree char *l = dests(tp, a, s);
        g_auto(GStrv) v = g_strsplit(l, " ", -1);
        return *l ? g_strv_length(v) : 0;
}

static void test_ipmap_indirizziip_examples(void)
{
        NtkTopology t = topo("4.16.256.256");
        NtkAddress n = addr(&t, "3.10.123.45"), g;
        uint32_t ip;
        NtkCidr c;

        g_assert_cmpint(ntk_ip_global_node(&t, &n, &ip), ==, 0);
        assert_ip(ip, "10.58.123.45");
        g_assert_cmpint(ntk_ip_anonymizing_node(&t, &n, &ip), ==, 0);
        assert_ip(ip, "10.186.123.45");
        g_assert_cmpint(ntk_ip_internal_node(&t, &n, 3, &ip), ==, 0);
        assert_ip(ip, "10.122.123.45");
        g_assert_cmpint(ntk_ip_internal_node(&t, &n, 2, &ip), ==, 0);
        assert_ip(ip, "10.96.123.45");
        g_assert_cmpint(ntk_ip_internal_node(&t, &n, 1, &ip), ==, 0);
        assert_ip(ip, "10.80.0.45");

        /* g-node (2,1) = 3·1 */
        g = addr(&t, "3.1.0.0");
        g_assert_cmpint(ntk_ip_global_gnode(&t, &g, 2, &c), ==, 0);
        assert_cidr(c, "10.49.0.0/16");
        /* g-node 3·10·67 */
        g = addr(&t, "3.10.67.0");
        g_assert_cmpint(ntk_ip_global_gnode(&t, &g, 1, &c), ==, 0);
        assert_cidr(c, "10.58.67.0/24");
        g_assert_cmpint(ntk_ip_anonymizing_gnode(&t, &g, 1, &c), ==, 0);
        assert_cidr(c, "10.186.67.0/24");
        g_assert_cmpint(ntk_ip_internal_gnode(&t, &g, 1, 3, &c), ==, 0);
        assert_cidr(c, "10.122.67.0/24");
        g_assert_cmpint(ntk_ip_internal_gnode(&t, &g, 1, 2, &c), ==, 0);
        assert_cidr(c, "10.96.67.0/24");
        /* g-node 2 of level 3 */
        g = addr(&t, "2.0.0.0");
        g_assert_cmpint(ntk_ip_global_gnode(&t, &g, 3, &c), ==, 0);
        assert_cidr(c, "10.32.0.0/12");
        g_assert_cmpint(ntk_ip_anonymizing_gnode(&t, &g, 3, &c), ==, 0);
        assert_cidr(c, "10.160.0.0/12");

        assert_ip(ntk_ip_localhost(&t), "10.64.0.0");
        assert_cidr(ntk_ip_anonymous_range(&t), "10.128.0.0/10");
}

static void test_ipmap_constants_4222(void)
{
        NtkTopology t = topo("4.2.2.2");

        assert_ip(ntk_ip_localhost(&t), "10.0.0.32");
        assert_cidr(ntk_ip_global_range(&t), "10.0.0.0/27");
        assert_cidr(ntk_ip_anonymous_range(&t), "10.0.0.64/27");
        /* UseCases p.1: internal level 3 .56-63, level 2 .48-51, level 1 .40-41 */
        assert_cidr(ntk_ip_internal_range(&t, 3), "10.0.0.56/29");
        assert_cidr(ntk_ip_internal_range(&t, 2), "10.0.0.48/30");
        assert_cidr(ntk_ip_internal_range(&t, 1), "10.0.0.40/31");
}

/* "g a L3 L2 L1" with "-" for absent */
static void assert_own(const char *a, const char *want)
{
        NtkTopology t = topo("4.2.2.2");
        NtkAddress n = addr(&t, a);
        NtkOwnIps o;
        char b[5][NTK_IPV4_STRLEN];
        g_autofree char *got = NULL;

        ntk_own_ips(&t, &n, &o);
        got = g_strdup_printf("%s %s %s %s %s", o.has_global ? ntk_ipv4_format(o.global, b[0]) : "-",
                o.has_anonymous ? ntk_ipv4_format(o.anonymous, b[1]) : "-",
                o.has_internal[3] ? ntk_ipv4_format(o.internal[3], b[2]) : "-",
                o.has_internal[2] ? ntk_ipv4_format(o.internal[2], b[3]) : "-",
                o.has_internal[1] ? ntk_ipv4_format(o.internal[1], b[4]) : "-");
        g_assert_cmpstr(got, ==, want);
}

static void test_ipmap_own_ips_examples(void)
{
        assert_own("3.0.1.0", "10.0.0.26 10.0.0.90 10.0.0.58 10.0.0.50 10.0.0.40");
        assert_own("2.2.1.0", "- - - 10.0.0.50 10.0.0.40");
        assert_own("2.1.2.1", "- - - - 10.0.0.41");
        assert_own("2.1.1.2", "- - - - -");
}

static void test_ipmap_assigned_order_follows_e5(void)
{
        NtkTopology t = topo("4.2.2.2");
        NtkAddress n = addr(&t, "3.0.1.0");
        NtkOwnIps o;
        uint32_t v[8];

        ntk_own_ips(&t, &n, &o);
        g_assert_cmpuint(ntk_own_ips_assigned(&t, &o, true, v, 8), ==, 5);
        assert_ip(v[0], "10.0.0.26");
        assert_ip(v[1], "10.0.0.90");
        assert_ip(v[2], "10.0.0.58");
        assert_ip(v[4], "10.0.0.40");
        g_assert_cmpuint(ntk_own_ips_assigned(&t, &o, false, v, 8), ==, 4);
        assert_ip(v[1], "10.0.0.58");
        g_assert_cmpuint(ntk_own_ips_assigned(&t, &o, true, v, 2), ==, 2);
}

static void test_ipmap_destinations_alpha(void)
{
        g_autofree char *got = dests("4.2.2.2", "3.0.1.0", 0);
        g_assert_cmpstr(got, ==,
                "10.0.0.0/29 10.0.0.64/29 10.0.0.8/29 10.0.0.72/29 10.0.0.16/29 10.0.0.80/29 10.0.0.28/30 "
                "10.0.0.92/30 10.0.0.60/30 10.0.0.24/31 10.0.0.88/31 10.0.0.56/31 10.0.0.48/31 10.0.0.27/32 "
                "10.0.0.91/32 10.0.0.59/32 10.0.0.51/32 10.0.0.41/32");
}

static void test_ipmap_destinations_seed_connectivity_identity(void)
{
        /* Eventi8, migr01: the connectivity identity 2·1·1·3 in namespace migr01. */
        g_autofree char *got = dests("4.2.2.2", "2.1.1.3", 0);
        g_assert_cmpstr(got, ==,
                "10.0.0.0/29 10.0.0.64/29 10.0.0.8/29 10.0.0.72/29 10.0.0.24/29 10.0.0.88/29 10.0.0.16/30 "
                "10.0.0.80/30 10.0.0.56/30 10.0.0.20/31 10.0.0.84/31 10.0.0.60/31 10.0.0.48/31 10.0.0.22/32 "
                "10.0.0.86/32 10.0.0.62/32 10.0.0.50/32 10.0.0.40/32 10.0.0.23/32 10.0.0.87/32 10.0.0.63/32 "
                "10.0.0.51/32 10.0.0.41/32");
}

static void test_ipmap_destinations_entr02_and_entr03(void)
{
        g_autofree char *beta = dests("4.2.2.2", "1.0.1.0", 0);
        g_autofree char *conn = dests("4.2.2.2", "3.1.2.1", 0);

        /* kernel-rules E14.5(a): β's old destinations, removed from ntk. */
        g_assert_cmpstr(beta, ==,
                "10.0.0.0/29 10.0.0.64/29 10.0.0.16/29 10.0.0.80/29 10.0.0.24/29 10.0.0.88/29 10.0.0.12/30 "
                "10.0.0.76/30 10.0.0.60/30 10.0.0.8/31 10.0.0.72/31 10.0.0.56/31 10.0.0.48/31 10.0.0.11/32 "
                "10.0.0.75/32 10.0.0.59/32 10.0.0.51/32 10.0.0.41/32");
        /* E14.5(b): δ0's connectivity address 3·1·2·1 (virtual at level 1). */
        g_assert_cmpstr(conn, ==,
                "10.0.0.0/29 10.0.0.64/29 10.0.0.8/29 10.0.0.72/29 10.0.0.16/29 10.0.0.80/29 10.0.0.24/30 "
                "10.0.0.88/30 10.0.0.56/30 10.0.0.28/31 10.0.0.92/31 10.0.0.60/31 10.0.0.48/31 10.0.0.30/31 "
                "10.0.0.94/31 10.0.0.62/31 10.0.0.50/31 10.0.0.40/32");
}

static void test_ipmap_destination_set_sizes(void)
{
        g_assert_cmpuint(dest_count("4.2.2.2", "3.0.1.0", 0), ==, 18);
        g_assert_cmpuint(dest_count("4.2.2.2", "2.1.1.2", 0), ==, 23);
        g_assert_cmpuint(dest_count("4.2.2.2", "3.1.2.1", 0), ==, 18);
        g_assert_cmpuint(dest_count("4.2.2.2", "2.2.1.0", 0), ==, 15);
        g_assert_cmpuint(dest_count("4.2.2.2", "1.1.0.0", 1), ==, 13);
}

static void test_ipmap_destinations_reject_subnet_level_out_of_range(void)
{
        NtkTopology t = topo("4.2.2.2");
        NtkAddress n = addr(&t, "3.0.1.0");
        NtkDest *d = NULL;
        size_t count = 77;

        g_assert_cmpint(ntk_destinations(&t, &n, 4, &d, &count), ==, -EINVAL);
        g_assert_null(d);
        g_assert_cmpuint(count, ==, 77);
}

static char *render(const NtkOp *op)
{
        char buf[NTK_OP_TEXT_MAX];
        g_assert_cmpint(ntk_op_render(NULL, op, buf, sizeof buf), >, 0);
        return g_strdup(buf);
}

static void test_ipmap_snat_rule(void)
{
        NtkTopology t = topo("4.16.256.256"), t2 = topo("4.2.2.2");
        NtkAddress n = addr(&t, "3.10.123.45"), a = addr(&t2, "3.0.1.0"), v = addr(&t2, "2.1.1.2");
        NtkOp op;
        g_autofree char *s1 = NULL, *s2 = NULL, *s3 = NULL;

        g_assert_cmpint(ntk_snat_op(&t, &n, true, &op), ==, 0);
        s1 = render(&op);
        g_assert_cmpstr(s1, ==, "iptables -t nat -A POSTROUTING -d 10.128.0.0/10 -j SNAT --to 10.58.123.45");
        g_assert_cmpint(ntk_snat_op(&t2, &a, true, &op), ==, 0);
        s2 = render(&op);
        g_assert_cmpstr(s2, ==, "iptables -t nat -A POSTROUTING -d 10.0.0.64/27 -j SNAT --to 10.0.0.26");
        g_assert_cmpint(ntk_snat_op(&t2, &a, false, &op), ==, 0);
        s3 = render(&op);
        g_assert_cmpstr(s3, ==, "iptables -t nat -D POSTROUTING -d 10.0.0.64/27 -j SNAT --to 10.0.0.26");
        g_assert_cmpint(ntk_snat_op(&t2, &v, true, &op), ==, -EDOM);
}

static char *netmap(const char *a, unsigned s, bool k)
{
        NtkTopology t = topo("4.2.2.2");
        NtkAddress n = addr(&t, a);
        NtkOp ops[NTK_NETMAP_MAX];
        GString *out = g_string_new(NULL);
        int r = ntk_netmap_ops(&t, &n, s, k, true, ops, G_N_ELEMENTS(ops));

        g_assert_cmpint(r, >=, 0);
        for (int i = 0; i < r; i++) {
                g_autofree char *line = render(&ops[i]);
                g_string_append_printf(out, "%s\n", line);
        }
        return g_string_free(out, FALSE);
}

static void test_ipmap_netmap_lambda(void)
{
        g_autofree char *with_k = netmap("1.1.0.0", 1, true);
        g_autofree char *without_k = netmap("1.1.0.0", 1, false);
        g_autofree char *lambda1 = netmap("2.1.1.0", 1, true);

        g_assert_cmpstr(with_k, ==,
                "iptables -t nat -A PREROUTING -d 10.0.0.48/31 -j NETMAP --to 10.0.0.40/31\n"
                "iptables -t nat -A POSTROUTING -d 10.0.0.48/30 -s 10.0.0.40/31 -j NETMAP --to 10.0.0.48/31\n"
                "iptables -t nat -A PREROUTING -d 10.0.0.60/31 -j NETMAP --to 10.0.0.40/31\n"
                "iptables -t nat -A POSTROUTING -d 10.0.0.56/29 -s 10.0.0.40/31 -j NETMAP --to 10.0.0.60/31\n"
                "iptables -t nat -A PREROUTING -d 10.0.0.12/31 -j NETMAP --to 10.0.0.40/31\n"
                "iptables -t nat -A POSTROUTING -d 10.0.0.0/27 -s 10.0.0.40/31 -j NETMAP --to 10.0.0.12/31\n"
                "iptables -t nat -A PREROUTING -d 10.0.0.76/31 -j NETMAP --to 10.0.0.40/31\n"
                "iptables -t nat -A POSTROUTING -d 10.0.0.64/27 -s 10.0.0.40/31 -j NETMAP --to 10.0.0.12/31\n");
        /* Without -k the anonymous PREROUTING line is the only one missing. */
        g_assert_null(strstr(without_k, "10.0.0.76/31"));
        g_assert_cmpuint(strlen(with_k) - strlen(without_k), ==,
                strlen("iptables -t nat -A PREROUTING -d 10.0.0.76/31 -j NETMAP --to 10.0.0.40/31\n"));
        /* DettagliOperazioni12/Eventi13: λ1 = 2·1·1·0 ranges. */
        g_assert_cmpstr(lambda1, ==,
                "iptables -t nat -A PREROUTING -d 10.0.0.50/31 -j NETMAP --to 10.0.0.40/31\n"
                "iptables -t nat -A POSTROUTING -d 10.0.0.48/30 -s 10.0.0.40/31 -j NETMAP --to 10.0.0.50/31\n"
                "iptables -t nat -A PREROUTING -d 10.0.0.62/31 -j NETMAP --to 10.0.0.40/31\n"
                "iptables -t nat -A POSTROUTING -d 10.0.0.56/29 -s 10.0.0.40/31 -j NETMAP --to 10.0.0.62/31\n"
                "iptables -t nat -A PREROUTING -d 10.0.0.22/31 -j NETMAP --to 10.0.0.40/31\n"
                "iptables -t nat -A POSTROUTING -d 10.0.0.0/27 -s 10.0.0.40/31 -j NETMAP --to 10.0.0.22/31\n"
                "iptables -t nat -A PREROUTING -d 10.0.0.86/31 -j NETMAP --to 10.0.0.40/31\n"
                "iptables -t nat -A POSTROUTING -d 10.0.0.64/27 -s 10.0.0.40/31 -j NETMAP --to 10.0.0.22/31\n");
}

static void test_ipmap_netmap_follows_own_addresses(void)
{
        NtkTopology t = topo("4.2.2.2");
        NtkAddress n = addr(&t, "2.3.0.0"); /* virtual at level 2: no global, no internal[3] */
        NtkOp ops[NTK_NETMAP_MAX];
        g_autofree char *only = netmap("2.3.0.0", 1, true);

        /* Only the level-1 pair (internal[2] exists) is left. */
        g_assert_cmpint(ntk_netmap_ops(&t, &n, 1, true, true, ops, G_N_ELEMENTS(ops)), ==, 2);
        g_assert_cmpstr(only, ==,
                "iptables -t nat -A PREROUTING -d 10.0.0.48/31 -j NETMAP --to 10.0.0.40/31\n"
                "iptables -t nat -A POSTROUTING -d 10.0.0.48/30 -s 10.0.0.40/31 -j NETMAP --to 10.0.0.48/31\n");
        g_assert_cmpint(ntk_netmap_ops(&t, &n, 0, true, true, ops, G_N_ELEMENTS(ops)), ==, -EINVAL);
        g_assert_cmpint(ntk_netmap_ops(&t, &n, 4, true, true, ops, G_N_ELEMENTS(ops)), ==, -EINVAL);
        g_assert_cmpint(ntk_netmap_ops(&t, &n, 1, true, true, ops, 1), ==, -ENOBUFS);
}

/* Every system's start-up (cp01 of the conformance timeline): the own addresses added to eth1, the
 * unreachable population of table ntk and the SNAT rule are exactly what ipmap computes. */
static void test_ipmap_documented_startup_matches_timeline(void)
{
        const char *dir = g_getenv("NTK_SHARED_DIR");
        g_autofree char *tl_path = NULL, *sys_path = NULL;
        json_t *tl, *sys, *cp, *systems;
        const char *name;
        json_t *v;
        json_error_t je;
        unsigned checked = 0;

        if (!dir) {
                g_test_skip("NTK_SHARED_DIR not set");
                return;
        }
        tl_path = g_build_filename(dir, "conformance", "timeline.json", NULL);
        sys_path = g_build_filename(dir, "conformance", "systems.json", NULL);
        if (!g_file_test(tl_path, G_FILE_TEST_EXISTS)) {
                g_test_skip("no conformance data");
                return;
        }
        tl = json_load_file(tl_path, 0, &je);
        sys = json_load_file(sys_path, 0, &je);
        g_assert_nonnull(tl);
        g_assert_nonnull(sys);
        cp = json_array_get(json_object_get(tl, "checkpoints"), 0);
        g_assert_cmpstr(json_string_value(json_object_get(cp, "id")), ==, "cp01_startup");
        systems = json_object_get(cp, "systems");

        json_object_foreach(systems, name, v) {
                json_t *info = json_object_get(json_object_get(sys, "systems"), name);
                const char *notation = json_string_value(json_object_get(json_object_get(info, "initial_address"),
                        "notation"));
                bool serve = json_is_true(json_object_get(json_object_get(info, "qspnclient_options"),
                        "serve_anonymous"));
                NtkTopology t = topo("4.2.2.2");
                NtkAddress n = addr(&t, notation);
                g_autofree NtkDest *d = NULL;
                size_t count, n_routes = 0, n_addrs = 0;
                NtkOwnIps o;
                uint32_t assigned[8];
                size_t n_assigned;
                NtkOp snat;
                g_autofree char *snat_text = NULL;
                bool saw_snat = false;
                size_t i;
                json_t *c;

                g_assert_cmpint(ntk_destinations(&t, &n, 0, &d, &count), ==, 0);
                ntk_own_ips(&t, &n, &o);
                n_assigned = ntk_own_ips_assigned(&t, &o, serve, assigned, G_N_ELEMENTS(assigned));
                g_assert_cmpint(ntk_snat_op(&t, &n, true, &snat), ==, 0);
                snat_text = render(&snat);

                json_array_foreach(json_object_get(v, "kernel_commands"), i, c) {
                        const char *cmd = json_string_value(json_object_get(c, "cmd"));
                        char want[128], b[NTK_CIDR_STRLEN];

                        if (g_str_has_prefix(cmd, "ip route add unreachable ") && g_str_has_suffix(cmd, " table ntk")) {
                                g_assert_cmpuint(n_routes, <, count);
                                g_snprintf(want, sizeof want, "ip route add unreachable %s table ntk",
                                        ntk_cidr_format(d[n_routes++].cidr, b));
                                g_assert_cmpstr(cmd, ==, want);
                        } else if (g_str_has_prefix(cmd, "ip address add 10.") && g_str_has_suffix(cmd, " dev eth1")) {
                                g_assert_cmpuint(n_addrs, <, n_assigned);
                                g_snprintf(want, sizeof want, "ip address add %s dev eth1",
                                        ntk_ipv4_format(assigned[n_addrs++], b));
                                g_assert_cmpstr(cmd, ==, want);
                        } else if (g_str_has_prefix(cmd, "iptables -t nat -A POSTROUTING")) {
                                g_assert_cmpstr(cmd, ==, snat_text);
                                saw_snat = true;
                        } else if (g_str_has_prefix(cmd, "ip address add 10.") && g_str_has_suffix(cmd, " dev lo")) {
                                g_snprintf(want, sizeof want, "ip address add %s dev lo",
                                        ntk_ipv4_format(o.localhost, b));
                                g_assert_cmpstr(cmd, ==, want);
                        }
                }
                g_assert_cmpuint(n_routes, ==, count);
                g_assert_cmpuint(n_addrs, ==, n_assigned);
                g_assert_true(saw_snat);
                checked++;
        }
        g_assert_cmpuint(checked, >=, 5);
        g_test_message("checked the start-up of %u documented systems", checked);
        json_decref(tl);
        json_decref(sys);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/ipmap/indirizziip-examples", test_ipmap_indirizziip_examples);
        g_test_add_func("/ipmap/constants-4222", test_ipmap_constants_4222);
        g_test_add_func("/ipmap/own-ips-examples", test_ipmap_own_ips_examples);
        g_test_add_func("/ipmap/assigned-order-follows-e5", test_ipmap_assigned_order_follows_e5);
        g_test_add_func("/ipmap/destinations/alpha", test_ipmap_destinations_alpha);
        g_test_add_func("/ipmap/destinations/seed-connectivity-identity",
                test_ipmap_destinations_seed_connectivity_identity);
        g_test_add_func("/ipmap/destinations/entr02-and-entr03", test_ipmap_destinations_entr02_and_entr03);
        g_test_add_func("/ipmap/destinations/set-sizes", test_ipmap_destination_set_sizes);
        g_test_add_func("/ipmap/destinations/reject-subnet-level-out-of-range",
                test_ipmap_destinations_reject_subnet_level_out_of_range);
        g_test_add_func("/ipmap/snat-rule", test_ipmap_snat_rule);
        g_test_add_func("/ipmap/netmap/lambda", test_ipmap_netmap_lambda);
        g_test_add_func("/ipmap/netmap/follows-own-addresses", test_ipmap_netmap_follows_own_addresses);
        g_test_add_func("/ipmap/documented-startup-matches-timeline",
                test_ipmap_documented_startup_matches_timeline);
        return g_test_run();
}
