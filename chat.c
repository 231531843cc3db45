/*
 * chat - send and receive in one terminal.
 *
 * The seed's author names its fatal limit: sending and receiving need two
 * console windows. This program does both in one: what you type is sent
 * (with your name in a "sender" field the seed's readers ignore), and what
 * others send appears above your input line while GNU readline keeps your
 * half-typed line, its cursor and its history intact.
 *
 * On start it shows the last lines before your previous visit, a separator,
 * and what is new since; your place is kept as the committed offsets of a
 * group of your own (kafka-chat-NAME). Your own lines appear once the
 * broker has them, with a mark (or a failure mark). "/quit", Ctrl-D and
 * Ctrl-C leave; typing "exit" sends it and leaves, as the seed's producer
 * does.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>
#include <librdkafka/rdkafka.h>

#include "common/buf.h"
#include "common/diag.h"
#include "common/display.h"
#include "common/kafka.h"
#include "common/options.h"
#include "common/output.h"
#include "common/pytime.h"
#include "common/record.h"
#include "common/signals.h"

#define PROMPT "YOU: "
#define DELIVERED_MARK " ✓"
#define FAILED_MARK " ✗"

/* How long the main loop sleeps at most, in ms: how soon a signal counts. */
#define TICK_MS 100

/* Own records remembered, not to show them twice when they come back. */
#define OWN_MAX 1024

/* Unread lines shown on start at most (the rest are counted). */
#define UNREAD_MAX 1000

static const struct program chat_program = {
        "chat",
        "Chat over a Kafka topic in one terminal: send and receive.",
        "What you type is sent as {\"message\": LINE, \"time\": TIME, \"sender\": NAME}\n"
        "(the original scripts ignore the sender); what others send appears above\n"
        "your input line. On start, the lines before your last visit, a separator,\n"
        "and what is new since. Your lines show once the broker has them, marked\n"
        "✓ (or ✗ if they could not be delivered). Leave with /quit, Ctrl-D\n"
        "or Ctrl-C; typing 'exit' sends it and leaves, as the original producer does.",
        OPT_CHAT | OPT_PARTITION,
        "  0  you left\n"
        "  1  a Kafka or terminal error ended it, or a line was not delivered\n"
        "  2  usage error (or no terminal)\n"
        "  3  could not use Kafka: unreachable, authentication or TLS failure,\n"
        "     or the topic is not available\n",
};

/* A line of ours on its way to the broker: the delivery report shows it. */
struct pending {
        struct pending *next;  /* in chat.in_flight */
        double time;
        size_t len;
        char text[];           /* not NUL-terminated */
};

struct chat {
        struct kafka_status status;  /* first: the callbacks' opaque */
        const struct options *opts;
        const char *name;
        rd_kafka_t *producer;
        rd_kafka_topic_t *rkt;
        rd_kafka_t *consumer;
        rd_kafka_queue_t *events;    /* the consumer's queue */
        int wake[2];                 /* librdkafka writes here when events wait */
        struct output out;
        struct record rec;
        struct buf value;            /* the record being sent */
        /* Our own records, not to show them twice: those delivered (a ring
         * of their positions) and those whose delivery report has not come
         * yet (a consumer may see a record before its producer hears). */
        struct { int32_t partition; int64_t offset; } own[OWN_MAX];
        unsigned own_next;           /* ring index */
        struct pending *in_flight;
        unsigned long failed;        /* own lines not delivered */
        int leaving;                 /* /quit, Ctrl-D, or 'exit' sent */
        int live;                    /* readline owns the input line */
};

/* ---- the screen --------------------------------------------------------- */

/* Writes what is in c->out above the input line, keeping the line being
 * typed, its cursor and the prompt, the readline way: take the line away,
 * print, put it back. */
static void show_above(struct chat *c)
{
        int point;
        char *typed;

        if (!c->live) {
                output_flush(&c->out);
                return;
        }
        point = rl_point;
        typed = rl_copy_text(0, rl_end);
        rl_save_prompt();
        rl_replace_line("", 0);
        rl_redisplay();
        output_flush(&c->out);
        rl_restore_prompt();
        rl_replace_line(typed ? typed : "", 0);
        rl_point = point;
        rl_redisplay();
        free(typed);
}

