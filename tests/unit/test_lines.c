/* Unit tests of chat/lines: the bell limiter, the day line, mentions and
 * the bell by where a line comes from, your own lines, and who spoke last. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../chat/lines.h"

static int setup(void **state)
{
        (void)state;
        setenv("TZ", "Asia/Seoul", 1);
        return setlocale(LC_CTYPE, "C.UTF-8") ? 0 : -1;
}

static void one_bell_in_any_two_seconds(void **state)
{
        struct bell b = {0};

        (void)state;
        assert_true(bell_due(&b, 100000));
        assert_false(bell_due(&b, 100000)); /* a burst */
        assert_false(bell_due(&b, 100001));
        assert_false(bell_due(&b, 101999));
        assert_true(bell_due(&b, 102000)); /* two seconds after the last */
        assert_false(bell_due(&b, 103000));
        assert_true(bell_due(&b, 104500));
        /* The clock is monotonic, and may start anywhere, 0 included. */
        b = (struct bell){0};
        assert_true(bell_due(&b, 0));
        assert_false(bell_due(&b, 1999));
}

static void a_line_when_the_date_changes(void **state)
{
        struct day d = {""};
        char line[128];

        (void)state;
        /* The first message has nothing to follow. */
        assert_false(day_changed(&d, "2026-12-02 23:59:59.999999", line, sizeof(line)));
        assert_false(day_changed(&d, "2026-12-02 23:59:59.999999", line, sizeof(line)));
        assert_true(day_changed(&d, "2026-12-03 00:00:00", line, sizeof(line)));
        assert_string_equal(line, "──── 2026-12-03 (목) ────\n");
        assert_false(day_changed(&d, "2026-12-03 10:00:00.5", line, sizeof(line)));
        /* Back in time too (lines of another partition, a clock off). */
        assert_true(day_changed(&d, "2026-11-29 08:00:00", line, sizeof(line)));
        assert_string_equal(line, "──── 2026-11-29 (일) ────\n");
        /* Every weekday, and the calendar's corners. */
        {
                static const struct {
                        const char *when, *line;
                } days[] = {
                        {"2026-11-30 01:00:00", "──── 2026-11-30 (월) ────\n"},
                        {"2026-12-01 01:00:00", "──── 2026-12-01 (화) ────\n"},
                        {"2026-12-02 01:00:00", "──── 2026-12-02 (수) ────\n"},
                        {"2026-12-04 01:00:00", "──── 2026-12-04 (금) ────\n"},
                        {"2026-12-05 01:00:00", "──── 2026-12-05 (토) ────\n"},
                        {"2024-02-29 01:00:00", "──── 2024-02-29 (목) ────\n"},
                        {"2000-03-01 01:00:00", "──── 2000-03-01 (수) ────\n"},
                        {"1900-03-01 01:00:00", "──── 1900-03-01 (목) ────\n"},
                        {"0001-01-01 00:00:00", "──── 0001-01-01 (월) ────\n"},
                        {"9999-12-31 23:59:59", "──── 9999-12-31 (금) ────\n"},
                };

                for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
                        assert_true(day_changed(&d, days[i].when, line, sizeof(line)));
                        assert_string_equal(line, days[i].line);
                }
        }
        /* A time that could not be shown has no date: nothing changes. */
        assert_false(day_changed(&d, "?", line, sizeof(line)));
        assert_false(day_changed(&d, "9999-12-31 00:00:00", line, sizeof(line)));
}

/* A chat's lines into a file; what they wrote. */
struct fixture {
        struct output out;
        struct lines lines;
        FILE *fp;
};

static void open_lines(struct fixture *f, int colors, int bell)
{
        static const char *const highlights[] = {"deploy"};

        f->fp = tmpfile();
        assert_non_null(f->fp);
        output_init(&f->out, fileno(f->fp), ESCAPE_ALWAYS, NULL);
        f->out.colors = colors;
        assert_int_equal(lines_init(&f->lines, &f->out, "alice", highlights, 1, bell), 0);
}

static const char *written(struct fixture *f)
{
        static char text[4096];
        size_t n;

        assert_int_equal(output_flush(&f->out), 0);
        rewind(f->fp);
        n = fread(text, 1, sizeof(text) - 1, f->fp);
        text[n] = '\0';
        assert_int_equal(ftruncate(fileno(f->fp), 0), 0);
        rewind(f->fp);
        return text;
}

static void close_lines(struct fixture *f)
{
        lines_free(&f->lines);
        output_free(&f->out);
        fclose(f->fp);
}

static void say(struct fixture *f, const char *sender, const char *message, const char *when,
                enum line_kind kind)
{
        struct record rec = RECORD_INIT;

        rec.message     = message;
        rec.message_len = strlen(message);
        rec.sender      = sender;
        rec.sender_len  = sender ? strlen(sender) : 0;
        snprintf(rec.when, sizeof(rec.when), "%s", when);
        lines_record(&f->lines, &rec, kind);
}

static int bells(const char *text)
{
        int n = 0;

        for (; *text; text++)
                n += *text == '\a';
        return n;
}

