#include "seal.h"

#include <string.h>

#include <sodium.h>

#include "pyjson.h"

/* The layout above rests on these: a libsodium with other sizes is not
 * this format. */
_Static_assert(SEAL_SALT_BYTES == crypto_pwhash_SALTBYTES, "salt");
_Static_assert(SEAL_NONCE_BYTES == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "nonce");
_Static_assert(SEAL_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "key");
_Static_assert(SEAL_TAG_BYTES == crypto_aead_xchacha20poly1305_ietf_ABYTES, "tag");
_Static_assert(SEAL_PUBLIC_BYTES == crypto_sign_PUBLICKEYBYTES, "public key");
_Static_assert(SEAL_SECRET_BYTES == crypto_sign_SECRETKEYBYTES, "secret key");
_Static_assert(SEAL_SEED_BYTES == crypto_sign_SEEDBYTES, "seed");
_Static_assert(SEAL_SIGNATURE_BYTES == crypto_sign_BYTES, "signature");
_Static_assert(SEAL_KDF_OPSLIMIT >= crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, "passes");
_Static_assert(SEAL_KDF_MEMLIMIT >= crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE, "memory");

static const char context_tag[] = "kafka-chat v1";
static const char proof_tag[] = "kafka-chat key v1";

/* The longest context: the tag, a topic name (249 at most), a time. */
#define CONTEXT_MAX (sizeof(context_tag) + 256 + PYJSON_FLOAT_MAX + 1)

int seal_init(void)
{
        return sodium_init() < 0 ? -1 : 0;
}

int seal_derive_key(unsigned char key[SEAL_KEY_BYTES], const char *passphrase, size_t len,
                    const unsigned char salt[SEAL_SALT_BYTES])
{
        return crypto_pwhash(key, SEAL_KEY_BYTES, passphrase, len, salt, SEAL_KDF_OPSLIMIT,
                             SEAL_KDF_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13) == 0
                       ? 0
                       : -1;
}

int seal_identity_from_seed(struct seal_identity *id, const unsigned char seed[SEAL_SEED_BYTES])
{
        return crypto_sign_seed_keypair(id->public_key, id->secret_key, seed) == 0 ? 0 : -1;
}

/* "kafka-chat v1" 0x00 TOPIC 0x00 TIME 0x00 into ctx; its length, or 0
 * for a topic too long to be one. */
static size_t context(unsigned char ctx[CONTEXT_MAX], const char *topic, double time)
{
        size_t topic_len = strlen(topic), n = sizeof(context_tag); /* its NUL too */

        if (topic_len > 255)
                return 0;
        memcpy(ctx, context_tag, sizeof(context_tag));
        memcpy(ctx + n, topic, topic_len + 1);
        n += topic_len + 1;
        n += pyjson_format_float(time, (char *)ctx + n);
        ctx[n++] = '\0';
        return n;
}

/* The signed message: the context, then INNER. */
static int signed_message(struct buf *msg, const unsigned char *ctx, size_t ctx_len,
                          const char *inner, size_t inner_len)
{
        buf_clear(msg);
        return buf_append(msg, ctx, ctx_len) == -1 || buf_append(msg, inner, inner_len) == -1
                       ? -1
                       : 0;
}

int seal_base64(struct buf *out, const unsigned char *bin, size_t len)
{
        size_t size = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);

        if (buf_reserve(out, size) == -1)
                return -1;
        sodium_bin2base64(out->data + out->len, size, bin, len, sodium_base64_VARIANT_ORIGINAL);
        out->len += size - 1; /* its NUL stays after the text */
        return 0;
}

int seal_unbase64(unsigned char *bin, size_t size, const char *b64, size_t len)
{
        size_t got;
        const char *end;

        return sodium_base642bin(bin, size, b64, len, NULL, &got, &end,
                                 sodium_base64_VARIANT_ORIGINAL) == 0 &&
                               got == size && end == b64 + len
                       ? 0
                       : -1;
}

int seal_record(struct buf *out, const struct seal_input *in)
{
        unsigned char ctx[CONTEXT_MAX];
        size_t ctx_len = context(ctx, in->topic, in->time);
        size_t plain_len = SEAL_SIGNED_BYTES + in->inner_len;
        size_t env_len = SEAL_HEADER_BYTES + plain_len + SEAL_TAG_BYTES;
        struct buf msg = BUF_INIT, env = BUF_INIT;
        char number[PYJSON_FLOAT_MAX];
        unsigned char *p;
        int status = -1;

        if (!ctx_len || signed_message(&msg, ctx, ctx_len, in->inner, in->inner_len) == -1 ||
            buf_reserve(&env, env_len) == -1)
                goto out;
        p    = (unsigned char *)env.data;
        p[0] = SEAL_VERSION;
        memcpy(p + 1, in->salt, SEAL_SALT_BYTES);
        memcpy(p + 1 + SEAL_SALT_BYTES, in->nonce, SEAL_NONCE_BYTES);
        /* The plaintext is laid out in place, then sealed where it is. */
        p += SEAL_HEADER_BYTES;
        memcpy(p, in->signer->public_key, SEAL_PUBLIC_BYTES);
        crypto_sign_detached(p + SEAL_PUBLIC_BYTES, NULL, (const unsigned char *)msg.data,
                             msg.len, in->signer->secret_key);
        memcpy(p + SEAL_SIGNED_BYTES, in->inner, in->inner_len);
        crypto_aead_xchacha20poly1305_ietf_encrypt(p, NULL, p, plain_len, ctx, ctx_len, NULL,
                                                   in->nonce, in->key);
        if (buf_append_str(out, "{\"message\": ") == -1 ||
            pyjson_append_string(out, SEAL_PLACEHOLDER, strlen(SEAL_PLACEHOLDER)) == -1 ||
            buf_append_str(out, ", \"time\": ") == -1 ||
            buf_append(out, number, pyjson_format_float(in->time, number)) == -1 ||
            buf_append_str(out, ", \"" SEAL_FIELD "\": \"") == -1 ||
            seal_base64(out, (const unsigned char *)env.data, env_len) == -1 ||
            buf_append_str(out, "\"}") == -1)
                goto out;
        status = 0;
out:
        /* The plaintext was sealed in place: nothing here is secret but
         * what msg signed, the line itself. */
        if (msg.data)
                sodium_memzero(msg.data, msg.cap);
        buf_free(&msg);
        buf_free(&env);
        return status;
}

