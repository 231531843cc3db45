#include "presence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "diag.h"

/* The group hands us partitions of the room: we take them (the group
 * wants an answer) and read none of them. Any change of the group is a
 * reason to look at its members again. */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
        struct presence *p = container_of((struct client *)opaque, struct presence, client);
        char errstr[512];

        p->again = 1;
        /* A failure leaves nothing to read, which is what we read anyway. */
        if (client_rebalance(rk, err, parts, errstr, sizeof(errstr)) == 0 &&
            err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
                (void)rd_kafka_pause_partitions(rk, parts);
}

/* Whether err means presence cannot work here: the cluster refuses it
 * (access to the group, an old broker) or the client is done. Anything
 * else (a topic being created, a coordinator moving) passes. */
static int refusal(rd_kafka_resp_err_t err)
{
        return err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED ||
               err == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED ||
               err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
               err == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION ||
               err == RD_KAFKA_RESP_ERR_INVALID_GROUP_ID ||
               err == RD_KAFKA_RESP_ERR__FATAL;
}

/* Notes why presence cannot work here (the first reason only). */
static void refused(struct presence *p, rd_kafka_resp_err_t err, const char *reason)
{
        if (refusal(err) && !p->problem[0])
                snprintf(p->problem, sizeof(p->problem), "%s", reason);
}

int presence_open(struct presence *p, const struct config *cfg, const char *topic,
                  const char *name, const struct voice *voice)
{
        char client_id[512];
        /* After the user's settings, whatever they say: -g names the
         * place, not the room. */
        const struct kafka_property forced[] = {
                {"group.id", p->group},
                {"client.id", client_id},
                {NULL, NULL},
        };
        const struct client_spec spec = {
                .role         = CLIENT_MEMBER,
                .forced       = forced,
                .on_rebalance = on_rebalance,
                .voice        = voice,
        };
        rd_kafka_topic_partition_list_t *topics;
        rd_kafka_resp_err_t err;

        memset(p, 0, sizeof(*p));
        snprintf(p->group, sizeof(p->group), "kafka-chat.room.%s", topic);
        snprintf(client_id, sizeof(client_id), PRESENCE_CLIENT_PREFIX "%s", name);
        if (client_open(&p->client, &spec, cfg) == -1)
                return -1;
        /* Its errors are for presence_serve() to word, once, in the chat:
         * not for the error callback to print (the other two clients say
         * what matters, a broker gone say). */
        p->client.verbose = -1;
        rd_kafka_poll_set_consumer(p->client.rk);
        p->queue   = rd_kafka_queue_get_consumer(p->client.rk);
        p->answers = rd_kafka_queue_new(p->client.rk);
        topics     = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
        err = rd_kafka_subscribe(p->client.rk, topics);
        rd_kafka_topic_partition_list_destroy(topics);
        if (err)
                snprintf(p->problem, sizeof(p->problem), "%s", rd_kafka_err2str(err));
        p->again = 1;
        return 0;
}

void presence_wake(struct presence *p, int fd)
{
        rd_kafka_queue_io_event_enable(p->queue, fd, "!", 1);
        rd_kafka_queue_io_event_enable(p->answers, fd, "!", 1);
}

static int by_name(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t count)
{
        for (size_t i = 0; i < count; i++)
                free(names[i]);
        free(names);
}

/* The names of a group's members, sorted and each once. Returns 0, or -1
 * when out of memory. */
static int member_names(const rd_kafka_ConsumerGroupDescription_t *group, char ***names,
                        size_t *count)
{
        size_t members = rd_kafka_ConsumerGroupDescription_member_count(group), n = 0;
        char **list = calloc(members ? members : 1, sizeof(*list));
        const size_t prefix = strlen(PRESENCE_CLIENT_PREFIX);

        if (!list)
                return -1;
        for (size_t i = 0; i < members; i++) {
                const char *id = rd_kafka_MemberDescription_client_id(
                        rd_kafka_ConsumerGroupDescription_member(group, i));

                if (!id || strncmp(id, PRESENCE_CLIENT_PREFIX, prefix) != 0)
                        continue; /* not one of ours */
                if (!(list[n] = strdup(id + prefix))) {
                        free_names(list, n);
                        return -1;
                }
                n++;
        }
        qsort(list, n, sizeof(*list), by_name);
        *count = 0;
        for (size_t i = 0; i < n; i++) {
                if (*count && !strcmp(list[*count - 1], list[i]))
                        free(list[i]); /* two windows of one person */
                else
                        list[(*count)++] = list[i];
        }
        *names = list;
        return 0;
}

/* Copies of what is in one sorted list and not in the other, in a list
 * ended by NULL. Returns their number, or -1 when out of memory. */
