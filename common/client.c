#include "client.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "signals.h"

/* ---- defaults: one list for every client, then one per role -------------- */

static const struct kafka_property shared_defaults[] = {
        {"bootstrap.servers", DEFAULT_BOOTSTRAP},
        /* Brokers close idle connections; that is no news. */
        {"log.connection.close", "false"},
        {NULL, NULL},
};

/* Members of a group (readers and presence). A crashed member holds its
 * place until its session times out; a restart should not wait 45 s.
 * (Classic groups only: the broker sets these for the new protocol.) */
static const struct kafka_property group_defaults[] = {
        {"session.timeout.ms", "10000"},
        {"heartbeat.interval.ms", "2000"},
        {NULL, NULL},
};

static const struct kafka_property producer_defaults[] = {
        /* Ordered, exactly-once delivery across retries. */
        {"enable.idempotence", "true"},
        /* A person waits for each line (a pipe wants batches: the
         * program's own defaults say so). */
        {"linger.ms", "0"},
        /* Bounded memory: a full queue makes us wait. */
        {"queue.buffering.max.kbytes", "16384"},
        {NULL, NULL},
};

/* The local queue: queued.min.messages, and a cap on its kilobytes high
 * enough that the count is what binds for chat-sized records. Bytes a fetch
 * may bring per partition, and in all: eight times librdkafka's 1 MiB per
 * partition, so reading a long topic takes an eighth of the fetch requests
 * (and of the broker's and the kernel's work for them, on cores the broker
 * may share); the total (librdkafka's is 50 MiB) keeps one response, and
 * with the queue's cap the prefetched records, bounded whatever the number
 * of partitions. */
static const struct kafka_property reader_defaults[] = {
        {"auto.offset.reset", "earliest"},
        /* We store an offset once its line is written; librdkafka commits
         * what is stored every 5 s, and as it lets a partition go. */
        {"enable.auto.offset.store", "false"},
        /* kafka-python asks for this: the seed creates the topic. */
        {"allow.auto.create.topics", "true"},
        /* Leaving the group waits on the broker connection behind a fetch
         * that idles up to this long for new records: 500 ms by default, a
         * tenth of that is still few requests. */
        {"fetch.wait.max.ms", "100"},
        {"queued.min.messages", "20000"},
        {"queued.max.messages.kbytes", "16384"},
        {"fetch.message.max.bytes", "8388608"},
        {"fetch.max.bytes", "8388608"},
        /* Where a partition ends, also one that ends in a transaction
         * marker (which is never delivered). */
        {"enable.partition.eof", "true"},
        {NULL, NULL},
};

/*
 * librdkafka stops fetching a partition while its local queue holds
 * queued.min.messages. Since 2.2 it looks again after fetch.queue.backoff.ms,
 * a second by default: with our small queue (bounded memory), a second
 * lost whenever we are the slower side, which made 2.14 read at a
 * twentieth of 2.0.2's pace. The queue drains in milliseconds, so we look
 * again soon. (Before 2.2 there is no such setting, and consumer_chat's
 * keep_fetching() does the waking.)
 */
#define LIBRDKAFKA_FETCH_BACKOFF 0x02020000 /* 2.2.0 */
static const struct kafka_property fetch_backoff_defaults[] = {
        {"fetch.queue.backoff.ms", "10"},
        {NULL, NULL},
};

/* kafka-chat's reader keeps your place in another group itself
 * (common/place.h): its own group, the room's, is only for presence. An
 * idle chat costs mostly its fetches: a long poll returns as soon as a
 * record comes, so waiting longer costs no latency, and a tenth of
 * librdkafka's threads' wake-ups and of the broker's requests. */
static const struct kafka_property room_defaults[] = {
        {"enable.auto.commit", "false"},
        {"fetch.wait.max.ms", "500"},
        {NULL, NULL},
};

/* What kafka-chat's reader cannot do without, after the user's settings:
 * the room's group rebalances without touching the partitions it reads
 * only with the cooperative protocol (see common/presence.h), and the
 * classic one, whose rebalances tell every member of a join or a leave
 * (librdkafka 2.4 and later know group.protocol). */
