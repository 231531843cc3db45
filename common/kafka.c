#include "kafka.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "pytime.h"
#include "signals.h"

/* Errors not worth retrying: wrong credentials stay wrong. A certificate
 * that fails verification too, but only while starting: later it may be
 * a broker's certificate being replaced. */
static int is_fatal(rd_kafka_resp_err_t err, int startup)
{
        return err == RD_KAFKA_RESP_ERR__FATAL ||
               err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
               (startup && err == RD_KAFKA_RESP_ERR__SSL);
}

/* What an X.509 verification error means for the user (codes from
 * OpenSSL's x509_vfy.h, stable across its versions). */
static const char *certificate_problem(int x509_error)
{
        switch (x509_error) {
        case 2:  return "the issuer's certificate is unknown";
        case 9:  return "the certificate is not valid yet";
        case 10: return "the certificate has expired";
        case 18:
        case 19: return "the certificate is self-signed and not trusted";
        case 20:
        case 21: return "the certificate is signed by a CA that is not trusted "
                        "(ssl.ca.location)";
        case 62: return "the certificate does not name the host connected to";
        case 64: return "the certificate does not name the IP address connected to";
        }
        return "the certificate could not be verified";
}

void kafka_warn(const struct kafka_status *status, const char *fmt, ...)
{
        char text[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        if (status->warn_to)
                status->warn_to(status->warn_ctx, text);
        else
                diag_warn("%s", text);
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
        if (is_fatal(code, status->startup))
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
                kafka_warn(status, "kafka: %s", reason);
}

/* Called by OpenSSL (through librdkafka's threads) for each certificate of
 * the broker's chain: verification is OpenSSL's, we only keep its verdict
 * to say why a handshake failed. */
static int on_certificate(rd_kafka_t *rk, const char *broker, int32_t broker_id,
                          int *x509_error, int depth, const char *der, size_t size,
                          char *errstr, size_t errstr_size, void *opaque)
{
        struct kafka_status *status = opaque;

        (void)rk;
        (void)broker;
        (void)broker_id;
        (void)depth;
        (void)der;
        (void)size;
        if (*x509_error == 0)
                return 1;
        atomic_store(&status->certificate_error, *x509_error);
        snprintf(errstr, errstr_size, "%s", certificate_problem(*x509_error));
        return 0;
}

/* librdkafka's own log, from its threads: only at -vv. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac,
                   const char *line)
{
        const struct kafka_status *status = rd_kafka_opaque(rk);
        struct timespec now;

        if (!status || status->verbose < 2)
                return;
        clock_gettime(CLOCK_REALTIME, &now);
        diag_note("%lld.%03ld librdkafka %d %s: %s", (long long)now.tv_sec,
                  now.tv_nsec / 1000000, level, fac, line);
}

int kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value,
                   const char *origin)
{
        char errstr[512];

        if (rd_kafka_conf_set(conf, key, value, errstr, sizeof(errstr)) ==
            RD_KAFKA_CONF_OK)
                return 0;
        diag_error("%s %s: %s", origin, key, errstr);
        return -1;
}

/* Removes white space at both ends of s, in place. */
static char *trim(char *s)
{
        char *end = s + strlen(s);

        while (*s == ' ' || *s == '\t')
                s++;
        while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' ||
                           end[-1] == '\n'))
                *--end = '\0';
        return s;
}

/* Applies a properties file: KEY=VALUE lines, '#' comments, blank lines,
 * as kcat reads them. Returns 0, or -1 after saying where it went wrong
 * (never showing a value: it may be a password). */
static int load_file(rd_kafka_conf_t *conf, const char *path, int verbose)
{
        FILE *fp = fopen(path, "r");
        struct stat st;
        char *line = NULL;
        size_t cap = 0;
        unsigned lineno = 0;
        int status = -1;

        if (!fp) {
                diag_error("cannot read config file %s: %m", path);
                return -1;
        }
        if (fstat(fileno(fp), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)))
                diag_warn("config file %s is readable by other users (mode %03o); it "
                          "may hold passwords: chmod 600 %s",
                          path, (unsigned)(st.st_mode & 0777), path);
        if (verbose >= 1)
                diag_note("reading config file %s", path);

        while (getline(&line, &cap, fp) != -1) {
                char origin[4200], *key = trim(line), *eq;

                lineno++;
                if (*key == '\0' || *key == '#')
                        continue;
                eq = strchr(key, '=');
                if (!eq || eq == key) {
                        diag_error("%s:%u: expected KEY=VALUE", path, lineno);
                        goto out;
                }
                *eq = '\0';
                snprintf(origin, sizeof(origin), "%s:%u:", path, lineno);
                if (kafka_conf_set(conf, trim(key), trim(eq + 1), origin) == -1)
                        goto out;
        }
        status = ferror(fp) ? -1 : 0;
        if (status == -1)
                diag_error("cannot read config file %s: %m", path);
