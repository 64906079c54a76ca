/*
 * s3xml.h: the little XML the client reads from S3: one element's text
 * (<Code>, <Message>, <UploadId>) found by a plain scan. S3's answers are
 * flat and attribute-free where it matters, so no parser is needed.
 */
#ifndef OTELC_S3_S3XML_H
#define OTELC_S3_S3XML_H

#include <stddef.h>

/*
 * Copies the text of the first <name>...</name> in body[0..len) into out
 * (size > 0 bytes, always NUL-terminated, cut to fit), with the five XML
 * entities and numeric references decoded and anything that is not
 * printable ASCII replaced by '?', so the result is safe to log. Returns
 * the length written, or -1 if the element is absent or unterminated.
 * Pure; any thread.
 */
int s3_xml_text(const char *body, size_t len, const char *name, char *out, size_t size);

#endif /* OTELC_S3_S3XML_H */
