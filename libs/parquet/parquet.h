/*
 * parquet.h: the trace table as Parquet files, and the footer reader that
 * finds its way back into them.
 *
 * Written from the Apache Parquet format specification; no Parquet
 * library is involved. Two halves:
 *
 *  - pq_traces_write turns serialized OTLP ExportTraceServiceRequests
 *    into one Parquet file of the trace table (docs/storage.md): one row
 *    per span, zstd pages, dictionaries for low-cardinality strings,
 *    row-group statistics and a split-block bloom filter on TraceId.
 *  - pq_footer_parse reads a file's FileMetaData (schema, row groups,
 *    column chunks with their offsets, statistics and bloom filter
 *    places) and pq_bloom_check asks a chunk's bloom filter about a value,
 *    so a reader fetches only the byte ranges it needs.
 *  - pq_row_group_range, pq_traces_summaries and pq_traces_otlp read a
 *    row group of the trace table back: the few columns listing and
 *    searching filter on, or whole rows as an OTLP request.
 *
 * Ownership: inputs are borrowed for the call only, except where a
 * function says its result points into them. Results the caller owns are
 * freed with the function named beside them. Threading: every function is
 * pure (no I/O, no global state) and may run on any thread.
 */
#ifndef OTELC_PARQUET_PARQUET_H
#define OTELC_PARQUET_PARQUET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* A view of bytes inside a buffer someone else owns; not NUL-terminated. */
typedef struct pq_view {
    const uint8_t *ptr;
    size_t len;
} pq_view;

/* ---- writing the trace table ---------------------------------------- */

typedef struct pq_traces_options {
    int zstd_level;         /* page compression level; 0: zstd's default */
    double bloom_fpp;       /* TraceId bloom filter false-positive rate; 0: 0.001 */
    const char *created_by; /* FileMetaData.created_by; NULL: "otelc" */
} pq_traces_options;

/*
 * Writes the spans of the requests in segs[0..n) (each a whole serialized
 * ExportTraceServiceRequest, only read) as one Parquet file with one row
 * group. On success returns 0, sets *out to a malloc'd file of *out_len
 * bytes that the caller frees, and *rows to the spans written (0 spans
 * still make a valid file without row groups). On failure returns
 * -EBADMSG (a request is not valid OTLP), -ENOMEM or -EIO (compressor)
 * and sets *out to NULL.
 */
int pq_traces_write(const pq_traces_options *o, const struct iovec *segs, size_t n,
                    uint8_t **out, size_t *out_len, size_t *rows);

/* ---- reading a footer ----------------------------------------------- */

/* The tail every Parquet file ends with: footer length, then "PAR1". */
#define PQ_TAIL_SIZE 8

/* Physical types and codecs as the format numbers them. */
enum pq_type_id { PQ_T_BOOLEAN, PQ_T_INT32, PQ_T_INT64, PQ_T_INT96, PQ_T_FLOAT,
                  PQ_T_DOUBLE, PQ_T_BYTE_ARRAY, PQ_T_FIXED_LEN_BYTE_ARRAY };
enum pq_codec_id { PQ_C_UNCOMPRESSED = 0, PQ_C_SNAPPY = 1, PQ_C_GZIP = 2, PQ_C_ZSTD = 6 };
enum pq_encoding { PQ_ENC_PLAIN = 0, PQ_ENC_PLAIN_DICTIONARY = 2, PQ_ENC_RLE = 3,
                   PQ_ENC_RLE_DICTIONARY = 8 };

typedef struct pq_schema_element {
    pq_view name;
    int32_t type;            /* enum pq_type_id; -1 for a group */
    int32_t repetition;      /* 0 required, 1 optional, 2 repeated; -1 (root) */
    int32_t num_children;    /* 0 for a leaf */
    int32_t converted_type;  /* -1 when absent */
    int32_t logical_type;    /* LogicalType union field id; 0 when absent */
} pq_schema_element;

typedef struct pq_statistics {
    bool has_min, has_max, has_null_count;
    pq_view min, max;        /* PLAIN bytes (no length for byte arrays) */
    int64_t null_count;
} pq_statistics;

typedef struct pq_column_chunk {
    pq_view path[8];         /* path_in_schema; the first npath are set */
    uint32_t npath;
    int32_t type;            /* enum pq_type_id */
    int32_t codec;           /* enum pq_codec_id */
    uint32_t encodings;      /* bit (1 << enum pq_encoding) per encoding listed */
    int64_t num_values;
    int64_t total_uncompressed_size, total_compressed_size;
    int64_t data_page_offset;
    int64_t dictionary_page_offset;  /* -1 when absent */
    int64_t bloom_filter_offset;     /* -1 when absent */
    int64_t bloom_filter_length;     /* -1 when absent */
    pq_statistics stats;
} pq_column_chunk;

