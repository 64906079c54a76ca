/*
 * cache.c: payloads kept between a RETRY and the host's next offer of the
 * same batch. The payload holds a reference to its batch, so the batch
 * (and its address, the lookup key) stays alive while cached. The cache
 * holds a few entries per consumer; the oldest goes first.
 */
#include <stdlib.h>
#include <string.h>

#include "awss3.h"

s3_payload *awss3_cache_take(awss3 *x, const otelc_batch *b)
{
    s3_payload *found = NULL;
    pthread_mutex_lock(&x->mu);
    for (size_t i = 0; i < x->ncache; i++) {
        if (x->cache[i]->batch == b) {
            found = x->cache[i];
            memmove(&x->cache[i], &x->cache[i + 1], (x->ncache - i - 1) * sizeof(s3_payload *));
            x->ncache--;
            break;
        }
    }
    pthread_mutex_unlock(&x->mu);
    return found;
}

void awss3_cache_put(awss3 *x, s3_payload *p)
{
    s3_payload *evicted = NULL;
    pthread_mutex_lock(&x->mu);
    if (x->cache_cap == 0) {
        evicted = p;
    } else {
        if (x->ncache == x->cache_cap) {
            evicted = x->cache[0];
            memmove(&x->cache[0], &x->cache[1], (x->ncache - 1) * sizeof(s3_payload *));
            x->ncache--;
        }
        x->cache[x->ncache++] = p;
    }
    pthread_mutex_unlock(&x->mu);
    s3_payload_free(evicted); /* outside the lock: it drops a batch */
}

void awss3_cache_clear(awss3 *x)
{
    pthread_mutex_lock(&x->mu);
    size_t n = x->ncache;
    s3_payload **items = x->cache;
    x->ncache = 0;
    pthread_mutex_unlock(&x->mu);
    for (size_t i = 0; i < n; i++)
        s3_payload_free(items[i]);
}
