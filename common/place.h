/*
 * place - a reader's place kept in a consumer group it does not join.
 *
 * consumer_chat keeps its place in its own group, committing as a member.
 * The one-window chat's reader is a member of the room's group instead
 * (that is how the others see it: common/presence.h), and keeps your place
 * in your own group, kafka-chat-NAME, which has no members: its offsets
 * are read and written with the admin requests for a group's offsets
 * (ListConsumerGroupOffsets and AlterConsumerGroupOffsets, the requests
 * Kafka's own tools use), from the reader's client.
 *
 * These requests go to the group's coordinator, and are given the longest
 * timeout there is: librdkafka up to 2.14 at least aborts on a coordinator
 * request that timed out while the coordinator was away (its issue 4605),
 * so the waiting is ours (a deadline), never the request's.
 *
 * And when the coordinator moves (its broker frozen or restarted, the
 * group's partition of __consumer_offsets led elsewhere), librdkafka keeps
 * asking the broker it found first for as long as that broker is up: its
 * cache of coordinators forgets one only when unused for
 * metadata.max.age.ms, and admin requests never evict it on "not
 * coordinator" (rdkafka_coord.c; its pull request 3847 is still open). So
 * once an answer says the coordinator is elsewhere, the place's requests
 * go through a client of its own, made then with an empty cache, and made
 * again each time that happens (once a second at most: while the
 * coordinator is away, every retry hears so).
 */
#ifndef KC_PLACE_H
#define KC_PLACE_H

#include <librdkafka/rdkafka.h>

#include "client.h"
#include "config.h"
#include "deadline.h"
#include "diag.h"

/* A group's place and the client that asks its coordinator. */
struct place {
        const char *group;         /* the group that keeps it */
        rd_kafka_t *reader;        /* the reader's client: asks until the coordinator moves */
        struct client own;         /* then ours: own.rk NULL until then */
        unsigned made;             /* clients made so far: a request's ticket */
        long long made_ms;         /* when the last was (deadline_now_ms()) */
        const struct config *cfg;  /* the settings to make it with (outlive the place) */
        const struct voice *voice;
};

/* Begins asking group's coordinator from the reader's client. */
void place_init(struct place *pl, const char *group, rd_kafka_t *reader,
                const struct config *cfg, const struct voice *voice);

/* Destroys the place's own client, if it made one. */
void place_free(struct place *pl);

/* The committed offsets of the group for parts (their offset fields are
 * set; RD_KAFKA_OFFSET_INVALID where none), waiting until the deadline.
 * Returns NO_ERROR or why not. */
rd_kafka_resp_err_t place_committed(struct place *pl, rd_kafka_topic_partition_list_t *parts,
                                    const struct deadline *until);

/* Sends a commit of offsets to the group; the answer comes to queue as an
 * event for place_answer(). The queue must be the reader's, or of a
 * client that outlives the place. Returns the commit's ticket: while
 * place_answered(pl, ticket) is false an answer is still to come. */
unsigned place_commit(struct place *pl, const rd_kafka_topic_partition_list_t *offsets,
                      rd_kafka_queue_t *queue);

/* Whether a commit sent with ticket has no answer to come: the client that
 * sent it was replaced since (its request is lost with it, or went to a
 * broker that is not the coordinator). */
int place_answered(const struct place *pl, unsigned ticket);

/* What a commit's answer says: NO_ERROR, or the error of the request, of
 * the group or of its first partition that failed, or
 * RD_KAFKA_RESP_ERR__OUTDATED for an answer place_answered() already gave
 * up on. Destroys ev. */
rd_kafka_resp_err_t place_answer(struct place *pl, rd_kafka_event_t *ev);

/* Commits offsets to the group and waits for the answer until the
 * deadline. */
rd_kafka_resp_err_t place_commit_wait(struct place *pl,
                                      const rd_kafka_topic_partition_list_t *offsets,
                                      const struct deadline *until);

#endif
