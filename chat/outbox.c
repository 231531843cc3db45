#include "outbox.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "../common/deadline.h"
#include "../common/display.h"
#include "../common/pytime.h"
#include "../common/record.h"

#define DELIVERED_MARK " ✓"
#define FAILED_MARK " ✗"

/* A line of ours on its way to the broker: the delivery report shows it. */
struct line {
        struct line *next;     /* in outbox.in_flight */
        double time;
        size_t len;
        char text[];           /* not NUL-terminated */
};

/* A line of our own, with its mark, as others see it. */
static void show(struct outbox *ob, const struct line *line, const char *mark)
{
        char when[PYTIME_TEXT_MAX];

        if (pytime_format(line->time, when) == -1)
                snprintf(when, sizeof(when), "?");
        lines_own(&ob->screen->lines, when, line->text, line->len, mark,
                  !strcmp(mark, FAILED_MARK));
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
        struct outbox *ob = container_of((struct client *)opaque, struct outbox, client);
        struct line *line = msg->_private;

        (void)rk;
        for (struct line **p = &ob->in_flight; *p; p = &(*p)->next)
                if (*p == line) {
                        *p = line->next;
                        break;
                }
        if (msg->err) {
                ob->failed++;
                show(ob, line, FAILED_MARK);
                output_str(&ob->screen->out, "   (");
                output_str(&ob->screen->out, rd_kafka_err2str(msg->err));
                output_str(&ob->screen->out, ")\n");
        } else {
                show(ob, line, DELIVERED_MARK);
        }
        screen_show(ob->screen);
        free(line);
        ob->idle_since_ms = deadline_now_ms();
}

int outbox_open(struct outbox *ob, const struct config *cfg, const char *name,
                struct screen *screen)
{
        memset(ob, 0, sizeof(*ob));
        ob->cfg       = cfg;
        ob->wake_fd   = -1;
        ob->screen    = screen;
        ob->name      = name;
        ob->partition = cfg->opts->partition;
        /* Not a secret, only unlikely to be anyone else's. */
        if (getrandom(ob->id, sizeof(ob->id), 0) != (ssize_t)sizeof(ob->id)) {
                diag_say(&screen->voice, DIAG_ERROR, "cannot make an id: %m");
                return -1;
        }
        return 0;
}

/* The producer, made if there is none. Returns 0, or -1 after saying why. */
static int producer(struct outbox *ob)
{
        static const struct kafka_property defaults[] = {
                {"client.id", "kafka-chat"},
                {NULL, NULL},
        };
        const struct client_spec spec = {
                .role        = CLIENT_PRODUCER,
                .defaults    = defaults,
                .on_delivery = on_delivery,
                .voice       = &ob->screen->voice,
        };
        rd_kafka_queue_t *main_queue;

        if (ob->client.rk)
                return 0;
        if (client_open(&ob->client, &spec, ob->cfg) == -1)
                return -1;
        if (ob->wake_fd != -1) {
                main_queue = rd_kafka_queue_get_main(ob->client.rk);
                rd_kafka_queue_io_event_enable(main_queue, ob->wake_fd, "!", 1);
                rd_kafka_queue_destroy(main_queue);
        }
        return 0;
}

void outbox_wake(struct outbox *ob, int fd)
{
        ob->wake_fd = fd;
}

void outbox_send(struct outbox *ob, const char *topic, const char *text, struct vault *vault)
{
        const struct client_header id = {OUTBOX_HEADER, ob->id, sizeof(ob->id)};
        size_t len = strlen(text);
        struct line *line = malloc(sizeof(*line) + len);
        rd_kafka_resp_err_t err;

        if (!line) {
                diag_say(&ob->screen->voice, DIAG_ERROR, "out of memory: not sent");
                ob->failed++;
                return;
        }
        line->time = pytime_now();
        line->len  = len;
        memcpy(line->text, text, len);

        buf_clear(&ob->value);
        if ((vault ? vault_seal(vault, topic, text, len, line->time, ob->name, &ob->value)
                   : record_encode(&ob->value, text, len, line->time, ob->name)) == -1 ||
            producer(ob) == -1)
                err = RD_KAFKA_RESP_ERR__FAIL; /* out of memory, or no producer: said */
        else
                err = client_produce(&ob->client, topic, ob->partition, ob->value.data,
                                     ob->value.len, &id, line);
        if (!err) {
                line->next    = ob->in_flight;
                ob->in_flight = line;
                return;
        }
        ob->failed++;
        show(ob, line, FAILED_MARK);
        screen_show(ob->screen);
        free(line);
}

int outbox_is_own(const struct outbox *ob, const rd_kafka_message_t *msg)
{
        rd_kafka_headers_t *headers;
        const void *value;
        size_t size;

        return rd_kafka_message_headers(msg, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
               rd_kafka_header_get_last(headers, OUTBOX_HEADER, &value, &size) ==
                       RD_KAFKA_RESP_ERR_NO_ERROR &&
               size == sizeof(ob->id) && memcmp(value, ob->id, size) == 0;
}

int outbox_next_ms(const struct outbox *ob)
{
        long long left;

        if (!ob->client.rk || ob->in_flight)
                return -1;
        left = ob->idle_since_ms + OUTBOX_IDLE_MS - deadline_now_ms();
        return left <= 0 ? 0 : (int)left;
}

void outbox_serve(struct outbox *ob)
{
        if (!ob->client.rk)
                return;
        rd_kafka_poll(ob->client.rk, 0);
        /* Nothing on its way for a while: no producer until the next line. */
        if (outbox_next_ms(ob) == 0 && rd_kafka_outq_len(ob->client.rk) == 0)
                client_destroy(&ob->client);
}

void outbox_drain(struct outbox *ob, const struct deadline *until, int quiet)
{
        if (ob->client.rk)
                client_drain(&ob->client, until, !quiet);
}

void outbox_close(struct outbox *ob)
{
        client_destroy(&ob->client); /* after outbox_drain(): nothing in flight */
        while (ob->in_flight) {
                struct line *next = ob->in_flight->next;

                free(ob->in_flight);
                ob->in_flight = next;
        }
        buf_free(&ob->value);
}
