/* linkinfo.h — reads facts about one interface of the calling thread's current namespace.
 * Must not: change anything. */
#pragma once

#include <stdint.h>

/* The hardware address of ifname. 0 or -errno. */
int linkinfo_mac(const char *ifname, uint8_t ret[6]);
