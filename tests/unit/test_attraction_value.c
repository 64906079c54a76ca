/*
 * test_attraction_value.c: libs/attraction's values: YAML scalars typed
 * as Go's YAML decoder types them, Go's text of a double (AsString and
 * 'f' format), SHA-256 of each value type against digests computed
 * independently, conversions and their failures.
 */
#include <attraction/value.h>

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static otlp_anyvalue yaml(const char *text)
{
    otlp_anyvalue v;
    assert_true(attr_value_from_yaml(text, &v));
    return v;
}

static void test_yaml_types(void **state)
{
    otlp_anyvalue v;
    (void)state;
    assert_false(attr_value_from_yaml("~", &v));
    assert_false(attr_value_from_yaml("null", &v));
    assert_false(attr_value_from_yaml("", &v));
    assert_int_equal(yaml("true").type, OTLP_ANY_BOOL);
    assert_false(yaml("False").boolean);
    assert_int_equal(yaml("yes").type, OTLP_ANY_STRING); /* YAML 1.2: a string */
    assert_int_equal(yaml("42").integer, 42);
    assert_int_equal(yaml("-17").integer, -17);
    assert_int_equal(yaml("0x1F").integer, 31);
    assert_int_equal(yaml("0o17").integer, 15);
    assert_int_equal(yaml("0b101").integer, 5);
    assert_int_equal(yaml("1_000").integer, 1000);
    assert_int_equal(yaml("-9223372036854775808").integer, INT64_MIN);
    assert_int_equal(yaml("1.5").type, OTLP_ANY_DOUBLE);
    assert_true(yaml("1.5").number == 1.5);
    assert_true(yaml("1e3").number == 1000.0);
    assert_true(yaml(".5").number == 0.5);
    assert_true(isinf(yaml("-.inf").number) && yaml("-.inf").number < 0);
    assert_true(isnan(yaml(".nan").number));
    assert_int_equal(yaml("1.2.3").type, OTLP_ANY_STRING);
    assert_int_equal(yaml("12abc").type, OTLP_ANY_STRING);
    /* A uint64 to Go's decoder, wrapped into an int64 by pcommon. */
    assert_int_equal(yaml("9223372036854775808").integer, INT64_MIN);
    assert_int_equal(yaml("18446744073709551616").type, OTLP_ANY_DOUBLE); /* past uint64 */
    v = yaml("prod");
    assert_int_equal(v.type, OTLP_ANY_STRING);
    assert_int_equal(v.bytes.len, 4);
}

static void assert_text(double d, enum attr_text_style style, const char *want)
{
    attr_buf b = {0};
    otlp_anyvalue v = {.type = OTLP_ANY_DOUBLE, .number = d};
    assert_true(attr_value_text(&v, style, &b));
    attr_buf_put(&b, "", 1);
    assert_string_equal(b.p, want);
    attr_buf_free(&b);
}

/* Expected strings are Go's: pcommon.Value.AsString and
 * strconv.FormatFloat(d, 'f', -1, 64). */
static void test_double_text(void **state)
{
    (void)state;
    assert_text(1.5, ATTR_TEXT_ASSTRING, "1.5");
    assert_text(2.0, ATTR_TEXT_ASSTRING, "2");
    assert_text(0.1, ATTR_TEXT_ASSTRING, "0.1");
    assert_text(-0.25, ATTR_TEXT_ASSTRING, "-0.25");
    assert_text(123456789.125, ATTR_TEXT_ASSTRING, "123456789.125");
    assert_text(1e21, ATTR_TEXT_ASSTRING, "1e+21");
    assert_text(1e-7, ATTR_TEXT_ASSTRING, "1e-7");
    assert_text(1.25e-7, ATTR_TEXT_ASSTRING, "1.25e-7");
    assert_text(0.000001, ATTR_TEXT_ASSTRING, "0.000001");
    assert_text(1e20, ATTR_TEXT_ASSTRING, "100000000000000000000");
    assert_text(0.0, ATTR_TEXT_ASSTRING, "0");
    assert_text(1e21, ATTR_TEXT_FIXED, "1000000000000000000000");
    assert_text(1e-7, ATTR_TEXT_FIXED, "0.0000001");
    assert_text(0.1 + 0.2, ATTR_TEXT_FIXED, "0.30000000000000004");
}

