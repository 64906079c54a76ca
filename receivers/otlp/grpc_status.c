/*
 * grpc_status.c: status codes, header checks and grpc-message encoding.
 */
#include "grpc_status.h"

#include <string.h>

static const struct {
    otelc_signal signal;
    const char *service;
} services[] = {
    {OTELC_TRACES, GRPC_TRACE_SERVICE},
    {OTELC_METRICS, GRPC_METRICS_SERVICE},
    {OTELC_LOGS, GRPC_LOGS_SERVICE},
};
#define NSERVICES (sizeof(services) / sizeof(services[0]))

const char *grpc_service_of(otelc_signal signal)
{
    for (size_t i = 0; i < NSERVICES; i++)
        if (services[i].signal == signal)
            return services[i].service;
    return "";
}

/* A path is "/SERVICE/METHOD"; the method may hold no further '/'. */
static grpc_route route_in(const char *service, const char *path, size_t n)
{
    size_t slen = strlen(service);
    if (n < slen + 2 || path[0] != '/' || memcmp(path + 1, service, slen) != 0 ||
        path[slen + 1] != '/')
        return GRPC_ROUTE_NO_SERVICE;
    const char *method = path + slen + 2;
    size_t mlen = n - slen - 2;
    if (mlen == 6 && memcmp(method, "Export", 6) == 0)
        return GRPC_ROUTE_EXPORT;
    return mlen > 0 && !memchr(method, '/', mlen) ? GRPC_ROUTE_NO_METHOD : GRPC_ROUTE_NO_SERVICE;
}

grpc_route grpc_route_of(const char *path, size_t n, otelc_signal *signal)
{
    for (size_t i = 0; i < NSERVICES; i++) {
        grpc_route r = route_in(services[i].service, path, n);
        if (r != GRPC_ROUTE_NO_SERVICE) {
            *signal = services[i].signal;
            return r;
        }
    }
    return GRPC_ROUTE_NO_SERVICE;
}

bool grpc_content_type_ok(const char *v, size_t n)
{
    static const char base[] = "application/grpc";
    size_t blen = sizeof(base) - 1;
    if (n < blen || strncmp(v, base, blen) != 0)
        return false;
    return n == blen || v[blen] == '+' || v[blen] == ';';
}

grpc_code grpc_code_for_outcome(otelc_status st)
{
    switch (st) {
    case OTELC_OK: return GRPC_OK;
    case OTELC_RETRY: return GRPC_UNAVAILABLE;
    case OTELC_REJECT: return GRPC_INVALID_ARGUMENT;
    default: return GRPC_INTERNAL;
    }
}

size_t grpc_message_encode(const char *msg, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    if (cap == 0)
        return 0;
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
        bool plain = *p >= 0x20 && *p <= 0x7e && *p != '%';
        size_t need = plain ? 1 : 3;
        if (o + need >= cap)
            break;
        if (plain) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
    return o;
}

const char *grpc_code_name(int code)
{
    switch (code) {
    case GRPC_OK: return "OK";
    case GRPC_CANCELLED: return "CANCELLED";
    case GRPC_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case GRPC_DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case GRPC_RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case GRPC_UNIMPLEMENTED: return "UNIMPLEMENTED";
    case GRPC_INTERNAL: return "INTERNAL";
    case GRPC_UNAVAILABLE: return "UNAVAILABLE";
    case GRPC_UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
    }
}
