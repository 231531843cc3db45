/*
 * display - the chat's lines as the seed prints them:
 * "[<time>][<sender>] <message>", and the exit handshake.
 */
#ifndef KC_DISPLAY_H
#define KC_DISPLAY_H

#include <stddef.h>

#include "output.h"

/* "[when][sender] message<suffix>\n"; without a sender, the seed's FRIEND.
 * sender and message are other people's text (escaped on a terminal); the
 * suffix (a delivery mark, or NULL) is ours. */
void display_line(struct output *out, const char *when, const char *sender,
                  size_t sender_len, const char *message, size_t message_len,
                  const char *suffix);

/* The seed consumer's two lines for an exit record. */
void display_exit(struct output *out, const char *when);

#endif
