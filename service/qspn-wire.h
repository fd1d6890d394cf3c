/* qspn-wire.h — conversion between the QSPN engine's ETP (QspnEtp) and the wire's Etp message
 * (wire.proto), both ways. Must not: send, receive, keep state, or judge an ETP beyond its shape. */
#pragma once

#include "error.h"
#include "qspn.h"
#include "wire.h"

/* The longest path accepted from a neighbour: revision adds one hop, and the result must still fit
 * the wire (WIRE_MAX_HOPS). A stored path longer than this is left out of the messages we send (the
 * next node could not extend it), so one such path never keeps the rest of an ETP from going out. */
#define QSPN_WIRE_MAX_PATH_HOPS (WIRE_MAX_HOPS - 1)

/* The wire message for m under topology t (the sender's address carries t's gsizes), allocated as a
 * protobuf-c tree: free with qspn_wire_etp_free. -ENOMEM, or -EINVAL (err naming the value) if m does
 * not fit the wire: an address or fingerprint of another topology, more fingerprints, hops, paths or
 * ignore_outside entries than the bounds, a negative cost. *ret untouched on failure. */
int qspn_wire_from_etp(const NtkTopology *t, const QspnEtp *m, Ntkwire__Etp **ret, NtkErr *err);
void qspn_wire_etp_free(Ntkwire__Etp *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(Ntkwire__Etp *, qspn_wire_etp_free);

/* The engine's ETP for a received wire message that passed wire_check(). Refuses (-EBADMSG, err
 * naming the value) what the engine's types cannot hold or what contradicts topology t: an address of
 * another topology, a fingerprint whose elderships do not match its level, more than L+1 fingerprints
 * or nodes_inside, more ignore_outside entries than levels, a path of more than
 * QSPN_WIRE_MAX_PATH_HOPS hops. Everything the protocol itself forbids (cycles, levels, lengths) is
 * left to qspn_etp_validate(). Nothing is allocated and *ret is untouched on failure. */
int qspn_wire_to_etp(const NtkTopology *t, const Ntkwire__Etp *w, QspnEtp **ret, NtkErr *err);
