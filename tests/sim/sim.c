/* sim.c — the deterministic QSPN network simulator: event heap, latency, arcs, identities and the
 * QspnIo/QspnEvents glue. Must not: use wall-clock time or randomness other than its seeded PRNG. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "sim.h"

#define ARC_TIMEOUT_MS 10000
#define RETRY_MS 10

typedef struct SimArc SimArc;

typedef struct SimEnd {
        SimArc *arc;
        int side;
} SimEnd;

struct SimArc {
        int id[2];      /* identities */
        bool up[2];     /* attached to the engine of that side */
        QspnCost cost;
        uint64_t last_delivery[2]; /* FIFO per direction: towards side k */
        SimEnd end[2];
};

typedef struct SimIdent {
        Sim *sim;
        int idx;
        char *name;
        QspnEngine *e;
        bool alive;
        uint64_t *cancelled; /* timer tokens cancelled and still queued (few) */
        size_t n_cancelled;
} SimIdent;

enum {
        EV_ETP,
        EV_REQUEST,
        EV_REPLY,
        EV_TIMER,
        EV_PREPARE_DESTROY,
        EV_DESTROY,
        EV_DROP_IDENTITY,
};

/* An ETP in flight, shared by the copies of a broadcast. */
typedef struct Shared {
        unsigned ref;
        QspnEtp *m;
} Shared;

static Shared *sh_new(QspnEtp *m)
{
        Shared *sh = malloc(sizeof(Shared));

        if (!sh)
                abort();
        *sh = (Shared){ 1, m };
        return sh;
}

static Shared *sh_ref(Shared *sh)
{
        if (sh)
                sh->ref++;
        return sh;
}

static void sh_unref(Shared *sh)
{
        if (sh && --sh->ref == 0) {
                qspn_etp_free(sh->m);
                free(sh);
        }
}

typedef struct QEv {
        uint64_t at, seq;
        int kind;
        int to;
        SimArc *arc;
        int side; /* the receiving side of arc */
        Shared *msg;
        bool is_full;
        uint64_t token;
        int err;
        NtkAddress addr;
        uint64_t first_try;
        bool cancelled;
} QEv;

typedef struct GnodeReg {
        unsigned lvl;
        NtkAddress key;
        int32_t eld;
} GnodeReg;

struct Sim {
        NtkTopology t;
        QspnConfig cfg;
        NtkRng rng;
        uint64_t now, seq, last_activity;
        QEv *heap;
        size_t n_heap, cap_heap;
        SimIdent **ids;
        size_t n_ids;
        SimArc **arcs;
        size_t n_arcs;
        GnodeReg *reg;
        size_t n_reg;
        uint64_t etps, bytes;
        uint64_t kind_etps[_SIM_ETP_KIND_MAX], kind_paths[_SIM_ETP_KIND_MAX];
        size_t peak_mem;
        uint64_t n_delivered;
        SimEventFn fn;
        void *ud;
        QspnIo io;
        QspnEvents ev;
};

static uint64_t rng_next(Sim *s)
{
        return ntk_rng_next(&s->rng);
}

/* ------------------------------------------------------------------------------------------------ */
/* heap */

