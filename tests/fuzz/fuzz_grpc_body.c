/*
 * fuzz_grpc_body: a gRPC request body as the otlp receiver takes it: the
 * length-prefixed message reader fed in pieces the input chooses (as DATA
 * frames arrive), then, for a compressed message, inflation as gzip, zstd
 * and deflate under a size limit. Checks that a message handed out has
 * its declared length, never passes the limits, and that inflation never
 * returns more than the limit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grpc_frame.h"
#include "grpc_inflate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MESSAGE_LIMIT (1u << 20)
#define INFLATE_LIMIT (4u << 20)

static void inflate_all(const uint8_t *msg, size_t len)
{
    static const grpc_encoding encs[] = {GRPC_ENC_GZIP, GRPC_ENC_ZSTD, GRPC_ENC_DEFLATE};
    for (size_t i = 0; i < sizeof(encs) / sizeof(encs[0]); i++) {
        uint8_t *out = NULL;
        size_t out_len = 0;
        int rc = grpc_inflate(encs[i], msg, len, INFLATE_LIMIT, &out, &out_len);
        if (rc == GRPC_INFLATE_OK && out_len > INFLATE_LIMIT)
            abort();
        if (rc != GRPC_INFLATE_OK && out)
            abort();
        free(out);
    }
}

/* The first byte picks the piece size: every split must read the same. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t piece = (size_t)data[0] % 17 + 1;
    data++, size--;
    grpc_frame_reader r;
    grpc_frame_init(&r, MESSAGE_LIMIT);
    for (size_t off = 0; off < size; off += piece)
        grpc_frame_feed(&r, data + off, size - off < piece ? size - off : piece);
    uint8_t *msg = NULL;
    size_t len = 0;
    bool compressed = false;
    int rc = grpc_frame_finish(&r, &msg, &len, &compressed);
    if (rc == GRPC_FRAME_OK && (len > MESSAGE_LIMIT || len + GRPC_PREFIX_LEN != size))
        abort();
    if (rc == GRPC_FRAME_OK && compressed)
        inflate_all(msg, len);
    free(msg);
    grpc_frame_free(&r);
    (void)grpc_encoding_parse((const char *)data, size < 32 ? size : 32);
    return 0;
}
