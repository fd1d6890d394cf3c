/* identity.c — the Identities model (identities.md §3): state, duplication, identity-arcs, removal.
 * Must not: do I/O, read clocks or OS randomness; kernel work and calls to neighbours leave as NtkIdmOut. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "identity.h"
#include "ipv4.h"

typedef struct Nic {
        bool used;
        char dev[NTK_IFNAME_MAX];
        uint8_t mac[6];
        bool mac_known;
        uint32_t ll;
} Nic;

typedef struct Identity {
        bool used;
        NtkIdentityId id;
        char netns[NTK_NAME_MAX];
        Nic nic[NTK_IDM_MAX_DEVS]; /* indexed like NtkIdm.devs */
} Identity;

typedef struct Arc {
        bool used;
        bool broken; /* a MATCH call over it failed: removed when its last awaited answer is in */
        uint32_t id;
        unsigned dev;
        uint8_t peer_mac[6];
        uint32_t peer_ll;
} Arc;

/* A pending record is the copy w1 reserved by phase 2 and not yet announced: invisible to lookups and
 * queries. */
typedef struct IdArc {
        NtkIdmIdentityArc r;
        bool pending;
} IdArc;

typedef struct MigDev {
        bool used;
        char pseudo[NTK_IFNAME_MAX];
        uint8_t mac[6];
        bool mac_known;
        uint32_t ll;
} MigDev;

typedef struct Migration {
        bool used;
        uint64_t migration_id;
        NtkIdentityId old_id, new_id;
        uint64_t expiry_ms;
        bool added;  /* phase 1 done in the model */
        bool ready;  /* and every pseudo-NIC MAC known */
        bool phase2; /* phase 2 started */
        bool concerted;
        char netns[NTK_NAME_MAX];
        MigDev devs[NTK_IDM_MAX_DEVS];
        /* what phase 1 replaced, for abort */
        bool was_main;
        char saved_netns[NTK_NAME_MAX];
        Nic saved_nic[NTK_IDM_MAX_DEVS];
} Migration;

/* A MATCH request awaited for w0 = (old_id, arc, peer_id). */
typedef struct Pending {
        bool used;
        uint64_t migration_id;
        NtkIdentityId old_id;
        uint32_t arc;
        NtkIdentityId peer_id;
} Pending;

struct NtkIdm {
        unsigned n_devs; /* slots in use or freed; a freed slot has an empty name */
        char devs[NTK_IDM_MAX_DEVS][NTK_IFNAME_MAX];
        Identity ids[NTK_IDM_MAX_IDENTITIES];
        NtkIdentityId main_id;
        unsigned next_ns;
        Arc arcs[NTK_IDM_MAX_ARCS];
        uint32_t next_arc;
        size_t n_idarcs;
        IdArc idarcs[NTK_IDM_MAX_IDENTITY_ARCS];
        Migration migs[NTK_IDM_MAX_MIGRATIONS];
        Pending pending[NTK_IDM_MAX_IDENTITY_ARCS];
};

/* ---- small values ---- */

/* 169.254.0.0/16 without 169.254.0.x and 169.254.255.x (RFC 3927 reserves them). */
static bool ll_valid(uint32_t ll)
{
        unsigned third = (ll >> 8) & 0xff;

        return (ll >> 16) == 0xa9fe && third != 0 && third != 255;
}

/* Unicast and not all zeros. */
static bool mac_valid(const uint8_t mac[6])
{
        static const uint8_t zero[6];

        return mac && !(mac[0] & 1) && memcmp(mac, zero, 6) != 0;
}

static bool ifname_ok(const char *s)
{
        size_t n;

        if (!s)
                return false;
        n = strnlen(s, NTK_IFNAME_MAX);
        if (n == 0 || n >= NTK_IFNAME_MAX || streq(s, ".") || streq(s, ".."))
                return false;
        for (size_t i = 0; i < n; i++)
                if (s[i] <= ' ' || s[i] >= 0x7f || s[i] == '/' || s[i] == ':')
                        return false;
        return true;
}

static void copy_str(char *dst, size_t size, const char *src)
{
        size_t n = strnlen(src, size - 1);

        memcpy(dst, src, n);
        dst[n] = '\0';
}

/* ---- out ---- */

NtkIdmOut *ntk_idm_out_new(void)
{
        return calloc(1, sizeof(NtkIdmOut));
}

NtkIdmOut *ntk_idm_out_free(NtkIdmOut *o)
{
        free(o);
        return NULL;
}

void ntk_idm_out_reset(NtkIdmOut *o)
{
        if (!o)
                return;
        o->n_steps = o->n_requests = o->n_events = 0;
        o->phase2_done = o->overflow = false;
}

static const char *const event_table[_NTK_IDM_EV_MAX] = {
        [NTK_IDM_EV_IDENTITY_ARC_ADDED] = "identity-arc-added",
        [NTK_IDM_EV_IDENTITY_ARC_CHANGED] = "identity-arc-changed",
        [NTK_IDM_EV_IDENTITY_ARC_REMOVING] = "identity-arc-removing",
        [NTK_IDM_EV_IDENTITY_ARC_REMOVED] = "identity-arc-removed",
        [NTK_IDM_EV_ARC_REMOVED] = "arc-removed",
        [NTK_IDM_EV_IDENTITY_ADDED] = "identity-added",
        [NTK_IDM_EV_IDENTITY_REMOVED] = "identity-removed",
};

static const char *const call_table[_NTK_IDM_CALL_MAX] = {
        [NTK_IDM_CALL_APPLY] = "apply",
        [NTK_IDM_CALL_CREATE_NAMESPACE] = "create-namespace",
        [NTK_IDM_CALL_CREATE_PSEUDO] = "create-pseudo-interface",
        [NTK_IDM_CALL_DELETE_NAMESPACE] = "delete-namespace",
};

const char *ntk_idm_event_kind_to_string(NtkIdmEventKind k)
{
        return (unsigned) k < _NTK_IDM_EV_MAX ? event_table[k] : NULL;
}

const char *ntk_idm_call_to_string(NtkIdmCall c)
{
        return (unsigned) c < _NTK_IDM_CALL_MAX ? call_table[c] : NULL;
}

static void out_step(NtkIdmOut *o, NtkIdmCall call, const char *netns, const NtkOp *op)
{
        NtkIdmStep *s;

        if (o->n_steps >= NTK_IDM_OUT_STEPS_MAX) {
                o->overflow = true;
                return;
        }
        s = &o->steps[o->n_steps++];
        memset(s, 0, sizeof(*s));
        s->call = call;
        copy_str(s->netns, sizeof(s->netns), netns);
        s->op = *op;
}

static NtkIdmRequest *out_request(NtkIdmOut *o, NtkIdmRequestKind kind, uint32_t arc)
{
        NtkIdmRequest *q;

        if (o->n_requests >= NTK_IDM_OUT_REQUESTS_MAX) {
                o->overflow = true;
                return NULL;
        }
        q = &o->requests[o->n_requests++];
        memset(q, 0, sizeof(*q));
        q->kind = kind;
        q->arc = arc;
        return q;
}

static NtkIdmEvent *out_event(
        NtkIdmOut *o, NtkIdmEventKind kind, uint32_t arc, NtkIdentityId id, NtkIdentityId peer_id)
{
        NtkIdmEvent *e;

        if (o->n_events >= NTK_IDM_OUT_EVENTS_MAX) {
                o->overflow = true;
                return NULL;
        }
        e = &o->events[o->n_events++];
        memset(e, 0, sizeof(*e));
        e->kind = kind;
        e->arc = arc;
        e->id = id;
        e->peer_id = peer_id;
        return e;
}

