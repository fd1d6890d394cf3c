/* test-topology.c — the topology parser accepts the documented shapes and rejects each broken rule
 * with a message that names it. Must not: need root or the network. */
#include <errno.h>
#include <glib.h>

#include "topology.h"

static void test_topology_parse_documented_shapes(void)
{
        NtkTopology t;
        char buf[NTK_TOPOLOGY_STRLEN];

        g_assert_cmpint(ntk_topology_parse("4.2.2.2", &t, NULL), ==, 0);
        g_assert_cmpuint(t.levels, ==, 4);
        g_assert_cmpuint(t.gsize[3], ==, 4);
        g_assert_cmpuint(t.gsize[0], ==, 2);
        g_assert_cmpuint(t.gexp[3], ==, 2);
        g_assert_cmpuint(t.gexp[0], ==, 1);
        g_assert_cmpuint(ntk_topology_bits(&t), ==, 5);
        g_assert_cmpstr(ntk_topology_format(&t, buf), ==, "4.2.2.2");

        g_assert_cmpint(ntk_topology_parse("4.16.256.256", &t, NULL), ==, 0);
        g_assert_cmpuint(t.gexp[0], ==, 8);
        g_assert_cmpuint(t.gexp[1], ==, 8);
        g_assert_cmpuint(t.gexp[2], ==, 4);
        g_assert_cmpuint(t.gexp[3], ==, 2);
        g_assert_cmpuint(ntk_topology_bits_below(&t, 2), ==, 16);
        g_assert_cmpstr(ntk_topology_format(&t, buf), ==, "4.16.256.256");

        /* The documents write '·'. */
        g_assert_cmpint(ntk_topology_parse("4\xc2\xb7" "2\xc2\xb7" "2\xc2\xb7" "2", &t, NULL), ==, 0);
        g_assert_cmpstr(ntk_topology_format(&t, buf), ==, "4.2.2.2");

        /* One level: the top field must hold level number 0 only. */
        g_assert_cmpint(ntk_topology_parse("2", &t, NULL), ==, 0);
        /* Exactly 22 bits is allowed. */
        g_assert_cmpint(ntk_topology_parse("64.256.256", &t, NULL), ==, 0);
        g_assert_cmpuint(ntk_topology_bits(&t), ==, 22);
}

static void assert_rejected(const char *s, const char *needle)
{
        NtkTopology t = { .levels = 99 };
        NtkErr e = { "" };

        g_assert_cmpint(ntk_topology_parse(s, &t, &e), ==, -EINVAL);
        g_assert_cmpuint(t.levels, ==, 99); /* untouched */
        if (!strstr(e.msg, needle))
                g_error("rejecting '%s': message '%s' does not mention '%s'", s, e.msg, needle);
}

static void test_topology_rejects_each_broken_rule(void)
{
        assert_rejected("4.3.2.2", "not a power of two");
        assert_rejected("4.1.2.2", "smaller than 2");
        assert_rejected("4.0.2.2", "smaller than 2");
        assert_rejected("128.256.256", "more than 22 bits");
        assert_rejected("2.2.2.2", "top gsize 2 is smaller than the number of levels 4");
        assert_rejected("32.2.2.2.2.2.2.2.2.2.2.2.2.2.2.2.2", "more than 16 levels");
        assert_rejected("", "empty topology");
        assert_rejected("4..2.2", "empty field 2");
        assert_rejected("4.2.2.", "empty field 4");
        assert_rejected(".4.2.2", "empty field 1");
        assert_rejected("4.2.x.2", "field 3 of topology '4.2.x.2' is not a number");
        assert_rejected("4.2.2.2a", "not a number");
        assert_rejected("4.-2.2.2", "not a number");
        assert_rejected(" 4.2.2.2", "not a number");
        assert_rejected("99999999999.2", "too large");
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/topology/parse/documented-shapes", test_topology_parse_documented_shapes);
        g_test_add_func("/topology/parse/rejects-each-broken-rule", test_topology_rejects_each_broken_rule);
        return g_test_run();
}
