/*
 * admin_guard.c: an authenticator in front of a listener's routes, as
 * confighttp's auth is in front of a collector server: the request's
 * headers go to the extension's auth.server service before the route
 * runs, and a refusal is answered 401 without reaching it.
 */
#include "admin_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <otelc/sdk/clock.h>

#include "telemetry/log.h"
#include "telemetry/metrics.h"

#define LOG_EVERY_NS (INT64_C(10) * 1000000000)

static void free_list(char **list)
{
    for (size_t i = 0; list && list[i]; i++)
        free(list[i]);
    free(list);
}

/* name, value, ..., NULL with names in lower case (the service's
 * contract); NULL when memory ran out. */
static char **header_list(struct evhttp_request *ev)
{
    const struct evkeyvalq *in = evhttp_request_get_input_headers(ev);
    const struct evkeyval *kv;
    size_t n = 0, i = 0;
    TAILQ_FOREACH(kv, in, next)
    n++;
    char **list = calloc(2 * n + 1, sizeof(*list));
    if (!list)
        return NULL;
    TAILQ_FOREACH(kv, in, next)
    {
        list[i] = strdup(kv->key);
        list[i + 1] = strdup(kv->value);
        if (!list[i] || !list[i + 1]) {
            free_list(list);
            return NULL;
        }
        for (char *p = list[i]; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        i += 2;
    }
    return list;
}

/* One line per LOG_EVERY_NS, with how many refusals it stands for. */
static void log_refusal(admin_auth *g, const char *why)
{
    int64_t now = otelc_mono_ns();
    g->unlogged++;
    if (g->logged_ns && now - g->logged_ns < LOG_EVERY_NS)
        return;
    otelc_log(OTELC_LOG_WARN, g->owner,
              "refused %zu request(s) without valid credentials in the last 10s; the latest: %s",
              g->unlogged, why);
    g->logged_ns = now;
    g->unlogged = 0;
}

static void reply_unauthorized(struct evhttp_request *ev, const admin_auth *g)
{
    static const char body[] = "{\"error\":\"unauthorized\"}";
    struct evkeyvalq *out = evhttp_request_get_output_headers(ev);
    struct evbuffer *buf = evbuffer_new();
    evhttp_add_header(out, "Content-Type", "application/json");
    if (g->challenge)
        evhttp_add_header(out, "WWW-Authenticate", g->challenge);
    if (buf)
        evbuffer_add(buf, body, sizeof(body) - 1);
    evhttp_send_reply(ev, 401, "Unauthorized", buf);
    if (buf)
        evbuffer_free(buf);
}

/* The service's verdict; why gets its reason on a refusal. */
static bool authenticated(const admin_auth *g, struct evhttp_request *ev, char *why, size_t cap)
{
    if (!g->service) {
        snprintf(why, cap, "no authenticator is running");
        return false;
    }
    char **list = header_list(ev);
    if (!list) {
        snprintf(why, cap, "out of memory");
        return false;
    }
    why[0] = '\0';
    otelc_status st = g->service->authenticate(g->state, (const char *const *)list, why, cap);
    free_list(list);
    if (st != OTELC_OK && !why[0])
        snprintf(why, cap, "authentication failed");
    return st == OTELC_OK;
}

bool admin_guard_pass(admin_auth *g, struct evhttp_request *ev)
{
    char why[256];
    if (authenticated(g, ev, why, sizeof(why)))
        return true;
    if (g->refusals)
        metrics_add(g->refusals, 1);
    log_refusal(g, why);
    reply_unauthorized(ev, g);
    return false;
}
