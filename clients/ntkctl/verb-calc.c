/* verb-calc.c — `ntkctl calc`: what an address maps to (own IPs, destinations, SNAT, NETMAP), offline.
 * Must not: talk to any daemon or the kernel; the JSON field names are a stable contract. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "ipmap.h"
#include "ntkctl.h"

typedef struct CalcArgs {
        NtkTopology topology;
        NtkAddress address;
        unsigned subnet_level;
        bool serve_anonymous;
        bool anonymize;
        bool json;
} CalcArgs;

/* Everything calc prints, computed once; both outputs read only this. */
typedef struct CalcResult {
        NtkOwnIps own;
        uint32_t assigned[NTK_MAX_LEVELS + 2];
        size_t n_assigned;
        NtkDest *dests;
        size_t n_dests;
        bool has_snat;
        NtkOp snat;
        NtkOp netmap[NTK_NETMAP_MAX];
        size_t n_netmap;
} CalcResult;

static void calc_result_done(CalcResult *r)
{
        free(r->dests);
        r->dests = NULL;
}

/* One line on stderr naming what is wrong; the exit code for bad input. */
_printf_(1, 2) static int bad_input(const char *fmt, ...)
{
        va_list ap;

        fputs("ntkctl calc: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return NTKCTL_EXIT_USAGE;
}

/* Options may come before, between or after the two positionals. Returns -1 when parsed, otherwise
 * the exit code to leave with. */
static int parse_args(int argc, char **argv, CalcArgs *ret)
{
        CalcArgs a = { .anonymize = true };
        const char *pos[2] = { NULL, NULL }, *subnet = NULL;
        size_t n_pos = 0;
        NtkErr e;

        for (int i = 1; i < argc; i++) {
                const char *o = argv[i];

                if (o[0] != '-' || o[1] == '\0') {
                        if (n_pos == 2)
                                return bad_input("unexpected argument '%s'", o);
                        pos[n_pos++] = o;
                } else if (streq(o, "--help") || streq(o, "-h")) {
                        printf("Usage: ntkctl calc TOPOLOGY ADDRESS [--subnet-level N] [--serve-anonymous] "
                               "[--no-anonymize] [--json]\n");
                        return NTKCTL_EXIT_OK;
                } else if (streq(o, "--serve-anonymous") || streq(o, "-k"))
                        a.serve_anonymous = true;
                else if (streq(o, "--no-anonymize") || streq(o, "-j"))
                        a.anonymize = false;
                else if (streq(o, "--json"))
                        a.json = true;
                else if (streq(o, "--subnet-level") || streq(o, "-s")) {
                        if (i + 1 >= argc)
                                return bad_input("option '%s' needs a value", o);
                        subnet = argv[++i];
                } else if (startswith(o, "--subnet-level="))
                        subnet = o + strlen("--subnet-level=");
                else
                        return bad_input("unknown option '%s'", o);
        }
        if (n_pos < 2)
                return bad_input("%s", "needs TOPOLOGY and ADDRESS (e.g. ntkctl calc 4.2.2.2 3.0.1.0)");

        if (ntk_topology_parse(pos[0], &a.topology, &e) < 0)
                return bad_input("%s", e.msg);
        if (ntk_address_parse(&a.topology, pos[1], &a.address, &e) < 0)
                return bad_input("%s", e.msg);
        if (subnet) {
                char *end;
                unsigned long v;

                errno = 0;
                v = strtoul(subnet, &end, 10);
                if (errno != 0 || *subnet < '0' || *subnet > '9' || *end != '\0')
                        return bad_input("--subnet-level '%s' is not a number", subnet);
                if (v >= a.topology.levels)
                        return bad_input("--subnet-level %lu is not below the %u levels of the topology", v,
                                a.topology.levels);
                a.subnet_level = (unsigned) v;
        }

        *ret = a;
        return -1;
}

static int compute(const CalcArgs *a, CalcResult *ret)
{
        CalcResult r = {};
        int k;

        ntk_own_ips(&a->topology, &a->address, &r.own);
        r.n_assigned = ntk_own_ips_assigned(&a->topology, &r.own, a->serve_anonymous, r.assigned,
                ELEMENTSOF(r.assigned));
        k = ntk_destinations(&a->topology, &a->address, a->subnet_level, &r.dests, &r.n_dests);
        if (k < 0)
                return k;
        r.has_snat = a->anonymize && ntk_snat_op(&a->topology, &a->address, true, &r.snat) >= 0;
        if (a->subnet_level > 0) {
                k = ntk_netmap_ops(&a->topology, &a->address, a->subnet_level, a->serve_anonymous, true, r.netmap,
                        ELEMENTSOF(r.netmap));
                if (k < 0) {
                        free(r.dests);
                        return k;
                }
                r.n_netmap = (size_t) k;
        }
        *ret = r;
        return 0;
}

static const char *kind_name(const NtkDest *d, char buf[static 24])
{
        switch (d->kind) {
        case NTK_IP_GLOBAL:
                return "global";
        case NTK_IP_ANONYMOUS:
                return "anonymous";
        default:
                snprintf(buf, 24, "internal-%u", d->k);
                return buf;
        }
}

static json_t *ip_or_null(bool has, uint32_t ip)
{
        char b[NTK_IPV4_STRLEN];
        return has ? json_string(ntk_ipv4_format(ip, b)) : json_null();
}

static json_t *op_text(const NtkOp *op)
{
        char b[NTK_OP_TEXT_MAX];
        return ntk_op_render(NULL, op, b, sizeof b) < 0 ? json_null() : json_string(b);
}

static int print_json(const CalcArgs *a, const CalcResult *r)
{
        char tb[NTK_TOPOLOGY_STRLEN], ab[NTK_ADDRESS_STRLEN], cb[NTK_CIDR_STRLEN], ib[NTK_IPV4_STRLEN];
        json_t *o = json_object(), *internal = json_object(), *dests = json_array(), *netmap = json_array(),
               *assigned = json_array();

        json_object_set_new(o, "topology", json_string(ntk_topology_format(&a->topology, tb)));
        json_object_set_new(o, "address", json_string(ntk_address_format(&a->address, ab)));
        json_object_set_new(o, "global", ip_or_null(r->own.has_global, r->own.global));
        json_object_set_new(o, "anonymous", ip_or_null(r->own.has_anonymous, r->own.anonymous));
        for (unsigned k = 1; k < a->topology.levels; k++) {
                char key[8];
                snprintf(key, sizeof key, "%u", k);
                json_object_set_new(internal, key, ip_or_null(r->own.has_internal[k], r->own.internal[k]));
        }
        json_object_set_new(o, "internal", internal);
        json_object_set_new(o, "localhost", json_string(ntk_ipv4_format(r->own.localhost, ib)));
        for (size_t i = 0; i < r->n_dests; i++)
                json_array_append_new(dests, json_string(ntk_cidr_format(r->dests[i].cidr, cb)));
        json_object_set_new(o, "destinations", dests);
        json_object_set_new(o, "anonymous_range", json_string(ntk_cidr_format(ntk_ip_anonymous_range(&a->topology), cb)));
        json_object_set_new(o, "snat", r->has_snat ? op_text(&r->snat) : json_null());
        for (size_t i = 0; i < r->n_netmap; i++)
                json_array_append_new(netmap, op_text(&r->netmap[i]));
        json_object_set_new(o, "netmap", netmap);
        /* Extensions of the contract: options echoed, and the addresses a NIC gets (E5 order). */
        json_object_set_new(o, "subnet_level", json_integer(a->subnet_level));
        json_object_set_new(o, "serve_anonymous", json_boolean(a->serve_anonymous));
        json_object_set_new(o, "anonymize", json_boolean(a->anonymize));
        for (size_t i = 0; i < r->n_assigned; i++)
                json_array_append_new(assigned, json_string(ntk_ipv4_format(r->assigned[i], ib)));
        json_object_set_new(o, "assigned", assigned);

        if (json_dumpf(o, stdout, JSON_INDENT(0) | JSON_COMPACT | JSON_PRESERVE_ORDER) < 0) {
                json_decref(o);
                return NTKCTL_EXIT_FAILURE;
        }
        putchar('\n');
        json_decref(o);
        return NTKCTL_EXIT_OK;
}

static bool is_assigned(const CalcResult *r, uint32_t ip)
{
        for (size_t i = 0; i < r->n_assigned; i++)
                if (r->assigned[i] == ip)
                        return true;
        return false;
}

static void own_row(const CalcResult *r, const char *kind, bool has, uint32_t ip, const char *why_not)
{
        char b[NTK_IPV4_STRLEN];
        printf("%-10s  %-15s  %s\n", kind, has ? ntk_ipv4_format(ip, b) : "-",
                !has ? "not computable (virtual position)" : is_assigned(r, ip) ? "every managed NIC" : why_not);
}

static int print_table(const CalcArgs *a, const CalcResult *r)
{
        char tb[NTK_TOPOLOGY_STRLEN], ab[NTK_ADDRESS_STRLEN], cb[NTK_CIDR_STRLEN], b[NTK_OP_TEXT_MAX];

        printf("Topology %s, address %s%s, subnet level %u\n\n", ntk_topology_format(&a->topology, tb),
                ntk_address_format(&a->address, ab),
                ntk_address_is_real(&a->topology, &a->address) ? "" : " (virtual)", a->subnet_level);

        printf("%-10s  %-15s  %s\n", "OWN IP", "ADDRESS", "ASSIGNED TO");
        own_row(r, "global", r->own.has_global, r->own.global, "-");
        own_row(r, "anonymous", r->own.has_anonymous, r->own.anonymous, "no (needs --serve-anonymous)");
        for (unsigned k = a->topology.levels; k-- > 1;) {
                char kind[24];
                snprintf(kind, sizeof kind, "internal-%u", k);
                own_row(r, kind, r->own.has_internal[k], r->own.internal[k], "-");
        }
        printf("%-10s  %-15s  %s\n\n", "localhost", ntk_ipv4_format(r->own.localhost, b), "lo");

        printf("%-18s  %5s  %5s  %s\n", "DESTINATION", "LEVEL", "POS", "KIND");
        for (size_t i = 0; i < r->n_dests; i++) {
                char kb[24];
                printf("%-18s  %5u  %5u  %s\n", ntk_cidr_format(r->dests[i].cidr, cb), r->dests[i].lvl,
                        r->dests[i].pos, kind_name(&r->dests[i], kb));
        }
        printf("(%zu destinations; anonymizing range %s)\n\n", r->n_dests,
                ntk_cidr_format(ntk_ip_anonymous_range(&a->topology), cb));

        printf("SNAT\n");
        if (r->has_snat && ntk_op_render(NULL, &r->snat, b, sizeof b) > 0)
                printf("  %s\n", b);
        else
                printf("  none (%s)\n", a->anonymize ? "no global IP" : "--no-anonymize");

        printf("\nNETMAP\n");
        if (r->n_netmap == 0)
                printf("  none (%s)\n", a->subnet_level == 0 ? "subnet level 0" : "no own address to map");
        for (size_t i = 0; i < r->n_netmap; i++)
                if (ntk_op_render(NULL, &r->netmap[i], b, sizeof b) > 0)
                        printf("  %s\n", b);
        return NTKCTL_EXIT_OK;
}

int verb_calc(int argc, char **argv)
{
        CalcArgs a;
        CalcResult r;
        int k;

        k = parse_args(argc, argv, &a);
        if (k >= 0)
                return k;

        k = compute(&a, &r);
        if (k < 0) {
                fprintf(stderr, "ntkctl calc: %s\n", strerror(-k));
                return NTKCTL_EXIT_FAILURE;
        }
        k = a.json ? print_json(&a, &r) : print_table(&a, &r);
        calc_result_done(&r);
        return k;
}
