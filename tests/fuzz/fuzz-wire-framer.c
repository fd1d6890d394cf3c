/* fuzz-wire-framer.c — libFuzzer target for the TCP framer: the input is a byte stream fed in
 * chunks whose sizes are derived from the input itself; no crash, no leak, consumption accounted. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        WireFramer *f = wire_framer_new();
        uint32_t rng = 2166136261u;
        size_t off = 0;

        if (!f)
                return 0;
        for (size_t i = 0; i < size && i < 64; i++)
                rng = (rng ^ data[i]) * 16777619u;

        while (off < size) {
                size_t chunk, used = 0;
                WireMessage *m = NULL;
                int r;

                rng = rng * 1103515245u + 12345u;
                chunk = 1 + (rng >> 16) % 300;
                if (chunk > size - off)
                        chunk = size - off;
                r = wire_framer_feed(f, data + off, chunk, &used, &m);
                if (used > chunk)
                        abort();
                off += used;
                if (r == 1) {
                        if (!m || m->env->body_case == NTKWIRE__ENVELOPE__BODY__NOT_SET)
                                abort();
                        wire_message_free(m);
                } else if (m) {
                        abort();
                } else if (r == 0) {
                        if (used != chunk)
                                abort();
                } else if (r == -EMSGSIZE) {
                        /* Refused before buffering; and framing stays lost. */
                        if (wire_framer_allocated(f) > 65536 || wire_framer_idle(f))
                                abort();
                        if (wire_framer_feed(f, data, size, &used, &m) != -EMSGSIZE || used != 0 || m)
                                abort();
                        break;
                } else if (r != -EBADMSG && r != -EPROTONOSUPPORT && r != -E2BIG && r != -EINVAL &&
                           r != -ENOBUFS) {
                        abort();
                }
                if (wire_framer_allocated(f) > WIRE_TCP_MAX_SIZE)
                        abort();
        }
        (void) wire_framer_idle(f);
        wire_framer_free(f);
        return 0;
}
