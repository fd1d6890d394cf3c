/* test-neighbour.c — the Neighborhood state machine: simulated systems on one link wired through their
 * actions (discovery, export, cost hysteresis, removal order, invariants). Must not: use clocks, sockets or
 * randomness. */
#include <errno.h>
#include <glib.h>
#include <stdio.h>

#include "linklocal.h"
#include "neighbour.h"

#define LL(x, y) (NTK_LINKLOCAL_NET | ((uint32_t) (x) << 8) | (uint32_t) (y))
#define ID_BASE 1001 /* systems A, B, C have node ids 1001, 1002, 1003 */
#define MAX_SYS 4

/* ---------------------------------------------------------------------------------------------------------
 * The world: systems with one NIC "eth1" each on one link, a FIFO of pending deliveries and a virtual clock.
 * ---------------------------------------------------------------------------------------------------------
 */

typedef struct Sys {
        NtkNb *nb;
        uint8_t mac[6];
        uint32_t ll;
        bool started; /* eth1 is managed */
        bool dead;    /* stopped: receives nothing, answers nothing */
        int fail_cye; /* as callee, fail this many can_you_export calls with a transport error */
        bool has_addr;
        GHashTable *routes; /* "dev peer_ll my_ll" */
        GPtrArray *log;
} Sys;

typedef enum EvKind {
        EV_BCAST,      /* deliver msg to `to` */
        EV_CYE_CALL,   /* can_you_export from `from` (arc_id on its side) arrives at `to` */
        EV_CYE_RESULT, /* result of from's call arrives back at `to` */
        EV_RTT,        /* MEASURE_RTT result for `to` */
        EV_NOP_FAIL,   /* SEND_NOP of `to` failed */
} EvKind;

typedef struct Ev {
        EvKind kind;
        int to, from;
        NtkNbMsg msg;
        uint64_t arc_id;
        uint32_t from_ll;
        bool peer_can;
        int result;
        int64_t rtt;
} Ev;

typedef struct World {
        Sys sys[MAX_SYS];
        int n;
        GQueue q;
        uint64_t now;
        int64_t rtt[MAX_SYS][MAX_SYS]; /* what sys i measures towards sys j */
        NtkNbActions acts;
} World;

static char peer_name(NtkNodeId id)
{
        return id >= ID_BASE && id < ID_BASE + MAX_SYS ? (char) ('A' + (id - ID_BASE)) : '?';
}

static int sys_by_ll(World *w, uint32_t ll)
{
        for (int i = 0; i < w->n; i++)
                if (w->sys[i].started && w->sys[i].ll == ll)
                        return i;
        return -1;
}

static void enqueue(World *w, Ev ev)
{
        g_queue_push_tail(&w->q, g_memdup2(&ev, sizeof(ev)));
}

static char *route_key(const char *dev, uint32_t my_ll, uint32_t peer_ll)
{
        return g_strdup_printf("%s %08x %08x", dev, peer_ll, my_ll);
}

/* Logs and executes the actions one system produced, in order, then empties the vector. */
static void run_actions(World *w, int s)
{
        Sys *sys = &w->sys[s];

        for (size_t i = 0; i < w->acts.n; i++) {
                const NtkNbAction *a = &w->acts.v[i];
                char *line;
                int t;

                switch (a->kind) {
                case NTK_NB_SEND_BROADCAST:
                        line = a->msg.your_id ? g_strdup_printf("send-broadcast:%s %c",
                                                        ntk_nb_msg_type_to_string(a->msg.type),
                                                        peer_name(a->msg.your_id))
                                              : g_strdup_printf("send-broadcast:%s",
                                                        ntk_nb_msg_type_to_string(a->msg.type));
                        break;
                case NTK_NB_ARC_ADDED:
                case NTK_NB_ARC_CHANGED:
                        line = g_strdup_printf("%s %c cost=%" G_GINT64_FORMAT,
                                ntk_nb_action_kind_to_string(a->kind), peer_name(a->arc.peer_id),
                                a->arc.cost_us);
                        break;
                case NTK_NB_ARC_REMOVING:
                        line = g_strdup_printf(
                                "arc-removing %c usable=%d", peer_name(a->arc.peer_id), a->is_still_usable);
                        break;
                case NTK_NB_ADD_ADDRESS:
                case NTK_NB_DEL_ADDRESS:
                case NTK_NB_NIC_ADDRESS_SET:
                case NTK_NB_NIC_ADDRESS_UNSET:
                        line = g_strdup(ntk_nb_action_kind_to_string(a->kind));
                        break;
                default:
                        line = g_strdup_printf(
                                "%s %c", ntk_nb_action_kind_to_string(a->kind), peer_name(a->arc.peer_id));
                        break;
                }
                g_ptr_array_add(sys->log, line);

                switch (a->kind) {
                case NTK_NB_SEND_BROADCAST:
                        g_assert_cmphex(a->msg.my_ll, ==, sys->ll);
                        if (sys->dead)
                                break;
                        for (t = 0; t < w->n; t++)
                                if (t != s && w->sys[t].started && !w->sys[t].dead)
                                        enqueue(w, (Ev){.kind = EV_BCAST, .to = t, .msg = a->msg});
                        break;
                case NTK_NB_CALL_CAN_YOU_EXPORT: {
                        g_autofree char *k = route_key(a->dev, a->ll, a->arc.peer_ll);

                        /* We can only reach the peer through our host route. */
                        g_assert_true(g_hash_table_contains(sys->routes, k));
                        t = sys_by_ll(w, a->arc.peer_ll);
                        if (t < 0)
                                enqueue(w, (Ev){.kind = EV_CYE_RESULT,
                                                   .to = s,
                                                   .arc_id = a->arc.arc_id,
                                                   .result = -1});
                        else
                                enqueue(w, (Ev){.kind = EV_CYE_CALL,
                                                   .to = t,
                                                   .from = s,
                                                   .arc_id = a->arc.arc_id,
                                                   .from_ll = a->ll,
                                                   .peer_can = a->i_can_export});
                        break;
                }
                case NTK_NB_SEND_NOP:
                        t = sys_by_ll(w, a->arc.peer_ll);
                        if (t < 0 || w->sys[t].dead)
                                enqueue(w, (Ev){.kind = EV_NOP_FAIL, .to = s, .arc_id = a->arc.arc_id});
                        break;
                case NTK_NB_MEASURE_RTT:
                        t = sys_by_ll(w, a->arc.peer_ll);
                        enqueue(w, (Ev){.kind = EV_RTT,
                                           .to = s,
                                           .arc_id = a->arc.arc_id,
                                           .rtt = t < 0 || w->sys[t].dead ? -1 : w->rtt[s][t]});
                        break;
                case NTK_NB_ADD_HOST_ROUTE: {
                        char *k = route_key(a->dev, a->ll, a->arc.peer_ll);
                        g_assert_false(g_hash_table_contains(sys->routes, k));
                        g_hash_table_add(sys->routes, k);
                        break;
                }
                case NTK_NB_DEL_HOST_ROUTE: {
                        g_autofree char *k = route_key(a->dev, a->ll, a->arc.peer_ll);
                        g_assert_true(g_hash_table_remove(sys->routes, k));
                        break;
                }
                case NTK_NB_ADD_ADDRESS:
                        g_assert_false(sys->has_addr);
                        sys->has_addr = true;
                        break;
                case NTK_NB_DEL_ADDRESS:
                        g_assert_true(sys->has_addr);
                        sys->has_addr = false;
                        break;
                default:
                        break;
                }
        }
        ntk_nb_actions_clear(&w->acts);
}

