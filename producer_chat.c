/*
 * producer_chat - send chat lines to Kafka.
 *
 * The C port of the seed's producerChat.py: every line read becomes one
 * record {"message": LINE, "time": UNIX_TIME}, byte for byte what the
 * Python original sends, and the line "exit" (any case) is sent and then
 * ends the program.
 *
 * On a terminal it behaves like the original: a banner, a "YOU: " prompt,
 * and each line delivered before the next prompt. From a pipe it lets
 * librdkafka batch, waits for room when the queue is full (never drops),
 * and delivers everything before it exits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "common/buf.h"
#include "common/diag.h"
#include "common/client.h"
#include "common/config.h"
#include "common/deadline.h"
#include "common/linereader.h"
#include "common/options.h"
#include "common/output.h"
#include "common/pytime.h"
#include "common/record.h"
#include "common/rooms.h"
#include "common/signals.h"
#include "common/vault.h"

/* Delivery failures listed one by one before we only count them. */
#define MAX_LISTED_FAILURES 10

/* How often a wait looks at the stop flag, in ms. */
#define WAIT_SLICE_MS 100

/* The newest records read for an encrypted room's salt. */
#define SALT_SAMPLE 16

static const struct program producer_program = {
        "producer_chat",
        "Send chat lines from standard input to a Kafka topic.",
        "Each line becomes one record {\"message\": LINE, \"time\": UNIX_TIME},\n"
        "byte for byte what the original producerChat.py sends. The line 'exit'\n"
        "(any case) is sent and then ends the program; so does the end of input.\n"
        "On a terminal it prompts 'YOU: ' and delivers each line before the next\n"
        "prompt; from a pipe or a file it sends in batches, without a prompt.\n"
        "Ctrl-C stops reading and delivers what was read (a second one gives up).\n"
        "Every line goes to one partition (-p), so the conversation keeps its order.\n"
        "With --key-file, the topic is an encrypted room: each line is sealed with\n"
        "its passphrase and signed with your identity key, --name (default: your\n"
        "login name) inside; the record says only that something was said, and when.",
        OPT_PARTITION | OPT_NAME,
        "  0  every line read was delivered\n"
        "  1  some line was not delivered (each one is reported on stderr)\n"
        "  2  usage error\n"
        "  3  could not use Kafka: unreachable, authentication or TLS failure,\n"
        "     or the topic is not available\n",
        NULL,
};

struct producer {
        struct client client;        /* the callbacks' opaque */
        const char *topic;
        struct output out;           /* standard output: the banner */
        struct output prompt;        /* where "YOU: " goes, see main() */
        struct buf value;            /* the record being sent */
        int interactive;             /* stdin is a terminal */
        int partition;               /* where every line goes */
        const char *sender;          /* --name, or NULL: no "sender" key */
        struct vault *vault;         /* --key-file: seals every line */
        size_t max_bytes;            /* message.max.bytes: the largest record */
        unsigned long not_sent;      /* lines refused before reaching the queue */
        rd_kafka_resp_err_t last_failure; /* of the last delivery report */
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg,
                        void *opaque)
{
        struct producer *p = container_of((struct client *)opaque, struct producer, client);
        unsigned long lineno = (unsigned long)(uintptr_t)msg->_private;

        (void)rk;
        p->last_failure = msg->err;
        if (!msg->err) {
                p->client.delivered++;
                return;
        }
        p->client.failed++;
        /* Interactively the main loop reports it, with the text. */
        if (p->interactive)
                return;
        if (p->client.failed <= MAX_LISTED_FAILURES)
                diag_error("line %lu not delivered: %s", lineno,
                           rd_kafka_err2str(msg->err));
        if (p->client.failed == MAX_LISTED_FAILURES)
                diag_error("more failures are counted, not listed");
}

/* Queues one line. Returns 0, or -1 if it could not be queued (reported,
 * and counted in not_sent). */
