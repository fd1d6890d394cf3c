/* iptables.c — ntk's iptables rules (MAC marks, SNAT, NETMAP) in the ntk-* chains through libiptc (legacy
 * x_tables), one commit per table. Must not: touch a rule outside ntk-* but our jumps; log; fork or exec. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libiptc/libiptc.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_mac.h>
#include <linux/netfilter/xt_mark.h>

#include "iptables.h"
#include "util.h"

/* The rules are built byte for byte as iptables-legacy 1.8.9 builds them, so iptables-legacy-save prints
 * them like the documented commands:
 *   mac match    revision 0, struct xt_mac_info;
 *   MARK target  revision 2, struct xt_mark_tginfo2 {mark, 0xffffffff}  ("--set-xmark M/0xffffffff");
 *   SNAT, NETMAP revision 0, struct nf_nat_ipv4_multi_range_compat — what iptables-legacy writes for IPv4
 *                (checked against the kernel: its SNAT and NETMAP rules are revision 0 with one range);
 *   comment      revision 0, struct xt_comment_info "ntk", last match of every rule and of our jumps. */

typedef enum IptTable {
        IPT_TABLE_MANGLE,
        IPT_TABLE_NAT,
        _IPT_TABLE_MAX,
} IptTable;

typedef struct IptChain {
        IptTable table;
        const char *builtin;
        const char *ours;
} IptChain;

static const char *const table_names[_IPT_TABLE_MAX] = {
        [IPT_TABLE_MANGLE] = "mangle",
        [IPT_TABLE_NAT] = "nat",
};

static const IptChain chains[] = {
        {IPT_TABLE_MANGLE, "PREROUTING", "ntk-PREROUTING"},
        {IPT_TABLE_NAT, "PREROUTING", "ntk-PREROUTING"},
        {IPT_TABLE_NAT, "POSTROUTING", "ntk-POSTROUTING"},
};

#define CHAIN_MANGLE_PRE (&chains[0])
#define CHAIN_NAT_PRE (&chains[1])
#define CHAIN_NAT_POST (&chains[2])

struct IptExec {
        struct xtc_handle *handles[_IPT_TABLE_MAX];
        bool changed[_IPT_TABLE_MAX];
};

/* Room for the largest rule we build: entry + mac + comment + NAT target, with slack. */
#define RULE_MAX 1024

typedef struct Rule {
        union {
                struct ipt_entry e;
                alignas(8) unsigned char raw[RULE_MAX];
        };
} Rule;

static int errno_or(int fallback)
{
        /* libiptc returns 0 with errno set; errno 0 means "version mismatch" in its own words. */
        return errno > 0 ? -errno : -fallback;
}

static void rule_init(Rule *r)
{
        memset(r, 0, sizeof(*r));
        r->e.target_offset = sizeof(struct ipt_entry);
        r->e.next_offset = sizeof(struct ipt_entry);
}

static void rule_set_dst(Rule *r, NtkCidr c)
{
        r->e.ip.dst.s_addr = htonl(ntk_cidr_first(c));
        r->e.ip.dmsk.s_addr = htonl(ntk_prefix_mask(c.prefix));
}

static void rule_set_src(Rule *r, NtkCidr c)
{
        r->e.ip.src.s_addr = htonl(ntk_cidr_first(c));
        r->e.ip.smsk.s_addr = htonl(ntk_prefix_mask(c.prefix));
}

/* Matches go before the target: call every rule_add_match before rule_set_target. */
static void rule_add_match(Rule *r, const char *name, uint8_t revision, const void *data, size_t size)
{
        struct xt_entry_match *m = (struct xt_entry_match *) (r->raw + r->e.target_offset);
        size_t total = XT_ALIGN(sizeof(*m) + size);

        m->u.user.match_size = total;
        strncpy(m->u.user.name, name, sizeof(m->u.user.name) - 1);
        m->u.user.revision = revision;
        memcpy(m->data, data, size);
        r->e.target_offset += total;
        r->e.next_offset = r->e.target_offset;
}

