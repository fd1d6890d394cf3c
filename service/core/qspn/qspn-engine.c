/* qspn-engine.c — the event half of a QSPN manager: constructors, bootstrap, arc events, RPC server
 * and client sides, forwarding, timers, splits, connectivity and dismissal. Must not: do I/O except
 * through QspnIo, block, or keep anything outside the QspnEngine. */
#include <stdlib.h>
#include <string.h>

#include "qspn-internal.h"

/* ------------------------------------------------------------------------------------------------ */
/* small helpers */

static void ev_arc_removed(QspnEngine *e, void *arc, bool bad)
{
        if (e->host.ev && e->host.ev->arc_removed)
                e->host.ev->arc_removed(e->host.ctx, arc, bad);
}

static uint64_t new_token(QspnEngine *e)
{
        return ++e->next_token;
}

static QTimer *arm(QspnEngine *e, int kind, uint64_t ms)
{
        QTimer *t;

        if (!GROW_ARRAY(e->timers, e->cap_timers, e->n_timers + 1, 8))
                return NULL;
        t = &e->timers[e->n_timers++];
        *t = (QTimer){ .token = new_token(e), .kind = kind };
        e->host.io->arm_timer(e->host.ctx, ms, t->token);
        return t;
}

static void timer_drop(QspnEngine *e, size_t i)
{
        hvec_clear(&e->timers[i].dests);
        e->timers[i] = e->timers[--e->n_timers];
}

static void cancel_kind(QspnEngine *e, int kind)
{
        for (size_t i = 0; i < e->n_timers;)
                if (e->timers[i].kind == kind) {
                        if (e->host.io->cancel_timer)
                                e->host.io->cancel_timer(e->host.ctx, e->timers[i].token);
                        timer_drop(e, i);
                } else
                        i++;
}

static uint32_t new_arc_id(QspnEngine *e)
{
        for (;;) {
                uint32_t id = e->host.io->random(e->host.ctx, 0, INT32_MAX);
                if (id != 0 && !qe_arc_by_id(e, id))
                        return id;
        }
}

static int add_arc_rec(QspnEngine *e, void *user, QspnCost cost, uint32_t id)
{
        if (!GROW_ARRAY(e->arcs, e->cap_arcs, e->n_arcs + 1, 4))
                return -ENOMEM;
        e->arcs[e->n_arcs++] = (QArc){ .user = user, .id = id, .cost = cost };
        e->map_gen++; /* path costs from me depend on the arcs */
        e->arc_gen++;
        return 0;
}

static bool peer_coord(const QspnEngine *e, const QArc *a, NtkHCoord *ret)
{
        return a->has_peer && ntk_address_max_distinct_gnode(&e->me, &a->peer, ret) >= 0;
}

static void send_etp(QspnEngine *e, uint32_t arc_id, const QspnEtp *m, bool is_full)
{
        QArc *a = qe_arc_by_id(e, arc_id);

        if (a)
                e->host.io->send_etp(e->host.ctx, a->user, m, is_full);
}

/* Broadcast to all arcs except `except` (0 = none). Arc ids are snapshotted. */
static void broadcast(QspnEngine *e, const QspnEtp *m, bool is_full, uint32_t except)
{
        size_t n = e->n_arcs;
        _cleanup_free_ uint32_t *ids = n ? malloc(n * sizeof(uint32_t)) : NULL;

        if (!ids)
                return;
        if (e->host.io->send_etp_many) {
                _cleanup_free_ void **users = malloc(n * sizeof(void *));
                size_t k = 0;
                if (users) {
                        for (size_t i = 0; i < n; i++)
                                if (e->arcs[i].id != except)
                                        users[k++] = e->arcs[i].user;
                        if (k)
                                e->host.io->send_etp_many(e->host.ctx, users, k, m, is_full);
                        return;
                }
        }
        for (size_t i = 0; i < n; i++)
                ids[i] = e->arcs[i].id;
        for (size_t i = 0; i < n; i++)
                if (ids[i] != except)
                        send_etp(e, ids[i], m, is_full);
}

/* The forward of §2.9: the changed paths `all` (consumed) to every arc but `except`, if anything
 * changed (paths, or the fingerprint / nodes_inside of one of my g-nodes). */
static QspnEtp *etp_with_paths(QspnEngine *e, PathVec *all, const NtkHCoord *hops, unsigned n_hops);

static void send_changes(QspnEngine *e, PathVec *all, bool changes, const NtkHCoord *hops, unsigned n_hops,
        uint32_t except)
{
        _cleanup_(qspn_etp_freep) QspnEtp *m = NULL;

        if (all->n == 0 && !changes)
                return;
        m = etp_with_paths(e, all, hops, n_hops);
        if (m)
                broadcast(e, m, false, except);
}

/* An ETP carrying `all` (ownership taken) with the given hops. */
static QspnEtp *etp_with_paths(QspnEngine *e, PathVec *all, const NtkHCoord *hops, unsigned n_hops)
{
        QspnEtp *m = qe_new_etp(e, hops, n_hops);

        if (!m) {
                pathvec_clear(all);
                return NULL;
        }
        m->paths = all->v;
        m->n_paths = (unsigned) all->n;
        *all = (PathVec){ 0 };
        return m;
}

/* prepare_full_etp (all paths) or, with b, the answer to get_full_etp of a requester at b. */
static QspnEtp *full_etp(QspnEngine *e, const NtkHCoord *b)
{
        PathVec all = { 0 };

        for (unsigned l = b ? b->lvl : 0; l < e->L; l++)
                for (size_t di = 0; di < e->dest[l].n; di++) {
                        const QDest *d = &e->dest[l].v[di];
                        for (unsigned k = 0; k < d->n; k++) {
                                const QspnPath *p = d->paths[k].path;
                                bool has_b = false;
                                if (b)
                                        for (unsigned j = 0; j < p->n_hops && !has_b; j++)
                                                has_b = hcoord_eq(p->hops[j], *b);
                                if (has_b)
                                        continue;
                                if (pathvec_push(&all, qe_prepare_for_sending(e, p, false)) < 0) {
                                        pathvec_clear(&all);
                                        return NULL;
                                }
                        }
                }
        qe_finalize(e, &all);
        return etp_with_paths(e, &all, NULL, 0);
}

static void publish_full_etp(QspnEngine *e)
{
        _cleanup_(qspn_etp_freep) QspnEtp *m = full_etp(e, NULL);

        if (m)
                broadcast(e, m, true, 0);
}

static void start_periodic(QspnEngine *e)
{
        cancel_kind(e, TIMER_PERIODIC);
        if (e->cfg.periodic_ms > 0)
                (void) arm(e, TIMER_PERIODIC, e->cfg.periodic_ms);
}

static void emit_bootstrap_complete(QspnEngine *e)
{
        if (e->host.ev && e->host.ev->bootstrap_complete)
                e->host.ev->bootstrap_complete(e->host.ctx);
        start_periodic(e);
}

/* ------------------------------------------------------------------------------------------------ */
/* the generic pipeline of §2.6 */

static void split_flood_later(QspnEngine *e, HVec *b_set)
{
        QTimer *t;

        if (b_set->n == 0)
                return;
        t = arm(e, TIMER_SPLIT_FLOOD, 500);
        if (t) {
                t->dests = *b_set;
                *b_set = (HVec){ 0 };
        }
}

