/*
 * utf8 - decoding UTF-8 the way CPython's decoder does.
 *
 * Invalid input is split into "maximal subparts" (Unicode 15, section
 * 3.9), the rule of Python's bytes.decode("utf-8", "replace"): each one
 * becomes a single U+FFFD.
 */
#ifndef KC_UTF8_H
#define KC_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define UTF8_INVALID (-1)
#define UTF8_REPLACEMENT 0xFFFD

/* Decodes the sequence at s (n > 0 bytes). Stores the code point, or
 * UTF8_INVALID for an invalid subpart, in *cp and returns the number of
 * bytes it spans (at least 1). Surrogates and overlong forms are invalid. */
size_t utf8_next(const unsigned char *s, size_t n, int32_t *cp);

/* Returns the length of the longest valid UTF-8 prefix of s. */
size_t utf8_valid_prefix(const unsigned char *s, size_t n);

/* Writes the UTF-8 encoding of code point cp (< 0x110000) to out and
 * returns its length (1 to 4). */
size_t utf8_encode(char out[4], int32_t cp);

/* Appends the UTF-8 encoding of code point cp. */
int utf8_append(struct buf *out, int32_t cp);

/* Appends s to out with every invalid subpart replaced by U+FFFD and
 * returns how many were replaced, or -1 when out of memory. */
long utf8_repair(struct buf *out, const unsigned char *s, size_t n);

#endif
