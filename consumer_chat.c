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
#include "common/color.h"
#include "common/consumer.h"
#include "common/diag.h"
#include "common/display.h"
#include "common/client.h"
#include "common/config.h"
#include "common/deadline.h"
#include "common/options.h"
#include "common/output.h"
#include "common/pyjson.h"
#include "common/pytime.h"
#include "common/record.h"
#include "common/signals.h"
#include "common/vault.h"

/* How long one poll waits when nothing is pending, in ms: also how soon a
 * signal is noticed. */
#define POLL_MS 100

/* Messages between two looks at the local queue, see keep_fetching(). */
#define REFILL_CHECK 1024

static const struct program consumer_program = {
        "consumer_chat",
        "Show the chat lines of a Kafka topic.",
        "Prints each record as '[TIME][FRIEND] MESSAGE', TIME being the record's\n"
        "time in the local time zone, as the original consumerChat.py does. A\n"
        "record whose message is 'exit' (any case) prints the two closing lines\n"
        "and ends the program; Ctrl-C ends it too. Offsets are committed for the\n"
        "group only once their lines are written, so nothing is ever skipped.\n"
        "On a terminal, control characters in messages (escape sequences, CR,\n"
        "bidi overrides) are shown escaped, as \\x1b or \\u202e.\n"
        "With --key-file, an encrypted room's sealed lines are shown opened, and\n"
        "only those: a warning says why any other record is not shown.",
        OPT_GROUP | OPT_ESCAPE | OPT_READ,
        "  0  an 'exit' record, Ctrl-C, SIGTERM or a closed terminal ended it\n"
        "  1  a Kafka or output error ended it\n"
        "  2  usage error\n"
        "  3  could not use Kafka: unreachable, authentication or TLS failure,\n"
        "     or the topic is not available\n",
        NULL,
};

struct reader {
        struct consumer c;
        struct output out;
        const struct options *opts;
        struct buf json_line;        /* --json: the line being built */
        long shown;                  /* records shown, for -c */
        long long last_record_ms;    /* for --idle-timeout */
        /* Keeping librdkafka's prefetch going, see keep_fetching(). */
        int wake_fetcher;            /* this librdkafka needs it */
        size_t queue_min;            /* queued.min.messages */
        size_t queue_peak;           /* its longest since the last wake-up */
        unsigned since_refill;       /* messages since we looked */
};

/*
 * librdkafka before 2.2 stops fetching a partition while the local queue
 * holds queued.min.messages, and looks again only when that broker's
 * thread next wakes up, up to a second later (2.2 made it a timed back-off,
 * fetch.queue.backoff.ms, which common/consumer.c sets short). Whenever we
 * are the slower side, the queue fills and that second is lost each time,
 * so a small queue (for bounded memory) would cap us far below the
 * broker's pace. A watermark query is a request to each partition's
 * leader; it wakes the leader's thread, which then fetches again. We send
 * one when the queue, after being nearly full (so the fetcher may have
 * stopped), has drained to half: a round trip per ten thousand messages or
 * so. Only where rd_kafka_version() says the fault is there.
 */
#define LIBRDKAFKA_FETCHER_WAKES 0x02020000 /* 2.2.0 */

