/* confine.h — the helper's refusal of anything that is not ntk's own (ARCHITECTURE.md §2 rule 1). Pure:
 * decides from the configuration and the ledger state only. Must not: do I/O or touch the kernel. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "error.h"
#include "kops.h"
#include "state.h"

#define CONFINE_MAX_OPS 131072

typedef enum ConfineVerdict {
        CONFINE_OK = 0,
        CONFINE_INVALID = -1,  /* malformed or out of the limits */
        CONFINE_NOT_OURS = -2, /* well formed, but not one of ntk's objects */
} ConfineVerdict;

/* Checks one op to be applied in namespace netns ("" = default) against the state s (which already
 * includes the effect of the earlier ops of the same batch). On refusal fills err with a message that
 * repeats the offending value. */
ConfineVerdict confine_op(const HelperConfig *c, const HelperState *s, const char *netns, const NtkOp *op,
        NtkErr *err);

/* A device ntk may configure in netns: a managed interface (default namespace) or one of our
 * pseudo-interfaces now in netns. */
ConfineVerdict confine_dev(const HelperConfig *c, const HelperState *s, const char *netns, const char *dev,
        NtkErr *err);

/* Checks a namespace argument: "" or one of ours. */
ConfineVerdict confine_netns(const HelperState *s, const char *netns, NtkErr *err);

/* Parses and checks a whole batch for Apply: each line with ntk_op_parse (no "ip netns exec" prefix
 * allowed: the namespace is the netns argument), then confine_op against a copy of s updated op by op
 * with state_record. On success *ret holds n parsed ops (malloc'ed). On refusal returns the verdict,
 * *ret_index the index of the offending op, and err a message naming it. */
ConfineVerdict confine_batch(const HelperConfig *c, const HelperState *s, const char *netns, char *const *lines,
        size_t n, NtkOp **ret, size_t *ret_index, NtkErr *err);

/* The table name that belongs to a forwarding table id scheme: "ntk" ↔ 251, "ntk_from_<MAC>" ↔ 200..250. */
bool confine_table_name_ok(const char *name, uint32_t id);
