/* test-kops.c — kernel operations: render as the documents write them, parse every documented command back.
 * Must not: need root, the network or anything but the shared conformance data (skipped when absent). */
#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <string.h>

#include "kops.h"

#define IP(a, b, c, d) (((uint32_t) (a) << 24) | ((uint32_t) (b) << 16) | ((uint32_t) (c) << 8) | (d))
#define MUTATIONS 50000
#define MAC_A { 0x00, 0x16, 0x3E, 0x5B, 0x78, 0xD5 }
#define MAC_B { 0x00, 0x16, 0x3E, 0x8E, 0x91, 0xB9 }
#define RTTABLE_APPEND_250                                                                                  \
        "(echo; echo \"250 ntk_from_00:16:3E:5B:78:D5 # xxx_table_ntk_from_00:16:3E:5B:78:D5_xxx\") "       \
        "| tee -a /etc/iproute2/rt_tables >/dev/null"

static void json_unrefp(json_t **p)
{
        if (*p)
                json_decref(*p);
}

/* Parses line, which must succeed. */
static NtkOp parse_ok(const char *line, char netns[NTK_NAME_MAX])
{
        NtkErr err = { "" };
        NtkOp op;

        if (ntk_op_parse(line, netns, &op, &err) < 0)
                g_error("parsing '%s' failed: %s", line, err.msg);
        return op;
}

static const char *netns_of(const char *netns)
{
        return !netns || streq(netns, "default") ? "" : netns;
}

/* ---- every documented command ---- */

static void test_roundtrip_timeline(void)
{
        _cleanup_(json_unrefp) json_t *root = NULL;
        g_autofree char *path = NULL;
        const char *dir = g_getenv("NTK_SHARED_DIR");
        size_t n_cmds = 0, n_identical = 0, n_failed = 0, i, j;
        size_t per_kind[_NTK_OP_KIND_MAX] = {};
        json_error_t jerr;
        json_t *cps, *cp;

        if (!dir) {
                g_test_skip("NTK_SHARED_DIR is not set");
                return;
        }
        path = g_build_filename(dir, "conformance", "timeline.json", NULL);
        if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
                g_test_skip("no conformance/timeline.json in NTK_SHARED_DIR");
                return;
        }
        root = json_load_file(path, 0, &jerr);
        if (!root)
                g_error("%s:%d: %s", path, jerr.line, jerr.text);
        cps = json_object_get(root, "checkpoints");
        g_assert_true(json_is_array(cps));

        json_array_foreach (cps, i, cp) {
                json_t *systems = json_object_get(cp, "systems"), *sys;
                const char *system;

                json_object_foreach (systems, system, sys) {
                        json_t *cmds = json_object_get(sys, "kernel_commands"), *c;

                        json_array_foreach (cmds, j, c) {
                                const char *cmd = json_string_value(json_object_get(c, "cmd"));
                                const char *field = json_string_value(json_object_get(c, "netns"));
                                char ns[NTK_NAME_MAX], ns2[NTK_NAME_MAX], text[NTK_OP_TEXT_MAX];
                                NtkErr err = { "" };
                                NtkOp op, op2;
                                int r;

                                g_assert_nonnull(cmd);
                                g_assert_nonnull(field);
                                n_cmds++;

                                r = ntk_op_parse(cmd, ns, &op, &err);
                                if (r < 0) {
                                        g_test_message("parse failed: '%s': %s", cmd, err.msg);
                                        n_failed++;
                                        continue;
                                }
                                per_kind[op.kind]++;
                                if (!streq(ns, netns_of(field))) {
                                        g_test_message("netns '%s' but the document says '%s': '%s'", ns,
                                                field, cmd);
                                        n_failed++;
                                }

                                r = ntk_op_render(ns, &op, text, sizeof(text));
                                if (r < 0) {
                                        g_test_message("render failed (%d): '%s'", r, cmd);
                                        n_failed++;
                                        continue;
                                }
                                g_assert_cmpint(r, ==, (int) strlen(text));
                                if (streq(text, cmd))
                                        n_identical++;
                                else
                                        g_test_message("renders differently: '%s' -> '%s'", cmd, text);

                                r = ntk_op_parse(text, ns2, &op2, &err);
                                if (r < 0 || !ntk_op_equal(&op, &op2) || !streq(ns, ns2)) {
                                        g_test_message("round trip changed '%s' (rendered '%s'): %s", cmd,
                                                text, r < 0 ? err.msg : "ops differ");
                                        n_failed++;
                                }
                        }
                }
        }

        g_test_message("timeline: %zu commands parsed, %zu rendered byte-identical, %zu failures", n_cmds,
                n_identical, n_failed);
        for (NtkOpKind k = 0; k < _NTK_OP_KIND_MAX; k++)
                g_test_message("  %-16s %zu", ntk_op_kind_to_string(k), per_kind[k]);

        g_assert_cmpuint(n_cmds, >, 3000); /* the corpus is ~3200 commands; 0 would mean the format moved */
        g_assert_cmpuint(n_failed, ==, 0);
        g_assert_cmpuint(n_identical, ==, n_cmds);
}

/* ---- one op of every kind, rendered and parsed back ---- */

typedef struct Example {
        const char *netns;
        NtkOp op;
        const char *text;
} Example;