static void out_idarc_event(NtkIdmOut *o, NtkIdmEventKind kind, const NtkIdmIdentityArc *r,
        bool only_neighbour_migrated, const NtkIdmIdentityArc *prev)
{
        NtkIdmEvent *e = out_event(o, kind, r->arc, r->id, r->peer_id);

        if (!e)
                return;
        e->id_arc = *r;
        e->only_neighbour_migrated = only_neighbour_migrated;
        if (prev) {
                e->has_prev = true;
                e->prev_id = prev->id;
                e->prev_peer_id = prev->peer_id;
        }
}

/* ---- kernel operations (identities.md §3.10, with the sysctls of a namespace applied inside it) ---- */

static NtkOp op_netns(NtkOpKind kind, const char *name)
{
        NtkOp op = { .kind = kind };

        copy_str(op.netns.name, sizeof(op.netns.name), name);
        return op;
}

static NtkOp op_sysctl(const char *key, const char *value)
{
        NtkOp op = { .kind = NTK_OP_SYSCTL };

        copy_str(op.sysctl.key, sizeof(op.sysctl.key), key);
        copy_str(op.sysctl.value, sizeof(op.sysctl.value), value);
        return op;
}

static NtkOp op_link(NtkOpKind kind, const char *ifname)
{
        NtkOp op = { .kind = kind };

        copy_str(op.link.ifname, sizeof(op.link.ifname), ifname);
        return op;
}

static NtkOp op_host_route(NtkOpKind kind, uint32_t dst, const char *dev, uint32_t src)
{
        NtkOp op = { .kind = kind };

        op.route.type = NTK_ROUTE_UNICAST;
        op.route.dst = (NtkCidr){ .addr = dst, .prefix = 32 };
        copy_str(op.route.table, sizeof(op.route.table), "main");
        copy_str(op.route.dev, sizeof(op.route.dev), dev);
        op.route.has_src = true;
        op.route.src = src;
        return op;
}

/* sysctl net.ipv4.conf.<dev>.<name>=value, or net.ipv4.<name>=value when dev is NULL; always run inside
 * netns. */
static void plan_sysctl(
        NtkIdmOut *o, const char *netns, const char *dev, const char *name, const char *value)
{
        char key[NTK_SYSCTL_KEY_MAX];
        NtkOp op;

        if (dev)
                snprintf(key, sizeof(key), "net.ipv4.conf.%s.%s", dev, name);
        else
                snprintf(key, sizeof(key), "net.ipv4.%s", name);
        op = op_sysctl(key, value);
        out_step(o, NTK_IDM_CALL_APPLY, netns, &op);
}

/* ---- lookups ---- */

static Identity *find_identity(NtkIdm *m, NtkIdentityId id)
{
        if (id == 0)
                return NULL;
        for (size_t i = 0; i < NTK_IDM_MAX_IDENTITIES; i++)
                if (m->ids[i].used && m->ids[i].id == id)
                        return &m->ids[i];
        return NULL;
}

static Arc *find_arc(NtkIdm *m, uint32_t arc)
{
        if (arc == 0)
                return NULL;
        for (size_t i = 0; i < NTK_IDM_MAX_ARCS; i++)
                if (m->arcs[i].used && m->arcs[i].id == arc)
                        return &m->arcs[i];
        return NULL;
}

static int find_dev(const NtkIdm *m, const char *dev)
{
        for (unsigned d = 0; d < m->n_devs; d++)
                if (m->devs[d][0] != '\0' && streq(m->devs[d], dev))
                        return (int) d;
        return -1;
}

static unsigned free_dev_slot(const NtkIdm *m)
{
        for (unsigned d = 0; d < m->n_devs; d++)
                if (m->devs[d][0] == '\0')
                        return d;
        return m->n_devs;
}

/* Index of the announced identity-arc (id, arc, peer), or -1. */
static ptrdiff_t find_idarc(const NtkIdm *m, NtkIdentityId id, uint32_t arc, NtkIdentityId peer)
{
        for (size_t i = 0; i < m->n_idarcs; i++) {
                const IdArc *a = &m->idarcs[i];
                if (!a->pending && a->r.id == id && a->r.arc == arc && a->r.peer_id == peer)
                        return (ptrdiff_t) i;
        }
        return -1;
}

static ptrdiff_t find_pending_idarc(const NtkIdm *m, NtkIdentityId id, uint32_t arc, NtkIdentityId peer)
{
        for (size_t i = 0; i < m->n_idarcs; i++) {
                const IdArc *a = &m->idarcs[i];
                if (a->pending && a->r.id == id && a->r.arc == arc && a->r.peer_id == peer)
                        return (ptrdiff_t) i;
        }
        return -1;
}

static Migration *find_migration(NtkIdm *m, uint64_t migration_id, NtkIdentityId old_id)
{
        for (size_t i = 0; i < NTK_IDM_MAX_MIGRATIONS; i++)
                if (m->migs[i].used && m->migs[i].migration_id == migration_id &&
                        m->migs[i].old_id == old_id)
                        return &m->migs[i];
        return NULL;
}

static bool linklocal_in_use(const NtkIdm *m, uint32_t ll)
{
        for (size_t i = 0; i < NTK_IDM_MAX_IDENTITIES; i++) {
                if (!m->ids[i].used)
                        continue;
                for (unsigned d = 0; d < m->n_devs; d++)
                        if (m->ids[i].nic[d].used && m->ids[i].nic[d].ll == ll)
                                return true;
        }
        return false;
}

/* §3.5: the identity-arc is the main one iff the local identity is the main one and the peer uses the peer
 * system's real NIC; its host route belongs to Neighborhood. */
static bool is_main_idarc(const NtkIdm *m, const Arc *a, NtkIdentityId id, uint32_t peer_ll)
{
        return id == m->main_id && peer_ll == a->peer_ll;
}

/* ---- identity-arcs ---- */

/* Host route of a non-main identity-arc, in the identity's namespace on its (pseudo-)NIC over the arc. */
static void plan_host_route(
        NtkIdm *m, NtkIdmOut *o, NtkOpKind kind, const Arc *a, NtkIdentityId id, uint32_t peer_ll)
{
        Identity *ident = find_identity(m, id);
        NtkOp op;

        if (!ident || !ident->nic[a->dev].used || is_main_idarc(m, a, id, peer_ll))
                return;
        op = op_host_route(kind, peer_ll, ident->nic[a->dev].dev, ident->nic[a->dev].ll);
        out_step(o, NTK_IDM_CALL_APPLY, ident->netns, &op);
}

static void idarc_delete_at(NtkIdm *m, size_t i)
{
        memmove(&m->idarcs[i], &m->idarcs[i + 1], (m->n_idarcs - i - 1) * sizeof(IdArc));
        m->n_idarcs--;
}

static NtkIdmIdentityArc *idarc_append(NtkIdm *m, NtkIdentityId id, uint32_t arc, NtkIdentityId peer,
        const uint8_t mac[6], uint32_t ll, bool pending)
{
        IdArc *a;

        if (m->n_idarcs >= NTK_IDM_MAX_IDENTITY_ARCS)
                return NULL;
        a = &m->idarcs[m->n_idarcs++];
        memset(a, 0, sizeof(*a));
        a->pending = pending;
        a->r.id = id;
        a->r.arc = arc;
        a->r.peer_id = peer;
        memcpy(a->r.peer_mac, mac, 6);
        a->r.peer_linklocal = ll;
        return &a->r;
}

