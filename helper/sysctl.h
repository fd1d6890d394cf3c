/* sysctl.h — writes one sysctl of the calling thread's current network namespace through /proc/sys.
 * Must not: decide which keys are allowed (confine.h does). */
#pragma once

/* key "net.ipv4.conf.eth1.rp_filter", value "0". 0 or -errno. */
int sysctl_write(const char *key, const char *value);
