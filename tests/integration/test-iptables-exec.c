/* test-iptables-exec.c — the libiptc backend against the kernel, compared with what iptables-legacy writes.
 * Must not: run outside the fresh network namespace `unshare` gives it (it flushes mangle and nat). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <glib.h>
#include <libiptc/libiptc.h>
#include <stdio.h>
#include <string.h>

#include "iptables.h"
#include "kops.h"
#include "util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(IptExec *, iptexec_free);

/* Counts the commits the backend makes: this definition shadows libip4tc's for the static backend
 * linked into this program, and forwards to the real one. */
static unsigned n_commits;

int iptc_commit(struct xtc_handle *h)
{
        static int (*real)(struct xtc_handle *);

        if (!real)
                *(void **) &real = dlsym(RTLD_NEXT, "iptc_commit");
        g_assert_nonnull(real);
        n_commits++;
        return real(h);
}

/* Runs `sh -c cmd`, asserts success, returns its stdout. */
static char *sh(const char *cmd)
{
        const char *argv[] = {"sh", "-c", cmd, NULL};
        g_autoptr(GError) error = NULL;
        g_autofree char *err = NULL;
        char *out = NULL;
        int status;

        g_assert_true(g_spawn_sync(
                NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error));
        g_assert_no_error(error);
        if (!g_spawn_check_wait_status(status, NULL))
                g_error("`%s` failed: %s", cmd, err);
        return out;
}

/* iptables-save text without the comment lines and with counters zeroed. */
static char *normalize(const char *save)
{
        g_auto(GStrv) lines = g_strsplit(save, "\n", -1);
        g_autoptr(GRegex) counters = g_regex_new("\\[[0-9]+:[0-9]+\\]", 0, 0, NULL);
        GString *out = g_string_new(NULL);

        for (char **l = lines; *l; l++) {
                g_autofree char *z = NULL;

                if (**l == '\0' || **l == '#')
                        continue;
                z = g_regex_replace_literal(counters, *l, -1, 0, "[0:0]", 0, NULL);
                g_string_append_printf(out, "%s\n", z);
        }
        return g_string_free(out, FALSE);
}

static char *save_table(const char *table)
{
        g_autofree char *cmd = g_strdup_printf("iptables-legacy-save -t %s", table);
        g_autofree char *raw = sh(cmd);

        return normalize(raw);
}

/* What `table` looks like in a brand-new namespace after running cmds (iptables-legacy lines, may be ""). */
static char *save_fresh(const char *cmds, const char *table)
{
        g_autofree char *script = g_strdup_printf("set -e\n%s\niptables-legacy-save -t %s\n", cmds, table);
        g_autofree char *quoted = g_shell_quote(script);
        g_autofree char *cmd = g_strdup_printf("unshare --net sh -c %s", quoted);
        g_autofree char *raw = sh(cmd);

        return normalize(raw);
}

static void string_free(gpointer s)
{
        g_string_free(s, TRUE);
}

/* Turns our save text into what the documented commands give: each jump `-A X -m comment --comment ntk
 * -j ntk-X` is replaced by the rules of ntk-X (moved into X, comment dropped), and ntk-X disappears. */
