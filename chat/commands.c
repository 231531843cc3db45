#include "commands.h"

#include <stdlib.h>
#include <string.h>

#include "../common/rooms.h"
#include "chat.h"
#include "search.h"

/* How long /rooms looks at the cluster's topics, in ms. */
#define ROOMS_TIMEOUT_MS 5000

static void help(struct chat *c, const char *arg);

/* /join ROOM, or /join -e ROOM: an encrypted room, its passphrase asked for. */
static void join(struct chat *c, const char *arg)
{
        int ask = !strncmp(arg, "-e", 2) && (arg[2] == ' ' || !arg[2]);

        if (ask)
                arg += strspn(arg + 2, " ") + 2;
        if (!*arg)
                screen_notice(&c->screen, "사용법: /join -e ROOM");
        else
                chat_join(c, arg, ask);
}

/* /last [-n N] TEXT: the room's recent lines that contain TEXT. */
static void last(struct chat *c, const char *arg)
{
        long records = SEARCH_DEFAULT;
        char *end;

        if (!strncmp(arg, "-n", 2) && (arg[2] == ' ' || !arg[2])) {
                records = strtol(arg + 2, &end, 10);
                if (end == arg + 2 || (*end && *end != ' ') || records < 1 ||
                    records > SEARCH_MAX) {
                        screen_notice(&c->screen, "사용법: /last [-n N] TEXT (N: 1-%d)",
                                      SEARCH_MAX);
                        return;
                }
                arg = end + strspn(end, " ");
        }
        if (!*arg)
                screen_notice(&c->screen, "사용법: /last [-n N] TEXT");
        else
                search_last(c, arg, records);
}

/* /me TEXT: an ordinary message, "* NAME TEXT", which the seed shows too. */
static void me(struct chat *c, const char *arg)
{
        char *line;

        if (asprintf(&line, "* %s %s", c->name, arg) == -1) {
                screen_notice(&c->screen, "out of memory: nothing sent");
                return;
        }
        chat_say(c, line);
        free(line);
}

static void part(struct chat *c, const char *arg)
{
        char *back;

        (void)arg;
        if (!c->previous) {
                screen_notice(&c->screen, "돌아갈 방이 없습니다 (/quit: 나가기).");
                return;
        }
        back = strdup(c->previous); /* chat_join() replaces c->previous */
        if (back)
                chat_join(c, back, 0);
        free(back);
}

static void quit(struct chat *c, const char *arg)
{
        (void)arg;
        c->leaving = 1;
}

static void rooms(struct chat *c, const char *arg)
{
        char **names, errstr[512], *list;
        size_t len = 1;
        long n = rooms_list(c->cfg, &c->screen.voice, c->opts->room_prefix, ROOMS_TIMEOUT_MS,
                            &names, errstr, sizeof(errstr));

        (void)arg;
        if (n < 0) {
                screen_notice(&c->screen, "방 목록을 읽을 수 없습니다: %s", errstr);
                return;
        }
        for (long i = 0; i < n; i++)
                len += strlen(names[i]) + 2;
        list = calloc(len, 1);
        for (long i = 0; list && i < n; i++)
                strcat(strcat(list, i ? ", " : ""), names[i]);
        screen_notice(&c->screen, "방 %ld개: %s", n, !list ? "(out of memory)" : n ? list : "(없음)");
        free(list);
        rooms_free(c->rooms); /* Tab offers these now */
        c->rooms = names;
}

/* /verify NAME: fingerprints to compare in person. */
static void verify(struct chat *c, const char *arg)
{
        secure_verify(c, arg);
}

static void who(struct chat *c, const char *arg)
{
        (void)arg;
        room_who(c->room);
}

