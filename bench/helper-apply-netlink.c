/* helper-apply-netlink.c — the raw-netlink baseline of bench/helper-apply: N route adds or changes in one
 * table, many RTM_NEWROUTE per sendmsg, every one acked. Must not: be used by ntk itself (no confinement). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define ROUTE_PROTOCOL 15       /* "ntk", as the helper writes */
#define SOCKBUF (8 * 1024 * 1024) /* both directions; SO_*BUFFORCE as root */
#define MAX_WINDOW 4096
#define REQ_MAX 128 /* every request we build is smaller */

typedef struct Dst {
        uint32_t addr; /* network order */
        uint8_t prefix;
} Dst;

typedef struct Options {
        const char *file;
        unsigned long n;
        uint32_t table;
        bool change;
        uint32_t via; /* network order */
        const char *dev;
        unsigned window;
} Options;

static double now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* The i-th /30 of 10.0.0.0/8: the destinations bench/helper-apply generates. */
static Dst generated(unsigned long i)
{
        return (Dst){ .addr = htonl((10u << 24) + (uint32_t) i * 4), .prefix = 30 };
}

/* Reads one "A.B.C.D/P" per line. 0 or -errno; *ret_n lines in *ret. */
static int read_dsts(const char *path, Dst **ret, unsigned long *ret_n)
{
        FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
        char *line = NULL, *slash;
        size_t len = 0, cap = 0;
        unsigned long n = 0;
        Dst *v = NULL;
        ssize_t k;

        if (!f)
                return -errno;
        while ((k = getline(&line, &len, f)) >= 0) {
                struct in_addr a;
                long p;

                if (k > 0 && line[k - 1] == '\n')
                        line[k - 1] = '\0';
                if (line[0] == '\0')
                        continue;
                slash = strchr(line, '/');
                if (!slash)
                        goto bad;
                *slash = '\0';
                p = strtol(slash + 1, NULL, 10);
                if (inet_pton(AF_INET, line, &a) != 1 || p < 0 || p > 32)
                        goto bad;
                if (n == cap) {
                        Dst *w;
                        cap = cap ? cap * 2 : 4096;
                        w = realloc(v, cap * sizeof(Dst));
                        if (!w)
                                goto nomem;
                        v = w;
                }
                v[n++] = (Dst){ .addr = a.s_addr, .prefix = (uint8_t) p };
        }
        free(line);
        if (f != stdin)
                fclose(f);
        *ret = v;
        *ret_n = n;
        return 0;
bad:
        fprintf(stderr, "helper-apply-netlink: %s: bad destination '%s'\n", path, line);
        free(line);
        free(v);
        if (f != stdin)
                fclose(f);
        return -EINVAL;
nomem:
        free(line);
        free(v);
        if (f != stdin)
                fclose(f);
        return -ENOMEM;
}

static void put_attr(struct nlmsghdr *h, uint16_t type, const void *data, uint16_t len)
{
        struct rtattr *rta = (struct rtattr *) ((uint8_t *) h + NLMSG_ALIGN(h->nlmsg_len));

        rta->rta_type = type;
        rta->rta_len = RTA_LENGTH(len);
        memcpy(RTA_DATA(rta), data, len);
        h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Builds the request for one destination at buf; returns its aligned length. */
static size_t build(uint8_t *buf, const Options *o, int ifindex, Dst d, uint32_t seq)
{
        struct nlmsghdr *h = (struct nlmsghdr *) buf;
        struct rtmsg *rtm;

        memset(buf, 0, REQ_MAX);
        h->nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
        h->nlmsg_type = RTM_NEWROUTE;
        h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (o->change ? NLM_F_REPLACE : NLM_F_CREATE | NLM_F_EXCL);
        h->nlmsg_seq = seq;
        rtm = NLMSG_DATA(h);
        rtm->rtm_family = AF_INET;
        rtm->rtm_dst_len = d.prefix;
        rtm->rtm_table = o->table < 256 ? (uint8_t) o->table : RT_TABLE_UNSPEC;
        rtm->rtm_protocol = ROUTE_PROTOCOL;
        rtm->rtm_scope = RT_SCOPE_UNIVERSE;
        rtm->rtm_type = o->change ? RTN_UNICAST : RTN_UNREACHABLE;
        put_attr(h, RTA_TABLE, &o->table, sizeof(uint32_t));
        put_attr(h, RTA_DST, &d.addr, sizeof(uint32_t));
        if (o->change) {
                uint32_t oif = (uint32_t) ifindex;
                put_attr(h, RTA_GATEWAY, &o->via, sizeof(uint32_t));
                put_attr(h, RTA_OIF, &oif, sizeof(uint32_t));
        }
        return NLMSG_ALIGN(h->nlmsg_len);
}

static int open_socket(void)
{
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
        int fd, size = SOCKBUF, one = 1;

        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0)
                return -errno;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
                (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
        if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
                (void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
        (void) setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)); /* acks without our request */
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

/* Sends dsts[0..n) in windows of o->window requests per sendmsg, each window fully acked before the next.
 * Counts failed requests in *ret_failed and reports the first error. 0, or -errno when the socket failed. */
static int run(int fd, const Options *o, int ifindex, const Dst *dsts, unsigned long n, unsigned long *ret_failed)
{
        size_t bufsize = (size_t) o->window * REQ_MAX;
        uint8_t *sendbuf = malloc(bufsize), *recvbuf = malloc(SOCKBUF);
        unsigned long failed = 0;
        uint32_t seq = 1;
        int r = 0;

        if (!sendbuf || !recvbuf) {
                r = -ENOMEM;
                goto out;
        }
        for (unsigned long i = 0; i < n && r == 0;) {
                unsigned long k = n - i < o->window ? n - i : o->window, acked = 0;
                uint32_t first = seq;
                size_t len = 0;

                for (unsigned long j = 0; j < k; j++)
                        len += build(sendbuf + len, o, ifindex, dsts[i + j], seq++);
                if (send(fd, sendbuf, len, 0) != (ssize_t) len) {
                        r = errno ? -errno : -EIO;
                        break;
                }
                while (acked < k) {
                        ssize_t got = recv(fd, recvbuf, SOCKBUF, 0);
                        if (got < 0) {
                                if (errno == EINTR)
                                        continue;
                                r = -errno;
                                break;
                        }
                        for (struct nlmsghdr *h = (struct nlmsghdr *) recvbuf; NLMSG_OK(h, got);
                             h = NLMSG_NEXT(h, got)) {
                                const struct nlmsgerr *e = NLMSG_DATA(h);

                                if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq - first >= k)
                                        continue;
                                acked++;
                                if (e->error < 0) {
                                        char b[INET_ADDRSTRLEN];
                                        Dst d = dsts[i + (h->nlmsg_seq - first)];
                                        if (failed++ == 0)
                                                fprintf(stderr, "helper-apply-netlink: %s/%u: %s\n",
                                                        inet_ntop(AF_INET, &d.addr, b, sizeof b), d.prefix,
                                                        strerror(-e->error));
                                }
                        }
                }
                i += k;
        }
out:
        free(sendbuf);
        free(recvbuf);
        *ret_failed = failed;
        return r;
}

