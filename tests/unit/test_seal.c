/* Unit tests of common/seal: the sealed record's exact bytes against known
 * answers from the format's other implementation (tests/vectors/seal.tsv,
 * PyNaCl), and every way a sealed line must fail to open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "../../common/record.h"
#include "../../common/seal.h"
#include "vectors.h"

static int setup(void **state)
{
        (void)state;
        return seal_init();
}

/* Fixed passphrase and salt: a fixed key (Argon2id, our limits). */
static void the_key_is_argon2id_of_passphrase_and_salt(void **state)
{
        struct vectors v;
        int n = 0;

        (void)state;
        vectors_open(&v, "seal.tsv");
        while (vectors_next(&v)) {
                size_t pw_len, salt_len, key_len;
                unsigned char *pw, *salt, *expected, key[SEAL_KEY_BYTES];

                if (strcmp(v.field[0], "key"))
                        continue;
                pw       = vectors_hex(v.field[1], &pw_len);
                salt     = vectors_hex(v.field[2], &salt_len);
                expected = vectors_hex(v.field[3], &key_len);
                assert_int_equal(salt_len, SEAL_SALT_BYTES);
                assert_int_equal(seal_derive_key(key, (const char *)pw, pw_len, salt), 0);
                assert_memory_equal(key, expected, SEAL_KEY_BYTES);
                free(pw);
                free(salt);
                free(expected);
                n++;
        }
        vectors_close(&v);
        assert_true(n >= 3);
}

/* One seal case of the vectors: the inputs, and the record. */
struct sealed_case {
        unsigned char *key, *salt, *nonce, *seed, *message, *sender, *value;
        size_t message_len, sender_len, value_len;
        char topic[300];
        double time;
        unsigned char secret[SEAL_SECRET_BYTES];
        struct seal_identity id;
        struct buf inner;
};

static void read_case(struct vectors *v, struct sealed_case *c)
{
        size_t len;

        memset(c, 0, sizeof(*c));
        c->key     = vectors_hex(v->field[1], &len);
        c->salt    = vectors_hex(v->field[2], &len);
        c->nonce   = vectors_hex(v->field[3], &len);
        c->seed    = vectors_hex(v->field[4], &len);
        snprintf(c->topic, sizeof(c->topic), "%s", v->field[5]);
        c->time    = vectors_double(v->field[6]);
        c->message = vectors_hex(v->field[7], &c->message_len);
        c->sender  = vectors_hex(v->field[8], &c->sender_len);
        c->value   = vectors_hex(v->field[9], &c->value_len);
        c->id.secret_key = c->secret;
        assert_int_equal(seal_identity_from_seed(&c->id, c->seed), 0);
        assert_int_not_equal(record_encode(&c->inner, (const char *)c->message, c->message_len,
                                           c->time, (const char *)c->sender),
                             -1);
}

static void free_case(struct sealed_case *c)
{
        free(c->key);
        free(c->salt);
        free(c->nonce);
        free(c->seed);
        free(c->message);
        free(c->sender);
        free(c->value);
        buf_free(&c->inner);
}

static struct seal_input input_of(const struct sealed_case *c)
{
        return (struct seal_input){c->key,   c->salt, c->nonce,         &c->id,
                                   c->topic, c->time, c->inner.data, c->inner.len};
}

/* The "sealed" string of a record value, decoded, into env. */
static void parse_value(const unsigned char *value, size_t len, struct buf *bin,
                        struct seal_envelope *env, struct record *rec)
{
        assert_int_equal(record_decode(rec, value, len), RECORD_OK);
        assert_non_null(rec->sealed);
        assert_int_equal(seal_parse(rec->sealed, rec->sealed_len, bin, env), 0);
}

