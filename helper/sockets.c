/* sockets.c — socket() inside the target namespace (a socket keeps the namespace it was created in),
 * SO_BINDTODEVICE, bind, listen. Must not: leave the calling thread in another namespace. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns.h"
#include "sockets.h"
#include "util.h"

int helper_socket_kind_from_string(const char *s, HelperSocketKind *ret)
{
        if (streq(s, "udp"))
                *ret = HELPER_SOCKET_UDP;
        else if (streq(s, "tcp-listen"))
                *ret = HELPER_SOCKET_TCP_LISTEN;
        else if (streq(s, "tcp-connect"))
                *ret = HELPER_SOCKET_TCP_CONNECT;
        else
                return -EINVAL;
        return 0;
}

static int configure(int fd, const char *dev, HelperSocketKind kind, uint16_t port)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY), .sin_port = htons(port) };
        int one = 1;

        if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t) strlen(dev)) < 0)
                return -errno;
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
                return -errno;
        if (kind == HELPER_SOCKET_UDP && setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) < 0)
                return -errno;
        if (kind == HELPER_SOCKET_TCP_CONNECT)
                return 0;
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                return -errno;
        if (kind == HELPER_SOCKET_TCP_LISTEN && listen(fd, 16) < 0)
                return -errno;
        return 0;
}

int helper_socket_open(const HelperState *s, const char *netns, const char *dev, HelperSocketKind kind, uint16_t port)
{
        int home = -1, target = -1, fd, r;

        if (netns[0] != '\0') {
                home = netns_open("");
                if (home < 0)
                        return home;
                target = netns_open_ours(s, netns);
                if (target < 0) {
                        close(home);
                        return target;
                }
                r = netns_enter(target);
                close(target);
                if (r < 0) {
                        close(home);
                        return r;
                }
        }

        fd = socket(AF_INET, (kind == HELPER_SOCKET_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
        r = fd < 0 ? -errno : configure(fd, dev, kind, port);

        if (home >= 0) {
                if (netns_enter(home) < 0)
                        abort();
                close(home);
        }
        if (r < 0) {
                if (fd >= 0)
                        close(fd);
                return r;
        }
        return fd;
}
