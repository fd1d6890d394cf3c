/* error.c — fills an NtkErr and hands back the errno.
 * Must not: log or allocate. */
#include <stdio.h>

#include "error.h"

int ntk_err(NtkErr *e, int r, const char *fmt, ...)
{
        if (e) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
                va_end(ap);
        }
        return r;
}