static const Example examples[] = {
        { NULL, { .kind = NTK_OP_NETNS_ADD, .netns = { "entr02" } }, "ip netns add entr02" },
        { NULL, { .kind = NTK_OP_NETNS_DEL, .netns = { "entr02" } }, "ip netns del entr02" },
        { NULL, { .kind = NTK_OP_LINK_ADD_MACVLAN, .link = { .ifname = "entr02_eth1", .parent = "eth1" } },
                "ip link add dev entr02_eth1 link eth1 type macvlan" },
        { "entr02", { .kind = NTK_OP_LINK_DEL, .link = { .ifname = "entr02_eth1" } },
                "ip netns exec entr02 ip link delete entr02_eth1 type macvlan" },
        { "", { .kind = NTK_OP_LINK_SET_NETNS, .link = { .ifname = "entr02_eth1", .target = "entr02" } },
                "ip link set dev entr02_eth1 netns entr02" },
        { "entr02", { .kind = NTK_OP_LINK_SET_MAC, .link = { .ifname = "entr02_eth1", .mac = MAC_B } },
                "ip netns exec entr02 ip link set dev entr02_eth1 address 00:16:3E:8E:91:B9" },
        { "default", { .kind = NTK_OP_LINK_SET_UP, .link = { .ifname = "eth1" } },
                "ip link set dev eth1 up" },
        { NULL, { .kind = NTK_OP_SYSCTL, .sysctl = { "net.ipv4.conf.eth1.rp_filter", "0" } },
                "sysctl net.ipv4.conf.eth1.rp_filter=0" },
        { NULL, { .kind = NTK_OP_ADDR_ADD, .addr = { { IP(10, 0, 0, 26), 32 }, "eth1" } },
                "ip address add 10.0.0.26 dev eth1" },
        { NULL, { .kind = NTK_OP_ADDR_ADD, .addr = { { IP(192, 168, 1, 5), 24 }, "eth2" } },
                "ip address add 192.168.1.5/24 dev eth2" },
        { NULL, { .kind = NTK_OP_ADDR_DEL, .addr = { { IP(10, 0, 0, 10), 32 }, "eth1" } },
                "ip address del 10.0.0.10/32 dev eth1" },
        { NULL,
                { .kind = NTK_OP_ROUTE_ADD,
                        .route = { .type = NTK_ROUTE_UNREACHABLE,
                                .dst = { IP(10, 0, 0, 0), 29 },
                                .table = "ntk" } },
                "ip route add unreachable 10.0.0.0/29 table ntk" },
        { NULL,
                { .kind = NTK_OP_ROUTE_CHANGE,
                        .route = { .dst = { IP(10, 0, 0, 22), 32 },
                                .table = "ntk",
                                .has_via = true,
                                .via = IP(169, 254, 94, 223),
                                .dev = "eth1",
                                .has_src = true,
                                .src = IP(10, 0, 0, 23) } },
                "ip route change 10.0.0.22/32 table ntk via 169.254.94.223 dev eth1 src 10.0.0.23" },
        { "migr01",
                { .kind = NTK_OP_ROUTE_CHANGE,
                        .route = { .type = NTK_ROUTE_BLACKHOLE,
                                .dst = { IP(10, 0, 0, 41), 32 },
                                .table = "ntk_from_00:16:3E:1A:C4:45" } },
                "ip netns exec migr01 ip route change blackhole 10.0.0.41/32 table "
                "ntk_from_00:16:3E:1A:C4:45" },
        { NULL, { .kind = NTK_OP_ROUTE_DEL, .route = { .dst = { IP(10, 0, 0, 0), 29 }, .table = "ntk" } },
                "ip route del 10.0.0.0/29 table ntk" },
        { NULL,
                { .kind = NTK_OP_ROUTE_ADD,
                        .route = { .dst = { IP(169, 254, 94, 223), 32 },
                                .table = "main",
                                .dev = "eth1",
                                .has_src = true,
                                .src = IP(169, 254, 96, 141) } },
                "ip route add 169.254.94.223 dev eth1 src 169.254.96.141" },
        { NULL,
                { .kind = NTK_OP_ROUTE_DEL,
                        .route = { .dst = { IP(169, 254, 215, 29), 32 },
                                .table = "main",
                                .dev = "eth1",
                                .has_src = true,
                                .src = IP(169, 254, 94, 223) } },
                "ip route del 169.254.215.29 dev eth1 src 169.254.94.223" },
        { NULL,
                { .kind = NTK_OP_ROUTE_ADD,
                        .route = { .dst = { IP(10, 0, 0, 40), 31 },
                                .table = "main",
                                .has_via = true,
                                .via = IP(169, 254, 110, 188),
                                .dev = "eth2" } },
                "ip route add 10.0.0.40/31 via 169.254.110.188 dev eth2" },
        { NULL, { .kind = NTK_OP_ROUTE_FLUSH, .route = { .table = "ntk_from_00:16:3E:EC:A3:E1" } },
                "ip route flush table ntk_from_00:16:3E:EC:A3:E1" },
        { "migr01", { .kind = NTK_OP_ROUTE_FLUSH, .route = { .table = "main" } },
                "ip netns exec migr01 ip route flush table main" },
        { NULL, { .kind = NTK_OP_RULE_ADD, .rule = { .table = "ntk" } }, "ip rule add table ntk" },
        { NULL,
                { .kind = NTK_OP_RULE_ADD,
                        .rule = { .has_fwmark = true,
                                .fwmark = 250,
                                .table = "ntk_from_00:16:3E:5B:78:D5" } },
                "ip rule add fwmark 250 table ntk_from_00:16:3E:5B:78:D5" },
        { "entr03",
                { .kind = NTK_OP_RULE_DEL,
                        .rule = { .has_fwmark = true,
                                .fwmark = 250,
                                .table = "ntk_from_00:16:3E:5B:78:D5" } },
                "ip netns exec entr03 ip rule del fwmark 250 table ntk_from_00:16:3E:5B:78:D5" },
        { NULL, { .kind = NTK_OP_RTTABLE_ADD, .rttable = { 250, "ntk_from_00:16:3E:5B:78:D5" } },
                RTTABLE_APPEND_250 },
        { NULL, { .kind = NTK_OP_RTTABLE_ADD, .rttable = { 251, "ntk" } },
                "(echo; echo \"251 ntk # xxx_table_ntk_xxx\") | tee -a /etc/iproute2/rt_tables >/dev/null" },
        { NULL, { .kind = NTK_OP_RTTABLE_DEL, .rttable = { 0, "ntk_from_00:16:3E:EC:A3:E1" } },
                "sed -i '/xxx_table_ntk_from_00:16:3E:EC:A3:E1_xxx/d' /etc/iproute2/rt_tables" },
        { NULL, { .kind = NTK_OP_MARK_ADD, .mark = { MAC_A, 250 } },
                "iptables -t mangle -A PREROUTING -m mac --mac-source 00:16:3E:5B:78:D5 "
                "-j MARK --set-mark 250" },
        { "migr01", { .kind = NTK_OP_MARK_DEL, .mark = { MAC_A, 4294967295u } },
                "ip netns exec migr01 iptables -t mangle -D PREROUTING "
                "-m mac --mac-source 00:16:3E:5B:78:D5 -j MARK --set-mark 4294967295" },
        { NULL, { .kind = NTK_OP_SNAT_ADD, .snat = { { IP(10, 0, 0, 64), 27 }, IP(10, 0, 0, 26) } },
                "iptables -t nat -A POSTROUTING -d 10.0.0.64/27 -j SNAT --to 10.0.0.26" },
        { NULL, { .kind = NTK_OP_SNAT_DEL, .snat = { { IP(10, 128, 0, 0), 10 }, IP(10, 58, 123, 45) } },
                "iptables -t nat -D POSTROUTING -d 10.128.0.0/10 -j SNAT --to 10.58.123.45" },
        { NULL,
                { .kind = NTK_OP_NETMAP_ADD,
                        .netmap = { .chain = NTK_CHAIN_PREROUTING,
                                .dst = { IP(10, 0, 0, 48), 31 },
                                .to = { IP(10, 0, 0, 40), 31 } } },
                "iptables -t nat -A PREROUTING -d 10.0.0.48/31 -j NETMAP --to 10.0.0.40/31" },
        { NULL,
                { .kind = NTK_OP_NETMAP_DEL,
                        .netmap = { .chain = NTK_CHAIN_POSTROUTING,
                                .dst = { IP(10, 0, 0, 48), 30 },
                                .has_src = true,
                                .src = { IP(10, 0, 0, 40), 31 },
                                .to = { IP(10, 0, 0, 48), 31 } } },
                "iptables -t nat -D POSTROUTING -d 10.0.0.48/30 -s 10.0.0.40/31 "
                "-j NETMAP --to 10.0.0.48/31" },
};

