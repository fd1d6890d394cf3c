/* ntkd-config.h — ntkd's configuration: managed interfaces and the port neighbours talk on.
 * Must not: do I/O (main.c reads the file; this parses its text). */
#pragma once

#include <stdint.h>

#include "error.h"
#include "kops.h"
#include "wire.h"

#define NTKD_CONFIG_PATH "/etc/ntk/ntkd.conf"
#define NTKD_MAX_NICS 16
#define NTKD_DEFAULT_PORT WIRE_PORT

typedef struct NtkdConfig {
        char nics[NTKD_MAX_NICS][NTK_IFNAME_MAX];
        unsigned n_nics;
        uint16_t port;
        uint64_t seed; /* 0 = from the clock at start (tests pin it) */
} NtkdConfig;

/*   ManagedInterfaces=eth1 eth2     Port=269     Seed=1234 */
int ntkd_config_parse(const char *text, NtkdConfig *ret, NtkErr *err);
