/* test-wire.c — the wire module: round trips of every body kind, every documented drop reason, and
 * the TCP framer across arbitrary splits. Must not: touch the network. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "wire-samples.h"
#include "wire.h"

/* Packs e without any check (to build hostile inputs). */
static GByteArray *raw_pack(const WireEnvelope *e)
{
        GByteArray *b = g_byte_array_sized_new(0);
        g_byte_array_set_size(b, (guint) protobuf_c_message_get_packed_size(&e->base));
        g_assert_cmpuint(protobuf_c_message_pack(&e->base, b->data), ==, b->len);
        return b;
}

static int decode_raw(const WireEnvelope *e, WireTransport t)
{
        g_autoptr(GByteArray) b = raw_pack(e);
        WireMessage *m = NULL;
        int r = wire_decode(b->data, b->len, t, &m);

        if (r == 0)
                wire_message_free(m);
        else
                g_assert_null(m);
        return r;
}

static GByteArray *encode_frame(const WireEnvelope *e)
{
        GByteArray *b = g_byte_array_sized_new(0);
        size_t n = 0;

        g_byte_array_set_size(b, (guint) (wire_encoded_size(e) + WIRE_FRAME_HEADER_SIZE));
        g_assert_cmpint(wire_frame_encode(e, b->data, b->len, &n), ==, 0);
        g_assert_cmpuint(n, ==, b->len);
        return b;
}

/* ---- Round trips -------------------------------------------------------------------------------- */

static void test_wire_roundtrip_every_body_kind_is_identical(void)
{
        for (size_t i = 0; i < wire_sample_n_kinds; i++) {
                g_autofree WireSample *s = g_new0(WireSample, 1);
                uint8_t buf[4096], buf2[4096];
                size_t n = 0, n2 = 0;
                WireMessage *m = NULL;

                wire_sample_init(s, wire_sample_kinds[i]);
                g_test_message("kind %s", wire_body_name(wire_sample_kinds[i]));
                g_assert_cmpstr(wire_body_name(wire_sample_kinds[i]), !=, "unknown");
                g_assert_cmpint(wire_check(&s->env), ==, 0);
                g_assert_cmpint(wire_encode(&s->env, WIRE_UDP, buf, sizeof(buf), &n), ==, 0);
                g_assert_cmpuint(n, ==, wire_encoded_size(&s->env));

                for (WireTransport t = WIRE_UDP; t <= WIRE_TCP; t++) {
                        g_assert_cmpint(wire_decode(buf, n, t, &m), ==, 0);
                        g_assert_nonnull(m);
                        g_assert_cmpint(m->env->body_case, ==, wire_sample_kinds[i]);
                        g_assert_cmpuint(m->env->version, ==, WIRE_VERSION);
                        g_assert_cmpuint(m->env->sender_node_id, ==, 1234567);
                        /* Re-encoding the decoded envelope gives the same bytes: nothing lost. */
                        g_assert_cmpint(wire_encode(m->env, t, buf2, sizeof(buf2), &n2), ==, 0);
                        g_assert_cmpmem(buf, n, buf2, n2);
                        m = wire_message_free(m);
                }
        }
}

