/* identity.h — the Identities model: identities, their namespaces and (pseudo-)NICs, identity-arcs,
 * duplication and removal. Must not: do I/O, read clocks or OS randomness, keep globals. */
#pragma once

/*
 * Every operation mutates the model and describes, in an NtkIdmOut, what the daemon must do:
 *   steps    — the kernel plan, in order: (netns, NtkOp) for ntk-helper;
 *   requests — calls to neighbours (answers come back through ntk_idm_*_reply / ntk_idm_*_failed);
 *   events   — the signals of identities.md §3.2, plus identity added/removed for the ObjectManager.
 * NtkIdmOut is reset at the start of every call that takes one.
 *
 * Return convention: 0 done; NTK_IDM_IGNORED (positive) when an id, arc or identity-arc is unknown
 * and nothing changed (answer network peers as documented per function); negative errno on invalid
 * input, exhausted bounds or misuse, with nothing changed.
 *
 * Driving a duplication (identities.md §3.6, kernel-rules.md E14 A), on every system of the g-node:
 *   1. ntk_idm_prepare_add_identity(migration_id, old_id, now_ms): no kernel work.
 *   2. When every member did 1: ntk_idm_add_identity() gives new_id and the plan of phase 1.
 *      Execute the steps in order:
 *        CREATE_NAMESPACE           → helper CreateNamespace(name);
 *        3 × CREATE_PSEUDO          → one CreatePseudoInterface(parent, name, mac, netns) taken from the
 *                                     link-add, set-MAC and set-netns ops; give the actual MAC back
 *                                     with ntk_idm_set_pseudo_mac();
 *        consecutive APPLY, one ns  → Apply(netns, ops).
 *      If the helper fails: ntk_idm_add_identity_abort() and execute its plan.
 *   3. ntk_idm_add_identity_phase2(): one MATCH_DUPLICATION request per identity-arc w0 of the old
 *      identity. Bound each call by max(3 s, what is left of a 10 s window started with phase 2).
 *      Feed each answer to ntk_idm_duplication_reply() (dup or NULL) or, on error or timeout, to
 *      ntk_idm_duplication_failed(). The last answer over a broken arc removes the arc.
 *   The neighbour answers with ntk_idm_match_duplication() (§3.7).
 *
 * Not created here, so the daemon removes it itself (kernel-rules.md E13) when an identity-arc or
 * an identity goes:
 *   - per identity-arc with a QSPN arc: its table ntk_from_<MAC> (ip route flush table T), its rule
 *     (ip rule del fwmark TID table T), its mark (iptables -t mangle -D PREROUTING -m mac
 *     --mac-source MAC -j MARK --set-mark TID) and its rt_tables name;
 *   - per identity: its own tables (ntk), rules, SNAT/NETMAP rules and Netsukuku addresses.
 * In a connectivity namespace these vanish with `ip netns del`, except rt_tables names (a global
 * file): release them too. Neighbours delete their host routes to a removed identity when its
 * NOTIFY requests reach them (ntk_idm_notify_identity_arc_removed).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "kops.h"
#include "rng.h"

#define NTK_IDM_MAX_IDENTITIES 16
#define NTK_IDM_MAX_DEVS 8            /* real NICs handled */
#define NTK_IDM_MAX_ARCS 64           /* physical arcs */
#define NTK_IDM_MAX_IDENTITY_ARCS 256 /* all identity-arcs of all identities */
#define NTK_IDM_MAX_MIGRATIONS 8      /* pending migrations */
#define NTK_IDM_MIGRATION_TTL_MS 600000u
#define NTK_IDM_NOTIFY_TIMEOUT_MS 500u
#define NTK_IDM_MATCH_TIMEOUT_MS 3000u /* per call; the daemon keeps at least a 10 s window for the loop */
#define NTK_IDM_MATCH_WINDOW_MS 10000u
#define NTK_IDM_NETNS_PREFIX "ntkv"

/* Capacity of an NtkIdmOut, enough for any single call within the bounds above. */
#define NTK_IDM_OUT_STEPS_MAX 1024
#define NTK_IDM_OUT_REQUESTS_MAX 512
#define NTK_IDM_OUT_EVENTS_MAX 1024

#define NTK_IDM_IGNORED 1

typedef uint64_t NtkIdentityId; /* 0 is never an identity */

typedef struct NtkIdm NtkIdm;

/* ---- values ---- */

typedef struct NtkIdmNicInfo {
        char real_dev[NTK_IFNAME_MAX]; /* the real NIC, e.g. eth1 */
        char dev[NTK_IFNAME_MAX];      /* what the identity uses on it: eth1 or ntkv0_eth1 */
        uint8_t mac[6];
        bool mac_known; /* false until the helper reported the MAC of a new pseudo-NIC */
        uint32_t linklocal;
} NtkIdmNicInfo;

