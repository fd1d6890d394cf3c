/* test-qspn-wire.c — the engine's ETPs through the real wire: QspnEtp → Etp → envelope bytes →
 * decoded envelope → QspnEtp, field by field; and the shapes the conversion must refuse. */
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qspn-test-util.h"
#include "qspn-wire.h"

#define N_NODES 24

typedef struct Net {
        NtkTopology t;
        Sim *s;
        int id[N_NODES];
} Net;

/* A chain of 24 identities with chords, addresses in base 4 along the chain (so every g-node is a
 * connected stretch), formed in the simulator. */
static void net_init(Net *n)
{
        NtkAddress ad[N_NODES];
        TtArc arcs[2 * N_NODES];
        size_t n_arcs = 0;
        QspnConfig cfg;

        n->t = tt_topo("4.4.4.4");
        for (unsigned i = 0; i < N_NODES; i++) {
                char a[32];
                g_snprintf(a, sizeof a, "0.%u.%u.%u", i / 16, (i / 4) % 4, i % 4);
                ad[i] = tt_addr(&n->t, a);
                if (i > 0)
                        arcs[n_arcs++] = (TtArc){ (int) i - 1, (int) i, 1000 + (i * 37) % 500 };
                if (i >= 5 && i % 3 == 0)
                        arcs[n_arcs++] = (TtArc){ (int) i - 5, (int) i, 3000 };
        }
        qspn_config_default(&cfg);
        cfg.periodic_ms = 0;
        n->s = sim_new(&n->t, &cfg, 11);
        tt_form(n->s, ad, N_NODES, arcs, n_arcs, n->id);
}

static void fp_assert_equal(const QspnFp *a, const QspnFp *b, unsigned L)
{
        g_assert_cmpint(a->id, ==, b->id);
        g_assert_cmpuint(a->level, ==, b->level);
        g_assert_cmpuint(b->levels, ==, L);
        g_assert_cmpmem(a->eld, (L - a->level) * sizeof(int32_t), b->eld, (L - b->level) * sizeof(int32_t));
        g_assert_cmpmem(a->seed, a->level * sizeof(int32_t), b->seed, b->level * sizeof(int32_t));
}

static void etp_assert_equal(const QspnEtp *a, const QspnEtp *b, unsigned L)
{
        g_assert_true(ntk_address_equal(&a->node_address, &b->node_address));
        g_assert_cmpuint(a->n_fps, ==, b->n_fps);
        for (unsigned i = 0; i < a->n_fps; i++)
                fp_assert_equal(&a->fps[i], &b->fps[i], L);
        g_assert_cmpmem(a->ni, a->n_ni * sizeof(uint32_t), b->ni, b->n_ni * sizeof(uint32_t));
        g_assert_cmpmem(a->hops, a->n_hops * sizeof(NtkHCoord), b->hops, b->n_hops * sizeof(NtkHCoord));
        g_assert_cmpuint(a->n_paths, ==, b->n_paths);
        for (unsigned i = 0; i < a->n_paths; i++) {
                const QspnPath *p = a->paths[i], *q = b->paths[i];
                g_assert_cmpint(p->cost, ==, q->cost);
                fp_assert_equal(&p->fp, &q->fp, L);
                g_assert_cmpuint(p->nodes_inside, ==, q->nodes_inside);
                g_assert_cmpuint(p->n_io, ==, q->n_io);
                g_assert_cmphex(p->ignore_outside, ==, q->ignore_outside);
                g_assert_cmpmem(p->hops, p->n_hops * sizeof(NtkHCoord), q->hops, q->n_hops * sizeof(NtkHCoord));
                g_assert_cmpmem(p->arcs, p->n_arcs * sizeof(uint32_t), q->arcs, q->n_arcs * sizeof(uint32_t));
        }
}

