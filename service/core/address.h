/* address.h — a Netsukuku address (one position per level, real or virtual) and hierarchical
 * coordinates (level, pos) between two addresses. Must not: know about IPv4. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "topology.h"

#define NTK_POS_MAX 0x3fffffffu /* largest position accepted, virtual ones included */
#define NTK_ADDRESS_STRLEN (NTK_MAX_LEVELS * 11)

typedef struct NtkAddress {
        unsigned levels;
        uint32_t pos[NTK_MAX_LEVELS]; /* indexed by level, 0 = lowest; pos >= gsize is virtual */
} NtkAddress;

/* A g-node seen from an address: the level-lvl g-node at position pos inside the common parent. */
typedef struct NtkHCoord {
        unsigned lvl;
        uint32_t pos;
} NtkHCoord;

/* Parses "3.0.1.0" (highest level first, '·' accepted) for topology t. 0 or -EINVAL with a
 * message; *ret untouched on failure. */
int ntk_address_parse(const NtkTopology *t, const char *s, NtkAddress *ret, NtkErr *err);
char *ntk_address_format(const NtkAddress *a, char buf[static NTK_ADDRESS_STRLEN]);

static inline bool ntk_address_is_real_at(const NtkTopology *t, const NtkAddress *a, unsigned lvl)
{
        return a->pos[lvl] < t->gsize[lvl];
}

/* True when every position in levels [from, to) is real (an empty range is true). */
bool ntk_address_real_range(const NtkTopology *t, const NtkAddress *a, unsigned from, unsigned to);

static inline bool ntk_address_is_real(const NtkTopology *t, const NtkAddress *a)
{
        return ntk_address_real_range(t, a, 0, t->levels);
}

bool ntk_address_equal(const NtkAddress *a, const NtkAddress *b);

/* The level of the smallest g-node containing both a and b: 0 when a == b, levels when they differ
 * at the top level. */
unsigned ntk_address_common_level(const NtkAddress *a, const NtkAddress *b);

/* The maximum distinct g-node of b with respect to a: (L, b[L]) with L the highest level where they
 * differ. -EINVAL when a == b. */
int ntk_address_max_distinct_gnode(const NtkAddress *a, const NtkAddress *b, NtkHCoord *ret);

/* The hierarchical coordinate of b as seen from a is the same thing; a g-node (lvl, pos) contains b
 * when b's positions above lvl equal a's and b[lvl] == pos. */
bool ntk_hcoord_contains(const NtkAddress *a, NtkHCoord h, const NtkAddress *b);
