/*
 * options - the command line both programs share.
 *
 * One table describes every option; each program names the ones it
 * takes, and --help is printed from the same table, so the two programs
 * cannot drift apart.
 */
#ifndef KC_OPTIONS_H
#define KC_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "color.h"
#include "output.h"

#define KAFKA_CHAT_VERSION "1.2.0"

/* The seed's settings. */
#define DEFAULT_BOOTSTRAP "localhost:9092"
#define DEFAULT_TOPIC "chat"
#define DEFAULT_GROUP "chat-group"
#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_HISTORY 10

/* Options only some programs take (the rest are common to all). */
enum {
        OPT_GROUP     = 1 << 0, /* -g, consumer_chat's wording */
        OPT_ESCAPE    = 1 << 1, /* --escape */
        OPT_PARTITION = 1 << 2, /* -p */
        OPT_NAME      = 1 << 3, /* --name, producer_chat's wording */
        OPT_READ      = 1 << 4, /* consumer_chat's -o, --since, -c, -e ... */
        OPT_CHAT      = 1 << 5, /* kafka-chat's --name, -g, --history, --room-prefix */
};

/* Where a consumer starts reading (-o, --since). */
enum start_at {
        START_STORED,    /* the group's committed position (the default) */
        START_BEGINNING,
        START_END,
        START_OFFSET,    /* start_value: an offset */
        START_TAIL,      /* start_value: that many records before the end */
        START_TIME,      /* start_value: milliseconds since the epoch */
};

/* Exit statuses, the same for every program. */
enum {
        EXIT_OK          = 0,
        EXIT_FAILURE_RUN = 1, /* something was not delivered, or failed */
        EXIT_USAGE       = 2,
        EXIT_UNREACHABLE = 3, /* could not connect to Kafka */
};

struct options {
        const char *bootstrap;    /* -b; NULL: DEFAULT_BOOTSTRAP */
        const char *topic;        /* -t */
        const char *group;        /* -g; NULL: DEFAULT_GROUP */
        const char *config_file;  /* -F; NULL: $KAFKA_CHAT_CONFIG, then
                                   * ~/.config/kafka-chat.conf if present */
        int timeout_ms;           /* --timeout */
        int verbose;              /* -v counts up, -q sets -1 */
        enum escape_mode escape;  /* --escape */
        int partition;            /* -p */
        const char *name;         /* --name: the records' "sender" */
        /* consumer_chat's reading options */
        enum start_at start;      /* -o, --since */
        long long start_value;
        long count;               /* -c: lines to show; 0 for no limit */
        int idle_ms;              /* --idle-timeout; 0 for none */
        int exit_at_end;          /* -e */
        int json;                 /* --json */
        int commit;               /* --commit: also with -o or --since */
        int history;              /* chat's --history */
        const char *room_prefix;  /* chat's --room-prefix: rooms are the
                                   * topics named PREFIX+ROOM; "" if none */
        const char *key_file;     /* --key-file: an encrypted room's passphrase */
        int encrypted;            /* chat's --encrypted: ask for it */
        const char **properties;  /* -X KEY=VALUE, in command-line order */
        size_t nproperties;
        enum color_mode color;    /* --color: auto for the chat, never for
                                   * consumer_chat (the seed's look) */
        const char **highlights;  /* chat's --highlight WORD, in order */
        size_t nhighlights;
        int no_bell;              /* chat's --no-bell */
};

struct program {
        const char *name;
        const char *summary;      /* one line for --help */
        const char *description;  /* paragraphs for --help */
        unsigned accepts;         /* OPT_* bits */
        const char *exit_codes;   /* the exit-status section of --help */
        void (*more_help)(FILE *out); /* a section after the options, or NULL */
};

/* What options_parse() says: go on, or exit with this status. */
enum options_result {
        OPTIONS_RUN  = -1,
        OPTIONS_DONE = EXIT_OK,    /* --help, --version or -X list was served */
        OPTIONS_BAD  = EXIT_USAGE, /* a usage error was reported */
};

/* Parses the command line into opts. Unless it returns OPTIONS_RUN, opts
 * is already freed and the result is the program's exit status. */
enum options_result options_parse(struct options *opts,
                                  const struct program *prog, int argc,
                                  char **argv);

/* Prints the "Try --help" line that ends every usage error. */
void options_hint(void);

void options_free(struct options *opts);

#endif