static void mentions_ring_only_live(void **state)
{
        struct fixture f;
        const char *text;

        (void)state;
        open_lines(&f, 0, 1);
        say(&f, "bob", "hi ALICE", "2026-12-03 10:00:00", LINE_HISTORY);
        say(&f, "bob", "alice?", "2026-12-03 10:00:01", LINE_FOUND);
        assert_int_equal(bells(written(&f)), 0);
        /* A burst of mentions live: one bell. */
        say(&f, "bob", "alice!", "2026-12-03 10:00:02", LINE_LIVE);
        say(&f, "carol", "we deploy now", "2026-12-03 10:00:02", LINE_LIVE);
        say(&f, "bob", "alice!!", "2026-12-03 10:00:03", LINE_LIVE);
        text = written(&f);
        assert_int_equal(bells(text), 1);
        assert_non_null(strstr(text, "[bob] alice!\n\a"));
        /* Not a mention: your own words, nor a word inside another. */
        say(&f, "alice", "alice here", "2026-12-03 10:00:04", LINE_LIVE);
        say(&f, "bob", "malice", "2026-12-03 10:00:04", LINE_LIVE);
        assert_int_equal(bells(written(&f)), 0);
        close_lines(&f);

        open_lines(&f, 0, 0); /* --no-bell */
        say(&f, "bob", "alice!", "2026-12-03 10:00:02", LINE_LIVE);
        assert_string_equal(written(&f), "[2026-12-03 10:00:02][bob] alice!\n");
        close_lines(&f);
}

static void colours_own_lines_and_day_lines(void **state)
{
        struct fixture f;

        (void)state;
        open_lines(&f, 8, 1);
        say(&f, "bob", "hi", "2026-12-02 23:59:00", LINE_HISTORY);
        lines_own(&f.lines, "2026-12-03 00:00:01", "morning", 7, " ✓", 0);
        say(&f, "bob", "alice!", "2026-12-03 00:00:02", LINE_HISTORY);
        say(&f, NULL, "seed", "2026-12-03 00:00:03", LINE_HISTORY);
        assert_string_equal(written(&f),
                            "[2026-12-02 23:59:00][\x1b[34mbob\x1b[m] hi\n"
                            "\x1b[1m──── 2026-12-03 (목) ────\x1b[m\n"
                            "[2026-12-03 00:00:01][\x1b[1;31malice\x1b[m] morning"
                            "\x1b[32m ✓\x1b[m\n"
                            "[2026-12-03 00:00:02][\x1b[34mbob\x1b[m] \x1b[1m"
                            "\x1b[1;7malice\x1b[m\x1b[1m!\x1b[m\n"
                            "[2026-12-03 00:00:03][\x1b[4mFRIEND\x1b[m] seed\n");
        /* /last's lines stay out of the day's flow. */
        say(&f, "bob", "old", "2026-11-01 00:00:00", LINE_FOUND);
        say(&f, "bob", "new", "2026-12-03 00:00:04", LINE_LIVE);
        assert_null(strstr(written(&f), "────"));
        /* In another room, the first line starts afresh. */
        lines_new_room(&f.lines);
        say(&f, "bob", "elsewhere", "2026-12-04 00:00:00", LINE_HISTORY);
        assert_null(strstr(written(&f), "────"));
        close_lines(&f);
}

static void who_spoke_last_first(void **state)
{
        struct fixture f;
        char name[16];

        (void)state;
        open_lines(&f, 0, 1);
        say(&f, "bob", "1", "2026-12-03 00:00:00", LINE_HISTORY);
        say(&f, "carol", "2", "2026-12-03 00:00:00", LINE_LIVE);
        say(&f, "alice", "mine", "2026-12-03 00:00:00", LINE_LIVE); /* you are not offered */
        say(&f, NULL, "seed", "2026-12-03 00:00:00", LINE_LIVE);    /* FRIEND is no name */
        say(&f, "\x1b[31mred", "x", "2026-12-03 00:00:00", LINE_LIVE);
        say(&f, "dave", "x", "2026-12-03 00:00:00", LINE_FOUND);    /* /last's: not now */
        say(&f, "bob", "3", "2026-12-03 00:00:00", LINE_LIVE);
        assert_int_equal(f.lines.nrecent, 2);
        assert_string_equal(f.lines.recent[0], "bob");
        assert_string_equal(f.lines.recent[1], "carol");
        /* Bounded: the one who spoke longest ago goes. */
        for (int i = 0; i < LINES_RECENT + 5; i++) {
                snprintf(name, sizeof(name), "u%d", i);
                say(&f, name, "x", "2026-12-03 00:00:00", LINE_LIVE);
        }
        assert_int_equal(f.lines.nrecent, LINES_RECENT);
        snprintf(name, sizeof(name), "u%d", LINES_RECENT + 4);
        assert_string_equal(f.lines.recent[0], name);
        assert_string_equal(f.lines.recent[LINES_RECENT - 1], "u5");
        (void)written(&f);
        close_lines(&f);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(one_bell_in_any_two_seconds),
                cmocka_unit_test(a_line_when_the_date_changes),
                cmocka_unit_test(mentions_ring_only_live),
                cmocka_unit_test(colours_own_lines_and_day_lines),
                cmocka_unit_test(who_spoke_last_first),
        };

        return cmocka_run_group_tests(tests, setup, NULL);
}
