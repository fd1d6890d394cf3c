/* rng.h — the one deterministic PRNG of pure code (splitmix64): ids, MACs, link-locals, timer jitter, the
 * simulator. Must not: read the OS's randomness or clocks; the daemon seeds it once. */
#pragma once

#include <stdint.h>

/* A splitmix64 generator. The state is the caller's (seed it once, e.g. from getrandom() in the daemon, or
 * with a constant in tests): the same seed gives the same sequence on every machine. Not cryptographic. */
typedef struct NtkRng {
        uint64_t state;
} NtkRng;

static inline void ntk_rng_init(NtkRng *rng, uint64_t seed)
{
        rng->state = seed;
}

uint64_t ntk_rng_next(NtkRng *rng);
/* Uniform in [0, n), without modulo bias; 0 when n is 0. */
uint64_t ntk_rng_below(NtkRng *rng, uint64_t n);
