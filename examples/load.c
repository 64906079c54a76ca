/*
 * load.c: scheduling requests over the client's connections.
 *
 * A request slot exists per possible stream (connections x streams) and
 * owns its encoded body and id lines, reused request after request, so
 * steady state allocates nothing. Completions only mark work; the pump
 * (a deferred event) decides what to send next, so no request is started
 * from inside nghttp2's callbacks.
 */
#include "load.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <otelc/sdk/clock.h>

#include "generator.h"

#define TICK_MS 100
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 2000

typedef struct conn_slot {
    struct load *l;
    h2_conn *conn;
    struct event *retry_ev;
    unsigned failures;          /* closes since the last OK answer */
} conn_slot;

typedef struct req_slot {
    h2_call call;
    grpc_buf body;
    char *ids;                  /* --print-ids lines of this request */
    size_t ids_len;
    uint32_t spans;
    struct req_slot *next_free;
} req_slot;

struct load {
    const client_opts *o;
    struct event_base *base;
    const h2_target *target;
    FILE *ids_out;
    conn_slot *conns;
    uint32_t next_conn;         /* round-robin start */
    req_slot *slots;
    req_slot *free_slots;
    size_t inflight;
    trace_gen *gen;
    grpc_encoder enc;
    grpc_buf replay_body;
    char *replay_ids;
    size_t replay_ids_len;
    bool replay_ids_printed;
    struct event *pump_ev, *rate_ev, *tick_ev;
    client_stats stats;
    uint64_t spans_issued;
    uint64_t started_ns;        /* first connection up; 0 before */
    uint64_t last_done_ns;
    uint64_t deadline_ns;       /* --duration end; 0: none */
    bool stopping;              /* no new requests */
    bool failed_hard;           /* a connection failed without --allow-failures */
};

static void wake_pump(load *l)
{
    event_active(l->pump_ev, 0, 0);
}

/* Spans the next request carries; 0 when the budget is spent. */
static uint32_t next_size(const load *l)
{
    uint64_t m = l->o->spans_per_request;

    if (l->o->spans == 0)
        return (uint32_t)m;
    if (l->spans_issued >= l->o->spans)
        return 0;
    uint64_t left = l->o->spans - l->spans_issued;
    return (uint32_t)(l->o->replay || left > m ? m : left);
}

/* Fills s with a fresh request (or the replay one) of n spans. */
static int build_request(load *l, req_slot *s, uint32_t n)
{
    if (l->o->replay) {
        s->call.body = l->replay_body.data;
        s->call.body_len = l->replay_body.len;
        s->spans = n;
        return 0;
    }
    const otlp_export_req *req = trace_gen_build(l->gen, n, (uint64_t)otelc_real_ns());
    if (!req || grpc_encode(&l->enc, &req->base, l->o->gzip, &s->body))
        return -1;
    if (l->o->print_ids)
        s->ids_len = trace_gen_format_ids(l->gen, s->ids);
    s->call.body = s->body.data;
    s->call.body_len = s->body.len;
    s->spans = n;
    return 0;
}

/* A ready connection with a free stream, taken round-robin. */
static conn_slot *pick_conn(load *l)
{
    uint32_t n = l->o->connections;

    for (uint32_t k = 0; k < n; k++) {
        conn_slot *cs = &l->conns[(l->next_conn + k) % n];
        if (h2_conn_ready(cs->conn) && h2_conn_inflight(cs->conn) < l->o->streams) {
            l->next_conn = (l->next_conn + k + 1) % n;
            return cs;
        }
    }
    return NULL;
}

/* True (and the rate timer armed) when --rate says to wait. */
static bool rate_says_wait(load *l, uint64_t now)
{
    if (l->o->rate <= 0)
        return false;
    uint64_t due = l->started_ns + (uint64_t)((double)l->spans_issued / l->o->rate * 1e9);
    if (now >= due)
        return false;
    struct timeval tv = {(time_t)((due - now) / 1000000000u),
                         (suseconds_t)((due - now) % 1000000000u / 1000u)};
    event_add(l->rate_ev, &tv);
    return true;
}

/* Starts one request; returns false when nothing more can start now. */
static bool start_one(load *l, uint64_t now)
{
    uint32_t n = next_size(l);
    conn_slot *cs;

    if (n == 0) {
        l->stopping = true;
        return false;
    }
    if (!l->free_slots || !(cs = pick_conn(l)) || rate_says_wait(l, now))
        return false;
    req_slot *s = l->free_slots;
    if (build_request(l, s, n) != 0) {
        fprintf(stderr, "otelc-client: out of memory building a request\n");
        l->stopping = l->failed_hard = true;
        return false;
    }
    if (h2_conn_submit(cs->conn, &s->call, now) != 0)
        return !h2_conn_ready(cs->conn);    /* it stopped taking calls: try another */
    l->free_slots = s->next_free;
    l->spans_issued += n;
    l->inflight++;
    return true;
}

