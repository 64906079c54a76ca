/*
 * endpoint.h: where requests go. Turns the configured endpoint (or AWS's
 * default for the region), the bucket and the addressing style into the
 * base URL, the Host header and the path prefix of every request.
 */
#ifndef OTELC_AWSS3_ENDPOINT_H
#define OTELC_AWSS3_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

typedef struct endpoint_in {
    const char *endpoint; /* "http://127.0.0.1:4566", "s3.example.com", NULL */
    const char *region;
    const char *bucket;
    bool disable_ssl;     /* http for an endpoint given without a scheme */
    bool force_path_style;
} endpoint_in;

/*
 * Fills out->tls, path_style, base_url, host_header and path_prefix.
 * An endpoint without a scheme uses https unless disable_ssl. Virtual-hosted
 * addressing (bucket in the host name) is used unless force_path_style, the
 * host is an IP address or "localhost", or the bucket name holds a dot
 * under TLS (its certificate would not match). Returns 0, or -1 with a
 * reason in err. Pure; any thread.
 */
int endpoint_resolve(const endpoint_in *in, awss3_settings *out, char *err, size_t err_size);

#endif /* OTELC_AWSS3_ENDPOINT_H */
