/*
 * gen_int.h: the generator's insides, shared by generator.c (ids,
 * timing, request assembly), gen_shop.c (the shop's services and trace
 * shapes) and gen_attrs.c (attributes by semantic convention).
 */
#ifndef OTELC_CLIENT_GEN_INT_H
#define OTELC_CLIENT_GEN_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "generator.h"

typedef Opentelemetry__Proto__Trace__V1__Span pb_span;
typedef Opentelemetry__Proto__Trace__V1__Span__Event pb_event;
typedef Opentelemetry__Proto__Trace__V1__Span__Link pb_link;
typedef Opentelemetry__Proto__Trace__V1__Status pb_status;
typedef Opentelemetry__Proto__Common__V1__KeyValue pb_kv;
typedef Opentelemetry__Proto__Common__V1__AnyValue pb_any;
typedef Opentelemetry__Proto__Common__V1__ArrayValue pb_array;

#define GEN_MAX_ATTRS 16
#define GEN_EVENT_ATTRS 3
#define GEN_ARRAY_VALUES 3

/* A fixed set of key/value pairs, filled front to back. */
typedef struct gen_attrs {
    pb_kv *kv;
    pb_any *val;
    pb_kv **ptr;
    size_t *count;      /* the owning message's n_attributes */
    size_t cap;
} gen_attrs;

/* Everything one span needs, allocated once per request slot. */
typedef struct span_slot {
    pb_span span;
    pb_status status;
    pb_kv kv[GEN_MAX_ATTRS];
    pb_any val[GEN_MAX_ATTRS];
    pb_kv *kvp[GEN_MAX_ATTRS];
    pb_array array;
    pb_any array_val[GEN_ARRAY_VALUES];
    pb_any *array_valp[GEN_ARRAY_VALUES];
    pb_event event;
    pb_event *eventp;
    pb_kv event_kv[GEN_EVENT_ATTRS];
    pb_any event_val[GEN_EVENT_ATTRS];
    pb_kv *event_kvp[GEN_EVENT_ATTRS];
    pb_link link;
    pb_link *linkp;
    uint8_t trace_id[16];
    uint8_t span_id[8];
    uint8_t parent_id[8];
    uint8_t link_trace_id[16];
    uint8_t link_span_id[8];
} span_slot;

enum gen_role {
    ROLE_HTTP_SERVER, ROLE_HTTP_CLIENT, ROLE_RPC_SERVER, ROLE_RPC_CLIENT,
    ROLE_DB_CLIENT, ROLE_INTERNAL,
};

/* Application attributes some spans add on top of their convention. */
enum gen_extra { EXTRA_NONE, EXTRA_USER, EXTRA_CART, EXTRA_PAYMENT, EXTRA_CACHE };

typedef struct gen_service {
    const char *name, *version, *language, *sdk_version;
    const char *scope, *scope_version;
    const char *address;        /* pod IP, as peers see it */
    const char *user_agent;     /* its HTTP client's User-Agent */
    const char *stacktrace;     /* what its exceptions look like */
    uint16_t port;
    bool legacy;                /* emits pre-1.21 semantic conventions */
} gen_service;

typedef struct gen_db {
    const char *system, *name_space, *operation, *collection, *query;
    const char *host, *address;
    uint16_t port;
} gen_db;

/* One span of a trace shape; nodes are listed parents first. */
typedef struct gen_node {
    int16_t parent;             /* index in the shape, -1 for the root */
    uint8_t service;            /* index in gen_services */
    uint8_t role;               /* enum gen_role */
    uint8_t extra;              /* enum gen_extra */
    uint8_t peer;               /* client roles: the service called */
    const char *name;           /* span name */
    const char *method;         /* HTTP method, RPC method or nothing */
    const char *target;         /* route, url.full or rpc.service */
    const char *const *paths;   /* concrete url.path per product, or NULL */
    const gen_db *db;           /* ROLE_DB_CLIENT only */
    const char *failure;        /* may fail with this message; NULL: never */
    const char *exception;      /* exception.type when it fails */
} gen_node;

typedef struct gen_shape {
    const gen_node *nodes;
    uint8_t n;
    uint8_t weight;             /* relative frequency */
} gen_shape;

/* What all spans of one trace share. */
typedef struct gen_trace_ctx {
    uint32_t failing;           /* bit i: node i ends in ERROR */
    uint32_t product;           /* index into the product lists */
    uint32_t user;
    const char *cause;          /* failure message of the failing node */
    uint64_t rnd;               /* per-span random bits, refreshed per span */
} gen_trace_ctx;

#define GEN_PRODUCTS 10

extern const gen_service gen_services[TRACE_GEN_SERVICES];
extern const gen_shape gen_shapes[];
extern const size_t gen_shape_count;
extern const char *const gen_product_ids[GEN_PRODUCTS];
extern const char *const gen_client_addresses[8];
extern const char *const gen_user_ids[8];
extern const char *const gen_browser_agents[4];

/*
 * Sets kind, name, status and attributes of s (times already set), and
 * the exception event when node fails; parent is NULL for the root.
 */
void gen_fill_span(span_slot *s, const gen_node *node, const gen_node *parent,
                   const gen_trace_ctx *t, bool failed);

/* Resource attributes of one service. */
void gen_fill_resource(gen_attrs *a, const gen_service *svc, const char *instance_id,
                       const char *host_name, int64_t pid);

/* Appenders; past the capacity they drop the pair (the fullest span has 13 of 16). */
void gen_str(gen_attrs *a, const char *key, const char *value);
void gen_int(gen_attrs *a, const char *key, int64_t value);
void gen_dbl(gen_attrs *a, const char *key, double value);
void gen_bool(gen_attrs *a, const char *key, bool value);

#endif /* OTELC_CLIENT_GEN_INT_H */
