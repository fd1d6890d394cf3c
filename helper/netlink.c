/* netlink.c — executes address, route, rule and link ops of one namespace over rtnetlink (libnl-3), many
 * requests per sendmsg. Must not: validate confinement, change namespace, log, or fork/exec anything. */
#include "netlink.h"

#include <errno.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/route/rule.h>
#include <sys/socket.h>

#include "util.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Requests per sendmsg, and the most we keep unanswered. The kernel handles a request inside our sendmsg
 * and queues its answer at once; an answer that does not fit in the receive buffer is dropped (the socket
 * then reports ENOBUFS). So the window is also capped by the receive buffer we got, counting a generous
 * NLEXEC_ANSWER_COST bytes of skb truesize per answer (an ack costs well under 1 KiB). */
#ifndef NLEXEC_WINDOW
#define NLEXEC_WINDOW 256
#endif
#define NLEXEC_ANSWER_COST 2048
#define NLEXEC_SENDBUF (128 * 1024)
#define NLEXEC_RECVBUF (64 * 1024)
#define NLEXEC_SOCKBUF (4 * 1024 * 1024)
#define NLEXEC_MSG_SIZE 512 /* every request we build is far smaller */

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_addr *, nl_addr_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_addr *, rtnl_addr_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_rule *, rtnl_rule_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct rtnl_link *, rtnl_link_put);

/* One request sent and not yet answered: where its outcome goes. The first error wins, so the deletions of
 * one ROUTE_FLUSH can share the flush op's result. */
typedef struct Pending {
        int *sink;
        bool answered;
} Pending;

/* The routes of one table as the kernel dumped them, kept as raw messages (ROUTE_FLUSH resends each as an
 * RTM_DELROUTE, as `ip route flush` does). */
typedef struct Dump {
        uint32_t table;
        uint32_t seq; /* answers to anything else (an earlier, abandoned exchange) are ignored */
        uint8_t *buf;
        size_t len, cap;
        bool done;
        int error;
} Dump;

struct NlExec {
        struct nl_sock *sk;
        struct nl_cb *ack_cb;
        struct nl_cb *dump_cb;
        uint32_t port;
        uint32_t next_seq;

        /* the batch being built, then sent with one sendmsg */
        uint8_t *sendbuf;
        size_t sendlen;
        size_t window;     /* <= NLEXEC_WINDOW */
        uint32_t base_seq; /* seq of pending[0] */
        size_t last_off;   /* offset of the last request in sendbuf: the only one that asks for an ack */
        Pending pending[NLEXEC_WINDOW];
        size_t npending;
        size_t nanswered;

        /* if_nametoindex cache, dropped after every link op */
        char cached_name[IFNAMSIZ];
        int cached_index;
};

/* libnl reports its own codes; callers of this file speak errno. */
static int nle_to_errno(int nle)
{
        switch (nle < 0 ? -nle : nle) {
        case 0:
                return 0;
        case NLE_INTR:
                return -EINTR;
        case NLE_BAD_SOCK:
                return -EBADF;
        case NLE_AGAIN:
                return -EAGAIN;
        case NLE_NOMEM:
                return -ENOMEM;
        case NLE_EXIST:
                return -EEXIST;
        case NLE_INVAL:
        case NLE_MISSING_ATTR:
        case NLE_PARSE_ERR:
                return -EINVAL;
        case NLE_RANGE:
                return -ERANGE;
        case NLE_MSGSIZE:
                return -EMSGSIZE;
        case NLE_OPNOTSUPP:
                return -EOPNOTSUPP;
        case NLE_AF_NOSUPPORT:
                return -EAFNOSUPPORT;
        case NLE_OBJ_NOTFOUND:
                return -ENOENT;
        case NLE_NOATTR:
                return -ENODATA;
        case NLE_AF_MISMATCH:
                return -EAFNOSUPPORT;
        case NLE_SEQ_MISMATCH:
        case NLE_MSG_OVERFLOW:
        case NLE_MSG_TRUNC:
        case NLE_MSG_TOOSHORT:
                return -EBADMSG;
        case NLE_NOADDR:
                return -EADDRNOTAVAIL;
        case NLE_SRCRT_NOSUPPORT:
        case NLE_PROTO_MISMATCH:
        case NLE_NOCACHE:
                return -EPROTO;
        case NLE_MSGTYPE_NOSUPPORT:
        case NLE_PKTLOC_FILE:
                return -EOPNOTSUPP;
        case NLE_OBJ_MISMATCH:
                return -EINVAL;
        case NLE_PERM:
                return -EPERM;
        case NLE_NOACCESS:
                return -EACCES;
        case NLE_BUSY:
                return -EBUSY;
        case NLE_IMMUTABLE:
                return -EROFS;
        case NLE_DUMP_INTR:
                return -EINTR;
        case NLE_NODEV:
                return -ENODEV;
        default:
                return -EIO;
        }
}