static void test_every_kind_renders_and_parses_back(void)
{
        bool seen[_NTK_OP_KIND_MAX] = {};

        for (size_t i = 0; i < G_N_ELEMENTS(examples); i++) {
                const Example *e = &examples[i];
                char text[NTK_OP_TEXT_MAX], ns[NTK_NAME_MAX];
                NtkOp back;
                int r;

                r = ntk_op_render(e->netns, &e->op, text, sizeof(text));
                if (r < 0)
                        g_error("rendering example %zu (%s) failed: %d", i,
                                ntk_op_kind_to_string(e->op.kind), r);
                g_assert_cmpstr(text, ==, e->text);
                g_assert_cmpint(r, ==, (int) strlen(e->text));

                back = parse_ok(e->text, ns);
                g_assert_cmpstr(ns, ==, netns_of(e->netns));
                g_assert_cmpint(back.kind, ==, e->op.kind);
                if (!ntk_op_equal(&back, &e->op) || !ntk_op_equal(&e->op, &back))
                        g_error("'%s' parses back to a different op", e->text);
                seen[e->op.kind] = true;
        }
        for (NtkOpKind k = 0; k < _NTK_OP_KIND_MAX; k++)
                if (!seen[k])
                        g_error("op kind %s has no example", ntk_op_kind_to_string(k));
}

/* Whatever the parser accepts, the renderer writes, and that text parses to the same op: checked on random
 * token-level mutations of the examples (reproduce a failure with --seed). */
static void test_accepted_lines_render_back(void)
{
        static const char *const words[] = { "ip", "netns", "exec", "add", "del", "delete", "change",
                "flush", "route", "rule", "table", "via", "dev", "src", "main", "default", "unreachable",
                "blackhole", "unicast", "link", "set", "up", "address", "addr", "type", "macvlan", "name",
                "fwmark", "250", "0", "4294967295", "-A", "-D", "-d", "-s", "-j", "--to", "SNAT", "NETMAP",
                "MARK", "-m", "mac", "--mac-source", "--set-mark", "PREROUTING", "POSTROUTING", "nat",
                "mangle", "-t", "sysctl", "net.ipv4.ip_forward=1", "10.0.0.0/8", "10.0.0.1", "0.0.0.0/0",
                "eth1", "x", "-x", "#", "|", "00:16:3E:5B:78:D5" };
        size_t accepted = 0;

        for (unsigned iter = 0; iter < MUTATIONS; iter++) {
                const char *seed = examples[g_test_rand_int_range(0, G_N_ELEMENTS(examples))].text;
                g_auto(GStrv) tokens = g_strsplit(seed, " ", -1);
                guint n = g_strv_length(tokens);
                g_autofree char *line = NULL;
                char ns[NTK_NAME_MAX], ns2[NTK_NAME_MAX], text[NTK_OP_TEXT_MAX];
                NtkErr err = { "" };
                NtkOp op, back;
                int r;

                for (int m = g_test_rand_int_range(1, 3); m > 0; m--) {
                        guint i = (guint) g_test_rand_int_range(0, (gint32) n);
                        const char *w = words[g_test_rand_int_range(0, G_N_ELEMENTS(words))];

                        switch (g_test_rand_int_range(0, 3)) {
                        case 0: /* drop a token */
                                if (n > 1) {
                                        g_free(tokens[i]);
                                        memmove(tokens + i, tokens + i + 1, (n - i) * sizeof(char *));
                                        n--;
                                }
                                break;
                        case 1: /* replace a token */
                                g_free(tokens[i]);
                                tokens[i] = g_strdup(w);
                                break;
                        default: /* cut a token short */
                                if (strlen(tokens[i]) > 1)
                                        tokens[i][g_test_rand_int_range(1, (gint32) strlen(tokens[i]))] =
                                                '\0';
                                break;
                        }
                }
                line = g_strjoinv(" ", tokens);

                r = ntk_op_parse(line, ns, &op, &err);
                if (r < 0) {
                        g_assert_cmpint(r, ==, -EINVAL);
                        g_assert_cmpstr(err.msg, !=, "");
                        continue;
                }
                accepted++;
                r = ntk_op_render(ns, &op, text, sizeof(text));
                if (r < 0)
                        g_error("accepted '%s' but cannot render it: %d", line, r);
                if (ntk_op_parse(text, ns2, &back, &err) < 0)
                        g_error("accepted '%s', rendered '%s', which does not parse: %s", line, text,
                                err.msg);
                if (!ntk_op_equal(&op, &back) || !streq(ns, ns2))
                        g_error("accepted '%s', rendered '%s', which parses to another op", line, text);
        }
        g_test_message("%zu of %d mutated lines accepted, all rendered back", accepted, MUTATIONS);
        g_assert_cmpuint(accepted, >, 0);
}

