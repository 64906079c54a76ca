/*
 * tls.h: client-side TLS for otelc-client (OpenSSL, ALPN "h2").
 */
#ifndef OTELC_CLIENT_TLS_H
#define OTELC_CLIENT_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

/*
 * A client context: TLS 1.2 or newer, offering ALPN h2, verifying the
 * server against ca_file (or the system's store when NULL) unless
 * insecure. Returns NULL with a reason in err. The caller frees it with
 * SSL_CTX_free. Call from one thread; the context may then be shared.
 */
SSL_CTX *client_tls_ctx_new(const char *ca_file, bool insecure, char *err, size_t errcap);

/*
 * A TLS object for one connection to host (a name gets SNI and a name
 * check, an IP literal an address check). Returns NULL when memory runs
 * out; the caller (or the bufferevent it is given to) frees it.
 */
SSL *client_tls_new(SSL_CTX *ctx, const char *host, bool insecure);

/* After the handshake: true unless ALPN settled on something other than h2. */
bool client_tls_alpn_ok(SSL *ssl);

#endif /* OTELC_CLIENT_TLS_H */
