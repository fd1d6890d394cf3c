/* qspn-types.c — QSPN value types: costs, fingerprints, paths, ETP messages and their validation.
 * Must not: know about a manager's state (map, arcs) or do any I/O. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qspn.h"

QspnCost qspn_cost_add(QspnCost a, QspnCost b)
{
        if (a == QSPN_COST_DEAD || b == QSPN_COST_DEAD)
                return QSPN_COST_DEAD;
        if (a > QSPN_COST_DEAD - b)
                return QSPN_COST_DEAD - 1;
        return a + b;
}

bool qspn_cost_important_variation(QspnCost old_cost, QspnCost new_cost, double ratio)
{
        if (old_cost == QSPN_COST_NULL)
                return new_cost != QSPN_COST_NULL;
        if (old_cost == QSPN_COST_DEAD)
                return new_cost != QSPN_COST_DEAD;
        if (new_cost == QSPN_COST_DEAD || new_cost == QSPN_COST_NULL)
                return true;
        if (new_cost > old_cost + (QspnCost) (ratio * (double) new_cost))
                return true;
        if (new_cost < old_cost - (QspnCost) (ratio * (double) old_cost))
                return true;
        return false;
}

bool qspn_fp_equal(const QspnFp *a, const QspnFp *b)
{
        return a->id == b->id;
}

/* Lower is elder; a null eldership (-1) is younger than anything. */
static int eld_cmp(int32_t a, int32_t b)
{
        if (a == b)
                return 0;
        if (a == QSPN_ELD_NULL)
                return 1;
        if (b == QSPN_ELD_NULL)
                return -1;
        return a < b ? -1 : 1;
}

bool qspn_fp_elder_seed(const QspnFp *a, const QspnFp *b)
{
        /* [BUG?] qspn.md §1.4: the harness treats -1 as youngest only on the left operand; eld_cmp
         * treats a null eldership as the youngest on both sides. */
        unsigned n = a->level < b->level ? a->level : b->level;

        for (unsigned i = 0; i < n; i++) {
                int c = eld_cmp(a->seed[i], b->seed[i]);
                if (c != 0)
                        return c < 0;
        }
        return false;
}

QspnFp qspn_fp_construct(const QspnFp *mine, const QspnFp *others, size_t n_others)
{
        const QspnFp *eldest = mine;
        QspnFp r = { .level = (uint8_t) (mine->level + 1), .levels = mine->levels };

        for (size_t i = 0; i < n_others; i++)
                if (eld_cmp(others[i].eld[0], eldest->eld[0]) < 0)
                        eldest = &others[i];
        for (unsigned i = 0; i + 1 + mine->level < mine->levels; i++)
                r.eld[i] = mine->eld[i + 1];
        r.seed[0] = eldest->eld[0];
        for (unsigned i = 0; i < eldest->level && i + 1 < NTK_MAX_LEVELS; i++)
                r.seed[i + 1] = eldest->seed[i];
        r.id = eldest->id;
        return r;
}

QspnFp qspn_fp_level0(int64_t id, const int32_t *elderships, unsigned levels)
{
        QspnFp r = { .id = id, .level = 0, .levels = (uint8_t) levels };

        for (unsigned i = 0; i < levels && i < NTK_MAX_LEVELS; i++)
                r.eld[i] = elderships ? elderships[i] : 0;
        return r;
}

QspnPath *qspn_path_new(unsigned n_hops, unsigned n_arcs)
{
        QspnPath *p;

        if (n_hops > UINT16_MAX || n_arcs > UINT16_MAX)
                return NULL;
        p = calloc(1, sizeof(QspnPath) + n_hops * sizeof(NtkHCoord) + n_arcs * sizeof(uint32_t));
        if (!p)
                return NULL;
        p->n_hops = (uint16_t) n_hops;
        p->n_arcs = (uint16_t) n_arcs;
        p->arcs = (uint32_t *) (void *) (p->hops + n_hops);
        return p;
}

QspnPath *qspn_path_dup(const QspnPath *p)
{
        QspnPath *q = qspn_path_new(p->n_hops, p->n_arcs);

        if (!q)
                return NULL;
        q->cost = p->cost;
        q->fp = p->fp;
        q->nodes_inside = p->nodes_inside;
        q->ignore_outside = p->ignore_outside;
        q->n_io = p->n_io;
        memcpy(q->hops, p->hops, p->n_hops * sizeof(NtkHCoord));
        memcpy(q->arcs, p->arcs, p->n_arcs * sizeof(uint32_t));
        return q;
}

QspnPath *qspn_path_free(QspnPath *p)
{
        free(p);
        return NULL;
}

QspnEtp *qspn_etp_new(void)
{
        return calloc(1, sizeof(QspnEtp));
}

