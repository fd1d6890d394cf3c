/* test-qspn-conformance.c — the documented 7-system scenario (../shared/conformance) at each stable
 * checkpoint up to the seed: the gateway of every identity's best path to every destination is the
 * one the documented kernel routes (table ntk) use. Must not: need root; it reads the expected dumps. */
#include <errno.h>
#include <glib.h>
#include <jansson.h>
#include <stdio.h>

#include "ipmap.h"
#include "qspn-test-util.h"

typedef struct CpIdent {
        const char *name;   /* identity */
        const char *system;
        const char *addr;   /* Netsukuku address ('.' separated, highest level first) */
        const char *iface;  /* "eth1" or a pseudo-interface name of systems.json */
        bool main;
} CpIdent;

typedef struct CpArc {
        const char *a, *b;
} CpArc;

typedef struct Checkpoint {
        const char *id;
        CpIdent idents[10];
        CpArc arcs[10];
} Checkpoint;

/* The network of G_gamma (and G_delta) at each stable checkpoint, from systems.json operations:
 * entr02 β → 2·1·1·1; entr01 μ → 3·1·0·0 in G_δ; entr03 χ = δ+μ (3·1·0·) → 2·1·0·; entr04 α →
 * 2·0·1·0; migr01 β → 2·0·1·1 keeping its old identity 2·1·1·3 (virtual) as connectivity on
 * migr01_eth1; entr05 ε → 2·1·1·1. Identities listed in entering order (the first creates). */
static const Checkpoint checkpoints[] = {
        { "cp09_entr02_dismiss",
                { { "gamma", "gamma", "2.1.1.0", "eth1", true }, { "beta1", "beta", "2.1.1.1", "eth1", true } },
                { { "gamma", "beta1" } } },
        { "cp17_entr01_dismiss",
                { { "delta", "delta", "3.1.0.1", "eth1", true }, { "mu1", "mu", "3.1.0.0", "eth1", true } },
                { { "delta", "mu1" } } },
        { "cp27_entr03_dismiss",
                { { "gamma", "gamma", "2.1.1.0", "eth1", true }, { "beta1", "beta", "2.1.1.1", "eth1", true },
                        { "delta1", "delta", "2.1.0.1", "eth1", true }, { "mu2", "mu", "2.1.0.0", "eth1", true } },
                { { "gamma", "beta1" }, { "gamma", "delta1" }, { "delta1", "mu2" } } },
        { "cp34_entr04_dismiss",
                { { "gamma", "gamma", "2.1.1.0", "eth1", true }, { "beta1", "beta", "2.1.1.1", "eth1", true },
                        { "delta1", "delta", "2.1.0.1", "eth1", true }, { "mu2", "mu", "2.1.0.0", "eth1", true },
                        { "alpha1", "alpha", "2.0.1.0", "eth1", true } },
                { { "gamma", "beta1" }, { "gamma", "delta1" }, { "delta1", "mu2" }, { "beta1", "alpha1" } } },
        { "cp54_entr05_dismiss",
                { { "gamma", "gamma", "2.1.1.0", "eth1", true }, { "delta1", "delta", "2.1.0.1", "eth1", true },
                        { "mu2", "mu", "2.1.0.0", "eth1", true }, { "beta1c", "beta", "2.1.1.3", "migr01_eth1", false },
                        { "beta2", "beta", "2.0.1.1", "eth1", true }, { "alpha1", "alpha", "2.0.1.0", "eth1", true },
                        { "epsilon1", "epsilon", "2.1.1.1", "eth1", true } },
                { { "gamma", "delta1" }, { "delta1", "mu2" }, { "gamma", "beta1c" }, { "gamma", "beta2" },
                        { "beta2", "alpha1" }, { "epsilon1", "beta1c" }, { "epsilon1", "beta2" } } },
};

