/*
 * utf8.c: strict UTF-8 validation.
 *
 * Most OTLP strings (keys, names, URLs) are ASCII, so ASCII is checked eight
 * bytes at a time and only the rare multi-byte sequence goes through the
 * per-byte rules of Unicode Table 3-7.
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

bool otlp_utf8_valid(const void *s, size_t len)
{
    if (len == 0)
        return true; /* s may be NULL, and NULL + 0 is undefined */
    const uint8_t *p = s;
    const uint8_t *end = p + len;

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
