/*
 * otlp_config_nodes.c: what the key table cannot tell, read from the
 * config tree at create(): which protocol sections are present (an empty
 * `http:` turns HTTP on with all defaults, as in the collector), the
 * response_headers map, and an explicitly empty compression_algorithms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp_recv.h"

/* The section protocols.<name>, present even when empty; NULL if absent. */
static const otelc_node *section(const otlp_recv *r, const char *name)
{
    const otelc_node *root = r->api->config_node(r->ctx);
    return r->api->node_get(r->api->node_get(root, "protocols"), name);
}

static int header_add(otlp_recv *r, const otelc_node *n, size_t i, size_t *h1len)
{
    const otelc_host_api *api = r->api;
    const char *name = api->node_key(n), *value = NULL;
    char err[200];
    if (api->node_string(r->ctx, n, &value) != 0)
        return -1;
    if (otlp_http_header_check(name, value, err, sizeof(err)) != 0) {
        api->config_error(r->ctx, n, "%s", err);
        return -1;
    }
    otlp_header *h = &r->headers[i];
    h->name = strdup(name);
    h->value = strdup(value);
    if (!h->name || !h->value)
        return -1;
    /* Lower case: HTTP/2 requires it, HTTP/1.1 does not mind. */
    for (char *p = h->name; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    *h1len += strlen(name) + strlen(value) + 4;
    return 0;
}

static int h1_lines(otlp_recv *r, size_t len)
{
    r->h1_headers = malloc(len + 1);
    if (!r->h1_headers)
        return -1;
    char *p = r->h1_headers;
    for (size_t i = 0; i < r->nheaders; i++)
        p += sprintf(p, "%s: %s\r\n", r->headers[i].name, r->headers[i].value);
    *p = '\0';
    return 0;
}

static int read_headers(otlp_recv *r, const otelc_node *map)
{
    const otelc_host_api *api = r->api;
    size_t h1len = 0;
    if (api->node_kind(map) == OTELC_NODE_NULL)
        return 0;
    if (api->node_kind(map) != OTELC_NODE_MAP) {
        api->config_error(r->ctx, map, "response_headers must be a map of names to values");
        return -1;
    }
    size_t n = api->node_len(map);
    if (n > OTLP_MAX_RESPONSE_HEADERS) {
        api->config_error(r->ctx, map, "response_headers holds more than %d headers",
                          OTLP_MAX_RESPONSE_HEADERS);
        return -1;
    }
    r->headers = calloc(n ? n : 1, sizeof(*r->headers));
    if (!r->headers)
        return -1;
    r->nheaders = n;
    for (size_t i = 0; i < n; i++)
        if (header_add(r, api->node_at(map, i), i, &h1len) != 0)
            return -1;
    return h1_lines(r, h1len);
}

int otlp_config_protocols(otlp_recv *r)
{
    const otelc_host_api *api = r->api;
    r->srv[OTLP_GRPC].on = section(r, "grpc") != NULL;
    r->srv[OTLP_HTTP].on = section(r, "http") != NULL;
    if (!r->srv[OTLP_GRPC].on && !r->srv[OTLP_HTTP].on) {
        const otelc_node *root = api->config_node(r->ctx);
        const otelc_node *at = api->node_get(root, "protocols");
        api->config_error(r->ctx, at ? at : root,
                          "protocols must name grpc, http or both: the receiver serves only "
                          "the protocols listed");
        return -1;
    }
    return 0;
}

int otlp_config_http_nodes(otlp_recv *r, const otlp_cfg *cfg)
{
    const otelc_host_api *api = r->api;
    const otelc_node *http = section(r, "http");
    otlp_http_opts *o = &r->srv[OTLP_HTTP].set.http;
    const otelc_node *algos = api->node_get(http, "compression_algorithms");
    if (api->node_kind(algos) == OTELC_NODE_LIST && api->node_len(algos) == 0)
        o->encodings = 1u << GRPC_ENC_IDENTITY; /* [] accepts no compression */
    if (read_headers(r, cfg->http_response_headers) != 0)
        return -1;
    o->headers = r->headers;
    o->nheaders = r->nheaders;
    o->h1_headers = r->h1_headers ? r->h1_headers : "";
    return 0;
}

void otlp_config_nodes_free(otlp_recv *r)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    free(r->h1_headers);
    r->headers = NULL;
    r->h1_headers = NULL;
    r->nheaders = 0;
}
