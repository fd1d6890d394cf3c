/* identity-driver.c — runs the identities model (identity.c): its kernel plans through the helper, its
 * requests to neighbours over RPC, their answers back in; serves the neighbours' identity RPCs.
 * Must not: decide identity logic itself; that is identity.c's. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper-proxy.h"
#include "ntkd.h"

#define MATCH_RETRY_USEC (50ULL * 1000ULL)
#define MAX_IDENTITY_ARCS_PER_ARC 8 /* a neighbour system with more identities than this on one arc is hostile */

static void process(Ntkd *d, NtkIdmOut *out);

static NtkIdmOut *out_new(void)
{
        return ntk_idm_out_new();
}

/* ---------------------------------------------------------------- the kernel plan */

static int run_steps(Ntkd *d, const NtkIdmOut *out, char **ret_msg)
{
        for (size_t i = 0; i < out->n_steps;) {
                const NtkIdmStep *s = &out->steps[i];
                int r;

                switch (s->call) {
                case NTK_IDM_CALL_CREATE_NAMESPACE:
                        r = helper_create_namespace(d->bus, s->op.netns.name, ret_msg);
                        i++;
                        break;
                case NTK_IDM_CALL_DELETE_NAMESPACE:
                        r = helper_delete_namespace(d->bus, s->op.netns.name, ret_msg);
                        i++;
                        break;
                case NTK_IDM_CALL_CREATE_PSEUDO: {
                        /* link add, set MAC, set netns: one CreatePseudoInterface */
                        const char *name = s->op.link.ifname, *parent = s->op.link.parent, *netns = "";
                        char mac[NTK_MAC_STRLEN] = "";
                        uint8_t actual[6];
                        size_t j = i + 1;

                        for (; j < out->n_steps && out->steps[j].call == NTK_IDM_CALL_CREATE_PSEUDO &&
                               out->steps[j].op.kind != NTK_OP_LINK_ADD_MACVLAN;
                             j++) {
                                if (out->steps[j].op.kind == NTK_OP_LINK_SET_MAC)
                                        ntk_mac_format(out->steps[j].op.link.mac, mac);
                                else if (out->steps[j].op.kind == NTK_OP_LINK_SET_NETNS)
                                        netns = out->steps[j].op.link.target;
                        }
                        r = helper_create_pseudo_interface(d->bus, parent, name, mac, netns, actual, ret_msg);
                        if (r >= 0)
                                r = ntk_idm_set_pseudo_mac(d->idm, name, actual, NULL) < 0 ? -EINVAL : 0;
                        i = j;
                        break;
                }
                default: { /* consecutive APPLY steps of one namespace: one Apply */
                        size_t j = i;
                        NtkOp *ops;

                        while (j < out->n_steps && out->steps[j].call == NTK_IDM_CALL_APPLY &&
                               streq(out->steps[j].netns, s->netns))
                                j++;
                        ops = malloc((j - i) * sizeof(NtkOp));
                        if (!ops)
                                return -ENOMEM;
                        for (size_t k = i; k < j; k++)
                                ops[k - i] = out->steps[k].op;
                        r = helper_apply_ops(d->bus, s->netns, ops, j - i, ret_msg);
                        free(ops);
                        i = j;
                }
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---------------------------------------------------------------- requests to neighbours */

typedef struct Req {
        Ntkd *d;
        NtkIdmRequest req;
        uint64_t deadline_us; /* MATCH: the end of the retry window */
        sd_event_source *retry;
} Req;

static bool arc_lls(Ntkd *d, uint32_t idm_arc, uint32_t *ret_my_ll, uint32_t *ret_peer_ll)
{
        for (size_t i = 0; i < d->n_arcs; i++) {
                NtkNbArcInfo a;
                if (d->arcs[i].idm_arc != idm_arc || ntk_nb_get_arc(d->nb, d->arcs[i].arc_id, &a) < 0)
                        continue;
                *ret_my_ll = a.my_ll;
                *ret_peer_ll = a.peer_ll;
                return true;
        }
        return false;
}

static int send_req(Ntkd *d, Req *q);

static void on_req_done(Ntkd *d, int r, const WireEnvelope *reply, void *userdata);

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        Req *q = userdata;

        q->retry = sd_event_source_disable_unref(q->retry);
        if (send_req(q->d, q) < 0)
                on_req_done(q->d, -EIO, NULL, q);
        return 0;
}

static void on_req_done(Ntkd *d, int r, const WireEnvelope *reply, void *userdata)
{
        Req *q = userdata;
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *out = out_new();

        if (!out) {
                free(q);
                return;
        }
        switch (q->req.kind) {
        case NTK_IDM_REQ_GET_PEER_MAIN_ID:
                if (r >= 0 && reply->body_case == NTKWIRE__ENVELOPE__BODY_GET_PEER_MAIN_ID_REPLY)
                        (void) ntk_idm_peer_main_id_reply(d->idm, q->req.arc, reply->get_peer_main_id_reply->identity_id,
                                out, NULL);
                else
                        (void) ntk_idm_peer_main_id_failed(d->idm, q->req.arc, out);
                break;
        case NTK_IDM_REQ_MATCH_DUPLICATION:
                if (r >= 0 && reply->body_case == NTKWIRE__ENVELOPE__BODY_MATCH_DUPLICATION_REPLY) {
                        const Ntkwire__DuplicationData *w = reply->match_duplication_reply->data;
                        NtkIdmDuplicationData dup;

                        if (w) {
                                dup.peer_new_id = w->peer_new_id;
                                memcpy(dup.peer_old_id_new_mac, w->peer_old_id_new_mac.data, 6);
                                dup.peer_old_id_new_linklocal = w->peer_old_id_new_linklocal;
                        }
                        (void) ntk_idm_duplication_reply(d->idm, q->req.migration_id, q->req.arc, q->req.peer_id,
                                w ? &dup : NULL, out, NULL);
                } else if (r == -EREMOTEIO && ntkd_now_ms() * 1000 + MATCH_RETRY_USEC < q->deadline_us &&
                           sd_event_add_time_relative(d->event, &q->retry, CLOCK_MONOTONIC, MATCH_RETRY_USEC, 0,
                                   on_retry, q) >= 0) {
                        /* the neighbour's own duplication is not ready yet: ask again in 50 ms */
                        return;
                } else
                        (void) ntk_idm_duplication_failed(d->idm, q->req.migration_id, q->req.arc, q->req.peer_id,
                                out);
                break;
        default: /* NOTIFY: errors ignored */
                break;
        }
        free(q);
        process(d, out);
}

static int send_req(Ntkd *d, Req *q)
{
        WireEnvelope env;
        Ntkwire__GetPeerMainId gpm = NTKWIRE__GET_PEER_MAIN_ID__INIT;
        Ntkwire__MatchDuplication md = NTKWIRE__MATCH_DUPLICATION__INIT;
        Ntkwire__NotifyIdentityArcRemoved nr = NTKWIRE__NOTIFY_IDENTITY_ARC_REMOVED__INIT;
        uint32_t my_ll, peer_ll;

        if (!arc_lls(d, q->req.arc, &my_ll, &peer_ll))
                return -ENOENT;
        ntkd_envelope_init(d, &env);
        switch (q->req.kind) {
        case NTK_IDM_REQ_GET_PEER_MAIN_ID:
                env.body_case = NTKWIRE__ENVELOPE__BODY_GET_PEER_MAIN_ID;
                env.get_peer_main_id = &gpm;
                break;
        case NTK_IDM_REQ_MATCH_DUPLICATION:
                md.has_migration_id = md.has_peer_id = md.has_old_id = md.has_new_id = true;
                md.has_old_id_new_mac = md.has_old_id_new_linklocal = true;
                md.migration_id = q->req.migration_id;
                md.peer_id = q->req.peer_id;
                md.old_id = q->req.old_id;
                md.new_id = q->req.new_id;
                md.old_id_new_mac = (ProtobufCBinaryData){ 6, q->req.mac };
                md.old_id_new_linklocal = q->req.linklocal;
                env.body_case = NTKWIRE__ENVELOPE__BODY_MATCH_DUPLICATION;
                env.match_duplication = &md;
                break;
        default:
                nr.has_my_identity = nr.has_your_identity = true;
                nr.my_identity = q->req.my_id;
                nr.your_identity = q->req.peer_id;
                env.body_case = NTKWIRE__ENVELOPE__BODY_NOTIFY_IDENTITY_ARC_REMOVED;
                env.notify_identity_arc_removed = &nr;
        }
        return rpc_call(d, my_ll, peer_ll, &env, on_req_done, q);
}

static void send_requests(Ntkd *d, const NtkIdmOut *out)
{
        for (size_t i = 0; i < out->n_requests; i++) {
                Req *q = calloc(1, sizeof *q);
                if (!q)
                        return;
                q->d = d;
                q->req = out->requests[i];
                q->deadline_us = ntkd_now_ms() * 1000 + NTK_IDM_MATCH_WINDOW_MS * 1000ULL;
                if (send_req(d, q) < 0) {
                        /* could not even start: that is this request's failure */
                        on_req_done(d, -EIO, NULL, q);
                }
        }
}

/* ---------------------------------------------------------------- events */

static void process(Ntkd *d, NtkIdmOut *out)
{
        _cleanup_free_ char *msg = NULL;
        int r;

        r = run_steps(d, out, &msg);
        if (r < 0)
                fprintf(stderr, "ntkd: identity plan failed: %s\n", msg ? msg : strerror(-r));
        for (size_t i = 0; i < out->n_events; i++) {
                const NtkIdmEvent *e = &out->events[i];

                if (e->kind == NTK_IDM_EV_IDENTITY_ARC_CHANGED) {
                        fprintf(stderr, "ntkd: identity arc %016llx-%u-%016llx changed%s\n",
                                (unsigned long long) e->id, e->arc, (unsigned long long) e->peer_id,
                                e->only_neighbour_migrated ? " (only the neighbour migrated)" : "");
                        bus_api_identity_arc_changed(d, &e->id_arc, e->only_neighbour_migrated);
                        (void) ntk_idm_identity_arc_clear_prev(d->idm, e->arc, e->id, e->peer_id);
                }
        }
        for (size_t i = 0; i < out->n_events; i++) {
                const NtkIdmEvent *e = &out->events[i];
                /* the model dropped the arc (a failed call): it is no longer accepted, AcceptArc may retry */
                if (e->kind == NTK_IDM_EV_ARC_REMOVED)
                        for (size_t k = 0; k < d->n_arcs; k++)
                                if (d->arcs[k].idm_arc == e->arc) {
                                        d->arcs[k].idm_arc = 0;
                                        d->arcs[k].accepted = false;
                                        bus_api_arc_changed(d, d->arcs[k].arc_id);
                                }
        }
        if (out->n_events > 0)
                bus_api_identities_changed(d);
        send_requests(d, out);
}

/* ---------------------------------------------------------------- entry points */

int identity_driver_start(Ntkd *d)
{
        const char *devs[NTKD_MAX_NICS];
        uint8_t macs[NTKD_MAX_NICS][6];
        uint32_t lls[NTKD_MAX_NICS];
        NtkErr e;
        int r;

        for (unsigned i = 0; i < d->n_nics; i++) {
                devs[i] = d->nics[i].dev;
                memcpy(macs[i], d->nics[i].mac, 6);
                lls[i] = d->nics[i].ll;
        }
        r = ntk_idm_new(devs, (const uint8_t (*)[6]) macs, lls, d->n_nics, &d->rng, &d->idm, &e);
        if (r < 0)
                fprintf(stderr, "ntkd: identities: %s\n", e.msg);
        return r;
}

int identity_driver_arc_accepted(Ntkd *d, ArcExtra *x)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *out = out_new();
        NtkNbArcInfo a;
        NtkErr e;
        int r;

        if (!out)
                return -ENOMEM;
        r = ntk_nb_get_arc(d->nb, x->arc_id, &a);
        if (r < 0)
                return r;
        r = ntk_idm_add_arc(d->idm, a.dev, a.peer_mac, a.peer_ll, &x->idm_arc, out, &e);
        if (r < 0)
                return r;
        process(d, out);
        return 0;
}

void identity_driver_arc_removing(Ntkd *d, ArcExtra *x)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *out = out_new();

        if (!out || x->idm_arc == 0)
                return;
        (void) ntk_idm_remove_arc(d->idm, x->idm_arc, out);
        x->idm_arc = 0;
        process(d, out);
}

