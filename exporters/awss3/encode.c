/*
 * encode.c: a batch as an object: OTLP through libs/otlpenc, or the
 * trace table through libs/parquet.
 */
#include "encode.h"

#include "otlpenc/otlpenc.h"
#include "parquet/parquet.h"

static int write_parquet(const struct iovec *segs, size_t n, uint8_t **out, size_t *out_len)
{
    pq_traces_options o = {.zstd_level = AWSS3_PARQUET_ZSTD_LEVEL,
                           .created_by = "otelc version " OTELC_VERSION};
    size_t rows;
    return pq_traces_write(&o, segs, n, out, out_len, &rows);
}

int s3_encode(awss3_marshaler m, otelc_signal s, awss3_compression c, const struct iovec *segs,
              size_t n, uint64_t total, uint8_t **out, size_t *out_len)
{
    static const otlpenc_compression comp[] = {
        [AWSS3_COMPRESS_NONE] = OTLPENC_NONE,
        [AWSS3_COMPRESS_GZIP] = OTLPENC_GZIP,
        [AWSS3_COMPRESS_ZSTD] = OTLPENC_ZSTD,
    };
    if (m == AWSS3_PARQUET)
        return write_parquet(segs, n, out, out_len);
    return otlpenc_encode(m == AWSS3_OTLP_JSON ? OTLPENC_JSON : OTLPENC_PROTO, s, comp[c], segs,
                          n, total, out, out_len);
}
