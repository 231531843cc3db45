/* Unit tests of common/options and common/kafka's configuration: what the
 * command line sets, and that the user's -X has the last word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <getopt.h>

#include "../../common/kafka.h"
#include "../../common/options.h"

static const struct program consumer = {"consumer_chat", "s", "d", OPT_GROUP, "e"};
static const struct program producer = {"producer_chat", "s", "d", 0, "e"};

static enum options_result parse(const struct program *prog, struct options *opts,
                                 int argc, char **argv)
{
        optind = 0; /* getopt's reset, for a second parse in one process */
        return options_parse(opts, prog, argc, argv);
}

static void defaults_are_the_seeds(void **state)
{
        struct options opts;
        char *argv[] = {"consumer_chat", NULL};

        (void)state;
        assert_int_equal(parse(&consumer, &opts, 1, argv), OPTIONS_RUN);
        assert_null(opts.bootstrap);
        assert_string_equal(opts.topic, "chat");
        assert_string_equal(opts.group, "chat-group");
        assert_int_equal(opts.timeout_ms, 30000);
        assert_int_equal(opts.nproperties, 0);
        options_free(&opts);
}

static void options_are_read(void **state)
{
        struct options opts;
        char *argv[] = {"consumer_chat", "-b", "h1:1,h2:2", "--topic=room", "-g", "grp",
                        "-X", "a.b=1", "-Xc=d=e", "--timeout", "2.5", "-vv", NULL};

        (void)state;
        assert_int_equal(parse(&consumer, &opts, 12, argv), OPTIONS_RUN);
        assert_string_equal(opts.bootstrap, "h1:1,h2:2");
        assert_string_equal(opts.topic, "room");
        assert_string_equal(opts.group, "grp");
        assert_int_equal(opts.nproperties, 2);
        assert_string_equal(opts.properties[0], "a.b=1");
        assert_string_equal(opts.properties[1], "c=d=e");
        assert_int_equal(opts.timeout_ms, 2500);
        assert_int_equal(opts.verbose, 2);
        options_free(&opts);
}

static void group_is_refused_where_not_taken(void **state)
{
        struct options opts;
        char *argv[] = {"producer_chat", "-g", "x", NULL};

        (void)state;
        assert_int_equal(parse(&producer, &opts, 3, argv), OPTIONS_BAD);
        options_free(&opts);
}

static const char *get(rd_kafka_conf_t *conf, const char *key)
{
        static char value[256];
        size_t size = sizeof(value);

        assert_int_equal(rd_kafka_conf_get(conf, key, value, &size), RD_KAFKA_CONF_OK);
        return value;
}

static void user_settings_override_defaults_in_order(void **state)
{
        struct options opts;
        struct kafka_status status;
        rd_kafka_conf_t *conf;
        char *argv[] = {"producer_chat", "-b", "from-b:1", "-X", "linger.ms=7",
                        "-X", "client.id=mine", NULL};
        const struct kafka_property defaults[] = {
                {"bootstrap.servers", "default:9092"},
                {"linger.ms", "0"},
                {"client.id", "producer_chat"},
                {"acks", "all"},
                {NULL, NULL},
        };

        (void)state;
        memset(&status, 0, sizeof(status));
        assert_int_equal(parse(&producer, &opts, 7, argv), OPTIONS_RUN);
        conf = kafka_conf_new(&opts, defaults, &status);
        assert_non_null(conf);
        assert_string_equal(get(conf, "bootstrap.servers"), "from-b:1");
        assert_string_equal(get(conf, "linger.ms"), "7");
        assert_string_equal(get(conf, "client.id"), "mine");
        assert_string_equal(get(conf, "acks"), "-1");
        rd_kafka_conf_destroy(conf);
        options_free(&opts);
}

static void bad_property_is_refused(void **state)
{
        struct options opts;
        struct kafka_status status;
        char *argv[] = {"producer_chat", "-X", "linger.ms=soon", NULL};

        (void)state;
        memset(&status, 0, sizeof(status));
        assert_int_equal(parse(&producer, &opts, 3, argv), OPTIONS_RUN);
        assert_null(kafka_conf_new(&opts, NULL, &status));
        options_free(&opts);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(defaults_are_the_seeds),
                cmocka_unit_test(options_are_read),
                cmocka_unit_test(group_is_refused_where_not_taken),
                cmocka_unit_test(user_settings_override_defaults_in_order),
                cmocka_unit_test(bad_property_is_refused),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
