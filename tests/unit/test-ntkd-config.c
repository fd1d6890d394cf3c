/* test-ntkd-config.c — ntkd's configuration: the documented keys, defaults, and each bad value refused with
 * its line and value named. Must not: need root. */
#include <errno.h>
#include <glib.h>

#include "ntkd-config.h"

static void test_ntkd_config_reads_the_documented_keys(void)
{
        NtkdConfig c;
        NtkErr e = { "" };

        g_assert_cmpint(ntkd_config_parse("[Ntkd]\n# a comment\nManagedInterfaces=eth1 wlan0\nPort=269\nSeed=42\n",
                                &c, &e),
                ==, 0);
        g_assert_cmpuint(c.n_nics, ==, 2);
        g_assert_cmpstr(c.nics[1], ==, "wlan0");
        g_assert_cmpuint(c.port, ==, 269);
        g_assert_cmpuint(c.seed, ==, 42);

        g_assert_cmpint(ntkd_config_parse("", &c, &e), ==, 0);
        g_assert_cmpuint(c.port, ==, NTKD_DEFAULT_PORT);
        g_assert_cmpuint(c.n_nics, ==, 0);
        g_assert_cmpuint(c.seed, ==, 0);
}

static void assert_refused(const char *text, const char *needle)
{
        NtkdConfig c = { .port = 7 };
        NtkErr e = { "" };

        g_assert_cmpint(ntkd_config_parse(text, &c, &e), <, 0);
        g_assert_cmpuint(c.port, ==, 7); /* untouched */
        if (!strstr(e.msg, needle))
                g_error("'%s': message '%s' does not name '%s'", text, e.msg, needle);
}

static void test_ntkd_config_refuses_bad_values(void)
{
        assert_refused("Port=0\n", "'0'");
        assert_refused("Port=65536\n", "'65536'");
        assert_refused("Port=26x\n", "'26x'");
        assert_refused("\nSeed=-1\n", "line 2");
        assert_refused("ManagedInterfaces=eth1 waytoolonginterfacename\n", "'waytoolonginterfacename'");
        assert_refused("ManagedInterfaces=../x\n", "'../x'");
        assert_refused("Frobnicate=yes\n", "'Frobnicate'");
        assert_refused("[Helper]\n", "'[Helper]'");
        assert_refused("just words\n", "not Key=Value");
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/ntkd-config/reads-the-documented-keys", test_ntkd_config_reads_the_documented_keys);
        g_test_add_func("/ntkd-config/refuses-bad-values", test_ntkd_config_refuses_bad_values);
        return g_test_run();
}
