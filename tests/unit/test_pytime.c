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

/* Checks every case of v against the text CPython printed; returns how
 * many there were, and in *errors how many our formatter refused (years
 * Python refuses too). */
static unsigned long check_timestamps(struct vectors *v, const char *file, unsigned long *errors)
{
        char zone[64] = "";
        unsigned long n = 0;

        *errors = 0;
        while (vectors_next(v)) {
                char out[PYTIME_TEXT_MAX];
                double t;
                int len;

                if (strcmp(zone, v->field[0]) != 0) {
                        snprintf(zone, sizeof(zone), "%s", v->field[0]);
                        set_tz(zone);
                }
                t = strncmp(v->field[1], "int:", 4) == 0 ? strtod(v->field[1] + 4, NULL)
                                                         : vectors_double(v->field[1]);
                len = pytime_format(t, out);
                if (len < 0)
                        snprintf(out, sizeof(out), "ERROR");
                if (strcmp(out, v->field[2]) != 0)
                        fail_msg("%s:%lu: TZ=%s %s: got %s, Python %s", file, v->lineno, zone,
                                 v->field[1], out, v->field[2]);
                *errors += len < 0;
                n++;
        }
        return n;
}

/* UTC: the rounding, the carry, dates before 1970 and the years Python
 * refuses, the same on every machine (committed). */
static void timestamps_in_utc_match_datetime(void **state)
{
        struct vectors v;
        unsigned long n, errors;

        (void)state;
        vectors_open(&v, "timestamps.tsv");
        n = check_timestamps(&v, "timestamps.tsv", &errors);
        vectors_close(&v);
        assert_true(n > 700);
        assert_true(errors > 10); /* the out-of-range cases are there */
}

/* Nine named zones, with their daylight-saving changes, against what this
 * machine's CPython prints with this machine's zone database (written by
 * make test-unit: zone rules differ between tzdata releases). */
static void timestamps_in_zones_match_local_datetime(void **state)
{
        struct vectors v;
        unsigned long n, errors;

        (void)state;
        vectors_open_local(&v, "timestamps-zones.tsv");
        n = check_timestamps(&v, "timestamps-zones.tsv (this machine's CPython)", &errors);
        vectors_close(&v);
        assert_true(n > 7000);
        assert_true(errors > 90);
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
                cmocka_unit_test(timestamps_in_utc_match_datetime),
                cmocka_unit_test(timestamps_in_zones_match_local_datetime),
                cmocka_unit_test(now_is_wall_clock),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
