#include "screen.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "../common/signals.h"

/* readline's line handler has no context argument: the screen it serves,
 * between screen_start() and screen_stop(). */
static struct screen *reading;

/* A diagnostic of one of our clients: above the input line while it is
 * there, on stderr before and after. */
static void say(void *ctx, enum diag_level level, const char *text)
{
        static const char *const labels[] = {
                [DIAG_ERROR] = "error: ", [DIAG_WARNING] = "", [DIAG_NOTE] = ""};
        struct screen *s = ctx;

        if (!s->live) {
                diag_stderr(level, text);
                return;
        }
        screen_notice(s, "%s%s", labels[level], text);
        if (!s->showing) /* else it goes out with what is being shown */
                screen_show(s);
}

void screen_init(struct screen *s)
{
        memset(s, 0, sizeof(*s));
        output_init(&s->out, STDOUT_FILENO, ESCAPE_ALWAYS, &stop_signal);
        s->voice     = (struct voice){say, s};
        s->lines.out = &s->out; /* notices in their style before lines_init() */
}

void screen_free(struct screen *s)
{
        lines_free(&s->lines);
        output_free(&s->out);
}

void screen_set_prompt(struct screen *s, const char *room)
{
        snprintf(s->prompt, sizeof(s->prompt), "[%s] YOU: ", room);
        if (s->live)
                rl_set_prompt(s->prompt);
}

static void on_line(char *line)
{
        struct screen *s = reading;

        s->in_handler = 1;
        if (line && *line)
                add_history(line);
        s->on_line(s, line);
        s->in_handler = 0;
        if (s->given_back && s->live) /* screen_ask_secret() took the terminal */
                rl_callback_handler_install(s->prompt, on_line);
        s->given_back = 0;
}

/*
 * Enter. The line you typed leaves the screen at once: your message shows
 * once the broker has it, as others see it (chat/outbox.h), and is not
 * shown twice. readline knows the rows the prompt and the text took,
 * wrapped or not, wide characters and all: a redisplay with neither
 * clears them and leaves the cursor where the prompt began. readline then
 * accepts the line as an empty one, which with rl_erase_empty_line moves
 * to no new row, and the text goes back for the line handler.
 */
static int accept_line(int count, int key)
{
        char *typed = rl_copy_text(0, rl_end);
        int erase = rl_erase_empty_line, status;

        if (!typed) /* out of memory: readline's own way, the line stays */
                return rl_newline(count, key);
        rl_save_prompt();
        rl_replace_line("", 0);
        rl_redisplay();
        rl_restore_prompt();
        rl_erase_empty_line = 1;
        status = rl_newline(count, key);
        rl_erase_empty_line = erase;
        rl_replace_line(typed, 0);
        rl_point = rl_end;
        free(typed);
        return status;
}

/* readline's generator of matches, one per call (state 0: the first):
 * the candidates complete() found. */
static char *next_candidate(const char *text, int state)
{
        struct screen *s = reading;

        (void)text; /* the candidates begin with it */
        if (!state)
                s->next_candidate = 0;
        if (s->next_candidate == s->ncandidates)
                return NULL;
        return strdup(s->candidates[s->next_candidate++]); /* readline frees it */
}

/* Tab: readline asks for the matches of the word from start to end. */
static char **complete(const char *text, int start, int end)
{
        struct screen *s = reading;
        const char *suffix = "";
        char **matches, *whole;

        rl_attempted_completion_over = 1; /* never file names */
        rl_completion_suppress_append = 1; /* the suffix is ours */
        if (!s || !s->complete)
                return NULL;
        s->ncandidates = s->complete(s->complete_ctx, rl_line_buffer, start, end, s->candidates,
                                     SCREEN_CANDIDATES, &suffix);
        matches = s->ncandidates ? rl_completion_matches(text, next_candidate) : NULL;
        /* One match: the word, and what follows it ("bob: "). */
        if (matches && !matches[1] && *suffix &&
            asprintf(&whole, "%s%s", matches[0], suffix) != -1) {
                free(matches[0]);
                matches[0] = whole;
        }
        return matches;
}

