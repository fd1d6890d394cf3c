/* nb-driver.c — executes the neighbourhood module's actions in order (sockets, RPCs, helper calls, bus
 * events) and feeds their results back. Must not: decide anything about arcs itself (neighbour.c does). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper-proxy.h"
#include "ntkd.h"

ArcExtra *ntkd_arc_extra(Ntkd *d, uint64_t arc_id, bool create)
{
        for (size_t i = 0; i < d->n_arcs; i++)
                if (d->arcs[i].arc_id == arc_id)
                        return &d->arcs[i];
        if (!create)
                return NULL;
        if (d->n_arcs == d->cap_arcs) {
                size_t cap = d->cap_arcs ? d->cap_arcs * 2 : 16;
                ArcExtra *v = realloc(d->arcs, cap * sizeof *v);
                if (!v)
                        return NULL;
                d->arcs = v;
                d->cap_arcs = cap;
        }
        d->arcs[d->n_arcs] = (ArcExtra){ .arc_id = arc_id };
        return &d->arcs[d->n_arcs++];
}

static void arc_extra_forget(Ntkd *d, uint64_t arc_id)
{
        for (size_t i = 0; i < d->n_arcs; i++)
                if (d->arcs[i].arc_id == arc_id) {
                        d->arcs[i] = d->arcs[--d->n_arcs];
                        return;
                }
}

/* Kernel work of the neighbourhood: addresses and host routes in the default namespace. */
static void kernel(Ntkd *d, NtkOpKind kind, const char *dev, uint32_t ll, uint32_t peer_ll)
{
        _cleanup_free_ char *msg = NULL;
        NtkOp op = { .kind = kind };
        int r;

        if (kind == NTK_OP_ADDR_ADD || kind == NTK_OP_ADDR_DEL) {
                op.addr.addr = (NtkCidr){ .addr = ll, .prefix = 32 };
                snprintf(op.addr.dev, sizeof op.addr.dev, "%s", dev);
        } else {
                op.route.type = NTK_ROUTE_UNICAST;
                op.route.dst = (NtkCidr){ .addr = peer_ll, .prefix = 32 };
                snprintf(op.route.table, sizeof op.route.table, "main");
                snprintf(op.route.dev, sizeof op.route.dev, "%s", dev);
                op.route.has_src = true;
                op.route.src = ll;
        }
        r = helper_apply_ops(d->bus, "", &op, 1, &msg);
        if (r < 0)
                fprintf(stderr, "ntkd: %s on %s: %s\n", ntk_op_kind_to_string(kind), dev, msg ? msg : strerror(-r));
}

static void send_broadcast(Ntkd *d, const NtkNbAction *a)
{
        Nic *nic = ntkd_find_nic(d, a->dev);
        WireEnvelope env;
        Ntkwire__HereIAm hia = NTKWIRE__HERE_IAM__INIT;
        Ntkwire__ArcEnds ends = NTKWIRE__ARC_ENDS__INIT;
        uint8_t my_mac[6], your_mac[6];

        if (!nic)
                return;
        memcpy(my_mac, a->msg.my_mac, 6);
        memcpy(your_mac, a->msg.your_mac, 6);
        ntkd_envelope_init(d, &env);
        if (a->msg.type == NTK_NB_MSG_HERE_I_AM) {
                hia.has_node_id = hia.has_mac = hia.has_nic_addr = true;
                hia.node_id = a->msg.my_id;
                hia.mac = (ProtobufCBinaryData){ 6, my_mac };
                hia.nic_addr = a->msg.my_ll;
                env.body_case = NTKWIRE__ENVELOPE__BODY_HERE_I_AM;
                env.here_i_am = &hia;
        } else {
                ends.has_your_id = ends.has_your_mac = ends.has_your_addr = true;
                ends.has_my_id = ends.has_my_mac = ends.has_my_addr = true;
                ends.your_id = a->msg.your_id;
                ends.your_mac = (ProtobufCBinaryData){ 6, your_mac };
                ends.your_addr = a->msg.your_ll;
                ends.my_id = a->msg.my_id;
                ends.my_mac = (ProtobufCBinaryData){ 6, my_mac };
                ends.my_addr = a->msg.my_ll;
                if (a->msg.type == NTK_NB_MSG_REQUEST_ARC) {
                        env.body_case = NTKWIRE__ENVELOPE__BODY_REQUEST_ARC;
                        env.request_arc = &ends;
                } else {
                        env.body_case = NTKWIRE__ENVELOPE__BODY_REMOVE_ARC;
                        env.remove_arc = &ends;
                }
        }
        (void) nic_io_broadcast(d, nic, &env); /* unreliable by design */
}

typedef struct ArcCall {
        uint64_t arc_id;
        bool is_nop;
} ArcCall;

static void on_arc_call_done(Ntkd *d, int r, const WireEnvelope *reply, void *userdata)
{
        ArcCall *ac = userdata;
        uint64_t now = ntkd_now_ms();

        if (!ac->is_nop)
                d->n_export_calls--;
        if (ac->is_nop) {
                if (r < 0)
                        (void) ntk_nb_keepalive_failed(d->nb, ac->arc_id, now, &d->actions);
        } else {
                int result = r;
                if (r >= 0)
                        result = reply->body_case == NTKWIRE__ENVELOPE__BODY_CAN_YOU_EXPORT_REPLY &&
                                         reply->can_you_export_reply->i_can_export
                                ? 1
                                : 0;
                (void) ntk_nb_can_you_export_result(d->nb, ac->arc_id, result, now, &d->actions);
        }
        free(ac);
        nb_drive(d);
}

