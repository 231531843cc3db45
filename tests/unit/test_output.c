/* Unit tests of common/output: untrusted text on a terminal cannot drive
 * it; elsewhere the bytes pass unchanged. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
        output_init(&out, fileno(fp), mode, NULL);
        output_untrusted(&out, text, len);
        assert_int_equal(output_flush(&out), 0);
        output_free(&out);
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

static void a_failed_write_is_reported(void **state)
{
        struct output out;
        FILE *fp = fopen("/dev/full", "w");

        (void)state;
        assert_non_null(fp);
        output_init(&out, fileno(fp), ESCAPE_NEVER, NULL);
        output_str(&out, "line\n");
        assert_int_equal(output_flush(&out), -1);
        assert_true(out.broken);
        assert_int_equal(out.error, ENOSPC);
        assert_int_equal(out.written, 0);
        output_free(&out);
        fclose(fp);
}

static void a_closed_reader_is_seen_without_writing(void **state)
{
        struct output out;
        int fds[2];

        (void)state;
        assert_int_equal(pipe(fds), 0);
        output_init(&out, fds[1], ESCAPE_NEVER, NULL);
        assert_false(output_reader_gone(&out));
        close(fds[0]);
        assert_true(output_reader_gone(&out));
        assert_int_equal(out.error, EPIPE);
        close(fds[1]);
        output_free(&out);
}

static void a_stopped_writer_gives_up_on_a_reader_that_does_not_read(void **state)
{
        volatile sig_atomic_t stop = 0;
        struct output out;
        static char big[3 * 4096];
        int fds[2];

        (void)state;
        memset(big, 'x', sizeof(big));
        assert_int_equal(pipe(fds), 0);
        assert_true(fcntl(fds[1], F_SETPIPE_SZ, 4096) >= 4096);
        output_init(&out, fds[1], ESCAPE_NEVER, &stop);

        stop = SIGTERM; /* as the handler would */
        output_text(&out, big, sizeof(big));
        assert_int_equal(output_flush(&out), -1);
        assert_false(out.broken);
        /* Exactly what fitted got out, and we know how much. */
        assert_int_equal(out.written, 4096);
        assert_int_equal(output_batched(&out), 0);
        close(fds[0]);
        close(fds[1]);
        output_free(&out);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(controls_are_escaped),
                cmocka_unit_test(never_and_auto_off_a_terminal_keep_bytes),
                cmocka_unit_test(a_failed_write_is_reported),
                cmocka_unit_test(a_closed_reader_is_seen_without_writing),
                cmocka_unit_test(a_stopped_writer_gives_up_on_a_reader_that_does_not_read),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
