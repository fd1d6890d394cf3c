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
        { "interfaces", verb_interfaces, "[--json]  managed interfaces: dev, MAC, link-local" },
        { "arcs", verb_arcs, "[--json]  arcs to neighbours: peer, cost, accepted" },
        { "arc", verb_arc, "accept DEV PEER_MAC | cost DEV PEER_MAC COST_US | remove DEV PEER_MAC" },
        { "identities", verb_identities, "[--json]  identities: id, namespace, interfaces" },
        { "identity-arcs", verb_identity_arcs, "[--json]  identity arcs: identity, peer identity, MAC, link-local" },
        { "identity", verb_identity, "prepare|add MIGRATION_ID OLD_ID | remove ID" },
};

static void usage(FILE *f)
{
        fprintf(f, "Usage: ntkctl VERB [ARGS…]\n\nVerbs:\n");
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
                fprintf(f, "  %-13s %s\n", verbs[i].name, verbs[i].summary);
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