static int resolve_ifindex(NlExec *e, const char *name, int *ret)
{
        unsigned idx;

        if (name[0] == '\0' || strnlen(name, IFNAMSIZ) >= IFNAMSIZ)
                return -EINVAL;
        if (e->cached_index > 0 && streq(e->cached_name, name)) {
                *ret = e->cached_index;
                return 0;
        }
        idx = if_nametoindex(name);
        if (idx == 0)
                return errno == ENXIO || errno == 0 ? -ENODEV : -errno;
        strcpy(e->cached_name, name);
        e->cached_index = (int) idx;
        *ret = (int) idx;
        return 0;
}

static int on_seq_check(struct nl_msg *msg, void *arg)
{
        return NL_OK;
}

static Pending *pending_of(NlExec *e, uint32_t seq)
{
        uint32_t i = seq - e->base_seq;

        if (i >= e->npending || e->pending[i].answered)
                return NULL;
        return &e->pending[i];
}

static int on_ack(struct nl_msg *msg, void *arg)
{
        NlExec *e = arg;
        Pending *p = pending_of(e, nlmsg_hdr(msg)->nlmsg_seq);

        if (p) {
                p->answered = true;
                e->nanswered++;
        }
        return NL_OK;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
        NlExec *e = arg;
        Pending *p = pending_of(e, err->msg.nlmsg_seq);

        if (p) {
                p->answered = true;
                e->nanswered++;
                if (err->error < 0 && *p->sink == 0)
                        *p->sink = err->error;
        }
        return NL_SKIP;
}

/* Sends the batch and collects the answers. Only the last request asks for an ack: the kernel answers every
 * failed request with an error anyway (netlink_rcv_skb acks when NLM_F_ACK is set *or* the request failed)
 * and handles the requests of one sendmsg in order, so once the last one is answered, every earlier request
 * without an error succeeded. One ack per window instead of one per route roughly halves the work of a large
 * batch. On a socket failure every unanswered request gets that error (its outcome is unknown). */
static int flush_window(NlExec *e)
{
        int r = 0;

        if (e->npending == 0)
                return 0;

        ((struct nlmsghdr *) (e->sendbuf + e->last_off))->nlmsg_flags |= NLM_F_ACK;
        r = nl_sendto(e->sk, e->sendbuf, e->sendlen);
        r = r < 0 ? nle_to_errno(r) : 0;

        while (r == 0 && !e->pending[e->npending - 1].answered) {
                int k = nl_recvmsgs(e->sk, e->ack_cb);
                if (k < 0)
                        r = k == -NLE_NOMEM ? -ENOBUFS
                                            : nle_to_errno(k); /* libnl folds ENOBUFS into NOMEM */
        }

        for (size_t i = 0; i < e->npending; i++)
                if (!e->pending[i].answered) {
                        if (r < 0 && *e->pending[i].sink == 0)
                                *e->pending[i].sink = r;
                        /* r == 0: answered implicitly by the last request's ack (success) */
                }

        e->npending = e->nanswered = 0;
        e->sendlen = 0;
        return r;
}

/* Appends one request to the batch with the next sequence number (flush_window decides which request asks
 * for an ack); the batch goes out first if it is full. */
