/* neighbour.c — the Neighborhood state machine of identities.md §2 (neighborhood HEAD, with §10 fixes):
 * inputs in, ordered actions out. Must not: do I/O, read clocks, draw from the OS, or grow from remote
 * input. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "neighbour.h"

/* A measured RTT above this (one hour) is clamped, so that 2·cost and the deltas never overflow. */
#define RTT_MAX_US ((int64_t) 3600 * 1000 * 1000)
#define HARD_MAX_NICS 1024u
#define HARD_MAX_ARCS 65536u

typedef struct Nic {
        char dev[NTK_IFNAME_MAX];
        uint8_t mac[6];
        uint32_t ll;
        bool disabling;
        uint64_t next_radar_ms;
} Nic;

typedef struct Arc {
        NtkNbArcInfo info;
        int64_t last_us;     /* §2.6 smoothing state; -1 until the first measure */
        bool export_pending; /* a CALL_CAN_YOU_EXPORT is outstanding */
        bool offered;        /* the i_can_export we sent with it */
        bool rtt_pending;    /* a MEASURE_RTT is outstanding */
        uint64_t next_probe_ms;
        uint64_t heard_ms; /* last sign of life of the peer about this arc (for B2's expiry) */
} Arc;

struct NtkNb {
        NtkNodeId my_id;
        NtkNbConfig cfg;
        NtkRng rng;
        Nic *nics;
        size_t n_nics;
        Arc *arcs;
        size_t n_arcs, cap_arcs;
        size_t n_exported;
        uint64_t next_arc_id;
        NtkNbStats stats;
};

static const char *const drop_table[_NTK_NB_DROP_MAX] = {
        [NTK_NB_DROP_MALFORMED] = "malformed",
        [NTK_NB_DROP_SELF] = "self",
        [NTK_NB_DROP_UNMANAGED_DEV] = "unmanaged-dev",
        [NTK_NB_DROP_DISABLING] = "disabling",
        [NTK_NB_DROP_NOT_FOR_ME] = "not-for-me",
        [NTK_NB_DROP_INV1_MAC_ID] = "inv1-mac-id",
        [NTK_NB_DROP_INV2_MAC_LL] = "inv2-mac-ll",
        [NTK_NB_DROP_INV2B_LL] = "inv2b-ll",
        [NTK_NB_DROP_INV3_MAC_DEV] = "inv3-mac-dev",
        [NTK_NB_DROP_INV4_DEV_ID] = "inv4-dev-id",
        [NTK_NB_DROP_DUPLICATE] = "duplicate",
        [NTK_NB_DROP_TABLE_FULL] = "table-full",
        [NTK_NB_DROP_UNKNOWN_ARC] = "unknown-arc",
        [NTK_NB_DROP_RTT_FAILED] = "rtt-failed",
        [NTK_NB_DROP_EXPIRED] = "expired",
};

static const char *const action_table[_NTK_NB_ACTION_KIND_MAX] = {
        [NTK_NB_SEND_BROADCAST] = "send-broadcast",
        [NTK_NB_CALL_CAN_YOU_EXPORT] = "call-can-you-export",
        [NTK_NB_SEND_NOP] = "send-nop",
        [NTK_NB_MEASURE_RTT] = "measure-rtt",
        [NTK_NB_ADD_ADDRESS] = "add-address",
        [NTK_NB_DEL_ADDRESS] = "del-address",
        [NTK_NB_ADD_HOST_ROUTE] = "add-host-route",
        [NTK_NB_DEL_HOST_ROUTE] = "del-host-route",
        [NTK_NB_NIC_ADDRESS_SET] = "nic-address-set",
        [NTK_NB_NIC_ADDRESS_UNSET] = "nic-address-unset",
        [NTK_NB_ARC_ADDED] = "arc-added",
        [NTK_NB_ARC_CHANGED] = "arc-changed",
        [NTK_NB_ARC_REMOVING] = "arc-removing",
        [NTK_NB_ARC_REMOVED] = "arc-removed",
};

static const char *const msg_table[_NTK_NB_MSG_TYPE_MAX] = {
        [NTK_NB_MSG_HERE_I_AM] = "here_i_am",
        [NTK_NB_MSG_REQUEST_ARC] = "request_arc",
        [NTK_NB_MSG_REMOVE_ARC] = "remove_arc",
};

const char *ntk_nb_drop_to_string(NtkNbDrop d)
{
        return (unsigned) d < _NTK_NB_DROP_MAX ? drop_table[d] : NULL;
}

