/* Unit tests of common/linereader: lines, CRLF, a last line without a
 * newline, and too-long lines skipped in bounded memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../common/linereader.h"

/* A reader over a pipe holding `data`. */
static void open_reader(struct linereader *lr, const char *data, size_t len,
                        size_t max_line)
{
        int fds[2];

        assert_int_equal(pipe(fds), 0);
        assert_int_equal(write(fds[1], data, len), (ssize_t)len);
        close(fds[1]);
        assert_int_equal(linereader_init(lr, fds[0], max_line), 0);
}

static void close_reader(struct linereader *lr)
{
        close(lr->fd);
        linereader_free(lr);
}

static void expect_line(struct linereader *lr, const char *text)
{
        const char *line;
        size_t len;

        assert_int_equal(linereader_next(lr, 1000, &line, &len), LINE_OK);
        assert_int_equal(len, strlen(text));
        assert_memory_equal(line, text, len);
}

static void lines_crlf_and_last_line(void **state)
{
        struct linereader lr;
        const char *line;
        size_t len;
        static const char data[] = "one\ntwo\r\n\nthree\rx\nlast";

        (void)state;
        open_reader(&lr, data, sizeof(data) - 1, 100);
        expect_line(&lr, "one");
        expect_line(&lr, "two");
        expect_line(&lr, "");
        expect_line(&lr, "three\rx");
        expect_line(&lr, "last");
        assert_int_equal(lr.lineno, 5);
        assert_int_equal(linereader_next(&lr, 1000, &line, &len), LINE_EOF);
        close_reader(&lr);
}

static void nul_bytes_are_kept(void **state)
{
        struct linereader lr;
        const char *line;
        size_t len;

        (void)state;
        open_reader(&lr, "a\0b\n", 4, 100);
        assert_int_equal(linereader_next(&lr, 1000, &line, &len), LINE_OK);
        assert_int_equal(len, 3);
        assert_memory_equal(line, "a\0b", 3);
        close_reader(&lr);
}

static void long_lines_are_skipped_and_measured(void **state)
{
        struct linereader lr;
        const char *line;
        size_t len;
        int fds[2];
        static char big[300000];

        (void)state;
        memset(big, 'x', sizeof(big));
        assert_int_equal(pipe(fds), 0);
        /* A writer child: the pipe holds less than the whole input. */
        if (fork() == 0) {
                close(fds[0]);
                (void)!write(fds[1], "short\n", 6);
                for (int i = 0; i < 10; i++)
                        (void)!write(fds[1], big, sizeof(big));
                (void)!write(fds[1], "\nafter\n", 7);
                (void)!write(fds[1], big, 1001);
                _exit(0);
        }
        close(fds[1]);
        assert_int_equal(linereader_init(&lr, fds[0], 1000), 0);

        expect_line(&lr, "short");
        assert_int_equal(linereader_next(&lr, 5000, &line, &len), LINE_TOO_LONG);
        assert_int_equal(len, 10 * sizeof(big));
        assert_int_equal(lr.lineno, 2);
        /* Memory stayed near the limit, not the line. */
        assert_true(lr.cap < 1000 + 128 * 1024);
        expect_line(&lr, "after");
        assert_int_equal(linereader_next(&lr, 5000, &line, &len), LINE_TOO_LONG);
        assert_int_equal(len, 1001);
        assert_int_equal(linereader_next(&lr, 5000, &line, &len), LINE_EOF);
        close_reader(&lr);
}

static void waiting_returns_after_the_timeout(void **state)
{
        struct linereader lr;
        const char *line;
        size_t len;
        int fds[2];

        (void)state;
        assert_int_equal(pipe(fds), 0);
        assert_int_equal(linereader_init(&lr, fds[0], 100), 0);
        assert_int_equal(linereader_next(&lr, 10, &line, &len), LINE_WAIT);
        assert_int_equal(write(fds[1], "late\n", 5), 5);
        expect_line(&lr, "late");
        close(fds[1]);
        close_reader(&lr);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(lines_crlf_and_last_line),
                cmocka_unit_test(nul_bytes_are_kept),
                cmocka_unit_test(long_lines_are_skipped_and_measured),
                cmocka_unit_test(waiting_returns_after_the_timeout),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