/* ---- other spellings, read and then written the canonical way ---- */

static void assert_canonical(const char *line, const char *netns, const char *canonical)
{
        char ns[NTK_NAME_MAX], text[NTK_OP_TEXT_MAX];
        NtkOp op = parse_ok(line, ns), back;

        g_assert_cmpstr(ns, ==, netns);
        g_assert_cmpint(ntk_op_render(ns, &op, text, sizeof(text)), ==, (int) strlen(canonical));
        g_assert_cmpstr(text, ==, canonical);
        back = parse_ok(text, ns);
        g_assert_true(ntk_op_equal(&op, &back));
}

static void test_parse_accepts_other_spellings(void)
{
        assert_canonical("ip addr add 10.0.0.26/32 dev eth1", "", "ip address add 10.0.0.26 dev eth1");
        assert_canonical("ip address delete dev eth1 10.0.0.10", "", "ip address del 10.0.0.10/32 dev eth1");
        assert_canonical("ip link del dev entr02_eth1", "", "ip link delete entr02_eth1 type macvlan");
        assert_canonical("ip link delete entr02_eth1", "", "ip link delete entr02_eth1 type macvlan");
        assert_canonical("ip link delete dev type macvlan", "", "ip link delete dev type macvlan");
        assert_canonical("ip link delete dev dev", "", "ip link delete dev type macvlan");
        assert_canonical("ip link add link eth1 name ntkv0_eth1 type macvlan", "",
                "ip link add dev ntkv0_eth1 link eth1 type macvlan");
        assert_canonical("ip link set dev eth1 addr 00:16:3e:8e:91:b9", "",
                "ip link set dev eth1 address 00:16:3E:8E:91:B9");
        assert_canonical("ip netns delete entr02", "", "ip netns del entr02");
        assert_canonical("ip route delete 10.0.0.0/29 table ntk", "", "ip route del 10.0.0.0/29 table ntk");
        assert_canonical("ip route add unicast 10.0.0.0/29 dev eth1 table ntk via 169.254.1.1", "",
                "ip route add 10.0.0.0/29 table ntk via 169.254.1.1 dev eth1");
        assert_canonical("ip route add 10.0.0.22/32 table main via 169.254.1.1", "",
                "ip route add 10.0.0.22 via 169.254.1.1");
        assert_canonical("ip route change unreachable 10.0.0.22 table ntk", "",
                "ip route change unreachable 10.0.0.22/32 table ntk");
        assert_canonical("ip rule delete table ntk fwmark 250", "", "ip rule del fwmark 250 table ntk");
        assert_canonical("  ip netns exec\tntkv1  ip route   flush table main \n", "ntkv1",
                "ip netns exec ntkv1 ip route flush table main");
        assert_canonical(
                "iptables -t nat -A POSTROUTING -s 10.0.0.40/31 -d 10.0.0.48/30 -j NETMAP --to 10.0.0.48/31",
                "",
                "iptables -t nat -A POSTROUTING -d 10.0.0.48/30 -s 10.0.0.40/31 "
                "-j NETMAP --to 10.0.0.48/31");
        assert_canonical("iptables -t nat -D POSTROUTING -d 10.0.0.64/27 -j SNAT --to 10.0.0.26", "",
                "iptables -t nat -D POSTROUTING -d 10.0.0.64/27 -j SNAT --to 10.0.0.26");
}

static void test_parse_rt_tables_argv_forms(void)
{
        char ns[NTK_NAME_MAX];
        NtkOp op;

        op = parse_ok(
                "sed -i s/250 reserved_ntk_from_250/250 ntk_from_00:16:3E:5B:78:D5/ /etc/iproute2/rt_tables",
                ns);
        g_assert_cmpint(op.kind, ==, NTK_OP_RTTABLE_ADD);
        g_assert_cmpuint(op.rttable.id, ==, 250);
        g_assert_cmpstr(op.rttable.name, ==, "ntk_from_00:16:3E:5B:78:D5");
        g_assert_cmpstr(ns, ==, "");

        op = parse_ok(
                "sed -i s/249 ntk_from_00:16:3E:EC:A3:E1/249 reserved_ntk_from_249/ /etc/iproute2/rt_tables",
                ns);
        g_assert_cmpint(op.kind, ==, NTK_OP_RTTABLE_DEL);
        g_assert_cmpuint(op.rttable.id, ==, 249);
        g_assert_cmpstr(op.rttable.name, ==, "ntk_from_00:16:3E:EC:A3:E1");

        /* Both are written the way the documents write them. */
        assert_canonical(
                "sed -i s/250 reserved_ntk_from_250/250 ntk_from_00:16:3E:5B:78:D5/ /etc/iproute2/rt_tables",
                "", RTTABLE_APPEND_250);
        assert_canonical(
                "sed -i s/249 ntk_from_00:16:3E:EC:A3:E1/249 reserved_ntk_from_249/ /etc/iproute2/rt_tables",
                "", "sed -i '/xxx_table_ntk_from_00:16:3E:EC:A3:E1_xxx/d' /etc/iproute2/rt_tables");
}