static void fixed_inputs_give_fixed_bytes(void **state)
{
        struct vectors v;
        int n = 0;

        (void)state;
        vectors_open(&v, "seal.tsv");
        while (vectors_next(&v)) {
                struct sealed_case c;
                struct seal_input in;
                struct buf out = BUF_INIT, bin = BUF_INIT, plain = BUF_INIT;
                struct record rec = RECORD_INIT;
                struct seal_envelope env;
                struct seal_opened opened;

                if (strcmp(v.field[0], "seal"))
                        continue;
                read_case(&v, &c);
                in = input_of(&c);
                assert_int_equal(seal_record(&out, &in), 0);
                if (out.len != c.value_len || memcmp(out.data, c.value, out.len))
                        fail_msg("seal.tsv:%lu: got %.*s\nexpected %s", v.lineno, (int)out.len,
                                 out.data, c.value);
                /* The placeholder and the time are in clear, nothing else. */
                assert_int_equal(record_decode(&rec, out.data, out.len), RECORD_OK);
                assert_int_equal(rec.message_len, strlen(SEAL_PLACEHOLDER));
                assert_memory_equal(rec.message, SEAL_PLACEHOLDER, rec.message_len);
                assert_null(rec.sender);
                assert_true(rec.time == c.time);
                /* And it opens to the line, signed by the seed's key. */
                parse_value((unsigned char *)out.data, out.len, &bin, &env, &rec);
                assert_memory_equal(env.salt, c.salt, SEAL_SALT_BYTES);
                assert_memory_equal(env.nonce, c.nonce, SEAL_NONCE_BYTES);
                assert_int_equal(seal_open(c.key, c.topic, c.time, &env, &plain, &opened),
                                 SEAL_OPENED);
                assert_memory_equal(opened.public_key, c.id.public_key, SEAL_PUBLIC_BYTES);
                assert_int_equal(opened.inner_len, c.inner.len);
                assert_memory_equal(opened.inner, c.inner.data, c.inner.len);
                buf_free(&out);
                buf_free(&bin);
                buf_free(&plain);
                record_free(&rec);
                free_case(&c);
                n++;
        }
        vectors_close(&v);
        assert_true(n >= 5);
}

static void fingerprints_and_proofs_are_known(void **state)
{
        struct vectors v;
        int n = 0;

        (void)state;
        vectors_open(&v, "seal.tsv");
        while (vectors_next(&v)) {
                size_t len, name_len;
                unsigned char secret[SEAL_SECRET_BYTES], proof[SEAL_SIGNATURE_BYTES];
                struct seal_identity id = {.secret_key = secret};
                unsigned char *seed, *expected, *name;
                char text[SEAL_FINGERPRINT_MAX];

                if (!strcmp(v.field[0], "fingerprint")) {
                        seed     = vectors_hex(v.field[1], &len);
                        expected = vectors_hex(v.field[2], &len);
                        assert_int_equal(seal_identity_from_seed(&id, seed), 0);
                        assert_memory_equal(id.public_key, expected, SEAL_PUBLIC_BYTES);
                        seal_fingerprint(id.public_key, text);
                        assert_string_equal(text, v.field[3]);
                        free(seed);
                        free(expected);
                        n++;
                } else if (!strcmp(v.field[0], "proof")) {
                        seed     = vectors_hex(v.field[1], &len);
                        name     = vectors_hex(v.field[2], &name_len);
                        expected = vectors_hex(v.field[3], &len);
                        assert_int_equal(seal_identity_from_seed(&id, seed), 0);
                        assert_int_equal(seal_prove(proof, &id, (char *)name, name_len), 0);
                        assert_memory_equal(proof, expected, SEAL_SIGNATURE_BYTES);
                        assert_true(seal_proven(proof, id.public_key, (char *)name, name_len));
                        assert_false(seal_proven(proof, id.public_key, "mallory", 7));
                        free(seed);
                        free(name);
                        free(expected);
                        n++;
                }
        }
        vectors_close(&v);
        assert_true(n >= 9);
}

/* The first seal case of the vectors, sealed afresh. */
static void first_case(struct sealed_case *c, struct buf *value)
{
        struct vectors v;
        struct seal_input in;

        vectors_open(&v, "seal.tsv");
        while (vectors_next(&v) && strcmp(v.field[0], "seal"))
                ;
        read_case(&v, c);
        vectors_close(&v);
        in = input_of(c);
        assert_int_equal(seal_record(value, &in), 0);
}

/* What opening the record value gives, for the room topic at time t. */
static enum seal_result open_value(const struct sealed_case *c, const unsigned char *key,
                                   const char *topic, double t, const char *value, size_t len)
{
        struct buf bin = BUF_INIT, plain = BUF_INIT;
        struct record rec = RECORD_INIT;
        struct seal_envelope env;
        struct seal_opened opened;
        enum seal_result result = SEAL_FAILED;

        (void)c;
        if (record_decode(&rec, value, len) == RECORD_OK && rec.sealed &&
            seal_parse(rec.sealed, rec.sealed_len, &bin, &env) == 0)
                result = seal_open(key, topic, t, &env, &plain, &opened);
        buf_free(&bin);
        buf_free(&plain);
        record_free(&rec);
        return result;
}

