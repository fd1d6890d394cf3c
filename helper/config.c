/* config.c — the text of /etc/ntk/helper.conf into a HelperConfig (pure: no I/O).
 * Must not: accept a value it cannot check; every error names the key and the value. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "kvconf.h"

static bool ifname_ok(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n >= NTK_IFNAME_MAX || streq(s, ".") || streq(s, ".."))
                return false;
        for (const char *p = s; *p; p++)
                if (*p == '/' || *p == ':' || *p <= ' ' || *p > '~')
                        return false;
        return true;
}

static int parse_line(const char *key, char *value, void *userdata, NtkErr *err)
{
        HelperConfig *c = userdata;
        char *save = NULL, *tok;

        if (streq(key, "ManagedInterfaces")) {
                c->n_managed = 0;
                for (tok = strtok_r(value, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
                        if (!ifname_ok(tok))
                                return ntk_err(err, -EINVAL, "ManagedInterfaces: bad interface name '%s'", tok);
                        if (c->n_managed == HELPER_MAX_MANAGED)
                                return ntk_err(err, -E2BIG, "ManagedInterfaces: more than %u interfaces",
                                        HELPER_MAX_MANAGED);
                        snprintf(c->managed[c->n_managed++], NTK_IFNAME_MAX, "%s", tok);
                }
                return 0;
        }
        if (streq(key, "NetsukukuRange")) {
                if (ntk_cidr_parse(value, false, &c->range) < 0 || c->range.prefix < 8)
                        return ntk_err(err, -EINVAL, "NetsukukuRange: '%s' is not a CIDR of /8 or longer", value);
                return 0;
        }
        if (streq(key, "Ports")) {
                c->n_ports = 0;
                for (tok = strtok_r(value, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
                        char *end;
                        unsigned long p = strtoul(tok, &end, 10);

                        if (*tok < '0' || *tok > '9' || *end != '\0' || p == 0 || p > 65535)
                                return ntk_err(err, -EINVAL, "Ports: '%s' is not a port", tok);
                        if (c->n_ports == HELPER_MAX_PORTS)
                                return ntk_err(err, -E2BIG, "Ports: more than %u ports", HELPER_MAX_PORTS);
                        c->ports[c->n_ports++] = (uint16_t) p;
                }
                return 0;
        }
        return ntk_err(err, -EINVAL, "unknown key '%s'", key);
}

int helper_config_parse(const char *text, HelperConfig *ret, NtkErr *err)
{
        HelperConfig c = { .range = { .addr = 10u << 24, .prefix = 8 } };
        int r = kvconf_parse(text, "[Helper]", parse_line, &c, err);

        if (r < 0)
                return r;
        *ret = c;
        return 0;
}

bool helper_config_is_managed(const HelperConfig *c, const char *ifname)
{
        for (unsigned i = 0; i < c->n_managed; i++)
                if (streq(c->managed[i], ifname))
                        return true;
        return false;
}
