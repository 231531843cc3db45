/*
 * kafka-chat - send and receive in one terminal.
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
#include "common/consumer.h"
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
        "kafka-chat",
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
        struct kafka_status status;  /* first: the producer's opaque */
        const struct options *opts;
        const char *name;
        rd_kafka_t *producer;
        rd_kafka_topic_t *rkt;
        struct consumer in;          /* what others say */
        int wake[2];                 /* librdkafka writes here when events wait */
        struct output out;
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
                consumer_flush(&c->in);
                return;
        }
        point = rl_point;
        typed = rl_copy_text(0, rl_end);
        rl_save_prompt();
        rl_replace_line("", 0);
        rl_redisplay();
        consumer_flush(&c->in); /* what others said counts as read once shown */
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

/* Whether msg is a record of ours; c->in.rec holds it decoded. */
static int is_own(const struct chat *c, const rd_kafka_message_t *msg)
{
        const struct record *rec = &c->in.rec;

        for (unsigned i = 0; i < OWN_MAX && i < c->own_next; i++)
                if (c->own[i].partition == msg->partition && c->own[i].offset == msg->offset)
                        return 1;
        /* Not reported yet: the same name, time (to the nanosecond's
         * double) and text is ours. */
        if (!rec->sender || rec->sender_len != strlen(c->name) ||
            memcmp(rec->sender, c->name, rec->sender_len) != 0)
                return 0;
        for (const struct pending *p = c->in_flight; p; p = p->next)
                if (p->time == rec->time && p->len == rec->message_len &&
                    memcmp(p->text, rec->message, p->len) == 0)
                        return 1;
        return 0;
}

/* Shows someone's record (into c->out; the caller puts it on screen) and
 * notes it read. Returns 1 if something was shown, 0 if not, -1 when out
 * of memory. */
static int show_record(struct chat *c, const rd_kafka_message_t *msg)
{
        int shown = consumer_decode(&c->in, msg) != RECORD_BAD && !is_own(c, msg);

        /* Ours are shown on delivery; an exit is someone leaving. */
        if (shown)
                display_record(&c->out, &c->in.rec, DISPLAY_CHAT);
        return consumer_done(&c->in, msg) == -1 ? -1 : shown;
}

/* A Kafka error, on screen. */
static void show_error(struct chat *c, const rd_kafka_message_t *msg)
{
        output_str(&c->out, "! ");
        output_str(&c->out, rd_kafka_message_errstr(msg));
        output_str(&c->out, "\n");
}

