#include "search.h"

#include <stdlib.h>

#include "../common/client.h"
#include "../common/deadline.h"
#include "../common/pytime.h"
#include "../common/signals.h"
#include "chat.h"
#include "history.h"
#include "match.h"

/* How long one wait for records lasts, at most, in ms. */
#define SEARCH_SLICE_MS 100

/* A record kept is a message that matched; the others count in the
 * window of the last records without being kept. */
static void drop(void *item)
{
        if (item)
                rd_kafka_message_destroy(item);
}

/* Decodes msg as the room does (consumer_decode()): in an encrypted room
 * only a sealed line that opens, with its sender's pinned key, is good;
 * elsewhere the Kafka timestamp stands in for a time that is unusable. */
static enum record_status decode(const struct room *r, struct record *rec,
                                 const rd_kafka_message_t *msg)
{
        enum record_status st = record_decode(rec, msg->payload, msg->len);
        int64_t ms;

        if (r->in.vault && st != RECORD_BAD)
                return vault_unseal(r->in.vault, r->topic, rec, st, msg->partition, msg->offset);
        if (st != RECORD_OK) {
                ms        = rd_kafka_message_timestamp(msg, NULL);
                rec->time = ms >= 0 ? (double)ms / 1000.0 : 0;
                if (st == RECORD_TIME_BAD && pytime_format(rec->time, rec->when) == -1)
                        snprintf(rec->when, sizeof(rec->when), "?");
        }
        return st;
}

/* Where each partition's last `records` start; the list of those that
 * have any, and their ends. Returns the list, or NULL after saying why. */
static rd_kafka_topic_partition_list_t *window(struct chat *c, rd_kafka_t *rk, long records,
                                               int64_t *ends, const struct deadline *until)
{
        const struct room *r = c->room;
        rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(r->partitions);

        for (int p = 0; p < r->partitions; p++) {
                int64_t low, high;
                rd_kafka_resp_err_t err = client_watermarks(rk, r->topic, p, &low, &high, until);

                if (err) {
                        screen_notice(&c->screen, "%s 방을 읽을 수 없습니다: %s", r->name,
                                      rd_kafka_err2str(err));
                        rd_kafka_topic_partition_list_destroy(parts);
                        return NULL;
                }
                ends[p] = high;
                if (high > low)
                        rd_kafka_topic_partition_list_add(parts, r->topic, p)->offset =
                                high - records > low ? high - records : low;
        }
        return parts;
}

/* Reads the window into h: each record counts, those with text keep their
 * message. Returns 1 when all of it was read, 0 if the time ran out or a
 * stop signal came. */
static int read_window(struct chat *c, rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *parts,
                       const int64_t *ends, const char *text, struct history *h,
                       const struct deadline *until)
{
        unsigned char *done = calloc((size_t)c->room->partitions, 1);
        struct record rec = RECORD_INIT;
        int left = parts->cnt;

        if (!done)
                return 0;
        while (left > 0 && !stop_signal && !deadline_passed(until)) {
                rd_kafka_message_t *msg =
                        rd_kafka_consumer_poll(rk, deadline_slice(until, SEARCH_SLICE_MS));
                int32_t p = msg ? msg->partition : -1;
                struct history_entry e;

                if (!msg)
                        continue;
                if (p < 0 || p >= c->room->partitions || done[p] ||
                    (msg->err && msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)) {
                        rd_kafka_message_destroy(msg);
                        continue;
                }
                if (msg->err || msg->offset + 1 >= ends[p]) {
                        done[p] = 1;
                        left--;
                }
                if (msg->err) {
                        rd_kafka_message_destroy(msg);
                        continue;
                }
                e = (struct history_entry){0, p, msg->offset, NULL};
                if (decode(c->room, &rec, msg) != RECORD_BAD &&
                    match_contains(rec.message, rec.message_len, text) == 1)
                        e.item = msg;
                e.time = rec.time;
                if (!e.item)
                        rd_kafka_message_destroy(msg);
                if (history_add(h, &e, 1) == -1)
                        break; /* out of memory: what was read so far */
        }
        record_free(&rec);
        free(done);
        return left == 0;
}

/* Shows the lines found, between the two notices. */
static void show(struct chat *c, const char *text, const struct history *h, int whole)
{
        const struct history_list *w = &h->fresh;
        struct record rec = RECORD_INIT;
        size_t found = 0, skip;
        char more[64] = "";

        for (size_t i = 0; i < w->count; i++)
                found += w->entries[i].item != NULL;
        skip = found > SEARCH_SHOWN ? found - SEARCH_SHOWN : 0; /* the earliest */
        if (skip)
                snprintf(more, sizeof(more), " (앞의 %zu개는 생략)", skip);
        screen_notice(&c->screen, "\"%s\" 찾기: %s 방의 최근 메시지 %zu개", text, c->room->name,
                      w->count);
        for (size_t i = 0; i < w->count; i++) {
                if (!w->entries[i].item || (skip && skip--))
                        continue;
                if (decode(c->room, &rec, w->entries[i].item) != RECORD_BAD)
                        lines_record(&c->screen.lines, &rec, LINE_FOUND);
        }
        screen_notice(&c->screen, "\"%s\": %zu개 찾음%s%s", text, found, more,
                      whole ? "" : " (시간이 다 되어 일부만 읽었습니다)");
        record_free(&rec);
}

void search_last(struct chat *c, const char *text, long records)
{
        const struct client_spec spec = {.role = CLIENT_SAMPLER, .voice = &c->screen.voice};
        struct deadline until = deadline_in(c->opts->timeout_ms);
        rd_kafka_topic_partition_list_t *parts = NULL;
        int64_t *ends = calloc((size_t)c->room->partitions, sizeof(*ends));
        struct client reader;
        struct history h;
        rd_kafka_resp_err_t err;
        int whole;

        history_init(&h, 0, (size_t)records, drop);
        if (!ends || client_open(&reader, &spec, c->cfg) == -1) {
                screen_notice(&c->screen, "찾을 수 없습니다.");
                free(ends);
                return;
        }
        reader.verbose = -1; /* its errors are ours to word */
        if (!(parts = window(c, reader.rk, records, ends, &until)))
                goto out;
        if (parts->cnt && (err = rd_kafka_assign(reader.rk, parts))) {
                screen_notice(&c->screen, "%s 방을 읽을 수 없습니다: %s", c->room->name,
                              rd_kafka_err2str(err));
                goto out;
        }
        whole = read_window(c, reader.rk, parts, ends, text, &h, &until);
        history_sort(&h);
        show(c, text, &h, whole);
out:
        history_free(&h);
        if (parts)
                rd_kafka_topic_partition_list_destroy(parts);
        client_destroy(&reader); /* it joined no group: nothing to leave */
        free(ends);
}
