/* wire-seeds.c — writes the fuzz seed corpora: every sample envelope (for fuzz-wire-decode) and
 * framed streams of them (for fuzz-wire-framer). Must not: write anywhere but the given folders. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wire-samples.h"

static int write_file(const char *dir, const char *name, const uint8_t *data, size_t len)
{
        char path[4096];
        FILE *f;

        if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int) sizeof(path))
                return -ENAMETOOLONG;
        f = fopen(path, "we");
        if (!f)
                return -errno;
        if (len > 0 && fwrite(data, 1, len, f) != len) {
                fclose(f);
                return -EIO;
        }
        return fclose(f) == 0 ? 0 : -errno;
}

int main(int argc, char *argv[])
{
        static uint8_t buf[1 << 16], stream[1 << 17];
        size_t stream_len = 0;
        WireSample *s;
        int r;

        if (argc != 3) {
                fprintf(stderr, "usage: %s DECODE-CORPUS-DIR FRAMER-CORPUS-DIR\n", argv[0]);
                return 2;
        }
        for (int i = 1; i < 3; i++)
                if (mkdir(argv[i], 0755) < 0 && errno != EEXIST) {
                        perror(argv[i]);
                        return 1;
                }
        s = calloc(1, sizeof(*s));
        if (!s)
                return 1;

        for (size_t i = 0; i < wire_sample_n_kinds; i++) {
                const char *name = wire_body_name(wire_sample_kinds[i]);
                size_t n = 0;

                wire_sample_init(s, wire_sample_kinds[i]);
                r = wire_encode(&s->env, WIRE_UDP, buf, sizeof(buf), &n);
                if (r >= 0)
                        r = write_file(argv[1], name, buf, n);
                if (r >= 0)
                        r = wire_frame_encode(&s->env, buf, sizeof(buf), &n);
                if (r >= 0)
                        r = write_file(argv[2], name, buf, n);
                if (r < 0) {
                        fprintf(stderr, "%s: %s\n", name, strerror(-r));
                        free(s);
                        return 1;
                }
                if (stream_len + n <= sizeof(stream)) {
                        memcpy(stream + stream_len, buf, n);
                        stream_len += n;
                }
        }
        /* Every kind back to back in one stream. */
        r = write_file(argv[2], "all-kinds-stream", stream, stream_len);
        free(s);
        if (r < 0) {
                fprintf(stderr, "all-kinds-stream: %s\n", strerror(-r));
                return 1;
        }
        return 0;
}
