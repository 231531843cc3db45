#include "signals.h"

#include <string.h>

volatile sig_atomic_t stop_signal = 0;

/* Stop signals so far; sig_atomic_t is all a handler may write. */
static volatile sig_atomic_t stops = 0;

static void on_stop(int sig)
{
        if (!stop_signal)
                stop_signal = sig;
        stops++;
}

void signals_stop_set(sigset_t *set)
{
        sigemptyset(set);
        sigaddset(set, SIGINT);
        sigaddset(set, SIGTERM);
        sigaddset(set, SIGHUP);
}

int signals_install(void)
{
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_stop;
        /* One at a time: the count is not lost to a second signal. */
        signals_stop_set(&sa.sa_mask);
        if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1 ||
            sigaction(SIGHUP, &sa, NULL) == -1)
                return -1;

        sa.sa_handler = SIG_IGN;
        return sigaction(SIGPIPE, &sa, NULL);
}

unsigned signals_received(void)
{
        return (unsigned)stops;
}
