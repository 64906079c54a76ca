/*
 * admin_tls.c: TLS on an admin listener: one SSL_CTX per listener, built
 * from confighttp's tls keys (minimum TLS 1.2 unless said otherwise,
 * client certificates when client_ca_file is set), and an OpenSSL
 * bufferevent for each connection evhttp accepts. No ALPN: evhttp speaks
 * HTTP/1.1 only, which is what a client falls back to without it.
 */
#include "admin_int.h"

#include <stdio.h>

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

static void *fail(SSL_CTX *ctx, const char *what, const char *file, char *err, size_t errlen)
{
    char why[256];
    ERR_error_string_n(ERR_get_error(), why, sizeof(why));
    ERR_clear_error();
    snprintf(err, errlen, "tls: %s%s%s: %s", what, file ? " " : "", file ? file : "", why);
    SSL_CTX_free(ctx);
    return NULL;
}

/* TLS 1.<minor> as OpenSSL numbers it (0x0301 is TLS 1.0). */
static int proto_version(int minor)
{
    return TLS1_VERSION + minor;
}

static int require_client_certs(SSL_CTX *ctx, const char *ca)
{
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca);
    if (!names || SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
        sk_X509_NAME_pop_free(names, X509_NAME_free);
        return -1;
    }
    SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    return 0;
}

void *admin_tls_ctx_new(const otelc_tls_server *t, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        return fail(NULL, "cannot create a context", NULL, err, errlen);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (!SSL_CTX_set_min_proto_version(ctx, proto_version(t->min_minor)) ||
        (t->max_minor >= 0 && !SSL_CTX_set_max_proto_version(ctx, proto_version(t->max_minor))))
        return fail(ctx, "unusable min_version/max_version", NULL, err, errlen);
    if (SSL_CTX_use_certificate_chain_file(ctx, t->cert_file) != 1)
        return fail(ctx, "cannot load cert_file", t->cert_file, err, errlen);
    if (SSL_CTX_use_PrivateKey_file(ctx, t->key_file, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1)
        return fail(ctx, "cannot load key_file (or it does not match cert_file)", t->key_file,
                    err, errlen);
    if (t->client_ca_file && require_client_certs(ctx, t->client_ca_file) != 0)
        return fail(ctx, "cannot load client_ca_file", t->client_ca_file, err, errlen);
    return ctx;
}

void admin_tls_ctx_free(void *ssl_ctx)
{
    SSL_CTX_free(ssl_ctx);
}

/* evhttp sets the socket on the bufferevent afterwards, which starts the
 * handshake. */
static struct bufferevent *tls_bev(struct event_base *base, void *arg)
{
    admin_listener *l = arg;
    SSL *ssl = SSL_new(l->ssl_ctx);
    if (!ssl)
        return NULL;
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        SSL_free(ssl); /* not taken by a bufferevent that failed */
        return NULL;
    }
    /* Clients often close without close_notify; their requests were whole. */
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

void admin_tls_serve(admin_listener *l)
{
    evhttp_set_bevcb(l->http, tls_bev, l);
}

bool admin_tls_request(struct evhttp_request *ev)
{
    struct evhttp_connection *conn = evhttp_request_get_connection(ev);
    struct bufferevent *bev = conn ? evhttp_connection_get_bufferevent(conn) : NULL;
    return bev && bufferevent_openssl_get_ssl(bev) != NULL;
}
