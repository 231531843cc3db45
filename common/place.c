#include "place.h"

#include <stdint.h>
#include <string.h>

/* An hour: see place.h (the request waits; we do not). */
#define PLACE_REQUEST_TIMEOUT_MS (3600 * 1000)

void place_init(struct place *pl, const char *group, rd_kafka_t *reader,
                const struct config *cfg, const struct voice *voice)
{
        *pl = (struct place){.group = group, .reader = reader, .cfg = cfg, .voice = voice};
}

void place_free(struct place *pl)
{
        client_destroy(&pl->own);
}

/* The client to ask with: our own once we made one. Serves its callbacks
 * first, which nothing else polls. */
static rd_kafka_t *asker(struct place *pl)
{
        if (!pl->own.rk)
                return pl->reader;
        rd_kafka_poll(pl->own.rk, 0);
        return pl->own.rk;
}

/* Whether an answer says that the broker asked is not the coordinator
 * (any more), as opposed to one that is loading the group. */
static int moved(rd_kafka_resp_err_t err)
{
        return err == RD_KAFKA_RESP_ERR_NOT_COORDINATOR ||
               err == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE;
}

/* A new client at most this often, in ms: while the coordinator is away,
 * every retry hears "not available" again, and a client made less than
 * that ago has just asked the cluster where the coordinator is. */
#define PLACE_RENEW_MS 1000

/* Takes note of an answer: if the coordinator moved, the next request goes
 * through a new client (see place.h). Returns err. */
static rd_kafka_resp_err_t heard(struct place *pl, rd_kafka_resp_err_t err)
{
        const struct client_spec spec = {.role = CLIENT_PLACE, .voice = pl->voice};

        if (!moved(err) || (pl->own.rk && deadline_now_ms() - pl->made_ms < PLACE_RENEW_MS))
                return err;
        client_destroy(&pl->own);
        pl->made++;
        pl->made_ms = deadline_now_ms();
        /* The settings were checked at start: what could fail is memory,
         * and then the reader's client asks on. */
        if (client_open(&pl->own, &spec, pl->cfg) == 0)
                pl->own.verbose = -1; /* its errors are ours to word */
        return err;
}

/* The options of a request; its answer carries the ticket of the client
 * that sent it. */
static rd_kafka_AdminOptions_t *options(const struct place *pl, rd_kafka_t *rk,
                                        rd_kafka_admin_op_t op)
{
        rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, op);

        if (opts) {
                (void)rd_kafka_AdminOptions_set_request_timeout(opts, PLACE_REQUEST_TIMEOUT_MS,
                                                                NULL, 0);
                rd_kafka_AdminOptions_set_opaque(opts, (void *)(uintptr_t)pl->made);
        }
        return opts;
}

/* The event of type on queue, until the deadline (NULL if none came). */
static rd_kafka_event_t *await(rd_kafka_queue_t *queue, const struct deadline *until)
{
        rd_kafka_event_t *ev = NULL;

        while (!ev && !deadline_passed(until))
                ev = rd_kafka_queue_poll(queue, deadline_slice(until, DEADLINE_SLICE_MS));
        return ev;
}

/* The one group of a result, and its error. */
static const rd_kafka_group_result_t *group_of(const rd_kafka_group_result_t **groups,
                                               size_t count, rd_kafka_resp_err_t *err)
{
        const rd_kafka_error_t *error;

        if (count != 1) {
                *err = RD_KAFKA_RESP_ERR__BAD_MSG;
                return NULL;
        }
        error = rd_kafka_group_result_error(groups[0]);
        *err  = error ? rd_kafka_error_code(error) : RD_KAFKA_RESP_ERR_NO_ERROR;
        return groups[0];
}

