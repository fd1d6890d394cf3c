/* ntkd.h — the daemon's context and the entry points its files offer each other (NIC I/O, RPC, the
 * neighbourhood driver, the bus API). Must not: define behaviour; each concept lives in its own file. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "identity.h"
#include "linklocal.h"
#include "neighbour.h"
#include "ntkd-config.h"
#include "wire.h"

#define NTKD_BUS_NAME "org.netsukuku.Ntkd1"
#define NTKD_PATH "/org/netsukuku/Ntkd1"
#define NTKD_POLKIT_ACTION "org.netsukuku.ntkd.control"
#define NTKD_RPC_TIMEOUT_USEC (3ULL * 1000000ULL)
#define NTKD_PROBE_TIMEOUT_USEC (2ULL * 1000000ULL)
#define NTKD_MAX_CALLS 256 /* outgoing TCP calls in flight */
#define NTKD_MAX_CONNS 256 /* incoming TCP connections */
#define NTKD_MAX_CONNS_PER_PEER 8 /* … from one source address (a request takes one connection) */
#define NTKD_MAX_PROBES 256
#define NTKD_MAX_EXPORT_CALLS 64 /* can_you_export calls in flight: the rest of the slots stay for keepalives */

typedef struct Ntkd Ntkd;

/* One managed real interface: its link-local and the sockets the helper opened on it. */
typedef struct Nic {
        Ntkd *d;
        char dev[NTK_IFNAME_MAX];
        uint8_t mac[6];
        uint32_t ll;
        int udp_fd;
        sd_event_source *udp_src;
        int tcp_fd;
        sd_event_source *tcp_src;
} Nic;

/* What ntkd adds to an arc of the neighbourhood module: the user's decision and the peer's identity. */
typedef struct ArcExtra {
        uint64_t arc_id;
        bool present;       /* has a D-Bus object (ARC_ADDED seen, not yet removed) */
        bool accepted;      /* AcceptArc */
        uint32_t fixed_cost; /* SetArcCost; 0 = the measured one */
        uint32_t idm_arc;   /* the identity model's handle once accepted; 0 = none */
} ArcExtra;

/* An RTT probe in flight (nic-io.c). */
typedef struct Probe {
        bool used;
        uint32_t seq;
        uint64_t arc_id;
        uint64_t sent_ns;     /* ours: an echo's own timestamp is never trusted */
        uint32_t peer_ll;     /* the echo must come from here … */
        const struct Nic *nic; /* … on this interface */
        sd_event_source *timer;
} Probe;

typedef struct Conn Conn; /* an incoming RPC connection (rpc.c) */

typedef struct Counters {
        uint64_t rx_ok, rx_dropped[WIRE_DROP_REASONS]; /* by wire_drop_index() */
        uint64_t rpc_calls, rpc_failed, rpc_served;
        uint64_t rx_spoofed;   /* datagrams whose source is not the sender they claim, or an unknown prober */
        uint64_t conn_refused; /* TCP connections from an address that is no neighbour's */
} Counters;

struct Ntkd {
        sd_event *event;
        sd_bus *bus;
        NtkdConfig cfg;
        NtkRng rng;
        NtkNb *nb;
        NtkNbActions actions;
        NtkIdm *idm;
        NtkIdmOut *idm_out;
        sd_event_source *nb_timer;
        Nic nics[NTKD_MAX_NICS];
        unsigned n_nics;
        ArcExtra *arcs;
        size_t n_arcs, cap_arcs;
        uint64_t next_request_id;
        uint32_t next_probe_seq;
        unsigned n_calls, n_conns, n_export_calls;
        Conn *conns;                    /* every open incoming connection */
        Probe probes[NTKD_MAX_PROBES];
        Counters counters;
};

uint64_t ntkd_now_ms(void);
uint64_t ntkd_now_ns(void);

/* nic-io.c: UDP on each managed NIC (discovery broadcasts, cost probes). */
/* A socket the helper opens on nic (proto "udp" or "tcp-listen", the configured port), watched for input. */
int nic_open_watched(Ntkd *d, Nic *nic, const char *proto, sd_event_io_handler_t handler, int *ret_fd,
        sd_event_source **ret_src);
int nic_io_start(Ntkd *d, Nic *nic);
void nic_io_stop(Nic *nic);
int nic_io_broadcast(Ntkd *d, const Nic *nic, const WireEnvelope *env);
int nic_io_probe(Ntkd *d, uint64_t arc_id, const char *dev, uint32_t peer_ll);
Nic *ntkd_find_nic(Ntkd *d, const char *dev);

/* rpc.c: request/response over TCP. */
typedef void (*RpcDone)(Ntkd *d, int r, const WireEnvelope *reply, void *userdata);
int rpc_listen(Ntkd *d, Nic *nic);
/* Sends env (request_id filled in here) to peer_ll and calls done exactly once (reply, error or timeout). */
int rpc_call(Ntkd *d, uint32_t my_ll, uint32_t peer_ll, WireEnvelope *env, RpcDone done, void *userdata);
void ntkd_envelope_init(Ntkd *d, WireEnvelope *env);

/* nb-driver.c: executes the neighbourhood module's actions; feeds results back. */
void nb_drive(Ntkd *d); /* executes and clears d->actions, re-arms the timer */
ArcExtra *ntkd_arc_extra(Ntkd *d, uint64_t arc_id, bool create);

/* bus-api.c: org.netsukuku.Ntkd1. */
int bus_api_register(Ntkd *d);
void bus_api_arc_added(Ntkd *d, uint64_t arc_id);
void bus_api_arc_changed(Ntkd *d, uint64_t arc_id);
void bus_api_arc_removed(Ntkd *d, uint64_t arc_id);
void bus_api_identities_changed(Ntkd *d);
void bus_api_identity_arc_changed(Ntkd *d, const NtkIdmIdentityArc *a, bool only_neighbour_migrated);

/* identity-driver.c: identities and identity arcs. */
int identity_driver_start(Ntkd *d);
int identity_driver_arc_accepted(Ntkd *d, ArcExtra *x);
void identity_driver_arc_removing(Ntkd *d, ArcExtra *x);
/* Serves an identity RPC (get_peer_main_id, match_duplication, notify_identity_arc_removed) that arrived
 * from peer_ll on nic; fills *reply (its body points into *storage, freed by the caller with free()). */
int identity_driver_serve(Ntkd *d, const Nic *nic, uint32_t peer_ll, const WireEnvelope *req,
        WireEnvelope *reply, void **storage);
int identity_driver_prepare(Ntkd *d, uint64_t migration_id, uint64_t old_id, char **ret_msg);
int identity_driver_add(Ntkd *d, uint64_t migration_id, uint64_t old_id, uint64_t *ret_new_id, char **ret_msg);
int identity_driver_remove(Ntkd *d, uint64_t id, char **ret_msg);
