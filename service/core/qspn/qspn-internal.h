/* qspn-internal.h — the state of one QSPN manager, shared by the map and event halves of the engine.
 * Must not: be included outside service/core/qspn/ (the API is qspn.h). */
#pragma once

#include "qspn.h"

typedef struct QArc {
        void *user;
        uint32_t id;
        QspnCost cost;
        bool has_peer;
        NtkAddress peer;
} QArc;

typedef struct QNodePath {
        QspnPath *path; /* path->arcs[0] is the id of the arc */
        bool exposed;
} QNodePath;

typedef struct QDest {
        NtkHCoord d;
        unsigned n;
        QNodePath *paths;
        /* qe_dest_eval's answer, valid while ev_gen == the engine's arc_gen; 0 when paths changed */
        uint64_t ev_gen;
        unsigned ev_fp, ev_best; /* indexes in paths */
} QDest;

typedef struct QLevel {
        size_t n, cap;
        QDest *v; /* sorted by d.pos */
        /* v's index of each real position (-1: none), for levels of at most QLEVEL_INDEX_MAX
         * positions; NULL: look up by binary search. Rebuilt by qe_level_reindex. */
        int32_t *ix;
        uint32_t ix_n;
} QLevel;

#define QLEVEL_INDEX_MAX 1024

typedef struct PathVec {
        size_t n, cap;
        QspnPath **v;
} PathVec;

typedef struct HVec {
        size_t n, cap;
        NtkHCoord *v;
} HVec;

enum {
        REQ_BOOTSTRAP,
        REQ_ARC_ADD,
        REQ_GATHER,
};

typedef struct QRequest {
        uint64_t token;
        uint32_t arc_id;
        int kind;
        uint64_t gather;
} QRequest;

enum {
        GATHER_CHANGE, /* arc_is_changed / arc_remove: update ETP afterwards */
        GATHER_EXIT_BOOTSTRAP,
};

typedef struct QGather {
        uint64_t id;
        int kind;
        uint32_t a_changed; /* 0 = none */
        unsigned pending;
        PathVec dead;    /* dead copies of the paths removed by arc_remove */
        size_t n_got;
        uint32_t *got_arc;
        QspnEtp **got;
} QGather;

enum {
        TIMER_BOOTSTRAP_COMPLETE,
        TIMER_PRESENCE,
        TIMER_BOOTSTRAP_TIMEOUT,
        TIMER_PERIODIC,
        TIMER_SPLIT_FLOOD,
        TIMER_SPLIT,
        TIMER_CONNECTIVITY,
        TIMER_REMOVE_IDENTITY,
        TIMER_FORWARD_HOLD,
};

typedef struct QTimer {
        uint64_t token;
        int kind;
        HVec dests;         /* SPLIT_FLOOD: B; SPLIT: d */
        QspnFp fp_eldest, fp; /* SPLIT */
        NtkHCoord old;      /* CONNECTIVITY */
} QTimer;

struct QspnEngine {
        QspnConfig cfg;
        NtkTopology t;
        unsigned L;
        NtkAddress me;
        QspnHost host;

        QArc *arcs;
        size_t n_arcs, cap_arcs;

        QspnFp fps[NTK_MAX_LEVELS + 1];
        uint32_t ni[NTK_MAX_LEVELS + 1];
        QLevel dest[NTK_MAX_LEVELS];

        unsigned conn_from, conn_to;
        bool bootstrap_complete;
        unsigned guest_level, host_level;
        uint32_t *queued;
        size_t n_queued;
        uint64_t bootstrap_token; /* outstanding bootstrap request, 0 = none */
        bool preparing_destroy;

        QRequest *reqs;
        size_t n_reqs, cap_reqs;
        QGather **gathers;
        size_t n_gathers;
        QTimer *timers;
        size_t n_timers, cap_timers;
        uint64_t next_token;

        /* forward damping (QspnConfig.forward_hold_ms) */
        bool fwd_hold;        /* a forward went out less than forward_hold_ms ago */
        bool fwd_dirty;       /* something to forward when the hold ends */
        bool fwd_changes;     /* my g-nodes' fingerprints or nodes_inside changed meanwhile */
        PathVec fwd_pend;     /* the latest version of every path changed meanwhile */

