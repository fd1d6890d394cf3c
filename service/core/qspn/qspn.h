/* qspn.h — the QSPN routing engine of one identity: its map, ETP build/revise/update, own g-node
 * data, bootstrap, arcs, splits. Must not: do I/O, hold globals, know sockets or D-Bus (qspn.md). */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "error.h"
#include "topology.h"

/* Costs are µs. Two internal values (qspn.md §1.6): null ("from v to v", 0) and dead (INT64_MAX).
 * Real arc costs are ≥ 1. null + x = x; dead + x = dead. */
typedef int64_t QspnCost;
#define QSPN_COST_NULL ((QspnCost) 0)
#define QSPN_COST_DEAD INT64_MAX

QspnCost qspn_cost_add(QspnCost a, QspnCost b);
/* The reference harness rule (qspn.md §1.6) with ratio 0.3: relevant if new > old + ⌊ratio·new⌋ or
 * new < old − ⌊ratio·old⌋ (or null/dead changes). ratio 0: every variation is relevant. */
bool qspn_cost_important_variation(QspnCost old_cost, QspnCost new_cost, double ratio);

/* Fingerprint of a g-node of level `level` (qspn.md §1.4). eld[0..levels-level-1] = elderships of
 * the levels level..levels-1 (lower = older, -1 = null eldership, youngest); seed[0..level-1] =
 * elderships of the chain of eldest children that lent the id, highest first. */
#define QSPN_ELD_NULL (-1)
typedef struct QspnFp {
        int64_t id;
        uint8_t level;
        uint8_t levels;
        int32_t eld[NTK_MAX_LEVELS];
        int32_t seed[NTK_MAX_LEVELS];
} QspnFp;

bool qspn_fp_equal(const QspnFp *a, const QspnFp *b);
/* True iff a (different from b, same g-node) was assigned by an older seed. A null eldership is the
 * youngest on both sides. */
bool qspn_fp_elder_seed(const QspnFp *a, const QspnFp *b);
/* The level+1 fingerprint built from mine and the other children's (construct()). */
QspnFp qspn_fp_construct(const QspnFp *mine, const QspnFp *others, size_t n_others);
/* A level-0 fingerprint with the given id and elderships (levels entries). */
QspnFp qspn_fp_level0(int64_t id, const int32_t *elderships, unsigned levels);

/* A path as carried by ETPs (EtpPath, qspn.md §1.8.1) and stored in the map. One allocation. */
typedef struct QspnPath {
        QspnCost cost;          /* from the publisher (on the wire) / advertised by the gateway (stored) */
        QspnFp fp;
        uint32_t nodes_inside;
        uint32_t ignore_outside; /* bit i = ignore_outside[i] */
        uint16_t n_io;           /* number of ignore_outside entries (must be levels) */
        uint16_t n_hops;
        uint16_t n_arcs;
        uint32_t *arcs;
        NtkHCoord hops[];
} QspnPath;

