/* Unit tests of client_watermarks() (common/client) against librdkafka's
 * mock cluster, which can fail requests and take brokers down on cue: a
 * partition's leader that moves is asked again, and a dead one costs no
 * more than the deadline. (The programs' own tests run real brokers; a
 * real cluster names a dead broker leader for a few seconds only, too
 * short to test the deadline by.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../common/client.h"
#include "../../common/deadline.h"
#include "mock.h"

#define TOPIC "room"
#define LINES 3

/* A producer whose brokers are a mock cluster of three, with TOPIC (one
 * partition, led by broker 1) holding LINES records. */
static rd_kafka_t *mock_producer(rd_kafka_mock_cluster_t **cluster)
{
        rd_kafka_t *rk = mock_cluster_new(TOPIC, cluster);

        assert_int_equal(rd_kafka_mock_partition_set_leader(*cluster, TOPIC, 0, 1), 0);
        for (int i = 0; i < LINES; i++)
                assert_int_equal(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(TOPIC),
                                                   RD_KAFKA_V_PARTITION(0),
                                                   RD_KAFKA_V_VALUE("x", 1), RD_KAFKA_V_END),
                                 0);
        assert_int_equal(rd_kafka_flush(rk, 10000), 0);
        return rk;
}

/* Answers "not the leader" three times (the partition moving, as a real
 * cluster does while it elects a new leader): asked again, it is there. */
static void a_leader_that_moves_is_asked_again(void **state)
{
        rd_kafka_mock_cluster_t *cluster;
        rd_kafka_t *rk = mock_producer(&cluster);
        struct deadline until = deadline_in(10000);
        int64_t low = -1, high = -1;

        (void)state;
        rd_kafka_mock_push_request_errors(cluster, MOCK_LIST_OFFSETS, 3,
                                          RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                          RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
                                          RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE);
        assert_int_equal(client_watermarks(rk, TOPIC, 0, &low, &high, &until),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_int_equal(low, 0);
        assert_int_equal(high, LINES);
        rd_kafka_destroy(rk);
}

/* A broker that left the cluster's metadata (down, restarting) fails what
 * newer librdkafka had on its way to it: asked again, another answers. */
static void a_leader_that_left_the_cluster_is_asked_again(void **state)
{
        rd_kafka_mock_cluster_t *cluster;
        rd_kafka_t *rk = mock_producer(&cluster);
        struct deadline until = deadline_in(10000);
        int64_t low = -1, high = -1;

        (void)state;
        rd_kafka_mock_push_request_errors(cluster, MOCK_LIST_OFFSETS, 1, CLIENT_ERR_BROKER_LEFT);
        assert_int_equal(client_watermarks(rk, TOPIC, 0, &low, &high, &until),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_int_equal(high, LINES);
        rd_kafka_destroy(rk);
}

/* What will not pass by asking again is said at once. */
static void a_lasting_refusal_is_not_asked_again(void **state)
{
        rd_kafka_mock_cluster_t *cluster;
        rd_kafka_t *rk = mock_producer(&cluster);
        struct deadline until = deadline_in(10000);
        long long started = deadline_now_ms();
        int64_t low, high;

        (void)state;
        rd_kafka_mock_push_request_errors(cluster, MOCK_LIST_OFFSETS, 1,
                                          RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
        assert_int_equal(client_watermarks(rk, TOPIC, 0, &low, &high, &until),
                         RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
        assert_true(deadline_now_ms() - started < 2000);
        rd_kafka_destroy(rk);
}

/* The leader's broker is down and the cluster still names it: the answer
 * (none) comes by the deadline, where librdkafka 2.0.2's
 * rd_kafka_query_watermark_offsets() waits on. Once another broker leads,
 * the next question finds it. */
static void a_dead_leader_costs_no_more_than_the_deadline(void **state)
{
        rd_kafka_mock_cluster_t *cluster;
        rd_kafka_t *rk = mock_producer(&cluster);
        struct deadline until = deadline_in(1500);
        long long started = deadline_now_ms();
        int64_t low = -1, high = -1;

        (void)state;
        alarm(60); /* a wait with no end fails the test instead of hanging it */
        assert_int_equal(rd_kafka_mock_broker_set_down(cluster, 1), 0);
        assert_int_not_equal(client_watermarks(rk, TOPIC, 0, &low, &high, &until),
                             RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_true(deadline_now_ms() - started < 1500 + 1000);

        assert_int_equal(rd_kafka_mock_partition_set_leader(cluster, TOPIC, 0, 2), 0);
        until = deadline_in(20000);
        assert_int_equal(client_watermarks(rk, TOPIC, 0, &low, &high, &until),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
        assert_int_equal(low, 0);
        assert_int_equal(high, LINES);
        rd_kafka_destroy(rk);
        alarm(0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(a_leader_that_moves_is_asked_again),
                cmocka_unit_test(a_leader_that_left_the_cluster_is_asked_again),
                cmocka_unit_test(a_lasting_refusal_is_not_asked_again),
                cmocka_unit_test(a_dead_leader_costs_no_more_than_the_deadline),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
