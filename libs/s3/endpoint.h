/*
 * endpoint.h: where requests go. Turns the configured endpoint (or AWS's
 * default for the region), the bucket and the addressing style into the
 * base URL, the Host header and the path prefix of every request; and the
 * headers objects are stored with.
 */
#ifndef OTELC_S3_ENDPOINT_H
#define OTELC_S3_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>


/* Where a bucket's requests go and how they are addressed and checked:
 * all the client needs of it. Self-contained (no pointers). */
typedef struct s3_endpoint {
    bool tls;
    bool path_style;
    bool insecure_skip_verify; /* TLS without checking the server's certificate */
    char region[64];
    char bucket[256];
    char base_url[512];    /* "http://127.0.0.1:4566", no trailing '/' */
    char host_header[320]; /* exactly what is signed and sent as Host */
    char path_prefix[512]; /* "/bucket" (path style) or "" (virtual-hosted),
                            * after the endpoint's own base path */
    char ca_file[1024];    /* CA bundle for TLS; "" for the system's */
} s3_endpoint;

/* The headers an object is stored with (a request's object_headers). */
typedef struct s3_object_headers {
    const char *content_type;     /* static string */
    const char *content_encoding; /* static string or NULL */
    char storage_class[32];       /* "" when STANDARD (no header sent) */
    char acl[32];                 /* "" when unset */
} s3_object_headers;

typedef struct s3_endpoint_in {
    const char *endpoint; /* "http://127.0.0.1:4566", "s3.example.com", NULL */
    const char *region;
    const char *bucket;
    bool disable_ssl;     /* http for an endpoint given without a scheme */
    bool force_path_style;
} s3_endpoint_in;

/*
 * Fills out->tls, path_style, region, bucket, base_url, host_header and
 * path_prefix (the caller sets insecure_skip_verify and ca_file).
 * An endpoint without a scheme uses https unless disable_ssl. Virtual-hosted
 * addressing (bucket in the host name) is used unless force_path_style, the
 * host is an IP address or "localhost", or the bucket name holds a dot
 * under TLS (its certificate would not match). Returns 0, or -1 with a
 * reason in err. Pure; any thread.
 */
int s3_endpoint_resolve(const s3_endpoint_in *in, s3_endpoint *out, char *err, size_t err_size);

#endif /* OTELC_S3_ENDPOINT_H */
