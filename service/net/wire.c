/* wire.c — bounds-checked encoding/decoding of wire.proto envelopes over protobuf-c, and the TCP
 * framer. Must not: do I/O, log, count, or interpret a message beyond its structural bounds. */
#include "wire.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define LINKLOCAL_NET 0xa9fe0000u /* 169.254.0.0/16 */
#define LINKLOCAL_MASK 0xffff0000u
#define FRAMER_KEEP_MAX 65536u    /* a framer keeps at most this much buffer between frames */
#define FRAMER_MIN_ALLOC 4096u

/* ---- Structural checks -------------------------------------------------------------------------
 * Absent mandatory field → -EBADMSG; list too long → -E2BIG; value out of range → -EINVAL. */

#define CHECK(expr)                                                                                          \
        do {                                                                                                 \
                int _r_ = (expr);                                                                            \
                if (_r_ < 0)                                                                                 \
                        return _r_;                                                                          \
        } while (0)

static int check_present(protobuf_c_boolean has)
{
        return has ? 0 : -EBADMSG;
}

static int check_id(protobuf_c_boolean has, uint64_t id)
{
        if (!has)
                return -EBADMSG;
        return id != 0 ? 0 : -EINVAL;
}

static int check_mac(protobuf_c_boolean has, const ProtobufCBinaryData *mac)
{
        if (!has)
                return -EBADMSG;
        return mac->len == WIRE_MAC_LEN && mac->data ? 0 : -EINVAL;
}

static int check_linklocal(protobuf_c_boolean has, uint32_t addr)
{
        if (!has)
                return -EBADMSG;
        return (addr & LINKLOCAL_MASK) == LINKLOCAL_NET ? 0 : -EINVAL;
}

/* n elements of a list bounded by max; message lists must not hold NULLs (only possible in an
 * envelope built by a caller, never in a decoded one). */
static int check_list(size_t n, size_t max, const void *array)
{
        if (n > max)
                return -E2BIG;
        return n == 0 || array ? 0 : -EINVAL;
}

static int check_text(const char *s)
{
        size_t n = 0;

        if (!s)
                return 0;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++, n++) {
                if (n >= WIRE_MAX_TEXT)
                        return -EINVAL;
                if (*p < 0x20 || *p == 0x7f)
                        return -EINVAL;
        }
        return 0;
}

static int check_naddr(const Ntkwire__Naddr *a)
{
        if (!a)
                return -EBADMSG;
        CHECK(check_list(a->n_pos, WIRE_MAX_LEVELS, a->pos));
        CHECK(check_list(a->n_gsize, WIRE_MAX_LEVELS, a->gsize));
        if (a->n_pos == 0 || a->n_pos != a->n_gsize)
                return -EINVAL;
        for (size_t i = 0; i < a->n_pos; i++)
                if (a->pos[i] > WIRE_MAX_POS || a->gsize[i] == 0 || a->gsize[i] > WIRE_MAX_GSIZE)
                        return -EINVAL;
        return 0;
}

static int check_hcoord(const Ntkwire__HCoord *h)
{
        if (!h)
                return -EINVAL;
        if (!h->has_lvl || !h->has_pos)
                return -EBADMSG;
        return h->lvl < WIRE_MAX_LEVELS && h->pos <= WIRE_MAX_POS ? 0 : -EINVAL;
}

static int check_hops(size_t n, Ntkwire__HCoord *const *hops)
{
        CHECK(check_list(n, WIRE_MAX_HOPS, hops));
        for (size_t i = 0; i < n; i++)
                CHECK(check_hcoord(hops[i]));
        return 0;
}

static int check_fingerprint(const Ntkwire__Fingerprint *f)
{
        if (!f)
                return -EBADMSG;
        if (!f->has_id || !f->has_level)
                return -EBADMSG;
        if (f->level > WIRE_MAX_LEVELS)
                return -EINVAL;
        CHECK(check_list(f->n_elderships, WIRE_MAX_LEVELS, f->elderships));
        CHECK(check_list(f->n_elderships_seed, WIRE_MAX_LEVELS, f->elderships_seed));
        if (f->n_elderships + f->n_elderships_seed > WIRE_MAX_LEVELS)
                return -E2BIG;
        for (size_t i = 0; i < f->n_elderships; i++)
                if (f->elderships[i] < -1)
                        return -EINVAL;
        for (size_t i = 0; i < f->n_elderships_seed; i++)
                if (f->elderships_seed[i] < -1)
                        return -EINVAL;
        return 0;
}