const char *ntk_nb_action_kind_to_string(NtkNbActionKind k)
{
        return (unsigned) k < _NTK_NB_ACTION_KIND_MAX ? action_table[k] : NULL;
}

const char *ntk_nb_msg_type_to_string(NtkNbMsgType t)
{
        return (unsigned) t < _NTK_NB_MSG_TYPE_MAX ? msg_table[t] : NULL;
}

void ntk_nb_config_default(NtkNbConfig *ret)
{
        *ret = (NtkNbConfig){
                .max_nics = 32,
                .max_arcs = 1000,
                .max_arcs_total = 2048,
                .radar_interval_ms = 60000,
                .monitor_min_ms = 28000,
                .monitor_max_ms = 30000,
                .unexported_ttl_ms = 180000,
        };
}

/* ---- actions vector ---- */

void ntk_nb_actions_clear(NtkNbActions *a)
{
        a->n = 0;
}

void ntk_nb_actions_done(NtkNbActions *a)
{
        free(a->v);
        *a = (NtkNbActions){};
}

/* Every entry point reserves its worst case first, so that pushing never fails after state changed. */
static int actions_reserve(NtkNbActions *a, size_t extra)
{
        return GROW_ARRAY(a->v, a->cap, a->n + extra, 16) ? 0 : -ENOMEM;
}

static size_t worst_case(const NtkNb *nb)
{
        /* An arc yields at most 4 actions in one call (removal: REMOVING, DEL_HOST_ROUTE, BROADCAST,
         * REMOVED; a probe: 2), a NIC at most 3 (nic_start) and a new arc 2. */
        return 4 * (nb->n_arcs + 1) + 3 * (nb->n_nics + 1) + 4;
}

static NtkNbAction *push(NtkNbActions *out, NtkNbActionKind kind)
{
        NtkNbAction *a;

        assert(out->n < out->cap);
        a = &out->v[out->n++];
        *a = (NtkNbAction){.kind = kind};
        return a;
}

static void push_nic(NtkNbActions *out, NtkNbActionKind kind, const Nic *nic)
{
        NtkNbAction *a = push(out, kind);

        memcpy(a->dev, nic->dev, sizeof(a->dev));
        memcpy(a->mac, nic->mac, 6);
        a->ll = nic->ll;
}

static NtkNbAction *push_arc(NtkNbActions *out, NtkNbActionKind kind, const Arc *arc)
{
        NtkNbAction *a = push(out, kind);

        memcpy(a->dev, arc->info.dev, sizeof(a->dev));
        memcpy(a->mac, arc->info.my_mac, 6);
        a->ll = arc->info.my_ll;
        a->arc = arc->info;
        return a;
}

static void push_broadcast(
        NtkNbActions *out, const Nic *nic, NtkNbMsgType type, NtkNodeId my_id, const NtkNbArcInfo *to)
{
        NtkNbAction *a = push(out, NTK_NB_SEND_BROADCAST);

        memcpy(a->dev, nic->dev, sizeof(a->dev));
        memcpy(a->mac, nic->mac, 6);
        a->ll = nic->ll;
        a->msg.type = type;
        a->msg.my_id = my_id;
        memcpy(a->msg.my_mac, nic->mac, 6);
        a->msg.my_ll = nic->ll;
        if (to) {
                a->msg.your_id = to->peer_id;
                memcpy(a->msg.your_mac, to->peer_mac, 6);
                a->msg.your_ll = to->peer_ll;
        }
}

/* ---- lookups ---- */

static bool mac_eq(const uint8_t a[6], const uint8_t b[6])
{
        return memcmp(a, b, 6) == 0;
}

/* Unicast, not all zero. */
static bool mac_is_valid(const uint8_t mac[6])
{
        static const uint8_t zero[6];

        return !(mac[0] & 1) && !mac_eq(mac, zero);
}

static bool dev_is_valid(const char *dev)
{
        size_t l;

        if (!dev)
                return false;
        l = strnlen(dev, NTK_IFNAME_MAX);
        return l > 0 && l < NTK_IFNAME_MAX && !strchr(dev, '/') && !strchr(dev, ' ');
}

static Nic *nic_find(const NtkNb *nb, const char *dev)
{
        for (size_t i = 0; i < nb->n_nics; i++)
                if (streq(nb->nics[i].dev, dev))
                        return &nb->nics[i];
        return NULL;
}

