#include "signals.h"

#include <string.h>

volatile sig_atomic_t stop_signal = 0;

static void on_stop(int sig)
{
        stop_signal = sig;
}

int signals_install(void)
{
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_stop;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1 ||
            sigaction(SIGHUP, &sa, NULL) == -1)
                return -1;

        sa.sa_handler = SIG_IGN;
        return sigaction(SIGPIPE, &sa, NULL);
}
