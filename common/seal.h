/*
 * seal - the sealed record of an encrypted room: its exact bytes, sealing
 * and opening. Pure functions of their inputs (randomness comes from the
 * caller), so that fixed inputs give fixed bytes (tests/vectors/seal.tsv).
 *
 * What the broker stores, json.dumps()'s layout as every record:
 *
 *   {"message": "🔒 (암호화된 메시지)", "time": T, "sealed": "B64"}
 *
 * The seed and consumer_chat without the key show the placeholder with the
 * time; no name, no text is in clear. B64 is standard base64 (with '='
 * padding) of the envelope:
 *
 *   offset  bytes  field
 *   0       1      version, 1
 *   1       16     salt: the room key is Argon2id(passphrase, salt)
 *   17      24     nonce, random
 *   41      n+16   XChaCha20-Poly1305-IETF(room key, nonce, AD, plaintext),
 *                  its 16-byte tag at the end
 *
 *   AD (the context) = "kafka-chat v1" 0x00 TOPIC 0x00 TIME 0x00
 *     TOPIC: the room's topic name; TIME: repr() of T as json.dumps()
 *     writes it. A sealed line opens only in its room and at its time.
 *
 *   plaintext:
 *   0       32     the sender's Ed25519 public key
 *   32      64     Ed25519 signature of AD || INNER by that key
 *   96      n-96   INNER: json.dumps({"message": M, "time": T, "sender": S})
 *
 * The room key is crypto_pwhash(32 bytes, passphrase, salt,
 * SEAL_KDF_OPSLIMIT, SEAL_KDF_MEMLIMIT, Argon2id 1.3). A published public
 * key (the topic kafka-chat.keys) carries a proof: the Ed25519 signature of
 * "kafka-chat key v1" 0x00 NAME. A line's identity, for telling a replay,
 * is BLAKE2b-128 of its signature (Ed25519 is deterministic: the same line
 * signed again is the same signature, whatever nonce seals it). A
 * fingerprint is BLAKE2b-160 of the public key (b2sum -l 160 of its 32
 * bytes), in groups of four hex digits.
 */
#ifndef KC_SEAL_H
#define KC_SEAL_H

#include <stddef.h>

#include "buf.h"

#define SEAL_VERSION 1
#define SEAL_SALT_BYTES 16
#define SEAL_NONCE_BYTES 24
#define SEAL_KEY_BYTES 32
#define SEAL_TAG_BYTES 16
#define SEAL_PUBLIC_BYTES 32
#define SEAL_SECRET_BYTES 64  /* libsodium's Ed25519 secret key: seed and public key */
#define SEAL_SEED_BYTES 32
#define SEAL_SIGNATURE_BYTES 64
#define SEAL_ID_BYTES 16
#define SEAL_HEADER_BYTES (1 + SEAL_SALT_BYTES + SEAL_NONCE_BYTES)
#define SEAL_SIGNED_BYTES (SEAL_PUBLIC_BYTES + SEAL_SIGNATURE_BYTES)
/* A fingerprint's text: 10 groups of 4 hex digits, spaces, NUL. */
#define SEAL_FINGERPRINT_MAX 50

/* Argon2id's cost: libsodium's interactive limits (2 passes, 64 MiB) and
 * more, about half a second on a machine of today. Fixed by the version:
 * a record cannot ask for less. */
#define SEAL_KDF_OPSLIMIT 3ULL
#define SEAL_KDF_MEMLIMIT (128UL * 1024 * 1024)

/* What the record says in clear, and its field for the envelope. */
#define SEAL_PLACEHOLDER "🔒 (암호화된 메시지)"
#define SEAL_FIELD "sealed"

/* Readies libsodium. Returns 0, or -1 if it cannot be used. */
int seal_init(void);

/* The room key for a passphrase and a salt, into key (caller's locked
 * memory). Returns 0, or -1 when out of memory. */
int seal_derive_key(unsigned char key[SEAL_KEY_BYTES], const char *passphrase, size_t len,
                    const unsigned char salt[SEAL_SALT_BYTES]);

/* Someone's signing key: public key and libsodium's secret key. */
struct seal_identity {
        unsigned char public_key[SEAL_PUBLIC_BYTES];
        unsigned char *secret_key; /* SEAL_SECRET_BYTES, the owner's locked memory */
};

/* Makes the keys of a seed (secret_key must point to locked memory). */
int seal_identity_from_seed(struct seal_identity *id, const unsigned char seed[SEAL_SEED_BYTES]);

/* What sealing a line takes. */
struct seal_input {
        const unsigned char *key;    /* the room key */
        const unsigned char *salt;   /* the salt it came from */
        const unsigned char *nonce;  /* SEAL_NONCE_BYTES, random */
        const struct seal_identity *signer;
        const char *topic;
        double time;
        const char *inner;           /* INNER: json.dumps of message, time, sender */
        size_t inner_len;
};

/* Appends the whole sealed record value (the JSON above) to out. Returns
 * 0, or -1 when out of memory. */
int seal_record(struct buf *out, const struct seal_input *in);

/* An envelope taken apart (pointers into the caller's bytes). */
struct seal_envelope {
        unsigned char salt[SEAL_SALT_BYTES];
        unsigned char nonce[SEAL_NONCE_BYTES];
        const unsigned char *box; /* ciphertext and tag */
        size_t box_len;
};

/* Decodes B64 into bin and takes it apart. Returns 0, or -1 for what is
 * not an envelope of ours (not base64, too short, another version). */
int seal_parse(const char *b64, size_t len, struct buf *bin, struct seal_envelope *env);

enum seal_result {
        SEAL_OPENED,
        SEAL_UNOPENED,      /* authentication failed: another key, or forged */
        SEAL_BAD_SIGNATURE, /* opened, but not signed by the key it carries */
        SEAL_FAILED,        /* out of memory */
};

/* What an opened envelope holds (pointers into plain). */
struct seal_opened {
        const unsigned char *public_key;
        const unsigned char *signature;
        const char *inner;
        size_t inner_len;
        unsigned char id[SEAL_ID_BYTES]; /* for telling a replay */
};

/* Opens env with key for the room topic at time (the record's "time"),
 * into plain, and checks the signature. */
enum seal_result seal_open(const unsigned char key[SEAL_KEY_BYTES], const char *topic,
                           double time, const struct seal_envelope *env, struct buf *plain,
                           struct seal_opened *out);

/* The proof of a published key: proof (SEAL_SIGNATURE_BYTES) of name. */
int seal_prove(unsigned char proof[SEAL_SIGNATURE_BYTES], const struct seal_identity *id,
               const char *name, size_t len);

/* Whether proof shows that public_key's owner published it for name. */
int seal_proven(const unsigned char proof[SEAL_SIGNATURE_BYTES],
                const unsigned char public_key[SEAL_PUBLIC_BYTES], const char *name, size_t len);

/* public_key's fingerprint, "a1b2 c3d4 ..." (10 groups). */
void seal_fingerprint(const unsigned char public_key[SEAL_PUBLIC_BYTES],
                      char text[SEAL_FINGERPRINT_MAX]);

/* Standard base64 of bin, appended to out (NUL-terminated, not counted).
 * Returns 0, or -1 when out of memory. */
int seal_base64(struct buf *out, const unsigned char *bin, size_t len);

/* Decodes standard base64 of exactly size bytes into bin. Returns 0, or -1. */
int seal_unbase64(unsigned char *bin, size_t size, const char *b64, size_t len);

#endif