static Arc *arc_by_id(const NtkNb *nb, uint64_t arc_id)
{
        for (size_t i = 0; i < nb->n_arcs; i++)
                if (nb->arcs[i].info.arc_id == arc_id)
                        return &nb->arcs[i];
        return NULL;
}

static Arc *arc_by_dev_mac(const NtkNb *nb, const char *dev, const uint8_t mac[6])
{
        for (size_t i = 0; i < nb->n_arcs; i++)
                if (streq(nb->arcs[i].info.dev, dev) && mac_eq(nb->arcs[i].info.peer_mac, mac))
                        return &nb->arcs[i];
        return NULL;
}

static void drop(NtkNb *nb, NtkNbDrop why)
{
        nb->stats.drops[why]++;
}

/* §2.3 invariants 1–4 (the HEAD variant: over every arc, exported or not) for a peer (id, mac, ll) heard on
 * dev, plus 2b (B8). Invariant 5 — one arc per (dev, MAC) — is the callers' "arc exists" branch. Returns
 * _NTK_NB_DROP_MAX when the peer is acceptable as a new arc. */
static NtkNbDrop check_invariants(
        const NtkNb *nb, const char *dev, NtkNodeId id, const uint8_t mac[6], uint32_t ll)
{
        for (size_t i = 0; i < nb->n_nics; i++)
                if (mac_eq(nb->nics[i].mac, mac))
                        return NTK_NB_DROP_INV1_MAC_ID; /* our own MAC: it belongs to our node id */
        for (size_t i = 0; i < nb->n_arcs; i++)
                if (mac_eq(nb->arcs[i].info.peer_mac, mac) && nb->arcs[i].info.peer_id != id)
                        return NTK_NB_DROP_INV1_MAC_ID;
        for (size_t i = 0; i < nb->n_arcs; i++)
                if (mac_eq(nb->arcs[i].info.peer_mac, mac) && nb->arcs[i].info.peer_ll != ll)
                        return NTK_NB_DROP_INV2_MAC_LL;
        /* B8 (2b): one link-local, one MAC — two arcs to one link-local would need the same host route
         * twice; and a neighbour using one of our link-locals would steal our traffic. */
        for (size_t i = 0; i < nb->n_nics; i++)
                if (nb->nics[i].ll == ll)
                        return NTK_NB_DROP_INV2B_LL;
        for (size_t i = 0; i < nb->n_arcs; i++)
                if (nb->arcs[i].info.peer_ll == ll && !mac_eq(nb->arcs[i].info.peer_mac, mac))
                        return NTK_NB_DROP_INV2B_LL;
        for (size_t i = 0; i < nb->n_arcs; i++)
                if (mac_eq(nb->arcs[i].info.peer_mac, mac) && !streq(nb->arcs[i].info.dev, dev))
                        return NTK_NB_DROP_INV3_MAC_DEV;
        for (size_t i = 0; i < nb->n_arcs; i++)
                if (streq(nb->arcs[i].info.dev, dev) && nb->arcs[i].info.peer_id == id &&
                        !mac_eq(nb->arcs[i].info.peer_mac, mac))
                        return NTK_NB_DROP_INV4_DEV_ID;
        return _NTK_NB_DROP_MAX;
}

/* ---- arcs ---- */

static int arcs_make_room(NtkNb *nb)
{
        size_t want;
        Arc *v;

        if (nb->n_arcs < nb->cap_arcs)
                return 0;
        if (nb->n_arcs >= nb->cfg.max_arcs_total)
                return -ENOSPC;
        want = nb->cap_arcs ? nb->cap_arcs * 2 : 8;
        if (want > nb->cfg.max_arcs_total)
                want = nb->cfg.max_arcs_total;
        v = realloc(nb->arcs, want * sizeof(*v));
        if (!v)
                return -ENOMEM;
        nb->arcs = v;
        nb->cap_arcs = want;
        return 0;
}

/* Creates the arc (room must have been made) and its host route: §2.5 step 2 / step 3. */
static Arc *arc_create(NtkNb *nb, const Nic *nic, NtkNodeId id, const uint8_t mac[6], uint32_t ll,
        uint64_t now_ms, NtkNbActions *out)
{
        Arc *arc;

        assert(nb->n_arcs < nb->cap_arcs);
        arc = &nb->arcs[nb->n_arcs++];
        *arc = (Arc){ .last_us = -1, .heard_ms = now_ms };
        arc->info.arc_id = nb->next_arc_id++;
        arc->info.my_ll = nic->ll;
        arc->info.peer_id = id;
        arc->info.peer_ll = ll;
        memcpy(arc->info.dev, nic->dev, sizeof(arc->info.dev));
        memcpy(arc->info.my_mac, nic->mac, 6);
        memcpy(arc->info.peer_mac, mac, 6);
        push_arc(out, NTK_NB_ADD_HOST_ROUTE, arc);
        return arc;
}

