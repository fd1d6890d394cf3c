/* textfile.h — reads a small text file whole (configuration files of both daemons).
 * Must not: interpret the text; parsing is pure code's (kvconf.h). */
#pragma once

#include <stddef.h>

/* *ret = the NUL-terminated contents (malloc'ed). -ENOENT when missing, -EFBIG when longer than max bytes,
 * another -errno when unreadable. *ret untouched on failure. */
int read_text_file(const char *path, size_t max, char **ret);
