/*
 * AWS Signature Version 4, S3 form. See sigv4.h for the contract.
 *
 * The canonical request is never stored: it is streamed through a small
 * staging buffer into a SHA-256 context (and, for debugging, into the
 * caller's copy), which keeps a signature free of heap allocation.
 *
 * URI encoding is in sigv4_uri.c, the input checks in sigv4_check.c.
 */
#include "sigv4.h"
#include "sigv4_int.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <string.h>

#define SHA256_LEN 32
#define DATE_LEN 8 /* "YYYYMMDD" */
#define ALGORITHM "AWS4-HMAC-SHA256"
#define SCOPE_TERMINATOR "aws4_request"
#define STAGE_SIZE 512
#define OWN_HEADERS 4 /* host, x-amz-content-sha256, -date, -security-token */
#define STS_SIZE 320  /* fits the longest scope the limits allow */

struct sigv4_signer {
    EVP_MD *sha256;
    EVP_MD_CTX *md;
    EVP_MAC *hmac;
    EVP_MAC_CTX *mac; /* rekeyed for each step of the key derivation */
    /* Keyed with the cached signing key, so a signature needs no HMAC key
     * setup; next to it what the key was derived from. */
    EVP_MAC_CTX *signing_mac;
    int key_valid;
    unsigned char secret_fp[SHA256_LEN];
    char date[DATE_LEN + 1];
    char region[SIGV4_SCOPE_PART_MAX + 1];
    char service[SIGV4_SCOPE_PART_MAX + 1];
};

/* One sigv4_sign() call: its inputs and the pieces built along the way. */
struct signing {
    sigv4_signer *signer;
    const sigv4_credentials *creds;
    const sigv4_scope *scope;
    const sigv4_request *req;
    sigv4_result *out;
    sigv4_debug *debug;
    char date[DATE_LEN + 1];
    char creq_hash[SIGV4_HASH_HEX_SIZE];
    char signed_headers[SIGV4_AUTHORIZATION_SIZE];
    char sts[STS_SIZE];
    size_t sts_len;
};

/* Where canonical request bytes go: the digest, and maybe a debug copy. */
struct sink {
    EVP_MD_CTX *md;
    char *copy;
    size_t copy_size;
    size_t copy_len;
    size_t staged;
    int rc; /* first failure; later writes are dropped */
    char stage[STAGE_SIZE];
};

static unsigned char ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* Compares names as their lowercase forms, which is how they sort. */
int sigv4_name_cmp(const char *a, const char *b)
{
    while (*a != '\0' && ascii_lower((unsigned char)*a) ==
                             ascii_lower((unsigned char)*b)) {
        a++;
        b++;
    }
    return (int)ascii_lower((unsigned char)*a) -
           (int)ascii_lower((unsigned char)*b);
}

static void to_hex(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0xf];
    }
    out[2 * len] = '\0';
}

static void sink_flush(struct sink *s)
{
    if (s->staged == 0 || s->rc != SIGV4_OK) {
        s->staged = 0;
        return;
    }
    if (EVP_DigestUpdate(s->md, s->stage, s->staged) != 1) {
        s->rc = SIGV4_ECRYPTO;
    } else if (s->copy != NULL) {
        /* Keep one byte for the NUL that sink_finish() adds. */
        if (s->copy_size - s->copy_len <= s->staged) {
            s->rc = SIGV4_ENOSPC;
        } else {
            memcpy(s->copy + s->copy_len, s->stage, s->staged);
            s->copy_len += s->staged;
        }
    }
    s->staged = 0;
}

static void sink_putc(struct sink *s, char c)
{
    if (s->staged == STAGE_SIZE)
        sink_flush(s);
    s->stage[s->staged++] = c;
}

static void sink_puts(struct sink *s, const char *str)
{
    for (; *str != '\0'; str++)
        sink_putc(s, *str);
}

static void sink_put_encoded(struct sink *s, const char *in, int keep_slash)
{
    for (; *in != '\0'; in++) {
        if (STAGE_SIZE - s->staged < 3)
            sink_flush(s);
        s->staged += sigv4_encode_byte((unsigned char)*in, keep_slash,
                                 s->stage + s->staged);
    }
}

/* A header value trimmed, with inner runs of blanks made one space. */
static void sink_put_trimmed(struct sink *s, const char *value)
{
    int gap = 0, started = 0;

    for (; *value != '\0'; value++) {
        if (*value == ' ' || *value == '\t') {
            gap = started;
            continue;
        }
        if (gap)
            sink_putc(s, ' ');
        sink_putc(s, *value);
        gap = 0;
        started = 1;
    }
}

