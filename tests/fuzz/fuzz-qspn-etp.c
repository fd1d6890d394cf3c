/* fuzz-qspn-etp.c — libFuzzer target for an ETP's way in: wire_decode, qspn_wire_to_etp and the
 * engine's qspn_etp_validate. Whatever the input: no crash or leak, only documented errors, and an
 * accepted ETP goes back to the wire as the same bytes. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qspn-wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The topology the sender claims (its gsizes), or false if it is none QSPN could run on. */
static bool sender_topology(const Ntkwire__Naddr *a, NtkTopology *t)
{
        if (!a || a->n_gsize == 0 || a->n_gsize > NTK_MAX_LEVELS)
                return false;
        *t = (NtkTopology){ .levels = (unsigned) a->n_gsize };
        for (unsigned l = 0; l < t->levels; l++) {
                uint32_t g = a->gsize[l];
                if (g < 2 || g > (1u << 16) || (g & (g - 1)))
                        return false;
                t->gsize[l] = g;
                while ((1u << t->gexp[l]) < g)
                        t->gexp[l]++;
        }
        return true;
}

static void pack(const Ntkwire__Etp *w, uint8_t **buf, size_t *len)
{
        *len = ntkwire__etp__get_packed_size(w);
        *buf = malloc(*len + 1);
        if (!*buf || ntkwire__etp__pack(w, *buf) != *len)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        WireMessage *m = NULL;
        const Ntkwire__Etp *w = NULL;
        NtkTopology t;
        QspnEtp *e = NULL;
        NtkErr err = { "" };
        int r;

        if (wire_decode(data, size, WIRE_TCP, &m) < 0)
                return 0;
        if (m->env->body_case == NTKWIRE__ENVELOPE__BODY_SEND_ETP)
                w = m->env->send_etp->etp;
        else if (m->env->body_case == NTKWIRE__ENVELOPE__BODY_GET_FULL_ETP_REPLY)
                w = m->env->get_full_etp_reply->etp;
        if (!w || !sender_topology(w->node_address, &t)) {
                wire_message_free(m);
                return 0;
        }
        r = qspn_wire_to_etp(&t, w, &e, &err);
        if (r < 0) {
                if ((r != -EBADMSG && r != -ENOMEM) || e || !err.msg[0])
                        abort();
        } else {
                Ntkwire__Etp *w2 = NULL;
                uint8_t *a, *b;
                size_t na, nb;

                r = qspn_etp_validate(&t, NULL, e, &err);
                if (r < 0 && (r != -EBADMSG || !err.msg[0]))
                        abort();
                if (qspn_wire_from_etp(&t, e, &w2, &err) < 0)
                        abort(); /* accepted in, refused out */
                pack(w, &a, &na);
                pack(w2, &b, &nb);
                if (na != nb || memcmp(a, b, na) != 0)
                        abort(); /* something was lost or invented on the way */
                free(a);
                free(b);
                qspn_wire_etp_free(w2);
                qspn_etp_free(e);
        }
        wire_message_free(m);
        return 0;
}
