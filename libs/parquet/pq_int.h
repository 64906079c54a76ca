/*
 * pq_int.h: the inside of libs/parquet, shared by its modules and its
 * tests; plugins include only parquet.h.
 *
 * The pieces, bottom up: a growing byte buffer with a sticky error
 * (buf.c), the Thrift compact protocol the footer and page headers are
 * written in (thrift_w.c, thrift_r.c), the RLE/bit-packed hybrid of
 * levels and dictionary indices (rle.c), split-block bloom filters
 * (bloom.c), a schema given as a flattened tree (schema.c), leaf columns
 * that buffer one row group (column.c), their chunks of pages
 * (chunk.c), and the file around them (writer.c). Everything here is
 * pure: no I/O, no global state; one writer per thread at a time.
 */
#ifndef OTELC_PARQUET_PQ_INT_H
#define OTELC_PARQUET_PQ_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parquet/parquet.h"

/* ---- growing buffer ------------------------------------------------- */

/* Bytes that grow as needed. A failed allocation sets err (-ENOMEM) and
 * every later append is dropped, so writers check once at the end. */
typedef struct pq_buf {
    uint8_t *p;
    size_t len, cap;
    int err;
} pq_buf;

int pq_buf_reserve(pq_buf *b, size_t more);
void pq_buf_put(pq_buf *b, const void *p, size_t n);
void pq_buf_byte(pq_buf *b, uint8_t v);
void pq_buf_u32le(pq_buf *b, uint32_t v);
void pq_buf_u64le(pq_buf *b, uint64_t v);
void pq_buf_varint(pq_buf *b, uint64_t v);
void pq_buf_free(pq_buf *b);

static inline uint32_t pq_load_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- Thrift compact protocol --------------------------------------- */

enum tc_type {
    TC_STOP = 0,
    TC_TRUE = 1, /* a bool field's value travels in its type */
    TC_FALSE = 2,
    TC_BYTE = 3,
    TC_I16 = 4,
    TC_I32 = 5,
    TC_I64 = 6,
    TC_DOUBLE = 7,
    TC_BINARY = 8,
    TC_LIST = 9,
    TC_SET = 10,
    TC_MAP = 11,
    TC_STRUCT = 12,
};

/* Deepest struct nesting written or read; Parquet's footer needs 6. */
#define TC_MAX_DEPTH 32

/* Writes one top-level struct into out. Field ids are deltas from the
 * previous field of the same struct, hence a stack of last ids. */
typedef struct tc_writer {
    pq_buf *out;
    int16_t last[TC_MAX_DEPTH];
    int depth;
} tc_writer;

void tc_init(tc_writer *w, pq_buf *out);
void tc_field(tc_writer *w, int16_t id, uint8_t type);
void tc_i32(tc_writer *w, int32_t v);
void tc_i64(tc_writer *w, int64_t v);
void tc_binary(tc_writer *w, const void *p, size_t n);
void tc_list(tc_writer *w, uint8_t elem_type, uint32_t n);
void tc_field_i32(tc_writer *w, int16_t id, int32_t v);
void tc_field_i64(tc_writer *w, int16_t id, int64_t v);
void tc_field_bool(tc_writer *w, int16_t id, bool v);
void tc_field_binary(tc_writer *w, int16_t id, const void *p, size_t n);
void tc_field_str(tc_writer *w, int16_t id, const char *s);
void tc_field_list(tc_writer *w, int16_t id, uint8_t elem_type, uint32_t n);
/* A struct-valued field, and a struct as a list element; both end with
 * tc_struct_end. */
void tc_field_struct(tc_writer *w, int16_t id);
void tc_struct_begin(tc_writer *w);
void tc_struct_end(tc_writer *w);
/* A field holding an empty struct (the unions of logical types). */
void tc_field_empty(tc_writer *w, int16_t id);

/* Reads Thrift from [p, end). Every failure (truncation, bad varint,
 * nesting too deep, a size larger than the bytes left) sets err to
 * -EBADMSG; reads after that return zeros, so parsers check once. */
typedef struct tc_reader {
    const uint8_t *p, *end;
    int err;
    int depth;
} tc_reader;

void tc_reader_init(tc_reader *r, const uint8_t *p, size_t n);
/* Next field of a struct whose previous id is *last: returns its type, or
 * TC_STOP at the struct's end or on error. */
