/* Unit tests of chat/commands: one sorted table, from which the dispatch,
 * /help and --help come. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../chat/chat.h"
#include "../../chat/commands.h"

static void the_table_is_sorted_and_complete(void **state)
{
        size_t n;
        const struct command *table = commands_table(&n);

        (void)state;
        assert_true(n >= 7);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(table[i].name[0], '/');
                assert_non_null(table[i].run);
                assert_true(*table[i].help && *table[i].about);
                if (i)
                        assert_true(strcmp(table[i - 1].name, table[i].name) < 0);
        }
}

static void a_line_names_its_command(void **state)
{
        const char *arg;
        const struct command *cmd;

        (void)state;
        cmd = commands_find("/join lobby", &arg);
        assert_non_null(cmd);
        assert_string_equal(cmd->name, "/join");
        assert_string_equal(arg, "lobby");
        cmd = commands_find("/join    far away", &arg);
        assert_string_equal(cmd->name, "/join");
        assert_string_equal(arg, "far away");
        cmd = commands_find("/join", &arg);
        assert_string_equal(cmd->name, "/join");
        assert_string_equal(arg, "");
        assert_string_equal(commands_find("/who", &arg)->name, "/who");
        assert_string_equal(commands_find("/help me", &arg)->name, "/help");
        /* Only whole names: no prefixes, nothing longer, nothing else. */
        assert_null(commands_find("/jo", &arg));
        assert_null(commands_find("/joinx", &arg));
        assert_null(commands_find("/", &arg));
        assert_null(commands_find("/a", &arg));
        assert_null(commands_find("/zzz", &arg));
        assert_null(commands_find("/JOIN", &arg));
}

/* What commands_usage() writes. */
static char *usage(void)
{
        static char text[4096];
        FILE *fp = tmpfile();
        size_t n;

        assert_non_null(fp);
        commands_usage(fp);
        rewind(fp);
        n = fread(text, 1, sizeof(text) - 1, fp);
        text[n] = '\0';
        fclose(fp);
        return text;
}

static void help_lists_every_command(void **state)
{
        size_t n;
        const struct command *table = commands_table(&n);
        char *text = usage();

        (void)state;
        for (size_t i = 0; i < n; i++) {
                char synopsis[64];

                snprintf(synopsis, sizeof(synopsis), "  %s%s%s ", table[i].name,
                         table[i].arg ? " " : "", table[i].arg ? table[i].arg : "");
                assert_non_null(strstr(text, synopsis));
                assert_non_null(strstr(text, table[i].about));
        }
        assert_non_null(strstr(text, "//TEXT"));
}

/* Runs a typed command in a chat with no room and no Kafka, its screen
 * into a pipe; returns what it showed. */
static char *shown_after(const char *line)
{
        static char text[8192];
        struct chat c;
        int fds[2];
        ssize_t n;

        memset(&c, 0, sizeof(c));
        c.name = "alice";
        screen_init(&c.screen);
        assert_int_equal(pipe(fds), 0);
        c.screen.out.fd = fds[1];
        commands_run(&c, line);
        close(fds[1]);
        n = read(fds[0], text, sizeof(text) - 1);
        assert_true(n >= 0);
        text[n] = '\0';
        close(fds[0]);
        screen_free(&c.screen);
        return text;
}

static void the_chat_help_and_mistakes(void **state)
{
        size_t n;
        const struct command *table = commands_table(&n);
        char *text = shown_after("/help");

        (void)state;
        assert_true(strncmp(text, "-!- 명령:\n", strlen("-!- 명령:\n")) == 0);
        for (size_t i = 0; i < n; i++) {
                assert_non_null(strstr(text, table[i].name));
                assert_non_null(strstr(text, table[i].help));
        }
        assert_string_equal(shown_after("/frobnicate now"),
                            "-!- 알 수 없는 명령입니다: /frobnicate (/help); 아무것도 보내지 않았습니다.\n");
        assert_string_equal(shown_after("/join"), "-!- 사용법: /join ROOM\n");
        assert_string_equal(shown_after("/me"), "-!- 사용법: /me TEXT\n");
        assert_string_equal(shown_after("/last"), "-!- 사용법: /last TEXT\n");
        assert_string_equal(shown_after("/last -n 10"), "-!- 사용법: /last [-n N] TEXT\n");
        assert_string_equal(shown_after("/last -n 0 x"),
                            "-!- 사용법: /last [-n N] TEXT (N: 1-100000)\n");
        assert_string_equal(shown_after("/last -n 100001 x"),
                            "-!- 사용법: /last [-n N] TEXT (N: 1-100000)\n");
        assert_string_equal(shown_after("/last -n ten x"),
                            "-!- 사용법: /last [-n N] TEXT (N: 1-100000)\n");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(the_table_is_sorted_and_complete),
                cmocka_unit_test(a_line_names_its_command),
                cmocka_unit_test(help_lists_every_command),
                cmocka_unit_test(the_chat_help_and_mistakes),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
