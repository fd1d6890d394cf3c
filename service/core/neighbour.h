/* neighbour.h — the Neighborhood module (identities.md §2) as a pure state machine: managed NICs, arcs to
 * neighbour systems, discovery, export, cost and removal. Must not: do I/O, read clocks or the OS's
 * randomness.
 *
 * How the daemon drives it
 * ------------------------
 * Every input is a function call carrying the caller's monotonic time `now_ms`; every effect leaves as an
 * action appended to the caller's NtkNbActions vector. The daemon executes the actions strictly in order and
 * to completion (ARC_REMOVING before the DEL_HOST_ROUTE that follows it is what "the handler must run to
 * completion" of §2.2 means here), then clears the vector. Calls are never re-entered from an action: a
 * result (of CALL_CAN_YOU_EXPORT, MEASURE_RTT, SEND_NOP) is fed back with its own input function later,
 * possibly after other inputs; the module copes with arcs that disappeared meanwhile (the input returns
 * -ENOENT). After each call, arm a timer at ntk_nb_next_deadline() and call ntk_nb_tick() when it fires.
 *
 * Each entry point reserves the room its actions need before it changes any state: on -ENOMEM nothing
 * changed. The number of actions of one call is bounded by the state (4 per arc + 1 per NIC + a few), never
 * by remote input; the state itself is bounded by NtkNbConfig.
 *
 * Variant: neighborhood HEAD (§2.5, normative), with these fixes from §10 (each also marked in neighbour.c):
 * - B1: ntk_nb_find_arc() resolves a unicast caller against every arc, exported or not.
 * - B2: a failed or refused can_you_export is retried: the next here_i_am from that peer on an existing
 *   unexported arc triggers a new CALL_CAN_YOU_EXPORT; an unexported arc that hears nothing from its peer
 *   for unexported_ttl_ms is dropped with its route, so a vanished peer leaves nothing behind.
 * - B8: our link-locals are chosen by linklocal.h (never 169.254.0.x / .255.x, collision-checked); a
 *   neighbour claiming an invalid one, one of ours, or one another MAC already uses is ignored (inv. 2b).
 * - B16: the result of our can_you_export re-checks `exported`: an arc exported meanwhile by the peer's
 *   call is left alone (one monitor, one ARC_ADDED).
 * - B17: ntk_nb_recv_can_you_export() on an unknown arc returns -ENOENT and the daemon answers "false" at
 *   once instead of dropping the call (so the caller does not see a transport error).
 * - Also: only one can_you_export per arc is outstanding at a time (a repeated request_arc while one is in
 *   flight is ignored), and no second MEASURE_RTT is issued while the previous one is unanswered. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kops.h" /* NTK_IFNAME_MAX */
#include "linklocal.h"
#include "util.h"

typedef uint64_t NtkNodeId; /* NeighborhoodNodeID of a whole system; 0 is never valid */

/* ---- configuration ---- */

typedef struct NtkNbConfig {
        unsigned max_nics;          /* managed NICs (default 32) */
        unsigned max_arcs;          /* exported arcs: the original's max_arcs (ntkd: 1000) */
        unsigned max_arcs_total;    /* every arc, exported or not: the table's hard bound (default 2048) */
        uint64_t radar_interval_ms; /* here_i_am period per NIC (60000), the first one at nic_start */
        uint64_t monitor_min_ms;    /* an exported arc is probed every [min, max) ms, uniform (28000) */
        uint64_t monitor_max_ms;    /* (30000) */
        uint64_t unexported_ttl_ms; /* B2: drop an unexported arc not heard from for this long (180000) */
} NtkNbConfig;

void ntk_nb_config_default(NtkNbConfig *ret);

/* ---- messages between neighbours (the wire module encodes them) ---- */

typedef enum NtkNbMsgType {
        NTK_NB_MSG_HERE_I_AM,   /* radar; only the my_* fields are meaningful, your_* are zero */
        NTK_NB_MSG_REQUEST_ARC, /* answer to here_i_am: your_* = the here_i_am's sender, my_* = us */
        NTK_NB_MSG_REMOVE_ARC,  /* we removed the arc between your_* and my_* */
        _NTK_NB_MSG_TYPE_MAX,
} NtkNbMsgType;

/* One UDP broadcast of this module. my_* always describe the sender's NIC the message leaves from. */
typedef struct NtkNbMsg {
        NtkNbMsgType type;
        NtkNodeId my_id;
        uint8_t my_mac[6];
        uint32_t my_ll; /* host byte order, as everywhere in this header */
        NtkNodeId your_id;
        uint8_t your_mac[6];
        uint32_t your_ll;
} NtkNbMsg;

