/*
 * presence - who is in a chat room, from Kafka alone.
 *
 * Each one-window chat's reader of a room (a CLIENT_ROOM, common/client.h)
 * is a member of the room's consumer group, kafka-chat.room.TOPIC, with
 * its name in its client.id. It reads the room's partitions by hand, all
 * of them, whatever the group hands out: the group only says who is here.
 * With the classic protocol every join and every leave (a crash: when its
 * session times out) is a rebalance that every member takes part in, and
 * librdkafka calls the rebalance callback of every member at the end of
 * each, changed or not (cooperative rebalancing); with the cooperative
 * protocol a rebalance never takes the partitions being read away. So each
 * member asks the group's coordinator for the member list
 * (DescribeConsumerGroups) once after each rebalance, at a random moment
 * within a spread that grows with the room, so that a room does not ask
 * all at once; and once in a long while besides, in case a rebalance went
 * by unseen. Nothing is written anywhere: the seed and consumer_chat read
 * the room as they always did; programs that are not members
 * (producer_chat, the seed) appear only through their messages. Two
 * windows of one name count once.
 */
#ifndef KC_PRESENCE_H
#define KC_PRESENCE_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "client.h"

/* The prefix of a member's client.id; the rest is its name. */
#define PRESENCE_CLIENT_PREFIX "kafka-chat:"

/* The longest wait between two member lists, in ms, if no rebalance
 * comes: a room of N asks at most once every PRESENCE_REFRESH_MS / N on
 * average (and at least this often per member once N is small). */
#define PRESENCE_REFRESH_MS 60000

/* After a rebalance, members ask within this many ms per member present,
 * at most PRESENCE_SPREAD_MAX_MS. */
#define PRESENCE_SPREAD_PER_MEMBER_MS 10
#define PRESENCE_SPREAD_MAX_MS 1000

/* How long the first list waits for our own join, at most, in ms: longer
 * than a new group's first rebalance delay (3 s by default). */
#define PRESENCE_JOIN_WAIT_MS 5000

struct presence {
        struct client *client;       /* the room's reader: a member of the group */
        rd_kafka_queue_t *answers;   /* where the member lists come */
        char group[300];             /* kafka-chat.room.TOPIC */
        char **names;                /* who is here, sorted, each once */
        size_t count;
        size_t members;              /* in the last list, counting windows */
        int known;                   /* a member list came */
        int asking;                  /* a request is on its way */
        int again;                   /* a rebalance came while asking */
        long long next_ms;           /* when to ask next */
        unsigned seed;               /* for the spread */
        char problem[512];           /* why presence does not work here, once */
        int problem_told;
};

/* What changed: who came and who went. Owned by the caller, released
 * with presence_change_free(). */
struct presence_change {
        int first;                   /* the first list: who is here (p->names) */
        char **came, **went;
        size_t ncame, nwent;
};

/* The client.id and group.id that make the room's reader a member of the
 * room's group as name. */
void presence_ids(const char *topic, const char *name, char *client_id, size_t client_size,
                  char *group, size_t group_size);

/* Joins the room's group through cl (made with presence_ids()'s ids),
 * which goes on reading what it was assigned by hand. */
void presence_open(struct presence *p, struct client *cl, const char *topic);

/* The reader's rebalance callback hands the group's rebalances here: the
 * group is answered without touching what the reader reads, and a member
 * list is asked for soon. */
void presence_rebalanced(struct presence *p, rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts);

/* An error the reader got: if it is the group refusing us (no access to
 * it, say), presence gives up and p->problem says why. Returns 1 if it
 * was such an error, 0 if not. */
int presence_refused(struct presence *p, rd_kafka_resp_err_t err, const char *reason);

/* Makes fd readable when a member list comes. */
void presence_wake(struct presence *p, int fd);

/* Takes the answers, asks again when it is time. Returns 1 when there is
 * news: the first list (change->first), or who came and went since the
 * last (*change); 0 if not. */
int presence_serve(struct presence *p, struct presence_change *change);

void presence_change_free(struct presence_change *change);

/* Milliseconds until presence_serve() wants to ask, or -1 while it waits
 * for an answer (which wakes the program) or has given up. */
int presence_next_ms(const struct presence *p);

/* Releases everything but the client, which its owner closes (leaving
 * the group: the others see us go at once). */
void presence_close(struct presence *p);

#endif
