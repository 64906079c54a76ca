/*
 * main.c: otelc-client, an OTLP/gRPC trace client and load generator.
 *
 * Sends realistic traces of a five-service shop to an OTLP gRPC
 * endpoint and reports what came back; or writes one request body to a
 * file (--dump), or only measures the generator (--encode-only). Ids of
 * acknowledged spans go to stdout (--print-ids); everything else to
 * stderr. Exit status: 0 all answered OK, 1 something failed, 2 usage.
 */
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <otelc/sdk/clock.h>

#include "generator.h"
#include "grpc_frame.h"
#include "h2_client.h"
#include "load.h"
#include "options.h"
#include "stats.h"
#include "tls.h"

static uint64_t random_seed(void)
{
    uint64_t seed = 0;

    if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
        seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    return seed ? seed : 1;
}

static int write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    if (!f)
        return -1;
    size_t wrote = fwrite(data, 1, len, f);
    if (fclose(f) != 0 || wrote != len)
        return -1;
    return 0;
}

/* --dump: one request body (prefix included, as h2load -d wants it). */
static int dump_request(const client_opts *o, uint64_t seed)
{
    trace_gen *g = trace_gen_new(seed, o->spans_per_request);
    grpc_encoder enc;
    grpc_buf body = {0};
    char *ids = NULL;
    int rc = 1;

    grpc_encoder_init(&enc);
    if (!g)
        goto out;
    const otlp_export_req *req = trace_gen_build(g, o->spans_per_request, (uint64_t)otelc_real_ns());
    if (grpc_encode(&enc, &req->base, o->gzip, &body) != 0)
        goto out;
    if (write_file(o->dump_file, body.data, body.len) != 0) {
        perror(o->dump_file);
        goto out;
    }
    if (o->print_ids && (ids = malloc(trace_gen_count(g) * TRACE_GEN_ID_LINE)))
        fwrite(ids, 1, trace_gen_format_ids(g, ids), stdout);
    if (!o->quiet)
        fprintf(stderr, "otelc-client: wrote %zu bytes (%u spans%s) to %s\n", body.len,
                o->spans_per_request, o->gzip ? ", gzip" : "", o->dump_file);
    rc = 0;
out:
    free(ids);
    grpc_buf_free(&body);
    grpc_encoder_free(&enc);
    trace_gen_free(g);
    return rc;
}

/* --encode-only: how fast the generator builds and encodes requests. */
static int encode_only(const client_opts *o, uint64_t seed)
{
    trace_gen *g = trace_gen_new(seed, o->spans_per_request);
    grpc_encoder enc;
    grpc_buf body = {0};
    uint64_t spans = 0, bytes = 0, t0 = (uint64_t)otelc_mono_ns(), now = t0;
    uint64_t until = t0 + (uint64_t)(o->duration * 1e9);
    int rc = 1;

    grpc_encoder_init(&enc);
    while (g && (o->spans ? spans < o->spans : now < until)) {
        const otlp_export_req *req = trace_gen_build(g, o->spans_per_request, (uint64_t)otelc_real_ns());
        if (grpc_encode(&enc, &req->base, o->gzip, &body) != 0)
            goto out;
        spans += o->spans_per_request;
        bytes += body.len;
        now = (uint64_t)otelc_mono_ns();
    }
    double secs = (double)(now - t0) / 1e9;
    if (g && secs > 0)
        fprintf(stderr, "encode: %llu spans in %.3f s: %.0f spans/s, %.1f bytes/span%s, %.1f MB/s\n",
                (unsigned long long)spans, secs, (double)spans / secs,
                (double)bytes / (double)spans, o->gzip ? " (gzip)" : "",
                (double)bytes / secs / 1e6);
    rc = g ? 0 : 1;
out:
    grpc_buf_free(&body);
    grpc_encoder_free(&enc);
    trace_gen_free(g);
    return rc;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    load_stop(arg);
}

static struct addrinfo *resolve(const client_opts *o)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(o->host, o->port, &hints, &ai);

    if (rc != 0) {
        fprintf(stderr, "otelc-client: %s: %s\n", o->host, gai_strerror(rc));
        return NULL;
    }
    return ai;
}

/* Sends, waits, reports; returns the exit status. */
static int send_traces(const client_opts *o, uint64_t seed, const h2_target *t,
                       struct event_base *base)
{
    char err[256];
    load *l = load_new(o, seed, base, t, stdout, err, sizeof(err));
    struct event *sigint = NULL, *sigterm = NULL;
    int status = 1;

    if (!l) {
        fprintf(stderr, "otelc-client: %s\n", err);
        return 1;
    }
    sigint = evsignal_new(base, SIGINT, on_signal, l);
    sigterm = evsignal_new(base, SIGTERM, on_signal, l);
    if (!sigint || !sigterm || event_add(sigint, NULL) || event_add(sigterm, NULL))
        goto out;
    int rc = load_run(l);
    bool failed = rc != 0 || stats_failed(load_stats(l));
    /* With nothing sent, the connection error said it all. */
    if ((!o->quiet || failed) && load_stats(l)->requests > 0)
        stats_print(load_stats(l), stderr, load_elapsed(l));
    status = rc != 0 || (failed && !o->allow_failures) ? 1 : 0;
out:
    if (sigint)
        event_free(sigint);
    if (sigterm)
        event_free(sigterm);
    load_free(l);
    fflush(stdout);
    return status;
}

static int run(const client_opts *o, uint64_t seed)
{
    char authority[300], err[256];
    SSL_CTX *tls = NULL;
    struct event_base *base = NULL;
    int status = 1;

    signal(SIGPIPE, SIG_IGN);
    struct addrinfo *ai = resolve(o);
    if (!ai)
        return 1;
    if (o->tls && !(tls = client_tls_ctx_new(o->ca_file, o->insecure, err, sizeof(err)))) {
        fprintf(stderr, "otelc-client: %s\n", err);
        goto fail_addr;
    }
    base = event_base_new();
    if (!base)
        goto fail_tls;
    snprintf(authority, sizeof(authority), strchr(o->host, ':') ? "[%s]:%s" : "%s:%s",
             o->host, o->port);
    h2_target t = {
        .addrs = ai, .host = o->host, .authority = authority, .tls = tls,
        .insecure = o->insecure, .gzip = o->gzip,
        .timeout_ms = (uint32_t)(o->timeout * 1000 < 99999999 ? o->timeout * 1000 : 99999999),
    };
    status = send_traces(o, seed, &t, base);
    event_base_free(base);
fail_tls:
    SSL_CTX_free(tls);
fail_addr:
    freeaddrinfo(ai);
    return status;
}

int main(int argc, char **argv)
{
    client_opts o;
    char err[256];
    int rc = client_opts_parse(&o, argc, argv, err, sizeof(err));

    if (rc == OPTS_HELP) {
        client_usage(stdout);
        return 0;
    }
    if (rc != OPTS_OK) {
        fprintf(stderr, "otelc-client: %s\n", err);
        client_usage(stderr);
        return 2;
    }
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    uint64_t seed = o.seed ? o.seed : random_seed();
    if (o.dump_file)
        return dump_request(&o, seed);
    if (o.encode_only)
        return encode_only(&o, seed);
    return run(&o, seed);
}
