#include "history.h"

#include <stdio.h>
#include <stdlib.h>

void history_range(int64_t committed, int64_t low, int64_t high, int64_t lines_before,
                   int64_t new_max, struct history_range *r)
{
        r->end        = high;
        r->mark       = committed >= 0 && committed < high ? committed : high;
        r->from       = r->mark - lines_before > low ? r->mark - lines_before : low;
        r->fresh_from = r->end - new_max > r->mark ? r->end - new_max : r->mark;
}

/* Whether a comes before b: the order lines are shown in. */
static int before(const struct history_entry *a, const struct history_entry *b)
{
        if (a->time != b->time)
                return a->time < b->time;
        if (a->partition != b->partition)
                return a->partition < b->partition;
        return a->offset < b->offset;
}

static void swap(struct history_entry *a, struct history_entry *b)
{
        struct history_entry t = *a;

        *a = *b;
        *b = t;
}

/* Restores the heap below entry i (the earliest on top). */
static void sift_down(struct history_entry *e, size_t count, size_t i)
{
        for (;;) {
                size_t least = i, l = 2 * i + 1, r = l + 1;

                if (l < count && before(&e[l], &e[least]))
                        least = l;
                if (r < count && before(&e[r], &e[least]))
                        least = r;
                if (least == i)
                        return;
                swap(&e[i], &e[least]);
                i = least;
        }
}

static void sift_up(struct history_entry *e, size_t i)
{
        while (i > 0 && before(&e[i], &e[(i - 1) / 2])) {
                swap(&e[i], &e[(i - 1) / 2]);
                i = (i - 1) / 2;
        }
}

void history_init(struct history *h, size_t old_max, size_t new_max, void (*drop)(void *item))
{
        *h = (struct history){{NULL, 0, old_max}, {NULL, 0, new_max}, 0, drop};
}

/* Keeps the latest list->max entries. Returns 1 if e or an entry it
 * displaced was dropped, 0 if all are kept, -1 when out of memory. */
static int keep(struct history *h, struct history_list *list, const struct history_entry *e)
{
        if (list->count == list->max) {
                if (list->max == 0 || before(e, &list->entries[0])) {
                        h->drop(e->item); /* earlier than all we keep */
                        return 1;
                }
                h->drop(list->entries[0].item);
                list->entries[0] = *e;
                sift_down(list->entries, list->count, 0);
                return 1;
        }
        if (!list->entries) {
                /* The full size at once: it is bounded, and a catch-up fills it. */
                list->entries = malloc(list->max * sizeof(*list->entries));
                if (!list->entries) {
                        h->drop(e->item);
                        return -1;
                }
        }
        list->entries[list->count] = *e;
        sift_up(list->entries, list->count++);
        return 0;
}

int history_add(struct history *h, const struct history_entry *e, int is_new)
{
        int dropped = keep(h, is_new ? &h->fresh : &h->old, e);

        if (dropped == 1 && is_new)
                h->skipped++;
        return dropped == -1 ? -1 : 0;
}

void history_skip(struct history *h, size_t n)
{
        h->skipped += n;
}

/* Heap sort: the earliest goes last, so the list ends up latest first;
 * then reversed. */
static void sort(struct history_list *list)
{
        for (size_t n = list->count; n > 1; n--) {
                swap(&list->entries[0], &list->entries[n - 1]);
                sift_down(list->entries, n - 1, 0);
        }
        for (size_t i = 0; i < list->count / 2; i++)
                swap(&list->entries[i], &list->entries[list->count - 1 - i]);
}

void history_sort(struct history *h)
{
        sort(&h->old);
        sort(&h->fresh);
}

void history_separator(const struct history *h, int visited, char *buf, size_t size)
{
        int n;

        if (visited)
                n = snprintf(buf, size, "──── 지난 방문 이후 새 메시지 %zu개 ────\n",
                             h->fresh.count + h->skipped);
        else
                n = snprintf(buf, size, "──── 여기부터 새 메시지 ────\n");
        if (h->skipped && n >= 0 && (size_t)n < size)
                snprintf(buf + n, size - (size_t)n, "(앞의 %zu개는 생략)\n", h->skipped);
}

static void free_list(struct history *h, struct history_list *list)
{
        for (size_t i = 0; i < list->count; i++)
                h->drop(list->entries[i].item);
        free(list->entries);
        list->entries = NULL;
        list->count   = 0;
}

void history_free(struct history *h)
{
        free_list(h, &h->old);
        free_list(h, &h->fresh);
}