static int check_cost(const Ntkwire__Cost *c)
{
        if (!c || !c->has_kind)
                return -EBADMSG;
        switch (c->kind) {
        case NTKWIRE__COST__KIND__REAL:
                if (!c->has_usec)
                        return -EBADMSG;
                return c->usec >= 1 && c->usec < (uint64_t) INT64_MAX ? 0 : -EINVAL;
        case NTKWIRE__COST__KIND__NULL:
        case NTKWIRE__COST__KIND__DEAD:
                return c->has_usec ? -EINVAL : 0;
        default:
                return -EINVAL;
        }
}

static int check_etp_path(const Ntkwire__EtpPath *p)
{
        if (!p)
                return -EINVAL;
        CHECK(check_hops(p->n_hops, p->hops));
        CHECK(check_list(p->n_arcs, WIRE_MAX_HOPS, p->arcs));
        CHECK(check_list(p->n_ignore_outside, WIRE_MAX_LEVELS, p->ignore_outside));
        CHECK(check_cost(p->cost));
        CHECK(check_fingerprint(p->fingerprint));
        return check_present(p->has_nodes_inside);
}

static int check_etp(const Ntkwire__Etp *m)
{
        if (!m)
                return -EBADMSG;
        CHECK(check_naddr(m->node_address));
        CHECK(check_list(m->n_fingerprints, WIRE_MAX_FINGERPRINTS, m->fingerprints));
        for (size_t i = 0; i < m->n_fingerprints; i++)
                CHECK(check_fingerprint(m->fingerprints[i]));
        CHECK(check_list(m->n_nodes_inside, WIRE_MAX_FINGERPRINTS, m->nodes_inside));
        CHECK(check_hops(m->n_hops, m->hops));
        CHECK(check_list(m->n_paths, WIRE_MAX_PATHS, m->paths));
        for (size_t i = 0; i < m->n_paths; i++)
                CHECK(check_etp_path(m->paths[i]));
        return 0;
}

static int check_arc_ends(const Ntkwire__ArcEnds *a)
{
        if (!a)
                return -EBADMSG;
        CHECK(check_id(a->has_your_id, a->your_id));
        CHECK(check_mac(a->has_your_mac, &a->your_mac));
        CHECK(check_linklocal(a->has_your_addr, a->your_addr));
        CHECK(check_id(a->has_my_id, a->my_id));
        CHECK(check_mac(a->has_my_mac, &a->my_mac));
        return check_linklocal(a->has_my_addr, a->my_addr);
}

