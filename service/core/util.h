/* util.h — ownership macros (_cleanup_, TAKE_PTR) and tiny helpers shared by all of ntk.
 * Must not: include any I/O, socket, netlink or D-Bus header; hold state. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
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