static int queue_request(NlExec *e, const struct nlmsghdr *hdr, int *sink)
{
        size_t len = NLMSG_ALIGN(hdr->nlmsg_len);
        struct nlmsghdr *copy;
        int r;

        if (len > NLEXEC_SENDBUF)
                return -EMSGSIZE;
        if (e->npending == e->window || e->sendlen + len > NLEXEC_SENDBUF) {
                r = flush_window(e);
                if (r < 0) {
                        if (*sink == 0)
                                *sink = r; /* not sent */
                        return r;
                }
        }
        if (e->npending == 0)
                e->base_seq = e->next_seq;

        copy = (struct nlmsghdr *) (e->sendbuf + e->sendlen);
        memcpy(copy, hdr, hdr->nlmsg_len);
        memset((uint8_t *) copy + hdr->nlmsg_len, 0, len - hdr->nlmsg_len);
        copy->nlmsg_flags |= NLM_F_REQUEST;
        copy->nlmsg_flags &= (uint16_t) ~NLM_F_ACK;
        copy->nlmsg_seq = e->next_seq++;
        copy->nlmsg_pid = e->port;
        e->last_off = e->sendlen;
        e->sendlen += len;

        e->pending[e->npending++] = (Pending){.sink = sink};
        return 0;
}

static int queue_msg(NlExec *e, struct nl_msg *msg, int *sink)
{
        return queue_request(e, nlmsg_hdr(msg), sink);
}

/* ---- routes: filled by hand, because libnl's builder cannot send what `ip route del` sends (scope
 * RT_SCOPE_NOWHERE and type RTN_UNSPEC, the kernel's wildcards) ---- */

static int put_ipv4(struct nl_msg *msg, int type, uint32_t host_order)
{
        uint32_t be = htonl(host_order);
        return nla_put(msg, type, sizeof(be), &be);
}

static int build_route(NlExec *e, const NtkOp *op, uint32_t table, struct nl_msg **ret)
{
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
        bool del = op->kind == NTK_OP_ROUTE_DEL;
        struct rtmsg rtm = {
                .rtm_family = AF_INET,
                .rtm_dst_len = op->route.dst.prefix,
                .rtm_table = table < 256 ? (uint8_t) table : RT_TABLE_UNSPEC,
                .rtm_protocol = NTK_ROUTE_PROTOCOL, /* on delete too: the kernel then matches only ours */
        };
        uint16_t flags;
        int ifindex = 0, r;

        if (op->route.dst.prefix > 32 || (unsigned) op->route.type >= _NTK_ROUTE_TYPE_MAX)
                return -EINVAL;
        if (op->route.dev[0] != '\0') {
                r = resolve_ifindex(e, op->route.dev, &ifindex);
                if (r < 0)
                        return r;
        }

        switch (op->route.type) {
        case NTK_ROUTE_UNREACHABLE:
                rtm.rtm_type = RTN_UNREACHABLE;
                break;
        case NTK_ROUTE_BLACKHOLE:
                rtm.rtm_type = RTN_BLACKHOLE;
                break;
        default:
                /* `ip route del DST` names no type and deletes whatever route DST has */
                rtm.rtm_type = del ? RTN_UNSPEC : RTN_UNICAST;
                break;
        }

        if (del)
                rtm.rtm_scope = RT_SCOPE_NOWHERE;
        else if (op->route.type == NTK_ROUTE_UNICAST && !op->route.has_via)
                rtm.rtm_scope = RT_SCOPE_LINK; /* `ip route add 169.254.94.223 dev eth1 src X` */
        else
                rtm.rtm_scope = RT_SCOPE_UNIVERSE;

        switch (op->kind) {
        case NTK_OP_ROUTE_ADD:
                flags = NLM_F_CREATE | NLM_F_EXCL;
                break;
        case NTK_OP_ROUTE_CHANGE:
                flags = NLM_F_REPLACE; /* no CREATE: a missing route is ENOENT, like `ip route change` */
                break;
        default:
                flags = 0;
                break;
        }

        msg = nlmsg_alloc_size(NLEXEC_MSG_SIZE);
        if (!msg)
                return -ENOMEM;
        if (!nlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, del ? RTM_DELROUTE : RTM_NEWROUTE, 0, flags))
                return -EMSGSIZE;
        if (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0)
                return -EMSGSIZE;

        r = nla_put_u32(msg, RTA_TABLE, table);
        if (r >= 0 && op->route.dst.prefix > 0)
                r = put_ipv4(msg, RTA_DST, op->route.dst.addr);
        if (r >= 0 && op->route.has_via)
                r = put_ipv4(msg, RTA_GATEWAY, op->route.via);
        if (r >= 0 && ifindex > 0)
                r = nla_put_u32(msg, RTA_OIF, (uint32_t) ifindex);
        if (r >= 0 && op->route.has_src)
                r = put_ipv4(msg, RTA_PREFSRC, op->route.src);
        if (r < 0)
                return -EMSGSIZE;

        *ret = TAKE_PTR(msg);
        return 0;
}

