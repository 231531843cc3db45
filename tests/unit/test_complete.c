/* Unit tests of chat/complete: what Tab offers where, in what order, and
 * what follows a single candidate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../chat/complete.h"

#define MAX 64

static const char *const recent[] = {"bobby", "carol", "alice", "Bo"};
static const char *const present[] = {"alice", "bob", "carol", "dave"};
static const char *const rooms[] = {"kitchen", "lobby", "lounge"};

static struct complete_sources sources(void)
{
        struct complete_sources src = {
                .recent   = recent,
                .nrecent  = 4,
                .present  = present,
                .npresent = 4,
                .rooms    = rooms,
                .nrooms   = 3,
                .visited  = {"chat", "lobby"},
                .me       = "alice",
        };

        src.commands = commands_table(&src.ncommands);
        return src;
}

/* The candidates for the word that ends at the end of line and starts at
 * start, as "a b c". */
static const char *offered(const char *line, size_t start)
{
        static char text[1024];
        const struct complete_sources src = sources();
        const char *out[MAX];
        size_t n = complete_candidates(&src, line, start, strlen(line), out, MAX);

        text[0] = '\0';
        for (size_t i = 0; i < n; i++)
                snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s%s", i ? " " : "",
                         out[i]);
        return text;
}

static void commands_at_the_start_of_a_line(void **state)
{
        size_t n;
        const struct command *table = commands_table(&n);
        char all[512] = "";

        (void)state;
        assert_string_equal(offered("/jo", 0), "/join");
        assert_string_equal(offered("/w", 0), "/who");
        assert_string_equal(offered("/p", 0), "/part");
        assert_string_equal(offered("/x", 0), "");
        /* Every command of the table, in its order. */
        for (size_t i = 0; i < n; i++)
                snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s", i ? " " : "",
                         table[i].name);
        assert_string_equal(offered("/", 0), all);
        assert_non_null(strstr(all, "/last"));
        assert_int_equal(complete_kind_at("/jo", 0), COMPLETE_COMMAND);
        assert_string_equal(complete_suffix(COMPLETE_COMMAND, 0), " ");
}

static void rooms_after_join(void **state)
{
        (void)state;
        /* Where you are and were first, then the rooms last listed. */
        assert_string_equal(offered("/join l", 6), "lobby lounge");
        assert_string_equal(offered("/join ", 6), "chat lobby kitchen lounge");
        assert_string_equal(offered("/join   k", 8), "kitchen");
        assert_int_equal(complete_kind_at("/join   k", 8), COMPLETE_ROOM);
        /* Only the first word after /join; not after other commands. */
        assert_int_equal(complete_kind_at("/join lobby x", 12), COMPLETE_NAME);
        assert_int_equal(complete_kind_at("/joinx l", 7), COMPLETE_NAME);
        assert_int_equal(complete_kind_at("/me l", 4), COMPLETE_NAME);
        assert_string_equal(complete_suffix(COMPLETE_ROOM, 6), "");
}

static void names_latest_speaker_first_you_aside(void **state)
{
        (void)state;
        /* Who spoke, most recent first, then who is here; yourself never;
         * each once; ASCII letters in any case. */
        assert_string_equal(offered("", 0), "bobby carol Bo bob dave");
        assert_string_equal(offered("b", 0), "bobby Bo bob");
        assert_string_equal(offered("BO", 0), "bobby Bo bob");
        assert_string_equal(offered("a", 0), "");
        assert_string_equal(offered("hi d", 3), "dave");
        assert_string_equal(offered("/me waves at c", 13), "carol");
        assert_string_equal(offered("//c", 2), "carol"); /* "//": a line, not a command */
        /* ": " after a name at the start of a line, a space elsewhere. */
        assert_string_equal(complete_suffix(COMPLETE_NAME, 0), ": ");
        assert_string_equal(complete_suffix(COMPLETE_NAME, 3), " ");
}

static void at_most_max(void **state)
{
        const struct complete_sources src = sources();
        const char *out[2];

        (void)state;
        assert_int_equal(complete_candidates(&src, "", 0, 0, out, 2), 2);
        assert_string_equal(out[0], "bobby");
        assert_string_equal(out[1], "carol");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(commands_at_the_start_of_a_line),
                cmocka_unit_test(rooms_after_join),
                cmocka_unit_test(names_latest_speaker_first_you_aside),
                cmocka_unit_test(at_most_max),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
