/* Unit tests of common/pytime against CPython's
 * str(datetime.fromtimestamp(t)) in several time zones, from tests/vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../../common/pytime.h"
#include "vectors.h"

static void set_tz(const char *tz)
{
        assert_int_equal(setenv("TZ", tz, 1), 0);
        tzset();
}

static void timestamps_match_datetime(void **state)
{
        struct vectors v;
        char zone[64] = "";
        unsigned long n = 0, errors = 0;

        (void)state;
        vectors_open(&v, "timestamps.tsv");
        while (vectors_next(&v)) {
                char out[PYTIME_TEXT_MAX];
                double t;
                int len;

                if (strcmp(zone, v.field[0]) != 0) {
                        snprintf(zone, sizeof(zone), "%s", v.field[0]);
                        set_tz(zone);
                }
                t = strncmp(v.field[1], "int:", 4) == 0 ? strtod(v.field[1] + 4, NULL)
                                                        : vectors_double(v.field[1]);
                len = pytime_format(t, out);
                if (len < 0)
                        snprintf(out, sizeof(out), "ERROR");
                if (strcmp(out, v.field[2]) != 0)
                        fail_msg("timestamps.tsv:%lu: TZ=%s %s: got %s, Python %s",
                                 v.lineno, zone, v.field[1], out, v.field[2]);
                errors += len < 0;
                n++;
        }
        vectors_close(&v);
        assert_true(n > 5000);
        assert_true(errors > 50); /* the out-of-range cases are there */
}

static void now_is_wall_clock(void **state)
{
        double before = (double)time(NULL);
        double now    = pytime_now();

        (void)state;
        assert_true(now >= before && now < before + 2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(timestamps_match_datetime),
                cmocka_unit_test(now_is_wall_clock),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
