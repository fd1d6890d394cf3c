/* wire.h — encoding, decoding and bounds of every message between neighbours (wire.proto), and the
 * TCP framing. Must not: do I/O, log, keep counters or know what a message means to its receiver. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.pb-c.h"

/* The schema version this code speaks; an envelope with any other version is refused. */
#define WIRE_VERSION 1u

/* UDP (discovery, keepalive, broadcasts) and TCP (request/response) both use this port. */
#define WIRE_PORT 60269

/* ---- Hard bounds ------------------------------------------------------------------------------ */

#define WIRE_UDP_MAX_SIZE 65507u       /* one datagram: the largest IPv4 UDP payload */
#define WIRE_TCP_MAX_SIZE (1u << 20)   /* one TCP frame's envelope, length prefix excluded */
#define WIRE_FRAME_HEADER_SIZE 4u      /* big-endian uint32 length of the envelope that follows */
#define WIRE_MAC_LEN 6u                /* every MAC field: exactly 6 bytes */
#define WIRE_MAX_LEVELS 16u            /* Naddr positions/gsizes, ignore_outside, elderships */
#define WIRE_MAX_FINGERPRINTS (WIRE_MAX_LEVELS + 1) /* Etp.fingerprints / nodes_inside: L+1 */
#define WIRE_MAX_HOPS 256u             /* Etp.hops, EtpPath.hops (and arcs) */
#define WIRE_MAX_PATHS 16384u          /* Etp.paths */
#define WIRE_MAX_IDENTITIES 64u        /* Envelope.dst_identities */
#define WIRE_MAX_TEXT 256u             /* Error.message, bytes */
#define WIRE_MAX_POS 0x3fffffffu       /* a position, virtual ones included */
#define WIRE_MAX_GSIZE (1u << 22)      /* a gsize (the whole 10/8 host budget) */
/* Decoding one message may hold at most FACTOR × its encoded size + SLACK bytes at once (peak,
 * protobuf-c's scratch space included). Valid messages peak below 17× (measured: 16384 minimal
 * paths); hostile ones (e.g. runs of empty submessages, 2 wire bytes → ~96 decoded) reach ~50×
 * and are refused with -ENOBUFS. A 1 MiB TCP frame may thus take up to 32 MiB while decoding. */
#define WIRE_DECODE_MEM_FACTOR 32u
#define WIRE_DECODE_MEM_SLACK 65536u

/* ---- Errors -----------------------------------------------------------------------------------
 * Every function returns 0 (or a count) or one of these negative errnos, one per drop reason, so
 * that the caller can count drops by reason (wire_drop_reason() names them):
 *   -EMSGSIZE         the datagram / frame / message is larger than its transport's bound (a TCP
 *                     frame length prefix is checked before anything is buffered);
 *   -EBADMSG          not a valid encoding (truncated, bad varint or wire type), a mandatory field
 *                     absent, no body, a reply without request_id, an empty frame;
 *   -EPROTONOSUPPORT  Envelope.version present but != WIRE_VERSION;
 *   -E2BIG            a list longer than its bound (WIRE_MAX_*);
 *   -EINVAL           a field value out of range: MAC length != 6, link-local outside
 *                     169.254.0.0/16, id 0, level >= WIRE_MAX_LEVELS, position/gsize too large,
 *                     unknown enum value, inconsistent cost, text too long or not printable,
 *                     pos/gsize lists of different lengths;
 *   -ENOBUFS          decoding would exceed the memory budget (WIRE_DECODE_MEM_*);
 *   -ENOMEM           out of memory;
 *   -ENOSPC           (encoders only) the output buffer is too small.
 * The checks are structural: ETP semantics (qspn.md §2.3 check_any/check_incoming_message) are the
 * QSPN engine's (qspn_etp_validate), so that it can react to an invalid ETP as §5.1 prescribes. */

typedef Ntkwire__Envelope WireEnvelope;
typedef Ntkwire__Envelope__BodyCase WireBody;