typedef struct NtkIdmIdentityInfo {
        NtkIdentityId id;
        char netns[NTK_NAME_MAX]; /* "" = default namespace */
        bool is_main;
        unsigned n_nics;
        NtkIdmNicInfo nics[NTK_IDM_MAX_DEVS];
} NtkIdmIdentityInfo;

typedef struct NtkIdmArcInfo {
        uint32_t arc;
        char dev[NTK_IFNAME_MAX];
        uint8_t peer_mac[6];
        uint32_t peer_linklocal;
} NtkIdmArcInfo;

/* One identity-arc: local identity `id` to peer identity `peer_id` over physical arc `arc`. prev_* hold
 * the peer data before the last change (set with IDENTITY_ARC_CHANGED, cleared by the daemon). */
typedef struct NtkIdmIdentityArc {
        NtkIdentityId id;
        uint32_t arc;
        NtkIdentityId peer_id;
        uint8_t peer_mac[6];
        uint32_t peer_linklocal;
        bool has_prev;
        uint8_t prev_peer_mac[6];
        uint32_t prev_peer_linklocal;
} NtkIdmIdentityArc;

/* The answer of match_duplication when the peer identity takes part in the same migration. */
typedef struct NtkIdmDuplicationData {
        NtkIdentityId peer_new_id;
        uint8_t peer_old_id_new_mac[6];
        uint32_t peer_old_id_new_linklocal;
} NtkIdmDuplicationData;

/* ---- outputs ---- */

typedef enum NtkIdmCall {
        NTK_IDM_CALL_APPLY,            /* part of Apply(netns, ops) */
        NTK_IDM_CALL_CREATE_NAMESPACE, /* CreateNamespace(op.netns.name) */
        NTK_IDM_CALL_CREATE_PSEUDO,    /* with the next two steps: CreatePseudoInterface(parent, name, mac,
                                          netns) */
        NTK_IDM_CALL_DELETE_NAMESPACE, /* DeleteNamespace(op.netns.name) */
        _NTK_IDM_CALL_MAX,
} NtkIdmCall;

typedef struct NtkIdmStep {
        NtkIdmCall call;
        char netns[NTK_NAME_MAX]; /* "" = default namespace */
        NtkOp op;
} NtkIdmStep;

typedef enum NtkIdmRequestKind {
        NTK_IDM_REQ_GET_PEER_MAIN_ID,            /* answer: ntk_idm_peer_main_id_reply / _failed */
        NTK_IDM_REQ_MATCH_DUPLICATION,           /* answer: ntk_idm_duplication_reply / _failed */
        NTK_IDM_REQ_NOTIFY_IDENTITY_ARC_REMOVED, /* no answer; errors ignored */
        _NTK_IDM_REQ_MAX,
} NtkIdmRequestKind;

typedef struct NtkIdmRequest {
        NtkIdmRequestKind kind;
        uint32_t arc;
        unsigned timeout_ms;
        /* NOTIFY from remove_identity: on the first failure skip the later NOTIFYs of the same arc. */
        bool stop_arc_on_failure;
        uint64_t migration_id; /* MATCH */
        NtkIdentityId my_id;   /* NOTIFY: the caller's (our) identity */
        NtkIdentityId peer_id; /* MATCH, NOTIFY: the neighbour's identity */
        NtkIdentityId old_id;  /* MATCH */
        NtkIdentityId new_id;  /* MATCH */
        uint8_t mac[6];        /* MATCH: old identity's new pseudo-NIC */
        uint32_t linklocal;    /* MATCH */
} NtkIdmRequest;

typedef enum NtkIdmEventKind {
        NTK_IDM_EV_IDENTITY_ARC_ADDED,
        NTK_IDM_EV_IDENTITY_ARC_CHANGED,
        NTK_IDM_EV_IDENTITY_ARC_REMOVING,
        NTK_IDM_EV_IDENTITY_ARC_REMOVED,
        NTK_IDM_EV_ARC_REMOVED,      /* the module found the arc broken and removed it */
        NTK_IDM_EV_IDENTITY_ADDED,   /* not in §3.2: for the ObjectManager */
        NTK_IDM_EV_IDENTITY_REMOVED, /* idem; remove_identity emits no identity-arc events (§3.8) */
        _NTK_IDM_EV_MAX,
} NtkIdmEventKind;

typedef struct NtkIdmEvent {
        NtkIdmEventKind kind;
        uint32_t arc;
        NtkIdentityId id;
        NtkIdentityId peer_id;
        NtkIdmIdentityArc id_arc; /* ADDED, CHANGED: the record after the change */
        bool has_prev;            /* ADDED: the copy w1 of w0 = (prev_id, arc, prev_peer_id) */
        NtkIdentityId prev_id;
        NtkIdentityId prev_peer_id;
        bool only_neighbour_migrated; /* CHANGED */
} NtkIdmEvent;