/* remove_identity_arc of §3.5 on an existing record. */
static void idarc_remove(NtkIdm *m, size_t i, bool do_tell, NtkIdmOut *o)
{
        NtkIdmIdentityArc r = m->idarcs[i].r;
        Arc *a = find_arc(m, r.arc);
        NtkIdmRequest *q;

        if (a)
                plan_host_route(m, o, NTK_OP_ROUTE_DEL, a, r.id, r.peer_linklocal);
        idarc_delete_at(m, i);
        if (do_tell && (q = out_request(o, NTK_IDM_REQ_NOTIFY_IDENTITY_ARC_REMOVED, r.arc))) {
                q->timeout_ms = NTK_IDM_NOTIFY_TIMEOUT_MS;
                q->my_id = r.id;
                q->peer_id = r.peer_id;
        }
        out_idarc_event(o, NTK_IDM_EV_IDENTITY_ARC_REMOVED, &r, false, NULL);
}

static int idarc_add(NtkIdm *m, Arc *a, NtkIdentityId id, NtkIdentityId peer, const uint8_t mac[6],
        uint32_t ll, NtkIdmOut *o)
{
        NtkIdmIdentityArc *r = idarc_append(m, id, a->id, peer, mac, ll, false);

        if (!r)
                return -ENOSPC;
        plan_host_route(m, o, NTK_OP_ROUTE_ADD, a, id, ll);
        out_idarc_event(o, NTK_IDM_EV_IDENTITY_ARC_ADDED, r, false, NULL);
        return 0;
}

static void migration_check_concerted(NtkIdm *m, Migration *g, NtkIdmOut *o)
{
        if (!g->phase2 || g->concerted)
                return;
        for (size_t i = 0; i < NTK_IDM_MAX_IDENTITY_ARCS; i++)
                if (m->pending[i].used && m->pending[i].migration_id == g->migration_id &&
                        m->pending[i].old_id == g->old_id)
                        return;
        g->concerted = true;
        o->phase2_done = true;
}

static void arc_forget(NtkIdm *m, Arc *a, bool emit_removed, NtkIdmOut *o)
{
        uint32_t arc = a->id;

        /* Identity-arcs, identity by identity, each announced before it goes (§3.4). */
        for (size_t k = 0; k < NTK_IDM_MAX_IDENTITIES; k++) {
                if (!m->ids[k].used)
                        continue;
                for (;;) {
                        ptrdiff_t i = -1;
                        for (size_t j = 0; j < m->n_idarcs; j++)
                                if (!m->idarcs[j].pending && m->idarcs[j].r.id == m->ids[k].id &&
                                        m->idarcs[j].r.arc == arc) {
                                        i = (ptrdiff_t) j;
                                        break;
                                }
                        if (i < 0)
                                break;
                        out_idarc_event(o, NTK_IDM_EV_IDENTITY_ARC_REMOVING, &m->idarcs[i].r, false, NULL);
                        idarc_remove(m, (size_t) i, false, o);
                }
        }
        /* Copies not announced yet and answers still awaited over it. */
        for (size_t j = m->n_idarcs; j-- > 0;)
                if (m->idarcs[j].r.arc == arc)
                        idarc_delete_at(m, j);
        for (size_t j = 0; j < NTK_IDM_MAX_IDENTITY_ARCS; j++)
                if (m->pending[j].used && m->pending[j].arc == arc)
                        m->pending[j].used = false;
        a->used = false;
        if (emit_removed)
                out_event(o, NTK_IDM_EV_ARC_REMOVED, arc, 0, 0);
        for (size_t g = 0; g < NTK_IDM_MAX_MIGRATIONS; g++)
                if (m->migs[g].used)
                        migration_check_concerted(m, &m->migs[g], o);
}

/* ---- lifetime ---- */

static NtkIdentityId new_identity_id(NtkIdm *m, NtkRng *rng)
{
        NtkIdentityId id;

        do
                id = ntk_rng_next(rng);
        while (id == 0 || find_identity(m, id));
        return id;
}

static int check_nic(const NtkIdm *m, const char *dev, const uint8_t mac[6], uint32_t ll, NtkErr *err)
{
        char a[NTK_IPV4_STRLEN];

        if (!ifname_ok(dev))
                return ntk_err(err, -EINVAL, "'%s' is not an interface name", dev ? dev : "(null)");
        if (find_dev(m, dev) >= 0)
                return ntk_err(err, -EEXIST, "NIC %s is already handled", dev);
        if (!mac_valid(mac))
                return ntk_err(err, -EINVAL, "MAC of %s is not a unicast address", dev);
        if (!ll_valid(ll))
                return ntk_err(err, -EINVAL, "link-local %s of %s is not in 169.254.1.0-169.254.254.255",
                        ntk_ipv4_format(ll, a), dev);
        if (linklocal_in_use(m, ll))
                return ntk_err(err, -EEXIST, "link-local %s is already in use", ntk_ipv4_format(ll, a));
        if (free_dev_slot(m) >= NTK_IDM_MAX_DEVS)
                return ntk_err(err, -ENOSPC, "more than %d NICs", NTK_IDM_MAX_DEVS);
        return 0;
}

static void nic_add(NtkIdm *m, const char *dev, const uint8_t mac[6], uint32_t ll)
{
        unsigned d = free_dev_slot(m);
        Identity *main_ident = find_identity(m, m->main_id);
        Nic *n = &main_ident->nic[d];

        if (d == m->n_devs)
                m->n_devs++;
        copy_str(m->devs[d], sizeof(m->devs[d]), dev);
        memset(n, 0, sizeof(*n));
        n->used = true;
        copy_str(n->dev, sizeof(n->dev), dev);
        memcpy(n->mac, mac, 6);
        n->mac_known = true;
        n->ll = ll;
}

int ntk_idm_new(const char *const *devs, const uint8_t (*macs)[6], const uint32_t *linklocals, size_t n,
        NtkRng *rng, NtkIdm **ret, NtkErr *err)
{
        _cleanup_(ntk_idm_freep) NtkIdm *m = NULL;
        int r;

        if (!ret || !rng || (n > 0 && (!devs || !macs || !linklocals)))
                return ntk_err(err, -EINVAL, "missing argument");
        if (n > NTK_IDM_MAX_DEVS)
                return ntk_err(err, -ENOSPC, "%zu NICs, at most %d", n, NTK_IDM_MAX_DEVS);
        m = calloc(1, sizeof(*m));
        if (!m)
                return ntk_err(err, -ENOMEM, "out of memory");
        m->ids[0].used = true;
        m->ids[0].id = m->main_id = new_identity_id(m, rng);
        for (size_t i = 0; i < n; i++) {
                r = check_nic(m, devs[i], macs[i], linklocals[i], err);
                if (r < 0)
                        return r;
                nic_add(m, devs[i], macs[i], linklocals[i]);
        }
        *ret = TAKE_PTR(m);
        return 0;
}

NtkIdm *ntk_idm_free(NtkIdm *m)
{
        free(m);
        return NULL;
}

int ntk_idm_add_handled_nic(
        NtkIdm *m, const char *dev, const uint8_t mac[6], uint32_t linklocal, NtkErr *err)
{
        int r = check_nic(m, dev, mac, linklocal, err);

        if (r < 0)
                return r;
        nic_add(m, dev, mac, linklocal);
        return 0;
}

/* ---- arcs ---- */