static const struct kafka_property room_forced[] = {
        {"partition.assignment.strategy", "cooperative-sticky"},
        {NULL, NULL},
};
#define LIBRDKAFKA_GROUP_PROTOCOL 0x02040000 /* 2.4.0 */
static const struct kafka_property room_classic[] = {
        {"group.protocol", "classic"},
        {NULL, NULL},
};

/* /rooms: reads the ends of partitions by hand; joins no group and
 * commits nothing (librdkafka's assign wants a group.id all the same). */
static const struct kafka_property sampler_defaults[] = {
        {"client.id", "kafka-chat"},
        {"group.id", "kafka-chat.rooms"},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"enable.partition.eof", "true"},
        {NULL, NULL},
};

#define MAX_LISTS 6

/* The lists of defaults of a role, in the order they apply, ended by NULL;
 * text holds the values made from the options. */
static void role_defaults(enum client_role role, const struct config *cfg,
                          const struct kafka_property *lists[MAX_LISTS],
                          struct kafka_property made[2], char *text, size_t size)
{
        int n = 0;

        lists[n++] = shared_defaults;
        switch (role) {
        case CLIENT_PRODUCER:
                lists[n++] = producer_defaults;
                /* A line that cannot be delivered is reported within
                 * --timeout, not after librdkafka's 5 minutes. */
                snprintf(text, size, "%d", cfg->opts->timeout_ms);
                made[0]    = (struct kafka_property){"message.timeout.ms", text};
                lists[n++] = made;
                break;
        case CLIENT_READER:
                lists[n++] = group_defaults;
                lists[n++] = reader_defaults;
                if (rd_kafka_version() >= LIBRDKAFKA_FETCH_BACKOFF)
                        lists[n++] = fetch_backoff_defaults;
                /* Reading history (-o, --since) leaves the group's
                 * position alone. */
                made[0]    = (struct kafka_property){"enable.auto.commit",
                                                     cfg->opts->commit ? "true" : "false"};
                lists[n++] = made;
                break;
        case CLIENT_ROOM:
                lists[n++] = group_defaults;
                lists[n++] = reader_defaults;
                if (rd_kafka_version() >= LIBRDKAFKA_FETCH_BACKOFF)
                        lists[n++] = fetch_backoff_defaults;
                lists[n++] = room_defaults;
                break;
        case CLIENT_SAMPLER:
        case CLIENT_PLACE: /* its admin requests name the group they are about */
                lists[n++] = sampler_defaults;
                break;
        }
        made[1]  = (struct kafka_property){NULL, NULL};
        lists[n] = NULL;
}

/* ---- callbacks ------------------------------------------------------------ */

/* Errors not worth retrying: wrong credentials stay wrong. A certificate
 * that fails verification too, but only while starting: later it may be
 * a broker's certificate being replaced. */
static int is_fatal(rd_kafka_resp_err_t err, int startup)
{
        return err == RD_KAFKA_RESP_ERR__FATAL || err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
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

/* Called from rd_kafka_poll() and friends, in the main thread. */
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
        struct client *cl = opaque;
        rd_kafka_resp_err_t code = (rd_kafka_resp_err_t)err;
        char fatal_reason[512];

        if (code == RD_KAFKA_RESP_ERR__FATAL) {
                code   = rd_kafka_fatal_error(rk, fatal_reason, sizeof(fatal_reason));
                reason = fatal_reason;
                cl->fatal = 1;
        }
        if (is_fatal(code, cl->startup))
                cl->fatal = 1;

        /* "All brokers are down" says less than the connect failure that
         * caused it: keep that one for the final message. */
        if (code != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || cl->error == RD_KAFKA_RESP_ERR_NO_ERROR) {
                cl->error = code;
                snprintf(cl->reason, sizeof(cl->reason), "%s", reason);
        }

        if (cl->startup)
                return; /* client_wait_ready() words the outcome */
        if (cl->verbose >= 1 || cl->fatal ||
            (cl->verbose >= 0 && code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN))
                diag_say(cl->voice, DIAG_WARNING, "kafka: %s", reason);
}

/* Called by OpenSSL (through librdkafka's threads) for each certificate of
 * the broker's chain: verification is OpenSSL's, we only keep its verdict
 * to say why a handshake failed. */
