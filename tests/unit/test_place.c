/* Unit tests of common/place against librdkafka's mock cluster: when the
 * coordinator of your place moves, the broker librdkafka found first keeps
 * answering "not coordinator" (a real one does while it is up), and
 * librdkafka would ask it again and again. The place asks through a new
 * client instead, and a commit sent by the client it replaced is not
 * waited for. (tests/e2e/test_faults.py does the same on a real cluster.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../common/client.h"
#include "../../common/config.h"
#include "../../common/deadline.h"
#include "../../common/options.h"
#include "../../common/place.h"
#include "mock.h"

#define TOPIC "room"
#define GROUP "kafka-chat-me"

/* Everything a test needs: a mock cluster of three (in the handle that
 * made it), the settings that name it, the reader's client and its place,
 * coordinated by broker 1 to begin with. */
struct fixture {
        rd_kafka_t *owner;
        rd_kafka_mock_cluster_t *cluster;
        struct options opts;
        struct config cfg;
        struct client reader;
        struct place place;
        rd_kafka_queue_t *answers;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        const struct client_spec spec = {.role = CLIENT_SAMPLER};

        assert_non_null(f);
        f->owner = mock_cluster_new(TOPIC, &f->cluster);
        assert_int_equal(rd_kafka_mock_coordinator_set(f->cluster, "group", GROUP, 1), 0);
        mock_settings(f->cluster, &f->opts, &f->cfg);
        assert_int_equal(client_open(&f->reader, &spec, &f->cfg), 0);
        f->reader.verbose = -1;
        place_init(&f->place, GROUP, f->reader.rk, &f->cfg, NULL);
        f->answers = rd_kafka_queue_new(f->reader.rk);
        *state     = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        place_free(&f->place);
        rd_kafka_queue_destroy(f->answers);
        client_destroy(&f->reader);
        config_free(&f->cfg);
        options_free(&f->opts);
        rd_kafka_destroy(f->owner);
        free(f);
        return 0;
}

/* Commits TOPIC [0] at offset, until the answer comes. */
static rd_kafka_resp_err_t commit_at(struct place *pl, int64_t offset)
{
        rd_kafka_topic_partition_list_t *offsets = rd_kafka_topic_partition_list_new(1);
        struct deadline until = deadline_in(10000);
        rd_kafka_resp_err_t err;

        rd_kafka_topic_partition_list_add(offsets, TOPIC, 0)->offset = offset;
        err = place_commit_wait(pl, offsets, &until);
        rd_kafka_topic_partition_list_destroy(offsets);
        return err;
}

/* The committed offset of TOPIC [0], or why none. */
static int64_t committed(struct place *pl, rd_kafka_resp_err_t *err)
{
        rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
        struct deadline until = deadline_in(10000);
        int64_t offset;

        rd_kafka_topic_partition_list_add(parts, TOPIC, 0);
        *err   = place_committed(pl, parts, &until);
        offset = parts->elems[0].offset;
        rd_kafka_topic_partition_list_destroy(parts);
        return offset;
}

/* The coordinator moves to broker 2 while broker 1, up, says it is not
 * the coordinator: asked once more, the place is kept by broker 2. (Asked
 * once more by the reader's client, broker 1 says it again.) */
