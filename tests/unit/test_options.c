/* Unit tests of common/options and common/kafka's configuration: what the
 * command line sets, and that the user's -X has the last word. */
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


/* kafka_conf_new() takes lists of defaults. */
#define DEFAULTS(...) ((const struct kafka_property *const[]){__VA_ARGS__, NULL})
#define NO_DEFAULTS ((const struct kafka_property *const[]){NULL})

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
        assert_null(opts.group); /* DEFAULT_GROUP, unless a config file says */
        assert_null(opts.config_file);
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
        conf = kafka_conf_new(&opts, DEFAULTS(defaults), &status);
        assert_non_null(conf);
        assert_string_equal(get(conf, "bootstrap.servers"), "from-b:1");
        assert_string_equal(get(conf, "linger.ms"), "7");
        assert_string_equal(get(conf, "client.id"), "mine");
        assert_string_equal(get(conf, "acks"), "-1");
        rd_kafka_conf_destroy(conf);
        options_free(&opts);
}

/* A config file in a temporary folder; returns its path. */
static const char *write_file(const char *text)
{
        static char path[] = "/tmp/kafka-chat-test-XXXXXX";
        int fd;

        strcpy(path + strlen(path) - 6, "XXXXXX");
        fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        close(fd);
        return path;
}

static void config_file_sits_between_defaults_and_the_command_line(void **state)
{
        struct options opts;
        struct kafka_status status;
        rd_kafka_conf_t *conf;
        const char *path = write_file("# a comment\n"
                                      "\n"
                                      "  linger.ms = 9  \n"
                                      "client.id=from-file\r\n"
                                      "bootstrap.servers=file:1\n"
                                      "group.id=file-group\n"
                                      "sasl.username=alice\n");
        char *argv[] = {"consumer_chat", "-F", (char *)path, "-X", "client.id=cli",
                        "-g", "cli-group", NULL};
        const struct kafka_property defaults[] = {
                {"bootstrap.servers", "default:9092"},
                {"linger.ms", "0"},
                {"group.id", "chat-group"},
                {NULL, NULL},
        };

        (void)state;
        memset(&status, 0, sizeof(status));
        assert_int_equal(parse(&consumer, &opts, 7, argv), OPTIONS_RUN);
        conf = kafka_conf_new(&opts, DEFAULTS(defaults), &status);
        assert_non_null(conf);
        assert_string_equal(get(conf, "linger.ms"), "9");            /* file over default */
        assert_string_equal(get(conf, "bootstrap.servers"), "file:1");
        assert_string_equal(get(conf, "client.id"), "cli");          /* -X over file */
        assert_string_equal(get(conf, "group.id"), "cli-group");     /* -g over file */
        assert_string_equal(get(conf, "sasl.username"), "alice");
        rd_kafka_conf_destroy(conf);
        options_free(&opts);
        unlink(path);
}

static void config_file_errors_are_refused(void **state)
{
        static const char *const bad[] = {"novalue\n", "=value\n", "no.such.key=1\n",
                                          "linger.ms=soon\n"};
        struct kafka_status status;

        (void)state;
        memset(&status, 0, sizeof(status));
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct options opts;
                const char *path = write_file(bad[i]);
                char *argv[] = {"producer_chat", "--config", (char *)path, NULL};

                assert_int_equal(parse(&producer, &opts, 3, argv), OPTIONS_RUN);
                assert_null(kafka_conf_new(&opts, NO_DEFAULTS, &status));
                options_free(&opts);
                unlink(path);
        }
}

