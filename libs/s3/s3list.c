/*
 * s3list.c: reading ListObjectsV2 pages.
 */
#include "s3list.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rfc3339.h"

/* The text between <name> and </name> in [p, end), raw; false if absent. */
static bool element(const char *p, const char *end, const char *name, const char **text,
                    size_t *len)
{
    char open[48], close[49];
    size_t n = strlen(name);
    if (n + 3 > sizeof(open))
        return false;
    snprintf(open, sizeof(open), "<%s>", name);
    snprintf(close, sizeof(close), "</%s>", name);
    const char *s = memmem(p, (size_t)(end - p), open, n + 2);
    if (!s)
        return false;
    s += n + 2;
    const char *e = memmem(s, (size_t)(end - s), close, n + 3);
    if (!e)
        return false;
    *text = s;
    *len = (size_t)(e - s);
    return true;
}

/* UTF-8 of code point cp into out (4 bytes room); returns bytes written. */
static size_t utf8_put(unsigned long cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decodes one entity at p (p[0] == '&') into out; returns bytes of input
 * used (1 when it is not an entity: the '&' is kept). */
static size_t entity(const char *p, const char *end, char *out, size_t *wrote)
{
    static const char *const names[] = {"amp;", "lt;", "gt;", "quot;", "apos;"};
    static const char chars[] = "&<>\"'";
    for (size_t i = 0; i < 5; i++) {
        size_t n = strlen(names[i]);
        if ((size_t)(end - p) > n && memcmp(p + 1, names[i], n) == 0) {
            *out = chars[i];
            *wrote = 1;
            return n + 1;
        }
    }
    const char *semi = (size_t)(end - p) > 3 && p[1] == '#' ? memchr(p, ';', (size_t)(end - p))
                                                            : NULL;
    if (semi && semi - p <= 12) {
        char num[12] = {0};
        memcpy(num, p + 2, (size_t)(semi - p - 2));
        char *stop;
        unsigned long cp = num[0] == 'x' ? strtoul(num + 1, &stop, 16) : strtoul(num, &stop, 10);
        if (*stop == 0 && cp > 0 && cp <= 0x10ffff) {
            *wrote = utf8_put(cp, out);
            return (size_t)(semi - p) + 1;
        }
    }
    *out = '&';
    *wrote = 1;
    return 1;
}

/* Decoded text into out (size bytes); false if it does not fit. */
static bool decode_text(const char *p, size_t len, char *out, size_t size)
{
    const char *end = p + len;
    size_t w = 0;
    while (p < end) {
        char tmp[4];
        size_t wrote = 1, used = 1;
        if (*p == '&')
            used = entity(p, end, tmp, &wrote);
        else
            tmp[0] = *p;
        if (w + wrote >= size)
            return false;
        memcpy(out + w, tmp, wrote);
        w += wrote;
        p += used;
    }
    out[w] = 0;
    return true;
}

static void read_entry(const char *p, const char *end, s3_list_entry *e, bool *ok)
{
    const char *t;
    size_t n;
    char buf[64];
    *ok = element(p, end, "Key", &t, &n) && decode_text(t, n, e->key, sizeof(e->key));
    e->modified_ns = 0;
    e->size = 0;
    if (element(p, end, "LastModified", &t, &n) && n < sizeof(buf)) {
        memcpy(buf, t, n);
        buf[n] = 0;
        if (s3_parse_rfc3339(buf, &e->modified_ns) != 0)
            e->modified_ns = 0;
    }
    if (element(p, end, "Size", &t, &n) && n < sizeof(buf)) {
        memcpy(buf, t, n);
        buf[n] = 0;
        e->size = strtoull(buf, NULL, 10);
    }
}

static int add_entries(const char *p, const char *end, s3_list_page *out)
{
    size_t cap = 0;
    const char *t;
    size_t n;
    while (element(p, end, "Contents", &t, &n)) {
        if (out->n == cap) {
            size_t ncap = cap ? 2 * cap : 64;
            s3_list_entry *items = realloc(out->items, ncap * sizeof(*items));
            if (!items)
                return -ENOMEM;
            out->items = items;
            cap = ncap;
        }
        bool ok;
        read_entry(t, t + n, &out->items[out->n], &ok);
        out->n += ok;
        p = t + n;
    }
    return 0;
}

int s3_list_parse(const char *xml, size_t len, s3_list_page *out)
{
    const char *t;
    size_t n;
    memset(out, 0, sizeof(*out));
    if (!xml || !memmem(xml, len, "<ListBucketResult", 17))
        return -EBADMSG;
    const char *end = xml + len;
    int rc = add_entries(xml, end, out);
    if (rc != 0) {
        s3_list_page_free(out);
        return rc;
    }
    out->truncated = element(xml, end, "IsTruncated", &t, &n) && n == 4 &&
                     memcmp(t, "true", 4) == 0;
    if (element(xml, end, "NextContinuationToken", &t, &n) &&
        !decode_text(t, n, out->next_token, sizeof(out->next_token)))
        out->next_token[0] = 0;
    return 0;
}

void s3_list_page_free(s3_list_page *p)
{
    free(p->items);
    p->items = NULL;
    p->n = 0;
}
