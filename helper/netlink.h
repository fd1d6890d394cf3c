/* netlink.h — executes the address, route, rule and link ops of one namespace over rtnetlink (libnl-route-3),
 * pipelined. Must not: validate confinement (confine.h does) or change namespace (the caller already did). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kops.h"

#define NTK_ROUTE_PROTOCOL 15 /* "ntk" in iproute2's rt_protos: every route we write carries it */

typedef struct NlExec NlExec;

/* What the caller resolved for one op: the numeric table of route/rule ops (254 for main), and for
 * LINK_SET_NETNS an fd of the target namespace. */
typedef struct NlOpCtx {
        uint32_t table;
        int netns_fd;
} NlOpCtx;

/* Opens a NETLINK_ROUTE socket in the calling thread's current network namespace. */
int nlexec_open(NlExec **ret);
NlExec *nlexec_free(NlExec *e);

/* True for the kinds nlexec_run handles: ADDR_*, ROUTE_*, RULE_*, LINK_*. */
bool nlexec_handles(NtkOpKind k);

/* Runs ops[0..n) in order, keeping many requests in flight; results[i] = 0 or -errno of ops[i] (every op
 * is attempted and gets its own result). Routes are written with protocol NTK_ROUTE_PROTOCOL and deleted
 * only when they carry it (a missing one gives -ESRCH); a unicast-shaped ROUTE_DEL matches any route type,
 * like `ip route del`; ROUTE_FLUSH deletes every route of the table. Rules carry no protocol (the documented
 * state has none). Failures: -ENODEV (unknown device), -EEXIST, -ENOENT (change of a missing route),
 * -EINTR (a flush dump interrupted 3 times). ctx[i].netns_fd stays owned by the caller. Returns 0 when
 * the requests could be exchanged (even if some ops failed), or -errno when the socket itself failed
 * (the ops without an answer then carry that error). */
int nlexec_run(NlExec *e, const NtkOp *ops, const NlOpCtx *ctx, size_t n, int *results);
