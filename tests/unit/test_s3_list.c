/*
 * libs/s3 bucket listings: ListObjectsV2 pages (keys with entities and
 * non-ASCII bytes, times, sizes, the next page's token), answers that are
 * not listings.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "s3/s3list.h"

static const char PAGE[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Name>b</Name><Prefix>traces/</Prefix><KeyCount>3</KeyCount><MaxKeys>3</MaxKeys>"
    "<IsTruncated>true</IsTruncated>"
    "<Contents><Key>traces/year=2026/traces_0000000000000001-00000000000000aa.json</Key>"
    "<LastModified>2026-01-02T03:04:05.678Z</LastModified><ETag>&quot;x&quot;</ETag>"
    "<Size>1234</Size><StorageClass>STANDARD</StorageClass></Contents>"
    "<Contents><Key>traces/a&amp;b &lt;c&gt; &#233;\xc3\xa9.json</Key>"
    "<LastModified>bad</LastModified><Size>7</Size></Contents>"
    "<Contents><Size>9</Size></Contents>"
    "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
    "</ListBucketResult>";

static void test_page(void **state)
{
    s3_list_page p;
    assert_int_equal(s3_list_parse(PAGE, strlen(PAGE), &p), 0);
    assert_int_equal(p.n, 2); /* the entry without a key is left out */
    assert_string_equal(p.items[0].key,
                        "traces/year=2026/traces_0000000000000001-00000000000000aa.json");
    assert_int_equal(p.items[0].size, 1234);
    assert_int_equal(p.items[0].modified_ns, 1767323045678000000ll);
    assert_string_equal(p.items[1].key, "traces/a&b <c> \xc3\xa9\xc3\xa9.json");
    assert_int_equal(p.items[1].modified_ns, 0);
    assert_int_equal(p.items[1].size, 7);
    assert_true(p.truncated);
    assert_string_equal(p.next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
    s3_list_page_free(&p);
}

static void test_last_page_and_refusals(void **state)
{
    static const char last[] = "<ListBucketResult><IsTruncated>false</IsTruncated>"
                               "</ListBucketResult>";
    s3_list_page p;
    assert_int_equal(s3_list_parse(last, strlen(last), &p), 0);
    assert_int_equal(p.n, 0);
    assert_false(p.truncated);
    assert_string_equal(p.next_token, "");
    s3_list_page_free(&p);
    static const char error[] = "<Error><Code>AccessDenied</Code></Error>";
    assert_int_equal(s3_list_parse(error, strlen(error), &p), -EBADMSG);
    assert_int_equal(s3_list_parse(NULL, 0, &p), -EBADMSG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page),
        cmocka_unit_test(test_last_page_and_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