/* update_map + extra dead paths + finalize + (split flood) + update_clusters. Consumes Q. */
static int pipeline(QspnEngine *e, PathVec *Q, uint32_t a_changed, PathVec *extra, bool flood, PathVec *ret_all,
        bool *ret_changes)
{
        HVec b_set = { 0 };
        PathVec all = { 0 };
        int r;

        r = qe_update_map(e, Q, a_changed, &all, &b_set);
        if (r < 0)
                goto fail;
        if (extra) {
                for (size_t k = 0; k < extra->n; k++) {
                        r = pathvec_push(&all, extra->v[k]);
                        extra->v[k] = NULL;
                        if (r < 0)
                                goto fail;
                }
                pathvec_clear(extra);
        }
        qe_finalize(e, &all);
        if (flood)
                split_flood_later(e, &b_set);
        hvec_clear(&b_set);
        *ret_changes = qe_update_clusters(e);
        *ret_all = all;
        return 0;
fail:
        hvec_clear(&b_set);
        pathvec_clear(&all);
        pathvec_clear(Q);
        if (extra)
                pathvec_clear(extra);
        return r;
}

/* ------------------------------------------------------------------------------------------------ */
/* constructors */

static QspnEngine *engine_new(const QspnConfig *cfg, const NtkTopology *t, const NtkAddress *addr,
        const QspnFp *fp0, const QspnHost *host)
{
        QspnEngine *e = calloc(1, sizeof(QspnEngine));

        if (!e)
                return NULL;
        if (cfg)
                e->cfg = *cfg;
        else
                qspn_config_default(&e->cfg);
        e->t = *t;
        e->L = t->levels;
        e->me = *addr;
        e->host = *host;
        e->fps[0] = *fp0;
        e->ni[0] = 1;
        for (unsigned l = 1; l <= e->L; l++) {
                e->fps[l] = qspn_fp_construct(&e->fps[l - 1], NULL, 0);
                e->ni[l] = e->ni[l - 1];
        }
        e->guest_level = e->L;
        e->map_gen = 1; /* clusters_gen 0: update_clusters computes the first time */
        e->arc_gen = 1; /* QDest.ev_gen 0: not evaluated */
        return e;
}

static int check_args(const NtkTopology *t, const NtkAddress *addr, const QspnFp *fp0, const QspnHost *host,
        NtkErr *err)
{
        if (!t || t->levels == 0 || t->levels > NTK_MAX_LEVELS || t->levels > 31)
                return ntk_err(err, -EINVAL, "bad topology");
        if (!addr || addr->levels != t->levels)
                return ntk_err(err, -EINVAL, "address does not match the topology");
        if (!fp0 || fp0->level != 0 || fp0->levels != t->levels)
                return ntk_err(err, -EINVAL, "level-0 fingerprint does not match the topology");
        if (!host || !host->io || !host->io->send_etp || !host->io->request_full_etp || !host->io->arm_timer ||
                !host->io->random)
                return ntk_err(err, -EINVAL, "incomplete I/O interface");
        return 0;
}

int qspn_engine_create_net(const QspnConfig *cfg, const NtkTopology *t, const NtkAddress *addr, const QspnFp *fp0,
        const QspnHost *host, QspnEngine **ret, NtkErr *err)
{
        QspnEngine *e;
        int r = check_args(t, addr, fp0, host, err);

        if (r < 0)
                return r;
        if (!ntk_address_is_real(t, addr))
                return ntk_err(err, -EINVAL, "create_net needs a real address");
        e = engine_new(cfg, t, addr, fp0, host);
        if (!e)
                return ntk_err(err, -ENOMEM, "out of memory");
        e->bootstrap_complete = true;
        if (!arm(e, TIMER_BOOTSTRAP_COMPLETE, 1)) {
                qspn_engine_free(e);
                return ntk_err(err, -ENOMEM, "out of memory");
        }
        *ret = e;
        return 0;
}

static void bootstrap_next(QspnEngine *e);

int qspn_engine_enter_net(const QspnConfig *cfg, const NtkTopology *t, const NtkAddress *addr, const QspnFp *fp0,
        const QspnEnterArgs *a, const QspnHost *host, QspnEngine **ret, NtkErr *err)
{
        _cleanup_(qspn_engine_freep) QspnEngine *e = NULL;
        const QspnEngine *prev = a ? a->previous : NULL;
        int r = check_args(t, addr, fp0, host, err);

        if (r < 0)
                return r;
        if (!a || a->guest_level >= a->host_level || a->host_level > t->levels)
                return ntk_err(err, -EINVAL, "need guest level < host level <= %u", t->levels);
        if (prev && prev->conn_from >= a->guest_level + 1 && prev->conn_from != 0)
                return ntk_err(err, -EINVAL, "previous identity is of connectivity at level %u >= %u",
                        prev->conn_from, a->guest_level + 1);
        e = engine_new(cfg, t, addr, fp0, host);
        if (!e)
                return ntk_err(err, -ENOMEM, "out of memory");
        if (prev) {
                e->conn_from = prev->conn_from;
                e->conn_to = prev->conn_to > a->guest_level ? a->guest_level : prev->conn_to;
        }
        /* internal arcs inherit the previous identity's arc id (§3.3.2); §8.16: paired by index */
        for (size_t i = 0; i < a->n_internal; i++) {
                const QspnInternalArc *ia = &a->internal[i];
                const QArc *pa = prev ? qe_arc_by_user(prev, ia->prev_arc) : NULL;
                uint32_t id = pa ? pa->id : 0;

                if (ia->cost <= 0 || ia->cost == QSPN_COST_DEAD)
                        return ntk_err(err, -EINVAL, "internal arc %zu has an invalid cost", i);
                if (qe_arc_by_user(e, ia->arc))
                        return ntk_err(err, -EINVAL, "internal arc %zu given twice", i);
                if (id == 0 || qe_arc_by_id(e, id))
                        id = new_arc_id(e);
                if (add_arc_rec(e, ia->arc, ia->cost, id) < 0)
                        return ntk_err(err, -ENOMEM, "out of memory");
                e->arcs[e->n_arcs - 1].has_peer = true;
                e->arcs[e->n_arcs - 1].peer = ia->peer_addr;
        }
        for (size_t i = 0; i < a->n_external; i++) {
                if (a->external[i].cost <= 0 || a->external[i].cost == QSPN_COST_DEAD)
                        return ntk_err(err, -EINVAL, "external arc %zu has an invalid cost", i);
                if (qe_arc_by_user(e, a->external[i].arc))
                        return ntk_err(err, -EINVAL, "external arc %zu given twice", i);
                if (add_arc_rec(e, a->external[i].arc, a->external[i].cost, new_arc_id(e)) < 0)
                        return ntk_err(err, -ENOMEM, "out of memory");
        }
        /* copy the map below the guest level through internal arcs */
        if (prev)
                for (unsigned l = 0; l < a->guest_level && l < e->L; l++)
                        for (size_t di = 0; di < prev->dest[l].n; di++) {
                                const QDest *pd = &prev->dest[l].v[di];
                                for (unsigned k = 0; k < pd->n; k++) {
                                        const QspnPath *pp = pd->paths[k].path;
                                        const QArc *pa = qe_arc_by_id(prev, pp->arcs[0]);
                                        const QArc *na = NULL;
                                        QspnPath *q;
                                        QDest *nd;
                                        QNodePath *np;

                                        for (size_t i = 0; pa && i < a->n_internal && !na; i++)
                                                if (a->internal[i].prev_arc == pa->user)
                                                        na = qe_arc_by_user(e, a->internal[i].arc);
                                        if (!na)
                                                continue;
                                        q = qspn_path_dup(pp);
                                        if (!q)
                                                return ntk_err(err, -ENOMEM, "out of memory");
                                        q->arcs[0] = na->id;
                                        if (a->update_fp)
                                                q->fp = a->update_fp(a->update_fp_ud, &q->fp);
                                        /* destinations are appended in ascending pos order: insert */
                                        {
                                                QLevel *lv = &e->dest[l];
                                                if (lv->n == 0 || !hcoord_eq(lv->v[lv->n - 1].d, pd->d)) {
                                                        QDest *nv = realloc(lv->v, (lv->n + 1) * sizeof(QDest));
                                                        if (!nv) {
                                                                qspn_path_free(q);
                                                                return ntk_err(err, -ENOMEM, "out of memory");
                                                        }
                                                        lv->v = nv;
                                                        lv->cap = lv->n + 1;
                                                        lv->v[lv->n++] = (QDest){ .d = pd->d };
                                                        qe_level_reindex(e, l);
                                                }
                                                nd = &lv->v[lv->n - 1];
                                        }
                                        np = realloc(nd->paths, (nd->n + 1) * sizeof(QNodePath));
                                        if (!np) {
                                                qspn_path_free(q);
                                                return ntk_err(err, -ENOMEM, "out of memory");
                                        }
                                        nd->paths = np;
                                        nd->paths[nd->n++] = (QNodePath){ .path = q };
                                        qe_dest_touched(nd);
                                        e->map_gen++;
                                }
                        }
        (void) qe_update_clusters(e);
        e->bootstrap_complete = false;
        e->guest_level = a->guest_level;
        e->host_level = a->host_level;
        /* queued_arcs: arcs with unknown peer (the external ones), in insertion order */
        e->queued = malloc((e->n_arcs + 1) * sizeof(uint32_t));
        if (!e->queued)
                return ntk_err(err, -ENOMEM, "out of memory");
        for (size_t i = 0; i < e->n_arcs; i++)
                if (!e->arcs[i].has_peer)
                        e->queued[e->n_queued++] = e->arcs[i].id;
        bootstrap_next(e);
        *ret = TAKE_PTR(e);
        return 0;
}

