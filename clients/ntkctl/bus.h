/* bus.h — ntkctl's view of ntkd: every object and property as JSON (one code path for tables and --json),
 * and method calls with errors printed the way ntkctl prints errors. Must not: format output. */
#pragma once

#include <jansson.h>
#include <systemd/sd-bus.h>

#define NTKD_DEST "org.netsukuku.Ntkd1"
#define NTKD_PATH "/org/netsukuku/Ntkd1"
#define NTKD_MANAGER "org.netsukuku.Ntkd1.Manager"

/* Connects to the system bus (DBUS_SYSTEM_BUS_ADDRESS honoured). Prints the error. */
int ntkctl_bus(sd_bus **ret);

/* {object path: {interface: {property: value}}} from the ObjectManager, the manager's own properties
 * included. Prints the error. */
int ntkctl_objects(sd_bus *bus, json_t **ret);

/* The objects implementing interface, as an array of {"path": p, property: value, …} sorted by path. */
json_t *ntkctl_objects_of(json_t *objects, const char *interface);
