/* bench-qspn-sim.c — QSPN in the simulator on random geometric graphs with addresses assigned by
 * region: time to quiescence, ETPs and bytes per node, memory per identity; then one arc removal and
 * one cost change. Prints a table. Must not: run as a test (it is slow by design) or use the network.
 *
 * usage: bench-qspn-sim [N...] [--seed S] [--hold MS] [--baseline-max N] [--quiesce-waves] [--gsize G]
 *        [--levels L] [--ni-ratio R]
 *   N              network sizes (default 100 200 500)
 *   --hold MS      QspnConfig.forward_hold_ms of the measured run (default 1000)
 *   --baseline-max the reference forwarding (hold 0) runs beside it, as the baseline, for N up to
 *                  this (default 100: it storms, 100 s of CPU at N = 100)
 *   --quiesce-waves  wait for quiescence after each wave (default: a wave enters as soon as every
 *                  node of the previous one has completed its bootstrap, as a network that grows
 *                  while it works)
 *   --gsize, --levels  the topology: L levels of G positions (default 16, 4), the top one widened
 *   --ni-ratio R   QspnConfig.nodes_inside_ratio (default 0.1, the reference)
 * Formation: node 0 creates the network, then the BFS waves from it enter (each node with arcs to
 * the present nodes of earlier waves), then the arcs inside the wave are added. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"

typedef struct Pt {
        double x, y;
} Pt;

typedef struct Edge {
        int a, b;
        QspnCost cost;
} Edge;

static uint64_t rng_state;

static uint64_t rnd(void)
{
        uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
}

static double rnd01(void)
{
        return (double) (rnd() >> 11) / 9007199254740992.0;
}

static double cpu_seconds(void)
{
        return (double) clock() / CLOCKS_PER_SEC;
}

typedef struct Graph {
        size_t n;
        Pt *p;
        Edge *e;
        size_t n_e, cap_e;
        int **adj; /* neighbour lists, -1 terminated */
        size_t *deg;
} Graph;

static void add_edge(Graph *g, int a, int b)
{
        double dx = g->p[a].x - g->p[b].x, dy = g->p[a].y - g->p[b].y;

        if (g->n_e == g->cap_e) {
                g->cap_e = g->cap_e ? 2 * g->cap_e : 1024;
                g->e = realloc(g->e, g->cap_e * sizeof(Edge));
        }
        /* cost: 200 µs + distance-proportional (1 unit of the square = 100 ms) */
        g->e[g->n_e++] = (Edge){ a, b, 200 + (QspnCost) (sqrt(dx * dx + dy * dy) * 100000.0) };
}

static int uf(int *par, int x)
{
        while (par[x] != x)
                x = par[x] = par[par[x]];
        return x;
}

