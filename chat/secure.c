#include "secure.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "../common/keytopic.h"
#include "../common/rooms.h"
#include "../common/signals.h"
#include "chat.h"

/* The newest records of each partition looked at on entering a room. */
#define NEWEST 8

/* What the newest records of a room say. */
struct newest {
        struct buf values[NEWEST * 4]; /* copies, to learn the salt from */
        size_t count;
        int64_t latest;                /* the latest record's Kafka timestamp */
        int sealed;                    /* it is sealed */
};

static void look(void *ctx, const rd_kafka_message_t *msg)
{
        struct newest *n = ctx;
        struct record rec = RECORD_INIT;
        int64_t ts = rd_kafka_message_timestamp(msg, NULL);
        int sealed = record_decode(&rec, msg->payload, msg->len) != RECORD_BAD && rec.sealed;

        if (ts >= n->latest) {
                n->latest = ts;
                n->sealed = sealed;
        }
        if (sealed && n->count < sizeof(n->values) / sizeof(n->values[0]) &&
            buf_append(&n->values[n->count], msg->payload, msg->len) == 0)
                n->count++;
        record_free(&rec);
}

static void newest_free(struct newest *n)
{
        for (size_t i = 0; i < sizeof(n->values) / sizeof(n->values[0]); i++)
                buf_free(&n->values[i]);
}

/* Your identity and the pins, once; your own name pinned to your key. */
static int trust(struct chat *c)
{
        struct secure *s = &c->secure;
        const unsigned char *pin;

        if (s->trusting)
                return 0;
        if (trust_load(&s->trust, 1, &c->screen.voice) == -1)
                return -1;
        s->trusting = 1;
        pin         = pins_find(&s->trust.pins, c->name, strlen(c->name));
        if (!pin)
                return pins_add(&s->trust.pins, c->name, strlen(c->name),
                                s->trust.me.keys.public_key);
        if (memcmp(pin, s->trust.me.keys.public_key, SEAL_PUBLIC_BYTES))
                diag_say(&c->screen.voice, DIAG_WARNING,
                         "WARNING: your name '%s' is pinned to another key than yours "
                         "(known_keys): others may see your lines as someone else's",
                         c->name);
        return 0;
}

/* The passphrase: the first room's --key-file, or typed. Returns 0, 1 for
 * none given, -1 to end the chat. */
static int passphrase(struct chat *c, const struct room *r, struct secret *out)
{
        char prompt[400];
        int got;

        if (c->secure.first.text) { /* the first room's --key-file */
                *out                 = c->secure.first;
                c->secure.first.text = NULL;
                return 0;
        }
        snprintf(prompt, sizeof(prompt), "%s 방의 암호 (보이지 않습니다; 없이 들어가려면 Enter): ",
                 r->name);
        got = screen_ask_secret(&c->screen, prompt, out);
        if (got == -1 && !stop_signal)
                diag_say(&c->screen.voice, DIAG_ERROR, "cannot read the passphrase: %m");
        return got;
}

/* A new vault for r's topic, kept for the run; NULL after saying why. */
static struct vault *keep(struct chat *c, const struct room *r, struct secret *pw)
{
        struct kept_vault *k = calloc(1, sizeof(*k));

        if (!k || !(k->topic = strdup(r->topic))) {
                free(k);
                secret_free(pw);
                diag_say(&c->screen.voice, DIAG_ERROR, "out of memory");
                return NULL;
        }
        if (vault_open(&k->vault, pw, &c->secure.trust.me, &c->secure.trust.pins,
                       &c->screen.voice, c->opts->verbose) == -1) {
                free(k->topic);
                free(k);
                return NULL;
        }
        k->next          = c->secure.vaults;
        c->secure.vaults = k;
        return &k->vault;
}

static struct vault *kept(const struct chat *c, const char *topic)
{
        for (struct kept_vault *k = c->secure.vaults; k; k = k->next)
                if (!strcmp(k->topic, topic))
                        return &k->vault;
        return NULL;
}

int secure_open(struct secure *s, const char *key_file, const struct voice *voice)
{
        memset(s, 0, sizeof(*s));
        return key_file ? passphrase_from_file(&s->first, key_file, voice) : 0;
}

int secure_room(struct chat *c, struct room *r, int ask)
{
        struct newest n = {.latest = -1};
        struct secret pw = {NULL, 0};
        struct vault *v = kept(c, r->topic);
        char errstr[512], mine[SEAL_FINGERPRINT_MAX];
        int got, status = -1;

        if (v) {
                r->in.vault = v;
                return 0;
        }
        if (rooms_newest(c->cfg, &c->screen.voice, r->topic, -1, NEWEST, c->opts->timeout_ms,
                         look, &n, errstr, sizeof(errstr)) == -1)
                diag_say(&c->screen.voice, DIAG_WARNING, "cannot read the newest records of '%s': %s",
                         r->topic, errstr);
        if (!ask && !n.sealed && !c->secure.first.text) {
                status = 0; /* an open room */
                goto out;
        }
        got = passphrase(c, r, &pw);
        if (got == 1) {
                screen_notice(&c->screen, "암호 없이 들어갑니다: 봉인된 줄은 🔒로만 보이고, 보내는 줄은 "
                                          "암호화되지 않습니다.");
                status = 0;
                goto out;
        }
        if (got == -1 || trust(c) == -1 || !(v = keep(c, r, &pw)))
                goto out;
        /* Who is who (and yours published), the room's salt, the key to
         * write with: a second or so, once per room. */
        (void)keytopic_sync(c->cfg, &c->screen.voice, &c->secure.trust, c->name,
                            c->opts->timeout_ms);
        for (size_t i = 0; i < n.count; i++)
                vault_learn(v, r->topic, n.values[i].data, n.values[i].len);
        if (vault_ready(v) == -1)
                goto out;
        r->in.vault = v;
        seal_fingerprint(c->secure.trust.me.keys.public_key, mine);
        screen_notice(&c->screen, "%s: 암호화된 방입니다. 보내는 줄은 봉인되고 서명됩니다 (내 키 지문 %s).",
                      r->name, mine);
        status = 0;
out:
        secret_free(&pw);
        newest_free(&n);
        return status;
}

void secure_verify(struct chat *c, const char *name)
{
        char theirs[SEAL_FINGERPRINT_MAX], mine[SEAL_FINGERPRINT_MAX];
        const unsigned char *pin;

        if (!c->secure.trusting && trust(c) == -1)
                return;
        seal_fingerprint(c->secure.trust.me.keys.public_key, mine);
        pin = pins_find(&c->secure.trust.pins, name, strlen(name));
        if (!pin) {
                screen_notice(&c->screen, "%s의 키를 아직 모릅니다 (내 키 지문: %s)", name, mine);
                return;
        }
        seal_fingerprint(pin, theirs);
        screen_notice(&c->screen, "%s의 키 지문: %s", name, theirs);
        screen_notice(&c->screen, "내 키 지문: %s (직접 만나 서로 비교하세요)", mine);
}

void secure_free(struct secure *s)
{
        secret_free(&s->first);
        while (s->vaults) {
                struct kept_vault *next = s->vaults->next;

                vault_close(&s->vaults->vault);
                free(s->vaults->topic);
                free(s->vaults);
                s->vaults = next;
        }
        if (s->trusting)
                trust_free(&s->trust);
        s->trusting = 0;
}