/* Sorted by name: commands_find() searches it, a unit test checks it. */
static const struct command table[] = {
        {"/help", NULL, help, "명령 목록", "the commands"},
        {"/join", "ROOM", join, "ROOM 방으로 (방은 토픽입니다; /join -e ROOM: 암호화된 방)",
         "go to room ROOM (a topic), with its history; /join -e ROOM: an encrypted room, its "
         "passphrase asked for"},
        {"/last", "TEXT", last, "최근 메시지 10000개 중 TEXT가 든 줄 (/last -n N TEXT)",
         "the lines with TEXT among the last 10000 (-n N) records"},
        {"/me", "TEXT", me, "\"* 이름 TEXT\"를 보내기", "send \"* NAME TEXT\""},
        {"/part", NULL, part, "전에 있던 방으로 돌아가기", "back to the room you were in before"},
        {"/quit", NULL, quit, "나가기 (Ctrl-D, Ctrl-C도)", "leave (so do Ctrl-D and Ctrl-C)"},
        {"/rooms", NULL, rooms, "채팅 기록이 있는 방 목록", "the rooms: topics that hold chat records"},
        {"/verify", "NAME", verify, "NAME의 키 지문 (직접 만나 비교하세요)",
         "show NAME's key fingerprint, to compare in person"},
        {"/who", NULL, who, "이 방에 지금 있는 사람", "who is in this room now"},
};

#define NCOMMANDS (sizeof(table) / sizeof(table[0]))

/* What is worth knowing besides the commands. */
static const char *const also[] = {
        "//TEXT         /로 시작하는 줄을 보내기",
        "exit           작별 인사를 보내고 나가기;  위/아래: 입력 기록",
};

const struct command *commands_table(size_t *count)
{
        *count = NCOMMANDS;
        return table;
}

/* "/name" or "/name ARG" to the width of the help's first column. */
static const char *synopsis(const struct command *cmd, char *buf, size_t size)
{
        snprintf(buf, size, "%s%s%s", cmd->name, cmd->arg ? " " : "", cmd->arg ? cmd->arg : "");
        return buf;
}

static void help(struct chat *c, const char *arg)
{
        char name[64];

        (void)arg;
        screen_notice(&c->screen, "명령:");
        for (size_t i = 0; i < NCOMMANDS; i++)
                screen_notice(&c->screen, "  %-14s %s", synopsis(&table[i], name, sizeof(name)),
                              table[i].help);
        for (size_t i = 0; i < sizeof(also) / sizeof(also[0]); i++)
                screen_notice(&c->screen, "  %s", also[i]);
}

void commands_usage(FILE *out)
{
        char name[64];

        fprintf(out, "\nCommands (typed in the chat):\n");
        for (size_t i = 0; i < NCOMMANDS; i++)
                fprintf(out, "  %-32s %s\n", synopsis(&table[i], name, sizeof(name)),
                        table[i].about);
        fprintf(out, "  %-32s %s\n", "//TEXT", "send a line that starts with '/'");
}

/* bsearch's order: the typed name (a key of known length) against a row. */
struct key {
        const char *name;
        size_t len;
};

static int by_name(const void *k, const void *row)
{
        const struct key *key = k;
        const char *name = ((const struct command *)row)->name;
        int order = strncmp(key->name, name, key->len);

        return order ? order : -(name[key->len] != '\0'); /* a prefix comes first */
}

const struct command *commands_find(const char *line, const char **arg)
{
        struct key key = {line, strcspn(line, " ")};

        *arg = line + key.len;
        while (**arg == ' ')
                (*arg)++;
        return bsearch(&key, table, NCOMMANDS, sizeof(table[0]), by_name);
}

void commands_run(struct chat *c, const char *line)
{
        const char *arg;
        const struct command *cmd = commands_find(line, &arg);
        char name[64];

        if (!cmd)
                screen_notice(&c->screen, "알 수 없는 명령입니다: %.*s (/help); 아무것도 보내지 않았습니다.",
                              (int)strcspn(line, " "), line);
        else if (cmd->arg && !*arg)
                screen_notice(&c->screen, "사용법: %s", synopsis(cmd, name, sizeof(name)));
        else
                cmd->run(c, arg);
        screen_show(&c->screen);
}
