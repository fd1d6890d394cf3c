/* bus.c — every Helper1 method: read and validate arguments (confine), ask polkit, act, reply; errors
 * are named and repeat the offending value. Must not: touch the kernel except through apply/sockets. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "polkit.h"
#include "bus.h"
#include "confine.h"
#include "linkinfo.h"
#include "sockets.h"

#define MSG_MAX 512

static int set_refusal(sd_bus_error *error, ConfineVerdict v, const NtkErr *e)
{
        return sd_bus_error_set(error, v == CONFINE_NOT_OURS ? HELPER_ERROR_NOT_OURS : HELPER_ERROR_INVALID,
                e->msg);
}

/* A name that is about to be pasted into an op line: no whitespace, not empty. */
static int check_word(const char *what, const char *value, sd_bus_error *error)
{
        if (value[0] == '\0' || strpbrk(value, " \t\n\r\v\f"))
                return sd_bus_error_setf(error, HELPER_ERROR_INVALID, "%s '%s' is empty or contains whitespace",
                        what, value);
        return 0;
}

/* Validates lines for netns; on success *ret holds the parsed ops. */
static int validate(Helper *h, const char *netns, char *const *lines, size_t n, NtkOp **ret, sd_bus_error *error)
{
        size_t idx;
        NtkErr e = { "" };
        ConfineVerdict v = confine_batch(&h->config, &h->state, netns, lines, n, ret, &idx, &e);

        if (v != CONFINE_OK)
                return set_refusal(error, v, &e);
        return 0;
}

/* Runs validated ops; fails the method (Kernel error) when any op failed. */
static int execute_all_or_fail(Helper *h, const char *netns, const NtkOp *ops, size_t n, sd_bus_error *error)
{
        _cleanup_free_ int *results = calloc(n ? n : 1, sizeof(int));
        char msg[MSG_MAX];
        int r;

        if (!results)
                return -ENOMEM;
        r = helper_apply(&h->state, &h->paths, netns, ops, n, results, msg, sizeof msg);
        if (r < 0)
                return sd_bus_error_setf(error, HELPER_ERROR_KERNEL, "cannot enter namespace '%s': %s", netns,
                        strerror(-r));
        if (r > 0)
                return sd_bus_error_set(error, HELPER_ERROR_KERNEL, msg);
        return 0;
}

/* The strings of an "as" argument as pointers into the message (valid while m lives). Linear: systemd 252's
 * sd_bus_message_read_strv() recounts the array for every element, quadratic for a large batch. The bus
 * bounds the message size; confine_batch refuses a batch of more than CONFINE_MAX_OPS ops by its count. */