static void pump(load *l)
{
    uint64_t now = (uint64_t)otelc_mono_ns();

    if (l->deadline_ns && now >= l->deadline_ns)
        l->stopping = true;
    while (!l->stopping && l->started_ns && start_one(l, now))
        ;
    if (l->stopping && l->inflight == 0)
        event_base_loopexit(l->base, NULL);
}

static void on_pump(evutil_socket_t fd, short what, void *arg)
{
    pump(arg);
}

static void print_ids(load *l, req_slot *s)
{
    if (!l->o->replay) {
        fwrite(s->ids, 1, s->ids_len, l->ids_out);
    } else if (!l->replay_ids_printed) {
        fwrite(l->replay_ids, 1, l->replay_ids_len, l->ids_out);
        l->replay_ids_printed = true;
    }
}

/* An OK answer may still carry partial success: read it. */
static int check_reply(load *l, req_slot *s, int code)
{
    int64_t rejected = 0;
    char msg[STATS_MESSAGE];

    if (code != GRPC_OK)
        return code;
    int rc = grpc_parse_reply(s->call.reply.data, s->call.reply.len, &rejected, msg,
                              sizeof(msg));
    if (rc < 0) {
        snprintf(s->call.message, sizeof(s->call.message), "malformed Export response");
        return GRPC_INTERNAL;
    }
    stats_rejected(&l->stats, rejected, msg);
    if (l->o->print_ids && rejected <= 0)
        print_ids(l, s);
    return GRPC_OK;
}

static void on_done(h2_call *call, int code, void *arg)
{
    conn_slot *cs = arg;
    load *l = cs->l;
    req_slot *s = call->user;
    uint64_t now = (uint64_t)otelc_mono_ns();

    code = check_reply(l, s, code);
    if (code == GRPC_OK)
        cs->failures = 0;
    stats_record(&l->stats, code, s->spans, now - call->started_ns, call->message);
    s->next_free = l->free_slots;
    l->free_slots = s;
    l->inflight--;
    l->last_done_ns = now;
    wake_pump(l);
}

static void schedule_reconnect(conn_slot *cs, bool at_once)
{
    unsigned shift = cs->failures < 5 ? cs->failures : 5;
    unsigned ms = at_once ? 0 : BACKOFF_FIRST_MS << shift;
    struct timeval tv = {0, 0};

    if (ms > BACKOFF_MAX_MS)
        ms = BACKOFF_MAX_MS;
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
    event_add(cs->retry_ev, &tv);
}

static void on_state(h2_conn *c, h2_event ev, const char *why, void *arg)
{
    conn_slot *cs = arg;
    load *l = cs->l;

    if (ev == H2_UP) {
        if (!l->started_ns)
            l->started_ns = (uint64_t)otelc_mono_ns();
    } else if (ev == H2_FAILED && !l->o->allow_failures) {
        /* Once stopping, calls lost with the connection are counted anyway. */
        if (!l->stopping) {
            fprintf(stderr, "otelc-client: %s: %s\n", l->target->authority, why);
            l->failed_hard = true;
        }
        l->stopping = true;
    } else if (!l->stopping) {
        /* A GOAWAY after good answers reconnects at once; repeated closes back off. */
        if (ev == H2_FAILED && cs->failures == 0 && !l->o->quiet)
            fprintf(stderr, "otelc-client: %s: %s (reconnecting)\n", l->target->authority,
                    why);
        schedule_reconnect(cs, ev == H2_CLOSED && cs->failures == 0);
        cs->failures++;
    }
    wake_pump(l);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    conn_slot *cs = arg;

    if (!cs->l->stopping && h2_conn_connect(cs->conn) != 0) {
        cs->failures++;
        schedule_reconnect(cs, false);
    }
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    load *l = arg;
    uint64_t now = (uint64_t)otelc_mono_ns();

    if (l->o->timeout > 0)
        for (uint32_t i = 0; i < l->o->connections; i++)
            h2_conn_expire(l->conns[i].conn, now, (uint64_t)(l->o->timeout * 1e9));
    wake_pump(l);
}

/* Request slots: one per stream of every connection, bodies kept for reuse. */
static int make_slots(load *l)
{
    size_t n = (size_t)l->o->connections * l->o->streams;
    bool own_ids = l->o->print_ids && !l->o->replay;

    l->slots = calloc(n, sizeof(*l->slots));
    if (!l->slots)
        return -1;
    for (size_t i = 0; i < n; i++) {
        req_slot *s = &l->slots[i];
        s->call.user = s;
        if (own_ids && !(s->ids = malloc((size_t)l->o->spans_per_request * TRACE_GEN_ID_LINE)))
            return -1;
        s->next_free = l->free_slots;
        l->free_slots = s;
    }
    return 0;
}