int ntk_idm_add_arc(NtkIdm *m, const char *dev, const uint8_t peer_mac[6], uint32_t peer_linklocal,
        uint32_t *ret_arc, NtkIdmOut *out, NtkErr *err)
{
        char a[NTK_IPV4_STRLEN];
        NtkIdmRequest *q;
        Arc *slot = NULL;
        int d;

        ntk_idm_out_reset(out);
        d = dev ? find_dev(m, dev) : -1;
        if (d < 0)
                return ntk_err(err, -ENOENT, "NIC %s is not handled", dev ? dev : "(null)");
        if (!mac_valid(peer_mac))
                return ntk_err(err, -EINVAL, "peer MAC is not a unicast address");
        if (!ll_valid(peer_linklocal))
                return ntk_err(err, -EINVAL, "peer link-local %s is not usable",
                        ntk_ipv4_format(peer_linklocal, a));
        for (size_t i = 0; i < NTK_IDM_MAX_ARCS; i++) {
                Arc *x = &m->arcs[i];
                if (!x->used) {
                        if (!slot)
                                slot = x;
                } else if (x->dev == (unsigned) d && memcmp(x->peer_mac, peer_mac, 6) == 0)
                        return ntk_err(err, -EEXIST, "an arc on %s to that peer MAC exists", dev);
        }
        if (!slot)
                return ntk_err(err, -ENOSPC, "more than %d arcs", NTK_IDM_MAX_ARCS);
        memset(slot, 0, sizeof(*slot));
        slot->used = true;
        do
                slot->id = ++m->next_arc;
        while (slot->id == 0 || find_arc(m, slot->id) != slot);
        slot->dev = (unsigned) d;
        memcpy(slot->peer_mac, peer_mac, 6);
        slot->peer_ll = peer_linklocal;
        q = out_request(out, NTK_IDM_REQ_GET_PEER_MAIN_ID, slot->id);
        if (q)
                q->timeout_ms = NTK_IDM_MATCH_TIMEOUT_MS;
        if (ret_arc)
                *ret_arc = slot->id;
        return 0;
}

int ntk_idm_peer_main_id_reply(
        NtkIdm *m, uint32_t arc, NtkIdentityId peer_main_id, NtkIdmOut *out, NtkErr *err)
{
        Arc *a;

        ntk_idm_out_reset(out);
        if (peer_main_id == 0)
                return ntk_err(err, -EINVAL, "peer main id 0");
        a = find_arc(m, arc);
        if (!a || find_idarc(m, m->main_id, arc, peer_main_id) >= 0)
                return NTK_IDM_IGNORED;
        return idarc_add(m, a, m->main_id, peer_main_id, a->peer_mac, a->peer_ll, out);
}

int ntk_idm_peer_main_id_failed(NtkIdm *m, uint32_t arc, NtkIdmOut *out)
{
        Arc *a;

        ntk_idm_out_reset(out);
        a = find_arc(m, arc);
        if (!a)
                return NTK_IDM_IGNORED;
        arc_forget(m, a, true, out);
        return 0;
}

int ntk_idm_remove_arc(NtkIdm *m, uint32_t arc, NtkIdmOut *out)
{
        Arc *a;

        ntk_idm_out_reset(out);
        a = find_arc(m, arc);
        if (!a)
                return NTK_IDM_IGNORED;
        arc_forget(m, a, false, out);
        return 0;
}

int ntk_idm_add_identity_arc(NtkIdm *m, uint32_t arc, NtkIdentityId id, NtkIdentityId peer_id,
        const uint8_t peer_mac[6], uint32_t peer_linklocal, NtkIdmOut *out, NtkErr *err)
{
        Identity *ident;
        Arc *a;

        ntk_idm_out_reset(out);
        a = find_arc(m, arc);
        ident = find_identity(m, id);
        if (!a || !ident)
                return ntk_err(err, -ENOENT, "no arc %u or no identity %016llx", (unsigned) arc,
                        (unsigned long long) id);
        if (peer_id == 0 || !mac_valid(peer_mac) || !ll_valid(peer_linklocal))
                return ntk_err(err, -EINVAL, "invalid peer id, MAC or link-local");
        if (!ident->nic[a->dev].used)
                return ntk_err(err, -ENODEV, "identity %016llx has no NIC on %s", (unsigned long long) id,
                        m->devs[a->dev]);
        if (find_idarc(m, id, arc, peer_id) >= 0)
                return ntk_err(err, -EEXIST, "identity-arc exists");
        if (idarc_add(m, a, id, peer_id, peer_mac, peer_linklocal, out) < 0)
                return ntk_err(err, -ENOSPC, "more than %d identity-arcs", NTK_IDM_MAX_IDENTITY_ARCS);
        return 0;
}

int ntk_idm_remove_identity_arc(
        NtkIdm *m, uint32_t arc, NtkIdentityId id, NtkIdentityId peer_id, bool do_tell, NtkIdmOut *out)
{
        ptrdiff_t i;

        ntk_idm_out_reset(out);
        i = find_idarc(m, id, arc, peer_id);
        if (i < 0)
                return NTK_IDM_IGNORED;
        idarc_remove(m, (size_t) i, do_tell, out);
        return 0;
}

int ntk_idm_notify_identity_arc_removed(
        NtkIdm *m, uint32_t arc, NtkIdentityId caller_id, NtkIdentityId my_id, NtkIdmOut *out)
{
        ptrdiff_t i;

        ntk_idm_out_reset(out);
        if (caller_id == 0 || my_id == 0)
                return -EINVAL;
        i = find_idarc(m, my_id, arc, caller_id);
        if (i < 0)
                return NTK_IDM_IGNORED;
        out_idarc_event(out, NTK_IDM_EV_IDENTITY_ARC_REMOVING, &m->idarcs[i].r, false, NULL);
        idarc_remove(m, (size_t) i, false, out);
        return 0;
}

int ntk_idm_identity_arc_clear_prev(NtkIdm *m, uint32_t arc, NtkIdentityId id, NtkIdentityId peer_id)
{
        ptrdiff_t i = find_idarc(m, id, arc, peer_id);

        if (i < 0)
                return NTK_IDM_IGNORED;
        m->idarcs[i].r.has_prev = false;
        memset(m->idarcs[i].r.prev_peer_mac, 0, 6);
        m->idarcs[i].r.prev_peer_linklocal = 0;
        return 0;
}

/* ---- duplication, local side ---- */

int ntk_idm_prepare_add_identity(
        NtkIdm *m, uint64_t migration_id, NtkIdentityId old_id, uint64_t now_ms, NtkErr *err)
{
        Migration *g = NULL;

        if (!find_identity(m, old_id))
                return ntk_err(err, -ENOENT, "no identity %016llx", (unsigned long long) old_id);
        if (find_migration(m, migration_id, old_id))
                return ntk_err(err, -EEXIST, "migration %llu of %016llx is already prepared",
                        (unsigned long long) migration_id, (unsigned long long) old_id);
        for (size_t i = 0; i < NTK_IDM_MAX_MIGRATIONS && !g; i++)
                if (!m->migs[i].used)
                        g = &m->migs[i];
        if (!g)
                return ntk_err(err, -ENOSPC, "more than %d pending migrations", NTK_IDM_MAX_MIGRATIONS);
        memset(g, 0, sizeof(*g));
        g->used = true;
        g->migration_id = migration_id;
        g->old_id = old_id;
        g->expiry_ms = now_ms > UINT64_MAX - NTK_IDM_MIGRATION_TTL_MS ? UINT64_MAX
                                                                      : now_ms + NTK_IDM_MIGRATION_TTL_MS;
        return 0;
}

