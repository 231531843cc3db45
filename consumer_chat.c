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

#include "common/diag.h"
#include "common/kafka.h"
#include "common/options.h"
#include "common/output.h"
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
        OPT_GROUP | OPT_ESCAPE,
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
        /* The records of the output batch, in order: a record's offset is
         * stored once its line is out. */
        struct batch_line *lines;
        size_t nlines, cap;
        /* Per partition, the offset after the last line written: where we
         * go on if the group hands a partition back to us. */
        rd_kafka_topic_partition_list_t *position;
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

        if (c->status.verbose >= 1)
                diag_note("group %s %d partition(s)",
                          err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? "assigned"
                                                                      : "revoked",
                          parts->cnt);
        if (err != RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                /* Store what was written while the partitions are ours;
                 * librdkafka commits stored offsets when it unassigns. (A
                 * synchronous commit here could wait for a coordinator that
                 * is itself in the middle of moving.) */
                if (c->nlines)
                        flush(c);
                rd_kafka_assign(rk, NULL);
                return;
        }

        committed = rd_kafka_topic_partition_list_copy(parts);
        if (rd_kafka_committed(rk, committed, 5000 /* ms at most */))
                for (int i = 0; i < committed->cnt; i++)
                        committed->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
        for (int i = 0; i < parts->cnt; i++) {
                rd_kafka_topic_partition_t *ours = rd_kafka_topic_partition_list_find(
                        c->position, parts->elems[i].topic, parts->elems[i].partition);

                if (ours && committed->elems[i].offset < ours->offset)
                        parts->elems[i].offset = ours->offset;
        }
        rd_kafka_topic_partition_list_destroy(committed);
        rd_kafka_assign(rk, parts);
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

/* The record's own Kafka timestamp, for a record without a usable time. */
static double kafka_time(const rd_kafka_message_t *msg)
{
        rd_kafka_timestamp_type_t type;
        int64_t ms = rd_kafka_message_timestamp(msg, &type);

        return ms >= 0 ? (double)ms / 1000.0 : pytime_now();
}

/* Prints one record (a bad one only gets its warning). Returns 1 if it
 * was an exit record, else 0. */
static int show(struct consumer *c, const rd_kafka_message_t *msg)
{
        enum record_status st = record_decode(&c->rec, msg->payload, msg->len);
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

        if (st == RECORD_OK)
                memcpy(when, c->rec.when, sizeof(when));
        else if (pytime_format_cached(&c->rec.clock, kafka_time(msg), when) == -1)
                snprintf(when, sizeof(when), "?");

        if (record_is_exit(c->rec.message, c->rec.message_len)) {
                output_str(&c->out, "[");
                output_str(&c->out, when);
                output_str(&c->out, "] 발신자가 프로그램을 종료하였습니다.\n[");
                output_str(&c->out, when);
                output_str(&c->out, "] 수신 프로그램을 종료합니다.\n");
                return 1;
        }
        output_str(&c->out, "[");
        output_str(&c->out, when);
        output_str(&c->out, "][FRIEND] ");
        output_untrusted(&c->out, c->rec.message, c->rec.message_len);
        output_str(&c->out, "\n");
        return 0;
}

/* Shows msg and notes it in the batch. Returns 1 for an exit record, 0
 * otherwise, -1 when out of memory. */
static int handle(struct consumer *c, const rd_kafka_message_t *msg)
{
        int exit_record = show(c, msg);

        return mark_done(c, msg) == -1 ? -1 : exit_record;
}

/* Prints records until an exit record, a signal, or an error. Returns the
 * exit status. */
