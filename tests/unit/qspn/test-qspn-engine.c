/* test-qspn-engine.c — QSPN engine pieces in isolation: fingerprints, costs, mch_ratio, ETP
 * validation (malformed ETPs rejected without any state change), RPC server rules and the [BUG?]
 * fixes of qspn.md. Must not: need root or the network. */
#include <errno.h>
#include <glib.h>
#include <stdio.h>

#include "qspn-internal.h"
#include "qspn-test-util.h"

static void test_fp_construct_picks_eldest_and_null_is_youngest(void)
{
        int32_t e_a[3] = { 2, 0, 0 }, e_b[3] = { 1, 0, 0 }, e_c[3] = { QSPN_ELD_NULL, 0, 0 };
        QspnFp a = qspn_fp_level0(10, e_a, 3), b = qspn_fp_level0(20, e_b, 3), c = qspn_fp_level0(30, e_c, 3);
        QspnFp others[2] = { b, c };
        QspnFp up = qspn_fp_construct(&a, others, 2);
        QspnFp up_c = qspn_fp_construct(&c, (QspnFp[]){ a }, 1);
        QspnFp x = up, y = up;

        g_assert_cmpint(up.id, ==, 20);
        g_assert_cmpuint(up.level, ==, 1);
        g_assert_cmpint(up.seed[0], ==, 1);
        g_assert_cmpint(up.eld[0], ==, 0);
        /* a null eldership never lends its id */
        g_assert_cmpint(up_c.id, ==, 10);
        /* elder_seed: lower seed is elder; a null seed is the youngest on both sides ([BUG?] §1.4) */
        x.seed[0] = 0;
        y.seed[0] = 1;
        y.id = 99;
        g_assert_true(qspn_fp_elder_seed(&x, &y));
        g_assert_false(qspn_fp_elder_seed(&y, &x));
        x.seed[0] = QSPN_ELD_NULL;
        g_assert_false(qspn_fp_elder_seed(&x, &y));
        g_assert_true(qspn_fp_elder_seed(&y, &x));
        g_assert_false(qspn_fp_elder_seed(&x, &x));
}

static void test_cost_important_variation_30_percent(void)
{
        g_assert_true(qspn_cost_important_variation(10, 30, 0.3));   /* 30 > 10 + 9 */
        g_assert_false(qspn_cost_important_variation(10, 14, 0.3));  /* 14 <= 10 + 4 */
        g_assert_true(qspn_cost_important_variation(100, 69, 0.3));  /* 69 < 100 - 30 */
        g_assert_false(qspn_cost_important_variation(100, 71, 0.3));
        g_assert_true(qspn_cost_important_variation(100, QSPN_COST_DEAD, 0.3));
        g_assert_true(qspn_cost_important_variation(QSPN_COST_NULL, 5, 0.3));
        g_assert_false(qspn_cost_important_variation(QSPN_COST_NULL, QSPN_COST_NULL, 0.3));
        g_assert_false(qspn_cost_important_variation(QSPN_COST_DEAD, QSPN_COST_DEAD, 0.3));
        g_assert_true(qspn_cost_important_variation(100, 101, 0.0));
        g_assert_cmpint(qspn_cost_add(QSPN_COST_NULL, 7), ==, 7);
        g_assert_cmpint(qspn_cost_add(QSPN_COST_DEAD, 7), ==, QSPN_COST_DEAD);
}

static void test_mch_ratio_table(void)
{
        /* size < 10: gamma 1 -> max_common_hops_ratio whatever numgw */
        g_assert_cmpfloat_with_epsilon(qspn_mch_ratio(0.6, 5, 1), 0.6, 1e-9);
        /* numgw 1 (λ .45), size 30 (γ .8): ε = .27; (.6-.27)*.8+.27 = .534 */
        g_assert_cmpfloat_with_epsilon(qspn_mch_ratio(0.6, 30, 1), 0.534, 1e-9);
        /* numgw 9 (λ .08), size 5000 (γ .0001): ε = .048 */
        g_assert_cmpfloat_with_epsilon(qspn_mch_ratio(0.6, 5000, 9), (0.6 - 0.048) * 0.0001 + 0.048, 1e-9);
        g_assert_cmpfloat_with_epsilon(qspn_mch_ratio(0.6, 100, 4), (0.6 - 0.12) * 0.6 + 0.12, 1e-9);
}

/* ------------------------------------------------------------------------------------------------ */
/* a converged 3-node network to take valid ETPs from */

typedef struct Net {
        NtkTopology t;
        Sim *s;
        int id[3];
} Net;

static void net_init(Net *n)
{
        NtkAddress ad[3];
        TtArc arcs[] = { { 0, 1, 1000 }, { 1, 2, 1000 } };
        QspnConfig cfg;

        n->t = tt_topo("4.2.2.2");
        ad[0] = tt_addr(&n->t, "3.0.1.0");
        ad[1] = tt_addr(&n->t, "3.0.1.1");
        ad[2] = tt_addr(&n->t, "3.0.0.0");
        qspn_config_default(&cfg);
        cfg.periodic_ms = 0;
        n->s = sim_new(&n->t, &cfg, 5);
        tt_form(n->s, ad, 3, arcs, G_N_ELEMENTS(arcs), n->id);
}

