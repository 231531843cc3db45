#include "consumer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "diag.h"
#include "place.h"
#include "pytime.h"
#include "signals.h"

/* The partition's entry, growing the table if need be; NULL when out of
 * memory or for a partition number no topic has. */
static struct consumer_partition *partition(struct consumer *c, int32_t p)
{
        if (p < 0)
                return NULL;
        if (p >= c->nparts) {
                int n = p + 1 > 2 * c->nparts ? p + 1 : 2 * c->nparts;
                struct consumer_partition *grown = realloc(c->parts, (size_t)n * sizeof(*grown));

                if (!grown)
                        return NULL;
                for (int i = c->nparts; i < n; i++)
                        grown[i] = (struct consumer_partition){RD_KAFKA_OFFSET_INVALID,
                                                               RD_KAFKA_OFFSET_INVALID, 0, 0, 0};
                c->parts  = grown;
                c->nparts = n;
        }
        return &c->parts[p];
}

/* Notes the partitions of list as ours (or no longer), fresh to be read. */
static void mark_assigned(struct consumer *c, const rd_kafka_topic_partition_list_t *list,
                          int assigned)
{
        for (int i = 0; i < list->cnt; i++) {
                struct consumer_partition *part = partition(c, list->elems[i].partition);

                if (part) {
                        part->assigned = (unsigned char)assigned;
                        part->at_end   = 0;
                }
        }
}

/* With ends_at_start, notes where each partition of list ends now. */
static void note_ends(struct consumer *c, const rd_kafka_topic_partition_list_t *list)
{
        for (int i = 0; i < list->cnt && c->ends_at_start; i++) {
                const rd_kafka_topic_partition_t *tp = &list->elems[i];
                struct consumer_partition *part = partition(c, tp->partition);
                struct deadline until = deadline_in(10000 /* ms at most */);
                int64_t low, high;

                if (!part)
                        continue;
                if (client_watermarks(c->client.rk, tp->topic, tp->partition, &low, &high,
                                      &until) != RD_KAFKA_RESP_ERR_NO_ERROR)
                        high = RD_KAFKA_OFFSET_INVALID; /* unknown: wait for the event */
                part->end = high;
                /* Nothing to read: at its end already. */
                part->at_end = high >= 0 && high <= low;
        }
}

/* Where each partition the group hands us starts. Committed offsets lag
 * behind what we showed (the group may take a partition away and give it
 * back, or its coordinator may restart), so where we showed more than the
 * group's commit we go on from our own position; a partition we never
 * read starts where the program says, by default at the group's commit. */
static void choose_starts(struct consumer *c, rd_kafka_topic_partition_list_t *parts)
{
        rd_kafka_topic_partition_list_t *committed = NULL;

        for (int i = 0; i < parts->cnt; i++) {
                const struct consumer_partition *part = partition(c, parts->elems[i].partition);

                if (part && part->written >= 0) {
                        /* Asked only when it matters: a first assignment
                         * costs no round trip. */
                        committed = rd_kafka_topic_partition_list_copy(parts);
                        if (rd_kafka_committed(c->client.rk, committed, 5000 /* ms at most */))
                                for (int j = 0; j < committed->cnt; j++)
                                        committed->elems[j].offset = RD_KAFKA_OFFSET_INVALID;
                        break;
                }
        }
        for (int i = 0; i < parts->cnt; i++) {
                rd_kafka_topic_partition_t *tp = &parts->elems[i];
                struct consumer_partition *part = partition(c, tp->partition);

                if (part && part->written >= 0) {
                        if (committed->elems[i].offset < part->written)
                                tp->offset = part->written;
                        else /* another member went further: ours is stale */
                                part->written = RD_KAFKA_OFFSET_INVALID;
                } else if (c->start_at) {
                        c->start_at(c->start_ctx, c->client.rk, tp);
                }
        }
        if (committed)
                rd_kafka_topic_partition_list_destroy(committed);
}

static int write_out(struct consumer *c, int store);

/* Lets partitions go. The lines on their way out are written first,
 * lost partitions or not: the program built them to be shown, and what is
 * shown must count as shown, or a partition that comes back would show
 * them again. Their offsets are stored (librdkafka commits them as it lets
 * the partitions go) only if the partitions were not lost: a lost one may
 * be another member's already, and our commit would move its place back.
 * (librdkafka loses the whole assignment at once, so no partition of the
 * batch is still ours then.) A lost partition we showed lines of is an
 * orphan until the group hands out its partitions again: only then can we
 * commit what we showed. */
