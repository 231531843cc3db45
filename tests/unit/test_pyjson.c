/* Unit tests of common/pyjson and common/record encoding against CPython's
 * json.dumps() and repr(float), from tests/vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../common/pyjson.h"
#include "../../common/record.h"
#include "vectors.h"

static void floats_match_repr(void **state)
{
        struct vectors v;
        unsigned long n = 0;

        (void)state;
        vectors_open(&v, "floats.tsv");
        while (vectors_next(&v)) {
                char out[PYJSON_FLOAT_MAX];
                double x = vectors_double(v.field[0]);
                size_t len = pyjson_format_float(x, out);

                if (strcmp(out, v.field[1]) != 0)
                        fail_msg("floats.tsv:%lu: %s: got %s, Python %s", v.lineno,
                                 v.field[0], out, v.field[1]);
                assert_int_equal(len, strlen(out));
                n++;
        }
        vectors_close(&v);
        assert_true(n > 20000);
}

static void records_match_json_dumps(void **state)
{
        struct vectors v;
        struct buf out = BUF_INIT;
        unsigned long n = 0;

        (void)state;
        vectors_open(&v, "encode.tsv");
        while (vectors_next(&v)) {
                size_t len;
                unsigned char *msg = vectors_hex(v.field[0], &len);
                long bad;

                buf_clear(&out);
                bad = record_encode(&out, (const char *)msg, len,
                                    vectors_double(v.field[1]), NULL);
                if (out.len != strlen(v.field[2]) ||
                    memcmp(out.data, v.field[2], out.len) != 0)
                        fail_msg("encode.tsv:%lu: got %.*s, Python %s", v.lineno,
                                 (int)out.len, out.data, v.field[2]);
                /* Invalid input: the fourth field counts the U+FFFD made. */
                assert_int_equal(bad, v.nfields > 3 ? atol(v.field[3]) : 0);
                free(msg);
                n++;
        }
        buf_free(&out);
        vectors_close(&v);
        assert_true(n > 500);
}

static void records_with_a_sender_match_json_dumps(void **state)
{
        struct vectors v;
        struct buf out = BUF_INIT;
        unsigned long n = 0;

        (void)state;
        vectors_open(&v, "encode_sender.tsv");
        while (vectors_next(&v)) {
                size_t len, name_len;
                unsigned char *msg = vectors_hex(v.field[0], &len);
                unsigned char *name = vectors_hex(v.field[2], &name_len);

                buf_clear(&out);
                assert_int_equal(record_encode(&out, (const char *)msg, len,
                                               vectors_double(v.field[1]),
                                               (const char *)name), 0);
                if (out.len != strlen(v.field[3]) ||
                    memcmp(out.data, v.field[3], out.len) != 0)
                        fail_msg("encode_sender.tsv:%lu: got %.*s, Python %s", v.lineno,
                                 (int)out.len, out.data, v.field[3]);
                free(msg);
                free(name);
                n++;
        }
        buf_free(&out);
        vectors_close(&v);
        assert_true(n >= 100);
}

static void special_floats_as_json_dumps(void **state)
{
        char out[PYJSON_FLOAT_MAX];

        (void)state;
        pyjson_format_float(0.0 / 0.0, out);
        assert_string_equal(out, "NaN");
        pyjson_format_float(1.0 / 0.0, out);
        assert_string_equal(out, "Infinity");
        pyjson_format_float(-1.0 / 0.0, out);
        assert_string_equal(out, "-Infinity");
        pyjson_format_float(-2.2250738585072014e-308, out);
        assert_string_equal(out, "-2.2250738585072014e-308");
}

static void normalize(const char *in, const char *expected, long replaced)
{
        struct buf out = BUF_INIT;

        assert_int_equal(pyjson_normalize(&out, in, strlen(in)), replaced);
        assert_non_null(buf_cstr(&out));
        assert_string_equal(out.data, expected);
        buf_free(&out);
}

static void normalize_rewrites_only_python_extras(void **state)
{
        (void)state;
        normalize("{\"a\": 1.5, \"b\": \"NaN\"}", "{\"a\": 1.5, \"b\": \"NaN\"}", 0);
        normalize("[NaN, Infinity, -Infinity]", "[null, null, null]", 3);
        normalize("[1e400, -1e400, 1e-400, 12]", "[null, null, 1e-400, 12]", 2);
        normalize("\"\\ud800x\"", "\"\\ufffdx\"", 1);
        normalize("\"\\udc00\"", "\"\\ufffd\"", 1);
        normalize("\"\\ud83d\\ude00\"", "\"\\ud83d\\ude00\"", 0);
        normalize("\"\\ud83d\\u0041\"", "\"\\ufffd\\u0041\"", 1);
        normalize("\"\\\" NaN \\\\\" NaN", "\"\\\" NaN \\\\\" null", 1);
        normalize("\"unterminated \\", "\"unterminated \\", 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(floats_match_repr),
                cmocka_unit_test(records_match_json_dumps),
                cmocka_unit_test(records_with_a_sender_match_json_dumps),
                cmocka_unit_test(special_floats_as_json_dumps),
                cmocka_unit_test(normalize_rewrites_only_python_extras),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
