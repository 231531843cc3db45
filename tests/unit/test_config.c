/* Unit tests of common/config and the client factory (common/client):
 * where each setting comes from, that the user's have the last word over
 * ours and a role's own over the user's, and that the config file is read
 * once, when the program starts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <getopt.h>

#include "../../common/client.h"
#include "../../common/config.h"
#include "../../common/options.h"

static const struct program consumer = {"consumer_chat", "s", "d", OPT_GROUP, "e", NULL};
static const struct program producer = {"producer_chat", "s", "d", 0, "e", NULL};

static enum options_result parse(const struct program *prog, struct options *opts,
                                 int argc, char **argv)
{
        optind = 0; /* getopt's reset, for a second parse in one process */
        return options_parse(opts, prog, argc, argv);
}

/* A client of role from these arguments, with the program's defaults. */
static void open_client(struct client *cl, struct options *opts, struct config *cfg,
                        const struct program *prog, int argc, char **argv,
                        enum client_role role, const struct kafka_property *defaults,
                        const struct kafka_property *forced)
{
        const struct client_spec spec = {.role = role, .defaults = defaults, .forced = forced};

        assert_int_equal(parse(prog, opts, argc, argv), OPTIONS_RUN);
        assert_int_equal(config_load(cfg, opts), 0);
        assert_int_equal(client_open(cl, &spec, cfg), 0);
}

static void close_client(struct client *cl, struct options *opts, struct config *cfg)
{
        client_destroy(cl);
        config_free(cfg);
        options_free(opts);
}

static const char *get(const struct client *cl, const char *key)
{
        static char value[256];
        size_t size = sizeof(value);

        assert_int_equal(rd_kafka_conf_get(rd_kafka_conf(cl->rk), key, value, &size),
                         RD_KAFKA_CONF_OK);
        return value;
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

static void user_settings_override_defaults_in_order(void **state)
{
        struct options opts;
        struct config cfg;
        struct client cl;
        char *argv[] = {"producer_chat", "-b", "from-b:1", "-X", "linger.ms=7",
                        "-X", "client.id=mine", "--timeout", "12", NULL};
        const struct kafka_property defaults[] = {
                {"linger.ms", "5"},
                {"client.id", "producer_chat"},
                {"batch.num.messages", "500"},
                {NULL, NULL},
        };

        (void)state;
        open_client(&cl, &opts, &cfg, &producer, 9, argv, CLIENT_PRODUCER, defaults, NULL);
        assert_string_equal(get(&cl, "bootstrap.servers"), "from-b:1");
        assert_string_equal(get(&cl, "linger.ms"), "7");
        assert_string_equal(get(&cl, "client.id"), "mine");
        assert_string_equal(get(&cl, "batch.num.messages"), "500"); /* the program's */
        assert_string_equal(get(&cl, "enable.idempotence"), "true"); /* the role's */
        assert_string_equal(get(&cl, "acks"), "-1");
        assert_string_equal(get(&cl, "message.timeout.ms"), "12000"); /* --timeout */
        close_client(&cl, &opts, &cfg);
}

/* One list of what every client shares, then each role's own. */
static void every_role_starts_from_the_shared_defaults(void **state)
{
        static const enum client_role roles[] = {CLIENT_PRODUCER, CLIENT_READER, CLIENT_ROOM,
                                                 CLIENT_SAMPLER};
        char *argv[] = {"consumer_chat", NULL};

        (void)state;
        for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
                struct options opts;
                struct config cfg;
                struct client cl;

                open_client(&cl, &opts, &cfg, &consumer, 1, argv, roles[i], NULL, NULL);
                assert_string_equal(get(&cl, "bootstrap.servers"), "localhost:9092");
                assert_string_equal(get(&cl, "log.connection.close"), "false");
                if (roles[i] == CLIENT_READER || roles[i] == CLIENT_ROOM) {
                        assert_string_equal(get(&cl, "session.timeout.ms"), "10000");
                        assert_string_equal(get(&cl, "heartbeat.interval.ms"), "2000");
                }
                if (roles[i] != CLIENT_PRODUCER)
                        assert_string_equal(get(&cl, "enable.auto.offset.store"), "false");
                close_client(&cl, &opts, &cfg);
        }
}

