#include "passphrase.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "signals.h"

/* Room for the longest passphrase, its newline and a NUL. */
#define ROOM (PASSPHRASE_MAX + 2)

static int take_room(struct secret *s)
{
        s->len  = 0;
        s->text = sodium_init() < 0 ? NULL : sodium_malloc(ROOM); /* once libsodium is ready */
        return s->text ? 0 : -1;
}

void secret_free(struct secret *s)
{
        sodium_free(s->text); /* zeroes it first */
        s->text = NULL;
        s->len  = 0;
}

int secret_copy(struct secret *to, const struct secret *from)
{
        if (take_room(to) == -1)
                return -1;
        memcpy(to->text, from->text, from->len + 1);
        to->len = from->len;
        return 0;
}

/* Ends s at its first line; -1 if there is no whole line within
 * PASSPHRASE_MAX bytes (at the end of the text, the last line counts). */
static int first_line(struct secret *s, size_t got, int whole)
{
        char *nl = memchr(s->text, '\n', got);
        size_t len = nl ? (size_t)(nl - s->text) : got;

        if (!nl && !whole)
                return -1;
        if (len > PASSPHRASE_MAX)
                return -1;
        if (len > 0 && s->text[len - 1] == '\r')
                len--;
        sodium_memzero(s->text + len, ROOM - len); /* the rest of the file is no business */
        s->len = len;
        return 0;
}

int passphrase_from_file(struct secret *s, const char *path, const struct voice *voice)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        size_t got = 0;
        ssize_t n = 1;

        s->text = NULL;
        if (fd == -1) {
                diag_say(voice, DIAG_ERROR, "cannot read key file %s: %m", path);
                return -1;
        }
        if (fstat(fd, &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)))
                diag_say(voice, DIAG_WARNING,
                         "key file %s is readable by other users (mode %03o); it holds the "
                         "room's passphrase: chmod 600 %s",
                         path, (unsigned)(st.st_mode & 0777), path);
        if (take_room(s) == -1) {
                diag_say(voice, DIAG_ERROR, "out of memory");
                goto error;
        }
        /* Straight into locked memory: no stdio buffer keeps a copy. */
        while (got < ROOM - 1 && !memchr(s->text, '\n', got) &&
               ((n = read(fd, s->text + got, ROOM - 1 - got)) > 0 || (n < 0 && errno == EINTR)))
                if (n > 0)
                        got += (size_t)n;
        if (n < 0) {
                diag_say(voice, DIAG_ERROR, "cannot read key file %s: %m", path);
                goto error;
        }
        if (first_line(s, got, n == 0) == -1) {
                diag_say(voice, DIAG_ERROR, "key file %s: the first line is longer than %d bytes",
                         path, PASSPHRASE_MAX);
                goto error;
        }
        if (s->len == 0) {
                diag_say(voice, DIAG_ERROR, "key file %s: the first line is empty", path);
                goto error;
        }
        close(fd);
        return 0;
error:
        close(fd);
        secret_free(s);
        return -1;
}

/* Writes all of text, as far as the terminal takes it. */
static void say(int fd, const char *text)
{
        size_t len = strlen(text);

        while (len > 0) {
                ssize_t n = write(fd, text, len);

                if (n <= 0 && errno != EINTR)
                        return;
                if (n > 0) {
                        text += n;
                        len -= (size_t)n;
                }
        }
}

int passphrase_ask(struct secret *s, int in_fd, int out_fd, const char *prompt)
{
        struct termios before, quiet;
        size_t got = 0;
        ssize_t n = 0;
        int status = -1;

        s->text = NULL;
        if (tcgetattr(in_fd, &before) == -1 || take_room(s) == -1)
                return -1;
        quiet = before;
        /* A line at a time, not shown; the Enter still moves to a new line. */
        quiet.c_lflag = (quiet.c_lflag & ~(tcflag_t)ECHO) | ICANON | ECHONL;
        if (tcsetattr(in_fd, TCSAFLUSH, &quiet) == -1)
                goto out;
        say(out_fd, prompt);
        while (got < ROOM - 1 && !memchr(s->text, '\n', got)) {
                n = read(in_fd, s->text + got, ROOM - 1 - got);
                if (n > 0)
                        got += (size_t)n;
                else if (n == 0 || errno != EINTR || stop_signal)
                        break;
        }
        if (n < 0 || stop_signal) {
                if (n >= 0)
                        errno = EINTR;
                say(out_fd, "\n");
        } else if (n == 0 && got == 0) { /* the end of input: none given */
                say(out_fd, "\n");
                status = 1;
        } else if (first_line(s, got, 1) == 0) {
                status = s->len ? 0 : 1;
        } else {
                errno = E2BIG;
        }
out:
        (void)tcsetattr(in_fd, TCSAFLUSH, &before); /* put back whatever happened */
        if (status != 0)
                secret_free(s);
        return status;
}