static bool ev_less(const QEv *a, const QEv *b)
{
        return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void push(Sim *s, QEv ev)
{
        size_t i;

        if (s->n_heap == s->cap_heap) {
                size_t c = s->cap_heap ? s->cap_heap * 2 : 256;
                QEv *n = realloc(s->heap, c * sizeof(QEv));
                if (!n)
                        abort();
                s->heap = n;
                s->cap_heap = c;
        }
        ev.seq = ++s->seq;
        i = s->n_heap++;
        while (i > 0) {
                size_t p = (i - 1) / 2;
                if (!ev_less(&ev, &s->heap[p]))
                        break;
                s->heap[i] = s->heap[p];
                i = p;
        }
        s->heap[i] = ev;
}

static QEv pop(Sim *s)
{
        QEv top = s->heap[0], last = s->heap[--s->n_heap];
        size_t i = 0;

        for (;;) {
                size_t c = 2 * i + 1;
                if (c >= s->n_heap)
                        break;
                if (c + 1 < s->n_heap && ev_less(&s->heap[c + 1], &s->heap[c]))
                        c++;
                if (!ev_less(&s->heap[c], &last))
                        break;
                s->heap[i] = s->heap[c];
                i = c;
        }
        if (s->n_heap > 0)
                s->heap[i] = last;
        return top;
}

/* ------------------------------------------------------------------------------------------------ */

static void emit(Sim *s, const SimEvent *ev)
{
        if (s->fn)
                s->fn(s->ud, ev);
}

static uint64_t latency(Sim *s, const SimArc *a)
{
        return 1 + (uint64_t) a->cost / 1000 + rng_next(s) % 2;
}

/* Schedules delivery over arc a towards side `to_side`, keeping each direction FIFO. */
static void send_over(Sim *s, SimArc *a, int to_side, QEv ev)
{
        uint64_t at = s->now + latency(s, a);

        if (at < a->last_delivery[to_side])
                at = a->last_delivery[to_side];
        a->last_delivery[to_side] = at;
        ev.at = at;
        ev.arc = a;
        ev.side = to_side;
        ev.to = a->id[to_side];
        push(s, ev);
}

static SimIdent *ident(const Sim *s, int i)
{
        return i >= 0 && (size_t) i < s->n_ids ? s->ids[i] : NULL;
}

/* Counts every ETP sent by kind (SimEtpKind) with the paths it carries. Debugging aids, off unless set
 * in the environment: QSPN_SIM_TRACE=FROM,TO prints every ETP sent from identity FROM to TO (-1,-1:
 * all), QSPN_SIM_SAMPLE prints one ETP in 200000. */
static void debug_etp(Sim *s, const char *what, int from, int to, const QspnEtp *m, bool is_full)
{
        SimEtpKind k = is_full ? SIM_ETP_FULL : m->n_hops == 0 ? SIM_ETP_UPDATE : SIM_ETP_FORWARD;
        const char *tr = getenv("QSPN_SIM_TRACE");
        int a = -1, b = -1;

        s->kind_etps[k]++;
        s->kind_paths[k] += m->n_paths;
        if (getenv("QSPN_SIM_SAMPLE") && s->etps % 200000 == 0)
                tr = "-1,-1";
        if (!tr || sscanf(tr, "%d,%d", &a, &b) != 2 || (a >= 0 && (a != from || b != to)))
                return;
        fprintf(stderr, "## T%llu %s %d->%d full=%d hops=%u paths=%u\n", (unsigned long long) s->now, what, from, to,
                is_full, m->n_hops, m->n_paths);
        for (unsigned i = 0; i < m->n_paths; i++) {
                const QspnPath *p = m->paths[i];
                fprintf(stderr, "##   cost %lld fp %lld io %x:", (long long) p->cost, (long long) p->fp.id, p->ignore_outside);
                for (unsigned h = 0; h < p->n_hops; h++)
                        fprintf(stderr, " (%u,%u)/%u", p->hops[h].lvl, p->hops[h].pos, p->arcs[h] % 1000);
                fprintf(stderr, "\n");
        }
}

static void io_send_etp(void *ctx, void *arc, const QspnEtp *m, bool is_full)
{
        SimIdent *me = ctx;
        Sim *s = me->sim;
        SimEnd *end = arc;
        QEv ev = { .kind = EV_ETP, .is_full = is_full };

        QspnEtp *c;

        debug_etp(s, "send", me->idx, end->arc->id[1 - end->side], m, is_full);
        s->etps++;
        s->bytes += qspn_etp_wire_size(m);
        c = qspn_etp_dup(m);
        if (!c)
                abort();
        ev.msg = sh_new(c);
        send_over(s, end->arc, 1 - end->side, ev);
}

static void io_send_etp_many(void *ctx, void *const *arcs, size_t n, const QspnEtp *m, bool is_full)
{
        SimIdent *me = ctx;
        Sim *s = me->sim;
        QspnEtp *c = qspn_etp_dup(m);
        Shared *sh;
        size_t size = qspn_etp_wire_size(m);

        if (!c)
                abort();
        sh = sh_new(c);
        for (size_t i = 0; i < n; i++) {
                SimEnd *end = arcs[i];
                QEv ev = { .kind = EV_ETP, .is_full = is_full, .msg = sh_ref(sh) };
                debug_etp(s, "send", me->idx, end->arc->id[1 - end->side], m, is_full);
                s->etps++;
                s->bytes += size;
                send_over(s, end->arc, 1 - end->side, ev);
        }
        sh_unref(sh);
}

static void io_request(void *ctx, void *arc, const NtkAddress *mine, uint64_t token)
{
        SimIdent *me = ctx;
        SimEnd *end = arc;
        QEv ev = { .kind = EV_REQUEST, .token = token, .addr = *mine, .first_try = me->sim->now };

        send_over(me->sim, end->arc, 1 - end->side, ev);
}

static void io_prepare_destroy(void *ctx, void *arc)
{
        SimIdent *me = ctx;
        SimEnd *end = arc;

        send_over(me->sim, end->arc, 1 - end->side, (QEv){ .kind = EV_PREPARE_DESTROY });
}

static void io_destroy(void *ctx, void *arc)
{
        SimIdent *me = ctx;
        SimEnd *end = arc;

        send_over(me->sim, end->arc, 1 - end->side, (QEv){ .kind = EV_DESTROY });
}

static void io_arm(void *ctx, uint64_t ms, uint64_t token)
{
        SimIdent *me = ctx;

        push(me->sim, (QEv){ .kind = EV_TIMER, .at = me->sim->now + ms, .to = me->idx, .token = token });
}

static void io_cancel(void *ctx, uint64_t token)
{
        SimIdent *me = ctx;
        uint64_t *n = realloc(me->cancelled, (me->n_cancelled + 1) * sizeof(uint64_t));

        if (!n)
                abort();
        me->cancelled = n;
        me->cancelled[me->n_cancelled++] = token;
}

/* Whether a timer event was cancelled (and forget it). */
static bool take_cancelled(SimIdent *id, uint64_t token)
{
        for (size_t i = 0; id && i < id->n_cancelled; i++)
                if (id->cancelled[i] == token) {
                        id->cancelled[i] = id->cancelled[--id->n_cancelled];
                        return true;
                }
        return false;
}

static uint32_t io_random(void *ctx, uint32_t lo, uint32_t hi)
{
        SimIdent *me = ctx;

        return lo + (uint32_t) (rng_next(me->sim) % (hi - lo));
}

/* events */

static int arc_peer_of(const Sim *s, int i, void *arc)
{
        SimEnd *end = arc;

        (void) s;
        (void) i;
        if (!end)
                return -1;
        return end->arc->id[1 - end->side];
}

static void ev_simple(SimIdent *me, SimEventKind k, NtkHCoord d, const QspnPathView *p, unsigned lvl)
{
        SimEvent ev = { .kind = k, .identity = me->idx, .at = me->sim->now, .d = d, .path = p, .lvl = lvl,
                .gateway = p ? arc_peer_of(me->sim, me->idx, p->arc) : -1 };

        emit(me->sim, &ev);
}

static void on_dest_added(void *ctx, NtkHCoord d)
{
        ev_simple(ctx, SIM_EV_DESTINATION_ADDED, d, NULL, d.lvl);
}

static void on_dest_removed(void *ctx, NtkHCoord d)
{
        ev_simple(ctx, SIM_EV_DESTINATION_REMOVED, d, NULL, d.lvl);
}

static NtkHCoord path_dest(const QspnPathView *p)
{
        return p->path->hops[p->path->n_hops - 1];
}

static void on_path_added(void *ctx, const QspnPathView *p)
{
        ev_simple(ctx, SIM_EV_PATH_ADDED, path_dest(p), p, path_dest(p).lvl);
}

static void on_path_changed(void *ctx, const QspnPathView *p)
{
        ev_simple(ctx, SIM_EV_PATH_CHANGED, path_dest(p), p, path_dest(p).lvl);
}

static void on_path_removed(void *ctx, const QspnPathView *p)
{
        ev_simple(ctx, SIM_EV_PATH_REMOVED, path_dest(p), p, path_dest(p).lvl);
}

static void on_changed_fp(void *ctx, unsigned lvl)
{
        ev_simple(ctx, SIM_EV_CHANGED_FP, (NtkHCoord){ 0 }, NULL, lvl);
}

static void on_changed_ni(void *ctx, unsigned lvl)
{
        ev_simple(ctx, SIM_EV_CHANGED_NODES_INSIDE, (NtkHCoord){ 0 }, NULL, lvl);
}

static void on_split(void *ctx, void *arc, NtkHCoord d, const QspnFp *fp)
{
        SimIdent *me = ctx;
        SimEvent ev = { .kind = SIM_EV_GNODE_SPLITTED, .identity = me->idx, .at = me->sim->now, .d = d,
                .lvl = d.lvl, .gateway = arc_peer_of(me->sim, me->idx, arc) };

        (void) fp;
        emit(me->sim, &ev);
}

static void on_presence(void *ctx)
{
        ev_simple(ctx, SIM_EV_PRESENCE_NOTIFIED, (NtkHCoord){ 0 }, NULL, 0);
}

static void on_bootstrap(void *ctx)
{
        ev_simple(ctx, SIM_EV_BOOTSTRAP_COMPLETE, (NtkHCoord){ 0 }, NULL, 0);
}

static void on_remove_identity(void *ctx)
{
        ev_simple(ctx, SIM_EV_REMOVE_IDENTITY, (NtkHCoord){ 0 }, NULL, 0);
}

static void on_arc_removed(void *ctx, void *arc, bool bad)
{
        SimIdent *me = ctx;
        SimEnd *end = arc;
        SimEvent ev = { .kind = SIM_EV_ARC_REMOVED, .identity = me->idx, .at = me->sim->now, .bad_link = bad,
                .gateway = arc_peer_of(me->sim, me->idx, arc) };

        end->arc->up[end->side] = false;
        emit(me->sim, &ev);
}

/* ------------------------------------------------------------------------------------------------ */

Sim *sim_new(const NtkTopology *t, const QspnConfig *cfg, uint64_t seed)
{
        Sim *s = calloc(1, sizeof(Sim));

        if (!s)
                return NULL;
        s->t = *t;
        if (cfg)
                s->cfg = *cfg;
        else {
                qspn_config_default(&s->cfg);
                s->cfg.periodic_ms = 0;
        }
        ntk_rng_init(&s->rng, seed * 0x2545f4914f6cdd1dull + 1);
        s->io = (QspnIo){
                .send_etp = io_send_etp,
                .send_etp_many = io_send_etp_many,
                .request_full_etp = io_request,
                .send_prepare_destroy = io_prepare_destroy,
                .send_destroy = io_destroy,
                .arm_timer = io_arm,
                .cancel_timer = io_cancel,
                .random = io_random,
        };
        s->ev = (QspnEvents){
                .destination_added = on_dest_added,
                .destination_removed = on_dest_removed,
                .path_added = on_path_added,
                .path_changed = on_path_changed,
                .path_removed = on_path_removed,
                .changed_fp = on_changed_fp,
                .changed_nodes_inside = on_changed_ni,
                .gnode_splitted = on_split,
                .presence_notified = on_presence,
                .bootstrap_complete = on_bootstrap,
                .remove_identity = on_remove_identity,
                .arc_removed = on_arc_removed,
        };
        return s;
}

Sim *sim_free(Sim *s)
{
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_heap; i++)
                sh_unref(s->heap[i].msg);
        free(s->heap);
        for (size_t i = 0; i < s->n_ids; i++) {
                qspn_engine_free(s->ids[i]->e);
                free(s->ids[i]->name);
                free(s->ids[i]->cancelled);
                free(s->ids[i]);
        }
        free(s->ids);
        for (size_t i = 0; i < s->n_arcs; i++)
                free(s->arcs[i]);
        free(s->arcs);
        free(s->reg);
        free(s);
        return NULL;
}

