#include "chat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/color.h"
#include "../common/record.h"
#include "../common/rooms.h"
#include "../common/signals.h"
#include "commands.h"
#include "complete.h"
#include "loop.h"

int chat_open(struct chat *c, const struct options *opts, const struct config *cfg,
              const char *name)
{
        c->opts = opts;
        c->cfg  = cfg;
        c->name = name;
        /* Your place: -g, else a group of your own. */
        if (opts->group)
                snprintf(c->group, sizeof(c->group), "%s", opts->group);
        else
                snprintf(c->group, sizeof(c->group), "kafka-chat-%s", c->name);
        c->screen.out.colors = color_decide(opts->color, STDOUT_FILENO);
        if (lines_init(&c->screen.lines, &c->screen.out, name, opts->highlights,
                       opts->nhighlights, !opts->no_bell) == -1) {
                diag_error("out of memory");
                return -1;
        }
        if (outbox_open(&c->outbox, cfg, c->name, &c->screen) == -1)
                return -1;
        /* librdkafka writes to the pipe from its threads: it must not
         * block there (rd_kafka_queue_io_event_enable()). */
        if (signals_install() == -1 || pipe2(c->wake, O_NONBLOCK | O_CLOEXEC) == -1) {
                diag_error("cannot set up: %m");
                return -1;
        }
        outbox_wake(&c->outbox, c->wake[1]);
        c->screen.complete     = complete_chat;
        c->screen.complete_ctx = c;
        return 0;
}

struct room *chat_room(struct chat *c, const char *name)
{
        return room_open(c->cfg, name, c->group, c->name, &c->screen, &c->outbox, c->wake[1]);
}

void chat_banner(struct chat *c)
{
        output_str(&c->screen.out, "채팅 프로그램 - ");
        output_untrusted(&c->screen.out, c->name, strlen(c->name));
        output_str(&c->screen.out, " (/help: 명령, /quit 또는 Ctrl-D로 종료)\n");
        screen_show(&c->screen);
}

/* The screen's flush while a room is read: the reader writes the lines
 * out and notes the offsets of those that got out. */
static int flush_reader(void *ctx)
{
        return consumer_flush(ctx);
}

int chat_enter(struct chat *c, struct room *r, int ask)
{
        if (secure_room(c, r, ask) == -1) {
                room_close(r, NULL);
                return -1;
        }
        if (c->room) {
                struct deadline until = deadline_in(c->opts->timeout_ms);

                free(c->previous);
                c->previous = strdup(c->room->name);
                room_close(c->room, &until);
        }
        c->room = r;
        lines_new_room(&c->screen.lines);
        /* What the reader writes goes out through it: it notes what got out. */
        c->screen.flush     = flush_reader;
        c->screen.flush_ctx = &r->in;
        screen_set_prompt(&c->screen, r->name);
        if (room_enter(r, c->opts->history, c->opts->timeout_ms) == -1)
                return -1;
        room_serve(r); /* what came meanwhile: its wake-up may be spent */
        return 0;
}

void chat_join(struct chat *c, const char *name, int ask)
{
        struct room *r;

        if (!rooms_valid_name(name))
                screen_notice(&c->screen, "방 이름에는 글자, 숫자, '.', '_', '-'만 쓸 수 있습니다: /join ROOM");
        else if (!strcmp(name, c->room->name))
                screen_notice(&c->screen, "이미 %s 방에 있습니다.", name);
        else if (!(r = chat_room(c, name)))
                screen_notice(&c->screen, "%s 방에 들어갈 수 없습니다; %s 방에 그대로 있습니다.", name,
                              c->room->name);
        else if (chat_enter(c, r, ask) == -1)
                screen_notice(&c->screen, "%s 방의 지난 메시지를 읽을 수 없습니다.", name);
        screen_show(&c->screen);
}

void chat_say(struct chat *c, const char *text)
{
        outbox_send(&c->outbox, c->room->topic, text, c->room->in.vault);
}

/* readline gives each line typed here (NULL at Ctrl-D). */
static void on_line(struct screen *s, char *text)
{
        struct chat *c = container_of(s, struct chat, screen);

        if (!text) {
                c->leaving = 1;
        } else if (text[0] == '/' && text[1] != '/') {
                commands_run(c, text);
        } else if (*text) {
                /* "//..." sends a line that starts with '/'. */
                chat_say(c, text[0] == '/' ? text + 1 : text);
                /* As the seed's producer: 'exit' is sent, then we go. */
                if (record_is_exit(text, strlen(text)))
                        c->leaving = 1;
        }
        free(text);
        /* Leaving: no new prompt (readline draws one once we return,
         * unless the handler is gone). */
        if (c->leaving)
                screen_stop(s);
}

/* ---- the loop's callbacks ------------------------------------------------- */

/* Whether the chat must end: you left, a signal, Kafka failed for good, or
 * the screen can no longer be written. */
static int over(void *ctx)
{
        const struct chat *c = ctx;

        return c->leaving || stop_signal || c->outbox.client.fatal || room_failed(c->room) ||
               screen_broken(&c->screen);
}

static int next_ms(void *ctx)
{
        const struct chat *c = ctx;

        return deadline_sooner(room_next_ms(c->room), outbox_next_ms(&c->outbox));
}

static void on_input(void *ctx)
{
        screen_read(&((struct chat *)ctx)->screen);
}

/* Serves what librdkafka has for us: delivery reports first (a record of
 * ours may come back before its report), then the room. */
static void serve(void *ctx)
{
        struct chat *c = ctx;
        char drained[64];

        /* Empty the wake-up pipe first, so no event is slept through. */
        while (read(c->wake[0], drained, sizeof(drained)) > 0)
                ;
        if (over(c))
                return;
        outbox_serve(&c->outbox);
        room_serve(c->room);
}

/* ---- the chat ------------------------------------------------------------------ */

int chat_run(struct chat *c)
{
        const struct loop loop = {
                .sources = {{STDIN_FILENO, on_input}, {c->wake[0], NULL}},
                .count   = 2,
                .over    = over,
                .next_ms = next_ms,
                .after   = serve,
                .ctx     = c,
        };
        struct deadline until;
        int failed, waiting_errno = 0, fatal;

        screen_start(&c->screen, on_line);
        failed = loop_run(&loop) == -1;
        if (failed)
                waiting_errno = errno;
        screen_stop(&c->screen);
        screen_show(&c->screen);
        /* What is on its way is delivered: --timeout from now, a second
         * Ctrl-C gives up. */
        until = deadline_in(c->opts->timeout_ms);
        outbox_drain(&c->outbox, &until, c->opts->verbose < 0);
        screen_show(&c->screen);
        fatal = room_failed(c->room);
        if (fatal) /* a static member fenced by another, say */
                diag_error("kafka: %s", c->room->in.client.reason);
        room_close(c->room, &until);
        c->room = NULL;

        if (failed) {
                errno = waiting_errno;
                diag_error("waiting for input: %m");
        } else if (screen_broken(&c->screen)) {
                errno = c->screen.out.error;
                diag_error("writing output: %m");
        }
        return failed || fatal || screen_broken(&c->screen) || c->outbox.client.fatal ||
               c->outbox.failed;
}

void chat_close(struct chat *c)
{
        if (c->room) { /* chat_run() did not close it */
                struct deadline until = deadline_in(c->opts->timeout_ms);

                room_close(c->room, &until);
        }
        free(c->previous);
        rooms_free(c->rooms);
        outbox_close(&c->outbox);
        secure_free(&c->secure);
        for (int i = 0; i < 2; i++)
                if (c->wake[i] != -1)
                        close(c->wake[i]);
}
