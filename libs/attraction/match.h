/*
 * match.h: the collector's match properties for spans, log records and
 * metrics (its filterconfig, filterset, filtermatcher, filterlog and
 * filtermetric packages): the `include` and `exclude` sections of the
 * attributes processor.
 *
 *   include:
 *     match_type: strict            # or regexp (Go syntax, unanchored)
 *     services: [checkout, "cart.*"]
 *     span_names: [GET /health]
 *     span_kinds: [SPAN_KIND_SERVER]
 *     attributes: [{key: http.route, value: /login}]   # value optional
 *     resources: [{key: deployment.environment, value: prod}]
 *     libraries: [{name: io.opentelemetry.jdbc, version: "1.0"}]
 *
 * A span matches when every property given matches: one of the services
 * (the resource's service.name), one of the span names, one of the kinds,
 * every library (the scope's name and, if given, version), every resource
 * attribute and every span attribute (present and, if a value is given,
 * equal to it with its type under strict, or its text matching the regex
 * under regexp). A section that is present needs match_type and at least
 * one property.
 *
 * A log record matches the same way with its attributes in place of the
 * span's, and log_bodies (a string body), log_severity_texts and
 * log_severity_number ({min, match_undefined}); services, span_names and
 * span_kinds are refused for logs, as the collector refuses them. A
 * metric matches by metric_names alone (the collector's metrics matcher
 * reads no other property: the others are ignored with a warning, and a
 * section without metric_names selects every metric).
 *
 * An attr_match holds scratch space and match data: one thread at a time.
 */
#ifndef ATTRACTION_MATCH_H
#define ATTRACTION_MATCH_H

#include <otelc/plugin.h>
#include <otelc/sdk/otlp_walk.h>
#include <otelc/sdk/otlp_walk_signals.h>

#include <stdbool.h>
#include <stddef.h>

/* The section's keys as the host fills them (see ATTR_MATCH_KEYS). */
typedef struct attr_match_cfg {
    const char *match_type;
    otelc_strlist services, span_names, span_kinds;
    const otelc_node *attributes, *resources, *libraries;
    otelc_strlist log_bodies, log_severity_texts, metric_names;
    const otelc_node *log_severity_number;
} attr_match_cfg;

/* The key-table rows of one section `name` ("include"), filled into the
 * attr_match_cfg member `m` of the config struct `type`. The cache
 * settings of `regexp` are accepted and ignored (a warning). */
#define ATTR_MATCH_KEYS(name, type, m)                                                        \
    {name, OTELC_CFG_SECTION, NULL, "which spans the actions apply to", 0, 0},                \
    {name ".match_type", OTELC_CFG_STRING, NULL, "strict or regexp (required)",               \
     offsetof(type, m.match_type), 0},                                                        \
    {name ".services", OTELC_CFG_STRLIST, NULL, "service names (resource service.name)",      \
     offsetof(type, m.services), 0},                                                          \
    {name ".span_names", OTELC_CFG_STRLIST, NULL, "span names", offsetof(type, m.span_names), \
     0},                                                                                      \
    {name ".span_kinds", OTELC_CFG_STRLIST, NULL, "span kinds, as SPAN_KIND_SERVER",          \
     offsetof(type, m.span_kinds), 0},                                                        \
    {name ".attributes", OTELC_CFG_NODE, NULL, "span attributes: a list of {key, value}",     \
     offsetof(type, m.attributes), 0},                                                        \
    {name ".resources", OTELC_CFG_NODE, NULL, "resource attributes: a list of {key, value}",  \
     offsetof(type, m.resources), 0},                                                         \
    {name ".libraries", OTELC_CFG_NODE, NULL, "scopes: a list of {name, version}",            \
     offsetof(type, m.libraries), 0},                                                         \
    {name ".regexp", OTELC_CFG_SECTION, NULL, "match cache settings; otelc keeps no cache",   \
     0, OTELC_KEY_IGNORED},                                                                   \
    {name ".log_bodies", OTELC_CFG_STRLIST, NULL, "logs: string bodies",                      \
     offsetof(type, m.log_bodies), 0},                                                        \
    {name ".log_severity_texts", OTELC_CFG_STRLIST, NULL, "logs: severity texts",             \
     offsetof(type, m.log_severity_texts), 0},                                                \
    {name ".log_severity_number", OTELC_CFG_NODE, NULL,                                       \
     "logs: {min: INFO (a name or 1-24), match_undefined: bool}",                             \
     offsetof(type, m.log_severity_number), 0},                                               \
    {name ".metric_names", OTELC_CFG_STRLIST, NULL, "metrics: metric names",                  \
     offsetof(type, m.metric_names), 0}

typedef struct attr_match attr_match;

/*
 * Builds the matcher of the section at node `section` (the include or
 * exclude map of the instance's config) from its filled keys, for a
 * pipeline of `signal`, from create. Returns 0 with *out, NULL when the
 * section is absent or empty (or, for metrics, names no metric), or -1
 * after config_error said why.
 */
int attr_match_parse(otelc_ctx *ctx, const otelc_host_api *api, otelc_signal signal,
                     const attr_match_cfg *cfg, const otelc_node *section, attr_match **out);

void attr_match_free(attr_match *m);

/* Whether the span (with its resource and scope, views of the input)
 * matches every property of m. */
bool attr_match_span(attr_match *m, const otlp_resource *r, const otlp_scope *s,
                     const otlp_span *sp);

/* Whether the log record (with its resource and scope) matches. */
bool attr_match_log(attr_match *m, const otlp_resource *r, const otlp_scope *s,
                    const otlp_log *l);

/* Whether the metric's name matches. */
bool attr_match_metric(attr_match *m, const otlp_metric *mt);

#endif /* ATTRACTION_MATCH_H */