void sim_set_event_fn(Sim *s, SimEventFn fn, void *ud)
{
        s->fn = fn;
        s->ud = ud;
}

uint64_t sim_now(const Sim *s)
{
        return s->now;
}

uint64_t sim_etps(const Sim *s)
{
        return s->etps;
}

uint64_t sim_bytes(const Sim *s)
{
        return s->bytes;
}

void sim_etp_kinds(const Sim *s, uint64_t *etps, uint64_t *paths)
{
        for (int k = 0; k < _SIM_ETP_KIND_MAX; k++) {
                etps[k] = s->kind_etps[k];
                paths[k] = s->kind_paths[k];
        }
}

bool sim_idle(const Sim *s)
{
        return s->n_heap == 0;
}

uint64_t sim_last_activity(const Sim *s)
{
        return s->last_activity;
}

static bool end_up(const SimArc *a, int side)
{
        return a->up[side];
}

static void deliver(Sim *s, QEv *ev)
{
        SimIdent *to = ident(s, ev->to);
        QspnEngine *e = to && to->alive ? to->e : NULL;
        SimArc *a = ev->arc;

        switch (ev->kind) {
        case EV_TIMER:
                if (e)
                        qspn_engine_timer(e, ev->token);
                return;
        case EV_DROP_IDENTITY:
                if (to && to->alive) {
                        to->alive = false;
                        for (size_t i = 0; i < s->n_arcs; i++)
                                for (int k = 0; k < 2; k++)
                                        if (s->arcs[i]->id[k] == to->idx)
                                                s->arcs[i]->up[k] = false;
                        to->e = qspn_engine_free(to->e);
                }
                return;
        case EV_ETP: {
                int r;
                NtkErr err;
                if (!e || !end_up(a, ev->side))
                        return;
                r = qspn_engine_receive_etp(e, &a->end[ev->side], ev->msg->m, ev->is_full, &err);
                if (ev->first_try == 0)
                        ev->first_try = s->now;
                if (r == -ENOENT && s->now < ev->first_try + ARC_TIMEOUT_MS) {
                        QEv again = *ev;
                        again.at = s->now + RETRY_MS;
                        sh_ref(again.msg);
                        push(s, again);
                } else if (r == -EBADMSG) {
                        (void) qspn_engine_arc_remove(e, &a->end[ev->side]);
                        on_arc_removed(to, &a->end[ev->side], false);
                }
                return;
        }
        case EV_REQUEST: {
                QspnEtp *m = NULL;
                int r = QSPN_ERR_STUB;
                int back = 1 - ev->side;
                SimIdent *req = ident(s, a->id[back]);
                if (e && end_up(a, ev->side))
                        r = qspn_engine_get_full_etp(e, &a->end[ev->side], &ev->addr, &m);
                if (r == -ENOENT) {
                        if (s->now < ev->first_try + ARC_TIMEOUT_MS) {
                                QEv again = *ev;
                                again.at = s->now + RETRY_MS;
                                push(s, again);
                                return;
                        }
                        r = QSPN_ERR_NOT_ACCEPTED;
                }
                if (!req || !req->alive) {
                        qspn_etp_free(m);
                        return;
                }
                if (m)
                        debug_etp(s, "reply", to->idx, req->idx, m, true);
                if (m) {
                        s->etps++;
                        s->bytes += qspn_etp_wire_size(m);
                }
                send_over(s, a, back, (QEv){ .kind = EV_REPLY, .token = ev->token, .msg = m ? sh_new(m) : NULL,
                                              .err = r < 0 ? r : 0 });
                return;
        }
        case EV_REPLY:
                if (!e)
                        return;
                qspn_engine_full_etp_reply(e, ev->token, ev->err < 0 || !ev->msg ? NULL : ev->msg->m, ev->err);
                return;
        case EV_PREPARE_DESTROY:
                if (e && end_up(a, ev->side))
                        (void) qspn_engine_got_prepare_destroy(e, &a->end[ev->side]);
                return;
        case EV_DESTROY:
                if (e && end_up(a, ev->side))
                        (void) qspn_engine_got_destroy(e, &a->end[ev->side]);
                return;
        }
}

