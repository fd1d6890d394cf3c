/* main.c — ntk-helper: load configuration and ledger, own org.netsukuku.Helper1, run the sd-event loop.
 * Must not: do any kernel work itself; stops cleanly on SIGTERM/SIGINT. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "bus.h"
#include "netns.h"
#include "ledger.h"
#include "rttables.h"
#include "textfile.h"

#define CONFIG_MAX (64 * 1024)

/* Restart is the moment of truth: forget namespaces of the ledger that are gone or were replaced by
 * somebody else's (and the links recorded in them), so they can never be taken for ours. */
static void reconcile(Helper *h)
{
        bool changed = false;

        for (unsigned i = 0; i < h->state.n_netns;) {
                NtkOp del = { .kind = NTK_OP_NETNS_DEL };
                int fd = netns_open_ours(&h->state, h->state.netns[i]);

                if (fd >= 0) {
                        close(fd);
                        i++;
                        continue;
                }
                fprintf(stderr, "ntk-helper: namespace '%s' of the ledger is gone (%s): forgotten\n",
                        h->state.netns[i], strerror(-fd));
                snprintf(del.netns.name, sizeof del.netns.name, "%s", h->state.netns[i]);
                (void) state_record(&h->state, "", &del);
                changed = true;
        }
        if (changed && ledger_save(h->paths.ledger, &h->state) < 0)
                fprintf(stderr, "ntk-helper: cannot rewrite %s\n", h->paths.ledger);
}

static void usage(FILE *f)
{
        fprintf(f, "Usage: ntk-helper [--config PATH] [--ledger PATH] [--rt-tables PATH]\n"
                   "  --config     configuration (default " HELPER_CONFIG_PATH ")\n"
                   "  --ledger     what the helper created (default " LEDGER_PATH ")\n"
                   "  --rt-tables  the table-name drop-in (default " RTTABLES_DROPIN ")\n");
}

int main(int argc, char **argv)
{
        const char *config_path = HELPER_CONFIG_PATH;
        Helper h = { .paths = { .ledger = LEDGER_PATH, .rttables = RTTABLES_DROPIN } };
        _cleanup_free_ char *text = NULL;
        NtkErr e = { "" };
        sigset_t mask;
        int r;

        for (int i = 1; i < argc; i++) {
                const char **target = NULL;
                if (streq(argv[i], "--help")) {
                        usage(stdout);
                        return 0;
                } else if (streq(argv[i], "--config"))
                        target = &config_path;
                else if (streq(argv[i], "--ledger"))
                        target = &h.paths.ledger;
                else if (streq(argv[i], "--rt-tables"))
                        target = &h.paths.rttables;
                else {
                        fprintf(stderr, "ntk-helper: unknown argument '%s'\n", argv[i]);
                        usage(stderr);
                        return 2;
                }
                if (i + 1 >= argc) {
                        fprintf(stderr, "ntk-helper: %s needs a value\n", argv[i]);
                        return 2;
                }
                *target = argv[++i];
        }

        r = read_text_file(config_path, CONFIG_MAX, &text);
        if (r == -ENOENT) {
                fprintf(stderr, "ntk-helper: no %s: no managed interfaces, range 10.0.0.0/8\n", config_path);
                r = helper_config_parse("", &h.config, &e);
        } else if (r < 0) {
                fprintf(stderr, "ntk-helper: cannot read %s: %s\n", config_path, strerror(-r));
                return 1;
        } else
                r = helper_config_parse(text, &h.config, &e);
        if (r < 0) {
                fprintf(stderr, "ntk-helper: %s: %s\n", config_path, e.msg);
                return 1;
        }
        r = ledger_load(h.paths.ledger, &h.state, &e);
        if (r < 0) {
                fprintf(stderr, "ntk-helper: %s\n", e.msg);
                return 1;
        }

        reconcile(&h);

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = sd_event_default(&h.event);
        if (r >= 0)
                r = sd_event_add_signal(h.event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(h.event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_bus_open_system(&h.bus);
        if (r >= 0)
                r = helper_bus_register(&h);
        if (r >= 0)
                r = sd_bus_request_name(h.bus, HELPER_BUS_NAME, 0);
        if (r >= 0)
                r = sd_bus_attach_event(h.bus, h.event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                fprintf(stderr, "ntk-helper: cannot start on the system bus: %s\n", strerror(-r));
                return 1;
        }
        fprintf(stderr, "ntk-helper %s: %u namespaces, %u links, %u tables in the ledger\n", NTK_VERSION,
                h.state.n_netns, h.state.n_links, h.state.n_tables);

        r = sd_event_loop(h.event);
        sd_bus_flush_close_unref(h.bus);
        sd_event_unref(h.event);
        return r < 0 ? 1 : 0;
}
