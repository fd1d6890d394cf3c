/* state.c — bookkeeping of ntk-helper's own objects; the same code predicts a batch (on a copy) and
 * records what really happened. Must not: do I/O. */
#include <errno.h>
#include <stdio.h>

#include "state.h"

int state_netns_index(const HelperState *s, const char *name)
{
        for (unsigned i = 0; i < s->n_netns; i++)
                if (streq(s->netns[i], name))
                        return (int) i;
        return -1;
}

bool state_has_netns(const HelperState *s, const char *name)
{
        return state_netns_index(s, name) >= 0;
}

bool state_netns_has_links(const HelperState *s, const char *netns)
{
        for (unsigned i = 0; i < s->n_links; i++)
                if (streq(s->links[i].netns, netns))
                        return true;
        return false;
}

const StateLink *state_find_link(const HelperState *s, const char *netns, const char *name)
{
        for (unsigned i = 0; i < s->n_links; i++)
                if (streq(s->links[i].name, name) && streq(s->links[i].netns, netns))
                        return &s->links[i];
        return NULL;
}

const StateTable *state_find_table(const HelperState *s, const char *name)
{
        for (unsigned i = 0; i < s->n_tables; i++)
                if (streq(s->tables[i].name, name))
                        return &s->tables[i];
        return NULL;
}

const StateTable *state_find_table_id(const HelperState *s, uint32_t id)
{
        for (unsigned i = 0; i < s->n_tables; i++)
                if (s->tables[i].id == id)
                        return &s->tables[i];
        return NULL;
}

static void drop_links_where(HelperState *s, const char *netns, const char *name)
{
        unsigned w = 0;

        for (unsigned i = 0; i < s->n_links; i++) {
                bool drop = streq(s->links[i].netns, netns) && (!name || streq(s->links[i].name, name));
                if (!drop)
                        s->links[w++] = s->links[i];
        }
        s->n_links = w;
}

int state_record(HelperState *s, const char *netns, const NtkOp *op)
{
        StateLink *l;

        switch (op->kind) {
        case NTK_OP_NETNS_ADD:
                if (state_has_netns(s, op->netns.name))
                        return 0;
                if (s->n_netns == STATE_MAX_NETNS)
                        return -ENOSPC;
                s->netns_dev[s->n_netns] = s->netns_ino[s->n_netns] = 0;
                snprintf(s->netns[s->n_netns++], NTK_NAME_MAX, "%s", op->netns.name);
                return 0;

        case NTK_OP_NETNS_DEL: {
                unsigned w = 0;
                for (unsigned i = 0; i < s->n_netns; i++)
                        if (!streq(s->netns[i], op->netns.name)) {
                                memcpy(s->netns[w], s->netns[i], NTK_NAME_MAX);
                                s->netns_dev[w] = s->netns_dev[i];
                                s->netns_ino[w] = s->netns_ino[i];
                                w++;
                        }
                s->n_netns = w;
                /* the kernel destroys the macvlans of a namespace that goes away */
                drop_links_where(s, op->netns.name, NULL);
                return 0;
        }

        case NTK_OP_LINK_ADD_MACVLAN:
                if (state_find_link(s, netns, op->link.ifname))
                        return 0;
                if (s->n_links == STATE_MAX_LINKS)
                        return -ENOSPC;
                l = &s->links[s->n_links++];
                *l = (StateLink){};
                snprintf(l->name, sizeof l->name, "%s", op->link.ifname);
                snprintf(l->parent, sizeof l->parent, "%s", op->link.parent);
                snprintf(l->netns, sizeof l->netns, "%s", netns);
                return 0;

        case NTK_OP_LINK_DEL:
                drop_links_where(s, netns, op->link.ifname);
                return 0;

        case NTK_OP_LINK_SET_NETNS:
                l = (StateLink *) state_find_link(s, netns, op->link.ifname);
                if (l)
                        snprintf(l->netns, sizeof l->netns, "%s", op->link.target);
                return 0;

        case NTK_OP_RTTABLE_ADD:
                if (state_find_table(s, op->rttable.name))
                        return 0;
                if (s->n_tables == STATE_MAX_TABLES)
                        return -ENOSPC;
                s->tables[s->n_tables] = (StateTable){ .id = op->rttable.id };
                snprintf(s->tables[s->n_tables].name, NTK_NAME_MAX, "%s", op->rttable.name);
                s->n_tables++;
                return 0;

        case NTK_OP_RTTABLE_DEL: {
                unsigned w = 0;
                for (unsigned i = 0; i < s->n_tables; i++)
                        if (!streq(s->tables[i].name, op->rttable.name))
                                s->tables[w++] = s->tables[i];
                s->n_tables = w;
                return 0;
        }

        default:
                return 0;
        }
}
