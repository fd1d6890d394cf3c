/* kvconf.c — line splitting, comments and stripping of ntk's configuration files.
 * Must not: interpret keys; every error carries the line number. */
#include <errno.h>
#include <stdlib.h>

#include "kvconf.h"

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

int kvconf_parse(const char *text, const char *section, KvconfHandler handler, void *userdata, NtkErr *err)
{
        _cleanup_free_ char *copy = strdup(text);
        unsigned lineno = 0;

        if (!copy)
                return -ENOMEM;
        /* split by hand: strtok would skip empty lines and miscount */
        for (char *p = copy; p;) {
                char *nl = strchr(p, '\n'), *s, *eq;
                NtkErr e = { "" };
                int r;

                if (nl)
                        *nl = '\0';
                lineno++;
                s = strip(p);
                p = nl ? nl + 1 : NULL;

                if (*s == '\0' || *s == '#' || *s == ';' || (section && streq(s, section)))
                        continue;
                eq = strchr(s, '=');
                if (!eq)
                        return ntk_err(err, -EINVAL, "line %u: '%s' is not Key=Value", lineno, s);
                *eq = '\0';
                r = handler(strip(s), strip(eq + 1), userdata, &e);
                if (r < 0)
                        return ntk_err(err, r, "line %u: %s", lineno, e.msg);
        }
        return 0;
}
