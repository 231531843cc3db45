/*
 * kafka-chat - send and receive in one terminal.
 *
 * The seed's author names its fatal limit: sending and receiving need two
 * console windows. This program does both in one: what you type is sent
 * (with your name in a "sender" field the seed's readers ignore), and what
 * others send appears above your input line while GNU readline keeps your
 * half-typed line, its cursor and its history intact.
 *
 * Its parts, in chat/: the screen (readline, and everything shown above
 * the input line), the outbox (your lines and their delivery marks), the
 * room (a topic, its history on entering, who is here), the commands (one
 * table), the event loop, and the chat that holds them together.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chat/chat.h"
#include "chat/commands.h"
#include "common/config.h"
#include "common/diag.h"
#include "common/identity.h"
#include "common/options.h"
#include "common/rooms.h"
#include "common/signals.h"

static const struct program chat_program = {
        "kafka-chat",
        "Chat over Kafka topics in one terminal: send and receive.",
        "What you type is sent as {\"message\": LINE, \"time\": TIME, \"sender\": NAME}\n"
        "(the original scripts ignore the sender); what others send appears above\n"
        "your input line. A room is a topic (-t: the first one). On entering one,\n"
        "the lines before your last visit, a separator, and what is new since.\n"
        "Your lines show once the broker has them, marked ✓ (or ✗ if they could\n"
        "not be delivered). Names show in colours of their own; a message that\n"
        "names you stands out and rings the bell; Tab completes names, commands\n"
        "and rooms; /last finds recent lines. Leave with /quit, Ctrl-D or\n"
        "Ctrl-C; typing 'exit' sends it and leaves, as the original producer does.",
        OPT_CHAT | OPT_PARTITION,
        "  0  you left\n"
        "  1  a Kafka or terminal error ended it, or a line was not delivered\n"
        "  2  usage error (or no terminal)\n"
        "  3  could not use Kafka: unreachable, authentication or TLS failure,\n"
        "     or the topic is not available\n",
        commands_usage,
};

/* What the chat needs before it starts: a terminal, a room name. */
static int usable(const struct options *opts)
{
        if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
                diag_error("needs a terminal; from scripts use producer_chat and consumer_chat");
                return 0;
        }
        if (!rooms_valid_name(opts->topic)) {
                diag_error("'%s' is not a room name: letters, digits, '.', '_' and '-' only",
                           opts->topic);
                options_hint();
                return 0;
        }
        return 1;
}

int main(int argc, char **argv)
{
        struct options opts;
        struct config cfg = {0};
        struct chat c = {.wake = {-1, -1}};
        struct room *first;
        int status;

        status = options_parse(&opts, &chat_program, argc, argv);
        if (status != OPTIONS_RUN)
                return status;
        /* readline edits UTF-8 text as characters; numbers stay in the C
         * locale (LC_NUMERIC), as --timeout was read. */
        setlocale(LC_CTYPE, "");
        screen_init(&c.screen);

        status = EXIT_USAGE;
        if (!usable(&opts) || config_load(&cfg, &opts) == -1 ||
            secure_open(&c.secure, opts.key_file, NULL) == -1)
                goto out;
        status = EXIT_FAILURE_RUN;
        if (chat_open(&c, &opts, &cfg, opts.name ? opts.name : identity_login_name()) == -1)
                goto out;
        status = EXIT_UNREACHABLE;
        if (!(first = chat_room(&c, opts.topic)))
                goto out;
        chat_banner(&c);
        status = EXIT_FAILURE_RUN;
        if (chat_enter(&c, first, opts.encrypted) == -1)
                goto out;
        status = chat_run(&c);

out:
        if (stop_signal && status == EXIT_UNREACHABLE)
                status = EXIT_OK; /* Ctrl-C while connecting */
        chat_close(&c);
        screen_free(&c.screen);
        config_free(&cfg);
        options_free(&opts);
        return status;
}
