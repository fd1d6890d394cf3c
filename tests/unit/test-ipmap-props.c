/* test-ipmap-props.c — properties of the IPv4 mapping over random valid topologies and addresses:
 * distinct own IPs, disjoint destinations, exact coverage. Must not: need root. Seed: --seed. */
#include <errno.h>
#include <glib.h>

#include "ipmap.h"

#define MAX_BITS_ENUM 10 /* topologies small enough to enumerate every address */

static NtkTopology random_topology(unsigned max_bits)
{
        for (;;) {
                unsigned levels = (unsigned) g_test_rand_int_range(1, 6), gs[NTK_MAX_LEVELS], bits = 0;
                NtkTopology t;

                for (unsigned i = 0; i < levels; i++) {
                        unsigned e = (unsigned) g_test_rand_int_range(1, 4);
                        gs[i] = 1u << e;
                        bits += e;
                }
                if (bits > max_bits)
                        continue;
                if (ntk_topology_from_gsizes(gs, levels, &t, NULL) == 0)
                        return t;
        }
}

static NtkAddress random_real_address(const NtkTopology *t)
{
        NtkAddress a = { .levels = t->levels };
        for (unsigned i = 0; i < t->levels; i++)
                a.pos[i] = (uint32_t) g_test_rand_int_range(0, (gint32) t->gsize[i]);
        return a;
}

/* Any address: each level virtual with probability 1/4. */
static NtkAddress random_address(const NtkTopology *t)
{
        NtkAddress a = random_real_address(t);
        for (unsigned i = 0; i < t->levels; i++)
                if (g_test_rand_int_range(0, 4) == 0)
                        a.pos[i] = t->gsize[i] + (uint32_t) g_test_rand_int_range(0, 8);
        return a;
}

static unsigned n_rounds(void)
{
        return g_test_slow() ? 5000 : 1000;
}

static void test_ipmap_props_own_ips_pairwise_distinct(void)
{
        for (unsigned round = 0; round < n_rounds(); round++) {
                NtkTopology t = random_topology(NTK_MAX_BITS);
                NtkAddress n = random_address(&t);
                NtkOwnIps o;
                uint32_t v[NTK_MAX_LEVELS + 3];
                size_t c = 0;

                ntk_own_ips(&t, &n, &o);
                v[c++] = o.localhost;
                if (o.has_global)
                        v[c++] = o.global;
                if (o.has_anonymous)
                        v[c++] = o.anonymous;
                for (unsigned k = 1; k < t.levels; k++)
                        if (o.has_internal[k])
                                v[c++] = o.internal[k];
                for (size_t i = 0; i < c; i++) {
                        g_assert_cmpuint(v[i] >> 24, ==, 10);
                        for (size_t j = i + 1; j < c; j++)
                                g_assert_cmpuint(v[i], !=, v[j]);
                }
                /* Computability follows the rule of §1.4 exactly. */
                g_assert_cmpint(o.has_global, ==, ntk_address_is_real(&t, &n));
                for (unsigned k = 1; k < t.levels; k++)
                        g_assert_cmpint(o.has_internal[k], ==, ntk_address_real_range(&t, &n, 0, k));
        }
}

static bool kind_matches(const NtkDest *d, NtkIpKind kind, unsigned k)
{
        return d->kind == kind && (kind != NTK_IP_INTERNAL || d->k == k);
}

/* For one kind (and k for internal), every real address x that the kind can name from n must be
 * covered by exactly one destination CIDR, except the addresses inside n's own level-s g-node,
 * covered by none. */