static int check_body(const WireEnvelope *e)
{
        switch (e->body_case) {
        case NTKWIRE__ENVELOPE__BODY_HERE_I_AM: {
                const Ntkwire__HereIAm *b = e->here_i_am;
                if (!b)
                        return -EBADMSG;
                CHECK(check_id(b->has_node_id, b->node_id));
                CHECK(check_mac(b->has_mac, &b->mac));
                return check_linklocal(b->has_nic_addr, b->nic_addr);
        }
        case NTKWIRE__ENVELOPE__BODY_REQUEST_ARC:
                return check_arc_ends(e->request_arc);
        case NTKWIRE__ENVELOPE__BODY_REMOVE_ARC:
                return check_arc_ends(e->remove_arc);
        case NTKWIRE__ENVELOPE__BODY_CAN_YOU_EXPORT:
                return e->can_you_export ? check_present(e->can_you_export->has_i_can_export) : -EBADMSG;
        case NTKWIRE__ENVELOPE__BODY_CAN_YOU_EXPORT_REPLY:
                return e->can_you_export_reply ? check_present(e->can_you_export_reply->has_i_can_export)
                                               : -EBADMSG;
        case NTKWIRE__ENVELOPE__BODY_COST_PROBE:
                if (!e->cost_probe)
                        return -EBADMSG;
                return check_present(e->cost_probe->has_seq && e->cost_probe->has_sent_ns);
        case NTKWIRE__ENVELOPE__BODY_COST_ECHO:
                if (!e->cost_echo)
                        return -EBADMSG;
                return check_present(e->cost_echo->has_seq && e->cost_echo->has_sent_ns);
        case NTKWIRE__ENVELOPE__BODY_MATCH_DUPLICATION: {
                const Ntkwire__MatchDuplication *b = e->match_duplication;
                if (!b)
                        return -EBADMSG;
                CHECK(check_id(b->has_migration_id, b->migration_id));
                CHECK(check_id(b->has_peer_id, b->peer_id));
                CHECK(check_id(b->has_old_id, b->old_id));
                CHECK(check_id(b->has_new_id, b->new_id));
                CHECK(check_mac(b->has_old_id_new_mac, &b->old_id_new_mac));
                return check_linklocal(b->has_old_id_new_linklocal, b->old_id_new_linklocal);
        }
        case NTKWIRE__ENVELOPE__BODY_MATCH_DUPLICATION_REPLY: {
                const Ntkwire__DuplicationData *d;
                if (!e->match_duplication_reply)
                        return -EBADMSG;
                d = e->match_duplication_reply->data;
                if (!d) /* null: the peer identity did not take part */
                        return 0;
                CHECK(check_id(d->has_peer_new_id, d->peer_new_id));
                CHECK(check_mac(d->has_peer_old_id_new_mac, &d->peer_old_id_new_mac));
                return check_linklocal(d->has_peer_old_id_new_linklocal, d->peer_old_id_new_linklocal);
        }
        case NTKWIRE__ENVELOPE__BODY_GET_PEER_MAIN_ID_REPLY:
                if (!e->get_peer_main_id_reply)
                        return -EBADMSG;
                return check_id(e->get_peer_main_id_reply->has_identity_id,
                                e->get_peer_main_id_reply->identity_id);
        case NTKWIRE__ENVELOPE__BODY_IDENTITY_MOVED: {
                const Ntkwire__IdentityMoved *b = e->identity_moved;
                if (!b)
                        return -EBADMSG;
                CHECK(check_id(b->has_identity_id, b->identity_id));
                CHECK(check_mac(b->has_old_mac, &b->old_mac));
                CHECK(check_mac(b->has_new_mac, &b->new_mac));
                return check_linklocal(b->has_new_linklocal, b->new_linklocal);
        }
        case NTKWIRE__ENVELOPE__BODY_NOTIFY_IDENTITY_ARC_REMOVED: {
                const Ntkwire__NotifyIdentityArcRemoved *b = e->notify_identity_arc_removed;
                if (!b)
                        return -EBADMSG;
                CHECK(check_id(b->has_my_identity, b->my_identity));
                return check_id(b->has_your_identity, b->your_identity);
        }
        case NTKWIRE__ENVELOPE__BODY_IDENTITY_DISMISSED:
                if (!e->identity_dismissed)
                        return -EBADMSG;
                return check_id(e->identity_dismissed->has_identity_id, e->identity_dismissed->identity_id);
        case NTKWIRE__ENVELOPE__BODY_SEND_ETP:
                if (!e->send_etp)
                        return -EBADMSG;
                CHECK(check_present(e->send_etp->has_is_full));
                return check_etp(e->send_etp->etp);
        case NTKWIRE__ENVELOPE__BODY_GET_FULL_ETP:
                return e->get_full_etp ? check_naddr(e->get_full_etp->requester_address) : -EBADMSG;
        case NTKWIRE__ENVELOPE__BODY_GET_FULL_ETP_REPLY:
                return e->get_full_etp_reply ? check_etp(e->get_full_etp_reply->etp) : -EBADMSG;
        case NTKWIRE__ENVELOPE__BODY_ERROR:
                if (!e->error || !e->error->has_code)
                        return -EBADMSG;
                if (e->error->code < NTKWIRE__ERROR__CODE__UNSPECIFIED ||
                    e->error->code > NTKWIRE__ERROR__CODE__INTERNAL)
                        return -EINVAL;
                return check_text(e->error->message);
        /* No fields. */
        case NTKWIRE__ENVELOPE__BODY_NOP:
                return e->nop ? 0 : -EBADMSG;
        case NTKWIRE__ENVELOPE__BODY_GET_PEER_MAIN_ID:
                return e->get_peer_main_id ? 0 : -EBADMSG;
        case NTKWIRE__ENVELOPE__BODY_GOT_PREPARE_DESTROY:
                return e->got_prepare_destroy ? 0 : -EBADMSG;
        case NTKWIRE__ENVELOPE__BODY_GOT_DESTROY:
                return e->got_destroy ? 0 : -EBADMSG;
        case NTKWIRE__ENVELOPE__BODY_DONE:
                return e->done ? 0 : -EBADMSG;
        case NTKWIRE__ENVELOPE__BODY_ACK:
                return e->ack ? 0 : -EBADMSG;
        case NTKWIRE__ENVELOPE__BODY__NOT_SET:
        default:
                return -EBADMSG;
        }
}