static void another_room_time_or_key_does_not_open(void **state)
{
        struct sealed_case c;
        struct buf value = BUF_INIT;
        unsigned char other[SEAL_KEY_BYTES];

        (void)state;
        first_case(&c, &value);
        assert_int_equal(open_value(&c, c.key, c.topic, c.time, value.data, value.len),
                         SEAL_OPENED);
        /* Moved to another room, or to another time: the context differs. */
        assert_int_equal(open_value(&c, c.key, "other", c.time, value.data, value.len),
                         SEAL_UNOPENED);
        assert_int_equal(open_value(&c, c.key, c.topic, c.time + 1, value.data, value.len),
                         SEAL_UNOPENED);
        /* Another passphrase's key. */
        memcpy(other, c.key, sizeof(other));
        other[0] ^= 1;
        assert_int_equal(open_value(&c, other, c.topic, c.time, value.data, value.len),
                         SEAL_UNOPENED);
        buf_free(&value);
        free_case(&c);
}

static void every_changed_byte_is_caught(void **state)
{
        struct sealed_case c;
        struct buf value = BUF_INIT, bin = BUF_INIT, plain = BUF_INIT, forged = BUF_INIT;
        struct record rec = RECORD_INIT;
        struct seal_envelope env;
        struct seal_opened opened;

        (void)state;
        first_case(&c, &value);
        parse_value((unsigned char *)value.data, value.len, &bin, &env, &rec);
        /* Each byte of the envelope flipped in turn: the salt (another key),
         * the nonce, the box. */
        for (size_t i = 1; i < bin.len; i++) {
                struct seal_envelope bad;
                struct buf copy = BUF_INIT;

                assert_int_equal(buf_append(&copy, bin.data, bin.len), 0);
                copy.data[i] ^= 0x20;
                buf_clear(&forged);
                assert_int_equal(seal_base64(&forged, (unsigned char *)copy.data, copy.len), 0);
                assert_int_equal(seal_parse(forged.data, forged.len, &copy, &bad), 0);
                /* The salt picks the key: the same key with a changed salt
                 * opens (a reader derives another key for another salt). */
                if (i <= SEAL_SALT_BYTES)
                        assert_memory_not_equal(bad.salt, env.salt, SEAL_SALT_BYTES);
                else
                        assert_int_equal(seal_open(c.key, c.topic, c.time, &bad, &plain, &opened),
                                         SEAL_UNOPENED);
                buf_free(&copy);
        }
        buf_free(&value);
        buf_free(&bin);
        buf_free(&plain);
        buf_free(&forged);
        record_free(&rec);
        free_case(&c);
}

/* A key holder who seals a line with someone else's public key in it. */
static void a_signature_by_another_key_is_bad(void **state)
{
        struct sealed_case c;
        struct buf value = BUF_INIT, inner = BUF_INIT, plain = BUF_INIT, out = BUF_INIT;
        unsigned char seed[SEAL_SEED_BYTES] = {9}, secret[SEAL_SECRET_BYTES];
        struct seal_identity mallory = {.secret_key = secret};
        struct seal_input in;

        (void)state;
        first_case(&c, &value);
        assert_int_equal(seal_identity_from_seed(&mallory, seed), 0);
        /* mallory signs, and claims c.id's key: libsodium's secret key
         * holds the public key it was made with, so swap that part. */
        memcpy(secret + SEAL_SEED_BYTES, c.id.public_key, SEAL_PUBLIC_BYTES);
        memcpy(mallory.public_key, c.id.public_key, SEAL_PUBLIC_BYTES);
        in        = input_of(&c);
        in.signer = &mallory;
        assert_int_equal(seal_record(&out, &in), 0);
        assert_int_equal(open_value(&c, c.key, c.topic, c.time, out.data, out.len),
                         SEAL_BAD_SIGNATURE);
        buf_free(&value);
        buf_free(&inner);
        buf_free(&plain);
        buf_free(&out);
        free_case(&c);
}

static void what_is_not_an_envelope_is_refused(void **state)
{
        static const char *const bad[] = {
                "", "=", "not base64!", "AAAA", "AQ==",
                /* a version 2 envelope, long enough */
                "AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        };
        struct buf bin = BUF_INIT;
        struct seal_envelope env;

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(seal_parse(bad[i], strlen(bad[i]), &bin, &env), -1);
        buf_free(&bin);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(the_key_is_argon2id_of_passphrase_and_salt),
                cmocka_unit_test(fixed_inputs_give_fixed_bytes),
                cmocka_unit_test(fingerprints_and_proofs_are_known),
                cmocka_unit_test(another_room_time_or_key_does_not_open),
                cmocka_unit_test(every_changed_byte_is_caught),
                cmocka_unit_test(a_signature_by_another_key_is_bad),
                cmocka_unit_test(what_is_not_an_envelope_is_refused),
        };

        return cmocka_run_group_tests(tests, setup, NULL);
}