/* Random geometric graph (average degree ~6) plus nearest links between components. */
static void make_graph(Graph *g, size_t n)
{
        double r = sqrt(6.0 / (M_PI * (double) n));
        int cells = (int) (1.0 / r) + 1;
        int **grid = calloc((size_t) cells * cells, sizeof(int *));
        size_t *gn = calloc((size_t) cells * cells, sizeof(size_t));
        int *par = malloc(n * sizeof(int));

        memset(g, 0, sizeof(*g));
        g->n = n;
        g->p = malloc(n * sizeof(Pt));
        for (size_t i = 0; i < n; i++) {
                int c;
                g->p[i] = (Pt){ rnd01(), rnd01() };
                c = (int) (g->p[i].x * cells) * cells + (int) (g->p[i].y * cells);
                grid[c] = realloc(grid[c], (gn[c] + 1) * sizeof(int));
                grid[c][gn[c]++] = (int) i;
                par[i] = (int) i;
        }
        for (size_t i = 0; i < n; i++) {
                int cx = (int) (g->p[i].x * cells), cy = (int) (g->p[i].y * cells);
                for (int dx = -1; dx <= 1; dx++)
                        for (int dy = -1; dy <= 1; dy++) {
                                int x = cx + dx, y = cy + dy, c;
                                if (x < 0 || y < 0 || x >= cells || y >= cells)
                                        continue;
                                c = x * cells + y;
                                for (size_t k = 0; k < gn[c]; k++) {
                                        int j = grid[c][k];
                                        double ddx = g->p[i].x - g->p[j].x, ddy = g->p[i].y - g->p[j].y;
                                        if (j <= (int) i || ddx * ddx + ddy * ddy > r * r)
                                                continue;
                                        add_edge(g, (int) i, j);
                                        par[uf(par, (int) i)] = uf(par, j);
                                }
                        }
        }
        /* connect components: each component's first node to the nearest node of another (O(n^2) worst) */
        for (;;) {
                int root0 = uf(par, 0), best_a = -1, best_b = -1;
                double best = 1e9;
                for (size_t i = 0; i < n; i++) {
                        if (uf(par, (int) i) == root0)
                                continue;
                        for (size_t j = 0; j < n; j++) {
                                double ddx, ddy;
                                if (uf(par, (int) j) != root0)
                                        continue;
                                ddx = g->p[i].x - g->p[j].x;
                                ddy = g->p[i].y - g->p[j].y;
                                if (ddx * ddx + ddy * ddy < best) {
                                        best = ddx * ddx + ddy * ddy;
                                        best_a = (int) i;
                                        best_b = (int) j;
                                }
                        }
                        break; /* one component at a time, from its first node */
                }
                if (best_a < 0)
                        break;
                add_edge(g, best_a, best_b);
                par[uf(par, best_a)] = uf(par, best_b);
        }
        g->deg = calloc(n, sizeof(size_t));
        g->adj = calloc(n, sizeof(int *));
        for (size_t k = 0; k < g->n_e; k++) {
                g->deg[g->e[k].a]++;
                g->deg[g->e[k].b]++;
        }
        for (size_t i = 0; i < n; i++) {
                g->adj[i] = malloc((g->deg[i] + 1) * sizeof(int));
                g->deg[i] = 0;
        }
        for (size_t k = 0; k < g->n_e; k++) {
                g->adj[g->e[k].a][g->deg[g->e[k].a]++] = g->e[k].b;
                g->adj[g->e[k].b][g->deg[g->e[k].b]++] = g->e[k].a;
        }
        for (int c = 0; c < cells * cells; c++)
                free(grid[c]);
        free(grid);
        free(gn);
        free(par);
}

/* Addresses by region: level-1 g-nodes are BFS clusters of up to G nodes, level-2 g-nodes BFS
 * clusters of up to G level-1 g-nodes, and so on: every g-node is connected by construction. */
static unsigned G = 16, LEVELS = 4; /* --gsize, --levels */
static double ni_ratio = 0.1;       /* --ni-ratio: QspnConfig.nodes_inside_ratio */

static void assign_addresses(const Graph *g, NtkAddress *addr)
{
        size_t n = g->n;
        int *cl = malloc(n * sizeof(int)); /* current cluster of each node at this level */
        size_t n_cl = n;

        for (size_t i = 0; i < n; i++) {
                cl[i] = (int) i;
                addr[i].levels = LEVELS;
        }
        for (unsigned lvl = 0; lvl < LEVELS; lvl++) {
                /* cluster graph: clusters adjacent if an edge joins them */
                int *up = malloc(n_cl * sizeof(int)), *pos = malloc(n_cl * sizeof(int));
                int *queue = malloc(n_cl * sizeof(int));
                size_t *cnt = NULL, n_up = 0;
                int **cadj = calloc(n_cl, sizeof(int *));
                size_t *cdeg = calloc(n_cl, sizeof(size_t)), *ccap = calloc(n_cl, sizeof(size_t));

                for (size_t k = 0; k < g->n_e; k++) {
                        int a = cl[g->e[k].a], b = cl[g->e[k].b];
                        if (a == b)
                                continue;
                        for (int s = 0; s < 2; s++) {
                                int x = s ? b : a, y = s ? a : b;
                                if (cdeg[x] == ccap[x]) {
                                        ccap[x] = ccap[x] ? 2 * ccap[x] : 4;
                                        cadj[x] = realloc(cadj[x], ccap[x] * sizeof(int));
                                }
                                cadj[x][cdeg[x]++] = y;
                        }
                }
                for (size_t c = 0; c < n_cl; c++)
                        up[c] = -1;
                for (size_t c0 = 0; c0 < n_cl; c0++) {
                        size_t head = 0, tail = 0;
                        int members = 0;
                        if (up[c0] >= 0)
                                continue;
                        cnt = realloc(cnt, (n_up + 1) * sizeof(size_t));
                        up[c0] = (int) n_up;
                        pos[c0] = members++;
                        queue[tail++] = (int) c0;
                        while (head < tail && members < (lvl + 1 < LEVELS ? (int) G : 1 << 30)) {
                                int c = queue[head++];
                                for (size_t k = 0; k < cdeg[c] && members < (lvl + 1 < LEVELS ? (int) G : 1 << 30); k++) {
                                        int d = cadj[c][k];
                                        if (up[d] >= 0)
                                                continue;
                                        up[d] = (int) n_up;
                                        pos[d] = members++;
                                        queue[tail++] = d;
                                }
                        }
                        cnt[n_up++] = (size_t) members;
                }
                for (size_t i = 0; i < n; i++) {
                        addr[i].pos[lvl] = (uint32_t) pos[cl[i]];
                        cl[i] = up[cl[i]];
                }
                for (size_t c = 0; c < n_cl; c++)
                        free(cadj[c]);
                n_cl = n_up;
                free(up);
                free(pos);
                free(queue);
                free(cnt);
                free(cdeg);
                free(ccap);
                free(cadj);
        }
        free(cl);
}

