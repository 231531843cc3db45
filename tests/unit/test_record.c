/* Unit tests of common/record decoding: every record json.loads() reads is
 * read the same way; every other one is described, never fatal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <stdio.h>
#include <time.h>

#include <cmocka.h>

#include "../../common/record.h"
#include "vectors.h"

static const char *status_name(enum record_status st)
{
        switch (st) {
        case RECORD_OK:       return "OK";
        case RECORD_TIME_BAD: return "TIME_BAD";
        case RECORD_BAD:      return "BAD";
        }
        return "?";
}

static void records_decode_as_json_loads(void **state)
{
        struct vectors v;
        struct record rec = RECORD_INIT, general = RECORD_INIT;
        unsigned long n = 0;

        (void)state;
        assert_int_equal(setenv("TZ", "UTC", 1), 0);
        tzset();
        vectors_open(&v, "decode.tsv");
        while (vectors_next(&v)) {
                size_t len, msglen;
                unsigned char *value = vectors_hex(v.field[0], &len);
                unsigned char *msg   = vectors_hex(v.field[2], &msglen);
                enum record_status st = record_decode(&rec, len ? value : (void *)"", len);

                if (strcmp(status_name(st), v.field[1]) != 0)
                        fail_msg("decode.tsv:%lu: %.80s: got %s (%s), Python %s",
                                 v.lineno, value, status_name(st), rec.problem,
                                 v.field[1]);
                if (st != RECORD_BAD &&
                    (rec.message_len != msglen || memcmp(rec.message, msg, msglen)))
                        fail_msg("decode.tsv:%lu: message %.*s, Python %s", v.lineno,
                                 (int)rec.message_len, rec.message, msg);
                if (st == RECORD_OK)
                        assert_true(rec.time == vectors_double(v.field[3]));
                if (strcmp(v.field[4], "none") == 0) {
                        assert_null(rec.sender);
                } else if (st != RECORD_BAD) {
                        size_t sender_len;
                        unsigned char *sender = vectors_hex(v.field[4], &sender_len);

                        assert_non_null(rec.sender);
                        assert_int_equal(rec.sender_len, sender_len);
                        assert_memory_equal(rec.sender, sender, sender_len);
                        free(sender);
                }
                /* jansson alone reads the same (the fast path is no shortcut). */
                assert_int_equal(record_decode_json(&general, len ? value : (void *)"", len), st);
                if (st != RECORD_BAD) {
                        assert_int_equal(general.message_len, rec.message_len);
                        assert_memory_equal(general.message, rec.message, rec.message_len);
                        assert_int_equal(general.sender == NULL, rec.sender == NULL);
                        assert_int_equal(general.sender_len, rec.sender_len);
                        if (rec.sender)
                                assert_memory_equal(general.sender, rec.sender, rec.sender_len);
                }
                /* Whatever is wrong is said. */
                assert_true(st == RECORD_OK || rec.problem[0] != '\0');
                free(value);
                free(msg);
                n++;
        }
        record_free(&rec);
        record_free(&general);
        vectors_close(&v);
        assert_true(n > 100);
}

/* xorshift64: reproducible and fast. */
static uint64_t next_random(uint64_t *state)
{
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        return *state;
}

/* A decimal with `digits` random digits and the point `point` digits from
 * the right (0: no point), maybe negative. */
static void random_decimal(uint64_t *state, char *out, size_t size)
{
        char digits[24];
        int n = 1 + (int)(next_random(state) % 19);
        int point = (int)(next_random(state) % 22);
        int len = 0;

        for (int i = 0; i < n; i++)
                digits[i] = (char)('0' + next_random(state) % 10);
        digits[n] = '\0';
        if (next_random(state) % 4 == 0)
                out[len++] = '-';
        if (point == 0) {
                snprintf(out + len, size - (size_t)len, "%s", digits);
        } else if (point < n) {
                snprintf(out + len, size - (size_t)len, "%.*s.%s", n - point, digits,
                         digits + n - point);
        } else {
                len += snprintf(out + len, size - (size_t)len, "0.");
                for (int i = 0; i < point - n; i++)
                        out[len++] = '0';
                snprintf(out + len, size - (size_t)len, "%s", digits);
        }
}

