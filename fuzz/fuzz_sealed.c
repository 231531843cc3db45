/*
 * libFuzzer harness: the decoder of an encrypted room's sealed records, as
 * the programs run it (common/vault.c over common/seal.c and the record
 * decoder), with a fixed room key (Argon2id is not fuzzed: half a second
 * each). The input is read three ways:
 *   - as a record value off the broker;
 *   - as the line inside a well-sealed record (what a key holder could
 *     write): it must come back byte for byte, and whatever JSON it is
 *     must be judged without a crash;
 *   - as the plaintext of an envelope (key, signature, line) sealed with
 *     the room key: a key holder's forgery, which must never be shown.
 * Nothing may crash, leak or read out of bounds, and nothing shown may
 * lack a sender or a time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../common/seal.h"
#include "../common/vault.h"

#define TOPIC "chat"
#define TIME 1732451234.1234567

static void quiet(void *ctx, enum diag_level level, const char *text)
{
        (void)ctx;
        (void)level;
        (void)text;
}

static const struct voice silence = {quiet, NULL};
static const unsigned char salt[SEAL_SALT_BYTES] = {1, 2, 3};
static const unsigned char seed[SEAL_SEED_BYTES] = {4, 5, 6};

struct fixture {
        struct identity me;
        struct pins pins;
        struct vault vault;
        struct record rec;
        struct buf value, bin, plain;
        int64_t offset;
};

/* The room key kept in the vault for the fixed salt, as if derived. */
static void ready(struct fixture *f)
{
        struct secret none = {NULL, 0};

        if (seal_init() == -1)
                abort();
        f->me.seed            = sodium_malloc(SEAL_SEED_BYTES);
        f->me.keys.secret_key = sodium_malloc(SEAL_SECRET_BYTES);
        if (!f->me.seed || !f->me.keys.secret_key)
                abort();
        memcpy(f->me.seed, seed, sizeof(seed));
        if (seal_identity_from_seed(&f->me.keys, seed) == -1 ||
            vault_open(&f->vault, &none, &f->me, &f->pins, &silence, 0) == -1)
                abort();
        memset(f->vault.keys, 0x42, SEAL_KEY_BYTES);
        memcpy(f->vault.salts[0], salt, sizeof(salt));
        f->vault.last_use[0] = f->vault.uses = 1;
        memcpy(f->vault.write_salt, salt, sizeof(salt));
        f->vault.has_write_salt = 1;
        f->rec                  = (struct record)RECORD_INIT;
}

/* The vault's verdict on value; a line shown has what a line needs. */
static void judge(struct fixture *f, const char *value, size_t len)
{
        enum record_status st = record_decode(&f->rec, value, len);

        if (st == RECORD_BAD)
                return;
        if (f->rec.sealed) {
                struct seal_envelope env;

                /* Another salt would cost a derivation: opened by hand. */
                if (seal_parse(f->rec.sealed, f->rec.sealed_len, &f->bin, &env) == 0 &&
                    memcmp(env.salt, salt, sizeof(salt))) {
                        struct seal_opened opened;

                        (void)seal_open(f->vault.keys, TOPIC, f->rec.time, &env, &f->plain,
                                        &opened);
                        return;
                }
        }
        if (vault_unseal(&f->vault, TOPIC, &f->rec, st, 0, f->offset++) == RECORD_OK &&
            (!f->rec.sender || f->rec.sender_len == 0 || f->rec.time != TIME))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct fixture f;
        static int is_ready;
        unsigned char nonce[SEAL_NONCE_BYTES] = {0}, ctx[400];
        struct seal_input in;
        struct seal_envelope env;
        struct seal_opened opened;
        size_t ctx_len, n = 0;

        if (!is_ready) {
                ready(&f);
                is_ready = 1;
        }
        memcpy(nonce, &f.offset, sizeof(f.offset)); /* a new one each time */

        /* 1. A record value off the broker. */
        judge(&f, (const char *)data, size);

        /* 2. The line inside a well-sealed record: it comes back whole. */
        buf_clear(&f.value);
        in = (struct seal_input){f.vault.keys, salt, nonce, &f.me.keys, TOPIC, TIME,
                                 (const char *)data, size};
        if (seal_record(&f.value, &in) == -1 || record_decode(&f.rec, f.value.data, f.value.len) ||
            seal_parse(f.rec.sealed, f.rec.sealed_len, &f.bin, &env) ||
            seal_open(f.vault.keys, TOPIC, TIME, &env, &f.plain, &opened) != SEAL_OPENED ||
            opened.inner_len != size || memcmp(opened.inner, data, size))
                abort();
        judge(&f, f.value.data, f.value.len);

        /* 3. The plaintext of an envelope: a forgery by a key holder. */
        ctx_len = (size_t)snprintf((char *)ctx, sizeof(ctx), "kafka-chat v1%c" TOPIC "%c", 0, 0);
        ctx_len += (size_t)snprintf((char *)ctx + ctx_len, sizeof(ctx) - ctx_len,
                                    "%s", "1732451234.1234567") + 1;
        buf_clear(&f.bin);
        if (buf_reserve(&f.bin, SEAL_HEADER_BYTES + size + SEAL_TAG_BYTES) == -1)
                abort();
        f.bin.data[n++] = SEAL_VERSION;
        memcpy(f.bin.data + n, salt, sizeof(salt));
        n += sizeof(salt);
        nonce[SEAL_NONCE_BYTES - 1] ^= 0xff;
        memcpy(f.bin.data + n, nonce, sizeof(nonce));
        n += sizeof(nonce);
        crypto_aead_xchacha20poly1305_ietf_encrypt((unsigned char *)f.bin.data + n, NULL, data,
                                                   size, ctx, ctx_len, NULL, nonce, f.vault.keys);
        n += size + SEAL_TAG_BYTES;
        buf_clear(&f.value);
        if (buf_append_str(&f.value, "{\"message\": \"x\", \"time\": 1732451234.1234567, "
                                     "\"sealed\": \"") == -1 ||
            seal_base64(&f.value, (const unsigned char *)f.bin.data, n) == -1 ||
            buf_append_str(&f.value, "\"}") == -1)
                abort();
        if (record_decode(&f.rec, f.value.data, f.value.len) == RECORD_OK &&
            vault_unseal(&f.vault, TOPIC, &f.rec, RECORD_OK, 0, f.offset++) == RECORD_OK)
                abort(); /* no signature of ours: never shown */
        return 0;
}