static size_t count_paths(const QspnEngine *e)
{
        size_t n = 0;

        for (unsigned l = 0; l < LEVELS; l++)
                for (size_t k = 0; k < qspn_engine_n_destinations(e, l); k++)
                        n += qspn_engine_paths(e, qspn_engine_destination(e, l, k), false, NULL, 0);
        return n;
}

typedef struct Stage {
        double cpu;
        uint64_t sim_ms, etps, bytes;
} Stage;

typedef struct Result {
        char topo[32];
        size_t n, arcs;
        int waves;
        Stage form, refresh, rem, chg;
        double paths_per_id;
        size_t mem_avg, mem_max;
        uint64_t kind_etps[_SIM_ETP_KIND_MAX], kind_paths[_SIM_ETP_KIND_MAX]; /* formation */
} Result;

static Stage run_until_quiet(Sim *s)
{
        uint64_t t0 = sim_now(s), e0 = sim_etps(s), b0 = sim_bytes(s);
        double c0 = cpu_seconds();
        Stage st;

        sim_run(s, UINT64_MAX, UINT64_MAX);
        st.cpu = cpu_seconds() - c0;
        st.sim_ms = sim_last_activity(s) > t0 ? sim_last_activity(s) - t0 : 0;
        st.etps = sim_etps(s) - e0;
        st.bytes = sim_bytes(s) - b0;
        return st;
}

static QspnCost edge_cost(const Graph *g, int u, int v)
{
        for (size_t j = 0; j < g->n_e; j++)
                if ((g->e[j].a == u && g->e[j].b == v) || (g->e[j].a == v && g->e[j].b == u))
                        return g->e[j].cost;
        return 0;
}

/* Until every node of order[first..k) has completed its bootstrap (or nothing is pending). */
static void run_until_bootstrapped(Sim *s, const int *order, const int *id, int first, int k)
{
        for (;;) {
                bool all_up = true;
                for (int a = first; a < k && all_up; a++)
                        all_up = qspn_engine_bootstrap_complete(sim_engine(s, id[order[a]]));
                if (all_up || sim_idle(s))
                        return;
                sim_run(s, sim_now(s) + 5, UINT64_MAX);
        }
}