/* ---- arcs and NICs as the user sees them ---- */

/* A snapshot of an arc. arc_id is a local handle, unique for the life of the NtkNb (never reused). */
typedef struct NtkNbArcInfo {
        uint64_t arc_id;
        char dev[NTK_IFNAME_MAX]; /* our NIC */
        uint8_t my_mac[6];        /* MAC of dev */
        uint32_t my_ll;           /* link-local of dev */
        NtkNodeId peer_id;
        uint8_t peer_mac[6];
        uint32_t peer_ll;
        bool exported;   /* both ends agreed (can_you_export) */
        bool has_cost;   /* cost measured at least once ("available", ARC_ADDED was emitted) */
        int64_t cost_us; /* official cost (RTT µs); meaningful when has_cost */
} NtkNbArcInfo;

typedef struct NtkNbNicInfo {
        char dev[NTK_IFNAME_MAX];
        uint8_t mac[6];
        uint32_t ll;
        bool disabling; /* nic_stop in progress (only ever seen true from inside nic_stop) */
} NtkNbNicInfo;

/* ---- actions ---- */

typedef enum NtkNbActionKind {
        /* Commands to execute. */
        NTK_NB_SEND_BROADCAST, /* dev, msg: UDP broadcast of msg on dev only, from my_ll; errors ignored */
        NTK_NB_CALL_CAN_YOU_EXPORT, /* arc, i_can_export: TCP call can_you_export(i_can_export) to
                                     * arc.peer_ll from arc.my_ll over arc.dev; report the answer (or the
                                     * transport error / timeout) with
                                     * ntk_nb_can_you_export_result(arc.arc_id, …) — always. */
        NTK_NB_SEND_NOP,       /* arc: TCP nop() to arc.peer_ll; on failure call ntk_nb_keepalive_failed() */
        NTK_NB_MEASURE_RTT,    /* arc: measure the RTT to arc.peer_ll from arc.my_ll via arc.dev (ping);
                                * report with ntk_nb_rtt_measured(arc.arc_id, µs or -1) — always. */
        NTK_NB_ADD_ADDRESS,    /* dev, ll: `ip address add LL dev DEV` (a /32) */
        NTK_NB_DEL_ADDRESS,    /* dev, ll: `ip address del LL/32 dev DEV` */
        NTK_NB_ADD_HOST_ROUTE, /* arc: `ip route add PEER_LL dev DEV src MY_LL` (table main) */
        NTK_NB_DEL_HOST_ROUTE, /* arc: `ip route del PEER_LL dev DEV src MY_LL` (table main) */
        /* Events (the signals of §2.2) for the rest of the daemon. */
        NTK_NB_NIC_ADDRESS_SET,   /* dev, mac, ll: the NIC is managed and carries ll */
        NTK_NB_NIC_ADDRESS_UNSET, /* dev, mac, ll: the NIC is no longer managed, ll removed */
        NTK_NB_ARC_ADDED,         /* arc (cost_us set): exported and first cost measured */
        NTK_NB_ARC_CHANGED,       /* arc (cost_us = the new official cost) */
        NTK_NB_ARC_REMOVING,      /* arc, is_still_usable: tear down what depends on the arc's route now */
        NTK_NB_ARC_REMOVED,       /* arc: gone, its host route already deleted */
        _NTK_NB_ACTION_KIND_MAX,
} NtkNbActionKind;

typedef struct NtkNbAction {
        NtkNbActionKind kind;
        char dev[NTK_IFNAME_MAX]; /* every kind: the local NIC concerned (= arc.dev for arc actions) */
        uint8_t mac[6];           /* every kind: MAC of dev */
        uint32_t ll;              /* every kind: link-local of dev (= arc.my_ll for arc actions) */
        NtkNbArcInfo arc;         /* arc actions: the arc as it is after the step (zeroed otherwise) */
        NtkNbMsg msg;             /* SEND_BROADCAST */
        bool i_can_export;        /* CALL_CAN_YOU_EXPORT */
        bool is_still_usable;     /* ARC_REMOVING */
} NtkNbAction;

/* The caller's growable vector. Zero-initialise it; ntk_nb_actions_clear() empties it and keeps the memory,
 * ntk_nb_actions_done() frees it. */
typedef struct NtkNbActions {
        NtkNbAction *v;
        size_t n, cap;
} NtkNbActions;

