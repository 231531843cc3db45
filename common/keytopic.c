#include "keytopic.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <librdkafka/rdkafka.h>

#include "client.h"
#include "deadline.h"
#include "pyjson.h"
#include "rooms.h"

/* Records read at most: a compacted topic holds one per name. */
#define KEYTOPIC_MAX 100000

struct reading {
        struct trust *t;
        const struct voice *voice;
        const char *me;          /* your name */
        int mine;                /* your key is published */
        int other;               /* another key is, for your name */
};

/* One published key: noted, the first for each name (pinned once a line
 * of that name is met); warned about if it differs from a pin. Anything
 * that is not a proven key is skipped. */
static void read_key(void *ctx, const rd_kafka_message_t *msg)
{
        struct reading *r = ctx;
        unsigned char key[SEAL_PUBLIC_BYTES], proof[SEAL_SIGNATURE_BYTES];
        char got[SEAL_FINGERPRINT_MAX], pinned[SEAL_FINGERPRINT_MAX];
        json_t *root = json_loadb(msg->payload, msg->payload ? msg->len : 0, 0, NULL);
        const json_t *name = json_object_get(root, "name"), *k = json_object_get(root, "key"),
                     *p = json_object_get(root, "proof");
        const unsigned char *pin;
        const char *n;
        size_t len;

        if (!json_is_string(name) || !json_is_string(k) || !json_is_string(p))
                goto out;
        n   = json_string_value(name);
        len = json_string_length(name);
        if (!len || memchr(n, '\0', len) || msg->key_len != len || memcmp(msg->key, n, len) ||
            seal_unbase64(key, sizeof(key), json_string_value(k), json_string_length(k)) ||
            seal_unbase64(proof, sizeof(proof), json_string_value(p), json_string_length(p)) ||
            !seal_proven(proof, key, n, len))
                goto out;
        if (strlen(r->me) == len && !memcmp(r->me, n, len)) {
                if (r->t->me.seed && !memcmp(key, r->t->me.keys.public_key, sizeof(key)))
                        r->mine = 1;
                else
                        r->other = 1;
        }
        pin = pins_find(&r->t->pins, n, len);
        if (!pin) {
                if (pins_publish(&r->t->pins, n, len, key) == -1)
                        diag_say(r->voice, DIAG_ERROR, "out of memory");
        } else if (memcmp(pin, key, sizeof(key))) {
                seal_fingerprint(key, got);
                seal_fingerprint(pin, pinned);
                diag_say(r->voice, DIAG_WARNING,
                         "WARNING: " KEYTOPIC " [%d] offset %lld: another key is published for "
                         "'%.*s' (%s) than the one pinned for that name (%s): its lines are "
                         "not shown; compare fingerprints in person (/verify)",
                         (int)msg->partition, (long long)msg->offset, (int)len, n, got, pinned);
        }
out:
        json_decref(root);
}

/* The record of your key: {"name": ..., "key": ..., "proof": ...}.
 * Returns 0, or -1 when out of memory. */
static int key_record(struct buf *out, const struct identity *me, const char *name)
{
        unsigned char proof[SEAL_SIGNATURE_BYTES];

        return seal_prove(proof, &me->keys, name, strlen(name)) == -1 ||
                               buf_append_str(out, "{\"name\": ") == -1 ||
                               pyjson_append_string(out, name, strlen(name)) == -1 ||
                               buf_append_str(out, ", \"key\": \"") == -1 ||
                               seal_base64(out, me->keys.public_key, SEAL_PUBLIC_BYTES) == -1 ||
                               buf_append_str(out, "\", \"proof\": \"") == -1 ||
                               seal_base64(out, proof, sizeof(proof)) == -1 ||
                               buf_append_str(out, "\"}") == -1
                       ? -1
                       : 0;
}