static Result bench(size_t n, uint64_t seed, uint64_t hold_ms, bool quiesce_waves)
{
        Graph g;
        NtkAddress *addr = calloc(n, sizeof(NtkAddress));
        NtkTopology t;
        NtkErr err;
        QspnConfig cfg;
        Sim *s;
        int *id = malloc(n * sizeof(int)), *wave = malloc(n * sizeof(int)), *order = malloc(n * sizeof(int));
        size_t head = 0, tail = 0, paths = 0;
        Result res = { .n = n };
        int32_t eld[NTK_MAX_LEVELS] = { 0 };
        uint64_t t0, e0, b0;
        double cpu0;

        rng_state = seed * 7919 + n;
        make_graph(&g, n);
        assign_addresses(&g, addr);
        res.arcs = g.n_e;
        /* every position must be real: widen the top level to fit the number of top clusters */
        {
                unsigned top = G;
                for (size_t i = 0; i < n; i++)
                        while (addr[i].pos[LEVELS - 1] >= top)
                                top *= 2;
                int len = snprintf(res.topo, sizeof res.topo, "%u", top);
                for (unsigned l = 1; l < LEVELS && len > 0 && (size_t) len < sizeof res.topo; l++)
                        len += snprintf(res.topo + len, sizeof res.topo - (size_t) len, ".%u", G);
        }
        if (ntk_topology_parse(res.topo, &t, &err) < 0) {
                fprintf(stderr, "topology: %s\n", err.msg);
                exit(1);
        }
        qspn_config_default(&cfg);
        cfg.periodic_ms = 0;
        cfg.forward_hold_ms = hold_ms;
        cfg.nodes_inside_ratio = ni_ratio;
        if (getenv("QSPN_NO_READV"))
                cfg.readvertise_on_loss = false;
        if (getenv("QSPN_NO_IOREP"))
                cfg.io_representative = false;
        s = sim_new(&t, &cfg, seed);

        /* BFS order from node 0 */
        for (size_t i = 0; i < n; i++) {
                wave[i] = -1;
                id[i] = -1;
        }
        wave[0] = 0;
        order[tail++] = 0;
        while (head < tail) {
                int u = order[head++];
                for (size_t k = 0; k < g.deg[u]; k++)
                        if (wave[g.adj[u][k]] < 0) {
                                wave[g.adj[u][k]] = 0;
                                order[tail++] = g.adj[u][k];
                        }
        }

        cpu0 = cpu_seconds();
        t0 = sim_now(s);
        e0 = sim_etps(s);
        b0 = sim_bytes(s);
        id[0] = sim_create_net(s, "n0", &addr[0], 1, eld);
        wave[0] = 0;
        for (size_t i = 1; i < n; i++)
                wave[i] = -1;
        sim_run(s, UINT64_MAX, UINT64_MAX);
        for (size_t present = 1; present < n;) {
                int w = ++res.waves, *members = malloc(n * sizeof(int));
                size_t nm = 0;
                /* A wave: in BFS order, every absent node that has a neighbour present since an earlier wave
                 * inside its host g-node (so that its bootstrap finds one, qspn.md §3.4). The host level is
                 * derived with this wave's entries counted: a second node of a g-node opened by this wave
                 * waits for the next one. */
                for (size_t k = 1; k < n; k++) {
                        int u = order[k];
                        unsigned hl;
                        bool ok = false;
                        SimPeerArc *pa;
                        size_t np = 0;
                        char name[16];
                        if (wave[u] >= 0)
                                continue;
                        hl = sim_derive_host_level(s, &addr[u]);
                        for (size_t q = 0; q < g.deg[u] && !ok; q++) {
                                int v = g.adj[u][q];
                                ok = wave[v] >= 0 && wave[v] < w;
                                for (unsigned l = hl; l < LEVELS && ok; l++)
                                        ok = addr[u].pos[l] == addr[v].pos[l];
                        }
                        if (!ok)
                                continue;
                        pa = malloc((g.deg[u] + 1) * sizeof(SimPeerArc));
                        for (size_t q = 0; q < g.deg[u]; q++) {
                                int v = g.adj[u][q];
                                if (wave[v] >= 0 && wave[v] < w)
                                        pa[np++] = (SimPeerArc){ id[v], edge_cost(&g, u, v) };
                        }
                        snprintf(name, sizeof name, "n%d", u);
                        sim_derive_elderships(s, &addr[u], eld);
                        id[u] = sim_enter_node(s, name, &addr[u], u + 1, eld, hl, pa, np);
                        free(pa);
                        if (id[u] < 0) {
                                fprintf(stderr, "node %d could not enter: %s\n", u, strerror(-id[u]));
                                exit(1);
                        }
                        wave[u] = w;
                        members[nm++] = u;
                }
                if (nm == 0) {
                        fprintf(stderr, "wave %d: no node can enter (g-nodes not connected?)\n", w);
                        exit(1);
                }
                present += nm;
                /* arcs inside the wave */
                for (size_t a = 0; a < nm; a++)
                        for (size_t q = 0; q < g.deg[members[a]]; q++) {
                                int u = members[a], v = g.adj[u][q];
                                if (wave[v] == w && u < v)
                                        (void) sim_arc_add(s, id[u], id[v], edge_cost(&g, u, v));
                        }
                if (quiesce_waves)
                        sim_run(s, UINT64_MAX, UINT64_MAX);
                else
                        run_until_bootstrapped(s, members, id, 0, (int) nm);
                free(members);
        }
        sim_run(s, UINT64_MAX, UINT64_MAX);
        res.form.cpu = cpu_seconds() - cpu0;
        res.form.sim_ms = sim_last_activity(s) - t0;
        res.form.etps = sim_etps(s) - e0;
        res.form.bytes = sim_bytes(s) - b0;
        sim_etp_kinds(s, res.kind_etps, res.kind_paths);

        for (size_t i = 0; i < n; i++) {
                size_t m = qspn_engine_memory(sim_engine(s, id[i]));
                res.mem_avg += m;
                paths += count_paths(sim_engine(s, id[i]));
        }
        res.mem_avg /= n;
        res.paths_per_id = (double) paths / n;
        /* one round of the periodic full ETP (qspn.md §3.6) */
        sim_refresh_all(s);
        res.refresh = run_until_quiet(s);
        /* one arc removal, one cost change (×3) */
        {
                size_t k = g.n_e / 2;
                sim_arc_remove(s, id[g.e[k].a], id[g.e[k].b]);
                res.rem = run_until_quiet(s);
                k = g.n_e / 3;
                sim_arc_cost(s, id[g.e[k].a], id[g.e[k].b], g.e[k].cost * 3);
                res.chg = run_until_quiet(s);
        }
        res.mem_max = sim_peak_engine_memory(s);
        sim_free(s);
        free(addr);
        free(id);
        free(wave);
        free(order);
        for (size_t i = 0; i < n; i++)
                free(g.adj[i]);
        free(g.adj);
        free(g.deg);
        free(g.p);
        free(g.e);
        return res;
}

