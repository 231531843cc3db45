/* Unit tests of common/output: untrusted text on a terminal cannot drive
 * it; elsewhere the bytes pass unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../common/output.h"

/* Writes text through output_untrusted() and returns what came out. */
static char *shown(enum escape_mode mode, const char *text, size_t len)
{
        static char result[1024];
        struct output out;
        FILE *fp = tmpfile();
        size_t n;

        assert_non_null(fp);
        assert_int_equal(output_init(&out, fp, mode), 0);
        output_untrusted(&out, text, len);
        assert_int_equal(output_flush(&out), 0);
        rewind(fp);
        n = fread(result, 1, sizeof(result) - 1, fp);
        result[n] = '\0';
        fclose(fp);
        return result;
}

#define ESC(text) shown(ESCAPE_ALWAYS, text, sizeof(text) - 1)

static void controls_are_escaped(void **state)
{
        (void)state;
        assert_string_equal(ESC("plain 한글 😀"), "plain 한글 😀");
        assert_string_equal(ESC("\x1b[2J\x1b]0;t\x07"), "\\x1b[2J\\x1b]0;t\\x07");
        assert_string_equal(ESC("a\rb\nc\td\be"), "a\\rb\\nc\\td\\x08e");
        assert_string_equal(ESC("nul\0del\x7f"), "nul\\x00del\\x7f");
        assert_string_equal(ESC("c1 \xc2\x9b" "31m"), "c1 \\u009b31m");
        assert_string_equal(ESC("\xe2\x80\xae" "abc\xe2\x81\xa6"), "\\u202eabc\\u2066");
        assert_string_equal(ESC("\xe2\x80\xa8"), "\\u2028");
        /* Neighbours of the dangerous ranges pass. */
        assert_string_equal(ESC("\xc2\xa0\xe2\x80\xa7\xe2\x81\xaa"),
                            "\xc2\xa0\xe2\x80\xa7\xe2\x81\xaa");
        assert_string_equal(ESC("\\x1b stays text"), "\\x1b stays text");
}

static void never_and_auto_off_a_terminal_keep_bytes(void **state)
{
        static const char raw[] = "\x1b[31mred\r\n\xe2\x80\xae";

        (void)state;
        assert_memory_equal(shown(ESCAPE_NEVER, raw, sizeof(raw) - 1), raw, sizeof(raw) - 1);
        /* tmpfile() is no terminal. */
        assert_memory_equal(shown(ESCAPE_AUTO, raw, sizeof(raw) - 1), raw, sizeof(raw) - 1);
}

static void a_closed_reader_is_reported(void **state)
{
        struct output out;
        FILE *fp = fopen("/dev/full", "w");

        (void)state;
        assert_non_null(fp);
        assert_int_equal(output_init(&out, fp, ESCAPE_NEVER), 0);
        output_str(&out, "line\n");
        assert_int_equal(output_flush(&out), -1);
        assert_true(out.broken);
        fclose(fp);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(controls_are_escaped),
                cmocka_unit_test(never_and_auto_off_a_terminal_keep_bytes),
                cmocka_unit_test(a_closed_reader_is_reported),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
