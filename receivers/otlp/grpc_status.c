/*
 * grpc_status.c: status codes, header checks and grpc-message encoding.
 */
#include "grpc_status.h"

#include <string.h>

#define SERVICE_PREFIX "/" GRPC_TRACE_SERVICE "/"

grpc_route grpc_route_of(const char *path, size_t n)
{
    size_t plen = sizeof(SERVICE_PREFIX) - 1;
    if (n == sizeof(GRPC_EXPORT_PATH) - 1 && memcmp(path, GRPC_EXPORT_PATH, n) == 0)
        return GRPC_ROUTE_EXPORT;
    if (n > plen && memcmp(path, SERVICE_PREFIX, plen) == 0 && !memchr(path + plen, '/', n - plen))
        return GRPC_ROUTE_NO_METHOD;
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
