/* sockets.h — sockets for ntkd opened inside one of ntk's namespaces, bound to one device (and port).
 * Must not: decide which device or port is allowed (the bus layer checks with confine and config). */
#pragma once

#include <stdint.h>

#include "state.h"

typedef enum HelperSocketKind {
        HELPER_SOCKET_UDP,         /* bound to dev and port, broadcast allowed */
        HELPER_SOCKET_TCP_LISTEN,  /* bound to dev and port, listening */
        HELPER_SOCKET_TCP_CONNECT, /* bound to dev only; the caller connects */
} HelperSocketKind;

int helper_socket_kind_from_string(const char *s, HelperSocketKind *ret);

/* Opens the socket in namespace netns ("" = the caller's own; otherwise one of s, checked by identity) and
 * returns its fd (O_CLOEXEC) or -errno. */
int helper_socket_open(const HelperState *s, const char *netns, const char *dev, HelperSocketKind kind, uint16_t port);
