/*
 * kafka-chat - send and receive in one terminal.
 *
 * The seed's author names its fatal limit: sending and receiving need two
 * console windows. This program does both in one: what you type is sent
 * (with your name in a "sender" field the seed's readers ignore), and what
 * others send appears above your input line while GNU readline keeps your
 * half-typed line, its cursor and its history intact.
 *
 * A room is a topic. On entering one it shows the last lines before your
 * previous visit, a separator, and what is new since; your place in each
 * room is kept as the committed offsets of a group of your own
 * (kafka-chat-NAME). Who else is in the room comes from Kafka too (see
 * common/presence.h), with a notice when someone comes or goes. Your own
 * lines appear once the broker has them, with a mark (or a failure mark).
 * Commands start with '/' (/help lists them); "/quit", Ctrl-D and Ctrl-C
 * leave; typing "exit" sends it and leaves, as the seed's producer does.
 *
 * Everything this program says itself starts with "-!- ": a line that
 * comes from a record always starts with its "[time]", so no message can
 * pass for a notice.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>
#include <librdkafka/rdkafka.h>

#include "common/buf.h"
#include "common/consumer.h"
#include "common/diag.h"
#include "common/display.h"
#include "common/client.h"
#include "common/config.h"
#include "common/deadline.h"
#include "common/options.h"
#include "common/output.h"
#include "common/presence.h"
#include "common/pytime.h"
#include "common/record.h"
#include "common/rooms.h"
#include "common/signals.h"

#define DELIVERED_MARK " ✓"
#define FAILED_MARK " ✗"
#define NOTICE "-!- "

/* How long the main loop sleeps at most, in ms: how soon a signal counts. */
#define TICK_MS 100

/* Own records remembered, not to show them twice when they come back. */
#define OWN_MAX 1024

/* Unread lines shown on entering a room at most (the rest are counted). */
#define UNREAD_MAX 1000

/* How long /rooms looks at the cluster's topics, in ms. */
#define ROOMS_TIMEOUT_MS 5000

static const struct program chat_program = {
        "kafka-chat",
        "Chat over Kafka topics in one terminal: send and receive.",
        "What you type is sent as {\"message\": LINE, \"time\": TIME, \"sender\": NAME}\n"
        "(the original scripts ignore the sender); what others send appears above\n"
        "your input line. A room is a topic (-t: the first one). On entering one,\n"
        "the lines before your last visit, a separator, and what is new since.\n"
        "Your lines show once the broker has them, marked ✓ (or ✗ if they could\n"
        "not be delivered). Commands: /who, /join ROOM, /part, /rooms, /me TEXT,\n"
        "/help; leave with /quit, Ctrl-D or Ctrl-C; typing 'exit' sends it and\n"
        "leaves, as the original producer does.",
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
        unsigned room;         /* chat.rooms_entered when it was sent */
        double time;
        size_t len;
        char text[];           /* not NUL-terminated */
};

/* The room we are in: its topic, read by the consumer core, written by
 * the producer, and its group of who is here. */
struct room {
        char *name;            /* as shown: the topic less --room-prefix */
        char *topic;
        struct consumer in;    /* what others say */
        struct presence who;
        int partitions;
};

struct chat {
        struct client producer;      /* its callbacks' opaque */
        const struct options *opts;
        struct config cfg;
        struct voice voice;          /* diagnostics: above the input line */
        const char *name;
        char group[512];             /* your place: kafka-chat-NAME */
        struct room *room;           /* where we are */
        char *previous;              /* the room /part goes back to */
        unsigned rooms_entered;
        int wake[2];                 /* librdkafka writes here when events wait */
        struct output out;
        struct buf value;            /* the record being sent */
        char prompt[300];            /* "[room] YOU: " */
        /* Our own records, not to show them twice: those delivered to this
         * room (a ring of their positions) and those whose delivery report
         * has not come yet (a consumer may see a record before its
         * producer hears). */
        struct { int32_t partition; int64_t offset; } own[OWN_MAX];
        unsigned own_next;           /* ring index */
        struct pending *in_flight;
        unsigned long failed;        /* own lines not delivered */
        int leaving;                 /* /quit, Ctrl-D, or 'exit' sent */
        int live;                    /* readline owns the input line */
        int in_handler;              /* in on_line(): the typed line is done
                                      * and the cursor on a fresh line */
};

