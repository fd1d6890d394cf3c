/* verb-identity.c — `ntkctl identity prepare|add MIGRATION_ID OLD_ID | remove ID`: identity duplication
 * and removal. Must not: check anything ntkd checks again. Ids are the hex strings `identities` prints. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "ntkctl.h"

static int usage(void)
{
        fprintf(stderr, "usage: ntkctl identity prepare|add MIGRATION_ID OLD_ID | remove ID   (ids in hex)\n");
        return NTKCTL_EXIT_USAGE;
}

static int parse(const char *s, int base, uint64_t max, uint64_t *ret)
{
        char *end;
        unsigned long long v;

        errno = 0;
        v = strtoull(s, &end, base);
        if (errno || *s == '\0' || *s == '-' || *end != '\0' || v > max || v == 0) {
                fprintf(stderr, "ntkctl identity: '%s' is not a valid %s\n", s, base == 16 ? "identity id (hex)"
                                                                                          : "migration id");
                return -EINVAL;
        }
        *ret = v;
        return 0;
}

int verb_identity(int argc, char **argv)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        sd_bus *bus = NULL;
        uint64_t a, b = 0;
        int r;

        if (argc == 3 && streq(argv[1], "remove")) {
                if (parse(argv[2], 16, UINT64_MAX, &a) < 0)
                        return NTKCTL_EXIT_USAGE;
                if (ntkctl_bus(&bus) < 0)
                        return NTKCTL_EXIT_FAILURE;
                r = sd_bus_call_method(bus, NTKD_DEST, NTKD_PATH, NTKD_MANAGER, "RemoveIdentity", &e, NULL, "t", a);
        } else if (argc == 4 && (streq(argv[1], "prepare") || streq(argv[1], "add"))) {
                if (parse(argv[2], 10, UINT32_MAX, &a) < 0 || parse(argv[3], 16, UINT64_MAX, &b) < 0)
                        return NTKCTL_EXIT_USAGE;
                if (ntkctl_bus(&bus) < 0)
                        return NTKCTL_EXIT_FAILURE;
                r = sd_bus_call_method(bus, NTKD_DEST, NTKD_PATH, NTKD_MANAGER,
                        streq(argv[1], "add") ? "AddIdentity" : "PrepareAddIdentity", &e, &reply, "ut", (uint32_t) a, b);
                if (r >= 0 && streq(argv[1], "add")) {
                        uint64_t id;
                        if (sd_bus_message_read(reply, "t", &id) >= 0)
                                printf("%016llx\n", (unsigned long long) id);
                }
        } else
                return usage();
        sd_bus_message_unref(reply);
        sd_bus_unref(bus);
        if (r < 0) {
                fprintf(stderr, "ntkctl: %s\n", e.message ? e.message : strerror(-r));
                sd_bus_error_free(&e);
                return NTKCTL_EXIT_FAILURE;
        }
        return NTKCTL_EXIT_OK;
}
