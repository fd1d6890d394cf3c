/* ntkctl.h — the verbs of ntkctl and the exit codes they share (0 ok, 1 failure, 2 usage).
 * Must not: hold state; each verb parses its own arguments. */
#pragma once

#include "util.h"

enum {
        NTKCTL_EXIT_OK = 0,
        NTKCTL_EXIT_FAILURE = 1,
        NTKCTL_EXIT_USAGE = 2,
};

/* argv[0] is the verb name. Returns an exit code. */
int verb_calc(int argc, char **argv);
int verb_interfaces(int argc, char **argv);
int verb_arcs(int argc, char **argv);
int verb_arc(int argc, char **argv);
int verb_identities(int argc, char **argv);
int verb_identity_arcs(int argc, char **argv);
int verb_identity(int argc, char **argv);
