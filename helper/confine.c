/* confine.c — every rule that keeps ntk-helper inside ntk's own objects; one function per op family.
 * Must not: do I/O; a refusal always names the value that was refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "confine.h"

#define LINKLOCAL ((NtkCidr){ .addr = 0xa9fe0000u, .prefix = 16 }) /* 169.254.0.0/16 */

static bool cidr_inside(NtkCidr outer, NtkCidr inner)
{
        return inner.prefix >= outer.prefix && ntk_cidr_contains(outer, inner.addr);
}

static bool ip_inside(NtkCidr outer, uint32_t ip)
{
        return ntk_cidr_contains(outer, ip);
}

static bool mac_unicast(const uint8_t mac[6])
{
        static const uint8_t zero[6];
        return (mac[0] & 1) == 0 && memcmp(mac, zero, 6) != 0;
}

static const char *ns_name(const char *netns)
{
        return netns[0] ? netns : "default";
}

bool confine_table_name_ok(const char *name, uint32_t id)
{
        uint8_t mac[6];
        char canon[NTK_MAC_STRLEN];

        if (streq(name, "ntk"))
                return id == NTK_TABLE_ID_NTK;
        if (!startswith(name, "ntk_from_") || ntk_mac_parse(name + strlen("ntk_from_"), mac) < 0)
                return false;
        /* one spelling per MAC: upper case, as the documents write it */
        if (!streq(ntk_mac_format(mac, canon), name + strlen("ntk_from_")))
                return false;
        return id >= NTK_TABLE_ID_FIRST && id <= NTK_TABLE_ID_LAST;
}

ConfineVerdict confine_netns(const HelperState *s, const char *netns, NtkErr *err)
{
        if (netns[0] == '\0' || state_has_netns(s, netns))
                return CONFINE_OK;
        ntk_err(err, -EPERM, "namespace '%s' was not created by ntk-helper", netns);
        return CONFINE_NOT_OURS;
}

/* A device ntk may configure in netns: a managed interface (default namespace only) or a pseudo-interface
 * we created that is now in netns. */
static bool dev_ours(const HelperConfig *c, const HelperState *s, const char *netns, const char *dev)
{
        if (netns[0] == '\0' && helper_config_is_managed(c, dev))
                return true;
        return state_find_link(s, netns, dev) != NULL;
}

static ConfineVerdict refuse(NtkErr *err, ConfineVerdict v, const char *fmt, ...) _printf_(3, 4);
static ConfineVerdict refuse(NtkErr *err, ConfineVerdict v, const char *fmt, ...)
{
        if (err) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(err->msg, sizeof err->msg, fmt, ap);
                va_end(ap);
        }
        return v;
}

ConfineVerdict confine_dev(const HelperConfig *c, const HelperState *s, const char *netns, const char *dev,
        NtkErr *err)
{
        if (dev_ours(c, s, netns, dev))
                return CONFINE_OK;
        return refuse(err, CONFINE_NOT_OURS, "device '%s' in namespace %s is neither managed nor created by ntk",
                dev, ns_name(netns));
}