static void sink_init(struct sink *s, sigv4_signer *signer,
                      const sigv4_debug *debug)
{
    *s = (struct sink){.md = signer->md, .rc = SIGV4_OK};
    if (debug != NULL) {
        s->copy = debug->canonical_request;
        s->copy_size = debug->canonical_request_size;
    }
    if (EVP_DigestInit_ex2(s->md, signer->sha256, NULL) != 1)
        s->rc = SIGV4_ECRYPTO;
}

/* Flushes, NUL-terminates the copy and writes the digest as hex. */
static int sink_finish(struct sink *s, char hex[SIGV4_HASH_HEX_SIZE])
{
    unsigned char digest[SHA256_LEN];
    unsigned int len = 0;

    sink_flush(s);
    if (s->rc != SIGV4_OK)
        return s->rc;
    if (s->copy != NULL)
        s->copy[s->copy_len] = '\0';
    if (EVP_DigestFinal_ex(s->md, digest, &len) != 1 || len != SHA256_LEN)
        return SIGV4_ECRYPTO;
    to_hex(digest, SHA256_LEN, hex);
    return SIGV4_OK;
}

int sigv4_has_session_token(const sigv4_credentials *creds)
{
    return creds->session_token != NULL && creds->session_token[0] != '\0';
}

typedef int (*pair_cmp_fn)(const sigv4_pair *, const sigv4_pair *);

