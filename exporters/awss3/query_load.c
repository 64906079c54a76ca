/*
 * query_load.c: objects for queries (cache first, then the bucket, a few
 * GETs at a time) and whole traces out of them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "objdecode.h"
#include "query.h"
#include "tracebuild.h"

#define PARALLEL_GETS 8

/* Decodes a fetched object into the cache; NULL on failure (err says). */
static awss3_obj *admit(awss3_query *q, s3_fetch *f, char *err, size_t err_size)
{
    uint8_t *pb;
    size_t len;
    char why[256];
    int rc = awss3_object_decode(f->key, (uint8_t *)f->body, f->len, QUERY_MAX_DECODED, &pb,
                                 &len, why, sizeof(why));
    f->body = NULL; /* taken by the decoder */
    if (rc != 0) {
        snprintf(err, err_size, "object %s: %s", f->key, why);
        return NULL;
    }
    awss3_obj *o = awss3_objcache_put(q->cache, f->key, pb, len);
    if (!o)
        snprintf(err, err_size, "out of memory");
    return o;
}

/* Fetches keys[0..n) (n <= PARALLEL_GETS) into objs; 0 or -1. */
static int fetch_round(awss3_query *q, const char *const *keys, size_t n, awss3_obj **objs,
                       char *err, size_t err_size)
{
    s3_fetch *fs = calloc(n, sizeof(*fs));
    s3_fetch *ptrs[PARALLEL_GETS];
    if (!fs) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(fs[i].key, sizeof(fs[i].key), "%s", keys[i]);
        fs[i].max_bytes = QUERY_MAX_OBJECT;
        ptrs[i] = &fs[i];
    }
    awss3_fetch_run(q->x, ptrs, n);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && fs[i].rc == 0)
            rc = (objs[i] = admit(q, &fs[i], err, err_size)) ? 0 : -1;
        else if (rc == 0 && fs[i].rc != -ENOENT) {
            snprintf(err, err_size, "%s: %s", fs[i].rc == -ECANCELED ? "shutting down"
                                              : "cannot read from the bucket",
                     fs[i].reason);
            rc = -1;
        }
        free(fs[i].body);
    }
    free(fs);
    return rc;
}

int awss3_query_load(awss3_query *q, const char *const *keys, size_t n, awss3_obj **objs,
                     char *err, size_t err_size)
{
    const char *miss[PARALLEL_GETS];
    size_t where[PARALLEL_GETS], nmiss = 0;
    int rc = 0;
    memset(objs, 0, n * sizeof(awss3_obj *));
    for (size_t i = 0; rc == 0 && i <= n; i++) {
        if (i < n && (objs[i] = awss3_objcache_get(q->cache, keys[i])) != NULL)
            continue;
        if (i < n) {
            miss[nmiss] = keys[i];
            where[nmiss++] = i;
        }
        if (nmiss == PARALLEL_GETS || (i == n && nmiss)) {
            awss3_obj *got[PARALLEL_GETS] = {0};
            rc = fetch_round(q, miss, nmiss, got, err, err_size);
            for (size_t j = 0; j < nmiss; j++)
                objs[where[j]] = got[j];
            nmiss = 0;
        }
    }
    if (rc != 0)
        for (size_t i = 0; i < n; i++) {
            awss3_obj_unref(objs[i]);
            objs[i] = NULL;
        }
    return rc;
}

/* The keys of a trace's objects (malloc'd strings, *n of them). */
static int trace_keys(awss3_query *q, const uint8_t tid[16], char ***keys, size_t *n)
{
    MDB_txn *txn;
    ix_trace *t = malloc(sizeof(*t));
    int rc = t ? ix_read_begin(q->env, &txn) : ENOMEM;
    if (rc != 0) {
        free(t);
        return rc;
    }
    rc = ix_trace_get(q->env, txn, tid, t);
    *keys = rc == 0 ? calloc(t->nobjects ? t->nobjects : 1, sizeof(char *)) : NULL;
    *n = 0;
    rc = rc == 0 && !*keys ? ENOMEM : rc;
    for (size_t i = 0; rc == 0 && i < t->nobjects; i++) {
        char key[S3_KEY_MAX];
        if (ix_object_key(q->env, txn, t->objects[i], key, sizeof(key)) != 0)
            continue; /* removed by a prune meanwhile */
        if (!((*keys)[(*n)++] = strdup(key)))
            rc = ENOMEM;
    }
    ix_read_end(txn);
    free(t);
    return rc;
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_keys(char **keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
}

int query_load_trace(awss3_query *q, const uint8_t tid[16], trace_build *t, uint64_t *inspected,
                     char *err, size_t err_size)
{
    char **keys = NULL;
    size_t n = 0;
    trace_build_init(t, tid);
    *inspected = 0;
    int rc = trace_keys(q, tid, &keys, &n);
    if (rc == MDB_NOTFOUND)
        return 404;
    if (rc == 0) /* key order is batch time order, whatever order they were indexed in */
        qsort(keys, n, sizeof(*keys), cmp_keys);
    if (rc != 0) {
        snprintf(err, err_size, "index: %s", mdb_strerror(rc));
        free_keys(keys, n);
        return 500;
    }
    awss3_obj **objs = calloc(n ? n : 1, sizeof(awss3_obj *));
    if (!objs)
        snprintf(err, err_size, "out of memory");
    rc = objs ? awss3_query_load(q, (const char *const *)keys, n, objs, err, err_size) : -1;
    int status = rc == 0 ? 0 : strstr(err, "shutting down") ? 503 : 502;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!objs[i])
            continue;
        *inspected += objs[i]->len;
        if (trace_build_add(t, objs[i]->pb, objs[i]->len) == -ENOMEM) {
            snprintf(err, err_size, "out of memory");
            status = 500;
            break;
        }
    }
    for (size_t i = 0; objs && i < n; i++)
        awss3_obj_unref(objs[i]);
    free(objs);
    free_keys(keys, n);
    return status == 0 && t->spans == 0 ? 404 : status;
}