static void test_parse_zeroes_unused_bytes(void)
{
        NtkOp op, expected;
        NtkErr err = { "" };
        char ns[NTK_NAME_MAX];

        memset(&op, 0xA5, sizeof(op));
        g_assert_cmpint(ntk_op_parse("ip netns add entr02", ns, &op, &err), ==, 0);
        memset(&expected, 0, sizeof(expected));
        expected.kind = NTK_OP_NETNS_ADD;
        strcpy(expected.netns.name, "entr02");
        g_assert_cmpmem(&op, sizeof(op), &expected, sizeof(expected));

        memset(&op, 0xA5, sizeof(op));
        g_assert_cmpint(
                ntk_op_parse("ip route add unreachable 10.0.0.0/29 table ntk", ns, &op, &err), ==, 0);
        memset(&expected, 0, sizeof(expected));
        expected.kind = NTK_OP_ROUTE_ADD;
        expected.route.type = NTK_ROUTE_UNREACHABLE;
        expected.route.dst = (NtkCidr){ IP(10, 0, 0, 0), 29 };
        strcpy(expected.route.table, "ntk");
        g_assert_cmpmem(&op, sizeof(op), &expected, sizeof(expected));
}

/* ---- rejections ---- */

static void assert_rejects(const char *line, const char *token)
{
        char ns[NTK_NAME_MAX], ns_sentinel[NTK_NAME_MAX];
        NtkOp op, sentinel;
        NtkErr err = { "" };

        memset(&sentinel, 0x5A, sizeof(sentinel));
        memset(ns_sentinel, 0x5A, sizeof(ns_sentinel));
        op = sentinel;
        memcpy(ns, ns_sentinel, sizeof(ns));

        g_assert_cmpint(ntk_op_parse(line, ns, &op, &err), ==, -EINVAL);
        if (!strstr(err.msg, token))
                g_error("rejecting '%s': message '%s' does not mention '%s'", line, err.msg, token);
        g_assert_cmpmem(&op, sizeof(op), &sentinel, sizeof(sentinel));
        g_assert_cmpmem(ns, sizeof(ns), ns_sentinel, sizeof(ns_sentinel));
}

static void test_parse_rejects_unknown_verb(void)
{
        assert_rejects("ip route frobnicate 10.0.0.0/29 table ntk", "'frobnicate'");
        assert_rejects("ip route replace 10.0.0.0/29 table ntk", "'replace'");
        assert_rejects("ip link show dev eth1", "'show'");
        assert_rejects("ip neigh add 10.0.0.1 dev eth1", "'neigh'");
        assert_rejects("ip netns exec entr02 ip netns exec entr03 ip link set dev eth1 up", "'exec'");
        assert_rejects("nft add table ntk", "'nft'");
        assert_rejects("iptables -t filter -A INPUT -j DROP", "'filter'");
        assert_rejects("iptables -t nat -I POSTROUTING -d 10.0.0.64/27 -j SNAT --to 10.0.0.26", "'-I'");
}

static void test_parse_rejects_host_bits(void)
{
        assert_rejects("ip route add unreachable 10.0.0.1/29 table ntk", "'10.0.0.1/29'");
        assert_rejects(
                "iptables -t nat -A POSTROUTING -d 10.0.0.65/27 -j SNAT --to 10.0.0.26", "'10.0.0.65/27'");
        assert_rejects("iptables -t nat -A PREROUTING -d 10.0.0.48/31 -j NETMAP --to 10.0.0.41/31",
                "'10.0.0.41/31'");
}

static void test_parse_rejects_bad_cidr(void)
{
        assert_rejects("ip route add unreachable 10.0.0.0/33 table ntk", "'10.0.0.0/33'");
        assert_rejects("ip route add unreachable 300.0.0.1 table ntk", "'300.0.0.1'");
        assert_rejects("ip route change 10.0.0.0/29 table ntk via 300.0.0.1 dev eth1", "'300.0.0.1'");
        assert_rejects("ip route add 10.0.0.0/29 table ntk dev eth1 src 10.0.0.023", "'10.0.0.023'");
        assert_rejects("ip address add 300.0.0.1 dev eth1", "'300.0.0.1'");
        assert_rejects("ip address add 10.0.0.1/33 dev eth1", "'10.0.0.1/33'");
        assert_rejects("ip route add default via 169.254.1.1", "'default'");
}

static void test_parse_rejects_bad_mac(void)
{
        assert_rejects("ip link set dev eth1 address 00:16:3E:8E:91", "'00:16:3E:8E:91'");
        assert_rejects("ip link set dev eth1 address 00:16:3E:8E:91:B9:00", "'00:16:3E:8E:91:B9:00'");
        assert_rejects("iptables -t mangle -A PREROUTING -m mac --mac-source 00:16:3G:5B:78:D5 -j MARK "
                       "--set-mark 250",
                "'00:16:3G:5B:78:D5'");
}

