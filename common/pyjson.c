#include "pyjson.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

static const char hexdigits[] = "0123456789abcdef"; /* CPython: lower case */

/* Appends \uXXXX for one UTF-16 code unit. */
static int append_u_escape(struct buf *out, unsigned unit)
{
        char esc[6] = {'\\', 'u', hexdigits[(unit >> 12) & 0xF],
                       hexdigits[(unit >> 8) & 0xF], hexdigits[(unit >> 4) & 0xF],
                       hexdigits[unit & 0xF]};

        return buf_append(out, esc, sizeof(esc));
}

/* Appends one code point the way CPython's ascii_escape_unichar() does. */
static int append_escaped(struct buf *out, int32_t cp)
{
        switch (cp) {
        case '"':  return buf_append(out, "\\\"", 2);
        case '\\': return buf_append(out, "\\\\", 2);
        case '\b': return buf_append(out, "\\b", 2);
        case '\f': return buf_append(out, "\\f", 2);
        case '\n': return buf_append(out, "\\n", 2);
        case '\r': return buf_append(out, "\\r", 2);
        case '\t': return buf_append(out, "\\t", 2);
        }
        if (cp >= 0x20 && cp <= 0x7E)
                return buf_append_char(out, (char)cp);
        if (cp >= 0x10000) {
                int32_t v = cp - 0x10000;

                if (append_u_escape(out, 0xD800 | (unsigned)(v >> 10)) == -1)
                        return -1;
                return append_u_escape(out, 0xDC00 | (unsigned)(v & 0x3FF));
        }
        return append_u_escape(out, (unsigned)cp);
}

/* Printable ASCII other than '"' and '\\' is copied as it is. */
static int is_plain(unsigned char c)
{
        return c >= 0x20 && c <= 0x7E && c != '"' && c != '\\';
}

long pyjson_append_string(struct buf *out, const char *s, size_t len)
{
        const unsigned char *p = (const unsigned char *)s;
        long replaced = 0;
        size_t i = 0;

        /* Worst case 12 bytes out for 4 in (a surrogate pair): reserve the
         * common case up front, appends grow the rest. */
        if (buf_reserve(out, len + 2) == -1 || buf_append_char(out, '"') == -1)
                return -1;

        while (i < len) {
                size_t run = i;
                int32_t cp;

                while (run < len && is_plain(p[run]))
                        run++;
                if (buf_append(out, p + i, run - i) == -1)
                        return -1;
                i = run;
                if (i == len)
                        break;

                i += utf8_next(p + i, len - i, &cp);
                if (cp == UTF8_INVALID) {
                        cp = UTF8_REPLACEMENT;
                        replaced++;
                }
                if (append_escaped(out, cp) == -1)
                        return -1;
        }

        if (buf_append_char(out, '"') == -1)
                return -1;
        return replaced;
}

/*
 * Shortest digits: the fewest significant digits that read back as x,
 * which is what CPython's dtoa mode 0 returns. printf rounds correctly, so
 * "%.*e" at the first precision that round-trips gives the nearest such
 * string. One exception: at a power of two the gap to the next double up
 * is twice the gap down, so a string just above x may read back as x while
 * the nearest one (below x) does not; try that neighbour too.
 */
static int is_power_of_two(double x)
{
        int exp2;

        return frexp(x, &exp2) == 0.5;
}

/* Adds one unit in the last place to the digits of "d.ddde+XX". Returns 0
 * if they are all nines (the carry would change the exponent: no
 * neighbour worth trying). */
static int bump_last_digit(char *text)
{
        for (char *c = strchr(text, 'e') - 1; c >= text; c--) {
                if (*c == '.')
                        continue;
                if (*c != '9') {
                        (*c)++;
                        return 1;
                }
                *c = '0';
        }
        return 0;
}

static int shortest_digits(double x, char digits[20], int *decpt)
{
        char text[40];

        for (int prec = 1;; prec++) {
                char *e;
                int n;

                snprintf(text, sizeof(text), "%.*e", prec - 1, x);
                /* 17 significant digits always read back exactly. */
                if (prec < 17 && strtod(text, NULL) != x &&
                    !(is_power_of_two(x) && bump_last_digit(text) &&
                      strtod(text, NULL) == x))
                        continue;

                /* text is "d.ddde+XX" (or "de+XX" at precision 1). */
                e = strchr(text, 'e');
                n = 0;
                for (const char *c = text; c < e; c++)
                        if (*c != '.')
                                digits[n++] = *c;
                while (n > 1 && digits[n - 1] == '0')
                        n--;
                digits[n] = '\0';
                *decpt    = atoi(e + 1) + 1;
                return n;
        }
}

