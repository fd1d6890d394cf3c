/* textfile.c — one bounded read of a small file.
 * Must not: follow into anything but a regular read; no parsing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "textfile.h"

int read_text_file(const char *path, size_t max, char **ret)
{
        FILE *f = fopen(path, "re");
        char *buf;
        size_t n;
        int r = 0;

        if (!f)
                return -errno;
        buf = malloc(max + 2);
        if (!buf) {
                fclose(f);
                return -ENOMEM;
        }
        n = fread(buf, 1, max + 1, f);
        if (ferror(f))
                r = -EIO;
        else if (n > max)
                r = -EFBIG;
        fclose(f);
        if (r < 0) {
                free(buf);
                return r;
        }
        buf[n] = '\0';
        *ret = buf;
        return 0;
}
