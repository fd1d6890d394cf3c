/* rpc.c — request/response between neighbours over TCP: one request per connection, framed and decoded by
 * wire.c, bounded in number, size and time. Must not: interpret requests beyond dispatching them. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ntkd.h"

/* ---------------------------------------------------------------- common */

void ntkd_envelope_init(Ntkd *d, WireEnvelope *env)
{
        ntkwire__envelope__init(env);
        env->has_version = env->has_sender_node_id = true;
        env->version = WIRE_VERSION;
        env->sender_node_id = ntk_nb_my_id(d->nb);
}

static int write_all(int fd, const uint8_t *buf, size_t len)
{
        /* replies and requests are small (a few hundred bytes) and the socket buffer is empty: a short
         * write can only mean the peer is gone */
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0)
                return -errno;
        return (size_t) n == len ? 0 : -EIO;
}

/* ---------------------------------------------------------------- server side */

struct Conn {
        Conn *next; /* in d->conns, to bound connections per peer */
        Ntkd *d;
        Nic *nic;
        int fd;
        uint32_t peer_ll;
        WireFramer *framer;
        sd_event_source *io, *timer;
};

static unsigned conns_from(Ntkd *d, uint32_t peer_ll)
{
        unsigned n = 0;
        for (Conn *c = d->conns; c; c = c->next)
                n += c->peer_ll == peer_ll;
        return n;
}

static void conn_free(Conn *c)
{
        for (Conn **p = &c->d->conns; *p; p = &(*p)->next)
                if (*p == c) {
                        *p = c->next;
                        break;
                }
        c->io = sd_event_source_disable_unref(c->io);
        c->timer = sd_event_source_disable_unref(c->timer);
        wire_framer_free(c->framer);
        close(c->fd);
        c->d->n_conns--;
        free(c);
}

static void reply_error(WireEnvelope *reply, Ntkwire__Error *e, Ntkwire__Error__Code code, const char *text)
{
        ntkwire__error__init(e);
        e->has_code = true;
        e->code = code;
        e->message = (char *) text;
        reply->body_case = NTKWIRE__ENVELOPE__BODY_ERROR;
        reply->error = e;
}

static void serve(Conn *c, const WireEnvelope *req)
{
        Ntkd *d = c->d;
        WireEnvelope reply;
        Ntkwire__CanYouExportReply cye = NTKWIRE__CAN_YOU_EXPORT_REPLY__INIT;
        Ntkwire__Done done = NTKWIRE__DONE__INIT;
        Ntkwire__Error err;
        void *storage = NULL;
        uint8_t buf[WIRE_FRAME_HEADER_SIZE + 4096];
        size_t len;
        bool answer;

        ntkd_envelope_init(d, &reply);
        reply.has_request_id = true;
        reply.request_id = req->request_id;
        d->counters.rpc_served++;

        switch (req->body_case) {
        case NTKWIRE__ENVELOPE__BODY_CAN_YOU_EXPORT:
                if (ntk_nb_recv_can_you_export(d->nb, c->nic->dev, c->peer_ll, req->can_you_export->i_can_export,
                            ntkd_now_ms(), &answer, &d->actions) < 0)
                        answer = false; /* no such arc: answer false at once (B17) */
                cye.has_i_can_export = true;
                cye.i_can_export = answer;
                reply.body_case = NTKWIRE__ENVELOPE__BODY_CAN_YOU_EXPORT_REPLY;
                reply.can_you_export_reply = &cye;
                break;
        case NTKWIRE__ENVELOPE__BODY_NOP:
                reply.body_case = NTKWIRE__ENVELOPE__BODY_DONE;
                reply.done = &done;
                break;
        case NTKWIRE__ENVELOPE__BODY_GET_PEER_MAIN_ID:
        case NTKWIRE__ENVELOPE__BODY_MATCH_DUPLICATION:
        case NTKWIRE__ENVELOPE__BODY_NOTIFY_IDENTITY_ARC_REMOVED:
                if (identity_driver_serve(d, c->nic, c->peer_ll, req, &reply, &storage) < 0)
                        reply_error(&reply, &err, NTKWIRE__ERROR__CODE__BAD_REQUEST, "refused");
                break;
        default:
                reply_error(&reply, &err, NTKWIRE__ERROR__CODE__UNKNOWN_METHOD, wire_body_name(req->body_case));
        }
        if (wire_frame_encode(&reply, buf, sizeof buf, &len) >= 0)
                (void) write_all(c->fd, buf, len);
        free(storage);
        nb_drive(d); /* the request may have produced neighbourhood actions */
}

static int on_conn_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Conn *c = userdata;
        uint8_t buf[16384];
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        size_t off = 0;

        if (n <= 0) {
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return 0;
                conn_free(c);
                return 0;
        }
        while (off < (size_t) n) {
                _cleanup_wire_message_ WireMessage *m = NULL;
                size_t used;
                int r = wire_framer_feed(c->framer, buf + off, (size_t) n - off, &used, &m);

                off += used;
                if (r == 1) {
                        if (m->env->has_request_id && m->env->request_id != 0)
                                serve(c, m->env);
                        conn_free(c); /* one request per connection */
                        return 0;
                }
                if (r < 0) {
                        c->d->counters.rx_dropped[wire_drop_index(r)]++;
                        conn_free(c);
                        return 0;
                }
        }
        return 0;
}

