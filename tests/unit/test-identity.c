/* test-identity.c — the Identities model: duplication plans as the documents write them, neighbour sides,
 * removal leaving nothing, bounds. Must not: need root, the network, a clock or OS randomness. */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "identity.h"

#define IP(a, b, c, d) (((uint32_t) (a) << 24) | ((uint32_t) (b) << 16) | ((uint32_t) (c) << 8) | (d))
#define MIG 8191409u

static const uint8_t MAC_A[6] = { 0x00, 0x16, 0x3E, 0x5B, 0x78, 0xD5 };
static const uint8_t MAC_B[6] = { 0x00, 0x16, 0x3E, 0x8E, 0x91, 0xB9 };
static const uint8_t MAC_C[6] = { 0x00, 0x16, 0x3E, 0x11, 0x22, 0x33 };
static const uint8_t MAC_PA[6] = { 0x4E, 0x01, 0x02, 0x03, 0x04, 0x05 }; /* what the "helper" reports */
static const uint8_t MAC_PB[6] = { 0x4E, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E };

#define LL_A IP(169, 254, 96, 141)
#define LL_B IP(169, 254, 94, 223)
#define LL_C IP(169, 254, 7, 7)
#define LL_NA IP(169, 254, 215, 29)
#define LL_NB IP(169, 254, 33, 44)

/* ---- a small harness: one system = one model with one real NIC ---- */

typedef struct Sys {
        NtkIdm *m;
        NtkRng rng;
        uint32_t ll_next; /* what the chooser hands out next; 0 = fail */
} Sys;

static int chooser(void *userdata, const char *real_dev, uint32_t *ret)
{
        Sys *s = userdata;

        g_assert_nonnull(real_dev);
        if (s->ll_next == 0)
                return -EADDRNOTAVAIL;
        *ret = s->ll_next++; /* the next NIC gets the next address */
        return 0;
}

static void sys_init(Sys *s, const char *dev, const uint8_t mac[6], uint32_t ll, uint64_t seed)
{
        const char *devs[1] = { dev };
        uint8_t macs[1][6];
        NtkErr err = { "" };

        memcpy(macs[0], mac, 6);
        ntk_rng_init(&s->rng, seed);
        s->ll_next = 0;
        if (ntk_idm_new(devs, (const uint8_t(*)[6]) macs, &ll, 1, &s->rng, &s->m, &err) < 0)
                g_error("ntk_idm_new: %s", err.msg);
}

static void sys_done(Sys *s)
{
        s->m = ntk_idm_free(s->m);
}

static char *render(const NtkIdmStep *s)
{
        char buf[NTK_OP_TEXT_MAX];
        int r = ntk_op_render(s->netns, &s->op, buf, sizeof(buf));

        if (r < 0)
                g_error("render failed (%d) for an op of kind %s", r, ntk_op_kind_to_string(s->op.kind));
        return g_strdup(buf);
}

static void assert_lines(const NtkIdmOut *o, const char *const *expected, size_t n)
{
        g_assert_false(o->overflow);
        for (size_t i = 0; i < n && i < o->n_steps; i++) {
                g_autofree char *t = render(&o->steps[i]);
                g_assert_cmpstr(t, ==, expected[i]);
        }
        g_assert_cmpuint(o->n_steps, ==, n);
}

/* Connects a.eth1 and b.eth1: each side adds the arc and learns the other's main id. */
static void link_systems(Sys *a, const uint8_t mac_a[6], uint32_t ll_a, uint32_t *ret_arc_a, Sys *b,
        const uint8_t mac_b[6], uint32_t ll_b, uint32_t *ret_arc_b)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *o = ntk_idm_out_new();

        g_assert_cmpint(ntk_idm_add_arc(a->m, "eth1", mac_b, ll_b, ret_arc_a, o, NULL), ==, 0);
        g_assert_cmpuint(o->n_requests, ==, 1);
        g_assert_cmpint(o->requests[0].kind, ==, NTK_IDM_REQ_GET_PEER_MAIN_ID);
        g_assert_cmpint(ntk_idm_add_arc(b->m, "eth1", mac_a, ll_a, ret_arc_b, o, NULL), ==, 0);
        g_assert_cmpint(ntk_idm_peer_main_id_reply(a->m, *ret_arc_a, ntk_idm_main_id(b->m), o, NULL), ==, 0);
        g_assert_cmpuint(o->n_steps, ==, 0); /* the main identity-arc: Neighborhood owns its route */
        g_assert_cmpuint(o->n_events, ==, 1);
        g_assert_cmpint(o->events[0].kind, ==, NTK_IDM_EV_IDENTITY_ARC_ADDED);
        g_assert_cmpint(ntk_idm_peer_main_id_reply(b->m, *ret_arc_b, ntk_idm_main_id(a->m), o, NULL), ==, 0);
}

/* prepare + phase 1 + MAC feedback of the main identity; returns the new id. */
static NtkIdentityId duplicate_main(
        Sys *s, uint64_t mig, uint32_t new_ll, const uint8_t helper_mac[6], NtkIdmOut *o)
{
        NtkIdentityId old_id = ntk_idm_main_id(s->m), new_id = 0;
        NtkErr err = { "" };

        g_assert_cmpint(ntk_idm_prepare_add_identity(s->m, mig, old_id, 1000, NULL), ==, 0);
        s->ll_next = new_ll;
        if (ntk_idm_add_identity(s->m, mig, old_id, &s->rng, chooser, s, &new_id, o, &err) < 0)
                g_error("add_identity: %s", err.msg);
        for (size_t i = 0; i < o->n_steps; i++)
                if (o->steps[i].op.kind == NTK_OP_LINK_ADD_MACVLAN)
                        g_assert_cmpint(
                                ntk_idm_set_pseudo_mac(s->m, o->steps[i].op.link.ifname, helper_mac, NULL),
                                ==, 0);
        g_assert_cmpuint(new_id, !=, 0);
        g_assert_cmpuint(new_id, !=, old_id);
        g_assert_cmpuint(ntk_idm_main_id(s->m), ==, new_id);
        return new_id;
}

static bool has_idarc(NtkIdm *m, NtkIdentityId id, uint32_t arc, NtkIdentityId peer, NtkIdmIdentityArc *ret)
{
        NtkIdmIdentityArc all[NTK_IDM_MAX_IDENTITY_ARCS];
        size_t n = ntk_idm_list_identity_arcs(m, id, arc, all, G_N_ELEMENTS(all));

        for (size_t i = 0; i < n; i++)
                if (all[i].peer_id == peer) {
                        if (ret)
                                *ret = all[i];
                        return true;
                }
        return false;
}

/* ---- the plan of add_identity, op by op (identities.md §3.10, kernel-rules.md E14 A, D3 fixed) ---- */

