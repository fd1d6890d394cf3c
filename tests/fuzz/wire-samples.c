/* wire-samples.c — one valid envelope of every body kind, for the unit tests and the fuzz seed
 * writer. Must not: be linked into the product. */
#include "wire-samples.h"

#include <string.h>

#define LL(c, d) (0xa9fe0000u | ((uint32_t) (c) << 8) | (uint32_t) (d))

const WireBody wire_sample_kinds[] = {
        NTKWIRE__ENVELOPE__BODY_HERE_I_AM,
        NTKWIRE__ENVELOPE__BODY_REQUEST_ARC,
        NTKWIRE__ENVELOPE__BODY_REMOVE_ARC,
        NTKWIRE__ENVELOPE__BODY_CAN_YOU_EXPORT,
        NTKWIRE__ENVELOPE__BODY_CAN_YOU_EXPORT_REPLY,
        NTKWIRE__ENVELOPE__BODY_NOP,
        NTKWIRE__ENVELOPE__BODY_COST_PROBE,
        NTKWIRE__ENVELOPE__BODY_COST_ECHO,
        NTKWIRE__ENVELOPE__BODY_MATCH_DUPLICATION,
        NTKWIRE__ENVELOPE__BODY_MATCH_DUPLICATION_REPLY,
        NTKWIRE__ENVELOPE__BODY_GET_PEER_MAIN_ID,
        NTKWIRE__ENVELOPE__BODY_GET_PEER_MAIN_ID_REPLY,
        NTKWIRE__ENVELOPE__BODY_IDENTITY_MOVED,
        NTKWIRE__ENVELOPE__BODY_NOTIFY_IDENTITY_ARC_REMOVED,
        NTKWIRE__ENVELOPE__BODY_IDENTITY_DISMISSED,
        NTKWIRE__ENVELOPE__BODY_SEND_ETP,
        NTKWIRE__ENVELOPE__BODY_GET_FULL_ETP,
        NTKWIRE__ENVELOPE__BODY_GET_FULL_ETP_REPLY,
        NTKWIRE__ENVELOPE__BODY_GOT_PREPARE_DESTROY,
        NTKWIRE__ENVELOPE__BODY_GOT_DESTROY,
        NTKWIRE__ENVELOPE__BODY_DONE,
        NTKWIRE__ENVELOPE__BODY_ACK,
        NTKWIRE__ENVELOPE__BODY_ERROR,
};
const size_t wire_sample_n_kinds = sizeof(wire_sample_kinds) / sizeof(wire_sample_kinds[0]);

static ProtobufCBinaryData mac(uint8_t *m)
{
        return (ProtobufCBinaryData){ .len = 6, .data = m };
}

static void fingerprint(Ntkwire__Fingerprint *f, int32_t *eld, int32_t *seed, int64_t id, unsigned level)
{
        ntkwire__fingerprint__init(f);
        f->has_id = true;
        f->id = id;
        f->has_level = true;
        f->level = level;
        f->n_elderships = WIRE_SAMPLE_LEVELS - level;
        f->elderships = eld;
        for (unsigned i = 0; i < f->n_elderships; i++)
                eld[i] = (int32_t) (i % 3) - 1; /* -1 (null eldership), 0, 1, … */
        f->n_elderships_seed = level;
        f->elderships_seed = seed;
        for (unsigned i = 0; i < level; i++)
                seed[i] = (int32_t) i;
}

static void hcoord(Ntkwire__HCoord *h, unsigned lvl, unsigned pos)
{
        ntkwire__hcoord__init(h);
        h->has_lvl = true;
        h->lvl = lvl;
        h->has_pos = true;
        h->pos = pos;
}

