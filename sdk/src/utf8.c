/*
 * utf8.c: strict UTF-8 validation.
 *
 * Most OTLP strings (keys, names, URLs) are ASCII and short, so the first
 * pass only asks "is it all ASCII?", sixteen bytes at a time with the tail
 * read as one overlapping word; only a string with a byte >= 0x80 goes
 * through the per-byte rules of Unicode Table 3-7.
 */
#include <otelc/sdk/utf8.h>

#include <stdint.h>
#include <string.h>

#define HIGH_BITS 0x8080808080808080ull

/* Length of the well-formed sequence starting at p[0] (non-ASCII), or 0. */
static size_t sequence_len(const uint8_t *p, size_t avail)
{
    uint8_t b0 = p[0];
    uint8_t lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    size_t n;

    if (b0 >= 0xc2 && b0 <= 0xdf) {
        n = 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
        n = 3;
        if (b0 == 0xe0)
            lo = 0xa0; /* overlong below U+0800 */
        else if (b0 == 0xed)
            hi = 0x9f; /* surrogates */
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
        n = 4;
        if (b0 == 0xf0)
            lo = 0x90; /* overlong below U+10000 */
        else if (b0 == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
    } else {
        return 0; /* continuation byte, C0/C1 overlong lead, or F5..FF */
    }
    if (avail < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

static uint64_t load64(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

/* True when p[0..len) is all ASCII. */
static bool all_ascii(const uint8_t *p, size_t len)
{
    if (len < 8) {
        uint8_t any = 0;
        for (size_t i = 0; i < len; i++)
            any |= p[i];
        return !(any & 0x80);
    }
    uint64_t any = load64(p + len - 8); /* the tail, overlapping what follows */
    for (size_t i = 0; i + 16 <= len; i += 16)
        any |= load64(p + i) | load64(p + i + 8);
    if (len & 8)
        any |= load64(p + (len & ~(size_t)15));
    return !(any & HIGH_BITS);
}

/* The full rules, for strings that are not all ASCII. */
static bool valid_from(const uint8_t *p, const uint8_t *end)
{
    while (p < end) {
        if ((size_t)(end - p) >= 8) {
            uint64_t word;
            memcpy(&word, p, sizeof word);
            if (!(word & HIGH_BITS)) {
                p += 8;
                continue;
            }
        }
        if (*p < 0x80) {
            p++;
            continue;
        }
        size_t n = sequence_len(p, (size_t)(end - p));
        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

bool otlp_utf8_valid(const void *s, size_t len)
{
    if (len == 0)
        return true; /* s may be NULL, and NULL + 0 is undefined */
    const uint8_t *p = s;
    return all_ascii(p, len) || valid_from(p, p + len);
}
