/*
 * consumer_chat - show chat lines from Kafka.
 *
 * The C port of the seed's consumerChat.py: group "chat-group", from the
 * earliest offset, automatic commits; each record is printed as
 * "[<local time>][FRIEND] <message>", and an "exit" record prints the
 * seed's two closing lines and ends the program.
 *
 * An offset is stored for commit only after its line was written out, so
 * a crash repeats at most a few lines and never skips one.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "common/buf.h"
#include "common/diag.h"
#include "common/display.h"
#include "common/kafka.h"
#include "common/options.h"
#include "common/output.h"
#include "common/pyjson.h"
#include "common/pytime.h"
#include "common/record.h"
#include "common/signals.h"

/* How long one poll waits when nothing is pending, in ms: also how soon a
 * signal is noticed. */
#define POLL_MS 100

/* Messages between two looks at the local queue, see keep_fetching(). */
#define REFILL_CHECK 1024

/* The local queue: queued.min.messages, and a cap on its kilobytes high
 * enough that the count is what binds for chat-sized records. */
#define QUEUE_MIN_MESSAGES "20000"
#define QUEUE_MAX_KBYTES "32768"

static const struct program consumer_program = {
        "consumer_chat",
        "Show the chat lines of a Kafka topic.",
        "Prints each record as '[TIME][FRIEND] MESSAGE', TIME being the record's\n"
        "time in the local time zone, as the original consumerChat.py does. A\n"
        "record whose message is 'exit' (any case) prints the two closing lines\n"
        "and ends the program; Ctrl-C ends it too. Offsets are committed for the\n"
        "group only once their lines are written, so nothing is ever skipped.\n"
        "On a terminal, control characters in messages (escape sequences, CR,\n"
        "bidi overrides) are shown escaped, as \\x1b or \\u202e.",
        OPT_GROUP | OPT_ESCAPE | OPT_READ,
        "  0  an 'exit' record, Ctrl-C or SIGTERM ended it\n"
        "  1  a Kafka or output error ended it\n"
        "  2  usage error\n"
        "  3  could not use Kafka: unreachable, authentication or TLS failure,\n"
        "     or the topic is not available\n",
};

/* A record in the output batch: where its line ends (a skipped record has
 * an empty one), and the offset to store once that much is written. */
struct batch_line {
        size_t end;
        int32_t partition;
        int64_t next_offset;
};

struct consumer {
        struct kafka_status status;  /* first: it is the callbacks' opaque */
        rd_kafka_t *rk;
        const char *topic;
        struct output out;
        struct record rec;
        struct buf json_line;        /* --json: the line being built */
        /* The records of the output batch, in order: a record's offset is
         * stored once its line is out. */
        struct batch_line *lines;
        size_t nlines, cap;
        /* Per partition, the offset after the last line written: where we
         * go on if the group hands a partition back to us. */
        rd_kafka_topic_partition_list_t *position;
        const struct options *opts;
        /* -e: per partition the end as it was at start (its high
         * watermark), or RD_KAFKA_OFFSET_END once reached; and what the
         * group gave us to read. */
        rd_kafka_topic_partition_list_t *ends;
        rd_kafka_topic_partition_list_t *assigned;
        long shown;                  /* records shown, for -c */
        unsigned assignments;        /* partition assignments so far */
        long long last_record_ms;    /* for --idle-timeout */
        /* Keeping librdkafka's prefetch going, see keep_fetching(). */
        rd_kafka_queue_t *queue;     /* the consumer queue */
        size_t queue_min;            /* queued.min.messages */
        size_t queue_peak;           /* its longest since the last wake-up */
        unsigned since_refill;       /* messages since we looked */
};

/*
 * librdkafka 2.0.2 stops fetching a partition while the local queue holds
 * queued.min.messages, and looks again only when that broker's thread
 * next wakes up, up to a second later (2.1 fixed this). Whenever we are
 * the slower side, the queue fills and that second is lost each time, so
 * a small queue (for bounded memory) would cap us far below the broker's
 * pace. A watermark query is a request to each partition's leader; it
 * wakes the leader's thread, which then fetches again. We send one when
 * the queue, after being nearly full (so the fetcher may have stopped),
 * has drained to half: a round trip per ten thousand messages or so.
 */