void wire_sample_init_etp(WireSample *s)
{
        static const uint32_t pos[WIRE_SAMPLE_LEVELS] = { 1, 0, 1, 2 };
        static const uint32_t req_pos[WIRE_SAMPLE_LEVELS] = { 0, 0, 1, 2 };
        static const uint32_t gsize[WIRE_SAMPLE_LEVELS] = { 2, 2, 2, 4 };

        memcpy(s->pos, pos, sizeof(pos));
        memcpy(s->req_pos, req_pos, sizeof(req_pos));
        memcpy(s->gsize, gsize, sizeof(gsize));
        ntkwire__naddr__init(&s->naddr);
        s->naddr.n_pos = s->naddr.n_gsize = WIRE_SAMPLE_LEVELS;
        s->naddr.pos = s->pos;
        s->naddr.gsize = s->gsize;
        ntkwire__naddr__init(&s->requester);
        s->requester.n_pos = s->requester.n_gsize = WIRE_SAMPLE_LEVELS;
        s->requester.pos = s->req_pos;
        s->requester.gsize = s->gsize;

        ntkwire__etp__init(&s->etp);
        s->etp.node_address = &s->naddr;
        for (unsigned l = 0; l <= WIRE_SAMPLE_LEVELS; l++) {
                fingerprint(&s->fps[l], s->eld[l], s->seed[l], INT64_C(-7301234567890) + l, l);
                s->fp_ptrs[l] = &s->fps[l];
                s->nodes_inside[l] = 1u << l;
        }
        s->etp.n_fingerprints = WIRE_SAMPLE_LEVELS + 1;
        s->etp.fingerprints = s->fp_ptrs;
        s->etp.n_nodes_inside = WIRE_SAMPLE_LEVELS + 1;
        s->etp.nodes_inside = s->nodes_inside;

        hcoord(&s->etp_hops[0], 0, 0);
        hcoord(&s->etp_hops[1], 2, 0);
        s->etp_hop_ptrs[0] = &s->etp_hops[0];
        s->etp_hop_ptrs[1] = &s->etp_hops[1];
        s->etp.n_hops = 2;
        s->etp.hops = s->etp_hop_ptrs;

        for (unsigned p = 0; p < WIRE_SAMPLE_PATHS; p++) {
                Ntkwire__EtpPath *path = &s->paths[p];
                unsigned last_lvl = p; /* hops (0,0) (lvl p-ish…) end at level p */

                ntkwire__etp_path__init(path);
                for (unsigned h = 0; h < WIRE_SAMPLE_PATH_HOPS; h++) {
                        unsigned lvl = h == WIRE_SAMPLE_PATH_HOPS - 1 ? last_lvl : (h < last_lvl ? h : last_lvl);
                        hcoord(&s->path_hops[p][h], lvl, (h + p) % 2);
                        s->path_hop_ptrs[p][h] = &s->path_hops[p][h];
                        s->path_arcs[p][h] = 1000003u * (p + 1) + h;
                }
                path->n_hops = path->n_arcs = WIRE_SAMPLE_PATH_HOPS;
                path->hops = s->path_hop_ptrs[p];
                path->arcs = s->path_arcs[p];

                ntkwire__cost__init(&s->path_costs[p]);
                s->path_costs[p].has_kind = true;
                s->path_costs[p].kind = p == 0 ? NTKWIRE__COST__KIND__REAL
                                        : p == 1 ? NTKWIRE__COST__KIND__DEAD
                                                 : NTKWIRE__COST__KIND__NULL;
                if (p == 0) {
                        s->path_costs[p].has_usec = true;
                        s->path_costs[p].usec = 2854;
                }
                path->cost = &s->path_costs[p];

                fingerprint(&s->path_fps[p], s->path_eld[p], s->path_seed[p], 424242 + p, last_lvl);
                path->fingerprint = &s->path_fps[p];
                path->has_nodes_inside = true;
                path->nodes_inside = p + 1;
                for (unsigned i = 0; i < WIRE_SAMPLE_LEVELS; i++)
                        s->path_io[p][i] = i > last_lvl;
                path->n_ignore_outside = WIRE_SAMPLE_LEVELS;
                path->ignore_outside = s->path_io[p];
                s->path_ptrs[p] = path;
        }
        s->etp.n_paths = WIRE_SAMPLE_PATHS;
        s->etp.paths = s->path_ptrs;
}