QspnEtp *qspn_etp_free(QspnEtp *m)
{
        if (!m)
                return NULL;
        for (unsigned i = 0; i < m->n_paths; i++)
                qspn_path_free(m->paths[i]);
        free(m->paths);
        free(m->fps);
        free(m->ni);
        free(m->hops);
        free(m);
        return NULL;
}

static void *memdup_n(const void *p, size_t n, size_t size)
{
        void *q;

        if (n == 0 || !p)
                return NULL;
        q = malloc(n * size);
        if (q)
                memcpy(q, p, n * size);
        return q;
}

QspnEtp *qspn_etp_dup(const QspnEtp *m)
{
        _cleanup_(qspn_etp_freep) QspnEtp *c = qspn_etp_new();

        if (!c)
                return NULL;
        c->node_address = m->node_address;
        c->n_fps = m->n_fps;
        c->fps = memdup_n(m->fps, m->n_fps, sizeof(QspnFp));
        c->n_ni = m->n_ni;
        c->ni = memdup_n(m->ni, m->n_ni, sizeof(uint32_t));
        c->n_hops = m->n_hops;
        c->hops = memdup_n(m->hops, m->n_hops, sizeof(NtkHCoord));
        if ((m->n_fps && !c->fps) || (m->n_ni && !c->ni) || (m->n_hops && !c->hops))
                return NULL;
        if (m->n_paths) {
                c->paths = calloc(m->n_paths, sizeof(QspnPath *));
                if (!c->paths)
                        return NULL;
                for (unsigned i = 0; i < m->n_paths; i++) {
                        c->paths[i] = qspn_path_dup(m->paths[i]);
                        if (!c->paths[i])
                                return NULL;
                        c->n_paths = i + 1;
                }
        }
        return TAKE_PTR(c);
}

int qspn_etp_add_path(QspnEtp *m, QspnPath *p)
{
        QspnPath **n = realloc(m->paths, (m->n_paths + 1) * sizeof(QspnPath *));

        if (!n)
                return -ENOMEM;
        m->paths = n;
        m->paths[m->n_paths++] = p;
        return 0;
}

/* A fingerprint on the wire: id, level, then (levels - level) elderships and level seeds, 4 bytes each. */
static size_t fp_wire_size(const QspnFp *f)
{
        return 8 + 1 + 4u * f->levels;
}

size_t qspn_etp_wire_size(const QspnEtp *m)
{
        size_t s = 1 + 4u * m->node_address.levels; /* address */

        s += 2;
        for (unsigned i = 0; i < m->n_fps; i++)
                s += fp_wire_size(&m->fps[i]);
        s += 2 + 4u * m->n_ni;
        s += 2 + 5u * m->n_hops;
        s += 2;
        for (unsigned i = 0; i < m->n_paths; i++) {
                const QspnPath *p = m->paths[i];
                s += 2 + 9u * p->n_hops + 8 + fp_wire_size(&p->fp) + 4 + 4;
        }
        return s;
}

static int check_hops(const NtkTopology *t, const NtkHCoord *hops, unsigned n, const char *what, unsigned idx,
        NtkErr *err)
{
        for (unsigned j = 0; j < n; j++) {
                if (hops[j].lvl >= t->levels)
                        return ntk_err(err, -EBADMSG, "%s %u: hop %u has level %u, the topology has %u levels",
                                what, idx, j, hops[j].lvl, t->levels);
                if (hops[j].pos > NTK_POS_MAX)
                        return ntk_err(err, -EBADMSG, "%s %u: hop %u has position %u out of range", what, idx, j,
                                hops[j].pos);
                if (j > 0 && hops[j].lvl < hops[j - 1].lvl)
                        return ntk_err(err, -EBADMSG, "%s %u: hop levels decrease at hop %u (%u after %u)", what,
                                idx, j, hops[j].lvl, hops[j - 1].lvl);
                /* A path that enters the same g-node twice is a cycle: with non-decreasing levels the two
                 * occurrences are at the same level. */
                for (unsigned k = 0; k < j; k++)
                        if (hops[k].lvl == hops[j].lvl && hops[k].pos == hops[j].pos)
                                return ntk_err(err, -EBADMSG, "%s %u: hop %u repeats (%u,%u): cycle", what, idx,
                                        j, hops[j].lvl, hops[j].pos);
        }
        return 0;
}

static int check_fp(const NtkTopology *t, const QspnFp *f, unsigned want_level, const char *what, unsigned idx,
        NtkErr *err)
{
        if (f->levels != t->levels)
                return ntk_err(err, -EBADMSG, "%s %u: fingerprint for %u levels, the topology has %u", what, idx,
                        f->levels, t->levels);
        if (f->level != want_level)
                return ntk_err(err, -EBADMSG, "%s %u: fingerprint of level %u, expected level %u", what, idx,
                        f->level, want_level);
        return 0;
}

