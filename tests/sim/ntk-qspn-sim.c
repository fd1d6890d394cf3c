/* ntk-qspn-sim.c — `ntk-qspn-sim SCENARIO.json [--seed S]`: builds the scenario's network in the
 * simulator, plays its events and prints every live identity's map as JSON lines (a stable contract).
 * Must not: accept unknown fields or bad values silently (exit 2 naming them), or use real time.
 *
 * Timing: the identities enter one after the other (each once the network is quiescent); event
 * times `at` are simulated ms counted from the moment the whole network has formed.
 *
 * Events ({"at": ms, "kind": …}): arc_cost/arc_add {a, b, cost}, arc_remove {a, b};
 * enter {name, address, arcs: [{peer, cost}]} — a lone node (qspn.md §3.3);
 * migrate {guest_level, host_level, members: [{old, name, address}], arcs: [{member, peer, cost}],
 * dismiss_after?} — a g-node, arcs between members are carried over; without dismiss_after the old
 * identities stay; make_connectivity {identity, from, to, virtual_pos} (§3.7); dismiss {identity}
 * (§3.8). Names are unique in the whole scenario; dismissed identities are not printed.
 *
 * Checking: names, addresses, fields and values are all checked before anything is simulated. The
 * events are replayed, in the order they will happen, against a model of which identities are alive
 * and which addresses they hold at each moment; a name or an address is judged against that moment.
 * Whether an arc exists at an event's moment (arc_cost / arc_remove of a missing arc, arc_add of an
 * existing one) is known only to the simulation: such an event stops it with exit 2 and a message
 * naming the event and both ends, and nothing is printed on stdout. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define WHERE_MAX 64
#define WHERE_SUB_MAX (WHERE_MAX + 32) /* a field inside a WHERE_MAX place */

static int usage_error(const char *fmt, ...) _printf_(1, 2);

static int usage_error(const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "ntk-qspn-sim: ");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return 2;
}

/* The parsing helpers return 0, 2 after reporting a usage error, or a negative errno. */

static int check_keys(json_t *o, const char *where, const char *const *allowed)
{
        const char *k;
        json_t *v;

        if (!json_is_object(o))
                return usage_error("%s must be an object", where);
        json_object_foreach(o, k, v) {
                bool ok = false;
                for (const char *const *a = allowed; *a && !ok; a++)
                        ok = streq(*a, k);
                if (!ok)
                        return usage_error("unknown field '%s' in %s", k, where);
        }
        return 0;
}

static int get_str(json_t *o, const char *key, const char *where, const char **ret)
{
        json_t *v = json_object_get(o, key);

        if (!v)
                return usage_error("missing field '%s' in %s", key, where);
        if (!json_is_string(v) || json_string_length(v) == 0)
                return usage_error("field '%s' in %s must be a non-empty string", key, where);
        *ret = json_string_value(v);
        return 0;
}

static int get_int(json_t *o, const char *key, const char *where, json_int_t min, json_int_t max, json_int_t *ret)
{
        json_t *v = json_object_get(o, key);

        if (!v)
                return usage_error("missing field '%s' in %s", key, where);
        if (!json_is_integer(v))
                return usage_error("field '%s' in %s must be an integer", key, where);
        if (json_integer_value(v) < min || json_integer_value(v) > max)
                return usage_error("bad value %" JSON_INTEGER_FORMAT " for '%s' in %s: must be in %" JSON_INTEGER_FORMAT
                                   "..%" JSON_INTEGER_FORMAT,
                        json_integer_value(v), key, where, min, max);
        *ret = json_integer_value(v);
        return 0;
}

static int get_array(json_t *o, const char *key, const char *where, json_t **ret)
{
        json_t *v = json_object_get(o, key);

        if (!v)
                return usage_error("missing field '%s' in %s", key, where);
        if (!json_is_array(v) || json_array_size(v) == 0)
                return usage_error("field '%s' in %s must be a non-empty array", key, where);
        *ret = v;
        return 0;
}

/* An address of the topology, in field "address" of o, for the identity `who`: real from level
 * real_from up (a migrating identity keeps its positions below the guest level, virtual or not). */
static int get_address(const NtkTopology *t, json_t *o, const char *where, const char *who, unsigned real_from,
        NtkAddress *ret)
{
        NtkErr err = { "" };
        const char *a;
        int r;

        if ((r = get_str(o, "address", where, &a)))
                return r;
        if (ntk_address_parse(t, a, ret, &err) < 0)
                return usage_error("bad value for 'address' of '%s': %s", who, err.msg);
        if (!ntk_address_real_range(t, ret, real_from, t->levels))
                return usage_error("bad value for 'address' of '%s': '%s' is virtual", who, a);
        return 0;
}

/* Whether a and b have the same positions at levels lvl and above (the same level-lvl g-node). */
static bool same_gnode(const NtkAddress *a, const NtkAddress *b, unsigned lvl)
{
        for (unsigned l = lvl; l < a->levels; l++)
                if (a->pos[l] != b->pos[l])
                        return false;
        return true;
}

/* ------------------------------------------------------------------------------------------------ */
/* the scenario */

enum {
        EV_ARC_COST,
        EV_ARC_REMOVE,
        EV_ARC_ADD,
        EV_ENTER,
        EV_MIGRATE,
        EV_MAKE_CONNECTIVITY,
        EV_DISMISS,
        _EV_MAX,
};