static char *inline_ours(const char *save)
{
        g_auto(GStrv) lines = g_strsplit(save, "\n", -1);
        g_autoptr(GHashTable) bodies = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, string_free);
        GString *out = g_string_new(NULL);

        for (char **l = lines; *l; l++) {
                g_autofree char *chain = NULL;
                const char *rest;
                GString *body;

                if (!g_str_has_prefix(*l, "-A ntk-"))
                        continue;
                rest = strchr(*l + 3, ' ');
                g_assert_nonnull(rest);
                chain = g_strndup(*l + 3, rest - (*l + 3));
                body = g_hash_table_lookup(bodies, chain);
                if (!body) {
                        body = g_string_new(NULL);
                        g_hash_table_insert(bodies, g_strdup(chain), body);
                }
                g_assert_nonnull(strstr(rest, " -m comment --comment " NTK_IPT_COMMENT " "));
                {
                        g_autofree char *nocomment = NULL;
                        g_auto(GStrv) parts = g_strsplit(rest, " -m comment --comment " NTK_IPT_COMMENT, 2);

                        nocomment = g_strjoinv("", parts);
                        g_string_append_printf(body, "-A %s%s\n", chain + strlen("ntk-"), nocomment);
                }
        }
        for (char **l = lines; *l; l++) {
                const char *jump = strstr(*l, " -m comment --comment " NTK_IPT_COMMENT " -j ntk-");

                if (g_str_has_prefix(*l, ":ntk-") || g_str_has_prefix(*l, "-A ntk-") || **l == '\0')
                        continue;
                if (g_str_has_prefix(*l, "-A ") && jump) {
                        GString *body = g_hash_table_lookup(bodies, strstr(jump, "ntk-"));

                        if (body)
                                g_string_append(out, body->str);
                        continue;
                }
                g_string_append_printf(out, "%s\n", *l);
        }
        return g_string_free(out, FALSE);
}

/* The documented lines say `iptables`; this namespace has the legacy one. */
static char *legacy(const char *const *docs, size_t n)
{
        GString *s = g_string_new(NULL);

        for (size_t i = 0; i < n; i++) {
                g_assert_true(g_str_has_prefix(docs[i], "iptables "));
                g_string_append_printf(s, "iptables-legacy %s\n", docs[i] + strlen("iptables "));
        }
        return g_string_free(s, FALSE);
}

static NtkOp op_parse(const char *line)
{
        char netns[NTK_NAME_MAX];
        NtkErr err = {};
        NtkOp op;
        int r = ntk_op_parse(line, netns, &op, &err);

        if (r < 0)
                g_error("cannot parse '%s': %s", line, err.msg);
        g_assert_cmpstr(netns, ==, "");
        g_assert_true(iptexec_handles(op.kind));
        return op;
}

/* Stages each line in one transaction, expecting `expect` from every stage, and commits. */
static void run_lines(const char *const *lines, size_t n, int expect)
{
        _cleanup_(iptexec_freep) IptExec *x = NULL;

        g_assert_cmpint(iptexec_new(&x), ==, 0);
        for (size_t i = 0; i < n; i++) {
                NtkOp op = op_parse(lines[i]);
                g_assert_cmpint(iptexec_stage(x, &op), ==, expect);
        }
        g_assert_cmpint(iptexec_commit(x), ==, 0);
}

static void run_line(const char *line, int expect)
{
        run_lines(&line, 1, expect);
}

/* "iptables -t T -A ..." -> "iptables -t T -D ..." */
static char *as_delete(const char *line)
{
        char *s = g_strdup(line);
        char *a = strstr(s, " -A ");

        g_assert_nonnull(a);
        a[2] = 'D';
        return s;
}

static void assert_same_as_documented(const char *const *docs, size_t n, const char *table)
{
        g_autofree char *cmds = legacy(docs, n);
        g_autofree char *ours = save_table(table);
        g_autofree char *inlined = inline_ours(ours);
        g_autofree char *theirs = save_fresh(cmds, table);

        g_assert_cmpstr(inlined, ==, theirs);
}

static void assert_pristine(void)
{
        g_autofree char *mangle = save_table("mangle");
        g_autofree char *nat = save_table("nat");
        g_autofree char *fresh_mangle = save_fresh("", "mangle");
        g_autofree char *fresh_nat = save_fresh("", "nat");

        g_assert_cmpstr(mangle, ==, fresh_mangle);
        g_assert_cmpstr(nat, ==, fresh_nat);
}

static unsigned count_lines_with(const char *text, const char *needle)
{
        unsigned n = 0;

        for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
                n++;
        return n;
}

/* Every test starts from empty mangle and nat tables (the whole process shares one namespace). */
static void reset(void)
{
        g_free(sh("for t in mangle nat; do iptables-legacy -t $t -F && iptables-legacy -t $t -X; done"));
        assert_pristine();
        n_commits = 0;
}