static void test_wire_roundtrip_etp_keeps_every_field(void)
{
        g_autofree WireSample *s = g_new0(WireSample, 1);
        _cleanup_wire_message_ WireMessage *m = NULL;
        uint8_t buf[4096];
        size_t n = 0;
        const Ntkwire__SendEtp *se;
        const Ntkwire__Etp *etp;

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_SEND_ETP);
        g_assert_cmpint(wire_encode(&s->env, WIRE_UDP, buf, sizeof(buf), &n), ==, 0);
        g_assert_cmpint(wire_decode(buf, n, WIRE_UDP, &m), ==, 0);

        g_assert_true(m->env->has_src_identity);
        g_assert_cmpuint(m->env->src_identity, ==, 22);
        g_assert_cmpuint(m->env->n_dst_identities, ==, 2);
        g_assert_cmpuint(m->env->dst_identities[1], ==, 12);
        g_assert_true(m->env->want_ack);
        g_assert_cmpuint(m->env->packet_id, ==, 100);
        g_assert_cmpmem(m->env->src_mac.data, m->env->src_mac.len, s->mac_a, 6);

        se = m->env->send_etp;
        g_assert_true(se->has_is_full && se->is_full);
        etp = se->etp;
        g_assert_cmpuint(etp->node_address->n_pos, ==, WIRE_SAMPLE_LEVELS);
        g_assert_cmpmem(etp->node_address->pos, 4 * sizeof(uint32_t), s->pos, sizeof(s->pos));
        g_assert_cmpmem(etp->node_address->gsize, 4 * sizeof(uint32_t), s->gsize, sizeof(s->gsize));
        g_assert_cmpuint(etp->n_fingerprints, ==, WIRE_SAMPLE_LEVELS + 1);
        for (unsigned l = 0; l <= WIRE_SAMPLE_LEVELS; l++) {
                const Ntkwire__Fingerprint *f = etp->fingerprints[l];
                g_assert_cmpint(f->id, ==, INT64_C(-7301234567890) + l);
                g_assert_cmpuint(f->level, ==, l);
                g_assert_cmpuint(f->n_elderships, ==, WIRE_SAMPLE_LEVELS - l);
                g_assert_cmpuint(f->n_elderships_seed, ==, l);
                if (f->n_elderships > 0)
                        g_assert_cmpint(f->elderships[0], ==, -1);
                g_assert_cmpuint(etp->nodes_inside[l], ==, 1u << l);
        }
        g_assert_cmpuint(etp->n_hops, ==, 2);
        g_assert_cmpuint(etp->hops[1]->lvl, ==, 2);
        g_assert_cmpuint(etp->n_paths, ==, WIRE_SAMPLE_PATHS);
        for (unsigned p = 0; p < WIRE_SAMPLE_PATHS; p++) {
                const Ntkwire__EtpPath *path = etp->paths[p];
                g_assert_cmpuint(path->n_hops, ==, WIRE_SAMPLE_PATH_HOPS);
                g_assert_cmpuint(path->n_arcs, ==, WIRE_SAMPLE_PATH_HOPS);
                g_assert_cmpuint(path->arcs[2], ==, 1000003u * (p + 1) + 2);
                g_assert_cmpuint(path->hops[2]->lvl, ==, p);
                g_assert_cmpuint(path->fingerprint->level, ==, p);
                g_assert_cmpuint(path->nodes_inside, ==, p + 1);
                g_assert_cmpuint(path->n_ignore_outside, ==, WIRE_SAMPLE_LEVELS);
                for (unsigned i = 0; i < WIRE_SAMPLE_LEVELS; i++)
                        g_assert_cmpint(!!path->ignore_outside[i], ==, i > p);
        }
        g_assert_cmpint(etp->paths[0]->cost->kind, ==, NTKWIRE__COST__KIND__REAL);
        g_assert_cmpuint(etp->paths[0]->cost->usec, ==, 2854);
        g_assert_cmpint(etp->paths[1]->cost->kind, ==, NTKWIRE__COST__KIND__DEAD);
        g_assert_cmpint(etp->paths[2]->cost->kind, ==, NTKWIRE__COST__KIND__NULL);
        g_assert_false(etp->paths[2]->cost->has_usec);
}

static void test_wire_roundtrip_match_duplication_reply_null(void)
{
        g_autofree WireSample *s = g_new0(WireSample, 1);
        _cleanup_wire_message_ WireMessage *m = NULL;
        uint8_t buf[256];
        size_t n = 0;

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_MATCH_DUPLICATION_REPLY);
        s->match_duplication_reply.data = NULL;
        g_assert_cmpint(wire_encode(&s->env, WIRE_TCP, buf, sizeof(buf), &n), ==, 0);
        g_assert_cmpint(wire_decode(buf, n, WIRE_TCP, &m), ==, 0);
        g_assert_null(m->env->match_duplication_reply->data);
        g_assert_cmpuint(m->env->request_id, ==, 77);
}

static void test_wire_decode_discards_unknown_fields_of_a_newer_peer(void)
{
        g_autofree WireSample *s = g_new0(WireSample, 1);
        _cleanup_wire_message_ WireMessage *m = NULL;
        uint8_t buf[256], again[256];
        size_t n = 0, n2 = 0;

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_HERE_I_AM);
        g_assert_cmpint(wire_encode(&s->env, WIRE_UDP, buf, sizeof(buf) - 8, &n), ==, 0);
        /* field 15 (varint 5) and field 200 (length-delimited, 2 bytes): unknown to version 1 */
        memcpy(buf + n, (uint8_t[]){ 0x78, 0x05, 0xc2, 0x0c, 0x02, 0xab, 0xcd }, 7);
        g_assert_cmpint(wire_decode(buf, n + 7, WIRE_UDP, &m), ==, 0);
        g_assert_cmpuint(m->env->base.n_unknown_fields, ==, 0);
        g_assert_cmpint(wire_encode(m->env, WIRE_UDP, again, sizeof(again), &n2), ==, 0);
        g_assert_cmpmem(buf, n, again, n2);
}

/* ---- Drops -------------------------------------------------------------------------------------- */

static void test_wire_decode_unknown_version_is_eprotonosupport(void)
{
        g_autofree WireSample *s = g_new0(WireSample, 1);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_HERE_I_AM);
        s->env.version = WIRE_VERSION + 1;
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -EPROTONOSUPPORT);
        s->env.version = 0;
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -EPROTONOSUPPORT);
        /* A future version with a body we do not know is still a version error, not malformed. */
        s->env.version = 2;
        s->env.body_case = NTKWIRE__ENVELOPE__BODY__NOT_SET;
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -EPROTONOSUPPORT);
        /* And the encoder refuses to send it. */
        uint8_t buf[256];
        size_t n = 12345;
        g_assert_cmpint(wire_encode(&s->env, WIRE_UDP, buf, sizeof(buf), &n), ==, -EPROTONOSUPPORT);
        g_assert_cmpuint(n, ==, 12345);
}