static const char *const ev_kind_names[_EV_MAX] = {
        [EV_ARC_COST] = "arc_cost",
        [EV_ARC_REMOVE] = "arc_remove",
        [EV_ARC_ADD] = "arc_add",
        [EV_ENTER] = "enter",
        [EV_MIGRATE] = "migrate",
        [EV_MAKE_CONNECTIVITY] = "make_connectivity",
        [EV_DISMISS] = "dismiss",
};

/* One identity of the scenario: listed in "identities" or created by an "enter"/"migrate" event. */
typedef struct Ident {
        const char *name;
        NtkAddress addr; /* as given */
        /* the model, advanced by the check in the order the events happen */
        NtkAddress cur;        /* its address (a virtual position after make_connectivity) */
        bool born;             /* it exists */
        bool destroyed;        /* dismissed: events may no longer name it */
        json_int_t dropped_at; /* from then on its address is free; -1: never */
        unsigned conn_from;    /* of connectivity from this level; 0: a main identity */
        int sim;               /* its index in the simulator */
} Ident;

/* A scenario arc: listed in "arcs", or an arc of an "enter" (from the newcomer) or of a "migrate"
 * (from member a's new identity). a and b are Ident indexes, except a in a migrate (member index). */
typedef struct Link {
        const char *a_name, *b_name;
        int a, b;
        json_int_t cost;
} Link;

typedef struct Member {
        const char *old_name;
        int old;   /* the identity that migrates */
        int ident; /* the identity it becomes */
} Member;

typedef struct Ev {
        json_int_t at;
        int kind;
        size_t order; /* index in "events" */
        /* arc events: the two ends; make_connectivity and dismiss: a is the identity */
        const char *a_name, *b_name;
        int a, b;
        json_int_t cost;
        /* enter: the newcomer; enter and migrate: the arcs to the rest of the network */
        int ident;
        Link *links;
        size_t n_links;
        /* migrate */
        Member *members;
        size_t n_members;
        unsigned guest, host;
        json_int_t dismiss_after; /* -1: the old identities stay */
        /* make_connectivity */
        unsigned from, to;
        uint32_t vpos;
} Ev;

typedef struct Scenario {
        json_t *root; /* owns every name below */
        NtkTopology t;
        Ident *ids; /* the listed identities first, then those the events create (file order) */
        size_t n_ids, n_listed;
        Link *arcs;
        size_t n_arcs;
        Ev *evs; /* in file order while parsed, then in the order they happen */
        size_t n_evs;
} Scenario;

static Scenario *scenario_free(Scenario *sc)
{
        if (!sc)
                return NULL;
        for (size_t k = 0; k < sc->n_evs; k++) {
                free(sc->evs[k].links);
                free(sc->evs[k].members);
        }
        free(sc->evs);
        free(sc->arcs);
        free(sc->ids);
        json_decref(sc->root);
        free(sc);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Scenario *, scenario_free);

static int find_ident(const Scenario *sc, const char *name, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (streq(sc->ids[i].name, name))
                        return (int) i;
        return -1;
}

/* Appends an identity (names are unique across the whole scenario); ret receives its index. */
static int ident_add(Scenario *sc, const char *name, const NtkAddress *addr, const char *where, int *ret)
{
        Ident *n;

        if (find_ident(sc, name, sc->n_ids) >= 0)
                return usage_error("duplicate identity name '%s' in %s", name, where);
        n = realloc(sc->ids, (sc->n_ids + 1) * sizeof(Ident));
        if (!n)
                return -ENOMEM;
        sc->ids = n;
        sc->ids[sc->n_ids] = (Ident){ .name = name, .addr = *addr, .cur = *addr, .dropped_at = -1, .sim = -1 };
        *ret = (int) sc->n_ids++;
        return 0;
}

static int parse_identities(Scenario *sc, json_t *list)
{
        static const char *const keys[] = { "name", "address", NULL };

        for (size_t i = 0; i < json_array_size(list); i++) {
                json_t *o = json_array_get(list, i);
                const char *name;
                char where[WHERE_MAX];
                NtkAddress a;
                int r, idx;

                snprintf(where, sizeof where, "identities[%zu]", i);
                if ((r = check_keys(o, where, keys)) || (r = get_str(o, "name", where, &name)) ||
                        (r = get_address(&sc->t, o, where, name, 0, &a)))
                        return r;
                for (size_t j = 0; j < sc->n_ids; j++)
                        if (ntk_address_equal(&sc->ids[j].addr, &a))
                                return usage_error("identity '%s' repeats address '%s'", name,
                                        json_string_value(json_object_get(o, "address")));
                if ((r = ident_add(sc, name, &a, where, &idx)))
                        return r;
                sc->ids[idx].born = true;
        }
        sc->n_listed = sc->n_ids;
        return 0;
}

/* A listed identity, for the arcs the network forms with. */
static int lookup_listed(Scenario *sc, json_t *o, const char *key, const char *where, int *ret)
{
        const char *name;
        int r, i;

        if ((r = get_str(o, key, where, &name)))
                return r;
        i = find_ident(sc, name, sc->n_ids);
        if (i < 0)
                return usage_error("bad value for '%s' in %s: no identity '%s'", key, where, name);
        if ((size_t) i >= sc->n_listed)
                return usage_error("bad value for '%s' in %s: '%s' is created by an event, not listed in 'identities'",
                        key, where, name);
        *ret = i;
        return 0;
}

