/*
 * place - a reader's place kept in a consumer group it does not join.
 *
 * consumer_chat keeps its place in its own group, committing as a member.
 * The one-window chat's reader is a member of the room's group instead
 * (that is how the others see it: common/presence.h), and keeps your place
 * in your own group, kafka-chat-NAME, which has no members: its offsets
 * are read and written with the admin requests for a group's offsets
 * (ListConsumerGroupOffsets and AlterConsumerGroupOffsets, the requests
 * Kafka's own tools use), from the same client.
 *
 * These requests go to the group's coordinator, and are given the longest
 * timeout there is: librdkafka up to 2.14 at least aborts on a coordinator
 * request that timed out while the coordinator was away (its issue 4605),
 * so the waiting is ours (a deadline), never the request's.
 */
#ifndef KC_PLACE_H
#define KC_PLACE_H

#include <librdkafka/rdkafka.h>

#include "deadline.h"

/* The committed offsets of group for parts (their offset fields are set;
 * RD_KAFKA_OFFSET_INVALID where none), waiting until the deadline.
 * Returns NO_ERROR or why not. */
rd_kafka_resp_err_t place_committed(rd_kafka_t *rk, const char *group,
                                    rd_kafka_topic_partition_list_t *parts,
                                    const struct deadline *until);

/* Sends a commit of offsets to group; the answer comes to queue as an
 * event for place_answer(). */
void place_commit(rd_kafka_t *rk, const char *group,
                  const rd_kafka_topic_partition_list_t *offsets, rd_kafka_queue_t *queue);

/* What a commit's answer says: NO_ERROR, or the error of the request, of
 * the group or of its first partition that failed. */
rd_kafka_resp_err_t place_answer(rd_kafka_event_t *ev);

/* Commits offsets to group and waits for the answer until the deadline. */
rd_kafka_resp_err_t place_commit_wait(rd_kafka_t *rk, const char *group,
                                      const rd_kafka_topic_partition_list_t *offsets,
                                      const struct deadline *until);

#endif
