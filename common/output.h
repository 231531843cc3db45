/*
 * output - writing chat lines to a terminal or a pipe.
 *
 * Lines are buffered and written out by output_flush(), which the caller
 * runs whenever nothing more is waiting, so a pipe gets big writes under
 * load and every line at once when idle. Text that came from the network
 * goes through output_untrusted(): on a terminal its control characters
 * are shown escaped so that they cannot drive the terminal.
 */
#ifndef KC_OUTPUT_H
#define KC_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

enum escape_mode {
        ESCAPE_AUTO,   /* escape when the output is a terminal */
        ESCAPE_ALWAYS,
        ESCAPE_NEVER,
};

struct output {
        FILE *fp;
        int escape;     /* escape untrusted text */
        int broken;     /* a write failed: errno tells (EPIPE: reader gone) */
        int error;      /* that errno */
};

/* Sets up fp (stdout) for buffered output. Returns 0 or -1. */
int output_init(struct output *out, FILE *fp, enum escape_mode mode);

/* Our own text, written as it is. */
void output_text(struct output *out, const char *s, size_t len);
void output_str(struct output *out, const char *s);

/* Someone else's UTF-8 text. */
void output_untrusted(struct output *out, const char *s, size_t len);

/* Writes out what is buffered. Returns 0, or -1 once a write failed. */
int output_flush(struct output *out);

#endif