int wire_check(const WireEnvelope *e)
{
        if (!e)
                return -EINVAL;
        if (!e->has_version)
                return -EBADMSG;
        if (e->version != WIRE_VERSION)
                return -EPROTONOSUPPORT;
        CHECK(check_id(e->has_sender_node_id, e->sender_node_id));
        if (e->has_src_mac)
                CHECK(check_mac(true, &e->src_mac));
        if (e->has_dst_node_id && e->dst_node_id == 0)
                return -EINVAL;
        if (e->has_src_identity && e->src_identity == 0)
                return -EINVAL;
        CHECK(check_list(e->n_dst_identities, WIRE_MAX_IDENTITIES, e->dst_identities));
        for (size_t i = 0; i < e->n_dst_identities; i++)
                if (e->dst_identities[i] == 0)
                        return -EINVAL;
        if (e->body_case == NTKWIRE__ENVELOPE__BODY__NOT_SET)
                return -EBADMSG;
        if (wire_body_is_reply(e->body_case) && !(e->has_request_id && e->request_id != 0))
                return -EBADMSG;
        if (e->body_case == NTKWIRE__ENVELOPE__BODY_ACK && !e->has_packet_id)
                return -EBADMSG;
        return check_body(e);
}

/* ---- Encoding ----------------------------------------------------------------------------------- */

static size_t transport_max(WireTransport t)
{
        return t == WIRE_UDP ? WIRE_UDP_MAX_SIZE : WIRE_TCP_MAX_SIZE;
}

size_t wire_encoded_size(const WireEnvelope *e)
{
        return protobuf_c_message_get_packed_size(&e->base);
}

int wire_encode(const WireEnvelope *e, WireTransport t, uint8_t *buf, size_t size, size_t *ret_len)
{
        size_t n;

        CHECK(wire_check(e));
        n = wire_encoded_size(e);
        if (n > transport_max(t))
                return -EMSGSIZE;
        if (n > size)
                return -ENOSPC;
        if (protobuf_c_message_pack(&e->base, buf) != n)
                return -EINVAL;
        *ret_len = n;
        return 0;
}

int wire_frame_encode(const WireEnvelope *e, uint8_t *buf, size_t size, size_t *ret_len)
{
        size_t n;

        CHECK(wire_check(e));
        n = wire_encoded_size(e);
        if (n > WIRE_TCP_MAX_SIZE)
                return -EMSGSIZE;
        if (size < WIRE_FRAME_HEADER_SIZE || n > size - WIRE_FRAME_HEADER_SIZE)
                return -ENOSPC;
        buf[0] = (uint8_t) (n >> 24);
        buf[1] = (uint8_t) (n >> 16);
        buf[2] = (uint8_t) (n >> 8);
        buf[3] = (uint8_t) n;
        if (protobuf_c_message_pack(&e->base, buf + WIRE_FRAME_HEADER_SIZE) != n)
                return -EINVAL;
        *ret_len = WIRE_FRAME_HEADER_SIZE + n;
        return 0;
}

/* ---- Decoding ----------------------------------------------------------------------------------
 * protobuf-c cannot be told list bounds before it allocates (it counts a repeated field, then
 * allocates the array), so every allocation of one unpack goes through a budget allocator: the
 * decoded size of a message is bounded by a multiple of its encoded size, and a hostile message
 * that expands more than any valid one is refused with -ENOBUFS instead of being allocated. */

typedef struct WireMessageImpl {
        WireMessage pub; /* first: a WireMessage * is a WireMessageImpl * */
        ProtobufCAllocator allocator;
        size_t budget; /* bytes that may be live at once, headers included */
        size_t live;
        bool over_budget;
        bool out_of_memory;
} WireMessageImpl;

