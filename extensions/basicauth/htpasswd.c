/*
 * htpasswd.c: htpasswd lines into a table, and passwords checked against
 * it. libcrypt verifies the schemes it knows, through crypt_rn (libxcrypt's
 * crypt_r that answers NULL on failure; sanitizers intercept crypt_r and
 * find no libcrypt to forward to when it comes with a plugin opened
 * later); the comparison of what it returns (and of every other scheme's
 * digest) is constant-time.
 */
#include "htpasswd.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "authkit/authkit.h"

#define SHA1_LEN 20

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_crypt(const char *h)
{
    static const char *const prefixes[] = {"$2a$", "$2b$", "$2x$", "$2y$", "$1$", "$5$", "$6$"};
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (starts(h, prefixes[i]))
            return true;
    return false;
}

/* The base64 digest after a {SHA} or {SSHA} prefix; NULL when malformed
 * ({SHA}: exactly 20 bytes; {SSHA}: 20 and a salt). */
static uint8_t *sha_raw(const char *b64, bool salted, size_t *len)
{
    size_t n = strlen(b64);
    uint8_t *raw = malloc(n / 4 * 3 + 1);
    long got = raw ? ak_b64_decode(b64, n, raw, n / 4 * 3 + 1) : -1;
    if (got < 0 || (salted ? got <= SHA1_LEN : got != SHA1_LEN)) {
        free(raw);
        return NULL;
    }
    *len = (size_t)got;
    return raw;
}

/* Classifies e->hash; the reason when it is malformed, else NULL. */
static const char *classify(hp_entry *e)
{
    const char *h = e->hash;
    e->scheme = HP_PLAIN;
    if (is_crypt(h))
        e->scheme = HP_CRYPT;
    else if (starts(h, "$apr1$")) {
        e->scheme = HP_APR1;
        if (!strchr(h + 6, '$'))
            return "malformed $apr1$ password";
    } else if (starts(h, "{SHA}") || starts(h, "{SSHA}")) {
        bool salted = h[1] == 'S' && h[2] == 'S';
        e->scheme = salted ? HP_SSHA : HP_SHA;
        e->raw = sha_raw(h + (salted ? 6 : 5), salted, &e->rawlen);
        if (!e->raw)
            return salted ? "malformed {SSHA} password" : "malformed {SHA} password";
    }
    return NULL;
}

static void entry_free(hp_entry *e)
{
    free(e->user);
    free(e->hash);
    free(e->raw);
}

static hp_entry *find(const hp_table *t, const char *user)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->e[i].user, user) == 0)
            return &t->e[i];
    return NULL;
}

/* Puts e into t (replacing the user's earlier entry). 0, or -1. */
static int put(hp_table *t, hp_entry *e)
{
    hp_entry *old = find(t, e->user);
    if (old) {
        entry_free(old);
        *old = *e;
        return 0;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        hp_entry *grown = realloc(t->e, cap * sizeof(*grown));
        if (!grown)
            return -1;
        t->e = grown;
        t->cap = cap;
    }
    t->e[t->n++] = *e;
    return 0;
}

/* One line (len bytes, not NUL-terminated). 0, or -1 without memory. */
static int add_line(hp_table *t, const char *line, size_t len, size_t no, hp_bad_fn bad,
                    void *arg)
{
    ak_trim(&line, &len);
    if (len == 0)
        return 0;
    const char *colon = memchr(line, ':', len);
    if (!colon) {
        if (bad)
            bad(arg, no, "malformed line, no colon");
        return 0;
    }
    hp_entry e = {.user = strndup(line, (size_t)(colon - line)),
                  .hash = strndup(colon + 1, len - (size_t)(colon - line) - 1)};
    const char *why = e.user && e.hash ? classify(&e) : NULL;
    if (!e.user || !e.hash || why || put(t, &e) != 0) {
        if (why && bad)
            bad(arg, no, why);
        entry_free(&e);
        return why ? 0 : -1;
    }
    return 0;
}

int hp_table_add_text(hp_table *t, const char *text, hp_bad_fn bad, void *arg)
{
    size_t no = 0;
    for (const char *line = text; line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (add_line(t, line, len, ++no, bad, arg) != 0)
            return -1;
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

static bool crypt_match(const hp_entry *e, const char *pw, size_t plen)
{
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    char *copy = strndup(pw, plen);
    /* A password with a NUL in it would be cut short by crypt: no match. */
    const char *out =
        cd && copy && strlen(copy) == plen ? crypt_rn(copy, e->hash, cd, sizeof(*cd)) : NULL;
    bool ok = out && ak_equal(out, strlen(out), e->hash, strlen(e->hash));
    free(copy);
    free(cd);
    return ok;
}

static bool apr1_match(const hp_entry *e, const char *pw, size_t plen)
{
    const char *salt = e->hash + 6, *end = strchr(salt, '$');
    char out[23];
    if (!end || hp_apr1(pw, plen, salt, (size_t)(end - salt), out) != 0)
        return false;
    return ak_equal(out, strlen(out), end + 1, strlen(end + 1));
}

static bool sha_match(const hp_entry *e, const char *pw, size_t plen)
{
    uint8_t d[EVP_MAX_MD_SIZE];
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    bool salted = e->scheme == HP_SSHA;
    int ok = c && EVP_DigestInit_ex(c, EVP_sha1(), NULL) && EVP_DigestUpdate(c, pw, plen) &&
             (!salted || EVP_DigestUpdate(c, e->raw + SHA1_LEN, e->rawlen - SHA1_LEN)) &&
             EVP_DigestFinal_ex(c, d, NULL);
    EVP_MD_CTX_free(c);
    return ok && ak_equal(d, SHA1_LEN, e->raw, SHA1_LEN);
}

static bool plain_match(const hp_entry *e, const char *pw, size_t plen)
{
    size_t hl = strlen(e->hash);
    bool direct = ak_equal(pw, plen, e->hash, hl);
    bool prefixed = hl == plen + 7 && starts(e->hash, "{PLAIN}") &&
                    ak_equal(pw, plen, e->hash + 7, plen);
    return direct | prefixed;
}

bool hp_table_match(const hp_table *t, const char *user, const char *password, size_t plen)
{
    const hp_entry *e = find(t, user);
    if (!e)
        return false;
    switch (e->scheme) {
    case HP_CRYPT: return crypt_match(e, password, plen);
    case HP_APR1: return apr1_match(e, password, plen);
    case HP_SHA:
    case HP_SSHA: return sha_match(e, password, plen);
    default: return plain_match(e, password, plen);
    }
}

bool hp_table_costly(const hp_table *t, const char *user)
{
    const hp_entry *e = find(t, user);
    return e && (e->scheme == HP_CRYPT || e->scheme == HP_APR1);
}

void hp_table_free(hp_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        entry_free(&t->e[i]);
    free(t->e);
    t->e = NULL;
    t->n = t->cap = 0;
}
