#include "record.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyjson.h"
#include "pytime.h"
#include "utf8.h"

long record_encode(struct buf *out, const char *line, size_t len, double time,
                   const char *sender)
{
        char number[PYJSON_FLOAT_MAX];
        size_t number_len = pyjson_format_float(time, number);
        long replaced;

        if (buf_append(out, "{\"message\": ", 12) == -1)
                return -1;
        replaced = pyjson_append_string(out, line, len);
        if (replaced == -1 || buf_append(out, ", \"time\": ", 10) == -1 ||
            buf_append(out, number, number_len) == -1)
                return -1;
        if (sender && (buf_append(out, ", \"sender\": ", 12) == -1 ||
                       pyjson_append_string(out, sender, strlen(sender)) == -1))
                return -1;
        if (buf_append_char(out, '}') == -1)
                return -1;
        return replaced;
}

int record_is_exit(const char *message, size_t len)
{
        static const char exit_word[] = "exit";

        if (len != sizeof(exit_word) - 1)
                return 0;
        for (size_t i = 0; i < len; i++) {
                char c = message[i];

                if (c >= 'A' && c <= 'Z')
                        c = (char)(c - 'A' + 'a');
                if (c != exit_word[i])
                        return 0;
        }
        return 1;
}

/* Adds "; "-separated text to rec->problem (truncated if long). */
static void add_problem(struct record *rec, const char *fmt, ...)
{
        size_t used = strlen(rec->problem);
        va_list ap;

        if (used && used + 2 < sizeof(rec->problem)) {
                memcpy(rec->problem + used, "; ", 3);
                used += 2;
        }
        va_start(ap, fmt);
        vsnprintf(rec->problem + used, sizeof(rec->problem) - used, fmt, ap);
        va_end(ap);
}

static const char *json_kind(const json_t *v)
{
        switch (json_typeof(v)) {
        case JSON_OBJECT:  return "an object";
        case JSON_ARRAY:   return "an array";
        case JSON_STRING:  return "a string";
        case JSON_INTEGER:
        case JSON_REAL:    return "a number";
        case JSON_TRUE:
        case JSON_FALSE:   return "a boolean";
        case JSON_NULL:    return "null";
        }
        return "unknown";
}

/* jansson, then (only if that fails) once more the way json.loads() would
 * read it: Python's extras rewritten (pyjson_normalize) and integers of
 * any size taken, as doubles. */
static json_t *parse(struct record *rec, const char *text, size_t len)
{
        struct buf normal = BUF_INIT;
        json_error_t error;
        json_t *root;

        root = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
        if (root)
                return root;

        if (pyjson_normalize(&normal, text, len) >= 0)
                root = json_loadb(normal.data, normal.len,
                                  JSON_DECODE_ANY | JSON_ALLOW_NUL |
                                          JSON_DECODE_INT_AS_REAL,
                                  NULL);
        buf_free(&normal);
        if (!root)
                add_problem(rec, "not JSON: %s at byte %d", error.text,
                            error.position);
        return root;
}

/* Formats rec->time into rec->when; notes the problem where Python's
 * datetime would raise. */
static int check_time(struct record *rec)
{
        if (pytime_format_cached(&rec->clock, rec->time, rec->when) == -1) {
                add_problem(rec, "\"time\" %.17g is out of range", rec->time);
                return -1;
        }
        return 0;
}

/* The time as a double, as datetime.fromtimestamp() takes it: a number or
 * a bool (Python's True is 1). Returns -1 with a problem noted if unusable. */
static int read_time(struct record *rec, const json_t *time)
{
        if (!time) {
                add_problem(rec, "no \"time\" field");
                return -1;
        }
        if (json_is_number(time))
                rec->time = json_number_value(time);
        else if (json_is_boolean(time))
                rec->time = json_is_true(time) ? 1.0 : 0.0;
        else if (json_is_null(time)) {
                add_problem(rec, "\"time\" is not a finite number");
                return -1;
        } else {
                add_problem(rec, "\"time\" is %s, not a number", json_kind(time));
                return -1;
        }
        return check_time(rec);
}

