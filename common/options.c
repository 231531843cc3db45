#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <sodium.h>

#include "diag.h"

/* Keys of options that have no short form. */
enum {
        LONG_TIMEOUT = 256,
        LONG_ESCAPE,
        LONG_NAME,
        LONG_SINCE,
        LONG_IDLE,
        LONG_JSON,
        LONG_COMMIT,
        LONG_HISTORY,
        LONG_ROOM_PREFIX,
        LONG_COLOR,
        LONG_HIGHLIGHT,
        LONG_NO_BELL,
        LONG_KEY_FILE,
        LONG_ENCRYPTED,
};

static const struct option_desc {
        int key;          /* short option character, or LONG_* */
        const char *name; /* long name, NULL if none */
        const char *arg;  /* argument name, NULL if it takes none */
        unsigned only;    /* 0: every program; else the OPT_* bit */
        const char *help;
} option_table[] = {
        {'b', "bootstrap-server", "HOST:PORT", 0,
         "Kafka broker(s) to start from, comma-separated\n"
         "(default " DEFAULT_BOOTSTRAP ")"},
        {'t', "topic", "TOPIC", 0, "chat topic (default " DEFAULT_TOPIC ")"},
        {'p', "partition", "N", OPT_PARTITION,
         "send every line to partition N (default 0), so\n"
         "that the conversation keeps one order"},
        {'g', "group", "GROUP", OPT_GROUP,
         "consumer group (default " DEFAULT_GROUP ")"},
        {'g', "group", "GROUP", OPT_CHAT,
         "consumer group keeping your place in the chat\n"
         "(default kafka-chat-NAME)"},
        {LONG_NAME, "name", "NAME", OPT_NAME,
         "add \"sender\": NAME to each record (the seed\n"
         "ignores it; consumer_chat and chat show it)"},
        {LONG_NAME, "name", "NAME", OPT_CHAT,
         "your name in the chat (default: your login name)"},
        {LONG_HISTORY, "history", "N", OPT_CHAT,
         "show the N lines before your last visit (default 10)"},
        {LONG_ROOM_PREFIX, "room-prefix", "PREFIX", OPT_CHAT,
         "rooms are the topics named PREFIX+ROOM (-t and\n"
         "/join name the ROOM); without it, any topic that\n"
         "holds chat records"},
        {LONG_COLOR, "color", "WHEN", OPT_CHAT,
         "colour names, notices and mentions: auto (on a\n"
         "terminal whose TERM has colours, unless NO_COLOR\n"
         "is set; the default), always, never"},
        {LONG_HIGHLIGHT, "highlight", "WORD", OPT_CHAT,
         "a message with WORD in it (a whole word, any\n"
         "case) is a mention, as one with your name is\n"
         "(repeatable)"},
        {LONG_NO_BELL, "no-bell", NULL, OPT_CHAT, "no bell on mentions"},
        {LONG_KEY_FILE, "key-file", "FILE", 0,
         "the room is encrypted: its passphrase is the first\n"
         "line of FILE (chmod 600 it)"},
        {LONG_ENCRYPTED, "encrypted", NULL, OPT_CHAT,
         "the first room is encrypted: ask for its\n"
         "passphrase (typed, not shown)"},
        {'o', "offset", "WHERE", OPT_READ,
         "start at: stored (the group's position, the\n"
         "default), beginning, end, N, or -N (N before the\n"
         "end); the group's position is left as it was"},
        {LONG_SINCE, "since", "WHEN", OPT_READ,
         "start at the first record since WHEN: a duration\n"
         "back (30s, 10m, 2h, 7d) or a local time\n"
         "(2026-11-25 14:00); the group's position is left"},
        {LONG_COMMIT, "commit", NULL, OPT_READ,
         "with -o or --since, still commit what is shown"},
        {'c', "count", "N", OPT_READ, "exit after showing N records"},
        {'e', "exit-at-end", NULL, OPT_READ,
         "exit at the end of the topic as it was at start"},
        {LONG_IDLE, "idle-timeout", "SECONDS", OPT_READ,
         "exit after SECONDS without a record"},
        {LONG_JSON, "json", NULL, OPT_READ,
         "print one JSON object per record, for scripts:\n"
         "message, time, sender, partition, offset"},
        {LONG_COLOR, "color", "WHEN", OPT_READ,
         "colour each sender's name: never (the default,\n"
         "the original's look), auto (on a terminal whose\n"
         "TERM has colours, unless NO_COLOR is set), always"},
        {'F', "config", "FILE", 0,
         "read librdkafka properties (KEY=VALUE lines) from\n"
         "FILE, before -X; default $KAFKA_CHAT_CONFIG, else\n"
         "~/.config/kafka-chat.conf if it exists"},
        {'X', NULL, "KEY=VALUE", 0,
         "set a librdkafka property (repeatable);\n"
         "-X list prints them all"},
        {LONG_TIMEOUT, "timeout", "SECONDS", 0,
         "how long to wait for an unreachable broker, or\n"
         "for a line's delivery (default 30)"},
        {LONG_ESCAPE, "escape", "WHEN", OPT_ESCAPE,
         "show control characters in messages escaped:\n"
         "auto (on a terminal, the default), always, never"},
        {'v', "verbose", NULL, 0, "say more on stderr; -vv adds librdkafka's log"},
        {'q', "quiet", NULL, 0, "print only errors on stderr"},
        {'h', "help", NULL, 0, "show this help and exit"},
        {'V', "version", NULL, 0, "show the version and exit"},
};