static void gather_free(QGather *g)
{
        if (!g)
                return;
        pathvec_clear(&g->dead);
        for (size_t i = 0; i < g->n_got; i++)
                qspn_etp_free(g->got[i]);
        free(g->got);
        free(g->got_arc);
        free(g);
}

QspnEngine *qspn_engine_free(QspnEngine *e)
{
        if (!e)
                return NULL;
        for (unsigned l = 0; l < e->L; l++) {
                for (size_t i = 0; i < e->dest[l].n; i++) {
                        for (unsigned k = 0; k < e->dest[l].v[i].n; k++)
                                qspn_path_free(e->dest[l].v[i].paths[k].path);
                        free(e->dest[l].v[i].paths);
                }
                free(e->dest[l].v);
                free(e->dest[l].ix);
        }
        for (size_t i = 0; i < e->n_timers; i++)
                hvec_clear(&e->timers[i].dests);
        free(e->timers);
        pathvec_clear(&e->fwd_pend);
        for (unsigned l = 0; l < NTK_MAX_LEVELS; l++) {
                hvec_clear(&e->z[l]);
                free(e->zc[l]);
        }
        for (size_t i = 0; i < e->n_gathers; i++)
                gather_free(e->gathers[i]);
        free(e->gathers);
        free(e->reqs);
        free(e->queued);
        free(e->arcs);
        free(e);
        return NULL;
}

/* ------------------------------------------------------------------------------------------------ */
/* requests */

static int request(QspnEngine *e, uint32_t arc_id, int kind, uint64_t gather, uint64_t *ret_token)
{
        QArc *a = qe_arc_by_id(e, arc_id);
        QRequest *rq;

        if (!a)
                return -ENOENT;
        if (!GROW_ARRAY(e->reqs, e->cap_reqs, e->n_reqs + 1, 8))
                return -ENOMEM;
        rq = &e->reqs[e->n_reqs++];
        *rq = (QRequest){ .token = new_token(e), .arc_id = arc_id, .kind = kind, .gather = gather };
        if (ret_token)
                *ret_token = rq->token;
        e->host.io->request_full_etp(e->host.ctx, a->user, &e->me, rq->token);
        return 0;
}

static void remove_arc_internal(QspnEngine *e, uint32_t arc_id, bool emit_paths, PathVec *dead);

/* Removes an arc because of a failed or bad exchange, and tells the user (§5.2). */
static void drop_bad_arc(QspnEngine *e, uint32_t arc_id, bool bad_link)
{
        QArc *a = qe_arc_by_id(e, arc_id);
        void *user;

        if (!a)
                return;
        user = a->user;
        (void) qspn_engine_arc_remove(e, user);
        ev_arc_removed(e, user, bad_link);
}

static void exit_bootstrap_phase(QspnEngine *e);

static void bootstrap_next(QspnEngine *e)
{
        while (!e->bootstrap_complete && e->bootstrap_token == 0 && e->n_queued > 0) {
                uint32_t id = e->queued[0];
                memmove(e->queued, e->queued + 1, (e->n_queued - 1) * sizeof(uint32_t));
                e->n_queued--;
                if (!qe_arc_by_id(e, id))
                        continue;
                if (request(e, id, REQ_BOOTSTRAP, 0, &e->bootstrap_token) < 0)
                        e->bootstrap_token = 0;
        }
        if (!e->bootstrap_complete && e->bootstrap_token == 0 && e->n_queued == 0) {
                bool armed = false;
                for (size_t i = 0; i < e->n_timers; i++)
                        armed = armed || e->timers[i].kind == TIMER_BOOTSTRAP_TIMEOUT;
                if (!armed)
                        (void) arm(e, TIMER_BOOTSTRAP_TIMEOUT, e->cfg.bootstrap_timeout_ms);
        }
}

static QGather *gather_find(QspnEngine *e, uint64_t id, size_t *ret_idx)
{
        for (size_t i = 0; i < e->n_gathers; i++)
                if (e->gathers[i]->id == id) {
                        if (ret_idx)
                                *ret_idx = i;
                        return e->gathers[i];
                }
        return NULL;
}

static void gather_complete(QspnEngine *e, QGather *g);

/* gather_full_etp_set over all current arcs (§3.5). */
static void gather_start(QspnEngine *e, int kind, uint32_t a_changed, PathVec *dead)
{
        QGather *g = calloc(1, sizeof(QGather));
        QGather **n;
        size_t n_arcs = e->n_arcs;
        _cleanup_free_ uint32_t *ids = n_arcs ? malloc(n_arcs * sizeof(uint32_t)) : NULL;

        if (!g || (n_arcs && !ids) || !(n = realloc(e->gathers, (e->n_gathers + 1) * sizeof(QGather *)))) {
                free(g);
                if (dead)
                        pathvec_clear(dead);
                return;
        }
        e->gathers = n;
        g->id = new_token(e);
        g->kind = kind;
        g->a_changed = a_changed;
        if (dead) {
                g->dead = *dead;
                *dead = (PathVec){ 0 };
        }
        e->gathers[e->n_gathers++] = g;
        for (size_t i = 0; i < n_arcs; i++)
                ids[i] = e->arcs[i].id;
        g->pending = (unsigned) n_arcs + 1; /* +1 held until all requests are out */
        for (size_t i = 0; i < n_arcs; i++)
                if (request(e, ids[i], REQ_GATHER, g->id, NULL) < 0)
                        g->pending--;
        if (--g->pending == 0)
                gather_complete(e, g);
}