/* Whether ll is one of ours (a NIC or pseudo-NIC of any identity) or a neighbour's real NIC. */
static bool linklocal_in_use(Ntkd *d, uint32_t ll)
{
        uint32_t used[4096];
        size_t n = ntk_nb_used_linklocals(d->nb, used, ELEMENTSOF(used));
        NtkIdmIdentityInfo ids[NTK_IDM_MAX_IDENTITIES];
        size_t n_ids = ntk_idm_list_identities(d->idm, ids, ELEMENTSOF(ids));

        for (size_t i = 0; i < n && i < ELEMENTSOF(used); i++)
                if (used[i] == ll)
                        return true;
        for (size_t i = 0; i < n_ids && i < ELEMENTSOF(ids); i++)
                for (unsigned k = 0; k < ids[i].n_nics; k++)
                        if (ids[i].nics[k].linklocal == ll)
                                return true;
        return false;
}

/* The identity model's handle of the arc a request arrived on. */
static uint32_t idm_arc_of(Ntkd *d, const Nic *nic, uint32_t peer_ll)
{
        NtkNbArcInfo a;
        ArcExtra *x;

        if (ntk_nb_find_arc(d->nb, nic->dev, peer_ll, &a) < 0)
                return 0;
        x = ntkd_arc_extra(d, a.arc_id, false);
        return x ? x->idm_arc : 0;
}