static void let_go(struct consumer *c, const rd_kafka_topic_partition_list_t *parts, int lost)
{
        if (c->nlines)
                write_out(c, !lost);
        for (int i = 0; i < parts->cnt && lost; i++) {
                struct consumer_partition *part = partition(c, parts->elems[i].partition);

                if (part && part->written >= 0)
                        part->orphaned = 1;
        }
        mark_assigned(c, parts, 0);
}

/* Whether the group rebalances in the classic protocol's cooperative
 * steps (JoinGroup and SyncGroup, partitions handed on in two rounds), not
 * eagerly and not with the new protocol (group.protocol=consumer, which
 * librdkafka before 2.4 does not know). */
static int classic_cooperative(rd_kafka_t *rk)
{
        char protocol[32];
        size_t size = sizeof(protocol);

        if (strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") != 0)
                return 0;
        return rd_kafka_conf_get(rd_kafka_conf(rk), "group.protocol", protocol, &size) !=
                       RD_KAFKA_CONF_OK ||
               strcmp(protocol, "classic") == 0;
}

/*
 * A cooperative member that gave partitions up joins the group again at
 * once, to hand them on: two more assignments (this round's and the next
 * round's) end that rebalance. A commit sent meanwhile waits behind the
 * join on the coordinator's connection, is answered after the group's
 * next generation, and refused; librdkafka before 2.10 then resets its
 * generation and throws away the assignment it was just given, as lost
 * (librdkafka issue 4059, fixed by its pull request 4908): the partitions
 * still ours would change hands with an older commit, and what we showed
 * of them would be shown again. So the final commit waits for those two
 * (commit_written()). Other members' joins we are not told of; see README.
 */
#define COOPERATIVE_ROUNDS 2

/* The group handed out its partitions: orphans came back to us (and go on
 * from what we showed) or went to another member (whose place it is). */
static void forget_orphans(struct consumer *c)
{
        for (int i = 0; i < c->nparts; i++)
                c->parts[i].orphaned = 0;
}

/* Once partitions are ours (assigned), stores where those we go on from
 * our own position start: everything before it was shown, and the next
 * commit, automatic or final, is to say so even if no new line comes. */
static void store_resumed(struct consumer *c, const rd_kafka_topic_partition_list_t *parts)
{
        rd_kafka_topic_partition_list_t *resumed = NULL;

        for (int i = 0; i < parts->cnt; i++) {
                const struct consumer_partition *part = partition(c, parts->elems[i].partition);

                if (!part || part->written < 0)
                        continue;
                if (!resumed)
                        resumed = rd_kafka_topic_partition_list_new(parts->cnt);
                rd_kafka_topic_partition_list_add(resumed, c->topic, parts->elems[i].partition)
                        ->offset = part->written;
        }
        if (resumed && rd_kafka_offsets_store(c->client.rk, resumed) && c->client.verbose >= 1)
                diag_say(c->client.voice, DIAG_NOTE, "cannot store the offsets we go on from");
        if (resumed)
                rd_kafka_topic_partition_list_destroy(resumed);
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
        struct consumer *c = container_of((struct client *)opaque, struct consumer, client);
        int assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
        int lost   = !assign && rd_kafka_assignment_lost(rk);
        char errstr[512];

        if (c->client.verbose >= 1)
                diag_say(c->client.voice, DIAG_NOTE, "group %s %d partition(s)%s", assign ? "assigned" : "revoked",
                          parts->cnt, lost ? " (lost)" : "");
        if (assign) {
                choose_starts(c, parts);
                mark_assigned(c, parts, 1);
                note_ends(c, parts);
                forget_orphans(c);
                if (c->rounds_ahead)
                        c->rounds_ahead--;
        } else {
                let_go(c, parts, lost);
                if (!lost && classic_cooperative(rk))
                        c->rounds_ahead = COOPERATIVE_ROUNDS;
        }
        if (client_rebalance(rk, err, parts, errstr, sizeof(errstr)) == -1)
                diag_say(c->client.voice, DIAG_WARNING, "cannot %s partitions: %s", assign ? "take" : "give up",
                           errstr);
        else if (assign)
                store_resumed(c, parts);
}

/*
 * librdkafka 2.1.0 to 2.13.1 set a partition's position (the offset after
 * the last message handed out) from every message that
 * rd_kafka_consume_batch_queue() returns, the end-of-partition event too,
 * whose offset is the end: the position becomes the end plus one
 * (librdkafka issue 4844, fixed in 2.13.2 by its pull request 5213).
 * Nothing reads that position until the partition is paused: resuming
 * fetches from it. A cooperative rebalance pauses and resumes every
 * partition we keep, so after one the fetcher asks for an offset past the
 * end, the broker answers "out of range", auto.offset.reset sends the
 * partition back to its start, and everything in it is shown again (or,
 * had a record come in meanwhile, that one is skipped). On those versions
 * we take messages one per call: rd_kafka_consumer_poll() moves the
 * position for records only.
 */
#define LIBRDKAFKA_BATCH_EOF_BROKEN 0x02010000 /* 2.1.0 */
#define LIBRDKAFKA_BATCH_EOF_FIXED  0x020d0200 /* 2.13.2 */

int consumer_open(struct consumer *c, const struct config *cfg, const struct consumer_setup *setup)
{
        const struct client_spec spec = {
                .role         = setup->role,
                .defaults     = setup->defaults,
                .forced       = setup->forced,
                .on_rebalance = setup->on_rebalance ? setup->on_rebalance : on_rebalance,
                .voice        = setup->voice,
        };

        memset(c, 0, sizeof(*c));
        c->rec    = (struct record)RECORD_INIT;
        c->topic  = setup->topic;
        c->out    = setup->out;
        c->commit = cfg->opts->commit;
        c->warn   = cfg->opts->verbose >= 0;
        c->one_at_a_time = rd_kafka_version() >= LIBRDKAFKA_BATCH_EOF_BROKEN &&
                           rd_kafka_version() < LIBRDKAFKA_BATCH_EOF_FIXED;
        if (client_open(&c->client, &spec, cfg) == -1)
                return -1;
        if (setup->place) {
                place_init(&c->place, setup->place, c->client.rk, cfg, setup->voice);
                c->answers = rd_kafka_queue_new(c->client.rk);
        }
        return 0;
}

int consumer_wait_ready(struct consumer *c, int timeout_ms, int *partitions)
{
        if (client_wait_ready(&c->client, c->topic, timeout_ms, partitions) == -1)
                return -1;
        /* From here on every event comes through the consumer queue. */
        rd_kafka_poll_set_consumer(c->client.rk);
        c->queue = rd_kafka_queue_get_consumer(c->client.rk);
        return 0;
}

int consumer_subscribe(struct consumer *c)
{
        rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
        rd_kafka_resp_err_t err;

        rd_kafka_topic_partition_list_add(topics, c->topic, RD_KAFKA_PARTITION_UA);
        err = rd_kafka_subscribe(c->client.rk, topics);
        rd_kafka_topic_partition_list_destroy(topics);
        if (err) {
                diag_say(c->client.voice, DIAG_ERROR, "cannot subscribe to '%s': %s", c->topic,
                         rd_kafka_err2str(err));
                return -1;
        }
        return 0;
}

/* Drops the messages taken from librdkafka and not handed out yet. */
static void drop_batch(struct consumer *c)
{
        while (c->batch_next < c->batch_len)
                rd_kafka_message_destroy(c->batch[c->batch_next++]);
        c->batch_len = c->batch_next = 0;
}

int consumer_assign(struct consumer *c, const rd_kafka_topic_partition_list_t *parts)
{
        rd_kafka_resp_err_t err = rd_kafka_assign(c->client.rk, parts);

        if (err) {
                diag_say(c->client.voice, DIAG_ERROR, "cannot read '%s': %s", c->topic,
                         rd_kafka_err2str(err));
                return -1;
        }
        /* What was taken belongs to the assignment this one replaces
         * (librdkafka drops what it still holds of that itself). */
        drop_batch(c);
        for (int i = 0; i < c->nparts; i++)
                c->parts[i].assigned = 0;
        mark_assigned(c, parts, 1);
        note_ends(c, parts);
        return 0;
}

/* Errors of an offset query that pass once the group's coordinator is
 * up: it is being elected, loading, or moving. */
static int coordinator_on_its_way(rd_kafka_resp_err_t err)
{
        return err == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE ||
               err == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS ||
               err == RD_KAFKA_RESP_ERR_NOT_COORDINATOR ||
               err == RD_KAFKA_RESP_ERR__WAIT_COORD ||
               err == RD_KAFKA_RESP_ERR__TIMED_OUT ||
               err == RD_KAFKA_RESP_ERR__TRANSPORT || err == CLIENT_ERR_BROKER_LEFT;
}

rd_kafka_resp_err_t consumer_committed(struct consumer *c,
                                       rd_kafka_topic_partition_list_t *parts,
                                       int timeout_ms)
{
        struct deadline until = deadline_in(timeout_ms);
        int pause_ms = 50;
        rd_kafka_resp_err_t err;

        do {
                struct deadline slice = deadline_in(deadline_slice(&until, 1000) + 1);

                err = c->place.group ? place_committed(&c->place, parts, &slice)
                               : rd_kafka_committed(c->client.rk, parts, deadline_left(&slice));
        } while (err && coordinator_on_its_way(err) && !stop_signal &&
               deadline_pause(&pause_ms, &until) == 0);
        return err;
}

/*
 * The next message: from what the last call took, else all that is
 * waiting (up to CONSUMER_BATCH) in one call, which costs librdkafka one
 * poll, one look at the clock and one wake-up for the lot instead of one
 * each; only when nothing waits, a wait for one message, which returns as
 * soon as it comes. Rebalances are served only inside these calls, while
 * the batch is empty (librdkafka drops the messages of a partition that
 * goes away from the batch it is filling), so no message left in it
 * belongs to a partition we gave up. On librdkafka 2.1.0 to 2.13.1 one
 * message per call (see LIBRDKAFKA_BATCH_EOF_BROKEN).
 */
static rd_kafka_message_t *next_message(struct consumer *c, int timeout_ms)
{
        ssize_t n;

        if (c->one_at_a_time)
                return rd_kafka_consumer_poll(c->client.rk, timeout_ms);
        if (c->batch_next < c->batch_len)
                return c->batch[c->batch_next++];
        c->batch_len = c->batch_next = 0;
        n = rd_kafka_consume_batch_queue(c->queue, 0 /* no wait */, c->batch, CONSUMER_BATCH);
        if (n > 0) {
                c->batch_len  = (size_t)n;
                c->batch_next = 1;
                return c->batch[0];
        }
        return timeout_ms ? rd_kafka_consumer_poll(c->client.rk, timeout_ms) : NULL;
}

rd_kafka_message_t *consumer_poll(struct consumer *c, int timeout_ms)
{
        rd_kafka_message_t *msg = next_message(c, timeout_ms);
        struct consumer_partition *part;

        if (!msg)
                return NULL;
        if (!msg->err) {
                if (c->ends_at_start && (part = partition(c, msg->partition)) &&
                    part->end >= 0 && msg->offset + 1 >= part->end)
                        part->at_end = 1;
                return msg;
        }
        if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                if ((part = partition(c, msg->partition)))
                        part->at_end = 1;
        } else if (msg->err == RD_KAFKA_RESP_ERR__FATAL) {
                /* No point in going on: the reason is the fatal error's. */
                c->client.fatal = 1;
                c->client.error = rd_kafka_fatal_error(c->client.rk, c->client.reason,
                                                       sizeof(c->client.reason));
                if (!c->client.error)
                        snprintf(c->client.reason, sizeof(c->client.reason), "%s",
                                 rd_kafka_message_errstr(msg));
        } else {
                return msg; /* the program reports it */
        }
        rd_kafka_message_destroy(msg);
        return NULL;
}

