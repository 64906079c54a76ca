/*
 * basicauth.c: the collector's basicauth extension. With `htpasswd` it is
 * a server authenticator: a request passes when its "Authorization:
 * Basic ..." credentials match the htpasswd table (htpasswd.c), built at
 * start from `file` then `inline` (inline entries win). With
 * `client_auth` it is a client authenticator (client.c). One instance is
 * one or the other, as in the collector.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "basicauth.h"

#define HTPASSWD_MAX ((size_t)16 << 20)
#define CRED_MAX 4096

/* ---- the verified-credentials cache ---- */

static bool digest_of(ba_cache *c, const char *user, const char *pw, size_t plen,
                      unsigned char out[32])
{
    unsigned char data[CRED_MAX];
    size_t ul = strlen(user);
    unsigned int len = 0;
    if (ul + 1 + plen > sizeof(data))
        return false;
    memcpy(data, user, ul + 1);
    memcpy(data + ul + 1, pw, plen);
    bool ok = HMAC(EVP_sha256(), c->key, sizeof(c->key), data, ul + 1 + plen, out, &len);
    memset(data, 0, sizeof(data));
    return ok && len == 32;
}

static bool cache_has(ba_cache *c, const unsigned char d[32])
{
    bool hit = false;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->used; i++)
        hit |= ak_equal(c->slot[i], 32, d, 32);
    pthread_mutex_unlock(&c->mu);
    return hit;
}

static void cache_put(ba_cache *c, const unsigned char d[32])
{
    pthread_mutex_lock(&c->mu);
    memcpy(c->slot[c->next], d, 32);
    c->next = (c->next + 1) % BA_CACHE_SLOTS;
    if (c->used < BA_CACHE_SLOTS)
        c->used++;
    pthread_mutex_unlock(&c->mu);
}

/* ---- the server side ---- */

/* Whether user and password (plen bytes) are in the table; the costly
 * schemes' successes are remembered. */
static bool verify(ba *b, const char *user, const char *pw, size_t plen)
{
    unsigned char d[32];
    bool costly = hp_table_costly(&b->table, user);
    bool keyed = costly && digest_of(&b->cache, user, pw, plen, d);
    if (keyed && cache_has(&b->cache, d))
        return true;
    if (!hp_table_match(&b->table, user, pw, plen))
        return false;
    if (keyed)
        cache_put(&b->cache, d);
    return true;
}

/* Decodes "Basic <base64 of user:password>" into buf; the reason when
 * it is not that. */
static const char *parse_basic(const char *v, char *buf, size_t cap, char **pw, size_t *plen)
{
    if (strlen(v) < 6 || strncasecmp(v, "Basic ", 6) != 0)
        return "invalid authorization scheme prefix";
    long n = ak_b64_decode(v + 6, strlen(v + 6), (uint8_t *)buf, cap - 1);
    char *colon = n >= 0 ? memchr(buf, ':', (size_t)n) : NULL;
    if (!colon)
        return "invalid authorization format";
    *colon = 0;
    *pw = colon + 1;
    *plen = (size_t)n - (size_t)(colon + 1 - buf);
    return NULL;
}

static otelc_status ba_authenticate(void *state, const char *const *headers, char *reason,
                                    size_t reason_size)
{
    ba *b = state;
    char buf[CRED_MAX], *pw = NULL;
    size_t plen = 0;
    const char *v = ak_header(headers, "authorization");
    const char *why = !v || !*v ? "no basic auth provided"
                                : parse_basic(v, buf, sizeof(buf), &pw, &plen);
    if (!why && !verify(b, buf, pw, plen))
        why = "invalid credentials";
    memset(buf, 0, sizeof(buf));
    if (!why)
        return OTELC_OK;
    snprintf(reason, reason_size, "%s", why);
    return OTELC_REJECT;
}

static const otelc_auth_server ba_server_vtable = {sizeof(otelc_auth_server), ba_authenticate};

static void bad_line(void *arg, size_t line, const char *why)
{
    ba *b = arg;
    b->api->log(b->ctx, OTELC_LOG_WARN, "htpasswd line %zu skipped: %s", line, why);
}

/* The file, then the inline text: later entries win. */
static int load_table(ba *b)
{
    char *text = NULL;
    size_t len = 0;
    int rc = 0;
    if (b->cfg->file && *b->cfg->file) {
        rc = ak_read_file(b->cfg->file, HTPASSWD_MAX, &text, &len);
        if (rc != 0) {
            b->api->log(b->ctx, OTELC_LOG_ERROR, "open htpasswd file %s: %s", b->cfg->file,
                        strerror(-rc));
            return -1;
        }
        rc = hp_table_add_text(&b->table, text, bad_line, b);
        free(text);
    }
    if (rc == 0 && b->cfg->inl)
        rc = hp_table_add_text(&b->table, b->cfg->inl, bad_line, b);
    if (rc != 0)
        b->api->log(b->ctx, OTELC_LOG_ERROR, "out of memory reading the htpasswd entries");
    return rc;
}

