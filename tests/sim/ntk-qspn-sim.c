/* ntk-qspn-sim.c — `ntk-qspn-sim SCENARIO.json [--seed S]`: builds the scenario's network in the
 * simulator, plays its events and prints every identity's map as JSON lines (a stable contract).
 * Must not: accept unknown fields or bad values silently (exit 2 naming them), or use real time.
 *
 * Timing: the identities enter one after the other (each once the network is quiescent); event
 * times `at` are simulated ms counted from the moment the whole network has formed. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

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
        if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
                return usage_error("field '%s' in %s must be an integer in range", key, where);
        *ret = json_integer_value(v);
        return 0;
}

typedef struct Ev {
        json_int_t at;
        int kind; /* 0 cost, 1 remove, 2 add */
        int a, b;
        json_int_t cost;
        size_t order;
} Ev;

static int ev_cmp(const void *x, const void *y)
{
        const Ev *a = x, *b = y;

        if (a->at != b->at)
                return a->at < b->at ? -1 : 1;
        return a->order < b->order ? -1 : a->order > b->order;
}

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

int main(int argc, char **argv)
{
        static const char *const top_keys[] = { "topology", "identities", "arcs", "events", NULL };
        static const char *const id_keys[] = { "name", "address", NULL };
        static const char *const arc_keys[] = { "a", "b", "cost", NULL };
        static const char *const ev_keys_cost[] = { "at", "kind", "a", "b", "cost", NULL };
        static const char *const ev_keys_nocost[] = { "at", "kind", "a", "b", NULL };
        const char *path = NULL;
        uint64_t seed = 1;
        json_error_t jerr;
        json_t *root, *ids, *arcs, *events;
        NtkTopology t;
        NtkErr err = { "" };
        const char *tp;
        Sim *s;
        size_t n_ids, n_arcs, n_ev;
        NtkAddress *addrs;
        int *idx;
        Ev *evs;
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

        root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
        if (!root) {
                fprintf(stderr, "ntk-qspn-sim: %s:%d: %s\n", path, jerr.line, jerr.text);
                return 2;
        }
        if ((r = check_keys(root, "the scenario", top_keys)))
                return r;
        if ((r = get_str(root, "topology", "the scenario", &tp)))
                return r;
        if (ntk_topology_parse(tp, &t, &err) < 0)
                return usage_error("bad value for 'topology': %s", err.msg);
        ids = json_object_get(root, "identities");
        arcs = json_object_get(root, "arcs");
        events = json_object_get(root, "events");
        if (!json_is_array(ids) || json_array_size(ids) == 0)
                return usage_error("field 'identities' must be a non-empty array");
        if (arcs && !json_is_array(arcs))
                return usage_error("field 'arcs' must be an array");
        if (events && !json_is_array(events))
                return usage_error("field 'events' must be an array");
        n_ids = json_array_size(ids);
        n_arcs = arcs ? json_array_size(arcs) : 0;
        n_ev = events ? json_array_size(events) : 0;

        addrs = calloc(n_ids, sizeof(NtkAddress));
        idx = calloc(n_ids, sizeof(int));
        evs = calloc(n_ev + 1, sizeof(Ev));
        if (!addrs || !idx || !evs)
                return 1;
        for (size_t i = 0; i < n_ids; i++) {
                json_t *o = json_array_get(ids, i);
                const char *name, *a;
                char where[64];

                snprintf(where, sizeof where, "identities[%zu]", i);
                if ((r = check_keys(o, where, id_keys)) || (r = get_str(o, "name", where, &name)) ||
                        (r = get_str(o, "address", where, &a)))
                        return r;
                if (ntk_address_parse(&t, a, &addrs[i], &err) < 0)
                        return usage_error("bad value for 'address' of '%s': %s", name, err.msg);
                if (!ntk_address_is_real(&t, &addrs[i]))
                        return usage_error("bad value for 'address' of '%s': '%s' is virtual", name, a);
                for (size_t j = 0; j < i; j++) {
                        if (streq(json_string_value(json_object_get(json_array_get(ids, j), "name")), name))
                                return usage_error("duplicate identity name '%s'", name);
                        if (ntk_address_equal(&addrs[j], &addrs[i]))
                                return usage_error("identity '%s' repeats address '%s'", name, a);
                }
        }

        /* name -> index */
#define LOOKUP(o, key, where, out)                                                                                   \
        do {                                                                                                         \
                const char *_n;                                                                                      \
                size_t _j;                                                                                           \
                if ((r = get_str(o, key, where, &_n)))                                                               \
                        return r;                                                                                    \
                for (_j = 0; _j < n_ids; _j++)                                                                       \
                        if (streq(json_string_value(json_object_get(json_array_get(ids, _j), "name")), _n))          \
                                break;                                                                               \
                if (_j == n_ids)                                                                                     \
                        return usage_error("bad value for '" key "' in %s: no identity '%s'", where, _n);             \
                out = (int) _j;                                                                                      \
        } while (0)

        {
                int *aa = calloc(n_arcs + 1, sizeof(int)), *bb = calloc(n_arcs + 1, sizeof(int));
                json_int_t *cc = calloc(n_arcs + 1, sizeof(json_int_t));
                QspnConfig cfg;

                if (!aa || !bb || !cc)
                        return 1;
                for (size_t k = 0; k < n_arcs; k++) {
                        json_t *o = json_array_get(arcs, k);
                        char where[64];
                        snprintf(where, sizeof where, "arcs[%zu]", k);
                        if ((r = check_keys(o, where, arc_keys)))
                                return r;
                        LOOKUP(o, "a", where, aa[k]);
                        LOOKUP(o, "b", where, bb[k]);
                        if ((r = get_int(o, "cost", where, 1, INT32_MAX, &cc[k])))
                                return r;
                        if (aa[k] == bb[k])
                                return usage_error("bad value in %s: an arc from '%s' to itself", where,
                                        json_string_value(json_object_get(o, "a")));
                        for (size_t j = 0; j < k; j++)
                                if ((aa[j] == aa[k] && bb[j] == bb[k]) || (aa[j] == bb[k] && bb[j] == aa[k]))
                                        return usage_error("bad value in %s: duplicate arc", where);
                }
                for (size_t k = 0; k < n_ev; k++) {
                        json_t *o = json_array_get(events, k);
                        char where[64];
                        const char *kind;
                        snprintf(where, sizeof where, "events[%zu]", k);
                        if (!json_is_object(o))
                                return usage_error("%s must be an object", where);
                        if ((r = get_str(o, "kind", where, &kind)))
                                return r;
                        if (streq(kind, "arc_cost"))
                                evs[k].kind = 0;
                        else if (streq(kind, "arc_remove"))
                                evs[k].kind = 1;
                        else if (streq(kind, "arc_add"))
                                evs[k].kind = 2;
                        else
                                return usage_error("bad value for 'kind' in %s: '%s'", where, kind);
                        if ((r = check_keys(o, where, evs[k].kind == 1 ? ev_keys_nocost : ev_keys_cost)))
                                return r;
                        if ((r = get_int(o, "at", where, 0, INT64_MAX / 4, &evs[k].at)))
                                return r;
                        LOOKUP(o, "a", where, evs[k].a);
                        LOOKUP(o, "b", where, evs[k].b);
                        if (evs[k].a == evs[k].b)
                                return usage_error("bad value in %s: 'a' and 'b' are the same identity", where);
                        if (evs[k].kind != 1 && (r = get_int(o, "cost", where, 1, INT32_MAX, &evs[k].cost)))
                                return r;
                        evs[k].order = k;
                }
                qsort(evs, n_ev, sizeof(Ev), ev_cmp);

                qspn_config_default(&cfg);
                cfg.periodic_ms = 0;
                s = sim_new(&t, &cfg, seed);
                if (!s)
                        return 1;
                for (size_t i = 0; i < n_ids; i++) {
                        const char *name = json_string_value(json_object_get(json_array_get(ids, i), "name"));
                        int32_t eld[NTK_MAX_LEVELS];
                        SimPeerArc *pa = calloc(n_arcs + 1, sizeof(SimPeerArc));
                        size_t np = 0;

                        if (!pa)
                                return 1;
                        sim_derive_elderships(s, &addrs[i], eld);
                        if (i == 0)
                                r = sim_create_net(s, name, &addrs[i], 1, eld);
                        else {
                                for (size_t k = 0; k < n_arcs; k++) {
                                        if (aa[k] == (int) i && bb[k] < (int) i)
                                                pa[np++] = (SimPeerArc){ idx[bb[k]], cc[k] };
                                        else if (bb[k] == (int) i && aa[k] < (int) i)
                                                pa[np++] = (SimPeerArc){ idx[aa[k]], cc[k] };
                                }
                                if (np == 0)
                                        return usage_error("identity '%s' has no arc to an identity listed before it",
                                                name);
                                r = sim_enter_node(s, name, &addrs[i], (int64_t) i + 1, eld,
                                        sim_derive_host_level(s, &addrs[i]), pa, np);
                        }
                        free(pa);
                        if (r < 0) {
                                fprintf(stderr, "ntk-qspn-sim: identity '%s' could not join: %s\n", name,
                                        strerror(-r));
                                return 1;
                        }
                        idx[i] = r;
                        sim_run(s, UINT64_MAX, UINT64_MAX);
                }
                {
                        uint64_t t0 = sim_now(s);
                        for (size_t k = 0; k < n_ev; k++) {
                                sim_run(s, t0 + (uint64_t) evs[k].at, UINT64_MAX);
                                if (evs[k].kind == 0)
                                        r = sim_arc_cost(s, idx[evs[k].a], idx[evs[k].b], evs[k].cost);
                                else if (evs[k].kind == 1)
                                        r = sim_arc_remove(s, idx[evs[k].a], idx[evs[k].b]);
                                else
                                        r = sim_arc_add(s, idx[evs[k].a], idx[evs[k].b], evs[k].cost);
                                if (r < 0) {
                                        fprintf(stderr, "ntk-qspn-sim: events[%zu] (%s–%s): %s\n", evs[k].order,
                                                sim_name(s, idx[evs[k].a]), sim_name(s, idx[evs[k].b]),
                                                r == -ENOENT ? "no such arc" : r == -EEXIST ? "arc exists" : strerror(-r));
                                        return 2;
                                }
                        }
                }
                sim_run(s, UINT64_MAX, UINT64_MAX);
                for (size_t i = 0; i < n_ids; i++)
                        if (sim_alive(s, idx[i]) && print_identity(s, idx[i]) < 0)
                                return 1;
                printf("quiescent after %" PRIu64 " ms, %" PRIu64 " ETPs, %" PRIu64 " bytes\n", sim_last_activity(s),
                        sim_etps(s), sim_bytes(s));
                sim_free(s);
                free(aa);
                free(bb);
                free(cc);
        }
        free(addrs);
        free(idx);
        free(evs);
        json_decref(root);
        return 0;
}