/* Enter (C-m) and C-j accept lines our way, in every editing mode. */
static void bind_enter(void)
{
        static const char *const maps[] = {"emacs", "vi-insert", "vi-command"};

        for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
                Keymap map = rl_get_keymap_by_name(maps[i]);

                /* A binding that fails leaves readline's: the typed line
                 * stays on screen, nothing worse. */
                if (map) {
                        (void)rl_bind_key_in_map('\r', accept_line, map);
                        (void)rl_bind_key_in_map('\n', accept_line, map);
                }
        }
}

void screen_start(struct screen *s, void (*handler)(struct screen *s, char *line))
{
        /* readline draws the prompt; our handler takes the lines. Our own
         * signal handlers stay: SIGINT ends the loop, and removing the
         * handler gives the terminal back. */
        rl_catch_signals = 0;
        reading          = s;
        s->on_line       = handler;
        rl_callback_handler_install(s->prompt, on_line);
        /* After the install: it reads ~/.inputrc, which may bind Enter. */
        bind_enter();
        /* Tab: our candidates, in our order (the latest speaker first),
         * in any case; a word ends at a space, and at @ , ; and quotes
         * ("@bo" completes bob). */
        rl_attempted_completion_function = complete;
        rl_sort_completion_matches       = 0;
        rl_completer_word_break_characters = " \t\n\"'@,;";
        /* Refused (an old readline): case counts, nothing worse. */
        (void)rl_variable_bind("completion-ignore-case", "on");
        s->live = 1;
}

void screen_read(struct screen *s)
{
        (void)s;
        rl_callback_read_char();
}

void screen_stop(struct screen *s)
{
        if (!s->live)
                return;
        rl_callback_handler_remove();
        s->live = 0;
        reading = NULL;
        /* Ended from outside a typed line (a signal, an error): the line
         * being typed stays, what follows starts below it. */
        if (!s->in_handler)
                output_str(&s->out, "\n");
}

/* Writes s->out out: through the reader, which notes what got out. */
static void flush(struct screen *s)
{
        if (s->flush)
                (void)s->flush(s->flush_ctx); /* a failure: screen_broken() */
        else
                (void)output_flush(&s->out);
}

void screen_show(struct screen *s)
{
        int point;
        char *typed;

        s->showing = 1;
        if (!s->live || s->in_handler) { /* no input line to keep */
                flush(s);
                s->showing = 0;
                return;
        }
        /* Take the line away, print, put it back. */
        point = rl_point;
        typed = rl_copy_text(0, rl_end);
        rl_save_prompt();
        rl_replace_line("", 0);
        rl_redisplay();
        flush(s);
        rl_restore_prompt();
        rl_replace_line(typed ? typed : "", 0);
        rl_point = point;
        rl_redisplay();
        free(typed);
        s->showing = 0;
}

void screen_notice(struct screen *s, const char *fmt, ...)
{
        char *text = NULL;
        va_list ap;
        int len;

        va_start(ap, fmt);
        len = vasprintf(&text, fmt, ap);
        va_end(ap);
        lines_style(&s->lines, STYLE_NOTICE);
        output_str(&s->out, SCREEN_NOTICE);
        if (len >= 0)
                output_untrusted(&s->out, text, (size_t)len);
        else
                output_str(&s->out, "(out of memory)");
        lines_unstyle(&s->lines);
        output_str(&s->out, "\n");
        free(text);
}

int screen_ask_secret(struct screen *s, const char *prompt, struct secret *out)
{
        int got;

        /* What is to be shown first, then the terminal as readline found
         * it; readline gets it back once the typed line is handled (the
         * prompt after all it shows), or at once. */
        screen_show(s);
        if (s->live && !s->given_back) {
                rl_callback_handler_remove();
                s->given_back = 1;
        }
        got = passphrase_ask(out, STDIN_FILENO, STDOUT_FILENO, prompt);
        if (s->live && !s->in_handler) {
                rl_callback_handler_install(s->prompt, on_line);
                s->given_back = 0;
        }
        return got;
}

int screen_broken(const struct screen *s)
{
        return s->out.broken && !(s->out.error == EIO && stop_signal == SIGHUP);
}
