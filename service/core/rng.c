/* rng.c — splitmix64 and unbiased bounded draws from it.
 * Must not: keep any state of its own; the caller owns NtkRng. */
#include "rng.h"

uint64_t ntk_rng_next(NtkRng *rng)
{
        uint64_t z;

        /* splitmix64 (Steele, Lea, Flood 2014): a Weyl sequence through a 64-bit finaliser. */
        rng->state += 0x9e3779b97f4a7c15ull;
        z = rng->state;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
}

uint64_t ntk_rng_below(NtkRng *rng, uint64_t n)
{
        uint64_t limit, v;

        if (n == 0)
                return 0;
        /* Reject the top partial bucket: limit is the largest multiple of n that fits in 2^64. */
        limit = UINT64_MAX - UINT64_MAX % n;
        do
                v = ntk_rng_next(rng);
        while (v >= limit);
        return v % n;
}
