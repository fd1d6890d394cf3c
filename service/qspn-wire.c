/* qspn-wire.c — QspnEtp ⇄ Ntkwire__Etp, both ways (qspn-wire.h). Must not: send, receive, keep
 * state, judge an ETP beyond its shape, or accept a shape the engine's types would truncate. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "qspn-wire.h"

/* ---- engine → wire ------------------------------------------------------------------------------
 * Every node of the tree is allocated with malloc, the layout protobuf-c's own unpacker produces, so
 * protobuf_c_message_free_unpacked(…, NULL) frees it whole, also when built only in part. */

static Ntkwire__HCoord *hcoord_new(NtkHCoord h)
{
        Ntkwire__HCoord *w = malloc(sizeof *w);

        if (!w)
                return NULL;
        ntkwire__hcoord__init(w);
        w->has_lvl = w->has_pos = true;
        w->lvl = h.lvl;
        w->pos = h.pos;
        return w;
}

static int hops_to_wire(const NtkHCoord *hops, unsigned n, Ntkwire__HCoord ***ret, size_t *ret_n)
{
        if (n > WIRE_MAX_HOPS)
                return -EINVAL;
        if (n == 0)
                return 0;
        *ret = calloc(n, sizeof(Ntkwire__HCoord *));
        if (!*ret)
                return -ENOMEM;
        for (unsigned i = 0; i < n; i++) {
                (*ret)[i] = hcoord_new(hops[i]);
                if (!(*ret)[i])
                        return -ENOMEM;
                *ret_n = i + 1; /* only what exists is freed */
        }
        return 0;
}

static int fp_to_wire(unsigned L, const QspnFp *f, Ntkwire__Fingerprint **ret)
{
        Ntkwire__Fingerprint *w;
        unsigned n_eld, n_seed;

        if (f->levels != L || f->level > L)
                return -EINVAL;
        n_eld = L - f->level;
        n_seed = f->level;
        w = malloc(sizeof *w);
        if (!w)
                return -ENOMEM;
        ntkwire__fingerprint__init(w);
        *ret = w;
        w->has_id = w->has_level = true;
        w->id = f->id;
        w->level = f->level;
        if (n_eld) {
                w->elderships = malloc(n_eld * sizeof(int32_t));
                if (!w->elderships)
                        return -ENOMEM;
                memcpy(w->elderships, f->eld, n_eld * sizeof(int32_t));
                w->n_elderships = n_eld;
        }
        if (n_seed) {
                w->elderships_seed = malloc(n_seed * sizeof(int32_t));
                if (!w->elderships_seed)
                        return -ENOMEM;
                memcpy(w->elderships_seed, f->seed, n_seed * sizeof(int32_t));
                w->n_elderships_seed = n_seed;
        }
        return 0;
}

static int cost_to_wire(QspnCost c, Ntkwire__Cost **ret)
{
        Ntkwire__Cost *w;

        if (c < 0)
                return -EINVAL;
        w = malloc(sizeof *w);
        if (!w)
                return -ENOMEM;
        ntkwire__cost__init(w);
        *ret = w;
        w->has_kind = true;
        if (c == QSPN_COST_NULL)
                w->kind = NTKWIRE__COST__KIND__NULL;
        else if (c == QSPN_COST_DEAD)
                w->kind = NTKWIRE__COST__KIND__DEAD;
        else {
                w->kind = NTKWIRE__COST__KIND__REAL;
                w->has_usec = true;
                w->usec = (uint64_t) c;
        }
        return 0;
}

static int path_to_wire(unsigned L, const QspnPath *p, Ntkwire__EtpPath **ret)
{
        Ntkwire__EtpPath *w;
        int r;

        if (p->n_arcs > WIRE_MAX_HOPS || p->n_io > WIRE_MAX_LEVELS || p->n_io > 32)
                return -EINVAL;
        w = malloc(sizeof *w);
        if (!w)
                return -ENOMEM;
        ntkwire__etp_path__init(w);
        *ret = w;
        r = hops_to_wire(p->hops, p->n_hops, &w->hops, &w->n_hops);
        if (r < 0)
                return r;
        if (p->n_arcs) {
                w->arcs = malloc(p->n_arcs * sizeof(uint32_t));
                if (!w->arcs)
                        return -ENOMEM;
                memcpy(w->arcs, p->arcs, p->n_arcs * sizeof(uint32_t));
                w->n_arcs = p->n_arcs;
        }
        r = cost_to_wire(p->cost, &w->cost);
        if (r < 0)
                return r;
        r = fp_to_wire(L, &p->fp, &w->fingerprint);
        if (r < 0)
                return r;
        w->has_nodes_inside = true;
        w->nodes_inside = p->nodes_inside;
        if (p->n_io) {
                w->ignore_outside = malloc(p->n_io * sizeof(protobuf_c_boolean));
                if (!w->ignore_outside)
                        return -ENOMEM;
                for (unsigned i = 0; i < p->n_io; i++)
                        w->ignore_outside[i] = (p->ignore_outside >> i) & 1;
                w->n_ignore_outside = p->n_io;
        }
        return 0;
}

