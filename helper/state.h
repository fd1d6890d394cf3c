/* state.h — what ntk-helper created (namespaces, pseudo-interfaces, registered tables): the model behind
 * the ledger and confinement. Must not: do I/O (ledger.c persists it) or decide what is allowed. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kops.h"

#define STATE_MAX_NETNS 64
#define STATE_MAX_LINKS 256
#define STATE_MAX_TABLES 64

#define NTK_TABLE_ID_NTK 251
#define NTK_TABLE_ID_FIRST 200 /* forwarding tables take 250 down to 200 */
#define NTK_TABLE_ID_LAST 250

typedef struct StateLink {
        char name[NTK_IFNAME_MAX];
        char parent[NTK_IFNAME_MAX];
        char netns[NTK_NAME_MAX]; /* where it is now; "" = default */
} StateLink;

typedef struct StateTable {
        uint32_t id;
        char name[NTK_NAME_MAX];
} StateTable;

typedef struct HelperState {
        char netns[STATE_MAX_NETNS][NTK_NAME_MAX];
        uint64_t netns_dev[STATE_MAX_NETNS]; /* identity of the namespace (nsfs st_dev, st_ino) recorded */
        uint64_t netns_ino[STATE_MAX_NETNS]; /* at creation; 0 = not known yet */
        unsigned n_netns;
        StateLink links[STATE_MAX_LINKS];
        unsigned n_links;
        StateTable tables[STATE_MAX_TABLES];
        unsigned n_tables;
} HelperState;

bool state_has_netns(const HelperState *s, const char *name);
/* Index of namespace name, or -1. */
int state_netns_index(const HelperState *s, const char *name);
/* True while some recorded pseudo-interface lives in netns. */
bool state_netns_has_links(const HelperState *s, const char *netns);
/* The link called name that is in netns, or NULL. */
const StateLink *state_find_link(const HelperState *s, const char *netns, const char *name);
const StateTable *state_find_table(const HelperState *s, const char *name);
const StateTable *state_find_table_id(const HelperState *s, uint32_t id);

/* Records the effect of an op that succeeded in netns ("" = default): namespace added/deleted (with the
 * links in it), macvlan added/deleted/moved, table registered/released. Other kinds change nothing here.
 * Returns -ENOSPC when a fixed-size list is full, 0 otherwise. */
int state_record(HelperState *s, const char *netns, const NtkOp *op);
