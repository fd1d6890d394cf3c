/* apply.c — one batch, one setns: consecutive netlink ops go out pipelined, iptables ops are staged and
 * committed once per table at the end, the rest run inline in order. Must not: validate or talk D-Bus. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "apply.h"
#include "iptables.h"
#include "ledger.h"
#include "netlink.h"
#include "netns.h"
#include "rttables.h"
#include "sysctl.h"

#define RT_TABLE_MAIN 254

static void closep(int *fd)
{
        if (*fd >= 0)
                close(*fd);
}

static void nlexec_freep(NlExec **p)
{
        nlexec_free(*p);
}

static void iptexec_freep(IptExec **p)
{
        iptexec_free(*p);
}

static void note_failure(char *msg, size_t size, size_t i, const NtkOp *op, int r)
{
        char text[NTK_OP_TEXT_MAX];

        if (msg[0] != '\0')
                return;
        if (ntk_op_render(NULL, op, text, sizeof text) < 0)
                snprintf(text, sizeof text, "(%s)", ntk_op_kind_to_string(op->kind));
        snprintf(msg, size, "op %zu '%s': %s", i, text, strerror(-r));
}

/* Ops whose success the confinement of the later ops of the batch assumed (they change what is ours). If
 * one fails, the rest of the batch is cancelled: it was checked against a state that did not come true. */
static bool is_structural(NtkOpKind k)
{
        switch (k) {
        case NTK_OP_NETNS_ADD:
        case NTK_OP_NETNS_DEL:
        case NTK_OP_LINK_ADD_MACVLAN:
        case NTK_OP_LINK_DEL:
        case NTK_OP_LINK_SET_NETNS:
        case NTK_OP_RTTABLE_ADD:
        case NTK_OP_RTTABLE_DEL:
                return true;
        default:
                return false;
        }
}

/* Runs the netlink ops ops[from..to) in one pipelined exchange. */
static int run_netlink(NlExec **nl, const HelperState *state, const NtkOp *ops, size_t from, size_t to,
        int *results)
{
        _cleanup_free_ NlOpCtx *ctx = calloc(to - from, sizeof(NlOpCtx));
        size_t n_run = 0;
        int r;

        if (!ctx)
                return -ENOMEM;
        if (!*nl) {
                r = nlexec_open(nl);
                if (r < 0)
                        return r;
        }
        for (size_t i = from; i < to; i++) {
                const NtkOp *op = &ops[i];
                const char *table = NULL;
                NlOpCtx *c = &ctx[i - from];

                c->netns_fd = -1;
                if (op->kind >= NTK_OP_ROUTE_ADD && op->kind <= NTK_OP_ROUTE_FLUSH)
                        table = op->route.table;
                else if (op->kind == NTK_OP_RULE_ADD || op->kind == NTK_OP_RULE_DEL)
                        table = op->rule.table;
                if (table) {
                        const StateTable *t = streq(table, "main") ? NULL : state_find_table(state, table);
                        if (!t && !streq(table, "main"))
                                return -ENOENT; /* never fall back to main for a table we do not know */
                        c->table = t ? t->id : RT_TABLE_MAIN;
                }
                if (op->kind == NTK_OP_LINK_SET_NETNS) {
                        c->netns_fd = netns_open_ours(state, op->link.target);
                        if (c->netns_fd < 0) {
                                r = c->netns_fd;
                                goto out;
                        }
                }
                n_run++;
        }
        r = nlexec_run(*nl, ops + from, ctx, to - from, results + from);
out:
        for (size_t i = 0; i < n_run; i++)
                if (ctx[i].netns_fd >= 0)
                        close(ctx[i].netns_fd);
        return r;
}

/* Runs ops[i] (a structural op) alone. Some failures mean the object is already in the wanted state and
 * count as success: a link or namespace that is already gone. */
