/*
 * fn_semconv.c: the transform processor's set_semconv_span_name(version,
 * original_span_name_attribute): the span's name derived from its
 * attributes as the semantic conventions (1.37.0) name HTTP, RPC,
 * database and messaging spans, by kind; a span they do not name keeps
 * its name. With the second argument, a renamed span keeps its old name
 * in that attribute.
 */
#include "fn.h"

#define SEMCONV_VERSION "1.37.0"

const char *ottl_check_semconv(const call_node *c)
{
    if (!bytes_eq(lit_str(c, 0), SEMCONV_VERSION, strlen(SEMCONV_VERSION)))
        return "unsupported semconv version, supported version: " SEMCONV_VERSION;
    if (has_arg(c, 1) && c->argv[1]->str.n == 0)
        return "originalSpanNameAttribute cannot be an empty string";
    return NULL;
}

typedef struct namer {
    ottl_env *e;
    otlp_list attrs;
    pb_bytes parts[8];
    size_t n;
} namer;

/* The attribute key (or its older alias) as pcommon's AsString text. */
static bool attr(namer *m, const char *key, const char *alias, pb_bytes *out)
{
    const char *keys[2] = {key, alias};
    for (int k = 0; k < 2 && keys[k]; k++) {
        value v;
        bool nil;
        if (ottl_map_get(m->e, &m->attrs, bytes_of(keys[k], strlen(keys[k])), &v) == 1 &&
            ottl_value_text(m->e, &v, TEXT_AS_STRING, out, &nil) == 0)
            return true;
    }
    return false;
}

static bool attr_true(namer *m, const char *key)
{
    value v;
    return ottl_map_get(m->e, &m->attrs, bytes_of(key, strlen(key)), &v) == 1 &&
           v.t == V_BOOL && v.b;
}

static void part(namer *m, pb_bytes b)
{
    if (m->n < sizeof m->parts / sizeof m->parts[0])
        m->parts[m->n++] = b;
}

static void lit(namer *m, const char *s)
{
    part(m, bytes_of(s, strlen(s)));
}

static bool http_name(namer *m, const char *subject_key)
{
    pb_bytes method, subject;
    if (!attr(m, "http.request.method", "http.method", &method))
        return false;
    part(m, method);
    if (attr(m, subject_key, NULL, &subject)) {
        lit(m, " ");
        part(m, subject);
    }
    return true;
}

static bool rpc_name(namer *m)
{
    pb_bytes system, method, service;
    if (!attr(m, "rpc.system", NULL, &system))
        return false;
    bool has_m = attr(m, "rpc.method", "rpc.grpc.method", &method);
    bool has_s = attr(m, "rpc.service", "rpc.grpc.service", &service);
    if (has_s) {
        part(m, service);
        lit(m, "/");
    }
    if (has_m)
        part(m, method);
    else if (has_s)
        lit(m, "*");
    else
        part(m, system);
    return true;
}

/* address:port, or address. */
static bool server_address(namer *m)
{
    pb_bytes addr, port;
    if (!attr(m, "server.address", NULL, &addr))
        return false;
    part(m, addr);
    if (attr(m, "server.port", NULL, &port)) {
        lit(m, ":");
        part(m, port);
    }
    return true;
}

/* The database target: namespace.collection, namespace.procedure,
 * namespace, or server address. */
static bool db_target(namer *m)
{
    pb_bytes ns, coll;
    bool has_ns = attr(m, "db.namespace", "db.name", &ns) && ns.len;
    if (attr(m, "db.collection.name", NULL, &coll) ||
        attr(m, "db.stored_procedure.name", NULL, &coll)) {
        if (has_ns) {
            part(m, ns);
            lit(m, ".");
        }
        part(m, coll);
        return true;
    }
    if (has_ns) {
        part(m, ns);
        return true;
    }
    return server_address(m);
}

static bool db_name(namer *m)
{
    pb_bytes system, summary, op;
    if (!attr(m, "db.system.name", "db.system", &system))
        return false;
    if (attr(m, "db.query.summary", NULL, &summary)) {
        part(m, summary);
        return true;
    }
    bool has_op = attr(m, "db.operation.name", "db.operation", &op) && op.len;
    size_t before = m->n;
    if (has_op)
        part(m, op);
    if (has_op)
        lit(m, " ");
    if (db_target(m))
        return true;
    m->n = before + has_op; /* the operation alone, without its space */
    if (!has_op)
        part(m, system);
    return true;
}

static bool messaging_destination(namer *m)
{
    pb_bytes d;
    if (attr_true(m, "messaging.destination.temporary")) {
        lit(m, "(temporary)");
        return true;
    }
    if (attr_true(m, "messaging.destination.anonymous")) {
        lit(m, "(anonymous)");
        return true;
    }
    if (attr(m, "messaging.destination.template", NULL, &d) ||
        attr(m, "messaging.destination.name", "messaging.destination", &d)) {
        part(m, d);
        return true;
    }
    return server_address(m);
}

static bool messaging_name(namer *m)
{
    pb_bytes system, op;
    if (!attr(m, "messaging.system", NULL, &system))
        return false;
    bool has_op = attr(m, "messaging.operation.name", "messaging.operation", &op);
    size_t before = m->n;
    if (has_op) {
        part(m, op);
        lit(m, " ");
    }
    if (messaging_destination(m))
        return true;
    m->n = before;
    part(m, has_op ? op : system);
    return true;
}

/* The convention's name by span kind; false: none applies. */
static bool derive(namer *m, int32_t kind)
{
    switch (kind) {
    case 2: /* server */
        return http_name(m, "http.route") || rpc_name(m) || messaging_name(m);
    case 3: /* client */
        return http_name(m, "url.template") || rpc_name(m) || db_name(m) || messaging_name(m);
    case 4: case 5: /* producer, consumer */
        return messaging_name(m);
    default: return false;
    }
}

RUN(ottl_fn_set_semconv_span_name)
{
    namer m = {.e = e};
    pb_bytes old = e->now.name;
    (void)out;
    if (ottl_level_attrs(e, OTTL_CTX_SPAN, &m.attrs) != 0)
        return -1;
    if (!derive(&m, e->now.kind))
        return 0;
    value name = v_str(ottl_scratch_concat(e, m.parts, m.n));
    if (bytes_eq(old, name.s.ptr, name.s.len))
        return 0;
    old = ottl_scratch_dup(e, old.ptr, old.len); /* setting the name replaces the record's */
    if (ottl_set_span_name(e, &name) != 0)
        return -1;
    if (!has_arg(c, 1))
        return 0;
    otlp_anyvalue a = otlp_any_empty();
    a.type = OTLP_ANY_STRING;
    a.bytes = old;
    pb_bytes key = lit_str(c, 1);
    int rc = otlp_edit_attr_put(e->ed, OTLP_EDIT_SPAN, (const char *)key.ptr, key.len, &a,
                                OTLP_ATTR_UPSERT);
    if (rc < 0)
        return ottl_edit_failed(e, rc);
    e->changes += rc > 0;
    return 0;
}
