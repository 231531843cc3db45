/*
 * diag - diagnostics on stderr, one line each, prefixed with the program
 * name: "consumer_chat: warning: ...". Data goes to stdout, never here.
 *
 * A program that owns the terminal while it runs (the one-window chat)
 * takes the diagnostics of what it calls through a voice instead: the
 * modules that report while a program runs speak through one, and with
 * none (NULL) they go to stderr.
 */
#ifndef KC_DIAG_H
#define KC_DIAG_H

enum diag_level {
        DIAG_ERROR,
        DIAG_WARNING,
        DIAG_NOTE,
};

struct voice {
        void (*say)(void *ctx, enum diag_level level, const char *text);
        void *ctx;
};

void diag_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void diag_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void diag_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One diagnostic through voice, or on stderr if voice is NULL. */
void diag_say(const struct voice *voice, enum diag_level level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* The same, to stderr: what a voice does when it has no screen. */
void diag_stderr(enum diag_level level, const char *text);

#endif
