#include "presence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "diag.h"

void presence_ids(const char *topic, const char *name, char *client_id, size_t client_size,
                  char *group, size_t group_size)
{
        snprintf(client_id, client_size, PRESENCE_CLIENT_PREFIX "%s", name);
        snprintf(group, group_size, "kafka-chat.room.%s", topic);
}

/* A moment within the spread after a rebalance, or within the refresh. */
static long long soon(struct presence *p, int refresh)
{
        long long span = refresh ? PRESENCE_REFRESH_MS : 0;

        if (refresh && (long long)p->members * 1000 > span)
                span = (long long)p->members * 1000; /* a room asks about once a second */
        if (!refresh) {
                span = (long long)p->members * PRESENCE_SPREAD_PER_MEMBER_MS;
                if (span > PRESENCE_SPREAD_MAX_MS)
                        span = PRESENCE_SPREAD_MAX_MS;
        }
        /* Uniform over [span/2, 3 span/2) for a refresh, [0, span] after
         * a rebalance: members spread out instead of asking in step. */
        return deadline_now_ms() + (refresh ? span / 2 : 0) +
               (span ? (long long)(rand_r(&p->seed) % (unsigned)span) : 0);
}

void presence_open(struct presence *p, struct client *cl, const char *topic)
{
        rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
        rd_kafka_resp_err_t err;
        char client_id[sizeof(PRESENCE_CLIENT_PREFIX)];

        memset(p, 0, sizeof(*p));
        p->client  = cl;
        p->answers = rd_kafka_queue_new(cl->rk);
        p->seed    = (unsigned)getpid() ^ (unsigned)time(NULL);
        presence_ids(topic, "", client_id, sizeof(client_id), p->group, sizeof(p->group));
        /* The group: what is read was assigned by hand already; the group
         * hands out the room's partitions too, but nothing changes hands. */
        rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
        err = rd_kafka_subscribe(cl->rk, topics);
        rd_kafka_topic_partition_list_destroy(topics);
        if (err)
                snprintf(p->problem, sizeof(p->problem), "%s", rd_kafka_err2str(err));
        /* The first list is asked for once our own join is done (the
         * first rebalance): who was here when we came. If no join comes
         * (a group we may not join: librdkafka only retries, and says
         * nothing), the answer to an ask says why. */
        p->next_ms = deadline_now_ms() + PRESENCE_JOIN_WAIT_MS;
}

void presence_rebalanced(struct presence *p, rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts)
{
        rd_kafka_topic_partition_list_t *current = NULL, *added;
        rd_kafka_error_t *error;

        /* The reader is forced to cooperative-sticky (common/client.c): a
         * rebalance hands out or takes back partitions one by one, and the
         * reader keeps reading every partition it has. */
        added = rd_kafka_topic_partition_list_new(parts->cnt);
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS &&
            rd_kafka_assignment(rk, &current) == RD_KAFKA_RESP_ERR_NO_ERROR)
                for (int i = 0; i < parts->cnt; i++)
                        if (!rd_kafka_topic_partition_list_find(current, parts->elems[i].topic,
                                                                parts->elems[i].partition))
                                rd_kafka_topic_partition_list_add(
                                        added, parts->elems[i].topic, parts->elems[i].partition);
        /* Leaving, the group's partitions go back: librdkafka's close
         * waits until they are unassigned (now and then until the
         * deadline, with a rebalance in progress). Otherwise none goes:
         * the reader reads on. */
        error = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS
                        ? rd_kafka_incremental_assign(rk, added)
                        : rd_kafka_incremental_unassign(rk, p->client->leaving ? parts : added);
        if (error) { /* what is read stays as it was */
                if (p->client->verbose >= 1)
                        diag_say(p->client->voice, DIAG_NOTE, "room group: %s",
                                 rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
        }
        if (current)
                rd_kafka_topic_partition_list_destroy(current);
        rd_kafka_topic_partition_list_destroy(added);
        /* Someone came or went: ask soon, or again once the answer on its
         * way (which may be older than the change) is in. */
        if (p->asking) {
                p->again = 1;
        } else {
                long long at = p->known ? soon(p, 0) : deadline_now_ms();

                if (at < p->next_ms)
                        p->next_ms = at;
        }
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
               err == RD_KAFKA_RESP_ERR_INCONSISTENT_GROUP_PROTOCOL ||
               err == RD_KAFKA_RESP_ERR__FATAL;
}

int presence_refused(struct presence *p, rd_kafka_resp_err_t err, const char *reason)
{
        if (!refusal(err))
                return 0;
        if (!p->problem[0])
                snprintf(p->problem, sizeof(p->problem), "%s", reason);
        return 1;
}

void presence_wake(struct presence *p, int fd)
{
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
                (void)presence_refused(p, rd_kafka_event_error(ev), rd_kafka_event_error_string(ev));
                return 0;
        }
        groups = rd_kafka_DescribeConsumerGroups_result_groups(result, &ngroups);
        if (ngroups != 1)
                return 0;
        if ((error = rd_kafka_ConsumerGroupDescription_error(groups[0]))) {
                (void)presence_refused(p, rd_kafka_error_code(error), rd_kafka_error_string(error));
                return 0;
        }
        p->members = rd_kafka_ConsumerGroupDescription_member_count(groups[0]);
        if (member_names(groups[0], &names, &count) == -1)
                return 0;
        came = difference(names, count, p->names, p->count, &change->came);
        went = difference(p->names, p->count, names, count, &change->went);
        free_names(p->names, p->count);
        p->names = names;
        p->count = count;
        p->known = 1;
        /* The first list is who was here already (news of its own); and
         * no news (or no memory to tell it) is no change. */
        if (first || came < 0 || went < 0 || (came == 0 && went == 0)) {
                presence_change_free(change);
                change->first = first;
                return first;
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
                rd_kafka_AdminOptions_new(p->client->rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS);

        if (options)
                (void)rd_kafka_AdminOptions_set_request_timeout(options, 3600 * 1000, NULL, 0);
        rd_kafka_DescribeConsumerGroups(p->client->rk, groups, 1, options, p->answers);
        if (options)
                rd_kafka_AdminOptions_destroy(options);
        p->asking = 1;
}

int presence_serve(struct presence *p, struct presence_change *change)
{
        rd_kafka_event_t *ev;
        int changed = 0;

        memset(change, 0, sizeof(*change));
        if (!p->client)
                return 0;
        while (!changed && (ev = rd_kafka_queue_poll(p->answers, 0))) {
                p->asking  = 0;
                changed    = take_answer(p, ev, change);
                p->next_ms = p->again ? soon(p, 0) : soon(p, 1);
                p->again   = 0;
                rd_kafka_event_destroy(ev);
        }
        /* A refused group stays refused: stop asking. */
        if (presence_next_ms(p) == 0)
                ask(p);
        return changed;
}

int presence_next_ms(const struct presence *p)
{
        long long left;

        if (!p->client || p->asking || p->problem[0])
                return -1; /* an answer wakes us; a refusal is final */
        left = p->next_ms - deadline_now_ms();
        return left <= 0 ? 0 : left > 0x7fffffff ? 0x7fffffff : (int)left;
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

void presence_close(struct presence *p)
{
        if (p->answers)
                rd_kafka_queue_destroy(p->answers);
        free_names(p->names, p->count);
        memset(p, 0, sizeof(*p));
}
