/*
 * admin_routes.c: GET /health, GET /metrics and the health_check answer.
 *
 * The handlers answer at once on the admin thread; the health model and
 * the metrics registry take their own locks, so nothing here does.
 */
#include "admin_routes.h"

#include "admin_int.h"
#include "telemetry/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <otelc/sdk/clock.h>

#define NS_PER_SEC 1000000000ULL

static const char *const json_headers[] = {"Content-Type", "application/json", NULL};

static void respond_text(otelc_http_req *req, int status, const char *const *headers,
                         const char *text)
{
    admin_respond(req, status, headers, text, strlen(text));
}

static void serve_health(void *arg, otelc_http_req *req)
{
    health_model *h = arg;
    int status = 500;
    json_t *doc = health_json(h, &status);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

    if (text)
        respond_text(req, status, json_headers, text);
    else
        respond_text(req, 500, json_headers, "{\"error\":\"out of memory\"}");
    free(text);
    json_decref(doc);
}

static void serve_metrics(void *arg, otelc_http_req *req)
{
    static const char *const headers[] = {"Content-Type",
                                          "text/plain; version=0.0.4; charset=utf-8", NULL};
    metrics_registry *m = arg;
    struct evbuffer *out = evbuffer_new();
    const unsigned char *text;

    if (!out || metrics_render(m, out) != 0 || !(text = evbuffer_pullup(out, -1))) {
        respond_text(req, 500, NULL, "out of memory\n");
    } else {
        admin_respond(req, 200, headers, text, evbuffer_get_length(out));
    }
    if (out)
        evbuffer_free(out);
}

/* ".5" for v % 10^prec == 500000000 with prec 9: the fraction without
 * trailing zeros, or "" when it is zero. */
static void fraction(uint64_t v, int prec, char *out, size_t len)
{
    uint64_t div = 1;
    size_t end;

    for (int i = 0; i < prec; i++)
        div *= 10;
    if (v % div == 0) {
        out[0] = '\0';
        return;
    }
    snprintf(out, len, ".%0*" PRIu64, prec, v % div);
    end = strlen(out);
    while (end > 1 && out[end - 1] == '0')
        out[--end] = '\0';
}

char *admin_format_duration(int64_t ns, char *buf, size_t len)
{
    uint64_t u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    const char *sign = ns < 0 ? "-" : "";
    uint64_t secs, mins;
    char frac[32];

    if (u == 0) {
        snprintf(buf, len, "0s");
    } else if (u < 1000) {
        snprintf(buf, len, "%s%" PRIu64 "ns", sign, u);
    } else if (u < 1000000) {
        fraction(u, 3, frac, sizeof(frac));
        snprintf(buf, len, "%s%" PRIu64 "%s\u00b5s", sign, u / 1000, frac);
    } else if (u < NS_PER_SEC) {
        fraction(u, 6, frac, sizeof(frac));
        snprintf(buf, len, "%s%" PRIu64 "%sms", sign, u / 1000000, frac);
    } else {
        fraction(u, 9, frac, sizeof(frac));
        secs = u / NS_PER_SEC;
        mins = secs / 60;
        if (mins == 0)
            snprintf(buf, len, "%s%" PRIu64 "%ss", sign, secs, frac);
        else if (mins < 60)
            snprintf(buf, len, "%s%" PRIu64 "m%" PRIu64 "%ss", sign, mins, secs % 60, frac);
        else
            snprintf(buf, len, "%s%" PRIu64 "h%" PRIu64 "m%" PRIu64 "%ss", sign, mins / 60,
                     mins % 60, secs % 60, frac);
    }
    return buf;
}

static void serve_health_check(void *arg, otelc_http_req *req)
{
    health_model *h = arg;
    health_summary s;
    char body[256], since[32], uptime[64];

    health_summarize(h, &s);
    if (s.overall == HEALTH_UNHEALTHY) {
        /* The collector leaves both at their zero values when unavailable. */
        snprintf(body, sizeof(body),
                 "{\"status\":\"Server not available\",\"upSince\":\"0001-01-01T00:00:00Z\","
                 "\"uptime\":\"\"}");
        respond_text(req, 503, json_headers, body);
        return;
    }
    health_format_time(s.running_unix_ns, since, sizeof(since));
    admin_format_duration(otelc_mono_ns() - s.running_mono_ns, uptime, sizeof(uptime));
    snprintf(body, sizeof(body), "{\"status\":\"Server available\",\"upSince\":\"%s\",\"uptime\":\"%s\"}",
             since, uptime);
    respond_text(req, 200, json_headers, body);
}

int admin_routes_install(admin_server *a, health_model *h, metrics_registry *m)
{
    a->health = h;
    if (admin_route_scoped(a, ADMIN_SCOPE_API, "GET", "/health", serve_health, h) != 0)
        return -1;
    return admin_route_scoped(a, ADMIN_SCOPE_METRICS, "GET", "/metrics", serve_metrics, m);
}

int admin_routes_install_health_check(admin_server *a, health_model *h, const char *path)
{
    return admin_route_scoped(a, ADMIN_SCOPE_HEALTH_CHECK, "GET", path ? path : "/",
                              serve_health_check, h);
}

int admin_add_health_check(admin_server *a, const char *endpoint, const char *path,
                           const admin_guard *g, uint16_t *port)
{
    char err[512];

    if (!a->health) {
        otelc_log(OTELC_LOG_ERROR, "health_check", "the admin server has no health model");
        return -1;
    }
    if (admin_routes_install_health_check(a, a->health, path) != 0)
        return -1;
    if (admin_listen_guarded(a, endpoint, ADMIN_SCOPE_HEALTH_CHECK, g, port, err,
                             sizeof(err)) != 0) {
        otelc_log(OTELC_LOG_ERROR, "health_check", "%s", err);
        return -1;
    }
    return 0;
}