static void usage(FILE *f)
{
        fprintf(f, "usage: helper-apply-netlink --table ID (--file FILE | --n N) [--change --via GW --dev DEV]\n"
                   "                            [--window W]\n"
                   "Adds (NLM_F_CREATE|NLM_F_EXCL, unreachable) or changes (NLM_F_REPLACE, via GW dev DEV) one IPv4\n"
                   "route per destination of FILE (\"A.B.C.D/P\" per line, - = stdin) or of the first N /30s of\n"
                   "10.0.0.0/8, W requests per sendmsg (default 1024), each acked. Prints {\"count\", \"failed\",\n"
                   "\"seconds\"} as JSON; exit 0 if all succeeded, 1 otherwise, 2 on bad usage.\n");
}

int main(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "table", required_argument, NULL, 't' }, { "file", required_argument, NULL, 'f' },
                { "n", required_argument, NULL, 'n' },     { "change", no_argument, NULL, 'c' },
                { "via", required_argument, NULL, 'v' },   { "dev", required_argument, NULL, 'd' },
                { "window", required_argument, NULL, 'w' }, { "help", no_argument, NULL, 'h' },
                {}
        };
        Options o = { .window = 1024 };
        unsigned long n = 0, failed = 0;
        Dst *dsts = NULL;
        int c, fd, ifindex = 0, r;
        double t0, t;

        while ((c = getopt_long(argc, argv, "", longopts, NULL)) >= 0) {
                switch (c) {
                case 't': o.table = (uint32_t) strtoul(optarg, NULL, 10); break;
                case 'f': o.file = optarg; break;
                case 'n': o.n = strtoul(optarg, NULL, 10); break;
                case 'c': o.change = true; break;
                case 'v':
                        if (inet_pton(AF_INET, optarg, &o.via) != 1) {
                                fprintf(stderr, "helper-apply-netlink: bad gateway '%s'\n", optarg);
                                return 2;
                        }
                        break;
                case 'd': o.dev = optarg; break;
                case 'w': o.window = (unsigned) strtoul(optarg, NULL, 10); break;
                case 'h': usage(stdout); return 0;
                default: usage(stderr); return 2;
                }
        }
        if (optind != argc || o.table == 0 || !!o.file == (o.n > 0) || o.window == 0 || o.window > MAX_WINDOW ||
            (o.change && (!o.via || !o.dev))) {
                usage(stderr);
                return 2;
        }

        t0 = now();
        if (o.file) {
                r = read_dsts(o.file, &dsts, &n);
                if (r < 0) {
                        fprintf(stderr, "helper-apply-netlink: cannot read %s: %s\n", o.file, strerror(-r));
                        return 1;
                }
        } else {
                n = o.n;
                dsts = malloc(n * sizeof(Dst));
                if (!dsts)
                        return 1;
                for (unsigned long i = 0; i < n; i++)
                        dsts[i] = generated(i);
        }
        if (o.change) {
                ifindex = (int) if_nametoindex(o.dev);
                if (ifindex == 0) {
                        fprintf(stderr, "helper-apply-netlink: no device %s: %m\n", o.dev);
                        return 1;
                }
        }
        fd = open_socket();
        if (fd < 0) {
                fprintf(stderr, "helper-apply-netlink: netlink socket: %s\n", strerror(-fd));
                return 1;
        }
        r = run(fd, &o, ifindex, dsts, n, &failed);
        t = now() - t0;
        close(fd);
        free(dsts);
        if (r < 0) {
                fprintf(stderr, "helper-apply-netlink: netlink: %s\n", strerror(-r));
                return 1;
        }
        printf("{\"count\":%lu,\"failed\":%lu,\"seconds\":%.6f}\n", n, failed, t);
        return failed ? 1 : 0;
}
