/*
 * libFuzzer target for what the otlp_grpc exporter reads from a server's
 * answer to an Export call (libs/grpcclient/answer.c): header fields
 * of the response HEADERS and trailers as nghttp2 hands them over
 * (grpc-status, grpc-message, grpc-status-details-bin with its RetryInfo,
 * grpc-encoding, content-type), DATA cut anywhere (the gRPC message
 * framing, a compressed message), and the stream's end with any reset
 * code. Input: records of a type byte then a 2-byte big-endian length and
 * that many bytes: 0 a header ("name\0value"), 1 DATA, 2 the end (4 bytes
 * of RST_STREAM code). Checks that the verdict is one of the three
 * outcomes, that its texts are terminated, that a wait is only asked with
 * RETRY and never longer than a day, and that nothing leaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const og_verdict *v)
{
    if (v->status != OTELC_OK && v->status != OTELC_RETRY && v->status != OTELC_REJECT)
        abort();
    if (strnlen(v->reason, sizeof(v->reason)) == sizeof(v->reason))
        abort();
    if (v->retry_after_ns < 0 || v->retry_after_ns > 86401LL * 1000000000LL)
        abort();
    if (v->retry_after_ns && v->status != OTELC_RETRY)
        abort();
    if (v->status == OTELC_OK && v->code != 0)
        abort();
}

static void header(og_answer *a, const uint8_t *p, size_t n)
{
    const uint8_t *nul = memchr(p, 0, n);
    size_t nlen = nul ? (size_t)(nul - p) : n;
    const uint8_t *v = nul ? nul + 1 : p + n;
    og_answer_header(a, p, nlen, v, n - nlen - (nul ? 1 : 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    og_answer a;
    og_verdict v;
    uint32_t h2_error = 0;
    og_answer_init(&a);
    size_t i = 0;
    while (i + 3 <= size) {
        uint8_t type = data[i];
        size_t len = (size_t)data[i + 1] << 8 | data[i + 2];
        i += 3;
        len = len < size - i ? len : size - i;
        if (type == 0)
            header(&a, data + i, len);
        else if (type == 1)
            og_answer_data(&a, data + i, len);
        else if (type == 2 && len >= 4)
            h2_error = (uint32_t)data[i] << 24 | (uint32_t)data[i + 1] << 16 |
                       (uint32_t)data[i + 2] << 8 | data[i + 3];
        i += len;
    }
    og_answer_verdict(&a, h2_error, &v);
    check(&v);
    og_answer_free(&a);
    return 0;
}
