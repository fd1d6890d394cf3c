/* test-address.c — addresses: parse/format, real vs virtual, common level, maximum distinct g-node.
 * Must not: need root or the network. */
#include <errno.h>
#include <glib.h>

#include "address.h"

static NtkTopology topo(const char *s)
{
        NtkTopology t;
        g_assert_cmpint(ntk_topology_parse(s, &t, NULL), ==, 0);
        return t;
}

static NtkAddress addr(const NtkTopology *t, const char *s)
{
        NtkAddress a;
        NtkErr e = { "" };
        if (ntk_address_parse(t, s, &a, &e) < 0)
                g_error("parse '%s': %s", s, e.msg);
        return a;
}

static void test_address_parse_and_format(void)
{
        NtkTopology t = topo("4.2.2.2");
        NtkAddress a = addr(&t, "3.0.1.0");
        char buf[NTK_ADDRESS_STRLEN];

        g_assert_cmpuint(a.pos[3], ==, 3);
        g_assert_cmpuint(a.pos[2], ==, 0);
        g_assert_cmpuint(a.pos[1], ==, 1);
        g_assert_cmpuint(a.pos[0], ==, 0);
        g_assert_cmpstr(ntk_address_format(&a, buf), ==, "3.0.1.0");
        g_assert_true(ntk_address_is_real(&t, &a));

        a = addr(&t, "2\xc2\xb7" "1\xc2\xb7" "1\xc2\xb7" "3");
        g_assert_cmpstr(ntk_address_format(&a, buf), ==, "2.1.1.3");
        g_assert_false(ntk_address_is_real(&t, &a));
        g_assert_false(ntk_address_is_real_at(&t, &a, 0));
        g_assert_true(ntk_address_real_range(&t, &a, 1, 4));
        g_assert_false(ntk_address_real_range(&t, &a, 0, 4));
        g_assert_true(ntk_address_real_range(&t, &a, 2, 2)); /* empty range */
}

static void assert_rejected(const char *tp, const char *s, const char *needle)
{
        NtkTopology t = topo(tp);
        NtkAddress a = { .levels = 99 };
        NtkErr e = { "" };

        g_assert_cmpint(ntk_address_parse(&t, s, &a, &e), ==, -EINVAL);
        g_assert_cmpuint(a.levels, ==, 99);
        if (!strstr(e.msg, needle))
                g_error("rejecting '%s': message '%s' does not mention '%s'", s, e.msg, needle);
}

static void test_address_rejects_bad_text(void)
{
        assert_rejected("4.2.2.2", "3.0.1", "has 3 fields, the topology has 4 levels");
        assert_rejected("4.2.2.2", "3.0.1.0.0", "more fields than the 4 levels");
        assert_rejected("4.2.2.2", "3..1.0", "empty field 2");
        assert_rejected("4.2.2.2", "3.0.1.x", "field 4 of address '3.0.1.x' is not a number");
        assert_rejected("4.2.2.2", "", "empty address");
        assert_rejected("4.2.2.2", "3.0.1.99999999999", "too large");
}

static void test_address_common_level_and_max_distinct_gnode(void)
{
        NtkTopology t = topo("4.2.2.2");
        NtkAddress gamma = addr(&t, "2.1.1.0"), delta1 = addr(&t, "2.1.0.1"), alpha = addr(&t, "2.0.1.0"),
                   beta1 = addr(&t, "2.1.1.1"), other = addr(&t, "3.1.1.0");
        NtkHCoord h;

        /* γ and δ1 differ first at level 1: the maximum distinct g-node is (1, 0). */
        g_assert_cmpuint(ntk_address_common_level(&gamma, &delta1), ==, 2);
        g_assert_cmpint(ntk_address_max_distinct_gnode(&gamma, &delta1, &h), ==, 0);
        g_assert_cmpuint(h.lvl, ==, 1);
        g_assert_cmpuint(h.pos, ==, 0);
        g_assert_true(ntk_hcoord_contains(&gamma, h, &delta1));
        g_assert_false(ntk_hcoord_contains(&gamma, h, &beta1));

        /* β1 sees α at level 2. */
        g_assert_cmpint(ntk_address_max_distinct_gnode(&beta1, &alpha, &h), ==, 0);
        g_assert_cmpuint(h.lvl, ==, 2);
        g_assert_cmpuint(h.pos, ==, 0);

        /* Same level-1 g-node: level 0. */
        g_assert_cmpint(ntk_address_max_distinct_gnode(&gamma, &beta1, &h), ==, 0);
        g_assert_cmpuint(h.lvl, ==, 0);
        g_assert_cmpuint(h.pos, ==, 1);

        /* Different at the top: common level is the whole network. */
        g_assert_cmpuint(ntk_address_common_level(&gamma, &other), ==, 4);
        g_assert_cmpint(ntk_address_max_distinct_gnode(&gamma, &other, &h), ==, 0);
        g_assert_cmpuint(h.lvl, ==, 3);
        g_assert_cmpuint(h.pos, ==, 3);

        /* Equal addresses have no maximum distinct g-node. */
        g_assert_cmpuint(ntk_address_common_level(&gamma, &gamma), ==, 0);
        g_assert_cmpint(ntk_address_max_distinct_gnode(&gamma, &gamma, &h), ==, -EINVAL);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/address/parse-and-format", test_address_parse_and_format);
        g_test_add_func("/address/rejects-bad-text", test_address_rejects_bad_text);
        g_test_add_func("/address/common-level-and-max-distinct-gnode",
                test_address_common_level_and_max_distinct_gnode);
        return g_test_run();
}
