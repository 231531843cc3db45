#include "diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

static const char *const prefixes[] = {
        [DIAG_ERROR]   = "error: ",
        [DIAG_WARNING] = "warning: ",
        [DIAG_NOTE]    = "",
};

/* One fprintf per line so that lines from librdkafka's threads (error and
 * log callbacks) never interleave mid-line with ours. */
void diag_stderr(enum diag_level level, const char *text)
{
        fprintf(stderr, "%s: %s%s\n", program_invocation_short_name, prefixes[level], text);
}

static void say(const struct voice *voice, enum diag_level level, const char *fmt, va_list ap)
{
        char text[1024];

        vsnprintf(text, sizeof(text), fmt, ap);
        if (voice && voice->say)
                voice->say(voice->ctx, level, text);
        else
                diag_stderr(level, text);
}

void diag_say(const struct voice *voice, enum diag_level level, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        say(voice, level, fmt, ap);
        va_end(ap);
}

void diag_error(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        say(NULL, DIAG_ERROR, fmt, ap);
        va_end(ap);
}

void diag_warn(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        say(NULL, DIAG_WARNING, fmt, ap);
        va_end(ap);
}

void diag_note(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        say(NULL, DIAG_NOTE, fmt, ap);
        va_end(ap);
}