void wire_sample_init(WireSample *s, WireBody k)
{
        WireEnvelope *e = &s->env;

        memset(s, 0, sizeof(*s));
        memcpy(s->mac_a, (uint8_t[]){ 0xcc, 0xaf, 0x78, 0x2e, 0xc8, 0xb6 }, 6);
        memcpy(s->mac_b, (uint8_t[]){ 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 }, 6);
        memcpy(s->mac_c, (uint8_t[]){ 0x5e, 0x11, 0x22, 0x33, 0x44, 0x55 }, 6);
        ntkwire__envelope__init(e);
        e->has_version = true;
        e->version = WIRE_VERSION;
        e->has_sender_node_id = true;
        e->sender_node_id = 1234567;
        e->has_src_mac = true;
        e->src_mac = mac(s->mac_a);
        e->body_case = k;
        if (wire_body_is_reply(k)) {
                e->has_request_id = true;
                e->request_id = 77;
        }

        switch (k) {
        case NTKWIRE__ENVELOPE__BODY_HERE_I_AM:
                ntkwire__here_iam__init(&s->here_i_am);
                s->here_i_am.has_node_id = true;
                s->here_i_am.node_id = 1234567;
                s->here_i_am.has_mac = true;
                s->here_i_am.mac = mac(s->mac_a);
                s->here_i_am.has_nic_addr = true;
                s->here_i_am.nic_addr = LL(23, 45);
                e->here_i_am = &s->here_i_am;
                e->has_packet_id = true;
                e->packet_id = 99;
                break;
        case NTKWIRE__ENVELOPE__BODY_REQUEST_ARC:
        case NTKWIRE__ENVELOPE__BODY_REMOVE_ARC:
                ntkwire__arc_ends__init(&s->arc_ends);
                s->arc_ends.has_your_id = true;
                s->arc_ends.your_id = 7654321;
                s->arc_ends.has_your_mac = true;
                s->arc_ends.your_mac = mac(s->mac_b);
                s->arc_ends.has_your_addr = true;
                s->arc_ends.your_addr = LL(1, 2);
                s->arc_ends.has_my_id = true;
                s->arc_ends.my_id = 1234567;
                s->arc_ends.has_my_mac = true;
                s->arc_ends.my_mac = mac(s->mac_a);
                s->arc_ends.has_my_addr = true;
                s->arc_ends.my_addr = LL(23, 45);
                if (k == NTKWIRE__ENVELOPE__BODY_REQUEST_ARC)
                        e->request_arc = &s->arc_ends;
                else
                        e->remove_arc = &s->arc_ends;
                break;
        case NTKWIRE__ENVELOPE__BODY_CAN_YOU_EXPORT:
                ntkwire__can_you_export__init(&s->can_you_export);
                s->can_you_export.has_i_can_export = true;
                s->can_you_export.i_can_export = true;
                e->can_you_export = &s->can_you_export;
                e->has_request_id = true;
                e->request_id = 5;
                e->has_dst_node_id = true;
                e->dst_node_id = 7654321;
                break;
        case NTKWIRE__ENVELOPE__BODY_CAN_YOU_EXPORT_REPLY:
                ntkwire__can_you_export_reply__init(&s->can_you_export_reply);
                s->can_you_export_reply.has_i_can_export = true;
                s->can_you_export_reply.i_can_export = false;
                e->can_you_export_reply = &s->can_you_export_reply;
                break;
        case NTKWIRE__ENVELOPE__BODY_NOP:
                ntkwire__nop__init(&s->nop);
                e->nop = &s->nop;
                break;
        case NTKWIRE__ENVELOPE__BODY_COST_PROBE:
                ntkwire__cost_probe__init(&s->cost_probe);
                s->cost_probe.has_seq = true;
                s->cost_probe.seq = 3;
                s->cost_probe.has_sent_ns = true;
                s->cost_probe.sent_ns = UINT64_C(123456789012345);
                e->cost_probe = &s->cost_probe;
                break;
        case NTKWIRE__ENVELOPE__BODY_COST_ECHO:
                ntkwire__cost_echo__init(&s->cost_echo);
                s->cost_echo.has_seq = true;
                s->cost_echo.seq = 3;
                s->cost_echo.has_sent_ns = true;
                s->cost_echo.sent_ns = UINT64_C(123456789012345);
                e->cost_echo = &s->cost_echo;
                break;
        case NTKWIRE__ENVELOPE__BODY_MATCH_DUPLICATION:
                ntkwire__match_duplication__init(&s->match_duplication);
                s->match_duplication.has_migration_id = true;
                s->match_duplication.migration_id = 31337;
                s->match_duplication.has_peer_id = true;
                s->match_duplication.peer_id = 11;
                s->match_duplication.has_old_id = true;
                s->match_duplication.old_id = 22;
                s->match_duplication.has_new_id = true;
                s->match_duplication.new_id = 33;
                s->match_duplication.has_old_id_new_mac = true;
                s->match_duplication.old_id_new_mac = mac(s->mac_c);
                s->match_duplication.has_old_id_new_linklocal = true;
                s->match_duplication.old_id_new_linklocal = LL(200, 7);
                e->match_duplication = &s->match_duplication;
                e->has_request_id = true;
                e->request_id = 6;
                break;
        case NTKWIRE__ENVELOPE__BODY_MATCH_DUPLICATION_REPLY:
                ntkwire__duplication_data__init(&s->duplication_data);
                s->duplication_data.has_peer_new_id = true;
                s->duplication_data.peer_new_id = 44;
                s->duplication_data.has_peer_old_id_new_mac = true;
                s->duplication_data.peer_old_id_new_mac = mac(s->mac_c);
                s->duplication_data.has_peer_old_id_new_linklocal = true;
                s->duplication_data.peer_old_id_new_linklocal = LL(9, 9);
                ntkwire__match_duplication_reply__init(&s->match_duplication_reply);
                s->match_duplication_reply.data = &s->duplication_data;
                e->match_duplication_reply = &s->match_duplication_reply;
                break;
        case NTKWIRE__ENVELOPE__BODY_GET_PEER_MAIN_ID:
                ntkwire__get_peer_main_id__init(&s->get_peer_main_id);
                e->get_peer_main_id = &s->get_peer_main_id;
                e->has_request_id = true;
                e->request_id = 8;
                break;
        case NTKWIRE__ENVELOPE__BODY_GET_PEER_MAIN_ID_REPLY:
                ntkwire__get_peer_main_id_reply__init(&s->get_peer_main_id_reply);
                s->get_peer_main_id_reply.has_identity_id = true;
                s->get_peer_main_id_reply.identity_id = 55;
                e->get_peer_main_id_reply = &s->get_peer_main_id_reply;
                break;
        case NTKWIRE__ENVELOPE__BODY_IDENTITY_MOVED:
                ntkwire__identity_moved__init(&s->identity_moved);
                s->identity_moved.has_identity_id = true;
                s->identity_moved.identity_id = 22;
                s->identity_moved.has_old_mac = true;
                s->identity_moved.old_mac = mac(s->mac_a);
                s->identity_moved.has_new_mac = true;
                s->identity_moved.new_mac = mac(s->mac_c);
                s->identity_moved.has_new_linklocal = true;
                s->identity_moved.new_linklocal = LL(200, 7);
                e->identity_moved = &s->identity_moved;
                break;
        case NTKWIRE__ENVELOPE__BODY_NOTIFY_IDENTITY_ARC_REMOVED:
                ntkwire__notify_identity_arc_removed__init(&s->notify_identity_arc_removed);
                s->notify_identity_arc_removed.has_my_identity = true;
                s->notify_identity_arc_removed.my_identity = 22;
                s->notify_identity_arc_removed.has_your_identity = true;
                s->notify_identity_arc_removed.your_identity = 11;
                e->notify_identity_arc_removed = &s->notify_identity_arc_removed;
                break;
        case NTKWIRE__ENVELOPE__BODY_IDENTITY_DISMISSED:
                ntkwire__identity_dismissed__init(&s->identity_dismissed);
                s->identity_dismissed.has_identity_id = true;
                s->identity_dismissed.identity_id = 22;
                e->identity_dismissed = &s->identity_dismissed;
                break;
        case NTKWIRE__ENVELOPE__BODY_SEND_ETP:
                wire_sample_init_etp(s);
                ntkwire__send_etp__init(&s->send_etp);
                s->send_etp.etp = &s->etp;
                s->send_etp.has_is_full = true;
                s->send_etp.is_full = true;
                e->send_etp = &s->send_etp;
                e->has_src_identity = true;
                e->src_identity = 22;
                s->dst_identities[0] = 11;
                s->dst_identities[1] = 12;
                e->n_dst_identities = 2;
                e->dst_identities = s->dst_identities;
                e->has_packet_id = true;
                e->packet_id = 100;
                e->has_want_ack = true;
                e->want_ack = true;
                break;
        case NTKWIRE__ENVELOPE__BODY_GET_FULL_ETP:
                wire_sample_init_etp(s);
                ntkwire__get_full_etp__init(&s->get_full_etp);
                s->get_full_etp.requester_address = &s->requester;
                e->get_full_etp = &s->get_full_etp;
                e->has_request_id = true;
                e->request_id = 9;
                break;
        case NTKWIRE__ENVELOPE__BODY_GET_FULL_ETP_REPLY:
                wire_sample_init_etp(s);
                ntkwire__get_full_etp_reply__init(&s->get_full_etp_reply);
                s->get_full_etp_reply.etp = &s->etp;
                e->get_full_etp_reply = &s->get_full_etp_reply;
                break;
        case NTKWIRE__ENVELOPE__BODY_GOT_PREPARE_DESTROY:
                ntkwire__got_prepare_destroy__init(&s->got_prepare_destroy);
                e->got_prepare_destroy = &s->got_prepare_destroy;
                break;
        case NTKWIRE__ENVELOPE__BODY_GOT_DESTROY:
                ntkwire__got_destroy__init(&s->got_destroy);
                e->got_destroy = &s->got_destroy;
                break;
        case NTKWIRE__ENVELOPE__BODY_DONE:
                ntkwire__done__init(&s->done);
                e->done = &s->done;
                break;
        case NTKWIRE__ENVELOPE__BODY_ACK:
                ntkwire__ack__init(&s->ack);
                e->ack = &s->ack;
                e->has_packet_id = true;
                e->packet_id = 100;
                break;
        case NTKWIRE__ENVELOPE__BODY_ERROR:
                ntkwire__error__init(&s->error);
                s->error.has_code = true;
                s->error.code = NTKWIRE__ERROR__CODE__NOT_BOOTSTRAPPED;
                s->error.message = (char *) "I am still in bootstrap.";
                e->error = &s->error;
                break;
        default:
                e->body_case = NTKWIRE__ENVELOPE__BODY__NOT_SET;
                break;
        }
}