static void gather_complete(QspnEngine *e, QGather *g)
{
        PathVec Q = { 0 }, all = { 0 };
        bool changes = false;
        size_t idx;

        if (!gather_find(e, g->id, &idx))
                return;
        e->gathers[idx] = e->gathers[--e->n_gathers];
        for (size_t i = 0; i < g->n_got; i++) {
                QArc *a = qe_arc_by_id(e, g->got_arc[i]);
                if (!a)
                        continue;
                if (qe_revise(e, g->got[i], a, true, &Q) == -ENOMEM) {
                        pathvec_clear(&Q);
                        gather_free(g);
                        return;
                }
        }
        if (pipeline(e, &Q, g->a_changed, &g->dead, g->kind == GATHER_CHANGE, &all, &changes) < 0) {
                gather_free(g);
                return;
        }
        if (g->kind == GATHER_CHANGE) {
                if (e->n_arcs > 0)
                        send_changes(e, &all, changes, NULL, 0, 0);
        } else {
                publish_full_etp(e);
                (void) arm(e, TIMER_PRESENCE, 1000);
        }
        pathvec_clear(&all);
        gather_free(g);
}

static void exit_bootstrap_phase(QspnEngine *e)
{
        e->bootstrap_complete = true;
        e->guest_level = e->L;
        cancel_kind(e, TIMER_BOOTSTRAP_TIMEOUT);
        emit_bootstrap_complete(e);
        e->n_queued = 0;
        gather_start(e, GATHER_EXIT_BOOTSTRAP, 0, NULL);
}

/* The answer to an arc_add request: process, forward, then send our full ETP (§3.5). */
static void arc_add_answer(QspnEngine *e, uint32_t arc_id, const QspnEtp *m0)
{
        _cleanup_(qspn_etp_freep) QspnEtp *m = qspn_etp_dup(m0);
        PathVec Q = { 0 }, all = { 0 };
        bool changes = false;
        QArc *a = qe_arc_by_id(e, arc_id);
        int r;

        if (!m || !a)
                return;
        r = qe_revise(e, m, a, true, &Q);
        if (r < 0) {
                pathvec_clear(&Q);
                return; /* cyclic: warning only */
        }
        if (pipeline(e, &Q, 0, NULL, true, &all, &changes) < 0)
                return;
        if (e->n_arcs > 1)
                send_changes(e, &all, changes, m->hops, m->n_hops, arc_id);
        pathvec_clear(&all);
        if (qe_arc_by_id(e, arc_id)) {
                _cleanup_(qspn_etp_freep) QspnEtp *full = full_etp(e, NULL);
                if (full)
                        send_etp(e, arc_id, full, true);
        }
}

static void bootstrap_answer(QspnEngine *e, uint32_t arc_id, const QspnEtp *m0)
{
        _cleanup_(qspn_etp_freep) QspnEtp *m = qspn_etp_dup(m0);
        PathVec Q = { 0 }, all = { 0 };
        bool changes = false;
        QArc *a = qe_arc_by_id(e, arc_id);
        NtkHCoord c;

        if (!m || !a || ntk_address_max_distinct_gnode(&e->me, &m->node_address, &c) < 0)
                return;
        if (c.lvl < e->guest_level || c.lvl >= e->host_level)
                return;
        if (qe_revise(e, m, a, true, &Q) < 0) {
                pathvec_clear(&Q);
                return;
        }
        if (pipeline(e, &Q, 0, NULL, false, &all, &changes) < 0)
                return;
        pathvec_clear(&all);
        exit_bootstrap_phase(e);
}

void qspn_engine_full_etp_reply(QspnEngine *e, uint64_t token, const QspnEtp *m, int error)
{
        QRequest rq;
        size_t i;

        for (i = 0; i < e->n_reqs; i++)
                if (e->reqs[i].token == token)
                        break;
        if (i == e->n_reqs)
                return;
        rq = e->reqs[i];
        memmove(&e->reqs[i], &e->reqs[i + 1], (e->n_reqs - i - 1) * sizeof(QRequest));
        e->n_reqs--;

        if (error >= 0 && qspn_etp_validate(&e->t, &e->me, m, NULL) < 0)
                error = QSPN_ERR_BAD_MESSAGE;

        switch (rq.kind) {
        case REQ_BOOTSTRAP:
                if (e->bootstrap_token == token)
                        e->bootstrap_token = 0;
                if (e->bootstrap_complete)
                        return;
                if (error == QSPN_ERR_BOOTSTRAP || !qe_arc_by_id(e, rq.arc_id))
                        ;
                else if (error < 0)
                        drop_bad_arc(e, rq.arc_id, error == QSPN_ERR_STUB);
                else
                        bootstrap_answer(e, rq.arc_id, m);
                bootstrap_next(e);
                return;
        case REQ_ARC_ADD:
                if (!qe_arc_by_id(e, rq.arc_id) || error == QSPN_ERR_BOOTSTRAP)
                        return;
                if (error < 0) {
                        drop_bad_arc(e, rq.arc_id, error == QSPN_ERR_STUB);
                        return;
                }
                arc_add_answer(e, rq.arc_id, m);
                return;
        case REQ_GATHER: {
                QGather *g = gather_find(e, rq.gather, NULL);
                if (!g)
                        return;
                if (qe_arc_by_id(e, rq.arc_id) && error != QSPN_ERR_BOOTSTRAP) {
                        if (error < 0)
                                drop_bad_arc(e, rq.arc_id, error == QSPN_ERR_STUB);
                        else {
                                QspnEtp **ng = realloc(g->got, (g->n_got + 1) * sizeof(QspnEtp *));
                                uint32_t *na = ng ? realloc(g->got_arc, (g->n_got + 1) * sizeof(uint32_t)) : NULL;
                                if (ng)
                                        g->got = ng;
                                if (na) {
                                        g->got_arc = na;
                                        g->got[g->n_got] = qspn_etp_dup(m);
                                        if (g->got[g->n_got]) {
                                                g->got_arc[g->n_got] = rq.arc_id;
                                                g->n_got++;
                                        }
                                }
                        }
                }
                /* drop_bad_arc may have completed or freed nothing of g: look it up again */
                g = gather_find(e, rq.gather, NULL);
                if (g && --g->pending == 0)
                        gather_complete(e, g);
                return;
        }
        }
}

/* ------------------------------------------------------------------------------------------------ */
/* arcs */

int qspn_engine_arc_add(QspnEngine *e, void *arc, QspnCost cost)
{
        uint32_t id;
        int r;

        if (cost <= 0 || cost == QSPN_COST_DEAD)
                return -EINVAL;
        if (qe_arc_by_user(e, arc))
                return -EEXIST;
        id = new_arc_id(e);
        r = add_arc_rec(e, arc, cost, id);
        if (r < 0)
                return r;
        if (!e->bootstrap_complete) {
                uint32_t *q = realloc(e->queued, (e->n_queued + 1) * sizeof(uint32_t));
                if (!q)
                        return -ENOMEM;
                e->queued = q;
                e->queued[e->n_queued++] = id;
                /* the reference does not retry once its loop has ended; we restart it */
                bootstrap_next(e);
                return 0;
        }
        return request(e, id, REQ_ARC_ADD, 0, NULL);
}

int qspn_engine_arc_change(QspnEngine *e, void *arc, QspnCost cost)
{
        QArc *a = qe_arc_by_user(e, arc);

        if (cost <= 0 || cost == QSPN_COST_DEAD)
                return -EINVAL;
        if (!a)
                return -ENOENT;
        a->cost = cost;
        e->map_gen++;
        e->arc_gen++;
        if (!e->bootstrap_complete)
                return 0;
        gather_start(e, GATHER_CHANGE, a->id, NULL);
        return 0;
}

