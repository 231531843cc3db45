#include "deadline.h"

#include <poll.h>
#include <time.h>

#include "signals.h"

long long deadline_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct deadline deadline_in(int timeout_ms)
{
        return (struct deadline){deadline_now_ms() + timeout_ms, signals_received()};
}

int deadline_passed(const struct deadline *d)
{
        return signals_received() != d->signals || deadline_now_ms() >= d->at_ms;
}

int deadline_left(const struct deadline *d)
{
        long long left = d->at_ms - deadline_now_ms();

        if (signals_received() != d->signals || left <= 0)
                return 0;
        return left > 0x7fffffff ? 0x7fffffff : (int)left;
}

int deadline_slice(const struct deadline *d, int slice_ms)
{
        int left = deadline_left(d);

        return left > slice_ms ? slice_ms : left;
}

int deadline_sooner(int a_ms, int b_ms)
{
        return a_ms < 0 ? b_ms : b_ms < 0 || a_ms < b_ms ? a_ms : b_ms;
}

int deadline_pause(int *pause_ms, const struct deadline *d)
{
        if (deadline_left(d) <= *pause_ms)
                return -1;
        (void)poll(NULL, 0, *pause_ms); /* a signal cuts it short: then we stop */
        *pause_ms = *pause_ms * 2 > 1000 ? 1000 : *pause_ms * 2;
        return deadline_passed(d) ? -1 : 0;
}