/* A line of our own, with its delivery mark. */
static void show_own(struct chat *c, const struct pending *line, const char *mark)
{
        char when[PYTIME_TEXT_MAX];

        if (pytime_format(line->time, when) == -1)
                snprintf(when, sizeof(when), "?");
        display_line(&c->out, when, c->name, strlen(c->name), line->text, line->len, mark);
}

/* ---- sending ---------------------------------------------------------------- */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
        struct chat *c = opaque;
        struct pending *line = msg->_private;

        (void)rk;
        for (struct pending **p = &c->in_flight; *p; p = &(*p)->next)
                if (*p == line) {
                        *p = line->next;
                        break;
                }
        if (msg->err) {
                c->failed++;
                show_own(c, line, FAILED_MARK);
                output_str(&c->out, "   (");
                output_str(&c->out, rd_kafka_err2str(msg->err));
                output_str(&c->out, ")\n");
        } else {
                show_own(c, line, DELIVERED_MARK);
                c->own[c->own_next % OWN_MAX].partition = msg->partition;
                c->own[c->own_next % OWN_MAX].offset    = msg->offset;
                c->own_next++;
        }
        show_above(c);
        free(line);
}

static void send_line(struct chat *c, const char *text)
{
        size_t len = strlen(text);
        struct pending *line = malloc(sizeof(*line) + len);
        rd_kafka_resp_err_t err;

        if (!line) {
                diag_error("out of memory");
                return;
        }
        line->time = pytime_now();
        line->len  = len;
        memcpy(line->text, text, len);

        buf_clear(&c->value);
        if (record_encode(&c->value, text, len, line->time, c->name) == -1)
                err = RD_KAFKA_RESP_ERR__FAIL; /* out of memory */
        else
                err = kafka_produce(c->producer, c->rkt, c->opts->partition,
                                    c->value.data, c->value.len, line);
        if (!err) {
                line->next   = c->in_flight;
                c->in_flight = line;
        } else {
                c->failed++;
                show_own(c, line, FAILED_MARK);
                show_above(c);
                free(line);
        }
}

/* readline calls this with each line typed (NULL at Ctrl-D). Its line
 * handler takes no context pointer, so the chat it serves is the one
 * other file-scope variable besides the signal flag. */
static struct chat *line_handler_chat;

static void on_line(char *text)
{
        struct chat *c = line_handler_chat;

        if (!text || !strcmp(text, "/quit")) {
                c->leaving = 1;
        } else if (!strcmp(text, "/help")) {
                output_str(&c->out, "  /quit or Ctrl-D: leave;  exit: say goodbye and "
                                    "leave;  Up/Down: history\n");
                show_above(c);
        } else if (*text) {
                add_history(text);
                send_line(c, text);
                /* As the seed's producer: 'exit' is sent, then we go. */
                if (record_is_exit(text, strlen(text)))
                        c->leaving = 1;
        }
        free(text);
        /* Leaving: no new prompt (readline draws one once we return,
         * unless the handler is gone). */
        if (c->leaving) {
                rl_callback_handler_remove();
                c->live = 0;
        }
}

/* ---- receiving ---------------------------------------------------------------- */

/* Whether msg is a record of ours; c->rec holds it decoded. */
static int is_own(const struct chat *c, const rd_kafka_message_t *msg)
{
        for (unsigned i = 0; i < OWN_MAX && i < c->own_next; i++)
                if (c->own[i].partition == msg->partition && c->own[i].offset == msg->offset)
                        return 1;
        /* Not reported yet: the same name, time (to the nanosecond's
         * double) and text is ours. */
        if (!c->rec.sender || c->rec.sender_len != strlen(c->name) ||
            memcmp(c->rec.sender, c->name, c->rec.sender_len) != 0)
                return 0;
        for (const struct pending *p = c->in_flight; p; p = p->next)
                if (p->time == c->rec.time && p->len == c->rec.message_len &&
                    memcmp(p->text, c->rec.message, p->len) == 0)
                        return 1;
        return 0;
}

