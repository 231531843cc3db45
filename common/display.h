/*
 * display - the chat's lines as the seed prints them:
 * "[<time>][<sender>] <message>", and what an exit record shows.
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

/* "[when][sender] message<suffix>\n"; without a sender, the seed's FRIEND.
 * sender and message are other people's text (escaped on a terminal); the
 * suffix (a delivery mark, or NULL) is ours. */
void display_line(struct output *out, const char *when, const char *sender,
                  size_t sender_len, const char *message, size_t message_len,
                  const char *suffix);

/* A decoded record (not RECORD_BAD): its line, or for an exit record
 * what style says. */
void display_record(struct output *out, const struct record *rec, enum display_style style);

#endif