/* A record's own Kafka timestamp in seconds, for a record without a
 * usable "time" (the current time if it has none either). */
static double message_time(const rd_kafka_message_t *msg)
{
        int64_t ms = rd_kafka_message_timestamp(msg, NULL);

        return ms >= 0 ? (double)ms / 1000.0 : pytime_now();
}

enum record_status consumer_decode(struct consumer *c, const rd_kafka_message_t *msg)
{
        enum record_status st = record_decode(&c->rec, msg->payload, msg->len);

        if (c->vault && st != RECORD_BAD)
                return vault_unseal(c->vault, c->topic, &c->rec, st, msg->partition, msg->offset);
        if (c->rec.problem[0] && c->warn)
                diag_say(c->client.voice, DIAG_WARNING, "%s [%d] offset %lld: %s%s", c->topic,
                           (int)msg->partition, (long long)msg->offset, c->rec.problem,
                           st == RECORD_BAD        ? " (skipped)"
                           : st == RECORD_TIME_BAD ? " (shown with the Kafka timestamp)"
                                                   : "");
        if (st == RECORD_TIME_BAD) {
                c->rec.time = message_time(msg);
                if (pytime_format_cached(&c->rec.clock, c->rec.time, c->rec.when) == -1)
                        snprintf(c->rec.when, sizeof(c->rec.when), "?");
        }
        return st;
}