/* Everything observable of an engine, as text. */
static char *state_of(const QspnEngine *e)
{
        GString *g = g_string_new(NULL);
        const NtkTopology *t = qspn_engine_topology(e);

        for (unsigned l = 0; l <= t->levels; l++)
                g_string_append_printf(g, "fp%u=%" G_GINT64_FORMAT " ni%u=%u\n", l, (gint64) qspn_engine_fingerprint(e, l)->id,
                        l, qspn_engine_nodes_inside(e, l));
        for (size_t k = 0; k < qspn_engine_n_arcs(e); k++) {
                const NtkAddress *p = qspn_engine_arc_peer(e, qspn_engine_arc(e, k));
                char buf[NTK_ADDRESS_STRLEN];
                g_string_append_printf(g, "arc %u peer %s\n", qspn_engine_arc_id(e, qspn_engine_arc(e, k)),
                        p ? ntk_address_format(p, buf) : "-");
        }
        for (unsigned l = 0; l < t->levels; l++)
                for (size_t i = 0; i < qspn_engine_n_destinations(e, l); i++) {
                        NtkHCoord d = qspn_engine_destination(e, l, i);
                        QspnPathView v[32];
                        size_t n = qspn_engine_paths(e, d, false, v, 32);
                        for (size_t k = 0; k < n && k < 32; k++) {
                                g_string_append_printf(g, "(%u,%u) cost %" G_GINT64_FORMAT " fp %" G_GINT64_FORMAT " ni %u:", d.lvl,
                                        d.pos, (gint64) v[k].cost, (gint64) v[k].path->fp.id, v[k].path->nodes_inside);
                                for (unsigned h = 0; h < v[k].path->n_hops; h++)
                                        g_string_append_printf(g, " (%u,%u)/%u", v[k].path->hops[h].lvl,
                                                v[k].path->hops[h].pos, v[k].path->arcs[h]);
                                g_string_append_c(g, '\n');
                        }
                }
        return g_string_free(g, FALSE);
}

typedef void (*Mutate)(QspnEtp *m, const NtkTopology *t);

static void mut_path_cycle(QspnEtp *m, const NtkTopology *t)
{
        QspnPath *p = m->paths[0], *q = qspn_path_new(p->n_hops + 1, p->n_hops + 1);
        (void) t;
        *q = *p;
        q->n_hops = q->n_arcs = (uint16_t) (p->n_hops + 1);
        q->arcs = (uint32_t *) (void *) (q->hops + q->n_hops);
        memcpy(q->hops, p->hops, p->n_hops * sizeof(NtkHCoord));
        memcpy(q->arcs, p->arcs, p->n_hops * sizeof(uint32_t));
        /* repeat the last hop: the path re-enters a g-node */
        q->hops[p->n_hops] = p->hops[p->n_hops - 1];
        q->arcs[p->n_hops] = 77;
        qspn_path_free(p);
        m->paths[0] = q;
}

static void mut_hops_cycle(QspnEtp *m, const NtkTopology *t)
{
        (void) t;
        m->hops = g_realloc(m->hops, 2 * sizeof(NtkHCoord));
        m->hops[0] = m->hops[1] = (NtkHCoord){ 1, 1 };
        m->n_hops = 2;
}

static void mut_level_out_of_range(QspnEtp *m, const NtkTopology *t)
{
        m->paths[0]->hops[0].lvl = t->levels;
}

static void mut_levels_decrease(QspnEtp *m, const NtkTopology *t)
{
        (void) t;
        m->hops = g_realloc(m->hops, 2 * sizeof(NtkHCoord));
        m->hops[0] = (NtkHCoord){ 2, 1 };
        m->hops[1] = (NtkHCoord){ 1, 1 };
        m->n_hops = 2;
}

static void mut_pos_out_of_range(QspnEtp *m, const NtkTopology *t)
{
        (void) t;
        m->paths[0]->hops[0].pos = NTK_POS_MAX + 1u;
}

static void mut_arcs_shorter(QspnEtp *m, const NtkTopology *t)
{
        (void) t;
        m->paths[0]->n_arcs = (uint16_t) (m->paths[0]->n_hops - 1);
}

static void mut_no_hops(QspnEtp *m, const NtkTopology *t)
{
        (void) t;
        m->paths[0]->n_hops = 0;
        m->paths[0]->n_arcs = 0;
}

static void mut_short_ignore_outside(QspnEtp *m, const NtkTopology *t)
{
        m->paths[0]->n_io = (uint16_t) (t->levels - 1);
}

static void mut_ignore_outside_false_above(QspnEtp *m, const NtkTopology *t)
{
        (void) t;
        m->paths[0]->ignore_outside = 0;
}

static void mut_fp_wrong_level(QspnEtp *m, const NtkTopology *t)
{
        (void) t;
        m->paths[0]->fp.level++;
}

static void mut_few_fingerprints(QspnEtp *m, const NtkTopology *t)
{
        m->n_fps = t->levels - 1;
}

static void mut_few_nodes_inside(QspnEtp *m, const NtkTopology *t)
{
        m->n_ni = t->levels - 1;
}

static void mut_msg_fp_level(QspnEtp *m, const NtkTopology *t)
{
        (void) t;
        m->fps[1].level = 3;
}

static void mut_sender_levels(QspnEtp *m, const NtkTopology *t)
{
        m->node_address.levels = t->levels + 1;
}

static void mut_arc_id_zero(QspnEtp *m, const NtkTopology *t)
{
        (void) t;
        m->paths[0]->arcs[0] = 0;
}