static ConfineVerdict check_link(const HelperConfig *c, const HelperState *s, const char *netns, const NtkOp *op,
        NtkErr *err)
{
        const char *dev = op->link.ifname;

        switch (op->kind) {
        case NTK_OP_LINK_ADD_MACVLAN:
                if (netns[0] != '\0')
                        return refuse(err, CONFINE_NOT_OURS,
                                "macvlan '%s' must be created in the default namespace, not in %s", dev, netns);
                if (!helper_config_is_managed(c, op->link.parent))
                        return refuse(err, CONFINE_NOT_OURS, "parent '%s' of macvlan '%s' is not a managed interface",
                                op->link.parent, dev);
                if (helper_config_is_managed(c, dev) || state_find_link(s, netns, dev))
                        return refuse(err, CONFINE_INVALID, "interface '%s' already exists", dev);
                return CONFINE_OK;
        case NTK_OP_LINK_DEL:
        case NTK_OP_LINK_SET_MAC:
        case NTK_OP_LINK_SET_NETNS:
                if (!state_find_link(s, netns, dev))
                        return refuse(err, CONFINE_NOT_OURS, "interface '%s' in namespace %s was not created by ntk",
                                dev, ns_name(netns));
                if (op->kind == NTK_OP_LINK_SET_MAC && !mac_unicast(op->link.mac)) {
                        char m[NTK_MAC_STRLEN];
                        return refuse(err, CONFINE_INVALID, "MAC %s for '%s' is not a unicast address",
                                ntk_mac_format(op->link.mac, m), dev);
                }
                if (op->kind == NTK_OP_LINK_SET_NETNS &&
                    (!state_has_netns(s, op->link.target) || streq(op->link.target, netns)))
                        return refuse(err, CONFINE_NOT_OURS, "target namespace '%s' was not created by ntk",
                                op->link.target);
                return CONFINE_OK;
        case NTK_OP_LINK_SET_UP:
                return confine_dev(c, s, netns, dev, err);
        default:
                return refuse(err, CONFINE_INVALID, "not a link op");
        }
}

static ConfineVerdict check_sysctl(const HelperConfig *c, const HelperState *s, const char *netns, const NtkOp *op,
        NtkErr *err)
{
        const char *k = op->sysctl.key, *v = op->sysctl.value;
        static const char *const conf_keys[] = { "rp_filter", "arp_ignore", "arp_announce" };
        bool allowed = false;

        if (streq(k, "net.ipv4.ip_forward") || streq(k, "net.ipv4.conf.all.rp_filter"))
                allowed = true;
        else if (startswith(k, "net.ipv4.conf.")) {
                const char *dev = k + strlen("net.ipv4.conf."), *dot = strrchr(dev, '.');
                char name[NTK_IFNAME_MAX];
                size_t len = dot ? (size_t) (dot - dev) : 0;

                if (dot && len > 0 && len < sizeof name) {
                        memcpy(name, dev, len);
                        name[len] = '\0';
                        for (size_t i = 0; i < ELEMENTSOF(conf_keys); i++)
                                if (streq(dot + 1, conf_keys[i])) {
                                        if (!dev_ours(c, s, netns, name))
                                                return refuse(err, CONFINE_NOT_OURS,
                                                        "sysctl '%s': device '%s' is not ntk's", k, name);
                                        allowed = true;
                                }
                }
        }
        if (!allowed)
                return refuse(err, CONFINE_NOT_OURS, "sysctl '%s' is not on the allow-list", k);
        if (!streq(v, "0") && !streq(v, "1") && !streq(v, "2"))
                return refuse(err, CONFINE_INVALID, "sysctl '%s': value '%s' is not 0, 1 or 2", k, v);
        return CONFINE_OK;
}

static ConfineVerdict check_addr(const HelperConfig *c, const HelperState *s, const char *netns, const NtkOp *op,
        NtkErr *err)
{
        char b[NTK_CIDR_STRLEN];
        NtkCidr a = op->addr.addr;

        if (a.prefix != 32)
                return refuse(err, CONFINE_INVALID, "address %s: ntk assigns only /32 addresses",
                        ntk_cidr_format(a, b));
        if (streq(op->addr.dev, "lo")) {
                if (!ip_inside(c->range, a.addr))
                        return refuse(err, CONFINE_NOT_OURS, "address %s on lo is outside the Netsukuku range",
                                ntk_cidr_format(a, b));
                return CONFINE_OK;
        }
        if (!ip_inside(c->range, a.addr) && !ip_inside(LINKLOCAL, a.addr))
                return refuse(err, CONFINE_NOT_OURS, "address %s is outside the Netsukuku range and 169.254.0.0/16",
                        ntk_cidr_format(a, b));
        return confine_dev(c, s, netns, op->addr.dev, err);
}