/* Shows someone's record (into c->out; the caller puts it on screen).
 * Returns 1 if something was shown. */
static int show_record(struct chat *c, const rd_kafka_message_t *msg)
{
        enum record_status st = record_decode(&c->rec, msg->payload, msg->len);
        char when[PYTIME_TEXT_MAX];

        if (st == RECORD_BAD || is_own(c, msg))
                return 0; /* not a chat line, or ours: shown on delivery */
        if (st == RECORD_OK)
                memcpy(when, c->rec.when, sizeof(when));
        else if (pytime_format(kafka_message_time(msg), when) == -1)
                snprintf(when, sizeof(when), "?");

        if (record_is_exit(c->rec.message, c->rec.message_len)) {
                /* Someone left; we stay. */
                output_str(&c->out, "[");
                output_str(&c->out, when);
                output_str(&c->out, "] ");
                if (c->rec.sender)
                        output_untrusted(&c->out, c->rec.sender, c->rec.sender_len);
                else
                        output_str(&c->out, "FRIEND");
                output_str(&c->out, " 님이 나갔습니다.\n");
                return 1;
        }
        display_line(&c->out, when, c->rec.sender, c->rec.sender_len, c->rec.message,
                     c->rec.message_len, NULL);
        return 1;
}

/* Stores msg's offset, so the group's place moves past it. */
static void mark_read(struct chat *c, const rd_kafka_message_t *msg)
{
        rd_kafka_topic_partition_list_t *read = rd_kafka_topic_partition_list_new(1);

        rd_kafka_topic_partition_list_add(read, rd_kafka_topic_name(msg->rkt),
                                          msg->partition)->offset = msg->offset + 1;
        if (rd_kafka_offsets_store(c->consumer, read) && c->status.verbose >= 1)
                diag_note("cannot store the offset of %s [%d] %lld", rd_kafka_topic_name(msg->rkt),
                          (int)msg->partition, (long long)msg->offset);
        rd_kafka_topic_partition_list_destroy(read);
}

/* Serves what librdkafka has for us: records and delivery reports. */
static void serve_kafka(struct chat *c)
{
        rd_kafka_message_t *msg;
        char drained[64];
        int shown = 0;

        /* Empty the wake-up pipe first, so no event is slept through. */
        while (read(c->wake[0], drained, sizeof(drained)) > 0)
                ;
        rd_kafka_poll(c->producer, 0); /* delivery reports first: see is_own() */
        while ((msg = rd_kafka_consumer_poll(c->consumer, 0))) {
                if (msg->err) {
                        if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF &&
                            c->status.verbose >= 0) {
                                output_str(&c->out, "! ");
                                output_str(&c->out, rd_kafka_message_errstr(msg));
                                output_str(&c->out, "\n");
                                shown = 1;
                        }
                } else {
                        shown |= show_record(c, msg);
                        mark_read(c, msg);
                }
                rd_kafka_message_destroy(msg);
        }
        if (shown)
                show_above(c);
}

/* ---- on start: history ---------------------------------------------------------- */

struct seen {
        double time;
        rd_kafka_message_t *msg;
};

static int by_time(const void *a, const void *b)
{
        const struct seen *x = a, *y = b;

        return (x->time > y->time) - (x->time < y->time);
}

/*
 * Reads each partition from `history` lines before our committed place (or
 * before its end, on a first visit) up to its end as it is now, then shows
 * the old lines, a separator, and the new ones, each in time order; then
 * assigns the partitions from their ends for the live part.
 */
