/* Unit tests of chat/history: what a room shows on entering it, without a
 * terminal or a broker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../chat/history.h"

/* Items are numbers; dropping one counts it. */
static int dropped;

static void drop(void *item)
{
        (void)item;
        dropped++;
}

static struct history_entry entry(double time, int32_t partition, int64_t offset)
{
        return (struct history_entry){time, partition, offset, (void *)(intptr_t)(offset + 1)};
}

static void a_first_visit_starts_at_the_end(void **state)
{
        struct history_range r;

        (void)state;
        history_range(-1001 /* RD_KAFKA_OFFSET_INVALID */, 0, 50, 10, 1000, &r);
        assert_int_equal(r.mark, 50);
        assert_int_equal(r.from, 40);
        assert_int_equal(r.fresh_from, 50);
        assert_int_equal(r.end, 50);
        history_range(-1001, 45, 50, 10, 1000, &r); /* retention took the rest */
        assert_int_equal(r.from, 45);
}

static void a_return_visit_splits_at_the_place(void **state)
{
        struct history_range r;

        (void)state;
        history_range(30, 0, 50, 10, 1000, &r);
        assert_int_equal(r.from, 20);
        assert_int_equal(r.mark, 30);
        assert_int_equal(r.fresh_from, 30);
        /* More new than shown: only the last ones are read. */
        history_range(30, 0, 5000, 10, 1000, &r);
        assert_int_equal(r.mark, 30);
        assert_int_equal(r.fresh_from, 4000);
        assert_int_equal(r.end, 5000);
        /* A place past the end (the topic was made anew): the end. */
        history_range(80, 0, 50, 10, 1000, &r);
        assert_int_equal(r.mark, 50);
        assert_int_equal(r.fresh_from, 50);
        /* No history asked for. */
        history_range(30, 0, 50, 0, 1000, &r);
        assert_int_equal(r.from, 30);
}

static void lines_come_in_time_order_and_ties_in_topic_order(void **state)
{
        struct history h;
        const struct history_entry in[] = {
                entry(5.0, 1, 7), entry(1.0, 0, 3), entry(5.0, 0, 9), entry(5.0, 0, 4),
                entry(3.0, 2, 0), entry(5.0, 1, 2),
        };
        const int64_t want[] = {3, 0, 4, 9, 2, 7};

        (void)state;
        history_init(&h, 0, 100, drop);
        for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
                assert_int_equal(history_add(&h, &in[i], 1), 0);
        history_sort(&h);
        assert_int_equal(h.fresh.count, 6);
        for (size_t i = 0; i < 6; i++)
                assert_int_equal(h.fresh.entries[i].offset, want[i]);
        dropped = 0;
        history_free(&h);
        assert_int_equal(dropped, 6);
}

static void the_latest_are_kept_and_the_rest_counted(void **state)
{
        struct history h;
        char text[256];

        (void)state;
        dropped = 0;
        history_init(&h, 2, 3, drop);
        /* New lines, not in time order; the three latest stay. */
        for (int i = 0; i < 10; i++) {
                struct history_entry e = entry((double)((i * 7) % 10), 0, i);

                assert_int_equal(history_add(&h, &e, 1), 0);
        }
        /* Old lines: two of four stay, none counted as skipped. */
        for (int i = 0; i < 4; i++) {
                struct history_entry e = entry((double)i, 1, i);

                assert_int_equal(history_add(&h, &e, 0), 0);
        }
        history_skip(&h, 100); /* never read */
        history_sort(&h);
        assert_int_equal(dropped, 7 + 2);
        assert_int_equal(h.fresh.count, 3);
        assert_true(h.fresh.entries[0].time == 7.0 && h.fresh.entries[2].time == 9.0);
        assert_int_equal(h.old.count, 2);
        assert_true(h.old.entries[0].time == 2.0 && h.old.entries[1].time == 3.0);
        assert_int_equal(h.skipped, 107);

        history_separator(&h, 1, text, sizeof(text));
        assert_string_equal(text, "──── 지난 방문 이후 새 메시지 110개 ────\n(앞의 107개는 생략)\n");
        history_separator(&h, 0, text, sizeof(text));
        assert_string_equal(text, "──── 여기부터 새 메시지 ────\n(앞의 107개는 생략)\n");
        history_free(&h);
        assert_int_equal(dropped, 7 + 2 + 5);
}

static void no_history_keeps_no_old_lines(void **state)
{
        struct history h;
        struct history_entry e = entry(1.0, 0, 0);
        char text[256];

        (void)state;
        dropped = 0;
        history_init(&h, 0, 10, drop);
        assert_int_equal(history_add(&h, &e, 0), 0);
        assert_int_equal(dropped, 1);
        assert_int_equal(h.old.count, 0);
        history_sort(&h);
        history_separator(&h, 1, text, sizeof(text));
        assert_string_equal(text, "──── 지난 방문 이후 새 메시지 0개 ────\n");
        history_free(&h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(a_first_visit_starts_at_the_end),
                cmocka_unit_test(a_return_visit_splits_at_the_place),
                cmocka_unit_test(lines_come_in_time_order_and_ties_in_topic_order),
                cmocka_unit_test(the_latest_are_kept_and_the_rest_counted),
                cmocka_unit_test(no_history_keeps_no_old_lines),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
