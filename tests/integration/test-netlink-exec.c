/* test-netlink-exec.c — the netlink executor against a real kernel, run alone in a fresh mount+network
 * namespace (`unshare --mount --net`); `ip` only sets up fixtures and reads state back. Must not: touch
 * anything outside the namespaces it creates. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

#include "ipv4.h"
#include "kops.h"
#include "netlink.h"

#define GW "169.254.94.223"
#define MY_LL "169.254.96.141"

/* ---- fixtures: `ip` in our own namespace ---- */

static char *run_ip(gboolean must_succeed, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static char *run_ip(gboolean must_succeed, const char *fmt, ...)
{
        g_autofree char *args = NULL, *cmd = NULL, *out = NULL, *err = NULL;
        g_auto(GStrv) argv = NULL;
        g_autoptr(GError) error = NULL;
        va_list ap;
        int status;

        va_start(ap, fmt);
        args = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        cmd = g_strconcat("ip ", args, NULL);
        g_assert_true(g_shell_parse_argv(cmd, NULL, &argv, &error));
        g_assert_true(g_spawn_sync(
                NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error));
        if (must_succeed && !g_spawn_check_wait_status(status, NULL))
                g_error("`%s` failed: %s", cmd, err);
        if (!must_succeed && !g_spawn_check_wait_status(status, NULL))
                return NULL;
        return g_steal_pointer(&out);
}

/* `ip -j ARGS` parsed; an empty output counts as an empty array. */
static json_t *ip_json(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static json_t *ip_json(const char *fmt, ...)
{
        g_autofree char *args = NULL, *out = NULL;
        json_error_t jerr;
        json_t *j;
        va_list ap;

        va_start(ap, fmt);
        args = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        out = run_ip(TRUE, "-j %s", args);
        if (g_strstrip(out)[0] == '\0')
                return json_array();
        j = json_loads(out, 0, &jerr);
        if (!j)
                g_error("cannot parse `ip -j %s`: %s", args, jerr.text);
        g_assert_true(json_is_array(j));
        return j;
}

static const char *jstr(json_t *o, const char *key)
{
        json_t *v = json_object_get(o, key);
        return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The route of `ip -j -4 route show table T` whose dst is DST, or NULL. */
static json_t *find_route(json_t *routes, const char *dst)
{
        size_t i;
        json_t *r;

        for (i = 0; (r = json_array_get(routes, i)); i++)
                if (g_strcmp0(jstr(r, "dst"), dst) == 0)
                        return r;
        return NULL;
}

static gboolean is_ntk_protocol(json_t *o)
{
        const char *p = jstr(o, "protocol");
        return g_strcmp0(p, "ntk") == 0 || g_strcmp0(p, "15") == 0;
}

/* ---- ops ---- */

static uint32_t ip4(const char *s)
{
        uint32_t a;
        g_assert_cmpint(ntk_ipv4_parse(s, &a), ==, 0);
        return a;
}

static NtkOp route_op(
        NtkOpKind k, NtkRouteType t, const char *dst, const char *via, const char *dev, const char *src)
{
        NtkOp op = {.kind = k};

        op.route.type = t;
        g_assert_cmpint(ntk_cidr_parse(dst, true, &op.route.dst), ==, 0);
        g_strlcpy(op.route.table, "test", sizeof(op.route.table));
        if (via) {
                op.route.has_via = true;
                op.route.via = ip4(via);
        }
        if (dev)
                g_strlcpy(op.route.dev, dev, sizeof(op.route.dev));
        if (src) {
                op.route.has_src = true;
                op.route.src = ip4(src);
        }
        return op;
}

static NtkOp flush_op(void)
{
        NtkOp op = {.kind = NTK_OP_ROUTE_FLUSH};
        g_strlcpy(op.route.table, "test", sizeof(op.route.table));
        return op;
}

static NtkOp addr_op(NtkOpKind k, const char *addr, const char *dev)
{
        NtkOp op = {.kind = k};

        g_assert_cmpint(ntk_cidr_parse(addr, true, &op.addr.addr), ==, 0);
        g_strlcpy(op.addr.dev, dev, sizeof(op.addr.dev));
        return op;
}

static NtkOp rule_op(NtkOpKind k, int64_t fwmark)
{
        NtkOp op = {.kind = k};

        if (fwmark >= 0) {
                op.rule.has_fwmark = true;
                op.rule.fwmark = (uint32_t) fwmark;
        }
        g_strlcpy(op.rule.table, "test", sizeof(op.rule.table));
        return op;
}

static NtkOp link_op(NtkOpKind k, const char *ifname, const char *parent)
{
        NtkOp op = {.kind = k};

        g_strlcpy(op.link.ifname, ifname, sizeof(op.link.ifname));
        if (parent)
                g_strlcpy(op.link.parent, parent, sizeof(op.link.parent));
        return op;
}

static NlOpCtx in_table(uint32_t t)
{
        return (NlOpCtx){.table = t, .netns_fd = -1};
}

static void run_ops(const NtkOp *ops, const NlOpCtx *ctx, size_t n, int *results)
{
        NlExec *e = NULL;

        g_assert_cmpint(nlexec_open(&e), ==, 0);
        for (size_t i = 0; i < n; i++)
                results[i] = 4242; /* every op must be given a result */
        g_assert_cmpint(nlexec_run(e, ops, ctx, n, results), ==, 0);
        nlexec_free(e);
        for (size_t i = 0; i < n; i++)
                g_assert_cmpint(results[i], !=, 4242);
}

/* Runs one op alone and returns its result. */
static int run_one(NtkOp op, NlOpCtx ctx)
{
        int r;
        run_ops(&op, &ctx, 1, &r);
        return r;
}

static size_t table_size(uint32_t table)
{
        json_t *j = ip_json("-4 route show table %u", table);
        size_t n = json_array_size(j);
        json_decref(j);
        return n;
}

/* ---- tests ---- */

static void test_netlink_handles_exactly_addr_route_rule_link(void)
{
        g_assert_true(nlexec_handles(NTK_OP_ADDR_ADD));
        g_assert_true(nlexec_handles(NTK_OP_ROUTE_FLUSH));
        g_assert_true(nlexec_handles(NTK_OP_RULE_DEL));
        g_assert_true(nlexec_handles(NTK_OP_LINK_SET_NETNS));
        g_assert_true(nlexec_handles(NTK_OP_LINK_ADD_MACVLAN));
        g_assert_false(nlexec_handles(NTK_OP_NETNS_ADD));
        g_assert_false(nlexec_handles(NTK_OP_SYSCTL));
        g_assert_false(nlexec_handles(NTK_OP_MARK_ADD));
        g_assert_false(nlexec_handles(NTK_OP_RTTABLE_ADD));
}

static void test_netlink_addr_add_is_slash32_and_del_removes_it(void)
{
        NtkOp ops[] = {addr_op(NTK_OP_ADDR_ADD, "10.0.0.26", "eth1"),
                addr_op(NTK_OP_ADDR_ADD, "10.0.0.90", "eth1")};
        NlOpCtx ctx[] = {in_table(254), in_table(254)};
        int res[2];
        json_t *j, *ai;
        size_t i;
        int found = 0;

        run_ops(ops, ctx, 2, res);
        g_assert_cmpint(res[0], ==, 0);
        g_assert_cmpint(res[1], ==, 0);

        j = ip_json("-4 address show dev eth1");
        for (i = 0; (ai = json_array_get(json_object_get(json_array_get(j, 0), "addr_info"), i)); i++) {
                const char *local = jstr(ai, "local");
                if (g_strcmp0(local, "10.0.0.26") == 0 || g_strcmp0(local, "10.0.0.90") == 0) {
                        g_assert_cmpint(json_integer_value(json_object_get(ai, "prefixlen")), ==, 32);
                        g_assert_cmpstr(jstr(ai, "scope"), ==, "global");
                        found++;
                }
        }
        json_decref(j);
        g_assert_cmpint(found, ==, 2);

        /* adding it again: EEXIST for that op only */
        g_assert_cmpint(run_one(ops[0], ctx[0]), ==, -EEXIST);

        ops[0].kind = ops[1].kind = NTK_OP_ADDR_DEL;
        run_ops(ops, ctx, 2, res);
        g_assert_cmpint(res[0], ==, 0);
        g_assert_cmpint(res[1], ==, 0);
        g_autofree char *out = run_ip(TRUE, "-4 address show dev eth1");
        g_assert_null(strstr(out, "10.0.0.26"));
        g_assert_null(strstr(out, "10.0.0.90"));
        g_assert_nonnull(strstr(out, MY_LL));
}

static void test_netlink_host_route_without_gateway_is_link_scope_like_ip(void)
{
        /* ip route add 169.254.94.223 dev eth1 src 169.254.96.141 (E9), in main; ip writes the twin */
        NtkOp add = route_op(NTK_OP_ROUTE_ADD, NTK_ROUTE_UNICAST, "169.254.7.7", NULL, "eth1", MY_LL);
        json_t *j, *ours, *theirs;

        g_assert_cmpint(run_one(add, in_table(254)), ==, 0);
        g_free(run_ip(TRUE, "route add 169.254.7.8 dev eth1 src " MY_LL));

        j = ip_json("-4 route show table main");
        ours = find_route(j, "169.254.7.7");
        theirs = find_route(j, "169.254.7.8");
        g_assert_nonnull(ours);
        g_assert_nonnull(theirs);
        g_assert_cmpstr(jstr(ours, "scope"), ==, "link");
        g_assert_cmpstr(jstr(ours, "scope"), ==, jstr(theirs, "scope"));
        g_assert_cmpstr(jstr(ours, "dev"), ==, "eth1");
        g_assert_cmpstr(jstr(ours, "prefsrc"), ==, MY_LL);
        g_assert_true(is_ntk_protocol(ours));
        json_decref(j);

        /* del with the add's shape (E9 removal) */
        add.kind = NTK_OP_ROUTE_DEL;
        g_assert_cmpint(run_one(add, in_table(254)), ==, 0);
        j = ip_json("-4 route show table main");
        g_assert_null(find_route(j, "169.254.7.7"));
        json_decref(j);
        g_free(run_ip(TRUE, "route del 169.254.7.8 dev eth1"));
}

static void test_netlink_route_types_gateway_src_and_big_table_ids(void)
{
        NtkOp ops[] = {
                addr_op(NTK_OP_ADDR_ADD, "10.0.0.23", "eth1"), /* src must be local first */
                route_op(NTK_OP_ROUTE_ADD, NTK_ROUTE_UNREACHABLE, "10.0.0.0/29", NULL, NULL, NULL),
                route_op(NTK_OP_ROUTE_ADD, NTK_ROUTE_BLACKHOLE, "10.0.0.41/32", NULL, NULL, NULL),
                route_op(NTK_OP_ROUTE_ADD, NTK_ROUTE_UNREACHABLE, "10.0.0.22/32", NULL, NULL, NULL),
                route_op(NTK_OP_ROUTE_CHANGE, NTK_ROUTE_UNICAST, "10.0.0.22/32", GW, "eth1", "10.0.0.23"),
                route_op(NTK_OP_ROUTE_ADD, NTK_ROUTE_UNREACHABLE, "10.0.0.64/26", NULL, NULL, NULL),
        };
        NlOpCtx ctx[] = {
                in_table(254), in_table(250), in_table(250), in_table(250), in_table(250), in_table(1000)};
        int res[G_N_ELEMENTS(ops)];
        json_t *j, *r;

        run_ops(ops, ctx, G_N_ELEMENTS(ops), res);
        for (size_t i = 0; i < G_N_ELEMENTS(ops); i++)
                g_assert_cmpint(res[i], ==, 0);

        j = ip_json("-4 route show table 250");
        g_assert_cmpuint(json_array_size(j), ==, 3);
        r = find_route(j, "10.0.0.0/29");
        g_assert_cmpstr(jstr(r, "type"), ==, "unreachable");
        g_assert_true(is_ntk_protocol(r));
        r = find_route(j, "10.0.0.41");
        g_assert_cmpstr(jstr(r, "type"), ==, "blackhole");
        g_assert_true(is_ntk_protocol(r));
        r = find_route(j, "10.0.0.22");
        g_assert_null(jstr(r, "type")); /* unicast */
        g_assert_cmpstr(jstr(r, "gateway"), ==, GW);
        g_assert_cmpstr(jstr(r, "dev"), ==, "eth1");
        g_assert_cmpstr(jstr(r, "prefsrc"), ==, "10.0.0.23");
        g_assert_null(jstr(r, "scope")); /* universe: ip prints no scope */
        g_assert_true(is_ntk_protocol(r));
        json_decref(j);

        j = ip_json("-4 route show table 1000");
        g_assert_cmpuint(json_array_size(j), ==, 1);
        g_assert_cmpstr(jstr(json_array_get(j, 0), "dst"), ==, "10.0.0.64/26");
        json_decref(j);

        /* change back to unreachable, then delete (del of a unicast-shaped op matches any type, as ip) */
        NtkOp back[] = {
                route_op(NTK_OP_ROUTE_CHANGE, NTK_ROUTE_UNREACHABLE, "10.0.0.22/32", NULL, NULL, NULL),
                route_op(NTK_OP_ROUTE_DEL, NTK_ROUTE_UNICAST, "10.0.0.22/32", NULL, NULL, NULL),
                route_op(NTK_OP_ROUTE_DEL, NTK_ROUTE_BLACKHOLE, "10.0.0.41/32", NULL, NULL, NULL),
                route_op(NTK_OP_ROUTE_DEL, NTK_ROUTE_UNREACHABLE, "10.0.0.0/29", NULL, NULL, NULL),
                route_op(NTK_OP_ROUTE_DEL, NTK_ROUTE_UNREACHABLE, "10.0.0.64/26", NULL, NULL, NULL),
                addr_op(NTK_OP_ADDR_DEL, "10.0.0.23/32", "eth1"),
        };
        NlOpCtx bctx[] = {
                in_table(250), in_table(250), in_table(250), in_table(250), in_table(1000), in_table(254)};
        run_ops(back, bctx, G_N_ELEMENTS(back), res);
        for (size_t i = 0; i < G_N_ELEMENTS(back); i++)
                g_assert_cmpint(res[i], ==, 0);
        g_assert_cmpuint(table_size(250), ==, 0);
        g_assert_cmpuint(table_size(1000), ==, 0);
}

static void test_netlink_change_of_missing_route_fails_enoent_alone(void)
{
        NtkOp ops[] = {
                route_op(NTK_OP_ROUTE_ADD, NTK_ROUTE_UNREACHABLE, "10.1.0.0/24", NULL, NULL, NULL),
                route_op(NTK_OP_ROUTE_CHANGE, NTK_ROUTE_UNREACHABLE, "10.1.1.0/24", NULL, NULL, NULL),
                route_op(NTK_OP_ROUTE_ADD, NTK_ROUTE_UNREACHABLE, "10.1.2.0/24", NULL, NULL, NULL),
                route_op(NTK_OP_ROUTE_CHANGE, NTK_ROUTE_BLACKHOLE, "10.1.2.0/24", NULL, NULL, NULL),
                route_op(NTK_OP_ROUTE_ADD, NTK_ROUTE_UNREACHABLE, "10.1.0.0/24", NULL, NULL,
                        NULL), /* again */
        };
        NlOpCtx ctx[] = {in_table(249), in_table(249), in_table(249), in_table(249), in_table(249)};
        int res[G_N_ELEMENTS(ops)];
        json_t *j;

        run_ops(ops, ctx, G_N_ELEMENTS(ops), res);
        g_assert_cmpint(res[0], ==, 0);
        g_assert_cmpint(res[1], ==, -ENOENT);
        g_assert_cmpint(res[2], ==, 0);
        g_assert_cmpint(res[3], ==, 0);
        g_assert_cmpint(res[4], ==, -EEXIST);

        j = ip_json("-4 route show table 249");
        g_assert_cmpuint(json_array_size(j), ==, 2);
        g_assert_nonnull(find_route(j, "10.1.0.0/24"));
        g_assert_null(find_route(j, "10.1.1.0/24"));
        g_assert_cmpstr(jstr(find_route(j, "10.1.2.0/24"), "type"), ==, "blackhole");
        json_decref(j);
        g_assert_cmpint(run_one(flush_op(), in_table(249)), ==, 0);
}

static void test_netlink_del_spares_routes_of_other_protocols(void)
{
        NtkOp del = route_op(NTK_OP_ROUTE_DEL, NTK_ROUTE_UNREACHABLE, "10.2.0.0/24", NULL, NULL, NULL);
        NtkOp del_any = route_op(NTK_OP_ROUTE_DEL, NTK_ROUTE_UNICAST, "10.2.0.0/24", NULL, NULL, NULL);
        json_t *j, *r;
        int res;

        g_free(run_ip(TRUE, "route add unreachable 10.2.0.0/24 table 248 proto static"));
        res = run_one(del, in_table(248));
        g_assert_true(res == -ESRCH || res == -ENOENT);
        res = run_one(del_any, in_table(248));
        g_assert_true(res == -ESRCH || res == -ENOENT);

        j = ip_json("-4 route show table 248");
        r = find_route(j, "10.2.0.0/24");
        g_assert_nonnull(r);
        g_assert_cmpstr(jstr(r, "protocol"), ==, "static");
        json_decref(j);

        /* ours, same dst, next to it in another table: deleted */
        g_free(run_ip(TRUE, "route add unreachable 10.2.0.0/24 table 247 proto 15"));
        g_assert_cmpint(run_one(del, in_table(247)), ==, 0);
        g_assert_cmpuint(table_size(247), ==, 0);
        g_assert_cmpuint(table_size(248), ==, 1);
        g_free(run_ip(TRUE, "route flush table 248"));
}

static void test_netlink_flush_empties_only_its_table(void)
{
        NtkOp ops[] = {
                route_op(NTK_OP_ROUTE_ADD, NTK_ROUTE_UNREACHABLE, "10.3.0.0/24", NULL, NULL, NULL),
                route_op(NTK_OP_ROUTE_ADD, NTK_ROUTE_BLACKHOLE, "10.3.1.0/24", NULL, NULL, NULL),
                route_op(NTK_OP_ROUTE_ADD, NTK_ROUTE_UNICAST, "10.3.2.0/24", GW, "eth1", NULL),
                route_op(NTK_OP_ROUTE_ADD, NTK_ROUTE_UNREACHABLE, "10.3.0.0/24", NULL, NULL, NULL),
                flush_op(),
                /* after the flush, in the same batch: sees the emptied table */
                route_op(NTK_OP_ROUTE_ADD, NTK_ROUTE_UNREACHABLE, "10.3.9.0/24", NULL, NULL, NULL),
        };
        NlOpCtx ctx[] = {
                in_table(246), in_table(246), in_table(246), in_table(245), in_table(246), in_table(246)};
        int res[G_N_ELEMENTS(ops)];
        json_t *j;

        /* a route that is not ours (another protocol) survives the flush */
        g_free(run_ip(TRUE, "route add unreachable 10.3.5.0/24 table 246 proto static"));
        run_ops(ops, ctx, G_N_ELEMENTS(ops), res);
        for (size_t i = 0; i < G_N_ELEMENTS(ops); i++)
                g_assert_cmpint(res[i], ==, 0);

        j = ip_json("-4 route show table 246");
        g_assert_cmpuint(json_array_size(j), ==, 2);
        g_assert_nonnull(find_route(j, "10.3.9.0/24"));
        g_assert_nonnull(find_route(j, "10.3.5.0/24"));
        json_decref(j);
        g_free(run_ip(TRUE, "route del 10.3.5.0/24 table 246 proto static"));
        g_assert_cmpuint(table_size(245), ==, 1);

        /* flushing an empty table succeeds */
        g_assert_cmpint(run_one(flush_op(), in_table(244)), ==, 0);
        g_assert_cmpint(run_one(flush_op(), in_table(246)), ==, 0);
        g_assert_cmpint(run_one(flush_op(), in_table(245)), ==, 0);
        g_assert_cmpuint(table_size(246), ==, 0);
        g_assert_cmpuint(table_size(245), ==, 0);
}

/* "pref fwmark table" of every rule, one line each. */
static char *rules_summary(void)
{
        json_t *j = ip_json("-4 rule show"), *r;
        GString *s = g_string_new(NULL);
        size_t i;

        for (i = 0; (r = json_array_get(j, i)); i++)
                g_string_append_printf(s, "%" JSON_INTEGER_FORMAT " %s %s\n",
                        json_integer_value(json_object_get(r, "priority")),
                        jstr(r, "fwmark") ? jstr(r, "fwmark") : "-", jstr(r, "table"));
        json_decref(j);
        return g_string_free(s, FALSE);
}

static size_t count_rules_with_fwmark(const char *mark)
{
        json_t *j = ip_json("-4 rule show"), *r;
        size_t i, n = 0;

        for (i = 0; (r = json_array_get(j, i)); i++)
                if (g_strcmp0(jstr(r, "fwmark"), mark) == 0)
                        n++;
        json_decref(j);
        return n;
}

static void test_netlink_rules_take_the_priorities_ip_rule_add_gives(void)
{
        NtkOp ops[] = {rule_op(NTK_OP_RULE_ADD, 250), rule_op(NTK_OP_RULE_ADD, 249),
                rule_op(NTK_OP_RULE_ADD, 1000)};
        NlOpCtx ctx[] = {in_table(250), in_table(249), in_table(1000)};
        g_autofree char *ours = NULL, *theirs = NULL;
        int res[3];
        json_t *j, *r;
        size_t i;

        g_free(run_ip(TRUE, "rule add table 251")); /* E4, earlier */
        run_ops(ops, ctx, 3, res);
        for (i = 0; i < 3; i++)
                g_assert_cmpint(res[i], ==, 0);
        ours = rules_summary();

        /* rules carry no protocol: the documented (kdump) state has none */
        j = ip_json("-4 rule show");
        for (i = 0; (r = json_array_get(j, i)); i++)
                if (jstr(r, "fwmark"))
                        g_assert_false(is_ntk_protocol(r));
        json_decref(j);

        /* The same rule again is not EEXIST: the kernel's duplicate check compares the priority too, and
         * the new one gets a fresh priority. `ip rule add` behaves the same. One delete removes one. */
        g_assert_cmpint(run_one(ops[0], ctx[0]), ==, 0);
        g_assert_cmpuint(count_rules_with_fwmark("0xfa"), ==, 2);
        ops[0].kind = NTK_OP_RULE_DEL;
        g_assert_cmpint(run_one(ops[0], ctx[0]), ==, 0);
        g_assert_cmpuint(count_rules_with_fwmark("0xfa"), ==, 1);

        for (i = 0; i < 3; i++)
                ops[i].kind = NTK_OP_RULE_DEL;
        run_ops(ops, ctx, 3, res);
        for (i = 0; i < 3; i++)
                g_assert_cmpint(res[i], ==, 0);
        g_assert_cmpint(run_one(ops[0], ctx[0]), ==, -ENOENT);

        g_free(run_ip(TRUE, "rule add fwmark 250 table 250"));
        g_free(run_ip(TRUE, "rule add fwmark 249 table 249"));
        g_free(run_ip(TRUE, "rule add fwmark 1000 table 1000"));
        theirs = rules_summary();
        g_test_message("rules after nlexec:\n%s", ours);
        g_assert_cmpstr(ours, ==, theirs);
        g_assert_nonnull(strstr(ours, "32763 0xf9 249\n32764 0xfa 250\n32765 - 251\n"));

        /* without a protocol tag a delete matches like `ip rule del`: confinement (rules may only point at
         * ntk's tables) is what keeps foreign rules safe */
        g_assert_cmpint(run_one(ops[0], ctx[0]), ==, 0);
        g_assert_cmpuint(count_rules_with_fwmark("0xfa"), ==, 0);
        g_free(run_ip(TRUE, "rule del fwmark 249 table 249"));
        g_free(run_ip(TRUE, "rule del fwmark 1000 table 1000"));
        g_free(run_ip(TRUE, "rule del table 251"));
}

static void test_netlink_missing_dev_gives_enodev_for_that_op_only(void)
{
        NtkOp ops[] = {
                route_op(NTK_OP_ROUTE_ADD, NTK_ROUTE_UNREACHABLE, "10.4.0.0/24", NULL, NULL, NULL),
                route_op(NTK_OP_ROUTE_ADD, NTK_ROUTE_UNICAST, "10.4.1.0/24", GW, "nosuch0", NULL),
                addr_op(NTK_OP_ADDR_ADD, "10.0.0.99", "nosuch0"),
                link_op(NTK_OP_LINK_SET_UP, "nosuch0", NULL),
                route_op(NTK_OP_ROUTE_ADD, NTK_ROUTE_UNREACHABLE, "10.4.2.0/24", NULL, NULL, NULL),
        };
        NlOpCtx ctx[] = {in_table(243), in_table(243), in_table(254), in_table(254), in_table(243)};
        int res[G_N_ELEMENTS(ops)];

        run_ops(ops, ctx, G_N_ELEMENTS(ops), res);
        g_assert_cmpint(res[0], ==, 0);
        g_assert_cmpint(res[1], ==, -ENODEV);
        g_assert_cmpint(res[2], ==, -ENODEV);
        g_assert_cmpint(res[3], ==, -ENODEV);
        g_assert_cmpint(res[4], ==, 0);
        g_assert_cmpuint(table_size(243), ==, 2);
        g_assert_cmpint(run_one(flush_op(), in_table(243)), ==, 0);
}

static void write_file(const char *path, const char *text)
{
        g_autoptr(GError) error = NULL;
        g_assert_true(g_file_set_contents(path, text, -1, &error));
}

static void test_netlink_10000_adds_then_10000_changes_in_one_run_each(void)
{
        enum { N = 10000 };
        g_autofree NtkOp *ops = g_new0(NtkOp, N);
        g_autofree NlOpCtx *ctx = g_new0(NlOpCtx, N);
        g_autofree int *res = g_new0(int, N);
        g_autoptr(GTimer) t = g_timer_new();
        g_autoptr(GString) adds = g_string_new(NULL), changes = g_string_new(NULL);
        g_autofree char *dir = g_dir_make_tmp("ntk-nl-XXXXXX", NULL);
        g_autofree char *fadd = g_build_filename(dir, "add", NULL),
                        *fchange = g_build_filename(dir, "change", NULL);
        double t_add, t_change, t_flush, ip_add, ip_change;
        char dst[NTK_CIDR_STRLEN];

        for (int i = 0; i < N; i++) {
                NtkCidr c = {.addr = 0x0a000000u | ((uint32_t) i << 2), .prefix = 30};
                ntk_cidr_format(c, dst);
                ops[i] = route_op(NTK_OP_ROUTE_ADD, NTK_ROUTE_UNREACHABLE, dst, NULL, NULL, NULL);
                ctx[i] = in_table(250);
                g_string_append_printf(adds, "route add unreachable %s table 242 proto 15\n", dst);
                g_string_append_printf(
                        changes, "route change %s table 242 via " GW " dev eth1 proto 15\n", dst);
        }
        g_timer_start(t);
        run_ops(ops, ctx, N, res);
        t_add = g_timer_elapsed(t, NULL);
        for (int i = 0; i < N; i++)
                g_assert_cmpint(res[i], ==, 0);

        for (int i = 0; i < N; i++) {
                NtkCidr c = ops[i].route.dst;
                ntk_cidr_format(c, dst);
                ops[i] = route_op(NTK_OP_ROUTE_CHANGE, NTK_ROUTE_UNICAST, dst, GW, "eth1", NULL);
        }
        g_timer_start(t);
        run_ops(ops, ctx, N, res);
        t_change = g_timer_elapsed(t, NULL);
        for (int i = 0; i < N; i++)
                g_assert_cmpint(res[i], ==, 0);

        json_t *j = ip_json("-4 route show table 250");
        g_assert_cmpuint(json_array_size(j), ==, N);
        g_assert_cmpstr(jstr(json_array_get(j, 0), "gateway"), ==, GW);
        json_decref(j);

        /* the same commands through `ip -batch`, into table 242 */
        write_file(fadd, adds->str);
        write_file(fchange, changes->str);
        g_timer_start(t);
        g_free(run_ip(TRUE, "-batch %s", fadd));
        ip_add = g_timer_elapsed(t, NULL);
        g_timer_start(t);
        g_free(run_ip(TRUE, "-batch %s", fchange));
        ip_change = g_timer_elapsed(t, NULL);
        g_assert_cmpuint(table_size(242), ==, N);

        g_timer_start(t);
        g_assert_cmpint(run_one(flush_op(), in_table(250)), ==, 0);
        t_flush = g_timer_elapsed(t, NULL);
        g_assert_cmpuint(table_size(250), ==, 0);
        g_assert_cmpint(run_one(flush_op(), in_table(242)), ==, 0);
        g_assert_cmpuint(table_size(242), ==, 0);

        g_test_message("10000 route adds: nlexec %.1f ms, ip -batch %.1f ms (%.1fx)", t_add * 1e3,
                ip_add * 1e3, ip_add / t_add);
        g_test_message("10000 route changes: nlexec %.1f ms, ip -batch %.1f ms (%.1fx)", t_change * 1e3,
                ip_change * 1e3, ip_change / t_change);
        g_test_message("flush of 10000 routes: nlexec %.1f ms", t_flush * 1e3);
        g_unlink(fadd);
        g_unlink(fchange);
        g_rmdir(dir);
}

static json_t *link_json(const char *ifname)
{
        json_t *j = ip_json("-d link show dev %s", ifname);
        json_t *l = json_incref(json_array_get(j, 0));
        json_decref(j);
        return l;
}

static gboolean has_flag(json_t *link, const char *flag)
{
        size_t i;
        json_t *f;

        for (i = 0; (f = json_array_get(json_object_get(link, "flags"), i)); i++)
                if (g_strcmp0(json_string_value(f), flag) == 0)
                        return TRUE;
        return FALSE;
}

static void test_netlink_macvlan_add_mac_up_addr_route_del(void)
{
        NtkOp ops[] = {
                link_op(NTK_OP_LINK_ADD_MACVLAN, "ntkv0_eth1", "eth1"),
                link_op(NTK_OP_LINK_SET_MAC, "ntkv0_eth1", NULL),
                link_op(NTK_OP_LINK_SET_UP, "ntkv0_eth1", NULL),
                /* names resolve after the link ops before them */
                addr_op(NTK_OP_ADDR_ADD, "169.254.27.218", "ntkv0_eth1"),
                route_op(NTK_OP_ROUTE_ADD, NTK_ROUTE_UNICAST, "169.254.69.30", NULL, "ntkv0_eth1",
                        "169.254.27.218"),
                link_op(NTK_OP_LINK_ADD_MACVLAN, "ntkv0_eth1", "eth1"), /* exists */
        };
        NlOpCtx ctx[G_N_ELEMENTS(ops)];
        int res[G_N_ELEMENTS(ops)];
        const uint8_t mac[6] = {0x00, 0x16, 0x3e, 0x5b, 0x78, 0xd5};
        json_t *ours, *theirs, *j, *r;

        for (size_t i = 0; i < G_N_ELEMENTS(ops); i++)
                ctx[i] = in_table(254);
        memcpy(ops[1].link.mac, mac, 6);
        run_ops(ops, ctx, G_N_ELEMENTS(ops), res);
        for (size_t i = 0; i < 5; i++)
                g_assert_cmpint(res[i], ==, 0);
        g_assert_cmpint(res[5], ==, -EEXIST);

        g_free(run_ip(TRUE, "link add ipmv link eth1 type macvlan"));
        ours = link_json("ntkv0_eth1");
        theirs = link_json("ipmv");
        g_assert_cmpstr(jstr(ours, "link"), ==, "eth1");
        g_assert_cmpstr(jstr(ours, "address"), ==, "00:16:3e:5b:78:d5");
        g_assert_true(has_flag(ours, "UP"));
        g_assert_false(has_flag(theirs, "UP"));
        json_t *oi = json_object_get(ours, "linkinfo"), *ti = json_object_get(theirs, "linkinfo");
        g_assert_cmpstr(jstr(oi, "info_kind"), ==, "macvlan");
        g_assert_cmpstr(jstr(json_object_get(oi, "info_data"), "mode"), ==,
                jstr(json_object_get(ti, "info_data"), "mode"));
        g_test_message("macvlan mode: %s", jstr(json_object_get(oi, "info_data"), "mode"));
        json_decref(ours);
        json_decref(theirs);
        g_free(run_ip(TRUE, "link del ipmv"));

        j = ip_json("-4 route show table main");
        r = find_route(j, "169.254.69.30");
        g_assert_nonnull(r);
        g_assert_cmpstr(jstr(r, "dev"), ==, "ntkv0_eth1");
        g_assert_cmpstr(jstr(r, "scope"), ==, "link");
        json_decref(j);

        NtkOp del = link_op(NTK_OP_LINK_DEL, "ntkv0_eth1", NULL);
        g_assert_cmpint(run_one(del, in_table(254)), ==, 0);
        g_assert_null(run_ip(FALSE, "link show dev ntkv0_eth1"));
        g_assert_cmpint(run_one(del, in_table(254)), ==, -ENODEV);
}

static void test_netlink_set_netns_moves_the_macvlan(void)
{
        NtkOp ops[] = {
                link_op(NTK_OP_LINK_ADD_MACVLAN, "ntkv1_eth1", "eth1"),
                link_op(NTK_OP_LINK_SET_NETNS, "ntkv1_eth1", NULL),
                link_op(NTK_OP_LINK_SET_UP, "ntkv1_eth1", NULL), /* gone from here now */
        };
        NlOpCtx ctx[] = {in_table(254), in_table(254), in_table(254)};
        int res[3], fd;
        g_autofree char *out = NULL;

        /* our own /run/netns: we are in a private mount namespace */
        g_assert_cmpint(g_mkdir_with_parents("/run/netns", 0755), ==, 0);
        g_assert_cmpint(mount("tmpfs", "/run/netns", "tmpfs", 0, "mode=0755"), ==, 0);
        g_free(run_ip(TRUE, "netns add t1"));
        fd = open("/run/netns/t1", O_RDONLY | O_CLOEXEC);
        g_assert_cmpint(fd, >=, 0);
        ctx[1].netns_fd = fd;

        run_ops(ops, ctx, 3, res);
        g_assert_cmpint(res[0], ==, 0);
        g_assert_cmpint(res[1], ==, 0);
        g_assert_cmpint(res[2], ==, -ENODEV);
        close(fd);

        g_assert_null(run_ip(FALSE, "link show dev ntkv1_eth1"));
        out = run_ip(TRUE, "netns exec t1 ip -j link show dev ntkv1_eth1");
        json_t *j = json_loads(out, 0, NULL);
        g_assert_nonnull(j);
        g_assert_cmpstr(jstr(json_array_get(j, 0), "ifname"), ==, "ntkv1_eth1");
        json_decref(j);

        /* a bad fd fails that op alone */
        ctx[1].netns_fd = 1000;
        NtkOp again[] = {link_op(NTK_OP_LINK_ADD_MACVLAN, "ntkv2_eth1", "eth1"), ops[1]};
        g_strlcpy(again[1].link.ifname, "ntkv2_eth1", sizeof(again[1].link.ifname));
        run_ops(again, ctx, 2, res);
        g_assert_cmpint(res[0], ==, 0);
        g_assert_cmpint(res[1], ==, -EBADF);
        g_free(run_ip(TRUE, "link del ntkv2_eth1"));

        g_free(run_ip(TRUE, "netns del t1"));
        g_assert_cmpint(umount("/run/netns"), ==, 0);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);

        if (geteuid() != 0) {
                printf("1..0 # SKIP needs root in a throw-away network namespace (meson runs it under "
                       "unshare)\n");
                return 0;
        }
        /* Alone in a fresh namespace: eth1 is a veth end (no dummy module needed) with a link-local, and a
         * host route to the "neighbour" GW so routes via GW are valid. */
        g_free(run_ip(TRUE, "link set lo up"));
        g_free(run_ip(TRUE, "link add eth1 type veth peer name eth1p"));
        g_free(run_ip(TRUE, "link set eth1 up"));
        g_free(run_ip(TRUE, "link set eth1p up"));
        g_free(run_ip(TRUE, "address add " MY_LL " dev eth1"));
        g_free(run_ip(TRUE, "route add " GW " dev eth1 src " MY_LL));

        g_test_add_func("/netlink/handles", test_netlink_handles_exactly_addr_route_rule_link);
        g_test_add_func(
                "/netlink/addr-add-slash32-del", test_netlink_addr_add_is_slash32_and_del_removes_it);
        g_test_add_func("/netlink/host-route-link-scope",
                test_netlink_host_route_without_gateway_is_link_scope_like_ip);
        g_test_add_func("/netlink/route-types", test_netlink_route_types_gateway_src_and_big_table_ids);
        g_test_add_func(
                "/netlink/change-missing-enoent", test_netlink_change_of_missing_route_fails_enoent_alone);
        g_test_add_func("/netlink/del-spares-foreign", test_netlink_del_spares_routes_of_other_protocols);
        g_test_add_func("/netlink/flush", test_netlink_flush_empties_only_its_table);
        g_test_add_func("/netlink/rule-order", test_netlink_rules_take_the_priorities_ip_rule_add_gives);
        g_test_add_func(
                "/netlink/missing-dev-enodev", test_netlink_missing_dev_gives_enodev_for_that_op_only);
        g_test_add_func("/netlink/batch-10000", test_netlink_10000_adds_then_10000_changes_in_one_run_each);
        g_test_add_func("/netlink/macvlan", test_netlink_macvlan_add_mac_up_addr_route_del);
        g_test_add_func("/netlink/set-netns", test_netlink_set_netns_moves_the_macvlan);
        return g_test_run();
}
