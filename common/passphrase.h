/*
 * passphrase - a room's passphrase, from a file or typed without echo;
 * never from the command line or the environment, where other users of
 * the machine can read it (ps, /proc). Kept in locked memory (sodium_malloc:
 * not swapped, not in core dumps, zeroed when freed).
 */
#ifndef KC_PASSPHRASE_H
#define KC_PASSPHRASE_H

#include <stddef.h>

#include "diag.h"

/* The longest passphrase taken, in bytes. */
#define PASSPHRASE_MAX 1024

struct secret {
        char *text;   /* NUL-terminated, in locked memory; NULL: none */
        size_t len;
};

/* The first line of path (without its "\n" or "\r\n"). A file that others
 * can read gets a warning. Returns 0, or -1 after saying why (an empty
 * first line is no passphrase). */
int passphrase_from_file(struct secret *s, const char *path, const struct voice *voice);

/* Asks for it on the terminal in_fd, prompt written to out_fd, with echo
 * off (the terminal's settings are put back however it ends). Returns 0,
 * 1 when none was given (an empty line, or the end of input), or -1 on an
 * error or a stop signal (errno: EINTR). */
int passphrase_ask(struct secret *s, int in_fd, int out_fd, const char *prompt);

/* A copy of from (locked too). Returns 0, or -1 when out of memory. */
int secret_copy(struct secret *to, const struct secret *from);

/* Zeroes and frees it. */
void secret_free(struct secret *s);

#endif
