/* fuzz-wire-decode.c — libFuzzer target for wire_decode() (UDP and TCP bounds): whatever the input,
 * no crash or leak, only documented errors, and what decodes re-encodes to a fixed point. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(int r)
{
        switch (r) {
        case 0:
        case -EMSGSIZE:
        case -EBADMSG:
        case -EPROTONOSUPPORT:
        case -E2BIG:
        case -EINVAL:
        case -ENOBUFS:
                return;
        default:
                abort();
        }
}

static void check_fixed_point(const WireEnvelope *e)
{
        static uint8_t a[WIRE_TCP_MAX_SIZE], b[WIRE_TCP_MAX_SIZE];
        size_t na = 0, nb = 0;
        WireMessage *m = NULL;
        int r;

        r = wire_encode(e, WIRE_TCP, a, sizeof(a), &na);
        if (r == -EMSGSIZE)
                return;
        if (r < 0)
                abort(); /* the decoder accepted what the encoder refuses */
        if (wire_decode(a, na, WIRE_TCP, &m) < 0)
                abort();
        if (wire_encode(m->env, WIRE_TCP, b, sizeof(b), &nb) < 0 || na != nb || memcmp(a, b, na) != 0)
                abort();
        wire_message_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        for (WireTransport t = WIRE_UDP; t <= WIRE_TCP; t++) {
                WireMessage *m = NULL;
                int r = wire_decode(data, size, t, &m);

                check_error(r);
                if (r == 0) {
                        if (m->env->body_case == NTKWIRE__ENVELOPE__BODY__NOT_SET)
                                abort();
                        (void) wire_body_name(m->env->body_case);
                        check_fixed_point(m->env);
                        wire_message_free(m);
                } else if (m) {
                        abort();
                }
        }
        return 0;
}
