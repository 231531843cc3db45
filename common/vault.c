#include "vault.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* The lines remembered: two generations of a hash table, the older
 * dropped when the newer fills. */
#define SEEN_SLOTS 8192
#define SEEN_FILL (SEEN_SLOTS / 2)

int vault_open(struct vault *v, struct secret *passphrase, const struct identity *me,
               struct pins *pins, const struct voice *voice, int verbose)
{
        memset(v, 0, sizeof(*v));
        v->me      = me;
        v->pins    = pins;
        v->voice   = voice;
        v->verbose = verbose;
        v->passphrase = *passphrase;
        passphrase->text = NULL;
        passphrase->len  = 0;
        if (seal_init() == -1) {
                diag_say(voice, DIAG_ERROR, "libsodium cannot be used");
                goto error;
        }
        v->keys = sodium_malloc(VAULT_KEYS * SEAL_KEY_BYTES);
        if (!v->keys) {
                diag_say(voice, DIAG_ERROR, "out of memory");
                goto error;
        }
        return 0;
error:
        vault_close(v);
        return -1;
}

int trust_load(struct trust *t, int sign, const struct voice *voice)
{
        memset(t, 0, sizeof(*t));
        if (seal_init() == -1) {
                diag_say(voice, DIAG_ERROR, "libsodium cannot be used");
                return -1;
        }
        if ((sign && identity_load(&t->me, voice) == -1) || pins_load(&t->pins, voice) == -1) {
                trust_free(t);
                return -1;
        }
        return 0;
}

void trust_free(struct trust *t)
{
        identity_free(&t->me);
        pins_free(&t->pins);
}

int vault_from_file(struct vault *v, const char *path, struct trust *t,
                    const struct voice *voice, int verbose)
{
        struct secret s;

        memset(v, 0, sizeof(*v));
        if (passphrase_from_file(&s, path, voice) == -1)
                return -1;
        return vault_open(v, &s, t->me.seed ? &t->me : NULL, &t->pins, voice, verbose);
}

void vault_close(struct vault *v)
{
        secret_free(&v->passphrase);
        sodium_free(v->keys); /* zeroes them first */
        v->keys = NULL;
        free(v->seen[0]);
        free(v->seen[1]);
        v->seen[0] = v->seen[1] = NULL;
        buf_free(&v->bin);
        if (v->plain.data) /* what others wrote, opened */
                sodium_memzero(v->plain.data, v->plain.cap);
        buf_free(&v->plain);
        if (v->inner.data) /* what we wrote */
                sodium_memzero(v->inner.data, v->inner.cap);
        buf_free(&v->inner);
}

/* The key for salt, derived if it is not kept (taking the place of the
 * least recently used); NULL after saying why. */
static const unsigned char *key_for(struct vault *v, const unsigned char *salt)
{
        int slot = 0;

        for (int i = 0; i < VAULT_KEYS; i++) {
                if (v->last_use[i] && !memcmp(v->salts[i], salt, SEAL_SALT_BYTES)) {
                        v->last_use[i] = ++v->uses;
                        return v->keys + i * SEAL_KEY_BYTES;
                }
                if (v->last_use[i] < v->last_use[slot])
                        slot = i;
        }
        if (seal_derive_key(v->keys + slot * SEAL_KEY_BYTES, v->passphrase.text,
                            v->passphrase.len, salt) == -1) {
                v->last_use[slot] = 0;
                diag_say(v->voice, DIAG_ERROR, "out of memory deriving the room key");
                return NULL;
        }
        memcpy(v->salts[slot], salt, SEAL_SALT_BYTES);
        v->last_use[slot] = ++v->uses;
        return v->keys + slot * SEAL_KEY_BYTES;
}

/* ---- the lines seen --------------------------------------------------------- */

static struct vault_seen *seen_slot(struct vault_seen *table, const unsigned char *id)
{
        size_t i;

        memcpy(&i, id, sizeof(i)); /* the id is a hash already */
        for (i %= SEEN_SLOTS; table[i].used && memcmp(table[i].id, id, SEAL_ID_BYTES);
             i = (i + 1) % SEEN_SLOTS)
                ;
        return &table[i];
}

/* Where the line id was seen first, or NULL if it was not: then it is
 * noted as seen here (unless out of memory: then it is not remembered). */
