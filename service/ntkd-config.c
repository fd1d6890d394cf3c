/* ntkd-config.c — the text of /etc/ntk/ntkd.conf (kvconf syntax, section [Ntkd]) into an NtkdConfig.
 * Must not: accept a value it cannot check; errors name the key and the value. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "kvconf.h"
#include "ntkd-config.h"

static int parse_line(const char *key, char *value, void *userdata, NtkErr *err)
{
        NtkdConfig *c = userdata;
        char *save = NULL, *tok, *end;

        if (streq(key, "ManagedInterfaces")) {
                c->n_nics = 0;
                for (tok = strtok_r(value, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
                        if (strlen(tok) >= NTK_IFNAME_MAX || strpbrk(tok, "/:") || streq(tok, ".") ||
                            streq(tok, ".."))
                                return ntk_err(err, -EINVAL, "ManagedInterfaces: bad interface name '%s'", tok);
                        if (c->n_nics == NTKD_MAX_NICS)
                                return ntk_err(err, -E2BIG, "ManagedInterfaces: more than %u", NTKD_MAX_NICS);
                        snprintf(c->nics[c->n_nics++], NTK_IFNAME_MAX, "%s", tok);
                }
                return 0;
        }
        if (streq(key, "Port")) {
                unsigned long p = strtoul(value, &end, 10);
                if (*value < '0' || *value > '9' || *end != '\0' || p == 0 || p > 65535)
                        return ntk_err(err, -EINVAL, "Port: '%s' is not a port", value);
                c->port = (uint16_t) p;
                return 0;
        }
        if (streq(key, "Seed")) {
                unsigned long long s = strtoull(value, &end, 10);
                if (*value < '0' || *value > '9' || *end != '\0')
                        return ntk_err(err, -EINVAL, "Seed: '%s' is not a number", value);
                c->seed = s;
                return 0;
        }
        return ntk_err(err, -EINVAL, "unknown key '%s'", key);
}

int ntkd_config_parse(const char *text, NtkdConfig *ret, NtkErr *err)
{
        NtkdConfig c = { .port = NTKD_DEFAULT_PORT };
        int r = kvconf_parse(text, "[Ntkd]", parse_line, &c, err);

        if (r < 0)
                return r;
        *ret = c;
        return 0;
}