static void test_wire_decode_missing_version_or_sender_is_ebadmsg(void)
{
        g_autofree WireSample *s = g_new0(WireSample, 1);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_NOP);
        s->env.has_version = false;
        g_assert_cmpint(decode_raw(&s->env, WIRE_TCP), ==, -EBADMSG);
        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_NOP);
        s->env.has_sender_node_id = false;
        g_assert_cmpint(decode_raw(&s->env, WIRE_TCP), ==, -EBADMSG);
        s->env.has_sender_node_id = true;
        s->env.sender_node_id = 0;
        g_assert_cmpint(decode_raw(&s->env, WIRE_TCP), ==, -EINVAL);
}

static void test_wire_decode_missing_body_is_ebadmsg(void)
{
        g_autofree WireSample *s = g_new0(WireSample, 1);
        WireMessage *m = NULL;

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_NOP);
        s->env.body_case = NTKWIRE__ENVELOPE__BODY__NOT_SET;
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -EBADMSG);
        /* The empty datagram: no version, no body. */
        g_assert_cmpint(wire_decode((const uint8_t *) "", 0, WIRE_UDP, &m), ==, -EBADMSG);
        g_assert_null(m);
}

static void test_wire_decode_missing_mandatory_field_is_ebadmsg(void)
{
        g_autofree WireSample *s = g_new0(WireSample, 1);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_HERE_I_AM);
        s->here_i_am.has_nic_addr = false;
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -EBADMSG);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_SEND_ETP);
        s->send_etp.has_is_full = false;
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -EBADMSG);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_SEND_ETP);
        s->etp_hops[1].has_pos = false;
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -EBADMSG);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_GET_FULL_ETP_REPLY);
        s->paths[1].fingerprint = NULL;
        g_assert_cmpint(decode_raw(&s->env, WIRE_TCP), ==, -EBADMSG);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_GET_FULL_ETP);
        s->get_full_etp.requester_address = NULL;
        g_assert_cmpint(decode_raw(&s->env, WIRE_TCP), ==, -EBADMSG);
}

static void test_wire_decode_reply_without_request_id_is_ebadmsg(void)
{
        g_autofree WireSample *s = g_new0(WireSample, 1);

        for (size_t i = 0; i < wire_sample_n_kinds; i++) {
                if (!wire_body_is_reply(wire_sample_kinds[i]))
                        continue;
                wire_sample_init(s, wire_sample_kinds[i]);
                s->env.request_id = 0;
                g_assert_cmpint(decode_raw(&s->env, WIRE_TCP), ==, -EBADMSG);
                s->env.has_request_id = false;
                g_assert_cmpint(decode_raw(&s->env, WIRE_TCP), ==, -EBADMSG);
        }
        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_ACK);
        s->env.has_packet_id = false;
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -EBADMSG);
}

/* Every MAC field of every body, with the transport that carries the body. */
static const struct {
        Ntkwire__Envelope__BodyCase body;
        size_t field; /* offset in WireSample of a ProtobufCBinaryData */
        WireTransport transport;
} mac_fields[] = {
        { NTKWIRE__ENVELOPE__BODY_HERE_I_AM, offsetof(WireSample, here_i_am.mac), WIRE_UDP },
        { NTKWIRE__ENVELOPE__BODY_REQUEST_ARC, offsetof(WireSample, arc_ends.my_mac), WIRE_UDP },
        { NTKWIRE__ENVELOPE__BODY_REMOVE_ARC, offsetof(WireSample, arc_ends.your_mac), WIRE_UDP },
        { NTKWIRE__ENVELOPE__BODY_IDENTITY_MOVED, offsetof(WireSample, identity_moved.new_mac), WIRE_TCP },
        { NTKWIRE__ENVELOPE__BODY_MATCH_DUPLICATION, offsetof(WireSample, match_duplication.old_id_new_mac),
                WIRE_TCP },
        { NTKWIRE__ENVELOPE__BODY_MATCH_DUPLICATION_REPLY,
                offsetof(WireSample, duplication_data.peer_old_id_new_mac), WIRE_TCP },
        { NTKWIRE__ENVELOPE__BODY_NOP, offsetof(WireSample, env.src_mac), WIRE_TCP },
};

static void test_wire_decode_mac_of_wrong_length_is_einval(void)
{
        static const size_t lens[] = { 0, 5, 7, 64 };
        g_autofree WireSample *s = g_new0(WireSample, 1);
        uint8_t big[64] = { 0 };

        for (size_t i = 0; i < G_N_ELEMENTS(lens); i++)
                for (size_t f = 0; f < G_N_ELEMENTS(mac_fields); f++) {
                        wire_sample_init(s, mac_fields[f].body);
                        g_assert_cmpint(decode_raw(&s->env, mac_fields[f].transport), ==, 0);
                        *(ProtobufCBinaryData *) (void *) ((char *) s + mac_fields[f].field) =
                                (ProtobufCBinaryData){ .len = lens[i], .data = big };
                        g_assert_cmpint(decode_raw(&s->env, mac_fields[f].transport), ==, -EINVAL);
                }
}