static void config_file_sits_between_defaults_and_the_command_line(void **state)
{
        struct options opts;
        struct config cfg;
        struct client cl;
        const char *path = write_file("# a comment\n"
                                      "\n"
                                      "  fetch.wait.max.ms = 9  \n"
                                      "client.id=from-file\r\n"
                                      "bootstrap.servers=file:1\n"
                                      "group.id=file-group\n"
                                      "sasl.username=alice\n");
        char *argv[] = {"consumer_chat", "-F", (char *)path, "-X", "client.id=cli",
                        "-g", "cli-group", NULL};
        const struct kafka_property defaults[] = {
                {"group.id", "chat-group"},
                {NULL, NULL},
        };

        (void)state;
        open_client(&cl, &opts, &cfg, &consumer, 7, argv, CLIENT_READER, defaults, NULL);
        assert_string_equal(get(&cl, "fetch.wait.max.ms"), "9");      /* file over ours */
        assert_string_equal(get(&cl, "bootstrap.servers"), "file:1");
        assert_string_equal(get(&cl, "client.id"), "cli");            /* -X over file */
        assert_string_equal(get(&cl, "group.id"), "cli-group");       /* -g over file */
        assert_string_equal(get(&cl, "sasl.username"), "alice");
        close_client(&cl, &opts, &cfg);
        unlink(path);
}

/* The file is read when the program starts: a client made later gets
 * what it said then, even with the file gone. */
static void the_config_file_is_read_once(void **state)
{
        struct options opts;
        struct config cfg;
        struct client first, second;
        const struct client_spec spec = {.role = CLIENT_PRODUCER};
        const char *path = write_file("client.id=from-file\n");
        char *argv[] = {"producer_chat", "-F", (char *)path, NULL};

        (void)state;
        assert_int_equal(parse(&producer, &opts, 3, argv), OPTIONS_RUN);
        assert_int_equal(config_load(&cfg, &opts), 0);
        assert_int_equal(client_open(&first, &spec, &cfg), 0);
        unlink(path);
        assert_int_equal(client_open(&second, &spec, &cfg), 0);
        assert_string_equal(get(&first, "client.id"), "from-file");
        assert_string_equal(get(&second, "client.id"), "from-file");
        client_destroy(&first);
        client_destroy(&second);
        config_free(&cfg);
        options_free(&opts);
}

/* What a role cannot do without comes after the user's settings: -g names
 * your place, never the room's presence group, and the room's reader
 * rebalances cooperatively in a classic group whatever the user says. */
static void a_roles_own_settings_win(void **state)
{
        struct options opts;
        struct config cfg;
        struct client cl;
        char *argv[] = {"consumer_chat", "-g", "mine", "-X", "client.id=x",
                        "-X", "partition.assignment.strategy=range", NULL};
        const struct kafka_property forced[] = {
                {"group.id", "kafka-chat.room.lobby"},
                {"client.id", "kafka-chat:alice"},
                {NULL, NULL},
        };

        (void)state;
        open_client(&cl, &opts, &cfg, &consumer, 7, argv, CLIENT_ROOM, NULL, forced);
        assert_string_equal(get(&cl, "group.id"), "kafka-chat.room.lobby");
        assert_string_equal(get(&cl, "client.id"), "kafka-chat:alice");
        assert_string_equal(get(&cl, "partition.assignment.strategy"), "cooperative-sticky");
        assert_string_equal(get(&cl, "enable.auto.commit"), "false");
        close_client(&cl, &opts, &cfg);
}

/* With the new group protocol asked for (librdkafka 2.4 and later), the
 * room's reader still joins its room's group the classic way, with our
 * session settings: only that tells every member of a join or a leave. */
static void the_room_reader_stays_classic(void **state)
{
        struct options opts;
        struct config cfg;
        struct client cl;
        char *argv[] = {"consumer_chat", "-X", "group.protocol=consumer", NULL};

        (void)state;
        if (rd_kafka_version() < 0x02040000) { /* no group.protocol: a usage error */
                assert_int_equal(parse(&consumer, &opts, 3, argv), OPTIONS_RUN);
                assert_int_equal(config_load(&cfg, &opts), -1);
                options_free(&opts);
                return;
        }
        open_client(&cl, &opts, &cfg, &consumer, 3, argv, CLIENT_ROOM, NULL, NULL);
        assert_string_equal(get(&cl, "group.protocol"), "classic");
        assert_string_equal(get(&cl, "session.timeout.ms"), "10000");
        close_client(&cl, &opts, &cfg);
}

