/* kops.c — the text of every kernel operation: renders an NtkOp as the documents write it, parses it back.
 * Must not: run, log or allocate anything, nor accept a line whose op it could not render again. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kops.h"

#define RT_TABLES_PATH "/etc/iproute2/rt_tables"
#define RT_MARKER_PREFIX "xxx_table_"
#define RT_MARKER_SUFFIX "_xxx"
#define RT_RESERVED_PREFIX "reserved_ntk_from_"
#define RTTABLE_ID_MAX 2147483647u /* 2^31-1 */
#define MAX_TOKENS 32

static const char *const op_kind_table[_NTK_OP_KIND_MAX] = {
        [NTK_OP_NETNS_ADD] = "netns-add",
        [NTK_OP_NETNS_DEL] = "netns-del",
        [NTK_OP_LINK_ADD_MACVLAN] = "link-add-macvlan",
        [NTK_OP_LINK_DEL] = "link-del",
        [NTK_OP_LINK_SET_NETNS] = "link-set-netns",
        [NTK_OP_LINK_SET_MAC] = "link-set-mac",
        [NTK_OP_LINK_SET_UP] = "link-set-up",
        [NTK_OP_SYSCTL] = "sysctl",
        [NTK_OP_ADDR_ADD] = "addr-add",
        [NTK_OP_ADDR_DEL] = "addr-del",
        [NTK_OP_ROUTE_ADD] = "route-add",
        [NTK_OP_ROUTE_CHANGE] = "route-change",
        [NTK_OP_ROUTE_DEL] = "route-del",
        [NTK_OP_ROUTE_FLUSH] = "route-flush",
        [NTK_OP_RULE_ADD] = "rule-add",
        [NTK_OP_RULE_DEL] = "rule-del",
        [NTK_OP_RTTABLE_ADD] = "rttable-add",
        [NTK_OP_RTTABLE_DEL] = "rttable-del",
        [NTK_OP_MARK_ADD] = "mark-add",
        [NTK_OP_MARK_DEL] = "mark-del",
        [NTK_OP_SNAT_ADD] = "snat-add",
        [NTK_OP_SNAT_DEL] = "snat-del",
        [NTK_OP_NETMAP_ADD] = "netmap-add",
        [NTK_OP_NETMAP_DEL] = "netmap-del",
};

static const char *const route_type_table[_NTK_ROUTE_TYPE_MAX] = {
        [NTK_ROUTE_UNICAST] = "unicast",
        [NTK_ROUTE_UNREACHABLE] = "unreachable",
        [NTK_ROUTE_BLACKHOLE] = "blackhole",
};

static const char *const chain_table[_NTK_CHAIN_MAX] = {
        [NTK_CHAIN_PREROUTING] = "PREROUTING",
        [NTK_CHAIN_POSTROUTING] = "POSTROUTING",
};

const char *ntk_op_kind_to_string(NtkOpKind k)
{
        if ((unsigned) k >= _NTK_OP_KIND_MAX)
                return NULL;
        return op_kind_table[k];
}

const char *ntk_route_type_to_string(NtkRouteType t)
{
        if ((unsigned) t >= _NTK_ROUTE_TYPE_MAX)
                return NULL;
        return route_type_table[t];
}

/* ---- validation, shared by render and parse so that each accepts what the other produces ---- */

static bool is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_graph(char c)
{
        return c > ' ' && c < 0x7f;
}

/* Namespace and table names: 1..NTK_NAME_MAX-1 characters of [A-Za-z0-9_.:-], not starting with '-' (it
 * would read as an option). These characters need no quoting in a shell line nor in the rt_tables idioms. */
static bool table_name_valid(const char *s)
{
        size_t n = strnlen(s, NTK_NAME_MAX);

        if (n == 0 || n >= NTK_NAME_MAX || s[0] == '-')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != ':' && s[i] != '-')
                        return false;
        return true;
}

/* A named namespace is a file under /run/netns, so "." and ".." are not names; "default" is how callers
 * say "no namespace" and so cannot name one. */
static bool netns_name_valid(const char *s)
{
        return table_name_valid(s) && !streq(s, ".") && !streq(s, "..") && !streq(s, "default");
}

/* The kernel's dev_valid_name(): 1..15 characters, not "." or "..", no '/', ':' or whitespace; we also
 * refuse control and non-ASCII characters, which no tokenizer of this text could round-trip safely. */
static bool ifname_valid(const char *s)
{
        size_t n = strnlen(s, NTK_IFNAME_MAX);

        if (n == 0 || n >= NTK_IFNAME_MAX || streq(s, ".") || streq(s, ".."))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_graph(s[i]) || s[i] == '/' || s[i] == ':')
                        return false;
        return true;
}

/* "net." followed by non-empty components of [A-Za-z0-9_-] separated by single dots. */
static bool sysctl_key_valid(const char *s)
{
        size_t n = strnlen(s, NTK_SYSCTL_KEY_MAX);

        if (n >= NTK_SYSCTL_KEY_MAX || !startswith(s, "net.") || n == strlen("net.") || s[n - 1] == '.')
                return false;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '.') {
                        if (i > 0 && s[i - 1] == '.')
                                return false;
                } else if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '-')
                        return false;
        }
        return true;
}

static bool sysctl_value_valid(const char *s)
{
        size_t n = strnlen(s, NTK_SYSCTL_VALUE_MAX);

        if (n == 0 || n >= NTK_SYSCTL_VALUE_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_graph(s[i]))
                        return false;
        return true;
}

/* A network: prefix 0..32 and no host bits set. */
static bool network_valid(NtkCidr c)
{
        return c.prefix <= 32 && ntk_cidr_first(c) == c.addr;
}

static void copy_name(char *dst, size_t size, const char *src)
{
        size_t n = strnlen(src, size - 1);

        memcpy(dst, src, n);
        dst[n] = '\0';
}

