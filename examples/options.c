/*
 * options.c: command-line parsing for otelc-client.
 */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_SPANS_PER_REQUEST = 256, OPT_CA, OPT_INSECURE, OPT_PRINT_IDS,
    OPT_ALLOW_FAILURES, OPT_SEED, OPT_ENCODE_ONLY, OPT_TIMEOUT,
};

static const struct option LONG_OPTS[] = {
    {"endpoint", required_argument, NULL, 'e'},
    {"spans", required_argument, NULL, 'n'},
    {"spans-per-request", required_argument, NULL, OPT_SPANS_PER_REQUEST},
    {"connections", required_argument, NULL, 'c'},
    {"streams", required_argument, NULL, 's'},
    {"rate", required_argument, NULL, 'r'},
    {"duration", required_argument, NULL, 'd'},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"gzip", no_argument, NULL, 'z'},
    {"tls", no_argument, NULL, 't'},
    {"ca", required_argument, NULL, OPT_CA},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"replay", no_argument, NULL, 'R'},
    {"dump", required_argument, NULL, 'D'},
    {"print-ids", no_argument, NULL, OPT_PRINT_IDS},
    {"quiet", no_argument, NULL, 'q'},
    {"allow-failures", no_argument, NULL, OPT_ALLOW_FAILURES},
    {"seed", required_argument, NULL, OPT_SEED},
    {"encode-only", no_argument, NULL, OPT_ENCODE_ONLY},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

void client_usage(FILE *out)
{
    fputs("usage: otelc-client [options]\n"
          "  --endpoint HOST:PORT       OTLP gRPC endpoint (default localhost:4317)\n"
          "  --spans N                  spans to send in all (default 1000; k, M suffixes)\n"
          "  --spans-per-request M      spans per Export request (default 100)\n"
          "  --connections C            HTTP/2 connections (default 1)\n"
          "  --streams S                concurrent requests per connection (default 4)\n"
          "  --rate R                   target spans/s, 0 = as fast as possible (default 0)\n"
          "  --duration D               send for D seconds instead of a span count\n"
          "  --timeout T                seconds a request may take, 0 = no limit (default 10)\n"
          "  --gzip                     compress requests (grpc-encoding: gzip)\n"
          "  --tls                      TLS with ALPN h2 (or an https:// endpoint)\n"
          "  --ca FILE                  CA certificates to verify the server with\n"
          "  --insecure                 TLS without verifying the server\n"
          "  --replay                   encode one request, send the same bytes again and again\n"
          "  --dump FILE                write one gRPC request body to FILE and exit\n"
          "  --print-ids                print \"traceid spanid\" of every acknowledged span\n"
          "  --quiet                    no summary, only errors\n"
          "  --allow-failures           exit 0 even if requests failed; reconnect when refused\n"
          "  --seed N                   reproducible ids and attributes\n"
          "  --encode-only              generate and encode only: measure the generator\n",
          out);
}

static void set_defaults(client_opts *o)
{
    memset(o, 0, sizeof(*o));
    snprintf(o->host, sizeof(o->host), "localhost");
    snprintf(o->port, sizeof(o->port), "4317");
    o->spans_per_request = 100;
    o->connections = 1;
    o->streams = 4;
    o->timeout = 10;
}

/* Unsigned count with an optional k (1e3) or M (1e6) suffix. */
static int parse_count(const char *s, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    uint64_t mult = 1;

    if (!s[0] || s[0] == '-')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    if (*end == 'k' || *end == 'K')
        mult = 1000, end++;
    else if (*end == 'M' || *end == 'm')
        mult = 1000000, end++;
    if (*end || v > max / mult)
        return -1;
    *out = (uint64_t)v * mult;
    return 0;
}

/* Non-negative finite number, optionally ending in "s" (seconds). */
static int parse_seconds(const char *s, double *out)
{
    char *end = NULL;

    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !isfinite(v) || v < 0)
        return -1;
    if (*end == 's')
        end++;
    if (*end)
        return -1;
    *out = v;
    return 0;
}

int client_endpoint_parse(const char *text, client_opts *o, char *err, size_t errcap)
{
    const char *host = text, *port = NULL;
    size_t hlen;

    if (strncmp(text, "http://", 7) == 0) {
        host += 7;
    } else if (strncmp(text, "https://", 8) == 0) {
        host += 8;
        o->tls = true;
    }
    if (host[0] == '[') {
        const char *close = strchr(host, ']');
        if (!close || (close[1] && close[1] != ':'))
            goto bad;
        hlen = (size_t)(close - host - 1);
        host++;
        port = close[1] ? close + 2 : NULL;
    } else {
        const char *colon = strrchr(host, ':');
        hlen = colon ? (size_t)(colon - host) : strlen(host);
        port = colon ? colon + 1 : NULL;
    }
    if (hlen == 0 || hlen >= sizeof(o->host))
        goto bad;
    uint64_t pnum = 4317;
    if (port && (port[strspn(port, "0123456789")] != '\0' || parse_count(port, 65535, &pnum)
                 || pnum == 0))
        goto bad;
    memcpy(o->host, host, hlen);
    o->host[hlen] = '\0';
    snprintf(o->port, sizeof(o->port), "%u", (unsigned)pnum);
    return 0;
bad:
    snprintf(err, errcap, "--endpoint: expected HOST:PORT, got \"%s\"", text);
    return -1;
}

