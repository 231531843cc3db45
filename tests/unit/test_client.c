/* Unit tests of common/client and common/diag's voice: diagnostics go
 * where the program takes them (the one-window chat: above the line being
 * typed), or to stderr, and librdkafka's error callback says its piece the
 * same way; and a program that is stopping gives up at once when another
 * stop signal comes (common/deadline). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <getopt.h>

#include "../../common/client.h"
#include "../../common/config.h"
#include "../../common/deadline.h"
#include "../../common/diag.h"
#include "../../common/options.h"
#include "../../common/signals.h"

static const struct program producer = {"producer_chat", "s", "d", 0, "e", NULL};

/* What a program's voice got: the diagnostics, one per line. */
struct taken {
        char text[4096];
        int count;
};

static void take(void *ctx, enum diag_level level, const char *text)
{
        static const char *const levels[] = {"E ", "W ", "N "};
        struct taken *taken = ctx;
        size_t used = strlen(taken->text);

        snprintf(taken->text + used, sizeof(taken->text) - used, "%s%s\n", levels[level], text);
        taken->count++;
}

/* Runs diag_say() with stderr in a file; returns what it wrote there. */
static char *stderr_of(const struct voice *voice, enum diag_level level, const char *what)
{
        static char written[1024];
        FILE *capture = tmpfile();
        int saved = dup(STDERR_FILENO);
        size_t n;

        assert_non_null(capture);
        assert_true(saved >= 0);
        fflush(stderr);
        assert_int_equal(dup2(fileno(capture), STDERR_FILENO), STDERR_FILENO);
        diag_say(voice, level, "kafka: %s", what);
        fflush(stderr);
        assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
        close(saved);
        rewind(capture);
        n = fread(written, 1, sizeof(written) - 1, capture);
        written[n] = '\0';
        fclose(capture);
        return written;
}

static void a_diagnostic_goes_to_the_programs_voice(void **state)
{
        struct taken taken = {{0}, 0};
        const struct voice voice = {take, &taken};

        (void)state;
        assert_string_equal(stderr_of(&voice, DIAG_WARNING, "1/1 brokers are down"), "");
        assert_string_equal(stderr_of(&voice, DIAG_ERROR, "no such topic"), "");
        assert_int_equal(taken.count, 2);
        assert_string_equal(taken.text, "W kafka: 1/1 brokers are down\nE kafka: no such topic\n");
}

static void a_diagnostic_goes_to_stderr_otherwise(void **state)
{
        (void)state;
        assert_string_equal(stderr_of(NULL, DIAG_WARNING, "1/1 brokers are down"),
                            "test_client: warning: kafka: 1/1 brokers are down\n");
        assert_string_equal(stderr_of(NULL, DIAG_ERROR, "x"), "test_client: error: kafka: x\n");
        assert_string_equal(stderr_of(NULL, DIAG_NOTE, "y"), "test_client: kafka: y\n");
}

/* A producer of a broker that is not there. */
static void open_unreachable(struct client *cl, struct options *opts, struct config *cfg,
                             const struct voice *voice)
{
        char *argv[] = {"producer_chat", "-b", "127.0.0.1:1", NULL};
        const struct client_spec spec = {.role = CLIENT_PRODUCER, .voice = voice};

        optind = 0;
        assert_int_equal(options_parse(opts, &producer, 3, argv), OPTIONS_RUN);
        assert_int_equal(config_load(cfg, opts), 0);
        assert_int_equal(client_open(cl, &spec, cfg), 0);
}

/* librdkafka's error callback tells that all brokers are down, through
 * the client's voice. */
static void the_error_callback_speaks_through_the_voice(void **state)
{
        struct options opts;
        struct config cfg;
        struct client cl;
        struct taken taken = {{0}, 0};
        const struct voice voice = {take, &taken};
        struct deadline until = deadline_in(30000);

        (void)state;
        open_unreachable(&cl, &opts, &cfg, &voice);
        while (!strstr(taken.text, "brokers are down") && !deadline_passed(&until))
                rd_kafka_poll(cl.rk, 100);
        client_destroy(&cl);
        config_free(&cfg);
        options_free(&opts);
        assert_non_null(strstr(taken.text, "W kafka: "));
        assert_non_null(strstr(taken.text, "brokers are down"));
}

/* A program that is stopping (Ctrl-C) delivers what it owes for as long as
 * its deadline allows; another Ctrl-C gives up at once. */
static void another_stop_signal_cuts_a_drain_short(void **state)
{
        struct options opts;
        struct config cfg;
        struct client cl;
        struct deadline until;
        long long started;

        (void)state;
        assert_int_equal(signals_install(), 0);
        open_unreachable(&cl, &opts, &cfg, NULL);
        assert_int_equal(client_produce(&cl, "t", 0, "x", 1, NULL, NULL), 0);

        until   = deadline_in(200); /* no broker: the deadline ends it */
        started = deadline_now_ms();
        client_drain(&cl, &until, 0);
        /* By the deadline (librdkafka 2.14 may report the line undeliverable
         * sooner: then the drain ends sooner, which is no failure). */
        assert_true(deadline_now_ms() - started < 2000);

        assert_int_equal(client_produce(&cl, "t", 0, "x", 1, NULL, NULL), 0);
        until = deadline_in(60000);
        assert_int_equal(raise(SIGINT), 0); /* after the deadline was set */
        started = deadline_now_ms();
        client_drain(&cl, &until, 0);
        assert_true(deadline_now_ms() - started < 1000);
        assert_int_equal(rd_kafka_outq_len(cl.rk), 0); /* purged */

        client_destroy(&cl);
        config_free(&cfg);
        options_free(&opts);
}

/* The deadline's own arithmetic. */
static void a_deadline_counts_down_and_a_signal_ends_it(void **state)
{
        struct deadline d = deadline_in(10000);

        (void)state;
        assert_int_equal(signals_install(), 0);
        assert_false(deadline_passed(&d));
        assert_int_equal(deadline_slice(&d, 100), 100);
        assert_true(deadline_left(&d) > 9000);
        assert_int_equal(raise(SIGTERM), 0);
        assert_true(deadline_passed(&d));
        assert_int_equal(deadline_left(&d), 0);
        assert_int_equal(deadline_slice(&d, 100), 0);
        d = deadline_in(0);
        assert_true(deadline_passed(&d));
}

/* container_of gets from a member back to the struct that holds it. */
struct holder {
        int before;
        struct client client;
};

static void container_of_finds_the_holder(void **state)
{
        struct holder h;
        struct client *cl = &h.client;

        (void)state;
        assert_ptr_equal(container_of(cl, struct holder, client), &h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(a_diagnostic_goes_to_the_programs_voice),
                cmocka_unit_test(a_diagnostic_goes_to_stderr_otherwise),
                cmocka_unit_test(the_error_callback_speaks_through_the_voice),
                cmocka_unit_test(another_stop_signal_cuts_a_drain_short),
                cmocka_unit_test(a_deadline_counts_down_and_a_signal_ends_it),
                cmocka_unit_test(container_of_finds_the_holder),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
