/* rttables.h — the drop-in /etc/iproute2/rt_tables.d/ntk.conf that names ntk's tables, so that
 * `ip route show table ntk_from_…` works. Must not: touch /etc/iproute2/rt_tables itself. */
#pragma once

#include "state.h"

#define RTTABLES_DROPIN "/etc/iproute2/rt_tables.d/ntk.conf"

/* Rewrites path atomically (temporary file + rename) with one "ID NAME" line per table of s; removes the
 * file when s has no table. 0 or -errno. */
int rttables_write(const char *path, const HelperState *s);
