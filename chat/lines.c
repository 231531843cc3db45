#include "lines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/deadline.h"
#include "../common/display.h"
#include "match.h"

int bell_due(struct bell *b, long long now_ms)
{
        if (b->rung && now_ms - b->last_ms < LINES_BELL_MS)
                return 0;
        b->rung    = 1;
        b->last_ms = now_ms;
        return 1;
}

/* 0 for Sunday, in the proleptic Gregorian calendar of Python's datetime
 * (Sakamoto's method). */
static int weekday(int y, int m, int d)
{
        static const int shift[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};

        if (m < 3)
                y--;
        return (y + y / 4 - y / 100 + y / 400 + shift[m - 1] + d) % 7;
}

int day_changed(struct day *d, const char *when, char *buf, size_t size)
{
        static const char *const names[] = {"일", "월", "화", "수", "목", "금", "토"};
        int y, m, day, changed;

        /* "?": a time that could not be shown has no date either. */
        if (sscanf(when, "%4d-%2d-%2d", &y, &m, &day) != 3 || strlen(when) < 10 ||
            (when[10] != ' ' && when[10] != '\0') || y < 1 || m < 1 || m > 12 || day < 1 ||
            day > 31)
                return 0;
        changed = d->date[0] && strncmp(d->date, when, 10) != 0;
        memcpy(d->date, when, 10);
        d->date[10] = '\0';
        if (changed)
                snprintf(buf, size, "──── %s (%s) ────\n", d->date, names[weekday(y, m, day)]);
        return changed;
}

int lines_init(struct lines *l, struct output *out, const char *me,
               const char *const *highlights, size_t nhighlights, int bell)
{
        memset(l, 0, sizeof(*l));
        l->out   = out;
        l->me    = me;
        l->bell  = bell;
        l->words = malloc((nhighlights + 1) * sizeof(*l->words));
        if (!l->words)
                return -1;
        l->words[l->nwords++] = me;
        for (size_t i = 0; i < nhighlights; i++)
                l->words[l->nwords++] = highlights[i];
        return 0;
}

void lines_free(struct lines *l)
{
        for (size_t i = 0; i < l->nrecent; i++)
                free(l->recent[i]);
        l->nrecent = 0;
        free(l->words);
        l->words = NULL;
}

void lines_style(struct lines *l, enum color_style style)
{
        char sgr[COLOR_SGR_MAX];

        if (l->out->colors)
                output_str(l->out, color_style_sgr(style, l->out->colors, sgr));
}

void lines_unstyle(struct lines *l)
{
        if (l->out->colors)
                output_str(l->out, COLOR_RESET);
}

void lines_ours(struct lines *l, const char *text)
{
        for (const char *nl; *text; text = nl + 1) {
                if (!(nl = strchr(text, '\n')))
                        nl = text + strlen(text) - 1; /* no last "\n": ends here */
                lines_style(l, STYLE_NOTICE);
                output_text(l->out, text, (size_t)(nl - text) + (*nl != '\n'));
                lines_unstyle(l);
                if (*nl == '\n')
                        output_str(l->out, "\n");
        }
}

void lines_new_room(struct lines *l)
{
        l->day.date[0] = '\0';
}

/* The day line, if the message at when starts another day. */
static void new_day(struct lines *l, const char *when)
{
        char line[128];

        if (day_changed(&l->day, when, line, sizeof(line)))
                lines_ours(l, line);
}

/* Remembers a sender for Tab, first; names that cannot be typed (with
 * control characters) are not worth offering. */
static void remember(struct lines *l, const char *name, size_t len)
{
        size_t i;
        char *copy;

        for (i = 0; i < len; i++)
                if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
                        return;
        for (i = 0; i < l->nrecent; i++)
                if (strlen(l->recent[i]) == len && !memcmp(l->recent[i], name, len))
                        break;
        if (i < l->nrecent) {
                copy = l->recent[i]; /* known: to the front */
        } else if (!(copy = strndup(name, len))) {
                return; /* out of memory: not offered */
        } else if (l->nrecent == LINES_RECENT) {
                i = LINES_RECENT - 1;
                free(l->recent[i]); /* the one who spoke longest ago */
        } else {
                i = l->nrecent++;
        }
        memmove(&l->recent[1], &l->recent[0], i * sizeof(l->recent[0]));
        l->recent[0] = copy;
}

static int is_me(const struct lines *l, const char *name, size_t len)
{
        return name && l->me && strlen(l->me) == len && !memcmp(l->me, name, len);
}

void lines_record(struct lines *l, const struct record *rec, enum line_kind kind)
{
        struct display_span marks[LINES_MARKS];
        struct display_look look = {.own = is_me(l, rec->sender, rec->sender_len)};

        if (kind != LINE_FOUND)
                new_day(l, rec->when);
        if (!look.own && !record_is_exit(rec->message, rec->message_len)) {
                look.marks  = marks;
                look.nmarks = match_words(rec->message, rec->message_len, l->words, l->nwords,
                                          marks, LINES_MARKS);
        }
        display_record_look(l->out, rec, DISPLAY_CHAT, &look);
        if (look.nmarks && kind == LINE_LIVE && l->bell && bell_due(&l->ring, deadline_now_ms()))
                output_str(l->out, "\a");
        if (kind != LINE_FOUND && rec->sender && !look.own)
                remember(l, rec->sender, rec->sender_len);
}

void lines_own(struct lines *l, const char *when, const char *text, size_t len,
               const char *mark, int failed)
{
        const struct display_look look = {.own = 1, .failed = failed};

        new_day(l, when);
        display_message(l->out, when, l->me, strlen(l->me), text, len, mark, &look);
}
