/* bus-api.c — org.netsukuku.Ntkd1: the manager's methods and properties, and the arc, identity and
 * identity-arc objects under an ObjectManager. Must not: change neighbourhood or identity state except
 * through their drivers; every mutating method validates, then asks polkit, then acts. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ntkd.h"
#include "polkit.h"

#define ERR_INVALID "org.netsukuku.Ntkd1.Error.InvalidArgument"
#define ERR_NOT_FOUND "org.netsukuku.Ntkd1.Error.NotFound"
#define ERR_FAILED "org.netsukuku.Ntkd1.Error.Failed"

#define ARC_PREFIX NTKD_PATH "/arc"
#define ID_PREFIX NTKD_PATH "/identity"
#define IDARC_PREFIX NTKD_PATH "/identity_arc"
#define PATH_MAX_LEN 128

/* ntkd is one daemon per process: the objects' callbacks reach it through this pointer (set once by
 * bus_api_register). Paths of the identity and identity-arc objects as last announced, to emit exact
 * InterfacesAdded/Removed. */
static Ntkd *daemon_ctx;
static char (*announced)[PATH_MAX_LEN];
static size_t n_announced;

/* ---------------------------------------------------------------- paths */

static void arc_path(uint64_t arc_id, char buf[static PATH_MAX_LEN])
{
        snprintf(buf, PATH_MAX_LEN, ARC_PREFIX "/%" PRIu64, arc_id);
}

static void identity_path(uint64_t id, char buf[static PATH_MAX_LEN])
{
        snprintf(buf, PATH_MAX_LEN, ID_PREFIX "/%016" PRIx64, id);
}

static void idarc_path(const NtkIdmIdentityArc *a, char buf[static PATH_MAX_LEN])
{
        snprintf(buf, PATH_MAX_LEN, IDARC_PREFIX "/%016" PRIx64 "_%u_%016" PRIx64, a->id, a->arc, a->peer_id);
}

static bool parse_u64_tail(const char *path, const char *prefix, int base, uint64_t *ret)
{
        size_t n = strlen(prefix);
        char *end;

        if (strncmp(path, prefix, n) != 0 || path[n] != '/' || path[n + 1] == '\0')
                return false;
        *ret = strtoull(path + n + 1, &end, base);
        return *end == '\0';
}

/* ---------------------------------------------------------------- arcs */

static int arc_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
        sd_bus_error *error)
{
        Ntkd *d = userdata;
        uint64_t id;
        ArcExtra *x;

        char canon[PATH_MAX_LEN];

        if (!parse_u64_tail(path, ARC_PREFIX, 10, &id) || !(x = ntkd_arc_extra(d, id, false)) || !x->present)
                return 0;
        arc_path(id, canon);
        if (!streq(canon, path)) /* one path per object: no leading zeros */
                return 0;
        *found = x;
        return 1;
}

static int arc_enumerate(sd_bus *bus, const char *prefix, void *userdata, char ***ret, sd_bus_error *error)
{
        Ntkd *d = userdata;
        char **v = calloc(d->n_arcs + 1, sizeof(char *));
        size_t n = 0;

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < d->n_arcs; i++)
                if (d->arcs[i].present && (v[n] = malloc(PATH_MAX_LEN)))
                        arc_path(d->arcs[i].arc_id, v[n++]);
        *ret = v;
        return 0;
}


static int arc_property(sd_bus *bus, const char *path, const char *interface, const char *property,
        sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        ArcExtra *x = userdata;
        NtkNbArcInfo a;
        char b[NTK_MAC_STRLEN + NTK_IPV4_STRLEN];

        if (ntk_nb_get_arc(daemon_ctx->nb, x->arc_id, &a) < 0)
                return sd_bus_error_setf(error, ERR_NOT_FOUND, "arc %" PRIu64 " is gone", x->arc_id);
        if (streq(property, "Dev"))
                return sd_bus_message_append(reply, "s", a.dev);
        if (streq(property, "PeerMac"))
                return sd_bus_message_append(reply, "s", ntk_mac_format(a.peer_mac, b));
        if (streq(property, "PeerLinklocal"))
                return sd_bus_message_append(reply, "s", ntk_ipv4_format(a.peer_ll, b));
        if (streq(property, "PeerNodeId"))
                return sd_bus_message_append(reply, "t", a.peer_id);
        if (streq(property, "Cost"))
                return sd_bus_message_append(reply, "u",
                        x->fixed_cost ? x->fixed_cost : a.has_cost ? (uint32_t) a.cost_us : 0u);
        if (streq(property, "Accepted"))
                return sd_bus_message_append(reply, "b", x->accepted);
        return -ENOENT;
}

