/*
 * health.c: component statuses, the process phase, and the /health JSON.
 *
 * One mutex guards the model; reports are rare (status changes), so a lock
 * costs nothing that matters. The extra-fields provider runs after the
 * lock is released: it belongs to other modules (the exporter queues) that
 * report health while holding their own locks, and calling it under ours
 * would invert that order.
 */
#include "health.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <otelc/sdk/clock.h>

struct health_component {
    health_model *model;
    health_component *next;
    char *id;
    char *kind;
    otelc_health status;
    char *detail;
    int64_t since_ns;
    char *last_error; /* NULL until a non-ok report */
    int64_t last_error_ns;
    /* The host's hold (a sending queue at its disk budget): while set,
     * the component shows unhealthy with this reason whatever its plugin
     * reports; the plugin's reports are kept underneath and show again
     * once the hold is released. */
    bool held;
    char hold[192];
};

/* What /health shows for c. */
static otelc_health shown_status(const health_component *c)
{
    return c->held ? OTELC_HEALTH_UNHEALTHY : c->status;
}

struct health_model {
    pthread_mutex_t lock;
    health_phase phase;
    int64_t start_unix_ns, start_mono_ns;
    int64_t running_unix_ns, running_mono_ns;
    health_component *first, *last;
    size_t ncomponents;
    health_extra_fn extra;
    void *extra_arg;
};