#define NOPTIONS (sizeof(option_table) / sizeof(option_table[0]))

static int takes(const struct program *prog, const struct option_desc *d)
{
        return d->only == 0 || (prog->accepts & d->only);
}

static void print_help(const struct program *prog)
{
        printf("Usage: %s [OPTION]...\n%s\n\n%s\n\nOptions:\n", prog->name,
               prog->summary, prog->description);

        for (size_t i = 0; i < NOPTIONS; i++) {
                const struct option_desc *d = &option_table[i];
                char left[64];
                const char *help = d->help;
                int n = 0;

                if (!takes(prog, d))
                        continue;
                if (d->key < 256)
                        n += snprintf(left + n, sizeof(left) - (size_t)n, "-%c%s",
                                      d->key, d->name ? ", " : "");
                else
                        n += snprintf(left + n, sizeof(left) - (size_t)n, "    ");
                if (d->name)
                        n += snprintf(left + n, sizeof(left) - (size_t)n, "--%s%s",
                                      d->name, d->arg ? "=" : "");
                if (d->arg)
                        snprintf(left + n, sizeof(left) - (size_t)n, "%s%s",
                                 d->name ? "" : " ", d->arg);

                /* Help text may span lines; indent the continuations. */
                printf("  %-32s ", left);
                for (const char *nl; (nl = strchr(help, '\n')); help = nl + 1)
                        printf("%.*s\n  %-32s ", (int)(nl - help), help, "");
                printf("%s\n", help);
        }
        if (prog->more_help)
                prog->more_help(stdout);
        printf("\nExit status:\n%s", prog->exit_codes);
}

static void print_version(const struct program *prog)
{
        printf("%s %s (librdkafka %s, jansson %s, libsodium %s)\n", prog->name,
               KAFKA_CHAT_VERSION, rd_kafka_version_str(), JANSSON_VERSION,
               sodium_version_string());
}

static int parse_timeout(const char *text, int *ms)
{
        char *end;
        double seconds = strtod(text, &end);

        if (end == text || *end != '\0' || !(seconds > 0) || seconds > 86400)
                return -1;
        *ms = (int)ceil(seconds * 1000);
        return 0;
}

/* A whole number within [min, max]. */
static int parse_long(const char *text, long long min, long long max, long long *value)
{
        char *end;
        long long n;

        errno = 0;
        n = strtoll(text, &end, 10);
        if (end == text || *end || errno || n < min || n > max)
                return -1;
        *value = n;
        return 0;
}

static int parse_offset(const char *text, struct options *opts)
{
        long long n;

        if (!strcmp(text, "stored"))
                opts->start = START_STORED;
        else if (!strcmp(text, "beginning"))
                opts->start = START_BEGINNING;
        else if (!strcmp(text, "end"))
                opts->start = START_END;
        else if (text[0] == '-' && parse_long(text + 1, 1, INT64_MAX / 2, &n) == 0) {
                opts->start       = START_TAIL;
                opts->start_value = n;
        } else if (parse_long(text, 0, INT64_MAX / 2, &n) == 0) {
                opts->start       = START_OFFSET;
                opts->start_value = n;
        } else
                return -1;
        return 0;
}

