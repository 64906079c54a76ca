/*
 * tk_batch.c: batches for tests. The batches themselves are the host's
 * (sdk/src/host_batch.c, the one implementation the daemon runs too);
 * here are the helpers that make one from a request and read it back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <otelc/sdk/clock.h>
#include <otelc/sdk/otlp_json.h>
#include <otelc/sdk/otlp_validate.h>

#include "host_batch.h"
#include "testkit_impl.h"

long otelc_test_batches_live(void)
{
    return otelc_hbatch_live();
}

otelc_batch *otelc_test_batch_signal_new(otelc_signal s, const uint8_t *pb, size_t len)
{
    size_t items = 0;
    if (otlp_validate_signal(s, pb, len, &items, NULL) != OTLP_OK || items > UINT32_MAX)
        return NULL;
    otelc_batch_meta meta = {.struct_size = sizeof(meta), .received_ns = otelc_real_ns(),
                             .signal = s};
    return otelc_hbatch_copy(pb, len, (uint32_t)items, &meta);
}

otelc_batch *otelc_test_batch_new(const uint8_t *pb, size_t len)
{
    return otelc_test_batch_signal_new(OTELC_TRACES, pb, len);
}

otelc_batch *otelc_test_batch_of(otelc_signal s, const uint8_t *pb, size_t len, uint32_t items)
{
    otelc_batch_meta meta = {.struct_size = sizeof(meta), .received_ns = otelc_real_ns(),
                             .signal = s};
    return otelc_hbatch_copy(pb, len, items, &meta);
}

otelc_batch *otelc_test_batch_signal_from_json(otelc_signal s, const char *json)
{
    uint8_t *pb = NULL;
    size_t len = 0;
    if (otlp_json_read_signal(s, json, strlen(json), &pb, &len, NULL, 0) != 0)
        return NULL;
    otelc_batch *b = otelc_test_batch_signal_new(s, pb, len);
    free(pb);
    return b;
}

otelc_batch *otelc_test_batch_from_json(const char *json)
{
    return otelc_test_batch_signal_from_json(OTELC_TRACES, json);
}

static void write_spans(FILE *f, const char *service, uint32_t spans)
{
    fprintf(f, "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
               "\"value\":{\"stringValue\":\"%s\"}}]},\"scopeSpans\":[{\"scope\":"
               "{\"name\":\"otelc.testkit\"},\"spans\":[", service);
    for (uint32_t i = 0; i < spans; i++)
        fprintf(f, "%s{\"traceId\":\"%032x\",\"spanId\":\"%016x\",\"name\":\"span-%u\","
                   "\"startTimeUnixNano\":\"1700000000000000000\","
                   "\"endTimeUnixNano\":\"1700000001000000000\"}",
                i ? "," : "", i / 10 + 1, i + 1, i);
    fputs("]}]}]}", f);
}

otelc_batch *otelc_test_batch_spans(const char *service, uint32_t spans)
{
    char *json = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&json, &len);
    if (!f)
        return NULL;
    write_spans(f, service, spans);
    if (fclose(f) != 0) {
        free(json);
        return NULL;
    }
    otelc_batch *b = otelc_test_batch_from_json(json);
    free(json);
    return b;
}

char *otelc_test_batch_json(otelc_batch *b)
{
    struct otlp_buf out = {0};
    const uint8_t *pb = b ? otelc_batch_flat(b) : NULL;
    pb_bytes whole = {pb, pb ? otelc_batch_len(b) : 0};
    if (!pb || otlp_json_writev_signal_buf(otelc_batch_signal(b), &whole, 1, &out) != 0) {
        otlp_buf_free(&out);
        return NULL;
    }
    char *json = realloc(out.data, out.len + 1); /* room for the NUL */
    if (!json) {
        otlp_buf_free(&out);
        return NULL;
    }
    json[out.len] = '\0';
    return json;
}
