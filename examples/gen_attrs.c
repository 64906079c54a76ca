/*
 * gen_attrs.c: span attributes, status and exception events by semantic
 * convention. Current names (http.request.method, url.path, db.system.name,
 * ...) for every service but the one marked legacy, which speaks the names
 * that SDKs used before the HTTP conventions went stable (http.method,
 * http.target, net.host.name, ...), so converters have something to do.
 * Values are static strings and numbers: nothing is allocated or printed.
 */
#include "gen_int.h"

typedef Opentelemetry__Proto__Trace__V1__Span__SpanKind pb_kind;

static const pb_kind KIND_OF[] = {
    [ROLE_HTTP_SERVER] = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER,
    [ROLE_HTTP_CLIENT] = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT,
    [ROLE_RPC_SERVER] = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER,
    [ROLE_RPC_CLIENT] = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT,
    [ROLE_DB_CLIENT] = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT,
    [ROLE_INTERNAL] = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_INTERNAL,
};

static pb_any *next_value(gen_attrs *a, const char *key)
{
    if (*a->count >= a->cap)
        return NULL;
    pb_kv *kv = &a->kv[*a->count];
    kv->key = (char *)key;
    kv->value = &a->val[*a->count];
    a->ptr[*a->count] = kv;
    (*a->count)++;
    return kv->value;
}

void gen_str(gen_attrs *a, const char *key, const char *value)
{
    pb_any *v = next_value(a, key);
    if (v) {
        v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
        v->string_value = (char *)value;
    }
}

void gen_int(gen_attrs *a, const char *key, int64_t value)
{
    pb_any *v = next_value(a, key);
    if (v) {
        v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
        v->int_value = value;
    }
}

void gen_dbl(gen_attrs *a, const char *key, double value)
{
    pb_any *v = next_value(a, key);
    if (v) {
        v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
        v->double_value = value;
    }
}

void gen_bool(gen_attrs *a, const char *key, bool value)
{
    pb_any *v = next_value(a, key);
    if (v) {
        v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
        v->bool_value = value;
    }
}

/* Bits [shift, shift + bits) of the span's random word. */
static uint32_t pick(const gen_trace_ctx *t, unsigned shift, unsigned bits)
{
    return (uint32_t)(t->rnd >> shift) & ((1u << bits) - 1);
}

static void http_server(gen_attrs *a, const gen_node *n, const gen_node *parent,
                        const gen_trace_ctx *t, bool failed)
{
    const gen_service *svc = &gen_services[n->service];
    const char *path = n->paths ? n->paths[t->product] : n->target;
    const char *client = parent ? gen_services[parent->service].address
                                : gen_client_addresses[pick(t, 0, 3)];
    const char *agent = parent ? gen_services[parent->service].user_agent
                               : gen_browser_agents[pick(t, 3, 2)];
    int64_t status = failed ? 500 : 200;

    if (svc->legacy) {
        gen_str(a, "http.method", n->method);
        gen_str(a, "http.target", path);
        gen_str(a, "http.scheme", "http");
        gen_int(a, "http.status_code", status);
        gen_str(a, "http.route", n->target);
        gen_str(a, "net.host.name", svc->name);
        gen_int(a, "net.host.port", svc->port);
        gen_str(a, "net.sock.peer.addr", client);
        gen_str(a, "http.user_agent", agent);
        gen_str(a, "http.flavor", "1.1");
        gen_str(a, "thread.name", "http-nio-8080-exec-4");
        return;
    }
    gen_str(a, "http.request.method", n->method);
    gen_str(a, "url.path", path);
    gen_str(a, "url.scheme", "http");
    gen_str(a, "http.route", n->target);
    gen_int(a, "http.response.status_code", status);
    gen_str(a, "server.address", svc->name);
    gen_int(a, "server.port", svc->port);
    gen_str(a, "client.address", client);
    gen_str(a, "user_agent.original", agent);
    gen_str(a, "network.protocol.version", parent ? "1.1" : "2");
    if (failed)
        gen_str(a, "error.type", "500");
}

