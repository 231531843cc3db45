/*
 * vectors - reading the tab-separated vector files that
 * tests/vectors/generate.py writes with CPython.
 */
#ifndef KC_TEST_VECTORS_H
#define KC_TEST_VECTORS_H

#include <stddef.h>
#include <stdio.h>

#define VECTORS_MAX_FIELDS 12

struct vectors {
        FILE *fp;
        char *line;          /* the current line, split in place */
        size_t cap;
        unsigned long lineno;
        char *field[VECTORS_MAX_FIELDS];
        int nfields;
};

/* Opens $KAFKA_CHAT_VECTORS/name (default tests/vectors/name); fails the
 * test if it cannot. */
void vectors_open(struct vectors *v, const char *name);

/* Opens $KAFKA_CHAT_LOCAL_VECTORS/name: vectors whose answers depend on
 * this machine (its zone database), which make test-unit has this
 * machine's CPython write before the tests run. Fails the test if the
 * variable is not set or the file cannot be opened. */
void vectors_open_local(struct vectors *v, const char *name);

/* Reads the next line into v->field. Returns 0 at the end. */
int vectors_next(struct vectors *v);

void vectors_close(struct vectors *v);

/* Decodes a hex field ("-" is empty) into a malloc'ed buffer. */
unsigned char *vectors_hex(const char *hex, size_t *len);

/* Decodes a float.hex() field. */
double vectors_double(const char *text);

#endif