/* Stores a count option into a uint32 field, in [min, max]. */
static int set_u32(const char *name, const char *arg, uint64_t min, uint64_t max,
                   uint32_t *field, char *err, size_t errcap)
{
    uint64_t v;

    if (parse_count(arg, max, &v) || v < min) {
        snprintf(err, errcap, "--%s: expected a whole number from %llu to %llu, got \"%s\"",
                 name, (unsigned long long)min, (unsigned long long)max, arg);
        return -1;
    }
    *field = (uint32_t)v;
    return 0;
}

static int set_seconds(const char *name, const char *arg, double *field, char *err,
                       size_t errcap)
{
    if (parse_seconds(arg, field)) {
        snprintf(err, errcap, "--%s: expected seconds, got \"%s\"", name, arg);
        return -1;
    }
    return 0;
}

/* One option; returns 0, OPTS_HELP or OPTS_ERROR. */
static int apply_option(client_opts *o, int c, const char *arg, bool *spans_given,
                        char *err, size_t errcap)
{
    switch (c) {
    case 'e': return client_endpoint_parse(arg, o, err, errcap);
    case 'n':
        *spans_given = true;
        if (parse_count(arg, UINT64_MAX, &o->spans) || o->spans == 0) {
            snprintf(err, errcap, "--spans: expected a positive count, got \"%s\"", arg);
            return OPTS_ERROR;
        }
        return 0;
    case OPT_SPANS_PER_REQUEST:
        return set_u32("spans-per-request", arg, 1, CLIENT_MAX_SPANS_PER_REQUEST,
                       &o->spans_per_request, err, errcap);
    case 'c': return set_u32("connections", arg, 1, 1024, &o->connections, err, errcap);
    case 's': return set_u32("streams", arg, 1, 1024, &o->streams, err, errcap);
    case 'r': return set_seconds("rate", arg, &o->rate, err, errcap);
    case 'd': return set_seconds("duration", arg, &o->duration, err, errcap);
    case OPT_TIMEOUT: return set_seconds("timeout", arg, &o->timeout, err, errcap);
    case 'z': o->gzip = true; return 0;
    case 't': o->tls = true; return 0;
    case OPT_CA: o->ca_file = arg; return 0;
    case OPT_INSECURE: o->insecure = true; return 0;
    case 'R': o->replay = true; return 0;
    case 'D': o->dump_file = arg; return 0;
    case OPT_PRINT_IDS: o->print_ids = true; return 0;
    case 'q': o->quiet = true; return 0;
    case OPT_ALLOW_FAILURES: o->allow_failures = true; return 0;
    case OPT_ENCODE_ONLY: o->encode_only = true; return 0;
    case OPT_SEED:
        if (parse_count(arg, UINT64_MAX, &o->seed)) {
            snprintf(err, errcap, "--seed: expected a whole number, got \"%s\"", arg);
            return OPTS_ERROR;
        }
        return 0;
    case 'h': return OPTS_HELP;
    default:
        snprintf(err, errcap, "unknown or incomplete option (see --help)");
        return OPTS_ERROR;
    }
}

/* Rules that involve several options at once. */
static int check_combination(client_opts *o, bool spans_given, char *err, size_t errcap)
{
    if (!spans_given && o->duration == 0)
        o->spans = CLIENT_DEFAULT_SPANS;
    if (spans_given && o->duration > 0) {
        snprintf(err, errcap, "--spans and --duration exclude each other");
        return OPTS_ERROR;
    }
    if ((o->ca_file || o->insecure) && !o->tls) {
        snprintf(err, errcap, "--ca and --insecure need --tls");
        return OPTS_ERROR;
    }
    if (o->ca_file && o->insecure) {
        snprintf(err, errcap, "--ca and --insecure exclude each other");
        return OPTS_ERROR;
    }
    if (o->dump_file && o->encode_only) {
        snprintf(err, errcap, "--dump and --encode-only exclude each other");
        return OPTS_ERROR;
    }
    return OPTS_OK;
}

int client_opts_parse(client_opts *o, int argc, char **argv, char *err, size_t errcap)
{
    bool spans_given = false;
    int c, rc;

    set_defaults(o);
    err[0] = '\0';
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "e:n:c:s:r:d:hq", LONG_OPTS, NULL)) != -1) {
        rc = apply_option(o, c, optarg, &spans_given, err, errcap);
        if (rc != 0)
            return rc < 0 ? OPTS_ERROR : rc;
    }
    if (optind < argc) {
        snprintf(err, errcap, "unexpected argument \"%s\"", argv[optind]);
        return OPTS_ERROR;
    }
    return check_combination(o, spans_given, err, errcap);
}