double consumer_time(struct consumer *c, const rd_kafka_message_t *msg)
{
        return record_decode(&c->rec, msg->payload, msg->len) == RECORD_OK ? c->rec.time
                                                                           : message_time(msg);
}

int consumer_done(struct consumer *c, const rd_kafka_message_t *msg)
{
        if (c->nlines == c->cap) {
                size_t cap = c->cap ? 2 * c->cap : 1024;
                struct consumer_line *lines = realloc(c->lines, cap * sizeof(*lines));

                if (!lines)
                        return -1;
                c->lines = lines;
                c->cap   = cap;
        }
        c->lines[c->nlines++] = (struct consumer_line){output_batched(c->out), msg->partition,
                                                       msg->offset + 1};
        return 0;
}

/* Sets the offset of partition p in list, adding it if need be. */
static void set_offset(rd_kafka_topic_partition_list_t *list, const char *topic, int32_t p,
                       int64_t offset)
{
        rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_find(list, topic, p);

        if (!tp)
                tp = rd_kafka_topic_partition_list_add(list, topic, p);
        tp->offset = offset;
}

void consumer_shown_until(struct consumer *c, int32_t p, int64_t offset)
{
        struct consumer_partition *part = partition(c, p);
        rd_kafka_topic_partition_list_t *list;

        if (!part || !part->assigned || offset <= part->written)
                return;
        part->written = offset;
        if (c->place.group) {
                c->unsaved = 1;
                return;
        }
        list = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(list, c->topic, p)->offset = offset;
        if (rd_kafka_offsets_store(c->client.rk, list) && c->client.verbose >= 1)
                diag_say(c->client.voice, DIAG_NOTE, "cannot store the offset of %s [%d]",
                         c->topic, (int)p);
        rd_kafka_topic_partition_list_destroy(list);
}

