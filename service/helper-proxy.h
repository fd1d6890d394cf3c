/* helper-proxy.h — ntkd's calls to ntk-helper (org.netsukuku.Helper1): batches of op lines per
 * namespace, sockets inside namespaces. Must not: build op text (callers render NtkOps) or retry. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "kops.h"

/* Renders ops and applies them in netns ("" = default) in one call. 0 when every op succeeded; otherwise
 * -errno and, when ret_msg is given, a malloc'ed message naming the first failure. */
int helper_apply_ops(sd_bus *bus, const char *netns, const NtkOp *ops, size_t n, char **ret_msg);

/* Same with op lines already rendered. */
int helper_apply_lines(sd_bus *bus, const char *netns, char *const *lines, size_t n, char **ret_msg);

/* A socket opened by the helper inside netns, bound to dev: proto "udp", "tcp-listen" or "tcp-connect". */
int helper_open_socket(sd_bus *bus, const char *netns, const char *dev, const char *proto, uint16_t port,
        char **ret_msg);

/* Creates macvlan NAME on PARENT inside NETNS; ret_mac gets the MAC the kernel (or mac) gave it. */
int helper_create_pseudo_interface(sd_bus *bus, const char *parent, const char *name, const char *mac,
        const char *netns, uint8_t ret_mac[6], char **ret_msg);
int helper_create_namespace(sd_bus *bus, const char *name, char **ret_msg);
int helper_delete_namespace(sd_bus *bus, const char *name, char **ret_msg);
