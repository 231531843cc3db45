/* Unit tests of common/kafka's warnings: they go where the program takes
 * them (the one-window chat: above the line being typed), or to stderr,
 * and librdkafka's error callback says its piece the same way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <getopt.h>

#include "../../common/kafka.h"
#include "../../common/options.h"

static const struct program producer = {"producer_chat", "s", "d", 0, "e"};

/* What a program's warn_to got: the warnings, one per line. */
struct taken {
        char text[4096];
        int count;
};

static void take(void *ctx, const char *text)
{
        struct taken *taken = ctx;
        size_t used = strlen(taken->text);

        snprintf(taken->text + used, sizeof(taken->text) - used, "%s\n", text);
        taken->count++;
}

/* Runs kafka_warn() with stderr in a file; returns what it wrote there. */
static char *stderr_of_warning(const struct kafka_status *status, const char *what)
{
        static char written[1024];
        FILE *capture = tmpfile();
        int saved = dup(STDERR_FILENO);
        size_t n;

        assert_non_null(capture);
        assert_true(saved >= 0);
        fflush(stderr);
        assert_int_equal(dup2(fileno(capture), STDERR_FILENO), STDERR_FILENO);
        kafka_warn(status, "kafka: %s", what);
        fflush(stderr);
        assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
        close(saved);
        rewind(capture);
        n = fread(written, 1, sizeof(written) - 1, capture);
        written[n] = '\0';
        fclose(capture);
        return written;
}

static void a_warning_goes_to_the_program_that_takes_them(void **state)
{
        struct kafka_status status = {0};
        struct taken taken = {{0}, 0};

        (void)state;
        status.warn_to  = take;
        status.warn_ctx = &taken;
        assert_string_equal(stderr_of_warning(&status, "1/1 brokers are down"), "");
        assert_int_equal(taken.count, 1);
        assert_string_equal(taken.text, "kafka: 1/1 brokers are down\n");
}

static void a_warning_goes_to_stderr_otherwise(void **state)
{
        struct kafka_status status = {0};

        (void)state;
        assert_string_equal(stderr_of_warning(&status, "1/1 brokers are down"),
                            "test_kafka: warning: kafka: 1/1 brokers are down\n");
}

/* A producer of a broker that is not there: librdkafka's error callback
 * tells that all brokers are down, through warn_to. */
static void the_error_callback_warns_through_the_status(void **state)
{
        struct options opts;
        struct kafka_status status = {0};
        struct taken taken = {{0}, 0};
        char *argv[] = {"producer_chat", "-b", "127.0.0.1:1", NULL};
        rd_kafka_t *rk;
        long long deadline;

        (void)state;
        optind = 0;
        assert_int_equal(options_parse(&opts, &producer, 3, argv), OPTIONS_RUN);
        status.warn_to  = take;
        status.warn_ctx = &taken;
        rk = kafka_producer_new(&opts, (const struct kafka_property[]){{NULL, NULL}}, &status,
                                NULL, NULL);
        assert_non_null(rk);
        deadline = kafka_now_ms() + 30000;
        while (!strstr(taken.text, "brokers are down") && kafka_now_ms() < deadline)
                rd_kafka_poll(rk, 100);
        rd_kafka_destroy(rk);
        options_free(&opts);
        assert_non_null(strstr(taken.text, "kafka: "));
        assert_non_null(strstr(taken.text, "brokers are down"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(a_warning_goes_to_the_program_that_takes_them),
                cmocka_unit_test(a_warning_goes_to_stderr_otherwise),
                cmocka_unit_test(the_error_callback_warns_through_the_status),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
