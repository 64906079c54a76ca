/*
 * otlp_json_read.c: OTLP/JSON to protobuf, by way of protobuf-c structs.
 *
 * A descent driven by protobuf-c's field descriptors reads the document
 * token by token (otlp_json_lex.c: yajl, a streaming parser) and fills
 * the generated structs, which protobuf-c then packs. No document tree is
 * built: every struct, list, string and decoded byte string lives in one
 * arena freed at the end, so a request costs a handful of allocations
 * whatever its size, and what they may add up to is bounded by the body's
 * size (OTLP_JSON_MAX_EXPANSION): a body of empty objects is refused
 * before it costs more. Scalars (numbers, ids, base64) are converted in
 * otlp_json_scalar.c.
 */
#include <otelc/sdk/otlp_json.h>

#include "otlp_json_lex.h"
#include "otlp_json_scalar.h"

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STRINGIFY(x) #x
#define EXPAND_STRINGIFY(x) STRINGIFY(x)
#define DEPTH_TEXT EXPAND_STRINGIFY(OTLP_JSON_MAX_DEPTH)
#define EXPANSION_TEXT EXPAND_STRINGIFY(OTLP_JSON_MAX_EXPANSION)

/* Arena chunks; a larger allocation gets a chunk of its own. */
#define CHUNK_SIZE 65536

/* protobuf-c structs hold nothing wider than a pointer, int64 or double:
 * aligning to those rather than max_align_t's 16 keeps small values
 * (most of a request) a third smaller. */
#define ARENA_ALIGN _Alignof(union {void *p; int64_t i; double d;})

/* What a request of any size may take besides its OTLP_JSON_MAX_EXPANSION
 * times its length: a first chunk and small lists. */
#define BUDGET_SLACK ((size_t)1 << 20)

struct chunk {
    struct chunk *next;
    size_t used;
    size_t cap;
    max_align_t data[];
};

/* A step on the way from the document's root to a value, for messages. */
struct path {
    const struct path *up;
    const ProtobufCFieldDescriptor *field; /* an object member, or NULL for a list element */
    size_t index;
};

/* A list being read: its elements grow here, then stay as one block. */
struct vec {
    struct vec *next;
    size_t cap;
    max_align_t data[];
};

struct reader {
    oj_lex lx;
    struct chunk *chunks;
    struct vec *vecs;
    size_t used;   /* bytes of chunks and lists */
    size_t budget; /* what the decoded request may take */
    char *err;
    size_t err_len;
    int rc; /* first error */
};

static int out_of_memory(struct reader *r);

/* Charges n bytes to the request's budget; false (error recorded) past it. */
static bool charge(struct reader *r, size_t n)
{
    if (n <= r->budget - r->used) {
        r->used += n;
        return true;
    }
    if (!r->rc) {
        r->rc = -EINVAL;
        if (r->err_len)
            snprintf(r->err, r->err_len,
                     "the request takes more than " EXPANSION_TEXT " times its size to decode "
                     "(too many values for its bytes)");
    }
    return false;
}

