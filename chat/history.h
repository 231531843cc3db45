/*
 * history - what a room shows when you enter it: the last lines before
 * your previous visit, a separator, and what is new since, each in time
 * order. Pure bookkeeping, testable without a terminal or a broker: the
 * room reads the records, this decides which to keep and in what order.
 *
 * Per partition, your place (the committed offset) splits the records
 * into old and new. Of the old, the last lines_before before your place
 * are read; of the new, at most the last new_max of each partition, of
 * which the latest new_max in all are kept. Whatever else is new is
 * counted, not shown ("(앞의 N개는 생략)"). Order: time, then partition,
 * then offset, so lines of equal times keep their order in the topic.
 */
#ifndef KC_CHAT_HISTORY_H
#define KC_CHAT_HISTORY_H

#include <stddef.h>
#include <stdint.h>

/* Where one partition's catch-up reads: old lines from `from` up to
 * `mark` (your place), new ones from `fresh_from` up to `end`; the new
 * records between mark and fresh_from are skipped unread. */
struct history_range {
        int64_t from;
        int64_t mark;
        int64_t fresh_from;
        int64_t end;
};

/* The range of a partition whose offsets run from low to high (the next
 * offset to be written), with your committed place (negative: none, a
 * first visit, which starts at the end). */
void history_range(int64_t committed, int64_t low, int64_t high, int64_t lines_before,
                   int64_t new_max, struct history_range *r);

/* A record read: its time, its place in the topic, and the caller's
 * object (a message), which history owns once added. */
struct history_entry {
        double time;
        int32_t partition;
        int64_t offset;
        void *item;
};

/* The latest `max` entries added, in a min-heap by (time, partition,
 * offset) until history_sort(). */
struct history_list {
        struct history_entry *entries;
        size_t count, max;
};

struct history {
        struct history_list old, fresh;
        size_t skipped;            /* new records not kept: not read, or over new_max */
        void (*drop)(void *item);  /* releases an item history does not keep */
};

void history_init(struct history *h, size_t old_max, size_t new_max, void (*drop)(void *item));

/* Adds a record, old (before your place) or new. When a list is full the
 * earliest entry goes (it is dropped, and counted if new). Returns 0, or
 * -1 when out of memory (the entry's item is dropped then). */
int history_add(struct history *h, const struct history_entry *e, int is_new);

/* Counts new records that were never read. */
void history_skip(struct history *h, size_t n);

/* Sorts both lists into the order to show them. */
void history_sort(struct history *h);

/* The separator between old and new, one or two lines ending in "\n":
 * how many are new since your last visit (or, on a first visit, where the
 * new ones start), and how many of them are not shown. */
void history_separator(const struct history *h, int visited, char *buf, size_t size);

/* Drops every item still held. */
void history_free(struct history *h);

#endif
