/*
 * consumer - reading a chat topic: what consumer_chat and the one-window
 * chat share.
 *
 * A consumer reads one topic, either as a member of its group
 * (consumer_subscribe: the group hands out the partitions) or on the
 * partitions it picks itself (consumer_assign). The program shows each
 * record in its struct output and calls consumer_done(); the offset after
 * a record is stored for commit only once its line got out
 * (consumer_flush()), so a crash repeats a few lines and never skips one.
 *
 * Through the group's changes it keeps a record shown once: partitions
 * taken away are flushed and their offsets stored first (librdkafka commits
 * them as it lets go), a partition lost to the group is flushed but not
 * committed, one coming back goes on after what we showed, and the final
 * commit names only the partitions that are still ours, after waiting for
 * the group to hand back a partition it took as lost. Eager and cooperative
 * rebalancing both work, and a fatal error (a static member fenced by
 * another) ends the program.
 */
#ifndef KC_CONSUMER_H
#define KC_CONSUMER_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "client.h"
#include "config.h"
#include "deadline.h"
#include "output.h"
#include "place.h"
#include "record.h"
#include "vault.h"

/* Messages taken from librdkafka in one call, at most. */
#define CONSUMER_BATCH 256

/* How often a place kept in another group is committed, at most, in ms
 * (librdkafka's auto.commit.interval.ms for a group's own). */
#define CONSUMER_COMMIT_MS 5000

/* What we know of one partition of the topic. */
struct consumer_partition {
        int64_t written;  /* the offset after the last record whose line got
                           * out, or RD_KAFKA_OFFSET_INVALID */
        int64_t end;      /* with ends_at_start: its end when it came to us */
        unsigned char assigned; /* ours now */
        unsigned char at_end;   /* read to its end */
        unsigned char orphaned; /* lines shown, then lost to the group, which
                                 * has not handed out its partitions again */
};

/* A record in the output batch: where its line ends (a record that shows
 * nothing has an empty one), and the offset to store once that is out. */
struct consumer_line {
        size_t end;
        int32_t partition;
        int64_t next_offset;
};

/* Where a partition nobody of this group has read yet starts: the program
 * sets tp->offset (consumer_chat's -o and --since). */
typedef void consumer_start_fn(void *ctx, rd_kafka_t *rk, rd_kafka_topic_partition_t *tp);

struct consumer {
        struct client client;        /* the callbacks' opaque */
        rd_kafka_queue_t *queue;     /* the consumer queue, once ready */
        const char *topic;
        struct output *out;          /* the program's: where the lines go */
        struct record rec;           /* the record consumer_decode() read */
        /* What the program chose, before consumer_subscribe(). */
        int commit;                  /* commit what is shown (else leave the
                                      * group's position alone) */
        int ends_at_start;           /* a partition's end is also where it
                                      * ended when it came to us (-e) */
        int warn;                    /* warn on stderr about bad records */
        consumer_start_fn *start_at; /* NULL: the group's position */
        void *start_ctx;
        struct vault *vault;         /* an encrypted room's, or NULL */
        /* Per partition, by number. */
        struct consumer_partition *parts;
        int nparts;
        /* The records of the output batch, in order. */
        struct consumer_line *lines;
        size_t nlines, cap;
        /* With a place of another group (place.group set): what is written
         * goes there in the background every CONSUMER_COMMIT_MS, one commit
         * at a time. */
        struct place place;
        rd_kafka_queue_t *answers;   /* their answers */
        int committing;              /* one is on its way */
        unsigned ticket;             /* its ticket (common/place.h) */
        int unsaved;                 /* written moved since the last commit */
        long long commit_ms;         /* when the next may go */
        unsigned rounds_ahead;       /* assignments still to come in a
                                      * cooperative rebalance our revoke
                                      * began (consumer.c) */
        /* Messages taken from librdkafka and not yet handed out. */
        rd_kafka_message_t *batch[CONSUMER_BATCH];
        size_t batch_len, batch_next;
        int one_at_a_time;           /* this librdkafka's batch call moves
                                      * positions past the end (consumer.c) */
};

