/*
 * options.h: the command line of otelc-client.
 *
 * Parsing is pure: it reads argv, fills a client_opts and writes a
 * message into the caller's buffer on error. Nothing is opened or
 * resolved here, so the rules can be tested without a network.
 */
#ifndef OTELC_CLIENT_OPTIONS_H
#define OTELC_CLIENT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Requests larger than this would pass gRPC's usual 4 MiB limit anyway. */
#define CLIENT_MAX_SPANS_PER_REQUEST 20000
#define CLIENT_DEFAULT_SPANS 1000

typedef struct client_opts {
    char host[256];             /* without brackets for IPv6 literals */
    char port[8];
    uint64_t spans;             /* total to send; 0: until --duration ends */
    uint32_t spans_per_request;
    uint32_t connections;
    uint32_t streams;           /* concurrent requests per connection */
    double rate;                /* spans per second; 0: as fast as possible */
    double duration;            /* seconds; 0: until --spans are sent */
    double timeout;             /* seconds a request may take; 0: forever */
    uint64_t seed;              /* 0: random */
    bool gzip;
    bool tls;
    bool insecure;              /* TLS without certificate or name checks */
    bool replay;
    bool encode_only;           /* generate and encode, send nothing */
    bool print_ids;
    bool quiet;
    bool allow_failures;
    const char *ca_file;        /* borrowed from argv */
    const char *dump_file;      /* borrowed from argv */
} client_opts;

enum { OPTS_OK = 0, OPTS_HELP = 1, OPTS_ERROR = -1 };

/*
 * Parses argv into *o (defaults first). Returns OPTS_OK, OPTS_HELP when
 * --help was asked for, or OPTS_ERROR with a one-line reason in err.
 * Strings in *o point into argv, which must outlive *o. Not thread-safe
 * (getopt keeps global state).
 */
int client_opts_parse(client_opts *o, int argc, char **argv, char *err, size_t errcap);

/*
 * Splits "host:port", "[v6]:port", "host" (port 4317) with an optional
 * http:// or https:// in front (https sets *tls). Returns 0, or -1 with a
 * reason in err. Pure.
 */
int client_endpoint_parse(const char *text, client_opts *o, char *err, size_t errcap);

/* The usage text, for --help and errors. */
void client_usage(FILE *out);

#endif /* OTELC_CLIENT_OPTIONS_H */
