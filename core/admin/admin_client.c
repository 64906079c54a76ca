/* admin_client.c: small libcurl requests to a running otelc. */
#include "admin_client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int admin_client_url(const char *endpoint, bool tls, char *out, size_t cap)
{
    if (strncmp(endpoint, "http://", 7) == 0 || strncmp(endpoint, "https://", 8) == 0) {
        int n = snprintf(out, cap, "%s", endpoint);
        return n < 0 || (size_t)n >= cap ? -1 : 0;
    }
    const char *colon = strrchr(endpoint, ':');
    if (!colon || !colon[1])
        return -1;
    size_t hostlen = (size_t)(colon - endpoint);
    char host[256];
    if (hostlen >= sizeof(host))
        return -1;
    memcpy(host, endpoint, hostlen);
    host[hostlen] = 0;
    /* A listener on every address is reached on loopback. */
    const char *h = host;
    if (!*h || strcmp(h, "0.0.0.0") == 0)
        h = "127.0.0.1";
    else if (strcmp(h, "[::]") == 0 || strcmp(h, "::") == 0)
        h = "[::1]";
    int n = snprintf(out, cap, "%s://%s:%s", tls ? "https" : "http", h, colon + 1);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

typedef struct grow {
    char *p;
    size_t len;
} grow;

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
    grow *g = arg;
    char *p = realloc(g->p, g->len + size * n + 1);
    if (!p)
        return 0;
    memcpy(p + g->len, data, size * n);
    g->p = p;
    g->len += size * n;
    g->p[g->len] = 0;
    return size * n;
}

/* The environment's credentials and trust (admin_client.h); the header
 * list (NULL without a header) is the caller's to free after the call. */
static struct curl_slist *set_credentials(CURL *c)
{
    const char *ca = getenv("OTELC_ADMIN_CA_FILE");
    const char *cert = getenv("OTELC_ADMIN_CERT_FILE");
    const char *key = getenv("OTELC_ADMIN_KEY_FILE");
    const char *authz = getenv("OTELC_ADMIN_AUTHORIZATION");
    if (ca && *ca)
        curl_easy_setopt(c, CURLOPT_CAINFO, ca);
    if (cert && *cert)
        curl_easy_setopt(c, CURLOPT_SSLCERT, cert);
    if (key && *key)
        curl_easy_setopt(c, CURLOPT_SSLKEY, key);
    if (!authz || !*authz || strpbrk(authz, "\r\n"))
        return NULL;
    size_t len = strlen("Authorization: ") + strlen(authz) + 1;
    char *line = malloc(len);
    if (!line)
        return NULL;
    snprintf(line, len, "Authorization: %s", authz);
    struct curl_slist *list = curl_slist_append(NULL, line);
    memset(line, 0, len); /* curl keeps its own copy */
    free(line);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    return list;
}

int admin_client_call(const char *base_url, const char *method, const char *path, char **body,
                      long *status, char *err, size_t errlen)
{
    char url[1024];
    snprintf(url, sizeof(url), "%s%s", base_url, path);
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, errlen, "cannot start an HTTP client");
        return -1;
    }
    grow g = {calloc(1, 1), 0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "POST") == 0)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &g);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    struct curl_slist *headers = set_credentials(c);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(c);
    curl_slist_free_all(headers); /* after the handle that points to it */
    if (rc != CURLE_OK || !g.p) {
        snprintf(err, errlen, "%s: %s", url, curl_easy_strerror(rc));
        free(g.p);
        return -1;
    }
    *body = g.p;
    return 0;
}