static const char MARK1[] =
        "iptables -t mangle -A PREROUTING -m mac --mac-source 00:16:3E:5B:78:D5 -j MARK --set-mark 250";
static const char MARK2[] =
        "iptables -t mangle -A PREROUTING -m mac --mac-source 00:16:3E:EC:A3:E1 -j MARK --set-mark 249";
static const char SNAT1[] = "iptables -t nat -A POSTROUTING -d 10.0.0.64/27 -j SNAT --to 10.0.0.26";

/* kernel-rules §1.7, the λ example. */
static const char *const NETMAPS[] = {
        "iptables -t nat -A PREROUTING -d 10.0.0.48/31 -j NETMAP --to 10.0.0.40/31",
        "iptables -t nat -A POSTROUTING -d 10.0.0.48/30 -s 10.0.0.40/31 -j NETMAP --to 10.0.0.48/31",
        "iptables -t nat -A PREROUTING -d 10.0.0.60/31 -j NETMAP --to 10.0.0.40/31",
        "iptables -t nat -A POSTROUTING -d 10.0.0.56/29 -s 10.0.0.40/31 -j NETMAP --to 10.0.0.60/31",
        "iptables -t nat -A PREROUTING -d 10.0.0.12/31 -j NETMAP --to 10.0.0.40/31",
        "iptables -t nat -A POSTROUTING -d 10.0.0.0/27 -s 10.0.0.40/31 -j NETMAP --to 10.0.0.12/31",
        "iptables -t nat -A PREROUTING -d 10.0.0.76/31 -j NETMAP --to 10.0.0.40/31",
        "iptables -t nat -A POSTROUTING -d 10.0.0.64/27 -s 10.0.0.40/31 -j NETMAP --to 10.0.0.12/31",
};

static void test_iptexec_handles_only_iptables_kinds(void)
{
        for (int k = 0; k < _NTK_OP_KIND_MAX; k++)
                g_assert_cmpint(iptexec_handles(k), ==,
                        k == NTK_OP_MARK_ADD || k == NTK_OP_MARK_DEL || k == NTK_OP_SNAT_ADD ||
                                k == NTK_OP_SNAT_DEL || k == NTK_OP_NETMAP_ADD || k == NTK_OP_NETMAP_DEL);
}

static void test_iptexec_mark_add_writes_rule_in_own_chain_behind_jump(void)
{
        g_autofree char *mangle = NULL, *nat = NULL, *fresh_nat = NULL;

        reset();
        run_line(MARK1, 0);
        g_assert_cmpuint(n_commits, ==, 1);

        mangle = save_table("mangle");
        g_assert_cmpstr(mangle, ==,
                "*mangle\n"
                ":PREROUTING ACCEPT [0:0]\n"
                ":INPUT ACCEPT [0:0]\n"
                ":FORWARD ACCEPT [0:0]\n"
                ":OUTPUT ACCEPT [0:0]\n"
                ":POSTROUTING ACCEPT [0:0]\n"
                ":ntk-PREROUTING - [0:0]\n"
                "-A PREROUTING -m comment --comment ntk -j ntk-PREROUTING\n"
                "-A ntk-PREROUTING -m mac --mac-source 00:16:3e:5b:78:d5 -m comment --comment ntk "
                "-j MARK --set-xmark 0xfa/0xffffffff\n"
                "COMMIT\n");
        assert_same_as_documented((const char *const[]){MARK1}, 1, "mangle");

        /* nat untouched */
        nat = save_table("nat");
        fresh_nat = save_fresh("", "nat");
        g_assert_cmpstr(nat, ==, fresh_nat);
}

static void test_iptexec_snat_add_writes_rule_in_own_chain_behind_jump(void)
{
        g_autofree char *nat = NULL;

        reset();
        run_line(SNAT1, 0);
        g_assert_cmpuint(n_commits, ==, 1);

        nat = save_table("nat");
        g_assert_cmpstr(nat, ==,
                "*nat\n"
                ":PREROUTING ACCEPT [0:0]\n"
                ":INPUT ACCEPT [0:0]\n"
                ":OUTPUT ACCEPT [0:0]\n"
                ":POSTROUTING ACCEPT [0:0]\n"
                ":ntk-POSTROUTING - [0:0]\n"
                "-A POSTROUTING -m comment --comment ntk -j ntk-POSTROUTING\n"
                "-A ntk-POSTROUTING -d 10.0.0.64/27 -m comment --comment ntk -j SNAT --to-source 10.0.0.26\n"
                "COMMIT\n");
        assert_same_as_documented((const char *const[]){SNAT1}, 1, "nat");
}

