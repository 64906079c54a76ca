/* exporter_cfg.c: sending_queue, retry_on_failure and timeout. */
#include "exporter_cfg.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config_value.h"

static int parse_sizer(const otelc_node *sn, otelc_errors *errs, queue_sizer *out)
{
    const char *sizer = NULL;
    int rc = otelc_cfg_string(sn, errs, &sizer);
    if (rc != OTELC_CFG_OK)
        return rc;
    if (strcmp(sizer, "requests") == 0)
        *out = SIZER_REQUESTS;
    else if (strcmp(sizer, "items") == 0)
        *out = SIZER_ITEMS;
    else if (strcmp(sizer, "bytes") == 0)
        *out = SIZER_BYTES;
    else
        rc = OTELC_CFG_ERROR;
    if (rc == OTELC_CFG_ERROR)
        otelc_errors_add_value(errs, sn, "sizer must be requests, items or bytes");
    return rc;
}

/* sending_queue.batch.partition: metadata_keys (distinct, at most
 * QUEUE_MAX_PARTITION_KEYS, case-insensitive). */
static void parse_partition(const otelc_node *n, queue_batch_cfg *b, otelc_errors *errs)
{
    static const char *const known[] = {"metadata_keys", "cardinality_limit", NULL};
    if (!n || otelc_cfg_map(n, errs) == OTELC_CFG_ERROR)
        return;
    otelc_cfg_check_keys(n, known, errs);
    const otelc_node *cl = otelc_node_child(n, "cardinality_limit");
    if (cl)
        otelc_errors_add_key(errs, cl, "collector key sending_queue.batch.partition."
                             "cardinality_limit is not supported yet");
    const otelc_node *mk = otelc_node_child(n, "metadata_keys");
    const char **keys = NULL;
    size_t nkeys = 0;
    if (otelc_cfg_string_list(mk, errs, &keys, &nkeys) != OTELC_CFG_OK)
        return;
    if (nkeys > QUEUE_MAX_PARTITION_KEYS)
        otelc_errors_add_value(errs, mk, "at most %d metadata_keys", QUEUE_MAX_PARTITION_KEYS);
    const otelc_node *item = otelc_node_first(mk);
    for (size_t i = 0; i < nkeys && i < QUEUE_MAX_PARTITION_KEYS; i++) {
        for (size_t k = 0; k < i; k++)
            if (strcasecmp(keys[i], keys[k]) == 0)
                otelc_errors_add_value(errs, item, "duplicate metadata key %s", keys[i]);
        b->partition_keys[b->npartition_keys++] = keys[i];
        item = otelc_node_next(item);
    }
    free(keys);
}

/* sending_queue.batch: read-side batching, as the collector configures
 * it, plus max_size_bytes (otelc: a cap on request bytes). Its sizer
 * defaults to the queue's when that is set, else items. */
static void parse_batch(const otelc_node *n, queue_cfg *q, bool queue_sizer_set,
                        otelc_errors *errs)
{
    static const char *const known[] = {"flush_timeout", "min_size", "max_size", "sizer",
                                        "partition", "max_size_bytes", NULL};
    queue_batch_cfg *b = &q->batch;
    if (!n || otelc_cfg_map(n, errs) == OTELC_CFG_ERROR)
        return;
    otelc_cfg_check_keys(n, known, errs);
    b->enabled = true;
    const otelc_node *sn = otelc_node_child(n, "sizer");
    if (queue_sizer_set)
        b->sizer = q->sizer;
    if (parse_sizer(sn, errs, &b->sizer) != OTELC_CFG_ERROR && b->sizer == SIZER_REQUESTS)
        otelc_errors_add_value(errs, sn ? sn : n,
                               "sending_queue.batch supports only the items or bytes sizer");
    otelc_cfg_duration(otelc_node_child(n, "flush_timeout"), errs, false, &b->flush_timeout_ns);
    if (b->flush_timeout_ns <= 0)
        otelc_errors_add_value(errs, otelc_node_child(n, "flush_timeout"),
                               "flush_timeout must be positive");
    otelc_cfg_int(otelc_node_child(n, "min_size"), errs, 0, INT64_MAX, &b->min_size);
    const otelc_node *mx = otelc_node_child(n, "max_size");
    if (otelc_cfg_int(mx, errs, 0, INT64_MAX, &b->max_size) == OTELC_CFG_OK && b->max_size > 0 &&
        b->max_size < b->min_size)
        otelc_errors_add_value(errs, mx, "max_size must be 0 (no limit) or at least min_size");
    otelc_cfg_size(otelc_node_child(n, "max_size_bytes"), errs, &b->max_size_bytes);
    parse_partition(otelc_node_child(n, "partition"), b, errs);
    if (b->sizer == q->sizer && b->min_size > q->queue_size)
        otelc_errors_add_value(errs, otelc_node_child(n, "min_size"),
                               "min_size must be at most sending_queue.queue_size");
}

