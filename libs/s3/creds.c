/*
 * creds.c: credential resolution (config, environment, shared file).
 */
#include "creds.h"

#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigv4.h"

#define SHARED_FILE_MAX (1u << 20) /* a credentials file is a few lines */

static int fail(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
    return -1;
}

static bool set(const char *s)
{
    return s && *s;
}

static const char *env_of(const s3_creds_in *in, const char *name)
{
    return in->getenv ? in->getenv(name) : getenv(name);
}

s3_creds *s3_creds_ref(s3_creds *c)
{
    atomic_fetch_add(&c->refs, 1);
    return c;
}

static void wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

void s3_creds_unref(s3_creds *c)
{
    if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
        return;
    wipe_free(c->access_key_id);
    wipe_free(c->secret_access_key);
    wipe_free(c->session_token);
    free(c);
}

const char *s3_creds_source_name(s3_creds_source s)
{
    switch (s) {
    case S3_CREDS_CONFIG: return "config";
    case S3_CREDS_ENV: return "environment";
    default: return "shared credentials file";
    }
}

/* A new set from views (len SIZE_MAX: NUL-terminated); token may be empty. */
static s3_creds *creds_new(s3_creds_source src, const char *id, size_t id_len,
                              const char *secret, size_t secret_len, const char *token,
                              size_t token_len)
{
    s3_creds *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    atomic_init(&c->refs, 1);
    c->source = src;
    c->access_key_id = strndup(id, id_len);
    c->secret_access_key = strndup(secret, secret_len);
    c->session_token = token && token_len ? strndup(token, token_len) : NULL;
    if (!c->access_key_id || !c->secret_access_key || (token && token_len && !c->session_token)) {
        s3_creds_unref(c);
        return NULL;
    }
    return c;
}

/* Config or environment: both or neither of id and secret. 1 when found,
 * 0 when absent, -1 on error. */
static int from_pair(s3_creds_source src, const char *id, const char *secret,
                     const char *token, const char *what, s3_creds **out, char *err,
                     size_t n)
{
    if (!set(id) && !set(secret))
        return 0;
    if (!set(id) || !set(secret))
        return fail(err, n, "%s: an access key id and a secret access key go together", what);
    if (strlen(secret) >= SIGV4_SECRET_MAX)
        return fail(err, n, "%s: the secret access key is too long", what);
    *out = creds_new(src, id, SIZE_MAX, secret, SIZE_MAX, token, set(token) ? SIZE_MAX : 0);
    return *out ? 1 : fail(err, n, "out of memory");
}

/* Reads at most SHARED_FILE_MAX bytes; NULL with errno set on failure. */
static char *read_small_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    char *buf = malloc(SHARED_FILE_MAX + 1);
    if (!buf) {
        fclose(f);
        errno = ENOMEM;
        return NULL;
    }
    size_t got = fread(buf, 1, SHARED_FILE_MAX + 1, f);
    int err = ferror(f) ? EIO : got > SHARED_FILE_MAX ? EFBIG : 0;
    fclose(f);
    if (err) {
        explicit_bzero(buf, got);
        free(buf);
        errno = err;
        return NULL;
    }
    *len = got;
    return buf;
}

static int profile_creds(const s3_profile *p, const char *path, const char *profile,
                         s3_creds **out, char *err, size_t n)
{
    if (!p->key_id.ptr && !p->secret.ptr && p->indirect)
        return fail(err, n, "%s: profile \"%s\" assumes a role or runs a process: not supported yet",
                    path, profile);
    if (!p->key_id.ptr || !p->secret.ptr || !p->key_id.len || !p->secret.len)
        return fail(err, n, "%s: profile \"%s\" needs aws_access_key_id and aws_secret_access_key",
                    path, profile);
    if (p->secret.len >= SIGV4_SECRET_MAX)
        return fail(err, n, "%s: profile \"%s\": the secret access key is too long", path, profile);
    *out = creds_new(S3_CREDS_FILE, p->key_id.ptr, p->key_id.len, p->secret.ptr, p->secret.len,
                     p->token.ptr, p->token.len);
    if (!*out)
        return fail(err, n, "out of memory");
    snprintf((*out)->path, sizeof((*out)->path), "%s", path);
    snprintf((*out)->profile, sizeof((*out)->profile), "%s", profile);
    return 1;
}

