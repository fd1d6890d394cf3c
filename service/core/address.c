/* address.c — Netsukuku addresses: parse/format, real vs virtual, common level, max distinct g-node.
 * Must not: know about IPv4 or about any particular identity. */
#include <errno.h>
#include <stdio.h>

#include "address.h"

int ntk_address_parse(const NtkTopology *t, const char *s, NtkAddress *ret, NtkErr *err)
{
        uint32_t fields[NTK_MAX_LEVELS];
        unsigned n = 0;
        const char *p = s;

        if (!s || *s == '\0')
                return ntk_err(err, -EINVAL, "empty address");

        for (;;) {
                unsigned long v = 0;
                const char *start = p;

                while (*p >= '0' && *p <= '9') {
                        v = v * 10 + (unsigned long) (*p - '0');
                        if (v > NTK_POS_MAX)
                                return ntk_err(err, -EINVAL, "position in field %u of address '%s' is too large",
                                        n + 1, s);
                        p++;
                }
                if (p == start) {
                        if (*p == '\0' || *p == '.' || startswith(p, "\xc2\xb7"))
                                return ntk_err(err, -EINVAL, "empty field %u in address '%s'", n + 1, s);
                        return ntk_err(err, -EINVAL, "field %u of address '%s' is not a number", n + 1, s);
                }
                if (n == t->levels)
                        return ntk_err(err, -EINVAL, "address '%s' has more fields than the %u levels of the topology",
                                s, t->levels);
                fields[n++] = (uint32_t) v;

                if (*p == '\0')
                        break;
                if (*p == '.')
                        p++;
                else if (startswith(p, "\xc2\xb7"))
                        p += 2;
                else
                        return ntk_err(err, -EINVAL, "field %u of address '%s' is not a number", n, s);
                if (*p == '\0')
                        return ntk_err(err, -EINVAL, "empty field %u in address '%s'", n + 1, s);
        }
        if (n != t->levels)
                return ntk_err(err, -EINVAL, "address '%s' has %u fields, the topology has %u levels", s, n,
                        t->levels);

        ret->levels = n;
        for (unsigned i = 0; i < NTK_MAX_LEVELS; i++)
                ret->pos[i] = i < n ? fields[n - 1 - i] : 0;
        return 0;
}

char *ntk_address_format(const NtkAddress *a, char buf[static NTK_ADDRESS_STRLEN])
{
        size_t off = 0;

        buf[0] = '\0';
        for (unsigned i = a->levels; i > 0; i--)
                off += (size_t) snprintf(buf + off, NTK_ADDRESS_STRLEN - off, "%s%u", i == a->levels ? "" : ".",
                        a->pos[i - 1]);
        return buf;
}

bool ntk_address_real_range(const NtkTopology *t, const NtkAddress *a, unsigned from, unsigned to)
{
        for (unsigned i = from; i < to && i < a->levels; i++)
                if (a->pos[i] >= t->gsize[i])
                        return false;
        return true;
}

bool ntk_address_equal(const NtkAddress *a, const NtkAddress *b)
{
        if (a->levels != b->levels)
                return false;
        for (unsigned i = 0; i < a->levels; i++)
                if (a->pos[i] != b->pos[i])
                        return false;
        return true;
}

unsigned ntk_address_common_level(const NtkAddress *a, const NtkAddress *b)
{
        for (unsigned i = a->levels; i > 0; i--)
                if (a->pos[i - 1] != b->pos[i - 1])
                        return i;
        return 0;
}

int ntk_address_max_distinct_gnode(const NtkAddress *a, const NtkAddress *b, NtkHCoord *ret)
{
        unsigned c = ntk_address_common_level(a, b);

        if (c == 0)
                return -EINVAL;
        *ret = (NtkHCoord){ .lvl = c - 1, .pos = b->pos[c - 1] };
        return 0;
}

bool ntk_hcoord_contains(const NtkAddress *a, NtkHCoord h, const NtkAddress *b)
{
        if (h.lvl >= a->levels || b->pos[h.lvl] != h.pos)
                return false;
        for (unsigned i = h.lvl + 1; i < a->levels; i++)
                if (a->pos[i] != b->pos[i])
                        return false;
        return true;
}
