/*
 * grpc_frame.h: the gRPC length-prefixed message reader.
 *
 * A gRPC request body is a sequence of messages, each a 5-byte prefix (one
 * flag byte: 0 plain, 1 compressed; then a big-endian 32-bit length) and
 * that many bytes. Export is unary, so a request carries exactly one
 * message. The reader takes the body in whatever pieces HTTP/2 DATA frames
 * deliver and collects the one message into a buffer it allocates once,
 * at the declared size, so the buffer can later be handed on without a
 * copy. Pure: no I/O, no globals; one reader per stream, one thread at a
 * time.
 */
#ifndef OTELC_OTLP_GRPC_FRAME_H
#define OTELC_OTLP_GRPC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GRPC_PREFIX_LEN 5

typedef enum grpc_frame_rc {
    GRPC_FRAME_OK = 0,
    GRPC_FRAME_TOO_BIG = -1,   /* declared length above the limit */
    GRPC_FRAME_BAD_FLAG = -2,  /* flag byte other than 0 or 1 */
    GRPC_FRAME_EXTRA = -3,     /* bytes after the first message: not unary */
    GRPC_FRAME_NOMEM = -4,     /* the message buffer could not be allocated */
    GRPC_FRAME_TRUNCATED = -5, /* the body ended inside a prefix or message */
    GRPC_FRAME_EMPTY = -6,     /* the body ended with no message at all */
} grpc_frame_rc;

typedef struct grpc_frame_reader {
    size_t limit;                       /* largest message length accepted */
    uint8_t prefix[GRPC_PREFIX_LEN];
    size_t prefix_got;
    bool compressed;
    uint32_t len;                       /* declared message length */
    uint8_t *buf;                       /* owned until taken by finish */
    size_t got;
    int error;                          /* sticky grpc_frame_rc once failed */
} grpc_frame_reader;

/* Starts an empty reader that accepts messages of at most `limit` bytes. */
void grpc_frame_init(grpc_frame_reader *r, size_t limit);

/*
 * Feeds `n` body bytes (borrowed for the call). Returns GRPC_FRAME_OK or a
 * negative code; after an error the reader stays failed and ignores more
 * input (returning the same code), so the caller answers once.
 */
int grpc_frame_feed(grpc_frame_reader *r, const uint8_t *p, size_t n);

/*
 * Ends the body. On GRPC_FRAME_OK the message moves to the caller: *buf
 * (malloc'd, caller frees; NULL when *len is 0), *len and *compressed.
 * Otherwise returns the sticky error, GRPC_FRAME_TRUNCATED or
 * GRPC_FRAME_EMPTY and hands out nothing.
 */
int grpc_frame_finish(grpc_frame_reader *r, uint8_t **buf, size_t *len, bool *compressed);

/* Frees whatever the reader still owns; the reader may be re-initialised. */
void grpc_frame_free(grpc_frame_reader *r);

/* Short static text for a grpc_frame_rc, for gRPC status messages. */
const char *grpc_frame_strerror(int rc);

#endif /* OTELC_OTLP_GRPC_FRAME_H */
