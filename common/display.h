/*
 * display - the chat's lines as the seed prints them:
 * "[<time>][<sender>] <message>", and what an exit record shows; in
 * colour when the output says so (output.colors, common/color.h): each
 * sender's name in its colour, the seed's FRIEND underlined.
 */
#ifndef KC_DISPLAY_H
#define KC_DISPLAY_H

#include <stddef.h>

#include "output.h"
#include "record.h"

/* What an exit record shows. */
enum display_style {
        DISPLAY_SEED, /* the seed consumer's two closing lines (it then ends) */
        DISPLAY_CHAT, /* "[time] NAME 님이 나갔습니다.": someone left, we stay */
};

/* Bytes from..to of a message: a word that names the reader. */
struct display_span {
        size_t from, to;
};

/* How a line of the one-window chat stands out, in colour. */
struct display_look {
        int own;                          /* yours: your name in bold */
        const struct display_span *marks; /* the words that name you, in order */
        size_t nmarks;                    /* any: the message is in bold */
        int failed;                       /* the suffix is ✗ (red), not ✓ (green) */
};

/* "[when][sender] message<suffix>\n"; without a sender, the seed's FRIEND.
 * sender and message are other people's text (escaped on a terminal); the
 * suffix (a delivery mark, or NULL) is ours. */
void display_line(struct output *out, const char *when, const char *sender,
                  size_t sender_len, const char *message, size_t message_len,
                  const char *suffix);

/* The same with a look (NULL: none). */
void display_message(struct output *out, const char *when, const char *sender,
                     size_t sender_len, const char *message, size_t message_len,
                     const char *suffix, const struct display_look *look);

/* A decoded record (not RECORD_BAD): its line, or for an exit record
 * what style says. */
void display_record(struct output *out, const struct record *rec, enum display_style style);

/* The same with a look (NULL: none). */
void display_record_look(struct output *out, const struct record *rec,
                         enum display_style style, const struct display_look *look);

#endif
