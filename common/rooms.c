#include "rooms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "client.h"
#include "deadline.h"
#include "record.h"

int rooms_valid_name(const char *name)
{
        size_t len = strlen(name);

        if (len == 0 || len > 249 || !strcmp(name, ".") || !strcmp(name, ".."))
                return 0;
        return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            "0123456789._-") == len;
}

static int by_name(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

void rooms_free(char **rooms)
{
        for (size_t i = 0; rooms && rooms[i]; i++)
                free(rooms[i]);
        free(rooms);
}

/* Marks in is_room the topics (by their index in md) whose newest records
 * are chat records, reading ROOMS_SAMPLE of them from the end of every
 * partition until each partition ends or timeout_ms passed. */
static int sample(rd_kafka_t *rk, const struct rd_kafka_metadata *md, const char *prefix,
                  char *is_room, int timeout_ms, char *errstr, size_t errstr_size)
{
        rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(16);
        struct record rec = RECORD_INIT;
        long long deadline = deadline_now_ms() + timeout_ms;
        int left = 0, status = -1;
        rd_kafka_resp_err_t err;

        for (int t = 0; t < md->topic_cnt; t++) {
                const struct rd_kafka_metadata_topic *topic = &md->topics[t];

                if (topic->err || !strncmp(topic->topic, "__", 2) ||
                    strncmp(topic->topic, prefix, strlen(prefix)) != 0)
                        continue;
                for (int p = 0; p < topic->partition_cnt; p++, left++)
                        rd_kafka_topic_partition_list_add(parts, topic->topic,
                                                          topic->partitions[p].id)->offset =
                                RD_KAFKA_OFFSET_TAIL(ROOMS_SAMPLE);
        }
        if (left && (err = rd_kafka_assign(rk, parts))) {
                snprintf(errstr, errstr_size, "%s", rd_kafka_err2str(err));
                goto out;
        }
        while (left > 0 && deadline_now_ms() < deadline) {
                rd_kafka_message_t *msg = rd_kafka_consumer_poll(rk, 100 /* ms */);
                const char *name;

                if (!msg)
                        continue;
                name = rd_kafka_topic_name(msg->rkt);
                if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
                        left--;
                else if (!msg->err && record_decode(&rec, msg->payload, msg->len) != RECORD_BAD)
                        for (int t = 0; t < md->topic_cnt; t++)
                                if (!strcmp(md->topics[t].topic, name))
                                        is_room[t] = 1;
                rd_kafka_message_destroy(msg);
        }
        status = 0;
out:
        record_free(&rec);
        rd_kafka_topic_partition_list_destroy(parts);
        return status;
}

long rooms_list(const struct config *cfg, const struct voice *voice, const char *prefix,
                int timeout_ms, char ***rooms, char *errstr, size_t errstr_size)
{
        const struct client_spec spec = {.role = CLIENT_SAMPLER, .voice = voice};
        struct client sampler;
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_t *rk;
        rd_kafka_resp_err_t err;
        char *is_room = NULL;
        long n = -1;

        *rooms = NULL;
        /* Settings were checked at start; what could fail now is memory. */
        if (client_open(&sampler, &spec, cfg) == -1) {
                snprintf(errstr, errstr_size, "cannot make a client");
                return -1;
        }
        sampler.verbose = -1; /* its errors are ours to word */
        rk              = sampler.rk;
        err = rd_kafka_metadata(rk, 1 /* all topics */, NULL, &md, timeout_ms);
        if (err) {
                snprintf(errstr, errstr_size, "%s", rd_kafka_err2str(err));
                goto out;
        }
        is_room = calloc((size_t)md->topic_cnt + 1, 1);
        *rooms  = calloc((size_t)md->topic_cnt + 1, sizeof(**rooms));
        if (!is_room || !*rooms) {
                snprintf(errstr, errstr_size, "out of memory");
                goto out;
        }
        if (*prefix) { /* named by prefix: no need to look inside */
                for (int t = 0; t < md->topic_cnt; t++)
                        is_room[t] = !md->topics[t].err && strncmp(md->topics[t].topic, "__", 2) &&
                                     !strncmp(md->topics[t].topic, prefix, strlen(prefix)) &&
                                     md->topics[t].topic[strlen(prefix)];
        } else if (sample(rk, md, prefix, is_room, timeout_ms, errstr, errstr_size) == -1) {
                goto out;
        }
        n = 0;
        for (int t = 0; t < md->topic_cnt; t++)
                if (is_room[t] && !((*rooms)[n++] = strdup(md->topics[t].topic + strlen(prefix)))) {
                        snprintf(errstr, errstr_size, "out of memory");
                        n = -1;
                        goto out;
                }
        qsort(*rooms, (size_t)n, sizeof(**rooms), by_name);
out:
        if (n == -1) {
                rooms_free(*rooms);
                *rooms = NULL;
        }
        free(is_room);
        if (md)
                rd_kafka_metadata_destroy(md);
        client_destroy(&sampler); /* it joined no group: nothing to leave */
        return n;
}

long rooms_newest(const struct config *cfg, const struct voice *voice, const char *topic,
                  int32_t partition, int count, int timeout_ms, rooms_record_fn *fn, void *ctx,
                  char *errstr, size_t errstr_size)
{
        const struct client_spec spec = {.role = CLIENT_SAMPLER, .voice = voice};
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_topic_partition_list_t *parts = NULL;
        long long deadline = deadline_now_ms() + timeout_ms;
        struct client sampler;
        rd_kafka_topic_t *rkt;
        rd_kafka_resp_err_t err;
        long n = -1;
        int left = 0;

        if (client_open(&sampler, &spec, cfg) == -1) {
                snprintf(errstr, errstr_size, "cannot make a client");
                return -1;
        }
        sampler.verbose = -1; /* its errors are ours to word */
        rkt = rd_kafka_topic_new(sampler.rk, topic, NULL);
        err = rkt ? rd_kafka_metadata(sampler.rk, 0, rkt, &md, timeout_ms)
                  : rd_kafka_last_error();
        if (err) {
                snprintf(errstr, errstr_size, "%s", rd_kafka_err2str(err));
                goto out;
        }
        n     = 0;
        parts = rd_kafka_topic_partition_list_new(4);
        if (md->topic_cnt == 1 && !md->topics[0].err)
                for (int p = 0; p < md->topics[0].partition_cnt; p++)
                        if (partition == -1 || md->topics[0].partitions[p].id == partition) {
                                rd_kafka_topic_partition_list_add(
                                        parts, topic, md->topics[0].partitions[p].id)->offset =
                                        RD_KAFKA_OFFSET_TAIL(count);
                                left++;
                        }
        if (left && (err = rd_kafka_assign(sampler.rk, parts))) {
                snprintf(errstr, errstr_size, "%s", rd_kafka_err2str(err));
                n = -1;
                goto out;
        }
        while (left > 0 && deadline_now_ms() < deadline) {
                rd_kafka_message_t *msg = rd_kafka_consumer_poll(sampler.rk, 100 /* ms */);

                if (!msg)
                        continue;
                if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                        left--;
                } else if (!msg->err) {
                        fn(ctx, msg);
                        n++;
                }
                rd_kafka_message_destroy(msg);
        }
out:
        if (parts)
                rd_kafka_topic_partition_list_destroy(parts);
        if (md)
                rd_kafka_metadata_destroy(md);
        if (rkt)
                rd_kafka_topic_destroy(rkt);
        client_destroy(&sampler); /* it joined no group: nothing to leave */
        return n;
}