static void reset(struct record *rec)
{
        if (rec->root)
                json_decref(rec->root);
        rec->root        = NULL;
        rec->message     = NULL;
        rec->message_len = 0;
        rec->sender      = NULL;
        rec->sender_len  = 0;
        rec->sealed      = NULL;
        rec->sealed_len  = 0;
        rec->time        = 0.0;
        rec->when[0]     = '\0';
        rec->problem[0]  = '\0';
        buf_clear(&rec->text);
        buf_clear(&rec->sender_text);
        buf_clear(&rec->repaired);
}

/* ---- the fast path: json.dumps()'s exact layout --------------------- */

static const char prefix[] = "{\"message\": \"";
static const char middle[] = "\", \"time\": ";
static const char sender_key[] = ", \"sender\": \"";

/* Hex digit values plus one (0: not a hex digit): a table, because the
 * \\uXXXX escapes of non-ASCII text are most of what the scanner reads. */
static const unsigned char hex_plus_one[256] = {
        ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
        ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
        ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
        ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* What the scanner does with each byte of a JSON string: copy it (plain
 * printable ASCII: by far the most common), stop there (the closing
 * quote), read an escape, check a UTF-8 sequence, or give up (a raw
 * control character, which JSON does not allow). One table look-up per
 * byte instead of four comparisons. */
enum { COPY, QUOTE, ESCAPE, UTF8, BAD };

#define CLASS(c) ((c) < 0x20 ? BAD : (c) >= 0x80 ? UTF8 : (c) == '"' ? QUOTE \
                  : (c) == '\\' ? ESCAPE : COPY)
#define CLASS4(c) CLASS(c), CLASS((c) + 1), CLASS((c) + 2), CLASS((c) + 3)
#define CLASS16(c) CLASS4(c), CLASS4((c) + 4), CLASS4((c) + 8), CLASS4((c) + 12)
#define CLASS64(c) CLASS16(c), CLASS16((c) + 16), CLASS16((c) + 32), CLASS16((c) + 48)
static const unsigned char byte_class[256] = {
        CLASS64(0), CLASS64(64), CLASS64(128), CLASS64(192),
};

/*
 * How many of the 8 bytes at p are plain printable ASCII (COPY), the way
 * byte_class[] says, with a few operations on all eight at once (SWAR)
 * instead of a test and an unpredictable branch per byte: a byte is
 * flagged if it is >= 0x80, < 0x20, '"' or '\\'. Borrows can flag bytes
 * after a flagged one too, but never one before it, so the lowest flag
 * (little-endian: the first byte) is right.
 */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
#define HAS_ZERO(x) (((x) - ONES) & ~(x) & HIGHS)

static size_t plain8(const unsigned char *p)
{
        uint64_t v, flags;

        memcpy(&v, p, sizeof(v));
        flags = (v & HIGHS) | ((v - 0x20 * ONES) & ~v & HIGHS) | HAS_ZERO(v ^ ('"' * ONES)) |
                HAS_ZERO(v ^ ('\\' * ONES));
        return flags ? (size_t)__builtin_ctzll(flags) / 8 : 8;
}

/* Reads 4 hex digits; -1 if they are not there. */
static long hex4(const char *s, const char *end)
{
        int a, b, c, d;

        if (end - s < 4)
                return -1;
        a = hex_plus_one[(unsigned char)s[0]] - 1;
        b = hex_plus_one[(unsigned char)s[1]] - 1;
        c = hex_plus_one[(unsigned char)s[2]] - 1;
        d = hex_plus_one[(unsigned char)s[3]] - 1;
        if ((a | b | c | d) < 0)
                return -1;
        return (long)(a << 12 | b << 8 | c << 4 | d);
}

/* Decodes the JSON string body at *pos (after its opening quote) into
 * text, up to the closing quote. Returns 0, or -1 for anything the
 * general path should judge: invalid UTF-8, raw controls, bad escapes,
 * lone surrogates. */
