#include "kafka.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "signals.h"

static int is_fatal(rd_kafka_resp_err_t err)
{
        return err == RD_KAFKA_RESP_ERR__FATAL ||
               err == RD_KAFKA_RESP_ERR__AUTHENTICATION;
}

/* Called from rd_kafka_poll() and friends, in the main thread. */
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
        struct kafka_status *status = opaque;
        rd_kafka_resp_err_t code = (rd_kafka_resp_err_t)err;
        char fatal_reason[512];

        if (code == RD_KAFKA_RESP_ERR__FATAL) {
                code   = rd_kafka_fatal_error(rk, fatal_reason, sizeof(fatal_reason));
                reason = fatal_reason;
                status->fatal = 1;
        }
        if (is_fatal(code))
                status->fatal = 1;

        /* "All brokers are down" says less than the connect failure that
         * caused it: keep that one for the final message. */
        if (code != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
            status->error == RD_KAFKA_RESP_ERR_NO_ERROR) {
                status->error = code;
                snprintf(status->reason, sizeof(status->reason), "%s", reason);
        }

        if (status->startup)
                return; /* kafka_wait_connected() words the outcome */
        if (status->verbose >= 1 || status->fatal ||
            (status->verbose >= 0 && code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN))
                diag_warn("kafka: %s", reason);
}

/* librdkafka's own log, from its threads: only at -vv. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac,
                   const char *line)
{
        const struct kafka_status *status = rd_kafka_opaque(rk);

        if (status && status->verbose >= 2)
                diag_note("librdkafka %d %s: %s", level, fac, line);
}

/* Sets one property. The error names the key and where it came from,
 * never the value: it may be a password. */
static int set(rd_kafka_conf_t *conf, const char *key, const char *value,
               const char *origin)
{
        char errstr[512];

        if (rd_kafka_conf_set(conf, key, value, errstr, sizeof(errstr)) ==
            RD_KAFKA_CONF_OK)
                return 0;
        diag_error("%s %s: %s", origin, key, errstr);
        return -1;
}

rd_kafka_conf_t *kafka_conf_new(const struct options *opts,
                                const struct kafka_property *defaults,
                                struct kafka_status *status)
{
        rd_kafka_conf_t *conf = rd_kafka_conf_new();

        for (; defaults && defaults->key; defaults++)
                if (set(conf, defaults->key, defaults->value, "default") == -1)
                        goto error;

        if (opts->bootstrap &&
            set(conf, "bootstrap.servers", opts->bootstrap, "-b:") == -1)
                goto error;

        for (size_t i = 0; i < opts->nproperties; i++) {
                char key[256];
                const char *eq = strchr(opts->properties[i], '=');
                size_t keylen = (size_t)(eq - opts->properties[i]);

                if (keylen >= sizeof(key)) {
                        diag_error("-X: property name too long");
                        goto error;
                }
                memcpy(key, opts->properties[i], keylen);
                key[keylen] = '\0';
                if (set(conf, key, eq + 1, "-X") == -1)
                        goto error;
        }

        rd_kafka_conf_set_opaque(conf, status);
        rd_kafka_conf_set_error_cb(conf, on_error);
        rd_kafka_conf_set_log_cb(conf, on_log);
        return conf;

error:
        rd_kafka_conf_destroy(conf);
        return NULL;
}

const char *kafka_bootstrap(rd_kafka_t *rk, char *buf, size_t size)
{
        const rd_kafka_conf_t *conf = rd_kafka_conf(rk);

        if (rd_kafka_conf_get(conf, "bootstrap.servers", buf, &size) !=
            RD_KAFKA_CONF_OK)
                snprintf(buf, size, "(unknown)");
        return buf;
}

static long long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether metadata shows the topic usable: no error, partitions known.
 * Otherwise *err says why not. */
static int topic_ready(const struct rd_kafka_metadata *md,
                       rd_kafka_resp_err_t *err)
{
        if (md->topic_cnt != 1) {
                *err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
                return 0;
        }
        *err = md->topics[0].err;
        if (!*err && md->topics[0].partition_cnt == 0)
                *err = RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE;
        return *err == RD_KAFKA_RESP_ERR_NO_ERROR;
}

int kafka_wait_ready(rd_kafka_t *rk, struct kafka_status *status,
                     const char *topic, int timeout_ms, int *partitions)
{
        long long deadline = now_ms() + timeout_ms;
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
        rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_NO_ERROR;
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
        char servers[512];
        int ready = 0;

        if (!rkt) {
                diag_error("topic '%s': %s", topic,
                           rd_kafka_err2str(rd_kafka_last_error()));
                return -1;
        }

        status->startup = 1;
        while (!ready && !stop_signal && !status->fatal) {
                const struct rd_kafka_metadata *md;
                long long left = deadline - now_ms();

                if (left <= 0)
                        break;
                /* Short slices, so that signals and fatal errors are seen. */
                err = rd_kafka_metadata(rk, 0 /* just this topic */, rkt, &md,
                                        (int)(left < 500 ? left : 500));
                rd_kafka_poll(rk, 0); /* serve on_error */
                if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                        ready = topic_ready(md, &topic_err);
                        if (ready)
                                *partitions = md->topics[0].partition_cnt;
                        rd_kafka_metadata_destroy(md);
                        if (!ready)
                                rd_kafka_poll(rk, 100); /* being created: wait a bit */
                }
        }
        status->startup = 0;
        rd_kafka_topic_destroy(rkt);
        if (ready) {
                status->error = RD_KAFKA_RESP_ERR_NO_ERROR;
                return 0;
        }
        if (stop_signal)
                return -1;

        kafka_bootstrap(rk, servers, sizeof(servers));
        if (status->fatal)
                diag_error("cannot use Kafka at %s: %s", servers, status->reason);
        else if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
                diag_error("topic '%s' is not available at %s: %s", topic, servers,
                           rd_kafka_err2str(topic_err));
        else
                diag_error("cannot reach Kafka at %s within %d s: %s", servers,
                           (timeout_ms + 999) / 1000,
                           status->error ? status->reason : rd_kafka_err2str(err));
        return -1;
}