static void test_malformed_etps_rejected_without_state_change(void)
{
        static const struct {
                const char *name;
                Mutate f;
                const char *needle;
        } cases[] = {
                { "path cycle", mut_path_cycle, "cycle" },
                { "hop list cycle", mut_hops_cycle, "cycle" },
                { "level out of range", mut_level_out_of_range, "level" },
                { "levels decrease", mut_levels_decrease, "decrease" },
                { "position out of range", mut_pos_out_of_range, "position" },
                { "hops/arcs lengths", mut_arcs_shorter, "arcs" },
                { "empty path", mut_no_hops, "no hops" },
                { "short ignore_outside", mut_short_ignore_outside, "ignore_outside" },
                { "ignore_outside above destination", mut_ignore_outside_false_above, "ignore_outside" },
                { "path fingerprint level", mut_fp_wrong_level, "fingerprint" },
                { "few fingerprints", mut_few_fingerprints, "fingerprints" },
                { "few nodes_inside", mut_few_nodes_inside, "nodes_inside" },
                { "message fingerprint level", mut_msg_fp_level, "fingerprint" },
                { "sender address levels", mut_sender_levels, "levels" },
                { "arc id zero", mut_arc_id_zero, "arc id" },
        };
        Net n;
        QspnEtp *good = NULL;
        QspnEngine *ea;
        void *arc;

        net_init(&n);
        ea = sim_engine(n.s, n.id[0]);
        arc = tt_arc_to(n.s, n.id[0], n.id[1]);
        /* a valid ETP from 1 to 0: 1's full ETP for 0, with a path to a level-1 destination */
        g_assert_cmpint(qspn_engine_get_full_etp(sim_engine(n.s, n.id[1]), tt_arc_to(n.s, n.id[1], n.id[0]),
                                qspn_engine_address(ea), &good),
                ==, 0);
        g_assert_cmpuint(good->n_paths, >=, 1);
        /* put a path to a level-1 destination first (ignore_outside above it matters) */
        for (unsigned k = 0; k < good->n_paths; k++)
                if (good->paths[k]->hops[good->paths[k]->n_hops - 1].lvl == 1) {
                        QspnPath *x = good->paths[0];
                        good->paths[0] = good->paths[k];
                        good->paths[k] = x;
                }
        g_assert_cmpuint(good->paths[0]->hops[good->paths[0]->n_hops - 1].lvl, ==, 1);
        g_assert_cmpint(qspn_etp_validate(&n.t, qspn_engine_address(ea), good, NULL), ==, 0);

        for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
                _cleanup_(qspn_etp_freep) QspnEtp *bad = qspn_etp_dup(good);
                g_autofree char *before = state_of(ea), *after = NULL;
                NtkErr err = { "" };
                uint64_t etps = sim_etps(n.s);

                cases[c].f(bad, &n.t);
                g_assert_cmpint(qspn_engine_receive_etp(ea, arc, bad, false, &err), ==, -EBADMSG);
                if (!strstr(err.msg, cases[c].needle))
                        g_error("%s: message '%s' does not mention '%s'", cases[c].name, err.msg, cases[c].needle);
                after = state_of(ea);
                g_assert_cmpstr(before, ==, after);
                g_assert_cmpuint(sim_etps(n.s), ==, etps);
                g_assert_cmpuint(sim_run(n.s, UINT64_MAX, UINT64_MAX), ==, 0);
                /* full answers are validated too: a bad answer is dropped like a failed request */
                g_assert_cmpint(qspn_etp_validate(&n.t, qspn_engine_address(ea), bad, NULL), ==, -EBADMSG);
        }
        /* the sender equal to me */
        {
                _cleanup_(qspn_etp_freep) QspnEtp *bad = qspn_etp_dup(good);
                bad->node_address = *qspn_engine_address(ea);
                g_assert_cmpint(qspn_engine_receive_etp(ea, arc, bad, false, NULL), ==, -EBADMSG);
        }
        /* a valid but cyclic ETP (its hop list contains my own g-node) is dropped silently (R2) */
        {
                _cleanup_(qspn_etp_freep) QspnEtp *cyc = qspn_etp_dup(good);
                g_autofree char *before = state_of(ea), *after = NULL;
                cyc->hops = g_realloc(cyc->hops, sizeof(NtkHCoord));
                cyc->hops[0] = (NtkHCoord){ 0, qspn_engine_address(ea)->pos[0] };
                cyc->n_hops = 1;
                g_assert_cmpint(qspn_engine_receive_etp(ea, arc, cyc, false, NULL), ==, 0);
                after = state_of(ea);
                g_assert_cmpstr(before, ==, after);
        }
        /* an unknown arc */
        g_assert_cmpint(qspn_engine_receive_etp(ea, (void *) &n, good, false, NULL), ==, -ENOENT);
        /* and the good one is accepted and changes nothing (already known) */
        g_assert_cmpint(qspn_engine_receive_etp(ea, arc, good, false, NULL), ==, 0);
        qspn_etp_free(good);
        sim_free(n.s);
}

/* [BUG?] §3.8: got_prepare_destroy is ignored while already preparing (no 10 s storm). */
static void test_prepare_destroy_deduplicated(void)
{
        Net n;
        void *arc;
        QspnEngine *e;
        uint64_t before;

        net_init(&n);
        g_assert_cmpint(sim_make_connectivity(n.s, n.id[1], 1, 2, 2), ==, 0);
        sim_run(n.s, UINT64_MAX, UINT64_MAX);
        e = sim_engine(n.s, n.id[1]);
        arc = tt_arc_to(n.s, n.id[1], n.id[0]);
        g_assert_cmpint(qspn_engine_got_prepare_destroy(e, arc), ==, 0);
        before = sim_now(n.s);
        g_assert_cmpint(qspn_engine_got_prepare_destroy(e, arc), ==, 0);
        g_assert_cmpint(qspn_engine_got_prepare_destroy(e, arc), ==, 0);
        /* one remove_identity timer, 10 s later */
        sim_run(n.s, UINT64_MAX, UINT64_MAX);
        g_assert_cmpuint(sim_now(n.s) - before, >=, 10000);
        /* a main identity ignores it */
        g_assert_cmpint(qspn_engine_got_prepare_destroy(sim_engine(n.s, n.id[0]), tt_arc_to(n.s, n.id[0], n.id[1])), ==, 0);
        sim_free(n.s);
}

/* §3.4: during bootstrap get_full_etp answers BootstrapInProgress; [BUG?] arc_remove removes fully. */
static void test_bootstrap_rules(void)
{
        NtkTopology t = tt_topo("4.2.2.2");
        QspnConfig cfg;
        Sim *s;
        NtkAddress a0 = tt_addr(&t, "3.0.1.0"), a1 = tt_addr(&t, "3.0.1.1");
        int32_t e0[4] = { 0 }, e1[4] = { 1, 0, 0, 0 };
        int i0, i1;
        QspnEtp *m = NULL;
        QspnEngine *e1p;

        qspn_config_default(&cfg);
        cfg.periodic_ms = 0;
        s = sim_new(&t, &cfg, 3);
        i0 = sim_create_net(s, "a", &a0, 1, e0);
        sim_run(s, UINT64_MAX, UINT64_MAX);
        i1 = sim_enter_node(s, "b", &a1, 2, e1, 1, (SimPeerArc[]){ { i0, 1000 } }, 1);
        e1p = sim_engine(s, i1);
        g_assert_false(qspn_engine_bootstrap_complete(e1p));
        g_assert_cmpint(qspn_engine_get_full_etp(e1p, tt_arc_to(s, i1, i0), &a0, &m), ==, QSPN_ERR_BOOTSTRAP);
        g_assert_null(m);
        g_assert_cmpuint(qspn_engine_n_arcs(e1p), ==, 1);
        g_assert_cmpint(qspn_engine_arc_remove(e1p, tt_arc_to(s, i1, i0)), ==, 0);
        g_assert_cmpuint(qspn_engine_n_arcs(e1p), ==, 0);
        /* alone: it gives up after the bootstrap timeout and becomes a network of its own */
        sim_run(s, UINT64_MAX, UINT64_MAX);
        g_assert_true(qspn_engine_bootstrap_complete(e1p));
        sim_free(s);
}