static int parse_arcs(Scenario *sc, json_t *list)
{
        static const char *const keys[] = { "a", "b", "cost", NULL };

        sc->n_arcs = list ? json_array_size(list) : 0;
        sc->arcs = calloc(sc->n_arcs + 1, sizeof(Link));
        if (!sc->arcs)
                return -ENOMEM;
        for (size_t k = 0; k < sc->n_arcs; k++) {
                json_t *o = json_array_get(list, k);
                Link *x = &sc->arcs[k];
                char where[WHERE_MAX];
                int r;

                snprintf(where, sizeof where, "arcs[%zu]", k);
                if ((r = check_keys(o, where, keys)) || (r = lookup_listed(sc, o, "a", where, &x->a)) ||
                        (r = lookup_listed(sc, o, "b", where, &x->b)) ||
                        (r = get_int(o, "cost", where, 1, INT32_MAX, &x->cost)))
                        return r;
                if (x->a == x->b)
                        return usage_error("bad value in %s: an arc from '%s' to itself", where, sc->ids[x->a].name);
                for (size_t j = 0; j < k; j++)
                        if ((sc->arcs[j].a == x->a && sc->arcs[j].b == x->b) ||
                                (sc->arcs[j].a == x->b && sc->arcs[j].b == x->a))
                                return usage_error("bad value in %s: duplicate arc", where);
        }
        return 0;
}

/* "arcs" of an enter ({peer, cost}) or of a migrate ({member, peer, cost}). */
static int parse_links(Scenario *sc, json_t *o, const char *where, Ev *ev)
{
        static const char *const keys_enter[] = { "peer", "cost", NULL };
        static const char *const keys_migrate[] = { "member", "peer", "cost", NULL };
        json_t *list;
        int r;

        if ((r = get_array(o, "arcs", where, &list)))
                return r;
        ev->n_links = json_array_size(list);
        ev->links = calloc(ev->n_links, sizeof(Link));
        if (!ev->links)
                return -ENOMEM;
        for (size_t j = 0; j < ev->n_links; j++) {
                json_t *x = json_array_get(list, j);
                Link *l = &ev->links[j];
                char w[WHERE_SUB_MAX];

                snprintf(w, sizeof w, "%s.arcs[%zu]", where, j);
                if ((r = check_keys(x, w, ev->kind == EV_ENTER ? keys_enter : keys_migrate)) ||
                        (r = get_str(x, "peer", w, &l->b_name)) || (r = get_int(x, "cost", w, 1, INT32_MAX, &l->cost)))
                        return r;
                if (ev->kind == EV_ENTER) {
                        l->a = ev->ident;
                        continue;
                }
                if ((r = get_str(x, "member", w, &l->a_name)))
                        return r;
                l->a = -1;
                for (size_t m = 0; m < ev->n_members; m++)
                        if (streq(sc->ids[ev->members[m].ident].name, l->a_name))
                                l->a = (int) m;
                if (l->a < 0)
                        return usage_error("bad value for 'member' in %s: '%s' is not a new identity of this migration",
                                w, l->a_name);
        }
        return 0;
}

static int parse_enter(Scenario *sc, json_t *o, const char *where, Ev *ev)
{
        const char *name;
        NtkAddress a;
        int r;

        if ((r = get_str(o, "name", where, &name)) || (r = get_address(&sc->t, o, where, name, 0, &a)) ||
                (r = ident_add(sc, name, &a, where, &ev->ident)))
                return r;
        return parse_links(sc, o, where, ev);
}

static int parse_migrate(Scenario *sc, json_t *o, const char *where, Ev *ev)
{
        static const char *const member_keys[] = { "old", "name", "address", NULL };
        json_int_t guest, host;
        json_t *list;
        int r;

        if ((r = get_int(o, "guest_level", where, 0, INT32_MAX, &guest)) ||
                (r = get_int(o, "host_level", where, 1, INT32_MAX, &host)))
                return r;
        if (host > (json_int_t) sc->t.levels)
                return usage_error("bad value %" JSON_INTEGER_FORMAT
                                   " for 'host_level' in %s: the topology has %u levels",
                        host, where, sc->t.levels);
        if (guest >= host)
                return usage_error("bad value %" JSON_INTEGER_FORMAT
                                   " for 'guest_level' in %s: must be below host_level %" JSON_INTEGER_FORMAT,
                        guest, where, host);
        ev->guest = (unsigned) guest;
        ev->host = (unsigned) host;
        ev->dismiss_after = -1;
        if (json_object_get(o, "dismiss_after") &&
                (r = get_int(o, "dismiss_after", where, 0, INT64_MAX / 4, &ev->dismiss_after)))
                return r;
        if ((r = get_array(o, "members", where, &list)))
                return r;
        ev->n_members = json_array_size(list);
        ev->members = calloc(ev->n_members, sizeof(Member));
        if (!ev->members)
                return -ENOMEM;
        for (size_t m = 0; m < ev->n_members; m++) {
                json_t *x = json_array_get(list, m);
                Member *mb = &ev->members[m];
                const char *name;
                char w[WHERE_SUB_MAX];
                NtkAddress a;

                snprintf(w, sizeof w, "%s.members[%zu]", where, m);
                if ((r = check_keys(x, w, member_keys)) || (r = get_str(x, "old", w, &mb->old_name)) ||
                        (r = get_str(x, "name", w, &name)) || (r = get_address(&sc->t, x, w, name, ev->guest, &a)) ||
                        (r = ident_add(sc, name, &a, w, &mb->ident)))
                        return r;
        }
        return parse_links(sc, o, where, ev);
}

