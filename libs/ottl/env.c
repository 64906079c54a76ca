/*
 * env.c: where evaluation stands, and its scratch memory.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ottl_env *ottl_env_new(void)
{
    return calloc(1, sizeof(ottl_env));
}

void ottl_env_free(ottl_env *e)
{
    if (!e)
        return;
    ottl_arena_free(&e->scratch);
    ottl_arena_free(&e->keep);
    free(e);
}

void ottl_env_resource(ottl_env *e, otlp_editor *ed, const otlp_resource *r)
{
    e->ed = ed;
    e->r = *r;
    memset(e->has, 0, sizeof e->has);
    e->has[OTTL_CTX_RESOURCE] = true;
}

void ottl_env_scope(ottl_env *e, const otlp_scope *s)
{
    e->s = *s;
    e->has[OTTL_CTX_SCOPE] = true;
    for (int c = OTTL_CTX_SPAN; c < OTTL_CTX_COUNT; c++)
        e->has[c] = false;
}

void ottl_env_span(ottl_env *e, const otlp_span *sp)
{
    span_now *n = &e->now;
    e->sp = *sp;
    e->has[OTTL_CTX_SPAN] = true;
    e->has[OTTL_CTX_SPANEVENT] = false;
    ottl_arena_reset(&e->keep);
    n->name = sp->name;
    n->trace_state = sp->trace_state;
    n->trace_id = sp->trace_id;
    n->span_id = sp->span_id;
    n->parent_span_id = sp->parent_span_id;
    n->status_message = sp->status_message;
    n->kind = sp->kind;
    n->status_code = sp->status_code;
    n->start = sp->start_time_unix_nano;
    n->end = sp->end_time_unix_nano;
}

void ottl_env_event(ottl_env *e, const otlp_event *ev)
{
    e->ev = *ev;
    e->has[OTTL_CTX_SPANEVENT] = true;
}

void ottl_env_log(ottl_env *e, const otlp_log *l)
{
    e->lg = *l;
    e->has[OTTL_CTX_LOG] = true;
    ottl_arena_reset(&e->keep);
}

void ottl_env_metric(ottl_env *e, const otlp_metric *m)
{
    e->mt = *m;
    e->has[OTTL_CTX_METRIC] = true;
    e->has[OTTL_CTX_DATAPOINT] = false;
    ottl_arena_reset(&e->keep);
}

void ottl_env_datapoint(ottl_env *e, const otlp_datapoint *dp)
{
    e->dp = *dp;
    e->has[OTTL_CTX_DATAPOINT] = true;
    ottl_point_decode(dp, &e->pt);
}

const char *ottl_env_error(const ottl_env *e)
{
    return e->err;
}

uint64_t ottl_env_changes(const ottl_env *e)
{
    return e->changes;
}

bool ottl_env_oom(const ottl_env *e)
{
    return e->oom;
}

void ottl_env_set_now(ottl_env *e, int64_t unix_nano)
{
    e->fixed_now = unix_nano;
}

int ottl_errorf(ottl_env *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err, sizeof e->err, fmt, ap);
    va_end(ap);
    return -1;
}

int ottl_edit_failed(ottl_env *e, int rc)
{
    e->oom = rc == OTLP_ENOMEM;
    return ottl_errorf(e, "the edit failed: %s", otlp_strerror(rc));
}
