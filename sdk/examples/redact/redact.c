/*
 * redact.c: an example processor built out of tree against the installed
 * otelc SDK. It masks the values of attributes whose key matches one of
 * its patterns, on resources, scopes and spans:
 *
 *   processors:
 *     redact:
 *       keys: [ "password", "*.token", "http.request.header.*" ]
 *       replacement: "***"
 *
 * A pattern is a glob: `*` matches any run of characters (dots
 * included), `?` any one byte; without either it matches the whole key.
 *
 * What it shows: a processor that changes spans with the SDK's OTLP
 * editor (otelc/sdk/otlp_edit.h): the batch's bytes are borrowed, the
 * edited request is a buffer the new batch adopts, and a batch with
 * nothing to mask is passed on as it is. Event and link attributes are
 * not edited (the editor does not reach them).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/plugin.h>
#include <otelc/sdk/otlp_edit.h>

typedef struct redact_cfg {
    otelc_strlist keys;      /* glob patterns of the keys to mask */
    const char *replacement; /* the masked value */
} redact_cfg;

typedef struct redact {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const redact_cfg *cfg;
    otlp_editor *ed; /* one per instance: consume never runs concurrently */
    otelc_series *masked_total;
} redact;

/* One request's pass: what it masked so far. */
typedef struct pass {
    const redact *r;
    uint64_t masked;
} pass;

/* Glob match of the n bytes at s; `*` backtracks to its last position. */
static bool glob_match(const char *pat, const uint8_t *s, size_t n)
{
    const char *star = NULL;
    size_t i = 0, star_i = 0;
    while (i < n) {
        if (*pat == '*') {
            star = pat++;
            star_i = i;
        } else if (*pat && (*pat == '?' || (uint8_t)*pat == s[i])) {
            pat++;
            i++;
        } else if (star) {
            pat = star + 1;
            i = ++star_i;
        } else {
            return false;
        }
    }
    while (*pat == '*')
        pat++;
    return *pat == '\0';
}

static bool key_matches(const redact_cfg *cfg, pb_bytes key)
{
    for (size_t i = 0; i < cfg->keys.n; i++)
        if (glob_match(cfg->keys.items[i], key.ptr, key.len))
            return true;
    return false;
}

static bool already_masked(const otlp_anyvalue *v, const char *replacement)
{
    size_t n = strlen(replacement);
    return v->type == OTLP_ANY_STRING && v->bytes.len == n &&
           (n == 0 || memcmp(v->bytes.ptr, replacement, n) == 0);
}

/* Masks the matching attributes of one list (a view of the input). */
static int mask_list(pass *p, otlp_editor *ed, enum otlp_edit_target at, const otlp_list *attrs)
{
    otlp_anyvalue masked = otlp_any_string(p->r->cfg->replacement);
    otlp_list_iter it;
    otlp_kv kv;
    int rc;
    otlp_list_iter_init(&it, attrs);
    while ((rc = otlp_attr_next(&it, &kv)) > 0) {
        if (!key_matches(p->r->cfg, kv.key) || already_masked(&kv.value, p->r->cfg->replacement))
            continue;
        rc = otlp_edit_attr_put(ed, at, (const char *)kv.key.ptr, kv.key.len, &masked,
                                OTLP_ATTR_UPDATE);
        if (rc < 0)
            return rc;
        p->masked += (uint64_t)rc;
    }
    return rc;
}

static int on_resource(void *arg, otlp_editor *ed, const otlp_resource *r)
{
    return mask_list(arg, ed, OTLP_EDIT_RESOURCE, &r->attrs);
}

static int on_scope(void *arg, otlp_editor *ed, const otlp_scope *s)
{
    return mask_list(arg, ed, OTLP_EDIT_SCOPE, &s->attrs);
}

static int on_span(void *arg, otlp_editor *ed, const otlp_span *sp)
{
    return mask_list(arg, ed, OTLP_EDIT_SPAN, &sp->attrs);
}

static const otlp_edit_fns mask_fns = {.resource = on_resource, .scope = on_scope, .span = on_span};

