/* polkit.h — asks polkit (over its D-Bus API) whether the sender of a message may perform an action; shared
 * by ntk-helper and ntkd. Must not: cache answers or trust a PID; polkit not answering means no. */
#pragma once

#include <systemd/sd-bus.h>

/* 1 authorized, 0 not (error set to org.freedesktop.DBus.Error.AccessDenied), <0 on failure (error set).
 * Callers running as uid 0 are authorized without asking, like systemd's own daemons do. */
int polkit_check(sd_bus_message *m, const char *action, sd_bus_error *error);