/*
 * The same, fast and exact, for 1 <= x < 2^53 (every time.time() value):
 * x = m / 2^s with integers m < 2^53 and s <= 52, so with 128-bit
 * integers the rounding interval of x and each candidate c / 10^f can be
 * compared exactly. The first f (fraction digits) at which the decimal
 * nearest to x reads back as x gives the fewest digits; it is the nearest
 * such decimal, as dtoa's mode 0 wants. Returns -1 outside that range.
 */
static int shortest_digits_fast(double x, char digits[20], int *decpt)
{
        typedef unsigned __int128 u128;
        const uint64_t hidden = (uint64_t)1 << 52;
        uint64_t m;
        int exp2, s, n;
        u128 pow10 = 1;

        if (!(x >= 1.0 && x < 9007199254740992.0))
                return -1;
        m = (uint64_t)ldexp(frexp(x, &exp2), 53);
        s = 53 - exp2;

        for (int f = 0; f <= 17; f++, pow10 *= 10) {
                /* Bounds of the interval, scaled by 2^(s+2): x is 4m and the
                 * neighbours' midpoints are 4m - 2 and 4m + 2, but only
                 * 4m - 1 below a power of two. With an even m the midpoints
                 * read back as x (round half to even). */
                u128 lo = (u128)(4 * m - (m == hidden ? 1 : 2)) * pow10;
                u128 hi = (u128)(4 * m + 2) * pow10;
                u128 scaled = (u128)m * pow10;
                u128 c = scaled >> s;
                u128 rest = scaled - (c << s), half = (u128)1 << s >> 1;

                /* The nearest decimal; on a tie the even one, as dtoa. */
                if (s > 0 && (rest > half || (rest == half && (c & 1))))
                        c++;

                for (int tries = 0; tries < 2; tries++, c++) {
                        u128 v = c << (s + 2);
                        int inside = (m % 2 == 0) ? (v >= lo && v <= hi)
                                                  : (v > lo && v < hi);
                        char text[40];

                        if (!inside) {
                                /* Only below a power of two can the next
                                 * decimal up be in when the nearest is not. */
                                if (m != hidden || v > (u128)4 * m * pow10)
                                        break;
                                continue;
                        }
                        /* At most 17 significant digits: c fits in 64
                         * bits, whose division by 10 is a multiplication
                         * (a 128-bit one is a libgcc call per digit). */
                        n = 0;
                        if (c >> 64 == 0)
                                for (uint64_t q = (uint64_t)c; q; q /= 10)
                                        text[n++] = (char)('0' + (int)(q % 10));
                        else
                                for (u128 q = c; q; q /= 10)
                                        text[n++] = (char)('0' + (int)(q % 10));
                        *decpt = n - f;
                        while (n > 1 && text[0] == '0') { /* trailing zeros */
                                memmove(text, text + 1, (size_t)--n);
                        }
                        for (int i = 0; i < n; i++)
                                digits[i] = text[n - 1 - i];
                        digits[n] = '\0';
                        return n;
                }
        }
        return -1;
}