/* Each block starts with its size, so that frees are credited back: protobuf-c allocates and frees
 * scratch space while it unpacks, and the budget bounds the peak, not the sum. */
typedef union BlockHeader {
        size_t size;
        max_align_t align;
} BlockHeader;

static void *budget_alloc(void *data, size_t size)
{
        WireMessageImpl *m = data;
        BlockHeader *h;

        if (size > m->budget - m->live || sizeof(BlockHeader) > m->budget - m->live - size) {
                m->over_budget = true;
                return NULL;
        }
        h = malloc(sizeof(BlockHeader) + size);
        if (!h) {
                m->out_of_memory = true;
                return NULL;
        }
        h->size = sizeof(BlockHeader) + size;
        m->live += h->size;
        return h + 1;
}

static void budget_free(void *data, void *p)
{
        WireMessageImpl *m = data;
        BlockHeader *h;

        if (!p)
                return;
        h = (BlockHeader *) p - 1;
        m->live -= h->size;
        free(h);
}

/* Drops the unknown fields of m and of every submessage: fields a newer peer added within the same
 * version are ignored, never kept, re-encoded or forwarded. The schema is not recursive, so the
 * depth is bounded by it (Envelope → SendEtp → Etp → EtpPath → HCoord). */
static void strip_unknown_fields(ProtobufCMessage *m, ProtobufCAllocator *a)
{
        const ProtobufCMessageDescriptor *d = m->descriptor;

        for (unsigned i = 0; i < m->n_unknown_fields; i++)
                a->free(a->allocator_data, m->unknown_fields[i].data);
        if (m->unknown_fields)
                a->free(a->allocator_data, m->unknown_fields);
        m->unknown_fields = NULL;
        m->n_unknown_fields = 0;

        for (unsigned f = 0; f < d->n_fields; f++) {
                const ProtobufCFieldDescriptor *fd = &d->fields[f];
                char *base = (char *) m;

                if (fd->type != PROTOBUF_C_TYPE_MESSAGE)
                        continue;
                if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
                        size_t n = *(size_t *) (base + fd->quantifier_offset);
                        ProtobufCMessage **v = *(ProtobufCMessage ***) (base + fd->offset);
                        for (size_t j = 0; j < n; j++)
                                if (v[j])
                                        strip_unknown_fields(v[j], a);
                        continue;
                }
                if ((fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
                    *(uint32_t *) (base + fd->quantifier_offset) != fd->id)
                        continue;
                if (*(ProtobufCMessage **) (base + fd->offset))
                        strip_unknown_fields(*(ProtobufCMessage **) (base + fd->offset), a);
        }
}

WireMessage *wire_message_free(WireMessage *pub)
{
        WireMessageImpl *m = (WireMessageImpl *) pub;

        if (!m)
                return NULL;
        if (m->pub.env)
                protobuf_c_message_free_unpacked((ProtobufCMessage *) &m->pub.env->base, &m->allocator);
        free(m);
        return NULL;
}

int wire_decode(const uint8_t *buf, size_t len, WireTransport t, WireMessage **ret)
{
        WireMessageImpl *m;
        WireEnvelope *e;
        int r;

        if (len > transport_max(t))
                return -EMSGSIZE;
        if (len > 0 && !buf)
                return -EINVAL;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->allocator = (ProtobufCAllocator){
                .alloc = budget_alloc,
                .free = budget_free,
                .allocator_data = m,
        };
        m->budget = WIRE_DECODE_MEM_FACTOR * len + WIRE_DECODE_MEM_SLACK;

        e = ntkwire__envelope__unpack(&m->allocator, len, buf);
        if (!e) {
                r = m->over_budget ? -ENOBUFS : m->out_of_memory ? -ENOMEM : -EBADMSG;
                free(m);
                return r;
        }
        m->pub.env = e;
        strip_unknown_fields(&e->base, &m->allocator);

        r = wire_check(e);
        if (r < 0) {
                wire_message_free(&m->pub);
                return r;
        }
        *ret = &m->pub;
        return 0;
}

/* ---- TCP framer --------------------------------------------------------------------------------- */

