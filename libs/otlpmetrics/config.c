/* Config shapes of the metrics connectors; see config.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

static int dim_parse(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *m,
                     otlpm_dim *d)
{
    if (api->node_kind(m) != OTELC_NODE_MAP) {
        api->config_error(ctx, m, "a dimension is a map with a name and an optional default");
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < api->node_len(m); i++) {
        const otelc_node *c = api->node_at(m, i);
        const char *key = api->node_key(c);
        if (strcmp(key, "name") == 0)
            rc |= api->node_string(ctx, c, &d->name);
        else if (strcmp(key, "default") == 0)
            rc |= api->node_string(ctx, c, &d->dflt);
        else {
            api->config_error(ctx, c, "unknown key %s in a dimension", key);
            rc = -1;
        }
    }
    if (rc == 0 && (!d->name || !*d->name)) {
        api->config_error(ctx, m, "a dimension needs a name");
        rc = -1;
    }
    return rc;
}

int otlpm_dims_parse(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *list,
                     otlpm_dims *out)
{
    *out = (otlpm_dims){0};
    if (!list || api->node_kind(list) == OTELC_NODE_NULL)
        return 0;
    if (api->node_kind(list) != OTELC_NODE_LIST) {
        api->config_error(ctx, list, "expected a list of dimensions");
        return -1;
    }
    size_t n = api->node_len(list);
    out->v = calloc(n ? n : 1, sizeof(*out->v));
    if (!out->v)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        rc |= dim_parse(ctx, api, api->node_at(list, i), &out->v[i]);
    out->n = n;
    return rc;
}

void otlpm_dims_free(otlpm_dims *d)
{
    free(d->v);
    *d = (otlpm_dims){0};
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int otlpm_durations_parse(otelc_ctx *ctx, const otelc_host_api *api, const otelc_node *list,
                          double unit_ns, double **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!list || api->node_kind(list) == OTELC_NODE_NULL)
        return 0;
    if (api->node_kind(list) != OTELC_NODE_LIST) {
        api->config_error(ctx, list, "expected a list of durations");
        return -1;
    }
    size_t len = api->node_len(list);
    double *v = calloc(len ? len : 1, sizeof(*v));
    if (!v)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < len; i++) {
        int64_t ns = 0;
        rc |= api->node_duration(ctx, api->node_at(list, i), &ns);
        v[i] = (double)ns / unit_ns;
    }
    /* OTLP wants explicit bounds in ascending order. */
    qsort(v, len, sizeof(*v), cmp_double);
    *out = v;
    *n = len;
    return rc;
}

const otelc_node *otlpm_config_at(otelc_ctx *ctx, const otelc_host_api *api, const char *path)
{
    const otelc_node *n = api->config_node(ctx);
    char part[128];
    while (n && *path) {
        size_t len = strcspn(path, ".");
        if (len >= sizeof(part) || api->node_kind(n) != OTELC_NODE_MAP)
            return NULL;
        memcpy(part, path, len);
        part[len] = '\0';
        n = api->node_get(n, part);
        path += len + (path[len] == '.');
    }
    return n;
}

bool otlpm_config_has(otelc_ctx *ctx, const otelc_host_api *api, const char *path)
{
    return otlpm_config_at(ctx, api, path) != NULL;
}