int ntk_idm_add_identity(NtkIdm *m, uint64_t migration_id, NtkIdentityId old_id, NtkRng *rng,
        NtkIdmLinklocalChooser choose, void *userdata, NtkIdentityId *ret_new_id, NtkIdmOut *out,
        NtkErr *err)
{
        char pseudo[NTK_IDM_MAX_DEVS][NTK_IFNAME_MAX], netns[NTK_NAME_MAX], a[NTK_IPV4_STRLEN];
        uint32_t ll[NTK_IDM_MAX_DEVS] = {};
        uint8_t mac[NTK_IDM_MAX_DEVS][6];
        Identity *old, *new = NULL;
        Migration *g;
        NtkIdentityId new_id;
        NtkOp op;
        int r;

        ntk_idm_out_reset(out);
        if (!rng || !choose)
                return ntk_err(err, -EINVAL, "missing PRNG or link-local chooser");
        g = find_migration(m, migration_id, old_id);
        old = find_identity(m, old_id);
        if (!g || !old)
                return ntk_err(err, -ENOENT, "migration %llu of %016llx is not prepared",
                        (unsigned long long) migration_id, (unsigned long long) old_id);
        if (g->added)
                return ntk_err(err, -EALREADY, "migration %llu of %016llx is already added",
                        (unsigned long long) migration_id, (unsigned long long) old_id);
        for (size_t i = 0; i < NTK_IDM_MAX_IDENTITIES && !new; i++)
                if (!m->ids[i].used)
                        new = &m->ids[i];
        if (!new)
                return ntk_err(err, -ENOSPC, "more than %d identities", NTK_IDM_MAX_IDENTITIES);

        /* Everything that can fail is checked before anything changes (§10 B7: the name must fit IFNAMSIZ).
         */
        snprintf(netns, sizeof(netns), NTK_IDM_NETNS_PREFIX "%u", m->next_ns);
        for (unsigned d = 0; d < m->n_devs; d++) {
                size_t n;

                if (!old->nic[d].used)
                        continue;
                n = (size_t) snprintf(pseudo[d], sizeof(pseudo[d]), "%s_%s", netns, m->devs[d]);
                if (n >= sizeof(pseudo[d]))
                        return ntk_err(err, -ENAMETOOLONG,
                                "pseudo-NIC name %s_%s has %zu characters, at most %d", netns, m->devs[d], n,
                                NTK_IFNAME_MAX - 1);
        }
        for (unsigned d = 0; d < m->n_devs; d++) {
                if (!old->nic[d].used)
                        continue;
                r = choose(userdata, m->devs[d], &ll[d]);
                if (r < 0)
                        return ntk_err(err, r, "no link-local chosen for %s", pseudo[d]);
                if (!ll_valid(ll[d]))
                        return ntk_err(err, -EINVAL, "link-local %s for %s is not usable",
                                ntk_ipv4_format(ll[d], a), pseudo[d]);
                if (linklocal_in_use(m, ll[d]))
                        return ntk_err(err, -EINVAL, "link-local %s for %s is in use",
                                ntk_ipv4_format(ll[d], a), pseudo[d]);
                for (unsigned e = 0; e < d; e++)
                        if (old->nic[e].used && ll[e] == ll[d])
                                return ntk_err(err, -EINVAL, "link-local %s chosen twice",
                                        ntk_ipv4_format(ll[d], a));
        }

        /* The new identity takes the old namespace and NICs; the old one moves to ntkv<N> (§3.6 step 3). */
        new_id = new_identity_id(m, rng);
        g->was_main = old_id == m->main_id;
        copy_str(g->saved_netns, sizeof(g->saved_netns), old->netns);
        memcpy(g->saved_nic, old->nic, sizeof(g->saved_nic));
        memset(new, 0, sizeof(*new));
        new->used = true;
        new->id = new_id;
        copy_str(new->netns, sizeof(new->netns), old->netns);
        memcpy(new->nic, old->nic, sizeof(new->nic));
        copy_str(old->netns, sizeof(old->netns), netns);
        if (g->was_main)
                m->main_id = new_id;
        g->added = true;
        g->new_id = new_id;
        copy_str(g->netns, sizeof(g->netns), netns);
        m->next_ns++;

        op = op_netns(NTK_OP_NETNS_ADD, netns);
        out_step(out, NTK_IDM_CALL_CREATE_NAMESPACE, "", &op);
        plan_sysctl(out, netns, NULL, "ip_forward", "1");
        plan_sysctl(out, netns, "all", "rp_filter", "0");

        for (unsigned d = 0; d < m->n_devs; d++) {
                MigDev *md = &g->devs[d];
                Nic *n = &old->nic[d];

                if (!n->used)
                        continue;
                mac[d][0] = 0x4e;
                for (unsigned k = 1; k < 6; k++)
                        mac[d][k] = (uint8_t) ntk_rng_next(rng);
                memset(n, 0, sizeof(*n));
                n->used = true;
                copy_str(n->dev, sizeof(n->dev), pseudo[d]);
                n->ll = ll[d];
                memset(md, 0, sizeof(*md));
                md->used = true;
                copy_str(md->pseudo, sizeof(md->pseudo), pseudo[d]);
                md->ll = ll[d];

                op = op_link(NTK_OP_LINK_ADD_MACVLAN, pseudo[d]);
                copy_str(op.link.parent, sizeof(op.link.parent), m->devs[d]);
                out_step(out, NTK_IDM_CALL_CREATE_PSEUDO, "", &op);
                op = op_link(NTK_OP_LINK_SET_MAC, pseudo[d]);
                memcpy(op.link.mac, mac[d], 6);
                out_step(out, NTK_IDM_CALL_CREATE_PSEUDO, "", &op);
                op = op_link(NTK_OP_LINK_SET_NETNS, pseudo[d]);
                copy_str(op.link.target, sizeof(op.link.target), netns);
                out_step(out, NTK_IDM_CALL_CREATE_PSEUDO, "", &op);
                plan_sysctl(out, netns, pseudo[d], "rp_filter", "0");
                plan_sysctl(out, netns, pseudo[d], "arp_ignore", "1");
                plan_sysctl(out, netns, pseudo[d], "arp_announce", "2");
                op = op_link(NTK_OP_LINK_SET_UP, pseudo[d]);
                out_step(out, NTK_IDM_CALL_APPLY, netns, &op);
                op = (NtkOp){ .kind = NTK_OP_ADDR_ADD };
                op.addr.addr = (NtkCidr){ .addr = ll[d], .prefix = 32 };
                copy_str(op.addr.dev, sizeof(op.addr.dev), pseudo[d]);
                out_step(out, NTK_IDM_CALL_APPLY, netns, &op);
        }
        /* Ready (match_duplication may answer) once the helper reported every MAC; with no NIC at once. */
        g->ready = true;
        for (unsigned d = 0; d < m->n_devs; d++)
                if (g->devs[d].used)
                        g->ready = false;
        out_event(out, NTK_IDM_EV_IDENTITY_ADDED, 0, new_id, 0);
        if (ret_new_id)
                *ret_new_id = new_id;
        return 0;
}