static int parse_make_connectivity(Scenario *sc, json_t *o, const char *where, Ev *ev)
{
        json_int_t from, to, vpos;
        int r;

        if ((r = get_str(o, "identity", where, &ev->a_name)) ||
                (r = get_int(o, "from", where, 1, (json_int_t) sc->t.levels, &from)) ||
                (r = get_int(o, "to", where, from, (json_int_t) sc->t.levels, &to)) ||
                (r = get_int(o, "virtual_pos", where, (json_int_t) sc->t.gsize[from - 1], NTK_POS_MAX, &vpos)))
                return r;
        ev->from = (unsigned) from;
        ev->to = (unsigned) to;
        ev->vpos = (uint32_t) vpos;
        return 0;
}

static int parse_event(Scenario *sc, json_t *o, size_t k, Ev *ev)
{
        static const char *const keys[_EV_MAX][8] = {
                [EV_ARC_COST] = { "at", "kind", "a", "b", "cost", NULL },
                [EV_ARC_REMOVE] = { "at", "kind", "a", "b", NULL },
                [EV_ARC_ADD] = { "at", "kind", "a", "b", "cost", NULL },
                [EV_ENTER] = { "at", "kind", "name", "address", "arcs", NULL },
                [EV_MIGRATE] = { "at", "kind", "guest_level", "host_level", "members", "arcs", "dismiss_after", NULL },
                [EV_MAKE_CONNECTIVITY] = { "at", "kind", "identity", "from", "to", "virtual_pos", NULL },
                [EV_DISMISS] = { "at", "kind", "identity", NULL },
        };
        char where[WHERE_MAX];
        const char *kind;
        int r;

        snprintf(where, sizeof where, "events[%zu]", k);
        *ev = (Ev){ .order = k, .kind = -1, .a = -1, .b = -1, .ident = -1 };
        if (!json_is_object(o))
                return usage_error("%s must be an object", where);
        if ((r = get_str(o, "kind", where, &kind)))
                return r;
        for (int i = 0; i < _EV_MAX; i++)
                if (streq(kind, ev_kind_names[i]))
                        ev->kind = i;
        if (ev->kind < 0)
                return usage_error("bad value for 'kind' in %s: '%s'", where, kind);
        if ((r = check_keys(o, where, keys[ev->kind])) || (r = get_int(o, "at", where, 0, INT64_MAX / 4, &ev->at)))
                return r;
        switch (ev->kind) {
        case EV_ARC_COST:
        case EV_ARC_REMOVE:
        case EV_ARC_ADD:
                if ((r = get_str(o, "a", where, &ev->a_name)) || (r = get_str(o, "b", where, &ev->b_name)))
                        return r;
                if (streq(ev->a_name, ev->b_name))
                        return usage_error("bad value in %s: 'a' and 'b' are the same identity '%s'", where,
                                ev->a_name);
                if (ev->kind != EV_ARC_REMOVE && (r = get_int(o, "cost", where, 1, INT32_MAX, &ev->cost)))
                        return r;
                return 0;
        case EV_ENTER:
                return parse_enter(sc, o, where, ev);
        case EV_MIGRATE:
                return parse_migrate(sc, o, where, ev);
        case EV_MAKE_CONNECTIVITY:
                return parse_make_connectivity(sc, o, where, ev);
        default:
                return get_str(o, "identity", where, &ev->a_name);
        }
}

static int parse_events(Scenario *sc, json_t *list)
{
        size_t n = list ? json_array_size(list) : 0;

        sc->evs = calloc(n + 1, sizeof(Ev));
        if (!sc->evs)
                return -ENOMEM;
        for (size_t k = 0; k < n; k++) {
                int r = parse_event(sc, json_array_get(list, k), k, &sc->evs[k]);
                /* counted at once, so that scenario_free() frees what this event allocated */
                sc->n_evs = k + 1;
                if (r)
                        return r;
        }
        return 0;
}

static int scenario_parse(Scenario *sc)
{
        static const char *const top_keys[] = { "topology", "identities", "arcs", "events", NULL };
        NtkErr err = { "" };
        json_t *ids, *arcs, *events;
        const char *tp;
        int r;

        if ((r = check_keys(sc->root, "the scenario", top_keys)))
                return r;
        if ((r = get_str(sc->root, "topology", "the scenario", &tp)))
                return r;
        if (ntk_topology_parse(tp, &sc->t, &err) < 0)
                return usage_error("bad value for 'topology': %s", err.msg);
        ids = json_object_get(sc->root, "identities");
        arcs = json_object_get(sc->root, "arcs");
        events = json_object_get(sc->root, "events");
        if (!json_is_array(ids) || json_array_size(ids) == 0)
                return usage_error("field 'identities' must be a non-empty array");
        if (arcs && !json_is_array(arcs))
                return usage_error("field 'arcs' must be an array");
        if (events && !json_is_array(events))
                return usage_error("field 'events' must be an array");
        /* events before arcs: an arc naming an identity that only an event creates is told so */
        if ((r = parse_identities(sc, ids)) || (r = parse_events(sc, events)) || (r = parse_arcs(sc, arcs)))
                return r;
        /* each listed identity after the first enters through an arc to one listed before it */
        for (size_t i = 1; i < sc->n_listed; i++) {
                bool linked = false;
                for (size_t k = 0; k < sc->n_arcs && !linked; k++)
                        linked = ((size_t) sc->arcs[k].a == i && (size_t) sc->arcs[k].b < i) ||
                                 ((size_t) sc->arcs[k].b == i && (size_t) sc->arcs[k].a < i);
                if (!linked)
                        return usage_error("identity '%s' has no arc to an identity listed before it", sc->ids[i].name);
        }
        return 0;
}