static void arc_probe(NtkNb *nb, Arc *arc, uint64_t now_ms, NtkNbActions *out)
{
        uint64_t span = nb->cfg.monitor_max_ms - nb->cfg.monitor_min_ms;

        /* A ping that has not answered within a whole period is not doubled; the nop goes anyway. */
        if (!arc->rtt_pending) {
                push_arc(out, NTK_NB_MEASURE_RTT, arc);
                arc->rtt_pending = true;
        }
        push_arc(out, NTK_NB_SEND_NOP, arc);
        arc->next_probe_ms = now_ms + nb->cfg.monitor_min_ms + ntk_rng_below(&nb->rng, span);
}

/* Both ends agreed: export and start the monitor (§2.6), whose first probe is immediate. */
static void arc_export(NtkNb *nb, Arc *arc, uint64_t now_ms, NtkNbActions *out)
{
        assert(!arc->info.exported);
        arc->info.exported = true;
        nb->n_exported++;
        arc_probe(nb, arc, now_ms, out);
}

static void arc_call_can_you_export(NtkNb *nb, Arc *arc, NtkNbActions *out)
{
        NtkNbAction *a;

        arc->offered = nb->n_exported < nb->cfg.max_arcs;
        arc->export_pending = true;
        a = push_arc(out, NTK_NB_CALL_CAN_YOU_EXPORT, arc);
        a->i_can_export = arc->offered;
}

/* remove_my_arc (§2.7), in the order there: REMOVING, route, tables, broadcast, REMOVED. */
static void arc_remove(NtkNb *nb, Arc *arc, bool is_still_usable, NtkNbActions *out)
{
        size_t idx = (size_t) (arc - nb->arcs);
        Arc copy = *arc;
        bool announced = copy.info.exported && copy.info.has_cost;
        NtkNbAction *a;
        const Nic *nic;

        assert(idx < nb->n_arcs);
        if (announced) {
                a = push_arc(out, NTK_NB_ARC_REMOVING, &copy);
                a->is_still_usable = is_still_usable;
        }
        push_arc(out, NTK_NB_DEL_HOST_ROUTE, &copy);
        memmove(&nb->arcs[idx], &nb->arcs[idx + 1], (nb->n_arcs - idx - 1) * sizeof(Arc));
        nb->n_arcs--;
        if (copy.info.exported)
                nb->n_exported--;
        if (is_still_usable) {
                nic = nic_find(nb, copy.info.dev);
                assert(nic);
                push_broadcast(out, nic, NTK_NB_MSG_REMOVE_ARC, nb->my_id, &copy.info);
        }
        if (announced)
                push_arc(out, NTK_NB_ARC_REMOVED, &copy);
}

/* ---- life cycle ---- */

int ntk_nb_new(NtkNodeId my_id, uint64_t seed, const NtkNbConfig *cfg, NtkNb **ret)
{
        _cleanup_(ntk_nb_freep) NtkNb *nb = NULL;
        NtkNbConfig c;

        if (cfg)
                c = *cfg;
        else
                ntk_nb_config_default(&c);
        if (my_id == 0 || c.max_nics == 0 || c.max_nics > HARD_MAX_NICS || c.max_arcs == 0 ||
                c.max_arcs_total == 0 || c.max_arcs_total > HARD_MAX_ARCS || c.radar_interval_ms == 0 ||
                c.monitor_max_ms <= c.monitor_min_ms || c.monitor_min_ms == 0 || c.unexported_ttl_ms == 0)
                return -EINVAL;

        nb = calloc(1, sizeof(*nb));
        if (!nb)
                return -ENOMEM;
        nb->nics = calloc(c.max_nics, sizeof(Nic));
        if (!nb->nics)
                return -ENOMEM;
        nb->my_id = my_id;
        nb->cfg = c;
        nb->next_arc_id = 1;
        ntk_rng_init(&nb->rng, seed);
        *ret = TAKE_PTR(nb);
        return 0;
}

NtkNb *ntk_nb_free(NtkNb *nb)
{
        if (!nb)
                return NULL;
        free(nb->nics);
        free(nb->arcs);
        free(nb);
        return NULL;
}

NtkNodeId ntk_nb_my_id(const NtkNb *nb)
{
        return nb->my_id;
}