static void a_moved_coordinator_is_found_by_a_new_client(void **state)
{
        struct fixture *f = *state;
        rd_kafka_resp_err_t err;

        assert_int_equal(commit_at(&f->place, 2), RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_null(f->place.own.rk); /* the reader's client asked */

        assert_int_equal(rd_kafka_mock_coordinator_set(f->cluster, "group", GROUP, 2), 0);
        rd_kafka_mock_broker_push_request_error_rtts(f->cluster, 1, MOCK_OFFSET_COMMIT, 2,
                                                     RD_KAFKA_RESP_ERR_NOT_COORDINATOR, 0,
                                                     RD_KAFKA_RESP_ERR_NOT_COORDINATOR, 0);
        err = commit_at(&f->place, 5);
        if (err) { /* librdkafka asked broker 1: it said so */
                assert_int_equal(err, RD_KAFKA_RESP_ERR_NOT_COORDINATOR);
                assert_non_null(f->place.own.rk);
                err = commit_at(&f->place, 5);
        }
        assert_int_equal(err, RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_int_equal(committed(&f->place, &err), 5);
        assert_int_equal(err, RD_KAFKA_RESP_ERR_NO_ERROR);
}

/* A commit on its way when the place replaces the client that sent it has
 * no answer to wait for, and its answer, if it comes, is not taken for
 * the answer of a later one. */
static void a_commit_of_a_replaced_client_is_not_waited_for(void **state)
{
        struct fixture *f = *state;
        rd_kafka_topic_partition_list_t *offsets = rd_kafka_topic_partition_list_new(1);
        rd_kafka_resp_err_t err;
        rd_kafka_event_t *ev;
        unsigned ticket;

        assert_int_equal(commit_at(&f->place, 2), RD_KAFKA_RESP_ERR_NO_ERROR);
        /* Broker 1, coordinator no more, answers the commit and the question
         * after it (in that order: one connection) with "not coordinator". */
        assert_int_equal(rd_kafka_mock_coordinator_set(f->cluster, "group", GROUP, 3), 0);
        rd_kafka_mock_broker_push_request_error_rtts(f->cluster, 1, MOCK_OFFSET_COMMIT, 1,
                                                     RD_KAFKA_RESP_ERR_NOT_COORDINATOR, 0);
        rd_kafka_mock_broker_push_request_error_rtts(f->cluster, 1, MOCK_OFFSET_FETCH, 1,
                                                     RD_KAFKA_RESP_ERR_NOT_COORDINATOR, 0);
        rd_kafka_topic_partition_list_add(offsets, TOPIC, 0)->offset = 7;
        ticket = place_commit(&f->place, offsets, f->answers);
        rd_kafka_topic_partition_list_destroy(offsets);
        assert_false(place_answered(&f->place, ticket));

        (void)committed(&f->place, &err);
        assert_int_equal(err, RD_KAFKA_RESP_ERR_NOT_COORDINATOR);
        assert_true(place_answered(&f->place, ticket));
        ev = rd_kafka_queue_poll(f->answers, 10000);
        assert_non_null(ev);
        assert_int_equal(place_answer(&f->place, ev), RD_KAFKA_RESP_ERR__OUTDATED);

        /* The new client finds broker 3. */
        assert_int_equal(commit_at(&f->place, 9), RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_int_equal(committed(&f->place, &err), 9);
        assert_int_equal(err, RD_KAFKA_RESP_ERR_NO_ERROR);
}

/* While the coordinator is away, every answer says so: the place makes a
 * new client once a second at most, not once an answer. */
static void an_absent_coordinator_costs_a_client_a_second_at_most(void **state)
{
        enum { ANSWERS = 6 };
        struct fixture *f = *state;
        long long started = deadline_now_ms();
        rd_kafka_resp_err_t err;

        for (int i = 0; i < ANSWERS; i++)
                rd_kafka_mock_push_request_errors(f->cluster, MOCK_OFFSET_FETCH, 1,
                                                  RD_KAFKA_RESP_ERR_NOT_COORDINATOR);
        for (int i = 0; i < ANSWERS; i++) {
                (void)committed(&f->place, &err);
                assert_int_equal(err, RD_KAFKA_RESP_ERR_NOT_COORDINATOR);
        }
        assert_true(f->place.made >= 1);
        assert_true(f->place.made <= 1 + (deadline_now_ms() - started) / 1000);
        /* Once there, the coordinator answers. */
        assert_int_equal(commit_at(&f->place, 4), RD_KAFKA_RESP_ERR_NO_ERROR);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(a_moved_coordinator_is_found_by_a_new_client,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(a_commit_of_a_replaced_client_is_not_waited_for,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(
                        an_absent_coordinator_costs_a_client_a_second_at_most, setup, teardown),
        };

        alarm(120); /* a wait with no end fails the tests instead of hanging them */
        return cmocka_run_group_tests(tests, NULL, NULL);
}