/* [BUG?] §2.5: a peer's new coordinate learnt through get_full_etp is not silently overwritten. */
static void test_get_full_etp_keeps_known_peer_address(void)
{
        Net n;
        QspnEngine *e;
        void *arc;
        NtkAddress moved;
        QspnEtp *m = NULL;
        char buf[NTK_ADDRESS_STRLEN];

        net_init(&n);
        e = sim_engine(n.s, n.id[1]);
        arc = tt_arc_to(n.s, n.id[1], n.id[0]);
        moved = *qspn_engine_arc_peer(e, arc);
        moved.pos[0] = 2; /* as if 0 had become virtual */
        g_assert_cmpint(qspn_engine_get_full_etp(e, arc, &moved, &m), ==, 0);
        qspn_etp_free(m);
        g_assert_cmpstr(ntk_address_format(qspn_engine_arc_peer(e, arc), buf), ==, "3.0.1.0");
        sim_free(n.s);
}

/* ------------------------------------------------------------------------------------------------ */
/* update_map on hand-made paths: the disjointness example of qspn.md §2.7.5 */

static void nop_send(void *ctx, void *arc, const QspnEtp *m, bool f)
{
        (void) ctx, (void) arc, (void) m, (void) f;
}

static void nop_req(void *ctx, void *arc, const NtkAddress *a, uint64_t t)
{
        (void) ctx, (void) arc, (void) a, (void) t;
}

static void nop_arm(void *ctx, uint64_t ms, uint64_t t)
{
        (void) ctx, (void) ms, (void) t;
}

static uint32_t seq_random(void *ctx, uint32_t lo, uint32_t hi)
{
        static uint32_t next = 1000;
        (void) ctx, (void) hi;
        return lo + next++;
}

static const QspnIo nop_io = { .send_etp = nop_send, .request_full_etp = nop_req, .arm_timer = nop_arm,
        .random = seq_random };

/* A one-node network at addr of topology 8.2 (level 0 first), talking to nobody. */
static QspnEngine *lone_engine(const QspnConfig *cfg, const char *addr, int64_t fp_id)
{
        NtkTopology t = tt_topo_raw((unsigned[]){ 8, 2 }, 2);
        NtkAddress a = tt_addr(&t, addr);
        QspnFp fp = qspn_fp_level0(fp_id, NULL, 2);
        QspnHost host = { .io = &nop_io };
        QspnEngine *e = NULL;

        g_assert_cmpint(qspn_engine_create_net(cfg, &t, &a, &fp, &host, &e, NULL), ==, 0);
        return e;
}

static QspnPath *mkpath(const QspnEngine *e, const char *hops, const uint32_t *arcs, QspnCost cost)
{
        /* hops: letters B..G are level-0 positions 1..6 */
        unsigned n = (unsigned) strlen(hops);
        QspnPath *p = qspn_path_new(n, n);

        for (unsigned i = 0; i < n; i++) {
                p->hops[i] = (NtkHCoord){ 0, (uint32_t) (hops[i] - 'A') };
                p->arcs[i] = arcs[i];
        }
        p->cost = cost;
        p->fp = qspn_fp_level0(hops[n - 1], NULL, e->L);
        p->nodes_inside = 1;
        p->n_io = (uint16_t) e->L;
        return p;
}

static void test_disjoint_selection_documented_example(void)
{
        NtkTopology t = tt_topo_raw((unsigned[]){ 8, 2 }, 2);
        NtkAddress b = tt_addr(&t, "0.1");
        QspnConfig cfg;
        QspnEngine *e;
        PathVec Q = { 0 }, all = { 0 };
        HVec bset = { 0 };
        uint32_t ab;
        int dummy;
        QspnPathView v[8];
        size_t n;

        qspn_config_default(&cfg);
        cfg.max_common_hops_ratio = 0.7;
        e = lone_engine(&cfg, "0.0", 1);
        g_assert_cmpint(qspn_engine_arc_add(e, &dummy, 100), ==, 0);
        ab = qspn_engine_arc_id(e, &dummy);
        e->arcs[0].has_peer = true;
        e->arcs[0].peer = b;
        /* first the intermediate destinations B..F */
        pathvec_push(&Q, mkpath(e, "B", (uint32_t[]){ ab }, 0));
        pathvec_push(&Q, mkpath(e, "BC", (uint32_t[]){ ab, 11 }, 25));
        pathvec_push(&Q, mkpath(e, "BD", (uint32_t[]){ ab, 13 }, 30));
        pathvec_push(&Q, mkpath(e, "BE", (uint32_t[]){ ab, 15 }, 20));
        pathvec_push(&Q, mkpath(e, "BEF", (uint32_t[]){ ab, 15, 16 }, 45));
        g_assert_cmpint(qe_update_map(e, &Q, 0, &all, &bset), ==, 0);
        pathvec_clear(&all);
        /* then the five paths to G: BC 150, BD 160, BEF 170, BED 180, BDEF 190 (with A-B = 100) */
        pathvec_push(&Q, mkpath(e, "BDEFG", (uint32_t[]){ ab, 13, 19, 16, 17 }, 90));
        pathvec_push(&Q, mkpath(e, "BEDG", (uint32_t[]){ ab, 15, 18, 14 }, 80));
        pathvec_push(&Q, mkpath(e, "BCG", (uint32_t[]){ ab, 11, 12 }, 50));
        pathvec_push(&Q, mkpath(e, "BEFG", (uint32_t[]){ ab, 15, 16, 17 }, 70));
        pathvec_push(&Q, mkpath(e, "BDG", (uint32_t[]){ ab, 13, 14 }, 60));
        g_assert_cmpint(qe_update_map(e, &Q, 0, &all, &bset), ==, 0);
        n = qspn_engine_paths(e, (NtkHCoord){ 0, 6 }, false, v, 8);
        g_assert_cmpuint(n, ==, 3);
        g_assert_cmpint(v[0].cost, ==, 150);
        g_assert_cmpint(v[1].cost, ==, 160);
        g_assert_cmpint(v[2].cost, ==, 170);
        g_assert_cmpuint(v[2].path->n_hops, ==, 4); /* B E F G */
        /* the three selected are advertised */
        g_assert_cmpuint(all.n, ==, 3);
        pathvec_clear(&all);
        hvec_clear(&bset);
        qspn_engine_free(e);
}