typedef struct NtkIdmOut {
        size_t n_steps, n_requests, n_events;
        NtkIdmStep steps[NTK_IDM_OUT_STEPS_MAX];
        NtkIdmRequest requests[NTK_IDM_OUT_REQUESTS_MAX];
        NtkIdmEvent events[NTK_IDM_OUT_EVENTS_MAX];
        bool phase2_done; /* the last MATCH answer of a duplication has been processed */
        bool overflow;    /* an array was full and something was dropped: cannot happen within the bounds */
} NtkIdmOut;

NtkIdmOut *ntk_idm_out_new(void);
NtkIdmOut *ntk_idm_out_free(NtkIdmOut *o);
void ntk_idm_out_reset(NtkIdmOut *o);
DEFINE_TRIVIAL_CLEANUP_FUNC(NtkIdmOut *, ntk_idm_out_free);

const char *ntk_idm_event_kind_to_string(NtkIdmEventKind k);
const char *ntk_idm_call_to_string(NtkIdmCall c);

/* ---- lifetime and NICs ---- */

/* The real NICs with the link-locals Neighborhood assigned (n may be 0). Creates the main identity in the
 * default namespace with a random id from *rng (rng.h, owned by the caller). */
int ntk_idm_new(const char *const *devs, const uint8_t (*macs)[6], const uint32_t *linklocals, size_t n,
        NtkRng *rng, NtkIdm **ret, NtkErr *err);
