/* qspn-test-util.h — helpers shared by the QSPN tests: parsing, an event recorder, network building
 * and checks over a simulator. Must not: hide assertions (every helper fails loudly with g_error). */
#pragma once

#include <glib.h>
#include <string.h>

#include "qspn.h"
#include "sim.h"

static inline NtkTopology tt_topo(const char *s)
{
        NtkTopology t;
        NtkErr e = { "" };

        if (ntk_topology_parse(s, &t, &e) < 0)
                g_error("topology '%s': %s", s, e.msg);
        return t;
}

/* A topology without the IPv4-mapping constraints of ntk_topology_parse (QSPN does not need them). */
static inline NtkTopology tt_topo_raw(const unsigned *gs, unsigned levels)
{
        NtkTopology t = { .levels = levels };

        for (unsigned i = 0; i < levels; i++) {
                t.gsize[i] = gs[i];
                while ((1u << t.gexp[i]) < gs[i])
                        t.gexp[i]++;
        }
        return t;
}

static inline NtkAddress tt_addr(const NtkTopology *t, const char *s)
{
        NtkAddress a;
        NtkErr e = { "" };

        if (ntk_address_parse(t, s, &a, &e) < 0)
                g_error("address '%s': %s", s, e.msg);
        return a;
}

typedef struct RecEv {
        SimEventKind kind;
        int identity;
        int gateway;
        uint64_t at;
        NtkHCoord d;
        unsigned lvl;
        unsigned n_hops;
        NtkHCoord hops[16];
        uint32_t nodes_inside;
        QspnCost cost;
        bool bad_link;
} RecEv;

typedef struct Rec {
        GArray *ev; /* RecEv */
        Sim *sim;
} Rec;

static inline void tt_record(void *ud, const SimEvent *ev)
{
        Rec *r = ud;
        RecEv x = { .kind = ev->kind, .identity = ev->identity, .gateway = ev->gateway, .at = ev->at, .d = ev->d,
                .lvl = ev->lvl, .bad_link = ev->bad_link };

        if (ev->path) {
                x.n_hops = ev->path->path->n_hops;
                for (unsigned i = 0; i < x.n_hops && i < 16; i++)
                        x.hops[i] = ev->path->path->hops[i];
                x.nodes_inside = ev->path->path->nodes_inside;
                x.cost = ev->path->cost;
        }
        g_array_append_val(r->ev, x);
}

static inline Rec *tt_rec_new(Sim *s)
{
        Rec *r = g_new0(Rec, 1);

        r->ev = g_array_new(FALSE, TRUE, sizeof(RecEv));
        r->sim = s;
        sim_set_event_fn(s, tt_record, r);
        return r;
}

static inline void tt_rec_free(Rec *r)
{
        g_array_free(r->ev, TRUE);
        g_free(r);
}

static inline unsigned tt_count(const Rec *r, SimEventKind k, int identity, int lvl, int pos, int gateway)
{
        unsigned n = 0;

        for (guint i = 0; i < r->ev->len; i++) {
                const RecEv *x = &g_array_index(r->ev, RecEv, i);
                if (x->kind != k || x->identity != identity)
                        continue;
                if (lvl >= 0 && (x->d.lvl != (unsigned) lvl || (pos >= 0 && x->d.pos != (uint32_t) pos)))
                        continue;
                if (gateway >= 0 && x->gateway != gateway)
                        continue;
                n++;
        }
        return n;
}

static inline size_t tt_n_dest(Sim *s, int i)
{
        QspnEngine *e = sim_engine(s, i);
        size_t n = 0;

        g_assert_nonnull(e);
        for (unsigned l = 0; l < qspn_engine_topology(e)->levels; l++)
                n += qspn_engine_n_destinations(e, l);
        return n;
}

/* The best (valid-fingerprint) path to d: its total cost, or QSPN_COST_DEAD if none; gateway. */
static inline QspnCost tt_best(Sim *s, int i, NtkHCoord d, int *ret_gw, bool valid_only)
{
        QspnEngine *e = sim_engine(s, i);
        QspnPathView v[128];
        size_t n = qspn_engine_paths(e, d, valid_only, v, 128);
        QspnCost best = QSPN_COST_DEAD;
        int gw = -1;

        for (size_t k = 0; k < n && k < 128; k++)
                if (v[k].cost < best) {
                        best = v[k].cost;
                        gw = sim_arc_peer(s, i, v[k].arc);
                }
        if (ret_gw)
                *ret_gw = gw;
        return best;
}

/* The arc of identity `from` that leads to identity `to` (fails the test if there is none). */
static inline void *tt_arc_to(Sim *s, int from, int to)
{
        QspnEngine *e = sim_engine(s, from);

        for (size_t k = 0; k < qspn_engine_n_arcs(e); k++)
                if (sim_arc_peer(s, from, qspn_engine_arc(e, k)) == to)
                        return qspn_engine_arc(e, k);
        g_error("no arc %d -> %d", from, to);
        return NULL;
}

typedef struct TtArc {
        int a, b;
        QspnCost cost;
} TtArc;

/* Forms a network: identity 0 creates it, each next one enters through its arcs to earlier ones
 * (running to quiescence in between); arcs between earlier identities are all present. */
static inline void tt_form(Sim *s, const NtkAddress *addrs, size_t n, const TtArc *arcs, size_t n_arcs, int *idx)
{
        for (size_t i = 0; i < n; i++) {
                int32_t eld[NTK_MAX_LEVELS];
                char name[32];
                SimPeerArc pa[64];
                size_t np = 0;
                int r;

                g_snprintf(name, sizeof name, "n%zu", i);
                sim_derive_elderships(s, &addrs[i], eld);
                for (size_t k = 0; k < n_arcs; k++) {
                        if (arcs[k].a == (int) i && arcs[k].b < (int) i)
                                pa[np++] = (SimPeerArc){ idx[arcs[k].b], arcs[k].cost };
                        else if (arcs[k].b == (int) i && arcs[k].a < (int) i)
                                pa[np++] = (SimPeerArc){ idx[arcs[k].a], arcs[k].cost };
                        g_assert_cmpuint(np, <, 64);
                }
                if (i == 0)
                        r = sim_create_net(s, name, &addrs[i], 1, eld);
                else {
                        g_assert_cmpuint(np, >, 0);
                        r = sim_enter_node(s, name, &addrs[i], (int64_t) i + 1, eld,
                                sim_derive_host_level(s, &addrs[i]), pa, np);
                }
                g_assert_cmpint(r, >=, 0);
                idx[i] = r;
                sim_run(s, UINT64_MAX, UINT64_MAX);
        }
}