const NtkNbStats *ntk_nb_stats(const NtkNb *nb)
{
        return &nb->stats;
}

int ntk_nb_set_max_arcs(NtkNb *nb, unsigned max_arcs)
{
        if (max_arcs == 0)
                return -EINVAL;
        nb->cfg.max_arcs = max_arcs;
        return 0;
}

/* ---- NICs (§2.4) ---- */

int ntk_nb_nic_start(NtkNb *nb, const char *dev, const uint8_t mac[static 6], uint32_t ll, uint64_t now_ms,
        NtkNbActions *out)
{
        Nic *nic;
        int r;

        if (!dev_is_valid(dev) || !mac_is_valid(mac))
                return -EINVAL;
        for (size_t i = 0; i < nb->n_nics; i++) {
                bool same_dev = streq(nb->nics[i].dev, dev), same_mac = mac_eq(nb->nics[i].mac, mac);

                if (same_dev && same_mac)
                        return 0; /* duplicate request */
                if (same_dev || same_mac)
                        return -EEXIST; /* the original asserts here */
        }
        /* B8: our link-local must obey the rule and be free. */
        if (!ntk_linklocal_is_valid(ll))
                return -EINVAL;
        for (size_t i = 0; i < nb->n_nics; i++)
                if (nb->nics[i].ll == ll)
                        return -EADDRINUSE;
        for (size_t i = 0; i < nb->n_arcs; i++)
                if (nb->arcs[i].info.peer_ll == ll)
                        return -EADDRINUSE;
        if (nb->n_nics >= nb->cfg.max_nics)
                return -E2BIG;
        r = actions_reserve(out, worst_case(nb));
        if (r < 0)
                return r;

        nic = &nb->nics[nb->n_nics++];
        *nic = (Nic){.ll = ll, .next_radar_ms = now_ms + nb->cfg.radar_interval_ms};
        memcpy(nic->dev, dev, strlen(dev) + 1);
        memcpy(nic->mac, mac, 6);

        push_nic(out, NTK_NB_ADD_ADDRESS, nic);
        /* NIC_ADDRESS_SET before the first radar: the daemon records the NIC's link-local there (§2.4 step
         * 4). */
        push_nic(out, NTK_NB_NIC_ADDRESS_SET, nic);
        push_broadcast(out, nic, NTK_NB_MSG_HERE_I_AM, nb->my_id, NULL);
        return 0;
}

int ntk_nb_nic_stop(NtkNb *nb, const char *dev, uint64_t now_ms, NtkNbActions *out)
{
        Nic *nic;
        size_t i;
        int r;

        if (!dev)
                return -EINVAL;
        nic = nic_find(nb, dev);
        if (!nic)
                return -ENOENT;
        r = actions_reserve(out, worst_case(nb));
        if (r < 0)
                return r;

        nic->disabling = true;
        for (i = 0; i < nb->n_arcs;)
                if (streq(nb->arcs[i].info.dev, dev))
                        arc_remove(nb, &nb->arcs[i], true, out);
                else
                        i++;
        push_nic(out, NTK_NB_DEL_ADDRESS, nic);
        push_nic(out, NTK_NB_NIC_ADDRESS_UNSET, nic);
        i = (size_t) (nic - nb->nics);
        memmove(&nb->nics[i], &nb->nics[i + 1], (nb->n_nics - i - 1) * sizeof(Nic));
        nb->n_nics--;
        return 0;
}

/* ---- discovery (§2.5) ---- */

static NtkNbDrop recv_here_i_am(NtkNb *nb, Nic *nic, const NtkNbMsg *m, uint64_t now_ms, NtkNbActions *out)
{
        NtkNbDrop why;
        Arc *arc;

        arc = arc_by_dev_mac(nb, nic->dev, m->my_mac);
        if (arc && arc->info.peer_id == m->my_id && arc->info.peer_ll == m->my_ll) {
                arc->heard_ms = now_ms;
                /* B2: the original drops here, so a pair whose can_you_export failed never retried. Ask
                 * again (at most once per radar period of the peer, one call at a time). */
                if (arc->info.exported || arc->export_pending)
                        return NTK_NB_DROP_DUPLICATE;
                arc_call_can_you_export(nb, arc, out);
                return _NTK_NB_DROP_MAX;
        }
        why = check_invariants(nb, nic->dev, m->my_id, m->my_mac, m->my_ll);
        if (why != _NTK_NB_DROP_MAX)
                return why;
        if (arcs_make_room(nb) < 0)
                return NTK_NB_DROP_TABLE_FULL;

        /* The route to the peer goes in before we answer, so its can_you_export can reach us. */
        arc = arc_create(nb, nic, m->my_id, m->my_mac, m->my_ll, now_ms, out);
        push_broadcast(out, nic, NTK_NB_MSG_REQUEST_ARC, nb->my_id, &arc->info);
        return _NTK_NB_DROP_MAX;
}