/* ---- addresses and rules: libnl's builders ---- */

static int build_addr(NlExec *e, const NtkOp *op, struct nl_msg **ret)
{
        _cleanup_(rtnl_addr_putp) struct rtnl_addr *a = NULL;
        _cleanup_(nl_addr_putp) struct nl_addr *local = NULL;
        uint32_t be = htonl(op->addr.addr.addr);
        int ifindex, r;

        if (op->addr.addr.prefix > 32)
                return -EINVAL;
        r = resolve_ifindex(e, op->addr.dev, &ifindex);
        if (r < 0)
                return r;

        local = nl_addr_build(AF_INET, &be, sizeof(be));
        a = rtnl_addr_alloc();
        if (!local || !a)
                return -ENOMEM;
        nl_addr_set_prefixlen(local, op->addr.addr.prefix);
        rtnl_addr_set_family(a, AF_INET);
        rtnl_addr_set_ifindex(a, ifindex);
        r = rtnl_addr_set_local(a, local);
        if (r < 0)
                return nle_to_errno(r);

        if (op->kind == NTK_OP_ADDR_ADD)
                r = rtnl_addr_build_add_request(a, NLM_F_EXCL, ret);
        else
                r = rtnl_addr_build_delete_request(a, 0, ret);
        return nle_to_errno(r);
}

static int build_rule(const NtkOp *op, uint32_t table, struct nl_msg **ret)
{
        _cleanup_(rtnl_rule_putp) struct rtnl_rule *rule = rtnl_rule_alloc();
        int r;

        if (!rule)
                return -ENOMEM;
        rtnl_rule_set_family(rule, AF_INET);
        rtnl_rule_set_table(rule, table); /* libnl always adds FRA_TABLE, so ids > 255 work */
        rtnl_rule_set_action(rule, FR_ACT_TO_TBL);
        if (op->rule.has_fwmark)
                rtnl_rule_set_mark(rule, op->rule.fwmark);
        /* No FRA_PROTOCOL: the conformance states (kdump) count a rule's protocol as state and the documented
         * rules carry none. A rule is ours because confinement lets it point only at ntk's own tables. */
        /* No priority: libnl then sends no FRA_PRIORITY and the kernel picks one just below the lowest
         * non-zero preference, exactly as for `ip rule add` without `pref`. */

        if (op->kind == NTK_OP_RULE_ADD)
                r = rtnl_rule_build_add_request(rule, NLM_F_EXCL, ret);
        else
                r = rtnl_rule_build_delete_request(rule, 0, ret);
        return nle_to_errno(r);
}

/* ---- links: rare, sent one at a time after the batch in flight is answered ---- */

static int build_setlink(int ifindex, const NtkOp *op, int netns_fd, struct nl_msg **ret)
{
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
        struct ifinfomsg ifi = {
                .ifi_family = AF_UNSPEC,
                .ifi_index = ifindex,
        };
        int r = 0;

        if (op->kind == NTK_OP_LINK_SET_UP) {
                ifi.ifi_flags = IFF_UP;
                ifi.ifi_change = IFF_UP;
        }

        msg = nlmsg_alloc_size(NLEXEC_MSG_SIZE);
        if (!msg)
                return -ENOMEM;
        if (!nlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, RTM_NEWLINK, 0, 0))
                return -EMSGSIZE;
        if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0)
                return -EMSGSIZE;

        if (op->kind == NTK_OP_LINK_SET_MAC)
                r = nla_put(msg, IFLA_ADDRESS, sizeof(op->link.mac), op->link.mac);
        else if (op->kind == NTK_OP_LINK_SET_NETNS) {
                if (netns_fd < 0)
                        return -EBADF;
                r = nla_put_u32(msg, IFLA_NET_NS_FD, (uint32_t) netns_fd);
        }
        if (r < 0)
                return -EMSGSIZE;

        *ret = TAKE_PTR(msg);
        return 0;
}

