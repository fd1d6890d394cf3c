/* netns.h — named network namespaces exactly as iproute2 makes them (a bind mount of the namespace under
 * /run/netns), and entering/leaving them. Must not: decide whose namespace it is (confine.h does). */
#pragma once

#define NETNS_RUN_DIR "/run/netns"

/* Creates NETNS_RUN_DIR/name holding a new network namespace; the caller stays where it was.
 * -EEXIST if the name is taken. Nothing is left behind on failure. */
int netns_create(const char *name);
/* Detaches and removes NETNS_RUN_DIR/name (the namespace dies with its last user). */
int netns_delete(const char *name);
/* An O_CLOEXEC fd of the namespace name, or of the calling thread's current one when name is "". */
int netns_open(const char *name);
/* setns(fd, CLONE_NEWNET) for the calling thread. */
int netns_enter(int fd);