static void rule_set_target(Rule *r, const char *name, uint8_t revision, const void *data, size_t size)
{
        struct xt_entry_target *t = (struct xt_entry_target *) (r->raw + r->e.target_offset);
        size_t total = XT_ALIGN(sizeof(*t) + size);

        t->u.user.target_size = total;
        strncpy(t->u.user.name, name, sizeof(t->u.user.name) - 1);
        t->u.user.revision = revision;
        if (data)
                memcpy(t->data, data, size);
        r->e.next_offset = r->e.target_offset + total;
}

static void rule_add_comment(Rule *r)
{
        struct xt_comment_info c = {};

        strncpy(c.comment, NTK_IPT_COMMENT, sizeof(c.comment) - 1);
        rule_add_match(r, "comment", 0, &c, sizeof(c));
}

/* `-m comment --comment ntk -j ntk-X`: a standard target naming the chain; libiptc resolves the jump. */
static void rule_build_jump(Rule *r, const IptChain *c)
{
        rule_init(r);
        rule_add_comment(r);
        rule_set_target(r, c->ours, 0, NULL, sizeof(int));
}

static void nat_range_one(struct nf_nat_ipv4_multi_range_compat *nr, uint32_t first, uint32_t last)
{
        *nr = (struct nf_nat_ipv4_multi_range_compat){
                .rangesize = 1,
                .range[0] =
                        {
                                .flags = NF_NAT_RANGE_MAP_IPS,
                                .min_ip = htonl(first),
                                .max_ip = htonl(last),
                        },
        };
}

static bool cidr_valid(NtkCidr c)
{
        return c.prefix <= 32;
}

/* Builds the rule of op (the add and the del kinds build the same rule) and names its chain. */
static int rule_build(const NtkOp *op, Rule *r, const IptChain **ret_chain)
{
        struct nf_nat_ipv4_multi_range_compat nr;
        const IptChain *chain;

        rule_init(r);
        switch (op->kind) {
        case NTK_OP_MARK_ADD:
        case NTK_OP_MARK_DEL: {
                struct xt_mac_info mac = {};
                struct xt_mark_tginfo2 mark = {.mark = op->mark.mark, .mask = UINT32_MAX};

                memcpy(mac.srcaddr, op->mark.mac, sizeof(mac.srcaddr));
                rule_add_match(r, "mac", 0, &mac, sizeof(mac));
                rule_add_comment(r);
                rule_set_target(r, "MARK", 2, &mark, sizeof(mark));
                chain = CHAIN_MANGLE_PRE;
                break;
        }
        case NTK_OP_SNAT_ADD:
        case NTK_OP_SNAT_DEL:
                if (!cidr_valid(op->snat.dst))
                        return -EINVAL;
                rule_set_dst(r, op->snat.dst);
                rule_add_comment(r);
                nat_range_one(&nr, op->snat.to, op->snat.to);
                rule_set_target(r, "SNAT", 0, &nr, sizeof(nr));
                chain = CHAIN_NAT_POST;
                break;
        case NTK_OP_NETMAP_ADD:
        case NTK_OP_NETMAP_DEL:
                if (!cidr_valid(op->netmap.dst) || !cidr_valid(op->netmap.to) ||
                        (op->netmap.has_src && !cidr_valid(op->netmap.src)))
                        return -EINVAL;
                if (op->netmap.chain == NTK_CHAIN_PREROUTING)
                        chain = CHAIN_NAT_PRE;
                else if (op->netmap.chain == NTK_CHAIN_POSTROUTING)
                        chain = CHAIN_NAT_POST;
                else
                        return -EINVAL;
                rule_set_dst(r, op->netmap.dst);
                if (op->netmap.has_src)
                        rule_set_src(r, op->netmap.src);
                rule_add_comment(r);
                nat_range_one(&nr, ntk_cidr_first(op->netmap.to), ntk_cidr_last(op->netmap.to));
                rule_set_target(r, "NETMAP", 0, &nr, sizeof(nr));
                break;
        default:
                return -EOPNOTSUPP;
        }
        *ret_chain = chain;
        return 0;
}