static int build_link(NlExec *e, const NtkOp *op, const NlOpCtx *ctx, struct nl_msg **ret)
{
        _cleanup_(rtnl_link_putp) struct rtnl_link *link = NULL;
        int ifindex, r;

        if (op->kind == NTK_OP_LINK_ADD_MACVLAN) {
                int parent;

                if (op->link.ifname[0] == '\0' || strnlen(op->link.ifname, IFNAMSIZ) >= IFNAMSIZ)
                        return -EINVAL;
                r = resolve_ifindex(e, op->link.parent, &parent);
                if (r < 0)
                        return r;
                link = rtnl_link_macvlan_alloc();
                if (!link)
                        return -ENOMEM;
                /* No mode: like `ip link add … type macvlan`, the kernel's default (vepa) applies. */
                rtnl_link_set_name(link, op->link.ifname);
                rtnl_link_set_link(link, parent);
                return nle_to_errno(rtnl_link_build_add_request(link, NLM_F_CREATE | NLM_F_EXCL, ret));
        }

        r = resolve_ifindex(e, op->link.ifname, &ifindex);
        if (r < 0)
                return r;

        if (op->kind == NTK_OP_LINK_DEL) {
                link = rtnl_link_alloc();
                if (!link)
                        return -ENOMEM;
                rtnl_link_set_ifindex(link, ifindex);
                return nle_to_errno(rtnl_link_build_delete_request(link, ret));
        }

        return build_setlink(ifindex, op, ctx->netns_fd, ret);
}

/* ---- ROUTE_FLUSH ---- */

static uint32_t route_table_of(struct nlmsghdr *hdr)
{
        const struct rtmsg *rtm = nlmsg_data(hdr);
        struct nlattr *a = nlmsg_find_attr(hdr, sizeof(*rtm), RTA_TABLE);

        if (a && nla_len(a) >= (int) sizeof(uint32_t))
                return nla_get_u32(a);
        return rtm->rtm_table;
}

static int on_dump_route(struct nl_msg *msg, void *arg)
{
        Dump *d = arg;
        struct nlmsghdr *hdr = nlmsg_hdr(msg);
        const struct rtmsg *rtm;
        size_t len;

        if (hdr->nlmsg_seq != d->seq || hdr->nlmsg_type != RTM_NEWROUTE ||
                !nlmsg_valid_hdr(hdr, sizeof(*rtm)))
                return NL_OK;
        rtm = nlmsg_data(hdr);
        if (rtm->rtm_family != AF_INET || (rtm->rtm_flags & RTM_F_CLONED) || route_table_of(hdr) != d->table)
                return NL_OK;
        /* only ours: a foreign table that happens to use one of our ids keeps its routes */
        if (rtm->rtm_protocol != NTK_ROUTE_PROTOCOL)
                return NL_OK;

        len = NLMSG_ALIGN(hdr->nlmsg_len);
        if (d->len + len > d->cap) {
                size_t cap = d->cap ? d->cap * 2 : 64 * 1024;
                uint8_t *b;

                while (cap < d->len + len)
                        cap *= 2;
                b = realloc(d->buf, cap);
                if (!b) {
                        d->error = -ENOMEM;
                        return NL_STOP;
                }
                d->buf = b;
                d->cap = cap;
        }
        memcpy(d->buf + d->len, hdr, hdr->nlmsg_len);
        memset(d->buf + d->len + hdr->nlmsg_len, 0, len - hdr->nlmsg_len);
        d->len += len;
        return NL_OK;
}

static int on_dump_done(struct nl_msg *msg, void *arg)
{
        Dump *d = arg;

        if (nlmsg_hdr(msg)->nlmsg_seq != d->seq)
                return NL_OK;
        d->done = true;
        return NL_STOP;
}

static int on_dump_error(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
        Dump *d = arg;

        if (err->msg.nlmsg_seq != d->seq)
                return NL_SKIP;
        d->error = err->error < 0 ? err->error : -EIO;
        d->done = true;
        return NL_STOP;
}

