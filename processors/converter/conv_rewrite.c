/*
 * conv_rewrite.c: the slow path of the converter: protobuf-c unpack into
 * the arena, the passes, one pack into a fresh buffer.
 */
#include "conv_rewrite.h"

#include <stdlib.h>

int conv_rewrite(const conv_rules *r, conv_arena *a, const uint8_t *in, size_t len,
                 uint8_t **out, size_t *out_len, conv_stats *st)
{
    int rc = CONV_ENOMEM;
    *out = NULL;
    pb_request *req =
        opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
            &a->pb, len, in);
    if (!req) {
        rc = a->failed ? CONV_ENOMEM : CONV_EDECODE;
        goto out_reset;
    }
    conv_run c = {r, a, st};
    if (conv_apply(&c, req) != 0)
        goto out_reset;
    size_t n = opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(req);
    *out = malloc(n ? n : 1);
    if (!*out)
        goto out_reset;
    *out_len = opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(req, *out);
    rc = CONV_OK;
out_reset:
    /* Nothing of the decoded request is freed on its own: the arena goes. */
    conv_arena_reset(a);
    return rc;
}
