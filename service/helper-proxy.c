/* helper-proxy.c — synchronous sd-bus calls to org.netsukuku.Helper1 (the helper answers in
 * milliseconds; a batch of 10,000 routes in well under a second). Must not: hide a failure. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper-proxy.h"
#include "util.h"

#define DEST "org.netsukuku.Helper1", "/org/netsukuku/Helper1", "org.netsukuku.Helper1"
#define TIMEOUT_USEC (120ULL * 1000000ULL)

static int fail(sd_bus_error *e, int r, char **ret_msg)
{
        if (ret_msg)
                *ret_msg = strdup(e->message ? e->message : strerror(-r));
        sd_bus_error_free(e);
        return r < 0 ? r : -EIO;
}

int helper_apply_lines(sd_bus *bus, const char *netns, char *const *lines, size_t n, char **ret_msg)
{
        sd_bus_message *m = NULL, *reply = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        const int32_t *results;
        const char *msg;
        size_t size;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, DEST, "Apply");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", netns);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "s");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append_basic(m, 's', lines[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_call(bus, m, TIMEOUT_USEC, &e, &reply);
        sd_bus_message_unref(m);
        if (r < 0)
                return fail(&e, r, ret_msg);

        r = sd_bus_message_read_array(reply, 'i', (const void **) &results, &size);
        if (r >= 0)
                r = sd_bus_message_read(reply, "s", &msg);
        if (r < 0) {
                sd_bus_message_unref(reply);
                return fail(&e, r, ret_msg);
        }
        r = 0;
        for (size_t i = 0; i < size / sizeof(int32_t); i++)
                if (results[i] < 0) {
                        r = results[i];
                        break;
                }
        if (r < 0 && ret_msg)
                *ret_msg = strdup(msg);
        sd_bus_message_unref(reply);
        return r;
}

int helper_apply_ops(sd_bus *bus, const char *netns, const NtkOp *ops, size_t n, char **ret_msg)
{
        _cleanup_free_ char **lines = calloc(n + 1, sizeof(char *));
        _cleanup_free_ char *text = malloc(n * NTK_OP_TEXT_MAX + 1);
        int r;

        if (!lines || !text)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                lines[i] = text + i * NTK_OP_TEXT_MAX;
                r = ntk_op_render(NULL, &ops[i], lines[i], NTK_OP_TEXT_MAX);
                if (r < 0) {
                        if (ret_msg && asprintf(ret_msg, "cannot render op %zu (%s)", i,
                                               ntk_op_kind_to_string(ops[i].kind)) < 0)
                                *ret_msg = NULL;
                        return r;
                }
        }
        return helper_apply_lines(bus, netns, lines, n, ret_msg);
}

int helper_open_socket(sd_bus *bus, const char *netns, const char *dev, const char *proto, uint16_t port,
        char **ret_msg)
{
        sd_bus_message *reply = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int fd, r;

        r = sd_bus_call_method(bus, DEST, "OpenSocket", &e, &reply, "sssq", netns, dev, proto, port);
        if (r < 0)
                return fail(&e, r, ret_msg);
        r = sd_bus_message_read(reply, "h", &fd);
        if (r >= 0) {
                /* the fd belongs to the message: keep our own copy */
                r = fcntl(fd, F_DUPFD_CLOEXEC, 3);
                if (r < 0)
                        r = -errno;
        }
        sd_bus_message_unref(reply);
        return r;
}

int helper_create_pseudo_interface(sd_bus *bus, const char *parent, const char *name, const char *mac,
        const char *netns, uint8_t ret_mac[6], char **ret_msg)
{
        sd_bus_message *reply = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *actual;
        int r;

        r = sd_bus_call_method(bus, DEST, "CreatePseudoInterface", &e, &reply, "ssss", parent, name, mac ? mac : "",
                netns);
        if (r < 0)
                return fail(&e, r, ret_msg);
        r = sd_bus_message_read(reply, "s", &actual);
        if (r >= 0)
                r = ntk_mac_parse(actual, ret_mac);
        sd_bus_message_unref(reply);
        return r;
}

static int call_simple(sd_bus *bus, const char *method, const char *name, char **ret_msg)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(bus, DEST, method, &e, NULL, "s", name);

        return r < 0 ? fail(&e, r, ret_msg) : 0;
}

int helper_create_namespace(sd_bus *bus, const char *name, char **ret_msg)
{
        return call_simple(bus, "CreateNamespace", name, ret_msg);
}

int helper_delete_namespace(sd_bus *bus, const char *name, char **ret_msg)
{
        return call_simple(bus, "DeleteNamespace", name, ret_msg);
}
