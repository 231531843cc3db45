/*
 * client - a librdkafka client's life: made by one factory from our
 * defaults and the user's settings (common/config), its callbacks, waiting
 * for the first broker, producing, committing, and its end.
 *
 * Every client the programs make is one of four roles, and gets the
 * defaults of its role after those all clients share; the program's own
 * come next, then the user's, then what a role cannot do without (the
 * presence member's group and name).
 */
#ifndef KC_CLIENT_H
#define KC_CLIENT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "config.h"
#include "deadline.h"
#include "diag.h"

/* The struct of type that holds member at ptr: how a callback gets from
 * the struct client it is given to the struct that embeds it. The
 * conditional makes the compiler check that ptr points to member's type. */
#define container_of(ptr, type, member)                                                  \
        ((type *)(void *)((char *)(1 ? (ptr) : &((type *)0)->member) -                   \
                          offsetof(type, member)))

enum client_role {
        CLIENT_PRODUCER, /* sends lines: producer_chat, kafka-chat's outbox */
        CLIENT_READER,   /* reads a topic and commits what it showed */
        CLIENT_ROOM,     /* kafka-chat's reader: reads a room by hand, keeps your
                          * place in your group, and is a member of the room's
                          * group (presence) */
        CLIENT_SAMPLER,  /* reads the ends of partitions by hand (/rooms) */
        CLIENT_PLACE,    /* asks a group's coordinator afresh (common/place.h) */
};

typedef void client_delivery_fn(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque);
typedef void client_rebalance_fn(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                                 rd_kafka_topic_partition_list_t *parts, void *opaque);

/* A client and what librdkafka's callbacks report to the main loop (the
 * client is their opaque). Owned by whoever embeds it. */
struct client {
        rd_kafka_t *rk;
        enum client_role role;
        int verbose;                  /* from the options */
        int startup;                  /* still connecting: keep errors for the final one */
        rd_kafka_resp_err_t error;    /* the last error, or NO_ERROR */
        char reason[512];             /* its text */
        int fatal;                    /* no point in retrying (fatal, authentication) */
        /* The X.509 error of the broker's certificate, if it failed; set by
         * librdkafka's threads, hence atomic. */
        atomic_int certificate_error;
        unsigned long delivered;      /* producers: delivery reports, good */
        unsigned long failed;         /*            and failed */
        unsigned assigned;            /* consumers: the group's assignments served
                                       * (one after each SyncGroup, even of nothing) */
        int leaving;                  /* consumers: client_leave() began */
        int left;                     /* consumers: left the group (client_leave()) */
        client_rebalance_fn *on_rebalance; /* consumers: the group's changes */
        const struct voice *voice;    /* where its diagnostics go; NULL: stderr */
};

/* Newer librdkafka (2.14.2; not 2.8.0 nor 2.0.2, whose headers do not name
 * it: RD_KAFKA_RESP_ERR__DESTROY_BROKER) ends the requests on its way to a
 * broker that left the cluster's metadata, a broker down or restarting,
 * with "broker handle destroyed without termination". Asked again, the
 * broker that takes over answers: it passes like a broken connection. */
#define CLIENT_ERR_BROKER_LEFT ((rd_kafka_resp_err_t)-137)

/* What a program asks of the factory. */
struct client_spec {
        enum client_role role;
        const struct kafka_property *defaults; /* the program's (NULL-key ended), or NULL */
        const struct kafka_property *forced;   /* after the user's, or NULL */
        client_delivery_fn *on_delivery;       /* producers */
        client_rebalance_fn *on_rebalance;     /* group members */
        const struct voice *voice;
};

/* Makes the client. Returns 0, or -1 after saying why (a usage error: a
 * setting librdkafka refuses). */
int client_open(struct client *cl, const struct client_spec *spec, const struct config *cfg);

/* Destroys the client (a consumer that did not leave its group with
 * client_leave() is dropped from it by its session timeout). A consumer
 * caught between its group's JoinGroup and SyncGroup answers on a
 * librdkafka before 2.2 waits for the second, a while (client.c). */
void client_destroy(struct client *cl);

/* Waits until a broker answers and the topic is there with its partitions
 * (asking for it creates it where the broker allows, as kafka-python
 * does), serving callbacks with rd_kafka_poll() meanwhile: call it before
 * rd_kafka_poll_set_consumer(). Returns 0, or -1 after saying why not:
 * timeout_ms passed, an authentication or fatal error, or a stop signal
 * (then quietly). *partitions gets the topic's partition count. */
int client_wait_ready(struct client *cl, const char *topic, int timeout_ms, int *partitions);

/* A record header (name and bytes), or none. */
struct client_header {
        const char *name;
        const void *value;
        size_t len;
};

/* Queues one record. A full local queue only means we are ahead of the
 * broker: it waits for room, serving callbacks, as librdkafka's examples
 * do (the queue drains within message.timeout.ms whatever happens).
 * Returns RD_KAFKA_RESP_ERR_NO_ERROR or why the record was refused. */
rd_kafka_resp_err_t client_produce(struct client *cl, const char *topic, int32_t partition,
                                   const void *value, size_t len,
                                   const struct client_header *header, void *opaque);

/* At the end of a producer: delivers what is queued, until the deadline
 * (a stop signal after it was set gives up at once). What is left is
 * purged and so reported as failed to the delivery report callback. With
 * tell, a note says that we wait, and how to give up. */
void client_drain(struct client *cl, const struct deadline *until, int tell);

/* Commits offsets (NULL: what is stored) and waits for the answer, until
 * the deadline (rd_kafka_commit() may wait as long as the coordinator is
 * away). */
rd_kafka_resp_err_t client_commit(struct client *cl,
                                  const rd_kafka_topic_partition_list_t *offsets,
                                  const struct deadline *until);

/* A consumer leaves its group (and its partitions), until the deadline.
 * Returns why it could not, or NO_ERROR. */
rd_kafka_resp_err_t client_leave(struct client *cl, const struct deadline *until);

/* In a rebalance callback: takes the partitions the group hands over
 * (err RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) or gives up those it takes
 * back, the way the group's protocol wants: one by one for cooperative
 * rebalancing (and KIP-848's), all at once for eager. Returns 0, or -1
 * with the reason in errstr. */
int client_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                     const rd_kafka_topic_partition_list_t *parts, char *errstr, size_t size);

/* A partition's low and high watermarks, until the deadline. librdkafka
 * asks the leader it knows once; while the leader moves (its broker
 * stopped, restarted or frozen, a new one catching up) this asks again.
 * Returns NO_ERROR or why not. */
rd_kafka_resp_err_t client_watermarks(rd_kafka_t *rk, const char *topic, int32_t partition,
                                      int64_t *low, int64_t *high, const struct deadline *until);

/* A numeric property of the client's configuration (0 if unset). */
size_t client_conf_number(const struct client *cl, const char *key);

#endif