uint8_t tc_next_field(tc_reader *r, int16_t *last, int16_t *id);
int64_t tc_read_int(tc_reader *r, uint8_t type);      /* I16, I32, I64 or BYTE */
bool tc_read_bool(tc_reader *r, uint8_t type);        /* a bool field's type */
pq_view tc_read_binary(tc_reader *r, uint8_t type);
uint32_t tc_read_list(tc_reader *r, uint8_t type, uint8_t *elem_type);
/* Enters a struct (a field of type STRUCT or a list element); false when
 * too deep or the type is not a struct. tc_leave after its TC_STOP. */
bool tc_enter(tc_reader *r, uint8_t type);
void tc_leave(tc_reader *r);
void tc_skip(tc_reader *r, uint8_t type);

/* ---- RLE / bit-packed hybrid ---------------------------------------- */

/* Appends n values, each below 2^width (width 1..32), as the hybrid
 * encoding: runs of 8 or more equal values as RLE runs, the rest
 * bit-packed in groups of 8 (the last group padded with zeros). Values
 * come from u8 when it is non-NULL, else from u32. */
void pq_rle_encode(pq_buf *out, const uint8_t *u8, const uint32_t *u32, size_t n, int width);

/* Bits needed for values up to max (at least 1). */
int pq_bit_width(uint32_t max);

/* Decodes count values of the hybrid encoding in p[0..n) (width 0..32)
 * into u8 (when non-NULL) or u32. Returns 0, or -EBADMSG when the bytes
 * end first or a value is above max. */
int pq_rle_decode(const uint8_t *p, size_t n, int width, size_t count, uint32_t max,
                  uint8_t *u8, uint32_t *u32);

/* ---- split-block bloom filter --------------------------------------- */

#define PQ_BLOOM_MIN_BYTES 32u
#define PQ_BLOOM_MAX_BYTES (128u << 20)

/* Bitset bytes for ndv distinct values at false-positive rate fpp: the
 * spec's formula rounded up to a power of two in [32 B, 128 MiB]. */
uint32_t pq_bloom_bytes(uint64_t ndv, double fpp);
void pq_bloom_insert(uint8_t *bits, uint32_t nbytes, uint64_t hash);
bool pq_bloom_has(const uint8_t *bits, uint32_t nbytes, uint64_t hash);

/* ---- schema --------------------------------------------------------- */

enum pq_physical { PQ_GROUP = -1, PQ_INT64 = 2, PQ_BYTE_ARRAY = 6 };
enum pq_repetition { PQ_REQUIRED = 0, PQ_OPTIONAL = 1, PQ_REPEATED = 2 };
enum pq_logical { PQ_LOG_NONE = 0, PQ_LOG_STRING, PQ_LOG_MAP, PQ_LOG_LIST, PQ_LOG_TIMESTAMP_NS };

/* What a leaf's chunk carries besides its values. */
enum pq_leaf_flags {
    PQ_DICT = 1,       /* always dictionary-encoded */
    PQ_DICT_AUTO = 2,  /* dictionary when values repeat (<= half distinct) */
    PQ_STATS = 4,      /* min/max in the chunk statistics */
    PQ_BLOOM = 8,      /* a bloom filter per row group */
};

/* One node of the schema tree in depth-first order; nodes[0] is the root. */
typedef struct pq_node {
    const char *name;
    int8_t physical;   /* enum pq_physical */
    uint8_t repetition;
    uint8_t logical;
    uint8_t children;  /* groups only */
    uint8_t flags;     /* leaves only */
} pq_node;

#define PQ_MAX_PATH 8

/* A leaf with what its levels can reach and its dotted path. */
typedef struct pq_leaf {
    const pq_node *node;
    uint8_t max_def, max_rep;
    uint8_t depth;
    const char *path[PQ_MAX_PATH];
} pq_leaf;

typedef struct pq_schema {
    const pq_node *nodes;
    size_t nnodes;
    pq_leaf *leaves;
    size_t nleaves;
} pq_schema;

/* Derives the leaves of nodes[0..n). Returns 0, -EINVAL for a tree that
 * does not add up (or is deeper than PQ_MAX_PATH), -ENOMEM. The nodes are
 * borrowed for the schema's life. */
int pq_schema_init(pq_schema *s, const pq_node *nodes, size_t n);
void pq_schema_free(pq_schema *s);
/* Writes the schema as FileMetaData field 2 (list<SchemaElement>). */
void pq_schema_write(tc_writer *w, const pq_schema *s);

