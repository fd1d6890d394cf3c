/* ipmap.h — the mapping of a Netsukuku address into 10.0.0.0/8 (addressing.md): own IPs, the
 * destination CIDRs in canonical order, the SNAT and NETMAP rules. Must not: do I/O or decide state. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"
#include "ipv4.h"
#include "kops.h"
#include "topology.h"

typedef enum NtkIpKind {
        NTK_IP_GLOBAL,
        NTK_IP_ANONYMOUS,
        NTK_IP_INTERNAL,
        _NTK_IP_KIND_MAX,
} NtkIpKind;

/* Raw formulas of addressing.md §1.3. Each returns 0, or -EDOM when a position the formula reads is
 * virtual (the value is then "not computable"). Levels: 0 <= lvl <= levels, 0 <= k < levels. */
int ntk_ip_global_node(const NtkTopology *t, const NtkAddress *n, uint32_t *ret);
int ntk_ip_anonymizing_node(const NtkTopology *t, const NtkAddress *n, uint32_t *ret);
int ntk_ip_internal_node(const NtkTopology *t, const NtkAddress *n, unsigned k, uint32_t *ret);
int ntk_ip_global_gnode(const NtkTopology *t, const NtkAddress *n, unsigned lvl, NtkCidr *ret);
int ntk_ip_anonymizing_gnode(const NtkTopology *t, const NtkAddress *n, unsigned lvl, NtkCidr *ret);
int ntk_ip_internal_gnode(const NtkTopology *t, const NtkAddress *n, unsigned lvl, unsigned k, NtkCidr *ret);

/* Constants of a topology. */
uint32_t ntk_ip_localhost(const NtkTopology *t);       /* 10.0.0.32 for 4.2.2.2 */
NtkCidr ntk_ip_global_range(const NtkTopology *t);     /* 10.0.0.0/27 */
NtkCidr ntk_ip_anonymous_range(const NtkTopology *t);  /* 10.0.0.64/27 */
NtkCidr ntk_ip_internal_range(const NtkTopology *t, unsigned k); /* every internal-k address */

/* The own addresses of an identity (§1.4); has_* false where not computable. */
typedef struct NtkOwnIps {
        bool has_global;
        uint32_t global;
        bool has_anonymous;
        uint32_t anonymous;
        bool has_internal[NTK_MAX_LEVELS]; /* index k = 1 .. levels-1 */
        uint32_t internal[NTK_MAX_LEVELS];
        uint32_t localhost;
} NtkOwnIps;

void ntk_own_ips(const NtkTopology *t, const NtkAddress *n, NtkOwnIps *ret);

/* The addresses assigned to every managed NIC, in the order of kernel-rules E5: global, anonymous
 * (only when serve_anonymous), internal k = levels-1 .. 1. Returns how many were written (<= max). */
size_t ntk_own_ips_assigned(const NtkTopology *t, const NtkOwnIps *o, bool serve_anonymous, uint32_t *ret,
        size_t max);

/* One destination CIDR of an identity (§1.5). */
typedef struct NtkDest {
        NtkIpKind kind;
        unsigned lvl;  /* the destination g-node (lvl, pos) */
        uint32_t pos;
        unsigned k;    /* internal only: the level of the enclosing g-node the address is internal to */
        NtkCidr cidr;
} NtkDest;

/* Every destination CIDR of n with levels >= subnet_level, in canonical order. *ret is malloc'ed.
 * -EINVAL when subnet_level >= levels, -ENOMEM. */
int ntk_destinations(const NtkTopology *t, const NtkAddress *n, unsigned subnet_level, NtkDest **ret,
        size_t *ret_count);

/* The SNAT rule (§1.6) as an op (add or del); -EDOM when n has no global IP. */
int ntk_snat_op(const NtkTopology *t, const NtkAddress *n, bool add, NtkOp *ret);

/* The NETMAP rules (§1.7) in the code's order for a gateway of a subnet of level s > 0. A pair for
 * level i exists only while the own address it maps to exists (internal[i+1], or the global IP for
 * i = levels-1); the anonymous PREROUTING line only with serve_anonymous. Writes at most max ops and
 * returns how many, or -EINVAL when s is 0 or >= levels. */
int ntk_netmap_ops(const NtkTopology *t, const NtkAddress *n, unsigned s, bool serve_anonymous, bool add,
        NtkOp *ret, size_t max);
#define NTK_NETMAP_MAX (2 * NTK_MAX_LEVELS + 2)
