/*
 * exporter_cfg.h: the keys the host adds to every exporter, as the
 * collector's exporterhelper does: sending_queue, retry_on_failure and
 * timeout. Exporters implement none of them.
 */
#ifndef OTELC_CORE_EXPORTER_CFG_H
#define OTELC_CORE_EXPORTER_CFG_H

#include "config/config_error.h"
#include "config/config_node.h"
#include "exporter_queue.h"

/* Fills out (defaults first) from an exporter's config node; problems go
 * to errs with positions. Returns the number of problems. */
size_t exporter_cfg_parse(const otelc_node *exporter, queue_cfg *out, otelc_errors *errs);

#endif
