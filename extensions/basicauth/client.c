/*
 * client.c: basicauth's client side. Requests carry "Authorization:
 * Basic base64(username:password)"; username_file and password_file,
 * when set, win over the inline values, are read at start (unreadable or
 * empty fails the start, as in the collector) and again whenever they
 * change, keeping the last good value when a re-read fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basicauth.h"

#define CRED_FILE_MAX ((size_t)64 * 1024)
#define VALUE_MAX 8192

static bool set(const char *s)
{
    return s && *s;
}

int ba_client_check(ba *b)
{
    const ba_cfg *c = b->cfg;
    if (!set(c->username_file) && c->username && strchr(c->username, ':')) {
        b->api->config_error(b->ctx, NULL, "client_auth.username: must not hold ':' "
                                           "(invalid authorization format)");
        return -1;
    }
    return 0;
}

/* The file's text, trimmed (malloc'd), or NULL after logging why. */
static char *read_cred(ba *b, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    int rc = ak_read_file(path, CRED_FILE_MAX, &text, &len);
    const char *v = text;
    if (rc == 0)
        ak_trim(&v, &len);
    char *out = rc == 0 && len ? strndup(v, len) : NULL;
    free(text);
    if (!out)
        b->api->log(b->ctx, OTELC_LOG_ERROR, "failed to read credentials file %s: %s", path,
                    rc ? strerror(-rc) : "empty");
    return out;
}

/* "Basic base64(user:pass)" (malloc'd), or NULL after logging why. */
static char *basic_value(ba *b, const char *user, const char *pass)
{
    char plain[VALUE_MAX / 2], *out = malloc(VALUE_MAX);
    int n = snprintf(plain, sizeof(plain), "%s:%s", user, pass);
    if (strchr(user, ':') || n < 0 || (size_t)n >= sizeof(plain) || !out) {
        b->api->log(b->ctx, OTELC_LOG_ERROR, "the username holds ':' or the credentials are "
                                             "too long: not sending them");
        free(out);
        return NULL;
    }
    snprintf(out, VALUE_MAX, "Basic ");
    ak_b64_encode(plain, (size_t)n, out + 6, VALUE_MAX - 6);
    memset(plain, 0, sizeof(plain));
    return out;
}

/* Builds the header value from the files or the config; false (value
 * unchanged) when a file cannot be read. */
static bool rebuild(ba *b)
{
    const ba_cfg *c = b->cfg;
    char *user = set(c->username_file) ? read_cred(b, c->username_file) : NULL;
    char *pass = set(c->password_file) ? read_cred(b, c->password_file) : NULL;
    bool ok = (!set(c->username_file) || user) && (!set(c->password_file) || pass);
    char *value = ok ? basic_value(b, user ? user : c->username ? c->username : "",
                                   pass ? pass : c->password ? c->password : "")
                     : NULL;
    free(user);
    free(pass);
    if (!value)
        return false;
    pthread_rwlock_wrlock(&b->lock);
    char *old = b->value;
    b->value = value;
    pthread_rwlock_unlock(&b->lock);
    free(old);
    return true;
}

static void on_change(void *arg)
{
    rebuild(arg);
}

int ba_client_start(ba *b)
{
    const char *files[2] = {b->cfg->username_file, b->cfg->password_file};
    if (!rebuild(b))
        return -1;
    for (int i = 0; i < 2; i++) {
        if (!set(files[i]))
            continue;
        b->watch[i] = ak_watch_start(files[i], on_change, b);
        if (!b->watch[i]) {
            b->api->log(b->ctx, OTELC_LOG_ERROR, "cannot watch %s: %s", files[i],
                        strerror(errno));
            return -1;
        }
    }
    return 0;
}

void ba_client_stop(ba *b)
{
    for (int i = 0; i < 2; i++) {
        ak_watch_stop(b->watch[i]);
        b->watch[i] = NULL;
    }
}

void ba_client_free(ba *b)
{
    ba_client_stop(b);
    free(b->value);
    b->value = NULL;
}

static int ba_headers(void *state, const char *const *metadata,
                      void (*add)(void *arg, const char *name, const char *value), void *arg)
{
    ba *b = state;
    pthread_rwlock_rdlock(&b->lock);
    int rc = b->value ? 0 : -1;
    if (b->value)
        add(arg, "Authorization", b->value);
    pthread_rwlock_unlock(&b->lock);
    return rc;
}

const otelc_auth_client ba_client_vtable = {sizeof(otelc_auth_client), ba_headers};