typedef enum WireTransport {
        WIRE_UDP,
        WIRE_TCP,
} WireTransport;

/* A decoded envelope and the memory behind it. Free with wire_message_free(). */
typedef struct WireMessage {
        const WireEnvelope *env;
} WireMessage;

/* Structural checks of an envelope (the same on encode and decode). */
int wire_check(const WireEnvelope *e);

/* Size of e encoded, without any framing. */
size_t wire_encoded_size(const WireEnvelope *e);

/* Checks e and writes it to buf. -EMSGSIZE if it exceeds the bound of transport t, -ENOSPC if
 * size is too small. *ret_len untouched on failure. */
int wire_encode(const WireEnvelope *e, WireTransport t, uint8_t *buf, size_t size, size_t *ret_len);

/* Decodes and checks one envelope of len bytes received on transport t. Unknown fields (added by
 * a newer peer within the same version) are discarded. *ret untouched on failure. */
int wire_decode(const uint8_t *buf, size_t len, WireTransport t, WireMessage **ret);

WireMessage *wire_message_free(WireMessage *m);
static inline void wire_message_freep(WireMessage **m)
{
        if (*m)
                wire_message_free(*m);
}
#define _cleanup_wire_message_ __attribute__((cleanup(wire_message_freep)))

/* ---- TCP framing ---------------------------------------------------------------------------- */

/* Writes the 4-byte big-endian length and e (at most WIRE_TCP_MAX_SIZE). Errors as wire_encode. */
int wire_frame_encode(const WireEnvelope *e, uint8_t *buf, size_t size, size_t *ret_len);

/* A streaming decoder of frames; input may be split anywhere. Memory grows with the bytes of the
 * current frame actually received, never with the announced length. */
typedef struct WireFramer WireFramer;

WireFramer *wire_framer_new(void);
WireFramer *wire_framer_free(WireFramer *f);
static inline void wire_framer_freep(WireFramer **f)
{
        if (*f)
                wire_framer_free(*f);
}
#define _cleanup_wire_framer_ __attribute__((cleanup(wire_framer_freep)))

/* Consumes bytes of data until one frame completes or data is exhausted; *ret_consumed = bytes
 * consumed (always set). Returns
 *   0   all of data consumed, no frame complete yet (*ret_msg = NULL);
 *   1   a frame completed: *ret_msg = its message; data[*ret_consumed..] is not consumed yet;
 *   <0  a frame completed but did not decode (errors of wire_decode): it is consumed and the
 *       framer is ready for the next frame (the caller decides whether to go on); or
 *       -EMSGSIZE: a length prefix above WIRE_TCP_MAX_SIZE. Framing is lost: every later call
 *       returns -EMSGSIZE; close the connection. */
int wire_framer_feed(WireFramer *f, const uint8_t *data, size_t len, size_t *ret_consumed,
                     WireMessage **ret_msg);

/* True if the framer is between frames (at EOF: false means the stream ended mid-frame, i.e. a
 * truncated frame, count it as -EBADMSG). */
bool wire_framer_idle(const WireFramer *f);

/* Bytes currently allocated for a partial frame (for tests and statistics). */
size_t wire_framer_allocated(const WireFramer *f);

/* ---- Helpers ---------------------------------------------------------------------------------- */

/* "here_i_am", "send_etp", …; "none" for no body, "unknown" for anything else. */
const char *wire_body_name(WireBody b);

/* True for the bodies that answer a request (they carry the request's request_id). */
bool wire_body_is_reply(WireBody b);

/* Short stable label of a drop reason, for counters: "oversized", "malformed", "version",
 * "too-long-list", "invalid-field", "memory-budget", "out-of-memory", "no-space", "other". */
const char *wire_drop_reason(int r);

/* The same reasons as indices 0 .. WIRE_DROP_REASONS-1 (the last one is "other"), for arrays of counters. */
#define WIRE_DROP_REASONS 9
size_t wire_drop_index(int r);
const char *wire_drop_label(size_t i);