/* Matches and targets compared field by field: the kernel writes back only the NUL-terminated name, so
 * the bytes after it are whatever libiptc's buffer held, and the counters and back pointer vary. */
static bool xt_part_same(const unsigned char *a, const unsigned char *b)
{
        const struct xt_entry_match *ma = (const void *) a, *mb = (const void *) b;

        return ma->u.match_size == mb->u.match_size && ma->u.match_size >= sizeof(*ma) &&
               strncmp(ma->u.user.name, mb->u.user.name, sizeof(ma->u.user.name)) == 0 &&
               ma->u.user.revision == mb->u.user.revision &&
               memcmp(ma->data, mb->data, ma->u.match_size - sizeof(*ma)) == 0;
}

static bool rule_same(const struct ipt_entry *a, const struct ipt_entry *b)
{
        const unsigned char *pa = (const void *) a, *pb = (const void *) b;

        if (a->target_offset != b->target_offset || a->next_offset != b->next_offset ||
                memcmp(&a->ip, &b->ip, sizeof(a->ip)) != 0)
                return false;
        for (size_t off = sizeof(*a); off < a->next_offset;) {
                const struct xt_entry_match *m = (const void *) (pa + off);

                if (!xt_part_same(pa + off, pb + off))
                        return false;
                off += m->u.match_size;
        }
        return true;
}

/* Position (0-based) of the first rule of chain equal to r, or -ENOENT. */
static int rule_find(struct xtc_handle *h, const char *chain, const Rule *r)
{
        int i = 0;

        for (const struct ipt_entry *e = iptc_first_rule(chain, h); e; e = iptc_next_rule(e, h), i++)
                if (rule_same(e, &r->e))
                        return i;
        return -ENOENT;
}

static bool entry_has_our_comment(const struct ipt_entry *e)
{
        const unsigned char *p = (const void *) e;

        for (size_t off = sizeof(*e); off < e->target_offset;) {
                const struct xt_entry_match *m = (const void *) (p + off);

                if (m->u.match_size < sizeof(*m))
                        return false;
                if (streq(m->u.user.name, "comment") &&
                        m->u.match_size >= sizeof(*m) + sizeof(struct xt_comment_info) &&
                        strncmp(((const struct xt_comment_info *) m->data)->comment, NTK_IPT_COMMENT,
                                XT_MAX_COMMENT_LEN) == 0)
                        return true;
                off += m->u.match_size;
        }
        return false;
}

/* Position of the first jump from the built-in chain into ours that carries our comment, or -ENOENT. */
static int jump_find(struct xtc_handle *h, const IptChain *c)
{
        int i = 0;

        for (const struct ipt_entry *e = iptc_first_rule(c->builtin, h); e; e = iptc_next_rule(e, h), i++)
                if (streq(iptc_get_target(e, h), c->ours) && entry_has_our_comment(e))
                        return i;
        return -ENOENT;
}

static int table_get(IptExec *x, IptTable t, struct xtc_handle **ret)
{
        if (!x->handles[t]) {
                errno = 0;
                x->handles[t] = iptc_init(table_names[t]);
                if (!x->handles[t])
                        return errno_or(EIO);
        }
        *ret = x->handles[t];
        return 0;
}

/* Our chain, created with its jump (appended to the built-in chain) when missing. */
static int chain_ensure(IptExec *x, struct xtc_handle *h, const IptChain *c)
{
        Rule jump;

        if (!iptc_is_chain(c->ours, h)) {
                if (!iptc_create_chain(c->ours, h))
                        return errno_or(EIO);
                x->changed[c->table] = true;
        }
        if (jump_find(h, c) >= 0)
                return 0;
        rule_build_jump(&jump, c);
        if (!iptc_append_entry(c->builtin, &jump.e, h))
                return errno_or(EIO);
        x->changed[c->table] = true;
        return 0;
}

