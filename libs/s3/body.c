/*
 * body.c: reading a byte range across iovecs.
 */
#include "body.h"

#include <string.h>

/* Finds the iovec holding absolute offset off; sets *inside. */
static size_t locate(const struct iovec *iov, size_t niov, uint64_t off, uint64_t *inside)
{
    size_t i = 0;
    while (i < niov && off >= iov[i].iov_len) {
        off -= iov[i].iov_len;
        i++;
    }
    *inside = off;
    return i;
}

void s3_body_init(s3_body *b, const struct iovec *iov, size_t niov, uint64_t start, uint64_t len)
{
    b->iov = iov;
    b->niov = niov;
    b->start = start;
    b->len = len;
    b->pos = 0;
    b->cur = locate(iov, niov, start, &b->cur_off);
}

size_t s3_body_read(s3_body *b, void *dst, size_t n)
{
    size_t done = 0;
    if (n > b->len - b->pos)
        n = (size_t)(b->len - b->pos);
    while (done < n && b->cur < b->niov) {
        const struct iovec *v = &b->iov[b->cur];
        size_t take = (size_t)(v->iov_len - b->cur_off);
        if (take > n - done)
            take = n - done;
        memcpy((char *)dst + done, (const char *)v->iov_base + b->cur_off, take);
        done += take;
        b->cur_off += take;
        if (b->cur_off == v->iov_len) {
            b->cur++;
            b->cur_off = 0;
        }
    }
    b->pos += done;
    return done;
}

int s3_body_seek(s3_body *b, uint64_t pos)
{
    if (pos > b->len)
        return -1;
    b->pos = pos;
    b->cur = locate(b->iov, b->niov, b->start + pos, &b->cur_off);
    return 0;
}

size_t s3_iov_slice(const struct iovec *iov, size_t niov, uint64_t start, uint64_t len,
                    struct iovec *out, size_t max)
{
    uint64_t inside;
    size_t n = 0;
    for (size_t i = locate(iov, niov, start, &inside); len > 0 && i < niov; i++, inside = 0) {
        uint64_t take = iov[i].iov_len - inside;
        if (take > len)
            take = len;
        if (take == 0)
            continue;
        if (n == max)
            return (size_t)-1;
        out[n++] = (struct iovec){(char *)iov[i].iov_base + inside, (size_t)take};
        len -= take;
    }
    return n;
}
