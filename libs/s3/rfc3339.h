/*
 * rfc3339.h: RFC 3339 timestamps (S3's LastModified, the query API's
 * times). Pure; any thread.
 */
#ifndef OTELC_S3_RFC3339_H
#define OTELC_S3_RFC3339_H

#include <stdint.h>

/*
 * Parses "2024-05-06T07:08:09Z", with optional fractional seconds (up to
 * nanoseconds) and a "Z" or "+hh:mm"/"-hh:mm" offset ('t', 'z' and a space
 * for 'T' accepted). Returns 0 with unix nanoseconds in *ns, or -1.
 */
int s3_parse_rfc3339(const char *s, int64_t *ns);

#endif /* OTELC_S3_RFC3339_H */