/* Stable, so repeated header names keep their values' order. */
static void sort_pairs(const sigv4_pair **v, size_t n, pair_cmp_fn cmp)
{
    for (size_t i = 1; i < n; i++) {
        const sigv4_pair *item = v[i];
        size_t j = i;

        while (j > 0 && cmp(v[j - 1], item) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = item;
    }
}

static const char *or_empty(const char *s)
{
    return s != NULL ? s : "";
}

static int query_cmp(const sigv4_pair *a, const sigv4_pair *b)
{
    int c = sigv4_encoded_cmp(a->name, b->name);

    return c != 0 ? c
                  : sigv4_encoded_cmp(or_empty(a->value), or_empty(b->value));
}

static int header_cmp(const sigv4_pair *a, const sigv4_pair *b)
{
    return sigv4_name_cmp(a->name, b->name);
}

static void put_method_and_path(struct sink *s, const sigv4_request *req)
{
    sink_puts(s, req->method);
    sink_putc(s, '\n');
    if (req->path == NULL || req->path[0] == '\0')
        sink_putc(s, '/');
    else
        sink_put_encoded(s, req->path, 1);
    sink_putc(s, '\n');
}

static void put_query(struct sink *s, const sigv4_request *req)
{
    const sigv4_pair *order[SIGV4_MAX_QUERY];

    for (size_t i = 0; i < req->n_query; i++)
        order[i] = &req->query[i];
    sort_pairs(order, req->n_query, query_cmp);
    for (size_t i = 0; i < req->n_query; i++) {
        if (i > 0)
            sink_putc(s, '&');
        sink_put_encoded(s, order[i]->name, 0);
        sink_putc(s, '=');
        sink_put_encoded(s, or_empty(order[i]->value), 0);
    }
    sink_putc(s, '\n');
}

/* Lists the caller's headers and the signer's own, sorted by name. */
static size_t gather_headers(const struct signing *job,
                             sigv4_pair own[OWN_HEADERS],
                             const sigv4_pair **order)
{
    const sigv4_request *req = job->req;
    size_t n_own = 0, n = 0;

    own[n_own++] = (sigv4_pair){"host", req->host};
    if ((job->scope->flags & SIGV4_NO_CONTENT_SHA256) == 0)
        own[n_own++] =
            (sigv4_pair){"x-amz-content-sha256", job->out->content_sha256};
    own[n_own++] = (sigv4_pair){"x-amz-date", job->out->amz_date};
    if (sigv4_has_session_token(job->creds))
        own[n_own++] = (sigv4_pair){"x-amz-security-token",
                                    job->creds->session_token};
    for (size_t i = 0; i < n_own; i++)
        order[n++] = &own[i];
    for (size_t i = 0; i < req->n_headers; i++)
        order[n++] = &req->headers[i];
    sort_pairs(order, n, header_cmp);
    return n;
}

/* Appends ";name" (or "name" first) in lowercase to the signed list. */
static int append_signed(char *list, size_t *len, const char *name)
{
    size_t need = strlen(name) + (*len > 0 ? 1 : 0);

    if (SIGV4_AUTHORIZATION_SIZE - *len <= need)
        return SIGV4_ENOSPC;
    if (*len > 0)
        list[(*len)++] = ';';
    for (; *name != '\0'; name++)
        list[(*len)++] = (char)ascii_lower((unsigned char)*name);
    list[*len] = '\0';
    return SIGV4_OK;
}

/* Canonical headers, the blank line, and the signed header list. */
static int put_headers(struct sink *s, struct signing *job)
{
    sigv4_pair own[OWN_HEADERS];
    const sigv4_pair *order[SIGV4_MAX_HEADERS + OWN_HEADERS];
    size_t n = gather_headers(job, own, order), len = 0;

    for (size_t i = 0, j; i < n; i = j) {
        for (const char *c = order[i]->name; *c != '\0'; c++)
            sink_putc(s, (char)ascii_lower((unsigned char)*c));
        sink_putc(s, ':');
        sink_put_trimmed(s, order[i]->value);
        for (j = i + 1; j < n && header_cmp(order[j], order[i]) == 0; j++) {
            sink_putc(s, ',');
            sink_put_trimmed(s, order[j]->value);
        }
        sink_putc(s, '\n');
        if (append_signed(job->signed_headers, &len, order[i]->name) != 0)
            return SIGV4_ENOSPC;
    }
    sink_putc(s, '\n');
    sink_puts(s, job->signed_headers);
    sink_putc(s, '\n');
    return SIGV4_OK;
}

static int hash_canonical_request(struct signing *job)
{
    struct sink s;
    int rc;

    sink_init(&s, job->signer, job->debug);
    put_method_and_path(&s, job->req);
    put_query(&s, job->req);
    rc = put_headers(&s, job);
    if (rc != SIGV4_OK)
        return rc;
    sink_puts(&s, job->out->content_sha256);
    return sink_finish(&s, job->creq_hash);
}

static int digest_iov(EVP_MD_CTX *md, const EVP_MD *type,
                      const struct iovec *iov, size_t n,
                      unsigned char out[SHA256_LEN])
{
    unsigned int len = 0;

    if (EVP_DigestInit_ex2(md, type, NULL) != 1)
        return SIGV4_ECRYPTO;
    for (size_t i = 0; i < n; i++) {
        if (EVP_DigestUpdate(md, iov[i].iov_base, iov[i].iov_len) != 1)
            return SIGV4_ECRYPTO;
    }
    if (EVP_DigestFinal_ex(md, out, &len) != 1 || len != SHA256_LEN)
        return SIGV4_ECRYPTO;
    return SIGV4_OK;
}

static int fill_content_hash(struct signing *job)
{
    const sigv4_request *req = job->req;
    unsigned char digest[SHA256_LEN];
    int rc;

    if (req->payload_hash != NULL) {
        /* Validated: at most 64 bytes plus the NUL. */
        memcpy(job->out->content_sha256, req->payload_hash,
               strlen(req->payload_hash) + 1);
        return SIGV4_OK;
    }
    rc = digest_iov(job->signer->md, job->signer->sha256, req->payload,
                    req->n_payload, digest);
    if (rc == SIGV4_OK)
        to_hex(digest, SHA256_LEN, job->out->content_sha256);
    return rc;
}

/* A NULL key reuses the key mac was last initialized with. */
static int hmac_sha256(EVP_MAC_CTX *mac, const void *key, size_t key_len,
                       const void *msg, size_t len,
                       unsigned char out[SHA256_LEN])
{
    size_t out_len = 0;

    if (EVP_MAC_init(mac, key, key_len, NULL) != 1 ||
        EVP_MAC_update(mac, msg, len) != 1 ||
        EVP_MAC_final(mac, out, &out_len, SHA256_LEN) != 1 ||
        out_len != SHA256_LEN)
        return SIGV4_ECRYPTO;
    return SIGV4_OK;
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region),
 *                 service), "aws4_request") */
static int derive_key(EVP_MAC_CTX *mac, const char *secret, const char *date,
                      const char *region, const char *service,
                      unsigned char key[SHA256_LEN])
{
    char seed[4 + SIGV4_SECRET_MAX + 1];
    unsigned char k1[SHA256_LEN], k2[SHA256_LEN];
    int n = snprintf(seed, sizeof seed, "AWS4%s", secret), rc;

    if (n < 0 || (size_t)n >= sizeof seed)
        rc = SIGV4_EINVAL; /* sigv4_validate_identity() bounds it */
    else
        rc = hmac_sha256(mac, seed, (size_t)n, date, DATE_LEN, k1);
    if (rc == SIGV4_OK)
        rc = hmac_sha256(mac, k1, SHA256_LEN, region, strlen(region), k2);
    if (rc == SIGV4_OK)
        rc = hmac_sha256(mac, k2, SHA256_LEN, service, strlen(service), k1);
    if (rc == SIGV4_OK)
        rc = hmac_sha256(mac, k1, SHA256_LEN, SCOPE_TERMINATOR,
                         sizeof SCOPE_TERMINATOR - 1, key);
    OPENSSL_cleanse(seed, sizeof seed);
    OPENSSL_cleanse(k1, sizeof k1);
    OPENSSL_cleanse(k2, sizeof k2);
    return rc;
}

