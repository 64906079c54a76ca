/*
 * multipart.c: part planning and the completion body.
 */
#include "multipart.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB (1ull << 20)

s3_plan s3_plan_parts(uint64_t total, uint64_t part_size)
{
    s3_plan p = {part_size ? part_size : MIB, 1};
    if (total <= p.part_size)
        return p;
    uint64_t n = (total + p.part_size - 1) / p.part_size;
    if (n > S3_MAX_PARTS) {
        uint64_t need = (total + S3_MAX_PARTS - 1) / S3_MAX_PARTS;
        p.part_size = (need + MIB - 1) / MIB * MIB;
        n = (total + p.part_size - 1) / p.part_size;
    }
    p.nparts = (uint32_t)n;
    return p;
}

void s3_plan_range(const s3_plan *p, uint64_t total, uint32_t i, uint64_t *off, uint64_t *len)
{
    uint64_t start = (uint64_t)i * p->part_size;
    if (p->nparts <= 1 || start >= total) {
        *off = p->nparts <= 1 ? 0 : total;
        *len = p->nparts <= 1 ? total : 0;
        return;
    }
    *off = start;
    *len = total - start < p->part_size ? total - start : p->part_size;
}

/* Appends s XML-escaped (quotes are ETag syntax and stay as &quot;). */
static size_t put_escaped(char *out, const char *s)
{
    size_t w = 0;
    for (; *s; s++) {
        const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;"
                        : *s == '"' ? "&quot;" : NULL;
        if (!e) {
            out[w++] = *s;
            continue;
        }
        while (*e)
            out[w++] = *e++;
    }
    return w;
}

char *s3_complete_body(const char (*etags)[S3_ETAG_SIZE], uint32_t n, size_t *len)
{
    static const char head[] = "<CompleteMultipartUpload>";
    static const char tail[] = "</CompleteMultipartUpload>";
    /* Per part: tags (~50), a number (<= 5 digits), an ETag of at most
     * S3_ETAG_SIZE bytes growing up to 6x when escaped. */
    size_t cap = sizeof(head) + sizeof(tail) + (size_t)n * (64 + 6 * S3_ETAG_SIZE);
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t w = (size_t)sprintf(out, "%s", head);
    for (uint32_t i = 0; i < n; i++) {
        w += (size_t)sprintf(out + w, "<Part><PartNumber>%u</PartNumber><ETag>", i + 1);
        w += put_escaped(out + w, etags[i]);
        w += (size_t)sprintf(out + w, "</ETag></Part>");
    }
    w += (size_t)sprintf(out + w, "%s", tail);
    *len = w;
    return out;
}
