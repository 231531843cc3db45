/* Unit tests of common/color: a name's colour from the name alone, a
 * palette that reads on dark and on light backgrounds, and when to use
 * colours at all. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../common/color.h"

static void the_hash_is_fnv_1a(void **state)
{
        (void)state;
        /* The published test values of FNV-1a, 32 bits. */
        assert_int_equal(color_hash("", 0), 0x811c9dc5);
        assert_int_equal(color_hash("a", 1), 0xe40c292c);
        assert_int_equal(color_hash("foobar", 6), 0xbf9cf968);
        /* Bytes, whatever they encode; the length counts, not a NUL. */
        assert_int_equal(color_hash("철수", strlen("철수")), 0xcaa7e4cf);
        assert_int_not_equal(color_hash("a\0b", 3), color_hash("a", 1));
}

/* What every window shows, in every run (the README's example and the
 * end-to-end tests rely on these). */
static void a_name_has_one_colour(void **state)
{
        (void)state;
        assert_int_equal(color_of_name("alice", 5)->xterm, 161);
        assert_int_equal(color_of_name("bob", 3)->xterm, 98);
        assert_int_equal(color_of_name("carol", 5)->xterm, 100);
        assert_int_equal(color_of_name("bob", 3)->basic, 34);
        assert_ptr_equal(color_of_name("bob", 3), color_of_name("bob", 3));
}

static void names_spread_over_the_palette(void **state)
{
        unsigned used[COLOR_PALETTE_SIZE] = {0};
        char name[16];

        (void)state;
        for (int i = 0; i < 1200; i++) {
                int n = snprintf(name, sizeof(name), "user%d", i);

                used[color_of_name(name, (size_t)n) - color_palette]++;
        }
        for (int c = 0; c < COLOR_PALETTE_SIZE; c++)
                assert_true(used[c] > 60 && used[c] < 140); /* 100 each, give or take */
}

/* xterm's 256 colours: 16-231 a 6x6x6 cube, 232-255 greys. */
static void xterm_rgb(unsigned n, double rgb[3])
{
        static const int level[] = {0, 95, 135, 175, 215, 255};

        if (n >= 232) {
                rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (n - 232);
                return;
        }
        n -= 16;
        rgb[0] = level[n / 36];
        rgb[1] = level[(n / 6) % 6];
        rgb[2] = level[n % 6];
}

/* WCAG's relative luminance. */
static double luminance(unsigned n)
{
        double rgb[3], l[3];

        xterm_rgb(n, rgb);
        for (int i = 0; i < 3; i++) {
                double v = rgb[i] / 255;

                l[i] = v <= 0.03928 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
        }
        return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
}

static void the_palette_reads_on_dark_and_on_light(void **state)
{
        (void)state;
        for (int c = 0; c < COLOR_PALETTE_SIZE; c++) {
                unsigned n = color_palette[c].xterm;
                double l = luminance(n);

                /* WCAG's contrast ratio against black and against white;
                 * 3 is its bar for large text, we ask a little more. */
                assert_true(n >= 16 && n < 232);
                assert_true((l + 0.05) / 0.05 >= 3.5);
                assert_true(1.05 / (l + 0.05) >= 3.5);
                assert_true(color_palette[c].basic >= 31 && color_palette[c].basic <= 36);
                for (int d = 0; d < c; d++)
                        assert_int_not_equal(color_palette[d].xterm, n);
        }
        /* The notices' grey and the marks' green and red too. */
        assert_true((luminance(244) + 0.05) / 0.05 >= 3.5 && 1.05 / (luminance(244) + 0.05) >= 3.5);
        assert_true(1.05 / (luminance(28) + 0.05) >= 3.5 && 1.05 / (luminance(160) + 0.05) >= 3.5);
}

static void when_to_use_colours(void **state)
{
        (void)state;
        /* auto: a terminal whose TERM has colours, and no NO_COLOR. */
        assert_int_equal(color_choose(COLOR_AUTO, 1, NULL, 8), 8);
        assert_int_equal(color_choose(COLOR_AUTO, 1, NULL, 256), 256);
        assert_int_equal(color_choose(COLOR_AUTO, 1, NULL, 16777216), 256);
        assert_int_equal(color_choose(COLOR_AUTO, 0, NULL, 256), 0);  /* a pipe, a file */
        assert_int_equal(color_choose(COLOR_AUTO, 1, NULL, -1), 0);   /* TERM unknown */
        assert_int_equal(color_choose(COLOR_AUTO, 1, NULL, 2), 0);    /* monochrome */
        assert_int_equal(color_choose(COLOR_AUTO, 1, "1", 256), 0);   /* NO_COLOR */
        assert_int_equal(color_choose(COLOR_AUTO, 1, "", 256), 256);  /* set but empty */
        /* The command line wins over the environment. */
        assert_int_equal(color_choose(COLOR_ALWAYS, 0, "1", -1), 8);
        assert_int_equal(color_choose(COLOR_ALWAYS, 0, NULL, 256), 256);
        assert_int_equal(color_choose(COLOR_NEVER, 1, NULL, 256), 0);
}

static void terminfo_says_what_term_has(void **state)
{
        (void)state;
        setenv("TERM", "xterm", 1);
        assert_int_equal(color_terminal(1), 8);
        setenv("TERM", "xterm-256color", 1);
        assert_int_equal(color_terminal(1), 256);
        setenv("TERM", "vt100", 1);
        assert_true(color_terminal(1) < 8);
        setenv("TERM", "dumb", 1);
        assert_true(color_terminal(1) < 8);
        setenv("TERM", "no-such-terminal", 1);
        assert_int_equal(color_terminal(1), -1);
        unsetenv("TERM");
        assert_int_equal(color_terminal(1), -1);
        /* Into a file, auto never colours; always does. */
        setenv("TERM", "xterm-256color", 1);
        {
                FILE *fp = tmpfile();

                assert_non_null(fp);
                assert_int_equal(color_decide(COLOR_AUTO, fileno(fp)), 0);
                assert_int_equal(color_decide(COLOR_ALWAYS, fileno(fp)), 256);
                fclose(fp);
        }
}

static void sequences(void **state)
{
        char buf[COLOR_SGR_MAX];

        (void)state;
        assert_string_equal(color_name_sgr("bob", 3, 0, 256, buf), "\x1b[38;5;98m");
        assert_string_equal(color_name_sgr("bob", 3, 1, 256, buf), "\x1b[1;38;5;98m");
        assert_string_equal(color_name_sgr("bob", 3, 0, 8, buf), "\x1b[34m");
        assert_string_equal(color_style_sgr(STYLE_NOTICE, 256, buf), "\x1b[38;5;244m");
        assert_string_equal(color_style_sgr(STYLE_NOTICE, 8, buf), "\x1b[1m");
        assert_string_equal(color_style_sgr(STYLE_FRIEND, 8, buf), "\x1b[4m");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(the_hash_is_fnv_1a),
                cmocka_unit_test(a_name_has_one_colour),
                cmocka_unit_test(names_spread_over_the_palette),
                cmocka_unit_test(the_palette_reads_on_dark_and_on_light),
                cmocka_unit_test(when_to_use_colours),
                cmocka_unit_test(terminfo_says_what_term_has),
                cmocka_unit_test(sequences),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