static void dispatch(World *w, const Ev *ev)
{
        Sys *t = &w->sys[ev->to];
        bool reply = false;
        int r, result;

        switch (ev->kind) {
        case EV_BCAST:
                if (t->dead || !t->started)
                        return;
                r = ntk_nb_recv_broadcast(t->nb, "eth1", &ev->msg, w->now, &w->acts);
                g_assert_cmpint(r, ==, 0);
                run_actions(w, ev->to);
                return;
        case EV_CYE_CALL: {
                g_autofree char *k = route_key("eth1", t->ll, ev->from_ll);

                /* TCP needs our route back to the caller too: a transport error without it. */
                if (t->dead || !g_hash_table_contains(t->routes, k))
                        result = -1;
                else if (t->fail_cye > 0) {
                        t->fail_cye--;
                        result = -1;
                } else {
                        r = ntk_nb_recv_can_you_export(
                                t->nb, "eth1", ev->from_ll, ev->peer_can, w->now, &reply, &w->acts);
                        g_assert_true(r == 0 || r == -ENOENT);
                        run_actions(w, ev->to);
                        result = r == 0 && reply; /* B17: unknown arc -> a definite "false" */
                }
                enqueue(w,
                        (Ev){.kind = EV_CYE_RESULT, .to = ev->from, .arc_id = ev->arc_id, .result = result});
                return;
        }
        case EV_CYE_RESULT:
                if (t->dead)
                        return;
                r = ntk_nb_can_you_export_result(t->nb, ev->arc_id, ev->result, w->now, &w->acts);
                g_assert_true(r == 0 || r == -ENOENT);
                run_actions(w, ev->to);
                return;
        case EV_RTT:
                if (t->dead)
                        return;
                r = ntk_nb_rtt_measured(t->nb, ev->arc_id, ev->rtt, w->now, &w->acts);
                g_assert_true(r == 0 || r == -ENOENT);
                run_actions(w, ev->to);
                return;
        case EV_NOP_FAIL:
                if (t->dead)
                        return;
                r = ntk_nb_keepalive_failed(t->nb, ev->arc_id, w->now, &w->acts);
                g_assert_true(r == 0 || r == -ENOENT);
                run_actions(w, ev->to);
                return;
        }
}

static void pump(World *w)
{
        unsigned guard = 0;
        Ev *ev;

        while ((ev = g_queue_pop_head(&w->q))) {
                dispatch(w, ev);
                g_free(ev);
                g_assert_cmpuint(++guard, <, 100000);
        }
}

static void world_init(World *w, int n)
{
        *w = (World){.n = n};
        g_queue_init(&w->q);
        for (int i = 0; i < n; i++) {
                Sys *s = &w->sys[i];

                g_assert_cmpint(ntk_nb_new(ID_BASE + i, 77 + i, NULL, &s->nb), ==, 0);
                memcpy(s->mac, (uint8_t[6]){0x02, 0, 0, 0, 0, (uint8_t) (i + 1)}, 6);
                s->ll = LL(10 + i, 1 + i);
                s->routes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
                s->log = g_ptr_array_new_with_free_func(g_free);
                for (int j = 0; j < n; j++)
                        w->rtt[i][j] = 1000 + 100 * i + 10 * j;
        }
}

static void world_done(World *w)
{
        for (int i = 0; i < w->n; i++) {
                ntk_nb_free(w->sys[i].nb);
                g_hash_table_unref(w->sys[i].routes);
                g_ptr_array_unref(w->sys[i].log);
        }
        g_queue_clear_full(&w->q, g_free);
        ntk_nb_actions_done(&w->acts);
}

/* Starts eth1 on every system of the list at the same instant (nothing is delivered in between), then pumps.
 */
static void start_many(World *w, const int *list, int n)
{
        for (int i = 0; i < n; i++)
                w->sys[list[i]].started = true;
        for (int i = 0; i < n; i++) {
                Sys *s = &w->sys[list[i]];

                g_assert_cmpint(ntk_nb_nic_start(s->nb, "eth1", s->mac, s->ll, w->now, &w->acts), ==, 0);
                run_actions(w, list[i]);
        }
        pump(w);
}

static void start(World *w, int s)
{
        start_many(w, &s, 1);
}

/* Runs every timer of every live system up to end, in time order, delivering everything in between. */
static void advance_to(World *w, uint64_t end)
{
        for (;;) {
                uint64_t next = UINT64_MAX;

                for (int i = 0; i < w->n; i++)
                        if (w->sys[i].started && !w->sys[i].dead) {
                                uint64_t d = ntk_nb_next_deadline(w->sys[i].nb);
                                if (d < next)
                                        next = d;
                        }
                if (next > end)
                        break;
                if (next > w->now)
                        w->now = next;
                for (int i = 0; i < w->n; i++)
                        if (w->sys[i].started && !w->sys[i].dead &&
                                ntk_nb_next_deadline(w->sys[i].nb) <= w->now) {
                                g_assert_cmpint(ntk_nb_tick(w->sys[i].nb, w->now, &w->acts), ==, 0);
                                run_actions(w, i);
                        }
                pump(w);
        }
        w->now = end;
}

static unsigned log_count(const Sys *s, const char *line)
{
        unsigned c = 0;

        for (size_t i = 0; i < s->log->len; i++)
                c += streq(g_ptr_array_index(s->log, i), line);
        return c;
}