int identity_driver_serve(Ntkd *d, const Nic *nic, uint32_t peer_ll, const WireEnvelope *req, WireEnvelope *reply,
        void **storage)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *out = out_new();
        uint32_t arc = idm_arc_of(d, nic, peer_ll);
        int r;

        if (!out)
                return -ENOMEM;
        switch (req->body_case) {
        case NTKWIRE__ENVELOPE__BODY_GET_PEER_MAIN_ID: {
                Ntkwire__GetPeerMainIdReply *g = calloc(1, sizeof *g);
                if (!g)
                        return -ENOMEM;
                ntkwire__get_peer_main_id_reply__init(g);
                g->has_identity_id = true;
                g->identity_id = ntk_idm_main_id(d->idm);
                reply->body_case = NTKWIRE__ENVELOPE__BODY_GET_PEER_MAIN_ID_REPLY;
                reply->get_peer_main_id_reply = g;
                *storage = g;
                return 0;
        }
        case NTKWIRE__ENVELOPE__BODY_MATCH_DUPLICATION: {
                const Ntkwire__MatchDuplication *md = req->match_duplication;
                struct {
                        Ntkwire__MatchDuplicationReply r;
                        Ntkwire__DuplicationData data;
                        uint8_t mac[6];
                } *st = calloc(1, sizeof *st);
                NtkIdmDuplicationData dup;

                if (!st)
                        return -ENOMEM;
                *storage = st;
                if (arc == 0)
                        return -ENOENT;
                /* a neighbour cannot grow our tables at will, nor point a route at an address in use */
                if (ntk_idm_list_identity_arcs(d->idm, 0, arc, NULL, 0) >= MAX_IDENTITY_ARCS_PER_ARC ||
                    linklocal_in_use(d, md->old_id_new_linklocal))
                        return -EINVAL;
                r = ntk_idm_match_duplication(d->idm, arc, md->migration_id, md->peer_id, md->old_id, md->new_id,
                        md->old_id_new_mac.data, md->old_id_new_linklocal, &dup, out, NULL);
                if (r < 0)
                        return r; /* -EAGAIN: not ready; the caller retries */
                ntkwire__match_duplication_reply__init(&st->r);
                if (r == NTK_IDM_MATCH_DATA) {
                        ntkwire__duplication_data__init(&st->data);
                        memcpy(st->mac, dup.peer_old_id_new_mac, 6);
                        st->data.has_peer_new_id = st->data.has_peer_old_id_new_mac = true;
                        st->data.has_peer_old_id_new_linklocal = true;
                        st->data.peer_new_id = dup.peer_new_id;
                        st->data.peer_old_id_new_mac = (ProtobufCBinaryData){ 6, st->mac };
                        st->data.peer_old_id_new_linklocal = dup.peer_old_id_new_linklocal;
                        st->r.data = &st->data;
                }
                reply->body_case = NTKWIRE__ENVELOPE__BODY_MATCH_DUPLICATION_REPLY;
                reply->match_duplication_reply = &st->r;
                process(d, out);
                return 0;
        }
        case NTKWIRE__ENVELOPE__BODY_NOTIFY_IDENTITY_ARC_REMOVED: {
                Ntkwire__Done *done = calloc(1, sizeof *done);
                if (!done)
                        return -ENOMEM;
                ntkwire__done__init(done);
                *storage = done;
                if (arc != 0) {
                        (void) ntk_idm_notify_identity_arc_removed(d->idm, arc,
                                req->notify_identity_arc_removed->my_identity,
                                req->notify_identity_arc_removed->your_identity, out);
                        process(d, out);
                }
                reply->body_case = NTKWIRE__ENVELOPE__BODY_DONE;
                reply->done = done;
                return 0;
        }
        default:
                return -EOPNOTSUPP;
        }
}