static void the_environment_names_the_file_when_f_does_not(void **state)
{
        struct options opts;
        struct kafka_status status;
        rd_kafka_conf_t *conf;
        const char *path = write_file("client.id=from-env\n");
        char *argv[] = {"producer_chat", NULL};

        (void)state;
        memset(&status, 0, sizeof(status));
        assert_int_equal(setenv("KAFKA_CHAT_CONFIG", path, 1), 0);
        assert_int_equal(parse(&producer, &opts, 1, argv), OPTIONS_RUN);
        conf = kafka_conf_new(&opts, NO_DEFAULTS, &status);
        assert_non_null(conf);
        assert_string_equal(get(conf, "client.id"), "from-env");
        rd_kafka_conf_destroy(conf);
        options_free(&opts);
        unlink(path);

        /* Named but missing: an error, not a silent default. */
        assert_int_equal(parse(&producer, &opts, 1, argv), OPTIONS_RUN);
        assert_null(kafka_conf_new(&opts, NO_DEFAULTS, &status));
        options_free(&opts);
        unsetenv("KAFKA_CHAT_CONFIG");
}

static void bad_property_is_refused(void **state)
{
        struct options opts;
        struct kafka_status status;
        char *argv[] = {"producer_chat", "-X", "linger.ms=soon", NULL};

        (void)state;
        memset(&status, 0, sizeof(status));
        assert_int_equal(parse(&producer, &opts, 3, argv), OPTIONS_RUN);
        assert_null(kafka_conf_new(&opts, NO_DEFAULTS, &status));
        options_free(&opts);
}

/* The new consumer group protocol (KIP-848) refuses the classic
 * protocol's session settings: our defaults of those are left out when
 * the user asks for it, in a config file or with -X, and kept otherwise.
 * A librdkafka before 2.4 has no group.protocol: asking for it is then a
 * usage error, as for any unknown property. */
static void classic_group_defaults_give_way_to_the_new_protocol(void **state)
{
        const struct kafka_property ours[] = {
                {"session.timeout.ms", "10000"},
                {"heartbeat.interval.ms", "2000"},
                {"fetch.wait.max.ms", "100"},
                {NULL, NULL},
        };
        const struct kafka_property program[] = {{"client.id", "consumer_chat"}, {NULL, NULL}};
        const char *path = write_file("group.protocol = consumer\n");
        char *with_x[] = {"consumer_chat", "-X", "group.protocol=consumer", NULL};
        char *with_file[] = {"consumer_chat", "-F", (char *)path, NULL};
        char *classic[] = {"consumer_chat", "-X", "group.protocol=classic", NULL};
        char **argvs[] = {with_x, with_file, classic};
        struct kafka_status status;

        (void)state;
        memset(&status, 0, sizeof(status));
        for (int i = 0; i < 3; i++) {
                struct options opts;
                rd_kafka_conf_t *conf;

                assert_int_equal(parse(&consumer, &opts, 3, argvs[i]), OPTIONS_RUN);
                conf = kafka_conf_new(&opts, DEFAULTS(ours, program), &status);
                if (rd_kafka_version() < 0x02040000) {
                        assert_null(conf);
                        options_free(&opts);
                        continue;
                }
                assert_non_null(conf);
                assert_string_equal(get(conf, "session.timeout.ms"), i < 2 ? "45000" : "10000");
                assert_string_equal(get(conf, "heartbeat.interval.ms"), i < 2 ? "3000" : "2000");
                assert_string_equal(get(conf, "fetch.wait.max.ms"), "100");
                assert_string_equal(get(conf, "client.id"), "consumer_chat");
                rd_kafka_conf_destroy(conf);
                options_free(&opts);
        }
        unlink(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(defaults_are_the_seeds),
                cmocka_unit_test(options_are_read),
                cmocka_unit_test(group_is_refused_where_not_taken),
                cmocka_unit_test(user_settings_override_defaults_in_order),
                cmocka_unit_test(bad_property_is_refused),
                cmocka_unit_test(config_file_sits_between_defaults_and_the_command_line),
                cmocka_unit_test(config_file_errors_are_refused),
                cmocka_unit_test(the_environment_names_the_file_when_f_does_not),
                cmocka_unit_test(classic_group_defaults_give_way_to_the_new_protocol),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