static int on_conn_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        conn_free(userdata);
        return 0;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Nic *nic = userdata;
        Ntkd *d = nic->d;
        struct sockaddr_in sa;
        socklen_t sl = sizeof sa;
        Conn *c;
        int cfd = accept4(fd, (struct sockaddr *) &sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (cfd < 0)
                return 0;
        /* only neighbours (an arc on this interface, exported or not: B1) may call us; anything else would
         * only take the slots our neighbours need */
        {
                NtkNbArcInfo a;
                if (ntk_nb_find_arc(d->nb, nic->dev, ntohl(sa.sin_addr.s_addr), &a) < 0) {
                        d->counters.conn_refused++;
                        close(cfd);
                        return 0;
                }
        }
        if (d->n_conns >= NTKD_MAX_CONNS || conns_from(d, ntohl(sa.sin_addr.s_addr)) >= NTKD_MAX_CONNS_PER_PEER ||
            !(c = calloc(1, sizeof *c))) {
                close(cfd);
                return 0;
        }
        *c = (Conn){ .next = d->conns, .d = d, .nic = nic, .fd = cfd, .peer_ll = ntohl(sa.sin_addr.s_addr),
                .framer = wire_framer_new() };
        d->conns = c;
        d->n_conns++;
        if (!c->framer || sd_event_add_io(d->event, &c->io, cfd, EPOLLIN, on_conn_io, c) < 0 ||
            sd_event_add_time_relative(d->event, &c->timer, CLOCK_MONOTONIC, NTKD_RPC_TIMEOUT_USEC, 0,
                    on_conn_timeout, c) < 0)
                conn_free(c);
        return 0;
}

int rpc_listen(Ntkd *d, Nic *nic)
{
        return nic_open_watched(d, nic, "tcp-listen", on_accept, &nic->tcp_fd, &nic->tcp_src);
}

/* ---------------------------------------------------------------- client side */

typedef struct Call {
        Ntkd *d;
        int fd;
        uint64_t request_id;
        uint8_t out[WIRE_FRAME_HEADER_SIZE + 4096];
        size_t out_len;
        bool sent;
        WireFramer *framer;
        sd_event_source *io, *timer;
        RpcDone done;
        void *userdata;
} Call;

static void call_finish(Call *c, int r, const WireEnvelope *reply)
{
        Ntkd *d = c->d;

        c->io = sd_event_source_disable_unref(c->io);
        c->timer = sd_event_source_disable_unref(c->timer);
        wire_framer_free(c->framer);
        close(c->fd);
        d->n_calls--;
        if (r < 0)
                d->counters.rpc_failed++;
        c->done(d, r, reply, c->userdata);
        free(c);
}

static int on_call_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Call *c = userdata;
        uint8_t buf[16384];
        ssize_t n;
        size_t off = 0;

        if (!c->sent) {
                int err = 0;
                socklen_t el = sizeof err;

                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err != 0) {
                        call_finish(c, err ? -err : -errno, NULL);
                        return 0;
                }
                if (write_all(fd, c->out, c->out_len) < 0) {
                        call_finish(c, -EIO, NULL);
                        return 0;
                }
                c->sent = true;
                (void) sd_event_source_set_io_events(s, EPOLLIN);
                return 0;
        }
        n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0) {
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return 0;
                call_finish(c, -ECONNRESET, NULL);
                return 0;
        }
        while (off < (size_t) n) {
                _cleanup_wire_message_ WireMessage *m = NULL;
                size_t used;
                int r = wire_framer_feed(c->framer, buf + off, (size_t) n - off, &used, &m);

                off += used;
                if (r < 0) {
                        call_finish(c, -EBADMSG, NULL);
                        return 0;
                }
                if (r == 1 && m->env->request_id == c->request_id) {
                        if (m->env->body_case == NTKWIRE__ENVELOPE__BODY_ERROR)
                                call_finish(c, -EREMOTEIO, m->env);
                        else
                                call_finish(c, 0, m->env);
                        return 0;
                }
        }
        return 0;
}

static int on_call_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        call_finish(userdata, -ETIMEDOUT, NULL);
        return 0;
}

int rpc_call(Ntkd *d, uint32_t my_ll, uint32_t peer_ll, WireEnvelope *env, RpcDone done, void *userdata)
{
        struct sockaddr_in src = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(my_ll) };
        struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(d->cfg.port),
                .sin_addr.s_addr = htonl(peer_ll) };
        Call *c;
        int r;

        if (d->n_calls >= NTKD_MAX_CALLS)
                return -EBUSY;
        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->d = d;
        c->done = done;
        c->userdata = userdata;
        c->request_id = ++d->next_request_id;
        env->has_request_id = true;
        env->request_id = c->request_id;
        r = wire_frame_encode(env, c->out, sizeof c->out, &c->out_len);
        if (r < 0) {
                free(c);
                return r;
        }
        c->framer = wire_framer_new();
        c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (!c->framer || c->fd < 0) {
                r = c->fd < 0 ? -errno : -ENOMEM;
                wire_framer_free(c->framer);
                if (c->fd >= 0)
                        close(c->fd);
                free(c);
                return r;
        }
        /* from our link-local: the neighbour identifies the arc by the connection's source address */
        if (bind(c->fd, (struct sockaddr *) &src, sizeof src) < 0 ||
            (connect(c->fd, (struct sockaddr *) &dst, sizeof dst) < 0 && errno != EINPROGRESS)) {
                r = -errno;
                wire_framer_free(c->framer);
                close(c->fd);
                free(c);
                return r;
        }
        d->n_calls++;
        d->counters.rpc_calls++;
        r = sd_event_add_io(d->event, &c->io, c->fd, EPOLLOUT, on_call_io, c);
        if (r >= 0)
                r = sd_event_add_time_relative(d->event, &c->timer, CLOCK_MONOTONIC, NTKD_RPC_TIMEOUT_USEC, 0,
                        on_call_timeout, c);
        if (r < 0) {
                /* report through the callback, as promised: exactly once */
                call_finish(c, r, NULL);
                return 0;
        }
        return 0;
}
