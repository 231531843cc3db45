/*
 * libFuzzer harness: the timestamp formatter and repr(float) on any
 * double. repr must read back exactly; the time text must have the shape
 * of str(datetime).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/pyjson.h"
#include "../common/pytime.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        setenv("TZ", "America/New_York", 1); /* daylight saving on */
        tzset();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char repr[PYJSON_FLOAT_MAX], text[PYTIME_TEXT_MAX];
        double x;
        size_t len;
        int n;

        if (size != sizeof(x))
                return 0;
        memcpy(&x, data, sizeof(x));

        len = pyjson_format_float(x, repr);
        if (len != strlen(repr) || len >= PYJSON_FLOAT_MAX)
                abort();
        if (isfinite(x) && strtod(repr, NULL) != x)
                abort();

        n = pytime_format(x, text);
        if (n >= 0 && n != 19 && n != 26)
                abort(); /* "YYYY-MM-DD HH:MM:SS" and maybe ".ffffff" */
        if (n >= 0 && (text[4] != '-' || text[10] != ' ' || text[13] != ':'))
                abort();
        return 0;
}
