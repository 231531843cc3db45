/* Unit tests of common/utf8: CPython's decoding of invalid input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../common/utf8.h"

static void repair(const char *in, size_t len, const char *expected, long replaced)
{
        struct buf out = BUF_INIT;

        assert_int_equal(utf8_repair(&out, (const unsigned char *)in, len), replaced);
        assert_int_equal(out.len, strlen(expected));
        assert_memory_equal(out.data ? out.data : "", expected, out.len);
        buf_free(&out);
}

#define R "\xef\xbf\xbd" /* U+FFFD */

static void invalid_subparts_become_one_replacement_each(void **state)
{
        (void)state;
        repair("plain", 5, "plain", 0);
        repair("\xff", 1, R, 1);
        repair("a\x80" "b", 3, "a" R "b", 1);
        repair("\xe4\xb8" "A", 3, R "A", 1);       /* truncated: one */
        repair("\xed\xa0\x80", 3, R R R, 3);       /* surrogate: three */
        repair("\xc0\xaf", 2, R R, 2);             /* overlong */
        repair("\xf0\x9f\x98", 3, R, 1);           /* truncated at the end */
        repair("\xf4\x90\x80\x80", 4, R R R R, 4); /* above U+10FFFF */
        repair("\xea\xb0\x80\xff", 4, "\xea\xb0\x80" R, 1);
}

static void next_decodes_code_points(void **state)
{
        int32_t cp;

        (void)state;
        assert_int_equal(utf8_next((const unsigned char *)"A", 1, &cp), 1);
        assert_int_equal(cp, 'A');
        assert_int_equal(utf8_next((const unsigned char *)"\xea\xb0\x80", 3, &cp), 3);
        assert_int_equal(cp, 0xAC00);
        assert_int_equal(utf8_next((const unsigned char *)"\xf0\x9f\x98\x80", 4, &cp), 4);
        assert_int_equal(cp, 0x1F600);
        assert_int_equal(utf8_next((const unsigned char *)"\xf0\x9f\x98\x80", 3, &cp), 3);
        assert_int_equal(cp, UTF8_INVALID);
        assert_int_equal(utf8_valid_prefix((const unsigned char *)"ab\xffz", 4), 2);
}

static void append_encodes_every_length(void **state)
{
        struct buf out = BUF_INIT;

        (void)state;
        assert_int_equal(utf8_append(&out, 'a'), 0);
        assert_int_equal(utf8_append(&out, 0xE9), 0);
        assert_int_equal(utf8_append(&out, 0xD55C), 0);
        assert_int_equal(utf8_append(&out, 0x1F600), 0);
        assert_int_equal(out.len, 10);
        assert_memory_equal(out.data, "a\xc3\xa9\xed\x95\x9c\xf0\x9f\x98\x80", 10);
        buf_free(&out);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(invalid_subparts_become_one_replacement_each),
                cmocka_unit_test(next_decodes_code_points),
                cmocka_unit_test(append_encodes_every_length),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