typedef struct pq_row_group {
    pq_column_chunk *columns;
    size_t ncolumns;
    int64_t num_rows;
    int64_t total_byte_size;
} pq_row_group;

typedef struct pq_key_value {
    pq_view key, value;      /* value "" when the file left it out */
} pq_key_value;

typedef struct pq_file_meta {
    int32_t version;
    int64_t num_rows;
    pq_schema_element *schema;
    size_t nschema;
    pq_row_group *row_groups;
    size_t nrow_groups;
    pq_view created_by;
    pq_key_value *kv;        /* key_value_metadata, nkv entries */
    size_t nkv;
} pq_file_meta;

/*
 * The footer's length from the file's last PQ_TAIL_SIZE bytes. Returns 0
 * and sets *len, or -EBADMSG when the tail is not a Parquet tail.
 */
int pq_footer_length(const uint8_t tail[PQ_TAIL_SIZE], uint32_t *len);

/*
 * Parses the len bytes of a FileMetaData (the footer without its tail).
 * On success returns 0 and *out (free with pq_file_meta_free), whose views
 * point into footer: it must outlive *out. Returns -EBADMSG for a footer
 * that is malformed or inconsistent (column counts, paths, negative
 * offsets), -ENOMEM; *out is then NULL. Unknown fields are skipped.
 */
int pq_footer_parse(const uint8_t *footer, size_t len, pq_file_meta **out);

/* pq_footer_parse over a whole file in memory (its footer and tail). */
int pq_file_footer(const uint8_t *file, size_t len, pq_file_meta **out);

void pq_file_meta_free(pq_file_meta *m);

/* The value of the file's key-value metadata entry key (the first one),
 * or NULL when there is none. Points into the footer. */
const pq_view *pq_file_meta_value(const pq_file_meta *m, const char *key);

/* The chunk of row group rg whose dotted path is path ("TraceId"), or NULL. */
const pq_column_chunk *pq_find_column(const pq_file_meta *m, size_t rg, const char *path);

/*
 * Asks a bloom filter (the bloom_filter_length bytes at
 * bloom_filter_offset: its header and bitset) whether value may be in the
 * chunk. Returns 1 (maybe), 0 (certainly not) or -EBADMSG for bytes that
 * are not a split-block, xxHash, uncompressed bloom filter. value is what
 * the column holds (for TraceId, the 32 lowercase hex digits).
 */
int pq_bloom_check(const uint8_t *bloom, size_t len, const void *value, size_t value_len);

/* ---- reading rows of the trace table -------------------------------- */

/*
 * The byte range [*offset, *offset + *len) of the file holding every
 * column chunk of row group rg (dictionary pages included, bloom filters
 * not): one ranged GET covers what pq_traces_summaries and pq_traces_otlp
 * need. Returns 0, -EINVAL when rg is not a row group of m, -EBADMSG when
 * the chunks' offsets do not add up.
 */
int pq_row_group_range(const pq_file_meta *m, size_t rg, int64_t *offset, int64_t *len);

/* The summary of one row (span): what listing and searching filter on. */
typedef struct pq_span_summary {
    int64_t start_ns, duration_ns;
    uint8_t trace_id[16], span_id[8], parent_span_id[8]; /* parent all-zero for a root */
    uint8_t kind;          /* OTLP SpanKind number (0..5) */
    uint8_t status;        /* OTLP status code number (0 unset, 1 ok, 2 error) */
    pq_view service, name; /* point into the pq_summaries that holds them */
} pq_span_summary;

/* rows[i] is row i of the row group; n its row count. */
typedef struct pq_summaries {
    pq_span_summary *rows;
    size_t n;
} pq_summaries;

/*
 * Decodes only the summary columns (Timestamp, TraceId, SpanId,
 * ParentSpanId, SpanKind, ServiceName, SpanName, Duration, StatusCode) of
 * row group rg. bytes holds the file's bytes [offset, offset + len) (only
 * read, for the call only), which must cover the row group
 * (pq_row_group_range; these nine columns' chunks are enough). On success
 * returns 0 and *out, freed with pq_summaries_free (NULL is fine); its
 * views point into memory *out owns, not into m or bytes. On failure
 * *out is NULL and the return is -EINVAL (rg out of range), -EBADMSG (the
 * bytes do not cover the row group, or something in them is malformed or
 * inconsistent), -ENOTSUP (valid Parquet this reader does not handle: a
 * codec other than zstd or none, an encoding or page type otelc's writer
 * does not produce, a column missing or of another type) or -ENOMEM (also
 * when decoding would take more memory than a fixed budget plus 64 times
 * len, whatever the file's headers claim). Unknown SpanKind and
 * StatusCode names read as 0; ids of another length than OTLP's (which
 * receivers refuse) are cut or padded with zeros.
 */