/* Writes out c->out's batch and notes, per partition still ours, where
 * the lines that got out end; with store, also stores those offsets for
 * commit. Returns what output_flush() returned. */
static int write_out(struct consumer *c, int store)
{
        int status = output_flush(c->out);
        size_t out = status == 0 ? (size_t)-1 : c->out->written;
        rd_kafka_topic_partition_list_t *done = NULL;
        rd_kafka_resp_err_t err;

        for (size_t i = 0; i < c->nlines && c->lines[i].end <= out; i++) {
                struct consumer_partition *part = partition(c, c->lines[i].partition);

                /* Only forward: records shown out of offset order (the
                 * chat sorts its history by time) never move it back. */
                if (!part || !part->assigned || c->lines[i].next_offset <= part->written)
                        continue;
                part->written = c->lines[i].next_offset;
                if (!store)
                        continue;
                if (!done)
                        done = rd_kafka_topic_partition_list_new(4);
                set_offset(done, c->topic, c->lines[i].partition, part->written);
        }
        c->nlines = 0;
        if (done && c->place.group) {
                c->unsaved = 1; /* consumer_keep_place() commits it */
        } else if (done) {
                err = rd_kafka_offsets_store(c->client.rk, done);
                if (err && c->client.verbose >= 1)
                        diag_say(c->client.voice, DIAG_NOTE, "cannot store offsets: %s",
                                 rd_kafka_err2str(err));
        }
        if (done)
                rd_kafka_topic_partition_list_destroy(done);
        return status;
}

int consumer_flush(struct consumer *c)
{
        return write_out(c, 1);
}

int consumer_at_end(const struct consumer *c)
{
        int assigned = 0;

        for (int i = 0; i < c->nparts; i++) {
                if (!c->parts[i].assigned)
                        continue;
                if (!c->parts[i].at_end)
                        return 0;
                assigned++;
        }
        return assigned > 0;
}

/* What we showed of the partitions still ours, for the final commit; NULL
 * if nothing. */
static rd_kafka_topic_partition_list_t *written_positions(const struct consumer *c);

void consumer_wake(struct consumer *c, int fd)
{
        rd_kafka_queue_io_event_enable(c->queue, fd, "!", 1);
        if (c->answers)
                rd_kafka_queue_io_event_enable(c->answers, fd, "!", 1);
}

