/* linkinfo.c — SIOCGIFHWADDR on a throw-away socket: it answers for the namespace the socket lives in,
 * which sysfs would not (sysfs shows the namespace it was mounted in). Must not: change anything. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "linkinfo.h"

int linkinfo_mac(const char *ifname, uint8_t ret[6])
{
        struct ifreq ifr = {};
        int fd, r = 0;

        if (strlen(ifname) >= IFNAMSIZ)
                return -EINVAL;
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
        if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
                r = -errno;
        else
                memcpy(ret, ifr.ifr_hwaddr.sa_data, 6);
        close(fd);
        return r;
}