QspnPath *qspn_path_new(unsigned n_hops, unsigned n_arcs);
QspnPath *qspn_path_dup(const QspnPath *p);
QspnPath *qspn_path_free(QspnPath *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(QspnPath *, qspn_path_free);

/* An ETP (qspn.md §2.1). fingerprints/nodes_inside have levels+1 entries when built by us. */
typedef struct QspnEtp {
        NtkAddress node_address;
        unsigned n_fps;
        QspnFp *fps;
        unsigned n_ni;
        uint32_t *ni;
        unsigned n_hops;
        NtkHCoord *hops;
        unsigned n_paths;
        QspnPath **paths;
} QspnEtp;

QspnEtp *qspn_etp_new(void);
QspnEtp *qspn_etp_dup(const QspnEtp *m);
QspnEtp *qspn_etp_free(QspnEtp *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(QspnEtp *, qspn_etp_free);
/* Appends (takes ownership of) p. -ENOMEM. */
int qspn_etp_add_path(QspnEtp *m, QspnPath *p);
/* Size of a compact binary encoding of m (what the simulator counts as bytes sent). */
size_t qspn_etp_wire_size(const QspnEtp *m);

/* check_any_message + check_incoming_message (qspn.md §2.3, §8.22): 0 or -EBADMSG with a message
 * naming the broken rule. `mine` may be NULL (then only the topology and structure are checked). */
int qspn_etp_validate(const NtkTopology *t, const NtkAddress *mine, const QspnEtp *m, NtkErr *err);

/* ------------------------------------------------------------------------------------------------ */

typedef struct QspnEngine QspnEngine;

/* Errors a full-ETP request can end with (qspn.md §5.2). */
#define QSPN_ERR_BOOTSTRAP (-EBUSY)     /* QspnBootstrapInProgressError */
#define QSPN_ERR_NOT_ACCEPTED (-EACCES) /* QspnNotAcceptedError */
#define QSPN_ERR_STUB (-ECONNRESET)     /* transport failure: bad link */
#define QSPN_ERR_BAD_MESSAGE (-EBADMSG) /* undecodable or invalid answer */

/* All I/O. Arcs are the host's opaque pointers given to arc_add / the constructors. Messages are
 * lent for the duration of the call: the host copies what it keeps. Tokens are the engine's. */
typedef struct QspnIo {
        void (*send_etp)(void *ctx, void *arc, const QspnEtp *m, bool is_full);
        /* Optional: the same ETP on several arcs (a broadcast); without it send_etp is called per arc. */
        void (*send_etp_many)(void *ctx, void *const *arcs, size_t n_arcs, const QspnEtp *m, bool is_full);
        /* Ask the peer for a full ETP; the host answers later with qspn_engine_full_etp_reply(token). */
        void (*request_full_etp)(void *ctx, void *arc, const NtkAddress *mine, uint64_t token);
        void (*send_prepare_destroy)(void *ctx, void *arc);
        void (*send_destroy)(void *ctx, void *arc);
        /* Call qspn_engine_timer(token) after ms milliseconds unless cancelled. */
        void (*arm_timer)(void *ctx, uint64_t ms, uint64_t token);
        void (*cancel_timer)(void *ctx, uint64_t token);
        /* A uniformly random integer in [lo, hi). */
        uint32_t (*random)(void *ctx, uint32_t lo, uint32_t hi);
} QspnIo;

/* What the user sees of a stored path (RetPath, qspn.md §1.8.3). Valid until the next engine call. */
typedef struct QspnPathView {
        void *arc;
        QspnCost cost; /* total, from me */
        const QspnPath *path;
} QspnPathView;

/* Events (qspn.md §4.5); any may be NULL. */
typedef struct QspnEvents {
        void (*destination_added)(void *ctx, NtkHCoord d);
        void (*destination_removed)(void *ctx, NtkHCoord d);
        void (*path_added)(void *ctx, const QspnPathView *p);
        void (*path_changed)(void *ctx, const QspnPathView *p);
        void (*path_removed)(void *ctx, const QspnPathView *p);
        void (*changed_fp)(void *ctx, unsigned lvl);
        void (*changed_nodes_inside)(void *ctx, unsigned lvl);
        void (*gnode_splitted)(void *ctx, void *arc, NtkHCoord d, const QspnFp *fp);
        void (*presence_notified)(void *ctx);
        void (*bootstrap_complete)(void *ctx);
        void (*remove_identity)(void *ctx);
        void (*arc_removed)(void *ctx, void *arc, bool bad_link);
} QspnEvents;

typedef struct QspnConfig {
        unsigned max_paths;            /* 5 */
        double max_common_hops_ratio;  /* 0.6 */
        uint64_t periodic_ms;          /* 600000; 0 = no periodic full ETP */
        uint64_t bootstrap_timeout_ms; /* 10000 */
        /* Not in the reference: advertise outside a g-node the cheapest stored variant of each path
         * as outsiders see it (true by default; false = the reference best-through-exit rule). */
        bool io_representative;
        /* important_variation ratio (0.3 = reference harness; 0 = every cost change is relevant). */
        double cost_variation_ratio;
        /* A stored path's nodes_inside is replaced (and the path re-advertised) only when the new value
         * differs by more than this ratio, 0 <= r < 1 (0.1 = the reference, §2.7.2). */
        double nodes_inside_ratio;
        /* Not in the reference: when a destination loses a path but keeps others (or one of its paths
         * gets dearer, changes fingerprint or goes through a changed arc), re-advertise all the others
         * (neighbours may have discarded them as not disjoint and would otherwise stay without a route
         * until the next periodic full ETP). true by default; see qspn-map.c. */
        bool readvertise_on_loss;
        /* Not in the reference: forward damping (default 1000). 0 = forward every ETP at once (the
         * reference). Else a forward goes out at once only if none went out in the last
         * forward_hold_ms; meanwhile the changed paths are merged (latest version of each) and sent as
         * one update ETP (hops []) to every arc when the hold ends. See qspn-engine.c. */
        uint64_t forward_hold_ms;
        /* Split confirmation delay from the two best paths' total costs (harness: (c1+c2)/20 ms). */
        uint64_t (*threshold_ms)(void *ctx, QspnCost c1, QspnCost c2);
} QspnConfig;

void qspn_config_default(QspnConfig *c);

typedef struct QspnHost {
        const QspnIo *io;
        const QspnEvents *ev;
        void *ctx;
} QspnHost;

/* create_net (qspn.md §3.2): a one-node network. */
int qspn_engine_create_net(const QspnConfig *cfg, const NtkTopology *t, const NtkAddress *addr, const QspnFp *fp0,
        const QspnHost *host, QspnEngine **ret, NtkErr *err);

typedef struct QspnInternalArc {
        void *arc;
        QspnCost cost;
        void *prev_arc;       /* the previous identity's arc to the same neighbour */
        NtkAddress peer_addr; /* the neighbour's new address */
} QspnInternalArc;

typedef struct QspnExternalArc {
        void *arc;
        QspnCost cost;
} QspnExternalArc;

typedef struct QspnEnterArgs {
        const QspnEngine *previous; /* may be NULL: a lone node entering (nothing to copy) */
        unsigned guest_level;       /* k */
        unsigned host_level;        /* hl, k < hl <= levels */
        const QspnInternalArc *internal;
        size_t n_internal;
        const QspnExternalArc *external;
        size_t n_external;
        /* Applied to every copied path's fingerprint (updates elderships of levels >= k); may be NULL. */
        QspnFp (*update_fp)(void *ud, const QspnFp *fp);
        void *update_fp_ud;
} QspnEnterArgs;

/* enter_net / migration (identical, qspn.md §3.3). */
int qspn_engine_enter_net(const QspnConfig *cfg, const NtkTopology *t, const NtkAddress *addr, const QspnFp *fp0,
        const QspnEnterArgs *args, const QspnHost *host, QspnEngine **ret, NtkErr *err);
#define qspn_engine_migration qspn_engine_enter_net

/* Frees without sending anything (call qspn_engine_destroy first to tell the neighbours). */
QspnEngine *qspn_engine_free(QspnEngine *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(QspnEngine *, qspn_engine_free);

/* Arc events (qspn.md §3.5). -EEXIST / -ENOENT / -EINVAL. */
int qspn_engine_arc_add(QspnEngine *e, void *arc, QspnCost cost);
int qspn_engine_arc_change(QspnEngine *e, void *arc, QspnCost cost);
int qspn_engine_arc_remove(QspnEngine *e, void *arc);

/* Server side of the RPCs. -ENOENT: the arc is not (yet) mine — the host may retry for arc_timeout
 * and then answer QSPN_ERR_NOT_ACCEPTED. receive_etp: -EBADMSG when the message is invalid — the
 * engine then changed nothing; the host should remove the arc and report it (qspn.md §5.1). */
int qspn_engine_receive_etp(QspnEngine *e, void *arc, const QspnEtp *m, bool is_full, NtkErr *err);
int qspn_engine_get_full_etp(QspnEngine *e, void *arc, const NtkAddress *requester, QspnEtp **ret);
int qspn_engine_got_prepare_destroy(QspnEngine *e, void *arc);
int qspn_engine_got_destroy(QspnEngine *e, void *arc);

/* Client side: the answer to request_full_etp. m is NULL when error < 0. */
void qspn_engine_full_etp_reply(QspnEngine *e, uint64_t token, const QspnEtp *m, int error);
void qspn_engine_timer(QspnEngine *e, uint64_t token);

/* What the periodic timer does (qspn.md §3.6): a full ETP to every arc. For hosts that drive the
 * refresh themselves (periodic_ms = 0). */
void qspn_engine_refresh(QspnEngine *e);

/* Migration and dismissal (qspn.md §3.7–3.9). */
int qspn_engine_make_connectivity(QspnEngine *e, unsigned from, unsigned to,
        NtkAddress (*update_naddr)(void *ud, const NtkAddress *a), void *ud);
int qspn_engine_remove_outer_arcs(QspnEngine *e);
int qspn_engine_check_connectivity(QspnEngine *e, bool *ret);
int qspn_engine_prepare_destroy(QspnEngine *e);
void qspn_engine_destroy(QspnEngine *e);
void qspn_engine_exit_network(QspnEngine *e, unsigned lvl);

/* Queries (qspn.md §4.4). */
const NtkAddress *qspn_engine_address(const QspnEngine *e);
const NtkTopology *qspn_engine_topology(const QspnEngine *e);
bool qspn_engine_bootstrap_complete(const QspnEngine *e);
unsigned qspn_engine_connectivity_from(const QspnEngine *e);
size_t qspn_engine_n_destinations(const QspnEngine *e, unsigned lvl);
NtkHCoord qspn_engine_destination(const QspnEngine *e, unsigned lvl, size_t idx);
bool qspn_engine_is_known(const QspnEngine *e, NtkHCoord d);
/* All stored paths to d (stored order) or, with valid_only, those carrying the valid fingerprint
 * (get_paths_to). Returns the count; fills up to max views. */
size_t qspn_engine_paths(const QspnEngine *e, NtkHCoord d, bool valid_only, QspnPathView *views, size_t max);
const QspnFp *qspn_engine_fingerprint(const QspnEngine *e, unsigned lvl);
uint32_t qspn_engine_nodes_inside(const QspnEngine *e, unsigned lvl);
size_t qspn_engine_n_arcs(const QspnEngine *e);
void *qspn_engine_arc(const QspnEngine *e, size_t idx);
uint32_t qspn_engine_arc_id(const QspnEngine *e, void *arc);
/* The peer's address (NULL if unknown). */
const NtkAddress *qspn_engine_arc_peer(const QspnEngine *e, void *arc);
/* Whether the data the engine derives from its map and keeps (the sets Z[i], each destination's
 * evaluation, the position index) agree with a recomputation from scratch: for tests. */
bool qspn_engine_selfcheck(const QspnEngine *e);
/* Bytes held by the engine (map, arcs, pending work): for the benchmark. */
size_t qspn_engine_memory(const QspnEngine *e);

/* Pure helpers exposed for unit tests. */
double qspn_mch_ratio(double max_common_hops_ratio, uint32_t size, unsigned numgw);
