#include "loop.h"

#include <errno.h>

#include "../common/signals.h"

static struct timespec *timeout(int ms, struct timespec *ts)
{
        if (ms < 0)
                return NULL; /* no timer: sleep until an event */
        ts->tv_sec  = ms / 1000;
        ts->tv_nsec = (long)(ms % 1000) * 1000000;
        return ts;
}

int loop_run(const struct loop *l)
{
        loop_wait_fn *wait = l->wait ? l->wait : ppoll;
        struct pollfd fds[LOOP_SOURCES_MAX];
        sigset_t stops, unblocked;
        struct timespec ts;

        signals_stop_set(&stops);
        for (;;) {
                int n, saved;

                sigprocmask(SIG_BLOCK, &stops, &unblocked);
                if (l->over(l->ctx)) {
                        sigprocmask(SIG_SETMASK, &unblocked, NULL);
                        return 0;
                }
                for (size_t i = 0; i < l->count; i++)
                        fds[i] = (struct pollfd){l->sources[i].fd, POLLIN, 0};
                n     = wait(fds, l->count, timeout(l->next_ms(l->ctx), &ts), &unblocked);
                saved = errno;
                sigprocmask(SIG_SETMASK, &unblocked, NULL);
                if (n == -1 && saved != EINTR) {
                        errno = saved;
                        return -1;
                }
                for (size_t i = 0; n > 0 && i < l->count; i++)
                        if (fds[i].revents && l->sources[i].ready)
                                l->sources[i].ready(l->ctx);
                l->after(l->ctx);
        }
}
