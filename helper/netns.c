/* netns.c — iproute2-compatible named namespaces: /run/netns made a shared mount, one bind mount per name.
 * Must not: fork or exec; the calling thread returns to its own namespace on every path. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "netns.h"
#include "util.h"

static void closep(int *fd)
{
        if (*fd >= 0)
                close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

/* iproute2 makes NETNS_RUN_DIR a shared mount point so that the bind mounts propagate to every mount
 * namespace that sees the directory. */
static int run_dir_prepare(void)
{
        if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
                return -errno;
        if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
                return 0;
        if (errno != EINVAL)
                return -errno;
        /* not a mount point yet: bind it onto itself, then share it */
        if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
                return -errno;
        if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
                return -errno;
        return 0;
}

static int path_of(const char *name, char *buf, size_t size)
{
        int n = snprintf(buf, size, "%s/%s", NETNS_RUN_DIR, name);
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

int netns_open(const char *name)
{
        char path[256];
        int fd, r;

        if (name[0] == '\0')
                fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        else {
                r = path_of(name, path, sizeof path);
                if (r < 0)
                        return r;
                fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        }
        if (fd < 0)
                return -errno;
        if (name[0] != '\0') {
                struct statfs sf;
                if (fstatfs(fd, &sf) < 0 || sf.f_type != NSFS_MAGIC) {
                        close(fd);
                        return -ENOTTY;
                }
        }
        return fd;
}

int netns_identity(int fd, uint64_t *ret_dev, uint64_t *ret_ino)
{
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        *ret_dev = (uint64_t) st.st_dev;
        *ret_ino = (uint64_t) st.st_ino;
        return 0;
}

int netns_open_ours(const HelperState *s, const char *name)
{
        int i = state_netns_index(s, name), fd;
        uint64_t dev, ino;

        if (name[0] == '\0')
                return netns_open("");
        if (i < 0)
                return -EPERM;
        fd = netns_open(name);
        if (fd < 0)
                return fd;
        if (s->netns_ino[i] != 0 &&
            (netns_identity(fd, &dev, &ino) < 0 || dev != s->netns_dev[i] || ino != s->netns_ino[i])) {
                close(fd);
                return -ESTALE;
        }
        return fd;
}

int netns_enter(int fd)
{
        return setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
}

int netns_create(const char *name)
{
        _cleanup_close_ int home = -1;
        char path[256];
        int fd, r;

        r = path_of(name, path, sizeof path);
        if (r < 0)
                return r;
        r = run_dir_prepare();
        if (r < 0)
                return r;

        home = netns_open("");
        if (home < 0)
                return home;

        fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        close(fd);

        if (unshare(CLONE_NEWNET) < 0) {
                r = -errno;
                unlink(path);
                return r;
        }
        r = mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0 ? -errno : 0;
        /* back home whatever happened; if even that fails the process must not go on in a stray namespace */
        if (netns_enter(home) < 0)
                abort();
        if (r < 0)
                unlink(path);
        return r;
}

int netns_delete(const char *name)
{
        char path[256];
        int r;

        r = path_of(name, path, sizeof path);
        if (r < 0)
                return r;
        if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL)
                return -errno;
        if (unlink(path) < 0)
                return -errno;
        return 0;
}