int ntk_idm_set_pseudo_mac(NtkIdm *m, const char *pseudo_dev, const uint8_t mac[6], NtkErr *err)
{
        if (!pseudo_dev)
                return ntk_err(err, -EINVAL, "missing pseudo-NIC name");
        if (!mac_valid(mac))
                return ntk_err(err, -EINVAL, "MAC of %s is not a unicast address", pseudo_dev);
        for (size_t i = 0; i < NTK_IDM_MAX_MIGRATIONS; i++) {
                Migration *g = &m->migs[i];
                Identity *old;

                if (!g->used || !g->added)
                        continue;
                for (unsigned d = 0; d < m->n_devs; d++) {
                        if (!g->devs[d].used || !streq(g->devs[d].pseudo, pseudo_dev))
                                continue;
                        if (g->ready)
                                return ntk_err(err, -EALREADY, "MAC of %s is already known", pseudo_dev);
                        memcpy(g->devs[d].mac, mac, 6);
                        g->devs[d].mac_known = true;
                        old = find_identity(m, g->old_id);
                        if (old && old->nic[d].used && streq(old->nic[d].dev, pseudo_dev)) {
                                memcpy(old->nic[d].mac, mac, 6);
                                old->nic[d].mac_known = true;
                        }
                        g->ready = true;
                        for (unsigned e = 0; e < m->n_devs; e++)
                                if (g->devs[e].used && !g->devs[e].mac_known)
                                        g->ready = false;
                        return 0;
                }
        }
        return NTK_IDM_IGNORED;
}

static void identity_forget(NtkIdm *m, Identity *ident)
{
        for (size_t j = m->n_idarcs; j-- > 0;)
                if (m->idarcs[j].r.id == ident->id)
                        idarc_delete_at(m, j);
        ident->used = false;
}

int ntk_idm_add_identity_abort(NtkIdm *m, uint64_t migration_id, NtkIdentityId old_id, NtkIdmOut *out)
{
        Migration *g;
        Identity *old, *new;
        NtkOp op;

        ntk_idm_out_reset(out);
        g = find_migration(m, migration_id, old_id);
        if (!g || !g->added)
                return NTK_IDM_IGNORED;
        if (g->phase2)
                return -EBUSY;
        old = find_identity(m, old_id);
        new = find_identity(m, g->new_id);
        if (!old || !new)
                return -ESTALE;
        /* Best effort: the daemon ignores "no such device/namespace" here (phase 1 stopped somewhere). A
         * pseudo-NIC still in the default namespace is found by the helper's ledger, not by this plan. */
        for (unsigned d = 0; d < m->n_devs; d++) {
                if (!g->devs[d].used)
                        continue;
                op = op_link(NTK_OP_LINK_DEL, g->devs[d].pseudo);
                out_step(out, NTK_IDM_CALL_APPLY, g->netns, &op);
        }
        op = op_netns(NTK_OP_NETNS_DEL, g->netns);
        out_step(out, NTK_IDM_CALL_DELETE_NAMESPACE, "", &op);

        copy_str(old->netns, sizeof(old->netns), g->saved_netns);
        memcpy(old->nic, g->saved_nic, sizeof(old->nic));
        if (g->was_main)
                m->main_id = old_id;
        identity_forget(m, new);
        out_event(out, NTK_IDM_EV_IDENTITY_REMOVED, 0, g->new_id, 0);
        g->added = g->ready = false;
        g->new_id = 0;
        memset(g->devs, 0, sizeof(g->devs));
        g->netns[0] = '\0';
        return 0;
}

/* Announces the copy w1 of w0 (§3.6 loop body, after the answer). */
static void settle(NtkIdm *m, Migration *g, Arc *a, size_t w0i, ptrdiff_t w1i,
        const NtkIdmDuplicationData *dup, NtkIdmOut *o)
{
        NtkIdmIdentityArc *w0 = &m->idarcs[w0i].r, *w1;
        const MigDev *md = &g->devs[a->dev];
        NtkOp op;

        if (w1i < 0)
                return;
        w1 = &m->idarcs[w1i].r;
        if (dup) {
                w0->has_prev = true;
                memcpy(w0->prev_peer_mac, w0->peer_mac, 6);
                w0->prev_peer_linklocal = w0->peer_linklocal;
                memcpy(w0->peer_mac, dup->peer_old_id_new_mac, 6);
                w0->peer_linklocal = dup->peer_old_id_new_linklocal;
                w1->peer_id = dup->peer_new_id;
        }
        m->idarcs[w1i].pending = false;
        out_idarc_event(o, NTK_IDM_EV_IDENTITY_ARC_ADDED, w1, false, w0);
        if (md->used) {
                op = op_host_route(NTK_OP_ROUTE_ADD, w0->peer_linklocal, md->pseudo, md->ll);
                out_step(o, NTK_IDM_CALL_APPLY, g->netns, &op);
        }
        if (dup)
                out_idarc_event(o, NTK_IDM_EV_IDENTITY_ARC_CHANGED, w0, false, NULL);
}

int ntk_idm_add_identity_phase2(NtkIdm *m, uint64_t migration_id, NtkIdentityId old_id, NtkIdmOut *out)
{
        size_t n0, count = 0, free_pending = 0;
        Migration *g;

        ntk_idm_out_reset(out);
        g = find_migration(m, migration_id, old_id);
        if (!g || !g->added)
                return -ENOENT;
        if (g->phase2)
                return -EALREADY;
        if (!g->ready)
                return -EBUSY;
        n0 = m->n_idarcs;
        for (size_t i = 0; i < n0; i++)
                if (!m->idarcs[i].pending && m->idarcs[i].r.id == old_id)
                        count++;
        for (size_t i = 0; i < NTK_IDM_MAX_IDENTITY_ARCS; i++)
                if (!m->pending[i].used)
                        free_pending++;
        if (n0 + count > NTK_IDM_MAX_IDENTITY_ARCS || count > free_pending)
                return -ENOSPC;
        g->phase2 = true;

        for (size_t k = 0; k < NTK_IDM_MAX_ARCS; k++) {
                Arc *a = &m->arcs[k];
                const MigDev *md;

                if (!a->used)
                        continue;
                md = &g->devs[a->dev];
                for (size_t i = 0; i < n0; i++) {
                        NtkIdmIdentityArc w0 = m->idarcs[i].r;
                        NtkIdmRequest *q;
                        Pending *p = NULL;

                        if (m->idarcs[i].pending || w0.id != old_id || w0.arc != a->id)
                                continue;
                        idarc_append(m, g->new_id, a->id, w0.peer_id, w0.peer_mac, w0.peer_linklocal, true);
                        if (!md->used) {
                                /* The old identity has no pseudo-NIC here: nothing to ask, no route. */
                                settle(m, g, a, i, (ptrdiff_t) m->n_idarcs - 1, NULL, out);
                                continue;
                        }
                        for (size_t j = 0; j < NTK_IDM_MAX_IDENTITY_ARCS && !p; j++)
                                if (!m->pending[j].used)
                                        p = &m->pending[j];
                        *p = (Pending){.used = true,
                                .migration_id = migration_id,
                                .old_id = old_id,
                                .arc = a->id,
                                .peer_id = w0.peer_id};
                        q = out_request(out, NTK_IDM_REQ_MATCH_DUPLICATION, a->id);
                        if (!q)
                                continue;
                        q->timeout_ms = NTK_IDM_MATCH_TIMEOUT_MS;
                        q->migration_id = migration_id;
                        q->peer_id = w0.peer_id;
                        q->old_id = old_id;
                        q->new_id = g->new_id;
                        memcpy(q->mac, md->mac, 6);
                        q->linklocal = md->ll;
                }
        }
        migration_check_concerted(m, g, out);
        return 0;
}