static void test_parse_rejects_missing_table_value(void)
{
        assert_rejects("ip route add unreachable 10.0.0.0/29 table", "'table'");
        assert_rejects("ip rule add fwmark 250 table", "'table'");
        assert_rejects("ip route flush table", "'table'");
        assert_rejects("ip route flush", "'table'");
        assert_rejects("ip rule add fwmark 250", "'table'");
}

static void test_parse_rejects_duplicate_keyword(void)
{
        assert_rejects(
                "ip route change 10.0.0.0/29 table ntk via 169.254.1.1 dev eth1 via 169.254.1.2", "'via'");
        assert_rejects("ip route change 10.0.0.0/29 table ntk table ntk", "'table'");
        assert_rejects("ip rule add fwmark 250 fwmark 251 table ntk", "'fwmark'");
        assert_rejects("ip address add 10.0.0.26 dev eth1 dev eth2", "'dev'");
        assert_rejects(
                "iptables -t nat -A POSTROUTING -d 10.0.0.64/27 -d 10.0.0.0/27 -j SNAT --to 10.0.0.26",
                "'-d'");
}

static void test_parse_rejects_trailing_garbage(void)
{
        assert_rejects("ip netns add entr02 extra", "'extra'");
        assert_rejects("ip link set dev eth1 up now", "'now'");
        assert_rejects("ip route add unreachable 10.0.0.0/29 table ntk metric 5", "'metric'");
        assert_rejects("sysctl net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0",
                "'net.ipv4.conf.all.rp_filter=0'");
        assert_rejects(
                "iptables -t nat -A POSTROUTING -d 10.0.0.64/27 -j SNAT --to 10.0.0.26 extra", "'extra'");
        assert_rejects("(echo; echo \"251 ntk # xxx_table_ntk_xxx\") | tee -a /etc/iproute2/rt_tables "
                       ">/dev/null 2>&1",
                "'2>&1'");
        assert_rejects("ip link add dev x link eth1 type macvlan mode bridge", "'mode'");
        assert_rejects("ip link delete x type macvlan now", "'x'");
        assert_rejects("ip link delete x type vlan", "'vlan'");
        assert_rejects("ip link delete x kind macvlan", "'kind'");
}

static void test_parse_rejects_long_ifname(void)
{
        assert_rejects("ip link set dev abcdefghijklmnop up", "'abcdefghijklmnop'");
        assert_rejects("ip address add 10.0.0.26 dev abcdefghijklmnop", "'abcdefghijklmnop'");
        assert_rejects("ip link set dev eth:1 up", "'eth:1'");
        assert_rejects("ip link set dev .. up", "'..'");
}

static void test_parse_rejects_empty(void)
{
        assert_rejects("", "empty");
        assert_rejects(" \t \n", "empty");
}

static void test_parse_rejects_netns_exec_without_command(void)
{
        assert_rejects("ip netns exec entr02", "'ip netns exec entr02'");
        assert_rejects("ip netns exec", "'ip netns exec'");
        assert_rejects("ip netns exec bad/ns ip link set dev eth1 up", "'bad/ns'");
        assert_rejects("ip netns exec default ip link set dev eth1 up", "'default'");
}

static void test_parse_rejects_bad_table_name(void)
{
        assert_rejects("ip route flush table ntk/x", "'ntk/x'");
        assert_rejects("ip rule add fwmark 250 table ntk$(reboot)", "'ntk$(reboot)'");
        assert_rejects(
                "sed -i s/250 reserved_ntk_from_250/250 ntk from/ /etc/iproute2/rt_tables", "'ntk from'");
        assert_rejects("(echo; echo \"250 ntk/x # xxx_table_ntk/x_xxx\") | tee -a /etc/iproute2/rt_tables "
                       ">/dev/null",
                "'ntk/x'");
        assert_rejects("sed -i '/xxx_table_ntk/x_xxx/d' /etc/iproute2/rt_tables", "'ntk/x'");
}

static void test_parse_rejects_sysctl_outside_net(void)
{
        assert_rejects("sysctl kernel.panic=1", "'kernel.panic'");
        assert_rejects("sysctl net.=1", "'net.'");
        assert_rejects("sysctl net.ipv4..ip_forward=1", "'net.ipv4..ip_forward'");
        assert_rejects("sysctl net.ipv4.ip_forward", "'net.ipv4.ip_forward'");
        assert_rejects("sysctl net.ipv4.ip_forward=", "'net.ipv4.ip_forward'");
}

static void test_parse_rejects_bad_numbers(void)
{
        assert_rejects("ip rule add fwmark 0 table ntk", "'0'");
        assert_rejects("ip rule add fwmark 4294967296 table ntk", "'4294967296'");
        assert_rejects("ip rule add fwmark 0xfa table ntk", "'0xfa'");
        assert_rejects("iptables -t mangle -A PREROUTING -m mac --mac-source 00:16:3E:5B:78:D5 -j MARK "
                       "--set-mark 025",
                "'025'");
        assert_rejects(
                "(echo; echo \"0 ntk # xxx_table_ntk_xxx\") | tee -a /etc/iproute2/rt_tables >/dev/null",
                "'0'");
}

static void test_parse_rejects_inconsistent_rt_tables(void)
{
        assert_rejects(
                "(echo; echo \"251 ntk # xxx_table_other_xxx\") | tee -a /etc/iproute2/rt_tables >/dev/null",
                "'xxx_table_other_xxx'");
        assert_rejects(
                "sed -i s/250 reserved_ntk_from_250/251 ntk_from_x/ /etc/iproute2/rt_tables", "changes");
        assert_rejects("sed -i '/xxx_table_ntk_xxx/d' /etc/passwd", "'/etc/passwd'");
        assert_rejects("ip netns exec entr02 sed -i '/xxx_table_ntk_xxx/d' /etc/iproute2/rt_tables",
                "'ip netns exec entr02'");
}

