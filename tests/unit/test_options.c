/* Unit tests of common/options: what the command line sets. */
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

#include "../../common/options.h"

static const struct program consumer = {"consumer_chat", "s", "d", OPT_GROUP, "e", NULL};
static const struct program producer = {"producer_chat", "s", "d", 0, "e", NULL};
static const struct program reader = {"consumer_chat", "s", "d", OPT_READ, "e", NULL};
static const struct program chat = {"kafka-chat", "s", "d", OPT_CHAT, "e", NULL};

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

static void colours_mentions_and_the_bell(void **state)
{
        struct options opts;
        char *none[] = {"x", NULL};
        char *argv[] = {"kafka-chat", "--color=never", "--highlight", "회의", "--highlight=deploy",
                        "--no-bell", NULL};
        char *bad[] = {"kafka-chat", "--color", "sometimes", NULL};

        (void)state;
        /* The chat colours when it can; consumer_chat looks like the seed. */
        assert_int_equal(parse(&chat, &opts, 1, none), OPTIONS_RUN);
        assert_int_equal(opts.color, COLOR_AUTO);
        assert_int_equal(opts.nhighlights, 0);
        assert_int_equal(opts.no_bell, 0);
        options_free(&opts);
        assert_int_equal(parse(&reader, &opts, 1, none), OPTIONS_RUN);
        assert_int_equal(opts.color, COLOR_NEVER);
        options_free(&opts);

        assert_int_equal(parse(&chat, &opts, 6, argv), OPTIONS_RUN);
        assert_int_equal(opts.color, COLOR_NEVER);
        assert_int_equal(opts.nhighlights, 2);
        assert_string_equal(opts.highlights[0], "회의");
        assert_string_equal(opts.highlights[1], "deploy");
        assert_int_equal(opts.no_bell, 1);
        options_free(&opts);
        assert_int_equal(parse(&chat, &opts, 3, bad), OPTIONS_BAD);
        argv[1] = "--color=always";
        assert_int_equal(parse(&reader, &opts, 2, argv), OPTIONS_RUN);
        assert_int_equal(opts.color, COLOR_ALWAYS);
        options_free(&opts);
        /* The mentions are the chat's. */
        assert_int_equal(parse(&reader, &opts, 4, argv), OPTIONS_BAD);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(defaults_are_the_seeds),
                cmocka_unit_test(options_are_read),
                cmocka_unit_test(group_is_refused_where_not_taken),
                cmocka_unit_test(colours_mentions_and_the_bell),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