/* Drops an arc and every path through it. With emit_paths: path_removed for every dropped path and
 * destination_removed for emptied destinations; dead copies into *dead. */
static void remove_arc_internal(QspnEngine *e, uint32_t arc_id, bool emit_paths, PathVec *dead)
{
        QArc *a = qe_arc_by_id(e, arc_id);
        void *user;
        const QspnEvents *ev = e->host.ev;
        PathVec gone = { 0 };
        HVec gone_dests = { 0 };
        _cleanup_free_ QspnPathView *views = NULL;
        size_t n_views = 0;

        if (!a)
                return;
        user = a->user;
        for (unsigned l = 0; l < e->L; l++)
                for (size_t di = 0; di < e->dest[l].n;) {
                        QDest *d = &e->dest[l].v[di];
                        unsigned w = 0;
                        for (unsigned k = 0; k < d->n; k++) {
                                QspnPath *p = d->paths[k].path;
                                if (p->arcs[0] != arc_id) {
                                        d->paths[w++] = d->paths[k];
                                        continue;
                                }
                                if (dead)
                                        (void) pathvec_push(dead, qe_prepare_for_sending(e, p, true));
                                qe_z_account(e, p, false);
                                (void) pathvec_push(&gone, p);
                        }
                        /* re-advertise what is left (see readvertise_on_loss in qspn-map.c) */
                        if (dead && e->cfg.readvertise_on_loss && w > 0 && w < d->n)
                                for (unsigned k = 0; k < w; k++)
                                        (void) pathvec_push(dead, qe_prepare_for_sending(e, d->paths[k].path, false));
                        if (w != d->n) {
                                e->map_gen++;
                                qe_dest_touched(d);
                        }
                        d->n = w;
                        if (w == 0) {
                                (void) hvec_add_unique(&gone_dests, d->d);
                                qe_dest_delete(e, d->d);
                        } else
                                di++;
                }
        if (emit_paths && gone.n) {
                views = malloc(gone.n * sizeof(QspnPathView));
                for (size_t k = 0; views && k < gone.n; k++) {
                        views[k] = qe_view(e, gone.v[k]);
                        n_views++;
                }
        }
        /* remove the arc record */
        for (size_t i = 0; i < e->n_arcs; i++)
                if (e->arcs[i].id == arc_id) {
                        memmove(&e->arcs[i], &e->arcs[i + 1], (e->n_arcs - i - 1) * sizeof(QArc));
                        e->n_arcs--;
                        e->map_gen++;
                        e->arc_gen++;
                        break;
                }
        for (size_t i = 0; i < e->n_queued;)
                if (e->queued[i] == arc_id) {
                        memmove(&e->queued[i], &e->queued[i + 1], (e->n_queued - i - 1) * sizeof(uint32_t));
                        e->n_queued--;
                } else
                        i++;
        if (emit_paths && ev) {
                for (size_t k = 0; k < n_views; k++) {
                        views[k].arc = user;
                        if (ev->path_removed)
                                ev->path_removed(e->host.ctx, &views[k]);
                }
                for (size_t k = 0; k < gone_dests.n; k++)
                        if (ev->destination_removed)
                                ev->destination_removed(e->host.ctx, gone_dests.v[k]);
        }
        pathvec_clear(&gone);
        hvec_clear(&gone_dests);
}

int qspn_engine_arc_remove(QspnEngine *e, void *arc)
{
        QArc *a = qe_arc_by_user(e, arc);
        PathVec dead = { 0 };
        uint32_t id;

        if (!a)
                return -ENOENT;
        id = a->id;
        if (!e->bootstrap_complete) {
                /* [BUG?]/[DIFF] qspn.md §3.4, §8.4: the reference only drops the arc from the queue and
                 * keeps it in my_arcs and the maps. We remove it fully, without signals. */
                remove_arc_internal(e, id, false, NULL);
                (void) qe_update_clusters(e);
                return 0;
        }
        remove_arc_internal(e, id, true, &dead);
        gather_start(e, GATHER_CHANGE, 0, &dead);
        return 0;
}

/* ------------------------------------------------------------------------------------------------ */
/* RPC server side */

/* Forward damping (not in the reference; QspnConfig.forward_hold_ms). While a formation or a large
 * change is under way, a node receives the same destinations again and again, from every neighbour,
 * each time a little better or with new nodes_inside / fingerprints, and the reference forwards every
 * one of these ETPs to every other arc at once: the forwards multiply along every acyclic route and
 * dominate everything (issue 4's benchmark: 12,000 ETPs per node to form 200 nodes). Here the forward
 * of a received ETP goes out at once, exactly as in the reference, only if no forward went out in the
 * last forward_hold_ms (the ETPs that follow arc events, rare, are not held); otherwise the changed paths wait, merged (one entry per hops+arcs), and when the
 * hold ends they go out as one update ETP (hops [], like after an arc change) to every arc, each path
 * re-read from the map at that moment (a path gone meanwhile goes out dead). The receivers' rules are
 * unchanged: every path still carries its own hops (acyclic rule R5); only the ETP's hop list is empty,
 * as for any update ETP. A lone change travels as fast as before. */
static void start_hold(QspnEngine *e)
{
        if (e->cfg.forward_hold_ms == 0 || e->fwd_hold)
                return;
        if (arm(e, TIMER_FORWARD_HOLD, e->cfg.forward_hold_ms))
                e->fwd_hold = true;
}

/* Merges all (consumed) into the pending forwards. -ENOMEM (all untouched) when there is no room for
 * them: the caller sends them at once instead, so that no change is lost. */
static int forward_later(QspnEngine *e, PathVec *all, bool changes)
{
        if (!GROW_ARRAY(e->fwd_pend.v, e->fwd_pend.cap, e->fwd_pend.n + all->n, 8))
                return -ENOMEM;
        e->fwd_dirty = true;
        e->fwd_changes = e->fwd_changes || changes;
        for (size_t k = 0; k < all->n; k++) {
                QspnPath *p = all->v[k];
                size_t j;
                for (j = 0; j < e->fwd_pend.n; j++)
                        if (qe_hops_arcs_equal(e->fwd_pend.v[j], p))
                                break;
                all->v[k] = NULL;
                if (j < e->fwd_pend.n) {
                        qspn_path_free(e->fwd_pend.v[j]);
                        e->fwd_pend.v[j] = p;
                } else
                        e->fwd_pend.v[e->fwd_pend.n++] = p;
        }
        pathvec_clear(all);
        return 0;
}

/* Pending forwards are moot once full ETPs went out (exit_network) or the identity goes away. */
static void forward_drop(QspnEngine *e)
{
        pathvec_clear(&e->fwd_pend);
        e->fwd_dirty = false;
        e->fwd_changes = false;
}

static void forward_hold_end(QspnEngine *e)
{
        PathVec out = { 0 };
        bool changes = e->fwd_changes;

        e->fwd_hold = false;
        if (!e->fwd_dirty)
                return;
        e->fwd_dirty = false;
        e->fwd_changes = false;
        out = e->fwd_pend;
        e->fwd_pend = (PathVec){ 0 };
        for (size_t k = 0; k < out.n; k++) {
                const QspnPath *now = qe_stored_twin(e, out.v[k]);
                QspnPath *q = now ? qe_prepare_for_sending(e, now, false) : NULL;
                if (q) {
                        qspn_path_free(out.v[k]);
                        out.v[k] = q;
                } else if (!now)
                        out.v[k]->cost = QSPN_COST_DEAD;
                /* else out of memory: the version saved when it changed goes out */
        }
        qe_finalize(e, &out);
        if (e->n_arcs > 1) /* as for an immediate forward: with one arc, all came from it */
                send_changes(e, &out, changes, NULL, 0, 0);
        pathvec_clear(&out);
        start_hold(e);
}