static Pending *find_pending(
        NtkIdm *m, uint64_t migration_id, uint32_t arc, NtkIdentityId peer_id, Migration **ret_g)
{
        for (size_t j = 0; j < NTK_IDM_MAX_IDENTITY_ARCS; j++) {
                Pending *p = &m->pending[j];
                Migration *g;

                if (!p->used || p->migration_id != migration_id || p->arc != arc || p->peer_id != peer_id)
                        continue;
                g = find_migration(m, migration_id, p->old_id);
                if (!g)
                        continue;
                *ret_g = g;
                return p;
        }
        return NULL;
}

static bool arc_has_pending(const NtkIdm *m, uint32_t arc)
{
        for (size_t j = 0; j < NTK_IDM_MAX_IDENTITY_ARCS; j++)
                if (m->pending[j].used && m->pending[j].arc == arc)
                        return true;
        return false;
}

static int answer(NtkIdm *m, uint64_t migration_id, uint32_t arc, NtkIdentityId peer_id,
        const NtkIdmDuplicationData *dup, bool failed, NtkIdmOut *out, NtkErr *err)
{
        Migration *g = NULL;
        Pending *p;
        ptrdiff_t w0i, w1i;
        Arc *a;

        ntk_idm_out_reset(out);
        p = find_pending(m, migration_id, arc, peer_id, &g);
        a = find_arc(m, arc);
        if (!p || !a)
                return NTK_IDM_IGNORED;
        if (dup &&
                (dup->peer_new_id == 0 || dup->peer_new_id == peer_id ||
                        !mac_valid(dup->peer_old_id_new_mac) || !ll_valid(dup->peer_old_id_new_linklocal)))
                return ntk_err(err, -EINVAL, "malformed duplication data (treat the call as failed)");
        if (dup && find_idarc(m, g->new_id, arc, dup->peer_new_id) >= 0)
                return ntk_err(
                        err, -EINVAL, "identity-arc to the peer's new identity exists (treat as failed)");

        p->used = false;
        if (failed)
                a->broken = true;
        w0i = find_idarc(m, g->old_id, arc, peer_id);
        w1i = find_pending_idarc(m, g->new_id, arc, peer_id);
        if (w0i < 0) {
                /* w0 went meanwhile (the neighbour dismissed it): its copy goes too. */
                if (w1i >= 0)
                        idarc_delete_at(m, (size_t) w1i);
        } else
                settle(m, g, a, (size_t) w0i, w1i, dup, out);
        if (a->broken && !arc_has_pending(m, arc))
                arc_forget(m, a, true, out);
        migration_check_concerted(m, g, out);
        return 0;
}

int ntk_idm_duplication_reply(NtkIdm *m, uint64_t migration_id, uint32_t arc, NtkIdentityId peer_id,
        const NtkIdmDuplicationData *dup, NtkIdmOut *out, NtkErr *err)
{
        return answer(m, migration_id, arc, peer_id, dup, false, out, err);
}

int ntk_idm_duplication_failed(
        NtkIdm *m, uint64_t migration_id, uint32_t arc, NtkIdentityId peer_id, NtkIdmOut *out)
{
        return answer(m, migration_id, arc, peer_id, NULL, true, out, NULL);
}

/* ---- duplication, neighbour side (§3.7) ---- */

int ntk_idm_match_duplication(NtkIdm *m, uint32_t arc, uint64_t migration_id, NtkIdentityId peer_id,
        NtkIdentityId old_id, NtkIdentityId new_id, const uint8_t old_id_new_mac[6],
        uint32_t old_id_new_linklocal, NtkIdmDuplicationData *ret_dup, NtkIdmOut *out, NtkErr *err)
{
        NtkIdmIdentityArc *w, *nr;
        Migration *g;
        Identity *bj;
        ptrdiff_t wi;
        Arc *a;

        ntk_idm_out_reset(out);
        a = find_arc(m, arc);
        if (!a)
                return ntk_err(err, -ENOENT, "unknown arc %u", (unsigned) arc);
        if (peer_id == 0 || old_id == 0 || new_id == 0 || old_id == new_id)
                return ntk_err(err, -EINVAL, "invalid identity ids");
        if (!mac_valid(old_id_new_mac) || !ll_valid(old_id_new_linklocal))
                return ntk_err(err, -EINVAL, "invalid MAC or link-local");

        g = find_migration(m, migration_id, peer_id);
        if (g) {
                const MigDev *md = &g->devs[a->dev];

                if (!g->ready)
                        return -EAGAIN;
                if (!md->used)
                        return NTK_IDM_MATCH_IGNORED;
                if (ret_dup) {
                        ret_dup->peer_new_id = g->new_id;
                        memcpy(ret_dup->peer_old_id_new_mac, md->mac, 6);
                        ret_dup->peer_old_id_new_linklocal = md->ll;
                }
                return NTK_IDM_MATCH_DATA;
        }

        /* neighbour_migrated: a_j moved to its pseudo-NIC, a_i took over its old NIC. */
        bj = find_identity(m, peer_id);
        wi = find_idarc(m, peer_id, arc, old_id);
        if (!bj || wi < 0 || find_idarc(m, peer_id, arc, new_id) >= 0)
                return NTK_IDM_MATCH_IGNORED;
        w = &m->idarcs[wi].r;
        nr = idarc_append(m, peer_id, arc, new_id, w->peer_mac, w->peer_linklocal, false);
        if (!nr)
                return ntk_err(err, -ENOSPC, "more than %d identity-arcs", NTK_IDM_MAX_IDENTITY_ARCS);
        w->has_prev = true;
        memcpy(w->prev_peer_mac, w->peer_mac, 6);
        w->prev_peer_linklocal = w->peer_linklocal;
        memcpy(w->peer_mac, old_id_new_mac, 6);
        w->peer_linklocal = old_id_new_linklocal;
        plan_host_route(m, out, NTK_OP_ROUTE_ADD, a, peer_id, w->peer_linklocal);
        out_idarc_event(out, NTK_IDM_EV_IDENTITY_ARC_CHANGED, w, true, NULL);
        out_idarc_event(out, NTK_IDM_EV_IDENTITY_ARC_ADDED, nr, false, NULL);
        return NTK_IDM_MATCH_NULL;
}

static void migration_drop(NtkIdm *m, Migration *g)
{
        for (size_t j = 0; j < NTK_IDM_MAX_IDENTITY_ARCS; j++) {
                Pending *p = &m->pending[j];
                ptrdiff_t w1i;

                if (!p->used || p->migration_id != g->migration_id || p->old_id != g->old_id)
                        continue;
                w1i = find_pending_idarc(m, g->new_id, p->arc, p->peer_id);
                if (w1i >= 0)
                        idarc_delete_at(m, (size_t) w1i);
                p->used = false;
        }
        g->used = false;
}

unsigned ntk_idm_expire(NtkIdm *m, uint64_t now_ms, uint64_t *ret_next)
{
        uint64_t next = UINT64_MAX;
        unsigned n = 0;

        for (size_t i = 0; i < NTK_IDM_MAX_MIGRATIONS; i++) {
                Migration *g = &m->migs[i];

                if (!g->used)
                        continue;
                if (g->expiry_ms <= now_ms) {
                        migration_drop(m, g);
                        n++;
                } else if (g->expiry_ms < next)
                        next = g->expiry_ms;
        }
        if (ret_next)
                *ret_next = next;
        return n;
}

/* ---- removal (§3.8) ---- */

