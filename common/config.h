/*
 * config - where librdkafka's settings come from: our defaults, then the
 * user's, which have the last word.
 *
 * The user's settings are read once, when a program starts: the config
 * file (-F, else $KAFKA_CHAT_CONFIG, else ~/.config/kafka-chat.conf if it
 * exists: KEY=VALUE lines, '#' comments and blank lines, as kcat reads
 * them), then -b, -g and each -X in command-line order. Each is checked
 * against librdkafka then, so a mistake is a usage error at start, named
 * by where it was written (never by its value: it may be a password);
 * every client the program makes later gets the same list.
 */
#ifndef KC_CONFIG_H
#define KC_CONFIG_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "options.h"

struct kafka_property {
        const char *key;
        const char *value;
};

/* One setting of the user's, and where it was written ("FILE:LINE:",
 * "-b:", "-g:", "-X"), for messages. */
struct config_entry {
        char *key;
        char *value;
        char *origin;
};

struct config {
        const struct options *opts;     /* the command line: --timeout, -v ... */
        struct config_entry *entries;   /* the user's settings, in order */
        size_t count;
        int consumer_protocol;          /* they ask for group.protocol=consumer */
};

/* Reads and checks the user's settings. Returns 0, or -1 after saying
 * what was wrong and giving the "--help" hint (a usage error). */
int config_load(struct config *cfg, const struct options *opts);

void config_free(struct config *cfg);

/* Sets one property of conf. Returns 0, or -1 after an error that names
 * the key and where it came from (origin: "-X", "default"), never the
 * value. */
int config_set(rd_kafka_conf_t *conf, const char *key, const char *value, const char *origin);

/* Applies a list of our defaults (ended by a NULL key); with
 * consumer_protocol, leaving out those of the classic group protocol,
 * which the new one (KIP-848) refuses. Returns 0, or -1 after saying why. */
int config_defaults(rd_kafka_conf_t *conf, const struct kafka_property *defaults,
                    int consumer_protocol);

/* Applies the user's settings. Returns 0, or -1 after saying why. */
int config_apply(rd_kafka_conf_t *conf, const struct config *cfg);

#endif
