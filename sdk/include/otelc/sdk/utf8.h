/*
 * utf8.h: strict UTF-8 validation for OTLP string fields.
 *
 * Part of the otelc plugin SDK: pure, allocation-free, thread-safe.
 */
#ifndef OTELC_SDK_UTF8_H
#define OTELC_SDK_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Returns true when the `len` bytes at `s` are well-formed UTF-8 as defined
 * by Unicode (Table 3-7): overlong forms, UTF-16 surrogates (U+D800..DFFF)
 * and code points above U+10FFFF are refused. NUL bytes are valid. The bytes
 * stay the caller's; nothing is kept. `s` may be NULL when `len` is 0.
 */
bool otlp_utf8_valid(const void *s, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* OTELC_SDK_UTF8_H */