static json_t *load(const char *rel)
{
        const char *dir = g_getenv("NTK_SHARED_DIR");
        g_autofree char *path = g_build_filename(dir ? dir : "../shared", "conformance", rel, NULL);
        json_error_t err;
        json_t *j = json_load_file(path, 0, &err);

        if (!j)
                g_error("%s: %s", path, err.text);
        return j;
}

/* The link-local address of a system's interface, from systems.json. */
static const char *linklocal_of(json_t *systems, const char *system, const char *iface)
{
        json_t *s = json_object_get(json_object_get(systems, "systems"), system);
        json_t *pi;
        size_t i;

        g_assert_nonnull(s);
        if (streq(iface, "eth1"))
                return json_string_value(json_object_get(json_object_get(s, "eth1"), "linklocal"));
        json_array_foreach(json_object_get(s, "pseudo_interfaces"), i, pi)
                if (streq(json_string_value(json_object_get(pi, "name")), iface))
                        return json_string_value(json_object_get(pi, "linklocal"));
        g_error("no interface %s on %s", iface, system);
        return NULL;
}

static unsigned check_checkpoint(json_t *systems, const Checkpoint *cp, uint64_t seed)
{
        NtkTopology t;
        NtkErr err = { "" };
        QspnConfig cfg;
        Sim *s;
        size_t n = 0, n_arcs = 0;
        NtkAddress addr[10];
        TtArc arcs[10];
        int idx[10];
        unsigned checked = 0;

        g_assert_cmpint(ntk_topology_parse(json_string_value(json_object_get(json_object_get(systems, "topology"),
                                                   "notation")),
                                &t, &err),
                ==, 0);
        while (n < G_N_ELEMENTS(cp->idents) && cp->idents[n].name)
                n++;
        for (size_t i = 0; i < n; i++)
                addr[i] = tt_addr(&t, cp->idents[i].addr);
        for (size_t k = 0; k < G_N_ELEMENTS(cp->arcs) && cp->arcs[k].a; k++) {
                int a = -1, b = -1;
                for (size_t i = 0; i < n; i++) {
                        if (streq(cp->idents[i].name, cp->arcs[k].a))
                                a = (int) i;
                        if (streq(cp->idents[i].name, cp->arcs[k].b))
                                b = (int) i;
                }
                g_assert_true(a >= 0 && b >= 0);
                arcs[n_arcs++] = (TtArc){ a, b, 1000 };
        }
        qspn_config_default(&cfg);
        cfg.periodic_ms = 0;
        s = sim_new(&t, &cfg, seed);
        tt_form(s, addr, n, arcs, n_arcs, idx);

        for (size_t i = 0; i < n; i++) {
                g_autofree char *rel = NULL;
                json_t *dump, *routes, *rt;
                _cleanup_free_ NtkDest *dests = NULL;
                size_t n_dests = 0, k;
                QspnEngine *e = sim_engine(s, idx[i]);
                unsigned documented = 0;

                if (!cp->idents[i].main)
                        continue;
                rel = g_strdup_printf("expected/%s/%s.json", cp->idents[i].system, cp->id);
                dump = load(rel);
                routes = json_object_get(json_object_get(json_object_get(json_object_get(json_object_get(dump, "state"),
                                                                                 "netns"),
                                                                 "default"),
                                                 "routes"),
                        "ntk");
                g_assert_cmpint(ntk_destinations(&t, &addr[i], 0, &dests, &n_dests), ==, 0);
                json_array_foreach(routes, k, rt) {
                        const char *via = json_string_value(json_object_get(rt, "via"));
                        const char *dst = json_string_value(json_object_get(rt, "dst"));
                        NtkCidr c;
                        int want = -1, got = -1;
                        NtkHCoord d = { 0 };
                        bool found = false;

                        if (!streq(json_string_value(json_object_get(rt, "type")), "unicast"))
                                continue;
                        g_assert_cmpint(ntk_cidr_parse(dst, false, &c), ==, 0);
                        for (size_t x = 0; x < n_dests && !found; x++)
                                if (ntk_cidr_equal(dests[x].cidr, c)) {
                                        d = (NtkHCoord){ dests[x].lvl, dests[x].pos };
                                        found = true;
                                }
                        if (!found)
                                g_error("%s %s: route to %s is not a destination of %s", cp->id, cp->idents[i].name, dst,
                                        cp->idents[i].addr);
                        for (size_t y = 0; y < n; y++)
                                if (streq(linklocal_of(systems, cp->idents[y].system, cp->idents[y].iface), via))
                                        want = idx[y];
                        if (want < 0)
                                g_error("%s %s: route to %s via %s: no identity has that link-local", cp->id,
                                        cp->idents[i].name, dst, via);
                        if (tt_best(s, idx[i], d, &got, true) == QSPN_COST_DEAD)
                                g_error("%s %s: no path to (%u,%u) (%s), documented via %s", cp->id, cp->idents[i].name,
                                        d.lvl, d.pos, dst, sim_name(s, want));
                        /* The documents do not give arc costs (all arcs cost the same here): on a tie any
                         * of the best paths may be the documented one (β₂ reaches 2·1 through γ or ε). */
                        if (got != want) {
                                QspnPathView v[32];
                                QspnCost best = tt_best(s, idx[i], d, NULL, true);
                                size_t np = qspn_engine_paths(e, d, true, v, 32);
                                for (size_t q = 0; q < np && q < 32; q++)
                                        if (v[q].cost == best && sim_arc_peer(s, idx[i], v[q].arc) == want)
                                                got = want;
                        }
                        if (got != want)
                                g_error("%s %s: best path to (%u,%u) (%s) goes through %s, documented via %s", cp->id,
                                        cp->idents[i].name, d.lvl, d.pos, dst, sim_name(s, got), sim_name(s, want));
                        documented++;
                        checked++;
                }
                /* and every real destination the identity knows has a documented route */
                for (unsigned l = 0; l < t.levels; l++)
                        for (size_t x = 0; x < qspn_engine_n_destinations(e, l); x++) {
                                NtkHCoord d = qspn_engine_destination(e, l, x);
                                bool doc = false;
                                char buf[NTK_CIDR_STRLEN];
                                if (d.pos >= t.gsize[d.lvl])
                                        continue;
                                for (size_t y = 0; y < n_dests && !doc; y++) {
                                        size_t r;
                                        if (dests[y].lvl != d.lvl || dests[y].pos != d.pos ||
                                                dests[y].kind != NTK_IP_GLOBAL)
                                                continue;
                                        json_array_foreach(routes, r, rt)
                                                if (streq(json_string_value(json_object_get(rt, "type")), "unicast") &&
                                                        streq(json_string_value(json_object_get(rt, "dst")),
                                                                ntk_cidr_format(dests[y].cidr, buf)))
                                                        doc = true;
                                }
                                if (!doc)
                                        g_error("%s %s: knows (%u,%u) but the documents have no route to it", cp->id,
                                                cp->idents[i].name, d.lvl, d.pos);
                        }
                g_assert_cmpuint(documented, >, 0);
                json_decref(dump);
        }
        sim_free(s);
        return checked;
}

static void test_documented_gateways_at_stable_checkpoints(void)
{
        json_t *systems = load("systems.json");

        for (uint64_t seed = 1; seed <= 3; seed++) {
                unsigned total = 0;
                for (size_t c = 0; c < G_N_ELEMENTS(checkpoints); c++)
                        total += check_checkpoint(systems, &checkpoints[c], seed);
                g_test_message("seed %" G_GUINT64_FORMAT ": %u documented routes matched", seed, total);
                g_assert_cmpuint(total, >, 100);
        }
        json_decref(systems);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/qspn/conformance/documented_gateways", test_documented_gateways_at_stable_checkpoints);
        return g_test_run();
}
