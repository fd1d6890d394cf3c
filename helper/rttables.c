/* rttables.c — the rt_tables drop-in, always rewritten whole and atomically from the ledger state.
 * Must not: write anything but ntk's own entries. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rttables.h"

int rttables_write(const char *path, const HelperState *s)
{
        char tmp[512], dir[512];
        FILE *f;
        int fd, r = 0;

        if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int) sizeof tmp)
                return -ENAMETOOLONG;
        if (s->n_tables == 0)
                return unlink(path) < 0 && errno != ENOENT ? -errno : 0;

        snprintf(dir, sizeof dir, "%s", path);
        if (mkdir(dirname(dir), 0755) < 0 && errno != EEXIST)
                return -errno;

        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "w");
        if (!f) {
                r = -errno;
                close(fd);
                unlink(tmp);
                return r;
        }
        fprintf(f, "# Tables of ntk, written by ntk-helper. Do not edit: it is rewritten whole.\n");
        for (unsigned i = 0; i < s->n_tables; i++)
                fprintf(f, "%u %s\n", s->tables[i].id, s->tables[i].name);
        if (fflush(f) != 0 || fsync(fileno(f)) < 0)
                r = -errno;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                unlink(tmp);
        return r;
}