static void test_iptexec_netmap_adds_write_both_chains_like_iptables(void)
{
        g_autofree char *nat = NULL;

        reset();
        run_lines(NETMAPS, ELEMENTSOF(NETMAPS), 0);
        g_assert_cmpuint(n_commits, ==, 1);

        nat = save_table("nat");
        g_assert_nonnull(strstr(nat, "-A PREROUTING -m comment --comment ntk -j ntk-PREROUTING\n"));
        g_assert_nonnull(strstr(nat, "-A POSTROUTING -m comment --comment ntk -j ntk-POSTROUTING\n"));
        g_assert_nonnull(strstr(nat, "-A ntk-PREROUTING -d 10.0.0.48/31 -m comment --comment ntk "
                                     "-j NETMAP --to 10.0.0.40/31\n"));
        g_assert_nonnull(
                strstr(nat, "-A ntk-POSTROUTING -s 10.0.0.40/31 -d 10.0.0.48/30 -m comment --comment ntk "
                            "-j NETMAP --to 10.0.0.48/31\n"));
        g_assert_cmpuint(count_lines_with(nat, "-A ntk-"), ==, ELEMENTSOF(NETMAPS));
        assert_same_as_documented(NETMAPS, ELEMENTSOF(NETMAPS), "nat");
}

static void test_iptexec_mixed_batch_commits_once_per_table(void)
{
        const char *const all[] = {MARK1, SNAT1, NETMAPS[0], MARK2, NETMAPS[1]};

        reset();
        run_lines(all, ELEMENTSOF(all), 0);
        g_assert_cmpuint(n_commits, ==, 2);
        assert_same_as_documented((const char *const[]){MARK1, MARK2}, 2, "mangle");
        assert_same_as_documented((const char *const[]){SNAT1, NETMAPS[0], NETMAPS[1]}, 3, "nat");
}

static void test_iptexec_duplicate_add_is_eexist_and_not_written(void)
{
        _cleanup_(iptexec_freep) IptExec *x = NULL;
        g_autofree char *before = NULL, *after = NULL;
        NtkOp op = op_parse(SNAT1);

        reset();
        /* twice in one transaction: the second sees the first */
        g_assert_cmpint(iptexec_new(&x), ==, 0);
        g_assert_cmpint(iptexec_stage(x, &op), ==, 0);
        g_assert_cmpint(iptexec_stage(x, &op), ==, -EEXIST);
        g_assert_cmpint(iptexec_commit(x), ==, 0);
        before = save_table("nat");
        g_assert_cmpuint(count_lines_with(before, "-j SNAT"), ==, 1);

        /* again in a later transaction: already in the kernel */
        run_line(SNAT1, -EEXIST);
        run_line(MARK1, 0);
        run_line(MARK1, -EEXIST);
        after = save_table("nat");
        g_assert_cmpstr(after, ==, before);
        assert_same_as_documented((const char *const[]){SNAT1}, 1, "nat");
        assert_same_as_documented((const char *const[]){MARK1}, 1, "mangle");
}

