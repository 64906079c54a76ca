/*
 * policy_ottl.c: the ottl_condition policy, as the collector's: OTTL
 * conditions in the span and spanevent contexts (libs/ottl), compiled
 * once when the config is read; a trace is sampled when one of the span
 * conditions holds for one of its spans, or one of the spanevent
 * conditions for one of its span events. An evaluation error follows
 * error_mode: ignore and silent go on with the next condition (ignore
 * logs it, at most once a second), propagate makes the policy answer an
 * error for the trace.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <otelc/sdk/otlp_walk.h>

#include "ottl/ottl.h"
#include "policy_config_int.h"

typedef struct ts_ottl {
    ottl_condition **span, **event;
    size_t nspan, nevent;
    ottl_error_mode mode;
    ottl_env *env; /* policies evaluate under the processor's lock */
    const otelc_host_api *api;
    otelc_ctx *ctx;
    time_t last_log;
} ts_ottl;

void ts_ottl_free(ts_ottl *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->nspan; i++)
        ottl_condition_free(o->span[i]);
    for (size_t i = 0; i < o->nevent; i++)
        ottl_condition_free(o->event[i]);
    free(o->span);
    free(o->event);
    ottl_env_free(o->env);
    free(o);
}

/* Compiles blk[key] in context ctx into *out; errors at the list. */
static int compile(ts_rd *rd, const otelc_node *blk, const char *key, ottl_context ctx,
                   ottl_condition ***out, size_t *n)
{
    const char **texts = NULL;
    if (ts_rd_strlist(rd, blk, key, &texts, n) != 0)
        return -1;
    *out = calloc(*n ? *n : 1, sizeof(ottl_condition *));
    ottl_error err = {0};
    size_t bad = 0;
    int rc = *out ? ottl_compile_conditions(texts, *n, ctx, *out, NULL, &err, &bad) : -1;
    if (rc != 0) {
        const otelc_node *list = rd->api->node_get(blk, key);
        const otelc_node *at = list ? rd->api->node_at(list, bad) : blk;
        ts_rd_fail(rd, at ? at : blk, "%s condition %zu: %u:%u: %s", key, bad, err.line,
                   err.col, *out ? err.msg : "out of memory");
        *n = 0;
    }
    free(texts);
    return rc;
}

static int read_mode(ts_rd *rd, const otelc_node *blk, ts_ottl *o)
{
    const char *mode = NULL;
    o->mode = OTTL_PROPAGATE; /* the collector's default for this policy */
    if (ts_rd_str(rd, blk, "error_mode", &mode) != 0)
        return -1;
    if (mode && ottl_error_mode_parse(mode, &o->mode) != 0)
        return ts_rd_fail(rd, rd->api->node_get(blk, "error_mode"),
                          "error_mode must be propagate, ignore or silent");
    return 0;
}

int ts_read_ottl(ts_rd *rd, const otelc_node *map, ts_policy *p)
{
    static const char *const keys[] = {"error_mode", "span", "spanevent", NULL};
    const otelc_node *blk = rd->api->node_get(map, "ottl_condition");
    ts_ottl *o = calloc(1, sizeof(*o));
    p->u.ottl = o;
    if (!o || !(o->env = ottl_env_new()))
        return ts_rd_fail(rd, map, "out of memory");
    o->api = rd->api;
    o->ctx = rd->ctx;
    if (!blk || rd->api->node_kind(blk) != OTELC_NODE_MAP)
        return ts_rd_fail(rd, blk ? blk : map, "ottl_condition must be a map of span and "
                          "spanevent conditions");
    int rc = ts_rd_keys(rd, blk, keys) | read_mode(rd, blk, o);
    rc |= compile(rd, blk, "span", OTTL_CTX_SPAN, &o->span, &o->nspan);
    rc |= compile(rd, blk, "spanevent", OTTL_CTX_SPANEVENT, &o->event, &o->nevent);
    if (rc == 0 && o->nspan + o->nevent == 0)
        rc = ts_rd_fail(rd, blk, "ottl_condition needs span or spanevent conditions");
    return rc;
}

/* ---- evaluation ---- */

/* 1 when a condition holds, 0 when none does, -1 on an error that
 * error_mode propagates. */
static int any_holds(ts_ottl *o, ottl_condition *const *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool match = false;
        if (ottl_condition_eval(c[i], o->env, &match) == 0) {
            if (match)
                return 1;
            continue;
        }
        if (o->mode == OTTL_PROPAGATE)
            return -1;
        time_t now = time(NULL);
        if (o->mode == OTTL_IGNORE && now != o->last_log) {
            o->last_log = now;
            o->api->log(o->ctx, OTELC_LOG_WARN, "ottl_condition \"%s\": %s",
                        ottl_condition_text(c[i]), ottl_env_error(o->env));
        }
    }
    return 0;
}

/* The span's conditions, then its events'. */
static int span_holds(ts_ottl *o, const otlp_span *sp)
{
    ottl_env_span(o->env, sp);
    int r = any_holds(o, o->span, o->nspan);
    otlp_list_iter it;
    otlp_event ev;
    otlp_list_iter_init(&it, &sp->events);
    while (r == 0 && o->nevent && otlp_event_next(&it, &ev) > 0) {
        ottl_env_event(o->env, &ev);
        r = any_holds(o, o->event, o->nevent);
    }
    return r;
}

/* 1, 0 or -1 as any_holds, or an OTLP_E* code below -1 for a bad piece. */
static int piece_holds(ts_ottl *o, const uint8_t *data, size_t len)
{
    otlp_walker w;
    otlp_resource r;
    otlp_scope s;
    otlp_span sp;
    int hit = 0;
    otlp_walk_init(&w, data, len);
    while (hit == 0 && otlp_walk_resource(&w, &r) > 0) {
        ottl_env_resource(o->env, NULL, &r);
        while (hit == 0 && otlp_walk_scope(&w, &s) > 0) {
            ottl_env_scope(o->env, &s);
            while (hit == 0 && otlp_walk_span(&w, &sp) > 0)
                hit = span_holds(o, &sp);
        }
    }
    return otlp_walk_error(&w) < 0 ? -2 : hit;
}

ts_decision ts_eval_ottl(ts_policy *p, const ts_trace_view *t)
{
    for (size_t i = 0; i < t->n; i++) {
        int hit = piece_holds(p->u.ottl, t->data[i], t->len[i]);
        if (hit == 1)
            return TS_SAMPLED;
        if (hit < 0)
            return TS_ERROR;
    }
    return TS_NOT_SAMPLED;
}
