/* qspn-wire.h — conversion between the QSPN engine's ETP (QspnEtp) and the wire's Etp message
 * (wire.proto), both ways. Must not: send, receive, or judge an ETP beyond what its shape needs. */
#pragma once

#include "error.h"
#include "qspn.h"
#include "wire.h"

/* The wire message for m under topology t (the sender's address carries t's gsizes), allocated as a
 * protobuf-c tree: free with qspn_wire_etp_free. -ENOMEM, or -EINVAL if m does not fit the wire (more
 * levels, hops or paths than its bounds, a fingerprint or address that does not match t). */
int qspn_wire_from_etp(const NtkTopology *t, const QspnEtp *m, Ntkwire__Etp **ret, NtkErr *err);
void qspn_wire_etp_free(Ntkwire__Etp *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(Ntkwire__Etp *, qspn_wire_etp_free);

/* The engine's ETP for a received wire message that passed wire_check(). Refuses (-EBADMSG, err
 * naming the value) what the engine's types cannot hold or what contradicts topology t: an address
 * of another topology, a fingerprint whose elderships do not match its level, more than L+1
 * fingerprints or nodes_inside, more ignore_outside entries than levels. Everything the protocol
 * itself forbids (cycles, levels, lengths) is left to qspn_etp_validate(). Nothing is allocated on
 * failure. */
int qspn_wire_to_etp(const NtkTopology *t, const Ntkwire__Etp *w, QspnEtp **ret, NtkErr *err);