static void test_add_identity_plan_matches_documented_commands(void)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *o = ntk_idm_out_new();
        NtkIdentityId old_id, new_id = 0, beta_id = 0x42;
        NtkIdmIdentityInfo info;
        char mac_line[128], macbuf[NTK_MAC_STRLEN];
        uint32_t arc;
        Sys a;

        sys_init(&a, "eth1", MAC_A, LL_A, 7);
        old_id = ntk_idm_main_id(a.m);
        g_assert_cmpint(ntk_idm_add_arc(a.m, "eth1", MAC_B, LL_B, &arc, o, NULL), ==, 0);
        g_assert_cmpint(ntk_idm_peer_main_id_reply(a.m, arc, beta_id, o, NULL), ==, 0);

        g_assert_cmpint(ntk_idm_prepare_add_identity(a.m, MIG, old_id, 5000, NULL), ==, 0);
        a.ll_next = LL_NA;
        g_assert_cmpint(
                ntk_idm_add_identity(a.m, MIG, old_id, &a.rng, chooser, &a, &new_id, o, NULL), ==, 0);

        /* The MAC comes from the caller's PRNG: 4E and five random bytes. */
        g_assert_cmpint(o->steps[4].op.kind, ==, NTK_OP_LINK_SET_MAC);
        g_assert_cmphex(o->steps[4].op.link.mac[0], ==, 0x4E);
        snprintf(mac_line, sizeof(mac_line), "ip link set dev ntkv0_eth1 address %s",
                ntk_mac_format(o->steps[4].op.link.mac, macbuf));
        {
                const char *const expected[] = {
                        "ip netns add ntkv0",
                        "ip netns exec ntkv0 sysctl net.ipv4.ip_forward=1",
                        "ip netns exec ntkv0 sysctl net.ipv4.conf.all.rp_filter=0",
                        "ip link add dev ntkv0_eth1 link eth1 type macvlan",
                        mac_line,
                        "ip link set dev ntkv0_eth1 netns ntkv0",
                        "ip netns exec ntkv0 sysctl net.ipv4.conf.ntkv0_eth1.rp_filter=0",
                        "ip netns exec ntkv0 sysctl net.ipv4.conf.ntkv0_eth1.arp_ignore=1",
                        "ip netns exec ntkv0 sysctl net.ipv4.conf.ntkv0_eth1.arp_announce=2",
                        "ip netns exec ntkv0 ip link set dev ntkv0_eth1 up",
                        "ip netns exec ntkv0 ip address add 169.254.215.29 dev ntkv0_eth1",
                };
                assert_lines(o, expected, G_N_ELEMENTS(expected));
        }
        /* How the daemon maps steps onto the helper. */
        g_assert_cmpint(o->steps[0].call, ==, NTK_IDM_CALL_CREATE_NAMESPACE);
        for (size_t i = 3; i <= 5; i++)
                g_assert_cmpint(o->steps[i].call, ==, NTK_IDM_CALL_CREATE_PSEUDO);
        for (size_t i = 0; i < o->n_steps; i++)
                if (o->steps[i].op.kind == NTK_OP_SYSCTL) /* D3: never in the default namespace */
                        g_assert_cmpstr(o->steps[i].netns, ==, "ntkv0");
        g_assert_cmpuint(o->n_events, ==, 1);
        g_assert_cmpint(o->events[0].kind, ==, NTK_IDM_EV_IDENTITY_ADDED);
        g_assert_cmpuint(o->events[0].id, ==, new_id);

        /* The new identity took the default namespace and eth1; the old one went to ntkv0. */
        g_assert_cmpint(ntk_idm_get_identity(a.m, new_id, &info), ==, 0);
        g_assert_true(info.is_main);
        g_assert_cmpstr(info.netns, ==, "");
        g_assert_cmpstr(info.nics[0].dev, ==, "eth1");
        g_assert_cmpuint(info.nics[0].linklocal, ==, LL_A);
        g_assert_cmpint(ntk_idm_get_identity(a.m, old_id, &info), ==, 0);
        g_assert_false(info.is_main);
        g_assert_cmpstr(info.netns, ==, "ntkv0");
        g_assert_cmpstr(info.nics[0].real_dev, ==, "eth1");
        g_assert_cmpstr(info.nics[0].dev, ==, "ntkv0_eth1");
        g_assert_cmpuint(info.nics[0].linklocal, ==, LL_NA);
        g_assert_false(info.nics[0].mac_known);

        /* Phase 2 waits for the MAC the helper reports. */
        g_assert_cmpint(ntk_idm_add_identity_phase2(a.m, MIG, old_id, o), ==, -EBUSY);
        g_assert_cmpint(ntk_idm_set_pseudo_mac(a.m, "ntkv9_eth1", MAC_PA, NULL), ==, NTK_IDM_IGNORED);
        g_assert_cmpint(ntk_idm_set_pseudo_mac(a.m, "ntkv0_eth1", MAC_PA, NULL), ==, 0);
        g_assert_cmpint(ntk_idm_get_identity(a.m, old_id, &info), ==, 0);
        g_assert_true(info.nics[0].mac_known);
        g_assert_cmpmem(info.nics[0].mac, 6, MAC_PA, 6);

        g_assert_cmpint(ntk_idm_add_identity_phase2(a.m, MIG, old_id, o), ==, 0);
        g_assert_cmpuint(o->n_steps, ==, 0);
        g_assert_cmpuint(o->n_requests, ==, 1);
        g_assert_cmpint(o->requests[0].kind, ==, NTK_IDM_REQ_MATCH_DUPLICATION);
        g_assert_cmpuint(o->requests[0].arc, ==, arc);
        g_assert_cmpuint(o->requests[0].migration_id, ==, MIG);
        g_assert_cmpuint(o->requests[0].peer_id, ==, beta_id);
        g_assert_cmpuint(o->requests[0].old_id, ==, old_id);
        g_assert_cmpuint(o->requests[0].new_id, ==, new_id);
        g_assert_cmpmem(o->requests[0].mac, 6, MAC_PA, 6);
        g_assert_cmpuint(o->requests[0].linklocal, ==, LL_NA);
        g_assert_false(o->phase2_done);

        /* β does not take part: null. */
        g_assert_cmpint(ntk_idm_duplication_reply(a.m, MIG, arc, beta_id, NULL, o, NULL), ==, 0);
        {
                const char *const expected[] = {
                        "ip netns exec ntkv0 ip route add 169.254.94.223 dev ntkv0_eth1 src 169.254.215.29",
                };
                assert_lines(o, expected, G_N_ELEMENTS(expected));
        }
        g_assert_true(o->phase2_done);
        g_assert_cmpuint(o->n_events, ==, 1);
        g_assert_cmpint(o->events[0].kind, ==, NTK_IDM_EV_IDENTITY_ARC_ADDED);
        g_assert_cmpuint(o->events[0].id, ==, new_id);
        g_assert_cmpuint(o->events[0].peer_id, ==, beta_id);
        g_assert_true(o->events[0].has_prev);
        g_assert_cmpuint(o->events[0].prev_id, ==, old_id);
        g_assert_cmpuint(o->events[0].prev_peer_id, ==, beta_id);
        /* The answer is consumed: a second one is ignored. */
        g_assert_cmpint(
                ntk_idm_duplication_reply(a.m, MIG, arc, beta_id, NULL, o, NULL), ==, NTK_IDM_IGNORED);
        sys_done(&a);
}

/* ---- two systems ---- */