struct WireFramer {
        uint8_t header[WIRE_FRAME_HEADER_SIZE];
        size_t header_len;
        size_t frame_len; /* valid once header_len == WIRE_FRAME_HEADER_SIZE */
        uint8_t *buf;
        size_t buf_len;
        size_t buf_alloc;
        int broken; /* -EMSGSIZE once framing is lost */
};

WireFramer *wire_framer_new(void)
{
        return calloc(1, sizeof(WireFramer));
}

WireFramer *wire_framer_free(WireFramer *f)
{
        if (!f)
                return NULL;
        free(f->buf);
        free(f);
        return NULL;
}

bool wire_framer_idle(const WireFramer *f)
{
        return f->header_len == 0 && f->broken == 0;
}

size_t wire_framer_allocated(const WireFramer *f)
{
        return f->buf_alloc;
}

static void framer_next(WireFramer *f)
{
        f->header_len = 0;
        f->frame_len = 0;
        f->buf_len = 0;
        if (f->buf_alloc > FRAMER_KEEP_MAX) {
                free(f->buf);
                f->buf = NULL;
                f->buf_alloc = 0;
        }
}

/* Room for at least `need` bytes of the current frame; grows with what actually arrived. */
static int framer_reserve(WireFramer *f, size_t need)
{
        size_t n;
        uint8_t *p;

        if (need <= f->buf_alloc)
                return 0;
        n = f->buf_alloc > 0 ? f->buf_alloc : FRAMER_MIN_ALLOC;
        while (n < need)
                n *= 2;
        if (n > f->frame_len)
                n = f->frame_len;
        p = realloc(f->buf, n);
        if (!p)
                return -ENOMEM;
        f->buf = p;
        f->buf_alloc = n;
        return 0;
}

int wire_framer_feed(WireFramer *f, const uint8_t *data, size_t len, size_t *ret_consumed,
                     WireMessage **ret_msg)
{
        size_t used = 0;
        int r;

        *ret_consumed = 0;
        *ret_msg = NULL;
        if (f->broken < 0)
                return f->broken;

        while (used < len) {
                if (f->header_len < WIRE_FRAME_HEADER_SIZE) {
                        size_t n = WIRE_FRAME_HEADER_SIZE - f->header_len;
                        if (n > len - used)
                                n = len - used;
                        memcpy(f->header + f->header_len, data + used, n);
                        f->header_len += n;
                        used += n;
                        if (f->header_len < WIRE_FRAME_HEADER_SIZE)
                                break;
                        f->frame_len = (size_t) f->header[0] << 24 | (size_t) f->header[1] << 16 |
                                       (size_t) f->header[2] << 8 | (size_t) f->header[3];
                        if (f->frame_len > WIRE_TCP_MAX_SIZE) {
                                f->broken = -EMSGSIZE;
                                *ret_consumed = used;
                                return f->broken;
                        }
                        /* The whole frame is in data: decode in place, no copy. */
                        if (f->frame_len <= len - used) {
                                r = wire_decode(data + used, f->frame_len, WIRE_TCP, ret_msg);
                                used += f->frame_len;
                                framer_next(f);
                                *ret_consumed = used;
                                return r < 0 ? r : 1;
                        }
                }
                if (used == len) /* the header just completed at the end of data */
                        break;
                if (f->buf_len < f->frame_len) {
                        size_t n = f->frame_len - f->buf_len;
                        if (n > len - used)
                                n = len - used;
                        r = framer_reserve(f, f->buf_len + n);
                        if (r < 0) {
                                *ret_consumed = used;
                                return r;
                        }
                        memcpy(f->buf + f->buf_len, data + used, n);
                        f->buf_len += n;
                        used += n;
                }
                if (f->buf_len == f->frame_len) {
                        r = wire_decode(f->buf, f->frame_len, WIRE_TCP, ret_msg);
                        framer_next(f);
                        *ret_consumed = used;
                        return r < 0 ? r : 1;
                }
        }
        *ret_consumed = used;
        return 0;
}

/* ---- Helpers ------------------------------------------------------------------------------------ */