static unsigned log_count_prefix(const Sys *s, size_t from, const char *prefix)
{
        unsigned c = 0;

        for (size_t i = from; i < s->log->len; i++)
                c += startswith(g_ptr_array_index(s->log, i), prefix);
        return c;
}

/* seq (NULL-terminated) appears as consecutive log lines at or after index from. */
static bool log_has_run(const Sys *s, size_t from, const char *const *seq)
{
        size_t n = 0;

        while (seq[n])
                n++;
        for (size_t i = from; i + n <= s->log->len; i++) {
                size_t k = 0;

                while (k < n && streq(g_ptr_array_index(s->log, i + k), seq[k]))
                        k++;
                if (k == n)
                        return true;
        }
        return false;
}

static void dump_log(const Sys *s, char name)
{
        for (size_t i = 0; i < s->log->len; i++)
                g_test_message("%c: %s", name, (const char *) g_ptr_array_index(s->log, i));
}

static size_t n_arcs(const Sys *s, bool measured_only)
{
        return ntk_nb_list_arcs(s->nb, measured_only, NULL, 0);
}

/* Each pair of started systems has exactly one arc on each end, exported and measured, with the right data.
 */
static void assert_full_mesh(World *w)
{
        for (int i = 0; i < w->n; i++) {
                NtkNbArcInfo arcs[MAX_SYS];
                size_t n = ntk_nb_list_arcs(w->sys[i].nb, false, arcs, MAX_SYS);

                if (n != (size_t) w->n - 1)
                        dump_log(&w->sys[i], (char) ('A' + i));
                g_assert_cmpuint(n, ==, w->n - 1);
                g_assert_cmpuint(g_hash_table_size(w->sys[i].routes), ==, w->n - 1);
                for (size_t k = 0; k < n; k++) {
                        int j = sys_by_ll(w, arcs[k].peer_ll);

                        g_assert_cmpint(j, >=, 0);
                        g_assert_cmpint(j, !=, i);
                        g_assert_cmpuint(arcs[k].peer_id, ==, ID_BASE + j);
                        g_assert_cmpmem(arcs[k].peer_mac, 6, w->sys[j].mac, 6);
                        g_assert_cmpstr(arcs[k].dev, ==, "eth1");
                        g_assert_cmphex(arcs[k].my_ll, ==, w->sys[i].ll);
                        g_assert_true(arcs[k].exported);
                        g_assert_true(arcs[k].has_cost);
                        g_assert_cmpint(arcs[k].cost_us, ==, w->rtt[i][j]);
                }
        }
}

/* ---------------------------------------------------------------------------------------------------------
 * Discovery
 * ---------------------------------------------------------------------------------------------------------
 */

static void test_two_systems_discover_export_and_add_after_first_rtt(void)
{
        World w;

        world_init(&w, 2);
        start(&w, 0);
        g_assert_cmpuint(n_arcs(&w.sys[0], false), ==, 0); /* nobody heard A's first radar */
        g_assert_true(w.sys[0].has_addr);
        g_assert_true(log_has_run(&w.sys[0], 0,
                (const char *[]){"add-address", "nic-address-set", "send-broadcast:here_i_am", NULL}));

        w.now = 1000;
        start(&w, 1);
        /* A heard B's radar: route first, then request_arc; B answers with can_you_export over its route. */
        g_assert_true(log_has_run(
                &w.sys[0], 0, (const char *[]){"add-host-route B", "send-broadcast:request_arc B", NULL}));
        g_assert_true(log_has_run(
                &w.sys[1], 0, (const char *[]){"add-host-route A", "call-can-you-export A", NULL}));
        assert_full_mesh(&w);
        g_assert_cmpuint(log_count(&w.sys[0], "arc-added B cost=1010"), ==, 1);
        g_assert_cmpuint(log_count(&w.sys[1], "arc-added A cost=1100"), ==, 1);

        /* Ten quiet minutes: nothing new, one probe every 28-30 s per arc. */
        size_t mark = w.sys[0].log->len;
        advance_to(&w, 1000 + 600000);
        assert_full_mesh(&w);
        for (int i = 0; i < 2; i++) {
                g_assert_cmpuint(log_count_prefix(&w.sys[i], 0, "arc-added"), ==, 1);
                g_assert_cmpuint(log_count_prefix(&w.sys[i], 0, "arc-changed"), ==, 0);
                g_assert_cmpuint(log_count_prefix(&w.sys[i], 0, "add-host-route"), ==, 1);
        }
        unsigned probes = log_count_prefix(&w.sys[0], mark, "measure-rtt");
        g_assert_cmpuint(probes, >=, 20);
        g_assert_cmpuint(probes, <=, 22);
        g_assert_cmpuint(log_count_prefix(&w.sys[0], mark, "send-broadcast:here_i_am"), ==, 10);
        world_done(&w);
}

static void test_symmetric_simultaneous_discovery_is_idempotent(void)
{
        World w;
        int both[] = {0, 1};

        world_init(&w, 2);
        start_many(&w, both, 2);
        assert_full_mesh(&w);
        for (int i = 0; i < 2; i++) {
                const Sys *s = &w.sys[i];

                /* Each end created its arc on the other's here_i_am, reused it on request_arc, and the two
                 * crossing can_you_export calls exported it once (B16): one route, one monitor, one event.
                 */
                g_assert_cmpuint(log_count_prefix(s, 0, "add-host-route"), ==, 1);
                g_assert_cmpuint(log_count_prefix(s, 0, "call-can-you-export"), ==, 1);
                g_assert_cmpuint(log_count_prefix(s, 0, "measure-rtt"), ==, 1);
                g_assert_cmpuint(log_count_prefix(s, 0, "arc-added"), ==, 1);
        }
        advance_to(&w, 600000);
        assert_full_mesh(&w);
        for (int i = 0; i < 2; i++) {
                unsigned probes = log_count_prefix(&w.sys[i], 0, "measure-rtt");

                g_assert_cmpuint(probes, >=, 21);
                g_assert_cmpuint(probes, <=, 23);
                g_assert_cmpuint(log_count_prefix(&w.sys[i], 0, "arc-added"), ==, 1);
                g_assert_cmpuint(log_count_prefix(&w.sys[i], 0, "add-host-route"), ==, 1);
        }
        world_done(&w);
}

