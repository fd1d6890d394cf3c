/* bus.h — the org.netsukuku.Helper1 object on the system bus: validate, ask polkit, act, reply.
 * Must not: touch the kernel itself (apply.c, sockets.c, netns.c do). */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "apply.h"
#include "config.h"
#include "state.h"

#define HELPER_BUS_NAME "org.netsukuku.Helper1"
#define HELPER_OBJECT_PATH "/org/netsukuku/Helper1"
#define HELPER_INTERFACE "org.netsukuku.Helper1"

#define HELPER_POLKIT_ACTION "org.netsukuku.helper.configure"

#define HELPER_ERROR_INVALID "org.netsukuku.Helper1.Error.InvalidArgument"
#define HELPER_ERROR_NOT_OURS "org.netsukuku.Helper1.Error.NotOurs"
#define HELPER_ERROR_KERNEL "org.netsukuku.Helper1.Error.Kernel"

typedef struct Helper {
        sd_event *event;
        sd_bus *bus;
        HelperConfig config;
        HelperState state;
        HelperPaths paths;
} Helper;

/* Registers the object and its vtable on h->bus. */
int helper_bus_register(Helper *h);
