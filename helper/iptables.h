/* iptables.h — ntk's iptables rules (MAC marks, SNAT, NETMAP) in ntk's own chains through libiptc, one
 * commit per table. Must not: touch a rule outside the ntk-* chains except the jump into them. */
#pragma once

#include "kops.h"

#define NTK_IPT_COMMENT "ntk"

typedef struct IptExec IptExec;

/* Starts a transaction in the calling thread's current network namespace. */
int iptexec_new(IptExec **ret);
IptExec *iptexec_free(IptExec *x);

bool iptexec_handles(NtkOpKind k); /* MARK_*, SNAT_*, NETMAP_* */

/* Stages one op in the transaction: 0; -EEXIST when an add finds the same rule already there;
 * -ENOENT when a delete finds nothing; another -errno from libiptc. Nothing reaches the kernel yet. */
int iptexec_stage(IptExec *x, const NtkOp *op);

/* Commits every table the transaction touched (mangle, nat): 0 or -errno. */
int iptexec_commit(IptExec *x);