static void print_stage(const Result *r, uint64_t hold, const char *what, const Stage *st, bool mem)
{
        printf("| %6zu | %5zu | %4d | %5" PRIu64 " | %-10s | %8.2f | %9" PRIu64 " | %9.1f | %10.0f |", r->n, r->arcs, r->waves,
                hold, what, st->cpu, st->sim_ms, (double) st->etps / r->n, (double) st->bytes / r->n);
        if (mem)
                printf(" %7.1f | %8zu | %8zu |\n", r->paths_per_id, r->mem_avg, r->mem_max);
        else
                printf("         |          |          |\n");
}

static void print_result(const Result *r, uint64_t hold)
{
        if (strcmp(r->topo, "16.16.16.16") != 0)
                printf("| %6zu | topology %s |\n", r->n, r->topo);
        print_stage(r, hold, "formation", &r->form, true);
        print_stage(r, hold, "refresh", &r->refresh, false);
        print_stage(r, hold, "arc remove", &r->rem, false);
        print_stage(r, hold, "cost ×3", &r->chg, false);
        printf("| %6zu | formation ETPs by kind (paths carried): full %" PRIu64 " (%" PRIu64 "), update %" PRIu64
               " (%" PRIu64 "), forward %" PRIu64 " (%" PRIu64 ") |\n",
                r->n, r->kind_etps[SIM_ETP_FULL], r->kind_paths[SIM_ETP_FULL], r->kind_etps[SIM_ETP_UPDATE],
                r->kind_paths[SIM_ETP_UPDATE], r->kind_etps[SIM_ETP_FORWARD], r->kind_paths[SIM_ETP_FORWARD]);
        fflush(stdout);
}

static double ratio(double a, double b)
{
        return b > 0 ? a / b : 0;
}

static bool option_refused; /* parse_u64 has said why */

/* An integer option from min to max, or a message naming it and false. */
static bool parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
        char *end;
        unsigned long long v;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (!*s || *end || errno || s[0] == '-' || v < min || v > max) {
                fprintf(stderr, "%s %s: must be an integer from %" PRIu64 " to %" PRIu64 "\n", opt, s, min, max);
                option_refused = true;
                return false;
        }
        *ret = v;
        return true;
}

