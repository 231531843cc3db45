/*
 * match - finding words in messages as people read them: in any case,
 * and for a mention as a whole word.
 *
 * Case is folded per code point with towlower() (the locale's LC_CTYPE:
 * the chat sets it from the environment for readline anyway). A whole word
 * stands between word boundaries: where a letter, digit or '_' meets
 * anything else, or where one script meets another ("alice야" names alice;
 * "malice" and "alice_b" do not). Korean attaches particles to a name
 * ("철수야", "철수는", "민준이가", "철수님께"), so after a word that ends
 * in Hangul an honorific (님, 씨), an 이 and one particle may follow
 * within the word; any other syllable makes it another word ("철수영").
 */
#ifndef KC_CHAT_MATCH_H
#define KC_CHAT_MATCH_H

#include <stddef.h>

#include "../common/display.h"

/* The places of text (UTF-8, len bytes) where one of the words stands as
 * a whole word, in any case: up to max spans of bytes, in order, none
 * overlapping (at each place, the longest word). Returns how many, 0 too
 * when out of memory. */
size_t match_words(const char *text, size_t len, const char *const *words, size_t nwords,
                   struct display_span *spans, size_t max);

/* Whether text (UTF-8, len bytes) contains needle, in any case. Returns
 * 1, 0, or -1 when out of memory. */
int match_contains(const char *text, size_t len, const char *needle);

#endif