/* A received ETP as qe_revise wants it: its own hop list (revise replaces it), the rest lent by the
 * caller (revise only reads the paths, which it copies). */
static void etp_hops_free(QspnEtp *m)
{
        free(m->hops);
}

int qspn_engine_receive_etp(QspnEngine *e, void *arc, const QspnEtp *m0, bool is_full, NtkErr *err)
{
        _cleanup_(etp_hops_free) QspnEtp mm = { 0 };
        QspnEtp *m = &mm;
        QArc *a = qe_arc_by_user(e, arc);
        PathVec Q = { 0 }, all = { 0 };
        bool changes = false;
        NtkHCoord c;
        uint32_t arc_id;
        int r;

        if (!a)
                return ntk_err(err, -ENOENT, "not one of my arcs");
        r = qspn_etp_validate(&e->t, &e->me, m0, err);
        if (r < 0)
                return r;
        arc_id = a->id;
        (void) ntk_address_max_distinct_gnode(&e->me, &m0->node_address, &c);
        if (!e->bootstrap_complete) {
                bool to_host = false;
                if (c.lvl >= e->guest_level)
                        return 0;
                for (unsigned k = 0; k < m0->n_paths && !to_host; k++)
                        to_host = m0->paths[k]->hops[m0->paths[k]->n_hops - 1].lvl == e->host_level - 1;
                if (!to_host)
                        return 0;
        }
        mm = *m0;
        mm.hops = malloc((m0->n_hops + 1) * sizeof(NtkHCoord));
        if (!mm.hops)
                return -ENOMEM;
        if (m0->n_hops)
                memcpy(mm.hops, m0->hops, m0->n_hops * sizeof(NtkHCoord));
        r = qe_revise(e, m, a, is_full, &Q);
        if (r == -ELOOP) {
                pathvec_clear(&Q);
                return 0;
        }
        if (r < 0) {
                pathvec_clear(&Q);
                return r;
        }
        r = pipeline(e, &Q, 0, NULL, true, &all, &changes);
        if (r < 0)
                return r;
        if (!e->bootstrap_complete) {
                pathvec_clear(&all);
                exit_bootstrap_phase(e);
                return 0;
        }
        if ((all.n > 0 || changes) && e->n_arcs > 1) {
                /* held, unless there is no room to hold them: then they go out now, as in the reference */
                if (e->fwd_hold && forward_later(e, &all, changes) == 0)
                        return 0;
                send_changes(e, &all, changes, m->hops, m->n_hops, arc_id);
                start_hold(e);
        }
        pathvec_clear(&all);
        return 0;
}

int qspn_engine_get_full_etp(QspnEngine *e, void *arc, const NtkAddress *requester, QspnEtp **ret)
{
        QArc *a;
        NtkHCoord b;
        QspnEtp *m;

        if (!e->bootstrap_complete)
                return QSPN_ERR_BOOTSTRAP;
        a = qe_arc_by_user(e, arc);
        if (!a)
                return -ENOENT;
        if (!requester || requester->levels != e->L ||
                ntk_address_max_distinct_gnode(&e->me, requester, &b) < 0)
                return QSPN_ERR_BAD_MESSAGE;
        /* [BUG?] qspn.md §2.5 caveat: the reference overwrites arc_to_naddr here, so a change of the
         * peer's coordinate is never seen by R7. We only learn an unknown address here and leave a
         * known one for revise_etp, which detects the change with the next ETP from that peer. */
        if (!a->has_peer) {
                a->has_peer = true;
                a->peer = *requester;
        }
        m = full_etp(e, &b);
        if (!m)
                return -ENOMEM;
        *ret = m;
        return 0;
}

int qspn_engine_got_prepare_destroy(QspnEngine *e, void *arc)
{
        if (!qe_arc_by_user(e, arc))
                return -ENOENT;
        if (e->conn_from == 0)
                return 0;
        /* [BUG?] qspn.md §3.8: no de-duplication in the reference (the order bounces inside w for
         * 10 s); we ignore it while already preparing. */
        if (e->preparing_destroy)
                return 0;
        (void) qspn_engine_prepare_destroy(e);
        (void) arm(e, TIMER_REMOVE_IDENTITY, 10000);
        return 0;
}

int qspn_engine_got_destroy(QspnEngine *e, void *arc)
{
        if (!qe_arc_by_user(e, arc))
                return -ENOENT;
        (void) qspn_engine_arc_remove(e, arc);
        ev_arc_removed(e, arc, false);
        return 0;
}

/* ------------------------------------------------------------------------------------------------ */
/* splits */

void qe_signal_split(QspnEngine *e, const QspnFp *fp_eldest, const QspnFp *fp, QspnCost c_eldest, QspnCost c,
        NtkHCoord d)
{
        QTimer *t;
        uint64_t ms;

        for (size_t i = 0; i < e->n_timers; i++)
                if (e->timers[i].kind == TIMER_SPLIT && qspn_fp_equal(&e->timers[i].fp_eldest, fp_eldest) &&
                        qspn_fp_equal(&e->timers[i].fp, fp))
                        return;
        if (e->cfg.threshold_ms)
                ms = e->cfg.threshold_ms(e->host.ctx, c_eldest, c);
        else
                ms = (uint64_t) ((c_eldest == QSPN_COST_DEAD ? 0 : c_eldest) + (c == QSPN_COST_DEAD ? 0 : c)) / 20;
        t = arm(e, TIMER_SPLIT, ms);
        if (!t)
                return;
        t->fp_eldest = *fp_eldest;
        t->fp = *fp;
        (void) hvec_add_unique(&t->dests, d);
}

static void split_fire(QspnEngine *e, QTimer *t)
{
        NtkHCoord d = t->dests.v[0];
        const QDest *dd = qe_dest(e, d);
        bool has_eldest = false;

        if (!dd)
                return;
        for (unsigned k = 0; k < dd->n && !has_eldest; k++)
                has_eldest = qspn_fp_equal(&dd->paths[k].path->fp, &t->fp_eldest);
        if (!has_eldest)
                return;
        for (size_t i = 0; i < e->n_arcs; i++) {
                NtkHCoord c;
                if (!peer_coord(e, &e->arcs[i], &c) || !hcoord_eq(c, d))
                        continue;
                for (unsigned k = 0; k < dd->n; k++)
                        if (dd->paths[k].path->arcs[0] == e->arcs[i].id) {
                                if (qspn_fp_equal(&dd->paths[k].path->fp, &t->fp) && e->host.ev &&
                                        e->host.ev->gnode_splitted)
                                        e->host.ev->gnode_splitted(e->host.ctx, e->arcs[i].user, d, &t->fp);
                                break;
                        }
        }
}

static void split_flood_fire(QspnEngine *e, const HVec *B)
{
        PathVec all = { 0 };

        for (size_t i = 0; i < B->n; i++) {
                const QDest *d = qe_dest(e, B->v[i]);
                for (unsigned k = 0; d && k < d->n; k++)
                        if (pathvec_push(&all, qe_prepare_for_sending(e, d->paths[k].path, false)) < 0) {
                                pathvec_clear(&all);
                                return;
                        }
        }
        if (all.n == 0)
                return;
        qe_finalize(e, &all);
        {
                _cleanup_(qspn_etp_freep) QspnEtp *m = etp_with_paths(e, &all, NULL, 0);
                if (m)
                        broadcast(e, m, false, 0);
        }
}

