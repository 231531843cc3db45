/*
 * linereader - lines from a file descriptor, in bounded memory.
 *
 * A line longer than the limit is not kept: it is skipped up to its end
 * and only its length is reported, so a multi-gigabyte line costs no more
 * memory than a short one. Waiting is done with poll() in slices, so the
 * caller can look at its stop flag and serve librdkafka in between.
 */
#ifndef KC_LINEREADER_H
#define KC_LINEREADER_H

#include <stddef.h>

struct linereader {
        int fd;
        char *buf;               /* bytes read, [start, end) not yet returned */
        size_t cap, start, end;
        size_t max_line;         /* longest line kept, without its newline */
        unsigned long long skipped; /* length of the line being skipped */
        int skipping;            /* inside a too-long line */
        int eof;                 /* read() returned 0 */
        unsigned long lineno;    /* number of the last line returned (from 1) */
};

enum linereader_result {
        LINE_OK,        /* *line, *len: the line without "\n" (or "\r\n") */
        LINE_TOO_LONG,  /* the line was skipped; *len holds its length,
                         * saturated at SIZE_MAX */
        LINE_WAIT,      /* nothing within the time given, or a signal */
        LINE_EOF,
        LINE_ERROR,     /* read() failed or out of memory: errno tells */
};

int linereader_init(struct linereader *lr, int fd, size_t max_line);
void linereader_free(struct linereader *lr);

/* Returns the next line. The line stays valid until the next call. */
enum linereader_result linereader_next(struct linereader *lr, int timeout_ms,
                                       const char **line, size_t *len);

#endif
