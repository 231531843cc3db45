/* Unit tests of common/display: a decoded record as each program shows it,
 * the seed's lines to the byte, and other people's text escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../common/display.h"

/* What display_record() writes for the record value, on a terminal
 * (escaping) or not. */
static char *shown(const char *value, enum display_style style, enum escape_mode mode)
{
        static char result[1024];
        struct record rec = RECORD_INIT;
        struct output out;
        FILE *fp = tmpfile();
        size_t n;

        assert_non_null(fp);
        setenv("TZ", "UTC", 1);
        assert_int_not_equal(record_decode(&rec, value, strlen(value)), RECORD_BAD);
        output_init(&out, fileno(fp), mode, NULL);
        display_record(&out, &rec, style);
        assert_int_equal(output_flush(&out), 0);
        output_free(&out);
        record_free(&rec);
        rewind(fp);
        n = fread(result, 1, sizeof(result) - 1, fp);
        result[n] = '\0';
        fclose(fp);
        return result;
}

static void a_line_names_its_sender_or_friend(void **state)
{
        (void)state;
        assert_string_equal(shown("{\"message\": \"\\uc548\\ub155\", \"time\": 1700000000.5}",
                                  DISPLAY_SEED, ESCAPE_NEVER),
                            "[2023-11-14 22:13:20.500000][FRIEND] 안녕\n");
        assert_string_equal(shown("{\"message\": \"hi\", \"time\": 1700000000.0, "
                                  "\"sender\": \"bob\"}",
                                  DISPLAY_CHAT, ESCAPE_NEVER),
                            "[2023-11-14 22:13:20][bob] hi\n");
}

static void an_exit_record_ends_the_seed_consumer(void **state)
{
        (void)state;
        assert_string_equal(shown("{\"message\": \"EXIT\", \"time\": 1700000000.25}",
                                  DISPLAY_SEED, ESCAPE_NEVER),
                            "[2023-11-14 22:13:20.250000] 발신자가 프로그램을 종료하였습니다.\n"
                            "[2023-11-14 22:13:20.250000] 수신 프로그램을 종료합니다.\n");
}

static void an_exit_record_is_someone_leaving_the_chat(void **state)
{
        (void)state;
        assert_string_equal(shown("{\"message\": \"exit\", \"time\": 1700000000.0, "
                                  "\"sender\": \"carol\"}",
                                  DISPLAY_CHAT, ESCAPE_NEVER),
                            "[2023-11-14 22:13:20] carol 님이 나갔습니다.\n");
        assert_string_equal(shown("{\"message\": \"exit\", \"time\": 1700000000.0}",
                                  DISPLAY_CHAT, ESCAPE_NEVER),
                            "[2023-11-14 22:13:20] FRIEND 님이 나갔습니다.\n");
}

static void names_and_messages_are_escaped_on_a_terminal(void **state)
{
        (void)state;
        assert_string_equal(shown("{\"message\": \"\\u001b[2Jx\", \"time\": 1700000000.0, "
                                  "\"sender\": \"\\u001b[31mred\"}",
                                  DISPLAY_CHAT, ESCAPE_ALWAYS),
                            "[2023-11-14 22:13:20][\\x1b[31mred] \\x1b[2Jx\n");
        assert_string_equal(shown("{\"message\": \"exit\", \"time\": 1700000000.0, "
                                  "\"sender\": \"\\u202eevil\"}",
                                  DISPLAY_CHAT, ESCAPE_ALWAYS),
                            "[2023-11-14 22:13:20] \\u202eevil 님이 나갔습니다.\n");
}

/* What display_record_look() writes for the record value in colours. */
static char *in_color(const char *value, int colors, const struct display_look *look)
{
        static char result[1024];
        struct record rec = RECORD_INIT;
        struct output out;
        FILE *fp = tmpfile();
        size_t n;

        assert_non_null(fp);
        setenv("TZ", "UTC", 1);
        assert_int_not_equal(record_decode(&rec, value, strlen(value)), RECORD_BAD);
        output_init(&out, fileno(fp), ESCAPE_ALWAYS, NULL);
        out.colors = colors;
        display_record_look(&out, &rec, DISPLAY_CHAT, look);
        assert_int_equal(output_flush(&out), 0);
        output_free(&out);
        record_free(&rec);
        rewind(fp);
        n = fread(result, 1, sizeof(result) - 1, fp);
        result[n] = '\0';
        fclose(fp);
        return result;
}

