/*
 * fuzz_otlp_conn: bytes a client sends to the otlp receiver, through its
 * real connection code (conn.c, h1_conn.c, conn_h2.c, call.c, h2_http.c,
 * http_xchg.c, ...) as a connection accepted on its loop, without
 * sockets: the connection's bufferevent is one end of a bufferevent pair
 * and the input is written into the other end, in pieces, with the loop
 * run between them. The receiver is created by the test kit's fake host
 * from a config, so its settings are the real ones, and what it emits is
 * answered as the input's first byte says.
 *
 *   byte 0, bits 0-1: 0 the HTTP port, bytes as given (HTTP/1.1, or h2c
 *                     when they start with the preface); 1 the HTTP port
 *                     with the HTTP/2 preface written first; 2 the gRPC
 *                     port, preface first; 3 the HTTP port behind an
 *                     authenticator ("authorization: Bearer fuzz" passes)
 *           bits 2-3: the pipeline's answer: OK, RETRY, REJECT, or
 *                     PENDING completed once the loop is idle
 *           bit 4:    include_metadata
 *           bit 5:    small body limits (64KiB, 1 MiB gRPC messages)
 *   byte 1:           the piece size the rest is written in, 1 to 256
 *
 * Then the client goes away and the receiver is destroyed: every
 * request, stream and batch must be freed (the sanitizers and the kit's
 * contract check say so).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <otelc/testkit.h>

/* The receiver's statics (its descriptor, h2_setup, register_metrics)
 * are what start() would use; the fuzz target is built without the
 * plugin's receiver.c for this reason. */
#include "receiver.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MODE_HTTP = 0, MODE_H2C = 1, MODE_GRPC = 2, MODE_AUTH = 3 };

typedef struct fuzz_case {
    int mode;
    otelc_status answer;
    bool metadata, small;
    size_t piece;
} fuzz_case;

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

static otelc_status bearer_fuzz(void *state, const char *const *headers, char *reason, size_t n)
{
    (void)state;
    for (size_t i = 0; headers[i]; i += 2)
        if (strcmp(headers[i], "authorization") == 0 && strcmp(headers[i + 1], "Bearer fuzz") == 0)
            return OTELC_OK;
    snprintf(reason, n, "no token");
    return OTELC_REJECT;
}

static const otelc_auth_server fuzz_auth = {sizeof(otelc_auth_server), bearer_fuzz};

static fuzz_case case_of(const uint8_t *data)
{
    static const otelc_status answers[] = {OTELC_OK, OTELC_RETRY, OTELC_REJECT, OTELC_PENDING};
    return (fuzz_case){.mode = data[0] & 3,
                       .answer = answers[(data[0] >> 2) & 3],
                       .metadata = (data[0] & 0x10) != 0,
                       .small = (data[0] & 0x20) != 0,
                       .piece = (size_t)data[1] + 1};
}

static void config_of(const fuzz_case *fc, char *yaml, size_t cap)
{
    const char *meta = fc->metadata ? "true" : "false";
    if (fc->mode == MODE_GRPC) {
        snprintf(yaml, cap,
                 "protocols:\n  grpc:\n    endpoint: \"127.0.0.1:0\"\n"
                 "    include_metadata: %s\n    max_recv_msg_size_mib: %d\n",
                 meta, fc->small ? 1 : 4);
        return;
    }
    snprintf(yaml, cap,
             "protocols:\n  http:\n    endpoint: \"127.0.0.1:0\"\n"
             "    include_metadata: %s\n    max_request_body_size: %s\n%s",
             meta, fc->small ? "64KiB" : "20MiB",
             fc->mode == MODE_AUTH ? "    auth: { authenticator: fuzzauth }\n" : "");
}

/* Runs the loop until nothing is left to do now, dropping what the
 * receiver answered (client may be NULL once it went away). */
static void settle(struct event_base *base, struct bufferevent *client)
{
    for (int i = 0; i < 256; i++) {
        if (client) {
            struct evbuffer *in = bufferevent_get_input(client);
            evbuffer_drain(in, evbuffer_get_length(in));
        }
        event_base_loop(base, EVLOOP_NONBLOCK);
        if (event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE) == 0)
            break;
    }
}

/* The receiver as start() sets it up, minus listeners and threads. */
static otlp_loop *serve(otlp_recv *r, const fuzz_case *fc)
{
    otlp_server *srv = &r->srv[fc->mode == MODE_GRPC ? OTLP_GRPC : OTLP_HTTP];
    register_metrics(r);
    otlp_auth_metrics(r);
    if (h2_setup(r) != 0 || loops_create(srv) != 0)
        abort();
    return &srv->loops[0];
}

static void converse(otelc_test_host *h, otlp_recv *r, const fuzz_case *fc, const uint8_t *data,
                     size_t size)
{
    otlp_loop *l = serve(r, fc);
    struct bufferevent *pair[2];
    if (bufferevent_pair_new(l->base, BEV_OPT_CLOSE_ON_FREE, pair) != 0)
        abort();
    struct bufferevent *client = pair[1];
    conn_adopt(l, pair[0]); /* the connection owns its end */
    bufferevent_enable(client, EV_READ | EV_WRITE);
    if (fc->mode == MODE_H2C || fc->mode == MODE_GRPC)
        bufferevent_write(client, preface, sizeof(preface) - 1);
    for (size_t off = 0; off < size && l->conns; off += fc->piece) {
        size_t n = size - off < fc->piece ? size - off : fc->piece;
        bufferevent_write(client, data + off, n);
        settle(l->base, client);
    }
    /* Answers the pipeline held; pipelined requests then come in turn. */
    for (int i = 0; i < 4096 && otelc_test_host_complete_all(h, OTELC_OK) > 0; i++)
        settle(l->base, client);
    bufferevent_flush(client, EV_WRITE, BEV_FINISHED); /* the client's EOF */
    settle(l->base, client);
    bufferevent_free(client);
    settle(l->base, NULL);
}

/* What the receiver did with one input, for whoever writes seeds. */
static void tell(otelc_test_host *h)
{
    fprintf(stderr, "emits: %zu, spans: %llu\n", otelc_test_emitted_count(h),
            (unsigned long long)otelc_test_emitted_spans_total(h));
    for (size_t i = 0; i < otelc_test_log_count(h); i++)
        fprintf(stderr, "  %s\n", otelc_test_log_line(h, i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char yaml[512];
    void *state = NULL;
    if (size < 2)
        return 0;
    fuzz_case fc = case_of(data);
    config_of(&fc, yaml, sizeof(yaml));
    otelc_test_host *h = otelc_test_host_new();
    if (!h || otelc_test_host_offer(h, OTELC_SERVICE_AUTH_SERVER, "fuzzauth", &fuzz_auth, NULL) ||
        otelc_test_plugin_create(h, &otlp_receiver, "otlp", yaml, &state) != 0)
        abort(); /* the config is the target's own: it must load */
    otelc_test_host_answer(h, fc.answer);
    converse(h, state, &fc, data + 2, size - 2);
    otlp_receiver.destroy(state);
    if (getenv("FUZZ_VERBOSE"))
        tell(h);
    if (otelc_test_host_check(h) != 0) {
        fprintf(stderr, "%s\n", otelc_test_host_last_error(h));
        abort();
    }
    otelc_test_host_free(h);
    if (otelc_test_batches_live() != 0)
        abort(); /* a batch the receiver emitted was never released */
    return 0;
}