static void test_neighbour_not_taking_part_sees_changed_then_added(void)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *o = ntk_idm_out_new();
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *ob = ntk_idm_out_new();
        NtkIdentityId a_old, a_new, b_main;
        NtkIdmDuplicationData dup;
        NtkIdmIdentityArc r;
        uint32_t arc_a, arc_b;
        NtkIdmRequest q;
        Sys a, b;

        sys_init(&a, "eth1", MAC_A, LL_A, 1);
        sys_init(&b, "eth1", MAC_B, LL_B, 2);
        link_systems(&a, MAC_A, LL_A, &arc_a, &b, MAC_B, LL_B, &arc_b);
        a_old = ntk_idm_main_id(a.m);
        b_main = ntk_idm_main_id(b.m);

        a_new = duplicate_main(&a, MIG, LL_NA, MAC_PA, o);
        g_assert_cmpint(ntk_idm_add_identity_phase2(a.m, MIG, a_old, o), ==, 0);
        g_assert_cmpuint(o->n_requests, ==, 1);
        q = o->requests[0];

        /* b, over its arc to a, answers null and runs neighbour_migrated. */
        g_assert_cmpint(ntk_idm_match_duplication(b.m, arc_b, q.migration_id, q.peer_id, q.old_id, q.new_id,
                                q.mac, q.linklocal, &dup, ob, NULL),
                ==, NTK_IDM_MATCH_NULL);
        {
                const char *const expected[] = { "ip route add 169.254.215.29 dev eth1 src 169.254.94.223" };
                assert_lines(ob, expected, G_N_ELEMENTS(expected));
        }
        g_assert_cmpuint(ob->n_events, ==, 2);
        g_assert_cmpint(ob->events[0].kind, ==, NTK_IDM_EV_IDENTITY_ARC_CHANGED);
        g_assert_true(ob->events[0].only_neighbour_migrated);
        g_assert_cmpuint(ob->events[0].id, ==, b_main);
        g_assert_cmpuint(ob->events[0].peer_id, ==, a_old);
        g_assert_cmpmem(ob->events[0].id_arc.peer_mac, 6, MAC_PA, 6);
        g_assert_cmpuint(ob->events[0].id_arc.peer_linklocal, ==, LL_NA);
        g_assert_true(ob->events[0].id_arc.has_prev);
        g_assert_cmpmem(ob->events[0].id_arc.prev_peer_mac, 6, MAC_A, 6);
        g_assert_cmpuint(ob->events[0].id_arc.prev_peer_linklocal, ==, LL_A);
        g_assert_cmpint(ob->events[1].kind, ==, NTK_IDM_EV_IDENTITY_ARC_ADDED);
        g_assert_false(ob->events[1].has_prev);
        g_assert_cmpuint(ob->events[1].peer_id, ==, a_new);
        g_assert_cmpmem(ob->events[1].id_arc.peer_mac, 6, MAC_A, 6);
        g_assert_cmpuint(ob->events[1].id_arc.peer_linklocal, ==, LL_A);

        /* b's queries: b_main–a_old moved to a's pseudo-NIC; b_main–a_new took a's real NIC. */
        g_assert_true(has_idarc(b.m, b_main, arc_b, a_old, &r));
        g_assert_cmpuint(r.peer_linklocal, ==, LL_NA);
        g_assert_true(has_idarc(b.m, b_main, arc_b, a_new, &r));
        g_assert_cmpuint(r.peer_linklocal, ==, LL_A);
        g_assert_cmpuint(ntk_idm_list_identity_arcs(b.m, 0, 0, NULL, 0), ==, 2);
        g_assert_cmpint(ntk_idm_identity_arc_clear_prev(b.m, arc_b, b_main, a_old), ==, 0);
        g_assert_true(has_idarc(b.m, b_main, arc_b, a_old, &r));
        g_assert_false(r.has_prev);
        /* A repeated call (the caller retried) changes nothing. */
        g_assert_cmpint(ntk_idm_match_duplication(b.m, arc_b, q.migration_id, q.peer_id, q.old_id, q.new_id,
                                q.mac, q.linklocal, &dup, ob, NULL),
                ==, NTK_IDM_MATCH_IGNORED);
        g_assert_cmpuint(ob->n_steps + ob->n_events, ==, 0);

        /* a gets null: w0 keeps b's data, w1 is a copy. */
        g_assert_cmpint(ntk_idm_duplication_reply(a.m, MIG, arc_a, b_main, NULL, o, NULL), ==, 0);
        g_assert_cmpuint(o->n_events, ==, 1); /* added, no changed */
        g_assert_true(has_idarc(a.m, a_old, arc_a, b_main, &r));
        g_assert_cmpuint(r.peer_linklocal, ==, LL_B);
        g_assert_true(has_idarc(a.m, a_new, arc_a, b_main, &r));
        g_assert_cmpuint(r.peer_linklocal, ==, LL_B);
        g_assert_cmpuint(ntk_idm_list_identity_arcs(a.m, 0, 0, NULL, 0), ==, 2);
        sys_done(&a);
        sys_done(&b);
}

static void test_both_taking_part_follow_w0_w1_table(void)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *oa = ntk_idm_out_new();
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *ob = ntk_idm_out_new();
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *o = ntk_idm_out_new();
        NtkIdentityId a_old, a_new, b_old, b_new = 0;
        NtkIdmDuplicationData da, db;
        NtkIdmIdentityArc r;
        NtkIdmRequest qa, qb;
        uint32_t arc_a, arc_b;
        Sys a, b;

        sys_init(&a, "eth1", MAC_A, LL_A, 1);
        sys_init(&b, "eth1", MAC_B, LL_B, 2);
        link_systems(&a, MAC_A, LL_A, &arc_a, &b, MAC_B, LL_B, &arc_b);
        a_old = ntk_idm_main_id(a.m);
        b_old = ntk_idm_main_id(b.m);

        /* Both prepare before either adds (§3.6 caller contract). */
        g_assert_cmpint(ntk_idm_prepare_add_identity(b.m, MIG, b_old, 1000, NULL), ==, 0);
        a_new = duplicate_main(&a, MIG, LL_NA, MAC_PA, oa);
        g_assert_cmpint(ntk_idm_add_identity_phase2(a.m, MIG, a_old, oa), ==, 0);
        qa = oa->requests[0];

        /* b prepared but its phase 1 is not done: a must retry. */
        g_assert_cmpint(ntk_idm_match_duplication(b.m, arc_b, qa.migration_id, qa.peer_id, qa.old_id,
                                qa.new_id, qa.mac, qa.linklocal, &db, o, NULL),
                ==, -EAGAIN);
        b.ll_next = LL_NB;
        g_assert_cmpint(ntk_idm_add_identity(b.m, MIG, b_old, &b.rng, chooser, &b, &b_new, ob, NULL), ==, 0);
        g_assert_cmpint(ntk_idm_match_duplication(b.m, arc_b, qa.migration_id, qa.peer_id, qa.old_id,
                                qa.new_id, qa.mac, qa.linklocal, &db, o, NULL),
                ==, -EAGAIN); /* MAC not reported yet */
        g_assert_cmpint(ntk_idm_set_pseudo_mac(b.m, "ntkv0_eth1", MAC_PB, NULL), ==, 0);
        g_assert_cmpint(ntk_idm_match_duplication(b.m, arc_b, qa.migration_id, qa.peer_id, qa.old_id,
                                qa.new_id, qa.mac, qa.linklocal, &db, o, NULL),
                ==, NTK_IDM_MATCH_DATA);
        g_assert_cmpuint(o->n_steps + o->n_events, ==, 0); /* b updates itself in its own phase 2 */
        g_assert_cmpuint(db.peer_new_id, ==, b_new);
        g_assert_cmpmem(db.peer_old_id_new_mac, 6, MAC_PB, 6);
        g_assert_cmpuint(db.peer_old_id_new_linklocal, ==, LL_NB);

        g_assert_cmpint(ntk_idm_add_identity_phase2(b.m, MIG, b_old, ob), ==, 0);
        qb = ob->requests[0];
        g_assert_cmpint(ntk_idm_match_duplication(a.m, arc_a, qb.migration_id, qb.peer_id, qb.old_id,
                                qb.new_id, qb.mac, qb.linklocal, &da, o, NULL),
                ==, NTK_IDM_MATCH_DATA);
        g_assert_cmpuint(da.peer_new_id, ==, a_new);

        g_assert_cmpint(ntk_idm_duplication_reply(a.m, MIG, arc_a, b_old, &db, oa, NULL), ==, 0);
        {
                const char *const expected[] = {
                        "ip netns exec ntkv0 ip route add 169.254.33.44 dev ntkv0_eth1 src 169.254.215.29",
                };
                assert_lines(oa, expected, G_N_ELEMENTS(expected));
        }
        g_assert_cmpuint(oa->n_events, ==, 2);
        g_assert_cmpint(oa->events[0].kind, ==, NTK_IDM_EV_IDENTITY_ARC_ADDED);
        g_assert_cmpuint(oa->events[0].id, ==, a_new);
        g_assert_cmpuint(oa->events[0].peer_id, ==, b_new);
        g_assert_true(oa->events[0].has_prev);
        g_assert_cmpuint(oa->events[0].prev_peer_id, ==, b_old);
        g_assert_cmpint(oa->events[1].kind, ==, NTK_IDM_EV_IDENTITY_ARC_CHANGED);
        g_assert_false(oa->events[1].only_neighbour_migrated);
        g_assert_cmpuint(oa->events[1].id, ==, a_old);
        g_assert_true(oa->phase2_done);
        g_assert_cmpint(ntk_idm_duplication_reply(b.m, MIG, arc_b, a_old, &da, ob, NULL), ==, 0);
        {
                const char *const expected[] = {
                        "ip netns exec ntkv0 ip route add 169.254.215.29 dev ntkv0_eth1 src 169.254.33.44",
                };
                assert_lines(ob, expected, G_N_ELEMENTS(expected));
        }

        /* The table of §3.6, on both systems. */
        g_assert_true(has_idarc(a.m, a_old, arc_a, b_old, &r)); /* w0: b_j's new pseudo-NIC */
        g_assert_cmpmem(r.peer_mac, 6, MAC_PB, 6);
        g_assert_cmpuint(r.peer_linklocal, ==, LL_NB);
        g_assert_true(has_idarc(a.m, a_new, arc_a, b_new, &r)); /* w1: the old data */
        g_assert_cmpmem(r.peer_mac, 6, MAC_B, 6);
        g_assert_cmpuint(r.peer_linklocal, ==, LL_B);
        g_assert_false(has_idarc(a.m, a_old, arc_a, b_new, NULL));
        g_assert_false(has_idarc(a.m, a_new, arc_a, b_old, NULL));
        g_assert_cmpuint(ntk_idm_list_identity_arcs(a.m, 0, 0, NULL, 0), ==, 2);
        g_assert_true(has_idarc(b.m, b_old, arc_b, a_old, &r));
        g_assert_cmpuint(r.peer_linklocal, ==, LL_NA);
        g_assert_true(has_idarc(b.m, b_new, arc_b, a_new, &r));
        g_assert_cmpuint(r.peer_linklocal, ==, LL_A);
        g_assert_false(has_idarc(b.m, b_old, arc_b, a_new, NULL));
        g_assert_false(has_idarc(b.m, b_new, arc_b, a_old, NULL));
        g_assert_cmpuint(ntk_idm_list_identity_arcs(b.m, 0, 0, NULL, 0), ==, 2);
        sys_done(&a);
        sys_done(&b);
}

