/*
 * tls.c: the client side of TLS: one SSL_CTX per exporter (CAs, client
 * certificate, versions), and per connection SNI, the name or address
 * checked against the certificate, and ALPN "h2" (gRPC needs HTTP/2).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "client.h"

static const unsigned char alpn_h2[] = {2, 'h', '2'};

static void *fail(const ogrpc *x, SSL_CTX *ctx, const char *what, const char *file)
{
    char why[256];
    ERR_error_string_n(ERR_get_error(), why, sizeof(why));
    ERR_clear_error();
    x->api->log(x->ctx, OTELC_LOG_ERROR, "tls: %s %s: %s", what, file ? file : "", why);
    SSL_CTX_free(ctx);
    return NULL;
}

/* Every certificate of a PEM string into the context's trust store. */
static int load_ca_pem(SSL_CTX *ctx, const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    int added = 0;
    X509 *cert;
    while (bio && (cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        added += X509_STORE_add_cert(store, cert) == 1;
        X509_free(cert);
    }
    ERR_clear_error(); /* the end of the string reads as an error */
    BIO_free(bio);
    return added > 0 ? 0 : -1;
}

static int load_cert_pem(SSL_CTX *ctx, const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    int rc = cert && SSL_CTX_use_certificate(ctx, cert) == 1 ? 0 : -1;
    X509 *extra;
    while (rc == 0 && (extra = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
        if (SSL_CTX_add0_chain_cert(ctx, extra) != 1)
            X509_free(extra);
    ERR_clear_error();
    X509_free(cert);
    BIO_free(bio);
    return rc;
}

static int load_key_pem(SSL_CTX *ctx, const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    int rc = key && SSL_CTX_use_PrivateKey(ctx, key) == 1 ? 0 : -1;
    EVP_PKEY_free(key);
    BIO_free(bio);
    return rc;
}

static void *load_trust(ogrpc *x, SSL_CTX *ctx)
{
    const og_tls *t = &x->set.tls;
    if (t->ca_file && SSL_CTX_load_verify_locations(ctx, t->ca_file, NULL) != 1)
        return fail(x, ctx, "cannot load ca_file", t->ca_file);
    if (t->ca_pem && load_ca_pem(ctx, t->ca_pem) != 0)
        return fail(x, ctx, "cannot read ca_pem", NULL);
    if (!t->ca_file && !t->ca_pem && SSL_CTX_set_default_verify_paths(ctx) != 1)
        return fail(x, ctx, "cannot load the system's CAs", NULL);
    SSL_CTX_set_verify(ctx, t->skip_verify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    return ctx;
}

static void *load_identity(ogrpc *x, SSL_CTX *ctx)
{
    const og_tls *t = &x->set.tls;
    if (t->cert_file && SSL_CTX_use_certificate_chain_file(ctx, t->cert_file) != 1)
        return fail(x, ctx, "cannot load cert_file", t->cert_file);
    if (t->cert_pem && load_cert_pem(ctx, t->cert_pem) != 0)
        return fail(x, ctx, "cannot read cert_pem", NULL);
    if (t->key_file && SSL_CTX_use_PrivateKey_file(ctx, t->key_file, SSL_FILETYPE_PEM) != 1)
        return fail(x, ctx, "cannot load key_file", t->key_file);
    if (t->key_pem && load_key_pem(ctx, t->key_pem) != 0)
        return fail(x, ctx, "cannot read key_pem", NULL);
    if ((t->cert_file || t->cert_pem) && SSL_CTX_check_private_key(ctx) != 1)
        return fail(x, ctx, "the key does not match the certificate", NULL);
    return ctx;
}

void *og_tls_ctx_new(ogrpc *x)
{
    const og_tls *t = &x->set.tls;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return fail(x, NULL, "cannot create a context", NULL);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    if (!SSL_CTX_set_min_proto_version(ctx, t->min_version) ||
        (t->max_version && !SSL_CTX_set_max_proto_version(ctx, t->max_version)))
        return fail(x, ctx, "unusable min_version/max_version", NULL);
    if (SSL_CTX_set_alpn_protos(ctx, alpn_h2, sizeof(alpn_h2)) != 0)
        return fail(x, ctx, "cannot set ALPN", NULL);
    if (!load_trust(x, ctx))
        return NULL;
    return load_identity(x, ctx);
}

void og_tls_ctx_free(void *ctx)
{
    SSL_CTX_free(ctx);
}

static bool is_ip(const char *name)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

/* SNI for a name (never for an address, RFC 6066) and the check Go's
 * crypto/tls makes: the name against the SANs, or the address. */
void *og_tls_ssl_new(ogrpc *x)
{
    const char *name = x->set.tls.verify_name;
    SSL *ssl = SSL_new(x->ssl_ctx);
    if (!ssl)
        return NULL;
    bool ip = is_ip(name);
    int ok = ip ? 1 : SSL_set_tlsext_host_name(ssl, name);
    if (ok == 1 && !x->set.tls.skip_verify)
        ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name)
                : SSL_set1_host(ssl, name);
    if (ok != 1) {
        SSL_free(ssl);
        return NULL;
    }
    return ssl;
}

const char *og_tls_alpn_error(void *ssl)
{
    const unsigned char *proto = NULL;
    unsigned int len = 0;
    SSL_get0_alpn_selected(ssl, &proto, &len);
    if (len == 2 && memcmp(proto, "h2", 2) == 0)
        return NULL;
    return "credentials: cannot check peer: missing selected ALPN property (the server does "
           "not speak HTTP/2 over TLS)";
}

bool og_tls_failed(struct bufferevent *bev, unsigned long e)
{
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    return e != 0 || (ssl && SSL_get_verify_result(ssl) != X509_V_OK);
}

bool og_tls_failure(struct bufferevent *bev, unsigned long e, char *buf, size_t cap)
{
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    long vr = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
    bool cert = ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED || vr != X509_V_OK;
    if (cert && vr != X509_V_OK) {
        snprintf(buf, cap, "tls: failed to verify certificate: %s",
                 X509_verify_cert_error_string(vr));
        return true;
    }
    char why[200] = "connection closed during the TLS handshake";
    if (e)
        ERR_error_string_n(e, why, sizeof(why));
    snprintf(buf, cap, "tls: %s", why);
    /* The server refusing our certificate (or having none we accept)
     * comes as an alert; that no retry fixes either. */
    int reason = ERR_GET_REASON(e);
    return cert || reason == SSL_R_TLSV1_ALERT_UNKNOWN_CA ||
           reason == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE ||
           reason == SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN;
}
