/*
 * batch_config.c: the batch processor's key table and cross-key checks.
 */
#include "batch_config.h"

#include <stdio.h>
#include <strings.h>

const otelc_cfg_key bp_config_keys[] = {
    {"send_batch_size", OTELC_CFG_INT, "8192",
     "items (spans, data points, log records) that trigger a send, whatever the timeout",
     offsetof(bp_cfg, send_batch_size), 0},
    {"send_batch_max_size", OTELC_CFG_INT, "0",
     "upper bound of a sent batch in items, split at item boundaries; 0 = none",
     offsetof(bp_cfg, send_batch_max_size), 0},
    {"timeout", OTELC_CFG_DURATION, "200ms",
     "time after which a batch is sent regardless of size; 0 = at once",
     offsetof(bp_cfg, timeout_ns), 0},
    {"metadata_keys", OTELC_CFG_STRLIST, NULL,
     "request metadata keys whose distinct values get batches of their own",
     offsetof(bp_cfg, metadata_keys), 0},
    {"metadata_cardinality_limit", OTELC_CFG_INT, "1000",
     "most distinct metadata value combinations; more are refused",
     offsetof(bp_cfg, metadata_cardinality_limit), 0},
    {"max_unsent_spans", OTELC_CFG_INT, NULL,
     "otelc 1.x: nothing is held any more, so there is nothing to bound; ignored", 0,
     OTELC_KEY_IGNORED},
    {0},
};

static int fail(char *why, size_t cap, const char *msg)
{
    snprintf(why, cap, "%s", msg);
    return -1;
}

int bp_config_check(const bp_cfg *cfg, char *why, size_t cap)
{
    if (cfg->send_batch_size < 0 || cfg->send_batch_size > UINT32_MAX)
        return fail(why, cap, "send_batch_size must be between 0 and 4294967295");
    if (cfg->send_batch_max_size < 0 || cfg->send_batch_max_size > UINT32_MAX)
        return fail(why, cap, "send_batch_max_size must be between 0 and 4294967295");
    if (cfg->send_batch_max_size > 0 && cfg->send_batch_max_size < cfg->send_batch_size)
        return fail(why, cap, "send_batch_max_size must be greater or equal to send_batch_size");
    if (cfg->timeout_ns < 0)
        return fail(why, cap, "timeout must not be negative");
    if (cfg->metadata_cardinality_limit < 0 || cfg->metadata_cardinality_limit > UINT32_MAX)
        return fail(why, cap, "metadata_cardinality_limit must be between 0 and 4294967295");
    for (size_t i = 0; i < cfg->metadata_keys.n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcasecmp(cfg->metadata_keys.items[i], cfg->metadata_keys.items[j]) == 0)
                return fail(why, cap, "metadata_keys must not repeat a key");
    return 0;
}
