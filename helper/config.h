/* config.h — ntk-helper's configuration: managed interfaces, the Netsukuku range, the ports sockets may
 * bind. Must not: do I/O (main.c reads the file; this parses its text). */
#pragma once

#include <stdint.h>

#include "error.h"
#include "ipv4.h"
#include "kops.h"

#define HELPER_CONFIG_PATH "/etc/ntk/helper.conf"
#define HELPER_MAX_MANAGED 16
#define HELPER_MAX_PORTS 8

typedef struct HelperConfig {
        char managed[HELPER_MAX_MANAGED][NTK_IFNAME_MAX];
        unsigned n_managed;
        NtkCidr range; /* addresses, routes and NAT rules must lie inside it; default 10.0.0.0/8 */
        uint16_t ports[HELPER_MAX_PORTS];
        unsigned n_ports;
} HelperConfig;

/* Parses "Key=Value" lines ('#' comments, blank lines, an optional "[Helper]" header):
 *   ManagedInterfaces=eth1 eth2      NetsukukuRange=10.0.0.0/8      Ports=269 270
 * Unknown keys and bad values are errors naming them. */
int helper_config_parse(const char *text, HelperConfig *ret, NtkErr *err);

bool helper_config_is_managed(const HelperConfig *c, const char *ifname);
