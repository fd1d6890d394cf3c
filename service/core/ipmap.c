/* ipmap.c — Netsukuku address → IPv4, exactly the formulas of addressing.md §1.3–§1.7.
 * Must not: decide what is installed or when; it only computes values and their canonical order. */
#include <errno.h>

#include "ipmap.h"

enum {
        TYPE_GLOBAL = 0,
        TYPE_INTERNAL = 1,
        TYPE_ANONYMOUS = 2,
};

/* One fold of §1.3: ip = TYPE; for c = l-1 .. 0: ip = (ip << gexp(c)) + FIELD(c), where
 *   FIELD(c) = top                  if has_top and c == l-1
 *            = 0                    if c >= zero_from or c < zero_below
 *            = n[c]                 otherwise (must be real, else -EDOM: not computable). */
typedef struct Fold {
        unsigned type;
        bool has_top;
        unsigned top;
        unsigned zero_from;
        unsigned zero_below;
} Fold;

static int fold(const NtkTopology *t, const NtkAddress *n, Fold f, uint32_t *ret)
{
        uint32_t ip = f.type;

        for (unsigned c = t->levels; c-- > 0;) {
                uint32_t field;

                if (f.has_top && c == t->levels - 1)
                        field = f.top;
                else if (c >= f.zero_from || c < f.zero_below)
                        field = 0;
                else {
                        if (!n || n->pos[c] >= t->gsize[c])
                                return -EDOM;
                        field = n->pos[c];
                }
                ip = (ip << t->gexp[c]) + field;
        }
        *ret = (10u << 24) | ip;
        return 0;
}

static int fold_cidr(const NtkTopology *t, const NtkAddress *n, Fold f, unsigned lvl, NtkCidr *ret)
{
        uint32_t ip;
        int r;

        if (lvl > t->levels)
                return -EINVAL;
        r = fold(t, n, f, &ip);
        if (r < 0)
                return r;
        *ret = (NtkCidr){ .addr = ip, .prefix = (uint8_t) (32 - ntk_topology_bits_below(t, lvl)) };
        return 0;
}

int ntk_ip_global_node(const NtkTopology *t, const NtkAddress *n, uint32_t *ret)
{
        return fold(t, n, (Fold){ .type = TYPE_GLOBAL, .zero_from = t->levels }, ret);
}

int ntk_ip_anonymizing_node(const NtkTopology *t, const NtkAddress *n, uint32_t *ret)
{
        return fold(t, n, (Fold){ .type = TYPE_ANONYMOUS, .zero_from = t->levels }, ret);
}

int ntk_ip_internal_node(const NtkTopology *t, const NtkAddress *n, unsigned k, uint32_t *ret)
{
        if (k >= t->levels)
                return -EINVAL;
        return fold(t, n, (Fold){ .type = TYPE_INTERNAL, .has_top = true, .top = k, .zero_from = k }, ret);
}

int ntk_ip_global_gnode(const NtkTopology *t, const NtkAddress *n, unsigned lvl, NtkCidr *ret)
{
        return fold_cidr(t, n, (Fold){ .type = TYPE_GLOBAL, .zero_from = t->levels, .zero_below = lvl }, lvl, ret);
}

int ntk_ip_anonymizing_gnode(const NtkTopology *t, const NtkAddress *n, unsigned lvl, NtkCidr *ret)
{
        return fold_cidr(t, n, (Fold){ .type = TYPE_ANONYMOUS, .zero_from = t->levels, .zero_below = lvl }, lvl,
                ret);
}

int ntk_ip_internal_gnode(const NtkTopology *t, const NtkAddress *n, unsigned lvl, unsigned k, NtkCidr *ret)
{
        if (k >= t->levels || lvl > k)
                return -EINVAL;
        return fold_cidr(t, n,
                (Fold){ .type = TYPE_INTERNAL, .has_top = true, .top = k, .zero_from = k, .zero_below = lvl }, lvl,
                ret);
}

uint32_t ntk_ip_localhost(const NtkTopology *t)
{
        uint32_t ip = 0;
        (void) ntk_ip_internal_node(t, NULL, 0, &ip); /* reads no position: always computable */
        return ip;
}

NtkCidr ntk_ip_global_range(const NtkTopology *t)
{
        NtkCidr c = { 0 };
        (void) ntk_ip_global_gnode(t, NULL, t->levels, &c);
        return c;
}

NtkCidr ntk_ip_anonymous_range(const NtkTopology *t)
{
        NtkCidr c = { 0 };
        (void) ntk_ip_anonymizing_gnode(t, NULL, t->levels, &c);
        return c;
}

NtkCidr ntk_ip_internal_range(const NtkTopology *t, unsigned k)
{
        NtkCidr c = { 0 };
        (void) ntk_ip_internal_gnode(t, NULL, k, k, &c);
        return c;
}

void ntk_own_ips(const NtkTopology *t, const NtkAddress *n, NtkOwnIps *ret)
{
        NtkOwnIps o = { .localhost = ntk_ip_localhost(t) };

        o.has_global = ntk_ip_global_node(t, n, &o.global) >= 0;
        o.has_anonymous = ntk_ip_anonymizing_node(t, n, &o.anonymous) >= 0;
        for (unsigned k = 1; k < t->levels; k++)
                o.has_internal[k] = ntk_ip_internal_node(t, n, k, &o.internal[k]) >= 0;
        *ret = o;
}