/* Reuses the cached key when date, region, service and secret match. */
static int load_signing_key(struct signing *job)
{
    sigv4_signer *s = job->signer;
    const char *secret = job->creds->secret_access_key;
    struct iovec iov = {(void *)secret, strlen(secret)};
    unsigned char fp[SHA256_LEN], key[SHA256_LEN];
    int rc = digest_iov(s->md, s->sha256, &iov, 1, fp);

    if (rc != SIGV4_OK)
        return rc;
    if (s->key_valid && strcmp(s->date, job->date) == 0 &&
        strcmp(s->region, job->scope->region) == 0 &&
        strcmp(s->service, job->scope->service) == 0 &&
        CRYPTO_memcmp(s->secret_fp, fp, SHA256_LEN) == 0)
        return SIGV4_OK;
    s->key_valid = 0;
    rc = derive_key(s->mac, secret, job->date, job->scope->region,
                    job->scope->service, key);
    if (rc == SIGV4_OK &&
        EVP_MAC_init(s->signing_mac, key, SHA256_LEN, NULL) != 1)
        rc = SIGV4_ECRYPTO;
    OPENSSL_cleanse(key, sizeof key);
    if (rc != SIGV4_OK)
        return rc;
    memcpy(s->secret_fp, fp, SHA256_LEN);
    /* Lengths were checked against these buffers by
     * sigv4_validate_identity(). */
    memcpy(s->date, job->date, sizeof s->date);
    memcpy(s->region, job->scope->region, strlen(job->scope->region) + 1);
    memcpy(s->service, job->scope->service, strlen(job->scope->service) + 1);
    s->key_valid = 1;
    return SIGV4_OK;
}

static int format_time(time_t t, char amz_date[SIGV4_AMZ_DATE_SIZE])
{
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL)
        return SIGV4_EINVAL;
    /* Four-digit years only: the format has no room for others. */
    if (strftime(amz_date, SIGV4_AMZ_DATE_SIZE, "%Y%m%dT%H%M%SZ", &tm) !=
        SIGV4_AMZ_DATE_SIZE - 1)
        return SIGV4_EINVAL;
    return SIGV4_OK;
}

static int build_string_to_sign(struct signing *job)
{
    const sigv4_debug *debug = job->debug;
    int n = snprintf(job->sts, sizeof job->sts,
                     ALGORITHM "\n%s\n%s/%s/%s/" SCOPE_TERMINATOR "\n%s",
                     job->out->amz_date, job->date, job->scope->region,
                     job->scope->service, job->creq_hash);

    if (n < 0 || (size_t)n >= sizeof job->sts)
        return SIGV4_ENOSPC;
    job->sts_len = (size_t)n;
    if (debug != NULL && debug->string_to_sign != NULL) {
        if (debug->string_to_sign_size <= job->sts_len)
            return SIGV4_ENOSPC;
        memcpy(debug->string_to_sign, job->sts, job->sts_len + 1);
    }
    return SIGV4_OK;
}

static int format_authorization(struct signing *job)
{
    unsigned char mac[SHA256_LEN];
    char signature[SIGV4_HASH_HEX_SIZE];
    int n, rc;

    rc = hmac_sha256(job->signer->signing_mac, NULL, 0, job->sts,
                     job->sts_len, mac);
    if (rc != SIGV4_OK)
        return rc;
    to_hex(mac, SHA256_LEN, signature);
    n = snprintf(job->out->authorization, sizeof job->out->authorization,
                 ALGORITHM " Credential=%s/%s/%s/%s/" SCOPE_TERMINATOR
                           ", SignedHeaders=%s, Signature=%s",
                 job->creds->access_key_id, job->date, job->scope->region,
                 job->scope->service, job->signed_headers, signature);
    if (n < 0 || (size_t)n >= sizeof job->out->authorization)
        return SIGV4_ENOSPC;
    return SIGV4_OK;
}

