/*
 * s3xml.c: one element's text out of an S3 XML answer.
 */
#include "s3xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decodes the entity at p[0..n) (p[0] is '&'); returns its byte (or '?')
 * and sets *used to the bytes consumed. */
static char entity(const char *p, size_t n, size_t *used)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
        size_t l = strlen(named[i].name);
        if (n >= l && memcmp(p, named[i].name, l) == 0) {
            *used = l;
            return named[i].c;
        }
    }
    const char *semi = n > 2 && p[1] == '#' ? memchr(p, ';', n < 12 ? n : 12) : NULL;
    if (semi) {
        char digits[12] = {0};
        memcpy(digits, p + 2, (size_t)(semi - p - 2));
        long v = digits[0] == 'x' ? strtol(digits + 1, NULL, 16) : strtol(digits, NULL, 10);
        *used = (size_t)(semi - p) + 1;
        return v >= 0x20 && v < 0x7f ? (char)v : '?';
    }
    *used = 1;
    return '&';
}

int s3_xml_text(const char *body, size_t len, const char *name, char *out, size_t size)
{
    char open[80], close[81];
    int on = snprintf(open, sizeof(open), "<%s>", name);
    int cn = snprintf(close, sizeof(close), "</%s>", name);
    if (on < 0 || (size_t)on >= sizeof(open) || cn < 0 || (size_t)cn >= sizeof(close) || !body)
        return -1;
    const char *start = memmem(body, len, open, (size_t)on);
    if (!start)
        return -1;
    start += on;
    const char *end = memmem(start, len - (size_t)(start - body), close, (size_t)cn);
    if (!end)
        return -1;
    size_t w = 0;
    for (const char *p = start; p < end && w + 1 < size;) {
        size_t used = 1;
        char c = *p == '&' ? entity(p, (size_t)(end - p), &used) : *p;
        out[w++] = c == '\n' || c == '\r' || c == '\t' ? ' ' : c >= 0x20 && c < 0x7f ? c : '?';
        p += used;
    }
    out[w] = 0;
    return (int)w;
}