/* readvertise_on_loss after an arc change: y reaches D through a (arc 1000) and through b (arc 5000);
 * y–a goes to 10000 and the copy of a's path gathered afterwards differs only in its nodes_inside, or
 * is a little cheaper. The path through a got dearer all the same, so the path through b must be
 * advertised again (neighbours that kept only the one through a would otherwise stay on it). */
static void readvertise_after_arc_change(QspnCost gathered_cost, uint32_t gathered_ni)
{
        NtkTopology t = tt_topo_raw((unsigned[]){ 8, 2 }, 2);
        NtkAddress pa = tt_addr(&t, "0.1"), pb = tt_addr(&t, "0.2");
        QspnConfig cfg;
        QspnEngine *e;
        PathVec Q = { 0 }, all = { 0 };
        HVec bset = { 0 };
        int A, B;
        uint32_t ya, yb;
        bool via_b = false;
        QspnPath *p;

        qspn_config_default(&cfg);
        e = lone_engine(&cfg, "0.0", 9);
        g_assert_cmpint(qspn_engine_arc_add(e, &A, 1000), ==, 0);
        g_assert_cmpint(qspn_engine_arc_add(e, &B, 5000), ==, 0);
        ya = qspn_engine_arc_id(e, &A);
        yb = qspn_engine_arc_id(e, &B);
        e->arcs[0].has_peer = e->arcs[1].has_peer = true;
        e->arcs[0].peer = pa;
        e->arcs[1].peer = pb;
        pathvec_push(&Q, mkpath(e, "B", (uint32_t[]){ ya }, 0));
        pathvec_push(&Q, mkpath(e, "C", (uint32_t[]){ yb }, 0));
        pathvec_push(&Q, mkpath(e, "BD", (uint32_t[]){ ya, 11 }, 1000));
        pathvec_push(&Q, mkpath(e, "CD", (uint32_t[]){ yb, 12 }, 1000));
        g_assert_cmpint(qe_update_map(e, &Q, 0, &all, &bset), ==, 0);
        g_assert_cmpuint(qspn_engine_paths(e, (NtkHCoord){ 0, 3 }, false, NULL, 0), ==, 2);
        pathvec_clear(&all);

        g_assert_cmpint(qspn_engine_arc_change(e, &A, 10000), ==, 0);
        p = mkpath(e, "BD", (uint32_t[]){ ya, 11 }, gathered_cost);
        p->nodes_inside = gathered_ni;
        pathvec_push(&Q, p);
        g_assert_cmpint(qe_update_map(e, &Q, ya, &all, &bset), ==, 0);
        for (size_t k = 0; k < all.n; k++)
                via_b = via_b || (all.v[k]->n_hops == 2 && all.v[k]->arcs[0] == yb);
        g_assert_true(via_b);
        pathvec_clear(&all);
        hvec_clear(&bset);
        qspn_engine_free(e);
}

/* readvertise_on_loss sends again every remaining path, the cheaper ones too: y reaches D through b
 * (total 2000), c (4000) and e (6000); c's path dies, and b's and e's go out again. Sending only the
 * paths dearer than the lost one (tried: -20 % formation CPU at 10 000 nodes) is not enough: a
 * neighbour x may have dropped y's path through b for overlapping a cheaper path S that x has from
 * another neighbour z; when one event kills S and y's path through c (an arc both use), z sends S
 * dead, y sends c dead, and nobody sends b again: x stays without a route to D while y has one, until
 * the next periodic full ETP (and at 10 000 nodes the first refresh after formation grew from 146 to
 * 780 ETPs per node: the alternatives left hidden). */