/* m as a send_etp envelope, encoded for TCP; returns the encoded length into *len. */
static uint8_t *encode(const NtkTopology *t, const QspnEtp *m, bool is_full, size_t *len)
{
        _cleanup_(qspn_wire_etp_freep) Ntkwire__Etp *w = NULL;
        Ntkwire__Envelope env;
        Ntkwire__SendEtp se;
        NtkErr err = { "" };
        uint8_t *buf;

        g_assert_cmpint(qspn_wire_from_etp(t, m, &w, &err), ==, 0);
        ntkwire__envelope__init(&env);
        ntkwire__send_etp__init(&se);
        se.etp = w;
        se.has_is_full = true;
        se.is_full = is_full;
        env.has_version = true;
        env.version = WIRE_VERSION;
        env.has_sender_node_id = true;
        env.sender_node_id = 77;
        env.body_case = NTKWIRE__ENVELOPE__BODY_SEND_ETP;
        env.send_etp = &se;
        buf = g_malloc(WIRE_TCP_MAX_SIZE);
        g_assert_cmpint(wire_encode(&env, WIRE_TCP, buf, WIRE_TCP_MAX_SIZE, len), ==, 0);
        return buf;
}

static QspnEtp *round_trip(const NtkTopology *t, const QspnEtp *m, size_t *len)
{
        g_autofree uint8_t *buf = encode(t, m, true, len);
        _cleanup_wire_message_ WireMessage *d = NULL;
        QspnEtp *back = NULL;
        NtkErr err = { "" };

        g_assert_cmpint(wire_decode(buf, *len, WIRE_TCP, &d), ==, 0);
        g_assert_cmpint(d->env->body_case, ==, NTKWIRE__ENVELOPE__BODY_SEND_ETP);
        g_assert_true(d->env->send_etp->is_full);
        if (qspn_wire_to_etp(t, d->env->send_etp->etp, &back, &err) < 0)
                g_error("decoding our own ETP: %s", err.msg);
        return back;
}

/* Every full ETP of every identity towards every neighbour, and an update carrying a dead and a
 * null-cost path, survive the wire unchanged and still pass the engine's validation; the byte
 * count the simulator charges (qspn_etp_wire_size) stays within a factor 2 of the real encoding. */
static void test_round_trip(void)
{
        Net n;
        size_t real = 0, estimate = 0, etps = 0, paths = 0;

        net_init(&n);
        for (unsigned i = 0; i < N_NODES; i++) {
                QspnEngine *e = sim_engine(n.s, n.id[i]);
                for (size_t k = 0; k < qspn_engine_n_arcs(e); k++) {
                        void *arc = qspn_engine_arc(e, k);
                        int peer = sim_arc_peer(n.s, n.id[i], arc);
                        _cleanup_(qspn_etp_freep) QspnEtp *m = NULL, *back = NULL;
                        NtkErr err = { "" };
                        size_t len;

                        g_assert_cmpint(qspn_engine_get_full_etp(e, arc, qspn_engine_address(sim_engine(n.s, peer)), &m),
                                ==, 0);
                        back = round_trip(&n.t, m, &len);
                        etp_assert_equal(m, back, n.t.levels);
                        g_assert_cmpint(qspn_etp_validate(&n.t, qspn_engine_address(sim_engine(n.s, peer)), back, &err),
                                ==, 0);
                        real += len;
                        estimate += qspn_etp_wire_size(m);
                        etps++;
                        paths += m->n_paths;
                }
        }
        g_assert_cmpuint(etps, >=, 2 * (N_NODES - 1));
        g_assert_cmpuint(paths, >, 3 * etps); /* real maps, not empty messages */
        g_test_message("%zu ETPs, %zu paths: %zu bytes encoded, %zu estimated (ratio %.2f)", etps, paths, real,
                estimate, (double) estimate / (double) real);
        g_assert_cmpfloat((double) estimate, <=, 2.0 * (double) real);
        g_assert_cmpfloat((double) estimate, >=, 0.5 * (double) real);

        /* the costs the full ETPs never carry */
        {
                QspnEngine *e = sim_engine(n.s, n.id[5]);
                void *arc = tt_arc_to(n.s, n.id[5], n.id[4]);
                _cleanup_(qspn_etp_freep) QspnEtp *m = NULL, *back = NULL;
                size_t len;

                g_assert_cmpint(qspn_engine_get_full_etp(e, arc, qspn_engine_address(sim_engine(n.s, n.id[4])), &m), ==,
                        0);
                g_assert_cmpuint(m->n_paths, >=, 2);
                m->paths[0]->cost = QSPN_COST_DEAD;
                m->paths[1]->cost = QSPN_COST_NULL;
                m->hops = realloc(m->hops, 2 * sizeof(NtkHCoord));
                g_assert_nonnull(m->hops);
                m->hops[0] = (NtkHCoord){ 0, 2 };
                m->hops[1] = (NtkHCoord){ 1, 3 };
                m->n_hops = 2;
                back = round_trip(&n.t, m, &len);
                etp_assert_equal(m, back, n.t.levels);
                g_assert_cmpint(back->paths[0]->cost, ==, QSPN_COST_DEAD);
                g_assert_cmpint(back->paths[1]->cost, ==, QSPN_COST_NULL);
        }
        sim_free(n.s);
}

