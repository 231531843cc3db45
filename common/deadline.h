/*
 * deadline - time limits on the monotonic clock, and the end of a program
 * that a further stop signal cuts short.
 *
 * A program that stops still owes something: lines on their way to the
 * broker, a place to commit. It does that by one deadline (--timeout from
 * the moment it began to stop), and gives up at once when another stop
 * signal comes after the deadline was set: so a first Ctrl-C ends the
 * program within --timeout, a second one within a slice.
 */
#ifndef KC_DEADLINE_H
#define KC_DEADLINE_H

/* How long one wait inside a longer one lasts, in ms: how soon a signal
 * or a fatal error counts. */
#define DEADLINE_SLICE_MS 100

struct deadline {
        long long at_ms;   /* on deadline_now_ms()'s clock */
        unsigned signals;  /* stop signals received when it was set */
};

/* Milliseconds on the monotonic clock. */
long long deadline_now_ms(void);

/* A deadline timeout_ms from now, given up by any stop signal after now. */
struct deadline deadline_in(int timeout_ms);

/* Whether the time is up or a stop signal came since it was set. */
int deadline_passed(const struct deadline *d);

/* How long to wait now: what is left, at most slice_ms, at least 1 ms
 * (0 once the deadline passed). */
int deadline_slice(const struct deadline *d, int slice_ms);

/* What is left, in ms (0 once passed). */
int deadline_left(const struct deadline *d);

/* The sooner of two waits in ms, -1 meaning none. */
int deadline_sooner(int a_ms, int b_ms);

/* A pause before trying again: *pause_ms (start it at 50), doubled each
 * time up to a second, never past the deadline. Returns 0 to try again,
 * -1 when the time is up or a stop signal came (it cuts the pause short). */
int deadline_pause(int *pause_ms, const struct deadline *d);

#endif