/* --since: a duration back from now, or a local date and time. */
static int parse_since(const char *text, struct options *opts)
{
        static const struct {
                char unit;
                long long ms;
        } units[] = {{'s', 1000}, {'m', 60 * 1000}, {'h', 3600 * 1000}, {'d', 86400 * 1000}};
        struct tm tm;
        struct timespec now;
        char *end;
        const char *rest;
        long long n;

        clock_gettime(CLOCK_REALTIME, &now);
        n = strtoll(text, &end, 10);
        if (end != text && n >= 0 && end[0] && !end[1]) {
                for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                        if (*end == units[i].unit && n <= 100LL * 365 * 86400) {
                                opts->start       = START_TIME;
                                opts->start_value = (long long)now.tv_sec * 1000 -
                                                    n * units[i].ms;
                                return 0;
                        }
                return -1;
        }

        memset(&tm, 0, sizeof(tm));
        rest = strptime(text, "%Y-%m-%d", &tm);
        if (rest && (*rest == ' ' || *rest == 'T')) {
                const char *time_part = rest + 1;

                rest = strptime(time_part, "%H:%M:%S", &tm);
                if (!rest)
                        rest = strptime(time_part, "%H:%M", &tm);
        }
        if (!rest || *rest)
                return -1;
        tm.tm_isdst = -1; /* local time, whatever the season */
        opts->start       = START_TIME;
        opts->start_value = (long long)mktime(&tm) * 1000;
        return 0;
}

