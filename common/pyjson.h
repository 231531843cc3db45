/*
 * pyjson - the bytes of CPython 3.11's json module.
 *
 * jansson cannot write what json.dumps() writes (it escapes in upper-case
 * hex and prints floats with %.17g), and json.loads() accepts a few things
 * jansson refuses. This module holds exactly those differences:
 *  - pyjson_append_string(): a str as json.dumps(ensure_ascii=True) writes it;
 *  - pyjson_format_float():  a float as repr() writes it;
 *  - pyjson_normalize():     rewrites what only Python accepts so that
 *                            jansson can read the rest.
 */
#ifndef KC_PYJSON_H
#define KC_PYJSON_H

#include <stddef.h>

#include "buf.h"

/* Longest text pyjson_format_float() writes, with its NUL:
 * "-2.2250738585072014e-308". */
#define PYJSON_FLOAT_MAX 32

/* Appends s (UTF-8) as a quoted JSON string. Invalid UTF-8 is written as
 * U+FFFD, one per invalid subpart; their number is returned (0 for valid
 * input), or -1 when out of memory. */
long pyjson_append_string(struct buf *out, const char *s, size_t len);

/* Writes repr(x) (NaN as "NaN", infinities as "Infinity"/"-Infinity", as
 * json.dumps does) into out and returns its length. */
size_t pyjson_format_float(double x, char out[PYJSON_FLOAT_MAX]);

/* Copies JSON text json[0..len) to out, replacing what json.loads()
 * accepts but jansson does not: the constants NaN, Infinity and -Infinity
 * and numbers too large for a double become null; an escaped lone
 * surrogate becomes \ufffd. Returns the number of replacements (0: the
 * text has none of these, so jansson's error stands), or -1 when out of
 * memory. The text is assumed to be valid UTF-8. */
long pyjson_normalize(struct buf *out, const char *json, size_t len);

#endif