size_t pyjson_format_float(double x, char out[PYJSON_FLOAT_MAX])
{
        char digits[20];
        int ndigits, decpt, exp10;
        char *p = out;

        if (isnan(x))
                return (size_t)snprintf(out, PYJSON_FLOAT_MAX, "NaN");
        if (isinf(x))
                return (size_t)snprintf(out, PYJSON_FLOAT_MAX, "%sInfinity",
                                        x < 0 ? "-" : "");

        if (signbit(x)) {
                *p++ = '-';
                x    = -x;
        }
        if (x == 0.0)
                return (size_t)(p - out) +
                       (size_t)snprintf(p, PYJSON_FLOAT_MAX - 1, "0.0");

        ndigits = shortest_digits_fast(x, digits, &decpt);
        if (ndigits < 0)
                ndigits = shortest_digits(x, digits, &decpt);

        /* CPython's format_float_short(), repr style: plain notation when
         * -4 < decpt <= 16, always with a digit after the point. */
        if (decpt > -4 && decpt <= 16) {
                if (decpt <= 0) {
                        *p++ = '0';
                        *p++ = '.';
                        for (int i = 0; i < -decpt; i++)
                                *p++ = '0';
                        memcpy(p, digits, (size_t)ndigits);
                        p += ndigits;
                } else if (decpt >= ndigits) {
                        memcpy(p, digits, (size_t)ndigits);
                        p += ndigits;
                        for (int i = ndigits; i < decpt; i++)
                                *p++ = '0';
                        *p++ = '.';
                        *p++ = '0';
                } else {
                        memcpy(p, digits, (size_t)decpt);
                        p += decpt;
                        *p++ = '.';
                        memcpy(p, digits + decpt, (size_t)(ndigits - decpt));
                        p += ndigits - decpt;
                }
                *p = '\0';
                return (size_t)(p - out);
        }

        exp10 = decpt - 1;
        *p++  = digits[0];
        if (ndigits > 1) {
                *p++ = '.';
                memcpy(p, digits + 1, (size_t)(ndigits - 1));
                p += ndigits - 1;
        }
        p += snprintf(p, (size_t)(PYJSON_FLOAT_MAX - (p - out)), "e%c%02d",
                      exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
        return (size_t)(p - out);
}

/* ---- json.loads() leniencies ---------------------------------------- */

static int hexval(int c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Reads the 4 hex digits of a \u escape at s (len bytes available).
 * Returns the code unit, or -1 if they are not there. */
static long read_u_escape(const char *s, size_t len)
{
        long unit = 0;

        if (len < 6 || s[0] != '\\' || s[1] != 'u')
                return -1;
        for (int i = 2; i < 6; i++) {
                int h = hexval((unsigned char)s[i]);

                if (h < 0)
                        return -1;
                unit = unit * 16 + h;
        }
        return unit;
}

/* Copies the string starting at json[*pos] == '"', replacing lone
 * surrogate escapes. Stops after the closing quote (or at the end). */
static long copy_string(struct buf *out, const char *json, size_t len,
                        size_t *pos)
{
        size_t i = *pos + 1;
        long replaced = 0;

        if (buf_append_char(out, '"') == -1)
                return -1;
        while (i < len && json[i] != '"') {
                long unit;

                if (json[i] != '\\') {
                        if (buf_append_char(out, json[i++]) == -1)
                                return -1;
                        continue;
                }
                unit = read_u_escape(json + i, len - i);
                if (unit >= 0xD800 && unit <= 0xDBFF) {
                        long low = read_u_escape(json + i + 6, len - i - 6);

                        if (low >= 0xDC00 && low <= 0xDFFF) {
                                if (buf_append(out, json + i, 12) == -1)
                                        return -1;
                                i += 12;
                                continue;
                        }
                }
                if (unit >= 0xD800 && unit <= 0xDFFF) {
                        if (buf_append(out, "\\ufffd", 6) == -1)
                                return -1;
                        i += 6;
                        replaced++;
                        continue;
                }
                /* Any other escape: copy the backslash and the next byte so
                 * an escaped quote does not end the string. */
                if (buf_append(out, json + i, i + 1 < len ? 2 : 1) == -1)
                        return -1;
                i += 2;
        }
        if (i < len) {
                if (buf_append_char(out, '"') == -1)
                        return -1;
                i++;
        }
        *pos = i;
        return replaced;
}

/* Whether the number text s[0..n) is beyond a double: json.loads makes it
 * a float infinity, jansson refuses it. Returns 1, 0, or -1 when out of
 * memory. */
static int number_overflows(const char *s, size_t n)
{
        char small[64];
        char *text = n < sizeof(small) ? small : malloc(n + 1);
        int huge;

        if (!text)
                return -1;
        memcpy(text, s, n);
        text[n] = '\0';
        huge    = isinf(strtod(text, NULL)) ? 1 : 0;
        if (text != small)
                free(text);
        return huge;
}

long pyjson_normalize(struct buf *out, const char *json, size_t len)
{
        static const char *const constants[] = {"NaN", "Infinity", "-Infinity"};
        long replaced = 0;
        size_t i = 0;

        while (i < len) {
                unsigned char c = (unsigned char)json[i];
                size_t k;

                if (c == '"') {
                        long n = copy_string(out, json, len, &i);

                        if (n == -1)
                                return -1;
                        replaced += n;
                        continue;
                }

                for (k = 0; k < sizeof(constants) / sizeof(constants[0]); k++) {
                        size_t clen = strlen(constants[k]);

                        if (len - i >= clen && !memcmp(json + i, constants[k], clen))
                                break;
                }
                if (k < sizeof(constants) / sizeof(constants[0])) {
                        if (buf_append(out, "null", 4) == -1)
                                return -1;
                        i += strlen(constants[k]);
                        replaced++;
                        continue;
                }

                if (c == '-' || isdigit(c)) {
                        size_t end = i + 1;
                        int huge;

                        while (end < len && json[end] != '\0' &&
                               strchr("0123456789.eE+-", json[end]))
                                end++;
                        huge = number_overflows(json + i, end - i);
                        if (huge == -1)
                                return -1;
                        if (huge)
                                replaced++;
                        if (buf_append(out, huge ? "null" : json + i,
                                       huge ? 4 : end - i) == -1)
                                return -1;
                        i = end;
                        continue;
                }

                if (buf_append_char(out, (char)c) == -1)
                        return -1;
                i++;
        }
        return replaced;
}
