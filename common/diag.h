/*
 * diag - diagnostics on stderr, one line each, prefixed with the program
 * name: "consumer_chat: warning: ...". Data goes to stdout, never here.
 */
#ifndef KC_DIAG_H
#define KC_DIAG_H

void diag_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void diag_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void diag_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