static void test_broken_arc_is_removed_after_its_answers(void)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *o = ntk_idm_out_new();
        NtkIdentityId a_old, a_new, b_id = 0xb0, c_id = 0xc0;
        uint32_t arc_b, arc_c;
        Sys a;

        sys_init(&a, "eth1", MAC_A, LL_A, 3);
        a_old = ntk_idm_main_id(a.m);
        g_assert_cmpint(ntk_idm_add_arc(a.m, "eth1", MAC_B, LL_B, &arc_b, o, NULL), ==, 0);
        g_assert_cmpint(ntk_idm_peer_main_id_reply(a.m, arc_b, b_id, o, NULL), ==, 0);
        g_assert_cmpint(ntk_idm_add_arc(a.m, "eth1", MAC_C, LL_C, &arc_c, o, NULL), ==, 0);
        g_assert_cmpint(ntk_idm_peer_main_id_reply(a.m, arc_c, c_id, o, NULL), ==, 0);
        a_new = duplicate_main(&a, MIG, LL_NA, MAC_PA, o);
        g_assert_cmpint(ntk_idm_add_identity_phase2(a.m, MIG, a_old, o), ==, 0);
        g_assert_cmpuint(o->n_requests, ==, 2);

        g_assert_cmpint(ntk_idm_duplication_failed(a.m, MIG, arc_b, b_id, o), ==, 0);
        {
                const char *const expected[] = {
                        "ip netns exec ntkv0 ip route add 169.254.94.223 dev ntkv0_eth1 src 169.254.215.29",
                        /* then the arc goes: w0's route (w1 is the new main identity-arc, no route) */
                        "ip netns exec ntkv0 ip route del 169.254.94.223 dev ntkv0_eth1 src 169.254.215.29",
                };
                assert_lines(o, expected, G_N_ELEMENTS(expected));
        }
        {
                const NtkIdmEventKind kinds[] = {
                        NTK_IDM_EV_IDENTITY_ARC_ADDED,
                        NTK_IDM_EV_IDENTITY_ARC_REMOVING,
                        NTK_IDM_EV_IDENTITY_ARC_REMOVED,
                        NTK_IDM_EV_IDENTITY_ARC_REMOVING,
                        NTK_IDM_EV_IDENTITY_ARC_REMOVED,
                        NTK_IDM_EV_ARC_REMOVED,
                };
                g_assert_cmpuint(o->n_events, ==, G_N_ELEMENTS(kinds));
                for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++)
                        g_assert_cmpstr(ntk_idm_event_kind_to_string(o->events[i].kind), ==,
                                ntk_idm_event_kind_to_string(kinds[i]));
                g_assert_cmpuint(o->events[5].arc, ==, arc_b);
        }
        g_assert_cmpuint(o->n_requests, ==, 0); /* no do_tell over a broken arc */
        g_assert_false(o->phase2_done);
        g_assert_cmpuint(ntk_idm_list_arcs(a.m, NULL, 0), ==, 1);
        g_assert_cmpuint(ntk_idm_list_identity_arcs(a.m, 0, arc_b, NULL, 0), ==, 0);

        g_assert_cmpint(ntk_idm_duplication_reply(a.m, MIG, arc_c, c_id, NULL, o, NULL), ==, 0);
        g_assert_true(o->phase2_done);
        g_assert_true(has_idarc(a.m, a_old, arc_c, c_id, NULL));
        g_assert_true(has_idarc(a.m, a_new, arc_c, c_id, NULL));
        sys_done(&a);
}

static void test_peer_main_id_failure_removes_arc(void)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *o = ntk_idm_out_new();
        uint32_t arc;
        Sys a;

        sys_init(&a, "eth1", MAC_A, LL_A, 3);
        g_assert_cmpint(ntk_idm_add_arc(a.m, "eth1", MAC_B, LL_B, &arc, o, NULL), ==, 0);
        g_assert_cmpint(ntk_idm_add_arc(a.m, "eth1", MAC_B, LL_B, NULL, o, NULL), ==, -EEXIST);
        g_assert_cmpint(ntk_idm_peer_main_id_failed(a.m, arc, o), ==, 0);
        g_assert_cmpuint(o->n_events, ==, 1);
        g_assert_cmpint(o->events[0].kind, ==, NTK_IDM_EV_ARC_REMOVED);
        g_assert_cmpuint(ntk_idm_list_arcs(a.m, NULL, 0), ==, 0);
        g_assert_cmpint(ntk_idm_peer_main_id_reply(a.m, arc, 5, o, NULL), ==, NTK_IDM_IGNORED);
        sys_done(&a);
}

/* ---- removal leaves nothing ---- */

static bool netns_deleted(const NtkIdmOut *rm, const char *netns)
{
        for (size_t i = 0; i < rm->n_steps; i++)
                if (rm->steps[i].op.kind == NTK_OP_NETNS_DEL && streq(rm->steps[i].op.netns.name, netns))
                        return true;
        return false;
}

static bool link_deleted(const NtkIdmOut *rm, const char *netns, const char *ifname)
{
        for (size_t i = 0; i < rm->n_steps; i++)
                if (rm->steps[i].op.kind == NTK_OP_LINK_DEL && streq(rm->steps[i].op.link.ifname, ifname) &&
                        streq(rm->steps[i].netns, netns))
                        return true;
        return false;
}

static bool route_deleted(const NtkIdmOut *rm, const char *netns, const NtkOp *add)
{
        for (size_t i = 0; i < rm->n_steps; i++) {
                const NtkIdmStep *s = &rm->steps[i];
                NtkOp del = *add;

                del.kind = NTK_OP_ROUTE_DEL;
                if (!streq(s->netns, netns))
                        continue;
                if (s->op.kind == NTK_OP_ROUTE_FLUSH && streq(s->op.route.table, add->route.table))
                        return true;
                if (s->op.kind == NTK_OP_ROUTE_DEL && ntk_op_equal(&s->op, &del))
                        return true;
        }
        return false;
}