static void keep_fetching(struct reader *r)
{
        rd_kafka_topic_partition_list_t *parts = NULL;
        size_t len;

        if (!r->wake_fetcher || ++r->since_refill < REFILL_CHECK)
                return;
        r->since_refill = 0;
        len = rd_kafka_queue_length(r->c.queue);
        if (len > r->queue_peak)
                r->queue_peak = len;
        if (r->queue_peak < r->queue_min * 3 / 4 || len > r->queue_min / 2)
                return;
        r->queue_peak = 0;

        if (rd_kafka_assignment(r->c.client.rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
                return;
        /* The answer does not matter; the request does: one to each
         * leader, for where its partitions end. rd_kafka_offsets_for_times()
         * keeps to its time limit even with a dead leader (see
         * client_watermarks()). */
        for (int i = 0; i < parts->cnt; i++)
                parts->elems[i].offset = RD_KAFKA_OFFSET_END;
        (void)rd_kafka_offsets_for_times(r->c.client.rk, parts, 1000 /* ms at most */);
        rd_kafka_topic_partition_list_destroy(parts);
}

/* Where a partition we have not read yet starts, as -o or --since asked;
 * by default (stored) the group's committed position decides. */
static void start_at(void *ctx, rd_kafka_t *rk, rd_kafka_topic_partition_t *tp)
{
        const struct options *opts = ctx;
        rd_kafka_topic_partition_list_t *when;

        switch (opts->start) {
        case START_STORED:
                return;
        case START_BEGINNING:
                tp->offset = RD_KAFKA_OFFSET_BEGINNING;
                return;
        case START_END:
                tp->offset = RD_KAFKA_OFFSET_END;
                return;
        case START_OFFSET:
                tp->offset = opts->start_value;
                return;
        case START_TAIL:
                tp->offset = RD_KAFKA_OFFSET_TAIL(opts->start_value);
                return;
        case START_TIME:
                /* The first offset at or after that time, from the broker. */
                when = rd_kafka_topic_partition_list_new(1);
                rd_kafka_topic_partition_list_add(when, tp->topic, tp->partition)->offset =
                        opts->start_value;
                if (rd_kafka_offsets_for_times(rk, when, 10000 /* ms at most */) ==
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

/* --json: the record as one line, written the way json.dumps() writes.
 * Returns 0, or -1 when out of memory. */
static int show_json(struct reader *r, const rd_kafka_message_t *msg)
{
        const struct record *rec = &r->c.rec;
        char number[PYJSON_FLOAT_MAX], tail[64];
        struct buf *line = &r->json_line;

        buf_clear(line);
        snprintf(tail, sizeof(tail), ", \"partition\": %d, \"offset\": %lld}\n",
                 (int)msg->partition, (long long)msg->offset);
        if (buf_append_str(line, "{\"message\": ") == -1 ||
            pyjson_append_string(line, rec->message, rec->message_len) == -1 ||
            buf_append_str(line, ", \"time\": ") == -1 ||
            buf_append(line, number, pyjson_format_float(rec->time, number)) == -1 ||
            buf_append_str(line, ", \"sender\": ") == -1 ||
            (rec->sender ? pyjson_append_string(line, rec->sender, rec->sender_len)
                         : buf_append_str(line, "null")) == -1 ||
            buf_append_str(line, tail) == -1)
                return -1;
        output_text(&r->out, line->data, line->len);
        return 0;
}

/* Shows msg (a bad one only gets its warning) and notes it in the batch.
 * Returns 1 for an exit record, 0 otherwise, -1 when out of memory. */
static int handle(struct reader *r, const rd_kafka_message_t *msg)
{
        int exit_record = 0;

        if (consumer_decode(&r->c, msg) != RECORD_BAD) {
                r->shown++;
                exit_record = record_is_exit(r->c.rec.message, r->c.rec.message_len);
                if (r->opts->json) {
                        if (show_json(r, msg) == -1)
                                return -1;
                } else {
                        display_record(&r->out, &r->c.rec, DISPLAY_SEED);
                }
        }
        return consumer_done(&r->c, msg) == -1 ? -1 : exit_record;
}

/* Whether the output is gone for good: its reader left (| head), or its
 * terminal was closed. */
static int reader_left(const struct output *out)
{
        return out->broken && (out->error == EPIPE || (out->error == EIO && out->tty));
}

/* Prints records until an exit record, a signal, or an error. Returns the
 * exit status. */
static int consume(struct reader *r)
{
        const struct options *opts = r->opts;
        struct consumer *c = &r->c;
        int done = 0;    /* an exit record, or -c, -e or --idle-timeout said so */
        int flushed = 0; /* the last flush: 0 all out, -1 broken or cut short */

        r->last_record_ms = deadline_now_ms();
        while (!done && !stop_signal && !c->client.fatal && flushed == 0) {
                rd_kafka_message_t *msg;

                /* Flush whenever nothing more is waiting, or the batch is
                 * big: large writes under load, every line at once when
                 * idle. */
                msg = consumer_poll(c, c->nlines ? 0 : POLL_MS);
                if (!msg) {
                        if (opts->exit_at_end && consumer_at_end(c))
                                done = 1;
                        else if (!c->nlines && output_reader_gone(&r->out))
                                break;
                        else if (!c->nlines && opts->idle_ms &&
                                 deadline_now_ms() - r->last_record_ms >= opts->idle_ms)
                                done = 1;
                        if (c->nlines)
                                flushed = consumer_flush(c);
                        continue;
                }
                if (msg->err) {
                        if (opts->verbose >= 0)
                                diag_warn("kafka: %s", rd_kafka_message_errstr(msg));
                        rd_kafka_message_destroy(msg);
                        continue;
                }
                if (opts->idle_ms)
                        r->last_record_ms = deadline_now_ms();
                done = handle(r, msg);
                rd_kafka_message_destroy(msg);
                if (done == -1) {
                        diag_error("out of memory");
                        return EXIT_FAILURE_RUN;
                }
                if ((opts->count && r->shown >= opts->count) ||
                    (opts->exit_at_end && consumer_at_end(c)))
                        done = 1;
                keep_fetching(r);
                if (done || output_batched(&r->out) >= OUTPUT_BATCH)
                        flushed = consumer_flush(c);
        }

        /* What is left, and the seed's farewell on Ctrl-C; not after a
         * stop signal cut a write short: the reader has half a line. */
        if (flushed == 0 && !r->out.broken && !c->client.fatal) {
                if (c->nlines)
                        flushed = consumer_flush(c);
                if (flushed == 0 && !done && stop_signal == SIGINT && !opts->json) {
                        output_str(&r->out, "\n채팅 종료\n");
                        consumer_flush(c);
                }
        }
        if (c->client.fatal) /* a static member fenced by another, say */
                diag_error("kafka: %s", c->client.reason);
        if (r->out.broken && !reader_left(&r->out)) {
                errno = r->out.error;
                diag_error("writing output: %m");
                return EXIT_FAILURE_RUN;
        }
        /* A reader that went away is a normal end. */
        return c->client.fatal ? EXIT_FAILURE_RUN : EXIT_OK;
}

int main(int argc, char **argv)
{
        struct options opts;
        struct config cfg = {0};
        struct reader r;
        struct trust trust = {0};
        struct vault vault = {0};
        const struct kafka_property defaults[] = {
                {"client.id", "consumer_chat"},
                {"group.id", DEFAULT_GROUP},
                {NULL, NULL},
        };
        struct consumer_setup setup;
        rd_kafka_resp_err_t err;
        struct deadline until;
        int partitions;
        int status;

        memset(&r, 0, sizeof(r));
        status = options_parse(&opts, &consumer_program, argc, argv);
        if (status != OPTIONS_RUN)
                return status;
        r.opts = &opts;
        output_init(&r.out, STDOUT_FILENO, opts.escape, &stop_signal);
        /* --color: never by default, the seed's look to the byte. */
        r.out.colors = opts.json ? 0 : color_decide(opts.color, STDOUT_FILENO);
        setup = (struct consumer_setup){
                .topic    = opts.topic,
                .role     = CLIENT_READER,
                .defaults = defaults,
                .out      = &r.out,
        };
        if (config_load(&cfg, &opts) == -1 ||
            (opts.key_file && (trust_load(&trust, 0, NULL) == -1 ||
                               vault_from_file(&vault, opts.key_file, &trust, NULL,
                                               opts.verbose) == -1)) ||
            consumer_open(&r.c, &cfg, &setup) == -1) {
                status = EXIT_USAGE;
                goto out;
        }
        if (opts.key_file) /* an encrypted room */
                r.c.vault = &vault;
        r.c.start_at      = start_at;
        r.c.start_ctx     = &opts;
        r.c.ends_at_start = opts.exit_at_end;
        r.queue_min       = client_conf_number(&r.c.client, "queued.min.messages");
        r.wake_fetcher    = rd_kafka_version() < LIBRDKAFKA_FETCHER_WAKES;
        status            = EXIT_FAILURE_RUN;
        if (signals_install() == -1) {
                diag_error("cannot set up: %m");
                goto out;
        }

        if (!opts.json) {
                output_str(&r.out, "채팅 프로그램 - 메시지 수신\n메시지 대기 중...\n");
                /* A failure shows in r.out.broken, which consume() reads. */
                (void)output_flush(&r.out);
        }
        if (consumer_wait_ready(&r.c, opts.timeout_ms, &partitions) == -1) {
                status = stop_signal ? EXIT_OK : EXIT_UNREACHABLE;
                goto out;
        }
        if (consumer_subscribe(&r.c) == -1)
                goto out;

        status = consume(&r);

        /* Commit what was written now, so that the next start of the group
         * begins right after it (the seed's close() does the same). */
        until = deadline_in(opts.timeout_ms);
        err   = consumer_close(&r.c, &until);
        if (err) {
                diag_error("cannot commit offsets: %s", rd_kafka_err2str(err));
                status = EXIT_FAILURE_RUN;
        }

out:
        consumer_free(&r.c);
        vault_close(&vault);
        trust_free(&trust);
        buf_free(&r.json_line);
        output_free(&r.out);
        config_free(&cfg);
        options_free(&opts);
        return status;
}
