/* main.c — ntkd: configuration, start-up of the managed interfaces (through the helper), the modules, the
 * bus name, the sd-event loop, and a clean withdrawal on SIGTERM. Must not: hold any privilege. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "helper-proxy.h"
#include "linkinfo.h"
#include "textfile.h"
#include "ntkd.h"

uint64_t ntkd_now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

uint64_t ntkd_now_ms(void)
{
        return ntkd_now_ns() / 1000000ULL;
}

/* kernel-rules E1/E2 (identities.md §2.8): once per system, then per managed NIC. */
static int prepare_kernel(Ntkd *d)
{
        char lines[3 + 4 * NTKD_MAX_NICS][96], *v[3 + 4 * NTKD_MAX_NICS];
        _cleanup_free_ char *msg = NULL;
        size_t n = 0;
        int r;

        snprintf(lines[n++], sizeof lines[0], "sysctl net.ipv4.ip_forward=1");
        snprintf(lines[n++], sizeof lines[0], "sysctl net.ipv4.conf.all.rp_filter=0");
        for (unsigned i = 0; i < d->n_nics; i++) {
                const char *dev = d->nics[i].dev;
                snprintf(lines[n++], sizeof lines[0], "sysctl net.ipv4.conf.%s.rp_filter=0", dev);
                snprintf(lines[n++], sizeof lines[0], "sysctl net.ipv4.conf.%s.arp_ignore=1", dev);
                snprintf(lines[n++], sizeof lines[0], "sysctl net.ipv4.conf.%s.arp_announce=2", dev);
                snprintf(lines[n++], sizeof lines[0], "ip link set dev %s up", dev);
        }
        for (size_t i = 0; i < n; i++)
                v[i] = lines[i];
        r = helper_apply_lines(d->bus, "", v, n, &msg);
        if (r < 0)
                fprintf(stderr, "ntkd: preparing the interfaces failed: %s\n", msg ? msg : strerror(-r));
        return r;
}

static int start_nics(Ntkd *d)
{
        for (unsigned i = 0; i < d->cfg.n_nics; i++) {
                Nic *nic = &d->nics[d->n_nics];
                uint32_t used[4096];
                size_t n_used;
                int r;

                *nic = (Nic){ .d = d, .udp_fd = -1, .tcp_fd = -1 };
                memcpy(nic->dev, d->cfg.nics[i], sizeof nic->dev); /* both NTK_IFNAME_MAX, NUL-terminated */
                r = linkinfo_mac(nic->dev, nic->mac);
                if (r < 0) {
                        fprintf(stderr, "ntkd: interface %s: %s\n", nic->dev, strerror(-r));
                        return r;
                }
                n_used = ntk_nb_used_linklocals(d->nb, used, ELEMENTSOF(used));
                r = ntk_linklocal_choose(&d->rng, used,
                        n_used < ELEMENTSOF(used) ? n_used : ELEMENTSOF(used), &nic->ll);
                if (r < 0)
                        return r;
                d->n_nics++;
        }
        return 0;
}

static int open_sockets(Ntkd *d)
{
        for (unsigned i = 0; i < d->n_nics; i++) {
                int r = nic_io_start(d, &d->nics[i]);
                if (r >= 0)
                        r = rpc_listen(d, &d->nics[i]);
                if (r < 0)
                        return r;
                r = ntk_nb_nic_start(d->nb, d->nics[i].dev, d->nics[i].mac, d->nics[i].ll, ntkd_now_ms(),
                        &d->actions);
                if (r < 0)
                        return r;
        }
        nb_drive(d);
        return 0;
}

/* Withdraw from the mesh: connectivity identities go, every arc is removed (neighbours are told), the
 * link-locals and host routes go. */
