#include "display.h"

#include <string.h>

/* Our own text of known length. */
#define PUT(out, literal) output_text(out, literal, sizeof(literal) - 1)

/* "[when]": every line starts with the record's time. */
static void put_time(struct output *out, const char *text)
{
        PUT(out, "[");
        output_str(out, text);
        PUT(out, "]");
}

/* The sender's name, or the seed's FRIEND for a record without one. */
static void put_sender(struct output *out, const char *name, size_t len)
{
        if (name)
                output_untrusted(out, name, len);
        else
                PUT(out, "FRIEND");
}

void display_line(struct output *out, const char *when, const char *name,
                  size_t name_len, const char *message, size_t message_len,
                  const char *suffix)
{
        put_time(out, when);
        PUT(out, "[");
        put_sender(out, name, name_len);
        PUT(out, "] ");
        output_untrusted(out, message, message_len);
        if (suffix)
                output_str(out, suffix);
        PUT(out, "\n");
}

void display_record(struct output *out, const struct record *rec, enum display_style style)
{
        if (!record_is_exit(rec->message, rec->message_len)) {
                display_line(out, rec->when, rec->sender, rec->sender_len, rec->message,
                             rec->message_len, NULL);
        } else if (style == DISPLAY_SEED) {
                put_time(out, rec->when);
                output_str(out, " 발신자가 프로그램을 종료하였습니다.\n");
                put_time(out, rec->when);
                output_str(out, " 수신 프로그램을 종료합니다.\n");
        } else {
                put_time(out, rec->when);
                output_str(out, " ");
                put_sender(out, rec->sender, rec->sender_len);
                output_str(out, " 님이 나갔습니다.\n");
        }
}
