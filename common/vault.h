/*
 * vault - an encrypted room as the three programs see it: its passphrase,
 * the keys derived from it (one per salt met), the salt to write with, the
 * pins (whose key signs for which name), and the lines already seen (to
 * tell a replay). Opening every record and sealing every line go through
 * here (common/seal.h has the bytes).
 *
 * In a room read with its passphrase only lines that open, are signed by
 * the key pinned for their sender (the first one seen: trust on first use)
 * and are not a replay of a line seen in this run are shown; anything else
 * is a warning naming the partition and offset (a wrong passphrase: one
 * notice). Writers seal with the salt of the newest line they opened in
 * the room, or a new one.
 */
#ifndef KC_VAULT_H
#define KC_VAULT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "diag.h"
#include "identity.h"
#include "passphrase.h"
#include "record.h"
#include "seal.h"

/* Derived keys kept, by salt: a room has one, two while it moves. */
#define VAULT_KEYS 4

/* A line seen: its identity (seal.h) and where. */
struct vault_seen {
        unsigned char id[SEAL_ID_BYTES];
        int32_t partition;
        int64_t offset;
        unsigned char used;
};

struct vault {
        struct secret passphrase;            /* locked */
        unsigned char *keys;                 /* VAULT_KEYS keys, locked */
        unsigned char salts[VAULT_KEYS][SEAL_SALT_BYTES];
        unsigned long last_use[VAULT_KEYS];  /* 0: no key in that slot */
        unsigned long uses;
        unsigned char write_salt[SEAL_SALT_BYTES];
        double write_time;                   /* of the line it came from */
        int has_write_salt;
        int opened;                          /* some line opened */
        int told_wrong;                      /* the wrong-passphrase notice was given */
        const struct identity *me;           /* signs what is sealed; NULL: reading only */
        struct pins *pins;                   /* NULL: no pins */
        struct vault_seen *seen[2];          /* the lines seen: newer, older */
        size_t seen_count;
        struct buf bin, plain, inner;        /* scratch */
        const struct voice *voice;
        int verbose;                         /* -1: only errors */
};

/* What a program holds for encrypted rooms: your identity (to sign what
 * you write) and the pins (to check what others wrote). */
struct trust {
        struct identity me;   /* me.seed NULL: not loaded (reading only) */
        struct pins pins;
};

/* Loads the pins, and with sign your identity (made on first use).
 * Returns 0, or -1 after saying why. */
int trust_load(struct trust *t, int sign, const struct voice *voice);

void trust_free(struct trust *t);

/* Opens the vault of --key-file path with t (see vault_open()). Returns
 * 0, or -1 after saying why. */
int vault_from_file(struct vault *v, const char *path, struct trust *t,
                    const struct voice *voice, int verbose);

/* Takes over passphrase (s->text is NULL afterwards). me and pins may be
 * NULL, and must outlive the vault. Returns 0, or -1 after saying why. */
int vault_open(struct vault *v, struct secret *passphrase, const struct identity *me,
               struct pins *pins, const struct voice *voice, int verbose);

/* Checks a decoded record (status st) of topic at partition/offset: a
 * sealed one that opens and holds a good line is replaced in rec by that
 * line (RECORD_OK); anything else is said why (with partition and offset)
 * and is RECORD_BAD: not to be shown. */
enum record_status vault_unseal(struct vault *v, const char *topic, struct record *rec,
                                enum record_status st, int32_t partition, int64_t offset);

/* Learns the room's salt from a record value (as vault_unseal() does,
 * without a word): what producer_chat does with the newest records. */
void vault_learn(struct vault *v, const char *topic, const void *value, size_t len);

/* Makes the key to write with, now rather than at the first line (it
 * takes half a second). Returns 0, or -1 after saying why. */
int vault_ready(struct vault *v);

/* Appends the sealed record of text (len bytes), sent at time by sender,
 * for topic to out. Returns what record_encode() does: the invalid UTF-8
 * sequences of text replaced, or -1 (said why). */
long vault_seal(struct vault *v, const char *topic, const char *text, size_t len, double time,
                const char *sender, struct buf *out);

void vault_close(struct vault *v);

#endif