int pq_traces_summaries(const pq_file_meta *m, size_t rg, const uint8_t *bytes, int64_t offset,
                        size_t len, pq_summaries **out);
void pq_summaries_free(pq_summaries *s);

/*
 * The rows rows[0..nrows) of row group rg (strictly ascending row numbers;
 * rows NULL: every row, nrows ignored) as one serialized OTLP
 * ExportTraceServiceRequest. Consecutive rows with the same resource
 * (attributes and ServiceName) share one ResourceSpans, and with the same
 * scope too one ScopeSpans. Attribute values get their types back from
 * the companion type maps (docs/storage.md, "Reading back", says what the
 * table does not keep). bytes, offset and len as for pq_traces_summaries.
 * On success returns 0 and *out (malloc'd, the caller's; never NULL) of
 * *out_len bytes. Errors as pq_traces_summaries, and -EINVAL for rows not
 * ascending or past the row group; *out is then NULL.
 */
int pq_traces_otlp(const pq_file_meta *m, size_t rg, const uint8_t *bytes, int64_t offset,
                   size_t len, const uint32_t *rows, size_t nrows, uint8_t **out,
                   size_t *out_len);

/* ---- merging files of the trace table (compaction) ------------------- */

/*
 * Many files' rows into one file sorted by TraceId, then SpanId, then
 * the order the rows were given in; a span given twice (same TraceId and
 * SpanId) is kept once, the first time. Every column is copied as
 * stored, so the output holds what the inputs held; the row groups are
 * group_rows long (the last shorter), each with its TraceId bloom filter
 * and statistics. The same rows in the same order with the same options
 * give the same bytes: nothing in the file depends on time or memory.
 *
 * Two passes over the inputs' row groups, in the same order both times:
 * pq_merge_index reads only their ids, pq_merge_rows every column; the
 * rows wait sorted into buckets of consecutive output positions, zstd-
 * compressed, so memory holds about 32 bytes per span for the ids, the
 * compressed rows, one bucket (32768 rows) uncompressed and the output's
 * open row group, plus the output file itself.
 *
 * Only files with otelc's schema are merged (the levels of every column
 * as pq_traces_write makes them): others give -ENOTSUP.
 */
typedef struct pq_merge pq_merge;

typedef struct pq_merge_options {
    pq_traces_options write;  /* compression, bloom filter, created_by */
    size_t group_rows;        /* rows per row group; 0: 131072 */
    const char *const *kv;    /* key, value, ..., NULL: more file metadata
                               * (borrowed until pq_merge_finish) */
} pq_merge_options;

/* A merge; 0 and *out, or -ENOMEM. o is copied. */
int pq_merge_new(const pq_merge_options *o, pq_merge **out);

/*
 * Pass one: the ids of row group rg (bytes, offset, len as for
 * pq_traces_summaries). Returns 0 or the errors of pq_traces_summaries;
 * any failure spoils the merge (later calls return it again).
 */
int pq_merge_index(pq_merge *mg, const pq_file_meta *m, size_t rg, const uint8_t *bytes,
                   int64_t offset, size_t len);

/*
 * Pass two: every row of the same row groups, in the same order (the
 * first call sorts what pass one gathered). Returns 0, -EINVAL when the
 * row groups differ from pass one's, -ENOTSUP for a schema other than
 * otelc's, or the errors of pq_traces_summaries.
 */
int pq_merge_rows(pq_merge *mg, const pq_file_meta *m, size_t rg, const uint8_t *bytes,
                  int64_t offset, size_t len);

/*
 * Writes the file: 0, *out (malloc'd, the caller's) of *out_len bytes and
 * *rows the rows written; or -EINVAL (pass two incomplete), -ENOMEM,
 * -EIO, or the error that spoiled the merge.
 */
int pq_merge_finish(pq_merge *mg, uint8_t **out, size_t *out_len, size_t *rows);

void pq_merge_free(pq_merge *mg);

#endif /* OTELC_PARQUET_PARQUET_H */