        /* Derived data kept until the map, an arc or my address changes (map_gen counts changes): my
         * g-nodes' fingerprints and nodes_inside (update_clusters). Each destination keeps its own
         * evaluation (QDest.ev_gen). */
        uint64_t map_gen;
        uint64_t clusters_gen; /* map_gen at the last update_clusters */
        uint64_t arc_gen;      /* counts arc changes (costs from me); starts at 1 */
        /* The sets Z[i] of my_gnode_neighbors over levels i..L-1, kept up to date as paths enter and
         * leave the map (qe_z_account): z[i] holds each first hop of level i of a stored path, zc[i]
         * how many stored paths have it. z_ok false: rebuild from the map before use. */
        HVec z[NTK_MAX_LEVELS];
        uint32_t *zc[NTK_MAX_LEVELS];
        bool z_ok;
};

/* vectors */
int pathvec_push(PathVec *v, QspnPath *p);
void pathvec_clear(PathVec *v);
int hvec_add_unique(HVec *v, NtkHCoord h);
bool hvec_has(const HVec *v, NtkHCoord h);
void hvec_clear(HVec *v);

static inline bool hcoord_eq(NtkHCoord a, NtkHCoord b)
{
        return a.lvl == b.lvl && a.pos == b.pos;
}

/* Z bookkeeping: call with add=true when a path enters the map, false when it leaves. */
void qe_z_account(QspnEngine *e, const QspnPath *p, bool add);
/* Recomputes Z from the map and compares: for tests (qspn_engine_selfcheck). */
bool qe_z_consistent(const QspnEngine *e);

/* map (qspn-map.c) */
QArc *qe_arc_by_id(const QspnEngine *e, uint32_t id);
QArc *qe_arc_by_user(const QspnEngine *e, void *user);
QDest *qe_dest(const QspnEngine *e, NtkHCoord d);
/* After v changed (insert, delete, append). */
void qe_level_reindex(QspnEngine *e, unsigned lvl);
QspnCost qe_np_cost(const QspnEngine *e, const QspnPath *p);
void qe_dest_eval(const QspnEngine *e, const QDest *d, const QspnFp **ret_fp, uint32_t *ret_nn,
        const QNodePath **ret_best);
/* The same, kept in d until its paths or an arc change. */
void qe_dest_eval_kept(const QspnEngine *e, QDest *d, const QspnFp **ret_fp, uint32_t *ret_nn);
/* Call when d's paths change. */
static inline void qe_dest_touched(QDest *d)
{
        d->ev_gen = 0;
}
QspnPathView qe_view(const QspnEngine *e, const QspnPath *p);
void qe_dest_delete(QspnEngine *e, NtkHCoord d);

/* revise_etp: -ELOOP when the whole ETP is cyclic. m is modified (its hops become the revised ones). */
int qe_revise(QspnEngine *e, QspnEtp *m, QArc *arc, bool is_full, PathVec *Q);
/* update_map: consumes Q. all (paths to advertise, ignore_outside not yet set), b_set. */
int qe_update_map(QspnEngine *e, PathVec *Q, uint32_t a_changed, PathVec *all, HVec *b_set);
void qe_finalize(QspnEngine *e, PathVec *all);
bool qe_update_clusters(QspnEngine *e);
QspnPath *qe_prepare_for_sending(const QspnEngine *e, const QspnPath *p, bool dead);
bool qe_hops_arcs_equal(const QspnPath *a, const QspnPath *b);
/* The stored path of the same hops and arcs as p (NULL if none). */
const QspnPath *qe_stored_twin(const QspnEngine *e, const QspnPath *p);
int qe_my_gnode_neighbors(const QspnEngine *e, unsigned i, unsigned from_lvl, unsigned to_lvl, HVec *ret);
QspnEtp *qe_new_etp(const QspnEngine *e, const NtkHCoord *hops, unsigned n_hops);

/* engine hooks used by the map (qspn-engine.c) */
void qe_signal_split(QspnEngine *e, const QspnFp *fp_eldest, const QspnFp *fp, QspnCost c_eldest, QspnCost c,
        NtkHCoord d);
