#include "linereader.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_CHUNK (64 * 1024)

int linereader_init(struct linereader *lr, int fd, size_t max_line)
{
        memset(lr, 0, sizeof(*lr));
        lr->fd       = fd;
        lr->max_line = max_line;
        lr->cap      = READ_CHUNK;
        lr->buf      = malloc(lr->cap);
        return lr->buf ? 0 : -1;
}

void linereader_free(struct linereader *lr)
{
        free(lr->buf);
        lr->buf = NULL;
}

static size_t saturate(unsigned long long n)
{
        return n > SIZE_MAX ? SIZE_MAX : (size_t)n;
}

/* Reads more input after what is pending. */
static enum linereader_result fill(struct linereader *lr, int timeout_ms)
{
        struct pollfd pfd = {lr->fd, POLLIN, 0};
        ssize_t n;
        int ready;

        if (lr->start > 0) {
                memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
                lr->end -= lr->start;
                lr->start = 0;
        }
        /* Pending input is at most max_line bytes here: room for it and a
         * chunk more is all we ever hold. */
        if (lr->cap - lr->end < READ_CHUNK / 2) {
                size_t cap = lr->end + READ_CHUNK;
                char *grown = realloc(lr->buf, cap);

                if (!grown)
                        return LINE_ERROR;
                lr->buf = grown;
                lr->cap = cap;
        }

        ready = poll(&pfd, 1, timeout_ms);
        if (ready == 0 || (ready == -1 && errno == EINTR))
                return LINE_WAIT;
        if (ready == -1)
                return LINE_ERROR;

        n = read(lr->fd, lr->buf + lr->end, lr->cap - lr->end);
        if (n == -1)
                return errno == EINTR || errno == EAGAIN ? LINE_WAIT : LINE_ERROR;
        if (n == 0)
                lr->eof = 1;
        lr->end += (size_t)n;
        return LINE_OK;
}

enum linereader_result linereader_next(struct linereader *lr, int timeout_ms,
                                       const char **line, size_t *len)
{
        for (;;) {
                char *begin = lr->buf + lr->start;
                size_t pending = lr->end - lr->start;
                char *nl = memchr(begin, '\n', pending);
                enum linereader_result r;

                if (lr->skipping) {
                        size_t part = nl ? (size_t)(nl - begin) : pending;

                        lr->skipped += part;
                        lr->start += nl ? part + 1 : part;
                        if (nl || lr->eof) {
                                lr->skipping = 0;
                                lr->lineno++;
                                *len = saturate(lr->skipped);
                                return LINE_TOO_LONG;
                        }
                } else if (nl || (lr->eof && pending > 0)) {
                        size_t n = nl ? (size_t)(nl - begin) : pending;

                        lr->start += nl ? n + 1 : n;
                        lr->lineno++;
                        if (nl && n > 0 && begin[n - 1] == '\r')
                                n--; /* CRLF */
                        *line = begin;
                        *len  = n;
                        return n > lr->max_line ? LINE_TOO_LONG : LINE_OK;
                } else if (lr->eof) {
                        return LINE_EOF;
                } else if (pending > lr->max_line) {
                        /* No newline within the limit: drop what we hold
                         * and skip to the end of this line. */
                        lr->skipping = 1;
                        lr->skipped  = pending;
                        lr->start    = lr->end;
                }

                r = fill(lr, timeout_ms);
                if (r != LINE_OK)
                        return r;
        }
}