static void test_iptexec_delete_missing_is_enoent_and_changes_nothing(void)
{
        g_autofree char *del_mark = as_delete(MARK1), *del_snat = as_delete(SNAT1);
        g_autofree char *del_netmap = as_delete(NETMAPS[1]);
        g_autofree char *mangle = NULL, *nat = NULL, *mangle2 = NULL, *nat2 = NULL;
        /* same MAC, other mark; same range, other source */
        const char *mark_other = "iptables -t mangle -D PREROUTING -m mac --mac-source 00:16:3E:5B:78:D5 -j "
                                 "MARK --set-mark 251";
        const char *snat_other = "iptables -t nat -D POSTROUTING -d 10.0.0.64/27 -j SNAT --to 10.0.0.27";

        reset();
        /* nothing of ours exists at all */
        run_line(del_mark, -ENOENT);
        run_line(del_snat, -ENOENT);
        run_line(del_netmap, -ENOENT);
        g_assert_cmpuint(n_commits, ==, 0);
        assert_pristine();

        /* our chains exist, with other rules in them */
        run_line(MARK1, 0);
        run_line(SNAT1, 0);
        mangle = save_table("mangle");
        nat = save_table("nat");
        n_commits = 0;
        run_line(mark_other, -ENOENT);
        run_line(snat_other, -ENOENT);
        run_line(del_netmap, -ENOENT);
        g_assert_cmpuint(n_commits, ==, 0);
        mangle2 = save_table("mangle");
        nat2 = save_table("nat");
        g_assert_cmpstr(mangle2, ==, mangle);
        g_assert_cmpstr(nat2, ==, nat);
}

static void test_iptexec_deleting_everything_restores_pristine_tables(void)
{
        const char *adds[] = {MARK1, MARK2, SNAT1, NETMAPS[0], NETMAPS[1], NETMAPS[2], NETMAPS[3]};
        char *dels[ELEMENTSOF(adds)];

        reset();
        run_lines(adds, ELEMENTSOF(adds), 0);
        for (size_t i = 0; i < ELEMENTSOF(adds); i++)
                dels[i] = as_delete(adds[i]);

        /* one by one, in another order than added; the tables are pristine only at the end */
        for (size_t i = ELEMENTSOF(adds); i-- > 0;) {
                run_line(dels[(i + 3) % ELEMENTSOF(adds)], 0);
        }
        assert_pristine();

        /* all at once; and an add undone within the same transaction */
        run_lines(adds, ELEMENTSOF(adds), 0);
        n_commits = 0;
        run_lines((const char *const *) dels, ELEMENTSOF(dels), 0);
        g_assert_cmpuint(n_commits, ==, 2);
        assert_pristine();
        {
                const char *undo[] = {SNAT1, dels[2]};
                run_lines(undo, ELEMENTSOF(undo), 0);
        }
        assert_pristine();

        for (size_t i = 0; i < ELEMENTSOF(dels); i++)
                g_free(dels[i]);
}

static void test_iptexec_many_marks_in_one_transaction_one_commit(void)
{
        enum { N = 200 };
        char *adds[N], *dels[N];
        g_autofree char *mangle = NULL;

        for (unsigned i = 0; i < N; i++) {
                adds[i] = g_strdup_printf(
                        "iptables -t mangle -A PREROUTING -m mac --mac-source 02:00:00:00:%02X:%02X "
                        "-j MARK --set-mark %u",
                        i / 256, i % 256, 1000 + i);
                dels[i] = as_delete(adds[i]);
        }

        reset();
        run_lines((const char *const *) adds, N, 0);
        g_assert_cmpuint(n_commits, ==, 1);
        mangle = save_table("mangle");
        g_assert_cmpuint(count_lines_with(mangle, "-A ntk-PREROUTING "), ==, N);
        g_assert_cmpuint(count_lines_with(mangle, "-j ntk-PREROUTING"), ==, 1);
        assert_same_as_documented((const char *const *) adds, N, "mangle");

        /* the whole lot out plus a nat rule in: one commit for each of the two tables */
        n_commits = 0;
        {
                _cleanup_(iptexec_freep) IptExec *x = NULL;
                NtkOp snat = op_parse(SNAT1);

                g_assert_cmpint(iptexec_new(&x), ==, 0);
                for (unsigned i = 0; i < N; i++) {
                        NtkOp op = op_parse(dels[N - 1 - i]);
                        g_assert_cmpint(iptexec_stage(x, &op), ==, 0);
                }
                g_assert_cmpint(iptexec_stage(x, &snat), ==, 0);
                g_assert_cmpint(n_commits, ==, 0);
                g_assert_cmpint(iptexec_commit(x), ==, 0);
        }
        g_assert_cmpuint(n_commits, ==, 2);
        g_free(mangle);
        mangle = save_table("mangle");
        {
                g_autofree char *fresh = save_fresh("", "mangle");
                g_assert_cmpstr(mangle, ==, fresh);
        }
        assert_same_as_documented((const char *const[]){SNAT1}, 1, "nat");

        for (unsigned i = 0; i < N; i++) {
                g_free(adds[i]);
                g_free(dels[i]);
        }
}