/* ------------------------------------------------------------------------------------------------ */
/* connectivity, dismissal, exit */

static void publish_connectivity(QspnEngine *e, NtkHCoord old)
{
        _cleanup_(qspn_etp_freep) QspnEtp *m = qe_new_etp(e, &old, 1);
        size_t n = e->n_arcs;
        _cleanup_free_ uint32_t *ids = n ? malloc(n * sizeof(uint32_t)) : NULL;
        size_t k = 0;

        if (!m || !ids)
                return;
        for (size_t i = 0; i < n; i++) {
                NtkHCoord c;
                if (!peer_coord(e, &e->arcs[i], &c))
                        continue;
                if ((c.lvl == old.lvl && c.pos != old.pos) || c.lvl > old.lvl)
                        ids[k++] = e->arcs[i].id;
        }
        for (size_t i = 0; i < k; i++)
                send_etp(e, ids[i], m, false);
}

int qspn_engine_make_connectivity(QspnEngine *e, unsigned from, unsigned to,
        NtkAddress (*update_naddr)(void *ud, const NtkAddress *a), void *ud)
{
        uint32_t old_id;
        QTimer *t;

        if (!(0 < from && from <= to && to <= e->L) || !update_naddr)
                return -EINVAL;
        old_id = e->me.pos[from - 1];
        if (old_id >= e->t.gsize[from - 1])
                return -EINVAL;
        {
                NtkAddress na = update_naddr(ud, &e->me);
                if (na.levels != e->L || na.pos[from - 1] < e->t.gsize[from - 1])
                        return -EINVAL;
                /* internal arcs: peer coordinate level < from-1 (computed with the old address) */
                for (size_t i = 0; i < e->n_arcs; i++) {
                        NtkHCoord c;
                        if (peer_coord(e, &e->arcs[i], &c) && c.lvl < from - 1)
                                e->arcs[i].peer = update_naddr(ud, &e->arcs[i].peer);
                }
                e->me = na;
                e->map_gen++;
        }
        e->conn_from = from;
        e->conn_to = to;
        (void) qe_update_clusters(e);
        t = arm(e, TIMER_CONNECTIVITY, 50);
        if (!t)
                return -ENOMEM;
        t->old = (NtkHCoord){ from - 1, old_id };
        return 0;
}

int qspn_engine_remove_outer_arcs(QspnEngine *e)
{
        if (e->conn_from == 0)
                return -EPERM;
        for (size_t i = 0; i < e->n_arcs;) {
                NtkHCoord c;
                void *user = e->arcs[i].user;
                if (!peer_coord(e, &e->arcs[i], &c) || c.lvl >= e->conn_to) {
                        (void) qspn_engine_arc_remove(e, user);
                        ev_arc_removed(e, user, false);
                        i = 0; /* the array changed */
                        continue;
                }
                i++;
        }
        return 0;
}

int qspn_engine_check_connectivity(QspnEngine *e, bool *ret)
{
        unsigned i, j;
        HVec Y = { 0 };
        int r;

        if (e->conn_from == 0)
                return -EPERM;
        i = e->conn_from - 1;
        j = e->conn_to;
        for (;;) {
                if (j <= i) {
                        *ret = true;
                        return 0;
                }
                if (e->dest[i].n > 0)
                        break;
                i++;
        }
        r = qe_my_gnode_neighbors(e, i, i, j, &Y);
        if (r < 0) {
                hvec_clear(&Y);
                return r;
        }
        for (unsigned l = i; l < j; l++)
                for (size_t di = 0; di < e->dest[l].n; di++) {
                        const QDest *x = &e->dest[l].v[di];
                        for (size_t y = 0; y < Y.n; y++) {
                                bool through = false;
                                if (hcoord_eq(Y.v[y], x->d))
                                        continue;
                                for (unsigned k = 0; k < x->n && !through; k++)
                                        for (unsigned h = 0; h < x->paths[k].path->n_hops && !through; h++)
                                                through = hcoord_eq(x->paths[k].path->hops[h], Y.v[y]);
                                if (!through) {
                                        hvec_clear(&Y);
                                        *ret = false;
                                        return 0;
                                }
                        }
                }
        hvec_clear(&Y);
        *ret = true;
        return 0;
}

int qspn_engine_prepare_destroy(QspnEngine *e)
{
        if (e->conn_from == 0)
                return -EPERM;
        e->preparing_destroy = true;
        if (!e->host.io->send_prepare_destroy)
                return 0;
        for (size_t i = 0; i < e->n_arcs; i++) {
                NtkHCoord c;
                if (peer_coord(e, &e->arcs[i], &c) && c.lvl + 1 < e->conn_from)
                        e->host.io->send_prepare_destroy(e->host.ctx, e->arcs[i].user);
        }
        return 0;
}

void qspn_engine_destroy(QspnEngine *e)
{
        forward_drop(e);
        if (!e->host.io->send_destroy)
                return;
        for (size_t i = 0; i < e->n_arcs; i++) {
                NtkHCoord c;
                if (peer_coord(e, &e->arcs[i], &c) && (int) c.lvl >= (int) e->conn_from - 1)
                        e->host.io->send_destroy(e->host.ctx, e->arcs[i].user);
        }
}

static void drop_levels_from(QspnEngine *e, unsigned lvl)
{
        const QspnEvents *ev = e->host.ev;

        for (unsigned l = lvl; l < e->L; l++)
                while (e->dest[l].n > 0) {
                        QDest *d = &e->dest[l].v[e->dest[l].n - 1];
                        NtkHCoord dc = d->d;
                        for (unsigned k = 0; k < d->n; k++) {
                                QspnPathView v = qe_view(e, d->paths[k].path);
                                if (ev && ev->path_removed)
                                        ev->path_removed(e->host.ctx, &v);
                        }
                        qe_dest_delete(e, dc);
                        if (ev && ev->destination_removed)
                                ev->destination_removed(e->host.ctx, dc);
                }
}

void qspn_engine_exit_network(QspnEngine *e, unsigned lvl)
{
        size_t n = e->n_arcs;
        _cleanup_free_ void **to_remove = n ? malloc(n * sizeof(void *)) : NULL;
        size_t k = 0;

        if (lvl >= e->L)
                return;
        drop_levels_from(e, lvl);
        (void) qe_update_clusters(e);
        if (n && !to_remove)
                return;
        for (size_t i = 0; i < n; i++) {
                NtkHCoord c;
                if (peer_coord(e, &e->arcs[i], &c) && c.lvl >= lvl)
                        to_remove[k++] = e->arcs[i].user;
        }
        {
                _cleanup_(qspn_etp_freep) QspnEtp *full = full_etp(e, NULL);
                for (size_t i = 0; full && i < e->n_arcs; i++) {
                        bool rm = false;
                        for (size_t j = 0; j < k && !rm; j++)
                                rm = to_remove[j] == e->arcs[i].user;
                        if (!rm)
                                e->host.io->send_etp(e->host.ctx, e->arcs[i].user, full, true);
                }
        }
        forward_drop(e);
        for (size_t j = 0; j < k; j++) {
                (void) qspn_engine_arc_remove(e, to_remove[j]);
                ev_arc_removed(e, to_remove[j], false);
        }
        drop_levels_from(e, lvl);
        (void) qe_update_clusters(e);
}

/* ------------------------------------------------------------------------------------------------ */
/* timers */

