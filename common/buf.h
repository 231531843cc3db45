/*
 * buf - a growable byte buffer.
 *
 * Used to build record values and output lines without a malloc per
 * record: a buffer is cleared (len = 0) and reused, its capacity stays.
 */
#ifndef KC_BUF_H
#define KC_BUF_H

#include <stddef.h>

struct buf {
        char *data;  /* not NUL-terminated unless buf_cstr() was called */
        size_t len;  /* bytes in use */
        size_t cap;  /* bytes allocated */
};

#define BUF_INIT {NULL, 0, 0}

/* Makes room for `more` bytes after len. Returns 0, or -1 when out of
 * memory (the buffer is unchanged then). */
int buf_reserve(struct buf *b, size_t more);

int buf_append(struct buf *b, const void *data, size_t len);
int buf_append_char(struct buf *b, char c);
int buf_append_str(struct buf *b, const char *s);

/* Terminates the contents with a NUL (not counted in len) and returns
 * them, or NULL when out of memory. */
const char *buf_cstr(struct buf *b);

void buf_clear(struct buf *b);
void buf_free(struct buf *b);

#endif