static int on_certificate(rd_kafka_t *rk, const char *broker, int32_t broker_id,
                          int *x509_error, int depth, const char *der, size_t size,
                          char *errstr, size_t errstr_size, void *opaque)
{
        struct client *cl = opaque;

        (void)rk;
        (void)broker;
        (void)broker_id;
        (void)depth;
        (void)der;
        (void)size;
        if (*x509_error == 0)
                return 1;
        atomic_store(&cl->certificate_error, *x509_error);
        snprintf(errstr, errstr_size, "%s", certificate_problem(*x509_error));
        return 0;
}

/* librdkafka's own log, from its threads: only at -vv, always on stderr
 * (a thread must not touch the chat's screen). */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *line)
{
        const struct client *cl = rd_kafka_opaque(rk);
        struct timespec now;

        if (!cl || cl->verbose < 2)
                return;
        clock_gettime(CLOCK_REALTIME, &now);
        diag_note("%lld.%03ld librdkafka %d %s: %s", (long long)now.tv_sec,
                  now.tv_nsec / 1000000, level, fac, line);
}

/* A group member's rebalances where the program has no callback of its
 * own: it takes and gives up what the group says. */
static void let_go(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                   void *opaque)
{
        char errstr[512];

        (void)opaque;
        (void)client_rebalance(rk, err, parts, errstr, sizeof(errstr)); /* nothing to read */
}

/* Every rebalance, counted, then served by the program's callback. */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
        struct client *cl = opaque;

        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
                cl->assigned++;
        cl->on_rebalance(rk, err, parts, opaque);
}

/*
 * librdkafka before 2.2 aborts when it destroys a cooperative-sticky
 * member whose group answered its JoinGroup but not yet its SyncGroup: the
 * assignor is chosen by the first answer, its state made by the second,
 * and the group's destructor asserts the state (librdkafka issue 4312,
 * fixed by its pull request 4381 in 2.2.0). A chat hung up while it
 * entered its room died so. The rebalance protocol librdkafka reports is
 * NONE until the assignor is chosen, and the first assignment comes after
 * the state is made: between the two, the member is waited for.
 */
#define LIBRDKAFKA_ASSIGNOR_STATE_FIXED 0x02020000 /* 2.2.0 */

static int between_join_and_sync(struct client *cl)
{
        const char *protocol;

        if (rd_kafka_version() >= LIBRDKAFKA_ASSIGNOR_STATE_FIXED || cl->assigned)
                return 0;
        protocol = rd_kafka_rebalance_protocol(cl->rk); /* NULL: no group */
        return protocol && !strcmp(protocol, "COOPERATIVE");
}

/* Serves the group until its first assignment, or until the deadline.
 * Records that come meanwhile are dropped: nobody will show them. */
static void wait_for_sync(struct client *cl, const struct deadline *until)
{
        while (between_join_and_sync(cl) && !deadline_passed(until)) {
                rd_kafka_message_t *msg =
                        rd_kafka_consumer_poll(cl->rk, deadline_slice(until, DEADLINE_SLICE_MS));

                if (msg)
                        rd_kafka_message_destroy(msg);
        }
}

/* ---- the factory ------------------------------------------------------------- */

static const char *const role_names[] = {
        [CLIENT_PRODUCER] = "producer",
        [CLIENT_READER]   = "consumer",
        [CLIENT_ROOM]     = "room reader",
        [CLIENT_SAMPLER]  = "room lister",
        [CLIENT_PLACE]    = "client for your place",
};
_Static_assert(sizeof(role_names) / sizeof(role_names[0]) == CLIENT_PLACE + 1,
               "a name for every role (CLIENT_PLACE is the last)");

/* Sets a list of properties a role needs after the user's settings. */
static int force(rd_kafka_conf_t *conf, const struct kafka_property *list, enum client_role role)
{
        for (; list && list->key; list++)
                if (config_set(conf, list->key, list->value, role_names[role]) == -1)
                        return -1;
        return 0;
}

