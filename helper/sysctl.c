/* sysctl.c — /proc/sys/net is resolved against the writer's network namespace at open time, so after
 * setns() this writes the namespace's own value (the D3 defect of the original cannot happen here).
 * Must not: touch keys outside net.*. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sysctl.h"
#include "util.h"

int sysctl_write(const char *key, const char *value)
{
        char path[256];
        size_t len;
        ssize_t w;
        int fd, n;

        if (!startswith(key, "net."))
                return -EPERM;
        if (startswith(key, "net.ipv4.conf.")) {
                /* the device name may itself contain dots: only the fixed parts become slashes */
                const char *dev = key + strlen("net.ipv4.conf."), *last = strrchr(dev, '.');
                if (!last || last == dev)
                        return -EINVAL;
                n = snprintf(path, sizeof path, "/proc/sys/net/ipv4/conf/%.*s/%s", (int) (last - dev), dev,
                        last + 1);
        } else {
                n = snprintf(path, sizeof path, "/proc/sys/%s", key);
                if (n > 0 && (size_t) n < sizeof path)
                        for (char *p = path + strlen("/proc/sys/"); *p; p++)
                                if (*p == '.')
                                        *p = '/';
        }
        if (n < 0 || (size_t) n >= sizeof path)
                return -ENAMETOOLONG;

        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        len = strlen(value);
        w = write(fd, value, len);
        n = w < 0 ? -errno : (size_t) w != len ? -EIO : 0;
        close(fd);
        return n;
}