static void test_three_systems_full_mesh_with_asymmetric_costs(void)
{
        World w;

        world_init(&w, 3);
        start(&w, 0);
        w.now = 5000;
        start(&w, 1);
        w.now = 20000;
        start(&w, 2);
        assert_full_mesh(&w);
        g_assert_cmpuint(log_count(&w.sys[2], "arc-added A cost=1200"), ==, 1);
        g_assert_cmpuint(log_count(&w.sys[0], "arc-added C cost=1020"), ==, 1);
        advance_to(&w, 300000);
        assert_full_mesh(&w);
        for (int i = 0; i < 3; i++)
                g_assert_cmpuint(log_count_prefix(&w.sys[i], 0, "arc-added"), ==, 2);
        world_done(&w);
}

static void test_can_you_export_transport_error_is_retried_on_next_radar(void)
{
        World w;

        world_init(&w, 2);
        start(&w, 0);
        w.sys[0].fail_cye = 1; /* B's first can_you_export to A is lost */
        w.now = 1000;
        start(&w, 1);
        g_assert_cmpuint(n_arcs(&w.sys[0], false), ==, 1);
        g_assert_cmpuint(n_arcs(&w.sys[1], false), ==, 1);
        g_assert_cmpuint(n_arcs(&w.sys[0], true), ==, 0);
        g_assert_cmpuint(n_arcs(&w.sys[1], true), ==, 0);

        /* B2: A's next radar (t = 60 s) makes B ask again; both ends export. */
        advance_to(&w, 60000);
        assert_full_mesh(&w);
        g_assert_cmpuint(log_count(&w.sys[1], "call-can-you-export A"), ==, 2);
        g_assert_cmpuint(log_count_prefix(&w.sys[1], 0, "add-host-route"), ==, 1);
        world_done(&w);
}

static void test_max_arcs_limits_exports_symmetrically(void)
{
        World w;

        world_init(&w, 3);
        g_assert_cmpint(ntk_nb_set_max_arcs(w.sys[0].nb, 1), ==, 0);
        start(&w, 0);
        w.now = 1000;
        start(&w, 1);
        w.now = 2000;
        start(&w, 2);
        advance_to(&w, 300000);

        NtkNbArcInfo arcs[MAX_SYS];
        size_t n = ntk_nb_list_arcs(w.sys[0].nb, false, arcs, MAX_SYS), exported = 0;
        g_assert_cmpuint(n, ==, 2);
        for (size_t k = 0; k < n; k++) {
                NtkNbArcInfo other;
                int j = sys_by_ll(&w, arcs[k].peer_ll);

                exported += arcs[k].exported;
                /* Both ends agree on every arc. */
                g_assert_cmpint(ntk_nb_find_arc(w.sys[j].nb, "eth1", w.sys[0].ll, &other), ==, 0);
                g_assert_cmpint(other.exported, ==, arcs[k].exported);
        }
        g_assert_cmpuint(exported, ==, 1);
        g_assert_cmpuint(log_count_prefix(&w.sys[0], 0, "arc-added"), ==, 1);
        /* B and C still reach each other. */
        NtkNbArcInfo bc;
        g_assert_cmpint(ntk_nb_find_arc(w.sys[1].nb, "eth1", w.sys[2].ll, &bc), ==, 0);
        g_assert_true(bc.exported && bc.has_cost);
        world_done(&w);
}

/* ---------------------------------------------------------------------------------------------------------
 * Removal (§2.7)
 * ---------------------------------------------------------------------------------------------------------
 */

static void discover_two(World *w)
{
        world_init(w, 2);
        start(w, 0);
        w->now = 1000;
        start(w, 1);
        assert_full_mesh(w);
}

static void test_dead_peer_is_removed_in_order_without_broadcast(void)
{
        World w;
        size_t mark;

        discover_two(&w);
        mark = w.sys[0].log->len;
        w.sys[1].dead = true;
        advance_to(&w, 1000 + 31000);
        g_assert_true(log_has_run(&w.sys[0], mark,
                (const char *[]){"arc-removing B usable=0", "del-host-route B", "arc-removed B", NULL}));
        g_assert_cmpuint(log_count_prefix(&w.sys[0], mark, "send-broadcast:remove_arc"), ==, 0);
        g_assert_cmpuint(n_arcs(&w.sys[0], false), ==, 0);
        g_assert_cmpuint(g_hash_table_size(w.sys[0].routes), ==, 0);
        world_done(&w);
}

static void test_user_removal_reaches_the_peer_and_arc_comes_back(void)
{
        World w;
        NtkNbArcInfo arc;
        size_t mark_a, mark_b;

        discover_two(&w);
        mark_a = w.sys[0].log->len;
        mark_b = w.sys[1].log->len;
        g_assert_cmpuint(ntk_nb_list_arcs(w.sys[0].nb, true, &arc, 1), ==, 1);
        g_assert_cmpint(ntk_nb_remove_arc(w.sys[0].nb, arc.arc_id, true, w.now, &w.acts), ==, 0);
        run_actions(&w, 0);
        pump(&w);
        g_assert_true(log_has_run(&w.sys[0], mark_a,
                (const char *[]){"arc-removing B usable=1", "del-host-route B",
                        "send-broadcast:remove_arc B", "arc-removed B", NULL}));
        g_assert_true(log_has_run(&w.sys[1], mark_b,
                (const char *[]){"arc-removing A usable=0", "del-host-route A", "arc-removed A", NULL}));
        for (int i = 0; i < 2; i++) {
                g_assert_cmpuint(n_arcs(&w.sys[i], false), ==, 0);
                g_assert_cmpuint(g_hash_table_size(w.sys[i].routes), ==, 0);
        }
        /* Idempotent (§2.7 step 1). */
        g_assert_cmpint(ntk_nb_remove_arc(w.sys[0].nb, arc.arc_id, true, w.now, &w.acts), ==, -ENOENT);
        g_assert_cmpuint(w.acts.n, ==, 0);

        /* The next radar finds the neighbour again. */
        advance_to(&w, 62000);
        assert_full_mesh(&w);
        g_assert_cmpuint(log_count_prefix(&w.sys[0], 0, "arc-added"), ==, 2);
        world_done(&w);
}