/* The peak memory of one identity is sampled right after an event it handled (every 8th event). */
static void sample_one(Sim *s, int i)
{
        SimIdent *id = ident(s, i);
        size_t m;

        if (!id || !id->alive || !id->e)
                return;
        m = qspn_engine_memory(id->e);
        if (m > s->peak_mem)
                s->peak_mem = m;
}

uint64_t sim_run(Sim *s, uint64_t until, uint64_t max_events)
{
        uint64_t n = 0;

        while (s->n_heap > 0 && n < max_events) {
                QEv ev;
                if (s->heap[0].at > until)
                        break;
                ev = pop(s);
                if (ev.at > s->now)
                        s->now = ev.at;
                if (ev.kind == EV_TIMER && take_cancelled(ident(s, ev.to), ev.token))
                        ev.cancelled = true;
                if (!ev.cancelled) {
                        s->last_activity = s->now;
                        deliver(s, &ev);
                        n++;
                        if ((++s->n_delivered & 7) == 0)
                                sample_one(s, ev.to);
                }
                sh_unref(ev.msg);
        }
        if (until != UINT64_MAX && s->now < until && (s->n_heap == 0 || s->heap[0].at > until))
                s->now = until;
        return n;
}

void sim_sample_memory(Sim *s)
{
        size_t tot = 0, n = 0;

        for (size_t i = 0; i < s->n_ids; i++)
                if (s->ids[i]->alive && s->ids[i]->e) {
                        size_t m = qspn_engine_memory(s->ids[i]->e);
                        if (m > s->peak_mem)
                                s->peak_mem = m;
                        tot += m;
                        n++;
                }
        (void) tot;
        (void) n;
}