/* ---- refusals ------------------------------------------------------------------------------- */

typedef struct Refusal {
        const char *name;
        void (*mutate)(Ntkwire__Etp *w);
        const char *says; /* a piece of the message: the offending value */
} Refusal;

static void mut_gsize(Ntkwire__Etp *w)
{
        w->node_address->gsize[1] = 8;
}

static void mut_levels(Ntkwire__Etp *w)
{
        w->node_address->n_pos = w->node_address->n_gsize = 3;
}

static void mut_fp_level(Ntkwire__Etp *w)
{
        w->fingerprints[2]->level = 5;
}

static void mut_fp_elderships(Ntkwire__Etp *w)
{
        w->fingerprints[1]->n_elderships = 1;
}

static void mut_fp_seed(Ntkwire__Etp *w)
{
        w->paths[0]->fingerprint->n_elderships_seed++;
}

static void mut_many_fps(Ntkwire__Etp *w)
{
        w->n_fingerprints = 6;
}

static void mut_many_ni(Ntkwire__Etp *w)
{
        w->n_nodes_inside = 7;
}

static void mut_io(Ntkwire__Etp *w)
{
        w->paths[0]->n_ignore_outside = 5;
}

static void mut_cost_zero(Ntkwire__Etp *w)
{
        w->paths[0]->cost->usec = 0;
}

static void mut_cost_huge(Ntkwire__Etp *w)
{
        w->paths[0]->cost->usec = UINT64_MAX;
}

static void mut_cost_kind(Ntkwire__Etp *w)
{
        w->paths[0]->cost->kind = 7;
}

static void mut_no_cost(Ntkwire__Etp *w)
{
        w->paths[1]->cost = NULL;
}

static void mut_no_fp(Ntkwire__Etp *w)
{
        w->paths[1]->fingerprint = NULL;
}

static void mut_no_address(Ntkwire__Etp *w)
{
        w->node_address = NULL;
}

/* Each shape the engine's types cannot hold is refused with -EBADMSG, a message naming the value,
 * and nothing returned; the same message unmutated is accepted (so the refusal is the mutation's). */