const char *wire_body_name(WireBody b)
{
        switch (b) {
        case NTKWIRE__ENVELOPE__BODY__NOT_SET:
                return "none";
        case NTKWIRE__ENVELOPE__BODY_HERE_I_AM:
                return "here_i_am";
        case NTKWIRE__ENVELOPE__BODY_REQUEST_ARC:
                return "request_arc";
        case NTKWIRE__ENVELOPE__BODY_REMOVE_ARC:
                return "remove_arc";
        case NTKWIRE__ENVELOPE__BODY_CAN_YOU_EXPORT:
                return "can_you_export";
        case NTKWIRE__ENVELOPE__BODY_CAN_YOU_EXPORT_REPLY:
                return "can_you_export_reply";
        case NTKWIRE__ENVELOPE__BODY_NOP:
                return "nop";
        case NTKWIRE__ENVELOPE__BODY_COST_PROBE:
                return "cost_probe";
        case NTKWIRE__ENVELOPE__BODY_COST_ECHO:
                return "cost_echo";
        case NTKWIRE__ENVELOPE__BODY_MATCH_DUPLICATION:
                return "match_duplication";
        case NTKWIRE__ENVELOPE__BODY_MATCH_DUPLICATION_REPLY:
                return "match_duplication_reply";
        case NTKWIRE__ENVELOPE__BODY_GET_PEER_MAIN_ID:
                return "get_peer_main_id";
        case NTKWIRE__ENVELOPE__BODY_GET_PEER_MAIN_ID_REPLY:
                return "get_peer_main_id_reply";
        case NTKWIRE__ENVELOPE__BODY_IDENTITY_MOVED:
                return "identity_moved";
        case NTKWIRE__ENVELOPE__BODY_NOTIFY_IDENTITY_ARC_REMOVED:
                return "notify_identity_arc_removed";
        case NTKWIRE__ENVELOPE__BODY_IDENTITY_DISMISSED:
                return "identity_dismissed";
        case NTKWIRE__ENVELOPE__BODY_SEND_ETP:
                return "send_etp";
        case NTKWIRE__ENVELOPE__BODY_GET_FULL_ETP:
                return "get_full_etp";
        case NTKWIRE__ENVELOPE__BODY_GET_FULL_ETP_REPLY:
                return "get_full_etp_reply";
        case NTKWIRE__ENVELOPE__BODY_GOT_PREPARE_DESTROY:
                return "got_prepare_destroy";
        case NTKWIRE__ENVELOPE__BODY_GOT_DESTROY:
                return "got_destroy";
        case NTKWIRE__ENVELOPE__BODY_DONE:
                return "done";
        case NTKWIRE__ENVELOPE__BODY_ACK:
                return "ack";
        case NTKWIRE__ENVELOPE__BODY_ERROR:
                return "error";
        default:
                return "unknown";
        }
}

bool wire_body_is_reply(WireBody b)
{
        switch (b) {
        case NTKWIRE__ENVELOPE__BODY_CAN_YOU_EXPORT_REPLY:
        case NTKWIRE__ENVELOPE__BODY_MATCH_DUPLICATION_REPLY:
        case NTKWIRE__ENVELOPE__BODY_GET_PEER_MAIN_ID_REPLY:
        case NTKWIRE__ENVELOPE__BODY_GET_FULL_ETP_REPLY:
        case NTKWIRE__ENVELOPE__BODY_DONE:
        case NTKWIRE__ENVELOPE__BODY_ERROR:
                return true;
        default:
                return false;
        }
}

static const struct {
        int errno_value;
        const char *label;
} drop_reasons[WIRE_DROP_REASONS] = {
        { -EMSGSIZE, "oversized" },
        { -EBADMSG, "malformed" },
        { -EPROTONOSUPPORT, "version" },
        { -E2BIG, "too-long-list" },
        { -EINVAL, "invalid-field" },
        { -ENOBUFS, "memory-budget" },
        { -ENOMEM, "out-of-memory" },
        { -ENOSPC, "no-space" },
        { 0, "other" },
};

size_t wire_drop_index(int r)
{
        for (size_t i = 0; i + 1 < WIRE_DROP_REASONS; i++)
                if (drop_reasons[i].errno_value == r)
                        return i;
        return WIRE_DROP_REASONS - 1;
}

const char *wire_drop_label(size_t i)
{
        return drop_reasons[i < WIRE_DROP_REASONS ? i : WIRE_DROP_REASONS - 1].label;
}

const char *wire_drop_reason(int r)
{
        return wire_drop_label(wire_drop_index(r));
}