static void test_wire_decode_out_of_range_values_are_einval(void)
{
        g_autofree WireSample *s = g_new0(WireSample, 1);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_HERE_I_AM);
        s->here_i_am.nic_addr = 0x0a000001; /* 10.0.0.1 is not a link-local */
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -EINVAL);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_REQUEST_ARC);
        s->arc_ends.your_id = 0;
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -EINVAL);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_SEND_ETP);
        s->etp_hops[0].lvl = WIRE_MAX_LEVELS;
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -EINVAL);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_SEND_ETP);
        s->path_hops[2][1].pos = WIRE_MAX_POS + 1;
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -EINVAL);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_SEND_ETP);
        s->naddr.n_gsize = 3; /* pos and gsize of different lengths */
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -EINVAL);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_SEND_ETP);
        s->gsize[0] = 0;
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -EINVAL);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_SEND_ETP);
        s->eld[0][1] = -2;
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -EINVAL);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_SEND_ETP);
        s->path_costs[0].usec = 0;
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -EINVAL);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_SEND_ETP);
        s->path_costs[1].has_usec = true; /* a dead cost with a value */
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -EINVAL);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_SEND_ETP);
        s->path_costs[1].kind = 7;
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -EINVAL);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_ERROR);
        s->error.code = 99;
        g_assert_cmpint(decode_raw(&s->env, WIRE_TCP), ==, -EINVAL);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_ERROR);
        s->error.message = (char *) "line\nbreak";
        g_assert_cmpint(decode_raw(&s->env, WIRE_TCP), ==, -EINVAL);

        g_autofree char *long_text = g_strnfill(WIRE_MAX_TEXT + 1, 'x');
        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_ERROR);
        s->error.message = long_text;
        g_assert_cmpint(decode_raw(&s->env, WIRE_TCP), ==, -EINVAL);
        long_text[WIRE_MAX_TEXT] = '\0';
        g_assert_cmpint(decode_raw(&s->env, WIRE_TCP), ==, 0);
}

static void test_wire_decode_too_long_lists_are_e2big(void)
{
        g_autofree WireSample *s = g_new0(WireSample, 1);
        uint32_t pos[WIRE_MAX_LEVELS + 1] = { 0 }, gsizes[WIRE_MAX_LEVELS + 1];
        uint64_t ids[WIRE_MAX_IDENTITIES + 1];
        Ntkwire__HCoord hop;
        g_autofree Ntkwire__HCoord **hops = g_new(Ntkwire__HCoord *, WIRE_MAX_HOPS + 1);
        g_autofree Ntkwire__EtpPath **paths = g_new(Ntkwire__EtpPath *, WIRE_MAX_PATHS + 1);

        for (size_t i = 0; i < G_N_ELEMENTS(gsizes); i++)
                gsizes[i] = 2;
        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_GET_FULL_ETP);
        s->requester.n_pos = s->requester.n_gsize = WIRE_MAX_LEVELS + 1;
        s->requester.pos = pos;
        s->requester.gsize = gsizes;
        g_assert_cmpint(decode_raw(&s->env, WIRE_TCP), ==, -E2BIG);
        s->requester.n_pos = s->requester.n_gsize = WIRE_MAX_LEVELS;
        g_assert_cmpint(decode_raw(&s->env, WIRE_TCP), ==, 0);

        for (size_t i = 0; i < G_N_ELEMENTS(ids); i++)
                ids[i] = i + 1;
        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_SEND_ETP);
        s->env.n_dst_identities = WIRE_MAX_IDENTITIES + 1;
        s->env.dst_identities = ids;
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -E2BIG);

        ntkwire__hcoord__init(&hop);
        hop.has_lvl = hop.has_pos = true;
        for (size_t i = 0; i <= WIRE_MAX_HOPS; i++)
                hops[i] = &hop;
        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_SEND_ETP);
        s->etp.n_hops = WIRE_MAX_HOPS + 1;
        s->etp.hops = hops;
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -E2BIG);
        s->etp.n_hops = WIRE_MAX_HOPS;
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, 0);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_SEND_ETP);
        s->paths[0].n_hops = WIRE_MAX_HOPS + 1;
        s->paths[0].hops = hops;
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -E2BIG);

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_SEND_ETP);
        s->fps[2].n_elderships = WIRE_MAX_LEVELS;
        s->fps[2].elderships = (int32_t *) pos;
        g_assert_cmpint(decode_raw(&s->env, WIRE_UDP), ==, -E2BIG);

        /* A small path (~30 bytes), so that the list, not the frame, is too long. */
        Ntkwire__EtpPath small;
        Ntkwire__Cost null_cost;
        Ntkwire__Fingerprint fp0;
        Ntkwire__HCoord *one_hop[1] = { &hop };
        ntkwire__cost__init(&null_cost);
        null_cost.has_kind = true;
        null_cost.kind = NTKWIRE__COST__KIND__NULL;
        ntkwire__fingerprint__init(&fp0);
        fp0.has_id = fp0.has_level = true;
        ntkwire__etp_path__init(&small);
        small.n_hops = 1;
        small.hops = one_hop;
        small.cost = &null_cost;
        small.fingerprint = &fp0;
        small.has_nodes_inside = true;
        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_GET_FULL_ETP_REPLY);
        for (size_t i = 0; i <= WIRE_MAX_PATHS; i++)
                paths[i] = &small;
        s->etp.n_paths = WIRE_MAX_PATHS + 1;
        s->etp.paths = paths;
        g_assert_cmpint(decode_raw(&s->env, WIRE_TCP), ==, -E2BIG);
        s->etp.n_paths = WIRE_MAX_PATHS;
        g_assert_cmpint(decode_raw(&s->env, WIRE_TCP), ==, 0);
}

