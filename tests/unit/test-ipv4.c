/* test-ipv4.c — IPv4, CIDR and MAC text forms: strict parsing, canonical formatting, containment.
 * Must not: need root or the network. */
#include <errno.h>
#include <glib.h>

#include "ipv4.h"

static void test_ipv4_parse_and_format(void)
{
        uint32_t ip;
        NtkCidr c;
        uint8_t mac[6];
        char b[NTK_CIDR_STRLEN], m[NTK_MAC_STRLEN];

        g_assert_cmpint(ntk_ipv4_parse("10.0.0.26", &ip), ==, 0);
        g_assert_cmphex(ip, ==, 0x0a00001a);
        g_assert_cmpstr(ntk_ipv4_format(ip, b), ==, "10.0.0.26");
        g_assert_cmpint(ntk_cidr_parse("10.0.0.64/27", false, &c), ==, 0);
        g_assert_cmpuint(c.prefix, ==, 27);
        g_assert_cmpstr(ntk_cidr_format(c, b), ==, "10.0.0.64/27");
        g_assert_cmpint(ntk_cidr_parse("169.254.94.223", true, &c), ==, 0);
        g_assert_cmpuint(c.prefix, ==, 32);
        g_assert_cmpint(ntk_cidr_parse("0.0.0.0/0", false, &c), ==, 0);
        g_assert_cmpint(ntk_mac_parse("00:16:3e:5b:78:d5", mac), ==, 0);
        g_assert_cmpstr(ntk_mac_format(mac, m), ==, "00:16:3E:5B:78:D5");
}

static void test_ipv4_rejects_ambiguous_text(void)
{
        const char *bad_ip[] = { "", "10.0.0", "10.0.0.256", "10.0.0.01", "10.0.0.1 ", "+10.0.0.1", "10..0.1",
                "10.0.0.1.2", "a.b.c.d" };
        const char *bad_cidr[] = { "10.0.0.1/29", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/08", "10.0.0.0/2x",
                "10.0.0.0" };
        const char *bad_mac[] = { "", "00:16:3E:5B:78", "00:16:3E:5B:78:D5:00", "00-16-3E-5B-78-D5",
                "0:16:3E:5B:78:D5", "00:16:3E:5B:78:DG" };
        uint32_t ip = 7;
        NtkCidr c = { 7, 7 };
        uint8_t mac[6] = { 7 };

        for (size_t i = 0; i < G_N_ELEMENTS(bad_ip); i++)
                g_assert_cmpint(ntk_ipv4_parse(bad_ip[i], &ip), ==, -EINVAL);
        for (size_t i = 0; i < G_N_ELEMENTS(bad_cidr); i++)
                g_assert_cmpint(ntk_cidr_parse(bad_cidr[i], false, &c), ==, -EINVAL);
        for (size_t i = 0; i < G_N_ELEMENTS(bad_mac); i++)
                g_assert_cmpint(ntk_mac_parse(bad_mac[i], mac), ==, -EINVAL);
        g_assert_cmpuint(ip, ==, 7);
        g_assert_cmpuint(c.addr, ==, 7);
        g_assert_cmpuint(mac[0], ==, 7);
}

static void test_ipv4_containment_and_overlap(void)
{
        NtkCidr a, b, c;
        uint32_t ip;

        g_assert_cmpint(ntk_cidr_parse("10.0.0.0/27", false, &a), ==, 0);
        g_assert_cmpint(ntk_cidr_parse("10.0.0.24/29", false, &b), ==, 0);
        g_assert_cmpint(ntk_cidr_parse("10.0.0.64/27", false, &c), ==, 0);
        g_assert_cmpint(ntk_ipv4_parse("10.0.0.26", &ip), ==, 0);
        g_assert_true(ntk_cidr_contains(a, ip));
        g_assert_true(ntk_cidr_contains(b, ip));
        g_assert_false(ntk_cidr_contains(c, ip));
        g_assert_true(ntk_cidr_overlap(a, b));
        g_assert_false(ntk_cidr_overlap(a, c));
        g_assert_cmphex(ntk_cidr_last(b), ==, 0x0a00001f);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/ipv4/parse-and-format", test_ipv4_parse_and_format);
        g_test_add_func("/ipv4/rejects-ambiguous-text", test_ipv4_rejects_ambiguous_text);
        g_test_add_func("/ipv4/containment-and-overlap", test_ipv4_containment_and_overlap);
        return g_test_run();
}