size_t sim_peak_engine_memory(const Sim *s)
{
        return s->peak_mem;
}

/* ------------------------------------------------------------------------------------------------ */
/* identities */

static SimIdent *new_ident(Sim *s, const char *name)
{
        SimIdent *id = calloc(1, sizeof(SimIdent));
        SimIdent **n = realloc(s->ids, (s->n_ids + 1) * sizeof(SimIdent *));

        if (!id || !n) {
                free(id);
                abort();
        }
        s->ids = n;
        id->sim = s;
        id->idx = (int) s->n_ids;
        id->name = strdup(name ? name : "");
        id->alive = true;
        s->ids[s->n_ids++] = id;
        return id;
}

static SimArc *new_arc(Sim *s, int a, int b, QspnCost cost)
{
        SimArc *arc = calloc(1, sizeof(SimArc));
        SimArc **n = realloc(s->arcs, (s->n_arcs + 1) * sizeof(SimArc *));

        if (!arc || !n) {
                free(arc);
                abort();
        }
        s->arcs = n;
        arc->id[0] = a;
        arc->id[1] = b;
        arc->cost = cost;
        for (int k = 0; k < 2; k++)
                arc->end[k] = (SimEnd){ arc, k };
        s->arcs[s->n_arcs++] = arc;
        return arc;
}

