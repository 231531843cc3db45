#include "diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

/* One fprintf per line so that lines from librdkafka's threads (error and
 * log callbacks) never interleave mid-line with ours. */
static void diag(const char *level, const char *fmt, va_list ap)
{
        char text[1024];

        vsnprintf(text, sizeof(text), fmt, ap);
        fprintf(stderr, "%s: %s%s\n", program_invocation_short_name, level, text);
}

void diag_error(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        diag("error: ", fmt, ap);
        va_end(ap);
}

void diag_warn(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        diag("warning: ", fmt, ap);
        va_end(ap);
}

void diag_note(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        diag("", fmt, ap);
        va_end(ap);
}