/* ---- leaf columns of one row group --------------------------------- */

/* A dictionary: distinct values in PLAIN form (4-byte length, bytes),
 * found again through an open-addressing table of entry numbers. */
typedef struct pq_dict {
    pq_buf plain;
    uint32_t *off;     /* entry -> offset of its length in plain */
    uint32_t n, cap;
    uint32_t *slots;   /* entry + 1, 0 when free */
    uint32_t nslots;
} pq_dict;

typedef struct pq_column {
    const pq_leaf *leaf;
    pq_buf rep, def;   /* one byte per level, kept only when the max is > 0 */
    size_t nlevels;
    size_t nvalues;    /* non-null values */
    pq_buf plain;      /* values of columns without a dictionary */
    pq_dict dict;
    pq_buf idx;        /* native uint32 dictionary indices */
    pq_buf hashes;     /* native uint64 xxh64 of each value, for the bloom filter */
    int err;
} pq_column;

void pq_column_init(pq_column *c, const pq_leaf *leaf);
void pq_column_reset(pq_column *c); /* empty again, memory kept */
void pq_column_free(pq_column *c);
/* One level entry without a value (def below the leaf's max). */
void pq_column_null(pq_column *c, uint8_t rep, uint8_t def);
/* One value at the leaf's max definition level. */
void pq_column_i64(pq_column *c, uint8_t rep, int64_t v);
void pq_column_bytes(pq_column *c, uint8_t rep, const void *p, size_t n);

/* ---- column chunks and the file ------------------------------------ */

/* What the footer says about one written chunk. */
typedef struct pq_chunk_meta {
    uint32_t encodings;          /* bit (1 << enum pq_encoding) per encoding used */
    int64_t num_values;
    int64_t uncompressed, compressed; /* page bytes with headers */
    int64_t data_page_offset;
    int64_t dict_page_offset;    /* -1: none */
    int64_t bloom_offset;        /* -1: none */
    int32_t bloom_length;
    int64_t null_count;
    bool has_minmax;
    uint32_t min_off, min_len, max_off, max_len; /* in the writer's stats arena */
} pq_chunk_meta;

typedef struct pq_row_group_meta {
    pq_chunk_meta *chunks;
    int64_t num_rows;
    int64_t offset;
} pq_row_group_meta;

typedef struct pq_writer {
    pq_schema schema;
    pq_column *cols;
    pq_buf file;
    pq_buf stats;                /* min/max bytes the footer quotes */
    pq_row_group_meta *groups;
    size_t ngroups, cap_groups;
    int64_t rows;                /* rows of the open row group */
    int64_t total_rows;
    void *zstd;                  /* ZSTD_CCtx */
    pq_buf page;                 /* scratch: one page before compression */
    pq_buf zout;                 /* scratch: the page compressed */
    int zstd_level;
    double bloom_fpp;
    const char *created_by;
    const char *const *kv;       /* key, value, ..., NULL: file metadata */
} pq_writer;

int pq_writer_init(pq_writer *w, const pq_node *nodes, size_t n, int zstd_level,
                   double bloom_fpp);
/* Ends the current row: every column must have received it. */
static inline void pq_writer_end_row(pq_writer *w)
{
    w->rows++;
}
/* Writes the open row group's chunks and bloom filters (nothing if it has
 * no rows). Returns 0 or a negative errno. */
int pq_writer_flush_group(pq_writer *w);
/* Flushes, appends the footer and hands the file over: *out is malloc'd,
 * the caller's. The writer is spent (free it). */
int pq_writer_finish(pq_writer *w, uint8_t **out, size_t *len);
void pq_writer_free(pq_writer *w);

/* A writer of the trace table's schema with its file metadata (traces.c). */
int pq_traces_writer_init(pq_writer *w, const pq_traces_options *o);

/* Writes column c's chunk at the end of w->file, fills m. */
int pq_chunk_write(pq_writer *w, pq_column *c, pq_chunk_meta *m);
/* Writes ColumnChunk for leaf l with meta m as the next list element. */
void pq_chunk_meta_write(tc_writer *t, const pq_writer *w, const pq_leaf *l,
                         const pq_chunk_meta *m);

/* ---- reading: memory ---------------------------------------------- */