static int scan_string(struct buf *text, const char **pos, const char *end)
{
        const unsigned char *p = (const unsigned char *)*pos, *e = (const unsigned char *)end;
        char *out;

        /* Decoding never lengthens JSON text: write straight into room
         * for all of it. */
        if (buf_reserve(text, (size_t)(e - p)) == -1)
                return -1;
        out = text->data;

        for (;;) {
                long unit;
                int32_t cp;

                /* A run to copy as it is, eight bytes at a time: the room
                 * reserved above holds them (out never passes p). */
                if (p < e && byte_class[*p] == COPY) { /* not right after an escape */
                        for (size_t n = 8; n == 8 && e - p >= 8;) {
                                n = plain8(p);
                                memcpy(out, p, 8);
                                out += n;
                                p += n;
                        }
                        while (p < e && byte_class[*p] == COPY)
                                *out++ = (char)*p++;
                }
                if (p == e)
                        return -1;
                switch (byte_class[*p]) {
                case QUOTE:
                        text->len = (size_t)(out - text->data);
                        *pos      = (const char *)p + 1;
                        return 0;
                case UTF8: { /* only in text that was not ensure_ascii'd */
                        size_t step = utf8_next(p, (size_t)(e - p), &cp);

                        if (cp == UTF8_INVALID)
                                return -1;
                        memcpy(out, p, step);
                        out += step;
                        p += step;
                        continue;
                }
                case BAD:
                        return -1; /* a raw control character */
                }
                if (++p == e)
                        return -1; /* a lone '\\' */
                switch (*p++) {
                case 'u':  break; /* the common one: non-ASCII text */
                case '"':  *out++ = '"';  continue;
                case '\\': *out++ = '\\'; continue;
                case '/':  *out++ = '/';  continue;
                case 'b':  *out++ = '\b'; continue;
                case 'f':  *out++ = '\f'; continue;
                case 'n':  *out++ = '\n'; continue;
                case 'r':  *out++ = '\r'; continue;
                case 't':  *out++ = '\t'; continue;
                default:   return -1;
                }
                unit = hex4((const char *)p, end);
                if (unit < 0)
                        return -1;
                p += 4;
                if (unit < 0x80) {
                        *out++ = (char)unit;
                        continue;
                }
                if (unit < 0x800) {
                        *out++ = (char)(0xC0 | unit >> 6);
                        *out++ = (char)(0x80 | (unit & 0x3F));
                        continue;
                }
                if (unit < 0xD800 || unit > 0xDFFF) { /* the rest of the BMP: Hangul */
                        *out++ = (char)(0xE0 | unit >> 12);
                        *out++ = (char)(0x80 | (unit >> 6 & 0x3F));
                        *out++ = (char)(0x80 | (unit & 0x3F));
                        continue;
                }
                if (unit <= 0xDBFF) { /* a high surrogate: its low one must follow */
                        long low = (e - p >= 2 && p[0] == '\\' && p[1] == 'u')
                                           ? hex4((const char *)p + 2, end) : -1;

                        if (low < 0xDC00 || low > 0xDFFF)
                                return -1;
                        p += 6;
                        out += utf8_encode(out, (int32_t)(0x10000 + ((unit - 0xD800) << 10) +
                                                          (low - 0xDC00)));
                        continue;
                }
                return -1; /* a lone low surrogate */
        }
}

/* Checks the JSON number grammar at p and returns its end, or NULL. */
static const char *scan_number(const char *p, const char *end)
{
        const char *digits;

        if (p < end && *p == '-')
                p++;
        if (p < end && *p == '0')
                p++;
        else if (p < end && *p >= '1' && *p <= '9')
                while (p < end && *p >= '0' && *p <= '9')
                        p++;
        else
                return NULL;
        if (p < end && *p == '.') {
                digits = ++p;
                while (p < end && *p >= '0' && *p <= '9')
                        p++;
                if (p == digits)
                        return NULL;
        }
        if (p < end && (*p == 'e' || *p == 'E')) {
                if (++p < end && (*p == '+' || *p == '-'))
                        p++;
                digits = p;
                while (p < end && *p >= '0' && *p <= '9')
                        p++;
                if (p == digits)
                        return NULL;
        }
        return p;
}

