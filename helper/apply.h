/* apply.h — executes a confined batch of ops inside one namespace: netlink ops pipelined, iptables ops in
 * one transaction per table, sysctls, namespaces, rt_tables; then records what succeeded in the ledger.
 * Must not: validate (the batch has passed confine_batch) or talk D-Bus. */
#pragma once

#include <stddef.h>

#include "config.h"
#include "kops.h"
#include "state.h"

typedef struct HelperPaths {
        const char *ledger;   /* LEDGER_PATH */
        const char *rttables; /* RTTABLES_DROPIN */
} HelperPaths;

/* Runs ops[0..n) in namespace netns ("" = the caller's own). results[i] = 0 or -errno for each op;
 * *state gets the effect of every op that succeeded, and is saved to the ledger (with the rt_tables
 * drop-in) when it changed. ret_msg (size msg_size) describes the first failure or is "".
 * Returns the number of failed ops, or -errno when the namespace could not be entered (nothing ran). */
int helper_apply(HelperState *state, const HelperPaths *paths, const char *netns, const NtkOp *ops, size_t n,
        int *results, char *ret_msg, size_t msg_size);
