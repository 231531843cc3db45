#include "display.h"

#include <string.h>

#include "color.h"

/* Our own text of known length. */
#define PUT(out, literal) output_text(out, literal, sizeof(literal) - 1)

/* "[when]": every line starts with the record's time. */
static void put_time(struct output *out, const char *text)
{
        PUT(out, "[");
        output_str(out, text);
        PUT(out, "]");
}

static void style(struct output *out, enum color_style s)
{
        char sgr[COLOR_SGR_MAX];

        if (out->colors)
                output_str(out, color_style_sgr(s, out->colors, sgr));
}

static void unstyle(struct output *out)
{
        if (out->colors)
                PUT(out, COLOR_RESET);
}

/* The sender's name in its colour, or the seed's FRIEND for a record
 * without one. */
static void put_sender(struct output *out, const char *name, size_t len, int own)
{
        char sgr[COLOR_SGR_MAX];

        if (!name) {
                style(out, STYLE_FRIEND);
                PUT(out, "FRIEND");
        } else {
                if (out->colors)
                        output_str(out, color_name_sgr(name, len, own, out->colors, sgr));
                output_untrusted(out, name, len);
        }
        unstyle(out);
}

/* The message; one that names the reader in bold, the words that do
 * reversed. */
static void put_message(struct output *out, const char *text, size_t len,
                        const struct display_look *look)
{
        size_t at = 0;

        if (!out->colors || !look || !look->nmarks) {
                output_untrusted(out, text, len);
                return;
        }
        style(out, STYLE_MENTION);
        for (size_t i = 0; i < look->nmarks; i++) {
                const struct display_span *m = &look->marks[i];

                if (m->from < at || m->to > len || m->from >= m->to)
                        continue; /* not in order: shown unmarked */
                output_untrusted(out, text + at, m->from - at);
                style(out, STYLE_MATCH);
                output_untrusted(out, text + m->from, m->to - m->from);
                unstyle(out);
                style(out, STYLE_MENTION);
                at = m->to;
        }
        output_untrusted(out, text + at, len - at);
        unstyle(out);
}

void display_message(struct output *out, const char *when, const char *name,
                     size_t name_len, const char *message, size_t message_len,
                     const char *suffix, const struct display_look *look)
{
        put_time(out, when);
        PUT(out, "[");
        put_sender(out, name, name_len, look && look->own);
        PUT(out, "] ");
        put_message(out, message, message_len, look);
        if (suffix) {
                style(out, look && look->failed ? STYLE_FAILED : STYLE_DELIVERED);
                output_str(out, suffix);
                unstyle(out);
        }
        PUT(out, "\n");
}

void display_line(struct output *out, const char *when, const char *name,
                  size_t name_len, const char *message, size_t message_len,
                  const char *suffix)
{
        display_message(out, when, name, name_len, message, message_len, suffix, NULL);
}

void display_record_look(struct output *out, const struct record *rec,
                         enum display_style style, const struct display_look *look)
{
        if (!record_is_exit(rec->message, rec->message_len)) {
                display_message(out, rec->when, rec->sender, rec->sender_len, rec->message,
                                rec->message_len, NULL, look);
        } else if (style == DISPLAY_SEED) {
                put_time(out, rec->when);
                output_str(out, " 발신자가 프로그램을 종료하였습니다.\n");
                put_time(out, rec->when);
                output_str(out, " 수신 프로그램을 종료합니다.\n");
        } else {
                put_time(out, rec->when);
                output_str(out, " ");
                put_sender(out, rec->sender, rec->sender_len, look && look->own);
                output_str(out, " 님이 나갔습니다.\n");
        }
}

void display_record(struct output *out, const struct record *rec, enum display_style style)
{
        display_record_look(out, rec, style, NULL);
}