static void *arena_alloc(struct reader *r, size_t n)
{
    struct chunk *c = r->chunks;
    n = (n + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > CHUNK_SIZE / 4 ? n : CHUNK_SIZE;
        if (!charge(r, sizeof *c + cap))
            return NULL;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->used = 0;
        c->cap = cap;
        if (cap == n && r->chunks) { /* keep filling the current chunk */
            c->next = r->chunks->next;
            r->chunks->next = c;
        } else {
            c->next = r->chunks;
            r->chunks = c;
        }
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

static void arena_free(struct reader *r)
{
    while (r->chunks) {
        struct chunk *next = r->chunks->next;
        free(r->chunks);
        r->chunks = next;
    }
    while (r->vecs) {
        struct vec *next = r->vecs->next;
        free(r->vecs);
        r->vecs = next;
    }
}

/* proto field name -> lowerCamelCase key, as written to buf */
static size_t camel(char *buf, size_t cap, const char *name)
{
    size_t n = 0;
    for (; *name && n + 1 < cap; name++) {
        char c = *name;
        if (c == '_' && name[1] >= 'a' && name[1] <= 'z')
            c = (char)(*++name - 'a' + 'A');
        buf[n++] = c;
    }
    buf[n] = '\0';
    return n;
}

/* Appends the path from the root, e.g. "resourceSpans[0].resource". */
static size_t format_path(char *buf, size_t cap, const struct path *p)
{
    if (!p)
        return 0;
    size_t n = format_path(buf, cap, p->up);
    int k;
    if (p->field) {
        char key[64];
        camel(key, sizeof key, p->field->name);
        k = snprintf(buf + n, cap - n, "%s%s", n ? "." : "", key);
    } else
        k = snprintf(buf + n, cap - n, "[%zu]", p->index);
    if (k < 0)
        return n;
    return n + (size_t)k < cap ? n + (size_t)k : cap - 1;
}

/* Records the first error as "path: why"; returns -EINVAL. A path too
 * long for the caller's buffer is cut short ("...") so the reason stays. */
static int fail(struct reader *r, const struct path *p, const char *why)
{
    char where[512];
    if (r->rc)
        return r->rc;
    r->rc = -EINVAL;
    if (r->err_len == 0)
        return r->rc;
    size_t n = format_path(where, sizeof where, p);
    if (n == 0)
        n = (size_t)snprintf(where, sizeof where, "(root)");
    size_t room = r->err_len - 1, why_len = strlen(why);
    if ((n + 2 + why_len > room && room >= why_len + 2 + 3 + 8) || n == sizeof where - 1) {
        size_t keep = n + 2 + why_len > room ? room - why_len - 2 - 3 : n - 3;
        memcpy(where + keep, "...", 4);
        n = keep + 3;
    }
    snprintf(r->err, r->err_len, "%.*s: %s", (int)n, where, why);
    return r->rc;
}

static int out_of_memory(struct reader *r)
{
    if (!r->rc) {
        r->rc = -ENOMEM;
        if (r->err_len)
            snprintf(r->err, r->err_len, "out of memory");
    }
    return r->rc;
}

/* proto field name -> lowerCamelCase key, compared without building it */
static bool key_is_field(const char *key, const char *name)
{
    for (; *name; name++, key++) {
        char want = *name;
        if (want == '_' && name[1] >= 'a' && name[1] <= 'z')
            want = (char)(*++name - 'a' + 'A');
        if (*key != want)
            return false;
    }
    return *key == '\0';
}

static const ProtobufCFieldDescriptor *find_field(const ProtobufCMessageDescriptor *d,
                                                  const char *key)
{
    for (unsigned i = 0; i < d->n_fields; i++)
        if (key_is_field(key, d->fields[i].name))
            return &d->fields[i];
    return NULL;
}

static int read_message(struct reader *r, const ProtobufCMessageDescriptor *d,
                        ProtobufCMessage *msg, const struct path *p, unsigned depth);

/* The lexer's first error, as the reader reports it. */
static int syntax_error(struct reader *r)
{
    unsigned line, col;
    if (r->lx.nomem)
        return out_of_memory(r);
    if (!r->rc) {
        r->rc = -EINVAL;
        ojl_where(&r->lx, &line, &col);
        if (r->err_len)
            snprintf(r->err, r->err_len, "invalid JSON at line %u column %u: %s", line, col,
                     r->lx.why);
    }
    return r->rc;
}

static bool is_any_value(const ProtobufCMessageDescriptor *d)
{
    return d == &opentelemetry__proto__common__v1__any_value__descriptor;
}

static int read_submessage(struct reader *r, const ProtobufCFieldDescriptor *f, const ojv *v,
                           void *member, const struct path *p, unsigned depth)
{
    const ProtobufCMessageDescriptor *d = f->descriptor;
    if (is_any_value(d) && ++depth > OTLP_JSON_MAX_DEPTH)
        return fail(r, p, "values nested deeper than " DEPTH_TEXT " levels");
    if (v->type != OJV_OBJECT)
        return fail(r, p, "expected an object");
    ProtobufCMessage *sub = arena_alloc(r, d->sizeof_message);
    if (!sub)
        return out_of_memory(r);
    d->message_init(sub);
    *(ProtobufCMessage **)member = sub;
    return read_message(r, d, sub, p, depth);
}

static int read_string(struct reader *r, const ojv *v, void *member, const struct path *p)
{
    if (v->type != OJV_STRING)
        return fail(r, p, "expected a string");
    /* protobuf-c strings end at NUL: refuse rather than cut them short */
    if (strlen(v->s) != v->n)
        return fail(r, p, "strings holding U+0000 are not supported");
    char *s = arena_alloc(r, v->n + 1);
    if (!s)
        return out_of_memory(r);
    memcpy(s, v->s, v->n + 1);
    *(const char **)member = s;
    return 0;
}

/* Trace and span ids are hex in OTLP/JSON, other bytes base64: those of
 * spans and links, and of log records and exemplars, which share the
 * field names. */
static size_t hex_id_size(const ProtobufCFieldDescriptor *f)
{
    if (strcmp(f->name, "trace_id") == 0)
        return 16;
    if (strcmp(f->name, "span_id") == 0 || strcmp(f->name, "parent_span_id") == 0)
        return 8;
    return 0;
}

static int read_bytes(struct reader *r, const ProtobufCFieldDescriptor *f, const ojv *v,
                      void *member, const struct path *p)
{
    ProtobufCBinaryData *bd = member;
    size_t id_size = hex_id_size(f);
    if (v->type != OJV_STRING)
        return fail(r, p, id_size ? "expected a hex string" : "expected a base64 string");
    bd->len = 0;
    bd->data = NULL;
    if (v->n == 0)
        return 0;
    if (id_size && v->n != 2 * id_size)
        return fail(r, p, id_size == 16 ? "expected 32 hex digits" : "expected 16 hex digits");
    uint8_t *data = arena_alloc(r, id_size ? id_size : v->n / 4 * 3 + 3);
    if (!data)
        return out_of_memory(r);
    if (id_size) {
        if (!ojs_hex_decode(v->s, v->n, data))
            return fail(r, p, id_size == 16 ? "expected 32 hex digits" : "expected 16 hex digits");
        bd->len = id_size;
    } else if (!ojs_base64_decode(v->s, v->n, data, &bd->len)) {
        return fail(r, p, "invalid base64");
    }
    bd->data = data;
    return 0;
}

static int read_enum(struct reader *r, const ProtobufCFieldDescriptor *f, const ojv *v,
                     int32_t *member, const struct path *p)
{
    int64_t i;
    if (v->type == OJV_STRING) {
        const ProtobufCEnumValue *ev =
            protobuf_c_enum_descriptor_get_value_by_name(f->descriptor, v->s);
        if (!ev) {
            char why[160];
            snprintf(why, sizeof why, "unknown enum name \"%s\"", v->s);
            return fail(r, p, why);
        }
        *member = ev->value;
        return 0;
    }
    if (!ojs_int64(v, &i) || i < INT32_MIN || i > INT32_MAX)
        return fail(r, p, "expected a 32-bit integer or an enum name");
    *member = (int32_t)i;
    return 0;
}

static int read_integer(struct reader *r, const ProtobufCFieldDescriptor *f, const ojv *v,
                        void *member, const struct path *p)
{
    int64_t i;
    uint64_t u;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if (!ojs_int64(v, &i) || i < INT32_MIN || i > INT32_MAX)
            return fail(r, p, "expected a 32-bit integer");
        *(int32_t *)member = (int32_t)i;
        return 0;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if (!ojs_uint64(v, &u) || u > UINT32_MAX)
            return fail(r, p, "expected an unsigned 32-bit integer");
        *(uint32_t *)member = (uint32_t)u;
        return 0;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (!ojs_int64(v, &i))
            return fail(r, p, "expected a 64-bit integer (number or decimal string)");
        *(int64_t *)member = i;
        return 0;
    default: /* UINT64, FIXED64 */
        if (!ojs_uint64(v, &u))
            return fail(r, p, "expected an unsigned 64-bit integer (number or decimal string)");
        *(uint64_t *)member = u;
        return 0;
    }
}

/* Reads one value of field f (a single value, or one list element). */
static int read_value(struct reader *r, const ProtobufCFieldDescriptor *f, const ojv *v,
                      void *member, const struct path *p, unsigned depth)
{
    double d;
    switch (f->type) {
    case PROTOBUF_C_TYPE_MESSAGE: return read_submessage(r, f, v, member, p, depth);
    case PROTOBUF_C_TYPE_STRING: return read_string(r, v, member, p);
    case PROTOBUF_C_TYPE_BYTES: return read_bytes(r, f, v, member, p);
    case PROTOBUF_C_TYPE_ENUM: return read_enum(r, f, v, member, p);
    case PROTOBUF_C_TYPE_BOOL:
        if (v->type != OJV_TRUE && v->type != OJV_FALSE)
            return fail(r, p, "expected true or false");
        *(protobuf_c_boolean *)member = v->type == OJV_TRUE;
        return 0;
    case PROTOBUF_C_TYPE_DOUBLE:
    case PROTOBUF_C_TYPE_FLOAT:
        if (!ojs_double(v, &d))
            return fail(r, p, "expected a number, \"NaN\", \"Infinity\" or \"-Infinity\"");
        if (f->type == PROTOBUF_C_TYPE_FLOAT)
            *(float *)member = (float)d;
        else
            *(double *)member = d;
        return 0;
    default: return read_integer(r, f, v, member, p);
    }
}

static size_t element_size(ProtobufCType type)
{
    switch (type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: return sizeof(uint64_t);
    case PROTOBUF_C_TYPE_DOUBLE: return sizeof(double);
    case PROTOBUF_C_TYPE_FLOAT: return sizeof(float);
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
    default: return sizeof(uint32_t); /* 32-bit integers and enums */
    }
}

/* Room for one more element of size bytes in *v (a list being read);
 * the elements go on living there once the list is read. */
static void *vec_slot(struct reader *r, struct vec **v, size_t n, size_t size)
{
    size_t cap = *v ? (*v)->cap : 0;
    if ((n + 1) * size > cap) {
        size_t more = cap ? cap : 8 * size;
        if (!charge(r, more))
            return NULL;
        struct vec *g = realloc(*v, sizeof **v + cap + more);
        if (!g)
            return NULL;
        g->cap = cap + more;
        *v = g;
    }
    return (char *)(*v)->data + n * size;
}

/* Reads the elements of a list into *v; their count in *n. */
static int read_elements(struct reader *r, const ProtobufCFieldDescriptor *f, struct vec **v,
                         size_t *n, const struct path *p, unsigned depth)
{
    size_t size = element_size(f->type);
    ojv item;
    while (ojl_element(&r->lx)) {
        struct path here = {p, NULL, *n};
        if (!ojl_value(&r->lx, &item))
            break;
        if (item.type == OJV_NULL)
            return fail(r, &here, "null is not a valid list element");
        void *slot = vec_slot(r, v, *n, size);
        if (!slot)
            return out_of_memory(r);
        int rc = read_value(r, f, &item, slot, &here, depth);
        if (rc)
            return rc;
        (*n)++;
    }
    return r->lx.failed ? syntax_error(r) : 0;
}

static int read_list(struct reader *r, const ProtobufCFieldDescriptor *f, const ojv *v,
                     ProtobufCMessage *msg, const struct path *p, unsigned depth)
{
    struct vec *items = NULL;
    size_t n = 0;
    if (v->type != OJV_ARRAY)
        return fail(r, p, "expected a list");
    int rc = read_elements(r, f, &items, &n, p, depth);
    if (items) { /* freed with the arena, even after an error */
        items->next = r->vecs;
        r->vecs = items;
    }
    if (rc || n == 0)
        return rc;
    *(size_t *)((char *)msg + f->quantifier_offset) = n;
    *(void **)((char *)msg + f->offset) = items->data;
    return 0;
}

static int read_field(struct reader *r, const ProtobufCFieldDescriptor *f, const ojv *v,
                      ProtobufCMessage *msg, const struct path *p, unsigned depth)
{
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return read_list(r, f, v, msg, p, depth);
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        uint32_t *set = (uint32_t *)((char *)msg + f->quantifier_offset);
        if (*set && *set != f->id)
            return fail(r, p, "another member of the same oneof is already set");
        *set = f->id;
    }
    return read_value(r, f, v, (char *)msg + f->offset, p, depth);
}

