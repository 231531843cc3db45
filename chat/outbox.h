/*
 * outbox - the lines you send: a producer, the lines on their way, and
 * their delivery marks.
 *
 * Each line is shown once the broker has it, as "[time][NAME] text ✓"
 * (or ✗ and the reason if it cannot be delivered within --timeout). The
 * same record read back from the room is not shown again: every record we
 * send carries a header with a random id of this process (no name in it;
 * JSON readers, the seed included, never see headers), so ours are known
 * exactly, also before their delivery reports come.
 */
#ifndef KC_CHAT_OUTBOX_H
#define KC_CHAT_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "../common/buf.h"
#include "../common/client.h"
#include "../common/config.h"
#include "../common/vault.h"
#include "screen.h"

/* The header of our records, and the length of its random value. */
#define OUTBOX_HEADER "kafka-chat-id"
#define OUTBOX_ID_LEN 16

/* How long a producer with nothing to deliver stays, in ms: an idle chat
 * has none (its threads cost more than all the rest of an idle chat), and
 * the next line makes one again (a few ms). */
#define OUTBOX_IDLE_MS 30000

struct outbox {
        struct client client;           /* a producer while there are lines to
                                         * send (client.rk); its callbacks' opaque */
        const struct config *cfg;       /* what it is made from */
        int wake_fd;                    /* where it wakes the loop, or -1 */
        long long idle_since_ms;        /* when its last line got its mark */
        struct screen *screen;          /* where delivery marks show */
        const char *name;               /* the records' sender */
        int32_t partition;              /* -p: where every line goes */
        unsigned char id[OUTBOX_ID_LEN];
        struct line *in_flight;         /* lines whose report has not come */
        unsigned long failed;           /* lines not delivered */
        struct buf value;               /* the record being sent */
};

/* Sets the outbox up (its producer comes with the first line). Returns 0,
 * or -1 after saying why. */
int outbox_open(struct outbox *ob, const struct config *cfg, const char *name,
                struct screen *screen);

/* Makes the fd readable when delivery reports or warnings wait. */
void outbox_wake(struct outbox *ob, int fd);

/* Milliseconds until outbox_serve() lets an idle producer go, or -1. */
int outbox_next_ms(const struct outbox *ob);

/* Sends text to topic, sealed with vault if it is not NULL (an encrypted
 * room); its mark shows when the report comes. */
void outbox_send(struct outbox *ob, const char *topic, const char *text, struct vault *vault);

/* Whether msg is a record this process sent. */
int outbox_is_own(const struct outbox *ob, const rd_kafka_message_t *msg);

/* Serves delivery reports and warnings; lets an idle producer go. */
void outbox_serve(struct outbox *ob);

/* Delivers what is on its way, until the deadline (saying so unless
 * quiet); what is left is reported as not delivered. */
void outbox_drain(struct outbox *ob, const struct deadline *until, int quiet);

void outbox_close(struct outbox *ob);

#endif