static int catch_up(struct chat *c, int partitions)
{
        rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(partitions);
        struct seen *old = NULL, *fresh = NULL;
        size_t nold = 0, nfresh = 0, skipped = 0;
        int64_t *ends = calloc((size_t)partitions, sizeof(*ends));
        int64_t *marks = calloc((size_t)partitions, sizeof(*marks));
        int left = 0, visited = 0, status = -1;
        rd_kafka_resp_err_t err;
        long long deadline;
        char line[128];

        if (!ends || !marks)
                goto out;
        for (int p = 0; p < partitions; p++)
                rd_kafka_topic_partition_list_add(parts, c->opts->topic, p);
        /* On a fresh broker the group coordinator may take a moment to
         * appear (its offsets topic is being made): ask again until the
         * timeout. */
        deadline = kafka_now_ms() + c->opts->timeout_ms;
        while ((err = rd_kafka_committed(c->consumer, parts, 1000 /* ms */)) &&
               !stop_signal && kafka_now_ms() < deadline)
                ;
        if (err) {
                diag_error("cannot read the group's place in '%s': %s", c->opts->topic,
                           rd_kafka_err2str(err));
                goto out;
        }
        for (int p = 0; p < partitions; p++) {
                rd_kafka_topic_partition_t *tp = &parts->elems[p];
                int64_t low, high, mark;

                if (rd_kafka_query_watermark_offsets(c->consumer, c->opts->topic, p, &low,
                                                     &high, c->opts->timeout_ms)) {
                        diag_error("cannot read the end of '%s' [%d]", c->opts->topic, p);
                        goto out;
                }
                visited |= tp->offset >= 0;
                mark       = tp->offset >= 0 && tp->offset < high ? tp->offset : high;
                marks[p]   = tp->offset >= 0 ? mark : high;
                ends[p]    = high;
                tp->offset = mark - c->opts->history > low ? mark - c->opts->history : low;
                left += tp->offset < high;
        }
        if (rd_kafka_assign(c->consumer, parts))
                goto out;

        deadline = kafka_now_ms() + c->opts->timeout_ms;
        while (left > 0 && !stop_signal && kafka_now_ms() < deadline) {
                rd_kafka_message_t *msg = rd_kafka_consumer_poll(c->consumer, TICK_MS);
                struct seen **list, *grown;
                size_t *n;

                if (!msg)
                        continue;
                if (msg->err || msg->offset >= ends[msg->partition]) {
                        rd_kafka_message_destroy(msg);
                        continue;
                }
                if (msg->offset + 1 >= ends[msg->partition])
                        left--;
                list = msg->offset < marks[msg->partition] ? &old : &fresh;
                n    = list == &old ? &nold : &nfresh;
                if (list == &fresh && nfresh == UNREAD_MAX) {
                        /* Keep the latest: drop the oldest unread. */
                        rd_kafka_message_destroy(fresh[0].msg);
                        memmove(fresh, fresh + 1, (UNREAD_MAX - 1) * sizeof(*fresh));
                        nfresh--;
                        skipped++;
                }
                grown = realloc(*list, (*n + 1) * sizeof(**list));
                if (!grown) {
                        rd_kafka_message_destroy(msg);
                        goto out;
                }
                *list = grown;
                (*list)[*n].msg  = msg;
                (*list)[*n].time = record_decode(&c->rec, msg->payload, msg->len) == RECORD_OK
                                           ? c->rec.time
                                           : kafka_message_time(msg);
                (*n)++;
        }

        if (nold) /* qsort() wants an array, even for no elements */
                qsort(old, nold, sizeof(*old), by_time);
        if (nfresh)
                qsort(fresh, nfresh, sizeof(*fresh), by_time);
        for (size_t i = 0; i < nold; i++)
                show_record(c, old[i].msg);
        if (visited)
                snprintf(line, sizeof(line), "──── 지난 방문 이후 새 메시지 %zu개 ────\n",
                         nfresh + skipped);
        else
                snprintf(line, sizeof(line), "──── 여기부터 새 메시지 ────\n");
        output_str(&c->out, line);
        if (skipped) {
                snprintf(line, sizeof(line), "(앞의 %zu개는 생략)\n", skipped);
                output_str(&c->out, line);
        }
        for (size_t i = 0; i < nfresh; i++)
                show_record(c, fresh[i].msg);
        output_flush(&c->out);

        /* From here on: live, from each end, our place moving as we show. */
        for (int p = 0; p < partitions; p++)
                parts->elems[p].offset = ends[p];
        if (rd_kafka_assign(c->consumer, parts) == RD_KAFKA_RESP_ERR_NO_ERROR &&
            rd_kafka_offsets_store(c->consumer, parts) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                kafka_commit(c->consumer, NULL /* what is stored */, c->opts->timeout_ms);
                status = 0;
        }
out:
        for (size_t i = 0; i < nold; i++)
                rd_kafka_message_destroy(old[i].msg);
        for (size_t i = 0; i < nfresh; i++)
                rd_kafka_message_destroy(fresh[i].msg);
        free(old);
        free(fresh);
        free(ends);
        free(marks);
        rd_kafka_topic_partition_list_destroy(parts);
        return status;
}