/* The members of an object whose '{' was read. Unknown keys are skipped;
 * null means "not set". */
static int read_message(struct reader *r, const ProtobufCMessageDescriptor *d,
                        ProtobufCMessage *msg, const struct path *p, unsigned depth)
{
    ojv key, v;
    while (ojl_member(&r->lx, &key)) {
        const ProtobufCFieldDescriptor *f = find_field(d, key.s);
        if (!ojl_value(&r->lx, &v))
            break;
        if (!f || v.type == OJV_NULL) {
            if (!ojl_skip(&r->lx, &v))
                break;
            continue;
        }
        struct path here = {p, f, 0};
        int rc = read_field(r, f, &v, msg, &here, depth);
        if (rc)
            return rc;
    }
    return r->lx.failed ? syntax_error(r) : 0;
}

static int pack_request(struct reader *r, const ProtobufCMessage *req, uint8_t **pb,
                        size_t *pb_len)
{
    size_t n = protobuf_c_message_get_packed_size(req);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return out_of_memory(r);
    *pb_len = protobuf_c_message_pack(req, buf);
    *pb = buf;
    return 0;
}

/* The document: one object, then nothing but whitespace. */
static int read_document(struct reader *r, ProtobufCMessage *req)
{
    const ProtobufCMessageDescriptor *d = req->descriptor;
    ojv root;
    if (!ojl_value(&r->lx, &root))
        return syntax_error(r);
    if (root.type == OJV_ARRAY)
        return fail(r, NULL, "expected an object");
    if (root.type != OJV_OBJECT) {
        ojl_fail(&r->lx, "'[' or '{' expected");
        return syntax_error(r);
    }
    int rc = read_message(r, d, req, NULL, 0);
    if (!rc && !ojl_at_end(&r->lx))
        rc = syntax_error(r);
    return rc;
}