static int etp_to_wire(const NtkTopology *t, const QspnEtp *m, Ntkwire__Etp *w)
{
        unsigned L = t->levels;
        Ntkwire__Naddr *a;
        int r;

        if (m->node_address.levels != L || m->n_fps > WIRE_MAX_FINGERPRINTS || m->n_ni > WIRE_MAX_FINGERPRINTS ||
                m->n_paths > WIRE_MAX_PATHS)
                return -EINVAL;
        a = w->node_address = malloc(sizeof *a);
        if (!a)
                return -ENOMEM;
        ntkwire__naddr__init(a);
        a->pos = malloc(L * sizeof(uint32_t));
        a->gsize = malloc(L * sizeof(uint32_t));
        if (!a->pos || !a->gsize) {
                free(a->pos);
                free(a->gsize);
                a->pos = NULL;
                a->gsize = NULL;
                return -ENOMEM;
        }
        a->n_pos = a->n_gsize = L;
        for (unsigned l = 0; l < L; l++) {
                a->pos[l] = m->node_address.pos[l];
                a->gsize[l] = t->gsize[l];
        }
        if (m->n_fps) {
                w->fingerprints = calloc(m->n_fps, sizeof(Ntkwire__Fingerprint *));
                if (!w->fingerprints)
                        return -ENOMEM;
                for (unsigned i = 0; i < m->n_fps; i++) {
                        r = fp_to_wire(L, &m->fps[i], &w->fingerprints[i]);
                        w->n_fingerprints = i + (w->fingerprints[i] != NULL);
                        if (r < 0)
                                return r;
                }
        }
        if (m->n_ni) {
                w->nodes_inside = malloc(m->n_ni * sizeof(uint32_t));
                if (!w->nodes_inside)
                        return -ENOMEM;
                memcpy(w->nodes_inside, m->ni, m->n_ni * sizeof(uint32_t));
                w->n_nodes_inside = m->n_ni;
        }
        r = hops_to_wire(m->hops, m->n_hops, &w->hops, &w->n_hops);
        if (r < 0)
                return r;
        if (m->n_paths) {
                w->paths = calloc(m->n_paths, sizeof(Ntkwire__EtpPath *));
                if (!w->paths)
                        return -ENOMEM;
                for (unsigned i = 0, j = 0; i < m->n_paths; i++) {
                        if (m->paths[i]->n_hops >= QSPN_WIRE_MAX_PATH_HOPS + 1)
                                continue; /* the next node could not extend it: not sent */
                        r = path_to_wire(L, m->paths[i], &w->paths[j]);
                        w->n_paths = j + (w->paths[j] != NULL);
                        j++;
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

void qspn_wire_etp_free(Ntkwire__Etp *w)
{
        if (w)
                protobuf_c_message_free_unpacked(&w->base, NULL);
}

static int check_fp_fits(unsigned L, const QspnFp *f, const char *what, unsigned idx, NtkErr *err)
{
        if (f->levels != L || f->level > L)
                return ntk_err(err, -EINVAL, "%s %u: fingerprint of level %u for %u levels, the topology has %u",
                        what, idx, f->level, f->levels, L);
        return 0;
}

/* Everything etp_to_wire would refuse, named, before anything is built. */
static int check_fits(const NtkTopology *t, const QspnEtp *m, NtkErr *err)
{
        unsigned L = t->levels;
        int r;

        if (m->node_address.levels != L)
                return ntk_err(err, -EINVAL, "sender address has %u levels, the topology has %u",
                        m->node_address.levels, L);
        if (m->n_fps > WIRE_MAX_FINGERPRINTS || m->n_ni > WIRE_MAX_FINGERPRINTS)
                return ntk_err(err, -EINVAL, "%u fingerprints and %u nodes_inside entries, at most %u", m->n_fps,
                        m->n_ni, WIRE_MAX_FINGERPRINTS);
        for (unsigned i = 0; i < m->n_fps; i++)
                if ((r = check_fp_fits(L, &m->fps[i], "fingerprint", i, err)) < 0)
                        return r;
        if (m->n_hops > WIRE_MAX_HOPS)
                return ntk_err(err, -EINVAL, "message hop list: %u hops, at most %u", m->n_hops, WIRE_MAX_HOPS);
        if (m->n_paths > WIRE_MAX_PATHS)
                return ntk_err(err, -EINVAL, "%u paths, at most %u", m->n_paths, WIRE_MAX_PATHS);
        for (unsigned i = 0; i < m->n_paths; i++) {
                const QspnPath *p = m->paths[i];
                if (p->n_hops >= QSPN_WIRE_MAX_PATH_HOPS + 1)
                        continue; /* left out, see etp_to_wire */
                if (p->n_arcs > WIRE_MAX_HOPS)
                        return ntk_err(err, -EINVAL, "path %u: %u arcs, at most %u", i, p->n_arcs, WIRE_MAX_HOPS);
                if (p->n_io > L)
                        return ntk_err(err, -EINVAL, "path %u: %u ignore_outside entries, the topology has %u levels",
                                i, p->n_io, L);
                if (p->cost < 0)
                        return ntk_err(err, -EINVAL, "path %u: negative cost %" PRId64, i, (int64_t) p->cost);
                if ((r = check_fp_fits(L, &p->fp, "path", i, err)) < 0)
                        return r;
        }
        return 0;
}

int qspn_wire_from_etp(const NtkTopology *t, const QspnEtp *m, Ntkwire__Etp **ret, NtkErr *err)
{
        _cleanup_(qspn_wire_etp_freep) Ntkwire__Etp *w = NULL;
        int r;

        r = check_fits(t, m, err);
        if (r < 0)
                return r;
        w = malloc(sizeof(Ntkwire__Etp));
        if (!w)
                return ntk_err(err, -ENOMEM, "out of memory");
        ntkwire__etp__init(w);
        r = etp_to_wire(t, m, w);
        if (r < 0) /* check_fits refused everything else */
                return ntk_err(err, r, "out of memory");
        *ret = TAKE_PTR(w);
        return 0;
}

/* ---- wire → engine ------------------------------------------------------------------------------ */

static int fp_from_wire(const NtkTopology *t, const Ntkwire__Fingerprint *w, QspnFp *f, const char *what,
        unsigned idx, NtkErr *err)
{
        unsigned L = t->levels;

        if (!w)
                return ntk_err(err, -EBADMSG, "%s %u: no fingerprint", what, idx);
        if (w->level > L)
                return ntk_err(err, -EBADMSG, "%s %u: fingerprint level %u, the topology has %u levels", what, idx,
                        w->level, L);
        if (w->n_elderships != L - w->level || w->n_elderships_seed != w->level)
                return ntk_err(err, -EBADMSG,
                        "%s %u: fingerprint of level %u with %zu elderships and %zu seed elderships, expected %u and %u",
                        what, idx, w->level, w->n_elderships, w->n_elderships_seed, L - w->level, w->level);
        *f = (QspnFp){ .id = w->id, .level = (uint8_t) w->level, .levels = (uint8_t) L };
        if (w->n_elderships)
                memcpy(f->eld, w->elderships, w->n_elderships * sizeof(int32_t));
        if (w->n_elderships_seed)
                memcpy(f->seed, w->elderships_seed, w->n_elderships_seed * sizeof(int32_t));
        return 0;
}

static int cost_from_wire(const Ntkwire__Cost *w, QspnCost *c, unsigned idx, NtkErr *err)
{
        if (!w)
                return ntk_err(err, -EBADMSG, "path %u: no cost", idx);
        switch (w->kind) {
        case NTKWIRE__COST__KIND__NULL:
                *c = QSPN_COST_NULL;
                return 0;
        case NTKWIRE__COST__KIND__DEAD:
                *c = QSPN_COST_DEAD;
                return 0;
        case NTKWIRE__COST__KIND__REAL:
                if (!w->has_usec || w->usec == 0 || w->usec >= (uint64_t) QSPN_COST_DEAD)
                        return ntk_err(err, -EBADMSG, "path %u: cost %" PRIu64 " us out of range", idx, w->usec);
                *c = (QspnCost) w->usec;
                return 0;
        default:
                return ntk_err(err, -EBADMSG, "path %u: cost kind %d unknown", idx, (int) w->kind);
        }
}

static int hops_from_wire(Ntkwire__HCoord *const *w, size_t n, NtkHCoord *hops, const char *what, unsigned idx,
        NtkErr *err)
{
        for (size_t i = 0; i < n; i++) {
                if (!w[i])
                        return ntk_err(err, -EBADMSG, "%s %u: hop %zu missing", what, idx, i);
                hops[i] = (NtkHCoord){ .lvl = w[i]->lvl, .pos = w[i]->pos };
        }
        return 0;
}

static int path_from_wire(const NtkTopology *t, const Ntkwire__EtpPath *w, unsigned idx, QspnPath **ret, NtkErr *err)
{
        _cleanup_(qspn_path_freep) QspnPath *p = NULL;
        int r;

        if (!w)
                return ntk_err(err, -EBADMSG, "path %u missing", idx);
        if (w->n_hops > QSPN_WIRE_MAX_PATH_HOPS || w->n_arcs > QSPN_WIRE_MAX_PATH_HOPS)
                return ntk_err(err, -EBADMSG, "path %u: %zu hops and %zu arcs, at most %u", idx, w->n_hops,
                        w->n_arcs, QSPN_WIRE_MAX_PATH_HOPS);
        if (w->n_ignore_outside > t->levels)
                return ntk_err(err, -EBADMSG, "path %u: %zu ignore_outside entries, the topology has %u levels",
                        idx, w->n_ignore_outside, t->levels);
        p = qspn_path_new((unsigned) w->n_hops, (unsigned) w->n_arcs);
        if (!p)
                return ntk_err(err, -ENOMEM, "out of memory");
        r = hops_from_wire(w->hops, w->n_hops, p->hops, "path", idx, err);
        if (r < 0)
                return r;
        if (w->n_arcs)
                memcpy(p->arcs, w->arcs, w->n_arcs * sizeof(uint32_t));
        r = cost_from_wire(w->cost, &p->cost, idx, err);
        if (r < 0)
                return r;
        r = fp_from_wire(t, w->fingerprint, &p->fp, "path", idx, err);
        if (r < 0)
                return r;
        p->nodes_inside = w->nodes_inside;
        p->n_io = (uint16_t) w->n_ignore_outside;
        for (size_t i = 0; i < w->n_ignore_outside; i++)
                if (w->ignore_outside[i])
                        p->ignore_outside |= 1u << i;
        *ret = TAKE_PTR(p);
        return 0;
}

int qspn_wire_to_etp(const NtkTopology *t, const Ntkwire__Etp *w, QspnEtp **ret, NtkErr *err)
{
        _cleanup_(qspn_etp_freep) QspnEtp *m = NULL;
        const Ntkwire__Naddr *a;
        unsigned L = t->levels;
        int r;

        if (!w || !w->node_address)
                return ntk_err(err, -EBADMSG, "no sender address");
        a = w->node_address;
        if (a->n_pos != L || a->n_gsize != L)
                return ntk_err(err, -EBADMSG, "sender address has %zu levels, the topology has %u", a->n_pos, L);
        for (unsigned l = 0; l < L; l++)
                if (a->gsize[l] != t->gsize[l])
                        return ntk_err(err, -EBADMSG, "sender topology has gsize %u at level %u, ours %u", a->gsize[l],
                                l, t->gsize[l]);
        if (w->n_fingerprints > (size_t) L + 1 || w->n_nodes_inside > (size_t) L + 1)
                return ntk_err(err, -EBADMSG, "%zu fingerprints and %zu nodes_inside entries, at most %u",
                        w->n_fingerprints, w->n_nodes_inside, L + 1);
        if (w->n_hops > WIRE_MAX_HOPS || w->n_paths > WIRE_MAX_PATHS)
                return ntk_err(err, -EBADMSG, "%zu hops and %zu paths, at most %u and %u", w->n_hops, w->n_paths,
                        WIRE_MAX_HOPS, WIRE_MAX_PATHS);

        m = qspn_etp_new();
        if (!m)
                return ntk_err(err, -ENOMEM, "out of memory");
        m->node_address.levels = L;
        for (unsigned l = 0; l < L; l++)
                m->node_address.pos[l] = a->pos[l];
        m->fps = calloc(w->n_fingerprints + 1, sizeof(QspnFp));
        m->ni = calloc(w->n_nodes_inside + 1, sizeof(uint32_t));
        m->hops = calloc(w->n_hops + 1, sizeof(NtkHCoord));
        m->paths = calloc(w->n_paths + 1, sizeof(QspnPath *));
        if (!m->fps || !m->ni || !m->hops || !m->paths)
                return ntk_err(err, -ENOMEM, "out of memory");
        for (size_t i = 0; i < w->n_fingerprints; i++) {
                r = fp_from_wire(t, w->fingerprints[i], &m->fps[i], "fingerprint", (unsigned) i, err);
                if (r < 0)
                        return r;
        }
        m->n_fps = (unsigned) w->n_fingerprints;
        if (w->n_nodes_inside)
                memcpy(m->ni, w->nodes_inside, w->n_nodes_inside * sizeof(uint32_t));
        m->n_ni = (unsigned) w->n_nodes_inside;
        r = hops_from_wire(w->hops, w->n_hops, m->hops, "message hop list", 0, err);
        if (r < 0)
                return r;
        m->n_hops = (unsigned) w->n_hops;
        for (size_t i = 0; i < w->n_paths; i++) {
                r = path_from_wire(t, w->paths[i], (unsigned) i, &m->paths[i], err);
                if (r < 0)
                        return r;
                m->n_paths = (unsigned) i + 1;
        }
        *ret = TAKE_PTR(m);
        return 0;
}
