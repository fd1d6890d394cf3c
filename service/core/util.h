/* util.h — ownership macros (_cleanup_, TAKE_PTR) and tiny helpers shared by all of ntk.
 * Must not: include any I/O, socket, netlink or D-Bus header; hold state. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_result_ __attribute__((warn_unused_result))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Take ownership of *p, leaving NULL behind (so a _cleanup_ does not free it). */
#define TAKE_PTR(p)                                                                                          \
        ({                                                                                                   \
                __typeof__(p) _ptr_ = (p);                                                                   \
                (p) = NULL;                                                                                  \
                _ptr_;                                                                                       \
        })

static inline void freep(void *p)
{
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

/* Defines name##p(type **) calling func(*p) when non-NULL; func must accept NULL and return NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                              \
        static inline void func##p(type *p)                                                                  \
        {                                                                                                    \
                if (*p)                                                                                      \
                        func(*p);                                                                            \
        }

static inline bool streq(const char *a, const char *b)
{
        return strcmp(a, b) == 0;
}

static inline bool startswith(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Makes room for n elements of size sz in the array *p of capacity *cap (doubling, from `first`).
 * False when out of memory: *p and *cap are then unchanged. */
static inline bool grow_array(void **p, size_t *cap, size_t n, size_t sz, size_t first)
{
        size_t c = *cap ? *cap : first ? first : 1;
        void *q;

        if (n <= *cap)
                return true;
        while (c < n) {
                if (c > SIZE_MAX / 2 / sz)
                        return false;
                c *= 2;
        }
        q = realloc(*p, c * sz);
        if (!q)
                return false;
        *p = q;
        *cap = c;
        return true;
}
#define GROW_ARRAY(p, cap, n, first) grow_array((void **) &(p), &(cap), (n), sizeof(*(p)), (first))
