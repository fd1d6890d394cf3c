/* sim.h — a deterministic in-process network of QSPN engines: identities, arcs with costs, a seeded
 * event queue with simulated latency, scripted events, and read access to every map.
 * Must not: use real time, sockets or threads; everything happens in simulated milliseconds. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qspn.h"

typedef struct Sim Sim;

typedef enum SimEventKind {
        SIM_EV_DESTINATION_ADDED,
        SIM_EV_DESTINATION_REMOVED,
        SIM_EV_PATH_ADDED,
        SIM_EV_PATH_CHANGED,
        SIM_EV_PATH_REMOVED,
        SIM_EV_CHANGED_FP,
        SIM_EV_CHANGED_NODES_INSIDE,
        SIM_EV_GNODE_SPLITTED,
        SIM_EV_PRESENCE_NOTIFIED,
        SIM_EV_BOOTSTRAP_COMPLETE,
        SIM_EV_REMOVE_IDENTITY,
        SIM_EV_ARC_REMOVED,
        _SIM_EV_MAX,
} SimEventKind;

/* What an identity reported. path is valid only during the callback. */
typedef struct SimEvent {
        SimEventKind kind;
        int identity;
        uint64_t at;
        NtkHCoord d;
        const QspnPathView *path;
        int gateway; /* identity at the other end of the path's / event's arc, -1 if none */
        unsigned lvl;
        bool bad_link;
} SimEvent;

typedef void (*SimEventFn)(void *ud, const SimEvent *ev);

Sim *sim_new(const NtkTopology *t, const QspnConfig *cfg, uint64_t seed);
Sim *sim_free(Sim *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(Sim *, sim_free);
void sim_set_event_fn(Sim *s, SimEventFn fn, void *ud);

uint64_t sim_now(const Sim *s);
uint64_t sim_etps(const Sim *s);
uint64_t sim_bytes(const Sim *s);
/* Runs until no event is pending, or until simulated time `until` (UINT64_MAX = no limit), or until
 * max_events were processed. Returns the number of events processed. */
uint64_t sim_run(Sim *s, uint64_t until, uint64_t max_events);
/* ETPs sent so far by kind, and the paths they carried (etps[], paths[]: _SIM_ETP_KIND_MAX entries). */
typedef enum SimEtpKind {
        SIM_ETP_FULL,    /* full ETPs: bootstrap, arc add, refresh, get_full_etp answers */
        SIM_ETP_UPDATE,  /* partial ETPs with no hop list: arc changes, merged forwards */
        SIM_ETP_FORWARD, /* partial ETPs forwarded at once with their hop list */
        _SIM_ETP_KIND_MAX,
} SimEtpKind;
void sim_etp_kinds(const Sim *s, uint64_t *etps, uint64_t *paths);
/* Whether nothing is pending (no message in flight, no timer armed). */
bool sim_idle(const Sim *s);
/* Time of the last event that was not a cancelled timer. */
uint64_t sim_last_activity(const Sim *s);

/* Identities. Return the identity index (>= 0) or a negative errno. */
int sim_create_net(Sim *s, const char *name, const NtkAddress *addr, int64_t fp_id, const int32_t *elderships);

typedef struct SimPeerArc {
        int peer;
        QspnCost cost;
} SimPeerArc;

/* A lone node enters (enter_net with no previous identity, guest 0): arcs to present identities. */
int sim_enter_node(Sim *s, const char *name, const NtkAddress *addr, int64_t fp_id, const int32_t *elderships,
        unsigned host_level, const SimPeerArc *arcs, size_t n_arcs);

/* A whole g-node of level `guest` made of the identities old[0..n) enters/migrates into a host
 * g-node of level `host`: each gets a new identity (enter_net/migration constructor) with the new
 * address and elderships; arcs between members become internal arcs (ids inherited); ext[] are the
 * external arcs (member index m, peer identity). If dismiss_ms is not UINT64_MAX, the old identities
 * call destroy() and are dropped that many ms later. new_idx receives the new identity indexes. */
typedef struct SimMember {
        int old;
        const char *name;
        NtkAddress addr;
        const int32_t *elderships;
} SimMember;

typedef struct SimExtArc {
        int member;
        int peer;
        QspnCost cost;
} SimExtArc;

int sim_enter_gnode(Sim *s, const SimMember *members, size_t n, unsigned guest, unsigned host,
        const SimExtArc *ext, size_t n_ext, uint64_t dismiss_ms, int *new_idx);

int sim_arc_add(Sim *s, int a, int b, QspnCost cost);
int sim_arc_cost(Sim *s, int a, int b, QspnCost cost);
int sim_arc_remove(Sim *s, int a, int b);
/* make_connectivity(from, to) on identity i, giving it (and its internal peers' view) virtual
 * position vpos at level from-1. */
int sim_make_connectivity(Sim *s, int i, unsigned from, unsigned to, uint32_t vpos);
/* destroy() then drop the identity. */
int sim_dismiss(Sim *s, int i);
int sim_exit_network(Sim *s, int i, unsigned lvl);

/* Every live identity sends the full ETP of its periodic refresh (qspn.md §3.6) now. */
void sim_refresh_all(Sim *s);

size_t sim_n_identities(const Sim *s);
bool sim_alive(const Sim *s, int i);
const char *sim_name(const Sim *s, int i);
int sim_find(const Sim *s, const char *name);
QspnEngine *sim_engine(const Sim *s, int i);
/* The identity at the other end of one of i's arcs (the host pointer in a QspnPathView). */
int sim_arc_peer(const Sim *s, int i, void *arc);
/* Whether an arc between a and b currently exists (alive at both ends). */
bool sim_has_arc(const Sim *s, int a, int b, QspnCost *ret_cost);
/* Peak of the sum of the engines' memory over time, divided by identities (sampled). */
size_t sim_peak_engine_memory(const Sim *s);
void sim_sample_memory(Sim *s);

/* Elderships for a new lone node at addr, consistent with the identities already present (the
 * order in which g-nodes appeared). ret has t->levels entries. */
void sim_derive_elderships(const Sim *s, const NtkAddress *addr, int32_t *ret);
/* The host level for a lone node at addr: one more than the highest level at which its g-node is new. */
unsigned sim_derive_host_level(const Sim *s, const NtkAddress *addr);