/* Makes the topic, compacted (it may be there: fine). Returns the error. */
static rd_kafka_resp_err_t create_topic(rd_kafka_t *rk, int timeout_ms, char *errstr,
                                        size_t size)
{
        rd_kafka_NewTopic_t *topic = rd_kafka_NewTopic_new(KEYTOPIC, 1, -1 /* the broker's */,
                                                           errstr, size);
        rd_kafka_AdminOptions_t *options =
                rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
        rd_kafka_queue_t *answers = rd_kafka_queue_new(rk);
        rd_kafka_event_t *answer = NULL;
        const rd_kafka_topic_result_t **results;
        size_t count;
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__FAIL;

        if (!topic || !options || !answers ||
            rd_kafka_NewTopic_set_config(topic, "cleanup.policy", "compact") ||
            rd_kafka_AdminOptions_set_request_timeout(options, timeout_ms, errstr, size))
                goto out;
        rd_kafka_CreateTopics(rk, &topic, 1, options, answers);
        answer = rd_kafka_queue_poll(answers, timeout_ms + 1000);
        err    = RD_KAFKA_RESP_ERR__TIMED_OUT;
        if (!answer)
                goto out;
        err = rd_kafka_event_error(answer);
        snprintf(errstr, size, "%s", rd_kafka_event_error_string(answer));
        results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(answer),
                                                      &count);
        if (!err && count == 1) {
                err = rd_kafka_topic_result_error(results[0]);
                snprintf(errstr, size, "%s", rd_kafka_topic_result_error_string(results[0])
                                                     ? rd_kafka_topic_result_error_string(results[0])
                                                     : rd_kafka_err2str(err));
        }
out:
        if (answer)
                rd_kafka_event_destroy(answer);
        if (answers)
                rd_kafka_queue_destroy(answers);
        if (options)
                rd_kafka_AdminOptions_destroy(options);
        if (topic)
                rd_kafka_NewTopic_destroy(topic);
        return err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS ? RD_KAFKA_RESP_ERR_NO_ERROR : err;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
        struct client *cl = opaque;

        (void)rk;
        if (msg->err)
                cl->failed++;
        else
                cl->delivered++;
        cl->error = msg->err;
}

/* Publishes your key under name. Returns 0, or -1 after saying why. */
static int publish(const struct config *cfg, const struct voice *voice, const struct identity *me,
                   const char *name, int timeout_ms)
{
        static const struct kafka_property defaults[] = {{"client.id", "kafka-chat"},
                                                         {NULL, NULL}};
        const struct client_spec spec = {.role        = CLIENT_PRODUCER,
                                         .defaults    = defaults,
                                         .on_delivery = on_delivery,
                                         .voice       = voice};
        struct deadline until = deadline_in(timeout_ms);
        struct client cl;
        struct buf value = BUF_INIT;
        char errstr[512] = "";
        rd_kafka_resp_err_t err;
        int status = -1;

        if (client_open(&cl, &spec, cfg) == -1)
                return -1;
        cl.verbose = -1; /* its errors are ours to word */
        err        = create_topic(cl.rk, timeout_ms, errstr, sizeof(errstr));
        if (err && cfg->opts->verbose >= 1)
                diag_say(voice, DIAG_NOTE, "cannot make " KEYTOPIC " compacted: %s", errstr);
        if (key_record(&value, me, name) == -1) {
                diag_say(voice, DIAG_ERROR, "out of memory");
                goto out;
        }
        err = rd_kafka_producev(cl.rk, RD_KAFKA_V_TOPIC(KEYTOPIC),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_KEY((void *)name, strlen(name)),
                                RD_KAFKA_V_VALUE(value.data, value.len), RD_KAFKA_V_END);
        if (!err) {
                client_drain(&cl, &until, 0);
                err = cl.delivered ? RD_KAFKA_RESP_ERR_NO_ERROR : cl.error;
        }
        if (err)
                diag_say(voice, DIAG_WARNING, "cannot publish your key on " KEYTOPIC ": %s",
                         rd_kafka_err2str(err));
        else
                status = 0;
out:
        buf_free(&value);
        client_destroy(&cl);
        return status;
}

int keytopic_sync(const struct config *cfg, const struct voice *voice, struct trust *t,
                  const char *name, int timeout_ms)
{
        struct reading r = {t, voice, name, 0, 0};
        char errstr[512];

        if (rooms_newest(cfg, voice, KEYTOPIC, -1, KEYTOPIC_MAX, timeout_ms, read_key, &r, errstr,
                         sizeof(errstr)) == -1) {
                diag_say(voice, DIAG_WARNING, "cannot read " KEYTOPIC ": %s", errstr);
                return -1;
        }
        if (r.other)
                diag_say(voice, DIAG_WARNING,
                         "WARNING: " KEYTOPIC " holds another key for your name '%s' than "
                         "yours: someone else may be using it",
                         name);
        if (r.mine || !t->me.seed)
                return 0;
        return publish(cfg, voice, &t->me, name, timeout_ms);
}