static void test_readvertise_cheaper_too(void)
{
        QspnConfig cfg;
        QspnEngine *e;
        PathVec Q = { 0 }, all = { 0 };
        HVec bset = { 0 };
        int B, C, E;
        uint32_t yb, yc, ye;
        bool via_b = false, via_c_dead = false, via_e = false;
        QspnPath *p;

        qspn_config_default(&cfg);
        e = lone_engine(&cfg, "0.0", 9);
        g_assert_cmpint(qspn_engine_arc_add(e, &B, 1000), ==, 0);
        g_assert_cmpint(qspn_engine_arc_add(e, &C, 3000), ==, 0);
        g_assert_cmpint(qspn_engine_arc_add(e, &E, 5000), ==, 0);
        yb = qspn_engine_arc_id(e, &B);
        yc = qspn_engine_arc_id(e, &C);
        ye = qspn_engine_arc_id(e, &E);
        pathvec_push(&Q, mkpath(e, "B", (uint32_t[]){ yb }, 0));
        pathvec_push(&Q, mkpath(e, "C", (uint32_t[]){ yc }, 0));
        pathvec_push(&Q, mkpath(e, "E", (uint32_t[]){ ye }, 0));
        pathvec_push(&Q, mkpath(e, "BD", (uint32_t[]){ yb, 11 }, 1000));
        pathvec_push(&Q, mkpath(e, "CD", (uint32_t[]){ yc, 12 }, 1000));
        pathvec_push(&Q, mkpath(e, "ED", (uint32_t[]){ ye, 13 }, 1000));
        g_assert_cmpint(qe_update_map(e, &Q, 0, &all, &bset), ==, 0);
        g_assert_cmpuint(qspn_engine_paths(e, (NtkHCoord){ 0, 3 }, false, NULL, 0), ==, 3);
        pathvec_clear(&all);

        p = mkpath(e, "CD", (uint32_t[]){ yc, 12 }, 0);
        p->cost = QSPN_COST_DEAD;
        pathvec_push(&Q, p);
        g_assert_cmpint(qe_update_map(e, &Q, 0, &all, &bset), ==, 0);
        g_assert_cmpuint(qspn_engine_paths(e, (NtkHCoord){ 0, 3 }, false, NULL, 0), ==, 2);
        for (size_t k = 0; k < all.n; k++) {
                if (all.v[k]->n_hops != 2)
                        continue;
                via_b = via_b || (all.v[k]->arcs[0] == yb && all.v[k]->cost != QSPN_COST_DEAD);
                via_c_dead = via_c_dead || (all.v[k]->arcs[0] == yc && all.v[k]->cost == QSPN_COST_DEAD);
                via_e = via_e || (all.v[k]->arcs[0] == ye && all.v[k]->cost != QSPN_COST_DEAD);
        }
        g_assert_true(via_c_dead);
        g_assert_true(via_b);
        g_assert_true(via_e);
        pathvec_clear(&all);
        hvec_clear(&bset);
        qspn_engine_free(e);
}

/* Allocation failure injection for the test below: the oom_at-th allocation (counted from oom_count
 * = 0) fails; oom_at < 0 = none. The engine is linked into this program, so these replace the C
 * library's for it (and, unarmed, pass everything through). */
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
static long oom_at = -1, oom_count;

static bool oom_now(void)
{
        return oom_at >= 0 && oom_count++ == oom_at;
}

void *malloc(size_t n)
{
        return oom_now() ? NULL : __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
        return oom_now() ? NULL : __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
        return oom_now() ? NULL : __libc_realloc(p, n);
}

/* update_map with each of its allocations failing in turn: -ENOMEM, the engine still consistent (its
 * derived data recomputed from the map agree, every stored path readable) and freed without a double
 * free; after the last allocation the same update succeeds. The update removes a path, changes one and
 * brings new ones, so the removal, change and storing paths all run. */
static void test_update_map_out_of_memory(void)
{
        long at;

        for (at = 0;; at++) {
                QspnConfig cfg;
                QspnEngine *e;
                PathVec Q = { 0 }, all = { 0 };
                HVec bset = { 0 };
                int B, C, E;
                uint32_t yb, yc, ye;
                QspnPath *p;
                QspnPathView v[8];
                size_t n;
                int r;

                qspn_config_default(&cfg);
                e = lone_engine(&cfg, "0.0", 9);
                g_assert_cmpint(qspn_engine_arc_add(e, &B, 1000), ==, 0);
                g_assert_cmpint(qspn_engine_arc_add(e, &C, 3000), ==, 0);
                g_assert_cmpint(qspn_engine_arc_add(e, &E, 5000), ==, 0);
                yb = qspn_engine_arc_id(e, &B);
                yc = qspn_engine_arc_id(e, &C);
                ye = qspn_engine_arc_id(e, &E);
                pathvec_push(&Q, mkpath(e, "B", (uint32_t[]){ yb }, 0));
                pathvec_push(&Q, mkpath(e, "C", (uint32_t[]){ yc }, 0));
                pathvec_push(&Q, mkpath(e, "E", (uint32_t[]){ ye }, 0));
                pathvec_push(&Q, mkpath(e, "BD", (uint32_t[]){ yb, 11 }, 1000));
                pathvec_push(&Q, mkpath(e, "CD", (uint32_t[]){ yc, 12 }, 1000));
                pathvec_push(&Q, mkpath(e, "ED", (uint32_t[]){ ye, 13 }, 1000));
                g_assert_cmpint(qe_update_map(e, &Q, 0, &all, &bset), ==, 0);
                pathvec_clear(&all);
                hvec_clear(&bset);

                p = mkpath(e, "CD", (uint32_t[]){ yc, 12 }, 0);
                p->cost = QSPN_COST_DEAD;
                pathvec_push(&Q, p);
                pathvec_push(&Q, mkpath(e, "ED", (uint32_t[]){ ye, 13 }, 9000));
                pathvec_push(&Q, mkpath(e, "BFD", (uint32_t[]){ yb, 14, 15 }, 1200));
                pathvec_push(&Q, mkpath(e, "EG", (uint32_t[]){ ye, 16 }, 500));
                oom_count = 0;
                oom_at = at;
                r = qe_update_map(e, &Q, 0, &all, &bset);
                oom_at = -1;
                pathvec_clear(&all);
                hvec_clear(&bset);
                g_assert_true(qspn_engine_selfcheck(e));
                n = qspn_engine_paths(e, (NtkHCoord){ 0, 3 }, false, v, G_N_ELEMENTS(v));
                for (size_t k = 0; k < n && k < G_N_ELEMENTS(v); k++)
                        g_assert_cmpuint(v[k].path->n_hops, >=, 2);
                if (r == 0) {
                        g_assert_cmpint(oom_count, <=, at); /* nothing failed: the update is whole */
                        g_assert_cmpuint(n, >=, 2); /* CD gone, BD and the dearer ED kept */
                        for (size_t k = 0; k < n && k < G_N_ELEMENTS(v); k++)
                                g_assert_cmpuint(v[k].path->arcs[0], !=, yc);
                        g_assert_cmpuint(qspn_engine_paths(e, (NtkHCoord){ 0, 6 }, false, NULL, 0), ==, 1);
                        qspn_engine_free(e);
                        break;
                }
                g_assert_cmpint(r, ==, -ENOMEM);
                qspn_engine_free(e);
                g_assert_cmpint(at, <, 10000);
        }
        g_assert_cmpint(at, >, 10); /* the update allocates: the failures did happen */
        g_test_message("update_map survived %ld failed allocations", at);
}