static void http_client(gen_attrs *a, const gen_node *n, const gen_trace_ctx *t, bool failed)
{
    const gen_service *peer = &gen_services[n->peer];

    gen_str(a, "http.request.method", n->method);
    gen_str(a, "url.full", n->paths ? n->paths[t->product] : n->target);
    gen_str(a, "server.address", peer->name);
    gen_int(a, "server.port", peer->port);
    gen_int(a, "http.response.status_code", failed ? 500 : 200);
    gen_str(a, "network.protocol.version", "1.1");
    gen_str(a, "network.peer.address", peer->address);
    gen_int(a, "network.peer.port", peer->port);
    gen_int(a, "http.request.resend_count", 0);
    if (failed)
        gen_str(a, "error.type", "500");
}

/* Both sides of a gRPC call; 2 is UNKNOWN, what a failed handler returns. */
static void rpc_common(gen_attrs *a, const gen_node *n, const gen_service *server,
                       const gen_service *self, bool failed)
{
    bool legacy = self->legacy;

    gen_str(a, "rpc.system", "grpc");
    gen_str(a, "rpc.service", n->target);
    gen_str(a, "rpc.method", n->method);
    gen_int(a, "rpc.grpc.status_code", failed ? 2 : 0);
    gen_str(a, legacy ? "net.peer.name" : "server.address", server->name);
    gen_int(a, legacy ? "net.peer.port" : "server.port", server->port);
    gen_str(a, legacy ? "net.sock.peer.addr" : "network.peer.address", server->address);
    gen_str(a, legacy ? "net.transport" : "network.transport", legacy ? "ip_tcp" : "tcp");
}

static void rpc_span(gen_attrs *a, const gen_node *n, const gen_node *parent, bool failed)
{
    const gen_service *self = &gen_services[n->service];

    if (n->role == ROLE_RPC_CLIENT) {
        rpc_common(a, n, &gen_services[n->peer], self, failed);
        if (self->legacy)
            gen_str(a, "thread.name", "grpc-default-executor-2");
        return;
    }
    rpc_common(a, n, self, self, failed);
    gen_str(a, "network.type", "ipv4");
    gen_str(a, "client.address", parent ? gen_services[parent->service].address : "");
}

static void db_client(gen_attrs *a, const gen_node *n, const gen_trace_ctx *t, bool failed)
{
    const gen_db *db = n->db;

    gen_str(a, "db.system.name", db->system);
    gen_str(a, "db.namespace", db->name_space);
    gen_str(a, "db.operation.name", db->operation);
    if (db->collection)
        gen_str(a, "db.collection.name", db->collection);
    gen_str(a, "db.query.text", db->query);
    gen_str(a, "server.address", db->host);
    gen_int(a, "server.port", db->port);
    gen_str(a, "network.peer.address", db->address);
    gen_str(a, "network.transport", "tcp");
    if (failed)
        gen_str(a, "error.type", n->exception);
    else
        gen_int(a, "db.response.returned_rows", 1 + pick(t, 5, 3));
}

static void internal_span(gen_attrs *a, const gen_node *n, const gen_trace_ctx *t)
{
    gen_str(a, "code.function.name", n->name);
    gen_str(a, "code.file.path", "/app/src/render.js");
    gen_int(a, "code.line.number", 40 + pick(t, 8, 6));
    gen_int(a, "thread.id", 1);
}

/* A list-valued attribute: the products in the cart. */
static void product_list(span_slot *s, gen_attrs *a, const gen_trace_ctx *t)
{
    size_t n = 1 + pick(t, 20, 2) % GEN_ARRAY_VALUES;

    for (size_t i = 0; i < n; i++) {
        s->array_val[i].value_case =
            OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
        s->array_val[i].string_value = (char *)gen_product_ids[(t->product + i) % GEN_PRODUCTS];
    }
    s->array.n_values = n;
    pb_any *v = next_value(a, "app.product.ids");
    if (v) {
        v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE;
        v->array_value = &s->array;
    }
}