void ntk_nb_actions_clear(NtkNbActions *a);
void ntk_nb_actions_done(NtkNbActions *a);

/* ---- counters: every input that was ignored says why ---- */

typedef enum NtkNbDrop {
        NTK_NB_DROP_MALFORMED,     /* zero id, bad MAC, invalid link-local, unknown type */
        NTK_NB_DROP_SELF,          /* sent by our own node id */
        NTK_NB_DROP_UNMANAGED_DEV, /* received on a NIC we do not manage */
        NTK_NB_DROP_DISABLING,     /* received on a NIC being stopped */
        NTK_NB_DROP_NOT_FOR_ME,    /* request_arc / remove_arc addressed to another (id, MAC, link-local) */
        NTK_NB_DROP_INV1_MAC_ID,   /* invariant 1: that MAC belongs to another node id */
        NTK_NB_DROP_INV2_MAC_LL,   /* invariant 2: that MAC has another link-local */
        NTK_NB_DROP_INV2B_LL,      /* B8: that link-local belongs to another MAC, or is one of ours */
        NTK_NB_DROP_INV3_MAC_DEV,  /* invariant 3: arcs to that MAC use another local NIC */
        NTK_NB_DROP_INV4_DEV_ID,   /* invariant 4: from this NIC there is already an arc to that node id */
        NTK_NB_DROP_DUPLICATE,     /* invariant 5 / idempotence: the arc exists (and nothing is to redo) */
        NTK_NB_DROP_TABLE_FULL,    /* max_arcs_total reached */
        NTK_NB_DROP_UNKNOWN_ARC,   /* a result or unicast for an arc we do not have (any more) */
        NTK_NB_DROP_RTT_FAILED,    /* MEASURE_RTT reported a failure (cost unchanged) */
        NTK_NB_DROP_EXPIRED,       /* B2: unexported arcs dropped after unexported_ttl_ms */
        _NTK_NB_DROP_MAX,
} NtkNbDrop;

typedef struct NtkNbStats {
        uint64_t drops[_NTK_NB_DROP_MAX];
} NtkNbStats;

const char *ntk_nb_drop_to_string(NtkNbDrop d);
const char *ntk_nb_action_kind_to_string(NtkNbActionKind k);
const char *ntk_nb_msg_type_to_string(NtkNbMsgType t);

/* ---- the module ---- */

typedef struct NtkNb NtkNb;

/* my_id must not be 0; seed feeds the monitor's jitter (NtkRng). cfg NULL means ntk_nb_config_default().
 * Returns 0, -EINVAL (bad id or config) or -ENOMEM. */
int ntk_nb_new(NtkNodeId my_id, uint64_t seed, const NtkNbConfig *cfg, NtkNb **ret);
NtkNb *ntk_nb_free(NtkNb *nb);
DEFINE_TRIVIAL_CLEANUP_FUNC(NtkNb *, ntk_nb_free);

NtkNodeId ntk_nb_my_id(const NtkNb *nb);
const NtkNbStats *ntk_nb_stats(const NtkNb *nb);

/* start_monitor (§2.4): manage dev with MAC mac and link-local ll (choose it with ntk_linklocal_choose()
 * over ntk_nb_used_linklocals() plus the pseudo-interfaces' addresses). Actions: ADD_ADDRESS,
 * NIC_ADDRESS_SET, SEND_BROADCAST(here_i_am). The same (dev, mac) again is a no-op returning 0 (ll ignored).
 * -EEXIST: dev managed with another MAC, or mac managed on another dev. -EADDRINUSE: ll is another NIC's or
 * a neighbour's link-local. -EINVAL: bad dev name, MAC or ll. -E2BIG: max_nics reached. */
int ntk_nb_nic_start(NtkNb *nb, const char *dev, const uint8_t mac[static 6], uint32_t ll, uint64_t now_ms,
        NtkNbActions *out);

/* stop_monitor (§2.4): every arc on dev is removed as by ntk_nb_remove_arc(…, true), then DEL_ADDRESS and
 * NIC_ADDRESS_UNSET. -ENOENT when dev is not managed. */
int ntk_nb_nic_stop(NtkNb *nb, const char *dev, uint64_t now_ms, NtkNbActions *out);

/* A broadcast of this module received on our NIC dev (here_i_am, request_arc, remove_arc; §2.5, §2.7).
 * Returns 0 also when the message was ignored (see ntk_nb_stats(); a table that cannot grow counts as full);
 * -ENOMEM when the action vector cannot grow, -EINVAL for NULL arguments. */
