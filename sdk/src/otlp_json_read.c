/*
 * otlp_json_read.c: OTLP/JSON to protobuf, by way of protobuf-c structs.
 *
 * jansson parses the document; a descent driven by protobuf-c's field
 * descriptors fills the generated structs, which protobuf-c then packs.
 * Every struct, array and decoded byte string lives in one arena freed at
 * the end, and strings point into jansson's values, so a request costs a
 * handful of allocations whatever its size. Scalars (numbers, ids, base64)
 * are converted in otlp_json_scalar.c.
 */
#include <otelc/sdk/otlp_json.h>

#include "otlp_json_scalar.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STRINGIFY(x) #x
#define EXPAND_STRINGIFY(x) STRINGIFY(x)
#define DEPTH_TEXT EXPAND_STRINGIFY(OTLP_JSON_MAX_DEPTH)

/* Arena chunks; a larger allocation gets a chunk of its own. */
#define CHUNK_SIZE 65536

struct chunk {
    struct chunk *next;
    size_t used;
    size_t cap;
    max_align_t data[];
};

/* A step on the way from the document's root to a value, for messages. */
struct path {
    const struct path *up;
    const char *key; /* an object member, or NULL for a list element */
    size_t index;
};

struct reader {
    struct chunk *chunks;
    char *err;
    size_t err_len;
    int rc; /* first error */
};

