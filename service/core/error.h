/* error.h — a human-readable message travelling beside a negative errno out of pure code.
 * Must not: log, print or allocate; callers decide what to do with the message. */
#pragma once

#include <stdarg.h>

#include "util.h"

typedef struct NtkErr {
        char msg[512];
} NtkErr;

/* Formats the message into *e (when e is not NULL) and returns r, which must be a negative errno:
 * `return ntk_err(e, -EINVAL, "gsize %u is not a power of two", g);` */
int ntk_err(NtkErr *e, int r, const char *fmt, ...) _printf_(3, 4);