static void config_file_errors_are_refused(void **state)
{
        static const char *const bad[] = {"novalue\n", "=value\n", "no.such.key=1\n",
                                          "linger.ms=soon\n", "# fine\n  = x\n"};

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct options opts;
                struct config cfg;
                const char *path = write_file(bad[i]);
                char *argv[] = {"producer_chat", "--config", (char *)path, NULL};

                assert_int_equal(parse(&producer, &opts, 3, argv), OPTIONS_RUN);
                assert_int_equal(config_load(&cfg, &opts), -1);
                options_free(&opts);
                unlink(path);
        }
}

static void the_environment_names_the_file_when_f_does_not(void **state)
{
        struct options opts;
        struct config cfg;
        struct client cl;
        const char *path = write_file("client.id=from-env\n");
        char *argv[] = {"producer_chat", NULL};

        (void)state;
        assert_int_equal(setenv("KAFKA_CHAT_CONFIG", path, 1), 0);
        open_client(&cl, &opts, &cfg, &producer, 1, argv, CLIENT_PRODUCER, NULL, NULL);
        assert_string_equal(get(&cl, "client.id"), "from-env");
        close_client(&cl, &opts, &cfg);
        unlink(path);

        /* Named but missing: an error, not a silent default. */
        assert_int_equal(parse(&producer, &opts, 1, argv), OPTIONS_RUN);
        assert_int_equal(config_load(&cfg, &opts), -1);
        options_free(&opts);
        unsetenv("KAFKA_CHAT_CONFIG");
}

static void bad_property_is_refused(void **state)
{
        struct options opts;
        struct config cfg;
        char *argv[] = {"producer_chat", "-X", "linger.ms=soon", NULL};

        (void)state;
        assert_int_equal(parse(&producer, &opts, 3, argv), OPTIONS_RUN);
        assert_int_equal(config_load(&cfg, &opts), -1);
        options_free(&opts);
}

/* The new consumer group protocol (KIP-848) refuses the classic
 * protocol's session settings: our defaults of those are left out when
 * the user asks for it, in a config file or with -X, and kept otherwise.
 * A librdkafka before 2.4 has no group.protocol: asking for it is then a
 * usage error, as for any unknown property. */
static void classic_group_defaults_give_way_to_the_new_protocol(void **state)
{
        const char *path = write_file("group.protocol = consumer\n");
        char *with_x[] = {"consumer_chat", "-X", "group.protocol=consumer", NULL};
        char *with_file[] = {"consumer_chat", "-F", (char *)path, NULL};
        char *classic[] = {"consumer_chat", "-X", "group.protocol=classic", NULL};
        char **argvs[] = {with_x, with_file, classic};
        const struct kafka_property program[] = {{"client.id", "consumer_chat"}, {NULL, NULL}};

        (void)state;
        for (int i = 0; i < 3; i++) {
                const struct client_spec spec = {.role = CLIENT_READER, .defaults = program};
                struct options opts;
                struct config cfg;
                struct client cl;

                assert_int_equal(parse(&consumer, &opts, 3, argvs[i]), OPTIONS_RUN);
                if (rd_kafka_version() < 0x02040000) {
                        assert_int_equal(config_load(&cfg, &opts), -1);
                        options_free(&opts);
                        continue;
                }
                assert_int_equal(config_load(&cfg, &opts), 0);
                assert_int_equal(cfg.consumer_protocol, i < 2);
                assert_int_equal(client_open(&cl, &spec, &cfg), 0);
                assert_string_equal(get(&cl, "session.timeout.ms"), i < 2 ? "45000" : "10000");
                assert_string_equal(get(&cl, "heartbeat.interval.ms"), i < 2 ? "3000" : "2000");
                assert_string_equal(get(&cl, "fetch.wait.max.ms"), "100");
                assert_string_equal(get(&cl, "client.id"), "consumer_chat");
                close_client(&cl, &opts, &cfg);
        }
        unlink(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(user_settings_override_defaults_in_order),
                cmocka_unit_test(every_role_starts_from_the_shared_defaults),
                cmocka_unit_test(config_file_sits_between_defaults_and_the_command_line),
                cmocka_unit_test(the_config_file_is_read_once),
                cmocka_unit_test(a_roles_own_settings_win),
                cmocka_unit_test(the_room_reader_stays_classic),
                cmocka_unit_test(bad_property_is_refused),
                cmocka_unit_test(config_file_errors_are_refused),
                cmocka_unit_test(the_environment_names_the_file_when_f_does_not),
                cmocka_unit_test(classic_group_defaults_give_way_to_the_new_protocol),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