/* ---------------------------------------------------------------- D-Bus operations */

int identity_driver_prepare(Ntkd *d, uint64_t migration_id, uint64_t old_id, char **ret_msg)
{
        NtkErr e = { "" };
        int r = ntk_idm_prepare_add_identity(d->idm, migration_id, old_id, ntkd_now_ms(), &e);

        if (r < 0 && ret_msg)
                *ret_msg = strdup(e.msg);
        return r;
}

/* The link-local of a new pseudo-NIC: free among everything this system knows of. */
static int choose_linklocal(void *userdata, const char *real_dev, uint32_t *ret)
{
        Ntkd *d = userdata;
        uint32_t used[4096];
        size_t n = ntk_nb_used_linklocals(d->nb, used, ELEMENTSOF(used));
        NtkIdmIdentityInfo ids[NTK_IDM_MAX_IDENTITIES];
        size_t n_ids = ntk_idm_list_identities(d->idm, ids, ELEMENTSOF(ids));

        if (n > ELEMENTSOF(used))
                n = ELEMENTSOF(used);
        for (size_t i = 0; i < n_ids && i < ELEMENTSOF(ids); i++)
                for (unsigned k = 0; k < ids[i].n_nics && n < ELEMENTSOF(used); k++)
                        used[n++] = ids[i].nics[k].linklocal;
        return ntk_linklocal_choose(&d->rng, used, n, ret);
}