static void register_gnodes(Sim *s, const NtkAddress *addr, const int32_t *eld)
{
        for (unsigned l = 0; l < s->t.levels; l++) {
                NtkAddress key = *addr;
                bool found = false;
                for (unsigned k = 0; k < l; k++)
                        key.pos[k] = 0;
                for (size_t i = 0; i < s->n_reg && !found; i++)
                        found = s->reg[i].lvl == l && ntk_address_equal(&s->reg[i].key, &key);
                if (found)
                        continue;
                GnodeReg *n = realloc(s->reg, (s->n_reg + 1) * sizeof(GnodeReg));
                if (!n)
                        abort();
                s->reg = n;
                s->reg[s->n_reg++] = (GnodeReg){ .lvl = l, .key = key, .eld = eld[l] };
        }
}

void sim_derive_elderships(const Sim *s, const NtkAddress *addr, int32_t *ret)
{
        for (unsigned l = 0; l < s->t.levels; l++) {
                NtkAddress key = *addr;
                int32_t eld = -1, count = 0;
                for (unsigned k = 0; k < l; k++)
                        key.pos[k] = 0;
                for (size_t i = 0; i < s->n_reg; i++) {
                        bool same_parent = s->reg[i].lvl == l;
                        if (!same_parent)
                                continue;
                        for (unsigned k = l + 1; k < s->t.levels && same_parent; k++)
                                same_parent = s->reg[i].key.pos[k] == key.pos[k];
                        if (!same_parent)
                                continue;
                        if (ntk_address_equal(&s->reg[i].key, &key))
                                eld = s->reg[i].eld;
                        count++;
                }
                ret[l] = eld >= 0 ? eld : count;
        }
}

unsigned sim_derive_host_level(const Sim *s, const NtkAddress *addr)
{
        unsigned hl = 1;

        for (unsigned l = 0; l < s->t.levels; l++) {
                NtkAddress key = *addr;
                bool found = false;
                for (unsigned k = 0; k < l; k++)
                        key.pos[k] = 0;
                for (size_t i = 0; i < s->n_reg && !found; i++)
                        found = s->reg[i].lvl == l && ntk_address_equal(&s->reg[i].key, &key);
                if (!found)
                        hl = l + 1;
        }
        return hl;
}

static QspnHost host_of(Sim *s, SimIdent *id)
{
        return (QspnHost){ .io = &s->io, .ev = &s->ev, .ctx = id };
}

int sim_create_net(Sim *s, const char *name, const NtkAddress *addr, int64_t fp_id, const int32_t *eld)
{
        SimIdent *id = new_ident(s, name);
        QspnFp fp = qspn_fp_level0(fp_id, eld, s->t.levels);
        QspnHost h = host_of(s, id);
        int r = qspn_engine_create_net(&s->cfg, &s->t, addr, &fp, &h, &id->e, NULL);

        if (r < 0) {
                id->alive = false;
                return r;
        }
        register_gnodes(s, addr, eld);
        return id->idx;
}

int sim_enter_node(Sim *s, const char *name, const NtkAddress *addr, int64_t fp_id, const int32_t *eld,
        unsigned host_level, const SimPeerArc *arcs, size_t n_arcs)
{
        SimIdent *id = new_ident(s, name);
        QspnFp fp = qspn_fp_level0(fp_id, eld, s->t.levels);
        QspnHost h = host_of(s, id);
        QspnExternalArc *ext = calloc(n_arcs + 1, sizeof(QspnExternalArc));
        SimArc **made = calloc(n_arcs + 1, sizeof(SimArc *));
        QspnEnterArgs a = { .guest_level = 0, .host_level = host_level };
        int r;

        if (!ext || !made)
                abort();
        for (size_t i = 0; i < n_arcs; i++) {
                SimIdent *p = ident(s, arcs[i].peer);
                if (!p || !p->alive) {
                        free(ext);
                        free(made);
                        id->alive = false;
                        return -ENOENT;
                }
                made[i] = new_arc(s, id->idx, p->idx, arcs[i].cost);
                ext[i] = (QspnExternalArc){ &made[i]->end[0], arcs[i].cost };
        }
        a.external = ext;
        a.n_external = n_arcs;
        r = qspn_engine_enter_net(&s->cfg, &s->t, addr, &fp, &a, &h, &id->e, NULL);
        free(ext);
        if (r < 0) {
                free(made);
                id->alive = false;
                return r;
        }
        for (size_t i = 0; i < n_arcs; i++) {
                made[i]->up[0] = true;
                made[i]->up[1] = true;
                (void) qspn_engine_arc_add(ident(s, made[i]->id[1])->e, &made[i]->end[1], made[i]->cost);
        }
        free(made);
        register_gnodes(s, addr, eld);
        return id->idx;
}