static void test_wire_decode_every_truncation_is_ebadmsg(void)
{
        for (size_t i = 0; i < wire_sample_n_kinds; i++) {
                g_autofree WireSample *s = g_new0(WireSample, 1);
                uint8_t buf[4096];
                size_t n = 0;

                wire_sample_init(s, wire_sample_kinds[i]);
                g_assert_cmpint(wire_encode(&s->env, WIRE_TCP, buf, sizeof(buf), &n), ==, 0);
                for (size_t cut = 0; cut < n; cut++) {
                        /* A copy of exactly `cut` bytes, so that ASan sees any over-read. */
                        g_autofree uint8_t *p = g_memdup2(buf, cut > 0 ? cut : 1);
                        WireMessage *m = NULL;
                        g_assert_cmpint(wire_decode(p, cut, WIRE_TCP, &m), ==, -EBADMSG);
                        g_assert_null(m);
                }
        }
}

static void test_wire_oversized_is_emsgsize(void)
{
        g_autofree WireSample *s = g_new0(WireSample, 1);
        g_autofree uint8_t *big = g_malloc0(WIRE_TCP_MAX_SIZE + 1);
        g_autofree Ntkwire__EtpPath **paths = g_new(Ntkwire__EtpPath *, 4000);
        WireMessage *m = NULL;
        size_t n = 0;

        g_assert_cmpint(wire_decode(big, WIRE_UDP_MAX_SIZE + 1, WIRE_UDP, &m), ==, -EMSGSIZE);
        g_assert_cmpint(wire_decode(big, WIRE_TCP_MAX_SIZE + 1, WIRE_TCP, &m), ==, -EMSGSIZE);
        g_assert_null(m);

        /* An ETP too big for a datagram must go over TCP. */
        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_SEND_ETP);
        for (size_t i = 0; i < 4000; i++)
                paths[i] = &s->paths[i % WIRE_SAMPLE_PATHS];
        s->etp.n_paths = 4000;
        s->etp.paths = paths;
        g_assert_cmpuint(wire_encoded_size(&s->env), >, WIRE_UDP_MAX_SIZE);
        g_assert_cmpint(wire_encode(&s->env, WIRE_UDP, big, WIRE_TCP_MAX_SIZE, &n), ==, -EMSGSIZE);
        g_assert_cmpint(wire_encode(&s->env, WIRE_TCP, big, 100, &n), ==, -ENOSPC);
        g_assert_cmpint(wire_encode(&s->env, WIRE_TCP, big, WIRE_TCP_MAX_SIZE, &n), ==, 0);
        g_assert_cmpint(wire_decode(big, n, WIRE_UDP, &m), ==, -EMSGSIZE);
        g_assert_cmpint(wire_decode(big, n, WIRE_TCP, &m), ==, 0);
        g_assert_cmpuint(m->env->send_etp->etp->n_paths, ==, 4000);
        wire_message_free(m);
}

/* Many empty submessages: ~2 wire bytes each, ~48 decoded bytes each. */
static void test_wire_decode_expanding_message_hits_memory_budget(void)
{
        enum { N = 60000 };
        g_autofree WireSample *s = g_new0(WireSample, 1);
        g_autofree Ntkwire__HCoord **hops = g_new(Ntkwire__HCoord *, N);
        Ntkwire__HCoord empty;

        ntkwire__hcoord__init(&empty);
        for (size_t i = 0; i < N; i++)
                hops[i] = &empty;
        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_SEND_ETP);
        s->etp.n_hops = N;
        s->etp.hops = hops;
        g_assert_cmpint(decode_raw(&s->env, WIRE_TCP), ==, -ENOBUFS);
}