static void check_coverage(const NtkTopology *t, const NtkAddress *n, unsigned s, const NtkDest *d, size_t count,
        NtkIpKind kind, unsigned k)
{
        unsigned bits = ntk_topology_bits(t);

        for (uint32_t code = 0; code < (1u << bits); code++) {
                NtkAddress x = { .levels = t->levels };
                uint32_t ip;
                unsigned covered = 0;
                bool own;
                int r;

                /* Decode code into positions (each level uses exactly gexp bits: every code is real). */
                for (unsigned i = 0, shift = 0; i < t->levels; shift += t->gexp[i], i++)
                        x.pos[i] = (code >> shift) & (t->gsize[i] - 1);

                if (kind == NTK_IP_INTERNAL) {
                        /* internal-k addresses only name nodes inside n's level-k g-node */
                        if (ntk_address_common_level(n, &x) > k)
                                continue;
                        r = ntk_ip_internal_node(t, &x, k, &ip);
                } else if (kind == NTK_IP_GLOBAL)
                        r = ntk_ip_global_node(t, &x, &ip);
                else
                        r = ntk_ip_anonymizing_node(t, &x, &ip);
                g_assert_cmpint(r, ==, 0);

                for (size_t i = 0; i < count; i++)
                        if (kind_matches(&d[i], kind, k) && ntk_cidr_contains(d[i].cidr, ip))
                                covered++;
                own = ntk_address_common_level(n, &x) <= s;
                g_assert_cmpuint(covered, ==, own ? 0 : 1);
        }
}

static void test_ipmap_props_destinations_of_real_addresses(void)
{
        for (unsigned round = 0; round < n_rounds(); round++) {
                NtkTopology t = random_topology(MAX_BITS_ENUM);
                NtkAddress n = random_real_address(&t);
                unsigned s = (unsigned) g_test_rand_int_range(0, (gint32) t.levels);
                g_autofree NtkDest *d = NULL;
                size_t count;
                NtkOwnIps o;
                uint32_t own[NTK_MAX_LEVELS + 3];
                size_t n_own = 0;

                g_assert_cmpint(ntk_destinations(&t, &n, s, &d, &count), ==, 0);
                ntk_own_ips(&t, &n, &o);
                own[n_own++] = o.global;
                own[n_own++] = o.anonymous;
                own[n_own++] = o.localhost;
                for (unsigned k = 1; k < t.levels; k++)
                        own[n_own++] = o.internal[k];

                for (size_t i = 0; i < count; i++) {
                        /* never one of my own IPs */
                        for (size_t j = 0; j < n_own; j++)
                                g_assert_false(ntk_cidr_contains(d[i].cidr, own[j]));
                        /* pairwise disjoint within a kind */
                        for (size_t j = i + 1; j < count; j++)
                                if (d[i].kind == d[j].kind)
                                        g_assert_false(ntk_cidr_overlap(d[i].cidr, d[j].cidr));
                        /* levels in canonical order: non-increasing */
                        if (i > 0)
                                g_assert_cmpuint(d[i - 1].lvl, >=, d[i].lvl);
                        g_assert_cmpuint(d[i].lvl, >=, s);
                }

                check_coverage(&t, &n, s, d, count, NTK_IP_GLOBAL, 0);
                check_coverage(&t, &n, s, d, count, NTK_IP_ANONYMOUS, 0);
                for (unsigned k = 1; k < t.levels; k++)
                        check_coverage(&t, &n, s, d, count, NTK_IP_INTERNAL, k);
        }
}

static void test_ipmap_props_destinations_of_virtual_addresses_stay_disjoint(void)
{
        for (unsigned round = 0; round < n_rounds(); round++) {
                NtkTopology t = random_topology(MAX_BITS_ENUM);
                NtkAddress n = random_address(&t);
                g_autofree NtkDest *d = NULL;
                size_t count;

                g_assert_cmpint(ntk_destinations(&t, &n, 0, &d, &count), ==, 0);
                for (size_t i = 0; i < count; i++) {
                        g_assert_cmpuint(d[i].pos, <, t.gsize[d[i].lvl]); /* never a virtual destination */
                        for (size_t j = i + 1; j < count; j++)
                                if (d[i].kind == d[j].kind)
                                        g_assert_false(ntk_cidr_overlap(d[i].cidr, d[j].cidr));
                }
        }
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/ipmap-props/own-ips-pairwise-distinct", test_ipmap_props_own_ips_pairwise_distinct);
        g_test_add_func("/ipmap-props/destinations-of-real-addresses-disjoint-and-covering",
                test_ipmap_props_destinations_of_real_addresses);
        g_test_add_func("/ipmap-props/destinations-of-virtual-addresses-stay-disjoint",
                test_ipmap_props_destinations_of_virtual_addresses_stay_disjoint);
        return g_test_run();
}