/* The double next to d (positive and finite), up or down: nextafter()'s
 * answer from d's bits, without a call per record. */
static double next_double(double d, int up)
{
        uint64_t bits;

        memcpy(&bits, &d, sizeof(bits));
        bits = up ? bits + 1 : bits - 1;
        memcpy(&d, &bits, sizeof(d));
        return d;
}

/*
 * strtod() for the numbers json.dumps() writes for times: digits with an
 * optional point, no exponent. x87's 64-bit mantissa holds up to 19 digits
 * and the powers of ten up to 10^27 exactly, so one division is off by at
 * most half a long-double ulp; unless the quotient lies right by a point
 * halfway between two doubles, rounding it to double gives what strtod()
 * gives, several times faster. Returns -1 to leave the number to strtod().
 */
static int fast_number(const char *p, const char *end, double *out)
{
#if LDBL_MANT_DIG >= 64
        static const long double pow10[] = {
                1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
                1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
                1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
        uint64_t m = 0;
        int digits = 0, frac = -1, negative = 0;
        long double q, mid_up, mid_down, tolerance;
        double d;
        volatile long double epsilon = LDBL_EPSILON;

        /* The 64-bit mantissa is the hardware's, not the compiler's
         * promise: valgrind runs x87 code in double precision, where this
         * sum is 1 and the division below is not exact. strtod() then. */
        if (1.0L + epsilon == 1.0L)
                return -1;
        if (p < end && *p == '-') {
                negative = 1;
                p++;
        }
        for (; p < end; p++) {
                if (*p == '.') {
                        frac = 0;
                        continue;
                }
                if (*p < '0' || *p > '9')
                        return -1; /* an exponent: strtod() */
                if (m > 0 || *p != '0')
                        digits++;
                if (digits > 19)
                        return -1;
                m = m * 10 + (uint64_t)(*p - '0');
                if (frac >= 0)
                        frac++;
        }
        if (frac < 0) {
                frac = 0;
                negative &= m != 0; /* an integer: json.loads' int -0 is 0 */
        }
        if (frac >= (int)(sizeof(pow10) / sizeof(pow10[0])))
                return -1;
        if (m == 0) {
                *out = negative ? -0.0 : 0.0;
                return 0;
        }
        /* Clinger's fast path: m and 10^frac both exact doubles, so the
         * division, rounded once by the hardware, is strtod()'s answer. */
        if (m <= ((uint64_t)1 << 53) && frac <= 22) {
                static const double exact10[] = {
                        1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

                d    = (double)m / exact10[frac];
                *out = negative ? -d : d;
                return 0;
        }

        q         = (long double)m / pow10[frac];
        d         = (double)q;
        mid_up    = ((long double)d + (long double)next_double(d, 1)) / 2;
        mid_down  = ((long double)d + (long double)next_double(d, 0)) / 2;
        tolerance = q * 0x1p-62L;
        if (fabsl(q - mid_up) <= tolerance || fabsl(q - mid_down) <= tolerance)
                return -1;
        *out = negative ? -d : d;
        return 0;
#else
        (void)p;
        (void)end;
        (void)out;
        return -1;
#endif
}

/* Decodes {"message": "...", "time": NUMBER} and {"message": "...", "time":
 * NUMBER, "sender": "..."} as json.dumps() lays them out, which is what the
 * seed and our programs send: without jansson's allocations this is
 * several times faster. Returns -1 (having changed nothing that matters)
 * for anything else. */
static int decode_canonical(struct record *rec, const char *value, size_t len)
{
        const char *p = value, *end = value + len, *number, *number_end;

        if (len < sizeof(prefix) - 1 || memcmp(p, prefix, sizeof(prefix) - 1) != 0)
                return -1;
        p += sizeof(prefix) - 1;
        if (scan_string(&rec->text, &p, end) == -1)
                goto no;
        if ((size_t)(end - p) < sizeof(middle) - 2 ||
            memcmp(p, middle + 1, sizeof(middle) - 2) != 0)
                goto no;
        number     = p + sizeof(middle) - 2;
        number_end = scan_number(number, end);
        if (!number_end)
                goto no;
        p = number_end;
        if ((size_t)(end - p) >= sizeof(sender_key) - 1 &&
            memcmp(p, sender_key, sizeof(sender_key) - 1) == 0) {
                p += sizeof(sender_key) - 1;
                if (scan_string(&rec->sender_text, &p, end) == -1)
                        goto no;
                rec->sender     = rec->sender_text.data ? rec->sender_text.data : "";
                rec->sender_len = rec->sender_text.len;
        }
        /* A '}' after the number also stops strtod() inside the value. */
        if (p + 1 != end || *p != '}')
                goto no;
        if (fast_number(number, number_end, &rec->time) == -1)
                rec->time = strtod(number, NULL);
        if (isinf(rec->time))
                goto no; /* json.loads makes it infinite; jansson refuses */

        rec->message     = rec->text.data ? rec->text.data : "";
        rec->message_len = rec->text.len;
        return 0;

no:
        buf_clear(&rec->text);
        buf_clear(&rec->sender_text);
        rec->sender     = NULL;
        rec->sender_len = 0;
        return -1;
}

/* ---- the general path: jansson ---------------------------------------- */

enum record_status record_decode_json(struct record *rec, const void *value,
                                      size_t len)
{
        const char *text = value;
        const json_t *message, *sender, *sealed;
        long bad_utf8;

        reset(rec);
        if (!value || len == 0) {
                add_problem(rec, value ? "empty value" : "null value");
                return RECORD_BAD;
        }

        /* The seed decodes with "utf8" and dies on a bad byte; show the
         * message with U+FFFD instead. */
        if (utf8_valid_prefix(value, len) != len) {
                bad_utf8 = utf8_repair(&rec->repaired, value, len);
                if (bad_utf8 == -1) {
                        add_problem(rec, "out of memory");
                        return RECORD_BAD;
                }
                add_problem(rec, "invalid UTF-8 (%ld sequence%s replaced by U+FFFD)",
                            bad_utf8, bad_utf8 == 1 ? "" : "s");
                text = rec->repaired.data;
                len  = rec->repaired.len;
        }

        rec->root = parse(rec, text, len);
        if (!rec->root)
                return RECORD_BAD;
        if (!json_is_object(rec->root)) {
                add_problem(rec, "JSON %s, not an object", json_kind(rec->root));
                return RECORD_BAD;
        }

        message = json_object_get(rec->root, "message");
        if (!message) {
                add_problem(rec, "no \"message\" field");
                return RECORD_BAD;
        }
        if (!json_is_string(message)) {
                add_problem(rec, "\"message\" is %s, not a string",
                            json_kind(message));
                return RECORD_BAD;
        }
        rec->message     = json_string_value(message);
        rec->message_len = json_string_length(message);

        /* A sender that is not a string is ignored, as the seed ignores
         * the key altogether. */
        sender = json_object_get(rec->root, "sender");
        if (json_is_string(sender)) {
                rec->sender     = json_string_value(sender);
                rec->sender_len = json_string_length(sender);
        }
        /* Only an encrypted room's readers look at it (common/vault.h). */
        sealed = json_object_get(rec->root, "sealed");
        if (json_is_string(sealed)) {
                rec->sealed     = json_string_value(sealed);
                rec->sealed_len = json_string_length(sealed);
        }

        if (read_time(rec, json_object_get(rec->root, "time")) == -1)
                return RECORD_TIME_BAD;
        return RECORD_OK;
}

enum record_status record_decode(struct record *rec, const void *value,
                                 size_t len)
{
        reset(rec);
        if (value && decode_canonical(rec, value, len) == 0)
                return check_time(rec) == 0 ? RECORD_OK : RECORD_TIME_BAD;
        return record_decode_json(rec, value, len);
}

void record_free(struct record *rec)
{
        if (rec->root)
                json_decref(rec->root);
        rec->root = NULL;
        buf_free(&rec->text);
        buf_free(&rec->sender_text);
        buf_free(&rec->repaired);
}
