/*
 * endpoint.c: endpoint URL → base URL, Host header and path prefix.
 */
#include "endpoint.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sigv4.h"

typedef struct url_parts {
    bool tls;
    char host[256]; /* without brackets */
    unsigned port;  /* 0: the scheme's default */
    char path[256]; /* "" or "/base", no trailing '/' */
} url_parts;

static int bad(char *err, size_t n, const char *what, const char *ep)
{
    snprintf(err, n, "s3uploader.endpoint: %s in \"%s\"", what, ep);
    return -1;
}

static int take_scheme(const char **s, bool disable_ssl, bool *tls)
{
    if (strncasecmp(*s, "https://", 8) == 0) {
        *tls = true;
        *s += 8;
    } else if (strncasecmp(*s, "http://", 7) == 0) {
        *tls = false;
        *s += 7;
    } else if (strstr(*s, "://")) {
        return -1;
    } else {
        *tls = !disable_ssl;
    }
    return 0;
}

static int take_host(const char **s, url_parts *u)
{
    const char *p = *s, *end;
    if (*p == '[') {
        end = strchr(p, ']');
        if (!end)
            return -1;
        p++;
    } else {
        end = p + strcspn(p, ":/");
    }
    size_t len = (size_t)(end - p);
    if (len == 0 || len >= sizeof(u->host))
        return -1;
    memcpy(u->host, p, len);
    u->host[len] = 0;
    *s = *end == ']' ? end + 1 : end;
    return 0;
}

static int take_port(const char **s, unsigned *port)
{
    *port = 0;
    if (**s != ':')
        return 0;
    char *end;
    unsigned long v = strtoul(*s + 1, &end, 10);
    if (end == *s + 1 || v == 0 || v > 65535 || (*end && *end != '/'))
        return -1;
    *port = (unsigned)v;
    *s = end;
    return 0;
}

static int take_path(const char *s, url_parts *u)
{
    size_t len = strlen(s);
    while (len && s[len - 1] == '/')
        len--;
    if (len >= sizeof(u->path) || strpbrk(s, "?#"))
        return -1;
    memcpy(u->path, s, len);
    u->path[len] = 0;
    return 0;
}

static int parse_url(const char *ep, bool disable_ssl, url_parts *u, char *err, size_t n)
{
    const char *s = ep;
    if (take_scheme(&s, disable_ssl, &u->tls) != 0)
        return bad(err, n, "only http and https are supported", ep);
    if (strchr(s, '@'))
        return bad(err, n, "user information is not allowed", ep);
    if (take_host(&s, u) != 0)
        return bad(err, n, "no valid host", ep);
    if (take_port(&s, &u->port) != 0)
        return bad(err, n, "bad port", ep);
    if (take_path(s, u) != 0)
        return bad(err, n, "bad path", ep);
    return 0;
}

/* An IP literal or localhost cannot carry the bucket in its name. */
static bool bare_host(const char *h)
{
    if (strchr(h, ':') || strcasecmp(h, "localhost") == 0)
        return true;
    for (const char *p = h; *p; p++)
        if (!isdigit((unsigned char)*p) && *p != '.')
            return false;
    return true;
}

static bool want_path_style(const s3_endpoint_in *in, const url_parts *u)
{
    return in->force_path_style || bare_host(u->host) || (u->tls && strchr(in->bucket, '.'));
}

static int fill(const s3_endpoint_in *in, const url_parts *u, s3_endpoint *out, char *err,
                size_t n)
{
    char host[320];
    out->tls = u->tls;
    out->path_style = want_path_style(in, u);
    int w = out->path_style ? snprintf(host, sizeof(host), "%s", u->host)
                            : snprintf(host, sizeof(host), "%s.%s", in->bucket, u->host);
    if (w < 0 || (size_t)w >= sizeof(host) ||
        sigv4_host_header(out->host_header, sizeof(out->host_header), host, u->port, u->tls) !=
            SIGV4_OK)
        return bad(err, n, "host name too long or malformed", in->endpoint ? in->endpoint : host);
    w = snprintf(out->base_url, sizeof(out->base_url), "%s://%s", u->tls ? "https" : "http",
                 out->host_header);
    if (w < 0 || (size_t)w >= sizeof(out->base_url))
        return bad(err, n, "too long", host);
    w = out->path_style ? snprintf(out->path_prefix, sizeof(out->path_prefix), "%s/%s", u->path,
                                   in->bucket)
                        : snprintf(out->path_prefix, sizeof(out->path_prefix), "%s", u->path);
    if (w < 0 || (size_t)w >= sizeof(out->path_prefix))
        return bad(err, n, "path too long", host);
    return 0;
}

int s3_endpoint_resolve(const s3_endpoint_in *in, s3_endpoint *out, char *err, size_t err_size)
{
    url_parts u = {0};
    char aws[128];
    const char *ep = in->endpoint;
    if (!ep || !*ep) {
        snprintf(aws, sizeof(aws), "s3.%s.amazonaws.com", in->region);
        ep = aws;
    }
    if (parse_url(ep, in->disable_ssl, &u, err, err_size) != 0)
        return -1;
    int w = snprintf(out->region, sizeof(out->region), "%s", in->region);
    if (w < 0 || (size_t)w >= sizeof(out->region))
        return bad(err, err_size, "region too long", in->region);
    w = snprintf(out->bucket, sizeof(out->bucket), "%s", in->bucket);
    if (w < 0 || (size_t)w >= sizeof(out->bucket))
        return bad(err, err_size, "bucket name too long", in->bucket);
    return fill(in, &u, out, err, err_size);
}