int client_open(struct client *cl, const struct client_spec *spec, const struct config *cfg)
{
        const struct kafka_property *lists[MAX_LISTS];
        struct kafka_property made[2];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char text[32], errstr[512];
        /* The room's reader stays with the classic protocol, whatever the
         * user asks of the others. */
        int room              = spec->role == CLIENT_ROOM;
        int consumer_protocol = cfg->consumer_protocol && !room;

        memset(cl, 0, sizeof(*cl));
        cl->role         = spec->role;
        cl->on_rebalance = spec->on_rebalance ? spec->on_rebalance : let_go;
        cl->verbose = cfg->opts->verbose;
        cl->voice   = spec->voice;
        role_defaults(spec->role, cfg, lists, made, text, sizeof(text));
        for (int i = 0; lists[i]; i++)
                if (config_defaults(conf, lists[i], consumer_protocol) == -1)
                        goto error;
        if (config_defaults(conf, spec->defaults, consumer_protocol) == -1 ||
            config_apply(conf, cfg) == -1 || force(conf, spec->forced, spec->role) == -1 ||
            (room && force(conf, room_forced, spec->role) == -1) ||
            (room && rd_kafka_version() >= LIBRDKAFKA_GROUP_PROTOCOL &&
             force(conf, room_classic, spec->role) == -1))
                goto error;

        rd_kafka_conf_set_opaque(conf, cl);
        rd_kafka_conf_set_error_cb(conf, on_error);
        rd_kafka_conf_set_log_cb(conf, on_log);
        if (spec->on_delivery)
                rd_kafka_conf_set_dr_msg_cb(conf, spec->on_delivery);
        if (spec->on_rebalance)
                rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
        if (rd_kafka_conf_set_ssl_cert_verify_cb(conf, on_certificate) != RD_KAFKA_CONF_OK) {
                diag_say(cl->voice, DIAG_ERROR, "this librdkafka cannot verify TLS certificates");
                goto error;
        }
        /* rd_kafka_new() takes ownership of conf only when it succeeds. */
        cl->rk = rd_kafka_new(spec->role == CLIENT_PRODUCER ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER,
                              conf, errstr, sizeof(errstr));
        if (!cl->rk) {
                diag_say(cl->voice, DIAG_ERROR, "cannot create the %s: %s",
                         role_names[spec->role], errstr);
                goto error;
        }
        cl->left = spec->role == CLIENT_PRODUCER;
        return 0;

error:
        rd_kafka_conf_destroy(conf);
        return -1;
}

/* How long a consumer caught between its group's JoinGroup and SyncGroup
 * answers waits for the second before it is destroyed, in ms (another
 * stop signal cuts it short). */
#define SYNC_GRACE_MS 10000