static NtkNbDrop recv_request_arc(NtkNb *nb, Nic *nic, const NtkNbMsg *m, uint64_t now_ms, NtkNbActions *out)
{
        NtkNbDrop why;
        Arc *arc;

        if (m->your_id != nb->my_id || !mac_eq(m->your_mac, nic->mac) || m->your_ll != nic->ll)
                return NTK_NB_DROP_NOT_FOR_ME;

        arc = arc_by_dev_mac(nb, nic->dev, m->my_mac);
        if (arc && arc->info.peer_id == m->my_id && arc->info.peer_ll == m->my_ll) {
                arc->heard_ms = now_ms;
                if (arc->info.exported || arc->export_pending)
                        return NTK_NB_DROP_DUPLICATE;
                /* The symmetric case: we created this arc on the peer's here_i_am; reuse it. */
        } else {
                why = check_invariants(nb, nic->dev, m->my_id, m->my_mac, m->my_ll);
                if (why != _NTK_NB_DROP_MAX)
                        return why;
                if (arcs_make_room(nb) < 0)
                        return NTK_NB_DROP_TABLE_FULL;
                arc = arc_create(nb, nic, m->my_id, m->my_mac, m->my_ll, now_ms, out);
        }
        arc_call_can_you_export(nb, arc, out);
        return _NTK_NB_DROP_MAX;
}

static NtkNbDrop recv_remove_arc(NtkNb *nb, Nic *nic, const NtkNbMsg *m, NtkNbActions *out)
{
        Arc *arc;

        if (m->your_id != nb->my_id || !mac_eq(m->your_mac, nic->mac) || m->your_ll != nic->ll)
                return NTK_NB_DROP_NOT_FOR_ME;
        arc = arc_by_dev_mac(nb, nic->dev, m->my_mac);
        if (!arc)
                return NTK_NB_DROP_UNKNOWN_ARC;
        /* Invariants 1–2: the MAC must still be the same node with the same link-local. */
        if (arc->info.peer_id != m->my_id)
                return NTK_NB_DROP_INV1_MAC_ID;
        if (arc->info.peer_ll != m->my_ll)
                return NTK_NB_DROP_INV2_MAC_LL;
        arc_remove(nb, arc, false, out);
        return _NTK_NB_DROP_MAX;
}

int ntk_nb_recv_broadcast(
        NtkNb *nb, const char *dev, const NtkNbMsg *msg, uint64_t now_ms, NtkNbActions *out)
{
        NtkNbDrop why;
        Nic *nic;
        int r;

        if (!dev || !msg)
                return -EINVAL;
        nic = nic_find(nb, dev);
        if (!nic) {
                drop(nb, NTK_NB_DROP_UNMANAGED_DEV);
                return 0;
        }
        if (nic->disabling) {
                drop(nb, NTK_NB_DROP_DISABLING);
                return 0;
        }
        if ((unsigned) msg->type >= _NTK_NB_MSG_TYPE_MAX || msg->my_id == 0 || !mac_is_valid(msg->my_mac) ||
                !ntk_linklocal_is_valid(msg->my_ll)) {
                drop(nb, NTK_NB_DROP_MALFORMED);
                return 0;
        }
        if (msg->my_id == nb->my_id) {
                drop(nb, NTK_NB_DROP_SELF);
                return 0;
        }
        r = actions_reserve(out, worst_case(nb));
        if (r < 0)
                return r;

        switch (msg->type) {
        case NTK_NB_MSG_HERE_I_AM:
                why = recv_here_i_am(nb, nic, msg, now_ms, out);
                break;
        case NTK_NB_MSG_REQUEST_ARC:
                why = recv_request_arc(nb, nic, msg, now_ms, out);
                break;
        case NTK_NB_MSG_REMOVE_ARC:
                why = recv_remove_arc(nb, nic, msg, out);
                break;
        default:
                why = NTK_NB_DROP_MALFORMED;
                break;
        }
        if (why != _NTK_NB_DROP_MAX)
                drop(nb, why);
        return 0;
}