static void test_parse_rejects_gateway_on_unreachable(void)
{
        assert_rejects("ip route change unreachable 10.0.0.0/29 table ntk via 169.254.1.1", "'via'");
        assert_rejects("ip route change blackhole 10.0.0.0/29 table ntk dev eth1", "'dev'");
}

/* ---- render errors ---- */

static void test_render_reports_enobufs(void)
{
        const Example *e = NULL;
        size_t len;
        char buf[NTK_OP_TEXT_MAX];

        for (size_t i = 0; i < G_N_ELEMENTS(examples) && !e; i++)
                if (examples[i].op.kind == NTK_OP_ROUTE_CHANGE && examples[i].op.route.has_src)
                        e = &examples[i];
        g_assert_nonnull(e);
        len = strlen(e->text);

        g_assert_cmpint(ntk_op_render(NULL, &e->op, buf, len + 1), ==, (int) len);
        g_assert_cmpstr(buf, ==, e->text);

        memset(buf, 'x', sizeof(buf));
        g_assert_cmpint(ntk_op_render(NULL, &e->op, buf, len), ==, -ENOBUFS);
        g_assert_cmpstr(buf, ==, "");
        g_assert_cmpint(ntk_op_render(NULL, &e->op, buf, 1), ==, -ENOBUFS);
        g_assert_cmpint(ntk_op_render(NULL, &e->op, NULL, 0), ==, -ENOBUFS);

        /* The prefix counts too. */
        g_assert_cmpint(ntk_op_render("entr02", &e->op, buf, len + 1), ==, -ENOBUFS);
        g_assert_cmpint(ntk_op_render("entr02", &e->op, buf, len + 1 + strlen("ip netns exec entr02 ")), ==,
                (int) (len + strlen("ip netns exec entr02 ")));
}

static void assert_render_rejects(const char *netns, const NtkOp *op)
{
        char buf[NTK_OP_TEXT_MAX];

        memset(buf, 'x', sizeof(buf));
        g_assert_cmpint(ntk_op_render(netns, op, buf, sizeof(buf)), ==, -EINVAL);
        g_assert_cmpstr(buf, ==, "");
}

static void test_render_rejects_invalid_fields(void)
{
        NtkOp op;

        op = (NtkOp){ .kind = _NTK_OP_KIND_MAX };
        assert_render_rejects(NULL, &op);
        op = (NtkOp){ .kind = NTK_OP_NETNS_ADD, .netns = { "" } };
        assert_render_rejects(NULL, &op);
        op = (NtkOp){ .kind = NTK_OP_NETNS_ADD, .netns = { "default" } };
        assert_render_rejects(NULL, &op);
        op = (NtkOp){ .kind = NTK_OP_LINK_SET_UP, .link = { .ifname = "eth 1" } };
        assert_render_rejects(NULL, &op);
        op = (NtkOp){ .kind = NTK_OP_LINK_SET_UP, .link = { .ifname = "eth1" } };
        assert_render_rejects("bad ns", &op);
        op = (NtkOp){ .kind = NTK_OP_ROUTE_FLUSH, .route = { .table = "ntk x" } };
        assert_render_rejects(NULL, &op);
        op = (NtkOp){ .kind = NTK_OP_ROUTE_FLUSH, .route = { .table = "ntk/x" } };
        assert_render_rejects(NULL, &op);
        op = (NtkOp){ .kind = NTK_OP_ROUTE_ADD,
                .route = { .dst = { IP(10, 0, 0, 1), 29 }, .table = "ntk" } };
        assert_render_rejects(NULL, &op);
        op = (NtkOp){ .kind = NTK_OP_ROUTE_ADD,
                .route = { .dst = { IP(10, 0, 0, 0), 33 }, .table = "ntk" } };
        assert_render_rejects(NULL, &op);
        op = (NtkOp){ .kind = NTK_OP_ROUTE_ADD,
                .route = { .type = _NTK_ROUTE_TYPE_MAX, .dst = { IP(10, 0, 0, 0), 29 }, .table = "ntk" } };
        assert_render_rejects(NULL, &op);
        op = (NtkOp){ .kind = NTK_OP_ROUTE_ADD,
                .route = { .type = NTK_ROUTE_UNREACHABLE,
                        .dst = { IP(10, 0, 0, 0), 29 },
                        .table = "ntk",
                        .has_via = true,
                        .via = IP(169, 254, 1, 1) } };
        assert_render_rejects(NULL, &op);
        op = (NtkOp){ .kind = NTK_OP_RULE_ADD, .rule = { .has_fwmark = true, .fwmark = 0, .table = "ntk" } };
        assert_render_rejects(NULL, &op);
        op = (NtkOp){ .kind = NTK_OP_RTTABLE_ADD, .rttable = { 0, "ntk" } };
        assert_render_rejects(NULL, &op);
        op = (NtkOp){ .kind = NTK_OP_RTTABLE_ADD, .rttable = { 251, "ntk" } };
        assert_render_rejects("entr02", &op); /* rt_tables is one file for every namespace */
        op = (NtkOp){ .kind = NTK_OP_SYSCTL, .sysctl = { "kernel.panic", "1" } };
        assert_render_rejects(NULL, &op);
        op = (NtkOp){ .kind = NTK_OP_MARK_ADD, .mark = { MAC_A, 0 } };
        assert_render_rejects(NULL, &op);
        op = (NtkOp){ .kind = NTK_OP_NETMAP_ADD,
                .netmap = { .chain = _NTK_CHAIN_MAX,
                        .dst = { IP(10, 0, 0, 48), 31 },
                        .to = { IP(10, 0, 0, 40), 31 } } };
        assert_render_rejects(NULL, &op);

        /* A name filling its whole array has no NUL: refused, not read past. */
        op = (NtkOp){ .kind = NTK_OP_LINK_SET_UP };
        memset(op.link.ifname, 'a', sizeof(op.link.ifname));
        assert_render_rejects(NULL, &op);
}