int main(int argc, char **argv)
{
        size_t sizes[16];
        size_t n_sizes = 0, baseline_max = 100;
        uint64_t seed = 1, hold = 1000;
        bool quiesce_waves = false;

        for (int i = 1; i < argc; i++) {
                const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                uint64_t x;

                if (strcmp(o, "--quiesce-waves") == 0)
                        quiesce_waves = true;
                else if (v && strcmp(o, "--seed") == 0 && parse_u64(o, v, 0, UINT64_MAX, &seed) && ++i)
                        ;
                else if (v && strcmp(o, "--hold") == 0 && parse_u64(o, v, 0, 3600000, &hold) && ++i)
                        ;
                else if (v && strcmp(o, "--baseline-max") == 0 && parse_u64(o, v, 0, 1000000, &x) && ++i)
                        baseline_max = (size_t) x;
                else if (v && strcmp(o, "--gsize") == 0 && parse_u64(o, v, 2, 256, &x) && ++i) {
                        if (x & (x - 1)) {
                                fprintf(stderr, "--gsize %s: must be a power of 2\n", v);
                                return 2;
                        }
                        G = (unsigned) x;
                } else if (v && strcmp(o, "--levels") == 0 && parse_u64(o, v, 2, 8, &x) && ++i)
                        LEVELS = (unsigned) x;
                else if (v && strcmp(o, "--ni-ratio") == 0) {
                        char *end;
                        errno = 0;
                        ni_ratio = strtod(v, &end);
                        if (!*v || *end || errno || !(ni_ratio >= 0 && ni_ratio < 1)) {
                                fprintf(stderr, "--ni-ratio %s: must be a number from 0 to below 1\n", v);
                                return 2;
                        }
                        i++;
                } else if (o[0] != '-' && n_sizes < 16 && parse_u64("N", o, 2, 1000000, &x))
                        sizes[n_sizes++] = (size_t) x;
                else {
                        if (o[0] == '-' && !option_refused)
                                fprintf(stderr, "%s%s: unknown option, a missing value or a bad value\n", o,
                                        v ? "" : " (no value)");
                        fprintf(stderr, "usage: bench-qspn-sim [N...] [--seed S] [--hold MS] [--baseline-max N] "
                                        "[--quiesce-waves] [--gsize G] [--levels L] [--ni-ratio R]\n");
                        return 2;
                }
        }
        /* the topology, before any work (the top level may still widen with the regions) */
        {
                char topo[64];
                int len = snprintf(topo, sizeof topo, "%u", G);
                NtkTopology t;
                NtkErr err;
                for (unsigned l = 1; l < LEVELS; l++)
                        len += snprintf(topo + len, sizeof topo - (size_t) len, ".%u", G);
                if (ntk_topology_parse(topo, &t, &err) < 0) {
                        fprintf(stderr, "--gsize %u --levels %u: topology %s: %s\n", G, LEVELS, topo, err.msg);
                        return 2;
                }
        }
        if (n_sizes == 0) {
                sizes[0] = 100;
                sizes[1] = 200;
                sizes[2] = 500;
                n_sizes = 3;
        }
        printf("topology %u levels of gsize %u (top level widened when the regions need it), random geometric graph "
               "(avg degree ~6), g-nodes = BFS clusters, seed %" PRIu64 ", formation %s\n",
                LEVELS, G, seed, quiesce_waves ? "wave by wave, quiescent in between" : "overlapped waves");
        printf("hold = QspnConfig.forward_hold_ms (0 = the reference: every forward at once); per node: ETPs and bytes "
               "sent; mem = bytes held by one identity (avg after formation, max over the whole run); nodes_inside "
               "ratio %.2f%s\n", ni_ratio, ni_ratio == 0.1 ? " (the reference)" : "");
        printf("|      N |  arcs | waves | hold | stage | CPU s | sim ms to quiet | ETPs/node | bytes/node | paths/id | mem avg B | mem max B |\n");
        printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (size_t i = 0; i < n_sizes; i++) {
                Result base = { 0 }, r;
                bool has_base = hold > 0 && sizes[i] <= baseline_max;
                if (has_base) {
                        base = bench(sizes[i], seed, 0, quiesce_waves);
                        print_result(&base, 0);
                }
                r = bench(sizes[i], seed, hold, quiesce_waves);
                print_result(&r, hold);
                if (has_base)
                        printf("| %6zu | ratio hold %" PRIu64 " / reference: formation CPU %.3f, ETPs %.3f, bytes %.3f, "
                               "mem max %.3f; arc remove ETPs %.3f; cost change ETPs %.3f |\n",
                                sizes[i], hold, ratio(r.form.cpu, base.form.cpu),
                                ratio((double) r.form.etps, (double) base.form.etps),
                                ratio((double) r.form.bytes, (double) base.form.bytes),
                                ratio((double) r.mem_max, (double) base.mem_max),
                                ratio((double) r.rem.etps, (double) base.rem.etps),
                                ratio((double) r.chg.etps, (double) base.chg.etps));
                fflush(stdout);
        }
        return 0;
}
