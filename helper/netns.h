/* netns.h — named network namespaces exactly as iproute2 makes them (a bind mount of the namespace under
 * /run/netns), and entering/leaving them. Must not: decide whose namespace it is (confine.h does). */
#pragma once

#include <stdint.h>

#include "state.h"

#define NETNS_RUN_DIR "/run/netns"

/* Creates NETNS_RUN_DIR/name holding a new network namespace; the caller stays where it was.
 * -EEXIST if the name is taken. Nothing is left behind on failure. */
int netns_create(const char *name);
/* Detaches and removes NETNS_RUN_DIR/name (the namespace dies with its last user). */
int netns_delete(const char *name);
/* An O_CLOEXEC fd of the namespace name, or of the calling thread's current one when name is "". A name
 * must be a real namespace file: symlinks are not followed and anything but nsfs is refused (-ENOTTY). */
int netns_open(const char *name);
/* The identity (nsfs st_dev, st_ino) of a namespace fd. */
int netns_identity(int fd, uint64_t *ret_dev, uint64_t *ret_ino);
/* netns_open of one of ours, refusing (-ESTALE) a namespace that is not the one recorded when we created it
 * (someone deleted ours and made another of the same name). */
int netns_open_ours(const HelperState *s, const char *name);
/* setns(fd, CLONE_NEWNET) for the calling thread. */
int netns_enter(int fd);