/* Serves what librdkafka has for us: records and delivery reports. */
static void serve_kafka(struct chat *c)
{
        rd_kafka_message_t *msg;
        char drained[64];

        /* Empty the wake-up pipe first, so no event is slept through. */
        while (read(c->wake[0], drained, sizeof(drained)) > 0)
                ;
        rd_kafka_poll(c->producer, 0); /* delivery reports first: see is_own() */
        while ((msg = consumer_poll(&c->in, 0))) {
                if (!msg->err)
                        (void)show_record(c, msg); /* out of memory: shown, not stored */
                else if (c->opts->verbose >= 0)
                        show_error(c, msg);
                rd_kafka_message_destroy(msg);
        }
        if (output_batched(&c->out) || c->in.nlines)
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

/* Where each partition starts for the catch-up: `history` records before
 * our place (the group's commit, or the end on a first visit); marks[p]
 * gets the place. Returns 1 if we have been here before, 0 if not, -1
 * after saying why not. */
static int find_places(struct chat *c, rd_kafka_topic_partition_list_t *parts, int64_t *marks)
{
        rd_kafka_resp_err_t err;
        int visited = 0;

        err = consumer_committed(&c->in, parts, c->opts->timeout_ms);
        if (err) {
                diag_error("cannot read the group's place in '%s': %s", c->opts->topic,
                           rd_kafka_err2str(err));
                return -1;
        }
        for (int p = 0; p < parts->cnt; p++) {
                rd_kafka_topic_partition_t *tp = &parts->elems[p];
                int64_t low, high;

                if (rd_kafka_query_watermark_offsets(c->in.rk, c->opts->topic, p, &low, &high,
                                                     c->opts->timeout_ms)) {
                        diag_error("cannot read the end of '%s' [%d]", c->opts->topic, p);
                        return -1;
                }
                visited |= tp->offset >= 0;
                marks[p]   = tp->offset >= 0 && tp->offset < high ? tp->offset : high;
                tp->offset = marks[p] - c->opts->history > low ? marks[p] - c->opts->history : low;
        }
        return visited;
}

/* Keeps msg in the list, with its time. Returns 0, or -1 when out of
 * memory (msg is destroyed then). */
static int keep(struct chat *c, struct seen **list, size_t *n, rd_kafka_message_t *msg)
{
        struct seen *grown = realloc(*list, (*n + 1) * sizeof(**list));

        if (!grown) {
                rd_kafka_message_destroy(msg);
                return -1;
        }
        *list = grown;
        (void)consumer_decode(&c->in, msg);
        (*list)[*n].msg  = msg;
        (*list)[*n].time = c->in.rec.time;
        (*n)++;
        return 0;
}

/*
 * Reads each partition from `history` records before our place up to its
 * end (end-of-partition events: a topic that ends in a transaction marker
 * ends too), then shows the old lines, a separator, and the new ones, each
 * in time order; the reading goes on from there, live.
 */
static int catch_up(struct chat *c, int partitions)
{
        rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(partitions);
        struct seen *old = NULL, *fresh = NULL;
        size_t nold = 0, nfresh = 0, skipped = 0;
        int64_t *marks = calloc((size_t)partitions, sizeof(*marks));
        int visited, status = -1;
        long long deadline;
        char line[128];

        for (int p = 0; p < partitions; p++)
                rd_kafka_topic_partition_list_add(parts, c->opts->topic, p);
        if (!marks || (visited = find_places(c, parts, marks)) == -1 ||
            consumer_assign(&c->in, parts) == -1)
                goto out;

        deadline = kafka_now_ms() + c->opts->timeout_ms;
        while (!consumer_at_end(&c->in) && !stop_signal && !c->in.status.fatal &&
               kafka_now_ms() < deadline) {
                rd_kafka_message_t *msg = consumer_poll(&c->in, TICK_MS);

                if (!msg)
                        continue;
                if (msg->err) {
                        rd_kafka_message_destroy(msg);
                        continue;
                }
                if (msg->offset < marks[msg->partition]) {
                        if (keep(c, &old, &nold, msg) == -1)
                                goto out;
                        continue;
                }
                if (nfresh == UNREAD_MAX) {
                        /* Keep the latest: drop the oldest unread. */
                        rd_kafka_message_destroy(fresh[0].msg);
                        memmove(fresh, fresh + 1, (UNREAD_MAX - 1) * sizeof(*fresh));
                        nfresh--;
                        skipped++;
                }
                if (keep(c, &fresh, &nfresh, msg) == -1)
                        goto out;
        }

        if (nold) /* qsort() wants an array, even for no elements */
                qsort(old, nold, sizeof(*old), by_time);
        if (nfresh)
                qsort(fresh, nfresh, sizeof(*fresh), by_time);
        /* What was shown before stays read as it was: only the new lines
         * move our place. */
        for (size_t i = 0; i < nold; i++)
                if (consumer_decode(&c->in, old[i].msg) != RECORD_BAD)
                        display_record(&c->out, &c->in.rec, DISPLAY_CHAT);
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
                if (show_record(c, fresh[i].msg) == -1)
                        goto out;
        consumer_flush(&c->in);
        status = 0;
out:
        for (size_t i = 0; i < nold; i++)
                rd_kafka_message_destroy(old[i].msg);
        for (size_t i = 0; i < nfresh; i++)
                rd_kafka_message_destroy(fresh[i].msg);
        free(old);
        free(fresh);
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

/* Waits for input or for Kafka, then serves what came. */
static void run(struct chat *c)
{
        while (!c->leaving && !stop_signal && !c->status.fatal && !c->in.status.fatal) {
                struct pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {c->wake[0], POLLIN, 0}};

                if (poll(fds, 2, TICK_MS) == -1 && errno != EINTR)
                        break;
                if (fds[0].revents & (POLLIN | POLLHUP))
                        rl_callback_read_char();
                serve_kafka(c);
        }
}

/* librdkafka wakes our poll() through the pipe when either client has
 * something for us. Returns 0, or -1 with errno set. */
static int wake_on_events(struct chat *c)
{
        rd_kafka_queue_t *main_queue;

        if (pipe(c->wake) == -1 || fcntl(c->wake[0], F_SETFL, O_NONBLOCK) == -1)
                return -1;
        main_queue = rd_kafka_queue_get_main(c->producer);
        rd_kafka_queue_io_event_enable(c->in.queue, c->wake[1], "!", 1);
        rd_kafka_queue_io_event_enable(main_queue, c->wake[1], "!", 1);
        rd_kafka_queue_destroy(main_queue);
        return 0;
}

/* The chat itself, from the first prompt until you leave; then what is
 * on its way is delivered (or reported as not delivered). */
static void talk(struct chat *c)
{
        /* readline draws the prompt; our handler takes the lines. Our own
         * signal handlers stay: SIGINT ends the loop, and removing the
         * handler gives the terminal back. */
        rl_catch_signals  = 0;
        line_handler_chat = c;
        rl_callback_handler_install(PROMPT, on_line);
        c->live = 1;
        run(c);
        if (c->live) { /* a signal or an error, not the user, ended it */
                c->live = 0;
                rl_callback_handler_remove();
                output_str(&c->out, "\n");
        }
        consumer_flush(&c->in);
        kafka_drain(c->producer, c->opts->timeout_ms, c->opts->verbose >= 0);
        consumer_flush(&c->in);
}

int main(int argc, char **argv)
{
        struct options opts;
        struct chat c;
        char group[512];
        int partitions, status;
        rd_kafka_resp_err_t err;

        memset(&c, 0, sizeof(c));
        c.wake[0] = c.wake[1] = -1;
        status = options_parse(&opts, &chat_program, argc, argv);
        if (status != OPTIONS_RUN)
                return status;
        if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
                diag_error("needs a terminal; from scripts use producer_chat and consumer_chat");
                options_free(&opts);
                return EXIT_USAGE;
        }
        /* readline edits UTF-8 text as characters; numbers stay in the C
         * locale (LC_NUMERIC), as --timeout was read. */
        setlocale(LC_CTYPE, "");
        c.opts           = &opts;
        c.name           = opts.name ? opts.name : login_name();
        c.status.verbose = opts.verbose;
        snprintf(group, sizeof(group), "kafka-chat-%s", c.name);
        output_init(&c.out, STDOUT_FILENO, ESCAPE_ALWAYS, NULL);

        {
                const struct kafka_property producer_defaults[] = {
                        {"client.id", "kafka-chat"},
                        {NULL, NULL},
                };
                const struct kafka_property consumer_defaults[] = {
                        {"client.id", "kafka-chat"},
                        /* Your place: one group per name. */
                        {"group.id", group},
                        {NULL, NULL},
                };

                status = EXIT_USAGE;
                c.producer = kafka_producer_new(&opts, producer_defaults, &c.status,
                                                on_delivery, &c.rkt);
                if (!c.producer || consumer_open(&c.in, &opts, consumer_defaults, &c.out) == -1)
                        goto out;
        }
        c.in.warn = 0; /* the screen is the chat's: bad records are skipped quietly */
        status    = EXIT_FAILURE_RUN;
        if (signals_install() == -1) {
                diag_error("cannot set up: %m");
                goto out;
        }
        if (kafka_wait_ready(c.producer, &c.status, opts.topic, opts.timeout_ms,
                             &partitions) == -1 ||
            consumer_wait_ready(&c.in, opts.timeout_ms, &partitions) == -1) {
                status = stop_signal ? EXIT_OK : EXIT_UNREACHABLE;
                goto out;
        }
        if (wake_on_events(&c) == -1) {
                diag_error("cannot set up: %m");
                goto out;
        }

        output_str(&c.out, "채팅 프로그램 - ");
        output_untrusted(&c.out, c.name, strlen(c.name));
        output_str(&c.out, " (/quit 또는 Ctrl-D로 종료)\n");
        output_flush(&c.out);
        if (catch_up(&c, partitions) == -1)
                goto out;
        talk(&c);

        if (c.in.status.fatal)
                diag_error("kafka: %s", c.in.status.reason);
        status = c.status.fatal || c.in.status.fatal || c.failed ? EXIT_FAILURE_RUN : EXIT_OK;
        /* Your place: what was shown, for the next visit. */
        err = consumer_close(&c.in, opts.timeout_ms);
        if (err && opts.verbose >= 0)
                diag_warn("cannot keep your place in '%s': %s", opts.topic,
                          rd_kafka_err2str(err));

out:
        consumer_free(&c.in);
        if (c.rkt)
                rd_kafka_topic_destroy(c.rkt);
        if (c.producer)
                rd_kafka_destroy(c.producer);
        for (int i = 0; i < 2; i++)
                if (c.wake[i] != -1)
                        close(c.wake[i]);
        buf_free(&c.value);
        output_free(&c.out);
        options_free(&opts);
        return status;
}