static const sd_bus_vtable arc_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Dev", "s", arc_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("PeerMac", "s", arc_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("PeerLinklocal", "s", arc_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("PeerNodeId", "t", arc_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Cost", "u", arc_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Accepted", "b", arc_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END,
};

void bus_api_arc_added(Ntkd *d, uint64_t arc_id)
{
        char p[PATH_MAX_LEN];
        arc_path(arc_id, p);
        (void) sd_bus_emit_object_added(d->bus, p);
}

void bus_api_arc_changed(Ntkd *d, uint64_t arc_id)
{
        char p[PATH_MAX_LEN];
        arc_path(arc_id, p);
        (void) sd_bus_emit_properties_changed(d->bus, p, "org.netsukuku.Ntkd1.Arc", "Cost", "Accepted", NULL);
}

void bus_api_arc_removed(Ntkd *d, uint64_t arc_id)
{
        ArcExtra *x = ntkd_arc_extra(d, arc_id, false);
        char p[PATH_MAX_LEN];

        if (!x || !x->present)
                return;
        arc_path(arc_id, p);
        (void) sd_bus_emit_object_removed(d->bus, p); /* still findable during the call */
        x->present = false;
}

/* ---------------------------------------------------------------- identities and identity arcs */

static int identity_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
        sd_bus_error *error)
{
        NtkIdmIdentityInfo info;
        char canon[PATH_MAX_LEN];
        uint64_t id;

        if (!parse_u64_tail(path, ID_PREFIX, 16, &id) || ntk_idm_get_identity(daemon_ctx->idm, id, &info) != 0)
                return 0;
        identity_path(id, canon);
        if (!streq(canon, path))
                return 0;
        *found = (void *) (uintptr_t) 1; /* the path carries the id */
        return 1;
}

static int identity_property(sd_bus *bus, const char *path, const char *interface, const char *property,
        sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        NtkIdmIdentityInfo info;
        uint64_t id;
        int r;

        if (!parse_u64_tail(path, ID_PREFIX, 16, &id) || ntk_idm_get_identity(daemon_ctx->idm, id, &info) != 0)
                return sd_bus_error_setf(error, ERR_NOT_FOUND, "identity '%s' is gone", path);
        if (streq(property, "Id"))
                return sd_bus_message_append(reply, "t", info.id);
        if (streq(property, "Namespace"))
                return sd_bus_message_append(reply, "s", info.netns);
        if (streq(property, "Main"))
                return sd_bus_message_append(reply, "b", info.is_main);
        r = sd_bus_message_open_container(reply, 'a', "(ssss)");
        for (unsigned i = 0; r >= 0 && i < info.n_nics; i++) {
                char m[NTK_MAC_STRLEN] = "", l[NTK_IPV4_STRLEN];
                if (info.nics[i].mac_known)
                        ntk_mac_format(info.nics[i].mac, m);
                r = sd_bus_message_append(reply, "(ssss)", info.nics[i].real_dev, info.nics[i].dev, m,
                        ntk_ipv4_format(info.nics[i].linklocal, l));
        }
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static const sd_bus_vtable identity_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "t", identity_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Namespace", "s", identity_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Main", "b", identity_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Interfaces", "a(ssss)", identity_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END,
};

/* Finds the identity arc named by path; 0 when there is none. */
static int idarc_lookup(const char *path, NtkIdmIdentityArc *ret)
{
        NtkIdmIdentityArc v[NTK_IDM_MAX_IDENTITY_ARCS];
        size_t n = ntk_idm_list_identity_arcs(daemon_ctx->idm, 0, 0, v, ELEMENTSOF(v));
        char p[PATH_MAX_LEN];

        for (size_t i = 0; i < n && i < ELEMENTSOF(v); i++) {
                idarc_path(&v[i], p);
                if (streq(p, path)) {
                        *ret = v[i];
                        return 1;
                }
        }
        return 0;
}

