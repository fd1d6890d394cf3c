/* linklocal.h — the link-local address (169.254.x.y/32) of a managed interface: which ones ntk may use, and
 * choosing a free one (randomness from rng.h). Must not: read any clock.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rng.h"


/* The rule (the same for our own choice and for what we accept from a neighbour):
 *
 *     169.254.x.y  with  1 <= x <= 254  and  1 <= y <= 254
 *
 * RFC 3927 §2.1 reserves 169.254.0.0/24 and 169.254.255.0/24; we also never use y = 0 or y = 255, so that no
 * address of ours looks like the network or the broadcast address of a /24 that some tool may assume
 * (e.g. a host that configured 169.254.7.0/24 by hand). That leaves 254 * 254 = 64516 addresses. */
#define NTK_LINKLOCAL_NET 0xa9fe0000u /* 169.254.0.0 */
#define NTK_LINKLOCAL_X_MIN 1
#define NTK_LINKLOCAL_X_MAX 254
#define NTK_LINKLOCAL_Y_MIN 1
#define NTK_LINKLOCAL_Y_MAX 254
#define NTK_LINKLOCAL_RANDOM_TRIES 32 /* random draws before the deterministic scan */

/* The candidate space 169.254.[x_min..x_max].[y_min..y_max]; it is always intersected with the rule above,
 * so a space can only narrow the choice (tests use a tiny one). */
typedef struct NtkLinklocalSpace {
        uint8_t x_min, x_max, y_min, y_max;
} NtkLinklocalSpace;

#define NTK_LINKLOCAL_SPACE_ALL                                                                             \
        ((NtkLinklocalSpace){                                                                               \
                NTK_LINKLOCAL_X_MIN, NTK_LINKLOCAL_X_MAX, NTK_LINKLOCAL_Y_MIN, NTK_LINKLOCAL_Y_MAX})

/* addr (host byte order) obeys the rule above. */
bool ntk_linklocal_is_valid(uint32_t addr);

/* Chooses a valid address of space that is not in used[0..n_used) (addresses outside 169.254.0.0/16 in used
 * are ignored; duplicates are fine). Up to NTK_LINKLOCAL_RANDOM_TRIES uniform draws, then a scan of the
 * whole space from a random start, so the answer is found whenever one exists and the cost is bounded
 * (O(n_used + 64516)). The caller passes every address it knows to be taken: its own NICs' link-locals, the
 * link-locals of its pseudo-interfaces (all namespaces) and every neighbour link-local it has seen
 * (ntk_nb_used_linklocals()). Returns 0 and *ret, or -EADDRNOTAVAIL when the space holds no free address, or
 * -EINVAL for an empty space; *ret is untouched on failure. */
int ntk_linklocal_choose_in(
        NtkRng *rng, NtkLinklocalSpace space, const uint32_t *used, size_t n_used, uint32_t *ret);

static inline int ntk_linklocal_choose(NtkRng *rng, const uint32_t *used, size_t n_used, uint32_t *ret)
{
        return ntk_linklocal_choose_in(rng, NTK_LINKLOCAL_SPACE_ALL, used, n_used, ret);
}
