/* exporter_cfg.c: sending_queue, retry_on_failure and timeout. */
#include "exporter_cfg.h"

#include <string.h>

#include "config_value.h"

static void parse_queue(const otelc_node *n, queue_cfg *q, otelc_errors *errs)
{
    static const char *const known[] = {"enabled", "num_consumers", "queue_size", "sizer",
                                        "block_on_overflow", "storage", "batch",
                                        "max_disk_size", "wait_for_result", NULL};
    if (otelc_cfg_map(n, errs) != OTELC_CFG_OK)
        return;
    otelc_cfg_check_keys(n, known, errs);
    int64_t v;
    otelc_cfg_bool(otelc_node_child(n, "enabled"), errs, &q->enabled);
    if (otelc_cfg_int(otelc_node_child(n, "num_consumers"), errs, 1, 1024, &v) == OTELC_CFG_OK)
        q->num_consumers = (uint32_t)v;
    otelc_cfg_int(otelc_node_child(n, "queue_size"), errs, 1, INT64_MAX, &q->queue_size);
    otelc_cfg_bool(otelc_node_child(n, "block_on_overflow"), errs, &q->block_on_overflow);
    const char *sizer = NULL;
    const otelc_node *sn = otelc_node_child(n, "sizer");
    if (otelc_cfg_string(sn, errs, &sizer) == OTELC_CFG_OK) {
        if (strcmp(sizer, "requests") == 0)
            q->sizer = SIZER_REQUESTS;
        else if (strcmp(sizer, "items") == 0)
            q->sizer = SIZER_ITEMS;
        else if (strcmp(sizer, "bytes") == 0)
            q->sizer = SIZER_BYTES;
        else
            otelc_errors_add_value(errs, sn, "sizer must be requests, items or bytes");
    }
    /* The durable queue and read-side batching are not built yet: refuse
     * rather than half-work. */
    static const char *const later[] = {"storage", "batch", "max_disk_size", "wait_for_result",
                                        NULL};
    for (size_t i = 0; later[i]; i++) {
        const otelc_node *c = otelc_node_child(n, later[i]);
        if (c)
            otelc_errors_add_key(errs, c, "collector key sending_queue.%s is not supported yet",
                                 later[i]);
    }
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
