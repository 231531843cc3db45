/*
 * chat - the one-window chat: your name, the screen, what you send, the
 * room you are in; what the commands act on.
 */
#ifndef KC_CHAT_CHAT_H
#define KC_CHAT_CHAT_H

#include "../common/config.h"
#include "../common/deadline.h"
#include "../common/options.h"
#include "outbox.h"
#include "room.h"
#include "screen.h"
#include "secure.h"

struct chat {
        const struct options *opts;
        const struct config *cfg;
        const char *name;           /* yours, in the records' "sender" */
        char group[512];            /* your place: kafka-chat-NAME */
        struct screen screen;
        struct outbox outbox;
        struct room *room;          /* where you are */
        struct secure secure;       /* encrypted rooms: passphrases, keys, pins */
        char *previous;             /* the room /part goes back to */
        char **rooms;               /* the rooms last listed, for Tab (rooms_list()) */
        int wake[2];                /* librdkafka writes here when events wait */
        int leaving;                /* /quit, Ctrl-D, or 'exit' sent */
};

/* Sets the chat of NAME up on a screen of c's (screen_init()): your
 * producer, signals, the wake-up pipe. Returns 0, or -1 after saying why. */
int chat_open(struct chat *c, const struct options *opts, const struct config *cfg,
              const char *name);

/* Opens the room called name (see room_open()). */
struct room *chat_room(struct chat *c, const char *name);

/* The first line: who you are and how to leave. */
void chat_banner(struct chat *c);

/* Makes r the room you are in, leaving the one you were in, and shows its
 * history; an encrypted one with its passphrase (asked for with ask, see
 * secure_room()). Returns 0, or -1 (the room you were in is left anyway). */
int chat_enter(struct chat *c, struct room *r, int ask);

/* /join [-e] ROOM: to another room, if it can be opened; else you stay. */
void chat_join(struct chat *c, const char *name, int ask);

/* Sends a line of yours to the room. */
void chat_say(struct chat *c, const char *text);

/* The chat itself, from the first prompt until you leave; then what is on
 * its way is delivered, or reported as not delivered. Returns the exit
 * status. */
int chat_run(struct chat *c);

/* Leaves the room (your place is kept) and releases everything. */
void chat_close(struct chat *c);

#endif
