/*
 * identity - who you are and whom you know, in files of your own:
 *
 *   $XDG_DATA_HOME/kafka-chat/ (else ~/.local/share/kafka-chat/), mode 0700
 *     identity     your Ed25519 seed, 32 bytes, mode 0600: made on first
 *                  use, read into locked memory
 *     known_keys   the pins: for each name, the first public key seen for
 *                  it (trust on first use, as ssh's known_hosts), one line
 *                  each, "BASE64KEY "NAME"" (NAME as a JSON string);
 *                  the first line for a name wins
 *
 * A file of these that others can read gets a warning, as -F files do.
 */
#ifndef KC_IDENTITY_H
#define KC_IDENTITY_H

#include <stddef.h>

#include "diag.h"
#include "seal.h"

/* Your keys; the secret one in locked memory. */
struct identity {
        struct seal_identity keys;
        unsigned char *seed;   /* SEAL_SEED_BYTES, locked */
};

/* One pin. */
struct pin {
        char *name;            /* may hold NUL bytes: len says */
        size_t len;
        unsigned char public_key[SEAL_PUBLIC_BYTES];
};

struct pins {
        char *path;            /* known_keys, or NULL: kept in memory only */
        struct pin *list;
        size_t count;
        struct pin *published; /* the first key published for each name
                                * (kafka-chat.keys), not pinned until met */
        size_t npublished;
        int write_failed;      /* said once */
        const struct voice *voice;
};

/* Your login name: $USER, else the password database's, else
 * "anonymous": whom your lines are from unless --name says otherwise. */
const char *identity_login_name(void);

/* The folder of these files, made (0700) if need be, into dir. Returns 0,
 * or -1 after saying why. */
int identity_dir(char *dir, size_t size, const struct voice *voice);

/* Reads your identity, making it first if there is none. Returns 0, or -1
 * after saying why. */
int identity_load(struct identity *id, const struct voice *voice);

void identity_free(struct identity *id);

/* Reads the pins (a missing file is none). Returns 0, or -1 after saying
 * why (a file that cannot be read; bad lines are skipped with a warning). */
int pins_load(struct pins *pins, const struct voice *voice);

/* The key pinned for name, or NULL. */
const unsigned char *pins_find(const struct pins *pins, const char *name, size_t len);

/* Pins key for name (it has none yet), in memory and in the file. Returns
 * 0, or -1 when out of memory (a file that cannot be written is warned
 * about once: the pin still holds for this run). */
int pins_add(struct pins *pins, const char *name, size_t len,
             const unsigned char key[SEAL_PUBLIC_BYTES]);

/* Notes the first key published for a name (in memory: it is pinned
 * when a line of that name is met). Returns 0, or -1 when out of memory. */
int pins_publish(struct pins *pins, const char *name, size_t len,
                 const unsigned char key[SEAL_PUBLIC_BYTES]);

/* The first key published for name, or NULL. */
const unsigned char *pins_published(const struct pins *pins, const char *name, size_t len);

void pins_free(struct pins *pins);

#endif
