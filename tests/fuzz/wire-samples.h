/* wire-samples.h — one valid envelope of every body kind, for the unit tests and the fuzz seed
 * writer. Must not: be linked into the product. */
#pragma once

#include <stddef.h>

#include "wire.h"

#define WIRE_SAMPLE_LEVELS 4u
#define WIRE_SAMPLE_PATHS 3u
#define WIRE_SAMPLE_PATH_HOPS 3u

/* Every field a sample may point at; an envelope refers into its own sample only. */
typedef struct WireSample {
        WireEnvelope env;
        uint8_t mac_a[6], mac_b[6], mac_c[6];
        uint64_t dst_identities[2];

        Ntkwire__HereIAm here_i_am;
        Ntkwire__ArcEnds arc_ends;
        Ntkwire__CanYouExport can_you_export;
        Ntkwire__CanYouExportReply can_you_export_reply;
        Ntkwire__Nop nop;
        Ntkwire__CostProbe cost_probe;
        Ntkwire__CostEcho cost_echo;
        Ntkwire__MatchDuplication match_duplication;
        Ntkwire__DuplicationData duplication_data;
        Ntkwire__MatchDuplicationReply match_duplication_reply;
        Ntkwire__GetPeerMainId get_peer_main_id;
        Ntkwire__GetPeerMainIdReply get_peer_main_id_reply;
        Ntkwire__IdentityMoved identity_moved;
        Ntkwire__NotifyIdentityArcRemoved notify_identity_arc_removed;
        Ntkwire__IdentityDismissed identity_dismissed;
        Ntkwire__SendEtp send_etp;
        Ntkwire__GetFullEtp get_full_etp;
        Ntkwire__GetFullEtpReply get_full_etp_reply;
        Ntkwire__GotPrepareDestroy got_prepare_destroy;
        Ntkwire__GotDestroy got_destroy;
        Ntkwire__Done done;
        Ntkwire__Ack ack;
        Ntkwire__Error error;

        /* The ETP (4 levels, gsizes 2.2.2.4) and the requester's address. */
        Ntkwire__Etp etp;
        Ntkwire__Naddr naddr, requester;
        uint32_t pos[WIRE_SAMPLE_LEVELS], gsize[WIRE_SAMPLE_LEVELS], req_pos[WIRE_SAMPLE_LEVELS];
        Ntkwire__Fingerprint fps[WIRE_SAMPLE_LEVELS + 1];
        Ntkwire__Fingerprint *fp_ptrs[WIRE_SAMPLE_LEVELS + 1];
        int32_t eld[WIRE_SAMPLE_LEVELS + 1][WIRE_SAMPLE_LEVELS];
        int32_t seed[WIRE_SAMPLE_LEVELS + 1][WIRE_SAMPLE_LEVELS];
        uint32_t nodes_inside[WIRE_SAMPLE_LEVELS + 1];
        Ntkwire__HCoord etp_hops[2];
        Ntkwire__HCoord *etp_hop_ptrs[2];
        Ntkwire__EtpPath paths[WIRE_SAMPLE_PATHS];
        Ntkwire__EtpPath *path_ptrs[WIRE_SAMPLE_PATHS];
        Ntkwire__HCoord path_hops[WIRE_SAMPLE_PATHS][WIRE_SAMPLE_PATH_HOPS];
        Ntkwire__HCoord *path_hop_ptrs[WIRE_SAMPLE_PATHS][WIRE_SAMPLE_PATH_HOPS];
        uint32_t path_arcs[WIRE_SAMPLE_PATHS][WIRE_SAMPLE_PATH_HOPS];
        Ntkwire__Cost path_costs[WIRE_SAMPLE_PATHS];
        Ntkwire__Fingerprint path_fps[WIRE_SAMPLE_PATHS];
        int32_t path_eld[WIRE_SAMPLE_PATHS][WIRE_SAMPLE_LEVELS];
        int32_t path_seed[WIRE_SAMPLE_PATHS][WIRE_SAMPLE_LEVELS];
        protobuf_c_boolean path_io[WIRE_SAMPLE_PATHS][WIRE_SAMPLE_LEVELS];
} WireSample;

/* Every body kind, in schema order. */
extern const WireBody wire_sample_kinds[];
extern const size_t wire_sample_n_kinds;

/* Fills *s with a valid envelope (version, sender, ids as its transport needs) of body kind k.
 * s must not move afterwards (the envelope points into it). */
void wire_sample_init(WireSample *s, WireBody k);

/* A sample ETP alone (used inside send_etp / get_full_etp_reply). */
void wire_sample_init_etp(WireSample *s);
