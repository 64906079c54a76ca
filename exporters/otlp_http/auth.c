/*
 * auth.c: `auth: { authenticator: <id> }`, as confighttp has it: the
 * extension's auth.client service adds headers to every attempt. Its
 * headers sit between otelc's own and the config's `headers`: they
 * replace otelc's of the same name (Content-Type, User-Agent, ...) and
 * are replaced by the config's, since in the collector the auth round
 * tripper wraps the one that sets `headers`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <otelc/sdk/clock.h>

#include "otlp_http.h"

#define LOG_EVERY_NS (INT64_C(10) * 1000000000)

int oh_auth_resolve(ohttp *x)
{
    const char *id = x->cfg->auth_authenticator;
    const otelc_node *auth = x->api->node_get(x->api->config_node(x->ctx), "auth");
    if (!auth)
        return 0;
    const otelc_node *at = x->api->node_get(auth, "authenticator");
    if (!otelc_host_has(x->api, service_lookup) || !id || !*id) {
        x->api->config_error(x->ctx, at ? at : auth, "auth.authenticator: %s",
                             id && *id ? "the host is too old for authenticators" : "missing");
        return -1;
    }
    x->auth = x->api->service_lookup(x->ctx, OTELC_SERVICE_AUTH_CLIENT, id, &x->auth_state);
    if (x->auth && x->auth->struct_size >= sizeof(otelc_auth_client))
        return 0;
    void *other = NULL;
    bool server = x->api->service_lookup(x->ctx, OTELC_SERVICE_AUTH_SERVER, id, &other) != NULL;
    x->api->config_error(x->ctx, at,
                         server ? "\"%s\": requested authenticator is not a client "
                                  "authenticator"
                                : "failed to resolve authenticator \"%s\": authenticator not "
                                  "found (is it defined and listed in service.extensions?)",
                         id);
    x->auth = NULL;
    return -1;
}

int oh_auth_metadata(const otelc_batch *b, char ***out)
{
    const otelc_batch_meta *m = otelc_batch_meta_of(b);
    size_t n = m ? m->npairs : 0, bytes = (2 * n + 1) * sizeof(char *);
    *out = NULL;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        bytes += strlen(m->pairs[i].key) + strlen(m->pairs[i].value) + 2;
    char **list = malloc(bytes);
    if (!list)
        return -1;
    char *p = (char *)(list + 2 * n + 1);
    for (size_t i = 0; i < 2 * n; i++) {
        const char *s = i % 2 ? m->pairs[i / 2].value : m->pairs[i / 2].key;
        list[i] = memcpy(p, s, strlen(s) + 1);
        p += strlen(s) + 1;
    }
    list[2 * n] = NULL;
    *out = list;
    return 0;
}

/* What the authenticator adds, as header lines. */
typedef struct auth_set {
    char *lines[OH_HEADERS_MAX];
    size_t n;
    bool failed;
} auth_set;

static bool token_ok(const char *s)
{
    return *s && !strpbrk(s, " \t\r\n:;");
}

/* One header from the authenticator: "Name: value", or "Name;" for an
 * empty value (libcurl's way to send one). Bad names and values with
 * line breaks are left out. */
static void collect(void *arg, const char *name, const char *value)
{
    auth_set *s = arg;
    if (!name || !value || !token_ok(name) || strpbrk(value, "\r\n") || s->n == OH_HEADERS_MAX)
        return;
    size_t len = strlen(name) + strlen(value) + 3;
    char *line = malloc(len);
    if (!line) {
        s->failed = true;
        return;
    }
    snprintf(line, len, *value ? "%s: %s" : "%s;%s", name, value);
    s->lines[s->n++] = line;
}

/* Whether the header line sets name (any case). */
static bool line_is(const char *line, const char *name, size_t nlen)
{
    return strncasecmp(line, name, nlen) == 0 && (line[nlen] == ':' || line[nlen] == ';');
}

static bool set_has(const auth_set *s, const char *line)
{
    size_t nlen = strcspn(line, ":;");
    for (size_t i = 0; i < s->n; i++)
        if (line_is(s->lines[i], line, nlen))
            return true;
    return false;
}

static int append(struct curl_slist **l, const char *line)
{
    struct curl_slist *n = curl_slist_append(*l, line);
    if (!n)
        return -1;
    *l = n;
    return 0;
}

/* otelc's own lines but those the authenticator sets, the
 * authenticator's but those the config sets, then the config's. */
static int merge(ohttp *x, unsigned k, const auth_set *s, struct curl_slist **out)
{
    int bad = 0;
    for (const struct curl_slist *o = x->own[k]; o; o = o->next)
        if (!set_has(s, o->data))
            bad |= append(out, o->data);
    for (size_t i = 0; i < s->n; i++) {
        size_t nlen = strcspn(s->lines[i], ":;");
        char name[256];
        snprintf(name, sizeof(name), "%.*s", (int)nlen, s->lines[i]);
        if (!oh_headers_has(&x->user_headers, name))
            bad |= append(out, s->lines[i]);
    }
    for (size_t i = 0; i < x->user_headers.n; i++)
        bad |= append(out, x->user_headers.lines[i]);
    return bad ? -1 : 0;
}

static void log_no_credentials(ohttp *x)
{
    int64_t now = otelc_mono_ns();
    pthread_mutex_lock(&x->mu);
    bool due = !x->auth_logged_ns || now - x->auth_logged_ns >= LOG_EVERY_NS;
    if (due)
        x->auth_logged_ns = now;
    pthread_mutex_unlock(&x->mu);
    if (due)
        x->api->log(x->ctx, OTELC_LOG_WARN, "the authenticator %s has no credentials now; "
                                            "retrying the batch later",
                    x->cfg->auth_authenticator);
}

int oh_auth_headers(ohttp *x, const otelc_request *r, struct curl_slist **out)
{
    auth_set s = {.n = 0};
    *out = NULL;
    int rc = x->auth->headers(x->auth_state, (const char *const *)r->metadata, collect, &s);
    if (rc != 0)
        log_no_credentials(x);
    if (rc == 0 && !s.failed)
        rc = merge(x, otelc_signal_index(r->signal), &s, out);
    for (size_t i = 0; i < s.n; i++)
        free(s.lines[i]);
    if (rc != 0 || s.failed) {
        curl_slist_free_all(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}
