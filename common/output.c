#include "output.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "utf8.h"

/* How long a stopping program waits for a reader to make room. */
#define STOP_GRACE_MS 1000

void output_init(struct output *out, int fd, enum escape_mode mode,
                 const volatile sig_atomic_t *stop)
{
        out->fd      = fd;
        out->tty     = isatty(fd);
        out->escape  = mode == ESCAPE_ALWAYS || (mode == ESCAPE_AUTO && out->tty);
        out->colors  = 0;
        out->pending = (struct buf)BUF_INIT;
        out->written = 0;
        out->broken  = 0;
        out->error   = 0;
        out->stop    = stop;
}

void output_free(struct output *out)
{
        buf_free(&out->pending);
}

static void put(struct output *out, const void *s, size_t len)
{
        if (out->broken)
                return;
        if (buf_append(&out->pending, s, len) == -1) {
                out->broken = 1;
                out->error  = ENOMEM;
        }
}

void output_text(struct output *out, const char *s, size_t len)
{
        put(out, s, len);
}

void output_str(struct output *out, const char *s)
{
        put(out, s, strlen(s));
}

/* Code points that would drive a terminal or disguise text: C0 and C1
 * controls, DEL, the bidirectional overrides and isolates, and the line
 * and paragraph separators. */
static int is_dangerous(int32_t cp)
{
        return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||
               (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Bytes that can start one: ASCII controls, DEL, and the lead bytes of
 * U+0080-U+009F (0xC2) and U+2028-U+2069 (0xE2). */
static int may_start_dangerous(unsigned char c)
{
        return c < 0x20 || c == 0x7F || c == 0xC2 || c == 0xE2;
}

static void put_escaped(struct output *out, int32_t cp)
{
        char text[8];
        int n;

        switch (cp) {
        case '\t': put(out, "\\t", 2); return;
        case '\n': put(out, "\\n", 2); return;
        case '\r': put(out, "\\r", 2); return;
        }
        if (cp < 0x80)
                n = snprintf(text, sizeof(text), "\\x%02x", (unsigned)cp);
        else
                n = snprintf(text, sizeof(text), "\\u%04x", (unsigned)cp);
        put(out, text, (size_t)n);
}

void output_untrusted(struct output *out, const char *s, size_t len)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t i = 0;

        if (!out->escape) {
                put(out, s, len);
                return;
        }

        while (i < len) {
                size_t run = i, step;
                int32_t cp;

                while (run < len && !may_start_dangerous(p[run]))
                        run++;
                put(out, p + i, run - i);
                i = run;
                if (i == len)
                        break;

                step = utf8_next(p + i, len - i, &cp);
                if (cp == UTF8_INVALID) {
                        /* Decoded records are valid UTF-8; be safe anyway. */
                        char text[5];

                        snprintf(text, sizeof(text), "\\x%02x", p[i]);
                        put(out, text, 4);
                } else if (is_dangerous(cp)) {
                        put_escaped(out, cp);
                } else {
                        put(out, p + i, step);
                }
                i += step;
        }
}

size_t output_batched(const struct output *out)
{
        return out->pending.len;
}

/* Whether a write may go ahead. Once a stop was asked for, a reader that
 * does not read must not hold us: wait for room at most STOP_GRACE_MS, and
 * then write no more than room was promised for. */
static int may_write(struct output *out, size_t *len)
{
        struct pollfd pfd = {out->fd, POLLOUT, 0};

        if (!out->stop || !*out->stop)
                return 1;
        if (poll(&pfd, 1, STOP_GRACE_MS) != 1 || !(pfd.revents & POLLOUT))
                return 0;
        if (*len > PIPE_BUF)
                *len = PIPE_BUF; /* POLLOUT on a pipe promises that much */
        return 1;
}

int output_flush(struct output *out)
{
        int status = 0;

        out->written = 0;
        while (!out->broken && out->written < out->pending.len) {
                size_t len = out->pending.len - out->written;
                ssize_t n;

                if (!may_write(out, &len)) {
                        status = -1;
                        break;
                }
                n = write(out->fd, out->pending.data + out->written, len);

                if (n > 0) {
                        out->written += (size_t)n;
                        continue;
                }
                /* A signal cut a blocked write short: go on unless it asked
                 * us to stop, then what got out is what counts. */
                if (n == -1 && errno == EINTR && !(out->stop && *out->stop))
                        continue;
                if (n == -1 && errno == EINTR) {
                        status = -1;
                        break;
                }
                out->broken = 1;
                out->error  = n == -1 ? errno : EIO;
        }
        if (out->broken)
                status = -1;
        buf_clear(&out->pending);
        return status;
}

int output_reader_gone(struct output *out)
{
        struct pollfd pfd = {out->fd, 0 /* only errors and hang-ups */, 0};

        if (!out->broken && poll(&pfd, 1, 0) == 1 &&
            (pfd.revents & (POLLERR | POLLHUP))) {
                out->broken = 1;
                out->error  = EPIPE;
        }
        return out->broken;
}