/* ------------------------------------------------------------------------------------------------ */
/* the check: the events replayed against the model, in the order they happen */

static int ev_cmp(const void *x, const void *y)
{
        const Ev *a = x, *b = y;

        if (a->at != b->at)
                return a->at < b->at ? -1 : 1;
        return a->order < b->order ? -1 : a->order > b->order;
}

/* The identity called `name` (field key of where), which events may name at `at`. */
static int resolve(Scenario *sc, const char *name, const char *key, const char *where, json_int_t at, int *ret)
{
        int i = find_ident(sc, name, sc->n_ids);

        if (i < 0)
                return usage_error("bad value for '%s' in %s: no identity '%s'", key, where, name);
        if (!sc->ids[i].born)
                return usage_error("bad value for '%s' in %s: identity '%s' does not exist yet at %" JSON_INTEGER_FORMAT
                                   " ms",
                        key, where, name, at);
        if (sc->ids[i].destroyed)
                return usage_error("bad value for '%s' in %s: identity '%s' is dismissed by %" JSON_INTEGER_FORMAT
                                   " ms",
                        key, where, name, at);
        *ret = i;
        return 0;
}

/* An identity whose address is in use at `at` and lies in a's g-node of level lvl, or -1. */
static int holder(const Scenario *sc, const NtkAddress *a, unsigned lvl, json_int_t at)
{
        for (size_t i = 0; i < sc->n_ids; i++) {
                const Ident *x = &sc->ids[i];
                if (!x->born || (x->dropped_at >= 0 && x->dropped_at <= at))
                        continue;
                if (same_gnode(a, &x->cur, lvl))
                        return (int) i;
        }
        return -1;
}

/* The arcs of an enter or a migrate: to identities alive now, once each, not to those that migrate. */
static int check_links(Scenario *sc, Ev *ev, const char *where)
{
        for (size_t j = 0; j < ev->n_links; j++) {
                Link *l = &ev->links[j];
                char w[WHERE_SUB_MAX];
                int r;

                snprintf(w, sizeof w, "%s.arcs[%zu]", where, j);
                for (size_t m = 0; m < ev->n_members; m++) {
                        if (streq(l->b_name, sc->ids[ev->members[m].ident].name))
                                return usage_error("bad value for 'peer' in %s: '%s' is a member of this "
                                                   "migration (arcs between members are made from the old ones)",
                                        w, l->b_name);
                        if (streq(l->b_name, ev->members[m].old_name))
                                return usage_error("bad value for 'peer' in %s: '%s' migrates in this event", w,
                                        l->b_name);
                }
                if (ev->kind == EV_ENTER && streq(l->b_name, sc->ids[ev->ident].name))
                        return usage_error("bad value for 'peer' in %s: an arc from '%s' to itself", w, l->b_name);
                if ((r = resolve(sc, l->b_name, "peer", w, ev->at, &l->b)))
                        return r;
                for (size_t i = 0; i < j; i++)
                        if (ev->links[i].a == l->a && ev->links[i].b == l->b)
                                return usage_error("bad value for 'peer' in %s: a second arc to '%s'", w, l->b_name);
        }
        return 0;
}

static int check_enter(Scenario *sc, Ev *ev, const char *where)
{
        Ident *x = &sc->ids[ev->ident];
        char buf[NTK_ADDRESS_STRLEN];
        int r, h;

        if ((r = check_links(sc, ev, where)))
                return r;
        h = holder(sc, &x->addr, 0, ev->at);
        if (h >= 0)
                return usage_error("bad value for 'address' of '%s' in %s: '%s' is used by '%s'", x->name, where,
                        ntk_address_format(&x->addr, buf), sc->ids[h].name);
        x->born = true;
        return 0;
}