static void test_wire_decode_random_bytes_never_crash(void)
{
        g_autoptr(GRand) rand = g_rand_new_with_seed(20261124);
        unsigned ok = 0;

        for (unsigned i = 0; i < 20000; i++) {
                size_t len = g_rand_int_range(rand, 0, 512);
                g_autofree uint8_t *b = g_malloc(len + 1);
                WireMessage *m = NULL;
                int r;

                for (size_t j = 0; j < len; j++)
                        b[j] = (uint8_t) g_rand_int(rand);
                r = wire_decode(b, len, WIRE_UDP, &m);
                g_assert_true(r == 0 || r == -EBADMSG || r == -EPROTONOSUPPORT || r == -EINVAL ||
                              r == -E2BIG || r == -ENOBUFS);
                if (r == 0)
                        ok++;
                wire_message_free(m);
        }
        g_test_message("%u random inputs decoded", ok);
}

/* Mutating one byte of each valid sample: never a crash, only documented errors. */
static void test_wire_decode_single_byte_mutations_never_crash(void)
{
        for (size_t i = 0; i < wire_sample_n_kinds; i++) {
                g_autofree WireSample *s = g_new0(WireSample, 1);
                uint8_t buf[4096];
                size_t n = 0;

                wire_sample_init(s, wire_sample_kinds[i]);
                g_assert_cmpint(wire_encode(&s->env, WIRE_TCP, buf, sizeof(buf), &n), ==, 0);
                for (size_t at = 0; at < n; at++)
                        for (unsigned v = 0; v < 256; v += 17) {
                                g_autofree uint8_t *p = g_memdup2(buf, n);
                                WireMessage *m = NULL;
                                int r;

                                p[at] ^= (uint8_t) (v | 1);
                                r = wire_decode(p, n, WIRE_TCP, &m);
                                g_assert_true(r <= 0);
                                g_assert_true(r == 0 || strcmp(wire_drop_reason(r), "other") != 0);
                                wire_message_free(m);
                        }
        }
}

/* ---- TCP framer --------------------------------------------------------------------------------- */

static GByteArray *three_message_stream(void)
{
        static const WireBody kinds[] = {
                NTKWIRE__ENVELOPE__BODY_CAN_YOU_EXPORT,
                NTKWIRE__ENVELOPE__BODY_GET_FULL_ETP_REPLY,
                NTKWIRE__ENVELOPE__BODY_ERROR,
        };
        GByteArray *stream = g_byte_array_new();

        for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
                g_autofree WireSample *s = g_new0(WireSample, 1);
                wire_sample_init(s, kinds[i]);
                g_autoptr(GByteArray) f = encode_frame(&s->env);
                g_byte_array_append(stream, f->data, f->len);
        }
        return stream;
}

/* Feeds stream cut at the given points; checks the three messages come out in order. */
static void feed_split(WireFramer *f, const GByteArray *stream, const size_t *cuts, size_t n_cuts)
{
        static const WireBody expect[] = {
                NTKWIRE__ENVELOPE__BODY_CAN_YOU_EXPORT,
                NTKWIRE__ENVELOPE__BODY_GET_FULL_ETP_REPLY,
                NTKWIRE__ENVELOPE__BODY_ERROR,
        };
        size_t got = 0, start = 0;

        for (size_t c = 0; c <= n_cuts; c++) {
                size_t end = c < n_cuts ? cuts[c] : stream->len;
                /* Each chunk in its own allocation of exactly its size. */
                g_autofree uint8_t *chunk = g_memdup2(stream->data + start, end - start + 1);
                size_t off = 0;

                while (off < end - start) {
                        WireMessage *m = NULL;
                        size_t used = 0;
                        int r = wire_framer_feed(f, chunk + off, end - start - off, &used, &m);

                        g_assert_cmpint(r, >=, 0);
                        g_assert_cmpuint(used, <=, end - start - off);
                        off += used;
                        if (r == 1) {
                                g_assert_cmpuint(got, <, 3);
                                g_assert_cmpint(m->env->body_case, ==, expect[got]);
                                got++;
                                wire_message_free(m);
                        } else {
                                g_assert_null(m);
                                g_assert_cmpuint(off, ==, end - start);
                        }
                }
                start = end;
        }
        g_assert_cmpuint(got, ==, 3);
        g_assert_true(wire_framer_idle(f));
}

static void test_wire_framer_every_split_of_three_messages(void)
{
        g_autoptr(GByteArray) stream = three_message_stream();
        _cleanup_wire_framer_ WireFramer *f = wire_framer_new();
        size_t cuts[2];

        g_assert_nonnull(f);
        feed_split(f, stream, NULL, 0);
        /* Every single split point, and every pair of split points. */
        for (size_t i = 0; i <= stream->len; i++) {
                cuts[0] = i;
                feed_split(f, stream, cuts, 1);
                for (size_t j = i; j <= stream->len; j += 7) {
                        cuts[1] = j;
                        feed_split(f, stream, cuts, 2);
                }
        }
}

static void test_wire_framer_byte_by_byte(void)
{
        g_autoptr(GByteArray) stream = three_message_stream();
        _cleanup_wire_framer_ WireFramer *f = wire_framer_new();
        g_autofree size_t *cuts = g_new(size_t, stream->len);

        for (size_t i = 0; i < stream->len; i++)
                cuts[i] = i;
        feed_split(f, stream, cuts, stream->len);
}

