/*
 * batch_config.h: the batch processor's keys (the collector's, counted in
 * spans) and their checks. They describe the batches the exporters of the
 * pipeline receive, formed on the read side of their queues.
 */
#ifndef OTELC_PROC_BATCH_CONFIG_H
#define OTELC_PROC_BATCH_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <otelc/plugin.h>

typedef struct bp_cfg {
    int64_t send_batch_size;            /* size trigger, spans; 8192 */
    int64_t send_batch_max_size;        /* upper bound of a sent batch; 0 = none */
    int64_t timeout_ns;                 /* 200ms; 0 = send at once */
    otelc_strlist metadata_keys;        /* one batcher per distinct value set */
    int64_t metadata_cardinality_limit; /* 1000 */
} bp_cfg;

/* The key table the host checks configs against; ends with a NULL row. */
extern const otelc_cfg_key bp_config_keys[];

/*
 * Checks cross-key rules after the host filled cfg. Returns 0, or -1 with
 * a one-line reason in why (cap bytes, NUL-terminated). Pure.
 */
int bp_config_check(const bp_cfg *cfg, char *why, size_t cap);

#endif