static int send_line(struct producer *p, const char *line, size_t len,
                     unsigned long lineno)
{
        rd_kafka_resp_err_t err;
        long replaced;

        buf_clear(&p->value);
        replaced = p->vault ? vault_seal(p->vault, p->topic, line, len, pytime_now(), p->sender,
                                         &p->value)
                            : record_encode(&p->value, line, len, pytime_now(), p->sender);
        if (replaced == -1) {
                diag_error("line %lu not sent: out of memory", lineno);
                goto error;
        }
        if (replaced > 0)
                diag_warn("line %lu: invalid UTF-8, %ld sequence%s sent as U+FFFD",
                          lineno, replaced, replaced == 1 ? "" : "s");

        err = client_produce(&p->client, p->topic, p->partition, p->value.data, p->value.len,
                             NULL, (void *)(uintptr_t)lineno);
        if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
                diag_error("line %lu not sent: its record is %zu bytes, "
                           "more than message.max.bytes (%zu)",
                           lineno, p->value.len, p->max_bytes);
                goto error;
        }
        if (err) {
                diag_error("line %lu not sent: %s", lineno, rd_kafka_err2str(err));
                goto error;
        }
        return 0;

error:
        p->not_sent++;
        return -1;
}

/* Waits until everything queued is delivered or failed, or until a stop
 * signal. Returns 0 when the queue is empty. */
static int wait_delivered(struct producer *p)
{
        while (rd_kafka_outq_len(p->client.rk) > 0) {
                if (stop_signal)
                        return -1;
                rd_kafka_flush(p->client.rk, WAIT_SLICE_MS);
        }
        return 0;
}

static void prompt(struct producer *p)
{
        if (!p->interactive)
                return;
        output_str(&p->prompt, "YOU: ");
        /* A terminal that went away stops no delivery: the result is moot. */
        (void)output_flush(&p->prompt);
}

/* Reads and sends lines until "exit", the end of input or a signal.
 * Returns the number of lines read. */
static unsigned long chat(struct producer *p, struct linereader *lr)
{
        prompt(p);
        while (!stop_signal) {
                const char *line;
                size_t len;
                enum linereader_result r;

                r = linereader_next(lr, WAIT_SLICE_MS, &line, &len);
                if (r == LINE_WAIT) {
                        rd_kafka_poll(p->client.rk, 0);
                        continue;
                }
                if (r == LINE_EOF || r == LINE_ERROR) {
                        if (r == LINE_ERROR)
                                diag_error("reading standard input: %m");
                        if (p->interactive)
                                output_str(&p->prompt, "\n"); /* end the prompt's line */
                        break;
                }
                if (r == LINE_TOO_LONG) {
                        diag_error("line %lu not sent: %zu bytes, more than "
                                   "message.max.bytes (%zu)", lr->lineno, len,
                                   p->max_bytes);
                        p->not_sent++;
                        prompt(p);
                        continue;
                }

                if (send_line(p, line, len, lr->lineno) == 0 && p->interactive &&
                    wait_delivered(p) == 0 && p->last_failure)
                        diag_error("not delivered: \"%.*s\": %s",
                                   len > 200 ? 200 : (int)len, line,
                                   rd_kafka_err2str(p->last_failure));

                if (record_is_exit(line, len))
                        break;
                prompt(p);
        }
        if (stop_signal && p->interactive)
                output_str(&p->prompt, "\n");
        (void)output_flush(&p->prompt); /* as in prompt() */
        return lr->lineno;
}

static void learn_salt(void *ctx, const rd_kafka_message_t *msg)
{
        struct producer *p = ctx;

        vault_learn(p->vault, p->topic, msg->payload, msg->len);
}

/* An encrypted room: the salt of its newest line we can open, so that
 * readers keep one key; the key to write with, before the first line.
 * Returns 0, or -1 after saying why. */
static int ready_to_seal(struct producer *p, const struct config *cfg)
{
        char errstr[512];

        if (rooms_newest(cfg, NULL, p->topic, p->partition, SALT_SAMPLE, cfg->opts->timeout_ms,
                         learn_salt, p, errstr, sizeof(errstr)) == -1 &&
            cfg->opts->verbose >= 0)
                diag_warn("cannot read the newest records of '%s' (%s): sealing with a new salt",
                          p->topic, errstr);
        return vault_ready(p->vault);
}

