#include "pytime.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define NS_PER_SEC 1000000000LL
#define US_PER_SEC 1e6

/* Seconds in the day CPython looks back to detect a DST fold. */
#define MAX_FOLD_SECONDS (24 * 3600)

double pytime_now(void)
{
        struct timespec ts;
        long long ns;

        if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
                return (double)time(NULL);
        ns = (long long)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;

        /* _PyTime_AsSecondsDouble() */
        if (ns % NS_PER_SEC == 0)
                return (double)(ns / NS_PER_SEC);
        return (double)ns / 1e9;
}

/* _PyTime_RoundHalfEven() */
static double round_half_even(double x)
{
        double rounded = round(x);

        if (fabs(x - rounded) == 0.5)
                rounded = 2.0 * round(x / 2.0);
        return rounded;
}

/* localtime_r() with the year check of CPython's utc_to_seconds(). */
static int local_tm(time_t t, struct tm *tm)
{
        long year;

        if (!localtime_r(&t, tm))
                return -1;
        year = (long)tm->tm_year + 1900;
        return year >= 1 && year <= 9999 ? 0 : -1;
}

/* Writes n (0 <= n < 10^width) as width digits. */
static void put_digits(char *out, long n, int width)
{
        for (int i = width - 1; i >= 0; i--, n /= 10)
                out[i] = (char)('0' + n % 10);
}

/* The text of a whole second, or -1 where CPython fails. */
static int format_second(time_t secs, char text[20])
{
        struct tm tm, probe;

        if (local_tm(secs, &tm) == -1)
                return -1;
        /* datetime_from_timet_and_us() probes one day back for a fold and
         * fails where that probe is before year 1. */
        if (local_tm(secs - MAX_FOLD_SECONDS, &probe) == -1)
                return -1;

        put_digits(text, tm.tm_year + 1900, 4);
        text[4] = '-';
        put_digits(text + 5, tm.tm_mon + 1, 2);
        text[7] = '-';
        put_digits(text + 8, tm.tm_mday, 2);
        text[10] = ' ';
        put_digits(text + 11, tm.tm_hour, 2);
        text[13] = ':';
        put_digits(text + 14, tm.tm_min, 2);
        text[16] = ':';
        put_digits(text + 17, tm.tm_sec > 59 ? 59 : tm.tm_sec, 2); /* leap */
        text[19] = '\0';
        return 0;
}

int pytime_format_cached(struct pytime_cache *cache, double t,
                         char out[PYTIME_TEXT_MAX])
{
        double whole;
        volatile double frac; /* as CPython: keep the compiler's hands off */
        time_t secs;
        long us;

        if (!isfinite(t))
                return -1;

        /* _PyTime_DoubleToDenominator(), rounding half to even. */
        frac = modf(t, &whole);
        frac = round_half_even(frac * US_PER_SEC);
        if (frac >= US_PER_SEC) {
                frac -= US_PER_SEC;
                whole += 1.0;
        } else if (frac < 0) {
                frac += US_PER_SEC;
                whole -= 1.0;
        }
        /* Far beyond year 9999 either way; keeps the cast defined. */
        if (fabs(whole) > 1e15)
                return -1;
        secs = (time_t)whole;
        us   = (long)frac;

        if (!cache->valid || cache->secs != secs) {
                cache->secs  = secs;
                cache->valid = format_second(secs, cache->text) == 0 ? 1 : -1;
        }
        if (cache->valid == -1)
                return -1;

        memcpy(out, cache->text, 19);
        if (us == 0) {
                out[19] = '\0';
                return 19;
        }
        out[19] = '.';
        put_digits(out + 20, us, 6);
        out[26] = '\0';
        return 26;
}

int pytime_format(double t, char out[PYTIME_TEXT_MAX])
{
        struct pytime_cache cache = PYTIME_CACHE_INIT;

        return pytime_format_cached(&cache, t, out);
}