static void test_nic_stop_removes_arcs_then_address(void)
{
        World w;
        size_t mark_a, mark_b;

        discover_two(&w);
        mark_a = w.sys[0].log->len;
        mark_b = w.sys[1].log->len;
        g_assert_cmpint(ntk_nb_nic_stop(w.sys[0].nb, "eth9", w.now, &w.acts), ==, -ENOENT);
        g_assert_cmpint(ntk_nb_nic_stop(w.sys[0].nb, "eth1", w.now, &w.acts), ==, 0);
        run_actions(&w, 0);
        w.sys[0].started = false;
        pump(&w);
        g_assert_true(log_has_run(&w.sys[0], mark_a,
                (const char *[]){"arc-removing B usable=1", "del-host-route B",
                        "send-broadcast:remove_arc B", "arc-removed B", "del-address", "nic-address-unset",
                        NULL}));
        g_assert_false(w.sys[0].has_addr);
        g_assert_cmpuint(ntk_nb_list_nics(w.sys[0].nb, NULL, 0), ==, 0);
        g_assert_true(log_has_run(&w.sys[1], mark_b,
                (const char *[]){"arc-removing A usable=0", "del-host-route A", "arc-removed A", NULL}));
        g_assert_cmpuint(n_arcs(&w.sys[1], false), ==, 0);
        g_assert_cmpuint(ntk_nb_next_deadline(w.sys[0].nb), ==, UINT64_MAX);
        world_done(&w);
}

/* ---------------------------------------------------------------------------------------------------------
 * One system fed by hand
 * ---------------------------------------------------------------------------------------------------------
 */

#define SOLO_ID 1
#define MAC(b) ((const uint8_t[6]){0x02, 0, 0, 0, 0, (uint8_t) (b)})

typedef struct Solo {
        NtkNb *nb;
        NtkNbActions acts;
} Solo;

static void solo_init(Solo *s, const NtkNbConfig *cfg)
{
        *s = (Solo){};
        g_assert_cmpint(ntk_nb_new(SOLO_ID, 5, cfg, &s->nb), ==, 0);
        g_assert_cmpint(ntk_nb_nic_start(s->nb, "eth1", MAC(1), LL(1, 1), 0, &s->acts), ==, 0);
        g_assert_cmpint(ntk_nb_nic_start(s->nb, "eth2", MAC(2), LL(1, 2), 0, &s->acts), ==, 0);
        ntk_nb_actions_clear(&s->acts);
}

static void solo_done(Solo *s)
{
        ntk_nb_free(s->nb);
        ntk_nb_actions_done(&s->acts);
}

static NtkNbMsg here_i_am(NtkNodeId id, unsigned mac, uint32_t ll)
{
        NtkNbMsg m = {.type = NTK_NB_MSG_HERE_I_AM, .my_id = id, .my_ll = ll};

        memcpy(m.my_mac, MAC(mac), 6);
        return m;
}

static NtkNbMsg addressed(NtkNbMsgType type, NtkNodeId id, unsigned mac, uint32_t ll, NtkNodeId your_id,
        unsigned your_mac, uint32_t your_ll)
{
        NtkNbMsg m = here_i_am(id, mac, ll);

        m.type = type;
        m.your_id = your_id;
        memcpy(m.your_mac, MAC(your_mac), 6);
        m.your_ll = your_ll;
        return m;
}

/* Delivers m on dev; returns how many actions it caused (and leaves them in s->acts). */
static size_t solo_recv(Solo *s, const char *dev, NtkNbMsg m)
{
        ntk_nb_actions_clear(&s->acts);
        g_assert_cmpint(ntk_nb_recv_broadcast(s->nb, dev, &m, 0, &s->acts), ==, 0);
        return s->acts.n;
}

static uint64_t drops(const Solo *s, NtkNbDrop d)
{
        return ntk_nb_stats(s->nb)->drops[d];
}

static void test_invariant_violations_are_ignored_and_counted(void)
{
        Solo s;

        solo_init(&s, NULL);
        /* Peer P: node 50, MAC :50, 169.254.5.5, on eth1. */
        g_assert_cmpuint(solo_recv(&s, "eth1", here_i_am(50, 0x50, LL(5, 5))), ==, 2);
        g_assert_cmpint(s.acts.v[0].kind, ==, NTK_NB_ADD_HOST_ROUTE);
        g_assert_cmpint(s.acts.v[1].kind, ==, NTK_NB_SEND_BROADCAST);
        g_assert_cmpint(s.acts.v[1].msg.type, ==, NTK_NB_MSG_REQUEST_ARC);
        g_assert_cmpuint(s.acts.v[1].msg.your_id, ==, 50);

        struct {
                const char *what, *dev;
                NtkNbMsg msg;
                NtkNbDrop why;
        } bad[] = {
                {"same MAC, another node id", "eth1", here_i_am(51, 0x50, LL(5, 5)),
                        NTK_NB_DROP_INV1_MAC_ID},
                {"our own MAC", "eth1", here_i_am(52, 0x01, LL(5, 9)), NTK_NB_DROP_INV1_MAC_ID},
                {"same MAC, a second link-local", "eth1", here_i_am(50, 0x50, LL(5, 6)),
                        NTK_NB_DROP_INV2_MAC_LL},
                {"another MAC with P's link-local", "eth1", here_i_am(60, 0x60, LL(5, 5)),
                        NTK_NB_DROP_INV2B_LL},
                {"a neighbour using our link-local", "eth1", here_i_am(61, 0x61, LL(1, 2)),
                        NTK_NB_DROP_INV2B_LL},
                {"P's MAC on another local NIC", "eth2", here_i_am(50, 0x50, LL(5, 5)),
                        NTK_NB_DROP_INV3_MAC_DEV},
                {"P's node again from this NIC", "eth1", here_i_am(50, 0x51, LL(5, 7)),
                        NTK_NB_DROP_INV4_DEV_ID},
                {"ourselves", "eth1", here_i_am(SOLO_ID, 0x70, LL(7, 7)), NTK_NB_DROP_SELF},
                {"169.254.0.x", "eth1", here_i_am(70, 0x70, LL(0, 7)), NTK_NB_DROP_MALFORMED},
                {"169.254.255.x", "eth1", here_i_am(70, 0x70, LL(255, 7)), NTK_NB_DROP_MALFORMED},
                {"node id 0", "eth1", here_i_am(0, 0x70, LL(7, 7)), NTK_NB_DROP_MALFORMED},
                {"multicast MAC", "eth1", here_i_am(70, 0x70, LL(7, 7)), NTK_NB_DROP_MALFORMED},
                {"unmanaged NIC", "eth9", here_i_am(70, 0x70, LL(7, 7)), NTK_NB_DROP_UNMANAGED_DEV},
                {"request_arc for another node", "eth1",
                        addressed(NTK_NB_MSG_REQUEST_ARC, 70, 0x70, LL(7, 7), 2, 0x01, LL(1, 1)),
                        NTK_NB_DROP_NOT_FOR_ME},
                {"request_arc for another MAC", "eth1",
                        addressed(NTK_NB_MSG_REQUEST_ARC, 70, 0x70, LL(7, 7), SOLO_ID, 0x02, LL(1, 1)),
                        NTK_NB_DROP_NOT_FOR_ME},
                {"request_arc for eth2's link-local on eth1", "eth1",
                        addressed(NTK_NB_MSG_REQUEST_ARC, 70, 0x70, LL(7, 7), SOLO_ID, 0x01, LL(1, 2)),
                        NTK_NB_DROP_NOT_FOR_ME},
                {"remove_arc from P's MAC with another link-local", "eth1",
                        addressed(NTK_NB_MSG_REMOVE_ARC, 50, 0x50, LL(5, 9), SOLO_ID, 0x01, LL(1, 1)),
                        NTK_NB_DROP_INV2_MAC_LL},
                {"remove_arc from P's MAC with another id", "eth1",
                        addressed(NTK_NB_MSG_REMOVE_ARC, 59, 0x50, LL(5, 5), SOLO_ID, 0x01, LL(1, 1)),
                        NTK_NB_DROP_INV1_MAC_ID},
                {"remove_arc of an arc we do not have", "eth1",
                        addressed(NTK_NB_MSG_REMOVE_ARC, 80, 0x80, LL(8, 8), SOLO_ID, 0x01, LL(1, 1)),
                        NTK_NB_DROP_UNKNOWN_ARC},
        };
        bad[11].msg.my_mac[0] = 0x03; /* group bit */

        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                uint64_t before = drops(&s, bad[i].why);

                g_test_message("%s", bad[i].what);
                g_assert_cmpuint(solo_recv(&s, bad[i].dev, bad[i].msg), ==, 0);
                g_assert_cmpuint(drops(&s, bad[i].why), ==, before + 1);
                g_assert_cmpuint(ntk_nb_list_arcs(s.nb, false, NULL, 0), ==, 1);
        }

        /* Invariant 4 allows a second arc to the same node when both ends use other NICs. */
        g_assert_cmpuint(solo_recv(&s, "eth2", here_i_am(50, 0x51, LL(5, 7))), ==, 2);
        g_assert_cmpuint(ntk_nb_list_arcs(s.nb, false, NULL, 0), ==, 2);

        /* P's here_i_am again on the unexported arc: B2 retry (one call), then only duplicates while it is
         * outstanding. */
        g_assert_cmpuint(solo_recv(&s, "eth1", here_i_am(50, 0x50, LL(5, 5))), ==, 1);
        g_assert_cmpint(s.acts.v[0].kind, ==, NTK_NB_CALL_CAN_YOU_EXPORT);
        g_assert_true(s.acts.v[0].i_can_export);
        g_assert_cmpuint(solo_recv(&s, "eth1", here_i_am(50, 0x50, LL(5, 5))), ==, 0);
        g_assert_cmpuint(drops(&s, NTK_NB_DROP_DUPLICATE), ==, 1);
        solo_done(&s);
}

