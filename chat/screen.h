/*
 * screen - the chat's terminal: the input line that GNU readline edits,
 * and the one way to put lines above it.
 *
 * Everything the chat shows (messages, its own notices, Kafka's warnings
 * and errors) is written into screen.out and then screen_show(), which
 * takes the half-typed line away, writes, and puts the line back with its
 * cursor, the readline way. While there is no input line (before the
 * first prompt, after leaving) diagnostics go to stderr as in the other
 * programs. A write that fails ends the chat: screen_broken().
 *
 * Enter takes the typed line off the screen (your message shows once the
 * broker has it, chat/outbox.h); Tab offers what the chat's provider
 * finds (chat/complete.h); how each line looks is chat/lines.h's.
 */
#ifndef KC_CHAT_SCREEN_H
#define KC_CHAT_SCREEN_H

#include <stddef.h>

#include "../common/diag.h"
#include "../common/output.h"
#include "../common/passphrase.h"
#include "lines.h"

/* Everything the program says itself starts with this: a line that comes
 * from a record always starts with its "[time]", so no message can pass
 * for a notice. */
#define SCREEN_NOTICE "-!- "

/* What writes out the lines in screen.out: the room's reader, which
 * notes the offsets of the records whose lines got out. Returns what
 * output_flush() returns. */
typedef int screen_flush_fn(void *ctx);

/* What Tab offers for the word from start to end of the line: up to max
 * candidates into out (owned by the provider, good until the next call),
 * and in *suffix what follows when there is one (chat/complete.h). */
typedef size_t screen_complete_fn(void *ctx, const char *line, int start, int end,
                                  const char **out, size_t max, const char **suffix);

/* Candidates Tab offers at most. */
#define SCREEN_CANDIDATES 256

struct screen {
        struct output out;         /* standard output */
        int live;                  /* readline owns the input line */
        int in_handler;            /* in the line handler: the typed line is
                                    * done and the cursor on a fresh line */
        int showing;               /* in screen_show() */
        int given_back;            /* readline let the terminal go (a secret asked) */
        void (*on_line)(struct screen *s, char *line); /* lines typed */
        char prompt[300];          /* "[room] YOU: " */
        struct voice voice;        /* diagnostics: notices while live */
        screen_flush_fn *flush;    /* NULL: output_flush() */
        void *flush_ctx;
        struct lines lines;        /* how lines show (lines_init()) */
        screen_complete_fn *complete; /* NULL: Tab offers nothing */
        void *complete_ctx;
        const char *candidates[SCREEN_CANDIDATES]; /* what Tab found */
        size_t ncandidates, next_candidate;
};

/* Standard output, escaping what others wrote. */
void screen_init(struct screen *s);
void screen_free(struct screen *s);

/* The prompt for a room: "[ROOM] YOU: ". */
void screen_set_prompt(struct screen *s, const char *room);

/* Gives readline the input line: each line typed (NULL at Ctrl-D) goes to
 * on_line. readline's line handler takes no context pointer, so the screen
 * keeps the one file-scope pointer it needs until screen_stop(). */
void screen_start(struct screen *s, void (*on_line)(struct screen *s, char *line));

/* Reads what was typed (readline calls on_line once a line is done). */
void screen_read(struct screen *s);

/* Takes the input line back from readline (the line being typed stays on
 * screen, the cursor goes to a new line). */
void screen_stop(struct screen *s);

/* Writes what is in s->out, above the input line while there is one. */
void screen_show(struct screen *s);

/* "-!- " and the text (printf-style), into s->out; all of it escaped on
 * the terminal, so that names and brokers' words in it drive nothing. */
void screen_notice(struct screen *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Asks for a secret on the terminal, not shown (passphrase_ask()), the
 * input line taken from readline meanwhile. Returns what that does. */
int screen_ask_secret(struct screen *s, const char *prompt, struct secret *out);

/* Whether the output failed for good, other than by a closed terminal
 * (SIGHUP, a normal end): then errno-style s->out.error says why. */
int screen_broken(const struct screen *s);

#endif