static void test_wire_framer_rejects_4gib_length_without_allocating(void)
{
        static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, 0x08, 0x01 };
        static const uint8_t just_over[] = { 0x00, 0x10, 0x00, 0x01 }; /* 1 MiB + 1 */
        _cleanup_wire_framer_ WireFramer *f = wire_framer_new();
        _cleanup_wire_framer_ WireFramer *g = wire_framer_new();
        WireMessage *m = NULL;
        size_t used = 99;

        g_assert_cmpint(wire_framer_feed(f, huge, 2, &used, &m), ==, 0);
        g_assert_cmpuint(used, ==, 2);
        g_assert_cmpint(wire_framer_feed(f, huge + 2, sizeof(huge) - 2, &used, &m), ==, -EMSGSIZE);
        g_assert_cmpuint(used, ==, 2);
        g_assert_null(m);
        g_assert_cmpuint(wire_framer_allocated(f), ==, 0);
        g_assert_false(wire_framer_idle(f));
        /* Framing is lost for good. */
        g_assert_cmpint(wire_framer_feed(f, huge + 4, 2, &used, &m), ==, -EMSGSIZE);
        g_assert_cmpuint(used, ==, 0);

        g_assert_cmpint(wire_framer_feed(g, just_over, sizeof(just_over), &used, &m), ==, -EMSGSIZE);
        g_assert_cmpuint(wire_framer_allocated(g), ==, 0);
}

static void test_wire_framer_allocates_only_what_arrived(void)
{
        static const uint8_t header[] = { 0x00, 0x10, 0x00, 0x00 }; /* exactly 1 MiB announced */
        _cleanup_wire_framer_ WireFramer *f = wire_framer_new();
        uint8_t body[100] = { 0 };
        WireMessage *m = NULL;
        size_t used = 0;

        g_assert_cmpint(wire_framer_feed(f, header, sizeof(header), &used, &m), ==, 0);
        g_assert_cmpuint(wire_framer_allocated(f), ==, 0);
        g_assert_cmpint(wire_framer_feed(f, body, sizeof(body), &used, &m), ==, 0);
        g_assert_cmpuint(used, ==, sizeof(body));
        g_assert_cmpuint(wire_framer_allocated(f), <=, 4096);
        g_assert_false(wire_framer_idle(f)); /* EOF here = a truncated frame */
}

static void test_wire_framer_bad_frame_is_consumed_and_stream_goes_on(void)
{
        g_autofree WireSample *s = g_new0(WireSample, 1);
        g_autoptr(GByteArray) stream = g_byte_array_new();
        _cleanup_wire_framer_ WireFramer *f = wire_framer_new();
        static const uint8_t garbage[] = { 0x00, 0x00, 0x00, 0x03, 0xff, 0xff, 0xff };
        static const uint8_t empty[] = { 0x00, 0x00, 0x00, 0x00 };
        WireMessage *m = NULL;
        size_t used = 0, off = 0;

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_NOP);
        g_autoptr(GByteArray) good = encode_frame(&s->env);
        g_byte_array_append(stream, garbage, sizeof(garbage));
        g_byte_array_append(stream, empty, sizeof(empty));
        g_byte_array_append(stream, good->data, good->len);

        g_assert_cmpint(wire_framer_feed(f, stream->data, stream->len, &used, &m), ==, -EBADMSG);
        g_assert_cmpuint(used, ==, sizeof(garbage));
        off += used;
        g_assert_cmpint(wire_framer_feed(f, stream->data + off, stream->len - off, &used, &m), ==, -EBADMSG);
        g_assert_cmpuint(used, ==, sizeof(empty));
        off += used;
        g_assert_cmpint(wire_framer_feed(f, stream->data + off, stream->len - off, &used, &m), ==, 1);
        g_assert_cmpint(m->env->body_case, ==, NTKWIRE__ENVELOPE__BODY_NOP);
        wire_message_free(m);
        g_assert_true(wire_framer_idle(f));
}

static void test_wire_frame_encode_writes_big_endian_length(void)
{
        g_autofree WireSample *s = g_new0(WireSample, 1);
        uint8_t buf[8192];
        size_t n = 0, body;

        wire_sample_init(s, NTKWIRE__ENVELOPE__BODY_GET_FULL_ETP_REPLY);
        body = wire_encoded_size(&s->env);
        g_assert_cmpuint(body, >, 255);
        g_assert_cmpint(wire_frame_encode(&s->env, buf, sizeof(buf), &n), ==, 0);
        g_assert_cmpuint(n, ==, body + 4);
        g_assert_cmpuint(((size_t) buf[0] << 24 | (size_t) buf[1] << 16 | (size_t) buf[2] << 8 | buf[3]), ==, body);
        g_assert_cmpint(wire_frame_encode(&s->env, buf, body + 3, &n), ==, -ENOSPC);
        g_assert_cmpint(wire_frame_encode(&s->env, buf, 2, &n), ==, -ENOSPC);
}