static void test_refusals(void)
{
        static const Refusal cases[] = {
                { "gsize", mut_gsize, "gsize 8 at level 1" },
                { "levels", mut_levels, "3 levels" },
                { "fp level", mut_fp_level, "level 5" },
                { "fp elderships", mut_fp_elderships, "1 elderships" },
                { "path fp seed", mut_fp_seed, "path 0: fingerprint of level 0 with 4 elderships and 1 seed" },
                { "fingerprints", mut_many_fps, "6 fingerprints" },
                { "nodes_inside", mut_many_ni, "7 nodes_inside" },
                { "ignore_outside", mut_io, "5 ignore_outside" },
                { "cost 0", mut_cost_zero, "cost 0" },
                { "cost huge", mut_cost_huge, "18446744073709551615" },
                { "cost kind", mut_cost_kind, "kind 7" },
                { "no cost", mut_no_cost, "path 1: no cost" },
                { "no fingerprint", mut_no_fp, "path 1: no fingerprint" },
                { "no address", mut_no_address, "no sender address" },
        };
        Net n;
        QspnEngine *e;
        _cleanup_(qspn_etp_freep) QspnEtp *m = NULL;

        net_init(&n);
        e = sim_engine(n.s, n.id[9]);
        g_assert_cmpint(qspn_engine_get_full_etp(e, tt_arc_to(n.s, n.id[9], n.id[8]), qspn_engine_address(sim_engine(n.s, n.id[8])), &m),
                ==, 0);
        g_assert_cmpuint(m->n_paths, >=, 2);
        g_assert_cmpuint(m->n_fps, ==, n.t.levels + 1); /* the copies below take 3 of them, in 8 slots */
        g_assert_cmpuint(m->paths[0]->fp.level, ==, 0); /* mut_fp_seed's expected message */
        for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
                _cleanup_(qspn_wire_etp_freep) Ntkwire__Etp *w = NULL;
                Ntkwire__Etp copy;
                Ntkwire__Naddr addr;
                Ntkwire__EtpPath p0, p1;
                Ntkwire__Cost c0;
                Ntkwire__Fingerprint f1, f2, pf0;
                QspnEtp *sentinel = (QspnEtp *) &copy, *ret = sentinel;
                NtkErr err = { "" };
                int r;

                g_assert_cmpint(qspn_wire_from_etp(&n.t, m, &w, &err), ==, 0);
                /* mutate shallow copies, so that the tree freed afterwards is the one built */
                copy = *w;
                addr = *w->node_address;
                copy.node_address = &addr;
                p0 = *w->paths[0];
                p1 = *w->paths[1];
                c0 = *p0.cost;
                p0.cost = &c0;
                pf0 = *p0.fingerprint;
                p0.fingerprint = &pf0;
                f1 = *w->fingerprints[1];
                f2 = *w->fingerprints[2];
                {
                        Ntkwire__EtpPath *pp[2] = { &p0, &p1 };
                        Ntkwire__Fingerprint *fp[8] = { 0 };
                        uint32_t gs[NTK_MAX_LEVELS];
                        memcpy(fp, w->fingerprints, w->n_fingerprints * sizeof(*fp));
                        fp[1] = &f1;
                        fp[2] = &f2;
                        memcpy(gs, w->node_address->gsize, w->node_address->n_gsize * sizeof(uint32_t));
                        addr.gsize = gs;
                        copy.paths = pp;
                        copy.n_paths = 2;
                        copy.fingerprints = fp;
                        {
                                /* the copy as built is accepted: the refusal below is the mutation's */
                                QspnEtp *ok = NULL;
                                g_assert_cmpint(qspn_wire_to_etp(&n.t, &copy, &ok, &err), ==, 0);
                                g_assert_cmpuint(ok->n_paths, ==, 2);
                                qspn_etp_free(ok);
                                err.msg[0] = 0;
                        }
                        cases[c].mutate(&copy);
                        r = qspn_wire_to_etp(&n.t, &copy, &ret, &err);
                }
                g_test_message("%s: %s", cases[c].name, err.msg);
                g_assert_cmpint(r, ==, -EBADMSG);
                g_assert_true(ret == sentinel);
                if (!strstr(err.msg, cases[c].says))
                        g_error("%s: message '%s' does not say '%s'", cases[c].name, err.msg, cases[c].says);
        }
        sim_free(n.s);
}

