/* topology.c — parses and checks the shape of a Netsukuku network (addressing.md §1.1).
 * Must not: accept a shape that does not fit the IPv4 mapping; every rejection names its rule. */
#include <errno.h>
#include <stdio.h>

#include "topology.h"

unsigned ntk_topology_bits_below(const NtkTopology *t, unsigned lvl)
{
        unsigned bits = 0;
        for (unsigned i = 0; i < lvl && i < t->levels; i++)
                bits += t->gexp[i];
        return bits;
}

int ntk_topology_from_gsizes(const unsigned *gsize, unsigned levels, NtkTopology *ret, NtkErr *err)
{
        NtkTopology t = { .levels = levels };
        unsigned bits = 0;

        if (levels == 0)
                return ntk_err(err, -EINVAL, "a topology needs at least one level");
        if (levels > NTK_MAX_LEVELS)
                return ntk_err(err, -EINVAL, "%u levels, more than %u", levels, NTK_MAX_LEVELS);

        for (unsigned i = 0; i < levels; i++) {
                unsigned g = gsize[i], e = 0;

                if (g < 2)
                        return ntk_err(err, -EINVAL, "gsize %u at level %u is smaller than 2", g, i);
                if ((g & (g - 1)) != 0)
                        return ntk_err(err, -EINVAL, "gsize %u at level %u is not a power of two", g, i);
                while ((1u << e) < g)
                        e++;
                t.gsize[i] = g;
                t.gexp[i] = e;
                bits += e;
                if (bits > NTK_MAX_BITS)
                        return ntk_err(err, -EINVAL, "the topology needs more than %u bits (at least %u)",
                                NTK_MAX_BITS, bits);
        }
        /* Internal addresses store a level number 0..levels-1 in the top field. */
        if (t.gsize[levels - 1] < levels)
                return ntk_err(err, -EINVAL,
                        "top gsize %u is smaller than the number of levels %u "
                        "(internal addresses store a level number there)",
                        t.gsize[levels - 1], levels);

        *ret = t;
        return 0;
}

int ntk_topology_parse(const char *s, NtkTopology *ret, NtkErr *err)
{
        unsigned fields[NTK_MAX_LEVELS + 1], gsize[NTK_MAX_LEVELS];
        unsigned n = 0;
        const char *p = s;

        if (!s || *s == '\0')
                return ntk_err(err, -EINVAL, "empty topology");

        for (;;) {
                unsigned long v = 0;
                const char *start = p;

                while (*p >= '0' && *p <= '9') {
                        v = v * 10 + (unsigned long) (*p - '0');
                        if (v > (1ul << NTK_MAX_BITS))
                                return ntk_err(err, -EINVAL, "gsize in field %u of topology '%s' is too large", n + 1, s);
                        p++;
                }
                if (p == start) {
                        if (*p == '\0' || *p == '.' || startswith(p, "\xc2\xb7"))
                                return ntk_err(err, -EINVAL, "empty field %u in topology '%s'", n + 1, s);
                        return ntk_err(err, -EINVAL, "field %u of topology '%s' is not a number", n + 1, s);
                }
                if (n == NTK_MAX_LEVELS)
                        return ntk_err(err, -EINVAL, "topology '%s' has more than %u levels", s, NTK_MAX_LEVELS);
                fields[n++] = (unsigned) v;

                if (*p == '\0')
                        break;
                if (*p == '.')
                        p++;
                else if (startswith(p, "\xc2\xb7")) /* '·' as in the documents */
                        p += 2;
                else
                        return ntk_err(err, -EINVAL, "field %u of topology '%s' is not a number", n, s);
                if (*p == '\0')
                        return ntk_err(err, -EINVAL, "empty field %u in topology '%s'", n + 1, s);
        }

        /* Highest level first in the text, level 0 first in the struct. */
        for (unsigned i = 0; i < n; i++)
                gsize[i] = fields[n - 1 - i];
        return ntk_topology_from_gsizes(gsize, n, ret, err);
}

char *ntk_topology_format(const NtkTopology *t, char buf[static NTK_TOPOLOGY_STRLEN])
{
        size_t off = 0;

        buf[0] = '\0';
        for (unsigned i = t->levels; i > 0; i--)
                off += (size_t) snprintf(buf + off, NTK_TOPOLOGY_STRLEN - off, "%s%u", i == t->levels ? "" : ".",
                        t->gsize[i - 1]);
        return buf;
}