static int idarc_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **found,
        sd_bus_error *error)
{
        NtkIdmIdentityArc a;

        if (!idarc_lookup(path, &a))
                return 0;
        *found = (void *) (uintptr_t) 1;
        return 1;
}

static int idarc_property(sd_bus *bus, const char *path, const char *interface, const char *property,
        sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        NtkIdmIdentityArc a;
        char b[NTK_MAC_STRLEN + NTK_IPV4_STRLEN];

        if (!idarc_lookup(path, &a))
                return sd_bus_error_setf(error, ERR_NOT_FOUND, "identity arc '%s' is gone", path);
        if (streq(property, "Identity"))
                return sd_bus_message_append(reply, "t", a.id);
        if (streq(property, "PeerId"))
                return sd_bus_message_append(reply, "t", a.peer_id);
        if (streq(property, "PeerMac"))
                return sd_bus_message_append(reply, "s", ntk_mac_format(a.peer_mac, b));
        if (streq(property, "PeerLinklocal"))
                return sd_bus_message_append(reply, "s", ntk_ipv4_format(a.peer_linklocal, b));
        for (size_t i = 0; i < daemon_ctx->n_arcs; i++)
                if (daemon_ctx->arcs[i].idm_arc == a.arc) {
                        char p[PATH_MAX_LEN];
                        arc_path(daemon_ctx->arcs[i].arc_id, p);
                        return sd_bus_message_append(reply, "o", p);
                }
        return sd_bus_message_append(reply, "o", "/");
}

