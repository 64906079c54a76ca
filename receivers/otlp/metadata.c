/*
 * metadata.c: request headers kept as sorted batch metadata.
 */
#include "metadata.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const transport_headers[] = {
    "content-type", "te", "grpc-encoding", "grpc-accept-encoding", "grpc-timeout", NULL,
};

int otlp_meta_wanted(const uint8_t *name, size_t nlen)
{
    if (nlen == 0 || name[0] == ':')
        return 0;
    for (const char *const *t = transport_headers; *t; t++)
        if (strlen(*t) == nlen && memcmp(*t, name, nlen) == 0)
            return 0;
    return 1;
}

static const char *const http_headers[] = {
    "content-type", "content-length", "content-encoding", "transfer-encoding", "host",
    "connection", "keep-alive", "proxy-connection", "upgrade", "http2-settings", "te",
    "trailer", "expect", NULL,
};

int otlp_meta_wanted_http(const uint8_t *name, size_t nlen)
{
    if (nlen == 0 || name[0] == ':')
        return 0;
    for (const char *const *t = http_headers; *t; t++)
        if (strlen(*t) == nlen && strncasecmp(*t, (const char *)name, nlen) == 0)
            return 0;
    return 1;
}

int otlp_meta_add(otlp_meta *m, const uint8_t *name, size_t nlen, const uint8_t *value,
                  size_t vlen)
{
    size_t need = nlen + vlen + 2;
    if (m->len + need > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 512;
        while (cap < m->len + need)
            cap *= 2;
        char *mem = realloc(m->mem, cap);
        if (!mem)
            return -1;
        m->mem = mem;
        m->cap = cap;
    }
    for (size_t i = 0; i < nlen; i++)
        m->mem[m->len + i] = (char)tolower(name[i]);
    m->mem[m->len + nlen] = '\0';
    memcpy(m->mem + m->len + nlen + 1, value, vlen);
    m->mem[m->len + need - 1] = '\0';
    m->len += need;
    m->n++;
    return 0;
}

int otlp_meta_pairs(otlp_meta *m, const otelc_kv **pairs, size_t *n)
{
    free(m->pairs);
    m->pairs = m->n ? malloc(m->n * sizeof(*m->pairs)) : NULL;
    if (m->n && !m->pairs)
        return -1;
    const char *p = m->mem;
    for (size_t i = 0; i < m->n; i++) {
        otelc_kv kv = {p, p + strlen(p) + 1};
        p = kv.value + strlen(kv.value) + 1;
        /* Insertion sort: a handful of headers, and it keeps equal keys
         * in arrival order. */
        size_t j = i;
        while (j > 0 && strcmp(m->pairs[j - 1].key, kv.key) > 0) {
            m->pairs[j] = m->pairs[j - 1];
            j--;
        }
        m->pairs[j] = kv;
    }
    *pairs = m->pairs;
    *n = m->n;
    return 0;
}

void otlp_meta_free(otlp_meta *m)
{
    free(m->mem);
    free(m->pairs);
    memset(m, 0, sizeof(*m));
}