static ConfineVerdict check_route(const HelperConfig *c, const HelperState *s, const char *netns, const NtkOp *op,
        NtkErr *err)
{
        char b[NTK_CIDR_STRLEN], ib[NTK_IPV4_STRLEN];
        ConfineVerdict v;

        if (op->kind == NTK_OP_ROUTE_FLUSH) {
                if (streq(op->route.table, "main")) {
                        if (netns[0] == '\0')
                                return refuse(err, CONFINE_NOT_OURS,
                                        "table main of the default namespace is not ntk's to flush");
                        return CONFINE_OK;
                }
                if (!state_find_table(s, op->route.table))
                        return refuse(err, CONFINE_NOT_OURS, "table '%s' is not registered by ntk", op->route.table);
                return CONFINE_OK;
        }

        if (streq(op->route.table, "main")) {
                /* only the host routes to neighbours' link-locals (kernel-rules E9) */
                if (op->kind == NTK_OP_ROUTE_CHANGE || op->route.type != NTK_ROUTE_UNICAST || op->route.has_via ||
                    op->route.dst.prefix != 32 || !ip_inside(LINKLOCAL, op->route.dst.addr))
                        return refuse(err, CONFINE_NOT_OURS,
                                "route %s in table main: ntk only adds and deletes host routes to 169.254.0.0/16",
                                ntk_cidr_format(op->route.dst, b));
                if (op->route.has_src && !ip_inside(LINKLOCAL, op->route.src))
                        return refuse(err, CONFINE_NOT_OURS, "route %s in table main: src %s is not a link-local",
                                ntk_cidr_format(op->route.dst, b), ntk_ipv4_format(op->route.src, ib));
        } else {
                if (!state_find_table(s, op->route.table))
                        return refuse(err, CONFINE_NOT_OURS, "table '%s' is not registered by ntk", op->route.table);
                if (!cidr_inside(c->range, op->route.dst))
                        return refuse(err, CONFINE_NOT_OURS, "route destination %s is outside the Netsukuku range",
                                ntk_cidr_format(op->route.dst, b));
                if (op->route.has_via && !ip_inside(LINKLOCAL, op->route.via))
                        return refuse(err, CONFINE_NOT_OURS, "gateway %s is not a link-local address",
                                ntk_ipv4_format(op->route.via, ib));
                if (op->route.has_src && !ip_inside(c->range, op->route.src))
                        return refuse(err, CONFINE_NOT_OURS, "source %s is outside the Netsukuku range",
                                ntk_ipv4_format(op->route.src, ib));
        }
        if (op->route.type == NTK_ROUTE_UNICAST && op->kind != NTK_OP_ROUTE_DEL && op->route.dev[0] == '\0')
                return refuse(err, CONFINE_INVALID, "route %s needs a device", ntk_cidr_format(op->route.dst, b));
        if (op->route.dev[0]) {
                v = confine_dev(c, s, netns, op->route.dev, err);
                if (v != CONFINE_OK)
                        return v;
        }
        return CONFINE_OK;
}

static ConfineVerdict check_rule(const HelperState *s, const NtkOp *op, NtkErr *err)
{
        const StateTable *t = state_find_table(s, op->rule.table);

        if (!t)
                return refuse(err, CONFINE_NOT_OURS, "rule to table '%s': not a table registered by ntk",
                        op->rule.table);
        if (op->rule.has_fwmark && op->rule.fwmark != t->id)
                return refuse(err, CONFINE_NOT_OURS, "rule fwmark %u must equal the id %u of table '%s'",
                        op->rule.fwmark, t->id, t->name);
        if (!op->rule.has_fwmark && t->id != NTK_TABLE_ID_NTK)
                return refuse(err, CONFINE_NOT_OURS, "a rule without fwmark may only point at table ntk, not '%s'",
                        t->name);
        return CONFINE_OK;
}