void consumer_keep_place(struct consumer *c)
{
        rd_kafka_topic_partition_list_t *positions;
        rd_kafka_event_t *ev;

        if (!c->answers)
                return;
        if (c->committing && place_answered(&c->place, c->ticket)) {
                c->committing = 0; /* lost with the client that sent it */
                c->unsaved    = 1;
        }
        while ((ev = rd_kafka_queue_poll(c->answers, 0))) {
                rd_kafka_resp_err_t err = place_answer(&c->place, ev);

                if (err == RD_KAFKA_RESP_ERR__OUTDATED) /* given up on above */
                        continue;
                c->committing = 0;
                if (err) { /* the next one carries it again */
                        c->unsaved = 1;
                        if (c->client.verbose >= 1)
                                diag_say(c->client.voice, DIAG_NOTE,
                                         "cannot keep your place in %s: %s", c->place.group,
                                         rd_kafka_err2str(err));
                }
        }
        if (consumer_next_ms(c) != 0 || !(positions = written_positions(c)))
                return;
        c->ticket = place_commit(&c->place, positions, c->answers);
        rd_kafka_topic_partition_list_destroy(positions);
        c->committing = 1;
        c->unsaved    = 0;
        c->commit_ms  = deadline_now_ms() + CONSUMER_COMMIT_MS;
}

int consumer_next_ms(const struct consumer *c)
{
        long long left;

        if (!c->answers || !c->unsaved || c->committing)
                return -1;
        left = c->commit_ms - deadline_now_ms();
        return left <= 0 ? 0 : (int)left;
}

/* What we showed of the partitions still ours, for the final commit; NULL
 * if nothing. */
static rd_kafka_topic_partition_list_t *written_positions(const struct consumer *c)
{
        rd_kafka_topic_partition_list_t *list = NULL;

        for (int i = 0; i < c->nparts; i++) {
                if (!c->parts[i].assigned || c->parts[i].written < 0)
                        continue;
                if (!list)
                        list = rd_kafka_topic_partition_list_new(4);
                rd_kafka_topic_partition_list_add(list, c->topic, i)->offset = c->parts[i].written;
        }
        return list;
}

/* Whether a commit failed because the group no longer knows us. */
static int forgotten(rd_kafka_resp_err_t err)
{
        return err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID ||
               err == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION ||
               err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS;
}

/* Commits offsets once, to the group that keeps our place. */
static rd_kafka_resp_err_t commit_once(struct consumer *c,
                                       const rd_kafka_topic_partition_list_t *offsets,
                                       const struct deadline *until)
{
        return c->place.group ? place_commit_wait(&c->place, offsets, until)
                        : client_commit(&c->client, offsets, until);
}

/* Serves the group's callbacks for a while; records that come meanwhile
 * are neither shown nor committed. */
static void serve_group(struct consumer *c, const struct deadline *until)
{
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(c->client.rk,
                                                         deadline_slice(until, DEADLINE_SLICE_MS));

        if (msg)
                rd_kafka_message_destroy(msg);
}

/* Whether we showed lines of a partition the group took from us (lost)
 * and has not handed out again. */
static int has_orphans(const struct consumer *c)
{
        for (int i = 0; i < c->nparts; i++)
                if (c->parts[i].orphaned)
                        return 1;
        return 0;
}

/* Serves the group until it hands out partitions again, or until the
 * deadline. Records that come meanwhile are dropped: not shown, so not
 * committed. */
static void rejoin(struct consumer *c, const struct deadline *until)
{
        unsigned seen = c->client.assigned;

        while (c->client.assigned == seen && !deadline_passed(until) && !c->client.fatal)
                serve_group(c, until);
}

/* The deadline, but at least a second from now for a commit's answer
 * after rejoining took all the time (a stop signal still gives up). */
static struct deadline a_second_at_least(const struct deadline *until)
{
        struct deadline answer = *until;

        if (answer.at_ms < deadline_now_ms() + 1000)
                answer.at_ms = deadline_now_ms() + 1000;
        return answer;
}

