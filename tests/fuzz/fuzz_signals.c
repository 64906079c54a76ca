/*
 * fuzz_signals.c: libFuzzer target for the metrics and logs side of the
 * SDK: validation, the OTLP/JSON reader and the writer.
 *
 * The first input byte picks the signal (bit 0: metrics or logs) and how
 * the rest is read (bit 1: protobuf or OTLP/JSON). Besides "no crash, no
 * bad memory access" it checks that the readers agree:
 *  - protobuf: whatever validation accepts, protobuf-c decodes; the
 *    writer turns it into JSON that jansson parses and the reader reads
 *    back to a request that validates again;
 *  - JSON: whatever the reader accepts is a protobuf that protobuf-c
 *    re-encodes to the same bytes, that validation accepts with the
 *    items protobuf-c counts, and whose JSON reads back to itself.
 */
#include <otelc/sdk/otlp_json.h>
#include <otelc/sdk/otlp_validate.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define require(cond)                                                                      \
    do {                                                                                   \
        if (!(cond))                                                                       \
            abort();                                                                       \
    } while (0)

typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest metrics_req;
typedef Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest logs_req;
typedef Opentelemetry__Proto__Metrics__V1__Metric metric;

static const ProtobufCMessageDescriptor *descriptor(otelc_signal sig)
{
    return sig == OTELC_METRICS
               ? &opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__descriptor
               : &opentelemetry__proto__collector__logs__v1__export_logs_service_request__descriptor;
}

/* Data points as the collector counts them: of whichever kind is set. */
static size_t points_of(const metric *m)
{
    switch (m->data_case) {
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE: return m->gauge->n_data_points;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM: return m->sum->n_data_points;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
        return m->histogram->n_data_points;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM:
        return m->exponential_histogram->n_data_points;
    case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY: return m->summary->n_data_points;
    default: return 0;
    }
}

static size_t metrics_items(const metrics_req *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_resource_metrics; i++)
        for (size_t j = 0; j < r->resource_metrics[i]->n_scope_metrics; j++)
            for (size_t k = 0; k < r->resource_metrics[i]->scope_metrics[j]->n_metrics; k++)
                n += points_of(r->resource_metrics[i]->scope_metrics[j]->metrics[k]);
    return n;
}

static size_t logs_items(const logs_req *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_resource_logs; i++)
        for (size_t j = 0; j < r->resource_logs[i]->n_scope_logs; j++)
            n += r->resource_logs[i]->scope_logs[j]->n_log_records;
    return n;
}

/* The items protobuf-c sees in pb, which it must decode. */
static size_t protobuf_c_items(otelc_signal sig, const uint8_t *pb, size_t len)
{
    ProtobufCMessage *m = protobuf_c_message_unpack(descriptor(sig), NULL, len, pb);
    require(m);
    size_t n = sig == OTELC_METRICS ? metrics_items((metrics_req *)m) : logs_items((logs_req *)m);
    protobuf_c_message_free_unpacked(m, NULL);
    return n;
}

static struct otlp_buf write_json(otelc_signal sig, const uint8_t *pb, size_t len, int *rc)
{
    struct otlp_buf json = {0};
    pb_bytes part = {pb, len};
    *rc = otlp_json_writev_signal_buf(sig, &part, 1, &json);
    return json;
}

/* Validated protobuf: protobuf-c takes it, and its JSON reads back to a
 * valid request. */
static void check_protobuf(otelc_signal sig, const uint8_t *pb, size_t len)
{
    size_t items, again_items;
    otlp_verror err;
    if (otlp_validate_signal(sig, pb, len, &items, &err) != OTLP_OK) {
        require(err.reason != NULL && err.msg[0] != '\0');
        return;
    }
    (void)protobuf_c_items(sig, pb, len);
    int rc;
    struct otlp_buf json = write_json(sig, pb, len, &rc);
    require(rc == 0 || rc == -E2BIG);
    if (rc == 0) {
        json_error_t jerr;
        json_t *root = json_loadb(json.data, json.len, JSON_ALLOW_NUL, &jerr);
        uint8_t *back;
        size_t back_len;
        require(root && json_is_object(root));
        json_decref(root);
        /* The reader refuses U+0000 in strings (protobuf-c ends them there). */
        rc = otlp_json_read_signal(sig, json.data, json.len, &back, &back_len, NULL, 0);
        require(rc == 0 || memmem(json.data, json.len, "\\u0000", 6) != NULL);
        if (rc == 0)
            require(otlp_validate_signal(sig, back, back_len, &again_items, NULL) == OTLP_OK);
        free(back);
    }
    otlp_buf_free(&json);
}

/* protobuf-c re-encodes the reader's output unchanged. */
static void check_repack(otelc_signal sig, const uint8_t *pb, size_t len)
{
    ProtobufCMessage *m = protobuf_c_message_unpack(descriptor(sig), NULL, len, pb);
    require(m);
    size_t again_len = protobuf_c_message_get_packed_size(m);
    require(again_len == len);
    uint8_t *again = malloc(again_len ? again_len : 1);
    require(again);
    protobuf_c_message_pack(m, again);
    require(len == 0 || memcmp(again, pb, len) == 0);
    free(again);
    protobuf_c_message_free_unpacked(m, NULL);
}

/* Read JSON: a valid request whose JSON reads back to the same bytes. */
static void check_json(otelc_signal sig, const char *text, size_t size)
{
    uint8_t *pb, *pb2;
    size_t len, len2, items;
    char err[128];
    int rc = otlp_json_read_signal(sig, text, size, &pb, &len, err, sizeof err);
    if (rc != 0) {
        require((rc == -EINVAL || rc == -ENOMEM) && pb == NULL && err[0] != '\0');
        return;
    }
    check_repack(sig, pb, len);
    require(otlp_validate_signal(sig, pb, len, &items, NULL) == OTLP_OK);
    require(items == protobuf_c_items(sig, pb, len));
    struct otlp_buf json = write_json(sig, pb, len, &rc);
    require(rc == 0);
    require(otlp_json_read_signal(sig, json.data, json.len, &pb2, &len2, NULL, 0) == 0);
    require(len2 == len && (len == 0 || memcmp(pb2, pb, len) == 0));
    free(pb2);
    otlp_buf_free(&json);
    free(pb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    otelc_signal sig = data[0] & 1 ? OTELC_LOGS : OTELC_METRICS;
    if (data[0] & 2)
        check_json(sig, (const char *)data + 1, size - 1);
    else
        check_protobuf(sig, data + 1, size - 1);
    return 0;
}
