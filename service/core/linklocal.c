/* linklocal.c — choosing a free, valid 169.254.x.y for a managed interface.
 * Must not: read clocks or the OS's randomness, nor return an address the caller said is taken. */
#include <errno.h>
#include <string.h>

#include "linklocal.h"

bool ntk_linklocal_is_valid(uint32_t addr)
{
        unsigned x = (addr >> 8) & 0xff, y = addr & 0xff;

        return (addr & 0xffff0000u) == NTK_LINKLOCAL_NET && x >= NTK_LINKLOCAL_X_MIN &&
               x <= NTK_LINKLOCAL_X_MAX && y >= NTK_LINKLOCAL_Y_MIN && y <= NTK_LINKLOCAL_Y_MAX;
}

static inline bool bit_test(const uint8_t *map, unsigned i)
{
        return map[i >> 3] & (1u << (i & 7));
}

int ntk_linklocal_choose_in(
        NtkRng *rng, NtkLinklocalSpace space, const uint32_t *used, size_t n_used, uint32_t *ret)
{
        uint8_t taken[65536 / 8]; /* one bit per 169.254.x.y, indexed by the low 16 bits */
        unsigned x_min, x_max, y_min, y_max, width, i;
        uint64_t n, start, k;

        x_min = space.x_min > NTK_LINKLOCAL_X_MIN ? space.x_min : NTK_LINKLOCAL_X_MIN;
        x_max = space.x_max < NTK_LINKLOCAL_X_MAX ? space.x_max : NTK_LINKLOCAL_X_MAX;
        y_min = space.y_min > NTK_LINKLOCAL_Y_MIN ? space.y_min : NTK_LINKLOCAL_Y_MIN;
        y_max = space.y_max < NTK_LINKLOCAL_Y_MAX ? space.y_max : NTK_LINKLOCAL_Y_MAX;
        if (x_min > x_max || y_min > y_max)
                return -EINVAL;
        if (!used && n_used > 0)
                return -EINVAL;

        memset(taken, 0, sizeof(taken));
        for (size_t u = 0; u < n_used; u++)
                if ((used[u] & 0xffff0000u) == NTK_LINKLOCAL_NET) {
                        i = used[u] & 0xffff;
                        taken[i >> 3] |= (uint8_t) (1u << (i & 7));
                }

        width = y_max - y_min + 1;
        n = (uint64_t) (x_max - x_min + 1) * width;

        /* Candidate k (0 <= k < n) is 169.254.(x_min + k / width).(y_min + k % width). */
#define CANDIDATE_INDEX(k) ((unsigned) (((x_min + (k) / width) << 8) | (y_min + (k) % width)))

        for (int t = 0; t < NTK_LINKLOCAL_RANDOM_TRIES; t++) {
                k = ntk_rng_below(rng, n);
                i = CANDIDATE_INDEX(k);
                if (!bit_test(taken, i)) {
                        *ret = NTK_LINKLOCAL_NET | i;
                        return 0;
                }
        }

        /* The space is crowded: walk all of it once, from a random start, so the answer is still spread. */
        start = ntk_rng_below(rng, n);
        for (uint64_t s = 0; s < n; s++) {
                k = (start + s) % n;
                i = CANDIDATE_INDEX(k);
                if (!bit_test(taken, i)) {
                        *ret = NTK_LINKLOCAL_NET | i;
                        return 0;
                }
        }
#undef CANDIDATE_INDEX
        return -EADDRNOTAVAIL;
}
