/* nic-io.c — UDP on each managed NIC: neighbourhood broadcasts in and out, cost probes and their echoes.
 * Must not: decide anything about arcs (neighbour.c does) or block; every datagram is decoded by wire.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helper-proxy.h"
#include "ntkd.h"

Nic *ntkd_find_nic(Ntkd *d, const char *dev)
{
        for (unsigned i = 0; i < d->n_nics; i++)
                if (streq(d->nics[i].dev, dev))
                        return &d->nics[i];
        return NULL;
}

static void count_drop(Ntkd *d, int r)
{
        d->counters.rx_dropped[wire_drop_index(r)]++;
}

static void mac_copy(uint8_t dst[6], const ProtobufCBinaryData *b)
{
        memcpy(dst, b->data, 6); /* wire.c guarantees exactly 6 bytes */
}

static int send_env(const Nic *nic, const WireEnvelope *env, uint32_t dst, uint16_t port)
{
        uint8_t buf[WIRE_UDP_MAX_SIZE];
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(dst) };
        size_t len;
        int r = wire_encode(env, WIRE_UDP, buf, sizeof buf, &len);

        if (r < 0)
                return r;
        return sendto(nic->udp_fd, buf, len, 0, (struct sockaddr *) &sa, sizeof sa) < 0 ? -errno : 0;
}

int nic_io_broadcast(Ntkd *d, const Nic *nic, const WireEnvelope *env)
{
        return send_env(nic, env, 0xffffffffu, d->cfg.port);
}

static void probe_release(Probe *p)
{
        p->timer = sd_event_source_disable_unref(p->timer);
        p->used = false;
}

static int on_probe_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        Ntkd *d = userdata;
        Probe *p = NULL;

        for (size_t i = 0; i < NTKD_MAX_PROBES; i++)
                if (d->probes[i].used && d->probes[i].timer == s)
                        p = &d->probes[i];
        if (!p)
                return 0;
        uint64_t arc_id = p->arc_id;
        probe_release(p);
        (void) ntk_nb_rtt_measured(d->nb, arc_id, -1, ntkd_now_ms(), &d->actions);
        nb_drive(d);
        return 0;
}

int nic_io_probe(Ntkd *d, uint64_t arc_id, const char *dev, uint32_t peer_ll)
{
        WireEnvelope env;
        Ntkwire__CostProbe probe = NTKWIRE__COST_PROBE__INIT;
        Nic *nic = ntkd_find_nic(d, dev);
        Probe *p = NULL;
        int r;

        for (size_t i = 0; i < NTKD_MAX_PROBES && !p; i++)
                if (!d->probes[i].used)
                        p = &d->probes[i];
        if (!nic || !p)
                return -ENOBUFS;

        ntkd_envelope_init(d, &env);
        probe.has_seq = probe.has_sent_ns = true;
        probe.seq = ++d->next_probe_seq; /* starts at a random value (main.c) */
        probe.sent_ns = ntkd_now_ns();
        env.body_case = NTKWIRE__ENVELOPE__BODY_COST_PROBE;
        env.cost_probe = &probe;
        r = send_env(nic, &env, peer_ll, d->cfg.port);
        if (r < 0)
                return r;
        r = sd_event_add_time_relative(d->event, &p->timer, CLOCK_MONOTONIC, NTKD_PROBE_TIMEOUT_USEC, 0,
                on_probe_timeout, d);
        if (r < 0)
                return r;
        p->used = true;
        p->seq = probe.seq;
        p->arc_id = arc_id;
        p->sent_ns = probe.sent_ns;
        p->peer_ll = peer_ll;
        p->nic = nic;
        return 0;
}

/* An echo counts only for the probe it answers: same sequence number, from the probed link-local, on the
 * probe's interface, carrying our own timestamp back; the RTT is computed from what we stored. */
static void on_cost_echo(Ntkd *d, const Nic *nic, uint32_t from, const Ntkwire__CostEcho *e)
{
        for (size_t i = 0; i < NTKD_MAX_PROBES; i++) {
                Probe *p = &d->probes[i];
                uint64_t now = ntkd_now_ns(), arc_id;

                if (!p->used || p->seq != e->seq)
                        continue;
                if (p->nic != nic || p->peer_ll != from || p->sent_ns != e->sent_ns) {
                        d->counters.rx_spoofed++;
                        return;
                }
                arc_id = p->arc_id;
                probe_release(p);
                (void) ntk_nb_rtt_measured(d->nb, arc_id, (int64_t) ((now - p->sent_ns) / 1000), ntkd_now_ms(),
                        &d->actions);
                nb_drive(d);
                return;
        }
}