static void free_buf(void *arg, void *buf)
{
    (void)arg;
    free(buf);
}

/* Hands the edited request on as a new batch with b's metadata. */
static otelc_status emit_edited(redact *r, otelc_batch *b, size_t spans, otelc_ticket *t)
{
    uint8_t *out;
    size_t len;
    if (otlp_edit_take(r->ed, &out, &len) != OTLP_OK)
        return OTELC_RETRY; /* out of memory: the caller keeps the data */
    otelc_batch *nb = r->api->batch_adopt(out, len, (uint32_t)spans, free_buf, NULL,
                                          otelc_batch_meta_of(b));
    if (!nb) {
        free(out); /* adopt did not take it */
        return OTELC_RETRY;
    }
    otelc_status st = r->api->emit_ticket(r->ctx, nb, t);
    otelc_batch_unref(nb);
    return st;
}

/* b is lent: its bytes are read during the call only. */
static otelc_status redact_consume(void *state, otelc_batch *b, otelc_ticket *t)
{
    redact *r = state;
    pass p = {r, 0};
    size_t spans;
    const uint8_t *in = otelc_batch_flat(b);
    if (!in)
        return OTELC_RETRY;
    int rc = otlp_edit_run(r->ed, in, otelc_batch_len(b), &mask_fns, &p, &spans);
    if (rc == OTLP_ENOMEM)
        return OTELC_RETRY;
    if (rc != OTLP_OK) {
        r->api->log(r->ctx, OTELC_LOG_WARN, "a request was refused: %s", otlp_strerror(rc));
        return OTELC_REJECT;
    }
    if (p.masked == 0)
        return r->api->emit_ticket(r->ctx, b, t);
    r->api->metric_add(r->masked_total, (double)p.masked);
    return emit_edited(r, b, spans, t);
}

static void redact_destroy(void *state)
{
    redact *r = state;
    otlp_editor_free(r->ed);
    free(r);
}

static int redact_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfgp,
                         void **state)
{
    const redact_cfg *cfg = cfgp;
    if (cfg->keys.n == 0) {
        api->config_error(ctx, api->node_get(api->config_node(ctx), "keys"),
                          "keys: name at least one key pattern to mask");
        return -1;
    }
    redact *r = calloc(1, sizeof(*r));
    if (!r)
        return -1;
    r->ctx = ctx;
    r->api = api;
    r->cfg = cfg;
    r->ed = otlp_editor_new();
    const char *labels[] = {"processor", api->instance_id(ctx), "pipeline", api->pipeline_id(ctx),
                            NULL};
    otelc_metric_desc d = {.name = "redact_processor_masked_attributes_total",
                           .help = "Attribute values the redact processor masked",
                           .type = OTELC_COUNTER, .labels = labels};
    r->masked_total = api->metric(ctx, &d);
    if (!r->ed || !r->masked_total) {
        redact_destroy(r); /* destroy follows only a successful create */
        return -1;
    }
    *state = r;
    return 0;
}

static int redact_shutdown(void *state, int64_t deadline_ns)
{
    (void)state, (void)deadline_ns;
    return 0; /* nothing is held between batches */
}

static const otelc_cfg_key redact_keys[] = {
    {"keys", OTELC_CFG_STRLIST, NULL, "glob patterns of the attribute keys to mask",
     offsetof(redact_cfg, keys), 0},
    {"replacement", OTELC_CFG_STRING, "***", "the value a masked attribute gets",
     offsetof(redact_cfg, replacement), 0},
    {0},
};

static const otelc_plugin redact_desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_PROCESSOR,
    .type = "redact",
    .version = "1.0.0",
    .doc = "masks attribute values whose keys match glob patterns",
    .config_keys = redact_keys,
    .config_size = sizeof(redact_cfg),
    .create = redact_create,
    .consume = redact_consume,
    .shutdown = redact_shutdown,
    .destroy = redact_destroy,
};

OTELC_PLUGIN(redact_desc)