/* What is a protocol matter, not a shape one, passes the conversion and is the engine's to refuse:
 * a path that re-enters a g-node (a cycle) decodes, and qspn_etp_validate rejects it. */
static void test_semantics_left_to_the_engine(void)
{
        Net n;
        QspnEngine *e;
        _cleanup_(qspn_etp_freep) QspnEtp *m = NULL, *back = NULL;
        NtkErr err = { "" };
        size_t len;
        QspnPath *p;

        net_init(&n);
        e = sim_engine(n.s, n.id[9]);
        g_assert_cmpint(qspn_engine_get_full_etp(e, tt_arc_to(n.s, n.id[9], n.id[8]), qspn_engine_address(sim_engine(n.s, n.id[8])), &m),
                ==, 0);
        p = qspn_path_new(3, 3);
        p->hops[0] = (NtkHCoord){ 0, 1 };
        p->hops[1] = (NtkHCoord){ 0, 2 };
        p->hops[2] = (NtkHCoord){ 0, 1 };
        p->arcs[0] = p->arcs[1] = p->arcs[2] = 9;
        p->cost = 4000;
        p->fp = qspn_fp_level0(5, NULL, n.t.levels);
        p->nodes_inside = 1;
        p->n_io = (uint16_t) n.t.levels;
        p->ignore_outside = 0xe;
        g_assert_cmpint(qspn_etp_add_path(m, p), ==, 0);
        back = round_trip(&n.t, m, &len);
        etp_assert_equal(m, back, n.t.levels);
        g_assert_cmpint(qspn_etp_validate(&n.t, qspn_engine_address(sim_engine(n.s, n.id[8])), back, &err), ==, -EBADMSG);
        g_test_message("engine: %s", err.msg);
        g_assert_nonnull(strstr(err.msg, "cycle"));
        sim_free(n.s);
}

/* An ETP that does not fit the wire is refused, naming the value, before anything is built. */
static void test_from_etp_refuses(void)
{
        NtkTopology t = tt_topo("4.4.4.4"), t3 = tt_topo("4.4.4");
        _cleanup_(qspn_etp_freep) QspnEtp *m = qspn_etp_new();
        Ntkwire__Etp *w = NULL;
        NtkErr err = { "" };
        QspnPath *p;

        m->node_address = tt_addr(&t, "0.1.2.3");
        g_assert_cmpint(qspn_wire_from_etp(&t3, m, &w, &err), ==, -EINVAL);
        g_assert_null(w);
        g_assert_nonnull(strstr(err.msg, "sender address has 4 levels, the topology has 3"));
        m->fps = calloc(1, sizeof(QspnFp));
        m->fps[0] = qspn_fp_level0(1, NULL, 3); /* a fingerprint of another topology */
        m->n_fps = 1;
        g_assert_cmpint(qspn_wire_from_etp(&t, m, &w, &err), ==, -EINVAL);
        g_assert_null(w);
        g_assert_nonnull(strstr(err.msg, "fingerprint 0: fingerprint of level 0 for 3 levels"));
        m->fps[0] = qspn_fp_level0(1, NULL, 4);
        p = qspn_path_new(1, 1);
        p->hops[0] = (NtkHCoord){ 0, 2 };
        p->cost = -5;
        p->fp = qspn_fp_level0(2, NULL, 4);
        p->n_io = 4;
        g_assert_cmpint(qspn_etp_add_path(m, p), ==, 0);
        g_assert_cmpint(qspn_wire_from_etp(&t, m, &w, &err), ==, -EINVAL);
        g_assert_null(w);
        g_assert_nonnull(strstr(err.msg, "path 0: negative cost -5"));
        p->cost = 700;
        g_assert_cmpint(qspn_wire_from_etp(&t, m, &w, &err), ==, 0);
        g_assert_cmpuint(w->n_paths, ==, 1);
        qspn_wire_etp_free(w);
}

