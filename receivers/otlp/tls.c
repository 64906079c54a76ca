/*
 * tls.c: TLS for either port: one SSL_CTX per server, ALPN ("h2" only on
 * the gRPC port; "h2" or "http/1.1" on the HTTP port), optional client
 * certificates, and an OpenSSL bufferevent per connection.
 */
#include <string.h>

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "otlp_recv.h"

/* Finds protocol `want` (wlen bytes) in the client's ALPN list. */
static bool offered(const unsigned char *in, unsigned int inlen, const char *want, unsigned wlen,
                    const unsigned char **out, unsigned char *outlen)
{
    for (unsigned int i = 0; i < inlen; i += 1u + in[i]) {
        unsigned int n = in[i];
        if (i + 1 + n > inlen)
            break;
        if (n == wlen && memcmp(in + i + 1, want, wlen) == 0) {
            *out = in + i + 1;
            *outlen = (unsigned char)wlen;
            return true;
        }
    }
    return false;
}

/* Picks "h2"; on the HTTP port "http/1.1" too. A client offering neither
 * is refused (gRPC needs HTTP/2). No ALPN at all is let through as prior
 * knowledge, and on the HTTP port the first bytes tell the protocol. */
static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    const otlp_server *srv = arg;
    if (offered(in, inlen, "h2", 2, out, outlen))
        return SSL_TLSEXT_ERR_OK;
    if (srv->proto == OTLP_HTTP && offered(in, inlen, "http/1.1", 8, out, outlen))
        return SSL_TLSEXT_ERR_OK;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

static void *fail(const otlp_recv *r, SSL_CTX *ctx, const char *what, const char *file)
{
    char why[256];
    ERR_error_string_n(ERR_get_error(), why, sizeof(why));
    ERR_clear_error();
    r->api->log(r->ctx, OTELC_LOG_ERROR, "tls: %s %s: %s", what, file ? file : "", why);
    SSL_CTX_free(ctx);
    return NULL;
}

static int proto_version(int minor)
{
    return TLS1_VERSION + minor; /* 0x0301 is TLS 1.0 ... 0x0304 TLS 1.3 */
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

void *otlp_tls_ctx_new(otlp_server *srv)
{
    const otlp_recv *r = srv->r;
    const otlp_settings *st = &srv->set;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx)
        return fail(r, NULL, "cannot create a context", NULL);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (!SSL_CTX_set_min_proto_version(ctx, proto_version(st->tls_min)) ||
        (st->tls_max && !SSL_CTX_set_max_proto_version(ctx, proto_version(st->tls_max))))
        return fail(r, ctx, "unusable min_version/max_version", NULL);
    if (SSL_CTX_use_certificate_chain_file(ctx, st->cert_file) != 1)
        return fail(r, ctx, "cannot load cert_file", st->cert_file);
    if (SSL_CTX_use_PrivateKey_file(ctx, st->key_file, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1)
        return fail(r, ctx, "cannot load key_file (or it does not match cert_file)",
                    st->key_file);
    if (st->client_ca_file && require_client_certs(ctx, st->client_ca_file) != 0)
        return fail(r, ctx, "cannot load client_ca_file", st->client_ca_file);
    SSL_CTX_set_alpn_select_cb(ctx, select_alpn, srv);
    return ctx;
}

void otlp_tls_ctx_free(void *ssl_ctx)
{
    SSL_CTX_free(ssl_ctx);
}

struct bufferevent *otlp_tls_bev(otlp_server *srv, struct event_base *base, int fd)
{
    SSL *ssl = SSL_new(srv->ssl_ctx);
    if (!ssl)
        return NULL;
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        SSL_free(ssl);
        return NULL;
    }
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}
