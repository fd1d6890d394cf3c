/* verb-show.c — the read-only verbs: `ntkctl interfaces | arcs | identities | identity-arcs [--json]`.
 * Must not: change anything; the JSON is the same data as the D-Bus properties (stable names). */
#include <stdio.h>
#include <string.h>

#include "bus.h"
#include "ntkctl.h"
#include "table.h"

static int show(int argc, char **argv, json_t *(*rows_of)(json_t *objects), const TableColumn *cols, size_t n_cols)
{
        sd_bus *bus = NULL;
        json_t *objects, *rows;
        bool json = false;

        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--json"))
                        json = true;
                else {
                        fprintf(stderr, "ntkctl %s: unexpected argument '%s'\n", argv[0], argv[i]);
                        return NTKCTL_EXIT_USAGE;
                }
        }
        if (ntkctl_bus(&bus) < 0 || ntkctl_objects(bus, &objects) < 0) {
                sd_bus_unref(bus);
                return NTKCTL_EXIT_FAILURE;
        }
        rows = rows_of(objects);
        if (json) {
                json_dumpf(rows, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
                putchar('\n');
        } else
                table_print(rows, cols, n_cols);
        json_decref(rows);
        json_decref(objects);
        sd_bus_unref(bus);
        return NTKCTL_EXIT_OK;
}

static json_t *interfaces_of(json_t *objects)
{
        json_t *mgr = json_object_get(json_object_get(objects, NTKD_PATH), NTKD_MANAGER), *rows = json_array(), *v;
        size_t i;

        json_array_foreach(json_object_get(mgr, "Interfaces"), i, v)
                json_array_append_new(rows, json_pack("{s:O,s:O,s:O}", "dev", json_array_get(v, 0), "mac",
                                                    json_array_get(v, 1), "linklocal", json_array_get(v, 2)));
        return rows;
}

static json_t *arcs_of(json_t *objects)
{
        return ntkctl_objects_of(objects, "org.netsukuku.Ntkd1.Arc");
}

static json_t *identities_of(json_t *objects)
{
        return ntkctl_objects_of(objects, "org.netsukuku.Ntkd1.Identity");
}

static json_t *identity_arcs_of(json_t *objects)
{
        return ntkctl_objects_of(objects, "org.netsukuku.Ntkd1.IdentityArc");
}

int verb_interfaces(int argc, char **argv)
{
        static const TableColumn cols[] = { { "DEV", "dev" }, { "MAC", "mac" }, { "LINK-LOCAL", "linklocal" } };
        return show(argc, argv, interfaces_of, cols, ELEMENTSOF(cols));
}

int verb_arcs(int argc, char **argv)
{
        static const TableColumn cols[] = { { "DEV", "Dev" }, { "PEER MAC", "PeerMac" },
                { "PEER LINK-LOCAL", "PeerLinklocal" }, { "PEER NODE", "PeerNodeId" }, { "COST µs", "Cost" },
                { "ACCEPTED", "Accepted" } };
        return show(argc, argv, arcs_of, cols, ELEMENTSOF(cols));
}

int verb_identities(int argc, char **argv)
{
        static const TableColumn cols[] = { { "ID", "Id" }, { "MAIN", "Main" }, { "NAMESPACE", "Namespace" },
                { "INTERFACES (real dev, dev, MAC, link-local)", "Interfaces" } };
        return show(argc, argv, identities_of, cols, ELEMENTSOF(cols));
}

int verb_identity_arcs(int argc, char **argv)
{
        static const TableColumn cols[] = { { "IDENTITY", "Identity" }, { "PEER", "PeerId" },
                { "PEER MAC", "PeerMac" }, { "PEER LINK-LOCAL", "PeerLinklocal" }, { "ARC", "Arc" } };
        return show(argc, argv, identity_arcs_of, cols, ELEMENTSOF(cols));
}