/* ---- set-up -------------------------------------------------------------------- */

/* The login name, for --name's default. */
static const char *login_name(void)
{
        const char *name = getenv("USER");
        struct passwd *pw;

        if (name && *name)
                return name;
        pw = getpwuid(getuid());
        return pw && pw->pw_name && *pw->pw_name ? pw->pw_name : "anonymous";
}

static rd_kafka_t *new_client(rd_kafka_type_t type, const struct options *opts,
                              const struct kafka_property *defaults, struct chat *c)
{
        rd_kafka_conf_t *conf = kafka_conf_new(opts, defaults, &c->status);
        char errstr[512];
        rd_kafka_t *rk;

        if (!conf)
                return NULL;
        if (type == RD_KAFKA_PRODUCER)
                rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        /* rd_kafka_new() takes ownership of conf only when it succeeds. */
        rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
        if (!rk) {
                diag_error("cannot create a Kafka client: %s", errstr);
                rd_kafka_conf_destroy(conf);
        }
        return rk;
}

/* Waits for input or for Kafka, then serves what came. */
static void run(struct chat *c)
{
        while (!c->leaving && !stop_signal && !c->status.fatal) {
                struct pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {c->wake[0], POLLIN, 0}};

                if (poll(fds, 2, TICK_MS) == -1 && errno != EINTR)
                        break;
                if (fds[0].revents & (POLLIN | POLLHUP))
                        rl_callback_read_char();
                serve_kafka(c);
        }
}

