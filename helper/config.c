/* config.c — reads /etc/ntk/helper.conf into a HelperConfig.
 * Must not: accept a value it cannot check; every error names the key and the value. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"

static char *strip(char *s)
{
        char *e;

        while (*s == ' ' || *s == '\t')
                s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
                *--e = '\0';
        return s;
}

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

static int parse_line(char *key, char *value, unsigned lineno, HelperConfig *c, NtkErr *err)
{
        char *save = NULL, *tok;

        if (streq(key, "ManagedInterfaces")) {
                c->n_managed = 0;
                for (tok = strtok_r(value, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
                        if (!ifname_ok(tok))
                                return ntk_err(err, -EINVAL, "line %u: ManagedInterfaces: bad interface name '%s'",
                                        lineno, tok);
                        if (c->n_managed == HELPER_MAX_MANAGED)
                                return ntk_err(err, -E2BIG, "line %u: ManagedInterfaces: more than %u interfaces",
                                        lineno, HELPER_MAX_MANAGED);
                        snprintf(c->managed[c->n_managed++], NTK_IFNAME_MAX, "%s", tok);
                }
                return 0;
        }
        if (streq(key, "NetsukukuRange")) {
                if (ntk_cidr_parse(value, false, &c->range) < 0 || c->range.prefix < 8)
                        return ntk_err(err, -EINVAL, "line %u: NetsukukuRange: '%s' is not a CIDR of /8 or longer",
                                lineno, value);
                return 0;
        }
        if (streq(key, "Ports")) {
                c->n_ports = 0;
                for (tok = strtok_r(value, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
                        char *end;
                        unsigned long p = strtoul(tok, &end, 10);

                        if (*tok < '0' || *tok > '9' || *end != '\0' || p == 0 || p > 65535)
                                return ntk_err(err, -EINVAL, "line %u: Ports: '%s' is not a port", lineno, tok);
                        if (c->n_ports == HELPER_MAX_PORTS)
                                return ntk_err(err, -E2BIG, "line %u: Ports: more than %u ports", lineno,
                                        HELPER_MAX_PORTS);
                        c->ports[c->n_ports++] = (uint16_t) p;
                }
                return 0;
        }
        return ntk_err(err, -EINVAL, "line %u: unknown key '%s'", lineno, key);
}

int helper_config_parse(const char *text, HelperConfig *ret, NtkErr *err)
{
        HelperConfig c = { .range = { .addr = 10u << 24, .prefix = 8 } };
        _cleanup_free_ char *copy = strdup(text);
        char *line;
        unsigned lineno = 0;

        if (!copy)
                return -ENOMEM;
        /* Split by hand: strtok_r would skip empty lines and miscount. */
        for (char *p = copy; p; ) {
                char *nl = strchr(p, '\n'), *s, *eq;
                int r;

                if (nl)
                        *nl = '\0';
                lineno++;
                line = p;
                p = nl ? nl + 1 : NULL;

                s = strip(line);
                if (*s == '\0' || *s == '#' || *s == ';' || streq(s, "[Helper]"))
                        continue;
                eq = strchr(s, '=');
                if (!eq)
                        return ntk_err(err, -EINVAL, "line %u: '%s' is not Key=Value", lineno, s);
                *eq = '\0';
                r = parse_line(strip(s), strip(eq + 1), lineno, &c, err);
                if (r < 0)
                        return r;
        }
        *ret = c;
        return 0;
}

int helper_config_load(const char *path, HelperConfig *ret, NtkErr *err)
{
        _cleanup_free_ char *buf = NULL;
        FILE *f = fopen(path, "re");
        size_t n;

        if (!f)
                return ntk_err(err, -errno, "cannot open %s: %s", path, strerror(errno));
        buf = calloc(1, 65537);
        if (!buf) {
                fclose(f);
                return -ENOMEM;
        }
        n = fread(buf, 1, 65536, f);
        if (ferror(f) || !feof(f)) {
                fclose(f);
                return ntk_err(err, -EFBIG, "%s: unreadable or larger than 64 KiB", path);
        }
        fclose(f);
        buf[n] = '\0';
        return helper_config_parse(buf, ret, err);
}

bool helper_config_is_managed(const HelperConfig *c, const char *ifname)
{
        for (unsigned i = 0; i < c->n_managed; i++)
                if (streq(c->managed[i], ifname))
                        return true;
        return false;
}
