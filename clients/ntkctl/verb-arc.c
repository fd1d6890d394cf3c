/* verb-arc.c — `ntkctl arc accept|cost|remove DEV PEER_MAC [COST_US]`: the mutating arc verbs.
 * Must not: check anything ntkd checks again (it validates, asks polkit, and names what is wrong). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "ntkctl.h"

static int usage(void)
{
        fprintf(stderr, "usage: ntkctl arc accept DEV PEER_MAC | cost DEV PEER_MAC COST_US | remove DEV PEER_MAC\n");
        return NTKCTL_EXIT_USAGE;
}

static int report(int r, sd_bus_error *e)
{
        if (r >= 0)
                return NTKCTL_EXIT_OK;
        fprintf(stderr, "ntkctl: %s\n", e->message ? e->message : strerror(-r));
        sd_bus_error_free(e);
        return NTKCTL_EXIT_FAILURE;
}

int verb_arc(int argc, char **argv)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus *bus = NULL;
        int r;

        if (argc < 4)
                return usage();
        if (streq(argv[1], "cost")) {
                char *end;
                unsigned long cost;
                if (argc != 5)
                        return usage();
                cost = strtoul(argv[4], &end, 10);
                if (*argv[4] < '0' || *argv[4] > '9' || *end != '\0' || cost > UINT32_MAX) {
                        fprintf(stderr, "ntkctl arc cost: '%s' is not a cost in µs\n", argv[4]);
                        return NTKCTL_EXIT_USAGE;
                }
                if (ntkctl_bus(&bus) < 0)
                        return NTKCTL_EXIT_FAILURE;
                r = sd_bus_call_method(bus, NTKD_DEST, NTKD_PATH, NTKD_MANAGER, "SetArcCost", &e, NULL, "ssu", argv[2],
                        argv[3], (uint32_t) cost);
        } else if (argc == 4 && (streq(argv[1], "accept") || streq(argv[1], "remove"))) {
                if (ntkctl_bus(&bus) < 0)
                        return NTKCTL_EXIT_FAILURE;
                r = sd_bus_call_method(bus, NTKD_DEST, NTKD_PATH, NTKD_MANAGER,
                        streq(argv[1], "accept") ? "AcceptArc" : "RemoveArc", &e, NULL, "ss", argv[2], argv[3]);
        } else
                return usage();
        r = report(r, &e);
        sd_bus_unref(bus);
        return r;
}