rd_kafka_resp_err_t place_committed(struct place *pl, rd_kafka_topic_partition_list_t *parts,
                                    const struct deadline *until)
{
        rd_kafka_t *rk = asker(pl);
        rd_kafka_ListConsumerGroupOffsets_t *req =
                rd_kafka_ListConsumerGroupOffsets_new(pl->group, parts);
        rd_kafka_AdminOptions_t *opts = options(pl, rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS);
        rd_kafka_queue_t *queue = rd_kafka_queue_new(rk);
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
        rd_kafka_event_t *ev;

        rd_kafka_ListConsumerGroupOffsets(rk, &req, 1, opts, queue);
        ev = await(queue, until);
        if (ev && !(err = rd_kafka_event_error(ev))) {
                const rd_kafka_ListConsumerGroupOffsets_result_t *result =
                        rd_kafka_event_ListConsumerGroupOffsets_result(ev);
                const rd_kafka_group_result_t **groups = NULL, *g = NULL;
                size_t count = 0;

                if (result)
                        groups = rd_kafka_ListConsumerGroupOffsets_result_groups(result, &count);
                g = group_of(groups, count, &err);
                for (int i = 0; g && !err && i < parts->cnt; i++) {
                        const rd_kafka_topic_partition_t *got = rd_kafka_topic_partition_list_find(
                                rd_kafka_group_result_partitions(g), parts->elems[i].topic,
                                parts->elems[i].partition);

                        parts->elems[i].offset = got && !got->err ? got->offset
                                                                  : RD_KAFKA_OFFSET_INVALID;
                        if (got && got->err)
                                err = got->err;
                }
        }
        if (ev)
                rd_kafka_event_destroy(ev);
        rd_kafka_queue_destroy(queue);
        if (opts)
                rd_kafka_AdminOptions_destroy(opts);
        rd_kafka_ListConsumerGroupOffsets_destroy(req);
        return heard(pl, err);
}

unsigned place_commit(struct place *pl, const rd_kafka_topic_partition_list_t *offsets,
                      rd_kafka_queue_t *queue)
{
        rd_kafka_t *rk = asker(pl);
        rd_kafka_AlterConsumerGroupOffsets_t *req =
                rd_kafka_AlterConsumerGroupOffsets_new(pl->group, offsets);
        rd_kafka_AdminOptions_t *opts =
                options(pl, rk, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS);

        rd_kafka_AlterConsumerGroupOffsets(rk, &req, 1, opts, queue);
        if (opts)
                rd_kafka_AdminOptions_destroy(opts);
        rd_kafka_AlterConsumerGroupOffsets_destroy(req);
        return pl->made;
}

int place_answered(const struct place *pl, unsigned ticket)
{
        return ticket != pl->made;
}

rd_kafka_resp_err_t place_answer(struct place *pl, rd_kafka_event_t *ev)
{
        const rd_kafka_AlterConsumerGroupOffsets_result_t *result =
                rd_kafka_event_AlterConsumerGroupOffsets_result(ev);
        const rd_kafka_group_result_t **groups, *g;
        const rd_kafka_topic_partition_list_t *parts;
        rd_kafka_resp_err_t err = rd_kafka_event_error(ev);
        size_t count = 0;

        if (place_answered(pl, (unsigned)(uintptr_t)rd_kafka_event_opaque(ev))) {
                rd_kafka_event_destroy(ev);
                return RD_KAFKA_RESP_ERR__OUTDATED;
        }
        if (!err && !result)
                err = RD_KAFKA_RESP_ERR__BAD_MSG;
        if (!err) {
                groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(result, &count);
                g      = group_of(groups, count, &err);
                parts  = g && !err ? rd_kafka_group_result_partitions(g) : NULL;
                for (int i = 0; parts && i < parts->cnt && !err; i++)
                        err = parts->elems[i].err;
        }
        /* Before heard() may destroy the client it came from. */
        rd_kafka_event_destroy(ev);
        return heard(pl, err);
}

rd_kafka_resp_err_t place_commit_wait(struct place *pl,
                                      const rd_kafka_topic_partition_list_t *offsets,
                                      const struct deadline *until)
{
        rd_kafka_queue_t *queue = rd_kafka_queue_new(pl->reader);
        rd_kafka_event_t *ev;
        rd_kafka_resp_err_t err;

        place_commit(pl, offsets, queue);
        ev  = await(queue, until);
        err = ev ? place_answer(pl, ev) : RD_KAFKA_RESP_ERR__TIMED_OUT;
        rd_kafka_queue_destroy(queue);
        return err;
}