static void test_iptexec_foreign_rules_in_builtin_chains_survive(void)
{
        const char *before_ours = "iptables-legacy -t mangle -I PREROUTING -s 192.168.1.0/24 -j ACCEPT\n"
                                  "iptables-legacy -t nat -I POSTROUTING -d 192.168.7.0/24 -j MASQUERADE\n";
        const char *after_ours =
                "iptables-legacy -t mangle -A PREROUTING -p tcp -j MARK --set-mark 7\n"
                "iptables-legacy -t nat -A PREROUTING -d 172.16.0.1/32 -j ACCEPT\n"
                "iptables-legacy -t nat -A POSTROUTING -m comment --comment ntk -j ACCEPT\n";
        const char *adds[] = {MARK1, SNAT1, NETMAPS[0], NETMAPS[1]};
        char *dels[ELEMENTSOF(adds)];
        g_autofree char *both = g_strconcat(before_ours, after_ours, NULL);
        g_autofree char *mangle = NULL, *nat = NULL, *fresh_mangle = NULL, *fresh_nat = NULL;

        reset();
        g_free(sh(before_ours));
        run_lines(adds, ELEMENTSOF(adds), 0);
        g_free(sh(after_ours));

        /* while ours are there, theirs keep their places around our jumps */
        nat = save_table("nat");
        g_assert_nonnull(strstr(nat, "-A POSTROUTING -d 192.168.7.0/24 -j MASQUERADE\n"
                                     "-A POSTROUTING -m comment --comment ntk -j ntk-POSTROUTING\n"
                                     "-A POSTROUTING -m comment --comment ntk -j ACCEPT\n"));
        g_clear_pointer(&nat, g_free);

        for (size_t i = 0; i < ELEMENTSOF(adds); i++)
                dels[i] = as_delete(adds[i]);
        run_lines((const char *const *) dels, ELEMENTSOF(dels), 0);

        mangle = save_table("mangle");
        nat = save_table("nat");
        fresh_mangle = save_fresh(both, "mangle");
        fresh_nat = save_fresh(both, "nat");
        g_assert_cmpstr(mangle, ==, fresh_mangle);
        g_assert_cmpstr(nat, ==, fresh_nat);

        for (size_t i = 0; i < ELEMENTSOF(dels); i++)
                g_free(dels[i]);
}

static void test_iptexec_add_restores_missing_jump_once(void)
{
        g_autofree char *mangle = NULL;

        reset();
        run_line(MARK1, 0);
        /* someone removed our jump; the next add puts it back, and only one */
        g_free(sh("iptables-legacy -t mangle -D PREROUTING -m comment --comment ntk -j ntk-PREROUTING"));
        run_line(MARK2, 0);
        run_line(MARK2, -EEXIST);
        mangle = save_table("mangle");
        g_assert_cmpuint(count_lines_with(mangle, "-j ntk-PREROUTING"), ==, 1);
        assert_same_as_documented((const char *const[]){MARK1, MARK2}, 2, "mangle");
}

static void test_iptexec_free_without_commit_writes_nothing(void)
{
        _cleanup_(iptexec_freep) IptExec *x = NULL;
        NtkOp mark = op_parse(MARK1), snat = op_parse(SNAT1);

        reset();
        g_assert_cmpint(iptexec_new(&x), ==, 0);
        g_assert_cmpint(iptexec_stage(x, &mark), ==, 0);
        g_assert_cmpint(iptexec_stage(x, &snat), ==, 0);
        x = iptexec_free(x);
        g_assert_null(x);
        g_assert_cmpuint(n_commits, ==, 0);
        assert_pristine();

        /* an empty transaction commits nothing */
        g_assert_cmpint(iptexec_new(&x), ==, 0);
        g_assert_cmpint(iptexec_commit(x), ==, 0);
        g_assert_cmpuint(n_commits, ==, 0);
}