static const struct vault_seen *seen(struct vault *v, const unsigned char *id, int32_t partition,
                                     int64_t offset)
{
        struct vault_seen *slot;

        for (int g = 0; g < 2; g++)
                if (v->seen[g] && (slot = seen_slot(v->seen[g], id))->used)
                        return slot;
        if (!v->seen[0] || v->seen_count == SEEN_FILL) {
                struct vault_seen *fresh = calloc(SEEN_SLOTS, sizeof(*fresh));

                if (!fresh)
                        return NULL; /* not remembered: shown */
                free(v->seen[1]);
                v->seen[1]    = v->seen[0];
                v->seen[0]    = fresh;
                v->seen_count = 0;
        }
        slot = seen_slot(v->seen[0], id);
        *slot = (struct vault_seen){.partition = partition, .offset = offset, .used = 1};
        memcpy(slot->id, id, SEAL_ID_BYTES);
        v->seen_count++;
        return NULL;
}

/* ---- opening ------------------------------------------------------------------ */

/* A warning about the record at partition/offset (unless -q). */
#define WARN(v, topic, partition, offset, ...)                                                   \
        do {                                                                                   \
                char what_[600];                                                               \
                                                                                               \
                if ((v)->verbose >= 0) {                                                       \
                        snprintf(what_, sizeof(what_), __VA_ARGS__);                           \
                        diag_say((v)->voice, DIAG_WARNING, "%s [%d] offset %lld: %s (not shown)", \
                                 topic, (int)(partition), (long long)(offset), what_);         \
                }                                                                              \
        } while (0)

/* Whether the opened line in rec is a chat line of its sealed time: a
 * message, a sender (a name without NUL), the time bound to the record. */
static int good_line(const struct record *rec, enum record_status st, double time)
{
        return st == RECORD_OK && rec->sender && rec->sender_len > 0 &&
               !memchr(rec->sender, '\0', rec->sender_len) &&
               memcmp(&rec->time, &time, sizeof(time)) == 0;
}

/* Checks the signer of the line in rec against the pins: the first key
 * seen for a name is pinned. Returns 0 if it may be shown. */
static int trusted(struct vault *v, const char *topic, const struct record *rec,
                   const unsigned char *key, int32_t partition, int64_t offset)
{
        char got[SEAL_FINGERPRINT_MAX], pinned[SEAL_FINGERPRINT_MAX];
        const unsigned char *pin, *published;

        if (!v->pins)
                return 0;
        pin = pins_find(v->pins, rec->sender, rec->sender_len);
        seal_fingerprint(key, got);
        /* Not met yet: the first key published for the name, if any, is
         * the one to pin. */
        published = pin ? NULL : pins_published(v->pins, rec->sender, rec->sender_len);
        if (published && memcmp(published, key, SEAL_PUBLIC_BYTES)) {
                seal_fingerprint(published, pinned);
                WARN(v, topic, partition, offset,
                     "WARNING: signed as '%.*s' by another key than the one published first "
                     "for that name (%s, published %s): someone else may be writing as '%.*s'",
                     (int)rec->sender_len, rec->sender, got, pinned, (int)rec->sender_len,
                     rec->sender);
                return -1;
        }
        if (!pin) {
                if (pins_add(v->pins, rec->sender, rec->sender_len, key) == -1)
                        diag_say(v->voice, DIAG_ERROR, "out of memory");
                else if (v->verbose >= 0)
                        diag_say(v->voice, DIAG_NOTE, "first key seen for '%.*s', pinned: %s",
                                 (int)rec->sender_len, rec->sender, got);
                return 0;
        }
        if (!memcmp(pin, key, SEAL_PUBLIC_BYTES))
                return 0;
        seal_fingerprint(pin, pinned);
        WARN(v, topic, partition, offset,
             "WARNING: signed as '%.*s' by another key than the one pinned for that name "
             "(%s, pinned %s): someone else may be writing as '%.*s'",
             (int)rec->sender_len, rec->sender, got, pinned, (int)rec->sender_len, rec->sender);
        return -1;
}

/* The salt of a line that opened, if it is the newest: what we write with. */
static void note_salt(struct vault *v, const unsigned char *salt, double time)
{
        if (!v->has_write_salt || time >= v->write_time) {
                memcpy(v->write_salt, salt, SEAL_SALT_BYTES);
                v->write_time     = time;
                v->has_write_salt = 1;
        }
}

/* Opens the sealed record in rec into rec. Returns the seal's result,
 * SEAL_FAILED also for what is not a sealed line of ours (with *why). */