int main(int argc, char **argv)
{
        struct options opts;
        struct chat c;
        char group[512], timeout[32];
        int partitions, status = EXIT_FAILURE_RUN;

        memset(&c, 0, sizeof(c));
        c.rec     = (struct record)RECORD_INIT;
        c.wake[0] = c.wake[1] = -1;
        setlocale(LC_ALL, ""); /* readline edits UTF-8 text as characters */

        status = options_parse(&opts, &chat_program, argc, argv);
        if (status != OPTIONS_RUN)
                return status;
        status = EXIT_FAILURE_RUN;
        if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
                diag_error("needs a terminal; from scripts use producer_chat and consumer_chat");
                options_free(&opts);
                return EXIT_USAGE;
        }
        c.opts           = &opts;
        c.name           = opts.name ? opts.name : login_name();
        c.status.verbose = opts.verbose;
        snprintf(group, sizeof(group), "kafka-chat-%s", c.name);
        snprintf(timeout, sizeof(timeout), "%d", opts.timeout_ms);
        output_init(&c.out, STDOUT_FILENO, ESCAPE_ALWAYS, NULL);

        {
                const struct kafka_property producer_defaults[] = {
                        {"bootstrap.servers", DEFAULT_BOOTSTRAP},
                        {"client.id", "chat"},
                        {"enable.idempotence", "true"},
                        {"linger.ms", "0"},
                        {"message.timeout.ms", timeout},
                        {"log.connection.close", "false"},
                        {NULL, NULL},
                };
                const struct kafka_property consumer_defaults[] = {
                        {"bootstrap.servers", DEFAULT_BOOTSTRAP},
                        {"client.id", "chat"},
                        /* Your place: one group per name. */
                        {"group.id", group},
                        {"enable.auto.commit", "true"},
                        {"enable.auto.offset.store", "false"},
                        {"allow.auto.create.topics", "true"},
                        {"log.connection.close", "false"},
                        /* Bounds how long leaving waits for a broker that is away. */
                        {"session.timeout.ms", "10000"},
                        {NULL, NULL},
                };

                c.producer = new_client(RD_KAFKA_PRODUCER, &opts, producer_defaults, &c);
                c.consumer = c.producer ? new_client(RD_KAFKA_CONSUMER, &opts,
                                                     consumer_defaults, &c)
                                        : NULL;
        }
        if (!c.producer || !c.consumer) {
                status = EXIT_USAGE;
                goto out;
        }
        c.rkt = rd_kafka_topic_new(c.producer, opts.topic, NULL);
        if (signals_install() == -1 || pipe(c.wake) == -1 || !c.rkt) {
                diag_error("cannot set up: %m");
                goto out;
        }

        if (kafka_wait_ready(c.producer, &c.status, opts.topic, opts.timeout_ms,
                             &partitions) == -1 ||
            kafka_wait_ready(c.consumer, &c.status, opts.topic, opts.timeout_ms,
                             &partitions) == -1) {
                status = stop_signal ? EXIT_OK : EXIT_UNREACHABLE;
                goto out;
        }

        /* librdkafka wakes our poll() through the pipe. */
        rd_kafka_poll_set_consumer(c.consumer);
        c.events = rd_kafka_queue_get_consumer(c.consumer);
        {
                rd_kafka_queue_t *main_queue = rd_kafka_queue_get_main(c.producer);

                rd_kafka_queue_io_event_enable(c.events, c.wake[1], "!", 1);
                rd_kafka_queue_io_event_enable(main_queue, c.wake[1], "!", 1);
                rd_kafka_queue_destroy(main_queue);
        }
        if (fcntl(c.wake[0], F_SETFL, O_NONBLOCK) == -1) {
                diag_error("cannot set up: %m");
                goto out;
        }

        output_str(&c.out, "채팅 프로그램 - ");
        output_untrusted(&c.out, c.name, strlen(c.name));
        output_str(&c.out, " (/quit 또는 Ctrl-D로 종료)\n");
        output_flush(&c.out);
        if (catch_up(&c, partitions) == -1)
                goto out;

        /* readline draws the prompt; our handler takes the lines. Our own
         * signal handlers stay: SIGINT ends the loop, and removing the
         * handler gives the terminal back. */
        rl_catch_signals  = 0;
        line_handler_chat = &c;
        rl_callback_handler_install(PROMPT, on_line);
        c.live = 1;
        run(&c);
        if (c.live) { /* a signal or an error, not the user, ended it */
                c.live = 0;
                rl_callback_handler_remove();
                output_str(&c.out, "\n");
        }
        output_flush(&c.out);

        /* Deliver what is on its way (marks included), for at most the
         * timeout. */
        for (long long end = kafka_now_ms() + opts.timeout_ms;
             rd_kafka_outq_len(c.producer) > 0 && kafka_now_ms() < end;)
                rd_kafka_poll(c.producer, TICK_MS);
        output_flush(&c.out);
        (void)kafka_commit(c.consumer, NULL /* what is stored */, opts.timeout_ms);
        status = c.status.fatal || c.failed ? EXIT_FAILURE_RUN : EXIT_OK;

out:
        if (c.events)
                rd_kafka_queue_destroy(c.events);
        if (c.consumer) {
                (void)rd_kafka_consumer_close(c.consumer); /* leaving anyway */
                rd_kafka_destroy(c.consumer);
        }
        if (c.rkt)
                rd_kafka_topic_destroy(c.rkt);
        if (c.producer)
                rd_kafka_destroy(c.producer);
        for (int i = 0; i < 2; i++)
                if (c.wake[i] != -1)
                        close(c.wake[i]);
        record_free(&c.rec);
        buf_free(&c.value);
        output_free(&c.out);
        options_free(&opts);
        return status;
}