void client_destroy(struct client *cl)
{
        struct deadline grace = deadline_in(SYNC_GRACE_MS);

        if (!cl->rk)
                return;
        /* Not after a close (left or leaving): client_leave() waited, and
         * librdkafka answers no more questions of a closed group. */
        if (!cl->leaving)
                wait_for_sync(cl, &grace);
        if (!cl->leaving && between_join_and_sync(cl)) {
                /* Destroying would abort: the process's exit ends it. */
                if (cl->verbose >= 1)
                        diag_say(cl->voice, DIAG_NOTE,
                                 "the group has not answered: librdkafka %s cannot be "
                                 "closed before it has (its issue 4312)",
                                 rd_kafka_version_str());
        } else {
                rd_kafka_destroy_flags(cl->rk, cl->left ? 0 : RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
        }
        cl->rk = NULL;
}

/* ---- waiting for the first broker --------------------------------------------- */

/* Whether metadata shows the topic usable: no error, partitions known.
 * Otherwise *err says why not. */
static int topic_ready(const struct rd_kafka_metadata *md, rd_kafka_resp_err_t *err)
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

/* The configured bootstrap.servers, for messages. */
static const char *bootstrap(rd_kafka_t *rk, char *buf, size_t size)
{
        if (rd_kafka_conf_get(rd_kafka_conf(rk), "bootstrap.servers", buf, &size) !=
            RD_KAFKA_CONF_OK)
                snprintf(buf, size, "(unknown)");
        return buf;
}

/* The one line for an error that ended the start: for authentication it
 * names the mechanism and the user (never the password), for TLS what was
 * wrong with the certificate. */
static void say_fatal(const struct client *cl, const char *servers)
{
        const rd_kafka_conf_t *conf = rd_kafka_conf(cl->rk);
        char mechanism[64] = "?", user[256] = "?";
        size_t size;
        int x509_error = atomic_load(&cl->certificate_error);

        if (cl->error == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
                size = sizeof(mechanism);
                (void)rd_kafka_conf_get(conf, "sasl.mechanisms", mechanism, &size); /* or "?" */
                size = sizeof(user);
                if (rd_kafka_conf_get(conf, "sasl.username", user, &size) != RD_KAFKA_CONF_OK ||
                    !*user)
                        snprintf(user, sizeof(user), "(none)");
                diag_say(cl->voice, DIAG_ERROR,
                         "authentication failed at %s (SASL %s, user '%s'): %s%s", servers,
                         mechanism, user, cl->reason, scram_hint(mechanism));
        } else if (cl->error == RD_KAFKA_RESP_ERR__SSL && x509_error) {
                diag_say(cl->voice, DIAG_ERROR, "TLS handshake with %s failed: %s: %s", servers,
                         certificate_problem(x509_error), cl->reason);
        } else {
                diag_say(cl->voice, DIAG_ERROR, "cannot use Kafka at %s: %s", servers,
                         cl->reason);
        }
}

int client_wait_ready(struct client *cl, const char *topic, int timeout_ms, int *partitions)
{
        struct deadline until = deadline_in(timeout_ms);
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
        rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_NO_ERROR;
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(cl->rk, topic, NULL);
        char servers[512];
        int ready = 0, reached = 0; /* reached: some broker answered */

        if (!rkt) {
                diag_say(cl->voice, DIAG_ERROR, "topic '%s': %s", topic,
                         rd_kafka_err2str(rd_kafka_last_error()));
                return -1;
        }

        cl->startup = 1;
        while (!ready && !stop_signal && !cl->fatal && !deadline_passed(&until)) {
                const struct rd_kafka_metadata *md;

                /* Short slices, so that signals and fatal errors are seen. */
                err = rd_kafka_metadata(cl->rk, 0 /* just this topic */, rkt, &md,
                                        deadline_slice(&until, 500));
                rd_kafka_poll(cl->rk, 0); /* serve on_error */
                if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                        reached = 1;
                        ready   = topic_ready(md, &topic_err);
                        if (ready)
                                *partitions = md->topics[0].partition_cnt;
                        rd_kafka_metadata_destroy(md);
                        if (!ready)
                                rd_kafka_poll(cl->rk, 100); /* being created: wait a bit */
                }
        }
        cl->startup = 0;
        rd_kafka_topic_destroy(rkt);
        if (ready) {
                cl->error = RD_KAFKA_RESP_ERR_NO_ERROR;
                return 0;
        }
        if (stop_signal)
                return -1;

        bootstrap(cl->rk, servers, sizeof(servers));
        if (cl->fatal)
                say_fatal(cl, servers);
        else if (reached)
                diag_say(cl->voice, DIAG_ERROR, "topic '%s' is not available at %s: %s", topic,
                         servers, rd_kafka_err2str(topic_err));
        else
                diag_say(cl->voice, DIAG_ERROR, "cannot reach Kafka at %s within %d s: %s",
                         servers, (timeout_ms + 999) / 1000,
                         cl->error ? cl->reason : rd_kafka_err2str(err));
        return -1;
}

/* ---- producing ------------------------------------------------------------------ */