static void extras(span_slot *s, gen_attrs *a, const gen_node *n, const gen_trace_ctx *t)
{
    switch (n->extra) {
    case EXTRA_USER:
        gen_str(a, "app.user.id", gen_user_ids[t->user]);
        break;
    case EXTRA_CART:
        gen_int(a, "app.cart.items", 1 + pick(t, 12, 3));
        product_list(s, a, t);
        break;
    case EXTRA_PAYMENT:
        gen_str(a, "app.payment.currency", "USD");
        gen_dbl(a, "app.payment.amount", 5.0 + (double)pick(t, 24, 14) / 16.0);
        gen_str(a, "app.payment.card_type", pick(t, 38, 1) ? "visa" : "mastercard");
        break;
    case EXTRA_CACHE:
        gen_bool(a, "app.cache.hit", pick(t, 40, 2) != 0);
        break;
    default:
        break;
    }
}

/* The exception event of the span where a failure starts. */
static void exception_event(span_slot *s, const gen_node *n)
{
    gen_attrs ev = {s->event_kv, s->event_val, s->event_kvp, &s->event.n_attributes,
                    GEN_EVENT_ATTRS};

    s->event.n_attributes = 0;
    s->event.name = "exception";
    s->event.time_unix_nano = s->span.end_time_unix_nano;
    if (s->event.time_unix_nano - s->span.start_time_unix_nano > 1000)
        s->event.time_unix_nano -= 1000;
    gen_str(&ev, "exception.type", n->exception);
    gen_str(&ev, "exception.message", n->failure);
    gen_str(&ev, "exception.stacktrace", gen_services[n->service].stacktrace);
    s->span.n_events = 1;
}

static void set_status(span_slot *s, const gen_node *n, const gen_trace_ctx *t, bool failed)
{
    s->span.n_events = 0;
    s->status.code = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_UNSET;
    s->status.message = (char *)protobuf_c_empty_string;
    if (!failed)
        return;
    s->status.code = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR;
    if (n->failure) {
        s->status.message = (char *)n->failure;
        exception_event(s, n);
    } else {
        s->status.message = (char *)t->cause;
    }
}

void gen_fill_span(span_slot *s, const gen_node *n, const gen_node *parent,
                   const gen_trace_ctx *t, bool failed)
{
    gen_attrs a = {s->kv, s->val, s->kvp, &s->span.n_attributes, GEN_MAX_ATTRS};

    s->span.n_attributes = 0;
    s->span.name = (char *)n->name;
    s->span.kind = KIND_OF[n->role];
    switch (n->role) {
    case ROLE_HTTP_SERVER: http_server(&a, n, parent, t, failed); break;
    case ROLE_HTTP_CLIENT: http_client(&a, n, t, failed); break;
    case ROLE_RPC_SERVER:
    case ROLE_RPC_CLIENT: rpc_span(&a, n, parent, failed); break;
    case ROLE_DB_CLIENT: db_client(&a, n, t, failed); break;
    default: internal_span(&a, n, t); break;
    }
    extras(s, &a, n, t);
    set_status(s, n, t, failed);
}

void gen_fill_resource(gen_attrs *a, const gen_service *svc, const char *instance_id,
                       const char *host_name, int64_t pid)
{
    gen_str(a, "service.name", svc->name);
    gen_str(a, "service.version", svc->version);
    gen_str(a, "service.namespace", "shop");
    gen_str(a, "service.instance.id", instance_id);
    gen_str(a, "host.name", host_name);
    gen_str(a, svc->legacy ? "deployment.environment" : "deployment.environment.name",
            "staging");
    gen_str(a, "telemetry.sdk.name", "opentelemetry");
    gen_str(a, "telemetry.sdk.language", svc->language);
    gen_str(a, "telemetry.sdk.version", svc->sdk_version);
    gen_int(a, "process.pid", pid);
    gen_str(a, "k8s.namespace.name", "shop");
}
