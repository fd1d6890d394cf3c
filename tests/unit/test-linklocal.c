/* test-linklocal.c — link-local choice: only 169.254.[1..254].[1..254], never a used one, a clean error when
 * full, and the splitmix64 PRNG's determinism. Must not: depend on the clock or the OS's randomness. */
#include <errno.h>
#include <glib.h>

#include "linklocal.h"

#define LL(x, y) (NTK_LINKLOCAL_NET | ((uint32_t) (x) << 8) | (uint32_t) (y))

static void test_linklocal_is_valid_excludes_reserved_and_edges(void)
{
        g_assert_true(ntk_linklocal_is_valid(LL(1, 1)));
        g_assert_true(ntk_linklocal_is_valid(LL(254, 254)));
        g_assert_true(ntk_linklocal_is_valid(LL(23, 45)));
        g_assert_false(ntk_linklocal_is_valid(LL(0, 7)));   /* RFC 3927 reserved */
        g_assert_false(ntk_linklocal_is_valid(LL(255, 7))); /* RFC 3927 reserved */
        g_assert_false(ntk_linklocal_is_valid(LL(7, 0)));
        g_assert_false(ntk_linklocal_is_valid(LL(7, 255)));
        g_assert_false(ntk_linklocal_is_valid(0x0a000001u)); /* 10.0.0.1 */
        g_assert_false(ntk_linklocal_is_valid(0xa9ff0101u)); /* 169.255.1.1 */
}

static void test_rng_is_deterministic_and_bounded(void)
{
        NtkRng a, b;
        unsigned hist[10] = {};

        ntk_rng_init(&a, 42);
        ntk_rng_init(&b, 42);
        for (int i = 0; i < 1000; i++)
                g_assert_cmpuint(ntk_rng_next(&a), ==, ntk_rng_next(&b));
        /* splitmix64's published first output for seed 0. */
        ntk_rng_init(&a, 0);
        g_assert_cmphex(ntk_rng_next(&a), ==, 0xe220a8397b1dcdafull);

        ntk_rng_init(&a, 7);
        g_assert_cmpuint(ntk_rng_below(&a, 0), ==, 0);
        g_assert_cmpuint(ntk_rng_below(&a, 1), ==, 0);
        for (int i = 0; i < 100000; i++) {
                uint64_t v = ntk_rng_below(&a, 10);
                g_assert_cmpuint(v, <, 10);
                hist[v]++;
        }
        for (int i = 0; i < 10; i++) /* loose: 10000 expected per bucket */
                g_assert_cmpuint(hist[i], >, 9000);
}

static void test_linklocal_choose_never_reserved_never_used(void)
{
        uint32_t used[200];
        size_t n_used = 0;
        NtkRng rng;

        ntk_rng_init(&rng, 1);
        for (int i = 0; i < 20000; i++) {
                uint32_t a = 0;

                g_assert_cmpint(ntk_linklocal_choose(&rng, used, n_used, &a), ==, 0);
                g_assert_true(ntk_linklocal_is_valid(a));
                for (size_t u = 0; u < n_used; u++)
                        g_assert_cmphex(a, !=, used[u]);
                if (n_used < G_N_ELEMENTS(used))
                        used[n_used++] = a;
        }
}

static void test_linklocal_choose_same_seed_same_address(void)
{
        NtkRng a, b;
        uint32_t x = 0, y = 1;

        ntk_rng_init(&a, 99);
        ntk_rng_init(&b, 99);
        g_assert_cmpint(ntk_linklocal_choose(&a, NULL, 0, &x), ==, 0);
        g_assert_cmpint(ntk_linklocal_choose(&b, NULL, 0, &y), ==, 0);
        g_assert_cmphex(x, ==, y);
}