static void arc_call(Ntkd *d, const NtkNbAction *a, bool is_nop)
{
        WireEnvelope env;
        Ntkwire__CanYouExport cye = NTKWIRE__CAN_YOU_EXPORT__INIT;
        Ntkwire__Nop nop = NTKWIRE__NOP__INIT;
        ArcCall *ac = malloc(sizeof *ac);
        int r;

        if (!ac)
                r = -ENOMEM;
        else if (!is_nop && d->n_export_calls >= NTKD_MAX_EXPORT_CALLS) {
                /* a flood of would-be neighbours must not take the slots the keepalives of real arcs need */
                free(ac);
                r = -EBUSY;
        } else {
                *ac = (ArcCall){ .arc_id = a->arc.arc_id, .is_nop = is_nop };
                ntkd_envelope_init(d, &env);
                if (is_nop) {
                        env.body_case = NTKWIRE__ENVELOPE__BODY_NOP;
                        env.nop = &nop;
                } else {
                        cye.has_i_can_export = true;
                        cye.i_can_export = a->i_can_export;
                        env.body_case = NTKWIRE__ENVELOPE__BODY_CAN_YOU_EXPORT;
                        env.can_you_export = &cye;
                }
                if (!is_nop)
                        d->n_export_calls++;
                r = rpc_call(d, a->arc.my_ll, a->arc.peer_ll, &env, on_arc_call_done, ac);
                if (r >= 0)
                        return;
                if (!is_nop)
                        d->n_export_calls--;
                free(ac);
        }
        /* The call could not even start. A keepalive that failed for a local reason (no slot, no memory) says
         * nothing about the peer: the next probe tries again. An export call is always reported. */
        if (is_nop) {
                if (r != -EBUSY && r != -ENOMEM)
                        (void) ntk_nb_keepalive_failed(d->nb, a->arc.arc_id, ntkd_now_ms(), &d->actions);
        } else
                (void) ntk_nb_can_you_export_result(d->nb, a->arc.arc_id, r, ntkd_now_ms(), &d->actions);
}

static int on_nb_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        Ntkd *d = userdata;

        (void) ntk_nb_tick(d->nb, ntkd_now_ms(), &d->actions);
        nb_drive(d);
        return 0;
}

static void rearm(Ntkd *d)
{
        uint64_t deadline = ntk_nb_next_deadline(d->nb), now = ntkd_now_ms();
        uint64_t usec = deadline == UINT64_MAX ? UINT64_MAX : (deadline > now ? deadline - now : 0) * 1000;

        if (!d->nb_timer) {
                if (sd_event_add_time_relative(d->event, &d->nb_timer, CLOCK_MONOTONIC,
                            usec == UINT64_MAX ? 3600ULL * 1000000ULL : usec, 1000, on_nb_timer, d) < 0)
                        return;
        } else
                (void) sd_event_source_set_time_relative(d->nb_timer,
                        usec == UINT64_MAX ? 3600ULL * 1000000ULL : usec);
        (void) sd_event_source_set_enabled(d->nb_timer, SD_EVENT_ONESHOT);
}

void nb_drive(Ntkd *d)
{
        static bool running;
        size_t i = 0;

        /* results fed back while executing append to the same vector: the loop below picks them up */
        if (running)
                return;
        running = true;
        for (i = 0; i < d->actions.n; i++) {
                NtkNbAction a = d->actions.v[i]; /* a copy: the vector may grow (and move) meanwhile */
                ArcExtra *x;

                switch (a.kind) {
                case NTK_NB_SEND_BROADCAST:
                        send_broadcast(d, &a);
                        break;
                case NTK_NB_CALL_CAN_YOU_EXPORT:
                        arc_call(d, &a, false);
                        break;
                case NTK_NB_SEND_NOP:
                        arc_call(d, &a, true);
                        break;
                case NTK_NB_MEASURE_RTT:
                        if (nic_io_probe(d, a.arc.arc_id, a.arc.dev, a.arc.peer_ll) < 0)
                                (void) ntk_nb_rtt_measured(d->nb, a.arc.arc_id, -1, ntkd_now_ms(), &d->actions);
                        break;
                case NTK_NB_ADD_ADDRESS:
                        kernel(d, NTK_OP_ADDR_ADD, a.dev, a.ll, 0);
                        break;
                case NTK_NB_DEL_ADDRESS:
                        kernel(d, NTK_OP_ADDR_DEL, a.dev, a.ll, 0);
                        break;
                case NTK_NB_ADD_HOST_ROUTE:
                        kernel(d, NTK_OP_ROUTE_ADD, a.arc.dev, a.arc.my_ll, a.arc.peer_ll);
                        break;
                case NTK_NB_DEL_HOST_ROUTE:
                        kernel(d, NTK_OP_ROUTE_DEL, a.arc.dev, a.arc.my_ll, a.arc.peer_ll);
                        break;
                case NTK_NB_ARC_ADDED:
                        x = ntkd_arc_extra(d, a.arc.arc_id, true);
                        if (x) {
                                x->present = true;
                                bus_api_arc_added(d, a.arc.arc_id);
                        }
                        break;
                case NTK_NB_ARC_CHANGED:
                        bus_api_arc_changed(d, a.arc.arc_id);
                        break;
                case NTK_NB_ARC_REMOVING:
                        /* run to completion: what depends on the arc's route goes before the route */
                        x = ntkd_arc_extra(d, a.arc.arc_id, false);
                        if (x && x->accepted)
                                identity_driver_arc_removing(d, x);
                        break;
                case NTK_NB_ARC_REMOVED:
                        bus_api_arc_removed(d, a.arc.arc_id);
                        arc_extra_forget(d, a.arc.arc_id);
                        break;
                default:
                        break;
                }
        }
        ntk_nb_actions_clear(&d->actions);
        running = false;
        rearm(d);
}
