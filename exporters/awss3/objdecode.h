/*
 * objdecode.h: a stored object back into request bytes: undo the
 * compression its key names (.gz, .zst) and read OTLP/JSON (.json) into
 * protobuf; .binpb objects are protobuf already.
 */
#ifndef OTELC_AWSS3_OBJDECODE_H
#define OTELC_AWSS3_OBJDECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Whether key names an object this exporter could have written (a
 * traces_ object with a known extension); fills *m and *c when so. Pure. */
bool awss3_object_format(const char *key, awss3_marshaler *m, awss3_compression *c);

/*
 * Decodes the object stored under key. Takes ownership of data (len
 * bytes, malloc'd, one spare byte past len allowed to be overwritten):
 * it is freed, or handed back as *out. On success returns 0 with *out
 * (malloc'd, the caller frees it) holding *out_len bytes of a serialized
 * ExportTraceServiceRequest. Fails with -EINVAL (a key of no known
 * format), -EBADMSG (corrupt compression or OTLP/JSON; err says why),
 * -EFBIG (more than max_out bytes once decompressed) or -ENOMEM.
 * Pure; any thread.
 */
int awss3_object_decode(const char *key, uint8_t *data, size_t len, size_t max_out,
                        uint8_t **out, size_t *out_len, char *err, size_t err_size);

#endif /* OTELC_AWSS3_OBJDECODE_H */
