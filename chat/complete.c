#include "complete.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/rooms.h"
#include "chat.h"

enum complete_kind complete_kind_at(const char *line, size_t start)
{
        const struct command *cmd;
        const char *arg;
        char *name;

        if (line[0] != '/' || line[1] == '/') /* "//": a line, not a command */
                return COMPLETE_NAME;
        if (start == 0)
                return COMPLETE_COMMAND;
        /* The first word after /join: commands_find() wants it alone. */
        name = strndup(line, strcspn(line, " "));
        cmd  = name ? commands_find(name, &arg) : NULL;
        free(name);
        if (cmd && !strcmp(cmd->name, "/join") && start > strlen("/join") &&
            strspn(line + strlen("/join"), " ") == start - strlen("/join"))
                return COMPLETE_ROOM;
        return COMPLETE_NAME;
}

/* Adds name to out if it begins with the word and is not there yet. */
static void offer(const char *name, const char *word, size_t len, const char **out,
                  size_t *n, size_t max)
{
        if (!name || *n == max || strncasecmp(name, word, len) != 0)
                return;
        for (size_t i = 0; i < *n; i++)
                if (!strcmp(out[i], name))
                        return;
        out[(*n)++] = name;
}

size_t complete_candidates(const struct complete_sources *src, const char *line, size_t start,
                           size_t end, const char **out, size_t max)
{
        const char *word = line + start;
        size_t len = end - start, n = 0;

        switch (complete_kind_at(line, start)) {
        case COMPLETE_COMMAND:
                for (size_t i = 0; i < src->ncommands; i++)
                        offer(src->commands[i].name, word, len, out, &n, max);
                break;
        case COMPLETE_ROOM:
                for (size_t i = 0; i < 2; i++)
                        offer(src->visited[i], word, len, out, &n, max);
                for (size_t i = 0; i < src->nrooms; i++)
                        offer(src->rooms[i], word, len, out, &n, max);
                break;
        case COMPLETE_NAME:
                for (size_t i = 0; i < src->nrecent; i++)
                        if (!src->me || strcmp(src->recent[i], src->me))
                                offer(src->recent[i], word, len, out, &n, max);
                for (size_t i = 0; i < src->npresent; i++)
                        if (!src->me || strcmp(src->present[i], src->me))
                                offer(src->present[i], word, len, out, &n, max);
                break;
        }
        return n;
}

const char *complete_suffix(enum complete_kind kind, size_t start)
{
        switch (kind) {
        case COMPLETE_COMMAND:
                return " ";
        case COMPLETE_ROOM:
                return "";
        case COMPLETE_NAME:
                break;
        }
        return start == 0 ? ": " : " ";
}

size_t complete_chat(void *ctx, const char *line, int start, int end, const char **out,
                     size_t max, const char **suffix)
{
        struct chat *c = ctx;
        enum complete_kind kind = complete_kind_at(line, (size_t)start);
        struct complete_sources src = {
                .recent   = (const char *const *)c->screen.lines.recent,
                .nrecent  = c->screen.lines.nrecent,
                .present  = c->room ? (const char *const *)c->room->who.names : NULL,
                .npresent = c->room ? c->room->who.count : 0,
                .visited  = {c->room ? c->room->name : NULL, c->previous},
                .me       = c->name,
        };
        char errstr[256];

        src.commands = commands_table(&src.ncommands);
        /* No list: the rooms you know, quietly, until /rooms lists them. */
        if (kind == COMPLETE_ROOM && !c->rooms &&
            rooms_list(c->cfg, &c->screen.voice, c->opts->room_prefix, COMPLETE_ROOMS_MS,
                       &c->rooms, errstr, sizeof(errstr)) < 0)
                c->rooms = calloc(1, sizeof(*c->rooms)); /* NULL: tried again next time */
        for (char **r = c->rooms; r && *r; r++)
                src.nrooms++;
        src.rooms = (const char *const *)c->rooms;
        *suffix   = complete_suffix(kind, (size_t)start);
        return complete_candidates(&src, line, (size_t)start, (size_t)end, out, max);
}