int identity_driver_add(Ntkd *d, uint64_t migration_id, uint64_t old_id, uint64_t *ret_new_id, char **ret_msg)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *out = out_new();
        NtkErr e = { "" };
        int r;

        if (!out)
                return -ENOMEM;
        r = ntk_idm_add_identity(d->idm, migration_id, old_id, &d->rng, choose_linklocal, d, ret_new_id, out,
                &e);
        if (r < 0) {
                if (ret_msg)
                        *ret_msg = strdup(e.msg);
                return r;
        }
        r = run_steps(d, out, ret_msg);
        if (r < 0) {
                _cleanup_(ntk_idm_out_freep) NtkIdmOut *undo = out_new();
                if (undo && ntk_idm_add_identity_abort(d->idm, migration_id, old_id, undo) >= 0)
                        (void) run_steps(d, undo, NULL);
                return r;
        }
        bus_api_identities_changed(d);
        ntk_idm_out_reset(out);
        r = ntk_idm_add_identity_phase2(d->idm, migration_id, old_id, out);
        if (r < 0) {
                if (ret_msg && asprintf(ret_msg, "phase 2 of migration %" PRIu64 " of identity %016" PRIx64
                                                 " could not start", migration_id, old_id) < 0)
                        *ret_msg = NULL;
                return r;
        }
        process(d, out);
        return 0;
}

int identity_driver_remove(Ntkd *d, uint64_t id, char **ret_msg)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *out = out_new();
        int r;

        if (!out)
                return -ENOMEM;
        r = ntk_idm_remove_identity(d->idm, id, out);
        if (r != 0) {
                if (ret_msg && asprintf(ret_msg, r == -EPERM ? "%016" PRIx64 " is the main identity: it cannot be removed"
                                                             : "no identity %016" PRIx64, id) < 0)
                        *ret_msg = NULL;
                return r == NTK_IDM_IGNORED ? -ENOENT : r;
        }
        r = run_steps(d, out, ret_msg);
        bus_api_identities_changed(d);
        send_requests(d, out);
        return r;
}