static void test_remove_identity_removes_exactly_what_add_identity_created(void)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *o = ntk_idm_out_new();
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *rm = ntk_idm_out_new();
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *ob = ntk_idm_out_new();
        NtkIdmStep created[64];
        size_t n_created = 0;
        NtkIdentityId a_old, a_new;
        NtkIdmDuplicationData dup;
        uint32_t arc_a, arc_b;
        char link_ns[NTK_NAME_MAX] = "";
        NtkIdmRequest q;
        Sys a, b;

        sys_init(&a, "eth1", MAC_A, LL_A, 11);
        sys_init(&b, "eth1", MAC_B, LL_B, 12);
        link_systems(&a, MAC_A, LL_A, &arc_a, &b, MAC_B, LL_B, &arc_b);
        a_old = ntk_idm_main_id(a.m);
        a_new = duplicate_main(&a, MIG, LL_NA, MAC_PA, o);
        for (size_t i = 0; i < o->n_steps; i++)
                created[n_created++] = o->steps[i];
        g_assert_cmpint(ntk_idm_add_identity_phase2(a.m, MIG, a_old, o), ==, 0);
        q = o->requests[0];
        g_assert_cmpint(ntk_idm_match_duplication(b.m, arc_b, q.migration_id, q.peer_id, q.old_id, q.new_id,
                                q.mac, q.linklocal, &dup, ob, NULL),
                ==, NTK_IDM_MATCH_NULL);
        g_assert_cmpint(ntk_idm_duplication_reply(a.m, MIG, arc_a, q.peer_id, NULL, o, NULL), ==, 0);
        for (size_t i = 0; i < o->n_steps; i++)
                created[n_created++] = o->steps[i];

        g_assert_cmpint(ntk_idm_remove_identity(a.m, a_new, rm), ==, -EPERM);
        g_assert_cmpint(ntk_idm_remove_identity(a.m, 0x1234, rm), ==, NTK_IDM_IGNORED);
        g_assert_cmpint(ntk_idm_remove_identity(a.m, a_old, rm), ==, 0);
        {
                const char *const expected[] = {
                        "ip netns exec ntkv0 ip route flush table main",
                        "ip netns exec ntkv0 ip link delete ntkv0_eth1 type macvlan",
                        "ip netns del ntkv0",
                };
                assert_lines(rm, expected, G_N_ELEMENTS(expected));
        }
        g_assert_cmpint(rm->steps[2].call, ==, NTK_IDM_CALL_DELETE_NAMESPACE);

        /* Every object created has its deletion. */
        for (size_t i = 0; i < n_created; i++) {
                const NtkIdmStep *s = &created[i];

                switch (s->op.kind) {
                case NTK_OP_NETNS_ADD:
                        g_assert_true(netns_deleted(rm, s->op.netns.name));
                        break;
                case NTK_OP_LINK_ADD_MACVLAN:
                        break; /* checked with SET_NETNS: where the link ends up */
                case NTK_OP_LINK_SET_NETNS:
                        g_strlcpy(link_ns, s->op.link.target, sizeof(link_ns));
                        g_assert_true(link_deleted(rm, link_ns, s->op.link.ifname));
                        break;
                case NTK_OP_LINK_SET_MAC:
                case NTK_OP_LINK_SET_UP:
                        break; /* attributes of the link */
                case NTK_OP_ADDR_ADD:
                        g_assert_true(link_deleted(rm, s->netns, s->op.addr.dev));
                        break;
                case NTK_OP_SYSCTL:
                        /* namespace-scoped: goes with the namespace (never the default one, D3) */
                        g_assert_cmpstr(s->netns, !=, "");
                        g_assert_true(netns_deleted(rm, s->netns));
                        break;
                case NTK_OP_ROUTE_ADD:
                        g_assert_cmpstr(s->netns, !=, "");
                        g_assert_true(route_deleted(rm, s->netns, &s->op));
                        break;
                default:
                        g_error("add_identity created an unexpected %s", ntk_op_kind_to_string(s->op.kind));
                }
        }
        /* … and nothing else is touched: each deletion matches something created. */
        for (size_t i = 0; i < rm->n_steps; i++) {
                const NtkIdmStep *s = &rm->steps[i];
                bool found = false;

                for (size_t j = 0; j < n_created && !found; j++) {
                        const NtkIdmStep *c = &created[j];
                        if (s->op.kind == NTK_OP_NETNS_DEL)
                                found = c->op.kind == NTK_OP_NETNS_ADD &&
                                        streq(c->op.netns.name, s->op.netns.name);
                        else if (s->op.kind == NTK_OP_LINK_DEL)
                                found = c->op.kind == NTK_OP_LINK_SET_NETNS &&
                                        streq(c->op.link.ifname, s->op.link.ifname) &&
                                        streq(c->op.link.target, s->netns);
                        else if (s->op.kind == NTK_OP_ROUTE_FLUSH)
                                found = streq(c->netns, s->netns) && c->op.kind != NTK_OP_NETNS_ADD;
                }
                g_assert_true(found);
        }

        /* The neighbours are told, and the model forgot the identity. */
        g_assert_cmpuint(rm->n_requests, ==, 1);
        g_assert_cmpint(rm->requests[0].kind, ==, NTK_IDM_REQ_NOTIFY_IDENTITY_ARC_REMOVED);
        g_assert_cmpuint(rm->requests[0].my_id, ==, a_old);
        g_assert_cmpuint(rm->requests[0].peer_id, ==, ntk_idm_main_id(b.m));
        g_assert_true(rm->requests[0].stop_arc_on_failure);
        g_assert_cmpuint(rm->requests[0].timeout_ms, ==, 500);
        g_assert_cmpuint(ntk_idm_list_identities(a.m, NULL, 0), ==, 1);
        g_assert_cmpint(ntk_idm_get_identity(a.m, a_old, NULL), ==, -ENOENT);
        g_assert_cmpuint(ntk_idm_list_identity_arcs(a.m, a_old, 0, NULL, 0), ==, 0);
        g_assert_cmpuint(ntk_idm_list_identity_arcs(a.m, 0, 0, NULL, 0), ==, 1);

        /* b, told, removes its host route to a_old's link-local: what neighbour_migrated added. */
        q = rm->requests[0];
        g_assert_cmpint(ntk_idm_notify_identity_arc_removed(b.m, arc_b, q.my_id, q.peer_id, ob), ==, 0);
        {
                const char *const expected[] = { "ip route del 169.254.215.29 dev eth1 src 169.254.94.223" };
                assert_lines(ob, expected, G_N_ELEMENTS(expected));
        }
        g_assert_cmpuint(ob->n_events, ==, 2);
        g_assert_cmpint(ob->events[0].kind, ==, NTK_IDM_EV_IDENTITY_ARC_REMOVING);
        g_assert_cmpint(ob->events[1].kind, ==, NTK_IDM_EV_IDENTITY_ARC_REMOVED);
        g_assert_cmpint(ntk_idm_notify_identity_arc_removed(b.m, arc_b, q.my_id, q.peer_id, ob), ==,
                NTK_IDM_IGNORED);
        g_assert_cmpuint(ntk_idm_list_identity_arcs(b.m, 0, 0, NULL, 0), ==, 1);
        sys_done(&a);
        sys_done(&b);
}

static void test_non_main_identity_arc_has_host_route_in_its_namespace(void)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *o = ntk_idm_out_new();
        NtkIdentityId a_old;
        uint32_t arc;
        Sys a;

        sys_init(&a, "eth1", MAC_A, LL_A, 5);
        a_old = ntk_idm_main_id(a.m);
        g_assert_cmpint(ntk_idm_add_arc(a.m, "eth1", MAC_B, LL_B, &arc, o, NULL), ==, 0);
        duplicate_main(&a, MIG, LL_NA, MAC_PA, o);
        g_assert_cmpint(ntk_idm_add_identity_arc(a.m, arc, a_old, 0x77, MAC_PB, LL_NB, o, NULL), ==, 0);
        {
                const char *const expected[] = {
                        "ip netns exec ntkv0 ip route add 169.254.33.44 dev ntkv0_eth1 src 169.254.215.29",
                };
                assert_lines(o, expected, G_N_ELEMENTS(expected));
        }
        g_assert_cmpint(
                ntk_idm_add_identity_arc(a.m, arc, a_old, 0x77, MAC_PB, LL_NB, o, NULL), ==, -EEXIST);
        g_assert_cmpint(ntk_idm_remove_identity_arc(a.m, arc, a_old, 0x77, true, o), ==, 0);
        {
                const char *const expected[] = {
                        "ip netns exec ntkv0 ip route del 169.254.33.44 dev ntkv0_eth1 src 169.254.215.29",
                };
                assert_lines(o, expected, G_N_ELEMENTS(expected));
        }
        g_assert_cmpuint(o->n_requests, ==, 1);
        g_assert_cmpint(o->requests[0].kind, ==, NTK_IDM_REQ_NOTIFY_IDENTITY_ARC_REMOVED);
        g_assert_false(o->requests[0].stop_arc_on_failure);
        g_assert_cmpuint(o->n_events, ==, 1);
        g_assert_cmpint(o->events[0].kind, ==, NTK_IDM_EV_IDENTITY_ARC_REMOVED);
        g_assert_cmpint(ntk_idm_remove_identity_arc(a.m, arc, a_old, 0x77, true, o), ==, NTK_IDM_IGNORED);
        sys_done(&a);
}