size_t ntk_own_ips_assigned(const NtkTopology *t, const NtkOwnIps *o, bool serve_anonymous, uint32_t *ret,
        size_t max)
{
        size_t n = 0;

        if (o->has_global && n < max)
                ret[n++] = o->global;
        if (serve_anonymous && o->has_anonymous && n < max)
                ret[n++] = o->anonymous;
        for (unsigned k = t->levels; k-- > 1;)
                if (o->has_internal[k] && n < max)
                        ret[n++] = o->internal[k];
        return n;
}

int ntk_destinations(const NtkTopology *t, const NtkAddress *n, unsigned subnet_level, NtkDest **ret,
        size_t *ret_count)
{
        _cleanup_free_ NtkDest *v = NULL;
        size_t count = 0, cap = 0;

        if (subnet_level >= t->levels)
                return -EINVAL;

        /* Upper bound: per (i, j) one global, one anonymous and levels-1-i internal CIDRs. */
        for (unsigned i = subnet_level; i < t->levels; i++)
                cap += (size_t) t->gsize[i] * (2 + t->levels - 1 - i);
        v = calloc(cap ? cap : 1, sizeof(NtkDest));
        if (!v)
                return -ENOMEM;

        for (unsigned i = t->levels; i-- > subnet_level;)
                for (uint32_t j = 0; j < t->gsize[i]; j++) {
                        NtkAddress d = *n;
                        NtkCidr c;

                        if (n->pos[i] == j) /* our own g-node at this level */
                                continue;
                        d.pos[i] = j;

                        if (ntk_ip_global_gnode(t, &d, i, &c) >= 0) {
                                v[count++] = (NtkDest){ .kind = NTK_IP_GLOBAL, .lvl = i, .pos = j, .cidr = c };
                                if (ntk_ip_anonymizing_gnode(t, &d, i, &c) >= 0)
                                        v[count++] = (NtkDest){
                                                .kind = NTK_IP_ANONYMOUS, .lvl = i, .pos = j, .cidr = c
                                        };
                        }
                        for (unsigned k = t->levels - 1; k > i; k--)
                                if (ntk_ip_internal_gnode(t, &d, i, k, &c) >= 0)
                                        v[count++] = (NtkDest){
                                                .kind = NTK_IP_INTERNAL, .lvl = i, .pos = j, .k = k, .cidr = c
                                        };
                }

        *ret = TAKE_PTR(v);
        *ret_count = count;
        return 0;
}

int ntk_snat_op(const NtkTopology *t, const NtkAddress *n, bool add, NtkOp *ret)
{
        uint32_t g;

        if (ntk_ip_global_node(t, n, &g) < 0)
                return -EDOM;
        *ret = (NtkOp){
                .kind = add ? NTK_OP_SNAT_ADD : NTK_OP_SNAT_DEL,
                .snat = { .dst = ntk_ip_anonymous_range(t), .to = g },
        };
        return 0;
}

static NtkOp netmap_op(bool add, NtkNatChain chain, NtkCidr dst, const NtkCidr *src, NtkCidr to)
{
        NtkOp op = {
                .kind = add ? NTK_OP_NETMAP_ADD : NTK_OP_NETMAP_DEL,
                .netmap = { .chain = chain, .dst = dst, .to = to },
        };
        if (src) {
                op.netmap.has_src = true;
                op.netmap.src = *src;
        }
        return op;
}

int ntk_netmap_ops(const NtkTopology *t, const NtkAddress *n, unsigned s, bool serve_anonymous, bool add,
        NtkOp *ret, size_t max)
{
        NtkOp v[NTK_NETMAP_MAX];
        NtkCidr range1, range2, range3, range4;
        unsigned l = t->levels;
        size_t count = 0;
        uint32_t own;

        if (s == 0 || s >= l)
                return -EINVAL;
        if (ntk_ip_internal_gnode(t, n, s, s, &range1) < 0)
                return -EINVAL; /* reads no position: cannot happen */

        for (unsigned i = s; i + 1 < l; i++) {
                if (ntk_ip_internal_node(t, n, i + 1, &own) < 0)
                        continue; /* own internal[i+1] absent: no pair for this level */
                if (ntk_ip_internal_gnode(t, n, s, i + 1, &range2) < 0 ||
                    ntk_ip_internal_gnode(t, n, i + 1, i + 1, &range3) < 0)
                        continue;
                v[count++] = netmap_op(add, NTK_CHAIN_PREROUTING, range2, NULL, range1);
                v[count++] = netmap_op(add, NTK_CHAIN_POSTROUTING, range3, &range1, range2);
        }

        if (ntk_ip_global_node(t, n, &own) >= 0 && ntk_ip_global_gnode(t, n, s, &range2) >= 0 &&
            ntk_ip_anonymizing_gnode(t, n, s, &range4) >= 0) {
                range3 = ntk_ip_global_range(t);
                v[count++] = netmap_op(add, NTK_CHAIN_PREROUTING, range2, NULL, range1);
                v[count++] = netmap_op(add, NTK_CHAIN_POSTROUTING, range3, &range1, range2);
                if (serve_anonymous)
                        v[count++] = netmap_op(add, NTK_CHAIN_PREROUTING, range4, NULL, range1);
                v[count++] = netmap_op(add, NTK_CHAIN_POSTROUTING, ntk_ip_anonymous_range(t), &range1, range2);
        }

        if (count > max)
                return -ENOBUFS;
        memcpy(ret, v, count * sizeof(NtkOp));
        return (int) count;
}