static int dump_table(NlExec *e, Dump *d)
{
        _cleanup_(nlmsg_freep) struct nl_msg *msg = nlmsg_alloc_size(NLEXEC_MSG_SIZE);
        struct rtmsg rtm = {.rtm_family = AF_INET};
        struct nlmsghdr *hdr;
        int r;

        if (!msg)
                return -ENOMEM;
        d->seq = e->next_seq++;
        hdr = nlmsg_put(msg, e->port, d->seq, RTM_GETROUTE, 0, NLM_F_REQUEST | NLM_F_DUMP);
        if (!hdr || nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0)
                return -EMSGSIZE;

        nl_cb_set(e->dump_cb, NL_CB_VALID, NL_CB_CUSTOM, on_dump_route, d);
        nl_cb_set(e->dump_cb, NL_CB_FINISH, NL_CB_CUSTOM, on_dump_done, d);
        nl_cb_err(e->dump_cb, NL_CB_CUSTOM, on_dump_error, d);

        r = nl_sendto(e->sk, hdr, hdr->nlmsg_len);
        if (r < 0)
                return nle_to_errno(r);
        while (!d->done && d->error == 0) {
                r = nl_recvmsgs(e->sk, e->dump_cb);
                if (r < 0 && d->error == 0)
                        d->error = r == -NLE_NOMEM ? -ENOBUFS : nle_to_errno(r);
        }
        return d->error;
}

/* Deletes every IPv4 route of the table by sending each dumped route back as RTM_DELROUTE. A dump the
 * kernel marks interrupted (the table changed meanwhile) is retried. */
static int route_flush(NlExec *e, uint32_t table, int *sink)
{
        int r = -EINTR;

        for (unsigned attempt = 0; attempt < 3 && r == -EINTR; attempt++) {
                Dump d = {.table = table};

                r = dump_table(e, &d);
                if (r >= 0)
                        for (size_t off = 0; off < d.len && r >= 0;) {
                                struct nlmsghdr *hdr = (struct nlmsghdr *) (d.buf + off);

                                off += NLMSG_ALIGN(hdr->nlmsg_len);
                                hdr->nlmsg_type = RTM_DELROUTE;
                                hdr->nlmsg_flags = 0;
                                r = queue_request(e, hdr, sink);
                        }
                free(d.buf);
        }
        return r;
}

/* ---- the executor ---- */

bool nlexec_handles(NtkOpKind k)
{
        switch (k) {
        case NTK_OP_ADDR_ADD:
        case NTK_OP_ADDR_DEL:
        case NTK_OP_ROUTE_ADD:
        case NTK_OP_ROUTE_CHANGE:
        case NTK_OP_ROUTE_DEL:
        case NTK_OP_ROUTE_FLUSH:
        case NTK_OP_RULE_ADD:
        case NTK_OP_RULE_DEL:
        case NTK_OP_LINK_ADD_MACVLAN:
        case NTK_OP_LINK_DEL:
        case NTK_OP_LINK_SET_NETNS:
        case NTK_OP_LINK_SET_MAC:
        case NTK_OP_LINK_SET_UP:
                return true;
        default:
                return false;
        }
}

static bool is_link_op(NtkOpKind k)
{
        return k == NTK_OP_LINK_ADD_MACVLAN || k == NTK_OP_LINK_DEL || k == NTK_OP_LINK_SET_NETNS ||
               k == NTK_OP_LINK_SET_MAC || k == NTK_OP_LINK_SET_UP;
}

int nlexec_run(NlExec *e, const NtkOp *ops, const NlOpCtx *ctx, size_t n, int *results)
{
        size_t i;
        int r = 0;

        if (!e || (n > 0 && (!ops || !ctx || !results)))
                return -EINVAL;

        e->cached_index = 0; /* links may have changed since the last run */

        for (i = 0; i < n && r >= 0; i++) {
                _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
                const NtkOp *op = &ops[i];
                int b;

                results[i] = 0;

                switch (op->kind) {
                case NTK_OP_ADDR_ADD:
                case NTK_OP_ADDR_DEL:
                        b = build_addr(e, op, &msg);
                        break;
                case NTK_OP_ROUTE_ADD:
                case NTK_OP_ROUTE_CHANGE:
                case NTK_OP_ROUTE_DEL:
                        b = build_route(e, op, ctx[i].table, &msg);
                        break;
                case NTK_OP_RULE_ADD:
                case NTK_OP_RULE_DEL:
                        b = build_rule(op, ctx[i].table, &msg);
                        break;
                case NTK_OP_ROUTE_FLUSH:
                        /* the dump must see every earlier op applied */
                        r = flush_window(e);
                        if (r >= 0)
                                r = route_flush(e, ctx[i].table, &results[i]);
                        if (r >= 0)
                                r = flush_window(e);
                        if (r < 0 && results[i] == 0)
                                results[i] = r;
                        if (r == -EINTR) /* the table kept changing: this op failed, not the socket */
                                r = 0;
                        continue;
                default:
                        if (!is_link_op(op->kind)) {
                                b = -EOPNOTSUPP;
                                break;
                        }
                        /* links: answered one at a time, so later ops resolve names in the new state */
                        r = flush_window(e);
                        if (r < 0) {
                                results[i] = r;
                                continue;
                        }
                        b = build_link(e, op, &ctx[i], &msg);
                        e->cached_index = 0;
                        if (b >= 0) {
                                r = queue_msg(e, msg, &results[i]);
                                if (r >= 0)
                                        r = flush_window(e);
                        } else
                                results[i] = b;
                        continue;
                }

                if (b < 0) {
                        results[i] = b; /* never sent: the rest of the batch goes on */
                        continue;
                }
                r = queue_msg(e, msg, &results[i]);
        }

        if (r >= 0)
                r = flush_window(e);
        if (r < 0)
                for (; i < n; i++)
                        results[i] = r; /* never attempted: the socket failed */
        return r < 0 ? r : 0;
}