enum options_result options_parse(struct options *opts,
                                  const struct program *prog, int argc,
                                  char **argv)
{
        struct option longopts[NOPTIONS + 1];
        char shortopts[2 * NOPTIONS + 2];
        size_t nlong = 0, nshort = 0;
        long long number;
        int reading_history = 0;
        int c;

        memset(opts, 0, sizeof(*opts));
        opts->topic      = DEFAULT_TOPIC;
        opts->timeout_ms = DEFAULT_TIMEOUT_MS;
        opts->history    = DEFAULT_HISTORY;
        opts->room_prefix = "";
        opts->color      = prog->accepts & OPT_CHAT ? COLOR_AUTO : COLOR_NEVER;
        opts->properties = calloc((size_t)argc + 1, sizeof(*opts->properties));
        opts->highlights = calloc((size_t)argc + 1, sizeof(*opts->highlights));
        if (!opts->properties || !opts->highlights) {
                options_free(opts);
                diag_error("out of memory");
                return OPTIONS_BAD;
        }

        /* Build getopt's tables from ours, for this program only. */
        shortopts[nshort++] = ':'; /* report a missing argument as ':' */
        for (size_t i = 0; i < NOPTIONS; i++) {
                const struct option_desc *d = &option_table[i];

                if (!takes(prog, d))
                        continue;
                if (d->key < 256) {
                        shortopts[nshort++] = (char)d->key;
                        if (d->arg)
                                shortopts[nshort++] = ':';
                }
                if (d->name)
                        longopts[nlong++] = (struct option){
                                d->name, d->arg ? required_argument : no_argument,
                                NULL, d->key};
        }
        shortopts[nshort]  = '\0';
        longopts[nlong]    = (struct option){NULL, 0, NULL, 0};

        opterr = 0; /* we word the errors ourselves */
        while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
                switch (c) {
                case 'b':
                        opts->bootstrap = optarg;
                        break;
                case 't':
                        if (!*optarg) {
                                diag_error("the topic name is empty");
                                goto usage;
                        }
                        opts->topic = optarg;
                        break;
                case 'p': {
                        char *end;
                        long n = strtol(optarg, &end, 10);

                        if (end == optarg || *end || n < 0 || n > INT32_MAX) {
                                diag_error("-p takes a partition number, not '%s'",
                                           optarg);
                                goto usage;
                        }
                        opts->partition = (int)n;
                        break;
                }
                case 'g':
                        if (!*optarg) {
                                diag_error("the group name is empty");
                                goto usage;
                        }
                        opts->group = optarg;
                        break;
                case 'F':
                        opts->config_file = optarg;
                        break;
                case 'X':
                        if (!strcmp(optarg, "list")) {
                                rd_kafka_conf_properties_show(stdout);
                                goto done;
                        }
                        if (!strchr(optarg, '=') || optarg[0] == '=') {
                                diag_error("-X takes KEY=VALUE, not '%s'", optarg);
                                goto usage;
                        }
                        opts->properties[opts->nproperties++] = optarg;
                        break;
                case LONG_TIMEOUT:
                        if (parse_timeout(optarg, &opts->timeout_ms) == -1) {
                                diag_error("--timeout takes a number of seconds "
                                           "(up to 86400), not '%s'", optarg);
                                goto usage;
                        }
                        break;
                case LONG_ESCAPE:
                        if (!strcmp(optarg, "auto"))
                                opts->escape = ESCAPE_AUTO;
                        else if (!strcmp(optarg, "always"))
                                opts->escape = ESCAPE_ALWAYS;
                        else if (!strcmp(optarg, "never"))
                                opts->escape = ESCAPE_NEVER;
                        else {
                                diag_error("--escape takes auto, always or never, "
                                           "not '%s'", optarg);
                                goto usage;
                        }
                        break;
                case LONG_NAME:
                        if (!*optarg) {
                                diag_error("the name is empty");
                                goto usage;
                        }
                        opts->name = optarg;
                        break;
                case LONG_HISTORY:
                        if (parse_long(optarg, 0, 100000, &number) == -1) {
                                diag_error("--history takes a number of lines, not '%s'",
                                           optarg);
                                goto usage;
                        }
                        opts->history = (int)number;
                        break;
                case LONG_ROOM_PREFIX:
                        opts->room_prefix = optarg;
                        break;
                case LONG_COLOR:
                        if (!strcmp(optarg, "auto"))
                                opts->color = COLOR_AUTO;
                        else if (!strcmp(optarg, "always"))
                                opts->color = COLOR_ALWAYS;
                        else if (!strcmp(optarg, "never"))
                                opts->color = COLOR_NEVER;
                        else {
                                diag_error("--color takes auto, always or never, not '%s'",
                                           optarg);
                                goto usage;
                        }
                        break;
                case LONG_HIGHLIGHT:
                        if (!*optarg) {
                                diag_error("--highlight takes a word, not ''");
                                goto usage;
                        }
                        opts->highlights[opts->nhighlights++] = optarg;
                        break;
                case LONG_NO_BELL:
                        opts->no_bell = 1;
                        break;
                case LONG_KEY_FILE:
                        opts->key_file = optarg;
                        break;
                case LONG_ENCRYPTED:
                        opts->encrypted = 1;
                        break;
                case 'o':
                        if (parse_offset(optarg, opts) == -1) {
                                diag_error("-o takes stored, beginning, end, N or -N, "
                                           "not '%s'", optarg);
                                goto usage;
                        }
                        reading_history = 1;
                        break;
                case LONG_SINCE:
                        if (parse_since(optarg, opts) == -1) {
                                diag_error("--since takes a duration such as 10m or a "
                                           "time such as '2026-11-25 14:00', not '%s'",
                                           optarg);
                                goto usage;
                        }
                        reading_history = 1;
                        break;
                case LONG_COMMIT:
                        opts->commit = 1;
                        break;
                case 'c':
                        if (parse_long(optarg, 1, LONG_MAX, &number) == -1) {
                                diag_error("-c takes a number of records, not '%s'", optarg);
                                goto usage;
                        }
                        opts->count = (long)number;
                        break;
                case 'e':
                        opts->exit_at_end = 1;
                        break;
                case LONG_IDLE:
                        if (parse_timeout(optarg, &opts->idle_ms) == -1) {
                                diag_error("--idle-timeout takes a number of seconds "
                                           "(up to 86400), not '%s'", optarg);
                                goto usage;
                        }
                        break;
                case LONG_JSON:
                        opts->json = 1;
                        break;
                case 'v':
                        opts->verbose = opts->verbose < 0 ? 1 : opts->verbose + 1;
                        break;
                case 'q':
                        opts->verbose = -1;
                        break;
                case 'h':
                        print_help(prog);
                        goto done;
                case 'V':
                        print_version(prog);
                        goto done;
                case ':':
                        diag_error("option '%s' needs an argument", argv[optind - 1]);
                        goto usage;
                default:
                        if (optopt && optopt < 256)
                                diag_error("unknown option '-%c'", optopt);
                        else
                                diag_error("unknown option '%s'", argv[optind - 1]);
                        goto usage;
                }
        }
        if (optind < argc) {
                diag_error("unexpected argument '%s'", argv[optind]);
                goto usage;
        }
        /* Reading history leaves the group's position alone unless asked;
         * the default start is the group's position, so commit then. */
        if (!reading_history || opts->start == START_STORED)
                opts->commit = 1;
        return OPTIONS_RUN;

done:
        options_free(opts);
        return OPTIONS_DONE;

usage:
        options_hint();
        options_free(opts);
        return OPTIONS_BAD;
}

void options_hint(void)
{
        fprintf(stderr, "Try '%s --help' for more information.\n",
                program_invocation_short_name);
}

void options_free(struct options *opts)
{
        free(opts->properties);
        opts->properties  = NULL;
        opts->nproperties = 0;
        free(opts->highlights);
        opts->highlights  = NULL;
        opts->nhighlights = 0;
}