static void test_connectivity_identity_duplicates_into_next_namespace(void)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *o = ntk_idm_out_new();
        NtkIdentityId a_old, c_new = 0;
        NtkIdmIdentityInfo info;
        Sys a;

        sys_init(&a, "eth1", MAC_A, LL_A, 5);
        a_old = ntk_idm_main_id(a.m);
        duplicate_main(&a, MIG, LL_NA, MAC_PA, o);
        g_assert_cmpint(ntk_idm_prepare_add_identity(a.m, MIG + 1, a_old, 0, NULL), ==, 0);
        a.ll_next = LL_NB;
        g_assert_cmpint(
                ntk_idm_add_identity(a.m, MIG + 1, a_old, &a.rng, chooser, &a, &c_new, o, NULL), ==, 0);
        /* macvlan on the real parent, moved to ntkv1; the copy keeps ntkv0 and its pseudo-NIC. */
        g_assert_cmpuint(o->n_steps, >, 3);
        {
                g_autofree char *t = render(&o->steps[3]);
                g_assert_cmpstr(t, ==, "ip link add dev ntkv1_eth1 link eth1 type macvlan");
        }
        g_assert_cmpint(ntk_idm_get_identity(a.m, c_new, &info), ==, 0);
        g_assert_cmpstr(info.netns, ==, "ntkv0");
        g_assert_cmpstr(info.nics[0].dev, ==, "ntkv0_eth1");
        g_assert_false(info.is_main);
        g_assert_cmpint(ntk_idm_get_identity(a.m, a_old, &info), ==, 0);
        g_assert_cmpstr(info.netns, ==, "ntkv1");
        g_assert_cmpuint(ntk_idm_list_identities(a.m, NULL, 0), ==, 3);
        sys_done(&a);
}

static void test_abort_restores_the_old_identity(void)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *o = ntk_idm_out_new();
        NtkIdentityId a_old, a_new = 0;
        NtkIdmIdentityInfo info;
        Sys a;

        sys_init(&a, "eth1", MAC_A, LL_A, 5);
        a_old = ntk_idm_main_id(a.m);
        g_assert_cmpint(ntk_idm_prepare_add_identity(a.m, MIG, a_old, 0, NULL), ==, 0);
        a.ll_next = LL_NA;
        g_assert_cmpint(ntk_idm_add_identity(a.m, MIG, a_old, &a.rng, chooser, &a, &a_new, o, NULL), ==, 0);
        g_assert_cmpint(ntk_idm_add_identity_abort(a.m, MIG, a_old, o), ==, 0);
        {
                const char *const expected[] = {
                        "ip netns exec ntkv0 ip link delete ntkv0_eth1 type macvlan",
                        "ip netns del ntkv0",
                };
                assert_lines(o, expected, G_N_ELEMENTS(expected));
        }
        g_assert_cmpuint(ntk_idm_main_id(a.m), ==, a_old);
        g_assert_cmpint(ntk_idm_get_identity(a.m, a_new, NULL), ==, -ENOENT);
        g_assert_cmpint(ntk_idm_get_identity(a.m, a_old, &info), ==, 0);
        g_assert_cmpstr(info.netns, ==, "");
        g_assert_cmpstr(info.nics[0].dev, ==, "eth1");
        /* The migration is prepared again and can be retried (in a fresh namespace). */
        g_assert_cmpint(ntk_idm_add_identity(a.m, MIG, a_old, &a.rng, chooser, &a, &a_new, o, NULL), ==, 0);
        {
                g_autofree char *t = render(&o->steps[0]);
                g_assert_cmpstr(t, ==, "ip netns add ntkv1");
        }
        sys_done(&a);
}

static void test_nics_added_later_and_removed(void)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *o = ntk_idm_out_new();
        const char *devs[2] = { "eth1", "eth2" };
        const uint8_t macs[2][6] = {
                { 0x00, 0x16, 0x3E, 0, 0, 1 },
                { 0x00, 0x16, 0x3E, 0, 0, 2 },
        };
        const uint32_t lls[2] = { LL_A, LL_C };
        NtkIdentityId a_old, a_new;
        NtkIdmIdentityInfo info;
        uint32_t arc;
        Sys a = { .rng = { 9 } };

        g_assert_cmpint(ntk_idm_new(devs, macs, lls, 2, &a.rng, &a.m, NULL), ==, 0);
        g_assert_cmpint(
                ntk_idm_new(devs, macs, (const uint32_t[]){ LL_A, LL_A }, 2, &a.rng, &(NtkIdm *){ NULL }, NULL),
                ==, -EEXIST);
        a_old = ntk_idm_main_id(a.m);
        a_new = duplicate_main(&a, MIG, LL_NA, MAC_PA, o); /* the chooser is asked once per NIC */
        g_assert_cmpint(ntk_idm_get_identity(a.m, a_old, &info), ==, 0);
        g_assert_cmpuint(info.n_nics, ==, 2);
        g_assert_cmpstr(info.nics[1].dev, ==, "ntkv0_eth2");

        /* A NIC managed later belongs to the main identity only; removing the old identity does not touch it
         * (§10 B6). */
        g_assert_cmpint(ntk_idm_add_handled_nic(a.m, "eth3", MAC_C, IP(169, 254, 3, 3), NULL), ==, 0);
        g_assert_cmpint(ntk_idm_add_handled_nic(a.m, "eth3", MAC_C, IP(169, 254, 3, 4), NULL), ==, -EEXIST);
        g_assert_cmpint(ntk_idm_get_identity(a.m, a_new, &info), ==, 0);
        g_assert_cmpuint(info.n_nics, ==, 3);
        g_assert_cmpint(ntk_idm_get_identity(a.m, a_old, &info), ==, 0);
        g_assert_cmpuint(info.n_nics, ==, 2);

        /* eth2 goes: first its arcs, then the pseudo-NIC of the old identity. */
        g_assert_cmpint(ntk_idm_add_arc(a.m, "eth2", MAC_B, LL_B, &arc, o, NULL), ==, 0);
        g_assert_cmpint(ntk_idm_remove_handled_nic(a.m, "eth2", o), ==, -EBUSY);
        g_assert_cmpint(ntk_idm_remove_arc(a.m, arc, o), ==, 0);
        g_assert_cmpint(ntk_idm_remove_handled_nic(a.m, "eth2", o), ==, 0);
        {
                const char *const expected[] = {
                        "ip netns exec ntkv0 ip link delete ntkv0_eth2 type macvlan",
                };
                assert_lines(o, expected, G_N_ELEMENTS(expected));
        }
        g_assert_cmpint(ntk_idm_get_identity(a.m, a_old, &info), ==, 0);
        g_assert_cmpuint(info.n_nics, ==, 1);
        g_assert_cmpint(ntk_idm_remove_handled_nic(a.m, "eth2", o), ==, NTK_IDM_IGNORED);

        /* eth1 goes: the old identity has nothing left and is removed with everything it created. */
        g_assert_cmpint(ntk_idm_remove_handled_nic(a.m, "eth1", o), ==, 0);
        {
                const char *const expected[] = {
                        "ip netns exec ntkv0 ip route flush table main",
                        "ip netns exec ntkv0 ip link delete ntkv0_eth1 type macvlan",
                        "ip netns del ntkv0",
                };
                assert_lines(o, expected, G_N_ELEMENTS(expected));
        }
        g_assert_cmpint(o->events[o->n_events - 1].kind, ==, NTK_IDM_EV_IDENTITY_REMOVED);
        g_assert_cmpuint(ntk_idm_list_identities(a.m, NULL, 0), ==, 1);
        g_assert_cmpint(ntk_idm_get_identity(a.m, a_new, &info), ==, 0);
        g_assert_cmpuint(info.n_nics, ==, 1);
        g_assert_cmpstr(info.nics[0].dev, ==, "eth3");

        /* The freed slot is reused. */
        g_assert_cmpint(ntk_idm_add_handled_nic(a.m, "eth4", MAC_A, IP(169, 254, 4, 4), NULL), ==, 0);
        g_assert_cmpint(ntk_idm_get_identity(a.m, a_new, &info), ==, 0);
        g_assert_cmpuint(info.n_nics, ==, 2);
        sys_done(&a);
}

/* ---- refusals and bounds ---- */