static const sd_bus_vtable idarc_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Identity", "t", idarc_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Arc", "o", idarc_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("PeerId", "t", idarc_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("PeerMac", "s", idarc_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PeerLinklocal", "s", idarc_property, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END,
};

/* Every identity and identity-arc path as it is now (malloc'ed array). */
static size_t current_paths(Ntkd *d, char (**ret)[PATH_MAX_LEN])
{
        NtkIdmIdentityInfo ids[NTK_IDM_MAX_IDENTITIES];
        NtkIdmIdentityArc arcs[NTK_IDM_MAX_IDENTITY_ARCS];
        size_t n_ids = ntk_idm_list_identities(d->idm, ids, ELEMENTSOF(ids));
        size_t n_arcs = ntk_idm_list_identity_arcs(d->idm, 0, 0, arcs, ELEMENTSOF(arcs)), n = 0;
        char (*v)[PATH_MAX_LEN];

        n_ids = n_ids < ELEMENTSOF(ids) ? n_ids : ELEMENTSOF(ids);
        n_arcs = n_arcs < ELEMENTSOF(arcs) ? n_arcs : ELEMENTSOF(arcs);
        v = calloc(n_ids + n_arcs + 1, PATH_MAX_LEN);
        if (!v) {
                *ret = NULL;
                return 0;
        }
        for (size_t i = 0; i < n_ids; i++)
                identity_path(ids[i].id, v[n++]);
        for (size_t i = 0; i < n_arcs; i++)
                idarc_path(&arcs[i], v[n++]);
        *ret = v;
        return n;
}

static bool in_list(char (*v)[PATH_MAX_LEN], size_t n, const char *p)
{
        for (size_t i = 0; i < n; i++)
                if (streq(v[i], p))
                        return true;
        return false;
}

void bus_api_identity_arc_changed(Ntkd *d, const NtkIdmIdentityArc *a, bool only_neighbour_migrated)
{
        char p[PATH_MAX_LEN];

        idarc_path(a, p);
        (void) sd_bus_emit_signal(d->bus, NTKD_PATH, "org.netsukuku.Ntkd1.Manager", "IdentityArcChanged", "ob", p,
                only_neighbour_migrated);
}

void bus_api_identities_changed(Ntkd *d)
{
        char (*now)[PATH_MAX_LEN] = NULL;
        size_t n = current_paths(d, &now);

        if (!now)
                return;
        for (size_t i = 0; i < n_announced; i++)
                if (!in_list(now, n, announced[i]))
                        (void) sd_bus_emit_object_removed(d->bus, announced[i]);
        for (size_t i = 0; i < n; i++) {
                if (!in_list(announced, n_announced, now[i]))
                        (void) sd_bus_emit_object_added(d->bus, now[i]);
                else if (startswith(now[i], IDARC_PREFIX))
                        (void) sd_bus_emit_properties_changed(d->bus, now[i], "org.netsukuku.Ntkd1.IdentityArc",
                                "PeerMac", "PeerLinklocal", NULL);
                else
                        (void) sd_bus_emit_properties_changed(d->bus, now[i], "org.netsukuku.Ntkd1.Identity",
                                "Namespace", "Main", "Interfaces", NULL);
        }
        free(announced);
        announced = now;
        n_announced = n;
}

static int enumerate_prefix(const char *prefix, char ***ret)
{
        char (*now)[PATH_MAX_LEN] = NULL;
        size_t n = current_paths(daemon_ctx, &now), k = 0;
        char **v = calloc(n + 1, sizeof(char *));

        if (!v) {
                free(now);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
                if (startswith(now[i], prefix) && now[i][strlen(prefix)] == '/')
                        v[k++] = strdup(now[i]);
        free(now);
        *ret = v;
        return 0;
}

static int identity_enumerate(sd_bus *bus, const char *prefix, void *userdata, char ***ret, sd_bus_error *error)
{
        return enumerate_prefix(ID_PREFIX, ret);
}

static int idarc_enumerate(sd_bus *bus, const char *prefix, void *userdata, char ***ret, sd_bus_error *error)
{
        return enumerate_prefix(IDARC_PREFIX, ret);
}

/* ---------------------------------------------------------------- the manager */

static int find_arc_by_name(Ntkd *d, const char *dev, const char *peer_mac, ArcExtra **ret, sd_bus_error *error)
{
        NtkNbArcInfo a[256];
        uint8_t mac[6];
        size_t n;

        if (!ntkd_find_nic(d, dev))
                return sd_bus_error_setf(error, ERR_INVALID, "'%s' is not a managed interface", dev);
        if (ntk_mac_parse(peer_mac, mac) < 0)
                return sd_bus_error_setf(error, ERR_INVALID, "'%s' is not a MAC address", peer_mac);
        n = ntk_nb_list_arcs(d->nb, true, a, ELEMENTSOF(a));
        for (size_t i = 0; i < n && i < ELEMENTSOF(a); i++)
                if (streq(a[i].dev, dev) && memcmp(a[i].peer_mac, mac, 6) == 0) {
                        ArcExtra *x = ntkd_arc_extra(d, a[i].arc_id, false);
                        if (x && x->present) {
                                *ret = x;
                                return 0;
                        }
                }
        return sd_bus_error_setf(error, ERR_NOT_FOUND, "no arc on '%s' towards %s", dev, peer_mac);
}

/* The (dev, peer_mac) arguments every arc method starts with, resolved to the arc. */
static int read_arc_arguments(sd_bus_message *m, Ntkd *d, ArcExtra **ret, sd_bus_error *error)
{
        const char *dev, *peer_mac;
        int r = sd_bus_message_read(m, "ss", &dev, &peer_mac);

        return r < 0 ? r : find_arc_by_name(d, dev, peer_mac, ret, error);
}

static int authorize(sd_bus_message *m, sd_bus_error *error)
{
        int r = polkit_check(m, NTKD_POLKIT_ACTION, error);
        return r <= 0 ? (r < 0 ? r : -EACCES) : 0;
}

static int method_accept_arc(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Ntkd *d = userdata;
        char p[PATH_MAX_LEN];
        NtkNbArcInfo a;
        ArcExtra *x;
        int r;

        r = read_arc_arguments(m, d, &x, error);
        if (r < 0)
                return r;
        r = authorize(m, error);
        if (r < 0)
                return r;
        arc_path(x->arc_id, p);
        if (!x->accepted) {
                x->accepted = true;
                r = identity_driver_arc_accepted(d, x);
                if (r < 0) {
                        char mac[NTK_MAC_STRLEN];
                        x->accepted = false;
                        if (ntk_nb_get_arc(d->nb, x->arc_id, &a) < 0)
                                memset(&a, 0, sizeof a);
                        return sd_bus_error_setf(error, ERR_FAILED, "cannot accept the arc on '%s' towards %s: %s",
                                a.dev, ntk_mac_format(a.peer_mac, mac), strerror(-r));
                }
                bus_api_arc_changed(d, x->arc_id);
        }
        return sd_bus_reply_method_return(m, "o", p);
}

static int method_set_arc_cost(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Ntkd *d = userdata;
        uint32_t cost;
        ArcExtra *x;
        int r;

        r = read_arc_arguments(m, d, &x, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "u", &cost);
        if (r < 0)
                return r;
        if (cost > 60u * 1000000u)
                return sd_bus_error_setf(error, ERR_INVALID, "cost %u µs is more than a minute", cost);
        r = authorize(m, error);
        if (r < 0)
                return r;
        x->fixed_cost = cost;
        bus_api_arc_changed(d, x->arc_id);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_remove_arc(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Ntkd *d = userdata;
        ArcExtra *x;
        int r;

        r = read_arc_arguments(m, d, &x, error);
        if (r < 0)
                return r;
        r = authorize(m, error);
        if (r < 0)
                return r;
        (void) ntk_nb_remove_arc(d->nb, x->arc_id, true, ntkd_now_ms(), &d->actions);
        nb_drive(d);
        return sd_bus_reply_method_return(m, NULL);
}

static int fail_with(sd_bus_error *error, int r, const char *what, char *msg)
{
        int k = sd_bus_error_setf(error, r == -ENOENT ? ERR_NOT_FOUND : r == -EINVAL || r == -EPERM ? ERR_INVALID
                                                                                                    : ERR_FAILED,
                "%s: %s", what, msg ? msg : strerror(-r));
        free(msg);
        return k;
}

static int method_prepare_add_identity(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Ntkd *d = userdata;
        uint32_t migration_id;
        uint64_t old_id;
        char *msg = NULL;
        int r;

        r = sd_bus_message_read(m, "ut", &migration_id, &old_id);
        if (r < 0)
                return r;
        r = authorize(m, error);
        if (r < 0)
                return r;
        r = identity_driver_prepare(d, migration_id, old_id, &msg);
        if (r < 0)
                return fail_with(error, r, "PrepareAddIdentity", msg);
        free(msg);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_add_identity(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Ntkd *d = userdata;
        uint32_t migration_id;
        uint64_t old_id, new_id = 0;
        char *msg = NULL;
        int r;

        r = sd_bus_message_read(m, "ut", &migration_id, &old_id);
        if (r < 0)
                return r;
        r = authorize(m, error);
        if (r < 0)
                return r;
        r = identity_driver_add(d, migration_id, old_id, &new_id, &msg);
        if (r < 0)
                return fail_with(error, r, "AddIdentity", msg);
        free(msg);
        return sd_bus_reply_method_return(m, "t", new_id);
}

static int method_remove_identity(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Ntkd *d = userdata;
        uint64_t id;
        char *msg = NULL;
        int r;

        r = sd_bus_message_read(m, "t", &id);
        if (r < 0)
                return r;
        r = authorize(m, error);
        if (r < 0)
                return r;
        r = identity_driver_remove(d, id, &msg);
        if (r < 0)
                return fail_with(error, r, "RemoveIdentity", msg);
        free(msg);
        return sd_bus_reply_method_return(m, NULL);
}

static int manager_property(sd_bus *bus, const char *path, const char *interface, const char *property,
        sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Ntkd *d = userdata;
        int r;

        if (streq(property, "NodeId"))
                return sd_bus_message_append(reply, "t", ntk_nb_my_id(d->nb));
        if (streq(property, "Counters")) {
                const NtkNbStats *st = ntk_nb_stats(d->nb);
                r = sd_bus_message_open_container(reply, 'a', "{st}");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "{st}", "rx-ok", d->counters.rx_ok);
                for (size_t i = 0; r >= 0 && i < WIRE_DROP_REASONS; i++) {
                        char key[64];
                        snprintf(key, sizeof key, "rx-dropped-%s", wire_drop_label(i));
                        r = sd_bus_message_append(reply, "{st}", key, d->counters.rx_dropped[i]);
                }
                for (int i = 0; r >= 0 && i < _NTK_NB_DROP_MAX; i++) {
                        char key[64];
                        snprintf(key, sizeof key, "neighbour-ignored-%s", ntk_nb_drop_to_string(i));
                        r = sd_bus_message_append(reply, "{st}", key, st->drops[i]);
                }
                if (r >= 0)
                        r = sd_bus_message_append(reply, "{st}{st}{st}{st}{st}", "rpc-calls", d->counters.rpc_calls,
                                "rpc-failed", d->counters.rpc_failed, "rpc-served", d->counters.rpc_served,
                                "rx-spoofed", d->counters.rx_spoofed, "conn-refused", d->counters.conn_refused);
                return r < 0 ? r : sd_bus_message_close_container(reply);
        }
        r = sd_bus_message_open_container(reply, 'a', "(sss)");
        for (unsigned i = 0; r >= 0 && i < d->n_nics; i++) {
                char m[NTK_MAC_STRLEN], l[NTK_IPV4_STRLEN];
                r = sd_bus_message_append(reply, "(sss)", d->nics[i].dev, ntk_mac_format(d->nics[i].mac, m),
                        ntk_ipv4_format(d->nics[i].ll, l));
        }
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("NodeId", "t", manager_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Interfaces", "a(sss)", manager_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Counters", "a{st}", manager_property, 0, 0),
        SD_BUS_METHOD_WITH_NAMES("AcceptArc", "ss", SD_BUS_PARAM(dev) SD_BUS_PARAM(peer_mac), "o", SD_BUS_PARAM(arc),
                method_accept_arc, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("SetArcCost", "ssu", SD_BUS_PARAM(dev) SD_BUS_PARAM(peer_mac) SD_BUS_PARAM(cost_us),
                "", , method_set_arc_cost, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("RemoveArc", "ss", SD_BUS_PARAM(dev) SD_BUS_PARAM(peer_mac), "", ,
                method_remove_arc, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("PrepareAddIdentity", "ut", SD_BUS_PARAM(migration_id) SD_BUS_PARAM(old_id), "", ,
                method_prepare_add_identity, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("AddIdentity", "ut", SD_BUS_PARAM(migration_id) SD_BUS_PARAM(old_id), "t",
                SD_BUS_PARAM(new_id), method_add_identity, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("RemoveIdentity", "t", SD_BUS_PARAM(id), "", , method_remove_identity,
                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_NAMES("IdentityArcChanged", "ob",
                SD_BUS_PARAM(identity_arc) SD_BUS_PARAM(only_neighbour_migrated), 0),
        SD_BUS_VTABLE_END,
};

int bus_api_register(Ntkd *d)
{
        int r;

        daemon_ctx = d;
        r = sd_bus_add_object_manager(d->bus, NULL, NTKD_PATH);
        if (r >= 0)
                r = sd_bus_add_object_vtable(d->bus, NULL, NTKD_PATH, "org.netsukuku.Ntkd1.Manager", manager_vtable, d);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(d->bus, NULL, ARC_PREFIX, "org.netsukuku.Ntkd1.Arc", arc_vtable, arc_find,
                        d);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(d->bus, NULL, ARC_PREFIX, arc_enumerate, d);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(d->bus, NULL, ID_PREFIX, "org.netsukuku.Ntkd1.Identity", identity_vtable,
                        identity_find, d);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(d->bus, NULL, ID_PREFIX, identity_enumerate, d);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(d->bus, NULL, IDARC_PREFIX, "org.netsukuku.Ntkd1.IdentityArc",
                        idarc_vtable, idarc_find, d);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(d->bus, NULL, IDARC_PREFIX, idarc_enumerate, d);
        return r;
}