static void test_iptexec_host_bits_ignored_and_bad_ops_rejected(void)
{
        _cleanup_(iptexec_freep) IptExec *x = NULL;
        NtkOp snat = op_parse(SNAT1), netmap = op_parse(NETMAPS[1]), bad;

        reset();
        run_line(SNAT1, 0);
        run_line(NETMAPS[1], 0);
        g_assert_cmpint(iptexec_new(&x), ==, 0);
        /* the same ranges written with host bits set are the same rules */
        snat.snat.dst.addr |= 0x1f;
        g_assert_cmpint(iptexec_stage(x, &snat), ==, -EEXIST);
        netmap.netmap.dst.addr |= 0x3;
        netmap.netmap.src.addr |= 0x1;
        netmap.netmap.to.addr |= 0x1;
        g_assert_cmpint(iptexec_stage(x, &netmap), ==, -EEXIST);

        bad = op_parse(SNAT1);
        bad.snat.dst.prefix = 33;
        g_assert_cmpint(iptexec_stage(x, &bad), ==, -EINVAL);
        bad = op_parse(NETMAPS[0]);
        bad.netmap.chain = _NTK_CHAIN_MAX;
        g_assert_cmpint(iptexec_stage(x, &bad), ==, -EINVAL);
        bad.kind = NTK_OP_ROUTE_ADD;
        g_assert_cmpint(iptexec_stage(x, &bad), ==, -EOPNOTSUPP);
        g_assert_cmpint(iptexec_commit(x), ==, 0);
        g_assert_cmpuint(n_commits, ==, 2);
        assert_same_as_documented((const char *const[]){SNAT1, NETMAPS[1]}, 2, "nat");
}

int main(int argc, char **argv)
{
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/iptexec/handles-only-iptables-kinds", test_iptexec_handles_only_iptables_kinds);
        g_test_add_func("/iptexec/mark-add-writes-rule-in-own-chain-behind-jump",
                test_iptexec_mark_add_writes_rule_in_own_chain_behind_jump);
        g_test_add_func("/iptexec/snat-add-writes-rule-in-own-chain-behind-jump",
                test_iptexec_snat_add_writes_rule_in_own_chain_behind_jump);
        g_test_add_func("/iptexec/netmap-adds-write-both-chains-like-iptables",
                test_iptexec_netmap_adds_write_both_chains_like_iptables);
        g_test_add_func("/iptexec/mixed-batch-commits-once-per-table",
                test_iptexec_mixed_batch_commits_once_per_table);
        g_test_add_func("/iptexec/duplicate-add-is-eexist-and-not-written",
                test_iptexec_duplicate_add_is_eexist_and_not_written);
        g_test_add_func("/iptexec/delete-missing-is-enoent-and-changes-nothing",
                test_iptexec_delete_missing_is_enoent_and_changes_nothing);
        g_test_add_func("/iptexec/deleting-everything-restores-pristine-tables",
                test_iptexec_deleting_everything_restores_pristine_tables);
        g_test_add_func("/iptexec/many-marks-in-one-transaction-one-commit",
                test_iptexec_many_marks_in_one_transaction_one_commit);
        g_test_add_func("/iptexec/foreign-rules-in-builtin-chains-survive",
                test_iptexec_foreign_rules_in_builtin_chains_survive);
        g_test_add_func(
                "/iptexec/add-restores-missing-jump-once", test_iptexec_add_restores_missing_jump_once);
        g_test_add_func("/iptexec/free-without-commit-writes-nothing",
                test_iptexec_free_without_commit_writes_nothing);
        g_test_add_func("/iptexec/host-bits-ignored-and-bad-ops-rejected",
                test_iptexec_host_bits_ignored_and_bad_ops_rejected);
        return g_test_run();
}