static void test_pseudo_nic_name_longer_than_ifnamsiz_is_refused(void)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *o = ntk_idm_out_new();
        NtkIdentityId id, new_id = 0;
        NtkErr err = { "" };
        Sys a, b;

        /* "ntkv0_" + 10 characters = 16 > 15 */
        sys_init(&a, "enp0s31f6x", MAC_A, LL_A, 5);
        id = ntk_idm_main_id(a.m);
        g_assert_cmpint(ntk_idm_prepare_add_identity(a.m, MIG, id, 0, NULL), ==, 0);
        a.ll_next = LL_NA;
        g_assert_cmpint(ntk_idm_add_identity(a.m, MIG, id, &a.rng, chooser, &a, &new_id, o, &err), ==,
                -ENAMETOOLONG);
        g_assert_nonnull(strstr(err.msg, "ntkv0_enp0s31f6x"));
        g_assert_cmpuint(new_id, ==, 0);
        g_assert_cmpuint(o->n_steps + o->n_events, ==, 0);
        g_assert_cmpuint(ntk_idm_list_identities(a.m, NULL, 0), ==, 1);
        g_assert_cmpuint(ntk_idm_main_id(a.m), ==, id);
        sys_done(&a);

        /* 9 characters fit exactly: ntkv0_enp0s31f6 has 15. */
        sys_init(&b, "enp0s31f6", MAC_A, LL_A, 5);
        id = ntk_idm_main_id(b.m);
        g_assert_cmpint(ntk_idm_prepare_add_identity(b.m, MIG, id, 0, NULL), ==, 0);
        b.ll_next = LL_NA;
        g_assert_cmpint(ntk_idm_add_identity(b.m, MIG, id, &b.rng, chooser, &b, &new_id, o, &err), ==, 0);
        {
                g_autofree char *t = render(&o->steps[3]);
                g_assert_cmpstr(t, ==, "ip link add dev ntkv0_enp0s31f6 link enp0s31f6 type macvlan");
        }
        sys_done(&b);
}

static void test_bad_linklocal_from_chooser_changes_nothing(void)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *o = ntk_idm_out_new();
        NtkIdentityId id;
        Sys a;

        sys_init(&a, "eth1", MAC_A, LL_A, 5);
        id = ntk_idm_main_id(a.m);
        g_assert_cmpint(ntk_idm_prepare_add_identity(a.m, MIG, id, 0, NULL), ==, 0);
        a.ll_next = IP(169, 254, 0, 9);
        g_assert_cmpint(ntk_idm_add_identity(a.m, MIG, id, &a.rng, chooser, &a, NULL, o, NULL), ==, -EINVAL);
        a.ll_next = LL_A; /* in use by eth1 */
        g_assert_cmpint(ntk_idm_add_identity(a.m, MIG, id, &a.rng, chooser, &a, NULL, o, NULL), ==, -EINVAL);
        a.ll_next = 0; /* the chooser fails */
        g_assert_cmpint(
                ntk_idm_add_identity(a.m, MIG, id, &a.rng, chooser, &a, NULL, o, NULL), ==, -EADDRNOTAVAIL);
        g_assert_cmpuint(ntk_idm_list_identities(a.m, NULL, 0), ==, 1);
        a.ll_next = LL_NA;
        g_assert_cmpint(ntk_idm_add_identity(a.m, MIG, id, &a.rng, chooser, &a, NULL, o, NULL), ==, 0);
        g_assert_cmpint(
                ntk_idm_add_identity(a.m, MIG, id, &a.rng, chooser, &a, NULL, o, NULL), ==, -EALREADY);
        {
                g_autofree char *t = render(&o->steps[0]);
                g_assert_cmpstr(t, ==, "ip netns add ntkv0"); /* no counter consumed by the failures */
        }
        sys_done(&a);
}

static void test_pending_migration_expires_after_ten_minutes(void)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *o = ntk_idm_out_new();
        NtkIdentityId id;
        uint64_t next = 0;
        Sys a;

        sys_init(&a, "eth1", MAC_A, LL_A, 5);
        id = ntk_idm_main_id(a.m);
        g_assert_cmpint(ntk_idm_prepare_add_identity(a.m, MIG, id, 1000, NULL), ==, 0);
        g_assert_cmpint(ntk_idm_prepare_add_identity(a.m, MIG, id, 1000, NULL), ==, -EEXIST);
        g_assert_cmpint(ntk_idm_prepare_add_identity(a.m, MIG, 0x999, 1000, NULL), ==, -ENOENT);
        g_assert_cmpuint(ntk_idm_expire(a.m, 600999, &next), ==, 0);
        g_assert_cmpuint(next, ==, 601000);
        g_assert_cmpuint(ntk_idm_expire(a.m, 601000, &next), ==, 1);
        g_assert_cmpuint(next, ==, UINT64_MAX);
        a.ll_next = LL_NA;
        g_assert_cmpint(ntk_idm_add_identity(a.m, MIG, id, &a.rng, chooser, &a, NULL, o, NULL), ==, -ENOENT);
        /* A neighbour asking after expiry is treated as "only neighbour migrated" (here: nothing known). */
        sys_done(&a);
}

static void test_bounds(void)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *o = ntk_idm_out_new();
        NtkIdentityId id;
        NtkErr err = { "" };
        Sys a;

        sys_init(&a, "eth1", MAC_A, LL_A, 5);

        /* Arcs */
        for (unsigned i = 0; i < NTK_IDM_MAX_ARCS; i++) {
                uint8_t mac[6] = { 0x02, 0, 0, 0, 0, (uint8_t) (i + 1) };
                g_assert_cmpint(
                        ntk_idm_add_arc(a.m, "eth1", mac, IP(169, 254, 50, i + 1), NULL, o, NULL), ==, 0);
        }
        g_assert_cmpint(ntk_idm_add_arc(a.m, "eth1", MAC_B, LL_B, NULL, o, NULL), ==, -ENOSPC);
        g_assert_cmpint(ntk_idm_add_arc(a.m, "eth9", MAC_B, LL_B, NULL, o, NULL), ==, -ENOENT);

        /* Pending migrations */
        id = ntk_idm_main_id(a.m);
        for (unsigned i = 0; i < NTK_IDM_MAX_MIGRATIONS; i++)
                g_assert_cmpint(ntk_idm_prepare_add_identity(a.m, i, id, 0, NULL), ==, 0);
        g_assert_cmpint(ntk_idm_prepare_add_identity(a.m, 99, id, 0, &err), ==, -ENOSPC);
        g_assert_cmpuint(ntk_idm_expire(a.m, UINT64_MAX, NULL), ==, NTK_IDM_MAX_MIGRATIONS);

        /* Identities: duplicate the main one until full. */
        for (unsigned i = 1; i < NTK_IDM_MAX_IDENTITIES; i++) {
                id = ntk_idm_main_id(a.m);
                g_assert_cmpint(ntk_idm_prepare_add_identity(a.m, 1000 + i, id, 0, NULL), ==, 0);
                a.ll_next = IP(169, 254, 100, i);
                g_assert_cmpint(
                        ntk_idm_add_identity(a.m, 1000 + i, id, &a.rng, chooser, &a, NULL, o, NULL), ==, 0);
                g_assert_cmpuint(ntk_idm_expire(a.m, UINT64_MAX, NULL), ==, 1);
        }
        g_assert_cmpuint(ntk_idm_list_identities(a.m, NULL, 0), ==, NTK_IDM_MAX_IDENTITIES);
        id = ntk_idm_main_id(a.m);
        g_assert_cmpint(ntk_idm_prepare_add_identity(a.m, 5000, id, 0, NULL), ==, 0);
        a.ll_next = IP(169, 254, 101, 1);
        g_assert_cmpint(
                ntk_idm_add_identity(a.m, 5000, id, &a.rng, chooser, &a, NULL, o, NULL), ==, -ENOSPC);
        {
                NtkIdmIdentityInfo all[NTK_IDM_MAX_IDENTITIES];
                size_t n = ntk_idm_list_identities(a.m, all, G_N_ELEMENTS(all)), mains = 0;

                for (size_t i = 0; i < n; i++) {
                        mains += all[i].is_main;
                        for (size_t j = 0; j < i; j++)
                                g_assert_cmpuint(all[i].id, !=, all[j].id);
                }
                g_assert_cmpuint(mains, ==, 1);
        }

        /* Identity-arcs, all identities and arcs together. */
        {
                NtkIdmArcInfo arcs[1];
                NtkErr e = { "" };

                g_assert_cmpuint(ntk_idm_list_arcs(a.m, arcs, 1), ==, NTK_IDM_MAX_ARCS);
                id = ntk_idm_main_id(a.m);
                for (unsigned i = 0; i < NTK_IDM_MAX_IDENTITY_ARCS; i++)
                        g_assert_cmpint(ntk_idm_add_identity_arc(a.m, arcs[0].arc, id, 1000 + i, MAC_B,
                                                arcs[0].peer_linklocal, o, NULL),
                                ==, 0);
                g_assert_cmpint(ntk_idm_add_identity_arc(
                                        a.m, arcs[0].arc, id, 5, MAC_B, arcs[0].peer_linklocal, o, &e),
                        ==, -ENOSPC);
                g_assert_cmpuint(ntk_idm_list_identity_arcs(a.m, 0, 0, NULL, 0), ==, NTK_IDM_MAX_IDENTITY_ARCS);
                /* The biggest single output: the arc goes with all of them. */
                g_assert_cmpint(ntk_idm_remove_arc(a.m, arcs[0].arc, o), ==, 0);
                g_assert_false(o->overflow);
                g_assert_cmpuint(o->n_events, ==, 2 * NTK_IDM_MAX_IDENTITY_ARCS);
        }
        sys_done(&a);
}