/* What a program asks of its reader. */
struct consumer_setup {
        const char *topic;
        enum client_role role;                 /* CLIENT_READER, or CLIENT_ROOM */
        const struct kafka_property *defaults; /* the program's: client.id, group.id */
        const struct kafka_property *forced;   /* after the user's, or NULL */
        client_rebalance_fn *on_rebalance;     /* NULL: the group hands out what we read */
        const char *place;                     /* NULL: the place is the client's own
                                                * group's; else this group's (common/place.h) */
        struct output *out;                    /* where the lines go */
        const struct voice *voice;             /* diagnostics; NULL: stderr */
};

/* Creates the client. Returns 0, or -1 after saying why (a usage error: a
 * bad property). */
int consumer_open(struct consumer *c, const struct config *cfg, const struct consumer_setup *setup);

/* Waits until the broker answers and the topic is there (see
 * client_wait_ready()), then routes every event to the consumer queue.
 * Returns 0, or -1 after saying why (quietly on a stop signal). */
int consumer_wait_ready(struct consumer *c, int timeout_ms, int *partitions);

/* Joins the group on the topic. Returns 0, or -1 after saying why. */
int consumer_subscribe(struct consumer *c);

/* Reads the partitions of parts (with their start offsets) by hand, as
 * the one-window chat does: no group membership, but its commits keep
 * the place. It replaces what was read before (a chat reads its history,
 * then what is new from elsewhere). Returns 0, or -1 after saying why. */
int consumer_assign(struct consumer *c, const rd_kafka_topic_partition_list_t *parts);

/* The group's committed offsets for parts, asking again with a pause while
 * the coordinator is on its way (a new broker makes its offsets topic
 * first), at most timeout_ms; an error that will not pass (no access, say)
 * is returned at once. */
rd_kafka_resp_err_t consumer_committed(struct consumer *c,
                                       rd_kafka_topic_partition_list_t *parts,
                                       int timeout_ms);

/* The next record, or an error for the program to report (msg->err set),
 * or NULL when none came within timeout_ms or an event came instead: a
 * partition read to its end (see consumer_at_end()), or a fatal error
 * (c->client.fatal is set, c->client.reason says why). The caller destroys
 * the message. */
rd_kafka_message_t *consumer_poll(struct consumer *c, int timeout_ms);

/* Decodes msg into c->rec, with rec.when the time to show: the record's
 * own, or its Kafka timestamp where that is unusable. A problem is warned
 * about (if c->warn) by topic, partition and offset. In an encrypted room
 * (c->vault) only a sealed line that opens is good, and its line is in
 * c->rec; the vault says what is wrong with any other. */
enum record_status consumer_decode(struct consumer *c, const rd_kafka_message_t *msg);

/* The time msg is shown with, as consumer_decode() finds it, but without
 * opening a sealed line (its time is the same, bound to it): for sorting. */
double consumer_time(struct consumer *c, const rd_kafka_message_t *msg);

/* Notes that msg is handled, its line (if any) now in c->out: its offset
 * is stored once consumer_flush() wrote that far. Returns 0, or -1 when out
 * of memory. */
int consumer_done(struct consumer *c, const rd_kafka_message_t *msg);

/* Notes that everything before offset in partition p counts as shown
 * (the one-window chat's history, shown at another visit): stored for
 * commit, never moving the place back. */
void consumer_shown_until(struct consumer *c, int32_t p, int64_t offset);

/* Writes out c->out's batch, then stores the offsets of the records whose
 * lines got out. Returns what output_flush() returned. */
int consumer_flush(struct consumer *c);

/* With a place of another group: makes fd readable when a background
 * commit's answer comes (the consumer queue's events too). */
void consumer_wake(struct consumer *c, int fd);

/* With a place of another group: takes the answers of background commits,
 * and sends one if what was written moved and it is time. */
void consumer_keep_place(struct consumer *c);

/* Milliseconds until consumer_keep_place() has something to do, or -1. */
int consumer_next_ms(const struct consumer *c);

/* Whether every partition we read is read to its end: an end-of-partition
 * event (also on a topic that ends in a transaction marker, which is never
 * delivered), or with ends_at_start the end it had when it came to us. */
int consumer_at_end(const struct consumer *c);

/* At the end: with c->commit, commits what was written of the partitions
 * still ours (rejoining once if the group forgot us), then leaves the
 * group, both until the deadline. Returns the commit's error, or
 * NO_ERROR. */
rd_kafka_resp_err_t consumer_close(struct consumer *c, const struct deadline *until);

/* Releases everything (destroying the client without leaving the group
 * if consumer_close() was not called). */
void consumer_free(struct consumer *c);

#endif
