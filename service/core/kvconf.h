/* kvconf.h — the "Key=Value" configuration syntax shared by ntk-helper and ntkd ('#'/';' comments, blank
 * lines, one optional "[Section]" header). Must not: know any key; callers interpret them. */
#pragma once

#include "error.h"

/* Called for each Key=Value line with both sides stripped; returns 0 or a negative errno (then err names
 * the problem; kvconf prefixes it with the line number). */
typedef int (*KvconfHandler)(const char *key, char *value, void *userdata, NtkErr *err);

/* Parses text, accepting the section header `section` (e.g. "[Helper]") and no other. */
int kvconf_parse(const char *text, const char *section, KvconfHandler handler, void *userdata, NtkErr *err);
