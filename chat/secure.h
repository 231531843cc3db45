/*
 * secure - encrypted rooms in the chat: the passphrase of each (the first
 * room's --key-file, or typed unseen when asked: /join -e, --encrypted, or
 * a room whose newest records are sealed), kept for the run in a vault per
 * room, your identity and the pins (published on kafka-chat.keys), and
 * /verify.
 */
#ifndef KC_CHAT_SECURE_H
#define KC_CHAT_SECURE_H

#include "../common/vault.h"

struct chat;
struct room;

/* A room's vault, kept for the run: /part and /join back need no
 * passphrase again. */
struct kept_vault {
        struct kept_vault *next;
        char *topic;
        struct vault vault;
};

struct secure {
        struct secret first;       /* the first room's --key-file, until used */
        struct trust trust;        /* loaded with the first encrypted room */
        int trusting;
        struct kept_vault *vaults;
};

/* Reads the first room's passphrase from key_file (NULL: none). Returns
 * 0, or -1 after saying why (a usage error). */
int secure_open(struct secure *s, const char *key_file, const struct voice *voice);

/* Makes r an encrypted room (r->in.vault) if it is one for you: with the
 * vault of an earlier visit; else with a passphrase, from --key-file for
 * the first room, or asked for when ask or the room's newest records are
 * sealed (none given: the room is entered without, as the seed would).
 * Returns 0, or -1 if the chat should end (a stop signal while asking, a
 * key file that cannot be read). */
int secure_room(struct chat *c, struct room *r, int ask);

/* /verify NAME: the fingerprint of the key pinned for NAME, and yours. */
void secure_verify(struct chat *c, const char *name);

void secure_free(struct secure *s);

#endif
