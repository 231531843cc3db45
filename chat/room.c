#include "room.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/signals.h"
#include "history.h"

/* Unread lines shown on entering a room at most (the rest are counted). */
#define UNREAD_MAX 1000

/* How long one wait of the catch-up lasts, at most, in ms. */
#define CATCH_UP_SLICE_MS 100

/* The group's rebalances, handed to presence: the reader reads what it
 * assigned itself, whatever the group hands out. */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
        struct consumer *in = container_of((struct client *)opaque, struct consumer, client);

        presence_rebalanced(&container_of(in, struct room, in)->who, rk, err, parts);
}

struct room *room_open(const struct config *cfg, const char *name, const char *group,
                       const char *me, struct screen *screen, struct outbox *outbox, int wake_fd)
{
        char client_id[512], room_group[300];
        /* A member of the room's group as you (presence), after the user's
         * settings, whatever they say: -g names your place, not the room. */
        const struct kafka_property forced[] = {
                {"group.id", room_group},
                {"client.id", client_id},
                {NULL, NULL},
        };
        struct consumer_setup setup = {
                .role         = CLIENT_ROOM,
                .forced       = forced,
                .on_rebalance = on_rebalance,
                .place        = group, /* your place: one group per name, a place per room */
                .out          = &screen->out,
                .voice        = &screen->voice,
        };
        const char *prefix = cfg->opts->room_prefix;
        struct room *r = calloc(1, sizeof(*r));

        if (!r) {
                diag_say(&screen->voice, DIAG_ERROR, "out of memory");
                return NULL;
        }
        r->me     = me;
        r->screen = screen;
        r->outbox = outbox;
        if (!(r->name = strdup(name)) || asprintf(&r->topic, "%s%s", prefix, name) == -1) {
                diag_say(&screen->voice, DIAG_ERROR, "out of memory");
                r->topic = NULL; /* asprintf() leaves it undefined */
                goto error;
        }
        presence_ids(r->topic, me, client_id, sizeof(client_id), room_group, sizeof(room_group));
        setup.topic = r->topic;
        /* Asking for the topic creates it where the broker allows. */
        if (consumer_open(&r->in, cfg, &setup) == -1 ||
            consumer_wait_ready(&r->in, cfg->opts->timeout_ms, &r->partitions) == -1)
                goto error;
        r->in.warn = 0; /* the screen is the chat's: bad records are skipped quietly */
        /* librdkafka wakes our poll() through the pipe. */
        consumer_wake(&r->in, wake_fd);
        r->wake_fd = wake_fd;
        return r;

error:
        room_close(r, NULL);
        return NULL;
}

/* ---- what others say ------------------------------------------------------ */

/* Shows someone's record (into the screen's output; the caller shows it)
 * and notes it read. Ours were shown on delivery; an exit is someone
 * leaving. Returns 0, or -1 when out of memory. */
static int show_record(struct room *r, const rd_kafka_message_t *msg, enum line_kind kind)
{
        if (consumer_decode(&r->in, msg) != RECORD_BAD && !outbox_is_own(r->outbox, msg))
                lines_record(&r->screen->lines, &r->in.rec, kind);
        return consumer_done(&r->in, msg);
}

/* ---- entering: history ----------------------------------------------------- */

static void drop_message(void *item)
{
        rd_kafka_message_destroy(item);
}

/* A list of the room's partitions; with ranges, each at its old lines'
 * start (fresh: at its new lines' start). */
static rd_kafka_topic_partition_list_t *partitions(const struct room *r,
                                                   const struct history_range *ranges, int fresh)
{
        rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(r->partitions);

        for (int p = 0; p < r->partitions; p++)
                rd_kafka_topic_partition_list_add(parts, r->topic, p)->offset =
                        !ranges ? RD_KAFKA_OFFSET_INVALID
                        : fresh ? ranges[p].fresh_from
                                : ranges[p].from;
        return parts;
}

/* Where each partition's catch-up reads. Returns 1 if we have been here
 * before, 0 if not, -1 after saying why not. */
static int find_ranges(struct room *r, int lines_before, const struct deadline *until,
                       struct history_range *ranges)
{
        rd_kafka_topic_partition_list_t *parts = partitions(r, NULL, 0);
        rd_kafka_resp_err_t err = consumer_committed(&r->in, parts, deadline_left(until));
        int visited = 0;

