/* Unit tests for TLS and authentication on admin listeners
 * (core/admin/admin_tls.c, admin_guard.c and their use in admin.c): real
 * sockets on 127.0.0.1, libcurl as the client, a certificate made here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <event2/thread.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "admin/admin.h"
#include "admin/admin_routes.h"

/* ------------------------------------------------------------------ */
/* A self-signed certificate for 127.0.0.1, also its own client CA     */
/* ------------------------------------------------------------------ */

static char dir[64], cert_path[128], key_path[128];

static void add_san(X509 *x)
{
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "IP:127.0.0.1");
    assert_non_null(ext);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
}

static void write_pem(const char *path, EVP_PKEY *key, X509 *x)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)
                         : PEM_write_X509(f, x),
                     1);
    fclose(f);
}

static void make_cert(void)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    assert_non_null(key);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"otelc-test", -1,
                               -1, 0);
    X509_set_issuer_name(x, name);
    add_san(x);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    write_pem(cert_path, NULL, x);
    write_pem(key_path, key, NULL);
    X509_free(x);
    EVP_PKEY_free(key);
}

/* ------------------------------------------------------------------ */
/* The client                                                          */
/* ------------------------------------------------------------------ */

typedef struct reply {
    CURLcode rc;
    long status;
    char headers[4096];
    size_t hlen;
} reply;

typedef struct call {
    bool tls;
    bool client_cert; /* present the test certificate */
    uint16_t port;
    const char *path;
    const char *header; /* one request header, or NULL */
} call;

static size_t drop(char *data, size_t size, size_t n, void *arg)
{
    (void)data, (void)arg;
    return size * n;
}

static size_t keep_header(char *data, size_t size, size_t n, void *arg)
{
    reply *r = arg;
    size_t room = sizeof(r->headers) - 1 - r->hlen, len = size * n < room ? size * n : room;
    memcpy(r->headers + r->hlen, data, len);
    r->hlen += len;
    r->headers[r->hlen] = '\0';
    return size * n;
}

static void set_tls(CURL *curl, const call *c)
{
    curl_easy_setopt(curl, CURLOPT_CAINFO, cert_path);
    if (c->client_cert) {
        curl_easy_setopt(curl, CURLOPT_SSLCERT, cert_path);
        curl_easy_setopt(curl, CURLOPT_SSLKEY, key_path);
    }
}

static void http(const call *c, reply *r)
{
    CURL *curl = curl_easy_init();
    struct curl_slist *hdrs = c->header ? curl_slist_append(NULL, c->header) : NULL;
    char url[256];
    memset(r, 0, sizeof(*r));
    snprintf(url, sizeof(url), "%s://127.0.0.1:%u%s", c->tls ? "https" : "http", c->port,
             c->path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, drop);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, keep_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
    if (c->tls)
        set_tls(curl, c);
    r->rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(curl);
}

static long status_of(const call *c)
{
    reply r;
    http(c, &r);
    assert_int_equal(r.rc, CURLE_OK);
    return r.status;
}

/* ------------------------------------------------------------------ */
/* The server                                                          */
/* ------------------------------------------------------------------ */

typedef struct fixture {
    admin_server *a;
    health_model *h;
    metrics_registry *m;
    admin_auth auth;
} fixture;

/* Lets in requests with "authorization: Bearer ok" (names come lower
 * case, as the service contract says). */
static otelc_status bearer_ok(void *state, const char *const *headers, char *reason, size_t n)
{
    (void)state;
    for (size_t i = 0; headers[i]; i += 2)
        if (strcmp(headers[i], "authorization") == 0 && strcmp(headers[i + 1], "Bearer ok") == 0)
            return OTELC_OK;
    snprintf(reason, n, "no token");
    return OTELC_REJECT;
}

static const otelc_auth_server bearer_service = {sizeof(otelc_auth_server), bearer_ok};

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    *state = f; /* teardown frees what was made */
    f->h = health_new();
    f->m = metrics_new();
    f->a = admin_new(NULL);
    if (!f->h || !f->m || !f->a || admin_routes_install(f->a, f->h, f->m) != 0)
        return -1;
    health_set_phase(f->h, HEALTH_RUNNING);
    /* /metrics answers 500 while the registry is empty. */
    otelc_metric_desc d = {.name = "otelc_test_total", .help = "a series", .type = OTELC_COUNTER};
    metrics_add(metrics_series(f->m, &d), 1);
    f->auth = (admin_auth){.service = &bearer_service, .challenge = "Bearer realm=\"t\"",
                           .owner = "test"};
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    admin_free(f->a);
    health_free(f->h);
    metrics_free(f->m);
    free(f);
    return 0;
}

