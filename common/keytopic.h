/*
 * keytopic - the published public keys: the compacted topic
 * kafka-chat.keys, one record per name (the record's key), its value
 * {"name": NAME, "key": BASE64, "proof": BASE64} as json.dumps() writes it,
 * the proof the Ed25519 signature of "kafka-chat key v1" 0x00 NAME by that
 * key (common/seal.h).
 *
 * Reading it notes the first proven key of each name, which a line of that
 * name must be signed with when it is first met (and then pinned: trust on
 * first use, so whoever publishes a name first is trusted for it); a key
 * that differs from a pin is a loud warning. Yours is published there
 * when it is not, the topic made compacted with the admin API where the
 * cluster allows.
 */
#ifndef KC_KEYTOPIC_H
#define KC_KEYTOPIC_H

#include "config.h"
#include "diag.h"
#include "vault.h"

#define KEYTOPIC "kafka-chat.keys"

/* Reads the published keys into t's pins, and publishes t's identity for
 * name if it is not there, each for at most timeout_ms. Returns 0, or -1
 * after saying why (encrypted rooms still work: pins then come from the
 * lines themselves). */
int keytopic_sync(const struct config *cfg, const struct voice *voice, struct trust *t,
                  const char *name, int timeout_ms);

#endif
