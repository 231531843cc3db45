/*
 * kafka - librdkafka configuration and connection health, shared by the
 * programs: building the configuration from defaults and options, the
 * error and log callbacks, and waiting for the first broker.
 */
#ifndef KC_KAFKA_H
#define KC_KAFKA_H

#include <stdatomic.h>
#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "options.h"

/* Where a program takes its clients' warnings while it runs, instead of
 * stderr: the one-window chat shows them above the line being typed. */
typedef void kafka_warn_fn(void *ctx, const char *text);

/* What librdkafka's callbacks report to the main loop. It is the
 * configuration's opaque: every callback gets it. Owned by main. */
struct kafka_status {
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
        kafka_warn_fn *warn_to;       /* NULL: stderr (diag_warn) */
        void *warn_ctx;
};

/* A warning about the client of status (printf-style): to status->warn_to
 * if the program set one, else on stderr. Main thread only. */
void kafka_warn(const struct kafka_status *status, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

struct kafka_property {
        const char *key;
        const char *value;
};

/* Sets one property of conf. Returns 0, or -1 after an error that names
 * the key and where it came from (origin: "-X", "default"), never the
 * value: it may be a password. */
int kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value,
                   const char *origin);

/* Builds a configuration: first the defaults, lists of them ended by a
 * NULL key (ours for the kind of client, then the program's), then the config
 * file (see options.h), then -b and -g, then each -X in order, so the user
 * has the last word. Defaults of the classic group protocol are left out
 * where the user asks for the new one (group.protocol=consumer), which
 * refuses them. Returns NULL after printing what was wrong (a usage
 * error). */
rd_kafka_conf_t *kafka_conf_new(const struct options *opts,
                                const struct kafka_property *const *defaults,
                                struct kafka_status *status);

/* Milliseconds on the monotonic clock: for deadlines and timeouts. */
long long kafka_now_ms(void);

/* A record's own Kafka timestamp in seconds, for a record without a
 * usable "time" (the current time if it has none either). */
double kafka_message_time(const rd_kafka_message_t *msg);

/* In a rebalance callback: takes the partitions the group hands over
 * (err RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) or gives up those it takes
 * back, the way the group's protocol wants: one by one for cooperative
 * rebalancing (and KIP-848's), all at once for eager. Returns 0, or -1
 * with the reason in errstr. */
int kafka_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                    const rd_kafka_topic_partition_list_t *parts, char *errstr, size_t size);

/* A numeric property of the client's configuration (0 if unset). */
size_t kafka_conf_number(rd_kafka_t *rk, const char *key);

/* The configured bootstrap.servers, for messages. */
const char *kafka_bootstrap(rd_kafka_t *rk, char *buf, size_t size);

/* Waits until a broker answers and the topic is there with its partitions
 * (asking for it creates it where the broker allows, as kafka-python
 * does), serving callbacks with rd_kafka_poll() meanwhile: call it before
 * rd_kafka_poll_set_consumer(). Returns 0, or -1 after printing why not:
 * timeout_ms passed, an authentication or fatal error, or a stop signal
 * (then quietly). *partitions gets the topic's partition count. */
int kafka_wait_ready(rd_kafka_t *rk, struct kafka_status *status,
                     const char *topic, int timeout_ms, int *partitions);

/* Commits offsets (NULL: what is stored) and waits for the answer, at most
 * timeout_ms (rd_kafka_commit() may wait as long as the coordinator is
 * away). */
rd_kafka_resp_err_t kafka_commit(rd_kafka_t *rk,
                                 const rd_kafka_topic_partition_list_t *offsets,
                                 int timeout_ms);

/* Queues one record. A full local queue only means we are ahead of the
 * broker: it waits for room, serving callbacks, as librdkafka's examples
 * do (the queue drains within message.timeout.ms whatever happens).
 * Returns RD_KAFKA_RESP_ERR_NO_ERROR or why the record was refused. */
rd_kafka_resp_err_t kafka_produce(rd_kafka_t *rk, rd_kafka_topic_t *rkt,
                                  int32_t partition, const void *value, size_t len,
                                  void *opaque);

/* A producer, and with rkt its handle of opts' topic: our producer defaults, then the
 * program's (NULL-key ended), message.timeout.ms from --timeout, then the
 * user's (see kafka_conf_new()). Returns NULL after saying why. */
rd_kafka_t *kafka_producer_new(const struct options *opts,
                               const struct kafka_property *defaults,
                               struct kafka_status *status,
                               void (*on_delivery)(rd_kafka_t *, const rd_kafka_message_t *,
                                                   void *),
                               rd_kafka_topic_t **rkt);

/* At the end of a producer: delivers what is queued, for at most
 * timeout_ms; a (second) stop signal gives up at once. What is left is
 * purged and so reported as failed to the delivery report callback. With
 * tell, a note says that we wait, and how to give up. */
void kafka_drain(rd_kafka_t *rk, int timeout_ms, int tell);

#endif
