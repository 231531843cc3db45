/*
 * room - the room you are in: a topic, read by one client that keeps your
 * place in your group (kafka-chat-NAME: a place per room) and is a member
 * of the room's group, which says who is here (common/presence.h).
 *
 * Entering a room shows its history (chat/history.h), then what others
 * say arrives live; your own records (chat/outbox.h) are not shown twice.
 */
#ifndef KC_CHAT_ROOM_H
#define KC_CHAT_ROOM_H

#include "../common/config.h"
#include "../common/consumer.h"
#include "../common/deadline.h"
#include "../common/presence.h"
#include "outbox.h"
#include "screen.h"

struct room {
        char *name;              /* as shown: the topic less --room-prefix */
        char *topic;
        struct consumer in;      /* what others say */
        struct presence who;
        int partitions;
        const char *me;          /* your name: you know you are here */
        int wake_fd;             /* where librdkafka wakes the loop */
        long long served_ms;     /* when room_serve() last ran */
        struct screen *screen;   /* where it shows */
        struct outbox *outbox;   /* your records */
};

/* Opens the room called name (the topic is the room prefix and the name;
 * asking for it creates it where the broker allows): waits for it, reads
 * it with your place's group, and joins its group of who is here. Events
 * make wake_fd readable. Returns the room, or NULL after saying why (a
 * stop signal: quietly). */
struct room *room_open(const struct config *cfg, const char *name, const char *group,
                       const char *me, struct screen *screen, struct outbox *outbox, int wake_fd);

/* Shows the room's history: the lines before your last visit, a
 * separator, what is new since (see chat/history.h); then the room reads
 * on live. Returns 0, or -1 after saying why. */
int room_enter(struct room *r, int lines_before, int timeout_ms);

/* Shows what came: others' records, who came and went. */
void room_serve(struct room *r);

/* A notice of who is here now. */
void room_who(struct room *r);

/* Milliseconds until the room wants to be served without an event (to
 * ask who is here), or -1 for no such time. */
int room_next_ms(const struct room *r);

/* Whether the room's reader failed for good (c->in.client.reason). */
int room_failed(const struct room *r);

/* Leaves the room: your place in it is committed, the others see you go,
 * until the deadline. */
void room_close(struct room *r, const struct deadline *until);

#endif