static void test_can_you_export_on_unknown_arc_is_refused(void)
{
        Solo s;
        bool reply = true;

        solo_init(&s, NULL);
        /* B17: an explicit -ENOENT (the daemon answers false), reply untouched. */
        g_assert_cmpint(
                ntk_nb_recv_can_you_export(s.nb, "eth1", LL(9, 9), true, 0, &reply, &s.acts), ==, -ENOENT);
        g_assert_true(reply);
        g_assert_cmpuint(s.acts.n, ==, 0);
        g_assert_cmpuint(drops(&s, NTK_NB_DROP_UNKNOWN_ARC), ==, 1);
        g_assert_cmpint(ntk_nb_can_you_export_result(s.nb, 12345, 1, 0, &s.acts), ==, -ENOENT);
        g_assert_cmpint(ntk_nb_rtt_measured(s.nb, 12345, 10, 0, &s.acts), ==, -ENOENT);
        g_assert_cmpint(ntk_nb_keepalive_failed(s.nb, 12345, 0, &s.acts), ==, -ENOENT);
        g_assert_cmpuint(s.acts.n, ==, 0);
        solo_done(&s);
}

static void test_unexported_arc_expires_with_its_route(void)
{
        Solo s;
        NtkNbConfig cfg;

        ntk_nb_config_default(&cfg);
        solo_init(&s, &cfg);
        g_assert_cmpuint(ntk_nb_next_deadline(s.nb), ==, 60000); /* the radars */

        ntk_nb_actions_clear(&s.acts);
        g_assert_cmpint(ntk_nb_recv_broadcast(s.nb, "eth1",
                                &(NtkNbMsg){.type = NTK_NB_MSG_HERE_I_AM,
                                        .my_id = 50,
                                        .my_mac = {0x02, 0, 0, 0, 0, 0x50},
                                        .my_ll = LL(5, 5)},
                                1000, &s.acts),
                ==, 0);
        g_assert_cmpuint(s.acts.n, ==, 2);

        ntk_nb_actions_clear(&s.acts);
        g_assert_cmpint(ntk_nb_tick(s.nb, 180999, &s.acts), ==, 0);
        g_assert_cmpuint(ntk_nb_list_arcs(s.nb, false, NULL, 0), ==, 1);
        for (size_t i = 0; i < s.acts.n; i++)
                g_assert_cmpint(s.acts.v[i].kind, ==, NTK_NB_SEND_BROADCAST); /* radars only */
        g_assert_cmpuint(ntk_nb_next_deadline(s.nb), ==, 181000);

        ntk_nb_actions_clear(&s.acts);
        g_assert_cmpint(ntk_nb_tick(s.nb, 181000, &s.acts), ==, 0);
        g_assert_cmpuint(s.acts.n, ==, 1);
        g_assert_cmpint(s.acts.v[0].kind, ==, NTK_NB_DEL_HOST_ROUTE); /* never announced: no events */
        g_assert_cmphex(s.acts.v[0].arc.peer_ll, ==, LL(5, 5));
        g_assert_cmphex(s.acts.v[0].ll, ==, LL(1, 1));
        g_assert_cmpstr(s.acts.v[0].dev, ==, "eth1");
        g_assert_cmpuint(ntk_nb_list_arcs(s.nb, false, NULL, 0), ==, 0);
        g_assert_cmpuint(drops(&s, NTK_NB_DROP_EXPIRED), ==, 1);
        solo_done(&s);
}

