/*
 * s3error.c: S3 error codes → verdicts.
 */
#include "s3error.h"

#include <stdlib.h>
#include <string.h>

#include "s3xml.h"

typedef struct code_verdict {
    const char *code;
    s3_verdict verdict;
} code_verdict;

/* Sorted by code for bsearch. */
static const code_verdict known[] = {
    {"AccessDenied", S3_PAUSE},
    {"AccountProblem", S3_PAUSE},
    {"AllAccessDisabled", S3_PAUSE},
    {"AuthorizationHeaderMalformed", S3_PAUSE},
    {"BadDigest", S3_REJECT},
    {"Busy", S3_RETRY},
    {"EntityTooLarge", S3_REJECT},
    {"EntityTooSmall", S3_REJECT},
    {"ExpiredToken", S3_PAUSE},
    {"IllegalLocationConstraintException", S3_PAUSE},
    {"IncompleteBody", S3_RETRY},
    {"InternalError", S3_RETRY},
    {"InvalidAccessKeyId", S3_PAUSE},
    {"InvalidBucketName", S3_PAUSE},
    {"InvalidBucketState", S3_PAUSE},
    {"InvalidDigest", S3_REJECT},
    {"InvalidPart", S3_REJECT},
    {"InvalidPartOrder", S3_REJECT},
    {"InvalidSecurity", S3_PAUSE},
    {"InvalidStorageClass", S3_PAUSE},
    {"InvalidToken", S3_PAUSE},
    {"KeyTooLongError", S3_REJECT},
    {"MalformedXML", S3_REJECT},
    {"MetadataTooLarge", S3_REJECT},
    {"MissingSecurityHeader", S3_PAUSE},
    {"NoSuchBucket", S3_PAUSE},
    {"NoSuchUpload", S3_RETRY},
    {"NotSignedUp", S3_PAUSE},
    {"OperationAborted", S3_RETRY},
    {"PermanentRedirect", S3_PAUSE},
    {"RequestTimeTooSkewed", S3_PAUSE},
    {"RequestTimeout", S3_RETRY},
    {"ServiceUnavailable", S3_RETRY},
    {"SignatureDoesNotMatch", S3_PAUSE},
    {"SlowDown", S3_RETRY},
    {"TemporaryRedirect", S3_RETRY},
    {"ThrottlingException", S3_RETRY},
    {"TokenRefreshRequired", S3_PAUSE},
    {"TooManyParts", S3_REJECT},
    {"TooManyRequests", S3_RETRY},
    {"XAmzContentSHA256Mismatch", S3_RETRY},
};

static int by_code(const void *key, const void *elem)
{
    return strcmp(key, ((const code_verdict *)elem)->code);
}

bool s3_error_parse(const char *body, size_t len, s3_error *out)
{
    out->code[0] = out->message[0] = 0;
    if (!body || !len)
        return false;
    if (s3_xml_text(body, len, "Code", out->code, sizeof(out->code)) < 0)
        out->code[0] = 0;
    if (s3_xml_text(body, len, "Message", out->message, sizeof(out->message)) < 0)
        out->message[0] = 0;
    return out->code[0] != 0;
}

s3_verdict s3_classify(long http_status, const char *code)
{
    if (code && *code) {
        const code_verdict *k =
            bsearch(code, known, sizeof(known) / sizeof(known[0]), sizeof(known[0]), by_code);
        if (k)
            return k->verdict;
    } else if (http_status >= 200 && http_status < 300) {
        return S3_OK;
    }
    if (http_status >= 500 || http_status == 408 || http_status == 429)
        return S3_RETRY;
    return S3_PAUSE;
}

const char *s3_verdict_name(s3_verdict v)
{
    static const char *const names[] = {"ok", "retry", "pause", "reject"};
    return v <= S3_REJECT ? names[v] : "?";
}
