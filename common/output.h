/*
 * output - writing chat lines to a terminal or a pipe.
 *
 * Lines are collected in a buffer and written out by output_flush(),
 * which the caller runs whenever nothing more is waiting (or the buffer is
 * big), so a pipe gets big writes under load and every line at once when
 * idle. The caller learns exactly how many bytes reached the descriptor,
 * even when a stop signal cuts a blocked write short, so it can commit
 * precisely the lines that were written.
 *
 * Text that came from the network goes through output_untrusted(): on a
 * terminal its control characters are shown escaped so that they cannot
 * drive the terminal.
 */
#ifndef KC_OUTPUT_H
#define KC_OUTPUT_H

#include <signal.h>
#include <stddef.h>

#include "buf.h"

/* A batch this big is worth writing out even if more is waiting. */
#define OUTPUT_BATCH (64 * 1024)

enum escape_mode {
        ESCAPE_AUTO,   /* escape when the output is a terminal */
        ESCAPE_ALWAYS,
        ESCAPE_NEVER,
};

struct output {
        int fd;
        int tty;        /* fd is a terminal */
        int escape;     /* escape untrusted text */
        int colors;     /* colours to style lines with: 0 (none), 8 or 256
                         * (common/color.h); 0 unless the program sets it */
        struct buf pending; /* the batch being built or written */
        size_t written; /* bytes of pending already out */
        int broken;     /* a write failed: error tells (EPIPE: reader gone;
                         * EIO on a terminal: it was closed) */
        int error;
        /* When set (by a signal handler), a blocked write gives up. */
        const volatile sig_atomic_t *stop;
};

void output_init(struct output *out, int fd, enum escape_mode mode,
                 const volatile sig_atomic_t *stop);
void output_free(struct output *out);

/* Our own text, written as it is. */
void output_text(struct output *out, const char *s, size_t len);
void output_str(struct output *out, const char *s);

/* Someone else's UTF-8 text. */
void output_untrusted(struct output *out, const char *s, size_t len);

/* Bytes in the current batch so far: where the next line will start. */
size_t output_batched(const struct output *out);

/* Writes the batch out. Returns 0 when all of it is out, or -1 when the
 * output broke or a stop signal interrupted a blocked write; then
 * out->written says how much of the batch did get out. Either way the
 * batch is over: the next text starts a new one. */
int output_flush(struct output *out);

/* Whether the reader is gone (the read end of our pipe was closed, or
 * the terminal hung up) without waiting for a write to fail: lets an idle
 * program end at once under `| head`. Marks the output broken (EPIPE). */
int output_reader_gone(struct output *out);

#endif