        if (err) {
                diag_say(&r->screen->voice, DIAG_ERROR, "cannot read the group's place in '%s': %s",
                         r->topic, rd_kafka_err2str(err));
                visited = -1;
        }
        for (int p = 0; p < parts->cnt && visited != -1; p++) {
                int64_t committed = parts->elems[p].offset, low, high;

                err = client_watermarks(r->in.client.rk, r->topic, p, &low, &high, until);
                if (err) {
                        diag_say(&r->screen->voice, DIAG_ERROR,
                                 "cannot read the end of '%s' [%d]: %s", r->topic, p,
                                 rd_kafka_err2str(err));
                        visited = -1;
                        break;
                }
                visited |= committed >= 0;
                history_range(committed, low, high, lines_before, UNREAD_MAX, &ranges[p]);
        }
        rd_kafka_topic_partition_list_destroy(parts);
        return visited;
}

/* Whether the reading of old lines passed each partition's place. */
static int past_places(const struct room *r, const unsigned char *passed)
{
        for (int p = 0; p < r->partitions; p++)
                if (!passed[p] && !(p < r->in.nparts && r->in.parts[p].at_end))
                        return 0;
        return 1;
}

/* Reads the room's old lines (fresh: its new ones) into h, until every
 * partition is read that far, the deadline, or a stop signal. Returns 0,
 * or -1 after saying why not. */
static int read_lines(struct room *r, struct history *h, const struct history_range *ranges,
                      int fresh, const struct deadline *until)
{
        rd_kafka_topic_partition_list_t *parts = partitions(r, ranges, fresh);
        unsigned char *passed = calloc((size_t)r->partitions, 1);
        int status = -1;

        if (!passed || consumer_assign(&r->in, parts) == -1)
                goto out;
        for (int p = 0; p < r->partitions; p++)
                passed[p] = fresh ? 0 : ranges[p].from >= ranges[p].mark;
        while (!(fresh ? consumer_at_end(&r->in) : past_places(r, passed)) && !stop_signal &&
               !r->in.client.fatal && !deadline_passed(until)) {
                rd_kafka_message_t *msg =
                        consumer_poll(&r->in, deadline_slice(until, CATCH_UP_SLICE_MS));
                const struct history_range *range;
                struct history_entry e;

                if (!msg)
                        continue;
                range = msg->partition < r->partitions ? &ranges[msg->partition] : NULL;
                if (msg->err || !range ||
                    (fresh ? msg->offset < range->fresh_from : msg->offset >= range->mark)) {
                        if (!fresh && range && !msg->err)
                                passed[msg->partition] = 1;
                        rd_kafka_message_destroy(msg);
                        continue;
                }
                if (!fresh && msg->offset + 1 >= range->mark)
                        passed[msg->partition] = 1;
                e = (struct history_entry){consumer_time(&r->in, msg), msg->partition, msg->offset,
                                           msg};
                if (history_add(h, &e, fresh) == -1) {
                        diag_say(&r->screen->voice, DIAG_ERROR, "out of memory");
                        goto out;
                }
        }
        status = 0;
out:
        free(passed);
        rd_kafka_topic_partition_list_destroy(parts);
        return status;
}

/* Shows what history kept: the old lines, the separator, the new ones.
 * Returns 0, or -1 when out of memory. */
static int show_history(struct room *r, const struct history *h, int visited)
{
        char separator[256];

        /* What was shown before stays read as it was: only the new lines
         * move our place. */
        for (size_t i = 0; i < h->old.count; i++)
                if (consumer_decode(&r->in, h->old.entries[i].item) != RECORD_BAD)
                        lines_record(&r->screen->lines, &r->in.rec, LINE_HISTORY);
        history_separator(h, visited, separator, sizeof(separator));
        lines_ours(&r->screen->lines, separator);
        for (size_t i = 0; i < h->fresh.count; i++)
                if (show_record(r, h->fresh.entries[i].item, LINE_HISTORY) == -1)
                        return -1;
        return 0;
}

int room_enter(struct room *r, int lines_before, int timeout_ms)
{
        struct deadline until = deadline_in(timeout_ms);
        struct history_range *ranges = calloc((size_t)r->partitions, sizeof(*ranges));
        struct history h;
        int visited = -1, old = 0, status = -1;

        history_init(&h, (size_t)lines_before, UNREAD_MAX, drop_message);
        if (!ranges || (visited = find_ranges(r, lines_before, &until, ranges)) == -1)
                goto out;
        for (int p = 0; p < r->partitions; p++) {
                old |= ranges[p].from < ranges[p].mark;
                history_skip(&h, (size_t)(ranges[p].fresh_from - ranges[p].mark));
        }
        if ((old && read_lines(r, &h, ranges, 0, &until) == -1) ||
            read_lines(r, &h, ranges, 1, &until) == -1)
                goto out;
        history_sort(&h);
        if (show_history(r, &h, visited) == -1)
                goto out;
        /* On a first visit the place is the end, and what was skipped
         * unread counts as read: all of that was seen. */
        for (int p = 0; p < r->partitions; p++)
                consumer_shown_until(&r->in, p, ranges[p].fresh_from);
        screen_show(r->screen);
        status = 0;
out:
        history_free(&h);
        free(ranges);
        /* Read by hand from here on: the room's group may hand out what it
         * likes (common/presence.h). */
        presence_open(&r->who, &r->in.client, r->topic);
        presence_wake(&r->who, r->wake_fd);
        return status;
}