/* QspnConfig.nodes_inside_ratio: a stored path takes a new nodes_inside (and is advertised again) only
 * beyond the ratio; 0.1 is the reference's 10 %. Returns the nodes_inside stored after 10 -> ni_new. */
static uint32_t nodes_inside_after(double ratio, uint32_t ni_new, size_t *advertised)
{
        QspnConfig cfg;
        QspnEngine *e;
        PathVec Q = { 0 }, all = { 0 };
        HVec bset = { 0 };
        int B;
        uint32_t yb, ni;
        QspnPath *p;
        QspnPathView v;

        qspn_config_default(&cfg);
        cfg.nodes_inside_ratio = ratio;
        e = lone_engine(&cfg, "0.0", 9);
        g_assert_cmpint(qspn_engine_arc_add(e, &B, 1000), ==, 0);
        yb = qspn_engine_arc_id(e, &B);
        pathvec_push(&Q, mkpath(e, "B", (uint32_t[]){ yb }, 0));
        p = mkpath(e, "BD", (uint32_t[]){ yb, 11 }, 1000);
        p->nodes_inside = 10;
        pathvec_push(&Q, p);
        g_assert_cmpint(qe_update_map(e, &Q, 0, &all, &bset), ==, 0);
        pathvec_clear(&all);
        p = mkpath(e, "BD", (uint32_t[]){ yb, 11 }, 1000);
        p->nodes_inside = ni_new;
        pathvec_push(&Q, p);
        g_assert_cmpint(qe_update_map(e, &Q, 0, &all, &bset), ==, 0);
        *advertised = all.n;
        g_assert_cmpuint(qspn_engine_paths(e, (NtkHCoord){ 0, 3 }, false, &v, 1), ==, 1);
        ni = v.path->nodes_inside;
        pathvec_clear(&all);
        hvec_clear(&bset);
        qspn_engine_free(e);
        return ni;
}

static void test_nodes_inside_ratio(void)
{
        size_t adv;

        g_assert_cmpuint(nodes_inside_after(0.1, 12, &adv), ==, 12); /* +20 % > 10 % */
        g_assert_cmpuint(adv, ==, 1);
        g_assert_cmpuint(nodes_inside_after(0.1, 11, &adv), ==, 10); /* +10 %: not beyond */
        g_assert_cmpuint(adv, ==, 0);
        g_assert_cmpuint(nodes_inside_after(0.1, 8, &adv), ==, 8); /* -20 % */
        g_assert_cmpuint(adv, ==, 1);
        g_assert_cmpuint(nodes_inside_after(0.5, 14, &adv), ==, 10); /* +40 % < 50 % */
        g_assert_cmpuint(adv, ==, 0);
        g_assert_cmpuint(nodes_inside_after(0.5, 16, &adv), ==, 16); /* +60 % */
        g_assert_cmpuint(adv, ==, 1);
        g_assert_cmpuint(nodes_inside_after(0.5, 6, &adv), ==, 10); /* -40 % */
        g_assert_cmpuint(adv, ==, 0);
        g_assert_cmpuint(nodes_inside_after(0.5, 4, &adv), ==, 4); /* -60 % */
        g_assert_cmpuint(adv, ==, 1);
}

static void test_readvertise_after_arc_change(void)
{
        readvertise_after_arc_change(1000, 2); /* only nodes_inside changed (> 10 %) */
        readvertise_after_arc_change(500, 1);  /* a's part got cheaper, the whole got dearer */
        readvertise_after_arc_change(1500, 1); /* a's part got dearer too */
}

/* ------------------------------------------------------------------------------------------------ */
/* forward damping, seen from one engine: the first forward goes at once, the next changes wait for the
 * hold and go out merged, each path as it is when the hold ends */

typedef struct Sent {
        void *arc;
        unsigned n_hops;
        bool dead_to_d; /* carries a dead path to the watched destination */
        bool live_to_d;
} Sent;

typedef struct Rig {
        Sent sent[16];
        unsigned n_sent;
        uint64_t hold_token;
        NtkHCoord watch;
} Rig;

static void rig_send(void *ctx, void *arc, const QspnEtp *m, bool f)
{
        Rig *r = ctx;
        Sent *x = &r->sent[r->n_sent++];

        (void) f;
        g_assert_cmpuint(r->n_sent, <=, G_N_ELEMENTS(r->sent));
        *x = (Sent){ .arc = arc, .n_hops = m->n_hops };
        for (unsigned k = 0; k < m->n_paths; k++) {
                const QspnPath *p = m->paths[k];
                if (!hcoord_eq(p->hops[p->n_hops - 1], r->watch))
                        continue;
                if (p->cost == QSPN_COST_DEAD)
                        x->dead_to_d = true;
                else
                        x->live_to_d = true;
        }
}

static void rig_arm(void *ctx, uint64_t ms, uint64_t token)
{
        Rig *r = ctx;

        if (ms == 1234) /* the hold below: no other timer of the engine uses this delay */
                r->hold_token = token;
}

static QspnEtp *etp_from(Net *n, int from, int to)
{
        QspnEtp *m = NULL;

        g_assert_cmpint(qspn_engine_get_full_etp(sim_engine(n->s, n->id[from]), tt_arc_to(n->s, n->id[from], n->id[to]),
                                qspn_engine_address(sim_engine(n->s, n->id[to])), &m),
                ==, 0);
        return m;
}

/* by_arc_removal false: node 1 stops advertising node 2 (full ETP without it, R8: the held copy is
 * replaced by the dead one); true: y's arc to node 1 goes away (the held copy is live and its path is
 * gone from the map: it must go out dead). */