static void identity_remove(NtkIdm *m, Identity *ident, NtkIdmOut *out)
{
        NtkIdentityId id = ident->id;
        NtkOp op;

        for (size_t k = 0; k < NTK_IDM_MAX_ARCS; k++) {
                if (!m->arcs[k].used)
                        continue;
                for (size_t i = 0; i < m->n_idarcs; i++) {
                        const IdArc *x = &m->idarcs[i];
                        NtkIdmRequest *q;

                        if (x->pending || x->r.id != id || x->r.arc != m->arcs[k].id)
                                continue;
                        q = out_request(out, NTK_IDM_REQ_NOTIFY_IDENTITY_ARC_REMOVED, x->r.arc);
                        if (!q)
                                continue;
                        q->timeout_ms = NTK_IDM_NOTIFY_TIMEOUT_MS;
                        q->stop_arc_on_failure = true;
                        q->my_id = id;
                        q->peer_id = x->r.peer_id;
                }
        }
        for (size_t i = 0; i < NTK_IDM_MAX_MIGRATIONS; i++)
                if (m->migs[i].used && (m->migs[i].old_id == id || m->migs[i].new_id == id))
                        migration_drop(m, &m->migs[i]);

        /* A non-main identity always lives in its own ntkv<N> with pseudo-NICs only (§3.6 step 3); delete
         * only those that exist (§10 B6). */
        op = (NtkOp){ .kind = NTK_OP_ROUTE_FLUSH };
        copy_str(op.route.table, sizeof(op.route.table), "main");
        out_step(out, NTK_IDM_CALL_APPLY, ident->netns, &op);
        for (unsigned d = 0; d < m->n_devs; d++) {
                if (!ident->nic[d].used || streq(ident->nic[d].dev, m->devs[d]))
                        continue;
                op = op_link(NTK_OP_LINK_DEL, ident->nic[d].dev);
                out_step(out, NTK_IDM_CALL_APPLY, ident->netns, &op);
        }
        op = op_netns(NTK_OP_NETNS_DEL, ident->netns);
        out_step(out, NTK_IDM_CALL_DELETE_NAMESPACE, "", &op);
        identity_forget(m, ident);
        out_event(out, NTK_IDM_EV_IDENTITY_REMOVED, 0, id, 0);
}

int ntk_idm_remove_identity(NtkIdm *m, NtkIdentityId id, NtkIdmOut *out)
{
        Identity *ident;

        ntk_idm_out_reset(out);
        if (id != 0 && id == m->main_id)
                return -EPERM;
        ident = find_identity(m, id);
        if (!ident)
                return NTK_IDM_IGNORED;
        identity_remove(m, ident, out);
        return 0;
}

int ntk_idm_remove_handled_nic(NtkIdm *m, const char *dev, NtkIdmOut *out)
{
        int d;

        ntk_idm_out_reset(out);
        d = dev ? find_dev(m, dev) : -1;
        if (d < 0)
                return NTK_IDM_IGNORED;
        for (size_t k = 0; k < NTK_IDM_MAX_ARCS; k++)
                if (m->arcs[k].used && m->arcs[k].dev == (unsigned) d)
                        return -EBUSY;
        for (size_t i = 0; i < NTK_IDM_MAX_IDENTITIES; i++) {
                Identity *ident = &m->ids[i];
                bool other = false;
                NtkOp op;

                if (!ident->used || ident->id == m->main_id || !ident->nic[d].used)
                        continue;
                for (unsigned e = 0; e < m->n_devs; e++)
                        if (e != (unsigned) d && ident->nic[e].used)
                                other = true;
                if (!other) {
                        /* Nothing left to live on: the identity goes (§3.4 spawns remove_identity). */
                        identity_remove(m, ident, out);
                        continue;
                }
                op = op_link(NTK_OP_LINK_DEL, ident->nic[d].dev);
                out_step(out, NTK_IDM_CALL_APPLY, ident->netns, &op);
                memset(&ident->nic[d], 0, sizeof(ident->nic[d]));
        }
        for (size_t g = 0; g < NTK_IDM_MAX_MIGRATIONS; g++) {
                Migration *mg = &m->migs[g];

                memset(&mg->devs[d], 0, sizeof(mg->devs[d]));
                memset(&mg->saved_nic[d], 0, sizeof(mg->saved_nic[d]));
                if (mg->used && mg->added && !mg->ready) {
                        mg->ready = true;
                        for (unsigned e = 0; e < m->n_devs; e++)
                                if (mg->devs[e].used && !mg->devs[e].mac_known)
                                        mg->ready = false;
                }
        }
        for (size_t i = 0; i < NTK_IDM_MAX_IDENTITIES; i++)
                memset(&m->ids[i].nic[d], 0, sizeof(m->ids[i].nic[d]));
        m->devs[d][0] = '\0';
        return 0;
}

/* ---- queries ---- */

NtkIdentityId ntk_idm_main_id(const NtkIdm *m)
{
        return m->main_id;
}

static void identity_info(const NtkIdm *m, const Identity *ident, NtkIdmIdentityInfo *ret)
{
        memset(ret, 0, sizeof(*ret));
        ret->id = ident->id;
        copy_str(ret->netns, sizeof(ret->netns), ident->netns);
        ret->is_main = ident->id == m->main_id;
        for (unsigned d = 0; d < m->n_devs; d++) {
                NtkIdmNicInfo *n;

                if (!ident->nic[d].used)
                        continue;
                n = &ret->nics[ret->n_nics++];
                copy_str(n->real_dev, sizeof(n->real_dev), m->devs[d]);
                copy_str(n->dev, sizeof(n->dev), ident->nic[d].dev);
                memcpy(n->mac, ident->nic[d].mac, 6);
                n->mac_known = ident->nic[d].mac_known;
                n->linklocal = ident->nic[d].ll;
        }
}

size_t ntk_idm_list_identities(const NtkIdm *m, NtkIdmIdentityInfo *ret, size_t max)
{
        size_t n = 0;

        for (size_t i = 0; i < NTK_IDM_MAX_IDENTITIES; i++) {
                if (!m->ids[i].used)
                        continue;
                if (ret && n < max)
                        identity_info(m, &m->ids[i], &ret[n]);
                n++;
        }
        return n;
}

int ntk_idm_get_identity(const NtkIdm *m, NtkIdentityId id, NtkIdmIdentityInfo *ret)
{
        for (size_t i = 0; i < NTK_IDM_MAX_IDENTITIES; i++)
                if (id != 0 && m->ids[i].used && m->ids[i].id == id) {
                        if (ret)
                                identity_info(m, &m->ids[i], ret);
                        return 0;
                }
        return -ENOENT;
}

size_t ntk_idm_list_arcs(const NtkIdm *m, NtkIdmArcInfo *ret, size_t max)
{
        size_t n = 0;

        for (size_t i = 0; i < NTK_IDM_MAX_ARCS; i++) {
                const Arc *a = &m->arcs[i];

                if (!a->used)
                        continue;
                if (ret && n < max) {
                        memset(&ret[n], 0, sizeof(ret[n]));
                        ret[n].arc = a->id;
                        copy_str(ret[n].dev, sizeof(ret[n].dev), m->devs[a->dev]);
                        memcpy(ret[n].peer_mac, a->peer_mac, 6);
                        ret[n].peer_linklocal = a->peer_ll;
                }
                n++;
        }
        return n;
}

size_t ntk_idm_list_identity_arcs(
        const NtkIdm *m, NtkIdentityId id, uint32_t arc, NtkIdmIdentityArc *ret, size_t max)
{
        size_t n = 0;

        for (size_t i = 0; i < m->n_idarcs; i++) {
                const IdArc *x = &m->idarcs[i];

                if (x->pending || (id != 0 && x->r.id != id) || (arc != 0 && x->r.arc != arc))
                        continue;
                if (ret && n < max)
                        ret[n] = x->r;
                n++;
        }
        return n;
}
