/* Unit tests of chat/loop: it sleeps until something happens, a failed
 * wait ends it with the reason, and no stop signal is slept through. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../chat/loop.h"
#include "../../common/signals.h"

/* What the loop did, and what the injected wait answers. */
struct run {
        int waits;       /* calls of the wait */
        int afters;      /* calls of after() */
        int readies;     /* calls of a source's ready() */
        int stop_after;  /* over() says stop after this many waits */
        int fail_errno;  /* the wait fails with this (0: it does not) */
        int interrupted; /* the first wait returns EINTR */
        int timer_ms;    /* what next_ms() says */
        long long timeout_ns; /* what the wait was given: -1 for none */
        int blocked;     /* the stop signals were blocked when it was called */
        int unblocks;    /* and its mask unblocks them */
};

static struct run *running; /* the wait has no context argument */

static int over(void *ctx)
{
        const struct run *r = ctx;

        return r->waits >= r->stop_after;
}

static int next_ms(void *ctx)
{
        return ((struct run *)ctx)->timer_ms;
}

static void after(void *ctx)
{
        ((struct run *)ctx)->afters++;
}

static void ready(void *ctx)
{
        ((struct run *)ctx)->readies++;
}

static int fake_wait(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
                     const sigset_t *mask)
{
        struct run *r = running;
        sigset_t now;

        r->waits++;
        r->timeout_ns = timeout ? timeout->tv_sec * 1000000000LL + timeout->tv_nsec : -1;
        sigprocmask(SIG_SETMASK, NULL, &now);
        r->blocked  = sigismember(&now, SIGINT) && sigismember(&now, SIGTERM) &&
                      sigismember(&now, SIGHUP);
        r->unblocks = !sigismember(mask, SIGINT) && !sigismember(mask, SIGTERM) &&
                      !sigismember(mask, SIGHUP);
        if (r->fail_errno) {
                errno = r->fail_errno;
                return -1;
        }
        if (r->interrupted && r->waits == 1) {
                errno = EINTR;
                return -1;
        }
        for (nfds_t i = 0; i < n; i++)
                fds[i].revents = i == 0 ? POLLIN : 0;
        return 1;
}

static struct loop make_loop(struct run *r)
{
        running = r;
        return (struct loop){
                .sources = {{0, ready}, {1, NULL}},
                .count   = 2,
                .over    = over,
                .next_ms = next_ms,
                .after   = after,
                .ctx     = r,
                .wait    = fake_wait,
        };
}

static void a_failed_wait_ends_the_loop_with_its_reason(void **state)
{
        struct run r = {.stop_after = 100, .fail_errno = ENOMEM, .timer_ms = -1};
        struct loop l = make_loop(&r);

        (void)state;
        errno = 0;
        assert_int_equal(loop_run(&l), -1);
        assert_int_equal(errno, ENOMEM);
        assert_int_equal(r.waits, 1);
        assert_int_equal(r.afters, 0);
}

static void a_signal_wakes_it_and_it_goes_on(void **state)
{
        struct run r = {.stop_after = 3, .interrupted = 1, .timer_ms = -1};
        struct loop l = make_loop(&r);

        (void)state;
        assert_int_equal(loop_run(&l), 0);
        assert_int_equal(r.waits, 3);
        assert_int_equal(r.afters, 3);  /* after every wake */
        assert_int_equal(r.readies, 2); /* not after the signal */
}

static void it_sleeps_until_an_event_or_a_timer(void **state)
{
        struct run r = {.stop_after = 1, .timer_ms = -1};
        struct loop l = make_loop(&r);

        (void)state;
        assert_int_equal(loop_run(&l), 0);
        assert_int_equal(r.timeout_ns, -1); /* no tick: only events wake it */
        r   = (struct run){.stop_after = 1, .timer_ms = 2500};
        l   = make_loop(&r);
        assert_int_equal(loop_run(&l), 0);
        assert_true(r.timeout_ns == 2500 * 1000000LL);
}

/* Between over()'s look at the stop flag and the sleep, the stop signals
 * wait: a signal there would otherwise be slept through. */
static void no_stop_signal_is_slept_through(void **state)
{
        struct run r = {.stop_after = 1, .timer_ms = -1};
        struct loop l = make_loop(&r);
        sigset_t now;

        (void)state;
        assert_int_equal(loop_run(&l), 0);
        assert_true(r.blocked);
        assert_true(r.unblocks);
        /* And afterwards they are not blocked. */
        sigprocmask(SIG_SETMASK, NULL, &now);
        assert_false(sigismember(&now, SIGINT));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(a_failed_wait_ends_the_loop_with_its_reason),
                cmocka_unit_test(a_signal_wakes_it_and_it_goes_on),
                cmocka_unit_test(it_sleeps_until_an_event_or_a_timer),
                cmocka_unit_test(no_stop_signal_is_slept_through),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