/* Strict decimal in min..max: no sign, no leading zeros, no spaces. */
static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *ret)
{
        uint64_t v = 0;
        size_t n = 0;

        for (; s[n] >= '0' && s[n] <= '9'; n++) {
                if (n == 10)
                        return -EINVAL;
                v = v * 10 + (uint64_t) (s[n] - '0');
        }
        if (n == 0 || s[n] != '\0' || (n > 1 && s[0] == '0') || v < min || v > max)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

/* An interface address "A.B.C.D[/P]" (bare means /32); unlike a route destination it may have host bits. */
static int parse_ifaddr(const char *s, NtkCidr *ret)
{
        const char *slash = strchr(s, '/');
        char ip[NTK_IPV4_STRLEN];
        uint32_t addr, prefix = 32;
        size_t n = slash ? (size_t) (slash - s) : strlen(s);

        if (n >= sizeof(ip))
                return -EINVAL;
        memcpy(ip, s, n);
        ip[n] = '\0';
        if (ntk_ipv4_parse(ip, &addr) < 0)
                return -EINVAL;
        if (slash && parse_u32(slash + 1, 0, 32, &prefix) < 0)
                return -EINVAL;
        *ret = (NtkCidr){ .addr = addr, .prefix = (uint8_t) prefix };
        return 0;
}

/* ---- render ---- */

typedef struct Out {
        char *buf;
        size_t size;
        size_t len; /* what the whole text needs, even past size */
} Out;

static void out_printf(Out *o, const char *fmt, ...) _printf_(2, 3);
static void out_printf(Out *o, const char *fmt, ...)
{
        bool room = o->len < o->size;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(room ? o->buf + o->len : NULL, room ? o->size - o->len : 0, fmt, ap);
        va_end(ap);
        if (n > 0)
                o->len += (size_t) n;
}

static bool kind_is_rttable(NtkOpKind k)
{
        return k == NTK_OP_RTTABLE_ADD || k == NTK_OP_RTTABLE_DEL;
}

static int render_route(Out *o, const NtkOp *op)
{
        char a[NTK_CIDR_STRLEN];
        bool is_main;

        if (op->kind == NTK_OP_ROUTE_FLUSH) {
                if (!table_name_valid(op->route.table))
                        return -EINVAL;
                out_printf(o, "ip route flush table %s", op->route.table);
                return 0;
        }

        if ((unsigned) op->route.type >= _NTK_ROUTE_TYPE_MAX || !network_valid(op->route.dst) ||
                !table_name_valid(op->route.table))
                return -EINVAL;
        if (op->route.dev[0] != '\0' && !ifname_valid(op->route.dev))
                return -EINVAL;
        /* The kernel refuses a gateway or a device on a route that is not unicast. */
        if (op->route.type != NTK_ROUTE_UNICAST && (op->route.has_via || op->route.dev[0] != '\0'))
                return -EINVAL;

        out_printf(o, "ip route %s",
                op->kind == NTK_OP_ROUTE_ADD      ? "add"
                : op->kind == NTK_OP_ROUTE_CHANGE ? "change"
                                                  : "del");
        if (op->route.type != NTK_ROUTE_UNICAST)
                out_printf(o, " %s", ntk_route_type_to_string(op->route.type));

        is_main = streq(op->route.table, "main");
        if (is_main && op->route.dst.prefix == 32)
                out_printf(o, " %s", ntk_ipv4_format(op->route.dst.addr, a));
        else
                out_printf(o, " %s", ntk_cidr_format(op->route.dst, a));
        if (!is_main)
                out_printf(o, " table %s", op->route.table);
        if (op->route.has_via)
                out_printf(o, " via %s", ntk_ipv4_format(op->route.via, a));
        if (op->route.dev[0] != '\0')
                out_printf(o, " dev %s", op->route.dev);
        if (op->route.has_src)
                out_printf(o, " src %s", ntk_ipv4_format(op->route.src, a));
        return 0;
}

static int render_op(Out *o, const NtkOp *op)
{
        char a[NTK_CIDR_STRLEN], b[NTK_CIDR_STRLEN], c[NTK_CIDR_STRLEN];
        char mac[NTK_MAC_STRLEN];
        bool add;

        switch (op->kind) {
        case NTK_OP_NETNS_ADD:
        case NTK_OP_NETNS_DEL:
                if (!netns_name_valid(op->netns.name))
                        return -EINVAL;
                out_printf(
                        o, "ip netns %s %s", op->kind == NTK_OP_NETNS_ADD ? "add" : "del", op->netns.name);
                return 0;

        case NTK_OP_LINK_ADD_MACVLAN:
                if (!ifname_valid(op->link.ifname) || !ifname_valid(op->link.parent))
                        return -EINVAL;
                out_printf(o, "ip link add dev %s link %s type macvlan", op->link.ifname, op->link.parent);
                return 0;

        case NTK_OP_LINK_DEL:
                if (!ifname_valid(op->link.ifname))
                        return -EINVAL;
                out_printf(o, "ip link delete %s type macvlan", op->link.ifname);
                return 0;

        case NTK_OP_LINK_SET_NETNS:
                if (!ifname_valid(op->link.ifname) || !netns_name_valid(op->link.target))
                        return -EINVAL;
                out_printf(o, "ip link set dev %s netns %s", op->link.ifname, op->link.target);
                return 0;

        case NTK_OP_LINK_SET_MAC:
                if (!ifname_valid(op->link.ifname))
                        return -EINVAL;
                out_printf(o, "ip link set dev %s address %s", op->link.ifname,
                        ntk_mac_format(op->link.mac, mac));
                return 0;

        case NTK_OP_LINK_SET_UP:
                if (!ifname_valid(op->link.ifname))
                        return -EINVAL;
                out_printf(o, "ip link set dev %s up", op->link.ifname);
                return 0;

        case NTK_OP_SYSCTL:
                if (!sysctl_key_valid(op->sysctl.key) || !sysctl_value_valid(op->sysctl.value))
                        return -EINVAL;
                out_printf(o, "sysctl %s=%s", op->sysctl.key, op->sysctl.value);
                return 0;

        case NTK_OP_ADDR_ADD:
        case NTK_OP_ADDR_DEL:
                if (op->addr.addr.prefix > 32 || !ifname_valid(op->addr.dev))
                        return -EINVAL;
                /* The documents add addresses bare (that is /32) but always delete them with the prefix. */
                if (op->kind == NTK_OP_ADDR_ADD && op->addr.addr.prefix == 32)
                        ntk_ipv4_format(op->addr.addr.addr, a);
                else
                        ntk_cidr_format(op->addr.addr, a);
                out_printf(o, "ip address %s %s dev %s", op->kind == NTK_OP_ADDR_ADD ? "add" : "del", a,
                        op->addr.dev);
                return 0;

        case NTK_OP_ROUTE_ADD:
        case NTK_OP_ROUTE_CHANGE:
        case NTK_OP_ROUTE_DEL:
        case NTK_OP_ROUTE_FLUSH:
                return render_route(o, op);

        case NTK_OP_RULE_ADD:
        case NTK_OP_RULE_DEL:
                if (!table_name_valid(op->rule.table) || (op->rule.has_fwmark && op->rule.fwmark == 0))
                        return -EINVAL;
                out_printf(o, "ip rule %s", op->kind == NTK_OP_RULE_ADD ? "add" : "del");
                if (op->rule.has_fwmark)
                        out_printf(o, " fwmark %u", (unsigned) op->rule.fwmark);
                out_printf(o, " table %s", op->rule.table);
                return 0;

        case NTK_OP_RTTABLE_ADD:
                if (op->rttable.id == 0 || op->rttable.id > RTTABLE_ID_MAX ||
                        !table_name_valid(op->rttable.name))
                        return -EINVAL;
                out_printf(o,
                        "(echo; echo \"%u %s # " RT_MARKER_PREFIX "%s" RT_MARKER_SUFFIX
                        "\") | tee -a " RT_TABLES_PATH " >/dev/null",
                        (unsigned) op->rttable.id, op->rttable.name, op->rttable.name);
                return 0;

        case NTK_OP_RTTABLE_DEL:
                /* Removal goes by the marker of the name; the id, when known, is not needed. */
                if (!table_name_valid(op->rttable.name))
                        return -EINVAL;
                out_printf(o, "sed -i '/" RT_MARKER_PREFIX "%s" RT_MARKER_SUFFIX "/d' " RT_TABLES_PATH,
                        op->rttable.name);
                return 0;

        case NTK_OP_MARK_ADD:
        case NTK_OP_MARK_DEL:
                if (op->mark.mark == 0)
                        return -EINVAL;
                out_printf(o,
                        "iptables -t mangle -%c PREROUTING -m mac --mac-source %s -j MARK --set-mark %u",
                        op->kind == NTK_OP_MARK_ADD ? 'A' : 'D', ntk_mac_format(op->mark.mac, mac),
                        (unsigned) op->mark.mark);
                return 0;

        case NTK_OP_SNAT_ADD:
        case NTK_OP_SNAT_DEL:
                if (!network_valid(op->snat.dst))
                        return -EINVAL;
                out_printf(o, "iptables -t nat -%c POSTROUTING -d %s -j SNAT --to %s",
                        op->kind == NTK_OP_SNAT_ADD ? 'A' : 'D', ntk_cidr_format(op->snat.dst, a),
                        ntk_ipv4_format(op->snat.to, b));
                return 0;

        case NTK_OP_NETMAP_ADD:
        case NTK_OP_NETMAP_DEL:
                if ((unsigned) op->netmap.chain >= _NTK_CHAIN_MAX || !network_valid(op->netmap.dst) ||
                        !network_valid(op->netmap.to) ||
                        (op->netmap.has_src && !network_valid(op->netmap.src)))
                        return -EINVAL;
                add = op->kind == NTK_OP_NETMAP_ADD;
                out_printf(o, "iptables -t nat -%c %s -d %s", add ? 'A' : 'D', chain_table[op->netmap.chain],
                        ntk_cidr_format(op->netmap.dst, a));
                if (op->netmap.has_src)
                        out_printf(o, " -s %s", ntk_cidr_format(op->netmap.src, b));
                out_printf(o, " -j NETMAP --to %s", ntk_cidr_format(op->netmap.to, c));
                return 0;

        default:
                return -EINVAL;
        }
}

int ntk_op_render(const char *netns, const NtkOp *op, char *buf, size_t size)
{
        Out o = { .buf = buf, .size = size };
        int r;

        if (!op || (!buf && size > 0))
                return -EINVAL;
        if (size > 0)
                buf[0] = '\0';

        if (netns && netns[0] != '\0' && !streq(netns, "default")) {
                /* rt_tables is one file shared by every namespace, and the shell idiom cannot follow
                 * `ip netns exec` anyway. */
                if (!netns_name_valid(netns) || kind_is_rttable(op->kind))
                        return -EINVAL;
                out_printf(&o, "ip netns exec %s ", netns);
        }

        r = render_op(&o, op);
        if (r >= 0 && o.len >= size)
                r = -ENOBUFS;
        if (r < 0) {
                if (size > 0)
                        buf[0] = '\0';
                return r;
        }
        return (int) o.len;
}

/* ---- parse ---- */

typedef struct Tokens {
        char buf[NTK_OP_TEXT_MAX];
        const char *v[MAX_TOKENS];
        size_t n;
        size_t i; /* the next token to read */
} Tokens;

static int tokenize(const char *line, Tokens *t, NtkErr *err)
{
        size_t len = strlen(line);
        char *p;

        if (len >= sizeof(t->buf))
                return ntk_err(err, -EINVAL, "command line of %zu characters is longer than %zu", len,
                        sizeof(t->buf) - 1);
        memcpy(t->buf, line, len + 1);
        t->n = t->i = 0;

        for (p = t->buf;;) {
                char *start;

                while (is_space(*p))
                        p++;
                if (*p == '\0')
                        break;
                start = p;
                while (*p != '\0' && !is_space(*p))
                        p++;
                if (*p != '\0')
                        *p++ = '\0';
                if (t->n == MAX_TOKENS)
                        return ntk_err(err, -EINVAL, "too many tokens, from '%s' on", start);
                t->v[t->n++] = start;
        }
        if (t->n == 0)
                return ntk_err(err, -EINVAL, "empty command line");
        return 0;
}

static const char *tok_next(Tokens *t)
{
        return t->i < t->n ? t->v[t->i++] : NULL;
}

static bool tok_more(const Tokens *t)
{
        return t->i < t->n;
}

/* The value following keyword kw. */
static int tok_value(Tokens *t, const char *kw, const char *ctx, const char **ret, NtkErr *err)
{
        const char *v = tok_next(t);

        if (!v)
                return ntk_err(err, -EINVAL, "missing value after '%s' in %s", kw, ctx);
        *ret = v;
        return 0;
}

static int tok_expect(Tokens *t, const char *word, const char *ctx, NtkErr *err)
{
        const char *v = tok_next(t);

        if (!v)
                return ntk_err(err, -EINVAL, "missing '%s' at the end of %s", word, ctx);
        if (!streq(v, word))
                return ntk_err(err, -EINVAL, "unexpected token '%s' in %s, expected '%s'", v, ctx, word);
        return 0;
}

static int tok_end(Tokens *t, const char *ctx, NtkErr *err)
{
        if (tok_more(t))
                return ntk_err(err, -EINVAL, "unexpected token '%s' in %s", t->v[t->i], ctx);
        return 0;
}

static int dup_check(bool seen, const char *kw, const char *ctx, NtkErr *err)
{
        if (seen)
                return ntk_err(err, -EINVAL, "duplicate '%s' in %s", kw, ctx);
        return 0;
}

static int take_ifname(const char *s, char dst[NTK_IFNAME_MAX], NtkErr *err)
{
        if (!ifname_valid(s))
                return ntk_err(err, -EINVAL, "invalid interface name '%s'", s);
        copy_name(dst, NTK_IFNAME_MAX, s);
        return 0;
}

static int take_table(const char *s, char dst[NTK_NAME_MAX], NtkErr *err)
{
        if (!table_name_valid(s))
                return ntk_err(err, -EINVAL, "invalid table name '%s'", s);
        copy_name(dst, NTK_NAME_MAX, s);
        return 0;
}

static int take_netns(const char *s, char dst[NTK_NAME_MAX], NtkErr *err)
{
        if (!netns_name_valid(s))
                return ntk_err(err, -EINVAL, "invalid namespace name '%s'", s);
        copy_name(dst, NTK_NAME_MAX, s);
        return 0;
}

static int take_ipv4(const char *s, const char *what, uint32_t *ret, NtkErr *err)
{
        if (ntk_ipv4_parse(s, ret) < 0)
                return ntk_err(err, -EINVAL, "invalid %s address '%s'", what, s);
        return 0;
}

static int take_network(const char *s, const char *what, NtkCidr *ret, NtkErr *err)
{
        if (ntk_cidr_parse(s, true, ret) < 0)
                return ntk_err(
                        err, -EINVAL, "invalid %s '%s' (a network A.B.C.D/P without host bits)", what, s);
        return 0;
}

static int take_mac(const char *s, uint8_t ret[static 6], NtkErr *err)
{
        if (ntk_mac_parse(s, ret) < 0)
                return ntk_err(err, -EINVAL, "invalid MAC address '%s'", s);
        return 0;
}

static int take_u32(const char *s, const char *what, uint32_t max, uint32_t *ret, NtkErr *err)
{
        if (parse_u32(s, 1, max, ret) < 0)
                return ntk_err(
                        err, -EINVAL, "invalid %s '%s' (a decimal number 1..%u)", what, s, (unsigned) max);
        return 0;
}

static int parse_netns(Tokens *t, NtkOp *op, NtkErr *err)
{
        const char *verb = tok_next(t), *name = NULL;
        int r;

        if (!verb)
                return ntk_err(err, -EINVAL, "missing verb after 'ip netns'");
        if (streq(verb, "add"))
                op->kind = NTK_OP_NETNS_ADD;
        else if (streq(verb, "del") || streq(verb, "delete"))
                op->kind = NTK_OP_NETNS_DEL;
        else if (streq(verb, "exec"))
                return ntk_err(err, -EINVAL, "nested 'exec' in ip netns exec");
        else
                return ntk_err(err, -EINVAL, "unknown verb '%s' in ip netns", verb);

        r = tok_value(t, verb, "ip netns", &name, err);
        if (r < 0)
                return r;
        r = take_netns(name, op->netns.name, err);
        if (r < 0)
                return r;
        return tok_end(t, "ip netns", err);
}

static int parse_link_add(Tokens *t, NtkOp *op, NtkErr *err)
{
        static const char ctx[] = "ip link add";
        bool have_dev = false, have_parent = false, have_type = false;
        const char *kw, *v = NULL;
        int r;

        op->kind = NTK_OP_LINK_ADD_MACVLAN;
        while (!have_type && (kw = tok_next(t))) {
                if (streq(kw, "dev") || streq(kw, "name")) {
                        r = dup_check(have_dev, kw, ctx, err);
                        if (r >= 0)
                                r = tok_value(t, kw, ctx, &v, err);
                        if (r >= 0)
                                r = take_ifname(v, op->link.ifname, err);
                        have_dev = true;
                } else if (streq(kw, "link")) {
                        r = dup_check(have_parent, kw, ctx, err);
                        if (r >= 0)
                                r = tok_value(t, kw, ctx, &v, err);
                        if (r >= 0)
                                r = take_ifname(v, op->link.parent, err);
                        have_parent = true;
                } else if (streq(kw, "type")) {
                        /* Everything after `type KIND` belongs to the kind; macvlan options are not ours. */
                        r = tok_value(t, kw, ctx, &v, err);
                        if (r >= 0 && !streq(v, "macvlan"))
                                r = ntk_err(err, -EINVAL, "unsupported link type '%s' in %s", v, ctx);
                        have_type = true;
                } else
                        r = ntk_err(err, -EINVAL, "unexpected token '%s' in %s", kw, ctx);
                if (r < 0)
                        return r;
        }
        if (!have_dev)
                return ntk_err(err, -EINVAL, "missing 'dev' in %s", ctx);
        if (!have_parent)
                return ntk_err(err, -EINVAL, "missing 'link' in %s", ctx);
        if (!have_type)
                return ntk_err(err, -EINVAL, "missing 'type macvlan' in %s", ctx);
        return tok_end(t, ctx, err);
}

/* ip link delete [dev] NAME [type macvlan]. The name is positional in the documents' form, so an interface
 * called "dev" or "type" is told apart by counting the tokens, not by its spelling. */
static int parse_link_del(Tokens *t, NtkOp *op, NtkErr *err)
{
        static const char ctx[] = "ip link delete";
        size_t left = t->n - t->i;
        const char *v;
        int r;

        op->kind = NTK_OP_LINK_DEL;
        if (left % 2 == 0 && left > 0) {
                r = tok_expect(t, "dev", ctx, err);
                if (r < 0)
                        return r;
        }
        v = tok_next(t);
        if (!v)
                return ntk_err(err, -EINVAL, "missing interface name in %s", ctx);
        r = take_ifname(v, op->link.ifname, err);
        if (r < 0)
                return r;
        if (tok_more(t)) {
                r = tok_expect(t, "type", ctx, err);
                if (r >= 0)
                        r = tok_value(t, "type", ctx, &v, err);
                if (r < 0)
                        return r;
                if (!streq(v, "macvlan"))
                        return ntk_err(err, -EINVAL, "unsupported link type '%s' in %s", v, ctx);
        }
        return tok_end(t, ctx, err);
}

/* ip link set dev NAME (up | netns TARGET | address MAC) */
static int parse_link_set(Tokens *t, NtkOp *op, NtkErr *err)
{
        static const char ctx[] = "ip link set";
        const char *action, *v = NULL;
        int r;

        r = tok_expect(t, "dev", ctx, err);
        if (r < 0)
                return r;
        r = tok_value(t, "dev", ctx, &v, err);
        if (r < 0)
                return r;
        r = take_ifname(v, op->link.ifname, err);
        if (r < 0)
                return r;

        action = tok_next(t);
        if (!action)
                return ntk_err(err, -EINVAL, "missing action after 'dev %s' in %s", v, ctx);
        if (streq(action, "up"))
                op->kind = NTK_OP_LINK_SET_UP;
        else if (streq(action, "netns")) {
                op->kind = NTK_OP_LINK_SET_NETNS;
                r = tok_value(t, action, ctx, &v, err);
                if (r >= 0)
                        r = take_netns(v, op->link.target, err);
        } else if (streq(action, "address") || streq(action, "addr")) {
                op->kind = NTK_OP_LINK_SET_MAC;
                r = tok_value(t, action, ctx, &v, err);
                if (r >= 0)
                        r = take_mac(v, op->link.mac, err);
        } else
                r = ntk_err(err, -EINVAL, "unexpected token '%s' in %s", action, ctx);
        if (r < 0)
                return r;
        return tok_end(t, ctx, err);
}

static int parse_link(Tokens *t, NtkOp *op, NtkErr *err)
{
        const char *verb = tok_next(t);

        if (!verb)
                return ntk_err(err, -EINVAL, "missing verb after 'ip link'");
        if (streq(verb, "add"))
                return parse_link_add(t, op, err);
        if (streq(verb, "del") || streq(verb, "delete"))
                return parse_link_del(t, op, err);
        if (streq(verb, "set"))
                return parse_link_set(t, op, err);
        return ntk_err(err, -EINVAL, "unknown verb '%s' in ip link", verb);
}

/* ip address (add|del) A[/P] dev D, the address and `dev D` in either order. */
static int parse_addr(Tokens *t, NtkOp *op, NtkErr *err)
{
        static const char ctx[] = "ip address";
        bool have_addr = false, have_dev = false;
        const char *verb = tok_next(t), *kw, *v = NULL;
        int r;

        if (!verb)
                return ntk_err(err, -EINVAL, "missing verb after 'ip address'");
        if (streq(verb, "add"))
                op->kind = NTK_OP_ADDR_ADD;
        else if (streq(verb, "del") || streq(verb, "delete"))
                op->kind = NTK_OP_ADDR_DEL;
        else
                return ntk_err(err, -EINVAL, "unknown verb '%s' in %s", verb, ctx);

        while ((kw = tok_next(t))) {
                if (streq(kw, "dev")) {
                        r = dup_check(have_dev, kw, ctx, err);
                        if (r >= 0)
                                r = tok_value(t, kw, ctx, &v, err);
                        if (r >= 0)
                                r = take_ifname(v, op->addr.dev, err);
                        have_dev = true;
                } else if (!have_addr) {
                        r = parse_ifaddr(kw, &op->addr.addr);
                        if (r < 0)
                                r = ntk_err(err, -EINVAL, "invalid address '%s' in %s", kw, ctx);
                        have_addr = true;
                } else
                        r = ntk_err(err, -EINVAL, "unexpected token '%s' in %s", kw, ctx);
                if (r < 0)
                        return r;
        }
        if (!have_addr)
                return ntk_err(err, -EINVAL, "missing address in %s %s", ctx, verb);
        if (!have_dev)
                return ntk_err(err, -EINVAL, "missing 'dev' in %s %s", ctx, verb);
        return 0;
}

static int parse_route(Tokens *t, NtkOp *op, NtkErr *err)
{
        static const char ctx[] = "route";
        bool have_table = false, have_dev = false;
        const char *verb = tok_next(t), *tok, *v = NULL;
        int r;

        if (!verb)
                return ntk_err(err, -EINVAL, "missing verb after 'ip route'");
        if (streq(verb, "add"))
                op->kind = NTK_OP_ROUTE_ADD;
        else if (streq(verb, "change"))
                op->kind = NTK_OP_ROUTE_CHANGE;
        else if (streq(verb, "del") || streq(verb, "delete"))
                op->kind = NTK_OP_ROUTE_DEL;
        else if (streq(verb, "flush"))
                op->kind = NTK_OP_ROUTE_FLUSH;
        else
                return ntk_err(err, -EINVAL, "unknown verb '%s' in %s", verb, ctx);

        if (op->kind == NTK_OP_ROUTE_FLUSH) {
                /* Only a whole table is ever flushed, and it is always named. */
                r = tok_expect(t, "table", "ip route flush", err);
                if (r >= 0)
                        r = tok_value(t, "table", ctx, &v, err);
                if (r >= 0)
                        r = take_table(v, op->route.table, err);
                if (r >= 0)
                        r = tok_end(t, ctx, err);
                return r;
        }

        tok = tok_next(t);
        if (!tok)
                return ntk_err(err, -EINVAL, "missing destination after '%s' in %s", verb, ctx);
        op->route.type = NTK_ROUTE_UNICAST;
        for (NtkRouteType k = 0; k < _NTK_ROUTE_TYPE_MAX; k++)
                if (streq(tok, route_type_table[k])) {
                        op->route.type = k;
                        tok = tok_next(t);
                        if (!tok)
                                return ntk_err(err, -EINVAL, "missing destination after '%s' in %s",
                                        route_type_table[k], ctx);
                        break;
                }
        r = take_network(tok, "destination", &op->route.dst, err);
        if (r < 0)
                return r;

        copy_name(op->route.table, NTK_NAME_MAX, "main");
        while ((tok = tok_next(t))) {
                if (streq(tok, "table")) {
                        r = dup_check(have_table, tok, ctx, err);
                        if (r >= 0)
                                r = tok_value(t, tok, ctx, &v, err);
                        if (r >= 0)
                                r = take_table(v, op->route.table, err);
                        have_table = true;
                } else if (streq(tok, "via")) {
                        r = dup_check(op->route.has_via, tok, ctx, err);
                        if (r >= 0)
                                r = tok_value(t, tok, ctx, &v, err);
                        if (r >= 0)
                                r = take_ipv4(v, "gateway", &op->route.via, err);
                        op->route.has_via = true;
                } else if (streq(tok, "dev")) {
                        r = dup_check(have_dev, tok, ctx, err);
                        if (r >= 0)
                                r = tok_value(t, tok, ctx, &v, err);
                        if (r >= 0)
                                r = take_ifname(v, op->route.dev, err);
                        have_dev = true;
                } else if (streq(tok, "src")) {
                        r = dup_check(op->route.has_src, tok, ctx, err);
                        if (r >= 0)
                                r = tok_value(t, tok, ctx, &v, err);
                        if (r >= 0)
                                r = take_ipv4(v, "source", &op->route.src, err);
                        op->route.has_src = true;
                } else
                        r = ntk_err(err, -EINVAL, "unexpected token '%s' in %s", tok, ctx);
                if (r < 0)
                        return r;
        }

        if (op->route.type != NTK_ROUTE_UNICAST && (op->route.has_via || have_dev))
                return ntk_err(err, -EINVAL, "'%s' is not allowed on a route of type '%s'",
                        op->route.has_via ? "via" : "dev", route_type_table[op->route.type]);
        return 0;
}

/* ip rule (add|del) [fwmark M] table T */
static int parse_rule(Tokens *t, NtkOp *op, NtkErr *err)
{
        static const char ctx[] = "ip rule";
        bool have_table = false;
        const char *verb = tok_next(t), *kw, *v = NULL;
        int r;

        if (!verb)
                return ntk_err(err, -EINVAL, "missing verb after 'ip rule'");
        if (streq(verb, "add"))
                op->kind = NTK_OP_RULE_ADD;
        else if (streq(verb, "del") || streq(verb, "delete"))
                op->kind = NTK_OP_RULE_DEL;
        else
                return ntk_err(err, -EINVAL, "unknown verb '%s' in %s", verb, ctx);

        while ((kw = tok_next(t))) {
                if (streq(kw, "fwmark")) {
                        r = dup_check(op->rule.has_fwmark, kw, ctx, err);
                        if (r >= 0)
                                r = tok_value(t, kw, ctx, &v, err);
                        if (r >= 0)
                                r = take_u32(v, "fwmark", UINT32_MAX, &op->rule.fwmark, err);
                        op->rule.has_fwmark = true;
                } else if (streq(kw, "table")) {
                        r = dup_check(have_table, kw, ctx, err);
                        if (r >= 0)
                                r = tok_value(t, kw, ctx, &v, err);
                        if (r >= 0)
                                r = take_table(v, op->rule.table, err);
                        have_table = true;
                } else
                        r = ntk_err(err, -EINVAL, "unexpected token '%s' in %s", kw, ctx);
                if (r < 0)
                        return r;
        }
        if (!have_table)
                return ntk_err(err, -EINVAL, "missing 'table' in %s %s", ctx, verb);
        return 0;
}

static int parse_ip(Tokens *t, NtkOp *op, NtkErr *err)
{
        const char *obj = tok_next(t);

        if (!obj)
                return ntk_err(err, -EINVAL, "missing object after 'ip'");
        if (streq(obj, "netns"))
                return parse_netns(t, op, err);
        if (streq(obj, "link"))
                return parse_link(t, op, err);
        if (streq(obj, "address") || streq(obj, "addr"))
                return parse_addr(t, op, err);
        if (streq(obj, "route"))
                return parse_route(t, op, err);
        if (streq(obj, "rule"))
                return parse_rule(t, op, err);
        return ntk_err(err, -EINVAL, "unknown object '%s' after 'ip'", obj);
}

/* sysctl KEY=VALUE */
static int parse_sysctl(Tokens *t, NtkOp *op, NtkErr *err)
{
        char key[NTK_SYSCTL_KEY_MAX];
        const char *kv = tok_next(t), *eq;
        size_t n;

        if (!kv)
                return ntk_err(err, -EINVAL, "missing KEY=VALUE after 'sysctl'");
        eq = strchr(kv, '=');
        if (!eq)
                return ntk_err(err, -EINVAL, "expected KEY=VALUE after 'sysctl', got '%s'", kv);
        n = (size_t) (eq - kv);
        if (n >= sizeof(key))
                return ntk_err(err, -EINVAL, "sysctl key in '%s' is too long", kv);
        memcpy(key, kv, n);
        key[n] = '\0';
        if (!sysctl_key_valid(key))
                return ntk_err(err, -EINVAL, "invalid sysctl key '%s' (only keys under net. are ours)", key);
        if (!sysctl_value_valid(eq + 1))
                return ntk_err(err, -EINVAL, "invalid sysctl value '%s' for '%s'", eq + 1, key);

        op->kind = NTK_OP_SYSCTL;
        copy_name(op->sysctl.key, sizeof(op->sysctl.key), key);
        copy_name(op->sysctl.value, sizeof(op->sysctl.value), eq + 1);
        return tok_end(t, "sysctl", err);
}

typedef enum Target {
        TARGET_NONE,
        TARGET_MARK,
        TARGET_SNAT,
        TARGET_NETMAP,
} Target;

/* iptables -t mangle -A|-D PREROUTING -m mac --mac-source MAC -j MARK --set-mark M
 * iptables -t nat -A|-D POSTROUTING -d NET -j SNAT --to IP
 * iptables -t nat -A|-D PRE|POSTROUTING -d NET [-s NET] -j NETMAP --to NET */
static int parse_iptables(Tokens *t, NtkOp *op, NtkErr *err)
{
        static const char ctx[] = "iptables";
        bool have_dst = false, have_src = false, have_mac = false, have_mark = false, have_to = false;
        bool match_mac = false, add, mangle;
        const char *table = NULL, *cmd, *chain_name = NULL, *opt, *v = NULL, *target_name = NULL;
        Target target = TARGET_NONE;
        NtkNatChain chain;
        NtkCidr dst = {}, src = {}, to_net = {};
        uint8_t mac[6] = {};
        uint32_t mark = 0, to_ip = 0;
        int r;

        r = tok_expect(t, "-t", ctx, err);
        if (r >= 0)
                r = tok_value(t, "-t", ctx, &table, err);
        if (r < 0)
                return r;
        if (streq(table, "mangle"))
                mangle = true;
        else if (streq(table, "nat"))
                mangle = false;
        else
                return ntk_err(err, -EINVAL, "unsupported iptables table '%s'", table);

        cmd = tok_next(t);
        if (!cmd)
                return ntk_err(err, -EINVAL, "missing -A or -D after '-t %s'", table);
        if (streq(cmd, "-A"))
                add = true;
        else if (streq(cmd, "-D"))
                add = false;
        else
                return ntk_err(err, -EINVAL, "unexpected token '%s' in %s, expected -A or -D", cmd, ctx);
        r = tok_value(t, cmd, ctx, &chain_name, err);
        if (r < 0)
                return r;
        if (streq(chain_name, "PREROUTING"))
                chain = NTK_CHAIN_PREROUTING;
        else if (streq(chain_name, "POSTROUTING"))
                chain = NTK_CHAIN_POSTROUTING;
        else
                return ntk_err(err, -EINVAL, "unsupported chain '%s' in %s", chain_name, ctx);

        while ((opt = tok_next(t))) {
                if (streq(opt, "-m")) {
                        r = dup_check(match_mac, opt, ctx, err);
                        if (r >= 0)
                                r = tok_value(t, opt, ctx, &v, err);
                        if (r >= 0 && !streq(v, "mac"))
                                r = ntk_err(err, -EINVAL, "unsupported match '%s' in %s", v, ctx);
                        match_mac = true;
                } else if (streq(opt, "--mac-source")) {
                        r = dup_check(have_mac, opt, ctx, err);
                        if (r >= 0 && !match_mac)
                                r = ntk_err(err, -EINVAL, "'%s' without '-m mac' in %s", opt, ctx);
                        if (r >= 0)
                                r = tok_value(t, opt, ctx, &v, err);
                        if (r >= 0)
                                r = take_mac(v, mac, err);
                        have_mac = true;
                } else if (streq(opt, "-d")) {
                        r = dup_check(have_dst, opt, ctx, err);
                        if (r >= 0)
                                r = tok_value(t, opt, ctx, &v, err);
                        if (r >= 0)
                                r = take_network(v, "destination", &dst, err);
                        have_dst = true;
                } else if (streq(opt, "-s")) {
                        r = dup_check(have_src, opt, ctx, err);
                        if (r >= 0)
                                r = tok_value(t, opt, ctx, &v, err);
                        if (r >= 0)
                                r = take_network(v, "source", &src, err);
                        have_src = true;
                } else if (streq(opt, "-j")) {
                        r = dup_check(target != TARGET_NONE, opt, ctx, err);
                        if (r >= 0)
                                r = tok_value(t, opt, ctx, &target_name, err);
                        if (r >= 0) {
                                if (streq(target_name, "MARK") && mangle)
                                        target = TARGET_MARK;
                                else if (streq(target_name, "SNAT") && !mangle)
                                        target = TARGET_SNAT;
                                else if (streq(target_name, "NETMAP") && !mangle)
                                        target = TARGET_NETMAP;
                                else
                                        r = ntk_err(err, -EINVAL, "unsupported target '%s' in table %s",
                                                target_name, table);
                        }
                } else if (streq(opt, "--set-mark")) {
                        r = dup_check(have_mark, opt, ctx, err);
                        if (r >= 0 && target != TARGET_MARK)
                                r = ntk_err(err, -EINVAL, "'%s' without '-j MARK' in %s", opt, ctx);
                        if (r >= 0)
                                r = tok_value(t, opt, ctx, &v, err);
                        if (r >= 0)
                                r = take_u32(v, "mark", UINT32_MAX, &mark, err);
                        have_mark = true;
                } else if (streq(opt, "--to")) {
                        r = dup_check(have_to, opt, ctx, err);
                        if (r >= 0 && target != TARGET_SNAT && target != TARGET_NETMAP)
                                r = ntk_err(err, -EINVAL, "'%s' without '-j SNAT' or '-j NETMAP' in %s", opt,
                                        ctx);
                        if (r >= 0)
                                r = tok_value(t, opt, ctx, &v, err);
                        if (r >= 0 && target == TARGET_SNAT)
                                r = take_ipv4(v, "SNAT", &to_ip, err);
                        else if (r >= 0)
                                r = take_network(v, "NETMAP target", &to_net, err);
                        have_to = true;
                } else
                        r = ntk_err(err, -EINVAL, "unexpected token '%s' in %s", opt, ctx);
                if (r < 0)
                        return r;
        }

        if (target == TARGET_NONE)
                return ntk_err(err, -EINVAL, "missing '-j' in %s -t %s", ctx, table);

        if (target == TARGET_MARK) {
                if (chain != NTK_CHAIN_PREROUTING)
                        return ntk_err(err, -EINVAL, "unsupported chain '%s' for -j MARK", chain_name);
                if (!have_mac)
                        return ntk_err(err, -EINVAL, "missing '--mac-source' for -j MARK");
                if (!have_mark)
                        return ntk_err(err, -EINVAL, "missing '--set-mark' for -j MARK");
                if (have_dst || have_src)
                        return ntk_err(
                                err, -EINVAL, "unsupported '%s' with -j MARK", have_dst ? "-d" : "-s");
                op->kind = add ? NTK_OP_MARK_ADD : NTK_OP_MARK_DEL;
                memcpy(op->mark.mac, mac, sizeof(mac));
                op->mark.mark = mark;
                return 0;
        }

        if (match_mac)
                return ntk_err(err, -EINVAL, "unsupported '-m mac' with -j %s", target_name);
        if (!have_dst)
                return ntk_err(err, -EINVAL, "missing '-d' for -j %s", target_name);
        if (!have_to)
                return ntk_err(err, -EINVAL, "missing '--to' for -j %s", target_name);

        if (target == TARGET_SNAT) {
                if (chain != NTK_CHAIN_POSTROUTING)
                        return ntk_err(err, -EINVAL, "unsupported chain '%s' for -j SNAT", chain_name);
                if (have_src)
                        return ntk_err(err, -EINVAL, "unsupported '-s' with -j SNAT");
                op->kind = add ? NTK_OP_SNAT_ADD : NTK_OP_SNAT_DEL;
                op->snat.dst = dst;
                op->snat.to = to_ip;
                return 0;
        }

        op->kind = add ? NTK_OP_NETMAP_ADD : NTK_OP_NETMAP_DEL;
        op->netmap.chain = chain;
        op->netmap.dst = dst;
        op->netmap.has_src = have_src;
        op->netmap.src = src;
        op->netmap.to = to_net;
        return 0;
}

/* "ID NAME" of an rt_tables line, exactly one space between. */
static int parse_rttable_entry(const char *s, uint32_t *ret_id, char ret_name[NTK_NAME_MAX], NtkErr *err)
{
        const char *sp = strchr(s, ' ');
        char id[11];
        size_t n;

        if (!sp)
                return ntk_err(err, -EINVAL, "invalid rt_tables entry '%s', expected 'ID NAME'", s);
        n = (size_t) (sp - s);
        if (n >= sizeof(id))
                return ntk_err(err, -EINVAL, "invalid rt_tables id in '%s'", s);
        memcpy(id, s, n);
        id[n] = '\0';
        if (parse_u32(id, 1, RTTABLE_ID_MAX, ret_id) < 0)
                return ntk_err(err, -EINVAL, "invalid rt_tables id in '%s'", s);
        return take_table(sp + 1, ret_name, err);
}

/* NAME out of "xxx_table_NAME_xxx". */
static int parse_rttable_marker(const char *s, char ret_name[NTK_NAME_MAX], NtkErr *err)
{
        size_t n = strlen(s), pre = strlen(RT_MARKER_PREFIX), suf = strlen(RT_MARKER_SUFFIX);
        char name[NTK_NAME_MAX];

        if (n <= pre + suf || n - pre - suf >= sizeof(name) || !startswith(s, RT_MARKER_PREFIX) ||
                !streq(s + n - suf, RT_MARKER_SUFFIX))
                return ntk_err(err, -EINVAL, "invalid rt_tables marker '%s'", s);
        memcpy(name, s + pre, n - pre - suf);
        name[n - pre - suf] = '\0';
        return take_table(name, ret_name, err);
}

/* (echo; echo "ID NAME # xxx_table_NAME_xxx") | tee -a /etc/iproute2/rt_tables >/dev/null */
static int parse_rttable_echo(Tokens *t, NtkOp *op, NtkErr *err)
{
        static const char ctx[] = "the rt_tables append line";
        const char *tok, *name = NULL;
        char marker[NTK_NAME_MAX + 16], expected[NTK_NAME_MAX + 16];
        size_t n;
        int r;

        op->kind = NTK_OP_RTTABLE_ADD;
        r = tok_expect(t, "echo", ctx, err);
        if (r < 0)
                return r;
        tok = tok_next(t);
        if (!tok || tok[0] != '"')
                return ntk_err(err, -EINVAL, "expected '\"ID' in %s, got '%s'", ctx, tok ?: "");
        r = take_u32(tok + 1, "rt_tables id", RTTABLE_ID_MAX, &op->rttable.id, err);
        if (r < 0)
                return r;
        r = tok_value(t, tok, ctx, &name, err);
        if (r >= 0)
                r = take_table(name, op->rttable.name, err);
        if (r >= 0)
                r = tok_expect(t, "#", ctx, err);
        if (r < 0)
                return r;

        tok = tok_next(t);
        n = tok ? strlen(tok) : 0;
        if (n < 2 || !streq(tok + n - 2, "\")") || n - 2 >= sizeof(marker))
                return ntk_err(err, -EINVAL, "expected 'MARKER\")' in %s, got '%s'", ctx, tok ?: "");
        memcpy(marker, tok, n - 2);
        marker[n - 2] = '\0';
        snprintf(expected, sizeof(expected), RT_MARKER_PREFIX "%s" RT_MARKER_SUFFIX, name);
        if (!streq(marker, expected))
                return ntk_err(
                        err, -EINVAL, "rt_tables marker '%s' does not match table '%s'", marker, name);

        r = tok_expect(t, "|", ctx, err);
        if (r >= 0)
                r = tok_expect(t, "tee", ctx, err);
        if (r >= 0)
                r = tok_expect(t, "-a", ctx, err);
        if (r >= 0)
                r = tok_expect(t, RT_TABLES_PATH, ctx, err);
        if (r >= 0)
                r = tok_expect(t, ">/dev/null", ctx, err);
        if (r >= 0)
                r = tok_end(t, ctx, err);
        return r;
}

/* sed -i '/xxx_table_NAME_xxx/d' /etc/iproute2/rt_tables           (documents: remove the line)
 * sed -i s/ID reserved_ntk_from_ID/ID NAME/ /etc/iproute2/rt_tables  (code, argv form: take a reserved id)
 * sed -i s/ID NAME/ID reserved_ntk_from_ID/ /etc/iproute2/rt_tables  (code, argv form: give it back) */
static int parse_sed(Tokens *t, NtkOp *op, NtkErr *err)
{
        char expr[NTK_OP_TEXT_MAX], x[NTK_OP_TEXT_MAX], y[NTK_OP_TEXT_MAX];
        char xname[NTK_NAME_MAX], yname[NTK_NAME_MAX], reserved[NTK_NAME_MAX];
        uint32_t xid, yid;
        const char *first, *slash, *end;
        size_t len = 0;
        bool x_reserved, y_reserved;
        int r;

        r = tok_expect(t, "-i", "sed", err);
        if (r < 0)
                return r;
        if (t->n - t->i < 2)
                return ntk_err(err, -EINVAL, "expected 'sed -i EXPRESSION " RT_TABLES_PATH "'");
        if (!streq(t->v[t->n - 1], RT_TABLES_PATH))
                return ntk_err(
                        err, -EINVAL, "unsupported sed target '%s', only " RT_TABLES_PATH, t->v[t->n - 1]);

        first = t->v[t->i];
        if (first[0] == '\'') {
                size_t n = strlen(first);
                char marker[NTK_OP_TEXT_MAX];

                if (t->n - t->i != 2 || n < 6 || !startswith(first, "'/") || !streq(first + n - 3, "/d'"))
                        return ntk_err(err, -EINVAL, "unsupported sed expression '%s'", first);
                memcpy(marker, first + 2, n - 5);
                marker[n - 5] = '\0';
                op->kind = NTK_OP_RTTABLE_DEL;
                return parse_rttable_marker(marker, op->rttable.name, err);
        }

        /* The argv form is one argument with spaces in it; the tokenizer split it, so join it back. */
        for (size_t i = t->i; i < t->n - 1; i++) {
                size_t n = strlen(t->v[i]);
                if (len + n + 2 > sizeof(expr))
                        return ntk_err(err, -EINVAL, "sed expression too long");
                if (len > 0)
                        expr[len++] = ' ';
                memcpy(expr + len, t->v[i], n);
                len += n;
        }
        expr[len] = '\0';

        if (!startswith(expr, "s/"))
                return ntk_err(err, -EINVAL, "unsupported sed expression '%s'", expr);
        slash = strchr(expr + 2, '/');
        end = slash ? strchr(slash + 1, '/') : NULL;
        if (!end || end[1] != '\0')
                return ntk_err(err, -EINVAL, "unsupported sed expression '%s'", expr);
        memcpy(x, expr + 2, (size_t) (slash - expr - 2));
        x[slash - expr - 2] = '\0';
        memcpy(y, slash + 1, (size_t) (end - slash - 1));
        y[end - slash - 1] = '\0';

        r = parse_rttable_entry(x, &xid, xname, err);
        if (r >= 0)
                r = parse_rttable_entry(y, &yid, yname, err);
        if (r < 0)
                return r;
        if (xid != yid)
                return ntk_err(err, -EINVAL, "sed expression '%s' changes the table id", expr);

        snprintf(reserved, sizeof(reserved), RT_RESERVED_PREFIX "%u", (unsigned) xid);
        x_reserved = streq(xname, reserved);
        y_reserved = streq(yname, reserved);
        if (x_reserved == y_reserved)
                return ntk_err(err, -EINVAL, "sed expression '%s' neither takes nor gives back '%s'", expr,
                        reserved);

        op->kind = x_reserved ? NTK_OP_RTTABLE_ADD : NTK_OP_RTTABLE_DEL;
        op->rttable.id = xid;
        copy_name(op->rttable.name, NTK_NAME_MAX, x_reserved ? yname : xname);
        return 0;
}

int ntk_op_parse(const char *line, char ret_netns[NTK_NAME_MAX], NtkOp *ret, NtkErr *err)
{
        char netns[NTK_NAME_MAX] = "";
        const char *cmd;
        Tokens t;
        NtkOp op;
        int r;

        if (!line || !ret)
                return ntk_err(err, -EINVAL, "no command line to parse");
        r = tokenize(line, &t, err);
        if (r < 0)
                return r;

        if (t.n >= 3 && streq(t.v[0], "ip") && streq(t.v[1], "netns") && streq(t.v[2], "exec")) {
                if (t.n == 3)
                        return ntk_err(err, -EINVAL, "'ip netns exec' without a namespace");
                r = take_netns(t.v[3], netns, err);
                if (r < 0)
                        return r;
                if (t.n == 4)
                        return ntk_err(err, -EINVAL, "'ip netns exec %s' without a command", netns);
                t.i = 4;
        }

        memset(&op, 0, sizeof(op));
        cmd = tok_next(&t);
        if (streq(cmd, "ip"))
                r = parse_ip(&t, &op, err);
        else if (streq(cmd, "sysctl"))
                r = parse_sysctl(&t, &op, err);
        else if (streq(cmd, "iptables"))
                r = parse_iptables(&t, &op, err);
        else if (streq(cmd, "sed"))
                r = parse_sed(&t, &op, err);
        else if (streq(cmd, "(echo;"))
                r = parse_rttable_echo(&t, &op, err);
        else
                r = ntk_err(err, -EINVAL, "unknown command '%s'", cmd);
        if (r < 0)
                return r;

        if (netns[0] != '\0' && kind_is_rttable(op.kind))
                return ntk_err(
                        err, -EINVAL, "'ip netns exec %s' cannot apply to rt_tables, shared by all", netns);

        *ret = op;
        if (ret_netns)
                copy_name(ret_netns, NTK_NAME_MAX, netns);
        return 0;
}

/* ---- equality ---- */

static bool name_eq(const char *a, const char *b, size_t size)
{
        return strncmp(a, b, size) == 0;
}

static bool cidr_eq(NtkCidr a, NtkCidr b)
{
        return a.addr == b.addr && a.prefix == b.prefix;
}

bool ntk_op_equal(const NtkOp *a, const NtkOp *b)
{
        if (!a || !b || a->kind != b->kind)
                return false;

        switch (a->kind) {
        case NTK_OP_NETNS_ADD:
        case NTK_OP_NETNS_DEL:
                return name_eq(a->netns.name, b->netns.name, NTK_NAME_MAX);
        case NTK_OP_LINK_ADD_MACVLAN:
                return name_eq(a->link.ifname, b->link.ifname, NTK_IFNAME_MAX) &&
                       name_eq(a->link.parent, b->link.parent, NTK_IFNAME_MAX);
        case NTK_OP_LINK_DEL:
        case NTK_OP_LINK_SET_UP:
                return name_eq(a->link.ifname, b->link.ifname, NTK_IFNAME_MAX);
        case NTK_OP_LINK_SET_NETNS:
                return name_eq(a->link.ifname, b->link.ifname, NTK_IFNAME_MAX) &&
                       name_eq(a->link.target, b->link.target, NTK_NAME_MAX);
        case NTK_OP_LINK_SET_MAC:
                return name_eq(a->link.ifname, b->link.ifname, NTK_IFNAME_MAX) &&
                       memcmp(a->link.mac, b->link.mac, sizeof(a->link.mac)) == 0;
        case NTK_OP_SYSCTL:
                return name_eq(a->sysctl.key, b->sysctl.key, NTK_SYSCTL_KEY_MAX) &&
                       name_eq(a->sysctl.value, b->sysctl.value, NTK_SYSCTL_VALUE_MAX);
        case NTK_OP_ADDR_ADD:
        case NTK_OP_ADDR_DEL:
                return cidr_eq(a->addr.addr, b->addr.addr) &&
                       name_eq(a->addr.dev, b->addr.dev, NTK_IFNAME_MAX);
        case NTK_OP_ROUTE_ADD:
        case NTK_OP_ROUTE_CHANGE:
        case NTK_OP_ROUTE_DEL:
                return a->route.type == b->route.type && cidr_eq(a->route.dst, b->route.dst) &&
                       name_eq(a->route.table, b->route.table, NTK_NAME_MAX) &&
                       a->route.has_via == b->route.has_via &&
                       (!a->route.has_via || a->route.via == b->route.via) &&
                       name_eq(a->route.dev, b->route.dev, NTK_IFNAME_MAX) &&
                       a->route.has_src == b->route.has_src &&
                       (!a->route.has_src || a->route.src == b->route.src);
        case NTK_OP_ROUTE_FLUSH:
                return name_eq(a->route.table, b->route.table, NTK_NAME_MAX);
        case NTK_OP_RULE_ADD:
        case NTK_OP_RULE_DEL:
                return a->rule.has_fwmark == b->rule.has_fwmark &&
                       (!a->rule.has_fwmark || a->rule.fwmark == b->rule.fwmark) &&
                       name_eq(a->rule.table, b->rule.table, NTK_NAME_MAX);
        case NTK_OP_RTTABLE_ADD:
                return a->rttable.id == b->rttable.id &&
                       name_eq(a->rttable.name, b->rttable.name, NTK_NAME_MAX);
        case NTK_OP_RTTABLE_DEL:
                /* A removal is by name (that is all its text says); the id is at most informative. */
                return name_eq(a->rttable.name, b->rttable.name, NTK_NAME_MAX);
        case NTK_OP_MARK_ADD:
        case NTK_OP_MARK_DEL:
                return memcmp(a->mark.mac, b->mark.mac, sizeof(a->mark.mac)) == 0 &&
                       a->mark.mark == b->mark.mark;
        case NTK_OP_SNAT_ADD:
        case NTK_OP_SNAT_DEL:
                return cidr_eq(a->snat.dst, b->snat.dst) && a->snat.to == b->snat.to;
        case NTK_OP_NETMAP_ADD:
        case NTK_OP_NETMAP_DEL:
                return a->netmap.chain == b->netmap.chain && cidr_eq(a->netmap.dst, b->netmap.dst) &&
                       a->netmap.has_src == b->netmap.has_src &&
                       (!a->netmap.has_src || cidr_eq(a->netmap.src, b->netmap.src)) &&
                       cidr_eq(a->netmap.to, b->netmap.to);
        default:
                return false;
        }
}