out:
        free(line);
        fclose(fp);
        return status;
}

/* The config file to read, if any: -F, else $KAFKA_CHAT_CONFIG (which
 * must then exist), else ~/.config/kafka-chat.conf if it exists. */
static const char *config_path(const struct options *opts, char *buf, size_t size)
{
        const char *home = getenv("HOME");

        if (opts->config_file)
                return opts->config_file;
        if (getenv("KAFKA_CHAT_CONFIG") && *getenv("KAFKA_CHAT_CONFIG"))
                return getenv("KAFKA_CHAT_CONFIG");
        if (!home)
                return NULL;
        snprintf(buf, size, "%s/.config/kafka-chat.conf", home);
        return access(buf, F_OK) == 0 ? buf : NULL;
}

/* Settings of the classic consumer group protocol that librdkafka refuses
 * with the new one (KIP-848, group.protocol=consumer), where the broker
 * decides them: a default of ours is left out then. */
static int classic_only(const char *key)
{
        return !strcmp(key, "session.timeout.ms") || !strcmp(key, "heartbeat.interval.ms") ||
               !strcmp(key, "partition.assignment.strategy");
}

/* Whether the user's settings (the config file, then -X) ask for the new
 * consumer group protocol. A quick look ahead: load_file() judges the file. */
static int wants_consumer_protocol(const struct options *opts, const char *path)
{
        char *line = NULL;
        size_t cap = 0;
        int consumer = 0;
        FILE *fp = path ? fopen(path, "r") : NULL;

        while (fp && getline(&line, &cap, fp) != -1) {
                char *key = trim(line), *eq = strchr(key, '=');

                if (!eq || *key == '#')
                        continue;
                *eq = '\0';
                if (!strcmp(trim(key), "group.protocol"))
                        consumer = !strcmp(trim(eq + 1), "consumer");
        }
        free(line);
        if (fp)
                fclose(fp);
        for (size_t i = 0; i < opts->nproperties; i++)
                if (!strncmp(opts->properties[i], "group.protocol=", 15))
                        consumer = !strcmp(opts->properties[i] + 15, "consumer");
        return consumer;
}

/* Applies a list of defaults (ended by a NULL key). */
static int set_defaults(rd_kafka_conf_t *conf, const struct kafka_property *defaults,
                        int consumer_protocol)
{
        for (; defaults->key; defaults++)
                if (!(consumer_protocol && classic_only(defaults->key)) &&
                    kafka_conf_set(conf, defaults->key, defaults->value, "default") == -1)
                        return -1;
        return 0;
}

rd_kafka_conf_t *kafka_conf_new(const struct options *opts,
                                const struct kafka_property *const *defaults,
                                struct kafka_status *status)
{
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char default_path[4096];
        const char *path = config_path(opts, default_path, sizeof(default_path));
        int consumer_protocol = wants_consumer_protocol(opts, path);

        for (; *defaults; defaults++)
                if (set_defaults(conf, *defaults, consumer_protocol) == -1)
                        goto error;
        if (path && load_file(conf, path, opts->verbose) == -1)
                goto error;

        if (opts->bootstrap &&
            kafka_conf_set(conf, "bootstrap.servers", opts->bootstrap, "-b:") == -1)
                goto error;
        if (opts->group && kafka_conf_set(conf, "group.id", opts->group, "-g:") == -1)
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
                if (kafka_conf_set(conf, key, eq + 1, "-X") == -1)
                        goto error;
        }

        rd_kafka_conf_set_opaque(conf, status);
        rd_kafka_conf_set_error_cb(conf, on_error);
        rd_kafka_conf_set_log_cb(conf, on_log);
        if (rd_kafka_conf_set_ssl_cert_verify_cb(conf, on_certificate) != RD_KAFKA_CONF_OK) {
                diag_error("this librdkafka cannot verify TLS certificates");
                goto error;
        }
        return conf;

error:
        options_hint();
        rd_kafka_conf_destroy(conf);
        return NULL;
}

