#include "vectors.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void open_in(struct vectors *v, const char *dir, const char *name)
{
        char path[1024];

        memset(v, 0, sizeof(*v));
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        v->fp = fopen(path, "r");
        if (!v->fp)
                fail_msg("cannot open %s", path);
}

void vectors_open(struct vectors *v, const char *name)
{
        const char *dir = getenv("KAFKA_CHAT_VECTORS");

        open_in(v, dir ? dir : "tests/vectors", name);
}

void vectors_open_local(struct vectors *v, const char *name)
{
        const char *dir = getenv("KAFKA_CHAT_LOCAL_VECTORS");

        /* No default: an answer from another machine proves nothing here. */
        if (!dir)
                fail_msg("KAFKA_CHAT_LOCAL_VECTORS is not set: make test-unit has this "
                         "machine's CPython write %s there first", name);
        open_in(v, dir, name);
}

int vectors_next(struct vectors *v)
{
        ssize_t n = getline(&v->line, &v->cap, v->fp);
        char *p;

        if (n <= 0)
                return 0;
        v->lineno++;
        if (v->line[n - 1] == '\n')
                v->line[n - 1] = '\0';
        v->nfields = 0;
        for (p = v->line; v->nfields < VECTORS_MAX_FIELDS;) {
                char *tab = strchr(p, '\t');

                v->field[v->nfields++] = p;
                if (!tab)
                        break;
                *tab = '\0';
                p    = tab + 1;
        }
        return 1;
}

void vectors_close(struct vectors *v)
{
        fclose(v->fp);
        free(v->line);
}

unsigned char *vectors_hex(const char *hex, size_t *len)
{
        size_t n = strcmp(hex, "-") ? strlen(hex) / 2 : 0;
        unsigned char *out = malloc(n + 1);

        assert_non_null(out);
        for (size_t i = 0; i < n; i++) {
                unsigned int byte;

                assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
                out[i] = (unsigned char)byte;
        }
        out[n] = '\0';
        *len   = n;
        return out;
}

double vectors_double(const char *text)
{
        return strtod(text, NULL); /* C99 reads float.hex() text */
}
