/* The shape checks behind otelc_config_load(): sections, component ids,
 * service, pipelines and telemetry, filling the config's model as they
 * go. Internal to the config modules; not thread-safe (one config is
 * checked by one thread). */
#ifndef OTELC_CONFIG_SHAPE_H
#define OTELC_CONFIG_SHAPE_H

#include "config.h"
#include "config_error.h"
#include "config_node.h"

/* Checks cfg->root and fills cfg's model. Returns 0, or -1 when errors
 * were recorded; the model may then be half filled, and
 * otelc_config_free() still frees it. */
int otelc_config_check_shape(otelc_config *cfg, otelc_errors *errs);

/* Checks service.pipelines (`pipelines`, the node under that key) and
 * fills cfg->pipelines. `service` is where to point when there is none. */
void otelc_config_check_pipelines(otelc_config *cfg, const otelc_node *service,
                                  const otelc_node *pipelines, otelc_errors *errs);

/* Resolves a list of component ids (`list`, may be NULL) against the
 * section `section_key` ("receivers") of cfg's tree; `what` names one of
 * them in messages ("receiver"). Malformed ids, undefined components and
 * ids listed twice are errors. Fills *out (its array is cfg's to free)
 * with the ids that resolved. Returns 0, or -1 when errors were
 * recorded. */
int otelc_config_resolve_list(const otelc_config *cfg, const otelc_node *list,
                              const char *section_key, const char *what,
                              otelc_component_list *out, otelc_errors *errs);

/* Checks service.telemetry (may be NULL) and fills cfg->telemetry. */
void otelc_config_check_telemetry(otelc_config *cfg, const otelc_node *telemetry,
                                  otelc_errors *errs);

/* Frees what the checks allocated in cfg's model. */
void otelc_config_free_model(otelc_config *cfg);

#endif
