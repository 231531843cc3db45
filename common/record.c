#include "record.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pyjson.h"
#include "pytime.h"
#include "utf8.h"

long record_encode(struct buf *out, const char *line, size_t len, double time)
{
        char number[PYJSON_FLOAT_MAX];
        size_t number_len = pyjson_format_float(time, number);
        long replaced;

        if (buf_append(out, "{\"message\": ", 12) == -1)
                return -1;
        replaced = pyjson_append_string(out, line, len);
        if (replaced == -1 || buf_append(out, ", \"time\": ", 10) == -1 ||
            buf_append(out, number, number_len) == -1 ||
            buf_append_char(out, '}') == -1)
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

/* The time as a double, as datetime.fromtimestamp() takes it: a number or
 * a bool (Python's True is 1). Returns -1 with a problem noted if unusable. */
static int read_time(struct record *rec, const json_t *time)
{
        char text[PYTIME_TEXT_MAX];

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
        if (pytime_format(rec->time, text) == -1) {
                add_problem(rec, "\"time\" %.17g is out of range", rec->time);
                return -1;
        }
        return 0;
}

enum record_status record_decode(struct record *rec, const void *value,
                                 size_t len)
{
        const char *text = value;
        const json_t *message;
        long bad_utf8;

        if (rec->root)
                json_decref(rec->root);
        rec->root        = NULL;
        rec->message     = NULL;
        rec->message_len = 0;
        rec->time        = 0.0;
        rec->problem[0]  = '\0';
        buf_clear(&rec->repaired);

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

        if (read_time(rec, json_object_get(rec->root, "time")) == -1)
                return RECORD_TIME_BAD;
        return RECORD_OK;
}

void record_free(struct record *rec)
{
        if (rec->root)
                json_decref(rec->root);
        rec->root = NULL;
        buf_free(&rec->repaired);
}
