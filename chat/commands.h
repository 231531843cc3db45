/*
 * commands - what you type that starts with '/': one table, sorted by
 * name, from which the dispatch, /help, --help and Tab completion come.
 * Adding a command is one function and one row.
 */
#ifndef KC_CHAT_COMMANDS_H
#define KC_CHAT_COMMANDS_H

#include <stddef.h>
#include <stdio.h>

struct chat;

struct command {
        const char *name;   /* with its slash: "/join" */
        const char *arg;    /* what it takes ("ROOM"), or NULL */
        void (*run)(struct chat *c, const char *arg); /* arg: what follows, or "" */
        const char *help;   /* for /help, in the chat's language */
        const char *about;  /* for --help */
};

/* The table, sorted by name, and its length. */
const struct command *commands_table(size_t *count);

/* The command a typed line names ("/join lobby": /join), with *arg at
 * what follows it (spaces skipped), or NULL for an unknown one. */
const struct command *commands_find(const char *line, const char **arg);

/* Runs a typed line that starts with '/' (not "//"): the command, a note
 * of what it needs, or a notice that it is unknown (nothing is sent). */
void commands_run(struct chat *c, const char *line);

/* --help's section on the commands. */
void commands_usage(FILE *out);

#endif
