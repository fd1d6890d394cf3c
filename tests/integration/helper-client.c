/* helper-client.c — a test and benchmark client of org.netsukuku.Helper1: Apply with ops read from stdin
 * (any batch size), and OpenSocket with a report of what the fd really is. Must not: be used by ntkd. */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#define DEST "org.netsukuku.Helper1", "/org/netsukuku/Helper1", "org.netsukuku.Helper1"

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int read_lines(char ***ret, size_t *ret_n)
{
        char **v = NULL, *line = NULL;
        size_t n = 0, cap = 0, len = 0;
        ssize_t k;

        while ((k = getline(&line, &len, stdin)) >= 0) {
                if (k > 0 && line[k - 1] == '\n')
                        line[k - 1] = '\0';
                if (n + 2 > cap) {
                        cap = cap ? cap * 2 : 1024;
                        v = realloc(v, cap * sizeof(char *));
                        if (!v)
                                return -ENOMEM;
                }
                v[n++] = strdup(line);
        }
        free(line);
        if (!v)
                v = calloc(1, sizeof(char *));
        v[n] = NULL;
        *ret = v;
        *ret_n = n;
        return 0;
}

/* helper-client apply NETNS [--summary] < ops: prints {"results": [...] | "failed": N, "message": s,
 * "error": null | "Name: message", "seconds": t} */
static int cmd_apply(sd_bus *bus, const char *netns, bool summary)
{
        sd_bus_message *m = NULL, *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        char **lines;
        size_t n;
        const int32_t *results = NULL;
        size_t size = 0;
        const char *msg = "";
        json_t *out = json_object();
        double t0;
        int r;

        if (read_lines(&lines, &n) < 0)
                return 1;
        r = sd_bus_message_new_method_call(bus, &m, DEST, "Apply");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", netns);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, lines);
        if (r < 0) {
                fprintf(stderr, "helper-client: cannot build the message: %s\n", strerror(-r));
                return 1;
        }
        t0 = now();
        r = sd_bus_call(bus, m, 600 * 1000000ULL, &error, &reply);
        json_object_set_new(out, "seconds", json_real(now() - t0));
        if (r < 0) {
                json_object_set_new(out, "error", json_sprintf("%s: %s", error.name ? error.name : "?",
                                                          error.message ? error.message : strerror(-r)));
        } else {
                r = sd_bus_message_read_array(reply, 'i', (const void **) &results, &size);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "s", &msg);
                if (r < 0) {
                        fprintf(stderr, "helper-client: bad reply: %s\n", strerror(-r));
                        return 1;
                }
                json_object_set_new(out, "error", json_null());
                json_object_set_new(out, "message", json_string(msg));
                if (summary) {
                        size_t failed = 0;
                        for (size_t i = 0; i < size / sizeof(int32_t); i++)
                                failed += results[i] != 0;
                        json_object_set_new(out, "count", json_integer((json_int_t) (size / sizeof(int32_t))));
                        json_object_set_new(out, "failed", json_integer((json_int_t) failed));
                } else {
                        json_t *a = json_array();
                        for (size_t i = 0; i < size / sizeof(int32_t); i++)
                                json_array_append_new(a, json_integer(results[i]));
                        json_object_set_new(out, "results", a);
                }
        }
        json_dumpf(out, stdout, JSON_COMPACT);
        putchar('\n');
        return 0;
}

/* helper-client open-socket NETNS DEV PROTO PORT: prints what the returned fd is. */
static int cmd_open_socket(sd_bus *bus, const char *netns, const char *dev, const char *proto, const char *port)
{
        sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        json_t *out = json_object();
        struct sockaddr_in sa;
        socklen_t sl = sizeof sa;
        char bound[IFNAMSIZ + 1] = "";
        socklen_t bl = sizeof bound;
        int fd, type = 0, listening = 0, nsfd;
        socklen_t tl = sizeof type, ll = sizeof listening;
        struct stat st;
        int r;

        r = sd_bus_call_method(bus, DEST, "OpenSocket", &error, &reply, "sssq", netns, dev, proto,
                (uint16_t) atoi(port));
        if (r < 0) {
                json_object_set_new(out, "error", json_sprintf("%s: %s", error.name, error.message));
                goto print;
        }
        r = sd_bus_message_read(reply, "h", &fd);
        if (r < 0)
                return 1;
        json_object_set_new(out, "error", json_null());
        if (getsockname(fd, (struct sockaddr *) &sa, &sl) == 0)
                json_object_set_new(out, "port", json_integer(ntohs(sa.sin_port)));
        if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, bound, &bl) == 0)
                json_object_set_new(out, "device", json_string(bound));
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0)
                json_object_set_new(out, "type", json_string(type == SOCK_DGRAM ? "udp" : "tcp"));
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ll) == 0)
                json_object_set_new(out, "listening", json_boolean(listening));
        nsfd = ioctl(fd, SIOCGSKNS);
        if (nsfd >= 0 && fstat(nsfd, &st) == 0)
                json_object_set_new(out, "netns_inode", json_integer((json_int_t) st.st_ino));
print:
        json_dumpf(out, stdout, JSON_COMPACT);
        putchar('\n');
        return 0;
}

int main(int argc, char **argv)
{
        sd_bus *bus = NULL;
        int r;

        if (argc < 3) {
                fprintf(stderr, "usage: helper-client apply NETNS [--summary] < OPS\n"
                                "       helper-client open-socket NETNS DEV PROTO PORT\n");
                return 2;
        }
        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "helper-client: no system bus: %s\n", strerror(-r));
                return 1;
        }
        if (strcmp(argv[1], "apply") == 0)
                return cmd_apply(bus, argv[2], argc > 3 && strcmp(argv[3], "--summary") == 0);
        if (strcmp(argv[1], "open-socket") == 0 && argc == 6)
                return cmd_open_socket(bus, argv[2], argv[3], argv[4], argv[5]);
        fprintf(stderr, "helper-client: bad arguments\n");
        return 2;
}