int sigv4_sign(sigv4_signer *signer, const sigv4_credentials *creds,
               const sigv4_scope *scope, const sigv4_request *req,
               sigv4_result *out, sigv4_debug *debug)
{
    struct signing job = {.signer = signer, .creds = creds, .scope = scope,
                          .req = req, .out = out, .debug = debug};
    int rc;

    if (signer == NULL || creds == NULL || scope == NULL || req == NULL ||
        out == NULL)
        return SIGV4_EINVAL;
    rc = sigv4_validate_identity(creds, scope);
    if (rc == SIGV4_OK)
        rc = sigv4_validate_request(req);
    if (rc == SIGV4_OK)
        rc = format_time(scope->time, out->amz_date);
    if (rc != SIGV4_OK)
        return rc;
    memcpy(job.date, out->amz_date, DATE_LEN);
    job.date[DATE_LEN] = '\0';
    rc = fill_content_hash(&job);
    if (rc == SIGV4_OK)
        rc = hash_canonical_request(&job);
    if (rc == SIGV4_OK)
        rc = load_signing_key(&job);
    if (rc == SIGV4_OK)
        rc = build_string_to_sign(&job);
    if (rc == SIGV4_OK)
        rc = format_authorization(&job);
    return rc;
}

sigv4_signer *sigv4_signer_new(void)
{
    static char digest_name[] = "SHA256";
    OSSL_PARAM params[2];
    sigv4_signer *s = OPENSSL_zalloc(sizeof *s);

    if (s == NULL)
        return NULL;
    s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (s->sha256 == NULL)
        goto out_free_signer;
    s->md = EVP_MD_CTX_new();
    if (s->md == NULL)
        goto out_free_sha256;
    s->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (s->hmac == NULL)
        goto out_free_md;
    s->mac = EVP_MAC_CTX_new(s->hmac);
    if (s->mac == NULL)
        goto out_free_hmac;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 digest_name, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_MAC_CTX_set_params(s->mac, params) != 1)
        goto out_free_mac;
    s->signing_mac = EVP_MAC_CTX_dup(s->mac);
    if (s->signing_mac == NULL)
        goto out_free_mac;
    return s;

out_free_mac:
    EVP_MAC_CTX_free(s->mac);
out_free_hmac:
    EVP_MAC_free(s->hmac);
out_free_md:
    EVP_MD_CTX_free(s->md);
out_free_sha256:
    EVP_MD_free(s->sha256);
out_free_signer:
    OPENSSL_free(s);
    return NULL;
}

void sigv4_signer_free(sigv4_signer *signer)
{
    if (signer == NULL)
        return;
    EVP_MAC_CTX_free(signer->signing_mac);
    EVP_MAC_CTX_free(signer->mac);
    EVP_MAC_free(signer->hmac);
    EVP_MD_CTX_free(signer->md);
    EVP_MD_free(signer->sha256);
    OPENSSL_clear_free(signer, sizeof *signer);
}

int sigv4_payload_hash(const struct iovec *iov, size_t n,
                       char hex[SIGV4_HASH_HEX_SIZE])
{
    unsigned char digest[SHA256_LEN];
    EVP_MD_CTX *md;
    int rc;

    if (n > 0 && iov == NULL)
        return SIGV4_EINVAL;
    md = EVP_MD_CTX_new();
    if (md == NULL)
        return SIGV4_ECRYPTO;
    rc = digest_iov(md, EVP_sha256(), iov, n, digest);
    EVP_MD_CTX_free(md);
    if (rc == SIGV4_OK)
        to_hex(digest, SHA256_LEN, hex);
    return rc;
}

int sigv4_host_header(char *out, size_t size, const char *hostname,
                      unsigned port, int tls)
{
    int bare_ipv6, n;

    if (!sigv4_valid_hostname(hostname) || port > 65535)
        return SIGV4_EINVAL;
    bare_ipv6 = hostname[0] != '[' && strchr(hostname, ':') != NULL;
    if (port == 0 || port == (tls ? 443u : 80u))
        n = snprintf(out, size, bare_ipv6 ? "[%s]" : "%s", hostname);
    else
        n = snprintf(out, size, bare_ipv6 ? "[%s]:%u" : "%s:%u", hostname,
                     port);
    if (n < 0 || (size_t)n >= size)
        return SIGV4_ENOSPC;
    return SIGV4_OK;
}

const char *sigv4_strerror(int rc)
{
    static const char *const text[] = {
        "success", "malformed request, credentials or scope",
        "request exceeds the signer's limits or buffers", "OpenSSL failure"};

    if (rc > SIGV4_OK || rc < SIGV4_ECRYPTO)
        return "unknown error";
    return text[-rc];
}