/* The fast path's own number reader agrees with jansson (strtod) on times
 * of every shape json.dumps() writes, and on arbitrary decimals. */
static void fast_times_match_strtod(void **state)
{
        struct record fast = RECORD_INIT, general = RECORD_INIT;
        uint64_t seed = 88172645463325252ULL;

        (void)state;
        for (int i = 0; i < 300000; i++) {
                char number[64], value[128];
                int len;

                if (i % 2) /* like time.time(): 10 digits, then 0 to 7 */
                        snprintf(number, sizeof(number), "%llu.%0*llu",
                                 1000000000ULL + next_random(&seed) % 9000000000ULL,
                                 1 + (int)(i % 7),
                                 (unsigned long long)(next_random(&seed) % 10000000ULL) %
                                         (unsigned long long)pow(10, 1 + i % 7));
                else
                        random_decimal(&seed, number, sizeof(number));
                len = snprintf(value, sizeof(value),
                               "{\"message\": \"x\", \"time\": %s}", number);
                assert_int_equal(record_decode(&fast, value, (size_t)len),
                                 record_decode_json(&general, value, (size_t)len));
                if (memcmp(&fast.time, &general.time, sizeof(double)) != 0)
                        fail_msg("%s: %.17g, strtod %.17g", number, fast.time, general.time);
        }
        record_free(&fast);
        record_free(&general);
}

static void problems_are_named(void **state)
{
        struct record rec = RECORD_INIT;

        (void)state;
        assert_int_equal(record_decode(&rec, NULL, 0), RECORD_BAD);
        assert_string_equal(rec.problem, "null value");
        assert_int_equal(record_decode(&rec, "", 0), RECORD_BAD);
        assert_string_equal(rec.problem, "empty value");
        assert_int_equal(record_decode(&rec, "[1]", 3), RECORD_BAD);
        assert_string_equal(rec.problem, "JSON an array, not an object");
        assert_int_equal(record_decode(&rec, "{\"message\": 1}", 14), RECORD_BAD);
        assert_string_equal(rec.problem, "\"message\" is a number, not a string");
        assert_int_equal(record_decode(&rec, "{\"message\": \"a\"}", 16), RECORD_TIME_BAD);
        assert_string_equal(rec.problem, "no \"time\" field");
        assert_int_equal(record_decode(&rec, "{\"message\": \"a\", \"time\": NaN}", 29),
                         RECORD_TIME_BAD);
        assert_string_equal(rec.problem, "\"time\" is not a finite number");
        assert_int_equal(record_decode(&rec, "{\"message\": \"\xff\", \"time\": 1}", 27),
                         RECORD_OK);
        assert_string_equal(rec.problem,
                            "invalid UTF-8 (1 sequence replaced by U+FFFD)");
        assert_int_equal(record_decode(&rec, "nope", 4), RECORD_BAD);
        assert_true(strncmp(rec.problem, "not JSON: ", 10) == 0);
        record_free(&rec);
}

static void exit_is_ascii_case_insensitive(void **state)
{
        (void)state;
        assert_true(record_is_exit("exit", 4));
        assert_true(record_is_exit("EXIT", 4));
        assert_true(record_is_exit("eXiT", 4));
        assert_false(record_is_exit("exit ", 5));
        assert_false(record_is_exit("exi", 3));
        assert_false(record_is_exit("", 0));
        assert_false(record_is_exit("\xef\xbc\xa5xit", 6)); /* fullwidth E */
        assert_false(record_is_exit("ex\xc4\xb1t", 5));     /* dotless i */
        assert_false(record_is_exit("ex\0t", 4));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(records_decode_as_json_loads),
                cmocka_unit_test(fast_times_match_strtod),
                cmocka_unit_test(problems_are_named),
                cmocka_unit_test(exit_is_ascii_case_insensitive),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
