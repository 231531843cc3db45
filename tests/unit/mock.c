#include "mock.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <getopt.h>

rd_kafka_t *mock_cluster_new(const char *topic, rd_kafka_mock_cluster_t **cluster)
{
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char errstr[512];
        rd_kafka_t *rk;

        assert_int_equal(rd_kafka_conf_set(conf, "test.mock.num.brokers", "3", errstr,
                                           sizeof(errstr)),
                         RD_KAFKA_CONF_OK);
        assert_int_equal(rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr)),
                         RD_KAFKA_CONF_OK);
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        assert_non_null(rk);
        *cluster = rd_kafka_handle_mock_cluster(rk);
        assert_non_null(*cluster);
        assert_int_equal(rd_kafka_mock_topic_create(*cluster, topic, 1, 3), 0);
        return rk;
}

void mock_settings(rd_kafka_mock_cluster_t *cluster, struct options *opts, struct config *cfg)
{
        static const struct program chat = {"kafka-chat", "s", "d", 0, "e", NULL};
        char bootstraps[512];
        char *argv[] = {"kafka-chat", "-b", bootstraps, NULL};

        snprintf(bootstraps, sizeof(bootstraps), "%s", rd_kafka_mock_cluster_bootstraps(cluster));
        optind = 0;
        assert_int_equal(options_parse(opts, &chat, 3, argv), OPTIONS_RUN);
        assert_int_equal(config_load(cfg, opts), 0);
}