int ntk_nb_recv_can_you_export(NtkNb *nb, const char *dev, uint32_t peer_ll, bool peer_can, uint64_t now_ms,
        bool *ret_reply, NtkNbActions *out)
{
        bool can_i;
        Arc *arc = NULL;
        int r;

        if (!dev || !ret_reply)
                return -EINVAL;
        /* B1: every arc counts, exported or not — this call is what exports it. */
        for (size_t i = 0; i < nb->n_arcs && !arc; i++)
                if (streq(nb->arcs[i].info.dev, dev) && nb->arcs[i].info.peer_ll == peer_ll)
                        arc = &nb->arcs[i];
        if (!arc) {
                drop(nb, NTK_NB_DROP_UNKNOWN_ARC);
                return -ENOENT; /* B17: the daemon answers false rather than leaving the caller hanging */
        }
        r = actions_reserve(out, worst_case(nb));
        if (r < 0)
                return r;

        arc->heard_ms = now_ms;
        if (arc->info.exported) {
                *ret_reply = true;
                return 0;
        }
        can_i = nb->n_exported < nb->cfg.max_arcs;
        if (can_i && peer_can)
                arc_export(nb, arc, now_ms, out);
        *ret_reply = can_i;
        return 0;
}

int ntk_nb_can_you_export_result(NtkNb *nb, uint64_t arc_id, int result, uint64_t now_ms, NtkNbActions *out)
{
        Arc *arc = arc_by_id(nb, arc_id);
        int r;

        if (!arc || !arc->export_pending) {
                drop(nb, NTK_NB_DROP_UNKNOWN_ARC);
                return -ENOENT;
        }
        r = actions_reserve(out, worst_case(nb));
        if (r < 0)
                return r;

        arc->export_pending = false;
        if (result >= 0)
                arc->heard_ms = now_ms;
        /* B16: in the symmetric race the peer's can_you_export may have exported the arc while our call was
         * in flight: do not export (and start a monitor) twice. */
        if (arc->info.exported)
                return 0;
        /* result < 0: B2 — the arc stays unexported; the next here_i_am of the peer retries. */
        if (result > 0 && arc->offered)
                arc_export(nb, arc, now_ms, out);
        return 0;
}

/* ---- monitoring and cost (§2.6) ---- */

bool ntk_nb_cost_update(int64_t *last, int64_t *cost, int64_t rtt_us)
{
        int64_t delta;

        if (*last < 0) {
                *last = rtt_us;
                *cost = rtt_us;
                return true;
        }
        delta = rtt_us - *last;
        if (delta > 0)
                delta /= 10; /* C division truncates toward zero, like Vala's */
        else if (delta < 0)
                delta /= 3;
        *last += delta;
        /* The original compares with cost * 0.5 in floating point; for integers last < cost/2 exactly when
         * 2·last < cost (odd costs included). */
        if (2 * *last < *cost || *last > 2 * *cost) {
                *cost = *last;
                return true;
        }
        return false;
}

int ntk_nb_rtt_measured(NtkNb *nb, uint64_t arc_id, int64_t rtt_us, uint64_t now_ms, NtkNbActions *out)
{
        Arc *arc = arc_by_id(nb, arc_id);
        bool first;
        int r;

        if (!arc || !arc->info.exported) {
                drop(nb, NTK_NB_DROP_UNKNOWN_ARC);
                return -ENOENT;
        }
        r = actions_reserve(out, worst_case(nb));
        if (r < 0)
                return r;

        arc->rtt_pending = false;
        if (rtt_us < 0) {
                /* Keep the arc and its cost; an arc never measured is never added. */
                drop(nb, NTK_NB_DROP_RTT_FAILED);
                return 0;
        }
        if (rtt_us > RTT_MAX_US)
                rtt_us = RTT_MAX_US;
        first = arc->last_us < 0;
        if (ntk_nb_cost_update(&arc->last_us, &arc->info.cost_us, rtt_us)) {
                arc->info.has_cost = true;
                push_arc(out, first ? NTK_NB_ARC_ADDED : NTK_NB_ARC_CHANGED, arc);
        }
        return 0;
}

int ntk_nb_keepalive_failed(NtkNb *nb, uint64_t arc_id, uint64_t now_ms, NtkNbActions *out)
{
        return ntk_nb_remove_arc(nb, arc_id, false, now_ms, out);
}