static SimArc *find_arc(const Sim *s, int a, int b, int *ret_side_a)
{
        for (size_t i = s->n_arcs; i > 0; i--) {
                SimArc *x = s->arcs[i - 1];
                for (int k = 0; k < 2; k++)
                        if (x->id[k] == a && x->id[1 - k] == b && x->up[k] && x->up[1 - k]) {
                                if (ret_side_a)
                                        *ret_side_a = k;
                                return x;
                        }
        }
        return NULL;
}

static QspnFp keep_fp(void *ud, const QspnFp *fp)
{
        (void) ud;
        return *fp;
}

int sim_enter_gnode(Sim *s, const SimMember *members, size_t n, unsigned guest, unsigned host,
        const SimExtArc *ext, size_t n_ext, uint64_t dismiss_ms, int *new_idx)
{
        size_t n_int = 0;
        SimArc **intarcs = calloc(n * n + 1, sizeof(SimArc *));
        int *ia = calloc(n * n + 1, sizeof(int)), *ib = calloc(n * n + 1, sizeof(int));
        SimArc **prev = calloc(n * n + 1, sizeof(SimArc *));
        SimArc **extarcs = calloc(n_ext + 1, sizeof(SimArc *));
        int r = 0;

        if (!intarcs || !ia || !ib || !prev || !extarcs)
                abort();
        /* identities first (so that arcs can name them) */
        for (size_t m = 0; m < n; m++)
                new_idx[m] = new_ident(s, members[m].name)->idx;
        for (size_t x = 0; x < n; x++)
                for (size_t y = x + 1; y < n; y++) {
                        SimArc *old = find_arc(s, members[x].old, members[y].old, NULL);
                        if (!old)
                                continue;
                        intarcs[n_int] = new_arc(s, new_idx[x], new_idx[y], old->cost);
                        ia[n_int] = (int) x;
                        ib[n_int] = (int) y;
                        prev[n_int] = old;
                        n_int++;
                }
        for (size_t k = 0; k < n_ext; k++)
                extarcs[k] = new_arc(s, new_idx[ext[k].member], ext[k].peer, ext[k].cost);

        for (size_t m = 0; m < n; m++) {
                SimIdent *id = s->ids[new_idx[m]];
                QspnFp fp = qspn_fp_level0(qspn_engine_fingerprint(s->ids[members[m].old]->e, 0)->id,
                        members[m].elderships, s->t.levels);
                QspnHost h = host_of(s, id);
                QspnInternalArc *in = calloc(n_int + 1, sizeof(QspnInternalArc));
                QspnExternalArc *ex = calloc(n_ext + 1, sizeof(QspnExternalArc));
                size_t ni = 0, ne = 0;
                QspnEnterArgs a = { .previous = s->ids[members[m].old]->e, .guest_level = guest,
                        .host_level = host, .update_fp = keep_fp };

                if (!in || !ex)
                        abort();
                for (size_t k = 0; k < n_int; k++) {
                        int side = ia[k] == (int) m ? 0 : ib[k] == (int) m ? 1 : -1;
                        int other = side == 0 ? ib[k] : ia[k];
                        int old_side;
                        if (side < 0)
                                continue;
                        if (!find_arc(s, members[m].old, members[other].old, &old_side))
                                continue;
                        in[ni++] = (QspnInternalArc){ .arc = &intarcs[k]->end[side], .cost = intarcs[k]->cost,
                                .prev_arc = &prev[k]->end[prev[k]->id[0] == members[m].old ? 0 : 1],
                                .peer_addr = members[other].addr };
                }
                for (size_t k = 0; k < n_ext; k++)
                        if (ext[k].member == (int) m)
                                ex[ne++] = (QspnExternalArc){ &extarcs[k]->end[0], extarcs[k]->cost };
                a.internal = in;
                a.n_internal = ni;
                a.external = ex;
                a.n_external = ne;
                r = qspn_engine_enter_net(&s->cfg, &s->t, &members[m].addr, &fp, &a, &h, &id->e, NULL);
                free(in);
                free(ex);
                if (r < 0) {
                        id->alive = false;
                        break;
                }
                register_gnodes(s, &members[m].addr, members[m].elderships);
        }
        if (r >= 0) {
                for (size_t k = 0; k < n_int; k++)
                        intarcs[k]->up[0] = intarcs[k]->up[1] = true;
                for (size_t k = 0; k < n_ext; k++) {
                        extarcs[k]->up[0] = extarcs[k]->up[1] = true;
                        (void) qspn_engine_arc_add(ident(s, ext[k].peer)->e, &extarcs[k]->end[1], ext[k].cost);
                }
                if (dismiss_ms != UINT64_MAX)
                        for (size_t m = 0; m < n; m++)
                                push(s, (QEv){ .kind = EV_DROP_IDENTITY, .at = s->now + dismiss_ms,
                                                .to = members[m].old });
                /* the old identities tell their outer neighbours just before being dropped */
                if (dismiss_ms != UINT64_MAX)
                        for (size_t m = 0; m < n; m++)
                                if (s->ids[members[m].old]->e)
                                        qspn_engine_destroy(s->ids[members[m].old]->e);
        }
        free(intarcs);
        free(ia);
        free(ib);
        free(prev);
        free(extarcs);
        return r;
}

