/*
 * rooms - the chat rooms of a cluster: topics that hold chat records.
 *
 * A room is a topic. With a prefix, the rooms are the topics whose names
 * start with it (a room's name is the rest); without one, the topics whose
 * newest records (a few per partition) are chat records, as the seed and
 * our programs write them. Kafka's own topics (__consumer_offsets and the
 * like) are never rooms.
 */
#ifndef KC_ROOMS_H
#define KC_ROOMS_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "config.h"
#include "diag.h"

/* Records read from the end of each partition to judge a topic. */
#define ROOMS_SAMPLE 3

/* Whether name can be a room (a Kafka topic name: letters, digits, '.',
 * '_' and '-', at most 249 of them, neither "." nor ".."). */
int rooms_valid_name(const char *name);

/* The rooms, as a sorted list of names ended by NULL (*rooms, owned by
 * the caller: rooms_free()), using a client of cfg's brokers and security
 * settings (diagnostics through voice), at most timeout_ms. Returns their
 * number, or -1 with the reason in errstr. */
long rooms_list(const struct config *cfg, const struct voice *voice, const char *prefix,
                int timeout_ms, char ***rooms, char *errstr, size_t errstr_size);

void rooms_free(char **rooms);

/* What rooms_newest() hands over: one record (not an error). */
typedef void rooms_record_fn(void *ctx, const rd_kafka_message_t *msg);

/* Hands fn the newest count records of each partition of topic (or only
 * of partition, unless it is -1), each partition's in offset order, read
 * for at most timeout_ms by a client of cfg's (diagnostics through voice):
 * what an encrypted room's salt is, and whether a room is one. A topic
 * that is not there has none. Returns how many, or -1 with the reason in
 * errstr. */
long rooms_newest(const struct config *cfg, const struct voice *voice, const char *topic,
                  int32_t partition, int count, int timeout_ms, rooms_record_fn *fn, void *ctx,
                  char *errstr, size_t errstr_size);

#endif