static void test_network_input_is_validated(void)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *o = ntk_idm_out_new();
        static const uint8_t multicast[6] = { 0x01, 0x00, 0x5E, 0, 0, 1 }, zero[6] = { 0 };
        NtkIdmDuplicationData dup;
        NtkIdentityId me;
        uint32_t arc;
        Sys a;

        sys_init(&a, "eth1", MAC_A, LL_A, 5);
        me = ntk_idm_main_id(a.m);
        g_assert_cmpint(ntk_idm_add_arc(a.m, "eth1", MAC_B, LL_B, &arc, o, NULL), ==, 0);
        g_assert_cmpint(ntk_idm_peer_main_id_reply(a.m, arc, 0x42, o, NULL), ==, 0);

        g_assert_cmpint(
                ntk_idm_match_duplication(a.m, arc + 100, MIG, me, 0x42, 0x43, MAC_PB, LL_NB, &dup, o, NULL),
                ==, -ENOENT);
        g_assert_cmpint(
                ntk_idm_match_duplication(a.m, arc, MIG, 0, 0x42, 0x43, MAC_PB, LL_NB, &dup, o, NULL), ==,
                -EINVAL);
        g_assert_cmpint(
                ntk_idm_match_duplication(a.m, arc, MIG, me, 0x42, 0x42, MAC_PB, LL_NB, &dup, o, NULL), ==,
                -EINVAL);
        g_assert_cmpint(
                ntk_idm_match_duplication(a.m, arc, MIG, me, 0x42, 0x43, multicast, LL_NB, &dup, o, NULL),
                ==, -EINVAL);
        g_assert_cmpint(ntk_idm_match_duplication(a.m, arc, MIG, me, 0x42, 0x43, zero, LL_NB, &dup, o, NULL),
                ==, -EINVAL);
        g_assert_cmpint(ntk_idm_match_duplication(
                                a.m, arc, MIG, me, 0x42, 0x43, MAC_PB, IP(10, 0, 0, 1), &dup, o, NULL),
                ==, -EINVAL);
        g_assert_cmpint(ntk_idm_match_duplication(
                                a.m, arc, MIG, me, 0x42, 0x43, MAC_PB, IP(169, 254, 255, 3), &dup, o, NULL),
                ==, -EINVAL);
        /* Unknown identities: reply null, change nothing. */
        g_assert_cmpint(
                ntk_idm_match_duplication(a.m, arc, MIG, 0x999, 0x42, 0x43, MAC_PB, LL_NB, &dup, o, NULL),
                ==, NTK_IDM_MATCH_IGNORED);
        g_assert_cmpint(
                ntk_idm_match_duplication(a.m, arc, MIG, me, 0x998, 0x43, MAC_PB, LL_NB, &dup, o, NULL), ==,
                NTK_IDM_MATCH_IGNORED);
        g_assert_cmpuint(o->n_steps + o->n_events, ==, 0);
        g_assert_cmpint(ntk_idm_notify_identity_arc_removed(a.m, arc, 0x999, me, o), ==, NTK_IDM_IGNORED);
        g_assert_cmpint(ntk_idm_notify_identity_arc_removed(a.m, arc, 0, me, o), ==, -EINVAL);
        g_assert_cmpint(ntk_idm_duplication_reply(a.m, MIG, arc, 0x42, NULL, o, NULL), ==, NTK_IDM_IGNORED);
        g_assert_cmpint(ntk_idm_duplication_failed(a.m, MIG, arc, 0x42, o), ==, NTK_IDM_IGNORED);
        g_assert_cmpuint(ntk_idm_list_identity_arcs(a.m, 0, 0, NULL, 0), ==, 1);
        g_assert_cmpuint(ntk_idm_list_arcs(a.m, NULL, 0), ==, 1);

        /* The main identity-arc over a user-removed arc: removing + removed, no route (Neighborhood's). */
        g_assert_cmpint(ntk_idm_remove_arc(a.m, arc, o), ==, 0);
        g_assert_cmpuint(o->n_steps, ==, 0);
        g_assert_cmpuint(o->n_events, ==, 2);
        g_assert_cmpint(o->events[1].kind, ==, NTK_IDM_EV_IDENTITY_ARC_REMOVED);
        g_assert_cmpint(ntk_idm_remove_arc(a.m, arc, o), ==, NTK_IDM_IGNORED);
        sys_done(&a);
}

static void test_same_seed_same_plan(void)
{
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *o1 = ntk_idm_out_new();
        _cleanup_(ntk_idm_out_freep) NtkIdmOut *o2 = ntk_idm_out_new();
        Sys a, b;

        sys_init(&a, "eth1", MAC_A, LL_A, 77);
        sys_init(&b, "eth1", MAC_A, LL_A, 77);
        g_assert_cmpuint(ntk_idm_main_id(a.m), ==, ntk_idm_main_id(b.m));
        g_assert_cmpuint(
                duplicate_main(&a, MIG, LL_NA, MAC_PA, o1), ==, duplicate_main(&b, MIG, LL_NA, MAC_PA, o2));
        g_assert_cmpuint(o1->n_steps, ==, o2->n_steps);
        for (size_t i = 0; i < o1->n_steps; i++)
                g_assert_true(ntk_op_equal(&o1->steps[i].op, &o2->steps[i].op));
        sys_done(&a);
        sys_done(&b);
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/identity/add-identity/plan-matches-documented-commands",
                test_add_identity_plan_matches_documented_commands);
        g_test_add_func("/identity/add-identity/bad-linklocal-changes-nothing",
                test_bad_linklocal_from_chooser_changes_nothing);
        g_test_add_func("/identity/add-identity/pseudo-nic-name-longer-than-ifnamsiz-refused",
                test_pseudo_nic_name_longer_than_ifnamsiz_is_refused);
        g_test_add_func("/identity/add-identity/connectivity-identity-into-next-namespace",
                test_connectivity_identity_duplicates_into_next_namespace);
        g_test_add_func(
                "/identity/add-identity/abort-restores-old-identity", test_abort_restores_the_old_identity);
        g_test_add_func("/identity/add-identity/same-seed-same-plan", test_same_seed_same_plan);
        g_test_add_func("/identity/duplication/neighbour-not-taking-part-sees-changed-then-added",
                test_neighbour_not_taking_part_sees_changed_then_added);
        g_test_add_func("/identity/duplication/both-taking-part-follow-w0-w1-table",
                test_both_taking_part_follow_w0_w1_table);
        g_test_add_func("/identity/duplication/broken-arc-removed-after-its-answers",
                test_broken_arc_is_removed_after_its_answers);
        g_test_add_func(
                "/identity/arc/peer-main-id-failure-removes-arc", test_peer_main_id_failure_removes_arc);
        g_test_add_func("/identity/identity-arc/non-main-has-host-route-in-its-namespace",
                test_non_main_identity_arc_has_host_route_in_its_namespace);
        g_test_add_func("/identity/remove-identity/removes-exactly-what-add-identity-created",
                test_remove_identity_removes_exactly_what_add_identity_created);
        g_test_add_func("/identity/migration/expires-after-ten-minutes",
                test_pending_migration_expires_after_ten_minutes);
        g_test_add_func("/identity/nic/added-later-and-removed", test_nics_added_later_and_removed);
        g_test_add_func("/identity/bounds", test_bounds);
        g_test_add_func("/identity/network-input-is-validated", test_network_input_is_validated);
        return g_test_run();
}