/* An empty chain of ours goes away with our jumps into it, unless something else still jumps there. */
static int chain_drop_if_empty(struct xtc_handle *h, const IptChain *c)
{
        unsigned refs = 0, ours = 0;
        int i;

        if (!iptc_is_chain(c->ours, h) || iptc_first_rule(c->ours, h))
                return 0;
        if (!iptc_get_references(&refs, c->ours, h))
                return errno_or(EIO);
        for (const struct ipt_entry *e = iptc_first_rule(c->builtin, h); e; e = iptc_next_rule(e, h))
                if (streq(iptc_get_target(e, h), c->ours) && entry_has_our_comment(e))
                        ours++;
        if (refs != ours)
                return 0;
        while ((i = jump_find(h, c)) >= 0)
                if (!iptc_delete_num_entry(c->builtin, (unsigned) i, h))
                        return errno_or(EIO);
        if (!iptc_delete_chain(c->ours, h))
                return errno_or(EIO);
        return 0;
}

int iptexec_new(IptExec **ret)
{
        IptExec *x = calloc(1, sizeof(*x));

        if (!x)
                return -ENOMEM;
        *ret = x;
        return 0;
}

static void handles_release(IptExec *x)
{
        for (size_t t = 0; t < _IPT_TABLE_MAX; t++) {
                if (x->handles[t])
                        iptc_free(x->handles[t]);
                x->handles[t] = NULL;
                x->changed[t] = false;
        }
}

IptExec *iptexec_free(IptExec *x)
{
        if (!x)
                return NULL;
        handles_release(x);
        free(x);
        return NULL;
}

bool iptexec_handles(NtkOpKind k)
{
        switch (k) {
        case NTK_OP_MARK_ADD:
        case NTK_OP_MARK_DEL:
        case NTK_OP_SNAT_ADD:
        case NTK_OP_SNAT_DEL:
        case NTK_OP_NETMAP_ADD:
        case NTK_OP_NETMAP_DEL:
                return true;
        default:
                return false;
        }
}

static bool op_is_add(NtkOpKind k)
{
        return k == NTK_OP_MARK_ADD || k == NTK_OP_SNAT_ADD || k == NTK_OP_NETMAP_ADD;
}

int iptexec_stage(IptExec *x, const NtkOp *op)
{
        const IptChain *c = NULL;
        struct xtc_handle *h;
        Rule r;
        int i, k;

        if (!x || !op)
                return -EINVAL;
        k = rule_build(op, &r, &c);
        if (k < 0)
                return k;
        k = table_get(x, c->table, &h);
        if (k < 0)
                return k;

        if (op_is_add(op->kind)) {
                if (iptc_is_chain(c->ours, h) && rule_find(h, c->ours, &r) >= 0)
                        return -EEXIST;
                k = chain_ensure(x, h, c);
                if (k < 0)
                        return k;
                if (!iptc_append_entry(c->ours, &r.e, h))
                        return errno_or(EIO);
        } else {
                if (!iptc_is_chain(c->ours, h))
                        return -ENOENT;
                i = rule_find(h, c->ours, &r);
                if (i < 0)
                        return i;
                if (!iptc_delete_num_entry(c->ours, (unsigned) i, h))
                        return errno_or(EIO);
        }
        x->changed[c->table] = true;
        return 0;
}

/* Tables commit in order (mangle, then nat) and the first failure stops the rest; either way the handles
 * are released and x is left empty, ready for another transaction. The caller still frees x. */
int iptexec_commit(IptExec *x)
{
        int r = 0;

        if (!x)
                return -EINVAL;
        for (size_t t = 0; t < _IPT_TABLE_MAX && r == 0; t++) {
                struct xtc_handle *h = x->handles[t];

                if (!h || !x->changed[t])
                        continue;
                for (size_t j = 0; j < ELEMENTSOF(chains) && r == 0; j++)
                        if (chains[j].table == (IptTable) t)
                                r = chain_drop_if_empty(h, &chains[j]);
                if (r == 0 && !iptc_commit(h))
                        r = errno_or(EIO);
        }
        handles_release(x);
        return r;
}
