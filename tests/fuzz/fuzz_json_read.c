/*
 * fuzz_json_read.c: libFuzzer target for the OTLP/JSON reader (and, on the
 * same bytes taken as protobuf, the writer).
 *
 * Besides "no crash, no bad memory access", it checks the round trip:
 * whatever the reader accepts is a protobuf that protobuf-c decodes and
 * re-encodes to the same bytes; the writer turns it into JSON without
 * error; that JSON reads back to the very same protobuf and writes back to
 * the very same JSON. Whatever the writer accepts as protobuf is valid JSON.
 */
#include <otelc/sdk/otlp_json.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

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

static const ProtobufCMessageDescriptor *request_descriptor(void)
{
    return &opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor;
}

/* protobuf-c reads the reader's output and re-encodes it unchanged. */
static void check_protobuf_c_agrees(const uint8_t *pb, size_t len)
{
    ProtobufCMessage *m = protobuf_c_message_unpack(request_descriptor(), NULL, len, pb);
    require(m);
    size_t again_len = protobuf_c_message_get_packed_size(m);
    require(again_len == len);
    uint8_t *again = malloc(again_len ? again_len : 1);
    require(again);
    protobuf_c_message_pack(m, again);
    require(memcmp(again, pb, len) == 0);
    free(again);
    protobuf_c_message_free_unpacked(m, NULL);
}

/* JSON -> protobuf -> JSON -> protobuf -> JSON is stable after one step. */
static void check_round_trip(const uint8_t *pb, size_t len)
{
    struct otlp_buf json = {0}, json2 = {0};
    uint8_t *pb2;
    size_t len2;
    require(otlp_json_write_buf(pb, len, &json) == 0);
    require(otlp_json_read(json.data, json.len, &pb2, &len2, NULL, 0) == 0);
    require(len2 == len && memcmp(pb2, pb, len) == 0);
    require(otlp_json_write_buf(pb2, len2, &json2) == 0);
    require(json2.len == json.len && memcmp(json2.data, json.data, json.len) == 0);
    free(pb2);
    otlp_buf_free(&json2);
    otlp_buf_free(&json);
}

/* The same bytes as protobuf: if the writer takes them, it writes JSON. */
static void check_writer_output_parses(const uint8_t *data, size_t size)
{
    struct otlp_buf json = {0};
    if (otlp_json_write_buf(data, size, &json) == 0) {
        json_error_t jerr;
        json_t *root = json_loadb(json.data, json.len, JSON_ALLOW_NUL, &jerr);
        require(root && json_is_object(root));
        json_decref(root);
    }
    otlp_buf_free(&json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *pb;
    size_t len;
    char err[128];
    int rc = otlp_json_read((const char *)data, size, &pb, &len, err, sizeof err);
    if (rc == 0) {
        check_protobuf_c_agrees(pb, len);
        check_round_trip(pb, len);
        free(pb);
    } else {
        require(rc == -EINVAL || rc == -ENOMEM);
        require(pb == NULL && err[0] != '\0');
    }
    check_writer_output_parses(data, size);
    return 0;
}