static void withdraw(Ntkd *d)
{
        NtkIdmIdentityInfo ids[NTK_IDM_MAX_IDENTITIES];
        size_t n = d->idm ? ntk_idm_list_identities(d->idm, ids, ELEMENTSOF(ids)) : 0;

        for (size_t i = 0; i < n && i < ELEMENTSOF(ids); i++)
                if (!ids[i].is_main)
                        (void) identity_driver_remove(d, ids[i].id, NULL);
        for (unsigned i = 0; i < d->n_nics; i++)
                (void) ntk_nb_nic_stop(d->nb, d->nics[i].dev, ntkd_now_ms(), &d->actions);
        nb_drive(d);
        for (unsigned i = 0; i < d->n_nics; i++)
                nic_io_stop(&d->nics[i]);
}

/* On SIGTERM/SIGINT withdraw while the loop (and with it the bus connection) still runs: sd-bus closes the
 * connection when the loop exits, and the helper calls of the withdrawal need it. */
static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        Ntkd *d = userdata;

        withdraw(d);
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

int main(int argc, char **argv)
{
        const char *config = NTKD_CONFIG_PATH;
        _cleanup_free_ char *text = NULL;
        Ntkd d = {};
        NtkErr e = { "" };
        uint64_t seed, node_id;
        sigset_t mask;
        int r;

        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--config") && i + 1 < argc)
                        config = argv[++i];
                else {
                        fprintf(stderr, "usage: ntkd [--config PATH]   (default " NTKD_CONFIG_PATH ")\n");
                        return 2;
                }
        }
        r = read_text_file(config, 64 * 1024, &text);
        if (r < 0) {
                fprintf(stderr, "ntkd: cannot read %s: %s\n", config, strerror(-r));
                return 1;
        }
        r = ntkd_config_parse(text, &d.cfg, &e);
        if (r < 0) {
                fprintf(stderr, "ntkd: %s: %s\n", config, e.msg);
                return 1;
        }
        seed = d.cfg.seed;
        if (seed == 0 && getrandom(&seed, sizeof seed, 0) != sizeof seed)
                seed = ntkd_now_ns();
        ntk_rng_init(&d.rng, seed);
        /* sequence numbers that a stranger cannot guess from the start */
        d.next_probe_seq = (uint32_t) ntk_rng_next(&d.rng);
        d.next_request_id = ntk_rng_next(&d.rng) >> 1;
        do
                node_id = ntk_rng_next(&d.rng);
        while (node_id == 0);

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = sd_event_default(&d.event);
        if (r >= 0)
                r = sd_event_add_signal(d.event, NULL, SIGTERM, on_signal, &d);
        if (r >= 0)
                r = sd_event_add_signal(d.event, NULL, SIGINT, on_signal, &d);
        if (r >= 0)
                r = sd_bus_open_system(&d.bus);
        if (r >= 0)
                r = sd_bus_attach_event(d.bus, d.event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = ntk_nb_new(node_id, ntk_rng_next(&d.rng), NULL, &d.nb);
        if (r < 0) {
                fprintf(stderr, "ntkd: cannot start: %s\n", strerror(-r));
                return 1;
        }
        r = start_nics(&d);
        if (r >= 0)
                r = prepare_kernel(&d);
        if (r >= 0)
                r = identity_driver_start(&d);
        if (r >= 0)
                r = bus_api_register(&d);
        if (r >= 0)
                r = open_sockets(&d);
        if (r >= 0)
                r = sd_bus_request_name(d.bus, NTKD_BUS_NAME, 0);
        if (r < 0) {
                fprintf(stderr, "ntkd: start-up failed: %s\n", strerror(-r));
                withdraw(&d);
                return 1;
        }
        bus_api_identities_changed(&d);
        fprintf(stderr, "ntkd %s: node %016llx on %u interface(s)\n", NTK_VERSION, (unsigned long long) node_id,
                d.n_nics);

        r = sd_event_loop(d.event);
        ntk_nb_actions_done(&d.actions);
        ntk_nb_free(d.nb);
        ntk_idm_free(d.idm);
        sd_bus_flush_close_unref(d.bus);
        sd_event_unref(d.event);
        return r < 0 ? 1 : 0;
}
