/*
 * tls.c: OpenSSL set-up for otelc-client's connections.
 */
#include "tls.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

static const unsigned char ALPN_H2[] = {2, 'h', '2'};

static void ssl_reason(char *err, size_t errcap, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256];

    ERR_error_string_n(e, buf, sizeof(buf));
    snprintf(err, errcap, "%s: %s", what, e ? buf : "unknown error");
}

SSL_CTX *client_tls_ctx_new(const char *ca_file, bool insecure, char *err, size_t errcap)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (!ctx) {
        ssl_reason(err, errcap, "TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (SSL_CTX_set_alpn_protos(ctx, ALPN_H2, sizeof(ALPN_H2)) != 0) {
        ssl_reason(err, errcap, "ALPN");
        goto fail_ctx;
    }
    if (insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        return ctx;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    int ok = ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
                     : SSL_CTX_set_default_verify_paths(ctx);
    if (ok != 1) {
        ssl_reason(err, errcap, ca_file ? ca_file : "system CA store");
        goto fail_ctx;
    }
    return ctx;
fail_ctx:
    SSL_CTX_free(ctx);
    return NULL;
}

SSL *client_tls_new(SSL_CTX *ctx, const char *host, bool insecure)
{
    SSL *ssl = SSL_new(ctx);
    unsigned char addr[16];
    bool is_ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;

    if (!ssl)
        return NULL;
    if (!is_ip)
        SSL_set_tlsext_host_name(ssl, host);
    if (insecure)
        return ssl;
    int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
                   : SSL_set1_host(ssl, host);
    if (ok != 1) {
        SSL_free(ssl);
        return NULL;
    }
    return ssl;
}

bool client_tls_alpn_ok(SSL *ssl)
{
    const unsigned char *proto = NULL;
    unsigned int len = 0;

    SSL_get0_alpn_selected(ssl, &proto, &len);
    return len == 0 || (len == 2 && memcmp(proto, "h2", 2) == 0);
}