/* The client for the chat's lines. Returns 0, or -1 after saying why. */
static int open_producer(struct producer *p, const struct config *cfg)
{
        const struct kafka_property defaults[] = {
                {"client.id", "producer_chat"},
                /* A person waits for each line; a pipe wants batches. */
                {"linger.ms", p->interactive ? "0" : "5"},
                {NULL, NULL},
        };
        const struct client_spec spec = {
                .role        = CLIENT_PRODUCER,
                .defaults    = defaults,
                .on_delivery = on_delivery,
        };

        if (client_open(&p->client, &spec, cfg) == -1)
                return -1;
        p->max_bytes = client_conf_number(&p->client, "message.max.bytes");
        return 0;
}

int main(int argc, char **argv)
{
        struct options opts;
        struct config cfg = {0};
        struct producer p;
        struct linereader lr;
        struct trust trust = {0};
        struct vault vault = {0};
        struct deadline until;
        unsigned long lines, lost;
        int partitions;
        int status;

        memset(&p, 0, sizeof(p));
        memset(&lr, 0, sizeof(lr));

        status = options_parse(&opts, &producer_program, argc, argv);
        if (status != OPTIONS_RUN)
                return status;
        status        = EXIT_USAGE;
        p.interactive = isatty(STDIN_FILENO);
        p.topic       = opts.topic;
        p.partition   = opts.partition;
        p.sender      = opts.name;
        if (config_load(&cfg, &opts) == -1 ||
            (opts.key_file && (trust_load(&trust, 1, NULL) == -1 ||
                               vault_from_file(&vault, opts.key_file, &trust, NULL,
                                               opts.verbose) == -1)) ||
            open_producer(&p, &cfg) == -1)
                goto out;
        if (opts.key_file) { /* sealed lines are signed, and say whose */
                p.vault  = &vault;
                p.sender = opts.name ? opts.name : identity_login_name();
        }

        status = EXIT_FAILURE_RUN;
        output_init(&p.out, STDOUT_FILENO, ESCAPE_NEVER, NULL);
        /* CPython's input() writes its prompt to stderr when both stdin and
         * stdout are terminals, else to stdout. */
        output_init(&p.prompt, isatty(STDOUT_FILENO) ? STDERR_FILENO : STDOUT_FILENO,
                    ESCAPE_NEVER, NULL);
        if (signals_install() == -1 ||
            linereader_init(&lr, STDIN_FILENO, p.max_bytes) == -1) {
                diag_error("cannot set up: %m");
                goto out;
        }

        if (p.interactive) {
                output_str(&p.out, "채팅 프로그램 - 메시지 발신\n"
                                   "메시지를 입력하세요. (종료시 'exit' 입력)\n");
                (void)output_flush(&p.out); /* as in prompt() */
        }

        /* Like the seed's KafkaProducer(), fail early on a broker that is
         * not there, instead of after the first line. */
        if (client_wait_ready(&p.client, opts.topic, opts.timeout_ms, &partitions) == -1) {
                status = stop_signal ? EXIT_OK : EXIT_UNREACHABLE;
                goto out;
        }
        if (p.partition >= partitions) {
                diag_error("topic '%s' has no partition %d (it has %d)", opts.topic,
                           p.partition, partitions);
                status = EXIT_UNREACHABLE;
                goto out;
        }

        if (p.vault && ready_to_seal(&p, &cfg) == -1)
                goto out;

        lines = chat(&p, &lr);
        until = deadline_in(opts.timeout_ms);
        client_drain(&p.client, &until, stop_signal && opts.verbose >= 0);

        lost = p.client.failed + p.not_sent;
        if (lost > 0)
                diag_error("%lu of %lu line%s not delivered", lost, lines,
                           lines == 1 ? "" : "s");
        status = lost > 0 ? EXIT_FAILURE_RUN : EXIT_OK;

out:
        client_destroy(&p.client);
        vault_close(&vault);
        trust_free(&trust);
        linereader_free(&lr);
        buf_free(&p.value);
        output_free(&p.out);
        output_free(&p.prompt);
        config_free(&cfg);
        options_free(&opts);
        return status;
}