static uint16_t listen_on(fixture *f, const char *endpoint, unsigned scopes, const admin_guard *g)
{
    char err[512];
    uint16_t port = 0;
    if (admin_listen_guarded(f->a, endpoint, scopes, g, &port, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    return port;
}

static void start(fixture *f)
{
    char err[256];
    assert_int_equal(admin_start(f->a, err, sizeof(err)), 0);
}

static otelc_http_server tls_settings(void)
{
    otelc_http_server s = {.tls_on = true};
    s.tls = (otelc_tls_server){cert_path, key_path, NULL, 2, -1};
    return s;
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

/* The guarded scopes answer 401 with the challenge until the token comes;
 * the health_check sharing the listener keeps its own (open) guard, and an
 * unknown path is 404 either way. */
static void test_guarded_scopes_refuse_then_admit(void **state)
{
    fixture *f = *state;
    admin_guard g = {NULL, &f->auth};
    char endpoint[64];
    reply r;
    uint16_t port = listen_on(f, "127.0.0.1:0", ADMIN_SCOPE_API | ADMIN_SCOPE_METRICS, &g);
    snprintf(endpoint, sizeof(endpoint), "127.0.0.1:%u", port);
    assert_int_equal(admin_add_health_check(f->a, endpoint, "/", NULL, NULL), 0);
    start(f);
    http(&(call){.port = port, .path = "/metrics"}, &r);
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(r.headers, "WWW-Authenticate: Bearer realm=\"t\"\r\n"));
    assert_int_equal(status_of(&(call){.port = port, .path = "/health"}), 401);
    assert_int_equal(
        status_of(&(call){.port = port, .path = "/metrics", .header = "Authorization: Bearer ok"}),
        200);
    assert_int_equal(status_of(&(call){.port = port, .path = "/"}), 200);
    assert_int_equal(status_of(&(call){.port = port, .path = "/nope"}), 404);
}

/* A guard whose authenticator was never resolved lets nobody in. */
static void test_unresolved_guard_refuses_everyone(void **state)
{
    fixture *f = *state;
    admin_auth none = {.owner = "test"};
    admin_guard g = {NULL, &none};
    uint16_t port = listen_on(f, "127.0.0.1:0", ADMIN_SCOPE_METRICS, &g);
    start(f);
    assert_int_equal(
        status_of(&(call){.port = port, .path = "/metrics", .header = "Authorization: Bearer ok"}),
        401);
}

/* A TLS listener answers over TLS and nothing else. */
static void test_tls_listener(void **state)
{
    fixture *f = *state;
    otelc_http_server tls = tls_settings();
    admin_guard g = {&tls, NULL};
    reply r;
    uint16_t port = listen_on(f, "127.0.0.1:0", ADMIN_SCOPE_METRICS, &g);
    start(f);
    assert_int_equal(status_of(&(call){.tls = true, .port = port, .path = "/metrics"}), 200);
    http(&(call){.port = port, .path = "/metrics"}, &r);
    assert_int_not_equal(r.rc, CURLE_OK);
}

/* With client_ca_file, a client without a certificate the CA signed
 * does not get through the handshake. */
static void test_client_certificates(void **state)
{
    fixture *f = *state;
    otelc_http_server tls = tls_settings();
    tls.tls.client_ca_file = cert_path;
    admin_guard g = {&tls, NULL};
    reply r;
    uint16_t port = listen_on(f, "127.0.0.1:0", ADMIN_SCOPE_METRICS, &g);
    start(f);
    assert_int_equal(
        status_of(&(call){.tls = true, .client_cert = true, .port = port, .path = "/metrics"}),
        200);
    http(&(call){.tls = true, .port = port, .path = "/metrics"}, &r);
    assert_int_not_equal(r.status, 200);
}

/* Sharing a listener needs the same TLS (or no TLS settings at all); a
 * certificate that cannot be loaded fails the listen, naming the file. */
static void test_tls_sharing_and_bad_files(void **state)
{
    fixture *f = *state;
    otelc_http_server tls = tls_settings(), plain = {.tls_on = false}, bad = tls_settings();
    admin_guard g = {&tls, NULL}, gp = {&plain, NULL}, gb = {&bad, NULL};
    char endpoint[64], err[512];
    snprintf(endpoint, sizeof(endpoint), "127.0.0.1:%u",
             listen_on(f, "127.0.0.1:0", ADMIN_SCOPE_API, &g));
    assert_int_equal(admin_listen_guarded(f->a, endpoint, ADMIN_SCOPE_HEALTH_CHECK, &gp, NULL,
                                          err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "whose tls differs"));
    assert_int_equal(admin_listen_guarded(f->a, endpoint, ADMIN_SCOPE_HEALTH_CHECK, &g, NULL, err,
                                          sizeof(err)),
                     0);
    assert_int_equal(admin_listen(f->a, endpoint, ADMIN_SCOPE_METRICS, NULL, err, sizeof(err)), 0);
    bad.tls.cert_file = "/nonexistent/cert.pem";
    assert_int_equal(
        admin_listen_guarded(f->a, "127.0.0.1:0", ADMIN_SCOPE_API, &gb, NULL, err, sizeof(err)),
        -1);
    assert_non_null(strstr(err, "cannot load cert_file /nonexistent/cert.pem"));
}

static void test_local_endpoints(void **state)
{
    (void)state;
    assert_true(admin_endpoint_is_local("127.0.0.1:1"));
    assert_true(admin_endpoint_is_local("127.1.2.3:1"));
    assert_true(admin_endpoint_is_local("localhost:1"));
    assert_true(admin_endpoint_is_local(":1"));
    assert_true(admin_endpoint_is_local("[::1]:1"));
    assert_false(admin_endpoint_is_local("0.0.0.0:1"));
    assert_false(admin_endpoint_is_local("[::]:1"));
    assert_false(admin_endpoint_is_local("192.0.2.1:1"));
    assert_false(admin_endpoint_is_local("no-port"));
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/otelc-guard-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(cert_path, sizeof(cert_path), "%s/cert.pem", dir);
    snprintf(key_path, sizeof(key_path), "%s/key.pem", dir);
    make_cert();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    unlink(cert_path);
    unlink(key_path);
    rmdir(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_guarded_scopes_refuse_then_admit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unresolved_guard_refuses_everyone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls_listener, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_certificates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls_sharing_and_bad_files, setup, teardown),
        cmocka_unit_test(test_local_endpoints),
    };
    evthread_use_pthreads();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
    curl_global_cleanup();
    return rc;
}