static void test_arc_table_is_bounded(void)
{
        Solo s;
        NtkNbConfig cfg;

        ntk_nb_config_default(&cfg);
        cfg.max_arcs_total = 2;
        solo_init(&s, &cfg);
        g_assert_cmpuint(solo_recv(&s, "eth1", here_i_am(50, 0x50, LL(5, 5))), ==, 2);
        g_assert_cmpuint(solo_recv(&s, "eth1", here_i_am(51, 0x51, LL(5, 6))), ==, 2);
        g_assert_cmpuint(solo_recv(&s, "eth1", here_i_am(52, 0x52, LL(5, 7))), ==, 0);
        g_assert_cmpuint(
                solo_recv(&s, "eth2",
                        addressed(NTK_NB_MSG_REQUEST_ARC, 53, 0x53, LL(5, 8), SOLO_ID, 0x02, LL(1, 2))),
                ==, 0);
        g_assert_cmpuint(drops(&s, NTK_NB_DROP_TABLE_FULL), ==, 2);
        g_assert_cmpuint(ntk_nb_list_arcs(s.nb, false, NULL, 0), ==, 2);
        solo_done(&s);
}

static void test_nic_start_rules(void)
{
        Solo s;
        uint32_t used[8], chosen;
        NtkRng rng;

        solo_init(&s, NULL);
        /* Same (dev, MAC) again: a no-op. */
        g_assert_cmpint(ntk_nb_nic_start(s.nb, "eth1", MAC(1), LL(9, 9), 0, &s.acts), ==, 0);
        g_assert_cmpuint(s.acts.n, ==, 0);
        g_assert_cmpint(ntk_nb_nic_start(s.nb, "eth1", MAC(9), LL(9, 9), 0, &s.acts), ==, -EEXIST);
        g_assert_cmpint(ntk_nb_nic_start(s.nb, "eth9", MAC(1), LL(9, 9), 0, &s.acts), ==, -EEXIST);
        g_assert_cmpint(ntk_nb_nic_start(s.nb, "eth9", MAC(9), LL(1, 2), 0, &s.acts), ==, -EADDRINUSE);
        g_assert_cmpint(ntk_nb_nic_start(s.nb, "eth9", MAC(9), LL(0, 9), 0, &s.acts), ==, -EINVAL);
        g_assert_cmpint(ntk_nb_nic_start(s.nb, "eth9", MAC(9), LL(9, 255), 0, &s.acts), ==, -EINVAL);
        g_assert_cmpint(ntk_nb_nic_start(s.nb, "", MAC(9), LL(9, 9), 0, &s.acts), ==, -EINVAL);
        g_assert_cmpint(
                ntk_nb_nic_start(s.nb, "a-very-long-ifname", MAC(9), LL(9, 9), 0, &s.acts), ==, -EINVAL);
        g_assert_cmpuint(s.acts.n, ==, 0);

        /* A neighbour's link-local is taken too, and the chooser avoids everything we know. */
        g_assert_cmpuint(solo_recv(&s, "eth1", here_i_am(50, 0x50, LL(1, 3))), ==, 2);
        ntk_nb_actions_clear(&s.acts);
        g_assert_cmpint(ntk_nb_nic_start(s.nb, "eth9", MAC(9), LL(1, 3), 0, &s.acts), ==, -EADDRINUSE);
        g_assert_cmpuint(ntk_nb_used_linklocals(s.nb, used, G_N_ELEMENTS(used)), ==, 3);
        ntk_rng_init(&rng, 1);
        g_assert_cmpint(
                ntk_linklocal_choose_in(&rng, (NtkLinklocalSpace){1, 1, 1, 4}, used, 3, &chosen), ==, 0);
        g_assert_cmphex(chosen, ==, LL(1, 4));
        g_assert_cmpint(ntk_nb_nic_start(s.nb, "eth9", MAC(9), chosen, 0, &s.acts), ==, 0);
        g_assert_cmpuint(s.acts.n, ==, 3);
        g_assert_cmpint(s.acts.v[0].kind, ==, NTK_NB_ADD_ADDRESS);
        g_assert_cmpint(s.acts.v[1].kind, ==, NTK_NB_NIC_ADDRESS_SET);
        g_assert_cmpint(s.acts.v[2].kind, ==, NTK_NB_SEND_BROADCAST);
        g_assert_cmpstr(s.acts.v[2].dev, ==, "eth9");
        g_assert_cmphex(s.acts.v[2].msg.my_ll, ==, LL(1, 4));
        solo_done(&s);
}

/* ---------------------------------------------------------------------------------------------------------
 * Cost hysteresis (§2.6)
 * ---------------------------------------------------------------------------------------------------------
 */

typedef struct Step {
        int64_t rtt, last, cost;
        bool changed;
} Step;

/* Each row starts from a never-measured arc. The numbers are worked by hand from §2.6. */
static const struct {
        const char *what;
        Step steps[10];
        size_t n;
} hysteresis[] = {
        {"up by /10, down by /3, truncation toward zero both ways",
                {{1000, 1000, 1000, true},         /* first measure: added */
                        {2000, 1100, 1000, false}, /* +1000/10 */
                        {30000, 3990, 3990, true}, /* +28900/10 = 2890; 3990 > 2000 */
                        {3990, 3990, 3990, false}, /* delta 0 */
                        {0, 2660, 3990, false},    /* -3990/3 = -1330; 5320 >= 3990 */
                        {0, 1774, 1774, true},     /* -2660/3 = -886 (not -887); 3548 < 3990 */
                        {1775, 1774, 1774, false}, /* +1/10 = 0 */
                        {1772, 1774, 1774, false}, /* -2/3 = 0 (floor would give -1) */
                        {1771, 1773, 1774, false}},
                9},
        {"upper bound: last == 2·cost keeps the cost",
                {{1000, 1000, 1000, true}, {11000, 2000, 1000, false}, {2010, 2001, 2001, true}}, 3},
        {"lower bound, even cost: last == cost/2 keeps the cost",
                {{1000, 1000, 1000, true}, {0, 667, 1000, false}, {166, 500, 1000, false},
                        {497, 499, 499, true}},
                4},
        {"lower bound, odd cost: 501 is not below 1001/2",
                {{1001, 1001, 1001, true}, {0, 668, 1001, false}, {167, 501, 1001, false}}, 3},
        {"lower bound, odd cost: 500 is below 1001/2 (cost*0.5 = 500.5)",
                {{1001, 1001, 1001, true}, {0, 668, 1001, false}, {164, 500, 500, true}}, 3},
        {"zero cost: any rise changes it", {{0, 0, 0, true}, {5, 0, 0, false}, {10, 1, 1, true}}, 3},
};