static int check_migrate(Scenario *sc, Ev *ev, const char *where)
{
        const Ident *first = &sc->ids[ev->members[0].ident];
        char buf[NTK_ADDRESS_STRLEN], buf2[NTK_ADDRESS_STRLEN];
        int r, h;

        for (size_t m = 0; m < ev->n_members; m++) {
                Member *mb = &ev->members[m];
                const Ident *nw = &sc->ids[mb->ident];
                const Ident *old;
                char w[WHERE_SUB_MAX];

                snprintf(w, sizeof w, "%s.members[%zu]", where, m);
                if ((r = resolve(sc, mb->old_name, "old", w, ev->at, &mb->old)))
                        return r;
                old = &sc->ids[mb->old];
                for (size_t i = 0; i < m; i++)
                        if (ev->members[i].old == mb->old)
                                return usage_error("bad value for 'old' in %s: '%s' migrates twice", w, mb->old_name);
                if (old->conn_from != 0 && old->conn_from >= ev->guest + 1)
                        return usage_error("bad value for 'old' in %s: '%s' is of connectivity from level %u: "
                                           "guest_level must be at least %u",
                                w, mb->old_name, old->conn_from, old->conn_from);
                if (!same_gnode(&old->cur, &sc->ids[ev->members[0].old].cur, ev->guest))
                        return usage_error("bad value for 'old' in %s: '%s' is not in the level-%u g-node of '%s'", w,
                                mb->old_name, ev->guest, ev->members[0].old_name);
                for (unsigned l = 0; l < ev->guest; l++)
                        if (nw->addr.pos[l] != old->cur.pos[l])
                                return usage_error("bad value for 'address' of '%s' in %s: '%s' must keep the "
                                                   "positions below level %u of '%s' (%s)",
                                        nw->name, w, ntk_address_format(&nw->addr, buf), ev->guest, mb->old_name,
                                        ntk_address_format(&old->cur, buf2));
                if (!same_gnode(&nw->addr, &first->addr, ev->guest))
                        return usage_error("bad value for 'address' of '%s' in %s: '%s' is not in the level-%u "
                                           "g-node of '%s' (%s)",
                                nw->name, w, ntk_address_format(&nw->addr, buf), ev->guest, first->name,
                                ntk_address_format(&first->addr, buf2));
        }
        /* the guest takes a new g-node of level host-1 inside an existing one of level host */
        h = holder(sc, &first->addr, ev->host - 1, ev->at);
        if (h >= 0)
                return usage_error("bad value for 'address' of '%s' in %s: the level-%u g-node of '%s' already holds "
                                   "'%s' (host_level %u needs a new one)",
                        first->name, where, ev->host - 1, ntk_address_format(&first->addr, buf), sc->ids[h].name,
                        ev->host);
        if (ev->host < sc->t.levels && holder(sc, &first->addr, ev->host, ev->at) < 0)
                return usage_error("bad value %u for 'host_level' in %s: no identity lives in the level-%u "
                                   "g-node of '%s'",
                        ev->host, where, ev->host, ntk_address_format(&first->addr, buf));
        if ((r = check_links(sc, ev, where)))
                return r;
        for (size_t m = 0; m < ev->n_members; m++) {
                Ident *nw = &sc->ids[ev->members[m].ident], *old = &sc->ids[ev->members[m].old];
                nw->born = true;
                nw->conn_from = old->conn_from;
                if (ev->dismiss_after >= 0) {
                        old->destroyed = true;
                        old->dropped_at = ev->at + ev->dismiss_after;
                }
        }
        return 0;
}

static int check_make_connectivity(Scenario *sc, Ev *ev, const char *where)
{
        char buf[NTK_ADDRESS_STRLEN];
        NtkAddress na;
        Ident *x;
        int r, h;

        if ((r = resolve(sc, ev->a_name, "identity", where, ev->at, &ev->a)))
                return r;
        x = &sc->ids[ev->a];
        if (!ntk_address_is_real_at(&sc->t, &x->cur, ev->from - 1))
                return usage_error("bad value %u for 'from' in %s: '%s' (%s) already has a virtual position "
                                   "at level %u",
                        ev->from, where, x->name, ntk_address_format(&x->cur, buf), ev->from - 1);
        na = x->cur;
        na.pos[ev->from - 1] = ev->vpos;
        h = holder(sc, &na, 0, ev->at);
        if (h >= 0)
                return usage_error("bad value %" PRIu32 " for 'virtual_pos' in %s: '%s' is used by '%s'", ev->vpos,
                        where, ntk_address_format(&na, buf), sc->ids[h].name);
        x->cur = na;
        x->conn_from = ev->from;
        return 0;
}

static int scenario_check(Scenario *sc)
{
        qsort(sc->evs, sc->n_evs, sizeof(Ev), ev_cmp);
        for (size_t k = 0; k < sc->n_evs; k++) {
                Ev *ev = &sc->evs[k];
                char where[WHERE_MAX];
                int r = 0;

                snprintf(where, sizeof where, "events[%zu]", ev->order);
                switch (ev->kind) {
                case EV_ARC_COST:
                case EV_ARC_REMOVE:
                case EV_ARC_ADD:
                        if ((r = resolve(sc, ev->a_name, "a", where, ev->at, &ev->a)) == 0)
                                r = resolve(sc, ev->b_name, "b", where, ev->at, &ev->b);
                        break;
                case EV_ENTER:
                        r = check_enter(sc, ev, where);
                        break;
                case EV_MIGRATE:
                        r = check_migrate(sc, ev, where);
                        break;
                case EV_MAKE_CONNECTIVITY:
                        r = check_make_connectivity(sc, ev, where);
                        break;
                case EV_DISMISS:
                        if ((r = resolve(sc, ev->a_name, "identity", where, ev->at, &ev->a)) == 0) {
                                sc->ids[ev->a].destroyed = true;
                                sc->ids[ev->a].dropped_at = ev->at;
                        }
                        break;
                }
                if (r)
                        return r;
        }
        return 0;
}

/* ------------------------------------------------------------------------------------------------ */
/* the run */

