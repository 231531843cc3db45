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

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(a_line_names_its_sender_or_friend),
                cmocka_unit_test(an_exit_record_ends_the_seed_consumer),
                cmocka_unit_test(an_exit_record_is_someone_leaving_the_chat),
                cmocka_unit_test(names_and_messages_are_escaped_on_a_terminal),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