int seal_parse(const char *b64, size_t len, struct buf *bin, struct seal_envelope *env)
{
        size_t size, got;
        const char *end;
        const unsigned char *p;

        buf_clear(bin);
        /* Every 4 characters are 3 bytes at most: room for all. */
        size = len / 4 * 3 + 3;
        if (buf_reserve(bin, size) == -1 ||
            sodium_base642bin((unsigned char *)bin->data, size, b64, len, NULL, &got, &end,
                              sodium_base64_VARIANT_ORIGINAL) != 0 ||
            end != b64 + len)
                return -1;
        bin->len = got;
        p        = (const unsigned char *)bin->data;
        if (got < SEAL_HEADER_BYTES + SEAL_SIGNED_BYTES + SEAL_TAG_BYTES || p[0] != SEAL_VERSION)
                return -1;
        memcpy(env->salt, p + 1, SEAL_SALT_BYTES);
        memcpy(env->nonce, p + 1 + SEAL_SALT_BYTES, SEAL_NONCE_BYTES);
        env->box     = p + SEAL_HEADER_BYTES;
        env->box_len = got - SEAL_HEADER_BYTES;
        return 0;
}

enum seal_result seal_open(const unsigned char key[SEAL_KEY_BYTES], const char *topic,
                           double time, const struct seal_envelope *env, struct buf *plain,
                           struct seal_opened *out)
{
        unsigned char ctx[CONTEXT_MAX];
        size_t ctx_len = context(ctx, topic, time);
        unsigned long long plain_len;
        struct buf msg = BUF_INIT;
        const unsigned char *p;
        enum seal_result result = SEAL_FAILED;

        buf_clear(plain);
        if (!ctx_len || env->box_len < SEAL_TAG_BYTES + SEAL_SIGNED_BYTES)
                return SEAL_UNOPENED;
        if (buf_reserve(plain, env->box_len) == -1)
                return SEAL_FAILED;
        if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)plain->data, &plain_len,
                                                       NULL, env->box, env->box_len, ctx,
                                                       ctx_len, env->nonce, key) != 0)
                return SEAL_UNOPENED;
        plain->len     = (size_t)plain_len;
        p              = (const unsigned char *)plain->data;
        out->public_key = p;
        out->signature  = p + SEAL_PUBLIC_BYTES;
        out->inner      = (const char *)p + SEAL_SIGNED_BYTES;
        out->inner_len  = plain->len - SEAL_SIGNED_BYTES;
        if (signed_message(&msg, ctx, ctx_len, out->inner, out->inner_len) == -1)
                goto out;
        result = crypto_sign_verify_detached(out->signature, (const unsigned char *)msg.data,
                                             msg.len, out->public_key) == 0
                         ? SEAL_OPENED
                         : SEAL_BAD_SIGNATURE;
        crypto_generichash(out->id, SEAL_ID_BYTES, out->signature, SEAL_SIGNATURE_BYTES, NULL, 0);
out:
        if (msg.data)
                sodium_memzero(msg.data, msg.cap);
        buf_free(&msg);
        return result;
}

/* "kafka-chat key v1" 0x00 NAME, what a proof signs. */
static int proof_message(struct buf *msg, const char *name, size_t len)
{
        return buf_append(msg, proof_tag, sizeof(proof_tag)) == -1 ||
                               buf_append(msg, name, len) == -1
                       ? -1
                       : 0;
}

int seal_prove(unsigned char proof[SEAL_SIGNATURE_BYTES], const struct seal_identity *id,
               const char *name, size_t len)
{
        struct buf msg = BUF_INIT;
        int status = -1;

        if (proof_message(&msg, name, len) == 0 &&
            crypto_sign_detached(proof, NULL, (const unsigned char *)msg.data, msg.len,
                                 id->secret_key) == 0)
                status = 0;
        buf_free(&msg);
        return status;
}

int seal_proven(const unsigned char proof[SEAL_SIGNATURE_BYTES],
                const unsigned char public_key[SEAL_PUBLIC_BYTES], const char *name, size_t len)
{
        struct buf msg = BUF_INIT;
        int proven = proof_message(&msg, name, len) == 0 &&
                     crypto_sign_verify_detached(proof, (const unsigned char *)msg.data, msg.len,
                                                 public_key) == 0;

        buf_free(&msg);
        return proven;
}

void seal_fingerprint(const unsigned char public_key[SEAL_PUBLIC_BYTES],
                      char text[SEAL_FINGERPRINT_MAX])
{
        static const char hex[] = "0123456789abcdef";
        unsigned char hash[20];
        char *t = text;

        crypto_generichash(hash, sizeof(hash), public_key, SEAL_PUBLIC_BYTES, NULL, 0);
        for (size_t i = 0; i < sizeof(hash); i++) {
                if (i && i % 2 == 0)
                        *t++ = ' ';
                *t++ = hex[hash[i] >> 4];
                *t++ = hex[hash[i] & 15];
        }
        *t = '\0';
}
