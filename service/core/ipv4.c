/* ipv4.c — text forms of IPv4 addresses, CIDRs and MACs.
 * Must not: accept anything ambiguous (leading zeros, signs, spaces, set host bits). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ipv4.h"

char *ntk_ipv4_format(uint32_t ip, char buf[static NTK_IPV4_STRLEN])
{
        snprintf(buf, NTK_IPV4_STRLEN, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
        return buf;
}

char *ntk_cidr_format(NtkCidr c, char buf[static NTK_CIDR_STRLEN])
{
        char ip[NTK_IPV4_STRLEN];
        snprintf(buf, NTK_CIDR_STRLEN, "%s/%u", ntk_ipv4_format(c.addr, ip), (unsigned) c.prefix);
        return buf;
}

char *ntk_mac_format(const uint8_t mac[static 6], char buf[static NTK_MAC_STRLEN])
{
        snprintf(buf, NTK_MAC_STRLEN, "%02X:%02X:%02X:%02X:%02X:%02X", mac[0], mac[1], mac[2], mac[3], mac[4],
                mac[5]);
        return buf;
}

/* Parses a decimal number of 1..3 digits without leading zeros; returns the characters consumed or -1. */
static int parse_octet(const char *s, unsigned *ret)
{
        unsigned v = 0;
        int n = 0;

        while (s[n] >= '0' && s[n] <= '9') {
                if (n == 3)
                        return -1;
                v = v * 10 + (unsigned) (s[n] - '0');
                n++;
        }
        if (n == 0 || (n > 1 && s[0] == '0') || v > 255)
                return -1;
        *ret = v;
        return n;
}

static int parse_ipv4_prefix(const char *s, uint32_t *ret, const char **ret_end)
{
        uint32_t ip = 0;

        for (int i = 0; i < 4; i++) {
                unsigned o;
                int n = parse_octet(s, &o);
                if (n < 0)
                        return -EINVAL;
                s += n;
                if (i < 3) {
                        if (*s != '.')
                                return -EINVAL;
                        s++;
                }
                ip = (ip << 8) | o;
        }
        *ret = ip;
        *ret_end = s;
        return 0;
}

int ntk_ipv4_parse(const char *s, uint32_t *ret)
{
        const char *end;
        uint32_t ip;

        if (!s || parse_ipv4_prefix(s, &ip, &end) < 0 || *end != '\0')
                return -EINVAL;
        *ret = ip;
        return 0;
}

int ntk_cidr_parse(const char *s, bool allow_bare, NtkCidr *ret)
{
        const char *end;
        uint32_t ip;
        unsigned p = 0;

        if (!s || parse_ipv4_prefix(s, &ip, &end) < 0)
                return -EINVAL;
        if (*end == '\0') {
                if (!allow_bare)
                        return -EINVAL;
                p = 32;
        } else {
                int n;
                if (*end != '/')
                        return -EINVAL;
                end++;
                n = 0;
                while (end[n] >= '0' && end[n] <= '9' && n < 3) {
                        p = p * 10 + (unsigned) (end[n] - '0');
                        n++;
                }
                if (n == 0 || end[n] != '\0' || (n > 1 && end[0] == '0') || p > 32)
                        return -EINVAL;
        }
        if ((ip & ~ntk_prefix_mask(p)) != 0)
                return -EINVAL;
        *ret = (NtkCidr){ .addr = ip, .prefix = (uint8_t) p };
        return 0;
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int ntk_mac_parse(const char *s, uint8_t ret[static 6])
{
        uint8_t mac[6];

        if (!s)
                return -EINVAL;
        for (int i = 0; i < 6; i++) {
                int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);
                if (hi < 0 || lo < 0)
                        return -EINVAL;
                mac[i] = (uint8_t) (hi << 4 | lo);
                s += 2;
                if (i < 5) {
                        if (*s != ':')
                                return -EINVAL;
                        s++;
                }
        }
        if (*s != '\0')
                return -EINVAL;
        memcpy(ret, mac, 6);
        return 0;
}
