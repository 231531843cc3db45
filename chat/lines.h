/*
 * lines - how the chat shows its lines, whatever their source: a line
 * between two messages of different local dates, each sender's name in
 * its colour (common/color.h), your own lines apart, mentions highlighted
 * with a bell at most every LINES_BELL_MS, notices in their style; and
 * who spoke last, for Tab.
 *
 * A mention is a message of someone else with your name, or a word of
 * --highlight, as a whole word in any case (chat/match.h). History shown
 * on entering a room and /last's lines are highlighted and never ring.
 */
#ifndef KC_CHAT_LINES_H
#define KC_CHAT_LINES_H

#include <stddef.h>

#include "../common/color.h"
#include "../common/output.h"
#include "../common/record.h"

/* At most one bell in this long, however many mentions come. */
#define LINES_BELL_MS 2000

/* Senders remembered for Tab. */
#define LINES_RECENT 32

/* Mentions marked in one message, at most (beyond, it is still one). */
#define LINES_MARKS 16

/* A limit of one bell per LINES_BELL_MS. */
struct bell {
        long long last_ms;
        int rung;
};

/* Whether a bell may ring at now_ms (then it counts as rung). */
int bell_due(struct bell *b, long long now_ms);

/* The local date of the last message shown: "YYYY-MM-DD", "" for none. */
struct day {
        char date[11];
};

/* For a message shown with the time text when (as str(datetime) writes
 * it: "2026-12-03 10:00:00.5"): if it is of another date than the last
 * one shown, the line to show before it, with the weekday in Korean
 * ("──── 2026-12-03 (목) ────\n"), into buf, and 1; else 0. Notes the
 * date. */
int day_changed(struct day *d, const char *when, char *buf, size_t size);

/* Where a line comes from. */
enum line_kind {
        LINE_LIVE,    /* as it is said: a mention rings */
        LINE_HISTORY, /* shown on entering a room */
        LINE_FOUND,   /* /last's: outside the flow, no day line */
};

struct lines {
        struct output *out;
        const char *me;           /* your name: your lines, your mentions */
        const char **words;       /* what makes a mention: me, --highlight's */
        size_t nwords;
        int bell;                 /* ring on mentions (not --no-bell) */
        struct bell ring;
        struct day day;
        char *recent[LINES_RECENT]; /* who spoke, most recent first */
        size_t nrecent;
};

/* The lines of the chat of me, into out. Returns 0, or -1 when out of
 * memory. */
int lines_init(struct lines *l, struct output *out, const char *me,
               const char *const *highlights, size_t nhighlights, int bell);
void lines_free(struct lines *l);

/* A decoded record (not RECORD_BAD), someone's or yours. */
void lines_record(struct lines *l, const struct record *rec, enum line_kind kind);

/* A line of yours, with its delivery mark (failed: ✗). */
void lines_own(struct lines *l, const char *when, const char *text, size_t len,
               const char *mark, int failed);

/* Our own text (a separator, lines ending in "\n") in the notices' style. */
void lines_ours(struct lines *l, const char *text);

/* Starts and ends a style (nothing without colours). */
void lines_style(struct lines *l, enum color_style style);
void lines_unstyle(struct lines *l);

/* Another room: its first line needs no day line. */
void lines_new_room(struct lines *l);

#endif
