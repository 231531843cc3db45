#include "buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int buf_reserve(struct buf *b, size_t more)
{
        size_t cap;
        char *data;

        if (more <= b->cap - b->len)
                return 0;
        if (more > SIZE_MAX / 2 - b->len)
                return -1;

        /* Doubling keeps appends amortised O(1). */
        cap = b->cap ? b->cap : 256;
        while (cap - b->len < more)
                cap *= 2;

        data = realloc(b->data, cap);
        if (!data)
                return -1;
        b->data = data;
        b->cap  = cap;
        return 0;
}

int buf_append(struct buf *b, const void *data, size_t len)
{
        if (len == 0)
                return 0;
        if (buf_reserve(b, len) == -1)
                return -1;
        memcpy(b->data + b->len, data, len);
        b->len += len;
        return 0;
}

int buf_append_char(struct buf *b, char c)
{
        if (buf_reserve(b, 1) == -1)
                return -1;
        b->data[b->len++] = c;
        return 0;
}

int buf_append_str(struct buf *b, const char *s)
{
        return buf_append(b, s, strlen(s));
}

const char *buf_cstr(struct buf *b)
{
        if (buf_reserve(b, 1) == -1)
                return NULL;
        b->data[b->len] = '\0';
        return b->data;
}

void buf_clear(struct buf *b)
{
        b->len = 0;
}

void buf_free(struct buf *b)
{
        free(b->data);
        b->data = NULL;
        b->len  = 0;
        b->cap  = 0;
}