static void *arena_alloc(struct reader *r, size_t n)
{
    struct chunk *c = r->chunks;
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (!c || c->cap - c->used < n) {
        size_t cap = n > CHUNK_SIZE / 4 ? n : CHUNK_SIZE;
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
}

/* Appends the path from the root, e.g. "resourceSpans[0].resource". */
static size_t format_path(char *buf, size_t cap, const struct path *p)
{
    if (!p)
        return 0;
    size_t n = format_path(buf, cap, p->up);
    int k;
    if (p->key)
        k = snprintf(buf + n, cap - n, "%s%s", n ? "." : "", p->key);
    else
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

static int read_message(struct reader *r, const ProtobufCMessageDescriptor *d, json_t *obj,
                        ProtobufCMessage *msg, const struct path *p, unsigned depth);

static bool is_any_value(const ProtobufCMessageDescriptor *d)
{
    return d == &opentelemetry__proto__common__v1__any_value__descriptor;
}

static int read_submessage(struct reader *r, const ProtobufCFieldDescriptor *f, json_t *v,
                           void *member, const struct path *p, unsigned depth)
{
    const ProtobufCMessageDescriptor *d = f->descriptor;
    if (is_any_value(d) && ++depth > OTLP_JSON_MAX_DEPTH)
        return fail(r, p, "values nested deeper than " DEPTH_TEXT " levels");
    if (!json_is_object(v))
        return fail(r, p, "expected an object");
    ProtobufCMessage *sub = arena_alloc(r, d->sizeof_message);
    if (!sub)
        return out_of_memory(r);
    d->message_init(sub);
    *(ProtobufCMessage **)member = sub;
    return read_message(r, d, v, sub, p, depth);
}

static int read_string(struct reader *r, json_t *v, void *member, const struct path *p)
{
    if (!json_is_string(v))
        return fail(r, p, "expected a string");
    const char *s = json_string_value(v);
    /* protobuf-c strings end at NUL: refuse rather than cut them short */
    if (strlen(s) != json_string_length(v))
        return fail(r, p, "strings holding U+0000 are not supported");
    *(const char **)member = s;
    return 0;
}

/* Trace and span ids are hex in OTLP/JSON, other bytes base64. */
static size_t hex_id_size(const ProtobufCFieldDescriptor *f)
{
    if (strcmp(f->name, "trace_id") == 0)
        return 16;
    if (strcmp(f->name, "span_id") == 0 || strcmp(f->name, "parent_span_id") == 0)
        return 8;
    return 0;
}

static int read_bytes(struct reader *r, const ProtobufCFieldDescriptor *f, json_t *v,
                      void *member, const struct path *p)
{
    ProtobufCBinaryData *bd = member;
    size_t id_size = hex_id_size(f);
    if (!json_is_string(v))
        return fail(r, p, id_size ? "expected a hex string" : "expected a base64 string");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    bd->len = 0;
    bd->data = NULL;
    if (n == 0)
        return 0;
    size_t cap = id_size ? id_size : n / 4 * 3 + 3;
    uint8_t *data = arena_alloc(r, cap);
    if (!data)
        return out_of_memory(r);
    if (id_size) {
        if (n != 2 * id_size || !ojs_hex_decode(s, n, data))
            return fail(r, p, id_size == 16 ? "expected 32 hex digits" : "expected 16 hex digits");
        bd->len = id_size;
    } else if (!ojs_base64_decode(s, n, data, &bd->len)) {
        return fail(r, p, "invalid base64");
    }
    bd->data = data;
    return 0;
}

static int read_enum(struct reader *r, const ProtobufCFieldDescriptor *f, json_t *v,
                     int32_t *member, const struct path *p)
{
    int64_t i;
    if (json_is_string(v)) {
        const ProtobufCEnumValue *ev =
            protobuf_c_enum_descriptor_get_value_by_name(f->descriptor, json_string_value(v));
        if (!ev) {
            char why[160];
            snprintf(why, sizeof why, "unknown enum name \"%s\"", json_string_value(v));
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

static int read_integer(struct reader *r, const ProtobufCFieldDescriptor *f, json_t *v,
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
static int read_value(struct reader *r, const ProtobufCFieldDescriptor *f, json_t *v,
                      void *member, const struct path *p, unsigned depth)
{
    double d;
    switch (f->type) {
    case PROTOBUF_C_TYPE_MESSAGE: return read_submessage(r, f, v, member, p, depth);
    case PROTOBUF_C_TYPE_STRING: return read_string(r, v, member, p);
    case PROTOBUF_C_TYPE_BYTES: return read_bytes(r, f, v, member, p);
    case PROTOBUF_C_TYPE_ENUM: return read_enum(r, f, v, member, p);
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(v))
            return fail(r, p, "expected true or false");
        *(protobuf_c_boolean *)member = json_is_true(v);
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

static int read_list(struct reader *r, const ProtobufCFieldDescriptor *f, json_t *v,
                     ProtobufCMessage *msg, const struct path *p, unsigned depth)
{
    if (!json_is_array(v))
        return fail(r, p, "expected a list");
    size_t n = json_array_size(v), size = element_size(f->type);
    if (n == 0)
        return 0;
    char *items = arena_alloc(r, n * size);
    if (!items)
        return out_of_memory(r);
    for (size_t i = 0; i < n; i++) {
        struct path here = {p, NULL, i};
        json_t *item = json_array_get(v, i);
        if (json_is_null(item))
            return fail(r, &here, "null is not a valid list element");
        int rc = read_value(r, f, item, items + i * size, &here, depth);
        if (rc)
            return rc;
    }
    *(size_t *)((char *)msg + f->quantifier_offset) = n;
    *(void **)((char *)msg + f->offset) = items;
    return 0;
}

static int read_field(struct reader *r, const ProtobufCFieldDescriptor *f, json_t *v,
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

static int read_message(struct reader *r, const ProtobufCMessageDescriptor *d, json_t *obj,
                        ProtobufCMessage *msg, const struct path *p, unsigned depth)
{
    const char *key;
    json_t *v;
    if (!json_is_object(obj))
        return fail(r, p, "expected an object");
    json_object_foreach (obj, key, v) {
        const ProtobufCFieldDescriptor *f = find_field(d, key);
        if (!f || json_is_null(v))
            continue; /* unknown keys are ignored; null means "not set" */
        struct path here = {p, key, 0};
        int rc = read_field(r, f, v, msg, &here, depth);
        if (rc)
            return rc;
    }
    return 0;
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

int otlp_json_read(const char *json, size_t len, uint8_t **pb, size_t *pb_len, char *err,
                   size_t err_len)
{
    const ProtobufCMessageDescriptor *d =
        &opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor;
    struct reader r = {.err = err, .err_len = err_len};
    json_error_t jerr;
    ProtobufCMessage *req;
    int rc;

    *pb = NULL;
    *pb_len = 0;
    if (err_len)
        err[0] = '\0';
    json_t *root = json_loadb(json, len, JSON_ALLOW_NUL, &jerr);
    if (!root) {
        if (json_error_code(&jerr) == json_error_out_of_memory)
            return out_of_memory(&r);
        if (err_len)
            snprintf(err, err_len, "invalid JSON at line %d column %d: %s", jerr.line,
                     jerr.column, jerr.text);
        return -EINVAL;
    }
    req = arena_alloc(&r, d->sizeof_message);
    if (!req) {
        rc = out_of_memory(&r);
        goto out_free_json;
    }
    d->message_init(req);
    rc = read_message(&r, d, root, req, NULL, 0);
    if (!rc)
        rc = pack_request(&r, req, pb, pb_len);
    arena_free(&r);
out_free_json:
    json_decref(root);
    return rc;
}