static void test_linklocal_choose_tiny_space_finds_the_last_free(void)
{
        NtkLinklocalSpace s = {7, 7, 1, 3}; /* 169.254.7.1 .. 169.254.7.3 */
        uint32_t used[] = {LL(7, 1), LL(7, 3), 0x0a000001u /* ignored: not link-local */};
        uint32_t full[] = {LL(7, 1), LL(7, 2), LL(7, 3)};
        NtkRng rng;

        for (uint64_t seed = 0; seed < 50; seed++) {
                uint32_t a = 0;

                ntk_rng_init(&rng, seed);
                g_assert_cmpint(ntk_linklocal_choose_in(&rng, s, used, G_N_ELEMENTS(used), &a), ==, 0);
                g_assert_cmphex(a, ==, LL(7, 2));
        }

        uint32_t untouched = 12345;
        g_assert_cmpint(
                ntk_linklocal_choose_in(&rng, s, full, G_N_ELEMENTS(full), &untouched), ==, -EADDRNOTAVAIL);
        g_assert_cmpuint(untouched, ==, 12345);
}

static void test_linklocal_space_is_clamped_to_the_rule(void)
{
        /* Asking for x = 0 or 255 and y = 0 or 255 only: nothing valid is left. */
        NtkLinklocalSpace reserved_x = {0, 0, 1, 254}, edge_y = {1, 254, 255, 255};
        NtkLinklocalSpace wide = {0, 255, 0, 255};
        NtkRng rng;
        uint32_t a;

        ntk_rng_init(&rng, 5);
        g_assert_cmpint(ntk_linklocal_choose_in(&rng, reserved_x, NULL, 0, &a), ==, -EINVAL);
        g_assert_cmpint(ntk_linklocal_choose_in(&rng, edge_y, NULL, 0, &a), ==, -EINVAL);
        for (int i = 0; i < 5000; i++) {
                g_assert_cmpint(ntk_linklocal_choose_in(&rng, wide, NULL, 0, &a), ==, 0);
                g_assert_true(ntk_linklocal_is_valid(a));
        }
}

static void test_linklocal_choose_full_space_fails_cleanly(void)
{
        g_autofree uint32_t *used = g_new(uint32_t, 256 * 256);
        size_t n = 0;
        NtkRng rng;
        uint32_t a = 0;

        /* Everything in 169.254.0.0/16 is taken, even the invalid ones (they must not confuse anything). */
        for (unsigned x = 0; x < 256; x++)
                for (unsigned y = 0; y < 256; y++)
                        used[n++] = LL(x, y);
        ntk_rng_init(&rng, 3);
        g_assert_cmpint(ntk_linklocal_choose(&rng, used, n, &a), ==, -EADDRNOTAVAIL);
        g_assert_cmphex(a, ==, 0);

        /* Free exactly one valid address: the scan must find it whatever the seed. */
        for (size_t i = 0; i < n; i++)
                if (used[i] == LL(200, 17))
                        used[i] = LL(0, 0);
        for (uint64_t seed = 0; seed < 5; seed++) {
                ntk_rng_init(&rng, seed);
                g_assert_cmpint(ntk_linklocal_choose(&rng, used, n, &a), ==, 0);
                g_assert_cmphex(a, ==, LL(200, 17));
        }
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/linklocal/is-valid-excludes-reserved-and-edges",
                test_linklocal_is_valid_excludes_reserved_and_edges);
        g_test_add_func(
                "/linklocal/rng-is-deterministic-and-bounded", test_rng_is_deterministic_and_bounded);
        g_test_add_func("/linklocal/choose-never-reserved-never-used",
                test_linklocal_choose_never_reserved_never_used);
        g_test_add_func(
                "/linklocal/choose-same-seed-same-address", test_linklocal_choose_same_seed_same_address);
        g_test_add_func("/linklocal/choose-tiny-space-finds-the-last-free",
                test_linklocal_choose_tiny_space_finds_the_last_free);
        g_test_add_func(
                "/linklocal/space-is-clamped-to-the-rule", test_linklocal_space_is_clamped_to_the_rule);
        g_test_add_func("/linklocal/choose-full-space-fails-cleanly",
                test_linklocal_choose_full_space_fails_cleanly);
        return g_test_run();
}
