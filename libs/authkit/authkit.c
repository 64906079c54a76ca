/*
 * authkit.c: constant-time comparison, header lookup, base64, whole-file
 * reads.
 */
#include "authkit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

bool ak_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    if (alen != blen)
        return false;
    return alen == 0 || CRYPTO_memcmp(a, b, alen) == 0;
}

const char *ak_header(const char *const *headers, const char *name)
{
    for (size_t i = 0; headers && headers[i] && headers[i + 1]; i += 2)
        if (strcasecmp(headers[i], name) == 0)
            return headers[i + 1];
    return NULL;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t ak_b64_encode(const void *in, size_t n, char *out, size_t cap)
{
    const uint8_t *p = in;
    size_t len = (n + 2) / 3 * 4, o = 0;
    if (len >= cap)
        return 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    out[o] = 0;
    return o;
}

static int b64_value(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

/* One group of four characters (pad of them '='); -1 when malformed. */
static int decode_group(const char *in, int pad, uint8_t out[3])
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int d = i >= 4 - pad ? 0 : b64_value(in[i]);
        if (d < 0 || (i < 4 - pad && in[i] == '='))
            return -1;
        v = v << 6 | (uint32_t)d;
    }
    out[0] = (uint8_t)(v >> 16);
    out[1] = (uint8_t)(v >> 8);
    out[2] = (uint8_t)v;
    return 3 - pad;
}

long ak_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
    size_t o = 0;
    if (n % 4)
        return -1;
    for (size_t i = 0; i < n; i += 4) {
        bool last = i + 4 == n;
        int pad = last ? (in[i + 3] == '=') + (in[i + 3] == '=' && in[i + 2] == '=') : 0;
        uint8_t g[3];
        int got = decode_group(in + i, pad, g);
        if (got < 0 || o + (size_t)got > cap)
            return -1;
        memcpy(out + o, g, (size_t)got);
        o += (size_t)got;
    }
    return (long)o;
}

void ak_trim(const char **s, size_t *n)
{
    while (*n && strchr(" \t\r\n", (*s)[0])) {
        (*s)++;
        (*n)--;
    }
    while (*n && strchr(" \t\r\n", (*s)[*n - 1]))
        (*n)--;
}

static int read_all(int fd, char *buf, size_t max, size_t *len)
{
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fd, buf + got, max + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            break;
        got += (size_t)r;
        if (got > max)
            return -EFBIG;
    }
    buf[got] = 0;
    *len = got;
    return 0;
}

int ak_read_file(const char *path, size_t max, char **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    char *buf = malloc(max + 2);
    int rc = buf ? read_all(fd, buf, max, len) : -ENOMEM;
    close(fd);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    return 0;
}