static void test_wire_drop_reason_names_every_documented_errno(void)
{
        static const int errs[] = { -EMSGSIZE, -EBADMSG, -EPROTONOSUPPORT, -E2BIG,
                                    -EINVAL,   -ENOBUFS, -ENOMEM,          -ENOSPC };
        for (size_t i = 0; i < G_N_ELEMENTS(errs); i++) {
                g_assert_cmpstr(wire_drop_reason(errs[i]), !=, "other");
                for (size_t j = 0; j < i; j++)
                        g_assert_cmpstr(wire_drop_reason(errs[i]), !=, wire_drop_reason(errs[j]));
        }
        g_assert_cmpstr(wire_drop_reason(-EIO), ==, "other");
        /* the counter index agrees with the label, distinct reasons get distinct slots, "other" is the last */
        for (size_t i = 0; i < G_N_ELEMENTS(errs); i++) {
                g_assert_cmpuint(wire_drop_index(errs[i]), <, WIRE_DROP_REASONS - 1);
                g_assert_cmpstr(wire_drop_label(wire_drop_index(errs[i])), ==, wire_drop_reason(errs[i]));
                for (size_t j = i + 1; j < G_N_ELEMENTS(errs); j++)
                        g_assert_cmpuint(wire_drop_index(errs[i]), !=, wire_drop_index(errs[j]));
        }
        g_assert_cmpuint(wire_drop_index(-EIO), ==, WIRE_DROP_REASONS - 1);
        g_assert_cmpstr(wire_drop_label(WIRE_DROP_REASONS + 5), ==, "other");
}

int main(int argc, char *argv[])
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/wire/roundtrip/every-body-kind-is-identical",
                        test_wire_roundtrip_every_body_kind_is_identical);
        g_test_add_func("/wire/roundtrip/etp-keeps-every-field", test_wire_roundtrip_etp_keeps_every_field);
        g_test_add_func("/wire/roundtrip/match-duplication-reply-null",
                        test_wire_roundtrip_match_duplication_reply_null);
        g_test_add_func("/wire/decode/discards-unknown-fields-of-a-newer-peer",
                        test_wire_decode_discards_unknown_fields_of_a_newer_peer);
        g_test_add_func("/wire/decode/unknown-version-is-eprotonosupport",
                        test_wire_decode_unknown_version_is_eprotonosupport);
        g_test_add_func("/wire/decode/missing-version-or-sender-is-ebadmsg",
                        test_wire_decode_missing_version_or_sender_is_ebadmsg);
        g_test_add_func("/wire/decode/missing-body-is-ebadmsg", test_wire_decode_missing_body_is_ebadmsg);
        g_test_add_func("/wire/decode/missing-mandatory-field-is-ebadmsg",
                        test_wire_decode_missing_mandatory_field_is_ebadmsg);
        g_test_add_func("/wire/decode/reply-without-request-id-is-ebadmsg",
                        test_wire_decode_reply_without_request_id_is_ebadmsg);
        g_test_add_func("/wire/decode/mac-of-wrong-length-is-einval", test_wire_decode_mac_of_wrong_length_is_einval);
        g_test_add_func("/wire/decode/out-of-range-values-are-einval", test_wire_decode_out_of_range_values_are_einval);
        g_test_add_func("/wire/decode/too-long-lists-are-e2big", test_wire_decode_too_long_lists_are_e2big);
        g_test_add_func("/wire/decode/every-truncation-is-ebadmsg", test_wire_decode_every_truncation_is_ebadmsg);
        g_test_add_func("/wire/decode/oversized-is-emsgsize", test_wire_oversized_is_emsgsize);
        g_test_add_func("/wire/decode/expanding-message-hits-memory-budget",
                        test_wire_decode_expanding_message_hits_memory_budget);
        g_test_add_func("/wire/decode/random-bytes-never-crash", test_wire_decode_random_bytes_never_crash);
        g_test_add_func("/wire/decode/single-byte-mutations-never-crash",
                        test_wire_decode_single_byte_mutations_never_crash);
        g_test_add_func("/wire/framer/every-split-of-three-messages", test_wire_framer_every_split_of_three_messages);
        g_test_add_func("/wire/framer/byte-by-byte", test_wire_framer_byte_by_byte);
        g_test_add_func("/wire/framer/rejects-4gib-length-without-allocating",
                        test_wire_framer_rejects_4gib_length_without_allocating);
        g_test_add_func("/wire/framer/allocates-only-what-arrived", test_wire_framer_allocates_only_what_arrived);
        g_test_add_func("/wire/framer/bad-frame-is-consumed-and-stream-goes-on",
                        test_wire_framer_bad_frame_is_consumed_and_stream_goes_on);
        g_test_add_func("/wire/frame-encode/writes-big-endian-length",
                        test_wire_frame_encode_writes_big_endian_length);
        g_test_add_func("/wire/drop-reason/names-every-documented-errno",
                        test_wire_drop_reason_names_every_documented_errno);
        return g_test_run();
}
