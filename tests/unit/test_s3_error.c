/*
 * libs/s3 error handling: <Code>/<Message> read out of S3's XML and the
 * verdict each code gets (retry, pause the exporter, or reject the object),
 * with the HTTP status deciding only for unknown codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "s3/s3error.h"
#include "s3/s3xml.h"

static const char signature_body[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated "
    "does not match the signature you provided. Check your key and signing method.</Message>"
    "<AWSAccessKeyId>S3RVER</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256\n20260101T000000Z"
    "</StringToSign></Error>";

static void test_parse_code_and_message(void **state)
{
    s3_error e;
    assert_true(s3_error_parse(signature_body, strlen(signature_body), &e));
    assert_string_equal(e.code, "SignatureDoesNotMatch");
    assert_string_equal(e.message, "The request signature we calculated does not match the "
                                   "signature you provided. Check your key and signing method.");
}

static void test_parse_absent_or_broken(void **state)
{
    s3_error e;
    assert_false(s3_error_parse(NULL, 0, &e));
    assert_string_equal(e.code, "");
    assert_false(s3_error_parse("<html>bad gateway</html>", 24, &e));
    assert_false(s3_error_parse("<Error><Code>SlowDown", 21, &e)); /* cut off */
    assert_string_equal(e.code, "");
    /* Only the given length is read. */
    const char *body = "<Error><Code>SlowDown</Code></Error>";
    assert_false(s3_error_parse(body, 20, &e));
    assert_true(s3_error_parse(body, strlen(body), &e));
    assert_string_equal(e.code, "SlowDown");
    assert_string_equal(e.message, "");
}

static void test_text_is_decoded_and_safe(void **state)
{
    char out[64];
    const char *body = "<Message>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#65;&#x42; "
                       "&bogus;\n\t\x01\xc3\xa9</Message>";
    int n = s3_xml_text(body, strlen(body), "Message", out, sizeof(out));
    assert_string_equal(out, "a & b <c> \"d\" 'e' AB &bogus;  ???");
    assert_int_equal(n, (int)strlen(out));
    /* Cut to fit, always terminated. */
    char tiny[5];
    assert_int_equal(s3_xml_text(body, strlen(body), "Message", tiny, sizeof(tiny)), 4);
    assert_string_equal(tiny, "a & ");
    /* The UploadId of a multipart initiation. */
    const char *init = "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
                       "<UploadId>0123abcd</UploadId></InitiateMultipartUploadResult>";
    assert_int_equal(s3_xml_text(init, strlen(init), "UploadId", out, sizeof(out)), 8);
    assert_string_equal(out, "0123abcd");
    assert_int_equal(s3_xml_text(init, strlen(init), "Upload", out, sizeof(out)), -1);
}

typedef struct expect {
    const char *code;
    s3_verdict verdict;
} expect;

static void test_known_codes(void **state)
{
    static const expect cases[] = {
        /* The backend refuses everything: pause, keep the data. */
        {"InvalidAccessKeyId", S3_PAUSE},
        {"SignatureDoesNotMatch", S3_PAUSE},
        {"ExpiredToken", S3_PAUSE},
        {"AuthorizationHeaderMalformed", S3_PAUSE},
        {"PermanentRedirect", S3_PAUSE},
        {"RequestTimeTooSkewed", S3_PAUSE},
        {"NoSuchBucket", S3_PAUSE},
        {"AccessDenied", S3_PAUSE},
        {"AccountProblem", S3_PAUSE},
        {"AllAccessDisabled", S3_PAUSE},
        {"InvalidToken", S3_PAUSE},
        {"TokenRefreshRequired", S3_PAUSE},
        {"InvalidBucketName", S3_PAUSE},
        {"InvalidStorageClass", S3_PAUSE},
        /* Not now. */
        {"SlowDown", S3_RETRY},
        {"InternalError", S3_RETRY},
        {"ServiceUnavailable", S3_RETRY},
        {"RequestTimeout", S3_RETRY},
        {"OperationAborted", S3_RETRY},
        {"NoSuchUpload", S3_RETRY},
        {"TemporaryRedirect", S3_RETRY},
        {"XAmzContentSHA256Mismatch", S3_RETRY},
        {"IncompleteBody", S3_RETRY},
        /* Never, for this object. */
        {"EntityTooLarge", S3_REJECT},
        {"EntityTooSmall", S3_REJECT},
        {"InvalidDigest", S3_REJECT},
        {"BadDigest", S3_REJECT},
        {"KeyTooLongError", S3_REJECT},
        {"MetadataTooLarge", S3_REJECT},
        {"InvalidPart", S3_REJECT},
        {"InvalidPartOrder", S3_REJECT},
        {"MalformedXML", S3_REJECT},
        {"TooManyParts", S3_REJECT},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* The code decides whatever the status says. */
        assert_int_equal(s3_classify(400, cases[i].code), cases[i].verdict);
        assert_int_equal(s3_classify(503, cases[i].code), cases[i].verdict);
        assert_int_equal(s3_classify(200, cases[i].code), cases[i].verdict);
    }
}

static void test_status_alone(void **state)
{
    assert_int_equal(s3_classify(200, NULL), S3_OK);
    assert_int_equal(s3_classify(204, ""), S3_OK);
    assert_int_equal(s3_classify(500, NULL), S3_RETRY);
    assert_int_equal(s3_classify(503, ""), S3_RETRY);
    assert_int_equal(s3_classify(429, NULL), S3_RETRY);
    assert_int_equal(s3_classify(408, NULL), S3_RETRY);
    /* An unexplained refusal keeps the data and shows up in /health. */
    assert_int_equal(s3_classify(403, NULL), S3_PAUSE);
    assert_int_equal(s3_classify(404, NULL), S3_PAUSE);
    assert_int_equal(s3_classify(301, NULL), S3_PAUSE);
    /* Unknown codes fall back to the status. */
    assert_int_equal(s3_classify(500, "SomethingNew"), S3_RETRY);
    assert_int_equal(s3_classify(400, "SomethingNew"), S3_PAUSE);
    assert_int_equal(s3_classify(200, "SomethingNew"), S3_PAUSE);
}

static void test_names(void **state)
{
    assert_string_equal(s3_verdict_name(S3_OK), "ok");
    assert_string_equal(s3_verdict_name(S3_RETRY), "retry");
    assert_string_equal(s3_verdict_name(S3_PAUSE), "pause");
    assert_string_equal(s3_verdict_name(S3_REJECT), "reject");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_code_and_message),
        cmocka_unit_test(test_parse_absent_or_broken),
        cmocka_unit_test(test_text_is_decoded_and_safe),
        cmocka_unit_test(test_known_codes),
        cmocka_unit_test(test_status_alone),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
