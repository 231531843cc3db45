/*
 * signals - SIGINT, SIGTERM and SIGHUP (the terminal was closed) ask the
 * main loop to stop, so that a program delivers or commits what it owes
 * and leaves its group; SIGPIPE is ignored so that a closed output shows
 * up as EPIPE from write().
 *
 * A program that is already stopping (delivering, committing) gives up
 * when another stop signal comes: it notes signals_received() when it
 * starts waiting and gives up once the number has grown.
 */
#ifndef KC_SIGNALS_H
#define KC_SIGNALS_H

#include <signal.h>

/* 0 while running, else the number of the first signal that asked us to
 * stop. With the count below, the only global state of the programs: a
 * signal handler can reach no other. */
extern volatile sig_atomic_t stop_signal;

/* Installs the handlers (without SA_RESTART, so a blocking call returns
 * EINTR). Returns 0, or -1 with errno set. */
int signals_install(void);

/* How many stop signals came so far. */
unsigned signals_received(void);

/* The stop signals, for a mask (ppoll()'s, say). */
void signals_stop_set(sigset_t *set);

#endif