/*
 * What one read may allocate in all: a base plus a multiple of the bytes
 * it was given, whatever the file's headers claim (counts of values,
 * page sizes), so a hostile file costs at most this before -ENOMEM.
 * Decompressed pages are capped on their own too.
 */
#define PQ_READ_BASE_BUDGET ((size_t)128 << 20)
#define PQ_READ_BUDGET_PER_BYTE 64
#define PQ_READ_MAX_PAGE ((size_t)256 << 20)

size_t pq_read_budget(size_t len);
/* Takes n bytes from *budget; false (and nothing taken) when short. */
bool pq_budget_take(size_t *budget, size_t n);

/* Blocks freed together, each charged to a budget shared by the arenas of
 * one read. */
typedef struct pq_block pq_block;
typedef struct pq_arena {
    pq_block *head;
    size_t *budget;
} pq_arena;

/* n uninitialized bytes (max_align_t aligned), or NULL when the budget or
 * memory is short. */
void *pq_arena_alloc(pq_arena *a, size_t n);
void *pq_arena_calloc(pq_arena *a, size_t count, size_t size);
void pq_arena_free(pq_arena *a);

/* ---- reading: column chunks ---------------------------------------- */

/* A leaf as the file's schema has it. */
typedef struct pq_leaf_info {
    const pq_column_chunk *cc;
    int32_t type;           /* enum pq_type_id */
    int64_t time_scale;     /* 1, or 1000 / 1000000 for MICROS / MILLIS timestamps */
    uint8_t max_def, max_rep;
    uint8_t depth;          /* path length */
    uint8_t def[PQ_MAX_PATH]; /* definition level reached at each path node */
} pq_leaf_info;

/* One column chunk decoded: a level per entry and the non-null values. */
typedef struct pq_col {
    const uint8_t *rep, *def; /* NULL when the max is 0 (all zero) */
    size_t nlevels;
    const pq_view *str;       /* BYTE_ARRAY values */
    const int64_t *i64;       /* INT64 values */
    size_t nvalues;
    size_t nrows;             /* levels with repetition level 0 */
    uint8_t max_def, max_rep;
} pq_col;

/* Where a row group's bytes are and what decoding them may use. */
typedef struct pq_chunk_src {
    const uint8_t *bytes;   /* the file's bytes [offset, offset + len) */
    int64_t offset;
    size_t len;
    pq_arena *keep;         /* decompressed pages: values point into them */
    pq_arena *tmp;          /* levels, values, dictionaries */
    void *zstd;             /* ZSTD_DCtx, made on first use; the caller frees it */
} pq_chunk_src;

/* The bytes [*start, *end) of the file a chunk's pages take (its
 * dictionary page included). Returns 0 or -EBADMSG. */
int pq_chunk_bounds(const pq_column_chunk *cc, int64_t *start, int64_t *end);

/* Decodes the pages of leaf l's chunk into c. Returns 0, -EBADMSG,
 * -ENOTSUP (a codec, encoding or page type otelc does not write) or
 * -ENOMEM. */
int pq_col_read(pq_chunk_src *s, const pq_leaf_info *l, pq_col *c);
void pq_chunk_src_fini(pq_chunk_src *s);

/* ---- reading: the trace table -------------------------------------- */

/* The leaves of the trace table, in the writer's order. */
enum pq_tcol {
    T_TIMESTAMP, T_TRACE_ID, T_SPAN_ID, T_PARENT_SPAN_ID, T_TRACE_STATE, T_SPAN_NAME,
    T_SPAN_KIND, T_SERVICE_NAME, T_RES_KEY, T_RES_VALUE, T_SCOPE_NAME, T_SCOPE_VERSION,
    T_SPAN_KEY, T_SPAN_VALUE, T_DURATION, T_STATUS_CODE, T_STATUS_MESSAGE,
    T_EV_TIME, T_EV_NAME, T_EV_KEY, T_EV_VALUE, T_EV_TYPE_KEY, T_EV_TYPE_VALUE,
    T_LN_TRACE_ID, T_LN_SPAN_ID, T_LN_TRACE_STATE, T_LN_KEY, T_LN_VALUE, T_LN_TYPE_KEY,
    T_LN_TYPE_VALUE, T_RES_TYPE_KEY, T_RES_TYPE_VALUE, T_SPAN_TYPE_KEY, T_SPAN_TYPE_VALUE,
    T_COUNT
};