int kafka_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                    const rd_kafka_topic_partition_list_t *parts, char *errstr, size_t size)
{
        int assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
        rd_kafka_error_t *error = NULL;
        rd_kafka_resp_err_t result = RD_KAFKA_RESP_ERR_NO_ERROR;

        if (!strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE"))
                error = assign ? rd_kafka_incremental_assign(rk, parts)
                               : rd_kafka_incremental_unassign(rk, parts);
        else
                result = rd_kafka_assign(rk, assign ? parts : NULL);
        if (error) {
                snprintf(errstr, size, "%s", rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
                return -1;
        }
        if (result) {
                snprintf(errstr, size, "%s", rd_kafka_err2str(result));
                return -1;
        }
        return 0;
}

size_t kafka_conf_number(rd_kafka_t *rk, const char *key)
{
        char value[32];
        size_t size = sizeof(value);

        if (rd_kafka_conf_get(rd_kafka_conf(rk), key, value, &size) != RD_KAFKA_CONF_OK)
                return 0;
        return (size_t)strtoull(value, NULL, 10);
}

const char *kafka_bootstrap(rd_kafka_t *rk, char *buf, size_t size)
{
        const rd_kafka_conf_t *conf = rd_kafka_conf(rk);

        if (rd_kafka_conf_get(conf, "bootstrap.servers", buf, &size) !=
            RD_KAFKA_CONF_OK)
                snprintf(buf, size, "(unknown)");
        return buf;
}

long long kafka_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double kafka_message_time(const rd_kafka_message_t *msg)
{
        int64_t ms = rd_kafka_message_timestamp(msg, NULL);

        return ms >= 0 ? (double)ms / 1000.0 : pytime_now();
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

/*
 * librdkafka before 2.6.1 sends the client's SCRAM nonce twice in its
 * final message (its issue 4895). Kafka 3.8.1 to 3.9 let that pass; Kafka
 * 4 compares strictly and refuses the login as bad credentials. Worth
 * saying, since the password is right.
 */
#define LIBRDKAFKA_SCRAM_FIXED 0x020601ff /* 2.6.1 */
static const char *scram_hint(const char *mechanism)
{
        if (strncmp(mechanism, "SCRAM", 5) != 0 || rd_kafka_version() >= LIBRDKAFKA_SCRAM_FIXED)
                return "";
        return " (on Kafka 4.0 or later, SCRAM needs librdkafka 2.6.1 or later: older ones "
               "send a nonce it refuses)";
}

/* The one line for an error that ended the start: for authentication it
 * names the mechanism and the user (never the password), for TLS what was
 * wrong with the certificate. */
static void say_fatal(rd_kafka_t *rk, const struct kafka_status *status,
                      const char *servers)
{
        const rd_kafka_conf_t *conf = rd_kafka_conf(rk);
        char mechanism[64] = "?", user[256] = "?";
        size_t size;
        int x509_error = atomic_load(&status->certificate_error);

        if (status->error == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
                size = sizeof(mechanism);
                (void)rd_kafka_conf_get(conf, "sasl.mechanisms", mechanism, &size); /* or "?" */
                size = sizeof(user);
                if (rd_kafka_conf_get(conf, "sasl.username", user, &size) != RD_KAFKA_CONF_OK ||
                    !*user)
                        snprintf(user, sizeof(user), "(none)");
                diag_error("authentication failed at %s (SASL %s, user '%s'): %s%s", servers,
                           mechanism, user, status->reason, scram_hint(mechanism));
        } else if (status->error == RD_KAFKA_RESP_ERR__SSL && x509_error) {
                diag_error("TLS handshake with %s failed: %s: %s", servers,
                           certificate_problem(x509_error), status->reason);
        } else {
                diag_error("cannot use Kafka at %s: %s", servers, status->reason);
        }
}

int kafka_wait_ready(rd_kafka_t *rk, struct kafka_status *status,
                     const char *topic, int timeout_ms, int *partitions)
{
        long long deadline = kafka_now_ms() + timeout_ms;
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
        rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_NO_ERROR;
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
        char servers[512];
        int ready = 0, reached = 0; /* reached: some broker answered */

        if (!rkt) {
                diag_error("topic '%s': %s", topic,
                           rd_kafka_err2str(rd_kafka_last_error()));
                return -1;
        }

        status->startup = 1;
        while (!ready && !stop_signal && !status->fatal) {
                const struct rd_kafka_metadata *md;
                long long left = deadline - kafka_now_ms();

                if (left <= 0)
                        break;
                /* Short slices, so that signals and fatal errors are seen. */
                err = rd_kafka_metadata(rk, 0 /* just this topic */, rkt, &md,
                                        (int)(left < 500 ? left : 500));
                rd_kafka_poll(rk, 0); /* serve on_error */
                if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                        reached = 1;
                        ready   = topic_ready(md, &topic_err);
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
                say_fatal(rk, status, servers);
        else if (reached)
                diag_error("topic '%s' is not available at %s: %s", topic, servers,
                           rd_kafka_err2str(topic_err));
        else
                diag_error("cannot reach Kafka at %s within %d s: %s", servers,
                           (timeout_ms + 999) / 1000,
                           status->error ? status->reason : rd_kafka_err2str(err));
        return -1;
}

rd_kafka_resp_err_t kafka_produce(rd_kafka_t *rk, rd_kafka_topic_t *rkt,
                                  int32_t partition, const void *value, size_t len,
                                  void *opaque)
{
        rd_kafka_resp_err_t err;

        while (rd_kafka_produce(rkt, partition, RD_KAFKA_MSG_F_COPY, (void *)value, len,
                                NULL, 0, opaque) == -1) {
                err = rd_kafka_last_error();
                /* Asked to stop while waiting for room: this one was not
                 * sent (what is queued still will be). */
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || stop_signal)
                        return err;
                rd_kafka_poll(rk, 100 /* ms, then try again */);
        }
        rd_kafka_poll(rk, 0); /* serve delivery reports as we go */
        return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_resp_err_t kafka_commit(rd_kafka_t *rk,
                                 const rd_kafka_topic_partition_list_t *offsets,
                                 int timeout_ms)
{
        rd_kafka_queue_t *answer = rd_kafka_queue_new(rk);
        rd_kafka_resp_err_t err;

        err = rd_kafka_commit_queue(rk, offsets, answer, NULL, NULL);
        if (!err) {
                rd_kafka_event_t *ev = rd_kafka_queue_poll(answer, timeout_ms);

                err = ev ? rd_kafka_event_error(ev) : RD_KAFKA_RESP_ERR__TIMED_OUT;
                if (ev)
                        rd_kafka_event_destroy(ev);
        }
        rd_kafka_queue_destroy(answer);
        return err;
}

void kafka_drain(rd_kafka_t *rk, int timeout_ms, int tell)
{
        long long deadline = kafka_now_ms() + timeout_ms;

        if (tell && rd_kafka_outq_len(rk) > 0)
                diag_note("delivering %d line(s) still on their way; Ctrl-C gives up",
                          rd_kafka_outq_len(rk));
        stop_signal = 0;
        while (rd_kafka_outq_len(rk) > 0 && !stop_signal && kafka_now_ms() < deadline)
                rd_kafka_flush(rk, 100 /* ms, then look at the clock and the flag */);

        /* What is left is reported as failed, through the delivery report
         * callback, by the poll after the purge. */
        if (rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
                diag_warn("cannot purge the queue: what is left counts as undelivered");
        rd_kafka_poll(rk, 0);
}

/* Both programs' producer settings; the README's table says why. */
static const struct kafka_property producer_defaults[] = {
        {"bootstrap.servers", DEFAULT_BOOTSTRAP},
        /* Ordered, exactly-once delivery across retries. */
        {"enable.idempotence", "true"},
        /* A person waits for each line (a pipe wants batches: the
         * program's own defaults say so). */
        {"linger.ms", "0"},
        /* Bounded memory: a full queue makes us wait. */
        {"queue.buffering.max.kbytes", "16384"},
        /* Brokers close idle connections; that is no news. */
        {"log.connection.close", "false"},
        {NULL, NULL},
};

rd_kafka_t *kafka_producer_new(const struct options *opts,
                               const struct kafka_property *defaults,
                               struct kafka_status *status,
                               void (*on_delivery)(rd_kafka_t *, const rd_kafka_message_t *,
                                                   void *),
                               rd_kafka_topic_t **rkt)
{
        char errstr[512], timeout[32];
        /* A line that cannot be delivered is reported within --timeout, not
         * after librdkafka's 5 minutes. */
        const struct kafka_property timeout_default[] = {
                {"message.timeout.ms", timeout},
                {NULL, NULL},
        };
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;

        if (rkt)
                *rkt = NULL;
        snprintf(timeout, sizeof(timeout), "%d", opts->timeout_ms);
        conf = kafka_conf_new(opts,
                              (const struct kafka_property *const[]){
                                      producer_defaults, timeout_default, defaults, NULL},
                              status);
        if (!conf)
                return NULL;
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        /* rd_kafka_new() takes ownership of conf only when it succeeds. */
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                diag_error("cannot create the producer: %s", errstr);
                rd_kafka_conf_destroy(conf);
                return NULL;
        }
        if (!rkt)
                return rk;
        *rkt = rd_kafka_topic_new(rk, opts->topic, NULL);
        if (!*rkt) {
                diag_error("topic '%s': %s", opts->topic,
                           rd_kafka_err2str(rd_kafka_last_error()));
                rd_kafka_destroy(rk);
                return NULL;
        }
        return rk;
}
