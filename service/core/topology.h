/* topology.h — the shape of a Netsukuku network: number of levels and gsize of each level.
 * Must not: know about addresses or IPv4 beyond the bit budget that constrains the shape. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define NTK_MAX_LEVELS 16
#define NTK_MAX_BITS 22 /* 24 host bits of 10.0.0.0/8 minus the 2 type bits */
#define NTK_TOPOLOGY_STRLEN (NTK_MAX_LEVELS * 9)

typedef struct NtkTopology {
        unsigned levels;
        unsigned gsize[NTK_MAX_LEVELS]; /* indexed by level, 0 = lowest */
        unsigned gexp[NTK_MAX_LEVELS];  /* log2(gsize) */
} NtkTopology;

/* Parses "4.2.2.2" (gsize per level, highest level first; '·' accepted as separator).
 * Returns 0 or -EINVAL with a message naming the broken rule; *ret untouched on failure. */
int ntk_topology_parse(const char *s, NtkTopology *ret, NtkErr *err);

/* Builds a topology from gsizes given lowest level first, with the same checks as the parser. */
int ntk_topology_from_gsizes(const unsigned *gsize, unsigned levels, NtkTopology *ret, NtkErr *err);

/* "4.2.2.2" */
char *ntk_topology_format(const NtkTopology *t, char buf[static NTK_TOPOLOGY_STRLEN]);

/* Σ gexp(i) for i < lvl: the number of address bits below level lvl. */
unsigned ntk_topology_bits_below(const NtkTopology *t, unsigned lvl);

static inline unsigned ntk_topology_bits(const NtkTopology *t)
{
        return ntk_topology_bits_below(t, t->levels);
}