/* 1 found, 0 absent (no file, or the default profile missing), -1 error.
 * A profile named explicitly must exist. */
static int from_file(const char *path, const char *profile, bool named, s3_creds **out,
                     char *err, size_t n)
{
    size_t len = 0;
    char *text = read_small_file(path, &len);
    if (!text) {
        if (errno == ENOENT && !named)
            return 0;
        return fail(err, n, "cannot read %s: %s", path, strerror(errno));
    }
    s3_profile p;
    s3_profile_parse(text, len, profile, &p);
    int rc = p.found ? profile_creds(&p, path, profile, out, err, n)
             : named ? fail(err, n, "%s: no profile \"%s\"", path, profile)
                     : 0;
    explicit_bzero(text, len);
    free(text);
    return rc;
}

static int shared_file_path(const s3_creds_in *in, char *path, size_t size)
{
    const char *p = env_of(in, "AWS_SHARED_CREDENTIALS_FILE");
    const char *home = env_of(in, "HOME");
    int w = set(p) ? snprintf(path, size, "%s", p)
            : set(home) ? snprintf(path, size, "%s/.aws/credentials", home)
                        : -1;
    return w < 0 || (size_t)w >= size ? -1 : 0;
}

/* Names what is not supported when nothing was found. */
static int nothing_found(const s3_creds_in *in, const char *path, const char *profile,
                         char *err, size_t n)
{
    if (set(env_of(in, "AWS_WEB_IDENTITY_TOKEN_FILE")))
        return fail(err, n, "web identity credentials (AWS_WEB_IDENTITY_TOKEN_FILE) are not "
                            "supported yet");
    if (set(env_of(in, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) ||
        set(env_of(in, "AWS_CONTAINER_CREDENTIALS_FULL_URI")))
        return fail(err, n, "container credentials are not supported yet");
    return fail(err, n,
                "no AWS credentials: set s3uploader.access_key_id and secret_access_key, "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or profile \"%s\" in %s "
                "(instance metadata credentials are not supported yet)",
                profile, path[0] ? path : "$HOME/.aws/credentials");
}

int s3_creds_resolve(const s3_creds_in *in, s3_creds **out, char *err, size_t err_size)
{
    *out = NULL;
    int rc = from_pair(S3_CREDS_CONFIG, in->access_key_id, in->secret_access_key,
                       in->session_token, "s3uploader", out, err, err_size);
    if (rc == 0)
        rc = from_pair(S3_CREDS_ENV, env_of(in, "AWS_ACCESS_KEY_ID"),
                       env_of(in, "AWS_SECRET_ACCESS_KEY"), env_of(in, "AWS_SESSION_TOKEN"),
                       "environment", out, err, err_size);
    if (rc != 0)
        return rc > 0 ? 0 : -1;
    char path[1024] = "";
    const char *profile = env_of(in, "AWS_PROFILE");
    bool named = set(profile);
    if (!named)
        profile = "default";
    if (shared_file_path(in, path, sizeof(path)) == 0)
        rc = from_file(path, profile, named, out, err, err_size);
    if (rc == 0)
        return nothing_found(in, path, profile, err, err_size);
    return rc > 0 ? 0 : -1;
}

int s3_creds_reload(const s3_creds *cur, s3_creds **out, char *err, size_t err_size)
{
    *out = NULL;
    if (cur->source != S3_CREDS_FILE)
        return fail(err, err_size, "only credentials from a shared file can be reloaded");
    int rc = from_file(cur->path, cur->profile, true, out, err, err_size);
    return rc > 0 ? 0 : -1;
}