static int print_identity(Sim *s, int i)
{
        QspnEngine *e = sim_engine(s, i);
        const NtkTopology *t = qspn_engine_topology(e);
        char buf[NTK_ADDRESS_STRLEN];
        json_t *o = json_object(), *dests = json_array();

        json_object_set_new(o, "name", json_string(sim_name(s, i)));
        json_object_set_new(o, "address", json_string(ntk_address_format(qspn_engine_address(e), buf)));
        for (unsigned l = 0; l < t->levels; l++)
                for (size_t k = 0; k < qspn_engine_n_destinations(e, l); k++) {
                        NtkHCoord d = qspn_engine_destination(e, l, k);
                        QspnPathView v[256];
                        size_t n = qspn_engine_paths(e, d, true, v, 256);
                        json_t *jd = json_object(), *paths = json_array();

                        if (n > 256)
                                n = 256;
                        /* best first (stable by stored order) */
                        for (size_t x = 1; x < n; x++) {
                                QspnPathView y = v[x];
                                size_t z = x;
                                while (z > 0 && v[z - 1].cost > y.cost) {
                                        v[z] = v[z - 1];
                                        z--;
                                }
                                v[z] = y;
                        }
                        for (size_t x = 0; x < n; x++) {
                                json_t *jp = json_object(), *hops = json_array();
                                int gw = sim_arc_peer(s, i, v[x].arc);
                                for (unsigned h = 0; h < v[x].path->n_hops; h++)
                                        json_array_append_new(hops,
                                                json_pack("[II]", (json_int_t) v[x].path->hops[h].lvl,
                                                        (json_int_t) v[x].path->hops[h].pos));
                                json_object_set_new(jp, "cost", json_integer(v[x].cost));
                                json_object_set_new(jp, "hops", hops);
                                json_object_set_new(jp, "gateway", json_string(gw >= 0 ? sim_name(s, gw) : ""));
                                json_array_append_new(paths, jp);
                        }
                        json_object_set_new(jd, "lvl", json_integer(d.lvl));
                        json_object_set_new(jd, "pos", json_integer(d.pos));
                        json_object_set_new(jd, "paths", paths);
                        json_array_append_new(dests, jd);
                }
        json_object_set_new(o, "destinations", dests);
        {
                char *str = json_dumps(o, JSON_PRESERVE_ORDER);
                if (!str) {
                        json_decref(o);
                        return -ENOMEM;
                }
                puts(str);
                free(str);
        }
        json_decref(o);
        return 0;
}

/* The listed identities enter one after the other, each once the network is quiescent. */
static int run_formation(Scenario *sc, Sim *s)
{
        for (size_t i = 0; i < sc->n_listed; i++) {
                Ident *x = &sc->ids[i];
                _cleanup_free_ SimPeerArc *pa = calloc(sc->n_arcs + 1, sizeof(SimPeerArc));
                int32_t eld[NTK_MAX_LEVELS];
                size_t np = 0;
                int r;

                if (!pa)
                        return -ENOMEM;
                sim_derive_elderships(s, &x->addr, eld);
                if (i == 0)
                        r = sim_create_net(s, x->name, &x->addr, 1, eld);
                else {
                        for (size_t k = 0; k < sc->n_arcs; k++) {
                                const Link *l = &sc->arcs[k];
                                if ((size_t) l->a == i && (size_t) l->b < i)
                                        pa[np++] = (SimPeerArc){ sc->ids[l->b].sim, l->cost };
                                else if ((size_t) l->b == i && (size_t) l->a < i)
                                        pa[np++] = (SimPeerArc){ sc->ids[l->a].sim, l->cost };
                        }
                        r = sim_enter_node(s, x->name, &x->addr, (int64_t) i + 1, eld,
                                sim_derive_host_level(s, &x->addr), pa, np);
                }
                if (r < 0) {
                        fprintf(stderr, "ntk-qspn-sim: identity '%s' could not join: %s\n", x->name, strerror(-r));
                        return 1;
                }
                x->sim = r;
                sim_run(s, UINT64_MAX, UINT64_MAX);
        }
        return 0;
}

/* A lone newcomer, as the formation enters identities (fp_id continues their numbering). */
static int run_enter(Scenario *sc, Sim *s, const Ev *ev, int64_t fp_id)
{
        Ident *x = &sc->ids[ev->ident];
        _cleanup_free_ SimPeerArc *pa = calloc(ev->n_links, sizeof(SimPeerArc));
        int32_t eld[NTK_MAX_LEVELS];
        int r;

        if (!pa)
                return -ENOMEM;
        for (size_t j = 0; j < ev->n_links; j++)
                pa[j] = (SimPeerArc){ sc->ids[ev->links[j].b].sim, ev->links[j].cost };
        sim_derive_elderships(s, &x->addr, eld);
        r = sim_enter_node(s, x->name, &x->addr, fp_id, eld, sim_derive_host_level(s, &x->addr), pa, ev->n_links);
        if (r < 0) {
                fprintf(stderr, "ntk-qspn-sim: identity '%s' (events[%zu]) could not join: %s\n", x->name, ev->order,
                        strerror(-r));
                return 1;
        }
        x->sim = r;
        return 0;
}

/* A g-node migrates. Elderships (qspn.md §3.3): below guest_level, each member keeps its old ones
 * (its level-0 fingerprint's); from guest_level up, those of a newcomer at the new address — the
 * same for every member, since they share those positions: the youngest at host_level-1 inside the
 * host, 0 between guest_level and host_level-1 (new g-nodes), the host's from host_level up. */
static int run_migrate(Scenario *sc, Sim *s, const Ev *ev)
{
        size_t n = ev->n_members;
        _cleanup_free_ SimMember *m = calloc(n, sizeof(SimMember));
        _cleanup_free_ int32_t(*eld)[NTK_MAX_LEVELS] = calloc(n, sizeof(*eld));
        _cleanup_free_ SimExtArc *ext = calloc(ev->n_links, sizeof(SimExtArc));
        _cleanup_free_ int *new_idx = calloc(n, sizeof(int));
        int r;

        if (!m || !eld || !ext || !new_idx)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const Ident *nw = &sc->ids[ev->members[i].ident], *old = &sc->ids[ev->members[i].old];
                const QspnFp *fp = qspn_engine_fingerprint(sim_engine(s, old->sim), 0);

                sim_derive_elderships(s, &nw->addr, eld[i]);
                for (unsigned l = 0; l < ev->guest; l++)
                        eld[i][l] = fp->eld[l];
                m[i] = (SimMember){ .old = old->sim, .name = nw->name, .addr = nw->addr, .elderships = eld[i] };
        }
        for (size_t j = 0; j < ev->n_links; j++)
                ext[j] = (SimExtArc){ ev->links[j].a, sc->ids[ev->links[j].b].sim, ev->links[j].cost };
        r = sim_enter_gnode(s, m, n, ev->guest, ev->host, ext, ev->n_links,
                ev->dismiss_after < 0 ? UINT64_MAX : (uint64_t) ev->dismiss_after, new_idx);
        if (r < 0) {
                fprintf(stderr, "ntk-qspn-sim: the g-node of events[%zu] could not migrate: %s\n", ev->order,
                        strerror(-r));
                return 1;
        }
        for (size_t i = 0; i < n; i++)
                sc->ids[ev->members[i].ident].sim = new_idx[i];
        return 0;
}