int ntk_nb_remove_arc(NtkNb *nb, uint64_t arc_id, bool is_still_usable, uint64_t now_ms, NtkNbActions *out)
{
        Arc *arc = arc_by_id(nb, arc_id);
        int r;

        if (!arc) {
                drop(nb, NTK_NB_DROP_UNKNOWN_ARC);
                return -ENOENT; /* §2.7 step 1: idempotent */
        }
        r = actions_reserve(out, worst_case(nb));
        if (r < 0)
                return r;
        arc_remove(nb, arc, is_still_usable, out);
        return 0;
}

int ntk_nb_tick(NtkNb *nb, uint64_t now_ms, NtkNbActions *out)
{
        int r;

        r = actions_reserve(out, worst_case(nb));
        if (r < 0)
                return r;

        for (size_t i = 0; i < nb->n_nics; i++) {
                Nic *nic = &nb->nics[i];

                if (now_ms < nic->next_radar_ms)
                        continue;
                push_broadcast(out, nic, NTK_NB_MSG_HERE_I_AM, nb->my_id, NULL);
                /* Late ticks do not cause bursts: the period restarts from now. */
                nic->next_radar_ms = now_ms + nb->cfg.radar_interval_ms;
        }
        for (size_t i = 0; i < nb->n_arcs;) {
                Arc *arc = &nb->arcs[i];

                if (arc->info.exported) {
                        if (now_ms >= arc->next_probe_ms)
                                arc_probe(nb, arc, now_ms, out);
                } else if (now_ms >= arc->heard_ms + nb->cfg.unexported_ttl_ms) {
                        /* B2: a peer that never completed the handshake leaves no arc nor route behind. */
                        drop(nb, NTK_NB_DROP_EXPIRED);
                        arc_remove(nb, arc, false, out);
                        continue;
                }
                i++;
        }
        return 0;
}

uint64_t ntk_nb_next_deadline(const NtkNb *nb)
{
        uint64_t d = UINT64_MAX, t;

        for (size_t i = 0; i < nb->n_nics; i++)
                if (nb->nics[i].next_radar_ms < d)
                        d = nb->nics[i].next_radar_ms;
        for (size_t i = 0; i < nb->n_arcs; i++) {
                const Arc *arc = &nb->arcs[i];

                t = arc->info.exported ? arc->next_probe_ms : arc->heard_ms + nb->cfg.unexported_ttl_ms;
                if (t < d)
                        d = t;
        }
        return d;
}

/* ---- queries ---- */

size_t ntk_nb_list_arcs(const NtkNb *nb, bool measured_only, NtkNbArcInfo *buf, size_t n)
{
        size_t total = 0;

        for (size_t i = 0; i < nb->n_arcs; i++) {
                const NtkNbArcInfo *a = &nb->arcs[i].info;

                if (measured_only && !(a->exported && a->has_cost))
                        continue;
                if (buf && total < n)
                        buf[total] = *a;
                total++;
        }
        return total;
}

int ntk_nb_get_arc(const NtkNb *nb, uint64_t arc_id, NtkNbArcInfo *ret)
{
        const Arc *arc = arc_by_id(nb, arc_id);

        if (!arc)
                return -ENOENT;
        *ret = arc->info;
        return 0;
}

int ntk_nb_find_arc(const NtkNb *nb, const char *dev, uint32_t peer_ll, NtkNbArcInfo *ret)
{
        for (size_t i = 0; i < nb->n_arcs; i++)
                if ((!dev || streq(nb->arcs[i].info.dev, dev)) && nb->arcs[i].info.peer_ll == peer_ll) {
                        *ret = nb->arcs[i].info;
                        return 0;
                }
        return -ENOENT;
}

size_t ntk_nb_list_nics(const NtkNb *nb, NtkNbNicInfo *buf, size_t n)
{
        for (size_t i = 0; i < nb->n_nics && buf && i < n; i++) {
                memcpy(buf[i].dev, nb->nics[i].dev, sizeof(buf[i].dev));
                memcpy(buf[i].mac, nb->nics[i].mac, 6);
                buf[i].ll = nb->nics[i].ll;
                buf[i].disabling = nb->nics[i].disabling;
        }
        return nb->n_nics;
}

size_t ntk_nb_used_linklocals(const NtkNb *nb, uint32_t *buf, size_t n)
{
        size_t total = 0;

        for (size_t i = 0; i < nb->n_nics; i++, total++)
                if (buf && total < n)
                        buf[total] = nb->nics[i].ll;
        for (size_t i = 0; i < nb->n_arcs; i++, total++)
                if (buf && total < n)
                        buf[total] = nb->arcs[i].info.peer_ll;
        return total;
}
