/*
 * libFuzzer harness: the consumer's record decoder and terminal output on
 * any value. Nothing may crash, leak or read out of bounds; a record that
 * is shown has a message that is valid UTF-8 and a usable time; and the
 * fast path for json.dumps()'s own layout reads exactly what jansson does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/output.h"
#include "../common/pytime.h"
#include "../common/record.h"
#include "../common/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct record rec = RECORD_INIT, general = RECORD_INIT;
        static struct output out;
        static int ready;
        enum record_status st;
        char when[PYTIME_TEXT_MAX];

        if (!ready) {
                FILE *null = fopen("/dev/null", "w");

                if (!null)
                        abort();
                output_init(&out, fileno(null), ESCAPE_ALWAYS, NULL);
                ready = 1;
        }

        st = record_decode(&rec, size ? data : NULL, size);
        if (st != RECORD_OK && rec.problem[0] == '\0')
                abort(); /* every fault is described */

        /* The fast path for json.dumps()'s layout and jansson agree. */
        if (record_decode_json(&general, size ? data : NULL, size) != st)
                abort();
        if (st != RECORD_BAD &&
            (general.message_len != rec.message_len ||
             memcmp(general.message, rec.message, rec.message_len) != 0))
                abort();
        if (st == RECORD_OK && general.time != rec.time)
                abort();
        if (st != RECORD_BAD &&
            ((general.sender == NULL) != (rec.sender == NULL) ||
             general.sender_len != rec.sender_len ||
             (rec.sender && memcmp(general.sender, rec.sender, rec.sender_len) != 0)))
                abort();
        if (st == RECORD_BAD)
                return 0;
        if (utf8_valid_prefix((const unsigned char *)rec.message, rec.message_len) !=
            rec.message_len)
                abort();
        if (st == RECORD_OK && pytime_format(rec.time, when) < 0)
                abort();
        output_untrusted(&out, rec.message, rec.message_len);
        output_flush(&out);
        return 0;
}