static long difference(char **of, size_t nof, char **but, size_t nbut, char ***out)
{
        long n = 0;

        *out = calloc(nof + 1, sizeof(**out));
        if (!*out)
                return -1;
        for (size_t i = 0, j = 0; i < nof; i++) {
                while (j < nbut && strcmp(but[j], of[i]) < 0)
                        j++;
                if (j < nbut && !strcmp(but[j], of[i]))
                        continue;
                if (!((*out)[n] = strdup(of[i])))
                        return -1; /* the caller frees what is there */
                n++;
        }
        return n;
}

/* A member list came, or a refusal. Returns 1 if who is here changed. */
static int take_answer(struct presence *p, rd_kafka_event_t *ev, struct presence_change *change)
{
        const rd_kafka_DescribeConsumerGroups_result_t *result =
                rd_kafka_event_DescribeConsumerGroups_result(ev);
        const rd_kafka_ConsumerGroupDescription_t **groups;
        const rd_kafka_error_t *error;
        char **names;
        size_t count, ngroups = 0;
        long came, went;
        int first = !p->known;

        if (rd_kafka_event_error(ev) || !result) {
                refused(p, rd_kafka_event_error(ev), rd_kafka_event_error_string(ev));
                return 0;
        }
        groups = rd_kafka_DescribeConsumerGroups_result_groups(result, &ngroups);
        if (ngroups != 1)
                return 0;
        if ((error = rd_kafka_ConsumerGroupDescription_error(groups[0]))) {
                refused(p, rd_kafka_error_code(error), rd_kafka_error_string(error));
                return 0;
        }
        if (member_names(groups[0], &names, &count) == -1)
                return 0;
        came = difference(names, count, p->names, p->count, &change->came);
        went = difference(p->names, p->count, names, count, &change->went);
        free_names(p->names, p->count);
        p->names = names;
        p->count = count;
        p->known = 1;
        /* The first list is who was here already; and no news (or no
         * memory to tell it) is no change. */
        if (first || came < 0 || went < 0 || (came == 0 && went == 0)) {
                presence_change_free(change);
                return 0;
        }
        change->ncame = (size_t)came;
        change->nwent = (size_t)went;
        return 1;
}

/* Asks the group's coordinator for its members; the answer comes to
 * p->answers, one request at a time. Its timeout is the longest there is
 * (an hour): librdkafka up to 2.14 at least frees a coordinator request
 * that timed out while the coordinator was away, and aborts on it once
 * the coordinator is back (librdkafka issue 4605, a broker restarted
 * while you chat). Waiting instead costs nothing: the list is stale while
 * the broker is away, and the answer comes when it is back. */
static void ask(struct presence *p)
{
        const char *groups[] = {p->group};
        rd_kafka_AdminOptions_t *options =
                rd_kafka_AdminOptions_new(p->client.rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS);

        if (options)
                (void)rd_kafka_AdminOptions_set_request_timeout(options, 3600 * 1000, NULL, 0);
        rd_kafka_DescribeConsumerGroups(p->client.rk, groups, 1, options, p->answers);
        if (options)
                rd_kafka_AdminOptions_destroy(options);
        p->asking = 1;
        p->again  = 0;
}

int presence_serve(struct presence *p, struct presence_change *change)
{
        rd_kafka_message_t *msg;
        rd_kafka_event_t *ev;
        int changed = 0;

        memset(change, 0, sizeof(*change));
        if (!p->client.rk)
                return 0;
        /* The group's traffic: rebalances (in the callback) and errors;
         * no records, our partitions are paused. */
        while ((msg = rd_kafka_consumer_poll(p->client.rk, 0))) {
                if (msg->err)
                        refused(p, msg->err, rd_kafka_message_errstr(msg));
                rd_kafka_message_destroy(msg);
        }
        while (!changed && (ev = rd_kafka_queue_poll(p->answers, 0))) {
                p->asking  = 0;
                p->next_ms = deadline_now_ms() + PRESENCE_POLL_MS;
                changed    = take_answer(p, ev, change);
                rd_kafka_event_destroy(ev);
        }
        /* A refused group stays refused: stop asking. */
        if (!p->asking && !p->problem[0] && (p->again || deadline_now_ms() >= p->next_ms))
                ask(p);
        return changed;
}

/* Frees a list ended by NULL. */
static void free_list(char **list)
{
        for (size_t i = 0; list && list[i]; i++)
                free(list[i]);
        free(list);
}

void presence_change_free(struct presence_change *change)
{
        free_list(change->came);
        free_list(change->went);
        memset(change, 0, sizeof(*change));
}

void presence_close(struct presence *p, const struct deadline *until)
{
        if (p->client.rk) {
                /* librdkafka wants our reference to its consumer queue
                 * gone before the consumer closes. */
                if (p->queue)
                        rd_kafka_queue_destroy(p->queue);
                /* Leaving: the others see it at once. */
                (void)client_leave(&p->client, until);
                if (p->answers)
                        rd_kafka_queue_destroy(p->answers);
                client_destroy(&p->client);
        }
        free_names(p->names, p->count);
        memset(p, 0, sizeof(*p));
}
