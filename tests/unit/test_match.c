/* Unit tests of chat/match: mentions (whole words, any case, Korean
 * particles) and /last's search in any case. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../chat/match.h"

static int setup(void **state)
{
        (void)state;
        /* What the chat runs in: a UTF-8 locale (tests: C.UTF-8). */
        return setlocale(LC_CTYPE, "C.UTF-8") ? 0 : -1;
}

/* The words of text that match, as "[word][word]". */
static const char *marked(const char *text, const char *const *words, size_t n)
{
        static char out[512];
        struct display_span spans[8];
        size_t found = match_words(text, strlen(text), words, n, spans, 8);

        out[0] = '\0';
        for (size_t i = 0; i < found; i++)
                snprintf(out + strlen(out), sizeof(out) - strlen(out), "[%.*s]",
                         (int)(spans[i].to - spans[i].from), text + spans[i].from);
        return out;
}

static void whole_words_in_any_case(void **state)
{
        const char *alice[] = {"alice"};

        (void)state;
        assert_string_equal(marked("alice", alice, 1), "[alice]");
        assert_string_equal(marked("hi Alice, ALICE? alice!", alice, 1), "[Alice][ALICE][alice]");
        assert_string_equal(marked("@alice: look", alice, 1), "[alice]");
        /* Parts of other words are not mentions. */
        assert_string_equal(marked("malice", alice, 1), "");
        assert_string_equal(marked("alices", alice, 1), "");
        assert_string_equal(marked("alice_b", alice, 1), "");
        assert_string_equal(marked("alice2", alice, 1), "");
        assert_string_equal(marked("", alice, 1), "");
        assert_string_equal(marked("nobody here", NULL, 0), "");
        /* Beyond ASCII, in any case. */
        assert_string_equal(marked("ÉMILE est là", (const char *[]){"émile"}, 1), "[ÉMILE]");
        assert_string_equal(marked("ПРИВЕТ, Мир", (const char *[]){"мир"}, 1), "[Мир]");
}

static void korean_text(void **state)
{
        const char *chulsoo[] = {"철수"};
        const char *alice[] = {"alice"};
        const char *minjun[] = {"민준"};

        (void)state;
        /* A Latin name in Korean text: the script changes at its ends. */
        assert_string_equal(marked("alice야 밥 먹자", alice, 1), "[alice]");
        assert_string_equal(marked("내일 alice님도 와?", alice, 1), "[alice]");
        /* A Korean name, with the particles Korean attaches to it. */
        assert_string_equal(marked("철수 안녕", chulsoo, 1), "[철수]");
        assert_string_equal(marked("철수야, 철수는 어디?", chulsoo, 1), "[철수][철수]");
        assert_string_equal(marked("철수님께 전해 줘", chulsoo, 1), "[철수]");
        assert_string_equal(marked("철수씨가 왔어", chulsoo, 1), "[철수]");
        assert_string_equal(marked("민준이가 그랬어; 민준이랑 가", minjun, 1), "[민준][민준]");
        assert_string_equal(marked("「철수」。", chulsoo, 1), "[철수]");
        /* Not another word that starts or ends with it. */
        assert_string_equal(marked("김철수", chulsoo, 1), "");
        assert_string_equal(marked("철수영", chulsoo, 1), "");
        assert_string_equal(marked("철수영이 왔다", chulsoo, 1), "");
        /* A word to highlight, Korean too. */
        assert_string_equal(marked("내일 회의는 10시", (const char *[]){"회의"}, 1), "[회의]");
        assert_string_equal(marked("회의실로 와", (const char *[]){"회의"}, 1), "");
}

static void several_words_longest_first_never_overlapping(void **state)
{
        const char *words[] = {"bob", "bob smith", "deploy"};
        struct display_span spans[2];

        (void)state;
        assert_string_equal(marked("bob smith: deploy now, bob", words, 3),
                            "[bob smith][deploy][bob]");
        /* Only as many as there is room for; the count says so. */
        assert_int_equal(match_words("bob bob bob", 11, words, 1, spans, 2), 2);
        /* Bytes that are not UTF-8 neither match nor stop the rest. */
        assert_string_equal(marked("\xff" "bob \xc3 bob", words, 1), "[bob][bob]");
}

static void contains_in_any_case(void **state)
{
        (void)state;
        assert_int_equal(match_contains("Deploy at NOON", 14, "noon"), 1);
        assert_int_equal(match_contains("Deploy at NOON", 14, "deployed"), 0);
        assert_int_equal(match_contains("내일 회의실에서", strlen("내일 회의실에서"), "회의"), 1);
        assert_int_equal(match_contains("ÀBC", strlen("ÀBC"), "àb"), 1);
        assert_int_equal(match_contains("", 0, "x"), 0);
        assert_int_equal(match_contains("x", 1, ""), 1);
        /* A NUL in a message is text like any other. */
        assert_int_equal(match_contains("a\0needle", 8, "needle"), 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(whole_words_in_any_case),
                cmocka_unit_test(korean_text),
                cmocka_unit_test(several_words_longest_first_never_overlapping),
                cmocka_unit_test(contains_in_any_case),
        };

        return cmocka_run_group_tests(tests, setup, NULL);
}
