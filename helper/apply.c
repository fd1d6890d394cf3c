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

/* Runs the netlink ops ops[from..to) in one pipelined exchange. */
static int run_netlink(NlExec **nl, const HelperState *state, const NtkOp *ops, size_t from, size_t to,
        int *results)
{
        _cleanup_free_ NlOpCtx *ctx = calloc(to - from, sizeof(NlOpCtx));
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
                        c->table = t ? t->id : RT_TABLE_MAIN;
                }
                if (op->kind == NTK_OP_LINK_SET_NETNS)
                        c->netns_fd = netns_open(op->link.target);
        }
        r = nlexec_run(*nl, ops + from, ctx, to - from, results + from);
        for (size_t i = 0; i < to - from; i++)
                if (ctx[i].netns_fd >= 0)
                        close(ctx[i].netns_fd);
        return r;
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
                target = netns_open(netns);
                if (target < 0)
                        return target;
                r = netns_enter(target);
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; i < n;) {
                const NtkOp *op = &ops[i];

                if (nlexec_handles(op->kind)) {
                        size_t j = i;
                        while (j < n && nlexec_handles(ops[j].kind))
                                j++;
                        r = run_netlink(&nl, state, ops, i, j, results);
                        if (r < 0)
                                for (size_t k = i; k < j; k++)
                                        results[k] = r;
                        for (size_t k = i; k < j; k++)
                                if (results[k] == 0 && state_record(state, netns, &ops[k]) == 0 &&
                                    (ops[k].kind == NTK_OP_LINK_ADD_MACVLAN || ops[k].kind == NTK_OP_LINK_DEL ||
                                     ops[k].kind == NTK_OP_LINK_SET_NETNS))
                                        state_changed = true;
                        i = j;
                        continue;
                }

                switch (op->kind) {
                case NTK_OP_NETNS_ADD:
                        results[i] = netns_create(op->netns.name);
                        break;
                case NTK_OP_NETNS_DEL:
                        results[i] = netns_delete(op->netns.name);
                        break;
                case NTK_OP_SYSCTL:
                        results[i] = sysctl_write(op->sysctl.key, op->sysctl.value);
                        break;
                case NTK_OP_RTTABLE_ADD:
                case NTK_OP_RTTABLE_DEL:
                        results[i] = 0; /* the drop-in is rewritten once, below */
                        tables_changed = true;
                        break;
                default:
                        if (iptexec_handles(op->kind)) {
                                if (!ipt) {
                                        r = iptexec_new(&ipt);
                                        if (r < 0) {
                                                results[i] = r;
                                                break;
                                        }
                                }
                                results[i] = iptexec_stage(ipt, op);
                                staged[i] = results[i] == 0;
                        } else
                                results[i] = -EOPNOTSUPP;
                }
                if (results[i] == 0 && op->kind != NTK_OP_SYSCTL && !iptexec_handles(op->kind)) {
                        if (state_record(state, netns, op) < 0)
                                results[i] = -ENOSPC;
                        else
                                state_changed = true;
                }
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

        if (tables_changed) {
                r = rttables_write(paths->rttables, state);
                if (r < 0 && ret_msg[0] == '\0')
                        snprintf(ret_msg, msg_size, "writing %s: %s", paths->rttables, strerror(-r));
        }
        if (state_changed || tables_changed) {
                r = ledger_save(paths->ledger, state);
                if (r < 0 && ret_msg[0] == '\0')
                        snprintf(ret_msg, msg_size, "writing %s: %s", paths->ledger, strerror(-r));
        }
        return failed;
}