/* One try; -1 and rd_kafka_last_error() style: the error. */
static rd_kafka_resp_err_t produce_once(struct client *cl, const char *topic, int32_t partition,
                                        const void *value, size_t len,
                                        const struct client_header *header, void *opaque)
{
        if (!header)
                return rd_kafka_producev(cl->rk, RD_KAFKA_V_TOPIC(topic),
                                         RD_KAFKA_V_PARTITION(partition),
                                         RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                         RD_KAFKA_V_VALUE((void *)value, len),
                                         RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
        return rd_kafka_producev(cl->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_VALUE((void *)value, len),
                                 RD_KAFKA_V_HEADER(header->name, header->value,
                                                   (ssize_t)header->len),
                                 RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
}

rd_kafka_resp_err_t client_produce(struct client *cl, const char *topic, int32_t partition,
                                   const void *value, size_t len,
                                   const struct client_header *header, void *opaque)
{
        rd_kafka_resp_err_t err;

        while ((err = produce_once(cl, topic, partition, value, len, header, opaque))) {
                /* Asked to stop while waiting for room: this one was not
                 * sent (what is queued still will be). */
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || stop_signal)
                        return err;
                rd_kafka_poll(cl->rk, 100 /* ms, then try again */);
        }
        rd_kafka_poll(cl->rk, 0); /* serve delivery reports as we go */
        return RD_KAFKA_RESP_ERR_NO_ERROR;
}

void client_drain(struct client *cl, const struct deadline *until, int tell)
{
        if (tell && rd_kafka_outq_len(cl->rk) > 0)
                diag_say(cl->voice, DIAG_NOTE,
                         "delivering %d line(s) still on their way; Ctrl-C gives up",
                         rd_kafka_outq_len(cl->rk));
        while (rd_kafka_outq_len(cl->rk) > 0 && !deadline_passed(until))
                rd_kafka_flush(cl->rk, deadline_slice(until, DEADLINE_SLICE_MS));

        /* What is left is reported as failed, through the delivery report
         * callback, by the poll after the purge. */
        if (rd_kafka_purge(cl->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
                diag_say(cl->voice, DIAG_WARNING,
                         "cannot purge the queue: what is left counts as undelivered");
        rd_kafka_poll(cl->rk, 0);
}

/* ---- consumers ------------------------------------------------------------------ */

rd_kafka_resp_err_t client_commit(struct client *cl,
                                  const rd_kafka_topic_partition_list_t *offsets,
                                  const struct deadline *until)
{
        rd_kafka_queue_t *answer = rd_kafka_queue_new(cl->rk);
        rd_kafka_event_t *ev = NULL;
        rd_kafka_resp_err_t err;

        err = rd_kafka_commit_queue(cl->rk, offsets, answer, NULL, NULL);
        while (!err && !ev && !deadline_passed(until))
                ev = rd_kafka_queue_poll(answer, deadline_slice(until, DEADLINE_SLICE_MS));
        if (!err)
                err = ev ? rd_kafka_event_error(ev) : RD_KAFKA_RESP_ERR__TIMED_OUT;
        if (ev)
                rd_kafka_event_destroy(ev);
        rd_kafka_queue_destroy(answer);
        return err;
}

rd_kafka_resp_err_t client_leave(struct client *cl, const struct deadline *until)
{
        rd_kafka_queue_t *events;
        rd_kafka_error_t *error;
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;

        /* No time to leave: client_destroy() then drops the client without
         * waiting for the group. A leave once begun is waited for by
         * librdkafka's destroy (its LeaveGroup for up to 5 s, and a
         * rebalance we never served for good), so it is begun only with
         * time to see it through. */
        wait_for_sync(cl, until); /* see between_join_and_sync() */
        if (deadline_passed(until) || between_join_and_sync(cl))
                return RD_KAFKA_RESP_ERR__TIMED_OUT;
        /* A rebalance librdkafka has handed us and we have not served yet
         * is served first: one that meets the close is never done
         * (librdkafka 2.0.2 takes the late assign call for an unassign and
         * goes on waiting for it until the deadline). What comes with it
         * is dropped, as below. */
        for (rd_kafka_message_t *msg; (msg = rd_kafka_consumer_poll(cl->rk, 0));)
                rd_kafka_message_destroy(msg);
        events      = rd_kafka_queue_new(cl->rk);
        cl->leaving = 1;
        /* librdkafka (2.0.2 to 2.14.2 at least) closes a cooperative member
         * that holds none of its group's partitions without a LeaveGroup:
         * terminating, it skips the rejoin that would send one
         * (rdkafka_cgrp.c, rd_kafka_cgrp_revoke_all_rejoin()), and the group
         * learns of the leave only when the session times out. Most of a
         * room's members hold none (a room has few partitions), and a /quit
         * was told to the others after 10 s instead of 2. Unsubscribing
         * first leaves in any case (with partitions: once they are given
         * back, as the close would); the close finds the leave on its way
         * and waits for its answer. consumer_chat's groups need not: a
         * member without partitions that leaves late costs them nothing. */
        if (cl->role == CLIENT_ROOM)
                (void)rd_kafka_unsubscribe(cl->rk); /* if it fails, the close still leaves */
        error = rd_kafka_consumer_close_queue(cl->rk, events);
        if (error) {
                err = rd_kafka_error_code(error);
                rd_kafka_error_destroy(error);
        }
        /* The group's last rebalance comes as an event: our callback lets
         * the partitions go (storing what was shown first). Records that
         * still come are dropped: nobody will show them. Past the deadline,
         * what already came is still served. */
        while (!err && !rd_kafka_consumer_closed(cl->rk)) {
                int passed = deadline_passed(until);
                rd_kafka_event_t *ev = rd_kafka_queue_poll(
                        events, passed ? 0 : deadline_slice(until, DEADLINE_SLICE_MS));

                if (ev && rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE)
                        on_rebalance(cl->rk, rd_kafka_event_error(ev),
                                     rd_kafka_event_topic_partition_list(ev), cl);
                if (ev)
                        rd_kafka_event_destroy(ev);
                else if (passed)
                        err = RD_KAFKA_RESP_ERR__TIMED_OUT;
        }
        rd_kafka_queue_destroy(events);
        cl->left = !err;
        return err;
}

int client_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
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

/* Errors of a question to a partition's leader that pass once the
 * partition has a leader again and it has caught up. */
static int leader_on_its_way(rd_kafka_resp_err_t err)
{
        if (err == CLIENT_ERR_BROKER_LEFT) /* not in every librdkafka's enum */
                return 1;
        switch (err) {
        case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
        case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
        case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
        case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART: /* a broker back before its metadata */
        case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
        case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
        case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
        case RD_KAFKA_RESP_ERR__TRANSPORT:
        case RD_KAFKA_RESP_ERR__TIMED_OUT:
        case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
        case RD_KAFKA_RESP_ERR__NODE_UPDATE:
                return 1;
        default:
                return 0;
        }
}

/* How long one question waits for its answer, in ms: a frozen leader
 * keeps it until then, and the next one may find the new leader. */
#define WATERMARKS_ASK_MS 2000

/* Asks the cluster who leads the topic's partitions now: librdkafka asks
 * again by itself only for partitions it reads or writes, and until then
 * names a dead broker leader. */
static void learn_leaders(rd_kafka_t *rk, const char *topic, const struct deadline *until)
{
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
        const struct rd_kafka_metadata *md;

        if (!rkt)
                return;
        if (rd_kafka_metadata(rk, 0, rkt, &md, deadline_slice(until, WATERMARKS_ASK_MS)) ==
            RD_KAFKA_RESP_ERR_NO_ERROR)
                rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(rkt);
}

/* One question to a partition's leader: where it begins (*offset
 * RD_KAFKA_OFFSET_BEGINNING) or ends (RD_KAFKA_OFFSET_END), answered in
 * *offset. rd_kafka_offsets_for_times() keeps to its time limit, where
 * rd_kafka_query_watermark_offsets() waits for as long as librdkafka
 * retries (librdkafka 2.0.2: a minute and more for a dead leader). */
static rd_kafka_resp_err_t list_offset(rd_kafka_t *rk, const char *topic, int32_t partition,
                                       int64_t *offset, int timeout_ms)
{
        rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_add(parts, topic, partition);
        rd_kafka_resp_err_t err;

        tp->offset = *offset;
        err = rd_kafka_offsets_for_times(rk, parts, timeout_ms);
        if (!err)
                err = tp->err;
        if (!err)
                *offset = tp->offset;
        rd_kafka_topic_partition_list_destroy(parts);
        return err;
}

rd_kafka_resp_err_t client_watermarks(rd_kafka_t *rk, const char *topic, int32_t partition,
                                      int64_t *low, int64_t *high, const struct deadline *until)
{
        int pause_ms = 50;
        rd_kafka_resp_err_t err;

        for (;;) {
                int ask_ms = deadline_slice(until, WATERMARKS_ASK_MS);

                *low  = RD_KAFKA_OFFSET_BEGINNING;
                *high = RD_KAFKA_OFFSET_END;
                err   = list_offset(rk, topic, partition, low, ask_ms);
                if (!err)
                        err = list_offset(rk, topic, partition, high, ask_ms);
                if (!err || !leader_on_its_way(err) || deadline_pause(&pause_ms, until) == -1)
                        return err;
                learn_leaders(rk, topic, until);
        }
}

size_t client_conf_number(const struct client *cl, const char *key)
{
        char value[32];
        size_t size = sizeof(value);

        if (rd_kafka_conf_get(rd_kafka_conf(cl->rk), key, value, &size) != RD_KAFKA_CONF_OK)
                return 0;
        return (size_t)strtoull(value, NULL, 10);
}