static void keep_fetching(struct consumer *c)
{
        rd_kafka_topic_partition_list_t *parts = NULL;
        size_t len;

        if (++c->since_refill < REFILL_CHECK)
                return;
        c->since_refill = 0;
        len = rd_kafka_queue_length(c->queue);
        if (len > c->queue_peak)
                c->queue_peak = len;
        if (c->queue_peak < c->queue_min * 3 / 4 || len > c->queue_min / 2)
                return;
        c->queue_peak = 0;

        if (rd_kafka_assignment(c->rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
                return;
        for (int i = 0; i < parts->cnt; i++) {
                int64_t low, high;

                /* The answer does not matter; the request does. */
                rd_kafka_query_watermark_offsets(c->rk, parts->elems[i].topic,
                                                 parts->elems[i].partition, &low,
                                                 &high, 1000 /* ms at most */);
        }
        rd_kafka_topic_partition_list_destroy(parts);
}

/* Sets the offset of (topic, partition) in list, adding it if need be. */
static void set_offset(rd_kafka_topic_partition_list_t *list, const char *topic,
                       int32_t partition, int64_t offset)
{
        rd_kafka_topic_partition_t *tp =
                rd_kafka_topic_partition_list_find(list, topic, partition);

        if (!tp)
                tp = rd_kafka_topic_partition_list_add(list, topic, partition);
        tp->offset = offset;
}

/* Writes out the batch, then stores the offsets of the records whose
 * lines got out, for the next commit. Returns 0, or -1 if the output
 * broke or a stop signal cut the write short. */
static int flush(struct consumer *c)
{
        int status = output_flush(&c->out);
        size_t out = status == 0 ? (size_t)-1 : c->out.written;
        rd_kafka_topic_partition_list_t *done = rd_kafka_topic_partition_list_new(1);
        rd_kafka_resp_err_t err;

        for (size_t i = 0; i < c->nlines && c->lines[i].end <= out; i++) {
                set_offset(done, c->topic, c->lines[i].partition, c->lines[i].next_offset);
                set_offset(c->position, c->topic, c->lines[i].partition,
                           c->lines[i].next_offset);
        }
        if (done->cnt > 0) {
                err = rd_kafka_offsets_store(c->rk, done);
                if (err)
                        diag_warn("cannot store offsets: %s", rd_kafka_err2str(err));
        }
        rd_kafka_topic_partition_list_destroy(done);
        c->nlines = 0;
        return status;
}

/* Sets where a partition we have not read yet starts, as -o or --since
 * asked; by default (stored) the group's committed position decides. */
static void start_at(struct consumer *c, rd_kafka_topic_partition_t *tp)
{
        rd_kafka_topic_partition_list_t *when;

        switch (c->opts->start) {
        case START_STORED:
                return;
        case START_BEGINNING:
                tp->offset = RD_KAFKA_OFFSET_BEGINNING;
                return;
        case START_END:
                tp->offset = RD_KAFKA_OFFSET_END;
                return;
        case START_OFFSET:
                tp->offset = c->opts->start_value;
                return;
        case START_TAIL:
                tp->offset = RD_KAFKA_OFFSET_TAIL(c->opts->start_value);
                return;
        case START_TIME:
                /* The first offset at or after that time, from the broker. */
                when = rd_kafka_topic_partition_list_new(1);
                rd_kafka_topic_partition_list_add(when, tp->topic, tp->partition)->offset =
                        c->opts->start_value;
                if (rd_kafka_offsets_for_times(c->rk, when, 10000 /* ms at most */) ==
                            RD_KAFKA_RESP_ERR_NO_ERROR &&
                    when->elems[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
                        /* -1: nothing that recent, so from the end */
                        tp->offset = when->elems[0].offset >= 0 ? when->elems[0].offset
                                                                 : RD_KAFKA_OFFSET_END;
                else
                        diag_warn("%s [%d]: cannot find offsets by time; reading from the "
                                  "group's position", tp->topic, (int)tp->partition);
                rd_kafka_topic_partition_list_destroy(when);
                return;
        }
}

/* -e: notes the end of a partition as it is now (once per partition). */
static void note_end(struct consumer *c, const rd_kafka_topic_partition_t *tp)
{
        int64_t low, high;

        if (rd_kafka_topic_partition_list_find(c->ends, tp->topic, tp->partition))
                return;
        if (rd_kafka_query_watermark_offsets(c->rk, tp->topic, tp->partition, &low, &high,
                                             10000 /* ms at most */) != 0)
                high = RD_KAFKA_OFFSET_END; /* unknown: wait for end-of-partition */
        rd_kafka_topic_partition_list_add(c->ends, tp->topic, tp->partition)->offset =
                high > low ? high : RD_KAFKA_OFFSET_END;
}

/* -e: marks the partition's end reached if offset (or an end-of-partition
 * event, offset -1) got there. Returns 1 when every assigned partition is
 * at its end. */
static int reached_end(struct consumer *c, int32_t partition, int64_t offset)
{
        rd_kafka_topic_partition_t *end =
                rd_kafka_topic_partition_list_find(c->ends, c->topic, partition);

        if (end && (offset < 0 || offset + 1 >= end->offset))
                end->offset = RD_KAFKA_OFFSET_END;
        if (!c->assigned)
                return 0;
        for (int i = 0; i < c->assigned->cnt; i++) {
                end = rd_kafka_topic_partition_list_find(c->ends, c->topic,
                                                         c->assigned->elems[i].partition);
                if (!end || end->offset != RD_KAFKA_OFFSET_END)
                        return 0;
        }
        return 1;
}

/*
 * The group may take partitions away and hand them back (a rebalance, or
 * a coordinator that restarted). Committed offsets lag behind what we
 * printed, so resuming from them would print lines twice: where we have
 * printed further than the group's commit, we go on from our own position.
 */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
        struct consumer *c = opaque;
        rd_kafka_topic_partition_list_t *committed;
        rd_kafka_resp_err_t result;

        if (c->status.verbose >= 1)
                diag_note("group %s %d partition(s)",
                          err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? "assigned"
                                                                      : "revoked",
                          parts->cnt);
        if (err != RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                if (c->assigned)
                        rd_kafka_topic_partition_list_destroy(c->assigned);
                c->assigned = NULL;
                /* Store what was written while the partitions are ours;
                 * librdkafka commits stored offsets when it unassigns. (A
                 * synchronous commit here could wait for a coordinator that
                 * is itself in the middle of moving.) */
                if (c->nlines)
                        flush(c);
                result = rd_kafka_assign(rk, NULL);
                if (result)
                        diag_warn("cannot give up partitions: %s", rd_kafka_err2str(result));
                return;
        }

        committed = rd_kafka_topic_partition_list_copy(parts);
        if (rd_kafka_committed(rk, committed, 5000 /* ms at most */))
                for (int i = 0; i < committed->cnt; i++)
                        committed->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
        for (int i = 0; i < parts->cnt; i++) {
                rd_kafka_topic_partition_t *tp = &parts->elems[i];
                rd_kafka_topic_partition_t *ours = rd_kafka_topic_partition_list_find(
                        c->position, tp->topic, tp->partition);

                if (ours && committed->elems[i].offset < ours->offset)
                        tp->offset = ours->offset;
                else if (!ours)
                        start_at(c, tp);
                if (c->opts->exit_at_end)
                        note_end(c, tp);
        }
        rd_kafka_topic_partition_list_destroy(committed);
        if (c->assigned)
                rd_kafka_topic_partition_list_destroy(c->assigned);
        c->assigned = rd_kafka_topic_partition_list_copy(parts);
        c->assignments++;
        result = rd_kafka_assign(rk, parts);
        if (result)
                diag_warn("cannot take partitions: %s", rd_kafka_err2str(result));
}

/* Notes that msg is done with, its line (if any) being in the batch. */
static int mark_done(struct consumer *c, const rd_kafka_message_t *msg)
{
        if (c->nlines == c->cap) {
                size_t cap = c->cap ? 2 * c->cap : 1024;
                struct batch_line *lines = realloc(c->lines, cap * sizeof(*lines));

                if (!lines)
                        return -1;
                c->lines = lines;
                c->cap   = cap;
        }
        c->lines[c->nlines++] = (struct batch_line){
                output_batched(&c->out), msg->partition, msg->offset + 1};
        return 0;
}

/* --json: the record as one line, written the way json.dumps() writes.
 * Returns 0, or -1 when out of memory. */
static int show_json(struct consumer *c, const rd_kafka_message_t *msg, double time)
{
        char number[PYJSON_FLOAT_MAX], tail[64];
        struct buf *line = &c->json_line;

        buf_clear(line);
        snprintf(tail, sizeof(tail), ", \"partition\": %d, \"offset\": %lld}\n",
                 (int)msg->partition, (long long)msg->offset);
        if (buf_append_str(line, "{\"message\": ") == -1 ||
            pyjson_append_string(line, c->rec.message, c->rec.message_len) == -1 ||
            buf_append_str(line, ", \"time\": ") == -1 ||
            buf_append(line, number, pyjson_format_float(time, number)) == -1 ||
            buf_append_str(line, ", \"sender\": ") == -1 ||
            (c->rec.sender ? pyjson_append_string(line, c->rec.sender, c->rec.sender_len)
                           : buf_append_str(line, "null")) == -1 ||
            buf_append_str(line, tail) == -1)
                return -1;
        output_text(&c->out, line->data, line->len);
        return 0;
}

/* Prints one record (a bad one only gets its warning). Returns 1 if it
 * was an exit record, 0 otherwise, -1 when out of memory. */
static int show(struct consumer *c, const rd_kafka_message_t *msg)
{
        enum record_status st = record_decode(&c->rec, msg->payload, msg->len);
        int exit_record;
        double time;
        char when[PYTIME_TEXT_MAX];

        if (c->rec.problem[0] && c->status.verbose >= 0)
                diag_warn("%s [%d] offset %lld: %s%s", rd_kafka_topic_name(msg->rkt),
                          (int)msg->partition, (long long)msg->offset,
                          c->rec.problem,
                          st == RECORD_BAD        ? " (skipped)"
                          : st == RECORD_TIME_BAD ? " (shown with the Kafka timestamp)"
                                                  : "");
        if (st == RECORD_BAD)
                return 0;
        c->shown++;
        exit_record = record_is_exit(c->rec.message, c->rec.message_len);
        time        = st == RECORD_OK ? c->rec.time : kafka_message_time(msg);

        if (c->opts->json)
                return show_json(c, msg, time) == -1 ? -1 : exit_record;

        if (st == RECORD_OK)
                memcpy(when, c->rec.when, sizeof(when));
        else if (pytime_format_cached(&c->rec.clock, time, when) == -1)
                snprintf(when, sizeof(when), "?");

        if (exit_record)
                display_exit(&c->out, when);
        else
                display_line(&c->out, when, c->rec.sender, c->rec.sender_len,
                             c->rec.message, c->rec.message_len, NULL);
        return exit_record;
}

/* Shows msg and notes it in the batch. Returns 1 for an exit record, 0
 * otherwise, -1 when out of memory. */
static int handle(struct consumer *c, const rd_kafka_message_t *msg)
{
        int exit_record = show(c, msg);

        return exit_record == -1 || mark_done(c, msg) == -1 ? -1 : exit_record;
}

/* Whether a commit failed because the group no longer knows us. */
static int forgotten(rd_kafka_resp_err_t err)
{
        return err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID ||
               err == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION ||
               err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS;
}

/*
 * Commits what was written, at the end. If the group has forgotten us
 * (its coordinator restarted, or our session ran out while the broker was
 * away, and we had not heard yet), we rejoin and commit again: records
 * that arrive meanwhile are neither shown nor committed, so nothing is
 * lost and, with the commit through, nothing will be shown twice.
 */
static rd_kafka_resp_err_t commit_written(struct consumer *c, int timeout_ms)
{
        long long deadline = kafka_now_ms() + timeout_ms;
        unsigned seen = c->assignments;
        rd_kafka_resp_err_t err;

        if (c->position->cnt == 0)
                return RD_KAFKA_RESP_ERR_NO_ERROR; /* nothing written */
        err = kafka_commit(c->rk, c->position, timeout_ms);
        if (!forgotten(err))
                return err;
        if (c->status.verbose >= 1)
                diag_note("the group forgot us (%s): joining again to commit",
                          rd_kafka_err2str(err));
        while (c->assignments == seen && kafka_now_ms() < deadline) {
                rd_kafka_message_t *msg = rd_kafka_consumer_poll(c->rk, POLL_MS);

                if (msg)
                        rd_kafka_message_destroy(msg);
        }
        /* At least a second for the answer, even if rejoining took all. */
        return kafka_commit(c->rk, c->position,
                            (int)(deadline - kafka_now_ms() > 1000 ? deadline - kafka_now_ms()
                                                                    : 1000));
}

/* Prints records until an exit record, a signal, or an error. Returns the
 * exit status. */
static int consume(struct consumer *c)
{
        const struct options *opts = c->opts;
        int done = 0;    /* an exit record, or -c, -e or --idle-timeout said so */
        int flushed = 0; /* the last flush: 0 all out, -1 broken or cut short */

        c->last_record_ms = kafka_now_ms();
        while (!done && !stop_signal && !c->status.fatal && flushed == 0) {
                rd_kafka_message_t *msg;
                int32_t partition;
                int64_t offset;

                /* Flush whenever nothing more is waiting, or the batch is
                 * big: large writes under load, every line at once when
                 * idle. */
                msg = rd_kafka_consumer_poll(c->rk, c->nlines ? 0 : POLL_MS);
                if (!msg) {
                        if (c->nlines)
                                flushed = flush(c);
                        else if (output_reader_gone(&c->out))
                                break;
                        else if (opts->idle_ms &&
                                 kafka_now_ms() - c->last_record_ms >= opts->idle_ms)
                                done = 1;
                        continue;
                }
                if (msg->err) {
                        if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
                                done = opts->exit_at_end &&
                                       reached_end(c, msg->partition, -1);
                        else if (c->status.verbose >= 0)
                                diag_warn("kafka: %s", rd_kafka_message_errstr(msg));
                        rd_kafka_message_destroy(msg);
                        if (done && c->nlines)
                                flushed = flush(c);
                        continue;
                }
                c->last_record_ms = kafka_now_ms();
                partition         = msg->partition;
                offset            = msg->offset;
                done              = handle(c, msg);
                rd_kafka_message_destroy(msg);
                if (done == -1) {
                        diag_error("out of memory");
                        return EXIT_FAILURE_RUN;
                }
                if (opts->count && c->shown >= opts->count)
                        done = 1;
                if (opts->exit_at_end && reached_end(c, partition, offset))
                        done = 1;
                keep_fetching(c);
                if (done || output_batched(&c->out) >= OUTPUT_BATCH)
                        flushed = flush(c);
        }

        /* What is left, and the seed's farewell on Ctrl-C; not after a
         * stop signal cut a write short: the reader has half a line. */
        if (flushed == 0 && !c->out.broken && !c->status.fatal) {
                if (c->nlines)
                        flushed = flush(c);
                if (flushed == 0 && !done && stop_signal == SIGINT && !opts->json) {
                        output_str(&c->out, "\n채팅 종료\n");
                        flush(c);
                }
        }
        if (c->out.broken && c->out.error != EPIPE) {
                errno = c->out.error;
                diag_error("writing output: %m");
                return EXIT_FAILURE_RUN;
        }
        /* A reader that went away (| head) is a normal end. */
        return c->status.fatal ? EXIT_FAILURE_RUN : EXIT_OK;
}

int main(int argc, char **argv)
{
        struct options opts;
        struct consumer c;
        rd_kafka_conf_t *conf = NULL;
        rd_kafka_topic_partition_list_t *topics = NULL;
        rd_kafka_resp_err_t err;
        char errstr[512];
        int partitions;
        int status = EXIT_FAILURE_RUN;

        memset(&c, 0, sizeof(c));
        c.rec = (struct record)RECORD_INIT;

        status = options_parse(&opts, &consumer_program, argc, argv);
        if (status != OPTIONS_RUN)
                return status;
        status = EXIT_FAILURE_RUN;
        c.status.verbose = opts.verbose;

        {
                const struct kafka_property defaults[] = {
                        {"bootstrap.servers", DEFAULT_BOOTSTRAP},
                        {"client.id", "consumer_chat"},
                        {"group.id", DEFAULT_GROUP},
                        {"auto.offset.reset", "earliest"},
                        /* We store an offset once its line is written. */
                        {"enable.auto.offset.store", "false"},
                        /* kafka-python asks for this: the seed creates the topic. */
                        {"allow.auto.create.topics", "true"},
                        {"log.connection.close", "false"},
                        /* A crashed consumer holds its partitions until its
                         * session times out; a restart should not wait 45 s. */
                        {"session.timeout.ms", "10000"},
                        {"heartbeat.interval.ms", "2000"},
                        /* Leaving the group (at an exit record, -e, -c, Ctrl-C)
                         * waits on the broker connection behind a fetch that
                         * idles up to this long for new records: 500 ms by
                         * default, a tenth of that is still few requests. */
                        {"fetch.wait.max.ms", "100"},
                        /* Bounded memory; keep_fetching() keeps it fast. */
                        {"queued.min.messages", QUEUE_MIN_MESSAGES},
                        {"queued.max.messages.kbytes", QUEUE_MAX_KBYTES},
                        /* -o or --since leave the group's position alone. */
                        {"enable.auto.commit", opts.commit ? "true" : "false"},
                        /* -e needs to hear that a partition is read to its end. */
                        {"enable.partition.eof", opts.exit_at_end ? "true" : "false"},
                        {NULL, NULL},
                };

                conf = kafka_conf_new(&opts, defaults, &c.status);
        }
        if (!conf) {
                status = EXIT_USAGE;
                goto out;
        }

        rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
        c.topic    = opts.topic;
        c.opts     = &opts;
        c.position = rd_kafka_topic_partition_list_new(1);
        c.ends     = rd_kafka_topic_partition_list_new(1);
        output_init(&c.out, STDOUT_FILENO, opts.escape, &stop_signal);
        if (signals_install() == -1) {
                diag_error("cannot set up: %m");
                goto out;
        }

        /* rd_kafka_new() takes ownership of conf only when it succeeds. */
        c.rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
        if (!c.rk) {
                diag_error("cannot create the consumer: %s", errstr);
                goto out;
        }
        conf = NULL;

        if (!opts.json) {
                output_str(&c.out, "채팅 프로그램 - 메시지 수신\n메시지 대기 중...\n");
                /* A failure shows in c.out.broken, which consume() reads. */
                (void)output_flush(&c.out);
        }

        if (kafka_wait_ready(c.rk, &c.status, opts.topic, opts.timeout_ms,
                             &partitions) == -1) {
                status = stop_signal ? EXIT_OK : EXIT_UNREACHABLE;
                goto out;
        }

        /* From here on every event comes through rd_kafka_consumer_poll(). */
        rd_kafka_poll_set_consumer(c.rk);
        c.queue = rd_kafka_queue_get_consumer(c.rk);
        {
                char value[32];
                size_t size = sizeof(value);

                if (rd_kafka_conf_get(rd_kafka_conf(c.rk), "queued.min.messages", value,
                                      &size) == RD_KAFKA_CONF_OK)
                        c.queue_min = (size_t)strtoul(value, NULL, 10);
        }
        topics = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(topics, opts.topic, RD_KAFKA_PARTITION_UA);
        err = rd_kafka_subscribe(c.rk, topics);
        if (err) {
                diag_error("cannot subscribe to '%s': %s", opts.topic,
                           rd_kafka_err2str(err));
                goto out;
        }

        status = consume(&c);

        /* Commit what was written now, so that the next start of the group
         * begins right after it (the seed's close() does the same). */
        err = opts.commit ? commit_written(&c, opts.timeout_ms) : RD_KAFKA_RESP_ERR_NO_ERROR;
        if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
                diag_error("cannot commit offsets: %s", rd_kafka_err2str(err));
                status = EXIT_FAILURE_RUN;
        }
        err = rd_kafka_consumer_close(c.rk);
        if (err && c.status.verbose >= 0)
                diag_warn("leaving the group: %s", rd_kafka_err2str(err));

out:
        if (c.queue)
                rd_kafka_queue_destroy(c.queue);
        if (topics)
                rd_kafka_topic_partition_list_destroy(topics);
        free(c.lines);
        if (c.position)
                rd_kafka_topic_partition_list_destroy(c.position);
        if (c.ends)
                rd_kafka_topic_partition_list_destroy(c.ends);
        if (c.assigned)
                rd_kafka_topic_partition_list_destroy(c.assigned);
        buf_free(&c.json_line);
        output_free(&c.out);
        if (c.rk)
                rd_kafka_destroy(c.rk);
        if (conf)
                rd_kafka_conf_destroy(conf);
        record_free(&c.rec);
        options_free(&opts);
        return status;
}
