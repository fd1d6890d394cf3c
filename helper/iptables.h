/* iptables.h — ntk's iptables rules (MAC marks, SNAT, NETMAP) in ntk's own chains through libiptc, one
 * commit per table. Must not: touch a rule outside the ntk-* chains except the jump into them. */
#pragma once

#include "kops.h"

#define NTK_IPT_COMMENT "ntk"

typedef struct IptExec IptExec;

/* Starts a transaction. Each table is opened when the first op for it is staged, in the calling thread's
 * namespace at that moment: do not change namespace between the first stage and the commit. */
int iptexec_new(IptExec **ret);
IptExec *iptexec_free(IptExec *x);

bool iptexec_handles(NtkOpKind k); /* MARK_*, SNAT_*, NETMAP_* */

/* Stages one op in the transaction: 0; -EEXIST when an add finds the same rule already there;
 * -ENOENT when a delete finds nothing; -EINVAL for a prefix above 32 or a bad NETMAP chain; -EOPNOTSUPP
 * for a kind it does not handle; another -errno from libiptc. Nothing reaches the kernel yet. */
int iptexec_stage(IptExec *x, const NtkOp *op);

/* Commits every table the transaction changed, mangle then nat, stopping at the first failure (a table
 * already committed stays committed): 0 or -errno. The IptExec stays valid and empty; free it after. */
int iptexec_commit(IptExec *x);
