/*
 * complete - what Tab offers: the commands (from chat/commands.c's
 * table) at the start of a line, room names after /join, and elsewhere
 * names: of those who spoke lately (most recent first), then of those in
 * the room, yours aside. A name alone at the start of a line is followed
 * by ": ", as one addresses someone; never a file name.
 *
 * The candidates are pure bookkeeping, tested without a terminal;
 * chat/screen.c hands them to readline.
 */
#ifndef KC_CHAT_COMPLETE_H
#define KC_CHAT_COMPLETE_H

#include <stddef.h>

#include "commands.h"

/* How long Tab after /join may wait for the list of rooms, the first
 * time, in ms (then /rooms refreshes it). */
#define COMPLETE_ROOMS_MS 2000

enum complete_kind {
        COMPLETE_COMMAND,
        COMPLETE_ROOM,
        COMPLETE_NAME,
};

/* What there is to offer. */
struct complete_sources {
        const struct command *commands;
        size_t ncommands;
        const char *const *recent;   /* who spoke lately, most recent first */
        size_t nrecent;
        const char *const *present;  /* who is in the room */
        size_t npresent;
        const char *const *rooms;    /* the rooms last listed */
        size_t nrooms;
        const char *visited[2];      /* where you are and were (NULL: none) */
        const char *me;
};

/* What the word that starts at start of line is. */
enum complete_kind complete_kind_at(const char *line, size_t start);

/* The candidates for the word from start to end of line, in the order to
 * offer them, each once, whose beginning is the word (ASCII letters in
 * any case): up to max pointers into the sources, into out. Returns how
 * many. */
size_t complete_candidates(const struct complete_sources *src, const char *line, size_t start,
                           size_t end, const char **out, size_t max);

/* What follows the one candidate there is: ": " after a name at the start
 * of the line, " " after a command or another name, nothing after a room
 * (the line is complete). */
const char *complete_suffix(enum complete_kind kind, size_t start);

/* The chat's candidates, for chat/screen.h (ctx: the struct chat): lists
 * the rooms the first time a room is to be completed. */
size_t complete_chat(void *ctx, const char *line, int start, int end, const char **out,
                     size_t max, const char **suffix);

#endif