/* A position in a decoded column: the first level of row `row`, or inside it. */
typedef struct pq_cur {
    const pq_col *c;
    size_t lv, val, row;
} pq_cur;

/* One map instance's entries (views into the table's pages). */
typedef struct pq_kvs {
    pq_view *key, *val;
    bool *has_val;          /* false: the value is null */
    size_t n, cap;
} pq_kvs;

/* The columns of one row group a read asked for, decoded, with cursors. */
typedef struct pq_table {
    pq_leaf_info leaf[T_COUNT];
    pq_col col[T_COUNT];
    pq_cur cur[T_COUNT];
    uint8_t used[T_COUNT];  /* enum pq_use */
    size_t nrows;
    size_t budget;
    pq_arena keep, tmp;
    pq_chunk_src src;
} pq_table;

/* What a read does with a column: skip it, decode it, or decode it into
 * pages that t->keep holds (the caller may take that arena over, so its
 * values outlive the table). */
enum pq_use { PQ_SKIP = 0, PQ_USE = 1, PQ_USE_KEEP = 2 };

/* Decodes the columns used[] of row group rg from bytes. Returns 0 or a
 * negative errno (then t is closed already). */
int pq_table_open(pq_table *t, const pq_file_meta *m, size_t rg, const uint8_t *bytes,
                  int64_t offset, size_t len, const uint8_t used[T_COUNT]);
void pq_table_close(pq_table *t);

/* Moves column c's cursor to the start of row (at or after where it is). */
int pq_table_seek(pq_table *t, int c, size_t row);
/* Reads one level of a flat column (at a row start): the value, or "" / 0
 * for a null. */
int pq_table_str(pq_table *t, int c, pq_view *out);
int pq_table_i64(pq_table *t, int c, int64_t *out);
/* The repetition level the cursor of column c is at (0 at the end). */
uint8_t pq_table_rep(const pq_table *t, int c);
/* Reads one map instance from the key and value columns kc, vc whose
 * first level the caller has placed the cursors at. */
int pq_table_map(pq_table *t, int kc, int vc, pq_kvs *out);
/* Whether column c's level at its cursor is a list element (not an empty
 * list); the definition level the list node reaches is its path's node 1. */
bool pq_table_elem_present(const pq_table *t, int c);
void pq_kvs_free(pq_kvs *k);
/* Whether every column used has its cursor at a row's start (or the end):
 * the columns agreed on where the row ended. */
bool pq_table_row_done(const pq_table *t);

/* Hex digits into at most cap bytes: the byte count, or -1. */
int pq_unhex(pq_view hex, uint8_t *out, size_t cap);
/* SpanKind and StatusCode names as OTLP numbers (0 when unknown). */
uint8_t pq_kind_number(pq_view name);
uint8_t pq_status_number(pq_view name);

/* ---- merging: rows as records (merge_rec.c) ------------------------- */

/* Encodes the row whose levels start at lv[c] (values at val[c]) of each
 * column of t (every column used, with the writer's levels) as a record
 * for output position pos into b (emptied first); the cursors move past
 * the row. Returns 0, -EBADMSG (columns that do not add up) or -ENOMEM. */
int pq_rec_encode(pq_buf *b, const pq_table *t, uint32_t pos, size_t lv[T_COUNT],
                  size_t val[T_COUNT]);

/* Appends the record p[0..n) to the writer's columns as one row. Returns
 * 0 or -EBADMSG (then the open row group is spoilt). */
int pq_rec_decode(pq_writer *w, const uint8_t *p, size_t n);

/* ---- reading: OTLP out --------------------------------------------- */

/* Appends the AnyValue message body for an attribute's text and its type
 * name from a companion map (NULL: a string). Returns 0, -EBADMSG for
 * text that does not parse as its type, or the buffer's error. */
int pq_text_any(pq_buf *out, const pq_view *type, pq_view text);

/* Protobuf output on a pq_buf. */
void pq_pb_tag(pq_buf *b, uint32_t field, uint32_t wire_type);
void pq_pb_bytes(pq_buf *b, uint32_t field, const void *p, size_t n); /* omitted when n == 0 */
/* Starts a length-delimited field; returns where its body starts. */
size_t pq_pb_open(pq_buf *b, uint32_t field);
void pq_pb_close(pq_buf *b, size_t body);

#endif /* OTELC_PARQUET_PQ_INT_H */