static int consume(struct consumer *c)
{
        int done = 0;
        int flushed = 0; /* the last flush: 0 all out, -1 broken or cut short */

        while (!done && !stop_signal && !c->status.fatal && flushed == 0) {
                rd_kafka_message_t *msg;

                /* Flush whenever nothing more is waiting, or the batch is
                 * big: large writes under load, every line at once when
                 * idle. */
                msg = rd_kafka_consumer_poll(c->rk, c->nlines ? 0 : POLL_MS);
                if (!msg) {
                        if (c->nlines)
                                flushed = flush(c);
                        else if (output_reader_gone(&c->out))
                                break;
                        continue;
                }
                if (msg->err) {
                        if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF &&
                            c->status.verbose >= 0)
                                diag_warn("kafka: %s", rd_kafka_message_errstr(msg));
                        rd_kafka_message_destroy(msg);
                        continue;
                }
                done = handle(c, msg);
                rd_kafka_message_destroy(msg);
                if (done == -1) {
                        diag_error("out of memory");
                        return EXIT_FAILURE_RUN;
                }
                keep_fetching(c);
                if (done || output_batched(&c->out) >= OUTPUT_BATCH)
                        flushed = flush(c);
        }

        /* What is left, and the seed's farewell on Ctrl-C; not after a
         * stop signal cut a write short: the reader has half a line. */
        if (flushed == 0 && !c->out.broken && !c->status.fatal) {
                if (c->nlines)
                        flushed = flush(c);
                if (flushed == 0 && !done && stop_signal == SIGINT) {
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

        switch (options_parse(&opts, &consumer_program, argc, argv)) {
        case OPTIONS_DONE:
                options_free(&opts);
                return EXIT_OK;
        case OPTIONS_BAD:
                options_free(&opts);
                return EXIT_USAGE;
        case OPTIONS_RUN:
                break;
        }
        c.status.verbose = opts.verbose;

        {
                const struct kafka_property defaults[] = {
                        {"bootstrap.servers", DEFAULT_BOOTSTRAP},
                        {"client.id", "consumer_chat"},
                        {"group.id", DEFAULT_GROUP},
                        {"auto.offset.reset", "earliest"},
                        {"enable.auto.commit", "true"},
                        /* We store an offset once its line is written. */
                        {"enable.auto.offset.store", "false"},
                        /* kafka-python asks for this: the seed creates the topic. */
                        {"allow.auto.create.topics", "true"},
                        {"log.connection.close", "false"},
                        /* A crashed consumer holds its partitions until its
                         * session times out; a restart should not wait 45 s. */
                        {"session.timeout.ms", "10000"},
                        {"heartbeat.interval.ms", "2000"},
                        /* Bounded memory; keep_fetching() keeps it fast. */
                        {"queued.min.messages", QUEUE_MIN_MESSAGES},
                        {"queued.max.messages.kbytes", QUEUE_MAX_KBYTES},
                        {NULL, NULL},
                };

                conf = kafka_conf_new(&opts, defaults, &c.status);
        }
        if (!conf) {
                options_hint(&consumer_program);
                status = EXIT_USAGE;
                goto out;
        }

        rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
        c.topic    = opts.topic;
        c.position = rd_kafka_topic_partition_list_new(1);
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

        output_str(&c.out, "채팅 프로그램 - 메시지 수신\n메시지 대기 중...\n");
        output_flush(&c.out);

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
        err = rd_kafka_commit(c.rk, NULL, 0 /* synchronously */);
        if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
                diag_error("cannot commit offsets: %s", rd_kafka_err2str(err));
                status = EXIT_FAILURE_RUN;
        }
        rd_kafka_consumer_close(c.rk);

out:
        if (c.queue)
                rd_kafka_queue_destroy(c.queue);
        if (topics)
                rd_kafka_topic_partition_list_destroy(topics);
        free(c.lines);
        if (c.position)
                rd_kafka_topic_partition_list_destroy(c.position);
        output_free(&c.out);
        if (c.rk)
                rd_kafka_destroy(c.rk);
        if (conf)
                rd_kafka_conf_destroy(conf);
        record_free(&c.rec);
        options_free(&opts);
        return status;
}