static int run_structural(NlExec **nl, HelperState *state, const char *netns, const NtkOp *op, const NtkOp *ops,
        size_t i, int *results)
{
        int r;

        switch (op->kind) {
        case NTK_OP_NETNS_ADD: {
                uint64_t dev, ino;
                int fd, k;

                r = netns_create(op->netns.name);
                if (r < 0)
                        return r;
                r = state_record(state, netns, op);
                if (r < 0)
                        return r;
                /* remember which namespace it is, so a replacement of the same name is never taken for it */
                fd = netns_open(op->netns.name);
                k = state_netns_index(state, op->netns.name);
                if (fd >= 0 && k >= 0 && netns_identity(fd, &dev, &ino) >= 0) {
                        state->netns_dev[k] = dev;
                        state->netns_ino[k] = ino;
                }
                if (fd >= 0)
                        close(fd);
                return 0;
        }
        case NTK_OP_NETNS_DEL: {
                int fd = netns_open_ours(state, op->netns.name);
                if (fd >= 0) {
                        close(fd);
                        r = netns_delete(op->netns.name);
                } else
                        r = fd;
                /* already gone, or the name now belongs to somebody else's namespace: ours is gone, forget it
                 * and leave theirs alone */
                if (r == -ENOENT || r == -ESTALE || r == -ENOTTY || r == -ELOOP)
                        r = 0;
                break;
        }
        case NTK_OP_RTTABLE_ADD:
        case NTK_OP_RTTABLE_DEL:
                r = 0; /* the drop-in is rewritten once, after the batch */
                break;
        default: /* LINK_ADD_MACVLAN, LINK_DEL, LINK_SET_NETNS */
                r = run_netlink(nl, state, ops, i, i + 1, results);
                if (r >= 0)
                        r = results[i];
                if (r == -ENODEV && op->kind == NTK_OP_LINK_DEL)
                        r = 0; /* already gone (deleted by hand, or with its parent): forget it */
        }
        if (r < 0)
                return r;
        return state_record(state, netns, op) < 0 ? -ENOSPC : 0;
}

int helper_apply(HelperState *state, const HelperPaths *paths, const char *netns, const NtkOp *ops, size_t n,
        int *results, char *ret_msg, size_t msg_size)
{
        _cleanup_(closep) int home = -1, target = -1;
        _cleanup_(nlexec_freep) NlExec *nl = NULL;
        _cleanup_(iptexec_freep) IptExec *ipt = NULL;
        _cleanup_free_ bool *staged = NULL;
        bool state_changed = false, tables_changed = false;
        int failed = 0, r;

        ret_msg[0] = '\0';
        staged = calloc(n ? n : 1, sizeof(bool));
        if (!staged)
                return -ENOMEM;

        if (netns[0] != '\0') {
                home = netns_open("");
                if (home < 0)
                        return home;
                target = netns_open_ours(state, netns);
                if (target < 0)
                        return target;
                r = netns_enter(target);
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; i < n;) {
                const NtkOp *op = &ops[i];

                if (is_structural(op->kind)) {
                        results[i] = run_structural(&nl, state, netns, op, ops, i, results);
                        if (results[i] < 0) {
                                for (size_t k = i + 1; k < n; k++)
                                        results[k] = -ECANCELED;
                                break;
                        }
                        state_changed = true;
                        tables_changed |= op->kind == NTK_OP_RTTABLE_ADD || op->kind == NTK_OP_RTTABLE_DEL;
                        i++;
                        continue;
                }

                if (nlexec_handles(op->kind)) {
                        size_t j = i;
                        while (j < n && nlexec_handles(ops[j].kind) && !is_structural(ops[j].kind))
                                j++;
                        r = run_netlink(&nl, state, ops, i, j, results);
                        if (r < 0)
                                for (size_t k = i; k < j; k++)
                                        results[k] = r;
                        i = j;
                        continue;
                }

                if (op->kind == NTK_OP_SYSCTL)
                        results[i] = sysctl_write(op->sysctl.key, op->sysctl.value);
                else if (iptexec_handles(op->kind)) {
                        if (!ipt && (r = iptexec_new(&ipt)) < 0)
                                results[i] = r;
                        else {
                                results[i] = iptexec_stage(ipt, op);
                                staged[i] = results[i] == 0;
                        }
                } else
                        results[i] = -EOPNOTSUPP;
                i++;
        }

        if (ipt) {
                r = iptexec_commit(ipt);
                if (r < 0)
                        for (size_t i = 0; i < n; i++)
                                if (staged[i])
                                        results[i] = r;
        }

        if (home >= 0 && netns_enter(home) < 0)
                abort(); /* never carry on in a foreign namespace */

        for (size_t i = 0; i < n; i++)
                if (results[i] < 0) {
                        failed++;
                        note_failure(ret_msg, msg_size, i, &ops[i], results[i]);
                }

        /* a ledger or table name that did not reach the disk is a failure of the call, not a footnote */
        if (tables_changed) {
                r = rttables_write(paths->rttables, state);
                if (r < 0) {
                        failed++;
                        snprintf(ret_msg, msg_size, "writing %s: %s", paths->rttables, strerror(-r));
                }
        }
        if (state_changed) {
                r = ledger_save(paths->ledger, state);
                if (r < 0) {
                        failed++;
                        snprintf(ret_msg, msg_size, "writing %s: %s", paths->ledger, strerror(-r));
                }
        }
        return failed;
}
