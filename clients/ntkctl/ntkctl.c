/* ntkctl.c — entry point of ntkctl: global options and dispatch to one verb per file.
 * Must not: implement a verb here. */
#include <stdio.h>
#include <string.h>

#include "ntkctl.h"

static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *summary;
} verbs[] = {
        { "calc", verb_calc, "TOPOLOGY ADDRESS [--subnet-level N] [--serve-anonymous] [--no-anonymize] [--json]\n"
                             "                  offline: own IPs, destination CIDRs, SNAT and NETMAP of an address" },
};

static void usage(FILE *f)
{
        fprintf(f, "Usage: ntkctl VERB [ARGS…]\n\nVerbs:\n");
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
                fprintf(f, "  %-6s %s\n", verbs[i].name, verbs[i].summary);
        fprintf(f, "\nExit status: 0 ok, 1 failure, 2 usage or bad input.\n");
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                usage(stderr);
                return NTKCTL_EXIT_USAGE;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
                usage(stdout);
                return NTKCTL_EXIT_OK;
        }
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
                if (strcmp(argv[1], verbs[i].name) == 0)
                        return verbs[i].run(argc - 1, argv + 1);

        fprintf(stderr, "ntkctl: unknown verb '%s' (try 'ntkctl --help')\n", argv[1]);
        return NTKCTL_EXIT_USAGE;
}