/* ---- live ---------------------------------------------------------------------- */

/* Who came and went (others: we know we are here), as notices; and once,
 * why we cannot know. */
static void show_presence(struct room *r)
{
        struct presence *who = &r->who;
        struct presence_change change;

        if (presence_serve(who, &change)) {
                if (change.first) /* who is here as you come, as IRC's NAMES */
                        room_who(r);
                for (size_t i = 0; i < change.ncame; i++)
                        if (strcmp(change.came[i], r->me))
                                screen_notice(r->screen, "%s 님이 들어왔습니다.", change.came[i]);
                for (size_t i = 0; i < change.nwent; i++)
                        if (strcmp(change.went[i], r->me))
                                screen_notice(r->screen, "%s 님이 나갔습니다.", change.went[i]);
                presence_change_free(&change);
        }
        if (who->problem[0] && !who->problem_told) {
                screen_notice(r->screen, "이 방에 누가 있는지 알 수 없습니다 (%s); 채팅은 계속됩니다.",
                              who->problem);
                who->problem_told = 1;
        }
}

void room_serve(struct room *r)
{
        rd_kafka_message_t *msg;

        while ((msg = consumer_poll(&r->in, 0))) {
                if (!msg->err)
                        (void)show_record(r, msg, LINE_LIVE); /* out of memory: shown, not stored */
                else if (!presence_refused(&r->who, msg->err, rd_kafka_message_errstr(msg)) &&
                         r->in.client.verbose >= 0)
                        screen_notice(r->screen, "kafka: %s", rd_kafka_message_errstr(msg));
                rd_kafka_message_destroy(msg);
        }
        r->served_ms = deadline_now_ms();
        consumer_keep_place(&r->in);
        show_presence(r);
        if (output_batched(&r->screen->out) || r->in.nlines)
                screen_show(r->screen);
}

void room_who(struct room *r)
{
        const struct presence *p = &r->who;
        size_t len = 0;
        char *names;

        if (p->problem[0]) {
                screen_notice(r->screen, "이 방에 누가 있는지 알 수 없습니다 (%s).", p->problem);
                return;
        }
        if (!p->known) {
                screen_notice(r->screen, "아직 모릅니다; 잠시 후 다시 /who");
                return;
        }
        for (size_t i = 0; i < p->count; i++)
                len += strlen(p->names[i]) + 2;
        names = calloc(len + 1, 1);
        if (!names) {
                screen_notice(r->screen, "out of memory");
                return;
        }
        for (size_t i = 0; i < p->count; i++) {
                if (i)
                        strcat(names, ", ");
                strcat(names, p->names[i]);
        }
        screen_notice(r->screen, "%s 방에 지금 %zu명: %s", r->name, p->count, names);
        free(names);
}

/* The longest the room goes unserved, in ms: librdkafka drops a member
 * that does not poll within max.poll.interval.ms (5 minutes). */
#define ROOM_KEEPALIVE_MS 60000

int room_next_ms(const struct room *r)
{
        long long keepalive = r->served_ms + ROOM_KEEPALIVE_MS - deadline_now_ms();

        return deadline_sooner(deadline_sooner(presence_next_ms(&r->who), consumer_next_ms(&r->in)),
                               keepalive > 0 ? (int)keepalive : 0);
}

int room_failed(const struct room *r)
{
        return r->in.client.fatal;
}

void room_close(struct room *r, const struct deadline *until)
{
        struct deadline now = deadline_in(0); /* a room that never opened owes nothing */
        rd_kafka_resp_err_t err;

        if (!until)
                until = &now;
        /* Leaving the group tells the others at once; its last rebalance
         * goes through presence, so that goes after. */
        err = consumer_close(&r->in, until);
        if (err && r->in.client.verbose >= 0)
                diag_say(&r->screen->voice, DIAG_WARNING, "cannot keep your place in '%s': %s",
                         r->topic, rd_kafka_err2str(err));
        presence_close(&r->who);
        consumer_free(&r->in);
        free(r->name);
        free(r->topic);
        free(r);
}