/* ---- lifecycle ---- */

static bool section(const ba *b, const char *key)
{
    return b->api->node_get(b->api->config_node(b->ctx), key) != NULL;
}

/* The collector's checks: one of htpasswd and client_auth, a source. */
static int ba_check(ba *b)
{
    bool server = section(b, "htpasswd"), client = section(b, "client_auth");
    const char *why = server && client ? "only one of `htpasswd` or `client_auth` can be specified"
                      : !server && !client ? "no credential source provided"
                                           : NULL;
    if (!why && server && !(b->cfg->file && *b->cfg->file) && !(b->cfg->inl && *b->cfg->inl))
        why = "no credential source provided";
    if (why) {
        b->api->config_error(b->ctx, NULL, "%s", why);
        return -1;
    }
    b->server = server;
    return server ? 0 : ba_client_check(b);
}

static int ba_offer(ba *b)
{
    if (!otelc_host_has(b->api, service_provide)) {
        b->api->log(b->ctx, OTELC_LOG_ERROR, "the host is too old for authenticators");
        return -1;
    }
    if (b->server)
        return b->api->service_provide(b->ctx, OTELC_SERVICE_AUTH_SERVER, &ba_server_vtable, b);
    return b->api->service_provide(b->ctx, OTELC_SERVICE_AUTH_CLIENT, &ba_client_vtable, b);
}

static void ba_free(ba *b)
{
    ba_client_free(b);
    hp_table_free(&b->table);
    pthread_mutex_destroy(&b->cache.mu);
    pthread_rwlock_destroy(&b->lock);
    free(b);
}

static int ba_create(otelc_ctx *ctx, const otelc_host_api *api, const void *cfg, void **state)
{
    ba *b = calloc(1, sizeof(*b));
    if (!b)
        return -1;
    *b = (ba){.ctx = ctx, .api = api, .cfg = cfg};
    pthread_mutex_init(&b->cache.mu, NULL);
    pthread_rwlock_init(&b->lock, NULL);
    if (RAND_bytes(b->cache.key, sizeof(b->cache.key)) != 1) {
        api->log(ctx, OTELC_LOG_ERROR, "no random bytes for the credentials cache");
        ba_free(b);
        return -1;
    }
    if (ba_check(b) != 0 || ba_offer(b) != 0) {
        ba_free(b);
        return -1;
    }
    *state = b;
    return 0;
}

static int ba_start(void *state)
{
    ba *b = state;
    return b->server ? load_table(b) : ba_client_start(b);
}

static int ba_shutdown(void *state, int64_t deadline_ns)
{
    ba_client_stop(state);
    return 0;
}

static void ba_destroy(void *state)
{
    ba_free(state);
}

#define OFF(f) offsetof(ba_cfg, f)
static const otelc_cfg_key ba_keys[] = {
    {"htpasswd", OTELC_CFG_SECTION, NULL, "server: the accepted credentials", 0, 0},
    {"htpasswd.file", OTELC_CFG_STRING, NULL, "an htpasswd file", OFF(file), 0},
    {"htpasswd.inline", OTELC_CFG_STRING, NULL, "htpasswd lines (win over the file's)",
     OFF(inl), OTELC_KEY_SECRET},
    {"client_auth", OTELC_CFG_SECTION, NULL, "client: the credentials sent", 0, 0},
    {"client_auth.username", OTELC_CFG_STRING, NULL, "user name", OFF(username), 0},
    {"client_auth.password", OTELC_CFG_STRING, NULL, "password", OFF(password),
     OTELC_KEY_SECRET},
    {"client_auth.username_file", OTELC_CFG_STRING, NULL,
     "a file holding the user name (wins; re-read on change)", OFF(username_file), 0},
    {"client_auth.password_file", OTELC_CFG_STRING, NULL,
     "a file holding the password (wins; re-read on change)", OFF(password_file), 0},
    {0},
};

static const otelc_plugin ba_desc = {
    .abi_major = OTELC_ABI_MAJOR,
    .abi_minor = OTELC_ABI_MINOR,
    .struct_size = sizeof(otelc_plugin),
    .kind = OTELC_EXTENSION,
    .type = "basicauth",
    .version = OTELC_VERSION,
    .doc = "HTTP Basic authenticator: htpasswd on receivers or credentials on exporters",
    .config_keys = ba_keys,
    .config_size = sizeof(ba_cfg),
    .create = ba_create,
    .start = ba_start,
    .shutdown = ba_shutdown,
    .destroy = ba_destroy,
};

OTELC_PLUGIN(ba_desc)