static void forward_hold_merges(bool by_arc_removal)
{
        static const QspnIo io = { .send_etp = rig_send, .request_full_etp = nop_req, .arm_timer = rig_arm,
                .random = seq_random };
        Net n;
        Rig rig = { .watch = { 1, 0 } }; /* node 2 (3.0.0.0) as seen from 3.0.1.x */
        QspnHost host = { .io = &io, .ctx = &rig };
        QspnConfig cfg;
        QspnEngine *y = NULL;
        NtkAddress ya;
        QspnFp fp = qspn_fp_level0(99, NULL, 4);
        int X, Z, W;
        QspnEtp *m;
        NtkErr err;
        unsigned before;

        net_init(&n);
        /* y stands where node 0 stands, with an arc X to node 1 and arcs Z, W elsewhere */
        ya = *qspn_engine_address(sim_engine(n.s, n.id[0]));
        qspn_config_default(&cfg);
        cfg.periodic_ms = 0;
        g_assert_cmpuint(cfg.forward_hold_ms, ==, 1000); /* the default */
        cfg.forward_hold_ms = 1234;
        g_assert_cmpint(qspn_engine_create_net(&cfg, &n.t, &ya, &fp, &host, &y, NULL), ==, 0);
        g_assert_cmpint(qspn_engine_arc_add(y, &X, 1000), ==, 0);
        g_assert_cmpint(qspn_engine_arc_add(y, &Z, 1000), ==, 0);
        g_assert_cmpint(qspn_engine_arc_add(y, &W, 1000), ==, 0);
        rig.n_sent = 0;

        /* 1: new destinations: forwarded at once to Z and W, with the ETP's hop list */
        m = etp_from(&n, 1, 0);
        g_assert_cmpint(qspn_engine_receive_etp(y, &X, m, false, &err), ==, 0);
        qspn_etp_free(m);
        g_assert_cmpuint(rig.n_sent, ==, 2);
        for (unsigned k = 0; k < 2; k++) {
                g_assert_true(rig.sent[k].arc == &Z || rig.sent[k].arc == &W);
                g_assert_cmpuint(rig.sent[k].n_hops, >, 0);
                g_assert_true(rig.sent[k].live_to_d);
        }
        g_assert_cmpuint(rig.hold_token, !=, 0);

        /* 2: node 1's path to node 2 gets dearer: y changes, but holds the forward */
        g_assert_cmpint(sim_arc_cost(n.s, n.id[1], n.id[2], 50000), ==, 0);
        sim_run(n.s, UINT64_MAX, UINT64_MAX);
        m = etp_from(&n, 1, 0);
        {
                QspnPathView was, now;
                g_assert_cmpuint(qspn_engine_paths(y, rig.watch, false, &was, 1), >=, 1);
                g_assert_cmpint(qspn_engine_receive_etp(y, &X, m, false, &err), ==, 0);
                g_assert_cmpuint(qspn_engine_paths(y, rig.watch, false, &now, 1), >=, 1);
                g_assert_cmpint(now.cost, >, was.cost + 40000); /* y took the change */
        }
        qspn_etp_free(m);
        g_assert_cmpuint(rig.n_sent, ==, 2);

        /* 3: node 2 goes away for y */
        if (by_arc_removal) {
                g_assert_cmpint(qspn_engine_arc_remove(y, &X), ==, 0);
                /* its own update waits for the full ETPs it asked Z and W for (never answered here) */
                g_assert_cmpuint(rig.n_sent, ==, 2);
        } else {
                g_assert_cmpint(sim_arc_remove(n.s, n.id[1], n.id[2]), ==, 0);
                sim_run(n.s, UINT64_MAX, UINT64_MAX);
                m = etp_from(&n, 1, 0);
                g_assert_cmpint(qspn_engine_receive_etp(y, &X, m, true, &err), ==, 0);
                qspn_etp_free(m);
                g_assert_cmpuint(rig.n_sent, ==, 2);
        }
        g_assert_false(qspn_engine_is_known(y, rig.watch));

        /* the hold ends: one update ETP (no hop list) to every arc, the path as it is now: dead */
        before = rig.n_sent;
        {
                uint64_t t = rig.hold_token;
                rig.hold_token = 0;
                qspn_engine_timer(y, t);
        }
        g_assert_cmpuint(rig.n_sent, ==, before + (by_arc_removal ? 2 : 3));
        for (unsigned k = before; k < rig.n_sent; k++) {
                g_assert_cmpuint(rig.sent[k].n_hops, ==, 0);
                g_assert_true(rig.sent[k].dead_to_d);
                g_assert_false(rig.sent[k].live_to_d);
        }
        /* the next hold ends quiet: nothing more */
        g_assert_cmpuint(rig.hold_token, !=, 0);
        before = rig.n_sent;
        qspn_engine_timer(y, rig.hold_token);
        g_assert_cmpuint(rig.n_sent, ==, before);

        qspn_engine_free(y);
        sim_free(n.s);
}

static void test_forward_hold_merges(void)
{
        forward_hold_merges(false);
        forward_hold_merges(true);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/qspn/fp/construct_and_elder_seed", test_fp_construct_picks_eldest_and_null_is_youngest);
        g_test_add_func("/qspn/cost/important_variation", test_cost_important_variation_30_percent);
        g_test_add_func("/qspn/mch_ratio/table", test_mch_ratio_table);
        g_test_add_func("/qspn/etp/malformed_rejected_without_state_change",
                test_malformed_etps_rejected_without_state_change);
        g_test_add_func("/qspn/bug/prepare_destroy_deduplicated", test_prepare_destroy_deduplicated);
        g_test_add_func("/qspn/bootstrap/rules", test_bootstrap_rules);
        g_test_add_func("/qspn/bug/get_full_etp_keeps_known_peer", test_get_full_etp_keeps_known_peer_address);
        g_test_add_func("/qspn/update_map/disjoint_selection_example", test_disjoint_selection_documented_example);
        g_test_add_func("/qspn/update_map/readvertise_after_arc_change", test_readvertise_after_arc_change);
        g_test_add_func("/qspn/update_map/readvertise_cheaper_too", test_readvertise_cheaper_too);
        g_test_add_func("/qspn/update_map/nodes_inside_ratio", test_nodes_inside_ratio);
        g_test_add_func("/qspn/update_map/out_of_memory", test_update_map_out_of_memory);
        g_test_add_func("/qspn/forward/hold_merges", test_forward_hold_merges);
        return g_test_run();
}