/* ---- the screen --------------------------------------------------------- */

/* Writes what is in c->out above the input line, keeping the line being
 * typed, its cursor and the prompt, the readline way: take the line away,
 * print, put it back. What others said counts as read once shown. */
static void show_above(struct chat *c)
{
        int point;
        char *typed;

        if (!c->live || c->in_handler) { /* no input line to keep */
                consumer_flush(&c->room->in);
                return;
        }
        point = rl_point;
        typed = rl_copy_text(0, rl_end);
        rl_save_prompt();
        rl_replace_line("", 0);
        rl_redisplay();
        consumer_flush(&c->room->in);
        rl_restore_prompt();
        rl_replace_line(typed ? typed : "", 0);
        rl_point = point;
        rl_redisplay();
        free(typed);
}

/* A line of our own: "-!- " and the text (printf-style; %s arguments
 * that are not ours go through notice_names()). */
static void notice(struct chat *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void notice(struct chat *c, const char *fmt, ...)
{
        char text[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        output_str(&c->out, NOTICE);
        output_str(&c->out, text);
        output_str(&c->out, "\n");
}

/* "-!- " before, names (others' text: escaped) in between, after behind. */
static void notice_names(struct chat *c, const char *before, char *const *names, size_t n,
                         const char *after)
{
        output_str(&c->out, NOTICE);
        output_str(&c->out, before);
        for (size_t i = 0; i < n; i++) {
                if (i)
                        output_str(&c->out, ", ");
                output_untrusted(&c->out, names[i], strlen(names[i]));
        }
        output_str(&c->out, after);
        output_str(&c->out, "\n");
}

/* A warning about one of our clients (kafka_warn(): a broker gone, say):
 * while you type, a notice above your line; before and after, stderr. */
static void on_warning(void *ctx, enum diag_level level, const char *text)
{
        struct chat *c = ctx;

        if (!c->live) {
                diag_stderr(level, text);
                return;
        }
        output_str(&c->out, NOTICE);
        output_untrusted(&c->out, text, strlen(text)); /* brokers' words among ours */
        output_str(&c->out, "\n");
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
        struct chat *c = container_of((struct client *)opaque, struct chat, producer);
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
                if (line->room == c->rooms_entered) { /* positions are per topic */
                        c->own[c->own_next % OWN_MAX].partition = msg->partition;
                        c->own[c->own_next % OWN_MAX].offset    = msg->offset;
                        c->own_next++;
                }
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
        line->room = c->rooms_entered;
        line->time = pytime_now();
        line->len  = len;
        memcpy(line->text, text, len);

        buf_clear(&c->value);
        if (record_encode(&c->value, text, len, line->time, c->name) == -1)
                err = RD_KAFKA_RESP_ERR__FAIL; /* out of memory */
        else
                err = client_produce(&c->producer, c->room->topic, c->opts->partition,
                                     c->value.data, c->value.len, NULL, line);
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

/* ---- receiving ---------------------------------------------------------------- */

/* Whether msg is a record of ours; the room's consumer holds it decoded. */
static int is_own(const struct chat *c, const rd_kafka_message_t *msg)
{
        const struct record *rec = &c->room->in.rec;

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
        struct consumer *in = &c->room->in;
        int shown = consumer_decode(in, msg) != RECORD_BAD && !is_own(c, msg);

        /* Ours are shown on delivery; an exit is someone leaving. */
        if (shown)
                display_record(&c->out, &in->rec, DISPLAY_CHAT);
        return consumer_done(in, msg) == -1 ? -1 : shown;
}

/* Who came and went (others: we know we are here), as notices; and
 * once, why we cannot know. */
static void show_presence(struct chat *c)
{
        struct presence *who = &c->room->who;
        struct presence_change change;

        if (presence_serve(who, &change)) {
                for (size_t i = 0; i < change.ncame; i++)
                        if (strcmp(change.came[i], c->name))
                                notice_names(c, "", &change.came[i], 1, " 님이 들어왔습니다.");
                for (size_t i = 0; i < change.nwent; i++)
                        if (strcmp(change.went[i], c->name))
                                notice_names(c, "", &change.went[i], 1, " 님이 나갔습니다.");
                presence_change_free(&change);
        }
        if (who->problem[0] && !who->problem_told) {
                notice(c, "이 방에 누가 있는지 알 수 없습니다 (%s); 채팅은 계속됩니다.",
                       who->problem);
                who->problem_told = 1;
        }
}

/* Serves what librdkafka has for us: records, delivery reports, presence. */
static void serve_kafka(struct chat *c)
{
        rd_kafka_message_t *msg;
        char drained[64];

        /* Empty the wake-up pipe first, so no event is slept through. */
        while (read(c->wake[0], drained, sizeof(drained)) > 0)
                ;
        rd_kafka_poll(c->producer.rk, 0); /* delivery reports first: see is_own() */
        while ((msg = consumer_poll(&c->room->in, 0))) {
                if (!msg->err)
                        (void)show_record(c, msg); /* out of memory: shown, not stored */
                else if (c->opts->verbose >= 0)
                        notice(c, "kafka: %s", rd_kafka_message_errstr(msg));
                rd_kafka_message_destroy(msg);
        }
        show_presence(c);
        if (output_batched(&c->out) || c->room->in.nlines)
                show_above(c);
}

/* ---- entering a room: history ---------------------------------------------------- */

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
        struct room *r = c->room;
        rd_kafka_resp_err_t err;
        int visited = 0;

        err = consumer_committed(&r->in, parts, c->opts->timeout_ms);
        if (err) {
                diag_error("cannot read the group's place in '%s': %s", r->topic,
                           rd_kafka_err2str(err));
                return -1;
        }
        for (int p = 0; p < parts->cnt; p++) {
                rd_kafka_topic_partition_t *tp = &parts->elems[p];
                int64_t low, high;

                if (rd_kafka_query_watermark_offsets(r->in.client.rk, r->topic, p, &low, &high,
                                                     c->opts->timeout_ms)) {
                        diag_error("cannot read the end of '%s' [%d]", r->topic, p);
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
        (void)consumer_decode(&c->room->in, msg);
        (*list)[*n].msg  = msg;
        (*list)[*n].time = c->room->in.rec.time;
        (*n)++;
        return 0;
}

/*
 * Reads each partition of the room from `history` records before our
 * place up to its end (end-of-partition events: a topic that ends in a
 * transaction marker ends too), then shows the old lines, a separator,
 * and the new ones, each in time order; the reading goes on from there,
 * live.
 */
static int catch_up(struct chat *c)
{
        struct room *r = c->room;
        rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(r->partitions);
        struct seen *old = NULL, *fresh = NULL;
        size_t nold = 0, nfresh = 0, skipped = 0;
        int64_t *marks = calloc((size_t)r->partitions, sizeof(*marks));
        int visited, status = -1;
        long long deadline;
        char line[128];

        for (int p = 0; p < r->partitions; p++)
                rd_kafka_topic_partition_list_add(parts, r->topic, p);
        if (!marks || (visited = find_places(c, parts, marks)) == -1 ||
            consumer_assign(&r->in, parts) == -1)
                goto out;

        deadline = deadline_now_ms() + c->opts->timeout_ms;
        while (!consumer_at_end(&r->in) && !stop_signal && !r->in.client.fatal &&
               deadline_now_ms() < deadline) {
                rd_kafka_message_t *msg = consumer_poll(&r->in, TICK_MS);

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
                if (consumer_decode(&r->in, old[i].msg) != RECORD_BAD)
                        display_record(&c->out, &r->in.rec, DISPLAY_CHAT);
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
        /* On a first visit the place is the end: all of that was seen. */
        for (int p = 0; p < r->partitions; p++)
                consumer_shown_until(&r->in, p, marks[p]);
        show_above(c);
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

/* ---- rooms -------------------------------------------------------------------- */

/* Leaves a room: your place in it is committed, the others see you go. */
static void close_room(struct chat *c, struct room *r)
{
        struct deadline until = deadline_in(c->opts->timeout_ms);
        rd_kafka_resp_err_t err;

        if (!r)
                return;
        err = consumer_close(&r->in, &until);
        if (err && c->opts->verbose >= 0)
                diag_say(&c->voice, DIAG_WARNING, "cannot keep your place in '%s': %s", r->topic,
                         rd_kafka_err2str(err));
        consumer_free(&r->in);
        presence_close(&r->who, &until);
        free(r->name);
        free(r->topic);
        free(r);
}

/* Opens the room called name: its topic (asking for it creates it where
 * the broker allows), a reader of it and a place in its group of who is
 * here. Returns the room, or NULL after saying why (*status: the exit
 * status that fits). */
static struct room *open_room(struct chat *c, const char *name, int *status)
{
        const struct kafka_property consumer_defaults[] = {
                {"client.id", "kafka-chat"},
                /* Your place: one group per name, a place per room. */
                {"group.id", c->group},
                {NULL, NULL},
        };
        struct room *r = calloc(1, sizeof(*r));
        int partitions;

        *status = EXIT_USAGE;
        if (!r || !(r->name = strdup(name)) ||
            !(r->topic = malloc(strlen(c->opts->room_prefix) + strlen(name) + 1))) {
                diag_error("out of memory");
                goto error;
        }
        strcat(strcpy(r->topic, c->opts->room_prefix), name);
        if (consumer_open(&r->in, &c->cfg, r->topic, consumer_defaults, &c->out, &c->voice) == -1)
                goto error;
        r->in.warn = 0; /* the screen is the chat's: bad records are skipped quietly */
        *status    = EXIT_UNREACHABLE;
        if (client_wait_ready(&c->producer, r->topic, c->opts->timeout_ms, &r->partitions) == -1 ||
            consumer_wait_ready(&r->in, c->opts->timeout_ms, &partitions) == -1)
                goto error;
        /* Once the topic is there: its group subscribes to it. */
        if (presence_open(&r->who, &c->cfg, r->topic, c->name, &c->voice) == -1) {
                *status = EXIT_USAGE;
                goto error;
        }
        /* librdkafka wakes our poll() through the pipe. */
        rd_kafka_queue_io_event_enable(r->in.queue, c->wake[1], "!", 1);
        presence_wake(&r->who, c->wake[1]);
        return r;

error:
        if (stop_signal)
                *status = EXIT_OK;
        close_room(c, r);
        return NULL;
}

/* Makes r the room we are in, leaving the one we were in, and shows its
 * history. Returns 0, or -1 (the room we were in is left anyway). */
static int enter(struct chat *c, struct room *r)
{
        if (c->room) {
                free(c->previous);
                c->previous = strdup(c->room->name);
                close_room(c, c->room);
        }
        c->room = r;
        c->rooms_entered++;
        c->own_next = 0; /* the positions of our records are the old topic's */
        snprintf(c->prompt, sizeof(c->prompt), "[%s] YOU: ", r->name);
        if (c->live)
                rl_set_prompt(c->prompt);
        return catch_up(c);
}

/* /join ROOM (and /part): to another room, if it can be opened. */
static void join(struct chat *c, const char *name)
{
        struct room *r;
        int status;

        if (!rooms_valid_name(name)) {
                notice(c, "방 이름에는 글자, 숫자, '.', '_', '-'만 쓸 수 있습니다: /join ROOM");
        } else if (!strcmp(name, c->room->name)) {
                notice(c, "이미 %s 방에 있습니다.", name);
        } else if (!(r = open_room(c, name, &status))) {
                notice(c, "%s 방에 들어갈 수 없습니다; %s 방에 그대로 있습니다.", name,
                       c->room->name);
        } else if (enter(c, r) == -1) {
                notice(c, "%s 방의 지난 메시지를 읽을 수 없습니다.", name);
        }
        show_above(c);
}

/* ---- commands ------------------------------------------------------------------ */

static void help(struct chat *c)
{
        static const char *const lines[] = {
                "명령:",
                "  /who           이 방에 지금 있는 사람",
                "  /join ROOM     ROOM 방으로 (방은 토픽입니다)",
                "  /part          전에 있던 방으로 돌아가기",
                "  /rooms         채팅 기록이 있는 방 목록",
                "  /me TEXT       \"* 이름 TEXT\"를 보내기",
                "  //TEXT         /로 시작하는 줄을 보내기",
                "  /quit, Ctrl-D  나가기;  exit: 작별 인사를 보내고 나가기;  위/아래: 입력 기록",
        };

        for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
                notice(c, "%s", lines[i]);
}

static void who(struct chat *c)
{
        const struct presence *p = &c->room->who;
        char before[300];

        if (p->problem[0]) {
                notice(c, "이 방에 누가 있는지 알 수 없습니다 (%s).", p->problem);
        } else if (!p->known) {
                notice(c, "아직 모릅니다; 잠시 후 다시 /who");
        } else {
                snprintf(before, sizeof(before), "%s 방에 지금 %zu명: ", c->room->name, p->count);
                notice_names(c, before, p->names, p->count, "");
        }
}

static void rooms(struct chat *c)
{
        char **names, errstr[512], before[64];
        long n = rooms_list(&c->cfg, &c->voice, c->opts->room_prefix, ROOMS_TIMEOUT_MS, &names,
                            errstr, sizeof(errstr));

        if (n < 0) {
                notice(c, "방 목록을 읽을 수 없습니다: %s", errstr);
                return;
        }
        snprintf(before, sizeof(before), "방 %ld개: ", n);
        notice_names(c, before, names, (size_t)n, n ? "" : "(없음)");
        rooms_free(names);
}

/* /me TEXT: an ordinary message, "* NAME TEXT", which the seed shows too. */
static void action(struct chat *c, const char *text)
{
        size_t len = strlen(c->name) + strlen(text) + 4;
        char *line = malloc(len);

        if (!line) {
                diag_error("out of memory");
                return;
        }
        snprintf(line, len, "* %s %s", c->name, text);
        send_line(c, line);
        free(line);
}

/* A line that starts with '/'. */
static void command(struct chat *c, const char *line)
{
        const char *arg = strchr(line, ' ');
        size_t len = arg ? (size_t)(arg - line) : strlen(line);

        while (arg && *arg == ' ')
                arg++;
#define IS(name) (len == sizeof(name) - 1 && !strncmp(line, name, len))
        if (IS("/quit")) {
                c->leaving = 1;
        } else if (IS("/help")) {
                help(c);
        } else if (IS("/who")) {
                who(c);
        } else if (IS("/join") && arg && *arg) {
                join(c, arg);
        } else if (IS("/join")) {
                notice(c, "어느 방으로? /join ROOM");
        } else if (IS("/part") && c->previous) {
                char *back = strdup(c->previous);

                if (back)
                        join(c, back);
                free(back);
        } else if (IS("/part")) {
                notice(c, "돌아갈 방이 없습니다 (/quit: 나가기).");
        } else if (IS("/rooms")) {
                rooms(c);
        } else if (IS("/me") && arg && *arg) {
                action(c, arg);
        } else {
                notice(c, "알 수 없는 명령입니다: %.*s (/help); 아무것도 보내지 않았습니다.", (int)len,
                       line);
        }
#undef IS
        show_above(c);
}

/* readline calls this with each line typed (NULL at Ctrl-D). Its line
 * handler takes no context pointer, so the chat it serves is the one
 * other file-scope variable besides the signal flag. */
static struct chat *line_handler_chat;

static void on_line(char *text)
{
        struct chat *c = line_handler_chat;

        c->in_handler = 1;
        if (!text) {
                c->leaving = 1;
        } else if (*text) {
                add_history(text);
                if (text[0] == '/' && text[1] != '/') {
                        command(c, text);
                } else {
                        /* "//..." sends a line that starts with '/'. */
                        send_line(c, text[0] == '/' ? text + 1 : text);
                        /* As the seed's producer: 'exit' is sent, then we go. */
                        if (record_is_exit(text, strlen(text)))
                                c->leaving = 1;
                }
        }
        free(text);
        c->in_handler = 0;
        /* Leaving: no new prompt (readline draws one once we return,
         * unless the handler is gone). */
        if (c->leaving) {
                rl_callback_handler_remove();
                c->live = 0;
        }
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

/* Whether the chat must end: you left, a signal, or Kafka failed for good. */
static int over(const struct chat *c)
{
        return c->leaving || stop_signal || c->producer.fatal || c->room->in.client.fatal;
}

/* Waits for input or for Kafka, then serves what came. */
static void run(struct chat *c)
{
        while (!over(c)) {
                struct pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {c->wake[0], POLLIN, 0}};

                if (poll(fds, 2, TICK_MS) == -1 && errno != EINTR)
                        break;
                if (fds[0].revents & (POLLIN | POLLHUP))
                        rl_callback_read_char();
                if (!over(c))
                        serve_kafka(c);
        }
}

/* The chat itself, from the first prompt until you leave; then what is
 * on its way is delivered (or reported as not delivered). */
static void talk(struct chat *c)
{
        struct deadline until;

        /* readline draws the prompt; our handler takes the lines. Our own
         * signal handlers stay: SIGINT ends the loop, and removing the
         * handler gives the terminal back. */
        rl_catch_signals  = 0;
        line_handler_chat = c;
        rl_callback_handler_install(c->prompt, on_line);
        c->live = 1;
        run(c);
        if (c->live) { /* a signal or an error, not the user, ended it */
                c->live = 0;
                rl_callback_handler_remove();
                output_str(&c->out, "\n");
        }
        consumer_flush(&c->room->in);
        until = deadline_in(c->opts->timeout_ms);
        client_drain(&c->producer, &until, c->opts->verbose >= 0);
        consumer_flush(&c->room->in);
}

int main(int argc, char **argv)
{
        struct options opts;
        struct chat c;
        struct room *first;
        const struct kafka_property producer_defaults[] = {
                {"client.id", "kafka-chat"},
                {NULL, NULL},
        };
        const struct client_spec producer = {
                .role        = CLIENT_PRODUCER,
                .defaults    = producer_defaults,
                .on_delivery = on_delivery,
                .voice       = &c.voice,
        };
        int status;

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
        if (!rooms_valid_name(opts.topic)) {
                diag_error("'%s' is not a room name: letters, digits, '.', '_' and '-' only",
                           opts.topic);
                options_hint();
                options_free(&opts);
                return EXIT_USAGE;
        }
        /* readline edits UTF-8 text as characters; numbers stay in the C
         * locale (LC_NUMERIC), as --timeout was read. */
        setlocale(LC_CTYPE, "");
        c.opts           = &opts;
        c.name           = opts.name ? opts.name : login_name();
        c.voice          = (struct voice){on_warning, &c};
        snprintf(c.group, sizeof(c.group), "kafka-chat-%s", c.name);
        output_init(&c.out, STDOUT_FILENO, ESCAPE_ALWAYS, NULL);

        status = EXIT_USAGE;
        if (config_load(&c.cfg, &opts) == -1 || client_open(&c.producer, &producer, &c.cfg) == -1)
                goto out;
        status = EXIT_FAILURE_RUN;
        if (signals_install() == -1 || pipe(c.wake) == -1 ||
            fcntl(c.wake[0], F_SETFL, O_NONBLOCK) == -1) {
                diag_error("cannot set up: %m");
                goto out;
        }
        {
                rd_kafka_queue_t *main_queue = rd_kafka_queue_get_main(c.producer.rk);

                rd_kafka_queue_io_event_enable(main_queue, c.wake[1], "!", 1);
                rd_kafka_queue_destroy(main_queue);
        }
        first = open_room(&c, opts.topic, &status);
        if (!first)
                goto out;

        output_str(&c.out, "채팅 프로그램 - ");
        output_untrusted(&c.out, c.name, strlen(c.name));
        output_str(&c.out, " (/help: 명령, /quit 또는 Ctrl-D로 종료)\n");
        output_flush(&c.out);
        status = EXIT_FAILURE_RUN;
        if (enter(&c, first) == -1)
                goto out;
        talk(&c);

        if (c.room->in.client.fatal)
                diag_error("kafka: %s", c.room->in.client.reason);
        status = c.producer.fatal || c.room->in.client.fatal || c.failed ? EXIT_FAILURE_RUN
                                                                          : EXIT_OK;
out:
        close_room(&c, c.room); /* your place in it, for the next visit */
        free(c.previous);
        client_destroy(&c.producer);
        config_free(&c.cfg);
        for (int i = 0; i < 2; i++)
                if (c.wake[i] != -1)
                        close(c.wake[i]);
        buf_free(&c.value);
        output_free(&c.out);
        options_free(&opts);
        return status;
}