int sim_arc_add(Sim *s, int a, int b, QspnCost cost)
{
        SimIdent *x = ident(s, a), *y = ident(s, b);
        SimArc *arc;

        if (!x || !y || !x->alive || !y->alive || a == b || cost <= 0)
                return -EINVAL;
        if (find_arc(s, a, b, NULL))
                return -EEXIST;
        arc = new_arc(s, a, b, cost);
        arc->up[0] = arc->up[1] = true;
        (void) qspn_engine_arc_add(x->e, &arc->end[0], cost);
        (void) qspn_engine_arc_add(y->e, &arc->end[1], cost);
        return 0;
}

int sim_arc_cost(Sim *s, int a, int b, QspnCost cost)
{
        int side;
        SimArc *arc = find_arc(s, a, b, &side);

        if (!arc)
                return -ENOENT;
        if (cost <= 0)
                return -EINVAL;
        arc->cost = cost;
        (void) qspn_engine_arc_change(ident(s, arc->id[0])->e, &arc->end[0], cost);
        (void) qspn_engine_arc_change(ident(s, arc->id[1])->e, &arc->end[1], cost);
        return 0;
}

int sim_arc_remove(Sim *s, int a, int b)
{
        SimArc *arc = find_arc(s, a, b, NULL);

        if (!arc)
                return -ENOENT;
        arc->up[0] = arc->up[1] = false;
        (void) qspn_engine_arc_remove(ident(s, arc->id[0])->e, &arc->end[0]);
        (void) qspn_engine_arc_remove(ident(s, arc->id[1])->e, &arc->end[1]);
        return 0;
}

typedef struct VposUd {
        unsigned lvl;
        uint32_t vpos;
} VposUd;

static NtkAddress set_vpos(void *ud, const NtkAddress *a)
{
        VposUd *v = ud;
        NtkAddress r = *a;

        r.pos[v->lvl] = v->vpos;
        return r;
}

int sim_make_connectivity(Sim *s, int i, unsigned from, unsigned to, uint32_t vpos)
{
        SimIdent *x = ident(s, i);
        VposUd ud = { from - 1, vpos };

        if (!x || !x->alive || from == 0)
                return -EINVAL;
        return qspn_engine_make_connectivity(x->e, from, to, set_vpos, &ud);
}

int sim_dismiss(Sim *s, int i)
{
        SimIdent *x = ident(s, i);

        if (!x || !x->alive)
                return -EINVAL;
        qspn_engine_destroy(x->e);
        push(s, (QEv){ .kind = EV_DROP_IDENTITY, .at = s->now, .to = i });
        return 0;
}

int sim_exit_network(Sim *s, int i, unsigned lvl)
{
        SimIdent *x = ident(s, i);

        if (!x || !x->alive)
                return -EINVAL;
        qspn_engine_exit_network(x->e, lvl);
        return 0;
}

void sim_refresh_all(Sim *s)
{
        for (size_t i = 0; i < s->n_ids; i++)
                if (s->ids[i]->alive && s->ids[i]->e)
                        qspn_engine_refresh(s->ids[i]->e);
}

size_t sim_n_identities(const Sim *s)
{
        return s->n_ids;
}

bool sim_alive(const Sim *s, int i)
{
        SimIdent *x = ident(s, i);

        return x && x->alive && x->e;
}

const char *sim_name(const Sim *s, int i)
{
        SimIdent *x = ident(s, i);

        return x ? x->name : NULL;
}

int sim_find(const Sim *s, const char *name)
{
        for (size_t i = 0; i < s->n_ids; i++)
                if (s->ids[i]->alive && streq(s->ids[i]->name, name))
                        return (int) i;
        return -ENOENT;
}

QspnEngine *sim_engine(const Sim *s, int i)
{
        SimIdent *x = ident(s, i);

        return x && x->alive ? x->e : NULL;
}

int sim_arc_peer(const Sim *s, int i, void *arc)
{
        return arc_peer_of(s, i, arc);
}

bool sim_has_arc(const Sim *s, int a, int b, QspnCost *ret_cost)
{
        SimArc *arc = find_arc(s, a, b, NULL);

        if (arc && ret_cost)
                *ret_cost = arc->cost;
        return arc != NULL;
}
