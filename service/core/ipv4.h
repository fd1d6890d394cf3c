/* ipv4.h — IPv4 addresses, CIDRs and MAC addresses as values: parse, format, contain, overlap.
 * Must not: know anything of Netsukuku (that is ipmap.h) or touch sockets. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NTK_IPV4_STRLEN 16 /* "255.255.255.255" + NUL */
#define NTK_CIDR_STRLEN 28 /* "255.255.255.255/32" + NUL, with room the compiler can prove */
#define NTK_MAC_STRLEN 18  /* "00:16:3E:5B:78:D5" + NUL */

/* addr is in host byte order: 10.0.0.26 is 0x0a00001a. */
typedef struct NtkCidr {
        uint32_t addr;
        uint8_t prefix; /* 0..32 */
} NtkCidr;

static inline uint32_t ntk_prefix_mask(unsigned prefix)
{
        return prefix == 0 ? 0 : (uint32_t) (0xffffffffu << (32 - prefix));
}

/* The first address of c (c.addr with the host bits cleared). */
static inline uint32_t ntk_cidr_first(NtkCidr c)
{
        return c.addr & ntk_prefix_mask(c.prefix);
}

static inline uint32_t ntk_cidr_last(NtkCidr c)
{
        return ntk_cidr_first(c) | ~ntk_prefix_mask(c.prefix);
}

static inline bool ntk_cidr_contains(NtkCidr c, uint32_t ip)
{
        return (ip & ntk_prefix_mask(c.prefix)) == ntk_cidr_first(c);
}

static inline bool ntk_cidr_overlap(NtkCidr a, NtkCidr b)
{
        unsigned p = a.prefix < b.prefix ? a.prefix : b.prefix;
        return ((a.addr ^ b.addr) & ntk_prefix_mask(p)) == 0;
}

static inline bool ntk_cidr_equal(NtkCidr a, NtkCidr b)
{
        return a.prefix == b.prefix && ntk_cidr_first(a) == ntk_cidr_first(b);
}

/* Formatters write into a buffer of at least the *_STRLEN size and return it. */
char *ntk_ipv4_format(uint32_t ip, char buf[static NTK_IPV4_STRLEN]);
char *ntk_cidr_format(NtkCidr c, char buf[static NTK_CIDR_STRLEN]);
char *ntk_mac_format(const uint8_t mac[static 6], char buf[static NTK_MAC_STRLEN]);

/* Strict dotted quad, no leading zeros, no spaces: returns 0 or -EINVAL. */
int ntk_ipv4_parse(const char *s, uint32_t *ret);
/* "A.B.C.D/P" or, with allow_bare, "A.B.C.D" meaning /32. Host bits must be clear. 0 or -EINVAL. */
int ntk_cidr_parse(const char *s, bool allow_bare, NtkCidr *ret);
/* Six hex pairs separated by ':', either case. 0 or -EINVAL. */
int ntk_mac_parse(const char *s, uint8_t ret[static 6]);
