#include "output.h"

#include <errno.h>
#include <unistd.h>

#include "utf8.h"

/* Big writes when piped; output_flush() decides when they happen. */
#define OUTPUT_BUFFER (64 * 1024)

int output_init(struct output *out, FILE *fp, enum escape_mode mode)
{
        out->fp     = fp;
        out->broken = 0;
        out->error  = 0;
        out->escape = mode == ESCAPE_ALWAYS ||
                      (mode == ESCAPE_AUTO && isatty(fileno(fp)));
        return setvbuf(fp, NULL, _IOFBF, OUTPUT_BUFFER) == 0 ? 0 : -1;
}

static void put(struct output *out, const void *s, size_t len)
{
        if (out->broken || len == 0)
                return;
        /* Only the main thread writes: skip stdio's lock. */
        if (fwrite_unlocked(s, 1, len, out->fp) != len) {
                out->broken = 1;
                out->error  = errno;
        }
}

void output_text(struct output *out, const char *s, size_t len)
{
        put(out, s, len);
}

void output_str(struct output *out, const char *s)
{
        size_t len = 0;

        while (s[len])
                len++;
        put(out, s, len);
}

/* Code points that would drive a terminal or disguise text: C0 and C1
 * controls, DEL, the bidirectional overrides and isolates, and the line
 * and paragraph separators. */
static int is_dangerous(int32_t cp)
{
        return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||
               (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Bytes that can start one: ASCII controls, DEL, and the lead bytes of
 * U+0080-U+009F (0xC2) and U+2028-U+2069 (0xE2). */
static int may_start_dangerous(unsigned char c)
{
        return c < 0x20 || c == 0x7F || c == 0xC2 || c == 0xE2;
}

static void put_escaped(struct output *out, int32_t cp)
{
        char text[8];
        int n;

        switch (cp) {
        case '\t': put(out, "\\t", 2); return;
        case '\n': put(out, "\\n", 2); return;
        case '\r': put(out, "\\r", 2); return;
        }
        if (cp < 0x80)
                n = snprintf(text, sizeof(text), "\\x%02x", (unsigned)cp);
        else
                n = snprintf(text, sizeof(text), "\\u%04x", (unsigned)cp);
        put(out, text, (size_t)n);
}

void output_untrusted(struct output *out, const char *s, size_t len)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t i = 0;

        if (!out->escape) {
                put(out, s, len);
                return;
        }

        while (i < len) {
                size_t run = i, step;
                int32_t cp;

                while (run < len && !may_start_dangerous(p[run]))
                        run++;
                put(out, p + i, run - i);
                i = run;
                if (i == len)
                        break;

                step = utf8_next(p + i, len - i, &cp);
                if (cp == UTF8_INVALID) {
                        /* Decoded records are valid UTF-8; be safe anyway. */
                        char text[5];

                        snprintf(text, sizeof(text), "\\x%02x", p[i]);
                        put(out, text, 4);
                } else if (is_dangerous(cp))
                        put_escaped(out, cp);
                else
                        put(out, p + i, step);
                i += step;
        }
}

int output_flush(struct output *out)
{
        if (!out->broken && fflush(out->fp) == EOF) {
                out->broken = 1;
                out->error  = errno;
        }
        return out->broken ? -1 : 0;
}
