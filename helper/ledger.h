/* ledger.h — persistence of HelperState in /run/ntk-helper/ledger.json, so that a restarted helper still
 * knows (and may delete) what it created. Must not: interpret the state. */
#pragma once

#include "error.h"
#include "state.h"

#define LEDGER_PATH "/run/ntk-helper/ledger.json"

/* Loads path into *ret; a missing file is an empty state. Malformed content is an error naming it. */
int ledger_load(const char *path, HelperState *ret, NtkErr *err);
/* Writes s atomically (temporary file + rename), creating the directory (0700) if needed. */
int ledger_save(const char *path, const HelperState *s);