NlExec *nlexec_free(NlExec *e)
{
        if (!e)
                return NULL;
        if (e->ack_cb)
                nl_cb_put(e->ack_cb);
        if (e->dump_cb)
                nl_cb_put(e->dump_cb);
        if (e->sk)
                nl_socket_free(e->sk);
        free(e->sendbuf);
        free(e);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(NlExec *, nlexec_free);

/* Raises a socket buffer past net.core.[rw]mem_max when we may (CAP_NET_ADMIN), else as far as allowed. */
static void force_buffer(int fd, int force_opt, int opt, int size)
{
        if (setsockopt(fd, SOL_SOCKET, force_opt, &size, sizeof(size)) < 0)
                (void) setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size));
}

int nlexec_open(NlExec **ret)
{
        _cleanup_(nlexec_freep) NlExec *e = NULL;
        socklen_t optlen = sizeof(int);
        int one = 1, rcvbuf = 0, fd, r;

        if (!ret)
                return -EINVAL;

        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->sendbuf = malloc(NLEXEC_SENDBUF);
        e->sk = nl_socket_alloc();
        e->ack_cb = nl_cb_alloc(NL_CB_CUSTOM);
        e->dump_cb = nl_cb_alloc(NL_CB_CUSTOM);
        if (!e->sendbuf || !e->sk || !e->ack_cb || !e->dump_cb)
                return -ENOMEM;

        r = nl_connect(e->sk, NETLINK_ROUTE);
        if (r < 0)
                return nle_to_errno(r);

        /* We number and match every request ourselves. */
        nl_socket_disable_auto_ack(e->sk);
        nl_socket_disable_seq_check(e->sk);
        /* One recvmsg takes many answers. The kernel never builds a message larger than 32 KiB (a dump
         * part), so this buffer needs no MSG_PEEK round to size it first. */
        nl_socket_disable_msg_peek(e->sk);
        r = nl_socket_set_msg_buf_size(e->sk, NLEXEC_RECVBUF);
        if (r < 0)
                return nle_to_errno(r);

        r = nl_socket_set_buffer_size(e->sk, NLEXEC_SOCKBUF, NLEXEC_SOCKBUF);
        if (r < 0)
                return nle_to_errno(r);
        fd = nl_socket_get_fd(e->sk);
        force_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, NLEXEC_SOCKBUF);
        force_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, NLEXEC_SOCKBUF);
        /* Errors echo only the request's header, not the whole request: smaller answers. */
        (void) setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

        if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &optlen) < 0)
                return -errno;
        e->window = (size_t) rcvbuf / NLEXEC_ANSWER_COST;
        if (e->window > NLEXEC_WINDOW)
                e->window = NLEXEC_WINDOW;
        if (e->window < 1)
                e->window = 1;

        nl_cb_set(e->ack_cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, on_seq_check, NULL);
        nl_cb_set(e->ack_cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, e);
        nl_cb_err(e->ack_cb, NL_CB_CUSTOM, on_error, e);
        nl_cb_set(e->dump_cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, on_seq_check, NULL);

        e->port = nl_socket_get_local_port(e->sk);
        e->next_seq = 1;

        *ret = TAKE_PTR(e);
        return 0;
}