/* --replay: the one request every stream sends. */
static int make_replay(load *l)
{
    const otlp_export_req *req = trace_gen_build(l->gen, l->o->spans_per_request, (uint64_t)otelc_real_ns());

    if (!req || grpc_encode(&l->enc, &req->base, l->o->gzip, &l->replay_body))
        return -1;
    if (!l->o->print_ids)
        return 0;
    l->replay_ids = malloc((size_t)l->o->spans_per_request * TRACE_GEN_ID_LINE);
    if (!l->replay_ids)
        return -1;
    l->replay_ids_len = trace_gen_format_ids(l->gen, l->replay_ids);
    return 0;
}

static int make_conns(load *l)
{
    l->conns = calloc(l->o->connections, sizeof(*l->conns));
    if (!l->conns)
        return -1;
    for (uint32_t i = 0; i < l->o->connections; i++) {
        conn_slot *cs = &l->conns[i];
        cs->l = l;
        cs->conn = h2_conn_new(l->base, l->target, on_done, on_state, cs);
        cs->retry_ev = evtimer_new(l->base, on_retry, cs);
        if (!cs->conn || !cs->retry_ev)
            return -1;
    }
    return 0;
}

load *load_new(const client_opts *opts, uint64_t seed, struct event_base *base,
               const h2_target *target, FILE *ids_out, char *err, size_t errcap)
{
    load *l = calloc(1, sizeof(*l));

    if (!l)
        goto fail_load;
    l->o = opts;
    l->base = base;
    l->target = target;
    l->ids_out = ids_out;
    grpc_encoder_init(&l->enc);
    stats_init(&l->stats);
    l->gen = trace_gen_new(seed, opts->spans_per_request);
    l->pump_ev = event_new(base, -1, 0, on_pump, l);
    l->rate_ev = evtimer_new(base, on_pump, l);
    l->tick_ev = event_new(base, -1, EV_PERSIST, on_tick, l);
    if (!l->gen || !l->pump_ev || !l->rate_ev || !l->tick_ev || make_slots(l) ||
        make_conns(l) || (opts->replay && make_replay(l)))
        goto fail_load;
    return l;
fail_load:
    snprintf(err, errcap, "out of memory");
    load_free(l);
    return NULL;
}

int load_run(load *l)
{
    struct timeval tick = {0, (suseconds_t)TICK_MS * 1000};

    if (l->o->duration > 0)
        l->deadline_ns = (uint64_t)otelc_mono_ns() + (uint64_t)(l->o->duration * 1e9);
    for (uint32_t i = 0; i < l->o->connections; i++) {
        if (h2_conn_connect(l->conns[i].conn) == 0)
            continue;
        if (!l->o->allow_failures) {
            fprintf(stderr, "otelc-client: %s: cannot start connecting\n",
                    l->target->authority);
            return -1;
        }
        schedule_reconnect(&l->conns[i], false);
    }
    event_add(l->tick_ev, &tick);
    event_base_dispatch(l->base);
    /* After a second stop, calls still in flight end here, counted as failed. */
    for (uint32_t i = 0; i < l->o->connections; i++)
        h2_conn_close(l->conns[i].conn, "the client stopped before the answer");
    return l->failed_hard ? -1 : 0;
}

void load_stop(load *l)
{
    if (l->stopping) {
        event_base_loopbreak(l->base);
        return;
    }
    l->stopping = true;
    wake_pump(l);
}

const client_stats *load_stats(const load *l)
{
    return &l->stats;
}

double load_elapsed(const load *l)
{
    if (!l->started_ns || l->last_done_ns <= l->started_ns)
        return 0;
    return (double)(l->last_done_ns - l->started_ns) / 1e9;
}

void load_free(load *l)
{
    if (!l)
        return;
    l->stopping = true;
    for (uint32_t i = 0; l->conns && i < l->o->connections; i++) {
        h2_conn_free(l->conns[i].conn);
        if (l->conns[i].retry_ev)
            event_free(l->conns[i].retry_ev);
    }
    free(l->conns);
    for (size_t i = 0; l->slots && i < (size_t)l->o->connections * l->o->streams; i++) {
        grpc_buf_free(&l->slots[i].body);
        grpc_buf_free(&l->slots[i].call.reply);
        free(l->slots[i].ids);
    }
    free(l->slots);
    if (l->pump_ev)
        event_free(l->pump_ev);
    if (l->rate_ev)
        event_free(l->rate_ev);
    if (l->tick_ev)
        event_free(l->tick_ev);
    grpc_buf_free(&l->replay_body);
    free(l->replay_ids);
    grpc_encoder_free(&l->enc);
    trace_gen_free(l->gen);
    free(l);
}
