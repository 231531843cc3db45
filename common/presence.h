/*
 * presence - who is in a chat room, from Kafka alone.
 *
 * Each one-window chat in a room is a member of the room's consumer group
 * (kafka-chat.room.TOPIC), whose client.id carries its name; it reads
 * nothing there (its partitions stay paused). Who is here is the group's
 * member list (DescribeConsumerGroups), asked for whenever the group
 * rebalances and every PRESENCE_POLL_MS besides: a chat that leaves quits
 * the group at once, one that crashes or loses its network drops out when
 * its session times out (10 s). No record is written anywhere, so the seed
 * and consumer_chat read the room as they always did; programs that are
 * not such members (producer_chat, the seed) appear only through their
 * messages. Two windows of one name count once.
 */
#ifndef KC_PRESENCE_H
#define KC_PRESENCE_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "client.h"
#include "config.h"
#include "deadline.h"

/* How often the member list is asked for besides rebalances, in ms. */
#define PRESENCE_POLL_MS 2000

/* The prefix of a member's client.id; the rest is its name. */
#define PRESENCE_CLIENT_PREFIX "kafka-chat:"

struct presence {
        struct client client;        /* our member of the room's group */
        rd_kafka_queue_t *queue;     /* its consumer queue */
        rd_kafka_queue_t *answers;   /* where the member lists come */
        char group[300];             /* kafka-chat.room.TOPIC */
        char **names;                /* who is here, sorted, each once */
        size_t count;
        int known;                   /* a member list came */
        int asking;                  /* a request is on its way */
        int again;                   /* the group changed: ask as soon as we can */
        long long next_ms;           /* when to ask next */
        char problem[512];           /* why presence does not work here, once */
        int problem_told;
};

/* What changed: who came and who went. Owned by the caller, released
 * with presence_change_free(). */
struct presence_change {
        char **came, **went;
        size_t ncame, nwent;
};

/* Joins the room's group as NAME (a client of cfg's brokers and security
 * settings; diagnostics through voice). Returns 0, or -1 after saying why
 * (a usage error). */
int presence_open(struct presence *p, const struct config *cfg, const char *topic,
                  const char *name, const struct voice *voice);

/* Makes the fd a program polls readable when presence has news. */
void presence_wake(struct presence *p, int fd);

/* Serves the member's group traffic and the answers. Returns 1 when who
 * is here changed (what changed in *change; the first list counts as no
 * change), 0 if not. A refusal (no access to the group, say) lands in
 * p->problem. */
int presence_serve(struct presence *p, struct presence_change *change);

void presence_change_free(struct presence_change *change);

/* Milliseconds until presence_serve() wants to ask again, or -1 while it
 * waits for an answer (which wakes the program) or has given up. */
int presence_next_ms(const struct presence *p);

/* Leaves the group (others see us go at once; until the deadline) and
 * releases everything. */
void presence_close(struct presence *p, const struct deadline *until);

#endif