static void on_broadcast(Ntkd *d, Nic *nic, uint32_t from, const WireEnvelope *env)
{
        NtkNbMsg msg = {};

        switch (env->body_case) {
        case NTKWIRE__ENVELOPE__BODY_HERE_I_AM:
                msg.type = NTK_NB_MSG_HERE_I_AM;
                msg.my_id = env->here_i_am->node_id;
                mac_copy(msg.my_mac, &env->here_i_am->mac);
                msg.my_ll = env->here_i_am->nic_addr;
                break;
        case NTKWIRE__ENVELOPE__BODY_REQUEST_ARC:
        case NTKWIRE__ENVELOPE__BODY_REMOVE_ARC: {
                const Ntkwire__ArcEnds *a = env->body_case == NTKWIRE__ENVELOPE__BODY_REQUEST_ARC ? env->request_arc
                                                                                                  : env->remove_arc;
                msg.type = env->body_case == NTKWIRE__ENVELOPE__BODY_REQUEST_ARC ? NTK_NB_MSG_REQUEST_ARC
                                                                                : NTK_NB_MSG_REMOVE_ARC;
                msg.your_id = a->your_id;
                mac_copy(msg.your_mac, &a->your_mac);
                msg.your_ll = a->your_addr;
                msg.my_id = a->my_id;
                mac_copy(msg.my_mac, &a->my_mac);
                msg.my_ll = a->my_addr;
                break;
        }
        default:
                return;
        }
        /* the sender speaks for itself only: its datagram must come from the link-local it claims (a forged
         * remove_arc would otherwise tear down somebody else's arc) */
        if (from != msg.my_ll) {
                d->counters.rx_spoofed++;
                return;
        }
        (void) ntk_nb_recv_broadcast(d->nb, nic->dev, &msg, ntkd_now_ms(), &d->actions);
        nb_drive(d);
}

static int on_udp(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Nic *nic = userdata;
        Ntkd *d = nic->d;
        uint8_t buf[WIRE_UDP_MAX_SIZE + 1];
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n;

        n = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *) &from, &fl);
        if (n < 0)
                return 0;
        {
                _cleanup_wire_message_ WireMessage *m = NULL;
                int r = wire_decode(buf, (size_t) n, WIRE_UDP, &m);

                if (r < 0) {
                        count_drop(d, r);
                        return 0;
                }
                d->counters.rx_ok++;
                if (m->env->body_case == NTKWIRE__ENVELOPE__BODY_COST_PROBE) {
                        NtkNbArcInfo a;
                        WireEnvelope echo_env;

                        /* echo only our neighbours, to the port we talk on: no reflector for anybody else */
                        if (ntk_nb_find_arc(d->nb, nic->dev, ntohl(from.sin_addr.s_addr), &a) < 0 ||
                            ntohs(from.sin_port) != d->cfg.port) {
                                d->counters.rx_spoofed++;
                                return 0;
                        }
                        Ntkwire__CostEcho echo = NTKWIRE__COST_ECHO__INIT;

                        ntkd_envelope_init(d, &echo_env);
                        echo.has_seq = echo.has_sent_ns = true;
                        echo.seq = m->env->cost_probe->seq;
                        echo.sent_ns = m->env->cost_probe->sent_ns;
                        echo_env.body_case = NTKWIRE__ENVELOPE__BODY_COST_ECHO;
                        echo_env.cost_echo = &echo;
                        (void) send_env(nic, &echo_env, ntohl(from.sin_addr.s_addr), ntohs(from.sin_port));
                } else if (m->env->body_case == NTKWIRE__ENVELOPE__BODY_COST_ECHO)
                        on_cost_echo(d, nic, ntohl(from.sin_addr.s_addr), m->env->cost_echo);
                else
                        on_broadcast(d, nic, ntohl(from.sin_addr.s_addr), m->env);
        }
        return 0;
}

int nic_open_watched(Ntkd *d, Nic *nic, const char *proto, sd_event_io_handler_t handler, int *ret_fd,
        sd_event_source **ret_src)
{
        _cleanup_free_ char *msg = NULL;
        int fd, r;

        fd = helper_open_socket(d->bus, "", nic->dev, proto, d->cfg.port, &msg);
        if (fd < 0) {
                fprintf(stderr, "ntkd: no %s socket on %s: %s\n", proto, nic->dev, msg ? msg : strerror(-fd));
                return fd;
        }
        r = sd_event_add_io(d->event, ret_src, fd, EPOLLIN, handler, nic);
        if (r < 0) {
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

int nic_io_start(Ntkd *d, Nic *nic)
{
        nic->d = d;
        return nic_open_watched(d, nic, "udp", on_udp, &nic->udp_fd, &nic->udp_src);
}

void nic_io_stop(Nic *nic)
{
        nic->udp_src = sd_event_source_disable_unref(nic->udp_src);
        if (nic->udp_fd >= 0)
                close(nic->udp_fd);
        nic->udp_fd = -1;
}