int ntk_nb_recv_broadcast(
        NtkNb *nb, const char *dev, const NtkNbMsg *msg, uint64_t now_ms, NtkNbActions *out);

/* The RPC can_you_export(peer_can) arrived over TCP on our NIC dev from peer_ll (the connection's source
 * address; the destination is dev's link-local). On 0, *ret_reply is the answer to send. -ENOENT: no arc
 * (exported or not) matches — answer false (B17). May append MEASURE_RTT + SEND_NOP (arc exported). */
int ntk_nb_recv_can_you_export(NtkNb *nb, const char *dev, uint32_t peer_ll, bool peer_can, uint64_t now_ms,
        bool *ret_reply, NtkNbActions *out);

/* The outcome of a CALL_CAN_YOU_EXPORT: result < 0 transport error or timeout, 0 the peer said false,
 * > 0 it said true. -ENOENT when the arc is gone (nothing to do). */
int ntk_nb_can_you_export_result(NtkNb *nb, uint64_t arc_id, int result, uint64_t now_ms, NtkNbActions *out);

/* The outcome of a MEASURE_RTT: rtt_us >= 0 microseconds, < 0 failure. May append ARC_ADDED / ARC_CHANGED.
 * -ENOENT when the arc is gone or not exported. */
int ntk_nb_rtt_measured(NtkNb *nb, uint64_t arc_id, int64_t rtt_us, uint64_t now_ms, NtkNbActions *out);

/* A SEND_NOP failed: the arc is dead, removed with is_still_usable = false. -ENOENT when already gone. */
int ntk_nb_keepalive_failed(NtkNb *nb, uint64_t arc_id, uint64_t now_ms, NtkNbActions *out);

/* The user (or another module: Identities arc_removed, Hooking failing_arc — §10 B3) removes an arc (§2.7).
 * -ENOENT when already gone. */
int ntk_nb_remove_arc(NtkNb *nb, uint64_t arc_id, bool is_still_usable, uint64_t now_ms, NtkNbActions *out);

/* Timers: radar broadcasts, arc probes (MEASURE_RTT + SEND_NOP), expiry of unexported arcs. */
int ntk_nb_tick(NtkNb *nb, uint64_t now_ms, NtkNbActions *out);

/* The earliest now_ms at which ntk_nb_tick() has something to do; UINT64_MAX when nothing is scheduled. */
uint64_t ntk_nb_next_deadline(const NtkNb *nb);

/* Changes the bound on exported arcs for future exports (existing arcs stay). -EINVAL if 0. */
int ntk_nb_set_max_arcs(NtkNb *nb, unsigned max_arcs);

/* ---- queries ---- */

/* Copies up to n arcs into buf (insertion order) and returns how many arcs there are in total. With
 * measured_only, only arcs signalled with ARC_ADDED (the original's current_arcs()). */
size_t ntk_nb_list_arcs(const NtkNb *nb, bool measured_only, NtkNbArcInfo *buf, size_t n);
/* 0 and *ret, or -ENOENT. */
int ntk_nb_get_arc(const NtkNb *nb, uint64_t arc_id, NtkNbArcInfo *ret);
/* B1: the arc (exported or not) on our NIC dev (NULL: any NIC) whose peer has link-local peer_ll. 0 and
 * *ret, or -ENOENT. The daemon resolves every whole-node unicast (can_you_export, nop) with it. */
int ntk_nb_find_arc(const NtkNb *nb, const char *dev, uint32_t peer_ll, NtkNbArcInfo *ret);

size_t ntk_nb_list_nics(const NtkNb *nb, NtkNbNicInfo *buf, size_t n);

/* Every link-local this module knows to be taken (our NICs', every arc's peer): copies up to n, returns the
 * total. Feed it to ntk_linklocal_choose() (with the pseudo-interfaces' addresses). */
size_t ntk_nb_used_linklocals(const NtkNb *nb, uint32_t *buf, size_t n);

/* The smoothing and hysteresis of §2.6, exposed for tests: given the smoothing state *last (-1 = never
 * measured) and the official *cost, apply one measurement rtt_us >= 0. The first measurement sets both and
 * returns true ("added"); later ones move *last by delta/10 upward or delta/3 downward (C division,
 * truncation toward zero) and set *cost = *last, returning true, exactly when
 * 2·last < cost or last > 2·cost. */
bool ntk_nb_cost_update(int64_t *last, int64_t *cost, int64_t rtt_us);