char *health_format_time(int64_t unix_ns, char *buf, size_t len)
{
    time_t secs = (time_t)(unix_ns / 1000000000);
    struct tm tm;

    if (!gmtime_r(&secs, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, len, "1970-01-01T00:00:00Z");
    return buf;
}

const char *health_overall_name(health_overall o)
{
    static const char *const names[] = {"healthy", "degraded", "unhealthy"};
    return (unsigned)o < 3 ? names[o] : "unhealthy";
}

const char *health_status_name(otelc_health s)
{
    static const char *const names[] = {"ok", "degraded", "unhealthy"};
    return (unsigned)s < 3 ? names[s] : "unhealthy";
}

static const char *phase_name(health_phase p)
{
    static const char *const names[] = {"starting", "running", "shutting_down"};
    return (unsigned)p < 3 ? names[p] : "starting";
}

health_model *health_new(void)
{
    health_model *h = calloc(1, sizeof(*h));

    if (!h)
        return NULL;
    if (pthread_mutex_init(&h->lock, NULL) != 0) {
        free(h);
        return NULL;
    }
    h->phase = HEALTH_STARTING;
    h->start_unix_ns = otelc_real_ns();
    h->start_mono_ns = otelc_mono_ns();
    return h;
}

static void component_free(health_component *c)
{
    free(c->id);
    free(c->kind);
    free(c->detail);
    free(c->last_error);
    free(c);
}

void health_free(health_model *h)
{
    health_component *c;

    if (!h)
        return;
    c = h->first;
    while (c) {
        health_component *next = c->next;
        component_free(c);
        c = next;
    }
    pthread_mutex_destroy(&h->lock);
    free(h);
}

static health_component *find_locked(health_model *h, const char *id)
{
    for (health_component *c = h->first; c; c = c->next) {
        if (strcmp(c->id, id) == 0)
            return c;
    }
    return NULL;
}

static health_component *component_new(health_model *h, const char *id, const char *kind)
{
    health_component *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->model = h;
    c->id = strdup(id);
    c->kind = strdup(kind ? kind : "");
    c->detail = strdup("");
    if (!c->id || !c->kind || !c->detail) {
        component_free(c);
        return NULL;
    }
    c->status = OTELC_HEALTH_OK;
    c->since_ns = otelc_real_ns();
    return c;
}

health_component *health_register(health_model *h, const char *id, const char *kind)
{
    health_component *fresh = component_new(h, id, kind);
    health_component *c;

    if (!fresh)
        return NULL;
    pthread_mutex_lock(&h->lock);
    c = find_locked(h, id);
    if (!c) {
        c = fresh;
        fresh = NULL;
        if (h->last)
            h->last->next = c;
        else
            h->first = c;
        h->last = c;
        h->ncomponents++;
    }
    pthread_mutex_unlock(&h->lock);
    if (fresh)
        component_free(fresh);
    return c;
}

void health_report(health_component *c, otelc_health status, const char *detail)
{
    health_model *h = c->model;
    char *text = strdup(detail ? detail : "");
    char *error_text = status != OTELC_HEALTH_OK ? strdup(detail ? detail : "") : NULL;
    int64_t now = otelc_real_ns();

    pthread_mutex_lock(&h->lock);
    otelc_health before = shown_status(c);
    c->status = status;
    if (shown_status(c) != before)
        c->since_ns = now;
    if (text) {
        char *old = c->detail;
        c->detail = text;
        text = old;
    }
    if (error_text) {
        char *old = c->last_error;
        c->last_error = error_text;
        c->last_error_ns = now;
        error_text = old;
    }
    pthread_mutex_unlock(&h->lock);
    free(text); /* whichever string was replaced */
    free(error_text);
}

void health_hold(health_component *c, const char *why)
{
    health_model *h = c->model;
    char *error_text = why ? strdup(why) : NULL;
    int64_t now = otelc_real_ns();

    pthread_mutex_lock(&h->lock);
    otelc_health before = shown_status(c);
    c->held = why != NULL;
    snprintf(c->hold, sizeof(c->hold), "%s", why ? why : "");
    if (shown_status(c) != before)
        c->since_ns = now;
    if (error_text) {
        char *old = c->last_error;
        c->last_error = error_text;
        c->last_error_ns = now;
        error_text = old;
    }
    pthread_mutex_unlock(&h->lock);
    free(error_text);
}

otelc_health health_component_status(health_component *c)
{
    otelc_health s;

    pthread_mutex_lock(&c->model->lock);
    s = shown_status(c);
    pthread_mutex_unlock(&c->model->lock);
    return s;
}

void health_set_phase(health_model *h, health_phase p)
{
    pthread_mutex_lock(&h->lock);
    if (p == HEALTH_RUNNING && h->phase != HEALTH_RUNNING) {
        h->running_unix_ns = otelc_real_ns();
        h->running_mono_ns = otelc_mono_ns();
    }
    h->phase = p;
    pthread_mutex_unlock(&h->lock);
}

static health_overall overall_locked(const health_model *h)
{
    health_overall o = HEALTH_HEALTHY;

    if (h->phase != HEALTH_RUNNING)
        return HEALTH_UNHEALTHY;
    for (const health_component *c = h->first; c; c = c->next) {
        if (shown_status(c) == OTELC_HEALTH_UNHEALTHY)
            return HEALTH_UNHEALTHY;
        if (shown_status(c) == OTELC_HEALTH_DEGRADED)
            o = HEALTH_DEGRADED;
    }
    return o;
}

void health_summarize(health_model *h, health_summary *out)
{
    pthread_mutex_lock(&h->lock);
    out->overall = overall_locked(h);
    out->phase = h->phase;
    out->start_unix_ns = h->start_unix_ns;
    out->running_unix_ns = h->running_unix_ns;
    out->running_mono_ns = h->running_mono_ns;
    pthread_mutex_unlock(&h->lock);
}

void health_set_extra(health_model *h, health_extra_fn fn, void *arg)
{
    pthread_mutex_lock(&h->lock);
    h->extra = fn;
    h->extra_arg = arg;
    pthread_mutex_unlock(&h->lock);
}

/* json_object_set_new that remembers a failure instead of returning it. */
static void put(json_t *obj, const char *key, json_t *value, bool *ok)
{
    if (!value || json_object_set_new(obj, key, value) != 0)
        *ok = false;
}

static void put_time(json_t *obj, const char *key, int64_t unix_ns, bool *ok)
{
    char buf[32];
    put(obj, key, json_string(health_format_time(unix_ns, buf, sizeof(buf))), ok);
}

static json_t *component_json(const health_component *c)
{
    json_t *o = json_object();
    bool ok = o != NULL;

    if (!ok)
        return NULL;
    put(o, "kind", json_string(c->kind), &ok);
    put(o, "status", json_string(health_status_name(shown_status(c))), &ok);
    put(o, "detail", json_string(c->held ? c->hold : c->detail), &ok);
    put_time(o, "since", c->since_ns, &ok);
    if (c->last_error) {
        put(o, "last_error", json_string(c->last_error), &ok);
        put_time(o, "last_error_time", c->last_error_ns, &ok);
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The document without the provider's fields; *overall set. */
static json_t *base_json_locked(const health_model *h, health_overall *overall)
{
    json_t *doc = json_object(), *comps = json_object();
    bool ok = doc && comps;
    int64_t up_ns = otelc_mono_ns() - h->start_mono_ns;

    *overall = overall_locked(h);
    for (const health_component *c = h->first; c && ok; c = c->next)
        put(comps, c->id, component_json(c), &ok);
    if (ok) {
        put(doc, "status", json_string(health_overall_name(*overall)), &ok);
        put(doc, "phase", json_string(phase_name(h->phase)), &ok);
        put(doc, "uptime_seconds", json_integer(up_ns / 1000000000), &ok);
        put_time(doc, "start_time", h->start_unix_ns, &ok);
        put(doc, "components", json_incref(comps), &ok);
    }
    json_decref(comps);
    if (!ok) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

static void add_extras(json_t *doc, health_extra_fn fn, void *arg)
{
    json_t *comps = json_object_get(doc, "components");

    for (void *it = json_object_iter(comps); it; it = json_object_iter_next(comps, it))
        fn(arg, json_object_iter_key(it), json_object_iter_value(it));
    fn(arg, NULL, doc);
}

json_t *health_json(health_model *h, int *http_status)
{
    health_overall overall;
    health_extra_fn fn;
    void *arg;
    json_t *doc;

    pthread_mutex_lock(&h->lock);
    doc = base_json_locked(h, &overall);
    fn = h->extra;
    arg = h->extra_arg;
    pthread_mutex_unlock(&h->lock);
    if (!doc)
        return NULL;
    if (fn)
        add_extras(doc, fn, arg);
    *http_status = overall == HEALTH_UNHEALTHY ? 503 : 200;
    return doc;
}
