/* Unit tests of common/client's group members against librdkafka's mock
 * cluster, which can hold a group's answers back on cue: a member caught
 * between its group's JoinGroup and SyncGroup answers is neither closed
 * nor destroyed before the second comes (librdkafka before 2.2 aborts
 * then; the soak's hang-ups of a chat entering its room found it). On a
 * real cluster the window is a few milliseconds wide. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../common/client.h"
#include "../../common/config.h"
#include "../../common/deadline.h"
#include "../../common/options.h"
#include "mock.h"

#define TOPIC "room"
#define GROUP "kafka-chat.room.room"
/* How long the coordinator holds its SyncGroup answer back, in ms. */
#define SYNC_DELAY_MS 3000
/* The first librdkafka that can destroy such a member (it needs no wait). */
#define LIBRDKAFKA_ASSIGNOR_STATE_FIXED 0x02020000 /* 2.2.0 */

/* A mock cluster of three (in the handle that made it), the settings that
 * name it, and a room's reader subscribed to TOPIC in GROUP, whose
 * coordinator (broker 1) holds its first SyncGroup answer back. */
struct fixture {
        rd_kafka_t *owner;
        rd_kafka_mock_cluster_t *cluster;
        struct options opts;
        struct config cfg;
        struct client member;
};

static void take_what_comes(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                            rd_kafka_topic_partition_list_t *parts, void *opaque)
{
        char errstr[512];

        (void)opaque;
        assert_int_equal(client_rebalance(rk, err, parts, errstr, sizeof(errstr)), 0);
}

static int setup(void **state)
{
        static const struct kafka_property forced[] = {{"group.id", GROUP}, {NULL, NULL}};
        const struct client_spec spec = {
                .role         = CLIENT_ROOM,
                .forced       = forced,
                .on_rebalance = take_what_comes,
        };
        struct fixture *f = calloc(1, sizeof(*f));
        rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);

        assert_non_null(f);
        f->owner = mock_cluster_new(TOPIC, &f->cluster);
        assert_int_equal(rd_kafka_mock_coordinator_set(f->cluster, "group", GROUP, 1), 0);
        rd_kafka_mock_broker_push_request_error_rtts(f->cluster, 1, MOCK_SYNC_GROUP, 1,
                                                     RD_KAFKA_RESP_ERR_NO_ERROR, SYNC_DELAY_MS);
        mock_settings(f->cluster, &f->opts, &f->cfg);
        assert_int_equal(client_open(&f->member, &spec, &f->cfg), 0);
        f->member.verbose = -1;
        rd_kafka_topic_partition_list_add(topics, TOPIC, RD_KAFKA_PARTITION_UA);
        assert_int_equal(rd_kafka_subscribe(f->member.rk, topics), RD_KAFKA_RESP_ERR_NO_ERROR);
        rd_kafka_topic_partition_list_destroy(topics);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        client_destroy(&f->member); /* if the test did not */
        config_free(&f->cfg);
        options_free(&f->opts);
        rd_kafka_destroy(f->owner);
        free(f);
        return 0;
}

/* Serves the member until its group has answered its JoinGroup: the
 * rebalance protocol is chosen then (NONE before). */
static void wait_for_join(struct client *cl)
{
        struct deadline until = deadline_in(20000);
        const char *protocol;

        while ((protocol = rd_kafka_rebalance_protocol(cl->rk)) &&
               strcmp(protocol, "COOPERATIVE") != 0 && !deadline_passed(&until)) {
                rd_kafka_message_t *msg = rd_kafka_consumer_poll(cl->rk, 10);

                if (msg)
                        rd_kafka_message_destroy(msg);
        }
        assert_string_equal(protocol, "COOPERATIVE");
        assert_int_equal(cl->assigned, 0); /* the SyncGroup answer is held back */
}

/* A /quit then: the leave waits for the assignment (where librdkafka
 * needs it), then leaves. */
static void a_leave_between_join_and_sync_waits_for_the_sync(void **state)
{
        struct fixture *f = *state;
        struct deadline until = deadline_in(20000);

        wait_for_join(&f->member);
        assert_int_equal(client_leave(&f->member, &until), RD_KAFKA_RESP_ERR_NO_ERROR);
        if (rd_kafka_version() < LIBRDKAFKA_ASSIGNOR_STATE_FIXED)
                assert_int_equal(f->member.assigned, 1);
        assert_true(f->member.left);
        client_destroy(&f->member);
        assert_null(f->member.rk);
}

/* No time to leave (a second Ctrl-C, a room that failed to open): the
 * leave gives up at once, and the destroy waits for the assignment. */
static void a_destroy_between_join_and_sync_waits_for_the_sync(void **state)
{
        struct fixture *f = *state;
        struct deadline none = deadline_in(0);
        long long started;

        wait_for_join(&f->member);
        assert_int_equal(client_leave(&f->member, &none), RD_KAFKA_RESP_ERR__TIMED_OUT);
        assert_false(f->member.left);
        started = deadline_now_ms();
        client_destroy(&f->member);
        assert_null(f->member.rk);
        assert_true(deadline_now_ms() - started < SYNC_DELAY_MS + 5000);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(a_leave_between_join_and_sync_waits_for_the_sync,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(
                        a_destroy_between_join_and_sync_waits_for_the_sync, setup, teardown),
        };

        alarm(120); /* a wait with no end fails the tests instead of hanging them */
        return cmocka_run_group_tests(tests, NULL, NULL);
}