/* Keys that only mean something with (or without) storage. */
static void check_storage_keys(const otelc_node *n, const queue_cfg *q, otelc_errors *errs)
{
    const otelc_node *st = otelc_node_child(n, "storage");
    if (q->storage) {
        if (!q->enabled)
            otelc_errors_add_value(errs, st, "sending_queue.storage needs the queue enabled");
        if (q->block_on_overflow)
            otelc_errors_add_key(errs, otelc_node_child(n, "block_on_overflow"),
                                 "sending_queue.block_on_overflow with storage is not supported "
                                 "yet (a full durable queue answers RETRY)");
        return;
    }
    static const char *const need[] = {"max_disk_size", "max_memory_size", NULL};
    for (size_t i = 0; need[i]; i++) {
        const otelc_node *c = otelc_node_child(n, need[i]);
        if (c)
            otelc_errors_add_key(errs, c, "sending_queue.%s needs sending_queue.storage (the "
                                 "in-memory queue does not support it yet)", need[i]);
    }
}

static void parse_queue(const otelc_node *n, queue_cfg *q, otelc_errors *errs)
{
    static const char *const known[] = {"enabled", "num_consumers", "queue_size", "sizer",
                                        "block_on_overflow", "storage", "batch",
                                        "max_disk_size", "max_memory_size", "wait_for_result",
                                        NULL};
    if (otelc_cfg_map(n, errs) != OTELC_CFG_OK)
        return;
    otelc_cfg_check_keys(n, known, errs);
    int64_t v;
    otelc_cfg_bool(otelc_node_child(n, "enabled"), errs, &q->enabled);
    if (otelc_cfg_int(otelc_node_child(n, "num_consumers"), errs, 1, 1024, &v) == OTELC_CFG_OK)
        q->num_consumers = (uint32_t)v;
    otelc_cfg_int(otelc_node_child(n, "queue_size"), errs, 1, INT64_MAX, &q->queue_size);
    otelc_cfg_bool(otelc_node_child(n, "block_on_overflow"), errs, &q->block_on_overflow);
    bool sizer_set = parse_sizer(otelc_node_child(n, "sizer"), errs, &q->sizer) == OTELC_CFG_OK;
    const otelc_node *st = otelc_node_child(n, "storage");
    if (otelc_cfg_string(st, errs, &q->storage) == OTELC_CFG_OK && !q->storage[0])
        q->storage = NULL;
    const otelc_node *mds = otelc_node_child(n, "max_disk_size");
    if (otelc_cfg_size(mds, errs, &q->max_disk_size) == OTELC_CFG_OK && q->max_disk_size == 0)
        otelc_errors_add_value(errs, mds, "max_disk_size must be positive");
    otelc_cfg_size(otelc_node_child(n, "max_memory_size"), errs, &q->max_memory_size);
    parse_batch(otelc_node_child(n, "batch"), q, sizer_set, errs);
    check_storage_keys(n, q, errs);
    const otelc_node *wfr = otelc_node_child(n, "wait_for_result");
    if (wfr)
        otelc_errors_add_key(errs, wfr, "collector key sending_queue.wait_for_result is not "
                             "supported yet");
}

static void parse_retry(const otelc_node *n, retry_cfg *r, otelc_errors *errs)
{
    static const char *const known[] = {"enabled", "initial_interval", "randomization_factor",
                                        "multiplier", "max_interval", "max_elapsed_time", NULL};
    if (otelc_cfg_map(n, errs) != OTELC_CFG_OK)
        return;
    otelc_cfg_check_keys(n, known, errs);
    otelc_cfg_bool(otelc_node_child(n, "enabled"), errs, &r->enabled);
    otelc_cfg_duration(otelc_node_child(n, "initial_interval"), errs, false, &r->initial_interval);
    otelc_cfg_double(otelc_node_child(n, "randomization_factor"), errs, &r->randomization_factor);
    otelc_cfg_double(otelc_node_child(n, "multiplier"), errs, &r->multiplier);
    otelc_cfg_duration(otelc_node_child(n, "max_interval"), errs, false, &r->max_interval);
    otelc_cfg_duration(otelc_node_child(n, "max_elapsed_time"), errs, false,
                       &r->max_elapsed_time);
}

size_t exporter_cfg_parse(const otelc_node *exporter, queue_cfg *out, otelc_errors *errs)
{
    size_t before = otelc_errors_count(errs);
    queue_cfg_defaults(out);
    parse_queue(otelc_node_child(exporter, "sending_queue"), out, errs);
    parse_retry(otelc_node_child(exporter, "retry_on_failure"), &out->retry, errs);
    otelc_cfg_duration(otelc_node_child(exporter, "timeout"), errs, false, &out->timeout_ns);
    return otelc_errors_count(errs) - before;
}