NtkIdm *ntk_idm_free(NtkIdm *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(NtkIdm *, ntk_idm_free);

/* A real NIC managed later: only the main identity gets it. -EEXIST, -ENOSPC, -EINVAL. */
int ntk_idm_add_handled_nic(
        NtkIdm *m, const char *dev, const uint8_t mac[6], uint32_t linklocal, NtkErr *err);

/* A real NIC no longer managed; every arc on it must have been removed first (-EBUSY). Plan: delete the
 * pseudo-NICs other identities have on it; an identity left without any NIC is removed (plan, requests and
 * IDENTITY_REMOVED as ntk_idm_remove_identity). IGNORED for an unknown NIC. */
int ntk_idm_remove_handled_nic(NtkIdm *m, const char *dev, NtkIdmOut *out);

/* ---- arcs and identity-arcs (§3.4, §3.5) ---- */

/* A physical arc from Neighborhood. *ret_arc is its handle. Asks (request GET_PEER_MAIN_ID) the peer's main
 * id. */
int ntk_idm_add_arc(NtkIdm *m, const char *dev, const uint8_t peer_mac[6], uint32_t peer_linklocal,
        uint32_t *ret_arc, NtkIdmOut *out, NtkErr *err);
/* The peer's main id: creates the main identity-arc (no route: Neighborhood's). IGNORED for an unknown arc
 * or when the main identity-arc to that peer exists. */
int ntk_idm_peer_main_id_reply(
        NtkIdm *m, uint32_t arc, NtkIdentityId peer_main_id, NtkIdmOut *out, NtkErr *err);
/* The call failed: the arc is removed (events) and ARC_REMOVED emitted. */
int ntk_idm_peer_main_id_failed(NtkIdm *m, uint32_t arc, NtkIdmOut *out);
/* User removal: REMOVING + removal (route del, REMOVED) of every identity-arc on it; no ARC_REMOVED. */
int ntk_idm_remove_arc(NtkIdm *m, uint32_t arc, NtkIdmOut *out);

int ntk_idm_add_identity_arc(NtkIdm *m, uint32_t arc, NtkIdentityId id, NtkIdentityId peer_id,
        const uint8_t peer_mac[6], uint32_t peer_linklocal, NtkIdmOut *out, NtkErr *err);
int ntk_idm_remove_identity_arc(
        NtkIdm *m, uint32_t arc, NtkIdentityId id, NtkIdentityId peer_id, bool do_tell, NtkIdmOut *out);
/* From the neighbour (its identity caller_id, our identity my_id) over arc. IGNORED when unknown. */
int ntk_idm_notify_identity_arc_removed(
        NtkIdm *m, uint32_t arc, NtkIdentityId caller_id, NtkIdentityId my_id, NtkIdmOut *out);
/* The daemon processed IDENTITY_ARC_CHANGED. */
int ntk_idm_identity_arc_clear_prev(NtkIdm *m, uint32_t arc, NtkIdentityId id, NtkIdentityId peer_id);

/* ---- duplication (§3.6, §3.7) ---- */

int ntk_idm_prepare_add_identity(
        NtkIdm *m, uint64_t migration_id, NtkIdentityId old_id, uint64_t now_ms, NtkErr *err);

/* Chooses the link-local of the new pseudo-NIC on real_dev; returns 0 or a negative errno. */
typedef int (*NtkIdmLinklocalChooser)(void *userdata, const char *real_dev, uint32_t *ret_linklocal);

/* Phase 1: new identity (random id from *rng), namespace ntkv<N> for the old identity, one macvlan
 * ntkv<N>_<dev> (MAC 4E:xx… from *rng) per real NIC the old identity handles, link-local from choose.
 * -ENOENT no prepared migration, -EALREADY already added, -ENAMETOOLONG a pseudo-NIC name does not fit
 * IFNAMSIZ, -ENOSPC, -EINVAL a chosen link-local is not a usable 169.254/16 address or is in use. */
int ntk_idm_add_identity(NtkIdm *m, uint64_t migration_id, NtkIdentityId old_id, NtkRng *rng,
        NtkIdmLinklocalChooser choose, void *userdata, NtkIdentityId *ret_new_id, NtkIdmOut *out,
        NtkErr *err);
/* The MAC the helper reports for a pseudo-NIC of a pending duplication. IGNORED for an unknown name. */
int ntk_idm_set_pseudo_mac(NtkIdm *m, const char *pseudo_dev, const uint8_t mac[6], NtkErr *err);
/* Phase 1 failed in the kernel: undo it in the model (the old identity gets its namespace and NICs back, the
 * new one is forgotten, the migration returns to prepared) and plan the deletion of what was planned. */
int ntk_idm_add_identity_abort(NtkIdm *m, uint64_t migration_id, NtkIdentityId old_id, NtkIdmOut *out);
/* Phase 2 start. -EBUSY while a pseudo-NIC MAC is missing. out->phase2_done when there is nothing to ask. */
int ntk_idm_add_identity_phase2(NtkIdm *m, uint64_t migration_id, NtkIdentityId old_id, NtkIdmOut *out);
/* The answer of the MATCH request for w0 = (old_id, arc, peer_id): dup or NULL. IGNORED if not awaited. */
int ntk_idm_duplication_reply(NtkIdm *m, uint64_t migration_id, uint32_t arc, NtkIdentityId peer_id,
        const NtkIdmDuplicationData *dup, NtkIdmOut *out, NtkErr *err);
int ntk_idm_duplication_failed(
        NtkIdm *m, uint64_t migration_id, uint32_t arc, NtkIdentityId peer_id, NtkIdmOut *out);

typedef enum NtkIdmMatch {
        NTK_IDM_MATCH_NULL = 0, /* reply null; the caller's identity moved alone (events in out) */
        NTK_IDM_MATCH_IGNORED = NTK_IDM_IGNORED, /* reply null; no such identity-arc here, nothing changed */
        NTK_IDM_MATCH_DATA = 2,                  /* reply *ret_dup */
} NtkIdmMatch;

/* Neighbour side of match_duplication, over arc (resolved by the daemon from the connection). Returns an
 * NtkIdmMatch, -EAGAIN when our own duplication of peer_id is not ready yet (poll again after 50 ms),
 * -ENOENT unknown arc, -EINVAL malformed arguments, -ENOSPC no room for the new identity-arc. */
int ntk_idm_match_duplication(NtkIdm *m, uint32_t arc, uint64_t migration_id, NtkIdentityId peer_id,
        NtkIdentityId old_id, NtkIdentityId new_id, const uint8_t old_id_new_mac[6],
        uint32_t old_id_new_linklocal, NtkIdmDuplicationData *ret_dup, NtkIdmOut *out, NtkErr *err);

/* Drops pending migrations whose 10 min are over; returns how many. *ret_next (may be NULL) gets the next
 * expiry, or UINT64_MAX. */
unsigned ntk_idm_expire(NtkIdm *m, uint64_t now_ms, uint64_t *ret_next);

/* ---- removal (§3.8) ---- */

/* -EPERM for the main identity, IGNORED unknown. Plan: flush table main, delete its pseudo-NICs, delete the
 * namespace; requests: NOTIFY for each of its identity-arcs. */
int ntk_idm_remove_identity(NtkIdm *m, NtkIdentityId id, NtkIdmOut *out);

/* ---- queries ---- */

NtkIdentityId ntk_idm_main_id(const NtkIdm *m);
/* Each returns the total number; fills at most max entries of ret (ret may be NULL with max 0). */
size_t ntk_idm_list_identities(const NtkIdm *m, NtkIdmIdentityInfo *ret, size_t max);
int ntk_idm_get_identity(const NtkIdm *m, NtkIdentityId id, NtkIdmIdentityInfo *ret);
size_t ntk_idm_list_arcs(const NtkIdm *m, NtkIdmArcInfo *ret, size_t max);
/* id 0 = of every identity; arc 0 = over every arc. */
size_t ntk_idm_list_identity_arcs(
        const NtkIdm *m, NtkIdentityId id, uint32_t arc, NtkIdmIdentityArc *ret, size_t max);