void qspn_engine_timer(QspnEngine *e, uint64_t token)
{
        QTimer t;
        size_t i;

        for (i = 0; i < e->n_timers; i++)
                if (e->timers[i].token == token)
                        break;
        if (i == e->n_timers)
                return;
        t = e->timers[i];
        e->timers[i] = e->timers[--e->n_timers]; /* t owns dests now */

        switch (t.kind) {
        case TIMER_BOOTSTRAP_COMPLETE:
                emit_bootstrap_complete(e);
                break;
        case TIMER_PRESENCE:
                if (e->host.ev && e->host.ev->presence_notified)
                        e->host.ev->presence_notified(e->host.ctx);
                break;
        case TIMER_BOOTSTRAP_TIMEOUT:
                if (!e->bootstrap_complete)
                        exit_bootstrap_phase(e);
                break;
        case TIMER_PERIODIC:
                if (e->n_arcs > 0)
                        publish_full_etp(e);
                if (e->cfg.periodic_ms > 0)
                        (void) arm(e, TIMER_PERIODIC, e->cfg.periodic_ms);
                break;
        case TIMER_SPLIT_FLOOD:
                split_flood_fire(e, &t.dests);
                break;
        case TIMER_SPLIT:
                split_fire(e, &t);
                break;
        case TIMER_CONNECTIVITY:
                publish_connectivity(e, t.old);
                break;
        case TIMER_FORWARD_HOLD:
                forward_hold_end(e);
                break;
        case TIMER_REMOVE_IDENTITY:
                if (e->host.ev && e->host.ev->remove_identity)
                        e->host.ev->remove_identity(e->host.ctx);
                break;
        }
        hvec_clear(&t.dests);
}

void qspn_engine_refresh(QspnEngine *e)
{
        if (e->bootstrap_complete && e->n_arcs > 0)
                publish_full_etp(e);
}

/* ------------------------------------------------------------------------------------------------ */
/* queries */

const NtkAddress *qspn_engine_address(const QspnEngine *e)
{
        return &e->me;
}

const NtkTopology *qspn_engine_topology(const QspnEngine *e)
{
        return &e->t;
}

bool qspn_engine_bootstrap_complete(const QspnEngine *e)
{
        return e->bootstrap_complete;
}

unsigned qspn_engine_connectivity_from(const QspnEngine *e)
{
        return e->conn_from;
}

size_t qspn_engine_n_destinations(const QspnEngine *e, unsigned lvl)
{
        return lvl < e->L ? e->dest[lvl].n : 0;
}

NtkHCoord qspn_engine_destination(const QspnEngine *e, unsigned lvl, size_t idx)
{
        return e->dest[lvl].v[idx].d;
}

bool qspn_engine_is_known(const QspnEngine *e, NtkHCoord d)
{
        return qe_dest(e, d) != NULL;
}

size_t qspn_engine_paths(const QspnEngine *e, NtkHCoord d, bool valid_only, QspnPathView *views, size_t max)
{
        const QDest *dd = qe_dest(e, d);
        const QspnFp *valid = NULL;
        size_t n = 0;

        if (!dd || dd->n == 0)
                return 0;
        if (valid_only && d.lvl > 0) {
                valid = &dd->paths[0].path->fp;
                for (unsigned k = 1; k < dd->n; k++)
                        if (!qspn_fp_equal(&dd->paths[k].path->fp, valid) &&
                                qspn_fp_elder_seed(&dd->paths[k].path->fp, valid))
                                valid = &dd->paths[k].path->fp;
        }
        for (unsigned k = 0; k < dd->n; k++) {
                if (valid && !qspn_fp_equal(&dd->paths[k].path->fp, valid))
                        continue;
                if (n < max)
                        views[n] = qe_view(e, dd->paths[k].path);
                n++;
        }
        return n;
}

const QspnFp *qspn_engine_fingerprint(const QspnEngine *e, unsigned lvl)
{
        return lvl <= e->L ? &e->fps[lvl] : NULL;
}

uint32_t qspn_engine_nodes_inside(const QspnEngine *e, unsigned lvl)
{
        return lvl <= e->L ? e->ni[lvl] : 0;
}

size_t qspn_engine_n_arcs(const QspnEngine *e)
{
        return e->n_arcs;
}

void *qspn_engine_arc(const QspnEngine *e, size_t idx)
{
        return idx < e->n_arcs ? e->arcs[idx].user : NULL;
}

uint32_t qspn_engine_arc_id(const QspnEngine *e, void *arc)
{
        QArc *a = qe_arc_by_user(e, arc);

        return a ? a->id : 0;
}

const NtkAddress *qspn_engine_arc_peer(const QspnEngine *e, void *arc)
{
        QArc *a = qe_arc_by_user(e, arc);

        return a && a->has_peer ? &a->peer : NULL;
}

bool qspn_engine_selfcheck(const QspnEngine *e)
{
        if (e->z_ok && !qe_z_consistent(e))
                return false;
        for (unsigned l = 0; l < e->L; l++) {
                const QLevel *lv = &e->dest[l];
                size_t indexed = 0;
                for (uint32_t p = 0; p < lv->ix_n; p++)
                        if (lv->ix[p] >= 0) {
                                if ((size_t) lv->ix[p] >= lv->n || lv->v[lv->ix[p]].d.pos != p)
                                        return false;
                                indexed++;
                        }
                for (size_t i = 0; lv->ix && i < lv->n; i++)
                        indexed -= lv->v[i].d.pos < lv->ix_n;
                if (lv->ix && indexed != 0)
                        return false;
        }
        for (unsigned l = 0; l < e->L; l++)
                for (size_t i = 0; i < e->dest[l].n; i++) {
                        const QDest *d = &e->dest[l].v[i];
                        const QspnFp *fp;
                        uint32_t nn;
                        if (d->n == 0 || d->ev_gen != e->arc_gen)
                                continue;
                        qe_dest_eval(e, d, &fp, &nn, NULL);
                        if (d->ev_best >= d->n || d->ev_fp >= d->n || nn != d->paths[d->ev_best].path->nodes_inside ||
                                !qspn_fp_equal(fp, &d->paths[d->ev_fp].path->fp))
                                return false;
                }
        return true;
}

size_t qspn_engine_memory(const QspnEngine *e)
{
        size_t s = sizeof(*e) + e->cap_arcs * sizeof(QArc) + e->cap_reqs * sizeof(QRequest) +
                e->cap_timers * sizeof(QTimer);

        for (unsigned l = 0; l < e->L; l++) {
                s += e->dest[l].cap * sizeof(QDest) + e->dest[l].ix_n * sizeof(int32_t);
                for (size_t i = 0; i < e->dest[l].n; i++) {
                        const QDest *d = &e->dest[l].v[i];
                        s += d->n * sizeof(QNodePath);
                        for (unsigned k = 0; k < d->n; k++)
                                s += sizeof(QspnPath) +
                                        d->paths[k].path->n_hops * (sizeof(NtkHCoord) + sizeof(uint32_t));
                }
        }
        for (size_t i = 0; i < e->n_gathers; i++)
                s += sizeof(QGather) + e->gathers[i]->n_got * sizeof(QspnEtp);
        s += e->fwd_pend.cap * sizeof(QspnPath *);
        for (unsigned l = 0; l < NTK_MAX_LEVELS; l++)
                s += e->z[l].cap * (sizeof(NtkHCoord) + sizeof(uint32_t));
        for (size_t i = 0; i < e->fwd_pend.n; i++)
                s += sizeof(QspnPath) + e->fwd_pend.v[i]->n_hops * (sizeof(NtkHCoord) + sizeof(uint32_t));
        return s;
}