static int read_string_array(sd_bus_message *m, const char ***ret, size_t *ret_n)
{
        _cleanup_free_ const char **v = NULL;
        size_t n = 0, cap = 0;
        const char *s;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "s");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read_basic(m, 's', &s)) > 0) {
                if (n == cap) {
                        const char **nv;
                        cap = cap ? cap * 2 : 256;
                        nv = realloc(v, cap * sizeof(char *));
                        if (!nv)
                                return -ENOMEM;
                        v = nv;
                }
                v[n++] = s;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

static int method_apply(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Helper *h = userdata;
        _cleanup_free_ const char **lines = NULL;
        _cleanup_free_ NtkOp *ops = NULL;
        _cleanup_free_ int *results = NULL;
        sd_bus_message *reply = NULL;
        const char *netns;
        char msg[MSG_MAX];
        size_t n;
        int r, failed;

        r = sd_bus_message_read(m, "s", &netns);
        if (r < 0)
                return r;
        r = read_string_array(m, &lines, &n);
        if (r < 0)
                return r;

        r = validate(h, netns, (char *const *) lines, n, &ops, error);
        if (r < 0)
                return r;
        r = polkit_check(m, HELPER_POLKIT_ACTION, error);
        if (r <= 0)
                return r < 0 ? r : -EACCES;

        results = calloc(n ? n : 1, sizeof(int));
        if (!results)
                return -ENOMEM;
        failed = helper_apply(&h->state, &h->paths, netns, ops, n, results, msg, sizeof msg);
        if (failed < 0)
                return sd_bus_error_setf(error, HELPER_ERROR_KERNEL, "cannot enter namespace '%s': %s", netns,
                        strerror(-failed));
        fprintf(stderr, "Apply(%s): %zu ops, %d failed%s%s\n", netns[0] ? netns : "default", n, failed,
                failed ? ": " : "", failed ? msg : "");

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append_array(reply, 'i', results, n * sizeof(int));
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", msg);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

static int method_create_namespace(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Helper *h = userdata;
        _cleanup_free_ NtkOp *ops = NULL;
        _cleanup_free_ char *line = NULL;
        const char *name;
        int r;

        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        r = check_word("namespace name", name, error);
        if (r < 0)
                return r;
        if (asprintf(&line, "ip netns add %s", name) < 0)
                return -ENOMEM;
        r = validate(h, "", &line, 1, &ops, error);
        if (r < 0)
                return r;
        r = polkit_check(m, HELPER_POLKIT_ACTION, error);
        if (r <= 0)
                return r < 0 ? r : -EACCES;
        r = execute_all_or_fail(h, "", ops, 1, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, NULL);
}

static int method_delete_namespace(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Helper *h = userdata;
        _cleanup_free_ NtkOp *ops = NULL, *link_ops = NULL;
        _cleanup_free_ char *line = NULL;
        char *links[STATE_MAX_LINKS];
        size_t n_links = 0;
        const char *name;
        NtkErr e = { "" };
        int r;

        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        r = check_word("namespace name", name, error);
        if (r < 0)
                return r;
        if (name[0] && !state_has_netns(&h->state, name)) {
                ntk_err(&e, -EPERM, "namespace '%s' was not created by ntk-helper", name);
                return set_refusal(error, CONFINE_NOT_OURS, &e);
        }
        if (asprintf(&line, "ip netns del %s", name) < 0)
                return -ENOMEM;
        r = polkit_check(m, HELPER_POLKIT_ACTION, error);
        if (r <= 0)
                return r < 0 ? r : -EACCES;

        /* Our pseudo-interfaces first: a namespace kept alive by an open socket would otherwise keep them. */
        for (unsigned i = 0; i < h->state.n_links; i++)
                if (streq(h->state.links[i].netns, name) &&
                    asprintf(&links[n_links], "ip link delete %s type macvlan", h->state.links[i].name) >= 0)
                        n_links++;
        if (n_links > 0) {
                r = validate(h, name, links, n_links, &link_ops, error);
                if (r >= 0)
                        r = execute_all_or_fail(h, name, link_ops, n_links, error);
                for (size_t i = 0; i < n_links; i++)
                        free(links[i]);
                if (r < 0)
                        return r;
        }
        r = validate(h, "", &line, 1, &ops, error);
        if (r >= 0)
                r = execute_all_or_fail(h, "", ops, 1, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, NULL);
}

static int method_list_namespaces(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Helper *h = userdata;
        sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "s");
        for (unsigned i = 0; r >= 0 && i < h->state.n_netns; i++)
                r = sd_bus_message_append(reply, "s", h->state.netns[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

static int method_create_pseudo_interface(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Helper *h = userdata;
        _cleanup_free_ NtkOp *ops = NULL;
        const char *parent, *name, *mac, *netns;
        char *lines[3] = {}, mac_text[NTK_MAC_STRLEN];
        size_t n = 0, n_first;
        uint8_t actual[6];
        int r;

        r = sd_bus_message_read(m, "ssss", &parent, &name, &mac, &netns);
        if (r < 0)
                return r;
        if ((r = check_word("parent", parent, error)) < 0 || (r = check_word("interface name", name, error)) < 0 ||
            (mac[0] && (r = check_word("MAC", mac, error)) < 0) ||
            (netns[0] && (r = check_word("namespace name", netns, error)) < 0))
                return r;

        if (asprintf(&lines[n++], "ip link add dev %s link %s type macvlan", name, parent) < 0)
                return -ENOMEM;
        if (mac[0] && asprintf(&lines[n++], "ip link set dev %s address %s", name, mac) < 0)
                r = -ENOMEM;
        n_first = n;
        if (r >= 0 && netns[0] && asprintf(&lines[n++], "ip link set dev %s netns %s", name, netns) < 0)
                r = -ENOMEM;
        if (r >= 0)
                r = validate(h, "", lines, n, &ops, error);
        for (size_t i = 0; i < n; i++)
                free(lines[i]);
        if (r < 0)
                return r;
        r = polkit_check(m, HELPER_POLKIT_ACTION, error);
        if (r <= 0)
                return r < 0 ? r : -EACCES;

        /* create (and set the MAC) in the default namespace, read the MAC there, then move it */
        r = execute_all_or_fail(h, "", ops, n_first, error);
        if (r >= 0)
                r = linkinfo_mac(name, actual) < 0 ? sd_bus_error_setf(error, HELPER_ERROR_KERNEL,
                                                             "cannot read the MAC of '%s'", name)
                                                   : 0;
        if (r >= 0 && n > n_first)
                r = execute_all_or_fail(h, "", ops + n_first, n - n_first, error);
        if (r < 0) {
                /* nothing partial: remove the macvlan again if it was created */
                NtkOp del = { .kind = NTK_OP_LINK_DEL };
                int res = 0;
                char msg[MSG_MAX];
                snprintf(del.link.ifname, sizeof del.link.ifname, "%s", name);
                if (state_find_link(&h->state, "", name))
                        (void) helper_apply(&h->state, &h->paths, "", &del, 1, &res, msg, sizeof msg);
                return r;
        }
        return sd_bus_reply_method_return(m, "s", ntk_mac_format(actual, mac_text));
}

static int method_delete_pseudo_interface(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Helper *h = userdata;
        _cleanup_free_ NtkOp *ops = NULL;
        _cleanup_free_ char *line = NULL;
        const char *netns, *name;
        int r;

        r = sd_bus_message_read(m, "ss", &netns, &name);
        if (r < 0)
                return r;
        if ((netns[0] && (r = check_word("namespace name", netns, error)) < 0) ||
            (r = check_word("interface name", name, error)) < 0)
                return r;
        if (asprintf(&line, "ip link delete %s type macvlan", name) < 0)
                return -ENOMEM;
        r = validate(h, netns, &line, 1, &ops, error);
        if (r < 0)
                return r;
        r = polkit_check(m, HELPER_POLKIT_ACTION, error);
        if (r <= 0)
                return r < 0 ? r : -EACCES;
        r = execute_all_or_fail(h, netns, ops, 1, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, NULL);
}

static int method_open_socket(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Helper *h = userdata;
        const char *netns, *dev, *proto;
        HelperSocketKind kind;
        ConfineVerdict v;
        NtkErr e = { "" };
        uint16_t port;
        bool port_ok = false;
        int fd, r;

        r = sd_bus_message_read(m, "sssq", &netns, &dev, &proto, &port);
        if (r < 0)
                return r;
        if (helper_socket_kind_from_string(proto, &kind) < 0)
                return sd_bus_error_setf(error, HELPER_ERROR_INVALID,
                        "proto '%s' is not one of udp, tcp-listen, tcp-connect", proto);
        v = confine_netns(&h->state, netns, &e);
        if (v == CONFINE_OK)
                v = confine_dev(&h->config, &h->state, netns, dev, &e);
        if (v != CONFINE_OK)
                return set_refusal(error, v, &e);
        if (kind == HELPER_SOCKET_TCP_CONNECT)
                port_ok = port == 0;
        else
                for (unsigned i = 0; i < h->config.n_ports; i++)
                        port_ok |= h->config.ports[i] == port;
        if (!port_ok)
                return sd_bus_error_setf(error, HELPER_ERROR_NOT_OURS, "port %u is not a configured port for %s",
                        (unsigned) port, proto);
        r = polkit_check(m, HELPER_POLKIT_ACTION, error);
        if (r <= 0)
                return r < 0 ? r : -EACCES;

        fd = helper_socket_open(&h->state, netns, dev, kind, port);
        if (fd < 0)
                return sd_bus_error_setf(error, HELPER_ERROR_KERNEL, "socket %s on '%s' port %u: %s", proto, dev,
                        (unsigned) port, strerror(-fd));
        r = sd_bus_reply_method_return(m, "h", fd); /* sd-bus duplicates the fd */
        close(fd);
        return r;
}

static int append_object(sd_bus_message *reply, const char *kind, const char *name, const char *detail)
{
        return sd_bus_message_append(reply, "(sss)", kind, name, detail);
}

static int method_state(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Helper *h = userdata;
        sd_bus_message *reply = NULL;
        const char *netns;
        bool all;
        int r;

        r = sd_bus_message_read(m, "s", &netns);
        if (r < 0)
                return r;
        all = streq(netns, "*");
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sss)");
        if (all || netns[0] == '\0') {
                for (unsigned i = 0; r >= 0 && i < h->state.n_netns; i++)
                        r = append_object(reply, "namespace", h->state.netns[i], "");
                for (unsigned i = 0; r >= 0 && i < h->state.n_tables; i++) {
                        char id[16];
                        snprintf(id, sizeof id, "%u", h->state.tables[i].id);
                        r = append_object(reply, "table", h->state.tables[i].name, id);
                }
        }
        for (unsigned i = 0; r >= 0 && i < h->state.n_links; i++) {
                const StateLink *l = &h->state.links[i];
                char detail[128];
                if (!all && !streq(l->netns, netns))
                        continue;
                snprintf(detail, sizeof detail, "parent=%s netns=%s", l->parent, l->netns[0] ? l->netns : "default");
                r = append_object(reply, "link", l->name, detail);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        sd_bus_message_unref(reply);
        return r;
}

static int property_version(sd_bus *bus, const char *path, const char *interface, const char *property,
        sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        return sd_bus_message_append(reply, "s", NTK_VERSION);
}

static int property_managed(sd_bus *bus, const char *path, const char *interface, const char *property,
        sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Helper *h = userdata;
        int r = sd_bus_message_open_container(reply, 'a', "s");
        for (unsigned i = 0; r >= 0 && i < h->config.n_managed; i++)
                r = sd_bus_message_append(reply, "s", h->config.managed[i]);
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int property_range(sd_bus *bus, const char *path, const char *interface, const char *property,
        sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Helper *h = userdata;
        char b[NTK_CIDR_STRLEN];
        return sd_bus_message_append(reply, "s", ntk_cidr_format(h->config.range, b));
}

static const sd_bus_vtable helper_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_NAMES("Apply", "sas", SD_BUS_PARAM(netns) SD_BUS_PARAM(ops), "ais",
                SD_BUS_PARAM(results) SD_BUS_PARAM(error_message), method_apply, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("CreateNamespace", "s", SD_BUS_PARAM(name), "", , method_create_namespace,
                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("DeleteNamespace", "s", SD_BUS_PARAM(name), "", , method_delete_namespace,
                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("ListNamespaces", "", , "as", SD_BUS_PARAM(names), method_list_namespaces,
                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("CreatePseudoInterface", "ssss",
                SD_BUS_PARAM(parent) SD_BUS_PARAM(name) SD_BUS_PARAM(mac) SD_BUS_PARAM(netns), "s",
                SD_BUS_PARAM(actual_mac), method_create_pseudo_interface, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("DeletePseudoInterface", "ss", SD_BUS_PARAM(netns) SD_BUS_PARAM(name), "", ,
                method_delete_pseudo_interface, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("OpenSocket", "sssq",
                SD_BUS_PARAM(netns) SD_BUS_PARAM(dev) SD_BUS_PARAM(proto) SD_BUS_PARAM(port), "h",
                SD_BUS_PARAM(fd), method_open_socket, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("State", "s", SD_BUS_PARAM(netns), "a(sss)", SD_BUS_PARAM(objects), method_state,
                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_PROPERTY("Version", "s", property_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ManagedInterfaces", "as", property_managed, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("NetsukukuRange", "s", property_range, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_VTABLE_END,
};

int helper_bus_register(Helper *h)
{
        return sd_bus_add_object_vtable(h->bus, NULL, HELPER_OBJECT_PATH, HELPER_INTERFACE, helper_vtable, h);
}