/* ---- equality and names ---- */

static void test_equal_ignores_unused_fields(void)
{
        NtkOp a, b;

        memset(&a, 0x11, sizeof(a));
        memset(&b, 0x22, sizeof(b));
        a.kind = b.kind = NTK_OP_NETNS_ADD;
        strcpy(a.netns.name, "entr02");
        strcpy(b.netns.name, "entr02");
        g_assert_true(ntk_op_equal(&a, &b));
        strcpy(b.netns.name, "entr03");
        g_assert_false(ntk_op_equal(&a, &b));

        a = (NtkOp){ .kind = NTK_OP_ROUTE_DEL, .route = { .dst = { IP(10, 0, 0, 0), 29 }, .table = "ntk" } };
        b = a;
        b.route.via = IP(1, 2, 3, 4); /* has_via is false: via is not part of the op */
        g_assert_true(ntk_op_equal(&a, &b));
        b.route.has_via = true;
        g_assert_false(ntk_op_equal(&a, &b));

        a = (NtkOp){ .kind = NTK_OP_RTTABLE_DEL, .rttable = { 250, "ntk_from_x" } };
        b = (NtkOp){ .kind = NTK_OP_RTTABLE_DEL, .rttable = { 0, "ntk_from_x" } };
        g_assert_true(ntk_op_equal(&a, &b)); /* a removal goes by name */
        a.kind = b.kind = NTK_OP_RTTABLE_ADD;
        g_assert_false(ntk_op_equal(&a, &b));

        a = (NtkOp){ .kind = NTK_OP_SNAT_ADD, .snat = { { IP(10, 0, 0, 64), 27 }, IP(10, 0, 0, 26) } };
        b = a;
        b.kind = NTK_OP_SNAT_DEL;
        g_assert_false(ntk_op_equal(&a, &b));
}

static void test_kind_and_type_names(void)
{
        for (NtkOpKind k = 0; k < _NTK_OP_KIND_MAX; k++) {
                g_assert_nonnull(ntk_op_kind_to_string(k));
                for (NtkOpKind l = 0; l < k; l++)
                        g_assert_cmpstr(ntk_op_kind_to_string(k), !=, ntk_op_kind_to_string(l));
        }
        g_assert_null(ntk_op_kind_to_string(_NTK_OP_KIND_MAX));
        g_assert_cmpstr(ntk_op_kind_to_string(NTK_OP_ROUTE_ADD), ==, "route-add");
        g_assert_cmpstr(ntk_route_type_to_string(NTK_ROUTE_UNICAST), ==, "unicast");
        g_assert_cmpstr(ntk_route_type_to_string(NTK_ROUTE_UNREACHABLE), ==, "unreachable");
        g_assert_cmpstr(ntk_route_type_to_string(NTK_ROUTE_BLACKHOLE), ==, "blackhole");
        g_assert_null(ntk_route_type_to_string(_NTK_ROUTE_TYPE_MAX));
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);

        g_test_add_func("/kops/roundtrip/timeline", test_roundtrip_timeline);
        g_test_add_func("/kops/roundtrip/every-kind", test_every_kind_renders_and_parses_back);
        g_test_add_func("/kops/roundtrip/accepted-lines-render-back", test_accepted_lines_render_back);
        g_test_add_func("/kops/parse/accepts-other-spellings", test_parse_accepts_other_spellings);
        g_test_add_func("/kops/parse/rt-tables-argv-forms", test_parse_rt_tables_argv_forms);
        g_test_add_func("/kops/parse/zeroes-unused-bytes", test_parse_zeroes_unused_bytes);
        g_test_add_func("/kops/parse/rejects-unknown-verb", test_parse_rejects_unknown_verb);
        g_test_add_func("/kops/parse/rejects-host-bits", test_parse_rejects_host_bits);
        g_test_add_func("/kops/parse/rejects-bad-cidr", test_parse_rejects_bad_cidr);
        g_test_add_func("/kops/parse/rejects-bad-mac", test_parse_rejects_bad_mac);
        g_test_add_func("/kops/parse/rejects-missing-table-value", test_parse_rejects_missing_table_value);
        g_test_add_func("/kops/parse/rejects-duplicate-keyword", test_parse_rejects_duplicate_keyword);
        g_test_add_func("/kops/parse/rejects-trailing-garbage", test_parse_rejects_trailing_garbage);
        g_test_add_func("/kops/parse/rejects-long-ifname", test_parse_rejects_long_ifname);
        g_test_add_func("/kops/parse/rejects-empty", test_parse_rejects_empty);
        g_test_add_func("/kops/parse/rejects-netns-exec-without-command",
                test_parse_rejects_netns_exec_without_command);
        g_test_add_func("/kops/parse/rejects-bad-table-name", test_parse_rejects_bad_table_name);
        g_test_add_func("/kops/parse/rejects-sysctl-outside-net", test_parse_rejects_sysctl_outside_net);
        g_test_add_func("/kops/parse/rejects-bad-numbers", test_parse_rejects_bad_numbers);
        g_test_add_func(
                "/kops/parse/rejects-inconsistent-rt-tables", test_parse_rejects_inconsistent_rt_tables);
        g_test_add_func(
                "/kops/parse/rejects-gateway-on-unreachable", test_parse_rejects_gateway_on_unreachable);
        g_test_add_func("/kops/render/reports-enobufs", test_render_reports_enobufs);
        g_test_add_func("/kops/render/rejects-invalid-fields", test_render_rejects_invalid_fields);
        g_test_add_func("/kops/equal/ignores-unused-fields", test_equal_ignores_unused_fields);
        g_test_add_func("/kops/names/kinds-and-route-types", test_kind_and_type_names);

        return g_test_run();
}
