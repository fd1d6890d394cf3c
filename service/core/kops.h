/* kops.h — the one C type for every kernel operation ntk-helper performs, its canonical `ip`/
 * `iptables`/`sysctl` text (render) and the parser of that text. Must not: touch the kernel. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "ipv4.h"

#define NTK_NAME_MAX 64   /* namespace and table names, NUL included */
#define NTK_IFNAME_MAX 16 /* IFNAMSIZ, NUL included */
#define NTK_SYSCTL_KEY_MAX 128
#define NTK_SYSCTL_VALUE_MAX 32
#define NTK_OP_TEXT_MAX 512 /* enough for the longest rendered op, netns prefix included */

typedef enum NtkOpKind {
        NTK_OP_NETNS_ADD,        /* ip netns add NAME */
        NTK_OP_NETNS_DEL,        /* ip netns del NAME */
        NTK_OP_LINK_ADD_MACVLAN, /* ip link add dev NAME link PARENT type macvlan */
        NTK_OP_LINK_DEL,         /* ip link delete NAME type macvlan */
        NTK_OP_LINK_SET_NETNS,   /* ip link set dev NAME netns TARGET */
        NTK_OP_LINK_SET_MAC,     /* ip link set dev NAME address MAC */
        NTK_OP_LINK_SET_UP,      /* ip link set dev NAME up */
        NTK_OP_SYSCTL,           /* sysctl KEY=VALUE */
        NTK_OP_ADDR_ADD,         /* ip address add A dev D          (a /32: written without prefix) */
        NTK_OP_ADDR_DEL,         /* ip address del A/32 dev D */
        NTK_OP_ROUTE_ADD,        /* ip route add [unreachable|blackhole] DST [table T] [via GW] [dev D] [src S] */
        NTK_OP_ROUTE_CHANGE,     /* ip route change …                (same shape) */
        NTK_OP_ROUTE_DEL,        /* ip route del …                   (same shape as add) */
        NTK_OP_ROUTE_FLUSH,      /* ip route flush table T */
        NTK_OP_RULE_ADD,         /* ip rule add [fwmark M] table T */
        NTK_OP_RULE_DEL,         /* ip rule del [fwmark M] table T */
        NTK_OP_RTTABLE_ADD,      /* rt_tables entry "ID NAME" */
        NTK_OP_RTTABLE_DEL,      /* remove the rt_tables entry of NAME */
        NTK_OP_MARK_ADD,         /* iptables -t mangle -A PREROUTING -m mac --mac-source MAC -j MARK --set-mark M */
        NTK_OP_MARK_DEL,         /* … -D … */
        NTK_OP_SNAT_ADD,         /* iptables -t nat -A POSTROUTING -d RANGE -j SNAT --to IP */
        NTK_OP_SNAT_DEL,         /* … -D … */
        NTK_OP_NETMAP_ADD,       /* iptables -t nat -A PRE|POSTROUTING -d R [-s R] -j NETMAP --to R */
        NTK_OP_NETMAP_DEL,       /* … -D … */
        _NTK_OP_KIND_MAX,
} NtkOpKind;

typedef enum NtkRouteType {
        NTK_ROUTE_UNICAST,
        NTK_ROUTE_UNREACHABLE,
        NTK_ROUTE_BLACKHOLE,
        _NTK_ROUTE_TYPE_MAX,
} NtkRouteType;

typedef enum NtkNatChain {
        NTK_CHAIN_PREROUTING,
        NTK_CHAIN_POSTROUTING,
        _NTK_CHAIN_MAX,
} NtkNatChain;

/* Routes carry no protocol here: the executor tags every route it writes with protocol `ntk` (15).
 * Namespace names never equal "default" (that word means "no namespace" in render). */
typedef struct NtkOp {
        NtkOpKind kind;
        union {
                struct {
                        char name[NTK_NAME_MAX];
                } netns; /* NETNS_ADD, NETNS_DEL */
                struct {
                        char ifname[NTK_IFNAME_MAX];
                        char parent[NTK_IFNAME_MAX];   /* LINK_ADD_MACVLAN */
                        char target[NTK_NAME_MAX];     /* LINK_SET_NETNS */
                        uint8_t mac[6];                /* LINK_SET_MAC */
                } link;
                struct {
                        char key[NTK_SYSCTL_KEY_MAX];  /* net.ipv4.conf.eth1.rp_filter */
                        char value[NTK_SYSCTL_VALUE_MAX];
                } sysctl;
                struct {
                        NtkCidr addr; /* prefix 32 for every address ntk assigns; host bits may be set */
                        char dev[NTK_IFNAME_MAX];
                } addr;
                struct {
                        NtkRouteType type;
                        NtkCidr dst;
                        char table[NTK_NAME_MAX]; /* "main" when the text names none */
                        bool has_via;
                        uint32_t via;
                        char dev[NTK_IFNAME_MAX]; /* "" when none */
                        bool has_src;
                        uint32_t src;
                } route; /* ROUTE_*; ROUTE_FLUSH uses only table */
                struct {
                        bool has_fwmark;
                        uint32_t fwmark;
                        char table[NTK_NAME_MAX];
                } rule;
                struct {
                        uint32_t id; /* RTTABLE_DEL: informational only, removal goes by name */
                        char name[NTK_NAME_MAX];
                } rttable;
                struct {
                        uint8_t mac[6];
                        uint32_t mark;
                } mark;
                struct {
                        NtkCidr dst;
                        uint32_t to;
                } snat;
                struct {
                        NtkNatChain chain;
                        NtkCidr dst;
                        bool has_src;
                        NtkCidr src;
                        NtkCidr to;
                } netmap;
        };
} NtkOp;

/* Renders op as the documents write it, prefixed with `ip netns exec NETNS ` when netns is neither
 * NULL nor "" nor "default". Returns the length, or -ENOBUFS / -EINVAL. */
int ntk_op_render(const char *netns, const NtkOp *op, char *buf, size_t size);

/* Parses one command line of the documents (also the rt_tables shell idioms) into *ret and the
 * namespace it acts on ("" for the default one). On failure returns -EINVAL with a message that
 * names the offending token, and leaves ret and ret_netns untouched. */
int ntk_op_parse(const char *line, char ret_netns[NTK_NAME_MAX], NtkOp *ret, NtkErr *err);

/* Field-wise equality (ignores bytes of the union that the kind does not use). */
bool ntk_op_equal(const NtkOp *a, const NtkOp *b);

/* Short stable names ("route-add", "unreachable"); NULL when out of range. */
const char *ntk_op_kind_to_string(NtkOpKind k);
const char *ntk_route_type_to_string(NtkRouteType t);
