/*
 * libFuzzer harness: the producer's encoder on any line. Whatever is typed
 * becomes valid JSON whose message is the line with bad UTF-8 replaced,
 * and which is all ASCII, as json.dumps(ensure_ascii=True) writes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../common/buf.h"
#include "../common/record.h"
#include "../common/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct buf value = BUF_INIT, repaired = BUF_INIT;
        const double time = 1732451234.1234567;
        json_t *root, *message;
        long bad;

        /* With a sender every other time: it must come back as well. */
        const char *sender = size % 2 ? "김 \"q\" \\ \t😀" : NULL;

        bad = record_encode(&value, (const char *)data, size, time, sender);
        if (bad < 0 || utf8_repair(&repaired, data, size) != bad)
                abort();
        for (size_t i = 0; i < value.len; i++)
                if ((unsigned char)value.data[i] < 0x20 || (unsigned char)value.data[i] > 0x7E)
                        abort();

        root = json_loadb(value.data, value.len, JSON_ALLOW_NUL, NULL);
        if (!root)
                abort();
        message = json_object_get(root, "message");
        if (!json_is_string(message) || json_string_length(message) != repaired.len ||
            memcmp(json_string_value(message), repaired.data ? repaired.data : "",
                   repaired.len) != 0 ||
            json_real_value(json_object_get(root, "time")) != time)
                abort();
        if (sender ? !json_is_string(json_object_get(root, "sender")) ||
                             strcmp(json_string_value(json_object_get(root, "sender")), sender)
                   : json_object_get(root, "sender") != NULL)
                abort();

        json_decref(root);
        buf_free(&value);
        buf_free(&repaired);
        return 0;
}