static const ProtobufCMessageDescriptor *request_descriptor(otelc_signal signal)
{
    switch (signal) {
    case OTELC_TRACES:
        return &opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor;
    case OTELC_METRICS:
        return &opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__descriptor;
    case OTELC_LOGS:
        return &opentelemetry__proto__collector__logs__v1__export_logs_service_request__descriptor;
    default: return NULL;
    }
}

int otlp_json_read(const char *json, size_t len, uint8_t **pb, size_t *pb_len, char *err,
                   size_t err_len)
{
    return otlp_json_read_signal(OTELC_TRACES, json, len, pb, pb_len, err, err_len);
}

int otlp_json_read_signal(otelc_signal signal, const char *json, size_t len, uint8_t **pb,
                          size_t *pb_len, char *err, size_t err_len)
{
    const ProtobufCMessageDescriptor *d = request_descriptor(signal);
    struct reader r = {.err = err, .err_len = err_len};
    int rc;

    *pb = NULL;
    *pb_len = 0;
    if (err_len)
        err[0] = '\0';
    if (!d) {
        if (err_len)
            snprintf(err, err_len, "unknown signal %d", (int)signal);
        return -EINVAL;
    }
    r.budget = len > (SIZE_MAX - BUDGET_SLACK) / OTLP_JSON_MAX_EXPANSION
                   ? SIZE_MAX
                   : len * OTLP_JSON_MAX_EXPANSION + BUDGET_SLACK;
    ojl_init(&r.lx, json, len);
    ProtobufCMessage *req = arena_alloc(&r, d->sizeof_message);
    if (!req) {
        rc = out_of_memory(&r);
    } else {
        d->message_init(req);
        rc = read_document(&r, req);
        if (!rc)
            rc = pack_request(&r, req, pb, pb_len);
    }
    arena_free(&r);
    ojl_free(&r.lx);
    return rc;
}
