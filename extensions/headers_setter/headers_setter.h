/*
 * headers_setter.h: the headers_setter extension's parsed config. Internal.
 */
#ifndef OTELC_HEADERS_SETTER_H
#define OTELC_HEADERS_SETTER_H

#include <stddef.h>

#include <otelc/plugin.h>

#define HS_MAX_HEADERS 64

typedef enum hs_action { HS_UPSERT = 0, HS_INSERT, HS_UPDATE, HS_DELETE } hs_action;

/* One entry of `headers`; strings are the host's (valid until destroy). */
typedef struct hs_header {
    const char *key;
    const char *value;         /* a static value, or NULL */
    const char *from_context;  /* a metadata key, or NULL */
    const char *default_value; /* when from_context finds nothing; NULL: "" */
    hs_action action;
} hs_header;

typedef struct hs_cfg {
    const otelc_node *headers;
} hs_cfg;

/* Reads the `headers` list into out (at most HS_MAX_HEADERS), with the
 * collector's checks. Create only. Returns how many, or -1 after
 * reporting at the offending entry. */
long hs_config_parse(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *list,
                     hs_header *out);

#endif /* OTELC_HEADERS_SETTER_H */