static void names_in_their_colours_friend_underlined(void **state)
{
        const char *bob = "{\"message\": \"hi\", \"time\": 1700000000.0, \"sender\": \"bob\"}";
        const char *seed = "{\"message\": \"hi\", \"time\": 1700000000.0}";
        const struct display_look own = {.own = 1};

        (void)state;
        assert_string_equal(in_color(bob, 256, NULL),
                            "[2023-11-14 22:13:20][\x1b[38;5;98mbob\x1b[m] hi\n");
        assert_string_equal(in_color(bob, 8, NULL),
                            "[2023-11-14 22:13:20][\x1b[34mbob\x1b[m] hi\n");
        assert_string_equal(in_color(bob, 8, &own),
                            "[2023-11-14 22:13:20][\x1b[1;34mbob\x1b[m] hi\n");
        assert_string_equal(in_color(seed, 256, NULL),
                            "[2023-11-14 22:13:20][\x1b[4mFRIEND\x1b[m] hi\n");
        /* No colours: not one escape sequence, a look or not. */
        assert_string_equal(in_color(bob, 0, &own), "[2023-11-14 22:13:20][bob] hi\n");
        /* A name cannot pick another colour by escaping: it is escaped
         * inside ours. */
        assert_string_equal(in_color("{\"message\": \"x\", \"time\": 1700000000.0, "
                                     "\"sender\": \"\\u001b[31mred\"}", 8, NULL),
                            "[2023-11-14 22:13:20][\x1b[36m\\x1b[31mred\x1b[m] x\n");
}

static void a_mention_in_bold_its_words_reversed(void **state)
{
        const char *value = "{\"message\": \"hi alice, ALICE?\", \"time\": 1700000000.0, "
                            "\"sender\": \"bob\"}";
        const struct display_span marks[] = {{3, 8}, {10, 15}};
        const struct display_look look = {.marks = marks, .nmarks = 2};

        (void)state;
        assert_string_equal(in_color(value, 8, &look),
                            "[2023-11-14 22:13:20][\x1b[34mbob\x1b[m] \x1b[1mhi \x1b[1;7malice"
                            "\x1b[m\x1b[1m, \x1b[1;7mALICE\x1b[m\x1b[1m?\x1b[m\n");
        assert_string_equal(in_color(value, 0, &look),
                            "[2023-11-14 22:13:20][bob] hi alice, ALICE?\n");
}

static void delivery_marks_in_green_and_red(void **state)
{
        const struct display_look ok = {.own = 1}, failed = {.own = 1, .failed = 1};
        char text[256];
        struct output out;
        FILE *fp = tmpfile();
        size_t n;

        (void)state;
        assert_non_null(fp);
        output_init(&out, fileno(fp), ESCAPE_ALWAYS, NULL);
        out.colors = 256;
        display_message(&out, "t", "al", 2, "x", 1, " ✓", &ok);
        display_message(&out, "t", "al", 2, "y", 1, " ✗", &failed);
        assert_int_equal(output_flush(&out), 0);
        output_free(&out);
        rewind(fp);
        n = fread(text, 1, sizeof(text) - 1, fp);
        text[n] = '\0';
        fclose(fp);
        assert_non_null(strstr(text, "] x\x1b[38;5;28m ✓\x1b[m\n"));
        assert_non_null(strstr(text, "] y\x1b[38;5;160m ✗\x1b[m\n"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(a_line_names_its_sender_or_friend),
                cmocka_unit_test(an_exit_record_ends_the_seed_consumer),
                cmocka_unit_test(an_exit_record_is_someone_leaving_the_chat),
                cmocka_unit_test(names_and_messages_are_escaped_on_a_terminal),
                cmocka_unit_test(names_in_their_colours_friend_underlined),
                cmocka_unit_test(a_mention_in_bold_its_words_reversed),
                cmocka_unit_test(delivery_marks_in_green_and_red),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
