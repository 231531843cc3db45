/*
 * mock - librdkafka's mock cluster for the unit tests that need brokers
 * which fail on cue (the programs' own tests run real ones).
 */
#ifndef KC_TEST_MOCK_H
#define KC_TEST_MOCK_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "../../common/config.h"
#include "../../common/options.h"

/* The Kafka protocol's numbers for the requests the tests fail or delay. */
enum mock_api_key {
        MOCK_LIST_OFFSETS  = 2,
        MOCK_OFFSET_COMMIT = 8,
        MOCK_OFFSET_FETCH  = 9,
        MOCK_SYNC_GROUP    = 14,
};

/* A producer whose brokers are a mock cluster of three, quiet, holding
 * topic (one partition, three replicas). Fails the test if it cannot.
 * Destroying the producer ends the cluster. */
rd_kafka_t *mock_cluster_new(const char *topic, rd_kafka_mock_cluster_t **cluster);

/* Loads the settings of a kafka-chat whose brokers are the cluster's.
 * Fails the test if it cannot. Freed with config_free() and
 * options_free(). */
void mock_settings(rd_kafka_mock_cluster_t *cluster, struct options *opts, struct config *cfg);

#endif
