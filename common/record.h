/*
 * record - the chat record on the wire: {"message": ..., "time": ...}.
 *
 * Encoding writes the exact bytes of the seed's json.dumps(); decoding
 * reads what its json.loads() reads (with jansson) and says what is wrong
 * with a record instead of failing on it.
 */
#ifndef KC_RECORD_H
#define KC_RECORD_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"
#include "pytime.h"

/* Appends json.dumps({"message": line, "time": time}) to out, or with a
 * sender (not NULL), json.dumps({"message": line, "time": time, "sender":
 * sender}): the seed's readers ignore the extra key. Returns the number of
 * invalid UTF-8 subparts of line written as U+FFFD (0 normally), or -1
 * when out of memory. */
long record_encode(struct buf *out, const char *line, size_t len, double time,
                   const char *sender);

/* What decoding found. A record with RECORD_TIME_BAD is still shown (with
 * the Kafka timestamp); a RECORD_BAD one is not. */
enum record_status {
        RECORD_OK,
        RECORD_TIME_BAD,
        RECORD_BAD,
};

struct record {
        json_t *root;         /* owns message and sender, when jansson decoded it */
        struct buf text;      /* owns message, when the fast path did */
        struct buf sender_text; /* owns sender, when the fast path did */
        struct buf repaired;  /* the value with invalid UTF-8 replaced */
        const char *message;  /* UTF-8, may hold NUL bytes */
        size_t message_len;
        const char *sender;   /* the "sender" string, or NULL if none */
        size_t sender_len;
        const char *sealed;   /* an encrypted room's "sealed" string (common/seal.h), or NULL */
        size_t sealed_len;
        double time;          /* valid unless RECORD_TIME_BAD */
        char when[PYTIME_TEXT_MAX]; /* its text, str(datetime.fromtimestamp) */
        struct pytime_cache clock;  /* the last second turned into text */
        char problem[256];    /* what is wrong, for one warning; "" if fine */
};

#define RECORD_INIT \
        {NULL, BUF_INIT, BUF_INIT, BUF_INIT, NULL, 0, NULL, 0, NULL, 0, 0.0, "", PYTIME_CACHE_INIT, ""}

/* Decodes a record value. The record is reset first, so one struct can be
 * reused; record_free() releases it at the end. Never fails on input:
 * everything wrong is described in rec->problem. */
enum record_status record_decode(struct record *rec, const void *value,
                                 size_t len);

/* The same, always with jansson: what record_decode() does with a record
 * that is not in json.dumps()'s exact layout. For tests and fuzzing, which
 * check that both ways agree. */
enum record_status record_decode_json(struct record *rec, const void *value,
                                      size_t len);

void record_free(struct record *rec);

/* msg.lower() == "exit" in Python: only ASCII letters can lower-case to
 * those four letters, so this compares ASCII case-insensitively. */
int record_is_exit(const char *message, size_t len);

#endif
