/*
 * loop - the chat's event loop. It sleeps until something happens: the
 * terminal has input, librdkafka has events (it writes to a pipe, see
 * rd_kafka_queue_io_event_enable()), or a timer of the program is due.
 *
 * A stop signal cannot slip in between the look at the stop flag and the
 * sleep: the stop signals are blocked from the look until ppoll(), which
 * unblocks them while it sleeps. Outside that moment they stay unblocked,
 * so a long wait in a handler (joining a room) still sees Ctrl-C.
 */
#ifndef KC_CHAT_LOOP_H
#define KC_CHAT_LOOP_H

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <time.h>

#define LOOP_SOURCES_MAX 4

/* How the loop sleeps: ppoll()'s signature (tests inject another). */
typedef int loop_wait_fn(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
                         const sigset_t *mask);

struct loop_source {
        int fd;
        void (*ready)(void *ctx); /* fd readable or hung up; NULL: it only wakes */
};

struct loop {
        struct loop_source sources[LOOP_SOURCES_MAX];
        size_t count;
        int (*over)(void *ctx);    /* whether to stop: looked at before each sleep */
        int (*next_ms)(void *ctx); /* ms until a timer is due, -1 for none */
        void (*after)(void *ctx);  /* after each wake, whatever woke it */
        void *ctx;
        loop_wait_fn *wait;        /* NULL: ppoll() */
};

/* Runs until over() says so. Returns 0, or -1 with errno set when the
 * wait failed (not for a signal: that is what over() looks at). */
int loop_run(const struct loop *l);

#endif
