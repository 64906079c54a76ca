/*
 * bearertokenauth.c: the collector's bearertokenauth extension.
 *
 * Server side (auth.server): a request passes when its `header` (default
 * Authorization) equals "<scheme> <token>" for one of the tokens, compared
 * in constant time. Client side (auth.client): requests carry the first
 * token. Tokens come from `token`, `tokens` or `filename` (one per line,
 * which wins over both and is re-read whenever the file changes, as the
 * collector's file watch does). Tokens are secrets: never logged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/plugin.h>

#include "authkit/authkit.h"
#include "tokens.h"

#define TOKEN_FILE_MAX ((size_t)1 << 20)

typedef struct bt_cfg {
    const char *header;
    const char *scheme;
    const char *token;
    otelc_strlist tokens;
    const char *filename;
} bt_cfg;

typedef struct bt {
    otelc_ctx *ctx;
    const otelc_host_api *api;
    const bt_cfg *cfg;
    bt_tokens tok;
    ak_watch *watch;
} bt;

static otelc_status bt_authenticate(void *state, const char *const *headers, char *reason,
                                    size_t reason_size)
{
    bt *b = state;
    const char *got = ak_header(headers, b->cfg->header);
    if (!got || !*got) {
        snprintf(reason, reason_size, "missing or empty authorization header: %s",
                 b->cfg->header);
        return OTELC_REJECT;
    }
    if (bt_tokens_match(&b->tok, got))
        return OTELC_OK;
    snprintf(reason, reason_size, "scheme or token does not match");
    return OTELC_REJECT;
}

static int bt_headers(void *state, const char *const *metadata,
                      void (*add)(void *arg, const char *name, const char *value), void *arg)
{
    bt *b = state;
    return bt_tokens_send(&b->tok, b->cfg->header, add, arg);
}

static const otelc_auth_server bt_server = {sizeof(otelc_auth_server), bt_authenticate};
static const otelc_auth_client bt_client = {sizeof(otelc_auth_client), bt_headers};

/* Reads the token file; on failure the tokens read before stay. */
static void bt_reload(void *arg)
{
    bt *b = arg;
    char *text = NULL;
    size_t len = 0;
    int rc = ak_read_file(b->cfg->filename, TOKEN_FILE_MAX, &text, &len);
    long n = rc == 0 ? bt_tokens_set_text(&b->tok, b->cfg->scheme, text) : -1;
    free(text);
    if (rc != 0)
        b->api->log(b->ctx, OTELC_LOG_ERROR, "cannot read the token file %s: %s",
                    b->cfg->filename, strerror(-rc));
    else if (n < 0)
        b->api->log(b->ctx, OTELC_LOG_ERROR, "out of memory reading %s", b->cfg->filename);
    else
        b->api->log(b->ctx, n ? OTELC_LOG_INFO : OTELC_LOG_WARN, "read %ld token(s) from %s",
                    n, b->cfg->filename);
}

/* The collector's checks, and its warning when filename wins. */
static int bt_check(const bt *b)
{
    const bt_cfg *c = b->cfg;
    bool token = c->token && *c->token, file = c->filename && *c->filename;
    if (!token && c->tokens.n == 0 && !file) {
        b->api->config_error(b->ctx, NULL, "no bearer token provided");
        return -1;
    }
    if (token && c->tokens.n) {
        b->api->config_error(b->ctx, NULL, "either tokens or token should be provided, not both");
        return -1;
    }
    if (!c->header || !*c->header) {
        b->api->config_error(b->ctx, NULL, "header: must not be empty");
        return -1;
    }
    if (file && (token || c->tokens.n))
        b->api->log(b->ctx, OTELC_LOG_WARN, "a filename is specified. Configured token(s) is "
                                            "ignored!");
    return 0;
}

/* The configured tokens (a file's come at start). */
static int bt_initial_tokens(bt *b)
{
    const bt_cfg *c = b->cfg;
    if (c->filename && *c->filename)
        return 0;
    if (c->tokens.n)
        return bt_tokens_set(&b->tok, c->scheme, c->tokens.items, c->tokens.n);
    return bt_tokens_set(&b->tok, c->scheme, &c->token, 1);
}

static int bt_offer(bt *b)
{
    if (!otelc_host_has(b->api, service_provide)) {
        b->api->log(b->ctx, OTELC_LOG_ERROR, "the host is too old for authenticators");
        return -1;
    }
    if (b->api->service_provide(b->ctx, OTELC_SERVICE_AUTH_SERVER, &bt_server, b) != 0)
        return -1;
    return b->api->service_provide(b->ctx, OTELC_SERVICE_AUTH_CLIENT, &bt_client, b);
}

static int bt_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state)
{
    bt *b = calloc(1, sizeof(*b));
    if (!b)
        return -1;
    *b = (bt){.ctx = ctx, .api = api, .cfg = cfg};
    bt_tokens_init(&b->tok);
    if (bt_check(b) != 0 || bt_initial_tokens(b) != 0 || bt_offer(b) != 0) {
        bt_tokens_free(&b->tok);
        free(b);
        return -1;
    }
    *state = b;
    return 0;
}

static int bt_start(void *state)
{
    bt *b = state;
    if (!b->cfg->filename || !*b->cfg->filename)
        return 0;
    bt_reload(b);
    b->watch = ak_watch_start(b->cfg->filename, bt_reload, b);
    if (!b->watch) {
        b->api->log(b->ctx, OTELC_LOG_ERROR, "cannot watch %s: %s", b->cfg->filename,
                    strerror(errno));
        return -1;
    }
    return 0;
}

static int bt_shutdown(void *state, int64_t deadline_ns)
{
    bt *b = state;
    ak_watch_stop(b->watch);
    b->watch = NULL;
    return 0;
}

static void bt_destroy(void *state)
{
    bt *b = state;
    ak_watch_stop(b->watch);
    bt_tokens_free(&b->tok);
    free(b);
}

#define OFF(f) offsetof(bt_cfg, f)
static const otelc_cfg_key bt_keys[] = {
    {"header", OTELC_CFG_STRING, "Authorization", "the header carrying the token",
     OFF(header), 0},
    {"scheme", OTELC_CFG_STRING, "Bearer", "put before the token, with a space; \"\": none",
     OFF(scheme), 0},
    {"token", OTELC_CFG_STRING, NULL, "the token", OFF(token), OTELC_KEY_SECRET},
    {"tokens", OTELC_CFG_STRLIST, NULL, "tokens accepted (the first is sent)", OFF(tokens),
     OTELC_KEY_SECRET},
    {"filename", OTELC_CFG_STRING, NULL, "a file of tokens, one per line, re-read on change",
     OFF(filename), 0},
    {0},
};

static const otelc_plugin bt_desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_EXTENSION,
    .type = "bearertokenauth",
    .version = OTELC_VERSION,
    .doc = "bearer token authenticator for receivers (checks) and exporters (sends)",
    .config_keys = bt_keys,
    .config_size = sizeof(bt_cfg),
    .create = bt_create,
    .start = bt_start,
    .shutdown = bt_shutdown,
    .destroy = bt_destroy,
};

OTELC_PLUGIN(bt_desc)