static int run_events(Scenario *sc, Sim *s)
{
        uint64_t t0 = sim_now(s);
        int64_t next_fp = (int64_t) sc->n_listed + 1;

        for (size_t k = 0; k < sc->n_evs; k++) {
                const Ev *ev = &sc->evs[k];
                int a = ev->a >= 0 ? sc->ids[ev->a].sim : -1, b = ev->b >= 0 ? sc->ids[ev->b].sim : -1;
                int r = 0;

                sim_run(s, t0 + (uint64_t) ev->at, UINT64_MAX);
                switch (ev->kind) {
                case EV_ARC_COST:
                case EV_ARC_REMOVE:
                case EV_ARC_ADD:
                        r = ev->kind == EV_ARC_COST     ? sim_arc_cost(s, a, b, ev->cost)
                            : ev->kind == EV_ARC_REMOVE ? sim_arc_remove(s, a, b)
                                                        : sim_arc_add(s, a, b, ev->cost);
                        if (r < 0) {
                                fprintf(stderr, "ntk-qspn-sim: events[%zu] (%s–%s): %s\n", ev->order, sim_name(s, a),
                                        sim_name(s, b),
                                        r == -ENOENT ? "no such arc" : r == -EEXIST ? "arc exists" : strerror(-r));
                                return 2;
                        }
                        break;
                case EV_ENTER:
                        r = run_enter(sc, s, ev, next_fp++);
                        break;
                case EV_MIGRATE:
                        r = run_migrate(sc, s, ev);
                        break;
                case EV_MAKE_CONNECTIVITY:
                        r = sim_make_connectivity(s, a, ev->from, ev->to, ev->vpos);
                        if (r < 0) {
                                fprintf(stderr, "ntk-qspn-sim: events[%zu] (make_connectivity of '%s'): %s\n",
                                        ev->order, sim_name(s, a), strerror(-r));
                                return 1;
                        }
                        break;
                case EV_DISMISS:
                        r = sim_dismiss(s, a);
                        if (r < 0) {
                                fprintf(stderr, "ntk-qspn-sim: events[%zu] (dismiss of '%s'): %s\n", ev->order,
                                        sim_name(s, a), strerror(-r));
                                return 1;
                        }
                        break;
                }
                if (r)
                        return r;
        }
        return 0;
}

static int scenario_run(Scenario *sc, uint64_t seed)
{
        _cleanup_(sim_freep) Sim *s = NULL;
        QspnConfig cfg;
        int r;

        qspn_config_default(&cfg);
        cfg.periodic_ms = 0;
        s = sim_new(&sc->t, &cfg, seed);
        if (!s)
                return -ENOMEM;
        if ((r = run_formation(sc, s)) || (r = run_events(sc, s)))
                return r;
        sim_run(s, UINT64_MAX, UINT64_MAX);
        for (size_t i = 0; i < sim_n_identities(s); i++)
                if (sim_alive(s, (int) i) && (r = print_identity(s, (int) i)) < 0)
                        return r;
        printf("quiescent after %" PRIu64 " ms, %" PRIu64 " ETPs, %" PRIu64 " bytes\n", sim_last_activity(s),
                sim_etps(s), sim_bytes(s));
        return 0;
}

int main(int argc, char **argv)
{
        _cleanup_(scenario_freep) Scenario *sc = NULL;
        const char *path = NULL;
        uint64_t seed = 1;
        json_error_t jerr;
        int r;

        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--seed")) {
                        char *end;
                        if (i + 1 >= argc)
                                return usage_error("--seed needs a value");
                        errno = 0;
                        seed = strtoull(argv[++i], &end, 10);
                        if (errno || *end || argv[i][0] == '\0' || argv[i][0] == '-')
                                return usage_error("bad value '%s' for --seed", argv[i]);
                } else if (argv[i][0] == '-' && argv[i][1] != '\0')
                        return usage_error("unknown option '%s'", argv[i]);
                else if (!path)
                        path = argv[i];
                else
                        return usage_error("unexpected argument '%s'", argv[i]);
        }
        if (!path)
                return usage_error("usage: ntk-qspn-sim SCENARIO.json [--seed S]");

        sc = calloc(1, sizeof(Scenario));
        if (!sc)
                return 1;
        sc->root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
        if (!sc->root) {
                fprintf(stderr, "ntk-qspn-sim: %s:%d: %s\n", path, jerr.line, jerr.text);
                return 2;
        }
        r = scenario_parse(sc);
        if (r == 0)
                r = scenario_check(sc);
        if (r == 0)
                r = scenario_run(sc, seed);
        if (r < 0) {
                fprintf(stderr, "ntk-qspn-sim: %s\n", strerror(-r));
                return 1;
        }
        return r;
}