static ConfineVerdict check_rttable(const HelperState *s, const char *netns, const NtkOp *op, NtkErr *err)
{
        const StateTable *t;

        if (netns[0] != '\0')
                return refuse(err, CONFINE_INVALID, "rt_tables entries are global: apply '%s' in the default namespace",
                        op->rttable.name);
        if (op->kind == NTK_OP_RTTABLE_DEL) {
                if (!state_find_table(s, op->rttable.name))
                        return refuse(err, CONFINE_NOT_OURS, "table '%s' is not registered by ntk", op->rttable.name);
                return CONFINE_OK;
        }
        if (!confine_table_name_ok(op->rttable.name, op->rttable.id))
                return refuse(err, CONFINE_NOT_OURS,
                        "table %u '%s' is not ntk's (ntk = 251, ntk_from_<MAC> = 200..250, MAC in upper case)",
                        op->rttable.id, op->rttable.name);
        if (state_find_table(s, op->rttable.name))
                return refuse(err, CONFINE_INVALID, "table '%s' is already registered", op->rttable.name);
        t = state_find_table_id(s, op->rttable.id);
        if (t)
                return refuse(err, CONFINE_INVALID, "table id %u is already used by '%s'", op->rttable.id, t->name);
        return CONFINE_OK;
}

static ConfineVerdict check_iptables(const HelperConfig *c, const HelperState *s, const NtkOp *op, NtkErr *err)
{
        char b[NTK_CIDR_STRLEN], m[NTK_MAC_STRLEN], ib[NTK_IPV4_STRLEN];
        const StateTable *t;

        switch (op->kind) {
        case NTK_OP_MARK_ADD:
        case NTK_OP_MARK_DEL:
                t = state_find_table_id(s, op->mark.mark);
                if (!t || t->id == NTK_TABLE_ID_NTK)
                        return refuse(err, CONFINE_NOT_OURS, "mark %u is not the id of a forwarding table of ntk",
                                op->mark.mark);
                if (!mac_unicast(op->mark.mac))
                        return refuse(err, CONFINE_INVALID, "MAC %s is not a unicast address",
                                ntk_mac_format(op->mark.mac, m));
                return CONFINE_OK;
        case NTK_OP_SNAT_ADD:
        case NTK_OP_SNAT_DEL:
                if (!cidr_inside(c->range, op->snat.dst))
                        return refuse(err, CONFINE_NOT_OURS, "SNAT match %s is outside the Netsukuku range",
                                ntk_cidr_format(op->snat.dst, b));
                if (!ip_inside(c->range, op->snat.to))
                        return refuse(err, CONFINE_NOT_OURS, "SNAT to %s is outside the Netsukuku range",
                                ntk_ipv4_format(op->snat.to, ib));
                return CONFINE_OK;
        case NTK_OP_NETMAP_ADD:
        case NTK_OP_NETMAP_DEL:
                if (!cidr_inside(c->range, op->netmap.dst) || !cidr_inside(c->range, op->netmap.to) ||
                    (op->netmap.has_src && !cidr_inside(c->range, op->netmap.src)))
                        return refuse(err, CONFINE_NOT_OURS, "NETMAP %s: a range is outside the Netsukuku range",
                                ntk_cidr_format(op->netmap.dst, b));
                return CONFINE_OK;
        default:
                return refuse(err, CONFINE_INVALID, "not an iptables op");
        }
}