/*
 * Commits what was written of the partitions still ours, again while the
 * group's coordinator is on its way, until the deadline: librdkafka holds
 * a commit that finds no coordinator only for a session's time
 * (session.timeout.ms) and then gives up with "waiting for coordinator",
 * and after a broker restart on a busy machine the coordinator may take
 * longer than that to come back. Never in the middle of a rebalance that
 * our revoke began (see on_rebalance): the partitions still ours are what
 * it leaves us. Nor while we have orphans (see let_go()): what we wrote of
 * those the group gives back is ours to commit then. Returns NO_ERROR if
 * nothing was written, and ASSIGNMENT_LOST if orphans are left when the
 * deadline passes.
 */
static rd_kafka_resp_err_t commit_ours(struct consumer *c, const struct deadline *until)
{
        for (;;) {
                rd_kafka_topic_partition_list_t *positions;
                rd_kafka_resp_err_t err;
                struct deadline answer;

                while ((c->rounds_ahead || has_orphans(c)) && !deadline_passed(until) &&
                       !c->client.fatal)
                        serve_group(c, until);
                positions = written_positions(c);
                if (!positions)
                        return has_orphans(c) ? RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST
                                              : RD_KAFKA_RESP_ERR_NO_ERROR;
                answer = a_second_at_least(until);
                err    = commit_once(c, positions, &answer);
                rd_kafka_topic_partition_list_destroy(positions);
                if (!coordinator_on_its_way(err) || deadline_passed(until) || c->client.fatal)
                        return err;
                if (c->client.verbose >= 1)
                        diag_say(c->client.voice, DIAG_NOTE,
                                 "cannot commit yet (%s): trying again", rd_kafka_err2str(err));
                serve_group(c, until); /* a pause that serves callbacks */
        }
}

/*
 * Commits what was written, of the partitions that are ours.
 *
 * A partition the group took from us as lost (its coordinator restarted,
 * or our session ran out while a broker was away) and has not handed out
 * again is no one's for the moment: we cannot commit what we showed of
 * it, and librdkafka does not either. Stopping now would leave its place
 * at the last automatic commit, and the next start would show up to that
 * commit's interval of lines again. So we rejoin first: the group gives it
 * back (choose_starts() goes on from what we showed) or to another member
 * (its place is theirs).
 *
 * If the commit is refused because the group has forgotten us and we had
 * not heard yet, we rejoin and commit again. Either way, records that
 * arrive meanwhile are neither shown nor committed, so nothing is lost
 * and, with the commit through, nothing will be shown twice.
 */
static rd_kafka_resp_err_t commit_written(struct consumer *c, const struct deadline *until)
{
        rd_kafka_resp_err_t err;

        if (has_orphans(c) && c->client.verbose >= 1)
                diag_say(c->client.voice, DIAG_NOTE,
                         "the group took a partition we showed lines of: joining again to "
                         "commit them");
        err = commit_ours(c, until);
        if (forgotten(err)) {
                if (c->client.verbose >= 1)
                        diag_say(c->client.voice, DIAG_NOTE,
                                 "the group forgot us (%s): joining again to commit",
                                 rd_kafka_err2str(err));
                rejoin(c, until);
                /* What we wrote, of what is still ours. */
                err = commit_ours(c, until);
        }
        return err;
}

rd_kafka_resp_err_t consumer_close(struct consumer *c, const struct deadline *until)
{
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR, left;

        if (!c->queue) /* never ready: nothing read, no group joined */
                return err;
        if (c->commit && !c->client.fatal)
                err = commit_written(c, until);
        if (err == RD_KAFKA_RESP_ERR__NO_OFFSET)
                err = RD_KAFKA_RESP_ERR_NO_ERROR;
        /* librdkafka wants our reference to its consumer queue gone before
         * the consumer closes (rdkafka.h, rd_kafka_queue_get_consumer()). */
        if (c->queue) {
                rd_kafka_queue_destroy(c->queue);
                c->queue = NULL;
        }
        left = client_leave(&c->client, until);
        if (left && !c->client.fatal && c->client.verbose >= 0)
                diag_say(c->client.voice, DIAG_WARNING, "leaving the group: %s",
                         rd_kafka_err2str(left));
        return err;
}

void consumer_free(struct consumer *c)
{
        drop_batch(c); /* taken, never shown */
        if (c->queue)
                rd_kafka_queue_destroy(c->queue);
        place_free(&c->place); /* what it still has on its way answers into c->answers */
        if (c->answers)
                rd_kafka_queue_destroy(c->answers);
        client_destroy(&c->client);
        free(c->parts);
        free(c->lines);
        record_free(&c->rec);
        memset(c, 0, sizeof(*c));
}