static enum seal_result open_record(struct vault *v, const char *topic, struct record *rec,
                                    const unsigned char **signer, unsigned char *id,
                                    const char **why)
{
        struct seal_envelope env;
        struct seal_opened opened;
        const unsigned char *key;
        enum seal_result result;
        double time = rec->time;

        *why = "not a sealed line of this version";
        if (seal_parse(rec->sealed, rec->sealed_len, &v->bin, &env) == -1)
                return SEAL_FAILED;
        *why = "out of memory";
        if (!(key = key_for(v, env.salt)))
                return SEAL_FAILED;
        result = seal_open(key, topic, time, &env, &v->plain, &opened);
        if (result != SEAL_OPENED)
                return result;
        *why = "what it holds is not a chat line of its time";
        if (!good_line(rec, record_decode(rec, opened.inner, opened.inner_len), time))
                return SEAL_FAILED;
        memcpy(id, opened.id, SEAL_ID_BYTES);
        *signer = opened.public_key;
        v->opened = 1;
        note_salt(v, env.salt, time);
        return SEAL_OPENED;
}

enum record_status vault_unseal(struct vault *v, const char *topic, struct record *rec,
                                enum record_status st, int32_t partition, int64_t offset)
{
        const struct vault_seen *first;
        const unsigned char *signer = NULL;
        unsigned char id[SEAL_ID_BYTES];
        const char *why;

        if (!rec->sealed) {
                WARN(v, topic, partition, offset,
                     "not sealed: written without the room's key, by anyone");
                return RECORD_BAD;
        }
        if (st != RECORD_OK) {
                WARN(v, topic, partition, offset, "a sealed line without a usable time");
                return RECORD_BAD;
        }
        switch (open_record(v, topic, rec, &signer, id, &why)) {
        case SEAL_OPENED:
                break;
        case SEAL_UNOPENED:
                if (v->opened) {
                        WARN(v, topic, partition, offset,
                             "cannot be opened with the room's key: forged, damaged, or "
                             "sealed with another passphrase");
                } else if (!v->told_wrong) {
                        v->told_wrong = 1;
                        if (v->verbose >= 0)
                                diag_say(v->voice, DIAG_WARNING,
                                         "%s [%d] offset %lld: cannot open the sealed lines of "
                                         "'%s' with this passphrase (a wrong passphrase?): they "
                                         "are not shown",
                                         topic, (int)partition, (long long)offset, topic);
                }
                return RECORD_BAD;
        case SEAL_BAD_SIGNATURE:
                WARN(v, topic, partition, offset, "a bad signature: not written by the key it "
                                                  "names");
                return RECORD_BAD;
        case SEAL_FAILED:
                WARN(v, topic, partition, offset, "%s", why);
                return RECORD_BAD;
        }
        if (trusted(v, topic, rec, signer, partition, offset) == -1)
                return RECORD_BAD;
        first = seen(v, id, partition, offset);
        if (first && (first->partition != partition || first->offset != offset)) {
                WARN(v, topic, partition, offset, "the same sealed line as [%d] offset %lld: a "
                                                  "replay",
                     (int)first->partition, (long long)first->offset);
                return RECORD_BAD;
        }
        return RECORD_OK;
}

void vault_learn(struct vault *v, const char *topic, const void *value, size_t len)
{
        struct record rec = RECORD_INIT;
        const unsigned char *signer;
        unsigned char id[SEAL_ID_BYTES];
        const char *why;

        if (record_decode(&rec, value, len) == RECORD_OK && rec.sealed)
                (void)open_record(v, topic, &rec, &signer, id, &why);
        record_free(&rec);
}

int vault_ready(struct vault *v)
{
        if (!v->has_write_salt) {
                randombytes_buf(v->write_salt, SEAL_SALT_BYTES);
                v->has_write_salt = 1;
                v->write_time     = 0;
        }
        return key_for(v, v->write_salt) ? 0 : -1;
}

long vault_seal(struct vault *v, const char *topic, const char *text, size_t len, double time,
                const char *sender, struct buf *out)
{
        unsigned char nonce[SEAL_NONCE_BYTES];
        struct seal_input in;
        long replaced;

        if (!v->me) { /* a contract: reading-only vaults do not write */
                diag_say(v->voice, DIAG_ERROR, "no identity to sign with");
                return -1;
        }
        if (vault_ready(v) == -1)
                return -1;
        buf_clear(&v->inner);
        replaced = record_encode(&v->inner, text, len, time, sender);
        randombytes_buf(nonce, sizeof(nonce));
        in = (struct seal_input){
                .key       = key_for(v, v->write_salt),
                .salt      = v->write_salt,
                .nonce     = nonce,
                .signer    = &v->me->keys,
                .topic     = topic,
                .time      = time,
                .inner     = v->inner.data,
                .inner_len = v->inner.len,
        };
        if (replaced == -1 || seal_record(out, &in) == -1) {
                diag_say(v->voice, DIAG_ERROR, "out of memory sealing a line");
                return -1;
        }
        return replaced;
}