static void test_cost_hysteresis_table(void)
{
        for (size_t r = 0; r < G_N_ELEMENTS(hysteresis); r++) {
                int64_t last = -1, cost = 0;

                g_test_message("%s", hysteresis[r].what);
                for (size_t i = 0; i < hysteresis[r].n; i++) {
                        const Step *st = &hysteresis[r].steps[i];
                        bool changed = ntk_nb_cost_update(&last, &cost, st->rtt);

                        g_assert_cmpint(last, ==, st->last);
                        g_assert_cmpint(cost, ==, st->cost);
                        g_assert_cmpint(changed, ==, st->changed);
                }
        }
}

/* The same table through the module: ARC_ADDED once, ARC_CHANGED exactly on the marked steps. */
static void test_cost_hysteresis_through_the_module(void)
{
        for (size_t r = 0; r < G_N_ELEMENTS(hysteresis); r++) {
                Solo s;
                NtkNbArcInfo arc;
                bool reply = false;

                solo_init(&s, NULL);
                g_assert_cmpuint(solo_recv(&s, "eth1", here_i_am(50, 0x50, LL(5, 5))), ==, 2);
                ntk_nb_actions_clear(&s.acts);
                g_assert_cmpint(
                        ntk_nb_recv_can_you_export(s.nb, "eth1", LL(5, 5), true, 0, &reply, &s.acts), ==, 0);
                g_assert_true(reply);
                g_assert_cmpuint(s.acts.n, ==, 2);
                g_assert_cmpint(s.acts.v[0].kind, ==, NTK_NB_MEASURE_RTT);
                g_assert_cmpint(s.acts.v[1].kind, ==, NTK_NB_SEND_NOP);
                arc = s.acts.v[0].arc;
                g_assert_true(arc.exported);

                /* A failed measure before the first one: nothing is added. */
                ntk_nb_actions_clear(&s.acts);
                g_assert_cmpint(ntk_nb_rtt_measured(s.nb, arc.arc_id, -1, 0, &s.acts), ==, 0);
                g_assert_cmpuint(s.acts.n, ==, 0);
                g_assert_cmpuint(ntk_nb_list_arcs(s.nb, true, NULL, 0), ==, 0);

                for (size_t i = 0; i < hysteresis[r].n; i++) {
                        const Step *st = &hysteresis[r].steps[i];

                        ntk_nb_actions_clear(&s.acts);
                        g_assert_cmpint(ntk_nb_rtt_measured(s.nb, arc.arc_id, st->rtt, 0, &s.acts), ==, 0);
                        g_assert_cmpuint(s.acts.n, ==, st->changed ? 1 : 0);
                        if (st->changed) {
                                g_assert_cmpint(s.acts.v[0].kind, ==,
                                        i == 0 ? NTK_NB_ARC_ADDED : NTK_NB_ARC_CHANGED);
                                g_assert_cmpint(s.acts.v[0].arc.cost_us, ==, st->cost);
                        }
                        g_assert_cmpint(ntk_nb_get_arc(s.nb, arc.arc_id, &arc), ==, 0);
                        g_assert_cmpint(arc.cost_us, ==, st->cost);
                        /* A failed measure later changes nothing. */
                        ntk_nb_actions_clear(&s.acts);
                        g_assert_cmpint(ntk_nb_rtt_measured(s.nb, arc.arc_id, -1, 0, &s.acts), ==, 0);
                        g_assert_cmpuint(s.acts.n, ==, 0);
                }
                g_assert_cmpuint(ntk_nb_list_arcs(s.nb, true, NULL, 0), ==, 1);
                solo_done(&s);
        }
}

/* Changing the RTT between two live systems: ARC_CHANGED on the measuring end only. */
static void test_cost_change_is_seen_in_the_simulation(void)
{
        World w;
        size_t mark;

        discover_two(&w);
        mark = w.sys[1].log->len;
        w.rtt[0][1] = 30000; /* A's measure of B jumps from 1010 µs */
        advance_to(&w, 1000 + 600000);
        /* 1010 -> +2899 = 3909 > 2020: changed after the first probe. */
        g_assert_cmpuint(log_count(&w.sys[0], "arc-changed B cost=3909"), ==, 1);
        g_assert_cmpuint(log_count_prefix(&w.sys[1], mark, "arc-changed"), ==, 0);
        world_done(&w);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/neighbour/two-systems-discover-export-and-add-after-first-rtt",
                test_two_systems_discover_export_and_add_after_first_rtt);
        g_test_add_func("/neighbour/symmetric-simultaneous-discovery-is-idempotent",
                test_symmetric_simultaneous_discovery_is_idempotent);
        g_test_add_func("/neighbour/three-systems-full-mesh-with-asymmetric-costs",
                test_three_systems_full_mesh_with_asymmetric_costs);
        g_test_add_func("/neighbour/can-you-export-transport-error-is-retried-on-next-radar",
                test_can_you_export_transport_error_is_retried_on_next_radar);
        g_test_add_func("/neighbour/max-arcs-limits-exports-symmetrically",
                test_max_arcs_limits_exports_symmetrically);
        g_test_add_func("/neighbour/dead-peer-is-removed-in-order-without-broadcast",
                test_dead_peer_is_removed_in_order_without_broadcast);
        g_test_add_func("/neighbour/user-removal-reaches-the-peer-and-arc-comes-back",
                test_user_removal_reaches_the_peer_and_arc_comes_back);
        g_test_add_func(
                "/neighbour/nic-stop-removes-arcs-then-address", test_nic_stop_removes_arcs_then_address);
        g_test_add_func("/neighbour/invariant-violations-are-ignored-and-counted",
                test_invariant_violations_are_ignored_and_counted);
        g_test_add_func("/neighbour/can-you-export-on-unknown-arc-is-refused",
                test_can_you_export_on_unknown_arc_is_refused);
        g_test_add_func("/neighbour/unexported-arc-expires-with-its-route",
                test_unexported_arc_expires_with_its_route);
        g_test_add_func("/neighbour/arc-table-is-bounded", test_arc_table_is_bounded);
        g_test_add_func("/neighbour/nic-start-rules", test_nic_start_rules);
        g_test_add_func("/neighbour/cost-hysteresis-table", test_cost_hysteresis_table);
        g_test_add_func(
                "/neighbour/cost-hysteresis-through-the-module", test_cost_hysteresis_through_the_module);
        g_test_add_func("/neighbour/cost-change-is-seen-in-the-simulation",
                test_cost_change_is_seen_in_the_simulation);
        return g_test_run();
}