/* The hop bound: a neighbour's path may have at most QSPN_WIRE_MAX_PATH_HOPS hops, so that after
 * revision (one more hop) it still fits the wire; a stored path that does not is left out of what we
 * send, and the rest of the ETP still goes out. */
static void test_hop_bound(void)
{
        NtkTopology t = tt_topo("4.4.4.4");
        _cleanup_(qspn_etp_freep) QspnEtp *m = qspn_etp_new(), *back = NULL;
        _cleanup_(qspn_wire_etp_freep) Ntkwire__Etp *w = NULL;
        QspnEtp *sentinel = m, *ret = sentinel;
        NtkErr err = { "" };

        m->node_address = tt_addr(&t, "0.1.2.3");
        for (unsigned len = QSPN_WIRE_MAX_PATH_HOPS; len <= QSPN_WIRE_MAX_PATH_HOPS + 1; len++) {
                QspnPath *p = qspn_path_new(len, len);
                for (unsigned h = 0; h < len; h++) {
                        p->hops[h] = (NtkHCoord){ 0, h + 1 };
                        p->arcs[h] = h + 1;
                }
                p->cost = 1000;
                p->fp = qspn_fp_level0(3, NULL, 4);
                p->n_io = 4;
                p->ignore_outside = 0xe;
                g_assert_cmpint(qspn_etp_add_path(m, p), ==, 0);
        }
        g_assert_cmpint(qspn_wire_from_etp(&t, m, &w, &err), ==, 0);
        g_assert_cmpuint(w->n_paths, ==, 1); /* the 256-hop path is left out */
        g_assert_cmpuint(w->paths[0]->n_hops, ==, QSPN_WIRE_MAX_PATH_HOPS);
        g_assert_cmpint(qspn_wire_to_etp(&t, w, &back, &err), ==, 0);
        g_assert_cmpuint(back->paths[0]->n_hops, ==, QSPN_WIRE_MAX_PATH_HOPS);
        /* a hostile 256-hop path (the wire allows it) is refused on the way in */
        {
                Ntkwire__EtpPath *p0 = w->paths[0];
                Ntkwire__HCoord **hops = g_new(Ntkwire__HCoord *, QSPN_WIRE_MAX_PATH_HOPS + 1);
                uint32_t *arcs = g_new0(uint32_t, QSPN_WIRE_MAX_PATH_HOPS + 1);
                Ntkwire__HCoord extra;
                Ntkwire__EtpPath longer = *p0;

                memcpy(hops, p0->hops, QSPN_WIRE_MAX_PATH_HOPS * sizeof(*hops));
                memcpy(arcs, p0->arcs, QSPN_WIRE_MAX_PATH_HOPS * sizeof(*arcs));
                ntkwire__hcoord__init(&extra);
                extra.has_lvl = extra.has_pos = true;
                extra.pos = 300;
                hops[QSPN_WIRE_MAX_PATH_HOPS] = &extra;
                longer.hops = hops;
                longer.arcs = arcs;
                longer.n_hops = longer.n_arcs = QSPN_WIRE_MAX_PATH_HOPS + 1;
                w->paths[0] = &longer;
                g_assert_cmpint(qspn_wire_to_etp(&t, w, &ret, &err), ==, -EBADMSG);
                w->paths[0] = p0;
                g_free(hops);
                g_free(arcs);
        }
        g_assert_true(ret == sentinel);
        g_assert_nonnull(strstr(err.msg, "path 0: 256 hops and 256 arcs, at most 255"));
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/qspn/wire/round_trip", test_round_trip);
        g_test_add_func("/qspn/wire/refusals", test_refusals);
        g_test_add_func("/qspn/wire/semantics_left_to_the_engine", test_semantics_left_to_the_engine);
        g_test_add_func("/qspn/wire/from_etp_refuses", test_from_etp_refuses);
        g_test_add_func("/qspn/wire/hop_bound", test_hop_bound);
        return g_test_run();
}