ConfineVerdict confine_op(const HelperConfig *c, const HelperState *s, const char *netns, const NtkOp *op,
        NtkErr *err)
{
        if (confine_netns(s, netns, err) != CONFINE_OK)
                return CONFINE_NOT_OURS;

        switch (op->kind) {
        case NTK_OP_NETNS_ADD:
        case NTK_OP_NETNS_DEL:
                if (netns[0] != '\0')
                        return refuse(err, CONFINE_INVALID, "namespace '%s' must be managed from the default namespace",
                                op->netns.name);
                if (op->kind == NTK_OP_NETNS_ADD && state_has_netns(s, op->netns.name))
                        return refuse(err, CONFINE_INVALID, "namespace '%s' already exists", op->netns.name);
                if (op->kind == NTK_OP_NETNS_DEL && !state_has_netns(s, op->netns.name))
                        return refuse(err, CONFINE_NOT_OURS, "namespace '%s' was not created by ntk-helper",
                                op->netns.name);
                /* a namespace kept alive by an open socket would keep its macvlans on a managed NIC */
                if (op->kind == NTK_OP_NETNS_DEL && state_netns_has_links(s, op->netns.name))
                        return refuse(err, CONFINE_INVALID,
                                "namespace '%s' still holds pseudo-interfaces: delete them first (DeleteNamespace "
                                "does)", op->netns.name);
                return CONFINE_OK;
        case NTK_OP_LINK_ADD_MACVLAN:
        case NTK_OP_LINK_DEL:
        case NTK_OP_LINK_SET_NETNS:
        case NTK_OP_LINK_SET_MAC:
        case NTK_OP_LINK_SET_UP:
                return check_link(c, s, netns, op, err);
        case NTK_OP_SYSCTL:
                return check_sysctl(c, s, netns, op, err);
        case NTK_OP_ADDR_ADD:
        case NTK_OP_ADDR_DEL:
                return check_addr(c, s, netns, op, err);
        case NTK_OP_ROUTE_ADD:
        case NTK_OP_ROUTE_CHANGE:
        case NTK_OP_ROUTE_DEL:
        case NTK_OP_ROUTE_FLUSH:
                return check_route(c, s, netns, op, err);
        case NTK_OP_RULE_ADD:
        case NTK_OP_RULE_DEL:
                return check_rule(s, op, err);
        case NTK_OP_RTTABLE_ADD:
        case NTK_OP_RTTABLE_DEL:
                return check_rttable(s, netns, op, err);
        case NTK_OP_MARK_ADD:
        case NTK_OP_MARK_DEL:
        case NTK_OP_SNAT_ADD:
        case NTK_OP_SNAT_DEL:
        case NTK_OP_NETMAP_ADD:
        case NTK_OP_NETMAP_DEL:
                return check_iptables(c, s, op, err);
        default:
                return refuse(err, CONFINE_INVALID, "unknown op kind %d", (int) op->kind);
        }
}

ConfineVerdict confine_batch(const HelperConfig *c, const HelperState *s, const char *netns, char *const *lines,
        size_t n, NtkOp **ret, size_t *ret_index, NtkErr *err)
{
        _cleanup_free_ NtkOp *ops = NULL;
        _cleanup_free_ HelperState *scratch = NULL;
        ConfineVerdict v;

        *ret_index = 0;
        if (n > CONFINE_MAX_OPS)
                return refuse(err, CONFINE_INVALID, "a batch of %zu ops is larger than %u", n, CONFINE_MAX_OPS);
        v = confine_netns(s, netns, err);
        if (v != CONFINE_OK)
                return v;

        ops = calloc(n ? n : 1, sizeof(NtkOp));
        scratch = malloc(sizeof *scratch);
        if (!ops || !scratch)
                return refuse(err, CONFINE_INVALID, "out of memory for a batch of %zu ops", n);
        *scratch = *s;

        for (size_t i = 0; i < n; i++) {
                char op_netns[NTK_NAME_MAX];
                NtkErr e;

                *ret_index = i;
                if (strnlen(lines[i], NTK_OP_TEXT_MAX) >= NTK_OP_TEXT_MAX)
                        return refuse(err, CONFINE_INVALID, "op %zu is longer than %d characters: '%.60s…'", i,
                                NTK_OP_TEXT_MAX - 1, lines[i]);
                if (ntk_op_parse(lines[i], op_netns, &ops[i], &e) < 0)
                        return refuse(err, CONFINE_INVALID, "op %zu: %s", i, e.msg);
                if (op_netns[0] != '\0')
                        return refuse(err, CONFINE_INVALID,
                                "op %zu: 'ip netns exec %s' is not allowed: the namespace is the netns argument", i,
                                op_netns);
                v = confine_op(c, scratch, netns, &ops[i], &e);
                if (v != CONFINE_OK)
                        return refuse(err, v, "op %zu: %s (in '%s')", i, e.msg, lines[i]);
                if (state_record(scratch, netns, &ops[i]) < 0)
                        return refuse(err, CONFINE_INVALID, "op %zu: too many objects (in '%s')", i, lines[i]);
        }
        *ret = TAKE_PTR(ops);
        return CONFINE_OK;
}