static void assert_hash(const otlp_anyvalue *v, const char *want)
{
    char hex[65];
    attr_value_hash(v, hex);
    assert_string_equal(hex, want);
}

static void test_hash(void **state)
{
    otlp_anyvalue s = {.type = OTLP_ANY_STRING}, empty = {.type = OTLP_ANY_STRING};
    (void)state;
    s.bytes = (pb_bytes){(const uint8_t *)"hello", 5};
    assert_hash(&s, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    assert_hash(&(otlp_anyvalue){.type = OTLP_ANY_INT, .integer = 42},
                "ed049108bc18f2c64369e8d0ea42850bdd1a7d1dd340cfde716315579702a76c");
    assert_hash(&(otlp_anyvalue){.type = OTLP_ANY_BOOL, .boolean = true},
                "4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a");
    assert_hash(&(otlp_anyvalue){.type = OTLP_ANY_DOUBLE, .number = 1.5},
                "e163f8cb0f7067a7fc78ca859a77f849aea3214f38fb75b884e4a16be725c905");
    /* The collector hashes only non-empty input: the rest becomes "". */
    assert_hash(&empty, "");
    assert_hash(&(otlp_anyvalue){.type = OTLP_ANY_BYTES}, "");
}

static otlp_anyvalue str(const char *s)
{
    otlp_anyvalue v = {.type = OTLP_ANY_STRING};
    v.bytes = (pb_bytes){(const uint8_t *)s, strlen(s)};
    return v;
}

static void test_convert(void **state)
{
    attr_buf b = {0};
    otlp_anyvalue out, in;
    (void)state;
    in = str("42");
    assert_true(attr_value_convert(&in, ATTR_TO_INT, &b, &out));
    assert_int_equal(out.integer, 42);
    in = str(" 42");
    assert_false(attr_value_convert(&in, ATTR_TO_INT, &b, &out));
    in = str("4.2");
    assert_false(attr_value_convert(&in, ATTR_TO_INT, &b, &out));
    assert_true(attr_value_convert(&in, ATTR_TO_DOUBLE, &b, &out));
    assert_true(out.number == 4.2);
    in = str("abc");
    assert_false(attr_value_convert(&in, ATTR_TO_DOUBLE, &b, &out));
    in = (otlp_anyvalue){.type = OTLP_ANY_DOUBLE, .number = -2.7};
    assert_true(attr_value_convert(&in, ATTR_TO_INT, &b, &out));
    assert_int_equal(out.integer, -2);
    assert_false(attr_value_convert(&in, ATTR_TO_DOUBLE, &b, &out)); /* already */
    in = (otlp_anyvalue){.type = OTLP_ANY_BOOL, .boolean = true};
    assert_true(attr_value_convert(&in, ATTR_TO_DOUBLE, &b, &out));
    assert_true(out.number == 1.0);
    assert_true(attr_value_convert(&in, ATTR_TO_STRING, &b, &out));
    assert_memory_equal(out.bytes.ptr, "true", 4);
    in = (otlp_anyvalue){.type = OTLP_ANY_BYTES};
    in.bytes = (pb_bytes){(const uint8_t *)"\x01\x02\x03\x04", 4};
    b.len = 0;
    assert_true(attr_value_convert(&in, ATTR_TO_STRING, &b, &out));
    assert_int_equal(out.bytes.len, 8);
    assert_memory_equal(out.bytes.ptr, "AQIDBA==", 8);
    in = str("x");
    assert_false(attr_value_convert(&in, ATTR_TO_STRING, &b, &out));
    attr_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml_types),
        cmocka_unit_test(test_double_text),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_convert),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