int qspn_etp_validate(const NtkTopology *t, const NtkAddress *mine, const QspnEtp *m, NtkErr *err)
{
        unsigned L = t->levels;
        int r;

        if (!m)
                return ntk_err(err, -EBADMSG, "no message");
        /* check_incoming_message: same topology, a different address. */
        if (m->node_address.levels != L)
                return ntk_err(err, -EBADMSG, "sender address has %u levels, the topology has %u",
                        m->node_address.levels, L);
        for (unsigned l = 0; l < L; l++)
                if (m->node_address.pos[l] > NTK_POS_MAX)
                        return ntk_err(err, -EBADMSG, "sender address: position %u at level %u out of range",
                                m->node_address.pos[l], l);
        if (mine && ntk_address_equal(mine, &m->node_address))
                return ntk_err(err, -EBADMSG, "sender address equals mine");
        /* §8.22: fingerprints and nodes_inside need an entry per level (we send L+1). */
        if (m->n_fps < L || m->n_fps > L + 1 || !m->fps)
                return ntk_err(err, -EBADMSG, "%u fingerprints, expected %u or %u", m->n_fps, L, L + 1);
        if (m->n_ni < L || m->n_ni > L + 1 || !m->ni)
                return ntk_err(err, -EBADMSG, "%u nodes_inside entries, expected %u or %u", m->n_ni, L, L + 1);
        for (unsigned l = 0; l < m->n_fps; l++) {
                r = check_fp(t, &m->fps[l], l, "fingerprint", l, err);
                if (r < 0)
                        return r;
        }
        if (m->n_hops && !m->hops)
                return ntk_err(err, -EBADMSG, "hop list missing");
        r = check_hops(t, m->hops, m->n_hops, "message hop list", 0, err);
        if (r < 0)
                return r;
        if (m->n_paths && !m->paths)
                return ntk_err(err, -EBADMSG, "path list missing");
        for (unsigned i = 0; i < m->n_paths; i++) {
                const QspnPath *p = m->paths[i];
                unsigned last;

                if (!p)
                        return ntk_err(err, -EBADMSG, "path %u is null", i);
                if (p->n_hops == 0)
                        return ntk_err(err, -EBADMSG, "path %u has no hops", i);
                if (p->n_hops != p->n_arcs)
                        return ntk_err(err, -EBADMSG, "path %u has %u hops and %u arcs", i, p->n_hops, p->n_arcs);
                if (p->n_io != L)
                        return ntk_err(err, -EBADMSG, "path %u has %u ignore_outside entries, expected %u", i,
                                p->n_io, L);
                r = check_hops(t, p->hops, p->n_hops, "path", i, err);
                if (r < 0)
                        return r;
                last = p->hops[p->n_hops - 1].lvl;
                for (unsigned l = last + 1; l < L; l++)
                        if (!(p->ignore_outside & (1u << l)))
                                return ntk_err(err, -EBADMSG,
                                        "path %u: ignore_outside[%u] must be true for a destination of level %u", i,
                                        l, last);
                r = check_fp(t, &p->fp, last, "path", i, err);
                if (r < 0)
                        return r;
                if (p->cost < 0)
                        return ntk_err(err, -EBADMSG, "path %u has a negative cost", i);
                for (unsigned j = 0; j < p->n_arcs; j++)
                        if (p->arcs[j] == 0 || p->arcs[j] >= INT32_MAX)
                                return ntk_err(err, -EBADMSG, "path %u: arc id %u out of range", i, p->arcs[j]);
        }
        return 0;
}

double qspn_mch_ratio(double max_common_hops_ratio, uint32_t size, unsigned numgw)
{
        static const double lambda[] = { 0.45, 0.35, 0.27, 0.20, 0.15, 0.12, 0.10 };
        double l = numgw >= 1 && numgw <= 7 ? lambda[numgw - 1] : 0.08;
        double eps = max_common_hops_ratio * l;
        double g;

        if (size < 10)
                g = 1.0;
        else if (size < 25)
                g = 0.9;
        else if (size < 75)
                g = 0.8;
        else if (size < 250)
                g = 0.6;
        else if (size < 750)
                g = 0.3;
        else if (size < 3000)
                g = 0.1;
        else
                g = 0.0001;
        return (max_common_hops_ratio - eps) * g + eps;
}

void qspn_config_default(QspnConfig *c)
{
        *c = (QspnConfig){
                .max_paths = 5,
                .max_common_hops_ratio = 0.6,
                .periodic_ms = 600000,
                .bootstrap_timeout_ms = 10000,
                .cost_variation_ratio = 0.3,
                .nodes_inside_ratio = 0.1,
                .readvertise_on_loss = true,
                .io_representative = true,
                .forward_hold_ms = 1000,
        };
}
