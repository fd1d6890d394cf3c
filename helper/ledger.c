/* ledger.c — the helper's ledger as JSON (jansson), rewritten atomically after every change.
 * Must not: accept an entry that would not pass the same name checks as a live request. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confine.h"
#include "ledger.h"

/* The same name checks as a live request: the names must survive the op grammar. */
static bool netns_name_ok(const char *name)
{
        char line[NTK_OP_TEXT_MAX], ns[NTK_NAME_MAX];
        NtkOp op;

        snprintf(line, sizeof line, "ip netns add %s", name);
        return ntk_op_parse(line, ns, &op, NULL) == 0 && streq(op.netns.name, name);
}

static bool link_ok(const HelperState *s, const StateLink *l)
{
        char line[NTK_OP_TEXT_MAX], ns[NTK_NAME_MAX];
        NtkOp op;

        snprintf(line, sizeof line, "ip link add dev %s link %s type macvlan", l->name, l->parent);
        if (ntk_op_parse(line, ns, &op, NULL) < 0 || !streq(op.link.ifname, l->name))
                return false;
        return l->netns[0] == '\0' || state_has_netns(s, l->netns);
}

static bool copy_str(char *dst, size_t size, json_t *v)
{
        const char *s = json_string_value(v);
        if (!s || strlen(s) >= size)
                return false;
        snprintf(dst, size, "%s", s);
        return true;
}

int ledger_load(const char *path, HelperState *ret, NtkErr *err)
{
        HelperState s = {};
        json_error_t je;
        json_t *root, *a, *v;
        size_t i;
        int r = 0;

        root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
        if (!root) {
                if (access(path, F_OK) < 0 && errno == ENOENT) {
                        *ret = s;
                        return 0;
                }
                return ntk_err(err, -EBADMSG, "ledger %s: %s (line %d)", path, je.text, je.line);
        }

        a = json_object_get(root, "namespaces");
        json_array_foreach(a, i, v) {
                json_t *name = json_is_object(v) ? json_object_get(v, "name") : v;
                if (s.n_netns == STATE_MAX_NETNS || !copy_str(s.netns[s.n_netns], NTK_NAME_MAX, name) ||
                    !netns_name_ok(s.netns[s.n_netns])) {
                        r = ntk_err(err, -EBADMSG, "ledger %s: bad namespace entry %zu", path, i);
                        goto out;
                }
                s.netns_dev[s.n_netns] = (uint64_t) json_integer_value(json_object_get(v, "dev"));
                s.netns_ino[s.n_netns] = (uint64_t) json_integer_value(json_object_get(v, "inode"));
                s.n_netns++;
        }
        a = json_object_get(root, "links");
        json_array_foreach(a, i, v) {
                StateLink *l = &s.links[s.n_links];
                if (s.n_links == STATE_MAX_LINKS || !copy_str(l->name, sizeof l->name, json_object_get(v, "name")) ||
                    !copy_str(l->parent, sizeof l->parent, json_object_get(v, "parent")) ||
                    !copy_str(l->netns, sizeof l->netns, json_object_get(v, "netns")) || !link_ok(&s, l)) {
                        r = ntk_err(err, -EBADMSG, "ledger %s: bad link entry %zu", path, i);
                        goto out;
                }
                s.n_links++;
        }
        a = json_object_get(root, "tables");
        json_array_foreach(a, i, v) {
                StateTable *t = &s.tables[s.n_tables];
                json_int_t id = json_integer_value(json_object_get(v, "id"));
                if (s.n_tables == STATE_MAX_TABLES || id <= 0 || id > 255 ||
                    !copy_str(t->name, sizeof t->name, json_object_get(v, "name")) ||
                    !confine_table_name_ok(t->name, (uint32_t) id)) {
                        r = ntk_err(err, -EBADMSG, "ledger %s: bad table entry %zu", path, i);
                        goto out;
                }
                t->id = (uint32_t) id;
                s.n_tables++;
        }
        *ret = s;
out:
        json_decref(root);
        return r;
}

int ledger_save(const char *path, const HelperState *s)
{
        json_t *root = json_object(), *ns = json_array(), *links = json_array(), *tables = json_array();
        char tmp[512], dir[512];
        int r = 0;

        for (unsigned i = 0; i < s->n_netns; i++)
                json_array_append_new(ns, json_pack("{s:s,s:I,s:I}", "name", s->netns[i], "dev",
                                                  (json_int_t) s->netns_dev[i], "inode", (json_int_t) s->netns_ino[i]));
        for (unsigned i = 0; i < s->n_links; i++)
                json_array_append_new(links, json_pack("{s:s,s:s,s:s}", "name", s->links[i].name, "parent",
                                                     s->links[i].parent, "netns", s->links[i].netns));
        for (unsigned i = 0; i < s->n_tables; i++)
                json_array_append_new(tables,
                        json_pack("{s:i,s:s}", "id", (int) s->tables[i].id, "name", s->tables[i].name));
        json_object_set_new(root, "version", json_integer(1));
        json_object_set_new(root, "namespaces", ns);
        json_object_set_new(root, "links", links);
        json_object_set_new(root, "tables", tables);

        snprintf(dir, sizeof dir, "%s", path);
        if (mkdir(dirname(dir), 0700) < 0 && errno != EEXIST) {
                r = -errno;
                goto out;
        }
        if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int) sizeof tmp) {
                r = -ENAMETOOLONG;
                goto out;
        }
        if (json_dump_file(root, tmp, JSON_INDENT(1) | JSON_PRESERVE_ORDER) < 0) {
                r = -EIO;
                unlink(tmp);
                goto out;
        }
        if (rename(tmp, path) < 0) {
                r = -errno;
                unlink(tmp);
        }
out:
        json_decref(root);
        return r;
}
