/* bus.c — D-Bus for ntkctl: GetManagedObjects and GetAll turned into JSON generically (variants of basic
 * types, arrays and structs). Must not: know which properties exist; the verbs pick what they show. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bus.h"
#include "ntkctl.h"

int ntkctl_bus(sd_bus **ret)
{
        int r = sd_bus_open_system(ret);
        if (r < 0)
                fprintf(stderr, "ntkctl: cannot reach the system bus: %s\n", strerror(-r));
        return r;
}

static int read_value(sd_bus_message *m, json_t **ret);

static int read_container(sd_bus_message *m, char type, const char *contents, json_t **ret)
{
        json_t *v = json_array();
        int r;

        r = sd_bus_message_enter_container(m, type, contents);
        if (r < 0) {
                json_decref(v);
                return r;
        }
        for (;;) {
                json_t *item;
                r = sd_bus_message_at_end(m, false);
                if (r != 0)
                        break;
                r = read_value(m, &item);
                if (r < 0)
                        break;
                json_array_append_new(v, item);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r < 0) {
                json_decref(v);
                return r;
        }
        *ret = v;
        return 0;
}

static int read_value(sd_bus_message *m, json_t **ret)
{
        const char *contents;
        char type;
        int r = sd_bus_message_peek_type(m, &type, &contents);

        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        switch (type) {
        case 's':
        case 'o':
        case 'g': {
                const char *s;
                r = sd_bus_message_read_basic(m, type, &s);
                *ret = json_string(s);
                return r;
        }
        case 'b': {
                int b;
                r = sd_bus_message_read_basic(m, 'b', &b);
                *ret = json_boolean(b);
                return r;
        }
        case 'y': {
                uint8_t u;
                r = sd_bus_message_read_basic(m, 'y', &u);
                *ret = json_integer(u);
                return r;
        }
        case 'u':
        case 'q': {
                uint32_t u = 0;
                uint16_t q;
                if (type == 'q') {
                        r = sd_bus_message_read_basic(m, 'q', &q);
                        u = q;
                } else
                        r = sd_bus_message_read_basic(m, 'u', &u);
                *ret = json_integer(u);
                return r;
        }
        case 'i': {
                int32_t i;
                r = sd_bus_message_read_basic(m, 'i', &i);
                *ret = json_integer(i);
                return r;
        }
        case 't': {
                /* 64-bit ids as hex strings: JSON numbers lose precision above 2^53 in most readers */
                uint64_t t;
                char buf[20];
                r = sd_bus_message_read_basic(m, 't', &t);
                snprintf(buf, sizeof buf, "%016llx", (unsigned long long) t);
                *ret = json_string(buf);
                return r;
        }
        case 'v':
                r = sd_bus_message_enter_container(m, 'v', contents);
                if (r >= 0)
                        r = read_value(m, ret);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                return r;
        case 'a':
        case 'r':
                return read_container(m, type, contents, ret);
        default:
                return sd_bus_message_skip(m, NULL) < 0 ? -EBADMSG : (*ret = json_null(), 0);
        }
}

/* a{sv} → {name: value} */
static int read_properties(sd_bus_message *m, json_t **ret)
{
        json_t *o = json_object();
        int r = sd_bus_message_enter_container(m, 'a', "{sv}");

        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *name;
                json_t *v;
                r = sd_bus_message_read(m, "s", &name);
                if (r >= 0)
                        r = read_value(m, &v);
                if (r >= 0) {
                        json_object_set_new(o, name, v);
                        r = sd_bus_message_exit_container(m);
                }
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r < 0) {
                json_decref(o);
                return r;
        }
        *ret = o;
        return 0;
}

int ntkctl_objects(sd_bus *bus, json_t **ret)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        json_t *all = json_object(), *mgr;
        int r;

        r = sd_bus_call_method(bus, NTKD_DEST, NTKD_PATH, "org.freedesktop.DBus.Properties", "GetAll", &e, &reply,
                "s", NTKD_MANAGER);
        if (r >= 0)
                r = read_properties(reply, &mgr);
        if (r >= 0) {
                json_t *ifaces = json_object();
                json_object_set_new(ifaces, NTKD_MANAGER, mgr);
                json_object_set_new(all, NTKD_PATH, ifaces);
        }
        reply = sd_bus_message_unref(reply);
        if (r >= 0)
                r = sd_bus_call_method(bus, NTKD_DEST, NTKD_PATH, "org.freedesktop.DBus.ObjectManager",
                        "GetManagedObjects", &e, &reply, "");
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}")) > 0) {
                const char *path;
                json_t *ifaces = json_object();

                r = sd_bus_message_read(reply, "o", &path);
                if (r >= 0)
                        r = sd_bus_message_enter_container(reply, 'a', "{sa{sv}}");
                while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "sa{sv}")) > 0) {
                        const char *iface;
                        json_t *props;
                        r = sd_bus_message_read(reply, "s", &iface);
                        if (r >= 0)
                                r = read_properties(reply, &props);
                        if (r >= 0) {
                                json_object_set_new(ifaces, iface, props);
                                r = sd_bus_message_exit_container(reply);
                        }
                }
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                json_object_set_new(all, path, ifaces);
        }
        sd_bus_message_unref(reply);
        if (r < 0) {
                fprintf(stderr, "ntkctl: cannot read ntkd's objects: %s\n", e.message ? e.message : strerror(-r));
                sd_bus_error_free(&e);
                json_decref(all);
                return r;
        }
        *ret = all;
        return 0;
}

static int by_path(const void *a, const void *b)
{
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

json_t *ntkctl_objects_of(json_t *objects, const char *interface)
{
        const char *paths[1024], *path;
        size_t n = 0;
        json_t *ifaces, *out = json_array();

        json_object_foreach(objects, path, ifaces)
                if (json_object_get(ifaces, interface) && n < 1024)
                        paths[n++] = path;
        qsort(paths, n, sizeof paths[0], by_path);
        for (size_t i = 0; i < n; i++) {
                json_t *o = json_deep_copy(json_object_get(json_object_get(objects, paths[i]), interface));
                json_object_set_new(o, "path", json_string(paths[i]));
                json_array_append_new(out, o);
        }
        return out;
}
