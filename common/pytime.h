/*
 * pytime - time values and texts as CPython 3.11 makes them.
 */
#ifndef KC_PYTIME_H
#define KC_PYTIME_H

#include <stddef.h>

/* "YYYY-MM-DD HH:MM:SS.ffffff" and its NUL. */
#define PYTIME_TEXT_MAX 32

/* time.time(): the wall clock in nanoseconds, as a double in seconds. */
double pytime_now(void);

/* str(datetime.fromtimestamp(t)) in the process's local time zone (TZ is
 * honoured). Returns the text length, or -1 where Python raises: NaN,
 * infinities, and times outside the years 1 to 9999. */
int pytime_format(double t, char out[PYTIME_TEXT_MAX]);

/* The last whole second pytime_format_cached() turned into text: records
 * that follow each other mostly share it, and localtime_r() is the costly
 * part. Owned by the caller; valid while TZ stays the same. */
struct pytime_cache {
        long long secs;  /* the second in text, if valid */
        int valid;       /* 1: text holds it, -1: it is out of range */
        char text[20];   /* "YYYY-MM-DD HH:MM:SS" */
};

#define PYTIME_CACHE_INIT {0, 0, ""}

int pytime_format_cached(struct pytime_cache *cache, double t,
                         char out[PYTIME_TEXT_MAX]);

#endif
